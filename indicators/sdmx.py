"""SDMX-CSV 2.0 export of the indicators (``jj-indicators compute --format sdmx``).

Writes two files into ``out_dir``:

``indicators_sdmx.csv``
    An SDMX-CSV 2.0 data message: ``STRUCTURE,STRUCTURE_ID,ACTION`` first, then one column per
    dimension (``REF_AREA, TIME_PERIOD, INDICATOR, DISAGGREGATION, DISAGG_GROUP``), the measure
    ``OBS_VALUE`` and the attributes (``UNIT_MEASURE, UNIT_MULT, OBS_STATUS, CONF_STATUS,
    NUMERATOR, DENOMINATOR, CI_LOWER, CI_UPPER, CENSUS_DATE, OBS_FLAGS``); one row per
    observation, no two rows with the same key.
``indicators_sdmx_structure.json``
    The data structure: dataflow and DSD identifiers, each dimension and attribute in order,
    and the code list of every coded component restricted to the codes used, each code with
    its name (the package's own code, e.g. ``0-13`` for ``Y0T13``).

Code ids follow SDMX conventions where one exists (``_T`` total, ``_U`` unknown, ``Y14T15``
for ages 14 to 15); any other text (an area name) becomes a valid SDMX id (letters, digits,
``_``, ``-``, ``@``, ``$``), made unique.

Attributes from the flags: ``OBS_STATUS`` is ``A`` (normal), ``M`` (missing: ``not_available``
or no value, e.g. an empty cohort) or ``U`` (low reliability: ``small_numerator`` /
``small_denominator``). ``CONF_STATUS`` is ``C`` (confidential) for ``suppressed`` rows -- the
same code for primary and complementary cells, since telling them apart would reveal which
cells are small -- ``F`` (free) for the other cells of results that went through public
disclosure control (``frame.attrs["disclosure"]["mode"] == "public"``, set by
:func:`indicators.disclosure.apply_disclosure`), and ``N`` (not for publication) for results
without it (internal mode). ``UNIT_MULT`` is 0: values are in the unit itself (the
"per 100,000" is part of ``UNIT_MEASURE``).

References
----------
SDMX Technical Working Group, *SDMX-CSV 2.0 field guide* (sdmx-twg/sdmx-csv, data-message).
SDMX cross-domain code lists CL_OBS_STATUS, CL_CONF_STATUS, CL_UNIT_MULT.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .registry import unit_spec
from .safety import neutralise_frame

__all__ = [
    "ATTRIBUTES",
    "DIMENSIONS",
    "sdmx_frame",
    "sdmx_structure",
    "sdmx_time_period",
    "write_sdmx",
]

AGENCY = "JJI"
DATAFLOW = "DF_JJ_INDICATORS"
DSD = "DSD_JJ_INDICATORS"
VERSION = "1.0"
STRUCTURE_ID = f"{AGENCY}:{DATAFLOW}({VERSION})"
CSV_NAME = "indicators_sdmx.csv"
STRUCTURE_NAME = "indicators_sdmx_structure.json"

DIMENSIONS = ("REF_AREA", "TIME_PERIOD", "INDICATOR", "DISAGGREGATION", "DISAGG_GROUP")
MEASURE = "OBS_VALUE"
ATTRIBUTES = (
    "UNIT_MEASURE",
    "UNIT_MULT",
    "OBS_STATUS",
    "CONF_STATUS",
    "NUMERATOR",
    "DENOMINATOR",
    "CI_LOWER",
    "CI_UPPER",
    "CENSUS_DATE",
    "OBS_FLAGS",
)
CODED = ("REF_AREA", "INDICATOR", "DISAGGREGATION", "DISAGG_GROUP", "UNIT_MEASURE", "UNIT_MULT",
         "OBS_STATUS", "CONF_STATUS")

DIMENSION_CODES = {
    "total": ("_T", "Total (no disaggregation)"),
    "sex": ("SEX", "Sex"),
    "age_group": ("AGE", "Age group"),
    "offence": ("OFFENCE", "Offence (ICCS section)"),
    "facility_type": ("FACILITY_TYPE", "Type of place of detention"),
    "legal_status": ("LEGAL_STATUS", "Legal status"),
    "area": ("AREA", "Area"),
}
GROUP_CODES = {
    "all": "_T",
    "U": "_U",
    "unknown": "_U",
    "0-13": "Y0T13",
    "14-15": "Y14T15",
    "16-17": "Y16T17",
}
OBS_STATUS = {"A": "Normal value", "M": "Missing value", "U": "Low reliability"}
CONF_STATUS = {
    "F": "Free",
    "C": "Confidential statistical information",
    "N": "Not for publication, restricted for internal use only",
}
UNIT_MULT = {"0": "Units"}
_ID_BAD = re.compile(r"[^A-Za-z0-9_@$\-]+")


def _unit_code(unit: str) -> tuple[str, str]:
    """SDMX code and name of a unit: the declared ones, else an id made from its text."""
    try:
        spec = unit_spec(unit)
    except KeyError:
        return _sdmx_id(unit, {}), unit
    return spec.sdmx_code, spec.sdmx_name


def sdmx_time_period(start: Any, end: Any) -> str:
    """The SDMX ``TIME_PERIOD`` of a reference period.

    ``2024`` for a calendar year, ``2023-07-01/P1Y`` for another 12-month period, else
    ``YYYY-MM-DD/PnD`` (an SDMX time range: start and ISO 8601 duration, both days counted).
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if pd.isna(s) or pd.isna(e):
        raise ValueError(f"a period needs a start and an end, got {start!r} and {end!r}")
    if s.month == 1 and s.day == 1 and e.month == 12 and e.day == 31 and s.year == e.year:
        return f"{s.year}"
    if e == s + pd.DateOffset(years=1) - pd.Timedelta(days=1):
        return f"{s:%Y-%m-%d}/P1Y"
    return f"{s:%Y-%m-%d}/P{(e - s).days + 1}D"


