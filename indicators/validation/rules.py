"""The dataset-wide rules: across rows and tables, where one table's columns alone cannot tell.

Foreign keys (children, facilities), date order, ``end_reason`` exactly when ``release_date``
is given, episodes that overlap, transfers with no following episode, ``sentence_date`` kept
within a spell, nothing after a death, population rows; and the data-quality warnings on ages.
Each rule is vectorised and files only the failing rows. The rules are those of the record
format in the user documentation (``docs/records.md``, a section per table, and
``docs/records.md#spells`` for spells).

Every ``check_*`` function runs guarded (see :func:`indicators.validation.run.validate_dataset`):
if it fails on a table typed by hand, the report says "the <name> checks could not run".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..dates import age_on, birthday, lookup_positions
from .arrays import NODAY, days_of, failed_cells, mask_of, unique_ids
from .report import IssueCollector, day_text

__all__ = ["check_ages", "check_children_known", "check_dates", "check_deaths",
           "check_episodes", "check_facilities", "check_population"]


def check_children_known(ds: Dataset, out: IssueCollector, child_index: pd.Series
                         ) -> dict[str, np.ndarray]:
    """Every child_id of the event tables is in children; returns, per event table, the
    position of each row's child among ``child_index`` (-1 when unknown or missing)."""
    t = ds.tables
    child_pos: dict[str, np.ndarray] = {}
    for name in ("arrests", "detentions", "dispositions", "family_visits"):
        if name in t:
            cid = t[name]["child_id"]
            pos = lookup_positions(cid, child_index)
            child_pos[name] = pos
            bad = np.flatnonzero((pos < 0) & cid.notna().to_numpy())
            out.rows_at("error", ds.source_name(name), "child_id", "unknown_child", bad, cid,
                        lambda i, v: f"child {v!r} is not in children")
    return child_pos


def check_facilities(ds: Dataset, out: IssueCollector) -> None:
    """Every facility_id of detentions and inspections is in facilities; a facility that
    never held a child is a warning (``docs/records.md#facilities``)."""
    t = ds.tables
    fac = t.get("facilities")
    known = None if fac is None else unique_ids(fac["facility_id"])[0]
    for name in ("detentions", "inspections"):
        if name not in t:
            continue
        fid = t[name]["facility_id"]
        if known is None:
            if name == "inspections" and "facilities" not in ds.unreadable:
                out.file("error", ds.source_name(name), "unknown_facility",
                         "inspections are given but facilities is not: add facilities.csv "
                         "(inspections.facility_id must exist in facilities)",
                         column="facility_id")
            continue
        bad = np.flatnonzero(fid.notna().to_numpy() & (lookup_positions(fid, known) < 0))
        out.rows_at("error", ds.source_name(name), "facility_id", "unknown_facility", bad, fid,
                    lambda i, v: f"facility {v!r} is not in facilities")
    if fac is not None and "detentions" in t:
        used = unique_ids(t["detentions"]["facility_id"])[0]
        fid = fac["facility_id"]
        idle = np.flatnonzero(fid.notna().to_numpy() & (lookup_positions(fid, used) < 0))
        out.rows_at("warning", ds.source_name("facilities"), "facility_id",
                    "facility_never_used", idle, fid,
                    lambda i, v: f"facility {v!r} has no detention episode; is this right?")


