"""Aggregate input: from_counts gives the engine's intervals and flags from a table of counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import stats
from indicators.counts import from_counts, kind_of_unit
from indicators.registry import EXTRA_COLUMNS, RESULT_COLUMNS, load_definitions


def _table(**overrides) -> pd.DataFrame:
    row = {"country": "AAA", "period": "2018", "indicator": "JJ02", "group": "all",
           "numerator": "60", "denominator": "705498", "notes": ""}
    row.update(overrides)
    return pd.DataFrame([row])


def test_columns_are_the_contract_then_extras():
    out = from_counts(_table())
    assert list(out.columns) == [*RESULT_COLUMNS, *EXTRA_COLUMNS, "origin"]
    r = out.iloc[0]
    assert (r["period_start"], r["period_end"], r["census_date"]) == (
        "2018-01-01", "2018-12-31", "2018-12-31")
    assert (r["dimension"], r["group"], r["unit"], r["kind"]) == (
        "total", "all", "per 100,000 children", "rate")
    assert r["indicator_name"] == "Children in detention" and bool(r["core"])
    assert r["origin"] == "counts" and r["country_name"] == "AAA"


def test_rate_is_count_over_population_with_the_poisson_interval():
    r = from_counts(_table()).iloc[0]
    # Croatia, TransMonEE 2018: 60 children in closed facilities, 705,498 aged 0-17.
    assert r["value"] == pytest.approx(60 / 705498 * 100_000)
    _, lo, hi = stats.rate_ci(60, 705498, 100_000)
    assert (r["ci_lower"], r["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert r["flags"] == ""


def test_percentage_uses_wilson_in_percent_and_flags_small_denominators():
    r = from_counts(_table(indicator="JJ09", numerator="3", denominator="19")).iloc[0]
    p, lo, hi = stats.proportion_ci(3, 19)
    assert r["value"] == pytest.approx(100 * p)
    assert r["ci_lower"] == pytest.approx(100 * lo) and r["ci_upper"] == pytest.approx(100 * hi)
    assert r["unit"] == "percent"
    assert "small_denominator" in r["flags"].split(";")


def test_small_numerator_flag_and_zero_count():
    r = from_counts(_table(numerator="0")).iloc[0]
    assert r["value"] == 0 and r["ci_lower"] == 0 and r["ci_upper"] > 0
    assert r["flags"] == "small_numerator"


def test_deaths_use_per_1000():
    r = from_counts(_table(indicator="JJ06", numerator="6", denominator="45567")).iloc[0]
    assert r["unit"] == "per 1,000 children detained"
    assert r["value"] == pytest.approx(6 / 45567 * 1000)


def test_missing_numbers_give_not_available_not_zero():
    out = from_counts(pd.concat([_table(numerator="-"), _table(denominator=""),
                                 _table(denominator="0")]))
    assert out["value"].isna().all()
    assert all(f.startswith("not_available") for f in out["flags"])


def test_policy_answers_and_durations():
    out = from_counts(pd.DataFrame([
        {"country": "A", "period": 2020, "indicator": "JJ14", "group": "all", "value": "yes"},
        {"country": "A", "period": 2020, "indicator": "JJ15", "group": "all", "value": "no"},
        {"country": "A", "period": 2020, "indicator": "JJ12a", "group": "all", "value": ""},
        {"country": "A", "period": 2020, "indicator": "JJ04", "group": "all", "value": "21",
         "numerator": "40"},
    ]))
    assert out["value"].tolist()[:2] == [1.0, 0.0]
    assert np.isnan(out["value"].iat[2]) and out["flags"].iat[2] == "not_available"
    assert out["numerator"].iloc[:3].isna().all()
    assert (out["value"].iat[3], out["numerator"].iat[3], out["unit"].iat[3]) == (21, 40, "days")


def test_groups_infer_their_dimension():
    out = from_counts(pd.concat([_table(group="F", denominator="340000"),
                                 _table(group="14-15", denominator="80000"),
                                 _table(group="police", dimension="facility_type")]))
    assert out["dimension"].tolist() == ["sex", "age_group", "facility_type"]


def test_caveats_travel_and_definition_differs_is_flagged():
    out = from_counts(pd.concat([
        _table(notes="National definition differs: closed facilities include schools."),
        _table(notes="Stocks at 31 December", caveats="Counts rounded", definition_differs="yes"),
        _table(notes="Ukraine excludes occupied territories"),
    ]))
    assert "definition_differs" in out["flags"].iat[0]
    assert out["caveats"].iat[1] == "Stocks at 31 December | Counts rounded"
    assert "definition_differs" in out["flags"].iat[1]
    assert "definition_differs" not in out["flags"].iat[2]
    assert out["caveats"].iat[2] == "Ukraine excludes occupied territories"


def test_published_rate_without_denominator_keeps_the_value():
    r = from_counts(_table(numerator="36479", denominator="", value="114")).iloc[0]
    assert r["value"] == 114 and np.isnan(r["denominator"])
    lo, hi = stats.poisson_ci(36479)
    assert r["ci_lower"] == pytest.approx(lo * 114 / 36479)
    assert r["ci_upper"] == pytest.approx(hi * 114 / 36479)
    assert "published_rate" in r["flags"]


def test_other_quantities_need_a_unit():
    with pytest.raises(ValueError, match="not one of the 15"):
        from_counts(_table(indicator="XX1"))
    r = from_counts(_table(indicator="XX1", unit="per 100,000 children",
                           indicator_name="Convicted per 100,000 aged 14-17")).iloc[0]
    assert r["indicator_name"] == "Convicted per 100,000 aged 14-17" and not r["core"]


def test_every_problem_is_reported_at_once():
    bad = pd.concat([_table(numerator="-3"), _table(indicator="JJ09", numerator="30",
                                                    denominator="20"),
                     _table(group="police"), _table(period="soon")])
    with pytest.raises(ValueError) as err:
        from_counts(bad)
    msg = str(err.value)
    for part in ("row 2", "row 3", "row 4", "row 5", "negative", "larger than",
                 "dimension", "period"):
        assert part in msg
    with pytest.raises(ValueError, match="missing column"):
        from_counts(pd.DataFrame({"country": ["A"]}))


def test_explicit_period_dates_and_census_date():
    r = from_counts(_table(period=None, period_start="2015-10-27", period_end="2016-10-26",
                           census_date="2016-10-26").drop(columns="period")).iloc[0]
    assert (r["period_start"], r["period_end"], r["census_date"]) == (
        "2015-10-27", "2016-10-26", "2016-10-26")


def test_units_come_from_the_definitions():
    info = {s.id: s for s in load_definitions()}
    assert len(info) == 17 and info["JJ10"].unit == "percent" and info["JJ14"].kind == "policy"
    assert kind_of_unit(info["JJ10"].unit) == ("percentage", 100.0)
    assert kind_of_unit(info["JJ06"].unit) == ("rate", 1000.0)
    assert kind_of_unit("per 100,000 children aged 14-17") == ("rate", 100000.0)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(0, 5000), pop=st.integers(1, 10_000_000),
       level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_intervals_contain_the_value_and_nest(k, pop, level):
    t = _table(numerator=str(k), denominator=str(pop))
    narrow = from_counts(t, confidence_level=level).iloc[0]
    wide = from_counts(t, confidence_level=0.999).iloc[0]
    assert narrow["ci_lower"] <= narrow["value"] <= narrow["ci_upper"]
    assert wide["ci_lower"] <= narrow["ci_lower"] + 1e-12
    assert wide["ci_upper"] >= narrow["ci_upper"] - 1e-12
