"""Coverage of the design-based intervals of JJ02 over many simulated sample surveys.

One simulated country (its full register gives the true JJ02: children in detention on the
census day per 100,000 children); from it, ``--samples`` sample surveys of ``--places``
places drawn by stratified random sampling (seeds 1, 2, ...), each computed by
``compute_indicators`` as a user's survey would be. Prints the share of the 95 % intervals
that cover the true value, their mean width, the mean estimate and the mean design effect.
Issue 13 asks for a coverage between 93 and 97 % over 1,000 samples.

Run: ``python benchmarks/survey_coverage.py [--profile grandara --children 20000
--places 20 --allocation neyman --samples 1000 --strata facility_type --jobs 2]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from indicators import Dataset, compute_indicators
from indicators.simulate import sample_survey, simulate_frames
from indicators.workers import run_parallel


def _total(frames_meta) -> tuple[float, float, float, float]:
    meta, frames = frames_meta
    df = compute_indicators(Dataset.from_frames(meta, frames)).indicators
    row = df[(df["indicator"] == "JJ02") & (df["dimension"] == "total")].iloc[0]
    return row["value"], row["ci_lower"], row["ci_upper"], row.get("design_effect", np.nan)


def _one(args) -> tuple[float, float, float, float]:
    data, places, strata, seed, allocation = args
    survey = sample_survey(data, places, strata, seed, allocation)
    return _total((survey.metadata, survey.frames))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="grandara")
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated country")
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--allocation", default="neyman", choices=["neyman", "proportional"])
    parser.add_argument("--strata", default="facility_type")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    data = simulate_frames(args.profile, args.children, args.seed, 2024)
    truth = _total((data.metadata, data.frames))[0]
    strata = args.strata.split(",")
    n_fac = len(data.frames["facilities"])
    tasks = [(data, args.places, strata, s, args.allocation) for s in range(1, args.samples + 1)]
    rows = np.array(run_parallel(_one, tasks, jobs=args.jobs), dtype=float)
    value, lo, hi, deff = rows.T
    covered = (lo <= truth) & (truth <= hi)
    print(f"country: {args.profile}, {args.children} children, seed {args.seed}: {n_fac} "
          f"places; true JJ02 {truth:.2f} per 100,000")
    visits = sample_survey(data, args.places, strata, 1, args.allocation).frames["facilities"]
    visits = visits[visits["sample_weight"].notna()]["stratum"].value_counts().to_dict()
    print(f"{args.samples} samples of {args.places} places by {args.strata} "
          f"({args.allocation} allocation: {visits})")
    print(f"coverage of the 95 % intervals: {covered.mean():.1%} "
          f"({covered.sum()} of {args.samples})")
    print(f"mean width: {np.mean(hi - lo):.2f} per 100,000 (median {np.median(hi - lo):.2f})")
    print(f"mean estimate: {value.mean():.2f} (bias {value.mean() - truth:+.2f}); "
          f"misses below {np.mean(hi < truth):.1%}, above {np.mean(lo > truth):.1%}")
    print(f"mean design effect: {np.nanmean(deff):.3f}")
    print(f"in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
