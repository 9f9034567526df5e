"""Tests of the shipped sample datasets (data/samples): complete, valid, reproducible, and
differing by profile as designed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_simulate import TABLE_FILES, check_record_rules, read_tables

from indicators import cli
from indicators.simulate import load_profiles, write_samples

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
PROFILES = load_profiles()
YEARS = [int(y) for y in PROFILES["simulation"]["sample_years"]]
CODES = {name: p["code"] for name, p in PROFILES["profiles"].items()}
FOLDERS = [SAMPLES / code / str(y) for code in CODES.values() for y in YEARS]
IDS = [f"{f.parent.name}-{f.name}" for f in FOLDERS]


def test_every_profile_and_year_is_shipped():
    assert sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.glob("*/*")) == sorted(
        f.relative_to(SAMPLES).as_posix() for f in FOLDERS
    )
    for folder in FOLDERS:
        names = sorted(p.name for p in folder.iterdir())
        assert names == sorted(["dataset.toml", *(f"{t}.csv" for t in TABLE_FILES)])


def test_samples_are_small():
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 25 * 1024**2


def test_samples_say_they_are_synthetic():
    import tomllib

    for folder in FOLDERS:
        text = (folder / "dataset.toml").read_text(encoding="utf-8")
        assert text.startswith("# SYNTHETIC DATA")
        meta = tomllib.loads(text)
        assert meta["country_name"].endswith("(synthetic)")
        assert "synthetic" in meta["region"]
        assert meta["source"].startswith("synthetic (jj-indicators simulate ")
        assert str(meta["period_start"]) == f"{folder.name}-01-01"
        assert meta["country"] == folder.parent.name


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_samples_satisfy_the_record_rules(folder):
    check_record_rules(read_tables(folder), int(folder.name))


def test_regenerating_one_sample_is_byte_identical(tmp_path):
    write_samples(tmp_path, only=["corallia", "northland"])
    for code in ("XCO", "XAA"):
        for year in YEARS:
            new, old = tmp_path / code / str(year), SAMPLES / code / str(year)
            for f in sorted(old.iterdir()):
                assert (new / f.name).read_bytes() == f.read_bytes(), f"{code}/{year}/{f.name}"


@pytest.mark.slow
def test_documented_command_regenerates_every_sample_byte_for_byte(tmp_path, capsys):
    # the exact command of data/README.md
    assert cli.main(["simulate", "--samples", str(tmp_path)]) == 0
    for folder in FOLDERS:
        new = tmp_path / folder.parent.name / folder.name
        for f in sorted(folder.iterdir()):
            assert (new / f.name).read_bytes() == f.read_bytes(), f"{folder}/{f.name}"
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert "jj-indicators simulate --samples data/samples" in readme


@pytest.mark.slow
@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_every_sample_validates_without_errors(folder):
    import indicators.validation as validation
    from indicators.reading import read_dataset

    report = validation.validate_dataset(read_dataset(folder))
    assert report.n_errors == 0, report.summary()
    # the only warnings are deliberate: a few arrests under the minimum age everywhere, and
    # many unknown dates of birth in the weak-records profile
    if report.n_warnings:
        rules = set(report.warnings["rule"])
        allowed = {"under_age_of_responsibility"}
        if folder.parent.name == CODES["deltara"]:
            allowed.add("many_missing_birth_dates")
        assert rules <= allowed, rules


# --------------------------------------------------------------------------- indicators


@pytest.fixture(scope="module")
def totals() -> pd.DataFrame:
    """Total/all values of every 2024 sample and of lakeland 2023 (indicator x dataset)."""
    import indicators.compute as compute
    from indicators.reading import read_dataset

    out = {}
    wanted = [(name, 2024) for name in CODES] + [("lakeland", 2023), ("lakeland", 2022)]
    for name, year in wanted:
        res = compute.compute_indicators(read_dataset(SAMPLES / CODES[name] / str(year)))
        ind = res.indicators
        tot = ind[(ind.dimension == "total") & (ind.group == "all")].set_index("indicator")
        out[f"{name}-{year}"] = tot["value"].astype(float)
        out[f"{name}-{year}-flags"] = tot["flags"]
    return pd.DataFrame(out)


def _latest(totals: pd.DataFrame, indicator: str) -> pd.Series:
    cols = [f"{n}-2024" for n in CODES]
    s = totals.loc[indicator, cols]
    s.index = [c.removesuffix("-2024") for c in cols]
    return s.astype(float)


PLAUSIBLE = {
    "JJ01": (200, 2000),  # arrests per 100,000 children
    "JJ02": (1, 250),  # children in detention per 100,000
    "JJ03": (0, 150),
    "JJ04": (3, 150),  # median days
    "JJ05": (60, 600),
    "JJ06": (0, 10),  # per 1,000 detained
    "JJ07": (0, 100),
    "JJ08": (30, 100),
    "JJ09": (3, 60),
    "JJ10": (3, 95),
    "JJ11": (5, 100),
}


@pytest.mark.slow
def test_values_are_plausible(totals):
    for indicator, (lo, hi) in PLAUSIBLE.items():
        values = _latest(totals, indicator)
        assert values.notna().all(), indicator
        assert values.between(lo, hi).all(), (indicator, values.to_dict())


@pytest.mark.slow
def test_profiles_differ_as_designed(totals):
    jj03, jj10 = _latest(totals, "JJ03"), _latest(totals, "JJ10")
    assert jj10.idxmax() == "fjordmark" and jj03.idxmin() == "fjordmark"
    assert jj10.idxmin() == "valdoria" and jj03.idxmax() == "valdoria"
    assert _latest(totals, "JJ04").idxmax() == "valdoria"
    assert _latest(totals, "JJ07").idxmax() == "meridia"
    assert _latest(totals, "JJ09").idxmax() == "highmoor"
    assert _latest(totals, "JJ11").idxmax() == "northland"
    assert _latest(totals, "JJ05").idxmax() == "highmoor"


@pytest.mark.slow
def test_small_country_shows_small_numbers(totals):
    assert "small_numerator" in str(totals.loc["JJ03", "corallia-2024-flags"])
    assert "small_numerator" not in str(totals.loc["JJ03", "valdoria-2024-flags"])


@pytest.mark.slow
def test_reform_shows_in_the_third_year(totals):
    jj10 = totals.loc["JJ10", ["lakeland-2022", "lakeland-2023", "lakeland-2024"]].astype(float)
    jj03 = totals.loc["JJ03", ["lakeland-2022", "lakeland-2023", "lakeland-2024"]].astype(float)
    assert jj10.iloc[2] > jj10.iloc[1] + 25 and abs(jj10.iloc[1] - jj10.iloc[0]) < 10
    assert jj03.iloc[2] < 0.5 * jj03.iloc[1]


@pytest.mark.slow
def test_policy_answers_follow_the_profiles(totals):
    assert totals.loc["JJ14", "meridia-2024"] == 0
    assert totals.loc["JJ14", "northland-2024"] == 1
    assert pd.isna(totals.loc["JJ15", "deltara-2024"])  # not assessed
    assert totals.loc["JJ13a", "valdoria-2024"] == 0
