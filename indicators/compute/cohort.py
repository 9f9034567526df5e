"""What a cohort is, how every record read gets its reason, and how a cohort is counted.

A *cohort* is the set of records behind one indicator: the records counted in the numerator
and the denominator, with the groups each falls in, and for every table the indicator reads
the reason each record was used or left out (``reconciliation.csv``). The cohort builders
(:mod:`.cohorts` lists them) all return a :class:`Cohort` and assign reasons with
:func:`first_reason`: each record gets the first reason that applies, in the order the
builder lists them, else ``used``. :func:`count_by_group` counts a cohort's rows (or
children, or weights) in the groups of one dimension. The builders' rules are written for
users in docs/indicators.md and docs/durations.md, the reasons in
docs/outputs.md#reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codes import (
    AGE_GROUPS,
    FACILITY_TYPE,
    LEGAL_STATUS,
    OFFENCE_CATEGORY,
    SEX,
    UNKNOWN_AGE_GROUP,
)
from ..dates import day_numbers, months_before
from ..events import Events
from ..registry import IndicatorSpec

__all__ = [
    "GROUP_CODES",
    "Cohort",
    "as_dates",
    "count_by_group",
    "first_reason",
    "in_window",
    "mask_by_row",
    "reasons_by_row",
]

GROUP_CODES = {
    "sex": SEX,
    "age_group": (*AGE_GROUPS, UNKNOWN_AGE_GROUP),
    "offence": OFFENCE_CATEGORY,
    "facility_type": FACILITY_TYPE,
    "legal_status": LEGAL_STATUS,
}
"""The group codes of each dimension a cohort record carries, in reporting order (``area``
has no fixed codes: its groups are the areas of the records)."""


@dataclass
class Cohort:
    """The records behind one indicator.

    Attributes
    ----------
    records : DataFrame
        One row per counted unit (arrest, child on C, period, decision, spell, facility...)
        with ``row`` (index in ``table``), ``child_id`` and the group columns; percentages add
        booleans ``numerator`` and ``denominator``, durations ``days``.
    table : str
        The table ``records`` come from (``row`` indexes it).
    reasons : dict of str to ndarray
        For each table read: per record, ``used`` or the reason it was left out.
    denominator_records : DataFrame, optional
        For a rate whose denominator comes from the cohort (JJ06): rows with ``child_id``,
        groups and ``weight`` (detention days, or 1).
    denominators : dict of str to Series, optional
        For such a rate: the denominator of every group, per dimension (``total`` included),
        as the cohort builder computed it from ``denominator_records``
        (:func:`.deaths.deaths_denominator`).
    km : DataFrame, optional
        Durations: every period in progress on some day of P with ``km_days`` and ``observed``.
    """

    records: pd.DataFrame
    table: str
    reasons: dict[str, np.ndarray] = field(default_factory=dict)
    denominator_records: pd.DataFrame | None = None
    denominators: dict[str, pd.Series] | None = None
    km: pd.DataFrame | None = None


def first_reason(n: int, conditions: list[tuple[np.ndarray, str]]) -> pd.Categorical:
    """The first matching reason of each of ``n`` records (in the order given), else ``used``.

    Parameters
    ----------
    n : int
        Number of records.
    conditions : list of (mask, reason)
        Boolean masks over the records, each with the reason it stands for. A reason may
        appear twice (both masks then give it); ``used`` as a reason marks records kept
        before the later conditions are looked at.

    Returns
    -------
    Categorical
        ``used`` first among the categories, then the reasons in the order given.
    """
    labels = ["used"]
    for _, reason in conditions:
        if reason not in labels:
            labels.append(reason)
    if not conditions:
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=labels)
    codes = np.select(
        [np.asarray(c, dtype=bool) for c, _ in conditions],
        [labels.index(r) for _, r in conditions],
        0,
    )
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=labels)


def mask_by_row(n: int, rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A mask over the ``n`` records of a table from a mask over some of its rows."""
    out = np.zeros(n, dtype=bool)
    out[rows] = mask
    return out


