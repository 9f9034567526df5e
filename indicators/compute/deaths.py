"""JJ06, child deaths in detention: the deaths counted and the three denominators.

Everything that decides JJ06 is here: :func:`deaths_cohort` selects the deaths (the
numerator) and gives every episode its reason; :func:`deaths_denominator` builds the
denominator of every group for the option ``deaths_denominator`` (by default the average
daily population: detention days in P divided by the days in P). The rate itself (deaths
per 1,000, its interval and flags) is computed like every rate, in :mod:`.kinds`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..dates import ADULT_AGE_GROUP, age_group_codes, age_on
from ..events import Events
from ..parameters import Parameters
from ..registry import IndicatorSpec
from .census import census_children
from .cohort import GROUP_CODES, Cohort, as_dates, count_by_group, first_reason, mask_by_row

__all__ = ["DeathsDenominator", "deaths_cohort", "deaths_denominator"]

AGE_GROUPS_COUNTED = GROUP_CODES["age_group"]
"""The age groups a detention day can be counted in (``0-13`` ... ``unknown``)."""


def deaths_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The deaths in detention in P (JJ06's numerator) and the records of its denominator.

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
        ``disaggregations``: the dimensions the denominator is given for.
    params : Parameters
        ``deaths_denominator``: ``average_daily_population`` (default), ``census`` or
        ``distinct_children`` (see :func:`deaths_denominator`).

    Returns
    -------
    Cohort
        ``records``: one row per death counted (table ``detentions``), with
        ``date_of_death`` and sex and age group on that day; ``denominator_records`` and
        ``denominators`` as :func:`deaths_denominator` builds them.

    Notes
    -----
    **Numerator.** Episodes with ``end_reason = death`` and a ``release_date`` (the date of
    death) in P, of a child under 18 or of unknown age on that day.

    **Left out** (table ``detentions``). An episode is ``used`` when it holds a death counted
    or adds to the denominator; otherwise the first reason that applies:

    1. ``aged_18_or_over``: a death at 18 or over, or an episode in the denominator's scope
       that adds nothing to it: all its days in P at 18 or over, or, with ``census``, open
       on C but not counted (18 or over on C, or a second open episode of a child already
       counted);
    2. ``no_day_in_detention_in_period`` (``average_daily_population``,
       ``distinct_children``): no day in detention in P (outside P, or a same-day stay), or
       ``not_in_detention_on_census_day`` (``census``).

    **Edge cases.** A death is counted even when the child had no full day in detention (a
    death on the day of admission): the episode is then ``used`` for its death alone. A
    child who turns 18 in detention and dies after is left out of the numerator, its days
    before 18 still count in the denominator. Sex ``U`` and age ``unknown`` get a rate from
    their own denominator.

    References
    ----------
    docs/indicators.md#jj06; docs/durations.md#jj06-deaths.
    """
    ep = ev.episodes
    n = len(ev.ds.tables["detentions"])
    rel = ep["rel"].to_numpy()
    death = np.asarray(ep["end_reason"] == "death") & (rel >= ev.ps) & (rel <= ev.pe)
    age = age_on(ep["dob_days"].to_numpy(), rel)
    groups = age_group_codes(age)
    counted = death & ~np.asarray(groups == ADULT_AGE_GROUP)
    rec = pd.DataFrame(
        {
            "row": ep["row"].to_numpy()[counted],
            "episode_id": ep["episode_id"].array[counted],
            "child": ep["child"].to_numpy()[counted],
            "child_id": ep["child_id"].array[counted],
            "date_of_death": as_dates(rel[counted]),
            "sex": ep["sex"].array[counted],
            "age": age[counted],
            "age_group": groups[counted],
        }
    )
    den = deaths_denominator(ev, params.deaths_denominator, ("total", *spec.disaggregations))
    reasons = first_reason(
        n,
        [
            (mask_by_row(n, ep["row"].to_numpy(), counted) | den.contributes, "used"),
            (mask_by_row(n, ep["row"].to_numpy(), death) | den.in_scope, "aged_18_or_over"),
            (np.ones(n, dtype=bool), den.scope_reason),
        ],
    )
    return Cohort(
        rec,
        "detentions",
        {"detentions": reasons},
        denominator_records=den.records,
        denominators=den.by_group,
    )


