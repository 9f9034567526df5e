"""Reading a dataset folder into typed tables (``records.md``).

Reading never stops at the first problem: every cell that cannot be parsed becomes a missing
value in the typed table and an :class:`Issue` in ``Dataset.issues``; ``validate_dataset``
adds the schema and dataset-wide checks on top.

Typed tables keep the file's row order with a RangeIndex, so the spreadsheet row of a record is
``index + 2`` (header on row 1).
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import PARAMETER_DEFAULTS, POLICY_KEYS, TABLES, Column

__all__ = ["Dataset", "DatasetError", "Issue", "read_dataset", "typed_table"]

TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}


class DatasetError(Exception):
    """A folder that cannot be read as a dataset at all (no dataset.toml, not a folder, ...)."""

    def __init__(self, message: str, issues: list[Issue] | None = None):
        super().__init__(message)
        self.issues = issues or []


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


@dataclass
class Dataset:
    """One country's records for one 12-month reference period.

    Attributes
    ----------
    tables : dict of DataFrame
        Typed tables present in the folder; a missing optional table is absent from the dict.
        Ids and free text are ``string``, dates ``datetime64[ns]``, booleans ``boolean``, codes
        ``category`` with the contract's categories, integers ``Int64``.
    policy : dict
        The four policy answers (``True``/``False``), ``None`` where not assessed.
    parameters : dict
        ``PARAMETER_DEFAULTS`` overridden by dataset.toml's ``[parameters]``.
    """

    country: str
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    census_date: pd.Timestamp
    tables: dict[str, pd.DataFrame]
    country_name: str | None = None
    minimum_age_criminal_responsibility: int | None = None
    policy: dict[str, bool | None] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=lambda: dict(PARAMETER_DEFAULTS))
    metadata: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)
    path: Path | None = None

    @property
    def days_in_period(self) -> int:
        """Days in P, both ends counted."""
        return int((self.period_end - self.period_start).days) + 1

    def table(self, name: str) -> pd.DataFrame | None:
        """The typed table, or None when the dataset does not have it."""
        return self.tables.get(name)

    def source_name(self, table: str) -> str:
        """The file name a table was read from (for messages), e.g. ``arrests.csv``."""
        src = self.sources.get(table)
        return src.name if src is not None else f"{table}.csv"

    @classmethod
    def from_frames(cls, metadata: dict[str, Any], frames: dict[str, pd.DataFrame]) -> Dataset:
        """Build a dataset from a metadata dict (as dataset.toml) and raw or typed frames.

        Convenient for tests and notebooks: frames may hold strings as in a CSV or already typed
        values; both go through the same parsing as files.
        """
        issues: list[Issue] = []
        tables = {}
        for name, frame in frames.items():
            if name not in TABLES:
                raise ValueError(f"unknown table {name!r}; expected one of {sorted(TABLES)}")
            tables[name] = typed_table(name, frame, issues, f"{name}.csv")
        ds = _dataset_from_metadata(metadata, tables, issues)
        return ds


def _to_text(s: pd.Series) -> pd.Series:
    """Any column as stripped text with <NA> for empty cells."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.strftime("%Y-%m-%d").astype("string")
    elif pd.api.types.is_bool_dtype(s.dtype):
        out = s.astype("string").str.lower()
    elif pd.api.types.is_float_dtype(s.dtype):
        # Integers read from Excel or Parquet as floats: 12.0 -> "12".
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(vals) & (vals == np.round(vals))
        txt = pd.Series(s.astype("string"), index=s.index)
        txt[whole] = pd.Series(vals[whole].astype(np.int64), index=s.index[whole]).astype("string")
        out = txt
    else:
        out = s.astype("string")
    out = out.str.strip()
    return out.mask(out == "")


def _bad(issues, table_file, mask, text, col: Column, rule, message_fn):
    for idx in np.flatnonzero(mask.to_numpy()):
        value = text.iat[idx]
        issues.append(
            Issue("error", table_file, int(idx) + 2, col.name, value, rule, message_fn(value))
        )


