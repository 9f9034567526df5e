"""The claim of the declaration: one more indicator of an existing kind is one more entry in a
definitions file, and it flows through compute, outputs, disclosure, charts and the report with
no code change.

The toy indicator, JJ90 "Children in sentenced detention", reuses the census-day cohort of JJ02
and JJ03 with ``status = "sentenced"``; on any dataset its numerator is JJ02's minus JJ03's, group
by group, which the test checks by hand.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import WORKED_EXAMPLE

from indicators import report
from indicators.compute import compute_indicators
from indicators.parameters import Parameters
from indicators.pipeline import protect_results, write_results
from indicators.reading import read_dataset
from indicators.registry import definitions_file, load_definitions, with_role
from indicators.sdmx import sdmx_frame

SAMPLE = Path(__file__).parents[1] / "data" / "samples" / "XLA" / "2024"

TOY = '''
[[indicator]]
id = "JJ90"
name = "Children in sentenced detention"
definition = "Children in detention on the census day who are sentenced, per 100,000 children."
core = false
frame = "census"
unit = "per 100,000 children"
disaggregations = ["sex", "age_group", "facility_type", "area"]
age_reference_day = "census_date"
numerator = "children in detention on C whose status on C is sentenced"
denominator = "child population"
manual = "A toy indicator for the declaration test: not one of the Manual's."
tables = ["detentions"]
cohort = "census_children"
status = "sentenced"
denominator_source = "child_population"
figures = ["core_panel", "report_disaggregation", "report_trend"]
count_unit_applies = false
'''


@pytest.fixture(scope="module")
def toy_file(tmp_path_factory) -> Path:
    text = resources.files("indicators").joinpath("definitions.toml").read_text("utf-8")
    path = tmp_path_factory.mktemp("toy") / "definitions.toml"
    path.write_text(text + TOY, encoding="utf-8")
    return path


def _cells(frame: pd.DataFrame, indicator: str) -> pd.Series:
    rows = frame[frame["indicator"] == indicator]
    return rows.set_index(["dimension", "group"])["numerator"].astype(float)


@pytest.mark.parametrize("path", [WORKED_EXAMPLE, SAMPLE], ids=["worked", "XLA-2024"])
def test_toy_indicator_is_computed_from_its_entry(toy_file, path):
    ds = read_dataset(path)
    with definitions_file(toy_file):
        assert [s.id for s in load_definitions()][-1] == "JJ90"
        res = compute_indicators(ds)
    ind = res.indicators
    toy = ind[ind["indicator"] == "JJ90"]
    assert set(toy["dimension"]) >= {"total", "sex", "age_group", "facility_type"}
    assert (toy["unit"] == "per 100,000 children").all() and (toy["kind"] == "rate").all()
    # sentenced = in detention on C minus pre-sentence, cell by cell (sex and age groups)
    j90, j02, j03 = (_cells(ind, c) for c in ("JJ90", "JJ02", "JJ03"))
    for key in [k for k in j90.index if k[0] in ("total", "sex", "age_group")]:
        assert j90[key] == j02.get(key, 0) - j03.get(key, 0), key
    total = toy[toy["dimension"] == "total"].iloc[0]
    assert total["value"] == pytest.approx(total["numerator"] / total["denominator"] * 1e5)
    assert total["ci_lower"] <= total["value"] <= total["ci_upper"]
    # the reconciliation accounts for every detention episode under the toy indicator too
    rec = res.reconciliation[(res.reconciliation["indicator"] == "JJ90")
                             & (res.reconciliation["table"] == "detentions")]
    assert rec["count"].sum() == rec["records_read"].iloc[0] == len(ds.tables["detentions"])
    if total["numerator"] < j02[("total", "all")]:
        assert "not_sentenced_on_census_day" in set(rec["reason"])


def test_toy_indicator_flows_through_outputs_disclosure_charts_and_report(toy_file, tmp_path):
    ds = read_dataset(SAMPLE)
    params = Parameters(disclosure="public")
    with definitions_file(toy_file):
        res = protect_results(compute_indicators(ds, params), params)
        written = write_results(res, tmp_path / "out", [ds], params, sdmx=True)
        csv = pd.read_csv(written["indicators.csv"], dtype={"group": str}, keep_default_na=False)
        assert "JJ90" in set(csv["indicator"])
        assert "JJ90" in set(sdmx_frame(res.indicators)[0]["INDICATOR"])
        # disclosure: no published count of the toy indicator is small
        toy = res.indicators[res.indicators["indicator"] == "JJ90"]
        assert not toy["numerator"].astype(float).between(1, 4).any()
        assert "JJ90" in [s.id for s in with_role("core_panel")]
        frame = res.indicators.assign(origin="records")
        plan = dict(report.comparison_plan(frame, res.durations))
        assert "comparison_JJ90" in plan
        axes = plan["core_panel"]()
        titles = [a.get_title(loc="left") for a in axes]
        assert any(t.startswith("JJ90") for t in titles)
        written = report.write_country_report(frame, res.durations, "XLA", tmp_path / "rep")
        names = {p.name for p in written}
        assert {"XLA_table.png", "XLA_disaggregation.png", "report_XLA.pdf"} <= names
        table = report.indicator_table_figure(frame, "XLA")
        cells = table.axes[0].tables[0].get_celld().values()
        ids = {c.get_text().get_text().strip() for c in cells}
        assert any(t.startswith("JJ90") for t in ids), ids
        panel = [p for p in report.country_plan(frame, res.durations, "XLA")
                 if p[0] == "disaggregation"]
        assert panel, "the toy indicator's report_disaggregation role gives the panel"
    # outside the block the package's own declaration is back
    assert "JJ90" not in [s.id for s in load_definitions()]
    known = toy[toy["dimension"].isin(["total", "sex"]) & toy["group"].isin(["all", "F", "M"])]
    assert np.isfinite(known["denominator"].astype(float)).all()