def _frame_of(results: Any) -> pd.DataFrame:
    frame = results.indicators if hasattr(results, "indicators") else results
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"expected an indicators frame or .indicators, got {type(results).__name__}"
        )
    return frame


def _sdmx_id(text: str, used: dict[str, str]) -> str:
    """A valid, unique SDMX id for ``text`` (remembered in ``used``: id -> text)."""
    base = _ID_BAD.sub("_", text.strip()).strip("_").upper()[:50] or "X"
    code, n = base, 2
    while code in used and used[code] != text:
        code = f"{base}_{n}"
        n += 1
    used[code] = text
    return code


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else f"{value:%Y-%m-%d}"
    return str(value)


def _flags(value: Any) -> list[str]:
    return [f for f in _text(value).split(";") if f]


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def _fmt(value: float, missing: str = "") -> str:
    """Numbers as text: whole numbers without a decimal point, others at full precision."""
    if math.isnan(value):
        return missing
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def sdmx_frame(results: Any) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """The SDMX-CSV 2.0 table and the codes used (component -> {code id: name}).

    Raises
    ------
    ValueError
        When two rows share a series key (country, period, indicator, dimension, group).

    Notes
    -----
    A missing value is written ``NaN`` in ``OBS_VALUE`` (SDMX's code for an intentionally
    missing observation, with ``OBS_STATUS`` M or ``CONF_STATUS`` C saying why) and left
    empty in numeric attributes.
    """
    frame = _frame_of(results)
    public = (frame.attrs.get("disclosure") or {}).get("mode") == "public"
    codes: dict[str, dict[str, str]] = {c: {} for c in CODED}
    area_ids: dict[str, str] = {}
    group_ids: dict[str, str] = {}
    rows = []
    names = _text_col(frame, "country_name")
    ind_names = _text_col(frame, "indicator_name")
    for i, r in enumerate(frame.to_dict("records")):
        country = _text(r.get("country"))
        ref_area = _sdmx_id(country, area_ids)
        codes["REF_AREA"][ref_area] = names[i] or country
        indicator = _sdmx_id(_text(r.get("indicator")), {})
        codes["INDICATOR"][indicator] = ind_names[i] or _text(r.get("indicator"))
        dim = _text(r.get("dimension"))
        dim_code, dim_name = DIMENSION_CODES.get(dim, (_sdmx_id(dim, {}), dim))
        codes["DISAGGREGATION"][dim_code] = dim_name
        grp = _text(r.get("group"))
        grp_code = GROUP_CODES.get(grp) or _sdmx_id(grp, group_ids)
        codes["DISAGG_GROUP"][grp_code] = "Total" if grp == "all" else grp
        unit = _text(r.get("unit"))
        unit_code, unit_name = _unit_code(unit)
        codes["UNIT_MEASURE"][unit_code] = unit_name
        flags = _flags(r.get("flags"))
        value = _num(r.get("value"))
        if "not_available" in flags or math.isnan(value):
            obs_status = "M"
        elif {"small_numerator", "small_denominator"} & set(flags):
            obs_status = "U"
        else:
            obs_status = "A"
        conf = "C" if "suppressed" in flags else ("F" if public else "N")
        codes["OBS_STATUS"][obs_status] = OBS_STATUS[obs_status]
        codes["CONF_STATUS"][conf] = CONF_STATUS[conf]
        codes["UNIT_MULT"]["0"] = UNIT_MULT["0"]
        rows.append({
            "STRUCTURE": "dataflow",
            "STRUCTURE_ID": STRUCTURE_ID,
            "ACTION": "I",
            "REF_AREA": ref_area,
            "TIME_PERIOD": sdmx_time_period(r.get("period_start"), r.get("period_end")),
            "INDICATOR": indicator,
            "DISAGGREGATION": dim_code,
            "DISAGG_GROUP": grp_code,
            MEASURE: _fmt(value, "NaN"),
            "UNIT_MEASURE": unit_code,
            "UNIT_MULT": "0",
            "OBS_STATUS": obs_status,
            "CONF_STATUS": conf,
            "NUMERATOR": _fmt(_num(r.get("numerator"))),
            "DENOMINATOR": _fmt(_num(r.get("denominator"))),
            "CI_LOWER": _fmt(_num(r.get("ci_lower"))),
            "CI_UPPER": _fmt(_num(r.get("ci_upper"))),
            "CENSUS_DATE": _text(r.get("census_date"))[:10],
            "OBS_FLAGS": ";".join(flags),
        })
    columns = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, MEASURE, *ATTRIBUTES]
    table = pd.DataFrame(rows, columns=columns)
    dup = table.duplicated(list(DIMENSIONS), keep=False)
    if dup.any():
        first = table.loc[dup, list(DIMENSIONS)].iloc[0].tolist()
        raise ValueError(
            f"{int(dup.sum())} rows share a series key, e.g. {first}: one row per country, "
            "period, indicator, dimension and group is required for SDMX"
        )
    return table, codes


