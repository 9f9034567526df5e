"""Census-day cohorts: the children in detention on C (JJ02, JJ03, JJ07, JJ08).

All four start from :attr:`Events.on_census` (one row per child in detention on C, the
episode held that day) and give every episode of the detentions table a reason: the episodes
not open on C ``not_in_detention_on_census_day``, the others as :func:`census_children`
assigns them. JJ06's ``census`` denominator takes the same children (:mod:`.deaths`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import ADULT_AGE_GROUP, day_numbers
from ..events import Events
from ..parameters import Parameters
from ..registry import IndicatorSpec
from .cohort import Cohort, first_reason, in_window, reasons_by_row

__all__ = [
    "census_children",
    "census_children_cohort",
    "census_records",
    "family_contact_cohort",
    "separation_cohort",
]


def census_children(ev: Events, extra: list[tuple[np.ndarray, str]] | None = None):
    """The children in detention on C under 18 (or of unknown age), and the episode reasons.

    Parameters
    ----------
    ev : Events
    extra : list of (mask over ``ev.on_census``, reason), optional
        Further reasons, checked after the common ones (e.g. ``unknown_value``).

    Returns
    -------
    on_census : DataFrame
        :attr:`Events.on_census`: the episodes open on C.
    on_census_reasons : Categorical
        Their reasons, the first that applies: ``another_episode_of_child_counted`` (a second
        episode of a child already counted, open on C: the one with the latest admission is
        counted), ``aged_18_or_over`` (on C), then ``extra``.
    reasons : Categorical
        The reasons of every episode of the detentions table (``not_in_detention_on_census_day``
        for the episodes not open on C).

    Notes
    -----
    In detention on C: admitted on or before C and not released by C (a child released on C,
    or admitted and released on C, is not in detention on C; one admitted on C and still held
    is). A child who turns 18 on C is 18 on C. See docs/indicators.md#in-detention.
    """
    oc = ev.on_census
    n = len(ev.ds.tables["detentions"])
    conditions = [
        (oc["duplicate"].to_numpy(), "another_episode_of_child_counted"),
        (np.asarray(oc["age_group"] == ADULT_AGE_GROUP), "aged_18_or_over"),
        *(extra or []),
    ]
    oc_reasons = first_reason(len(oc), conditions)
    reasons = reasons_by_row(n, oc["row"].to_numpy(), oc_reasons, "not_in_detention_on_census_day")
    return oc, oc_reasons, reasons


def census_records(oc: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """Cohort records of the census-day episodes kept: one row per child, with its groups on
    C (sex, age group, facility type, legal status, area) and ``separated``."""
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


def census_children_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The children in detention on C (JJ02), or those of one legal status on C (JJ03).

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
        ``status``: empty for JJ02, ``pre_sentence`` for JJ03.
    params : Parameters
        Not read (the census day is already ``ev``'s).

    Returns
    -------
    Cohort
        ``records``: one row per child counted, from table ``detentions`` (the episode held on
        C), with its groups on C. The denominator, the child population of the year of C, is
        not part of the cohort.

    Notes
    -----
    **Numerator.** The children in detention on C, each once, under 18 or of unknown age on C;
    for JJ03 only those whose legal status on C is ``spec.status`` (``pre_sentence``: the
    spell has no ``sentence_date``, or one after C).

    **Left out** (table ``detentions``, one reason per episode), the first that applies:

    1. ``not_in_detention_on_census_day``: the episode is not open on C;
    2. ``another_episode_of_child_counted``: overlapping episodes of one child (a validation
       error); the one with the latest admission is counted;
    3. ``aged_18_or_over``: 18 or over on C;
    4. JJ03: ``not_pre_sentence_on_census_day``: sentenced on or before C.

    **Edge cases.** A child released on C is not counted, one admitted on C and still held is;
    a same-day stay on C is not counted. A child sentenced on C itself is sentenced on C (not
    in JJ03). An episode whose facility is not in ``facilities`` counts in the total and in no
    facility type or area group. A child not in ``children`` is of sex ``U`` and unknown age.

    References
    ----------
    docs/indicators.md#jj02, docs/indicators.md#jj03, docs/indicators.md#legal-status.
    """
    extra = []
    if spec.status:
        oc = ev.on_census
        extra = [
            (np.asarray(oc["legal_status"] != spec.status), f"not_{spec.status}_on_census_day")
        ]
    oc, oc_reasons, reasons = census_children(ev, extra)
    return Cohort(census_records(oc, oc_reasons == "used"), "detentions", {"detentions": reasons})


