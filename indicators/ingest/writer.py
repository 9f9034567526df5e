"""Writing an ingest: the dataset folder, ``ingest_report.csv``, and the printed report.

:func:`write_ingest` validates the ingested dataset and writes ``DIR`` as a whole or not at
all: everything is written into a temporary folder beside ``DIR`` and moved into place only at
the end, so a failed or interrupted run never leaves a ``DIR`` that looks finished. On failure
``DIR`` holds only ``ingest_report.csv`` (``ingest.md``). The caller validates the dataset
first (``validate_dataset``) and hands the report over.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..codes import TABLES
from ..issues import DatasetError
from ..registry import policy_keys
from .core import REPORT_COLUMNS, IngestResult

__all__ = ["IngestOutcome", "ingest_summary", "write_ingest", "write_ingest_failure"]

REPORT_FILE = "ingest_report.csv"
FORMATS = ("csv", "parquet")


@dataclass
class IngestOutcome:
    """The result of :func:`write_ingest`.

    Attributes
    ----------
    ok : bool
        True when everything was mapped and the dataset is valid (warnings allowed): ``out``
        then holds the dataset.
    validation : ValidationReport
        Every problem, of the mapping, the exports and the dataset.
    files : DataFrame
        The rows of ``ingest_report.csv``.
    out : Path
        The folder written.
    """

    ok: bool
    validation: Any
    files: pd.DataFrame
    out: Path


def file_report(result: IngestResult, validation) -> pd.DataFrame:
    """``ingest_report.csv``: one row per export and table.

    ``rows_read = rows_written + rows_refused``, in export rows (a wide population row is one
    row). A row is refused when it is blank (a warning) or when a cell of it could not be
    mapped (an error); ``rows_written`` counts the rows that became records, which are in
    ``DIR`` when the run succeeds (on exit 1 no table is written at all). ``problems`` counts
    every problem, error or warning, of the ingest and of validation at records of that export
    (an export feeding two tables: on its first row)."""
    files = result.files.copy()
    counts = validation.counts.groupby("table", dropna=False)["count"].sum()
    problems = {str(k): int(v) for k, v in counts.items()}
    for label, n in result.problems_by_file.items():
        problems[label] = problems.get(label, 0) + n
    files["problems"] = 0
    seen: set[str] = set()
    for i, label in enumerate(files["source_file"]):
        if label not in seen:  # an export feeding two tables: counted on its first row
            files.iat[i, files.columns.get_loc("problems")] = max(problems.get(label, 0), 0)
            seen.add(label)
    return files[REPORT_COLUMNS].astype({c: "int64" for c in REPORT_COLUMNS[2:]})


def _prepare(out: Path) -> None:
    """Refuse a ``DIR`` that holds anything but an earlier ingest's output."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} exists and is not a folder: give a folder for --out")
    if not out.exists():
        return
    ours = {REPORT_FILE, "dataset.toml", *(f"{t}.{f}" for t in TABLES for f in FORMATS)}
    entries = [p.name for p in out.iterdir()]
    if entries and (REPORT_FILE not in entries or set(entries) - ours):
        others = sorted(set(entries) - ours) or entries
        raise DatasetError(
            f"{out} is not empty and does not hold an earlier ingest's output (it has "
            f"{', '.join(others[:5])}{'...' if len(others) > 5 else ''}): give a new or empty "
            "folder for --out (an ingest replaces the whole folder)")


