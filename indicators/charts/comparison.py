"""One indicator across countries: the ranked comparison and the trend over periods.

Both take results (an indicators frame, or an object with ``.indicators``) of any origin and
an optional Matplotlib ``ax``, draw, and return the Axes. The rows compared and the
population-weighted median come from :mod:`indicators.summaries`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .. import summaries
from ..summaries import ReferenceMedian
from .kit import (
    GREY,
    OKABE_ITO,
    REGION_MARKERS,
    ROW_HEIGHT,
    SUPPRESSED_NOTE,
    cell_text,
    census,
    draw_dots,
    family_label,
    family_style,
    fmt,
    hidden_rows,
    is_hollow,
    is_percent,
    is_suppressed,
    mark_suppressed,
    name_unit,
    new_axes,
    row_positions,
    set_title,
    style,
)
from .notes import (
    caveat_notes,
    flag_lines,
    fmt_date,
    footnote_height,
    labels_of,
    names,
    period_line,
    place_footnote,
    source_line,
)

__all__ = ["plot_comparison", "plot_trend"]

_WHISKERS = ("Whiskers: confidence intervals as computed (95 % by default; exact Poisson for "
             "rates, Wilson for percentages).")


# --------------------------------------------------------------------------- comparison


def _ranked(rows: pd.DataFrame, group_by_region: bool) -> pd.DataFrame:
    """Rows with a value or suppressed, ranked (by region first when grouped), ``_sup`` set."""
    is_sup = hidden_rows(rows)
    shown = rows[rows["value"].notna() | is_sup].assign(_sup=is_sup)
    sort_cols = (["region"] if group_by_region else []) + ["_sup", "value"]
    return shown.sort_values(sort_cols, ascending=[True] * (len(sort_cols) - 1) + [False],
                             kind="stable", na_position="last")


def _comparison_notes(rows: pd.DataFrame, shown: pd.DataFrame, labels: pd.Series,
                      absent: pd.DataFrame, indicator: str,
                      caveat_lines: list[str]) -> list[str]:
    """Footnote lines: flags, suppressed, not available, period, sources, caveats, whiskers."""
    sup = shown["_sup"].to_numpy()
    lines = flag_lines(shown[~sup], labels[~sup])
    if sup.any():
        lines.append(f"{SUPPRESSED_NOTE}: {names(labels[sup])}.")
    no_value = rows[rows["value"].isna() & ~rows["flags"].map(is_suppressed).astype(bool)]
    na = [f"{r.country_name}" for r in no_value.itertuples()] + list(absent["country_name"])
    if na:
        lines.append(f"Not available: {names(na, 30)}.")
    lines.append(period_line(shown, census(indicator)))
    lines.append(source_line(shown))
    lines.extend(caveat_lines)
    lines.append(_WHISKERS)
    return lines


def _ranked_with_notes(rows: pd.DataFrame, all_countries: pd.DataFrame, indicator: str,
                       group_by_region: bool) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The rows drawn (ranked), their tick labels (caveat numbers appended) and the footnote
    lines (written first: the footnote's height sets the figure's)."""
    shown = _ranked(rows, group_by_region)
    labels = labels_of(shown) if len(shown) else pd.Series([], dtype=str)
    suffixes, caveat_lines = caveat_notes(shown)
    tick_labels = [f"{lab}{suf}" for lab, suf in zip(labels, suffixes, strict=True)]
    absent = all_countries[~all_countries["country"].isin(rows["country"])]
    lines = _comparison_notes(rows, shown, labels, absent, indicator, caveat_lines)
    return shown, tick_labels, lines


def _set_value_limits(ax: Axes, valued: pd.DataFrame, benchmarks: pd.DataFrame | None,
                      unit: str) -> None:
    """From 0 to past the highest bound or benchmark; 0-100 for percentages above 60."""
    xmax = np.nanmax(np.r_[valued["ci_upper"].to_numpy(), valued["value"].to_numpy(), 1.0])
    if benchmarks is not None and len(benchmarks):
        xmax = max(xmax, float(np.nanmax(benchmarks["value"])))
    ax.set_xlim(0, 100 if is_percent(unit) and xmax > 60 else xmax * 1.06)


def _draw_ranked_rows(ax: Axes, shown: pd.DataFrame, tick_labels: list[str],
                      group_by_region: bool, colours: dict) -> None:
    """Dots, suppressed marks, country labels and region headers (bold, with rules)."""
    y, headers, slots = row_positions(shown, group_by_region)
    sup = shown["_sup"].to_numpy()
    draw_dots(ax, shown[~shown["_sup"]], y[~sup], colours)
    mark_suppressed(ax, y[sup])
    ticks = list(y) + [h for h, _ in headers]
    texts = tick_labels + [r for _, r in headers]
    ax.set_yticks(ticks, texts)
    for lab in ax.get_yticklabels()[len(y):]:
        lab.set_fontweight("bold")
    for h, _ in headers[1:]:
        ax.axhline(h + 0.5, color="#BBBBBB", lw=0.6, zorder=1)
    ax.set_ylim(-0.7, slots - 0.3 if slots else 0.5)
    ax.grid(axis="y", visible=False)


