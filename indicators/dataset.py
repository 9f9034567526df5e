"""Reading a dataset folder into typed tables (``records.md``).

Reading never stops at the first problem: every cell that cannot be parsed becomes a missing
value in the typed table and an :class:`Issue` in ``Dataset.issues``; ``validate_dataset``
adds the schema and dataset-wide checks on top.

Typed tables keep the file's row order with a RangeIndex, so the spreadsheet row of a record is
``index + 2`` (header on row 1).

Notes
-----
What the reader accepts beyond the letter of ``records.md``, always with a warning that says
what was assumed:

- CSV files that are not UTF-8 are read as Windows-1252 (Western European exports of
  spreadsheet software), or Latin-1 when that fails; UTF-16 files (with a byte-order mark) are
  read as UTF-16.
- CSV files delimited by ``;`` or tabs (common in countries that write decimal commas).
- When the folder has no ``dataset.toml``, a sheet named ``dataset`` (two columns, key and
  value; ``policy.<key>`` and ``parameters.<key>`` for the sections) of the workbook in the
  folder, as written by ``jj-indicators template``. ``read_dataset`` also accepts the path of
  such a workbook directly.

What it refuses, as error issues: files that are empty, binary, larger than
:data:`MAX_FILE_BYTES` (:data:`MAX_WORKBOOK_BYTES` for workbooks), cells longer than
:data:`MAX_CELL_CHARS`, duplicated column names, missing required columns, and columns that
look like direct identifiers (records must be pseudonymous; such columns are dropped).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import TABLES, Column
from .issues import MAX_ISSUES_PER_RULE, DatasetError, Issue
from .parameters import Parameters
from .registry import policy_keys

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_ISSUES_PER_RULE",
    "MAX_WORKBOOK_BYTES",
    "SOURCE_COLUMNS",
    "Dataset",
    "DatasetError",
    "Issue",
    "is_direct_identifier",
    "read_dataset",
    "typed_table",
]

TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}

MAX_CELL_CHARS = 10_000
"""Longest accepted cell (characters); longer cells are errors and read as missing."""
MAX_FILE_BYTES = 2 * 1024**3
"""Largest accepted CSV or Parquet file (2 GiB): larger files are refused, not half-read."""
MAX_WORKBOOK_BYTES = 100 * 1024**2
"""Largest accepted .xlsx workbook (100 MiB; reading a workbook takes many times its size)."""
MAX_TOML_BYTES = 1024**2

SOURCE_COLUMNS = ("source_file", "source_row")
"""Provenance columns written by ``jj-indicators ingest`` (``ingest.md``): the export file and
its spreadsheet row each record came from. Carried on every table without a warning;
``source_row`` is read as an integer."""

WORKBOOK_SHEETS = ("dataset", "codes", "instructions")
"""Sheets of a workbook that are not tables (written by ``jj-indicators template``)."""

_IDENTIFIER_RE = re.compile(
    r"""^(?:
        (?:first|last|given|family|middle|full|maiden|fore|sur|child|person|father|mother|
           parent|guardian|birth)?_?names?
      | surname | forename | initials
      | .*(?:address|street|postcode|zip_code|phone|telephone|mobile|e_?mail|passport).*
      | (?:national|personal|citizen|civil)_?(?:id|number|no|identity|identifier|code)(?:_.*)?
      | nid | nin | ssn | social_security(?:_.*)? | id_?card(?:_.*)? | identity_card(?:_.*)?
      | birth_certificate(?:_.*)? | tax_?(?:id|number)
    )$""",
    re.VERBOSE,
)


def is_direct_identifier(column: str) -> bool:
    """Whether a column name looks like a direct identifier of a person (name, phone, ...).

    Records must be pseudonymous (``records.md``): such columns are refused.

    Examples
    --------
    >>> is_direct_identifier("First Name"), is_direct_identifier("facility_id")
    (True, False)
    """
    norm = re.sub(r"[^a-z0-9]+", "_", str(column).strip().lower()).strip("_")
    return bool(_IDENTIFIER_RE.match(norm))


@dataclass
class Dataset:
    """One country's records for one 12-month reference period.

    Attributes
    ----------
    tables : dict of DataFrame
        Typed tables present in the folder; a missing optional table is absent from the dict.
        Ids and free text are ``string``, dates ``datetime64[ns]``, booleans ``boolean``, codes
        ``category`` with the contract's categories, integers ``Int64``.
    policy : dict
        The four policy answers (``True``/``False``), ``None`` where not assessed.
    parameters : Parameters
        dataset.toml's ``[parameters]`` (values not allowed there are left out here and
        reported by validation), over the defaults.
    parse_failures : dict
        ``(table, column) -> row positions`` of cells present in the file that could not be
        parsed (reported once by the reader; the schema checks do not report them again).
    missing_columns : dict
        ``table -> contract columns absent from the file`` (added, all missing).
    unreadable : set
        Tables whose file exists but could not be read (reported by the reader).
    """

    country: str
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    census_date: pd.Timestamp
    tables: dict[str, pd.DataFrame]
    country_name: str | None = None
    minimum_age_criminal_responsibility: int | None = None
    policy: dict[str, bool | None] = field(default_factory=dict)
    parameters: Parameters = field(default_factory=Parameters)
    metadata: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)
    path: Path | None = None
    parse_failures: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)
    missing_columns: dict[str, list[str]] = field(default_factory=dict, repr=False)
    unreadable: set[str] = field(default_factory=set, repr=False)
    source_labels: dict[str, str] = field(default_factory=dict, repr=False)
    metadata_source: str = "dataset.toml"

    @property
    def days_in_period(self) -> int:
        """Days in P, both ends counted."""
        return int((self.period_end - self.period_start).days) + 1

    def table(self, name: str) -> pd.DataFrame | None:
        """The typed table, or None when the dataset does not have it."""
        return self.tables.get(name)

    def source_name(self, table: str) -> str:
        """The file name a table was read from (for messages), e.g. ``arrests.csv``.

        A sheet of a workbook is named ``workbook.xlsx[arrests]``.
        """
        if table in self.source_labels:
            return self.source_labels[table]
        src = self.sources.get(table)
        return src.name if src is not None else f"{table}.csv"

    @classmethod
    def from_frames(cls, metadata: dict[str, Any], frames: dict[str, pd.DataFrame]) -> Dataset:
        """Build a dataset from a metadata dict (as dataset.toml) and raw or typed frames.

        Convenient for tests and notebooks: frames may hold strings as in a CSV or already typed
        values; both go through the same parsing as files.
        """
        issues: list[Issue] = []
        tables = {}
        failures: dict[tuple[str, str], np.ndarray] = {}
        missing: dict[str, list[str]] = {}
        for name, frame in frames.items():
            if name not in TABLES:
                raise ValueError(f"unknown table {name!r}; expected one of {sorted(TABLES)}")
            tables[name] = typed_table(
                name, frame, issues, f"{name}.csv", failures=failures, missing=missing
            )
        ds = _dataset_from_metadata(metadata, tables, issues)
        ds.parse_failures = failures
        ds.missing_columns = missing
        return ds


# --------------------------------------------------------------------------- typing cells


def _to_text(s: pd.Series) -> pd.Series:
    """Any column as stripped text with <NA> for empty cells."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        # text of each category once, then Arrow expands the codes (no per-row Python)
        import pyarrow as pa

        cats = _to_text(pd.Series(np.asarray(s.cat.categories, dtype=object), dtype=object))
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
        out = s.map(_cell_text, na_action="ignore").astype("string")
    else:
        out = s.astype("string")
    out = out.str.strip()
    return out.mask(out == "")


