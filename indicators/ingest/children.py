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

from ..dataset import MAX_ISSUES_PER_RULE, Issue

__all__ = ["build_children"]


def build_children(frames: list[tuple[pd.DataFrame, dict[str, str]]], issues: list[Issue]
                   ) -> tuple[pd.DataFrame, int]:
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
    (DataFrame, int)
        The children table, and the number of conflicts found.
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
    codes, uniques = pd.factorize(rows["child_id"], use_na_sentinel=True)
    has_id = codes >= 0
    idx = np.flatnonzero(has_id)
    first = np.full(len(uniques), len(rows), dtype=np.int64)
    np.minimum.at(first, codes[idx], idx)
    out = rows.iloc[first].reset_index(drop=True)
    sex = rows["sex"].astype("string")
    conflicts = 0
    sex_known = has_id & sex.notna().to_numpy() & (sex != "U").fillna(False).to_numpy(bool)
    value, by, n = _resolve(rows, codes, len(uniques), sex.to_numpy(dtype=object, na_value=None),
                            sex_known, "sex", names, issues)
    conflicts += n
    any_u = np.zeros(len(uniques), dtype=bool)
    u_rows = has_id & (sex == "U").fillna(False).to_numpy(bool)
    any_u[codes[u_rows]] = True
    out["sex"] = pd.Series(np.where(by >= 0, value, np.where(any_u, "U", None)),
                           dtype="string")
    dob = rows["date_of_birth"].to_numpy(dtype="datetime64[ns]")
    dob_known = has_id & ~np.isnat(dob)
    value, by, n = _resolve(rows, codes, len(uniques), dob, dob_known, "date_of_birth", names,
                            issues)
    conflicts += n
    out["date_of_birth"] = pd.Series(np.where(by >= 0, value, np.datetime64("NaT")),
                                     dtype="datetime64[ns]")
    return out.drop(columns="_part"), conflicts


def _resolve(rows: pd.DataFrame, codes: np.ndarray, n_children: int, values: np.ndarray,
             known: np.ndarray, column: str, names: list[dict[str, str]],
             issues: list[Issue]) -> tuple[np.ndarray, np.ndarray, int]:
    """The first known value of each child, the row it came from (-1: none), and the
    conflicts reported."""
    by = np.full(n_children, len(rows), dtype=np.int64)
    idx = np.flatnonzero(known)
    np.minimum.at(by, codes[idx], idx)
    by = np.where(by < len(rows), by, -1)
    chosen = np.empty(n_children, dtype=values.dtype)
    has = by >= 0
    chosen[has] = values[by[has]]
    if values.dtype.kind == "M":
        chosen[~has] = np.datetime64("NaT")
    else:
        chosen[~has] = None
    differs = np.zeros(len(rows), dtype=bool)
    differs[idx] = values[idx] != chosen[codes[idx]]
    bad = np.flatnonzero(differs)
    if not len(bad):
        return chosen, by, 0
    # the first contradicting row of each child
    _, first_bad = np.unique(codes[bad], return_index=True)
    bad = np.sort(bad[first_bad])
    for i in bad[:MAX_ISSUES_PER_RULE]:
        j = by[codes[i]]
        issues.append(_conflict(rows, i, j, column, values, names))
    if len(bad) > MAX_ISSUES_PER_RULE:
        extra = len(bad) - MAX_ISSUES_PER_RULE
        issues.append(Issue("error", str(rows["source_file"].iat[bad[-1]]), None, column, None,
                            "child_conflict", f"and {extra:,} more children whose rows "
                            f"disagree on {column}", count=extra))
    return chosen, by, len(bad)


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
