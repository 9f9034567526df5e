"""Several indicators for every country at once: the core panel and the policy matrix.

Which indicators each figure holds is declared in ``definitions.toml`` (the roles
``core_panel`` and ``policy_matrix``), in its order; the rows come from
:mod:`indicators.summaries` (one source and period per country).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from .. import summaries
from ..registry import hollow_flags, with_role
from .display import ChartAxes, ChartFigure, ChartPanels
from .kit import (
    GREY,
    OKABE_ITO,
    ROW_HEIGHT,
    SUPPRESSED_NOTE,
    census,
    draw_dots,
    family_label,
    family_style,
    flags_of,
    hidden_rows,
    is_percent,
    is_suppressed,
    name_unit,
    new_axes,
    row_positions,
    set_title,
    style,
)
from .notes import (
    caveat_notes,
    country_caveats,
    footnote_height,
    names,
    period_line,
    place_footnote,
    source_line,
)

__all__ = ["plot_core_panel", "plot_policy_matrix"]


# --------------------------------------------------------------------------- core panel


def _core_countries(frame: pd.DataFrame, primary: dict, lead_rows: pd.DataFrame) -> pd.DataFrame:
    """Every country once, ordered by region (of its primary source), then by the lead
    indicator's value, then by name."""
    ent = frame.assign(_p=[0 if primary.get(c) == s else 1 for c, s in
                           zip(frame["country"], frame["_family"], strict=True)])
    ent = ent.sort_values("_p", kind="stable").drop_duplicates("country")[
        ["country", "country_name", "region"]]
    lead = lead_rows.set_index("country")["value"]
    return ent.assign(_v=ent["country"].map(lead).fillna(-1)).sort_values(
        ["region", "_v", "country_name"], ascending=[True, False, True])


def _core_notes(shown_rows: pd.DataFrame, lab: dict, lead: str) -> list[str]:
    """Footnote lines of the core panel before the caveats, and after them the whiskers."""
    lines = []
    flag_parts = []
    for flag, words in hollow_flags().items():
        has = [f"{lab[r.country]} ({r.indicator})" for r in shown_rows.itertuples()
               if flag in flags_of(r.flags)]
        if has:
            flag_parts.append(f"{words}: {names(has, 8)}")
    if flag_parts:
        lines.append("Hollow markers = flagged values; " + "; ".join(flag_parts) + ".")
    sup = [f"{lab[r.country]} ({r.indicator})" for r in shown_rows.itertuples()
           if is_suppressed(r.flags) and pd.isna(r.value)]
    if sup:
        lines.append(f"{SUPPRESSED_NOTE}: {names(sup, 12)}.")
    lines.append("n/a = not available for that country (no figure in the results).")
    lines.append(period_line(shown_rows[shown_rows["indicator"] == lead], census(lead)))
    lines.append(source_line(shown_rows))
    return lines


def _panel_grid(ax: Axes | None, ratios: list[float], width: float, height: float):
    """The figure and the grid of panels: a new figure, or the place of the caller's Axes."""
    if ax is None:
        fig = ChartFigure(figsize=(width, height), layout="constrained")
        fig.get_layout_engine().set(h_pad=0.06, w_pad=0.04)
        return fig, fig.add_gridspec(1, len(ratios), width_ratios=ratios, wspace=0.02), True
    fig = ax.get_figure(root=True)
    gs = ax.get_subplotspec().subgridspec(1, len(ratios), width_ratios=ratios)
    ax.remove()
    return fig, gs, False


def _draw_policy_strip(a: Axes, rows: pd.DataFrame, ypos: dict) -> None:
    """A policy answer per country: yes (green), no (vermillion), n/a (grey)."""
    a.set_xlim(0, 1)
    a.set_xticks([])
    a.grid(False)
    a.spines["bottom"].set_visible(False)
    for c, yv in ypos.items():
        r = rows[rows["country"] == c]
        v = r["value"].iat[0] if len(r) else np.nan
        text, col = ("yes", OKABE_ITO["bluish_green"]) if v == 1 else \
            ("no", OKABE_ITO["vermillion"]) if v == 0 else ("n/a", GREY)
        a.text(0.5, yv, text, ha="center", va="center", fontsize=7.5, color=col,
               fontweight="bold" if text != "n/a" else "normal")
    a.set_xlabel("yes/no")


