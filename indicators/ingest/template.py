"""``map-template``: a starting mapping file drafted from real exports.

:func:`map_template` reads the exports as they are (finding the encoding, the delimiter and
the header row below any title rows), matches their columns to the record-format columns of
one table by name (English, French, Spanish words of :mod:`.vocabulary`) and by content
(dates, codes, ids, numbers), guesses the date format from the values, and lists every
distinct value of each code and boolean column with its count and a suggested code. Every
line that still needs a decision carries a ``# TODO`` comment; the others say why they were
proposed. The statistician edits the draft rather than writing a mapping from nothing.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import TABLES, Column
from ..issues import Issue
from .cells import _fold, looks_like_identifier, parse_date
from .mapping import CHILD_COLUMNS, EVENT_TABLES, EXCEL, Source, record_columns
from .sources import RawTable, _read_csv, _read_parquet, _read_workbook, relative_label
from .vocabulary import COLUMN_WORDS, suggest_code

__all__ = ["map_template"]

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d",
                "%d/%m/%y", "%Y%m%d", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S")
MAX_VALUES = 60
"""Distinct values listed per code column (the rest are counted)."""
PRIMARY_IDS = ("arrest_id", "episode_id", "disposition_id")


@dataclass
class Profile:
    """What the values of one export column look like."""

    name: str
    values: pd.Series  # non-missing, all files
    n_rows: int
    native: float = 0.0  # share of cells that are date cells of a workbook
    date_format: str | None = None
    date_share: float = 0.0
    numeric: bool = False
    whole: bool = False
    counts: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))

    @property
    def distinct(self) -> int:
        """Number of distinct values."""
        return len(self.counts)

    @property
    def unique(self) -> bool:
        """Whether every value appears once (an id of one record)."""
        return len(self.values) > 0 and self.distinct == len(self.values)


# --------------------------------------------------------------------------- reading


def _sniff(path: Path) -> tuple[str | None, str, int]:
    """(encoding, delimiter, header_row) of a CSV export."""
    data = path.read_bytes()[: 1 << 20]
    encoding = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = "cp1252"
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()[:60]
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t", "|"):
        widths = [len(r) for r in csv.reader(lines, delimiter=delim) if any(c.strip() for c in r)]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        score = widths.count(mode) * (mode > 1) + mode / 100
        if score > best_score:
            best, best_score = delim, score
    rows = list(csv.reader(lines, delimiter=best))
    filled = [sum(1 for c in r if c.strip()) for r in rows]
    width = max(filled) if filled else 1
    header = next((i + 1 for i, n in enumerate(filled) if n >= max(2, 0.8 * width)), 1)
    return encoding, best, header


def _sheet_header(path: Path, sheet: str | None) -> tuple[str, int]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        name = sheet or wb.sheetnames[0]
        rows = []
        for r in wb[name].iter_rows(values_only=True):
            rows.append(r)
            if len(rows) >= 60:
                break
    finally:
        wb.close()
    filled = [sum(1 for v in r if v is not None and str(v).strip()) for r in rows]
    width = max(filled) if filled else 1
    return name, next((i + 1 for i, n in enumerate(filled) if n >= max(2, 0.8 * width)), 1)


def _read(paths: list[Path], table: str, folder: Path, sheet: str | None = None
          ) -> tuple[list[RawTable], dict, list[str]]:
    """The exports as RawTables, the reading keys found, and notes on what was assumed."""
    issues: list[Issue] = []
    raws: list[RawTable] = []
    keys: dict = {}
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            name, header = _sheet_header(path, sheet)
            src = Source(number=1, table=table, sheets=(name,), header_row=header)
            raws += [r for _, r in _read_workbook(path, relative_label(path, folder), src, issues)
                     if r is not None]
            keys.setdefault("sheet", name)
        elif suffix == ".parquet":
            raw = _read_parquet(path, relative_label(path, folder), issues)
            raws += [raw] if raw is not None else []
            header = 1
        else:
            encoding, delimiter, header = _sniff(path)
            src = Source(number=1, table=table, header_row=header, encoding=encoding,
                         delimiter=delimiter)
            raw = _read_csv(path, relative_label(path, folder), src, issues)
            raws += [raw] if raw is not None else []
            if encoding:
                keys.setdefault("encoding", encoding)
            if delimiter != ",":
                keys.setdefault("delimiter", delimiter)
        if header != 1:
            keys.setdefault("header_row", header)
    notes = [f"{i.table}: {i.message}" for i in issues]
    return raws, keys, notes


def _profiles(raws: list[RawTable]) -> dict[str, Profile]:
    names = list(dict.fromkeys(n for r in raws for n in r.header if n))
    out = {}
    for name in names:
        parts = [r.columns[name] for r in raws if name in r.columns]
        values = pd.concat(parts, ignore_index=True).dropna()
        prof = Profile(name, values, sum(len(p) for p in parts))
        natives = [int(r.native_dates[name].sum()) for r in raws if name in r.native_dates]
        prof.native = sum(natives) / max(len(values), 1)
        prof.counts = values.value_counts()
        _guess_kind(prof)
        out[name] = prof
    return out


def _guess_kind(prof: Profile) -> None:
    uniques = [str(u) for u in prof.counts.index[:2000]]
    if not uniques:
        return
    nums = pd.to_numeric(pd.Series(uniques).str.replace(",", ".", regex=False), errors="coerce")
    prof.numeric = bool(nums.notna().all())
    prof.whole = prof.numeric and bool((nums == np.floor(nums)).all())
    best, share = None, 0.0
    for fmt in DATE_FORMATS:
        ok = sum(parse_date(u, (fmt,)) is not None for u in uniques) / len(uniques)
        if ok > share + 1e-9:
            best, share = fmt, ok
    if prof.whole and share < 0.9 and nums.between(20000, 60000).mean() > 0.95:
        best, share = EXCEL, 1.0
    if best in ("%d/%m/%Y", "%m/%d/%Y") and share >= 0.9:
        firsts = [int(u.split("/")[0]) for u in uniques if re.match(r"\d+/\d+/", u)]
        seconds = [int(u.split("/")[1]) for u in uniques if re.match(r"\d+/\d+/", u)]
        best = "%m/%d/%Y" if firsts and max(firsts) <= 12 < max(seconds) else "%d/%m/%Y"
    prof.date_format, prof.date_share = best, share


# --------------------------------------------------------------------------- matching


def _name_score(col: str, name: str) -> float:
    folded = _fold(name).replace("_", " ")
    words = (col.replace("_", " "), *COLUMN_WORDS.get(col, ()))
    best = max(difflib.SequenceMatcher(None, folded, w).ratio() for w in words)
    if any(f" {w} " in f" {folded} " for w in words if len(w) > 2):
        best = max(best, 0.85)
    return best


def _content_score(col: Column, prof: Profile, n_files_rows: int) -> float:
    """How well the values fit the column's kind: 0 (cannot be) to 1."""
    if not len(prof.values):
        return 0.3
    if col.kind == "date":
        return prof.date_share if prof.date_share >= 0.8 else 0.0
    if prof.date_share >= 0.8 and prof.date_format != EXCEL:
        return 0.0  # a date column is not an id, a code or a number
    if col.kind == "int":
        return 1.0 if prof.whole else 0.0
    if col.kind == "bool":
        return 1.0 if prof.distinct <= 4 else 0.0
    if col.kind == "code":
        return 1.0 if prof.distinct <= 60 else 0.1
    if col.kind == "id":
        if col.name in PRIMARY_IDS:
            return 1.0 if prof.unique else 0.2
        return 0.9 if prof.distinct > 1 else 0.3
    return 0.6


