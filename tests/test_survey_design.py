"""Validation of sample designs: [sample] of dataset.toml, stratum and sample_weight."""

from __future__ import annotations

import pandas as pd
import pytest
from survey_cases import survey_dataset, survey_frames

from indicators.survey.design import SampleDesignError, check_sample_design, sample_design
from indicators.validation import validate_dataset


def _rules(ds, severity="error"):
    return {i.rule: i for i in check_sample_design(ds) if i.severity == severity}


def test_a_good_design_validates_and_is_read():
    ds = survey_dataset()
    assert _rules(ds) == {}
    report = validate_dataset(ds)
    assert report.ok, report.errors
    assert not report.issues["column"].isin(["stratum", "sample_weight"]).any()
    design = sample_design(ds)
    assert list(design.places["facility_id"]) == ["P1", "P2", "P3", "J1", "J2"]
    assert list(design.places["stratum_size"]) == [6, 6, 6, 2, 2]
    assert list(design.not_visited["facility_id"]) == ["P4", "P5", "P6"]
    assert design.df == 3 and design.describe() == "5 of 8 places in 2 strata"


def test_no_sample_table_is_a_complete_enumeration():
    meta, frames = survey_frames()
    del meta["sample"]
    ds = survey_dataset(meta, frames)
    assert sample_design(ds) is None
    assert set(_rules(ds, "warning")) == {"weights_without_sample"}


def test_a_visited_place_without_weight_is_an_error():
    meta, frames = survey_frames()
    frames["facilities"].loc[2, "sample_weight"] = ""  # P3 holds c3
    ds = survey_dataset(meta, frames)
    issue = _rules(ds)["missing_weight"]
    assert issue.row == 4 and issue.table == "facilities.csv"
    assert "P3" in issue.message and "needs its weight" in issue.message
    assert not validate_dataset(ds).ok
    with pytest.raises(SampleDesignError, match="needs its weight"):
        sample_design(ds)


def test_a_stratum_with_one_place_says_how_to_collapse_strata():
    meta, frames = survey_frames()
    fac = frames["facilities"]
    fac.loc[fac["facility_id"] == "J2", "sample_weight"] = ""
    fac.loc[fac["facility_id"] == "J1", "sample_weight"] = "2"
    frames["detentions"] = frames["detentions"][frames["detentions"]["facility_id"] != "J2"]
    ds = survey_dataset(meta, frames)
    issue = _rules(ds)["single_place_stratum"]
    assert "'prison'" in issue.message and "collapse" in issue.message
    assert "facilities_in_stratum" in issue.message


def test_a_stratum_taken_whole_may_have_one_place():
    meta, frames = survey_frames()
    meta["sample"]["facilities_in_stratum"]["prison"] = 1
    fac = frames["facilities"]
    frames["facilities"] = fac[fac["facility_id"] != "J2"].reset_index(drop=True)
    frames["detentions"] = frames["detentions"][frames["detentions"]["facility_id"] != "J2"]
    assert _rules(survey_dataset(meta, frames)) == {}


def test_weights_that_contradict_the_stratum_counts():
    meta, frames = survey_frames()
    meta["sample"]["facilities_in_stratum"]["police"] = 9
    ds = survey_dataset(meta, frames)
    issue = _rules(ds)["weights_contradict_counts"]
    assert "add up to 6" in issue.message and "9/3 = 3" in issue.message


def test_rounded_weights_are_accepted_unequal_ones_warned():
    meta, frames = survey_frames()
    meta["sample"]["facilities_in_stratum"]["police"] = 20
    frames["facilities"]["sample_weight"] = ["6.67", "6.67", "6.67", "", "", "", "1", "1"]
    assert _rules(survey_dataset(meta, frames)) == {}
    frames["facilities"]["sample_weight"] = ["5", "7", "8", "", "", "", "1", "1"]
    assert set(_rules(survey_dataset(meta, frames), "warning")) == {"unequal_weights"}


def test_strata_units_and_tables_are_checked():
    meta, frames = survey_frames()
    meta["sample"]["unit"] = "child"
    meta["sample"]["facilities_in_stratum"]["court"] = 4
    meta["sample"]["colour"] = "blue"
    frames["facilities"].loc[0, "stratum"] = "cells"
    ds = survey_dataset(meta, frames)
    errors = _rules(ds)
    assert {"sample_unit", "stratum_not_visited", "unknown_stratum"} <= set(errors)
    assert "merge it with a similar stratum" in errors["stratum_not_visited"].message
    assert "unknown_key" in _rules(ds, "warning")
    meta, frames = survey_frames()
    del frames["facilities"]
    meta["sample"]["facilities_in_stratum"] = {"police": 0}
    errors = _rules(survey_dataset(meta, frames))
    assert {"sample_strata", "missing_table"} <= set(errors)


def test_sample_weight_must_be_a_number():
    meta, frames = survey_frames()
    frames["facilities"].loc[0, "sample_weight"] = "two"
    ds = survey_dataset(meta, frames)
    bad = [i for i in ds.issues if i.rule == "invalid_number"]
    assert bad and bad[0].row == 2
    assert ds.tables["facilities"]["sample_weight"].dtype == pd.Float64Dtype()
