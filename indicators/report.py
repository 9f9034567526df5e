"""Country reports and cross-country comparisons as files (PDF, PNG, SVG).

Assembles results into figures with :mod:`indicators.charts` and writes them; computes
nothing itself (the pipeline, :mod:`indicators.pipeline`, reads, computes and protects the
results it is given). Which figures a report holds follows the roles of the indicators in
``definitions.toml`` (``figures``).

- :func:`write_comparison` writes every comparison chart as PNG (200 dpi) and SVG, plus one
  multi-page ``comparison.pdf``.
- :func:`write_country_report` writes ``report_<CODE>.pdf``: the 15-indicator table first,
  then the country's charts, each also as PNG and SVG.

Every figure is a :class:`~indicators.charts.ChartFigure`: it shows itself in Jupyter.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from . import charts, summaries
from .charts import notes
from .charts.display import ChartAxes, ChartFigure
from .reference import load_benchmarks
from .registry import DURATION_COLUMNS, declaration, load_definitions, with_role
from .workers import Progress, run_parallel

__all__ = [
    "countries_of",
    "indicator_table_figure",
    "write_all",
    "write_comparison",
    "write_country_report",
]

PNG_DPI = 200


def _empty_durations() -> pd.DataFrame:
    return pd.DataFrame(columns=DURATION_COLUMNS)


def _ids(role: str) -> list[str]:
    return [s.id for s in with_role(role)]


# --------------------------------------------------------------------------- saving


def _save(fig: Figure, out_dir: Path, name: str, pdf: PdfPages | None) -> list[Path]:
    """PNG (200 dpi) and SVG of a figure, and a page of the PDF; the layout is computed once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{name}.png"
    svg = out_dir / f"{name}.svg"
    with charts.style():
        fig.savefig(png, dpi=PNG_DPI, pil_kwargs={"compress_level": 3})
        # The constrained layout was solved for the PNG; keep it for the other formats.
        fig.set_layout_engine("none")
        fig.savefig(svg, metadata={"Date": None})
        if pdf is not None:
            pdf.savefig(fig)
    return [png, svg]


def _figure(ax_or_axes) -> Figure:
    ax = ax_or_axes[0] if isinstance(ax_or_axes, list) else ax_or_axes
    return ax.get_figure(root=True)


# --------------------------------------------------------------------------- comparison


def _has_values(frame: pd.DataFrame, code: str, extra=None) -> bool:
    """Whether the indicator has a value (in the total, or in the rows selected by ``extra``)."""
    m = frame["indicator"] == code
    m &= (frame["group"] == "all") if extra is None else extra
    return bool(pd.to_numeric(frame.loc[m, "value"], errors="coerce").notna().any())


def _subnational(frame: pd.DataFrame) -> pd.Series:
    """Rows of sub-national areas (ISO 3166-2 style codes such as ``US-AL``)."""
    return frame["country"].astype(str).str.contains("-", regex=False)


def comparison_plan(frame: pd.DataFrame, durations: pd.DataFrame,
                    benchmarks: pd.DataFrame | None = None) -> list[tuple[str, Callable]]:
    """The comparison charts to draw for these results: (file name, function drawing it)."""
    national = frame[~_subnational(frame)]
    sub = frame[_subnational(frame)]
    plan: list[tuple[str, Callable]] = []
    if len(national):
        plan.append(("core_panel", lambda: charts.plot_core_panel(national)))
    declared = {s.id: s for s in load_definitions()}
    codes = [c for c, s in declared.items() if s.kind != "policy"]
    extra = [c for c in dict.fromkeys(national["indicator"]) if c not in declared]
    with_benchmark = _ids("world_benchmark")
    for code in codes + extra:
        if not _has_values(national, code):
            continue
        bm = benchmarks if code in with_benchmark else None
        plan.append((f"comparison_{code}",
                     lambda code=code, bm=bm: charts.plot_comparison(national, code,
                                                                     benchmarks=bm)))
    for code in (c for c in _ids("subnational") if _has_values(sub, c)):
        nations = frame[frame["country"].isin(
            sub["country"].str.split("-").str[0].map(lambda c: "USA" if c == "US" else c))
            & frame["source"].isin(sub["source"])]
        both = pd.concat([sub, nations])
        plan.append((f"comparison_{code}_subnational",
                     lambda code=code, both=both: charts.plot_comparison(
                         both, code, title="Youth in residential placement by US state, 2019 "
                                           "(OJJDP)",
                         xlabel="per 100,000 youth aged 10 to the upper age of juvenile "
                                "jurisdiction")))
    if frame["indicator"].isin(_ids("policy_matrix")).any():
        plan.append(("policy_matrix", lambda: charts.plot_policy_matrix(national)))
    names = dict(zip(frame["country"], frame["country_name"], strict=False))
    for code in (c for c, s in declared.items() if s.kind == "duration"):
        if len(durations) and (durations["indicator"] == code).any():
            plan.append((f"durations_{code}",
                         lambda code=code: charts.plot_durations(durations, code, names=names)))
    # Trends for countries with several periods.
    periods = national.groupby("country")["period_end"].nunique()
    multi = list(periods[periods > 1].index)
    if multi:
        computed = national[national["origin"] != "published"]
        multi_c = [c for c in multi if computed["country"].eq(c).any()] or multi
        for code in _ids("comparison_trend"):
            if _has_values(national[national["country"].isin(multi_c)], code):
                plan.append((f"trend_{code}",
                             lambda code=code: charts.plot_trend(national, code,
                                                                 countries=multi_c[:8])))
    return plan


