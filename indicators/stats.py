"""Statistics for the indicators: pure numpy/scipy, no pandas, no I/O.

Every function takes plain numbers or arrays and returns plain numbers or arrays, so that the
engine (``compute``), aggregate input (``from_counts``) and the tests share one implementation
of each quantity.

References
----------
UNICEF/UNODC, *Manual for the Measurement of Juvenile Justice Indicators*, 2006.
Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28, 437-442.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
JASA 22, 209-212.
Conover, W. J. (1999). *Practical Nonparametric Statistics*, 3rd ed., section 3.2 (confidence
interval for a quantile).
Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from incomplete observations.
JASA 53, 457-481.
Clopper, C. J. and Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in
the case of the binomial. Biometrika 26, 404-413.
Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions:
comparison of eleven methods. Statistics in Medicine 17, 873-890.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

__all__ = [
    "binomial_exact_ci",
    "km_median",
    "median_ci",
    "poisson_ci",
    "proportion_ci",
    "proportion_difference_ci",
    "rank_intervals",
    "rate_ci",
    "rate_ratio_ci",
    "summarise_durations",
    "weighted_median",
]


def _alpha(confidence_level: float) -> float:
    if not 0 < confidence_level < 1:
        raise ValueError(
            f"confidence_level must lie strictly between 0 and 1, got {confidence_level}"
        )
    return 1.0 - confidence_level


def poisson_ci(count, confidence_level: float = 0.95):
    """Exact (Garwood) confidence interval for a Poisson count.

    Parameters
    ----------
    count : int or array-like of int
        Observed counts (0 or more).
    confidence_level : float
        Two-sided level, e.g. 0.95.

    Returns
    -------
    lower, upper : ndarray of float
        ``lower = chi2.ppf(alpha/2, 2k) / 2`` (0 when k = 0) and
        ``upper = chi2.ppf(1 - alpha/2, 2k + 2) / 2``.
    """
    alpha = _alpha(confidence_level)
    k = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, _st.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        upper = _st.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    lower = np.where(np.isnan(k), np.nan, lower)
    return lower, upper


def rate_ci(count, denominator, multiplier: float = 1.0, confidence_level: float = 0.95):
    """Rate and exact Poisson interval: ``count / denominator * multiplier``.

    Parameters
    ----------
    count : array-like
        Events (the numerator).
    denominator : array-like
        Population or person-time; a rate is undefined (NaN) where it is 0 or missing.
    multiplier : float
        100,000 for rates per 100,000 children, 1,000 for JJ06.
    confidence_level : float
        Two-sided level.

    Returns
    -------
    value, lower, upper : ndarray of float

    Notes
    -----
    The interval treats the denominator as known without error (the Manual's population
    figures) and applies the Garwood interval of the count.
    """
    k = np.asarray(count, dtype=float)
    d = np.asarray(denominator, dtype=float)
    lo, hi = poisson_ci(k, confidence_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(d > 0, multiplier / d, np.nan)
    return k * scale, lo * scale, hi * scale


def proportion_ci(count, nobs, confidence_level: float = 0.95):
    """Proportion and Wilson score interval.

    Parameters
    ----------
    count : array-like
        Successes.
    nobs : array-like
        Trials; the proportion is undefined (NaN) where it is 0.
    confidence_level : float
        Two-sided level.

    Returns
    -------
    value, lower, upper : ndarray of float
        As proportions between 0 and 1 (multiply by 100 for percent).

    Notes
    -----
    With ``z = norm.ppf(1 - alpha/2)`` and ``p = x/n``::

        centre = (p + z^2/(2n)) / (1 + z^2/n)
        half   = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))

    Matches ``statsmodels.stats.proportion.proportion_confint(x, n, method="wilson")``.
    """
    alpha = _alpha(confidence_level)
    x = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    z = _st.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_safe = np.where(n > 0, n, np.nan)
        p = x / n_safe
        denom = 1 + z**2 / n_safe
        centre = (p + z**2 / (2 * n_safe)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n_safe + z**2 / (4 * n_safe**2))
    lower = np.clip(centre - half, 0.0, 1.0)
    upper = np.clip(centre + half, 0.0, 1.0)
    # Guard against rounding pushing the bound past the estimate at p = 0 or 1.
    lower = np.minimum(lower, p)
    upper = np.maximum(upper, p)
    return p, lower, upper


def median_ci(values, confidence_level: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval for a median, from order statistics.

    Parameters
    ----------
    values : array-like
        The sample (NaN values are ignored).
    confidence_level : float
        Two-sided level.

    Returns
    -------
    lower, upper : float
        ``(x_(r), x_(n-r+1))`` with ranks from 1 and ``r`` the largest rank for which
        ``1 - 2 P(B <= r-1) >= confidence_level``, ``B ~ Binomial(n, 1/2)``. NaN when the
        sample is too small for any such interval (n < 6 at 95 %).
    """
    alpha = _alpha(confidence_level)
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return np.nan, np.nan
    r = int(_st.binom.ppf(alpha / 2, n, 0.5))
    # binom.ppf returns the smallest k with cdf(k) >= alpha/2; coverage needs cdf(r-1) <= alpha/2.
    if r >= 1 and _st.binom.cdf(r - 1, n, 0.5) > alpha / 2:
        r -= 1
    if r < 1:
        return np.nan, np.nan
    return float(x[r - 1]), float(x[n - r])


