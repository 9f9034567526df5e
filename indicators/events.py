"""Derived tables of a dataset: spells, ages, status on a day, periods and person-days.

Everything here is vectorised pandas/numpy (a national register has millions of rows: no
Python loop over records). Dates are handled as *day numbers* (:mod:`indicators.dates`:
days since 1970-01-01, float64 with NaN for a missing date) so that comparisons with a
missing date are simply False and interval arithmetic is plain subtraction.

The derived tables of one dataset and one census day are computed once and cached:
:func:`get_events` returns the same :class:`Events` object for the same dataset and day. The
cohort builders of :mod:`indicators.compute` select their records from these tables.

References
----------
The user documentation: docs/records.md#spells (episodes chained into spells),
docs/indicators.md#in-detention (in detention on a day), docs/indicators.md#legal-status,
docs/indicators.md#ages, docs/durations.md#periods (pre-sentence and sentenced periods) and
docs/durations.md#average-daily-population (days in detention in P, by age).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from .codes import FACILITY_TYPE, LEGAL_STATUS, SEX
from .dates import (
    AGE_BOUNDS,
    age_group_codes,
    age_on,
    birthday,
    day_numbers,
    lookup_positions,
    overlap_days,
)

__all__ = ["Events", "get_events"]


def _cat(values, categories) -> pd.Categorical:
    return pd.Categorical(values, categories=list(categories))


def _area_categorical(values) -> pd.Categorical:
    """Area text as a categorical (missing stays missing)."""
    return pd.Categorical(pd.Series(values, dtype="string"))


# --------------------------------------------------------------------------- the Events object


class Events:
    """Derived tables of one dataset for one census day, each computed once on first use.

    Parameters
    ----------
    ds : Dataset
        The typed dataset.
    census_date : Timestamp, optional
        The census day C; default ``ds.census_date``.

    Notes
    -----
    A record whose child_id is not in the children table (a validation error) is treated as a
    child of sex ``U`` and unknown date of birth rather than dropped.
    """

    def __init__(self, ds, census_date: pd.Timestamp | None = None):
        self.ds = ds
        self.period_start = pd.Timestamp(ds.period_start)
        self.period_end = pd.Timestamp(ds.period_end)
        self.census_date = pd.Timestamp(census_date if census_date is not None else ds.census_date)
        self.ps = day_numbers(self.period_start)
        self.pe = day_numbers(self.period_end)
        self.c = day_numbers(self.census_date)

    @property
    def days_in_period(self) -> int:
        """Days in P, both ends counted."""
        return int(self.pe - self.ps) + 1

    # ----------------------------------------------------------------- children
    @cached_property
    def children(self) -> pd.DataFrame:
        """Children (first row of each child_id), with ``dob_days``."""
        ch = self.ds.tables.get("children")
        if ch is None:
            ch = pd.DataFrame(
                {
                    "child_id": pd.Series([], dtype="string"),
                    "sex": _cat([], SEX),
                    "date_of_birth": pd.Series([], dtype="datetime64[ns]"),
                }
            )
        # No de-duplication needed: a lookup finds the first row of a repeated child_id.
        sex = pd.Categorical(ch["sex"], categories=list(SEX))
        return pd.DataFrame(
            {
                "child_id": ch["child_id"].array,
                "sex": pd.Categorical.from_codes(
                    np.where(sex.codes < 0, SEX.index("U"), sex.codes), categories=list(SEX)
                ),
                "dob_days": day_numbers(ch["date_of_birth"]),
            }
        ).reset_index(drop=True)

    def memo(self, key: str, compute):
        """A value computed once per Events object and shared between indicators."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def child_lookup(self, child_id: pd.Series) -> tuple[np.ndarray, pd.Categorical, np.ndarray]:
        """Child code, sex (categorical) and date of birth (day numbers) of each child_id.

        The code is the child's position in :attr:`children`; ids missing from the children
        table get codes after those (the same id, the same code within one call). Lookups of a
        table's own child_id column are cached.
        """
        cache = self.__dict__.setdefault("_child_lookup_cache", {})
        key = id(child_id.array) if isinstance(child_id, pd.Series) else None
        for table in self.ds.tables.values():
            if (
                key is not None
                and "child_id" in table.columns
                and id(table["child_id"].array) == key
            ):
                hit = cache.get(key)
                if hit is None:
                    hit = cache[key] = self._child_lookup(child_id)
                return hit
        return self._child_lookup(child_id)

    def _child_lookup(self, child_id: pd.Series) -> tuple[np.ndarray, pd.Categorical, np.ndarray]:
        ch = self.children
        pos = lookup_positions(child_id, ch["child_id"])
        found = pos >= 0
        code = pos.copy()
        if not found.all():
            extra, _ = pd.factorize(pd.Series(child_id.array[~found]))
            code[~found] = len(ch) + extra
        sex_codes = np.full(len(pos), SEX.index("U"), dtype=np.int8)
        sex_codes[found] = ch["sex"].cat.codes.to_numpy()[pos[found]]
        dob = np.full(len(pos), np.nan)
        dob[found] = ch["dob_days"].to_numpy()[pos[found]]
        return code, pd.Categorical.from_codes(sex_codes, categories=list(SEX)), dob

    def child_attributes(self, child_id: pd.Series) -> tuple[pd.Categorical, np.ndarray]:
        """Sex (categorical) and date of birth (day numbers) of each child_id in a table."""
        _, sex, dob = self.child_lookup(child_id)
        return sex, dob

    # ----------------------------------------------------------------- population
    @cached_property
    def population_rows(self) -> pd.DataFrame:
        """Population rows with ``reason``: ``used`` for the child population of the year of C
        (sex F/M, ages 0-17), else ``other_year``, ``aged_18_or_over`` or ``missing_value``."""
        pop = self.ds.tables.get("population")
        if pop is None:
            pop = pd.DataFrame(
                {
                    "year": pd.array([], dtype="Int64"),
                    "sex": _cat([], ("F", "M")),
                    "age": pd.array([], dtype="Int64"),
                    "population": pd.array([], dtype="Int64"),
                }
            )
        year = pop["year"].to_numpy(dtype=float, na_value=np.nan)
        age = pop["age"].to_numpy(dtype=float, na_value=np.nan)
        value = pop["population"].to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(year) | np.isnan(age) | np.isnan(value) | pop["sex"].isna().to_numpy()
        other_year = year != self.census_date.year
        adult = age >= 18
        reason = np.select(
            [missing, other_year, adult, age < 0],
            ["missing_value", "other_year", "aged_18_or_over", "missing_value"],
            "used",
        )
        area = _area_categorical(
            pop["area"].array if "area" in pop.columns else np.full(len(pop), None, dtype=object)
        )
        out = pd.DataFrame(
            {
                "row": np.arange(len(pop)),
                "year": year,
                "sex": pop["sex"].array,
                "age": age,
                "age_group": age_group_codes(age),
                "area": area,
                "population": value,
                "reason": reason,
            }
        )
        return out

    @cached_property
    def child_population(self) -> pd.DataFrame:
        """The rows of :attr:`population_rows` that make the child population of C's year."""
        rows = self.population_rows
        return rows[rows["reason"].to_numpy() == "used"].reset_index(drop=True)

    # ----------------------------------------------------------------- facilities
    @cached_property
    def facilities(self) -> pd.DataFrame | None:
        """The facilities table (first row per facility_id), or None when not given."""
        fac = self.ds.tables.get("facilities")
        if fac is None:
            return None
        return fac.drop_duplicates("facility_id", keep="first").reset_index(drop=True)

    def _facility_lookup(self, facility_id: pd.Series) -> tuple[pd.Categorical, pd.Categorical]:
        """Facility type and area of each facility_id (missing when not in facilities)."""
        fac = self.facilities
        n = len(facility_id)
        if fac is None:
            return (
                pd.Categorical.from_codes(np.full(n, -1), categories=list(FACILITY_TYPE)),
                _area_categorical(np.full(n, None, dtype=object)),
            )
        pos = lookup_positions(facility_id, fac["facility_id"])
        found = pos >= 0
        codes = np.full(n, -1, dtype=np.int16)
        codes[found] = fac["facility_type"].cat.codes.to_numpy()[pos[found]]
        area_cat = _area_categorical(
            fac["area"].array if "area" in fac.columns else np.full(len(fac), None, dtype=object)
        )
        area_codes = np.full(n, -1, dtype=np.int32)
        area_codes[found] = area_cat.codes[pos[found]]
        area = pd.Categorical.from_codes(area_codes, categories=area_cat.categories)
        return pd.Categorical.from_codes(codes, categories=list(FACILITY_TYPE)), area

    # ----------------------------------------------------------------- episodes and spells
    @cached_property
    def episodes(self) -> pd.DataFrame | None:
        """Detention episodes with their spell, in (child, admission) order.

        Columns: ``row`` (index in the detentions table), ``child`` (child code, see
        :meth:`child_lookup`), ``episode_id``, ``child_id``,
        ``facility_id``, ``sex``, ``dob_days``, ``adm``, ``rel`` (day numbers), ``end_reason``,
        ``sentence``, ``separated``, ``aftercare``, ``facility_type``, ``area``, ``spell``,
        ``spell_adm``, ``spell_end``, ``spell_end_reason``, ``spell_sentence``,
        ``last_in_spell``. None when the detentions table is not given.

        Notes
        -----
        Episodes of one child are chained into a spell when the previous one ended with
        ``transfer`` on the day the next one was admitted. Ties on the admission day put a
        same-day (closed) episode before an open or longer one, then keep the file order.
        """
        det = self.ds.tables.get("detentions")
        if det is None:
            return None
        ep = self._sorted_episodes(det)
        _chain_spells(ep)
        return ep

    def _sorted_episodes(self, det: pd.DataFrame) -> pd.DataFrame:
        """The detentions rows with child code, sex, date of birth, facility type and area,
        in (child, admission, release, file) order; open episodes sort last."""
        code, sex, dob = self.child_lookup(det["child_id"])
        ftype, farea = self._facility_lookup(det["facility_id"])
        adm = day_numbers(det["admission_date"])
        rel = day_numbers(det["release_date"])
        rows = np.arange(len(det))
        order = np.lexsort((rows, np.where(np.isnan(rel), np.inf, rel), adm, code))
        return pd.DataFrame(
            {
                "row": rows[order],
                "child": code[order],
                "episode_id": det["episode_id"].array.take(order),
                "child_id": det["child_id"].array.take(order),
                "facility_id": det["facility_id"].array.take(order),
                "sex": sex.take(order),
                "dob_days": dob[order],
                "adm": adm[order],
                "rel": rel[order],
                "end_reason": det["end_reason"].array.take(order),
                "sentence": day_numbers(det["sentence_date"])[order],
                "separated": det["wholly_separated_from_adults"].array.take(order),
                "aftercare": det["received_aftercare"].array.take(order),
                "facility_type": ftype.take(order),
                "area": farea.take(order),
            }
        )

    @cached_property
    def spells(self) -> pd.DataFrame | None:
        """One row per spell: its last episode's columns plus ``age_adm``, ``age_group_adm``."""
        ep = self.episodes
        if ep is None:
            return None
        sp = ep[ep["last_in_spell"].to_numpy()].reset_index(drop=True)
        sp["age_adm"] = age_on(sp["dob_days"].to_numpy(), sp["spell_adm"].to_numpy())
        sp["age_group_adm"] = age_group_codes(sp["age_adm"].to_numpy())
        return sp

    def in_detention_on(self, day: float) -> np.ndarray:
        """Mask over :attr:`episodes`: admitted on or before ``day`` and not released by it."""
        ep = self.episodes
        adm = ep["adm"].to_numpy()
        rel = ep["rel"].to_numpy()
        return (adm <= day) & (np.isnan(rel) | (rel > day))

    def status_on(self, day: pd.Timestamp | str) -> pd.DataFrame | None:
        """Children in detention on a day: one row per child, the episode held that day.

        Where a child has several episodes open on the day (overlapping episodes, a validation
        error) the one with the latest admission (then the last in the file) is taken. Columns:
        those of :attr:`episodes` plus ``age``, ``age_group`` (on the day), ``legal_status``
        (``sentenced`` when the spell's sentence_date is on or before the day) and
        ``duplicate`` (True for the other episodes open that day of a child already counted).
        """
        ep = self.episodes
        if ep is None:
            return None
        d = day if isinstance(day, float) else day_numbers(pd.Timestamp(day))
        held = ep[self.in_detention_on(d)]
        held = held.sort_values(["child", "adm", "row"], kind="stable")
        dup = held.duplicated("child", keep="last").to_numpy()
        held = held.assign(duplicate=dup)
        held["age"] = age_on(held["dob_days"].to_numpy(), d)
        held["age_group"] = age_group_codes(held["age"].to_numpy())
        sentenced = held["spell_sentence"].to_numpy() <= d
        held["legal_status"] = pd.Categorical.from_codes(
            sentenced.astype(np.int8), categories=list(LEGAL_STATUS)
        )
        return held.reset_index(drop=True)

    @cached_property
    def on_census(self) -> pd.DataFrame | None:
        """:meth:`status_on` the census day C (cached)."""
        return self.status_on(self.c)

    # ----------------------------------------------------------------- periods (JJ04, JJ05)
    def _periods(self, start: np.ndarray, end: np.ndarray, exists: np.ndarray) -> pd.DataFrame:
        sp = self.spells
        out = pd.DataFrame(
            {
                "spell": sp["spell"].to_numpy(),
                "child": sp["child"].to_numpy(),
                "child_id": sp["child_id"].array,
                "sex": sp["sex"].array,
                "age": sp["age_adm"].to_numpy(),
                "age_group": sp["age_group_adm"].array,
                "spell_adm": sp["spell_adm"].to_numpy(),
                "start": start,
                "end": end,
                "exists": exists,
            }
        )
        out["days"] = out["end"] - out["start"]
        ended_in_p = (out["end"] >= self.ps) & (out["end"] <= self.pe)
        out["ended_in_p"] = exists & ended_in_p.to_numpy()
        in_progress = exists & (start <= self.pe) & (np.isnan(end) | (end >= self.ps))
        out["in_progress_in_p"] = in_progress
        out["km_days"] = np.where(out["ended_in_p"], out["days"], self.pe - start)
        return out

    @cached_property
    def pre_sentence_periods(self) -> pd.DataFrame | None:
        """One row per spell: its pre-sentence period (``exists`` False when it has none).

        Starts at spell admission when the spell began before its sentence_date (or has none);
        ends at the earlier of sentence_date and spell end (NaN while in progress).
        """
        sp = self.spells
        if sp is None:
            return None
        adm = sp["spell_adm"].to_numpy()
        sent = sp["spell_sentence"].to_numpy()
        end = np.fmin(sent, sp["spell_end"].to_numpy())
        exists = np.isnan(sent) | (adm < sent)
        return self._periods(adm, end, exists)

    @cached_property
    def sentenced_periods(self) -> pd.DataFrame | None:
        """One row per spell: its sentenced period (a sentence_date before the spell end).

        Starts at the later of spell admission and sentence_date; ends at the spell end (NaN
        while in progress). An open spell with a sentence_date has a period in progress.
        """
        sp = self.spells
        if sp is None:
            return None
        adm = sp["spell_adm"].to_numpy()
        sent = sp["spell_sentence"].to_numpy()
        end = sp["spell_end"].to_numpy()
        exists = ~np.isnan(sent) & (np.isnan(end) | (sent < end))
        return self._periods(np.fmax(adm, np.where(np.isnan(sent), np.nan, sent)), end, exists)

    # ----------------------------------------------------------------- person-days (JJ06)
    @cached_property
    def person_days(self) -> pd.DataFrame | None:
        """Days each episode spent in detention within P, split by the child's age that day.

        Columns ``row``, ``child_id``, ``sex`` and ``days_0-13``, ``days_14-15``,
        ``days_16-17``, ``days_unknown``, ``days_18_or_over``, ``days_in_p``.

        Notes
        -----
        Day d counts when the child is in detention on d (admission day counted, release day
        not) and d lies in P. A child turning 14 in detention adds days to 0-13 and 14-15.
        JJ06's denominators are built from these days
        (:func:`indicators.compute.deaths.deaths_denominator`).
        """
        ep = self.episodes
        if ep is None:
            return None
        start = np.fmax(ep["adm"].to_numpy(), self.ps)
        rel = ep["rel"].to_numpy()
        end_excl = np.fmin(np.where(np.isnan(rel), np.inf, rel), self.pe + 1)
        dob = ep["dob_days"].to_numpy()
        known = ~np.isnan(dob)
        b14, b16, b18 = (birthday(dob, n) for n in AGE_BOUNDS)
        total = overlap_days(start, end_excl, -np.inf, np.inf)
        out = pd.DataFrame(
            {
                "row": ep["row"].to_numpy(),
                "child": ep["child"].to_numpy(),
                "child_id": ep["child_id"].array,
                "sex": ep["sex"].array,
            }
        )
        out["days_0-13"] = np.where(known, overlap_days(start, end_excl, -np.inf, b14), 0.0)
        out["days_14-15"] = np.where(known, overlap_days(start, end_excl, b14, b16), 0.0)
        out["days_16-17"] = np.where(known, overlap_days(start, end_excl, b16, b18), 0.0)
        out["days_unknown"] = np.where(known, 0.0, total)
        out["days_18_or_over"] = np.where(known, overlap_days(start, end_excl, b18, np.inf), 0.0)
        out["days_in_p"] = total
        return out

    @cached_property
    def person_days_by_child(self) -> pd.DataFrame | None:
        """:attr:`person_days` summed over each child's episodes (one row per child)."""
        pdays = self.person_days
        if pdays is None:
            return None
        cols = [c for c in pdays.columns if c.startswith("days_")]
        return pdays.groupby("child", sort=True)[cols].sum().reset_index()

    # ----------------------------------------------------------------- facilities (JJ12b, JJ13b)
    @cached_property
    def facilities_held(self) -> pd.api.extensions.ExtensionArray | None:
        """facility_ids with an episode admitted on or before period_end and not released
        before period_start (same-day stays count)."""
        ep = self.episodes
        if ep is None:
            return None
        adm = ep["adm"].to_numpy()
        rel = ep["rel"].to_numpy()
        held = (adm <= self.pe) & (np.isnan(rel) | (rel >= self.ps))
        return pd.unique(pd.Series(ep["facility_id"].array[held]))


