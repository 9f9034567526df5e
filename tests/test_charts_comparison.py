"""charts.comparison: the ranked comparison and the trend. Inspect the drawn artists
(markers, whiskers, labels, footnotes), plus the comparison's pixel baseline (Agg, fixed dpi,
DejaVu Sans)."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest
from chart_frames import (
    assert_matches_baseline,
    bboxes_overlap,
    comparison_frame,
    markers,
    whiskers,
)
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from indicators import charts, stats, summaries
from indicators.counts import from_counts

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return comparison_frame()


def test_comparison_draws_one_marker_per_country_with_whiskers(frame):
    ax = charts.plot_comparison(frame, "JJ02")
    with_value = frame[(frame["indicator"] == "JJ02") & frame["value"].notna()]
    assert markers(ax) == len(with_value) == 19
    segments = sum(len(lc.get_segments()) for lc in whiskers(ax))
    assert segments == with_value["ci_lower"].notna().sum()
    assert ax.get_xlabel() == "per 100,000 children"
    title = ax.get_title(loc="left")
    assert "Children in detention" in title and "JJ02" in title


def test_comparison_footnote_lists_flags_suppressed_and_missing(frame):
    ax = charts.plot_comparison(frame, "JJ02")
    note = " ".join(charts.footnote_text(ax).split())
    assert "small numbers (numerator under 5): Country C03" in note
    assert "definition differs" in note and "Country C04" in note
    assert "Suppressed by disclosure control" in note and "them): Country C07." in note
    # No value (C05) and no row at all (C06): listed, not dropped.
    assert "Not available: Country C05, Country C06" in note
    assert "Census day: 2024-12-31" in note and "Test ministry, 2024" in note
    assert "National definition differs: counts welfare homes." in note
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any(lab.startswith("Country C04 [") for lab in labels)
    assert any(t.get_text().strip() == charts.SUPPRESSED_TEXT for t in ax.texts)
    hollow = [c for c in ax.collections if c.get_gid() == "jj-suppressed"]
    assert len(hollow) == 1 and len(hollow[0].get_offsets()) == 1  # C07 only
    assert len(hollow[0].get_facecolors()) == 0  # hollow


def test_flagged_values_are_hollow(frame):
    ax = charts.plot_comparison(frame, "JJ02")
    hollow = filled = 0
    for coll in (c for c in ax.collections if c.get_gid() == "jj-markers"):
        faces = coll.get_facecolors()
        white = np.all(np.isclose(faces[:, :3], 1.0), axis=1)
        hollow += int(white.sum())
        filled += int((~white).sum())
    assert hollow == 2 and filled == 17  # C03 small numerator, C04 definition differs


def test_weighted_median_line_comes_from_stats(frame):
    ax = charts.plot_comparison(frame, "JJ02")
    rows = frame[(frame["indicator"] == "JJ02") & frame["value"].notna()]
    expected = stats.weighted_median(rows["value"], rows["denominator"])
    lines = [ln for ln in ax.lines if ln.get_gid() == "jj-median"]
    assert len(lines) == 1 and lines[0].get_xdata()[0] == pytest.approx(expected)
    # ... through the engine: the chart draws summaries.reference_median.
    median = summaries.reference_median(frame, "JJ02")
    assert median.value == pytest.approx(expected) and median.countries == 19
    assert f"{median.countries} countries" in ax.get_legend().get_texts()[-1].get_text()


def test_comparison_draws_a_given_median_and_none_when_asked(frame):
    given = summaries.ReferenceMedian(12.5, 3, "a test")
    ax = charts.plot_comparison(frame, "JJ02", median=given)
    lines = [ln for ln in ax.lines if ln.get_gid() == "jj-median"]
    assert len(lines) == 1 and lines[0].get_xdata()[0] == 12.5
    assert "(12.5, 3 countries)" in ax.get_legend().get_texts()[-1].get_text()
    ax = charts.plot_comparison(frame, "JJ02", weighted_median=False)
    assert not [ln for ln in ax.lines if ln.get_gid() == "jj-median"]


def test_readable_with_22_countries_and_a_long_name(frame):
    ax = charts.plot_comparison(frame, "JJ02")
    fig = ax.get_figure(root=True)
    canvas = FigureCanvasAgg(fig)
    with charts.style():
        canvas.draw()
    renderer = canvas.get_renderer()
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    boxes = sorted((t.get_window_extent(renderer) for t in ticks), key=lambda b: b.y0)
    assert all(not bboxes_overlap(a, b) for a, b in itertools.pairwise(boxes))
    fig_box = fig.bbox
    assert all(b.x0 >= fig_box.x0 and b.x1 <= fig_box.x1 for b in boxes)  # long name fits
    legend = ax.get_legend().get_window_extent(renderer)
    assert not bboxes_overlap(legend, ax.get_window_extent(renderer))  # outside the data
    note = fig._supxlabel.get_window_extent(renderer)
    assert not bboxes_overlap(note, ax.get_tightbbox(renderer))


def test_comparison_in_a_given_axes(frame):
    fig = Figure(figsize=(8, 8), layout="constrained")
    ax0 = fig.add_subplot()
    ax = charts.plot_comparison(frame, "JJ09", ax=ax0)
    assert ax is ax0 and ax.get_xlabel() == "percent"
    assert "Custodial sentencing" in ax.get_title(loc="left")
    assert any(t.get_gid() == "jj-footnote" for t in ax.texts)


def test_trend_has_one_line_per_country_and_whiskers():
    rows = []
    for year, k in ((2022, 40), (2023, 44), (2024, 3)):
        for c in ("AAA", "BBB"):
            rows.append({"country": c, "period": str(year), "indicator": "JJ02", "group": "all",
                         "numerator": str(k), "denominator": "200000"})
    ax = charts.plot_trend(from_counts(pd.DataFrame(rows)), "JJ02")
    lines = [ln for ln in ax.lines if ln.get_gid() == "jj-trend"]
    assert len(lines) == 2 and all(len(ln.get_xdata()) == 3 for ln in lines)
    assert len(whiskers(ax)) == 2
    assert ax.get_ylabel() == "per 100,000 children"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2022", "2023", "2024"]
    assert "small numbers" in charts.footnote_text(ax)


def test_pixel_baseline(frame, tmp_path):
    fig = charts.plot_comparison(frame, "JJ09").get_figure(root=True)
    assert_matches_baseline("comparison_JJ09", fig, tmp_path)
