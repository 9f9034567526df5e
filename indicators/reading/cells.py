"""Typing cells: raw cells of a table (text as in a CSV, or values from Parquet, Excel or a
hand-made frame) into the typed columns of the record format.

Every column of :data:`indicators.codes.TABLES` has a kind (``id``, ``string``, ``code``,
``date``, ``bool``, ``int``) and is parsed by one function per kind. A cell that cannot be
parsed becomes a missing value and an :class:`~indicators.issues.Issue` naming its spreadsheet
row (``position + 2``: the header is row 1), never an exception. See "Values in the files" in
the user documentation (``docs/records.md#values``).

:mod:`~indicators.reading.tables` applies this to a whole table.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..codes import Column
from ..issues import MAX_ISSUES_PER_RULE, Issue

__all__ = [
    "FALSE_WORDS",
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_CELL_CHARS",
    "TRUE_WORDS",
    "cap_cells",
    "cell_text",
    "parse_column",
    "short",
    "to_text",
]

TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}

MAX_CELL_CHARS = 10_000
"""Longest accepted cell (characters); longer cells are errors and read as missing."""

FIRST_DAY = np.datetime64("1900-01-01", "D")
LAST_DAY = np.datetime64("2100-12-31", "D")
"""Dates outside these bounds are refused as impossible for juvenile-justice records."""


# --------------------------------------------------------------------------- cells as text


def to_text(s: pd.Series) -> pd.Series:
    """Any column as stripped text with <NA> for empty cells."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        # text of each category once, then Arrow expands the codes (no per-row Python)
        import pyarrow as pa

        cats = to_text(pd.Series(np.asarray(s.cat.categories, dtype=object), dtype=object))
        codes = s.cat.codes.to_numpy()
        dictionary = pa.array(cats.array).cast(pa.large_string())
        arr = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionary)
        return pd.Series(pd.StringDtype().__from_arrow__(arr.cast(pa.large_string())),
                         index=s.index)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.strftime("%Y-%m-%d").astype("string")
    elif pd.api.types.is_bool_dtype(s.dtype):
        out = s.astype("string").str.lower()
    elif pd.api.types.is_float_dtype(s.dtype):
        # Integers read from Excel or Parquet as floats: 12.0 -> "12".
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(vals) & (vals == np.round(vals)) & (np.abs(vals) < 2**53)
        txt = pd.Series(s.astype("string"), index=s.index)
        txt[whole] = pd.Series(vals[whole].astype(np.int64), index=s.index[whole]).astype("string")
        out = txt
    elif s.dtype == object:
        out = s.map(cell_text, na_action="ignore").astype("string")
    else:
        out = s.astype("string")
    out = out.str.strip()
    return out.mask(out == "")


def cell_text(value: Any) -> Any:
    """One Python value (from Excel, Parquet or a hand-made frame) as the text a CSV holds."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime | pd.Timestamp):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return None
        if value == int(value) and abs(value) < 2**53:
            return str(int(value))
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def short(value: Any, limit: int = 80) -> Any:
    """A value as quoted in a message: text longer than ``limit`` is cut, with ``...``."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    return value


def cap_cells(text: pd.Series, column: str, issues: list[Issue], table_file: str) -> pd.Series:
    """Cells longer than :data:`MAX_CELL_CHARS` become missing, each with an error issue."""
    lengths = text.str.len()
    too_long = (lengths > MAX_CELL_CHARS).fillna(False).to_numpy(bool)
    if too_long.any():
        _record_bad(issues, table_file, too_long, text, column, "cell_too_long",
                    lambda v: f"a cell of {len(v):,} characters (at most {MAX_CELL_CHARS:,} "
                    "accepted): is this the right column or file?")
        text = text.mask(too_long)
    return text


# --------------------------------------------------------------------------- issues


def _record_bad(
    issues: list[Issue],
    table_file: str,
    mask: np.ndarray,
    text: pd.Series,
    column: str,
    rule: str,
    message_fn: Callable[[Any], str],
    severity: str = "error",
) -> None:
    """Append one Issue per flagged row (at most MAX_ISSUES_PER_RULE, then one summary row)."""
    idx = np.flatnonzero(mask)
    for i in idx[:MAX_ISSUES_PER_RULE]:
        value = text.iat[i]
        value = None if value is pd.NA else value
        issues.append(
            Issue(severity, table_file, int(i) + 2, column, short(value), rule, message_fn(value))
        )
    extra = len(idx) - MAX_ISSUES_PER_RULE
    if extra > 0:
        issues.append(
            Issue(severity, table_file, None, column, None, rule,
                  f"and {extra:,} more rows with the same problem (not listed)", count=extra)
        )


def _code_hint(value: str, codes: tuple[str, ...]) -> str:
    if value is None:
        return ""
    for code in codes:
        if value.lower() == code.lower():
            return f" (codes are case-sensitive: write {code!r})"
    if value.isdigit() and value.zfill(2) in codes:
        return f" (codes are text: write {value.zfill(2)!r}; keep the leading zero)"
    return ""


def _positions(mask: np.ndarray) -> np.ndarray | None:
    """Row positions of a mask of failed cells, None when none failed."""
    return np.flatnonzero(mask) if mask.any() else None


# --------------------------------------------------------------------------- parsing


def _arrow_text(text: pd.Series):
    import pyarrow as pa

    return pa.array(text.array).cast(pa.large_string())


