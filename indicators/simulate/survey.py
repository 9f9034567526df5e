"""A sample survey of places drawn from a simulated country: what a ministry without complete
registers would collect by visiting some places of detention on the census day.

:func:`sample_survey` draws the places (:mod:`indicators.survey.plan`: at least two per
stratum, the rest by Neyman allocation as ``plan-sample`` would allocate them with a right guess
of the children held per place, or in proportion to the stratum's places) and keeps only what
the visits see:
the children held on C in the visited places, their episode held on C (without what happened
after C: no release date, no end reason, no sentence date after C), their family visits up to
C and the child population; ``facilities`` lists every place with its ``stratum`` and, for the
visited ones, ``sample_weight``; dataset.toml gets the ``[sample]`` table. Computing such a
dataset estimates JJ02, JJ03, JJ07 and JJ08; the full simulated register gives their true
values (notebooks/07_sample_surveys.ipynb compares them over many seeds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..survey.plan import allocate, draw_sample, sample_table, stratum_codes
from .frames import SimulatedData

__all__ = ["sample_survey"]

_AFTER_C = ("release_date", "end_reason", "received_aftercare")


def _held_per_place(data: SimulatedData, census: str, codes: pd.Series) -> dict[str, float]:
    """Children held on C per place of each stratum, in the full simulated register."""
    det = data.frames["detentions"]
    held = (det["admission_date"] <= census) & (
        det["release_date"].isna() | (det["release_date"] > census))
    per_place = det[held].groupby("facility_id").size()
    fac_ids = data.frames["facilities"]["facility_id"]
    counts = per_place.reindex(fac_ids, fill_value=0).to_numpy()
    return pd.Series(counts, index=codes.to_numpy()).groupby(level=0).mean().to_dict()


def sample_survey(
    data: SimulatedData,
    places: int,
    strata: Sequence[str] = ("facility_type",),
    seed: int = 1,
    allocation: str = "neyman",
) -> SimulatedData:
    """The records a census-day visit of ``places`` places, drawn with ``seed``, would give.

    Parameters
    ----------
    data : SimulatedData
        A simulated country (:func:`~indicators.simulate.simulate_frames`).
    places : int
        Places to visit in all (at least two per stratum, or every place of a smaller one).
    strata : sequence of str
        ``facilities`` columns whose values make the strata.
    seed : int
        Seed of the draw.
    allocation : {"neyman", "proportional"}
        ``neyman``: as :func:`~indicators.survey.plan.plan_sample` allocates visits, with the
        mean number held per place of each stratum (in the simulated register) as the guess
        and ``cv = 1``, so that visits go where the children are; ``proportional``: in
        proportion to the places of each stratum.

    Returns
    -------
    SimulatedData
        Tables ``children``, ``population``, ``detentions``, ``family_visits`` (when given)
        and ``facilities``; metadata with ``[sample]``.

    Raises
    ------
    ValueError
        Too few or too many places for the strata, or an unknown stratum column.
    """
    if allocation not in ("neyman", "proportional"):
        raise ValueError(f"allocation {allocation!r}: neyman or proportional")
    fac = data.frames["facilities"]
    codes = stratum_codes(fac, strata)
    sizes = codes.value_counts().sort_index().to_dict()
    census = pd.Timestamp(data.metadata["census_date"]).strftime("%Y-%m-%d")
    spread = None
    if allocation == "neyman":
        mean = _held_per_place(data, census, codes)
        spread = {h: float(np.sqrt(m + m * m)) or 1e-9 for h, m in mean.items()}
    drawn = draw_sample(fac, strata, allocate(sizes, places, spread), seed)
    visited = set(drawn.loc[drawn["sample_weight"].notna(), "facility_id"])
    det = data.frames["detentions"]
    release = det["release_date"]
    held = (det["admission_date"] <= census) & (release.isna() | (release > census))
    det = det[held & det["facility_id"].isin(visited)].copy()
    for col in _AFTER_C:
        if col in det.columns:
            det[col] = None
    if "sentence_date" in det.columns:
        det["sentence_date"] = det["sentence_date"].where(det["sentence_date"] <= census, None)
    kids = set(det["child_id"])
    frames = {
        "children": data.frames["children"][data.frames["children"]["child_id"].isin(kids)],
        "population": data.frames["population"],
        "detentions": det,
    }
    if "family_visits" in data.frames:
        fv = data.frames["family_visits"]
        frames["family_visits"] = fv[fv["child_id"].isin(kids) & (fv["visit_date"] <= census)]
    drawn["sample_weight"] = [None if pd.isna(w) else repr(float(w))
                              for w in drawn["sample_weight"]]
    frames["facilities"] = drawn
    meta = dict(data.metadata)
    meta["sample"] = sample_table(drawn, seed)
    meta["source"] = (f"{meta.get('source', '')}; sample survey of {len(visited)} of "
                      f"{len(drawn)} places by {'/'.join(strata)}, seed {seed}").lstrip("; ")
    return SimulatedData(meta, {k: v.reset_index(drop=True) for k, v in frames.items()})
