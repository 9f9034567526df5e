"""What the file readers (CSV, Parquet, workbook sheets) share: the size limit of a file, the
header check, and trailing empty rows.

Limits are read at call time (``files.MAX_FILE_BYTES``), so that a test can lower them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..issues import Issue

__all__ = ["MAX_FILE_BYTES", "check_header", "drop_trailing_empty"]

MAX_FILE_BYTES = 2 * 1024**3
"""Largest accepted CSV or Parquet file (2 GiB): larger files are refused, not half-read."""


def check_header(header: list[Any], table_file: str, issues: list[Issue]) -> bool:
    """Whether a header row names every column once; the problems are appended as errors."""
    names = ["" if h is None else str(h).strip() for h in header]
    ok = True
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            issues.append(Issue("error", table_file, 1, name, name, "duplicate_column",
                                f"column {name!r} appears more than once in the header"))
            ok = False
        seen.add(name)
    blanks = [pos + 1 for pos, n in enumerate(names) if not n]
    if blanks:
        issues.append(Issue("error", table_file, 1, None, None, "unnamed_column",
                            f"column(s) at position {', '.join(map(str, blanks))} have no name "
                            "in the header row"))
        ok = False
    return ok


def drop_trailing_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows that are entirely empty at the end only (rows keep their spreadsheet number)."""
    if len(frame) == 0:
        return frame
    filled = frame.notna().any(axis=1).to_numpy()
    last = np.flatnonzero(filled)
    keep = int(last[-1]) + 1 if len(last) else 0
    return frame.iloc[:keep]