def check_dates(ds: Dataset, out: IssueCollector) -> None:
    """Date order within a row; ``end_reason`` exactly when ``release_date`` is given;
    aftercare only on a release (``docs/records.md#detentions``)."""
    t = ds.tables
    if "detentions" in t:
        d = t["detentions"]
        dc = dict(d.items())  # column lookups in messages without DataFrame.__getitem__
        n = len(d)
        bad = np.flatnonzero(mask_of(d["release_date"] < d["admission_date"]))
        out.rows_at("error", ds.source_name("detentions"), "release_date",
                    "release_before_admission", bad, d["release_date"],
                    lambda i, v: f"release_date {day_text(v)} is before admission_date "
                    f"{day_text(dc['admission_date'].iat[i])}")
        rel = d["release_date"].notna().to_numpy()
        reason = d["end_reason"].notna().to_numpy()
        no_reason = rel & ~reason & ~failed_cells(ds, "detentions", "end_reason", n)
        out.rows_at("error", ds.source_name("detentions"), "end_reason", "end_reason_missing",
                    np.flatnonzero(no_reason), d["end_reason"],
                    lambda i, v: f"the episode has a release_date "
                    f"({day_text(dc['release_date'].iat[i])}) but no end_reason: write release, "
                    "transfer, death or escape")
        no_rel = reason & ~rel & ~failed_cells(ds, "detentions", "release_date", n)
        out.rows_at("error", ds.source_name("detentions"), "release_date",
                    "end_reason_without_release", np.flatnonzero(no_rel), d["end_reason"],
                    lambda i, v: f"end_reason is {v!r} but release_date is empty: give the date "
                    "the episode ended, or leave end_reason empty while the child is held")
        aftercare = d["received_aftercare"].notna().to_numpy() & ~mask_of(
            d["end_reason"] == "release")
        out.rows_at("warning", ds.source_name("detentions"), "received_aftercare",
                    "aftercare_not_release", np.flatnonzero(aftercare), d["received_aftercare"],
                    lambda i, v: "received_aftercare is only for episodes ending with release; "
                    "it is ignored on this row")
    if "dispositions" in t:
        d = t["dispositions"]
        dc = dict(d.items())
        bad = np.flatnonzero(mask_of(d["offence_date"] > d["decision_date"]))
        out.rows_at("error", ds.source_name("dispositions"), "offence_date",
                    "offence_after_decision", bad, d["offence_date"],
                    lambda i, v: f"offence_date {day_text(v)} is after decision_date "
                    f"{day_text(dc['decision_date'].iat[i])}")


def check_deaths(ds: Dataset, out: IssueCollector) -> None:
    """Nothing follows a death in detention: a later episode is an error, a later arrest,
    decision or visit a warning (they come from other registers)."""
    t = ds.tables
    if "detentions" not in t:
        return
    d = t["detentions"]
    dead = mask_of(d["end_reason"] == "death") & d["release_date"].notna().to_numpy()
    if not dead.any():
        return
    death = (pd.DataFrame({"child": d["child_id"][dead], "day": d["release_date"][dead]})
             .dropna().groupby("child")["day"].min())
    checks = (("detentions", "admission_date", "error", "episode_after_death"),
              ("arrests", "arrest_date", "warning", "record_after_death"),
              ("dispositions", "decision_date", "warning", "record_after_death"),
              ("family_visits", "visit_date", "warning", "record_after_death"))
    for name, column, severity, rule in checks:
        if name not in t:
            continue
        frame = t[name]
        concerned = np.flatnonzero(
            lookup_positions(frame["child_id"], pd.Series(death.index)) >= 0)
        if not len(concerned):
            continue
        day_of_death = frame["child_id"].iloc[concerned].map(death).to_numpy(
            dtype="datetime64[ns]")
        when = frame[column].iloc[concerned].to_numpy(dtype="datetime64[ns]")
        after = concerned[~np.isnat(when) & (when > day_of_death)]
        who = frame["child_id"]
        out.rows_at(severity, ds.source_name(name), column, rule, after, frame[column],
                    lambda i, v, w=who: f"child {w.iat[i]!r} died in detention "
                    f"on {day_text(death.get(w.iat[i]))}; nothing can follow a death")


