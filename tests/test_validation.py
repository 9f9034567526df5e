"""validate_dataset: one test per rule, the report object, and Hypothesis properties."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.dataset import Dataset
from indicators.dates import age_on, birthday
from indicators.validation import ISSUE_COLUMNS, RULES, validate_dataset


def _add_row(frames, table, **values):
    frame = frames[table]
    row = {c: values.get(c, "") for c in frame.columns}
    frames[table] = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def _set(frames, table, row, column, value):
    frames[table].loc[row, column] = value


# Each case: mutation of (metadata, frames) -> expected (severity, table, row, column, rule).
CASES = {
    "unknown_child": (
        lambda m, f: _set(f, "arrests", 0, "child_id", "C9"),
        ("error", "arrests.csv", 2, "child_id", "unknown_child")),
    "unknown_facility": (
        lambda m, f: _set(f, "detentions", 2, "facility_id", "X1"),
        ("error", "detentions.csv", 4, "facility_id", "unknown_facility")),
    "unknown_facility_inspected": (
        lambda m, f: _set(f, "inspections", 0, "facility_id", "X1"),
        ("error", "inspections.csv", 2, "facility_id", "unknown_facility")),
    "inspections_without_facilities": (
        lambda m, f: f.pop("facilities"),
        ("error", "inspections.csv", None, "facility_id", "unknown_facility")),
    "duplicate_id": (
        lambda m, f: _set(f, "arrests", 1, "arrest_id", "A1"),
        ("error", "arrests.csv", 3, "arrest_id", "duplicate_id")),
    "duplicate_child": (
        lambda m, f: _set(f, "children", 2, "child_id", "C1"),
        ("error", "children.csv", 4, "child_id", "duplicate_id")),
    "release_before_admission": (
        lambda m, f: _set(f, "detentions", 1, "release_date", "2024-02-01"),
        ("error", "detentions.csv", 3, "release_date", "release_before_admission")),
    "offence_after_decision": (
        lambda m, f: _set(f, "dispositions", 0, "offence_date", "2024-04-01"),
        ("error", "dispositions.csv", 2, "offence_date", "offence_after_decision")),
    "end_reason_missing": (
        lambda m, f: _set(f, "detentions", 1, "end_reason", ""),
        ("error", "detentions.csv", 3, "end_reason", "end_reason_missing")),
    "end_reason_without_release": (
        lambda m, f: _set(f, "detentions", 2, "end_reason", "escape"),
        ("error", "detentions.csv", 4, "release_date", "end_reason_without_release")),
    "overlapping_episodes": (
        lambda m, f: _add_row(f, "detentions", episode_id="E4", child_id="C2", facility_id="J1",
                              admission_date="2024-06-01"),
        ("error", "detentions.csv", 5, "admission_date", "overlapping_episodes")),
    "transfer_not_followed": (
        lambda m, f: _set(f, "detentions", 1, "end_reason", "transfer"),
        ("error", "detentions.csv", 3, "end_reason", "transfer_not_followed")),
    "episode_after_death": (
        lambda m, f: (_set(f, "detentions", 1, "end_reason", "death"),
                      _add_row(f, "detentions", episode_id="E4", child_id="C1",
                               facility_id="J1", admission_date="2024-07-01",
                               release_date="2024-07-02", end_reason="release")),
        ("error", "detentions.csv", 5, "admission_date", "episode_after_death")),
    "record_after_death": (
        lambda m, f: (_set(f, "detentions", 1, "end_reason", "death"),
                      _add_row(f, "arrests", arrest_id="A4", child_id="C1",
                               arrest_date="2024-08-01", offence_category="01")),
        ("warning", "arrests.csv", 5, "arrest_date", "record_after_death")),
    "sentence_date_changed": (
        lambda m, f: _set(f, "detentions", 0, "sentence_date", "2024-02-10"),
        ("error", "detentions.csv", 3, "sentence_date", "sentence_date_changed")),
    "aftercare_not_release": (
        lambda m, f: _set(f, "detentions", 0, "received_aftercare", "true"),
        ("warning", "detentions.csv", 2, "received_aftercare", "aftercare_not_release")),
    "duplicate_population": (
        lambda m, f: _add_row(f, "population", year="2024", sex="F", age="0", population="5"),
        ("error", "population.csv", 2, "population", "duplicate_population")),
    "negative_value": (
        lambda m, f: _set(f, "population", 0, "population", "-5"),
        ("error", "population.csv", 2, "population", "negative_value")),
    "no_population_for_year": (
        lambda m, f: f["population"].__setitem__("year", "2023"),
        ("error", "population.csv", None, "year", "no_population_for_year")),
    "population_incomplete": (
        lambda m, f: f.__setitem__("population", f["population"].iloc[1:]),
        ("warning", "population.csv", None, "age", "population_incomplete")),
    "missing_key": (
        lambda m, f: m.pop("country"),
        ("error", "dataset.toml", None, "country", "missing_key")),
    "missing_period": (
        lambda m, f: m.pop("period_start"),
        ("error", "dataset.toml", None, "period_start", "missing_key")),
    "invalid_country": (
        lambda m, f: m.__setitem__("country", "atl"),
        ("error", "dataset.toml", None, "country", "invalid_country")),
    "period_order": (
        lambda m, f: m.__setitem__("period_end", "2023-12-31"),
        ("error", "dataset.toml", None, "period_end", "period_order")),
    "period_too_long": (
        lambda m, f: m.__setitem__("period_end", "2025-06-30"),
        ("error", "dataset.toml", None, "period_end", "period_too_long")),
    "period_not_12_months": (
        lambda m, f: m.__setitem__("period_end", "2024-06-30"),
        ("warning", "dataset.toml", None, "period_end", "period_not_12_months")),
    "census_outside_period": (
        lambda m, f: m.__setitem__("census_date", "2025-03-01"),
        ("error", "dataset.toml", None, "census_date", "census_outside_period")),
    "invalid_toml_date": (
        lambda m, f: m.__setitem__("census_date", "31/12/2024"),
        ("error", "dataset.toml", None, "census_date", "invalid_date")),
    "unknown_key": (
        lambda m, f: m.__setitem__("colour", "blue"),
        ("warning", "dataset.toml", None, "colour", "unknown_key")),
    "unknown_parameter": (
        lambda m, f: m.__setitem__("parameters", {"speed": 3}),
        ("warning", "dataset.toml", None, "parameters.speed", "unknown_key")),
    "invalid_policy_value": (
        lambda m, f: m["policy"].__setitem__("complaints_system", "yes"),
        ("error", "dataset.toml", None, "policy.complaints_system", "invalid_policy_value")),
    "invalid_parameter_choice": (
        lambda m, f: m.__setitem__("parameters", {"count_unit": "person"}),
        ("error", "dataset.toml", None, "parameters.count_unit", "invalid_parameter")),
    "invalid_confidence": (
        lambda m, f: m.__setitem__("parameters", {"confidence_level": 1.5}),
        ("error", "dataset.toml", None, "parameters.confidence_level", "invalid_parameter")),
    "invalid_value": (
        lambda m, f: m.__setitem__("minimum_age_criminal_responsibility", "twelve"),
        ("error", "dataset.toml", None, "minimum_age_criminal_responsibility",
         "invalid_value")),
    "under_age_of_responsibility": (
        lambda m, f: m.__setitem__("minimum_age_criminal_responsibility", 14),
        ("warning", "arrests.csv", 3, "arrest_date", "under_age_of_responsibility")),
    "under_age_from_age_years": (
        lambda m, f: m.__setitem__("minimum_age_criminal_responsibility", 16),
        ("warning", "arrests.csv", 4, "arrest_date", "under_age_of_responsibility")),
    "adult_at_every_event": (
        lambda m, f: _set(f, "children", 0, "date_of_birth", "2000-01-01"),
        ("warning", "children.csv", 2, "date_of_birth", "adult_at_every_event")),
    "facility_never_used": (
        lambda m, f: _add_row(f, "facilities", facility_id="O1", facility_type="other"),
        ("warning", "facilities.csv", 4, "facility_id", "facility_never_used")),
    "not_in_codes": (
        lambda m, f: _set(f, "arrests", 0, "offence_category", "5"),
        ("error", "arrests.csv", 2, "offence_category", "not_in_codes")),
    "invalid_date": (
        lambda m, f: _set(f, "arrests", 1, "arrest_date", "2024-02-30"),
        ("error", "arrests.csv", 3, "arrest_date", "invalid_date")),
    "invalid_boolean": (
        lambda m, f: _set(f, "inspections", 0, "independent", "maybe"),
        ("error", "inspections.csv", 2, "independent", "invalid_boolean")),
    "invalid_integer": (
        lambda m, f: _set(f, "arrests", 2, "age_years", "fifteen"),
        ("error", "arrests.csv", 4, "age_years", "invalid_integer")),
    "required_value": (
        lambda m, f: _set(f, "dispositions", 1, "decision", ""),
        ("error", "dispositions.csv", 3, "decision", "required_value")),
    "missing_column": (
        lambda m, f: f.__setitem__("children", f["children"].drop(columns="sex")),
        ("error", "children.csv", 1, "sex", "missing_column")),
    "direct_identifier": (
        lambda m, f: f["children"].__setitem__("first_name", ["Ann", "Bo", "Cy"]),
        ("error", "children.csv", 1, "first_name", "direct_identifier")),
    "unknown_column": (
        lambda m, f: f["children"].__setitem__("school", ["x", "y", "z"]),
        ("warning", "children.csv", 1, "school", "unknown_column")),
    "missing_table": (
        lambda m, f: f.pop("population"),
        ("error", "population.csv", None, None, "missing_table")),
    "empty_table": (
        lambda m, f: f.__setitem__("family_visits", f["family_visits"].iloc[:0]),
        ("warning", "family_visits.csv", None, None, "empty_table")),
}


def _has(report, severity, table, row, column, rule) -> bool:
    iss = report.issues
    sel = (iss["severity"] == severity) & (iss["table"] == table) & (iss["rule"] == rule)
    sel &= iss["row"].isna() if row is None else (iss["row"] == row)
    sel &= iss["column"].isna() if column is None else (iss["column"] == column)
    return bool(sel.fillna(False).any())


def test_small_dataset_is_valid(make_dataset):
    report = validate_dataset(make_dataset())
    assert report.ok, report.summary()
    assert report.n_errors == 0
    # the only warning: 1 of 3 children without date_of_birth
    assert list(report.issues["rule"]) == ["many_missing_birth_dates"]


def test_worked_example_has_no_errors(worked_example_path):
    from indicators import read_dataset

    report = validate_dataset(read_dataset(worked_example_path))
    assert report.ok, report.summary()
    assert report.n_errors == 0
    rules = set(report.issues["rule"])
    # O1 never held a child; T06 arrested after its death (a warning, see validate_dataset)
    assert {"facility_never_used", "record_after_death", "many_missing_birth_dates"} <= rules


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_rule_is_caught(case, small_metadata, small_frames):
    mutate, expected = CASES[case]
    mutate(small_metadata, small_frames)
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames))
    assert _has(report, *expected), report.issues.to_string()
    severity = expected[0]
    assert report.ok is (severity == "warning" and report.n_errors == 0)
    assert expected[-1] in RULES


def test_every_rule_has_a_meaning():
    rules = {case[1][-1] for case in CASES.values()}
    assert rules <= set(RULES)


def test_unparseable_cell_is_reported_once(small_metadata, small_frames):
    _set(small_frames, "arrests", 1, "arrest_date", "10/02/2024")
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames))
    at_row = report.issues[(report.issues["table"] == "arrests.csv") & (report.issues["row"] == 3)]
    assert list(at_row["rule"]) == ["invalid_date"]


def test_missing_column_is_not_also_reported_row_by_row(small_metadata, small_frames):
    small_frames["arrests"] = small_frames["arrests"].drop(columns="arrest_date")
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames))
    assert "required_value" not in set(report.issues["rule"])
    assert _has(report, "error", "arrests.csv", 1, "arrest_date", "missing_column")


def test_transfer_followed_on_same_day_is_valid(small_metadata, small_frames):
    # a same-day stay ending in a transfer, then the next episode that day
    _set(small_frames, "detentions", 0, "release_date", "2024-02-10")
    _set(small_frames, "detentions", 1, "admission_date", "2024-02-10")
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames))
    assert report.ok, report.summary()


def test_spell_sentence_date_may_be_set_later(small_metadata, small_frames):
    # pre-sentence on the first episode, sentenced on the next: allowed
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames))
    assert "sentence_date_changed" not in set(report.issues["rule"])


def test_report_shape_summary_and_csv(tmp_path, small_metadata, small_frames):
    _set(small_frames, "arrests", 0, "child_id", "=HYPERLINK(1)")
    _set(small_frames, "arrests", 1, "offence_category", "5")
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames))
    assert list(report.issues.columns) == ISSUE_COLUMNS
    assert not report.ok and report.n_errors == 2
    assert len(report.errors) == 2 and len(report.warnings) == report.n_warnings
    text = report.summary(max_examples=1)
    assert "unknown_child (1)" in text and "not_in_codes (1)" in text
    assert "arrests.csv, row 2, column child_id" in text
    path = report.to_csv(tmp_path / "report.csv")
    back = pd.read_csv(path, dtype=str)
    assert "'=HYPERLINK(1)" in set(back["value"])  # neutralised for spreadsheets
    assert "<table" in report._repr_html_()


def test_issue_rows_are_capped_but_all_counted(small_metadata, small_frames):
    n = 2500
    small_frames["arrests"] = pd.DataFrame({
        "arrest_id": [f"A{i}" for i in range(n)], "child_id": "NOPE",
        "arrest_date": "2024-01-01", "offence_category": "01",
    })
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames),
                              max_issues_per_rule=100)
    listed = report.issues[report.issues["rule"] == "unknown_child"]
    assert len(listed) == 101  # 100 rows and one "and 2,400 more" row
    assert report.n_errors == n
    assert "2,400 more" in listed["message"].iloc[-1]
    assert "unknown_child (2,500)" in report.summary()


def test_reader_caps_unparseable_cells(small_metadata, small_frames):
    from indicators.dataset import MAX_ISSUES_PER_RULE

    n = MAX_ISSUES_PER_RULE + 10
    small_frames["arrests"] = pd.DataFrame({
        "arrest_id": [f"A{i}" for i in range(n)], "child_id": "C1",
        "arrest_date": "not a date", "offence_category": "01",
    })
    report = validate_dataset(Dataset.from_frames(small_metadata, small_frames))
    counts = report.counts[report.counts["rule"] == "invalid_date"]
    assert int(counts["count"].sum()) == n
    assert (report.issues["rule"] == "invalid_date").sum() == MAX_ISSUES_PER_RULE + 1


def test_age_on_birthdays():
    day = lambda s: np.array([np.datetime64(s, "D").astype(np.int64)])  # noqa: E731
    assert age_on(day("2008-03-10"), day("2024-03-09"))[0] == 15
    assert age_on(day("2008-03-10"), day("2024-03-10"))[0] == 16
    assert age_on(day("2008-02-29"), day("2026-02-28"))[0] == 17
    assert age_on(day("2008-02-29"), day("2026-03-01"))[0] == 18


# --------------------------------------------------------------------------- properties

_START = dt.date(2024, 1, 1)


@st.composite
def valid_frames(draw):
    """A valid dataset: children, arrests, spells of 1-2 episodes, decisions, facilities."""
    n = draw(st.integers(1, 6))
    children = {"child_id": [], "sex": [], "date_of_birth": []}
    arrests = {"arrest_id": [], "child_id": [], "arrest_date": [], "offence_category": []}
    det = {k: [] for k in ("episode_id", "child_id", "facility_id", "admission_date",
                           "release_date", "end_reason", "sentence_date")}
    disp = {"disposition_id": [], "child_id": [], "decision_date": [], "decision": [],
            "offence_date": []}
    for i in range(n):
        cid = f"K{i:02d}"
        children["child_id"].append(cid)
        children["sex"].append(draw(st.sampled_from("FMU")))
        age_days = draw(st.integers(12 * 366, 17 * 365))
        children["date_of_birth"].append(str(_START - dt.timedelta(days=age_days)))
        for j in range(draw(st.integers(0, 2))):
            arrests["arrest_id"].append(f"A{i}_{j}")
            arrests["child_id"].append(cid)
            arrests["arrest_date"].append(str(_START + dt.timedelta(draw(st.integers(0, 365)))))
            arrests["offence_category"].append(draw(st.sampled_from(["01", "05", "status"])))
        day = draw(st.integers(0, 200))
        for k in range(draw(st.integers(0, 2))):
            stay = draw(st.integers(0, 40))
            adm = _START + dt.timedelta(day)
            last = k == 1
            det["episode_id"].append(f"E{i}_{k}")
            det["child_id"].append(cid)
            det["facility_id"].append(draw(st.sampled_from(["F1", "F2"])))
            det["admission_date"].append(str(adm))
            open_ = last and draw(st.booleans())
            det["release_date"].append("" if open_ else str(adm + dt.timedelta(stay)))
            det["end_reason"].append("" if open_ else ("release" if last else "transfer"))
            det["sentence_date"].append("")
            day += stay
            if not last:  # a transfer must be followed: always add the second episode
                continue
        # a lone first episode must not end with a transfer
        if det["child_id"] and det["child_id"][-1] == cid and det["end_reason"][-1] == "transfer":
            det["end_reason"][-1] = "release"
        if draw(st.booleans()):
            disp["disposition_id"].append(f"D{i}")
            disp["child_id"].append(cid)
            decided = _START + dt.timedelta(draw(st.integers(0, 365)))
            disp["decision_date"].append(str(decided))
            disp["decision"].append(draw(st.sampled_from(["diversion", "acquittal"])))
            disp["offence_date"].append(str(decided - dt.timedelta(draw(st.integers(0, 60)))))
    population = pd.DataFrame([(2024, s, a, 10) for s in "FM" for a in range(18)],
                              columns=["year", "sex", "age", "population"]).astype(str)
    return {
        "children": pd.DataFrame(children), "population": population,
        "arrests": pd.DataFrame(arrests, columns=list(arrests)),
        "detentions": pd.DataFrame(det, columns=list(det)),
        "dispositions": pd.DataFrame(disp, columns=list(disp)),
        "facilities": pd.DataFrame({"facility_id": ["F1", "F2"],
                                    "facility_type": ["police", "pretrial"]}),
    }


META = {"country": "HYP", "period_start": "2024-01-01", "period_end": "2024-12-31"}
_SETTINGS = settings(max_examples=15, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@given(valid_frames())
@_SETTINGS
def test_property_valid_datasets_pass(frames):
    report = validate_dataset(Dataset.from_frames(dict(META), frames))
    assert report.ok, report.summary()


@given(valid_frames(), st.sampled_from(["not_in_codes", "invalid_date", "duplicate_id",
                                        "release_before_admission", "unknown_facility"]),
       st.data())
@_SETTINGS
def test_property_single_mutation_is_caught(frames, mutation, data):
    table = {"not_in_codes": "children", "invalid_date": "children",
             "duplicate_id": "children", "release_before_admission": "detentions",
             "unknown_facility": "detentions"}[mutation]
    frame = frames[table]
    if mutation == "release_before_admission":
        frame = frame[frame["release_date"] != ""]
    if mutation == "duplicate_id" and len(frame) < 2:
        return
    if len(frame) == 0:
        return
    pos = data.draw(st.sampled_from(list(frame.index)))
    f = frames[table]
    if mutation == "not_in_codes":
        f.loc[pos, "sex"], column = "X", "sex"
    elif mutation == "invalid_date":
        f.loc[pos, "date_of_birth"], column = "2024-13-01", "date_of_birth"
    elif mutation == "duplicate_id":
        other = data.draw(st.sampled_from([i for i in f.index if i != pos]))
        f.loc[pos, "child_id"], column = f.loc[other, "child_id"], "child_id"
        # the records of the renamed child now belong to the other one: fine for this rule
    elif mutation == "release_before_admission":
        adm = dt.date.fromisoformat(f.loc[pos, "admission_date"])
        f.loc[pos, "release_date"] = str(adm - dt.timedelta(days=1))
        column = "release_date"
    else:
        f.loc[pos, "facility_id"], column = "NOWHERE", "facility_id"
    report = validate_dataset(Dataset.from_frames(dict(META), frames))
    assert not report.ok
    assert _has(report, "error", f"{table}.csv", int(pos) + 2, column, mutation), (
        report.issues.to_string())


def test_hand_built_untyped_dataset_gives_a_report_not_an_exception():
    ds = Dataset(country="ATL", period_start=pd.Timestamp("2024-01-01"),
                 period_end=pd.Timestamp("2024-12-31"), census_date=pd.Timestamp("2024-12-31"),
                 tables={"arrests": pd.DataFrame({"arrest_id": [1], "child_id": [2]})})
    report = validate_dataset(ds)
    assert not report.ok
    assert {"wrong_type", "missing_column", "missing_table"} <= set(report.issues["rule"])


@given(st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)), st.integers(0, 40 * 366),
       st.integers(0, 25))
@settings(max_examples=200, deadline=None)
def test_property_birthday_agrees_with_age_on(born, later, years):
    b = np.array([np.datetime64(born, "D").astype(np.int64)])
    d = b + later
    assert (age_on(b, d) >= years)[0] == (d >= birthday(b, years))[0]


# --------------------------------------------------------------------------- pandera's room

_LOADED = """
import json, sys
{code}
print(json.dumps({{m: m in sys.modules for m in ("pandera", "indicators.schemas")}}))
"""


def _loaded_after(code: str) -> dict[str, bool]:
    """Which of pandera and indicators.schemas a fresh interpreter holds after ``code``."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _LOADED.format(code=code)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_reading_and_computing_never_load_pandera(worked_example_path):
    loaded = _loaded_after(
        "import indicators.compute, indicators.events, indicators.reading\n"
        "from indicators.dataset import Dataset\n"
        f"ds = indicators.reading.read_dataset({str(worked_example_path)!r})\n"
        "Dataset.from_frames(ds.metadata, ds.tables)\n"
        "indicators.events.get_events(ds, ds.census_date)\n"
        "indicators.compute.compute_indicators(ds)\n")
    assert loaded == {"pandera": False, "indicators.schemas": False}


def test_validating_loads_the_schemas(worked_example_path):
    loaded = _loaded_after(
        "import indicators\n"
        f"indicators.validate_dataset(indicators.read_dataset({str(worked_example_path)!r}))\n")
    assert loaded == {"pandera": True, "indicators.schemas": True}
