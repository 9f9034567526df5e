"""Published reference figures (``data/reference/``) as rows of the indicators frame.

The tables in ``data/reference/`` are real, published aggregate figures (TransMonEE, UNODC,
OJJDP; see that folder's README for the citations). :func:`reference_counts` turns them into
one counts table in the shape :func:`indicators.counts.from_counts` reads, each row carrying its
country's caveats; :func:`load_reference` converts that table, so published figures get the
same intervals and flags as computed ones and can sit beside them in every chart.

Conversions (each one documented on its rows' ``caveats``):

- TransMonEE detention, end of year: JJ02 = children in closed facilities at 31 December and
  JJ03 = of which pre-trial, each divided by the population aged 0-17 on 1 January of the next
  year (UNICEF's convention for stocks) x 100,000; census date 31 December.
- TransMonEE sentencing: a JJ09-like percentage = sentenced to a closed facility / convicted
  (flagged ``definition_differs``: JJ09 divides custodial by custodial + non-custodial
  sentences), and TransMonEE's sentencing rate ``TM_SENTENCING`` = convicted / average
  population aged 14-17 x 100,000.
- UNODC juveniles held in prisons: JJ02-like = held / (population under 18 in thousands x
  1,000) x 100,000; ``definition_differs`` (prisons only, national definition of
  "juvenile"); the 2019 counts are flagged ``population_year_differs`` (population of 2021).
- OJJDP Census of Juveniles in Residential Placement 2019: the published placement rate per
  100,000 aged 10 to the upper age of juvenile jurisdiction, with the count as numerator
  (``published_rate``, ``definition_differs``). States have codes ``US-XX``.
- OJJDP Juvenile Residential Facility Census: JJ06-like = deaths in the 12 months before the
  census day / youth held on the census day x 1,000 (the ``census`` denominator option;
  flagged ``census_denominator``).

``regional_benchmarks.csv`` is not converted: :func:`load_benchmarks` reads it for context
lines on charts only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .counts import CAVEAT_SEPARATOR, from_counts

__all__ = [
    "REFERENCE_FILES",
    "default_reference_path",
    "is_reference_folder",
    "load_benchmarks",
    "load_reference",
    "reference_counts",
]

REFERENCE_FILES = (
    "transmonee_2018_detention.csv",
    "transmonee_2018_sentencing.csv",
    "unodc_juveniles_held.csv",
    "ojjdp_cjrp_2019_states.csv",
    "ojjdp_deaths_in_custody.csv",
)

REGION_TRANSMONEE = "Eastern Europe and Central Asia (TransMonEE)"
REGION_OJJDP = "North America (OJJDP)"
REGION_OJJDP_STATES = "United States, by state (OJJDP)"

SOURCE_TRANSMONEE_DET = (
    "TransMonEE, UNICEF Regional Office for Europe and Central Asia, December 2020 release, "
    "tables 5.9.1, 5.9.2, 1.1.4"
)
SOURCE_TRANSMONEE_SENT = (
    "TransMonEE, UNICEF ECARO, December 2020 release, tables 5.8.1, 5.8.8, 1.2.8"
)
SOURCE_UNODC = (
    "UNODC, crime and criminal justice statistics (prisons, May 2023); population: UNICEF SOWC "
    "2023 (WPP 2022)"
)
SOURCE_OJJDP_CJRP = (
    "OJJDP, Census of Juveniles in Residential Placement 2019, Statistical Briefing Book"
)
SOURCE_OJJDP_JRFC = "OJJDP, Juvenile Residential Facility Census 2016 and 2018"

ISO3 = {
    "Albania": "ALB", "Armenia": "ARM", "Belarus": "BLR", "Bosnia and Herzegovina": "BIH",
    "Bulgaria": "BGR", "Croatia": "HRV", "Czech Republic": "CZE", "Georgia": "GEO",
    "Hungary": "HUN", "Kazakhstan": "KAZ", "Kyrgyzstan": "KGZ", "Latvia": "LVA",
    "Lithuania": "LTU", "Moldova": "MDA", "Montenegro": "MNE", "North Macedonia": "MKD",
    "Poland": "POL", "Romania": "ROU", "Russian Federation": "RUS", "Serbia": "SRB",
    "Slovakia": "SVK", "Slovenia": "SVN", "Tajikistan": "TJK", "Ukraine": "UKR",
    "United States": "USA",
}

US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}

UNODC_REGION = {
    **dict.fromkeys(["AUT", "NLD", "ITA", "PRT", "SWE", "CHE", "CZE", "POL", "BGR", "SVK", "SVN",
                     "LVA", "SRB", "GRC", "IRL", "FIN", "FRA"], "Europe (UNODC)"),
    **dict.fromkeys(["MEX", "CHL", "ARG", "PER", "ECU", "SLV", "JAM", "USA"], "Americas (UNODC)"),
    **dict.fromkeys(["TUR", "KOR", "JPN", "AUS", "MAR"], "Asia, Africa and Oceania (UNODC)"),
}

# Country caveats from the README of the reference tables (TransMonEE footnotes). The flag
# ``definition_differs`` is set where the national count is wider or narrower than the
# Manual's "children in detention".
_WIDER = (
    "Closed facilities include educational or correctional institutions{}: wider than a prison "
    "count."
)
_TM_SCOPE = {
    "Czech Republic": _WIDER.format(""),
    "Hungary": _WIDER.format(" (from 2013)"),
    "Poland": _WIDER.format(""),
    "Bulgaria": _WIDER.format(""),
    "Tajikistan": _WIDER.format(""),
    "Belarus": "2018 covers special educational institutions only.",
    "Romania": "From 2016 counts custodial measures including educational centres.",
    "Serbia": "Counts imprisonment only.",
    "Russian Federation": "Counts imprisonment only.",
    "Georgia": "Counts imprisonment only.",
}
_TM_OTHER = {
    "Ukraine": "Excludes the occupied territories (from 2014).",
}
_TM_SENTENCING_NOTES = {
    "North Macedonia": "Sentencing covers ages 16-17 only.",
    "Albania": "284 closed-facility sentences of 296 convictions looks implausible (as published).",
}
_TM_AGE_RANGE = (
    "National age ranges of juvenile justice differ (e.g. Czech convictions 15-17, Poland 13-16)."
)


def default_reference_path() -> Path:
    """``data/reference`` of the current folder if present, else the repository's copy."""
    here = Path("data/reference")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / "data" / "reference"


