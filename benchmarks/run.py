"""Benchmark jj-indicators at national-register scale, against an independent DuckDB reference.

For each size (children: 100 k, 1 M, 3 M by default) the script

1. generates a dataset with the package's simulator (``jj-indicators simulate ... --format
   parquet``), cached under ``benchmarks/cache/`` (gitignored) between runs;
2. runs the package's stages - read, validate, compute (all indicators, all disaggregations),
   report (charts) - in a fresh Python process per repetition, recording each stage's wall time
   and peak resident memory (VmHWM, reset at the start of each stage, so the figure is the
   stage's own peak, including what earlier stages still hold);
3. runs the DuckDB reference (``benchmarks/duckdb_reference.py``: JJ01-03, JJ06-11 by total,
   sex and age group) on the same files, also in fresh processes, load and compute timed apart;
4. checks that both agree exactly on every numerator and denominator, and prints a Markdown
   table: medians over ``--repeat`` runs, the compute/DuckDB ratio, the time per child at the
   largest size against the smallest, and the machine's load.

``--write`` puts the figures into ``BENCHMARKS.md`` (between its ``bench:start``/``bench:end``
markers, the rest of the file is kept). ``--cprofile`` adds one profiled (untimed) run per size
and prints the hot spots of each stage.

Examples::

    python benchmarks/run.py --quick                 # 100 k, one run, no report stage: < 1 min
    python benchmarks/run.py --repeat 3 --write      # 100 k, 1 M, 3 M
    python benchmarks/run.py --sizes 1000000 --repeat 1 --cprofile

Needs the ``bench`` extra (duckdb). Linux: memory figures come from
``/proc/self/status``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / "cache"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
SIZES = (100_000, 1_000_000, 3_000_000)
STAGES = ("read", "validate", "compute", "report")
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TABLE_NAMES = ("children", "arrests", "detentions", "dispositions", "family_visits")
if str(ROOT) not in sys.path:  # the package of this checkout, installed or not
    sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------------------------
# Memory of this process (Linux).


def _status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the peak resident set size (VmHWM) to the current one; False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    kb = _status_kb("VmHWM")
    if kb is None:  # not Linux: the process's lifetime peak
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            kb //= 1024
    return kb / 1024


def _rss_mb() -> float:
    kb = _status_kb("VmRSS")
    return (kb or 0) / 1024


class _Stage:
    """Time a stage and record its peak memory into ``record[name]``."""

    def __init__(self, record: dict[str, Any], name: str):
        self.record, self.name = record, name

    def __enter__(self):
        self.resettable = _reset_peak()
        self.rss_before = _rss_mb()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        seconds = time.perf_counter() - self.t0
        self.record[self.name] = {
            "seconds": seconds,
            "peak_mb": _peak_mb(),
            "rss_before_mb": self.rss_before,
            "peak_is_per_stage": self.resettable,
        }
        return False


# --------------------------------------------------------------------------------------------
# Workers: each runs in a fresh interpreter and prints one JSON line.


def _report_stage(results: Any, ds: Any, out: Path) -> list[str]:
    """Write the output files and the country report with its charts; returns notes.

    What ``jj-indicators compute --out`` and ``jj-indicators report`` do after computing:
    ``indicators.outputs.write_outputs`` (CSV, Excel, manifest) and
    ``indicators.report.write_country_report`` (PDF and one PNG/SVG per chart).
    """
    import importlib

    import matplotlib

    matplotlib.use("Agg")
    notes = []
    done = 0
    steps = (
        ("outputs", "write_outputs", lambda fn: fn(results, out / "outputs")),
        ("report", "write_country_report", lambda fn: fn(
            getattr(results, "indicators", results), getattr(results, "durations", None),
            ds.country, out / "report")),
    )
    for module, name, call in steps:
        try:
            fn = getattr(importlib.import_module(f"indicators.{module}"), name)
        except (ImportError, AttributeError) as exc:
            notes.append(f"report stage: no {module}.{name} ({exc}).")
            continue
        try:
            call(fn)
            done += 1
        except Exception as exc:  # a benchmark notes a failing step, it does not stop
            notes.append(f"report stage: {name} failed: {type(exc).__name__}: {str(exc)[:120]}.")
    if done == 0:
        notes.append("report stage: nothing to run.")
    return notes


def worker_package(dataset: str, stages: list[str], cells_out: str | None,
                   cprofile_dir: str | None) -> dict[str, Any]:
    import indicators  # noqa: F401  (imports are not timed)
    from indicators.reading import read_dataset

    profiler = None
    if cprofile_dir:
        import cProfile

        profiler = cProfile.Profile()

    def run(name, fn):
        if profiler is not None:
            profiler.enable()
        try:
            return fn()
        finally:
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(str(Path(cprofile_dir) / f"{name}.prof"))
                profiler.clear()

    record: dict[str, Any] = {"stages": {}, "notes": []}
    rec = record["stages"]
    with _Stage(rec, "read"):
        ds = run("read", lambda: read_dataset(dataset))
    record["rows"] = {t: len(ds.tables[t]) for t in TABLE_NAMES if t in ds.tables}
    if "validate" in stages:
        from indicators.validation import validate_dataset

        with _Stage(rec, "validate"):
            report = run("validate", lambda: validate_dataset(ds))
        record["validation_errors"] = len(report.errors)
    results = None
    if "compute" in stages:
        from indicators.compute import compute_indicators

        with _Stage(rec, "compute"):
            results = run("compute", lambda: compute_indicators(ds))
        if cells_out:
            results.indicators.to_pickle(cells_out)
    if "report" in stages and results is not None:
        with tempfile.TemporaryDirectory() as tmp, _Stage(rec, "report"):
            record["notes"] += run("report", lambda: _report_stage(results, ds, Path(tmp)))
    return record


def worker_reference(dataset: str, cells_out: str | None, threads: int | None) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from duckdb_reference import compute_reference

    timings: dict[str, float] = {}
    _reset_peak()
    t0 = time.perf_counter()
    cells = compute_reference(dataset, threads=threads, timings=timings)
    seconds = time.perf_counter() - t0
    if cells_out:
        cells.to_pickle(cells_out)
    return {"load": timings["load"], "compute": timings["compute"], "total": seconds,
            "peak_mb": _peak_mb()}


def _run_worker(args: list[str], timeout: float | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed ({' '.join(args[:3])}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# Datasets.


def ensure_dataset(children: int, seed: int, period: int, profile: str,
                   fmt: str = "parquet") -> tuple[Path, float | None]:
    """The cached simulated dataset of this size, generated when missing.

    Returns the dataset folder and the generation time (None when it came from the cache).
    """
    tag = f"{profile}-{children}-s{seed}-{period}-{fmt}"
    folder = CACHE / tag
    done = folder / ".complete"
    if not done.is_file():
        import shutil

        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        # The simulator's public API (what `jj-indicators simulate ... --format parquet` runs),
        # in a separate process so that its memory does not count against the stages.
        code = (
            "import sys; from indicators.simulate import simulate_frames, write_dataset; "
            f"write_dataset(simulate_frames({profile!r}, {children}, seed={seed}, "
            f"period={period}), sys.argv[1], format={fmt!r})"
        )
        cmd = [sys.executable, "-c", code, str(folder / "data" / "dataset")]
        print(f"generating {children:,} children ({profile}, seed {seed}, {period})", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"simulate failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        done.write_text(f"{seconds:.1f}\n", encoding="utf-8")
    else:
        seconds = None
    found = sorted(p.parent for p in (folder / "data").rglob("dataset.toml"))
    if not found:
        raise RuntimeError(f"no dataset.toml under {folder}")
    return found[0], seconds


def _count_children(folder: Path) -> int:
    import duckdb

    sys.path.insert(0, str(BENCH))
    from duckdb_reference import _source

    con = duckdb.connect()
    return int(con.execute(f"SELECT count(*) FROM {_source(folder, 'children')}").fetchall()[0][0])


# --------------------------------------------------------------------------------------------
# Machine and report.


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    info["ram_gb"] = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    info.setdefault("cpu", platform.processor() or platform.machine())
    import duckdb
    import numpy
    import pandas
    import pyarrow

    info["python"] = platform.python_version()
    info["versions"] = (f"pandas {pandas.__version__}, numpy {numpy.__version__}, "
                        f"pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}")
    try:
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "indicators"],
            cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip()
        if dirty:
            info["commit"] += " + uncommitted changes in indicators/"
    except OSError:
        info["commit"] = ""
    return info


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def summarise(size_runs: dict[str, Any]) -> dict[str, Any]:
    """Medians over repetitions (times) and maxima (memory) for one size."""
    runs = size_runs["package"]
    out: dict[str, Any] = {"children": size_runs["children"], "rows": runs[0].get("rows", {})}
    for stage in STAGES:
        secs = [r["stages"][stage]["seconds"] for r in runs if stage in r["stages"]]
        mem = [r["stages"][stage]["peak_mb"] for r in runs if stage in r["stages"]]
        out[stage] = _median(secs)
        out[f"{stage}_mb"] = max(mem) if mem else None
    # read + validate + compute of each run, then the median over runs
    core = ("read", "validate", "compute")
    totals = [sum(r["stages"][s]["seconds"] for s in core if s in r["stages"]) for r in runs]
    out["pipeline"] = _median(totals)
    out["pipeline_complete"] = all(out[s] is not None for s in core)
    mems = [out[f"{s}_mb"] for s in ("read", "validate", "compute") if out[f"{s}_mb"]]
    out["pipeline_mb"] = max(mems) if mems else None
    ref = size_runs.get("reference") or []
    out["duck_load"] = _median([r["load"] for r in ref])
    out["duck_compute"] = _median([r["compute"] for r in ref])
    out["duck_mb"] = max(r["peak_mb"] for r in ref) if ref else None
    out["ratio"] = (out["compute"] / out["duck_compute"]
                    if out["compute"] and out["duck_compute"] else None)
    out["agreement"] = size_runs.get("agreement")
    out["load"] = size_runs.get("load")
    out["generation"] = size_runs.get("generation")
    return out


def markdown(summaries: list[dict[str, Any]], info: dict[str, Any], command: str,
             repeat: int, notes: list[str]) -> str:
    lines = []
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"Measured {when}, commit `{info.get('commit', '')}`, with:")
    lines.append("")
    lines.append(f"    {command}")
    lines.append("")
    lines.append(f"Machine: {info.get('nproc')} cores ({info.get('cpu')}), "
                 f"{info.get('ram_gb')} GB RAM; Python {info['python']}; {info['versions']}. "
                 f"Times are medians of {repeat} run(s), each in a fresh process; memory is the "
                 "largest peak resident set over the runs.")
    lines.append("")
    lines.append("| children | arrests | episodes | dispositions | read s | validate s | "
                 "compute s | report s | read+validate+compute s | peak RSS MB | "
                 "DuckDB load s | DuckDB compute s | compute / DuckDB | agree | load avg |")
    lines.append("|" + "---:|" * 14 + "---|")
    for s in summaries:
        rows = s["rows"]
        agree = s["agreement"]
        agree_txt = "-" if agree is None else ("yes" if agree == 0 else f"NO ({agree})")
        lines.append(
            f"| {s['children']:,} | {rows.get('arrests', 0):,} | {rows.get('detentions', 0):,} "
            f"| {rows.get('dispositions', 0):,} | {_fmt(s['read'])} | {_fmt(s['validate'])} "
            f"| {_fmt(s['compute'])} | {_fmt(s['report'])} | {_fmt(s['pipeline'])} "
            f"| {_fmt(s['pipeline_mb'], 0)} | {_fmt(s['duck_load'])} | "
            f"{_fmt(s['duck_compute'])} | {_fmt(s['ratio'], 1)} | {agree_txt} | {s['load']} |"
        )
    lines.append("")
    lines.append("Peak resident memory per stage (MB; each stage's own peak, including what the "
                 "earlier stages still hold), and the DuckDB reference's:")
    lines.append("")
    lines.append("| children | read | validate | compute | report | DuckDB |")
    lines.append("|---:|---:|---:|---:|---:|---:|")
    for s in summaries:
        lines.append(f"| {s['children']:,} | {_fmt(s['read_mb'], 0)} | "
                     f"{_fmt(s['validate_mb'], 0)} | {_fmt(s['compute_mb'], 0)} | "
                     f"{_fmt(s['report_mb'], 0)} | {_fmt(s['duck_mb'], 0)} |")
    lines.append("")
    per_child = [(s["children"], s["pipeline"] / s["children"] * 1e6)
                 for s in summaries if s["pipeline"]]
    if per_child:
        txt = ", ".join(f"{n:,}: {us:.1f} µs" for n, us in per_child)
        lines.append(f"Time per child (read+validate+compute): {txt}.")
        if len(per_child) > 1:
            ratio = per_child[-1][1] / per_child[0][1]
            lines.append(f"Per-child time at {per_child[-1][0]:,} / at {per_child[0][0]:,}: "
                         f"{ratio:.2f} (target <= 1.3).")
        if len(per_child) > 2:
            # the smallest size carries fixed costs (imports, schema building): the ratio of
            # the two largest sizes shows the growth with the number of records
            ratio = per_child[-1][1] / per_child[-2][1]
            lines.append(f"Per-child time at {per_child[-1][0]:,} / at {per_child[-2][0]:,}: "
                         f"{ratio:.2f}.")
        lines.append("")
    targets = []
    for s in summaries:
        if s["children"] == 1_000_000 and s["pipeline"] is not None:
            ok_t = "met" if s["pipeline"] < 45 and s["pipeline_complete"] else "NOT met"
            ok_m = "met" if (s["pipeline_mb"] or 0) < 4096 else "NOT met"
            targets.append(f"1 M children read+validate+compute {s['pipeline']:.1f} s "
                           f"(target < 45 s: {ok_t}); peak {s['pipeline_mb']:.0f} MB "
                           f"(target < 4 GB: {ok_m}).")
        if s["ratio"] is not None:
            ok = "met" if s["ratio"] <= 3 else "NOT met"
            targets.append(f"{s['children']:,} children: compute / DuckDB compute "
                           f"{s['ratio']:.1f} (target <= 3: {ok}).")
    if targets:
        lines += ["Targets: " + " ".join(targets), ""]
    if notes:
        lines.append("Notes: " + " ".join(sorted(set(notes))))
        lines.append("")
    return "\n".join(lines)


def write_benchmarks_md(section: str) -> None:
    block = f"{START}\n{section.rstrip()}\n{END}"
    if BENCHMARKS_MD.is_file():
        text = BENCHMARKS_MD.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            tail = rest.split(END, 1)[1]
            BENCHMARKS_MD.write_text(head + block + tail, encoding="utf-8")
            return
        BENCHMARKS_MD.write_text(text.rstrip() + "\n\n" + block + "\n", encoding="utf-8")
    else:
        BENCHMARKS_MD.write_text("# Benchmarks\n\n" + block + "\n", encoding="utf-8")


def _print_profile(prof_dir: Path, stage: str, top: int) -> None:
    import pstats

    path = prof_dir / f"{stage}.prof"
    if not path.is_file():
        return
    print(f"\n--- cProfile, stage {stage}: top {top} by own time ({path}) ---")
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(top)
    print(f"--- stage {stage}: top {top} by cumulative time ---")
    stats.sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark jj-indicators against DuckDB.")
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of children")
    parser.add_argument("--datasets", nargs="+", type=Path,
                        help="benchmark these existing dataset folders instead of simulating")
    parser.add_argument("--quick", action="store_true", help="100 k children only, one run")
    parser.add_argument("--repeat", type=int, help="runs per size (default 3; 1 with --quick)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--period", type=int, default=2024)
    parser.add_argument("--profile", default="northland", help="simulator profile")
    parser.add_argument("--stages",
                        help="comma-separated subset of " + ",".join(STAGES)
                        + " (default: all; with --quick: all but report)")
    parser.add_argument("--no-reference", action="store_true", help="skip the DuckDB reference")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    parser.add_argument("--cprofile", action="store_true",
                        help="one extra profiled run per size; prints the hot spots")
    parser.add_argument("--top", type=int, default=25, help="lines of profile to print")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    # internal: the per-run workers
    parser.add_argument("--worker", choices=("package", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--cells-out", help=argparse.SUPPRESS)
    parser.add_argument("--cprofile-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    default_stages = STAGES[:3] if args.quick else STAGES
    stages = [s for s in (args.stages or ",".join(default_stages)).split(",") if s]

    if args.worker == "package":
        print(json.dumps(worker_package(args.dataset, stages, args.cells_out, args.cprofile_dir)))
        return 0
    if args.worker == "reference":
        print(json.dumps(worker_reference(args.dataset, args.cells_out, args.threads)))
        return 0

    sizes: list[Any] = args.sizes or ([100_000] if args.quick else list(SIZES))
    if args.datasets:
        sizes = list(args.datasets)
    repeat = args.repeat or (1 if args.quick else 3)
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    sys.path.insert(0, str(BENCH))
    from duckdb_reference import compare_cells

    info = machine_info()
    print(f"machine: {info}  load {_load()}", flush=True)
    summaries, notes = [], []
    for item in sizes:
        if isinstance(item, Path):
            dataset, generation = item, None
            size = _count_children(dataset)
        else:
            size = item
            dataset, generation = ensure_dataset(size, args.seed, args.period, args.profile)
        load_before = _load()
        runs: dict[str, Any] = {"children": size, "package": [], "reference": [],
                                "generation": generation}
        with tempfile.TemporaryDirectory() as tmp:
            pkg_cells = Path(tmp) / "package.pkl"
            ref_cells = Path(tmp) / "reference.pkl"
            for i in range(repeat):
                extra = ["--cells-out", str(pkg_cells)] if i == 0 else []
                rec = _run_worker(["--worker", "package", "--dataset", str(dataset),
                                   "--stages", ",".join(stages), *extra])
                runs["package"].append(rec)
                notes += rec.get("notes", [])
                print(f"  {size:,} package run {i + 1}: " + ", ".join(
                    f"{k} {v['seconds']:.2f} s / {v['peak_mb']:.0f} MB"
                    for k, v in rec["stages"].items()), flush=True)
                if not args.no_reference:
                    extra = ["--cells-out", str(ref_cells)] if i == 0 else []
                    if args.threads:
                        extra += ["--threads", str(args.threads)]
                    ref = _run_worker(["--worker", "reference", "--dataset", str(dataset),
                                       *extra])
                    runs["reference"].append(ref)
                    print(f"  {size:,} DuckDB run {i + 1}: load {ref['load']:.2f} s, "
                          f"compute {ref['compute']:.2f} s / {ref['peak_mb']:.0f} MB", flush=True)
            if pkg_cells.is_file() and ref_cells.is_file():
                import pandas as pd

                problems = compare_cells(pd.read_pickle(pkg_cells), pd.read_pickle(ref_cells))
                runs["agreement"] = len(problems)
                n_cells = len(pd.read_pickle(ref_cells))
                if problems:
                    print(f"  {size:,}: package and DuckDB DISAGREE on {len(problems)} of "
                          f"{n_cells} cells:")
                    for p in problems[:30]:
                        print("    " + p)
                else:
                    print(f"  {size:,}: package and DuckDB agree exactly on all {n_cells} cells "
                          "(numerators and denominators)", flush=True)
            if args.cprofile:
                prof_dir = CACHE / f"profile-{size}"
                prof_dir.mkdir(parents=True, exist_ok=True)
                _run_worker(["--worker", "package", "--dataset", str(dataset),
                             "--stages", ",".join(stages), "--cprofile-dir", str(prof_dir)])
                for stage in stages:
                    _print_profile(prof_dir, stage, args.top)
        runs["load"] = f"{load_before} / {_load()}"
        summaries.append(summarise(runs))
    section = markdown(summaries, info, command, repeat, notes)
    print()
    print(section)
    if args.write:
        write_benchmarks_md(section)
        print(f"wrote {BENCHMARKS_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
