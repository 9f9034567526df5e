"""The contracts of the result frames: indicators, durations and reconciliation.

:func:`~.results.compute_indicators` and :func:`~.results.combine_results` return only
frames that pass these checks. They are plain pandas checks (the record schemas of
:mod:`indicators.schemas` use pandera; the results do not need it, so computing does not
import it). Each column has a type, may or may not hold missing values, and has checks on
its values (missing values are not checked); each frame has checks across columns. The
first rule broken raises :class:`ResultSchemaError`, naming the frame, the column or check,
and a few of the values that break it.

Indicator ids and units are read from the declaration in use when a frame is checked, so a
definitions file with one more indicator validates with no code change. The columns are
described for users in docs/outputs.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..registry import (
    DIMENSIONS,
    DURATION_COLUMNS,
    KINDS,
    RESULT_COLUMNS,
    declaration,
    load_definitions,
)
from .cohort import GROUP_CODES

__all__ = [
    "FLAGS",
    "DurationsSchema",
    "FrameSchema",
    "ReconciliationSchema",
    "ResultSchema",
    "ResultSchemaError",
]

FLAGS = tuple(f.code for f in declaration().flags if f.set_by == "engine")
"""The flags the engine writes (declared in definitions.toml with ``set_by = "engine"``)."""

_ISO = r"^\d{4}-\d{2}-\d{2}$"


class ResultSchemaError(ValueError):
    """A result frame that breaks its contract.

    Attributes
    ----------
    schema : str
        The frame (``indicators``, ``durations``, ``reconciliation``).
    column : str or None
        The column, or None for a check across columns.
    check : str
        The rule broken (e.g. ``isin``, ``not_nullable``, ``contract_column_order``).
    failure_cases : list
        A few of the values (or row labels) that break it.
    """

    def __init__(self, schema: str, column: str | None, check: str, failure_cases=()):
        self.schema, self.column, self.check = schema, column, check
        self.failure_cases = list(failure_cases)[:5]
        where = f"column {column!r}" if column is not None else "the frame"
        cases = f"; failure cases: {self.failure_cases}" if self.failure_cases else ""
        super().__init__(f"{schema}: {where} fails the check {check!r}{cases}")


@dataclass(frozen=True)
class Check:
    """A named rule: ``test`` returns a bool, or a boolean Series (True where it holds)."""

    name: str
    test: Callable[..., bool | pd.Series]


@dataclass(frozen=True)
class Column:
    """A column's contract: its type (``str``, ``float``, ``int``, ``bool``),
    whether it may hold missing values, and the checks on its non-missing values."""

    dtype: str
    checks: tuple[Check, ...] = ()
    nullable: bool = False


def _is_str(s: pd.Series) -> bool | pd.Series:
    """Text: pandas' Arrow-backed string dtype (the default ``str`` of pandas 3), or a
    non-empty object column whose values are all strings (or missing)."""
    if isinstance(s.dtype, pd.StringDtype):
        return s.dtype.storage == "pyarrow"
    if s.dtype != object or len(s) == 0:
        return False
    return s.map(lambda x: isinstance(x, str)).astype(bool) | s.isna()


def _is_64_bit(kinds: str) -> Callable[[pd.Series], bool]:
    """Numbers of 64 bits of the given numpy kinds, numpy or pandas' nullable dtype."""
    return lambda s: s.dtype.kind in kinds and s.dtype.itemsize == 8


_DTYPES: dict[str, Callable[[pd.Series], bool | pd.Series]] = {
    "str": _is_str,
    "float": _is_64_bit("f"),  # float64, Float64
    "int": _is_64_bit("i"),  # int64, Int64
    "bool": lambda s: s.dtype == np.bool_,
}


def _failures(result: bool | pd.Series, values: pd.Series | pd.Index) -> list | None:
    """None when the check holds, else some of the values where it does not."""
    if isinstance(result, pd.Series):
        ok = result.to_numpy(dtype=bool)
        return None if ok.all() else list(values[~ok][:5])
    return None if bool(result) else []


