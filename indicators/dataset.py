"""The Dataset: one country's typed records for one 12-month reference period.

A Dataset is made by :func:`indicators.read_dataset` (a folder) or :meth:`Dataset.from_frames`
(frames in memory); both live in :mod:`indicators.reading`, the room above this one, which
types every cell. :func:`indicators.validate_dataset` checks it; events and compute read its
tables. The record format is described in the user documentation (``docs/records.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .issues import MAX_ISSUES_PER_RULE, DatasetError, Issue
from .parameters import Parameters

__all__ = ["MAX_ISSUES_PER_RULE", "Dataset", "DatasetError", "Issue"]


@dataclass
class Dataset:
    """One country's records for one 12-month reference period.

    Attributes
    ----------
    tables : dict of DataFrame
        Typed tables present in the folder; a missing optional table is absent from the dict.
        Ids and free text are ``string``, dates ``datetime64[ns]``, booleans ``boolean``, codes
        ``category`` with the contract's categories, integers ``Int64``.
    policy : dict
        The four policy answers (``True``/``False``), ``None`` where not assessed.
    parameters : Parameters
        dataset.toml's ``[parameters]`` (values not allowed there are left out here and
        reported by validation), over the defaults.
    parse_failures : dict
        ``(table, column) -> row positions`` of cells present in the file that could not be
        parsed (reported once by the reader; the schema checks do not report them again).
    missing_columns : dict
        ``table -> contract columns absent from the file`` (added, all missing).
    unreadable : set
        Tables whose file exists but could not be read (reported by the reader).
    """

    country: str
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    census_date: pd.Timestamp
    tables: dict[str, pd.DataFrame]
    country_name: str | None = None
    minimum_age_criminal_responsibility: int | None = None
    policy: dict[str, bool | None] = field(default_factory=dict)
    parameters: Parameters = field(default_factory=Parameters)
    metadata: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)
    path: Path | None = None
    parse_failures: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)
    missing_columns: dict[str, list[str]] = field(default_factory=dict, repr=False)
    unreadable: set[str] = field(default_factory=set, repr=False)
    source_labels: dict[str, str] = field(default_factory=dict, repr=False)
    metadata_source: str = "dataset.toml"

    @property
    def days_in_period(self) -> int:
        """Days in P, both ends counted."""
        return int((self.period_end - self.period_start).days) + 1

    def table(self, name: str) -> pd.DataFrame | None:
        """The typed table, or None when the dataset does not have it."""
        return self.tables.get(name)

    def source_name(self, table: str) -> str:
        """The file name a table was read from (for messages), e.g. ``arrests.csv``.

        A sheet of a workbook is named ``workbook.xlsx[arrests]``.
        """
        if table in self.source_labels:
            return self.source_labels[table]
        src = self.sources.get(table)
        return src.name if src is not None else f"{table}.csv"

    @classmethod
    def from_frames(cls, metadata: dict[str, Any], frames: dict[str, pd.DataFrame]) -> Dataset:
        """Build a dataset from a metadata dict (as dataset.toml) and raw or typed frames.

        Convenient for tests and notebooks: frames may hold strings as in a CSV or already typed
        values; both go through the same parsing as files
        (:func:`indicators.reading.dataset_from_frames`).
        """
        # The one import of this room from the room above (declared in pyproject's layers
        # contract): the constructor stays where users look for it, the typing in reading.
        from .reading.frames import dataset_from_frames

        return dataset_from_frames(metadata, frames)
