"""Time reading and validating a large synthetic dataset (no assertions: it prints figures).

Usage::

    python benchmarks/validate_scale.py [N_CHILDREN] [--csv] [--keep DIR]
    python benchmarks/validate_scale.py --existing DIR   # time an existing dataset folder

Builds N children (default 1,000,000) with about 1.5 arrests, 0.3 detention episodes (some
linked by transfers) and 1 disposition per child, vectorised with numpy, writes them as Parquet
(or CSV with ``--csv``) into a temporary folder, then times ``read_dataset`` and
``validate_dataset`` in this process and prints wall time and peak resident memory.

This generator only exercises validation at scale; realistic samples come from
``indicators.simulate``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), 7))


def build_frames(n: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Raw frames (text ids, dates, codes) of a valid dataset of ``n`` children."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01")
    child = _ids("C", n)
    dob = start - rng.integers(10 * 365, 18 * 365, n).astype("timedelta64[D]")
    dob = dob.astype("datetime64[ns]").astype(object)
    dob[rng.random(n) < 0.05] = None
    children = pd.DataFrame({"child_id": child, "sex": rng.choice(["F", "M", "U"], n,
                                                                  p=[0.3, 0.69, 0.01]),
                             "date_of_birth": pd.array(dob, dtype="datetime64[ns]")})
    n_arr = int(1.5 * n)
    arrests = pd.DataFrame({
        "arrest_id": _ids("A", n_arr),
        "child_id": child[rng.integers(0, n, n_arr)],
        "arrest_date": start + rng.integers(0, 366, n_arr).astype("timedelta64[D]"),
        "offence_category": rng.choice(["01", "02", "05", "07", "08", "11", "status"], n_arr),
    })
    # Episodes: 240k single episodes and 30k two-episode spells linked by a transfer (per 1 M).
    n_single, n_pair = int(0.24 * n), int(0.03 * n)
    held = rng.permutation(n)[: n_single + n_pair]
    adm1 = start + rng.integers(0, 300, n_single + n_pair).astype("timedelta64[D]")
    stay1 = rng.integers(0, 60, n_single + n_pair).astype("timedelta64[D]")
    rel1 = adm1 + stay1
    single = slice(0, n_single)
    pair = slice(n_single, None)
    ends = rng.choice(["release", "escape", "death", "open"], n_single,
                      p=[0.8, 0.02, 0.001, 0.179])
    rel_single = rel1[single].astype(object)
    rel_single[ends == "open"] = None
    reason_single = ends.astype(object)
    reason_single[ends == "open"] = None
    first = pd.DataFrame({"child_id": child[held[single]], "facility_id": "F1",
                          "admission_date": adm1[single], "release_date": rel_single,
                          "end_reason": reason_single})
    transfer = pd.DataFrame({"child_id": child[held[pair]], "facility_id": "F2",
                             "admission_date": adm1[pair], "release_date": rel1[pair],
                             "end_reason": "transfer"})
    after = pd.DataFrame({"child_id": child[held[pair]], "facility_id": "F3",
                          "admission_date": rel1[pair],
                          "release_date": rel1[pair] + np.timedelta64(30, "D"),
                          "end_reason": "release"})
    detentions = pd.concat([first, transfer, after], ignore_index=True)
    detentions.insert(0, "episode_id", _ids("E", len(detentions)))
    for col in ("admission_date", "release_date"):
        detentions[col] = pd.to_datetime(detentions[col])
    detentions["wholly_separated_from_adults"] = rng.random(len(detentions)) < 0.9
    # Dispositions dated before any death: decisions within the first weeks of 2024.
    n_disp = n
    decision = start + rng.integers(0, 20, n_disp).astype("timedelta64[D]")
    dispositions = pd.DataFrame({
        "disposition_id": _ids("D", n_disp),
        "child_id": child[rng.integers(0, n, n_disp)],
        "decision_date": decision,
        "decision": rng.choice(["diversion", "custodial_sentence", "non_custodial_sentence",
                                "acquittal", "dismissal"], n_disp),
        "offence_date": decision - rng.integers(0, 90, n_disp).astype("timedelta64[D]"),
    })
    dispositions.loc[dispositions["child_id"].isin(first["child_id"][ends == "death"]),
                     "decision_date"] = np.datetime64("2023-12-31")
    dispositions["offence_date"] = np.minimum(dispositions["offence_date"],
                                              dispositions["decision_date"])
    population = pd.DataFrame([(2024, s, a, 10 * n) for s in "FM" for a in range(18)],
                              columns=["year", "sex", "age", "population"])
    facilities = pd.DataFrame({"facility_id": ["F1", "F2", "F3"],
                               "facility_type": ["pretrial", "police", "juvenile_institution"]})
    return {"children": children, "population": population, "arrests": arrests,
            "detentions": detentions, "dispositions": dispositions, "facilities": facilities}


def write_dataset(frames: dict[str, pd.DataFrame], folder: Path, fmt: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.toml").write_text(
        'country = "XBM"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\n',
        encoding="utf-8")
    for name, frame in frames.items():
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024**2


def main(argv: list[str] | None = None) -> int:
    # Run from a checkout without installing: the package is one folder up.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from indicators import read_dataset, validate_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("children", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    parser.add_argument("--keep", metavar="DIR", help="write the dataset here and keep it")
    parser.add_argument("--existing", metavar="DIR",
                        help="only time reading and validating this dataset folder")
    args = parser.parse_args(argv)
    if args.existing:
        t2 = time.perf_counter()
        ds = read_dataset(args.existing)
        t3 = time.perf_counter()
        report = validate_dataset(ds)
        t4 = time.perf_counter()
        sizes = ", ".join(f"{k} {len(v):,}" for k, v in ds.tables.items())
        print(f"{args.existing}: {sizes}")
        print(f"read_dataset {t3 - t2:.1f} s, validate_dataset {t4 - t3:.1f} s, "
              f"read + validate {t4 - t2:.1f} s, peak RSS {_peak_rss_mb():.0f} MB")
        print(report.summary(max_examples=2))
        return 0
    fmt = "csv" if args.csv else "parquet"
    t0 = time.perf_counter()
    frames = build_frames(args.children)
    sizes = {k: len(v) for k, v in frames.items()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "XBM"
        write_dataset(frames, folder, fmt)
        del frames
        t1 = time.perf_counter()
        print(f"built and wrote {fmt} in {t1 - t0:.1f} s: " +
              ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
        rss_before = _peak_rss_mb()
        t2 = time.perf_counter()
        ds = read_dataset(folder)
        t3 = time.perf_counter()
        report = validate_dataset(ds)
        t4 = time.perf_counter()
    print(f"read_dataset      {t3 - t2:6.1f} s")
    print(f"validate_dataset  {t4 - t3:6.1f} s")
    print(f"read + validate   {t4 - t2:6.1f} s")
    print(f"peak RSS          {_peak_rss_mb():6.0f} MB (before reading: {rss_before:.0f} MB, "
          "includes building the data)")
    print(report.summary(max_examples=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
