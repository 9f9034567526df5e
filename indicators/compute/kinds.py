"""The kinds of indicator: one function per kind counts a cohort in every group.

``KIND_FUNCTIONS[spec.kind]`` (the kind of the indicator's unit in definitions.toml) takes an
indicator, its :class:`~.cohort.Cohort` and the run's :class:`Context`, and returns the
indicator's rows: one per group of every dimension it reports, with value, numerator,
denominator, interval and flags.

- **rate** (JJ01-JJ03 per 100,000 children, JJ06 per 1,000 children detained): the exact
  Poisson interval of the count over the denominator (:func:`indicators.stats.rate_ci`); the
  denominator is the child population of C's year, or the cohort's own (JJ06);
- **percentage** (JJ07-JJ13b): the Wilson interval (:func:`indicators.stats.proportion_ci`);
- **duration** (JJ04, JJ05): the median and its order-statistics interval, the other
  statistics for ``durations.csv`` (:func:`indicators.stats.summarise_durations`);
- **policy** (JJ12a, JJ13a, JJ14, JJ15): the yes/no answer of dataset.toml
  (:func:`policy_frame`).

Flags set here: ``small_numerator`` (a rate's numerator under
``small_numerator_threshold``), ``small_denominator`` (a percentage's denominator under
``small_denominator_threshold``), ``no_population`` and ``not_available``.

Groups (docs/indicators.md#groups): ``F``, ``M`` and the three known age groups are always
reported; ``U``, ``unknown`` and the offence, facility type, legal status and area groups when
a record falls in them (for a percentage a denominator record; for JJ06 a death or detention
days). ``area`` is reported where the records carry one and, for population-based rates, the
population too (every area of the population is then listed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import stats
from ..codes import AGE_GROUPS
from ..dates import ADULT_AGE_GROUP
from ..events import Events
from ..parameters import Parameters
from ..registry import IndicatorSpec
from .cohort import GROUP_CODES, Cohort, count_by_group

__all__ = [
    "ALWAYS_GROUPS",
    "KIND_FUNCTIONS",
    "POPULATION_DIMENSIONS",
    "Context",
    "not_available_frame",
    "policy_frame",
]

ALWAYS_GROUPS = {"sex": ("F", "M"), "age_group": AGE_GROUPS}
"""Groups reported even when no record falls in them."""
POPULATION_DIMENSIONS = ("sex", "age_group", "area")
"""Groups of these dimensions take their own population; other groups the whole one."""


@dataclass
class Context:
    """What counting needs besides the cohort: the derived tables and the run's parameters."""

    ev: Events
    params: Parameters
    child_unit: bool

    @property
    def level(self) -> float:
        return self.params.confidence_level


def _dimensions(spec: IndicatorSpec, frames: Iterable[pd.DataFrame | None], ctx: Context):
    """The dimensions an indicator reports: total, then its disaggregations that apply."""
    dims = ["total"]
    for dim in spec.disaggregations:
        if dim == "area":
            has_records = any(
                f is not None and "area" in f.columns and f["area"].notna().any() for f in frames
            )
            has_pop = (
                spec.denominator_source != "child_population"
                or ctx.ev.child_population["area"].notna().any()
            )
            if not (has_records and has_pop):
                continue
        dims.append(dim)
    return dims


def _ordered_groups(dim: str, present: Iterable[str]) -> list[str]:
    """The groups reported for a dimension, in code order: those present and those always
    reported (never the internal ``18_or_over``)."""
    if dim == "total":
        return ["all"]
    present = set(present) | set(ALWAYS_GROUPS.get(dim, ()))
    present.discard(ADULT_AGE_GROUP)
    codes = GROUP_CODES.get(dim)
    if codes is None:
        return sorted(present)
    return [c for c in codes if c in present]


def _frame(spec: IndicatorSpec, dim: str, groups: list[str], cols: dict[str, Any]) -> pd.DataFrame:
    n = len(groups)
    data = {"indicator": [spec.id] * n, "dimension": [dim] * n, "group": list(groups)}
    for k, v in cols.items():
        data[k] = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
    return pd.DataFrame(data)


def _flags(**masks: np.ndarray) -> list[str]:
    """Per row, the names of the masks that are True, joined by ``;``."""
    names = list(masks)
    arrays = [np.asarray(masks[k], dtype=bool) for k in names]
    n = len(arrays[0])
    return [";".join(nm for nm, a in zip(names, arrays, strict=True) if a[i]) for i in range(n)]


