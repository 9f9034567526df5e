"""charts.country: disaggregation, durations and the pathway of one country (artists)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from chart_frames import comparison_frame, markers

from indicators import charts, stats, summaries
from indicators.counts import from_counts

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return comparison_frame()


def test_disaggregation_for_one_country_and_across_countries(frame):
    groups = [{"country": "AAA", "period": "2024", "indicator": "JJ02", "group": g,
               "numerator": n, "denominator": d}
              for g, n, d in [("all", "30", "100000"), ("F", "6", "48000"),
                              ("M", "23", "52000"), ("U", "1", ""), ("0-13", "0", "70000"),
                              ("14-15", "10", "15000"), ("16-17", "19", "15000")]]
    ax = charts.plot_disaggregation(from_counts(pd.DataFrame(groups)), "JJ02", country="AAA")
    assert markers(ax) == 6  # U has no population: listed, not drawn
    assert "Sex U (count 1, no population)" in " ".join(charts.footnote_text(ax).split())
    assert ax.get_xlabel() == "per 100,000 children"
    across = charts.plot_disaggregation(frame, "JJ09", group="all")
    assert markers(across) == 22


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
    # The default indicator is the first duration indicator of the declaration (JJ04).
    default = charts.plot_durations(d)
    assert default.get_title(loc="left") == ax.get_title(loc="left")


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


def _pathway_frame() -> pd.DataFrame:
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
    return from_counts(pd.DataFrame(table))


def test_pathway_uses_the_indicator_rows():
    f = _pathway_frame()
    ax = charts.plot_pathway(f, "AAA")
    bars = [p for p in ax.patches if p.get_gid() == "jj-stage"]
    expected = stats.rate_ci(np.array([900, 300, 120, 250, 60]), np.full(5, 100000), 100_000)[0]
    assert [b.get_width() for b in bars] == pytest.approx(list(expected))
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Arrested", "Diverted", "Detained before sentence", "Sentenced", "Custodial sentence"]
    assert "JJ09 denominator" in charts.footnote_text(ax)


def test_pathway_draws_the_summary_it_is_given():
    f = _pathway_frame()
    summary = summaries.pathway_summary(f, "AAA", confidence_level=0.9)
    summary.loc[0, ["value", "ci_lower", "ci_upper"]] = [500.0, 450.0, 550.0]
    ax = charts.plot_pathway(f, "AAA", summary=summary)
    bars = [p for p in ax.patches if p.get_gid() == "jj-stage"]
    assert bars[0].get_width() == 500.0
    assert "500  (900)" in [t.get_text() for t in ax.texts]
    assert "exact Poisson 90 % intervals" in " ".join(charts.footnote_text(ax).split())
