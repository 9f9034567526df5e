"""Reading a dataset: a folder (dataset.toml and each table as CSV, Parquet or a workbook sheet)
into a :class:`~indicators.dataset.Dataset` of typed tables.

Reading never stops at the first problem: every cell that cannot be parsed becomes a missing
value in the typed table and an :class:`~indicators.issues.Issue` in ``Dataset.issues``;
:func:`~indicators.validation.validate_dataset` adds the schema and dataset-wide checks on top.

Typed tables keep the file's row order with a RangeIndex, so the spreadsheet row of a record is
``index + 2`` (header on row 1). The record format is described in the user documentation
(``docs/records.md``).

The rooms, in the order a file goes through them:

- :mod:`~indicators.reading.folder`: :func:`read_dataset`, which file is which table;
- :mod:`~indicators.reading.csv`, :mod:`~indicators.reading.parquet`,
  :mod:`~indicators.reading.workbook`: a file (or sheet) to a frame of cells;
- :mod:`~indicators.reading.tables`: :func:`typed_table`, a frame to the record format's
  typed table, each column typed by :mod:`~indicators.reading.cells`;
- :mod:`~indicators.reading.metadata`: dataset.toml to the fields of the Dataset;
- :mod:`~indicators.reading.frames`: a Dataset from frames in memory
  (``Dataset.from_frames``);
- :mod:`~indicators.reading.identifiers`: columns that identify a person.

Notes
-----
What the reader accepts beyond the letter of the record format, always with a warning that
says what was assumed:

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

from .cells import MAX_CELL_CHARS
from .files import MAX_FILE_BYTES
from .folder import read_dataset
from .frames import dataset_from_frames
from .identifiers import is_direct_identifier
from .metadata import MAX_TOML_BYTES
from .tables import typed_table
from .workbook import MAX_WORKBOOK_BYTES

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_TOML_BYTES",
    "MAX_WORKBOOK_BYTES",
    "dataset_from_frames",
    "is_direct_identifier",
    "read_dataset",
    "typed_table",
]
