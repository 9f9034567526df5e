"""Hostile input: Hypothesis mutates valid datasets and the package must survive all of it.

Every mutated dataset goes through ``read_dataset`` + ``validate_dataset`` (which may only
raise ``DatasetError``), ``cli.main(["validate", ...])`` (exit 0 or 1, never an "unexpected
error"), and, when it validates, ``compute_indicators`` (which must not raise). Ids that look
like paths must never touch the file system.

Mutations start from the worked example (``shared/spec/worked-example``): bytes (flips,
truncation, binary junk, NULs), encodings (UTF-16, cp1252, BOM), types, dates (impossible
days, far years), ids (paths, very long, unicode, whitespace), codes, sizes (empty file, header
only, a 2 MB cell) and dataset.toml (broken syntax, wrong types, missing keys).

The number of examples per test is bounded (``JJ_FUZZ_EXAMPLES``, default 4) so that the suite
stays short in CI; raise it locally for a longer hunt.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from conftest import WORKED_EXAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import cli
from indicators.issues import DatasetError
from indicators.reading import read_dataset

WORKED = WORKED_EXAMPLE
pytestmark = pytest.mark.skipif(not WORKED.is_dir(), reason="worked example not found")

EXAMPLES = int(os.environ.get("JJ_FUZZ_EXAMPLES", "4"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=bool(os.environ.get("CI")),
)
TABLE_FILES = sorted(p.name for p in WORKED.glob("*.csv") if p.name != "hand_expected.csv")
MARKER = f"jj_fuzz_marker_{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- helpers


def _validate_dataset(ds):
    from indicators.validation import validate_dataset

    return validate_dataset(ds)


def _compute(ds):
    from indicators.compute import compute_indicators

    return compute_indicators(ds)


@contextlib.contextmanager
def _dataset_copy():
    """A fresh copy of the worked example in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="jjfuzz_") as tmp:
        folder = Path(tmp) / "ds"
        shutil.copytree(WORKED, folder, ignore=shutil.ignore_patterns("hand_expected.csv",
                                                                       "NOTES.md"))
        yield folder


def _read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write_rows(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def _files_outside(folder: Path) -> set[str]:
    """Names that a path-like id could create next to the dataset, in the cwd or in /tmp."""
    places = [folder.parent, folder.parent.parent, Path.cwd(), Path(tempfile.gettempdir())]
    found = set()
    for place in places:
        with contextlib.suppress(OSError):
            found |= {p.name for p in place.iterdir() if MARKER in p.name}
    return found


def _survives(folder: Path, *, cli_too: bool = True) -> str:
    """Run the package on ``folder``; return "not a dataset", "invalid", or "computed".

    With ``cli_too`` the command line reads and validates (any exception other than a
    DatasetError would surface as an "unexpected error" line, which fails the test); the
    Python API then reads again only to compute a dataset that validated.
    """
    before = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    outcome = None
    if cli_too:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["validate", str(folder)])
        assert code in (0, 1), err.getvalue()
        assert "unexpected error" not in err.getvalue(), err.getvalue()
        assert "Traceback" not in err.getvalue() + out.getvalue()
        assert err.getvalue() or out.getvalue()  # the user is told something
        if code == 1:
            outcome = "invalid"
    if outcome is None:
        try:
            ds = read_dataset(folder)
        except DatasetError as exc:
            assert str(exc)  # a message for the user
            assert not cli_too or code == 1
            outcome = "not a dataset"
        else:
            report = _validate_dataset(ds)
            assert isinstance(report.ok, bool)
            outcome = "invalid"
            if report.ok:
                results = _compute(ds)
                assert len(results.indicators) > 0
                outcome = "computed"
            assert not cli_too or outcome == "computed"
    # reading never writes: the folder is unchanged and nothing appeared elsewhere
    after = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    assert after == before
    assert not _files_outside(folder)
    return outcome


def test_the_unmutated_worked_example_computes():
    with _dataset_copy() as folder:
        assert _survives(folder) == "computed"


# --------------------------------------------------------------------------- bytes


@FUZZ
@given(
    table=st.sampled_from([*TABLE_FILES, "dataset.toml"]),
    kind=st.sampled_from(["flip", "truncate", "junk", "nul"]),
    where=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=64),
)
def test_fuzz_bytes(table, kind, where, junk):
    with _dataset_copy() as folder:
        path = folder / table
        data = bytearray(path.read_bytes())
        i = int(where * (len(data) - 1))
        if kind == "flip":
            for k, b in enumerate(junk[:8]):
                data[(i + 7 * k) % len(data)] ^= b or 0xFF
        elif kind == "truncate":
            data = data[:i]
        elif kind == "junk":
            data[i:i] = junk
        else:
            data[i:i] = b"\x00" * len(junk)
        path.write_bytes(bytes(data))
        _survives(folder)


