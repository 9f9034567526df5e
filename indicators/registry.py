"""The indicator definitions (``definitions.toml``) as frozen :class:`IndicatorSpec` objects.

A new indicator is an entry in ``definitions.toml``; the engine reads everything it needs to
know about an indicator (kind, unit, multiplier, disaggregations, cohort) from its spec.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .codes import TABLES

__all__ = [
    "DIMENSIONS",
    "FRAMES",
    "KINDS",
    "UNITS",
    "IndicatorSpec",
    "get_spec",
    "load_definitions",
]

KINDS = ("rate", "percentage", "duration", "policy")
FRAMES = ("period", "census", "none")
UNITS = (
    "per 100,000 children",
    "per 1,000 children detained",
    "percent",
    "days",
    "yes/no",
)
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


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of the Manual, as declared in ``definitions.toml``.

    Attributes
    ----------
    id : str
        ``JJ01`` ... ``JJ15`` (``JJ12a``, ``JJ12b``, ``JJ13a``, ``JJ13b``).
    kind : str
        ``rate``, ``percentage``, ``duration`` or ``policy``: selects the compute function.
    frame : str
        ``period`` (P), ``census`` (the census day C) or ``none``.
    unit : str
        The exact unit string of ``indicators.csv``.
    multiplier : int
        100,000 or 1,000 for rates, 100 for percentages, 1 otherwise.
    disaggregations : tuple of str
        Dimension codes reported besides ``total``.
    cohort : str
        Key of the builder of the records behind the numerator and denominator.
    status : str or None
        Legal status selected by the cohort (``pre_sentence`` or ``sentenced``).
    numerator_codes, denominator_codes : tuple of str
        Decision codes counted in the numerator and the denominator.
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
        if self.unit not in UNITS:
            problems.append(f"unit {self.unit!r} not in {UNITS}")
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
        if problems:
            raise ValueError(f"definition of {self.id}: " + "; ".join(problems))


def _spec_from_entry(entry: dict) -> IndicatorSpec:
    bands = tuple(
        (int(low), None if int(high) < 0 else int(high)) for low, high in entry.get("bands", [])
    )
    return IndicatorSpec(
        id=entry["id"],
        name=entry["name"],
        definition=entry["definition"],
        core=bool(entry["core"]),
        kind=entry["kind"],
        frame=entry["frame"],
        unit=entry["unit"],
        multiplier=int(entry["multiplier"]),
        disaggregations=tuple(entry.get("disaggregations", ())),
        age_reference_day=entry.get("age_reference_day", ""),
        numerator=entry.get("numerator", ""),
        denominator=entry.get("denominator", ""),
        manual=entry.get("manual", ""),
        tables=tuple(entry.get("tables", ())),
        cohort=entry.get("cohort", ""),
        denominator_source=entry.get("denominator_source", "none"),
        count_unit_applies=bool(entry.get("count_unit_applies", False)),
        policy_key=entry.get("policy_key"),
        status=entry.get("status"),
        numerator_codes=tuple(entry.get("numerator_codes", ())),
        denominator_codes=tuple(entry.get("denominator_codes", ())),
        window_months=entry.get("window_months"),
        bands=bands,
    )


@lru_cache(maxsize=1)
def load_definitions() -> tuple[IndicatorSpec, ...]:
    """All indicator specs, in the order of ``definitions.toml`` (JJ01 ... JJ15).

    Returns
    -------
    tuple of IndicatorSpec
        Loaded once and cached.

    Raises
    ------
    ValueError
        When an entry is malformed or an id is repeated.
    """
    text = resources.files(__package__).joinpath("definitions.toml").read_text(encoding="utf-8")
    entries = tomllib.loads(text)["indicator"]
    specs = tuple(_spec_from_entry(e) for e in entries)
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError("definitions.toml repeats an indicator id")
    return specs


def get_spec(indicator_id: str) -> IndicatorSpec:
    """The spec of one indicator, e.g. ``get_spec("JJ03")``.

    Raises
    ------
    KeyError
        When the id is not one of the 17 indicator ids.
    """
    for spec in load_definitions():
        if spec.id == indicator_id:
            return spec
    known = ", ".join(s.id for s in load_definitions())
    raise KeyError(f"unknown indicator {indicator_id!r}; known: {known}")
