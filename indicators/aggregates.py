"""Regional and international figures from counts, reference lines and rankings that show
their uncertainty.

Three pure functions of an indicators frame (rows of ``compute_indicators``, ``from_counts``
and, where asked for, ``load_reference``, concatenated):

:func:`pooled_rates`
    for each region (and for all regions together), the pooled figure of the countries with
    the same definitions: the sum of their numerators over the sum of their denominators, with
    the exact Poisson interval (rates) or the Wilson interval (percentages), how many countries
    it rests on and what share of the region's children they hold;
:func:`reference_line`
    the median of the countries' latest figures, over comparable figures only (no definition
    flag, the same counting unit and deaths denominator), with its basis in words;
:func:`rank_countries`
    each country's rank among comparable figures and its rank interval, by seeded simulation
    from the counts (:func:`indicators.stats.rank_intervals`).

**Comparable** figures carry none of :data:`DEFINITION_FLAGS` and share the counting unit
(indicators that ``count_unit`` changes) and the deaths denominator (JJ06) of the figures they
are pooled or ranked with (:func:`indicators.differences.comparison_cells` reads both).
Figures flagged ``suppressed`` (public mode) and figures without a numerator or a denominator
take no part. Published reference figures (``origin = published``) are left out unless
``include_published=True``; even then only those with both counts and no definition flag enter.

References
----------
Goldstein, H. and Spiegelhalter, D. J. (1996). League tables and their limitations. JRSS A
159, 385-443 (why a ranking needs its intervals). The World Prison Brief declines to rank
juvenile figures of unlike definitions for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import stats
from .differences import comparison_cells
from .registry import load_definitions

__all__ = [
    "AGGREGATE_COLUMNS",
    "DEFINITION_FLAGS",
    "RANK_COLUMNS",
    "ReferenceLine",
    "comparable_figures",
    "pooled_rates",
    "rank_countries",
    "reference_line",
]

DEFINITION_FLAGS = ("definition_differs", "published_rate", "population_year_differs")
"""Flags that say a figure's definition is not the Manual's: such figures are not pooled,
ranked or used for a reference line."""

ALL_REGIONS = "All regions"
CHILD_POPULATION_UNIT = "per 100,000 children"

AGGREGATE_COLUMNS = [
    "level", "region", "indicator", "dimension", "group", "year", "count_unit",
    "deaths_denominator", "value", "numerator", "denominator", "unit", "ci_lower", "ci_upper",
    "countries", "country_codes", "countries_in_region", "children_covered",
    "children_in_region", "children_share", "basis",
]
RANK_COLUMNS = [
    "indicator", "dimension", "group", "country", "country_name", "region", "period_end",
    "value", "numerator", "denominator", "rank", "rank_lower", "rank_upper",
    "countries_ranked", "basis",
]

_REASONS = {
    "definition": "a definition flag",
    "suppressed": "suppressed",
    "no_counts": "no numerator or denominator",
    "published": "published figure",
    "other_definition": "another counting unit or deaths denominator",
}


def _multiplier(unit: str, kind: str) -> float:
    if kind == "percentage":
        return 100.0
    text = unit.strip().lower().removeprefix("per ").split(" ")[0].replace(",", "")
    return float(text) if text.isdigit() else 1.0


def _why_left_out(cells: pd.DataFrame, include_published: bool) -> pd.Series:
    """The first reason each cell cannot be pooled or ranked ('' when it can)."""
    flags = cells["flags"].str.split(";").map(lambda f: {x.strip() for x in f})
    definition = flags.map(lambda f: bool(f & set(DEFINITION_FLAGS))) | cells["_differs"]
    no_counts = (cells["numerator"].isna() | cells["denominator"].isna()
                 | ~(cells["denominator"] > 0))
    reason = pd.Series("", index=cells.index, dtype=object)
    for mask, why in (
        (cells["origin"].eq("published") & (not include_published), _REASONS["published"]),
        (cells["_suppressed"], _REASONS["suppressed"]),
        (definition, _REASONS["definition"]),
        (no_counts, _REASONS["no_counts"]),
    ):
        reason = reason.mask((reason == "") & mask, why)
    return reason


def _child_population(cells: pd.DataFrame) -> pd.Series:
    """Each (country, year)'s child population: the total/all denominator of an indicator
    whose denominator is the child population (JJ01-JJ03), the largest where several are."""
    ids = {s.id for s in load_definitions()
           if getattr(s, "denominator_source", "") == "child_population"}
    pop = cells[cells["indicator"].isin(ids) & (cells["dimension"] == "total")
                & (cells["group"] == "all") & cells["denominator"].notna()]
    return pop.groupby(["country", "year"])["denominator"].max()


def comparable_figures(
    frame: pd.DataFrame,
    indicator: str,
    *,
    dimension: str = "total",
    group: str = "all",
    include_published: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Each country's latest figure of one cell, split into comparable and left out.

    Parameters
    ----------
    frame : DataFrame
        An indicators frame.
    indicator, dimension, group : str
        The cell (default the total).
    include_published : bool
        Let published figures with both counts and no definition flag take part.

    Returns
    -------
    kept : DataFrame
        One row per country (its latest period), the columns of
        :func:`~indicators.differences.comparison_cells`: the figures that share the
        definition chosen (no definition flag; the counting unit and deaths denominator most
        of them use).
    left_out : DataFrame
        The other countries' latest figures, with a column ``reason``.
    definition : dict
        ``count_unit`` and ``deaths_denominator`` of the kept figures ('' where not applying).
    """
    cells = comparison_cells(frame, include_published=True)
    cells = cells[(cells["indicator"] == indicator) & (cells["dimension"] == dimension)
                  & (cells["group"] == group)].copy()
    cells["reason"] = _why_left_out(cells, include_published)
    # The latest period of each country among its usable figures, else among all.
    cells["_usable"] = cells["reason"] == ""
    cells = cells.sort_values(["country", "_usable", "period_end"], kind="stable")
    latest = cells.groupby("country").tail(1).drop(columns="_usable")
    usable = latest[latest["reason"] == ""]
    key = ["_count_unit", "_deaths"]
    definition = {"count_unit": "", "deaths_denominator": ""}
    if len(usable):
        counts = usable.groupby(key).size().reset_index(name="n")
        counts = counts.sort_values(["n", "_count_unit", "_deaths"],
                                    ascending=[False, True, True], kind="stable")
        unit, deaths = counts.iloc[0]["_count_unit"], counts.iloc[0]["_deaths"]
        definition = {"count_unit": unit, "deaths_denominator": deaths}
        other = (latest["reason"] == "") & ((latest["_count_unit"] != unit)
                                             | (latest["_deaths"] != deaths))
        latest.loc[other, "reason"] = _REASONS["other_definition"]
    kept = latest[latest["reason"] == ""].drop(columns="reason").reset_index(drop=True)
    left_out = latest[latest["reason"] != ""].reset_index(drop=True)
    return kept, left_out, definition


