"""The validation report: every problem of a dataset as one table, and its readable views.

:class:`ValidationReport` holds the table (one row per problem listed, columns
:data:`ISSUE_COLUMNS`) and the counts (every failure counted, listed or not); it prints as a
summary grouped by rule (headings from :data:`RULES`), writes a CSV and shows as HTML in a
notebook. :class:`IssueCollector` is where the checks file their failures. The rules are listed
in the user documentation (``docs/records.md#validation``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..issues import Issue
from ..sparks import bar_svg

__all__ = ["ISSUE_COLUMNS", "RULES", "IssueCollector", "ValidationReport", "day_text",
           "record_sources"]

ISSUE_COLUMNS = ["severity", "table", "row", "column", "value", "rule", "message"]

RULES: dict[str, str] = {
    # reading
    "missing_table": "a required table is missing",
    "empty_file": "an empty file or sheet",
    "not_text": "a file that is not text",
    "file_too_large": "a file larger than accepted",
    "malformed_file": "a file that cannot be read as a table",
    "unreadable_file": "a file that cannot be read",
    "invalid_toml": "dataset.toml cannot be read",
    "missing_header": "no header row",
    "unnamed_column": "a column without a name",
    "duplicate_column": "a column name given twice",
    "missing_column": "a required column is missing",
    "direct_identifier": "a column that identifies a person (records must be pseudonymous)",
    "cell_too_long": "a cell far longer than any value of the format",
    "cell_outside_header": "values in a column without a header",
    "several_files": "a table given in more than one file",
    "several_workbooks": "more than one workbook",
    "not_in_codes": "a value that is not in the column's code list",
    "invalid_date": "not a date written YYYY-MM-DD",
    "invalid_boolean": "not a true/false value",
    "invalid_integer": "not a whole number",
    "assumed_encoding": "a file read under an assumed encoding",
    "assumed_delimiter": "a file read under an assumed delimiter",
    "assumed_line_endings": "a file whose rows end with a carriage return only (read that way)",
    "unknown_file": "a file that is not part of the format (ignored)",
    "unknown_sheet": "a sheet that is not part of the format (ignored)",
    "unknown_column": "a column that is not part of the format (carried, not used)",
    "empty_table": "a table with a header and no records (read as zero records)",
    "not_a_dataset": "the path is not a dataset folder",
    # ingest (a mapping file and the exports it names; ingest.md)
    "invalid_mapping": "the mapping file cannot be read, or a key has a value of the wrong kind",
    "unknown_mapping_key": "a key the mapping file format does not know",
    "no_matching_file": "a file or pattern of the mapping that matches no file",
    "unreadable_source": "an export that cannot be read as a table",
    "source_unreachable": "a database that cannot be reached",
    "query_failed": "a database table or query that fails",
    "missing_source_column": "a mapped column that is absent from an export",
    "unmapped_value": "a value that is neither mapped nor a code of the record format",
    "unparseable_date": "a date that does not parse with the format declared for it",
    "child_conflict": "rows of one child that disagree on sex or date of birth",
    "empty_row": "a blank row of an export (not a record)",
    "unpivot_column": "a column of a wide table whose name holds no single number",
    "column_not_mapped": "an export column named like a record-format column, not mapped",
    # schemas
    "required_value": "a required value is missing",
    "duplicate_id": "an id that is not unique",
    "negative_value": "a number below zero",
    "wrong_type": "a column of the wrong type",
    "schema_check": "a schema check failed",
    "check_failed": "a group of checks could not run",
    # dataset-wide
    "unknown_child": "a child_id that is not in children",
    "unknown_facility": "a facility_id that is not in facilities",
    "release_before_admission": "release_date before admission_date",
    "offence_after_decision": "offence_date after decision_date",
    "end_reason_missing": "release_date given without end_reason",
    "end_reason_without_release": "end_reason given without release_date",
    "overlapping_episodes": "episodes of one child that overlap",
    "transfer_not_followed": "a transfer with no episode of the child admitted on its release_date",
    "episode_after_death": "an episode that begins after the child's death",
    "sentence_date_changed": "sentence_date not kept on a later episode of the spell",
    "duplicate_population": "population rows repeated for one year, sex, age (and area)",
    "no_population_for_year": "no population for the year of the census date (no denominator)",
    "missing_key": "a required key of dataset.toml is missing",
    "invalid_country": "country is not 3 upper-case letters",
    "period_order": "period_end before period_start",
    "period_too_long": "a reference period longer than 366 days",
    "census_outside_period": "census_date outside the reference period",
    "invalid_value": "a dataset.toml value of the wrong kind",
    "invalid_policy_value": "a policy answer that is not true or false",
    "invalid_parameter": "a parameter value that is not allowed",
    # warnings
    "unknown_key": "a dataset.toml key that is not known (ignored)",
    "period_not_12_months": "a reference period that is not 12 whole months",
    "population_incomplete": "population rows missing for some sex and age 0-17",
    "under_age_of_responsibility": "an arrest below the minimum age of criminal responsibility",
    "adult_at_every_event": "a person aged 18 or over at every event",
    "many_missing_birth_dates": "more than 10 % of children have no date_of_birth",
    "facility_never_used": "a facility that never held a child",
    "record_after_death": "a record dated after the child's death",
    "aftercare_not_release": "received_aftercare on an episode that is not a release",
}
"""Rule name -> what it means, in plain words (the headings of the summary)."""

_SEVERITY_ORDER = {"error": 0, "warning": 1}


# --------------------------------------------------------------------------- the report


@dataclass
class ValidationReport:
    """Every problem found in a dataset.

    Attributes
    ----------
    issues : DataFrame
        One row per problem listed: severity, table (file name), row (spreadsheet row,
        header = 1; empty for file-level problems), column, value, rule, message. For records
        carrying ``source_file``/``source_row`` (ingested from exports), table and row are the
        export file and its row, and :attr:`counts` are per export file. At most
        ``max_issues_per_rule`` rows per (file, column, rule); the rest are counted in one
        extra row whose message says how many more there are.
    counts : DataFrame
        severity, table, column, rule, count: every failure counted, listed or not.
    """

    issues: pd.DataFrame
    counts: pd.DataFrame
    dataset: str = ""
    _extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> pd.DataFrame:
        """The error rows of :attr:`issues`."""
        return self.issues[self.issues["severity"] == "error"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        """The warning rows of :attr:`issues`."""
        return self.issues[self.issues["severity"] == "warning"].reset_index(drop=True)

    @property
    def n_errors(self) -> int:
        """Number of errors (all counted, including those not listed)."""
        return int(self.counts.loc[self.counts["severity"] == "error", "count"].sum())

    @property
    def n_warnings(self) -> int:
        """Number of warnings (all counted, including those not listed)."""
        return int(self.counts.loc[self.counts["severity"] == "warning", "count"].sum())

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed): the dataset can be computed."""
        return self.n_errors == 0

    def __bool__(self) -> bool:  # pragma: no cover - explicit is better
        return self.ok

    def by_rule(self) -> pd.DataFrame:
        """Counts per (severity, rule), errors first, largest first."""
        if self.counts.empty:
            return pd.DataFrame({"severity": [], "rule": [], "count": []})
        out = self.counts.groupby(["severity", "rule"], as_index=False, sort=False)["count"].sum()
        out["_o"] = out["severity"].map(_SEVERITY_ORDER)
        return out.sort_values(["_o", "count"], ascending=[True, False], kind="stable").drop(
            columns="_o"
        ).reset_index(drop=True)

    def summary(self, max_examples: int = 3) -> str:
        """A readable text summary grouped by rule: count, meaning and first examples."""
        name = f" of {self.dataset}" if self.dataset else ""
        head = (
            f"Validation{name}: {self.n_errors:,} error(s), {self.n_warnings:,} warning(s)."
        )
        if self.ok:
            head += " The dataset is valid" + (
                " (warnings do not stop computing)." if self.n_warnings else "."
            )
        else:
            head += " The dataset cannot be computed until the errors are corrected."
        lines = [head]
        for severity in ("error", "warning"):
            rules = self.by_rule()
            rules = rules[rules["severity"] == severity]
            if rules.empty:
                continue
            lines += ["", "ERRORS" if severity == "error" else "WARNINGS"]
            sub = self.issues[self.issues["severity"] == severity]
            for rule, count in zip(rules["rule"], rules["count"], strict=True):
                meaning = RULES.get(rule, "")
                lines.append(f"  {rule} ({count:,}){': ' + meaning if meaning else ''}")
                examples = sub[(sub["rule"] == rule) & ~sub["message"].str.startswith(
                    "and ", na=False)].head(max(max_examples, 0))
                for ex in examples.itertuples(index=False):
                    lines.append("    - " + _describe(ex))
                rest = count - len(examples)
                if rest > 0 and max_examples > 0:
                    lines.append(f"    ... and {rest:,} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_csv(self, path: str | Path) -> Path:
        """Write :attr:`issues` to a CSV file (text cells cannot run as spreadsheet formulas)."""
        from ..safety import neutralise_frame

        path = Path(path)
        neutralise_frame(self.issues).to_csv(path, index=False, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        status = "valid" if self.ok else "not valid"
        head = (
            f"<p><b>Validation{' of ' + html.escape(self.dataset) if self.dataset else ''}: "
            f"{status}</b> ({self.n_errors:,} errors, {self.n_warnings:,} warnings)</p>"
        )
        if self.issues.empty:
            return head
        return head + self._rules_html() + self.issues.head(50).to_html(index=False, na_rep="")

    def _rules_html(self) -> str:
        """Counts per rule with a bar each (errors vermillion, warnings grey) and the rule's
        meaning."""
        rules = self.by_rule()
        top = float(rules["count"].max()) if len(rules) else 0.0
        rows = ["<table><tr><th>severity</th><th>rule</th><th>count</th><th></th>"
                "<th>meaning</th></tr>"]
        for r in rules.itertuples():
            rows.append(
                f"<tr><td>{html.escape(r.severity)}</td><td>{html.escape(r.rule)}</td>"
                f"<td style='text-align:right'>{int(r.count):,}</td>"
                f"<td>{bar_svg(int(r.count), top, error=r.severity == 'error')}</td>"
                f"<td>{html.escape(RULES.get(r.rule, ''))}</td></tr>")
        rows.append("</table>")
        return "".join(rows)


def _describe(ex) -> str:
    where = [ex.table]
    if not pd.isna(ex.row):
        where.append(f"row {int(ex.row)}")
    if isinstance(ex.column, str):
        where.append(f"column {ex.column}")
    if isinstance(ex.value, str):
        where.append(f"value {ex.value!r}")
    return ", ".join(where) + f": {ex.message}"


# --------------------------------------------------------------------------- collecting


class IssueCollector:
    """Issue rows built only for failing rows, capped per (table, column, rule).

    Every check files its failures here; :meth:`report` turns them into the
    :class:`ValidationReport`. ``cap`` rows are listed per (table, column, rule), every
    failure is counted.
    """

    def __init__(self, cap: int, sources: dict[str, tuple] | None = None):
        self.cap = cap
        self.rows: list[tuple] = []
        self.counts: list[tuple] = []
        self.sources = sources or {}

    def _where(self, table: str, position: int) -> tuple[str, int]:
        """(file, spreadsheet row) of the record at ``position`` of ``table``: the export it
        was ingested from when ``sources`` knows the table (see :func:`record_sources`)."""
        src = self.sources.get(table)
        if src is not None and 0 <= position < len(src[0]) and src[0][position] >= 0:
            codes, files, rows = src
            return files[codes[position]], int(rows[position])
        return table, position + 2

    def file(self, severity: str, table: str, rule: str, message: str,
             column: str | None = None, value: Any = None, row: int | None = None) -> None:
        """File one problem that is not at a row of a table (a file, a key, a whole column)."""
        self.rows.append((severity, table, row, column, _fmt(value), rule, message))
        self.counts.append((severity, table, column, rule, 1))

    def rows_at(
        self,
        severity: str,
        table: str,
        column: str | None,
        rule: str,
        positions: np.ndarray,
        values: pd.Series | None,
        message: Callable[[int, Any], str],
    ) -> None:
        """Report rows at 0-based ``positions`` (spreadsheet row = position + 2)."""
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == 0:
            return
        positions = np.sort(positions)
        for i in positions[: self.cap]:
            value = values.iat[i] if values is not None else None
            self.rows.append(
                (severity, *self._where(table, int(i)), column, _fmt(value), rule,
                 message(int(i), value))
            )
        extra = len(positions) - self.cap
        if extra > 0:
            self.rows.append((severity, table, None, column, None, rule,
                              f"and {extra:,} more rows with the same problem (not listed)"))
        src = self.sources.get(table)
        if src is None:
            self.counts.append((severity, table, column, rule, len(positions)))
            return
        codes = src[0][positions[positions < len(src[0])]]
        for code, n in zip(*np.unique(codes, return_counts=True), strict=True):
            self.counts.append((severity, src[1][code] if code >= 0 else table, column, rule,
                                int(n)))
        if (rest := int((positions >= len(src[0])).sum())) > 0:
            self.counts.append((severity, table, column, rule, rest))

    def add_issues(self, issues: list[Issue]) -> None:
        """File the problems met while reading (``Dataset.issues``), already capped."""
        for it in issues:
            table, row = it.table, it.row
            if table in self.sources and row is not None and row >= 2:
                table, row = self._where(table, row - 2)
            self.rows.append((it.severity, table, row, it.column, _fmt(it.value), it.rule,
                              it.message))
            self.counts.append((it.severity, table, it.column, it.rule, it.count))

    def report(self, name: str) -> ValidationReport:
        """The report of everything filed, errors first (in the order filed within each)."""
        issues = pd.DataFrame(self.rows, columns=ISSUE_COLUMNS)
        issues["row"] = issues["row"].astype("Int64")
        for col in ("severity", "table", "column", "value", "rule", "message"):
            issues[col] = issues[col].astype("string")
        order = issues["severity"].map(_SEVERITY_ORDER).fillna(2).to_numpy()
        issues = issues.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
        counts = pd.DataFrame(self.counts, columns=["severity", "table", "column", "rule", "count"])
        counts = counts.groupby(["severity", "table", "column", "rule"], dropna=False,
                                as_index=False, sort=False)["count"].sum()
        return ValidationReport(issues=issues, counts=counts, dataset=name)


def record_sources(ds) -> dict[str, tuple]:
    """Table label -> (file codes, file names, rows) for tables carrying ``source_file`` and
    ``source_row`` (records ingested from exports, ``ingest.md``), for :class:`IssueCollector`."""
    out = {}
    for name, frame in ds.tables.items():
        if "source_file" not in frame.columns or "source_row" not in frame.columns:
            continue
        codes, files = pd.factorize(frame["source_file"], use_na_sentinel=True)
        rows = frame["source_row"].to_numpy(dtype=np.int64, na_value=-1)
        out[ds.source_name(name)] = (np.where(rows >= 0, codes, -1), [str(f) for f in files],
                                     rows)
    return out


def _fmt(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "..."


def day_text(ts: Any) -> str:
    """A date as ``YYYY-MM-DD`` in a message, ``?`` when missing."""
    return "?" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")
