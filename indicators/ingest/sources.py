"""Reading the exports a mapping names: CSV, .xlsx sheets, Parquet and SQL databases.

Every reader returns a :class:`RawTable`: the header as written (trimmed), each column as text
(trimmed, empty cells missing), the spreadsheet row of every record, and which cells were typed
dates in the export (an .xlsx date cell, a Parquet or database date column), which are dates
whatever ``date_format`` says. A source that cannot be read becomes an issue naming it, never an
exception.

Row numbers are those a spreadsheet shows: ``header_row`` is the header's own row (rows above
it, blank ones included, are titles), the first record is the row after it. For Parquet files
and database results the header counts as row 1, as if they were exported to CSV.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import glob
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..issues import Issue
from ..reading.files import MAX_FILE_BYTES
from ..reading.workbook import MAX_WORKBOOK_BYTES
from .mapping import Mapping, Source, close_match, expand_env

__all__ = ["RawTable", "read_source"]


@dataclass
class RawTable:
    """One export (file, sheet or query result) as text cells, before mapping."""

    label: str
    header: list[str]
    columns: dict[str, pd.Series]
    rows: np.ndarray
    header_row: int = 1
    native_dates: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


def _error(issues: list[Issue], label: str, rule: str, message: str, row: int | None = None,
           column: str | None = None) -> None:
    issues.append(Issue("error", label, row, column, None, rule, message))


def _clean(values) -> pd.Series:
    """Text (a Series or an Arrow array) with surrounding whitespace removed; empty cells
    missing; as an Arrow-backed string Series (no per-cell Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pd.Series):
        if not isinstance(values.array, pd.arrays.ArrowStringArray):
            values = values.astype("string[pyarrow]")
        values = values.array._pa_array
    arr = values if values.type == pa.string() else values.cast(pa.string())
    ascii_only = pc.all(pc.string_is_ascii(arr)).as_py() is not False
    # ASCII trimming is ten times faster; text with accents needs Unicode whitespace rules
    arr = pc.ascii_trim_whitespace(arr) if ascii_only else pc.utf8_trim_whitespace(arr)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr], type=pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(arr))


# --------------------------------------------------------------------------- files


def expand_files(mapping: Mapping, src: Source, issues: list[Issue]) -> list[Path]:
    """Every file the source names, in sorted order of path; a pattern matching nothing is an
    error naming it."""
    found: dict[str, Path] = {}
    for pattern in src.files:
        full = mapping.folder / pattern
        hits = [Path(p) for p in glob.glob(str(full), recursive=True)] if glob.has_magic(
            pattern) else ([full] if full.exists() else [])
        hits = [p for p in hits if p.is_file() and not p.name.startswith(("~$", "."))]
        if not hits:
            what = "matches no file" if glob.has_magic(pattern) else "does not exist"
            _error(issues, mapping.label, "no_matching_file",
                   f"{src.name}: files {pattern!r} {what} (paths are relative to "
                   f"{mapping.label}, in {mapping.folder})", column=f"source[{src.number}].files")
        for p in hits:
            found[str(p.resolve())] = p
    return sorted(found.values(), key=lambda p: p.as_posix())