def _draw_value_panel(a: Axes, rows: pd.DataFrame, ypos: dict, colours: dict,
                      unit: str) -> None:
    """Dots with whiskers per country; 'suppressed' or 'n/a' where there is no value."""
    yy = rows["country"].map(ypos).to_numpy(dtype=float)
    draw_dots(a, rows.reset_index(drop=True), yy, colours, markersize=20)
    have = set(rows.loc[rows["value"].notna(), "country"])
    hidden = set(rows.loc[hidden_rows(rows), "country"])
    for c, yv in ypos.items():
        if c not in have:
            a.text(0.02, yv, "suppressed" if c in hidden else "n/a",
                   transform=a.get_yaxis_transform(), va="center", fontsize=6.5,
                   color=GREY, style="italic" if c in hidden else "normal")
    xmax = np.nanmax(np.r_[rows["ci_upper"].to_numpy(), rows["value"].to_numpy(), 1])
    a.set_xlim(0, 100 if is_percent(unit) else xmax * 1.08)
    a.set_xlabel("\n".join(textwrap.wrap(unit, 18)))


def _label_rows(axes: list[Axes], ent: pd.DataFrame, suffixes: list[str], y, headers,
                slots: int) -> None:
    """Country labels (with caveat numbers) and bold region headers on the first panel;
    region rules across every panel."""
    lab = dict(zip(ent["country"], ent["country_name"], strict=True))
    axes[0].set_yticks(list(y) + [h for h, _ in headers],
                       [f"{lab[c]}{s}" for c, s in zip(ent["country"], suffixes, strict=True)]
                       + [r for _, r in headers])
    for t in axes[0].get_yticklabels()[len(ent):]:
        t.set_fontweight("bold")
    for a in axes:
        for h, _ in headers[1:]:
            a.axhline(h + 0.5, color="#BBBBBB", lw=0.6, zorder=1)
    axes[0].set_ylim(-0.7, slots - 0.3)


def plot_core_panel(results, *, period=None, countries: Sequence[str] | None = None,
                    ax: Axes | None = None) -> ChartPanels:
    """The core indicators as small multiples (e.g. JJ02, JJ03, JJ09, JJ10), a policy answer
    (e.g. JJ14) as a yes/no strip: the indicators with the role ``core_panel`` in
    ``definitions.toml``, in its order.

    One row per country (every country of the results; the computed figure is preferred over
    counts over published ones, then the latest period); a missing value is written ``n/a``.
    Countries are ordered by region, then by the first panel's value.

    Returns
    -------
    ChartPanels
        One panel (Axes) per core indicator, a list that shows the figure in Jupyter.
    """
    specs = with_role("core_panel")
    panel = [s.id for s in specs]
    kinds = {s.id: s.kind for s in specs}
    lead = next(c for c in panel if kinds[c] != "policy")
    frame = summaries.results_frame(results)
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
    colours = family_style(frame)
    total = frame[(frame["dimension"] == "total") & (frame["group"] == "all")]
    if period is not None:
        total = summaries.latest_rows(total, ["_entity", "indicator"], period)
    core_rows = total[total["indicator"].isin(panel)]
    primary = summaries.primary_sources(core_rows)
    per = {code: summaries.one_per_country(core_rows[core_rows["indicator"] == code], primary)
           for code in panel}
    ent = _core_countries(frame, primary, per[lead])
    y, headers, slots = row_positions(ent, True)
    ypos = dict(zip(ent["country"], y, strict=True))

    non_empty = [p for p in per.values() if len(p)]
    shown_rows = pd.concat(non_empty) if non_empty else core_rows.iloc[:0]
    lines = _core_notes(shown_rows, dict(zip(ent["country"], ent["country_name"], strict=True)),
                        lead)
    suffixes, caveat_lines = caveat_notes(country_caveats(shown_rows, ent["country"]))
    lines.extend(caveat_lines)
    lines.append("Whiskers: confidence intervals as computed (95 % by default).")

    ratios = [0.42 if kinds[c] == "policy" else 1 for c in panel]
    with style():
        width = 11.0
        height = 1.9 + ROW_HEIGHT * max(slots, 3) + footnote_height(lines, width)
        fig, gs, own = _panel_grid(ax, ratios, width, height)
        axes: list[Axes] = []
        for k, code in enumerate(panel):
            a = fig.add_subplot(gs[0, k], sharey=axes[0] if axes else None,
                                axes_class=ChartAxes)
            axes.append(a)
            rows = per[code]
            name, unit = name_unit(code, rows)
            rows = rows[rows["country"].isin(ypos)]
            policy = kinds[code] == "policy"
            a.set_title(f"{code}\n" + "\n".join(textwrap.wrap(name, 11 if policy else 16)),
                        fontsize=8, loc="left")
            if policy:
                _draw_policy_strip(a, rows, ypos)
            else:
                _draw_value_panel(a, rows, ypos, colours, unit)
            if k:
                a.tick_params(labelleft=False)
            a.grid(axis="y", visible=False)
        _label_rows(axes, ent, suffixes, y, headers, slots)
        handles = [Line2D([], [], ls="none", marker=mk, color=c, markersize=6,
                          label=family_label(f, frame)) for f, (c, mk) in colours.items()]
        axes[-1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.05, 1.0),
                        borderaxespad=0)
        if own:
            axes[0]._jj_own_figure = True
            fig.suptitle(f"Core juvenile justice indicators ({', '.join(panel)})",
                         x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        place_footnote(axes[0], lines)
    return ChartPanels(axes)


# --------------------------------------------------------------------------- policy matrix


def _policy_cell(code: str, answers: list[str], r: pd.DataFrame) -> tuple[str, str, str]:
    """Text, fill and text colour of one cell of the policy matrix."""
    v = r["value"].iat[0] if len(r) else np.nan
    if code not in answers:
        if np.isfinite(v):
            num, den = r["numerator"].iat[0], r["denominator"].iat[0]
            text = f"{v:.0f}%" + (f" ({num:.0f}/{den:.0f})" if np.isfinite(den) else "")
            return text, "#D4E6F4", "black"
        hidden = len(r) and is_suppressed(r["flags"].iat[0])
        return ("suppressed" if hidden else "not available"), "#EEEEEE", "#555555"
    if v == 1:
        return "yes", OKABE_ITO["bluish_green"], "white"
    if v == 0:
        return "no", OKABE_ITO["vermillion"], "white"
    return "not assessed", "#EEEEEE", "#555555"


def _draw_cells(ax: Axes, rows: pd.DataFrame, ent: pd.DataFrame, columns: list[str],
                answers: list[str]) -> None:
    for i, c in enumerate(ent["country"]):
        for j, code in enumerate(columns):
            r = rows[(rows["country"] == c) & (rows["indicator"] == code)]
            text, fill, tc = _policy_cell(code, answers, r)
            ax.add_patch(Rectangle((j + 0.04, i + 0.08), 0.92, 0.84, facecolor=fill,
                                   edgecolor="none", gid=f"cell-{c}-{code}"))
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=7.5, color=tc)


