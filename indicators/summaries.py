"""What the standard figures show, as data: the rows a figure selects and the statistics it
draws besides the results themselves.

The charts (:mod:`indicators.charts`) draw; this module decides and computes, so that every
number a figure shows is tested here, away from any drawing:

- :func:`results_frame` reads results of any origin (computed, imported counts, published
  figures) into one shape; :func:`latest_rows`, :func:`primary_sources` and
  :func:`one_per_country` choose the period and the source a figure shows for each country.
- :func:`comparison_rows` selects the cell compared across countries, and
  :func:`reference_median` its population-weighted median (the dashed line of a comparison).
- :func:`pathway_summary` counts children at each stage of the justice system and turns the
  counts into rates per 100,000 children with exact Poisson intervals.

The functions read protected results as readily as computed ones: a value hidden by disclosure
control is missing here too, and never enters a median or a rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats
from .registry import declaration, get_spec, load_definitions, unit_spec

__all__ = [
    "PATHWAY_COLUMNS",
    "ReferenceMedian",
    "comparison_rows",
    "latest_rows",
    "median_of_rows",
    "one_per_country",
    "pathway_rows",
    "pathway_summary",
    "population_indicators",
    "population_weights",
    "primary_sources",
    "reference_median",
    "results_frame",
    "source_family",
]

PATHWAY_COLUMNS = ["stage", "indicator", "column", "count", "population", "value", "ci_lower",
                   "ci_upper", "confidence_level"]
"""Columns of :func:`pathway_summary`, one row per stage of the declared pathway."""

_TEXT_COLUMNS = ("country_name", "region", "source", "caveats", "flags", "indicator_name",
                 "origin", "census_date")
_ORIGIN_ORDER = {"records": 0, "counts": 1, "published": 2}


# --------------------------------------------------------------------------- rows of a figure


def source_family(source: str, region: str) -> str:
    """A short name of the source family: the region's bracket ('UNODC', 'synthetic'), else
    the source up to its first comma or bracket ('' when neither is given)."""
    region, source = str(region), str(source)
    if "(" in region and region.endswith(")"):
        return region[region.rindex("(") + 1:-1]
    if source:
        return source.split(",")[0].split(" (")[0][:28].strip()
    return ""


def results_frame(results) -> pd.DataFrame:
    """The results in the one shape the figures read.

    Parameters
    ----------
    results : DataFrame or object with ``.indicators``
        Rows of an indicators frame of any origin (computed, ``from_counts``, published).

    Returns
    -------
    DataFrame
        A copy: every text column present (``''`` when absent), ``country_name`` defaulting to
        the code, ``origin`` to ``records``, ``region`` to "Region not given"; value, counts
        and bounds as float; dates as Timestamps, ``census_date`` defaulting to the period
        end; ``_family`` (the source family, :func:`source_family`, else the origin) and
        ``_entity`` (``country|family``: one country seen through one source).

    Raises
    ------
    TypeError
        When ``results`` holds no indicators frame.
    """
    frame = getattr(results, "indicators", results)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("results must be an indicators DataFrame or have an .indicators frame")
    f = frame.copy()
    for col in _TEXT_COLUMNS:
        if col not in f.columns:
            f[col] = ""
        f[col] = f[col].astype("string").fillna("")
    f["country_name"] = f["country_name"].where(f["country_name"] != "", f["country"])
    f["origin"] = f["origin"].replace("", "records")
    for col in ("value", "numerator", "denominator", "ci_lower", "ci_upper"):
        f[col] = pd.to_numeric(f[col], errors="coerce").astype(float)
    for col in ("period_start", "period_end", "census_date"):
        f[col] = pd.to_datetime(f[col].astype("string").replace("", None), errors="coerce")
    f["census_date"] = f["census_date"].fillna(f["period_end"])
    f["region"] = f["region"].replace("", "Region not given")
    fam = [source_family(src, reg) or org for src, reg, org in
           zip(f["source"], f["region"], f["origin"], strict=True)]
    f["_family"] = pd.Series(fam, index=f.index, dtype="string")
    f["_entity"] = f["country"].astype("string") + "|" + f["_family"]
    return f


def latest_rows(rows: pd.DataFrame, keys: Sequence[str], period=None) -> pd.DataFrame:
    """One row per key: that of the chosen period, else of the latest period end.

    ``period`` is a year (``2024``, ``"2024"``: any period ending in it) or an ISO period end.
    Rows are those of :func:`results_frame`.
    """
    if period is not None:
        p = str(period)
        if len(p) == 4:
            rows = rows[rows["period_end"].dt.year == int(p)]
        else:
            rows = rows[rows["period_end"] == pd.Timestamp(p)]
    rows = rows.sort_values("period_end", kind="stable")
    return rows.drop_duplicates(list(keys), keep="last")


def one_per_country(rows: pd.DataFrame, primary: dict | None = None) -> pd.DataFrame:
    """One row per country: the country's primary source if given, else records before counts
    before published figures; then rows with a value (or suppressed), then the latest period."""
    r = rows.assign(_o=rows["origin"].map(_ORIGIN_ORDER).fillna(1),
                    _has=rows["value"].notna() | rows["flags"].str.contains("suppressed"))
    if primary:
        r["_p"] = [0 if primary.get(c) == s else 1 for c, s in zip(r["country"], r["_family"],
                                                                  strict=True)]
    else:
        r["_p"] = 0
    r = r.sort_values(["country", "_p", "_has", "_o", "period_end"],
                      ascending=[True, True, False, True, False], kind="stable")
    return r.drop_duplicates("country").drop(columns=["_o", "_has", "_p"])


def primary_sources(rows: pd.DataFrame) -> dict[str, str]:
    """Per country, the source family giving most of the indicators with a value (records
    first, then counts, then published figures; then the latest period)."""
    r = rows[rows["value"].notna()]
    g = r.groupby(["country", "_family"], sort=False).agg(
        n=("indicator", "nunique"), o=("origin", lambda s: _ORIGIN_ORDER.get(s.iloc[0], 1)),
        last=("period_end", "max")).reset_index()
    g = g.sort_values(["country", "o", "n", "last"], ascending=[True, True, False, False])
    first = g.drop_duplicates("country")
    return dict(zip(first["country"], first["_family"], strict=True))


def comparison_rows(frame: pd.DataFrame, indicator: str, *, dimension: str | None = None,
                    group: str = "all", period=None) -> pd.DataFrame:
    """The cell compared across countries: one row per country and source family.

    ``frame`` is a :func:`results_frame`; the dimension defaults to ``total`` for the group
    ``all`` (any dimension holding the group otherwise); the period to each entity's latest.
    """
    dim = dimension or ("total" if group == "all" else None)
    rows = frame[(frame["indicator"] == indicator) & (frame["group"] == group)]
    if dim:
        rows = rows[rows["dimension"] == dim]
    return latest_rows(rows, ["_entity"], period)


# --------------------------------------------------------------------------- reference median


def population_indicators() -> list[str]:
    """Indicators whose denominator is the child population, in the order of the declaration
    (``denominator_source = "child_population"``)."""
    return [s.id for s in load_definitions() if s.denominator_source == "child_population"]


def _child_rate_unit() -> str:
    """The unit of the population indicators (rates per 100,000 children)."""
    return get_spec(population_indicators()[0]).unit


def population_weights(frame: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Child population of each row of ``rows``.

    A total rate per 100,000 children weighs its own denominator; any other row the
    denominator of its country's population indicator (:func:`population_indicators`) total of
    the same period end, else of the country's latest period; NaN when the country has none.
    Both frames are :func:`results_frame` rows.
    """
    unit = _child_rate_unit()
    pop_rows = frame[(frame["unit"] == unit)
                     & frame["indicator"].isin(population_indicators())
                     & (frame["group"] == "all") & frame["denominator"].notna()]
    lookup = {(r.country, r.period_end): r.denominator for r in pop_rows.itertuples()}
    any_period = {r.country: r.denominator for r in pop_rows.sort_values("period_end").itertuples()}
    out = []
    for r in rows.itertuples():
        if r.unit == unit and r.group == "all" and pd.notna(r.denominator):
            out.append(r.denominator)
        else:
            out.append(lookup.get((r.country, r.period_end), any_period.get(r.country, np.nan)))
    return np.asarray(out, dtype=float)


