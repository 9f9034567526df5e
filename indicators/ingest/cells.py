"""Typing the cells of one export column: value maps, codes, booleans, dates, whole numbers.

Each function works on the distinct values of a column (a million rows hold a few thousand
distinct dates or codes), so a value map or a date format costs one Python call per distinct
value, not per row. A cell that cannot be typed becomes missing, its row is marked bad, and the
problem is reported in the export's terms: file, spreadsheet row, export column, value.

Unmapped values of code and boolean columns are reported once per distinct value of an export
column across all files of a source, with the number of rows and the first rows
(:class:`Unmapped`), and a "did you mean" where a mapped value or a code is close.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codes import Column
from ..issues import MAX_ISSUES_PER_RULE, Issue
from ..reading.cells import FALSE_WORDS, FIRST_DAY, LAST_DAY, TRUE_WORDS
from .mapping import EXCEL, Source

__all__ = ["Unmapped", "looks_like_identifier", "map_values", "type_column"]

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
"""Day 0 of Excel's serial day numbers (1900 system, serials from 61 = 1900-03-01 on)."""
FIRST_ROWS = 5
"""First rows listed for an unmapped value."""

_NAME_WORDS = {"nom", "noms", "prenom", "prenoms", "nombre", "nombres", "apellido", "apellidos",
               "name", "names", "surname", "forename", "firstname", "lastname", "nomcomplet"}
_NAME_QUALIFIERS = {
    "de", "du", "la", "le", "l", "d", "des", "del", "the", "of", "y", "et", "and", "famille",
    "complet", "completo", "usage", "jeune", "fille", "enfant", "mineur", "pere", "mere",
    "tuteur", "parent", "parents", "nino", "nina", "menor", "padre", "madre", "tutor",
    "primer", "segundo", "first", "last", "given", "family", "full", "child", "1", "2",
    "naissance", "soltera", "maternel", "paternel", "materno", "paterno",
}
_IDENTIFIER_WORDS = re.compile(
    r"(?:^|_)(?:adresse|direccion|domicile|domicilio|telephone|telefono|tel|portable|celular|"
    r"movil|courriel|correo|email|mail|passeport|pasaporte|cedula|dni|nir|cni|cin|curp|rut|"
    r"nss|numero_d_identite|carte_d_identite|documento_de_identidad|numero_de_documento|"
    r"securite_sociale|seguridad_social|rue|calle)(?:_|$)")


def _fold(text: str) -> str:
    """Lower case without accents, words joined by ``_`` (for name comparisons)."""
    plain = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def looks_like_identifier(name: str) -> bool:
    """Whether an export column name looks like a direct identifier of a person.

    Recognised in English (as the reader does), French and Spanish: names (``nom``,
    ``prénom``, ``nombre``, ``apellido``, ``nom de l'enfant`` but not ``nom du poste``),
    addresses, phone numbers, e-mail, identity documents.

    Examples
    --------
    >>> looks_like_identifier("Prénom"), looks_like_identifier("Nom du poste")
    (True, False)
    """
    from ..reading.identifiers import is_direct_identifier

    if is_direct_identifier(name):
        return True
    folded = _fold(name)
    words = folded.split("_")
    if words and words[0] in _NAME_WORDS and all(w in _NAME_QUALIFIERS for w in words[1:]):
        return True
    return bool(_IDENTIFIER_WORDS.search(folded))


# --------------------------------------------------------------------------- reporting


@dataclass
class Unmapped:
    """Values of one export column of one source that are neither mapped nor codes."""

    source: Source
    column: str  # record-format column
    source_column: str
    hint_words: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    per_file: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, values: pd.Series, rows: np.ndarray, bad: np.ndarray) -> None:
        """Record the cells at ``bad`` (a mask) of one file."""
        idx = np.flatnonzero(bad)
        if not len(idx):
            return
        self.per_file[label] = self.per_file.get(label, 0) + len(idx)
        sub = values.iloc[idx]
        codes, uniques = pd.factorize(sub.fillna(""))
        counts = np.bincount(codes, minlength=len(uniques))
        for k, value in enumerate(uniques):
            self.counts[value] = self.counts.get(value, 0) + int(counts[k])
            seen = self.first.setdefault(value, [])
            if len(seen) < FIRST_ROWS:
                pos = idx[codes == k][: FIRST_ROWS - len(seen)]
                seen += [(label, int(rows[p])) for p in pos]

    def issues(self) -> list[Issue]:
        """One error per distinct value, most frequent first (each counts once: a value to
        map; its rows are in the message and in :attr:`per_file`)."""
        out = []
        for value, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            first = self.first[value]
            label, row = first[0]
            where = _rows_text(first)
            shown = "an empty cell" if value == "" else repr(value)
            key = '""' if value == "" else _toml_key(value)
            issue = Issue(
                "error", label, row, self.source_column, value, "unmapped_value",
                f"{shown} ({self.column}) is neither mapped nor a code{self._hint(value)}: "
                f"{n:,} row{'s' if n > 1 else ''} of {self.source.name} ({where}); add {key} = "
                f"\"<code>\" to [source.values.{self.column}]")
            out.append(issue)
        return out

    def _hint(self, value: str) -> str:
        if not value:
            return ""
        words = {w.casefold(): w for w in self.hint_words}
        if value.casefold() in words:
            return f" (did you mean {words[value.casefold()]!r}?)"
        if value.isdigit() and value.zfill(2) in words:
            return f" (did you mean {value.zfill(2)!r}? codes are text)"
        best = difflib.get_close_matches(value.casefold(), list(words), n=1, cutoff=0.6)
        return f" (did you mean {words[best[0]]!r}?)" if best else ""


