"""Ingest: a ministry's own exports, as they are, through a mapping file (``ingest.md``).

A mapping file says once how the exports (CSV files, .xlsx sheets, Parquet files, SQL
databases) become a dataset in the record format of ``records.md``; the exports themselves are
never edited::

    import indicators as jj
    ds = jj.read_dataset("exports/mapping.toml")     # in memory
    result = jj.ingest.ingest("exports/mapping.toml")  # the same, with what became of each export
    report = jj.validate_dataset(result.dataset)
    outcome = jj.ingest.write_ingest(result, "dataset/", report)  # whole or not at all
    draft = jj.ingest.map_template(["police/nord.csv"], "arrests")  # a mapping to start from

Modules: :mod:`.mapping` (the mapping file), :mod:`.sources` (reading the exports),
:mod:`.cells` (value maps, codes, dates), :mod:`.tables` (one export to record-format rows),
:mod:`.children` (children built from event rows), :mod:`.core` (the in-memory run),
:mod:`.writer` (the dataset folder and ``ingest_report.csv``), :mod:`.template` (a starting
mapping drafted from the exports).
"""

from __future__ import annotations

from .core import REPORT_COLUMNS, IngestResult, ingest, read_dataset, read_mapped
from .mapping import Mapping, Source, read_mapping
from .template import map_template
from .writer import IngestOutcome, ingest_summary, write_ingest, write_ingest_failure

__all__ = [
    "REPORT_COLUMNS",
    "IngestOutcome",
    "IngestResult",
    "Mapping",
    "Source",
    "ingest",
    "ingest_summary",
    "map_template",
    "read_dataset",
    "read_mapped",
    "read_mapping",
    "write_ingest",
    "write_ingest_failure",
]
