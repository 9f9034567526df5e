"""Validating a dataset: every failure at once, as a table in plain words.

:func:`validate_dataset` runs, on a :class:`~indicators.dataset.Dataset` already read:

1. the problems met while reading (unreadable files, cells that do not parse, missing or
   identifying columns, stated assumptions);
2. the Pandera schemas of :mod:`indicators.schemas` (lazily: all failures, not the first);
3. the dataset-wide rules of ``records.md``: foreign keys, date order, ``end_reason`` exactly
   when ``release_date`` is given, overlapping episodes, transfers with no following episode,
   episodes after a death, ``sentence_date`` within a spell, population rows, dataset.toml
   keys and parameter values;
4. data-quality warnings: ages under the minimum age of criminal responsibility, children aged
   18 or over at every event, missing dates of birth above 10 %, facilities that never held a
   child, records dated after a child's death, aftercare on a row that is not a release.

Every check is vectorised; at most ``max_issues_per_rule`` rows are listed per (file, column,
rule) while every failure is counted, so a broken million-row file gives a short report.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import METADATA_KEYS, REQUIRED_TABLES
from .dataset import Dataset
from .dates import age_on, birthday, lookup_positions
from .issues import MAX_ISSUES_PER_RULE, Issue
from .parameters import check_table
from .registry import policy_keys

__all__ = ["ISSUE_COLUMNS", "RULES", "ValidationReport", "validate_dataset"]

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
        from .safety import neutralise_frame

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
        return head + self.by_rule().to_html(index=False) + self.issues.head(50).to_html(
            index=False, na_rep=""
        )


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


class _Collector:
    """Issue rows built only for failing rows, capped per (table, column, rule).

    ``sources`` maps a table label to the provenance of its records (``source_file`` codes,
    file names and ``source_row``, from :func:`_record_sources`): a problem at a record of an
    ingested table is then reported at the export file and row it came from, and counted
    under that file.
    """

    def __init__(self, cap: int, sources: dict[str, tuple] | None = None):
        self.cap = cap
        self.rows: list[tuple] = []
        self.counts: list[tuple] = []
        self.sources = sources or {}

    def _where(self, table: str, position: int) -> tuple[str, int]:
        """(file, spreadsheet row) of the record at ``position`` of ``table``."""
        src = self.sources.get(table)
        if src is not None and 0 <= position < len(src[0]) and src[0][position] >= 0:
            codes, files, rows = src
            return files[codes[position]], int(rows[position])
        return table, position + 2

    def file(self, severity: str, table: str, rule: str, message: str,
             column: str | None = None, value: Any = None, row: int | None = None) -> None:
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
            where = src[1][code] if code >= 0 else table
            self.counts.append((severity, where, column, rule, int(n)))
        if (rest := int((positions >= len(src[0])).sum())) > 0:
            self.counts.append((severity, table, column, rule, rest))

    def add_issues(self, issues: list[Issue]) -> None:
        for it in issues:
            table, row = it.table, it.row
            if table in self.sources and row is not None and row >= 2:
                table, row = self._where(table, row - 2)
            self.rows.append((it.severity, table, row, it.column, _fmt(it.value), it.rule,
                              it.message))
            self.counts.append((it.severity, table, it.column, it.rule, it.count))

    def report(self, name: str) -> ValidationReport:
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


def _record_sources(ds: Dataset) -> dict[str, tuple]:
    """Table label -> (file codes, file names, rows) for tables carrying ``source_file`` and
    ``source_row`` (records written by ``ingest``; ``ingest.md``)."""
    out = {}
    for name, frame in ds.tables.items():
        if "source_file" not in frame.columns or "source_row" not in frame.columns:
            continue
        codes, files = pd.factorize(frame["source_file"], use_na_sentinel=True)
        rows = frame["source_row"].to_numpy(dtype=np.int64, na_value=-1)
        codes = np.where(rows >= 0, codes, -1)
        out[ds.source_name(name)] = (codes, [str(f) for f in files], rows)
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


def _day(ts: Any) -> str:
    return "?" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- helpers


def _mask(s: pd.Series | np.ndarray) -> np.ndarray:
    """A boolean numpy mask from a (nullable) boolean series: missing counts as False."""
    if isinstance(s, pd.Series):
        return s.fillna(False).to_numpy(dtype=bool) if s.dtype != bool else s.to_numpy()
    return np.asarray(s, dtype=bool)


def _days(s: pd.Series) -> np.ndarray:
    """Dates as int64 day numbers, missing as ``_NODAY``."""
    v = s.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    out = v.astype("datetime64[D]").astype(np.int64)
    out[np.isnat(v)] = _NODAY
    return out


_NODAY = np.iinfo(np.int64).min


def _unique_ids(ids: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Distinct non-missing ids in order of first appearance, and their first row positions."""
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    first = np.full(len(uniques), len(ids), dtype=np.int64)
    np.minimum.at(first, codes[codes >= 0], np.flatnonzero(codes >= 0))
    return pd.Series(uniques, dtype="string"), first


