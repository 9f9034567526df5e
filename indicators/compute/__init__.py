"""The indicator engine: every indicator of ``definitions.toml`` from a dataset's records.

Two declarative steps per indicator, no per-indicator branching:

1. a **cohort builder** (``COHORT_BUILDERS[spec.cohort]``) selects the records behind the
   numerator and the denominator, with each record's groups (sex, age group on the age
   reference day, offence, facility type, legal status, area) and, for every table it reads,
   the reason each record was used or left out;
2. a **kind function** (``KIND_FUNCTIONS[spec.kind]``: rate, percentage, duration, policy)
   counts the cohort in every group of every disaggregation and attaches the interval and the
   flags.

The modules, from the top (each imports only those below it; the second layers contract of
pyproject.toml checks it)::

    explain       the records behind one cell
    results       compute_indicators, IndicatorResults, combine_results
    schemas | reconcile | kinds
                  the result frames' contracts | reconciliation.csv (every record read,
                  used or left out by reason) | rate, percentage, duration, policy
    cohorts       COHORT_BUILDERS (the table of the ten builders), build_cohort
    deaths        JJ06: the deaths and the three denominators (average daily population...)
    arrests | census | decisions | facilities | spells
                  the other cohort builders (JJ01 | JJ02, JJ03, JJ07, JJ08 | JJ09, JJ10 |
                  JJ12b, JJ13b | JJ04, JJ05, JJ11)
    cohort        Cohort, reasons, look-back windows, counting a cohort in groups

Flags written in the ``flags`` column (joined by ``;``): ``not_available`` (a table the
indicator needs is missing, or a policy answer was not given), ``small_numerator``,
``small_denominator``, ``no_population`` (a population-based rate without a population for
the group). See docs/outputs.md#flags.

References
----------
UNICEF/UNODC, *Manual for the Measurement of Juvenile Justice Indicators*, 2006. The counting
rules of every indicator: docs/indicators.md (and docs/durations.md for JJ04, JJ05, JJ06);
the output frames: docs/outputs.md.
"""

from __future__ import annotations

from ..registry import DURATION_COLUMNS, EXTRA_COLUMNS, RECONCILIATION_COLUMNS, RESULT_COLUMNS
from .cohort import GROUP_CODES, Cohort
from .cohorts import COHORT_BUILDERS, build_cohort, resolve_parameters
from .explain import Explanation, explain
from .kinds import KIND_FUNCTIONS
from .results import IndicatorResults, combine_results, compute_indicators
from .schemas import (
    FLAGS,
    DurationsSchema,
    ReconciliationSchema,
    ResultSchema,
    ResultSchemaError,
)

__all__ = [
    "COHORT_BUILDERS",
    "DURATION_COLUMNS",
    "EXTRA_COLUMNS",
    "FLAGS",
    "GROUP_CODES",
    "KIND_FUNCTIONS",
    "RECONCILIATION_COLUMNS",
    "RESULT_COLUMNS",
    "Cohort",
    "DurationsSchema",
    "Explanation",
    "IndicatorResults",
    "ReconciliationSchema",
    "ResultSchema",
    "ResultSchemaError",
    "build_cohort",
    "combine_results",
    "compute_indicators",
    "explain",
    "resolve_parameters",
]