def _match(table: str, profiles: dict[str, Profile]) -> dict[str, tuple[str, float]]:
    """Record column -> (export column, score), best pairs first, each export column once."""
    cols = record_columns(table)
    pairs = []
    for col in cols.values():
        for prof in profiles.values():
            if looks_like_identifier(prof.name):
                continue
            content = _content_score(col, prof, prof.n_rows)
            if content == 0:
                continue
            score = 0.65 * _name_score(col.name, prof.name) + 0.35 * content
            pairs.append((score, col.name, prof.name))
    chosen: dict[str, tuple[str, float]] = {}
    used: set[str] = set()
    for score, col, name in sorted(pairs, reverse=True):
        if score < 0.55 or col in chosen or name in used:
            continue
        chosen[col] = (name, score)
        used.add(name)
    return chosen


# --------------------------------------------------------------------------- writing


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _files_pattern(paths: list[Path], folder: Path) -> str:
    labels = [relative_label(p, folder) for p in paths]
    if len(labels) == 1:
        return _q(labels[0])
    parents = {str(Path(x).parent) for x in labels}
    suffixes = {Path(x).suffix for x in labels}
    if len(parents) == 1 and len(suffixes) == 1:
        parent = parents.pop()
        return _q(f"{parent}/*{suffixes.pop()}" if parent != "." else f"*{suffixes.pop()}")
    return "[" + ", ".join(_q(x) for x in labels) + "]"


