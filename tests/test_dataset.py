"""Dataset and Dataset.from_frames: frames of text cells and typed frames give the same
dataset; typed tables go round through from_frames unchanged."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from indicators.dataset import Dataset
from indicators.reading import read_dataset


def issue(ds, rule):
    return next(i for i in ds.issues if i.rule == rule)


def test_from_frames_typed_and_text_agree():
    meta = {"country": "ATL", "period_start": dt.date(2024, 1, 1),
            "period_end": dt.date(2024, 12, 31)}
    text = Dataset.from_frames(meta, {"inspections": pd.DataFrame({
        "facility_id": ["F1"], "inspection_date": ["2024-03-01"], "independent": ["true"]})})
    typed = Dataset.from_frames(meta, {"inspections": pd.DataFrame({
        "facility_id": ["F1"], "inspection_date": [pd.Timestamp("2024-03-01")],
        "independent": [True]})})
    pd.testing.assert_frame_equal(text.tables["inspections"], typed.tables["inspections"])
    with pytest.raises(ValueError, match="unknown table"):
        Dataset.from_frames(meta, {"arrest": pd.DataFrame()})


def test_from_frames_duplicate_columns_keep_the_first():
    frame = pd.DataFrame([["C1", "M", "F"]], columns=["child_id", "sex", "sex"])
    ds = Dataset.from_frames({"country": "ATL"}, {"children": frame})
    assert issue(ds, "duplicate_column").column == "sex"
    assert ds.tables["children"]["sex"].tolist() == ["M"]


def test_typed_tables_round_trip_through_from_frames(worked_example_path):
    ds = read_dataset(worked_example_path)
    again = Dataset.from_frames(ds.metadata, ds.tables)
    assert again.issues == []
    for name, frame in ds.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], frame, check_categorical=True)
