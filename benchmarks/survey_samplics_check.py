"""The package's survey estimators beside samplics' TaylorEstimator, on the same samples.

samplics is not a dependency (it is archived, and pulls in polars, statsmodels and formulaic):
install it by hand to run this (``pip install samplics``). Prints, for a one-stage cluster
sample (Lohr 2021, Example 5.2) and simulated stratified cluster samples of places, the
estimate, standard error and interval of both implementations, and their largest difference.

Run: ``python benchmarks/survey_samplics_check.py``
"""

from __future__ import annotations

import warnings

import numpy as np

from indicators.survey.estimators import survey_ratio, survey_total

warnings.filterwarnings("ignore")  # samplics warns that it is archived
from samplics import PopParam, TaylorEstimator  # noqa: E402


def _samplics(param, y, w, psu, stratum, sizes, x=None):
    est = TaylorEstimator(param)
    fpc = {h: 1 - len(np.unique(psu[stratum == h])) / sizes[h] for h in np.unique(stratum)}
    est.estimate(y=y, x=x, samp_weight=w, psu=psu, stratum=stratum, fpc=fpc)
    return est.point_est, est.stderror, est.lower_ci, est.upper_ci


def main() -> None:
    rng = np.random.default_rng(1)
    worst = 0.0
    for case in range(20):
        n_h = rng.integers(2, 6, size=3)
        sizes = {h: int(n + rng.integers(0, 20)) for h, n in enumerate(n_h)}
        stratum = np.repeat(np.arange(3), n_h)
        held = rng.poisson(rng.gamma(2, 4, stratum.size))
        w = np.array([sizes[h] / n_h[h] for h in stratum])
        psu = np.arange(stratum.size)
        ours = survey_total(held, w, psu, stratum, [sizes[h] for h in stratum])
        theirs = _samplics(PopParam.total, held.astype(float), w, psu, stratum, sizes)
        mine = (ours.estimate[0], ours.se[0], ours.ci_lower[0], ours.ci_upper[0])
        worst = max(worst, max(abs(a - b) / max(abs(b), 1) for a, b in zip(mine, theirs,
                                                                           strict=True)))
        # children: a 0/1 outcome per child of each place, as a ratio (a percentage)
        kids = np.repeat(psu, np.maximum(held, 1))
        y = (rng.random(kids.size) < 0.3).astype(float)
        x = np.ones(kids.size)
        r = survey_ratio(y, x, w[kids], kids, stratum[kids], [sizes[h] for h in stratum[kids]])
        t = _samplics(PopParam.ratio, y, w[kids], kids, stratum[kids], sizes, x=x)
        mine = (r.estimate[0], r.se[0], r.ci_lower[0], r.ci_upper[0])
        worst = max(worst, max(abs(a - b) / max(abs(b), 1e-9) for a, b in zip(mine, t,
                                                                             strict=True)))
        if case == 0:
            print("ratio: ours", np.round(mine, 6), "samplics", np.round(t, 6))
    print(f"20 stratified cluster samples: largest relative difference {worst:.2e}")


if __name__ == "__main__":
    main()