def check_population(ds: Dataset, out: IssueCollector) -> None:
    """Population rows given once; rows for the census year, for each sex and age 0-17
    (``docs/records.md#population``)."""
    pop = ds.tables.get("population")
    if pop is None:
        return
    label = ds.source_name("population")
    pc_ = dict(pop.items())
    keys = ["year", "sex", "age", "area"]
    complete = pop[["year", "sex", "age"]].notna().all(axis=1).to_numpy()
    dup = np.flatnonzero(pop.duplicated(subset=keys, keep=False).to_numpy() & complete)
    out.rows_at("error", label, "population", "duplicate_population", dup, pop["population"],
                lambda i, v: f"year {pc_['year'].iat[i]}, sex {pc_['sex'].iat[i]}, age "
                f"{pc_['age'].iat[i]}" + (f", area {pc_['area'].iat[i]}"
                                          if not pd.isna(pc_['area'].iat[i]) else "")
                + " is given on more than one row")
    if pd.isna(ds.census_date):
        return
    year = ds.census_date.year
    this = pop[mask_of(pop["year"] == year)]
    if this.empty:
        years = ", ".join(str(y) for y in sorted(pop["year"].dropna().unique())[:10])
        out.file("error", label, "no_population_for_year",
                 f"population has no rows for {year}, the year of the census date "
                 f"{day_text(ds.census_date)}: rates per 100,000 children have no denominator "
                 f"(years given: {years or 'none'})", column="year", value=str(year))
        return
    have = set(zip(this["sex"].astype(str), this["age"].astype("Int64"), strict=True))
    lacking = [f"{s} {a}" for s in ("F", "M") for a in range(18) if (s, a) not in have]
    if lacking:
        out.file("warning", label, "population_incomplete",
                 f"population {year} has no rows for {len(lacking)} sex and age 0-17 "
                 f"combination(s) (e.g. {', '.join(lacking[:4])}): they count as 0",
                 column="age")


# --------------------------------------------------------------------------- episodes


@dataclass
class _Episodes:
    """The detention episodes that have a child and an admission day, in the order the
    episode rules read them: by child, then admission, then release (an open episode last)."""

    ds: Dataset
    frame: pd.DataFrame
    columns: dict[str, pd.Series]  # column lookups in messages without DataFrame.__getitem__
    label: str
    child: np.ndarray  # each row's child, as a code (-1: missing)
    admitted: np.ndarray  # each row's admission day (NODAY: missing)
    released: np.ndarray  # each row's release day (NODAY: still open)
    usable: np.ndarray  # rows with a child and an admission day
    rows: np.ndarray  # their positions
    order: np.ndarray  # their positions, sorted
    ends: np.ndarray  # release day in sorted order, an open episode lasting forever
    same_prev: np.ndarray  # in sorted order: the same child as the episode before


def check_episodes(ds: Dataset, out: IssueCollector) -> None:
    """Episodes of one child never overlap; a transfer is followed by an episode admitted on
    its release day; ``sentence_date`` is kept on the later episodes of a spell
    (``docs/records.md#spells``)."""
    ep = _sorted_episodes(ds)
    if ep is None:
        return
    _check_overlaps(ep, out)
    _check_transfers(ep, out)
    _check_spell_sentences(ep, out)


def _sorted_episodes(ds: Dataset) -> _Episodes | None:
    d = ds.tables["detentions"]
    dc = dict(d.items())
    label = ds.source_name("detentions")
    child_codes, _ = pd.factorize(d["child_id"], use_na_sentinel=True)
    adm = days_of(d["admission_date"])
    rel = days_of(d["release_date"])
    usable = (child_codes >= 0) & (adm != NODAY)
    rows = np.flatnonzero(usable)
    if len(rows) == 0:
        return None
    big = np.iinfo(np.int64).max
    rel_inf = np.where(rel == NODAY, big, rel)  # open episodes last forever
    order = rows[np.lexsort((rel_inf[rows], adm[rows], child_codes[rows]))]
    c = child_codes[order]
    same_prev = np.zeros(len(order), dtype=bool)
    same_prev[1:] = c[1:] == c[:-1]
    return _Episodes(ds, d, dc, label, child_codes, adm, rel, usable, rows, order,
                     rel_inf[order], same_prev)


