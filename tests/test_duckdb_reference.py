"""The independent DuckDB reference (benchmarks/duckdb_reference.py) and the cross-check.

(a) The reference reproduces the worked example's hand-computed answers, cell by cell.
(b) On a simulated dataset the package's ``compute_indicators`` and the reference agree exactly on
    every numerator and denominator of JJ01-JJ03, JJ06-JJ11 by total, sex and age group, so a
    disagreement between the two implementations fails CI. Nothing here is timed.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import WORKED_EXAMPLE

pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parents[1]
WORKED = WORKED_EXAMPLE  # the spec's worked example, shipped in tests/data/


def _load_reference():
    spec = importlib.util.spec_from_file_location(
        "duckdb_reference", ROOT / "benchmarks" / "duckdb_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("duckdb_reference", module)
    spec.loader.exec_module(module)
    return module


ref = _load_reference()
DIMENSIONS = ("total", "sex", "age_group", "offence", "facility_type", "legal_status")

needs_worked = pytest.mark.skipif(not WORKED.is_dir(), reason="worked example not found")


def _exact(text: str) -> Fraction | None:
    """A hand value such as ``11/37800*100000`` or ``1000*366/1803`` as an exact fraction."""
    text = text.strip()
    if not text:
        return None
    out = None
    op = "*"
    for token in text.replace("*", " * ").replace("/", " / ").split():
        if token in "*/":
            op = token
            continue
        num = Fraction(token)
        out = num if out is None else (out * num if op == "*" else out / num)
    return out


def _hand(variant: str) -> dict[tuple[str, str, str], dict[str, str]]:
    with open(WORKED / "hand_expected.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["variant"] == variant]
    return {
        (r["indicator"], r["dimension"], r["group"]): r
        for r in rows
        if r["indicator"] in ref.REFERENCE_INDICATORS and r["dimension"] in DIMENSIONS
    }


def _check_against_hand(cells, hand, complete: bool) -> None:
    got = {(r.indicator, r.dimension, r.group): r for r in cells.itertuples(index=False)}
    expected = {k for k, r in hand.items() if r["numerator"] != "ABSENT"}
    absent = {k for k, r in hand.items() if r["numerator"] == "ABSENT"}
    assert not absent & set(got), f"reported but ABSENT by hand: {sorted(absent & set(got))}"
    if complete:
        assert set(got) == expected
    else:
        assert expected <= set(got), f"missing: {sorted(expected - set(got))}"
    for key in expected:
        row, mine = hand[key], got[key]
        assert mine.numerator == int(row["numerator"]), key
        hand_den = _exact(row["denominator"])
        if hand_den is None:
            assert mine.denominator is None or mine.denominator != mine.denominator, key
        elif key[0] == "JJ06" and hand_den.denominator != 1:
            # The average daily population: detention days / days in P, days exactly.
            assert Fraction(int(mine.child_days), 366) == hand_den, key
            assert mine.denominator == pytest.approx(float(hand_den), rel=1e-12), key
        else:
            assert mine.denominator == hand_den, key
        hand_value = _exact(row["value"])
        if hand_value is None:
            assert mine.value is None or mine.value != mine.value, key
        else:
            assert mine.value == pytest.approx(float(hand_value), rel=1e-12), key


@needs_worked
def test_reference_reproduces_the_worked_example_default_variant():
    cells = ref.compute_reference(WORKED)
    hand = _hand("default")
    assert {k[0] for k in hand} == set(ref.REFERENCE_INDICATORS)
    _check_against_hand(cells, hand, complete=True)


@needs_worked
def test_reference_reproduces_the_worked_example_child_census_variant():
    cells = ref.compute_reference(WORKED, count_unit="child", deaths_denominator="census")
    # hand_expected lists only the rows that the variant changes or that are worth checking.
    _check_against_hand(cells, _hand("child_census"), complete=False)


@needs_worked
def test_reference_reads_parquet_like_csv(tmp_path):
    pd = pytest.importorskip("pandas")
    folder = tmp_path / "TNY"
    folder.mkdir()
    shutil.copy(WORKED / "dataset.toml", folder / "dataset.toml")
    for path in WORKED.glob("*.csv"):
        if path.name == "hand_expected.csv":
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        for col in frame.columns:  # typed columns, as a simulator or a database would write
            if col.endswith("_date") or col == "date_of_birth":
                frame[col] = pd.to_datetime(frame[col])
            elif col in ("year", "age", "population", "age_years"):
                frame[col] = pd.to_numeric(frame[col]).astype("Int64")
            elif col in ("wholly_separated_from_adults", "received_aftercare"):
                frame[col] = frame[col].map({"true": True, "false": False}).astype("boolean")
        frame.to_parquet(folder / f"{path.stem}.parquet", index=False)
    from_parquet = ref.compute_reference(folder)
    from_csv = ref.compute_reference(WORKED)
    pd.testing.assert_frame_equal(from_parquet, from_csv)


def test_age_in_completed_years_and_the_29_february_rule():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.execute(ref._MACROS)
    rows = con.execute("""
        SELECT age_on(DATE '2008-02-29', DATE '2009-02-28'),
               age_on(DATE '2008-02-29', DATE '2009-03-01'),
               age_on(DATE '2008-02-29', DATE '2012-02-29'),
               age_on(DATE '2006-12-31', DATE '2024-12-30'),
               age_on(DATE '2006-12-31', DATE '2024-12-31'),
               birthday(DATE '2008-02-29', 14), birthday(DATE '2008-02-29', 16),
               CAST(DATE '2024-05-31' - INTERVAL 3 MONTH AS DATE),
               CAST(DATE '2024-02-29' - INTERVAL 12 MONTH AS DATE)
    """).fetchone()
    assert rows[:5] == (0, 1, 4, 17, 18)
    assert [d.isoformat() for d in rows[5:]] == [
        "2022-03-01", "2024-02-29", "2024-02-29", "2023-02-28"
    ]


# --------------------------------------------------------------------------------------------
# (b) The package against the reference on simulated records.


def _simulated(tmp_path_factory, fmt: str) -> Path:
    import indicators.simulate as simulate
    out = tmp_path_factory.mktemp(f"sim_{fmt}")
    data = simulate.simulate_frames("northland", 3000, seed=7, period=2024)
    return simulate.write_dataset(data, out / "XAA", format=fmt)


@pytest.fixture(scope="module")
def simulated_csv(tmp_path_factory):
    return _simulated(tmp_path_factory, "csv")


@pytest.mark.slow
@pytest.mark.parametrize(
    "count_unit, deaths_denominator",
    [("event", "average_daily_population"), ("child", "census"), ("child", "distinct_children")],
)
def test_package_and_reference_agree_on_simulated_records(
    simulated_csv, count_unit, deaths_denominator
):
    import indicators.compute as compute
    from indicators.reading import read_dataset

    ds = read_dataset(simulated_csv)
    results = compute.compute_indicators(
        ds, count_unit=count_unit, deaths_denominator=deaths_denominator
    )
    cells = ref.compute_reference(
        simulated_csv, count_unit=count_unit, deaths_denominator=deaths_denominator
    )
    # The simulated data must exercise the comparison, not compare empty tables.
    totals = cells[cells["dimension"] == "total"].set_index("indicator")["numerator"]
    for indicator in ("JJ01", "JJ02", "JJ03", "JJ09", "JJ10", "JJ11"):
        assert totals[indicator] > 0, f"the simulated dataset has no {indicator} records"
    problems = ref.compare_cells(results, cells)
    assert not problems, "package and DuckDB reference disagree:\n" + "\n".join(problems[:40])
