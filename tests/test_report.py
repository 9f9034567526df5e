"""Report assembly: inputs of every kind, the country report, the comparison files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from indicators import report
from indicators.counts import from_counts
from indicators.reference import load_reference
from indicators.simulate import simulate_frames, write_dataset

REF = Path(__file__).parents[1] / "data" / "reference"


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def counts_table() -> pd.DataFrame:
    rows = []
    for c, name, k in (("AAA", "Aland", 40), ("BBB", "Boland", 3)):
        base = {"country": c, "country_name": name, "region": "Test region (test)",
                "period": "2024", "group": "all", "notes": "Counts from the registry"}
        rows += [
            {**base, "indicator": "JJ01", "numerator": 900, "denominator": 100000},
            {**base, "indicator": "JJ02", "numerator": k, "denominator": 100000},
            {**base, "indicator": "JJ02", "group": "F", "numerator": 2, "denominator": 49000},
            {**base, "indicator": "JJ02", "group": "M", "numerator": k - 2,
             "denominator": 51000},
            {**base, "indicator": "JJ09", "numerator": 30, "denominator": 120},
            {**base, "indicator": "JJ10", "numerator": 50, "denominator": 170},
            {**base, "indicator": "JJ14", "value": "yes"},
        ]
    return pd.DataFrame(rows).astype(str).replace("nan", "")


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("samples")
    write_dataset(simulate_frames("corallia", 120, 1, 2024), root / "XCO" / "2024")
    return root


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


def test_load_inputs_reads_every_kind(tmp_path, dataset_dir):
    counts = tmp_path / "counts.csv"
    counts_table().to_csv(counts, index=False)
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    from_counts(counts_table().assign(country="CCC")).to_csv(results_dir / "indicators.csv",
                                                            index=False)
    inputs = report.load_inputs([counts, results_dir / "indicators.csv", REF, dataset_dir])
    f = inputs.indicators
    assert {"AAA", "BBB", "CCC", "XCO", "HRV", "US-AL"} <= set(f["country"])
    assert set(f["origin"]) == {"counts", "published", "records"}
    assert len(inputs.results) == 1 and inputs.datasets == [dataset_dir / "XCO" / "2024"]
    assert (inputs.durations["country"] == "XCO").any()
    assert f["value"].dtype == float
    with pytest.raises(ValueError, match="no such file"):
        report.load_inputs([tmp_path / "missing"])
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"neither an indicators\.csv"):
        report.load_inputs([tmp_path / "other.csv"])


def test_protect_leaves_published_figures_and_hides_small_counts(dataset_dir):
    inputs = report.load_inputs([REF, dataset_dir])
    frame, _, combined, note = report.protect(inputs, mode="public")
    assert note == ""
    pub_before = inputs.indicators[inputs.indicators["origin"] == "published"]
    pub_after = frame[frame["origin"] == "published"]
    pd.testing.assert_frame_equal(pub_before.reset_index(drop=True),
                                  pub_after.reset_index(drop=True)[pub_before.columns])
    rec = frame[frame["origin"] == "records"]
    small = rec["numerator"].between(1, 4)
    assert not small.any()
    assert rec["flags"].str.contains("suppressed").any()
    assert combined is not None and len(combined.indicators) == len(rec)
    internal, *_ = report.protect(inputs, mode="internal")
    assert internal["numerator"].between(1, 4).any()


def test_progress_bar_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = report.Progress(4, "compare", stream=stream)
        for _ in range(4):
            bar.step("chart")
    assert "[############################] 4/4 chart" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_run_parallel_keeps_order_and_raises():
    assert report.run_parallel(abs, [-3, 2, -1], jobs=2) == [3, 2, 1]
    with pytest.raises(TypeError):
        report.run_parallel(abs, [1, "x"], jobs=2)
    assert report.run_parallel(np.negative, [1], jobs=4) == [-1]
