"""dataset.toml (or the workbook's ``dataset`` sheet): its keys and values.

The country code, the text keys, the minimum age of criminal responsibility, the reference
period and the census day, keys that are not known, the policy answers and the parameters.
See "dataset.toml" in the user documentation (``docs/records.md#dataset-toml``).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..codes import METADATA_KEYS
from ..dataset import Dataset
from ..parameters import check_table
from ..registry import policy_keys
from .report import IssueCollector, day_text

__all__ = ["check_metadata"]


def check_metadata(ds: Dataset, out: IssueCollector) -> None:
    """File every problem of the metadata (nothing when it could not be read at all: the
    reader reported that once)."""
    meta = ds.metadata
    src = ds.metadata_source
    if not meta and any(i.rule == "invalid_toml" for i in ds.issues):
        return
    _check_values(meta, src, out)
    _check_period(ds, src, out)
    for key in meta:
        if key not in METADATA_KEYS:
            out.file("warning", src, "unknown_key",
                     f"{key} is not a key of dataset.toml; it was ignored", column=key,
                     value=meta[key] if not isinstance(meta[key], dict) else None)
    _check_policy(meta.get("policy"), src, out)
    for severity, column, value, message in check_table(meta.get("parameters")):
        rule = ("unknown_key" if severity == "warning" else
                "invalid_value" if column == "parameters" else "invalid_parameter")
        out.file(severity, src, rule, message, column=column, value=value)


def _check_values(meta: dict[str, Any], src: str, out: IssueCollector) -> None:
    """The country code, the text keys and the minimum age of criminal responsibility."""
    country = meta.get("country")
    if country is None:
        out.file("error", src, "missing_key",
                 f"{src} has no country; write e.g. country = \"ATL\"", column="country")
    elif not (isinstance(country, str) and re.fullmatch(r"[A-Z]{3}", country)):
        out.file("error", src, "invalid_country",
                 f"country = {country!r}: write the ISO 3166-1 alpha-3 code, or a user code of "
                 "3 upper-case letters", column="country", value=country)
    for key in ("country_name", "region", "source", "notes"):
        if key in meta and not isinstance(meta[key], str):
            out.file("error", src, "invalid_value", f"{key} must be text within quotes",
                     column=key, value=meta[key])
    mcr = meta.get("minimum_age_criminal_responsibility")
    if mcr is not None and (isinstance(mcr, bool) or not isinstance(mcr, int)
                            or not 0 <= mcr <= 18):
        out.file("error", src, "invalid_value",
                 "minimum_age_criminal_responsibility must be a whole number of years from 0 "
                 "to 18", column="minimum_age_criminal_responsibility", value=mcr)


def _check_period(ds: Dataset, src: str, out: IssueCollector) -> None:
    """The reference period: in order, at most 366 days, 12 whole months; the census day in it."""
    start, end, census = ds.period_start, ds.period_end, ds.census_date
    if pd.isna(start) or pd.isna(end):
        return
    if end < start:
        out.file("error", src, "period_order",
                 f"period_end {day_text(end)} is before period_start {day_text(start)}",
                 column="period_end", value=day_text(end))
    else:
        days = (end - start).days + 1
        if days > 366:
            out.file("error", src, "period_too_long",
                     f"the reference period has {days} days; it must be 12 months at most "
                     "(366 days)", column="period_end", value=day_text(end))
        elif end != start + pd.DateOffset(years=1) - pd.Timedelta(days=1):
            out.file("warning", src, "period_not_12_months",
                     f"the reference period {day_text(start)} to {day_text(end)} is not 12 "
                     "whole months: rates are not annual", column="period_end",
                     value=day_text(end))
    if not pd.isna(census) and not start <= census <= end:
        out.file("error", src, "census_outside_period",
                 f"census_date {day_text(census)} is outside the period {day_text(start)} to "
                 f"{day_text(end)}", column="census_date", value=day_text(census))


def _check_policy(policy: Any, src: str, out: IssueCollector) -> None:
    """The ``[policy]`` section: known questions, each answered true or false."""
    if policy is not None and not isinstance(policy, dict):
        out.file("error", src, "invalid_value", "[policy] must be a section of key = true/false",
                 column="policy")
        return
    if not policy:
        return
    known = policy_keys()
    for key, val in policy.items():
        if key not in known:
            out.file("warning", src, "unknown_key",
                     f"policy.{key} is not a policy question; known: "
                     f"{', '.join(known)}", column=f"policy.{key}")
        elif not isinstance(val, bool):
            out.file("error", src, "invalid_policy_value",
                     f"policy.{key} = {val!r}: write true or false (without quotes), or "
                     "leave the key out when not assessed", column=f"policy.{key}", value=val)