def _failed(ds: Dataset, table: str, column: str, n: int) -> np.ndarray:
    """Mask of the cells of a column that the reader already reported as unparseable."""
    out = np.zeros(n, dtype=bool)
    pos = ds.parse_failures.get((table, column))
    if pos is not None and len(pos):
        out[pos[pos < n]] = True
    return out


# --------------------------------------------------------------------------- schemas

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


def _run_schemas(ds: Dataset, out: _Collector) -> None:
    import pandera.errors as pe

    from .schemas import SCHEMAS

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
                pos = pos[~_failed(ds, name, column, len(frame))[pos]]
            values = frame[column] if column in frame.columns else None
            out.rows_at("error", label, column, rule, pos, values,
                        lambda i, v, r=rule, c=column, k=check: _schema_message(r, c, v, k))


# --------------------------------------------------------------------------- dataset.toml


def _check_metadata(ds: Dataset, out: _Collector) -> None:
    meta = ds.metadata
    src = ds.metadata_source
    if not meta and any(i.rule == "invalid_toml" for i in ds.issues):
        return
    country = meta.get("country")
    if country is None:
        out.file("error", src, "missing_key",
                 f"{src} has no country; write e.g. country = \"ATL\"", column="country")
    elif not (isinstance(country, str) and re.fullmatch(r"[A-Z]{3}", country)):
        out.file("error", src, "invalid_country",
                 f"country = {country!r}: write the ISO 3166-1 alpha-3 code, or a user code of "
                 "3 upper-case letters", column="country", value=country)
    for key in ("country_name", "region", "source", "notes"):
        if key in meta and not isinstance(meta[key], str):
            out.file("error", src, "invalid_value", f"{key} must be text within quotes",
                     column=key, value=meta[key])
    mcr = meta.get("minimum_age_criminal_responsibility")
    if mcr is not None and (isinstance(mcr, bool) or not isinstance(mcr, int)
                            or not 0 <= mcr <= 18):
        out.file("error", src, "invalid_value",
                 "minimum_age_criminal_responsibility must be a whole number of years from 0 "
                 "to 18", column="minimum_age_criminal_responsibility", value=mcr)
    start, end, census = ds.period_start, ds.period_end, ds.census_date
    if not pd.isna(start) and not pd.isna(end):
        if end < start:
            out.file("error", src, "period_order",
                     f"period_end {_day(end)} is before period_start {_day(start)}",
                     column="period_end", value=_day(end))
        else:
            days = (end - start).days + 1
            if days > 366:
                out.file("error", src, "period_too_long",
                         f"the reference period has {days} days; it must be 12 months at most "
                         "(366 days)", column="period_end", value=_day(end))
            elif end != start + pd.DateOffset(years=1) - pd.Timedelta(days=1):
                out.file("warning", src, "period_not_12_months",
                         f"the reference period {_day(start)} to {_day(end)} is not 12 whole "
                         "months: rates are not annual", column="period_end", value=_day(end))
        if not pd.isna(census) and not start <= census <= end:
            out.file("error", src, "census_outside_period",
                     f"census_date {_day(census)} is outside the period {_day(start)} to "
                     f"{_day(end)}", column="census_date", value=_day(census))
    for key in meta:
        if key not in METADATA_KEYS:
            out.file("warning", src, "unknown_key",
                     f"{key} is not a key of dataset.toml; it was ignored", column=key,
                     value=meta[key] if not isinstance(meta[key], dict) else None)
    policy = meta.get("policy")
    if policy is not None and not isinstance(policy, dict):
        out.file("error", src, "invalid_value", "[policy] must be a section of key = true/false",
                 column="policy")
    elif policy:
        known = policy_keys()
        for key, val in policy.items():
            if key not in known:
                out.file("warning", src, "unknown_key",
                         f"policy.{key} is not a policy question; known: "
                         f"{', '.join(known)}", column=f"policy.{key}")
            elif not isinstance(val, bool):
                out.file("error", src, "invalid_policy_value",
                         f"policy.{key} = {val!r}: write true or false (without quotes), or "
                         "leave the key out when not assessed", column=f"policy.{key}", value=val)
    for severity, column, value, message in check_table(meta.get("parameters")):
        rule = ("unknown_key" if severity == "warning" else
                "invalid_value" if column == "parameters" else "invalid_parameter")
        out.file(severity, src, rule, message, column=column, value=value)


