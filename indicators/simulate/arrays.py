"""Array helpers shared by the model and the frames: categorical draws, day numbers, groups.

Days are integer day numbers (days since 1970-01-01), so that whole columns of dates are
numpy arithmetic. Every helper works on whole arrays; nothing loops over children.
"""

from __future__ import annotations

import numpy as np

BIG = 1 << 32
"""The "no date" / "still open" marker in day arithmetic, larger than any day number."""


# --------------------------------------------------------------------------- categorical draws


def cdf(weights: np.ndarray) -> np.ndarray:
    """Cumulative probabilities from un-normalised weights, along the last axis."""
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w, axis=-1)
    return c / c[..., -1:]


def pick(rng: np.random.Generator, cdf_rows: np.ndarray) -> np.ndarray:
    """One category per row of a matrix of cumulative probabilities.

    Draws one uniform number per row.
    """
    u = rng.random(cdf_rows.shape[0])
    k = (u[:, None] >= cdf_rows).sum(axis=1)
    return np.minimum(k, cdf_rows.shape[1] - 1)


def pick_by_year(rng: np.random.Generator, cdf_years: np.ndarray, yi: np.ndarray) -> np.ndarray:
    """One category per event from the cumulative probabilities of the event's year.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws one uniform number per event.
    cdf_years : ndarray
        Years x categories cumulative probabilities (one row for a single set).
    yi : ndarray of int
        Row of ``cdf_years`` of each event (index of its year in the window).

    Returns
    -------
    ndarray of int
        The category index of each event.
    """
    u = rng.random(yi.size)
    out = np.empty(yi.size, dtype=np.int64)
    for y in range(cdf_years.shape[0]):
        sel = yi == y
        out[sel] = np.searchsorted(cdf_years[y], u[sel], side="right")
    return np.minimum(out, cdf_years.shape[1] - 1)


# --------------------------------------------------------------------------- day numbers


def day(iso: str) -> int:
    """The day number of an ISO date (``"2024-01-01"``)."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of month of day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, mo, dd


def age(dob: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years between two day numbers (29 February birthdays reached on 1 March)."""
    y1, m1, d1 = ymd(dob)
    y2, m2, d2 = ymd(on)
    before = (m2 < m1) | ((m2 == m1) & (d2 < d1))
    return y2 - y1 - before.astype(np.int64)


# --------------------------------------------------------------------------- groups


def group_start(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array starts a new group."""
    s = np.ones(keys.size, dtype=bool)
    s[1:] = keys[1:] != keys[:-1]
    return s


def group_end(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array ends a group."""
    s = np.ones(keys.size, dtype=bool)
    s[:-1] = keys[1:] != keys[:-1]
    return s


def excl_group_cummax(group: np.ndarray, values: np.ndarray, empty: int = -1) -> np.ndarray:
    """Running maximum of ``values`` over the previous rows of the same group.

    Rows are sorted by group; a group's first row gets ``empty``. Values must lie in
    ``[0, BIG)``.
    """
    if group.size == 0:  # no rows (a tiny simulation): nothing before anything
        return np.full(0, empty, dtype=np.int64)
    off = group.astype(np.int64) * (BIG + 1)
    cm = np.maximum.accumulate(off + values)
    prev = np.empty_like(cm)
    prev[0] = -1
    prev[1:] = cm[:-1]
    prev = prev - off
    return np.where(prev < 0, empty, prev)
