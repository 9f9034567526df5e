"""The ten cohort builders: which records make each indicator's numerator and denominator.

``COHORT_BUILDERS[spec.cohort]`` (``cohort`` in definitions.toml) is called with the
dataset's derived tables (:class:`~indicators.events.Events`), the indicator and the run's
parameters, and returns a :class:`~.cohort.Cohort`. Each builder's docstring says which
records enter, which are left out with which reason (in the order they are checked) and the
edge cases; the same rules are written for users in docs/indicators.md and docs/durations.md.

======================  ====================  ======================================
cohort                  indicators            builder
======================  ====================  ======================================
arrests                 JJ01                  :func:`.arrests.arrests_cohort`
census_children         JJ02, JJ03            :func:`.census.census_children_cohort`
periods                 JJ04, JJ05            :func:`.spells.periods_cohort`
deaths                  JJ06                  :func:`.deaths.deaths_cohort`
separation              JJ07                  :func:`.census.separation_cohort`
family_contact          JJ08                  :func:`.census.family_contact_cohort`
decisions               JJ09, JJ10            :func:`.decisions.decisions_cohort`
aftercare               JJ11                  :func:`.spells.aftercare_cohort`
inspected_facilities    JJ12b                 :func:`.facilities.inspected_facilities_cohort`
complaints_facilities   JJ13b                 :func:`.facilities.complaints_facilities_cohort`
======================  ====================  ======================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ..events import Events, get_events
from ..parameters import Parameters
from ..registry import IndicatorSpec, get_spec
from .arrests import arrests_cohort
from .census import census_children_cohort, family_contact_cohort, separation_cohort
from .cohort import Cohort
from .deaths import deaths_cohort
from .decisions import decisions_cohort
from .facilities import complaints_facilities_cohort, inspected_facilities_cohort
from .spells import aftercare_cohort, periods_cohort

__all__ = ["COHORT_BUILDERS", "build_cohort", "missing_tables", "resolve_parameters"]

COHORT_BUILDERS: dict[str, Callable[[Events, IndicatorSpec, Parameters], Cohort]] = {
    "arrests": arrests_cohort,
    "census_children": census_children_cohort,
    "periods": periods_cohort,
    "deaths": deaths_cohort,
    "separation": separation_cohort,
    "family_contact": family_contact_cohort,
    "decisions": decisions_cohort,
    "aftercare": aftercare_cohort,
    "inspected_facilities": inspected_facilities_cohort,
    "complaints_facilities": complaints_facilities_cohort,
}
"""Which records make each indicator's numerator and denominator (keyed by ``spec.cohort``)."""


def resolve_parameters(ds, parameters: Parameters | None = None, **overrides: Any) -> Parameters:
    """The parameters of a run on one dataset: defaults < dataset.toml < ``parameters`` and
    ``overrides``, the census day resolved and checked.

    Parameters
    ----------
    ds : Dataset
    parameters : Parameters, optional
        Built once for the run (e.g. from the command line).
    **overrides
        Keyword values (``count_unit="child"``...); None means "not given".

    Returns
    -------
    Parameters

    Raises
    ------
    ParameterError
        An unknown name, a value not allowed, or a census day outside P.
    """
    return (parameters or Parameters()).replace(**overrides).for_dataset(ds)


def missing_tables(spec: IndicatorSpec, ds) -> list[str]:
    """The tables an indicator needs that the dataset does not have."""
    return [t for t in spec.tables if t not in ds.tables]


def build_cohort(
    ds, spec: IndicatorSpec | str, parameters: Parameters | None = None, **overrides: Any
) -> Cohort:
    """The cohort (records behind numerator and denominator) of one indicator.

    Parameters
    ----------
    ds : Dataset
    spec : IndicatorSpec or str
        The indicator, or its id (``"JJ08"``).
    parameters : Parameters, optional
    **overrides
        As in :func:`resolve_parameters`.

    Returns
    -------
    Cohort

    Raises
    ------
    ValueError
        For a policy indicator, or when a table the indicator needs is missing.
    """
    spec = get_spec(spec) if isinstance(spec, str) else spec
    params = resolve_parameters(ds, parameters, **overrides)
    if spec.kind == "policy":
        raise ValueError(f"{spec.id} is a policy indicator: it has no records")
    missing = missing_tables(spec, ds)
    if missing:
        raise ValueError(
            f"{spec.id} is not available: the dataset has no {', '.join(missing)} table"
        )
    ev = get_events(ds, pd.Timestamp(params.census_date))
    return COHORT_BUILDERS[spec.cohort](ev, spec, params)