# --------------------------------------------------------------------------- the rules


def validate_dataset(ds: Dataset, *, max_issues_per_rule: int = MAX_ISSUES_PER_RULE
                     ) -> ValidationReport:
    """Check a dataset against every rule of ``records.md`` and report all failures at once.

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
    ``records.md`` says that nothing follows a death. An *episode* beginning after the death
    is an error (the detentions table contradicts itself); an arrest, decision or family
    visit dated after it is a warning, as such records come from other registers and are
    not used by the indicators that depend on the death.
    """
    out = _Collector(max_issues_per_rule, _record_sources(ds))
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
    _run_schemas(ds, out)
    _check_metadata(ds, out)
    t = ds.tables
    children = t.get("children")
    child_index = child_rows = None
    if children is not None:
        child_index, child_rows = _unique_ids(children["child_id"])
    child_pos: dict[str, np.ndarray] = {}
    for name in ("arrests", "detentions", "dispositions", "family_visits"):
        if name in t and child_index is not None:
            cid = t[name]["child_id"]
            pos = lookup_positions(cid, child_index)
            child_pos[name] = pos
            bad = np.flatnonzero((pos < 0) & cid.notna().to_numpy())
            out.rows_at("error", ds.source_name(name), "child_id", "unknown_child", bad, cid,
                        lambda i, v: f"child {v!r} is not in children")
    checks = [_check_facilities, _check_dates, _check_deaths, _check_population]
    if "detentions" in t:
        checks.append(_check_episodes)
    for check in checks:
        _guarded(check, out, ds, out)
    if children is not None and child_index is not None:
        _guarded(_check_ages, out, ds, out, children, child_rows, child_pos)
    name = str(ds.path) if ds.path is not None else (ds.country or "")
    return out.report(name)


def _guarded(check: Callable, out: _Collector, *args) -> None:
    """Run one group of checks; a failure of the check itself becomes an error row.

    Tables that are not typed as the reader types them (a Dataset built by hand) can make a
    check fail; the report then says so instead of stopping without one.
    """
    try:
        check(*args)
    except Exception as exc:
        name = check.__name__.removeprefix("_check_")
        out.file("error", "(validation)", "check_failed",
                 f"the {name} checks could not run ({type(exc).__name__}: {exc}); are the "
                 "tables typed as read_dataset types them?"[:400])


def _check_facilities(ds: Dataset, out: _Collector) -> None:
    t = ds.tables
    fac = t.get("facilities")
    known = None if fac is None else _unique_ids(fac["facility_id"])[0]
    for name in ("detentions", "inspections"):
        if name not in t:
            continue
        fid = t[name]["facility_id"]
        if known is None:
            if name == "inspections" and "facilities" not in ds.unreadable:
                out.file("error", ds.source_name(name), "unknown_facility",
                         "inspections are given but facilities is not: add facilities.csv "
                         "(inspections.facility_id must exist in facilities)",
                         column="facility_id")
            continue
        bad = np.flatnonzero(fid.notna().to_numpy() & (lookup_positions(fid, known) < 0))
        out.rows_at("error", ds.source_name(name), "facility_id", "unknown_facility", bad, fid,
                    lambda i, v: f"facility {v!r} is not in facilities")
    if fac is not None and "detentions" in t:
        used = _unique_ids(t["detentions"]["facility_id"])[0]
        fid = fac["facility_id"]
        idle = np.flatnonzero(fid.notna().to_numpy() & (lookup_positions(fid, used) < 0))
        out.rows_at("warning", ds.source_name("facilities"), "facility_id",
                    "facility_never_used", idle, fid,
                    lambda i, v: f"facility {v!r} has no detention episode; is this right?")


