"""Design-based estimates of the census-day indicators from a sample survey of places.

When the dataset declares a sample design (:func:`indicators.survey.design.sample_design`),
the indicators declared ``sample_estimable`` in definitions.toml (the census-day rates and
percentages) are counted by :func:`estimated_frame` instead of the kind functions of
:mod:`.kinds`: the same cohort (the children held on C in the visited places), the same groups,
but every child weighted by its place's ``sample_weight`` and the variance that of a
stratified cluster sample (:mod:`indicators.survey.estimators`). Every other quantitative
indicator is ``not_available`` (:func:`not_estimated_frame`): it needs complete registers.

- **rate**: the estimated number of children (Horvitz-Thompson total over the visited places,
  one row per place with its count), divided by the child population of the group and
  multiplied; interval: the total's t interval (0 at least), divided likewise;
- **percentage**: the ratio of the two estimated totals (numerator children over denominator
  children), linearised; interval clipped to 0-100.

Rows carry the flag ``estimated_from_sample`` and the ``design_effect``; ``numerator`` and
``denominator`` hold the estimated totals (``numerator`` rounded to whole children in the
frames' contract; the value is computed before rounding). ``small_numerator`` and
``small_denominator`` are set from the children actually observed, on whom the estimate
rests. The reconciliation lists, for each estimated indicator, the places visited (``used``)
and those listed but not visited (``not_visited``). User documentation:
docs/sample-surveys.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import IndicatorSpec
from ..survey.design import SampleDesign, SampleDesignError
from ..survey.estimators import survey_ratio, survey_total
from .cohort import Cohort, count_by_group
from .kinds import Context, _dimensions, _flags, _frame, _ordered_groups, _population_groups
from .kinds import not_available_frame as _not_available

__all__ = [
    "caveat",
    "estimated_frame",
    "not_estimated_frame",
    "not_estimated_reconciliation",
    "places_reconciliation",
]

NOT_ESTIMATED = (
    "not available: the dataset is a sample survey of places on the census day, and this "
    "indicator needs complete registers"
)


def caveat(spec: IndicatorSpec, design: SampleDesign) -> str:
    """The caveat of an indicator in a sample survey (``caveats`` column)."""
    if spec.sample_estimable:
        return (f"estimated from a sample of {design.describe()} (design-based; t interval "
                f"with {design.df} degrees of freedom)")
    return NOT_ESTIMATED


def _place_of(cohort: Cohort, design: SampleDesign) -> np.ndarray:
    """Each cohort record's place, as a row of ``design.places``."""
    places = pd.Index(design.places["facility_id"].astype(str))
    pos = places.get_indexer(cohort.records["facility_id"].astype(str))
    if (pos < 0).any():
        bad = cohort.records["facility_id"][pos < 0].astype(str).unique()[:3]
        raise SampleDesignError(f"records of places not visited in the sample: {list(bad)}")
    return pos


def _by_place(place: np.ndarray, groups: np.ndarray, n_places: int, n_groups: int,
              mask: np.ndarray | None = None) -> np.ndarray:
    """Counts of records in each (place, group): an (n_places, n_groups) array."""
    ok = groups >= 0 if mask is None else (groups >= 0) & mask
    flat = np.bincount(place[ok] * n_groups + groups[ok], minlength=n_places * n_groups)
    return flat.reshape(n_places, n_groups).astype(float)


def _group_codes(rec: pd.DataFrame, dim: str, groups: list[str]) -> np.ndarray:
    """Each record's position among ``groups`` (-1 in none)."""
    if dim == "total":
        return np.zeros(len(rec), dtype=np.int64)
    values = rec[dim].astype(object).to_numpy()
    index = pd.Index(groups)
    return index.get_indexer(pd.Series(values).astype(str).where(pd.notna(values), "\0"))


def _design_arrays(design: SampleDesign) -> dict:
    p = design.places
    return dict(weight=p["sample_weight"].to_numpy(dtype=float),
                cluster=np.arange(len(p)), stratum=p["stratum"].to_numpy(),
                stratum_size=p["stratum_size"].to_numpy(dtype=float))


def _estimated_rate(spec: IndicatorSpec, cohort: Cohort, ctx: Context,
                    design: SampleDesign) -> pd.DataFrame:
    rec, place = cohort.records, _place_of(cohort, design)
    arrays, n_places = _design_arrays(design), len(design.places)
    parts = []
    for dim in _dimensions(spec, (rec,), ctx):
        seen = count_by_group(rec, dim, False)
        groups, d, no_pop = _population_groups(ctx.ev, dim, seen)
        counts = _by_place(place, _group_codes(rec, dim, groups), n_places, len(groups))
        est = survey_total(counts, confidence_level=ctx.level, **arrays)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(d > 0, spec.multiplier / d, np.nan)
        frame = _frame(spec, dim, groups, {
            "value": est.estimate * scale, "numerator": est.estimate, "denominator": d,
            "ci_lower": np.maximum(est.ci_lower, 0) * scale, "ci_upper": est.ci_upper * scale,
            "design_effect": est.deff,
        })
        frame["_seen"] = seen.reindex(groups, fill_value=0).to_numpy(dtype=float)
        frame["_no_population"] = no_pop
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    nopop = out.pop("_no_population").to_numpy(dtype=bool)
    out.loc[nopop, ["value", "denominator", "ci_lower", "ci_upper"]] = np.nan
    out["flags"] = _flags(
        small_numerator=out.pop("_seen").to_numpy() < ctx.params.small_numerator_threshold,
        no_population=nopop,
        estimated_from_sample=np.ones(len(out), dtype=bool),
    )
    return out


