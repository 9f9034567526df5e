"""Footnotes and labels: what every figure says under it and beside its rows.

Every figure carries a footnote: flagged values (small numbers, suppressed, definition
differs), countries with no value ("not available: ..."), period or census date, sources and
the caveats of the rows drawn (numbered once, ``[n]`` after the country's name). The
footnote is wrapped to the figure's width, and its height sets the figure's.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

import pandas as pd
from matplotlib.axes import Axes

from ..counts import CAVEAT_SEPARATOR
from ..registry import hollow_flags
from ..summaries import source_family
from .kit import FOOT_FONTSIZE, flags_of

__all__ = [
    "caveat_notes",
    "country_caveats",
    "flag_lines",
    "fmt_date",
    "footnote_height",
    "footnote_text",
    "labels_of",
    "names",
    "period_line",
    "place_footnote",
    "source_line",
    "wrap",
]


# --------------------------------------------------------------------------- placing the note


def wrap(lines: Iterable[str], width_in: float, fontsize: float = FOOT_FONTSIZE) -> str:
    """Footnote lines wrapped to a width in inches, continuation lines indented."""
    chars = max(40, int(width_in * 72 / (fontsize * 0.56)))
    out = []
    for line in lines:
        if line:
            out.extend(textwrap.wrap(line, chars, subsequent_indent="   ",
                                     break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


def footnote_height(lines: list[str], width_in: float) -> float:
    """Inches the wrapped footnote takes (added to the figure's height)."""
    text = wrap(lines, width_in)
    return 0.12 * (text.count("\n") + 1) if text else 0.0


def place_footnote(ax: Axes, lines: list[str]) -> None:
    """Footnote under the figure (own figure) or under the Axes' x label (caller's Axes)."""
    lines = [ln for ln in lines if ln]
    if not lines:
        return
    fig = ax.get_figure(root=True)
    if getattr(ax, "_jj_own_figure", False):
        text = wrap(lines, fig.get_figwidth())
        fig.supxlabel(text, x=0.01, ha="left", fontsize=FOOT_FONTSIZE, color="#333333",
                      linespacing=1.25)
        fig._jj_footnote = text
    else:
        width = fig.get_figwidth() * ax.get_position().width
        text = wrap(lines, max(width, 3.0))
        ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label),
                    xytext=(0, -4), textcoords="offset points", ha="left", va="top",
                    fontsize=FOOT_FONTSIZE, color="#333333", linespacing=1.25,
                    annotation_clip=False, gid="jj-footnote")
    ax._jj_footnote = text


def footnote_text(ax: Axes) -> str:
    """The footnote drawn for an Axes by a ``plot_*`` function ('' when none).

    Read from the drawn text artists (the figure's bottom label or the Axes' annotation).
    """
    fig = ax.get_figure(root=True)
    parts = [t.get_text() for t in ax.texts if t.get_gid() == "jj-footnote"]
    sup = getattr(fig, "_supxlabel", None)
    if sup is not None and sup.get_text():
        parts.append(sup.get_text())
    return "\n".join(parts)


# --------------------------------------------------------------------------- labels, caveats


def names(items: Sequence[str], limit: int = 14) -> str:
    """Names joined by commas, the rest counted ("and 3 more")."""
    items = list(dict.fromkeys(items))
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def labels_of(rows: pd.DataFrame) -> pd.Series:
    """Country names; a country shown from two sources gets the source in brackets."""
    country_names = rows["country_name"].astype(str)
    dup = country_names.duplicated(keep=False)
    short = [source_family(s, r) for s, r in zip(rows["source"], rows["region"], strict=True)]
    out = country_names.copy()
    for i, (is_dup, sh) in enumerate(zip(dup, short, strict=True)):
        if is_dup and sh:
            out.iat[i] = f"{country_names.iat[i]} ({sh})"
    dup2 = out.duplicated(keep=False)
    out = out.where(~dup2, out + " " + rows["period_end"].dt.year.astype("string"))
    return out


