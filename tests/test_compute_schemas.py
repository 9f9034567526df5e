"""The contracts of the result frames (compute/schemas.py): plain pandas checks, one error type.

The conformance of every indicator against ``ResultSchema`` is in test_registry.py; here each
kind of rule is broken once on the worked example's frames and must be refused with a
``ResultSchemaError`` (a ``ValueError``) naming the rule.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import WORKED_EXAMPLE

from indicators.compute import (
    DurationsSchema,
    ReconciliationSchema,
    ResultSchema,
    ResultSchemaError,
    compute_indicators,
)
from indicators.reading import read_dataset


@pytest.fixture(scope="module")
def results():
    return compute_indicators(read_dataset(WORKED_EXAMPLE))


def test_valid_frames_pass_and_come_back_as_copies(results):
    for schema, frame in ((ResultSchema, results.indicators),
                          (DurationsSchema, results.durations),
                          (ReconciliationSchema, results.reconciliation)):
        out = schema.validate(frame)
        assert out is not frame
        pd.testing.assert_frame_equal(out, frame)


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("indicator", "JJ99", "isin"),
        ("dimension", "colour", "isin"),
        ("period_end", "31/12/2024", "str_matches"),
        ("flags", "small numerator", "flag_codes"),
        ("country", None, "not_nullable"),
        ("denominator", -1.0, "greater_than_or_equal_to"),
    ],
)
def test_a_bad_value_names_its_column_and_rule(results, column, value, rule):
    bad = results.indicators.copy()
    bad[column] = bad[column].astype(object)
    bad.loc[0, column] = value
    if column == "denominator":
        bad[column] = bad[column].astype(float)
    with pytest.raises(ResultSchemaError, match=rule) as err:
        ResultSchema.validate(bad)
    assert isinstance(err.value, ValueError)
    assert err.value.schema == "indicators" and err.value.column == column


def test_wrong_types_are_refused(results):
    df = results.indicators
    with pytest.raises(ResultSchemaError, match="dtype"):
        ResultSchema.validate(df.assign(value=df["value"].astype("float32")))
    with pytest.raises(ResultSchemaError, match="dtype"):
        ResultSchema.validate(df.assign(core=df["core"].astype(int)))
    with pytest.raises(ResultSchemaError, match="dtype"):
        ResultSchema.validate(df.assign(unit=df["unit"].astype("category")))
    with pytest.raises(ResultSchemaError, match="column_in_dataframe"):
        ResultSchema.validate(df.drop(columns=["flags"]))
    # numbers of 64 bits, numpy's or pandas' nullable ones, are accepted
    ResultSchema.validate(df.assign(value=df["value"].astype("Float64"),
                                    numerator=df["numerator"].fillna(0).astype(np.int64)))


def test_durations_and_reconciliation_rules(results):
    dur = results.durations
    with pytest.raises(ResultSchemaError, match="str_matches"):
        DurationsSchema.validate(dur.assign(statistic="median_of_something"))
    with pytest.raises(ResultSchemaError, match="contract_column_order"):
        DurationsSchema.validate(dur[list(reversed(dur.columns))])
    rec = results.reconciliation.copy()
    rec.loc[0, "count"] += 1
    with pytest.raises(ResultSchemaError, match="read = used"):
        ReconciliationSchema.validate(rec)


def test_computing_does_not_import_pandera():
    """pandera is for validating records; reading and computing results do without it."""
    code = ("import sys; import indicators.compute as c; from indicators.reading import "
            f"read_dataset; c.compute_indicators(read_dataset({str(WORKED_EXAMPLE)!r})); "
            "sys.exit('pandera' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
