"""Tests of indicators.simulate: determinism, record rules, pathways, profiles and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import cli
from indicators.codes import DECISION, DIRECTION, END_REASON, FACILITY_TYPE, OFFENCE_CATEGORY, SEX
from indicators.simulate import (
    SimulatedData,
    list_profiles,
    load_profiles,
    profile_parameters,
    simulate,
    simulate_frames,
    write_dataset,
)

PROFILES = load_profiles()
NAMES = list(PROFILES["profiles"])
TABLE_FILES = (
    "children", "population", "arrests", "detentions", "dispositions",
    "family_visits", "facilities", "inspections",
)


# --------------------------------------------------------------------------- record rules


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The CSV tables of a dataset folder as text (empty cell = NaN)."""
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).replace(
            "", np.nan
        )
        for name in TABLE_FILES
    }


def check_record_rules(t: dict[str, pd.DataFrame], period: int) -> None:
    """Assert every rule of records.md on text tables, directly with pandas."""
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def dates(s: pd.Series) -> pd.Series:
        present = s.dropna()
        assert present.map(lambda v: bool(iso.match(v))).all(), f"non-ISO date in {s.name}"
        return pd.to_datetime(s, format="%Y-%m-%d")

    def booleans(s: pd.Series) -> None:
        assert set(s.dropna()) <= {"true", "false"}, f"{s.name}: {set(s.dropna())}"

    ch, pop, ar, de, di, fv, fa, ins = (t[n] for n in TABLE_FILES)
    # ids unique, required cells present, codes in their lists
    for frame, col in ((ch, "child_id"), (ar, "arrest_id"), (de, "episode_id"),
                       (di, "disposition_id"), (fa, "facility_id")):
        assert frame[col].notna().all() and frame[col].is_unique, col
    assert set(ch.sex) <= set(SEX)
    assert set(ar.offence_category) <= set(OFFENCE_CATEGORY)
    assert set(di.offence_category.dropna()) <= set(OFFENCE_CATEGORY)
    assert set(di.decision) <= set(DECISION)
    assert set(de.end_reason.dropna()) <= set(END_REASON)
    assert set(fa.facility_type) <= set(FACILITY_TYPE)
    assert set(fv.direction.dropna()) <= set(DIRECTION)
    for s in (de.wholly_separated_from_adults, de.received_aftercare, fa.complaints_mechanism,
              ins.independent):
        booleans(s)
    assert ins.independent.notna().all()
    # foreign keys
    kids = set(ch.child_id)
    for frame in (ar, de, di, fv):
        assert set(frame.child_id) <= kids
    assert set(de.facility_id) <= set(fa.facility_id)
    assert set(ins.facility_id) <= set(fa.facility_id)
    # population
    assert not pop.duplicated(["year", "sex", "age", *(["area"] if "area" in pop else [])]).any()
    assert set(pop.sex) <= {"F", "M"}
    assert (pop.population.astype(int) >= 0).all() and (pop.age.astype(int) >= 0).all()
    assert str(period) in set(pop.year)
    # dates
    dob = dates(ch.date_of_birth)
    a_day = dates(ar.arrest_date)
    adm, rel, sent = dates(de.admission_date), dates(de.release_date), dates(de.sentence_date)
    dec, off = dates(di.decision_date), dates(di.offence_date)
    v_day, i_day = dates(fv.visit_date), dates(ins.inspection_date)
    p1 = pd.Timestamp(f"{period}-12-31")
    for s in (a_day, adm, rel.dropna(), sent.dropna(), dec, v_day, i_day):
        assert (s <= p1).all(), "a record dated after the period"
    assert (off.isna() | (off <= dec)).all(), "offence_date after decision_date"
    assert (rel.isna() | (rel >= adm)).all(), "release before admission"
    assert (rel.notna() == de.end_reason.notna()).all(), "end_reason exactly when release_date"
    assert de.received_aftercare[de.end_reason != "release"].isna().all()
    # age_years agrees with date_of_birth where both are known
    a_dob = ar.child_id.map(dict(zip(ch.child_id, dob, strict=True)))
    both = a_dob.notna() & ar.age_years.notna()
    years = a_day.dt.year - a_dob.dt.year - (
        (a_day.dt.month < a_dob.dt.month)
        | ((a_day.dt.month == a_dob.dt.month) & (a_day.dt.day < a_dob.dt.day))
    )
    assert (years[both] == ar.age_years[both].astype(int)).all()
    assert (a_day[a_dob.notna()] > a_dob[a_dob.notna()]).all()
    # episodes of a child never overlap (an open episode is the child's last)
    e = de.assign(adm=adm, rel=rel, sent=sent).sort_values(
        ["child_id", "adm", "rel"], na_position="last"
    )
    same = e.child_id.eq(e.child_id.shift())
    prev_rel = e.rel.shift()
    assert not (same & prev_rel.isna()).any(), "an episode after an open episode"
    assert (~same | (e.adm >= prev_rel)).all(), "overlapping episodes"
    # a transfer is followed by an episode of the same child admitted on its release_date
    tr = e[e.end_reason == "transfer"]
    nxt = e.shift(-1)
    is_tr = e.end_reason == "transfer"
    assert (nxt.child_id[is_tr] == tr.child_id).all()
    assert (nxt.adm[is_tr] == tr.rel).all(), "transfer not followed by an admission that day"
    # sentence_date, once set in a spell, is the same on every later episode; and it is never
    # after the episode's end
    new_spell = ~(same & e.end_reason.shift().eq("transfer"))
    spell = new_spell.cumsum()
    first_sent = e.sent.groupby(spell.to_numpy()).ffill()
    assert (first_sent.isna() | (e.sent == first_sent)).all(), "sentence_date changes in a spell"
    assert (e.sent.isna() | e.rel.isna() | (e.sent <= e.rel)).all()
    # nothing follows a death
    died = e[e.end_reason == "death"].groupby("child_id").rel.min()
    for frame, col in ((e, "adm"), (ar.assign(d=a_day), "d"), (di.assign(d=dec), "d"),
                       (fv.assign(d=v_day), "d")):
        death = pd.to_datetime(frame.child_id.map(died.to_dict()))
        assert not (death.notna() & (frame[col] > death)).any(), f"a record after a death ({col})"
    # family visits happen while the child is held (this simulator records no other contact):
    # the child's latest admission on or before the visit must still be open that day
    visits = fv.assign(d=v_day).sort_values("d")
    stays = e[["child_id", "adm", "rel"]].sort_values(["adm", "rel"], na_position="last")
    hit = pd.merge_asof(visits, stays, left_on="d", right_on="adm", by="child_id")
    assert hit.adm.notna().all(), "a visit before any stay"
    assert (hit.rel.isna() | (hit.rel > hit.d)).all(), "a visit outside any stay"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def medium() -> SimulatedData:
    """A dataset large enough for the pathway checks below."""
    return simulate_frames("grandara", 6000, seed=7, period=2024)


