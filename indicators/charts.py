"""Cross-country comparison charts and country report figures.

Every function takes results (an indicators frame, or an object with ``.indicators``) and an
optional Matplotlib ``ax``, draws, and returns the Axes (a list of Axes for multi-panel
figures). Charts never compute a statistic: values, intervals and flags come from the results;
the population-weighted median line calls :func:`indicators.stats.weighted_median`, and the
pathway's per-100,000 figures call :func:`indicators.stats.rate_ci`.

One style for every figure (``styles/jj.mplstyle``): Okabe-Ito colours (colour-blind safe),
with a second cue (marker shape per region, hollow markers for flagged values), DejaVu Sans.
Figures are built with :class:`matplotlib.figure.Figure` (no pyplot), so they are safe on any
backend and in threads, and are freed when no longer referenced.

Every figure carries a footnote: flagged values (small numbers, suppressed, definition
differs), countries with no value ("not available: ..."), period or census date, sources and
the caveats of the rows drawn (numbered once, ``[n]`` after the country's name).
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterable, Sequence
from importlib import resources

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from . import stats
from .counts import CAVEAT_SEPARATOR
from .registry import (
    IndicatorSpec,
    declaration,
    flag_spec,
    hollow_flags,
    load_definitions,
    with_role,
)

__all__ = [
    "OKABE_ITO",
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
_REGION_COLOURS = [OKABE_ITO[k] for k in (
    "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black")]
_REGION_MARKERS = ["o", "s", "D", "^", "v", "P", "X"]
_GREY = "#777777"
# Ordered duration bands, light to dark (viridis samples, colour-blind safe).
_BAND_COLOURS = ["#FDE725", "#7AD151", "#22A884", "#2A788E", "#414487", "#440154"]

SUPPRESSED_TEXT = flag_spec("suppressed").label_words()
"""The words drawn in place of a suppressed value (the flag's declared label)."""
SUPPRESSED_NOTE = flag_spec("suppressed").chart_words()

ROW_HEIGHT = 0.22  # inches per country row
FOOT_FONTSIZE = 6.5


# --------------------------------------------------------------------------- style and helpers


@contextlib.contextmanager
def style():
    """Context manager applying the package's chart style (``styles/jj.mplstyle``)."""
    path = resources.files(__package__).joinpath("styles", "jj.mplstyle")
    with resources.as_file(path) as p, mpl.rc_context(fname=str(p)):
        yield


def _frame(results) -> pd.DataFrame:
    frame = getattr(results, "indicators", results)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("results must be an indicators DataFrame or have an .indicators frame")
    f = frame.copy()
    for col in ("country_name", "region", "source", "caveats", "flags", "indicator_name",
                "origin", "census_date"):
        if col not in f.columns:
            f[col] = ""
        f[col] = f[col].astype("string").fillna("")
    f["country_name"] = f["country_name"].where(f["country_name"] != "", f["country"])
    f["origin"] = f["origin"].replace("", "records")
    for col in ("value", "numerator", "denominator", "ci_lower", "ci_upper"):
        f[col] = pd.to_numeric(f[col], errors="coerce").astype(float)
    for col in ("period_start", "period_end", "census_date"):
        f[col] = pd.to_datetime(f[col].astype("string").replace("", None), errors="coerce")
    f["census_date"] = f["census_date"].fillna(f["period_end"])
    f["region"] = f["region"].replace("", "Region not given")
    fam = [_short_source(src, reg) or org for src, reg, org in
           zip(f["source"], f["region"], f["origin"], strict=True)]
    f["_family"] = pd.Series(fam, index=f.index, dtype="string")
    f["_entity"] = f["country"].astype("string") + "|" + f["_family"]
    return f


def _flags(s: str) -> set[str]:
    return {c for c in str(s).split(";") if c}


def _is_hollow(flags: str) -> bool:
    """Whether a value with these flags is drawn hollow (a flag declared ``hollow``)."""
    return bool(_flags(flags) & hollow_flags().keys())


def _spec(code: str) -> IndicatorSpec | None:
    """The declared indicator of that code (None for a code only published, e.g. a
    TransMonEE series)."""
    return next((s for s in load_definitions() if s.id == code), None)


def _census(code: str) -> bool:
    spec = _spec(code)
    return spec.frame == "census" if spec else False


def _name_unit(code: str, rows: pd.DataFrame | None = None) -> tuple[str, str]:
    spec = _spec(code)
    if spec is not None:
        return spec.name, spec.unit
    if rows is not None and len(rows):
        r = rows.iloc[0]
        return (str(r.get("indicator_name") or code), str(r.get("unit") or ""))
    return code, ""


def _is_percent(unit: str) -> bool:
    return unit == "percent"


def _short_source(source: str, region: str) -> str:
    """A short name of the source family: the region's bracket ('UNODC', 'synthetic'), else
    the source up to its first comma or bracket."""
    region, source = str(region), str(source)
    if "(" in region and region.endswith(")"):
        return region[region.rindex("(") + 1:-1]
    if source:
        return source.split(",")[0].split(" (")[0][:28].strip()
    return ""


def _mark_suppressed(ax: Axes, ys: np.ndarray) -> None:
    """Rows whose value disclosure control hid: a hollow grey marker at the axis start and the
    words of :data:`SUPPRESSED_TEXT` (the value itself has no position)."""
    if len(ys) == 0:
        return
    ax.scatter(np.zeros(len(ys)), ys, s=28, facecolors="none", edgecolors=_GREY,
               linewidths=1.0, clip_on=False, zorder=3, gid="jj-suppressed")
    for yi in ys:
        ax.text(0, yi, "   " + SUPPRESSED_TEXT, va="center", ha="left", fontsize=7,
                color=_GREY, style="italic")


def _new_axes(width: float, height: float) -> Axes:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.06, w_pad=0.06)
    ax = fig.add_subplot()
    ax._jj_own_figure = True  # the footnote may use the whole figure's width
    return ax


