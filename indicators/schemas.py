"""The record tables as Pandera schemas: the declared contract and the data dictionary.

One :class:`pandera.pandas.DataFrameModel` per table of the record format (described in the
user documentation, ``docs/records.md``, a section per table). They describe the *typed*
tables that :func:`indicators.read_dataset` produces (ids and text ``string``, dates
``datetime64[ns]``, booleans ``boolean``, codes ``category``, integers ``Int64``). Every field
carries the description written once in :data:`indicators.codes.TABLES`, so the schemas are
the data dictionary printed by ``jj-indicators schema``.

This module imports pandera: only validation (:mod:`indicators.validation.table_checks`) and
the ``schema`` command import it, so that reading and computing never load pandera.

Column-level rules live here (required values, codes, non-negative numbers, unique ids);
rules across rows and tables (foreign keys, date order, spells) are in
:mod:`indicators.validation.rules`.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from .codes import (
    DECISION,
    DIRECTION,
    END_REASON,
    FACILITY_TYPE,
    OFFENCE_CATEGORY,
    POPULATION_SEX,
    SEX,
    TABLES,
    Column,
)

__all__ = [
    "SCHEMAS",
    "ArrestsSchema",
    "ChildrenSchema",
    "DetentionsSchema",
    "DispositionsSchema",
    "FacilitiesSchema",
    "FamilyVisitsSchema",
    "InspectionsSchema",
    "PopulationSchema",
    "data_dictionary",
    "schema_for",
]


def _col(table: str, name: str) -> Column:
    for col in TABLES[table]:
        if col.name == name:
            return col
    raise KeyError(f"{table}.{name} is not in codes.TABLES")  # pragma: no cover


def _f(table: str, name: str, **checks) -> object:
    """A Field whose description, presence and nullability come from ``codes.TABLES``."""
    col = _col(table, name)
    return pa.Field(
        description=col.description,
        nullable=col.nullable,
        required=col.required,
        **checks,
    )


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns are carried, never required
        coerce = False  # the reader types the columns; the schema checks them


class ChildrenSchema(_Base):
    """children: one row per child."""

    child_id: Series[pd.StringDtype] = _f("children", "child_id", unique=True)
    sex: Series[pd.CategoricalDtype] = _f("children", "sex", isin=list(SEX))
    date_of_birth: Series[pa.DateTime] = _f("children", "date_of_birth")


class PopulationSchema(_Base):
    """population: child population by year, sex and single year of age."""

    year: Series[pd.Int64Dtype] = _f("population", "year")
    sex: Series[pd.CategoricalDtype] = _f("population", "sex", isin=list(POPULATION_SEX))
    age: Series[pd.Int64Dtype] = _f("population", "age", ge=0)
    population: Series[pd.Int64Dtype] = _f("population", "population", ge=0)
    area: Series[pd.StringDtype] = _f("population", "area")


class ArrestsSchema(_Base):
    """arrests: one row per arrest (police)."""

    arrest_id: Series[pd.StringDtype] = _f("arrests", "arrest_id", unique=True)
    child_id: Series[pd.StringDtype] = _f("arrests", "child_id")
    arrest_date: Series[pa.DateTime] = _f("arrests", "arrest_date")
    offence_category: Series[pd.CategoricalDtype] = _f(
        "arrests", "offence_category", isin=list(OFFENCE_CATEGORY)
    )
    age_years: Series[pd.Int64Dtype] = _f("arrests", "age_years", ge=0)
    area: Series[pd.StringDtype] = _f("arrests", "area")


class DetentionsSchema(_Base):
    """detentions: one row per detention episode (places of detention)."""

    episode_id: Series[pd.StringDtype] = _f("detentions", "episode_id", unique=True)
    child_id: Series[pd.StringDtype] = _f("detentions", "child_id")
    facility_id: Series[pd.StringDtype] = _f("detentions", "facility_id")
    admission_date: Series[pa.DateTime] = _f("detentions", "admission_date")
    release_date: Series[pa.DateTime] = _f("detentions", "release_date")
    end_reason: Series[pd.CategoricalDtype] = _f(
        "detentions", "end_reason", isin=list(END_REASON)
    )
    sentence_date: Series[pa.DateTime] = _f("detentions", "sentence_date")
    wholly_separated_from_adults: Series[pd.BooleanDtype] = _f(
        "detentions", "wholly_separated_from_adults"
    )
    received_aftercare: Series[pd.BooleanDtype] = _f("detentions", "received_aftercare")


class DispositionsSchema(_Base):
    """dispositions: one row per diversion or final decision (prosecutor, court)."""

    disposition_id: Series[pd.StringDtype] = _f("dispositions", "disposition_id", unique=True)
    child_id: Series[pd.StringDtype] = _f("dispositions", "child_id")
    decision_date: Series[pa.DateTime] = _f("dispositions", "decision_date")
    decision: Series[pd.CategoricalDtype] = _f("dispositions", "decision", isin=list(DECISION))
    offence_date: Series[pa.DateTime] = _f("dispositions", "offence_date")
    offence_category: Series[pd.CategoricalDtype] = _f(
        "dispositions", "offence_category", isin=list(OFFENCE_CATEGORY)
    )


class FamilyVisitsSchema(_Base):
    """family_visits: one row per face-to-face family visit (places of detention)."""

    child_id: Series[pd.StringDtype] = _f("family_visits", "child_id")
    visit_date: Series[pa.DateTime] = _f("family_visits", "visit_date")
    direction: Series[pd.CategoricalDtype] = _f("family_visits", "direction", isin=list(DIRECTION))


class FacilitiesSchema(_Base):
    """facilities: one row per place of detention."""

    facility_id: Series[pd.StringDtype] = _f("facilities", "facility_id", unique=True)
    facility_type: Series[pd.CategoricalDtype] = _f(
        "facilities", "facility_type", isin=list(FACILITY_TYPE)
    )
    complaints_mechanism: Series[pd.BooleanDtype] = _f("facilities", "complaints_mechanism")
    area: Series[pd.StringDtype] = _f("facilities", "area")


class InspectionsSchema(_Base):
    """inspections: one row per inspection visit to a place of detention."""

    facility_id: Series[pd.StringDtype] = _f("inspections", "facility_id")
    inspection_date: Series[pa.DateTime] = _f("inspections", "inspection_date")
    independent: Series[pd.BooleanDtype] = _f("inspections", "independent")


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "children": ChildrenSchema,
    "population": PopulationSchema,
    "arrests": ArrestsSchema,
    "detentions": DetentionsSchema,
    "dispositions": DispositionsSchema,
    "family_visits": FamilyVisitsSchema,
    "facilities": FacilitiesSchema,
    "inspections": InspectionsSchema,
}
"""Table name -> DataFrameModel, in the order of the record format (``docs/records.md``)."""

_TYPE_WORDS = {
    "id": "text (id)",
    "string": "text",
    "code": "code",
    "date": "date (YYYY-MM-DD)",
    "bool": "true/false",
    "int": "whole number",
}


def schema_for(table: str) -> type[pa.DataFrameModel]:
    """The DataFrameModel of a table (KeyError with the known names otherwise)."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; expected one of {list(SCHEMAS)}") from None


