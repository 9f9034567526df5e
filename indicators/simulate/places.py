"""Places and areas: sub-national areas, the facilities, their inspections, and the facility
of each episode.

Facilities come from streams of their own, derived from the seed, the profile and the type
only (not the year), so that a facility keeps its attributes from one year to the next; the
children's areas from a stream of the seed, the profile and the period. Inspections and the
facility of each episode are drawn from the tables' stream (see
:func:`indicators.simulate.frames.build_frames` for the order).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ..codes import FACILITY_TYPE
from . import columns as tx
from .arrays import cdf, day, pick_by_year
from .model import Model

__all__ = [
    "Areas", "Facilities", "assign_facilities", "draw_areas", "draw_facilities",
    "facilities_frame", "inspections_frame",
]

_FAC_PREFIX = {
    "police": "POL",
    "pretrial": "PRE",
    "juvenile_institution": "JUV",
    "adult_prison": "ADP",
    "closed_welfare": "CWF",
    "other": "OTH",
}


@dataclass
class Areas:
    """Sub-national areas: names, population shares and each kept child's area (or None)."""

    names: pa.Array
    share: np.ndarray | None
    child_area: np.ndarray | None

    @property
    def n(self) -> int:
        """Number of areas (0: the profile has none)."""
        return len(self.names)


@dataclass
class Facilities:
    """Per facility: type name, ``facility_id``, size weight, separation of children from
    adults, complaints mechanism (and whether it is missing), area index (or None)."""

    type: np.ndarray
    ids: pa.Array
    weight: np.ndarray
    separated: np.ndarray
    complaints: np.ndarray
    complaints_missing: np.ndarray
    area: np.ndarray | None


# --------------------------------------------------------------------------- draws and tables


def draw_areas(model: Model, seed: int, n_kept: int) -> Areas:
    """The profile's areas and each kept child's area (none when the profile has no areas).

    A child's area is drawn in proportion to ``areas.population_shares`` x
    ``areas.arrest_rate_factor``, from a stream of its own (seed, profile, period).
    """
    cur = model.cur
    areas = cur.get("areas") or {}
    names = pa.array(list(areas.get("names", [])), pa.string())
    if not len(names):
        return Areas(names, None, None)
    arng = np.random.default_rng(
        [seed, zlib.crc32(cur["name"].encode("utf-8")), model.period, 0xA4EA]
    )
    share = np.asarray(areas["population_shares"], dtype=float)
    share = share / share.sum()
    area_w = share * np.asarray(areas["arrest_rate_factor"], dtype=float)
    child_area = pick_by_year(arng, cdf(area_w)[None, :], np.zeros(n_kept, np.int64))
    return Areas(names, share, child_area)


def draw_facilities(model: Model, seed: int, pop_total: float, areas: Areas) -> Facilities:
    """The facilities of every type the profile uses (police cells always).

    ``facilities.per_million_children`` of each type (at least one; with areas, at least one
    police station per area). A facility's attributes come from streams of the profile, the
    seed and the type only (not the year), so that facility XXX007 keeps its size (lognormal
    weight), separation (``separated``), complaints mechanism
    (``facilities.complaints_mechanism``, missing with chance
    ``missing.complaints_mechanism``) from one year to the next: the first n draws of a stream
    do not depend on n. With areas, each type's facilities are spread over the areas in
    proportion to their population.
    """
    cur, n_areas = model.cur, areas.n
    miss = cur["missing"]
    used_types = {"police"}
    for p in model.yp.pars:
        for key in (("pre_sentence", "placement"), ("sentence", "placement"),
                    ("sentence", "mid_transfer_placement")):
            used_types |= {k for k, v in p[key[0]][key[1]].items() if float(v) > 0}
    fac = cur["facilities"]
    f_type, f_id, f_w, f_sep, f_cm, f_cm_missing = [], [], [], [], [], []
    for ti, ft in enumerate(FACILITY_TYPE):
        if ft not in used_types:
            continue
        n = max(1, round(pop_total / 1e6 * float(fac["per_million_children"].get(ft, 1))))
        if ft == "police":
            n = max(n, n_areas)  # a police station in every area
        streams = [
            np.random.default_rng([seed, zlib.crc32(cur["name"].encode("utf-8")), 0xFAC, ti, a])
            for a in range(4)
        ]
        f_type += [ft] * n
        f_id += [f"{_FAC_PREFIX[ft]}{i + 1:03d}" for i in range(n)]
        f_w.append(streams[0].lognormal(0, 0.6, n))
        f_sep.append(streams[1].random(n) < float(cur["separated"].get(ft, 1.0)))
        f_cm.append(streams[2].random(n) < float(fac["complaints_mechanism"].get(ft, 0.5)))
        f_cm_missing.append(streams[3].random(n) < float(miss["complaints_mechanism"]))
    f_type = np.asarray(f_type, dtype=object)
    f_area = None
    if n_areas:
        f_area = np.zeros(len(f_id), dtype=np.int64)
        for ft in np.unique(f_type):
            sel = np.flatnonzero(f_type == ft)
            pos = (np.arange(sel.size) + 0.5) / sel.size
            f_area[sel] = np.minimum(
                np.searchsorted(np.cumsum(areas.share), pos), n_areas - 1
            )
    return Facilities(
        f_type, pa.array(f_id, pa.string()), np.concatenate(f_w), np.concatenate(f_sep),
        np.concatenate(f_cm), np.concatenate(f_cm_missing), f_area,
    )


