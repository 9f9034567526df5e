"""Cross-country comparison charts and country report figures.

Every ``plot_*`` function takes results (an indicators frame, or an object with
``.indicators``) and an optional Matplotlib ``ax``, draws, and returns the Axes (a list of
Axes for multi-panel figures).

In Jupyter the returned Axes (or list) shows the whole figure as an image, pyplot imported or
not: a chart ending a cell is displayed, ``ax.figure.savefig(...)`` writes it
(:mod:`.display`: :class:`ChartFigure`, :class:`ChartAxes`, :class:`ChartPanels`). Given an
``ax`` of your own, a chart draws there and returns it; your figure displays as it always
does (pyplot's inline backend, or a :class:`ChartFigure` you made).

Charts never compute a statistic: values, intervals and flags come from the results, and the
few numbers a figure adds (the population-weighted median line, the pathway's rates per
100,000 children) from :mod:`indicators.summaries`.

- :mod:`.display`: the style, and figures that show themselves in Jupyter;
  :mod:`.kit`: colours, new figures and the marks every chart uses;
  :mod:`.notes`: footnotes, labels and caveat numbering.
- :mod:`.comparison`: :func:`plot_comparison`, :func:`plot_trend` (one indicator, many
  countries).
- :mod:`.panels`: :func:`plot_core_panel`, :func:`plot_policy_matrix` (many indicators).
- :mod:`.country`: :func:`plot_disaggregation`, :func:`plot_durations`,
  :func:`plot_pathway` (one country).
"""

from __future__ import annotations

from .comparison import plot_comparison, plot_trend
from .country import plot_disaggregation, plot_durations, plot_pathway
from .display import ChartAxes, ChartFigure, ChartPanels, style
from .kit import FOOT_FONTSIZE, OKABE_ITO, ROW_HEIGHT, SUPPRESSED_NOTE, SUPPRESSED_TEXT
from .notes import footnote_text
from .panels import plot_core_panel, plot_policy_matrix

__all__ = [
    "FOOT_FONTSIZE",
    "OKABE_ITO",
    "ROW_HEIGHT",
    "SUPPRESSED_NOTE",
    "SUPPRESSED_TEXT",
    "ChartAxes",
    "ChartFigure",
    "ChartPanels",
    "footnote_text",
    "plot_comparison",
    "plot_core_panel",
    "plot_disaggregation",
    "plot_durations",
    "plot_pathway",
    "plot_policy_matrix",
    "plot_trend",
    "style",
]