def relative_label(path: Path, folder: Path) -> str:
    """A file's path relative to the mapping file (``/`` separators)."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def read_source(mapping: Mapping, src: Source, issues: list[Issue]
                ) -> list[tuple[str, RawTable | None]]:
    """Every export of one ``[[source]]`` block as (label, table); the table is None for an
    export that could not be read (the reason is in ``issues``)."""
    if src.url is not None:
        url, _ = expand_env(src.url)
        return [(database_label(url, src), _read_database(mapping, src, issues))]
    out: list[tuple[str, RawTable | None]] = []
    for path in expand_files(mapping, src, issues):
        label = relative_label(path, mapping.folder)
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            out += _read_workbook(path, label, src, issues)
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            _error(issues, label, "unreadable_source", f"{label} is larger than the "
                   f"{MAX_FILE_BYTES / 1024**3:.0f} GiB accepted: split it")
            out.append((label, None))
            continue
        table = (_read_parquet(path, label, issues) if suffix == ".parquet"
                 else _read_csv(path, label, src, issues))
        out.append((label, table))
    return out


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes, label: str, encoding: str | None, issues: list[Issue]) -> str | None:
    enc = encoding or "utf-8"
    if enc.lower().replace("_", "-") in ("utf-8", "utf8"):
        enc = "utf-8-sig"  # a byte-order mark is accepted
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ("; declare its encoding in the source, e.g. encoding = \"cp1252\" (Windows "
                "Western European) or \"latin-1\"") if encoding is None else ""
        _error(issues, label, "unreadable_source", f"{label} is not {encoding or 'UTF-8'} text "
               f"(byte {exc.start:,}, on line {line}){hint}", row=line)
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _is_utf8(encoding: str | None) -> bool:
    return (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def _read_csv(path: Path, label: str, src: Source, issues: list[Issue]) -> RawTable | None:
    data = path.read_bytes()
    if not data.strip():
        _error(issues, label, "unreadable_source", f"{label} is empty: an export needs at "
               "least its header row")
        return None
    if b"\x00" in data[:65536] and not (src.encoding or "").lower().startswith("utf-16"):
        _error(issues, label, "unreadable_source", f"{label} is not a text file (it holds "
               "binary data); for UTF-16 text declare encoding = \"utf-16\"")
        return None
    h = src.header_row
    if _is_utf8(src.encoding):
        # the common case: hand the body's bytes to Arrow as they are (it checks UTF-8)
        raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        parts = raw.split(b"\n", h)
        try:
            top = [p.decode("utf-8") for p in parts[:h]]
        except UnicodeDecodeError:
            top = None
        body_bytes = parts[h] if len(parts) > h and top is not None else b""
        if top is not None:
            header = _csv_header(top, label, h, src, issues)
            if header is None:
                return None
            frame = _arrow_csv(body_bytes, header, src.delimiter)
            if frame is not None:
                return _raw_csv(label, header, frame, h, None)
    text = _decode(data, label, src.encoding, issues)
    del data
    if text is None:
        return None
    lines = text.split("\n", h)
    header = _csv_header(lines[:h], label, h, src, issues)
    if header is None:
        return None
    body = lines[h] if len(lines) > h else ""
    frame = _arrow_csv(body.encode("utf-8"), header, src.delimiter)
    rows = None
    if frame is None:
        frame, rows = _python_csv(body, header, label, h, src.delimiter, issues)
        if frame is None:
            return None
    return _raw_csv(label, header, frame, h, rows)


def _raw_csv(label: str, header: list[str], frame, h: int, rows: np.ndarray | None) -> RawTable:
    """A RawTable from an Arrow table (or a frame of text) of the body."""
    n = frame.num_rows if hasattr(frame, "num_rows") else len(frame)
    if rows is None:
        rows = np.arange(h + 1, h + 1 + n, dtype=np.int64)
    if hasattr(frame, "num_rows"):
        columns = {name: _clean(frame.column(j)) for j, name in enumerate(header)}
    else:
        columns = {name: _clean(frame.iloc[:, j]) for j, name in enumerate(header)}
    return _drop_trailing_blank(RawTable(label, header, columns, rows, h))


def _csv_header(top: list[str], label: str, h: int, src: Source,
                issues: list[Issue]) -> list[str] | None:
    """The column names on row ``h`` (rows above are titles), checked."""
    if len(top) < h or not top[h - 1].strip():
        _error(issues, label, "unreadable_source", f"{label} has no header on row {h} "
               f"(header_row = {h}): that row is empty or past the end of the file", row=h)
        return None
    records = list(csv.reader([t.rstrip("\r") for t in top], delimiter=src.delimiter))
    if len(records) != h:
        _error(issues, label, "unreadable_source", f"{label}: a quoted cell above row {h} "
               "spans several lines; give the header_row as the export's", row=h)
        return None
    header = [c.strip() for c in records[-1]]
    return header if _check_header(header, label, h, src, issues) else None


def _check_header(header: list[str], label: str, row: int, src: Source,
                  issues: list[Issue]) -> bool:
    ok = True
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            _error(issues, label, "duplicate_column", f"{label}: column {name!r} appears more "
                   f"than once in the header (row {row})", row=row, column=name)
            ok = False
        seen.add(name)
    if len(header) == 1 and src.delimiter == ",":
        for delim, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if delim in header[0]:
                _error(issues, label, "unreadable_source", f"{label}: the header (row {row}) "
                       f"is one cell holding {name}; declare delimiter = {delim!r} in "
                       f"{src.name}".replace("'\\t'", '"\\t"'), row=row)
                return False
    return ok


def _arrow_csv(body: bytes, header: list[str], delimiter: str):
    """Arrow's reader for a regular body (None when any row is ragged or unusual)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return None
    return table