def write_ingest(result: IngestResult, out: str | Path, validation, *, format: str = "csv"
                 ) -> IngestOutcome:
    """Write an ingested dataset to ``out`` when it is valid, or write only the report.

    Parameters
    ----------
    result : IngestResult
        From :func:`~indicators.ingest.ingest`.
    validation : ValidationReport
        ``validate_dataset(result.dataset)``: the caller validates (validation is a room above
        reading; this module never imports it).
    out : str or Path
        The folder to write: created; an existing one must be empty or hold an earlier
        ingest's output, which is replaced as a whole.
    format : {"csv", "parquet"}
        The table files (CSV: UTF-8, comma, header row, ISO dates).

    Returns
    -------
    IngestOutcome

    Raises
    ------
    DatasetError
        When ``out`` cannot be used (a file, or a folder holding other files).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    out = Path(out)
    _prepare(out)
    files = file_report(result, validation)
    ok = result.ok and validation.ok

    def fill(tmp: Path) -> None:
        if ok:
            for name, frame in result.dataset.tables.items():
                _write_table(frame, name, tmp, format)
        _write_report(files, tmp)
        if ok:  # last: a folder with dataset.toml is a finished dataset
            (tmp / "dataset.toml").write_text(dataset_toml(result), encoding="utf-8",
                                              newline="\n")

    _publish(out, fill)
    return IngestOutcome(ok, validation, files, out)


def write_ingest_failure(out: str | Path) -> Path:
    """``out`` holding only an empty ``ingest_report.csv`` (the mapping could not be read)."""
    out = Path(out)
    _prepare(out)
    _publish(out, lambda tmp: _write_report(pd.DataFrame(columns=REPORT_COLUMNS), tmp))
    return out


def _write_report(files: pd.DataFrame, folder: Path) -> None:
    from ..safety import neutralise_frame

    neutralise_frame(files).to_csv(folder / REPORT_FILE, index=False, encoding="utf-8",
                                   lineterminator="\n")


def _publish(out: Path, fill) -> None:
    """Fill a temporary folder beside ``out``, then put it in the place of ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # as mkdir would make it, not mkdtemp's private 0700
    try:
        fill(tmp)
        _swap(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _swap(tmp: Path, out: Path) -> None:
    """Put ``tmp`` in the place of ``out`` (the earlier output is removed only afterwards)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.{os.getpid()}.old")
        out.rename(old)
    try:
        tmp.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_table(frame: pd.DataFrame, name: str, folder: Path, format: str) -> None:
    """One table as the record format writes it (contract columns, extras, provenance);
    optional contract columns that the exports never gave are left out."""
    drop = [c.name for c in TABLES[name] if not c.required and frame[c.name].isna().all()]
    frame = frame.drop(columns=drop)
    table = _arrow(frame)
    if format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, folder / f"{name}.parquet")
        return
    _write_csv(frame, table, folder / f"{name}.csv")


def _arrow(frame: pd.DataFrame):
    """Typed columns for writing: dates as dates, codes and text as strings."""
    import pyarrow as pa

    arrays, names = [], []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            arr = pa.array(s.to_numpy(dtype="datetime64[D]"), mask=s.isna().to_numpy(),
                           type=pa.date32())
        elif isinstance(s.dtype, pd.CategoricalDtype):
            arr = pa.array(s.astype("string").array, type=pa.string())
        elif pd.api.types.is_bool_dtype(s.dtype):
            arr = pa.array(s.array, type=pa.bool_())
        elif pd.api.types.is_integer_dtype(s.dtype):
            arr = pa.array(s.array, type=pa.int64())
        else:
            arr = pa.array(s.astype("string").array, type=pa.string())
        arrays.append(arr)
        names.append(str(col))
    return pa.Table.from_arrays(arrays, names=names)


def _write_csv(frame: pd.DataFrame, table, path: Path) -> None:
    """CSV (UTF-8, comma, ``\\n``, empty = missing); Arrow's writer when no cell needs quotes."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    quoted = any(ch in str(c) for c in frame.columns for ch in ',"\n\r')
    for arr in table.columns:
        if not quoted and pa.types.is_string(arr.type):
            quoted = bool(pc.any(pc.match_substring_regex(arr, r'[,"\r\n]')).as_py() or False)
    if quoted:
        text = frame.copy()
        for col in text.columns:
            if pd.api.types.is_datetime64_any_dtype(text[col].dtype):
                text[col] = text[col].dt.strftime("%Y-%m-%d")
            elif pd.api.types.is_bool_dtype(text[col].dtype):
                text[col] = text[col].map({True: "true", False: "false"})
        text.to_csv(path, index=False, lineterminator="\n", na_rep="", encoding="utf-8")
        return
    header = ",".join(str(c) for c in frame.columns)
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((header + "\n").encode("utf-8"))
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False,
                                                        quoting_style="none"))


