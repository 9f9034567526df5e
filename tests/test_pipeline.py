"""The pipeline: inputs of every kind read as one frame, protection for publication."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import counts_table

from indicators import pipeline
from indicators.counts import from_counts
from indicators.parameters import Parameters

REF = Path(__file__).parents[1] / "data" / "reference"


def test_load_inputs_reads_every_kind(tmp_path, dataset_dir):
    counts = tmp_path / "counts.csv"
    counts_table().to_csv(counts, index=False)
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    from_counts(counts_table().assign(country="CCC")).to_csv(results_dir / "indicators.csv",
                                                            index=False)
    inputs = pipeline.load_inputs([counts, results_dir / "indicators.csv", REF, dataset_dir])
    f = inputs.indicators
    assert {"AAA", "BBB", "CCC", "XCO", "HRV", "US-AL"} <= set(f["country"])
    assert set(f["origin"]) == {"counts", "published", "records"}
    assert len(inputs.results) == 1 and inputs.datasets == [dataset_dir / "XCO" / "2024"]
    assert (inputs.durations["country"] == "XCO").any()
    assert f["value"].dtype == float
    with pytest.raises(ValueError, match="no such file"):
        pipeline.load_inputs([tmp_path / "missing"])
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"neither an indicators\.csv"):
        pipeline.load_inputs([tmp_path / "other.csv"])


def test_protect_leaves_published_figures_and_hides_small_counts(dataset_dir):
    inputs = pipeline.load_inputs([REF, dataset_dir])
    frame, _, combined = pipeline.protect(inputs, Parameters(disclosure="public"))
    pub_before = inputs.indicators[inputs.indicators["origin"] == "published"]
    pub_after = frame[frame["origin"] == "published"]
    pd.testing.assert_frame_equal(pub_before.reset_index(drop=True),
                                  pub_after.reset_index(drop=True)[pub_before.columns])
    rec = frame[frame["origin"] == "records"]
    small = rec["numerator"].between(1, 4)
    assert not small.any()
    assert rec["flags"].str.contains("suppressed").any()
    assert combined is not None and len(combined.indicators) == len(rec)
    internal, *_ = pipeline.protect(inputs, Parameters(disclosure="internal"))
    assert internal["numerator"].between(1, 4).any()
