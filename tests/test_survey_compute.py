"""Indicators estimated from a sample survey of places (tests/survey_cases.py)."""

from __future__ import annotations

import numpy as np
import pytest
from survey_cases import survey_dataset, survey_frames

from indicators.compute import compute_indicators
from indicators.registry import ESTIMATE_COLUMNS, EXTRA_COLUMNS, RESULT_COLUMNS, load_definitions

POP = 30_000
# R survey 4.1-1, tests/data/survey_reference.R, "engine" block:
#   dp <- svydesign(id=~place, strata=~stratum, weights=~w, fpc=~N, data=places)
#   svytotal(~held, dp, deff=TRUE); confint(., df=degf(dp))   (and ~boys, ~pre)
R_TOTALS = {  # (dimension, group): (total, SE, deff, CI)
    ("total", "all"): (10, 2.449489742783178, 1.066666666666666,
                       (2.204630418249335, 17.79536958175066)),
    ("sex", "M"): (7, 1.414213562373095, 0.927536231884058,
                   (2.499341273543633, 11.50065872645637)),
    ("legal_status", "pre_sentence"): (5, 2.82842712474619, 1.815602836879433,
                                       (-4.001317452912733, 14.00131745291273)),
}
#   dk <- svydesign(id=~place, strata=~stratum, weights=~w, fpc=~N, data=kids)
#   svymean(~notsep, subset(dk, known == 1), deff=TRUE)             JJ07 total
#   svymean(~visited, subset(dk, held == 1 & boy == 1), deff=TRUE)  JJ08 boys
R_RATIOS = {
    ("JJ07", "total", "all"): (0.5555555555555556, 0.3888888888888888,
                               (0.3009307494919772, 0.810180361619134)),
    ("JJ08", "sex", "M"): (0.4285714285714285, 1.761904761904762,
                           (-0.1301313931213977, 0.9872742502642549)),
}


@pytest.fixture(scope="module")
def results():
    return compute_indicators(survey_dataset())


def _row(df, ind, dim, group):
    sel = df[(df["indicator"] == ind) & (df["dimension"] == dim) & (df["group"] == group)]
    assert len(sel) == 1, (ind, dim, group)
    return sel.iloc[0]


@pytest.mark.parametrize("cell", list(R_TOTALS))
def test_jj02_against_r_survey(results, cell):
    total, _, deff, (lo, hi) = R_TOTALS[cell]
    row = _row(results.indicators, "JJ02", *cell)
    pop = POP / 2 if cell[0] == "sex" else POP
    assert row["value"] == pytest.approx(total / pop * 1e5)
    assert row["numerator"] == total and row["denominator"] == pop
    assert row["ci_lower"] == pytest.approx(max(lo, 0) / pop * 1e5, rel=1e-12)
    assert row["ci_upper"] == pytest.approx(hi / pop * 1e5, rel=1e-12)
    assert row["design_effect"] == pytest.approx(deff, rel=1e-12)
    assert "estimated_from_sample" in row["flags"].split(";")


@pytest.mark.parametrize("cell", list(R_RATIOS))
def test_percentages_against_r_survey(results, cell):
    ratio, deff, (lo, hi) = R_RATIOS[cell]
    row = _row(results.indicators, *cell)
    assert row["value"] == pytest.approx(100 * ratio, rel=1e-12)
    assert row["ci_lower"] == pytest.approx(100 * max(lo, 0), rel=1e-12, abs=1e-12)
    assert row["ci_upper"] == pytest.approx(100 * min(hi, 1), rel=1e-12)
    assert row["design_effect"] == pytest.approx(deff, rel=1e-12)


def test_jj03_is_jj02s_pre_sentence_group_and_jj08_rests_on_jj02(results):
    df = results.indicators
    jj03 = _row(df, "JJ03", "total", "all")
    pre = _row(df, "JJ02", "legal_status", "pre_sentence")
    for col in ("value", "ci_lower", "ci_upper", "design_effect"):
        assert jj03[col] == pytest.approx(pre[col])
    assert _row(df, "JJ08", "total", "all")["denominator"] == _row(df, "JJ02", "total",
                                                                   "all")["numerator"]


def test_other_indicators_are_not_available_with_a_caveat(results):
    df = results.indicators
    for spec in load_definitions():
        rows = df[df["indicator"] == spec.id]
        if spec.kind == "policy":
            assert "sample survey" not in rows["caveats"].iloc[0]
        elif spec.sample_estimable:
            assert rows["caveats"].str.contains("estimated from a sample of 5 of 8 places in 2 "
                                                "strata").all()
        else:
            assert len(rows) == 1 and rows["flags"].iloc[0] == "not_available"
            assert "needs complete registers" in rows["caveats"].iloc[0]
            assert np.isnan(rows["design_effect"].iloc[0])


def test_design_effect_column_and_reconciliation(results):
    df = results.indicators
    assert list(df.columns) == RESULT_COLUMNS + EXTRA_COLUMNS + ESTIMATE_COLUMNS
    rec = results.reconciliation
    places = rec[(rec["indicator"] == "JJ02") & (rec["table"] == "facilities")]
    assert dict(zip(places["reason"], places["count"], strict=True)) == {"used": 5,
                                                                         "not_visited": 3}
    jj04 = rec[(rec["indicator"] == "JJ04") & (rec["table"] == "detentions")]
    assert set(jj04["reason"]) == {"used", "not_estimated_from_sample"}
    assert jj04["used"].iloc[0] == 0 and jj04["records_read"].iloc[0] == 7


def test_small_number_flags_come_from_the_children_observed(results):
    df = results.indicators
    assert "small_numerator" in _row(df, "JJ02", "sex", "F")["flags"]  # 2 girls seen
    # 7 children seen, the estimate 10: neither under the threshold of 5
    assert _row(df, "JJ02", "total", "all")["flags"] == "estimated_from_sample"
    assert "small_numerator" in _row(df, "JJ02", "legal_status", "pre_sentence")["flags"]


def test_a_complete_enumeration_has_no_estimates():
    meta, frames = survey_frames()
    del meta["sample"]
    df = compute_indicators(survey_dataset(meta, frames)).indicators
    assert list(df.columns) == RESULT_COLUMNS + EXTRA_COLUMNS
    assert not df["flags"].str.contains("estimated_from_sample").any()
    assert _row(df, "JJ02", "total", "all")["numerator"] == 7


def test_visiting_every_place_gives_the_complete_count():
    """A census of the places, written as a sample (every weight 1), gives the complete
    count's estimates with no sampling variance."""
    meta, frames = survey_frames()
    meta["sample"]["facilities_in_stratum"]["police"] = 3
    fac = frames["facilities"]
    frames["facilities"] = fac[fac["sample_weight"] != ""].assign(sample_weight="1")
    est = compute_indicators(survey_dataset(meta, frames)).indicators
    del meta["sample"]
    full = compute_indicators(survey_dataset(meta, frames)).indicators
    for ind in ("JJ02", "JJ07", "JJ08"):
        e, f = _row(est, ind, "total", "all"), _row(full, ind, "total", "all")
        assert e["value"] == pytest.approx(f["value"])
        assert e["ci_lower"] == pytest.approx(e["value"]) == pytest.approx(e["ci_upper"])
