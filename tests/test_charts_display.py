"""charts.display: every figure the package returns shows itself in Jupyter (PNG and SVG),
through IPython's own display machinery, with no registration and no pyplot."""

from __future__ import annotations

import io
import subprocess
import sys

import matplotlib
import pandas as pd
import pytest
from chart_frames import comparison_frame
from conftest import counts_table
from IPython.core.formatters import DisplayFormatter
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from indicators import charts, report
from indicators.charts import display
from indicators.counts import from_counts

matplotlib.use("Agg")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return comparison_frame()


def _shown(obj) -> tuple[dict, dict]:
    """What a notebook receives for ``obj`` as a cell's last expression."""
    return DisplayFormatter().format(obj)


def _assert_image_bundle(data: dict, metadata: dict, fig: Figure) -> None:
    png = data["image/png"]
    assert png.startswith(PNG)
    width, height = display._png_size(png)
    # Twice the figure's pixels, shown at its size: sharp on high-density screens.
    assert (width, height) == (round(2 * fig.get_figwidth() * fig.dpi),
                               round(2 * fig.get_figheight() * fig.dpi))
    assert metadata["image/png"] == {"width": width // 2, "height": height // 2}
    svg = data["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<text" not in svg  # glyphs as paths: the same look without the font


def test_a_chart_shows_its_figure(frame):
    ax = charts.plot_comparison(frame, "JJ09")
    assert isinstance(ax, Axes) and isinstance(ax, charts.ChartAxes)
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure) and isinstance(fig, charts.ChartFigure)
    data, metadata = _shown(ax)
    _assert_image_bundle(data, metadata, fig)
    data, metadata = _shown(fig)
    _assert_image_bundle(data, metadata, fig)


@pytest.mark.parametrize("draw", [
    lambda f: charts.plot_trend(f, "JJ02"),
    lambda f: charts.plot_policy_matrix(f),
    lambda f: charts.plot_disaggregation(f, "JJ09", group="all"),
    lambda f: charts.plot_pathway(f, "C01"),
], ids=["trend", "policy_matrix", "disaggregation", "pathway"])
def test_every_chart_returns_a_displayable_axes(frame, draw):
    ax = draw(frame)
    assert isinstance(ax, charts.ChartAxes)
    assert {"image/png", "image/svg+xml"} <= set(_shown(ax)[0])


def test_the_core_panel_is_a_list_that_shows_its_figure(frame):
    panels = charts.plot_core_panel(frame)
    assert isinstance(panels, list) and isinstance(panels, charts.ChartPanels)
    assert all(isinstance(a, charts.ChartAxes) for a in panels)
    assert panels.figure is panels[0].get_figure(root=True)
    data, metadata = _shown(panels)
    _assert_image_bundle(data, metadata, panels.figure)


def test_report_figures_show_themselves():
    fig = report.indicator_table_figure(from_counts(counts_table()), "AAA")
    assert isinstance(fig, charts.ChartFigure)
    assert {"image/png", "image/svg+xml"} <= set(_shown(fig)[0])


def test_formats_follow_include_exclude_and_the_figure_setting(frame):
    ax = charts.plot_comparison(frame, "JJ09")
    fig = ax.get_figure(root=True)
    data, _ = ax._repr_mimebundle_(include={"image/png"})
    assert list(data) == ["image/png"]
    data, _ = ax._repr_mimebundle_(exclude={"image/png"})
    assert list(data) == ["image/svg+xml"]
    fig.display_formats = ("png",)
    assert list(ax._repr_mimebundle_()[0]) == ["image/png"]
    png, md = ax._repr_png_()
    assert png.startswith(PNG) and md["width"] == round(fig.get_figwidth() * fig.dpi)
    with pytest.raises(ValueError, match="cannot display"):
        display.render(fig, "gif")


def test_showing_a_figure_does_not_change_it(frame):
    def saved(fig) -> bytes:
        buf = io.BytesIO()
        with charts.style():
            fig.savefig(buf, format="png", dpi=100)
        return buf.getvalue()

    never_shown = charts.plot_comparison(frame, "JJ09").get_figure(root=True)
    shown = charts.plot_comparison(frame, "JJ09")
    _shown(shown)
    assert saved(shown.get_figure(root=True)) == saved(never_shown)


def test_importing_the_package_imports_no_pyplot_and_registers_nothing():
    # Without IPython imported, nothing can have been registered with it: the figures carry
    # their display themselves.
    code = (
        "import sys\n"
        "import indicators.charts, indicators.report\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "assert 'IPython' not in sys.modules, 'IPython imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
