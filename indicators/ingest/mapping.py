"""Reading a mapping file (``ingest.md``): how a ministry's exports become a dataset.

:func:`read_mapping` reads the TOML file and checks every key against the contract. Nothing
stops at the first problem: each unknown key, value of the wrong kind or column the record
format does not have is an :class:`~indicators.dataset.Issue` of the returned
:class:`Mapping` (``table`` is the mapping file's name, ``column`` the key), and the rest of
the mapping is still read so that the exports can be checked in the same run.

Notes
-----
Accepted beyond the letter of the contract (the contract's keys are read exactly as written):

- ``date_format`` and the entries of ``[source.date_formats]`` may be lists of formats, tried
  in order (exports whose dates were typed in two ways);
- ``sheet`` may be a list of sheet names, stacked in the order given;
- ``url`` may hold ``${NAME}`` references to environment variables (keep database passwords
  out of the mapping file); a relative SQLite path is relative to the mapping file;
- a value map may give TOML booleans (``"Oui" = true``) for boolean columns, and ``""`` as a
  target for "missing".

``[linkage]`` (records without a shared ``child_id``) is recognised and refused with a plain
message until record linkage is available: :data:`LINKAGE_KEY` is the seam where it plugs in.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codes import METADATA_KEYS, TABLES, Column
from ..issues import DatasetError, Issue
from ..parameters import DATASET_TOML_NAMES
from ..reading.metadata import MAX_TOML_BYTES
from ..registry import policy_keys

__all__ = [
    "CHILD_COLUMNS",
    "EVENT_TABLES",
    "EXCEL",
    "Mapping",
    "Source",
    "Unpivot",
    "read_mapping",
]

EXCEL = "excel"
"""The ``date_format`` of Excel serial day numbers (days since 1899-12-30)."""
EVENT_TABLES = ("arrests", "detentions", "dispositions")
"""Tables whose sources may carry the child's sex and date of birth (children built from them)."""
CHILD_COLUMNS = ("sex", "date_of_birth")
LINKAGE_KEY = "linkage"

TOP_KEYS = ("dataset", "source", LINKAGE_KEY)
DATASET_KEYS = (*METADATA_KEYS, "costs", "records_to")
SOURCE_KEYS = (
    "table", "files", "url", "from", "query", "sheet", "header_row", "encoding", "delimiter",
    "date_format", "date_formats", "true_values", "false_values", "columns", "constants",
    "values", "unpivot",
)
UNPIVOT_KEYS = ("columns", "into", "values")
ISO_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True)
class Unpivot:
    """``[source.unpivot]``: one column per age (or year) turned into rows."""

    columns: tuple[str, ...]
    into: str = "age"
    values: str = "population"


@dataclass
class Source:
    """One ``[[source]]`` block, checked. ``number`` is its position (1-based) in the file."""

    number: int
    table: str
    files: tuple[str, ...] = ()
    url: str | None = None
    from_: str | None = None
    query: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int = 1
    encoding: str | None = None
    delimiter: str = ","
    date_format: tuple[str, ...] = (ISO_FORMAT,)
    date_formats: dict[str, tuple[str, ...]] = field(default_factory=dict)
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    value_spellings: dict[str, dict[str, str]] = field(default_factory=dict)
    unpivot: Unpivot | None = None

    @property
    def name(self) -> str:
        """How messages name this block, e.g. ``[[source]] 2 (arrests)``."""
        return f"[[source]] {self.number} ({self.table})"

    def formats_of(self, column: str) -> tuple[str, ...]:
        """The date formats of one record-format column."""
        return self.date_formats.get(column, self.date_format)

    def carries_children(self) -> bool:
        """Whether this event source gives the child's sex or date of birth."""
        return self.table in EVENT_TABLES and any(
            c in self.columns or c in self.constants for c in CHILD_COLUMNS)


@dataclass
class Mapping:
    """A mapping file read and checked: the dataset keys, the sources, and the problems."""

    path: Path
    dataset: dict[str, Any]
    sources: list[Source]
    issues: list[Issue] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The mapping file's name, as messages show it."""
        return self.path.name

    @property
    def folder(self) -> Path:
        """The folder file paths of the mapping are relative to."""
        return self.path.parent


