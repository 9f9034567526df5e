"""The column-level rules of each table, checked by the pandera schemas of
:mod:`indicators.schemas`: required values, code lists, non-negative numbers, unique ids.

This is the only room that imports pandera (and only when a dataset is validated): reading
and computing never load it. Pandera's failure cases become rows of the report in plain words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .arrays import failed_cells
from .report import IssueCollector

__all__ = ["run_schemas"]

_CHECK_RULES = (
    ("not_nullable", "required_value"),
    ("field_uniqueness", "duplicate_id"),
    ("unique", "duplicate_id"),
    ("isin", "not_in_codes"),
    ("greater_than_or_equal_to", "negative_value"),
    ("dtype", "wrong_type"),
    ("column_in_dataframe", "missing_column"),
)


def _check_rule(check: str) -> str:
    for prefix, rule in _CHECK_RULES:
        if check.startswith(prefix):
            return rule
    return "schema_check"


def _schema_message(rule: str, column: str, value: Any, check: str) -> str:
    if rule == "required_value":
        return f"{column} is required: this cell is empty"
    if rule == "duplicate_id":
        return f"{value!r} appears more than once in {column}: ids must be unique"
    if rule == "not_in_codes":
        return f"{value!r} is not a code of {column}"
    if rule == "negative_value":
        return f"{column} must be 0 or more, not {value}"
    if rule == "wrong_type":
        return f"column {column} has the wrong type ({value}); expected {check}"
    if rule == "missing_column":
        return f"the column {column} is missing"
    return f"{column}: check {check} failed for {value!r}"


def run_schemas(ds: Dataset, out: IssueCollector) -> None:
    """Validate each table against its schema (lazily: every failure) and file the failures.

    A required value missing because the whole column is missing, or because the cell did
    not parse, was reported by the reader and is not reported again.
    """
    import pandera.errors as pe

    from ..schemas import SCHEMAS

    for name, frame in ds.tables.items():
        if name not in SCHEMAS:
            continue
        label = ds.source_name(name)
        try:
            SCHEMAS[name].validate(frame, lazy=True)
            continue
        except pe.SchemaErrors as exc:
            fc = exc.failure_cases
        except pe.SchemaError as exc:  # pragma: no cover - lazy mode raises SchemaErrors
            out.file("error", label, "schema_check", str(exc)[:300])
            continue
        except Exception as exc:  # a frame pandera cannot even inspect
            out.file("error", label, "schema_check",
                     f"the table could not be checked: {type(exc).__name__}: {exc}"[:300])
            continue
        _file_failure_cases(ds, name, label, fc, out)


def _file_failure_cases(ds: Dataset, name: str, label: str, fc: pd.DataFrame,
                        out: IssueCollector) -> None:
    """File pandera's failure cases of one table, one group per (column, check)."""
    frame = ds.tables[name]
    missing = set(ds.missing_columns.get(name, ()))
    fc = fc.assign(check=fc["check"].astype(str), column=fc["column"].astype(object))
    for (column, check), grp in fc.groupby(["column", "check"], sort=False, dropna=False):
        column = None if pd.isna(column) else str(column)
        rule = _check_rule(check)
        if rule == "required_value" and column in missing:
            continue  # the missing column was reported once by the reader
        idx = pd.to_numeric(grp["index"], errors="coerce")
        if idx.isna().all():
            for value in grp["failure_case"].head(5):
                if rule == "missing_column":  # pandera names the schema, not the column
                    if str(value) in missing:
                        continue
                    out.file("error", label, rule, f"the column {value} is missing",
                             column=str(value), row=1)
                    continue
                out.file("error", label, rule, _schema_message(rule, column, value, check),
                         column=column, value=value)
            continue
        pos = idx.dropna().to_numpy(dtype=np.int64)
        if rule == "required_value" and column is not None:
            pos = pos[~failed_cells(ds, name, column, len(frame))[pos]]
        values = frame[column] if column in frame.columns else None
        out.rows_at("error", label, column, rule, pos, values,
                    lambda i, v, r=rule, c=column, k=check: _schema_message(r, c, v, k))