@dataclass(frozen=True)
class ReferenceMedian:
    """The population-weighted median of a comparison, with its basis.

    Attributes
    ----------
    value : float
        The median (NaN when fewer than two rows have a population weight).
    countries : int
        Rows (countries, or a country seen through one source) with a positive weight.
    basis : str
        What weighs each row, in words.
    """

    value: float
    countries: int
    basis: str

    @property
    def drawn(self) -> bool:
        """Whether there is a median to draw."""
        return bool(np.isfinite(self.value))


def _median_basis() -> str:
    ids = ", ".join(population_indicators())
    return ("child population: a total rate per 100,000 children weighs its own denominator, "
            f"any other value its country's child population ({ids} denominator)")


def median_of_rows(frame: pd.DataFrame, rows: pd.DataFrame) -> ReferenceMedian:
    """:class:`ReferenceMedian` of the values of ``rows`` (rows with a value), weighted by
    :func:`population_weights` looked up in ``frame`` (both :func:`results_frame` rows).

    Notes
    -----
    :func:`indicators.stats.weighted_median`: the smallest value at which the cumulative
    weight reaches half. A median of fewer than two weighted rows is not drawn (NaN).
    """
    w = population_weights(frame, rows)
    k = int(np.sum(np.isfinite(w) & (w > 0)))
    value = stats.weighted_median(rows["value"].to_numpy(), w) if k >= 2 else np.nan
    return ReferenceMedian(float(value), k, _median_basis())


