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
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

__all__ = [
    "km_median",
    "median_ci",
    "poisson_ci",
    "proportion_ci",
    "rate_ci",
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
