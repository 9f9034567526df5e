"""The indicator engine: every indicator of ``definitions.toml`` from a dataset's records.

Two declarative steps per indicator, no per-indicator branching:

1. a **cohort builder** (``COHORT_BUILDERS[spec.cohort]``) selects the records behind the
   numerator and the denominator, with each record's groups (sex, age group on the age
   reference day, offence, facility type, legal status, area) and, for every table it reads,
   the reason each record was used or left out;
2. a **kind function** (``KIND_FUNCTIONS[spec.kind]``: rate, percentage, duration, policy)
   counts the cohort in every group of every disaggregation and attaches the interval and the
   flags.

Flags written in the ``flags`` column (joined by ``;``):

``not_available``
    a table the indicator needs is missing, or a policy answer was not given;
``small_numerator``
    a rate whose numerator is under ``small_numerator_threshold`` (default 5);
``small_denominator``
    a percentage whose denominator is under ``small_denominator_threshold`` (default 20);
``no_population``
    a population-based rate without a population for the group (sex ``U``, age ``unknown``,
    an area missing from the population table, or no population for the year of C).

Groups: ``F``, ``M`` and the three known age groups are always reported; ``U``, ``unknown``
and the offence, facility type, legal status and area groups when a record falls in them (for a
percentage a denominator record; for JJ06 a death or detention days). A record whose offence,
facility type or area is not known counts in the total and its other groups, not in that
dimension. ``area`` is reported where the records carry one and, for population-based rates,
the population too (every area of the population is then listed).

Reconciliation (``reconciliation.csv``): for every indicator and every table it counts from,
each record read is ``used`` or left out with exactly one reason (the first that applies, in
the order the indicator's cohort builder checks them). Reasons:
``missing_date``, ``outside_period`` (date not in P), ``not_in_detention_on_census_day``,
``another_episode_of_child_counted`` (a child counted once on C), ``not_pre_sentence_on_census_day``
(JJ03), ``no_pre_sentence_period`` / ``no_sentenced_period`` and ``period_not_ended_in_period``
(JJ04/JJ05), ``spell_not_ended_by_release_in_period`` (JJ11), ``not_a_relevant_decision``
(JJ09/JJ10), ``aged_18_or_over`` (on the indicator's age reference day), ``unknown_value``
(separation, aftercare or complaints mechanism not known), ``no_day_in_detention_in_period``
(JJ06: same-day stays), ``outside_window`` / ``child_not_in_denominator`` (family visits),
``not_independent`` / ``outside_window`` / ``facility_not_in_denominator`` (inspections),
``held_no_child_in_period`` / ``duplicate_record`` (facilities), ``other_year`` /
``aged_18_or_over`` / ``missing_value`` (population rows, listed under JJ01-JJ03). Spell-based
indicators (JJ04, JJ05, JJ11) give every episode of a spell the spell's outcome. A missing
table is one row ``table_not_given`` with 0 records.

References
----------
UNICEF/UNODC, *Manual for the Measurement of Juvenile Justice Indicators*, 2006; the project's
``indicators.md`` (definitions, defaults and the output contract).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import stats
from .codes import (
    AGE_GROUPS,
    FACILITY_TYPE,
    LEGAL_STATUS,
    OFFENCE_CATEGORY,
    SEX,
    UNKNOWN_AGE_GROUP,
)
from .dates import (
    ADULT_AGE_GROUP,
    age_group_codes,
    age_on,
    day_numbers,
    months_before,
)
from .events import Events, get_events
from .parameters import Parameters
from .registry import (
    DIMENSIONS,
    DURATION_COLUMNS,
    EXTRA_COLUMNS,
    KINDS,
    RECONCILIATION_COLUMNS,
    RESULT_COLUMNS,
    IndicatorSpec,
    declaration,
    get_spec,
    load_definitions,
)

__all__ = [
    "COHORT_BUILDERS",
    "DURATION_COLUMNS",
    "EXTRA_COLUMNS",
    "FLAGS",
    "KIND_FUNCTIONS",
    "RECONCILIATION_COLUMNS",
    "RESULT_COLUMNS",
    "Cohort",
    "DurationsSchema",
    "Explanation",
    "IndicatorResults",
    "ReconciliationSchema",
    "ResultSchema",
    "combine_results",
    "compute_indicators",
    "explain",
    "resolve_parameters",
]

FLOAT_COLUMNS = ("value", "denominator", "ci_lower", "ci_upper")
FLAGS = tuple(f.code for f in declaration().flags if f.set_by == "engine")
GROUP_CODES = {
    "sex": SEX,
    "age_group": (*AGE_GROUPS, UNKNOWN_AGE_GROUP),
    "offence": OFFENCE_CATEGORY,
    "facility_type": FACILITY_TYPE,
    "legal_status": LEGAL_STATUS,
}
ALWAYS_GROUPS = {"sex": ("F", "M"), "age_group": AGE_GROUPS}
POPULATION_DIMENSIONS = ("sex", "age_group", "area")
"""Groups of these dimensions take their own population; other groups the whole one."""


# --------------------------------------------------------------------------- parameters


def resolve_parameters(ds, parameters: Parameters | None = None, **overrides: Any) -> Parameters:
    """The parameters of a run on one dataset: defaults < dataset.toml < ``parameters`` and
    ``overrides``, the census day resolved and checked.

    Parameters
    ----------
    ds : Dataset
    parameters : Parameters, optional
        Built once for the run (e.g. from the command line).
    **overrides
        Keyword values (``count_unit="child"``...); None means "not given".

    Returns
    -------
    Parameters

    Raises
    ------
    ParameterError
        An unknown name, a value not allowed, or a census day outside P.
    """
    return (parameters or Parameters()).replace(**overrides).for_dataset(ds)


# --------------------------------------------------------------------------- cohorts


@dataclass
class Cohort:
    """The records behind one indicator.

    Attributes
    ----------
    records : DataFrame
        One row per counted unit (arrest, child on C, period, decision, spell, facility...)
        with ``row`` (index in ``table``), ``child_id`` and the group columns; percentages add
        booleans ``numerator`` and ``denominator``, durations ``days``.
    table : str
        The table ``records`` come from (``row`` indexes it).
    reasons : dict of str to ndarray
        For each table read: per record, ``used`` or the reason it was left out.
    denominator_records : DataFrame, optional
        For a rate whose denominator comes from the cohort (JJ06): rows with ``child_id``,
        groups and ``weight`` (detention days, or 1).
    denominator_stat : str
        How ``denominator_records`` give a denominator: ``days_per_day`` (sum of weights over
        the days in P), ``count`` (rows) or ``children`` (distinct child_id).
    km : DataFrame, optional
        Durations: every period in progress on some day of P with ``km_days`` and ``observed``.
    """

    records: pd.DataFrame
    table: str
    reasons: dict[str, np.ndarray] = field(default_factory=dict)
    denominator_records: pd.DataFrame | None = None
    denominator_stat: str = "count"
    km: pd.DataFrame | None = None


def _reasons(n: int, conditions: list[tuple[np.ndarray, str]]) -> pd.Categorical:
    """First matching reason per record (in the order given), else ``used``."""
    labels = ["used"]
    for _, reason in conditions:
        if reason not in labels:
            labels.append(reason)
    if not conditions:
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=labels)
    codes = np.select(
        [np.asarray(c, dtype=bool) for c, _ in conditions],
        [labels.index(r) for _, r in conditions],
        0,
    )
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=labels)


def _mask_by_row(n: int, rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A per-record mask of a table from a mask over some of its rows."""
    out = np.zeros(n, dtype=bool)
    out[rows] = mask
    return out


