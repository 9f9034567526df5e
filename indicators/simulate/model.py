"""Synthetic juvenile-justice records for samples, tests, training and benchmarks.

The simulator follows children through the justice system (a model of pathways, not independent
random columns). Its parameters are the country profiles in ``profiles.toml`` beside this module,
a commented data file a trainer can edit without reading this code.

The model, per child with at least one arrest in the simulated window (the reference period P and
``lookback_years`` before it):

1. sex, age at first arrest (profile age curve) and date of birth; a number of arrests
   (1 + negative binomial) spaced by exponential gaps; arrests after the 18th birthday, after a
   death, or while the child is held do not happen;
2. per arrest (parameters of the arrest's year, so a reform changes cases as they come in): an
   ICCS offence section; no further action, pre-sentence diversion or prosecution; for a
   prosecuted case, pre-sentence detention (more likely for serious offences) in a police cell
   and then a pre-trial place, until bail (lognormal days) or the court's decision (lognormal
   delay); the decision (diversion, dismissal, acquittal, non-custodial or custodial sentence;
   custodial more likely after detention and for serious offences);
3. a custodial sentence is served (lognormal days) after a transfer from the pre-trial place, or
   in a new stay starting on the decision day for a child who was not held; long stays may
   include a transfer midway; stays end in release (aftercare by profile), escape or death;
4. family visits follow a thinned Poisson process whose rate falls with distance and time;
5. facilities get complaints mechanisms, separation practice and inspections by profile (a
   facility keeps its attributes from one year to the next);
6. optionally, sub-national areas with their own populations and arrest rates.

The dataset keeps every *case* (arrest) with an event in P (the arrest, its decision, or a stay
overlapping P) and all records of those cases, which is how a records system answers "everything
about the children dealt with in P". ``children`` = the children of those cases. The child
population is scaled so that the arrest rate in P equals the profile's rate.

Everything is vectorised with numpy (no loop over children); the same arguments give the same
files byte for byte.
"""

from __future__ import annotations

import copy
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .codes import DECISION, END_REASON, FACILITY_TYPE, OFFENCE_CATEGORY, POLICY_KEYS

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

PROFILES_FILE = Path(__file__).with_name("profiles.toml")

_BIG = 1 << 32  # "no date" / "still open" marker in day arithmetic, larger than any day number
_FAC_PREFIX = {
    "police": "POL",
    "pretrial": "PRE",
    "juvenile_institution": "JUV",
    "adult_prison": "ADP",
    "closed_welfare": "CWF",
    "other": "OTH",
}
_FT = {name: i for i, name in enumerate(FACILITY_TYPE)}
_POLICE = _FT["police"]
_JUV = _FT["juvenile_institution"]
_CWF = _FT["closed_welfare"]
_NOT_ASSESSED = "not assessed"


# --------------------------------------------------------------------------- profiles


def load_profiles(path: str | Path | None = None) -> dict[str, Any]:
    """Read a profiles file (default: the package's ``profiles.toml``).

    Returns
    -------
    dict
        With keys ``simulation``, ``defaults`` and ``profiles`` (name -> table).
    """
    path = Path(path) if path is not None else PROFILES_FILE
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    for key in ("simulation", "defaults", "profiles"):
        if key not in data:
            raise ValueError(f"{path.name} has no [{key}] table")
    return data


def _merge(base: dict, over: dict) -> dict:
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
    """The parameters of a profile for one year: defaults, then the profile, then the
    profile's ``years`` tables of that year and earlier (a change holds from its year on).

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
    """One row per profile: name, code, country_name, region, sample_children, description."""
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


class _YearPars:
    """Parameters of the window's years as arrays indexed by year (for per-arrest lookups)."""

    def __init__(self, pars: list[dict[str, Any]]):
        self.pars = pars

    def scalar(self, *path: str) -> np.ndarray:
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


