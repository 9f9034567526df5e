"""Spell-based cohorts: durations of detention (JJ04, JJ05) and aftercare (JJ11).

A spell is a chain of one child's episodes linked by transfers (:attr:`Events.spells`, one
row per spell, on its last episode). These cohorts count spells, or periods of spells, and
give every episode of a spell the spell's reason (:func:`spell_reasons_to_episodes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import ADULT_AGE_GROUP
from ..events import Events
from ..parameters import Parameters
from ..registry import IndicatorSpec
from .cohort import Cohort, as_dates, first_reason, reasons_by_row

__all__ = ["aftercare_cohort", "periods_cohort", "spell_reasons_to_episodes"]


def spell_reasons_to_episodes(ev: Events, spell_reasons: np.ndarray) -> np.ndarray:
    """Episode reasons from per-spell reasons (spells in :attr:`Events.spells` order)."""
    ep = ev.episodes
    n = len(ev.ds.tables["detentions"])
    per_episode = spell_reasons[ep["spell"].to_numpy()]
    return reasons_by_row(n, ep["row"].to_numpy(), per_episode, "used")


def periods_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The pre-sentence (JJ04) or sentenced (JJ05) periods that ended in P.

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
        ``status``: ``pre_sentence`` (JJ04, :attr:`Events.pre_sentence_periods`) or
        ``sentenced`` (JJ05, :attr:`Events.sentenced_periods`).
    params : Parameters
        Not read.

    Returns
    -------
    Cohort
        ``records``: one row per period that ended in P (table ``detentions``, ``row`` the
        spell's last episode), with ``start``, ``end`` and ``days`` (end minus start), sex and
        age group at the spell's admission. ``km``: every period in progress on some day of P,
        with ``km_days`` (days up to its end, or up to ``period_end`` while in progress) and
        ``observed`` (ended in P), for the Kaplan-Meier median.

    Notes
    -----
    **Periods.** A spell is cut at its ``sentence_date`` (the earliest of its episodes). The
    pre-sentence period runs from the spell's admission to the earlier of the sentence date
    and the spell's end, when the spell began before its sentence date or has none; the
    sentenced period from the later of admission and sentence date to the spell's end, when
    the sentence date is before the spell's end (or the spell is open).

    **Cohort (value and n).** The periods that ended in P, however they ended (sentence,
    release, escape, death: a transfer does not end a period), of a child under 18 or of
    unknown age at the spell's admission.

    **Left out** (table ``detentions``; every episode of a spell gets the spell's reason), the
    first that applies:

    1. ``no_pre_sentence_period`` / ``no_sentenced_period``: the spell has no such period
       (sentenced on or before admission; no sentence date, or one on or after its end);
    2. ``period_not_ended_in_period``: the period ended before P, after P, or has not ended;
    3. ``aged_18_or_over``: 18 or over at the spell's admission.

    **Kaplan-Meier set.** Periods that exist, were in progress on some day of P (started on
    or before ``period_end``, not ended before ``period_start``) and are not of a child aged
    18 or over at admission; a period still open at ``period_end`` is censored there.

    **Edge cases.** A period ending on its first day lasts 0 days. A child sentenced before
    admission has a sentenced period from the admission. A transfer chain crossing
    ``period_start`` is one spell, admitted on its first episode's day.

    References
    ----------
    docs/indicators.md#jj04, docs/indicators.md#jj05; docs/durations.md#periods,
    docs/durations.md#cohort, docs/durations.md#kaplan-meier.
    """
    periods = ev.pre_sentence_periods if spec.status == "pre_sentence" else ev.sentenced_periods
    adult = np.asarray(periods["age_group"] == ADULT_AGE_GROUP)
    exists = periods["exists"].to_numpy()
    spell_reasons = first_reason(
        len(periods),
        [
            (~exists, f"no_{spec.status}_period"),
            (~periods["ended_in_p"].to_numpy(), "period_not_ended_in_period"),
            (adult, "aged_18_or_over"),
        ],
    )
    used = spell_reasons == "used"
    rec = _period_records(ev, periods, used)
    km = _km_records(ev, periods, exists & periods["in_progress_in_p"].to_numpy() & ~adult)
    return Cohort(
        rec, "detentions", {"detentions": spell_reasons_to_episodes(ev, spell_reasons)}, km=km
    )


def _period_records(ev: Events, periods: pd.DataFrame, used: np.ndarray) -> pd.DataFrame:
    sp = ev.spells
    return pd.DataFrame(
        {
            "row": sp["row"].to_numpy()[used],
            "spell": periods["spell"].to_numpy()[used],
            "child": periods["child"].to_numpy()[used],
            "child_id": periods["child_id"].array[used],
            "sex": periods["sex"].array[used],
            "age": periods["age"].to_numpy()[used],
            "age_group": periods["age_group"].array[used],
            "start": as_dates(periods["start"].to_numpy()[used]),
            "end": as_dates(periods["end"].to_numpy()[used]),
            "days": periods["days"].to_numpy()[used],
        }
    )


def _km_records(ev: Events, periods: pd.DataFrame, km_sel: np.ndarray) -> pd.DataFrame:
    sp = ev.spells
    return pd.DataFrame(
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


def aftercare_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The spells ended by a release in P whose aftercare is known (JJ11).

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
    params : Parameters
        Not read: ``count_unit`` is applied when counting (:mod:`.kinds`).

    Returns
    -------
    Cohort
        ``records`` (table ``detentions``, ``row`` the releasing episode): the denominator,
        one row per spell, with ``numerator`` True where ``received_aftercare`` is true.

    Notes
    -----
    **Denominator.** Spells whose last episode has ``end_reason = release`` and a
    ``release_date`` in P, of a child under 18 or of unknown age at the spell's admission,
    whose ``received_aftercare`` (read on the releasing episode) is known.

    **Numerator.** Those with ``received_aftercare = true``.

    **Left out** (table ``detentions``; every episode of a spell gets the spell's reason), the
    first that applies:

    1. ``spell_not_ended_by_release_in_period``: still held, ended by escape or death, or
       released outside P;
    2. ``aged_18_or_over``: at the spell's admission;
    3. ``unknown_value``: aftercare not recorded.

    **Edge cases.** A transfer is not a release: the spell continues in the next place, and
    only its final release counts. A release on ``period_start`` is in P.

    References
    ----------
    docs/indicators.md#jj11; spells: docs/records.md#spells; ``count_unit = "child"``:
    docs/indicators.md#count-unit.
    """
    sp = ev.spells
    end = sp["spell_end"].to_numpy()
    released = np.asarray(sp["spell_end_reason"] == "release") & (end >= ev.ps) & (end <= ev.pe)
    aftercare = sp["aftercare"]
    spell_reasons = first_reason(
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
            "spell_admission": as_dates(sp["spell_adm"].to_numpy()[used]),
            "release_date": as_dates(end[used]),
            "sex": sp["sex"].array[used],
            "age": sp["age_adm"].to_numpy()[used],
            "age_group": sp["age_group_adm"].array[used],
            "received_aftercare": aftercare.array[used],
        }
    )
    rec["denominator"] = True
    rec["numerator"] = rec["received_aftercare"].astype(bool).to_numpy()
    return Cohort(rec, "detentions", {"detentions": spell_reasons_to_episodes(ev, spell_reasons)})
