"""Published reference figures (``data/reference/``) as rows of the indicators frame.

The tables in ``data/reference/`` are real, published aggregate figures (TransMonEE, UNODC,
OJJDP; see that folder's README for the citations). :func:`reference_counts` turns them into
one counts table in the shape :func:`indicators.counts.from_counts` reads; :func:`load_reference`
converts that table, so published figures get the same intervals and flags as computed ones and
can sit beside them in every chart.

Caveats come from ``footnotes.csv`` (kept with the data): one row per footnote of a published
table (its words, the caveat it yields, whether it makes the row's definition differ from the
Manual's, whether it concerns the year shipped), plus the conversion notes that do. Each
converted row draws on the tables listed in :data:`SOURCE_TABLES` and carries the caveats of
those tables' footnotes for its country (and those given for ``all``), nothing else: a footnote
of the sentencing table never reaches a detention row. ``definition_differs`` is set exactly
when one of them says so.

Conversions:

- TransMonEE detention (tables 5.9.1, 5.9.2, 5.9.5, population 1.1.4): JJ02 = children in
  closed facilities at 31 December (5.9.1; where 5.9.1 is empty and both parts are given,
  pre-trial 5.9.2 plus after adjudication 5.9.5) and JJ03 = pre-trial (5.9.2), each divided by
  the population aged 0-17 on 1 January of the next year (UNICEF's convention for stocks)
  x 100,000; census date 31 December.
- TransMonEE sentencing (5.8.1, 5.8.8, 5.8.9, population 1.2.8): a JJ09-like percentage =
  children sentenced to deprivation of liberty, committed to a closed facility (5.8.8) or
  placed in a specialised educational or correctional institution (5.8.9), among children
  convicted (5.8.1), flagged ``definition_differs`` (JJ09 divides custodial by custodial and
  non-custodial sentences); a part not reported counts as none, and the row says so. And
  TransMonEE's sentencing rate ``TM_SENTENCING`` = convicted / average population aged 14-17
  x 100,000, which reproduces the published rate of table 5.8.2 (the row says where it does
  not).
- UNODC juveniles held in prisons: JJ02-like = held / (population under 18 in thousands x
  1,000) x 100,000; the 2019 counts are flagged ``population_year_differs`` (population of
  2021).
- OJJDP Census of Juveniles in Residential Placement 2019: the published placement rate per
  100,000 aged 10 to the upper age of juvenile jurisdiction, with the count as numerator
  (``published_rate``). States have codes ``US-XX``.
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
    "FOOTNOTES_FILE",
    "FOOTNOTE_COLUMNS",
    "REFERENCE_FILES",
    "SOURCE_TABLES",
    "default_reference_path",
    "is_reference_folder",
    "load_benchmarks",
    "load_reference",
    "read_footnotes",
    "reference_counts",
]

REFERENCE_FILES = (
    "transmonee_2018_detention.csv",
    "transmonee_2018_sentencing.csv",
    "unodc_juveniles_held.csv",
    "ojjdp_cjrp_2019_states.csv",
    "ojjdp_deaths_in_custody.csv",
)
FOOTNOTES_FILE = "footnotes.csv"
FOOTNOTE_COLUMNS = ["source", "table", "country", "note", "footnote", "caveat",
                    "definition_differs", "applies", "reason"]

# The published tables each converted row draws on (its numerator's, then its denominator's).
SOURCE_TABLES = {
    ("transmonee_2018_detention.csv", "JJ02"): ("5.9.1", "1.1.4"),
    ("transmonee_2018_detention.csv", "JJ02 from parts"): ("5.9.2", "5.9.5", "1.1.4"),
    ("transmonee_2018_detention.csv", "JJ03"): ("5.9.2", "1.1.4"),
    ("transmonee_2018_sentencing.csv", "JJ09"): ("5.8.8", "5.8.9", "5.8.1"),
    ("transmonee_2018_sentencing.csv", "TM_SENTENCING"): ("5.8.1", "1.2.8"),
    ("unodc_juveniles_held.csv", "JJ02"): ("prisons (May 2023)",),
    ("ojjdp_cjrp_2019_states.csv", "JJ02"): ("CJRP 2019",),
    ("ojjdp_deaths_in_custody.csv", "JJ06"): ("JRFC 2016, 2018",),
}
ALL_COUNTRIES = "all"

REGION_TRANSMONEE = "Eastern Europe and Central Asia (TransMonEE)"
REGION_OJJDP = "North America (OJJDP)"
REGION_OJJDP_STATES = "United States, by state (OJJDP)"

SOURCE_TRANSMONEE_DET = (
    "TransMonEE, UNICEF Regional Office for Europe and Central Asia, December 2020 release, "
    "tables 5.9.1, 5.9.2, 5.9.5, 1.1.4"
)
SOURCE_TRANSMONEE_SENT = (
    "TransMonEE, UNICEF ECARO, December 2020 release, tables 5.8.1, 5.8.2, 5.8.8, 5.8.9, 1.2.8"
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
    "Albania": "ALB", "Armenia": "ARM", "Azerbaijan": "AZE", "Belarus": "BLR",
    "Bosnia and Herzegovina": "BIH", "Bulgaria": "BGR", "Croatia": "HRV",
    "Czech Republic": "CZE", "Georgia": "GEO", "Hungary": "HUN", "Kazakhstan": "KAZ",
    "Kyrgyzstan": "KGZ", "Latvia": "LVA", "Lithuania": "LTU", "Moldova": "MDA",
    "Montenegro": "MNE", "North Macedonia": "MKD", "Poland": "POL", "Romania": "ROU",
    "Russian Federation": "RUS", "Serbia": "SRB", "Slovakia": "SVK", "Slovenia": "SVN",
    "Tajikistan": "TJK", "Turkey": "TUR", "Ukraine": "UKR", "United States": "USA",
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

# Published rates are given to 4 decimals in the shipped file.
_PUBLISHED_RATE_TOLERANCE = 1e-4


def default_reference_path() -> Path:
    """``data/reference`` of the current folder if present, else the repository's copy."""
    here = Path("data/reference")
    if here.is_dir():
        return here
    return _shipped_path()