def _lookup(text: pd.Series, mapping: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``mapping`` for each cell (-1 when not found) and the mask of unknown values.

    One hash pass over the column (factorize), then a dict lookup per distinct value.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    umap = np.fromiter((mapping.get(u, -1) for u in uniques), dtype=np.int64,
                       count=len(uniques))
    out = np.full(len(text), -1, dtype=np.int64)
    known = codes >= 0
    if len(umap):
        out[known] = umap[codes[known]]
    return out, known & (out < 0)


def _text_days(text: pd.Series) -> np.ndarray:
    """ISO dates as datetime64[D] (NaT where missing or unparseable)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_text(text)
    try:  # strict and fast: the common case of a clean column
        return arr.cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    # Some cells are not dates: parse cell by cell, and keep a date only when writing it back
    # gives the same text (strptime alone would turn 2024-02-30 into 2024-03-01).
    parsed = pc.strptime(arr, format="%Y-%m-%d", unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), arr)
    parsed = pc.if_else(same, parsed, pa.scalar(None, parsed.type))
    return parsed.to_numpy(zero_copy_only=False).astype("datetime64[D]")


Parsed = tuple[pd.Series, np.ndarray | None]
"""A typed column and the row positions of the cells that failed (None when none failed)."""


def parse_column(
    text: pd.Series | None,
    col: Column,
    issues: list[Issue],
    table_file: str,
    raw: pd.Series | None = None,
) -> Parsed:
    """Parse one column; returns the typed column and the positions that failed.

    ``raw`` is the column as given: when it is already of the right type (Parquet, typed
    frames) it is converted directly; otherwise ``text`` (stripped text) is parsed.
    """
    if raw is not None:
        typed = _already_typed(raw, col, issues, table_file)
        if typed is not None:
            return typed
    if text is None:
        text = to_text(raw)
    if col.kind in ("id", "string"):
        return text, None
    parsers = {"code": _parse_codes, "date": _parse_dates, "bool": _parse_booleans,
               "int": _parse_integers}
    if col.kind not in parsers:  # pragma: no cover
        raise ValueError(f"unknown column kind {col.kind!r}")
    return parsers[col.kind](text, col, issues, table_file)


def _already_typed(raw: pd.Series, col: Column, issues: list[Issue], table_file: str
                   ) -> Parsed | None:
    """The column converted directly when it already holds its kind's type, else None."""
    dtype = raw.dtype
    if col.kind == "date" and pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            raw = raw.dt.tz_localize(None)
        days = np.asarray(raw.to_numpy()).astype("datetime64[D]")
        return _dates_out(days, np.zeros(len(raw), bool), raw, col, issues, table_file)
    if col.kind == "bool" and (
            pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)):
        return raw.astype("boolean"), None
    if col.kind == "int" and pd.api.types.is_integer_dtype(dtype):
        return raw.astype("Int64"), None
    return None


def _parse_codes(text: pd.Series, col: Column, issues: list[Issue], table_file: str) -> Parsed:
    cat, bad = _lookup(text, {c: i for i, c in enumerate(col.codes)})
    if bad.any():
        allowed = ", ".join(col.codes)
        _record_bad(issues, table_file, bad, text, col.name, "not_in_codes",
                    lambda v: f"{v!r} is not a code of {col.name}; allowed: {allowed}"
                    + _code_hint(v, col.codes))
    out = pd.Series(pd.Categorical.from_codes(cat, categories=list(col.codes)),
                    index=text.index)
    return out, _positions(bad)


def _parse_dates(text: pd.Series, col: Column, issues: list[Issue], table_file: str) -> Parsed:
    days = _text_days(text)
    bad = text.notna().to_numpy() & np.isnat(days)
    if bad.any():
        _record_bad(issues, table_file, bad, text, col.name, "invalid_date",
                    lambda v: f"{v!r} is not a date written YYYY-MM-DD (or is impossible)")
    return _dates_out(days, bad, text, col, issues, table_file)


def _parse_booleans(text: pd.Series, col: Column, issues: list[Issue], table_file: str
                    ) -> Parsed:
    words = {w: 1 for w in TRUE_WORDS} | {w: 0 for w in FALSE_WORDS}
    val, bad = _lookup(text.str.lower(), words)
    if bad.any():
        _record_bad(issues, table_file, bad, text, col.name, "invalid_boolean",
                    lambda v: f"{v!r} is not a yes/no value; write true or false "
                    "(yes/no, 1/0 also accepted)")
    out = pd.Series(pd.arrays.BooleanArray(val == 1, val < 0), index=text.index)
    return out, _positions(bad)


def _parse_integers(text: pd.Series, col: Column, issues: list[Issue], table_file: str
                    ) -> Parsed:
    import pyarrow as pa

    try:  # the common case: every cell a plain whole number
        ints = _arrow_text(text).cast(pa.int64())
        return pd.Series(pd.Int64Dtype().__from_arrow__(ints), index=text.index), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    num = pd.to_numeric(text, errors="coerce")
    whole = (num.notna() & (num == np.floor(num)) & (num.abs() < 2**53)).to_numpy(bool)
    bad = text.notna().to_numpy() & ~whole
    if bad.any():
        _record_bad(issues, table_file, bad, text, col.name, "invalid_integer",
                    lambda v: f"{v!r} is not a whole number")
    return num.where(whole).astype("Int64"), _positions(bad)


def _dates_out(days, bad_mask, shown, col, issues, table_file) -> Parsed:
    """Refuse dates outside FIRST_DAY..LAST_DAY; return datetime64[ns] and failed positions."""
    far = ~np.isnat(days) & ((days < FIRST_DAY) | (days > LAST_DAY))
    if far.any():
        _record_bad(issues, table_file, far, to_text(shown) if shown.dtype != "string"
                    else shown, col.name, "invalid_date",
                    lambda v: f"{v!r} is outside the years 1900 to 2100: is it mistyped?")
        days = np.where(far, np.datetime64("NaT"), days)
        bad_mask = bad_mask | far
    out = pd.Series(days.astype("datetime64[ns]"), index=shown.index)
    return out, _positions(bad_mask)
