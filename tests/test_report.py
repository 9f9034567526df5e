"""Report assembly: inputs of every kind, the country report, the comparison files."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import counts_table
from PIL import Image

from indicators import report
from indicators.counts import from_counts
from indicators.reference import load_reference

REF = Path(__file__).parents[1] / "data" / "reference"


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))



def test_table_page_lists_the_15_indicators():
    frame = from_counts(counts_table())
    fig = report.indicator_table_figure(frame, "AAA")
    table = fig.axes[0].tables[0]
    cells = table.get_celld()
    ids = [cells[(i, 1)].get_text().get_text() for i in range(1, 18)]
    assert [re.sub(r" \[.*", "", x) for x in ids] == [
        "JJ01", "JJ02", "JJ03", "JJ04", "JJ05", "JJ06", "JJ07", "JJ08", "JJ09", "JJ10", "JJ11",
        "JJ12a", "JJ12b", "JJ13a", "JJ13b", "JJ14", "JJ15"]
    core = [ids[i - 1] for i in range(1, 18) if cells[(i, 0)].get_text().get_text() == "★"]
    assert [re.sub(r" \[.*", "", x) for x in core] == ["JJ02", "JJ03", "JJ09", "JJ10", "JJ14"]
    row = {cells[(0, j)].get_text().get_text(): cells[(2, j)].get_text().get_text()
           for j in range(8)}
    assert row["value"] == "40" and row["numerator / denominator"] == "40 / 100,000"
    assert row["interval"].startswith("28.6 - 54.")
    jj14 = [cells[(16, j)].get_text().get_text() for j in range(8)]
    assert "yes" in jj14
    jj03 = [cells[(3, j)].get_text().get_text() for j in range(8)]
    assert "not in the results" in jj03
    note = fig._supxlabel.get_text()
    assert "Period: 2024-01-01 to 2024-12-31; census day 2024-12-31." in note
    assert "Counts from the registry" in note


def test_country_report_files(tmp_path):
    frame = from_counts(counts_table())
    written = report.write_country_report(frame, None, "BBB", tmp_path)
    pdf = tmp_path / "report_BBB.pdf"
    assert pdf in written and pdf.is_file()
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["BBB_disaggregation.png", "BBB_pathway.png", "BBB_table.png"]
    assert _pdf_pages(pdf) == 3
    for png in tmp_path.glob("*.png"):
        assert png.with_suffix(".svg").is_file()
        dpi = Image.open(png).info["dpi"]
        assert round(dpi[0]) == report.PNG_DPI
    svg = (tmp_path / "BBB_pathway.svg").read_text(encoding="utf-8")
    assert "Period: 2024-01-01 to 2024-12-31" in svg and "Counts from the registry" in svg


@pytest.mark.slow
def test_comparison_files_and_pdf_pages(tmp_path):
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "transmonee_2018_detention.csv").write_bytes(
        (REF / "transmonee_2018_detention.csv").read_bytes())
    states = (REF / "ojjdp_cjrp_2019_states.csv").read_text().splitlines()[:8]
    (ref / "ojjdp_cjrp_2019_states.csv").write_text("\n".join(states) + "\n")
    frame = pd.concat([from_counts(counts_table()), load_reference(ref)], ignore_index=True)
    tmp_path = tmp_path / "out"
    written = report.write_comparison(frame, None, tmp_path)
    pngs = sorted(tmp_path.glob("*.png"))
    assert {"core_panel.png", "comparison_JJ02.png", "comparison_JJ09.png",
            "comparison_JJ02_subnational.png", "policy_matrix.png"} <= {p.name for p in pngs}
    assert _pdf_pages(tmp_path / "comparison.pdf") == len(pngs)
    assert len(written) == 2 * len(pngs) + 1
    # The world benchmark (context line) is drawn on JJ02.
    assert "World (UNICEF 2024) 15" in (tmp_path / "comparison_JJ02.svg").read_text()
