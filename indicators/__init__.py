"""jj-indicators: the 15 UNICEF/UNODC juvenile justice indicators from individual records.

The public API (everything a notebook needs)::

    import indicators as jj
    ds = jj.read_dataset("data/samples/XAA/2024")
    report = jj.validate_dataset(ds)
    results = jj.compute_indicators(ds)
    jj.explain(ds, "JJ03", group="M")
    ds = jj.read_dataset("exports/mapping.toml")      # a ministry's own exports (ingest.md)

Names are imported lazily so that ``jj-indicators --help`` starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "Dataset": "dataset",
    "DatasetError": "dataset",
    "read_dataset": "ingest",
    "ValidationReport": "validation",
    "validate_dataset": "validation",
    "IndicatorSpec": "registry",
    "load_definitions": "registry",
    "compute_indicators": "compute",
    "explain": "compute",
    "IndicatorResults": "compute",
    "combine_results": "compute",
    "Explanation": "compute",
    "load_reference": "reference",
    "write_country_report": "report",
    "write_comparison": "report",
    "write_outputs": "outputs",
    "simulate": None,
    "ingest": None,
    "from_counts": "counts",
    "apply_disclosure": "disclosure",
    "charts": None,
    "stats": None,
}

__all__ = [*sorted(_API), "__version__"]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'indicators' has no attribute {name!r}")
    module = _API[name]
    if module is None:
        return importlib.import_module(f".{name}", __name__)
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return __all__
