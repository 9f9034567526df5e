"""Facility cohorts: places of detention that held a child during P (JJ12b, JJ13b).

Both count rows of ``facilities`` that held a child during P (:attr:`Events.facilities_held`)
and also report, for the detentions table, which episodes show that a facility held a child
(:func:`holding_episode_reasons`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import day_numbers
from ..events import Events
from ..parameters import Parameters
from ..registry import IndicatorSpec
from .cohort import Cohort, first_reason, in_window, reasons_by_row

__all__ = [
    "complaints_facilities_cohort",
    "facilities_holding",
    "holding_episode_reasons",
    "inspected_facilities_cohort",
]


def facilities_holding(ev: Events) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The facilities table, which of its rows held a child during P (first row of each
    facility_id only), and which rows repeat an earlier facility_id."""
    fac = ev.ds.tables["facilities"]
    held = fac["facility_id"].isin(ev.facilities_held).to_numpy(dtype=bool)
    dup = fac["facility_id"].duplicated().to_numpy()
    return fac, held & ~dup, dup


def holding_episode_reasons(ev: Events) -> np.ndarray:
    """Reasons of every detentions row for JJ12b/JJ13b: an episode is used when it shows its
    facility held a child during P (the same rule as ``Events.facilities_held``), else
    ``missing_date`` (no admission date) or ``outside_period``."""
    ep = ev.episodes
    adm, rel = ep["adm"].to_numpy(), ep["rel"].to_numpy()
    outside = ~((adm <= ev.pe) & (np.isnan(rel) | (rel >= ev.ps)))
    reasons = first_reason(
        len(ep), [(np.isnan(adm), "missing_date"), (outside, "outside_period")]
    )
    return reasons_by_row(
        len(ev.ds.tables["detentions"]), ep["row"].to_numpy(), reasons, "unknown_child"
    )


def inspected_facilities_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The facilities that held a child in P, and those independently inspected in the 12
    months up to C (JJ12b).

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
        ``window_months`` (12): the look-back window of the inspections.
    params : Parameters
        Not read (the census day, which moves the window, is ``ev``'s).

    Returns
    -------
    Cohort
        ``records`` (table ``facilities``): the denominator, one row per facility, with
        ``numerator`` True for those inspected; ``reasons`` for the tables ``facilities``,
        ``inspections`` and ``detentions``.

    Notes
    -----
    **Denominator.** Rows of ``facilities`` that held a child during P: at least one episode
    admitted on or before ``period_end`` and not released before ``period_start``.

    **Numerator.** Those with at least one row of ``inspections`` with ``independent = true``
    dated after C minus 12 calendar months and on or before C (:func:`.cohort.in_window`).

    **Left out**, the first reason that applies. Table ``facilities``: ``duplicate_record``
    (a facility_id given again: the first row is used), ``held_no_child_in_period``. Table
    ``inspections``: ``missing_date``, ``not_independent`` (false or not given),
    ``outside_window``, ``facility_not_in_denominator``. Table ``detentions``: ``used`` when
    the episode shows its facility held a child during P, else ``missing_date`` or
    ``outside_period`` (:func:`holding_episode_reasons`).

    **Edge cases.** Same-day stays count: a police cell that held a child for a few hours
    held a child; an episode released on ``period_start`` counts. With C = 2024-12-31 an
    inspection on 2023-12-31 is out of the window and one on 2024-01-01 in; the window is
    counted back from C, the facilities over the whole of P. No age filter.

    References
    ----------
    docs/indicators.md#jj12b.
    """
    fac, held, dup = facilities_holding(ev)
    ins = ev.ds.tables["inspections"]
    day = day_numbers(ins["inspection_date"])
    independent = ins["independent"].fillna(False).to_numpy(dtype=bool)
    recent = in_window(ev, spec, day)
    ins_fac = ins["facility_id"]
    inspected = ins_fac[independent & recent]
    fac_reasons = first_reason(
        len(fac), [(dup, "duplicate_record"), (~held, "held_no_child_in_period")]
    )
    rec = _facility_records(fac, held)
    rec["numerator"] = rec["facility_id"].isin(inspected).to_numpy(dtype=bool)
    ins_reasons = first_reason(
        len(ins),
        [
            (np.isnan(day), "missing_date"),
            (~independent, "not_independent"),
            (~recent, "outside_window"),
            (~ins_fac.isin(rec["facility_id"]).to_numpy(dtype=bool), "facility_not_in_denominator"),
        ],
    )
    reasons = {
        "facilities": fac_reasons,
        "inspections": ins_reasons,
        "detentions": holding_episode_reasons(ev),
    }
    return Cohort(rec, "facilities", reasons)


def complaints_facilities_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The facilities that held a child in P whose complaints mechanism is known (JJ13b).

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
    params : Parameters
        Not read.

    Returns
    -------
    Cohort
        ``records`` (table ``facilities``): the denominator, with ``numerator`` True where
        ``complaints_mechanism`` is true; ``reasons`` for ``facilities`` and ``detentions``.

    Notes
    -----
    **Denominator.** Rows of ``facilities`` that held a child during P (as JJ12b) whose
    ``complaints_mechanism`` is given.

    **Numerator.** Those with ``complaints_mechanism = true``.

    **Left out**, the first reason that applies. Table ``facilities``: ``duplicate_record``,
    ``held_no_child_in_period``, ``unknown_value`` (complaints mechanism not recorded).
    Table ``detentions``: as JJ12b.

    **Edge cases.** As JJ12b for the facilities held (same-day stays count). No age filter.

    References
    ----------
    docs/indicators.md#jj13b.
    """
    fac, held, dup = facilities_holding(ev)
    known = fac["complaints_mechanism"].notna().to_numpy()
    fac_reasons = first_reason(
        len(fac),
        [
            (dup, "duplicate_record"),
            (~held, "held_no_child_in_period"),
            (~known, "unknown_value"),
        ],
    )
    rec = _facility_records(fac, fac_reasons == "used", ["complaints_mechanism"])
    rec["numerator"] = rec["complaints_mechanism"].astype(bool).to_numpy()
    reasons = {"facilities": fac_reasons, "detentions": holding_episode_reasons(ev)}
    return Cohort(rec, "facilities", reasons)


def _facility_records(
    fac: pd.DataFrame, used: np.ndarray, extra: list[str] | tuple[str, ...] = ()
) -> pd.DataFrame:
    """Cohort records of the facilities used: the facility stands in for the child (one
    per row) so that the percentage counts facilities."""
    rec = pd.DataFrame(
        {
            "row": np.flatnonzero(used),
            "facility_id": fac["facility_id"].array[used],
            "facility_type": fac["facility_type"].array[used],
            **{col: fac[col].array[used] for col in extra},
        }
    )
    rec["child_id"] = rec["facility_id"]
    rec["child"] = np.arange(len(rec))
    rec["denominator"] = True
    return rec