def _definition_words(definition: dict[str, str]) -> str:
    words = []
    if definition.get("count_unit"):
        words.append(f"counting unit {definition['count_unit']}")
    if definition.get("deaths_denominator"):
        words.append(f"deaths denominator {definition['deaths_denominator']}")
    return (", " + ", ".join(words)) if words else ""


_LEFT_OUT_WORDS = {
    _REASONS["definition"]: "{n} with a definition flag",
    _REASONS["suppressed"]: "{n} suppressed",
    _REASONS["no_counts"]: "{n} without numerator or denominator",
    _REASONS["published"]: "{n} published (not asked for)",
    _REASONS["other_definition"]: "{n} with another counting unit or deaths denominator",
}


def _left_out_words(counts) -> str:
    """'; left out: 2 with a definition flag, 1 suppressed' from {reason: n} (or a frame
    with a ``reason`` column)."""
    if isinstance(counts, pd.DataFrame):
        counts = counts["reason"].value_counts().to_dict()
    parts = [_LEFT_OUT_WORDS[r].format(n=counts[r]) for r in _LEFT_OUT_WORDS
             if counts.get(r, 0)]
    return "; left out: " + ", ".join(parts) if parts else ""


def _periods_words(kept: pd.DataFrame) -> str:
    first, last = kept["period_end"].min(), kept["period_end"].max()
    return f"period ending {first}" if first == last else f"periods ending {first} to {last}"


