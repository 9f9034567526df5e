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
    """Prefix a text value with ``'`` when it begins like a formula; other values unchanged.

    A carriage return inside the text also becomes a line feed: CSV writers quote a field
    holding their line terminator (``\n``) but not a bare ``\r``, which many readers take as
    the end of a row -- so ``"a\r=1+2"`` would start a new row with a formula.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _needs_change(value: object) -> bool:
    return isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or "\r" in value)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas.

    Numbers are left alone (a negative number is a number, not a formula); only object,
    string and categorical columns are inspected. See :func:`neutralise_cell`.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        is_text = s.dtype == object or pd.api.types.is_string_dtype(s.dtype)
        if is_text and s.map(_needs_change).any():
            out[col] = s.map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out