def _check_overlaps(ep: _Episodes, out: IssueCollector) -> None:
    """Overlap: admitted before the latest end of any earlier episode of the same child."""
    c, a, r = ep.child[ep.order], ep.admitted[ep.order], ep.ends
    run_max = pd.Series(r).groupby(c).cummax().to_numpy()
    prev_max = np.empty_like(run_max)
    prev_max[0] = np.iinfo(np.int64).min
    prev_max[1:] = run_max[:-1]
    overlap = ep.same_prev & (a < prev_max)
    d, dc = ep.frame, ep.columns
    eid = d["episode_id"]
    out.rows_at("error", ep.label, "admission_date", "overlapping_episodes", ep.order[overlap],
                d["admission_date"],
                lambda i, v: f"episode {eid.iat[i]!r} of child {dc['child_id'].iat[i]!r} begins "
                f"on {day_text(v)}, before an earlier episode of the child ended (or while one "
                "is still open): episodes of one child never overlap")


def _check_transfers(ep: _Episodes, out: IssueCollector) -> None:
    """A transfer is followed by an episode of the same child admitted on its release_date."""
    d, dc = ep.frame, ep.columns
    child_codes, adm, rel, rows = ep.child, ep.admitted, ep.released, ep.rows
    eid = d["episode_id"]
    reason = d["end_reason"].to_numpy(dtype=object, na_value=None)
    lo = int(adm[rows].min())
    span = int(adm[rows].max()) - lo + 1
    keys = np.sort(child_codes[rows].astype(np.int64) * span + (adm[rows] - lo))
    transfer = np.flatnonzero(ep.usable & (reason == "transfer") & (rel != NODAY))
    if not len(transfer):
        return
    t_rel = rel[transfer]
    in_span = (t_rel >= lo) & (t_rel < lo + span)
    tkeys = child_codes[transfer].astype(np.int64) * span + (t_rel - lo)
    found = np.searchsorted(keys, tkeys, side="right") - np.searchsorted(keys, tkeys)
    found = np.where(in_span, found, 0) - (adm[transfer] == t_rel)
    out.rows_at("error", ep.label, "end_reason", "transfer_not_followed",
                transfer[found <= 0], d["end_reason"],
                lambda i, v: f"episode {eid.iat[i]!r} ends with a transfer on "
                f"{day_text(dc['release_date'].iat[i])}, but no episode of child "
                f"{dc['child_id'].iat[i]!r} begins that day")


def _check_spell_sentences(ep: _Episodes, out: IssueCollector) -> None:
    """Spells: a chain of episodes linked by transfers (release_date = next admission); once
    sentenced within a spell, its later episodes keep that sentence_date."""
    d, order = ep.frame, ep.order
    a, r = ep.admitted[order], ep.ends
    eid = d["episode_id"]
    reason_s = d["end_reason"].to_numpy(dtype=object, na_value=None)[order]
    link = np.zeros(len(order), dtype=bool)
    link[1:] = ep.same_prev[1:] & (reason_s[:-1] == "transfer") & (r[:-1] == a[1:])
    spell = np.cumsum(~link)
    sent = days_of(d["sentence_date"])[order].astype(float)
    sent[sent == float(NODAY)] = np.nan
    ffill = pd.Series(sent).groupby(spell).ffill().to_numpy()
    prev_set = np.full(len(order), np.nan)
    prev_set[1:] = ffill[:-1]
    prev_set[~link] = np.nan
    failed = failed_cells(ep.ds, "detentions", "sentence_date", len(d))[order]
    changed = ~np.isnan(prev_set) & (np.isnan(sent) | (sent != prev_set)) & ~failed
    prev_txt = {int(order[k]): str(np.datetime64(int(prev_set[k]), "D"))
                for k in np.flatnonzero(changed)[: out.cap]}
    out.rows_at("error", ep.label, "sentence_date", "sentence_date_changed", order[changed],
                d["sentence_date"],
                lambda i, v: f"episode {eid.iat[i]!r} continues a spell (transfer) in which the "
                f"child was sentenced on {prev_txt.get(i, '?')}; its sentence_date must be the "
                f"same, not {day_text(v) if not pd.isna(v) else 'empty'}")


# --------------------------------------------------------------------------- ages


