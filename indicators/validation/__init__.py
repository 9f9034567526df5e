"""Validating a dataset: every failure at once, as a table in plain words.

:func:`validate_dataset` runs, on a :class:`~indicators.dataset.Dataset` already read:

1. the problems met while reading (unreadable files, cells that do not parse, missing or
   identifying columns, stated assumptions);
2. the Pandera schemas of :mod:`indicators.schemas` (lazily: all failures, not the first);
3. the dataset-wide rules of the record format: foreign keys, date order, ``end_reason``
   exactly when ``release_date`` is given, overlapping episodes, transfers with no following
   episode, episodes after a death, ``sentence_date`` within a spell, population rows,
   dataset.toml keys and parameter values;
4. data-quality warnings: ages under the minimum age of criminal responsibility, children aged
   18 or over at every event, missing dates of birth above 10 %, facilities that never held a
   child, records dated after a child's death, aftercare on a row that is not a release.

Every check is vectorised; at most ``max_issues_per_rule`` rows are listed per (file, column,
rule) while every failure is counted, so a broken million-row file gives a short report. The
rules are described in the user documentation (``docs/records.md#validation``).

The rooms: :mod:`~indicators.validation.run` (the order of the checks),
:mod:`~indicators.validation.report` (the report and its views, the rule catalogue),
:mod:`~indicators.validation.table_checks` (the schemas; the only room that imports pandera),
:mod:`~indicators.validation.metadata` (dataset.toml), :mod:`~indicators.validation.rules`
(across rows and tables), :mod:`~indicators.validation.arrays` (shared helpers).
"""

from __future__ import annotations

from .report import ISSUE_COLUMNS, RULES, IssueCollector, ValidationReport
from .run import validate_dataset

__all__ = ["ISSUE_COLUMNS", "RULES", "IssueCollector", "ValidationReport", "validate_dataset"]
