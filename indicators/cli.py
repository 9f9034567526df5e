"""The ``jj-indicators`` command line.

Exit codes of every command: 0 success; 1 invalid input (a report is printed); 2 usage error.
One rule for parameters: a value not allowed on the command line is a usage error (2), a value
not allowed inside dataset.toml is invalid input (1). The parameter options of each command are
generated from their declaration (:mod:`indicators.parameters`), so a command offers exactly
the options it uses. No input, however broken, ends in a Python traceback: unexpected errors
are reported in one plain line (``--debug`` shows the traceback for developers).

Each subcommand is one ``_cmd_<name>(args) -> int`` function below; the work itself is done by
:mod:`indicators.pipeline`. Heavy imports happen inside the commands so that
``jj-indicators --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .issues import DatasetError
from .parameters import ParameterError, add_options, from_arguments

__all__ = ["build_parser", "main"]


class UsageError(Exception):
    """A wrong command line (exit code 2)."""


class InputError(Exception):
    """Invalid input that was reported to the user (exit code 1)."""


# --------------------------------------------------------------------------- parsers


def _add_jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes for computing and drawing (default: CPUs, at most 4)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jj-indicators",
        description="Juvenile justice indicators (UNICEF/UNODC) from individual records.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show Python tracebacks of unexpected errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_record_commands(sub)
    _add_result_commands(sub)
    return parser


def _add_record_commands(sub) -> None:
    """Commands about records: checking, describing, templates, simulation, counts."""
    p = sub.add_parser("validate", help="check a dataset and report every problem at once")
    p.add_argument("dataset", help="dataset folder (holding dataset.toml)")
    p.add_argument(
        "--report", metavar="FILE.csv", help="write the full validation table to this CSV file"
    )
    p.add_argument(
        "--max-examples", type=int, default=3, help="examples shown per rule (default 3)"
    )

    p = sub.add_parser("schema", help="print the data dictionary (the record schemas) as Markdown")
    p.add_argument("--out", metavar="FILE.md", help="write to a file instead of the terminal")

    p = sub.add_parser("template", help="write an empty data-entry workbook (or CSV files)")
    p.add_argument("out", nargs="?", metavar="OUT.xlsx", help="workbook to write")
    p.add_argument(
        "--csv", metavar="DIR", help="write empty CSV files and a commented dataset.toml into DIR"
    )

    p = sub.add_parser("simulate", help="generate a synthetic dataset (or all shipped samples)")
    p.add_argument("--profile", help="profile name (see --list-profiles)")
    p.add_argument("--children", type=int, help="number of children in the population of records")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same files)")
    p.add_argument("--period", type=int, help="calendar year of the reference period")
    p.add_argument("--out", metavar="DIR", help="output folder")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table file format")
    p.add_argument("--list-profiles", action="store_true", help="list the profiles and exit")
    p.add_argument(
        "--samples", metavar="DIR", help="regenerate every shipped sample dataset into DIR"
    )
    p.add_argument("--sample-places", type=int, metavar="N",
                   help="write a sample survey instead: the records of N places drawn with "
                        "--seed and visited on the census day")
    p.add_argument("--strata", default="facility_type", metavar="COL[,COL]",
                   help="with --sample-places: facilities columns that make the strata "
                        "(default facility_type)")

    p = sub.add_parser(
        "plan-sample",
        help="plan a sample survey of places: visits per stratum for a margin on JJ02, drawn",
    )
    p.add_argument("facilities", metavar="FACILITIES.csv", help="the places (facilities table)")
    p.add_argument("--strata", required=True, metavar="COL[,COL]",
                   help="columns whose values make the strata, e.g. facility_type")
    p.add_argument("--margin", required=True, type=float, metavar="RATE",
                   help="target margin of error of JJ02, per 100,000 children")
    p.add_argument("--expected", required=True, metavar="N | STRATUM=N,...",
                   help="guess of the children held per place on the census day")
    p.add_argument("--cv", type=float, default=1.0, metavar="CV",
                   help="variation of the number held between places of a stratum (default 1)")
    p.add_argument("--population", type=float, metavar="N",
                   help="child population (default: population.csv and dataset.toml beside "
                        "FACILITIES.csv, the year of the census day)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the draw (default 1)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for facilities.csv (with stratum, sample_weight), sample.toml "
                        "and plan.csv")
    add_options(p, "plan-sample")

    p = sub.add_parser(
        "import-counts", help="turn a table of aggregate counts into indicators.csv rows"
    )
    p.add_argument(
        "file",
        metavar="FILE.csv",
        help="counts table (country, period, indicator, group, numerator, denominator, notes)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_options(p, "import-counts")


def _add_result_commands(sub) -> None:
    """Commands that compute, protect and publish results."""
    p = sub.add_parser("compute", help="compute the 15 indicators for one or more datasets")
    p.add_argument("datasets", nargs="+", metavar="DATASET", help="dataset folders")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--format", choices=["csv", "sdmx"], default="csv", help="also write SDMX-CSV 2.0 with sdmx"
    )
    add_options(p, "compute")

    p = sub.add_parser(
        "compare", help="cross-country comparison charts from results, counts or datasets"
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="RESULTS",
        help="indicators.csv files, count files or dataset folders",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_options(p, "compare")
    _add_jobs_option(p)

    p = sub.add_parser("report", help="a country report (PDF, PNG, SVG) for one dataset")
    p.add_argument("dataset", metavar="DATASET", help="dataset folder")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--country", metavar="CODE", help="the country, when the input holds several")
    add_options(p, "report")
    _add_jobs_option(p)

    p = sub.add_parser(
        "ingest", help="turn a ministry's own exports into a dataset through a mapping file"
    )
    p.add_argument("mapping", metavar="MAPPING.toml", help="the mapping file (see ingest.md)")
    p.add_argument("--out", required=True, metavar="DIR", help="dataset folder to write")
    p.add_argument(
        "--format", choices=["csv", "parquet"], default="csv", help="table files (default csv)"
    )
    p.add_argument(
        "--max-examples", type=int, default=3, help="examples shown per rule (default 3)"
    )

    p = sub.add_parser(
        "map-template", help="draft a mapping file from exports of one table, to edit"
    )
    p.add_argument("exports", nargs="+", metavar="EXPORT", help="export files (CSV, xlsx, Parquet)")
    p.add_argument("--table", required=True, help="the record-format table they feed")
    p.add_argument("--sheet", metavar="NAME", help="the sheet of .xlsx exports (default: first)")
    p.add_argument(
        "--out",
        metavar="FILE.toml",
        help="write (or, for an existing mapping, add a [[source]] to) this file",
    )

    p = sub.add_parser(
        "run",
        help=(
            "the main job: indicators for every dataset under the given folders, "
            "country reports and comparison charts"
        ),
    )
    p.add_argument(
        "inputs",
        nargs="*",
        default=["data/samples", "data/reference"],
        metavar="PATH",
        help="folders of datasets, reference or count files (default: data/samples data/reference)",
    )
    p.add_argument(
        "--out", default="reports", metavar="DIR", help="output folder (default reports)"
    )
    add_options(p, "run")
    _add_jobs_option(p)


# --------------------------------------------------------------------------- commands


def _cmd_validate(args: argparse.Namespace) -> int:
    """Read a dataset, print the summary grouped by rule; exit 0 valid, 1 errors."""
    from .ingest import read_dataset
    from .issues import DatasetError, Issue
    from .validation import IssueCollector, validate_dataset

    if args.max_examples < 0:
        raise UsageError("--max-examples must be 0 or more")
    if args.report and not args.report.lower().endswith(".csv"):
        raise UsageError(f"--report {args.report}: the report is a .csv file")
    try:
        ds = read_dataset(args.dataset)
    except DatasetError as exc:
        if args.report:  # the table the user asked for, with the one reason
            out = IssueCollector(1)
            out.add_issues(
                [
                    *exc.issues,
                    Issue("error", str(args.dataset), None, None, None, "not_a_dataset", str(exc)),
                ]
            )
            _write_report(out.report(str(args.dataset)), args.report)
        raise InputError(str(exc)) from None
    report = validate_dataset(ds)
    print(report.summary(max_examples=args.max_examples))
    if args.report:
        _write_report(report, args.report)
        print(f"\nThe full table ({len(report.issues):,} rows) is in {args.report}")
    return 0 if report.ok else 1


def _write_report(report, path: str) -> None:
    try:
        report.to_csv(path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _cmd_schema(args: argparse.Namespace) -> int:
    """Print (or write) the data dictionary generated from the schemas, as Markdown."""
    from .schemas import data_dictionary

    text = data_dictionary()
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise InputError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"data dictionary written to {args.out}")
    else:
        print(text)
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    """Write the data-entry workbook and/or the CSV folder; never overwrite a file."""
    from pathlib import Path

    from .codes import TABLES
    from .template import write_csv_template, write_template

    if not args.out and not args.csv:
        raise UsageError("give the workbook to write (OUT.xlsx), or --csv DIR, or both")
    if args.out and not args.out.lower().endswith(".xlsx"):
        raise UsageError(f"{args.out}: the workbook name must end with .xlsx")
    if args.out:
        out = Path(args.out)
        if out.exists():
            raise InputError(
                f"{out} exists already: choose another name (a template never "
                "overwrites a file, which may hold records)"
            )
    if args.csv:
        folder = Path(args.csv)
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} exists and is not a folder")
        taken = [
            n for n in ["dataset.toml", *(f"{t}.csv" for t in TABLES)] if (folder / n).exists()
        ]
        if taken:
            raise InputError(
                f"{folder} already holds {', '.join(taken)}: choose an empty folder "
                "(a template never overwrites a file, which may hold records)"
            )
    try:
        if args.out:
            out.parent.mkdir(parents=True, exist_ok=True)
            write_template(out)
            print(
                f"workbook written to {out}: fill in the 'dataset' sheet and the table "
                "sheets, then run: jj-indicators validate " + str(out.parent)
            )
        if args.csv:
            write_csv_template(folder)
            print(f"empty CSV files and dataset.toml written to {folder}")
    except OSError as exc:
        raise InputError(f"cannot write the template: {exc.strerror or exc}") from None
    return 0


def _cmd_compute(args: argparse.Namespace) -> int:
    """Read, validate and compute each dataset; protect (public mode) and write the files."""
    from .compute import combine_results, compute_indicators
    from .pipeline import protect_results, read_valid_dataset, write_results

    params = from_arguments(args, "compute")
    datasets, results = [], []
    for path in args.datasets:
        datasets.append(read_valid_dataset(path))
        results.append(compute_indicators(datasets[-1], params))
    combined = protect_results(combine_results(results), params)
    written = write_results(combined, args.out, datasets, params, sdmx=args.format == "sdmx")
    n_rows = len(combined.indicators)
    print(
        f"computed {combined.indicators['indicator'].nunique()} indicators ({n_rows} rows) for "
        f"{len(results)} dataset(s) of {combined.country}; wrote {', '.join(sorted(written))} "
        f"to {args.out}"
    )
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    """Generate a synthetic dataset (``--profile``), list the profiles, or rebuild the samples."""
    import time

    from . import simulate as sim

    profiles = sim.load_profiles()
    if args.list_profiles:
        table = sim.list_profiles(profiles)
        width = max(len(n) for n in table["profile"])
        for row in table.itertuples():
            print(
                f"{row.profile:<{width}}  {row.code}  {row.country_name} - {row.region}: "
                f"{row.description}"
            )
        return 0
    if args.samples:
        start = time.perf_counter()
        for path in sim.write_samples(args.samples, profiles):
            print(f"wrote {path}")
        print(f"samples regenerated in {time.perf_counter() - start:.1f} s")
        return 0
    missing = [
        opt
        for opt, val in (
            ("--profile", args.profile),
            ("--children", args.children),
            ("--out", args.out),
        )
        if val is None
    ]
    if missing:
        raise UsageError(
            f"give {', '.join(missing)} (or --list-profiles, or --samples DIR); e.g. "
            "jj-indicators simulate --profile northland --children 3000 --period 2024 --out DIR"
        )
    if args.profile not in profiles["profiles"]:
        known = ", ".join(profiles["profiles"])
        raise UsageError(f"unknown profile {args.profile!r}; choose one of: {known}")
    if args.children < 1:
        raise UsageError("--children must be 1 or more")
    period = args.period or int(profiles["simulation"].get("reference_year", 2024))
    if not 1900 <= period <= 2200:
        raise UsageError(f"--period {period} is not a plausible calendar year")
    start = time.perf_counter()
    data = sim.simulate_frames(args.profile, args.children, args.seed, period, profiles=profiles)
    if args.sample_places is not None:
        try:
            data = sim.sample_survey(data, args.sample_places, args.strata.split(","), args.seed)
        except ValueError as exc:
            raise UsageError(f"--sample-places {args.sample_places}: {exc}") from None
    out = sim.write_dataset(data, args.out, format=args.format)
    counts = ", ".join(f"{len(f):,} {name}" for name, f in data.frames.items())
    print(
        f"wrote {out} ({data.metadata['country_name']}, {period}): {counts} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0


def _jobs_and_progress(args: argparse.Namespace) -> tuple[int, object]:
    """Validated --jobs and a text progress bar (shown only on a terminal)."""
    from .workers import Progress, default_jobs

    jobs = args.jobs if getattr(args, "jobs", None) is not None else default_jobs()
    if jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    return jobs, Progress(0, label=args.command)


def _cmd_plan_sample(args: argparse.Namespace) -> int:
    """Visits per stratum for a target margin on JJ02, the places drawn with a seed, written
    as facilities.csv (stratum, sample_weight), sample.toml ([sample]) and plan.csv."""
    from pathlib import Path

    import pandas as pd

    from .survey import plan

    params = from_arguments(args, "plan-sample")
    if args.margin <= 0 or args.cv < 0 or (args.population is not None and args.population <= 0):
        raise UsageError("--margin and --population must be above 0, --cv 0 or more")
    frame = _read_table(Path(args.facilities), "facilities")
    strata = [c.strip() for c in args.strata.split(",") if c.strip()]
    try:
        codes = plan.stratum_codes(frame, strata)
    except ValueError as exc:
        raise InputError(f"{args.facilities}: {exc}") from None
    sizes = codes.value_counts().sort_index().to_dict()
    expected = _expected_per_place(args.expected, sizes)
    population = args.population or _child_population(Path(args.facilities).parent)
    table = plan.plan_sample(sizes, expected, population, args.margin, cv=args.cv,
                             confidence_level=params.confidence_level)
    drawn = plan.draw_sample(frame, strata, dict(zip(table["stratum"], table["visit"],
                                                     strict=True)), args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for col in drawn.columns:  # true/false as the record format writes them
        if pd.api.types.is_bool_dtype(drawn[col]):
            drawn[col] = drawn[col].map({True: "true", False: "false"})
    drawn.to_csv(out / "facilities.csv", index=False)
    table.to_csv(out / "plan.csv", index=False)
    (out / "sample.toml").write_text(_sample_toml(plan.sample_table(drawn, args.seed)),
                                     encoding="utf-8")
    print(table.to_string(index=False))
    print(f"visit {int(table['visit'].sum())} of {len(frame)} places: expected margin "
          f"{table.attrs['margin']:.1f} per 100,000 (target {args.margin:g}); drawn with seed "
          f"{args.seed}: wrote facilities.csv, sample.toml and plan.csv to {out}")
    return 0


def _read_table(path, name: str):
    """A record table read from CSV and typed; invalid cells are invalid input."""
    import pandas as pd

    from .reading import typed_table

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc})") from None
    issues: list = []
    frame = typed_table(name, raw, issues, path.name)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise InputError(f"{path}: " + "; ".join(f"row {i.row}: {i.message}" for i in errors[:3]))
    return frame


def _expected_per_place(text: str, sizes: dict) -> dict:
    """--expected: one number for every stratum, or STRATUM=N pairs covering them all."""
    try:
        if "=" not in text:
            return dict.fromkeys(sizes, float(text))
        pairs = dict(p.split("=", 1) for p in text.split(","))
        given = {k.strip(): float(v) for k, v in pairs.items()}
    except ValueError:
        raise UsageError(f"--expected {text}: write a number, or STRATUM=N,...") from None
    missing = [h for h in sizes if h not in given]
    if missing or any(v < 0 for v in given.values()):
        raise UsageError(f"--expected: give 0 or more for every stratum ({', '.join(sizes)})")
    return {h: given[h] for h in sizes}


def _child_population(folder) -> float:
    """The child population of the census day's year from a dataset folder."""
    import tomllib

    import pandas as pd

    toml, pop = folder / "dataset.toml", folder / "population.csv"
    if not (toml.is_file() and pop.is_file()):
        raise UsageError("give --population (no dataset.toml and population.csv beside the "
                         "facilities file)")
    try:
        meta = tomllib.loads(toml.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{toml}: {exc}") from None
    year = pd.Timestamp(str(meta.get("census_date") or meta.get("period_end"))).year
    table = _read_table(pop, "population")
    rows = table[(table["year"] == year) & (table["age"] < 18)]
    if rows.empty:
        raise InputError(f"{pop}: no population of ages 0-17 for {year}")
    return float(rows["population"].sum())


def _sample_toml(table: dict) -> str:
    """The [sample] table as TOML, to be copied into dataset.toml."""
    strata = ", ".join(f'"{h}" = {n}' for h, n in table["facilities_in_stratum"].items())
    return ("# The design drawn by jj-indicators plan-sample: copy this table into the\n"
            "# survey's dataset.toml, and facilities.csv beside it.\n[sample]\n"
            f'unit = "{table["unit"]}"\nfacilities_in_stratum = {{ {strata} }}\n'
            f"seed = {table['seed']}\n")


def _cmd_import_counts(args: argparse.Namespace) -> int:
    """Aggregate counts (country, period, indicator, group, numerator, denominator, notes) to
    ``DIR/indicators.csv`` rows with intervals and flags."""
    from pathlib import Path

    import pandas as pd

    from .counts import from_counts
    from .safety import neutralise_frame

    params = from_arguments(args, "import-counts")
    path = Path(args.file)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc})") from None
    try:
        frame = from_counts(table, params)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    neutralise_frame(frame).to_csv(out / "indicators.csv", index=False)
    print(
        f"imported {len(frame)} rows ({frame['country'].nunique()} countries, "
        f"{frame['indicator'].nunique()} indicators) into {out / 'indicators.csv'}"
    )
    return 0


