"""read_dataset: the folder, CSV, Parquet and workbook files, dataset.toml, typed cells, and
broken input (the rooms of indicators.reading)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from indicators.codes import TABLES
from indicators.issues import DatasetError
from indicators.reading import files, is_direct_identifier, read_dataset

TOML = 'country = "ATL"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\n'
POP = "year,sex,age,population\n" + "".join(
    f"2024,{s},{a},100\n" for s in "FM" for a in range(18))


def make_folder(tmp_path: Path, files: dict[str, str | bytes], toml: str | None = TOML) -> Path:
    folder = tmp_path / "ds"
    folder.mkdir()
    if toml is not None:
        (folder / "dataset.toml").write_text(toml, encoding="utf-8")
    files = {"population.csv": POP, **files}
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8", newline="")
    return folder


def rules(ds) -> set[str]:
    return {i.rule for i in ds.issues}


def issue(ds, rule):
    return next(i for i in ds.issues if i.rule == rule)


# --------------------------------------------------------------------------- the folder


def test_worked_example_types(worked_example_path):
    ds = read_dataset(worked_example_path)
    assert ds.country == "TNY" and ds.days_in_period == 366
    assert ds.census_date == pd.Timestamp("2024-12-31")  # defaults to period_end
    assert ds.policy["national_prevention_plan"] is None
    assert ds.parameters.count_unit == "event"
    for name, frame in ds.tables.items():
        assert [c.name for c in TABLES[name]] == list(frame.columns)[: len(TABLES[name])]
        assert isinstance(frame.index, pd.RangeIndex)
    det = ds.tables["detentions"]
    assert det["admission_date"].dtype == "datetime64[ns]"
    assert det["wholly_separated_from_adults"].dtype == "boolean"
    assert isinstance(det["end_reason"].dtype, pd.CategoricalDtype)
    assert ds.tables["arrests"]["age_years"].dtype == "Int64"
    assert ds.tables["arrests"]["offence_category"].iloc[0] == "05"
    assert ds.source_name("arrests") == "arrests.csv"
    assert rules(ds) == {"unknown_file"}  # NOTES.md, hand_expected.csv


def test_not_a_dataset(tmp_path):
    with pytest.raises(DatasetError, match="not a dataset"):
        read_dataset(make_folder(tmp_path, {"children.csv": "child_id,sex\n"}, toml=None))
    with pytest.raises(DatasetError, match="does not exist"):
        read_dataset(tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DatasetError, match="not a folder"):
        read_dataset(tmp_path / "file.txt")


def test_unknown_files_and_several_files_for_a_table(tmp_path):
    folder = make_folder(tmp_path, {"children.csv": "child_id,sex\nC,M\n",
                                    "Arrests.txt": "x", "readme.md": "hello"})
    pd.DataFrame({"child_id": ["C"], "sex": ["M"]}).to_parquet(folder / "children.parquet")
    ds = read_dataset(folder)
    assert issue(ds, "several_files").severity == "error"
    unknown = {i.table for i in ds.issues if i.rule == "unknown_file"}
    assert unknown == {"Arrests.txt", "readme.md"}


def test_header_only_is_a_valid_empty_table(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {
        "children.csv": "child_id,sex\nC,M\n",
        "arrests.csv": "arrest_id,child_id,arrest_date,offence_category\n"}))
    arrests = ds.tables["arrests"]
    assert len(arrests) == 0 and arrests["arrest_date"].dtype == "datetime64[ns]"
    assert not [i for i in ds.issues if i.severity == "error"]


# --------------------------------------------------------------------------- CSV files


def test_utf8_bom(tmp_path):
    folder = make_folder(tmp_path, {
        "children.csv": "\ufeffchild_id,sex\nC1,F\n".encode(),
    })
    ds = read_dataset(folder)
    assert list(ds.tables["children"].columns[:2]) == ["child_id", "sex"]
    assert "assumed_encoding" not in rules(ds)


def test_cp1252_is_read_with_a_warning(tmp_path):
    text = "facility_id,facility_type,area\nF1,police,Bogotá Düsseldorf\n"
    folder = make_folder(tmp_path, {"children.csv": "child_id,sex\nC,M\n",
                                    "facilities.csv": text.encode("cp1252")})
    ds = read_dataset(folder)
    assert ds.tables["facilities"]["area"].iloc[0] == "Bogotá Düsseldorf"
    warn = issue(ds, "assumed_encoding")
    assert warn.severity == "warning" and warn.table == "facilities.csv"
    assert "Windows-1252" in warn.message


def test_utf16_is_read_with_a_warning(tmp_path):
    folder = make_folder(tmp_path, {"children.csv": "child_id,sex\nC1,F\n".encode("utf-16")})
    ds = read_dataset(folder)
    assert ds.tables["children"]["child_id"].tolist() == ["C1"]
    assert issue(ds, "assumed_encoding").value == "utf-16"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_other_delimiters_are_read_with_a_warning(tmp_path, delimiter):
    rows = ["child_id", "sex", "date_of_birth"], ["C1", "F", "2010-01-01"]
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    ds = read_dataset(make_folder(tmp_path, {"children.csv": text}))
    assert ds.tables["children"]["date_of_birth"].iloc[0] == pd.Timestamp("2010-01-01")
    assert issue(ds, "assumed_delimiter").severity == "warning"


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"", "empty_file"),
        (bytes(range(256)) * 50, "not_text"),
        ("arrest_id,child_id,arrest_id\nA,C,B\n", "duplicate_column"),
        ("arrest_id,child_id,arrest_date,offence_category\nA,C,2024-01-01,01,extra\n",
         "malformed_file"),
        ("\n\nA,B\n", "missing_header"),
    ],
    ids=["empty", "binary", "duplicate-column", "extra-cell", "no-header"],
)
def test_unreadable_files_are_error_issues(tmp_path, content, rule):
    ds = read_dataset(make_folder(tmp_path, {"children.csv": "child_id,sex\nC,M\n",
                                             "arrests.csv": content}))
    found = issue(ds, rule)
    assert found.severity == "error" and found.table == "arrests.csv"
    assert "arrests" in ds.unreadable and "arrests" not in ds.tables


def test_file_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    ds = read_dataset(make_folder(tmp_path, {"children.csv": "child_id,sex\nC1,M\n"}))
    assert issue(ds, "file_too_large").table == "children.csv"


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {
        "children.csv": "child_id,sex\nC1,M\n\nC3,Q\n\n\n"}))
    bad = issue(ds, "not_in_codes")
    assert bad.row == 4 and bad.value == "Q"
    assert len(ds.tables["children"]) == 3  # the inner blank row stays, trailing ones go


def test_short_rows_are_read_with_empty_cells(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {
        "children.csv": "child_id,sex,date_of_birth\nC1,M\nC2,F,2010-01-01\n"}))
    children = ds.tables["children"]
    assert children["child_id"].tolist() == ["C1", "C2"]
    assert pd.isna(children["date_of_birth"].iloc[0])


# --------------------------------------------------------------------------- Parquet files


def test_parquet_with_native_types(tmp_path):
    folder = make_folder(tmp_path, {})
    pd.DataFrame({"child_id": ["C1", "C2"], "sex": ["M", "F"]}).to_parquet(
        folder / "children.parquet")
    pd.DataFrame({
        "episode_id": ["E1", "E2"], "child_id": ["C1", "C2"], "facility_id": ["F", "F"],
        "admission_date": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
        "release_date": pd.to_datetime(["2024-01-05", None]),
        "end_reason": ["release", None],
        "wholly_separated_from_adults": pd.array([True, None], dtype="boolean"),
    }).to_parquet(folder / "detentions.parquet")
    ds = read_dataset(folder)
    det = ds.tables["detentions"]
    assert det["admission_date"].tolist() == [pd.Timestamp("2024-01-01"),
                                              pd.Timestamp("2024-02-01")]
    assert det["wholly_separated_from_adults"].tolist() == [True, pd.NA]
    assert ds.source_name("detentions") == "detentions.parquet"
    assert not [i for i in ds.issues if i.severity == "error"]


def test_corrupt_parquet(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {"children.parquet": b"PAR1 not really"}))
    assert issue(ds, "unreadable_file").table == "children.parquet"


# --------------------------------------------------------------------------- workbooks


def test_workbook_sheets(tmp_path):
    import openpyxl

    folder = make_folder(tmp_path, {})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "children"
    ws.append(["child_id", "sex", "date_of_birth"])
    ws.append([7, "M", dt.datetime(2010, 5, 6)])
    ws.append(["C2", "F", "2011-01-01"])
    fac = wb.create_sheet("facilities")
    fac.append(["facility_id", "facility_type", "complaints_mechanism"])
    fac.append(["F1", "police", True])
    wb.create_sheet("notes")
    wb.save(folder / "records.xlsx")
    ds = read_dataset(folder)
    children = ds.tables["children"]
    assert children["child_id"].tolist() == ["7", "C2"]
    assert children["date_of_birth"].tolist() == [pd.Timestamp("2010-05-06"),
                                                  pd.Timestamp("2011-01-01")]
    assert ds.tables["facilities"]["complaints_mechanism"].iloc[0]
    assert ds.source_name("children") == "records.xlsx[children]"
    assert issue(ds, "unknown_sheet").value == "notes"


def test_corrupt_workbook(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {"children.csv": "child_id,sex\nC,M\n",
                                             "book.xlsx": b"PK\x03\x04 broken"}))
    assert issue(ds, "unreadable_file").table == "book.xlsx"


def test_workbook_dataset_sheet_stands_for_toml(tmp_path):
    import openpyxl

    folder = tmp_path / "wb"
    folder.mkdir()
    wb = openpyxl.Workbook()
    meta = wb.active
    meta.title = "dataset"
    for row in (["key", "value"], ["country", "ATL"], ["period_start", dt.datetime(2024, 1, 1)],
                ["period_end", "2024-12-31"], ["minimum_age_criminal_responsibility", "12"],
                ["policy.complaints_system", True], ["parameters.count_unit", "child"]):
        meta.append(row)
    ch = wb.create_sheet("children")
    ch.append(["child_id", "sex"])
    ch.append(["C1", "M"])
    wb.save(folder / "book.xlsx")
    ds = read_dataset(folder / "book.xlsx")
    assert ds.country == "ATL" and ds.period_start == pd.Timestamp("2024-01-01")
    assert ds.minimum_age_criminal_responsibility == 12
    assert ds.policy["complaints_system"] is True
    assert ds.parameters.count_unit == "child"
    assert ds.metadata_source == "book.xlsx[dataset]"


# --------------------------------------------------------------------------- dataset.toml


def test_bad_toml_is_an_error_issue(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {"children.csv": "child_id,sex\nC,M\n"},
                                  toml="country = ATL\nperiod_start = [\n"))
    found = issue(ds, "invalid_toml")
    assert found.table == "dataset.toml" and found.severity == "error"
    assert "missing_key" not in rules(ds)  # not reported twice
    assert "children" in ds.tables  # the tables are still read and checked


def test_binary_toml_is_an_error_issue(tmp_path):
    folder = make_folder(tmp_path, {"children.csv": "child_id,sex\nC,M\n"}, toml=None)
    (folder / "dataset.toml").write_bytes(b"\xff\xfe\x00\x01junk")
    assert issue(read_dataset(folder), "invalid_toml").severity == "error"


# --------------------------------------------------------------------------- typing cells


def test_ids_are_text_and_whitespace_is_ignored(tmp_path):
    folder = make_folder(tmp_path, {
        "children.csv": "child_id,sex,date_of_birth\n 01 , M ,2010-01-01 \n1,F,\n",
        "arrests.csv": "arrest_id,child_id,arrest_date,offence_category\nA,01,2024-01-01, 01\n",
    })
    ds = read_dataset(folder)
    assert list(ds.tables["children"]["child_id"]) == ["01", "1"]
    assert ds.tables["children"]["sex"].iloc[0] == "M"
    assert ds.tables["arrests"]["offence_category"].iloc[0] == "01"
    assert not [i for i in ds.issues if i.severity == "error"]


def test_booleans_in_any_case(tmp_path):
    words = ["true", "FALSE", "Yes", "no", "1", "0", ""]
    folder = make_folder(tmp_path, {
        "children.csv": "child_id,sex\nC,M\n",
        "facilities.csv": "facility_id,facility_type,complaints_mechanism\n"
        + "".join(f"F{i},police,{w}\n" for i, w in enumerate(words)),
    })
    got = read_dataset(folder).tables["facilities"]["complaints_mechanism"]
    assert got.tolist() == [True, False, True, False, True, False, pd.NA]


def test_huge_cell_is_refused_not_read(tmp_path):
    big = "x" * 2_000_000
    ds = read_dataset(make_folder(tmp_path, {
        "children.csv": f"child_id,sex\nC1,M\n{big},F\n"}))
    found = issue(ds, "cell_too_long")
    assert (found.severity, found.row, found.column) == ("error", 3, "child_id")
    assert len(found.value) < 100
    assert ds.tables["children"]["child_id"].isna().iloc[1]


def test_dates_outside_plausible_years(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {
        "children.csv": "child_id,sex,date_of_birth\nC1,M,0001-01-01\nC2,F,2010-02-29\n"}))
    found = [i for i in ds.issues if i.rule == "invalid_date"]
    assert [i.row for i in found] == [3, 2] or sorted(i.row for i in found) == [2, 3]
    assert ds.tables["children"]["date_of_birth"].isna().all()


def test_missing_required_column_and_identifiers(tmp_path):
    ds = read_dataset(make_folder(tmp_path, {
        "children.csv": "child_id,date_of_birth,Full Name,phone_number,school\nC1,,Ann,555,X\n",
    }))
    missing = issue(ds, "missing_column")
    assert (missing.table, missing.row, missing.column) == ("children.csv", 1, "sex")
    ids = [i for i in ds.issues if i.rule == "direct_identifier"]
    assert {i.column for i in ids} == {"Full Name", "phone_number"}
    children = ds.tables["children"]
    assert "Full Name" not in children.columns and "phone_number" not in children.columns
    assert children["school"].iloc[0] == "X"  # unknown columns are carried
    assert issue(ds, "unknown_column").severity == "warning"


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize("name", ["name", "surname", "first_name", "Last Name", "full_name",
                                  "address", "home_address", "phone", "telephone", "email",
                                  "E-mail", "national_id", "passport", "passport_no", "ssn",
                                  "mother_name", "id_card_number"])
def test_identifier_names(name):
    assert is_direct_identifier(name)


@pytest.mark.parametrize("name", ["child_id", "facility_id", "facility_name", "area", "notes",
                                  "sex", "offence_category", "region_code"])
def test_not_identifier_names(name):
    assert not is_direct_identifier(name)


# --------------------------------------------------------------------------- public names


def test_the_public_names_and_where_they_live():
    import indicators
    from indicators import dataset, ingest, issues, validation

    # the package's read_dataset takes a dataset folder or a mapping file of exports
    assert indicators.read_dataset is ingest.read_dataset
    assert indicators.Dataset is dataset.Dataset
    assert dataset.DatasetError is issues.DatasetError is indicators.DatasetError
    assert dataset.Issue is issues.Issue
    assert indicators.validate_dataset is validation.validate_dataset
    assert indicators.ValidationReport is validation.ValidationReport
    assert {"ISSUE_COLUMNS", "RULES", "IssueCollector"} <= set(validation.__all__)


def test_cr_only_line_endings_are_read_with_a_warning(tmp_path):
    """Excel's "CSV (Macintosh)" ends rows with CR only: read, with a warning (issue 15)."""
    import shutil

    from conftest import WORKED_EXAMPLE

    ds_dir = tmp_path / "ds"
    shutil.copytree(WORKED_EXAMPLE, ds_dir)
    path = ds_dir / "family_visits.csv"
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    path.write_bytes(text.replace("\n", "\r").encode("utf-8"))
    ds = read_dataset(ds_dir)
    rules = {(i.table, i.rule, i.severity) for i in ds.issues}
    assert ("family_visits.csv", "assumed_line_endings", "warning") in rules
    assert len(ds.tables["family_visits"]) == text.count("\n") - 1


def test_a_stray_carriage_return_in_the_header_is_an_error_not_a_crash(tmp_path):
    import shutil

    from conftest import WORKED_EXAMPLE

    ds_dir = tmp_path / "ds"
    shutil.copytree(WORKED_EXAMPLE, ds_dir)
    path = ds_dir / "family_visits.csv"
    data = path.read_bytes()
    path.write_bytes(b"child_id,visit\rdate\x00b,direction\n" + data.split(b"\n", 1)[1])
    ds = read_dataset(ds_dir)
    assert any(i.table == "family_visits.csv" and i.severity == "error" for i in ds.issues)


def test_a_mapping_file_is_read_by_the_package_reader_not_the_folder_reader(tmp_path):
    from indicators import read_dataset
    from indicators.issues import DatasetError
    from indicators.reading import read_dataset as read_folder

    mapping = tmp_path / "mapping.toml"
    mapping.write_text("[dataset]\ncountry = \"ATL\"\n")
    with pytest.raises(DatasetError, match="mapping file"):
        read_folder(mapping)
    ds = read_dataset(mapping)  # the package reader ingests it, and reports what is missing
    assert {"missing_key", "invalid_mapping"} <= {i.rule for i in ds.issues}
