"""differences.csv: every rule of the spec section "Comparisons: differences.csv", on small
frames built from counts whose answers are worked here, and the intervals against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import stats
from indicators.counts import from_counts
from indicators.differences import (
    COMPARISON_KINDS,
    DIFFERENCE_COLUMNS,
    compare_with_country,
    comparison_cells,
    compute_differences,
)

SPEC_COLUMNS = (
    "kind, indicator, dimension, group, country_a, period_end_a, country_b, period_end_b, "
    "value_a, value_b, numerator_a, denominator_a, numerator_b, denominator_b, measure, "
    "estimate, ci_lower, ci_upper, method, significant, comparable"
)


def _counts(rows) -> pd.DataFrame:
    """A counts table: (country, period, indicator, group, numerator, denominator[, extra])."""
    out = []
    for r in rows:
        country, period, indicator, group, num, den, *extra = r
        row = {"country": country, "period": str(period), "indicator": indicator,
               "group": group, "numerator": num, "denominator": den}
        if extra:
            row.update(extra[0])
        out.append(row)
    table = pd.DataFrame(out)
    return from_counts(table.astype(object).where(table.notna(), ""))


def _row(d, **where):
    sel = d
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, where
    return sel.iloc[0]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Two countries, three periods of XA, with JJ02 (rate), JJ09 (percentage), JJ04 (duration).

    XA JJ02 total: 2021 6/100,000, 2022 12/100,000, 2024 24/120,000; sex F 2/50,000, M 10/50,000
    in 2022; group U in 2022 with no population. XB (2023) JJ02 30/100,000. JJ09 XA 2022 30/60,
    2024 10/50; XB 2023 5/40.
    """
    return _counts([
        ("XA", 2021, "JJ02", "all", 6, 100_000),
        ("XA", 2022, "JJ02", "all", 12, 100_000),
        ("XA", 2022, "JJ02", "F", 2, 50_000),
        ("XA", 2022, "JJ02", "M", 10, 50_000),
        ("XA", 2022, "JJ02", "U", 1, ""),
        ("XA", 2024, "JJ02", "all", 24, 120_000),
        ("XA", 2024, "JJ02", "U", 2, ""),
        ("XA", 2022, "JJ09", "all", 30, 60),
        ("XA", 2022, "JJ09", "F", 3, 10),
        ("XA", 2022, "JJ09", "M", 27, 50),
        ("XA", 2024, "JJ09", "all", 10, 50),
        ("XA", 2024, "JJ04", "all", 12, "", {"value": "30"}),
        ("XB", 2023, "JJ02", "all", 30, 100_000),
        ("XB", 2023, "JJ09", "all", 5, 40),
    ])


@pytest.fixture(scope="module")
def diffs(frame) -> pd.DataFrame:
    return compute_differences(frame, confidence_level=0.95)


def test_columns_are_the_contract(diffs):
    assert [c.strip() for c in SPEC_COLUMNS.split(",")] == DIFFERENCE_COLUMNS
    assert list(diffs.columns) == DIFFERENCE_COLUMNS
    assert set(diffs["kind"]) == set(COMPARISON_KINDS)
    assert set(diffs["significant"]) <= {"true", "false", ""}
    assert set(diffs["comparable"]) <= {"true", "false"}


