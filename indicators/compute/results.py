"""Every indicator of a dataset, as the three result frames: :func:`compute_indicators`.

For each indicator of the declaration (definitions.toml), in order: a policy indicator reads
its answer; an indicator whose table is missing gets one row flagged ``not_available``;
every other one has its cohort built (:mod:`.cohorts`) and counted by the function of its
kind (:mod:`.kinds`). The rows are stacked, the indicators' declared facts (name, unit,
kind, core) and the run's caveats added, and the frames put in their contract
(:mod:`.schemas`): ``indicators``, ``durations`` and ``reconciliation`` (:mod:`.reconcile`).
:func:`combine_results` stacks the results of several datasets. The files they become are
described for users in docs/outputs.md.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..events import Events, get_events
from ..parameters import Parameters
from ..registry import (
    DURATION_COLUMNS,
    ESTIMATE_COLUMNS,
    EXTRA_COLUMNS,
    RESULT_COLUMNS,
    IndicatorSpec,
    hollow_flags,
    load_definitions,
)
from ..sparks import interval_svg
from ..survey.design import SampleDesign, sample_design
from .cohorts import COHORT_BUILDERS, missing_tables, resolve_parameters
from .estimates import (
    caveat,
    estimated_frame,
    not_estimated_frame,
    not_estimated_reconciliation,
    places_reconciliation,
)
from .kinds import KIND_FUNCTIONS, Context, not_available_frame, policy_frame
from .reconcile import finish_reconciliation, population_reconciliation, reconciliation_frame
from .schemas import DurationsSchema, ReconciliationSchema, ResultSchema

__all__ = ["IndicatorResults", "combine_results", "compute_indicators"]

FLOAT_COLUMNS = ("value", "denominator", "ci_lower", "ci_upper")


@dataclass
class IndicatorResults:
    """The indicators of one or more datasets.

    Attributes
    ----------
    indicators : DataFrame
        The result table (``ResultSchema``): one row per country, indicator, dimension, group.
    durations : DataFrame
        JJ04/JJ05 statistics (``DurationsSchema``).
    reconciliation : DataFrame
        Records read, used and left out by reason, per indicator and table.
    parameters : dict
        The parameters used (for several datasets: the first's, or ``{country: params}``
        when they differ).
    country : str
        Country code (codes joined by ``,`` for combined results).
    """

    indicators: pd.DataFrame
    durations: pd.DataFrame
    reconciliation: pd.DataFrame
    parameters: dict[str, Any]
    country: str

    def to_frame(self) -> pd.DataFrame:
        """A copy of the indicators frame."""
        return self.indicators.copy()

    def __repr__(self) -> str:
        n_ind = self.indicators["indicator"].nunique()
        return (
            f"IndicatorResults(country={self.country!r}, indicators={n_ind}, "
            f"rows={len(self.indicators)})"
        )

    def _repr_html_(self) -> str:
        df = self.indicators
        parts = [
            "<div><p><b>Juvenile justice indicators</b> ",
            html.escape(
                f"{self.country} · {df['period_start'].iloc[0] if len(df) else ''} to "
                f"{df['period_end'].iloc[0] if len(df) else ''}"
            ),
            " · ★ = core indicator · values rounded for display only</p>",
            "<table>",
        ]
        for (country, ind), block in df.groupby(["country", "indicator"], sort=False):
            parts += _html_block(country, ind, block)
        parts.append("</table></div>")
        return "".join(parts)


_HTML_HEAD = (
    "<tr><th>dimension</th><th>group</th><th>value</th><th>numerator</th>"
    "<th>denominator</th><th>interval</th><th></th><th>flags</th></tr>"
)


def _html_block(country: str, ind: str, block: pd.DataFrame) -> list[str]:
    """The HTML rows of one indicator of one country: a title row, a header, its groups."""
    first = block.iloc[0]
    star = "★ " if bool(first["core"]) else ""
    scale = 100.0 if first["unit"] == "percent" else float(
        np.nanmax(np.r_[block["ci_upper"].to_numpy(float), block["value"].to_numpy(float), 0.0]))
    hollow = set(hollow_flags())
    parts = [
        f"<tr><th colspan='8' style='text-align:left'>{star}{html.escape(ind)} "
        f"{html.escape(str(first['indicator_name']))} "
        f"<small>({html.escape(str(first['unit']))}, {html.escape(country)})"
        "</small></th></tr>",
        _HTML_HEAD,
    ]
    for _, r in block.iterrows():
        ci = "" if pd.isna(r["ci_lower"]) else f"{_fmt(r['ci_lower'])} – {_fmt(r['ci_upper'])}"
        cells = (
            r["dimension"],
            r["group"],
            _fmt(r["value"]),
            _fmt(r["numerator"], 0),
            _fmt(r["denominator"]),
            ci,
        )
        spark = interval_svg(r["value"], r["ci_lower"], r["ci_upper"], scale,
                             hollow=bool(set(str(r["flags"]).split(";")) & hollow))
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                     + f"<td>{spark}</td><td>{html.escape(str(r['flags']))}</td></tr>")
    return parts


def _fmt(x: Any, digits: int = 1) -> str:
    if x is None or pd.isna(x):
        return ""
    x = float(x)
    if digits == 0 or x == round(x):
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


# --------------------------------------------------------------------------- computing


def compute_indicators(
    ds, parameters: Parameters | None = None, **overrides: Any
) -> IndicatorResults:
    """Compute every indicator with every disaggregation of a dataset.

    Parameters
    ----------
    ds : Dataset
        A typed dataset (``read_dataset`` or ``Dataset.from_frames``).
    parameters : Parameters, optional
        The run's parameters, built once (e.g. from the command line).
    **overrides
        Overrides of dataset.toml's ``[parameters]`` and the defaults: ``count_unit``
        (``event`` | ``child``), ``deaths_denominator`` (``average_daily_population`` |
        ``census`` | ``distinct_children``), ``confidence_level`` (e.g. 0.9), ``census_date``
        (a day within P), ``small_numerator_threshold``, ``small_denominator_threshold``.

    Returns
    -------
    IndicatorResults
        Every frame validated by its schema (``ResultSchema``, ``DurationsSchema``,
        ``ReconciliationSchema``).

    Raises
    ------
    ValueError
        Invalid parameters (see :func:`resolve_parameters`).

    Notes
    -----
    Rates: exact Poisson interval of the count over the denominator; percentages: Wilson;
    medians: order statistics (``stats``). An indicator whose table is missing has one
    ``total/all`` row flagged ``not_available``, never 0.

    References
    ----------
    docs/indicators.md (the counting rules), docs/outputs.md (the frames), docs/parameters.md.
    """
    params = resolve_parameters(ds, parameters, **overrides)
    ev = get_events(ds, pd.Timestamp(params.census_date))
    design = sample_design(ds)
    frames, durations, recon = _compute_each(ds, ev, params, design)
    meta = _metadata(ds, params)
    indicators = _finish_indicators(_with_declared_facts(frames, params, design), meta)
    dur = (
        pd.concat(durations, ignore_index=True)
        if durations
        else pd.DataFrame(columns=["indicator", "dimension", "group", "statistic", "value"])
    )
    dur = _finish_durations(dur, meta)
    rec = finish_reconciliation(pd.concat(recon, ignore_index=True), meta)
    return IndicatorResults(
        indicators=ResultSchema.validate(indicators),
        durations=DurationsSchema.validate(dur),
        reconciliation=ReconciliationSchema.validate(rec),
        parameters=params,
        country=meta["country"],
    )


def _compute_each(ds, ev: Events, params: Parameters, design: SampleDesign | None = None):
    """Each indicator's rows, the duration statistics and the reconciliation rows; from a
    sample survey of places (``design``), the indicators declared ``sample_estimable`` are
    estimated and the other quantitative ones not available (:mod:`.estimates`)."""
    ctx = Context(ev=ev, params=params, child_unit=params.child_unit)
    frames, durations, recon = [], [], []
    pop_indicators = []
    for spec in load_definitions():
        cohort = None
        if spec.kind == "policy":
            frame = policy_frame(spec, ev)
        elif missing_tables(spec, ds):
            frame = not_available_frame(spec)
        elif design is not None and not spec.sample_estimable:
            frame = not_estimated_frame(spec)
            recon.append(not_estimated_reconciliation(ds, spec))
            frames.append(frame)
            continue
        else:
            cohort = COHORT_BUILDERS[spec.cohort](ev, spec, params)
            if design is not None:
                frame = estimated_frame(spec, cohort, ctx, design)
                recon.append(places_reconciliation(spec, design))
            else:
                frame = KIND_FUNCTIONS[spec.kind](spec, cohort, ctx)
            if "durations" in frame.attrs:
                durations.append(frame.attrs.pop("durations"))
            if spec.denominator_source == "child_population":
                pop_indicators.append(spec.id)
        frames.append(frame)
        if spec.kind != "policy":
            recon.append(reconciliation_frame(ds, spec, cohort))
    recon.append(population_reconciliation(ev, pop_indicators))
    return frames, durations, recon


def _caveats(spec: IndicatorSpec, params: Parameters, design: SampleDesign | None = None
             ) -> str:
    """The run's choices that change an indicator (``caveats`` column); from a sample survey,
    how the indicator was estimated or why it is not available."""
    notes = []
    if design is not None and spec.kind != "policy":
        notes.append(caveat(spec, design))
    if spec.count_unit_applies:
        notes.append(f"count_unit={params.count_unit}")
    if spec.cohort == "deaths":
        notes.append(f"deaths_denominator={params.deaths_denominator}")
    if spec.kind != "policy":
        notes.append(f"confidence_level={params.confidence_level:g}")
    return "; ".join(notes)


def _with_declared_facts(
    frames: list[pd.DataFrame], params: Parameters, design: SampleDesign | None = None
) -> pd.DataFrame:
    """The indicators' rows stacked, with name, core, kind, unit and caveats."""
    stacked = pd.concat(frames, ignore_index=True)
    specs = {s.id: s for s in load_definitions()}
    ids = stacked["indicator"]
    stacked["indicator_name"] = ids.map({k: s.name for k, s in specs.items()})
    stacked["core"] = ids.map({k: s.core for k, s in specs.items()}).astype(bool)
    stacked["kind"] = ids.map({k: s.kind for k, s in specs.items()})
    stacked["unit"] = ids.map({k: s.unit for k, s in specs.items()})
    stacked["caveats"] = ids.map({k: _caveats(s, params, design) for k, s in specs.items()})
    return stacked


