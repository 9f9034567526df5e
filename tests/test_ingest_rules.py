"""The rules of ingest.md, one test each, with small exports built in code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from test_ingest_mapping import ARRESTS, ARRESTS_CSV, DATASET, POPULATION, POPULATION_CSV, write

import indicators as jj
from indicators.ingest import ingest, write_ingest

BASE = {"arrests.csv": ARRESTS_CSV, "population.csv": POPULATION_CSV}


def errors(result, rule=None):
    return [i for i in result.dataset.issues if i.severity == "error"
            and (rule is None or i.rule == rule)]


def run(tmp_path, mapping=DATASET + ARRESTS + POPULATION, **files):
    return ingest(write(tmp_path, mapping, {**BASE, **files}))


# --------------------------------------------------------------------------- columns, values


def test_names_and_values_are_trimmed(tmp_path):
    csv = (" No ,  Enfant,Date ,Infraction,Sexe,Naissance\n"
           "  A1 , C1 , 2024-02-10 ,  05 , M ,2008-03-10\n")
    result = run(tmp_path, **{"arrests.csv": csv})
    assert not errors(result)
    a = result.dataset.tables["arrests"]
    assert a["arrest_id"].iat[0] == "A1" and a["offence_category"].iat[0] == "05"


def test_value_maps_ignore_case_and_win_over_codes(tmp_path):
    mapping = DATASET + ARRESTS + '[source.values.sex]\n"masculin" = "M"\n"F" = "U"\n' + POPULATION
    csv = ARRESTS_CSV.replace(",M,", ",MASCULIN,")
    result = run(tmp_path, mapping, **{"arrests.csv": csv})
    assert not errors(result)
    assert list(result.dataset.tables["children"]["sex"]) == ["M", "U"]


def test_an_unmapped_value_is_listed_once_with_count_first_rows_and_a_close_match(tmp_path):
    mapping = DATASET + ARRESTS + '[source.values.sex]\n"Masculin" = "M"\n' + POPULATION
    rows = "".join(f"A{i},C{i},2024-02-10,05,Masculn,2008-03-10\n" for i in range(7))
    result = run(tmp_path, mapping, **{"arrests.csv": ARRESTS_CSV.splitlines()[0] + "\n" + rows})
    found = errors(result, "unmapped_value")
    assert len(found) == 1
    issue = found[0]
    assert (issue.table, issue.row, issue.column, issue.value) == (
        "arrests.csv", 2, "Sexe", "Masculn")
    assert "7 rows" in issue.message
    assert "rows 2, 3, 4, 5, 6" in issue.message and "did you mean 'Masculin'" in issue.message
    assert result.files["rows_refused"].iat[0] == 7


def test_a_code_written_without_its_leading_zero_gets_a_hint(tmp_path):
    result = run(tmp_path, **{"arrests.csv": ARRESTS_CSV.replace(",05,", ",5,")})
    issue = errors(result, "unmapped_value")[0]
    assert "'05'" in issue.message


def test_an_empty_cell_is_missing_unless_the_empty_value_is_mapped(tmp_path):
    csv = ARRESTS_CSV.replace(",M,", ",,")
    assert errors(run(tmp_path, **{"arrests.csv": csv}), "unmapped_value") == []
    mapping = DATASET + ARRESTS + '[source.values.sex]\n"" = "U"\n' + POPULATION
    result = run(tmp_path, mapping, **{"arrests.csv": csv})
    assert list(result.dataset.tables["children"]["sex"]) == ["U", "F"]


def test_a_mapped_column_absent_from_one_of_several_files_names_the_file(tmp_path):
    mapping = DATASET + ARRESTS.replace('"arrests.csv"', '"police/*.csv"') + POPULATION
    other = ARRESTS_CSV.replace("Infraction", "Delit").replace("A1", "A9").replace("A2", "A8")
    result = run(tmp_path, mapping, **{"police/a.csv": ARRESTS_CSV, "police/b.csv": other})
    issue = errors(result, "missing_source_column")[0]
    assert issue.table == "police/b.csv" and issue.column == "Infraction"
    files = result.files.set_index("source_file")
    assert files.loc["police/b.csv", "rows_refused"] == 2
    assert files.loc["police/a.csv", "rows_refused"] == 0


def test_a_date_that_does_not_parse_names_file_row_column_and_value(tmp_path):
    mapping = DATASET + ARRESTS.replace("[source.columns]",
                                        'date_format = "%d/%m/%Y"\n[source.columns]')
    mapping += '[source.date_formats]\ndate_of_birth = "%Y-%m-%d"\n' + POPULATION
    csv = ARRESTS_CSV.replace("2024-02-10", "10/02/2024").replace("2024-05-05", "31/02/2024")
    result = run(tmp_path, mapping, **{"arrests.csv": csv})
    issue = errors(result, "unparseable_date")[0]
    assert (issue.table, issue.row, issue.column, issue.value) == (
        "arrests.csv", 3, "Date", "31/02/2024")
    assert str(result.dataset.tables["arrests"]["arrest_date"].iat[0].date()) == "2024-02-10"


def test_excel_serial_dates(tmp_path):
    mapping = DATASET + ARRESTS.replace("[source.columns]", 'date_format = "excel"\n'
                                        '[source.columns]') + POPULATION
    serial = (dt.date(2024, 2, 10) - dt.date(1899, 12, 30)).days
    csv = ARRESTS_CSV.replace("2024-02-10", str(serial)).replace("2024-05-05", f"{serial}.75")
    csv = csv.replace("2008-03-10", "39517").replace("2010-06-01", "40330")
    result = run(tmp_path, mapping, **{"arrests.csv": csv})
    assert not errors(result)
    assert list(result.dataset.tables["arrests"]["arrest_date"].dt.strftime("%F")) == [
        "2024-02-10", "2024-02-10"]
    assert str(result.dataset.tables["children"]["date_of_birth"].iat[0].date()) == "2008-03-10"


def test_booleans_with_true_and_false_values(tmp_path):
    mapping = DATASET + ARRESTS + POPULATION + """