def _cell_text(value: Any) -> Any:
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


def _record_bad(
    issues: list[Issue],
    table_file: str,
    mask: np.ndarray,
    text: pd.Series,
    column: str,
    rule: str,
    message_fn,
    severity: str = "error",
) -> None:
    """Append one Issue per flagged row (at most MAX_ISSUES_PER_RULE, then one summary row)."""
    idx = np.flatnonzero(mask)
    for i in idx[:MAX_ISSUES_PER_RULE]:
        value = text.iat[i]
        value = None if value is pd.NA else value
        issues.append(
            Issue(severity, table_file, int(i) + 2, column, _short(value), rule, message_fn(value))
        )
    extra = len(idx) - MAX_ISSUES_PER_RULE
    if extra > 0:
        issues.append(
            Issue(severity, table_file, None, column, None, rule,
                  f"and {extra:,} more rows with the same problem (not listed)", count=extra)
        )


def _short(value: Any, limit: int = 80) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    return value


def _code_hint(value: str, codes: tuple[str, ...]) -> str:
    if value is None:
        return ""
    for code in codes:
        if value.lower() == code.lower():
            return f" (codes are case-sensitive: write {code!r})"
    if value.isdigit() and value.zfill(2) in codes:
        return f" (codes are text: write {value.zfill(2)!r}; keep the leading zero)"
    return ""


FIRST_DAY = np.datetime64("1900-01-01", "D")
LAST_DAY = np.datetime64("2100-12-31", "D")
"""Dates outside these bounds are refused as impossible for juvenile-justice records."""


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