@pytest.fixture(scope="module")
def medium_tables(medium, tmp_path_factory) -> dict[str, pd.DataFrame]:
    folder = write_dataset(medium, tmp_path_factory.mktemp("medium"))
    return read_tables(folder)


# --------------------------------------------------------------------------- determinism


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_files(tmp_path):
    a = write_dataset(simulate_frames("lakeland", 400, seed=3, period=2024), tmp_path / "a")
    b = write_dataset(simulate_frames("lakeland", 400, seed=3, period=2024), tmp_path / "b")
    c = write_dataset(simulate_frames("lakeland", 400, seed=4, period=2024), tmp_path / "c")
    assert _bytes(a) == _bytes(b)
    assert _bytes(a)["arrests.csv"] != _bytes(c)["arrests.csv"]


def test_cli_same_seed_same_files(tmp_path):
    args = ["simulate", "--profile", "meridia", "--children", "300", "--seed", "5", "--period",
            "2023"]
    assert cli.main([*args, "--out", str(tmp_path / "a")]) == 0
    assert cli.main([*args, "--out", str(tmp_path / "b")]) == 0
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


@pytest.mark.parametrize("n", [1, 37, 1000])
def test_children_rows_are_exactly_n(n):
    sim = simulate_frames("northland", n, seed=2, period=2024)
    assert len(sim.frames["children"]) == n
    # every child has a record
    assert set(sim.frames["children"].child_id) == set(sim.frames["arrests"].child_id)


# --------------------------------------------------------------------------- record rules


@pytest.mark.parametrize("name", NAMES)
def test_every_profile_satisfies_the_record_rules(name, tmp_path):
    folder = write_dataset(simulate_frames(name, 700, seed=11, period=2023), tmp_path)
    check_record_rules(read_tables(folder), 2023)


