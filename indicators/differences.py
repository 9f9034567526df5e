"""Comparisons of two cells (``differences.csv``): is a change or a gap larger than chance?

:func:`compute_differences` takes an indicators frame (``compute_indicators(...).indicators``,
rows of ``from_counts``, or several of them concatenated: countries and periods) and returns one
row per comparison of two cells of the same indicator, dimension and group:

``trend``
    each dataset (a) against the same country's period just before it in the frame (b);
``country``
    each country's latest period against every other country's latest period, each unordered
    pair once, a being the country whose code sorts first;
``sex``
    within each dataset, ``F`` (a) against ``M`` (b); ``dimension = sex``, ``group = F:M``.

Trend and country rows compare every dimension and group the two cells share. Only rate and
percentage indicators computed from records or counts take part: rows with
``origin = published`` (published-only figures, whose counts are not all known) are left out.

Measures (:mod:`indicators.stats`):

- rates: ``rate_ratio`` = value_a / value_b, exact conditional interval
  (:func:`~indicators.stats.rate_ratio_ci`), ``method = exact_conditional``;
- percentages: ``difference`` = value_a - value_b in percentage points, Newcombe's hybrid
  score interval (:func:`~indicators.stats.proportion_difference_ci`), ``method = newcombe``.

``significant`` is ``true`` when the interval excludes 1 (ratio) or 0 (difference), ``false``
otherwise, empty when the estimate is undefined (a zero or missing denominator; for a ratio also
b's value 0), in which case estimate and interval are empty and the row is still written.
``comparable`` is ``false`` when the two cells differ in counting unit (indicators that
``count_unit`` changes), in deaths denominator (JJ06), or either carries ``definition_differs``.
A comparison involving a cell flagged ``suppressed`` (public mode) is not written.

Where a cell's counting unit and deaths denominator come from, in this order: the frame's
``count_unit`` / ``deaths_denominator`` columns when it has them; the ``count_unit=...`` /
``deaths_denominator=...`` notes that ``compute_indicators`` writes in ``caveats``; the flag
``census_denominator`` (JJ06 rows of ``from_counts``); else the defaults ``event`` and
``average_daily_population``.

References
----------
The output contract, section "Comparisons: differences.csv" (the specification this module
implements; the user documentation, docs/outputs.md, will describe the file once the pipeline
writes it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import stats
from .registry import DIMENSIONS, load_definitions

__all__ = [
    "COMPARISON_KINDS",
    "DIFFERENCE_COLUMNS",
    "compare_cells",
    "compare_with_country",
    "comparison_cells",
    "compute_differences",
    "country_pairs",
    "sex_pairs",
    "trend_pairs",
]

DIFFERENCE_COLUMNS = [
    "kind", "indicator", "dimension", "group", "country_a", "period_end_a", "country_b",
    "period_end_b", "value_a", "value_b", "numerator_a", "denominator_a", "numerator_b",
    "denominator_b", "measure", "estimate", "ci_lower", "ci_upper", "method", "significant",
    "comparable",
]
COMPARISON_KINDS = ("trend", "country", "sex")

MEASURES = {"rate": ("rate_ratio", "exact_conditional"),
            "percentage": ("difference", "newcombe")}
DEFAULT_COUNT_UNIT = "event"
DEFAULT_DEATHS_DENOMINATOR = "average_daily_population"
SUPPRESSED = "suppressed"
DEFINITION_DIFFERS = "definition_differs"
CENSUS_DENOMINATOR = "census_denominator"
ORIGIN_ORDER = {"records": 0, "counts": 1, "published": 2}

_KEY = ["indicator", "dimension", "group"]
_COUNT_UNIT_NOTE = re.compile(r"\bcount_unit=(\w+)")
_DEATHS_NOTE = re.compile(r"\bdeaths_denominator=(\w+)")


def _definition_sets() -> tuple[frozenset[str], frozenset[str], dict[str, int]]:
    """Indicators ``count_unit`` changes, indicators with a deaths denominator, their order."""
    specs = load_definitions()
    count_unit = frozenset(s.id for s in specs if getattr(s, "count_unit_applies", False))
    deaths = frozenset(s.id for s in specs if getattr(s, "cohort", "") == "deaths")
    order = {s.id: i for i, s in enumerate(specs)}
    return count_unit, deaths, order


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip()


def _has_flag(flags: pd.Series, code: str) -> pd.Series:
    return flags.map(lambda f: code in (part.strip() for part in f.split(";")))


def _kind_of(frame: pd.DataFrame) -> pd.Series:
    """rate / percentage / other, from the ``kind`` column or else the unit."""
    kind = _text(frame, "kind")
    unit = _text(frame, "unit").str.lower()
    from_unit = np.where(unit.str.startswith("per "), "rate",
                         np.where(unit.isin(["percent", "%"]), "percentage", "other"))
    return kind.where(kind.isin(["rate", "percentage", "duration", "policy"]),
                      pd.Series(from_unit, index=frame.index))


def _note(frame: pd.DataFrame, column: str, pattern: re.Pattern, default: str) -> pd.Series:
    explicit = _text(frame, column)
    noted = _text(frame, "caveats").str.extract(pattern, expand=False).fillna("")
    return explicit.where(explicit != "", noted).replace("", default)


def comparison_cells(frame: pd.DataFrame, *, include_published: bool = False) -> pd.DataFrame:
    """The rate and percentage cells of an indicators frame, with what comparisons need.

    Parameters
    ----------
    frame : DataFrame
        An indicators frame (the ``indicators.csv`` columns; ``kind``, ``caveats``, ``origin``,
        ``unit``, ``region``, ``country_name``, ``count_unit`` and ``deaths_denominator`` are
        read when present).
    include_published : bool
        Keep rows of ``origin = published`` too (``differences.csv`` does not; the regional
        aggregates may).

    Returns
    -------
    DataFrame
        One row per (country, period_end, indicator, dimension, group): where several rows
        share it, the first of ``records``, then ``counts``, then ``published`` origin. Columns:
        the key, ``value, numerator, denominator`` (floats), ``country_name, region, origin,
        unit, flags`` (text) and ``_kind`` (rate / percentage), ``_count_unit`` (empty where
        ``count_unit`` does not apply), ``_deaths`` (empty except JJ06), ``_differs`` and
        ``_suppressed`` (booleans).
    """
    missing = [c for c in ("country", "period_end", *_KEY, "value", "numerator",
                           "denominator", "flags") if c not in frame.columns]
    if missing:
        raise ValueError("indicators frame: missing column(s): " + ", ".join(missing))
    f = frame.reset_index(drop=True)
    kind = _kind_of(f)
    origin = _text(f, "origin").replace("", "records")
    keep = kind.isin(list(MEASURES)) & (include_published | (origin != "published"))
    f, kind, origin = f[keep], kind[keep], origin[keep]
    flags = _text(f, "flags")
    count_unit_ids, deaths_ids, _ = _definition_sets()
    indicator = _text(f, "indicator")
    deaths = _note(f, "deaths_denominator", _DEATHS_NOTE, "")
    deaths = deaths.where(deaths != "", np.where(_has_flag(flags, CENSUS_DENOMINATOR),
                                                  "census", DEFAULT_DEATHS_DENOMINATOR))
    cells = pd.DataFrame({
        "country": _text(f, "country"),
        "period_end": _text(f, "period_end"),
        "indicator": indicator,
        "dimension": _text(f, "dimension"),
        "group": _text(f, "group"),
        "value": pd.to_numeric(f["value"], errors="coerce").astype(float),
        "numerator": pd.to_numeric(f["numerator"], errors="coerce").astype(float),
        "denominator": pd.to_numeric(f["denominator"], errors="coerce").astype(float),
        "country_name": _text(f, "country_name"),
        "region": _text(f, "region"),
        "origin": origin,
        "unit": _text(f, "unit"),
        "flags": flags,
        "_kind": kind,
        "_count_unit": _note(f, "count_unit", _COUNT_UNIT_NOTE, DEFAULT_COUNT_UNIT)
        .where(indicator.isin(count_unit_ids), ""),
        "_deaths": deaths.where(indicator.isin(deaths_ids), ""),
        "_differs": _has_flag(flags, DEFINITION_DIFFERS),
        "_suppressed": _has_flag(flags, SUPPRESSED),
    })
    rank = cells["origin"].map(ORIGIN_ORDER).fillna(len(ORIGIN_ORDER))
    cells = cells.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")
    cells = cells.drop_duplicates(["country", "period_end", *_KEY], keep="first")
    return cells.sort_index().reset_index(drop=True)


def _pair(a: pd.DataFrame, b: pd.DataFrame, on: list[str], kind: str) -> pd.DataFrame:
    pairs = a.merge(b, on=on, suffixes=("_a", "_b"))
    pairs.insert(0, "kind", kind)
    return pairs


def trend_pairs(cells: pd.DataFrame) -> pd.DataFrame:
    """Each dataset (a) against the same country's period just before it (b).

    Parameters
    ----------
    cells : DataFrame
        The output of :func:`comparison_cells`.

    Returns
    -------
    DataFrame
        One row per cell the two datasets share, the cells' columns suffixed ``_a`` / ``_b``.
    """
    periods = cells[["country", "period_end"]].drop_duplicates().sort_values(
        ["country", "period_end"])
    periods["previous"] = periods.groupby("country")["period_end"].shift(1)
    periods = periods.dropna(subset=["previous"])
    a = cells.merge(periods, on=["country", "period_end"])
    b = cells.rename(columns={"period_end": "previous"})
    pairs = a.merge(b, on=["country", "previous", *_KEY], suffixes=("_a", "_b"))
    pairs = pairs.rename(columns={"period_end": "period_end_a", "previous": "period_end_b"})
    pairs["country_a"] = pairs["country_b"] = pairs.pop("country")
    pairs.insert(0, "kind", "trend")
    return pairs


def country_pairs(cells: pd.DataFrame) -> pd.DataFrame:
    """Each country's latest period against every other's; each unordered pair once.

    Returns
    -------
    DataFrame
        a is the country whose code sorts first; one row per cell both latest periods share.
    """
    latest = cells.groupby("country")["period_end"].transform("max")
    last = cells[cells["period_end"] == latest]
    pairs = _pair(last, last, _KEY, "country")
    return pairs[pairs["country_a"] < pairs["country_b"]]


def sex_pairs(cells: pd.DataFrame) -> pd.DataFrame:
    """Within each dataset, girls (``F``, a) against boys (``M``, b).

    Returns
    -------
    DataFrame
        ``dimension = sex``, ``group = F:M``; one row per dataset and indicator with both.
    """
    sex = cells[cells["dimension"] == "sex"]
    girls = sex[sex["group"] == "F"].drop(columns="group")
    boys = sex[sex["group"] == "M"].drop(columns="group")
    a = girls.rename(columns={"country": "country_a", "period_end": "period_end_a"})
    a["country_b"], a["period_end_b"] = a["country_a"], a["period_end_a"]
    b = boys.rename(columns={"country": "country_a", "period_end": "period_end_a"})
    pairs = a.merge(b, on=["country_a", "period_end_a", "indicator", "dimension"],
                    suffixes=("_a", "_b"))
    pairs["group"] = "F:M"
    pairs.insert(0, "kind", "sex")
    return pairs


def _boolean_text(values: np.ndarray, defined: np.ndarray | None = None) -> np.ndarray:
    out = np.where(values, "true", "false").astype(object)
    if defined is not None:
        out[~defined] = ""
    return out


def compare_cells(pairs: pd.DataFrame, *, confidence_level: float) -> pd.DataFrame:
    """Estimate, interval, ``significant`` and ``comparable`` of paired cells.

    Parameters
    ----------
    pairs : DataFrame
        Output of :func:`trend_pairs`, :func:`country_pairs` or :func:`sex_pairs` (or
        several concatenated).
    confidence_level : float
        The run's ``confidence_level``.

    Returns
    -------
    DataFrame
        The ``DIFFERENCE_COLUMNS``; ``significant`` and ``comparable`` as the text written
        to the file (``true`` / ``false``, ``significant`` empty when undefined).
    """
    p = pairs.reset_index(drop=True)
    kind = p["_kind_a"].to_numpy()
    if (kind != p["_kind_b"].to_numpy()).any():
        raise ValueError("paired cells must be of the same kind (rate or percentage)")
    rate = kind == "rate"
    na, da = p["numerator_a"].to_numpy(float), p["denominator_a"].to_numpy(float)
    nb, db = p["numerator_b"].to_numpy(float), p["denominator_b"].to_numpy(float)
    ratio, r_lo, r_hi = stats.rate_ratio_ci(na, da, nb, db, confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff, d_lo, d_hi = stats.proportion_difference_ci(na, da, nb, db, confidence_level)
    estimate = np.where(rate, ratio, 100 * diff)
    lower = np.where(rate, r_lo, 100 * d_lo)
    upper = np.where(rate, r_hi, 100 * d_hi)
    defined = ~np.isnan(estimate)
    lower[~defined] = upper[~defined] = np.nan
    null = np.where(rate, 1.0, 0.0)
    with np.errstate(invalid="ignore"):
        significant = (lower > null) | (upper < null)
    comparable = ~(
        p["_differs_a"].to_numpy(bool) | p["_differs_b"].to_numpy(bool)
        | (p["_count_unit_a"].to_numpy() != p["_count_unit_b"].to_numpy())
        | (p["_deaths_a"].to_numpy() != p["_deaths_b"].to_numpy())
    )
    out = pd.DataFrame({
        "kind": p["kind"],
        "indicator": p["indicator"],
        "dimension": p["dimension"],
        "group": p["group"],
        "country_a": p["country_a"],
        "period_end_a": p["period_end_a"],
        "country_b": p["country_b"],
        "period_end_b": p["period_end_b"],
        "value_a": p["value_a"].astype(float),
        "value_b": p["value_b"].astype(float),
        "numerator_a": na,
        "denominator_a": da,
        "numerator_b": nb,
        "denominator_b": db,
        "measure": np.where(rate, MEASURES["rate"][0], MEASURES["percentage"][0]),
        "estimate": estimate,
        "ci_lower": lower,
        "ci_upper": upper,
        "method": np.where(rate, MEASURES["rate"][1], MEASURES["percentage"][1]),
        "significant": _boolean_text(significant, defined),
        "comparable": _boolean_text(comparable),
    })
    return out[DIFFERENCE_COLUMNS]


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in DIFFERENCE_COLUMNS})
    for c in ("value_a", "value_b", "numerator_a", "denominator_a", "numerator_b",
              "denominator_b", "estimate", "ci_lower", "ci_upper"):
        out[c] = out[c].astype(float)
    return out


def compute_differences(
    frame: pd.DataFrame,
    *,
    confidence_level: float,
    kinds: Iterable[str] = COMPARISON_KINDS,
) -> pd.DataFrame:
    """The comparisons of ``differences.csv`` from an indicators frame.

    Parameters
    ----------
    frame : DataFrame
        Indicators rows of one or more datasets (countries, periods), from records
        (``compute_indicators``) or counts (``from_counts``); published reference rows may be
        included and are left out. In public mode pass the disclosed frame: comparisons
        involving a ``suppressed`` cell are dropped.
    confidence_level : float
        The run's ``confidence_level`` (the level of every interval).
    kinds : iterable of str
        Which comparisons: any of ``trend``, ``country``, ``sex``.

    Returns
    -------
    DataFrame
        ``DIFFERENCE_COLUMNS``, ordered by kind (trend, country, sex), country_a, period_end_a,
        country_b, period_end_b, indicator (definitions order), dimension, group.

    Raises
    ------
    ValueError
        A column of the contract is missing, or an unknown kind is asked for.

    Examples
    --------
    >>> diffs = compute_differences(results.indicators, confidence_level=0.95)  # doctest: +SKIP
    >>> diffs[(diffs.kind == "trend") & (diffs.significant == "true")]  # doctest: +SKIP
    """
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in COMPARISON_KINDS]
    if unknown:
        raise ValueError(f"unknown comparison kind(s) {unknown}; choose from {COMPARISON_KINDS}")
    cells = comparison_cells(frame)
    builders = {"trend": trend_pairs, "country": country_pairs, "sex": sex_pairs}
    parts = [builders[k](cells) for k in COMPARISON_KINDS if k in kinds]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    pairs = pd.concat(parts, ignore_index=True)
    pairs = pairs[~(pairs["_suppressed_a"].astype(bool) | pairs["_suppressed_b"].astype(bool))]
    if pairs.empty:
        return _empty()
    out = compare_cells(pairs, confidence_level=confidence_level)
    _, _, order = _definition_sets()
    dim_order = {d: i for i, d in enumerate(DIMENSIONS)}
    sort = pd.DataFrame({
        "k": out["kind"].map({k: i for i, k in enumerate(COMPARISON_KINDS)}),
        "ca": out["country_a"], "pa": out["period_end_a"],
        "cb": out["country_b"], "pb": out["period_end_b"],
        "i": out["indicator"].map(order).fillna(len(order)), "i2": out["indicator"],
        "d": out["dimension"].map(dim_order).fillna(len(dim_order)), "g": out["group"],
    })
    idx = sort.sort_values(list(sort.columns), kind="stable").index
    return out.loc[idx].reset_index(drop=True)


def compare_with_country(
    frame: pd.DataFrame, country: str, *, confidence_level: float
) -> pd.DataFrame:
    """Every other country's latest figures against one chosen country's (for ratio charts).

    Parameters
    ----------
    frame : DataFrame
        As for :func:`compute_differences`.
    country : str
        The country the others are compared with (b in every row).
    confidence_level : float
        The run's ``confidence_level``.

    Returns
    -------
    DataFrame
        ``DIFFERENCE_COLUMNS`` with ``kind = country``: the rows of ``differences.csv`` that
        involve the chosen country, turned so that a is always the other country (a ratio
        and its interval inverted, a difference negated). Empty when the country has no
        figure.
    """
    cells = comparison_cells(frame)
    latest = cells.groupby("country")["period_end"].transform("max")
    last = cells[(cells["period_end"] == latest) & ~cells["_suppressed"]]
    chosen = last[last["country"] == country]
    others = last[last["country"] != country]
    pairs = _pair(others, chosen, _KEY, "country")
    if pairs.empty:
        return _empty()
    return compare_cells(pairs, confidence_level=confidence_level).sort_values(
        ["country_a", "indicator", "dimension", "group"], kind="stable").reset_index(drop=True)