def reference_median(results, indicator: str, *, dimension: str | None = None,
                     group: str = "all", period=None,
                     countries: Sequence[str] | None = None) -> ReferenceMedian:
    """The population-weighted median of one indicator across countries.

    The rows are those a comparison of the indicator compares (:func:`comparison_rows`: the
    cell, each country's and source's latest or chosen period) that have a value; each weighs
    its child population (:func:`population_weights`).

    Parameters
    ----------
    results : DataFrame or object with ``.indicators``
        Results of any origin.
    indicator : str
        Indicator id (or another code of the results).
    dimension, group, period
        The cell and period, as in :func:`comparison_rows`.
    countries : sequence of str, optional
        Country codes taken into account (default all).

    Returns
    -------
    ReferenceMedian
    """
    frame = results_frame(results)
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
    rows = comparison_rows(frame, indicator, dimension=dimension, group=group, period=period)
    return median_of_rows(frame, rows[rows["value"].notna()])


# --------------------------------------------------------------------------- pathway


def pathway_rows(frame: pd.DataFrame, country: str, period=None) -> pd.DataFrame:
    """The total rows a country's pathway reads: its primary source, one period (the chosen
    one, else each indicator's latest). ``frame`` is a :func:`results_frame`."""
    rows = frame[(frame["country"] == country) & (frame["dimension"] == "total")
                 & (frame["group"] == "all")]
    rows = rows[rows["_family"] == primary_sources(rows).get(country, "")]
    return latest_rows(rows, ["indicator"], period)


def pathway_summary(results, country: str, *, period=None,
                    confidence_level: float = 0.95) -> pd.DataFrame:
    """Children at each stage of the justice system, per 100,000 children, for one country.

    Parameters
    ----------
    results : DataFrame or object with ``.indicators``
        Results holding the country's total rows.
    country : str
        Country code.
    period : int or str, optional
        A year or an ISO period end (default each indicator's latest).
    confidence_level : float
        Of the intervals.

    Returns
    -------
    DataFrame
        :data:`PATHWAY_COLUMNS`, one row per declared stage (``declaration().pathway``) in its
        order: the stage's label, the indicator and column counted, the count (NaN when the
        indicator is not in the results), the child population, the rate and its interval.

    Notes
    -----
    Each count is one column of an indicator's total row (:func:`pathway_rows`), e.g. the
    arrests of JJ01's numerator; events are counted unless the results used
    ``count_unit = child``. The rate is ``count / population x 100,000`` with the exact
    Poisson (Garwood) interval of :func:`indicators.stats.rate_ci`. The population is the
    denominator of the first population indicator (:func:`population_indicators`) with one;
    NaN rates when there is none.
    """
    rows = pathway_rows(results_frame(results), country, period)
    by = {r.indicator: r for r in rows.itertuples()}
    pop = np.nan
    for code in population_indicators():
        r = by.get(code)
        if r is not None and np.isfinite(r.denominator):
            pop = r.denominator
            break
    stages = declaration().pathway
    counts = np.asarray([getattr(by[s.indicator], s.column) if s.indicator in by else np.nan
                         for s in stages], dtype=float)
    multiplier = unit_spec(_child_rate_unit()).multiplier
    value, lo, hi = stats.rate_ci(counts, np.full(len(counts), pop), multiplier,
                                  confidence_level)
    return pd.DataFrame({
        "stage": [s.label for s in stages], "indicator": [s.indicator for s in stages],
        "column": [s.column for s in stages], "count": counts,
        "population": np.full(len(counts), pop, dtype=float), "value": value,
        "ci_lower": lo, "ci_upper": hi, "confidence_level": confidence_level,
    }, columns=PATHWAY_COLUMNS)
