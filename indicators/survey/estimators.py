"""Design-based estimators for a stratified one-stage cluster sample: pure numpy/scipy.

The sample: in each stratum ``h`` (``N_h`` clusters), ``n_h`` clusters drawn by simple random
sampling without replacement; every element of a drawn cluster is observed. Here a cluster is
a place of detention and an element a child held there on the census day, but the functions
know nothing of either: they take one row per element (or per cluster) with its weight, its
cluster and its stratum, like R's ``svydesign(id = ~cluster, strata = ~stratum, weights =
~weight, fpc = ~stratum_size)``.

- :func:`survey_total`: Horvitz-Thompson totals ``sum(w y)``;
- :func:`survey_ratio`: ratio estimators ``sum(w y) / sum(w x)`` (a percentage of a domain);
- :func:`stratified_variance`: the variance of a total from weighted cluster totals, with the
  finite population correction;
- :func:`t_interval`: the interval on the t distribution with ``clusters - strata`` degrees of
  freedom (:func:`design_df`).

Each estimate also carries its design effect (Kish 1965): its variance divided by the variance
of the same estimate under simple random sampling without replacement of as many rows, as R's
``deff = TRUE`` computes it (``svytotal``; for a ratio of a 0/1 domain indicator, ``svymean``
on the domain, ``subset(design, x == 1)``).

References
----------
Lohr, S. L. (2021). *Sampling: Design and Analysis*, 3rd ed., CRC Press: sections 3.2
(stratified sampling), 5.2 (one-stage cluster sampling), 4.1 and 9.1 (ratio estimation and
linearisation), 7.5 (design effects).
Horvitz, D. G. and Thompson, D. J. (1952). A generalization of sampling without replacement
from a finite universe. JASA 47, 663-685.
Kish, L. (1965). *Survey Sampling*, Wiley, section 8.2 (the design effect).
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*, Wiley, sections 2.2-2.4;
R package ``survey`` (``svyrecvar``, ``svytotal``, ``svyratio``, ``svymean``, ``degf``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

__all__ = [
    "SurveyEstimate",
    "design_df",
    "stratified_variance",
    "survey_ratio",
    "survey_total",
    "t_interval",
]


@dataclass(frozen=True)
class SurveyEstimate:
    """Estimates of ``k`` quantities from one sample (each attribute an array of ``k``).

    Attributes
    ----------
    estimate, se : ndarray
        Point estimates and standard errors.
    ci_lower, ci_upper : ndarray
        The t interval (:func:`t_interval`).
    df : int
        Degrees of freedom: clusters minus strata.
    deff : ndarray
        Design effects (NaN where the comparison variance is 0 or undefined).
    numerator, denominator : ndarray
        The estimated totals ``sum(w y)`` and, for a ratio, ``sum(w x)`` (else NaN).
    """

    estimate: np.ndarray
    se: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    df: int
    deff: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray


def _columns(values, n: int) -> np.ndarray:
    """Values as an (n, k) float array (a 1-d array is one column)."""
    a = np.asarray(values, dtype=float)
    a = a.reshape(n, -1) if a.ndim == 1 else a
    if a.shape[0] != n:
        raise ValueError(f"expected {n} rows, got {a.shape[0]}")
    return a


def _codes(labels) -> np.ndarray:
    """Integer codes 0..m-1 of any labels."""
    _, codes = np.unique(np.asarray(labels), return_inverse=True)
    return codes.reshape(-1)


def design_df(cluster, stratum) -> int:
    """Degrees of freedom of a stratified cluster design: clusters minus strata.

    Parameters
    ----------
    cluster, stratum : array-like
        The cluster and the stratum of each row (clusters are nested in strata: a cluster
        label may repeat across strata, the pair identifies the cluster).

    Returns
    -------
    int

    References
    ----------
    Korn, E. L. and Graubard, B. I. (1999). *Analysis of Health Surveys*, Wiley, section 5.2;
    R ``survey::degf``.
    """
    pairs = np.unique(np.stack([_codes(stratum), _codes(cluster)]), axis=1)
    return int(pairs.shape[1] - np.unique(pairs[0]).size)


def stratified_variance(weighted, cluster, stratum, stratum_size) -> np.ndarray:
    """Variance of the totals ``sum(weighted)`` under stratified cluster sampling.

    Parameters
    ----------
    weighted : array-like, (n,) or (n, k)
        Weighted values of each row (``w * y``, or a linearised variable).
    cluster, stratum : array-like, (n,)
        Each row's cluster and stratum.
    stratum_size : array-like, (n,)
        ``N_h``: the number of clusters in the row's stratum (the population, not the sample),
        for the finite population correction; ``inf`` for none.

    Returns
    -------
    ndarray, (k,)

    Notes
    -----
    With ``e_hc`` the sum of ``weighted`` over the rows of cluster ``c`` of stratum ``h``,
    ``n_h`` the clusters drawn in ``h`` and ``f_h = n_h / N_h``::

        V = sum_h (1 - f_h) n_h / (n_h - 1) sum_c (e_hc - mean_c e_hc)^2

    (Lohr 2021, eq. 3.6 and 5.6; R ``svyrecvar`` for one stage). A stratum with one cluster
    adds 0 when it is the stratum's only cluster (``N_h = 1``: taken with certainty) and makes
    the variance NaN otherwise (a lone cluster gives no estimate of the variance: collapse
    strata).
    """
    s, c = _codes(stratum), _codes(cluster)
    n = len(s)
    e = _columns(weighted, n)
    size = np.asarray(stratum_size, dtype=float).reshape(-1)
    key = s * (c.max(initial=0) + 1) + c
    uniq, cl = np.unique(key, return_inverse=True)
    cl = cl.reshape(-1)
    totals = np.zeros((uniq.size, e.shape[1]))
    np.add.at(totals, cl, e)
    cl_stratum = uniq // (c.max(initial=0) + 1)
    cl_size = np.zeros(uniq.size)
    cl_size[cl] = size
    var = np.zeros(e.shape[1])
    for h in np.unique(cl_stratum):
        sel = cl_stratum == h
        n_h, big_n = int(sel.sum()), float(cl_size[sel][0])
        if n_h == 1:
            if big_n != 1:
                var[:] = np.nan
            continue
        dev = totals[sel] - totals[sel].mean(axis=0)
        fpc = 1.0 - n_h / big_n if np.isfinite(big_n) else 1.0
        var += fpc * n_h / (n_h - 1) * (dev**2).sum(axis=0)
    return var


def t_interval(estimate, se, df: int, confidence_level: float = 0.95):
    """``estimate -/+ t(df, 1 - alpha/2) * se``; NaN bounds when ``df < 1``.

    References
    ----------
    Lohr (2021), section 2.5 and 5.2 (t with ``n - H`` degrees of freedom).
    """
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must lie between 0 and 1, got {confidence_level}")
    est, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    if df < 1:
        nan = np.full(est.shape, np.nan)
        return nan, nan.copy()
    half = _st.t.ppf(0.5 + confidence_level / 2, df) * se
    return est - half, est + half


def _srs_variance_of_total(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Variance of a total under SRS without replacement of as many rows (R ``svytotal``'s
    ``deff``): ``N^2 (1 - n/N) s^2 / n`` with ``N = sum(w)``, ``s^2`` the weighted variance."""
    n, big_n = len(w), float(w.sum())
    if n < 2 or big_n <= 0:
        return np.full(y.shape[1], np.nan)
    mean = (w[:, None] * y).sum(axis=0) / big_n
    s2 = (w[:, None] * (y - mean) ** 2).sum(axis=0) / big_n * n / (n - 1)
    return big_n**2 * max(1.0 - n / big_n, 0.0) * s2 / n


