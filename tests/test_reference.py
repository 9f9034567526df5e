"""Published reference figures: from_counts reproduces the publishers' rates; caveats travel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import stats
from indicators.reference import (
    REFERENCE_FILES,
    is_reference_folder,
    load_benchmarks,
    load_reference,
    reference_counts,
)
from indicators.registry import EXTRA_COLUMNS, RESULT_COLUMNS

REF = Path(__file__).parents[1] / "data" / "reference"


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return load_reference(REF)


def _row(ref, country, indicator, year=None):
    r = ref[(ref["country"] == country) & (ref["indicator"] == indicator)]
    if year is not None:
        r = r[r["period_end"].str.startswith(str(year))]
    assert len(r) == 1, (country, indicator, year)
    return r.iloc[0]


def test_shipped_with_citations():
    assert is_reference_folder(REF)
    readme = (REF / "README.md").read_text(encoding="utf-8")
    for name in (*REFERENCE_FILES, "regional_benchmarks.csv"):
        assert (REF / name).is_file() and name in readme
    for source in ("TransMonEE", "UNODC", "OJJDP", "Global Study"):
        assert source in readme


def test_rows_have_the_indicators_shape_source_and_caveats(ref):
    assert list(ref.columns) == [*RESULT_COLUMNS, *EXTRA_COLUMNS, "origin"]
    assert (ref["origin"] == "published").all()
    assert (ref["source"] != "").all() and (ref["caveats"] != "").all()
    assert ref.groupby(["country", "indicator", "period_end", "region"]).size().max() == 1
    valued = ref[ref["value"].notna() & ref["ci_lower"].notna()]
    assert (valued["ci_lower"] <= valued["value"]).all()
    assert (valued["value"] <= valued["ci_upper"]).all()


def test_transmonee_sentencing_rate_is_convicted_over_average_population():
    """TransMonEE's sentencing rate per 100,000 aged 14-17 = convicted / average population."""
    raw = _raw("transmonee_2018_sentencing.csv")
    ref = load_reference(REF)
    rates = ref[ref["indicator"] == "TM_SENTENCING"].set_index("country_name")
    assert len(rates) == len(raw) == 20
    for r in raw.itertuples():
        expected = float(r.convicted_children) / float(r.avg_pop_14_17) * 100_000
        assert rates.loc[r.country, "value"] == pytest.approx(expected, rel=1e-12)
    # e.g. Russian Federation: 18,826 convicted / 5,713,361.5 = 329.5 per 100,000
    assert rates.loc["Russian Federation", "value"] == pytest.approx(329.5, abs=0.05)


def test_transmonee_jj09_like_is_flagged_definition_differs(ref):
    r = _row(ref, "ALB", "JJ09")
    assert r["value"] == pytest.approx(100 * 284 / 296)
    assert "definition_differs" in r["flags"] and "Not exactly JJ09" in r["caveats"]
    assert "implausible" in r["caveats"]
    latvia = _row(ref, "LVA", "JJ09")  # '-' in the source: not available, not zero
    assert np.isnan(latvia["value"]) and latvia["flags"].startswith("not_available")


