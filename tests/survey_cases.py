"""A small sample survey of places, built in code, shared by the survey tests.

Two strata: ``police`` (6 places, 3 visited: weight 2; P2 held nobody on the census day;
P4-P6 listed, not visited) and ``prison`` (2 places, both visited: weight 1). Children held on
C = 2024-12-31: P1 c1 (F, 15, pre-sentence, separated, visited), c2 (M, 16, pre-sentence, not
separated); P3 c3 (M, 14, sentenced, not separated, visited); J1 c4 (F, 16, sentenced,
separated, visited), c5 (M, 17, sentenced, separated), c6 (M, 15, pre-sentence, separation
unknown); J2 c7 (M, 16, sentenced, not separated, visited).

By hand, JJ02's total: 2 x (2 + 0 + 1) + 1 x (3 + 1) = 10 children; variance: police cluster
totals 4, 0, 2 (mean 2), (1 - 3/6) x 3/2 x 8 = 6; prison visited wholly: 0; SE sqrt(6);
3 degrees of freedom (5 places - 2 strata). Child population 30,000 (5,000 of each
sex at ages 10, 15 and 16): JJ02 = 10 / 30,000 x 100,000 = 33.3 per 100,000.
"""

from __future__ import annotations

import copy

import pandas as pd

from indicators.dataset import Dataset

META = {
    "country": "XSV",
    "country_name": "Survey land (synthetic)",
    "period_start": "2024-01-01",
    "period_end": "2024-12-31",
    "census_date": "2024-12-31",
    "sample": {
        "unit": "facility",
        "facilities_in_stratum": {"police": 6, "prison": 2},
        "seed": 1,
    },
}
FACILITIES = pd.DataFrame({
    "facility_id": ["P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2"],
    "facility_type": ["police"] * 6 + ["juvenile_institution"] * 2,
    "stratum": ["police"] * 6 + ["prison"] * 2,
    "sample_weight": ["2", "2", "2", "", "", "", "1", "1"],
})
CHILDREN = pd.DataFrame({
    "child_id": [f"c{i}" for i in range(1, 8)],
    "sex": ["F", "M", "M", "F", "M", "M", "M"],
    "date_of_birth": ["2009-06-01", "2008-06-01", "2010-06-01", "2008-03-01", "2007-03-01",
                      "2009-03-01", "2008-01-01"],
})
DETENTIONS = pd.DataFrame({
    "episode_id": [f"e{i}" for i in range(1, 8)],
    "child_id": [f"c{i}" for i in range(1, 8)],
    "facility_id": ["P1", "P1", "P3", "J1", "J1", "J1", "J2"],
    "admission_date": ["2024-12-30", "2024-12-29", "2024-12-28", "2024-05-01", "2024-02-01",
                       "2024-11-01", "2024-03-01"],
    "release_date": [""] * 7,
    "end_reason": [""] * 7,
    "sentence_date": ["", "", "2024-12-29", "2024-08-01", "2024-06-01", "", "2024-09-01"],
    "wholly_separated_from_adults": ["true", "false", "false", "true", "true", "", "false"],
})
FAMILY_VISITS = pd.DataFrame({
    "child_id": ["c1", "c3", "c4", "c7", "c5"],
    "visit_date": ["2024-12-30", "2024-12-28", "2024-11-15", "2024-12-01", "2024-06-01"],
})
POPULATION = pd.DataFrame({
    "year": [2024] * 6,
    "sex": ["F", "M"] * 3,
    "age": [10, 10, 15, 15, 16, 16],
    "population": [5000] * 6,
})


def survey_frames() -> tuple[dict, dict[str, pd.DataFrame]]:
    """Fresh copies of the metadata and the frames (tests change them)."""
    frames = {
        "children": CHILDREN.copy(),
        "population": POPULATION.copy(),
        "detentions": DETENTIONS.copy(),
        "family_visits": FAMILY_VISITS.copy(),
        "facilities": FACILITIES.copy(),
    }
    return copy.deepcopy(META), frames


def survey_dataset(meta: dict | None = None, frames: dict | None = None) -> Dataset:
    """The survey as a Dataset (or the given metadata and frames)."""
    m, f = survey_frames()
    return Dataset.from_frames(meta or m, frames or f)
