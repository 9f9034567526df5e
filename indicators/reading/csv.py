"""CSV files: bytes to a frame of text cells, whatever the spreadsheet software saved.

The common case (UTF-8, commas, a clean header) is read by Arrow's multi-threaded reader. Any
other file is read again by the careful reader, which states what it assumed as a warning:
Windows-1252 or Latin-1 when the bytes are not UTF-8, UTF-16 with a byte-order mark, ``;``,
tabs or ``|`` as delimiter (see "Values in the files", ``docs/records.md#values``). A file that
cannot be read as a table is one error issue and ``None``, never an exception.
"""

from __future__ import annotations

import contextlib
import csv
import io
import warnings
from pathlib import Path

import pandas as pd

from ..codes import TABLES
from ..issues import Issue
from . import files
from .files import check_header, drop_trailing_empty

__all__ = ["read_csv"]

_ENCODING_NAMES = {"cp1252": "Windows-1252 (Western European)", "latin-1": "Latin-1 (ISO-8859-1)",
                   "utf-16": "UTF-16"}
_DELIMITER_NAMES = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


def read_csv(path: Path, issues: list[Issue], table: str) -> pd.DataFrame | None:
    """Read a CSV as text cells; None (with an error issue) when it cannot be read."""
    table_file = path.name
    if not _size_accepted(path, table_file, issues):
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
    if "\r" in text and "\n" not in text:  # Excel's "CSV (Macintosh)": rows end with CR only
        text = text.replace("\r", "\n")
        issues.append(Issue(
            "warning", table_file, None, None, None, "assumed_line_endings",
            f"the rows of {table_file} end with a carriage return only (old Macintosh line "
            "endings); it was read that way"))
    found = _read_header(text, table_file, table, issues)
    if found is None:
        return None
    delimiter, header = found
    frame = _read_text(text, delimiter, header, table_file, issues)
    del text
    return None if frame is None else drop_trailing_empty(frame)


def _size_accepted(path: Path, table_file: str, issues: list[Issue]) -> bool:
    size = path.stat().st_size
    if size == 0:
        issues.append(Issue("error", table_file, None, None, None, "empty_file",
                            f"{table_file} is empty: a table needs at least its header row"))
        return False
    if size > files.MAX_FILE_BYTES:
        issues.append(Issue("error", table_file, None, None, None, "file_too_large",
                            f"{table_file} has {size / 1024**3:.1f} GiB, more than the "
                            f"{files.MAX_FILE_BYTES / 1024**3:.0f} GiB accepted: save it as "
                            "Parquet or split the period"))
        return False
    return True


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
    """The delimiter that splits the header into the most known column names (then cells)."""
    best, best_score = ",", None
    for delim in (",", ";", "\t", "|"):
        fields = [f.strip() for f in next(csv.reader([header_line], delimiter=delim), [])]
        score = (sum(f in known for f in fields), len(fields))
        if best_score is None or score > best_score:
            best, best_score = delim, score
    return best


def _read_header(text: str, table_file: str, table: str, issues: list[Issue]
                 ) -> tuple[str, list[str]] | None:
    """(delimiter, column names) of the first line; None (with an error issue) if it is none."""
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
    try:
        delimiter = _pick_delimiter(first_line, {c.name for c in TABLES[table]})
        header = [h.strip() for h in next(csv.reader([first_line], delimiter=delimiter))]
    except csv.Error as exc:
        issues.append(Issue("error", table_file, 1, None, None, "malformed_file",
                            f"the header row of {table_file} cannot be read ({exc}): row 1 "
                            "must name the columns, separated by commas"))
        return None
    if delimiter != ",":
        issues.append(Issue(
            "warning", table_file, None, None, delimiter, "assumed_delimiter",
            f"{table_file} is delimited by {_DELIMITER_NAMES[delimiter]}, not commas; it was "
            "read that way"))
    if not check_header(header, table_file, issues):
        return None
    return delimiter, header


def _read_text(text: str, delimiter: str, header: list[str], table_file: str,
               issues: list[Issue]) -> pd.DataFrame | None:
    """The decoded file as text cells; None (with an error) when a row has too many cells."""
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
    return frame


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
    if not first_line.strip() or len(first_line) > 65536 or "\r" in first_line:
        return None  # (a carriage return inside the first line: the careful reader decides)
    if _pick_delimiter(first_line, {c.name for c in TABLES[table]}) != ",":
        return None
    header = [h.strip() for h in next(csv.reader([first_line]))]
    if not check_header(header, "", []):
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
    return drop_trailing_empty(tbl.to_pandas())
