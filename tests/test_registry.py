"""The indicator definitions (definitions.toml, registry.py) and their conformance.

Every entry is checked the same way (scikit-learn's ``parametrize_with_checks`` idea): it loads,
its disaggregations are dimension codes of the result schema, its output on the worked example
validates against the result schema, and ``ci_lower <= value <= ci_upper``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import WORKED_EXAMPLE

from indicators.compute import (
    COHORT_BUILDERS,
    GROUP_CODES,
    KIND_FUNCTIONS,
    ResultSchema,
    compute_indicators,
)
from indicators.reading import read_dataset
from indicators.registry import (
    DIMENSIONS,
    IndicatorSpec,
    declaration,
    get_spec,
    load_definitions,
)

WORKED = WORKED_EXAMPLE

IDS = ["JJ01", "JJ02", "JJ03", "JJ04", "JJ05", "JJ06", "JJ07", "JJ08", "JJ09", "JJ10", "JJ11",
       "JJ12a", "JJ12b", "JJ13a", "JJ13b", "JJ14", "JJ15"]
UNIT_OF = {
    "JJ01": "per 100,000 children", "JJ02": "per 100,000 children",
    "JJ03": "per 100,000 children", "JJ04": "days", "JJ05": "days",
    "JJ06": "per 1,000 children detained", "JJ12a": "yes/no", "JJ13a": "yes/no",
    "JJ14": "yes/no", "JJ15": "yes/no",
}
CORE = {"JJ02", "JJ03", "JJ09", "JJ10", "JJ14"}


@pytest.fixture(scope="module")
def worked_results():
    return compute_indicators(read_dataset(WORKED))


def test_all_seventeen_ids_in_order():
    assert [s.id for s in load_definitions()] == IDS


def test_definitions_are_cached_and_frozen():
    assert load_definitions() is load_definitions()
    spec = get_spec("JJ07")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.unit = "percent"  # type: ignore[misc]
    with pytest.raises(KeyError, match="JJ99"):
        get_spec("JJ99")


def test_bad_entry_is_refused():
    good = dataclasses.asdict(get_spec("JJ07"))
    with pytest.raises(ValueError, match="unit"):
        IndicatorSpec(**{**good, "unit": "per cent"})
    with pytest.raises(ValueError, match="disaggregations"):
        IndicatorSpec(**{**good, "disaggregations": ("colour",)})
    with pytest.raises(ValueError, match="kind"):
        IndicatorSpec(**{**good, "kind": "ratio"})


@pytest.mark.parametrize("indicator", IDS)
def test_conformance(indicator, worked_results):
    spec = get_spec(indicator)
    # Loads, with the contract's unit and core flag.
    assert spec.unit == UNIT_OF.get(indicator, "percent")
    assert spec.unit in {u.name for u in declaration().units}
    assert spec.core == (indicator in CORE)
    assert spec.name and spec.definition and spec.manual
    # Disaggregations are dimension codes of the result schema.
    for dim in spec.disaggregations:
        assert dim in DIMENSIONS and dim != "total"
        assert dim in GROUP_CODES or dim == "area"
    # One function per kind; a cohort builder for every quantitative indicator.
    if spec.kind == "policy":
        assert spec.policy_key
    else:
        assert spec.kind in KIND_FUNCTIONS and spec.cohort in COHORT_BUILDERS
    # Its output on the worked example validates and is consistent.
    rows = worked_results.indicators[worked_results.indicators["indicator"] == indicator]
    assert len(rows) >= 1
    ResultSchema.validate(rows)
    assert (rows["unit"] == spec.unit).all()
    assert (rows["kind"] == spec.kind).all()
    assert set(rows["dimension"]) <= {"total", *spec.disaggregations}
    total = rows[rows["dimension"] == "total"]
    assert len(total) == 1 and total["group"].iloc[0] == "all"
    has = rows["value"].notna() & rows["ci_lower"].notna()
    assert (rows.loc[has, "ci_lower"] <= rows.loc[has, "value"] + 1e-9).all()
    assert (rows.loc[has, "value"] <= rows.loc[has, "ci_upper"] + 1e-9).all()
    if spec.kind == "percentage":
        pct = rows["value"].dropna()
        assert ((pct >= 0) & (pct <= 100)).all()
    if spec.kind == "policy":
        assert rows["numerator"].isna().all() and rows["denominator"].isna().all()


def test_schema_rejects_broken_frames(worked_results):
    df = worked_results.indicators
    bad = df.copy()
    bad.loc[0, "ci_lower"] = bad.loc[0, "value"] + 1
    with pytest.raises(Exception, match="ci_lower"):
        ResultSchema.validate(bad)
    with pytest.raises(Exception, match="group_code_of_dimension"):
        ResultSchema.validate(df.assign(group=df["group"].where(df["dimension"] != "sex", "X")))
    with pytest.raises(Exception, match="contract_column_order"):
        ResultSchema.validate(df[[*reversed(df.columns[:14]), *df.columns[14:]]])
    with pytest.raises(Exception, match="unit"):
        ResultSchema.validate(df.assign(unit="per cent"))
    assert isinstance(df, pd.DataFrame)
