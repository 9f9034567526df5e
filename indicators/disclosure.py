"""Disclosure control: small-cell protection applied to results, never to records.

Indicator tables about children are published. A cell showing that 2 girls aged 14-15 were
held can identify them, and a total printed beside its parts can reveal a hidden cell by
subtraction. In ``public`` mode :func:`apply_disclosure` therefore

1. hides every count from 1 to ``threshold - 1`` (*primary suppression*; 0 is published:
   "nobody" identifies no one);
2. hides further cells until no hidden cell can be recovered, or narrowed to a small range, from
   a total and its published parts (*complementary suppression*, below);
3. blanks the value and the interval of every row with a hidden count (a value and a published
   denominator would give the numerator back);
4. optionally rounds the published counts to base 3 and recomputes values and intervals from the
   rounded counts;
5. flags every row with a hidden count ``suppressed`` (and removes ``small_numerator`` /
   ``small_denominator`` from it: those flags would tell a primary cell from a complementary one).

``internal`` mode returns the results unchanged.

Which numbers are counts
------------------------
- ``numerator`` of every rate, percentage and duration (for JJ04/JJ05 it is the cohort size n).
- ``denominator`` of a percentage (records, children, facilities) and of a rate per 100,000
  children (a population: large, so in practice never hidden, but a population of 1-4 would be).
- ``denominator`` of JJ06 (per 1,000 children detained) is a count only with the
  ``census`` and ``distinct_children`` options (children). With the default
  ``average_daily_population`` it is person-time divided by the days in P, not a number of
  persons: it is neither hidden for being small nor rounded, and the deaths numerator carries the
  protection. When the option is not known (a bare frame), the JJ06 denominators are treated as
  counts if they are all whole numbers, else as person-time.
- Policy rows (yes/no) have no counts.

Complementary suppression
-------------------------
The rules are written as *relations* ``whole = sum(parts)`` over count cells:

- for every (country, period, indicator), count column and dimension other than ``total``:
  the ``total/all`` cell is the whole and the dimension's groups are the parts (for a rate's
  denominator in an event dimension -- offence, facility type, legal status -- every group's
  denominator *is* the whole child population, an equality);
- links between indicators declared in ``definitions.toml`` (``[[link]]``: JJ08's
  denominator is JJ02's numerator; JJ10's denominator is JJ09's denominator plus JJ10's
  numerator under ``count_unit = event``; JJ02's ``legal_status/pre_sentence`` cell is
  JJ03's total).

Zeros are never hidden as primary cells. For a relation whose whole is published, with ``H``
hidden parts and ``D = whole - sum(published parts)``, an attacker who takes hidden parts to
be non-zero knows each lies in ``[1, D - (|H| - 1)]``. The relation is **protected** when ``H``
is empty, or ``|H| >= 2`` and ``D - (|H| - 1) >= threshold`` (every hidden part could still be
any small value, or a value at or above the threshold). When a zero is among the hidden parts
(hidden as a last-resort complement, or blanked with its duration group), no hidden part is
known to be non-zero, each lies in ``[0, D]``, and ``D >= threshold`` suffices. A relation whose
whole is hidden is protected when at least one of its non-zero parts is hidden too. Exceptions:
hidden parts that are all zero with ``D = 0`` reveal nothing; a single hidden part is accepted
when the relation is not exact in the data (its parts add up to less than the whole, e.g.
decisions without an offence category) and ``D >= threshold``.

Unprotected relations are repaired by hiding the smallest non-zero published part (ties broken
by dimension and group code, so that the same table gets the same pattern in every indicator);
when no non-zero part is left, a published zero part (if that protects the relation), else the
whole, which then requires a hidden part in every other dimension. Links prefer hiding the
whole. The loop runs until every relation is protected; it only
ever hides cells, so it ends. Protection is checked relation by relation (each dimension is a
one-way table hanging from the total), not by solving the whole system as a linear program; the
tests audit single indicators with a linear program.

Rounding to base 3
------------------
With ``round_base3=True`` every published count derived from records (numerators, percentage
denominators, JJ06 denominators that are counts) is rounded to the nearest multiple of 3, and
up to the next multiple of 3 when that would fall under the threshold (so that no published
count is small). Population denominators (official estimates, not records) are not rounded.
Values and intervals of rates and percentages are then **recomputed** from the rounded counts
with :mod:`indicators.stats`, never left at their exact values: an exact rate beside a known
population gives the exact numerator back and would undo the rounding. Durations keep their
median and interval (statistics of days, not counts). Rounded rows are flagged ``rounded``.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, chapter 4 (tabular data:
primary and secondary suppression, rounding).
Office for National Statistics (2006). *Review of the Dissemination of Health Statistics:
Confidentiality Guidance*, section 6 (threshold 5, base-3 rounding).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from . import stats
from .parameters import Parameters
from .registry import declaration, unit_spec

__all__ = [
    "apply_disclosure",
    "disclose_results",
    "disclosure_policy",
    "hidden_cells",
    "suppress_durations",
    "suppress_reconciliation",
]

SUPPRESSED_FLAG = "suppressed"
ROUNDED_FLAG = "rounded"
#: Flags that would reveal that a hidden count is a *primary* (small) cell.
REVEALING_FLAGS = ("small_numerator", "small_denominator")
#: Dimensions whose rate denominators are the group's own population.
POPULATION_DIMENSIONS = ("sex", "age_group", "area")
#: Dimensions that are attributes of events: a rate's group denominator is the whole population.
EVENT_DIMENSIONS = ("offence", "facility_type", "legal_status")
MODES = ("public", "internal")
KEY_COLUMNS = ("country", "period_start", "period_end")


# --------------------------------------------------------------------------- the engine


@dataclass
class _Relation:
    whole: Hashable
    parts: list[Hashable]
    prefer_whole: bool = False


@dataclass
class _Problem:
    """Count cells (any hashable key -> value) and the relations between them."""

    values: dict[Hashable, float] = field(default_factory=dict)
    order: dict[Hashable, tuple] = field(default_factory=dict)
    relations: list[_Relation] = field(default_factory=list)

    def add_relation(self, whole, parts, prefer_whole=False) -> None:
        parts = [p for p in parts if p in self.values and p != whole]
        if whole in self.values and parts:
            self.relations.append(_Relation(whole, parts, prefer_whole))


def _needed(rel: _Relation, values, hidden: set, threshold: int, order) -> Hashable | None:
    """The next cell to hide for ``rel`` to be protected, or None when it is."""
    parts = rel.parts
    hidden_parts = [p for p in parts if p in hidden]
    candidates = [p for p in parts if p not in hidden and values[p] > 0]

    def pick(cells):
        return min(cells, key=lambda c: (values[c], order.get(c, ()), str(c)))

    if rel.whole in hidden:
        if hidden_parts or not candidates:
            return None
        return pick(candidates)
    if not hidden_parts:
        return None
    whole = values[rel.whole]
    published = sum(values[p] for p in parts if p not in hidden)
    d = whole - published
    if d == 0 and all(values[p] == 0 for p in hidden_parts):
        return None  # hidden zeros (blanked with their group) reveal nothing
    if len(hidden_parts) >= 2:
        if any(values[p] == 0 for p in hidden_parts):
            # a hidden zero means no hidden part is known to be 1 or more: each lies in [0, d]
            if d >= threshold:
                return None
        elif d - (len(hidden_parts) - 1) >= threshold:
            return None
    slack = whole - sum(values[p] for p in parts)
    if len(hidden_parts) == 1 and slack > 0 and d >= threshold:
        return None
    if rel.prefer_whole:
        return rel.whole
    if candidates:
        return pick(candidates)
    zeros = [p for p in parts if p not in hidden and values[p] == 0]
    if zeros and d >= threshold:
        return pick(zeros)  # cheaper than hiding the whole
    return rel.whole


def _solve(problem: _Problem, threshold: int, forced: Iterable[Hashable] = ()) -> set:
    """Primary then complementary suppression; returns the set of hidden cell keys.

    ``forced`` cells are hidden from the start (e.g. to follow another table's pattern).
    """
    hidden = {k for k, v in problem.values.items() if 1 <= v <= threshold - 1}
    hidden |= {k for k in forced if k in problem.values}
    changed = True
    while changed:
        changed = False
        for rel in problem.relations:
            while (
                cell := _needed(rel, problem.values, hidden, threshold, problem.order)
            ) is not None:
                hidden.add(cell)
                changed = True
    return hidden


# --------------------------------------------------------------------------- helpers


def _multiplier(unit: str) -> float:
    """A rate unit's multiplier (declared units; per 100,000 for others)."""
    try:
        return float(unit_spec(unit).multiplier)
    except KeyError:
        return 100_000.0


def _frame_of(results: Any) -> pd.DataFrame:
    frame = results.indicators if hasattr(results, "indicators") else results
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "apply_disclosure expects an indicators frame or an object with .indicators, "
            f"got {type(results).__name__}"
        )
    return frame