@dataclass(frozen=True)
class ReferenceLine:
    """A median reference line and what it rests on.

    Attributes
    ----------
    value : float
        The median (NaN when no figure is comparable).
    weighting : str
        ``child population`` or ``none``.
    countries : tuple of str
        The countries whose figures it is the median of.
    left_out : tuple of (str, str)
        (country, reason) of the figures left out.
    basis : str
        The basis in words, for a chart's footnote.
    """

    indicator: str
    dimension: str
    group: str
    value: float
    weighting: str
    countries: tuple[str, ...] = ()
    left_out: tuple[tuple[str, str], ...] = field(default=())
    basis: str = ""


def reference_line(
    frame: pd.DataFrame,
    indicator: str,
    *,
    dimension: str = "total",
    group: str = "all",
    weights: str = "auto",
    include_published: bool = False,
) -> ReferenceLine:
    """The median of the countries' latest comparable figures of one cell.

    Parameters
    ----------
    frame : DataFrame
        An indicators frame.
    indicator, dimension, group : str
        The cell.
    weights : {"auto", "population", "none"}
        ``population`` weights each figure by its child population (rates per 100,000
        children only); ``auto`` does so for those rates and takes the plain median otherwise.
    include_published : bool
        Let published figures with both counts and no definition flag take part.

    Returns
    -------
    ReferenceLine

    Notes
    -----
    The weighted median is :func:`indicators.stats.weighted_median` (the smallest value at
    which the cumulative weight reaches half); the plain median of an even number of figures
    is the mean of the middle two.
    """
    kept, left_out, definition = comparable_figures(
        frame, indicator, dimension=dimension, group=group,
        include_published=include_published)
    if weights not in ("auto", "population", "none"):
        raise ValueError(f"weights must be 'auto', 'population' or 'none', got {weights!r}")
    by_population = weights == "population" or (
        weights == "auto" and len(kept) and (kept["unit"] == CHILD_POPULATION_UNIT).all())
    if by_population and len(kept) and not (kept["unit"] == CHILD_POPULATION_UNIT).all():
        raise ValueError("population weights need rates per 100,000 children")
    if kept.empty:
        value = np.nan
    elif by_population:
        value = stats.weighted_median(kept["value"], kept["denominator"])
    else:
        value = float(np.median(kept["value"]))
    weighting = "child population" if by_population else "none"
    origins = " or ".join(dict.fromkeys(
        {"records": "records", "counts": "counts", "published": "published tables"}[o]
        for o in kept["origin"])) or "records or counts"
    basis = (
        f"{'Population-weighted median' if by_population else 'Median'} of {len(kept)} "
        f"countries' latest figures ({', '.join(kept['country'])}; {_periods_words(kept)}) "
        f"from {origins}, with the "
        f"Manual's definition (no {', '.join(DEFINITION_FLAGS)} flag"
        f"{_definition_words(definition)}){_left_out_words(left_out)}."
    ) if len(kept) else f"No comparable figure{_left_out_words(left_out)}."
    return ReferenceLine(
        indicator=indicator, dimension=dimension, group=group, value=value,
        weighting=weighting, countries=tuple(kept["country"]),
        left_out=tuple(zip(left_out["country"], left_out["reason"], strict=True)),
        basis=basis,
    )


