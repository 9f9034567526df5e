"""The children table built from event rows (``ingest.md``: children from event sources).

When a source of arrests, detentions or dispositions maps ``sex`` or ``date_of_birth``, every
such row says something about its child. :func:`build_children` makes one row per child_id from
those rows and from any ``children`` source, in the order of the contract (sources in mapping
order, then files in sorted order, then rows): the child carries the ``source_file`` and
``source_row`` of its first row, and the first known sex and date of birth.

Notes
-----
Rows that disagree are an error naming both rows (the first row that gave the child's value
and the first row that contradicts it). A missing cell is no information, not a disagreement;
so is sex ``U`` (unknown): a child recorded ``U`` on one arrest and ``M`` on another is ``M``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..issues import MAX_ISSUES_PER_RULE, Issue
from .cells import factorize

__all__ = ["build_children"]


def _first_of(codes: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """The first of ``rows`` (ascending) for each code, -1 where a code has none.

    Fancy assignment keeps the last value written for a repeated index: writing the rows in
    reverse order leaves the first one."""
    out = np.full(n, -1, dtype=np.int64)
    out[codes[rows][::-1]] = rows[::-1]
    return out


def build_children(frames: list[tuple[pd.DataFrame, dict[str, str]]], issues: list[Issue]
                   ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """One row per child_id from child rows in contract order.

    Parameters
    ----------
    frames : list of (DataFrame, dict)
        Child rows (``child_id``, ``sex``, ``date_of_birth``, ``source_file``, ``source_row``,
        extras of a children source) with, for messages, the export column of each attribute.
    issues : list of Issue
        Conflicts are appended here (rule ``child_conflict``).

    Returns
    -------
    (DataFrame, dict)
        The children table, and for ``sex`` and ``date_of_birth`` the positions of children
        left without a value because a row's cell could not be mapped (rows flagged in
        ``_bad_sex`` / ``_bad_date_of_birth`` columns), so that the schema does not report them
        as merely missing.
    """
    names = []
    parts = []
    for k, (frame, columns) in enumerate(frames):
        parts.append(frame.assign(_part=k))
        names.append(columns)
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"child_id": pd.Series([], dtype="string")})
    for col, dtype in (("sex", "string"), ("date_of_birth", "datetime64[ns]")):
        if col not in rows.columns:
            rows[col] = pd.Series(pd.NA if dtype == "string" else pd.NaT, index=rows.index,
                                  dtype=dtype)
    codes, n_children = factorize(rows["child_id"], values=False)
    has_id = codes >= 0
    idx = np.flatnonzero(has_id)
    first = _first_of(codes, idx, n_children)
    out = rows.iloc[first].reset_index(drop=True)
    sex = rows["sex"].astype("string[pyarrow]")
    sex_codes, sex_values = factorize(sex)
    unknown = sex_values.index("U") if "U" in sex_values else -2
    sex_known = has_id & (sex_codes >= 0) & (sex_codes != unknown)
    value, by = _resolve(rows, codes, n_children, sex_codes, sex_known, "sex", names, issues,
                         shown=sex_values)
    any_u = np.zeros(n_children, dtype=bool)
    any_u[codes[has_id & (sex_codes == unknown)]] = True
    import pyarrow as pa

    code = np.where(by >= 0, value, np.where(any_u, unknown, -1))
    taken = pa.array(sex_values, type=pa.string()).take(pa.array(code, mask=code < 0))
    out["sex"] = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([taken])))
    dob = rows["date_of_birth"].to_numpy(dtype="datetime64[ns]")
    dob_known = has_id & ~np.isnat(dob)
    value, by = _resolve(rows, codes, n_children, dob, dob_known, "date_of_birth", names,
                         issues)
    out["date_of_birth"] = pd.Series(np.where(by >= 0, value, np.datetime64("NaT")),
                                     dtype="datetime64[ns]")
    failed = {}
    for col in ("sex", "date_of_birth"):
        flag = f"_bad_{col}"
        if flag in rows.columns:
            bad = np.zeros(n_children, dtype=bool)
            mask = has_id & rows[flag].to_numpy(dtype=bool)
            bad[codes[mask]] = True
            failed[col] = np.flatnonzero(bad & out[col].isna().to_numpy())
    drop = ["_part", *[c for c in out.columns if c.startswith("_bad_")]]
    return out.drop(columns=drop), failed


def _resolve(rows: pd.DataFrame, codes: np.ndarray, n_children: int, values: np.ndarray,
             known: np.ndarray, column: str, names: list[dict[str, str]],
             issues: list[Issue], shown: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first known value of each child and the row it came from (-1: none); each child
    whose rows disagree is reported. ``values`` may be codes of ``shown`` (numbers compare
    fast)."""
    idx = np.flatnonzero(known)
    by = _first_of(codes, idx, n_children)
    chosen = np.empty(n_children, dtype=values.dtype)
    has = by >= 0
    chosen[has] = values[by[has]]
    chosen[~has] = np.datetime64("NaT") if values.dtype.kind == "M" else -1
    differs = np.zeros(len(rows), dtype=bool)
    differs[idx] = values[idx] != chosen[codes[idx]]
    bad = np.flatnonzero(differs)
    if not len(bad):
        return chosen, by
    # the first contradicting row of each child
    _, first_bad = np.unique(codes[bad], return_index=True)
    bad = np.sort(bad[first_bad])
    shown_values = values if shown is None else np.array([*shown, None], dtype=object)[values]
    for i in bad[:MAX_ISSUES_PER_RULE]:
        issues.append(_conflict(rows, i, by[codes[i]], column, shown_values, names))
    if len(bad) > MAX_ISSUES_PER_RULE:
        extra = len(bad) - MAX_ISSUES_PER_RULE
        issues.append(Issue("error", str(rows["source_file"].iat[bad[-1]]), None, column, None,
                            "child_conflict", f"and {extra:,} more children whose rows "
                            f"disagree on {column}", count=extra))
    return chosen, by


def _text(value) -> str:
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    return str(value)


def _conflict(rows: pd.DataFrame, i: int, j: int, column: str, values: np.ndarray,
              names: list[dict[str, str]]) -> Issue:
    file_i, row_i = rows["source_file"].iat[i], int(rows["source_row"].iat[i])
    file_j, row_j = rows["source_file"].iat[j], int(rows["source_row"].iat[j])
    name_i = names[int(rows["_part"].iat[i])].get(column, column)
    child = rows["child_id"].iat[i]
    return Issue(
        "error", str(file_i), row_i, name_i, _text(values[i]), "child_conflict",
        f"child {child!r} has {column} {_text(values[i])} at {file_i} row {row_i} but "
        f"{_text(values[j])} at {file_j} row {row_j}: the rows of one child must agree on "
        "sex and date of birth")
