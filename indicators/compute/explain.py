"""The records behind one cell of the indicators frame: :func:`explain`.

The cell's cohort is built as :func:`~.results.compute_indicators` builds it and its records
are selected by group; each is joined to its row of the source table, with the row number
of the file it was read from. Described for users in docs/api.md#records-behind-a-figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..events import get_events
from ..parameters import Parameters
from ..registry import IndicatorSpec, get_spec
from .cohort import GROUP_CODES
from .cohorts import build_cohort, resolve_parameters
from .kinds import POPULATION_DIMENSIONS

__all__ = ["Explanation", "explain"]


@dataclass
class Explanation:
    """The records behind one cell of the indicators frame.

    Attributes
    ----------
    indicator, dimension, group : str
    numerator : DataFrame
        Records counted in the numerator (with the source table's columns).
    denominator : DataFrame
        Records (or population rows) counted in the denominator.
    note : str
        What the denominator is.
    """

    indicator: str
    dimension: str
    group: str
    numerator: pd.DataFrame
    denominator: pd.DataFrame
    note: str = ""

    def __repr__(self) -> str:
        return (
            f"Explanation({self.indicator} {self.dimension}/{self.group}: "
            f"{len(self.numerator)} numerator records, {len(self.denominator)} denominator "
            f"records)"
        )

    def __getitem__(self, key: str) -> pd.DataFrame:  # dict-like access
        return getattr(self, key)


def _find_dimension(spec: IndicatorSpec, group: str) -> str:
    candidates = [d for d in spec.disaggregations if group in GROUP_CODES.get(d, ())]
    if "area" in spec.disaggregations and not candidates:
        candidates = ["area"]
    if len(candidates) != 1:
        raise ValueError(
            f"give dimension= for group {group!r} of {spec.id} (candidates: {candidates or 'none'})"
        )
    return candidates[0]


def _select(frame: pd.DataFrame | None, dim: str, group: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    if dim == "total":
        return frame.reset_index(drop=True)
    if dim not in frame.columns:
        return frame.reset_index(drop=True)  # event-attribute group: the whole denominator
    return frame[frame[dim].astype(object) == group].reset_index(drop=True)


def _with_source(ds, table: str, frame: pd.DataFrame) -> pd.DataFrame:
    src = ds.tables.get(table)
    if src is None or "row" not in frame.columns or frame.empty:
        return frame
    extra = src.iloc[frame["row"].to_numpy()].reset_index(drop=True)
    extra = extra[[c for c in extra.columns if c not in frame.columns]]
    out = pd.concat([frame.reset_index(drop=True), extra], axis=1)
    out.insert(1, "spreadsheet_row", out["row"] + 2)
    if {"source_file", "source_row"} <= set(out.columns):
        # an ingested record: the export file and row it came from, beside its row
        first = ["row", "source_file", "source_row"]
        out = out[first + [c for c in out.columns if c not in first]]
    return out


def explain(
    ds,
    indicator: str,
    group: str | None = None,
    dimension: str | None = None,
    parameters: Parameters | None = None,
    **overrides: Any,
) -> Explanation:
    """The records behind the numerator and the denominator of one cell.

    Parameters
    ----------
    ds : Dataset
    indicator : str
        e.g. ``"JJ03"``.
    group : str, optional
        A group code (``"M"``, ``"14-15"``, ``"adult_prison"``...); None for the total.
    dimension : str, optional
        Needed only when the group code is ambiguous.
    parameters : Parameters, optional
    **overrides
        As in :func:`~.results.compute_indicators`.

    Returns
    -------
    Explanation
        ``numerator`` and ``denominator`` DataFrames with record ids, dates, ages and groups
        (``row`` is the record's index in its table, ``spreadsheet_row`` its row in the file;
        for records ingested from exports, ``source_file`` and ``source_row`` follow ``row``).

    Raises
    ------
    ValueError
        An ambiguous group without ``dimension``, a dimension the indicator is not
        disaggregated by, a policy indicator, or a table the indicator needs is missing.
    """
    spec = get_spec(indicator)
    if group is None or group == "all":
        dim, group = "total", "all"
    else:
        dim = dimension or _find_dimension(spec, group)
    if dim != "total" and dim not in spec.disaggregations:
        raise ValueError(f"{spec.id} is not disaggregated by {dim}")
    params = resolve_parameters(ds, parameters, **overrides)
    cohort = build_cohort(ds, spec, params)
    rec = cohort.records
    den_table = cohort.table
    if spec.kind == "percentage":
        den = _select(rec[rec["denominator"]], dim, group)
        num = den[den["numerator"].to_numpy(dtype=bool)].reset_index(drop=True)
        note = spec.denominator
    elif spec.kind == "duration":
        num = _select(rec, dim, group)
        den = _select(cohort.km, dim, group)
        note = "denominator: periods in progress on some day of P (Kaplan-Meier set)"
    elif spec.denominator_source == "child_population":
        num = _select(rec, dim, group)
        pop = get_events(ds, pd.Timestamp(params.census_date)).child_population
        den = _select(pop, dim, group) if dim in POPULATION_DIMENSIONS else pop.copy()
        den_table, note = "population", "child population of C's year"
    else:
        num = _select(rec, dim, group)
        den = _select(cohort.denominator_records, dim, group)
        note = f"deaths_denominator={params.deaths_denominator}; weight = days or 1"
    return Explanation(
        spec.id,
        dim,
        group,
        _with_source(ds, cohort.table, num),
        _with_source(ds, den_table, den),
        note,
    )