def record_columns(table: str) -> dict[str, Column]:
    """Columns a source of ``table`` may map: the table's, plus sex and date_of_birth for
    event tables (they build the children table)."""
    cols = {c.name: c for c in TABLES[table]}
    if table in EVENT_TABLES:
        children = {c.name: c for c in TABLES["children"]}
        for name in CHILD_COLUMNS:
            cols[name] = children[name]
    return cols


def close_match(word: str, candidates) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``."""
    cands = [str(c) for c in candidates]
    lower = {c.lower(): c for c in cands}
    if word.lower() in lower and lower[word.lower()] != word:
        return f" (did you mean {lower[word.lower()]!r}?)"
    best = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f" (did you mean {lower[best[0]]!r}?)" if best else ""


class _Checker:
    """Collects the problems of one mapping file as issues."""

    def __init__(self, label: str):
        self.label = label
        self.issues: list[Issue] = []

    def error(self, key: str | None, message: str, rule: str = "invalid_mapping",
              value: Any = None) -> None:
        """Record one error of the mapping file (``key`` is the dotted key concerned)."""
        shown = None if value is None else str(value)[:80]
        self.issues.append(Issue("error", self.label, None, key, shown, rule,
                                 f"{self.label}: {message}"))

    def unknown_keys(self, table: dict, known, where: str, prefix: str) -> None:
        """An error for each key of ``table`` not in ``known``, with the closest known key."""
        for key in table:
            if key not in known:
                self.error(f"{prefix}{key}", f"{where} has no key {key!r}{close_match(key, known)}"
                           f"; known keys: {', '.join(known)}", rule="unknown_mapping_key")

    def text(self, value: Any, key: str, where: str) -> str | None:
        """``value`` when it is a string (an error, and None, otherwise)."""
        if isinstance(value, str):
            return value
        self.error(key, f"{where}: {key} must be text within quotes, not {value!r}", value=value)
        return None

    def texts(self, value: Any, key: str, where: str) -> tuple[str, ...]:
        """A string or a list of strings as a tuple (an error, and ``()``, otherwise)."""
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.error(key, f"{where}: {key} must be text or a list of texts, not {value!r}",
                   value=value)
        return ()


def _load_toml(path: Path) -> dict[str, Any]:
    """The mapping file as a dict; :class:`DatasetError` when it is not a readable TOML file."""
    label = path.name
    try:
        if path.stat().st_size > MAX_TOML_BYTES:
            raise DatasetError(f"{label} is larger than 1 MiB: a mapping file holds a few "
                               "hundred lines")
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise DatasetError(f"{label} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        msg = "it is not UTF-8 text; save it as UTF-8"
    except tomllib.TOMLDecodeError as exc:
        msg = (f"{exc}. Text is written within quotes (table = \"arrests\"), dates without "
               "(period_start = 2024-01-01); a column name with spaces or accents is quoted "
               "on both sides of =")
    issue = Issue("error", label, None, None, None, "invalid_mapping",
                  f"{label} cannot be read as a mapping file: {msg}")
    raise DatasetError(issue.message, [issue])


def read_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file.

    Parameters
    ----------
    path : str or Path
        The mapping file (TOML, ``ingest.md``).

    Returns
    -------
    Mapping
        ``dataset`` holds the ``[dataset]`` keys (as dataset.toml would), ``sources`` the
        ``[[source]]`` blocks that could be read, ``issues`` every problem of the file.

    Raises
    ------
    DatasetError
        When the file does not exist or is not TOML at all (nothing can be read from it).
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path} does not exist: give the mapping file (a .toml file)")
    doc = _load_toml(path)
    check = _Checker(path.name)
    check.unknown_keys(doc, TOP_KEYS, "the mapping file", "")
    if LINKAGE_KEY in doc:
        check.error(LINKAGE_KEY, "[linkage] (records without a shared child_id) is not "
                    "available in this version: map child_id in every source")
    dataset = _check_dataset(doc.get("dataset"), check)
    blocks = doc.get("source", [])
    if isinstance(blocks, dict):
        blocks = [blocks]
    sources = []
    if not isinstance(blocks, list) or not blocks:
        check.error("source", "the mapping has no [[source]] block: give one per kind of export")
        blocks = []
    for number, block in enumerate(blocks, start=1):
        if not isinstance(block, dict):
            check.error("source", f"[[source]] {number} is not a table of keys")
            continue
        src = _check_source(number, block, check)
        if src is not None:
            sources.append(src)
    return Mapping(path=path, dataset=dataset, sources=sources, issues=check.issues)


def _check_dataset(section: Any, check: _Checker) -> dict[str, Any]:
    if section is None:
        check.error("dataset", "the mapping has no [dataset] section: it gives country, "
                    "period_start and period_end, as dataset.toml does")
        return {}
    if not isinstance(section, dict):
        check.error("dataset", "[dataset] must be a section of keys")
        return {}
    check.unknown_keys(section, DATASET_KEYS, "[dataset]", "dataset.")
    for key in ("country", "period_start", "period_end"):
        if key not in section:
            check.error(f"dataset.{key}", f"[dataset] has no {key}", rule="missing_key")
    for sub, known in (("policy", tuple(policy_keys())), ("parameters", DATASET_TOML_NAMES)):
        if isinstance(section.get(sub), dict):
            check.unknown_keys(section[sub], known, f"[dataset.{sub}]", f"dataset.{sub}.")
    return {k: v for k, v in section.items() if k in DATASET_KEYS}


def _check_source(number: int, block: dict[str, Any], check: _Checker) -> Source | None:
    """One [[source]] block as a :class:`Source`, or None when it names no known table."""
    where = f"[[source]] {number}"
    check.unknown_keys(block, SOURCE_KEYS, where, f"source[{number}].")
    table = block.get("table")
    if table not in TABLES:
        shown = "no table" if table is None else f"table {table!r}"
        check.error(f"source[{number}].table", f"{where} has {shown}: give one of "
                    f"{', '.join(TABLES)}{close_match(str(table), TABLES) if table else ''}",
                    value=table)
        return None
    src = Source(number=number, table=table)
    where = src.name
    key = f"source[{number}]."
    _check_location(src, block, check, where, key)
    _check_reading(src, block, check, where, key)
    cols = record_columns(table)
    src.columns = _check_columns(block.get("columns", {}), cols, check, where, key)
    src.constants = _check_constants(block.get("constants", {}), cols, src, check, where, key)
    src.values, src.value_spellings = _check_values(block.get("values", {}), cols, check, where,
                                                    key)
    src.date_formats = {}
    formats = block.get("date_formats", {})
    if not isinstance(formats, dict):
        check.error(f"{key}date_formats", f"{where}: [source.date_formats] must be a section")
        formats = {}
    for col, fmt in formats.items():
        if col not in cols or cols[col].kind != "date":
            dates = [c for c, v in cols.items() if v.kind == "date"]
            check.error(f"{key}date_formats.{col}", f"{where}: [source.date_formats] names "
                        f"{col!r}, which is not a date column of {table}{close_match(col, dates)}",
                        rule="unknown_mapping_key")
            continue
        src.date_formats[col] = _check_formats(fmt, f"{key}date_formats.{col}", where, check)
    if "unpivot" in block:
        src.unpivot = _check_unpivot(block["unpivot"], src, cols, check, where, key)
    _check_required(src, cols, check, where)
    return src


def _check_location(src: Source, block: dict, check: _Checker, where: str, key: str) -> None:
    has_files, has_url = "files" in block, "url" in block
    if has_files == has_url:
        check.error(f"{key}files", f"{where} must give either files (exports on disk) or url "
                    "(a database), " + ("not both" if has_files else "and gives neither"))
    if has_files:
        src.files = check.texts(block["files"], "files", where)
    if has_url:
        src.url = check.text(block["url"], "url", where)
        has_from, has_query = "from" in block, "query" in block
        if has_from == has_query:
            check.error(f"{key}from", f"{where} reads a database: give either from = "
                        "\"schema.table\" or query = \"SELECT ...\", " +
                        ("not both" if has_from else "not neither"))
        if has_from:
            src.from_ = check.text(block["from"], "from", where)
        if has_query:
            src.query = check.text(block["query"], "query", where)
    for name in ("from", "query") if not has_url else ():
        if name in block:
            check.error(f"{key}{name}", f"{where}: {name} is for a database source (with url)")
    if "sheet" in block:
        src.sheets = check.texts(block["sheet"], "sheet", where)


def _check_reading(src: Source, block: dict, check: _Checker, where: str, key: str) -> None:
    if "header_row" in block:
        value = block["header_row"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            check.error(f"{key}header_row", f"{where}: header_row must be a row number, 1 or "
                        f"more, not {value!r}", value=value)
        else:
            src.header_row = value
    if "encoding" in block and (enc := check.text(block["encoding"], "encoding", where)):
        try:
            codecs.lookup(enc)
            src.encoding = enc
        except LookupError:
            check.error(f"{key}encoding", f"{where}: encoding {enc!r} is not known (e.g. utf-8, "
                        "cp1252, latin-1, utf-16)", value=enc)
    if "delimiter" in block and (delim := check.text(block["delimiter"], "delimiter", where)):
        delim = "\t" if delim.lower() in ("tab", "\\t") else delim
        if len(delim) != 1 or delim in "\"\r\n":
            check.error(f"{key}delimiter", f"{where}: delimiter must be one character (e.g. "
                        f"\";\" or \"\\t\"), not {delim!r}", value=delim)
        else:
            src.delimiter = delim
    if "date_format" in block:
        src.date_format = _check_formats(block["date_format"], f"{key}date_format", where, check)
    for name in ("true_values", "false_values"):
        if name in block:
            words = check.texts(block[name], name, where)
            setattr(src, name, tuple(w.strip().casefold() for w in words))


def _check_formats(value: Any, key: str, where: str, check: _Checker) -> tuple[str, ...]:
    formats = check.texts(value, key.rsplit(".", 1)[-1], where)
    for fmt in formats:
        if fmt != EXCEL and "%" not in fmt:
            check.error(key, f"{where}: {fmt!r} is not a date format: write it as for strptime "
                        "(\"%d/%m/%Y\" for 05/03/2024), or \"excel\" for Excel day numbers",
                        value=fmt)
    return tuple(f for f in formats if f == EXCEL or "%" in f) or (ISO_FORMAT,)


def _check_columns(section: Any, cols: dict[str, Column], check: _Checker, where: str,
                   key: str) -> dict[str, str]:
    if not isinstance(section, dict):
        check.error(f"{key}columns", f"{where}: [source.columns] must be a section of "
                    "record-format column = \"export column\"")
        return {}
    out = {}
    for col, name in section.items():
        if col not in cols:
            check.error(f"{key}columns.{col}", f"{where}: {col!r} is not a record-format "
                        f"column this source can map{close_match(col, cols)}; it can map "
                        f"{', '.join(cols)}", rule="unknown_mapping_key")
            continue
        name = check.text(name, f"columns.{col}", where)
        if name is not None:
            out[col] = name.strip()
    return out


def _check_constants(section: Any, cols: dict[str, Column], src: Source, check: _Checker,
                     where: str, key: str) -> dict[str, Any]:
    if not isinstance(section, dict):
        check.error(f"{key}constants", f"{where}: [source.constants] must be a section")
        return {}
    out = {}
    for col, value in section.items():
        if col not in cols:
            check.error(f"{key}constants.{col}", f"{where}: [source.constants] names {col!r}, "
                        f"which is not a column of {src.table}{close_match(col, cols)}",
                        rule="unknown_mapping_key")
        elif col in src.columns:
            check.error(f"{key}constants.{col}", f"{where}: {col} is given both in "
                        "[source.columns] and in [source.constants]; keep one")
        elif isinstance(value, dict | list):
            check.error(f"{key}constants.{col}", f"{where}: the constant {col} must be one value")
        else:
            out[col] = constant_text(value)
    return out


def constant_text(value: Any) -> str:
    """A TOML value as the text a record-format file holds (dates ISO, booleans true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).strip()


