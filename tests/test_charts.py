"""Charts: inspect the drawn artists (markers, whiskers, labels, footnotes), plus three pixel
baselines (Agg, fixed dpi, DejaVu Sans).

Frames are built with ``from_counts`` (aggregate input), so every value, interval and flag
below comes from the same path the published reference figures take.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images

from indicators import charts, stats
from indicators.counts import from_counts

matplotlib.use("Agg")
BASELINE = Path(__file__).parent / "baseline"

LONG_NAME = "The Very Long Official Name of a Federated Republic of Examples"


def _countries(n: int = 22) -> list[dict]:
    out = []
    for i in range(n):
        code = f"C{i:02d}"
        out.append({
            "country": code,
            "country_name": LONG_NAME if i == 0 else f"Country {code}",
            "region": ["Region North (test)", "Region South (test)", "Islands (test)"][i % 3],
            "source": "Test ministry, 2024",
        })
    return out


def comparison_frame() -> pd.DataFrame:
    """22 countries with JJ02, JJ03, JJ09, JJ10, JJ14 and JJ12a/JJ13a/JJ15, JJ12b/JJ13b.

    C03: small numerator (3 children); C04: national definition differs; C05: JJ02 not
    available (empty count); C06 has no JJ02 row at all; C07: JJ02 suppressed.
    """
    rows = []
    for i, c in enumerate(_countries()):
        pop = 100_000 + 25_000 * i
        base = {**c, "period": "2024", "group": "all", "notes": ""}
        if c["country"] != "C06":
            num = {"C03": 3, "C05": "-"}.get(c["country"], 10 + 7 * i)
            notes = "National definition differs: counts welfare homes." if i == 4 else ""
            rows.append({**base, "indicator": "JJ02", "numerator": num, "denominator": pop,
                         "notes": notes})
        rows.append({**base, "indicator": "JJ03", "numerator": 5 + i, "denominator": pop})
        rows.append({**base, "indicator": "JJ09", "numerator": 4 + i, "denominator": 40 + i})
        rows.append({**base, "indicator": "JJ10", "numerator": 20 + i, "denominator": 60 + i})
        rows.append({**base, "indicator": "JJ14", "value": "yes" if i % 4 else "no"})
        rows.append({**base, "indicator": "JJ12a", "value": "" if i % 5 == 0 else "yes"})
        rows.append({**base, "indicator": "JJ13a", "value": "no"})
        rows.append({**base, "indicator": "JJ15", "value": "yes"})
        rows.append({**base, "indicator": "JJ12b", "numerator": 3, "denominator": 6})
        rows.append({**base, "indicator": "JJ13b", "numerator": 5, "denominator": 6})
    frame = from_counts(pd.DataFrame(rows).astype(str).replace("nan", ""))
    # C07's JJ02 as public disclosure control leaves it: value and interval blanked.
    m = (frame["country"] == "C07") & (frame["indicator"] == "JJ02")
    frame.loc[m, ["value", "numerator", "ci_lower", "ci_upper"]] = np.nan
    frame.loc[m, "flags"] = "suppressed"
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return comparison_frame()


def _markers(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() == "jj-markers")


def _whiskers(ax) -> list[LineCollection]:
    out = []
    for cont in ax.containers:
        if isinstance(cont, ErrorbarContainer):
            out.extend(a for a in cont.lines[2] if isinstance(a, LineCollection))
    return out


def _bboxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_comparison_draws_one_marker_per_country_with_whiskers(frame):
    ax = charts.plot_comparison(frame, "JJ02")
    with_value = frame[(frame["indicator"] == "JJ02") & frame["value"].notna()]
    assert _markers(ax) == len(with_value) == 19
    segments = sum(len(lc.get_segments()) for lc in _whiskers(ax))
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


def test_readable_with_22_countries_and_a_long_name(frame):
    ax = charts.plot_comparison(frame, "JJ02")
    fig = ax.get_figure(root=True)
    canvas = FigureCanvasAgg(fig)
    with charts.style():
        canvas.draw()
    renderer = canvas.get_renderer()
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    boxes = sorted((t.get_window_extent(renderer) for t in ticks), key=lambda b: b.y0)
    assert all(not _bboxes_overlap(a, b) for a, b in itertools.pairwise(boxes))
    fig_box = fig.bbox
    assert all(b.x0 >= fig_box.x0 and b.x1 <= fig_box.x1 for b in boxes)  # long name fits
    legend = ax.get_legend().get_window_extent(renderer)
    assert not _bboxes_overlap(legend, ax.get_window_extent(renderer))  # outside the data
    note = fig._supxlabel.get_window_extent(renderer)
    assert not _bboxes_overlap(note, ax.get_tightbbox(renderer))


def test_comparison_in_a_given_axes(frame):
    fig = Figure(figsize=(8, 8), layout="constrained")
    ax0 = fig.add_subplot()
    ax = charts.plot_comparison(frame, "JJ09", ax=ax0)
    assert ax is ax0 and ax.get_xlabel() == "percent"
    assert "Custodial sentencing" in ax.get_title(loc="left")
    assert any(t.get_gid() == "jj-footnote" for t in ax.texts)


def test_core_panel_has_the_core_indicators_for_every_country(frame):
    axes = charts.plot_core_panel(frame)
    assert len(axes) == 5
    titles = [a.get_title(loc="left") for a in axes]
    for code, word in zip(["JJ02", "JJ03", "JJ09", "JJ10", "JJ14"],
                          ["detention", "pre-", "Custodial", "diversion", "Specialised"],
                          strict=True):
        assert any(code in t and word in t for t in titles)
    assert _markers(axes[0]) == 19 and _markers(axes[2]) == 22
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


def test_trend_has_one_line_per_country_and_whiskers():
    rows = []
    for year, k in ((2022, 40), (2023, 44), (2024, 3)):
        for c in ("AAA", "BBB"):
            rows.append({"country": c, "period": str(year), "indicator": "JJ02", "group": "all",
                         "numerator": str(k), "denominator": "200000"})
    ax = charts.plot_trend(from_counts(pd.DataFrame(rows)), "JJ02")
    lines = [ln for ln in ax.lines if ln.get_gid() == "jj-trend"]
    assert len(lines) == 2 and all(len(ln.get_xdata()) == 3 for ln in lines)
    assert len(_whiskers(ax)) == 2
    assert ax.get_ylabel() == "per 100,000 children"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2022", "2023", "2024"]
    assert "small numbers" in charts.footnote_text(ax)


def test_disaggregation_for_one_country_and_across_countries(frame):
    groups = [{"country": "AAA", "period": "2024", "indicator": "JJ02", "group": g,
               "numerator": n, "denominator": d}
              for g, n, d in [("all", "30", "100000"), ("F", "6", "48000"),
                              ("M", "23", "52000"), ("U", "1", ""), ("0-13", "0", "70000"),
                              ("14-15", "10", "15000"), ("16-17", "19", "15000")]]
    ax = charts.plot_disaggregation(from_counts(pd.DataFrame(groups)), "JJ02", country="AAA")
    assert _markers(ax) == 6  # U has no population: listed, not drawn
    assert "Sex U (count 1, no population)" in " ".join(charts.footnote_text(ax).split())
    assert ax.get_xlabel() == "per 100,000 children"
    across = charts.plot_disaggregation(frame, "JJ09", group="all")
    assert _markers(across) == 22


def test_durations_stacked_bands_and_medians():
    stats_rows = []
    for c, bands, med in (("AAA", [5, 10, 3, 2, 0, 0], 12.0), ("BBB", [1, 2, 8, 6, 2, 1], 70.0)):
        names = ["band_0_7", "band_8_30", "band_31_90", "band_91_180", "band_181_365",
                 "band_366_plus"]
        for name, v in zip(names, bands, strict=True):
            stats_rows.append((c, name, v))
        stats_rows += [(c, "median", med), (c, "n", float(sum(bands)))]
    d = pd.DataFrame(stats_rows, columns=["country", "statistic", "value"]).assign(
        indicator="JJ04", dimension="total", group="all", period_start="2024-01-01",
        period_end="2024-12-31")
    ax = charts.plot_durations(d, "JJ04")
    bars = [p for p in ax.patches if p.get_gid() == "jj-band"]
    assert len(bars) == 12
    widths = {}
    for p in bars:
        widths.setdefault(round(p.get_y(), 3), 0.0)
        widths[round(p.get_y(), 3)] += p.get_width()
    assert all(w == pytest.approx(100) for w in widths.values())
    texts = [t.get_text() for t in ax.texts]
    assert "median 12 d (n=20)" in texts and "median 70 d (n=20)" in texts
    assert any(ln.get_gid() == "jj-median" for ln in ax.lines)
    assert "Duration of pre-sentence detention" in ax.get_title(loc="left")


def test_pathway_uses_the_indicator_rows():
    rows = [
        ("JJ01", "numerator", 900, 100000), ("JJ10", "numerator", 300, 600),
        ("JJ04", "duration", 120, None), ("JJ09", "numerator", 60, 250),
    ]
    table = []
    for code, _, num, den in rows:
        r = {"country": "AAA", "period": "2024", "indicator": code, "group": "all",
             "numerator": str(num), "denominator": "" if den is None else str(den)}
        if code == "JJ04":
            r["value"] = "30"
        table.append(r)
    f = from_counts(pd.DataFrame(table))
    ax = charts.plot_pathway(f, "AAA")
    bars = [p for p in ax.patches if p.get_gid() == "jj-stage"]
    expected = stats.rate_ci(np.array([900, 300, 120, 250, 60]), np.full(5, 100000), 100_000)[0]
    assert [b.get_width() for b in bars] == pytest.approx(list(expected))
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Arrested", "Diverted", "Detained before sentence", "Sentenced", "Custodial sentence"]
    assert "JJ09 denominator" in charts.footnote_text(ax)


# --------------------------------------------------------------------------- pixel baselines

BASELINES = {
    "comparison_JJ09": lambda f: charts.plot_comparison(f, "JJ09"),
    "policy_matrix": lambda f: charts.plot_policy_matrix(f[f["country"] < "C08"]),
    "core_panel": lambda f: charts.plot_core_panel(f[f["country"] < "C08"])[0],
}


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_pixel_baseline(name, frame, tmp_path):
    """Regenerate with JJ_UPDATE_BASELINES=1 after an intended change (and look at them)."""
    fig = BASELINES[name](frame).get_figure(root=True)
    actual = tmp_path / f"{name}.png"
    with charts.style():
        fig.savefig(actual, dpi=60)
    expected = BASELINE / f"{name}.png"
    if os.environ.get("JJ_UPDATE_BASELINES"):
        BASELINE.mkdir(exist_ok=True)
        expected.write_bytes(actual.read_bytes())
    assert expected.is_file(), f"missing baseline {expected}"
    result = compare_images(str(expected), str(actual), tol=6)
    assert result is None, result


def test_durations_with_every_band_suppressed_still_draws():
    d = pd.DataFrame({
        "country": "AAA", "indicator": "JJ05", "dimension": "total", "group": "all",
        "statistic": ["n", "median", "band_0_89", "band_90_179", "band_180_364",
                      "band_365_729", "band_730_plus"],
        "value": [7.0, 241.0] + [np.nan] * 5,
    })
    ax = charts.plot_durations(d, "JJ05")  # warnings are errors here: no empty legend
    assert len(ax.get_legend().get_texts()) == 6  # five bands and "suppressed bands"
    rest = [p for p in ax.patches if p.get_gid() == "jj-band-suppressed"]
    assert len(rest) == 1 and rest[0].get_width() == pytest.approx(100)
    assert "Bands suppressed by disclosure control" in charts.footnote_text(ax)
    assert "median 241 d (n=7)" in [t.get_text() for t in ax.texts]
