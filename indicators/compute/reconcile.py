"""The reconciliation frame (``reconciliation.csv``): every record read, used or left out.

For every indicator and every table it counts from, each record read is ``used`` or left out
with exactly one reason: the first that applies, in the order the indicator's cohort builder
checks them (the builders' docstrings list them; docs/outputs.md#reconciliation explains
them to users). Spell-based indicators (JJ04, JJ05, JJ11) give every episode of a spell the
spell's outcome. A missing table is one row ``table_not_given`` with 0 records. The rows of
the population table are listed under each indicator that divides by the child population
(JJ01-JJ03): ``used`` for the child population of C's year, else ``other_year``,
``aged_18_or_over`` or ``missing_value``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import Events
from ..registry import RECONCILIATION_COLUMNS, IndicatorSpec
from .cohort import Cohort

__all__ = ["finish_reconciliation", "population_reconciliation", "reconciliation_frame"]


def _reason_rows(table: str, n: int, counts: pd.Series) -> list[dict]:
    """``used`` (even when 0), then every other reason that occurs, most frequent first."""
    used = int(counts.get("used", 0))
    rows = [{"table": table, "records_read": n, "reason": "used", "count": used}]
    rows += [
        {"table": table, "records_read": n, "reason": str(reason), "count": int(count)}
        for reason, count in counts.items()
        if reason != "used" and count > 0
    ]
    return rows


def reconciliation_frame(ds, spec: IndicatorSpec, cohort: Cohort | None) -> pd.DataFrame:
    """The reconciliation rows of one indicator: per table read, records read and the count
    of each reason; ``cohort`` None when a table is missing (``table_not_given``)."""
    rows = []
    if cohort is None:
        for table in spec.tables:
            if table not in ds.tables:
                rows.append(
                    {"table": table, "records_read": 0, "reason": "table_not_given", "count": 0}
                )
    else:
        for table, reasons in cohort.reasons.items():
            rows += _reason_rows(table, len(reasons), pd.Series(reasons).value_counts())
    out = pd.DataFrame(rows, columns=["table", "records_read", "reason", "count"])
    out["indicator"] = spec.id
    return out


def population_reconciliation(ev: Events, spec_ids: list[str]) -> pd.DataFrame:
    """The population rows (used or left out) listed under each indicator of ``spec_ids``."""
    rows = ev.population_rows
    counts = rows["reason"].value_counts()
    parts = []
    for ind in spec_ids:
        recs = [
            {
                "table": "population",
                "records_read": len(rows),
                "reason": "used",
                "count": int(counts.get("used", 0)),
            }
        ]
        recs += [
            {"table": "population", "records_read": len(rows), "reason": str(r), "count": int(c)}
            for r, c in counts.items()
            if r != "used"
        ]
        part = pd.DataFrame(recs)
        part["indicator"] = ind
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def finish_reconciliation(df: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """The reconciliation frame in its contract: country and period, ``used`` and
    ``left_out`` per indicator and table, columns in order."""
    df = df.copy()
    for key in ("country", "period_start", "period_end"):
        df[key] = meta[key]
    for col in ("records_read", "count"):
        df[col] = df[col].astype(np.int64)
    used = df[df["reason"] == "used"].set_index(["indicator", "table"])["count"]
    key = pd.MultiIndex.from_frame(df[["indicator", "table"]])
    df["used"] = used.reindex(key).fillna(0).to_numpy(dtype=np.int64)
    df["left_out"] = df["records_read"] - df["used"]
    for col in ("country", "period_start", "period_end", "indicator", "table", "reason"):
        df[col] = df[col].astype(str)
    return df[RECONCILIATION_COLUMNS].reset_index(drop=True)