def _python_csv(body: str, header: list[str], label: str, h: int, delimiter: str,
                issues: list[Issue]) -> tuple[pd.DataFrame | None, np.ndarray]:
    """The careful reader: rows with more cells than the header are refused (listed)."""
    width = len(header)
    records: list[list[str]] = []
    long_rows: list[int] = []
    try:
        for i, rec in enumerate(csv.reader(io.StringIO(body), delimiter=delimiter)):
            if len(rec) > width and any(c.strip() for c in rec[width:]):
                long_rows.append(h + 1 + i)
            records.append((rec + [""] * width)[:width])
    except csv.Error as exc:
        _error(issues, label, "unreadable_source", f"{label} cannot be read as a table: {exc}")
        return None, np.zeros(0, np.int64)
    if long_rows:
        first = ", ".join(map(str, long_rows[:5]))
        _error(issues, label, "unreadable_source", f"{label}: {len(long_rows):,} row(s) have "
               f"more cells than the header (rows {first}{'...' if len(long_rows) > 5 else ''}):"
               " a delimiter inside a cell needs quotes, or a column name is missing",
               row=long_rows[0])
        return None, np.zeros(0, np.int64)
    frame = pd.DataFrame(records, columns=header, dtype="string")
    return frame, np.arange(h + 1, h + 1 + len(records), dtype=np.int64)


def _drop_trailing_blank(raw: RawTable) -> RawTable:
    """Blank rows at the end are not rows of the table (a spreadsheet's empty tail)."""
    if not len(raw) or not raw.columns:
        return raw
    filled = np.zeros(len(raw), dtype=bool)
    for s in raw.columns.values():
        filled |= s.notna().to_numpy()
    last = np.flatnonzero(filled)
    keep = int(last[-1]) + 1 if len(last) else 0
    if keep < len(raw):
        raw.columns = {k: v.iloc[:keep] for k, v in raw.columns.items()}
        raw.native_dates = {k: v[:keep] for k, v in raw.native_dates.items()}
        raw.rows = raw.rows[:keep]
    return raw


# --------------------------------------------------------------------------- typed cells


def _cell_text(value: Any) -> tuple[str | None, bool]:
    """A typed cell (workbook, database) as text, and whether it was a date."""
    if value is None:
        return None, False
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    if isinstance(value, _dt.datetime):
        return value.date().isoformat(), True
    if isinstance(value, _dt.date):
        return value.isoformat(), True
    if isinstance(value, float | Decimal):
        if value != value:  # NaN
            return None, False
        if value == int(value) and abs(value) < 2**53:
            return str(int(value)), False
        return str(value), False
    return str(value), False


def _typed_frame(label: str, header: list[str], records: list[tuple], first_row: int,
                 header_row: int) -> RawTable:
    """Records of typed cells as a RawTable (dates kept as native-date masks)."""
    n, width = len(records), len(header)
    cols: dict[str, pd.Series] = {}
    natives: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        texts = [None] * n
        native = np.zeros(n, dtype=bool)
        for i, rec in enumerate(records):
            if j < len(rec):
                texts[i], native[i] = _cell_text(rec[j])
        cols[name] = _clean(pd.Series(texts, dtype=object))
        if native.any():
            natives[name] = native
    del width
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    return RawTable(label, header, cols, rows, header_row, natives)


