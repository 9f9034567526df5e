"""``jj-indicators ingest`` and ``map-template``: exit codes, the printed report, and a folder
written whole or not at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_ingest_mapping import ARRESTS, ARRESTS_CSV, DATASET, POPULATION, POPULATION_CSV, write

from indicators import cli

EXAMPLE = Path(__file__).parents[1] / "data" / "examples" / "ministry_exports"
BASE = {"arrests.csv": ARRESTS_CSV, "population.csv": POPULATION_CSV}


def ingest_cli(mapping, out, *extra):
    return cli.main(["ingest", str(mapping), "--out", str(out), *extra])


def test_a_valid_ingest_writes_the_dataset_and_exits_0(tmp_path, capsys):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION, BASE)
    out = tmp_path / "out"
    assert ingest_cli(mapping, out) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["arrests.csv", "children.csv", "dataset.toml", "ingest_report.csv",
                     "population.csv"]
    arrests = pd.read_csv(out / "arrests.csv", dtype=str)
    assert list(arrests.columns[-2:]) == ["source_file", "source_row"]
    assert "Wrote" in capsys.readouterr().out
    # the written folder reads back as a dataset, its messages pointing to the exports
    from indicators import read_dataset, validate_dataset

    assert validate_dataset(read_dataset(out)).ok


def test_parquet_format(tmp_path):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION, BASE)
    assert ingest_cli(mapping, tmp_path / "out", "--format", "parquet") == 0
    assert (tmp_path / "out" / "arrests.parquet").is_file()


BAD = {
    "unmapped code": (DATASET + ARRESTS + POPULATION,
                      {"arrests.csv": ARRESTS_CSV.replace(",05,", ",Vol,")}, "arrests.csv"),
    "unparseable date": (DATASET + ARRESTS + POPULATION,
                         {"arrests.csv": ARRESTS_CSV.replace("2024-02-10", "10/02/2024")},
                         "arrests.csv"),
    "column missing from one of several files": (
        DATASET + ARRESTS.replace('["arrests.csv"]', '["p/*.csv"]') + POPULATION,
        {"p/a.csv": ARRESTS_CSV, "p/b.csv": ARRESTS_CSV.replace("Infraction", "Motif")},
        "p/b.csv"),
    "two dates of birth for one child": (
        DATASET + ARRESTS + POPULATION,
        {"arrests.csv": ARRESTS_CSV + "A3,C1,2024-07-01,05,M,2008-03-11\n"}, "arrests.csv"),
    "a glob that matches nothing": (
        DATASET + ARRESTS.replace('["arrests.csv"]', '["police/*.csv"]') + POPULATION,
        {}, "police/*.csv"),
    "a misspelt mapping key": (DATASET + ARRESTS.replace("files =", "file =") + POPULATION,
                               {}, "file"),
    "a database that cannot be reached": (
        DATASET + ARRESTS + POPULATION + """
[[source]]
table = "dispositions"
url = "sqlite:///no/such/folder/court.db"
from = "decisions"
[source.columns]
disposition_id = "id"
child_id = "child"
decision_date = "day"
decision = "decision"
""", {}, "court.db"),
    "a query that fails": (
        DATASET + ARRESTS + POPULATION + """