def _parse_column(
    text: pd.Series | None,
    col: Column,
    issues: list[Issue],
    table_file: str,
    raw: pd.Series | None = None,
) -> tuple[pd.Series, np.ndarray | None]:
    """Parse one column; returns the typed column and the positions that failed.

    ``raw`` is the column as given: when it is already of the right type (Parquet, typed
    frames) it is converted directly; otherwise ``text`` (stripped text) is parsed.
    """
    dtype = raw.dtype if raw is not None else None
    if col.kind == "date" and dtype is not None and pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            raw = raw.dt.tz_localize(None)
        days = np.asarray(raw.to_numpy()).astype("datetime64[D]")
        return _dates_out(days, np.zeros(len(raw), bool), raw,
                          col, issues, table_file)
    if col.kind == "bool" and dtype is not None and (
            pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)):
        return raw.astype("boolean"), None
    if col.kind == "int" and dtype is not None and pd.api.types.is_integer_dtype(dtype):
        return raw.astype("Int64"), None
    if text is None:
        text = _to_text(raw)
    present = text.notna().to_numpy()
    if col.kind in ("id", "string"):
        return text, None
    bad: np.ndarray | None = None
    if col.kind == "code":
        cat, bad_mask = _lookup(text, {c: i for i, c in enumerate(col.codes)})
        if bad_mask.any():
            bad = bad_mask
            allowed = ", ".join(col.codes)
            _record_bad(issues, table_file, bad, text, col.name, "not_in_codes",
                        lambda v: f"{v!r} is not a code of {col.name}; allowed: {allowed}"
                        + _code_hint(v, col.codes))
        out = pd.Series(pd.Categorical.from_codes(cat, categories=list(col.codes)),
                        index=text.index)
    elif col.kind == "date":
        days = _text_days(text)
        bad_mask = present & np.isnat(days)
        if bad_mask.any():
            _record_bad(issues, table_file, bad_mask, text, col.name, "invalid_date",
                        lambda v: f"{v!r} is not a date written YYYY-MM-DD (or is impossible)")
        return _dates_out(days, bad_mask, text, col, issues, table_file)
    elif col.kind == "bool":
        words = {w: 1 for w in TRUE_WORDS} | {w: 0 for w in FALSE_WORDS}
        val, bad_mask = _lookup(text.str.lower(), words)
        if bad_mask.any():
            bad = bad_mask
            _record_bad(issues, table_file, bad, text, col.name, "invalid_boolean",
                        lambda v: f"{v!r} is not a yes/no value; write true or false "
                        "(yes/no, 1/0 also accepted)")
        out = pd.Series(pd.arrays.BooleanArray(val == 1, val < 0), index=text.index)
    elif col.kind == "int":
        import pyarrow as pa

        try:  # the common case: every cell a plain whole number
            ints = _arrow_text(text).cast(pa.int64())
            return pd.Series(pd.Int64Dtype().__from_arrow__(ints), index=text.index), None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass
        num = pd.to_numeric(text, errors="coerce")
        whole = (num.notna() & (num == np.floor(num)) & (num.abs() < 2**53)).to_numpy(bool)
        bad_mask = present & ~whole
        if bad_mask.any():
            bad = bad_mask
            _record_bad(issues, table_file, bad, text, col.name, "invalid_integer",
                        lambda v: f"{v!r} is not a whole number")
        out = num.where(whole).astype("Int64")
    else:  # pragma: no cover
        raise ValueError(f"unknown column kind {col.kind!r}")
    return out, (np.flatnonzero(bad) if bad is not None else None)


def _dates_out(days, bad_mask, shown, col, issues, table_file):
    """Refuse dates outside FIRST_DAY..LAST_DAY; return datetime64[ns] and failed positions."""
    far = ~np.isnat(days) & ((days < FIRST_DAY) | (days > LAST_DAY))
    if far.any():
        _record_bad(issues, table_file, far, _to_text(shown) if shown.dtype != "string"
                    else shown, col.name, "invalid_date",
                    lambda v: f"{v!r} is outside the years 1900 to 2100: is it mistyped?")
        days = np.where(far, np.datetime64("NaT"), days)
        bad_mask = bad_mask | far
    out = pd.Series(days.astype("datetime64[ns]"), index=shown.index)
    return out, (np.flatnonzero(bad_mask) if bad_mask.any() else None)


def _cap_cells(text: pd.Series, column: str, issues: list[Issue], table_file: str) -> pd.Series:
    lengths = text.str.len()
    too_long = (lengths > MAX_CELL_CHARS).fillna(False).to_numpy(bool)
    if too_long.any():
        _record_bad(issues, table_file, too_long, text, column, "cell_too_long",
                    lambda v: f"a cell of {len(v):,} characters (at most {MAX_CELL_CHARS:,} "
                    "accepted): is this the right column or file?")
        text = text.mask(too_long)
    return text