# --------------------------------------------------------------------------- dataset.toml


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def dataset_toml(result: IngestResult) -> str:
    """dataset.toml of the ingested dataset: the mapping's [dataset] keys as written."""
    meta = result.mapping.dataset
    lines = [f"# Written by jj-indicators ingest from {result.mapping.label}: edit the mapping "
             "and ingest again rather than this file."]
    sections = {k: v for k, v in meta.items() if isinstance(v, dict)}
    for key, value in meta.items():
        if key not in sections:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in sections.items():
        lines += ["", f"[{key}]"]
        order = list(policy_keys()) if key == "policy" else list(table)
        for sub in [k for k in order if k in table] + [k for k in table if k not in order]:
            lines.append(f"{sub} = {_toml_value(table[sub])}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the printed report


def ingest_summary(result: IngestResult, outcome: IngestOutcome, max_examples: int = 3) -> str:
    """The printed report: the exports read, the problems grouped by rule, the values still
    to map (ready to paste into the mapping file), and what was written."""
    files = outcome.files
    n_read, n_written = int(files["rows_read"].sum()), int(files["rows_written"].sum())
    n_refused = int(files["rows_refused"].sum())
    lines = [f"Ingest of {result.mapping.label}: {len(result.mapping.sources)} source(s), "
             f"{len(files)} export(s); {n_read:,} rows read, {n_written:,} mapped, "
             f"{n_refused:,} refused.", ""]
    width = max([len(str(s)) for s in files["source_file"]] + [11])
    lines.append(f"  {'source_file':<{width}}  {'table':<13} {'read':>9} {'written':>9} "
                 f"{'refused':>8} {'problems':>8}")
    for row in files.itertuples(index=False):
        lines.append(f"  {row.source_file:<{width}}  {row.table:<13} {row.rows_read:>9,} "
                     f"{row.rows_written:>9,} {row.rows_refused:>8,} {row.problems:>8,}")
    lines += ["", outcome.validation.summary(max_examples=max_examples)]
    paste = values_to_map(result)
    if paste:
        lines += ["", "VALUES TO MAP (paste into the mapping file and replace <code>):", *paste]
    if outcome.ok:
        tables = sorted(result.dataset.tables)
        lines += ["", f"Wrote {outcome.out}: dataset.toml, {', '.join(tables)} and "
                  f"{REPORT_FILE}."]
    else:
        lines += ["", f"Nothing was ingested: {outcome.out} holds only {REPORT_FILE}. Correct "
                  "the mapping (or the exports) and run the ingest again."]
    return "\n".join(lines)


def values_to_map(result: IngestResult, limit: int = 200) -> list[str]:
    """TOML lines for every unmapped value, grouped by value map, most frequent first."""
    out: list[str] = []
    for u in result.unmapped:
        if not u.counts:
            continue
        out.append(f"  {u.source.name}, column {u.source_column!r}: [source.values.{u.column}]")
        values = sorted(u.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        for value, n in values[:limit]:
            key = '""' if not value else '"' + value.replace("\\", "\\\\").replace(
                '"', '\\"') + '"'
            out.append(f'    {key} = "<code>"   # {n:,} row(s), {_first(u.first[value])}')
        if len(values) > limit:
            out.append(f"    # ... and {len(values) - limit:,} more values")
    return out


def _first(first: list[tuple[str, int]]) -> str:
    label, row = first[0]
    return f"first {label} row {row}"
