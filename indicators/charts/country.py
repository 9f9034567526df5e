"""Figures of one country: an indicator by sex and age group, the lengths of detention and the
pathway through the justice system.

The pathway's rates and intervals come from :func:`indicators.summaries.pathway_summary`; the
other figures draw the values, intervals and statistics of the results as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import summaries
from ..registry import declaration, hollow_flags, load_definitions
from .comparison import plot_comparison
from .kit import (
    BAND_COLOURS,
    OKABE_ITO,
    census,
    flags_of,
    fmt,
    hidden_rows,
    is_hollow,
    is_percent,
    is_suppressed,
    mark_suppressed,
    name_unit,
    new_axes,
    set_title,
    style,
)
from .notes import (
    caveat_notes,
    footnote_height,
    names,
    period_line,
    place_footnote,
    source_line,
)

__all__ = ["plot_disaggregation", "plot_durations", "plot_pathway"]

_DIMENSION_WORDS = {"sex": "Sex", "age_group": "Age group", "offence": "Offence",
                    "facility_type": "Facility type", "legal_status": "Legal status",
                    "area": "Area", "total": "Total"}


def _dimension_words(dimension: str) -> str:
    return _DIMENSION_WORDS.get(dimension, dimension)


# --------------------------------------------------------------------------- disaggregation


def _disaggregation_notes(rows: pd.DataFrame, indicator: str) -> list[str]:
    """Footnote lines: flagged groups, groups with no value (and why), period, source."""
    valued = rows[rows["value"].notna()]
    lines = []
    words = hollow_flags()
    flagged = [f"{_dimension_words(r.dimension)} {r.group}: "
               + ", ".join(words[f] for f in flags_of(r.flags) if f in words)
               for r in valued.itertuples() if flags_of(r.flags) & set(words)]
    if flagged:
        lines.append("Hollow markers = flagged values; " + "; ".join(flagged) + ".")
    na = rows[rows["value"].isna()]
    if len(na):
        parts = []
        for r in na.itertuples():
            why = ("suppressed" if is_suppressed(r.flags)
                   else f"count {r.numerator:.0f}, no population" if np.isfinite(r.numerator)
                   else "not available")
            parts.append(f"{_dimension_words(r.dimension)} {r.group} ({why})")
        lines.append("Not available: " + "; ".join(parts) + ".")
    lines.append(period_line(rows.iloc[:1], census(indicator)))
    lines.append(source_line(rows.iloc[:1]))
    _, caveat_lines = caveat_notes(rows.iloc[:1])
    lines.extend(caveat_lines)
    lines.append("Whiskers: confidence intervals as computed (95 % by default). A group's rate "
                 "uses that group's population.")
    return lines


def _draw_groups(ax: Axes, shown: pd.DataFrame, y: np.ndarray, sup: np.ndarray,
                 order: dict) -> None:
    """Dots with whiskers, one colour per dimension; suppressed groups marked."""
    dims = shown["dimension"].to_numpy()
    colour_of = {d: list(OKABE_ITO.values())[i % 7] for i, d in enumerate(order)}
    for d in order:
        m = (dims == d) & ~sup
        if not m.any():
            continue
        sub = shown[m]
        v, lo, hi = (sub[c].to_numpy() for c in ("value", "ci_lower", "ci_upper"))
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.errorbar(v[ok], y[m][ok], xerr=[v[ok] - lo[ok], hi[ok] - v[ok]], fmt="none",
                        ecolor=colour_of[d], elinewidth=1.2)
        hollow = [is_hollow(f) for f in sub["flags"]]
        ax.scatter(v, y[m], s=34, color=colour_of[d], zorder=3, gid="jj-markers",
                   facecolors=["white" if h else colour_of[d] for h in hollow],
                   edgecolors=colour_of[d], label=_dimension_words(d))
    mark_suppressed(ax, y[sup])
    for i in range(1, len(shown)):
        if dims[i] != dims[i - 1]:
            ax.axhline(y[i] + 0.5, color="#BBBBBB", lw=0.6)


def plot_disaggregation(results, indicator: str, *, country: str | None = None,
                        dimensions: Sequence[str] = ("sex", "age_group"),
                        group: str | None = None, period=None,
                        ax: Axes | None = None) -> Axes:
    """One indicator by sex and by age group for one country, or one group across countries.

    With ``country``: the total and each group of ``dimensions`` for that country's latest (or
    chosen) period, dots with whiskers; groups with no value (e.g. sex U, age unknown, which
    have no population) are listed in the footnote with their count. With ``group`` instead:
    :func:`plot_comparison` of that group across countries.
    """
    if country is None:
        if group is None:
            raise ValueError("give a country, or a group to compare across countries")
        dim = dimensions[0] if len(dimensions) == 1 else None
        return plot_comparison(results, indicator, group=group, dimension=dim, period=period,
                               ax=ax, weighted_median=False)
    frame = summaries.results_frame(results)
    rows = frame[(frame["indicator"] == indicator) & (frame["country"] == country)]
    rows = rows[rows["_family"] == summaries.primary_sources(rows).get(country, "")]
    rows = summaries.latest_rows(rows, ["dimension", "group"], period)
    rows = rows[rows["dimension"].isin(["total", *dimensions])]
    order = {d: i for i, d in enumerate(["total", *dimensions])}
    rows = rows.assign(_d=rows["dimension"].map(order)).sort_values(["_d"], kind="stable")
    name, unit = name_unit(indicator, rows)
    cname = rows["country_name"].iat[0] if len(rows) else country
    valued = rows[rows["value"].notna()]
    lines = _disaggregation_notes(rows, indicator)
    is_sup = hidden_rows(rows)
    shown = rows[rows["value"].notna() | is_sup]
    sup = is_sup[shown.index].to_numpy()
    with style():
        n = len(shown)
        own = ax is None
        if own:
            width = 7.5
            ax = new_axes(width, 1.5 + 0.26 * max(n, 3) + footnote_height(lines, width))
        y = np.arange(n)[::-1].astype(float)
        _draw_groups(ax, shown, y, sup, order)
        ax.set_yticks(y, [("all children" if r.group == "all" else
                           f"{_dimension_words(r.dimension)}: {r.group}")
                          for r in shown.itertuples()])
        ax.set_ylim(-0.7, max(n, 1) - 0.3)
        ax.grid(axis="y", visible=False)
        xmax = np.nanmax(np.r_[valued["ci_upper"].to_numpy(), valued["value"].to_numpy(), 1.0])
        ax.set_xlim(0, 100 if is_percent(unit) and xmax > 60 else xmax * 1.06)
        ax.set_xlabel(unit)
        by = " and ".join(_dimension_words(d).lower() for d in dimensions)
        set_title(ax, f"{name} ({indicator})" + (f" by {by}: {cname}" if own else ""))
        place_footnote(ax, lines)
    return ax


# --------------------------------------------------------------------------- durations


def _band_label(stat: str) -> str:
    parts = stat.split("_")[1:]
    if parts[-1] == "plus":
        return f"{parts[0]}+ days"
    return f"{parts[0]}-{parts[1]} days"


def _duration_table(durations, indicator: str, countries) -> tuple:
    """The total statistics of each country's latest period, wide (one row per country), and
    the bands (from the statistics themselves: a band hidden everywhere is still a band)."""
    d = getattr(durations, "durations", durations)
    d = d.copy()
    d["value"] = pd.to_numeric(d["value"], errors="coerce")
    d = d[(d["indicator"] == indicator) & (d["dimension"] == "total") & (d["group"] == "all")]
    if countries is not None:
        d = d[d["country"].isin(countries)]
    if "period_end" in d.columns:
        d = d.assign(period_end=pd.to_datetime(d["period_end"], errors="coerce"))
        last = d.groupby("country")["period_end"].transform("max")
        d = d[d["period_end"] == last]
    wide = d.pivot_table(index="country", columns="statistic", values="value", aggfunc="first")
    bands = sorted({str(c) for c in d["statistic"] if str(c).startswith("band_")},
                   key=lambda s: int(s.split("_")[1]))
    wide = wide.reindex(columns=list(dict.fromkeys([*wide.columns, *bands])))
    return d, wide, bands


def _duration_notes(d: pd.DataFrame, empty: list, hidden: list, partial: list) -> list[str]:
    lines = ["Bars: share of the detention periods that ended in the reference period, by length "
             "(days); the dashed line at 50 % is where each median lies; median days and n at "
             "right."]
    if empty:
        lines.append(f"Not available (no periods ended in the period): {names(empty)}.")
    if hidden:
        lines.append(f"Not available (suppressed or not given): {names(hidden)}.")
    if partial:
        lines.append("Bands suppressed by disclosure control are drawn together, hatched grey, "
                     f"as the rest of n: {names(partial)}.")
    if "period_end" in d.columns and "period_start" in d.columns and len(d):
        ps = pd.to_datetime(d["period_start"], errors="coerce")
        per = sorted(set(ps.dt.strftime("%Y-%m-%d") + " to "
                         + d["period_end"].dt.strftime("%Y-%m-%d")))
        lines.append("Period: " + "; ".join(per) + ".")
    lines.append("Sources: computed from individual records (jj-indicators).")
    return lines


def _draw_bands(ax: Axes, has: pd.DataFrame, bands: list[str], y: np.ndarray,
                partial: list) -> None:
    """Stacked shares of the cohort n per band, the suppressed rest hatched, medians."""
    n = len(has)
    counts = has[bands].fillna(0).to_numpy(dtype=float) if n else np.zeros((0, len(bands)))
    # Shares of the cohort n (display scaling only), so that suppressed bands leave a gap
    # of their own instead of inflating the published ones.
    cohort = has["n"].to_numpy(dtype=float) if "n" in has.columns else np.full(n, np.nan)
    tot = np.where(np.isfinite(cohort) & (cohort > 0), cohort, counts.sum(axis=1))[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(tot > 0, 100 * counts / tot, 0.0)
    left = np.zeros(n)
    for k, b in enumerate(bands):
        ax.barh(y, share[:, k], left=left, height=0.62,
                color=BAND_COLOURS[k % len(BAND_COLOURS)], edgecolor="white",
                linewidth=0.5, label=_band_label(b), gid="jj-band")
        left += share[:, k]
    rest = np.clip(100 - left, 0, None)
    if partial and (rest > 0).any():
        ax.barh(y, rest, left=left, height=0.62, color="#e4e4e4", hatch="///",
                edgecolor="white", linewidth=0.5, label="suppressed bands",
                gid="jj-band-suppressed")
    ax.axvline(50, color="black", ls="--", lw=1, gid="jj-median")
    for yi, (_, r) in zip(y, has.iterrows(), strict=True):
        med = r.get("median", np.nan)
        ax.text(101.5, yi, f"median {med:.0f} d (n={r.get('n', np.nan):.0f})", va="center",
                ha="left", fontsize=7.5, clip_on=False)


def plot_durations(durations, indicator: str | None = None, *,
                   countries: Sequence[str] | None = None, names: dict | None = None,
                   ax: Axes | None = None) -> Axes:
    """Duration bands (e.g. JJ04, JJ05) as stacked bars per country, the median marked.

    Parameters
    ----------
    durations : DataFrame or object with ``.durations``
        The durations frame (country, indicator, dimension, group, statistic, value, period_*).
    indicator : str, optional
        A duration indicator, e.g. ``JJ04`` (pre-sentence) or ``JJ05`` (sentenced); default
        the first duration indicator of the declaration.
    names : dict, optional
        Country code to display name.

    Notes
    -----
    Bars show each band's share of the cohort (band count / sum of the band counts, a display
    scaling, not a statistic); by definition the median lies where the bar crosses 50 %,
    marked by the dashed line; the median in days and n are written beside each bar.
    """
    if indicator is None:
        indicator = next(s.id for s in load_definitions() if s.kind == "duration")
    d, wide, bands = _duration_table(durations, indicator, countries)
    name, _ = name_unit(indicator)
    names = names or {}
    n_col = wide["n"] if "n" in wide.columns else wide[bands].sum(axis=1)
    has = wide[(n_col > 0)] if len(wide) else wide
    empty = [names.get(c, c) for c in wide.index if c not in has.index and n_col.get(c) == 0]
    hidden = [names.get(c, c) for c in wide.index if c not in has.index and c not in empty]
    has = has.assign(_m=has.get("median")).sort_values("_m", ascending=True, na_position="first")
    partial = [names.get(c, c) for c in has.index if has.loc[c, bands].isna().any()]
    lines = _duration_notes(d, empty, hidden, partial)
    with style():
        n = len(has)
        if ax is None:
            width = 8.6
            ax = new_axes(width, 1.8 + 0.3 * max(n, 2) + footnote_height(lines, width))
        y = np.arange(n)[::-1].astype(float)
        _draw_bands(ax, has, bands, y, partial)
        ax.set_yticks(y, [names.get(c, c) for c in has.index])
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.7, max(n, 1) - 0.3)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("percent of detention periods, by length in days (median marked)")
        width_in = ax.get_figure(root=True).get_figwidth() * ax.get_position().width
        entries = len(bands) + (1 if partial else 0)
        ncols = max(1, min(entries, int(width_in / 1.25)))
        legend_rows = -(-entries // ncols) if n and bands else 0
        if legend_rows:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncols=ncols,
                      borderaxespad=0, handlelength=1.2, columnspacing=1.0)
        ax.set_title(f"{name} ({indicator})", pad=8 + 13 * legend_rows)
        place_footnote(ax, lines)
    return ax


# --------------------------------------------------------------------------- pathway

_STAGE_COLOURS = [OKABE_ITO[k] for k in ("blue", "bluish_green", "orange", "reddish_purple",
                                         "vermillion")]


def _pathway_notes(summary: pd.DataFrame, rows: pd.DataFrame) -> list[str]:
    """Footnote lines: what each stage counts, stages not available, small counts, period,
    source, caveats and the intervals."""
    stages = declaration().pathway
    population = summaries.population_indicators()
    counts = summary["count"].to_numpy(dtype=float)
    level = float(summary["confidence_level"].iat[0]) if len(summary) else 0.95
    lines = ["Counts: " + "; ".join(f"{p.label.lower()} = {p.source}" for p in stages)
             + ". Each divided by the child population aged 0-17 "
             f"({population[0] if population else 'population'} denominator) x 100,000."]
    na = [s for s, c in zip(summary["stage"], counts, strict=True) if not np.isfinite(c)]
    if na:
        lines.append(f"Not available: {', '.join(na)}.")
    if np.isfinite(counts).any() and np.nanmin(counts) < 5:
        lines.append("Hollow bars: fewer than 5 events (small numbers).")
    lines.append(period_line(rows.iloc[:1], False))
    lines.append(source_line(rows.iloc[:1]))
    _, caveat_lines = caveat_notes(rows.iloc[:1])
    lines.extend(caveat_lines)
    lines.append(f"Whiskers: exact Poisson {100 * level:g} % intervals.")
    return lines


def _draw_stages(ax: Axes, summary: pd.DataFrame, y: np.ndarray) -> None:
    """Bars (hollow under 5 events), whiskers and 'rate (count)' beside each bar."""
    counts, value, lo, hi = (summary[c].to_numpy(dtype=float)
                             for c in ("count", "value", "ci_lower", "ci_upper"))
    colours = [_STAGE_COLOURS[i % len(_STAGE_COLOURS)] for i in range(len(summary))]
    v = np.nan_to_num(value)
    small = np.isfinite(counts) & (counts < 5)
    ax.barh(y, v, height=0.6, color=[("white" if s else c) for s, c in
                                     zip(small, colours, strict=True)],
            edgecolor=colours, linewidth=1.2, gid="jj-stage")
    ok = np.isfinite(value) & np.isfinite(lo) & np.isfinite(hi)
    ax.errorbar(value[ok], y[ok], xerr=[value[ok] - lo[ok], hi[ok] - value[ok]], fmt="none",
                ecolor="#333333", elinewidth=1, capsize=2)
    xmax = np.nanmax(np.r_[hi[ok], 1.0]) if ok.any() else 1.0
    for yi, val, c, h in zip(y, value, counts, hi, strict=True):
        txt = "not available" if not np.isfinite(val) else f"{fmt(val)}  ({c:,.0f})"
        xpos = (h if np.isfinite(h) else 0) + xmax * 0.015
        ax.text(xpos, yi, txt, va="center", ha="left", fontsize=7.5)
    ax.set_xlim(0, xmax * 1.25)


def plot_pathway(results, country: str, *, period=None, summary: pd.DataFrame | None = None,
                 ax: Axes | None = None) -> Axes:
    """Children at each stage of the justice system, per 100,000 children, for one country.

    Parameters
    ----------
    results : DataFrame or object with ``.indicators``
        Results holding the country's total rows (for the footnote: period, source, caveats).
    country : str
        Country code.
    period : int or str, optional
        A year or an ISO period end (default each indicator's latest).
    summary : DataFrame, optional
        The stages to draw (:func:`indicators.summaries.pathway_summary`); computed from
        ``results`` when not given.
    ax : Axes, optional
        Draw here; by default a new figure.

    Notes
    -----
    The stages are declared in ``definitions.toml`` (``[[pathway_stage]]``: e.g. arrested =
    JJ01 numerator, sentenced = JJ09 denominator), each count divided by the child population
    with its exact Poisson interval (:func:`indicators.summaries.pathway_summary`).
    """
    if summary is None:
        summary = summaries.pathway_summary(results, country, period=period)
    rows = summaries.pathway_rows(summaries.results_frame(results), country, period)
    cname = rows["country_name"].iat[0] if len(rows) else country
    lines = _pathway_notes(summary, rows)
    with style():
        if ax is None:
            width = 8.0
            ax = new_axes(width, 3.0 + footnote_height(lines, width))
        y = np.arange(len(summary))[::-1].astype(float)
        _draw_stages(ax, summary, y)
        ax.set_yticks(y, list(summary["stage"]))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("per 100,000 children (count in brackets)")
        ax.set_title(f"Pathway through the justice system: {cname}")
        place_footnote(ax, lines)
    return ax