def _toml_key(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rows_text(first: list[tuple[str, int]]) -> str:
    """``first: police/nord.csv rows 3, 8; police/sud.csv row 4``."""
    parts: dict[str, list[int]] = {}
    for label, row in first:
        parts.setdefault(label, []).append(row)
    text = "; ".join(f"{label} row{'s' if len(r) > 1 else ''} {', '.join(map(str, r))}"
                     for label, r in parts.items())
    return f"first: {text}"


def row_issues(issues: list[Issue], label: str, mask: np.ndarray, rows: np.ndarray,
               values: pd.Series, column: str, rule: str, message) -> int:
    """One error per flagged row (at most MAX_ISSUES_PER_RULE, then one summary row)."""
    idx = np.flatnonzero(mask)
    for i in idx[:MAX_ISSUES_PER_RULE]:
        value = values.iat[i]
        value = None if pd.isna(value) else str(value)
        issues.append(Issue("error", label, int(rows[i]), column, value, rule, message(value)))
    extra = len(idx) - MAX_ISSUES_PER_RULE
    if extra > 0:
        issues.append(Issue("error", label, None, column, None, rule,
                            f"and {extra:,} more rows of {label} with the same problem",
                            count=extra))
    return len(idx)


# --------------------------------------------------------------------------- values


def factorize(text: pd.Series, values: bool = True) -> tuple[np.ndarray, list | int]:
    """Codes (-1 for missing) and distinct values of a text column, in order of appearance
    (with ``values=False``, only their number).

    Arrow's dictionary encoding for Arrow-backed text (about twice as fast as pandas)."""
    import pyarrow.compute as pc

    array = getattr(text, "array", None)
    if isinstance(array, pd.arrays.ArrowStringArray):
        enc = pc.dictionary_encode(array._pa_array.combine_chunks())
        idx = enc.indices
        # the indices buffer as it is (to_numpy would turn indices with nulls into floats)
        codes = np.frombuffer(idx.buffers()[1], dtype=np.int32,
                              count=len(idx) + idx.offset)[idx.offset:].astype(np.int64)
        if idx.null_count:
            codes[idx.is_null().to_numpy(zero_copy_only=False)] = -1
        return codes, (enc.dictionary.to_pylist() if values else len(enc.dictionary))
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), (list(uniques) if values else len(uniques))


def map_values(text: pd.Series, table: dict[str, str | None] | None
               ) -> tuple[pd.Series, np.ndarray]:
    """Apply a value map (keys case-folded); returns the text and the mask of mapped cells.

    An empty cell is mapped only when ``""`` is a key; a target of ``""`` means missing.
    """
    if not table:
        return text, np.zeros(len(text), dtype=bool)
    codes, uniques = factorize(text)
    folded = [str(u).casefold() for u in uniques]
    hit = np.array([f in table for f in folded], dtype=bool)
    new = np.array([table.get(f, u) if h else u for f, u, h in zip(folded, uniques, hit,
                                                                    strict=True)], dtype=object)
    import pyarrow as pa

    known = codes >= 0
    mapped = np.zeros(len(text), dtype=bool)
    if len(uniques):
        mapped[known] = hit[codes[known]]
    taken = pa.array(new, type=pa.string()).take(pa.array(codes, mask=~known))
    if "" in table:
        taken = taken.fill_null(pa.scalar(table[""], pa.string()))
        mapped[~known] = True
    out = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([taken])), index=text.index)
    return out, mapped


def _by_unique(text: pd.Series, parse) -> tuple[np.ndarray, list]:
    """Factorized codes of a column (-1 for missing) and ``parse`` applied to each distinct
    value (None where it fails)."""
    codes, uniques = factorize(text)
    return codes, [parse(u) for u in uniques]


