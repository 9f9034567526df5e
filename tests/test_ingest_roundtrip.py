"""Round trips: a dataset turned into ministry-like exports (renamed columns, recoded values,
other date formats, files split below title rows, children given on the arrest rows, a wide
population table) ingests back to the same records, and to the same indicators.csv."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import FORMATS, ExportPlan, records, write_exports

import indicators as jj
from indicators import cli
from indicators.dataset import Dataset
from indicators.ingest import ingest

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
FOLDERS = sorted(SAMPLES.glob("*/*"))


def _sample(folder: Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    meta = tomllib.loads((folder / "dataset.toml").read_text(encoding="utf-8"))
    frames = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in sorted(folder.glob("*.csv"))}
    return meta, frames


def _same_records(a, b) -> None:
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(records(a, name), records(b, name), check_dtype=False,
                                      obj=name)


@pytest.mark.slow
@pytest.mark.parametrize("folder", FOLDERS, ids=[f"{f.parent.name}-{f.name}" for f in FOLDERS])
def test_every_sample_round_trips_to_the_same_indicators(tmp_path, folder):
    meta, frames = _sample(folder)
    k = FOLDERS.index(folder)
    plan = ExportPlan(date_format=FORMATS[k % len(FORMATS)], split=1 + k % 3,
                      delimiter=";" if k % 2 else ",", title_rows=k % 3, pad=k % 4 == 0)
    mapping = write_exports(meta, frames, tmp_path / "exports", plan)
    out = tmp_path / "ingested"
    assert cli.main(["ingest", str(mapping), "--out", str(out)]) == 0
    original = jj.read_dataset(folder)
    _same_records(original, jj.read_dataset(out))
    a = jj.compute_indicators(original).indicators
    b = jj.compute_indicators(jj.read_dataset(out)).indicators
    pd.testing.assert_frame_equal(a, b)


SMALL = Dataset  # the records of a few children, built in code for the property test


def _small_frames(n: int, seed: int) -> dict[str, pd.DataFrame]:
    import numpy as np

    rng = np.random.default_rng(seed)
    kids = [f"K{i:03d}" for i in range(n)]
    dob = [str(pd.Timestamp("2006-01-01") + pd.Timedelta(days=int(d)))
           for d in rng.integers(0, 3000, n)]
    children = pd.DataFrame({"child_id": kids, "sex": rng.choice(["F", "M", "U"], n),
                             "date_of_birth": [d[:10] for d in dob]})
    m = 2 * n
    arrests = pd.DataFrame({
        "arrest_id": [f"A{i:04d}" for i in range(m)],
        "child_id": [kids[i % n] for i in range(m)],
        "arrest_date": [str(pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(d)))[:10]
                        for d in rng.integers(0, 366, m)],
        "offence_category": rng.choice(["01", "02", "05", "07", "status"], m),
    })
    facilities = pd.DataFrame({"facility_id": ["P1", "J1"],
                               "facility_type": ["police", "juvenile_institution"],
                               "complaints_mechanism": ["true", ""]})
    population = pd.DataFrame([(str(2024), s, str(a), str(100 + a)) for s in "FM"
                               for a in range(18)], columns=["year", "sex", "age", "population"])
    return {"children": children, "arrests": arrests, "facilities": facilities,
            "population": population}


META = {"country": "ATL", "period_start": "2024-01-01", "period_end": "2024-12-31"}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    n=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    date_format=st.sampled_from(FORMATS),
    split=st.integers(1, 4),
    title_rows=st.integers(0, 3),
    prefix=st.sampled_from(["Col ", "Colonne_", "Ç ", "x"]),
    from_arrests=st.booleans(),
    wide=st.booleans(),
    recode=st.booleans(),
    pad=st.booleans(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]),
)
def test_exports_with_random_renames_recodes_formats_and_splits_ingest_back(
        tmp_path_factory, n, seed, date_format, split, title_rows, prefix, from_arrests, wide,
        recode, pad, delimiter, encoding):
    frames = _small_frames(n, seed)
    plan = ExportPlan(prefix=prefix, date_format=date_format, split=split,
                      title_rows=title_rows, children_from_arrests=from_arrests,
                      wide_population=wide, recode=recode, pad=pad, delimiter=delimiter,
                      encoding=encoding)
    folder = tmp_path_factory.mktemp("exports")
    result = ingest(write_exports(META, frames, folder, plan))
    errors = [i for i in result.dataset.issues if i.severity == "error"]
    assert not errors, errors[:3]
    _same_records(Dataset.from_frames(META, frames), result.dataset)
    files = result.files
    assert (files["rows_read"] == files["rows_written"]).all()
    assert len(files) == len({f for f in files["source_file"]})


def test_the_worked_example_is_rebuilt_by_its_script(tmp_path):
    import subprocess
    import sys

    import openpyxl

    root = Path(__file__).parents[1]
    shipped = root / "data" / "examples" / "ministry_exports"
    subprocess.run([sys.executable, str(root / "data" / "examples" / "make_ministry_exports.py"),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    for path in shipped.rglob("*.csv"):
        assert (tmp_path / path.relative_to(shipped)).read_bytes() == path.read_bytes(), path
    book = "detention/registre_detention.xlsx"
    new, old = (openpyxl.load_workbook(p / book, read_only=True) for p in (tmp_path, shipped))
    assert new.sheetnames == old.sheetnames
    for name in old.sheetnames:
        assert list(new[name].values) == list(old[name].values), name