def _draw_context_lines(ax: Axes, median: ReferenceMedian | None,
                        benchmarks: pd.DataFrame | None) -> list[Line2D]:
    """The median (dashed) and benchmark (dotted) lines; their legend handles."""
    handles = []
    if median is not None and median.drawn:
        ax.axvline(median.value, color="black", ls="--", lw=1, zorder=1, gid="jj-median")
        handles.append(Line2D([], [], color="black", ls="--", lw=1,
                              label=f"population-weighted median\n({fmt(median.value)}, "
                                    f"{median.countries} countries)"))
    if benchmarks is not None and len(benchmarks):
        for _, b in benchmarks.iterrows():
            ax.axvline(b["value"], color=GREY, ls=":", lw=1, zorder=1, gid="jj-benchmark")
        handles.append(Line2D([], [], color=GREY, ls=":", lw=1,
                              label="regional benchmarks:\n" + "\n".join(
                                  f"{b['label']} {fmt(b['value'])}"
                                  for _, b in benchmarks.iterrows())))
    return handles


def _family_handles(valued: pd.DataFrame, frame: pd.DataFrame, colours: dict) -> list[Line2D]:
    """Legend entries of the source families drawn, and of hollow markers when any."""
    handles = [Line2D([], [], ls="none", marker=mk, color=c, markersize=6,
                      label=family_label(f, frame))
               for f, (c, mk) in colours.items() if f in set(valued["_family"])]
    if valued["flags"].map(lambda f: is_hollow(f)).any():
        handles.append(Line2D([], [], ls="none", marker="o", markerfacecolor="white",
                              color=GREY, markersize=6, label="hollow: flagged (see note)"))
    return handles