def plot_policy_matrix(results, *, countries: Sequence[str] | None = None,
                       ax: Axes | None = None) -> Axes:
    """Countries by policy indicators: the answers (e.g. JJ12a, JJ13a, JJ14, JJ15) as yes /
    no / not assessed, then the places covered (e.g. JJ12b, JJ13b: places inspected, places
    with a complaints mechanism) as percent: the indicators with the role ``policy_matrix``.

    Only countries with at least one of these indicators in the results are drawn; every cell
    carries its text, colour is a second cue (yes bluish green, no vermillion, grey = not
    assessed).
    """
    specs = with_role("policy_matrix")
    columns = [s.id for s in specs]
    answers = [s.id for s in specs if s.kind == "policy"]
    places = [s for s in specs if s.kind != "policy"]
    frame = summaries.results_frame(results)
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
    rows = frame[frame["indicator"].isin(columns) & (frame["group"] == "all")
                 & (frame["dimension"] == "total")]
    rows = pd.concat([summaries.one_per_country(rows[rows["indicator"] == c])
                      for c in columns]) if len(rows) else rows
    ent = rows.drop_duplicates("country")[["country", "country_name", "region"]] \
        .sort_values(["region", "country_name"])
    n = len(ent)
    lines = [
        "Yes/no: the country's answer to the policy question; not assessed = no answer given. "
        + "; ".join(f"{s.id}: {s.chart_note}" for s in places) + ".",
        period_line(rows[rows["indicator"].isin([s.id for s in places])],
                    any(s.frame == "census" for s in places)),
        source_line(rows),
    ]
    suffixes, caveat_lines = caveat_notes(country_caveats(rows, ent["country"]))
    lines.extend(caveat_lines)
    with style():
        if ax is None:
            width = 8.6
            ax = new_axes(width, 1.7 + 0.26 * max(n, 2) + footnote_height(lines, width))
        ax.set_xlim(0, len(columns))
        ax.set_ylim(n, 0)
        ax.grid(False)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        _draw_cells(ax, rows, ent, columns, answers)
        ax.set_yticks(np.arange(n) + 0.5,
                      [f"{nm}{s}" for nm, s in zip(ent["country_name"], suffixes, strict=True)])
        ax.xaxis.tick_top()
        ax.set_xticks(np.arange(len(columns)) + 0.5, [
            f"{code}\n" + "\n".join(textwrap.wrap(name_unit(code)[0], 16))
            for code in columns], fontsize=7)
        ax.tick_params(length=0)
        ax.set_xlabel("")
        set_title(ax, f"Policy indicators: systems in place ({', '.join(answers)}) and "
                      f"places covered ({', '.join(s.id for s in places)}, percent)", pad=8)
        ax.legend(handles=[Patch(color=OKABE_ITO["bluish_green"], label="yes"),
                           Patch(color=OKABE_ITO["vermillion"], label="no"),
                           Patch(color="#EEEEEE", label="not assessed / not available"),
                           Patch(color="#D4E6F4", label="percent of places")],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        place_footnote(ax, lines)
    return ax