def _cdf(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    c = np.cumsum(w, axis=-1)
    return c / c[..., -1:]


def _pick(rng: np.random.Generator, cdf_rows: np.ndarray) -> np.ndarray:
    """One category per row of a matrix of cumulative probabilities."""
    u = rng.random(cdf_rows.shape[0])
    k = (u[:, None] >= cdf_rows).sum(axis=1)
    return np.minimum(k, cdf_rows.shape[1] - 1)


def _pick_by_year(rng: np.random.Generator, cdf_years: np.ndarray, yi: np.ndarray) -> np.ndarray:
    """One category per event from the cumulative probabilities of the event's year."""
    u = rng.random(yi.size)
    out = np.empty(yi.size, dtype=np.int64)
    for y in range(cdf_years.shape[0]):
        sel = yi == y
        out[sel] = np.searchsorted(cdf_years[y], u[sel], side="right")
    return np.minimum(out, cdf_years.shape[1] - 1)


def _lognormal_days(rng, median, sigma, minimum=1):
    d = np.rint(rng.lognormal(np.log(median), sigma))
    return np.maximum(d, minimum).astype(np.int64)


# --------------------------------------------------------------------------- dates


def _day(s: str) -> int:
    return int(np.datetime64(s, "D").astype(np.int64))


def _ymd(days: np.ndarray):
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, mo, dd


def _age(dob: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years between two day numbers (29 February birthdays reached on 1 March)."""
    y1, m1, d1 = _ymd(dob)
    y2, m2, d2 = _ymd(on)
    before = (m2 < m1) | ((m2 == m1) & (d2 < d1))
    return y2 - y1 - before.astype(np.int64)


# Text columns are built as Arrow arrays (no Python string per cell: a million-row table
# takes milliseconds) and handed to pandas as its default ``str`` dtype.
try:
    _STR = pd.StringDtype("pyarrow", na_value=np.nan)
except TypeError:  # pragma: no cover - pandas without the NaN-semantics string dtype
    _STR = pd.ArrowDtype(pa.string())


def _col(arr: pa.Array):
    """An Arrow string array as a pandas text column."""
    return pd.array(arr, dtype=_STR)


def _mask(missing: np.ndarray | None) -> np.ndarray | None:
    return None if missing is None else np.asarray(missing, dtype=bool)


def _iso(days: np.ndarray, missing: np.ndarray | None = None):
    """Day numbers as ISO dates (text); missing where ``missing``."""
    arr = pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=_mask(missing))
    return _col(pc.cast(arr, pa.string()))


def _bool_text(values: np.ndarray, missing: np.ndarray | None = None):
    """Booleans as ``true``/``false`` (text); missing where ``missing``."""
    arr = pa.array(np.asarray(values, dtype=bool), mask=_mask(missing))
    return _col(pc.if_else(arr, "true", "false"))


def _int_text(values: np.ndarray, missing: np.ndarray | None = None):
    arr = pa.array(np.asarray(values, dtype=np.int64), mask=_mask(missing))
    return _col(pc.cast(arr, pa.string()))


def _take(labels, idx: np.ndarray, missing: np.ndarray | None = None):
    """``labels[idx]`` as text (labels: a sequence of str or an Arrow array)."""
    dictionary = labels if isinstance(labels, pa.Array) else pa.array(list(labels), pa.string())
    indices = pa.array(np.asarray(idx, dtype=np.int64), mask=_mask(missing))
    return _col(pc.take(dictionary, indices))


def _ids(prefix: str, n: int) -> pa.Array:
    """``prefix`` + a zero-padded running number (width 6 or more), as an Arrow array."""
    width = max(6, len(str(n)))
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width=width, padding="0"), "")


# --------------------------------------------------------------------------- the model


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


def _group_start(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array starts a new group."""
    s = np.ones(keys.size, dtype=bool)
    s[1:] = keys[1:] != keys[:-1]
    return s


def _excl_group_cummax(group: np.ndarray, values: np.ndarray, empty: int = -1) -> np.ndarray:
    """Running maximum of ``values`` over the previous rows of the same group (rows sorted by
    group); ``empty`` on a group's first row. Values must lie in [0, _BIG)."""
    off = group.astype(np.int64) * (_BIG + 1)
    cm = np.maximum.accumulate(off + values)
    prev = np.empty_like(cm)
    prev[0] = -1
    prev[1:] = cm[:-1]
    prev = prev - off
    return np.where(prev < 0, empty, prev)


class _Model:
    """One simulation run over ``m`` candidate children (children with an arrest in the window)."""

    def __init__(self, profile: str, period: int, profiles: dict[str, Any]):
        sim = profiles["simulation"]
        self.profile = profile
        self.period = period
        self.lookback = int(sim.get("lookback_years", 3))
        self.reference_year = int(sim.get("reference_year", period))
        self.years = list(range(period - self.lookback, period + 1))
        self.cur = profile_parameters(profile, period, profiles)
        self.yp = _YearPars([profile_parameters(profile, y, profiles) for y in self.years])
        self.p0 = _day(f"{period}-01-01")
        self.p1 = _day(f"{period}-12-31")
        self.w0 = _day(f"{period - self.lookback}-01-01")
        self.year_start = np.array([_day(f"{y}-01-01") for y in self.years])

    # ------------------------------------------------------------------ candidates and arrests
    def run(self, rng: np.random.Generator, m: int) -> dict[str, Any]:
        cur, yp = self.cur, self.yp
        p0, p1, w0 = self.p0, self.p1, self.w0
        nwin = p1 + 1 - w0

        # Children: sex, age at first arrest, date of birth, number of arrests.
        boys = rng.random(m) < float(cur["share_boys"])
        ages = np.array([int(a) for a in cur["age_curve"]])
        aw = np.array([float(w) for w in cur["age_curve"].values()])
        # Arrests under the minimum age of criminal responsibility are rare recording errors.
        macr = int(cur["minimum_age_criminal_responsibility"])
        aw = np.where(ages < macr, aw * float(cur["under_age_arrests"]), aw)
        age1 = ages[_pick_by_year(rng, _cdf(aw)[None, :], np.zeros(m, dtype=np.int64))]
        t1 = w0 + rng.integers(0, nwin, m)
        dob = t1 - np.floor((age1 + rng.random(m)) * 365.25).astype(np.int64)
        rep_mean = float(cur["repeat_arrests_mean"])
        shape = 0.6
        if rep_mean > 0:
            k = 1 + rng.poisson(rng.gamma(shape, rep_mean / shape, m))
        else:
            k = np.ones(m, dtype=np.int64)
        k = np.minimum(k, 15)

        child = np.repeat(np.arange(m), k)
        first = np.cumsum(k) - k
        order = np.arange(child.size) - first[child]
        gaps = rng.exponential(float(cur["repeat_gap_days"]), child.size)
        gaps[order == 0] = 0.0
        cs = np.cumsum(gaps)
        t = t1[child] + np.floor(cs - cs[first[child]]).astype(np.int64)
        ok = (t <= p1) & (_age(dob[child], t) < 18)
        child, t = child[ok], t[ok]
        a_n = child.size

        yi = np.searchsorted(self.year_start, t, side="right") - 1

        # Offence, outcome after arrest.
        off = _pick_by_year(rng, _cdf(yp.weights(OFFENCE_CATEGORY, "offence_mix")), yi)
        outcome = _pick_by_year(
            rng,
            _cdf(yp.weights(("no_further_action", "diversion", "prosecution"), "arrest_outcome")),
            yi,
        )
        pros = outcome == 2
        det_factor = yp.weights(OFFENCE_CATEGORY, "pre_sentence", "offence_factor", default=1.0)
        p_det = np.clip(yp.scalar("pre_sentence", "detention")[yi] * det_factor[yi, off], 0, 0.95)
        detained = pros & (rng.random(a_n) < p_det)

        # Court decision and its date.
        delay = np.maximum(
            np.rint(
                np.exp(
                    np.log(yp.scalar("court", "delay_days_median")[yi])
                    + yp.scalar("court", "delay_days_sigma")[yi] * rng.standard_normal(a_n)
                )
            ),
            1,
        ).astype(np.int64)
        div_delay = rng.geometric(1 / 15.0, a_n) - 1  # diversion decided within days
        w_dec = yp.weights(DECISION, "court", "decision")[yi].copy()
        cust_i = DECISION.index("custodial_sentence")
        c_off = yp.weights(OFFENCE_CATEGORY, "court", "custodial_offence_factor", default=1.0)
        w_dec[:, cust_i] *= c_off[yi, off]
        w_dec[detained, cust_i] *= yp.scalar("court", "custodial_factor_if_detained")[yi][detained]
        dec = _pick(rng, _cdf(w_dec))
        decision = np.full(a_n, -1)
        decision[outcome == 1] = DECISION.index("diversion")
        decision[pros] = dec[pros]
        dec_t = np.full(a_n, _BIG, dtype=np.int64)
        dec_t[outcome == 1] = t[outcome == 1] + div_delay[outcome == 1]
        dec_t[pros] = t[pros] + delay[pros]
        custodial = decision == cust_i

        # Pre-sentence detention: police days, bail or held to decision.
        pol_w = np.asarray([p["pre_sentence"]["police_days"] for p in yp.pars], dtype=float)
        pol_days = _pick_by_year(rng, _cdf(pol_w), yi)
        bail = np.maximum(
            np.rint(
                np.exp(
                    np.log(yp.scalar("pre_sentence", "days_median")[yi])
                    + yp.scalar("pre_sentence", "days_sigma")[yi] * rng.standard_normal(a_n)
                )
            ),
            1,
        ).astype(np.int64)
        held = detained & (bail >= delay)
        pre_len = np.where(held, delay, bail)
        pol_days = np.minimum(pol_days, pre_len)
        police_only = (~detained) & (rng.random(a_n) < yp.scalar("pre_sentence", "police_only")[yi])
        police_only_days = (rng.random(a_n) < 0.5).astype(np.int64)

        # Sentence.
        sent_len = np.maximum(
            np.rint(
                np.exp(
                    np.log(yp.scalar("sentence", "days_median")[yi])
                    + yp.scalar("sentence", "days_sigma")[yi] * rng.standard_normal(a_n)
                )
            ),
            7,
        ).astype(np.int64)
        lag = np.floor(rng.random(a_n) * (yp.scalar("sentence", "transfer_lag_days")[yi] + 1))
        lag = np.minimum(lag.astype(np.int64), sent_len - 1)
        def place(*path):
            return _pick_by_year(rng, _cdf(yp.weights(FACILITY_TYPE, *path)), yi)

        pre_place = place("pre_sentence", "placement")
        sent_place = place("sentence", "placement")
        mid_place = place("sentence", "mid_transfer_placement")
        mid_sent = rng.random(a_n) < yp.scalar("sentence", "mid_transfer")[yi]
        mid_pre = rng.random(a_n) < yp.scalar("pre_sentence", "mid_transfer")[yi]
        split_u = 0.2 + 0.6 * rng.random(a_n)
        split_v = 0.2 + 0.6 * rng.random(a_n)

        # ------------------------------------------------------------------ episodes
        # Spell 0 of an arrest starts on the arrest day (police cell, pre-trial, and, when held
        # until a custodial sentence, the sentenced place); spell 1 is a sentenced stay that
        # starts on the decision day of a child who was not held.
        ep = {k: [] for k in ("arr", "kind", "seq", "start", "end", "ftype", "sent")}

        def add(mask, kind, seq, start, end, ftype, sent):
            idx = np.flatnonzero(mask)
            ep["arr"].append(idx)
            ep["kind"].append(np.full(idx.size, kind))
            ep["seq"].append(np.full(idx.size, seq))
            st = np.asarray(start)
            ep["start"].append(st[idx] if st.ndim else np.full(idx.size, int(st)))
            ep["end"].append(np.asarray(end)[idx])
            ft = np.asarray(ftype)
            ep["ftype"].append(ft[idx] if ft.ndim else np.full(idx.size, int(ft)))
            sv = np.asarray(sent)
            ep["sent"].append(sv[idx] if sv.ndim else np.full(idx.size, int(sv)))

        held_cust = held & custodial
        s_day = dec_t  # sentence day = decision day
        spell0_sent = np.where(held_cust, s_day, _BIG)
        pre_end = t + pre_len
        # Police cell, then the pre-trial place (possibly split by a transfer midway).
        add(detained, 0, 0, t, t + pol_days, _POLICE, spell0_sent)
        add(police_only, 0, 0, t, t + police_only_days, _POLICE, _BIG)
        pre_start = t + pol_days
        pre_stop = np.where(held_cust, s_day + lag, pre_end)
        has_pre = detained & (pre_stop > pre_start)
        split_pre = has_pre & mid_pre & (pre_stop - pre_start >= 30)
        cut_pre = pre_start + np.floor((pre_stop - pre_start) * split_u).astype(np.int64)
        add(has_pre & ~split_pre, 0, 1, pre_start, pre_stop, pre_place, spell0_sent)
        add(split_pre, 0, 1, pre_start, cut_pre, pre_place, spell0_sent)
        add(split_pre, 0, 2, cut_pre, pre_stop, pre_place, spell0_sent)
        # Sentenced place: after the transfer lag when held, or a new stay from the decision day.
        deferred = custodial & ~held & (dec_t <= p1)
        sp_start = np.where(held_cust, s_day + lag, s_day)
        sp_end = s_day + sent_len
        kind = np.where(held_cust, 0, 1)
        has_sp = held_cust | deferred
        split_sp = has_sp & mid_sent & (sp_end - sp_start >= 60)
        cut_sp = sp_start + np.floor((sp_end - sp_start) * split_v).astype(np.int64)
        for kd in (0, 1):
            km = kind == kd
            add(has_sp & km & ~split_sp, kd, 3, sp_start, sp_end, sent_place, s_day)
            add(split_sp & km, kd, 3, sp_start, cut_sp, sent_place, s_day)
            add(split_sp & km, kd, 4, cut_sp, sp_end, mid_place, s_day)

        e = {k: np.concatenate(v).astype(np.int64) for k, v in ep.items()}
        spell = e["arr"] * 2 + e["kind"]
        o = np.lexsort((e["seq"], spell))
        e = {k: v[o] for k, v in e.items()}
        spell = spell[o]
        e_child = child[e["arr"]]
        n_e = spell.size
        last = np.ones(n_e, dtype=bool)
        last[:-1] = spell[1:] != spell[:-1]
        sp_first = _group_start(spell)
        reason = np.where(last, 0, 1)  # 0 release, 1 transfer, 2 death, 3 escape

        # Spells: escape or death inside the stay truncate it.
        s_idx = np.flatnonzero(sp_first)
        s_of_e = np.cumsum(sp_first) - 1
        s_start = e["start"][s_idx]
        s_end = e["end"][last]
        s_dur = s_end - s_start
        s_yi = yi[e["arr"][s_idx]]
        n_s = s_idx.size
        esc = (rng.random(n_s) < yp.scalar("release", "escape")[s_yi]) & (s_dur >= 2)
        p_die = 1 - np.exp(
            -yp.scalar("release", "deaths_per_1000_child_years")[s_yi] / 1000 * s_dur / 365.25
        )
        die = (rng.random(n_s) < p_die) & (s_dur >= 2)
        esc_t = s_start + 1 + np.floor(rng.random(n_s) * (s_dur - 1)).astype(np.int64)
        die_t = s_start + 1 + np.floor(rng.random(n_s) * (s_dur - 1)).astype(np.int64)
        ev_t = np.full(n_s, _BIG, dtype=np.int64)
        ev_r = np.zeros(n_s, dtype=np.int64)
        ev_t[esc] = esc_t[esc]
        ev_r[esc] = 3
        d_first = die & (~esc | (die_t < esc_t))
        ev_t[d_first] = die_t[d_first]
        ev_r[d_first] = 2
        et = ev_t[s_of_e]
        keep_e = e["start"] <= et
        cont = keep_e & (e["end"] > et)
        e["end"] = np.where(cont, et, e["end"])
        reason = np.where(cont, ev_r[s_of_e], reason)
        e = {k: v[keep_e] for k, v in e.items()}
        spell, e_child, reason = spell[keep_e], e_child[keep_e], reason[keep_e]

        # Spell table again (after truncation).
        sp_first = _group_start(spell)
        last = np.ones(spell.size, dtype=bool)
        last[:-1] = spell[1:] != spell[:-1]
        sp_ids = spell[sp_first]
        sp_child = e_child[sp_first]
        sp_arr = e["arr"][sp_first]
        sp_start = e["start"][sp_first]
        sp_stop = e["end"][last]

        # An arrest that falls while the child is held (in a stay of another case) does not
        # happen: merge arrests and stays per child in time order.
        it_child = np.concatenate([child, sp_child])
        it_time = np.concatenate([t, sp_start])
        it_type = np.concatenate([np.zeros(a_n, np.int64), np.ones(sp_ids.size, np.int64)])
        it_end = np.concatenate([np.full(a_n, -1, np.int64), sp_stop])
        o = np.lexsort((it_type, it_time, it_child))
        prev_end = _excl_group_cummax(it_child[o], np.maximum(it_end[o], 0) * (it_end[o] >= 0))
        blocked_sorted = (it_type[o] == 0) & (prev_end >= it_time[o])
        blocked = np.zeros(it_child.size, dtype=bool)
        blocked[o] = blocked_sorted
        arrest_ok = ~blocked[:a_n]

        # Stays of arrests that did not happen go; a stay overlapping an earlier stay of the
        # child (a sentence for another case while already held) is served concurrently: dropped.
        sp_ok = arrest_ok[sp_arr]
        o = np.lexsort((sp_arr, sp_start, sp_child))
        o = o[sp_ok[o]]
        prev_end = _excl_group_cummax(sp_child[o], sp_stop[o])
        ok_sorted = sp_start[o] > prev_end
        sp_keep = np.zeros(sp_ids.size, dtype=bool)
        sp_keep[o[ok_sorted]] = True

        # Deaths: nothing of the child after the day of death.
        sp_reason = reason[last]
        death_day = np.full(m, _BIG, dtype=np.int64)
        dmask = sp_keep & (sp_reason == 2)
        np.minimum.at(death_day, sp_child[dmask], sp_stop[dmask])
        sp_keep &= sp_start <= death_day[sp_child]
        arrest_ok &= t <= death_day[child]
        dec_ok = arrest_ok & (decision >= 0) & (dec_t <= p1) & (dec_t <= death_day[child])

        keep_sp_e = np.repeat(sp_keep, np.diff(np.r_[np.flatnonzero(sp_first), spell.size]))
        e = {k: v[keep_sp_e] for k, v in e.items()}
        spell, e_child, reason = spell[keep_sp_e], e_child[keep_sp_e], reason[keep_sp_e]
        sp_ids, sp_child, sp_arr = sp_ids[sp_keep], sp_child[sp_keep], sp_arr[sp_keep]
        sp_start, sp_stop = sp_start[sp_keep], sp_stop[sp_keep]

        # Cases kept: an event in P (arrest, decision, or a stay overlapping P).
        sp_in_p = (sp_start <= p1) & (sp_stop >= p0)
        case = arrest_ok & (((t >= p0) & (t <= p1)) | (dec_ok & (dec_t >= p0)))
        case[sp_arr[sp_in_p]] = True
        case &= arrest_ok

        return {
            "m": m,
            "boys": boys,
            "dob": dob,
            "child": child,
            "t": t,
            "yi": yi,
            "off": off,
            "decision": decision,
            "dec_t": dec_t,
            "dec_ok": dec_ok,
            "case": case,
            "ep": e,
            "spell": spell,
            "e_child": e_child,
            "reason": reason,
        }


# --------------------------------------------------------------------------- frames


_CHUNK = 250_000  # candidate children simulated at once (bounds the memory of big datasets)


def _concat_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several chunks: candidate and arrest indices are offset."""
    out: dict[str, Any] = {"m": sum(r["m"] for r in runs)}
    cand_off = np.cumsum([0] + [r["m"] for r in runs[:-1]])
    arr_off = np.cumsum([0] + [r["t"].size for r in runs[:-1]])
    for key in ("boys", "dob"):
        out[key] = np.concatenate([r[key] for r in runs])
    out["child"] = np.concatenate([r["child"] + o for r, o in zip(runs, cand_off, strict=True)])
    for key in ("t", "yi", "off", "decision", "dec_t", "dec_ok", "case"):
        out[key] = np.concatenate([r[key] for r in runs])
    out["ep"] = {
        key: np.concatenate(
            [r["ep"][key] + (o if key == "arr" else 0) for r, o in zip(runs, arr_off, strict=True)]
        )
        for key in runs[0]["ep"]
    }
    out["spell"] = np.concatenate([r["spell"] + 2 * o for r, o in zip(runs, arr_off, strict=True)])
    out["e_child"] = np.concatenate(
        [r["e_child"] + o for r, o in zip(runs, cand_off, strict=True)]
    )
    out["reason"] = np.concatenate([r["reason"] for r in runs])
    return out


def _seed_sequence(profile: str, period: int, seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([int(seed), zlib.crc32(profile.encode("utf-8")), int(period)])


def _count_kept(res: dict[str, Any]) -> tuple[np.ndarray, int]:
    kept_child = np.zeros(res["m"], dtype=bool)
    kept_child[res["child"][res["case"]]] = True
    return kept_child, int(kept_child.sum())


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
    """
    if children < 1:
        raise ValueError("children must be 1 or more")
    profiles = profiles or load_profiles()
    model = _Model(profile, period, profiles)
    ss = _seed_sequence(profile, period, seed)
    pilot_ss, main_ss, extra_ss = ss.spawn(3)

    # A pilot run estimates how many candidate children give `children` kept children; the
    # candidates are then simulated in chunks (bounded memory), each from its own stream, until
    # enough children are kept.
    pilot_m = 20_000
    pilot = model.run(np.random.default_rng(pilot_ss), pilot_m)
    _, pilot_kept = _count_kept(pilot)
    frac = max(pilot_kept, 1) / pilot_m
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
    res = _concat_runs(chunks) if len(chunks) > 1 else chunks[0]
    del chunks
    kept_child, _ = _count_kept(res)
    last_child = np.flatnonzero(kept_child)[children - 1]
    used = np.arange(res["m"]) <= last_child
    kept_child &= used
    return _build_frames(model, res, kept_child, np.random.default_rng(extra_ss), seed, children)


def _build_frames(model: _Model, res, kept_child, rng, seed: int, n_children: int) -> SimulatedData:
    cur, yp = model.cur, model.yp
    p0, p1 = model.p0, model.p1
    miss = cur["missing"]
    code = cur["code"]

    # ---- children
    cidx = np.flatnonzero(kept_child)
    new_id = np.full(res["m"], -1, dtype=np.int64)
    new_id[cidx] = np.arange(cidx.size)
    child_ids = _ids("C", cidx.size)
    sex = res["boys"][cidx].astype(np.int64)  # index into ("F", "M", "U")
    sex[rng.random(cidx.size) < float(miss["sex"])] = 2
    dob = res["dob"][cidx]
    dob_missing = rng.random(cidx.size) < float(miss["date_of_birth"])
    children = pd.DataFrame(
        {
            "child_id": _col(child_ids),
            "sex": _take(("F", "M", "U"), sex),
            "date_of_birth": _iso(dob, dob_missing),
        }
    )

    # ---- areas (optional): a child's area, drawn in proportion to population x arrest rate
    areas = cur.get("areas") or {}
    area_names = pa.array(list(areas.get("names", [])), pa.string())
    n_areas = len(area_names)
    child_area = None
    if n_areas:
        arng = np.random.default_rng(
            [seed, zlib.crc32(cur["name"].encode("utf-8")), model.period, 0xA4EA]
        )
        area_share = np.asarray(areas["population_shares"], dtype=float)
        area_share = area_share / area_share.sum()
        area_w = area_share * np.asarray(areas["arrest_rate_factor"], dtype=float)
        child_area = _pick_by_year(arng, _cdf(area_w)[None, :], np.zeros(cidx.size, np.int64))

    # ---- arrests
    a_keep = res["case"] & kept_child[res["child"]]
    a_idx = np.flatnonzero(a_keep)
    a_child = new_id[res["child"][a_idx]]
    a_t = res["t"][a_idx]
    o = np.lexsort((a_child, a_t))
    a_idx, a_child, a_t = a_idx[o], a_child[o], a_t[o]
    age_years = _age(res["dob"][res["child"][a_idx]], a_t)
    age_missing = rng.random(a_idx.size) < float(miss["age_years"])
    arrests = pd.DataFrame(
        {
            "arrest_id": _col(_ids("A", a_idx.size)),
            "child_id": _take(child_ids, a_child),
            "arrest_date": _iso(a_t),
            "offence_category": _take(OFFENCE_CATEGORY, res["off"][a_idx]),
            "age_years": _int_text(age_years, age_missing),
        }
    )
    if child_area is not None:
        arrests["area"] = _take(area_names, child_area[a_child])
    n_p = int(((a_t >= p0) & (a_t <= p1)).sum())

    # ---- dispositions
    d_keep = a_keep & res["dec_ok"]
    d_idx = np.flatnonzero(d_keep)
    d_child = new_id[res["child"][d_idx]]
    d_t = res["dec_t"][d_idx]
    o = np.lexsort((d_child, d_t))
    d_idx, d_child, d_t = d_idx[o], d_child[o], d_t[o]
    arrest_day = res["t"][d_idx]
    on_day = rng.random(d_idx.size) < float(cur["court"]["offence_on_arrest_day"])
    off_t = arrest_day - np.where(on_day, 0, rng.integers(1, 15, d_idx.size))
    d_off_missing = rng.random(d_idx.size) < float(miss["offence_category"])
    dispositions = pd.DataFrame(
        {
            "disposition_id": _col(_ids("D", d_idx.size)),
            "child_id": _take(child_ids, d_child),
            "decision_date": _iso(d_t),
            "decision": _take(DECISION, res["decision"][d_idx]),
            "offence_date": _iso(off_t, rng.random(d_idx.size) < float(miss["offence_date"])),
            "offence_category": _take(OFFENCE_CATEGORY, res["off"][d_idx], d_off_missing),
        }
    )

    # ---- facilities (count scales with the child population)
    # The population that gives the profile's arrest rate for the year (with its trend), give
    # or take a little noise so that yearly series are not perfectly smooth.
    rate = float(cur["arrest_rate_per_100k"]) * (1 + float(cur["arrest_rate_change_per_year"])) ** (
        model.period - int(model.reference_year)
    )
    rate *= float(np.exp(rng.normal(0, 0.02)))
    pop_total = n_p / (rate / 1e5) if n_p else n_children * 100.0
    used_types = {"police"}
    for p in yp.pars:
        for key in (("pre_sentence", "placement"), ("sentence", "placement"),
                    ("sentence", "mid_transfer_placement")):
            used_types |= {k for k, v in p[key[0]][key[1]].items() if float(v) > 0}
    fac = cur["facilities"]
    # A facility's attributes come from streams of the profile and seed only (not the year),
    # so that facility XXX007 keeps its size, separation and complaints mechanism from one
    # year to the next; the first n draws of a stream do not depend on n.
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
    f_id = pa.array(f_id, pa.string())
    f_sep = np.concatenate(f_sep)
    f_cm = np.concatenate(f_cm)
    f_cm_missing = np.concatenate(f_cm_missing)
    f_w = np.concatenate(f_w)
    if n_areas:
        # facilities of each type spread over the areas in proportion to their population
        f_area = np.zeros(len(f_id), dtype=np.int64)
        for ft in np.unique(f_type):
            sel = np.flatnonzero(f_type == ft)
            pos = (np.arange(sel.size) + 0.5) / sel.size
            f_area[sel] = np.minimum(
                np.searchsorted(np.cumsum(area_share), pos), n_areas - 1
            )
    facilities = pd.DataFrame(
        {
            "facility_id": _col(f_id),
            "facility_type": _col(pa.array(f_type, pa.string())),
            "complaints_mechanism": _bool_text(f_cm, f_cm_missing),
        }
    )
    if n_areas:
        facilities["area"] = _take(area_names, f_area)

    # ---- inspections: the year before P and P, none after P's end
    rows_f, rows_d, rows_i = [], [], []
    for y in (model.period - 1, model.period):
        y0 = _day(f"{y}-01-01")
        ylen = _day(f"{y}-12-31") - y0 + 1
        p_ind = np.array([float(fac["independent_inspection"].get(ft, 0.5)) for ft in f_type])
        n_ind = (rng.random(len(f_id)) < p_ind) * (1 + rng.poisson(0.3, len(f_id)))
        n_int = rng.poisson(float(fac["internal_inspections_per_year"]), len(f_id))
        for n, flag in ((n_ind, True), (n_int, False)):
            fi = np.repeat(np.arange(len(f_id)), n)
            rows_f.append(fi)
            rows_d.append(y0 + rng.integers(0, ylen, fi.size))
            rows_i.append(np.full(fi.size, flag))
    i_f, i_d, i_i = (np.concatenate(x) for x in (rows_f, rows_d, rows_i))
    o = np.lexsort((~i_i, i_d, i_f))
    i_f, i_d, i_i = i_f[o], i_d[o], i_i[o]
    dup = np.zeros(i_f.size, dtype=bool)
    dup[1:] = (i_f[1:] == i_f[:-1]) & (i_d[1:] == i_d[:-1])
    i_f, i_d, i_i = i_f[~dup], i_d[~dup], i_i[~dup]
    inspections = pd.DataFrame(
        {
            "facility_id": _take(f_id, i_f),
            "inspection_date": _iso(i_d),
            "independent": _bool_text(i_i),
        }
    )

    # ---- detentions
    e = res["ep"]
    e_keep = a_keep[e["arr"]]
    ev = {k: v[e_keep] for k, v in e.items()}
    spell = res["spell"][e_keep]
    reason = res["reason"][e_keep]
    e_child = new_id[res["e_child"][e_keep]]
    e_yi = res["yi"][ev["arr"]]
    # Stays starting after P's end are not known yet; stays going on after it are open.
    keep = ev["start"] <= p1
    ev = {k: v[keep] for k, v in ev.items()}
    spell, reason, e_child, e_yi = spell[keep], reason[keep], e_child[keep], e_yi[keep]
    open_ = ev["end"] > p1
    sent = ev["sent"]
    has_sent = (sent <= p1) & ((sent < ev["end"]) | (sent <= ev["start"]) | open_)
    n_e = spell.size
    last = np.ones(n_e, dtype=bool)
    last[:-1] = spell[1:] != spell[:-1]
    first = _group_start(spell)
    sp_no = np.cumsum(first) - 1

    # Facility of each episode: by type, weighted by size; a transfer goes to another place.
    fac_of = np.empty(n_e, dtype=np.int64)
    for ft in np.unique(ev["ftype"]):
        name = FACILITY_TYPE[ft]
        cand = np.flatnonzero(f_type == name)
        sel = np.flatnonzero(ev["ftype"] == ft)
        u = rng.random(sel.size)
        if n_areas and name == "police":
            # police cells are in the child's own area
            for ai in range(n_areas):
                cand_a = cand[f_area[cand] == ai]
                sub = child_area[e_child[sel]] == ai
                w = f_w[cand_a] / f_w[cand_a].sum()
                pos = np.searchsorted(np.cumsum(w), u[sub])
                fac_of[sel[sub]] = cand_a[np.minimum(pos, cand_a.size - 1)]
            continue
        w = f_w[cand] / f_w[cand].sum()
        pos = np.searchsorted(np.cumsum(w), u)
        fac_of[sel] = cand[np.minimum(pos, cand.size - 1)]
    same = np.zeros(n_e, dtype=bool)
    same[1:] = (~first[1:]) & (fac_of[1:] == fac_of[:-1])
    if same.any():
        for ft in np.unique(ev["ftype"][same]):
            cand = np.flatnonzero(f_type == FACILITY_TYPE[ft])
            if cand.size > 1:
                sel = np.flatnonzero(same & (ev["ftype"] == ft))
                pos = np.searchsorted(cand, fac_of[sel])
                fac_of[sel] = cand[(pos + 1) % cand.size]

    order = np.lexsort((ev["seq"], ev["start"], e_child))
    # keep episodes of a spell contiguous: spells never overlap, so (child, start, seq) sorts
    # every spell's episodes together and in chain order
    sep = f_sep[fac_of]
    sep_missing = rng.random(n_e) < float(miss["separation"])
    sp_sentenced = np.zeros(sp_no.max() + 1 if n_e else 0, dtype=bool)
    np.logical_or.at(sp_sentenced, sp_no, has_sent)
    police_only_spell = np.ones(sp_sentenced.size, dtype=bool)
    np.logical_and.at(police_only_spell, sp_no, ev["ftype"] == _POLICE)
    release = last & ~open_ & (reason == 0)
    p_after = np.where(
        sp_sentenced[sp_no],
        yp.scalar("release", "aftercare_sentenced")[e_yi],
        yp.scalar("release", "aftercare_pre_sentence")[e_yi],
    )
    aftercare = rng.random(n_e) < p_after
    after_missing = (~release) | police_only_spell[sp_no] | (
        rng.random(n_e) < float(miss["aftercare"])
    )
    o = order
    detentions = pd.DataFrame(
        {
            "episode_id": _col(_ids("E", n_e)),
            "child_id": _take(child_ids, e_child[o]),
            "facility_id": _take(f_id, fac_of[o]),
            "admission_date": _iso(ev["start"][o]),
            "release_date": _iso(np.where(open_, 0, ev["end"])[o], open_[o]),
            "end_reason": _take(END_REASON, reason[o], open_[o]),
            "sentence_date": _iso(np.where(has_sent, sent, 0)[o], ~has_sent[o]),
            "wholly_separated_from_adults": _bool_text(sep[o], sep_missing[o]),
            "received_aftercare": _bool_text(aftercare[o], after_missing[o]),
        }
    )

    # ---- family visits: thinned Poisson process per episode (not in police cells)
    vis = cur["visits"]
    v_lo = np.maximum(ev["start"], p0 - 92)
    v_hi = np.minimum(np.where(open_, p1 + 1, ev["end"]), p1 + 1)
    span = np.where(ev["ftype"] == _POLICE, 0, np.maximum(v_hi - v_lo, 0))
    rate0 = yp.scalar("visits", "per_month")[e_yi] / 30.44
    n_v = rng.poisson(rate0 * span)
    n_spells = sp_no.max() + 1 if n_e else 0
    dist = rng.lognormal(np.log(float(vis["distance_km_median"])), 0.8, n_spells)
    dist_factor = np.exp(-dist / float(vis["distance_scale_km"]))
    sp_start = np.zeros(n_spells, dtype=np.int64)
    sp_start[sp_no[first]] = ev["start"][first]
    vi = np.repeat(np.arange(n_e), n_v)
    v_t = v_lo[vi] + np.floor(rng.random(vi.size) * span[vi]).astype(np.int64)
    floor = float(vis["floor"])
    since = v_t - sp_start[sp_no[vi]]
    decay = np.exp(-since / float(vis["decay_days"]))
    accept = dist_factor[sp_no[vi]] * (floor + (1 - floor) * decay)
    acc = rng.random(vi.size) < accept
    vi, v_t = vi[acc], v_t[acc]
    sentenced_now = has_sent[vi] & (sent[vi] <= v_t)
    leave_place = np.isin(ev["ftype"][vi], (_JUV, _CWF))
    home = sentenced_now & leave_place & (rng.random(vi.size) < float(vis["home_leave"]))
    direction = np.where(home, 1, 0)  # index into ("received", "home_leave")
    dir_missing = rng.random(vi.size) < float(miss["direction"])
    v_child = e_child[vi]
    o = np.lexsort((v_t, v_child))
    v_child, v_t, direction, dir_missing = v_child[o], v_t[o], direction[o], dir_missing[o]
    keep = np.ones(v_child.size, dtype=bool)
    keep[1:] = (v_child[1:] != v_child[:-1]) | (v_t[1:] != v_t[:-1])
    family_visits = pd.DataFrame(
        {
            "child_id": _take(child_ids, v_child[keep]),
            "visit_date": _iso(v_t[keep]),
            "direction": _take(("received", "home_leave"), direction[keep], dir_missing[keep]),
        }
    )

    # ---- population: the year of P and the year before
    population = _population(
        cur, model.period, pop_total, area_names.to_pylist() if n_areas else None,
        area_share if n_areas else None,
    )

    meta = {
        "country": code,
        "country_name": cur["country_name"],
        "region": cur["region"],
        "source": (
            f"synthetic (jj-indicators simulate --profile {cur['name']} --children {n_children}"
            f" --seed {seed} --period {model.period})"
        ),
        "period_start": f"{model.period}-01-01",
        "period_end": f"{model.period}-12-31",
        "census_date": f"{model.period}-12-31",
        "minimum_age_criminal_responsibility": int(cur["minimum_age_criminal_responsibility"]),
        "policy": {
            k: v for k, v in cur["policy"].items() if k in POLICY_KEYS and isinstance(v, bool)
        },
    }
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
    return SimulatedData(meta, frames)


def _population(
    cur: dict[str, Any], period: int, total: float, area_names=None, area_share=None
) -> pd.DataFrame:
    """Child population by year, sex, single year of age 0-17 (and area) summing to about
    ``total`` in P."""
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


# --------------------------------------------------------------------------- public API


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

    Returns
    -------
    Dataset
        Typed as :func:`indicators.dataset.read_dataset` would return after writing and reading
        the files; ``metadata`` holds the dataset.toml keys (including ``region``, ``source``).

    Examples
    --------
    >>> ds = simulate("northland", children=500, seed=1, period=2024)   # doctest: +SKIP
    """
    from .dataset import Dataset

    sim = simulate_frames(profile, children, seed, period, profiles=profiles)
    return Dataset.from_frames(sim.metadata, sim.frames)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def _dataset_toml(meta: dict[str, Any]) -> str:
    lines = [
        "# SYNTHETIC DATA made by jj-indicators simulate: no real child is described here.",
        "# See data/README.md and indicators/profiles.toml.",
    ]
    for key in ("country", "country_name", "region", "source"):
        if meta.get(key) is not None:
            lines.append(f"{key} = {_toml_value(meta[key])}")
    for key in ("period_start", "period_end", "census_date"):
        if meta.get(key) is not None:
            lines.append(f"{key} = {pd.Timestamp(meta[key]).strftime('%Y-%m-%d')}")
    if meta.get("minimum_age_criminal_responsibility") is not None:
        lines.append(
            "minimum_age_criminal_responsibility = "
            f"{int(meta['minimum_age_criminal_responsibility'])}"
        )
    policy = meta.get("policy") or {}
    if policy:
        lines += ["", "[policy]"]
        for key in POLICY_KEYS:
            if isinstance(policy.get(key), bool):
                lines.append(f"{key} = {_toml_value(policy[key])}")
    return "\n".join(lines) + "\n"


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A typed frame back to file text (ISO dates, true/false, integers without decimals)."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            txt = s.dt.strftime("%Y-%m-%d").astype(object)
            txt[s.isna().to_numpy()] = None
        elif pd.api.types.is_bool_dtype(s.dtype):
            txt = s.map({True: "true", False: "false"}).astype(object)
            txt[s.isna().to_numpy()] = None
        else:
            txt = s.astype(object).where(s.notna(), None)
            txt = txt.map(lambda x: x if x is None else str(x))
        out[col] = txt
    return pd.DataFrame(out)


def _typed_for_parquet(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    from .codes import TABLES

    out = frame.copy()
    for col in TABLES[name]:
        if col.name not in out.columns:
            continue
        s = out[col.name]
        if col.kind == "date":
            out[col.name] = pd.to_datetime(s, format="%Y-%m-%d").astype("datetime64[ms]")
        elif col.kind == "bool":
            out[col.name] = s.map({"true": True, "false": False}).astype("boolean")
        elif col.kind == "int":
            out[col.name] = pd.to_numeric(s).astype("Int64")
        else:
            out[col.name] = s.astype("string")
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV as ``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes it, faster.

    Arrow's writer (multi-threaded) handles the body when no cell needs quoting (ids, codes,
    dates, numbers: always the case for simulated data); otherwise pandas writes the file.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(c) for c in frame.columns]
    header = ",".join(names)
    if any(ch in name for name in names for ch in ',"\n\r'):
        frame.to_csv(path, index=False, lineterminator="\n", na_rep="")
        return
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(pa.schema([pa.field(c, pa.string()) for c in table.column_names]))
        with pa.OSFile(str(path), "wb") as sink:  # Arrow's own file: no Python per chunk
            sink.write((header + "\n").encode("utf-8"))
            pacsv.write_csv(
                table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none")
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        frame.to_csv(path, index=False, lineterminator="\n", na_rep="")


def write_dataset(data, out_dir: str | Path, format: str = "csv") -> Path:
    """Write a dataset folder: dataset.toml and one file per table.

    Parameters
    ----------
    data : SimulatedData or Dataset
        What :func:`simulate_frames` or :func:`simulate` returned (or any Dataset).
    out_dir : path
        Folder to write (created if needed); existing table files are replaced.
    format : {"csv", "parquet"}
        Table file format. CSV is UTF-8, comma-separated, ``\\n`` line ends, empty = missing.

    Returns
    -------
    Path
        The folder written.
    """
    if format not in ("csv", "parquet"):
        raise ValueError("format must be 'csv' or 'parquet'")
    if isinstance(data, SimulatedData):
        meta, frames = data.metadata, data.frames
    else:  # a Dataset
        meta = dict(getattr(data, "metadata", {}) or {})
        meta.setdefault("country", data.country)
        meta.setdefault("country_name", data.country_name)
        meta.setdefault("period_start", data.period_start)
        meta.setdefault("period_end", data.period_end)
        meta.setdefault("census_date", data.census_date)
        meta.setdefault("policy", data.policy)
        from .codes import TABLES

        frames = {}
        for name, table in data.tables.items():
            # the reader adds every optional column; leave out those with no value at all
            empty = [c.name for c in TABLES.get(name, ()) if not c.required
                     and c.name in table.columns and table[c.name].isna().all()]
            frames[name] = _text_frame(table.drop(columns=empty))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dataset.toml").write_text(_dataset_toml(meta), encoding="utf-8", newline="\n")
    for name, frame in frames.items():
        if format == "csv":
            _write_csv(frame, out / f"{name}.csv")
        else:
            _typed_for_parquet(name, frame).to_parquet(out / f"{name}.parquet", index=False)
    return out


def write_samples(
    out_dir: str | Path, profiles: dict[str, Any] | None = None, only: list[str] | None = None
) -> list[Path]:
    """Regenerate the shipped samples: ``out_dir/<CODE>/<YEAR>/`` for every profile and year.

    Uses each profile's ``sample_children`` and ``[simulation] sample_seed`` and
    ``sample_years``; this is what ``jj-indicators simulate --samples DIR`` runs.
    """
    profiles = profiles or load_profiles()
    sim = profiles["simulation"]
    seed = int(sim["sample_seed"])
    written = []
    for name, table in profiles["profiles"].items():
        if only and name not in only:
            continue
        for year in sim["sample_years"]:
            data = simulate_frames(
                name, int(table["sample_children"]), seed, int(year), profiles=profiles
            )
            written.append(write_dataset(data, Path(out_dir) / table["code"] / str(year)))
    return written
