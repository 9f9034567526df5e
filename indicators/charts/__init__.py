"""Cross-country comparison charts and country report figures.

Every ``plot_*`` function takes results (an indicators frame, or an object with
``.indicators``) and an optional Matplotlib ``ax``, draws, and returns the Axes (a list of
Axes for multi-panel figures). Charts never compute a statistic: values, intervals and flags
come from the results, and the few numbers a figure adds (the population-weighted median
line, the pathway's rates per 100,000 children) from :mod:`indicators.summaries`.

- :mod:`.kit`: the style, colours, new figures and the marks every chart uses;
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
from .kit import (
    FOOT_FONTSIZE,
    OKABE_ITO,
    ROW_HEIGHT,
    SUPPRESSED_NOTE,
    SUPPRESSED_TEXT,
    style,
)
from .notes import footnote_text
from .panels import plot_core_panel, plot_policy_matrix

__all__ = [
    "FOOT_FONTSIZE",
    "OKABE_ITO",
    "ROW_HEIGHT",
    "SUPPRESSED_NOTE",
    "SUPPRESSED_TEXT",
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