def reasons_by_row(
    n: int, rows: np.ndarray, values: pd.Categorical, default: str
) -> pd.Categorical:
    """Reasons of the ``n`` records of a table from reasons over some of its rows.

    The records not in ``rows`` get ``default`` (e.g. ``not_in_detention_on_census_day`` for
    the episodes not open on C).
    """
    values = pd.Categorical(values)
    labels = list(values.categories)
    if default not in labels:
        labels.append(default)
    codes = np.full(n, labels.index(default), dtype=np.int8)
    codes[rows] = values.codes
    return pd.Categorical.from_codes(codes, categories=labels)


def in_window(ev: Events, spec: IndicatorSpec, days: np.ndarray) -> np.ndarray:
    """Which dated rows fall in an indicator's look-back window: **after** C minus
    ``spec.window_months`` calendar months and **on or before** C.

    Parameters
    ----------
    ev : Events
        Gives C (the run's census day).
    spec : IndicatorSpec
        ``window_months``: 3 for JJ08 (family visits), 12 for JJ12b (inspections), declared in
        definitions.toml.
    days : ndarray
        Day numbers of the rows (NaN for a missing date: never in the window).

    Returns
    -------
    ndarray of bool

    Notes
    -----
    The months are counted back from C keeping the day of the month, clipped to the month's
    end (:func:`indicators.dates.months_before`): with C = 2024-12-31 and 3 months the window
    opens after 2024-09-30, so a visit on 2024-09-30 is out and one on 2024-10-01 in; with
    C = 2024-05-31 it opens after 2024-02-29. A row dated after C is out.

    References
    ----------
    docs/indicators.md#jj08 (the window), docs/indicators.md#jj12b,
    docs/indicators.md#period-and-census-day ("C minus N calendar months").
    """
    start = day_numbers(months_before(ev.census_date, int(spec.window_months)))
    return (days > start) & (days <= ev.c)


def as_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (NaN for missing) as ``datetime64[ns]`` dates (NaT for missing)."""
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(days)
    out[ok] = days[ok].astype(np.int64).astype("datetime64[D]")
    return out.astype("datetime64[ns]")


def count_by_group(
    frame: pd.DataFrame, dim: str, child_unit: bool, weight: str | None = None
) -> pd.Series:
    """Count the rows of a cohort frame in each group of one dimension.

    Parameters
    ----------
    frame : DataFrame
        Cohort records (with ``child``, the child code, and the column ``dim``).
    dim : str
        A dimension, or ``total`` (one group, ``all``).
    child_unit : bool
        Count distinct children (``child``) instead of rows.
    weight : str, optional
        Sum this column instead of counting (e.g. detention days, population).

    Returns
    -------
    Series
        Indexed by group code (every category of ``dim``, with 0 where no row falls);
        rows whose ``dim`` is missing count in no group.
    """
    if dim == "total":
        if weight:
            total = float(frame[weight].sum())
        elif child_unit:
            total = frame["child"].nunique()
        else:
            total = len(frame)
        return pd.Series({"all": total})
    if len(frame) == 0:
        return pd.Series(dtype=float)
    col = frame[dim].array
    if not isinstance(col, pd.Categorical):
        col = pd.Categorical(col)
    codes = np.asarray(col.codes, dtype=np.int64)
    k = len(col.categories)
    ok = codes >= 0
    if weight:
        counts = np.bincount(
            codes[ok], weights=frame[weight].to_numpy(dtype=float)[ok], minlength=k
        )
    elif child_unit:
        child = frame["child"].to_numpy(dtype=np.int64)[ok]
        pairs = np.unique(codes[ok] * (int(child.max(initial=0)) + 1) + child)
        counts = np.bincount(pairs // (int(child.max(initial=0)) + 1), minlength=k)
    else:
        counts = np.bincount(codes[ok], minlength=k)
    return pd.Series(counts, index=[str(c) for c in col.categories])
