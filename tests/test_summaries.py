"""summaries: the rows a figure selects and the statistics it draws, with hand-worked values.

Frames are written out row by row (the columns of indicators.csv the figures read), so each
expected number can be checked by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators import summaries

PER_100K = "per 100,000 children"


def _row(country: str, indicator: str, value, *, numerator=np.nan, denominator=np.nan,
         unit: str = PER_100K, group: str = "all", dimension: str = "total",
         period_end: str = "2024-12-31", **extra) -> dict:
    year = period_end[:4]
    return {"country": country, "indicator": indicator, "dimension": dimension,
            "group": group, "value": value, "numerator": numerator,
            "denominator": denominator, "ci_lower": np.nan, "ci_upper": np.nan,
            "unit": unit, "flags": "", "period_start": f"{year}-01-01",
            "period_end": period_end, **extra}


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- rows of a figure


def test_source_family_from_the_region_bracket_else_the_source():
    assert summaries.source_family("UNODC CTS, table 3", "Europe (UNODC)") == "UNODC"
    assert summaries.source_family("Ministry of Justice, annual report", "") == \
        "Ministry of Justice"
    assert summaries.source_family("TransMonEE (2018) database", "CEE/CIS") == "TransMonEE"
    assert summaries.source_family("", "") == ""


def test_results_frame_fills_the_columns_figures_read():
    raw = _frame([_row("AAA", "JJ02", "12.5", numerator="25", denominator="200000",
                       period_end="2024-12-31")]).astype(str)
    f = summaries.results_frame(raw)
    r = f.iloc[0]
    assert r["country_name"] == "AAA" and r["origin"] == "records"
    assert r["region"] == "Region not given"
    assert r["value"] == 12.5 and r["denominator"] == 200_000.0
    assert r["census_date"] == pd.Timestamp("2024-12-31")  # the period end by default
    assert r["_family"] == "records" and r["_entity"] == "AAA|records"
    with pytest.raises(TypeError, match="indicators DataFrame"):
        summaries.results_frame([1, 2])


def test_latest_rows_and_a_chosen_period():
    f = summaries.results_frame(_frame([
        _row("AAA", "JJ02", 10.0, period_end="2023-12-31"),
        _row("AAA", "JJ02", 11.0, period_end="2024-12-31"),
        _row("AAA", "JJ02", 9.0, period_end="2022-12-31"),
    ]))
    assert list(summaries.latest_rows(f, ["country"])["value"]) == [11.0]
    assert list(summaries.latest_rows(f, ["country"], 2023)["value"]) == [10.0]
    assert list(summaries.latest_rows(f, ["country"], "2022-12-31")["value"]) == [9.0]


def test_one_source_per_country_records_before_published():
    f = summaries.results_frame(_frame([
        _row("AAA", "JJ02", 30.0, origin="published", source="TransMonEE (2018)",
             period_end="2018-12-31"),
        _row("AAA", "JJ03", 8.0, origin="published", source="TransMonEE (2018)",
             period_end="2018-12-31"),
        _row("AAA", "JJ02", 12.0, source="Ministry, 2024"),
    ]))
    # The published source gives two indicators, the records one: records still come first.
    assert summaries.primary_sources(f) == {"AAA": "Ministry"}
    assert list(summaries.one_per_country(f[f["indicator"] == "JJ02"])["value"]) == [12.0]


def test_comparison_rows_one_per_country_and_source_in_the_cell():
    f = summaries.results_frame(_frame([
        _row("AAA", "JJ02", 10.0),
        _row("AAA", "JJ02", 4.0, group="F", dimension="sex"),
        _row("AAA", "JJ02", 30.0, origin="published", region="Europe (UNODC)",
             period_end="2020-12-31"),
        _row("BBB", "JJ02", 20.0, period_end="2023-12-31"),
        _row("BBB", "JJ02", 22.0),
    ]))
    total = summaries.comparison_rows(f, "JJ02")
    assert sorted(zip(total["_entity"], total["value"], strict=True)) == [
        ("AAA|UNODC", 30.0), ("AAA|records", 10.0), ("BBB|records", 22.0)]
    girls = summaries.comparison_rows(f, "JJ02", group="F")
    assert list(girls["value"]) == [4.0]


# --------------------------------------------------------------------------- reference median


def _three_countries() -> pd.DataFrame:
    """Rates 10, 20, 30 per 100,000 for child populations of 100,000, 100,000 and 500,000."""
    return summaries.results_frame(_frame([
        _row("AAA", "JJ02", 10.0, numerator=10, denominator=100_000),
        _row("BBB", "JJ02", 20.0, numerator=20, denominator=100_000),
        _row("CCC", "JJ02", 30.0, numerator=150, denominator=500_000),
    ]))


def test_population_weights_own_denominator_else_the_countrys_population():
    f = summaries.results_frame(_frame([
        _row("AAA", "JJ02", 10.0, numerator=10, denominator=100_000),
        _row("AAA", "JJ02", 12.0, numerator=13, denominator=110_000, period_end="2023-12-31"),
        _row("AAA", "JJ09", 40.0, numerator=4, denominator=10, unit="percent"),
        _row("AAA", "JJ09", 50.0, numerator=5, denominator=10, unit="percent",
             period_end="2023-12-31"),
        _row("AAA", "JJ09", 60.0, numerator=6, denominator=10, unit="percent",
             period_end="2021-12-31"),
        _row("BBB", "JJ09", 45.0, numerator=9, denominator=20, unit="percent"),
    ]))
    jj09 = f[f["indicator"] == "JJ09"]
    w = summaries.population_weights(f, jj09)
    # 2024 and 2023: the JJ02 denominator of the same period; 2021: none, so the latest
    # period's (2024); BBB has no population indicator at all.
    assert list(w[:3]) == [100_000, 110_000, 100_000]
    assert math.isnan(w[3])
    jj02 = f[f["indicator"] == "JJ02"]
    assert list(summaries.population_weights(f, jj02)) == [100_000, 110_000]


def test_reference_median_weighs_each_country_by_its_children():
    # Cumulative weights 100,000, 200,000, 700,000; half of 700,000 is 350,000, first
    # reached at 30. Unweighted, the median would be 20.
    median = summaries.reference_median(_three_countries(), "JJ02")
    assert median.value == 30.0 and median.countries == 3 and median.drawn
    assert "child population" in median.basis and "JJ02" in median.basis


def test_reference_median_takes_the_smallest_value_reaching_half():
    # Two equal weights: the cumulative weight reaches half (100,000) at the first value.
    f = _three_countries()
    median = summaries.reference_median(f, "JJ02", countries=["AAA", "BBB"])
    assert median.value == 10.0 and median.countries == 2


def test_no_median_of_fewer_than_two_weighted_countries():
    f = _three_countries()
    one = summaries.reference_median(f, "JJ02", countries=["CCC"])
    assert math.isnan(one.value) and one.countries == 1 and not one.drawn
    none = summaries.reference_median(f, "JJ09")
    assert math.isnan(none.value) and none.countries == 0


def test_reference_median_ignores_suppressed_values():
    f = _three_countries()
    f.loc[f["country"] == "CCC", ["value", "numerator"]] = np.nan
    f.loc[f["country"] == "CCC", "flags"] = "suppressed"
    median = summaries.reference_median(f, "JJ02")
    assert median.value == 10.0 and median.countries == 2


# --------------------------------------------------------------------------- pathway


def _pathway_frame(population_indicator: str = "JJ01", population: int = 100_000):
    """Counts 5 arrests, 1 diversion, 5 sentences of which 0 custodial; no JJ04 row."""
    return _frame([
        _row("AAA", population_indicator, 5e5 / population, numerator=5,
             denominator=population),
        _row("AAA", "JJ10", 50.0, numerator=1, denominator=2, unit="percent"),
        _row("AAA", "JJ09", 0.0, numerator=0, denominator=5, unit="percent"),
        _row("AAA", "JJ09", 20.0, numerator=1, denominator=5, unit="percent",
             period_end="2023-12-31"),
    ])


def test_pathway_summary_rates_and_exact_poisson_intervals():
    s = summaries.pathway_summary(_pathway_frame(), "AAA")
    assert list(s.columns) == summaries.PATHWAY_COLUMNS
    assert list(s["stage"]) == ["Arrested", "Diverted", "Detained before sentence",
                                "Sentenced", "Custodial sentence"]
    assert list(s["indicator"]) == ["JJ01", "JJ10", "JJ04", "JJ09", "JJ09"]
    assert list(s["column"]) == ["numerator", "numerator", "numerator", "denominator",
                                 "numerator"]
    # A population of 100,000: the rate per 100,000 is the count itself.
    np.testing.assert_array_equal(s["count"], [5, 1, np.nan, 5, 0])
    np.testing.assert_array_equal(s["value"], [5, 1, np.nan, 5, 0])
    assert (s["population"] == 100_000).all() and (s["confidence_level"] == 0.95).all()
    # Garwood intervals, R: poisson.test(5)$conf.int -> 1.623486 11.668332;
    # poisson.test(1)$conf.int -> 0.02531781 5.57164339; for 0: [0, -log(0.025)].
    lower = [1.623486, 0.02531781, np.nan, 1.623486, 0.0]
    upper = [11.668332, 5.57164339, np.nan, 11.668332, -math.log(0.025)]
    np.testing.assert_allclose(s["ci_lower"], lower, rtol=1e-6)
    np.testing.assert_allclose(s["ci_upper"], upper, rtol=1e-6)


def test_pathway_summary_population_from_the_next_population_indicator():
    # No JJ01: the child population is JJ02's denominator, 200,000; 5 per 200,000 = 2.5.
    s = summaries.pathway_summary(_pathway_frame("JJ02", 200_000), "AAA")
    assert s["count"].isna().iloc[0]  # no arrests row
    assert s.loc[s["stage"] == "Sentenced", "value"].iat[0] == 2.5
    assert (s["population"] == 200_000).all()


def test_pathway_summary_confidence_level_and_period():
    s = summaries.pathway_summary(_pathway_frame(), "AAA", confidence_level=0.9)
    # For 0 events the upper bound is -log(alpha / 2): 2.995732 at 90 %.
    assert s["ci_upper"].iat[4] == pytest.approx(-math.log(0.05))
    earlier = summaries.pathway_summary(_pathway_frame(), "AAA", period=2023)
    # Only JJ09 has a 2023 row: custodial 1 of 5 sentences; no population, so no rates.
    np.testing.assert_array_equal(earlier["count"], [np.nan, np.nan, np.nan, 5, 1])
    assert earlier["value"].isna().all()


def test_pathway_summary_of_a_country_without_rows():
    s = summaries.pathway_summary(_pathway_frame(), "ZZZ")
    assert len(s) == 5 and s["count"].isna().all() and s["value"].isna().all()
