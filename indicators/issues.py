"""Problems found in the input: the rows of a validation report, and the error of a path that
is not a dataset at all.

Reading and validation both produce :class:`Issue` rows; the command line turns a
:class:`DatasetError` into exit code 1 with its message.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_ISSUES_PER_RULE", "DatasetError", "Issue"]

MAX_ISSUES_PER_RULE = 1000
"""Issue rows kept per (file, column, rule); the rest are counted in one summary row."""


@dataclass(frozen=True)
class Issue:
    """One problem found in the input, as a row of the validation report."""

    severity: str  # "error" | "warning"
    table: str  # file name (e.g. "arrests.csv") or "dataset.toml"
    row: int | None  # spreadsheet row (header = 1), None for file-level problems
    column: str | None
    value: str | None
    rule: str  # short machine-friendly rule name, e.g. "not_in_codes"
    message: str  # plain words
    count: int = 1  # records this row stands for (> 1 for "and N more rows" summary rows)


class DatasetError(Exception):
    """A path that cannot be read as a dataset at all (no dataset.toml, not a folder, ...)."""

    def __init__(self, message: str, issues: list[Issue] | None = None):
        super().__init__(message)
        self.issues = issues or []