def test_medium_dataset_satisfies_the_record_rules(medium_tables):
    check_record_rules(medium_tables, 2024)


def test_simulate_returns_a_typed_dataset():
    ds = simulate("corallia", 120, seed=1, period=2024)
    assert ds.issues == []
    assert ds.country == "XCO" and "(synthetic)" in ds.country_name
    assert ds.metadata["region"] == "Region Islands (synthetic)"
    assert ds.metadata["source"].startswith("synthetic (jj-indicators simulate --profile corallia")
    assert ds.period_start == pd.Timestamp("2024-01-01")
    assert ds.census_date == pd.Timestamp("2024-12-31")
    assert pd.api.types.is_datetime64_any_dtype(ds.tables["detentions"]["admission_date"])
    assert len(ds.tables["children"]) == 120


@pytest.mark.slow
def test_validation_finds_no_errors_in_simulated_data(tmp_path):
    import indicators.validation as validation
    from indicators.reading import read_dataset

    for name in ("valdoria", "deltara"):
        folder = write_dataset(simulate_frames(name, 800, seed=9, period=2024), tmp_path / name)
        report = validation.validate_dataset(read_dataset(folder))
        assert report.n_errors == 0, report.summary()


def test_parquet_matches_csv(tmp_path):
    from indicators.reading import read_dataset

    sim = simulate_frames("highmoor", 300, seed=1, period=2024)
    a = read_dataset(write_dataset(sim, tmp_path / "csv"))
    b = read_dataset(write_dataset(sim, tmp_path / "pq", format="parquet"))
    assert sorted(p.suffix for p in (tmp_path / "pq").iterdir()) == [".parquet"] * 8 + [".toml"]
    if not b.tables:  # pragma: no cover - reader without Parquet support
        pytest.skip("read_dataset does not read Parquet")
    for name, frame in a.tables.items():
        pd.testing.assert_frame_equal(frame, b.tables[name], check_dtype=False, obj=name)


def test_dataset_toml(tmp_path):
    import tomllib

    folder = write_dataset(simulate_frames("deltara", 200, seed=1, period=2022), tmp_path)
    meta = tomllib.loads((folder / "dataset.toml").read_text(encoding="utf-8"))
    assert meta["country"] == "XDE"
    assert str(meta["period_start"]) == "2022-01-01" and str(meta["period_end"]) == "2022-12-31"
    assert str(meta["census_date"]) == "2022-12-31"
    assert meta["source"] == (
        "synthetic (jj-indicators simulate --profile deltara --children 200 --seed 1 --period 2022)"
    )
    # "not assessed" policy answers are left out
    assert "national_prevention_plan" not in meta["policy"]
    assert meta["policy"]["complaints_system"] is False


# --------------------------------------------------------------------------- pathways


def test_arrest_age_curve_and_sex(medium_tables):
    ch, ar = medium_tables["children"], medium_tables["arrests"]
    ages = ar.age_years.dropna().astype(int)
    share = ages.value_counts(normalize=True)
    assert share.reindex(range(0, 12), fill_value=0).sum() < 0.02
    assert share.get(16, 0) > share.get(13, 0) and share.get(17, 0) > share.get(12, 0)
    assert ages.max() <= 17
    sex = ar.child_id.map(dict(zip(ch.child_id, ch.sex, strict=True)))
    pop = medium_tables["population"].query("year == '2024'")
    pop_by_sex = pop.groupby("sex").population.apply(lambda s: s.astype(int).sum())
    rate = sex.value_counts() / pop_by_sex
    assert rate["M"] > 3 * rate["F"]
    # repeat arrests exist
    assert ar.child_id.value_counts().max() >= 3


def test_offence_mix_and_detention_of_serious_offences(medium, medium_tables):
    ar = medium_tables["arrests"]
    mix = ar.offence_category.value_counts(normalize=True)
    assert mix.idxmax() == "05" and set(mix.index) >= {"01", "02", "04", "05", "status"}
    de = medium_tables["detentions"]
    # held from the day of the arrest (the spell's first admission is the arrest day)
    admitted = set(zip(de.child_id, de.admission_date, strict=True))
    held = pd.Series(
        [(c, d) in admitted for c, d in zip(ar.child_id, ar.arrest_date, strict=True)]
    )
    serious = ar.offence_category.isin(["01", "02", "03", "04"])
    status = ar.offence_category.eq("status")
    assert held[serious].mean() > 1.4 * held[~serious & ~status].mean()
    assert held[status].mean() < 0.5 * held[~serious & ~status].mean()


