"""Writing the results of ``compute``: indicators.csv, durations.csv, reconciliation.csv,
manifest.json and indicators.xlsx (user documentation: docs/outputs.md).

Values are written unrounded; dates as ISO strings; every text cell passes through
:func:`safety.neutralise_frame` so that no cell can run as a spreadsheet formula.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .compute import IndicatorResults
from .parameters import Parameters
from .registry import RECONCILIATION_COLUMNS, declaration, load_definitions
from .safety import neutralise_frame

__all__ = ["OUTPUT_FILES", "definitions_frame", "file_sha256", "write_outputs"]

OUTPUT_FILES = (
    "indicators.csv",
    "durations.csv",
    "reconciliation.csv",
    "manifest.json",
    "indicators.xlsx",
)

def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def definitions_frame() -> pd.DataFrame:
    """The indicator definitions (``definitions.toml``) as a table, for the workbook."""
    rows = []
    for s in load_definitions():
        rows.append(
            {
                "indicator": s.id,
                "name": s.name,
                "core": s.core,
                "kind": s.kind,
                "frame": s.frame,
                "unit": s.unit,
                "definition": s.definition,
                "numerator": s.numerator,
                "denominator": s.denominator,
                "age_reference_day": s.age_reference_day,
                "disaggregations": ", ".join(("total", *s.disaggregations)),
                "tables": ", ".join(s.tables),
                "manual": s.manual,
            }
        )
    return pd.DataFrame(rows)


def _inputs_manifest(inputs: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for item in inputs:
        path = getattr(item, "path", None) if not isinstance(item, str | Path) else Path(item)
        files: list[Path] = []
        if path is not None and Path(path).is_dir():
            sources = getattr(item, "sources", None) or {}
            files = [Path(path) / "dataset.toml", *sources.values()]
            if not sources:
                files += sorted(
                    p for p in Path(path).iterdir() if p.suffix in (".csv", ".parquet", ".xlsx")
                )
        elif path is not None and Path(path).is_file():
            files = [Path(path)]
        out.append(
            {
                "dataset": str(path) if path is not None else None,
                "country": getattr(item, "country", None),
                "files": [
                    {"name": f.name, "sha256": file_sha256(f), "bytes": f.stat().st_size}
                    for f in files
                    if f.is_file()
                ],
            }
        )
    return out


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Parameters):
        return _jsonable(obj.as_dict())
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, pd.Timestamp | _dt.date):
        return obj.isoformat()[:10]
    return obj


def _notes_frame(results: IndicatorResults) -> pd.DataFrame:
    lines = [
        (
            "about",
            "UNICEF/UNODC juvenile justice indicators computed by jj-indicators "
            f"{__version__} from individual records.",
        ),
        ("countries", results.country),
        ("parameters", json.dumps(_jsonable(results.parameters), sort_keys=True)),
        ("values", "unrounded; rounding happens only for display"),
        (
            "intervals",
            "exact Poisson for rates (JJ01-JJ03, JJ06), Wilson for percentages, "
            "order statistics for medians (JJ04, JJ05); at the confidence level above",
        ),
        (
            "reconciliation",
            "for each indicator and table: records read = used + left out; "
            "one row per reason (reason 'used' first)",
        ),
        ("reconciliation columns", ", ".join(RECONCILIATION_COLUMNS)),
    ]
    lines += [(f"flag {f.code}", f.note) for f in declaration().flags
              if f.set_by == "engine" or f.code == "suppressed"]
    return pd.DataFrame(lines, columns=["topic", "note"])


def write_outputs(
    results: IndicatorResults,
    out_dir: str | Path,
    inputs: Iterable[Any] = (),
    *,
    excel: bool = True,
    extra_manifest: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the output files of ``jj-indicators compute`` into ``out_dir``.

    Parameters
    ----------
    results : IndicatorResults
        Computed (and, for public outputs, disclosure-controlled) results.
    out_dir : str or Path
        Created if needed.
    inputs : iterable of Dataset or path
        The datasets read, for the input hashes of manifest.json.
    excel : bool
        Also write indicators.xlsx (sheets indicators, durations, definitions,
        reconciliation, notes).
    extra_manifest : dict, optional
        Keys added to manifest.json (e.g. the disclosure settings).

    Returns
    -------
    dict of str to Path
        The files written, by name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "indicators": neutralise_frame(results.indicators),
        "durations": neutralise_frame(results.durations),
        "reconciliation": neutralise_frame(results.reconciliation),
    }
    written: dict[str, Path] = {}
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written[path.name] = path
    if excel:
        path = out / "indicators.xlsx"
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            frames["indicators"].to_excel(xl, sheet_name="indicators", index=False)
            frames["durations"].to_excel(xl, sheet_name="durations", index=False)
            neutralise_frame(definitions_frame()).to_excel(
                xl, sheet_name="definitions", index=False
            )
            frames["reconciliation"].to_excel(xl, sheet_name="reconciliation", index=False)
            neutralise_frame(_notes_frame(results)).to_excel(xl, sheet_name="notes", index=False)
        written[path.name] = path
    manifest = {
        "package": "jj-indicators",
        "version": __version__,
        "run_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "countries": results.country.split(","),
        "parameters": _jsonable(results.parameters),
        "inputs": _inputs_manifest(inputs),
        "outputs": sorted([*written, "manifest.json"]),
        "rows": {
            "indicators": len(results.indicators),
            "durations": len(results.durations),
            "reconciliation": len(results.reconciliation),
        },
    }
    if extra_manifest:
        manifest.update(_jsonable(extra_manifest))
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    written[path.name] = path
    return written
