"""Planning a sample of places: how many to visit in each stratum, and which ones.

:func:`plan_sample` proposes, for a target margin of error on JJ02 (children in detention per
100,000 children), the number of places to visit in each stratum given a guess of the number
of children held per place; :func:`allocate` spreads a given number of visits over the strata;
:func:`draw_sample` draws the places with a seed and writes each drawn place's stratum and
weight, and :func:`sample_table` the ``[sample]`` table of dataset.toml, so that the design
analysed later (:mod:`.estimators`) is the one that was drawn. Pure numpy and pandas.

References
----------
Lohr, S. L. (2021). *Sampling: Design and Analysis*, 3rd ed., section 3.4 (allocation,
Neyman's optimal allocation) and 5.5 (sample size for cluster samples).
Wright, T. (2012). The equivalence of Neyman optimum allocation for sampling and equal
proportions for apportioning the U.S. House of Representatives. *The American Statistician*
66, 217-224 (the integer allocation used here: one place at a time to the largest priority).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

__all__ = [
    "MINIMUM_PER_STRATUM",
    "allocate",
    "draw_sample",
    "plan_sample",
    "sample_table",
    "stratum_codes",
]

MINIMUM_PER_STRATUM = 2
"""Places visited in a stratum at least (all of them when it has fewer): one place gives no
estimate of the variance within its stratum."""


def stratum_codes(frame: pd.DataFrame, strata: Sequence[str]) -> pd.Series:
    """The stratum of each place: the values of the ``strata`` columns joined by ``/``
    (``police``, or ``police/North`` for ``facility_type`` and ``area``).

    Raises
    ------
    ValueError
        A column missing, or a place with an empty stratum value.
    """
    missing = [c for c in strata if c not in frame.columns]
    if missing or not strata:
        raise ValueError(f"no column {', '.join(missing) or '(none given)'} to stratify by; "
                         f"columns: {', '.join(map(str, frame.columns))}")
    parts = frame[list(strata)].astype("string")
    empty = parts.isna().any(axis=1)
    if empty.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(empty.to_numpy())[:5])
        raise ValueError(f"places without a {'/'.join(strata)} value (rows {rows}): every "
                         "place needs its stratum")
    return parts.astype(str).agg("/".join, axis=1)


def allocate(
    sizes: Mapping[str, int],
    total: int,
    spread: Mapping[str, float] | None = None,
    minimum: int = MINIMUM_PER_STRATUM,
) -> dict[str, int]:
    """Spread ``total`` visits over strata: at least ``minimum`` in each (all its places when
    it has fewer), then one at a time where it cuts the variance most.

    Parameters
    ----------
    sizes : mapping of stratum to int
        ``N_h``, the places in each stratum.
    total : int
        Places to visit in all.
    spread : mapping of stratum to float, optional
        ``S_h``, the standard deviation of the number held per place (Neyman allocation);
        equal (proportional allocation) when not given.
    minimum : int

    Returns
    -------
    dict of stratum to int

    Raises
    ------
    ValueError
        ``total`` below the minimum visits or above the places there are.

    Notes
    -----
    Each further visit goes to the stratum of largest priority
    ``N_h S_h / sqrt(n_h (n_h + 1))`` among those not fully visited: the integer allocation that
    minimises ``sum_h N_h^2 S_h^2 / n_h`` (Wright 2012), i.e. Neyman's ``n_h ~ N_h S_h``.
    """
    visits = {h: min(int(n), minimum) for h, n in sizes.items()}
    low, high = sum(visits.values()), sum(int(n) for n in sizes.values())
    if not low <= total <= high:
        raise ValueError(f"{total} places cannot be visited: between {low} (at least "
                         f"{minimum} in each of the {len(sizes)} strata) and {high} (every place)")
    s = {h: float((spread or {}).get(h, 1.0)) for h in sizes}
    for _ in range(total - low):
        open_ = [h for h in sizes if visits[h] < sizes[h]]
        best = max(open_, key=lambda h: (sizes[h] * s[h] / np.sqrt(visits[h] * (visits[h] + 1)),
                                         sizes[h], h))
        visits[best] += 1
    return visits


def _margin(sizes, visits, spread, population, multiplier, level) -> float:
    """Half-width of the t interval of the JJ02 rate for an allocation."""
    var = sum(
        sizes[h] ** 2 * (1 - visits[h] / sizes[h]) * spread[h] ** 2 / visits[h] for h in sizes
    )
    df = sum(visits.values()) - len(sizes)
    if var == 0:
        return 0.0
    if df < 1:
        return float("inf")
    return float(_st.t.ppf(0.5 + level / 2, df) * np.sqrt(var) / population * multiplier)


def plan_sample(
    sizes: Mapping[str, int],
    expected: Mapping[str, float],
    population: float,
    margin: float,
    *,
    cv: float = 1.0,
    multiplier: float = 100_000,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """The fewest visits whose JJ02 interval is expected to be within ``margin`` of the rate.

    Parameters
    ----------
    sizes : mapping of stratum to int
        Places in each stratum.
    expected : mapping of stratum to float
        The guess of the children held per place on the census day, by stratum.
    population : float
        The child population (ages 0-17) the rate divides by.
    margin : float
        Target half-width of the interval, in the rate's unit (per 100,000 children).
    cv : float
        Coefficient of variation of the number held between places of a stratum: with
        ``m`` expected, the spread assumed is ``S^2 = m + (cv m)^2`` (Poisson variation of a
        place's count plus differences in size between places).
    multiplier, confidence_level : float

    Returns
    -------
    DataFrame
        One row per stratum: ``stratum``, ``places``, ``visit``, ``sample_weight``,
        ``expected_per_place``, ``assumed_sd``; ``attrs["margin"]`` the margin expected.

    Notes
    -----
    Tries 2 visits per stratum, then one more at a time (:func:`allocate`, Neyman), and
    stops at the first allocation whose margin ``t(n - H) sqrt(V) / population x 100,000``
    is at most ``margin``, with ``V = sum_h N_h^2 (1 - n_h/N_h) S_h^2 / n_h`` (Lohr 2021,
    eq. 3.3); visiting every place gives a margin of 0.
    """
    if population <= 0 or margin <= 0:
        raise ValueError("the child population and the margin must be above 0")
    spread = {h: float(np.sqrt(expected[h] + (cv * expected[h]) ** 2)) for h in sizes}
    low = sum(min(int(n), MINIMUM_PER_STRATUM) for n in sizes.values())
    for total in range(low, sum(int(n) for n in sizes.values()) + 1):
        visits = allocate(sizes, total, spread)
        got = _margin(sizes, visits, spread, population, multiplier, confidence_level)
        if got <= margin:
            break
    out = pd.DataFrame(
        {
            "stratum": list(sizes),
            "places": [int(sizes[h]) for h in sizes],
            "visit": [visits[h] for h in sizes],
            "sample_weight": [sizes[h] / visits[h] for h in sizes],
            "expected_per_place": [float(expected[h]) for h in sizes],
            "assumed_sd": [spread[h] for h in sizes],
        }
    )
    out.attrs["margin"] = got
    return out


def draw_sample(
    frame: pd.DataFrame, strata: Sequence[str], visits: Mapping[str, int], seed: int
) -> pd.DataFrame:
    """Draw the places to visit: a simple random sample without replacement in each stratum.

    Parameters
    ----------
    frame : DataFrame
        The places (a ``facilities`` table: ``facility_id`` and the ``strata`` columns).
    strata : sequence of str
        Columns whose values make the stratum (:func:`stratum_codes`).
    visits : mapping of stratum to int
        Places to draw in each stratum (e.g. :func:`allocate`).
    seed : int
        The same seed and frame give the same sample.

    Returns
    -------
    DataFrame
        ``frame`` with ``stratum`` (every place) and ``sample_weight`` (``N_h / n_h`` for a
        drawn place, empty for the others), in the frame's order.
    """
    out = frame.copy()
    out["stratum"] = stratum_codes(frame, strata).to_numpy()
    weight = np.full(len(out), np.nan)
    rng = np.random.default_rng(seed)
    ids = out["facility_id"].astype(str).to_numpy()
    for h in sorted(out["stratum"].unique()):
        rows = np.flatnonzero(out["stratum"].to_numpy() == h)
        rows = rows[np.argsort(ids[rows], kind="stable")]  # independent of the file's order
        n = int(visits.get(h, 0))
        if n > rows.size:
            raise ValueError(f"stratum {h}: {n} visits but {rows.size} places")
        drawn = rng.permutation(rows.size)[:n]
        weight[rows[drawn]] = rows.size / n
    out["sample_weight"] = pd.array(weight, dtype="Float64")
    return out


def sample_table(drawn: pd.DataFrame, seed: int | None = None) -> dict:
    """The ``[sample]`` table of dataset.toml for a drawn sample (:func:`draw_sample`):
    ``unit = "facility"``, the places in each stratum and the seed."""
    sizes = drawn["stratum"].value_counts().sort_index()
    table: dict = {
        "unit": "facility",
        "facilities_in_stratum": {str(h): int(n) for h, n in sizes.items()},
    }
    if seed is not None:
        table["seed"] = int(seed)
    return table
