"""Aggregate input: turn a table of counts into rows of the indicators frame.

Many countries hold only aggregate figures (a count of children in detention on a day, a
population, a number of decisions). :func:`from_counts` turns such a table into rows of the
``indicators.csv`` contract with the same intervals and small-number flags as the engine, so a
country without individual records appears in every table and chart beside the others.

The input table has one row per country, period, indicator and group:

======================  ====================================================================
column                  content
======================  ====================================================================
country                 country (or area) code, e.g. ``POL`` or ``US-AL``
period                  a calendar year (or give ``period_start`` and ``period_end``)
indicator               ``JJ01`` ... ``JJ15``; another code needs ``unit`` and ``indicator_name``
group                   ``all`` for the total, else the group's code
dimension               optional; ``total`` when group is ``all``, ``sex`` for F/M/U,
                        ``age_group`` for 0-13/14-15/16-17/unknown, else required
numerator, denominator  the count and its denominator (population, decisions, ...)
notes                   free text: becomes the ``caveats`` column
======================  ====================================================================

Optional columns: ``country_name``, ``region``, ``source``, ``census_date``, ``caveats`` (more
caveat text), ``definition_differs`` (true/false), ``value`` (a published value: policy
answers yes/no, median days for JJ04/JJ05, or a published rate whose denominator is not
given), ``unit``, ``indicator_name``, ``multiplier``, ``flags`` (extra flag codes, ``;``
separated), ``origin`` (``counts`` by default, ``published`` for published figures).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import stats
from .codes import AGE_GROUPS, SEX, UNKNOWN_AGE_GROUP
from .parameters import Parameters
from .registry import COMPARISON_COLUMNS, RESULT_COLUMNS, load_definitions, unit_spec

__all__ = ["from_counts", "kind_of_unit", "read_counts"]

# Separator of caveat sentences in the ``caveats`` column (charts number each sentence once).
CAVEAT_SEPARATOR = " | "

_DEFINITION_DIFFERS = re.compile(
    r"definition[s]? differ|differs? from the manual|national definition|not exactly JJ",
    re.IGNORECASE,
)


def kind_of_unit(unit: str) -> tuple[str, float]:
    """Kind and multiplier of a unit: a declared unit's own, else read from its words (a
    counts file may publish another unit, e.g. ``per 100,000 children aged 14-17``).

    Raises
    ------
    ValueError
        A unit that is neither declared nor readable.
    """
    try:
        spec = unit_spec(unit)
        return spec.kind, float(spec.multiplier)
    except KeyError:
        pass
    low = unit.strip().lower()
    m = re.match(r"per ([\d,]+)", low)
    if m:
        return "rate", float(m.group(1).replace(",", ""))
    if low in ("percent", "%"):
        return "percentage", 100.0
    if low == "days":
        return "duration", 1.0
    if low in ("yes/no", "boolean"):
        return "policy", 1.0
    raise ValueError(f"unknown unit {unit!r}")


# --------------------------------------------------------------------------- parsing helpers


def _number(s: pd.Series) -> pd.Series:
    """Numbers from text; '', '-', '..' and 'n/a' (not available in the source) become NaN."""
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    text = s.astype("string").str.strip().str.replace(",", "", regex=False)
    text = text.mask(text.isin(["", "-", "..", "n/a", "NA", "na", "x"]))
    return pd.to_numeric(text, errors="coerce").astype(float)


def _yes_no(v: object) -> float:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return np.nan
    t = str(v).strip().lower()
    if t in ("1", "1.0", "yes", "true", "y"):
        return 1.0
    if t in ("0", "0.0", "no", "false", "n"):
        return 0.0
    return np.nan


def _text(s: pd.Series | None, n: int) -> pd.Series:
    if s is None:
        return pd.Series([""] * n, dtype="string")
    return s.astype("string").fillna("").str.strip()


def _default_dimension(group: str) -> str:
    if group == "all":
        return "total"
    if group in SEX:
        return "sex"
    if group in (*AGE_GROUPS, UNKNOWN_AGE_GROUP):
        return "age_group"
    return ""


def _iso(ts) -> str:
    return "" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def _join_flags(*parts: str) -> str:
    seen: list[str] = []
    for part in parts:
        for code in str(part).split(";"):
            code = code.strip()
            if code and code not in seen:
                seen.append(code)
    return ";".join(seen)


# --------------------------------------------------------------------------- main function


def from_counts(
    table: pd.DataFrame, parameters: Parameters | None = None, **overrides
) -> pd.DataFrame:
    """Rows of the indicators frame from a table of counts and denominators.

    Parameters
    ----------
    table : DataFrame
        One row per country, period, indicator and group, with the columns described in the
        module docstring (numbers may be text; ``-`` or empty means not available).
    parameters : Parameters, optional
        The run's parameters; ``confidence_level`` sets the intervals,
        ``small_numerator_threshold`` and ``small_denominator_threshold`` the small-number
        flags (as the engine does).
    **overrides
        Keyword values of those parameters (checked as everywhere).

    Returns
    -------
    DataFrame
        ``registry.COMPARISON_COLUMNS``; dates as ISO strings, flags ``;``-joined.

    Raises
    ------
    ValueError
        Listing every problem at once: missing columns, unknown indicators without a unit,
        a dimension that cannot be inferred, negative counts, a percentage numerator above
        its denominator, unreadable periods.

    Notes
    -----
    - Rates: ``numerator / denominator * multiplier`` with the exact Poisson interval
      (``stats.rate_ci``); the multiplier comes from the unit (100,000 or 1,000).
    - Percentages: ``100 * numerator / denominator`` with the Wilson interval
      (``stats.proportion_ci``).
    - A rate published without its denominator (``value`` given, ``denominator`` empty) keeps
      the published value; its interval is the Poisson interval of the count scaled by
      ``value / numerator`` (the population the published rate implies) and it is flagged
      ``published_rate``.
    - Policy indicators take ``value`` (yes/no/1/0) or the numerator as 1/0; durations take the
      published median in ``value`` and the cohort size in ``numerator``.
    - ``notes`` and ``caveats`` are joined into the ``caveats`` column; the flag
      ``definition_differs`` is set when ``definition_differs`` is true or the caveat text says
      the definition differs (e.g. "national definition", "not exactly JJ09").
    - A value that cannot be given (missing numerator or denominator, denominator 0) is empty
      and flagged ``not_available``.

    References
    ----------
    UNICEF/UNODC (2006), *Manual for the Measurement of Juvenile Justice Indicators*.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError("from_counts expects a pandas DataFrame")
    params = (parameters or Parameters()).replace(**overrides)
    t = table.copy()
    t.columns = [str(c).strip().lower() for c in t.columns]
    t = t.reset_index(drop=True)
    _check_columns(t)
    cols = _read_columns(t)
    info = {spec.id: spec for spec in load_definitions()}
    rows, problems = [], []
    for i in range(len(t)):
        row = _row(i, cols, info, params)
        if isinstance(row, str):
            problems.append(f"row {i + 2}: {row}")
        else:
            rows.append(row)
    if problems:
        raise ValueError("counts table: " + "; ".join(problems[:20])
                         + (f"; and {len(problems) - 20} more" if len(problems) > 20 else ""))
    return _assemble(rows, t)


