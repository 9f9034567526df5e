"""Calendar arithmetic and id lookups on whole columns: day numbers, ages, birthdays.

Dates are handled as *day numbers* (days since 1970-01-01, float64 with NaN for a missing date)
so that comparisons with a missing date are simply False and interval arithmetic is plain
subtraction. Year, month and day come from day numbers by integer arithmetic. Used alike by
validation (ages at events) and by the derived tables of :mod:`indicators.events`.

References
----------
The user documentation: docs/indicators.md#ages (age in completed years, 29 February
birthdays, the age groups) and docs/indicators.md#period-and-census-day (days between two
dates, C minus N calendar months).
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .codes import AGE_GROUPS, UNKNOWN_AGE_GROUP

__all__ = [
    "ADULT_AGE_GROUP",
    "AGE_BOUNDS",
    "AGE_GROUP_CODES",
    "age_group_codes",
    "age_on",
    "birthday",
    "day_numbers",
    "lookup_positions",
    "months_before",
    "overlap_days",
]

ADULT_AGE_GROUP = "18_or_over"
"""Internal age group of a record left out for age; never reported."""
AGE_GROUP_CODES = (*AGE_GROUPS, UNKNOWN_AGE_GROUP, ADULT_AGE_GROUP)
AGE_BOUNDS = (14, 16, 18)
"""Birthdays that start the age groups 14-15, 16-17 and 18 or over."""


def day_numbers(values) -> np.ndarray:
    """Dates as float day numbers since 1970-01-01; NaN where missing.

    Parameters
    ----------
    values : Series, array-like of datetime64, or Timestamp
    """
    if isinstance(values, pd.Timestamp | np.datetime64):
        if pd.isna(values):
            return np.float64(np.nan)
        return np.float64(np.datetime64(pd.Timestamp(values).date(), "D").astype(np.int64))
    arr = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    out = arr.astype(np.int64).astype(np.float64)
    out[np.isnat(arr)] = np.nan
    return out


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day (int64) of float day numbers; garbage where NaN (mask separately).

    Integer arithmetic of the proleptic Gregorian calendar (H. Hinnant, "chrono-compatible
    low-level date algorithms", civil_from_days): much faster than datetime64 unit casts.
    """
    z = np.where(np.isnan(days), 0, days).astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers (int64) of year/month/day arrays (H. Hinnant, days_from_civil)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def age_on(dob_days: np.ndarray, day_days) -> np.ndarray:
    """Age in completed years on a day; NaN where the date of birth (or the day) is missing.

    Parameters
    ----------
    dob_days : ndarray of float
        Dates of birth as day numbers (:func:`day_numbers`).
    day_days : float or ndarray of float
        The reference day(s) as day numbers.

    Notes
    -----
    Compares (month, day) with the date of birth, so a 29 February birthday is reached on
    1 March in years that are not leap years (28 February < 29 February).
    """
    dob_days = np.asarray(dob_days, dtype=float)
    day_days = np.broadcast_to(np.asarray(day_days, dtype=float), dob_days.shape)
    by, bm, bd = _ymd(dob_days)
    ry, rm, rd = _ymd(day_days)
    age = (ry - by) - ((rm * 100 + rd) < (bm * 100 + bd))
    age = age.astype(float)
    age[np.isnan(dob_days) | np.isnan(day_days)] = np.nan
    return age


def birthday(dob_days: np.ndarray, years: int) -> np.ndarray:
    """The day (day number) on which a child born on ``dob_days`` reaches ``years`` of age.

    A 29 February birth reaches its birthday on 1 March in years that are not leap years.
    NaN where the date of birth is missing.
    """
    dob_days = np.asarray(dob_days, dtype=float)
    by, bm, bd = _ymd(dob_days)
    year = by + years
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    feb29 = (bm == 2) & (bd == 29) & ~leap
    month = np.where(feb29, 3, bm)
    day = np.where(feb29, 1, bd)
    out = _days_from_civil(year, month, day).astype(float)
    out[np.isnan(dob_days)] = np.nan
    return out


def age_group_codes(age: np.ndarray) -> pd.Categorical:
    """Age groups ``0-13``, ``14-15``, ``16-17``, ``unknown`` (NaN) and ``18_or_over``."""
    age = np.asarray(age, dtype=float)
    codes = np.full(age.shape, 3, dtype=np.int8)  # unknown
    known = ~np.isnan(age)
    codes[known] = np.searchsorted(np.array(AGE_BOUNDS, dtype=float), age[known], side="right")
    codes[known & (age >= 18)] = 4
    return pd.Categorical.from_codes(codes, categories=list(AGE_GROUP_CODES))


def months_before(day: pd.Timestamp, months: int) -> pd.Timestamp:
    """``day`` minus ``months`` calendar months, the day clipped to the month's end.

    >>> months_before(pd.Timestamp("2024-05-31"), 3)
    Timestamp('2024-02-29 00:00:00')
    >>> months_before(pd.Timestamp("2024-02-29"), 12)
    Timestamp('2023-02-28 00:00:00')
    """
    total = day.year * 12 + (day.month - 1) - months
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return pd.Timestamp(year=year, month=month0 + 1, day=min(day.day, last))


def overlap_days(start, end_excl, low, high_excl) -> np.ndarray:
    """Days in ``[start, end_excl) ∩ [low, high_excl)``, 0 when disjoint; NaN bounds = open."""
    start = np.asarray(start, dtype=float)
    lo = np.fmax(start, low)  # fmax ignores NaN: an open low bound
    hi = np.fmin(np.asarray(end_excl, dtype=float), high_excl)
    out = hi - lo
    out = np.where(np.isnan(out), 0.0, out)
    return np.clip(out, 0.0, None)


def _arrow_text(values) -> pa.Array:
    """Text values as an Arrow large_string array (zero-copy for Arrow-backed strings)."""
    arr = values.array if isinstance(values, pd.Series | pd.Index) else values
    try:
        out = pa.array(arr)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        out = pa.array(np.asarray(arr, dtype=object), type=pa.large_string(), from_pandas=True)
    if isinstance(out, pa.ChunkedArray):
        out = out.combine_chunks()
    if out.type != pa.large_string():
        out = pc.cast(out, pa.large_string())
    return out


def lookup_positions(values, keys) -> np.ndarray:
    """Position of each value in ``keys`` (its first occurrence), -1 where absent or missing.

    A hash join in Arrow: much faster than ``Index.get_indexer`` on millions of string ids.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    res = pc.index_in(_arrow_text(values), value_set=_arrow_text(keys), skip_nulls=True)
    return pc.fill_null(res, -1).to_numpy(zero_copy_only=False).astype(np.int64)