def km_median(durations, observed) -> float:
    """Kaplan-Meier median of durations with right censoring.

    Parameters
    ----------
    durations : array-like of float
        Days from the start of each period to its end, or to the censoring day.
    observed : array-like of bool
        True where the period ended (an event), False where it was still in progress (censored).

    Returns
    -------
    float
        The smallest duration at which the estimated survival falls to 0.5 or below; NaN when
        the sample is empty or survival never falls that low (median not reached).
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    keep = ~np.isnan(t)
    t, e = t[keep], e[keep]
    if t.size == 0 or not e.any():
        return np.nan
    data = _st.CensoredData(uncensored=t[e], right=t[~e])
    sf = _st.ecdf(data).sf
    below = np.flatnonzero(sf.probabilities <= 0.5 + 1e-12)
    if below.size == 0:
        return np.nan
    return float(sf.quantiles[below[0]])


def summarise_durations(
    days, bands: list[tuple[int, int | None]], confidence_level: float = 0.95
) -> dict[str, float]:
    """Summary statistics of a duration cohort (JJ04, JJ05).

    Parameters
    ----------
    days : array-like
        Completed durations in days.
    bands : list of (low, high)
        Inclusive day bands; ``high=None`` means open-ended.
    confidence_level : float
        Level of the median's interval.

    Returns
    -------
    dict
        ``n, mean, median, p25, p75, min, max, ci_lower, ci_upper`` and one
        ``band_<low>_<high>`` (or ``band_<low>_plus``) count per band. Quartiles use linear
        interpolation; statistics of an empty cohort are NaN and band counts 0.
    """
    x = np.asarray(days, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    out: dict[str, float] = {"n": float(n)}
    if n:
        p25, med, p75 = np.quantile(x, [0.25, 0.5, 0.75], method="linear")
        lo, hi = median_ci(x, confidence_level)
        out.update(
            mean=float(x.mean()), median=float(med), p25=float(p25), p75=float(p75),
            min=float(x.min()), max=float(x.max()), ci_lower=lo, ci_upper=hi,
        )
    else:
        out.update({k: np.nan for k in ("mean", "median", "p25", "p75", "min", "max",
                                        "ci_lower", "ci_upper")})
    for low, high in bands:
        name = f"band_{low}_plus" if high is None else f"band_{low}_{high}"
        mask = x >= low if high is None else (x >= low) & (x <= high)
        out[name] = float(mask.sum())
    return out


def weighted_median(values, weights) -> float:
    """Weighted median: the smallest value at which the cumulative weight reaches half.

    Used for the population-weighted median line of cross-country charts. Entries with a
    missing value or a missing/non-positive weight are ignored; NaN when nothing is left.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = ~np.isnan(v) & ~np.isnan(w) & (w > 0)
    v, w = v[keep], w[keep]
    if v.size == 0:
        return np.nan
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, cum[-1] / 2.0)])