def _deff(var: np.ndarray, srs: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(srs > 0, var / srs, np.nan)


def survey_total(
    y, weight, cluster, stratum, stratum_size, confidence_level: float = 0.95
) -> SurveyEstimate:
    """Horvitz-Thompson totals of ``k`` variables, with their design-based variance.

    Parameters
    ----------
    y : array-like, (n,) or (n, k)
        Values of each row (one column per variable, e.g. per group).
    weight : array-like, (n,)
        Sampling weights (inverse probabilities of selection of the row's cluster).
    cluster, stratum, stratum_size : array-like, (n,)
        As in :func:`stratified_variance`.
    confidence_level : float

    Returns
    -------
    SurveyEstimate
        ``estimate = numerator = sum(w y)``.

    Notes
    -----
    The design effect compares the variance with that of a simple random sample of as many
    rows: when the rows are clusters (one row per place with its count), a sample of as many
    places with no strata (R: ``svytotal(~y, design, deff = TRUE)``).
    """
    w = np.asarray(weight, dtype=float).reshape(-1)
    yy = _columns(y, len(w))
    total = (w[:, None] * yy).sum(axis=0)
    var = stratified_variance(w[:, None] * yy, cluster, stratum, stratum_size)
    se = np.sqrt(var)
    df = design_df(cluster, stratum)
    lo, hi = t_interval(total, se, df, confidence_level)
    deff = _deff(var, _srs_variance_of_total(yy, w))
    return SurveyEstimate(total, se, lo, hi, df, deff, total, np.full(total.shape, np.nan))


def survey_ratio(
    y, x, weight, cluster, stratum, stratum_size, confidence_level: float = 0.95
) -> SurveyEstimate:
    """Ratio estimators ``R = sum(w y) / sum(w x)`` with their linearised variance.

    Parameters
    ----------
    y, x : array-like, (n,) or (n, k)
        Numerator and denominator values of each row; for a percentage of a domain, ``x`` is
        1 for the domain's denominator rows and ``y`` 1 for its numerator rows.
    weight, cluster, stratum, stratum_size : array-like, (n,)
        As in :func:`survey_total`.
    confidence_level : float

    Returns
    -------
    SurveyEstimate
        ``estimate`` the ratio (NaN where ``sum(w x) = 0``), ``numerator`` and
        ``denominator`` the two estimated totals.

    Notes
    -----
    Taylor linearisation (Lohr 2021, section 9.1; R ``svyratio``): the variance of ``R`` is
    that of the total of ``z = w (y - R x) / X``, ``X = sum(w x)``. The design effect
    compares it with a simple random sample of the ``m`` rows with ``x > 0`` drawn from the
    ``X`` the domain holds: ``(1 - m/X) s^2 / m``, ``s^2`` the weighted variance of ``y - R x``
    over those rows (R: ``svymean(~y, subset(design, x == 1), deff = TRUE)``).
    """
    w = np.asarray(weight, dtype=float).reshape(-1)
    yy, xx = _columns(y, len(w)), _columns(x, len(w))
    num = (w[:, None] * yy).sum(axis=0)
    den = (w[:, None] * xx).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / den, np.nan)
        z = w[:, None] * (yy - np.nan_to_num(ratio) * xx) / np.where(den > 0, den, np.nan)
    var = stratified_variance(np.nan_to_num(z), cluster, stratum, stratum_size)
    var = np.where(den > 0, var, np.nan)
    se = np.sqrt(var)
    df = design_df(cluster, stratum)
    lo, hi = t_interval(ratio, se, df, confidence_level)
    srs = np.full(ratio.shape, np.nan)
    for j in range(xx.shape[1]):
        rows = xx[:, j] > 0
        m, big_x = int(rows.sum()), float(den[j])
        if m >= 2 and big_x > 0:
            resid = yy[rows, j] - ratio[j] * xx[rows, j]
            s2 = (w[rows] * resid**2).sum() / (w[rows] * xx[rows, j]).sum() * m / (m - 1)
            srs[j] = max(1.0 - m / big_x, 0.0) * s2 / m
    return SurveyEstimate(ratio, se, lo, hi, df, _deff(var, srs), num, den)