def is_reference_folder(path: str | Path) -> bool:
    """True when the folder holds at least one of the published reference tables."""
    p = Path(path)
    return p.is_dir() and any((p / name).is_file() for name in REFERENCE_FILES)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _num(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip().replace({"-": None, "": None})
    return pd.to_numeric(t, errors="coerce")


def _caveats(*parts: str) -> str:
    return CAVEAT_SEPARATOR.join(p for p in parts if p)


def _fmt(x: float) -> str:
    return "" if pd.isna(x) else f"{float(x):.10g}"


def _transmonee_detention(path: Path) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        name = r.country
        year = int(r.year)
        scope = _TM_SCOPE.get(name, "")
        notes = _caveats(
            "Stock at 31 December divided by the population aged 0-17 on 1 January of the next "
            "year (UNICEF's convention).",
            f"Latest available year: {year}." if year != 2018 else "",
            scope, _TM_OTHER.get(name, ""),
            _TM_AGE_RANGE if name in ("Czech Republic", "Poland") else "",
        )
        base = {
            "country": ISO3[name], "country_name": name, "period": str(year),
            "census_date": f"{year}-12-31", "group": "all", "dimension": "total",
            "denominator": r.pop_0_17_on_1_jan_of_next_year, "region": REGION_TRANSMONEE,
            "source": SOURCE_TRANSMONEE_DET, "notes": notes,
            "definition_differs": "true" if scope else "false", "origin": "published",
        }
        rows.append({**base, "indicator": "JJ02", "numerator": r.in_closed_facilities_end_of_year})
        rows.append({**base, "indicator": "JJ03", "numerator": r.of_which_pretrial_end_of_year})
    return rows


def _transmonee_sentencing(path: Path) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        name = r.country
        extra = _TM_SENTENCING_NOTES.get(name, "")
        base = {
            "country": ISO3[name], "country_name": name, "period": r.year, "group": "all",
            "dimension": "total", "region": REGION_TRANSMONEE, "source": SOURCE_TRANSMONEE_SENT,
            "origin": "published",
        }
        rows.append({
            **base, "indicator": "JJ09", "numerator": r.sentenced_to_closed_facility,
            "denominator": r.convicted_children, "definition_differs": "true",
            "notes": _caveats(
                "Not exactly JJ09: children sentenced to a closed facility among children "
                "convicted, not custodial among custodial and non-custodial sentences.",
                _TM_SCOPE.get(name, ""), extra, _TM_OTHER.get(name, ""),
            ),
        })
        rows.append({
            **base, "indicator": "TM_SENTENCING",
            "indicator_name": "Children convicted per 100,000 children aged 14-17 "
                              "(TransMonEE sentencing rate)",
            "unit": "per 100,000 children", "numerator": r.convicted_children,
            "denominator": r.avg_pop_14_17, "definition_differs": "false",
            "notes": _caveats(
                "Children convicted in the year divided by the year's average population aged "
                "14-17 (TransMonEE's sentencing rate), not a Manual indicator.",
                extra, _TM_OTHER.get(name, ""),
            ),
        })
    return rows


def _unodc(path: Path) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        pop = round(float(_num(pd.Series([r.pop_under_18_2021_thousands])).iat[0]) * 1000.0, 1)
        for year in (2019, 2021):
            held = getattr(r, f"juveniles_held_{year}")
            note = _caveats(
                "Juveniles held in prisons, as each country defines 'juvenile'; not all places "
                "of detention: national definition differs from JJ02.",
                "Population under 18 of 2021 (UN WPP 2022), not of the count's year."
                if year != 2021 else "",
                "The United States figure covers adult facilities only (compare the OJJDP "
                "census)." if r.iso3 == "USA" else "",
            )
            rows.append({
                "country": r.iso3, "country_name": r.country, "period": str(year),
                "indicator": "JJ02", "group": "all", "dimension": "total",
                "numerator": held, "denominator": _fmt(pop),
                "region": UNODC_REGION.get(r.iso3, "Other (UNODC)"), "source": SOURCE_UNODC,
                "notes": note, "definition_differs": "true", "origin": "published",
                "flags": "population_year_differs" if year != 2021 else "",
            })
    return rows


def _ojjdp_states(path: Path) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        total = r.state.startswith("U.S.")
        code = "USA" if total else f"US-{US_STATES[r.state]}"
        upper = r.upper_age_juvenile_jurisdiction or "17"
        rows.append({
            "country": code,
            "country_name": "United States (OJJDP)" if total else r.state,
            "period": "2019", "indicator": "JJ02", "group": "all", "dimension": "total",
            "numerator": r.offenders_in_placement, "value": r.placement_rate_per_100k,
            "region": REGION_OJJDP if total else REGION_OJJDP_STATES,
            "source": SOURCE_OJJDP_CJRP, "definition_differs": "true", "origin": "published",
            "notes": _caveats(
                "Youth in residential placement per 100,000 aged 10 to the upper age of "
                "juvenile jurisdiction, not per 100,000 aged 0-17: definition differs.",
                f"Upper age of juvenile jurisdiction: {upper}." if not total else "",
                "Counts rounded to multiples of 3 by the publisher; interval from the count "
                "and the published (rounded) rate.",
                "One-day count on the 2019 census day (date not in the stored source; the "
                "period end is shown).",
            ),
        })
    return rows


def _ojjdp_deaths(path: Path) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        census = pd.Timestamp(r.census_date)
        start = census - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        rows.append({
            "country": ISO3.get(r.country, r.country), "country_name": f"{r.country} (OJJDP)",
            "period_start": start.strftime("%Y-%m-%d"), "period_end": r.census_date,
            "census_date": r.census_date, "indicator": "JJ06", "group": "all",
            "dimension": "total", "numerator": r.deaths_in_placement_12_months,
            "denominator": r.offenders_held_on_census_day, "region": REGION_OJJDP,
            "source": SOURCE_OJJDP_JRFC, "origin": "published", "flags": "census_denominator",
            "definition_differs": "false",
            "notes": _caveats(
                "Deaths in placement over the 12 months before the census day per 1,000 youth "
                "held on the census day (JJ06 with the census denominator).",
                f"{r.facilities} facilities; of the deaths, {r.of_which_suicides} suicide(s).",
            ),
        })
    return rows


_CONVERTERS = {
    "transmonee_2018_detention.csv": _transmonee_detention,
    "transmonee_2018_sentencing.csv": _transmonee_sentencing,
    "unodc_juveniles_held.csv": _unodc,
    "ojjdp_cjrp_2019_states.csv": _ojjdp_states,
    "ojjdp_deaths_in_custody.csv": _ojjdp_deaths,
}


def reference_counts(path: str | Path | None = None) -> pd.DataFrame:
    """The published tables as one counts table (the input of ``from_counts``).

    Parameters
    ----------
    path : str or Path, optional
        Folder holding the reference CSV files (default :func:`default_reference_path`).
        Files that are absent are skipped.

    Returns
    -------
    DataFrame
        Columns country, country_name, period or period_start/period_end, census_date,
        indicator, dimension, group, numerator, denominator, value, notes, region, source,
        definition_differs, flags, origin (all text).
    """
    folder = Path(path) if path is not None else default_reference_path()
    rows: list[dict] = []
    for name, convert in _CONVERTERS.items():
        if (folder / name).is_file():
            rows.extend(convert(folder / name))
    cols = ["country", "country_name", "period", "period_start", "period_end", "census_date",
            "indicator", "indicator_name", "unit", "dimension", "group", "numerator",
            "denominator", "value", "notes", "region", "source", "definition_differs", "flags",
            "origin"]
    table = pd.DataFrame(rows, columns=cols).astype("string").fillna("")
    return table


def load_reference(
    path: str | Path | None = None, *, confidence_level: float = 0.95
) -> pd.DataFrame:
    """The published reference figures as rows of the indicators frame.

    Parameters
    ----------
    path : str or Path, optional
        Folder of the reference tables (default ``data/reference``).
    confidence_level : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        Indicators frame rows (``origin`` = ``published``), each with its source and caveats.
    """
    table = reference_counts(path)
    if table.empty:
        raise ValueError(f"no reference tables found in {path}")
    return from_counts(table, confidence_level=confidence_level)


def load_benchmarks(path: str | Path | None = None) -> pd.DataFrame:
    """Regional benchmark rates (children in detention per 100,000 children), context only.

    Returns
    -------
    DataFrame
        Columns source, year, region, children_in_detention, rate_per_100k_children (numbers
        as floats); empty when the file is absent.
    """
    folder = Path(path) if path is not None else default_reference_path()
    f = folder / "regional_benchmarks.csv"
    if not f.is_file():
        return pd.DataFrame(columns=["source", "year", "region", "children_in_detention",
                                     "rate_per_100k_children"])
    b = _read(f)
    for col in ("children_in_detention", "rate_per_100k_children"):
        b[col] = _num(b[col]).astype(float)
    return b.replace({np.nan: None}).astype({"rate_per_100k_children": float})