# --------------------------------------------------------------------------- rate


def _population_denominator(ev: Events, dim: str) -> pd.Series:
    pop = ev.child_population
    total = float(pop["population"].sum())
    if dim == "total":
        return pd.Series({"all": total})
    if dim in POPULATION_DIMENSIONS:
        return count_by_group(pop, dim, False, weight="population")
    return pd.Series(dtype=float)  # event-attribute groups: filled with the total below


def _population_groups(ev: Events, dim: str, num: pd.Series):
    """Groups, denominators and no-population mask of a rate per child population.

    A sex, age group or area group takes its own population; an event-attribute group
    (offence, facility type, legal status) the whole one. Every area of the population is
    reported. A group without population (sex ``U``, age ``unknown``, an area missing from
    the population) gets NaN or 0 and is marked (docs/indicators.md#child-population).
    """
    den = _population_denominator(ev, dim)
    present = num.index[num > 0]
    if dim == "area":  # every area of the population is reported
        present = present.union(den.index[den > 0])
    groups = _ordered_groups(dim, present)
    if dim in POPULATION_DIMENSIONS or dim == "total":
        d = den.reindex(groups).to_numpy(dtype=float)
    else:
        d = np.full(len(groups), _population_denominator(ev, "total")["all"])
    return groups, d, np.isnan(d) | (d <= 0)


def _cohort_groups(cohort: Cohort, dim: str, num: pd.Series):
    """Groups and denominators of a rate whose cohort gives the denominator (JJ06:
    ``cohort.denominators``, built by :func:`.deaths.deaths_denominator`): every group with
    a numerator or a denominator."""
    den = cohort.denominators[dim]
    present = num.index[num > 0].union(den.index[den > 0])
    groups = _ordered_groups(dim, present)
    d = den.reindex(groups, fill_value=0).to_numpy(dtype=float)
    return groups, d, np.zeros(len(groups), dtype=bool)


def rate(spec: IndicatorSpec, cohort: Cohort, ctx: Context) -> pd.DataFrame:
    """A rate per ``spec.multiplier`` in every group, with its exact Poisson interval.

    A population-based group without population gets no value, denominator or interval
    (flag ``no_population``); a numerator under ``small_numerator_threshold`` (0 included)
    is flagged ``small_numerator``.
    """
    child_unit = ctx.child_unit and spec.count_unit_applies
    rec = cohort.records
    by_population = spec.denominator_source == "child_population"
    parts = []
    for dim in _dimensions(spec, (rec, cohort.denominator_records), ctx):
        num = count_by_group(rec, dim, child_unit)
        if by_population:
            groups, d, no_pop = _population_groups(ctx.ev, dim, num)
        else:
            groups, d, no_pop = _cohort_groups(cohort, dim, num)
        n = num.reindex(groups, fill_value=0).to_numpy(dtype=float)
        value, lo, hi = stats.rate_ci(n, d, spec.multiplier, ctx.level)
        frame = _frame(
            spec,
            dim,
            groups,
            {"value": value, "numerator": n, "denominator": d, "ci_lower": lo, "ci_upper": hi},
        )
        frame["_no_population"] = no_pop & by_population
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    # A population-based group without population gets no rate and an empty denominator.
    nopop = out.pop("_no_population").to_numpy(dtype=bool)
    out.loc[nopop, ["value", "denominator", "ci_lower", "ci_upper"]] = np.nan
    out["flags"] = _flags(
        small_numerator=out["numerator"].to_numpy() < ctx.params.small_numerator_threshold,
        no_population=nopop,
    )
    return out


# --------------------------------------------------------------------------- percentage


