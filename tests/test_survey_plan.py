"""Planning and drawing a sample of places; sample surveys from the simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import Dataset, compute_indicators
from indicators.simulate import sample_survey, simulate_frames
from indicators.survey.design import check_sample_design, sample_design
from indicators.survey.plan import allocate, draw_sample, plan_sample, sample_table

SIZES = {"police": 60, "pretrial": 12, "juvenile_institution": 3}


def test_allocation_keeps_two_per_stratum_and_follows_neyman():
    assert allocate(SIZES, 12) == {"police": 8, "pretrial": 2, "juvenile_institution": 2}
    # with the spread of the larger places, visits move to them
    skewed = allocate(SIZES, 12, {"police": 1.0, "pretrial": 10.0, "juvenile_institution": 40})
    assert skewed["pretrial"] > 2 and skewed["juvenile_institution"] == 3
    assert allocate({"a": 1, "b": 5}, 3) == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match="at least 2"):
        allocate(SIZES, 5)


def test_plan_meets_the_margin_with_the_fewest_visits():
    expected = {"police": 2, "pretrial": 15, "juvenile_institution": 40}
    plan = plan_sample(SIZES, expected, 1_000_000, 10)
    assert plan.attrs["margin"] <= 10
    assert list(plan["sample_weight"]) == pytest.approx(list(plan["places"] / plan["visit"]))
    looser = plan_sample(SIZES, expected, 1_000_000, 20)
    assert looser["visit"].sum() < plan["visit"].sum()
    assert looser.attrs["margin"] > 10
    assert plan_sample(SIZES, expected, 1_000_000, 1e-9).attrs["margin"] == 0  # every place


def test_the_draw_is_reproducible_and_its_weights_agree():
    frame = pd.DataFrame({"facility_id": [f"F{i:02d}" for i in range(75)],
                          "facility_type": ["police"] * 60 + ["pretrial"] * 12
                          + ["juvenile_institution"] * 3})
    visits = allocate(SIZES, 12)
    a = draw_sample(frame, ["facility_type"], visits, seed=4)
    b = draw_sample(frame.iloc[::-1].reset_index(drop=True), ["facility_type"], visits, seed=4)
    drawn = set(a.loc[a["sample_weight"].notna(), "facility_id"])
    assert drawn == set(b.loc[b["sample_weight"].notna(), "facility_id"])
    assert len(drawn) == 12
    sums = a.groupby("stratum")["sample_weight"].sum()
    assert sums.to_dict() == pytest.approx({"police": 60, "pretrial": 12,
                                            "juvenile_institution": 3})
    assert sample_table(a, 4)["facilities_in_stratum"] == {"juvenile_institution": 3,
                                                           "police": 60, "pretrial": 12}


@pytest.fixture(scope="module")
def country():
    """72 places: 52 police cells, 8 pre-trial centres, 6 juvenile institutions, 6 prisons."""
    return simulate_frames("grandara", 20000, 1, 2024)


def test_a_simulated_survey_is_a_valid_design_that_estimates(country):
    survey = sample_survey(country, 12, ["facility_type"], seed=2)
    ds = Dataset.from_frames(survey.metadata, survey.frames)
    assert not [i for i in check_sample_design(ds) if i.severity == "error"]
    design = sample_design(ds)
    assert len(design.places) == 12
    assert set(ds.tables["detentions"]["facility_id"]) <= set(design.places["facility_id"])
    df = compute_indicators(ds).indicators
    jj02 = df[(df["indicator"] == "JJ02") & (df["dimension"] == "total")].iloc[0]
    assert "estimated_from_sample" in jj02["flags"] and jj02["ci_lower"] <= jj02["value"]


def test_coverage_on_a_few_seeded_samples(country):
    """A generous, deterministic check (20 of 72 places, seeds 1-60);
    benchmarks/survey_coverage.py measures the coverage over 1,000 samples."""
    truth = compute_indicators(Dataset.from_frames(country.metadata, country.frames))
    t = truth.indicators
    true = t[(t["indicator"] == "JJ02") & (t["dimension"] == "total")]["value"].iloc[0]
    hits = []
    for seed in range(1, 61):
        s = sample_survey(country, 20, ["facility_type"], seed)
        df = compute_indicators(Dataset.from_frames(s.metadata, s.frames)).indicators
        row = df[(df["indicator"] == "JJ02") & (df["dimension"] == "total")].iloc[0]
        hits.append(row["ci_lower"] <= true <= row["ci_upper"])
    assert np.mean(hits) >= 0.8
