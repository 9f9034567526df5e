"""Published reference figures: every rate recomputed from the shipped counts, and every caveat
checked against the table of footnotes kept with the data (data/reference/footnotes.csv), so
that a footnote of one published table cannot travel to the rows of another.

The table each converted row draws on is written here once more, from the README, on purpose:
it is the test's own statement of which footnotes belong to which rows.

With the TransMonEE workbook at hand (the environment variable ``JJ_TRANSMONEE_WORKBOOK`` giving
the path of ``TM-2020-EN-December.xlsx``), the last tests also check every shipped TransMonEE
count and every footnote's words against the workbook itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import stats
from indicators.counts import CAVEAT_SEPARATOR
from indicators.reference import (
    FOOTNOTE_COLUMNS,
    ISO3,
    REFERENCE_FILES,
    is_reference_folder,
    load_benchmarks,
    load_reference,
    read_footnotes,
    reference_counts,
)
from indicators.registry import EXTRA_COLUMNS, RESULT_COLUMNS

REF = Path(__file__).parents[1] / "data" / "reference"

# Which published tables each row draws on: numerator tables, then the denominator's.
TABLES = {
    ("detention", "JJ02"): ("5.9.1", "1.1.4"),
    ("detention parts", "JJ02"): ("5.9.2", "5.9.5", "1.1.4"),  # where 5.9.1 is empty
    ("detention", "JJ03"): ("5.9.2", "1.1.4"),
    ("sentencing", "JJ09"): ("5.8.8", "5.8.9", "5.8.1"),
    ("sentencing", "TM_SENTENCING"): ("5.8.1", "1.2.8"),
    ("unodc", "JJ02"): ("prisons (May 2023)",),
    ("cjrp", "JJ02"): ("CJRP 2019",),
    ("jrfc", "JJ06"): ("JRFC 2016, 2018",),
}
# TransMonEE publishes these sentencing rates (5.8.2) from a population it does not give.
PUBLISHED_RATE_DIFFERS = {"Bosnia and Herzegovina", "Armenia", "Turkey"}


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False)


def _n(text: str) -> float:
    return np.nan if text.strip() in ("", "-") else float(text)


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return load_reference(REF)


@pytest.fixture(scope="module")
def footnotes() -> pd.DataFrame:
    return read_footnotes(REF)


def _row(ref, country, indicator, year=None, source="TransMonEE"):
    r = ref[(ref["country"] == country) & (ref["indicator"] == indicator)
            & ref["source"].str.startswith(source)]
    if year is not None:
        r = r[r["period_end"].str.startswith(str(year))]
    assert len(r) == 1, (country, indicator, year)
    return r.iloc[0]


def _sentences(caveats: str) -> list[str]:
    return [s for s in caveats.split(CAVEAT_SEPARATOR) if s]


def _origin(row) -> tuple[str, str]:
    """(the row's file kind, the country as its source file names it)."""
    source, name = row["source"], row["country_name"]
    if source.startswith("TransMonEE"):
        kind = "detention" if "5.9.1" in source else "sentencing"
        return kind, name
    if source.startswith("UNODC"):
        return "unodc", name
    if "Residential Placement" in source:
        return "cjrp", "U.S. total" if row["country"] == "USA" else name
    return "jrfc", name.removesuffix(" (OJJDP)")


# --------------------------------------------------------------------------- the shipped files


def test_shipped_with_citations():
    assert is_reference_folder(REF)
    readme = (REF / "README.md").read_text(encoding="utf-8")
    for name in (*REFERENCE_FILES, "regional_benchmarks.csv", "footnotes.csv"):
        assert (REF / name).is_file() and name in readme
    for source in ("TransMonEE", "UNODC", "OJJDP", "Global Study", "UNICEFECAR/data-etl"):
        assert source in readme
    # The README says exactly what the OJJDP state file holds.
    states = _raw("ojjdp_cjrp_2019_states.csv")["state"].tolist()
    assert states[1] == "Alabama" and states[-1] == "New Jersey"
    assert f"{len(states) - 1} jurisdictions" in readme and "Alabama to New Jersey" in readme


def test_rows_have_the_indicators_shape_source_and_caveats(ref):
    assert list(ref.columns) == [*RESULT_COLUMNS, *EXTRA_COLUMNS, "origin"]
    assert (ref["origin"] == "published").all()
    assert (ref["source"] != "").all() and (ref["caveats"] != "").all()
    assert ref.groupby(["country", "indicator", "period_end", "region"]).size().max() == 1
    valued = ref[ref["value"].notna() & ref["ci_lower"].notna()]
    assert (valued["ci_lower"] <= valued["value"]).all()
    assert (valued["value"] <= valued["ci_upper"]).all()


def test_counts_table_is_text_and_round_trips(tmp_path):
    table = reference_counts(REF)
    assert (table.dtypes == "string").all()
    assert len(load_reference(REF)) == len(table)
    partial = tmp_path / "ref"
    partial.mkdir()
    (partial / "ojjdp_deaths_in_custody.csv").write_bytes(
        (REF / "ojjdp_deaths_in_custody.csv").read_bytes())
    part = load_reference(partial)  # no footnotes.csv there: the shipped one is read
    assert len(part) == 2 and part["caveats"].str.contains("youth under 21").all()
    with pytest.raises(ValueError, match="no reference tables"):
        load_reference(tmp_path / "nothing")


# --------------------------------------------------------------------------- every rate


def test_every_shipped_rate_is_recomputed_from_its_shipped_counts(ref):
    checked = set()

    def check(country, indicator, year, num, den, multiplier):
        r = _row(ref, country, indicator, year)
        checked.add(r.name)
        assert r["numerator"] == pytest.approx(num, nan_ok=True), (country, indicator)
        if np.isnan(num) or np.isnan(den):
            assert np.isnan(r["value"]) and "not_available" in r["flags"]
            return
        assert r["value"] == pytest.approx(num / den * multiplier, rel=1e-12), (country, indicator)
        if multiplier == 100:  # a percentage: Wilson, in percent
            _, lo, hi = (100 * x for x in stats.proportion_ci(num, den))
        else:
            _, lo, hi = stats.rate_ci(num, den, multiplier)
        assert (r["ci_lower"], r["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))

    iso = ISO3
    for r in _raw("transmonee_2018_detention.csv").itertuples():
        pop = _n(r.pop_0_17_on_1_jan_of_next_year)
        total = _n(r.in_closed_facilities_end_of_year)
        if np.isnan(total):  # only the sum of its two parts, when both are published
            total = (_n(r.of_which_pretrial_end_of_year)
                     + _n(r.of_which_post_adjudication_end_of_year))
        check(iso[r.country], "JJ02", r.year, total, pop, 100_000)
        check(iso[r.country], "JJ03", r.year, _n(r.of_which_pretrial_end_of_year), pop, 100_000)
    for r in _raw("transmonee_2018_sentencing.csv").itertuples():
        parts = [_n(r.sentenced_to_closed_facility), _n(r.placed_in_specialised_institution)]
        custody = np.nansum(parts) if not np.isnan(parts).all() else np.nan
        check(iso[r.country], "JJ09", r.year, custody, _n(r.convicted_children), 100)
        check(iso[r.country], "TM_SENTENCING", r.year, _n(r.convicted_children),
              _n(r.avg_pop_14_17), 100_000)
        # The recomputed rate is TransMonEE's own published rate (table 5.8.2) ...
        published = _n(r.published_sentencing_rate_per_100k)
        mine = _row(ref, iso[r.country], "TM_SENTENCING")
        if np.isnan(published):
            continue
        if r.country in PUBLISHED_RATE_DIFFERS:  # ... except where the row says why not
            assert abs(mine["value"] - published) > 0.1
            assert f"TransMonEE publishes {published:.1f} (5.8.2)" in mine["caveats"]
        else:
            assert mine["value"] == pytest.approx(published, abs=5e-5), r.country
            assert "TransMonEE publishes" not in mine["caveats"]
    for r in _raw("unodc_juveniles_held.csv").itertuples():
        pop = float(r.pop_under_18_2021_thousands) * 1000
        for year in (2019, 2021):
            r2 = ref[(ref["country"] == r.iso3) & (ref["period_end"] == f"{year}-12-31")
                     & ref["source"].str.startswith("UNODC")]
            assert len(r2) == 1
            checked.add(r2.index[0])
            held = float(getattr(r, f"juveniles_held_{year}"))
            assert r2.iloc[0]["value"] == pytest.approx(held / pop * 100_000, rel=1e-9)
    ojjdp = ref[ref["source"].str.contains("Residential Placement")]
    for r in _raw("ojjdp_cjrp_2019_states.csv").itertuples():
        name = "United States (OJJDP)" if r.state.startswith("U.S.") else r.state
        row = ojjdp[ojjdp["country_name"] == name].iloc[0]
        checked.add(row.name)
        count, rate = float(r.offenders_in_placement), float(r.placement_rate_per_100k)
        assert (row["value"], row["numerator"]) == (rate, count)  # the published rate, kept
        lo, hi = stats.poisson_ci(count)
        assert (row["ci_lower"], row["ci_upper"]) == (pytest.approx(lo * rate / count),
                                                      pytest.approx(hi * rate / count))
    for r in _raw("ojjdp_deaths_in_custody.csv").itertuples():
        row = ref[(ref["indicator"] == "JJ06") & (ref["period_end"] == r.census_date)].iloc[0]
        checked.add(row.name)
        assert row["value"] == pytest.approx(float(r.deaths_in_placement_12_months)
                                             / float(r.offenders_held_on_census_day) * 1000)
    assert checked == set(ref.index)  # every shipped row was recomputed


def test_sentencing_rate_and_issue_figures(ref):
    # Russian Federation: 18,826 convicted / 5,713,361.5 = 329.5 per 100,000 aged 14-17
    assert _row(ref, "RUS", "TM_SENTENCING")["value"] == pytest.approx(329.5, abs=0.05)
    # JJ09 counts every deprivation of liberty: 5.8.8 plus 5.8.9.
    assert _row(ref, "TJK", "JJ09")["value"] == pytest.approx(100 * (120 + 405) / 618)  # 85 %
    assert _row(ref, "SVN", "JJ09")["value"] == pytest.approx(100 * (1 + 17) / 226)  # 8.0 %
    assert _row(ref, "MNE", "JJ09")["value"] == pytest.approx(100 * (3 + 10) / 140)  # 9.3 %
    bih = _row(ref, "BIH", "JJ09")
    assert bih["value"] == pytest.approx(100 * 25 / 223)
    assert "Committal to a closed facility not reported (5.8.8)" in bih["caveats"]
    assert "Placement in a specialised educational or correctional institution not reported" \
        in _row(ref, "SRB", "JJ09")["caveats"]
    # Albania's JJ02: 5.9.1 is empty, 19 pre-trial plus 2 after adjudication are published.
    alb = _row(ref, "ALB", "JJ02")
    assert (alb["numerator"], alb["denominator"]) == (21, 610988)
    assert "Table 5.9.1 gives no total for 2018" in alb["caveats"]
    latvia = _row(ref, "LVA", "JJ09")  # '-' in both tables: not available, not zero
    assert np.isnan(latvia["value"]) and latvia["flags"].startswith("not_available")
    assert "Latest available year: 2016." in _row(ref, "CZE", "JJ02", 2016)["caveats"]
    assert "small_numerator" in _row(ref, "MNE", "JJ02")["flags"]  # 0 children


def test_unodc_year_mismatch_and_ojjdp_consistency(ref):
    for year in (2019, 2021):
        r = _row(ref, "ITA", "JJ02", year, source="UNODC")
        assert ("population_year_differs" in r["flags"]) == (year == 2019)
    raw = _raw("ojjdp_cjrp_2019_states.csv")
    st = raw[~raw["state"].str.startswith("U.S.")]
    counts = st["offenders_in_placement"].astype(float)
    rates = st["placement_rate_per_100k"].astype(float)
    implied_states_min = (counts / (rates + 0.5) * 100_000).sum()
    assert implied_states_min < 36479 / (114 - 0.5) * 100_000
    assert counts.sum() < 36479
    assert (counts % 3 == 0).all()  # rounded to multiples of 3 by the publisher


def test_ojjdp_deaths_per_1000_held_on_the_census_day(ref):
    deaths = ref[ref["indicator"] == "JJ06"].sort_values("period_end")
    assert deaths["unit"].unique().tolist() == ["per 1,000 children detained"]
    assert deaths["period_start"].tolist() == ["2015-10-27", "2017-10-25"]
    assert deaths["census_date"].tolist() == ["2016-10-26", "2018-10-24"]
    assert all("census_denominator" in f for f in deaths["flags"])
    # JRFC counts juvenile facilities only and youth up to age 20: not JJ06's definition.
    assert all("definition_differs" in f for f in deaths["flags"])


# --------------------------------------------------------------------------- every caveat


def test_footnotes_table_is_well_formed(footnotes):
    assert list(footnotes.columns) == FOOTNOTE_COLUMNS
    assert (footnotes["reason"] != "").all()
    used = footnotes[footnotes["applies"]]
    assert (used["caveat"] != "").all()
    assert not footnotes["caveat"].str.contains(re.escape(CAVEAT_SEPARATOR)).any()
    tm = footnotes[footnotes["source"].str.startswith("TransMonEE")]
    assert (tm["note"] != "").all() and (tm["footnote"] != "").all()
    # Every TransMonEE footnote's caveat names the table it comes from ...
    for r in tm[tm["applies"]].itertuples():
        assert f"TransMonEE {r.table}, note {r.note})" in r.caveat, r.caveat
    # ... and one caveat text belongs to one table only, so its origin is never ambiguous.
    assert (footnotes[footnotes["caveat"] != ""].groupby("caveat")["table"].nunique() == 1).all()


def test_every_caveat_comes_from_the_footnotes_of_its_own_tables(ref, footnotes):
    known = set(footnotes["caveat"]) - {""}
    attached = set()
    for _, row in ref.iterrows():
        kind, name = _origin(row)
        if kind == "detention" and row["indicator"] == "JJ02" and \
                "Table 5.9.1 gives no total" in row["caveats"]:
            kind = "detention parts"
        tables = TABLES[(kind, row["indicator"])]
        mine = footnotes[footnotes["table"].isin(tables) & footnotes["applies"]
                         & footnotes["country"].isin([name, "all"])]
        attached |= set(mine.index)
        expected = set(mine["caveat"])
        carried = {s for s in _sentences(row["caveats"]) if s in known}
        assert carried == expected, (row["country"], row["indicator"], carried ^ expected)
        # definition_differs is set exactly when one of the row's footnotes says so.
        differs = "definition_differs" in row["flags"].split(";")
        assert differs == bool(mine["definition_differs"].any()), (row["country"],
                                                                    row["indicator"])
    # No footnote that concerns the shipped year is left unattached.
    assert attached == set(footnotes[footnotes["applies"]].index)


def test_caveats_moved_to_their_own_tables(ref):
    def cav(country, indicator):
        return _row(ref, country, indicator)["caveats"]

    # Serbia: "imprisonment only" is a footnote of the sentencing table 5.8.8, not of 5.9.1.
    assert "Imprisonment only" not in cav("SRB", "JJ02")
    assert "Imprisonment only" in cav("SRB", "JJ09")
    assert "Krusevac" in cav("SRB", "JJ02") and "Krusevac" not in cav("SRB", "JJ09")
    # Romania: 5.9.1 has no Romania footnote; the custodial-measures note belongs to 5.8.8.
    rou = _row(ref, "ROU", "JJ02")
    assert "custodial measures" not in rou["caveats"]
    assert "definition_differs" not in rou["flags"]
    assert "custodial measures" in cav("ROU", "JJ09")
    # 5.9.1 footnotes stay on the detention rows of Bulgaria, Tajikistan and Belarus.
    for country in ("BGR", "TJK", "BLR"):
        assert "5.9.1" not in cav(country, "JJ09")
        assert "5.9.1" in cav(country, "JJ02")
    assert "ages 7-18" in cav("BGR", "JJ02")
    # Moldova's exclusion of Transdniestr travels with the sentencing and population rows.
    assert "Transdniestr" in cav("MDA", "JJ09") and "Transdniestr" in cav("MDA", "TM_SENTENCING")
    assert "Transdniestr" in cav("MDA", "JJ02")  # population table 1.1.4
    assert "occupied territories" in cav("UKR", "JJ02")


def test_benchmarks_are_context_only():
    b = load_benchmarks(REF)
    world = b[b["region"] == "World"]
    assert world["rate_per_100k_children"].tolist() == [15.0]
    assert "JJ02" not in set(b.columns)


# --------------------------------------------------------------------------- the workbook


WORKBOOK = os.environ.get("JJ_TRANSMONEE_WORKBOOK", "")
needs_workbook = pytest.mark.skipif(
    not Path(WORKBOOK).is_file(),
    reason="set JJ_TRANSMONEE_WORKBOOK to the TransMonEE workbook (TM-2020-EN-December.xlsx)",
)
_TITLE = re.compile(r"^\d+\.\d+\.\d+ ")
_SHEETS = {"1": "1.Population", "5": "5. Juvenile Justice & Crime"}


@pytest.fixture(scope="module")
def workbook_tables():
    """``{code: (values {country: {year: cell}}, footnote {country: (mark, text)})}``."""
    import openpyxl

    wb = openpyxl.load_workbook(WORKBOOK, read_only=True)
    rows = {k: [list(r) for r in wb[s].iter_rows(values_only=True)] for k, s in _SHEETS.items()}

    def read(code):
        sheet = rows[code.split(".")[0]]
        i = next(i for i, r in enumerate(sheet) if str(r[1] or "").startswith(code + " "))
        i += 1
        while not any(isinstance(v, int | float) for v in sheet[i][3:]):
            i += 1
        years = [(j, int(v)) for j, v in enumerate(sheet[i]) if isinstance(v, int | float)]
        values, marks, notes = {}, {}, {}
        for r in sheet[i + 1:]:
            if r[0] not in (None, "") or (r[1] and _TITLE.match(str(r[1]))):
                break
            if r[1] and not str(r[1]).startswith("Total"):
                values[str(r[1]).strip()] = {y: r[j] for j, y in years}
                if r[2] not in (None, ""):
                    marks[str(r[1]).strip()] = str(r[2]).strip()
        k = i + 1 + len(values)
        for r in sheet[k:]:
            if r[1] and _TITLE.match(str(r[1])):
                break
            if r[0] not in (None, "") and r[1]:
                notes[str(r[0]).strip()] = str(r[1]).strip()
            elif r[1] and notes and not str(r[1]).startswith("Total"):
                last = list(notes)[-1]
                notes[last] += " " + str(r[1]).strip()
        return values, {c: (m, notes.get(m, "")) for c, m in marks.items()}

    codes = ("5.9.1", "5.9.2", "5.9.5", "5.6.1", "1.1.4", "1.2.2", "5.8.1", "5.8.2", "5.8.8",
             "5.8.9", "1.2.8")
    return {code: read(code) for code in codes}


def _cell(value) -> float:
    return np.nan if value in (None, "-", "") else round(float(value), 4)


@needs_workbook
def test_every_shipped_transmonee_count_is_the_workbooks(workbook_tables):
    columns = {
        "transmonee_2018_detention.csv": {
            "in_closed_facilities_end_of_year": ("5.9.1", 0),
            "of_which_pretrial_end_of_year": ("5.9.2", 0),
            "of_which_post_adjudication_end_of_year": ("5.9.5", 0),
            "entered_pre_sentence_detention_during_year": ("5.6.1", 0),
            "pop_0_17_on_1_jan_of_next_year": ("1.1.4", 1),
            "avg_pop_0_17_of_year": ("1.2.2", 0)},
        "transmonee_2018_sentencing.csv": {
            "convicted_children": ("5.8.1", 0), "sentenced_to_closed_facility": ("5.8.8", 0),
            "placed_in_specialised_institution": ("5.8.9", 0), "avg_pop_14_17": ("1.2.8", 0),
            "published_sentencing_rate_per_100k": ("5.8.2", 0)},
    }
    for name, cols in columns.items():
        for r in _raw(name).to_dict("records"):
            for col, (code, offset) in cols.items():
                book = workbook_tables[code][0][r["country"]][int(r["year"]) + offset]
                assert _cell(r[col]) == pytest.approx(_cell(book), abs=5e-5, nan_ok=True), (
                    name, r["country"], col)


@needs_workbook
def test_every_footnote_is_the_workbooks_and_none_is_missing(footnotes, workbook_tables):
    tm = footnotes[footnotes["source"].str.startswith("TransMonEE")]
    for r in tm.itertuples():
        mark, text = workbook_tables[r.table][1][r.country]
        assert r.note == mark, (r.table, r.country)
        assert " ".join(r.footnote.split()) == " ".join(text.split()), (r.table, r.country)
    shipped = {"detention": set(_raw("transmonee_2018_detention.csv")["country"]),
               "sentencing": set(_raw("transmonee_2018_sentencing.csv")["country"])}
    uses = {"5.9.1": "detention", "5.9.2": "detention", "1.1.4": "detention",
            "5.8.1": "sentencing", "5.8.8": "sentencing", "5.8.9": "sentencing",
            "1.2.8": "sentencing"}
    listed = set(zip(tm["table"], tm["country"], strict=True))
    for code, kind in uses.items():
        for country in workbook_tables[code][1]:
            if country in shipped[kind]:
                assert (code, country) in listed, (code, country)
