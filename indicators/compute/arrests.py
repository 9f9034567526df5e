"""The arrests cohort (JJ01, children in conflict with the law)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import ADULT_AGE_GROUP, age_group_codes, age_on, day_numbers
from ..events import Events
from ..parameters import Parameters
from ..registry import IndicatorSpec
from .cohort import Cohort, first_reason

__all__ = ["arrests_cohort"]


def arrests_cohort(ev: Events, spec: IndicatorSpec, params: Parameters) -> Cohort:
    """The arrests of children in P (JJ01's numerator).

    Parameters
    ----------
    ev : Events
        The derived tables of the dataset for the run's census day.
    spec : IndicatorSpec
        The indicator (JJ01, ``cohort = "arrests"``).
    params : Parameters
        Not read: ``count_unit`` is applied when counting (:mod:`.kinds`).

    Returns
    -------
    Cohort
        ``records``: one row per arrest used, from table ``arrests``, with the groups sex, age
        group (on the arrest date), offence and area. The denominator, the child population
        of the year of C, is not part of the cohort (``Events.child_population``).

    Notes
    -----
    **Numerator.** Rows of ``arrests`` with ``arrest_date`` in P (both ends included) of a
    child under 18 or of unknown age on the arrest date.

    **Left out** (table ``arrests``), the first reason that applies:

    1. ``missing_date``: no arrest date;
    2. ``outside_period``: the arrest date is not in P;
    3. ``aged_18_or_over``: 18 or over on the arrest date.

    **Age.** On the arrest date from the child's ``date_of_birth``; where that is missing (or
    the child is not in ``children``), the arrest's ``age_years``; where both are missing the
    age is unknown and the arrest is kept in the group ``unknown``.

    **Edge cases.** Two arrests of one child are two records (``count_unit = "child"`` counts
    the child once per cell). An arrest without ``area`` counts in the total and its other
    groups, not in the area dimension; a dataset whose arrests carry no ``area`` column gets
    an all-missing area.

    References
    ----------
    docs/indicators.md#jj01; docs/indicators.md#ages (age on a day, ``age_years``).
    """
    arr = ev.ds.tables["arrests"]
    code, sex, dob = ev.child_lookup(arr["child_id"])
    day = day_numbers(arr["arrest_date"])
    age = age_on(dob, day)
    # age_years is used only where date_of_birth is missing.
    stated = arr["age_years"].to_numpy(dtype=float, na_value=np.nan)
    age = np.where(np.isnan(dob), stated, age)
    groups = age_group_codes(age)
    in_p = (day >= ev.ps) & (day <= ev.pe)
    reasons = first_reason(
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
