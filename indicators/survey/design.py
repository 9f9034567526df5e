"""The sample design a dataset declares, and the rules it must follow.

A dataset is a **sample survey of places** when its dataset.toml has a ``[sample]`` table::

    [sample]
    unit = "facility"                    # places of detention were drawn (the only unit)
    facilities_in_stratum = { police = 60, pretrial = 12, juvenile_institution = 3 }
    seed = 1                             # optional: the seed the places were drawn with

and ``facilities`` gives each visited place its ``stratum`` (a key of
``facilities_in_stratum``) and its ``sample_weight`` (the inverse of its probability of
selection: places in the stratum over places visited there). A place listed without a weight
was not visited. The records (``detentions``, ``children``, ``family_visits``) are those of the
visited places: every child held there on the census day.

:func:`check_sample_design` returns the design's problems as validation rows (validation
calls it); :func:`sample_design` gives the engine the design as a :class:`SampleDesign`.
Without ``[sample]`` the dataset is a complete enumeration and none of this applies.
User documentation: docs/sample-surveys.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..issues import Issue

__all__ = [
    "SAMPLE_KEYS",
    "WEIGHT_TOLERANCE",
    "SampleDesign",
    "SampleDesignError",
    "check_sample_design",
    "sample_design",
]

SAMPLE_KEYS = ("unit", "facilities_in_stratum", "seed")
"""Keys of the ``[sample]`` table."""
WEIGHT_TOLERANCE = 0.005
"""Relative difference allowed between a stratum's weights summed and its places (weights
are often written rounded: 20/3 as 6.67)."""

_SRC = "dataset.toml"


class SampleDesignError(ValueError):
    """A ``[sample]`` design that cannot be analysed (the validation report says why)."""


@dataclass(frozen=True)
class SampleDesign:
    """A stratified sample of places, as the dataset declares it.

    Attributes
    ----------
    places : DataFrame
        One row per visited place: ``facility_id``, ``stratum``, ``sample_weight`` and
        ``stratum_size`` (the places of its stratum, ``N_h``).
    not_visited : DataFrame
        The places listed in ``facilities`` but not visited (``facility_id``, ``stratum``).
    strata : dict of str to int
        ``facilities_in_stratum``.
    """

    places: pd.DataFrame
    not_visited: pd.DataFrame
    strata: dict[str, int]

    @property
    def df(self) -> int:
        """Degrees of freedom: places visited minus strata."""
        return len(self.places) - len(self.strata)

    def describe(self) -> str:
        """One line for caveats, e.g. ``12 of 75 places in 3 strata``."""
        return (f"{len(self.places)} of {sum(self.strata.values())} places in "
                f"{len(self.strata)} strata")


def _issue(message: str, rule: str, column: str | None = None, value: Any = None,
           table: str = _SRC, row: int | None = None, severity: str = "error") -> Issue:
    shown = None if value is None or isinstance(value, dict) else str(value)
    return Issue(severity, table, row, column, shown, rule, message)


def _strata_table(sample: dict) -> tuple[dict[str, int], list[Issue]]:
    """``facilities_in_stratum`` checked: stratum -> whole number of places, 1 or more."""
    issues = []
    for key in sample:
        if key not in SAMPLE_KEYS:
            issues.append(_issue(f"sample.{key} is not a key of [sample]; known: "
                                 f"{', '.join(SAMPLE_KEYS)}", "unknown_key", f"sample.{key}",
                                 severity="warning"))
    if sample.get("unit") != "facility":
        issues.append(_issue(
            f"sample.unit = {sample.get('unit')!r}: write unit = \"facility\" (places of "
            "detention are the units drawn; no other unit is supported)", "sample_unit",
            "sample.unit", sample.get("unit")))
    counts = sample.get("facilities_in_stratum")
    if not isinstance(counts, dict) or not counts:
        issues.append(_issue(
            "[sample] needs facilities_in_stratum = { stratum = places, ... }: the number of "
            "places of every stratum, visited or not (for the weights and the finite "
            "population correction)", "sample_strata", "sample.facilities_in_stratum"))
        return {}, issues
    strata = {}
    for h, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            issues.append(_issue(f"sample.facilities_in_stratum.{h} = {n!r}: write the number "
                                 "of places of the stratum, a whole number, 1 or more",
                                 "sample_strata", f"sample.facilities_in_stratum.{h}", n))
        else:
            strata[str(h)] = n
    return strata, issues


def _places(ds) -> pd.DataFrame:
    """The facilities with row, stratum and weight as numbers (NaN where not given)."""
    fac = ds.tables["facilities"]
    weight = fac["sample_weight"] if "sample_weight" in fac.columns else None
    stratum = fac["stratum"] if "stratum" in fac.columns else None
    return pd.DataFrame({
        "row": np.arange(len(fac)) + 2,
        "facility_id": fac["facility_id"].astype("string").to_numpy(),
        "stratum": (pd.Series(pd.NA, index=fac.index, dtype="string") if stratum is None
                    else stratum.astype("string")).to_numpy(),
        "sample_weight": (np.full(len(fac), np.nan) if weight is None
                          else pd.to_numeric(weight, errors="coerce").astype(float).to_numpy()),
    })


def _place_issues(ds, places: pd.DataFrame, strata: dict[str, int]) -> list[Issue]:
    """Visited places: a stratum of [sample]; a place holding records has a weight."""
    src = ds.source_name("facilities")
    issues = []
    visited = places["sample_weight"].notna().to_numpy()
    for r in places[visited].itertuples():
        if pd.isna(r.stratum):
            issues.append(_issue(f"visited place {r.facility_id!r} has no stratum: write the "
                                 "stratum it was drawn from", "missing_stratum", "stratum",
                                 None, src, r.row))
        elif r.stratum not in strata:
            issues.append(_issue(f"stratum {r.stratum!r} of place {r.facility_id!r} is not in "
                                 f"[sample] facilities_in_stratum ({', '.join(strata)})",
                                 "unknown_stratum", "stratum", r.stratum, src, r.row))
        if r.sample_weight <= 0:
            issues.append(_issue(f"sample_weight {r.sample_weight:g} of place "
                                 f"{r.facility_id!r} must be above 0", "invalid_weight",
                                 "sample_weight", r.sample_weight, src, r.row))
    if "detentions" in ds.tables:
        held = set(ds.tables["detentions"]["facility_id"].dropna().astype(str))
        for r in places[~visited & places["facility_id"].isin(held).to_numpy()].itertuples():
            issues.append(_issue(
                f"place {r.facility_id!r} has records in {ds.source_name('detentions')} but no "
                "sample_weight: every visited place needs its weight (the places of its "
                "stratum divided by the places visited there)", "missing_weight",
                "sample_weight", None, src, r.row))
    return issues


def _stratum_issues(ds, places: pd.DataFrame, strata: dict[str, int]) -> list[Issue]:
    """Per stratum: at least two places visited (or all), weights adding up to its places."""
    issues = []
    visited = places[places["sample_weight"].notna() & places["stratum"].notna()]
    listed = places[places["stratum"].notna()]["stratum"].value_counts()
    col = "sample.facilities_in_stratum"
    for h, big_n in strata.items():
        sel = visited[visited["stratum"] == h]
        n = len(sel)
        if n == 0:
            issues.append(_issue(
                f"stratum {h!r}: no place visited; the estimates would leave its {big_n} "
                "places out. Visit at least two, or merge it with a similar stratum (give "
                "its places that stratum's code and add their counts in "
                "facilities_in_stratum)", "stratum_not_visited", f"{col}.{h}", big_n))
            continue
        if n == 1 and big_n > 1:
            issues.append(_issue(
                f"stratum {h!r}: one place visited of {big_n}; a single place gives no "
                "estimate of the variance. Visit a second place, or collapse the stratum with "
                "a similar one: give its places the other stratum's code and add the two "
                "counts in facilities_in_stratum (e.g. police_towns = 20 and police_rural = "
                "40 become police = 60), then recompute the weights", "single_place_stratum",
                f"{col}.{h}", big_n))
        if n > big_n or listed.get(h, 0) > big_n:
            issues.append(_issue(
                f"stratum {h!r}: facilities lists {max(n, listed.get(h, 0))} places but "
                f"facilities_in_stratum says {big_n}", "stratum_count", f"{col}.{h}", big_n))
            continue
        total = float(sel["sample_weight"].sum())
        if abs(total - big_n) > WEIGHT_TOLERANCE * big_n:
            issues.append(_issue(
                f"stratum {h!r}: the weights of its {n} visited places add up to {total:g}, "
                f"not to its {big_n} places: with {n} of {big_n} places visited each weight "
                f"is {big_n}/{n} = {big_n / n:.6g}", "weights_contradict_counts", f"{col}.{h}",
                big_n))
        elif np.ptp(sel["sample_weight"].to_numpy()) > WEIGHT_TOLERANCE * big_n / n:
            issues.append(_issue(
                f"stratum {h!r}: the weights of its visited places differ; the variance "
                "assumes places drawn with equal chances within a stratum (weight "
                f"{big_n}/{n})", "unequal_weights", f"{col}.{h}", big_n, severity="warning"))
    return issues


def check_sample_design(ds) -> list[Issue]:
    """The problems of a dataset's sample design, as validation rows (none without
    ``[sample]``, except a warning for weights given without it).

    Errors: ``[sample]`` not a table or without ``unit = "facility"`` and
    ``facilities_in_stratum``; no facilities table; a visited place (one with a
    ``sample_weight``) without a stratum of ``[sample]`` or with a weight of 0 or less; a
    place holding records without a weight (``missing_weight``); a stratum with no place
    visited, or one place of several (``single_place_stratum``: collapse strata); more places
    listed than counted; weights of a stratum not adding up to its places
    (``weights_contradict_counts``). Warnings: unequal weights within a stratum, unknown keys.
    """
    meta = getattr(ds, "metadata", None) or {}
    sample = meta.get("sample")
    fac = ds.tables.get("facilities")
    if sample is None:
        if fac is not None and "sample_weight" in fac.columns and fac["sample_weight"].notna(
        ).any():
            return [_issue("facilities has sample_weight values but dataset.toml has no "
                           "[sample]: the dataset is read as a complete enumeration and the "
                           "weights are not used", "weights_without_sample", "sample",
                           severity="warning")]
        return []
    if not isinstance(sample, dict):
        return [_issue("[sample] must be a section: unit = \"facility\" and "
                       "facilities_in_stratum = { ... }", "invalid_value", "sample")]
    strata, issues = _strata_table(sample)
    if fac is None:
        return [*issues, _issue("a sample survey needs facilities.csv: the places (at least "
                                "the visited ones) with their stratum and sample_weight",
                                "missing_table", None, table="facilities.csv")]
    places = _places(ds)
    issues += _place_issues(ds, places, strata)
    if strata:
        issues += _stratum_issues(ds, places, strata)
    return issues


def sample_design(ds) -> SampleDesign | None:
    """The design of a sample survey, or None for a complete enumeration (no ``[sample]``).

    Raises
    ------
    SampleDesignError
        The design has errors (:func:`check_sample_design`); the message lists the first.
    """
    meta = getattr(ds, "metadata", None) or {}
    if meta.get("sample") is None:
        return None
    errors = [i for i in check_sample_design(ds) if i.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise SampleDesignError("the sample design cannot be analysed: "
                                + "; ".join(e.message for e in errors[:3]) + more)
    strata = {str(h): int(n) for h, n in meta["sample"]["facilities_in_stratum"].items()}
    places = _places(ds)
    visited = places["sample_weight"].notna().to_numpy()
    out = places[visited].drop(columns="row").reset_index(drop=True)
    out["stratum"] = out["stratum"].astype(str)
    out["stratum_size"] = out["stratum"].map(strata).astype(float)
    rest = places[~visited][["facility_id", "stratum"]].reset_index(drop=True)
    return SampleDesign(out, rest, strata)