def _estimated_percentage(spec: IndicatorSpec, cohort: Cohort, ctx: Context,
                          design: SampleDesign) -> pd.DataFrame:
    rec = cohort.records
    rec = rec[rec["denominator"].to_numpy(dtype=bool)].reset_index(drop=True)
    place = _place_of(Cohort(rec, cohort.table), design)
    arrays, n_places = _design_arrays(design), len(design.places)
    # one empty row per visited place: places that held nobody are clusters too
    rows = {k: np.concatenate([v[place], v]) for k, v in arrays.items()}
    num = np.concatenate([rec["numerator"].to_numpy(dtype=bool), np.zeros(n_places, bool)])
    parts = []
    for dim in _dimensions(spec, (rec,), ctx):
        seen = count_by_group(rec, dim, False)
        groups = _ordered_groups(dim, seen.index[seen > 0])
        codes = np.concatenate([_group_codes(rec, dim, groups), np.full(n_places, -1)])
        member = (codes[:, None] == np.arange(len(groups))[None, :]).astype(float)
        est = survey_ratio(member * num[:, None], member, confidence_level=ctx.level, **rows)
        frame = _frame(spec, dim, groups, {
            "value": est.estimate * 100, "numerator": est.numerator,
            "denominator": est.denominator, "ci_lower": np.maximum(est.ci_lower, 0) * 100,
            "ci_upper": np.minimum(est.ci_upper, 1) * 100, "design_effect": est.deff,
        })
        frame["_seen"] = seen.reindex(groups, fill_value=0).to_numpy(dtype=float)
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out["flags"] = _flags(
        small_denominator=out.pop("_seen").to_numpy() < ctx.params.small_denominator_threshold,
        estimated_from_sample=np.ones(len(out), dtype=bool),
    )
    return out


def estimated_frame(spec: IndicatorSpec, cohort: Cohort, ctx: Context,
                    design: SampleDesign) -> pd.DataFrame:
    """The rows of a ``sample_estimable`` indicator, estimated from the sample of places.

    Parameters
    ----------
    spec : IndicatorSpec
        A census-day rate (JJ02, JJ03) or percentage (JJ07, JJ08).
    cohort : Cohort
        Its cohort (the children held on C in the visited places), with ``facility_id``.
    ctx : Context
    design : SampleDesign

    Returns
    -------
    DataFrame
        The rows of the kind function, with ``design_effect``; flags
        ``estimated_from_sample`` and, from the children observed, ``small_numerator`` /
        ``small_denominator`` (and ``no_population``).

    Notes
    -----
    Groups follow the rules of the complete count (docs/indicators.md#groups). A child in a
    group is counted in its place's total for that group (a domain): the variance keeps every
    visited place, those without a child of the group adding 0 (Lohr 2021, section 4.3).

    References
    ----------
    Lohr, S. L. (2021), *Sampling: Design and Analysis*, 3rd ed., sections 3.2, 4.3, 5.2, 9.1;
    docs/sample-surveys.md.
    """
    if spec.kind == "rate":
        return _estimated_rate(spec, cohort, ctx, design)
    return _estimated_percentage(spec, cohort, ctx, design)


def not_estimated_frame(spec: IndicatorSpec) -> pd.DataFrame:
    """The one ``total/all`` row, flagged ``not_available``, of an indicator a sample of
    places cannot estimate."""
    return _not_available(spec)


def not_estimated_reconciliation(ds, spec: IndicatorSpec) -> pd.DataFrame:
    """Reconciliation rows of an indicator not estimated from the sample: every record of the
    tables it reads left out as ``not_estimated_from_sample``."""
    rows = []
    for table in spec.tables:
        n = len(ds.tables[table]) if table in ds.tables else 0
        reason = "not_estimated_from_sample" if table in ds.tables else "table_not_given"
        rows += [{"table": table, "records_read": n, "reason": "used", "count": 0},
                 {"table": table, "records_read": n, "reason": reason, "count": n}]
    out = pd.DataFrame(rows, columns=["table", "records_read", "reason", "count"])
    out["indicator"] = spec.id
    return out


def places_reconciliation(spec: IndicatorSpec, design: SampleDesign) -> pd.DataFrame:
    """Reconciliation rows of the places for an estimated indicator (table ``facilities``):
    ``used`` the places visited, ``not_visited`` those listed but not visited."""
    n = len(design.places) + len(design.not_visited)
    out = pd.DataFrame({
        "table": "facilities", "records_read": n, "reason": ["used", "not_visited"],
        "count": [len(design.places), len(design.not_visited)],
    })
    out["indicator"] = spec.id
    return out