def test_trend_uses_the_period_just_before_in_the_run(diffs):
    trend = diffs[(diffs["kind"] == "trend") & (diffs["indicator"] == "JJ02")
                  & (diffs["group"] == "all")]
    pairs = list(zip(trend["period_end_a"], trend["period_end_b"], strict=True))
    # 2024 is compared with 2022 (the period just before it in the run), never with 2021.
    assert pairs == [("2022-12-31", "2021-12-31"), ("2024-12-31", "2022-12-31")]
    assert (trend["country_a"] == "XA").all() and (trend["country_b"] == "XA").all()
    r = _row(trend, period_end_a="2022-12-31")
    # 12 / 100,000 against 6 / 100,000: ratio 2; interval from 12 of 18 (Clopper-Pearson).
    assert r["estimate"] == pytest.approx(2.0)
    assert r["estimate"] == pytest.approx(r["value_a"] / r["value_b"])
    _, lo, hi = stats.rate_ratio_ci(12, 100_000, 6, 100_000)
    assert (r["ci_lower"], r["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert (r["measure"], r["method"]) == ("rate_ratio", "exact_conditional")
    assert r["significant"] == "false"  # 0.72 to 6.5 includes 1
    assert (r["numerator_a"], r["denominator_a"], r["numerator_b"], r["denominator_b"]) == (
        12, 100_000, 6, 100_000)


def test_trend_compares_only_the_groups_both_periods_have(diffs):
    trend = diffs[(diffs["kind"] == "trend") & (diffs["indicator"] == "JJ02")]
    # F and M exist only in 2022; U in 2022 and 2024 (both without a population).
    assert set(trend["group"]) == {"all", "U"}
    jj09 = diffs[(diffs["kind"] == "trend") & (diffs["indicator"] == "JJ09")]
    assert jj09["group"].tolist() == ["all"]


def test_percentages_are_differences_in_points_by_newcombe(diffs):
    from statsmodels.stats.proportion import confint_proportions_2indep

    r = _row(diffs, kind="trend", indicator="JJ09", group="all")
    # 10/50 = 20 % in 2024 against 30/60 = 50 % in 2022: -30 points.
    assert r["estimate"] == pytest.approx(-30.0)
    assert r["estimate"] == pytest.approx(r["value_a"] - r["value_b"])
    lo, hi = confint_proportions_2indep(10, 50, 30, 60, method="newcomb", compare="diff")
    assert (r["ci_lower"], r["ci_upper"]) == (pytest.approx(100 * lo), pytest.approx(100 * hi))
    assert (r["measure"], r["method"], r["significant"]) == ("difference", "newcombe", "true")


def test_country_rows_use_latest_periods_each_pair_once(frame):
    more = pd.concat([frame, _counts([("XC", 2020, "JJ02", "all", 3, 100_000),
                                      ("XAB", 2022, "JJ02", "all", 3, 100_000)])])
    d = compute_differences(more, confidence_level=0.95, kinds=["country"])
    total = d[(d["indicator"] == "JJ02") & (d["group"] == "all")]
    pairs = list(zip(total["country_a"], total["country_b"], strict=True))
    assert pairs == [("XA", "XAB"), ("XA", "XB"), ("XA", "XC"), ("XAB", "XB"), ("XAB", "XC"),
                     ("XB", "XC")]
    assert set(total[total["country_a"] == "XA"]["period_end_a"]) == {"2024-12-31"}
    r = _row(total, country_a="XA", country_b="XB")
    assert r["period_end_b"] == "2023-12-31"
    # 24/120,000 = 20 against 30/100,000 = 30 per 100,000.
    assert r["estimate"] == pytest.approx(20 / 30)


def test_sex_rows_are_girls_against_boys_within_a_dataset(diffs):
    sex = diffs[diffs["kind"] == "sex"]
    assert set(sex["dimension"]) == {"sex"} and set(sex["group"]) == {"F:M"}
    r = _row(sex, indicator="JJ02")
    assert (r["country_a"], r["period_end_a"], r["country_b"], r["period_end_b"]) == (
        "XA", "2022-12-31", "XA", "2022-12-31")
    # 2 of 50,000 girls against 10 of 50,000 boys: 0.2; the interval excludes 1.
    assert r["estimate"] == pytest.approx(0.2)
    assert r["significant"] == "true" and r["ci_upper"] < 1
    p = _row(sex, indicator="JJ09")
    assert p["estimate"] == pytest.approx(30 - 54)


def test_undefined_estimates_are_written_empty(frame):
    d = compute_differences(frame, confidence_level=0.95)
    u = _row(d, kind="trend", indicator="JJ02", group="U")  # no population on either side
    assert np.isnan(u["estimate"]) and np.isnan(u["ci_lower"]) and np.isnan(u["ci_upper"])
    assert u["significant"] == ""
    assert (u["numerator_a"], u["numerator_b"]) == (2, 1) and np.isnan(u["denominator_a"])
    zero = _counts([("XZ", 2022, "JJ02", "all", 4, 1000), ("XZ", 2023, "JJ02", "all", 3, 1000),
                    ("XZ", 2024, "JJ02", "all", 0, 1000), ("XZ", 2022, "JJ09", "all", 0, 0),
                    ("XZ", 2023, "JJ09", "all", 2, 9)])
    dz = compute_differences(zero, confidence_level=0.95, kinds=["trend"])
    # b's value 0 gives no ratio; a's value 0 gives 0 with an interval from 0.
    r23 = _row(dz, indicator="JJ02", period_end_a="2023-12-31")
    r24 = _row(dz, indicator="JJ02", period_end_a="2024-12-31")
    assert r23["estimate"] == pytest.approx(0.75)
    assert (r24["estimate"], r24["ci_lower"]) == (0.0, 0.0) and r24["ci_upper"] > 1
    assert r24["significant"] == "false"
    back = compute_differences(
        _counts([("XY", 2022, "JJ02", "all", 0, 1000), ("XY", 2023, "JJ02", "all", 5, 1000)]),
        confidence_level=0.95)
    assert np.isnan(_row(back, kind="trend")["estimate"])  # b = 2022 has the value 0
    pct = _row(dz, indicator="JJ09")  # a denominator of 0 in 2022
    assert np.isnan(pct["estimate"]) and pct["significant"] == ""


def test_comparable_false_for_definitions_counting_units_and_deaths_denominators():
    table = _counts([
        ("XA", 2023, "JJ02", "all", 10, 100_000),
        ("XB", 2023, "JJ02", "all", 20, 100_000, {"definition_differs": "true"}),
        ("XA", 2023, "JJ09", "all", 10, 50, {"notes": "count_unit=child"}),
        ("XB", 2023, "JJ09", "all", 10, 40),
        ("XA", 2023, "JJ10", "all", 10, 50, {"notes": "count_unit=event"}),
        ("XB", 2023, "JJ10", "all", 10, 40),
        ("XA", 2023, "JJ06", "all", 1, 300, {"flags": "census_denominator"}),
        ("XB", 2023, "JJ06", "all", 1, 250),
        ("XA", 2023, "JJ07", "all", 5, 20, {"notes": "count_unit=child"}),
        ("XB", 2023, "JJ07", "all", 6, 20),
    ])
    d = compute_differences(table, confidence_level=0.95, kinds=["country"])
    comparable = dict(zip(d["indicator"], d["comparable"], strict=True))
    assert comparable == {"JJ02": "false", "JJ06": "false", "JJ07": "true", "JJ09": "false",
                          "JJ10": "true"}
    # Rows that are not comparable are still written, with their estimate.
    assert not np.isnan(_row(d, indicator="JJ02")["estimate"])
    cells = comparison_cells(table).set_index(["country", "indicator"])
    assert cells.loc[("XA", "JJ06"), "_deaths"] == "census"
    assert cells.loc[("XB", "JJ06"), "_deaths"] == "average_daily_population"
    assert cells.loc[("XA", "JJ07"), "_count_unit"] == ""  # count_unit does not apply


def test_published_durations_and_policy_rows_take_no_part(frame):
    published = _counts([("XP", 2023, "JJ02", "all", 50, 100_000, {"origin": "published"}),
                         ("XP", 2022, "JJ02", "all", 40, 100_000, {"origin": "published"}),
                         ("XA", 2024, "JJ14", "all", "", "", {"value": "yes"})])
    d = compute_differences(pd.concat([frame, published]), confidence_level=0.95)
    assert "XP" not in set(d["country_a"]) | set(d["country_b"])
    assert set(d["indicator"]) == {"JJ02", "JJ09"}


def test_a_comparison_with_a_suppressed_cell_is_not_written(frame):
    public = frame.copy()
    sup = (public["country"] == "XA") & (public["group"] == "F") & (public["indicator"] == "JJ02")
    public.loc[sup, "flags"] = "suppressed"
    public.loc[sup, ["value", "numerator", "ci_lower", "ci_upper"]] = np.nan
    d = compute_differences(public, confidence_level=0.95)
    assert d[(d["kind"] == "sex") & (d["indicator"] == "JJ02")].empty
    assert not d[(d["kind"] == "sex") & (d["indicator"] == "JJ09")].empty
    internal = compute_differences(frame, confidence_level=0.95)
    assert len(internal) == len(d) + 1


def test_confidence_level_is_the_runs(frame):
    d90 = compute_differences(frame, confidence_level=0.90)
    d95 = compute_differences(frame, confidence_level=0.95)
    r90 = _row(d90, kind="trend", indicator="JJ02", group="all", period_end_a="2024-12-31")
    r95 = _row(d95, kind="trend", indicator="JJ02", group="all", period_end_a="2024-12-31")
    _, lo, hi = stats.rate_ratio_ci(24, 120_000, 12, 100_000, 0.90)
    assert (r90["ci_lower"], r90["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert r95["ci_lower"] < r90["ci_lower"] and r90["ci_upper"] < r95["ci_upper"]


def test_every_defined_estimate_lies_in_its_interval(diffs):
    defined = diffs[diffs["estimate"].notna()]
    assert (defined["ci_lower"] <= defined["estimate"] + 1e-12).all()
    assert (defined["estimate"] <= defined["ci_upper"] + 1e-12).all()
    assert (diffs["significant"] == "").sum() == diffs["estimate"].isna().sum()


def test_bad_input():
    with pytest.raises(ValueError, match="missing column"):
        compute_differences(pd.DataFrame({"country": ["X"]}), confidence_level=0.95)
    with pytest.raises(ValueError, match="unknown comparison kind"):
        compute_differences(pd.DataFrame(), confidence_level=0.95, kinds=["region"])


def test_empty_when_nothing_to_compare():
    one = _counts([("XA", 2023, "JJ02", "all", 1, 1000)])
    d = compute_differences(one, confidence_level=0.95)
    assert d.empty and list(d.columns) == DIFFERENCE_COLUMNS


def test_from_records_reads_the_count_unit_noted_by_compute(make_dataset):
    from indicators import compute_indicators

    event = compute_indicators(make_dataset()).indicators
    child = compute_indicators(make_dataset(), count_unit="child").indicators
    child = child.assign(period_end="2025-12-31")  # the same records as a later period
    d = compute_differences(pd.concat([event, child]), confidence_level=0.95, kinds=["trend"])
    comparable = d[d["group"] == "all"].set_index("indicator")["comparable"]
    assert comparable["JJ01"] == "false" and comparable["JJ09"] == "false"
    assert comparable["JJ02"] == "true"


def test_compare_with_a_chosen_country_turns_the_pairs(frame):
    chosen = compare_with_country(frame, "XB", confidence_level=0.95)
    assert list(chosen.columns) == DIFFERENCE_COLUMNS
    assert set(chosen["country_b"]) == {"XB"} and set(chosen["country_a"]) == {"XA"}
    d = compute_differences(frame, confidence_level=0.95, kinds=["country"])
    r = _row(d, indicator="JJ02", group="all")  # XA (a) against XB (b)
    c = _row(chosen, indicator="JJ02", group="all")
    assert (c["estimate"], c["ci_lower"], c["ci_upper"]) == (
        pytest.approx(r["estimate"]), pytest.approx(r["ci_lower"]), pytest.approx(r["ci_upper"]))
    back = compare_with_country(frame, "XA", confidence_level=0.95)
    b = _row(back, indicator="JJ02", group="all")  # XB (a) against XA (b): inverted
    assert b["estimate"] == pytest.approx(1 / r["estimate"])
    assert (b["ci_lower"], b["ci_upper"]) == (pytest.approx(1 / r["ci_upper"]),
                                              pytest.approx(1 / r["ci_lower"]))
    p = _row(back, indicator="JJ09", group="all")
    q = _row(d, indicator="JJ09", group="all")
    assert p["estimate"] == pytest.approx(-q["estimate"])
    assert compare_with_country(frame, "XZ", confidence_level=0.95).empty
