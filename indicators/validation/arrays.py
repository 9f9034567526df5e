"""Small vectorised helpers shared by the checks: masks, day numbers, distinct ids, and the
cells the reader already reported (so that no cell is reported twice).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset

__all__ = ["NODAY", "days_of", "failed_cells", "mask_of", "unique_ids"]


NODAY = np.iinfo(np.int64).min
"""The day number of a missing date (below every real day)."""


def mask_of(s: pd.Series | np.ndarray) -> np.ndarray:
    """A boolean numpy mask from a (nullable) boolean series: missing counts as False."""
    if isinstance(s, pd.Series):
        return s.fillna(False).to_numpy(dtype=bool) if s.dtype != bool else s.to_numpy()
    return np.asarray(s, dtype=bool)


def days_of(s: pd.Series) -> np.ndarray:
    """Dates as int64 day numbers, missing as :data:`NODAY`."""
    v = s.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    out = v.astype("datetime64[D]").astype(np.int64)
    out[np.isnat(v)] = NODAY
    return out


def unique_ids(ids: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Distinct non-missing ids in order of first appearance, and their first row positions."""
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    first = np.full(len(uniques), len(ids), dtype=np.int64)
    np.minimum.at(first, codes[codes >= 0], np.flatnonzero(codes >= 0))
    return pd.Series(uniques, dtype="string"), first


def failed_cells(ds: Dataset, table: str, column: str, n: int) -> np.ndarray:
    """Mask of the cells of a column that the reader already reported as unparseable."""
    out = np.zeros(n, dtype=bool)
    pos = ds.parse_failures.get((table, column))
    if pos is not None and len(pos):
        out[pos[pos < n]] = True
    return out