[[source]]
table = "dispositions"
url = "sqlite:///court.db"
query = "SELECT id, child, day, decision FROM no_such_table"
[source.columns]
disposition_id = "id"
child_id = "child"
decision_date = "day"
decision = "decision"
""", {"court.db": b""}, "no_such_table"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_exits_1_naming_the_source_with_only_the_report_in_dir(tmp_path, capsys,
                                                                         case):
    pytest.importorskip("sqlalchemy") if "database" in case or "query" in case else None
    mapping_text, files, named = BAD[case]
    mapping = write(tmp_path, mapping_text, {**BASE, **files})
    out = tmp_path / "out"
    code = ingest_cli(mapping, out)
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert code == 1, text
    assert named in text
    assert "Traceback" not in text and "unexpected error" not in text
    assert [p.name for p in out.iterdir()] == ["ingest_report.csv"]
    report = pd.read_csv(out / "ingest_report.csv")
    assert (report["rows_read"] == report["rows_written"] + report["rows_refused"]).all()


def test_a_mapping_that_is_not_toml_exits_1_with_an_empty_report(tmp_path, capsys):
    mapping = write(tmp_path, "[dataset\n", {})
    assert ingest_cli(mapping, tmp_path / "out") == 1
    assert "cannot be read as a mapping file" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["ingest_report.csv"]


def test_a_failed_run_replaces_an_earlier_output_whole(tmp_path):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION, BASE)
    out = tmp_path / "out"
    assert ingest_cli(mapping, out) == 0
    (tmp_path / "arrests.csv").write_text(ARRESTS_CSV.replace(",05,", ",Vol,"), encoding="utf-8")
    assert ingest_cli(mapping, out) == 1
    assert [p.name for p in out.iterdir()] == ["ingest_report.csv"]
    assert not list(tmp_path.glob(".out.*"))  # no temporary folder left behind


def test_a_folder_holding_other_files_is_refused_untouched(tmp_path, capsys):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION, BASE)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert ingest_cli(mapping, out) == 1
    assert "notes.txt" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("argv", [
    ["ingest"],
    ["ingest", "m.toml"],
    ["ingest", "m.toml", "--out", "x", "--format", "xlsx"],
    ["ingest", "data.csv", "--out", "x"],
    ["map-template", "a.csv"],
    ["map-template", "a.csv", "--table", "arests"],
])
def test_a_wrong_command_line_exits_2(tmp_path, argv, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2


def test_validate_and_compute_take_the_mapping_directly(tmp_path, capsys):
    mapping = write(tmp_path, DATASET + ARRESTS + POPULATION, BASE)
    assert cli.main(["validate", str(mapping)]) == 0
    assert cli.main(["compute", str(mapping), "--out", str(tmp_path / "res")]) == 0
    assert (tmp_path / "res" / "indicators.csv").is_file()
    (tmp_path / "arrests.csv").write_text(ARRESTS_CSV.replace(",05,", ",Vol,"), encoding="utf-8")
    assert cli.main(["validate", str(mapping)]) == 1
    assert "arrests.csv, row 2, column Infraction" in capsys.readouterr().out


def test_map_template_drafts_a_mapping_that_names_what_to_decide(tmp_path, capsys):
    work = tmp_path / "exports"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("mapping.toml"))
    out = work / "draft.toml"
    police = sorted(str(p) for p in (work / "police").glob("*.csv"))
    assert cli.main(["map-template", *police, "--table", "arrests", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert 'files = "police/*.csv"' in text and "header_row = 3" in text
    assert 'date_format = "%d/%m/%Y"' in text
    assert 'arrest_id = "N° PV"' in text and 'date_of_birth = "Date de naissance"' in text
    assert '"Masculin" = "M"' in text and '"Vol simple" = "05"' in text
    assert '# "Autre infraction" = ""   # TODO' in text
    assert all("#" in line for line in text.splitlines() if "TODO" in line)
    assert cli.main(["map-template", str(work / "tribunal" / "decisions_2024.csv"), "--table",
                     "dispositions", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("[dataset]") == 1 and 'encoding = "cp1252"' in text
    assert 'delimiter = ";"' in text and 'date_format = "%d.%m.%Y"' in text
    printed = capsys.readouterr().out
    assert "added a [[source]] for dispositions" in printed
    assert cli.main(["map-template", str(work / "nothing.csv"), "--table", "arrests"]) == 1


def test_map_template_on_a_wide_population_and_a_workbook(tmp_path, capsys):
    assert cli.main(["map-template", str(EXAMPLE / "population" / "population_2024.csv"),
                     "--table", "population"]) == 0
    text = capsys.readouterr().out
    assert 'columns = ["Âge *"]' in text and '"Garçons" = "M"' in text
    assert cli.main(["map-template", str(EXAMPLE / "detention" / "registre_detention.xlsx"),
                     "--sheet", "Registre", "--table", "detentions"]) == 0
    text = capsys.readouterr().out
    assert 'sheet = "Registre"' in text and "header_row = 3" in text
    assert '"Transfert" = "transfer"' in text and '"Oui" = "true"' in text


def test_the_shipped_example_ingests_to_the_sample_it_was_made_from(tmp_path, capsys):
    import indicators as jj

    out = tmp_path / "ds"
    assert ingest_cli(EXAMPLE / "mapping.toml", out) == 0
    sample = Path(__file__).parents[1] / "data" / "samples" / "XLA" / "2024"
    a = jj.compute_indicators(jj.read_dataset(sample)).indicators
    b = jj.compute_indicators(jj.read_dataset(out)).indicators
    pd.testing.assert_frame_equal(a, b)