def _dataset_lines(profiles: dict[str, Profile], chosen: dict) -> list[str]:
    years = []
    for col, (name, _) in chosen.items():
        if _kind_of(col) == "date" and profiles[name].date_format:
            fmt = profiles[name].date_format
            years += [d.astype("datetime64[Y]").astype(int) + 1970 for d in
                      (parse_date(str(v), (fmt,)) for v in profiles[name].counts.index[:3000])
                      if d is not None]
    year = int(pd.Series(years).mode().iat[0]) if years else 2024
    return [
        "[dataset]",
        'country = ""                 # TODO: the ISO 3166-1 alpha-3 code of the country',
        f"period_start = {year}-01-01    # TODO: first day of the reference period (the most "
        f"common year of the dates is {year})",
        f"period_end = {year}-12-31      # TODO: last day of the reference period",
        "# census_date, country_name, minimum_age_criminal_responsibility: see records.md",
        "# [dataset.policy]: the four policy answers (indicators JJ12a, JJ13a, JJ14, JJ15)",
        "",
    ]


def _kind_of(col: str) -> str:
    """The kind (date, code...) of a record-format column of any table."""
    for cols in TABLES.values():
        for c in cols:
            if c.name == col:
                return c.kind
    return ""


def _value_lines(col: Column, prof: Profile) -> list[str]:
    lines = ["", f"[source.values.{col.name}]   # every value of {prof.name!r}, with its rows"]
    allowed = ", ".join(col.codes) if col.kind == "code" else "true, false"
    counts = prof.counts
    for value, n in list(counts.items())[:MAX_VALUES]:
        code = suggest_code(col.name, col.kind, _fold(value).replace("_", " "), col.codes)
        if col.kind == "code" and value in col.codes:
            lines.append(f"# {_q(value)} = {_q(value)}   # {_rows(n)}: already a code")
        elif code is not None:
            lines.append(f"{_q(value)} = {_q(code)}   # {_rows(n)}; suggested, check it")
        else:
            lines.append(f'# {_q(value)} = ""   # TODO: {_rows(n)}; one of {allowed}')
    if len(counts) > MAX_VALUES:
        lines.append(f"# TODO: {len(counts) - MAX_VALUES:,} more values not listed")
    return lines


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _unpivot_lines(profiles: dict[str, Profile], chosen: dict) -> tuple[list[str], set[str]]:
    used = {name for name, _ in chosen.values()}
    wide = [p.name for p in profiles.values() if p.name not in used and p.whole
            and len(re.findall(r"\d+", p.name)) == 1]
    if len(wide) < 5:
        return [], set()
    prefix = re.match(r"^\D*", wide[0]).group(0)
    pattern = (f"{prefix}*" if prefix and all(w.startswith(prefix) for w in wide)
               and len(prefix) > 0 else None)
    cols = _q(pattern) if pattern else "[" + ", ".join(_q(w) for w in wide) + "]"
    lines = ["", "[source.unpivot]   # one column per age: each becomes a row",
             f"columns = [{cols}]" if pattern else f"columns = {cols}",
             'into = "age"', 'values = "population"']
    return lines, set(wide)