def data_dictionary() -> str:
    """The record format as Markdown: one section per table, one row per column.

    Built from the schemas (description, nullability, uniqueness, code lists) and the column
    kinds of ``codes.TABLES``, so it cannot drift from what is validated.
    """
    from .codes import REQUIRED_TABLES

    lines = [
        "# Record format: data dictionary",
        "",
        "Generated by `jj-indicators schema` from the validation schemas. A dataset is a folder "
        "with `dataset.toml` and one file per table (`<table>.csv`, `<table>.parquet`, or a "
        "sheet `<table>` of one `.xlsx` workbook). Dates are `YYYY-MM-DD`; booleans `true`/"
        "`false` (also `yes`/`no`, `1`/`0`); ids and codes are text (`01` is not `1`).",
        "",
    ]
    for table, model in SCHEMAS.items():
        schema = model.to_schema()
        need = "required" if table in REQUIRED_TABLES else "optional"
        lines += [f"## {table} ({need} table)", "", (model.__doc__ or "").strip(), ""]
        lines += ["| column | type | required | codes | description |", "|---|---|---|---|---|"]
        for col in TABLES[table]:
            pcol = schema.columns[col.name]
            if not col.required:
                req = "no (column may be left out)"
            elif pcol.nullable:
                req = "column yes, value may be empty"
            else:
                req = "yes"
            if pcol.unique:
                req += ", unique"
            codes = ", ".join(f"`{c}`" for c in col.codes)
            lines.append(
                f"| `{col.name}` | {_TYPE_WORDS[col.kind]} | {req} | {codes} | "
                f"{pcol.description} |"
            )
        lines.append("")
    return "\n".join(lines)
