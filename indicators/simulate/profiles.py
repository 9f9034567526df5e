"""The country profiles: ``profiles.toml`` and the parameters of a profile for one year.

``indicators/profiles.toml`` is a commented data file a trainer can edit without reading the
code. It has three tables: ``[simulation]`` (the window and the samples), ``[defaults]`` (every
parameter) and ``[profiles.NAME]`` (what a country changes, with ``[profiles.NAME.years.YEAR]``
for a reform that holds from that year on).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PROFILES_FILE = Path(__file__).parent.parent / "profiles.toml"
"""The package's profiles file."""


def load_profiles(path: str | Path | None = None) -> dict[str, Any]:
    """Read a profiles file (default: the package's ``profiles.toml``).

    Parameters
    ----------
    path : path, optional
        A profiles file; default :data:`PROFILES_FILE`.

    Returns
    -------
    dict
        With keys ``simulation``, ``defaults`` and ``profiles`` (name -> table).

    Raises
    ------
    ValueError
        When one of the three tables is missing.
    """
    path = Path(path) if path is not None else PROFILES_FILE
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    for key in ("simulation", "defaults", "profiles"):
        if key not in data:
            raise ValueError(f"{path.name} has no [{key}] table")
    return data


def _merge(base: dict, over: dict) -> dict:
    """``base`` updated by ``over``, table by table (neither is changed)."""
    out = copy.deepcopy(base)
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def profile_parameters(
    profile: str, year: int, profiles: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The parameters of a profile for one year.

    The defaults, then the profile, then the profile's ``years`` tables of that year and
    earlier (a change holds from its year on).

    Parameters
    ----------
    profile : str
        A profile name (see :func:`list_profiles`).
    year : int
        The calendar year.
    profiles : dict, optional
        Profiles as returned by :func:`load_profiles` (default: the package's file).

    Returns
    -------
    dict
        Every parameter of ``[defaults]``, as the profile sets it for ``year``, and ``name``.

    Raises
    ------
    KeyError
        When the profile does not exist (the message lists the known ones).
    """
    profiles = profiles or load_profiles()
    table = profiles["profiles"].get(profile)
    if table is None:
        known = ", ".join(sorted(profiles["profiles"]))
        raise KeyError(f"unknown profile {profile!r}; known profiles: {known}")
    own = {k: v for k, v in table.items() if k != "years"}
    pars = _merge(profiles["defaults"], own)
    # [profiles.NAME.years.YEAR] holds from that year on (a reform stays), in year order
    for from_year in sorted(table.get("years", {}), key=int):
        if int(from_year) <= year:
            pars = _merge(pars, table["years"][from_year])
    pars["name"] = profile
    return pars


def list_profiles(profiles: dict[str, Any] | None = None) -> pd.DataFrame:
    """The profiles, one row each.

    Parameters
    ----------
    profiles : dict, optional
        Profiles as returned by :func:`load_profiles` (default: the package's file).

    Returns
    -------
    DataFrame
        Columns ``profile``, ``code``, ``country_name``, ``region``, ``sample_children`` and
        ``description``.
    """
    profiles = profiles or load_profiles()
    rows = []
    for name, table in profiles["profiles"].items():
        rows.append(
            {
                "profile": name,
                "code": table["code"],
                "country_name": table["country_name"],
                "region": table["region"],
                "sample_children": table.get("sample_children"),
                "description": table.get("description", ""),
            }
        )
    return pd.DataFrame(rows)


class YearPars:
    """Parameters of the window's years as arrays indexed by year (for per-arrest lookups).

    Parameters
    ----------
    pars : list of dict
        :func:`profile_parameters` of each year of the window, oldest first.
    """

    def __init__(self, pars: list[dict[str, Any]]):
        self.pars = pars

    def scalar(self, *path: str) -> np.ndarray:
        """The number at ``path`` (e.g. ``"court", "delay_days_median"``) for each year."""
        out = []
        for p in self.pars:
            v = p
            for k in path:
                v = v[k]
            out.append(float(v))
        return np.asarray(out)

    def weights(self, categories, *path: str, default: float = 0.0) -> np.ndarray:
        """Matrix years x categories of the (un-normalised) weights found at ``path``."""
        rows = []
        for p in self.pars:
            v = p
            for k in path:
                v = v[k]
            rows.append([float(v.get(c, default)) for c in categories])
        return np.asarray(rows)
