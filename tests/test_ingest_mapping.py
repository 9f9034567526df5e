"""The mapping file (ingest.md): every key of the contract, read exactly as written, and every
key the package does not know refused by name."""

from __future__ import annotations

import textwrap

import pytest

from indicators.dataset import DatasetError
from indicators.ingest import ingest, read_mapping

DATASET = """
[dataset]
country = "ATL"
period_start = 2024-01-01
period_end = 2024-12-31
"""

ARRESTS_CSV = (
    "No,Enfant,Date,Infraction,Sexe,Naissance\n"
    "A1,C1,2024-02-10,05,M,2008-03-10\n"
    "A2,C2,2024-05-05,02,F,2010-06-01\n"
)
ARRESTS = """
[[source]]
table = "arrests"
files = ["arrests.csv"]
[source.columns]
arrest_id = "No"
child_id = "Enfant"
arrest_date = "Date"
offence_category = "Infraction"
sex = "Sexe"
date_of_birth = "Naissance"
"""
POPULATION_CSV = "Annee,Sexe,Age,N\n" + "".join(
    f"2024,{s},{a},100\n" for s in "FM" for a in range(18))
POPULATION = """
[[source]]
table = "population"
files = ["population.csv"]
[source.columns]
year = "Annee"
sex = "Sexe"
age = "Age"
population = "N"
"""


def write(tmp_path, mapping: str, files: dict[str, str | bytes]):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    path = tmp_path / "mapping.toml"
    path.write_text(textwrap.dedent(mapping), encoding="utf-8")
    return path


def rules(result_or_mapping) -> dict[str, list]:
    issues = getattr(result_or_mapping, "issues", None)
    if issues is None:
        issues = result_or_mapping.dataset.issues
    out: dict[str, list] = {}
    for i in issues:
        out.setdefault(i.rule, []).append(i)
    return out


@pytest.fixture
def basic(tmp_path):
    return write(tmp_path, DATASET + ARRESTS + POPULATION,
                 {"arrests.csv": ARRESTS_CSV, "population.csv": POPULATION_CSV})


def test_a_complete_mapping_reads_without_problems(basic):
    result = ingest(basic)
    assert [i for i in result.dataset.issues if i.severity == "error"] == []
    assert set(result.dataset.tables) == {"arrests", "children", "population"}
    assert result.dataset.country == "ATL"


def test_dataset_section_keys_policy_and_parameters(tmp_path):
    mapping = write(tmp_path, DATASET.replace(
        'country = "ATL"', 'country = "ATL"\ncountry_name = "Atlantis"\ncensus_date = 2024-06-30'
        "\nminimum_age_criminal_responsibility = 12") + """
[dataset.policy]
specialised_juvenile_justice_system = true
[dataset.parameters]
count_unit = "child"
""" + ARRESTS + POPULATION, {"arrests.csv": ARRESTS_CSV, "population.csv": POPULATION_CSV})
    ds = ingest(mapping).dataset
    assert ds.country_name == "Atlantis"
    assert str(ds.census_date.date()) == "2024-06-30"
    assert ds.minimum_age_criminal_responsibility == 12
    assert ds.policy["specialised_juvenile_justice_system"] is True
    assert ds.parameters.count_unit == "child"


@pytest.mark.parametrize("mapping, key", [
    (DATASET + ARRESTS.replace("files =", "fiels =") + POPULATION, "source[1].fiels"),
    (DATASET + ARRESTS.replace("[source.columns]", 'date_fromat = "%d/%m/%Y"\n[source.columns]')
     + POPULATION, "source[1].date_fromat"),
    (DATASET.replace("country", "countyr") + ARRESTS + POPULATION, "dataset.countyr"),
    (DATASET + "[dataset.polcy]\nx = 1\n" + ARRESTS + POPULATION, "dataset.polcy"),
    (DATASET + "[dataset.policy]\nindependant_inspection_system = true\n" + ARRESTS + POPULATION,
     "dataset.policy.independant_inspection_system"),
    (DATASET + ARRESTS.replace("arrest_date =", "arest_date =") + POPULATION,
     "source[1].columns.arest_date"),
    (DATASET + ARRESTS + POPULATION + "[source.unpivot]\ncolumns = ['a']\nint = 'age'\n",
     "source[2].unpivot.int"),
])
def test_an_unknown_key_is_an_error_naming_it(tmp_path, mapping, key):
    path = write(tmp_path, mapping, {"arrests.csv": ARRESTS_CSV, "population.csv": POPULATION_CSV})
    found = [i for i in read_mapping(path).issues if i.rule == "unknown_mapping_key"]
    assert found, read_mapping(path).issues
    assert any(i.column == key for i in found), [i.column for i in found]
    assert all(i.severity == "error" and i.table == "mapping.toml" for i in found)


