"""Parquet files: read with their own types (dates, booleans, integers), which the typing of
:mod:`indicators.reading.cells` then keeps without a text round trip.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..issues import Issue
from . import files
from .cells import short
from .files import check_header

__all__ = ["read_parquet"]


def read_parquet(path: Path, issues: list[Issue]) -> pd.DataFrame | None:
    """Read a Parquet file; None (with an error issue) when it cannot be read."""
    table_file = path.name
    size = path.stat().st_size
    if size > files.MAX_FILE_BYTES:
        issues.append(Issue("error", table_file, None, None, None, "file_too_large",
                            f"{table_file} is larger than the "
                            f"{files.MAX_FILE_BYTES / 1024**3:.0f} GiB accepted"))
        return None
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        if not check_header(list(pf.schema_arrow.names), table_file, issues):
            return None
        table = pf.read()
        for i, fld in enumerate(table.schema):
            if pa.types.is_date(fld.type):  # dates as datetime64, not Python objects
                table = table.set_column(i, fld.name, table.column(i).cast(pa.timestamp("s")))
        mapping = {pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype(),
                   pa.int32(): pd.Int64Dtype(), pa.int16(): pd.Int64Dtype(),
                   pa.int8(): pd.Int64Dtype()}
        return table.to_pandas(types_mapper=mapping.get)
    except Exception as exc:  # any pyarrow failure is "unreadable", never a traceback
        issues.append(Issue("error", table_file, None, None, None, "unreadable_file",
                            f"{table_file} cannot be read as Parquet: {short(str(exc), 200)}"))
        return None