def _wrap(lines: Iterable[str], width_in: float, fontsize: float = FOOT_FONTSIZE) -> str:
    chars = max(40, int(width_in * 72 / (fontsize * 0.56)))
    out = []
    for line in lines:
        if line:
            out.extend(textwrap.wrap(line, chars, subsequent_indent="   ",
                                     break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


def _footnote_height(lines: list[str], width_in: float) -> float:
    text = _wrap(lines, width_in)
    return 0.12 * (text.count("\n") + 1) if text else 0.0


def _place_footnote(ax: Axes, lines: list[str]) -> None:
    """Footnote under the figure (own figure) or under the Axes' x label (caller's Axes)."""
    lines = [ln for ln in lines if ln]
    if not lines:
        return
    fig = ax.get_figure(root=True)
    if getattr(ax, "_jj_own_figure", False):
        text = _wrap(lines, fig.get_figwidth())
        fig.supxlabel(text, x=0.01, ha="left", fontsize=FOOT_FONTSIZE, color="#333333",
                      linespacing=1.25)
        fig._jj_footnote = text
    else:
        width = fig.get_figwidth() * ax.get_position().width
        text = _wrap(lines, max(width, 3.0))
        ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label),
                    xytext=(0, -4), textcoords="offset points", ha="left", va="top",
                    fontsize=FOOT_FONTSIZE, color="#333333", linespacing=1.25,
                    annotation_clip=False, gid="jj-footnote")
    ax._jj_footnote = text


def _set_title(ax: Axes, text: str, **kwargs) -> None:
    """Title wrapped to the Axes' width (titles of panels in a grid must not collide)."""
    fig = ax.get_figure(root=True)
    width_in = fig.get_figwidth() * ax.get_position().width
    chars = max(24, int(width_in * 72 / (10 * 0.62)))
    ax.set_title("\n".join(textwrap.wrap(text, chars)), **kwargs)


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


def _names(items: Sequence[str], limit: int = 14) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def _latest(rows: pd.DataFrame, keys: Sequence[str], period=None) -> pd.DataFrame:
    """One row per key: the chosen period, else the latest period_end."""
    if period is not None:
        p = str(period)
        if len(p) == 4:
            rows = rows[rows["period_end"].dt.year == int(p)]
        else:
            rows = rows[rows["period_end"] == pd.Timestamp(p)]
    rows = rows.sort_values("period_end", kind="stable")
    return rows.drop_duplicates(list(keys), keep="last")


def _prefer_one_per_country(rows: pd.DataFrame, primary: dict | None = None) -> pd.DataFrame:
    """One row per country: the country's primary source if given, else records before counts
    before published figures; then rows with a value, then the latest period."""
    order = {"records": 0, "counts": 1, "published": 2}
    r = rows.assign(_o=rows["origin"].map(order).fillna(1),
                    _has=rows["value"].notna() | rows["flags"].str.contains("suppressed"))
    if primary:
        r["_p"] = [0 if primary.get(c) == s else 1 for c, s in zip(r["country"], r["_family"],
                                                                  strict=True)]
    else:
        r["_p"] = 0
    r = r.sort_values(["country", "_p", "_has", "_o", "period_end"],
                      ascending=[True, True, False, True, False], kind="stable")
    return r.drop_duplicates("country").drop(columns=["_o", "_has", "_p"])


def _primary_sources(rows: pd.DataFrame) -> dict[str, str]:
    """Per country, the source giving most of the rows with a value (records first)."""
    order = {"records": 0, "counts": 1, "published": 2}
    r = rows[rows["value"].notna()]
    g = r.groupby(["country", "_family"], sort=False).agg(
        n=("indicator", "nunique"), o=("origin", lambda s: order.get(s.iloc[0], 1)),
        last=("period_end", "max")).reset_index()
    g = g.sort_values(["country", "o", "n", "last"], ascending=[True, True, False, False])
    first = g.drop_duplicates("country")
    return dict(zip(first["country"], first["_family"], strict=True))


def _labels(rows: pd.DataFrame) -> pd.Series:
    """Country names; a country shown from two sources gets the source in brackets."""
    names = rows["country_name"].astype(str)
    dup = names.duplicated(keep=False)
    short = [_short_source(s, r) for s, r in zip(rows["source"], rows["region"], strict=True)]
    out = names.copy()
    for i, (is_dup, sh) in enumerate(zip(dup, short, strict=True)):
        if is_dup and sh:
            out.iat[i] = f"{names.iat[i]} ({sh})"
    dup2 = out.duplicated(keep=False)
    out = out.where(~dup2, out + " " + rows["period_end"].dt.year.astype("string"))
    return out


