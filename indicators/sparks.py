"""Word-sized inline SVG charts for the HTML views of tables (Jupyter ``_repr_html_``).

A table of results reads faster with a small picture beside each row: a dot for the value and a
whisker for its interval, on one scale per block of rows, or a bar for a count. These are drawn
as plain SVG text (no Matplotlib), so the result and validation objects can show them without
reaching up to the charts; they are self-contained and need no internet to display.

Colours follow the package's charts (Okabe-Ito blue; grey for what is not shown).
"""

from __future__ import annotations

import math

__all__ = ["bar_svg", "interval_svg"]

BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREY = "#999999"


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _x(value: float, scale_max: float, width: float, pad: float) -> float:
    return pad + (width - 2 * pad) * min(max(float(value) / scale_max, 0.0), 1.0)


def interval_svg(value, lower, upper, scale_max: float, *, hollow: bool = False,
                 width: int = 120, height: int = 14) -> str:
    """A value with its interval on a line from 0 to ``scale_max``.

    Parameters
    ----------
    value, lower, upper : float or None
        The value and its interval; a missing value draws nothing but the baseline.
    scale_max : float
        The right end of the scale (the largest upper bound of the block, or 100 for a
        percentage), so that rows of one block can be compared by eye.
    hollow : bool
        Draw the dot hollow (a flagged value, as the charts do).

    Returns
    -------
    str
        An ``<svg>`` element with a ``<title>`` stating the numbers (for screen readers).
    """
    pad = 3.0
    mid = height / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" style="vertical-align:middle">',
             f'<line x1="{pad}" y1="{mid}" x2="{width - pad}" y2="{mid}" stroke="#DDDDDD" '
             'stroke-width="1"/>']
    if not (_finite(value) and _finite(scale_max) and float(scale_max) > 0):
        parts.append("<title>no value</title></svg>")
        return "".join(parts)
    title = f"{float(value):,.4g}"
    if _finite(lower) and _finite(upper):
        x1, x2 = (_x(v, scale_max, width, pad) for v in (lower, upper))
        parts.append(f'<line x1="{x1:.1f}" y1="{mid}" x2="{x2:.1f}" y2="{mid}" stroke="{BLUE}" '
                     'stroke-width="1.6"/>')
        title += f" ({float(lower):,.4g} to {float(upper):,.4g})"
    cx = _x(value, scale_max, width, pad)
    fill = "white" if hollow else BLUE
    parts.append(f'<circle cx="{cx:.1f}" cy="{mid}" r="3" fill="{fill}" stroke="{BLUE}" '
                 'stroke-width="1.2"/>')
    parts.append(f"<title>{title}</title></svg>")
    return "".join(parts)


def bar_svg(count, max_count, *, error: bool = True, width: int = 90, height: int = 10) -> str:
    """A horizontal bar for a count, on a scale from 0 to ``max_count`` (vermillion for
    errors, grey for warnings)."""
    share = 0.0
    if _finite(count) and _finite(max_count) and float(max_count) > 0:
        share = min(max(float(count) / float(max_count), 0.0), 1.0)
    colour = VERMILLION if error else GREY
    bar = max(share * width, 1.0 if share > 0 else 0.0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'role="img" style="vertical-align:middle"><rect x="0" y="1" width="{bar:.1f}" '
            f'height="{height - 2}" fill="{colour}"/><title>{count}</title></svg>')