def _load(args: argparse.Namespace, paths, params):
    """The pipeline's load stage for the chart commands, with --jobs and a progress bar."""
    from .pipeline import load_inputs

    jobs, progress = _jobs_and_progress(args)
    try:
        inputs = load_inputs(paths, parameters=params, jobs=jobs, progress=progress)
    except ValueError as exc:
        if isinstance(exc, ParameterError):
            raise
        raise InputError(str(exc)) from None
    return inputs, jobs, progress


def _cmd_compare(args: argparse.Namespace) -> int:
    """Comparison charts (PNG 200 dpi, SVG, one PDF) from any mix of results."""
    import time

    from .pipeline import protect
    from .report import write_comparison

    start = time.perf_counter()
    params = from_arguments(args, "compare")
    inputs, _, progress = _load(args, args.inputs, params)
    if inputs.indicators.empty:
        raise InputError("nothing to compare: no indicator rows in the inputs")
    frame, durations, _ = protect(inputs, params)
    written = write_comparison(frame, durations, args.out, progress=progress)
    print(
        f"compared {frame['country'].nunique()} countries: wrote {len(written)} files to "
        f"{args.out} ({params.disclosure} disclosure) in {time.perf_counter() - start:.1f} s"
    )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """A country report: the 15-indicator table and the country's charts (PDF, PNG, SVG)."""
    import time

    from .pipeline import protect
    from .report import countries_of, write_country_report

    start = time.perf_counter()
    params = from_arguments(args, "report")
    inputs, _, progress = _load(args, [args.dataset], params)
    frame, durations, _ = protect(inputs, params)
    countries = countries_of(frame, ("records", "counts", "published"))
    if getattr(args, "country", None):
        if args.country not in countries:
            raise InputError(f"no results for country {args.country!r} in {args.dataset}")
        countries = [args.country]
    if len(countries) != 1:
        raise UsageError(
            f"{args.dataset} holds {len(countries)} countries; choose one with --country"
        )
    written = write_country_report(frame, durations, countries[0], args.out, progress=progress)
    print(
        f"report for {countries[0]}: wrote {len(written)} files to {args.out} "
        f"({params.disclosure} disclosure) in {time.perf_counter() - start:.1f} s"
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    """The main job: indicators of every dataset under the paths, a report per computed
    country and the comparison charts (computed countries beside published figures)."""
    import time
    from pathlib import Path

    from . import pipeline

    start = time.perf_counter()
    params = from_arguments(args, "run")
    jobs, progress = _jobs_and_progress(args)
    try:
        done = pipeline.run(args.inputs, args.out, params, jobs=jobs, progress=progress)
    except ValueError as exc:
        if isinstance(exc, ParameterError):
            raise
        raise InputError(str(exc)) from None
    out = Path(args.out)
    print(
        f"computed {done.datasets} datasets ({len(done.countries)} countries); wrote "
        f"{', '.join(done.tables)}, {len(done.countries)} country reports under "
        f"{out / 'countries'} and the comparison under {out / 'comparison'} "
        f"({len(done.charts)} chart files, {params.disclosure} disclosure) in "
        f"{time.perf_counter() - start:.1f} s"
    )
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest the exports a mapping names into DIR; exit 0 valid, 1 problems (DIR then holds
    only ingest_report.csv)."""
    from pathlib import Path

    from .ingest import ingest, ingest_summary, write_ingest, write_ingest_failure
    from .validation import validate_dataset

    if args.max_examples < 0:
        raise UsageError("--max-examples must be 0 or more")
    mapping = Path(args.mapping)
    if mapping.suffix.lower() != ".toml" or mapping.name == "dataset.toml":
        raise UsageError(f"{mapping}: give the mapping file (a .toml file other than dataset.toml)")
    try:
        result = ingest(mapping)
    except DatasetError as exc:  # the mapping file itself cannot be read
        try:
            write_ingest_failure(args.out)
        except DatasetError as out_exc:
            raise InputError(f"{exc}\n{out_exc}") from None
        raise InputError(f"{exc}\nNothing was ingested: {args.out} holds only "
                         "ingest_report.csv.") from None
    try:
        outcome = write_ingest(result, args.out, validate_dataset(result.dataset),
                               format=args.format)
    except DatasetError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(ingest_summary(result, outcome, max_examples=args.max_examples))
    return 0 if outcome.ok else 1


def _cmd_map_template(args: argparse.Namespace) -> int:
    """Draft a mapping for exports of one table (print it, write it, or add it to a mapping)."""
    from pathlib import Path

    from .codes import TABLES
    from .ingest.template import map_template

    if args.table not in TABLES:
        raise UsageError(f"--table {args.table!r}: choose one of {', '.join(TABLES)}")
    exports = [Path(p) for p in args.exports]
    missing = [str(p) for p in exports if not p.is_file()]
    if missing:
        raise InputError(f"no such export: {', '.join(missing)}")
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() != ".toml":
        raise UsageError(f"--out {out}: the mapping file name ends with .toml")
    adding = out is not None and out.exists()
    folder = out.parent if out is not None else Path.cwd()
    try:
        text = map_template(exports, args.table, folder, sheet=args.sheet, dataset=not adding)
    except (ValueError, KeyError) as exc:
        raise InputError(str(exc)) from None
    if out is None:
        print(text, end="")
        return 0
    try:
        if adding:
            with open(out, "a", encoding="utf-8", newline="\n") as fh:
                fh.write("\n" + text)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    todo = sum("TODO" in line for line in text.splitlines())
    print(f"{'added a [[source]] for ' + args.table + ' to' if adding else 'wrote'} {out}: "
          f"{todo} line(s) marked TODO to decide; then run jj-indicators validate {out}")
    return 0


COMMANDS = {
    "validate": _cmd_validate,
    "schema": _cmd_schema,
    "template": _cmd_template,
    "compute": _cmd_compute,
    "simulate": _cmd_simulate,
    "plan-sample": _cmd_plan_sample,
    "import-counts": _cmd_import_counts,
    "compare": _cmd_compare,
    "report": _cmd_report,
    "run": _cmd_run,
    "ingest": _cmd_ingest,
    "map-template": _cmd_map_template,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``jj-indicators``; returns the exit code (0, 1 or 2)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, errors exit 2
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"jj-indicators {args.command}: {exc}", file=sys.stderr)
        return 2
    except ParameterError as exc:  # the one rule: the command line's fault, or the data's
        print(f"jj-indicators {args.command}: {exc}", file=sys.stderr)
        return 2 if exc.origin == "command line" else 1
    except (InputError, DatasetError) as exc:
        print(f"jj-indicators {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for users
        if args.debug:
            raise
        print(
            f"jj-indicators {args.command}: unexpected error: {type(exc).__name__}: {exc}\n"
            "Please report this with the command you ran (add --debug for details).",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
