"""The tables of a simulated dataset, built from the model's pathways.

:func:`build_frames` turns the :class:`~indicators.simulate.pathways.Pathways` of the kept
children into one text frame per table, as the files hold them. On the way it draws what the
model leaves to the tables (steps 4 to 6 of the model in :mod:`indicators.simulate.model`):
missing values, offence dates, sub-national areas, the facilities and their inspections, the
facility of each episode, separation and aftercare, and family visits.

The table builders run in a fixed order, each drawing from the same random generator: keep
that order, or every dataset changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..codes import DECISION, END_REASON, OFFENCE_CATEGORY
from ..registry import policy_keys
from . import columns as tx
from .arrays import age, group_end, group_start
from .model import FT, POLICE, Model
from .pathways import Pathways
from .places import (
    Areas,
    Facilities,
    assign_facilities,
    draw_areas,
    draw_facilities,
    facilities_frame,
    inspections_frame,
)

__all__ = ["SimulatedData", "build_frames"]

_JUV = FT["juvenile_institution"]
_CWF = FT["closed_welfare"]


@dataclass
class SimulatedData:
    """A simulated dataset as ``dataset.toml`` metadata and text frames, as files hold them.

    Attributes
    ----------
    metadata : dict
        The keys of dataset.toml (country, country_name, region, source, period_start,
        period_end, census_date, minimum_age_criminal_responsibility, policy).
    frames : dict of DataFrame
        One frame per table; every cell is text (ISO dates, ``true``/``false``) or None.
    """

    metadata: dict[str, Any]
    frames: dict[str, pd.DataFrame]


# --------------------------------------------------------------------------- what builders share


@dataclass
class _Kept:
    """The kept children: candidate index of each, new index of each candidate (-1: not kept)
    and their ``child_id`` values."""

    cidx: np.ndarray
    new_id: np.ndarray
    child_ids: pa.Array


@dataclass
class _Stays:
    """The episodes of kept cases that start by the end of P, sorted by spell.

    ``ev`` as ``Pathways.ep``; per episode: spell, end reason, new child index, year index of
    its arrest, still open at the end of P, sentence day known; per episode the masks of the
    spell's first and last episode, and the spell's running number ``sp_no``.
    """

    ev: dict[str, np.ndarray]
    spell: np.ndarray
    reason: np.ndarray
    child: np.ndarray
    yi: np.ndarray
    open_: np.ndarray
    has_sent: np.ndarray
    first: np.ndarray
    last: np.ndarray
    sp_no: np.ndarray

    @property
    def n(self) -> int:
        """Number of episodes."""
        return self.spell.size


# --------------------------------------------------------------------------- the tables


def build_frames(
    model: Model, res: Pathways, kept_child: np.ndarray, rng: np.random.Generator, seed: int,
    n_children: int,
) -> SimulatedData:
    """The dataset of the kept children of a model run.

    Parameters
    ----------
    model : Model
        The model that made ``res``.
    res : Pathways
        The candidate children and their pathways.
    kept_child : ndarray of bool
        Per candidate child: in the dataset.
    rng : numpy.random.Generator
        The stream of the tables' draws (missing values, facilities' use, visits...).
    seed : int
        The run's seed (facility and area streams are derived from it).
    n_children : int
        The number of children asked for (written in ``source``).

    Returns
    -------
    SimulatedData
    """
    cur = model.cur
    kept = _kept_children(res, kept_child)
    children = _children_frame(rng, cur, res, kept)
    areas = draw_areas(model, seed, kept.cidx.size)
    a_keep = res.case & kept_child[res.child]
    arrests, n_p = _arrests_frame(rng, model, res, a_keep, kept, areas)
    dispositions = _dispositions_frame(rng, cur, res, a_keep, kept)
    pop_total = _population_total(rng, model, n_p, n_children)
    fac = draw_facilities(model, seed, pop_total, areas)
    facilities = facilities_frame(fac, areas)
    inspections = inspections_frame(rng, model, fac)
    stays = _stays_in_period(model, res, a_keep, kept)
    fac_of = assign_facilities(rng, stays.ev["ftype"], stays.child, stays.first, fac, areas)
    detentions = _detentions_frame(rng, model, stays, fac, fac_of, kept)
    family_visits = _visits_frame(rng, model, stays, kept)
    population = _population(
        cur, model.period, pop_total, areas.names.to_pylist() if areas.n else None,
        areas.share if areas.n else None,
    )
    frames = {
        "children": children,
        "population": population,
        "arrests": arrests,
        "detentions": detentions,
        "dispositions": dispositions,
        "family_visits": family_visits,
        "facilities": facilities,
        "inspections": inspections,
    }
    return SimulatedData(_metadata(model, seed, n_children), frames)


def _kept_children(res: Pathways, kept_child: np.ndarray) -> _Kept:
    """Number the kept children in candidate order (``C000001``, ...)."""
    cidx = np.flatnonzero(kept_child)
    new_id = np.full(res.m, -1, dtype=np.int64)
    new_id[cidx] = np.arange(cidx.size)
    return _Kept(cidx, new_id, tx.ids("C", cidx.size))


def _children_frame(rng, cur: dict[str, Any], res: Pathways, kept: _Kept) -> pd.DataFrame:
    """The children table.

    Draws, in order: sex written ``U`` with chance ``missing.sex``; the date of birth left
    missing with chance ``missing.date_of_birth``.
    """
    miss, n = cur["missing"], kept.cidx.size
    sex = res.boys[kept.cidx].astype(np.int64)  # index into ("F", "M", "U")
    sex[rng.random(n) < float(miss["sex"])] = 2
    dob = res.dob[kept.cidx]
    dob_missing = rng.random(n) < float(miss["date_of_birth"])
    return pd.DataFrame(
        {
            "child_id": tx.col(kept.child_ids),
            "sex": tx.take(("F", "M", "U"), sex),
            "date_of_birth": tx.iso(dob, dob_missing),
        }
    )


def _arrests_frame(
    rng, model: Model, res: Pathways, a_keep: np.ndarray, kept: _Kept, areas: Areas
) -> tuple[pd.DataFrame, int]:
    """The arrests table (sorted by day, then child) and the number of arrests in P.

    Draws the age at arrest left missing with chance ``missing.age_years``.
    """
    a_idx = np.flatnonzero(a_keep)
    a_child = kept.new_id[res.child[a_idx]]
    a_t = res.t[a_idx]
    o = np.lexsort((a_child, a_t))
    a_idx, a_child, a_t = a_idx[o], a_child[o], a_t[o]
    age_years = age(res.dob[res.child[a_idx]], a_t)
    age_missing = rng.random(a_idx.size) < float(model.cur["missing"]["age_years"])
    arrests = pd.DataFrame(
        {
            "arrest_id": tx.col(tx.ids("A", a_idx.size)),
            "child_id": tx.take(kept.child_ids, a_child),
            "arrest_date": tx.iso(a_t),
            "offence_category": tx.take(OFFENCE_CATEGORY, res.off[a_idx]),
            "age_years": tx.int_text(age_years, age_missing),
        }
    )
    if areas.child_area is not None:
        arrests["area"] = tx.take(areas.names, areas.child_area[a_child])
    n_p = int(((a_t >= model.p0) & (a_t <= model.p1)).sum())
    return arrests, n_p


def _dispositions_frame(
    rng, cur: dict[str, Any], res: Pathways, a_keep: np.ndarray, kept: _Kept
) -> pd.DataFrame:
    """The dispositions table: the recorded decisions of kept cases, by day, then child.

    Draws, in order: the offence on the arrest day with chance
    ``court.offence_on_arrest_day``; otherwise 1 to 14 days before it (uniform); the offence
    category left missing with chance ``missing.offence_category``; the offence date left
    missing with chance ``missing.offence_date``.
    """
    miss = cur["missing"]
    d_idx = np.flatnonzero(a_keep & res.dec_ok)
    d_child = kept.new_id[res.child[d_idx]]
    d_t = res.dec_t[d_idx]
    o = np.lexsort((d_child, d_t))
    d_idx, d_child, d_t = d_idx[o], d_child[o], d_t[o]
    arrest_day = res.t[d_idx]
    on_day = rng.random(d_idx.size) < float(cur["court"]["offence_on_arrest_day"])
    off_t = arrest_day - np.where(on_day, 0, rng.integers(1, 15, d_idx.size))
    d_off_missing = rng.random(d_idx.size) < float(miss["offence_category"])
    off_t_missing = rng.random(d_idx.size) < float(miss["offence_date"])
    return pd.DataFrame(
        {
            "disposition_id": tx.col(tx.ids("D", d_idx.size)),
            "child_id": tx.take(kept.child_ids, d_child),
            "decision_date": tx.iso(d_t),
            "decision": tx.take(DECISION, res.decision[d_idx]),
            "offence_date": tx.iso(off_t, off_t_missing),
            "offence_category": tx.take(OFFENCE_CATEGORY, res.off[d_idx], d_off_missing),
        }
    )


def _population_total(rng, model: Model, n_p: int, n_children: int) -> float:
    """The child population that gives the profile's arrest rate in P.

    ``arrest_rate_per_100k`` holds in ``[simulation] reference_year`` and changes by
    ``arrest_rate_change_per_year`` a year; a lognormal factor (sigma 0.02, the one draw
    here) keeps yearly series from being perfectly smooth.
    """
    cur = model.cur
    rate = float(cur["arrest_rate_per_100k"]) * (1 + float(cur["arrest_rate_change_per_year"])) ** (
        model.period - int(model.reference_year)
    )
    rate *= float(np.exp(rng.normal(0, 0.02)))
    return n_p / (rate / 1e5) if n_p else n_children * 100.0


def _stays_in_period(model: Model, res: Pathways, a_keep: np.ndarray, kept: _Kept) -> _Stays:
    """The episodes of kept cases known at the end of P (no draws).

    Stays starting after P's end are not known yet; stays going on after it are open. A
    sentence day is known when it falls by the end of P, inside the episode or before it.
    """
    p1 = model.p1
    e_keep = a_keep[res.ep["arr"]]
    ev = {k: v[e_keep] for k, v in res.ep.items()}
    spell = res.spell[e_keep]
    reason = res.reason[e_keep]
    e_child = kept.new_id[res.e_child[e_keep]]
    e_yi = res.yi[ev["arr"]]
    keep = ev["start"] <= p1
    ev = {k: v[keep] for k, v in ev.items()}
    spell, reason, e_child, e_yi = spell[keep], reason[keep], e_child[keep], e_yi[keep]
    open_ = ev["end"] > p1
    sent = ev["sent"]
    has_sent = (sent <= p1) & ((sent < ev["end"]) | (sent <= ev["start"]) | open_)
    first = group_start(spell)
    return _Stays(
        ev, spell, reason, e_child, e_yi, open_, has_sent, first, group_end(spell),
        np.cumsum(first) - 1,
    )


def _detentions_frame(
    rng, model: Model, stays: _Stays, fac: Facilities, fac_of: np.ndarray, kept: _Kept
) -> pd.DataFrame:
    """The detentions table, one row per episode, by child, admission and chain order.

    Draws, in order: separation from adults left missing with chance ``missing.separation``
    (else the facility's practice); aftercare after a release with chance
    ``release.aftercare_sentenced`` (a spell with a sentence) or
    ``release.aftercare_pre_sentence`` of the arrest's year; aftercare left missing with chance
    ``missing.aftercare`` (always missing for a transfer, escape, death, an open stay or a
    police-cell-only spell).
    """
    yp, miss = model.yp, model.cur["missing"]
    ev, reason, sp_no, n_e = stays.ev, stays.reason, stays.sp_no, stays.n
    open_, has_sent, sent = stays.open_, stays.has_sent, ev["sent"]
    # keep episodes of a spell contiguous: spells never overlap, so (child, start, seq) sorts
    # every spell's episodes together and in chain order
    o = np.lexsort((ev["seq"], ev["start"], stays.child))
    sep = fac.separated[fac_of]
    sep_missing = rng.random(n_e) < float(miss["separation"])
    sp_sentenced = np.zeros(sp_no.max() + 1 if n_e else 0, dtype=bool)
    np.logical_or.at(sp_sentenced, sp_no, has_sent)
    police_only_spell = np.ones(sp_sentenced.size, dtype=bool)
    np.logical_and.at(police_only_spell, sp_no, ev["ftype"] == POLICE)
    release = stays.last & ~open_ & (reason == 0)
    p_after = np.where(
        sp_sentenced[sp_no],
        yp.scalar("release", "aftercare_sentenced")[stays.yi],
        yp.scalar("release", "aftercare_pre_sentence")[stays.yi],
    )
    aftercare = rng.random(n_e) < p_after
    after_missing = (~release) | police_only_spell[sp_no] | (
        rng.random(n_e) < float(miss["aftercare"])
    )
    return pd.DataFrame(
        {
            "episode_id": tx.col(tx.ids("E", n_e)),
            "child_id": tx.take(kept.child_ids, stays.child[o]),
            "facility_id": tx.take(fac.ids, fac_of[o]),
            "admission_date": tx.iso(ev["start"][o]),
            "release_date": tx.iso(np.where(open_, 0, ev["end"])[o], open_[o]),
            "end_reason": tx.take(END_REASON, reason[o], open_[o]),
            "sentence_date": tx.iso(np.where(has_sent, sent, 0)[o], ~has_sent[o]),
            "wholly_separated_from_adults": tx.bool_text(sep[o], sep_missing[o]),
            "received_aftercare": tx.bool_text(aftercare[o], after_missing[o]),
        }
    )


def _visits_frame(rng, model: Model, stays: _Stays, kept: _Kept) -> pd.DataFrame:
    """The family visits table: a thinned Poisson process per episode (not in police cells).

    Visits from 92 days before P to its end. Draws, in order: a Poisson number of visits per
    episode at ``visits.per_month`` (of the arrest's year) over the days of the episode; the
    distance home-place per spell (lognormal, median ``visits.distance_km_median``, sigma
    0.8); the day of each visit, uniform in the episode; keeping it with chance
    exp(-distance / ``visits.distance_scale_km``) x (``floor`` + (1 - ``floor``) x
    exp(-days since the spell began / ``visits.decay_days``)); a home leave instead of a
    visit received, for a sentenced child in a juvenile institution or closed welfare place,
    with chance ``visits.home_leave``; the direction left missing with chance
    ``missing.direction``. Two visits of a child on one day are one.
    """
    vis, miss, yp = model.cur["visits"], model.cur["missing"], model.yp
    p0, p1 = model.p0, model.p1
    ev, open_, sp_no, first = stays.ev, stays.open_, stays.sp_no, stays.first
    v_lo = np.maximum(ev["start"], p0 - 92)
    v_hi = np.minimum(np.where(open_, p1 + 1, ev["end"]), p1 + 1)
    span = np.where(ev["ftype"] == POLICE, 0, np.maximum(v_hi - v_lo, 0))
    rate0 = yp.scalar("visits", "per_month")[stays.yi] / 30.44
    n_v = rng.poisson(rate0 * span)
    n_spells = sp_no.max() + 1 if stays.n else 0
    dist = rng.lognormal(np.log(float(vis["distance_km_median"])), 0.8, n_spells)
    dist_factor = np.exp(-dist / float(vis["distance_scale_km"]))
    sp_start = np.zeros(n_spells, dtype=np.int64)
    sp_start[sp_no[first]] = ev["start"][first]
    vi = np.repeat(np.arange(stays.n), n_v)
    v_t = v_lo[vi] + np.floor(rng.random(vi.size) * span[vi]).astype(np.int64)
    floor = float(vis["floor"])
    since = v_t - sp_start[sp_no[vi]]
    decay = np.exp(-since / float(vis["decay_days"]))
    accept = dist_factor[sp_no[vi]] * (floor + (1 - floor) * decay)
    acc = rng.random(vi.size) < accept
    vi, v_t = vi[acc], v_t[acc]
    sent = ev["sent"]
    sentenced_now = stays.has_sent[vi] & (sent[vi] <= v_t)
    leave_place = np.isin(ev["ftype"][vi], (_JUV, _CWF))
    home = sentenced_now & leave_place & (rng.random(vi.size) < float(vis["home_leave"]))
    direction = np.where(home, 1, 0)  # index into ("received", "home_leave")
    dir_missing = rng.random(vi.size) < float(miss["direction"])
    v_child = stays.child[vi]
    o = np.lexsort((v_t, v_child))
    v_child, v_t, direction, dir_missing = v_child[o], v_t[o], direction[o], dir_missing[o]
    keep = np.ones(v_child.size, dtype=bool)
    keep[1:] = (v_child[1:] != v_child[:-1]) | (v_t[1:] != v_t[:-1])
    return pd.DataFrame(
        {
            "child_id": tx.take(kept.child_ids, v_child[keep]),
            "visit_date": tx.iso(v_t[keep]),
            "direction": tx.take(("received", "home_leave"), direction[keep], dir_missing[keep]),
        }
    )


def _population(
    cur: dict[str, Any], period: int, total: float, area_names=None, area_share=None
) -> pd.DataFrame:
    """The population table: children by year (P and the year before), sex, single year of
    age 0-17 (and area), summing to about ``total`` in P (no draws).

    ``population_growth`` sets the yearly change and the age pyramid, ``population_sex_ratio``
    the boys per 100 girls.
    """
    g = float(cur["population_growth"])
    ratio = float(cur["population_sex_ratio"]) / 100.0
    ages = np.arange(18)
    by_age = (1 + g) ** (-ages.astype(float))
    by_age = by_age / by_age.sum()
    rows = []
    for y in (period - 1, period):
        tot = total * (1 + g) ** (y - period)
        for sex, share in (("F", 1 / (1 + ratio)), ("M", ratio / (1 + ratio))):
            if area_names is None:
                vals = np.rint(tot * share * by_age).astype(np.int64)
                rows.append(pd.DataFrame({"year": y, "sex": sex, "age": ages, "population": vals}))
                continue
            for name, a_share in zip(area_names, area_share, strict=True):
                vals = np.rint(tot * share * a_share * by_age).astype(np.int64)
                rows.append(pd.DataFrame(
                    {"year": y, "sex": sex, "age": ages, "population": vals, "area": name}
                ))
    out = pd.concat(rows, ignore_index=True)
    return out.astype({"year": str, "age": str, "population": str})


def _metadata(model: Model, seed: int, n_children: int) -> dict[str, Any]:
    """The dataset.toml keys: the profile's country, P, and its policy answers (only
    ``true``/``false`` answers to known policy keys; "not assessed" is left out)."""
    cur, period = model.cur, model.period
    return {
        "country": cur["code"],
        "country_name": cur["country_name"],
        "region": cur["region"],
        "source": (
            f"synthetic (jj-indicators simulate --profile {cur['name']} --children {n_children}"
            f" --seed {seed} --period {period})"
        ),
        "period_start": f"{period}-01-01",
        "period_end": f"{period}-12-31",
        "census_date": f"{period}-12-31",
        "minimum_age_criminal_responsibility": int(cur["minimum_age_criminal_responsibility"]),
        "policy": {
            k: v for k, v in cur["policy"].items() if k in policy_keys() and isinstance(v, bool)
        },
    }