def _caveat_notes(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
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


def _country_caveats(rows: pd.DataFrame, countries: Iterable[str]) -> pd.DataFrame:
    """Every caveat sentence of each country's rows, once, in the order of ``countries``."""
    def join(values) -> str:
        parts = (c.strip() for v in values for c in str(v).split(CAVEAT_SEPARATOR))
        return CAVEAT_SEPARATOR.join(dict.fromkeys(c for c in parts if c))

    by = rows.groupby("country")["caveats"].agg(join) if len(rows) else pd.Series(dtype=str)
    return pd.DataFrame({"caveats": [by.get(c, "") for c in countries]})


def _fmt_date(ts) -> str:
    return "" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def _period_line(rows: pd.DataFrame, census: bool) -> str:
    if rows.empty:
        return ""
    if census:
        key = rows["census_date"].map(_fmt_date)
        head = "Census day"
    else:
        key = rows["period_start"].map(_fmt_date) + " to " + rows["period_end"].map(_fmt_date)
        head = "Period"
    groups = rows.groupby(key.to_numpy(), sort=False)["country"].apply(list)
    if len(groups) == 1:
        return f"{head}: {groups.index[0]}."
    groups = groups.loc[groups.map(len).sort_values(ascending=False).index]
    parts = []
    for i, (k, cs) in enumerate(groups.items()):
        parts.append(f"{k} ({len(cs)})" if i == 0 else f"{k}: {_names(cs, 8)}")
    return f"{head}: " + "; ".join(parts) + "."


def _source_line(rows: pd.DataFrame) -> str:
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


def _flag_lines(rows: pd.DataFrame, labels: pd.Series) -> list[str]:
    lines = []
    parts = []
    for flag, words in hollow_flags().items():
        has = [lab for lab, fl in zip(labels, rows["flags"], strict=True) if flag in _flags(fl)]
        if has:
            parts.append(f"{words}: {_names(has, 10)}")
    if parts:
        lines.append("Hollow markers = flagged values; " + "; ".join(parts) + ".")
    return lines


def _family_style(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Colour and marker per source family (computed figures first, then by name), so the
    same source looks the same in every chart drawn from one results frame."""
    fam = frame[["_family", "origin"]].drop_duplicates("_family")
    fam = fam.assign(_o=(fam["origin"] != "records").astype(int)).sort_values(["_o", "_family"])
    nc, nm = len(_REGION_COLOURS), len(_REGION_MARKERS)
    return {f: (_REGION_COLOURS[i % nc], _REGION_MARKERS[i % nm])
            for i, f in enumerate(fam["_family"])}


def _family_label(fam: str, frame: pd.DataFrame) -> str:
    origin = frame.loc[frame["_family"] == fam, "origin"]
    kind = {"records": "computed from records", "counts": "aggregate counts",
            "published": "published"}.get(origin.iat[0] if len(origin) else "", "")
    return f"{fam} ({kind})" if kind and kind not in fam else fam


def _row_positions(rows: pd.DataFrame, by_region: bool) -> tuple[np.ndarray, list, int]:
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


def _population_indicators() -> list[str]:
    """Indicators whose denominator is the child population (JJ01, JJ02, JJ03), in order."""
    return [s.id for s in load_definitions() if s.denominator_source == "child_population"]


def _population_weights(frame: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Child population of each row: its own denominator for a per-100,000-children rate,
    else the denominator of the country's JJ02 (or JJ01) total for the same period."""
    pop_rows = frame[(frame["unit"] == "per 100,000 children")
                     & frame["indicator"].isin(_population_indicators())
                     & (frame["group"] == "all") & frame["denominator"].notna()]
    lookup = {(r.country, r.period_end): r.denominator for r in pop_rows.itertuples()}
    any_period = {r.country: r.denominator for r in pop_rows.sort_values("period_end").itertuples()}
    out = []
    for r in rows.itertuples():
        if r.unit == "per 100,000 children" and r.group == "all" and pd.notna(r.denominator):
            out.append(r.denominator)
        else:
            out.append(lookup.get((r.country, r.period_end), any_period.get(r.country, np.nan)))
    return np.asarray(out, dtype=float)


def _draw_dots(ax: Axes, rows: pd.DataFrame, y: np.ndarray, colours: dict, *,
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
        hollow = np.array([_is_hollow(f) for f in sub["flags"]])
        face = [("white" if h else colour) for h in hollow]
        ax.scatter(v, y[m], s=markersize, marker=marker, facecolors=face, edgecolors=colour,
                   linewidths=1.2, zorder=3, label=family, gid="jj-markers")


# --------------------------------------------------------------------------- comparison


def plot_comparison(
    results,
    indicator: str,
    *,
    dimension: str | None = None,
    group: str = "all",
    period=None,
    group_by_region: bool = True,
    weighted_median: bool = True,
    benchmarks: pd.DataFrame | None = None,
    countries: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
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
        Draw the population-weighted median (:func:`stats.weighted_median`, weights = child
        population of each country: the rate's denominator or the country's JJ02 denominator).
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
    frame = _frame(results)
    all_countries = frame[["country", "country_name"]].drop_duplicates("country")
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
        all_countries = all_countries[all_countries["country"].isin(countries)]
    dim = dimension or ("total" if group == "all" else None)
    rows = frame[(frame["indicator"] == indicator) & (frame["group"] == group)]
    if dim:
        rows = rows[rows["dimension"] == dim]
    rows = _latest(rows, ["_entity"], period)
    name, unit = _name_unit(indicator, rows)
    colours = _family_style(frame)

    is_sup = rows["value"].isna() & rows["flags"].map(lambda f: "suppressed" in _flags(f))
    no_value = rows[rows["value"].isna() & ~is_sup]
    absent = all_countries[~all_countries["country"].isin(rows["country"])]
    shown = rows[rows["value"].notna() | is_sup].assign(_sup=is_sup)
    sort_cols = (["region"] if group_by_region else []) + ["_sup", "value"]
    shown = shown.sort_values(sort_cols, ascending=[True] * (len(sort_cols) - 1) + [False],
                              kind="stable", na_position="last")
    valued = shown[~shown["_sup"]]
    suppressed = shown[shown["_sup"]]
    labels = _labels(shown) if len(shown) else pd.Series([], dtype=str)
    suffixes, caveat_lines = _caveat_notes(shown)
    tick_labels = [f"{lab}{suf}" for lab, suf in zip(labels, suffixes, strict=True)]

    # Footnote first: its height sets the figure's.
    lines = _flag_lines(valued, labels[~shown["_sup"].to_numpy()])
    if len(suppressed):
        lines.append(f"{SUPPRESSED_NOTE}: {_names(labels[shown['_sup'].to_numpy()])}.")
    na = [f"{r.country_name}" for r in no_value.itertuples()] + list(absent["country_name"])
    if na:
        lines.append(f"Not available: {_names(na, 30)}.")
    census = _census(indicator)
    lines.append(_period_line(shown, census))
    lines.append(_source_line(shown))
    lines.extend(caveat_lines)
    lines.append("Whiskers: confidence intervals as computed (95 % by default; exact Poisson "
                 "for rates, Wilson for percentages).")

    with style():
        if ax is None:
            width = 8.6
            n_slots = len(shown) + (shown["region"].nunique() if group_by_region else 0)
            height = 1.5 + ROW_HEIGHT * max(n_slots, 3) + _footnote_height(lines, width)
            ax = _new_axes(width, height)
        y, headers, slots = _row_positions(shown, group_by_region)
        sup = shown["_sup"].to_numpy()
        _draw_dots(ax, valued, y[~sup], colours)
        _mark_suppressed(ax, y[sup])
        ticks = list(y) + [h for h, _ in headers]
        texts = tick_labels + [r for _, r in headers]
        ax.set_yticks(ticks, texts)
        for lab in ax.get_yticklabels()[len(y):]:
            lab.set_fontweight("bold")
        for h, _ in headers[1:]:
            ax.axhline(h + 0.5, color="#BBBBBB", lw=0.6, zorder=1)
        ax.set_ylim(-0.7, slots - 0.3 if slots else 0.5)
        ax.grid(axis="y", visible=False)
        handles = []
        if weighted_median and len(valued) >= 2:
            w = _population_weights(frame, valued)
            med = stats.weighted_median(valued["value"].to_numpy(), w)
            k = int(np.sum(np.isfinite(w) & (w > 0)))
            if np.isfinite(med) and k >= 2:
                ax.axvline(med, color="black", ls="--", lw=1, zorder=1, gid="jj-median")
                handles.append(Line2D([], [], color="black", ls="--", lw=1,
                                      label=f"population-weighted median\n({_fmt(med)}, {k} "
                                            "countries)"))
        if benchmarks is not None and len(benchmarks):
            for _, b in benchmarks.iterrows():
                ax.axvline(b["value"], color=_GREY, ls=":", lw=1, zorder=1, gid="jj-benchmark")
            handles.append(Line2D([], [], color=_GREY, ls=":", lw=1,
                                  label="regional benchmarks:\n" + "\n".join(
                                      f"{b['label']} {_fmt(b['value'])}"
                                      for _, b in benchmarks.iterrows())))
        xmax = np.nanmax(np.r_[valued["ci_upper"].to_numpy(), valued["value"].to_numpy(), 1.0])
        if benchmarks is not None and len(benchmarks):
            xmax = max(xmax, float(np.nanmax(benchmarks["value"])))
        ax.set_xlim(0, 100 if _is_percent(unit) and xmax > 60 else xmax * 1.06)
        ax.set_xlabel(xlabel or unit)
        _set_title(ax, title or f"{name} ({indicator})" + _cell_text(dim, group))
        region_handles = [Line2D([], [], ls="none", marker=mk, color=c, markersize=6,
                                 label=_family_label(f, frame))
                          for f, (c, mk) in colours.items() if f in set(valued["_family"])]
        if valued["flags"].map(lambda f: _is_hollow(f)).any():
            region_handles.append(Line2D([], [], ls="none", marker="o", markerfacecolor="white",
                                         color=_GREY, markersize=6,
                                         label="hollow: flagged (see note)"))
        ax.legend(handles=region_handles + handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0)
        _place_footnote(ax, lines)
    return ax


def _cell_text(dim: str | None, group: str) -> str:
    if group == "all":
        return ""
    return f", {dim or 'group'} {group}"


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return ""
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


# --------------------------------------------------------------------------- core panel


def plot_core_panel(results, *, period=None, countries: Sequence[str] | None = None,
                    ax: Axes | None = None) -> list[Axes]:
    """The core indicators as small multiples (JJ02, JJ03, JJ09, JJ10), a policy answer
    (JJ14) as a yes/no strip: the indicators with the role ``core_panel`` in
    ``definitions.toml``, in its order.

    One row per country (every country of the results; the computed figure is preferred over
    counts over published ones, then the latest period); a missing value is written ``n/a``.
    Countries are ordered by region, then by the first panel's value.

    Returns
    -------
    list of Axes
        One panel per core indicator.
    """
    panel = [s.id for s in with_role("core_panel")]
    kinds = {s.id: s.kind for s in with_role("core_panel")}
    lead = next(c for c in panel if kinds[c] != "policy")
    frame = _frame(results)
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
    colours = _family_style(frame)
    total = frame[(frame["dimension"] == "total") & (frame["group"] == "all")]
    if period is not None:
        total = _latest(total, ["_entity", "indicator"], period)
    core_rows = total[total["indicator"].isin(panel)]
    primary = _primary_sources(core_rows)
    per = {code: _prefer_one_per_country(core_rows[core_rows["indicator"] == code], primary)
           for code in panel}
    # Countries ordered by region (of their primary source), then by the lead value, then name.
    ent = frame.assign(_p=[0 if primary.get(c) == s else 1 for c, s in
                           zip(frame["country"], frame["_family"], strict=True)])
    ent = ent.sort_values("_p", kind="stable").drop_duplicates("country")[
        ["country", "country_name", "region"]]
    j2 = per[lead].set_index("country")["value"]
    ent = ent.assign(_v=ent["country"].map(j2).fillna(-1)).sort_values(
        ["region", "_v", "country_name"], ascending=[True, False, True])
    n = len(ent)
    y, headers, slots = _row_positions(ent, True)
    ypos = dict(zip(ent["country"], y, strict=True))

    non_empty = [p for p in per.values() if len(p)]
    shown_rows = pd.concat(non_empty) if non_empty else core_rows.iloc[:0]
    lines = []
    lab = dict(zip(ent["country"], ent["country_name"], strict=True))
    flag_parts = []
    for flag, words in hollow_flags().items():
        has = [f"{lab[r.country]} ({r.indicator})" for r in shown_rows.itertuples()
               if flag in _flags(r.flags)]
        if has:
            flag_parts.append(f"{words}: {_names(has, 8)}")
    if flag_parts:
        lines.append("Hollow markers = flagged values; " + "; ".join(flag_parts) + ".")
    sup = [f"{lab[r.country]} ({r.indicator})" for r in shown_rows.itertuples()
           if "suppressed" in _flags(r.flags) and pd.isna(r.value)]
    if sup:
        lines.append(f"{SUPPRESSED_NOTE}: {_names(sup, 12)}.")
    lines.append("n/a = not available for that country (no figure in the results).")
    suffixes, caveat_lines = _caveat_notes(_country_caveats(shown_rows, ent["country"]))
    lines.append(_period_line(shown_rows[shown_rows["indicator"] == lead], _census(lead)))
    lines.append(_source_line(shown_rows))
    lines.extend(caveat_lines)
    lines.append("Whiskers: confidence intervals as computed (95 % by default).")

    ratios = [0.42 if kinds[c] == "policy" else 1 for c in panel]
    with style():
        width = 11.0
        height = 1.9 + ROW_HEIGHT * max(slots, 3) + _footnote_height(lines, width)
        if ax is None:
            fig = Figure(figsize=(width, height), layout="constrained")
            fig.get_layout_engine().set(h_pad=0.06, w_pad=0.04)
            gs = fig.add_gridspec(1, len(panel), width_ratios=ratios, wspace=0.02)
            own = True
        else:
            fig = ax.get_figure(root=True)
            gs = ax.get_subplotspec().subgridspec(1, len(panel), width_ratios=ratios)
            ax.remove()
            own = False
        axes: list[Axes] = []
        for k, code in enumerate(panel):
            a = fig.add_subplot(gs[0, k], sharey=axes[0] if axes else None)
            axes.append(a)
            rows = per[code]
            name, unit = _name_unit(code, rows)
            rows = rows[rows["country"].isin(ypos)]
            yy = rows["country"].map(ypos).to_numpy(dtype=float)
            policy = kinds[code] == "policy"
            a.set_title(f"{code}\n" + "\n".join(textwrap.wrap(name, 11 if policy else 16)),
                        fontsize=8, loc="left")
            if policy:
                a.set_xlim(0, 1)
                a.set_xticks([])
                a.grid(False)
                a.spines["bottom"].set_visible(False)
                for c, yv in ypos.items():
                    r = rows[rows["country"] == c]
                    v = r["value"].iat[0] if len(r) else np.nan
                    text, col = ("yes", OKABE_ITO["bluish_green"]) if v == 1 else \
                        ("no", OKABE_ITO["vermillion"]) if v == 0 else ("n/a", _GREY)
                    a.text(0.5, yv, text, ha="center", va="center", fontsize=7.5, color=col,
                           fontweight="bold" if text != "n/a" else "normal")
                a.set_xlabel("yes/no")
            else:
                _draw_dots(a, rows.reset_index(drop=True), yy, colours, markersize=20)
                have = set(rows.loc[rows["value"].notna(), "country"])
                hidden = set(rows.loc[rows["value"].isna() & rows["flags"].map(
                    lambda f: "suppressed" in _flags(f)), "country"])
                for c, yv in ypos.items():
                    if c not in have:
                        a.text(0.02, yv, "suppressed" if c in hidden else "n/a",
                               transform=a.get_yaxis_transform(), va="center", fontsize=6.5,
                               color=_GREY, style="italic" if c in hidden else "normal")
                xmax = np.nanmax(np.r_[rows["ci_upper"].to_numpy(), rows["value"].to_numpy(), 1])
                a.set_xlim(0, 100 if _is_percent(unit) else xmax * 1.08)
                a.set_xlabel("\n".join(textwrap.wrap(unit, 18)))
            if k:
                a.tick_params(labelleft=False)
            a.grid(axis="y", visible=False)
        axes[0].set_yticks(list(y) + [h for h, _ in headers],
                           [f"{lab[c]}{s}" for c, s in zip(ent["country"], suffixes, strict=True)]
                           + [r for _, r in headers])
        for t in axes[0].get_yticklabels()[n:]:
            t.set_fontweight("bold")
        for a in axes:
            for h, _ in headers[1:]:
                a.axhline(h + 0.5, color="#BBBBBB", lw=0.6, zorder=1)
        axes[0].set_ylim(-0.7, slots - 0.3)
        handles = [Line2D([], [], ls="none", marker=mk, color=c, markersize=6,
                          label=_family_label(f, frame)) for f, (c, mk) in colours.items()]
        axes[-1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.05, 1.0),
                        borderaxespad=0)
        if own:
            axes[0]._jj_own_figure = True
            fig.suptitle(f"Core juvenile justice indicators ({', '.join(panel)})",
                         x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        _place_footnote(axes[0], lines)
    return axes


# --------------------------------------------------------------------------- policy matrix


def plot_policy_matrix(results, *, countries: Sequence[str] | None = None,
                       ax: Axes | None = None) -> Axes:
    """Countries by policy indicators: the answers (JJ12a, JJ13a, JJ14, JJ15) as yes / no /
    not assessed, then the places covered (JJ12b, JJ13b: places inspected, places with a
    complaints mechanism) as percent: the indicators with the role ``policy_matrix``.

    Only countries with at least one of these indicators in the results are drawn; every cell
    carries its text, colour is a second cue (yes bluish green, no vermillion, grey = not
    assessed).
    """
    specs = with_role("policy_matrix")
    columns = [s.id for s in specs]
    answers = [s.id for s in specs if s.kind == "policy"]
    places = [s for s in specs if s.kind != "policy"]
    frame = _frame(results)
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
    rows = frame[frame["indicator"].isin(columns) & (frame["group"] == "all")
                 & (frame["dimension"] == "total")]
    rows = pd.concat([_prefer_one_per_country(rows[rows["indicator"] == c])
                      for c in columns]) if len(rows) else rows
    ent = rows.drop_duplicates("country")[["country", "country_name", "region"]] \
        .sort_values(["region", "country_name"])
    n = len(ent)
    lines = [
        "Yes/no: the country's answer to the policy question; not assessed = no answer given. "
        + "; ".join(f"{s.id}: {s.chart_note}" for s in places) + ".",
        _period_line(rows[rows["indicator"].isin([s.id for s in places])],
                     any(s.frame == "census" for s in places)),
        _source_line(rows),
    ]
    suffixes, caveat_lines = _caveat_notes(_country_caveats(rows, ent["country"]))
    lines.extend(caveat_lines)
    with style():
        if ax is None:
            width = 8.6
            ax = _new_axes(width, 1.7 + 0.26 * max(n, 2) + _footnote_height(lines, width))
        ax.set_xlim(0, len(columns))
        ax.set_ylim(n, 0)
        ax.grid(False)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        for i, c in enumerate(ent["country"]):
            for j, code in enumerate(columns):
                r = rows[(rows["country"] == c) & (rows["indicator"] == code)]
                v = r["value"].iat[0] if len(r) else np.nan
                if code not in answers:
                    if np.isfinite(v):
                        num, den = r["numerator"].iat[0], r["denominator"].iat[0]
                        text = f"{v:.0f}%" + (f" ({num:.0f}/{den:.0f})" if np.isfinite(den) else "")
                        fill, tc = "#D4E6F4", "black"
                    else:
                        fill, tc = "#EEEEEE", "#555555"
                        hidden = len(r) and "suppressed" in _flags(r["flags"].iat[0])
                        text = "suppressed" if hidden else "not available"
                elif v == 1:
                    text, fill, tc = "yes", OKABE_ITO["bluish_green"], "white"
                elif v == 0:
                    text, fill, tc = "no", OKABE_ITO["vermillion"], "white"
                else:
                    text, fill, tc = "not assessed", "#EEEEEE", "#555555"
                ax.add_patch(Rectangle((j + 0.04, i + 0.08), 0.92, 0.84, facecolor=fill,
                                       edgecolor="none", gid=f"cell-{c}-{code}"))
                ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=7.5, color=tc)
        ax.set_yticks(np.arange(n) + 0.5,
                      [f"{nm}{s}" for nm, s in zip(ent["country_name"], suffixes, strict=True)])
        ax.xaxis.tick_top()
        ax.set_xticks(np.arange(len(columns)) + 0.5, [
            f"{code}\n" + "\n".join(textwrap.wrap(_name_unit(code)[0], 16))
            for code in columns], fontsize=7)
        ax.tick_params(length=0)
        ax.set_xlabel("")
        _set_title(ax, f"Policy indicators: systems in place ({', '.join(answers)}) and "
                       f"places covered ({', '.join(s.id for s in places)}, percent)", pad=8)
        ax.legend(handles=[Patch(color=OKABE_ITO["bluish_green"], label="yes"),
                           Patch(color=OKABE_ITO["vermillion"], label="no"),
                           Patch(color="#EEEEEE", label="not assessed / not available"),
                           Patch(color="#D4E6F4", label="percent of places")],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        _place_footnote(ax, lines)
    return ax


# --------------------------------------------------------------------------- trend


def plot_trend(results, indicator: str, *, countries: Sequence[str] | None = None,
               dimension: str | None = None, group: str = "all",
               ax: Axes | None = None) -> Axes:
    """An indicator over reference periods for chosen countries, with interval whiskers.

    The x axis is the period end (the census day for census indicators); one line per country
    (and source).
    """
    frame = _frame(results)
    if countries is not None:
        frame = frame[frame["country"].isin(countries)]
    dim = dimension or ("total" if group == "all" else None)
    rows = frame[(frame["indicator"] == indicator) & (frame["group"] == group)]
    if dim:
        rows = rows[rows["dimension"] == dim]
    rows = rows.sort_values("period_end")
    name, unit = _name_unit(indicator, rows)
    census = _census(indicator)
    xcol = "census_date" if census else "period_end"
    keys = list(dict.fromkeys(rows["_entity"]))
    firsts = rows.drop_duplicates("_entity")
    labels = dict(zip(firsts["_entity"], _labels(firsts), strict=True))
    _, caveat_lines = _caveat_notes(rows)
    lines = _flag_lines(rows, rows["country_name"])
    na = rows.loc[rows["value"].isna(), ["country_name", "period_end"]]
    if len(na):
        lines.append("Not available: " + _names(
            [f"{r.country_name} {r.period_end.year}" for r in na.itertuples()], 20) + ".")
    periods = rows.drop_duplicates(["period_start", "period_end"])
    lines.append("Periods: " + ", ".join(
        f"{_fmt_date(a)} to {_fmt_date(b)}" for a, b in
        zip(periods["period_start"], periods["period_end"], strict=True)) + "."
        + (" Census day: the period end unless stated." if census else ""))
    lines.append(_source_line(rows))
    lines.extend(caveat_lines)
    lines.append("Whiskers: confidence intervals as computed (95 % by default).")
    palette = list(OKABE_ITO.values())[:7]
    markers = _REGION_MARKERS
    with style():
        if ax is None:
            width = 8.6
            ax = _new_axes(width, 4.0 + _footnote_height(lines, width))
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
            hollow = np.array([_is_hollow(f) for f in sub["flags"]])
            if hollow.any():
                ax.scatter(x[hollow], v[hollow], s=30, marker=marker, facecolors="white",
                           edgecolors=colour, zorder=4)
        ax.set_ylabel(unit)
        ax.set_xlabel("census day" if census else "end of the reference period")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", visible=True)
        single = f": {labels[keys[0]]}" if len(keys) == 1 else ""
        _set_title(ax, f"{name} ({indicator}) over time" + _cell_text(dim, group) + single)
        if len(keys) > 1:  # one line needs no legend: the title names the country
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        xs = sorted(pd.to_datetime(rows[xcol].dropna().unique()))
        if xs:
            yearly = all(x.month == 12 and x.day == 31 for x in xs)
            step = max(1, len(xs) // 8)
            ax.set_xticks(xs[::step], [x.strftime("%Y" if yearly else "%Y-%m-%d")
                                       for x in xs[::step]])
            pad = pd.Timedelta(days=120)
            ax.set_xlim(xs[0] - pad, xs[-1] + pad)
        ax.grid(axis="x", visible=False)
        _place_footnote(ax, lines)
    return ax


# --------------------------------------------------------------------------- disaggregation


_DIMENSION_WORDS = {"sex": "Sex", "age_group": "Age group", "offence": "Offence",
                    "facility_type": "Facility type", "legal_status": "Legal status",
                    "area": "Area", "total": "Total"}


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
    frame = _frame(results)
    rows = frame[(frame["indicator"] == indicator) & (frame["country"] == country)]
    rows = rows[rows["_family"] == _primary_sources(rows).get(country, "")]
    rows = _latest(rows, ["dimension", "group"], period)
    rows = rows[rows["dimension"].isin(["total", *dimensions])]
    order = {d: i for i, d in enumerate(["total", *dimensions])}
    rows = rows.assign(_d=rows["dimension"].map(order)).sort_values(["_d"], kind="stable")
    name, unit = _name_unit(indicator, rows)
    cname = rows["country_name"].iat[0] if len(rows) else country
    valued = rows[rows["value"].notna()]
    census = _census(indicator)
    lines = []
    words = hollow_flags()
    flagged = [f"{_DIMENSION_WORDS.get(r.dimension, r.dimension)} {r.group}: "
               + ", ".join(words[f] for f in _flags(r.flags) if f in words)
               for r in valued.itertuples() if _flags(r.flags) & set(words)]
    if flagged:
        lines.append("Hollow markers = flagged values; " + "; ".join(flagged) + ".")
    na = rows[rows["value"].isna()]
    if len(na):
        parts = []
        for r in na.itertuples():
            why = ("suppressed" if "suppressed" in _flags(r.flags)
                   else f"count {r.numerator:.0f}, no population" if np.isfinite(r.numerator)
                   else "not available")
            parts.append(f"{_DIMENSION_WORDS.get(r.dimension, r.dimension)} {r.group} ({why})")
        lines.append("Not available: " + "; ".join(parts) + ".")
    lines.append(_period_line(rows.iloc[:1], census))
    lines.append(_source_line(rows.iloc[:1]))
    _, caveat_lines = _caveat_notes(rows.iloc[:1])
    lines.extend(caveat_lines)
    lines.append("Whiskers: confidence intervals as computed (95 % by default). A group's rate "
                 "uses that group's population.")
    is_sup = rows["value"].isna() & rows["flags"].map(lambda f: "suppressed" in _flags(f))
    shown = rows[rows["value"].notna() | is_sup]
    sup = is_sup[shown.index].to_numpy()
    with style():
        n = len(shown)
        own = ax is None
        if own:
            width = 7.5
            ax = _new_axes(width, 1.5 + 0.26 * max(n, 3) + _footnote_height(lines, width))
        y = np.arange(n)[::-1].astype(float)
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
            hollow = [_is_hollow(f) for f in sub["flags"]]
            ax.scatter(v, y[m], s=34, color=colour_of[d], zorder=3, gid="jj-markers",
                       facecolors=["white" if h else colour_of[d] for h in hollow],
                       edgecolors=colour_of[d], label=_DIMENSION_WORDS.get(d, d))
        _mark_suppressed(ax, y[sup])
        for i in range(1, n):
            if dims[i] != dims[i - 1]:
                ax.axhline(y[i] + 0.5, color="#BBBBBB", lw=0.6)
        ax.set_yticks(y, [("all children" if r.group == "all" else
                           f"{_DIMENSION_WORDS.get(r.dimension, r.dimension)}: {r.group}")
                          for r in shown.itertuples()])
        ax.set_ylim(-0.7, max(n, 1) - 0.3)
        ax.grid(axis="y", visible=False)
        xmax = np.nanmax(np.r_[valued["ci_upper"].to_numpy(), valued["value"].to_numpy(), 1.0])
        ax.set_xlim(0, 100 if _is_percent(unit) and xmax > 60 else xmax * 1.06)
        ax.set_xlabel(unit)
        by = " and ".join(_DIMENSION_WORDS.get(d, d).lower() for d in dimensions)
        _set_title(ax, f"{name} ({indicator})" + (f" by {by}: {cname}" if own else ""))
        _place_footnote(ax, lines)
    return ax


# --------------------------------------------------------------------------- durations


def _band_label(stat: str) -> str:
    parts = stat.split("_")[1:]
    if parts[-1] == "plus":
        return f"{parts[0]}+ days"
    return f"{parts[0]}-{parts[1]} days"


def plot_durations(durations, indicator: str = "JJ04", *,
                   countries: Sequence[str] | None = None, names: dict | None = None,
                   ax: Axes | None = None) -> Axes:
    """JJ04/JJ05 duration bands as stacked bars per country, the median marked.

    Parameters
    ----------
    durations : DataFrame or object with ``.durations``
        The durations frame (country, indicator, dimension, group, statistic, value, period_*).
    indicator : str
        ``JJ04`` (pre-sentence) or ``JJ05`` (sentenced).
    names : dict, optional
        Country code to display name.

    Notes
    -----
    Bars show each band's share of the cohort (band count / sum of the band counts, a display
    scaling, not a statistic); by definition the median lies where the bar crosses 50 %,
    marked by the dashed line; the median in days and n are written beside each bar.
    """
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
    # Bands from the statistics themselves: a band hidden everywhere is still a band.
    bands = sorted({str(c) for c in d["statistic"] if str(c).startswith("band_")},
                   key=lambda s: int(s.split("_")[1]))
    wide = wide.reindex(columns=list(dict.fromkeys([*wide.columns, *bands])))
    name, _ = _name_unit(indicator)
    names = names or {}
    n_col = wide["n"] if "n" in wide.columns else wide[bands].sum(axis=1)
    has = wide[(n_col > 0)] if len(wide) else wide
    empty = [names.get(c, c) for c in wide.index if c not in has.index and n_col.get(c) == 0]
    hidden = [names.get(c, c) for c in wide.index if c not in has.index and c not in empty]
    has = has.assign(_m=has.get("median")).sort_values("_m", ascending=True, na_position="first")
    lines = ["Bars: share of the detention periods that ended in the reference period, by length "
             "(days); the dashed line at 50 % is where each median lies; median days and n at "
             "right."]
    if empty:
        lines.append(f"Not available (no periods ended in the period): {_names(empty)}.")
    if hidden:
        lines.append(f"Not available (suppressed or not given): {_names(hidden)}.")
    partial = [names.get(c, c) for c in has.index if has.loc[c, bands].isna().any()]
    if partial:
        lines.append("Bands suppressed by disclosure control are drawn together, hatched grey, "
                     f"as the rest of n: {_names(partial)}.")
    if "period_end" in d.columns and "period_start" in d.columns and len(d):
        ps = pd.to_datetime(d["period_start"], errors="coerce")
        per = sorted(set(ps.dt.strftime("%Y-%m-%d") + " to "
                         + d["period_end"].dt.strftime("%Y-%m-%d")))
        lines.append("Period: " + "; ".join(per) + ".")
    lines.append("Sources: computed from individual records (jj-indicators).")
    with style():
        n = len(has)
        if ax is None:
            width = 8.6
            ax = _new_axes(width, 1.8 + 0.3 * max(n, 2) + _footnote_height(lines, width))
        y = np.arange(n)[::-1].astype(float)
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
                    color=_BAND_COLOURS[k % len(_BAND_COLOURS)], edgecolor="white",
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
        _place_footnote(ax, lines)
    return ax


# --------------------------------------------------------------------------- pathway

def plot_pathway(results, country: str, *, period=None, ax: Axes | None = None) -> Axes:
    """Children at each stage of the justice system, per 100,000 children, for one country.

    Stages and their counts (total rows of the indicators frame, event counting unless the
    results used ``count_unit = child``): arrested = JJ01 numerator; diverted = JJ10 numerator;
    detained before sentence = JJ04 n (pre-sentence detention periods that ended in the
    period); sentenced = JJ09 denominator; custodial sentence = JJ09 numerator. Each count is
    divided by the child population (JJ01's denominator, else JJ02's) through
    :func:`stats.rate_ci`, with its exact Poisson interval.
    """
    frame = _frame(results)
    rows = frame[(frame["country"] == country) & (frame["dimension"] == "total")
                 & (frame["group"] == "all")]
    rows = rows[rows["_family"] == _primary_sources(rows).get(country, "")]
    rows = _latest(rows, ["indicator"], period)
    by = {r.indicator: r for r in rows.itertuples()}
    pop = np.nan
    for code in _population_indicators():
        r = by.get(code)
        if r is not None and np.isfinite(r.denominator):
            pop = r.denominator
            break
    cname = rows["country_name"].iat[0] if len(rows) else country
    stages, counts = [], []
    pathway = declaration().pathway
    for label, code, col, _ in ((p.label, p.indicator, p.column, p.source) for p in pathway):
        r = by.get(code)
        counts.append(getattr(r, col) if r is not None else np.nan)
        stages.append(label)
    counts = np.asarray(counts, dtype=float)
    value, lo, hi = stats.rate_ci(counts, np.full(len(counts), pop), 100_000)
    lines = ["Counts: " + "; ".join(f"{p.label.lower()} = {p.source}" for p in pathway)
             + ". Each divided by the child population aged 0-17 (JJ01 denominator) x 100,000."]
    na = [s for s, c in zip(stages, counts, strict=True) if not np.isfinite(c)]
    if na:
        lines.append(f"Not available: {', '.join(na)}.")
    if np.isfinite(counts).any() and np.nanmin(counts) < 5:
        lines.append("Hollow bars: fewer than 5 events (small numbers).")
    lines.append(_period_line(rows.iloc[:1], False))
    lines.append(_source_line(rows.iloc[:1]))
    _, caveat_lines = _caveat_notes(rows.iloc[:1])
    lines.extend(caveat_lines)
    lines.append("Whiskers: exact Poisson 95 % intervals.")
    with style():
        if ax is None:
            width = 8.0
            ax = _new_axes(width, 3.0 + _footnote_height(lines, width))
        y = np.arange(len(stages))[::-1].astype(float)
        colours = [OKABE_ITO[k] for k in ("blue", "bluish_green", "orange", "reddish_purple",
                                          "vermillion")]
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
            txt = "not available" if not np.isfinite(val) else f"{_fmt(val)}  ({c:,.0f})"
            xpos = (h if np.isfinite(h) else 0) + xmax * 0.015
            ax.text(xpos, yi, txt, va="center", ha="left", fontsize=7.5)
        ax.set_xlim(0, xmax * 1.25)
        ax.set_yticks(y, stages)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("per 100,000 children (count in brackets)")
        ax.set_title(f"Pathway through the justice system: {cname}")
        _place_footnote(ax, lines)
    return ax
