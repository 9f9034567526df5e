"""Simulating a dataset: the model run in chunks until enough children are kept, then the
tables.

Every random stream derives from (seed, profile, period): a pilot stream, the main stream of
the model (one child stream per further chunk) and the tables' stream. The same arguments give
the same frames.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from .frames import SimulatedData, build_frames
from .model import Model
from .pathways import Pathways, concat_runs
from .profiles import load_profiles

__all__ = ["simulate", "simulate_frames"]

_CHUNK = 250_000  # candidate children simulated at once (bounds the memory of big datasets)
_PILOT = 20_000  # candidate children of the pilot run


def _seed_sequence(profile: str, period: int, seed: int) -> np.random.SeedSequence:
    """The root of every stream of one dataset."""
    return np.random.SeedSequence([int(seed), zlib.crc32(profile.encode("utf-8")), int(period)])


def _count_kept(res: Pathways) -> tuple[np.ndarray, int]:
    """Per candidate child: has a kept case; and how many do."""
    kept_child = np.zeros(res.m, dtype=bool)
    kept_child[res.child[res.case]] = True
    return kept_child, int(kept_child.sum())


def _run_chunks(
    model: Model, children: int, main_ss: np.random.SeedSequence, frac: float
) -> Pathways:
    """Run the model in chunks until at least ``children`` children are kept.

    The first chunk is sized from the pilot's kept fraction ``frac`` (with a margin), the
    next ones from what is still missing; no chunk is larger than ``_CHUNK`` candidates. The
    first chunk draws from ``main_ss``, chunk k from its k-th child stream.
    """
    m_est = int(np.ceil(children / frac * 1.06)) + 50
    chunks, n_kept = [], 0
    while n_kept < children:
        need = children - n_kept
        size = min(_CHUNK, m_est if not chunks else int(np.ceil(need / frac * 1.1)) + 100)
        chunk_ss = main_ss if not chunks else np.random.SeedSequence(
            main_ss.entropy, spawn_key=(*main_ss.spawn_key, len(chunks))
        )
        res = model.run(np.random.default_rng(chunk_ss), size)
        chunks.append(res)
        n_kept += _count_kept(res)[1]
    return concat_runs(chunks) if len(chunks) > 1 else chunks[0]


def simulate_frames(
    profile: str,
    children: int,
    seed: int = 1,
    period: int = 2024,
    *,
    profiles: dict[str, Any] | None = None,
) -> SimulatedData:
    """Simulate one dataset and return it as dataset.toml metadata and text frames.

    Parameters
    ----------
    profile : str
        A profile name of ``profiles.toml`` (see :func:`list_profiles`).
    children : int
        Rows of the children table (children with at least one record). The child population is
        scaled so that the arrest rate is the profile's.
    seed : int
        Random seed; the same arguments give the same frames.
    period : int
        Calendar year of the reference period.
    profiles : dict, optional
        Profiles as returned by :func:`load_profiles` (default: the package's file).

    Returns
    -------
    SimulatedData

    Raises
    ------
    ValueError
        When ``children`` is less than 1.
    KeyError
        When the profile does not exist.

    Notes
    -----
    A pilot run estimates how many candidate children give ``children`` kept children; the
    candidates are then simulated in chunks (bounded memory), each from its own stream, until
    enough children are kept. The first ``children`` kept children (in candidate order) make
    the dataset.
    """
    if children < 1:
        raise ValueError("children must be 1 or more")
    profiles = profiles or load_profiles()
    model = Model(profile, period, profiles)
    pilot_ss, main_ss, extra_ss = _seed_sequence(profile, period, seed).spawn(3)
    pilot = model.run(np.random.default_rng(pilot_ss), _PILOT)
    _, pilot_kept = _count_kept(pilot)
    frac = max(pilot_kept, 1) / _PILOT
    res = _run_chunks(model, children, main_ss, frac)
    kept_child, _ = _count_kept(res)
    last_child = np.flatnonzero(kept_child)[children - 1]
    used = np.arange(res.m) <= last_child
    kept_child &= used
    return build_frames(model, res, kept_child, np.random.default_rng(extra_ss), seed, children)


def simulate(
    profile: str,
    children: int,
    seed: int = 1,
    period: int = 2024,
    *,
    profiles: dict[str, Any] | None = None,
):
    """Simulate one synthetic dataset in the record format.

    Parameters
    ----------
    profile : str
        Profile name in ``profiles.toml`` (``list_profiles()`` shows them).
    children : int
        Number of children with records (rows of the children table).
    seed : int
        Random seed: the same arguments give the same dataset.
    period : int
        Calendar year of the reference period.
    profiles : dict, optional
        Profiles as returned by :func:`load_profiles` (default: the package's file).

    Returns
    -------
    Dataset
        Typed as :func:`indicators.read_dataset` would return after writing and reading
        the files; ``metadata`` holds the dataset.toml keys (including ``region``, ``source``).

    Examples
    --------
    >>> ds = simulate("northland", children=500, seed=1, period=2024)   # doctest: +SKIP
    """
    from ..dataset import Dataset

    sim = simulate_frames(profile, children, seed, period, profiles=profiles)
    return Dataset.from_frames(sim.metadata, sim.frames)
