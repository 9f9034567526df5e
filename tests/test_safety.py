"""Tests of indicators.safety and of every CSV/Excel writer: no cell runs as a formula."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import WORKED_EXAMPLE

from indicators.safety import FORMULA_PREFIXES, neutralise_cell, neutralise_frame

WORKED = WORKED_EXAMPLE

HOSTILE = [
    "=1+2",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=HYPERLINK(\"http://x\")",
    "\r=1",
    "=cmd|' /C notepad'!'A1'",
]


def _assert_csv_safe(path: Path) -> int:
    """Every field of a CSV file is safe; returns the number of fields read."""
    n = 0
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            for field in row:
                n += 1
                assert not field.startswith(FORMULA_PREFIXES), (path.name, field)
    return n


def _assert_xlsx_safe(path: Path) -> int:
    """No cell of any sheet is a formula or text that begins like one."""
    wb = openpyxl.load_workbook(path)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                n += 1
                assert cell.data_type != "f", (path.name, ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_PREFIXES), (ws.title, cell.value)
    return n


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_cell_prefixes_formula_text(text):
    out = neutralise_cell(text)
    assert out == ("'" + text).replace("\r", "\n")
    assert not out.startswith(FORMULA_PREFIXES)


def test_a_carriage_return_inside_text_cannot_start_a_row(tmp_path):
    assert neutralise_cell("a\r=1+2") == "a\n=1+2"
    assert neutralise_cell("a\r\n@x") == "a\n@x"
    frame = pd.DataFrame({"text": ["a\r=1+2", "b\r\n-3", "ok"], "n": [1, 2, 3]})
    neutralise_frame(frame).to_csv(tmp_path / "cr.csv", index=False)
    back = pd.read_csv(tmp_path / "cr.csv")
    assert len(back) == 3 and back["n"].tolist() == [1, 2, 3]
    assert _assert_csv_safe(tmp_path / "cr.csv") == 8


@pytest.mark.parametrize("value", ["plain", "", "a=b", "1", -5, -0.5, None, np.nan, 3])
def test_neutralise_cell_leaves_other_values(value):
    out = neutralise_cell(value)
    assert out is value or (isinstance(value, float) and np.isnan(out)) or out == value


def test_neutralise_frame_covers_text_string_and_category_columns_and_names():
    frame = pd.DataFrame({
        "obj": pd.Series(HOSTILE, dtype=object),
        "str": pd.Series(HOSTILE, dtype="string"),
        "cat": pd.Categorical(HOSTILE),
        "num": -np.arange(len(HOSTILE), dtype=float),
        "int": pd.array(-np.arange(len(HOSTILE)), dtype="Int64"),
    })
    frame["=name"] = "ok"
    before = frame.copy()
    out = neutralise_frame(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    for col in ("obj", "str", "cat"):
        assert out[col].tolist() == [neutralise_cell(h) for h in HOSTILE]
        assert all(v.startswith("'") for v in out[col])
    # numbers stay numbers, negative ones included
    assert out["num"].tolist() == before["num"].tolist()
    assert out["int"].tolist() == before["int"].tolist()
    assert "'=name" in out.columns


def test_csv_and_excel_written_from_a_neutralised_frame_hold_no_formula(tmp_path):
    frame = pd.DataFrame({"text": HOSTILE, "n": range(len(HOSTILE))})
    # without neutralising, openpyxl would store "=1+2" as a formula: the hazard is real
    raw = tmp_path / "raw.xlsx"
    frame.to_excel(raw, index=False)
    assert any(c.data_type == "f" for r in openpyxl.load_workbook(raw).active.iter_rows()
               for c in r)
    safe = neutralise_frame(frame)
    safe.to_csv(tmp_path / "safe.csv", index=False)
    safe.to_excel(tmp_path / "safe.xlsx", index=False)
    assert _assert_csv_safe(tmp_path / "safe.csv") == 2 * (len(HOSTILE) + 1)
    assert _assert_xlsx_safe(tmp_path / "safe.xlsx") == 2 * (len(HOSTILE) + 1)
    # the text itself survives (after the apostrophe)
    back = pd.read_csv(tmp_path / "safe.csv", keep_default_na=False)
    assert back["text"].tolist() == [("'" + h).replace("\r", "\n") for h in HOSTILE]


def _hostile_results():
    import indicators.compute as compute
    from indicators.reading import read_dataset

    ds = read_dataset(WORKED)
    res = compute.compute_indicators(ds)
    ind = res.indicators.copy()
    for col, text in zip(("country_name", "region", "source", "caveats", "indicator_name"),
                         HOSTILE, strict=False):
        if col in ind.columns:
            ind[col] = text
    ind.loc[ind.index[-1], "group"] = HOSTILE[-1]  # e.g. an area code from the records
    res.indicators = ind
    rec = res.reconciliation.copy()
    rec["reason"] = rec["reason"].astype(object)
    rec.loc[rec.index[0], "reason"] = HOSTILE[1]
    res.reconciliation = rec
    return res, ds


def test_write_outputs_neutralises_csv_and_excel(tmp_path):
    import indicators.outputs as outputs
    res, ds = _hostile_results()
    written = outputs.write_outputs(res, tmp_path / "out", [ds])
    csvs = [p for p in written.values() if p.suffix == ".csv"]
    assert {p.name for p in csvs} >= {"indicators.csv", "durations.csv", "reconciliation.csv"}
    for p in csvs:
        assert _assert_csv_safe(p) > 0
    xlsx = [p for p in written.values() if p.suffix == ".xlsx"]
    assert xlsx, "the engine writes indicators.xlsx"
    for p in xlsx:
        assert _assert_xlsx_safe(p) > 0
    # the hostile text is kept, visibly, as text
    text = (tmp_path / "out" / "indicators.csv").read_text(encoding="utf-8")
    assert "'=1+2" in text


def test_write_sdmx_neutralises(tmp_path):
    from indicators.sdmx import write_sdmx

    res, _ds = _hostile_results()
    paths = write_sdmx(res, tmp_path)
    assert _assert_csv_safe(paths[0]) > 0


def test_disclosed_outputs_stay_safe(tmp_path):
    import indicators.outputs as outputs
    from indicators.disclosure import disclose_results

    res, ds = _hostile_results()
    written = outputs.write_outputs(disclose_results(res), tmp_path / "pub", [ds])
    for p in written.values():
        if p.suffix == ".csv":
            _assert_csv_safe(p)
        elif p.suffix == ".xlsx":
            _assert_xlsx_safe(p)


def _hostile_dataset(tmp_path: Path) -> Path:
    ds = tmp_path / "hostile"
    shutil.copytree(WORKED, ds)
    children = (ds / "children.csv").read_text(encoding="utf-8").splitlines()
    children.append('"=cmd|\' /C calc\'!A0",=1+2,@SUM(A1)')
    children.append('H2,-2+3,2010-13-01')
    (ds / "children.csv").write_text("\n".join(children) + "\n", encoding="utf-8")
    return ds


def test_validation_report_is_neutralised(tmp_path):
    import indicators.validation as validation
    from indicators.reading import read_dataset

    ds = read_dataset(_hostile_dataset(tmp_path))
    report = validation.validate_dataset(ds)
    assert not report.ok
    path = report.to_csv(tmp_path / "report.csv")
    assert _assert_csv_safe(path) > 0
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert {"'=1+2", "'@SUM(A1)", "'-2+3"} <= set(table["value"])


def test_cli_validate_report_is_neutralised(tmp_path, capsys):
    from indicators import cli

    out = tmp_path / "report.csv"
    code = cli.main(["validate", str(_hostile_dataset(tmp_path)), "--report", str(out)])
    capsys.readouterr()
    assert code == 1
    assert _assert_csv_safe(out) > 0