@dataclass
class DeathsDenominator:
    """JJ06's denominator for one option (what :func:`deaths_denominator` returns).

    Attributes
    ----------
    records : DataFrame
        The rows counted: ``row`` (episode), ``child``, ``child_id``, ``sex``, ``age_group``
        and ``weight`` (detention days in the age group, or 1).
    by_group : dict of str to Series
        The denominator of every group of ``total`` and each dimension.
    contributes : ndarray of bool
        Per record of the detentions table: adds to the denominator (reason ``used``).
    in_scope : ndarray of bool
        Per record: within the option's scope before the age filter (a record in scope that
        does not contribute is ``aged_18_or_over``).
    scope_reason : str
        The reason of the records out of scope.
    """

    records: pd.DataFrame
    by_group: dict[str, pd.Series]
    contributes: np.ndarray
    in_scope: np.ndarray
    scope_reason: str


def deaths_denominator(ev: Events, option: str, dimensions: Iterable[str]) -> DeathsDenominator:
    """JJ06's denominator in every group, for each of the three options.

    Parameters
    ----------
    ev : Events
    option : {"average_daily_population", "census", "distinct_children"}
        The run parameter ``deaths_denominator``.
    dimensions : iterable of str
        ``total`` and the dimensions JJ06 is reported by (sex, age group).

    Returns
    -------
    DeathsDenominator

    Notes
    -----
    ``average_daily_population`` (default)
        The days children spent in detention within P while under 18 (or of unknown age),
        divided by the number of days in P (both ends counted): the number of children in
        detention on an average day of P. Day d counts when d is in P and the child is in
        detention on d: the admission day counts, the release day does not, so a same-day
        stay adds nothing. Each day goes to the age group the child had **that day**: a child
        who turns 14 in detention adds days to ``0-13`` and ``14-15``; days at 18 or over add
        nothing. The days come from :attr:`Events.person_days` (one row per episode, its days
        in P by age group); a group's denominator is the sum of its days divided by
        :attr:`Events.days_in_period`.
    ``census``
        The children in detention on C, under 18 or of unknown age on C, each once, in the
        groups of C (the numerator of JJ02; :func:`.census.census_children`).
    ``distinct_children``
        The children with at least one day in detention in P while under 18 or of unknown
        age, each once per group: a child counts in every age group it had on such a day.

    References
    ----------
    docs/durations.md#jj06-denominator, docs/durations.md#average-daily-population,
    docs/durations.md#census-denominator, docs/durations.md#distinct-children,
    docs/durations.md#jj06-groups.
    """
    if option == "census":
        den = _census_denominator(ev)
        by_group = {dim: count_by_group(den.records, dim, False) for dim in dimensions}
    elif option == "average_daily_population":
        den = _detention_days_denominator(ev)
        by_group = {
            dim: count_by_group(den.records, dim, False, weight="weight") / ev.days_in_period
            for dim in dimensions
        }
    else:
        den = _detention_days_denominator(ev)
        by_group = {dim: count_by_group(den.records, dim, True) for dim in dimensions}
    return dataclasses.replace(den, by_group=by_group)


def _census_denominator(ev: Events) -> DeathsDenominator:
    """The children counted on C (weight 1); in scope: every episode open on C."""
    n = len(ev.ds.tables["detentions"])
    oc, oc_reasons, _ = census_children(ev)
    keep = oc_reasons == "used"
    records = pd.DataFrame(
        {
            "row": oc["row"].to_numpy()[keep],
            "child": oc["child"].to_numpy()[keep],
            "child_id": oc["child_id"].array[keep],
            "sex": oc["sex"].array[keep],
            "age_group": oc["age_group"].array[keep],
            "weight": 1.0,
        }
    )
    return DeathsDenominator(
        records=records,
        by_group={},
        contributes=mask_by_row(n, records["row"].to_numpy(), True).astype(bool),
        in_scope=mask_by_row(n, oc["row"].to_numpy(), True).astype(bool),
        scope_reason="not_in_detention_on_census_day",
    )


def _detention_days_denominator(ev: Events) -> DeathsDenominator:
    """One row per episode and age group with detention days in P (``weight``: the days);
    in scope: every episode with a day in detention in P."""
    n = len(ev.ds.tables["detentions"])
    pdays = ev.person_days
    cols = [f"days_{g}" for g in AGE_GROUPS_COUNTED]
    long = []
    for g, col in zip(AGE_GROUPS_COUNTED, cols, strict=True):
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
                        np.full(int(keep.sum()), g), categories=list(AGE_GROUPS_COUNTED)
                    ),
                    "weight": w[keep],
                }
            )
        )
    child_days = pdays[cols].to_numpy().sum(axis=1)
    rows = pdays["row"].to_numpy()
    return DeathsDenominator(
        records=pd.concat(long, ignore_index=True),
        by_group={},
        contributes=mask_by_row(n, rows, child_days > 0).astype(bool),
        in_scope=mask_by_row(n, rows, pdays["days_in_p"].to_numpy() > 0).astype(bool),
        scope_reason="no_day_in_detention_in_period",
    )