def map_template(paths: list[str | Path], table: str, folder: str | Path | None = None, *,
                 sheet: str | None = None, dataset: bool = True) -> str:
    """Draft a mapping file for exports of one record-format table.

    Parameters
    ----------
    paths : list of path
        The exports (CSV, .xlsx, Parquet) of one kind, e.g. every police station's file.
    table : str
        The record-format table they feed (``arrests``, ``population``...).
    folder : path, optional
        The folder the mapping file will live in (paths are written relative to it; default:
        the folder of the first export).
    sheet : str, optional
        The sheet of .xlsx exports (default: the first sheet).
    dataset : bool
        Whether to begin with a ``[dataset]`` section (False: only the ``[[source]]`` block, to
        add to a mapping file that has one).

    Returns
    -------
    str
        The mapping file text (TOML). Lines to decide carry ``# TODO``.
    """
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    paths = [Path(p) for p in paths]
    folder = Path(folder) if folder is not None else paths[0].parent
    raws, keys, notes = _read(paths, table, folder, sheet)
    profiles = _profiles(raws)
    if table == "population":
        chosen = {c: v for c, v in _match(table, profiles).items() if c not in ("age",
                                                                                "population")}
        unpivot, wide = _unpivot_lines(profiles, chosen)
        if not unpivot:
            chosen = _match(table, profiles)
    else:
        chosen, unpivot, wide = _match(table, profiles), [], set()
    lines = [f"# Drafted by jj-indicators map-template from {len(paths)} export(s) of the "
             f"{table} table.",
             "# Lines marked TODO are still to decide; the others say why they were proposed.",
             ""]
    if dataset:
        lines[2:2] = ["# Check it with: jj-indicators validate THIS_FILE"]
    lines += [f"# note: {n}" for n in notes]
    if dataset:
        lines += _dataset_lines(profiles, chosen)
    lines += ["[[source]]", f'table = "{table}"',
              f"files = {_files_pattern(paths, folder)}   # the exports read (sorted, stacked)"]
    for key, value in keys.items():
        why = {"header_row": "the column names are on this row; rows above are titles",
               "encoding": "guessed: the files are not UTF-8", "delimiter": "guessed",
               "sheet": "the sheet read"}[key]
        lines.append(f"{key} = {value if key == 'header_row' else _q(value)}   # {why}")
    lines += _format_lines(table, profiles, chosen)
    lines += _column_lines(table, profiles, chosen, wide)
    for col, (name, _) in chosen.items():
        c = record_columns(table)[col]
        if c.kind in ("code", "bool") and not (c.kind == "code" and all(
                v in c.codes for v in profiles[name].counts.index)):
            lines += _value_lines(c, profiles[name])
    lines += unpivot
    return "\n".join(lines) + "\n"


def _format_lines(table: str, profiles: dict[str, Profile], chosen: dict) -> list[str]:
    dates = {col: profiles[name] for col, (name, _) in chosen.items()
             if record_columns(table)[col].kind == "date"}
    dates = {c: p for c, p in dates.items() if p.native < 0.999}  # date cells need no format
    formats = [p.date_format for p in dates.values() if p.date_format]
    if not formats:
        return []
    main = max(set(formats), key=formats.count)
    n = sum(len(p.values) for p in dates.values())
    lines = [f"date_format = {_q(main)}   # guessed from {n:,} dates"]
    if main == "%d/%m/%Y":
        lines[0] += " (day first: a day above 12 is written first)"
    other = {c: p.date_format for c, p in dates.items() if p.date_format not in (None, main)}
    if other:
        lines += ["", "[source.date_formats]   # columns written otherwise"]
        lines += [f"{c} = {_q(f)}   # guessed from its values" for c, f in other.items()]
    return lines


def _column_lines(table: str, profiles: dict[str, Profile], chosen: dict,
                  wide: set[str]) -> list[str]:
    cols = record_columns(table)
    lines = ["", "[source.columns]   # record-format column = export column"]
    for col in cols.values():
        if col.name in chosen:
            name, score = chosen[col.name]
            prof = profiles[name]
            what = _content_text(col, prof)
            certain = score >= 0.75
            flag = "" if certain else "TODO: check; "
            extra = (" (the child's, for the children table)"
                     if col.name in CHILD_COLUMNS and table in EVENT_TABLES else "")
            lines.append(f"{col.name} = {_q(name)}   # {flag}matched by name and content: "
                         f"{what}{extra}")
        elif table == "population" and wide and col.name in ("age", "population"):
            continue
        elif col.name in CHILD_COLUMNS:
            lines.append(f'# {col.name} = ""   # optional: the child\'s {col.name}, if this '
                         "export gives it (the children table is built from such rows)")
        elif col.required:
            lines.append(f'{col.name} = ""   # TODO: required; no export column matched')
        else:
            lines.append(f'# {col.name} = ""   # TODO: optional; no export column matched')
    used = {n for n, _ in chosen.values()} | wide
    rest = [p for p in profiles if p not in used]
    ids = [p for p in rest if looks_like_identifier(p)]
    carried = [p for p in rest if p not in ids]
    if carried:
        lines.append(f"# carried as extra columns (not used): {', '.join(map(repr, carried))}")
    if ids:
        lines.append(f"# TODO: {', '.join(map(repr, ids))} look like direct identifiers (names, "
                     "addresses): the ingest refuses them; remove them from the export")
    return lines


def _content_text(col: Column, prof: Profile) -> str:
    if col.kind == "date":
        return "date cells" if prof.native >= 0.999 else f"dates ({prof.date_format})"
    if col.kind in ("code", "bool"):
        return f"{prof.distinct} distinct values"
    if col.kind == "int":
        return "whole numbers"
    if prof.unique:
        return "unique ids"
    return f"{prof.distinct:,} distinct values"