def percentage(spec: IndicatorSpec, cohort: Cohort, ctx: Context) -> pd.DataFrame:
    """The percentage of the cohort's denominator records that are numerator records, in
    every group with a denominator record, with its Wilson interval; a denominator under
    ``small_denominator_threshold`` is flagged ``small_denominator``."""
    child_unit = ctx.child_unit and spec.count_unit_applies
    rec = cohort.records
    den_rec = rec[rec["denominator"].to_numpy(dtype=bool)]
    num_rec = den_rec[den_rec["numerator"].to_numpy(dtype=bool)]
    parts = []
    for dim in _dimensions(spec, (rec,), ctx):
        den = count_by_group(den_rec, dim, child_unit)
        num = count_by_group(num_rec, dim, child_unit)
        groups = _ordered_groups(dim, den.index[den > 0])
        d = den.reindex(groups, fill_value=0).to_numpy(dtype=float)
        n = num.reindex(groups, fill_value=0).to_numpy(dtype=float)
        p, lo, hi = stats.proportion_ci(n, d, ctx.level)
        parts.append(
            _frame(
                spec,
                dim,
                groups,
                {
                    "value": p * 100,
                    "numerator": n,
                    "denominator": d,
                    "ci_lower": lo * 100,
                    "ci_upper": hi * 100,
                },
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["flags"] = _flags(
        small_denominator=out["denominator"].to_numpy() < ctx.params.small_denominator_threshold
    )
    return out


# --------------------------------------------------------------------------- duration

DURATION_STATISTICS = ("n", "mean", "median", "p25", "p75", "min", "max", "median_km")
"""The statistics of ``durations.csv`` besides the band counts, in their order."""


def _duration_groups(spec: IndicatorSpec, cohort: Cohort, ctx: Context):
    """(dimension, group, periods ended in P, Kaplan-Meier set) of every group reported."""
    rec, km = cohort.records, cohort.km
    for dim in _dimensions(spec, (rec,), ctx):
        if dim == "total":
            yield dim, "all", rec, km
            continue
        rec_key = rec[dim].astype(object).to_numpy()
        km_key = km[dim].astype(object).to_numpy()
        for group in _ordered_groups(dim, pd.unique(rec_key[pd.notna(rec_key)]).astype(str)):
            yield dim, group, rec[rec_key == group], km[km_key == group]


def duration(spec: IndicatorSpec, cohort: Cohort, ctx: Context) -> pd.DataFrame:
    """The median duration of the periods in every group (``numerator`` holds n), with the
    other statistics of ``durations.csv`` in ``attrs["durations"]``."""
    rows, stat_rows = [], []
    for dim, group, rec, km in _duration_groups(spec, cohort, ctx):
        summary = stats.summarise_durations(rec["days"].to_numpy(), list(spec.bands), ctx.level)
        summary["median_km"] = stats.km_median(km["km_days"].to_numpy(), km["observed"].to_numpy())
        rows.append(
            {
                "indicator": spec.id,
                "dimension": dim,
                "group": group,
                "value": summary["median"],
                "numerator": summary["n"],
                "denominator": np.nan,
                "ci_lower": summary["ci_lower"],
                "ci_upper": summary["ci_upper"],
            }
        )
        for stat in DURATION_STATISTICS:
            stat_rows.append((spec.id, dim, group, stat, summary[stat]))
        for key, val in summary.items():
            if key.startswith("band_"):
                stat_rows.append((spec.id, dim, group, key, val))
    out = pd.DataFrame(rows)
    out["flags"] = ""
    out.attrs["durations"] = pd.DataFrame(
        stat_rows, columns=["indicator", "dimension", "group", "statistic", "value"]
    )
    return out


# --------------------------------------------------------------------------- policy and n/a

_EMPTY = {
    "value": np.nan,
    "numerator": np.nan,
    "denominator": np.nan,
    "ci_lower": np.nan,
    "ci_upper": np.nan,
}


def policy_frame(spec: IndicatorSpec, ev: Events) -> pd.DataFrame:
    """A policy indicator's one row: 1 (yes) or 0 (no) from ``ds.policy[spec.policy_key]``;
    empty and flagged ``not_available`` when the answer is not given."""
    answer = (ev.ds.policy or {}).get(spec.policy_key)
    value = np.nan if answer is None else float(bool(answer))
    out = _frame(spec, "total", ["all"], {**_EMPTY, "value": value})
    out["flags"] = "not_available" if answer is None else ""
    return out


def not_available_frame(spec: IndicatorSpec) -> pd.DataFrame:
    """The one ``total/all`` row, flagged ``not_available``, of an indicator whose table is
    missing (never 0)."""
    out = _frame(spec, "total", ["all"], _EMPTY)
    out["flags"] = "not_available"
    return out


KIND_FUNCTIONS: dict[str, Callable[[IndicatorSpec, Cohort, Context], pd.DataFrame]] = {
    "rate": rate,
    "percentage": percentage,
    "duration": duration,
}
"""One function per quantitative kind; policy indicators read ``ds.policy``."""
