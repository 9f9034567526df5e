"""The drawing kit every chart uses: the colours and markers, new figures, titles, number
formats, and the marks (dots with whiskers, hollow flagged values, suppressed cells).

One style for every figure (``styles/jj.mplstyle``): Okabe-Ito colours (colour-blind safe),
with a second cue (marker shape per source family, hollow markers for flagged values), DejaVu
Sans. Figures are built as :class:`.display.ChartFigure` (a Matplotlib figure, no pyplot), so
they are safe on any backend and in threads, are freed when no longer referenced, and show
themselves in Jupyter.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..registry import IndicatorSpec, flag_spec, hollow_flags, load_definitions
from .display import ChartAxes, ChartFigure, style

__all__ = [
    "BAND_COLOURS",
    "FOOT_FONTSIZE",
    "GREY",
    "OKABE_ITO",
    "REGION_COLOURS",
    "REGION_MARKERS",
    "ROW_HEIGHT",
    "SUPPRESSED_NOTE",
    "SUPPRESSED_TEXT",
    "cell_text",
    "census",
    "draw_dots",
    "family_label",
    "family_style",
    "flags_of",
    "fmt",
    "is_hollow",
    "is_percent",
    "is_suppressed",
    "mark_suppressed",
    "name_unit",
    "new_axes",
    "row_positions",
    "set_title",
    "spec_of",
    "style",
]

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
REGION_COLOURS = [OKABE_ITO[k] for k in (
    "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black")]
REGION_MARKERS = ["o", "s", "D", "^", "v", "P", "X"]
GREY = "#777777"
# Ordered duration bands, light to dark (viridis samples, colour-blind safe).
BAND_COLOURS = ["#FDE725", "#7AD151", "#22A884", "#2A788E", "#414487", "#440154"]

SUPPRESSED_TEXT = flag_spec("suppressed").label_words()
"""The words drawn in place of a suppressed value (the flag's declared label)."""
SUPPRESSED_NOTE = flag_spec("suppressed").chart_words()
"""The footnote words that introduce the suppressed cells (the flag's declared chart words)."""

ROW_HEIGHT = 0.22  # inches per country row
FOOT_FONTSIZE = 6.5


# --------------------------------------------------------------------------- style, figures


def new_axes(width: float, height: float) -> Axes:
    """Axes on a new figure of that size (inches), constrained layout; the footnote may use
    the whole figure's width. The figure shows itself in Jupyter (:class:`ChartFigure`)."""
    fig = ChartFigure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.06, w_pad=0.06)
    ax = fig.add_subplot(axes_class=ChartAxes)
    ax._jj_own_figure = True  # the footnote may use the whole figure's width
    return ax


def set_title(ax: Axes, text: str, **kwargs) -> None:
    """Title wrapped to the Axes' width (titles of panels in a grid must not collide)."""
    fig = ax.get_figure(root=True)
    width_in = fig.get_figwidth() * ax.get_position().width
    chars = max(24, int(width_in * 72 / (10 * 0.62)))
    ax.set_title("\n".join(textwrap.wrap(text, chars)), **kwargs)


def cell_text(dim: str | None, group: str) -> str:
    """The cell named in a title (nothing for the total)."""
    if group == "all":
        return ""
    return f", {dim or 'group'} {group}"


def fmt(v: float) -> str:
    """A value for display: no decimals from 100, one from 10, else two."""
    if not np.isfinite(v):
        return ""
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


# --------------------------------------------------------------------------- what a row is


def flags_of(s: str) -> set[str]:
    """The flag codes of a ``flags`` cell (``a;b``)."""
    return {c for c in str(s).split(";") if c}


def is_hollow(flags: str) -> bool:
    """Whether a value with these flags is drawn hollow (a flag declared ``hollow``)."""
    return bool(flags_of(flags) & hollow_flags().keys())


def is_suppressed(flags: str) -> bool:
    """Whether disclosure control hid the value (flag ``suppressed``)."""
    return "suppressed" in flags_of(flags)


def hidden_rows(rows: pd.DataFrame) -> pd.Series:
    """Boolean mask of the rows whose value disclosure control hid (empty value, flag
    ``suppressed``); a boolean even when there are no rows."""
    return rows["value"].isna() & rows["flags"].map(is_suppressed).astype(bool)