def _needs_text(raw: pd.Series, col: Column) -> bool:
    """False when the column already has the type its kind needs (no text round trip)."""
    dtype = raw.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    if col.kind == "date":
        return not pd.api.types.is_datetime64_any_dtype(dtype)
    if col.kind == "bool":
        return not pd.api.types.is_bool_dtype(dtype)
    if col.kind == "int":
        return not pd.api.types.is_integer_dtype(dtype)
    return True


def typed_table(
    name: str,
    frame: pd.DataFrame,
    issues: list[Issue],
    table_file: str | None = None,
    *,
    failures: dict[tuple[str, str], np.ndarray] | None = None,
    missing: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Parse a raw frame of table ``name`` into the contract's types.

    Unparseable cells become missing and are reported in ``issues``; columns the contract does
    not know are kept as text (they are carried, never required) with a warning; a missing
    optional column is added, all missing, so that the engine can rely on every contract column
    being there (a missing required column is added too, and reported as an error). Columns
    that look like direct identifiers are reported as errors and dropped.

    Parameters
    ----------
    name : str
        Table name, a key of ``codes.TABLES``.
    frame : DataFrame
        Raw cells (text as read from a CSV) or already typed values.
    issues : list of Issue
        Problems found are appended here.
    table_file : str, optional
        The file name used in messages (default ``<name>.csv``).
    failures, missing : dict, optional
        Filled with the positions of cells that failed to parse (``(name, column) -> array``)
        and with the contract columns absent from the frame (``name -> list``).
    """
    table_file = table_file or f"{name}.csv"
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    dup = frame.columns.duplicated()
    if dup.any():
        for name_ in dict.fromkeys(frame.columns[dup]):
            issues.append(Issue("error", table_file, 1, name_, name_, "duplicate_column",
                                f"column {name_!r} appears more than once; only the first "
                                "was read"))
        frame = frame.loc[:, ~dup]
    out = {}
    absent = []
    for col in TABLES[name]:
        if col.name in frame.columns:
            raw = frame[col.name]
            text = None
            if _needs_text(raw, col):
                text = _cap_cells(_to_text(raw), col.name, issues, table_file)
            out[col.name], bad = _parse_column(text, col, issues, table_file, raw)
            if bad is not None and failures is not None:
                failures[(name, col.name)] = bad
        else:
            out[col.name], _ = _parse_column(
                pd.Series(pd.NA, index=frame.index, dtype="string"), col, [], table_file
            )
            absent.append(col.name)
            if col.required:
                issues.append(Issue(
                    "error", table_file, 1, col.name, None, "missing_column",
                    f"{table_file} has no column {col.name!r}, which is required "
                    f"(columns found: {', '.join(map(str, frame.columns)) or 'none'})"))
    if missing is not None and absent:
        missing[name] = absent
    known = {c.name for c in TABLES[name]}
    for extra in frame.columns:
        if extra in known:
            continue
        if extra in SOURCE_COLUMNS:  # provenance of an ingested record: carried, no warning
            out[extra] = _provenance(frame[extra], extra)
            continue
        if is_direct_identifier(extra):
            issues.append(Issue(
                "error", table_file, 1, extra, None, "direct_identifier",
                f"column {extra!r} looks like a direct identifier of a person: records must be "
                "pseudonymous; delete this column (it was not read)"))
            continue
        issues.append(Issue(
            "warning", table_file, 1, extra, None, "unknown_column",
            f"column {extra!r} is not part of the {name} table; it is carried but not used"))
        out[extra] = _cap_cells(_to_text(frame[extra]), extra, issues, table_file)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _provenance(raw: pd.Series, column: str) -> pd.Series:
    """``source_file`` as text, ``source_row`` as Int64 (a cell that is not a number: missing)."""
    if column == "source_row":
        if pd.api.types.is_integer_dtype(raw.dtype):
            return raw.astype("Int64")
        return pd.to_numeric(_to_text(raw), errors="coerce").astype("Int64")
    return _to_text(raw)


# --------------------------------------------------------------------------- metadata


def _as_timestamp(
    value: Any, key: str, issues: list[Issue], source: str = "dataset.toml"
) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(_dt.date.fromisoformat(str(value).strip()))
    except ValueError:
        issues.append(Issue("error", source, None, key, _short(str(value)), "invalid_date",
                            f"{key} = {value!r} is not a date written YYYY-MM-DD"))
        return None


def _dataset_from_metadata(
    meta: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    issues: list[Issue],
    source: str = "dataset.toml",
    check_keys: bool = True,
) -> Dataset:
    start = _as_timestamp(meta.get("period_start"), "period_start", issues, source)
    end = _as_timestamp(meta.get("period_end"), "period_end", issues, source)
    census = _as_timestamp(meta.get("census_date"), "census_date", issues, source) or end
    if check_keys:
        for key in ("period_start", "period_end"):
            if key not in meta:
                issues.append(Issue("error", source, None, key, None, "missing_key",
                                    f"{source} has no {key}; write e.g. {key} = 2024-01-01"))
    policy_in = meta.get("policy") or {}
    policy = {}
    for key in policy_keys():
        val = policy_in.get(key) if isinstance(policy_in, dict) else None
        policy[key] = val if isinstance(val, bool) else None
    params = Parameters.from_table(meta.get("parameters"))
    mcr = meta.get("minimum_age_criminal_responsibility")
    name = meta.get("country_name")
    return Dataset(
        country=str(meta.get("country", "")),
        country_name=name if isinstance(name, str) else None,
        period_start=start if start is not None else pd.NaT,
        period_end=end if end is not None else pd.NaT,
        census_date=census if census is not None else pd.NaT,
        minimum_age_criminal_responsibility=(
            mcr if isinstance(mcr, int) and not isinstance(mcr, bool) else None
        ),
        policy=policy,
        parameters=params,
        metadata=dict(meta),
        tables=tables,
        issues=issues,
        metadata_source=source,
    )


# --------------------------------------------------------------------------- CSV files

_ENCODING_NAMES = {"cp1252": "Windows-1252 (Western European)", "latin-1": "Latin-1 (ISO-8859-1)",
                   "utf-16": "UTF-16"}
_DELIMITER_NAMES = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


def _decode(data: bytes, table_file: str, issues: list[Issue]) -> str | None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    elif b"\x00" in data[:65536]:
        issues.append(Issue("error", table_file, None, None, None, "not_text",
                            f"{table_file} is not a text file (it holds binary data): save the "
                            "table as 'CSV UTF-8 (comma delimited)'"))
        return None
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            encoding = "cp1252"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "latin-1"
        text = data.decode(encoding)
    if encoding == "utf-16" and text.startswith("\ufeff"):
        text = text[1:]
    issues.append(Issue(
        "warning", table_file, None, None, encoding, "assumed_encoding",
        f"{table_file} is not UTF-8; it was read as {_ENCODING_NAMES[encoding]}. Check that "
        "accented letters look right, or save the file as 'CSV UTF-8'"))
    return text


def _pick_delimiter(header_line: str, known: set[str]) -> str:
    best, best_score = ",", None
    for delim in (",", ";", "\t", "|"):
        fields = [f.strip() for f in next(csv.reader([header_line], delimiter=delim), [])]
        score = (sum(f in known for f in fields), len(fields))
        if best_score is None or score > best_score:
            best, best_score = delim, score
    return best


def _read_raw_csv(path: Path, issues: list[Issue], table: str) -> pd.DataFrame | None:
    """Read a CSV as text cells; None (with an error issue) when it cannot be read."""
    table_file = path.name
    size = path.stat().st_size
    if size == 0:
        issues.append(Issue("error", table_file, None, None, None, "empty_file",
                            f"{table_file} is empty: a table needs at least its header row"))
        return None
    if size > MAX_FILE_BYTES:
        issues.append(Issue("error", table_file, None, None, None, "file_too_large",
                            f"{table_file} has {size / 1024**3:.1f} GiB, more than the "
                            f"{MAX_FILE_BYTES / 1024**3:.0f} GiB accepted: save it as Parquet "
                            "or split the period"))
        return None
    data = path.read_bytes()
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" not in data[:65536]:
        frame = _fast_csv(data, table)
        if frame is not None:
            return frame
    text = _decode(data, table_file, issues)
    del data
    if text is None:
        return None
    first_line = text[: text.find("\n") if "\n" in text else len(text)].rstrip("\r")
    if len(first_line) > 65536:
        issues.append(Issue("error", table_file, 1, None, None, "malformed_file",
                            f"the first row of {table_file} has {len(first_line):,} characters: "
                            "it is not a header row naming the columns"))
        return None
    if not first_line.strip():
        issues.append(Issue("error", table_file, 1, None, None, "missing_header",
                            f"{table_file} has no header row: row 1 must name the columns"))
        return None
    delimiter = _pick_delimiter(first_line, {c.name for c in TABLES[table]})
    if delimiter != ",":
        issues.append(Issue(
            "warning", table_file, None, None, delimiter, "assumed_delimiter",
            f"{table_file} is delimited by {_DELIMITER_NAMES[delimiter]}, not commas; it was "
            "read that way"))
    header = [h.strip() for h in next(csv.reader([first_line], delimiter=delimiter))]
    if not _check_header(header, table_file, issues):
        return None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                na_values=[""], skip_blank_lines=False, index_col=False, header=0, names=header,
            )
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            # pandas would drop the extra cells: find the rows and refuse the file instead
            width = len(header)
            long_rows = []
            with contextlib.suppress(csv.Error):
                long_rows = [i + 1 for i, rec in enumerate(
                    csv.reader(io.StringIO(text), delimiter=delimiter)) if len(rec) > width]
            first = long_rows[0] if long_rows else None
            issues.append(Issue(
                "error", table_file, first, None, None, "malformed_file",
                f"{len(long_rows):,} row(s) of {table_file} have more cells than the header "
                f"(first: row {first}): a delimiter inside a cell needs quotes, or a column "
                "name is missing"))
            return None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        msg = str(exc).replace("Error tokenizing data. C error: ", "")
        issues.append(Issue("error", table_file, None, None, None, "malformed_file",
                            f"{table_file} cannot be read as a table: {msg}. Check for quotes "
                            "or delimiters inside cells and rows with extra cells"))
        return None
    del text
    return _drop_trailing_empty(frame)


def _fast_csv(data: bytes, table: str) -> pd.DataFrame | None:
    """Arrow's multi-threaded reader for the common case: UTF-8, commas, a clean header.

    Returns None whenever anything is unusual (another encoding or delimiter, a bad header,
    a row with too many cells, blank lines, a huge cell): the careful reader then reads the
    file again and reports what it finds.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    end = body.find(b"\n")
    try:
        first_line = body[: end if end >= 0 else len(body)].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if not first_line.strip() or len(first_line) > 65536:
        return None
    if _pick_delimiter(first_line, {c.name for c in TABLES[table]}) != ",":
        return None
    header = [h.strip() for h in next(csv.reader([first_line]))]
    if not _check_header(header, "", []):
        return None
    try:
        tbl = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return None
    return _drop_trailing_empty(tbl.to_pandas())


def _check_header(header: list[Any], table_file: str, issues: list[Issue]) -> bool:
    names = ["" if h is None else str(h).strip() for h in header]
    ok = True
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            issues.append(Issue("error", table_file, 1, name, name, "duplicate_column",
                                f"column {name!r} appears more than once in the header"))
            ok = False
        seen.add(name)
    blanks = [pos + 1 for pos, n in enumerate(names) if not n]
    if blanks:
        issues.append(Issue("error", table_file, 1, None, None, "unnamed_column",
                            f"column(s) at position {', '.join(map(str, blanks))} have no name "
                            "in the header row"))
        ok = False
    return ok


def _drop_trailing_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows that are entirely empty at the end only (rows keep their spreadsheet number)."""
    if len(frame) == 0:
        return frame
    filled = frame.notna().any(axis=1).to_numpy()
    last = np.flatnonzero(filled)
    keep = int(last[-1]) + 1 if len(last) else 0
    return frame.iloc[:keep]


def _read_parquet(path: Path, issues: list[Issue]) -> pd.DataFrame | None:
    table_file = path.name
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        issues.append(Issue("error", table_file, None, None, None, "file_too_large",
                            f"{table_file} is larger than the {MAX_FILE_BYTES / 1024**3:.0f} "
                            "GiB accepted"))
        return None
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        if not _check_header(list(pf.schema_arrow.names), table_file, issues):
            return None
        table = pf.read()
        for i, fld in enumerate(table.schema):
            if pa.types.is_date(fld.type):  # dates as datetime64, not Python objects
                table = table.set_column(i, fld.name, table.column(i).cast(pa.timestamp("s")))
        mapping = {pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype(),
                   pa.int32(): pd.Int64Dtype(), pa.int16(): pd.Int64Dtype(),
                   pa.int8(): pd.Int64Dtype()}
        return table.to_pandas(types_mapper=mapping.get)
    except Exception as exc:  # any pyarrow failure is "unreadable", never a traceback
        issues.append(Issue("error", table_file, None, None, None, "unreadable_file",
                            f"{table_file} cannot be read as Parquet: {_short(str(exc), 200)}"))
        return None


# --------------------------------------------------------------------------- workbooks


def _open_workbook(path: Path, issues: list[Issue]):
    if path.stat().st_size > MAX_WORKBOOK_BYTES:
        issues.append(Issue("error", path.name, None, None, None, "file_too_large",
                            f"{path.name} is larger than the {MAX_WORKBOOK_BYTES / 1024**2:.0f} "
                            "MiB accepted for workbooks: save the large tables as CSV or Parquet"))
        return None
    try:
        import openpyxl

        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        issues.append(Issue("error", path.name, None, None, None, "unreadable_file",
                            f"{path.name} cannot be read as an .xlsx workbook: "
                            f"{_short(str(exc), 200)}"))
        return None


def _sheet_rows(ws) -> list[tuple]:
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    return rows


def _read_sheet(ws, label: str, issues: list[Issue]) -> pd.DataFrame | None:
    rows = _sheet_rows(ws)
    if not rows:
        issues.append(Issue("error", label, None, None, None, "empty_file",
                            f"sheet {label} is empty: a table needs at least its header row"))
        return None
    header = list(rows[0])
    while header and header[-1] is None:
        header.pop()
    if not header:
        issues.append(Issue("error", label, 1, None, None, "missing_header",
                            f"sheet {label} has no header row: row 1 must name the columns"))
        return None
    if not _check_header(header, label, issues):
        return None
    width = len(header)
    body = [tuple(_cell_text(v) if v is not None else None for v in r[:width]) for r in rows[1:]]
    overflow = [i + 2 for i, r in enumerate(rows[1:]) if any(v is not None for v in r[width:])]
    if overflow:
        issues.append(Issue("error", label, overflow[0], None, None, "cell_outside_header",
                            f"{len(overflow)} row(s) have values in columns without a header "
                            f"(first: row {overflow[0]}); name the column or delete the values"))
    frame = pd.DataFrame(body, columns=[str(h).strip() for h in header], dtype=object)
    return frame.astype("string") if len(frame) else frame


def _metadata_from_sheet(ws, label: str, issues: list[Issue]) -> dict[str, Any]:
    """The ``dataset`` sheet (key, value rows) as the dict dataset.toml would give."""
    meta: dict[str, Any] = {}
    for i, row in enumerate(_sheet_rows(ws)):
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        value = row[1] if len(row) > 1 else None
        if i == 0 and key.lower() == "key":
            continue
        if key.startswith("#") or value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str):
            value = value.strip()
            low = value.lower()
            if low in ("true", "false"):
                value = low == "true"
            elif re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif re.fullmatch(r"-?\d*\.\d+", value):
                value = float(value)
        elif isinstance(value, _dt.datetime):
            value = value.date()
        elif isinstance(value, float) and value == int(value):
            value = int(value)
        section, _, sub = key.partition(".")
        if sub and section in ("policy", "parameters"):
            meta.setdefault(section, {})[sub] = value
        else:
            meta[key] = value
    return meta


# --------------------------------------------------------------------------- the folder


def _read_toml(path: Path, issues: list[Issue]) -> tuple[dict[str, Any], bool]:
    """dataset.toml as a dict; (``{}``, False) with an error issue when it cannot be read."""
    if path.stat().st_size > MAX_TOML_BYTES:
        issues.append(Issue("error", "dataset.toml", None, None, None, "file_too_large",
                            "dataset.toml is larger than 1 MiB: it should hold a few lines"))
        return {}, False
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig")), True
    except UnicodeDecodeError:
        msg = "it is not UTF-8 text; save it as UTF-8"
    except tomllib.TOMLDecodeError as exc:
        msg = f"{exc}. Dates are written without quotes (period_start = 2024-01-01), text " \
              "within quotes (country = \"ATL\")"
    except ValueError as exc:
        msg = str(exc)
    issues.append(Issue("error", "dataset.toml", None, None, None, "invalid_toml",
                        f"dataset.toml cannot be read: {msg}"))
    return {}, False


def read_dataset(path: str | Path) -> Dataset:
    """Read a dataset folder: ``dataset.toml`` and each table as .csv, .parquet or .xlsx sheet.

    Parameters
    ----------
    path : str or Path
        The dataset folder (or its dataset.toml, or a workbook holding a ``dataset`` sheet),
        or a mapping file (any other ``.toml``, ``ingest.md``): the exports it names are then
        ingested in memory, with ``source_file``/``source_row`` on every record.

    Returns
    -------
    Dataset
        Typed tables and metadata; problems met while reading are in ``Dataset.issues``.

    Raises
    ------
    DatasetError
        When the path is not a dataset at all (missing, or neither dataset.toml nor a
        workbook with a ``dataset`` sheet).

    Notes
    -----
    Row numbers in issues are spreadsheet rows (header = 1). For a sheet of a workbook the
    table is named ``workbook.xlsx[sheet]``. See the module notes for the assumptions stated
    as warnings (encoding, delimiter) and the size limits.
    """
    given = Path(path)
    workbook_only = None
    if given.is_file() and given.suffix.lower() == ".toml" and given.name != "dataset.toml":
        # A mapping file of ``ingest.md``: the exports are ingested in memory. (The import is
        # local: ingest is part of reading and builds on this module.)
        from .ingest import read_mapped

        return read_mapped(given)
    if given.is_file() and given.name == "dataset.toml":
        given = given.parent
    elif given.is_file() and given.suffix.lower() == ".xlsx":
        workbook_only = given
        given = given.parent
    if not given.exists():
        raise DatasetError(f"{given} does not exist: give the folder that holds dataset.toml")
    if not given.is_dir():
        raise DatasetError(f"{given} is not a folder: give the folder that holds dataset.toml")
    folder = given
    issues: list[Issue] = []
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "~$")))
    except OSError as exc:
        raise DatasetError(f"{folder} cannot be listed: {exc.strerror}") from None
    if workbook_only is not None:
        entries = [workbook_only]
    workbooks = [p for p in entries if p.is_file() and p.suffix.lower() == ".xlsx"]
    toml_path = folder / "dataset.toml"
    has_toml = workbook_only is None and toml_path.is_file()

    wb = None
    wb_path = None
    if len(workbooks) > 1:
        issues.append(Issue("error", workbooks[1].name, None, None, None, "several_workbooks",
                            f"the folder holds {len(workbooks)} workbooks "
                            f"({', '.join(p.name for p in workbooks)}); keep one"))
    elif workbooks:
        wb_path = workbooks[0]
        wb = _open_workbook(wb_path, issues)

    source = "dataset.toml"
    if has_toml:
        meta, meta_ok = _read_toml(toml_path, issues)
    elif wb is not None and "dataset" in wb.sheetnames:
        source = f"{wb_path.name}[dataset]"
        meta, meta_ok = _metadata_from_sheet(wb["dataset"], source, issues), True
    else:
        if wb is not None:
            wb.close()
        raise DatasetError(
            f"{folder} has no dataset.toml: this folder is not a dataset (a dataset is a folder "
            "holding dataset.toml and the tables; `jj-indicators template --csv DIR` writes one)",
            issues,
        )

    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, Path] = {}
    labels: dict[str, str] = {}
    failures: dict[tuple[str, str], np.ndarray] = {}
    missing: dict[str, list[str]] = {}
    unreadable: set[str] = set()
    used = {toml_path} if has_toml else set()
    if wb_path is not None:
        used.add(wb_path)
    for p in workbooks[1:]:
        used.add(p)
    sheets = {}
    if wb is not None:
        for sheet in wb.sheetnames:
            if sheet in TABLES:
                sheets[sheet] = sheet
            elif sheet.strip().lower() in TABLES and sheet.strip().lower() not in sheets:
                sheets[sheet.strip().lower()] = sheet
            elif sheet.strip().lower() not in WORKBOOK_SHEETS:
                issues.append(Issue("warning", wb_path.name, None, None, sheet, "unknown_sheet",
                                    f"sheet {sheet!r} is not a table of the record format; "
                                    "it was ignored"))
    for name in TABLES:
        candidates = [p for p in entries if p.is_file() and p.name in (f"{name}.csv",
                                                                      f"{name}.parquet")]
        found = [p.name for p in candidates] + (
            [f"{wb_path.name}[{sheets[name]}]"] if name in sheets else [])
        used.update(candidates)
        if len(found) > 1:
            issues.append(Issue("error", found[0], None, None, None, "several_files",
                                f"table {name} is given more than once ({', '.join(found)}); "
                                "keep one"))
            unreadable.add(name)
            continue
        if not found:
            continue
        if candidates:
            src = candidates[0]
            label = src.name
            raw = (_read_raw_csv(src, issues, name) if src.suffix == ".csv"
                   else _read_parquet(src, issues))
        else:
            src = wb_path
            label = f"{wb_path.name}[{sheets[name]}]"
            raw = _read_sheet(wb[sheets[name]], label, issues)
        if raw is None:
            unreadable.add(name)
            continue
        tables[name] = typed_table(name, raw, issues, label, failures=failures, missing=missing)
        sources[name] = src
        labels[name] = label
    if wb is not None:
        wb.close()
    for p in entries:
        if p not in used and p.name not in ("dataset.toml",):
            hint = ""
            stem = p.name.split(".")[0].strip().lower()
            if stem in TABLES:
                hint = f"; the {stem} table is read from {stem}.csv, {stem}.parquet or a sheet"
            issues.append(Issue("warning", p.name, None, None, None, "unknown_file",
                                f"{p.name} is not part of the record format; it was ignored"
                                + hint))
    ds = _dataset_from_metadata(meta, tables, issues, source, check_keys=meta_ok)
    ds.sources = sources
    ds.source_labels = labels
    ds.path = folder
    ds.parse_failures = failures
    ds.missing_columns = missing
    ds.unreadable = unreadable
    return ds
