"""Workbooks (.xlsx): a sheet per table, and the ``dataset`` sheet that may stand for
dataset.toml (two columns, key and value; ``policy.<key>`` and ``parameters.<key>`` for the
sections), as written by ``jj-indicators template``. See "A dataset is a folder" in the user
documentation (``docs/records.md#layout``).

A sheet is read as text cells like a CSV (header on row 1, spreadsheet row numbers kept).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..codes import TABLES
from ..issues import Issue
from .cells import cell_text, short
from .files import check_header

__all__ = ["MAX_WORKBOOK_BYTES", "WORKBOOK_SHEETS", "metadata_from_sheet", "open_workbook",
           "read_sheet", "table_sheets"]

MAX_WORKBOOK_BYTES = 100 * 1024**2
"""Largest accepted .xlsx workbook (100 MiB; reading a workbook takes many times its size)."""

WORKBOOK_SHEETS = ("dataset", "codes", "instructions")
"""Sheets of a workbook that are not tables (written by ``jj-indicators template``)."""


def open_workbook(path: Path, issues: list[Issue]):
    """The workbook opened read-only with cached values; None (with an error) if it cannot be."""
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
                            f"{short(str(exc), 200)}"))
        return None


def table_sheets(wb, wb_path: Path, issues: list[Issue]) -> dict[str, str]:
    """Table name -> the sheet that holds it (a name in another case or with spaces is
    accepted); other sheets, except those of the template, are ignored with a warning."""
    sheets: dict[str, str] = {}
    for sheet in wb.sheetnames:
        if sheet in TABLES:
            sheets[sheet] = sheet
        elif sheet.strip().lower() in TABLES and sheet.strip().lower() not in sheets:
            sheets[sheet.strip().lower()] = sheet
        elif sheet.strip().lower() not in WORKBOOK_SHEETS:
            issues.append(Issue("warning", wb_path.name, None, None, sheet, "unknown_sheet",
                                f"sheet {sheet!r} is not a table of the record format; "
                                "it was ignored"))
    return sheets


def _sheet_rows(ws) -> list[tuple]:
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    return rows


def read_sheet(ws, label: str, issues: list[Issue]) -> pd.DataFrame | None:
    """A sheet as text cells; None (with an error issue) when it has no usable header."""
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
    if not check_header(header, label, issues):
        return None
    width = len(header)
    body = [tuple(cell_text(v) if v is not None else None for v in r[:width]) for r in rows[1:]]
    overflow = [i + 2 for i, r in enumerate(rows[1:]) if any(v is not None for v in r[width:])]
    if overflow:
        issues.append(Issue("error", label, overflow[0], None, None, "cell_outside_header",
                            f"{len(overflow)} row(s) have values in columns without a header "
                            f"(first: row {overflow[0]}); name the column or delete the values"))
    frame = pd.DataFrame(body, columns=[str(h).strip() for h in header], dtype=object)
    return frame.astype("string") if len(frame) else frame


def metadata_from_sheet(ws, label: str, issues: list[Issue]) -> dict[str, Any]:
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
        value = _sheet_value(value)
        section, _, sub = key.partition(".")
        if sub and section in ("policy", "parameters"):
            meta.setdefault(section, {})[sub] = value
        else:
            meta[key] = value
    return meta


def _sheet_value(value: Any) -> Any:
    """A cell of the ``dataset`` sheet as the TOML value it stands for (bool, int, float, date)."""
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
    return value