def plot_comparison(results, indicator: str, *, dimension: str | None = None,
                    group: str = "all", period=None, group_by_region: bool = True,
                    weighted_median: bool = True, median: ReferenceMedian | None = None,
                    benchmarks: pd.DataFrame | None = None,
                    countries: Sequence[str] | None = None, title: str | None = None,
                    xlabel: str | None = None, ax: Axes | None = None) -> Axes:
    """Ranked comparison of one indicator across countries.

    Parameters
    ----------
    results : DataFrame or object with ``.indicators``
        Rows of the indicators frame (computed, imported counts, published figures).
    indicator : str
        Indicator id, e.g. ``"JJ02"`` (or another code of the results, e.g. a published
        quantity such as ``TM_SENTENCING``).
    dimension, group : str
        The cell shown (default the total, ``total``/``all``); e.g. ``group="F"``.
    period : int or str, optional
        A year or an ISO period end; default the latest period of each country and source.
    group_by_region : bool
        Rank within regions (blocks) rather than across all countries.
    weighted_median : bool
        Draw the population-weighted median line.
    median : ReferenceMedian, optional
        The median to draw; by default that of the rows drawn
        (:func:`indicators.summaries.median_of_rows`, weights = child population of each
        country: the rate's denominator or the country's population indicator's).
    benchmarks : DataFrame, optional
        Context lines: columns ``label`` and ``value`` (in the indicator's unit).
    countries : sequence of str, optional
        Country codes to show (default all in the results).
    title : str, optional
        Overrides the title (default the indicator's name from its definition).
    xlabel : str, optional
        Overrides the axis label (default the indicator's unit), e.g. for published figures
        with another population base.
    ax : Axes, optional
        Draw here; by default a new figure sized to the number of countries.

    Returns
    -------
    Axes
        One marker per country with a value (``gid='jj-markers'`` collections), whiskers from
        ``ci_lower``/``ci_upper`` (``ax.containers``), the unit as x label, the footnote as a
        text artist (:func:`footnote_text`).
    """
    frame = summaries.results_frame(results)
    all_countries = frame[["country", "country_name"]].drop_duplicates("country")
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
        all_countries = all_countries[all_countries["country"].isin(countries)]
    rows = summaries.comparison_rows(frame, indicator, dimension=dimension, group=group,
                                     period=period)
    name, unit = name_unit(indicator, rows)
    colours = family_style(frame)
    shown, tick_labels, lines = _ranked_with_notes(rows, all_countries, indicator,
                                                   group_by_region)
    valued = shown[~shown["_sup"]]
    if weighted_median and median is None:
        median = summaries.median_of_rows(frame, valued)
    with style():
        if ax is None:
            width = 8.6
            n_slots = len(shown) + (shown["region"].nunique() if group_by_region else 0)
            height = 1.5 + ROW_HEIGHT * max(n_slots, 3) + footnote_height(lines, width)
            ax = new_axes(width, height)
        _draw_ranked_rows(ax, shown, tick_labels, group_by_region, colours)
        handles = _draw_context_lines(ax, median if weighted_median else None, benchmarks)
        _set_value_limits(ax, valued, benchmarks, unit)
        ax.set_xlabel(xlabel or unit)
        dim = dimension or ("total" if group == "all" else None)
        set_title(ax, title or f"{name} ({indicator})" + cell_text(dim, group))
        ax.legend(handles=_family_handles(valued, frame, colours) + handles, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        place_footnote(ax, lines)
    return ax


# --------------------------------------------------------------------------- trend


def _trend_notes(rows: pd.DataFrame, census_day: bool) -> list[str]:
    """Footnote lines of a trend: flags, not available, periods, sources, caveats."""
    _, caveat_lines = caveat_notes(rows)
    lines = flag_lines(rows, rows["country_name"])
    na = rows.loc[rows["value"].isna(), ["country_name", "period_end"]]
    if len(na):
        lines.append("Not available: " + names(
            [f"{r.country_name} {r.period_end.year}" for r in na.itertuples()], 20) + ".")
    periods = rows.drop_duplicates(["period_start", "period_end"])
    lines.append("Periods: " + ", ".join(
        f"{fmt_date(a)} to {fmt_date(b)}" for a, b in
        zip(periods["period_start"], periods["period_end"], strict=True)) + "."
        + (" Census day: the period end unless stated." if census_day else ""))
    lines.append(source_line(rows))
    lines.extend(caveat_lines)
    lines.append("Whiskers: confidence intervals as computed (95 % by default).")
    return lines


def _draw_trend_lines(ax: Axes, rows: pd.DataFrame, keys: list, labels: dict,
                      xcol: str) -> None:
    """One line per entity with whiskers; flagged values hollow."""
    palette = list(OKABE_ITO.values())[:7]
    markers = REGION_MARKERS
    for k, key in enumerate(keys):
        sub = rows[rows["_entity"] == key]
        colour, marker = palette[k % len(palette)], markers[(k // len(palette)) % len(markers)]
        x = sub[xcol].to_numpy()
        v = sub["value"].to_numpy()
        lo, hi = sub["ci_lower"].to_numpy(), sub["ci_upper"].to_numpy()
        ok = np.isfinite(v) & np.isfinite(lo) & np.isfinite(hi)
        ax.plot(x, v, color=colour, marker=marker, markersize=5, label=labels[key],
                gid="jj-trend")
        if ok.any():
            ax.errorbar(x[ok], v[ok], yerr=[v[ok] - lo[ok], hi[ok] - v[ok]], fmt="none",
                        ecolor=colour, elinewidth=1, capsize=3)
        hollow = np.array([is_hollow(f) for f in sub["flags"]])
        if hollow.any():
            ax.scatter(x[hollow], v[hollow], s=30, marker=marker, facecolors="white",
                       edgecolors=colour, zorder=4)


def _period_ticks(ax: Axes, rows: pd.DataFrame, xcol: str) -> None:
    """At most about eight period ticks (years when every period ends on 31 December)."""
    xs = sorted(pd.to_datetime(rows[xcol].dropna().unique()))
    if xs:
        yearly = all(x.month == 12 and x.day == 31 for x in xs)
        step = max(1, len(xs) // 8)
        ax.set_xticks(xs[::step], [x.strftime("%Y" if yearly else "%Y-%m-%d")
                                   for x in xs[::step]])
        pad = pd.Timedelta(days=120)
        ax.set_xlim(xs[0] - pad, xs[-1] + pad)


def plot_trend(results, indicator: str, *, countries: Sequence[str] | None = None,
               dimension: str | None = None, group: str = "all",
               ax: Axes | None = None) -> Axes:
    """An indicator over reference periods for chosen countries, with interval whiskers.

    The x axis is the period end (the census day for census indicators); one line per country
    (and source).
    """
    frame = summaries.results_frame(results)
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
    dim = dimension or ("total" if group == "all" else None)
    rows = frame[(frame["indicator"] == indicator) & (frame["group"] == group)]
    if dim:
        rows = rows[rows["dimension"] == dim]
    rows = rows.sort_values("period_end")
    name, unit = name_unit(indicator, rows)
    census_day = census(indicator)
    xcol = "census_date" if census_day else "period_end"
    keys = list(dict.fromkeys(rows["_entity"]))
    firsts = rows.drop_duplicates("_entity")
    labels = dict(zip(firsts["_entity"], labels_of(firsts), strict=True))
    lines = _trend_notes(rows, census_day)
    with style():
        if ax is None:
            width = 8.6
            ax = new_axes(width, 4.0 + footnote_height(lines, width))
        _draw_trend_lines(ax, rows, keys, labels, xcol)
        ax.set_ylabel(unit)
        ax.set_xlabel("census day" if census_day else "end of the reference period")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", visible=True)
        single = f": {labels[keys[0]]}" if len(keys) == 1 else ""
        set_title(ax, f"{name} ({indicator}) over time" + cell_text(dim, group) + single)
        if len(keys) > 1:  # one line needs no legend: the title names the country
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        _period_ticks(ax, rows, xcol)
        ax.grid(axis="x", visible=False)
        place_footnote(ax, lines)
    return ax