def spec_of(code: str) -> IndicatorSpec | None:
    """The declared indicator of that code (None for a code only published, e.g. a
    TransMonEE series)."""
    return next((s for s in load_definitions() if s.id == code), None)


def census(code: str) -> bool:
    """Whether the indicator describes the census day."""
    spec = spec_of(code)
    return spec.frame == "census" if spec else False


def name_unit(code: str, rows: pd.DataFrame | None = None) -> tuple[str, str]:
    """Name and unit of an indicator: declared, else those of its first row, else the code."""
    spec = spec_of(code)
    if spec is not None:
        return spec.name, spec.unit
    if rows is not None and len(rows):
        r = rows.iloc[0]
        return (str(r.get("indicator_name") or code), str(r.get("unit") or ""))
    return code, ""


def is_percent(unit: str) -> bool:
    return unit == "percent"


def family_style(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Colour and marker per source family (computed figures first, then by name), so the
    same source looks the same in every chart drawn from one results frame."""
    fam = frame[["_family", "origin"]].drop_duplicates("_family")
    fam = fam.assign(_o=(fam["origin"] != "records").astype(int)).sort_values(["_o", "_family"])
    nc, nm = len(REGION_COLOURS), len(REGION_MARKERS)
    return {f: (REGION_COLOURS[i % nc], REGION_MARKERS[i % nm])
            for i, f in enumerate(fam["_family"])}


def family_label(fam: str, frame: pd.DataFrame) -> str:
    """A source family in a legend, with the kind of figures it gives."""
    origin = frame.loc[frame["_family"] == fam, "origin"]
    kind = {"records": "computed from records", "counts": "aggregate counts",
            "published": "published"}.get(origin.iat[0] if len(origin) else "", "")
    return f"{fam} ({kind})" if kind and kind not in fam else fam


# --------------------------------------------------------------------------- marks


def row_positions(rows: pd.DataFrame, by_region: bool) -> tuple[np.ndarray, list, int]:
    """y of each row (top first) with a header slot before each region when grouped.

    Returns (y of rows, [(y, region) headers], number of slots)."""
    slots, headers, ys = 0, [], []
    last = None
    for reg in rows["region"]:
        if by_region and reg != last:
            headers.append((slots, reg))
            slots += 1
            last = reg
        ys.append(slots)
        slots += 1
    top = slots - 1
    return (np.array([top - v for v in ys], dtype=float),
            [(top - v, r) for v, r in headers], slots)


def draw_dots(ax: Axes, rows: pd.DataFrame, y: np.ndarray, colours: dict, *,
              markersize: float = 28) -> None:
    """Dots with interval whiskers, one collection per source family; hollow where flagged."""
    for family, (colour, marker) in colours.items():
        m = (rows["_family"] == family).to_numpy() & rows["value"].notna().to_numpy()
        if not m.any():
            continue
        sub = rows[m]
        v = sub["value"].to_numpy()
        lo = sub["ci_lower"].to_numpy()
        hi = sub["ci_upper"].to_numpy()
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.errorbar(v[ok], y[m][ok], xerr=[v[ok] - lo[ok], hi[ok] - v[ok]], fmt="none",
                        ecolor=colour, elinewidth=1.1, alpha=0.9, zorder=2)
        hollow = np.array([is_hollow(f) for f in sub["flags"]])
        face = [("white" if h else colour) for h in hollow]
        ax.scatter(v, y[m], s=markersize, marker=marker, facecolors=face, edgecolors=colour,
                   linewidths=1.2, zorder=3, label=family, gid="jj-markers")


def mark_suppressed(ax: Axes, ys: np.ndarray) -> None:
    """Rows whose value disclosure control hid: a hollow grey marker at the axis start and the
    words of :data:`SUPPRESSED_TEXT` (the value itself has no position)."""
    if len(ys) == 0:
        return
    ax.scatter(np.zeros(len(ys)), ys, s=28, facecolors="none", edgecolors=GREY,
               linewidths=1.0, clip_on=False, zorder=3, gid="jj-suppressed")
    for yi in ys:
        ax.text(0, yi, "   " + SUPPRESSED_TEXT, va="center", ha="left", fontsize=7,
                color=GREY, style="italic")