def facilities_frame(fac: Facilities, areas: Areas) -> pd.DataFrame:
    """The facilities table (no draws)."""
    facilities = pd.DataFrame(
        {
            "facility_id": tx.col(fac.ids),
            "facility_type": tx.col(pa.array(fac.type, pa.string())),
            "complaints_mechanism": tx.bool_text(fac.complaints, fac.complaints_missing),
        }
    )
    if areas.n:
        facilities["area"] = tx.take(areas.names, fac.area)
    return facilities


def inspections_frame(rng, model: Model, fac: Facilities) -> pd.DataFrame:
    """The inspections table: the year before P and P, none after P's end.

    Draws, per year and facility, in order: independently inspected with chance
    ``facilities.independent_inspection`` of its type, then 1 + Poisson(0.3) inspections; a
    Poisson number of internal inspections of mean
    ``facilities.internal_inspections_per_year``; the day of each independent, then of each
    internal inspection, uniform in the year. Two inspections of a facility on one day are
    one (independent if either is).
    """
    spec = model.cur["facilities"]
    n_f = len(fac.ids)
    rows_f, rows_d, rows_i = [], [], []
    for y in (model.period - 1, model.period):
        y0 = day(f"{y}-01-01")
        ylen = day(f"{y}-12-31") - y0 + 1
        p_ind = np.array([float(spec["independent_inspection"].get(ft, 0.5)) for ft in fac.type])
        n_ind = (rng.random(n_f) < p_ind) * (1 + rng.poisson(0.3, n_f))
        n_int = rng.poisson(float(spec["internal_inspections_per_year"]), n_f)
        for n, flag in ((n_ind, True), (n_int, False)):
            fi = np.repeat(np.arange(n_f), n)
            rows_f.append(fi)
            rows_d.append(y0 + rng.integers(0, ylen, fi.size))
            rows_i.append(np.full(fi.size, flag))
    i_f, i_d, i_i = (np.concatenate(x) for x in (rows_f, rows_d, rows_i))
    o = np.lexsort((~i_i, i_d, i_f))
    i_f, i_d, i_i = i_f[o], i_d[o], i_i[o]
    dup = np.zeros(i_f.size, dtype=bool)
    dup[1:] = (i_f[1:] == i_f[:-1]) & (i_d[1:] == i_d[:-1])
    i_f, i_d, i_i = i_f[~dup], i_d[~dup], i_i[~dup]
    return pd.DataFrame(
        {
            "facility_id": tx.take(fac.ids, i_f),
            "inspection_date": tx.iso(i_d),
            "independent": tx.bool_text(i_i),
        }
    )


def assign_facilities(
    rng, ftype: np.ndarray, child: np.ndarray, spell_first: np.ndarray, fac: Facilities,
    areas: Areas,
) -> np.ndarray:
    """The facility of each episode (index into the facilities).

    Parameters
    ----------
    rng : numpy.random.Generator
        The tables' stream.
    ftype, child, spell_first : ndarray
        Per episode, sorted by spell: facility type index, kept child, first of its spell.
    fac : Facilities
    areas : Areas

    Returns
    -------
    ndarray of int

    Notes
    -----
    Draws, per facility type in code order, one uniform number per episode of that type: a
    facility of the type, weighted by size (police cells: in the child's own area). An
    episode after a transfer to the same place goes to the next facility of its type instead.
    """
    n_areas, n_e = areas.n, ftype.size
    fac_of = np.empty(n_e, dtype=np.int64)
    for ft in np.unique(ftype):
        name = FACILITY_TYPE[ft]
        cand = np.flatnonzero(fac.type == name)
        sel = np.flatnonzero(ftype == ft)
        u = rng.random(sel.size)
        if n_areas and name == "police":
            # police cells are in the child's own area
            for ai in range(n_areas):
                cand_a = cand[fac.area[cand] == ai]
                sub = areas.child_area[child[sel]] == ai
                w = fac.weight[cand_a] / fac.weight[cand_a].sum()
                pos = np.searchsorted(np.cumsum(w), u[sub])
                fac_of[sel[sub]] = cand_a[np.minimum(pos, cand_a.size - 1)]
            continue
        w = fac.weight[cand] / fac.weight[cand].sum()
        pos = np.searchsorted(np.cumsum(w), u)
        fac_of[sel] = cand[np.minimum(pos, cand.size - 1)]
    same = np.zeros(n_e, dtype=bool)
    same[1:] = (~spell_first[1:]) & (fac_of[1:] == fac_of[:-1])
    if same.any():
        for ft in np.unique(ftype[same]):
            cand = np.flatnonzero(fac.type == FACILITY_TYPE[ft])
            if cand.size > 1:
                sel = np.flatnonzero(same & (ftype == ft))
                pos = np.searchsorted(cand, fac_of[sel])
                fac_of[sel] = cand[(pos + 1) % cand.size]
    return fac_of
