"""Turn a dataset (text frames, as files hold them) into ministry-like exports and a mapping.

Used by the ingest round trips (property tests, every shipped sample): the exports rename
every column, recode every code and boolean, write dates in another format, split tables over
several files below title rows, give the child's sex and date of birth on the arrest rows
instead of a children table, and hold the population one column per age. Ingesting them with
the mapping written beside them must give the same records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.codes import TABLES

FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%Y%m%d", "excel")


@dataclass
class ExportPlan:
    """How to disguise a dataset as exports (every choice recorded, for the mapping)."""

    prefix: str = "Col "
    date_format: str = "%d/%m/%Y"
    split: int = 2
    title_rows: int = 1
    children_from_arrests: bool = True
    wide_population: bool = True
    delimiter: str = ","
    encoding: str = "utf-8"
    recode: bool = True
    pad: bool = False  # spaces around values and names (they are trimmed)
    formats: dict[str, str] = field(default_factory=dict)


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _date_text(iso: pd.Series, fmt: str) -> pd.Series:
    def one(v):
        if v is None or v == "" or pd.isna(v):
            return ""
        day = dt.date.fromisoformat(str(v))
        if fmt == "excel":
            return str((day - dt.date(1899, 12, 30)).days)
        return day.strftime(fmt)

    return iso.map(one)


def _label(code: str) -> str:
    return f"Lbl {code.upper()} x"


def _write(frame: pd.DataFrame, folder: Path, stem: str, plan: ExportPlan) -> list[str]:
    """Split a frame over ``plan.split`` files below title rows; returns the file names."""
    names = []
    parts = np.array_split(np.arange(len(frame)), max(plan.split, 1))
    for k, idx in enumerate(parts):
        name = f"{stem}_{k + 1:02d}.csv"
        with open(folder / name, "w", encoding=plan.encoding, newline="") as fh:
            for t in range(plan.title_rows):
                fh.write(f"Export {stem} part {k + 1} title {t + 1}\n" if t == 0 else "\n")
            frame.iloc[idx].to_csv(fh, index=False, sep=plan.delimiter, lineterminator="\n")
        names.append(name)
    return names


def write_exports(metadata: dict, frames: dict[str, pd.DataFrame], folder: Path,
                  plan: ExportPlan | None = None) -> Path:
    """Write exports of ``frames`` and ``mapping.toml`` into ``folder``; returns the mapping."""
    plan = plan or ExportPlan()
    folder.mkdir(parents=True, exist_ok=True)
    blocks = [_dataset_block(metadata)]
    from_arrests = plan.children_from_arrests and "arrests" in frames and set(
        frames["children"]["child_id"]) <= set(frames["arrests"]["child_id"])
    for name, frame in frames.items():
        if name == "children" and from_arrests:
            continue
        if name == "population" and plan.wide_population:
            blocks.append(_wide_population(frame, folder, plan))
            continue
        frame = frame.copy()
        if name == "arrests" and from_arrests:
            kids = frames["children"].set_index("child_id")
            frame["sex"] = frame["child_id"].map(kids["sex"])
            frame["date_of_birth"] = frame["child_id"].map(kids["date_of_birth"])
        blocks.append(_table_block(name, frame, folder, plan))
    path = folder / "mapping.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _dataset_block(metadata: dict) -> str:
    lines = ["[dataset]"]
    sections = {}
    for key, value in metadata.items():
        if isinstance(value, dict):
            sections[key] = value
        elif value is not None:
            lines.append(f"{key} = {_toml(key, value)}")
    for key, table in sections.items():
        lines.append(f"[dataset.{key}]")
        lines += [f"{k} = {_toml(k, v)}" for k, v in table.items() if v is not None]
    return "\n".join(lines) + "\n"


def _toml(key: str, value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if key in ("period_start", "period_end", "census_date", "records_to"):
        return str(pd.Timestamp(value).date())
    return _q(value)


def _table_block(name: str, frame: pd.DataFrame, folder: Path, plan: ExportPlan) -> str:
    cols = {c.name: c for c in TABLES[name]} | {c.name: c for c in TABLES["children"]
                                                 if c.name in ("sex", "date_of_birth")}
    out = {}
    columns, values, formats = [], {}, {}
    fmt = plan.formats.get(name, plan.date_format)
    for col in frame.columns:
        c = cols[col]
        s = frame[col].fillna("").astype(str)
        source = f"{plan.prefix}{col}"
        if c.kind == "date":
            s = _date_text(frame[col], fmt)
        elif c.kind == "code" and plan.recode:
            present = sorted({v for v in s if v})
            values[col] = {_label(v): v for v in present}
            s = s.map(lambda v: _label(v) if v else "")
        elif c.kind == "bool" and plan.recode:
            s = s.str.lower().map({"true": "Oui", "false": "Non", "": ""}).fillna(s)
        if plan.pad:
            s = s.map(lambda v: f"  {v} " if v else v)
            source_written = f" {source}  "
        else:
            source_written = source
        out[source_written] = s
        columns.append(f"{col} = {_q(source)}")
    files = _write(pd.DataFrame(out), folder, name, plan)
    lines = ["[[source]]", f"table = {_q(name)}", f"files = [{_q(name + '_*.csv')}]",
             f"header_row = {plan.title_rows + 1}", f"date_format = {_q(fmt)}"]
    if plan.delimiter != ",":
        lines.append(f"delimiter = {_q(plan.delimiter)}")
    if plan.encoding != "utf-8":
        lines.append(f"encoding = {_q(plan.encoding)}")
    if plan.recode:
        lines += ['true_values = ["oui"]', 'false_values = ["non"]']
    lines += ["[source.columns]", *columns]
    for col, table in values.items():
        lines.append(f"[source.values.{col}]")
        lines += [f"{_q(k.lower() if i % 2 else k)} = {_q(v)}"
                  for i, (k, v) in enumerate(table.items())]
    del files, formats
    return "\n".join(lines) + "\n"


def _wide_population(frame: pd.DataFrame, folder: Path, plan: ExportPlan) -> str:
    keys = [c for c in ("year", "sex", "area") if c in frame.columns]
    wide = frame.pivot_table(index=keys, columns="age", values="population", aggfunc="first")
    wide = wide.reset_index()
    ages = [c for c in wide.columns if c not in keys]
    wide.columns = [*(f"{plan.prefix}{k}" for k in keys), *(f"age_{a}" for a in ages)]
    for k in keys:
        wide[f"{plan.prefix}{k}"] = wide[f"{plan.prefix}{k}"].astype(str)
    sexes = {"F": "Filles", "M": "Garcons"}
    if plan.recode:
        wide[f"{plan.prefix}sex"] = wide[f"{plan.prefix}sex"].map(sexes)
    wide = wide.fillna("")
    plan_one = ExportPlan(**{**plan.__dict__, "split": 1})
    _write(wide, folder, "population", plan_one)
    lines = ["[[source]]", 'table = "population"', 'files = ["population_*.csv"]',
             f"header_row = {plan.title_rows + 1}"]
    if plan.delimiter != ",":
        lines.append(f"delimiter = {_q(plan.delimiter)}")
    if plan.encoding != "utf-8":
        lines.append(f"encoding = {_q(plan.encoding)}")
    lines += ["[source.columns]", *(f"{k} = {_q(plan.prefix + k)}" for k in keys)]
    if plan.recode:
        lines += ["[source.values.sex]", '"filles" = "F"', '"GARCONS" = "M"']
    lines += ["[source.unpivot]", 'columns = ["age_*"]', 'into = "age"',
              'values = "population"']
    return "\n".join(lines) + "\n"


def records(ds, name: str) -> pd.DataFrame:
    """A table's record-format columns as text, sorted (for comparing two datasets)."""
    frame = ds.tables[name]
    cols = [c.name for c in TABLES[name] if c.name in frame.columns]
    out = pd.DataFrame({c: frame[c].astype("string") for c in cols})
    empty = [c.name for c in TABLES[name] if not c.required and c.name in out.columns
             and out[c.name].isna().all()]
    out = out.drop(columns=empty)
    return out.sort_values(list(out.columns), kind="stable").reset_index(drop=True)