def binomial_exact_ci(count, nobs, confidence_level: float = 0.95):
    """Clopper-Pearson (exact) interval for a binomial proportion.

    Parameters
    ----------
    count : array-like
        Successes ``x`` (0 <= x <= n).
    nobs : array-like
        Trials ``n``; NaN where it is 0 or missing.
    confidence_level : float
        Two-sided level.

    Returns
    -------
    lower, upper : ndarray of float
        ``lower = beta.ppf(alpha/2, x, n - x + 1)`` (0 when x = 0) and
        ``upper = beta.ppf(1 - alpha/2, x + 1, n - x)`` (1 when x = n), as proportions.

    Notes
    -----
    Each bound leaves exactly ``alpha/2`` in its tail of the binomial distribution, so it
    matches ``scipy.stats.binomtest(x, n).proportion_ci(method="exact")``.
    """
    alpha = _alpha(confidence_level)
    x = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (n > 0) & (x >= 0) & (x <= n)
        lower = np.where(x > 0, _st.beta.ppf(alpha / 2, np.where(x > 0, x, 1), n - x + 1), 0.0)
        upper = np.where(x < n, _st.beta.ppf(1 - alpha / 2, x + 1, np.where(x < n, n - x, 1)),
                         1.0)
    return np.where(ok, lower, np.nan), np.where(ok, upper, np.nan)