def parse_date(value: str, formats: tuple[str, ...]) -> np.datetime64 | None:
    """One date cell with the formats tried in order (``excel``: serial day numbers)."""
    for fmt in formats:
        if fmt == EXCEL:
            try:
                serial = float(value.replace(",", "."))
            except ValueError:
                continue
            if 61 <= serial < 2958466:
                return EXCEL_EPOCH + np.timedelta64(int(serial), "D")
            continue
        try:
            return np.datetime64(_dt.datetime.strptime(value, fmt).date(), "D")
        except ValueError:
            continue
    return None


def _parse_int(value: str):
    text = value.replace(" ", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        num = float(text)
    except ValueError:
        return None
    return int(num) if num.is_integer() and abs(num) < 2**53 else None


def _parse_bool(true_words: set[str], false_words: set[str]):
    def parse(value: str):
        v = value.casefold()
        if v in true_words:
            return True
        if v in false_words:
            return False
        return None

    return parse


def type_column(
    text: pd.Series,
    col: Column,
    src: Source,
    *,
    mapped: np.ndarray,
    native: np.ndarray | None = None,
) -> tuple[pd.Series, np.ndarray, str]:
    """Type one mapped column: returns the typed values, the mask of cells that failed, and
    the rule of the failure (``unmapped_value``, ``unparseable_date``, ``invalid_integer``).

    ``mapped`` marks cells whose value came from a value map (the map wins over the codes);
    ``native`` marks cells that were typed dates in the export.
    """
    n = len(text)
    if col.kind == "code":
        valid = text.isin(list(col.codes)).fillna(False).to_numpy(bool)
        failed = text.notna().to_numpy() & ~valid
        return text.mask(failed), failed, "unmapped_value"
    if col.kind == "bool":
        parse = _parse_bool(TRUE_WORDS | set(src.true_values), FALSE_WORDS | set(src.false_values))
        codes, parsed = _by_unique(text, parse)
        uvals = np.array([-1 if v is None else int(v) for v in parsed] + [-1], dtype=np.int8)
        vals = uvals[np.where(codes >= 0, codes, len(parsed))]
        failed = (codes >= 0) & (vals < 0)
        values = pd.arrays.BooleanArray(vals == 1, vals < 0)
        return pd.Series(values, index=text.index), failed, "unmapped_value"
    if col.kind == "date":
        formats = src.formats_of(col.name)
        days, failed = _dates(text, formats)
        if native is not None and native.any():
            iso, _ = _dates(text, ("%Y-%m-%d",))
            days = np.where(native, iso, days)
            failed = failed & ~native
        far = ~np.isnat(days) & ((days < FIRST_DAY) | (days > LAST_DAY))
        days[far] = np.datetime64("NaT")
        return pd.Series(days.astype("datetime64[ns]"), index=text.index), failed | far, \
            "unparseable_date"
    if col.kind == "int":
        codes, parsed = _by_unique(text, _parse_int)
        ok = np.array([v is not None for v in parsed] + [False], dtype=bool)
        uvals = np.array([0 if v is None else v for v in parsed] + [0], dtype=np.int64)
        pos = np.where(codes >= 0, codes, len(parsed))
        failed = (codes >= 0) & ~ok[pos]
        values = pd.arrays.IntegerArray(uvals[pos], ~ok[pos])
        return pd.Series(values, index=text.index), failed, "invalid_integer"
    return text, np.zeros(n, dtype=bool), ""


_DATE_CACHE: dict[tuple[str, ...], dict[str, np.datetime64 | None]] = {}


def _cached_date(formats: tuple[str, ...]):
    """``parse_date`` with its results kept (the files of one source share their dates)."""
    cache = _DATE_CACHE.setdefault(formats, {})
    if len(cache) > 1_000_000:
        cache.clear()

    def parse(value: str):
        if value not in cache:
            cache[value] = parse_date(value, formats)
        return cache[value]

    return parse


def _dates(text: pd.Series, formats: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Dates (datetime64[D], NaT where missing or failed) and the mask of failed cells."""
    codes, parsed = _by_unique(text, _cached_date(formats))
    udays = np.array([np.datetime64("NaT") if v is None else v for v in parsed]
                     + [np.datetime64("NaT")], dtype="datetime64[D]")
    days = udays[np.where(codes >= 0, codes, len(parsed))]
    return days, (codes >= 0) & np.isnat(days)


def date_message(formats: tuple[str, ...], far_text: str = ""):
    """The message of a date that does not parse with its formats."""
    shown = " or ".join("Excel day numbers" if f == EXCEL else repr(f) for f in formats)

    def message(value):
        return (f"{value!r} is not a date written {shown} (or is impossible, or outside the "
                "years 1900 to 2100); a column written otherwise takes its own format in "
                "[source.date_formats]" + far_text)

    return message