def _parse_column(text: pd.Series, col: Column, issues: list[Issue], table_file: str) -> pd.Series:
    present = text.notna()
    if col.kind in ("id", "string"):
        return text
    if col.kind == "code":
        ok = text.isin(col.codes) | ~present
        if not ok.all():
            allowed = ", ".join(col.codes)
            _bad(issues, table_file, ~ok, text, col, "not_in_codes",
                 lambda v: f"{v!r} is not a code of {col.name}; allowed: {allowed}")
        return pd.Series(
            pd.Categorical(text.where(ok), categories=list(col.codes)), index=text.index
        )
    if col.kind == "date":
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = present & parsed.isna()
        if bad.any():
            _bad(issues, table_file, bad, text, col, "invalid_date",
                 lambda v: f"{v!r} is not a date written YYYY-MM-DD (or is impossible)")
        return parsed.astype("datetime64[ns]")
    if col.kind == "bool":
        low = text.str.lower()
        out = pd.Series(pd.NA, index=text.index, dtype="boolean")
        out[low.isin(TRUE_WORDS).fillna(False).to_numpy(bool)] = True
        out[low.isin(FALSE_WORDS).fillna(False).to_numpy(bool)] = False
        bad = present & out.isna()
        if bad.any():
            _bad(issues, table_file, bad, text, col, "invalid_boolean",
                 lambda v: f"{v!r} is not a yes/no value; write true or false (yes/no, 1/0 also accepted)")
        return out
    if col.kind == "int":
        num = pd.to_numeric(text, errors="coerce")
        whole = num.notna() & (num == np.floor(num)) & (num.abs() < 2**53)
        bad = present & ~whole
        if bad.any():
            _bad(issues, table_file, bad, text, col, "invalid_integer",
                 lambda v: f"{v!r} is not a whole number")
        return num.where(whole).astype("Int64")
    raise ValueError(f"unknown column kind {col.kind!r}")  # pragma: no cover


def typed_table(
    name: str, frame: pd.DataFrame, issues: list[Issue], table_file: str | None = None
) -> pd.DataFrame:
    """Parse a raw frame of table ``name`` into the contract's types.

    Unparseable cells become missing and are reported in ``issues``; columns the contract does
    not know are kept as text (they are carried, never required); a missing optional column is
    added, all missing, so that the engine can rely on every contract column being there.
    """
    table_file = table_file or f"{name}.csv"
    frame = frame.reset_index(drop=True)
    out = {}
    for col in TABLES[name]:
        if col.name in frame.columns:
            out[col.name] = _parse_column(_to_text(frame[col.name]), col, issues, table_file)
        else:
            out[col.name] = _parse_column(
                pd.Series(pd.NA, index=frame.index, dtype="string"), col, [], table_file
            )
    known = {c.name for c in TABLES[name]}
    for extra in frame.columns:
        if extra not in known:
            out[extra] = _to_text(frame[extra])
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _as_timestamp(value: Any, key: str, issues: list[Issue]) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(_dt.date.fromisoformat(str(value)))
    except ValueError:
        issues.append(Issue("error", "dataset.toml", None, key, str(value), "invalid_date",
                            f"{key} = {value!r} is not a date written YYYY-MM-DD"))
        return None


def _dataset_from_metadata(
    meta: dict[str, Any], tables: dict[str, pd.DataFrame], issues: list[Issue]
) -> Dataset:
    start = _as_timestamp(meta.get("period_start"), "period_start", issues)
    end = _as_timestamp(meta.get("period_end"), "period_end", issues)
    census = _as_timestamp(meta.get("census_date"), "census_date", issues) or end
    for key, val in (("period_start", start), ("period_end", end)):
        if val is None and key not in meta:
            issues.append(Issue("error", "dataset.toml", None, key, None, "missing_key",
                                f"dataset.toml has no {key}; write e.g. {key} = 2024-01-01"))
    policy_in = meta.get("policy") or {}
    policy = {}
    for key in POLICY_KEYS:
        val = policy_in.get(key) if isinstance(policy_in, dict) else None
        policy[key] = val if isinstance(val, bool) else None
    params = dict(PARAMETER_DEFAULTS)
    if isinstance(meta.get("parameters"), dict):
        params.update(meta["parameters"])
    mcr = meta.get("minimum_age_criminal_responsibility")
    return Dataset(
        country=str(meta.get("country", "")),
        country_name=meta.get("country_name"),
        period_start=start if start is not None else pd.NaT,
        period_end=end if end is not None else pd.NaT,
        census_date=census if census is not None else pd.NaT,
        minimum_age_criminal_responsibility=mcr if isinstance(mcr, int) else None,
        policy=policy,
        parameters=params,
        metadata=dict(meta),
        tables=tables,
        issues=issues,
    )


def _read_raw_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
    )


def read_dataset(path: str | Path) -> Dataset:
    """Read a dataset folder: ``dataset.toml`` and each table as .csv, .parquet or .xlsx sheet.

    Parameters
    ----------
    path : str or Path
        The dataset folder.

    Returns
    -------
    Dataset
        Typed tables and metadata; problems met while reading are in ``Dataset.issues``.

    Raises
    ------
    DatasetError
        When the folder is not a dataset at all (missing, or no readable dataset.toml).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder: give the folder that holds dataset.toml")
    toml_path = folder / "dataset.toml"
    if not toml_path.is_file():
        raise DatasetError(f"{folder} has no dataset.toml: this folder is not a dataset")
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"dataset.toml cannot be read: {exc}") from None
    issues: list[Issue] = []
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, Path] = {}
    for name in TABLES:
        csv = folder / f"{name}.csv"
        if csv.is_file():
            tables[name] = typed_table(name, _read_raw_csv(csv), issues, csv.name)
            sources[name] = csv
    ds = _dataset_from_metadata(meta, tables, issues)
    ds.sources = sources
    ds.path = folder
    return ds
