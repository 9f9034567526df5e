"""Text columns for the frames, built as Arrow arrays.

Text columns are built as Arrow arrays (no Python string per cell: a million-row table takes
milliseconds) and handed to pandas as its default ``str`` dtype. ``missing`` masks leave cells
empty (missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

try:
    _STR = pd.StringDtype("pyarrow", na_value=np.nan)
except TypeError:  # pragma: no cover - pandas without the NaN-semantics string dtype
    _STR = pd.ArrowDtype(pa.string())


def col(arr: pa.Array):
    """An Arrow string array as a pandas text column."""
    return pd.array(arr, dtype=_STR)


def _mask(missing: np.ndarray | None) -> np.ndarray | None:
    return None if missing is None else np.asarray(missing, dtype=bool)


def iso(days: np.ndarray, missing: np.ndarray | None = None):
    """Day numbers as ISO dates (text); missing where ``missing``."""
    arr = pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=_mask(missing))
    return col(pc.cast(arr, pa.string()))


def bool_text(values: np.ndarray, missing: np.ndarray | None = None):
    """Booleans as ``true``/``false`` (text); missing where ``missing``."""
    arr = pa.array(np.asarray(values, dtype=bool), mask=_mask(missing))
    return col(pc.if_else(arr, "true", "false"))


def int_text(values: np.ndarray, missing: np.ndarray | None = None):
    """Integers as text; missing where ``missing``."""
    arr = pa.array(np.asarray(values, dtype=np.int64), mask=_mask(missing))
    return col(pc.cast(arr, pa.string()))


def take(labels, idx: np.ndarray, missing: np.ndarray | None = None):
    """``labels[idx]`` as text (labels: a sequence of str or an Arrow array)."""
    dictionary = labels if isinstance(labels, pa.Array) else pa.array(list(labels), pa.string())
    indices = pa.array(np.asarray(idx, dtype=np.int64), mask=_mask(missing))
    return col(pc.take(dictionary, indices))


def ids(prefix: str, n: int) -> pa.Array:
    """``prefix`` + a zero-padded running number (width 6 or more), as an Arrow array."""
    width = max(6, len(str(n)))
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width=width, padding="0"), "")