def _check_columns(t: pd.DataFrame) -> None:
    has_period = "period" in t.columns or {"period_start", "period_end"} <= set(t.columns)
    missing = [c for c in ("country", "indicator", "group") if c not in t.columns]
    if not has_period:
        missing.append("period (or period_start and period_end)")
    if "numerator" not in t.columns and "value" not in t.columns:
        missing.append("numerator")
    if missing:
        raise ValueError("counts table: missing column(s): " + ", ".join(missing))


def _periods(t: pd.DataFrame, n: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Start, end and census day of each row: explicit dates, else the calendar year of
    ``period``; the census day defaults to the period's end."""
    if {"period_start", "period_end"} <= set(t.columns):
        start = pd.to_datetime(_text(t["period_start"], n).replace("", None), errors="coerce")
        end = pd.to_datetime(_text(t["period_end"], n).replace("", None), errors="coerce")
    else:
        start = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
        end = start.copy()
    if "period" in t.columns:
        year = pd.to_numeric(_text(t["period"], n).str.extract(r"^(\d{4})", expand=False),
                             errors="coerce")
        from_year = year.notna() & (start.isna() | end.isna())
        ytext = year.astype("Int64").astype("string")
        start = start.mask(from_year, pd.to_datetime(ytext + "-01-01", errors="coerce"))
        end = end.mask(from_year, pd.to_datetime(ytext + "-12-31", errors="coerce"))
    census = pd.to_datetime(_text(t.get("census_date"), n).replace("", None), errors="coerce")
    return start, end, census.fillna(end)


def _read_columns(t: pd.DataFrame) -> dict:
    """The columns of a counts table as parsed series (text trimmed, numbers, dates)."""
    n = len(t)
    empty = pd.Series(np.nan, index=t.index)
    start, end, census = _periods(t, n)
    notes, more = _text(t.get("notes"), n), _text(t.get("caveats"), n)
    return {
        "country": _text(t["country"], n),
        "indicator": _text(t["indicator"], n),
        "group": _text(t["group"], n).replace("", "all"),
        "dimension": _text(t.get("dimension"), n),
        "numerator": _number(t["numerator"]) if "numerator" in t.columns else empty,
        "denominator": _number(t["denominator"]) if "denominator" in t.columns else empty,
        "value": t["value"] if "value" in t.columns else pd.Series([None] * n, dtype=object),
        "unit": _text(t.get("unit"), n),
        "name": _text(t.get("indicator_name"), n),
        "multiplier": _number(t["multiplier"]) if "multiplier" in t.columns else empty,
        "start": start,
        "end": end,
        "census": census,
        "caveats": [CAVEAT_SEPARATOR.join(p for p in (a, b) if p)
                    for a, b in zip(notes, more, strict=True)],
        "differs": (t["definition_differs"].map(_yes_no)
                    if "definition_differs" in t.columns else None),
        "flags": _text(t.get("flags"), n),
    }


def _row(i: int, cols: dict, info: dict, params: Parameters) -> dict | str:
    """Row ``i`` of the indicators frame, or the problem that stops it (a message)."""
    code = cols["indicator"].iat[i]
    spec = info.get(code)
    unit = cols["unit"].iat[i] or (spec.unit if spec else "")
    if not code:
        return "indicator is empty"
    if not unit:
        return f"indicator {code!r} is not one of the 15 and has no unit"
    try:
        kind, multiplier = kind_of_unit(unit)
    except ValueError:
        return f"unknown unit {unit!r}"
    if not np.isnan(cols["multiplier"].iat[i]):
        multiplier = cols["multiplier"].iat[i]
    group = cols["group"].iat[i]
    dim = cols["dimension"].iat[i] or _default_dimension(group)
    num, den = cols["numerator"].iat[i], cols["denominator"].iat[i]
    problem = (
        f"give the dimension of group {group!r}" if not dim else
        "period cannot be read" if pd.isna(cols["start"].iat[i]) or pd.isna(cols["end"].iat[i])
        else "country is empty" if not cols["country"].iat[i] else
        "negative count" if (not np.isnan(num) and num < 0) or (not np.isnan(den) and den < 0)
        else f"numerator {num:g} is larger than denominator {den:g}"
        if kind == "percentage" and not np.isnan(num) and not np.isnan(den) and num > den
        else "")
    if problem:
        return problem
    value, lo, hi, num, den, flags = _figure(kind, num, den, cols["value"].iat[i], multiplier,
                                             params)
    flags.insert(0, cols["flags"].iat[i])
    if np.isnan(value):
        flags.insert(0, "not_available")
    differs = cols["differs"] is not None and cols["differs"].iat[i] == 1.0
    if differs or _DEFINITION_DIFFERS.search(cols["caveats"][i] or ""):
        flags.append("definition_differs")
    return {
        "country": cols["country"].iat[i],
        "period_start": _iso(cols["start"].iat[i]),
        "period_end": _iso(cols["end"].iat[i]),
        "census_date": _iso(cols["census"].iat[i]),
        "indicator": code, "dimension": dim, "group": group,
        "value": value, "numerator": num, "denominator": den, "unit": unit,
        "ci_lower": lo, "ci_upper": hi, "flags": _join_flags(*flags),
        "indicator_name": cols["name"].iat[i] or (spec.name if spec else code),
        "core": bool(spec.core) if spec else False, "kind": kind,
        "caveats": cols["caveats"][i], "_i": i,
    }


def _figure(kind: str, num: float, den: float, given, multiplier: float, params: Parameters):
    """Value, interval, counts and flags of one row by its kind (the engine's intervals)."""
    level = params.confidence_level
    flags: list[str] = []
    value = lo = hi = np.nan
    published = _number(pd.Series([given])).iat[0] if kind != "policy" else np.nan
    if kind == "rate":
        if not np.isnan(num) and not np.isnan(den) and den > 0:
            value, lo, hi = (float(x) for x in stats.rate_ci(num, den, multiplier, level))
        elif not np.isnan(num) and not np.isnan(published):
            value = published
            if num > 0:
                plo, phi = stats.poisson_ci(num, level)
                lo, hi = float(plo) * value / num, float(phi) * value / num
            flags.append("published_rate")
        if not np.isnan(num) and num < params.small_numerator_threshold:
            flags.append("small_numerator")
    elif kind == "percentage":
        if not np.isnan(num) and not np.isnan(den) and den > 0:
            p, plo, phi = stats.proportion_ci(num, den, level)
            value, lo, hi = 100 * float(p), 100 * float(plo), 100 * float(phi)
        if not np.isnan(den) and den < params.small_denominator_threshold:
            flags.append("small_denominator")
    elif kind == "duration":
        value, den = published, np.nan
    else:  # policy: a yes/no answer in value, else the numerator as 1/0
        answer = _yes_no(given)
        if np.isnan(answer):
            answer = _yes_no(num)
        value, num, den = answer, np.nan, np.nan
    return value, lo, hi, num, den, flags


def _assemble(rows: list[dict], t: pd.DataFrame) -> pd.DataFrame:
    """The rows as a frame of the comparison columns, with the table's text columns."""
    n = len(t)
    out = pd.DataFrame(rows, columns=[*RESULT_COLUMNS, "indicator_name", "core", "kind",
                                      "caveats", "_i"])
    idx = out.pop("_i").to_numpy()
    for col in ("country_name", "region", "source"):
        out[col] = _text(t.get(col), n).iloc[idx].to_numpy() if len(out) else []
    out["country_name"] = out["country_name"].where(out["country_name"] != "", out["country"])
    out["origin"] = (_text(t.get("origin"), n).replace("", "counts").iloc[idx].to_numpy()
                     if len(out) else [])
    for col in ("value", "numerator", "denominator", "ci_lower", "ci_upper"):
        out[col] = out[col].astype(float)
    out["core"] = out["core"].astype(bool)
    return out[COMPARISON_COLUMNS]


def read_counts(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a counts CSV file (all columns as text) and convert it with :func:`from_counts`."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return from_counts(table, **kwargs)
