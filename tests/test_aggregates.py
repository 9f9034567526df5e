"""Regional figures pooled from counts, reference lines over comparable figures, rankings with
rank intervals: small frames built from counts with answers worked by hand, and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import stats
from indicators.aggregates import (
    AGGREGATE_COLUMNS,
    ALL_REGIONS,
    RANK_COLUMNS,
    comparable_figures,
    pooled_rates,
    rank_countries,
    reference_line,
)
from indicators.counts import from_counts


def _counts(rows) -> pd.DataFrame:
    """(country, region, period, indicator, numerator, denominator[, extra])."""
    out = []
    for country, region, period, indicator, num, den, *extra in rows:
        row = {"country": country, "region": region, "period": str(period),
               "indicator": indicator, "group": "all", "numerator": num, "denominator": den}
        if extra:
            row.update(extra[0])
        out.append(row)
    table = pd.DataFrame(out)
    return from_counts(table.astype(object).where(table.notna(), ""))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Region N: A 10/100,000, B 30/200,000, C (definition differs) 50/100,000, D suppressed
    (population 100,000), all 2023; A also 2022 (4/100,000). Region S: E 6/50,000. JJ09:
    A 3/10, B 7/30 in 2023."""
    f = _counts([
        ("A", "N", 2022, "JJ02", 4, 100_000),
        ("A", "N", 2023, "JJ02", 10, 100_000),
        ("B", "N", 2023, "JJ02", 30, 200_000),
        ("C", "N", 2023, "JJ02", 50, 100_000, {"definition_differs": "true"}),
        ("D", "N", 2023, "JJ02", 2, 100_000),
        ("E", "S", 2023, "JJ02", 6, 50_000),
        ("A", "N", 2023, "JJ09", 3, 10),
        ("B", "N", 2023, "JJ09", 7, 30),
    ])
    sup = f["country"] == "D"
    f.loc[sup, "flags"] = "suppressed"
    f.loc[sup, ["value", "numerator", "ci_lower", "ci_upper"]] = np.nan
    return f


def _one(table, **where):
    sel = table
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, where
    return sel.iloc[0]


