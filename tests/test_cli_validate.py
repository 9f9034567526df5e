"""The validate, schema and template commands, in-process through cli.main."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from indicators.cli import main
from indicators.codes import TABLES
from indicators.validation import ISSUE_COLUMNS

TOML = ('country = "ATL"\nperiod_start = 2024-01-01\nperiod_end = 2024-12-31\n'
        "minimum_age_criminal_responsibility = 12\n")


def write_folder(folder: Path, frames: dict[str, pd.DataFrame], toml: str = TOML) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.toml").write_text(toml, encoding="utf-8")
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_valid_dataset_exits_0(worked_example_path, capsys):
    assert main(["validate", str(worked_example_path)]) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out and "facility_never_used" in out


def test_one_error_of_each_kind_exits_1_and_names_each(tmp_path, small_frames, capsys):
    f = small_frames
    f["arrests"].loc[0, "child_id"] = "C9"                      # unknown_child, row 2
    f["arrests"].loc[1, "arrest_id"] = "A1"                     # duplicate_id, rows 2-3
    f["arrests"].loc[2, "offence_category"] = "1"               # not_in_codes, row 4
    f["dispositions"].loc[0, "offence_date"] = "2024-05-01"     # offence_after_decision, row 2
    f["detentions"].loc[0, "sentence_date"] = "2024-02-10"      # sentence_date_changed, row 3
    f["detentions"] = pd.concat([f["detentions"], pd.DataFrame([
        {"episode_id": "E4", "child_id": "C2", "facility_id": "J1",      # overlaps E3, row 5
         "admission_date": "2024-06-01"},
        {"episode_id": "E5", "child_id": "C3", "facility_id": "X9",      # unknown_facility
         "admission_date": "2024-03-01", "release_date": "2024-02-01",   # release < admission
         "end_reason": "transfer"},                                      # not followed, row 6
    ])], ignore_index=True).fillna("")
    f["population"] = pd.concat([f["population"], f["population"].iloc[:1]])  # duplicate
    f["children"]["surname"] = ["a", "b", "c"]                  # direct_identifier
    folder = write_folder(tmp_path / "bad", f, toml=TOML.replace('"ATL"', '"atl"'))
    report = tmp_path / "report.csv"
    code = main(["validate", str(folder), "--report", str(report), "--max-examples", "5"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    out = captured.out
    expected = [
        ("unknown_child", "arrests.csv, row 2, column child_id"),
        ("duplicate_id", "arrests.csv, row 3, column arrest_id"),
        ("not_in_codes", "arrests.csv, row 4, column offence_category"),
        ("offence_after_decision", "dispositions.csv, row 2, column offence_date"),
        ("sentence_date_changed", "detentions.csv, row 3, column sentence_date"),
        ("overlapping_episodes", "detentions.csv, row 5, column admission_date"),
        ("unknown_facility", "detentions.csv, row 6, column facility_id"),
        ("release_before_admission", "detentions.csv, row 6, column release_date"),
        ("transfer_not_followed", "detentions.csv, row 6, column end_reason"),
        ("duplicate_population", "population.csv, row 2, column population"),
        ("direct_identifier", "children.csv, row 1, column surname"),
        ("invalid_country", "dataset.toml, column country"),
    ]
    for rule, where in expected:
        assert f"  {rule} (" in out, rule
        block = re.split(r"\n  (?=\S)", out.split(f"  {rule} (", 1)[1])[0]
        assert where in block, (rule, block)
    table = pd.read_csv(report, dtype=str)
    assert list(table.columns) == ISSUE_COLUMNS
    assert {r for r, _ in expected} <= set(table["rule"])


def test_episode_after_death_from_the_command_line(tmp_path, small_frames, capsys):
    small_frames["detentions"].loc[1, "end_reason"] = "death"
    small_frames["detentions"].loc[1, "received_aftercare"] = ""
    small_frames["detentions"] = pd.concat([small_frames["detentions"], pd.DataFrame([{
        "episode_id": "E9", "child_id": "C1", "facility_id": "J1",
        "admission_date": "2024-07-01"}])], ignore_index=True).fillna("")
    folder = write_folder(tmp_path / "d", small_frames)
    assert main(["validate", str(folder)]) == 1
    assert "detentions.csv, row 5, column admission_date" in capsys.readouterr().out


def test_not_a_dataset_exits_1_without_traceback(tmp_path, capsys):
    report = tmp_path / "r.csv"
    assert main(["validate", str(tmp_path), "--report", str(report)]) == 1
    err = capsys.readouterr().err
    assert "not a dataset" in err and "Traceback" not in err
    assert pd.read_csv(report)["rule"].tolist() == ["not_a_dataset"]


def test_garbage_everywhere_exits_1_without_traceback(tmp_path, capsys):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "dataset.toml").write_bytes(b"\x00\x01 = = [[")
    for i, name in enumerate(TABLES):
        payload = [b"", bytes(range(256)) * 10, b"a,a\n1,2\n", b"x" * 3_000_000,
                   b"PAR1junk", b"\xff\xfe\x00", b'"unclosed\n', b"child_id\n\x00"][i]
        suffix = ".parquet" if payload.startswith(b"PAR1") else ".csv"
        (folder / f"{name}{suffix}").write_bytes(payload)
    (folder / "book.xlsx").write_bytes(b"PK\x03\x04")
    code = main(["validate", str(folder)])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    assert "unexpected error" not in captured.err
    assert "invalid_toml" in captured.out


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["validate"]) == 2
    assert main(["validate", str(tmp_path), "--max-examples", "-1"]) == 2
    assert main(["validate", str(tmp_path), "--report", "x.txt"]) == 2
    assert main(["template"]) == 2
    assert main(["template", str(tmp_path / "x.txt")]) == 2
    capsys.readouterr()


def test_schema_prints_the_data_dictionary(tmp_path, capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    for table, columns in TABLES.items():
        assert f"## {table}" in out
        for col in columns:
            assert f"| `{col.name}` |" in out
    assert "`custodial_sentence`" in out
    target = tmp_path / "dictionary.md"
    assert main(["schema", "--out", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("# Record format")


def test_template_commands(tmp_path, capsys):
    book = tmp_path / "out" / "template.xlsx"
    assert main(["template", str(book)]) == 0
    assert book.is_file()
    assert main(["template", str(book)]) == 1  # never overwrites
    assert main(["template", "--csv", str(tmp_path / "csv")]) == 0
    assert (tmp_path / "csv" / "dataset.toml").is_file()
    assert (tmp_path / "csv" / "children.csv").is_file()
    assert main(["template", "--csv", str(tmp_path / "csv")]) == 1
    capsys.readouterr()
