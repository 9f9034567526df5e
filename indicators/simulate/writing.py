"""Writing datasets: ``dataset.toml``, one CSV or Parquet file per table, and the shipped
samples.

CSV files are UTF-8, comma-separated, ``\\n`` line ends, empty = missing; the same frames give
the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..codes import TABLES
from ..registry import policy_keys
from .frames import SimulatedData
from .generate import simulate_frames
from .profiles import load_profiles

__all__ = ["write_dataset", "write_samples"]


def _toml_value(v: Any) -> str:
    """A TOML literal of a bool, an int or (otherwise) a string."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def _dataset_toml(meta: dict[str, Any]) -> str:
    """The text of dataset.toml: the synthetic-data header, the metadata, ``[policy]``."""
    lines = [
        "# SYNTHETIC DATA made by jj-indicators simulate: no real child is described here.",
        "# See data/README.md and indicators/profiles.toml.",
    ]
    for key in ("country", "country_name", "region", "source"):
        if meta.get(key) is not None:
            lines.append(f"{key} = {_toml_value(meta[key])}")
    for key in ("period_start", "period_end", "census_date"):
        if meta.get(key) is not None:
            lines.append(f"{key} = {pd.Timestamp(meta[key]).strftime('%Y-%m-%d')}")
    if meta.get("minimum_age_criminal_responsibility") is not None:
        lines.append(
            "minimum_age_criminal_responsibility = "
            f"{int(meta['minimum_age_criminal_responsibility'])}"
        )
    policy = meta.get("policy") or {}
    if policy:
        lines += ["", "[policy]"]
        for key in policy_keys():
            if isinstance(policy.get(key), bool):
                lines.append(f"{key} = {_toml_value(policy[key])}")
    return "\n".join(lines) + "\n"


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A typed frame back to file text (ISO dates, true/false, integers without decimals)."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            txt = s.dt.strftime("%Y-%m-%d").astype(object)
            txt[s.isna().to_numpy()] = None
        elif pd.api.types.is_bool_dtype(s.dtype):
            txt = s.map({True: "true", False: "false"}).astype(object)
            txt[s.isna().to_numpy()] = None
        else:
            txt = s.astype(object).where(s.notna(), None)
            txt = txt.map(lambda x: x if x is None else str(x))
        out[col] = txt
    return pd.DataFrame(out)


def _typed_for_parquet(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A text frame typed by the column kinds of its table (dates, booleans, integers)."""
    out = frame.copy()
    for col in TABLES[name]:
        if col.name not in out.columns:
            continue
        s = out[col.name]
        if col.kind == "date":
            out[col.name] = pd.to_datetime(s, format="%Y-%m-%d").astype("datetime64[ms]")
        elif col.kind == "bool":
            out[col.name] = s.map({"true": True, "false": False}).astype("boolean")
        elif col.kind == "int":
            out[col.name] = pd.to_numeric(s).astype("Int64")
        else:
            out[col.name] = s.astype("string")
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV as ``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes it, faster.

    Arrow's writer (multi-threaded) handles the body when no cell needs quoting (ids, codes,
    dates, numbers: always the case for simulated data); otherwise pandas writes the file.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(c) for c in frame.columns]
    header = ",".join(names)
    if any(ch in name for name in names for ch in ',"\n\r'):
        frame.to_csv(path, index=False, lineterminator="\n", na_rep="")
        return
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(pa.schema([pa.field(c, pa.string()) for c in table.column_names]))
        with pa.OSFile(str(path), "wb") as sink:  # Arrow's own file: no Python per chunk
            sink.write((header + "\n").encode("utf-8"))
            pacsv.write_csv(
                table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none")
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        frame.to_csv(path, index=False, lineterminator="\n", na_rep="")


def write_dataset(data, out_dir: str | Path, format: str = "csv") -> Path:
    """Write a dataset folder: dataset.toml and one file per table.

    Parameters
    ----------
    data : SimulatedData or Dataset
        What :func:`simulate_frames` or :func:`simulate` returned (or any Dataset).
    out_dir : path
        Folder to write (created if needed); existing table files are replaced.
    format : {"csv", "parquet"}
        Table file format. CSV is UTF-8, comma-separated, ``\\n`` line ends, empty = missing.

    Returns
    -------
    Path
        The folder written.
    """
    if format not in ("csv", "parquet"):
        raise ValueError("format must be 'csv' or 'parquet'")
    if isinstance(data, SimulatedData):
        meta, frames = data.metadata, data.frames
    else:  # a Dataset
        meta = dict(getattr(data, "metadata", {}) or {})
        meta.setdefault("country", data.country)
        meta.setdefault("country_name", data.country_name)
        meta.setdefault("period_start", data.period_start)
        meta.setdefault("period_end", data.period_end)
        meta.setdefault("census_date", data.census_date)
        meta.setdefault("policy", data.policy)
        frames = {}
        for name, table in data.tables.items():
            # the reader adds every optional column; leave out those with no value at all
            empty = [c.name for c in TABLES.get(name, ()) if not c.required
                     and c.name in table.columns and table[c.name].isna().all()]
            frames[name] = _text_frame(table.drop(columns=empty))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dataset.toml").write_text(_dataset_toml(meta), encoding="utf-8", newline="\n")
    for name, frame in frames.items():
        if format == "csv":
            _write_csv(frame, out / f"{name}.csv")
        else:
            _typed_for_parquet(name, frame).to_parquet(out / f"{name}.parquet", index=False)
    return out


def write_samples(
    out_dir: str | Path, profiles: dict[str, Any] | None = None, only: list[str] | None = None
) -> list[Path]:
    """Regenerate the shipped samples: ``out_dir/<CODE>/<YEAR>/`` for every profile and year.

    Uses each profile's ``sample_children`` and ``[simulation] sample_seed`` and
    ``sample_years``; this is what ``jj-indicators simulate --samples DIR`` runs.

    Parameters
    ----------
    out_dir : path
        Folder of the samples (``data/samples`` in the repository).
    profiles : dict, optional
        Profiles as returned by :func:`load_profiles` (default: the package's file).
    only : list of str, optional
        Profile names to write (default: all).

    Returns
    -------
    list of Path
        The dataset folders written, by profile then year.
    """
    profiles = profiles or load_profiles()
    sim = profiles["simulation"]
    seed = int(sim["sample_seed"])
    written = []
    for name, table in profiles["profiles"].items():
        if only and name not in only:
            continue
        for year in sim["sample_years"]:
            data = simulate_frames(
                name, int(table["sample_children"]), seed, int(year), profiles=profiles
            )
            written.append(write_dataset(data, Path(out_dir) / table["code"] / str(year)))
    return written
