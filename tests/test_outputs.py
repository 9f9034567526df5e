"""Output files of compute (outputs.py): indicators.csv, durations.csv, reconciliation.csv,
manifest.json and indicators.xlsx."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from conftest import WORKED_EXAMPLE
from openpyxl import load_workbook

from indicators import __version__
from indicators.compute import RESULT_COLUMNS, compute_indicators
from indicators.dataset import Dataset
from indicators.outputs import OUTPUT_FILES, definitions_frame, write_outputs
from indicators.reading import read_dataset

WORKED = WORKED_EXAMPLE


@pytest.fixture(scope="module")
def worked():
    return read_dataset(WORKED)


@pytest.fixture(scope="module")
def written(worked, tmp_path_factory):
    res = compute_indicators(worked)
    out = tmp_path_factory.mktemp("out")
    files = write_outputs(res, out, [worked])
    return res, out, files


def test_all_files_written(written):
    _, out, files = written
    assert sorted(files) == sorted(OUTPUT_FILES)
    for name in OUTPUT_FILES:
        assert (out / name).stat().st_size > 0


def test_indicators_csv_columns_and_values(written):
    res, out, _ = written
    df = pd.read_csv(out / "indicators.csv", dtype={"group": str}, keep_default_na=False,
                     na_values=[""])
    assert list(df.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert len(df) == len(res.indicators)
    # Unrounded: the value read back is the computed float exactly.
    jj01 = df[(df["indicator"] == "JJ01") & (df["dimension"] == "total")].iloc[0]
    computed = res.indicators.query("indicator == 'JJ01' and dimension == 'total'")
    assert jj01["value"] == computed["value"].iloc[0]  # round trip, no rounding
    assert jj01["value"] == pytest.approx(11 / 37800 * 100000, rel=1e-14)
    assert jj01["period_start"] == "2024-01-01" and jj01["census_date"] == "2024-12-31"
    assert pd.isna(jj01["flags"])  # an empty cell when no flag
    # Codes stay text: offence "02" is not 2.
    assert "02" in set(df.loc[df["dimension"] == "offence", "group"])
    jj15 = df[df["indicator"] == "JJ15"].iloc[0]
    assert pd.isna(jj15["value"]) and jj15["flags"] == "not_available"


def test_durations_and_reconciliation_csv(written):
    _, out, _ = written
    dur = pd.read_csv(out / "durations.csv", dtype=str, keep_default_na=False)
    assert list(dur.columns[:6]) == ["country", "indicator", "dimension", "group", "statistic",
                                     "value"]
    assert {"n", "mean", "median", "p25", "p75", "min", "max", "median_km", "band_8_30",
            "band_366_plus", "band_730_plus"} <= set(dur["statistic"])
    rec = pd.read_csv(out / "reconciliation.csv")
    for _, block in rec.groupby(["country", "indicator", "table"]):
        assert block["count"].sum() == block["records_read"].iloc[0]
        assert (block["used"] + block["left_out"] == block["records_read"]).all()


def test_manifest(written, worked):
    _, out, _ = written
    man = json.loads((out / "manifest.json").read_text())
    assert man["version"] == __version__
    assert man["parameters"]["count_unit"] == "event"
    assert man["parameters"]["census_date"] == "2024-12-31"
    assert man["python"] and man["pandas"] == pd.__version__ and man["run_at"]
    files = {f["name"]: f["sha256"] for f in man["inputs"][0]["files"]}
    expected = hashlib.sha256((WORKED / "children.csv").read_bytes()).hexdigest()
    assert files["children.csv"] == expected
    assert "dataset.toml" in files
    assert set(man["outputs"]) == set(OUTPUT_FILES)


def test_workbook_sheets(written):
    res, out, _ = written
    wb = load_workbook(out / "indicators.xlsx", read_only=True)
    assert wb.sheetnames == ["indicators", "durations", "definitions", "reconciliation", "notes"]
    ws = wb["indicators"]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[: len(RESULT_COLUMNS)] == RESULT_COLUMNS
    assert ws.max_row == len(res.indicators) + 1
    assert wb["definitions"].max_row == len(definitions_frame()) + 1 == 18


def test_formula_like_text_is_neutralised(tmp_path):
    frames = {
        "children": pd.DataFrame({"child_id": ["A"], "sex": ["M"], "date_of_birth": [None]}),
        "population": pd.DataFrame({"year": [2024], "sex": ["F"], "age": [5],
                                    "population": [10]}),
    }
    meta = {"country": "TST", "country_name": "=HYPERLINK(\"x\")", "source": "+cmd",
            "period_start": "2024-01-01", "period_end": "2024-12-31"}
    res = compute_indicators(Dataset.from_frames(meta, frames))
    write_outputs(res, tmp_path)
    df = pd.read_csv(tmp_path / "indicators.csv", dtype=str, keep_default_na=False)
    assert (df["country_name"] == "'=HYPERLINK(\"x\")").all()
    assert (df["source"] == "'+cmd").all()
    wb = load_workbook(tmp_path / "indicators.xlsx")
    cells = [c.value for c in wb["indicators"]["O"]]  # country_name column
    assert cells[1].startswith("'=")