def _check_values(section: Any, cols: dict[str, Column], check: _Checker, where: str, key: str
                  ) -> tuple[dict[str, dict[str, str | None]], dict[str, dict[str, str]]]:
    """Value maps keyed by case-folded source value, and the keys as written (for hints)."""
    if not isinstance(section, dict):
        check.error(f"{key}values", f"{where}: [source.values.<column>] must be sections")
        return {}, {}
    maps: dict[str, dict[str, str | None]] = {}
    spellings: dict[str, dict[str, str]] = {}
    for col, table in section.items():
        if col not in cols:
            check.error(f"{key}values.{col}", f"{where}: [source.values.{col}] names a column "
                        f"the table does not have{close_match(col, cols)}",
                        rule="unknown_mapping_key")
            continue
        if not isinstance(table, dict):
            check.error(f"{key}values.{col}", f"{where}: [source.values.{col}] must be a section "
                        "of \"export value\" = \"code\"")
            continue
        folded: dict[str, str | None] = {}
        written: dict[str, str] = {}
        for raw, target in table.items():
            if isinstance(target, dict | list):
                check.error(f"{key}values.{col}", f"{where}: the value {raw!r} of "
                            f"[source.values.{col}] must map to one code", value=raw)
                continue
            text = constant_text(target)
            if text and not _valid_target(text, cols[col]):
                check.error(f"{key}values.{col}", f"{where}: [source.values.{col}] maps {raw!r} "
                            f"to {text!r}, {_target_hint(cols[col])}", value=text)
                continue
            fold = raw.strip().casefold()
            if fold in folded and folded[fold] != (text or None):
                check.error(f"{key}values.{col}", f"{where}: [source.values.{col}] maps "
                            f"{written[fold]!r} and {raw!r} (the same ignoring case) to different "
                            "codes", value=raw)
                continue
            folded[fold] = text or None
            written[fold] = raw.strip()
        maps[col], spellings[col] = folded, written
    return maps, spellings