def _header_of(values: tuple, label: str, row: int, src: Source, issues: list[Issue]
               ) -> list[str] | None:
    header = [("" if v is None else str(v)).strip() for v in values]
    while header and not header[-1]:
        header.pop()
    if not header:
        _error(issues, label, "unreadable_source", f"{label}: row {row} (header_row = {row}) is "
               "empty; give the row that holds the column names", row=row)
        return None
    return header if _check_header(header, label, row, src, issues) else None


def _read_workbook(path: Path, label: str, src: Source, issues: list[Issue]
                   ) -> list[tuple[str, RawTable | None]]:
    if path.stat().st_size > MAX_WORKBOOK_BYTES:
        _error(issues, label, "unreadable_source", f"{label} is larger than the "
               f"{MAX_WORKBOOK_BYTES / 1024**2:.0f} MiB accepted for workbooks: save it as CSV")
        return [(label, None)]
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any openpyxl failure is "unreadable", never a traceback
        _error(issues, label, "unreadable_source", f"{label} cannot be read as an .xlsx "
               f"workbook: {str(exc)[:200]}")
        return [(label, None)]
    out: list[tuple[str, RawTable | None]] = []
    try:
        for sheet in src.sheets or (wb.sheetnames[0],):
            sheet_label = f"{label}[{sheet}]"
            if sheet not in wb.sheetnames:
                _error(issues, sheet_label, "unreadable_source", f"{label} has no sheet "
                       f"{sheet!r}{close_match(sheet, wb.sheetnames)}; its sheets: "
                       f"{', '.join(wb.sheetnames)}", column=sheet)
                out.append((sheet_label, None))
                continue
            out.append((sheet_label, _read_sheet(wb[sheet], sheet_label, src, issues)))
    finally:
        wb.close()
    return out


def _read_sheet(ws, label: str, src: Source, issues: list[Issue]) -> RawTable | None:
    rows = list(ws.iter_rows(values_only=True))
    h = src.header_row
    if len(rows) < h:
        _error(issues, label, "unreadable_source", f"{label} has no row {h} (header_row = {h}): "
               f"it has {len(rows)} rows", row=h)
        return None
    header = _header_of(rows[h - 1], label, h, src, issues)
    if header is None:
        return None
    body = rows[h:]
    overflow = [h + 1 + i for i, r in enumerate(body)
                if any(v is not None and str(v).strip() for v in r[len(header):])]
    if overflow:
        _error(issues, label, "unreadable_source", f"{label}: {len(overflow)} row(s) have "
               f"values in columns without a header (first: row {overflow[0]}); name the "
               "column or delete the values", row=overflow[0])
        return None
    return _drop_trailing_blank(_typed_frame(label, header, body, h + 1, h))


def _read_parquet(path: Path, label: str, issues: list[Issue]) -> RawTable | None:
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    except Exception as exc:  # any pyarrow failure is "unreadable", never a traceback
        _error(issues, label, "unreadable_source", f"{label} cannot be read as Parquet: "
               f"{str(exc)[:200]}")
        return None
    return _arrow_raw(table, label)