def test_pooled_rate_is_the_sum_of_numerators_over_the_sum_of_denominators(frame):
    p = pooled_rates(frame, confidence_level=0.95)
    assert list(p.columns) == AGGREGATE_COLUMNS
    n = _one(p, level="region", region="N", indicator="JJ02", year="2023")
    # A and B only: C's definition differs, D is suppressed.  40 / 300,000 = 13.33 per 100,000.
    assert (n["numerator"], n["denominator"]) == (40, 300_000)
    assert n["value"] == pytest.approx(40 / 300_000 * 100_000)
    _, lo, hi = stats.rate_ci(40, 300_000, 100_000)
    assert (n["ci_lower"], n["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert (n["countries"], n["country_codes"], n["countries_in_region"]) == (2, "A;B", 4)
    # A and B hold 300,000 of the 500,000 children of A, B, C and D.
    assert (n["children_covered"], n["children_in_region"]) == (300_000, 500_000)
    assert n["children_share"] == pytest.approx(0.6)
    assert "2 of 4 countries of N" in n["basis"]
    assert "left out: 1 with a definition flag, 1 suppressed" in n["basis"]
    assert "60% of the children of the 4 countries" in n["basis"]


def test_pooled_percentage_uses_wilson(frame):
    p = pooled_rates(frame, confidence_level=0.90)
    r = _one(p, level="region", region="N", indicator="JJ09", year="2023")
    assert r["value"] == pytest.approx(25.0)  # (3 + 7) / (10 + 30)
    _, lo, hi = stats.proportion_ci(10, 40, 0.90)
    assert (r["ci_lower"], r["ci_upper"]) == (pytest.approx(100 * lo), pytest.approx(100 * hi))
    assert r["children_share"] == pytest.approx(0.6)  # children of A and B, from JJ02


def test_international_level_pools_every_region(frame):
    p = pooled_rates(frame, confidence_level=0.95)
    world = _one(p, level="international", region=ALL_REGIONS, indicator="JJ02", year="2023")
    assert (world["numerator"], world["denominator"], world["countries"]) == (46, 350_000, 3)
    assert world["countries_in_region"] == 5
    only = pooled_rates(frame, confidence_level=0.95, levels=("international",))
    assert set(only["level"]) == {"international"}
    with pytest.raises(ValueError, match="unknown level"):
        pooled_rates(frame, confidence_level=0.95, levels=("continent",))


def test_given_region_children_set_the_share(frame):
    p = pooled_rates(frame, confidence_level=0.95, region_children={"N": 1_200_000})
    n = _one(p, level="region", region="N", indicator="JJ02", year="2023")
    assert n["children_share"] == pytest.approx(300_000 / 1_200_000)
    assert "25% of the region's children" in n["basis"]


def test_unlike_definitions_are_pooled_apart():
    f = _counts([
        ("A", "N", 2023, "JJ09", 3, 10, {"notes": "count_unit=event"}),
        ("B", "N", 2023, "JJ09", 7, 30, {"notes": "count_unit=child"}),
        ("C", "N", 2023, "JJ09", 5, 20),
        ("A", "N", 2023, "JJ06", 1, 40.5),
        ("B", "N", 2023, "JJ06", 0, 35, {"flags": "census_denominator"}),
    ])
    p = pooled_rates(f, confidence_level=0.95, levels=("region",))
    jj09 = p[p["indicator"] == "JJ09"].set_index("count_unit")
    assert jj09.loc["event", "country_codes"] == "A;C" and jj09.loc["child", "countries"] == 1
    assert "left out: 1 with another counting unit" in jj09.loc["event", "basis"]
    jj06 = p[p["indicator"] == "JJ06"].set_index("deaths_denominator")
    assert set(jj06.index) == {"average_daily_population", "census"}


def test_published_figures_only_when_asked_and_only_with_counts():
    f = _counts([
        ("A", "N", 2023, "JJ02", 10, 100_000),
        ("P", "N", 2023, "JJ02", 20, 100_000, {"origin": "published"}),
        ("Q", "N", 2023, "JJ02", 30, "", {"origin": "published", "value": "25"}),
    ])
    default = _one(pooled_rates(f, confidence_level=0.95), level="region")
    assert default["country_codes"] == "A" and "2 published (not asked for)" in default["basis"]
    asked = _one(pooled_rates(f, confidence_level=0.95, include_published=True), level="region")
    assert asked["country_codes"] == "A;P"  # Q has a published rate, no denominator
    assert "1 with a definition flag" in asked["basis"]  # published_rate


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(1_000, 2_000_000)), min_size=1,
                max_size=8))