def test_transmonee_stocks_use_population_at_the_end_of_the_year(ref):
    raw = _raw("transmonee_2018_detention.csv").set_index("country")
    for name, code in (("Croatia", "HRV"), ("Russian Federation", "RUS"), ("Poland", "POL")):
        r = raw.loc[name]
        pop = float(r["pop_0_17_on_1_jan_of_next_year"])
        jj02 = _row(ref, code, "JJ02", r["year"])
        assert jj02["value"] == pytest.approx(float(r["in_closed_facilities_end_of_year"])
                                              / pop * 100_000)
        assert jj02["census_date"] == f"{r['year']}-12-31"
        _, lo, hi = stats.rate_ci(float(r["in_closed_facilities_end_of_year"]), pop, 100_000)
        assert (jj02["ci_lower"], jj02["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    # Croatia: 60 / 705,498 = 8.5 per 100,000 children
    assert _row(ref, "HRV", "JJ02")["value"] == pytest.approx(8.50, abs=0.005)
    assert np.isnan(_row(ref, "ALB", "JJ02")["value"])  # empty in the source
    assert "Latest available year: 2016." in _row(ref, "CZE", "JJ02", 2016)["caveats"]


def test_country_caveats_travel_with_their_rows(ref):
    blr = _row(ref, "BLR", "JJ02")
    assert "special educational institutions only" in blr["caveats"]
    assert "definition_differs" in blr["flags"]
    hrv = _row(ref, "HRV", "JJ02")
    assert "definition_differs" not in hrv["flags"]
    assert "occupied territories" in _row(ref, "UKR", "JJ02")["caveats"]
    assert "small_numerator" in _row(ref, "MNE", "JJ02")["flags"]  # 0 children


def test_unodc_rates_and_year_mismatch(ref):
    raw = _raw("unodc_juveniles_held.csv").set_index("iso3")
    for year in (2019, 2021):
        r = _row(ref, "ITA", "JJ02", year)
        pop = float(raw.loc["ITA", "pop_under_18_2021_thousands"]) * 1000
        assert r["value"] == pytest.approx(float(raw.loc["ITA", f"juveniles_held_{year}"])
                                           / pop * 100_000, rel=1e-9)
        assert "definition_differs" in r["flags"]
        assert ("population_year_differs" in r["flags"]) == (year == 2019)
    assert "adult facilities only" in _row(ref, "USA", "JJ02", 2021)["caveats"]


def test_ojjdp_published_rates_are_kept_and_consistent(ref):
    raw = _raw("ojjdp_cjrp_2019_states.csv")
    states = ref[ref["country"].str.startswith("US-")]
    assert len(states) == len(raw) - 1
    ojjdp = ref[ref["source"].str.contains("Residential Placement")]
    for r in raw.itertuples():
        name = "United States (OJJDP)" if r.state.startswith("U.S.") else r.state
        row = ojjdp[ojjdp["country_name"] == name].iloc[0]
        assert row["value"] == float(r.placement_rate_per_100k)
        assert row["numerator"] == float(r.offenders_in_placement)
        assert {"published_rate", "definition_differs"} <= set(row["flags"].split(";"))
    # Consistency where computable: the populations aged 10 to the upper age that the listed
    # states' rounded rates imply add up to less than the population the US rate implies.
    st = raw[~raw["state"].str.startswith("U.S.")]
    counts = st["offenders_in_placement"].astype(float)
    rates = st["placement_rate_per_100k"].astype(float)
    implied_states_min = (counts / (rates + 0.5) * 100_000).sum()
    us_max = 36479 / (114 - 0.5) * 100_000
    assert implied_states_min < us_max
    assert counts.sum() < 36479
    # States' counts are rounded to multiples of 3 by the publisher, as the README says.
    assert (counts % 3 == 0).all()


def test_ojjdp_deaths_per_1000_held_on_the_census_day(ref):
    deaths = ref[ref["indicator"] == "JJ06"].sort_values("period_end")
    assert deaths["value"].tolist() == pytest.approx([6 / 45567 * 1000, 8 / 37529 * 1000])
    assert deaths["unit"].unique().tolist() == ["per 1,000 children detained"]
    assert deaths["period_start"].tolist() == ["2015-10-27", "2017-10-25"]
    assert deaths["census_date"].tolist() == ["2016-10-26", "2018-10-24"]
    assert all("census_denominator" in f for f in deaths["flags"])


def test_counts_table_is_text_and_round_trips(tmp_path):
    table = reference_counts(REF)
    assert (table.dtypes == "string").all()
    assert len(load_reference(REF)) == len(table)
    partial = tmp_path / "ref"
    partial.mkdir()
    (partial / "ojjdp_deaths_in_custody.csv").write_bytes(
        (REF / "ojjdp_deaths_in_custody.csv").read_bytes())
    assert len(load_reference(partial)) == 2
    with pytest.raises(ValueError, match="no reference tables"):
        load_reference(tmp_path / "nothing")


def test_benchmarks_are_context_only():
    b = load_benchmarks(REF)
    world = b[b["region"] == "World"]
    assert world["rate_per_100k_children"].tolist() == [15.0]
    assert "JJ02" not in set(b.columns)
