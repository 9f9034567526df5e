"""dataset.toml: the country, the reference period, the census day, the policy answers and the
parameters, turned into the fields of a :class:`~indicators.dataset.Dataset`.

Reading keeps what it can and reports the rest: a date that is not a date is an error issue
here; the other keys and values are checked by validation. See "dataset.toml" in the user
documentation (``docs/records.md#dataset-toml``).
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from ..dataset import Dataset
from ..issues import Issue
from ..parameters import Parameters
from ..registry import policy_keys
from .cells import short

__all__ = ["MAX_TOML_BYTES", "dataset_from_metadata", "read_toml"]

MAX_TOML_BYTES = 1024**2
"""Largest accepted dataset.toml (1 MiB: it holds a few lines)."""


def read_toml(path: Path, issues: list[Issue]) -> tuple[dict[str, Any], bool]:
    """dataset.toml as a dict; (``{}``, False) with an error issue when it cannot be read."""
    if path.stat().st_size > MAX_TOML_BYTES:
        issues.append(Issue("error", "dataset.toml", None, None, None, "file_too_large",
                            "dataset.toml is larger than 1 MiB: it should hold a few lines"))
        return {}, False
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig")), True
    except UnicodeDecodeError:
        msg = "it is not UTF-8 text; save it as UTF-8"
    except tomllib.TOMLDecodeError as exc:
        msg = f"{exc}. Dates are written without quotes (period_start = 2024-01-01), text " \
              "within quotes (country = \"ATL\")"
    except ValueError as exc:
        msg = str(exc)
    issues.append(Issue("error", "dataset.toml", None, None, None, "invalid_toml",
                        f"dataset.toml cannot be read: {msg}"))
    return {}, False


def _as_timestamp(
    value: Any, key: str, issues: list[Issue], source: str = "dataset.toml"
) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(_dt.date.fromisoformat(str(value).strip()))
    except ValueError:
        issues.append(Issue("error", source, None, key, short(str(value)), "invalid_date",
                            f"{key} = {value!r} is not a date written YYYY-MM-DD"))
        return None


def dataset_from_metadata(
    meta: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    issues: list[Issue],
    source: str = "dataset.toml",
    check_keys: bool = True,
) -> Dataset:
    """A Dataset of typed ``tables`` with the fields that the metadata ``meta`` gives.

    ``source`` names the metadata in messages (``dataset.toml`` or ``workbook.xlsx[dataset]``);
    ``check_keys=False`` when it could not be read (its keys are then not reported missing).
    The census day defaults to ``period_end``; a policy answer that is not true or false, and a
    parameter not allowed, are left out (validation reports them).
    """
    start = _as_timestamp(meta.get("period_start"), "period_start", issues, source)
    end = _as_timestamp(meta.get("period_end"), "period_end", issues, source)
    census = _as_timestamp(meta.get("census_date"), "census_date", issues, source) or end
    if check_keys:
        for key in ("period_start", "period_end"):
            if key not in meta:
                issues.append(Issue("error", source, None, key, None, "missing_key",
                                    f"{source} has no {key}; write e.g. {key} = 2024-01-01"))
    policy_in = meta.get("policy") or {}
    policy = {}
    for key in policy_keys():
        val = policy_in.get(key) if isinstance(policy_in, dict) else None
        policy[key] = val if isinstance(val, bool) else None
    params = Parameters.from_table(meta.get("parameters"))
    mcr = meta.get("minimum_age_criminal_responsibility")
    name = meta.get("country_name")
    return Dataset(
        country=str(meta.get("country", "")),
        country_name=name if isinstance(name, str) else None,
        period_start=start if start is not None else pd.NaT,
        period_end=end if end is not None else pd.NaT,
        census_date=census if census is not None else pd.NaT,
        minimum_age_criminal_responsibility=(
            mcr if isinstance(mcr, int) and not isinstance(mcr, bool) else None
        ),
        policy=policy,
        parameters=params,
        metadata=dict(meta),
        tables=tables,
        issues=issues,
        metadata_source=source,
    )
