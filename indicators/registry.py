"""The single declaration of what the package knows about indicators (``definitions.toml``).

``definitions.toml`` declares the units, the flags, the links between indicators, the stages of
the pathway figure and the indicators themselves; this module loads them into frozen objects.
Everything else derives from them: the compute function of an indicator (its unit's kind), its
multiplier, the policy keys of dataset.toml, the panels of the standard figures, the wording of
flags, the SDMX unit codes and the relations disclosure control protects. A new indicator of an
existing kind is one more entry in ``definitions.toml`` and nothing else.

:func:`definitions_file` swaps the declaration for another file (tests use it to show that a toy
indicator flows through compute, outputs, disclosure, charts and report unchanged).
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .codes import TABLES

__all__ = [
    "COMPARISON_COLUMNS",
    "DIMENSIONS",
    "DURATION_COLUMNS",
    "EXTRA_COLUMNS",
    "FRAMES",
    "KINDS",
    "RECONCILIATION_COLUMNS",
    "RESULT_COLUMNS",
    "ROLES",
    "Declaration",
    "FlagSpec",
    "IndicatorSpec",
    "LinkEnd",
    "LinkSpec",
    "PathwayStage",
    "UnitSpec",
    "declaration",
    "definitions_file",
    "flag_spec",
    "get_spec",
    "hollow_flags",
    "load_definitions",
    "policy_keys",
    "unit_spec",
    "with_role",
]

KINDS = ("rate", "percentage", "duration", "policy")
FRAMES = ("period", "census", "none")
DIMENSIONS = ("total", "sex", "age_group", "offence", "facility_type", "legal_status", "area")
AGE_REFERENCE_DAYS = (
    "",
    "arrest_date",
    "census_date",
    "spell_admission",
    "date_of_death",
    "offence_date_else_decision_date",
)
DENOMINATOR_SOURCES = ("child_population", "cohort", "none")
ROLES = (
    "core_panel",
    "policy_matrix",
    "report_disaggregation",
    "report_trend",
    "comparison_trend",
    "world_benchmark",
    "subnational",
)
COUNT_COLUMNS = ("numerator", "denominator")
FLAG_SOURCES = ("engine", "disclosure", "counts", "reference")

# The output tables: the contract's columns first (docs/outputs.md#indicators-csv), then ours.
RESULT_COLUMNS = [
    "country",
    "period_start",
    "period_end",
    "census_date",
    "indicator",
    "dimension",
    "group",
    "value",
    "numerator",
    "denominator",
    "unit",
    "ci_lower",
    "ci_upper",
    "flags",
]
EXTRA_COLUMNS = ["country_name", "region", "indicator_name", "core", "kind", "source", "caveats"]
COMPARISON_COLUMNS = [*RESULT_COLUMNS, *EXTRA_COLUMNS, "origin"]
"""Rows of any origin side by side (comparison_rows.csv): ``origin`` is ``records``,
``counts`` or ``published``."""
DURATION_COLUMNS = [
    "country",
    "indicator",
    "dimension",
    "group",
    "statistic",
    "value",
    "period_start",
    "period_end",
]
RECONCILIATION_COLUMNS = [
    "country",
    "period_start",
    "period_end",
    "indicator",
    "table",
    "records_read",
    "used",
    "left_out",
    "reason",
    "count",
]
"""Reconciliation, tidy: for each (indicator, table) one row per outcome, ``reason = used``
first, then one row per reason a record was left out; ``records_read``, ``used`` and
``left_out`` repeat on every row of the pair, and ``count`` sums to ``records_read``."""


# --------------------------------------------------------------------------- declared objects


_UNITS_SEEN: dict[str, UnitSpec] = {}
"""Every unit declared by a definitions file loaded so far (an indicator's unit must be one)."""


@dataclass(frozen=True)
class UnitSpec:
    """A unit of ``indicators.csv``: what kind of value it measures and its multiplier."""

    name: str
    kind: str
    multiplier: int
    sdmx_code: str
    sdmx_name: str


@dataclass(frozen=True)
class FlagSpec:
    """A flag of the ``flags`` column: its meaning and how charts show it."""

    code: str
    note: str
    set_by: str
    chart: str = ""
    hollow: bool = False
    parameter: str | None = None
    label: str = ""

    def _threshold(self, threshold: Any) -> Any:
        if threshold is None and self.parameter:
            from .parameters import Parameters

            threshold = getattr(Parameters(), self.parameter)
        return threshold

    def chart_words(self, threshold: Any = None) -> str:
        """The chart footnote words, the threshold filled in (default: the parameter's)."""
        return self.chart.format(threshold=self._threshold(threshold))

    def label_words(self, threshold: Any = None) -> str:
        """The words drawn in place of a hidden value, the threshold filled in."""
        return self.label.format(threshold=self._threshold(threshold))


@dataclass(frozen=True)
class LinkEnd:
    """One end of a link: ``dimension``/``group`` None mean the whole's own, row by row."""

    indicator: str
    column: str
    dimension: str | None = None
    group: str | None = None

    def as_tuple(self) -> tuple[str, str, str | None, str | None]:
        return (self.indicator, self.column, self.dimension, self.group)


@dataclass(frozen=True)
class LinkSpec:
    """A relation ``whole = sum(parts)`` between cells of different indicators."""

    whole: LinkEnd
    parts: tuple[LinkEnd, ...]
    description: str
    prefer_whole: bool = True
    exact_when: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class PathwayStage:
    """A stage of the pathway figure: the count of one column of one indicator's total."""

    label: str
    indicator: str
    column: str
    source: str


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of the Manual, as declared in ``definitions.toml``.

    Attributes
    ----------
    id : str
        ``JJ01`` ... ``JJ15`` (``JJ12a``, ``JJ12b``, ``JJ13a``, ``JJ13b``).
    kind : str
        ``rate``, ``percentage``, ``duration`` or ``policy`` (from the unit): selects the
        compute function.
    frame : str
        ``period`` (P), ``census`` (the census day C) or ``none``.
    unit : str
        The exact unit string of ``indicators.csv``.
    multiplier : int
        From the unit: 100,000 or 1,000 for rates, 100 for percentages, 1 otherwise.
    disaggregations : tuple of str
        Dimension codes reported besides ``total``.
    cohort : str
        Key of the builder of the records behind the numerator and denominator.
    status : str or None
        Legal status selected by the cohort (``pre_sentence`` or ``sentenced``).
    numerator_codes, denominator_codes : tuple of str
        Decision codes counted in the numerator and the denominator.
    figures : tuple of str
        Roles in the standard figures (:data:`ROLES`).
    bands : tuple of (low, high)
        Duration bands in days; ``high`` is None for an open band.
    """

    id: str
    name: str
    definition: str
    core: bool
    kind: str
    frame: str
    unit: str
    multiplier: int
    disaggregations: tuple[str, ...]
    age_reference_day: str
    numerator: str
    denominator: str
    manual: str
    tables: tuple[str, ...]
    cohort: str
    denominator_source: str
    count_unit_applies: bool
    figures: tuple[str, ...] = ()
    chart_note: str = ""
    policy_key: str | None = None
    status: str | None = None
    numerator_codes: tuple[str, ...] = ()
    denominator_codes: tuple[str, ...] = ()
    window_months: int | None = None
    bands: tuple[tuple[int, int | None], ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in KINDS:
            problems.append(f"kind {self.kind!r} not in {KINDS}")
        if self.frame not in FRAMES:
            problems.append(f"frame {self.frame!r} not in {FRAMES}")
        unit = _UNITS_SEEN.get(self.unit)
        if unit is None:
            problems.append(f"unit {self.unit!r} is not a declared [[unit]]")
        elif (unit.kind, unit.multiplier) != (self.kind, self.multiplier):
            problems.append(f"kind and multiplier must be those of the unit {unit.name!r}")
        bad_dims = [d for d in self.disaggregations if d not in DIMENSIONS or d == "total"]
        if bad_dims:
            problems.append(f"unknown disaggregations {bad_dims}")
        if self.age_reference_day not in AGE_REFERENCE_DAYS:
            problems.append(f"age_reference_day {self.age_reference_day!r} unknown")
        bad_tables = [t for t in self.tables if t not in TABLES]
        if bad_tables:
            problems.append(f"unknown tables {bad_tables}")
        if self.denominator_source not in DENOMINATOR_SOURCES:
            problems.append(f"denominator_source {self.denominator_source!r} unknown")
        if self.kind == "policy" and not self.policy_key:
            problems.append("a policy indicator needs policy_key")
        if self.kind != "policy" and not self.cohort:
            problems.append("a quantitative indicator needs a cohort")
        if self.status not in (None, "pre_sentence", "sentenced"):
            problems.append(f"status {self.status!r} unknown")
        if not set(self.numerator_codes) <= set(self.denominator_codes):
            problems.append("numerator_codes must be a subset of denominator_codes")
        if self.kind == "duration" and not self.bands:
            problems.append("a duration indicator needs bands")
        bad_roles = [r for r in self.figures if r not in ROLES]
        if bad_roles:
            problems.append(f"unknown figure roles {bad_roles}; known: {', '.join(ROLES)}")
        if problems:
            raise ValueError(f"definition of {self.id}: " + "; ".join(problems))


@dataclass(frozen=True)
class Declaration:
    """Everything ``definitions.toml`` declares."""

    units: tuple[UnitSpec, ...]
    flags: tuple[FlagSpec, ...]
    links: tuple[LinkSpec, ...]
    pathway: tuple[PathwayStage, ...]
    indicators: tuple[IndicatorSpec, ...]


# --------------------------------------------------------------------------- loading


def _unit(entry: dict) -> UnitSpec:
    unit = UnitSpec(
        entry["name"],
        entry["kind"],
        int(entry["multiplier"]),
        entry["sdmx_code"],
        entry["sdmx_name"],
    )
    if unit.kind not in KINDS:
        raise ValueError(f"unit {unit.name!r}: kind {unit.kind!r} not in {KINDS}")
    return unit


def _flag(entry: dict) -> FlagSpec:
    flag = FlagSpec(
        entry["code"],
        entry["note"],
        entry["set_by"],
        entry.get("chart", ""),
        bool(entry.get("hollow", False)),
        entry.get("parameter"),
        entry.get("label", ""),
    )
    if flag.set_by not in FLAG_SOURCES:
        raise ValueError(f"flag {flag.code!r}: set_by {flag.set_by!r} not in {FLAG_SOURCES}")
    return flag


def _end(entry: dict) -> LinkEnd:
    end = LinkEnd(entry["indicator"], entry["column"], entry.get("dimension"), entry.get("group"))
    if end.column not in COUNT_COLUMNS:
        raise ValueError(f"link end {entry}: column must be one of {COUNT_COLUMNS}")
    return end


def _link(entry: dict) -> LinkSpec:
    return LinkSpec(
        _end(entry["whole"]),
        tuple(_end(p) for p in entry["parts"]),
        entry["description"],
        bool(entry.get("prefer_whole", True)),
        tuple(sorted((entry.get("exact_when") or {}).items())),
    )


def _indicator(entry: dict, units: dict[str, UnitSpec]) -> IndicatorSpec:
    unit = units.get(entry["unit"])
    if unit is None:
        raise ValueError(
            f"definition of {entry['id']}: unit {entry['unit']!r} is not a "
            f"declared [[unit]] ({', '.join(units)})"
        )
    bands = tuple(
        (int(low), None if int(high) < 0 else int(high)) for low, high in entry.get("bands", [])
    )
    return IndicatorSpec(
        id=entry["id"],
        name=entry["name"],
        definition=entry["definition"],
        core=bool(entry["core"]),
        kind=unit.kind,
        frame=entry["frame"],
        unit=unit.name,
        multiplier=unit.multiplier,
        disaggregations=tuple(entry.get("disaggregations", ())),
        age_reference_day=entry.get("age_reference_day", ""),
        numerator=entry.get("numerator", ""),
        denominator=entry.get("denominator", ""),
        manual=entry.get("manual", ""),
        tables=tuple(entry.get("tables", ())),
        cohort=entry.get("cohort", ""),
        denominator_source=entry.get("denominator_source", "none"),
        count_unit_applies=bool(entry.get("count_unit_applies", False)),
        figures=tuple(entry.get("figures", ())),
        chart_note=entry.get("chart_note", ""),
        policy_key=entry.get("policy_key"),
        status=entry.get("status"),
        numerator_codes=tuple(entry.get("numerator_codes", ())),
        denominator_codes=tuple(entry.get("denominator_codes", ())),
        window_months=entry.get("window_months"),
        bands=bands,
    )


_DEFAULT = "definitions.toml"
_current: list[Path | None] = [None]


@lru_cache(maxsize=4)
def _load(path: Path | None) -> Declaration:
    if path is None:
        text = resources.files(__package__).joinpath(_DEFAULT).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    units = {u.name: u for u in map(_unit, data.get("unit", []))}
    _UNITS_SEEN.update(units)
    indicators = tuple(_indicator(e, units) for e in data["indicator"])
    ids = [s.id for s in indicators]
    if len(set(ids)) != len(ids):
        raise ValueError("definitions.toml repeats an indicator id")
    links = tuple(map(_link, data.get("link", [])))
    stages = tuple(PathwayStage(**e) for e in data.get("pathway_stage", []))
    for end in [e for link in links for e in (link.whole, *link.parts)] + list(stages):
        if end.indicator not in ids:
            raise ValueError(f"definitions.toml: {end} names an unknown indicator")
    return Declaration(
        tuple(units.values()), tuple(map(_flag, data.get("flag", []))), links, stages, indicators
    )


def declaration() -> Declaration:
    """The declaration in use (the package's ``definitions.toml`` unless swapped)."""
    return _load(_current[0])


@contextlib.contextmanager
def definitions_file(path: str | Path) -> Iterator[Declaration]:
    """Use another definitions file for the duration of the ``with`` block (tests, trials).

    The file has the layout of the package's ``definitions.toml``; everything that reads the
    registry (compute, outputs, disclosure, charts, reports) follows it.
    """
    previous = _current[0]
    _current[0] = Path(path)
    try:
        yield declaration()
    finally:
        _current[0] = previous


def load_definitions() -> tuple[IndicatorSpec, ...]:
    """All indicator specs, in the order of ``definitions.toml`` (JJ01 ... JJ15).

    Raises
    ------
    ValueError
        When an entry is malformed or an id is repeated.
    """
    return declaration().indicators


def get_spec(indicator_id: str) -> IndicatorSpec:
    """The spec of one indicator, e.g. ``get_spec("JJ03")``.

    Raises
    ------
    KeyError
        When the id is not one of the declared indicator ids.
    """
    for spec in load_definitions():
        if spec.id == indicator_id:
            return spec
    known = ", ".join(s.id for s in load_definitions())
    raise KeyError(f"unknown indicator {indicator_id!r}; known: {known}")


def unit_spec(name: str) -> UnitSpec:
    """The declared unit of that name (e.g. ``"percent"``).

    Raises
    ------
    KeyError
        When no unit of that name is declared.
    """
    for unit in declaration().units:
        if unit.name == name:
            return unit
    known = ", ".join(u.name for u in declaration().units)
    raise KeyError(f"unknown unit {name!r}; known: {known}")


def flag_spec(code: str) -> FlagSpec | None:
    """The declared flag of that code, or None."""
    for flag in declaration().flags:
        if flag.code == code:
            return flag
    return None


def with_role(role: str) -> tuple[IndicatorSpec, ...]:
    """The indicators with a role in a standard figure, in the order of the declaration.

    The policy matrix lists the policy answers first, then the facility percentages.
    """
    if role not in ROLES:
        raise KeyError(f"unknown figure role {role!r}; known: {', '.join(ROLES)}")
    specs = tuple(s for s in load_definitions() if role in s.figures)
    if role == "policy_matrix":
        specs = tuple(sorted(specs, key=lambda s: s.kind != "policy"))
    return specs


_HOLLOW: dict[int, dict[str, str]] = {}


def hollow_flags() -> dict[str, str]:
    """Flags drawn hollow in charts -> their footnote words, in the order of the declaration."""
    decl = declaration()
    if id(decl) not in _HOLLOW:
        _HOLLOW[id(decl)] = {f.code: f.chart_words() for f in decl.flags if f.hollow}
    return _HOLLOW[id(decl)]


def policy_keys() -> dict[str, str]:
    """dataset.toml ``[policy]`` key -> indicator id, e.g. ``complaints_system -> JJ13a``."""
    return {s.policy_key: s.id for s in load_definitions() if s.policy_key}
