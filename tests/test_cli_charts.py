"""The chart commands in-process: import-counts, compare, report, run."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from indicators import cli
from indicators.counts import RESULT_COLUMNS
from indicators.simulate import simulate_frames, write_dataset

REF = Path(__file__).parents[1] / "data" / "reference"

COUNTS = """country,country_name,period,indicator,group,numerator,denominator,notes
AAA,Aland,2023,JJ02,all,40,100000,Stock at 31 December
AAA,Aland,2023,JJ09,all,30,120,National definition differs: convictions
BBB,Boland,2023,JJ02,all,3,50000,
BBB,Boland,2023,JJ14,all,1,,
"""


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("samples")
    write_dataset(simulate_frames("corallia", 120, 1, 2024), root / "XCO" / "2024")
    return root


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def test_import_counts_writes_indicator_rows(tmp_path, capsys):
    src = tmp_path / "counts.csv"
    src.write_text(COUNTS, encoding="utf-8")
    assert cli.main(["import-counts", str(src), "--out", str(tmp_path / "out")]) == 0
    out = pd.read_csv(tmp_path / "out" / "indicators.csv", dtype=str, keep_default_na=False)
    assert list(out.columns[:14]) == RESULT_COLUMNS
    assert out["flags"].tolist() == ["", "definition_differs", "small_numerator", ""]
    assert float(out["value"].iat[0]) == pytest.approx(40.0)
    assert "imported 4 rows" in capsys.readouterr().out


def test_import_counts_reports_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("country,period,indicator,group,numerator,denominator\n"
                   "AAA,2023,JJ09,all,30,20\nAAA,2023,JJ99,all,1,2\n")
    assert cli.main(["import-counts", str(bad), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "row 2" in err and "row 3" in err and "Traceback" not in err
    assert cli.main(["import-counts", str(tmp_path / "nope.csv"), "--out", "x"]) == 1
    assert cli.main(["import-counts", str(bad), "--out", "x", "--confidence", "2"]) == 2


@pytest.mark.slow
def test_compare_mixes_counts_results_and_datasets(tmp_path, samples, capsys):
    counts = tmp_path / "counts.csv"
    counts.write_text(COUNTS, encoding="utf-8")
    out = tmp_path / "cmp"
    assert cli.main(["compare", str(counts), str(samples), "--out", str(out), "--jobs", "1"]) == 0
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert {"core_panel.png", "comparison_JJ02.png", "comparison_JJ09.png"} <= set(pngs)
    assert all((out / p).with_suffix(".svg").is_file() for p in pngs)
    assert _pdf_pages(out / "comparison.pdf") == len(pngs)
    assert "compared 3 countries" in capsys.readouterr().out


@pytest.mark.slow
def test_report_for_one_dataset(tmp_path, samples):
    out = tmp_path / "rep"
    assert cli.main(["report", str(samples / "XCO" / "2024"), "--out", str(out)]) == 0
    pdf = out / "report_XCO.pdf"
    assert pdf.is_file() and _pdf_pages(pdf) >= 4
    assert (out / "XCO_table.png").is_file() and (out / "XCO_table.svg").is_file()
    svg = (out / "XCO_pathway.svg").read_text(encoding="utf-8")
    assert "Period: 2024-01-01 to 2024-12-31" in svg and "synthetic" in svg


@pytest.mark.slow
def test_run_builds_tables_reports_and_comparison(tmp_path, samples):
    ref = tmp_path / "reference"
    ref.mkdir()
    (ref / "ojjdp_deaths_in_custody.csv").write_bytes(
        (REF / "ojjdp_deaths_in_custody.csv").read_bytes())
    out = tmp_path / "reports"
    assert cli.main(["run", str(samples), str(ref), "--out", str(out), "--jobs", "2"]) == 0
    assert (out / "indicators.csv").is_file() and (out / "comparison_rows.csv").is_file()
    rows = pd.read_csv(out / "comparison_rows.csv", dtype=str, keep_default_na=False)
    assert {"XCO", "USA"} <= set(rows["country"])
    assert (out / "countries" / "XCO" / "report_XCO.pdf").is_file()
    assert (out / "comparison" / "comparison.pdf").is_file()
    assert (out / "comparison" / "comparison_JJ06.png").is_file()


def test_usage_and_input_errors(tmp_path, capsys):
    assert cli.main(["compare", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    assert cli.main(["compare", str(REF), "--out", str(tmp_path), "--jobs", "0"]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["run", str(empty), "--out", str(tmp_path / "r")]) == 1
    assert cli.main(["report", str(REF), "--out", str(tmp_path / "r")]) == 2  # many countries
