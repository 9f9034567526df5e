"""Fixed code lists and column kinds of the record format (user documentation: docs/records.md).

The single place where the contract's names live: schemas, reader, engine, simulator and
templates import from here.
"""

from __future__ import annotations

from dataclasses import dataclass

SEX = ("F", "M", "U")
POPULATION_SEX = ("F", "M")
OFFENCE_CATEGORY = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "status")
END_REASON = ("release", "transfer", "death", "escape")
DECISION = ("diversion", "custodial_sentence", "non_custodial_sentence", "acquittal", "dismissal")
DIRECTION = ("received", "home_leave")
FACILITY_TYPE = (
    "police",
    "pretrial",
    "juvenile_institution",
    "adult_prison",
    "closed_welfare",
    "other",
)
LEGAL_STATUS = ("pre_sentence", "sentenced")
AGE_GROUPS = ("0-13", "14-15", "16-17")
UNKNOWN_AGE_GROUP = "unknown"

METADATA_KEYS = (
    "country",
    "country_name",
    "period_start",
    "period_end",
    "census_date",
    "minimum_age_criminal_responsibility",
    "region",
    "source",
    "notes",
    "policy",
    "parameters",
)


@dataclass(frozen=True)
class Column:
    """One column of a record table: its kind drives parsing, its rule the schema."""

    name: str
    kind: str  # "id" | "string" | "code" | "date" | "bool" | "int"
    required: bool  # the column must be present in the file
    nullable: bool  # a cell may be empty
    codes: tuple[str, ...] = ()
    description: str = ""


def _c(name, kind, required=True, nullable=False, codes=(), description=""):
    return Column(name, kind, required, nullable, tuple(codes), description)


TABLES: dict[str, tuple[Column, ...]] = {
    "children": (
        _c("child_id", "id",
           description="Pseudonymous identifier of the child; never a name or a national ID."),
        _c("sex", "code", codes=SEX, description="Sex of the child: F, M, or U (unknown)."),
        _c("date_of_birth", "date", required=False, nullable=True,
           description="Date of birth (YYYY-MM-DD); may be missing."),
    ),
    "population": (
        _c("year", "int", description="Calendar year of the population estimate."),
        _c("sex", "code", codes=POPULATION_SEX, description="Sex: F or M."),
        _c("age", "int",
           description="Single year of age, 0 or more (ages 18 and over are ignored)."),
        _c("population", "int",
           description="Number of persons of that year, sex and age, 0 or more."),
        _c("area", "string", required=False, nullable=True,
           description="Sub-national area, optional; (year, sex, age, area) is unique."),
    ),
    "arrests": (
        _c("arrest_id", "id", description="Unique identifier of the arrest."),
        _c("child_id", "id", description="The child arrested; must exist in children."),
        _c("arrest_date", "date", description="Date of the arrest."),
        _c("offence_category", "code", codes=OFFENCE_CATEGORY,
           description="ICCS section 01 to 11 of the most serious offence, or status (status "
                       "offence)."),
        _c("age_years", "int", required=False, nullable=True,
           description="Age at arrest in completed years; used only where date_of_birth is "
                       "missing."),
        _c("area", "string", required=False, nullable=True,
           description="Area of the arrest, optional."),
    ),
    "detentions": (
        _c("episode_id", "id", description="Unique identifier of the detention episode."),
        _c("child_id", "id", description="The child detained; must exist in children."),
        _c("facility_id", "id",
           description="Place of detention; must exist in facilities when that table is given."),
        _c("admission_date", "date", description="Date the episode began."),
        _c("release_date", "date", nullable=True,
           description="Date the episode ended; missing while the child is still held."),
        _c("end_reason", "code", nullable=True, codes=END_REASON,
           description="release, transfer, death or escape; required exactly when release_date "
                       "is given."),
        _c("sentence_date", "date", required=False, nullable=True,
           description="Date the child became sentenced, if before or during this episode; "
                       "missing while pre-sentence."),
        _c("wholly_separated_from_adults", "bool", required=False, nullable=True,
           description="Whether the child was wholly separated from adults; may be missing "
                       "(unknown)."),
        _c("received_aftercare", "bool", required=False, nullable=True,
           description="For end_reason release: whether the child received aftercare; may be "
                       "missing (unknown)."),
    ),
    "dispositions": (
        _c("disposition_id", "id", description="Unique identifier of the decision."),
        _c("child_id", "id", description="The child concerned; must exist in children."),
        _c("decision_date", "date", description="Date of the diversion or final decision."),
        _c("decision", "code", codes=DECISION,
           description="diversion, custodial_sentence, non_custodial_sentence, acquittal or "
                       "dismissal."),
        _c("offence_date", "date", required=False, nullable=True,
           description="Date of the offence, on or before decision_date; optional."),
        _c("offence_category", "code", required=False, nullable=True, codes=OFFENCE_CATEGORY,
           description="ICCS section 01 to 11 or status; optional."),
    ),
    "family_visits": (
        _c("child_id", "id", description="The child visited; must exist in children."),
        _c("visit_date", "date",
           description="Date of the face-to-face contact with a parent, guardian or adult family "
                       "member."),
        _c("direction", "code", required=False, nullable=True, codes=DIRECTION,
           description="received (family visited the child) or home_leave (the child visited "
                       "family); optional."),
    ),
    "facilities": (
        _c("facility_id", "id", description="Unique identifier of the place of detention."),
        _c("facility_type", "code", codes=FACILITY_TYPE,
           description="police, pretrial, juvenile_institution, adult_prison, closed_welfare or "
                       "other."),
        _c("complaints_mechanism", "bool", required=False, nullable=True,
           description="Whether children held there can use a complaints mechanism; may be "
                       "missing (unknown)."),
        _c("area", "string", required=False, nullable=True,
           description="Area of the facility, optional."),
    ),
    "inspections": (
        _c("facility_id", "id", description="The facility inspected; must exist in facilities."),
        _c("inspection_date", "date", description="Date of the inspection visit."),
        _c("independent", "bool", description="Whether the inspection was independent."),
    ),
}

REQUIRED_TABLES = ("children", "population")
OPTIONAL_TABLES = tuple(t for t in TABLES if t not in REQUIRED_TABLES)
ID_COLUMNS = {
    "children": "child_id",
    "arrests": "arrest_id",
    "detentions": "episode_id",
    "dispositions": "disposition_id",
    "facilities": "facility_id",
}