@dataclass(frozen=True)
class FrameSchema:
    """The contract of one result frame; :meth:`validate` returns a copy that passes it."""

    name: str
    columns: dict[str, Column]
    checks: tuple[Check, ...] = ()

    def validate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``frame``, once every rule holds.

        Raises
        ------
        ResultSchemaError
            For the first rule broken: a column missing, a missing value where none is
            allowed, a value of the wrong type, a check on a column, then a check across
            columns.
        """
        for col, spec in self.columns.items():
            if col not in frame.columns:
                raise ResultSchemaError(self.name, col, "column_in_dataframe")
            self._check_column(frame[col], col, spec)
        for check in self.checks:
            result = self._run(check, frame, None)
            if isinstance(result, pd.Series):  # rows that are wholly missing are not checked
                result = result | frame.isna().all(axis="columns")
            failed = _failures(result, frame.index)
            if failed is not None:
                raise ResultSchemaError(self.name, None, check.name, failed)
        return frame.copy()

    def _check_column(self, s: pd.Series, col: str, spec: Column) -> None:
        if not spec.nullable and s.hasnans:
            raise ResultSchemaError(self.name, col, "not_nullable", list(s.index[s.isna()]))
        failed = _failures(_DTYPES[spec.dtype](s), s)
        if failed is not None:
            raise ResultSchemaError(self.name, col, f"dtype('{spec.dtype}')", failed)
        values = s.dropna() if s.hasnans else s
        for check in spec.checks:
            failed = _failures(self._run(check, values, col), values)
            if failed is not None:
                raise ResultSchemaError(self.name, col, check.name, failed)

    def _run(self, check: Check, obj, col: str | None):
        try:
            return check.test(obj)
        except Exception as exc:  # a frame the check cannot even read breaks it
            raise ResultSchemaError(self.name, col, check.name, [repr(exc)]) from exc


# --------------------------------------------------------------------------- checks


def _isin(values: Callable[[], list]) -> Check:
    """Values among ``values()`` (read when checking: the declaration in use)."""
    return Check("isin", lambda s: s.isin(values()))


def _matches(pattern: str) -> Check:
    return Check(f"str_matches('{pattern}')", lambda s: s.str.match(pattern).astype(bool))


_GE0 = Check("greater_than_or_equal_to(0)", lambda s: s >= 0)


def _ids() -> list[str]:
    return [s.id for s in load_definitions()]


def _units() -> list[str]:
    return [u.name for u in declaration().units]


def _flag_codes(s: pd.Series) -> pd.Series:
    return s.str.split(";").map(
        lambda xs: all(x in FLAGS or x == "" or x == "suppressed" or x.isidentifier() for x in xs)
    )


def _column_order(columns: list[str]) -> Check:
    return Check(
        "contract_column_order", lambda df: list(df.columns[: len(columns)]) == columns
    )


def _group_valid(df: pd.DataFrame) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    for dim, codes in GROUP_CODES.items():
        sel = df["dimension"] == dim
        ok &= ~sel | df["group"].isin(codes)
    ok &= (df["dimension"] != "total") | (df["group"] == "all")
    ok &= df["group"].astype(str).str.len() > 0
    return ok


def _ci_ordered(df: pd.DataFrame) -> pd.Series:
    v, lo, hi = df["value"], df["ci_lower"], df["ci_upper"]
    tol = 1e-9 * (1 + v.abs())
    ok_lo = lo.isna() | v.isna() | (lo <= v + tol)
    ok_hi = hi.isna() | v.isna() | (v <= hi + tol)
    return ok_lo & ok_hi


def _reconciliation_adds_up(df: pd.DataFrame) -> bool:
    if df.empty:
        return True
    g = df.groupby(["country", "period_end", "indicator", "table"], sort=False)
    sums = g["count"].sum()
    read = g["records_read"].first()
    used = g["used"].first()
    left = g["left_out"].first()
    return bool(((sums == read) & (used + left == read)).all())


_DATE = Column("str", (_matches(_ISO),))
_INDICATOR = Column("str", (_isin(_ids),))
_DIMENSION = Column("str", (_isin(lambda: list(DIMENSIONS)),))

ResultSchema = FrameSchema(
    "indicators",
    {
        "country": Column("str"),
        "period_start": _DATE,
        "period_end": _DATE,
        "census_date": _DATE,
        "indicator": _INDICATOR,
        "dimension": _DIMENSION,
        "group": Column("str"),
        "value": Column("float", nullable=True),
        "numerator": Column("int", (_GE0,), nullable=True),
        "denominator": Column("float", (_GE0,), nullable=True),
        "unit": Column("str", (_isin(_units),)),
        "ci_lower": Column("float", nullable=True),
        "ci_upper": Column("float", nullable=True),
        "flags": Column("str", (Check("flag_codes", _flag_codes),)),
        "core": Column("bool"),
        "kind": Column("str", (_isin(lambda: list(KINDS)),)),
    },
    (
        _column_order(RESULT_COLUMNS),
        Check("group_code_of_dimension", _group_valid),
        Check("ci_lower <= value <= ci_upper", _ci_ordered),
    ),
)
"""The indicators frame (``indicators.csv``): contract columns in order, codes, units, CIs."""

DurationsSchema = FrameSchema(
    "durations",
    {
        "country": Column("str"),
        "indicator": _INDICATOR,
        "dimension": _DIMENSION,
        "group": Column("str"),
        "statistic": Column(
            "str", (_matches(r"^(n|mean|median|p25|p75|min|max|median_km|band_\d+_(\d+|plus))$"),)
        ),
        "value": Column("float", nullable=True),
        "period_start": _DATE,
        "period_end": _DATE,
    },
    (_column_order(DURATION_COLUMNS),),
)
"""The durations frame (``durations.csv``): JJ04/JJ05 statistics per group."""

ReconciliationSchema = FrameSchema(
    "reconciliation",
    {
        "country": Column("str"),
        "indicator": Column("str"),
        "table": Column("str"),
        "records_read": Column("int", (_GE0,)),
        "used": Column("int", (_GE0,)),
        "left_out": Column("int", (_GE0,)),
        "reason": Column("str"),
        "count": Column("int", (_GE0,)),
    },
    (Check("read = used + left out", _reconciliation_adds_up),),
)
"""The reconciliation frame (``reconciliation.csv``): records read = used + left out."""
