"""Output safety: text cells that spreadsheet software would run as formulas.

Every CSV and Excel writer of the package passes its frames through :func:`neutralise_frame`,
so that a code, name or note beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is shown as text when opened (OWASP "CSV injection": a leading apostrophe).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralise_cell", "neutralise_frame"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text value with ``'`` when it begins like a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas.

    Numbers are left alone (a negative number is a number, not a formula); only object,
    string and categorical columns are inspected.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            if s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES)).any():
                out[col] = s.map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out