# --------------------------------------------------------------------------- encodings


@FUZZ
@given(
    table=st.sampled_from(TABLE_FILES),
    encoding=st.sampled_from(["utf-16", "utf-16-le", "cp1252", "latin-1", "utf-8-sig",
                              "utf-32"]),
    accent=st.booleans(),
)
def test_fuzz_encodings(table, encoding, accent):
    with _dataset_copy() as folder:
        path = folder / table
        rows = _read_rows(path)
        if accent and len(rows) > 1:
            rows[1][0] = rows[1][0] + "é"  # a non-ASCII id that cp1252 and UTF-8 spell differently
        _write_rows(path, rows, encoding)
        _survives(folder)


# --------------------------------------------------------------------------- cells

TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "", " ", "NaN", "null", "None", "-1", "1e308", "inf", "0x10", "1,5", "١٢", "12.5",
        "TRUE", "yes", "2", "=1+2", "@SUM(A1)", "\t", "\r\n", "\"", "'", ",", "\x00",
    ]),
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
DATES = st.sampled_from([
    "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "0000-01-01", "9999-12-31",
    "1800-01-01", "3000-06-15", "31/12/2024", "2024/12/31", "20241231", "2024-1-1",
    "2024-12-31T10:00", "2024-12-31 ", " 2024-12-31", "-2024-01-01", "+2024-01-01", "2024",
])
IDS = st.one_of(
    st.sampled_from([
        "../../etc/passwd", f"../../{MARKER}", f"/tmp/{MARKER}", f"..\\..\\{MARKER}",
        "C:\\Windows\\system32", "CON", "nul", "/dev/null", "~/x", "$(touch /tmp/x)",
        "`id`", "%s%s%n", "{0}", " T01", "T01 ", "T0\u200b1", "T01\u00a0", "Ｔ０１", "😀",
        "x" * 5000, "", "  ",
    ]),
    st.text(min_size=1, max_size=30),
)


def _mutate_cell(folder: Path, table: str, column_pick: float, row_pick: float, value: str,
                 column: str | None = None) -> None:
    path = folder / table
    rows = _read_rows(path)
    if len(rows) < 2:
        return
    header = rows[0]
    j = header.index(column) if column in header else int(column_pick * (len(header) - 1))
    i = 1 + int(row_pick * (len(rows) - 2))
    rows[i][j] = value
    _write_rows(path, rows)


@FUZZ
@given(table=st.sampled_from(TABLE_FILES), c=st.floats(0, 1), r=st.floats(0, 1), value=TEXTS)
def test_fuzz_types(table, c, r, value):
    with _dataset_copy() as folder:
        _mutate_cell(folder, table, c, r, value)
        _survives(folder, cli_too=False)


DATE_COLUMNS = {
    "children.csv": "date_of_birth", "arrests.csv": "arrest_date",
    "detentions.csv": "admission_date", "dispositions.csv": "decision_date",
    "family_visits.csv": "visit_date", "inspections.csv": "inspection_date",
}


@FUZZ
@given(table=st.sampled_from(sorted(DATE_COLUMNS)), r=st.floats(0, 1), value=DATES,
       release=st.booleans())
def test_fuzz_dates(table, r, value, release):
    column = DATE_COLUMNS[table]
    if table == "detentions.csv" and release:
        column = "release_date"
    with _dataset_copy() as folder:
        _mutate_cell(folder, table, 0, r, value, column)
        _survives(folder, cli_too=False)


ID_COLUMNS = {
    "children.csv": "child_id", "arrests.csv": "child_id", "detentions.csv": "facility_id",
    "dispositions.csv": "disposition_id", "facilities.csv": "facility_id",
    "family_visits.csv": "child_id", "inspections.csv": "facility_id",
}


@FUZZ
@given(table=st.sampled_from(sorted(ID_COLUMNS)), r=st.floats(0, 1), value=IDS)
def test_fuzz_ids(table, r, value):
    with _dataset_copy() as folder:
        _mutate_cell(folder, table, 0, r, value, ID_COLUMNS[table])
        _survives(folder)


CODE_COLUMNS = {
    "children.csv": "sex", "arrests.csv": "offence_category", "detentions.csv": "end_reason",
    "dispositions.csv": "decision", "facilities.csv": "facility_type",
    "population.csv": "sex", "family_visits.csv": "direction",
}


