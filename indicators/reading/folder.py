"""The dataset folder: which file is dataset.toml, which file or sheet holds each table, and
what is left over.

A table ``arrests`` is read from ``arrests.csv``, ``arrests.parquet`` or a sheet ``arrests`` of
the one workbook in the folder; given twice, it is an error and the table is not read. Files
and sheets that are not part of the record format are ignored with a warning. See "A dataset is
a folder" in the user documentation (``docs/records.md#layout``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codes import TABLES
from ..dataset import Dataset
from ..issues import DatasetError, Issue
from .csv import read_csv
from .metadata import dataset_from_metadata, read_toml
from .parquet import read_parquet
from .tables import typed_table
from .workbook import metadata_from_sheet, open_workbook, read_sheet, table_sheets

__all__ = ["read_dataset"]


def read_dataset(path: str | Path) -> Dataset:
    """Read a dataset folder: ``dataset.toml`` and each table as .csv, .parquet or .xlsx sheet.

    Parameters
    ----------
    path : str or Path
        The dataset folder (or its dataset.toml, or a workbook holding a ``dataset`` sheet).
        A mapping file of exports is read by :func:`indicators.ingest.read_dataset` (the
        package's ``read_dataset``), which hands folders to this function.

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
    table is named ``workbook.xlsx[sheet]``. See :mod:`indicators.reading` for the assumptions
    stated as warnings (encoding, delimiter) and the size limits.
    """
    given = Path(path)
    if given.is_file() and given.suffix.lower() == ".toml" and given.name != "dataset.toml":
        raise DatasetError(
            f"{given} is not a dataset.toml: if it is a mapping file of exports, read it with "
            "indicators.read_dataset (or jj-indicators ingest), which ingests the exports")
    folder, workbook_only = _dataset_folder(given)
    issues: list[Issue] = []
    entries = _entries(folder, workbook_only)
    workbooks = [p for p in entries if p.is_file() and p.suffix.lower() == ".xlsx"]
    toml_path = folder / "dataset.toml"
    has_toml = workbook_only is None and toml_path.is_file()
    wb, wb_path = _the_workbook(workbooks, issues)
    meta, meta_ok, source = _metadata(folder, toml_path if has_toml else None, wb, wb_path,
                                      issues)
    read = _Read(used={toml_path} if has_toml else set())
    if wb_path is not None:
        read.used.add(wb_path)
    read.used.update(workbooks[1:])
    sheets = table_sheets(wb, wb_path, issues) if wb is not None else {}
    for name in TABLES:
        _read_table(name, entries, wb, wb_path, sheets, read, issues)
    if wb is not None:
        wb.close()
    _report_unknown_files(entries, read.used, issues)
    ds = dataset_from_metadata(meta, read.tables, issues, source, check_keys=meta_ok)
    ds.sources = read.sources
    ds.source_labels = read.labels
    ds.path = folder
    ds.parse_failures = read.failures
    ds.missing_columns = read.missing
    ds.unreadable = read.unreadable
    return ds


@dataclass
class _Read:
    """What reading the tables of a folder gives, table by table (the fields of the Dataset)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    failures: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    used: set[Path] = field(default_factory=set)
    """Files of the folder that are part of the dataset (the others are reported unknown)."""


def _dataset_folder(given: Path) -> tuple[Path, Path | None]:
    """(the folder, the workbook given instead of the folder or None); DatasetError if none."""
    workbook_only = None
    if given.is_file() and given.name == "dataset.toml":
        given = given.parent
    elif given.is_file() and given.suffix.lower() == ".xlsx":
        workbook_only = given
        given = given.parent
    if not given.exists():
        raise DatasetError(f"{given} does not exist: give the folder that holds dataset.toml")
    if not given.is_dir():
        raise DatasetError(f"{given} is not a folder: give the folder that holds dataset.toml")
    return given, workbook_only


def _entries(folder: Path, workbook_only: Path | None) -> list[Path]:
    """The files of the folder (hidden files and Excel lock files left out), sorted."""
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "~$")))
    except OSError as exc:
        raise DatasetError(f"{folder} cannot be listed: {exc.strerror}") from None
    return [workbook_only] if workbook_only is not None else entries


def _the_workbook(workbooks: list[Path], issues: list[Issue]) -> tuple[Any, Path | None]:
    """(the open workbook, its path) when the folder holds exactly one; more is an error."""
    if len(workbooks) > 1:
        issues.append(Issue("error", workbooks[1].name, None, None, None, "several_workbooks",
                            f"the folder holds {len(workbooks)} workbooks "
                            f"({', '.join(p.name for p in workbooks)}); keep one"))
        return None, None
    if workbooks:
        return open_workbook(workbooks[0], issues), workbooks[0]
    return None, None


def _metadata(folder: Path, toml_path: Path | None, wb, wb_path: Path | None,
              issues: list[Issue]) -> tuple[dict[str, Any], bool, str]:
    """(metadata, whether it could be read, where from): dataset.toml, else the dataset sheet.

    Raises DatasetError when there is neither: the folder is not a dataset.
    """
    if toml_path is not None:
        meta, meta_ok = read_toml(toml_path, issues)
        return meta, meta_ok, "dataset.toml"
    if wb is not None and "dataset" in wb.sheetnames:
        source = f"{wb_path.name}[dataset]"
        return metadata_from_sheet(wb["dataset"], source, issues), True, source
    if wb is not None:
        wb.close()
    raise DatasetError(
        f"{folder} has no dataset.toml: this folder is not a dataset (a dataset is a folder "
        "holding dataset.toml and the tables; `jj-indicators template --csv DIR` writes one)",
        issues,
    )


def _read_table(name: str, entries: list[Path], wb, wb_path: Path | None,
                sheets: dict[str, str], read: _Read, issues: list[Issue]) -> None:
    """Read table ``name`` from its one file or sheet into ``read`` (given twice: an error)."""
    candidates = [p for p in entries if p.is_file() and p.name in (f"{name}.csv",
                                                                  f"{name}.parquet")]
    found = [p.name for p in candidates] + (
        [f"{wb_path.name}[{sheets[name]}]"] if name in sheets else [])
    read.used.update(candidates)
    if len(found) > 1:
        issues.append(Issue("error", found[0], None, None, None, "several_files",
                            f"table {name} is given more than once ({', '.join(found)}); "
                            "keep one"))
        read.unreadable.add(name)
        return
    if not found:
        return
    if candidates:
        src = candidates[0]
        label = src.name
        raw = (read_csv(src, issues, name) if src.suffix == ".csv"
               else read_parquet(src, issues))
    else:
        src = wb_path
        label = f"{wb_path.name}[{sheets[name]}]"
        raw = read_sheet(wb[sheets[name]], label, issues)
    if raw is None:
        read.unreadable.add(name)
        return
    read.tables[name] = typed_table(name, raw, issues, label, failures=read.failures,
                                    missing=read.missing)
    read.sources[name] = src
    read.labels[name] = label


def _report_unknown_files(entries: list[Path], used: set[Path], issues: list[Issue]) -> None:
    for p in entries:
        if p not in used and p.name not in ("dataset.toml",):
            hint = ""
            stem = p.name.split(".")[0].strip().lower()
            if stem in TABLES:
                hint = f"; the {stem} table is read from {stem}.csv, {stem}.parquet or a sheet"
            issues.append(Issue("warning", p.name, None, None, None, "unknown_file",
                                f"{p.name} is not part of the record format; it was ignored"
                                + hint))