def test_pooled_rate_lies_between_the_countries_rates(units):
    f = _counts([(f"C{i}", "R", 2024, "JJ02", x, d) for i, (x, d) in enumerate(units)])
    r = _one(pooled_rates(f, confidence_level=0.95), level="region")
    rates = [x / d * 100_000 for x, d in units]
    assert min(rates) - 1e-9 <= r["value"] <= max(rates) + 1e-9
    assert r["ci_lower"] <= r["value"] <= r["ci_upper"]
    assert r["numerator"] == sum(x for x, _ in units)
    assert r["denominator"] == sum(d for _, d in units)
    assert r["countries"] == len(units) and r["children_share"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- reference line


def test_reference_line_weights_by_population_and_uses_comparable_figures_only(frame):
    line = reference_line(frame, "JJ02")
    # A 10 (pop 100,000; its 2023 figure), B 15 (200,000), E 12 (50,000): cumulative weights
    # 100,000 (A, 10), 150,000 (E, 12), 350,000 (B, 15); half of 350,000 is reached at 15.
    assert line.value == pytest.approx(15.0)
    assert line.countries == ("A", "B", "E") and line.weighting == "child population"
    assert dict(line.left_out) == {"C": "a definition flag", "D": "suppressed"}
    assert line.basis.startswith("Population-weighted median of 3 countries' latest figures "
                                 "(A, B, E; period ending 2023-12-31) from counts")
    assert "left out: 1 with a definition flag, 1 suppressed" in line.basis
    plain = reference_line(frame, "JJ02", weights="none")
    assert plain.value == pytest.approx(12.0)  # median of 10, 12, 15


def test_reference_line_of_percentages_is_a_plain_median():
    f = _counts([(c, "N", 2023, "JJ09", x, 100) for c, x in
                 (("A", 20), ("B", 40), ("C", 50), ("D", 60))])
    line = reference_line(f, "JJ09")
    assert (line.value, line.weighting) == (45.0, "none")
    with pytest.raises(ValueError, match="population weights"):
        reference_line(f, "JJ09", weights="population")


def test_reference_line_without_comparable_figures():
    f = _counts([("A", "N", 2023, "JJ02", 5, 1000, {"definition_differs": "true"})])
    line = reference_line(f, "JJ02")
    assert np.isnan(line.value) and line.countries == ()
    assert line.basis == "No comparable figure; left out: 1 with a definition flag."


def test_comparable_figures_keep_the_majority_definition():
    f = _counts([
        ("A", "N", 2023, "JJ09", 3, 10),
        ("B", "N", 2023, "JJ09", 7, 30),
        ("C", "N", 2023, "JJ09", 5, 20, {"notes": "count_unit=child"}),
    ])
    kept, left, definition = comparable_figures(f, "JJ09")
    assert list(kept["country"]) == ["A", "B"] and definition["count_unit"] == "event"
    assert left.set_index("country")["reason"].to_dict() == {
        "C": "another counting unit or deaths denominator"}


# --------------------------------------------------------------------------- ranking


def test_rank_countries_is_seeded_and_orders_by_value(frame):
    r = rank_countries(frame, "JJ02", confidence_level=0.95, seed=11, n_draws=4000)
    assert list(r.columns) == RANK_COLUMNS
    assert list(r["country"]) == ["B", "E", "A"]  # 15, 12 and 10 per 100,000
    assert list(r["rank"]) == [1, 2, 3] and (r["countries_ranked"] == 3).all()
    again = rank_countries(frame, "JJ02", confidence_level=0.95, seed=11, n_draws=4000)
    pd.testing.assert_frame_equal(r, again)
    # 30, 6 and 10 events: the three cannot be told apart, every interval spans 1 to 3.
    assert list(zip(r["rank_lower"], r["rank_upper"], strict=True)) == [(1, 3)] * 3
    assert "3 countries' latest figures" in r["basis"].iat[0]
    assert "left out: 1 with a definition flag, 1 suppressed" in r["basis"].iat[0]


def test_rank_of_a_clear_leader_is_certain():
    f = _counts([("A", "N", 2024, "JJ02", 900, 100_000), ("B", "N", 2024, "JJ02", 40, 100_000),
                 ("C", "N", 2024, "JJ02", 38, 100_000), ("D", "N", 2024, "JJ02", 1, 100_000)])
    r = rank_countries(f, "JJ02", confidence_level=0.95).set_index("country")
    assert (r.loc["A", "rank_lower"], r.loc["A", "rank_upper"]) == (1, 1)
    assert (r.loc["D", "rank_lower"], r.loc["D", "rank_upper"]) == (4, 4)
    assert (r.loc["B", "rank_lower"], r.loc["B", "rank_upper"]) == (2, 3)
    low = rank_countries(f, "JJ02", confidence_level=0.95, descending=False).set_index("country")
    assert low.loc["D", "rank"] == 1 and low.loc["A", "rank"] == 4


def test_rank_countries_empty_when_nothing_is_comparable():
    f = _counts([("A", "N", 2024, "JJ02", 5, 1000, {"definition_differs": "true"})])
    r = rank_countries(f, "JJ02", confidence_level=0.95)
    assert r.empty and list(r.columns) == RANK_COLUMNS


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 80), st.integers(1, 80)), min_size=1, max_size=7))
def test_rank_intervals_of_percentages_are_within_the_countries_ranked(units):
    f = _counts([(f"C{i}", "R", 2024, "JJ09", x, x + extra)
                 for i, (x, extra) in enumerate(units)])
    r = rank_countries(f, "JJ09", confidence_level=0.9, n_draws=300)
    k = len(units)
    assert len(r) == k
    assert ((r["rank_lower"] >= 1) & (r["rank_lower"] <= r["rank_upper"])
            & (r["rank_upper"] <= k)).all()
    assert r["value"].is_monotonic_decreasing