def _chain_spells(ep: pd.DataFrame) -> None:
    """Add the spell columns to sorted episodes (in place): an episode continues the spell of
    the previous one when that was the same child's and ended with ``transfer`` on the day
    this one was admitted."""
    child = ep["child"].to_numpy()
    adm = ep["adm"].to_numpy()
    rel = ep["rel"].to_numpy()
    is_transfer = np.asarray(ep["end_reason"] == "transfer", dtype=bool)
    chained = np.zeros(len(ep), dtype=bool)
    if len(ep) > 1:
        chained[1:] = (child[1:] == child[:-1]) & is_transfer[:-1] & (rel[:-1] == adm[1:])
    spell = np.cumsum(~chained) - 1
    n = len(ep)
    starts = np.flatnonzero(~chained)
    ends = np.r_[starts[1:] - 1, n - 1].astype(np.int64) if n else starts
    lengths = ends - starts + 1
    first_idx = np.repeat(starts, lengths)
    last_idx = np.repeat(ends, lengths)
    ep["spell"] = spell
    ep["spell_adm"] = adm[first_idx]
    ep["spell_end"] = rel[last_idx]  # NaN when the last episode is open
    reason = ep["end_reason"].array
    ep["spell_end_reason"] = pd.Categorical.from_codes(
        reason.codes[last_idx], categories=reason.categories
    )
    sentence = ep["sentence"].to_numpy()
    spell_sentence = np.fmin.reduceat(sentence, starts) if n else sentence
    ep["spell_sentence"] = np.repeat(spell_sentence, lengths)
    last = np.zeros(n, dtype=bool)
    last[ends] = True
    ep["last_in_spell"] = last


def get_events(ds, census_date: pd.Timestamp | None = None) -> Events:
    """The cached :class:`Events` of a dataset for a census day (default ``ds.census_date``)."""
    c = pd.Timestamp(census_date if census_date is not None else ds.census_date)
    key = (pd.Timestamp(ds.period_start), pd.Timestamp(ds.period_end), c, id(ds.tables))
    cache = ds.__dict__.setdefault("_events_cache", {})
    ev = cache.get(key)
    if ev is None:
        ev = Events(ds, c)
        cache[key] = ev
    return ev