[[source]]
table = "facilities"
files = ["fac.csv"]
true_values = ["Oui"]
false_values = ["NON"]
[source.columns]
facility_id = "Code"
facility_type = "Type"
complaints_mechanism = "Plainte"
[source.values.facility_type]
"Commissariat" = "police"
"""
    fac = "Code,Type,Plainte\nP1,commissariat,oui\nP2,police,non\nP3,police,peut-être\n"
    result = run(tmp_path, mapping, **{"fac.csv": fac})
    f = result.dataset.tables["facilities"]
    assert list(f["complaints_mechanism"].astype(object).fillna("?")) == [True, False, "?"]
    issue = errors(result, "unmapped_value")[0]
    assert issue.value == "peut-être" and issue.row == 4


def test_constants_fill_a_column_for_every_row(tmp_path):
    mapping = DATASET + ARRESTS + '[source.constants]\narea = "Nord"\n' + POPULATION
    a = run(tmp_path, mapping).dataset.tables["arrests"]
    assert list(a["area"]) == ["Nord", "Nord"]


def test_extra_columns_are_carried_under_their_trimmed_names(tmp_path):
    csv = ARRESTS_CSV.replace("Naissance\n", "Naissance, Poste \n").replace(
        "2008-03-10\n", "2008-03-10,Nord\n").replace("2010-06-01\n", "2010-06-01,Sud\n")
    result = run(tmp_path, **{"arrests.csv": csv})
    assert list(result.dataset.tables["arrests"]["Poste"]) == ["Nord", "Sud"]


@pytest.mark.parametrize("name", ["Nom", "Prénom", "Nom de l'enfant", "Nombre", "Apellido",
                                  "Adresse", "Dirección", "Téléphone", "Teléfono", "Phone"])
def test_direct_identifiers_are_refused_in_english_french_and_spanish(tmp_path, name):
    csv = ARRESTS_CSV.replace("Naissance\n", f"Naissance,{name}\n").replace(
        "2008-03-10\n", "2008-03-10,x\n").replace("2010-06-01\n", "2010-06-01,y\n")
    result = run(tmp_path, **{"arrests.csv": csv})
    issue = errors(result, "direct_identifier")[0]
    assert issue.column == name and issue.table == "arrests.csv"
    assert name not in result.dataset.tables["arrests"].columns


def test_a_station_name_is_not_a_person(tmp_path):
    from indicators.ingest.cells import looks_like_identifier

    assert not looks_like_identifier("Nom du poste")
    assert not looks_like_identifier("Date de naissance")


def test_a_column_named_like_a_record_column_but_not_mapped_is_not_read(tmp_path):
    csv = ARRESTS_CSV.replace("Naissance\n", "Naissance,area\n").replace(
        "2008-03-10\n", "2008-03-10,x\n").replace("2010-06-01\n", "2010-06-01,y\n")
    result = run(tmp_path, **{"arrests.csv": csv})
    assert any(i.rule == "column_not_mapped" for i in result.dataset.issues)
    assert result.dataset.tables["arrests"]["area"].isna().all()


# --------------------------------------------------------------------------- children


def test_children_are_built_from_event_rows_with_the_first_rows_provenance(tmp_path):
    csv = ARRESTS_CSV + "A3,C1,2024-07-01,07,M,\n"
    result = run(tmp_path, **{"arrests.csv": csv})
    assert not errors(result)
    c = result.dataset.tables["children"]
    assert list(c["child_id"]) == ["C1", "C2"]
    assert list(c["source_row"]) == [2, 3] and set(c["source_file"]) == {"arrests.csv"}
    assert "children" not in {s.table for s in result.mapping.sources}


def test_rows_of_one_child_that_disagree_are_an_error_naming_both_rows(tmp_path):
    csv = ARRESTS_CSV + "A3,C1,2024-07-01,07,F,2008-03-10\nA4,C2,2024-07-02,07,F,2010-06-02\n"
    result = run(tmp_path, **{"arrests.csv": csv})
    found = errors(result, "child_conflict")
    assert [(i.row, i.column) for i in found] == [(4, "Sexe"), (5, "Naissance")]
    assert "arrests.csv row 2" in found[0].message and "arrests.csv row 4" in found[0].message


def test_a_children_source_is_merged_with_event_rows(tmp_path):
    mapping = DATASET + ARRESTS + POPULATION + """