def _by_row(n: int, rows: np.ndarray, values: pd.Categorical, default: str) -> pd.Categorical:
    """Per-record reasons of a table from reasons over some of its rows (others: default)."""
    values = pd.Categorical(values)
    labels = list(values.categories)
    if default not in labels:
        labels.append(default)
    codes = np.full(n, labels.index(default), dtype=np.int8)
    codes[rows] = values.codes
    return pd.Categorical.from_codes(codes, categories=labels)


def _window_start(ev: Events, spec: IndicatorSpec) -> float:
    return day_numbers(months_before(ev.census_date, int(spec.window_months)))


def _cohort_arrests(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    arr = ev.ds.tables["arrests"]
    code, sex, dob = ev.child_lookup(arr["child_id"])
    day = day_numbers(arr["arrest_date"])
    age = age_on(dob, day)
    # age_years is used only where date_of_birth is missing.
    stated = arr["age_years"].to_numpy(dtype=float, na_value=np.nan)
    age = np.where(np.isnan(dob), stated, age)
    groups = age_group_codes(age)
    in_p = (day >= ev.ps) & (day <= ev.pe)
    reasons = _reasons(
        len(arr),
        [
            (np.isnan(day), "missing_date"),
            (~in_p, "outside_period"),
            (np.asarray(groups == ADULT_AGE_GROUP), "aged_18_or_over"),
        ],
    )
    used = reasons == "used"
    area = (
        arr["area"].array[used]
        if "area" in arr.columns
        else pd.array(np.full(int(used.sum()), None, dtype=object), dtype="string")
    )
    records = pd.DataFrame(
        {
            "row": np.flatnonzero(used),
            "child": code[used],
            "arrest_id": arr["arrest_id"].array[used],
            "child_id": arr["child_id"].array[used],
            "arrest_date": arr["arrest_date"].to_numpy()[used],
            "sex": sex[used],
            "age": age[used],
            "age_group": groups[used],
            "offence": arr["offence_category"].array[used],
            "area": area,
        }
    )
    return Cohort(records, "arrests", {"arrests": reasons})


def _census_reasons(ev: Events, extra: list[tuple[np.ndarray, str]] | None = None):
    """Children in detention on C under 18 (or of unknown age), and the episode reasons.

    Returns the census-day episodes, their reasons, and the reasons of every episode of the
    detentions table (``not_in_detention_on_census_day`` for the others).
    """
    oc = ev.on_census
    n = len(ev.ds.tables["detentions"])
    conditions = [
        (oc["duplicate"].to_numpy(), "another_episode_of_child_counted"),
        (np.asarray(oc["age_group"] == ADULT_AGE_GROUP), "aged_18_or_over"),
        *(extra or []),
    ]
    oc_reasons = _reasons(len(oc), conditions)
    reasons = _by_row(n, oc["row"].to_numpy(), oc_reasons, "not_in_detention_on_census_day")
    return oc, oc_reasons, reasons


def _census_records(oc: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    sel = oc[keep]
    return pd.DataFrame(
        {
            "row": sel["row"].to_numpy(),
            "child": sel["child"].to_numpy(),
            "episode_id": sel["episode_id"].array,
            "child_id": sel["child_id"].array,
            "facility_id": sel["facility_id"].array,
            "sex": sel["sex"].array,
            "age": sel["age"].to_numpy(),
            "age_group": sel["age_group"].array,
            "facility_type": sel["facility_type"].array,
            "legal_status": sel["legal_status"].array,
            "area": sel["area"].array,
            "separated": sel["separated"].array,
        }
    )


def _cohort_census_children(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    extra = []
    if spec.status:
        oc = ev.on_census
        extra = [
            (np.asarray(oc["legal_status"] != spec.status), f"not_{spec.status}_on_census_day")
        ]
    oc, oc_reasons, reasons = _census_reasons(ev, extra)
    return Cohort(_census_records(oc, oc_reasons == "used"), "detentions", {"detentions": reasons})


def _cohort_separation(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    oc = ev.on_census
    known = oc["separated"].notna().to_numpy()
    oc, oc_reasons, reasons = _census_reasons(ev, [(~known, "unknown_value")])
    rec = _census_records(oc, oc_reasons == "used")
    rec["denominator"] = True
    rec["numerator"] = ~rec["separated"].astype(bool).to_numpy()
    return Cohort(rec, "detentions", {"detentions": reasons})


def _cohort_family_contact(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    oc, oc_reasons, reasons = _census_reasons(ev)
    rec = _census_records(oc, oc_reasons == "used")
    visits = ev.ds.tables["family_visits"]
    vday = day_numbers(visits["visit_date"])
    start = _window_start(ev, spec)
    in_window = (vday > start) & (vday <= ev.c)
    vchild, _, _ = ev.child_lookup(visits["child_id"])
    counted = np.isin(vchild, rec["child"].to_numpy())
    rec["denominator"] = True
    rec["numerator"] = np.isin(rec["child"].to_numpy(), vchild[in_window])
    visit_reasons = _reasons(
        len(visits),
        [
            (np.isnan(vday), "missing_date"),
            (~in_window, "outside_window"),
            (~counted, "child_not_in_denominator"),
        ],
    )
    return Cohort(rec, "detentions", {"detentions": reasons, "family_visits": visit_reasons})


def _spell_reasons_to_episodes(ev: Events, spell_reasons: np.ndarray) -> np.ndarray:
    """Episode reasons from per-spell reasons (spells in :attr:`Events.spells` order)."""
    ep = ev.episodes
    n = len(ev.ds.tables["detentions"])
    per_episode = spell_reasons[ep["spell"].to_numpy()]
    return _by_row(n, ep["row"].to_numpy(), per_episode, "used")


def _cohort_periods(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    periods = ev.pre_sentence_periods if spec.status == "pre_sentence" else ev.sentenced_periods
    adult = np.asarray(periods["age_group"] == ADULT_AGE_GROUP)
    exists = periods["exists"].to_numpy()
    spell_reasons = _reasons(
        len(periods),
        [
            (~exists, f"no_{spec.status}_period"),
            (~periods["ended_in_p"].to_numpy(), "period_not_ended_in_period"),
            (adult, "aged_18_or_over"),
        ],
    )
    used = spell_reasons == "used"
    sp = ev.spells
    rec = pd.DataFrame(
        {
            "row": sp["row"].to_numpy()[used],
            "spell": periods["spell"].to_numpy()[used],
            "child": periods["child"].to_numpy()[used],
            "child_id": periods["child_id"].array[used],
            "sex": periods["sex"].array[used],
            "age": periods["age"].to_numpy()[used],
            "age_group": periods["age_group"].array[used],
            "start": _dates(periods["start"].to_numpy()[used]),
            "end": _dates(periods["end"].to_numpy()[used]),
            "days": periods["days"].to_numpy()[used],
        }
    )
    km_sel = exists & periods["in_progress_in_p"].to_numpy() & ~adult
    km = pd.DataFrame(
        {
            "row": sp["row"].to_numpy()[km_sel],
            "child": periods["child"].to_numpy()[km_sel],
            "child_id": periods["child_id"].array[km_sel],
            "sex": periods["sex"].array[km_sel],
            "age_group": periods["age_group"].array[km_sel],
            "km_days": periods["km_days"].to_numpy()[km_sel],
            "observed": periods["ended_in_p"].to_numpy()[km_sel],
        }
    )
    return Cohort(
        rec, "detentions", {"detentions": _spell_reasons_to_episodes(ev, spell_reasons)}, km=km
    )


def _dates(days: np.ndarray) -> np.ndarray:
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(days)
    out[ok] = days[ok].astype(np.int64).astype("datetime64[D]")
    return out.astype("datetime64[ns]")


def _cohort_deaths(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    ep = ev.episodes
    n = len(ev.ds.tables["detentions"])
    rel = ep["rel"].to_numpy()
    death = np.asarray(ep["end_reason"] == "death") & (rel >= ev.ps) & (rel <= ev.pe)
    age = age_on(ep["dob_days"].to_numpy(), rel)
    groups = age_group_codes(age)
    adult = np.asarray(groups == ADULT_AGE_GROUP)
    counted = death & ~adult
    rec = pd.DataFrame(
        {
            "row": ep["row"].to_numpy()[counted],
            "episode_id": ep["episode_id"].array[counted],
            "child": ep["child"].to_numpy()[counted],
            "child_id": ep["child_id"].array[counted],
            "date_of_death": _dates(rel[counted]),
            "sex": ep["sex"].array[counted],
            "age": age[counted],
            "age_group": groups[counted],
        }
    )
    option = params.deaths_denominator
    if option == "census":
        oc, oc_reasons, _ = _census_reasons(ev)
        keep = oc_reasons == "used"
        den = pd.DataFrame(
            {
                "row": oc["row"].to_numpy()[keep],
                "child": oc["child"].to_numpy()[keep],
                "child_id": oc["child_id"].array[keep],
                "sex": oc["sex"].array[keep],
                "age_group": oc["age_group"].array[keep],
                "weight": 1.0,
            }
        )
        contributes = _mask_by_row(n, den["row"].to_numpy(), True)
        stat = "count"
        on_c = _mask_by_row(n, oc["row"].to_numpy(), True)
        in_scope = on_c
        scope_reason = "not_in_detention_on_census_day"
    else:
        pdays = ev.person_days
        cols = [f"days_{g}" for g in (*AGE_GROUPS, UNKNOWN_AGE_GROUP)]
        long = []
        for g, col in zip((*AGE_GROUPS, UNKNOWN_AGE_GROUP), cols, strict=True):
            w = pdays[col].to_numpy()
            keep = w > 0
            long.append(
                pd.DataFrame(
                    {
                        "row": pdays["row"].to_numpy()[keep],
                        "child": pdays["child"].to_numpy()[keep],
                        "child_id": pdays["child_id"].array[keep],
                        "sex": pdays["sex"].array[keep],
                        "age_group": pd.Categorical(
                            np.full(int(keep.sum()), g), categories=list(GROUP_CODES["age_group"])
                        ),
                        "weight": w[keep],
                    }
                )
            )
        den = pd.concat(long, ignore_index=True)
        child_days = pdays[cols].to_numpy().sum(axis=1)
        contributes = _mask_by_row(n, pdays["row"].to_numpy(), child_days > 0)
        stat = "days_per_day" if option == "average_daily_population" else "children"
        in_scope = _mask_by_row(n, pdays["row"].to_numpy(), pdays["days_in_p"].to_numpy() > 0)
        scope_reason = "no_day_in_detention_in_period"
    contributes = contributes.astype(bool)
    in_scope = in_scope.astype(bool)
    death_row = _mask_by_row(n, ep["row"].to_numpy(), death)
    counted_row = _mask_by_row(n, ep["row"].to_numpy(), counted)
    reasons = _reasons(
        n,
        [
            (counted_row | contributes, "used"),
            (death_row | in_scope, "aged_18_or_over"),
            (np.ones(n, dtype=bool), scope_reason),
        ],
    )
    return Cohort(
        rec, "detentions", {"detentions": reasons}, denominator_records=den, denominator_stat=stat
    )


def _decision_ages(dis: pd.DataFrame, dob: np.ndarray):
    """Decision day, and age and age group on the offence date, else the decision date."""
    decided = day_numbers(dis["decision_date"])
    offence_day = day_numbers(dis["offence_date"])
    age = age_on(dob, np.where(np.isnan(offence_day), decided, offence_day))
    return decided, age, age_group_codes(age)


def _cohort_decisions(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    dis = ev.ds.tables["dispositions"]
    code, sex, dob = ev.child_lookup(dis["child_id"])
    decided, age, groups = ev.memo("decision_ages", lambda: _decision_ages(dis, dob))
    decision = dis["decision"].array
    relevant = np.asarray(decision.isin(list(spec.denominator_codes)), dtype=bool)
    in_p = (decided >= ev.ps) & (decided <= ev.pe)
    reasons = _reasons(
        len(dis),
        [
            (np.isnan(decided), "missing_date"),
            (~in_p, "outside_period"),
            (~relevant, "not_a_relevant_decision"),
            (np.asarray(groups == ADULT_AGE_GROUP), "aged_18_or_over"),
        ],
    )
    used = reasons == "used"
    rec = pd.DataFrame(
        {
            "row": np.flatnonzero(used),
            "child": code[used],
            "disposition_id": dis["disposition_id"].array[used],
            "child_id": dis["child_id"].array[used],
            "decision_date": dis["decision_date"].to_numpy()[used],
            "offence_date": dis["offence_date"].to_numpy()[used],
            "decision": decision[used],
            "sex": sex[used],
            "age": age[used],
            "age_group": groups[used],
            "offence": dis["offence_category"].array[used],
        }
    )
    rec["denominator"] = True
    rec["numerator"] = rec["decision"].isin(list(spec.numerator_codes)).to_numpy(dtype=bool)
    return Cohort(rec, "dispositions", {"dispositions": reasons})


def _cohort_aftercare(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    sp = ev.spells
    end = sp["spell_end"].to_numpy()
    released = np.asarray(sp["spell_end_reason"] == "release") & (end >= ev.ps) & (end <= ev.pe)
    aftercare = sp["aftercare"]
    spell_reasons = _reasons(
        len(sp),
        [
            (~released, "spell_not_ended_by_release_in_period"),
            (np.asarray(sp["age_group_adm"] == ADULT_AGE_GROUP), "aged_18_or_over"),
            (aftercare.isna().to_numpy(), "unknown_value"),
        ],
    )
    used = spell_reasons == "used"
    rec = pd.DataFrame(
        {
            "row": sp["row"].to_numpy()[used],
            "episode_id": sp["episode_id"].array[used],
            "child": sp["child"].to_numpy()[used],
            "child_id": sp["child_id"].array[used],
            "spell_admission": _dates(sp["spell_adm"].to_numpy()[used]),
            "release_date": _dates(end[used]),
            "sex": sp["sex"].array[used],
            "age": sp["age_adm"].to_numpy()[used],
            "age_group": sp["age_group_adm"].array[used],
            "received_aftercare": aftercare.array[used],
        }
    )
    rec["denominator"] = True
    rec["numerator"] = rec["received_aftercare"].astype(bool).to_numpy()
    return Cohort(rec, "detentions", {"detentions": _spell_reasons_to_episodes(ev, spell_reasons)})


def _facility_frame(ev: Events) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    fac = ev.ds.tables["facilities"]
    held = fac["facility_id"].isin(ev.facilities_held).to_numpy(dtype=bool)
    dup = fac["facility_id"].duplicated().to_numpy()
    return fac, held & ~dup, dup


def _holding_episode_reasons(ev: Events) -> np.ndarray:
    """Reasons of every detentions row for JJ12b/JJ13b: an episode is used when it shows its
    facility held a child during P (the same rule as ``Events.facilities_held``)."""
    ep = ev.episodes
    adm, rel = ep["adm"].to_numpy(), ep["rel"].to_numpy()
    outside = ~((adm <= ev.pe) & (np.isnan(rel) | (rel >= ev.ps)))
    reasons = _reasons(len(ep), [(np.isnan(adm), "missing_date"), (outside, "outside_period")])
    return _by_row(len(ev.ds.tables["detentions"]), ep["row"].to_numpy(), reasons, "unknown_child")


def _cohort_inspected_facilities(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    fac, held, dup = _facility_frame(ev)
    ins = ev.ds.tables["inspections"]
    day = day_numbers(ins["inspection_date"])
    independent = ins["independent"].fillna(False).to_numpy(dtype=bool)
    in_window = (day > _window_start(ev, spec)) & (day <= ev.c)
    ins_fac = ins["facility_id"]
    inspected = ins_fac[independent & in_window]
    fac_reasons = _reasons(
        len(fac), [(dup, "duplicate_record"), (~held, "held_no_child_in_period")]
    )
    rec = pd.DataFrame(
        {
            "row": np.flatnonzero(held),
            "facility_id": fac["facility_id"].array[held],
            "facility_type": fac["facility_type"].array[held],
        }
    )
    rec["child_id"] = rec["facility_id"]
    rec["child"] = np.arange(len(rec))
    rec["denominator"] = True
    rec["numerator"] = rec["facility_id"].isin(inspected).to_numpy(dtype=bool)
    ins_reasons = _reasons(
        len(ins),
        [
            (np.isnan(day), "missing_date"),
            (~independent, "not_independent"),
            (~in_window, "outside_window"),
            (~ins_fac.isin(rec["facility_id"]).to_numpy(dtype=bool), "facility_not_in_denominator"),
        ],
    )
    reasons = {
        "facilities": fac_reasons,
        "inspections": ins_reasons,
        "detentions": _holding_episode_reasons(ev),
    }
    return Cohort(rec, "facilities", reasons)


def _cohort_complaints_facilities(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    fac, held, dup = _facility_frame(ev)
    known = fac["complaints_mechanism"].notna().to_numpy()
    fac_reasons = _reasons(
        len(fac),
        [
            (dup, "duplicate_record"),
            (~held, "held_no_child_in_period"),
            (~known, "unknown_value"),
        ],
    )
    used = fac_reasons == "used"
    rec = pd.DataFrame(
        {
            "row": np.flatnonzero(used),
            "facility_id": fac["facility_id"].array[used],
            "facility_type": fac["facility_type"].array[used],
            "complaints_mechanism": fac["complaints_mechanism"].array[used],
        }
    )
    rec["child_id"] = rec["facility_id"]
    rec["child"] = np.arange(len(rec))
    rec["denominator"] = True
    rec["numerator"] = rec["complaints_mechanism"].astype(bool).to_numpy()
    reasons = {"facilities": fac_reasons, "detentions": _holding_episode_reasons(ev)}
    return Cohort(rec, "facilities", reasons)


COHORT_BUILDERS: dict[str, Callable[[Events, IndicatorSpec, Parameters], Cohort]] = {
    "arrests": _cohort_arrests,
    "census_children": _cohort_census_children,
    "periods": _cohort_periods,
    "deaths": _cohort_deaths,
    "separation": _cohort_separation,
    "family_contact": _cohort_family_contact,
    "decisions": _cohort_decisions,
    "aftercare": _cohort_aftercare,
    "inspected_facilities": _cohort_inspected_facilities,
    "complaints_facilities": _cohort_complaints_facilities,
}
"""Which records make each indicator's numerator and denominator (keyed by ``spec.cohort``)."""


# --------------------------------------------------------------------------- counting


@dataclass
class _Context:
    ev: Events
    params: Parameters
    child_unit: bool

    @property
    def level(self) -> float:
        return self.params.confidence_level


def _dimensions(spec: IndicatorSpec, frames: Iterable[pd.DataFrame | None], ctx: _Context):
    """The dimensions an indicator reports: total, then its disaggregations that apply."""
    dims = ["total"]
    for dim in spec.disaggregations:
        if dim == "area":
            has_records = any(
                f is not None and "area" in f.columns and f["area"].notna().any() for f in frames
            )
            has_pop = (
                spec.denominator_source != "child_population"
                or ctx.ev.child_population["area"].notna().any()
            )
            if not (has_records and has_pop):
                continue
        dims.append(dim)
    return dims


def _count(frame: pd.DataFrame, dim: str, child_unit: bool, weight: str | None = None) -> pd.Series:
    """Count (rows, distinct children, or summed weights) per group of ``dim``."""
    if dim == "total":
        if weight:
            total = float(frame[weight].sum())
        elif child_unit:
            total = frame["child"].nunique()
        else:
            total = len(frame)
        return pd.Series({"all": total})
    if len(frame) == 0:
        return pd.Series(dtype=float)
    col = frame[dim].array
    if not isinstance(col, pd.Categorical):
        col = pd.Categorical(col)
    codes = np.asarray(col.codes, dtype=np.int64)
    k = len(col.categories)
    ok = codes >= 0
    if weight:
        counts = np.bincount(
            codes[ok], weights=frame[weight].to_numpy(dtype=float)[ok], minlength=k
        )
    elif child_unit:
        child = frame["child"].to_numpy(dtype=np.int64)[ok]
        pairs = np.unique(codes[ok] * (int(child.max(initial=0)) + 1) + child)
        counts = np.bincount(pairs // (int(child.max(initial=0)) + 1), minlength=k)
    else:
        counts = np.bincount(codes[ok], minlength=k)
    return pd.Series(counts, index=[str(c) for c in col.categories])


def _ordered_groups(dim: str, present: Iterable[str]) -> list[str]:
    if dim == "total":
        return ["all"]
    present = set(present) | set(ALWAYS_GROUPS.get(dim, ()))
    present.discard(ADULT_AGE_GROUP)
    codes = GROUP_CODES.get(dim)
    if codes is None:
        return sorted(present)
    return [c for c in codes if c in present]


def _population_denominator(ev: Events, dim: str) -> pd.Series:
    pop = ev.child_population
    total = float(pop["population"].sum())
    if dim == "total":
        return pd.Series({"all": total})
    if dim in POPULATION_DIMENSIONS:
        return _count(pop, dim, False, weight="population")
    return pd.Series(dtype=float)  # event-attribute groups: filled with the total below


def _frame(spec: IndicatorSpec, dim: str, groups: list[str], cols: dict[str, Any]) -> pd.DataFrame:
    n = len(groups)
    data = {"indicator": [spec.id] * n, "dimension": [dim] * n, "group": list(groups)}
    for k, v in cols.items():
        data[k] = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
    return pd.DataFrame(data)


def _compute_rate(spec: IndicatorSpec, cohort: Cohort, ctx: _Context) -> pd.DataFrame:
    child_unit = ctx.child_unit and spec.count_unit_applies
    rec = cohort.records
    den_rec = cohort.denominator_records
    parts = []
    for dim in _dimensions(spec, (rec, den_rec), ctx):
        num = _count(rec, dim, child_unit)
        if spec.denominator_source == "child_population":
            den = _population_denominator(ctx.ev, dim)
            present = num.index[num > 0]
            if dim == "area":  # every area of the population is reported
                present = present.union(den.index[den > 0])
            groups = _ordered_groups(dim, present)
            if dim in POPULATION_DIMENSIONS or dim == "total":
                d = den.reindex(groups).to_numpy(dtype=float)
            else:
                d = np.full(len(groups), _population_denominator(ctx.ev, "total")["all"])
            no_pop = np.isnan(d) | (d <= 0)
            d = np.where(np.isnan(d), np.nan, d)
        else:
            if cohort.denominator_stat == "days_per_day":
                den = _count(den_rec, dim, False, weight="weight") / ctx.ev.days_in_period
            else:
                den = _count(den_rec, dim, cohort.denominator_stat == "children")
            present = num.index[num > 0].union(den.index[den > 0])
            groups = _ordered_groups(dim, present)
            d = den.reindex(groups, fill_value=0).to_numpy(dtype=float)
            no_pop = np.zeros(len(groups), dtype=bool)
        n = num.reindex(groups, fill_value=0).to_numpy(dtype=float)
        value, lo, hi = stats.rate_ci(n, d, spec.multiplier, ctx.level)
        frame = _frame(
            spec,
            dim,
            groups,
            {
                "value": value,
                "numerator": n,
                "denominator": d,
                "ci_lower": lo,
                "ci_upper": hi,
            },
        )
        frame["_no_population"] = no_pop & (spec.denominator_source == "child_population")
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    # A population-based group without population gets no rate and an empty denominator.
    nopop = out.pop("_no_population").to_numpy(dtype=bool)
    out.loc[nopop, ["value", "denominator", "ci_lower", "ci_upper"]] = np.nan
    out["flags"] = _flags(
        small_numerator=out["numerator"].to_numpy() < ctx.params.small_numerator_threshold,
        no_population=nopop,
    )
    return out


def _compute_percentage(spec: IndicatorSpec, cohort: Cohort, ctx: _Context) -> pd.DataFrame:
    child_unit = ctx.child_unit and spec.count_unit_applies
    rec = cohort.records
    den_rec = rec[rec["denominator"].to_numpy(dtype=bool)]
    num_rec = den_rec[den_rec["numerator"].to_numpy(dtype=bool)]
    parts = []
    for dim in _dimensions(spec, (rec,), ctx):
        den = _count(den_rec, dim, child_unit)
        num = _count(num_rec, dim, child_unit)
        groups = _ordered_groups(dim, den.index[den > 0])
        d = den.reindex(groups, fill_value=0).to_numpy(dtype=float)
        n = num.reindex(groups, fill_value=0).to_numpy(dtype=float)
        p, lo, hi = stats.proportion_ci(n, d, ctx.level)
        parts.append(
            _frame(
                spec,
                dim,
                groups,
                {
                    "value": p * 100,
                    "numerator": n,
                    "denominator": d,
                    "ci_lower": lo * 100,
                    "ci_upper": hi * 100,
                },
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["flags"] = _flags(
        small_denominator=out["denominator"].to_numpy() < ctx.params.small_denominator_threshold
    )
    return out


def _duration_groups(spec: IndicatorSpec, cohort: Cohort, ctx: _Context):
    rec, km = cohort.records, cohort.km
    for dim in _dimensions(spec, (rec,), ctx):
        if dim == "total":
            yield dim, "all", rec, km
            continue
        rec_key = rec[dim].astype(object).to_numpy()
        km_key = km[dim].astype(object).to_numpy()
        for group in _ordered_groups(dim, pd.unique(rec_key[pd.notna(rec_key)]).astype(str)):
            yield dim, group, rec[rec_key == group], km[km_key == group]


def _compute_duration(spec: IndicatorSpec, cohort: Cohort, ctx: _Context) -> pd.DataFrame:
    rows, stat_rows = [], []
    for dim, group, rec, km in _duration_groups(spec, cohort, ctx):
        summary = stats.summarise_durations(rec["days"].to_numpy(), list(spec.bands), ctx.level)
        summary["median_km"] = stats.km_median(km["km_days"].to_numpy(), km["observed"].to_numpy())
        rows.append(
            {
                "indicator": spec.id,
                "dimension": dim,
                "group": group,
                "value": summary["median"],
                "numerator": summary["n"],
                "denominator": np.nan,
                "ci_lower": summary["ci_lower"],
                "ci_upper": summary["ci_upper"],
            }
        )
        for stat in ("n", "mean", "median", "p25", "p75", "min", "max", "median_km"):
            stat_rows.append((spec.id, dim, group, stat, summary[stat]))
        for key, val in summary.items():
            if key.startswith("band_"):
                stat_rows.append((spec.id, dim, group, key, val))
    out = pd.DataFrame(rows)
    out["flags"] = ""
    out.attrs["durations"] = pd.DataFrame(
        stat_rows, columns=["indicator", "dimension", "group", "statistic", "value"]
    )
    return out


def _compute_policy(spec: IndicatorSpec, ev: Events) -> pd.DataFrame:
    answer = (ev.ds.policy or {}).get(spec.policy_key)
    value = np.nan if answer is None else float(bool(answer))
    out = _frame(
        spec,
        "total",
        ["all"],
        {
            "value": value,
            "numerator": np.nan,
            "denominator": np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
        },
    )
    out["flags"] = "not_available" if answer is None else ""
    return out


KIND_FUNCTIONS: dict[str, Callable[[IndicatorSpec, Cohort, _Context], pd.DataFrame]] = {
    "rate": _compute_rate,
    "percentage": _compute_percentage,
    "duration": _compute_duration,
}
"""One function per quantitative kind; policy indicators read ``ds.policy``."""


def _flags(**masks: np.ndarray) -> list[str]:
    names = list(masks)
    arrays = [np.asarray(masks[k], dtype=bool) for k in names]
    n = len(arrays[0])
    return [";".join(nm for nm, a in zip(names, arrays, strict=True) if a[i]) for i in range(n)]


def _not_available(spec: IndicatorSpec) -> pd.DataFrame:
    out = _frame(
        spec,
        "total",
        ["all"],
        {
            "value": np.nan,
            "numerator": np.nan,
            "denominator": np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
        },
    )
    out["flags"] = "not_available"
    return out


def _missing_tables(spec: IndicatorSpec, ds) -> list[str]:
    return [t for t in spec.tables if t not in ds.tables]


def build_cohort(
    ds, spec: IndicatorSpec | str, parameters: Parameters | None = None, **overrides: Any
) -> Cohort:
    """The cohort (records behind numerator and denominator) of one indicator.

    Raises
    ------
    ValueError
        For a policy indicator, or when a table the indicator needs is missing.
    """
    spec = get_spec(spec) if isinstance(spec, str) else spec
    params = resolve_parameters(ds, parameters, **overrides)
    if spec.kind == "policy":
        raise ValueError(f"{spec.id} is a policy indicator: it has no records")
    missing = _missing_tables(spec, ds)
    if missing:
        raise ValueError(
            f"{spec.id} is not available: the dataset has no {', '.join(missing)} table"
        )
    ev = get_events(ds, pd.Timestamp(params.census_date))
    return COHORT_BUILDERS[spec.cohort](ev, spec, params)


# --------------------------------------------------------------------------- schemas


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


_ISO = r"^\d{4}-\d{2}-\d{2}$"


class _DeclaredSchema:
    """A pandera schema built from the declaration in use (its indicator ids and units), so
    that a definitions file with one more indicator validates without a code change."""

    def __init__(self, build: Callable[[], pa.DataFrameSchema]):
        self._build = build
        self._built: dict[int, pa.DataFrameSchema] = {}

    def validate(self, frame: pd.DataFrame) -> pd.DataFrame:
        key = id(declaration())
        if key not in self._built:
            self._built = {key: self._build()}
        return self._built[key].validate(frame)


def _ids() -> list[str]:
    return [s.id for s in load_definitions()]


def _result_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "country": pa.Column(str),
            "period_start": pa.Column(str, pa.Check.str_matches(_ISO)),
            "period_end": pa.Column(str, pa.Check.str_matches(_ISO)),
            "census_date": pa.Column(str, pa.Check.str_matches(_ISO)),
            "indicator": pa.Column(str, pa.Check.isin(_ids())),
            "dimension": pa.Column(str, pa.Check.isin(DIMENSIONS)),
            "group": pa.Column(str),
            "value": pa.Column(float, nullable=True),
            "numerator": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "denominator": pa.Column(float, pa.Check.ge(0), nullable=True),
            "unit": pa.Column(str, pa.Check.isin([u.name for u in declaration().units])),
            "ci_lower": pa.Column(float, nullable=True),
            "ci_upper": pa.Column(float, nullable=True),
            "flags": pa.Column(
                str,
                pa.Check(
                    lambda s: s.str.split(";").map(
                        lambda xs: all(
                            x in FLAGS or x == "" or x == "suppressed" or x.isidentifier()
                            for x in xs
                        )
                    ),
                    element_wise=False,
                    name="flag_codes",
                ),
            ),
            "core": pa.Column(bool),
            "kind": pa.Column(str, pa.Check.isin(KINDS)),
        },
        checks=[
            pa.Check(
                lambda df: list(df.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS,
                name="contract_column_order",
            ),
            pa.Check(_group_valid, name="group_code_of_dimension"),
            pa.Check(_ci_ordered, name="ci_lower <= value <= ci_upper"),
        ],
        name="indicators",
    )


ResultSchema = _DeclaredSchema(_result_schema)
"""The indicators frame (``indicators.csv``): contract columns in order, codes, units, CIs."""


def _durations_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "country": pa.Column(str),
            "indicator": pa.Column(str, pa.Check.isin(_ids())),
            "dimension": pa.Column(str, pa.Check.isin(DIMENSIONS)),
            "group": pa.Column(str),
            "statistic": pa.Column(
                str,
                pa.Check.str_matches(
                    r"^(n|mean|median|p25|p75|min|max|median_km|band_\d+_(\d+|plus))$"
                ),
            ),
            "value": pa.Column(float, nullable=True),
            "period_start": pa.Column(str, pa.Check.str_matches(_ISO)),
            "period_end": pa.Column(str, pa.Check.str_matches(_ISO)),
        },
        checks=[
            pa.Check(
                lambda df: list(df.columns[: len(DURATION_COLUMNS)]) == DURATION_COLUMNS,
                name="contract_column_order",
            )
        ],
        name="durations",
    )


DurationsSchema = _DeclaredSchema(_durations_schema)


def _reconciliation_adds_up(df: pd.DataFrame) -> bool:
    if df.empty:
        return True
    g = df.groupby(["country", "period_end", "indicator", "table"], sort=False)
    sums = g["count"].sum()
    read = g["records_read"].first()
    used = g["used"].first()
    left = g["left_out"].first()
    return bool(((sums == read) & (used + left == read)).all())


ReconciliationSchema = pa.DataFrameSchema(
    {
        "country": pa.Column(str),
        "indicator": pa.Column(str),
        "table": pa.Column(str),
        "records_read": pa.Column(int, pa.Check.ge(0)),
        "used": pa.Column(int, pa.Check.ge(0)),
        "left_out": pa.Column(int, pa.Check.ge(0)),
        "reason": pa.Column(str),
        "count": pa.Column(int, pa.Check.ge(0)),
    },
    checks=[pa.Check(_reconciliation_adds_up, name="read = used + left out")],
    name="reconciliation",
)


# --------------------------------------------------------------------------- results


@dataclass
class IndicatorResults:
    """The indicators of one or more datasets.

    Attributes
    ----------
    indicators : DataFrame
        The result table (``ResultSchema``): one row per country, indicator, dimension, group.
    durations : DataFrame
        JJ04/JJ05 statistics (``DurationsSchema``).
    reconciliation : DataFrame
        Records read, used and left out by reason, per indicator and table.
    parameters : dict
        The parameters used (for several datasets: the first's, or ``{country: params}``
        when they differ).
    country : str
        Country code (codes joined by ``,`` for combined results).
    """

    indicators: pd.DataFrame
    durations: pd.DataFrame
    reconciliation: pd.DataFrame
    parameters: dict[str, Any]
    country: str

    def to_frame(self) -> pd.DataFrame:
        """A copy of the indicators frame."""
        return self.indicators.copy()

    def __repr__(self) -> str:
        n_ind = self.indicators["indicator"].nunique()
        return (
            f"IndicatorResults(country={self.country!r}, indicators={n_ind}, "
            f"rows={len(self.indicators)})"
        )

    def _repr_html_(self) -> str:
        df = self.indicators
        head = (
            "<tr><th>dimension</th><th>group</th><th>value</th><th>numerator</th>"
            "<th>denominator</th><th>interval</th><th>flags</th></tr>"
        )
        parts = [
            "<div><p><b>Juvenile justice indicators</b> ",
            html.escape(
                f"{self.country} · {df['period_start'].iloc[0] if len(df) else ''} to "
                f"{df['period_end'].iloc[0] if len(df) else ''}"
            ),
            " · ★ = core indicator · values rounded for display only</p>",
            "<table>",
        ]
        for (country, ind), block in df.groupby(["country", "indicator"], sort=False):
            first = block.iloc[0]
            star = "★ " if bool(first["core"]) else ""
            parts.append(
                f"<tr><th colspan='7' style='text-align:left'>{star}{html.escape(ind)} "
                f"{html.escape(str(first['indicator_name']))} "
                f"<small>({html.escape(str(first['unit']))}, {html.escape(country)})"
                "</small></th></tr>"
            )
            parts.append(head)
            for _, r in block.iterrows():
                ci = (
                    ""
                    if pd.isna(r["ci_lower"])
                    else f"{_fmt(r['ci_lower'])} – {_fmt(r['ci_upper'])}"
                )
                parts.append(
                    "<tr>"
                    + "".join(
                        f"<td>{html.escape(str(c))}</td>"
                        for c in (
                            r["dimension"],
                            r["group"],
                            _fmt(r["value"]),
                            _fmt(r["numerator"], 0),
                            _fmt(r["denominator"]),
                            ci,
                            r["flags"],
                        )
                    )
                    + "</tr>"
                )
        parts.append("</table></div>")
        return "".join(parts)


def _fmt(x: Any, digits: int = 1) -> str:
    if x is None or pd.isna(x):
        return ""
    x = float(x)
    if digits == 0 or x == round(x):
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def _reconciliation_frame(
    ds, spec: IndicatorSpec, cohort: Cohort | None, meta: dict
) -> pd.DataFrame:
    rows = []
    if cohort is None:
        for table in spec.tables:
            if table not in ds.tables:
                rows.append(
                    {"table": table, "records_read": 0, "reason": "table_not_given", "count": 0}
                )
    else:
        for table, reasons in cohort.reasons.items():
            counts = pd.Series(reasons).value_counts()
            n = len(reasons)
            rows.append(
                {
                    "table": table,
                    "records_read": n,
                    "reason": "used",
                    "count": int(counts.get("used", 0)),
                }
            )
            for reason, count in counts.items():
                if reason != "used" and count > 0:
                    rows.append(
                        {
                            "table": table,
                            "records_read": n,
                            "reason": str(reason),
                            "count": int(count),
                        }
                    )
    out = pd.DataFrame(rows, columns=["table", "records_read", "reason", "count"])
    out["indicator"] = spec.id
    return out


def _population_reconciliation(ev: Events, spec_ids: list[str]) -> pd.DataFrame:
    rows = ev.population_rows
    counts = rows["reason"].value_counts()
    parts = []
    for ind in spec_ids:
        recs = [
            {
                "table": "population",
                "records_read": len(rows),
                "reason": "used",
                "count": int(counts.get("used", 0)),
            }
        ]
        recs += [
            {"table": "population", "records_read": len(rows), "reason": str(r), "count": int(c)}
            for r, c in counts.items()
            if r != "used"
        ]
        part = pd.DataFrame(recs)
        part["indicator"] = ind
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _caveats(spec: IndicatorSpec, params: Parameters) -> str:
    notes = []
    if spec.count_unit_applies:
        notes.append(f"count_unit={params.count_unit}")
    if spec.cohort == "deaths":
        notes.append(f"deaths_denominator={params.deaths_denominator}")
    if spec.kind != "policy":
        notes.append(f"confidence_level={params.confidence_level:g}")
    return "; ".join(notes)


def compute_indicators(
    ds, parameters: Parameters | None = None, **overrides: Any
) -> IndicatorResults:
    """Compute every indicator with every disaggregation of a dataset.

    Parameters
    ----------
    ds : Dataset
        A typed dataset (``read_dataset`` or ``Dataset.from_frames``).
    **parameters
        Overrides of dataset.toml's ``[parameters]`` and the defaults: ``count_unit``
        (``event`` | ``child``), ``deaths_denominator`` (``average_daily_population`` |
        ``census`` | ``distinct_children``), ``confidence_level`` (e.g. 0.9), ``census_date``
        (a day within P), ``small_numerator_threshold``, ``small_denominator_threshold``.

    Returns
    -------
    IndicatorResults
        Every frame validated by its schema (``ResultSchema``, ``DurationsSchema``,
        ``ReconciliationSchema``).

    Raises
    ------
    ValueError
        Invalid parameters (see :func:`resolve_parameters`).

    Notes
    -----
    Rates: exact Poisson interval of the count over the denominator; percentages: Wilson;
    medians: order statistics (``stats``). An indicator whose table is missing has one
    ``total/all`` row flagged ``not_available``, never 0.
    """
    params = resolve_parameters(ds, parameters, **overrides)
    census = pd.Timestamp(params.census_date)
    ev = get_events(ds, census)
    ctx = _Context(ev=ev, params=params, child_unit=params.child_unit)
    frames, durations, recon = [], [], []
    pop_indicators = []
    for spec in load_definitions():
        cohort = None
        if spec.kind == "policy":
            frame = _compute_policy(spec, ev)
        elif _missing_tables(spec, ds):
            frame = _not_available(spec)
        else:
            cohort = COHORT_BUILDERS[spec.cohort](ev, spec, params)
            frame = KIND_FUNCTIONS[spec.kind](spec, cohort, ctx)
            if "durations" in frame.attrs:
                durations.append(frame.attrs.pop("durations"))
            if spec.denominator_source == "child_population":
                pop_indicators.append(spec.id)
        frames.append(frame)
        if spec.kind != "policy":
            recon.append(_reconciliation_frame(ds, spec, cohort, {}))
    recon.append(_population_reconciliation(ev, pop_indicators))
    meta = _metadata(ds, params)
    stacked = pd.concat(frames, ignore_index=True)
    specs = {s.id: s for s in load_definitions()}
    ids = stacked["indicator"]
    stacked["indicator_name"] = ids.map({k: s.name for k, s in specs.items()})
    stacked["core"] = ids.map({k: s.core for k, s in specs.items()}).astype(bool)
    stacked["kind"] = ids.map({k: s.kind for k, s in specs.items()})
    stacked["unit"] = ids.map({k: s.unit for k, s in specs.items()})
    stacked["caveats"] = ids.map({k: _caveats(s, params) for k, s in specs.items()})
    indicators = _finish_indicators(stacked, meta)
    dur = (
        pd.concat(durations, ignore_index=True)
        if durations
        else pd.DataFrame(columns=["indicator", "dimension", "group", "statistic", "value"])
    )
    dur = _finish_durations(dur, meta)
    rec = _finish_reconciliation(pd.concat(recon, ignore_index=True), meta)
    return IndicatorResults(
        indicators=ResultSchema.validate(indicators),
        durations=DurationsSchema.validate(dur),
        reconciliation=ReconciliationSchema.validate(rec),
        parameters=params,
        country=meta["country"],
    )


def _metadata(ds, params: Parameters) -> dict[str, Any]:
    meta = ds.metadata or {}
    return {
        "country": str(ds.country),
        "country_name": str(ds.country_name or meta.get("country_name") or ""),
        "region": str(meta.get("region") or ""),
        "source": str(meta.get("source") or ""),
        "period_start": pd.Timestamp(ds.period_start).strftime("%Y-%m-%d"),
        "period_end": pd.Timestamp(ds.period_end).strftime("%Y-%m-%d"),
        "census_date": params.census_date,
    }


def _finish_indicators(df: pd.DataFrame, meta: dict) -> pd.DataFrame:
    for key in (
        "country",
        "period_start",
        "period_end",
        "census_date",
        "country_name",
        "region",
        "source",
    ):
        df[key] = meta[key]
    for col in FLOAT_COLUMNS:
        df[col] = pd.to_numeric(df[col]).astype(float)
    df["numerator"] = pd.array(
        np.round(pd.to_numeric(df["numerator"]).to_numpy(dtype=float)), dtype="Int64"
    )
    df["core"] = df["core"].astype(bool)
    for col in RESULT_COLUMNS + EXTRA_COLUMNS:
        if col not in (*FLOAT_COLUMNS, "numerator", "core"):
            df[col] = df[col].astype(str)
    return df[RESULT_COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


def _finish_durations(df: pd.DataFrame, meta: dict) -> pd.DataFrame:
    df = df.copy()
    for key in ("country", "period_start", "period_end"):
        df[key] = meta[key]
    df["value"] = pd.to_numeric(df["value"]).astype(float)
    for col in (
        "country",
        "indicator",
        "dimension",
        "group",
        "statistic",
        "period_start",
        "period_end",
    ):
        df[col] = df[col].astype(str)
    return df[DURATION_COLUMNS].reset_index(drop=True)


def _finish_reconciliation(df: pd.DataFrame, meta: dict) -> pd.DataFrame:
    df = df.copy()
    for key in ("country", "period_start", "period_end"):
        df[key] = meta[key]
    for col in ("records_read", "count"):
        df[col] = df[col].astype(np.int64)
    used = df[df["reason"] == "used"].set_index(["indicator", "table"])["count"]
    key = pd.MultiIndex.from_frame(df[["indicator", "table"]])
    df["used"] = used.reindex(key).fillna(0).to_numpy(dtype=np.int64)
    df["left_out"] = df["records_read"] - df["used"]
    for col in ("country", "period_start", "period_end", "indicator", "table", "reason"):
        df[col] = df[col].astype(str)
    return df[RECONCILIATION_COLUMNS].reset_index(drop=True)


def combine_results(results: Iterable[IndicatorResults]) -> IndicatorResults:
    """Stack the results of several datasets (e.g. countries) into one.

    Parameters
    ----------
    results : iterable of IndicatorResults

    Returns
    -------
    IndicatorResults
        Frames concatenated in the order given; ``parameters`` the common parameters, or a
        ``{"<country> <period_end>": parameters}`` dict when they differ; ``country`` the
        distinct country codes joined by ``,``.
    """
    results = list(results)
    if not results:
        raise ValueError("combine_results needs at least one result")
    params = results[0].parameters
    if any(r.parameters != params for r in results[1:]):
        params = {
            f"{r.country} {r.indicators['period_end'].iloc[0]}": r.parameters for r in results
        }
    return IndicatorResults(
        indicators=ResultSchema.validate(
            pd.concat([r.indicators for r in results], ignore_index=True)
        ),
        durations=DurationsSchema.validate(
            pd.concat([r.durations for r in results], ignore_index=True)
        ),
        reconciliation=ReconciliationSchema.validate(
            pd.concat([r.reconciliation for r in results], ignore_index=True)
        ),
        parameters=params,
        country=",".join(dict.fromkeys(c for r in results for c in r.country.split(","))),
    )


# --------------------------------------------------------------------------- explain


@dataclass
class Explanation:
    """The records behind one cell of the indicators frame.

    Attributes
    ----------
    indicator, dimension, group : str
    numerator : DataFrame
        Records counted in the numerator (with the source table's columns).
    denominator : DataFrame
        Records (or population rows) counted in the denominator.
    """

    indicator: str
    dimension: str
    group: str
    numerator: pd.DataFrame
    denominator: pd.DataFrame
    note: str = ""

    def __repr__(self) -> str:
        return (
            f"Explanation({self.indicator} {self.dimension}/{self.group}: "
            f"{len(self.numerator)} numerator records, {len(self.denominator)} denominator "
            f"records)"
        )

    def __getitem__(self, key: str) -> pd.DataFrame:  # dict-like access
        return getattr(self, key)


def _find_dimension(spec: IndicatorSpec, group: str) -> str:
    candidates = [d for d in spec.disaggregations if group in GROUP_CODES.get(d, ())]
    if "area" in spec.disaggregations and not candidates:
        candidates = ["area"]
    if len(candidates) != 1:
        raise ValueError(
            f"give dimension= for group {group!r} of {spec.id} (candidates: {candidates or 'none'})"
        )
    return candidates[0]


def _select(frame: pd.DataFrame | None, dim: str, group: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    if dim == "total":
        return frame.reset_index(drop=True)
    if dim not in frame.columns:
        return frame.reset_index(drop=True)  # event-attribute group: the whole denominator
    return frame[frame[dim].astype(object) == group].reset_index(drop=True)


def _with_source(ds, table: str, frame: pd.DataFrame) -> pd.DataFrame:
    src = ds.tables.get(table)
    if src is None or "row" not in frame.columns or frame.empty:
        return frame
    extra = src.iloc[frame["row"].to_numpy()].reset_index(drop=True)
    extra = extra[[c for c in extra.columns if c not in frame.columns]]
    out = pd.concat([frame.reset_index(drop=True), extra], axis=1)
    out.insert(1, "spreadsheet_row", out["row"] + 2)
    if {"source_file", "source_row"} <= set(out.columns):
        # an ingested record: the export file and row it came from, beside its row
        first = ["row", "source_file", "source_row"]
        out = out[first + [c for c in out.columns if c not in first]]
    return out


def explain(
    ds,
    indicator: str,
    group: str | None = None,
    dimension: str | None = None,
    parameters: Parameters | None = None,
    **overrides: Any,
) -> Explanation:
    """The records behind the numerator and the denominator of one cell.

    Parameters
    ----------
    ds : Dataset
    indicator : str
        e.g. ``"JJ03"``.
    group : str, optional
        A group code (``"M"``, ``"14-15"``, ``"adult_prison"``...); None for the total.
    dimension : str, optional
        Needed only when the group code is ambiguous.
    **parameters
        As in :func:`compute_indicators`.

    Returns
    -------
    Explanation
        ``numerator`` and ``denominator`` DataFrames with record ids, dates, ages and groups
        (``row`` is the record's index in its table, ``spreadsheet_row`` its row in the file;
        for records ingested from exports, ``source_file`` and ``source_row`` follow ``row``).
    """
    spec = get_spec(indicator)
    if group is None or group == "all":
        dim, group = "total", "all"
    else:
        dim = dimension or _find_dimension(spec, group)
    if dim != "total" and dim not in spec.disaggregations:
        raise ValueError(f"{spec.id} is not disaggregated by {dim}")
    params = resolve_parameters(ds, parameters, **overrides)
    cohort = build_cohort(ds, spec, params)
    rec = cohort.records
    if spec.kind == "percentage":
        den = _select(rec[rec["denominator"]], dim, group)
        num = den[den["numerator"].to_numpy(dtype=bool)].reset_index(drop=True)
        note = spec.denominator
    elif spec.kind == "duration":
        num = _select(rec, dim, group)
        den = _select(cohort.km, dim, group)
        note = "denominator: periods in progress on some day of P (Kaplan-Meier set)"
    elif spec.denominator_source == "child_population":
        num = _select(rec, dim, group)
        ev = get_events(ds, pd.Timestamp(params.census_date))
        pop = ev.child_population
        den = _select(pop, dim, group) if dim in POPULATION_DIMENSIONS else pop.copy()
        return Explanation(
            spec.id,
            dim,
            group,
            _with_source(ds, cohort.table, num),
            _with_source(ds, "population", den),
            "child population of C's year",
        )
    else:
        num = _select(rec, dim, group)
        den = _select(cohort.denominator_records, dim, group)
        note = f"deaths_denominator={params.deaths_denominator}; weight = days or 1"
    return Explanation(
        spec.id,
        dim,
        group,
        _with_source(ds, cohort.table, num),
        _with_source(ds, cohort.table, den),
        note,
    )