def caveat_notes(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Number each caveat sentence once: (label suffixes per row, footnote lines)."""
    per_row = [[c.strip() for c in str(cv).split(CAVEAT_SEPARATOR) if c.strip()]
               for cv in rows["caveats"]]
    n = len(per_row)
    counts: dict[str, int] = {}
    for cs in per_row:
        for c in dict.fromkeys(cs):
            counts[c] = counts.get(c, 0) + 1
    common = [c for c, k in counts.items() if k == n and n > 1]
    numbers: dict[str, int] = {}
    suffixes = []
    for cs in per_row:
        nums = []
        for c in cs:
            if c in common:
                continue
            if c not in numbers:
                numbers[c] = len(numbers) + 1
            nums.append(numbers[c])
        suffixes.append(f" [{','.join(map(str, sorted(set(nums))))}]" if nums else "")
    lines = []
    if common:
        lines.append("All: " + " ".join(common))
    if numbers:
        lines.append("Notes: " + " ".join(f"[{k}] {c}" for c, k in numbers.items()))
    return suffixes, lines


def country_caveats(rows: pd.DataFrame, countries: Iterable[str]) -> pd.DataFrame:
    """Every caveat sentence of each country's rows, once, in the order of ``countries``."""
    def join(values) -> str:
        parts = (c.strip() for v in values for c in str(v).split(CAVEAT_SEPARATOR))
        return CAVEAT_SEPARATOR.join(dict.fromkeys(c for c in parts if c))

    by = rows.groupby("country")["caveats"].agg(join) if len(rows) else pd.Series(dtype=str)
    return pd.DataFrame({"caveats": [by.get(c, "") for c in countries]})


# --------------------------------------------------------------------------- footnote lines


def fmt_date(ts) -> str:
    """ISO date ('' when missing)."""
    return "" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def period_line(rows: pd.DataFrame, census: bool) -> str:
    """"Period: ..." (or "Census day: ..."), the most common first, others with countries."""
    if rows.empty:
        return ""
    if census:
        key = rows["census_date"].map(fmt_date)
        head = "Census day"
    else:
        key = rows["period_start"].map(fmt_date) + " to " + rows["period_end"].map(fmt_date)
        head = "Period"
    groups = rows.groupby(key.to_numpy(), sort=False)["country"].apply(list)
    if len(groups) == 1:
        return f"{head}: {groups.index[0]}."
    groups = groups.loc[groups.map(len).sort_values(ascending=False).index]
    parts = []
    for i, (k, cs) in enumerate(groups.items()):
        parts.append(f"{k} ({len(cs)})" if i == 0 else f"{k}: {names(cs, 8)}")
    return f"{head}: " + "; ".join(parts) + "."


def source_line(rows: pd.DataFrame) -> str:
    """Every source once; a family of many similar sources (one per dataset) in one item."""
    parts = []
    fams = rows.groupby("_family", sort=False)["source"].agg(
        lambda s: [x for x in dict.fromkeys(s) if x]) if len(rows) else {}
    for fam, srcs in (fams.items() if len(rows) else []):
        if len(srcs) > 2:
            parts.append(f"{srcs[0][:70]}{'...' if len(srcs[0]) > 70 else ''} and "
                         f"{len(srcs) - 1} similar ({fam})")
        else:
            parts.extend(srcs)
    if (rows["origin"] == "records").any():
        parts.append("computed from individual records with jj-indicators")
    return "Sources: " + "; ".join(parts) + "." if parts else ""


def flag_lines(rows: pd.DataFrame, labels: pd.Series) -> list[str]:
    """"Hollow markers = flagged values; <flag words>: <labels>; ..." (none when no flag)."""
    lines = []
    parts = []
    for flag, words in hollow_flags().items():
        has = [lab for lab, fl in zip(labels, rows["flags"], strict=True) if flag in flags_of(fl)]
        if has:
            parts.append(f"{words}: {names(has, 10)}")
    if parts:
        lines.append("Hollow markers = flagged values; " + "; ".join(parts) + ".")
    return lines
