"""Templates: the workbook's structure, and template -> filled -> validate round trips."""

from __future__ import annotations

import datetime as dt
import tomllib

import openpyxl
import pandas as pd
import pytest

from indicators import read_dataset, validate_dataset
from indicators.codes import OPTIONAL_TABLES, TABLES
from indicators.template import dataset_toml_template, write_csv_template, write_template


@pytest.fixture(scope="module")
def template_path(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("tpl") / "template.xlsx", data_rows=500)


def test_workbook_structure(template_path):
    wb = openpyxl.load_workbook(template_path)
    assert wb.sheetnames[:3] == ["instructions", "codes", "dataset"]
    assert set(TABLES) <= set(wb.sheetnames)
    for table, columns in TABLES.items():
        ws = wb[table]
        header = [c.value for c in ws[1]]
        assert header == [c.name for c in columns]
        for cell, col in zip(ws[1], columns, strict=True):
            assert col.description in cell.comment.text
        ranges = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        for i, col in enumerate(columns):
            letter = openpyxl.utils.get_column_letter(i + 1)
            rng = f"{letter}2:{letter}501"
            if col.kind in ("code", "bool"):
                assert rng in ranges, (table, col.name)
                if col.kind == "bool":
                    assert ranges[rng].formula1 == '"true,false"'
                else:
                    assert ranges[rng].formula1.startswith("codes!")
            else:
                assert rng not in ranges
    codes = wb["codes"]
    first = [c.value for c in codes["A"] if c.value is not None][1:]
    assert first == ["F", "M", "U"]
    offences = next(col for col in codes.iter_cols(values_only=True) if col[0].startswith(
        "offence_category"))
    assert "01" in offences and "status" in offences
    keys = [r[0] for r in wb["dataset"].iter_rows(min_row=2, values_only=True)]
    assert {"country", "period_start", "period_end", "policy.complaints_system",
            "parameters.count_unit"} <= set(keys)


def test_empty_template_reads_and_reports_missing_keys(template_path):
    report = validate_dataset(read_dataset(template_path))
    assert not report.ok
    assert {"missing_key"} <= set(report.issues["rule"])


def _fill_sheet(ws, rows):
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)


def test_round_trip_filled_workbook_validates(template_path, tmp_path):
    wb = openpyxl.load_workbook(template_path)
    meta = wb["dataset"]
    values = {"country": "ATL", "period_start": dt.datetime(2024, 1, 1),
              "period_end": dt.datetime(2024, 12, 31), "minimum_age_criminal_responsibility": 12,
              "policy.complaints_system": "true", "parameters.count_unit": "child"}
    for row in meta.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    _fill_sheet(wb["children"], [["C01", "M", dt.datetime(2009, 4, 1)], ["C02", "F", "2010-02-02"]])
    _fill_sheet(wb["population"], [[2024, s, a, 1000] for s in "FM" for a in range(18)])
    _fill_sheet(wb["arrests"], [["A1", "C01", dt.datetime(2024, 3, 1), "01", None, None],
                                ["A2", "C02", "2024-04-01", "status", 15, "North"]])
    _fill_sheet(wb["detentions"], [["E1", "C01", "F1", dt.datetime(2024, 3, 1),
                                    dt.datetime(2024, 3, 20), "release", None, "true", "false"]])
    _fill_sheet(wb["facilities"], [["F1", "pretrial", "true", None]])
    for table in OPTIONAL_TABLES:  # the instructions: delete the sheets of absent tables
        if table not in ("arrests", "detentions", "facilities"):
            del wb[table]
    folder = tmp_path / "ATL"
    folder.mkdir()
    wb.save(folder / "records.xlsx")

    ds = read_dataset(folder)
    report = validate_dataset(ds)
    assert report.ok, report.summary()
    assert report.n_warnings == 0, report.summary()
    assert ds.country == "ATL" and ds.parameters.count_unit == "child"
    assert ds.policy["complaints_system"] is True
    arrests = ds.tables["arrests"]
    assert arrests["offence_category"].tolist() == ["01", "status"]
    assert arrests["age_years"].tolist()[1] == 15
    assert ds.tables["detentions"]["received_aftercare"].iloc[0] is False or (
        ds.tables["detentions"]["received_aftercare"].iloc[0] == False)  # noqa: E712
    assert set(ds.tables) == {"children", "population", "arrests", "detentions", "facilities"}


def test_csv_template_round_trip(tmp_path):
    folder = write_csv_template(tmp_path / "ATL")
    meta = tomllib.loads((folder / "dataset.toml").read_text(encoding="utf-8"))
    assert meta["country"] == "ATL" and meta["period_end"] == dt.date(2024, 12, 31)
    for table, columns in TABLES.items():
        header = (folder / f"{table}.csv").read_text(encoding="utf-8").strip()
        assert header == ",".join(c.name for c in columns)
    # fill the required tables, delete the optional ones (not available)
    pd.DataFrame({"child_id": ["C1"], "sex": ["F"], "date_of_birth": ["2010-01-01"]}).to_csv(
        folder / "children.csv", index=False)
    pd.DataFrame([(2024, s, a, 50, "") for s in "FM" for a in range(18)],
                 columns=[c.name for c in TABLES["population"]]).to_csv(
        folder / "population.csv", index=False)
    for table in OPTIONAL_TABLES:
        (folder / f"{table}.csv").unlink()
    report = validate_dataset(read_dataset(folder))
    assert report.ok and report.n_warnings == 0, report.summary()


def test_toml_template_lists_every_key():
    text = dataset_toml_template()
    tomllib.loads(text)
    for key in ("census_date", "minimum_age_criminal_responsibility", "count_unit",
                "deaths_denominator", "independent_inspection_system"):
        assert key in text
