"""SQL databases as sources (``url`` with ``from`` or ``query``): SQLite always, and a real
PostgreSQL server started by the fixture below in a throw-away cluster.

The PostgreSQL test is skipped only when the server's programs are not installed and
``CI_REQUIRE_POSTGRES`` is not ``1`` (``.ci/run`` installs them and sets it).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from test_ingest_mapping import ARRESTS, ARRESTS_CSV, DATASET, POPULATION, POPULATION_CSV, write

import indicators as jj
from indicators import cli
from indicators.ingest import ingest

BASE = {"arrests.csv": ARRESTS_CSV, "population.csv": POPULATION_CSV}
ROWS = [("D1", "C1", "2024-03-01", "Condamnation", "2024-02-10"),
        ("D2", "C2", "2024-07-01", "Médiation", None)]


def court_source(url: str, where: str) -> str:
    return f"""
[[source]]
table = "dispositions"
url = "{url}"
{where}
[source.columns]
disposition_id = "numero"
child_id = "enfant"
decision_date = "jour"
decision = "decision"
offence_date = "faits"
[source.values.decision]
"Condamnation" = "custodial_sentence"
"Médiation" = "diversion"
"""


def check(result, label_part: str) -> None:
    errors = [i for i in result.dataset.issues if i.severity == "error"]
    assert not errors, errors
    d = result.dataset.tables["dispositions"]
    assert list(d["decision"].astype(str)) == ["custodial_sentence", "diversion"]
    assert list(d["decision_date"].dt.strftime("%F")) == ["2024-03-01", "2024-07-01"]
    assert list(d["source_row"]) == [2, 3]
    assert label_part in d["source_file"].iat[0]
    assert jj.validate_dataset(result.dataset).ok


# --------------------------------------------------------------------------- SQLite


@pytest.fixture
def sqlite_db(tmp_path):
    with sqlite3.connect(tmp_path / "court.db") as con:
        con.execute("CREATE TABLE decisions (numero TEXT, enfant TEXT, jour TEXT, decision TEXT, "
                    "faits TEXT)")
        con.executemany("INSERT INTO decisions VALUES (?, ?, ?, ?, ?)", ROWS)
    return tmp_path / "court.db"


def test_sqlite_table_relative_to_the_mapping_file(tmp_path, sqlite_db):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION
                    + court_source("sqlite:///court.db", 'from = "decisions"'), BASE)
    check(ingest(mapping), "sqlite:///court.db[decisions]")


def test_sqlite_query(tmp_path, sqlite_db):
    query = 'query = "SELECT numero, enfant, jour, decision, faits FROM decisions ORDER BY numero"'
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION
                    + court_source("sqlite:///court.db", query), BASE)
    check(ingest(mapping), "[query]")


def test_a_missing_table_is_a_failed_query_naming_the_source(tmp_path, sqlite_db):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION
                    + court_source("sqlite:///court.db", 'from = "decisions_2023"'), BASE)
    issue = next(i for i in ingest(mapping).dataset.issues if i.rule == "query_failed")
    assert "decisions_2023" in issue.message and issue.table == "sqlite:///court.db[decisions_2023]"


def test_an_unset_environment_variable_in_the_url(tmp_path):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION + court_source(
        "postgresql://court:${JJ_UNSET_PASSWORD_FOR_TEST}@localhost/court", 'from = "d"'), BASE)
    issue = next(i for i in ingest(mapping).dataset.issues if i.rule == "source_unreachable")
    assert "JJ_UNSET_PASSWORD_FOR_TEST" in issue.message


# --------------------------------------------------------------------------- PostgreSQL


def _postgres_bin() -> Path | None:
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL cluster on a unix socket: yields (url, start-up seconds)."""
    pg = _postgres_bin()
    if pg is None:
        if os.environ.get("CI_REQUIRE_POSTGRES") == "1":
            pytest.fail("CI_REQUIRE_POSTGRES=1 but PostgreSQL (initdb, pg_ctl) is not installed")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    pytest.importorskip("psycopg") if os.environ.get("CI_REQUIRE_POSTGRES") != "1" else None
    run_as: dict = {}
    root = Path(tempfile.mkdtemp(prefix="jj-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        import pwd

        user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        info = pwd.getpwnam(user)
        os.chown(root, info.pw_uid, info.pw_gid)
        run_as = {"user": info.pw_uid, "group": info.pw_gid}
    data, sock, port = root / "data", root, _free_port()
    start = time.perf_counter()
    try:
        subprocess.run([str(pg / "initdb"), "-D", str(data), "-A", "trust", "-U", "jj",
                        "-E", "UTF8", "--locale=C", "--no-sync"], check=True,
                       capture_output=True, cwd=root, **run_as)
        subprocess.run([str(pg / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
                        "-t", "60", "-o", f"-F -p {port} -k {sock} -c listen_addresses=''",
                        "start"], check=True, capture_output=True, cwd=root, **run_as)
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}\n{log}")
    seconds = time.perf_counter() - start
    url = f"postgresql+psycopg://jj:secret@/postgres?host={sock}&port={port}"
    try:
        yield url, seconds
    finally:
        subprocess.run([str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, cwd=root, **run_as)
        shutil.rmtree(root, ignore_errors=True)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def test_postgresql_table_and_query_on_a_real_server(tmp_path, postgres, record_property):
    import sqlalchemy as sa

    url, seconds = postgres
    record_property("postgres_start_seconds", round(seconds, 2))
    engine = sa.create_engine(url)
    with engine.begin() as con:
        con.execute(sa.text("CREATE SCHEMA court"))
        con.execute(sa.text("CREATE TABLE court.decisions (numero text, enfant text, jour date, "
                            "decision text, faits date)"))
        for row in ROWS:
            con.execute(sa.text("INSERT INTO court.decisions VALUES (:a, :b, :c, :d, :e)"),
                        dict(zip("abcde", row, strict=True)))
    engine.dispose()
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION
                    + court_source(url, 'from = "court.decisions"'), BASE)
    result = ingest(mapping)
    check(result, "[court.decisions]")
    assert "secret" not in result.dataset.tables["dispositions"]["source_file"].iat[0]
    query = ('query = "SELECT numero, enfant, jour, decision, faits FROM court.decisions '
             'ORDER BY numero"')
    mapping = write(tmp_path / "q", DATASET + ARRESTS + POPULATION + court_source(url, query),
                    BASE)
    check(ingest(mapping), "[query]")
    out = tmp_path / "out"
    assert cli.main(["ingest", str(mapping), "--out", str(out)]) == 0
    bad = write(tmp_path / "bad", DATASET + ARRESTS + POPULATION + court_source(
        url, 'query = "SELECT numero FROM court.no_such_table"'), BASE)
    assert cli.main(["ingest", str(bad), "--out", str(tmp_path / "bad_out")]) == 1


def test_postgresql_server_that_cannot_be_reached(tmp_path, postgres):
    url, _ = postgres
    dead = url.rsplit("port=", 1)[0] + f"port={_free_port()}"
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION
                    + court_source(dead, 'from = "court.decisions"'), BASE)
    issue = next(i for i in ingest(mapping).dataset.issues if i.rule == "source_unreachable")
    assert "cannot be reached" in issue.message and "secret" not in issue.message


def test_sqlalchemy_is_imported_only_for_a_database_source(tmp_path):
    import sys

    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION, BASE)
    code = ("import sys, indicators as jj; jj.read_dataset(sys.argv[1]); "
            "assert 'sqlalchemy' not in sys.modules, 'imported'")
    done = subprocess.run([sys.executable, "-c", code, str(mapping)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