def _valid_target(text: str, col: Column) -> bool:
    from ..reading.cells import FALSE_WORDS, TRUE_WORDS

    if col.kind == "code":
        return text in col.codes
    if col.kind == "bool":
        return text.casefold() in TRUE_WORDS | FALSE_WORDS
    return True


def _target_hint(col: Column) -> str:
    if col.kind == "code":
        return f"which is not a code of {col.name} ({', '.join(col.codes)})"
    return "which is not true or false"


def _check_unpivot(section: Any, src: Source, cols: dict[str, Column], check: _Checker,
                   where: str, key: str) -> Unpivot | None:
    if src.table != "population":
        check.error(f"{key}unpivot", f"{where}: [source.unpivot] is for population tables "
                    "with one column per age")
        return None
    if not isinstance(section, dict):
        check.error(f"{key}unpivot", f"{where}: [source.unpivot] must be a section")
        return None
    check.unknown_keys(section, UNPIVOT_KEYS, f"{where} [source.unpivot]", f"{key}unpivot.")
    columns = check.texts(section.get("columns"), "unpivot.columns", where)
    into = section.get("into", "age")
    values = section.get("values", "population")
    ints = [c for c, v in cols.items() if v.kind == "int"]
    ok = bool(columns)
    for name, val in (("into", into), ("values", values)):
        if val not in ints:
            check.error(f"{key}unpivot.{name}", f"{where}: unpivot {name} = {val!r} must be one "
                        f"of {', '.join(ints)}", value=val)
            ok = False
    if into == values:
        check.error(f"{key}unpivot.values", f"{where}: unpivot into and values are both {into!r}")
        ok = False
    for col in (into, values):
        if col in src.columns or col in src.constants:
            check.error(f"{key}unpivot", f"{where}: {col} comes from [source.unpivot]; do not "
                        "map it in [source.columns] or [source.constants] too")
            ok = False
    return Unpivot(tuple(c.strip() for c in columns), into, values) if ok else None


def _check_required(src: Source, cols: dict[str, Column], check: _Checker, where: str) -> None:
    given = set(src.columns) | set(src.constants)
    if src.unpivot is not None:
        given |= {src.unpivot.into, src.unpivot.values}
    for col in TABLES[src.table]:
        if col.required and col.name not in given:
            check.error(f"source[{src.number}].columns.{col.name}", f"{where} maps no "
                        f"{col.name}, which the {src.table} table requires: add {col.name} = "
                        "\"<export column>\" to its [source.columns] (or a constant)",
                        rule="missing_column")


def expand_env(url: str) -> tuple[str, list[str]]:
    """``${NAME}`` references of a URL replaced from the environment; the names not set."""
    import os

    missing: list[str] = []

    def sub(m: re.Match) -> str:
        if m.group(1) not in os.environ:
            missing.append(m.group(1))
            return ""
        return os.environ[m.group(1)]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", sub, url), missing
