"""Typing a table: a raw frame (cells of a file, or frames in memory) into the typed table of
the record format, with the columns of :data:`indicators.codes.TABLES` in their order.

A contract column missing from the frame is added, all missing (an error when it is required);
a column the contract does not know is carried as text with a warning; a column that looks
like a direct identifier is dropped with an error; a column given twice keeps its first copy.
Each column is typed by :mod:`~indicators.reading.cells`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import TABLES, Column
from ..issues import Issue
from .cells import Parsed, cap_cells, parse_column, to_text
from .identifiers import is_direct_identifier

__all__ = ["SOURCE_COLUMNS", "typed_table"]

SOURCE_COLUMNS = ("source_file", "source_row")
"""Provenance columns written by ``jj-indicators ingest`` (``ingest.md``): the export file and
its spreadsheet row each record came from. Carried on every table without a warning;
``source_row`` is read as an integer."""


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
    if col.kind == "number":
        return not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
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
    frame = _first_of_each_column(frame, issues, table_file)
    out = {}
    absent = []
    for col in TABLES[name]:
        if col.name in frame.columns:
            out[col.name], bad = _typed_column(frame[col.name], col, issues, table_file)
            if bad is not None and failures is not None:
                failures[(name, col.name)] = bad
        else:
            out[col.name] = _absent_column(frame, col, issues, table_file)
            absent.append(col.name)
    if missing is not None and absent:
        missing[name] = absent
    out.update(_extra_columns(name, frame, issues, table_file))
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _first_of_each_column(frame: pd.DataFrame, issues: list[Issue], table_file: str
                          ) -> pd.DataFrame:
    """The frame with stripped column names and a RangeIndex; a repeated column keeps its first."""
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    dup = frame.columns.duplicated()
    if dup.any():
        for name_ in dict.fromkeys(frame.columns[dup]):
            issues.append(Issue("error", table_file, 1, name_, name_, "duplicate_column",
                                f"column {name_!r} appears more than once; only the first "
                                "was read"))
        frame = frame.loc[:, ~dup]
    return frame


def _typed_column(raw: pd.Series, col: Column, issues: list[Issue], table_file: str) -> Parsed:
    text = None
    if _needs_text(raw, col):
        text = cap_cells(to_text(raw), col.name, issues, table_file)
    return parse_column(text, col, issues, table_file, raw)


def _absent_column(frame: pd.DataFrame, col: Column, issues: list[Issue], table_file: str
                   ) -> pd.Series:
    """A contract column the frame lacks, all missing (an error when the column is required)."""
    out, _ = parse_column(pd.Series(pd.NA, index=frame.index, dtype="string"), col, [],
                          table_file)
    if col.required:
        issues.append(Issue(
            "error", table_file, 1, col.name, None, "missing_column",
            f"{table_file} has no column {col.name!r}, which is required "
            f"(columns found: {', '.join(map(str, frame.columns)) or 'none'})"))
    return out


def _extra_columns(name: str, frame: pd.DataFrame, issues: list[Issue], table_file: str
                   ) -> dict[str, pd.Series]:
    """Columns the contract does not know: carried as text, or dropped if they identify."""
    known = {c.name for c in TABLES[name]}
    out = {}
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
        out[extra] = cap_cells(to_text(frame[extra]), extra, issues, table_file)
    return out


def _provenance(raw: pd.Series, column: str) -> pd.Series:
    """``source_file`` as text, ``source_row`` as Int64 (a cell that is not a number: missing)."""
    if column == "source_row":
        if pd.api.types.is_integer_dtype(raw.dtype):
            return raw.astype("Int64")
        return pd.to_numeric(to_text(raw), errors="coerce").astype("Int64")
    return to_text(raw)
