"""Time ingesting ministry-like exports against reading the same records in the record format.

Usage::

    python benchmarks/ingest_scale.py [--children 1000000] [--files 50] [--keep DIR]

Simulates N children (``indicators.simulate.simulate_frames``, profile northland, seed 1,
period 2024), writes the records twice into a temporary folder:

- ``records/``: the record format (``write_dataset``, CSV), read with ``read_dataset``;
- ``exports/``: the same records as exports would hold them, CSV split over ``--files`` files
  (arrests, dispositions, detentions and family visits split by "station"), French headers
  below a title row, dates written 05/03/2024, sex and offences, decisions, end reasons and
  facility types as labels with value maps, Oui/Non booleans, the child's sex and date of birth
  on every event row (the children table is built from them), the population one column per
  age; and ``mapping.toml``.

Then, each in a fresh Python process (imports not timed), it times ``read_dataset`` on the
records, ``read_dataset(mapping.toml)`` (the ingest in memory), and the whole
``jj-indicators ingest`` (ingest, validate, write) against ``read_dataset`` + ``validate``,
with the peak resident memory of each (Linux ``ru_maxrss``). It checks that both give the
same records. Prints figures; asserts nothing (the target, ingest <= 2 x read_dataset and
under 2 GB, is read off the table).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEX = {"M": "Masculin", "F": "Féminin", "U": "Inconnu"}
OFFENCE = {"01": "Homicide", "02": "Coups et blessures", "03": "Agression sexuelle",
           "04": "Vol avec violence", "05": "Vol simple", "06": "Stupéfiants",
           "07": "Escroquerie", "08": "Outrage à agent", "09": "Port d'arme",
           "10": "Braconnage", "11": "Autre infraction", "status": "Fugue"}
DECISION = {"diversion": "Médiation pénale", "custodial_sentence": "Emprisonnement ferme",
            "non_custodial_sentence": "Sursis", "acquittal": "Relaxe",
            "dismissal": "Classement sans suite"}
END = {"release": "Libération", "transfer": "Transfert", "death": "Décès", "escape": "Évasion"}
FACILITY = {"police": "Commissariat", "pretrial": "Maison d'arrêt",
            "juvenile_institution": "Centre éducatif fermé", "adult_prison": "Prison",
            "closed_welfare": "Foyer fermé", "other": "Autre"}
DIRECTION = {"received": "Parloir", "home_leave": "Permission"}
YES = {"true": "Oui", "false": "Non"}

# export name, record table, {record column: export column}, value maps
EXPORTS = {
    "arrests": ("police", {"arrest_id": "N° PV", "child_id": "Code enfant",
                           "arrest_date": "Date arrestation", "offence_category": "Infraction",
                           "age_years": "Âge", "area": "Zone"}, {"offence_category": OFFENCE}),
    "dispositions": ("tribunal", {"disposition_id": "N° jugement", "child_id": "Code enfant",
                                  "decision_date": "Date jugement", "decision": "Décision",
                                  "offence_date": "Date des faits",
                                  "offence_category": "Infraction"},
                     {"decision": DECISION, "offence_category": OFFENCE}),
    "detentions": ("registre", {"episode_id": "N° écrou", "child_id": "Code enfant",
                                "facility_id": "Établissement", "admission_date": "Entrée",
                                "release_date": "Sortie", "end_reason": "Motif de sortie",
                                "sentence_date": "Condamnation",
                                "wholly_separated_from_adults": "Séparé des adultes",
                                "received_aftercare": "Suivi"},
                   {"end_reason": END, "wholly_separated_from_adults": YES,
                    "received_aftercare": YES}),
    "family_visits": ("visites", {"child_id": "Code enfant", "visit_date": "Date visite",
                                  "direction": "Type"}, {"direction": DIRECTION}),
    "facilities": ("etablissements", {"facility_id": "Code", "facility_type": "Type",
                                      "complaints_mechanism": "Plainte", "area": "Zone"},
                   {"facility_type": FACILITY, "complaints_mechanism": YES}),
    "inspections": ("inspections", {"facility_id": "Établissement",
                                    "inspection_date": "Date", "independent": "Indépendante"},
                    {"independent": YES}),
}
SPLIT = {"arrests": 0.5, "dispositions": 0.25, "detentions": 0.17, "family_visits": 0.08}
EVENT = ("arrests", "dispositions", "detentions")


def _day_first(iso: pd.Series) -> pd.Series:
    """ISO dates as 05/03/2024 (vectorised through Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = iso.astype(object).where(iso.notna(), None).to_numpy(dtype=object)
    arr = pa.array(values, type=pa.string())
    ts = pc.strptime(arr, format="%Y-%m-%d", unit="s", error_is_null=True)
    return pd.Series(pc.strftime(ts, format="%d/%m/%Y").to_pandas(), index=iso.index)


def _write(frame: pd.DataFrame, path: Path, title: str) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None),
                                 preserve_index=False)
    table = table.cast(pa.schema([pa.field(c, pa.string()) for c in table.column_names]))
    with pa.OSFile(str(path), "wb") as sink:
        sink.write(f"{title}\n{','.join(frame.columns)}\n".encode())
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False,
                                                        quoting_style="none"))