[[source]]
table = "children"
files = ["kids.csv"]
[source.columns]
child_id = "id"
sex = "s"
"""
    result = run(tmp_path, mapping, **{"kids.csv": "id,s\nC1,M\nC9,F\n"})
    c = result.dataset.tables["children"].set_index("child_id")
    assert list(c.index) == ["C1", "C2", "C9"]
    assert c.loc["C1", "source_file"] == "arrests.csv" and c.loc["C9", "source_file"] == "kids.csv"


def test_no_children_at_all_is_one_error_naming_the_mapping(tmp_path):
    mapping = (DATASET + ARRESTS + POPULATION).replace('sex = "Sexe"\n', "").replace(
        'date_of_birth = "Naissance"\n', "")
    result = run(tmp_path, mapping)
    issue = errors(result, "missing_table")[0]
    assert issue.table == "mapping.toml" and issue.column == "children"
    report = jj.validate_dataset(result.dataset)
    assert (report.issues["rule"] == "missing_table").sum() == 1


# --------------------------------------------------------------------------- population


def test_a_wide_population_table_is_unpivoted(tmp_path):
    wide = "Annee,Sexe," + ",".join(f"age_{a}" for a in range(18)) + "\n"
    wide += "".join(f"2024,{s}," + ",".join(str(100 + a) for a in range(18)) + "\n"
                    for s in "FM")
    mapping = DATASET + ARRESTS + """
[[source]]
table = "population"
files = ["wide.csv"]
[source.columns]
year = "Annee"
sex = "Sexe"
[source.unpivot]
columns = ["age_*"]
into = "age"
values = "population"
"""
    result = run(tmp_path, mapping, **{"wide.csv": wide})
    assert not errors(result)
    p = result.dataset.tables["population"]
    assert len(p) == 36 and list(p["age"][:3]) == [0, 1, 2] and p["population"].iat[17] == 117
    assert list(p["source_row"].unique()) == [2, 3]
    row = result.files.set_index("table").loc["population"]
    assert (row["rows_read"], row["rows_written"]) == (2, 2)


def test_unpivot_columns_may_be_listed_and_need_a_number(tmp_path):
    wide = "Annee,Sexe,moins de un,un\n2024,F,1,2\n"
    mapping = DATASET + ARRESTS + """
