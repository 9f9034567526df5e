"""The run, written once: load -> validate -> compute -> protect -> write.

The command line (``compute``, ``report``, ``compare``, ``run``) and the reports call these
stages; each is a plain function that can be called and tested alone:

- :func:`compute_dataset`: read one dataset folder, validate it (a dataset with errors is not
  computed), compute every indicator;
- :func:`load_inputs`: any mix of dataset folders, ``indicators.csv`` files, count tables and the
  reference folder, as one :class:`Inputs`;
- :func:`protect` / :func:`protect_results`: disclosure control of everything that will be
  published (public mode), the same policy whichever command runs;
- :func:`write_results`: the files of ``compute`` with the manifest's record of the policy;
- :func:`run`: the main job (tables, country reports, comparison).

Every stage takes the run's :class:`~indicators.parameters.Parameters` as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .compute import IndicatorResults, combine_results, compute_indicators
from .counts import from_counts
from .ingest import read_dataset
from .issues import DatasetError
from .parameters import Parameters
from .reference import is_reference_folder, load_reference
from .registry import COMPARISON_COLUMNS, DURATION_COLUMNS, RESULT_COLUMNS
from .safety import neutralise_frame
from .workers import Progress, run_parallel

__all__ = [
    "Inputs",
    "InvalidDataset",
    "compute_dataset",
    "load_inputs",
    "protect",
    "protect_results",
    "read_indicators_csv",
    "read_valid_dataset",
    "run",
    "write_results",
]

NUMERIC = ("value", "numerator", "denominator", "ci_lower", "ci_upper")


class InvalidDataset(DatasetError):
    """A dataset with validation errors: it is not computed (the summary is the message)."""


# --------------------------------------------------------------------------- load and compute


def read_valid_dataset(path: str | Path):
    """Read and validate one dataset; a dataset with errors stops here.

    Raises
    ------
    DatasetError
        The path is not a dataset.
    InvalidDataset
        The dataset has validation errors (message: the validation summary).
    """
    from .validation import validate_dataset

    ds = read_dataset(path)
    report = validate_dataset(ds)
    if not report.ok:
        raise InvalidDataset(f"{path} has validation errors: it is not computed (run "
                             f"`jj-indicators validate {path}` for the full table)\n"
                             f"{report.summary(max_examples=2)}")
    return ds


def compute_dataset(path: str | Path, parameters: Parameters | None = None) -> IndicatorResults:
    """Read, validate and compute one dataset.

    Raises
    ------
    DatasetError, InvalidDataset
        As :func:`read_valid_dataset`.
    ParameterError
        A parameter not allowed for this dataset (e.g. a census day outside its period).
    """
    return compute_indicators(read_valid_dataset(path), parameters)


def _compute_task(item: tuple[Path, Parameters]) -> IndicatorResults:
    return compute_dataset(*item)


@dataclass
class Inputs:
    """Everything read for a run, a comparison or a report."""

    indicators: pd.DataFrame
    durations: pd.DataFrame
    reconciliation: list[pd.DataFrame] = field(default_factory=list)
    results: list = field(default_factory=list)  # IndicatorResults of computed datasets
    datasets: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_indicators_csv(path: str | Path) -> pd.DataFrame:
    """Read an ``indicators.csv`` file (numbers as floats, text as text, flags '' when none)."""
    f = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in RESULT_COLUMNS if c not in f.columns]
    if missing:
        raise ValueError(f"{path}: not an indicators.csv file (missing {', '.join(missing)})")
    for c in NUMERIC:
        f[c] = pd.to_numeric(f[c].replace("", None), errors="coerce").astype(float)
    if "core" in f.columns:
        f["core"] = f["core"].str.lower().isin(["true", "1", "yes"])
    return f


def _kind_of_csv(path: Path) -> str:
    head = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    cols = {str(c).strip().lower() for c in head}
    if {"unit", "ci_lower", "ci_upper", "flags"} <= cols:
        return "indicators"
    if {"statistic", "value", "indicator"} <= cols:
        return "durations"
    if {"indicator", "group"} <= cols and ("numerator" in cols or "value" in cols):
        return "counts"
    return "unknown"


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    for c in COMPARISON_COLUMNS:
        if c not in f.columns:
            f[c] = "" if c not in NUMERIC else np.nan
    for c in ("period_start", "period_end", "census_date"):
        f[c] = f[c].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                        or v is pd.NaT or v is pd.NA else pd.Timestamp(v).strftime("%Y-%m-%d")
                        if not isinstance(v, str) else v)
    f["flags"] = f["flags"].fillna("").astype(str)
    f["origin"] = f["origin"].replace("", np.nan).fillna("records") if "origin" in f else "records"
    return f


def _dataset_folders(path: Path) -> list[Path]:
    return sorted(p.parent for p in path.rglob("dataset.toml"))


def _read_file(path: Path, parameters: Parameters, frames: list, durations: list) -> None:
    kind = _kind_of_csv(path)
    if kind == "indicators":
        frames.append(read_indicators_csv(path))
        beside = path.with_name("durations.csv")
        if beside.is_file():
            durations.append(pd.read_csv(beside, dtype={"group": str}))
    elif kind == "counts":
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frames.append(from_counts(table, parameters))
    elif kind == "durations":
        durations.append(pd.read_csv(path, dtype={"group": str}))
    else:
        raise ValueError(f"{path}: neither an indicators.csv, a durations.csv nor a counts "
                         "table (country, period, indicator, group, numerator, denominator)")


def _read_folder(path: Path, out: Inputs, frames: list, durations: list) -> list[Path]:
    """Reference tables and results of a folder; returns the dataset folders under it."""
    if (path / "dataset.toml").is_file():
        return [path]
    folders = _dataset_folders(path)
    found = bool(folders)
    if is_reference_folder(path):
        frames.append(load_reference(path))
        out.notes.append(f"published reference figures from {path}")
        found = True
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        if is_reference_folder(sub) and not (sub / "dataset.toml").exists():
            frames.append(load_reference(sub))
            found = True
    if (path / "indicators.csv").is_file() and not folders:
        frames.append(read_indicators_csv(path / "indicators.csv"))
        if (path / "durations.csv").is_file():
            durations.append(pd.read_csv(path / "durations.csv", dtype={"group": str}))
        found = True
    if not found:
        raise ValueError(f"{path}: no dataset (dataset.toml), indicators.csv or reference "
                         "tables found")
    return folders


def load_inputs(
    paths: Sequence[str | Path],
    *,
    parameters: Parameters | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> Inputs:
    """Read results from any mix of files and folders, computing the datasets among them.

    Parameters
    ----------
    paths : sequence of paths
        ``indicators.csv`` files (a ``durations.csv`` beside one is read too), count tables
        (``from_counts`` input), ``durations.csv`` files, the reference folder
        (``data/reference``), dataset folders (holding ``dataset.toml``; computed with
        :func:`compute_dataset`) and folders holding any of these (searched for datasets).
    parameters : Parameters, optional
        The run's parameters (computation of the datasets, intervals of count tables).
    jobs : int
        Worker processes computing the datasets (1: in this process).
    progress : Progress, optional
        Stepped after each dataset is computed.

    Raises
    ------
    ValueError
        A path that does not exist or holds nothing usable.
    InvalidDataset, ParameterError
        As :func:`compute_dataset`.
    """
    parameters = parameters or Parameters()
    frames: list[pd.DataFrame] = []
    durations: list[pd.DataFrame] = []
    out = Inputs(pd.DataFrame(columns=COMPARISON_COLUMNS),
                 pd.DataFrame(columns=DURATION_COLUMNS))
    folders: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise ValueError(f"{path}: no such file or folder")
        if path.is_file():
            _read_file(path, parameters, frames, durations)
        else:
            folders.extend(_read_folder(path, out, frames, durations))
    folders = list(dict.fromkeys(folders))
    if progress is not None:
        progress.total = max(progress.total, progress.done + len(folders))
    computed = run_parallel(_compute_task, [(f, parameters) for f in folders], jobs=jobs,
                            progress=progress, label=lambda item: f"computed {item[0]}")
    for folder, res in zip(folders, computed, strict=True):
        out.results.append(res)
        out.datasets.append(folder)
        frames.append(res.indicators)
        durations.append(res.durations)
        out.reconciliation.append(res.reconciliation)
    if frames:
        out.indicators = pd.concat([_normalise(f) for f in frames], ignore_index=True)
    if durations:
        d = pd.concat(durations, ignore_index=True)
        d["value"] = pd.to_numeric(d["value"], errors="coerce")
        out.durations = d
    return out


# --------------------------------------------------------------------------- protect


def protect_results(results: IndicatorResults, parameters: Parameters) -> IndicatorResults:
    """Disclosure control of computed results (indicators, durations, reconciliation) in
    public mode; the results unchanged in internal mode."""
    if parameters.disclosure != "public":
        return results
    from .disclosure import apply_disclosure, suppress_durations, suppress_reconciliation

    threshold, base3 = parameters.threshold, parameters.round_base3
    protected = apply_disclosure(results, threshold=threshold, round_base3=base3)
    results.indicators = getattr(protected, "indicators", protected)
    results.durations = suppress_durations(results.durations, threshold,
                                           indicators=results.indicators, round_base3=base3)
    results.reconciliation = suppress_reconciliation(results.reconciliation, threshold,
                                                     indicators=results.indicators,
                                                     round_base3=base3)
    return results


def protect(inputs: Inputs, parameters: Parameters):
    """Disclosure control of everything read, for publication.

    Computed results go through :func:`protect_results`; rows from count tables through
    ``apply_disclosure``; published reference figures stay as published.

    Returns
    -------
    indicators, durations, combined
        The frames to chart and the combined computed ``IndicatorResults`` (protected; None
        when no dataset was computed).
    """
    combined = combine_results(inputs.results) if inputs.results else None
    frame, durations = inputs.indicators, inputs.durations
    if parameters.disclosure != "public":
        return frame, durations, combined
    from .disclosure import apply_disclosure

    origin = frame["origin"] if "origin" in frame else pd.Series("records", index=frame.index)
    parts = [frame[origin == "published"]]
    if combined is not None:
        combined = protect_results(combined, parameters)
        parts.insert(0, _normalise(combined.indicators))
        durations = combined.durations
    others = frame[(origin != "published") & (origin != "records")]
    if combined is None:
        others = frame[origin != "published"]
    if len(others):
        parts.insert(1, _normalise(apply_disclosure(others.reset_index(drop=True),
                                                    threshold=parameters.threshold,
                                                    round_base3=parameters.round_base3)))
    return pd.concat(parts, ignore_index=True), durations, combined


# --------------------------------------------------------------------------- write


def _disclosure_record(parameters: Parameters) -> dict:
    if parameters.disclosure != "public":
        return {"mode": parameters.disclosure}
    from .disclosure import disclosure_policy

    return disclosure_policy(threshold=parameters.threshold, round_base3=parameters.round_base3)


def write_results(results: IndicatorResults, out_dir: str | Path, datasets: Sequence,
                  parameters: Parameters, *, excel: bool = True, sdmx: bool = False
                  ) -> dict[str, Path]:
    """The files of ``jj-indicators compute`` (protected results; the policy in the
    manifest), and the SDMX files when asked."""
    from .outputs import write_outputs

    written = write_outputs(results, out_dir, datasets, excel=excel,
                            extra_manifest={"disclosure": _disclosure_record(parameters)})
    if sdmx:
        from .sdmx import write_sdmx

        write_sdmx(results.indicators, out_dir)
    return written


@dataclass
class RunSummary:
    """What :func:`run` wrote."""

    datasets: int
    countries: list[str]
    tables: list[str]
    charts: list[Path]


def run(paths: Sequence[str | Path], out_dir: str | Path, parameters: Parameters, *,
        jobs: int = 1, progress: Progress | None = None) -> RunSummary:
    """The main job: indicators of every dataset under the paths, a report per computed
    country and the comparison charts (computed countries beside published figures).

    Raises
    ------
    ValueError
        Nothing to compute or compare under the paths.
    """
    from .report import countries_of, write_all

    inputs = load_inputs(paths, parameters=parameters, jobs=jobs, progress=progress)
    if inputs.indicators.empty:
        raise ValueError("no datasets, results or reference figures found in "
                         + ", ".join(map(str, paths)))
    frame, durations, combined = protect(inputs, parameters)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = []
    if combined is not None:
        written = write_results(combined, out, inputs.datasets, parameters, excel=False)
        tables += sorted(Path(p).name for p in written.values())
    neutralise_frame(frame).to_csv(out / "comparison_rows.csv", index=False)
    tables.append("comparison_rows.csv")
    countries = countries_of(frame)
    charts = write_all(frame, durations, out, countries=countries, jobs=jobs, progress=progress)
    return RunSummary(len(inputs.datasets), countries, tables, charts)
