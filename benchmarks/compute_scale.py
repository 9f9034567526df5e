"""Wall time and peak memory of ``compute_indicators`` on synthetic data of N children.

Usage::

    python benchmarks/compute_scale.py 100000 1000000

For each N it builds typed tables directly (no CSV parsing; about 1.5 N arrests, 0.3 N detention
episodes, 1 N dispositions, 0.3 N family visits), then times ``compute_indicators`` (all
indicators, all disaggregations, reconciliation and schema validation) and reports the peak
resident memory of the process during the computation (Linux VmHWM, reset just before the call).
It prints; it does not assert.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indicators.codes import (
    DECISION,
    DIRECTION,
    END_REASON,
    FACILITY_TYPE,
    OFFENCE_CATEGORY,
    POPULATION_SEX,
    SEX,
)
from indicators.compute import compute_indicators
from indicators.dataset import Dataset

DAY0 = np.datetime64("2024-01-01")


def _dates(days: np.ndarray) -> pd.Series:
    out = (DAY0 + np.nan_to_num(days, nan=0).astype("timedelta64[D]")).astype("datetime64[ns]")
    out[np.isnan(days)] = np.datetime64("NaT")
    return pd.Series(out)


def _ids(prefix: str, n: int) -> pd.Series:
    return pd.Series(np.char.add(prefix, np.arange(n).astype(str)), dtype="string")


def _cat(values, codes) -> pd.Series:
    return pd.Series(pd.Categorical(values, categories=list(codes)))


def _bool(rng, n: int, p_true: float, p_missing: float) -> pd.Series:
    out = pd.array(rng.random(n) < p_true, dtype="boolean")
    out[rng.random(n) < p_missing] = pd.NA
    return pd.Series(out)


def synthetic_dataset(n_children: int, seed: int = 1) -> Dataset:
    """A typed synthetic dataset of ``n_children`` children for calendar 2024."""
    rng = np.random.default_rng(seed)
    n = n_children
    child_ids = _ids("C", n)
    dob = rng.uniform(-21 * 365, -9 * 365, n).round()
    dob[rng.random(n) < 0.02] = np.nan
    children = pd.DataFrame(
        {
            "child_id": child_ids,
            "sex": _cat(rng.choice(SEX, n, p=[0.2, 0.79, 0.01]), SEX),
            "date_of_birth": _dates(dob),
        }
    )
    ages = np.tile(np.arange(20), 2)
    population = pd.DataFrame(
        {
            "year": pd.array(np.full(40, 2024), dtype="Int64"),
            "sex": _cat(np.repeat(POPULATION_SEX, 20), POPULATION_SEX),
            "age": pd.array(ages, dtype="Int64"),
            "population": pd.array(np.full(40, max(n, 100) * 3), dtype="Int64"),
        }
    )
    na = int(1.5 * n)
    a_child = rng.integers(0, n, na)
    age_years = pd.array(rng.integers(10, 19, na), dtype="Int64")
    age_years[rng.random(na) < 0.5] = pd.NA
    arrests = pd.DataFrame(
        {
            "arrest_id": _ids("A", na),
            "child_id": child_ids.iloc[a_child].reset_index(drop=True),
            "arrest_date": _dates(rng.integers(-180, 450, na).astype(float)),
            "offence_category": _cat(rng.choice(OFFENCE_CATEGORY, na), OFFENCE_CATEGORY),
            "age_years": age_years,
            "area": pd.Series(pd.array(rng.choice(["North", "South", "East"], na), dtype="string")),
        }
    )
    # Detentions: 0.2 N spells of one or two episodes (a transfer), about 0.3 N episodes.
    ns = int(0.2 * n)
    s_child = rng.choice(n, ns, replace=False)
    adm = rng.integers(-400, 366, ns).astype(float)
    len1 = np.ceil(rng.exponential(60, ns))
    two = rng.random(ns) < 0.5
    len2 = np.ceil(rng.exponential(90, ns))
    sentenced = rng.random(ns) < 0.5
    sent = np.where(sentenced, adm + np.floor(rng.random(ns) * (len1 + len2)), np.nan)
    end1 = adm + len1
    end2 = end1 + len2
    final_end = np.where(two, end2, end1)
    open_ = final_end > 400
    reason_final = rng.choice(["release", "death", "escape"], ns, p=[0.985, 0.005, 0.01])
    n_fac = 500
    fac_ids = _ids("F", n_fac)
    rows_first = pd.DataFrame(
        {
            "child": s_child,
            "adm": adm,
            "rel": np.where(two, end1, np.where(open_, np.nan, end1)),
            "reason": np.where(two, "transfer", np.where(open_, None, reason_final)),
            "sent": np.where(sent <= end1, sent, np.nan),
        }
    )
    rows_second = pd.DataFrame(
        {
            "child": s_child[two],
            "adm": end1[two],
            "rel": np.where(open_[two], np.nan, end2[two]),
            "reason": np.where(open_[two], None, reason_final[two]),
            "sent": np.where(sent[two] <= end2[two], sent[two], np.nan),
        }
    )
    ep = pd.concat([rows_first, rows_second], ignore_index=True)
    ne = len(ep)
    detentions = pd.DataFrame(
        {
            "episode_id": _ids("E", ne),
            "child_id": child_ids.iloc[ep["child"].to_numpy()].reset_index(drop=True),
            "facility_id": fac_ids.iloc[rng.integers(0, n_fac, ne)].reset_index(drop=True),
            "admission_date": _dates(ep["adm"].to_numpy()),
            "release_date": _dates(ep["rel"].to_numpy(dtype=float)),
            "end_reason": _cat(ep["reason"].to_numpy(), END_REASON),
            "sentence_date": _dates(ep["sent"].to_numpy(dtype=float)),
            "wholly_separated_from_adults": _bool(rng, ne, 0.9, 0.1),
            "received_aftercare": _bool(rng, ne, 0.4, 0.3),
        }
    )
    nd = n
    offence_date = rng.integers(-500, 300, nd).astype(float)
    offence_date[rng.random(nd) < 0.3] = np.nan
    dispositions = pd.DataFrame(
        {
            "disposition_id": _ids("D", nd),
            "child_id": child_ids.iloc[rng.integers(0, n, nd)].reset_index(drop=True),
            "decision_date": _dates(rng.integers(-60, 400, nd).astype(float)),
            "decision": _cat(rng.choice(DECISION, nd), DECISION),
            "offence_date": _dates(offence_date),
            "offence_category": _cat(
                np.where(rng.random(nd) < 0.8, rng.choice(OFFENCE_CATEGORY, nd), None),
                OFFENCE_CATEGORY,
            ),
        }
    )
    nv = int(0.3 * n)
    visits = pd.DataFrame(
        {
            "child_id": child_ids.iloc[s_child[rng.integers(0, ns, nv)]].reset_index(drop=True),
            "visit_date": _dates(rng.integers(0, 366, nv).astype(float)),
            "direction": _cat(rng.choice(DIRECTION, nv), DIRECTION),
        }
    )
    facilities = pd.DataFrame(
        {
            "facility_id": fac_ids,
            "facility_type": _cat(rng.choice(FACILITY_TYPE, n_fac), FACILITY_TYPE),
            "complaints_mechanism": _bool(rng, n_fac, 0.6, 0.1),
            "area": pd.Series(
                pd.array(rng.choice(["North", "South", "East"], n_fac), dtype="string")
            ),
        }
    )
    ni = 2 * n_fac
    inspections = pd.DataFrame(
        {
            "facility_id": fac_ids.iloc[rng.integers(0, n_fac, ni)].reset_index(drop=True),
            "inspection_date": _dates(rng.integers(-400, 366, ni).astype(float)),
            "independent": pd.Series(pd.array(rng.random(ni) < 0.7, dtype="boolean")),
        }
    )
    tables = {
        "children": children,
        "population": population,
        "arrests": arrests,
        "detentions": detentions,
        "dispositions": dispositions,
        "family_visits": visits,
        "facilities": facilities,
        "inspections": inspections,
    }
    return Dataset(
        country="SYN",
        country_name="Synthetic",
        period_start=pd.Timestamp("2024-01-01"),
        period_end=pd.Timestamp("2024-12-31"),
        census_date=pd.Timestamp("2024-12-31"),
        tables=tables,
        policy={
            "independent_inspection_system": True,
            "complaints_system": True,
            "specialised_juvenile_justice_system": False,
            "national_prevention_plan": None,
        },
        metadata={"country": "SYN"},
    )


def _vm(key: str) -> float:
    """A /proc/self/status memory figure in MiB (Linux), NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def run(n: int, **parameters) -> dict[str, float]:
    ds = synthetic_dataset(n)
    sizes = {k: len(v) for k, v in ds.tables.items()}
    gc.collect()
    before = _vm("VmRSS")
    reset = _reset_peak()
    t0 = time.perf_counter()
    res = compute_indicators(ds, **parameters)
    wall = time.perf_counter() - t0
    peak = _vm("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "children": n,
        "arrests": sizes["arrests"],
        "episodes": sizes["detentions"],
        "dispositions": sizes["dispositions"],
        "rows": len(res.indicators),
        "wall_s": wall,
        "rss_before_mib": before,
        "peak_rss_mib": peak,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[100_000])
    p.add_argument("--count-unit", default=None)
    p.add_argument("--deaths-denominator", default=None)
    args = p.parse_args(argv)
    params = {
        k: v
        for k, v in (
            ("count_unit", args.count_unit),
            ("deaths_denominator", args.deaths_denominator),
        )
        if v
    }
    print(
        f"{'children':>10} {'arrests':>10} {'episodes':>9} {'dispos.':>9} {'rows':>5} "
        f"{'wall s':>7} {'RSS before MiB':>15} {'peak RSS MiB':>13}"
    )
    for n in args.sizes:
        r = run(n, **params)
        print(
            f"{r['children']:>10,} {r['arrests']:>10,} {r['episodes']:>9,} "
            f"{r['dispositions']:>9,} {r['rows']:>5} {r['wall_s']:>7.2f} "
            f"{r['rss_before_mib']:>15,.0f} {r['peak_rss_mib']:>13,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