def _text_col(frame: pd.DataFrame, name: str) -> list[str]:
    if name not in frame.columns:
        return [""] * len(frame)
    return [_text(v) for v in frame[name]]


def sdmx_structure(codes: dict[str, dict[str, str]]) -> dict:
    """The data-structure description written beside the data (JSON-ready dict)."""

    def coded(cid, description):
        return {"id": cid, "description": description, "codelist": f"CL_{cid}",
                "codes": [{"id": k, "name": v} for k, v in sorted(codes.get(cid, {}).items())]}

    def numeric(cid, description):
        return {"id": cid, "description": description, "format": "decimal"}

    return {
        "format": "SDMX-CSV 2.0",
        "structure": "dataflow",
        "structure_id": STRUCTURE_ID,
        "agency": AGENCY,
        "dataflow": DATAFLOW,
        "data_structure": f"{AGENCY}:{DSD}({VERSION})",
        "version": VERSION,
        "action": {"I": "information"},
        "dimensions": [
            coded("REF_AREA", "Country (ISO 3166-1 alpha-3 or user code)"),
            {"id": "TIME_PERIOD", "description": "Reference period P: a year, or start/duration",
             "format": "ObservationalTimePeriod"},
            coded("INDICATOR", "UNICEF/UNODC juvenile justice indicator"),
            coded("DISAGGREGATION", "Dimension of disaggregation (_T: none)"),
            coded("DISAGG_GROUP", "Group within the disaggregation (_T: total)"),
        ],
        "measure": numeric(MEASURE, "Rate, percentage, median days, or 1/0 for yes/no; "
                                    "empty when not available or suppressed"),
        "attributes": [
            coded("UNIT_MEASURE", "Unit of the value"),
            coded("UNIT_MULT", "Power of 10 applied to the value"),
            coded("OBS_STATUS", "Observation status (from flags)"),
            coded("CONF_STATUS", "Confidentiality status (C: suppressed for disclosure control)"),
            numeric("NUMERATOR", "Count (JJ04/JJ05: cohort size n)"),
            numeric("DENOMINATOR", "Population, count or average daily population"),
            numeric("CI_LOWER", "Lower bound of the confidence interval, in the value's unit"),
            numeric("CI_UPPER", "Upper bound of the confidence interval, in the value's unit"),
            {"id": "CENSUS_DATE", "description": "Census day C (YYYY-MM-DD)", "format": "date"},
            {"id": "OBS_FLAGS", "description": "The package's flags, separated by ';'",
             "format": "string"},
        ],
    }


def write_sdmx(results: Any, out_dir: str | Path) -> list[Path]:
    """Write the indicators as SDMX-CSV 2.0 with its structure description.

    Parameters
    ----------
    results : DataFrame or object with ``.indicators``
        The indicators frame, already through :func:`indicators.disclosure.apply_disclosure`
        when it is meant for publication.
    out_dir : str or Path
        Folder (created when missing).

    Returns
    -------
    list of Path
        ``[indicators_sdmx.csv, indicators_sdmx_structure.json]``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table, codes = sdmx_frame(results)
    csv_path = out / CSV_NAME
    neutralise_frame(table).to_csv(csv_path, index=False, encoding="utf-8", lineterminator="\n")
    structure = sdmx_structure(codes)
    json_path = out / STRUCTURE_NAME
    json_path.write_text(json.dumps(structure, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    return [csv_path, json_path]
