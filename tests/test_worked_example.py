"""The worked example of the spec (14 children, every rule applied by hand).

``hand_expected.csv`` holds two variants (``default`` and ``child_census``); a row whose
numerator is ``ABSENT`` must not be reported, and a cell written as a formula
(``11/37800*100000``) is that exact quotient.
"""

from __future__ import annotations

import ast
import operator
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from conftest import WORKED_EXAMPLE

from indicators.compute import compute_indicators
from indicators.reading import read_dataset

WORKED = WORKED_EXAMPLE

VARIANTS = {
    "default": {},
    "child_census": {"count_unit": "child", "deaths_denominator": "census"},
}

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def exact(text: str) -> float:
    """Evaluate a cell such as ``11/37800*100000`` exactly (Fractions); NaN when empty."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or str(text).strip() == "":
        return np.nan

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return Fraction(str(node.value))
        raise ValueError(f"unsupported expression {text!r}")

    return float(ev(ast.parse(str(text), mode="eval")))


def test_exact_parser():
    assert exact("11/37800*100000") == pytest.approx(11 / 37800 * 100000, rel=1e-15)
    assert exact("1000*366/1803") == pytest.approx(366000 / 1803, rel=1e-15)
    assert np.isnan(exact(""))


def _expected() -> pd.DataFrame:
    return pd.read_csv(WORKED / "hand_expected.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def worked():
    return read_dataset(WORKED)


@pytest.fixture(scope="module")
def results(worked):
    return {name: compute_indicators(worked, **params) for name, params in VARIANTS.items()}


def _close(actual, expected_text: str) -> bool:
    want = exact(expected_text)
    if np.isnan(want):
        return actual is None or pd.isna(actual)
    return (
        actual is not None
        and not pd.isna(actual)
        and np.isclose(float(actual), want, rtol=1e-12, atol=1e-12)
    )


def _cases():
    exp = _expected()
    return [
        pytest.param(r, id=f"{r['variant']}-{r['indicator']}-{r['dimension']}-{r['group']}")
        for r in exp.to_dict("records")
    ]


@pytest.mark.parametrize("row", _cases())
def test_hand_expected(results, row):
    res = results[row["variant"]]
    df = res.indicators
    sel = df[
        (df["indicator"] == row["indicator"])
        & (df["dimension"] == row["dimension"])
        & (df["group"] == row["group"])
    ]
    if row["numerator"] == "ABSENT":
        assert sel.empty, f"row must not be reported:\n{sel}"
        return
    assert len(sel) == 1, f"expected exactly one row, got {len(sel)}"
    got = sel.iloc[0]
    assert _close(got["numerator"], row["numerator"]), ("numerator", got["numerator"])
    assert _close(got["denominator"], row["denominator"]), ("denominator", got["denominator"])
    assert _close(got["value"], row["value"]), ("value", got["value"])
    if row["mean"] != "":
        dur = res.durations
        mean = dur[
            (dur["indicator"] == row["indicator"])
            & (dur["dimension"] == row["dimension"])
            & (dur["group"] == row["group"])
            & (dur["statistic"] == "mean")
        ]["value"]
        assert len(mean) == 1
        assert _close(mean.iloc[0], row["mean"]), ("mean", mean.iloc[0])


def test_policy_not_assessed_is_not_available(results):
    df = results["default"].indicators
    jj15 = df[df["indicator"] == "JJ15"].iloc[0]
    assert pd.isna(jj15["value"]) and jj15["flags"] == "not_available"


def test_durations_extras(results):
    dur = results["default"].durations
    total = dur[(dur["indicator"] == "JJ04") & (dur["dimension"] == "total")].set_index("statistic")
    # 0 0 6 27 31 51 64 70 126
    assert total.loc["n", "value"] == 9
    assert total.loc["min", "value"] == 0 and total.loc["max", "value"] == 126
    assert total.loc["p25", "value"] == 6 and total.loc["p75", "value"] == 64
    assert total.loc["band_0_7", "value"] == 3
    assert total.loc["band_8_30", "value"] == 1
    assert total.loc["band_31_90", "value"] == 4
    assert total.loc["band_91_180", "value"] == 1
    assert total.loc["band_366_plus", "value"] == 0
    jj05 = dur[(dur["indicator"] == "JJ05") & (dur["dimension"] == "total")].set_index("statistic")
    assert jj05.loc["band_180_364", "value"] == 2  # 202 and 356


def test_reconciliation_adds_up(results):
    for res in results.values():
        rec = res.reconciliation
        for _, block in rec.groupby(["indicator", "table"]):
            assert block["count"].sum() == block["records_read"].iloc[0]
            assert (
                block["used"].iloc[0] + block["left_out"].iloc[0] == block["records_read"].iloc[0]
            )


def test_reconciliation_reasons(results):
    rec = results["default"].reconciliation.set_index(["indicator", "table", "reason"])["count"]
    # A05 (18 on C), A08 (age_years 18), A11 (T08 18), A16 (T13 19); A12, A13 outside P.
    assert rec[("JJ01", "arrests", "aged_18_or_over")] == 4
    assert rec[("JJ01", "arrests", "outside_period")] == 2
    assert rec[("JJ01", "arrests", "used")] == 11
    # T03 is held on C at 18.
    assert rec[("JJ02", "detentions", "aged_18_or_over")] == 1
    # D07 acquittal, D08 dismissal, D05 diversion (JJ09), outside P D11 D12.
    assert rec[("JJ09", "dispositions", "outside_period")] == 2
    assert rec[("JJ10", "dispositions", "aged_18_or_over")] == 1  # D05
    # O1 held no child.
    assert rec[("JJ12b", "facilities", "held_no_child_in_period")] == 1