def _check_dates(ds: Dataset, out: _Collector) -> None:
    t = ds.tables
    if "detentions" in t:
        d = t["detentions"]
        dc = dict(d.items())  # column lookups in messages without DataFrame.__getitem__
        n = len(d)
        bad = np.flatnonzero(_mask(d["release_date"] < d["admission_date"]))
        out.rows_at("error", ds.source_name("detentions"), "release_date",
                    "release_before_admission", bad, d["release_date"],
                    lambda i, v: f"release_date {_day(v)} is before admission_date "
                    f"{_day(dc['admission_date'].iat[i])}")
        rel = d["release_date"].notna().to_numpy()
        reason = d["end_reason"].notna().to_numpy()
        no_reason = rel & ~reason & ~_failed(ds, "detentions", "end_reason", n)
        out.rows_at("error", ds.source_name("detentions"), "end_reason", "end_reason_missing",
                    np.flatnonzero(no_reason), d["end_reason"],
                    lambda i, v: f"the episode has a release_date "
                    f"({_day(dc['release_date'].iat[i])}) but no end_reason: write release, "
                    "transfer, death or escape")
        no_rel = reason & ~rel & ~_failed(ds, "detentions", "release_date", n)
        out.rows_at("error", ds.source_name("detentions"), "release_date",
                    "end_reason_without_release", np.flatnonzero(no_rel), d["end_reason"],
                    lambda i, v: f"end_reason is {v!r} but release_date is empty: give the date "
                    "the episode ended, or leave end_reason empty while the child is held")
        aftercare = d["received_aftercare"].notna().to_numpy() & ~_mask(
            d["end_reason"] == "release")
        out.rows_at("warning", ds.source_name("detentions"), "received_aftercare",
                    "aftercare_not_release", np.flatnonzero(aftercare), d["received_aftercare"],
                    lambda i, v: "received_aftercare is only for episodes ending with release; "
                    "it is ignored on this row")
    if "dispositions" in t:
        d = t["dispositions"]
        dc = dict(d.items())
        bad = np.flatnonzero(_mask(d["offence_date"] > d["decision_date"]))
        out.rows_at("error", ds.source_name("dispositions"), "offence_date",
                    "offence_after_decision", bad, d["offence_date"],
                    lambda i, v: f"offence_date {_day(v)} is after decision_date "
                    f"{_day(dc['decision_date'].iat[i])}")


def _check_episodes(ds: Dataset, out: _Collector) -> None:
    d = ds.tables["detentions"]
    dc = dict(d.items())
    label = ds.source_name("detentions")
    n = len(d)
    child_codes, _ = pd.factorize(d["child_id"], use_na_sentinel=True)
    adm = _days(d["admission_date"])
    rel = _days(d["release_date"])
    usable = (child_codes >= 0) & (adm != _NODAY)
    rows = np.flatnonzero(usable)
    if len(rows) == 0:
        return
    big = np.iinfo(np.int64).max
    rel_inf = np.where(rel == _NODAY, big, rel)  # open episodes last forever
    order = rows[np.lexsort((rel_inf[rows], adm[rows], child_codes[rows]))]
    c, a, r = child_codes[order], adm[order], rel_inf[order]
    same_prev = np.zeros(len(order), dtype=bool)
    same_prev[1:] = c[1:] == c[:-1]
    # Overlap: admitted before the latest end of any earlier episode of the same child.
    run_max = pd.Series(r).groupby(c).cummax().to_numpy()
    prev_max = np.empty_like(run_max)
    prev_max[0] = np.iinfo(np.int64).min
    prev_max[1:] = run_max[:-1]
    overlap = same_prev & (a < prev_max)
    eid = d["episode_id"]
    out.rows_at("error", label, "admission_date", "overlapping_episodes", order[overlap],
                d["admission_date"],
                lambda i, v: f"episode {eid.iat[i]!r} of child {dc['child_id'].iat[i]!r} begins "
                f"on {_day(v)}, before an earlier episode of the child ended (or while one is "
                "still open): episodes of one child never overlap")
    # A transfer is followed by an episode of the same child admitted on its release_date.
    reason = d["end_reason"].to_numpy(dtype=object, na_value=None)
    lo = int(adm[rows].min())
    span = int(adm[rows].max()) - lo + 1
    keys = np.sort(child_codes[rows].astype(np.int64) * span + (adm[rows] - lo))
    transfer = np.flatnonzero(usable & (reason == "transfer") & (rel != _NODAY))
    if len(transfer):
        t_rel = rel[transfer]
        in_span = (t_rel >= lo) & (t_rel < lo + span)
        tkeys = child_codes[transfer].astype(np.int64) * span + (t_rel - lo)
        found = np.searchsorted(keys, tkeys, side="right") - np.searchsorted(keys, tkeys)
        found = np.where(in_span, found, 0) - (adm[transfer] == t_rel)
        out.rows_at("error", label, "end_reason", "transfer_not_followed",
                    transfer[found <= 0], d["end_reason"],
                    lambda i, v: f"episode {eid.iat[i]!r} ends with a transfer on "
                    f"{_day(dc['release_date'].iat[i])}, but no episode of child "
                    f"{dc['child_id'].iat[i]!r} begins that day")
    # Spells: a chain of episodes linked by transfers (release_date = next admission).
    reason_s = reason[order]
    link = np.zeros(len(order), dtype=bool)
    link[1:] = same_prev[1:] & (reason_s[:-1] == "transfer") & (r[:-1] == a[1:])
    spell = np.cumsum(~link)
    sent = _days(d["sentence_date"])[order].astype(float)
    sent[sent == float(_NODAY)] = np.nan
    ffill = pd.Series(sent).groupby(spell).ffill().to_numpy()
    prev_set = np.full(len(order), np.nan)
    prev_set[1:] = ffill[:-1]
    prev_set[~link] = np.nan
    failed = _failed(ds, "detentions", "sentence_date", n)[order]
    changed = ~np.isnan(prev_set) & (np.isnan(sent) | (sent != prev_set)) & ~failed
    prev_txt = {int(order[k]): str(np.datetime64(int(prev_set[k]), "D"))
                for k in np.flatnonzero(changed)[: out.cap]}
    out.rows_at("error", label, "sentence_date", "sentence_date_changed", order[changed],
                d["sentence_date"],
                lambda i, v: f"episode {eid.iat[i]!r} continues a spell (transfer) in which the "
                f"child was sentenced on {prev_txt.get(i, '?')}; its sentence_date must be the "
                f"same, not {_day(v) if not pd.isna(v) else 'empty'}")