@FUZZ
@given(table=st.sampled_from(sorted(CODE_COLUMNS)), r=st.floats(0, 1),
       value=st.one_of(TEXTS, st.sampled_from(["f", "m", "1", "5", "Release", " release",
                                               "custodial", "STATUS", "11 ", "012"])))
def test_fuzz_codes(table, r, value):
    with _dataset_copy() as folder:
        _mutate_cell(folder, table, 0, r, value, CODE_COLUMNS[table])
        _survives(folder, cli_too=False)


# --------------------------------------------------------------------------- sizes and shapes


@FUZZ
@given(
    table=st.sampled_from(TABLE_FILES),
    shape=st.sampled_from(["empty", "header_only", "no_header", "blank_lines", "ragged",
                           "duplicate_header", "extra_column", "only_newlines", "deleted",
                           "directory"]),
)
def test_fuzz_shapes(table, shape):
    with _dataset_copy() as folder:
        path = folder / table
        rows = _read_rows(path)
        if shape == "empty":
            path.write_bytes(b"")
        elif shape == "header_only":
            _write_rows(path, rows[:1])
        elif shape == "no_header":
            _write_rows(path, rows[1:])
        elif shape == "blank_lines":
            path.write_text("\n\n" + path.read_text(encoding="utf-8") + "\n\n\n",
                            encoding="utf-8")
        elif shape == "ragged":
            _write_rows(path, [rows[0]] + [[*r[: max(1, len(r) - 1)], "x", "y"] for r in rows[1:]])
        elif shape == "duplicate_header":
            _write_rows(path, [rows[0] + rows[0][:1]] + [r + r[:1] for r in rows[1:]])
        elif shape == "extra_column":
            _write_rows(path, [[*rows[0], "name"]] + [[*r, "Jane Doe"] for r in rows[1:]])
        elif shape == "only_newlines":
            path.write_bytes(b"\r\n" * 50)
        elif shape == "deleted":
            path.unlink()
        else:
            path.unlink()
            path.mkdir()
        _survives(folder, cli_too=False)


def test_a_2mb_cell_is_reported_not_swallowed():
    from indicators.reading import MAX_CELL_CHARS

    with _dataset_copy() as folder:
        _mutate_cell(folder, "children.csv", 0, 0.5, "A" * 2_000_000, "child_id")
        assert _survives(folder) == "invalid"
        report = _validate_dataset(read_dataset(folder))
        assert "cell_too_long" in set(report.issues["rule"])
        # the report quotes the value shortened, never the 2 MB
        assert report.issues["value"].astype(str).str.len().max() < MAX_CELL_CHARS


def test_a_file_over_the_size_limit_fails_with_a_message(monkeypatch):
    from indicators.reading import files

    with _dataset_copy() as folder:
        monkeypatch.setattr(files, "MAX_FILE_BYTES", 200)
        ds = read_dataset(folder)
        report = _validate_dataset(ds)
        assert not report.ok
        assert "file_too_large" in set(report.issues["rule"])


def test_a_folder_that_is_not_a_dataset():
    with tempfile.TemporaryDirectory() as tmp:
        for target in (Path(tmp), Path(tmp) / "missing", Path(tmp) / "file"):
            if target.name == "file":
                target.write_text("x")
            assert _survives(target, cli_too=False) == "not a dataset"
            assert _survives(target) == "invalid"  # the CLI: exit 1 with a message


# --------------------------------------------------------------------------- dataset.toml

TOML_CASES = [
    "country = ",
    'country = "TNY"\nperiod_start = 2024-01-01\n',  # no period_end
    'country = 5\nperiod_start = "abc"\nperiod_end = 2024-12-31',
    'country = "TNY"\nperiod_start = 2024-12-31\nperiod_end = 2024-01-01',
    'country = "TNY"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\ncensus_date = 2030-01-01',
    'country = "TNY"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\npolicy = "yes"',
    'country = "TNY"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\nparameters = [1, 2]',
    'country = "TNY"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\n'
    '[parameters]\ncount_unit = "households"\nconfidence_level = 7',
    'country = "TNY"\nperiod_start = 2024-01-01T10:00:00\nperiod_end = 2024-12-31',
    'country = "TNY"\nperiod_start = 1024-01-01\nperiod_end = 9999-12-31',
    'country = "../../etc"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31',
    'country = "TNY"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\n'
    'minimum_age_criminal_responsibility = "twelve"',
    "[[[",
    "\x00\x01\x02",
    'country = "TNY"\n' * 3,
    "",
]