def _shipped_path() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "reference"


def is_reference_folder(path: str | Path) -> bool:
    """True when the folder holds at least one of the published reference tables."""
    p = Path(path)
    return p.is_dir() and any((p / name).is_file() for name in REFERENCE_FILES)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _num(value) -> float:
    t = str(value).strip()
    if t in ("", "-"):
        return np.nan
    return float(t)


def _fmt(x: float) -> str:
    return "" if pd.isna(x) else f"{float(x):.10g}"


def read_footnotes(folder: str | Path | None = None) -> pd.DataFrame:
    """The table of footnotes kept with the reference data.

    Parameters
    ----------
    folder : str or Path, optional
        A reference folder; its ``footnotes.csv`` is read when present, else the shipped copy
        (the footnotes belong to the published sources, not to a copy of their tables).

    Returns
    -------
    DataFrame
        ``FOOTNOTE_COLUMNS`` as text, ``definition_differs`` and ``applies`` as booleans.
    """
    path = Path(folder) / FOOTNOTES_FILE if folder is not None else None
    if path is None or not path.is_file():
        path = _shipped_path() / FOOTNOTES_FILE
    notes = _read(path)
    missing = [c for c in FOOTNOTE_COLUMNS if c not in notes.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    for col in ("definition_differs", "applies"):
        bad = ~notes[col].isin(["true", "false"])
        if bad.any():
            raise ValueError(f"{path}: {col} must be true or false (row {bad.idxmax() + 2})")
        notes[col] = notes[col] == "true"
    return notes[FOOTNOTE_COLUMNS]


def _footnotes_for(
    notes: pd.DataFrame, key: tuple[str, str], country: str
) -> tuple[list[str], list[str], bool]:
    """Caveats of the footnotes of ``key``'s tables: those for every country, those for
    ``country``, and whether one of them makes the definition differ."""
    tables = SOURCE_TABLES[key]
    sel = notes[notes["table"].isin(tables) & notes["country"].isin([country, ALL_COUNTRIES])
                & notes["applies"]]
    sel = sel.assign(_o=sel["table"].map({t: i for i, t in enumerate(tables)}))
    sel = sel.sort_values("_o", kind="stable")
    generic = sel["country"] == ALL_COUNTRIES
    return ([c for c in sel.loc[generic, "caveat"] if c],
            [c for c in sel.loc[~generic, "caveat"] if c],
            bool(sel["definition_differs"].any()))


def _join(*parts) -> str:
    flat: list[str] = []
    for p in parts:
        flat.extend(p if isinstance(p, list) else [p])
    return CAVEAT_SEPARATOR.join(dict.fromkeys(p for p in flat if p))


def _bool(flag: bool) -> str:
    return "true" if flag else "false"


def _transmonee_detention(path: Path, notes: pd.DataFrame) -> list[dict]:
    name_of_file = path.name
    rows = []
    for r in _read(path).itertuples(index=False):
        name, year = r.country.strip(), int(r.year)
        total = _num(r.in_closed_facilities_end_of_year)
        pretrial = _num(r.of_which_pretrial_end_of_year)
        after = _num(r.of_which_post_adjudication_end_of_year)
        latest = f"Latest available year: {year}." if year != 2018 else ""
        base = {
            "country": ISO3[name], "country_name": name, "period": str(year),
            "census_date": f"{year}-12-31", "group": "all", "dimension": "total",
            "denominator": r.pop_0_17_on_1_jan_of_next_year, "region": REGION_TRANSMONEE,
            "source": SOURCE_TRANSMONEE_DET, "origin": "published",
        }
        key, parts_note = (name_of_file, "JJ02"), ""
        if np.isnan(total) and not np.isnan(pretrial) and not np.isnan(after):
            total, key = pretrial + after, (name_of_file, "JJ02 from parts")
            parts_note = (
                f"Table 5.9.1 gives no total for {year}: children in pre-trial facilities "
                f"(5.9.2, {pretrial:g}) plus children in closed facilities after adjudication "
                f"(5.9.5, {after:g})."
            )
        generic, own, differs = _footnotes_for(notes, key, name)
        rows.append({**base, "indicator": "JJ02", "numerator": _fmt(total),
                     "notes": _join(generic, parts_note, latest, own),
                     "definition_differs": _bool(differs)})
        generic, own, differs = _footnotes_for(notes, (name_of_file, "JJ03"), name)
        rows.append({**base, "indicator": "JJ03", "numerator": _fmt(pretrial),
                     "notes": _join(generic, latest, own), "definition_differs": _bool(differs)})
    return rows


def _sentenced_to_custody(closed: float, placed: float) -> tuple[float, str]:
    """JJ09's numerator from tables 5.8.8 and 5.8.9, and what the row must say about it."""
    if np.isnan(closed) and np.isnan(placed):
        return np.nan, ""
    if np.isnan(placed):
        return closed, ("Placement in a specialised educational or correctional institution "
                        "not reported (5.8.9): the share counts committals to a closed facility "
                        "only.")
    if np.isnan(closed):
        return placed, ("Committal to a closed facility not reported (5.8.8): the share "
                        "counts placements in a specialised educational or correctional "
                        "institution only and may be understated.")
    return closed + placed, ""


def _transmonee_sentencing(path: Path, notes: pd.DataFrame) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        name = r.country.strip()
        convicted, pop = _num(r.convicted_children), _num(r.avg_pop_14_17)
        custody, part_note = _sentenced_to_custody(_num(r.sentenced_to_closed_facility),
                                                   _num(r.placed_in_specialised_institution))
        base = {
            "country": ISO3[name], "country_name": name, "period": r.year, "group": "all",
            "dimension": "total", "region": REGION_TRANSMONEE, "source": SOURCE_TRANSMONEE_SENT,
            "origin": "published",
        }
        generic, own, differs = _footnotes_for(notes, (path.name, "JJ09"), name)
        rows.append({
            **base, "indicator": "JJ09", "numerator": _fmt(custody),
            "denominator": r.convicted_children, "definition_differs": _bool(differs),
            "notes": _join(generic, part_note, own),
        })
        published = _num(r.published_sentencing_rate_per_100k)
        rate = convicted / pop * 100_000 if pop > 0 else np.nan
        rate_note = ""
        if not np.isnan(published) and abs(rate - published) > _PUBLISHED_RATE_TOLERANCE:
            rate_note = (f"TransMonEE publishes {published:.1f} (5.8.2), from a population it "
                         f"does not give; this figure divides by the population of 1.2.8.")
        generic, own, differs = _footnotes_for(notes, (path.name, "TM_SENTENCING"), name)
        rows.append({
            **base, "indicator": "TM_SENTENCING",
            "indicator_name": "Children convicted per 100,000 children aged 14-17 "
                              "(TransMonEE sentencing rate)",
            "unit": "per 100,000 children", "numerator": r.convicted_children,
            "denominator": r.avg_pop_14_17, "definition_differs": _bool(differs),
            "notes": _join(generic, own, rate_note),
        })
    return rows


def _unodc(path: Path, notes: pd.DataFrame) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        pop = round(_num(r.pop_under_18_2021_thousands) * 1000.0, 1)
        generic, own, differs = _footnotes_for(notes, (path.name, "JJ02"), r.country)
        for year in (2019, 2021):
            held = getattr(r, f"juveniles_held_{year}")
            note = _join(
                generic, own,
                "Population under 18 of 2021 (UN WPP 2022), not of the count's year."
                if year != 2021 else "",
            )
            rows.append({
                "country": r.iso3, "country_name": r.country, "period": str(year),
                "indicator": "JJ02", "group": "all", "dimension": "total",
                "numerator": held, "denominator": _fmt(pop),
                "region": UNODC_REGION.get(r.iso3, "Other (UNODC)"), "source": SOURCE_UNODC,
                "notes": note, "definition_differs": _bool(differs), "origin": "published",
                "flags": "population_year_differs" if year != 2021 else "",
            })
    return rows


def _ojjdp_states(path: Path, notes: pd.DataFrame) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        total = r.state.startswith("U.S.")
        code = "USA" if total else f"US-{US_STATES[r.state]}"
        upper = r.upper_age_juvenile_jurisdiction or "17"
        generic, own, differs = _footnotes_for(notes, (path.name, "JJ02"), r.state)
        rows.append({
            "country": code,
            "country_name": "United States (OJJDP)" if total else r.state,
            "period": "2019", "indicator": "JJ02", "group": "all", "dimension": "total",
            "numerator": r.offenders_in_placement, "value": r.placement_rate_per_100k,
            "region": REGION_OJJDP if total else REGION_OJJDP_STATES,
            "source": SOURCE_OJJDP_CJRP, "definition_differs": _bool(differs),
            "origin": "published",
            "notes": _join(
                generic, own,
                f"Upper age of juvenile jurisdiction: {upper}." if not total else "",
                "One-day count on the 2019 census day (date not in the stored source; the "
                "period end is shown).",
            ),
        })
    return rows


def _ojjdp_deaths(path: Path, notes: pd.DataFrame) -> list[dict]:
    rows = []
    for r in _read(path).itertuples(index=False):
        census = pd.Timestamp(r.census_date)
        start = census - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        generic, own, differs = _footnotes_for(notes, (path.name, "JJ06"), r.country)
        rows.append({
            "country": ISO3.get(r.country, r.country), "country_name": f"{r.country} (OJJDP)",
            "period_start": start.strftime("%Y-%m-%d"), "period_end": r.census_date,
            "census_date": r.census_date, "indicator": "JJ06", "group": "all",
            "dimension": "total", "numerator": r.deaths_in_placement_12_months,
            "denominator": r.offenders_held_on_census_day, "region": REGION_OJJDP,
            "source": SOURCE_OJJDP_JRFC, "origin": "published", "flags": "census_denominator",
            "definition_differs": _bool(differs),
            "notes": _join(
                "Deaths in placement over the 12 months before the census day per 1,000 youth "
                "held on the census day (JJ06 with the census denominator).",
                generic, own,
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
        Files that are absent are skipped; the footnotes are those of :func:`read_footnotes`.

    Returns
    -------
    DataFrame
        Columns country, country_name, period or period_start/period_end, census_date,
        indicator, dimension, group, numerator, denominator, value, notes, region, source,
        definition_differs, flags, origin (all text).
    """
    folder = Path(path) if path is not None else default_reference_path()
    notes = read_footnotes(folder)
    rows: list[dict] = []
    for name, convert in _CONVERTERS.items():
        if (folder / name).is_file():
            rows.extend(convert(folder / name, notes))
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
        b[col] = pd.to_numeric(b[col].str.strip().replace({"-": None, "": None}),
                               errors="coerce").astype(float)
    return b.replace({np.nan: None}).astype({"rate_per_100k_children": float})