def write_exports(data, folder: Path, n_files: int) -> Path:
    """The records of ``data`` (SimulatedData) as exports, and their mapping file."""
    frames = data.frames
    kids = frames["children"].set_index("child_id")
    folder.mkdir(parents=True, exist_ok=True)
    splits = {t: max(1, round(s * (n_files - 3))) for t, s in SPLIT.items()}
    splits["family_visits"] = max(1, n_files - 3 - sum(v for t, v in splits.items()
                                                       if t != "family_visits"))
    blocks = [_dataset_block(data.metadata)]
    for table, (stem, columns, maps) in EXPORTS.items():
        frame = frames[table]
        out = pd.DataFrame(index=frame.index)
        for col, name in columns.items():
            if col not in frame.columns:
                continue
            s = frame[col]
            if col.endswith("_date") or col == "visit_date":
                s = _day_first(s)
            elif col in maps:
                s = s.map(maps[col])
            out[name] = s
        if table in EVENT:
            out["Sexe"] = frame["child_id"].map(kids["sex"]).map(SEX)
            out["Date de naissance"] = _day_first(frame["child_id"].map(kids["date_of_birth"]))
        k = splits.get(table, 1)
        for j, idx in enumerate(np.array_split(np.arange(len(out)), k)):
            _write(out.iloc[idx], folder / f"{stem}_{j + 1:02d}.csv", f"Export {stem} {j + 1}")
        blocks.append(_source_block(table, stem, columns, maps, frame.columns))
    _write_population(frames["population"], folder)
    blocks.append(POPULATION_BLOCK)
    path = folder / "mapping.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _dataset_block(meta: dict) -> str:
    lines = ["[dataset]"]
    for key in ("country", "country_name"):
        lines.append(f'{key} = "{meta[key]}"')
    for key in ("period_start", "period_end", "census_date"):
        lines.append(f"{key} = {pd.Timestamp(meta[key]).date()}")
    lines.append(f"minimum_age_criminal_responsibility = "
                 f"{meta['minimum_age_criminal_responsibility']}")
    return "\n".join(lines) + "\n"


def _source_block(table, stem, columns, maps, present) -> str:
    lines = ["[[source]]", f'table = "{table}"', f'files = ["{stem}_*.csv"]', "header_row = 2",
             'date_format = "%d/%m/%Y"', "[source.columns]"]
    lines += [f'{c} = "{n}"' for c, n in columns.items() if c in present]
    if table in EVENT:
        lines += ['sex = "Sexe"', 'date_of_birth = "Date de naissance"']
        maps = {**maps, "sex": SEX}
    for col, table_map in maps.items():
        lines.append(f"[source.values.{col}]")
        lines += [f'"{label}" = "{code}"' for code, label in table_map.items()]
    return "\n".join(lines) + "\n"


def _write_population(pop: pd.DataFrame, folder: Path) -> None:
    wide = pop.pivot_table(index=["year", "sex"], columns="age", values="population",
                           aggfunc="first").reset_index()
    wide.columns = ["Année", "Sexe", *[f"age_{a}" for a in wide.columns[2:]]]
    wide["Sexe"] = wide["Sexe"].map(SEX)
    _write(wide.astype(str), folder / "population.csv", "Population par âge")


POPULATION_BLOCK = """[[source]]
table = "population"
files = ["population.csv"]
header_row = 2
[source.columns]
year = "Année"
sex = "Sexe"
[source.values.sex]
"Masculin" = "M"
"Féminin" = "F"
[source.unpivot]
columns = ["age_*"]
"""

