"""charts.panels: the core panel and the policy matrix (artists), plus their pixel baselines."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest
from chart_frames import LONG_NAME, assert_matches_baseline, comparison_frame, markers

from indicators import charts

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return comparison_frame()


def test_core_panel_has_the_core_indicators_for_every_country(frame):
    axes = charts.plot_core_panel(frame)
    assert len(axes) == 5
    titles = [a.get_title(loc="left") for a in axes]
    for code, word in zip(["JJ02", "JJ03", "JJ09", "JJ10", "JJ14"],
                          ["detention", "pre-", "Custodial", "diversion", "Specialised"],
                          strict=True):
        assert any(code in t and word in t for t in titles)
    assert markers(axes[0]) == 19 and markers(axes[2]) == 22
    assert [a.get_xlabel() for a in axes[:4]] == [
        "per 100,000\nchildren", "per 100,000\nchildren", "percent", "percent"]
    strip = [t.get_text() for t in axes[4].texts]
    assert strip.count("no") == 6 and strip.count("yes") == 16
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert sum(lab.startswith("Country C") for lab in labels) == 21
    assert any(lab.startswith(LONG_NAME) for lab in labels)
    assert "Region North (test)" in labels  # region headers


def test_policy_matrix_cells_have_text(frame):
    ax = charts.plot_policy_matrix(frame)
    texts = [t.get_text() for t in ax.texts if t.get_gid() != "jj-footnote"]
    assert texts.count("not assessed") == 5  # JJ12a unanswered for C00, C05, C10, C15, C20
    assert texts.count("50% (3/6)") == 22 and texts.count("83% (5/6)") == 22
    assert len([p for p in ax.patches if str(p.get_gid()).startswith("cell-")]) == 22 * 6
    assert "Policy indicators" in ax.get_title(loc="left")


BASELINES = {
    "policy_matrix": lambda f: charts.plot_policy_matrix(f[f["country"] < "C08"]),
    "core_panel": lambda f: charts.plot_core_panel(f[f["country"] < "C08"])[0],
}


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_pixel_baseline(name, frame, tmp_path):
    assert_matches_baseline(name, BASELINES[name](frame).get_figure(root=True), tmp_path)