def pooled_rates(
    frame: pd.DataFrame,
    *,
    confidence_level: float,
    levels: tuple[str, ...] = ("region", "international"),
    include_published: bool = False,
    region_children: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Pooled regional and international figures from the countries' counts.

    Parameters
    ----------
    frame : DataFrame
        An indicators frame with a ``region`` column (rows without one form the region '').
    confidence_level : float
        The run's ``confidence_level``.
    levels : tuple of {"region", "international"}
        ``region``: one pooled figure per region; ``international``: all regions together
        (region ``All regions``).
    include_published : bool
        Pool published figures with both counts and no definition flag as well.
    region_children : dict, optional
        The number of children (aged 0-17) of each region, for the share covered; by default
        the child populations of the region's countries found in the frame for that year.

    Returns
    -------
    DataFrame
        ``AGGREGATE_COLUMNS``: one row per level, region, indicator, dimension, group, year
        (of period_end) and definition (``count_unit``, ``deaths_denominator``, empty where
        they do not apply); ``countries`` pooled and ``country_codes`` (``;``-joined);
        ``countries_in_region`` with any figure of that cell; ``children_covered``,
        ``children_in_region`` and ``children_share`` (NaN where a child population is not
        known).

    Notes
    -----
    value = sum(numerators) / sum(denominators) x multiplier. Rates: exact Poisson interval of
    the summed count (:func:`~indicators.stats.rate_ci`), which treats the populations as
    known; percentages: Wilson (:func:`~indicators.stats.proportion_ci`). A country enters
    with one figure per year (records before counts before published); a figure with a
    definition flag, suppressed, or without both counts is left out, and the basis says how
    many were.
    """
    unknown = [lv for lv in levels if lv not in ("region", "international")]
    if unknown:
        raise ValueError(f"unknown level(s) {unknown}; choose 'region' or 'international'")
    cells = comparison_cells(frame, include_published=True)
    cells["year"] = cells["period_end"].str[:4]
    cells["reason"] = _why_left_out(cells, include_published)
    # One figure per country and year: the latest period ending in that year.
    cells = cells.sort_values("period_end", kind="stable").drop_duplicates(
        ["country", "year", "indicator", "dimension", "group"], keep="last")
    child_pop = _child_population(cells)
    cells = cells.join(child_pop.rename("children"), on=["country", "year"])
    parts = [_pool_level(cells.assign(region=ALL_REGIONS) if level == "international"
                         else cells, level, confidence_level, region_children or {})
             for level in levels]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else pd.DataFrame(columns=AGGREGATE_COLUMNS)
    return out[AGGREGATE_COLUMNS]


def _pool_level(cells: pd.DataFrame, level: str, confidence_level: float,
                region_children: dict[str, float]) -> pd.DataFrame:
    """The pooled rows of one level (cells carry the region to pool by)."""
    cell = ["region", "indicator", "dimension", "group", "year"]
    pool_key = [*cell, "_count_unit", "_deaths"]
    usable = cells[cells["reason"] == ""]
    if usable.empty:
        return pd.DataFrame(columns=AGGREGATE_COLUMNS)
    g = usable.groupby(pool_key, sort=True)
    pooled = g.agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"),
                   countries=("country", "size"), kind=("_kind", "first"),
                   unit=("unit", "first"),
                   children_covered=("children", lambda c: c.sum() if c.notna().all()
                                     else np.nan),
                   country_codes=("country", lambda c: ";".join(sorted(c)))).reset_index()
    # What each cell's other countries are left out for.
    per_cell = cells.groupby(cell)
    in_cell = per_cell["country"].nunique().rename("countries_in_region")
    reasons = cells[cells["reason"] != ""].groupby([*cell, "reason"]).size().unstack(
        fill_value=0)
    usable_in_cell = usable.groupby(cell).size().rename("usable")
    pooled = pooled.join(in_cell, on=cell).join(usable_in_cell, on=cell)
    if len(reasons.columns):
        pooled = pooled.join(reasons, on=cell)
        pooled[list(reasons.columns)] = pooled[list(reasons.columns)].fillna(0).astype(int)
    # The region's children: given, or the child populations known for its countries.
    countries = cells.drop_duplicates(["region", "year", "country"])
    known = countries.groupby(["region", "year"])["children"].agg(
        _known=lambda c: c.sum(min_count=1), _with_children=lambda c: int(c.notna().sum()))
    pooled = pooled.join(known, on=["region", "year"])
    given = pooled["region"].map(region_children).astype(float)
    pooled["_given"] = given.notna()
    pooled["children_in_region"] = given.fillna(pooled["_known"])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = pooled["children_covered"] / pooled["children_in_region"]
    pooled["children_share"] = share.where(pooled["children_in_region"] > 0)
    rate = (pooled["kind"] == "rate").to_numpy()
    mult = np.array([_multiplier(u, k) for u, k in zip(pooled["unit"], pooled["kind"],
                                                        strict=True)])
    r_value, r_lo, r_hi = stats.rate_ci(pooled["numerator"], pooled["denominator"], 1.0,
                                        confidence_level)
    p_value, p_lo, p_hi = stats.proportion_ci(pooled["numerator"], pooled["denominator"],
                                              confidence_level)
    pooled["value"] = mult * np.where(rate, r_value, p_value)
    pooled["ci_lower"] = mult * np.where(rate, r_lo, p_lo)
    pooled["ci_upper"] = mult * np.where(rate, r_hi, p_hi)
    pooled["level"] = level
    pooled["count_unit"], pooled["deaths_denominator"] = pooled["_count_unit"], pooled["_deaths"]
    pooled["basis"] = [_pool_basis(r, reasons.columns) for r in pooled.to_dict("records")]
    return pooled[AGGREGATE_COLUMNS]


def _pool_basis(row: dict, reason_columns) -> str:
    counts = {r: int(row[r]) for r in reason_columns}
    counts[_REASONS["other_definition"]] = int(row["usable"]) - int(row["countries"])
    definition = _definition_words({"count_unit": row["_count_unit"],
                                    "deaths_denominator": row["_deaths"]})
    whose = ("the region's children" if row["_given"] else
             f"the children of the {row['_with_children']} countries of the region with a "
             f"child population in the frame")
    share = ("" if pd.isna(row["children_share"])
             else f"; they hold {row['children_share']:.0%} of {whose}")
    return (
        f"Sum of numerators over sum of denominators of {row['countries']} of "
        f"{row['countries_in_region']} countries of {row['region'] or '(no region)'} with a "
        f"figure for {row['year']}, the Manual's definition{definition}{share}"
        f"{_left_out_words(counts)}."
    )


def rank_countries(
    frame: pd.DataFrame,
    indicator: str,
    *,
    confidence_level: float,
    dimension: str = "total",
    group: str = "all",
    n_draws: int = 10_000,
    seed: int = 0,
    descending: bool = True,
    include_published: bool = False,
) -> pd.DataFrame:
    """Each country's rank among comparable figures, with its rank interval.

    Parameters
    ----------
    frame : DataFrame
        An indicators frame.
    indicator, dimension, group : str
        The cell ranked (each country's latest comparable figure, as in
        :func:`comparable_figures`).
    confidence_level : float
        Level of the rank intervals (the run's ``confidence_level``).
    n_draws, seed : int
        Simulated sets of values and the generator's seed: the same frame and seed give the
        same intervals.
    descending : bool
        Rank 1 is the highest value (default) or the lowest.
    include_published : bool
        Rank published figures with both counts and no definition flag as well.

    Returns
    -------
    DataFrame
        ``RANK_COLUMNS``, ordered by rank then country; ``rank_lower`` and ``rank_upper`` are
        the ``alpha/2`` and ``1 - alpha/2`` quantiles of the simulated ranks
        (:func:`indicators.stats.rank_intervals`); ``basis`` says what was ranked and what
        was left out. Empty when no figure is comparable.
    """
    kept, left_out, definition = comparable_figures(
        frame, indicator, dimension=dimension, group=group,
        include_published=include_published)
    if kept.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)
    kind = "rate" if kept["_kind"].iat[0] == "rate" else "proportion"
    rank, lower, upper = stats.rank_intervals(
        kept["numerator"].to_numpy(float), kept["denominator"].to_numpy(float), kind,
        confidence_level=confidence_level, n_draws=n_draws, seed=seed, descending=descending)
    basis = (
        f"{len(kept)} countries' latest figures ({_periods_words(kept)}) with the Manual's "
        f"definition"
        f"{_definition_words(definition)}; {confidence_level:.0%} rank intervals from "
        f"{n_draws:,} draws (seed {seed}) of each figure from its counts"
        f"{_left_out_words(left_out)}."
    )
    out = pd.DataFrame({
        "indicator": indicator, "dimension": dimension, "group": group,
        "country": kept["country"], "country_name": kept["country_name"].where(
            kept["country_name"] != "", kept["country"]),
        "region": kept["region"], "period_end": kept["period_end"], "value": kept["value"],
        "numerator": kept["numerator"], "denominator": kept["denominator"],
        "rank": rank, "rank_lower": lower, "rank_upper": upper,
        "countries_ranked": len(kept), "basis": basis,
    })
    return out.sort_values(["rank", "country"], kind="stable").reset_index(drop=True)[
        RANK_COLUMNS]
