"""Ingesting exports in memory: mapping file -> sources -> record-format tables -> Dataset.

:func:`ingest` is the whole in-memory run; :func:`read_mapped` is what
``read_dataset(MAPPING.toml)`` calls. The tables are typed by the package's own reader
(:func:`~indicators.dataset.typed_table`), so an ingested dataset is the dataset the same
records would give as files, plus ``source_file``/``source_row`` on every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import REQUIRED_TABLES, TABLES
from ..dataset import Dataset
from ..issues import DatasetError, Issue
from ..reading.folder import read_dataset as read_folder
from ..reading.tables import SOURCE_COLUMNS, typed_table
from .cells import Unmapped
from .children import build_children
from .mapping import Mapping, read_mapping
from .sources import read_source
from .tables import Part, map_export

__all__ = ["REPORT_COLUMNS", "IngestResult", "ingest", "read_mapped"]

REPORT_COLUMNS = ["source_file", "table", "rows_read", "rows_written", "rows_refused",
                  "problems"]
"""Columns of ``ingest_report.csv`` (``ingest.md``)."""


@dataclass
class IngestResult:
    """What an ingest read: the dataset, and what happened to every export.

    Attributes
    ----------
    dataset : Dataset
        The records in the record format (``source_file``/``source_row`` on every row); every
        problem of the mapping and the exports is in ``dataset.issues``.
    files : DataFrame
        One row per export (file, sheet or query) and table: ``source_file, table, rows_read,
        rows_written, rows_refused, problems`` (problems met while ingesting; validation adds
        its own in :func:`~indicators.ingest.write_ingest`).
    mapping : Mapping
        The mapping file as read.
    """

    dataset: Dataset
    files: pd.DataFrame
    mapping: Mapping
    problems_by_file: dict[str, int] = field(default_factory=dict, repr=False)
    unmapped: list[Unmapped] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """No error while ingesting (validation may still find some)."""
        return not any(i.severity == "error" for i in self.dataset.issues)


def read_mapped(path: str | Path) -> Dataset:
    """``read_dataset`` for a mapping file: the exports ingested in memory."""
    return ingest(path).dataset


def ingest(path: str | Path) -> IngestResult:
    """Read every export a mapping file names into a dataset in the record format.

    Parameters
    ----------
    path : str or Path
        The mapping file (``ingest.md``).

    Returns
    -------
    IngestResult

    Raises
    ------
    DatasetError
        When the mapping file is missing or is not TOML (the issue is in ``exc.issues``).

    Notes
    -----
    Nothing stops at the first problem: every source is read, every value checked, and each
    problem is an issue naming the export file, its spreadsheet row, the export column and
    the value. A row with a cell that cannot be mapped is counted as refused; the cell is
    missing in the dataset (as the reader leaves a cell it cannot parse) and the schema does
    not report it a second time.
    """
    mapping = read_mapping(path)
    issues: list[Issue] = list(mapping.issues)
    parts: list[tuple[int, Part]] = []
    files: list[dict] = []
    per_file: dict[str, int] = {}
    all_unmapped: list[Unmapped] = []
    for src in mapping.sources:
        unmapped: dict[str, Unmapped] = {}
        for label, raw in read_source(mapping, src, issues):
            if raw is None:
                files.append(_file_row(label, src.table, 0, 0))
                continue
            part = map_export(src, raw, issues, unmapped)
            parts.append((src.number, part))
            files.append(_file_row(label, src.table, part.rows_read, part.refused))
        all_unmapped += unmapped.values()
        for u in unmapped.values():
            found = u.issues()
            issues += found
            for label, n in u.per_file.items():
                per_file[label] = per_file.get(label, 0) + n
            for issue in found:  # counted per file above, not under the first file only
                per_file[issue.table] = per_file.get(issue.table, 0) - issue.count
    frames, failures, unreadable = _assemble(mapping, parts, issues)
    ds = _dataset(mapping, frames, failures, unreadable, issues)
    report = pd.DataFrame(files, columns=REPORT_COLUMNS[:-1])
    return IngestResult(ds, report, mapping, per_file, all_unmapped)


def _file_row(label: str, table: str, read: int, refused: int) -> dict:
    return {"source_file": label, "table": table, "rows_read": read,
            "rows_written": read - refused, "rows_refused": refused}


def _assemble(mapping: Mapping, parts: list[tuple[int, Part]], issues: list[Issue]
              ) -> tuple[dict[str, pd.DataFrame], dict, set[str]]:
    """Stack the parts of each table (children built from event rows where sources give them)."""
    by_table: dict[str, list[Part]] = {}
    for _, part in parts:
        by_table.setdefault(part.table, []).append(part)
    frames: dict[str, pd.DataFrame] = {}
    failures: dict[tuple[str, str], np.ndarray] = {}
    for table, group in by_table.items():
        if table == "children" and _children_from_events(mapping):
            continue
        frames[table], failed = _stack(table, group)
        failures.update({(table, c): p for c, p in failed.items()})
    if _children_from_events(mapping):
        child_rows = []
        for _, part in parts:
            if part.table == "children":
                child_rows.append((_with_bad(part.frame, part.failed), {}))
            elif part.children is not None:
                child_rows.append((_with_bad(part.children, part.failed), part.child_columns))
        if child_rows:  # none: every export that gives children was unreadable (reported)
            children, failed = _children(child_rows, issues)
            frames["children"] = children
            failures.update({("children", c): p for c, p in failed.items()})
    unreadable = set()
    given = {s.table for s in mapping.sources}
    for table in REQUIRED_TABLES:
        if table in frames:
            continue
        unreadable.add(table)  # reported here or by the reader: not "missing" a second time
        if table not in given and not (table == "children" and _children_from_events(mapping)):
            extra = (" (or map sex and date_of_birth in the sources of arrests, detentions or "
                     "dispositions: the children are then built from their rows)"
                     if table == "children" else "")
            issues.append(Issue("error", mapping.label, None, table, None, "missing_table",
                                f"{mapping.label} has no [[source]] for the {table} table, "
                                f"which is required{extra}"))
    for table in given - set(frames):
        unreadable.add(table)
    return frames, failures, unreadable


def _children_from_events(mapping: Mapping) -> bool:
    return any(s.carries_children() for s in mapping.sources)


def _with_bad(frame: pd.DataFrame, failed: dict[str, np.ndarray]) -> pd.DataFrame:
    """The child rows with flags of the cells of sex and date_of_birth that failed to map."""
    out = frame
    for col in ("sex", "date_of_birth"):
        bad = np.zeros(len(frame), dtype=bool)
        if col in failed and len(failed[col]):
            bad[failed[col]] = True
        out[f"_bad_{col}"] = bad
    return out


def _children(child_rows, issues: list[Issue]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Children from event rows (and children sources), in contract order."""
    children, failed = build_children(child_rows, issues)
    return _order(children, "children"), failed