def check_ages(ds: Dataset, out: IssueCollector, children: pd.DataFrame,
               child_rows: np.ndarray, child_pos: dict[str, np.ndarray]) -> None:
    """Data-quality warnings on ages: many missing dates of birth, arrests below the minimum
    age of criminal responsibility, persons aged 18 or over at every event.

    ``child_rows`` is the first row of each distinct child in children and ``child_pos`` the
    position of each event row's child among them (:func:`check_children_known`).
    """
    # date_of_birth of each distinct child (its first row), aligned with child_pos
    dob = days_of(children["date_of_birth"])[child_rows] if len(child_rows) else np.zeros(0,
                                                                                      np.int64)
    n_children = len(children)
    if n_children:
        missing = int(children["date_of_birth"].isna().sum())
        share = missing / n_children
        if share > 0.10:
            out.file("warning", ds.source_name("children"), "many_missing_birth_dates",
                     f"{missing:,} of {n_children:,} children ({share:.0%}) have no "
                     "date_of_birth: ages will be unknown for them", column="date_of_birth",
                     value=f"{share:.1%}")
    _check_under_age(ds, out, dob, child_pos)
    _check_adult_at_every_event(ds, out, children, child_rows, child_pos, dob)


def _check_under_age(ds: Dataset, out: IssueCollector, dob: np.ndarray,
                     child_pos: dict[str, np.ndarray]) -> None:
    """Arrests below the minimum age: by date of birth, else by the age_years written."""
    t = ds.tables
    mcr = ds.minimum_age_criminal_responsibility
    if not ("arrests" in t and mcr is not None and "arrests" in child_pos):
        return
    a = t["arrests"]
    a_child = a["child_id"]
    pos = child_pos["arrests"]
    b = np.where(pos >= 0, dob[np.clip(pos, 0, None)] if len(dob) else NODAY, NODAY)
    when = days_of(a["arrest_date"])
    known = (b != NODAY) & (when != NODAY)
    young_known = np.zeros(len(a), dtype=bool)
    young_known[known] = when[known] < birthday(b[known], mcr)
    given = a["age_years"].to_numpy(dtype=float, na_value=np.nan)
    use_given = ~known & ~np.isnan(given)
    young = np.flatnonzero(young_known | (use_given & (given < mcr)))
    age = {int(i): (int(age_on(b[i:i + 1], when[i:i + 1])[0]) if known[i]
                    else int(given[i])) for i in young[: out.cap]}
    out.rows_at("warning", ds.source_name("arrests"), "arrest_date",
                "under_age_of_responsibility", young, a["arrest_date"],
                lambda i, v: f"child {a_child.iat[i]!r} was {age.get(i, '?')} at this "
                "arrest, "
                f"under the minimum age of criminal responsibility ({mcr})")


def _check_adult_at_every_event(ds: Dataset, out: IssueCollector, children: pd.DataFrame,
                                child_rows: np.ndarray, child_pos: dict[str, np.ndarray],
                                dob: np.ndarray) -> None:
    """The first event of each child: aged 18 or over then means aged 18 or over at every
    event."""
    t = ds.tables
    first_event = np.full(len(dob), np.iinfo(np.int64).max, dtype=np.int64)
    events = (("arrests", ("arrest_date",)), ("detentions", ("admission_date",)),
              ("dispositions", ("decision_date", "offence_date")), ("family_visits", ()))
    seen = False
    for name, columns in events:
        if name not in child_pos:
            continue
        pos = child_pos[name]
        for column in columns:
            days = days_of(t[name][column])
            ok = (pos >= 0) & (days != NODAY)
            np.minimum.at(first_event, pos[ok], days[ok])
            seen = True
    if not seen or not len(dob):
        return
    has = (first_event != np.iinfo(np.int64).max) & (dob != NODAY)
    adult = np.zeros(len(dob), dtype=bool)
    adult[has] = first_event[has] >= birthday(dob[has], 18)
    if adult.any():
        rows = child_rows[adult]
        cid, born = children["child_id"], children["date_of_birth"]
        out.rows_at("warning", ds.source_name("children"), "date_of_birth",
                    "adult_at_every_event", rows, born,
                    lambda i, v: f"child {cid.iat[i]!r} (born {day_text(v)}) was "
                    "18 or over at every arrest, detention and decision: is this a child's "
                    "record, and is the date of birth right?")
