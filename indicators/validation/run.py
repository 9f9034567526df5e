"""validate_dataset: every check, in the order the report lists them.

1. the problems met while reading (``Dataset.issues``), missing required tables, empty tables;
2. the column-level rules of each table (:mod:`~indicators.validation.table_checks`);
3. dataset.toml (:mod:`~indicators.validation.metadata`);
4. the dataset-wide rules and the data-quality warnings (:mod:`~indicators.validation.rules`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..codes import REQUIRED_TABLES
from ..dataset import Dataset
from ..issues import MAX_ISSUES_PER_RULE
from ..survey.design import check_sample_design
from .arrays import unique_ids
from .metadata import check_metadata
from .report import IssueCollector, ValidationReport, record_sources
from .rules import (
    check_ages,
    check_children_known,
    check_dates,
    check_deaths,
    check_episodes,
    check_facilities,
    check_population,
)
from .table_checks import run_schemas

__all__ = ["validate_dataset"]


def validate_dataset(ds: Dataset, *, max_issues_per_rule: int = MAX_ISSUES_PER_RULE
                     ) -> ValidationReport:
    """Check a dataset against every rule of the record format and report all failures at once.

    Parameters
    ----------
    ds : Dataset
        As returned by :func:`~indicators.read_dataset` or ``Dataset.from_frames``.
    max_issues_per_rule : int
        Rows listed per (file, column, rule); all failures are counted regardless.

    Returns
    -------
    ValidationReport
        ``report.ok`` is True when there is no error (warnings allowed).

    Notes
    -----
    The record format (``docs/records.md``) says that nothing follows a death. An *episode*
    beginning after the death is an error (the detentions table contradicts itself); an
    arrest, decision or family visit dated after it is a warning, as such records come from
    other registers and are not used by the indicators that depend on the death.
    """
    out = IssueCollector(max_issues_per_rule, record_sources(ds))
    out.add_issues(ds.issues)
    for name in REQUIRED_TABLES:
        if name not in ds.tables and name not in ds.unreadable:
            out.file("error", f"{name}.csv", "missing_table",
                     f"the required table {name} is missing: add {name}.csv (or "
                     f"{name}.parquet, or a sheet {name} in the workbook)")
    for name, frame in ds.tables.items():
        if len(frame) == 0:
            out.file("warning", ds.source_name(name), "empty_table",
                     f"{ds.source_name(name)} has no records: it is read as 'there were none' "
                     "(zero); delete it if these data are not available")
    run_schemas(ds, out)
    check_metadata(ds, out)
    t = ds.tables
    children = t.get("children")
    child_index = child_rows = None
    if children is not None:
        child_index, child_rows = unique_ids(children["child_id"])
    child_pos: dict[str, np.ndarray] = {}
    if child_index is not None:
        child_pos = check_children_known(ds, out, child_index)
    checks = [check_facilities, check_dates, check_deaths, check_population]
    if "detentions" in t:
        checks.append(check_episodes)
    for check in checks:
        _guarded(check, out, ds, out)
    out.add_issues(check_sample_design(ds))
    if children is not None and child_index is not None:
        _guarded(check_ages, out, ds, out, children, child_rows, child_pos)
    name = str(ds.path) if ds.path is not None else (ds.country or "")
    return out.report(name)


def _guarded(check: Callable, out: IssueCollector, *args) -> None:
    """Run one group of checks; a failure of the check itself becomes an error row.

    Tables that are not typed as the reader types them (a Dataset built by hand) can make a
    check fail; the report then says so instead of stopping without one.
    """
    try:
        check(*args)
    except Exception as exc:
        name = check.__name__.removeprefix("check_")
        out.file("error", "(validation)", "check_failed",
                 f"the {name} checks could not run ({type(exc).__name__}: {exc}); are the "
                 "tables typed as read_dataset types them?"[:400])