def write_comparison(
    frame: pd.DataFrame,
    durations: pd.DataFrame | None,
    out_dir: str | Path,
    *,
    benchmarks: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write every comparison chart as PNG and SVG, and all of them in ``comparison.pdf``.

    Parameters
    ----------
    frame : DataFrame
        Indicators frame of every country (computed, counts, published).
    durations : DataFrame, optional
        Durations frame (JJ04/JJ05 band charts).
    out_dir : path
        Output folder (created).
    benchmarks : DataFrame, optional
        Context lines for JJ02 (columns ``label``, ``value``); default the world figure of
        ``regional_benchmarks.csv`` when the reference folder is found.

    Returns
    -------
    list of Path
        Files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    durations = durations if durations is not None else _empty_durations()
    if benchmarks is None:
        b = load_benchmarks()
        b = b[b["region"].eq("World")]
        benchmarks = pd.DataFrame({
            "label": [f"{r.region} ({r.source.split()[0]} {r.year})" for r in b.itertuples()],
            "value": b["rate_per_100k_children"].to_numpy()})
    plan = comparison_plan(frame, durations, benchmarks)
    if progress is not None:
        progress.total = max(progress.total, progress.done + len(plan))
    written: list[Path] = []
    with PdfPages(out / "comparison.pdf", metadata={"Title": "Juvenile justice indicators: "
                                                    "cross-country comparison",
                                                    "CreationDate": None}) as pdf:
        for name, draw in plan:
            fig = _figure(draw())
            written += _save(fig, out, name, pdf)
            if progress is not None:
                progress.step(name)
    written.append(out / "comparison.pdf")
    return written


# --------------------------------------------------------------------------- country report


def _fmt_num(v, digits: int = 1) -> str:
    if v is None or not np.isfinite(v):
        return ""
    if float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def indicator_table_figure(frame: pd.DataFrame, country: str, *, period=None) -> Figure:
    """First page of a country report: the 15 indicators (total rows) as a table.

    Columns: core (marked), id, indicator, value, interval, numerator / denominator, unit and
    flags; period, census date, source and caveats in the footnote.
    """
    f = summaries.results_frame(frame)
    rows = f[(f["country"] == country) & (f["dimension"] == "total") & (f["group"] == "all")]
    rows = summaries.latest_rows(rows, ["indicator"], period)
    info = {s.id: s for s in load_definitions()}
    order = {c: i for i, c in enumerate(info)}
    rows = rows[rows["indicator"].isin(info)]
    rows = rows.assign(_o=rows["indicator"].map(order)).sort_values("_o")
    cname = rows["country_name"].iat[0] if len(rows) else country
    suffixes, caveat_lines = notes.caveat_notes(rows)
    mark = dict(zip(rows["indicator"], suffixes, strict=True))
    cells = []
    for code, spec in info.items():
        r = rows[rows["indicator"] == code]
        if len(r) == 0:
            cells.append(["★" if spec.core else "", code, spec.name, "", "", "", spec.unit,
                          "not in the results"])
            continue
        r = r.iloc[0]
        if spec.kind == "policy":
            value = {1.0: "yes", 0.0: "no"}.get(r["value"], "not assessed")
        else:
            value = _fmt_num(r["value"])
        flags = str(r["flags"]).replace(";", ", ")
        if "suppressed" in flags and not np.isfinite(r["value"]):
            value = "suppressed"
        interval = ("" if not np.isfinite(r["ci_lower"]) else
                    f"{_fmt_num(r['ci_lower'])} - {_fmt_num(r['ci_upper'])}")
        nd = "" if spec.kind == "policy" else (
            f"{_fmt_num(r['numerator'], 0)} / {_fmt_num(r['denominator'])}"
            if np.isfinite(r["denominator"]) else _fmt_num(r["numerator"], 0))
        if spec.kind == "duration" and np.isfinite(r["numerator"]):
            nd = f"n = {_fmt_num(r['numerator'], 0)}"
        cells.append(["★" if spec.core else "", code + mark.get(code, ""),
                      "\n".join(textwrap.wrap(spec.name, 34)), value, interval, nd,
                      "\n".join(textwrap.wrap(spec.unit, 20)),
                      "\n".join(textwrap.wrap(flags, 24))])
    lines = [
        "★ core indicator. Interval: 95 % unless stated in the caveats (exact Poisson for rates, "
        "Wilson for percentages, order statistics for medians). Numerator / denominator: the "
        "count and its population, decisions or places (n: periods in the cohort). Values "
        "rounded for display; files hold unrounded values.",
    ]
    if len(rows):
        first = rows.iloc[0]
        lines.append(f"Period: {notes.fmt_date(first['period_start'])} to "
                     f"{notes.fmt_date(first['period_end'])}; census day "
                     f"{notes.fmt_date(first['census_date'])}.")
        lines.append(notes.source_line(rows) or "")
        lines.extend(caveat_lines)
    with charts.style():
        fig = ChartFigure(figsize=(11.0, 8.3), layout="constrained")
        ax = fig.add_subplot(axes_class=ChartAxes)
        ax._jj_own_figure = True
        ax.axis("off")
        table = ax.table(cellText=cells, colLabels=["core", "id", "indicator", "value",
                                                    "interval", "numerator / denominator",
                                                    "unit", "flags"],
                         colWidths=[0.04, 0.07, 0.26, 0.09, 0.13, 0.16, 0.13, 0.14],
                         loc="upper center", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(7.5)
        for (i, _j), cell in table.get_celld().items():
            cell.set_edgecolor("#CCCCCC")
            cell.set_height(0.052 if i else 0.045)
            if i == 0:
                cell.set_facecolor("#E8EEF4")
                cell.get_text().set_fontweight("bold")
            elif cells[i - 1][0]:
                cell.set_facecolor("#FFF8E6")
        ax.set_title(f"Juvenile justice indicators: {cname} ({country})", fontsize=12)
        ax.set_xlabel(" ")
        notes.place_footnote(ax, lines)
    return fig


def _grid(n: int, *, width: float = 11.0, row_height: float = 3.6):
    """A figure with ``n`` Axes in two columns (constrained layout)."""
    rows = (n + 1) // 2
    fig = ChartFigure(figsize=(width, row_height * rows + 0.6), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.08, hspace=0.06, wspace=0.06)
    axes = fig.subplots(rows, 2, squeeze=False, subplot_kw={"axes_class": ChartAxes}).ravel()
    for extra in axes[n:]:
        extra.remove()
    return fig, list(axes[:n])


def _panel_figure(draw_one: Callable, codes: Sequence[str], title: str) -> Figure:
    with charts.style():
        fig, axes = _grid(len(codes))
        for code, ax in zip(codes, axes, strict=True):
            draw_one(code, ax)
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=11)
    return fig


def country_plan(mine: pd.DataFrame, dmine: pd.DataFrame, country: str, *,
                 period=None) -> list[tuple[str, Callable]]:
    """The figures of a country report: (file name, function returning Axes or Figure)."""
    names = dict(zip(mine["country"], mine["country_name"], strict=False))
    cname = names.get(country, country)
    plan: list[tuple[str, Callable]] = [
        ("table", lambda: indicator_table_figure(mine, country, period=period))]
    stages = dict.fromkeys(p.indicator for p in declaration().pathway)
    if any(_has_values(mine, c) for c in stages):
        plan.append(("pathway", lambda: charts.plot_pathway(mine, country, period=period)))
    dis = [c for c in _ids("report_disaggregation")
           if _has_values(mine, c, mine["dimension"].isin(["sex", "age_group"]))]
    if dis:
        plan.append(("disaggregation", lambda: _panel_figure(
            lambda code, ax: charts.plot_disaggregation(mine, code, country=country,
                                                        period=period, ax=ax),
            dis, f"By sex and age group: {cname}")))
    dur = [s.id for s in load_definitions() if s.kind == "duration"
           and len(dmine) and (dmine["indicator"] == s.id).any()]
    if dur:
        plan.append(("durations", lambda: _panel_figure(
            lambda code, ax: charts.plot_durations(dmine, code, names=names, ax=ax),
            dur, f"Length of detention: {cname}")))
    if pd.Series(mine["period_end"]).nunique() > 1:
        trend = [c for c in _ids("report_trend") if _has_values(mine, c)]
        if trend:
            plan.append(("trends", lambda: _panel_figure(
                lambda code, ax: charts.plot_trend(mine, code, ax=ax),
                trend, f"Trends of the core indicators: {cname}")))
    return plan


def write_country_report(
    frame: pd.DataFrame,
    durations: pd.DataFrame | None,
    country: str,
    out_dir: str | Path,
    *,
    period=None,
    progress: Progress | None = None,
) -> list[Path]:
    """A country report: ``report_<CODE>.pdf`` (table, then charts) and each chart as PNG/SVG.

    Parameters
    ----------
    frame : DataFrame
        Indicators frame holding the country's rows (all its periods: trends are drawn when
        there are several).
    durations : DataFrame, optional
        Durations frame (band charts of JJ04/JJ05).
    country : str
        Country code.
    out_dir : path
        Output folder (created).
    period : int or str, optional
        The period of the table and the single-period charts (default the latest).

    Returns
    -------
    list of Path
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mine = frame[frame["country"] == country]
    if mine.empty:
        raise ValueError(f"no results for country {country!r}")
    dmine = (durations[durations["country"] == country] if durations is not None
             and len(durations) else _empty_durations())
    plan = country_plan(mine, dmine, country, period=period)
    if progress is not None:
        progress.total = max(progress.total, progress.done + len(plan))
    written: list[Path] = []
    pdf_path = out / f"report_{country}.pdf"
    with PdfPages(pdf_path, metadata={"Title": f"Juvenile justice indicators: {country}",
                                     "CreationDate": None}) as pdf:
        for name, draw in plan:
            made = draw()
            fig = made if isinstance(made, Figure) else _figure(made)
            written += _save(fig, out, f"{country}_{name}", pdf)
            if progress is not None:
                progress.step(f"{country} {name}")
    written.append(pdf_path)
    return written


def countries_of(frame: pd.DataFrame, origins: Iterable[str] = ("records",)) -> list[str]:
    """Country codes whose rows come from the given origins (default: computed datasets)."""
    f = frame[frame["origin"].isin(list(origins))] if "origin" in frame else frame
    return list(dict.fromkeys(f["country"]))


def elapsed(start: float) -> str:
    """Seconds since ``start`` for messages."""
    return f"{time.perf_counter() - start:.1f} s"




def _comparison_task(item) -> list[Path]:
    frame, durations, out = item
    return write_comparison(frame, durations, out)


def _country_task(item) -> list[Path]:
    frame, durations, country, out = item
    return write_country_report(frame, durations, country, out)


def write_all(
    frame: pd.DataFrame,
    durations: pd.DataFrame | None,
    out_dir: str | Path,
    *,
    countries: Sequence[str] | None = None,
    comparison: bool = True,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[Path]:
    """Country reports (``countries/<CODE>/``) and the comparison (``comparison/``) at once.

    Each country report and the comparison are independent tasks, run in ``jobs`` worker
    processes; the comparison (the longest) starts first.

    Parameters
    ----------
    frame, durations : DataFrame
        All results (every country and period; published figures included).
    out_dir : path
        Output folder.
    countries : sequence of str, optional
        Countries that get a report (default: those computed from records).
    comparison : bool
        Also write the comparison charts.
    """
    out = Path(out_dir)
    durations = durations if durations is not None else _empty_durations()
    countries = list(countries) if countries is not None else countries_of(frame)
    tasks: list[tuple[Callable, tuple]] = []
    if comparison:
        tasks.append((_comparison_task, (frame, durations, out / "comparison")))
    for c in countries:
        mine = frame[frame["country"] == c]
        dmine = durations[durations["country"] == c] if len(durations) else durations
        tasks.append((_country_task, (mine, dmine, c, out / "countries" / c)))
    if progress is not None:
        progress.total = max(progress.total, progress.done + len(tasks))
    labels = ["comparison" if fn is _comparison_task else f"report {item[2]}"
              for fn, item in tasks]
    results = run_parallel(_dispatch, list(zip(tasks, labels, strict=True)), jobs=jobs,
                           progress=progress, label=lambda t: t[1])
    return [p for paths in results for p in paths]


def _dispatch(task) -> list[Path]:
    (fn, item), _label = task
    return fn(item)