def separation_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The children in detention on C whose separation from adults is known (JJ07).

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
    params : Parameters
        Not read.

    Returns
    -------
    Cohort
        ``records`` (table ``detentions``, one row per child): the denominator, with
        ``numerator`` True for the children **not** wholly separated from adults.

    Notes
    -----
    **Denominator.** The children in detention on C, under 18 or of unknown age on C, whose
    episode held on C has ``wholly_separated_from_adults`` given (true or false).

    **Numerator.** Those whose episode held on C has ``wholly_separated_from_adults = false``
    (a higher value is worse).

    **Left out** (table ``detentions``), the first that applies:
    ``not_in_detention_on_census_day``, ``another_episode_of_child_counted``,
    ``aged_18_or_over`` (on C), ``unknown_value`` (separation not recorded on the episode held
    on C).

    **Edge cases.** Separation is read on the episode held on C only, not on the child's other
    episodes. When no child held on C has a known separation the denominator is 0 (the value
    is then empty).

    References
    ----------
    docs/indicators.md#jj07.
    """
    oc = ev.on_census
    known = oc["separated"].notna().to_numpy()
    oc, oc_reasons, reasons = census_children(ev, [(~known, "unknown_value")])
    rec = census_records(oc, oc_reasons == "used")
    rec["denominator"] = True
    rec["numerator"] = ~rec["separated"].astype(bool).to_numpy()
    return Cohort(rec, "detentions", {"detentions": reasons})


def family_contact_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The children in detention on C, and those visited in the 3 months up to C (JJ08).

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
        ``window_months`` (3): the look-back window of the visits.
    params : Parameters
        Not read (the census day, which moves the window, is ``ev``'s).

    Returns
    -------
    Cohort
        ``records`` (table ``detentions``, one row per child): the denominator, with
        ``numerator`` True for the children with a visit in the window. ``reasons`` for the
        tables ``detentions`` and ``family_visits``.

    Notes
    -----
    **Denominator.** The children in detention on C, under 18 or of unknown age on C (the
    numerator of JJ02, group by group). A child with no visit recorded counts as not visited:
    there is no unknown value.

    **Numerator.** The children of the denominator with at least one row of ``family_visits``
    dated after C minus 3 calendar months and on or before C (:func:`.cohort.in_window`).
    Visits of every direction count; they are matched to the child by ``child_id`` and date
    only (not to an episode).

    **Left out.** Table ``detentions``: as JJ02 (``not_in_detention_on_census_day``,
    ``another_episode_of_child_counted``, ``aged_18_or_over``). Table ``family_visits``, the
    first that applies: ``missing_date``; ``outside_window`` (on or before C minus 3 months,
    or after C); ``child_not_in_denominator`` (a visit to a child not counted on C).

    **Edge cases.** With C = 2024-12-31 a visit on 2024-09-30 is out of the window and one on
    2024-10-01 in; with C = 2024-05-31 the window opens after 2024-02-29. A visit in the
    window to a child released before C, or aged 18 on C, is ``child_not_in_denominator``.

    References
    ----------
    docs/indicators.md#jj08.
    """
    oc, oc_reasons, reasons = census_children(ev)
    rec = census_records(oc, oc_reasons == "used")
    visits = ev.ds.tables["family_visits"]
    vday = day_numbers(visits["visit_date"])
    visited = in_window(ev, spec, vday)
    vchild, _, _ = ev.child_lookup(visits["child_id"])
    counted = np.isin(vchild, rec["child"].to_numpy())
    rec["denominator"] = True
    rec["numerator"] = np.isin(rec["child"].to_numpy(), vchild[visited])
    visit_reasons = first_reason(
        len(visits),
        [
            (np.isnan(vday), "missing_date"),
            (~visited, "outside_window"),
            (~counted, "child_not_in_denominator"),
        ],
    )
    return Cohort(rec, "detentions", {"detentions": reasons, "family_visits": visit_reasons})