def rate_ratio_ci(n_a, d_a, n_b, d_b, confidence_level: float = 0.95):
    """Ratio of two rates with the exact conditional interval.

    Parameters
    ----------
    n_a, n_b : array-like
        Event counts of the two cells (the numerators).
    d_a, d_b : array-like
        Their denominators (population, person-time, average daily population).
    confidence_level : float
        Two-sided level.

    Returns
    -------
    ratio, lower, upper : ndarray of float
        ``ratio = (n_a / d_a) / (n_b / d_b)``; NaN (with its interval) where a denominator is
        0 or missing, a count is missing, or ``n_b = 0`` (b's rate is 0: no ratio).

    Notes
    -----
    With ``n_a ~ Poisson(lambda_a d_a)`` and ``n_b ~ Poisson(lambda_b d_b)``, conditionally on
    ``N = n_a + n_b`` the count ``n_a`` is binomial with
    ``pi = R d_a / (R d_a + d_b)``, ``R = lambda_a / lambda_b``. The Clopper-Pearson interval
    ``(pi_L, pi_U)`` of ``n_a`` out of ``N`` (:func:`binomial_exact_ci`) is turned into a ratio::

        R_L = pi_L / (1 - pi_L) * d_b / d_a        R_U = pi_U / (1 - pi_U) * d_b / d_a

    so each bound is where the one-sided exact conditional test has p-value ``alpha/2``
    (``statsmodels.stats.rates.test_poisson_2indep(method="exact-cond")``). ``n_a = 0`` gives
    ``R_L = 0``. The same interval as R's ``poisson.test(c(n_a, n_b), c(d_a, d_b))``.
    Multipliers (per 100,000) cancel in the ratio.

    References
    ----------
    Clopper and Pearson (1934); Armitage, P., Berry, G. and Matthews, J. N. S. (2002).
    *Statistical Methods in Medical Research*, 4th ed., section 5.3 (comparison of two counts).
    """
    na = np.asarray(n_a, dtype=float)
    nb = np.asarray(n_b, dtype=float)
    da = np.asarray(d_a, dtype=float)
    db = np.asarray(d_b, dtype=float)
    ok = (da > 0) & (db > 0) & (nb > 0) & (na >= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(ok, (na / da) / (nb / db), np.nan)
        lo_p, hi_p = binomial_exact_ci(na, na + nb, confidence_level)
        scale = db / da
        lower = np.where(ok, lo_p / (1 - lo_p) * scale, np.nan)
        upper = np.where(ok, hi_p / (1 - hi_p) * scale, np.nan)
    return ratio, lower, upper


def proportion_difference_ci(x_a, n_a, x_b, n_b, confidence_level: float = 0.95):
    """Difference of two proportions with Newcombe's hybrid score interval.

    Parameters
    ----------
    x_a, x_b : array-like
        Successes of the two cells.
    n_a, n_b : array-like
        Their trials; NaN where either is 0 or missing.
    confidence_level : float
        Two-sided level.

    Returns
    -------
    difference, lower, upper : ndarray of float
        ``p_a - p_b`` and its interval, as proportions (multiply by 100 for percentage points).

    Notes
    -----
    From the Wilson intervals ``(l_a, u_a)`` and ``(l_b, u_b)`` of the two proportions
    (:func:`proportion_ci`), with ``d = p_a - p_b``::

        lower = d - sqrt((p_a - l_a)^2 + (u_b - p_b)^2)
        upper = d + sqrt((u_a - p_a)^2 + (p_b - l_b)^2)

    Newcombe's method 10 (the hybrid score interval without continuity correction): it stays
    within [-1, 1], is defined at 0 and n, and matches
    ``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")``.

    References
    ----------
    Newcombe (1998), method 10.
    """
    pa, la, ua = proportion_ci(x_a, n_a, confidence_level)
    pb, lb, ub = proportion_ci(x_b, n_b, confidence_level)
    d = pa - pb
    lower = d - np.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    upper = d + np.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return d, lower, upper


def rank_intervals(
    numerators,
    denominators,
    kind: str = "rate",
    *,
    confidence_level: float = 0.95,
    n_draws: int = 10_000,
    seed: int = 0,
    descending: bool = True,
):
    """Ranks of several rates or proportions, with intervals by simulation.

    Parameters
    ----------
    numerators, denominators : array-like
        One count and its denominator per unit (country); every denominator > 0.
    kind : {"rate", "proportion"}
        Rates (Poisson counts over a population or person-time) or proportions.
    confidence_level : float
        Level of the rank intervals.
    n_draws : int
        Simulated sets of values.
    seed : int
        Seed of the generator (``numpy.random.default_rng``): the same inputs and seed give
        the same intervals.
    descending : bool
        True: rank 1 is the highest value (the most children detained); False: the lowest.

    Returns
    -------
    rank, lower, upper : ndarray of int
        The rank of each observed value (ties share the best rank) and the ``alpha/2`` and
        ``1 - alpha/2`` quantiles of its simulated ranks (lower and higher order statistic).

    Notes
    -----
    Each draw takes every unit's value from its Jeffreys posterior: a rate from
    ``Gamma(x + 1/2) / d``, a proportion from ``Beta(x + 1/2, n - x + 1/2)``, then ranks the
    units; a unit's interval is the central part of its ranks over the draws. Jeffreys draws,
    unlike a bootstrap of the count, are not stuck at 0 for a count of 0. Ties within a draw
    (probability 0 for continuous draws) take the average rank.

    References
    ----------
    Goldstein, H. and Spiegelhalter, D. J. (1996). League tables and their limitations:
    statistical issues in comparisons of institutional performance. JRSS A 159, 385-443.
    Marshall, E. C. and Spiegelhalter, D. J. (1998). Reliability of league tables of in vitro
    fertilisation clinics. BMJ 316, 1701-1704.
    """
    alpha = _alpha(confidence_level)
    x = np.asarray(numerators, dtype=float)
    d = np.asarray(denominators, dtype=float)
    if x.shape != d.shape or x.ndim != 1:
        raise ValueError("numerators and denominators must be 1-d arrays of the same length")
    if np.isnan(x).any() or np.isnan(d).any() or (d <= 0).any() or (x < 0).any():
        raise ValueError("every unit needs a count >= 0 and a denominator > 0")
    if kind not in ("rate", "proportion"):
        raise ValueError(f"kind must be 'rate' or 'proportion', got {kind!r}")
    if kind == "proportion" and (x > d).any():
        raise ValueError("a proportion's count cannot exceed its denominator")
    k = x.size
    if k == 0:
        empty = np.array([], dtype=int)
        return empty, empty, empty
    rng = np.random.default_rng(seed)
    if kind == "rate":
        draws = rng.gamma(x + 0.5, size=(n_draws, k)) / d
    else:
        draws = rng.beta(x + 0.5, d - x + 0.5, size=(n_draws, k))
    sign = -1.0 if descending else 1.0
    ranks = _st.rankdata(sign * draws, axis=1, method="average")
    lower = np.quantile(ranks, alpha / 2, axis=0, method="lower")
    upper = np.quantile(ranks, 1 - alpha / 2, axis=0, method="higher")
    observed = x / d
    rank = _st.rankdata(sign * observed, method="min")
    return (rank.astype(int), np.floor(lower).astype(int), np.ceil(upper).astype(int))