def _check_deaths(ds: Dataset, out: _Collector) -> None:
    t = ds.tables
    if "detentions" not in t:
        return
    d = t["detentions"]
    dead = _mask(d["end_reason"] == "death") & d["release_date"].notna().to_numpy()
    if not dead.any():
        return
    death = (pd.DataFrame({"child": d["child_id"][dead], "day": d["release_date"][dead]})
             .dropna().groupby("child")["day"].min())
    checks = (("detentions", "admission_date", "error", "episode_after_death"),
              ("arrests", "arrest_date", "warning", "record_after_death"),
              ("dispositions", "decision_date", "warning", "record_after_death"),
              ("family_visits", "visit_date", "warning", "record_after_death"))
    for name, column, severity, rule in checks:
        if name not in t:
            continue
        frame = t[name]
        concerned = np.flatnonzero(lookup_positions(frame["child_id"], pd.Series(death.index)) >= 0)
        if not len(concerned):
            continue
        day_of_death = frame["child_id"].iloc[concerned].map(death).to_numpy(
            dtype="datetime64[ns]")
        when = frame[column].iloc[concerned].to_numpy(dtype="datetime64[ns]")
        after = concerned[~np.isnat(when) & (when > day_of_death)]
        who = frame["child_id"]
        out.rows_at(severity, ds.source_name(name), column, rule, after, frame[column],
                    lambda i, v, w=who: f"child {w.iat[i]!r} died in detention "
                    f"on {_day(death.get(w.iat[i]))}; nothing can follow a death")


