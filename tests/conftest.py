"""Shared fixtures: the worked example, and small datasets built in code.

Stable names other test modules rely on: ``worked_example_path``, ``make_dataset``,
``small_metadata``, ``small_frames``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from indicators.dataset import Dataset
from indicators.simulate import simulate_frames, write_dataset

# The specification's 14-child worked example, shipped with the tests so that they run on any
# clone; test_packaging checks that the copy matches ../shared/spec when that folder exists.
WORKED_EXAMPLE = Path(__file__).parent / "data" / "worked-example"
SPEC_WORKED_EXAMPLE = Path(__file__).parents[2] / "shared" / "spec" / "worked-example"

SMALL_METADATA = {
    "country": "ATL",
    "country_name": "Atlantis",
    "period_start": "2024-01-01",
    "period_end": "2024-12-31",
    "minimum_age_criminal_responsibility": 12,
    "policy": {"independent_inspection_system": True, "complaints_system": False},
}


def small_frames_dict() -> dict[str, pd.DataFrame]:
    """A valid dataset of 3 children with every table, as text cells (like CSV files)."""
    population = pd.DataFrame(
        [(2024, s, a, 100) for s in "FM" for a in range(18)],
        columns=["year", "sex", "age", "population"],
    ).astype(str)
    return {
        "children": pd.DataFrame({
            "child_id": ["C1", "C2", "C3"],
            "sex": ["M", "F", "U"],
            "date_of_birth": ["2008-03-10", "2010-06-01", ""],
        }),
        "population": population,
        "arrests": pd.DataFrame({
            "arrest_id": ["A1", "A2", "A3"],
            "child_id": ["C1", "C2", "C3"],
            "arrest_date": ["2024-02-10", "2024-05-05", "2024-03-03"],
            "offence_category": ["05", "02", "status"],
            "age_years": ["", "", "15"],
        }),
        "detentions": pd.DataFrame({
            "episode_id": ["E1", "E2", "E3"],
            "child_id": ["C1", "C1", "C2"],
            "facility_id": ["P1", "J1", "J1"],
            "admission_date": ["2024-02-10", "2024-02-11", "2024-05-05"],
            "release_date": ["2024-02-11", "2024-06-01", ""],
            "end_reason": ["transfer", "release", ""],
            "sentence_date": ["", "2024-03-01", ""],
            "wholly_separated_from_adults": ["true", "TRUE", "no"],
            "received_aftercare": ["", "yes", ""],
        }),
        "dispositions": pd.DataFrame({
            "disposition_id": ["D1", "D2"],
            "child_id": ["C1", "C2"],
            "decision_date": ["2024-03-01", "2024-07-01"],
            "decision": ["custodial_sentence", "diversion"],
            "offence_date": ["2024-02-10", ""],
            "offence_category": ["05", ""],
        }),
        "family_visits": pd.DataFrame({
            "child_id": ["C2"], "visit_date": ["2024-06-01"], "direction": ["received"],
        }),
        "facilities": pd.DataFrame({
            "facility_id": ["P1", "J1"],
            "facility_type": ["police", "juvenile_institution"],
            "complaints_mechanism": ["1", "0"],
        }),
        "inspections": pd.DataFrame({
            "facility_id": ["J1"], "inspection_date": ["2024-04-04"], "independent": ["Yes"],
        }),
    }


@pytest.fixture
def worked_example_path() -> Path:
    """The 14-child worked example of the specification (read-only)."""
    return WORKED_EXAMPLE


@pytest.fixture
def make_dataset():
    """``make_dataset(metadata, frames) -> Dataset`` via ``Dataset.from_frames``.

    ``metadata=None`` uses a valid ATL 2024 metadata dict; frames are raw or typed.
    """

    def _make(metadata: dict | None = None, frames: dict | None = None) -> Dataset:
        meta = copy.deepcopy(SMALL_METADATA) if metadata is None else metadata
        return Dataset.from_frames(meta, frames if frames is not None else small_frames_dict())

    return _make


@pytest.fixture
def small_metadata() -> dict:
    """Metadata of the small valid dataset (a fresh copy to mutate)."""
    return copy.deepcopy(SMALL_METADATA)


@pytest.fixture
def small_frames() -> dict[str, pd.DataFrame]:
    """Frames of the small valid dataset (fresh copies to mutate)."""
    return small_frames_dict()


def counts_table() -> pd.DataFrame:
    rows = []
    for c, name, k in (("AAA", "Aland", 40), ("BBB", "Boland", 3)):
        base = {"country": c, "country_name": name, "region": "Test region (test)",
                "period": "2024", "group": "all", "notes": "Counts from the registry"}
        rows += [
            {**base, "indicator": "JJ01", "numerator": 900, "denominator": 100000},
            {**base, "indicator": "JJ02", "numerator": k, "denominator": 100000},
            {**base, "indicator": "JJ02", "group": "F", "numerator": 2, "denominator": 49000},
            {**base, "indicator": "JJ02", "group": "M", "numerator": k - 2,
             "denominator": 51000},
            {**base, "indicator": "JJ09", "numerator": 30, "denominator": 120},
            {**base, "indicator": "JJ10", "numerator": 50, "denominator": 170},
            {**base, "indicator": "JJ14", "value": "yes"},
        ]
    return pd.DataFrame(rows).astype(str).replace("nan", "")


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("samples")
    write_dataset(simulate_frames("corallia", 120, 1, 2024), root / "XCO" / "2024")
    return root
