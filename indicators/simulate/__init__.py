"""Synthetic juvenile-justice records for samples, tests, training and benchmarks.

The simulator follows children through the justice system (a model of pathways, not independent
random columns); its parameters are the country profiles in ``indicators/profiles.toml``. Read
the modules in this order:

- :mod:`~indicators.simulate.profiles`: profiles.toml and the parameters of a profile for a year;
- :mod:`~indicators.simulate.model`: the pathway model (arrests, decisions, stays), one step per
  stage, and its description; :mod:`~indicators.simulate.pathways`: what the steps hand on;
- :mod:`~indicators.simulate.frames`: the tables built from the model's pathways, and
  :mod:`~indicators.simulate.places`: areas, facilities, inspections;
- :mod:`~indicators.simulate.generate`: :func:`simulate_frames` (the model in chunks, then the
  tables) and :func:`simulate`;
- :mod:`~indicators.simulate.writing`: dataset.toml, CSV/Parquet files, the shipped samples.

``arrays`` (categorical draws, day numbers, groups) and ``columns`` (Arrow text columns) are
helpers.

Examples
--------
>>> from indicators.simulate import simulate_frames, write_dataset
>>> data = simulate_frames("northland", 500, seed=1, period=2024)   # doctest: +SKIP
>>> write_dataset(data, "out/XAA/2024")                             # doctest: +SKIP
"""

from __future__ import annotations

from .frames import SimulatedData
from .generate import simulate, simulate_frames
from .profiles import PROFILES_FILE, list_profiles, load_profiles, profile_parameters
from .writing import write_dataset, write_samples

__all__ = [
    "PROFILES_FILE",
    "SimulatedData",
    "list_profiles",
    "load_profiles",
    "profile_parameters",
    "simulate",
    "simulate_frames",
    "write_dataset",
    "write_samples",
]