def _parameters_of(results: Any) -> dict:
    params = getattr(results, "parameters", None)
    if isinstance(params, Parameters):
        return params.as_dict()
    if isinstance(params, dict):
        return {k: v.as_dict() if isinstance(v, Parameters) else v for k, v in params.items()}
    if isinstance(results, pd.DataFrame):
        attrs = results.attrs.get("parameters")
        if isinstance(attrs, dict):
            return attrs
    return {}


def _kind(row_kind: Any, unit: Any) -> str:
    if isinstance(row_kind, str) and row_kind:
        return row_kind
    unit = str(unit) if isinstance(unit, str) else ""
    if unit == "percent":
        return "percentage"
    if unit.startswith("per "):
        return "rate"
    if unit == "days":
        return "duration"
    if unit == "yes/no":
        return "policy"
    return ""


def _number(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def _split_flags(flags: Any) -> list[str]:
    if not isinstance(flags, str) or not flags:
        return []
    return [f for f in flags.split(";") if f]


def _join_flags(flags: Iterable[str]) -> str:
    out: list[str] = []
    for f in flags:
        if f and f not in out:
            out.append(f)
    return ";".join(out)


def _key_value(value: Any) -> str:
    """A hashable, comparable text for key columns (dates may be str or Timestamp)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def _jj06_denominator_is_count(
    frame: pd.DataFrame, parameters: dict, deaths_denominator: str | None
) -> pd.Series:
    """Per row: is JJ06's denominator a count of children (census, distinct_children)?

    The option comes from ``deaths_denominator``, else the parameters (also
    ``{country: parameters}`` of combined results), else is inferred per country: whole-number
    denominators are treated as counts (the safe guess), others as person-time.
    """
    countries = frame["country"].astype(object).map(_key_value)
    out = pd.Series(False, index=frame.index)
    is_jj06 = frame["indicator"].astype(object) == "JJ06"
    for country in countries[is_jj06].unique():
        rows = is_jj06 & (countries == country)
        option = deaths_denominator
        if option is None:
            own = parameters.get(country)
            option = (own if isinstance(own, dict) else parameters).get("deaths_denominator")
        if option is not None:
            out[rows] = option != "average_daily_population"
            continue
        den = pd.to_numeric(frame.loc[rows, "denominator"], errors="coerce").dropna()
        den = den.to_numpy(dtype=float)
        out[rows] = bool(len(den)) and bool(np.all(den == np.round(den)))
    return out


def _count_columns(frame: pd.DataFrame, jj06_count: pd.Series) -> pd.DataFrame:
    """Booleans per row: is the numerator / denominator a count (and is it a population)?"""
    kinds = [_kind(k, u) for k, u in zip(_col(frame, "kind"), frame["unit"], strict=True)]
    kinds = pd.Series(kinds, index=frame.index)
    unit = frame["unit"].astype(object)
    is_jj06 = (frame["indicator"] == "JJ06") | (unit == "per 1,000 children detained")
    num = kinds.isin(["rate", "percentage", "duration"])
    population = (kinds == "rate") & ~is_jj06
    den = (kinds == "percentage") | population | ((kinds == "rate") & is_jj06 & jj06_count)
    den = den.astype(bool)
    return pd.DataFrame({"kind": kinds, "numerator": num, "denominator": den,
                         "population": population})


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(object)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _build_problem(frame: pd.DataFrame, counts: pd.DataFrame) -> _Problem:
    """Cells keyed (row label, column) and every relation of the indicators frame."""
    prob = _Problem()
    for col in ("numerator", "denominator"):
        vals = pd.to_numeric(frame[col], errors="coerce")
        for idx in frame.index[counts[col].to_numpy(bool)]:
            v = _number(vals.at[idx])
            if not math.isnan(v):
                prob.values[(idx, col)] = v
    for idx, dim, grp in zip(frame.index, frame["dimension"], frame["group"], strict=True):
        for col in ("numerator", "denominator"):
            prob.order[(idx, col)] = (str(dim), str(grp))

    keys = pd.DataFrame({c: [_key_value(v) for v in frame[c]] for c in KEY_COLUMNS},
                        index=frame.index)
    cell_index: dict[tuple, Any] = {}
    for idx, k, ind, dim, grp in zip(
        frame.index, keys.itertuples(index=False, name=None), frame["indicator"],
        frame["dimension"], frame["group"], strict=True,
    ):
        cell_index[(k, str(ind), str(dim), str(grp))] = idx

    # Dimensions of each indicator hang from its total.
    for (k, ind, dim, _grp), idx in cell_index.items():
        if dim == "total":
            continue
        total = cell_index.get((k, ind, "total", "all"))
        if total is None:
            continue
        for col in ("numerator", "denominator"):
            if col == "denominator" and counts.at[idx, "population"] and dim in EVENT_DIMENSIONS:
                prob.add_relation((total, col), [(idx, col)])
    groups: dict[tuple, list] = {}
    for (k, ind, dim, _grp), idx in cell_index.items():
        if dim != "total":
            groups.setdefault((k, ind, dim), []).append(idx)
    for (k, ind, dim), members in groups.items():
        total = cell_index.get((k, ind, "total", "all"))
        if total is None:
            continue
        for col in ("numerator", "denominator"):
            if col == "denominator" and dim in EVENT_DIMENSIONS and counts.at[total, "population"]:
                continue  # equalities added above
            prob.add_relation((total, col), [(m, col) for m in members])

    # Links between indicators, declared as data.
    blocks = {k for (k, _i, _d, _g) in cell_index}
    for link in declaration().links:
        w_ind, w_col, w_dim, w_grp = link.whole.as_tuple()
        for k in blocks:
            for (kk, ind, dim, grp), idx in cell_index.items():
                if kk != k or ind != w_ind:
                    continue
                if w_dim is not None and (dim, grp) != (w_dim, w_grp):
                    continue
                parts = []
                for p_ind, p_col, p_dim, p_grp in (p.as_tuple() for p in link.parts):
                    pd_, pg = (dim, grp) if p_dim is None else (p_dim, p_grp)
                    p_idx = cell_index.get((k, p_ind, pd_, pg))
                    if p_idx is not None:
                        parts.append((p_idx, p_col))
                prob.add_relation((idx, w_col), parts, prefer_whole=link.prefer_whole)
    return prob


def _round3(values: np.ndarray, threshold: int) -> np.ndarray:
    out = np.round(values / 3.0) * 3.0
    floor = math.ceil(threshold / 3.0) * 3.0
    return np.where((values > 0) & (out < threshold), floor, out)


def _confidence(parameters: dict, confidence_level: float | None) -> float:
    if confidence_level is not None:
        return float(confidence_level)
    level = parameters.get("confidence_level", 0.95)
    try:
        level = float(level)
    except (TypeError, ValueError):
        level = 0.95
    return level if 0 < level < 1 else 0.95


def _validate(mode: str, threshold: int) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ValueError(f"threshold must be a whole number of 1 or more, got {threshold!r}")


# --------------------------------------------------------------------------- public API


def hidden_cells(results: Any, *, threshold: int = 5, deaths_denominator: str | None = None) -> set:
    """The ``(row label, column)`` count cells public disclosure would hide.

    Exposed for tests and audits; :func:`apply_disclosure` blanks exactly these cells.
    """
    frame = _frame_of(results)
    _validate("public", threshold)
    jj06 = _jj06_denominator_is_count(frame, _parameters_of(results), deaths_denominator)
    counts = _count_columns(frame, jj06)
    return _solve(_build_problem(frame, counts), int(threshold))


def apply_disclosure(
    results: Any,
    *,
    threshold: int = 5,
    round_base3: bool = False,
    mode: str = "public",
    deaths_denominator: str | None = None,
    confidence_level: float | None = None,
) -> pd.DataFrame:
    """Small-cell protection of an indicators frame (see the module notes for the rules).

    Parameters
    ----------
    results : DataFrame or object with ``.indicators``
        The indicators frame (contract columns of ``indicators.md``); an ``IndicatorResults``
        also lends its ``.parameters`` (``deaths_denominator``, ``confidence_level``).
    threshold : int
        Counts from 1 to ``threshold - 1`` are hidden (default 5).
    round_base3 : bool
        Also round published counts to base 3 and recompute values and intervals.
    mode : {"public", "internal"}
        ``internal`` returns an unchanged copy.
    deaths_denominator : str, optional
        JJ06's denominator option, when ``results`` does not carry its parameters.
    confidence_level : float, optional
        Level of recomputed intervals (rounding only); default from the parameters or 0.95.

    Returns
    -------
    DataFrame
        A new frame, same rows and columns; hidden counts, their row's value and interval are
        empty and the row is flagged ``suppressed``. ``frame.attrs["disclosure"]`` holds
        :func:`disclosure_policy`.

    Raises
    ------
    ValueError
        For an unknown mode or a threshold under 1.
    """
    _validate(mode, threshold)
    original = _frame_of(results)
    frame = original.reset_index(drop=True)  # row labels must be unique below
    out = frame.copy()
    out.attrs = dict(original.attrs)
    policy = disclosure_policy(threshold=threshold, round_base3=round_base3, mode=mode)
    out.attrs["disclosure"] = policy
    if mode == "internal" or out.empty:
        out.index = original.index
        return out

    parameters = _parameters_of(results)
    jj06 = _jj06_denominator_is_count(frame, parameters, deaths_denominator)
    counts = _count_columns(frame, jj06)
    hidden = _solve(_build_problem(frame, counts), int(threshold))

    for col in ("numerator", "denominator", "value", "ci_lower", "ci_upper"):
        if col in out.columns and not pd.api.types.is_float_dtype(out[col].dtype):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    rows = sorted({idx for idx, _col in hidden}, key=lambda i: frame.index.get_loc(i))
    flags = _col(out, "flags").tolist()
    flag_pos = {idx: i for i, idx in enumerate(out.index)}
    for idx, col in hidden:
        out.at[idx, col] = np.nan
    for idx in rows:
        for col in ("value", "ci_lower", "ci_upper"):
            if col in out.columns:
                out.at[idx, col] = np.nan
        kept = [f for f in _split_flags(flags[flag_pos[idx]]) if f not in REVEALING_FLAGS]
        flags[flag_pos[idx]] = _join_flags([*kept, SUPPRESSED_FLAG])

    if round_base3:
        _round_frame(out, counts, flags, flag_pos, hidden, threshold,
                     _confidence(parameters, confidence_level))
    for col in ("numerator", "denominator"):
        if col in frame.columns and pd.api.types.is_integer_dtype(frame[col].dtype):
            out[col] = out[col].round().astype("Int64")
    flag_dtype = frame["flags"].dtype if "flags" in frame.columns else object
    if not (pd.api.types.is_object_dtype(flag_dtype) or pd.api.types.is_string_dtype(flag_dtype)):
        flag_dtype = object  # e.g. an all-empty flags column read back from CSV as floats
    out["flags"] = pd.Series(
        [f if isinstance(f, str) else "" for f in flags], index=out.index, dtype=object
    ).astype(flag_dtype)
    out.index = original.index
    return out


def _round_frame(out, counts, flags, flag_pos, hidden, threshold, level) -> None:
    """Round published record counts to base 3 and recompute rates and percentages."""
    changed_rows = set()
    round_den = counts["denominator"] & ~counts["population"]
    for col, mask in (("numerator", counts["numerator"]), ("denominator", round_den)):
        vals = out.loc[mask.to_numpy(bool), col].to_numpy(dtype=float)
        idxs = out.index[mask.to_numpy(bool)]
        keep = ~np.isnan(vals)
        new = vals.copy()
        new[keep] = _round3(vals[keep], threshold)
        for idx, old, nv in zip(idxs, vals, new, strict=True):
            if (idx, col) in hidden or np.isnan(old):
                continue
            if nv != old:
                changed_rows.add(idx)
            out.at[idx, col] = nv
    for idx in changed_rows:
        kind = counts.at[idx, "kind"]
        num, den = out.at[idx, "numerator"], out.at[idx, "denominator"]
        if kind == "rate":
            mult = _multiplier(str(out.at[idx, "unit"]))
            v, lo, hi = stats.rate_ci(num, den, mult, level)
            v, lo, hi = float(v), float(lo), float(hi)
        elif kind == "percentage":
            v, lo, hi = (float(x) * 100 for x in stats.proportion_ci(num, den, level))
        else:
            v, lo, hi = out.at[idx, "value"], out.at[idx, "ci_lower"], out.at[idx, "ci_upper"]
        out.at[idx, "value"], out.at[idx, "ci_lower"], out.at[idx, "ci_upper"] = v, lo, hi
        pos = flag_pos[idx]
        flags[pos] = _join_flags([*_split_flags(flags[pos]), ROUNDED_FLAG])


def suppress_durations(
    durations: pd.DataFrame,
    threshold: int = 5,
    *,
    indicators: pd.DataFrame | None = None,
    round_base3: bool = False,
    keep_extremes: bool = False,
) -> pd.DataFrame:
    """Public disclosure of a durations frame (JJ04/JJ05), consistent with the indicators.

    Parameters
    ----------
    durations : DataFrame
        country, indicator, dimension, group, statistic, value[, period_start, period_end].
    threshold : int
        As in :func:`apply_disclosure`.
    indicators : DataFrame, optional
        The *disclosed* indicators frame: its suppressed JJ04/JJ05 cells are hidden here too.
        Without it, the same rules are applied to the ``n`` rows, which gives the same pattern
        as :func:`apply_disclosure` on the same counts.
    round_base3 : bool
        Round the published ``n`` and band counts to base 3.
    keep_extremes : bool
        ``min`` and ``max`` are one child's own duration; they are blanked unless this is True.

    Returns
    -------
    DataFrame
        A copy; every statistic of a group whose ``n`` is hidden is empty, band counts are
        protected against their group's ``n`` and against the total's band, and a column
        ``flags`` says ``suppressed`` on every emptied row.

    Notes
    -----
    Relations protected: for each group, ``n = sum(bands)``; for each band and each dimension,
    ``total's band = sum(groups' band)``; for n, ``total's n = sum(groups' n)``.
    """
    _validate("public", threshold)
    out = durations.reset_index(drop=True)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    if "flags" not in out.columns:
        out["flags"] = ""
    stat = out["statistic"].astype(str)
    keys = [tuple(_key_value(v) for v in vals) for vals in zip(
        *(out[c] for c in ("country", "indicator", "dimension", "group")), strict=True)]
    keys_s = pd.Series(keys, index=out.index)
    is_count = (stat == "n") | stat.str.startswith("band_")

    prob = _Problem()
    cell = {}
    for idx in out.index[is_count.to_numpy(bool)]:
        v = out.at[idx, "value"]
        if not np.isnan(v):
            key = (keys_s.at[idx], stat.at[idx])
            cell[key] = idx
            prob.values[key] = v
            prob.order[key] = (keys_s.at[idx][2] != "total", keys_s.at[idx][2], keys_s.at[idx][3])
    bands = sorted({s for s in stat if s.startswith("band_")})
    groups = sorted({k for k in keys_s})
    for g in groups:
        prob.add_relation((g, "n"), [(g, b) for b in bands])
    by_dim: dict[tuple, list] = {}
    for g in groups:
        if g[2] != "total":
            by_dim.setdefault((g[0], g[1], g[2]), []).append(g)
    for (country, ind, _dim), members in by_dim.items():
        total = (country, ind, "total", "all")
        for s in ("n", *bands):
            prob.add_relation((total, s), [(m, s) for m in members])

    forced = set()
    if indicators is not None:
        ind = _frame_of(indicators)
        sup = ind["flags"].astype(str).str.split(";").map(lambda fs: SUPPRESSED_FLAG in fs)
        sup &= ind["indicator"].isin(["JJ04", "JJ05"])
        for _, r in ind[sup].iterrows():
            key = ((_key_value(r["country"]), str(r["indicator"]), str(r["dimension"]),
                    str(r["group"])), "n")
            if key in prob.values:
                forced.add(key)
    # A group whose n is hidden loses every statistic, its bands included: those blanked bands
    # take part in the band relations, so solve again until the pattern is stable.
    hidden = _solve(prob, threshold, forced)
    while True:
        groups_hidden = {k for (k, s) in hidden if s == "n"}
        more = {(g, b) for g in groups_hidden for b in bands if (g, b) in prob.values} - hidden
        if not more:
            break
        hidden = _solve(prob, threshold, hidden | more)

    hidden_groups = {k for (k, s) in hidden if s == "n"}
    flags = out["flags"].astype(object).where(out["flags"].notna(), "").tolist()
    for pos, idx in enumerate(out.index):
        g, s = keys_s.at[idx], stat.at[idx]
        blank = g in hidden_groups or (g, s) in hidden
        if s in ("min", "max") and not keep_extremes:
            blank = True
        if blank:
            out.at[idx, "value"] = np.nan
            flags[pos] = _join_flags([*_split_flags(flags[pos]), SUPPRESSED_FLAG])
        elif round_base3 and (g, s) in prob.values and out.at[idx, "value"] > 0:
            new = float(_round3(np.array([out.at[idx, "value"]]), threshold)[0])
            if new != out.at[idx, "value"]:
                out.at[idx, "value"] = new
                flags[pos] = _join_flags([*_split_flags(flags[pos]), ROUNDED_FLAG])
    out["flags"] = flags
    out.index = durations.index
    return out


def _suppressed_rows(frame: pd.DataFrame) -> pd.Series:
    if "flags" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["flags"].astype(object).map(lambda f: SUPPRESSED_FLAG in _split_flags(f))


def suppress_reconciliation(
    reconciliation: pd.DataFrame,
    threshold: int = 5,
    *,
    indicators: pd.DataFrame | None = None,
    round_base3: bool = False,
) -> pd.DataFrame:
    """Public disclosure of the reconciliation table (records read, used, left out by reason).

    Parameters
    ----------
    reconciliation : DataFrame
        country, period_start, period_end, indicator, table, records_read, used, left_out,
        reason, count (one row per reason; ``used`` is a reason too).
    threshold : int
        As in :func:`apply_disclosure`.
    indicators : DataFrame, optional
        The *disclosed* indicators frame: where an indicator's ``total/all`` row is suppressed,
        its ``used`` counts are hidden as well (records used can equal the numerator).
    round_base3 : bool
        Round the published counts to base 3.

    Returns
    -------
    DataFrame
        A copy with counts as ``Int64`` (hidden ones empty) and a ``flags`` column.

    Notes
    -----
    Relations protected, per country, period, indicator and table:
    ``records_read = used + left_out`` and ``left_out = sum(count of each reason but used)``;
    the ``used`` reason's count is ``used``; ``records_read`` of a table is the same for every
    indicator.
    """
    _validate("public", threshold)
    out = reconciliation.reset_index(drop=True)
    cols = ("records_read", "used", "left_out", "count")
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    keys = [tuple(_key_value(v) for v in vals) for vals in zip(
        *(out[c] for c in ("country", "period_start", "period_end", "indicator", "table")),
        strict=True)]
    reasons = out["reason"].astype(object).map(_key_value)
    prob = _Problem()
    reasons_of: dict[tuple, list] = {}
    for idx, k in zip(out.index, keys, strict=True):
        for c in ("records_read", "used", "left_out"):
            v = out.at[idx, c]
            if not np.isnan(v):
                prob.values[(k, c)] = v
        v = out.at[idx, "count"]
        if not np.isnan(v):
            prob.values[(k, "reason", reasons[idx])] = v
            if reasons[idx] != "used":
                reasons_of.setdefault(k, []).append((k, "reason", reasons[idx]))
    by_table: dict[tuple, list] = {}
    for k in dict.fromkeys(keys):
        prob.add_relation((k, "records_read"), [(k, "used"), (k, "left_out")])
        prob.add_relation((k, "left_out"), reasons_of.get(k, []))
        prob.add_relation((k, "used"), [(k, "reason", "used")])
        by_table.setdefault((k[0], k[1], k[2], k[4]), []).append(k)
    for ks in by_table.values():
        for a, b in pairwise(ks):
            prob.add_relation((a, "records_read"), [(b, "records_read")])
    forced = set()
    if indicators is not None:
        ind = _frame_of(indicators)
        sup = _suppressed_rows(ind) & (ind["dimension"].astype(object) == "total")
        hidden_totals = {(_key_value(r["country"]), _key_value(r["period_start"]),
                          _key_value(r["period_end"]), str(r["indicator"]))
                         for _, r in ind[sup].iterrows()}
        for k in dict.fromkeys(keys):
            if k[:4] in hidden_totals:
                forced.add((k, "used"))
    hidden = _solve(prob, threshold, forced)

    flags = _col(out, "flags").map(lambda f: f if isinstance(f, str) else "").tolist()
    for pos, (idx, k) in enumerate(zip(out.index, keys, strict=True)):
        cells = {c: (k, c) for c in ("records_read", "used", "left_out")}
        cells["count"] = (k, "reason", reasons[idx])
        hid = False
        for c, cell in cells.items():
            if cell in hidden:
                out.at[idx, c] = np.nan
                hid = True
            elif round_base3 and out.at[idx, c] > 0:
                out.at[idx, c] = float(_round3(np.array([out.at[idx, c]]), threshold)[0])
        if hid:
            flags[pos] = _join_flags([*_split_flags(flags[pos]), SUPPRESSED_FLAG])
    for c in cols:
        out[c] = out[c].round().astype("Int64")
    out["flags"] = flags
    out.index = reconciliation.index
    return out


def disclose_results(
    results: Any, *, threshold: int = 5, round_base3: bool = False, mode: str = "public"
) -> Any:
    """Every published table of an ``IndicatorResults`` under one disclosure policy.

    Returns a copy of ``results`` (same class) whose ``indicators`` went through
    :func:`apply_disclosure`, ``durations`` through :func:`suppress_durations` and
    ``reconciliation`` through :func:`suppress_reconciliation`, all consistent with each
    other. ``internal`` mode returns ``results`` unchanged.
    """
    import copy

    _validate(mode, threshold)
    if mode == "internal":
        return results
    out = copy.copy(results)
    out.indicators = apply_disclosure(results, threshold=threshold, round_base3=round_base3)
    durations = getattr(results, "durations", None)
    if isinstance(durations, pd.DataFrame):
        out.durations = suppress_durations(
            durations, threshold, indicators=out.indicators, round_base3=round_base3
        )
    reconciliation = getattr(results, "reconciliation", None)
    if isinstance(reconciliation, pd.DataFrame):
        out.reconciliation = suppress_reconciliation(
            reconciliation, threshold, indicators=out.indicators, round_base3=round_base3
        )
    return out


def disclosure_policy(
    *, threshold: int = 5, round_base3: bool = False, mode: str = "public"
) -> dict:
    """A plain description of the disclosure policy applied, for manifest.json."""
    _validate(mode, threshold)
    if mode == "internal":
        return {
            "mode": "internal",
            "description": "no disclosure control: for internal use only, not for publication",
        }
    return {
        "mode": "public",
        "threshold": int(threshold),
        "primary_suppression": (
            f"counts from 1 to {threshold - 1} hidden: numerators (JJ04/JJ05: cohort n), "
            "percentage denominators, population denominators, JJ06 denominators when they count "
            "children (census, distinct_children); 0 is published"
        ),
        "complementary_suppression": (
            "within every dimension of each country, period and indicator, and across linked "
            "indicators, further cells are hidden until each hidden cell, given the total and the "
            "published groups, could still take any value from 1 to the threshold"
        ),
        "links": [link.description for link in declaration().links],
        "derived_values": "value and interval of a row with a hidden count are empty",
        "durations": (
            "all statistics of a group whose n is hidden are empty; band counts are protected "
            "like counts; min and max (one child's own duration) are not published"
        ),
        "rounding": (
            "published record counts rounded to base 3 (never below the threshold); rates and "
            "percentages recomputed from rounded counts; populations not rounded"
            if round_base3 else "none"
        ),
        "reconciliation": (
            "records read, used and left out by reason protected like counts; records used "
            "hidden where the indicator's total is hidden"
        ),
        "flag": SUPPRESSED_FLAG,
    }
