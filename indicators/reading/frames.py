"""A Dataset from frames in memory (tests, notebooks, simulated data): the frames go through the
same typing as files, so a frame of text cells and a typed frame give the same dataset.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..codes import TABLES
from ..dataset import Dataset
from ..issues import Issue
from .metadata import dataset_from_metadata
from .tables import typed_table

__all__ = ["dataset_from_frames"]


def dataset_from_frames(metadata: dict[str, Any], frames: dict[str, pd.DataFrame]) -> Dataset:
    """Build a dataset from a metadata dict (as dataset.toml) and raw or typed frames.

    ``Dataset.from_frames`` is this function. Frames may hold strings as in a CSV or already
    typed values; both go through the same parsing as files.

    Raises
    ------
    ValueError
        When a key of ``frames`` is not a table of the record format.
    """
    issues: list[Issue] = []
    tables = {}
    failures: dict[tuple[str, str], np.ndarray] = {}
    missing: dict[str, list[str]] = {}
    for name, frame in frames.items():
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}; expected one of {sorted(TABLES)}")
        tables[name] = typed_table(
            name, frame, issues, f"{name}.csv", failures=failures, missing=missing
        )
    ds = dataset_from_metadata(metadata, tables, issues)
    ds.parse_failures = failures
    ds.missing_columns = missing
    return ds
