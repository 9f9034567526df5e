"""Tests of indicators.sdmx: SDMX-CSV 2.0 export, checked by rule and with the sdmx1 reader."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from test_disclosure import _frame, _rate_block, _row

from indicators.disclosure import apply_disclosure
from indicators.sdmx import (
    ATTRIBUTES,
    DIMENSIONS,
    STRUCTURE_ID,
    sdmx_frame,
    sdmx_time_period,
    write_sdmx,
)

HEADER = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, "OBS_VALUE", *ATTRIBUTES]


def _results() -> pd.DataFrame:
    rows = _rate_block("JJ01", 20, {"F": 3, "M": 10, "U": 7}, {"0-13": 0, "14-15": 8,
                                                                "16-17": 12})
    rows += [
        _row("JJ07", "total", "all", 6, 20, "percentage", flags="small_denominator"),
        _row("JJ11", "total", "all", None, None, "percentage", flags="not_available"),
        _row("JJ14", "total", "all", None, None, "policy"),
        _row("JJ01", "area", "Region North (synthetic)", 11, 20000),
        _row("JJ01", "area", "=cmd|' /C calc'!A0", 9, 17800),
    ]
    f = _frame(rows)
    f["country_name"] = "Tinyland"
    f["indicator_name"] = "name of " + f["indicator"]
    return f


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_time_period():
    assert sdmx_time_period("2024-01-01", "2024-12-31") == "2024"
    assert sdmx_time_period("2023-07-01", "2024-06-30") == "2023-07-01/P1Y"
    assert sdmx_time_period("2024-01-01", "2024-06-30") == "2024-01-01/P182D"
    with pytest.raises(ValueError):
        sdmx_time_period(None, "2024-12-31")


def test_sdmx_csv_follows_the_field_guide_rules(tmp_path):
    results = apply_disclosure(_results())
    paths = write_sdmx(results, tmp_path / "out")
    assert [p.name for p in paths] == ["indicators_sdmx.csv", "indicators_sdmx_structure.json"]
    rows = _read(paths[0])
    header, body = rows[0], rows[1:]
    # header: STRUCTURE, STRUCTURE_ID, ACTION first, then dimensions, measure, attributes
    assert header == HEADER
    # RFC 4180: every record has the header's number of fields; one row per observation
    assert all(len(r) == len(header) for r in body)
    assert len(body) == len(results)
    table = pd.DataFrame(body, columns=header)
    assert (table["STRUCTURE"] == "dataflow").all()
    assert (table["STRUCTURE_ID"] == STRUCTURE_ID).all()
    assert (table["ACTION"] == "I").all()
    assert not table.duplicated(list(DIMENSIONS)).any()
    # every coded value is in the structure's code list for its component
    structure = json.loads(paths[1].read_text(encoding="utf-8"))
    assert structure["structure_id"] == STRUCTURE_ID
    assert [d["id"] for d in structure["dimensions"]] == list(DIMENSIONS)
    assert [a["id"] for a in structure["attributes"]] == list(ATTRIBUTES)
    for comp in (*structure["dimensions"], *structure["attributes"]):
        if "codes" in comp:
            ids = {c["id"] for c in comp["codes"]}
            assert set(table[comp["id"]]) <= ids, comp["id"]
            for code in ids:  # valid SDMX ids
                assert code and all(ch.isalnum() or ch in "_@$-" for ch in code), code
    # flags -> OBS_STATUS / CONF_STATUS
    by = table.set_index(["INDICATOR", "DISAGGREGATION", "DISAGG_GROUP"])
    assert by.loc[("JJ01", "SEX", "F"), "CONF_STATUS"] == "C"
    assert by.loc[("JJ01", "SEX", "F"), "OBS_VALUE"] == "NaN"
    assert by.loc[("JJ01", "SEX", "F"), "NUMERATOR"] == ""
    assert by.loc[("JJ01", "SEX", "M"), "CONF_STATUS"] == "F"
    assert by.loc[("JJ01", "SEX", "M"), "OBS_STATUS"] == "A"
    assert by.loc[("JJ01", "SEX", "M"), "NUMERATOR"] == "10"
    assert by.loc[("JJ11", "_T", "_T"), "OBS_STATUS"] == "M"
    assert by.loc[("JJ07", "_T", "_T"), "OBS_STATUS"] == "U"
    assert by.loc[("JJ14", "_T", "_T"), "OBS_VALUE"] == "1"
    assert by.loc[("JJ14", "_T", "_T"), "UNIT_MEASURE"] == "YES_NO"
    assert by.loc[("JJ01", "AGE", "Y14T15"), "UNIT_MEASURE"] == "PER_100000_CHILDREN"
    assert set(table["UNIT_MULT"]) == {"0"}
    assert set(table["TIME_PERIOD"]) == {"2024"}
    assert float(by.loc[("JJ01", "_T", "_T"), "OBS_VALUE"]) == pytest.approx(20 / 37800 * 1e5)
    # a hostile area name becomes a plain id; the original is kept as the code's name
    groups = {c["id"]: c["name"] for c in structure["dimensions"][4]["codes"]}
    assert groups["REGION_NORTH_SYNTHETIC"] == "Region North (synthetic)"
    assert "=cmd|' /C calc'!A0" in groups.values()
    assert not any(v.startswith(("=", "+", "-", "@")) for r in body for v in r)


def test_internal_results_are_marked_not_for_publication(tmp_path):
    out = apply_disclosure(_results(), mode="internal")
    table, _codes = sdmx_frame(out)
    assert set(table["CONF_STATUS"]) == {"N"}
    table2, _ = sdmx_frame(_results())  # no disclosure control attached: not for publication
    assert set(table2["CONF_STATUS"]) == {"N"}
    table3, _ = sdmx_frame(apply_disclosure(_results()))
    assert set(table3["CONF_STATUS"]) == {"F", "C"}


def test_duplicate_keys_are_refused():
    f = _results()
    with pytest.raises(ValueError, match="series key"):
        sdmx_frame(pd.concat([f, f.iloc[[0]]], ignore_index=True))


def _dataflow_from_structure(structure: dict):
    """Build the sdmx1 data structure and dataflow from the JSON description."""
    from sdmx.model import common, v30

    agency = common.Agency(id=structure["agency"])
    dsd = v30.DataStructureDefinition(
        id=structure["data_structure"].split(":")[1].split("(")[0], maintainer=agency,
        version=structure["version"],
    )
    for d in structure["dimensions"]:
        if d["id"] == "TIME_PERIOD":
            dsd.dimensions.getdefault(d["id"], cls=v30.TimeDimension)
        else:
            cl = common.Codelist(id=d["codelist"], maintainer=agency, version=structure["version"])
            for c in d["codes"]:
                cl.append(common.Code(id=c["id"], name=c["name"]))
            dim = dsd.dimensions.getdefault(d["id"])
            dim.local_representation = common.Representation(enumerated=cl)
    dsd.measures.getdefault(structure["measure"]["id"])
    for a in structure["attributes"]:
        dsd.attributes.getdefault(a["id"])
    return v30.Dataflow(id=structure["dataflow"], maintainer=agency,
                        version=structure["version"], structure=dsd)


def test_sdmx1_reads_the_file(tmp_path):
    sdmx = pytest.importorskip("sdmx")
    results = apply_disclosure(_results())
    csv_path, json_path = write_sdmx(results, tmp_path)
    flow = _dataflow_from_structure(json.loads(json_path.read_text(encoding="utf-8")))
    assert f"{flow.maintainer.id}:{flow.id}({flow.version})" == STRUCTURE_ID
    msg = sdmx.read_sdmx(csv_path, structure=flow)
    assert len(msg.data) == 1
    ds = msg.data[0]
    assert len(ds.obs) == len(results)
    # every key value is a code of its dimension's code list
    for obs in ds.obs:
        for kv in obs.dimension.values.values():
            rep = kv.value_for.local_representation
            if rep is not None and rep.enumerated is not None:
                assert kv.value in rep.enumerated, (kv.id, kv.value)
    series = sdmx.to_pandas(ds)
    assert len(series) == len(results)
    total = series.xs(("JJ01", "_T", "_T"), level=["INDICATOR", "DISAGGREGATION",
                                                   "DISAGG_GROUP"])
    assert float(total.iloc[0]) == pytest.approx(20 / 37800 * 1e5)
    hidden = series.xs(("JJ01", "SEX", "F"), level=["INDICATOR", "DISAGGREGATION",
                                                    "DISAGG_GROUP"])
    assert math.isnan(float(hidden.iloc[0]))
    attrs = {o.dimension.values["DISAGG_GROUP"].value: o.attrib["CONF_STATUS"].value
             for o in ds.obs if o.dimension.values["INDICATOR"].value == "JJ01"
             and o.dimension.values["DISAGGREGATION"].value == "SEX"}
    assert attrs == {"F": "C", "M": "F", "_U": "C"}


@pytest.mark.slow
def test_sdmx_of_a_sample_parses_with_sdmx1(tmp_path):
    """Issue 8: the SDMX-CSV file of a sample parses with a standard SDMX reader."""
    sdmx = pytest.importorskip("sdmx")
    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    folders = sorted(p.parent for p in samples.glob("*/*/dataset.toml"))
    if not folders:
        pytest.skip("no sample datasets in data/samples")
    import indicators.compute as compute
    from indicators.disclosure import disclose_results
    from indicators.reading import read_dataset

    results = disclose_results(compute.compute_indicators(read_dataset(folders[-1])))
    csv_path, json_path = write_sdmx(results, tmp_path)
    structure = json.loads(json_path.read_text(encoding="utf-8"))
    msg = sdmx.read_sdmx(csv_path, structure=_dataflow_from_structure(structure))
    ds = msg.data[0]
    assert len(ds.obs) == len(results.indicators)
    keys = {tuple(kv.value for kv in o.dimension.values.values()) for o in ds.obs}
    assert len(keys) == len(ds.obs)  # no duplicate series keys
    for obs in ds.obs:
        for kv in obs.dimension.values.values():
            rep = kv.value_for.local_representation
            if rep is not None and rep.enumerated is not None:
                assert kv.value in rep.enumerated, (kv.id, kv.value)
    conf = [o.attrib["CONF_STATUS"].value for o in ds.obs]
    flags = results.indicators["flags"].astype(str).str.contains("suppressed")
    assert conf.count("C") == int(flags.sum())
    series = sdmx.to_pandas(ds)
    assert series.notna().sum() == results.indicators["value"].notna().sum()