def _arrow_raw(table, label: str) -> RawTable:
    """An Arrow table (Parquet, database) as a RawTable: date columns become native dates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    header = [str(n).strip() for n in table.column_names]
    cols: dict[str, pd.Series] = {}
    natives: dict[str, np.ndarray] = {}
    for name, arr in zip(header, table.columns, strict=True):
        kind = arr.type
        if pa.types.is_dictionary(kind):
            arr, kind = arr.cast(kind.value_type), kind.value_type
        if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            text = pc.strftime(arr.cast(pa.timestamp("s")), format="%Y-%m-%d")
            natives[name] = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False))
        elif pa.types.is_boolean(kind):
            text = pc.if_else(arr, "true", "false")
        elif pa.types.is_floating(kind):
            vals = arr.to_numpy(zero_copy_only=False)
            text = pa.array(pd.Series(vals).map(lambda v: _cell_text(v)[0]), pa.string())
        else:
            text = arr.cast(pa.string())
        cols[name] = _clean(text)
    rows = np.arange(2, 2 + table.num_rows, dtype=np.int64)
    return RawTable(label, header, cols, rows, 1, natives)


# --------------------------------------------------------------------------- databases


def database_label(url: str, src: Source) -> str:
    """How messages and ``source_file`` name a database source: the URL without its password,
    and the table (or ``query``) in brackets."""
    # without SQLAlchemy (or for a URL it cannot parse): drop anything between :// and @
    shown = re.sub(r"(://[^/@:]*):[^/@]*@", r"\1@", url)
    with contextlib.suppress(Exception):
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        shown = parsed._replace(password=None).render_as_string(hide_password=False)
    return f"{shown}[{src.from_ if src.from_ else 'query'}]"


def _engine_url(url: str, mapping: Mapping):
    """The SQLAlchemy URL; a relative SQLite path is made relative to the mapping file."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).is_absolute():
        parsed = parsed.set(database=str(mapping.folder / parsed.database))
    return parsed


def _read_database(mapping: Mapping, src: Source, issues: list[Issue]) -> RawTable | None:
    """A table (``from``) or a query result of a SQL database, through SQLAlchemy."""
    url, unset = expand_env(src.url or "")
    label = database_label(url, src)
    key = f"source[{src.number}].url"
    if unset:
        _error(issues, mapping.label, "source_unreachable", f"{src.name}: the url uses "
               f"${{{unset[0]}}}, which is not set in the environment", column=key)
        return None
    try:
        import sqlalchemy as sa
    except ImportError:
        _error(issues, label, "source_unreachable", f"{src.name} reads a database, which needs "
               "SQLAlchemy: pip install \"jj-indicators[sql]\"", column=key)
        return None
    try:
        parsed = _engine_url(url, mapping)
        backend = parsed.get_backend_name()
        args = {"connect_timeout": 10} if backend in ("postgresql", "mysql") else {}
        engine = sa.create_engine(parsed, connect_args=args)
    except Exception as exc:  # a URL SQLAlchemy cannot use (or a driver that is missing)
        _error(issues, label, "source_unreachable", f"{src.name}: the url cannot be used: "
               f"{_db_message(exc)}", column=key)
        return None
    try:
        try:
            conn = engine.connect()
        except Exception as exc:
            _error(issues, label, "source_unreachable", f"{label}: the database cannot be "
                   f"reached: {_db_message(exc)}", column=key)
            return None
        with conn:
            try:
                result = conn.execute(_statement(sa, conn, src))
                header = [str(k).strip() for k in result.keys()]  # noqa: SIM118
                records = [tuple(r) for r in result]
            except Exception as exc:
                what = f"the table {src.from_!r}" if src.from_ else "the query"
                _error(issues, label, "query_failed", f"{label}: {what} fails: "
                       f"{_db_message(exc)}", column=f"source[{src.number}]."
                       f"{'from' if src.from_ else 'query'}")
                return None
    finally:
        engine.dispose()
    if not _check_header(header, label, 1, src, issues):
        return None
    return _typed_frame(label, header, records, 2, 1)


def _statement(sa, conn, src: Source):
    if src.query is not None:
        return sa.text(src.query)
    schema, _, name = (src.from_ or "").rpartition(".")
    table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=conn)
    return sa.select(table)


def _db_message(exc: Exception) -> str:
    """The driver's own words, first line only (no SQL echo, no link)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc) or type(exc).__name__
    if type(exc).__name__ == "NoSuchTableError":
        text = f"no such table {text}"
    if type(exc).__name__ == "NoSuchModuleError" or isinstance(exc, ImportError):
        text += " (is the database driver installed? pip install \"jj-indicators[sql]\")"
    return text.strip().splitlines()[0][:300]
