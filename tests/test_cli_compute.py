"""``jj-indicators compute`` in-process (cli.main), writing into tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import WORKED_EXAMPLE

from indicators import cli
from indicators.outputs import OUTPUT_FILES

WORKED = WORKED_EXAMPLE


def copy_worked(tmp_path: Path, name: str, toml_edit=None) -> Path:
    dest = tmp_path / name
    shutil.copytree(WORKED, dest)
    if toml_edit is not None:
        toml = dest / "dataset.toml"
        toml.write_text(toml_edit(toml.read_text()))
    return dest


def read_indicators(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "indicators.csv", dtype={"group": str, "flags": str},
                       keep_default_na=False, na_values=[""])


def total(df: pd.DataFrame, indicator: str, country: str = "TNY") -> pd.Series:
    return df[(df["country"] == country) & (df["indicator"] == indicator)
              & (df["dimension"] == "total")].iloc[0]


def test_compute_worked_example(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["compute", str(WORKED), "--out", str(out)]) == 0
    for name in OUTPUT_FILES:
        assert (out / name).is_file()
    df = read_indicators(out)
    assert total(df, "JJ01")["numerator"] == 11
    assert total(df, "JJ06")["value"] == pytest.approx(1000 * 366 / 1803)
    rec = pd.read_csv(out / "reconciliation.csv")
    sums = rec.groupby(["indicator", "table"]).agg(read=("records_read", "first"),
                                                   counted=("count", "sum"))
    assert (sums["read"] == sums["counted"]).all()
    assert "TNY" in capsys.readouterr().out


def test_parameter_options(tmp_path):
    out = tmp_path / "out"
    code = cli.main(["compute", str(WORKED), "--out", str(out), "--count-unit", "child",
                     "--deaths-denominator", "census", "--confidence", "0.9",
                     "--census-date", "2024-12-31"])
    assert code == 0
    df = read_indicators(out)
    assert total(df, "JJ01")["numerator"] == 10
    assert total(df, "JJ06")["value"] == pytest.approx(200)
    man = json.loads((out / "manifest.json").read_text())
    assert man["parameters"]["confidence_level"] == 0.9
    assert man["parameters"]["deaths_denominator"] == "census"


@pytest.mark.slow
def test_dataset_toml_parameters_and_cli_override(tmp_path):
    ds = copy_worked(tmp_path, "child", lambda t: t + '\n[parameters]\ncount_unit = "child"\n')
    out1, out2 = tmp_path / "o1", tmp_path / "o2"
    assert cli.main(["compute", str(ds), "--out", str(out1)]) == 0
    assert total(read_indicators(out1), "JJ01")["numerator"] == 10
    assert cli.main(["compute", str(ds), "--out", str(out2), "--count-unit", "event"]) == 0
    assert total(read_indicators(out2), "JJ01")["numerator"] == 11


@pytest.mark.slow
def test_several_datasets_one_file(tmp_path):
    other = copy_worked(tmp_path, "other", lambda t: t.replace('country = "TNY"',
                                                               'country = "TNZ"'))
    out = tmp_path / "out"
    assert cli.main(["compute", str(WORKED), str(other), "--out", str(out)]) == 0
    df = read_indicators(out)
    assert list(df["country"].unique()) == ["TNY", "TNZ"]
    assert total(df, "JJ02", "TNZ")["numerator"] == 5
    man = json.loads((out / "manifest.json").read_text())
    assert len(man["inputs"]) == 2


@pytest.mark.parametrize(
    "extra",
    [["--census-date", "2025-01-01"], ["--census-date", "31/12/2024"], ["--confidence", "1.5"],
     ["--count-unit", "person"]],
)
def test_usage_errors_exit_2(tmp_path, extra, capsys):
    out = tmp_path / "out"
    assert cli.main(["compute", str(WORKED), "--out", str(out), *extra]) == 2
    assert not (out / "indicators.csv").exists()


def test_invalid_dataset_is_not_computed(tmp_path, capsys):
    bad = copy_worked(tmp_path, "bad")
    children = bad / "children.csv"
    children.write_text(children.read_text().replace("T01,M,", "T01,X,"))
    out = tmp_path / "out"
    assert cli.main(["compute", str(bad), "--out", str(out)]) == 1
    assert not (out / "indicators.csv").exists()
    assert "not computed" in capsys.readouterr().err


def test_not_a_dataset_exit_1(tmp_path, capsys):
    assert cli.main(["compute", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 1
    assert "dataset.toml" in capsys.readouterr().err


@pytest.mark.slow
def test_public_disclosure(tmp_path):
    out = tmp_path / "out"
    assert cli.main(["compute", str(WORKED), "--out", str(out), "--disclosure", "public"]) == 0
    man = json.loads((out / "manifest.json").read_text())
    assert man["disclosure"]["mode"] == "public" and man["disclosure"]["threshold"] == 5
    df = read_indicators(out)
    # Small counts (1-4) are not published as such.
    jj02_f = df[(df["indicator"] == "JJ02") & (df["dimension"] == "sex") & (df["group"] == "F")]
    assert not (jj02_f["numerator"] == 1).any()


@pytest.mark.slow
def test_sdmx_hook(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["compute", str(WORKED), "--out", str(out), "--format", "sdmx"])
    assert code == 0
    assert (out / "indicators.csv").is_file()
    assert (out / "indicators_sdmx.csv").is_file()