def test_a_misspelt_key_gets_a_suggestion(tmp_path):
    path = write(tmp_path, DATASET + ARRESTS.replace("files =", "fils =") + POPULATION, {})
    issue = next(i for i in read_mapping(path).issues if i.rule == "unknown_mapping_key")
    assert "did you mean 'files'" in issue.message


def test_invalid_toml_is_a_dataset_error_with_the_reason(tmp_path):
    path = write(tmp_path, "[dataset\ncountry = ATL\n", {})
    with pytest.raises(DatasetError) as info:
        read_mapping(path)
    assert info.value.issues[0].rule == "invalid_mapping"
    assert "mapping.toml" in str(info.value)


@pytest.mark.parametrize("block, words", [
    ('table = "arests"\nfiles = ["a.csv"]', "did you mean 'arrests'"),
    ('table = "arrests"', "either files"),
    ('table = "arrests"\nfiles = ["a.csv"]\nurl = "sqlite:///x.db"', "not both"),
    ('table = "arrests"\nurl = "sqlite:///x.db"', "from ="),
    ('table = "arrests"\nfiles = ["a.csv"]\nheader_row = 0', "header_row"),
    ('table = "arrests"\nfiles = ["a.csv"]\nencoding = "klingon"', "encoding"),
    ('table = "arrests"\nfiles = ["a.csv"]\ndelimiter = ";;"', "one character"),
    ('table = "arrests"\nfiles = ["a.csv"]\ndate_format = "dd/mm/yyyy"', "strptime"),
    ('table = "arrests"\nfiles = ["a.csv"]\n[source.values.sex]\n"Masc" = "Male"',
     "not a code of sex"),
    ('table = "arrests"\nfiles = ["a.csv"]\n[source.values.sex]\n"m" = "M"\n"M" = "F"',
     "the same ignoring case"),
    ('table = "arrests"\nfiles = ["a.csv"]\n[source.constants]\narea = ["a", "b"]', "one value"),
    ('table = "arrests"\nfiles = ["a.csv"]\n[source.date_formats]\nsex = "%d"', "not a date"),
    ('table = "arrests"\nfiles = ["a.csv"]\n[source.unpivot]\ncolumns = ["x"]', "population"),
])
def test_wrong_values_of_keys_are_errors(tmp_path, block, words):
    path = write(tmp_path, DATASET + "[[source]]\n" + block + "\n", {})
    messages = " | ".join(i.message for i in read_mapping(path).issues)
    assert words in messages


def test_a_required_column_the_source_does_not_map(tmp_path):
    path = write(tmp_path, DATASET + ARRESTS.replace('arrest_date = "Date"\n', "") + POPULATION,
                 {"arrests.csv": ARRESTS_CSV, "population.csv": POPULATION_CSV})
    issue = next(i for i in read_mapping(path).issues if i.rule == "missing_column")
    assert issue.column == "source[1].columns.arrest_date"


def test_missing_dataset_keys_and_no_source(tmp_path):
    path = write(tmp_path, "[dataset]\ncountry = \"ATL\"\n", {})
    found = read_mapping(path).issues
    assert {"dataset.period_start", "dataset.period_end"} <= {i.column for i in found}
    assert any(i.column == "source" for i in found)


def test_linkage_is_recognised_and_refused_until_available(tmp_path):
    path = write(tmp_path, DATASET + "[linkage]\nfields = ['name_key']\n" + ARRESTS, {})
    issue = next(i for i in read_mapping(path).issues if i.column == "linkage")
    assert "not available" in issue.message and issue.rule == "invalid_mapping"


def test_lists_of_formats_and_sheets_are_accepted(tmp_path):
    path = write(tmp_path, DATASET + ARRESTS.replace(
        "[source.columns]", 'date_format = ["%d/%m/%Y", "%Y-%m-%d"]\n[source.columns]'), {})
    src = read_mapping(path).sources[0]
    assert src.date_format == ("%d/%m/%Y", "%Y-%m-%d")


def test_url_environment_references(tmp_path, monkeypatch):
    from indicators.ingest.mapping import expand_env

    monkeypatch.setenv("JJ_TEST_PASSWORD", "s3cret")
    assert expand_env("postgresql://u:${JJ_TEST_PASSWORD}@h/db") == ("postgresql://u:s3cret@h/db",
                                                                     [])
    assert expand_env("postgresql://u:${JJ_NOT_SET_ANYWHERE}@h/db")[1] == ["JJ_NOT_SET_ANYWHERE"]
