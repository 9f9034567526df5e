"""One rule for exit codes, for every command: a bad value on the command line is a usage error
(2), a bad value inside the input (dataset.toml, a file) is invalid input (1), success is 0.

Every command of ``cli.COMMANDS`` must have its cases here (a new command adds its own), and a
command never accepts an option it ignores.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import WORKED_EXAMPLE

from indicators import cli
from indicators.parameters import PARAMETERS

Case = Callable[[Path], list[str]]


def _dataset(tmp: Path, edit: str | None = None, top: str | None = None) -> str:
    """A copy of the worked example; ``edit`` appended to its dataset.toml, ``top`` put first
    (a top-level key)."""
    dest = tmp / "ds"
    if not dest.exists():
        shutil.copytree(WORKED_EXAMPLE, dest)
    toml = dest / "dataset.toml"
    toml.write_text((top or "") + toml.read_text() + (edit or ""))
    return str(dest)


BAD_TOML = '\n[parameters]\ncount_unit = "person"\n'
COUNTS = ("country,period,indicator,group,numerator,denominator\n"
          "AAA,2024,JJ02,all,30,100000\n")


EXAMPLE = Path(__file__).parents[1] / "data" / "examples" / "ministry_exports"


def _mapping(tmp: Path, line: str) -> str:
    """A copy of the example (exports and mapping) with ``line`` added to its first source."""
    dest = tmp / "exports"
    if not dest.exists():
        shutil.copytree(EXAMPLE, dest)
    path = dest / "mapping.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'table = "arrests"', 'table = "arrests"\n' + line, 1), encoding="utf-8")
    return str(path)


def _counts(tmp: Path) -> str:
    path = tmp / "counts.csv"
    path.write_text(COUNTS)
    return str(path)


# (command line, expected exit code) per command; every command has a usage error and an
# invalid-input case where it reads input.
CASES: dict[str, list[tuple[Case, int]]] = {
    "validate": [
        (lambda t: ["validate", _dataset(t)], 0),
        (lambda t: ["validate", _dataset(t, BAD_TOML)], 1),
        (lambda t: ["validate", _dataset(t), "--max-examples", "-1"], 2),
    ],
    "schema": [
        (lambda t: ["schema", "--out", str(t / "dict.md")], 0),
        (lambda t: ["schema", "--out", str(t / "no" / "such" / "dir" / "dict.md")], 1),
        (lambda t: ["schema", "--colour"], 2),
    ],
    "template": [
        (lambda t: ["template", str(t / "entry.xlsx")], 0),
        (lambda t: ["template", str(t / "entry.txt")], 2),
    ],
    "compute": [
        (lambda t: ["compute", _dataset(t), "--out", str(t / "o")], 0),
        (lambda t: ["compute", _dataset(t, BAD_TOML), "--out", str(t / "o")], 1),
        (lambda t: ["compute", _dataset(t), "--out", str(t / "o"), "--count-unit", "person"], 2),
        (lambda t: ["compute", _dataset(t), "--out", str(t / "o"), "--confidence", "1.5"], 2),
        (lambda t: ["compute", _dataset(t), "--out", str(t / "o"),
                    "--census-date", "2023-06-30"], 2),
        (lambda t: ["compute", _dataset(t, top="census_date = 2023-06-30\n"), "--out",
                    str(t / "o")], 1),
    ],
    "simulate": [
        (lambda t: ["simulate", "--profile", "northland", "--children", "50", "--out",
                    str(t / "sim")], 0),
        (lambda t: ["simulate", "--profile", "nowhere", "--children", "50", "--out",
                    str(t / "sim")], 2),
        (lambda t: ["simulate", "--profile", "northland", "--children", "0", "--out",
                    str(t / "sim")], 2),
        (lambda t: ["simulate", "--profile", "grandara", "--children", "3000", "--out",
                    str(t / "sim"), "--sample-places", "8"], 0),
        (lambda t: ["simulate", "--profile", "grandara", "--children", "3000", "--out",
                    str(t / "sim"), "--sample-places", "1"], 2),
    ],
    "plan-sample": [
        (lambda t: ["plan-sample", _dataset(t) + "/facilities.csv", "--strata", "facility_type",
                    "--margin", "10", "--expected", "2", "--out", str(t / "p")], 0),
        (lambda t: ["plan-sample", str(t / "missing.csv"), "--strata", "facility_type",
                    "--margin", "10", "--expected", "2", "--out", str(t / "p")], 1),
        (lambda t: ["plan-sample", _dataset(t) + "/facilities.csv", "--strata", "colour",
                    "--margin", "10", "--expected", "2", "--out", str(t / "p")], 1),
        (lambda t: ["plan-sample", _dataset(t) + "/facilities.csv", "--strata", "facility_type",
                    "--margin", "0", "--expected", "2", "--out", str(t / "p")], 2),
        (lambda t: ["plan-sample", _dataset(t) + "/facilities.csv", "--strata", "facility_type",
                    "--margin", "10", "--expected", "2", "--out", str(t / "p"),
                    "--confidence", "1.5"], 2),
    ],
    "import-counts": [
        (lambda t: ["import-counts", _counts(t), "--out", str(t / "c")], 0),
        (lambda t: ["import-counts", str(t / "missing.csv"), "--out", str(t / "c")], 1),
        (lambda t: ["import-counts", _counts(t), "--out", str(t / "c"), "--confidence", "2"], 2),
        (lambda t: ["import-counts", _counts(t), "--out", str(t / "c"),
                    "--census-date", "1999-01-01"], 2),
        (lambda t: ["import-counts", _counts(t), "--out", str(t / "c"),
                    "--count-unit", "child"], 2),
    ],
    "compare": [
        (lambda t: ["compare", _dataset(t), "--out", str(t / "cmp")], 0),
        (lambda t: ["compare", _counts(t), "--out", str(t / "cmp")], 0),
        (lambda t: ["compare", str(t / "missing"), "--out", str(t / "cmp")], 1),
        (lambda t: ["compare", _counts(t), "--out", str(t / "cmp"), "--threshold", "0"], 2),
    ],
    "report": [
        (lambda t: ["report", _dataset(t), "--out", str(t / "r")], 0),
        (lambda t: ["report", _dataset(t, BAD_TOML), "--out", str(t / "r")], 1),
        (lambda t: ["report", _dataset(t), "--out", str(t / "r"),
                    "--census-date", "2023-06-30"], 2),
        (lambda t: ["report", _dataset(t), "--out", str(t / "r"), "--jobs", "0"], 2),
    ],
    "run": [
        (lambda t: ["run", _dataset(t), "--out", str(t / "run"), "--jobs", "1"], 0),
        (lambda t: ["run", _dataset(t, BAD_TOML), "--out", str(t / "run"), "--jobs", "1"], 1),
        (lambda t: ["run", _dataset(t), "--out", str(t / "run"), "--census-date", "2024-13-01"],
         2),
    ],
    "ingest": [
        (lambda t: ["ingest", str(EXAMPLE / "mapping.toml"), "--out", str(t / "ing")], 0),
        (lambda t: ["ingest", _mapping(t, 'fiels = ["x.csv"]'), "--out", str(t / "ing")], 1),
        (lambda t: ["ingest", str(EXAMPLE / "mapping.toml"), "--out", str(t / "ing"),
                    "--format", "xlsx"], 2),
    ],
    "map-template": [
        (lambda t: ["map-template", str(EXAMPLE / "population" / "population_2024.csv"),
                    "--table", "population", "--out", str(t / "draft.toml")], 0),
        (lambda t: ["map-template", str(t / "missing.csv"), "--table", "arrests"], 1),
        (lambda t: ["map-template", str(EXAMPLE / "population" / "population_2024.csv"),
                    "--table", "populations"], 2),
    ],
}

PARAMS = [(name, i) for name, cases in CASES.items() for i in range(len(cases))]


def test_every_command_has_its_cases():
    assert set(CASES) == set(cli.COMMANDS)


@pytest.mark.parametrize(("command", "i"), PARAMS, ids=[f"{c}-{i}" for c, i in PARAMS])
def test_exit_code(command, i, tmp_path, capsys):
    build, expected = CASES[command][i]
    argv = build(tmp_path)
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == expected, err
    assert "Traceback" not in out + err
    if expected:
        assert (out + err).strip(), "a failure says why"


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_a_command_offers_exactly_the_parameters_it_uses(command):
    """The parameter options of a command are those declared for it, no more, no fewer."""
    parser = cli.build_parser()
    sub = next(a for a in parser._subparsers._group_actions[0].choices.items()
               if a[0] == command)[1]
    offered = {a.dest for a in sub._actions}
    declared = {p.name for p in PARAMETERS if command in p.commands}
    undeclared = {p.name for p in PARAMETERS} - declared
    assert declared <= offered
    assert not (undeclared & offered)