@FUZZ
@given(
    case=st.sampled_from(TOML_CASES),
    extra=st.one_of(st.just(""), st.text(max_size=50).map(lambda t: "\n# " + t.replace("\n", " "))),
)
def test_fuzz_toml(case, extra):
    with _dataset_copy() as folder:
        (folder / "dataset.toml").write_text(case + extra, encoding="utf-8", errors="replace")
        _survives(folder)


@FUZZ
@given(key=st.sampled_from(["country", "period_start", "period_end", "census_date",
                            "country_name", "policy", "parameters"]),
       value=st.one_of(st.integers(), st.booleans(), st.text(max_size=20).map(repr),
                       st.sampled_from(["[]", "{}", "1.5", "nan", "inf", "2024-02-30",
                                        "[1, 'a']", "{ a = 1 }"])))
def test_fuzz_toml_values(key, value):
    with _dataset_copy() as folder:
        path = folder / "dataset.toml"
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
                 if not ln.startswith(f"{key} ")]
        lines.insert(3, f"{key} = {value}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _survives(folder, cli_too=False)


# --------------------------------------------------------------------------- nothing lost

OPTIONAL = ("arrests", "detentions", "dispositions", "family_visits", "facilities", "inspections")


def _profiles() -> list[str]:
    from indicators.simulate import list_profiles

    return list(list_profiles()["profile"])


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
          derandomize=bool(os.environ.get("CI")))
@given(
    data=st.data(),
    children=st.integers(1, 60),
    seed=st.integers(0, 2**31 - 1),
    drop=st.sets(st.sampled_from(OPTIONAL), max_size=3),
    count_unit=st.sampled_from(["event", "child"]),
    deaths=st.sampled_from(["average_daily_population", "census", "distinct_children"]),
)
def test_nothing_lost(data, children, seed, drop, count_unit, deaths):
    """Issue 8 item 4: read = used + left out, by reason, for every table of every indicator."""
    import indicators.compute as compute
    profiles = _profiles()
    if not profiles:
        pytest.skip("no simulator to generate datasets")
    from hypothesis import assume

    from indicators.registry import load_definitions
    from indicators.simulate import simulate

    profile = data.draw(st.sampled_from(profiles), label="profile")
    ds = simulate(profile, children, seed=seed)
    for table in drop:
        ds.tables.pop(table, None)
    report = _validate_dataset(ds)
    assume(report.ok)
    res = compute.compute_indicators(ds, count_unit=count_unit, deaths_denominator=deaths)
    rec = res.reconciliation
    for spec in load_definitions():
        if spec.kind == "policy" or not spec.tables:
            continue
        if any(t not in ds.tables for t in spec.tables):
            continue  # not available: nothing read
        # the records an indicator counts are accounted for (see the test below for the
        # tables it only consults)
        assert rec[rec["indicator"] == spec.id]["table"].isin(spec.tables).any(), spec.id
    for (indicator, table), rows in rec.groupby(["indicator", "table"]):
        if table not in ds.tables:  # a missing table is listed as such, with nothing read
            assert (rows["records_read"] == 0).all() and (rows["count"] == 0).all()
            continue
        n = len(ds.tables[table])
        assert (rows["records_read"] == n).all(), (indicator, table)
        assert (rows["count"] >= 0).all(), (indicator, table)
        assert rows["count"].sum() == n, (indicator, table, rows[["reason", "count"]])
        assert not rows["reason"].duplicated().any(), (indicator, table)
        used = rows.loc[rows["reason"] == "used", "count"].sum()
        assert (rows["used"] == used).all() and (rows["left_out"] == n - used).all()
        assert rows["reason"].astype(str).str.len().gt(0).all()  # every left-out has a reason
    # under count_unit event, the arrests used are JJ01's numerator
    if count_unit == "event" and "arrests" in ds.tables:
        used = rec[(rec["indicator"] == "JJ01") & (rec["table"] == "arrests")
                   & (rec["reason"] == "used")]["count"].sum()
        ind = res.indicators
        total = ind[(ind["indicator"] == "JJ01") & (ind["dimension"] == "total")]["numerator"]
        assert int(total.iloc[0]) == used


def test_reconciliation_lists_every_table_an_indicator_reads():
    import indicators.compute as compute
    from indicators.registry import load_definitions

    ds = read_dataset(WORKED)
    rec = compute.compute_indicators(ds).reconciliation
    missing = [(spec.id, t) for spec in load_definitions() if spec.kind != "policy"
               for t in spec.tables
               if rec[(rec["indicator"] == spec.id) & (rec["table"] == t)].empty]
    assert not missing, missing