def test_durations_are_skewed_and_cross_the_period(medium_tables):
    de = medium_tables["detentions"]
    adm = pd.to_datetime(de.admission_date)
    rel = pd.to_datetime(de.release_date)
    days = (rel - adm).dt.days.dropna()
    non_police = ~de.facility_id.str.startswith("POL")
    d = days[non_police[days.index]]
    assert d.mean() > 1.2 * d.median()  # long right tail
    assert (adm < pd.Timestamp("2024-01-01")).any()  # stays that began before P
    assert rel.isna().any()  # stays still open at its end
    assert (de.end_reason == "transfer").sum() > 0.2 * len(de)
    # police custody first: most spells begin in a police cell
    first = ~(de.child_id.eq(de.child_id.shift()) & de.end_reason.shift().eq("transfer"))
    assert de.facility_id[first].str.startswith("POL").mean() > 0.4


def test_decisions_and_sentenced_detention(medium_tables):
    di, de = medium_tables["dispositions"], medium_tables["detentions"]
    assert set(di.decision) == set(DECISION)
    sent_children = set(de.child_id[de.sentence_date.notna()])
    custodial = set(di.child_id[di.decision == "custodial_sentence"])
    assert len(sent_children & custodial) > 0.8 * len(sent_children)


def test_separation_by_facility_type_and_visits_thin_with_time():
    sim = simulate_frames("meridia", 3000, seed=2, period=2024)
    de, fa = sim.frames["detentions"], sim.frames["facilities"]
    ft = de.facility_id.map(dict(zip(fa.facility_id, fa.facility_type, strict=True)))
    sep = de.wholly_separated_from_adults
    not_sep = (sep == "false").groupby(ft).mean()
    assert not_sep["adult_prison"] > not_sep.get("juvenile_institution", 0) + 0.3
    assert sep.isna().any()  # unknown separation at the profile's rate
    # visits per day held fall with time since admission
    fv = sim.frames["family_visits"].assign(d=lambda f: pd.to_datetime(f.visit_date))
    first_adm = pd.to_datetime(de.admission_date).groupby(de.child_id).min()
    since = (fv.d - fv.child_id.map(first_adm)).dt.days
    assert (since < 60).mean() > (since > 300).mean()


def test_population_scales_to_the_arrest_rate(medium_tables):
    ar, pop = medium_tables["arrests"], medium_tables["population"]
    p = pop[pop.year == "2024"].population.astype(int).sum()
    in_p = pd.to_datetime(ar.arrest_date).dt.year.eq(2024).sum()
    rate = in_p / p * 1e5
    target = profile_parameters("grandara", 2024)["arrest_rate_per_100k"]
    assert 0.9 * target < rate < 1.1 * target
    assert sorted(pop.age.astype(int).unique()) == list(range(18))
    # areas: population, arrests and facilities carry the same area names
    assert set(ar.area) == set(pop.area) == set(medium_tables["facilities"].area)
    by_area = pd.to_datetime(ar.arrest_date).dt.year.eq(2024).groupby(ar.area).sum() / pop[
        pop.year == "2024"
    ].groupby("area").population.apply(lambda s: s.astype(int).sum())
    assert by_area.idxmax() == "Capital District" and by_area.idxmin() == "East"


def test_reform_changes_cases_from_its_year():
    before = profile_parameters("lakeland", 2023)
    after = profile_parameters("lakeland", 2024)
    assert after["arrest_outcome"]["diversion"] > 3 * before["arrest_outcome"]["diversion"]
    assert after["court"]["decision"]["custodial_sentence"] == before["court"]["decision"][
        "custodial_sentence"
    ]
    # a reform stays in force in later years
    assert profile_parameters("lakeland", 2027)["arrest_outcome"] == after["arrest_outcome"]


# --------------------------------------------------------------------------- profiles file


def _unknown_keys(over: dict, base: dict, path: str = "") -> list[str]:
    bad = []
    for key, val in over.items():
        if key not in base:
            bad.append(path + key)
        elif isinstance(val, dict) and isinstance(base[key], dict) and key not in (
            "age_curve", "offence_factor", "custodial_offence_factor", "placement",
            "mid_transfer_placement", "per_million_children", "complaints_mechanism",
            "independent_inspection", "decision",
        ):
            bad += _unknown_keys(val, base[key], f"{path}{key}.")
    return bad