def _stack(table: str, group: list[Part]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The parts of one table, one under the other, with failure positions renumbered."""
    failed: dict[str, list[np.ndarray]] = {}
    offset = 0
    for part in group:
        for col, pos in part.failed.items():
            failed.setdefault(col, []).append(pos + offset)
        offset += len(part.frame)
    frames = [p.frame for p in group]
    if len(frames) == 1:
        frame = frames[0]
    else:
        columns = list(dict.fromkeys(c for f in frames for c in f.columns))
        filled = []
        for f in frames:
            missing = [c for c in columns if c not in f.columns]
            if missing:
                f = f.assign(**{c: _na_like(frames, c, len(f)) for c in missing})
            filled.append(f[columns])
        frame = pd.concat(filled, ignore_index=True)
    return _order(frame, table), {c: np.concatenate(p) for c, p in failed.items()}


def _na_like(frames: list[pd.DataFrame], column: str, n: int) -> pd.Series:
    dtype = next(f[column].dtype for f in frames if column in f.columns)
    return pd.Series(pd.NaT if dtype.kind == "M" else pd.NA, index=range(n), dtype=dtype)


def _order(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Record-format columns first (contract order), then extras, then the provenance."""
    known = [c.name for c in TABLES[table] if c.name in frame.columns]
    extras = [c for c in frame.columns if c not in known and c not in SOURCE_COLUMNS]
    return frame[known + extras + [c for c in SOURCE_COLUMNS if c in frame.columns]]


def _dataset(mapping: Mapping, frames: dict[str, pd.DataFrame], failures: dict,
             unreadable: set[str], issues: list[Issue]) -> Dataset:
    """The typed Dataset, its metadata from [dataset], every issue in its list."""
    label = mapping.label
    typed_issues: list[Issue] = []
    typed_failures: dict[tuple[str, str], np.ndarray] = {}
    missing: dict[str, list[str]] = {}
    labels = {name: f"{label}[{name}]" for name in frames}
    tables = {name: typed_table(name, frame, typed_issues, labels[name],
                                failures=typed_failures, missing=missing)
              for name, frame in frames.items()}
    try:
        ds = Dataset.from_frames(dict(mapping.dataset), {})
    except (TypeError, ValueError) as exc:  # pragma: no cover - from_frames takes any dict
        raise DatasetError(f"{label}: [dataset] cannot be read: {exc}") from None
    meta_label = f"{label}[dataset]"
    meta_issues = [i for i in ds.issues if i.rule != "missing_key"]  # reported by the mapping
    meta_issues = [Issue(i.severity, meta_label, i.row, i.column, i.value, i.rule,
                         i.message.replace("dataset.toml", meta_label), i.count)
                   if i.table == "dataset.toml" else i for i in meta_issues]
    for key, positions in failures.items():
        old = typed_failures.get(key)
        typed_failures[key] = positions if old is None else np.union1d(old, positions)
    ds.tables = tables
    ds.issues = issues + meta_issues + typed_issues
    ds.parse_failures = typed_failures
    ds.missing_columns = missing
    ds.unreadable = unreadable
    ds.source_labels = labels
    ds.metadata_source = meta_label
    ds.path = mapping.path
    return ds


def read_dataset(path: str | Path) -> Dataset:
    """Read a dataset: a folder in the record format (or its dataset.toml, or a workbook with a
    ``dataset`` sheet), or a mapping file of exports, ingested in memory.

    This is the package's ``indicators.read_dataset``: ``validate`` and ``compute`` take either.
    A mapping file is any ``.toml`` other than ``dataset.toml`` (docs/ingest.md); its records
    carry ``source_file`` and ``source_row``.

    Raises
    ------
    DatasetError
        When the path is neither a dataset nor a mapping file that can be read.
    """
    given = Path(path)
    if given.is_file() and given.suffix.lower() == ".toml" and given.name != "dataset.toml":
        return read_mapped(given)
    return read_folder(given)