def _metadata(ds, params: Parameters) -> dict[str, Any]:
    meta = ds.metadata or {}
    return {
        "country": str(ds.country),
        "country_name": str(ds.country_name or meta.get("country_name") or ""),
        "region": str(meta.get("region") or ""),
        "source": str(meta.get("source") or ""),
        "period_start": pd.Timestamp(ds.period_start).strftime("%Y-%m-%d"),
        "period_end": pd.Timestamp(ds.period_end).strftime("%Y-%m-%d"),
        "census_date": params.census_date,
    }


def _finish_indicators(df: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """The indicators frame in its contract: metadata, column types, columns in order."""
    for key in (
        "country",
        "period_start",
        "period_end",
        "census_date",
        "country_name",
        "region",
        "source",
    ):
        df[key] = meta[key]
    estimates = [c for c in ESTIMATE_COLUMNS if c in df.columns]
    for col in (*FLOAT_COLUMNS, *estimates):
        df[col] = pd.to_numeric(df[col]).astype(float)
    df["numerator"] = pd.array(
        np.round(pd.to_numeric(df["numerator"]).to_numpy(dtype=float)), dtype="Int64"
    )
    df["core"] = df["core"].astype(bool)
    for col in RESULT_COLUMNS + EXTRA_COLUMNS:
        if col not in (*FLOAT_COLUMNS, "numerator", "core"):
            df[col] = df[col].astype(str)
    return df[RESULT_COLUMNS + EXTRA_COLUMNS + estimates].reset_index(drop=True)


def _finish_durations(df: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """The durations frame in its contract."""
    df = df.copy()
    for key in ("country", "period_start", "period_end"):
        df[key] = meta[key]
    df["value"] = pd.to_numeric(df["value"]).astype(float)
    for col in (
        "country",
        "indicator",
        "dimension",
        "group",
        "statistic",
        "period_start",
        "period_end",
    ):
        df[col] = df[col].astype(str)
    return df[DURATION_COLUMNS].reset_index(drop=True)


def combine_results(results: Iterable[IndicatorResults]) -> IndicatorResults:
    """Stack the results of several datasets (e.g. countries) into one.

    Parameters
    ----------
    results : iterable of IndicatorResults

    Returns
    -------
    IndicatorResults
        Frames concatenated in the order given; ``parameters`` the common parameters, or a
        ``{"<country> <period_end>": parameters}`` dict when they differ; ``country`` the
        distinct country codes joined by ``,``.

    Raises
    ------
    ValueError
        No results given.
    """
    results = list(results)
    if not results:
        raise ValueError("combine_results needs at least one result")
    params = results[0].parameters
    if any(r.parameters != params for r in results[1:]):
        params = {
            f"{r.country} {r.indicators['period_end'].iloc[0]}": r.parameters for r in results
        }
    return IndicatorResults(
        indicators=ResultSchema.validate(
            pd.concat([r.indicators for r in results], ignore_index=True)
        ),
        durations=DurationsSchema.validate(
            pd.concat([r.durations for r in results], ignore_index=True)
        ),
        reconciliation=ReconciliationSchema.validate(
            pd.concat([r.reconciliation for r in results], ignore_index=True)
        ),
        parameters=params,
        country=",".join(dict.fromkeys(c for r in results for c in r.country.split(","))),
    )