def _check_population(ds: Dataset, out: _Collector) -> None:
    pop = ds.tables.get("population")
    if pop is None:
        return
    label = ds.source_name("population")
    pc_ = dict(pop.items())
    keys = ["year", "sex", "age", "area"]
    complete = pop[["year", "sex", "age"]].notna().all(axis=1).to_numpy()
    dup = np.flatnonzero(pop.duplicated(subset=keys, keep=False).to_numpy() & complete)
    out.rows_at("error", label, "population", "duplicate_population", dup, pop["population"],
                lambda i, v: f"year {pc_['year'].iat[i]}, sex {pc_['sex'].iat[i]}, age "
                f"{pc_['age'].iat[i]}" + (f", area {pc_['area'].iat[i]}"
                                          if not pd.isna(pc_['area'].iat[i]) else "")
                + " is given on more than one row")
    if pd.isna(ds.census_date):
        return
    year = ds.census_date.year
    this = pop[_mask(pop["year"] == year)]
    if this.empty:
        years = ", ".join(str(y) for y in sorted(pop["year"].dropna().unique())[:10])
        out.file("error", label, "no_population_for_year",
                 f"population has no rows for {year}, the year of the census date "
                 f"{_day(ds.census_date)}: rates per 100,000 children have no denominator "
                 f"(years given: {years or 'none'})", column="year", value=str(year))
        return
    have = set(zip(this["sex"].astype(str), this["age"].astype("Int64"), strict=True))
    lacking = [f"{s} {a}" for s in ("F", "M") for a in range(18) if (s, a) not in have]
    if lacking:
        out.file("warning", label, "population_incomplete",
                 f"population {year} has no rows for {len(lacking)} sex and age 0-17 "
                 f"combination(s) (e.g. {', '.join(lacking[:4])}): they count as 0",
                 column="age")


def _check_ages(ds: Dataset, out: _Collector, children, child_rows, child_pos) -> None:
    t = ds.tables
    # date_of_birth of each distinct child (its first row), aligned with child_pos
    dob = _days(children["date_of_birth"])[child_rows] if len(child_rows) else np.zeros(0,
                                                                                      np.int64)
    n_children = len(children)
    if n_children:
        missing = int(children["date_of_birth"].isna().sum())
        share = missing / n_children
        if share > 0.10:
            out.file("warning", ds.source_name("children"), "many_missing_birth_dates",
                     f"{missing:,} of {n_children:,} children ({share:.0%}) have no "
                     "date_of_birth: ages will be unknown for them", column="date_of_birth",
                     value=f"{share:.1%}")

    def dob_of(name):
        pos = child_pos[name]
        return np.where(pos >= 0, dob[np.clip(pos, 0, None)] if len(dob) else _NODAY, _NODAY)

    mcr = ds.minimum_age_criminal_responsibility
    if "arrests" in t and mcr is not None and "arrests" in child_pos:
        a = t["arrests"]
        a_child = a["child_id"]
        b = dob_of("arrests")
        when = _days(a["arrest_date"])
        known = (b != _NODAY) & (when != _NODAY)
        young_known = np.zeros(len(a), dtype=bool)
        young_known[known] = when[known] < birthday(b[known], mcr)
        given = a["age_years"].to_numpy(dtype=float, na_value=np.nan)
        use_given = ~known & ~np.isnan(given)
        young = np.flatnonzero(young_known | (use_given & (given < mcr)))
        age = {int(i): (int(age_on(b[i:i + 1], when[i:i + 1])[0]) if known[i]
                        else int(given[i])) for i in young[: out.cap]}
        out.rows_at("warning", ds.source_name("arrests"), "arrest_date",
                    "under_age_of_responsibility", young, a["arrest_date"],
                    lambda i, v: f"child {a_child.iat[i]!r} was {age.get(i, '?')} at this "
                    "arrest, "
                    f"under the minimum age of criminal responsibility ({mcr})")
    # The first event of each child: aged 18 or over then means aged 18 or over at every event.
    first_event = np.full(len(dob), np.iinfo(np.int64).max, dtype=np.int64)
    events = (("arrests", ("arrest_date",)), ("detentions", ("admission_date",)),
              ("dispositions", ("decision_date", "offence_date")), ("family_visits", ()))
    seen = False
    for name, columns in events:
        if name not in child_pos:
            continue
        pos = child_pos[name]
        for column in columns:
            days = _days(t[name][column])
            ok = (pos >= 0) & (days != _NODAY)
            np.minimum.at(first_event, pos[ok], days[ok])
            seen = True
    if not seen or not len(dob):
        return
    has = (first_event != np.iinfo(np.int64).max) & (dob != _NODAY)
    adult = np.zeros(len(dob), dtype=bool)
    adult[has] = first_event[has] >= birthday(dob[has], 18)
    if adult.any():
        rows = child_rows[adult]
        cid, born = children["child_id"], children["date_of_birth"]
        out.rows_at("warning", ds.source_name("children"), "date_of_birth",
                    "adult_at_every_event", rows, born,
                    lambda i, v: f"child {cid.iat[i]!r} (born {_day(v)}) was "
                    "18 or over at every arrest, detention and decision: is this a child's "
                    "record, and is the date of birth right?")