def test_profiles_are_fictional_varied_and_use_known_keys():
    table = list_profiles()
    assert len(table) >= 8
    assert table.code.is_unique
    assert table.code.str.fullmatch(r"X[A-Z]{2}").all()
    assert table.country_name.str.endswith("(synthetic)").all()
    assert table.region.str.contains("synthetic").all() and table.region.nunique() >= 4
    meta = {"code", "country_name", "region", "description", "sample_children", "years"}
    for name, prof in PROFILES["profiles"].items():
        own = {k: v for k, v in prof.items() if k not in meta}
        assert _unknown_keys(own, PROFILES["defaults"]) == [], name
        for year, over in prof.get("years", {}).items():
            assert _unknown_keys(over, PROFILES["defaults"]) == [], f"{name} {year}"


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(KeyError, match="known profiles"):
        profile_parameters("atlantis", 2024)


# --------------------------------------------------------------------------- CLI


def test_cli_list_profiles(capsys):
    assert cli.main(["simulate", "--list-profiles"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out


@pytest.mark.parametrize(
    "args",
    [
        ["simulate"],
        ["simulate", "--profile", "northland", "--children", "10"],
        ["simulate", "--profile", "atlantis", "--children", "10", "--out", "x"],
        ["simulate", "--profile", "northland", "--children", "0", "--out", "x"],
        ["simulate", "--profile", "northland", "--children", "10", "--out", "x", "--format", "xls"],
    ],
)
def test_cli_usage_errors(args, capsys):
    assert cli.main(args) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_writes_parquet(tmp_path, capsys):
    out = tmp_path / "ds"
    code = cli.main(["simulate", "--profile", "corallia", "--children", "50", "--period", "2022",
                     "--out", str(out), "--format", "parquet"])
    assert code == 0
    assert (out / "detentions.parquet").is_file() and (out / "dataset.toml").is_file()
    assert "50 children" in capsys.readouterr().out


def test_public_api_call():
    import indicators as jj

    ds = jj.simulate.simulate("corallia", 40, seed=1, period=2024)
    assert len(ds.tables["children"]) == 40


def test_write_dataset_quotes_text_that_needs_it(tmp_path):
    frames = {
        "children": pd.DataFrame({"child_id": ["a", "b"], "sex": ["F", "M"],
                                  "date_of_birth": [None, "2010-01-02"]}),
        "facilities": pd.DataFrame({"facility_id": ["F1"], "facility_type": ["police"],
                                    "area": ['North, "East"']}),
    }
    meta = {"country": "XZZ", "period_start": "2024-01-01", "period_end": "2024-12-31"}
    folder = write_dataset(SimulatedData(meta, frames), tmp_path)
    expected = "child_id,sex,date_of_birth\na,F,\nb,M,2010-01-02\n"
    assert (folder / "children.csv").read_text() == expected
    back = pd.read_csv(folder / "facilities.csv", dtype=str)
    assert back.area.tolist() == ['North, "East"']


def test_write_dataset_of_a_dataset_gives_the_same_files(tmp_path):
    a = write_dataset(simulate_frames("deltara", 300, seed=1, period=2024), tmp_path / "a")
    b = write_dataset(simulate("deltara", 300, seed=1, period=2024), tmp_path / "b")
    assert _bytes(a) == _bytes(b)


def test_chunked_simulation_keeps_the_rules(tmp_path, monkeypatch):
    import indicators.simulate as sim
    import indicators.simulate.generate as generate

    monkeypatch.setattr(generate, "_CHUNK", 700)  # many chunks, as for a million children
    data = sim.simulate_frames("valdoria", 1200, seed=5, period=2024)
    assert len(data.frames["children"]) == 1200
    folder = write_dataset(data, tmp_path / "a")
    check_record_rules(read_tables(folder), 2024)
    again = sim.simulate_frames("valdoria", 1200, seed=5, period=2024)
    again = write_dataset(again, tmp_path / "b")
    assert _bytes(folder) == _bytes(again)


def test_a_tiny_simulation_with_no_detention_stays_whole():
    """Found by the fuzz suite: 13 children of fjordmark (seed 13) have no stay in detention;
    the running maximum over an empty table must not fail."""
    data = simulate_frames("fjordmark", 13, 13, 2024)
    assert len(data.frames["detentions"]) == 0
    assert len(data.frames["children"]) == 13