[[source]]
table = "population"
files = ["wide.csv"]
[source.columns]
year = "Annee"
sex = "Sexe"
[source.unpivot]
columns = ["moins de un", "un", "deux"]
"""
    result = run(tmp_path, mapping, **{"wide.csv": wide})
    assert {i.rule for i in errors(result)} >= {"unpivot_column", "missing_source_column"}


# --------------------------------------------------------------------------- files


def test_header_row_counts_blank_rows_and_rows_are_spreadsheet_rows(tmp_path):
    csv = "Registre de la police\n\n" + ARRESTS_CSV
    mapping = DATASET + ARRESTS.replace("[source.columns]", "header_row = 3\n[source.columns]")
    result = run(tmp_path, mapping + POPULATION, **{"arrests.csv": csv})
    assert list(result.dataset.tables["arrests"]["source_row"]) == [4, 5]


def test_a_blank_row_is_refused_with_a_warning_and_rows_add_up(tmp_path):
    lines = ARRESTS_CSV.splitlines()
    csv = "\n".join([lines[0], lines[1], "", lines[2]]) + "\n\n\n"
    result = run(tmp_path, **{"arrests.csv": csv})
    row = result.files.iloc[0]
    assert (row["rows_read"], row["rows_written"], row["rows_refused"]) == (3, 2, 1)
    warning = next(i for i in result.dataset.issues if i.rule == "empty_row")
    assert warning.row == 3 and warning.severity == "warning"
    assert list(result.dataset.tables["arrests"]["source_row"]) == [2, 4]


def test_globs_stack_files_in_sorted_order_and_a_glob_matching_nothing_is_an_error(tmp_path):
    mapping = DATASET + ARRESTS.replace('["arrests.csv"]', '["police/*.csv", "court/*.csv"]')
    second = ARRESTS_CSV.replace("A1", "A3").replace("A2", "A4")
    result = run(tmp_path, mapping + POPULATION,
                 **{"police/b.csv": second, "police/a.csv": ARRESTS_CSV})
    assert list(result.files["source_file"][:2]) == ["police/a.csv", "police/b.csv"]
    assert list(result.dataset.tables["arrests"]["arrest_id"]) == ["A1", "A2", "A3", "A4"]
    issue = errors(result, "no_matching_file")[0]
    assert "court/*.csv" in issue.message and issue.table == "mapping.toml"


def test_csv_encoding_delimiter_and_a_byte_order_mark(tmp_path):
    csv = ARRESTS_CSV.replace(",", ";").replace("Naissance", "Né le").encode("cp1252")
    mapping = DATASET + ARRESTS.replace("[source.columns]", 'encoding = "cp1252"\n'
                                        'delimiter = ";"\n[source.columns]').replace(
        '"Naissance"', '"Né le"') + POPULATION
    assert not errors(run(tmp_path, mapping, **{"arrests.csv": csv}))
    bom = b"\xef\xbb\xbf" + ARRESTS_CSV.encode("utf-8")
    assert not errors(run(tmp_path / "bom", **{"arrests.csv": bom}))


def test_a_file_not_in_its_declared_encoding_is_an_error_naming_it(tmp_path):
    csv = ARRESTS_CSV.replace("Naissance", "Né le").encode("cp1252")
    mapping = DATASET + ARRESTS.replace('"Naissance"', '"Né le"') + POPULATION
    issue = errors(run(tmp_path, mapping, **{"arrests.csv": csv}), "unreadable_source")[0]
    assert issue.table == "arrests.csv" and 'encoding = "cp1252"' in issue.message


def test_a_header_of_one_cell_with_semicolons_suggests_the_delimiter(tmp_path):
    csv = ARRESTS_CSV.replace(",", ";")
    issue = errors(run(tmp_path, **{"arrests.csv": csv}), "unreadable_source")[0]
    assert "delimiter = ';'" in issue.message


def test_xlsx_sheets_with_title_rows_and_date_cells(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Autre"
    ws2 = wb.create_sheet("Arrestations")
    ws2.append(["Registre"])
    ws2.append([])
    ws2.append(["No", "Enfant", "Date", "Infraction", "Sexe", "Naissance"])
    ws2.append(["A1", "C1", dt.datetime(2024, 2, 10), 5, "M", "10/03/2008"])
    ws2.append(["A2", "C2", "05/05/2024", "02", "F", dt.datetime(2010, 6, 1)])
    (tmp_path / "reg").mkdir(parents=True)
    wb.save(tmp_path / "reg" / "registre.xlsx")
    mapping = DATASET + ARRESTS.replace('["arrests.csv"]', '["reg/registre.xlsx"]').replace(
        "[source.columns]", 'sheet = "Arrestations"\nheader_row = 3\ndate_format = "%d/%m/%Y"\n'
        '[source.columns]') + '[source.values.offence_category]\n"5" = "05"\n' + POPULATION
    result = run(tmp_path, mapping)
    assert not errors(result)
    a = result.dataset.tables["arrests"]
    assert list(a["arrest_date"].dt.strftime("%F")) == ["2024-02-10", "2024-05-05"]
    assert list(a["source_file"]) == ["reg/registre.xlsx[Arrestations]"] * 2
    assert list(a["source_row"]) == [4, 5]
    assert list(a["offence_category"].astype(str)) == ["05", "02"]


def test_a_missing_sheet_is_an_error_naming_the_sheets(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Registre"
    wb.save(tmp_path / "r.xlsx")
    mapping = DATASET + ARRESTS.replace('["arrests.csv"]', '["r.xlsx"]').replace(
        "[source.columns]", 'sheet = "Registr"\n[source.columns]') + POPULATION
    issue = errors(run(tmp_path, mapping), "unreadable_source")[0]
    assert "did you mean 'Registre'" in issue.message


def test_parquet_exports_with_typed_columns(tmp_path):
    frame = pd.DataFrame({"No": ["A1", "A2"], "Enfant": ["C1", "C2"],
                          "Date": pd.to_datetime(["2024-02-10", "2024-05-05"]),
                          "Infraction": ["05", "02"], "Sexe": ["M", "F"],
                          "Naissance": [dt.date(2008, 3, 10), None]})
    frame.to_parquet(tmp_path / "arrests.parquet")
    mapping = DATASET + ARRESTS.replace("arrests.csv", "arrests.parquet") + POPULATION
    result = run(tmp_path, mapping)
    assert not errors(result)
    assert list(result.dataset.tables["arrests"]["source_row"]) == [2, 3]


# --------------------------------------------------------------------------- after ingest


def test_every_row_carries_its_source_and_validation_points_to_it(tmp_path):
    csv = ARRESTS_CSV + "A1,C3,2025-07-01,07,M,2009-01-01\n"  # a duplicated arrest_id
    result = run(tmp_path, **{"arrests.csv": csv})
    for frame in result.dataset.tables.values():
        assert frame["source_file"].notna().all() and frame["source_row"].notna().all()
    report = jj.validate_dataset(result.dataset)
    dup = report.errors[report.errors["rule"] == "duplicate_id"]
    assert set(dup["table"]) == {"arrests.csv"} and set(dup["row"]) == {2, 4}
    assert not (report.issues["rule"] == "unknown_column").any()


def test_explain_rows_point_to_the_export_row(tmp_path):
    result = run(tmp_path)
    expl = jj.explain(result.dataset, "JJ01")
    assert list(expl.numerator.columns[:3]) == ["row", "source_file", "source_row"]
    assert set(expl.numerator["source_file"]) == {"arrests.csv"}
    assert set(expl.denominator["source_file"]) == {"population.csv"}


def test_ingest_report_rows_add_up_and_refused_rows_are_listed(tmp_path):
    csv = ARRESTS_CSV + "A3,C3,2024-13-01,99,X,\n\n"
    result = run(tmp_path, **{"arrests.csv": csv})
    outcome = write_ingest(result, tmp_path / "out", jj.validate_dataset(result.dataset))
    files = pd.read_csv(tmp_path / "out" / "ingest_report.csv")
    assert list(files.columns) == ["source_file", "table", "rows_read", "rows_written",
                                   "rows_refused", "problems"]
    assert (files["rows_read"] == files["rows_written"] + files["rows_refused"]).all()
    refused_rows = {int(r) for r in outcome.validation.errors["row"].dropna()}
    assert 4 in refused_rows
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ingest_report.csv"]
    assert np.int64(files.loc[0, "problems"]) >= 3


def test_read_dataset_of_a_mapping_file(tmp_path, basic=None):
    path = write(tmp_path, DATASET + ARRESTS + POPULATION, BASE)
    ds = jj.read_dataset(path)
    assert set(ds.tables) == {"arrests", "children", "population"}
    assert jj.validate_dataset(ds).ok
    assert jj.compute_indicators(ds).indicators["value"].notna().any()
