"""Derived tables (events.py): dates, ages, spells, census day, periods, person-days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.dataset import Dataset
from indicators.dates import (
    age_group_codes,
    age_on,
    birthday,
    day_numbers,
    lookup_positions,
    months_before,
)
from indicators.events import get_events

META = {"country": "TST", "period_start": "2024-01-01", "period_end": "2024-12-31"}


def d(text: str) -> float:
    return day_numbers(pd.Timestamp(text))


def dataset(children, detentions=None, facilities=None, **meta) -> Dataset:
    frames = {
        "children": pd.DataFrame(children, columns=["child_id", "sex", "date_of_birth"]),
        "population": pd.DataFrame(
            {"year": 2024, "sex": ["F", "M"], "age": 10, "population": 100}
        ),
    }
    if detentions is not None:
        frames["detentions"] = pd.DataFrame(
            detentions,
            columns=["episode_id", "child_id", "facility_id", "admission_date", "release_date",
                     "end_reason", "sentence_date"],
        )
    if facilities is not None:
        frames["facilities"] = pd.DataFrame(facilities, columns=["facility_id", "facility_type"])
    return Dataset.from_frames({**META, **meta}, frames)


# --------------------------------------------------------------------------- dates and ages


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [
        ("2008-03-10", "2024-03-09", 15),
        ("2008-03-10", "2024-03-10", 16),  # birthday reached on the day
        ("2008-02-29", "2025-02-28", 16),  # 29 February: not yet in a common year
        ("2008-02-29", "2025-03-01", 17),  # ... reached on 1 March
        ("2008-02-29", "2024-02-29", 16),  # leap year: on the day
        ("2006-12-31", "2024-12-31", 18),
        ("2006-12-31", "2024-12-30", 17),
    ],
)
def test_age_on(dob, day, age):
    assert age_on(np.array([d(dob)]), d(day))[0] == age


def test_age_on_missing_is_nan():
    out = age_on(np.array([np.nan, d("2010-01-01")]), d("2024-06-01"))
    assert np.isnan(out[0]) and out[1] == 14


def test_birthday_29_february():
    dob = np.array([d("2008-02-29"), d("2010-06-01"), np.nan])
    out = birthday(dob, 18)
    assert out[0] == d("2026-03-01")  # 2026 is not a leap year
    assert birthday(dob[:1], 16)[0] == d("2024-02-29")  # 2024 is
    assert out[1] == d("2028-06-01")
    assert np.isnan(out[2])


def test_age_groups():
    groups = age_group_codes(np.array([0, 13, 14, 15, 16, 17, 18, 40, np.nan]))
    assert list(groups) == ["0-13", "0-13", "14-15", "14-15", "16-17", "16-17", "18_or_over",
                            "18_or_over", "unknown"]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-05-31", 3, "2024-02-29"),
        ("2024-02-29", 12, "2023-02-28"),
        ("2024-12-31", 3, "2024-09-30"),
        ("2024-03-31", 1, "2024-02-29"),
        ("2024-01-15", 1, "2023-12-15"),
        ("2023-05-31", 3, "2023-02-28"),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(pd.Timestamp(day), months) == pd.Timestamp(expected)


def test_lookup_positions():
    keys = pd.Series(["a", "b", "c"], dtype="string")
    values = pd.Series(["c", None, "x", "a"], dtype="string")
    assert lookup_positions(values, keys).tolist() == [2, -1, -1, 0]
    assert lookup_positions(pd.Series([], dtype="string"), keys).tolist() == []


# --------------------------------------------------------------------------- spells


def test_transfer_chain_makes_one_spell_release_does_not():
    ds = dataset(
        [("A", "M", "2010-01-01"), ("B", "F", "2010-01-01")],
        [
            # A: a chain across P's start, listed out of order.
            ("E2", "A", "F2", "2024-01-10", "2024-02-01", "transfer", "2024-01-20"),
            ("E1", "A", "F1", "2023-11-01", "2024-01-10", "transfer", None),
            ("E3", "A", "F3", "2024-02-01", None, None, "2024-01-20"),
            # B: a release then a new admission the same day: two spells.
            ("E4", "B", "F1", "2024-03-03", "2024-03-03", "release", None),
            ("E5", "B", "F2", "2024-03-03", None, None, None),
        ],
    )
    ev = get_events(ds)
    ep = ev.episodes.set_index("episode_id")
    assert ep.loc["E1", "spell"] == ep.loc["E2", "spell"] == ep.loc["E3", "spell"]
    assert ep.loc["E4", "spell"] != ep.loc["E5", "spell"]
    assert ep.loc["E3", "spell_adm"] == d("2023-11-01")
    assert np.isnan(ep.loc["E1", "spell_end"])  # the spell is open
    assert ep.loc["E1", "spell_sentence"] == d("2024-01-20")  # earliest in the spell
    assert ep.loc["E3", "last_in_spell"] and not ep.loc["E2", "last_in_spell"]
    sp = ev.spells.set_index("episode_id")
    assert sp.loc["E4", "spell_end_reason"] == "release"
    assert len(ev.spells) == 3


def test_transfer_with_gap_is_not_chained():
    ds = dataset(
        [("A", "M", "2010-01-01")],
        [
            ("E1", "A", "F1", "2024-01-10", "2024-02-01", "transfer", None),
            ("E2", "A", "F2", "2024-02-02", "2024-03-01", "release", None),
        ],
    )
    assert get_events(ds).episodes["spell"].nunique() == 2


def test_events_are_cached_per_census_day():
    ds = dataset([("A", "M", "2010-01-01")])
    assert get_events(ds) is get_events(ds)
    assert get_events(ds, pd.Timestamp("2024-06-30")) is not get_events(ds)


# --------------------------------------------------------------------------- census day


def test_on_census_admitted_on_c_counted_released_on_c_not():
    ds = dataset(
        [("A", "M", "2010-01-01"), ("B", "F", "2010-01-01"), ("C", "M", "2010-01-01")],
        [
            ("E1", "A", "F1", "2024-12-31", None, None, None),
            ("E2", "B", "F1", "2024-06-01", "2024-12-31", "release", None),
            ("E3", "C", "F1", "2024-12-31", "2024-12-31", "release", None),
        ],
    )
    oc = get_events(ds).on_census
    assert oc["child_id"].tolist() == ["A"]


def test_on_census_one_row_per_child_latest_admission():
    # Overlapping episodes (invalid data): the child still counts once.
    ds = dataset(
        [("A", "M", "2010-01-01")],
        [
            ("E1", "A", "F1", "2024-01-01", None, None, None),
            ("E2", "A", "F2", "2024-06-01", None, None, None),
        ],
        facilities=[("F1", "police"), ("F2", "pretrial")],
    )
    oc = get_events(ds).on_census
    kept = oc[~oc["duplicate"]]
    assert kept["episode_id"].tolist() == ["E2"]
    assert kept["facility_type"].tolist() == ["pretrial"]


def test_legal_status_on_c_from_spell_sentence():
    ds = dataset(
        [("A", "M", "2010-01-01"), ("B", "M", "2010-01-01")],
        [
            ("E1", "A", "F1", "2024-01-01", None, None, "2024-12-31"),  # sentenced on C
            ("E2", "B", "F1", "2024-01-01", None, None, "2025-01-01"),  # after C
        ],
    )
    oc = get_events(ds).on_census.set_index("child_id")
    assert oc.loc["A", "legal_status"] == "sentenced"
    assert oc.loc["B", "legal_status"] == "pre_sentence"


# --------------------------------------------------------------------------- periods


def test_pre_sentence_and_sentenced_periods():
    ds = dataset(
        [("A", "M", "2010-01-01"), ("B", "M", "2010-01-01"), ("C", "M", "2010-01-01")],
        [
            # A: sentenced mid-spell.
            ("E1", "A", "F1", "2024-03-01", "2024-05-01", "transfer", None),
            ("E2", "A", "F2", "2024-05-01", "2024-10-01", "release", "2024-04-01"),
            # B: admitted already sentenced.
            ("E3", "B", "F1", "2024-02-01", "2024-03-01", "release", "2024-01-15"),
            # C: open, never sentenced.
            ("E4", "C", "F1", "2024-12-01", None, None, None),
        ],
    )
    ev = get_events(ds)
    pre = ev.pre_sentence_periods.set_index("child_id")
    sen = ev.sentenced_periods.set_index("child_id")
    assert pre.loc["A", "exists"] and pre.loc["A", "days"] == 31 and pre.loc["A", "ended_in_p"]
    assert sen.loc["A", "exists"] and sen.loc["A", "days"] == 183
    assert not pre.loc["B", "exists"]
    assert sen.loc["B", "days"] == 29 and sen.loc["B", "start"] == d("2024-02-01")
    assert pre.loc["C", "exists"] and not pre.loc["C", "ended_in_p"]
    assert pre.loc["C", "in_progress_in_p"] and pre.loc["C", "km_days"] == 30
    assert not sen.loc["C", "exists"]


# --------------------------------------------------------------------------- person-days


def test_person_days_split_by_age_group_at_birthday():
    ds = dataset(
        [("A", "M", "2010-06-15"), ("B", "F", None), ("C", "M", "2006-07-01")],
        [
            # A turns 14 on 2024-06-15: 2024-06-01..06-14 at 13, 06-15..06-30 at 14.
            ("E1", "A", "F1", "2024-06-01", "2024-07-01", "release", None),
            # B (unknown age): from 2023 to 2024-01-11: 10 days in P.
            ("E2", "B", "F1", "2023-12-01", "2024-01-11", "release", None),
            # C turns 18 on 2024-07-01: 06-21..06-30 under 18 (10 days), then 5 days at 18.
            ("E3", "C", "F1", "2024-06-21", "2024-07-06", "release", None),
        ],
    )
    pdays = get_events(ds).person_days.set_index("child_id")
    assert pdays.loc["A", "days_0-13"] == 14 and pdays.loc["A", "days_14-15"] == 16
    assert pdays.loc["B", "days_unknown"] == 10 and pdays.loc["B", "days_in_p"] == 10
    assert pdays.loc["C", "days_16-17"] == 10 and pdays.loc["C", "days_18_or_over"] == 5


def test_person_days_open_episode_runs_to_period_end():
    ds = dataset([("A", "M", "2010-01-01")], [("E1", "A", "F1", "2024-12-01", None, None, None)])
    assert get_events(ds).person_days["days_in_p"].iloc[0] == 31


def test_facilities_held_same_day_and_boundary_stays():
    ds = dataset(
        [("A", "M", "2010-01-01")],
        [
            ("E1", "A", "P1", "2024-03-03", "2024-03-03", "release", None),  # same day
            ("E2", "A", "W1", "2023-12-01", "2024-01-01", "release", None),  # ends on P start
            ("E3", "A", "X1", "2023-01-01", "2023-12-31", "release", None),  # before P
            ("E4", "A", "Y1", "2025-01-01", None, None, None),  # after P
        ],
    )
    assert sorted(get_events(ds).facilities_held) == ["P1", "W1"]


def test_status_on_any_day_and_person_days_by_child():
    ds = dataset(
        [("A", "M", "2010-06-15")],
        [
            ("E1", "A", "F1", "2024-06-01", "2024-07-01", "transfer", None),
            ("E2", "A", "F2", "2024-07-01", "2024-08-01", "release", "2024-07-10"),
        ],
    )
    ev = get_events(ds)
    june = ev.status_on("2024-06-10")
    assert june["episode_id"].tolist() == ["E1"]
    assert june["age"].tolist() == [13] and june["legal_status"].tolist() == ["pre_sentence"]
    july = ev.status_on(pd.Timestamp("2024-07-20"))
    assert july["episode_id"].tolist() == ["E2"] and july["legal_status"].tolist() == ["sentenced"]
    assert ev.status_on("2024-08-01").empty  # released that day
    per_child = ev.person_days_by_child
    assert len(per_child) == 1
    assert per_child["days_0-13"].iloc[0] == 14 and per_child["days_14-15"].iloc[0] == 47
