"""One export mapped to record-format rows: columns, constants, extras, unpivot, blank rows.

:func:`map_export` turns a :class:`~indicators.ingest.sources.RawTable` into a :class:`Part`:
the record-format columns typed as the reader types them, the extra columns as text, and
``source_file``/``source_row`` on every row. Rows are never dropped silently: a blank row is
refused with a warning, a row with a cell that cannot be mapped is counted as refused (its bad
cells are missing, as the reader leaves a cell it cannot parse), and every problem is an issue
in the export's terms.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codes import TABLES, Column
from ..issues import Issue
from ..reading.tables import SOURCE_COLUMNS
from .cells import (
    Unmapped,
    date_message,
    looks_like_identifier,
    map_values,
    row_issues,
    type_column,
)
from .mapping import CHILD_COLUMNS, Source, close_match, record_columns
from .sources import RawTable

__all__ = ["Part", "map_export"]


@dataclass
class Part:
    """The rows one export gives one table."""

    label: str
    table: str
    frame: pd.DataFrame
    rows_read: int
    refused: int
    problems: int
    failed: dict[str, np.ndarray] = field(default_factory=dict)
    children: pd.DataFrame | None = None
    child_columns: dict[str, str] = field(default_factory=dict)


class _Export:
    """State of the mapping of one export: its issues, bad rows and problem count."""

    def __init__(self, src: Source, raw: RawTable, issues: list[Issue],
                 unmapped: dict[str, Unmapped]):
        self.src, self.raw, self.issues, self.unmapped = src, raw, issues, unmapped
        self.bad = np.zeros(len(raw), dtype=bool)
        self.problems = 0
        self.failed: dict[str, np.ndarray] = {}

    def error(self, message: str, rule: str, column: str | None = None,
              row: int | None = None, severity: str = "error") -> None:
        """Record a problem of this export (file-level or at one row)."""
        self.issues.append(Issue(severity, self.raw.label, row, column, None, rule, message))
        self.problems += 1

    def column(self, col: Column, name: str) -> pd.Series:
        """The record-format column ``col`` from export column ``name``, typed."""
        raw, src = self.raw, self.src
        text = raw.columns[name]
        text, mapped = map_values(text, src.values.get(col.name))
        typed, failed, rule = type_column(text, col, src, mapped=mapped,
                                          native=raw.native_dates.get(name))
        if failed.any():
            self.bad |= failed
            self.failed[col.name] = np.flatnonzero(failed)
            original = raw.columns[name]
            if rule == "unmapped_value":
                self._unmapped(col, name).add(raw.label, original, raw.rows, failed)
                self.problems += int(failed.sum())
            else:
                message = (date_message(src.formats_of(col.name)) if rule == "unparseable_date"
                           else lambda v: f"{v!r} is not a whole number")
                self.problems += row_issues(
                    self.issues, raw.label, failed, raw.rows, original, name, rule,
                    lambda v, m=message, c=col.name: f"({c}) " + m(v))
        return typed

    def _unmapped(self, col: Column, name: str) -> Unmapped:
        if col.name not in self.unmapped:
            words = list(self.src.value_spellings.get(col.name, {}).values()) + list(col.codes)
            if col.kind == "bool":
                words += ["true", "false"]
            self.unmapped[col.name] = Unmapped(self.src, col.name, name, words)
        return self.unmapped[col.name]

    def constant(self, col: Column, value: str, n: int) -> pd.Series:
        """A constant of [source.constants], typed like a cell (an error if it is not valid)."""
        text = pd.Series([value] * n, dtype="string")
        typed, failed, _ = type_column(text, col, self._iso_source(), mapped=np.zeros(n, bool))
        if n and failed.any():
            self.issues.append(Issue(
                "error", self.src.name, None, col.name, value, "invalid_mapping",
                f"{self.src.name}: the constant {col.name} = {value!r} is not a valid "
                f"{col.kind}" + (f" ({', '.join(col.codes)})" if col.codes else "")))
            self.bad[:] = True
            self.problems += 1
            self.failed[col.name] = np.arange(n)
        return typed

    def _iso_source(self) -> Source:
        return Source(number=self.src.number, table=self.src.table,
                      true_values=self.src.true_values, false_values=self.src.false_values)


def map_export(src: Source, raw: RawTable, issues: list[Issue],
               unmapped: dict[str, Unmapped]) -> Part:
    """Map one export of ``src`` to its table's record-format columns.

    Parameters
    ----------
    src : Source
        The ``[[source]]`` block.
    raw : RawTable
        The export as read.
    issues : list of Issue
        Problems are appended here (unmapped values are collected in ``unmapped`` instead, and
        reported once per value for the whole source).
    unmapped : dict
        Record-format column -> :class:`~indicators.ingest.cells.Unmapped`, shared by the
        exports of one source.
    """
    ex = _Export(src, raw, issues, unmapped)
    cols = record_columns(src.table)
    blank = _blank_rows(raw)
    out: dict[str, pd.Series] = {}
    names = _present_columns(ex, cols)
    for col_name, name in names.items():
        if name is None:
            out[col_name] = _missing(cols[col_name], len(raw))
            ex.failed[col_name] = np.arange(len(raw))
        else:
            out[col_name] = ex.column(cols[col_name], name)
    for col_name, value in src.constants.items():
        out[col_name] = ex.constant(cols[col_name], value, len(raw))
    used = {n for n in names.values() if n is not None}
    wide = _wide_columns(ex) if src.unpivot is not None else {}
    used |= set(wide)
    for extra, text in _extras(ex, used, cols).items():
        out[extra] = text
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
    frame["source_file"] = _repeat(raw.label, len(raw))
    frame["source_row"] = pd.array(raw.rows, dtype="Int64")
    if src.unpivot is not None:
        frame = _unpivot(ex, frame, wide)
        rows_of = frame["source_row"].to_numpy(dtype=np.int64)
    keep = ~blank
    refused = int((ex.bad | blank).sum())
    if blank.any():
        rows = raw.rows[blank]
        ex.error(f"{len(rows):,} blank row(s) were not read as records (rows "
                 f"{', '.join(map(str, rows[:10]))}{'...' if len(rows) > 10 else ''})",
                 "empty_row", row=int(rows[0]), severity="warning")
    if src.unpivot is not None:
        keep = np.isin(rows_of, raw.rows[keep])
    frame, failed = _keep(frame, keep, ex.failed, src.unpivot is not None, raw)
    part = Part(raw.label, src.table, frame, len(raw), refused, ex.problems, failed)
    if src.carries_children():
        part.children, part.child_columns = _split_children(frame, src)
        part.frame = frame.drop(columns=[c for c in CHILD_COLUMNS if c in frame.columns])
    return part


def _repeat(text: str, n: int) -> pd.Series:
    """One text on ``n`` rows, as Arrow-backed text (no per-row Python)."""
    import pyarrow as pa

    arr = pa.repeat(pa.scalar(text, pa.string()), n)
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr], type=pa.string())))


def _blank_rows(raw: RawTable) -> np.ndarray:
    filled = np.zeros(len(raw), dtype=bool)
    for s in raw.columns.values():
        filled |= s.notna().to_numpy()
    return ~filled


def _present_columns(ex: _Export, cols: dict[str, Column]) -> dict[str, str | None]:
    """Record column -> export column; None (and an error) where the export lacks it."""
    raw, src = ex.raw, ex.src
    out: dict[str, str | None] = {}
    for col_name, name in src.columns.items():
        if name in raw.columns:
            out[col_name] = name
            if looks_like_identifier(name) and col_name not in CHILD_COLUMNS:
                ex.error(f"{col_name} is mapped to column {name!r}, which looks like a direct "
                         "identifier of a person: records must be pseudonymous (map a code, "
                         "never a name)", "direct_identifier", column=name, row=raw.header_row)
                ex.bad[:] = True
            continue
        out[col_name] = None
        ex.error(f"{raw.label} has no column {name!r} (mapped to {col_name} in {src.name})"
                 f"{close_match(name, raw.header)}; its columns: {', '.join(raw.header)}",
                 "missing_source_column", column=name, row=raw.header_row)
        ex.bad[:] = True
    return out


def _missing(col: Column, n: int) -> pd.Series:
    kinds = {"date": "datetime64[ns]", "bool": "boolean", "int": "Int64"}
    return pd.Series(pd.array([None] * n, dtype=kinds.get(col.kind, "string")))


def _extras(ex: _Export, used: set[str], cols: dict[str, Column]) -> dict[str, pd.Series]:
    """Columns not mapped, carried under their names (identifiers refused)."""
    raw = ex.raw
    out = {}
    for name in raw.header:
        if name in used:
            continue
        text = raw.columns[name]
        if not name:
            if text.notna().any():
                ex.error("a column without a name in the header holds values; name it or "
                         "delete it", "unnamed_column", row=raw.header_row)
            continue
        if looks_like_identifier(name):
            ex.error(f"column {name!r} looks like a direct identifier of a person: records must "
                     "be pseudonymous; it was not read", "direct_identifier", column=name,
                     row=raw.header_row)
            continue
        if name in cols or name in SOURCE_COLUMNS or name in TABLES[ex.src.table]:
            ex.error(f"column {name!r} has the name of a record-format column but is not "
                     f"mapped in {ex.src.name}: it was not read (map it to use it)",
                     "column_not_mapped", column=name, row=raw.header_row, severity="warning")
            continue
        out[name] = text
    return out


def _wide_columns(ex: _Export) -> dict[str, int]:
    """Export column -> the number in its name, for the columns [source.unpivot] names."""
    raw, unpivot = ex.raw, ex.src.unpivot
    found: dict[str, int] = {}
    for entry in unpivot.columns:
        hits = [n for n in raw.header if fnmatch.fnmatchcase(n, entry)] if any(
            ch in entry for ch in "*?[") else ([entry] if entry in raw.header else [])
        if not hits:
            ex.error(f"no column matches {entry!r} of [source.unpivot] columns"
                     f"{close_match(entry, raw.header)}", "missing_source_column",
                     column=entry, row=raw.header_row)
            ex.bad[:] = True
        for name in hits:
            numbers = re.findall(r"\d+", name)
            if len(numbers) != 1:
                ex.error(f"column {name!r} of [source.unpivot] holds no single number to read "
                         f"as the {unpivot.into}", "unpivot_column", column=name,
                         row=raw.header_row)
                ex.bad[:] = True
                continue
            found[name] = int(numbers[0])
    return found


def _unpivot(ex: _Export, frame: pd.DataFrame, wide: dict[str, int]) -> pd.DataFrame:
    """One row per (export row, wide column): the number of the name into ``into``, the cell
    into ``values``; the export row's failures make all its long rows bad."""
    raw, unpivot = ex.raw, ex.src.unpivot
    n, k = len(frame), len(wide)
    value_col = TABLES[ex.src.table]
    col = next(c for c in value_col if c.name == unpivot.values)
    long = frame.loc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    long[unpivot.into] = pd.array(np.tile(list(wide.values()), n) if k else [], dtype="Int64")
    cells = [ex.column(col, name) for name in wide]
    stacked = np.column_stack([c.to_numpy(dtype=float, na_value=np.nan) for c in cells]) if k \
        else np.zeros((n, 0))
    flat = stacked.reshape(-1)
    long[unpivot.values] = pd.array(np.where(np.isnan(flat), 0, flat).astype(np.int64),
                                    dtype="Int64")
    long.loc[np.isnan(flat), unpivot.values] = pd.NA
    for name, positions in list(ex.failed.items()):
        if name != unpivot.values:
            ex.failed[name] = (positions[:, None] * k + np.arange(k)).reshape(-1)
    bad_cells = np.column_stack([np.isin(np.arange(n), np.flatnonzero(
        pd.isna(c).to_numpy() & raw.columns[name].notna().to_numpy()))
        for c, name in zip(cells, wide, strict=True)]) if k else np.zeros((n, 0), bool)
    ex.failed[unpivot.values] = np.flatnonzero(bad_cells.reshape(-1))
    return long


def _keep(frame: pd.DataFrame, keep: np.ndarray, failed: dict[str, np.ndarray],
          long: bool, raw: RawTable) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Drop blank rows; positions of failed cells renumbered to the rows kept."""
    if keep.all():
        return frame.reset_index(drop=True), failed
    new_pos = np.cumsum(keep) - 1
    out = {}
    for name, positions in failed.items():
        positions = positions[keep[positions]] if len(positions) else positions
        out[name] = new_pos[positions]
    del long, raw
    return frame[keep].reset_index(drop=True), out


def _split_children(frame: pd.DataFrame, src: Source) -> tuple[pd.DataFrame, dict[str, str]]:
    """The child's columns of an event export (child_id, sex, date_of_birth, provenance)."""
    cols = ["child_id", *[c for c in CHILD_COLUMNS if c in frame.columns], *SOURCE_COLUMNS]
    names = {c: src.columns.get(c, f"constant {c}") for c in CHILD_COLUMNS}
    return frame[cols].copy(), names