TIMED = r"""
import json, sys, time
import indicators as jj
import os
path, stage = sys.argv[1], sys.argv[2]
cpu = os.times()
start = time.perf_counter()
if stage == "ingest-command":
    from indicators import cli
    code = cli.main(["ingest", path, "--out", sys.argv[3]])
    assert code == 0, code
else:
    ds = jj.read_dataset(path)
    if stage == "read+validate":
        assert jj.validate_dataset(ds).ok
seconds = time.perf_counter() - start
cpu_seconds = sum(os.times()[:2]) - sum(cpu[:2])
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec (the parent's size would show)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "cpu": cpu_seconds, "peak_mb": hwm / 1024}))
"""


def timed(path: Path, stage: str, *extra: str) -> dict:
    """Seconds and peak MB of one stage, run in a fresh Python process."""
    done = subprocess.run([sys.executable, "-c", TIMED, str(path), stage, *extra],
                          capture_output=True, text=True, cwd=ROOT, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_records(records: Path, mapping: Path) -> bool:
    """Whether the record-format folder and the ingested exports hold the same records."""
    import indicators as jj
    from indicators.codes import TABLES

    a, b = jj.read_dataset(records), jj.read_dataset(mapping)
    for name in a.tables:
        cols = [c.name for c in TABLES[name] if c.name in a.tables[name].columns]
        x = a.tables[name][cols].astype("string").sort_values(cols).reset_index(drop=True)
        y = b.tables[name][cols].astype("string").sort_values(cols).reset_index(drop=True)
        if not x.equals(y):
            print(f"  {name}: the records differ")
            return False
    return True


def main(argv=None) -> None:
    """Simulate, write both folders, time each stage and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--children", type=int, default=1_000_000)
    p.add_argument("--files", type=int, default=50)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--keep", metavar="DIR", help="write the folders here and keep them")
    p.add_argument("--existing", metavar="DIR", help="time the folders a --keep run left")
    args = p.parse_args(argv)
    from indicators.simulate import simulate_frames, write_dataset

    tmp = Path(args.existing or args.keep or tempfile.mkdtemp(prefix="jj-ingest-bench-"))
    if args.existing:
        _time_stages(tmp, args.repeat)
        return
    start = time.perf_counter()
    data = simulate_frames("northland", args.children, seed=1, period=2024)
    print(f"simulated {args.children:,} children in {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{len(f):,} {n}" for n, f in data.frames.items()))
    records = write_dataset(data, tmp / "records", format="csv")
    mapping = write_exports(data, tmp / "exports", args.files)
    n_files = len(list((tmp / "exports").glob("*.csv")))
    size = sum(p.stat().st_size for p in (tmp / "exports").glob("*.csv")) / 1024**2
    print(f"exports: {n_files} CSV files, {size:,.0f} MB; records: {records}")
    del data
    print(f"same records: {same_records(records, mapping)}")
    _time_stages(tmp, args.repeat)


def _time_stages(tmp: Path, repeat: int) -> None:
    """Time each stage ``repeat`` times on the folders of ``tmp``; print the table."""
    records, mapping = tmp / "records", tmp / "exports" / "mapping.toml"
    rows = []
    for stage, path, extra in (("read", records, ()), ("ingest", mapping, ()),
                               ("read+validate", records, ()),
                               ("ingest-command", mapping, (str(tmp / "out"),))):
        runs = [timed(path, "read" if stage == "ingest" else stage, *extra)
                for _ in range(repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        rows.append((stage, best["seconds"], min(r["cpu"] for r in runs),
                     max(r["peak_mb"] for r in runs)))
    print(f"\nload average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}; "
          f"best of {repeat}, each in a fresh process")
    print("| stage | wall s | CPU s | peak MB |\n|---|---|---|---|")
    for stage, seconds, cpu, peak in rows:
        print(f"| {stage} | {seconds:.2f} | {cpu:.2f} | {peak:,.0f} |")
    t = {s: sec for s, sec, _, _ in rows}
    print(f"\ningest / read_dataset: {t['ingest'] / t['read']:.2f} (target <= 2); "
          f"ingest command / (read + validate): "
          f"{t['ingest-command'] / t['read+validate']:.2f}")


if __name__ == "__main__":
    main()
