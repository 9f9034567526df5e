"""The decisions cohort (JJ09 custodial sentencing, JJ10 pre-sentence diversion)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import ADULT_AGE_GROUP, age_group_codes, age_on, day_numbers
from ..events import Events
from ..parameters import Parameters
from ..registry import IndicatorSpec
from .cohort import Cohort, first_reason

__all__ = ["decision_ages", "decisions_cohort"]


def decision_ages(dis: pd.DataFrame, dob: np.ndarray):
    """Decision day, and age and age group on the offence date, else the decision date."""
    decided = day_numbers(dis["decision_date"])
    offence_day = day_numbers(dis["offence_date"])
    age = age_on(dob, np.where(np.isnan(offence_day), decided, offence_day))
    return decided, age, age_group_codes(age)


def decisions_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The relevant decisions of P (JJ09, JJ10), the numerator's marked.

    Parameters
    ----------
    ev : Events
    spec : IndicatorSpec
        ``denominator_codes``: the decisions counted in the denominator (JJ09:
        ``custodial_sentence``, ``non_custodial_sentence``; JJ10: those and ``diversion``);
        ``numerator_codes``: those of the numerator (JJ09: ``custodial_sentence``; JJ10:
        ``diversion``).
    params : Parameters
        Not read: ``count_unit`` is applied when counting (:mod:`.kinds`).

    Returns
    -------
    Cohort
        ``records`` (table ``dispositions``): the denominator, one row per decision, with
        ``numerator`` True for the decisions of ``numerator_codes``; groups sex, age group and
        offence.

    Notes
    -----
    **Denominator.** Rows of ``dispositions`` with ``decision_date`` in P and a decision of
    ``denominator_codes``, of a child under 18 or of unknown age on the offence date (the
    decision date where ``offence_date`` is missing).

    **Left out** (table ``dispositions``), the first reason that applies:

    1. ``missing_date``: no decision date;
    2. ``outside_period``: the decision date is not in P;
    3. ``not_a_relevant_decision``: a decision not in ``denominator_codes`` (JJ09:
       ``diversion``, ``acquittal``, ``dismissal``; JJ10: ``acquittal``, ``dismissal``);
    4. ``aged_18_or_over``: on the offence date, else the decision date.

    **Edge cases.** A child who offended at 17 and was sentenced at 18 is counted, at 17. A
    decision without ``offence_category`` counts in the total and the other groups, in no
    offence group. The ages are computed once for JJ09 and JJ10 (``Events.memo``).

    References
    ----------
    docs/indicators.md#jj09, docs/indicators.md#jj10; ``count_unit = "child"``:
    docs/indicators.md#count-unit.
    """
    dis = ev.ds.tables["dispositions"]
    code, sex, dob = ev.child_lookup(dis["child_id"])
    decided, age, groups = ev.memo("decision_ages", lambda: decision_ages(dis, dob))
    decision = dis["decision"].array
    relevant = np.asarray(decision.isin(list(spec.denominator_codes)), dtype=bool)
    in_p = (decided >= ev.ps) & (decided <= ev.pe)
    reasons = first_reason(
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
