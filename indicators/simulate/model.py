"""The pathway model: children followed from arrest to release.

The simulator follows children through the justice system (a model of pathways, not independent
random columns). Its parameters are the country profiles in ``indicators/profiles.toml``, a
commented data file a trainer can edit without reading this code.

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

This module holds steps 1 to 3: :meth:`Model.run` draws the children, their arrests, decisions
and stays, one documented step per stage of the pathway, and returns them as :class:`Pathways`
(day numbers and code indices, no text). Steps 4 to 6, which need the facilities and the kept
children, are drawn in :mod:`indicators.simulate.frames`. The steps draw from one random
generator in a fixed order: reordering them changes every dataset.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..codes import DECISION, FACILITY_TYPE, OFFENCE_CATEGORY
from .arrays import (
    BIG,
    age,
    cdf,
    day,
    excl_group_cummax,
    group_end,
    group_start,
    pick,
    pick_by_year,
)
from .pathways import (
    Arrests,
    Charges,
    Children,
    Decisions,
    Episodes,
    Pathways,
    PreSentence,
    Sentences,
    Spells,
)
from .profiles import YearPars, profile_parameters

__all__ = ["Model"]

FT = {name: i for i, name in enumerate(FACILITY_TYPE)}
"""Index of each facility type in ``FACILITY_TYPE`` (the model's ``ftype`` codes)."""
POLICE = FT["police"]

# Episode end reasons as codes (indices into codes.END_REASON).
_RELEASE, _TRANSFER, _DEATH, _ESCAPE = 0, 1, 2, 3


# --------------------------------------------------------------------------- the model


class Model:
    """The pathway model of one profile and reference period.

    Parameters
    ----------
    profile : str
        A profile name of ``profiles.toml``.
    period : int
        Calendar year of the reference period P.
    profiles : dict
        Profiles as returned by :func:`indicators.simulate.load_profiles`.

    Attributes
    ----------
    cur : dict
        The profile's parameters of P (country, age curve, missing shares, policy...).
    yp : YearPars
        The parameters of every year of the window, for per-arrest lookups.
    p0, p1, w0 : int
        First and last day of P; first day of the window (``lookback_years`` before P).
    """

    def __init__(self, profile: str, period: int, profiles: dict[str, Any]):
        sim = profiles["simulation"]
        self.profile = profile
        self.period = period
        self.lookback = int(sim.get("lookback_years", 3))
        self.reference_year = int(sim.get("reference_year", period))
        self.years = list(range(period - self.lookback, period + 1))
        self.cur = profile_parameters(profile, period, profiles)
        self.yp = YearPars([profile_parameters(profile, y, profiles) for y in self.years])
        self.p0 = day(f"{period}-01-01")
        self.p1 = day(f"{period}-12-31")
        self.w0 = day(f"{period - self.lookback}-01-01")
        self.year_start = np.array([day(f"{y}-01-01") for y in self.years])

    def run(self, rng: np.random.Generator, m: int) -> Pathways:
        """Simulate ``m`` candidate children (children with an arrest in the window).

        Parameters
        ----------
        rng : numpy.random.Generator
            The run's random stream.
        m : int
            Number of candidate children.

        Returns
        -------
        Pathways

        Notes
        -----
        The steps, in the order they draw from ``rng``:

        1. :meth:`draw_children`: sex, first arrest, date of birth, number of arrests;
        2. :meth:`draw_arrests`: the days of the arrests;
        3. :meth:`draw_charges`: offence, outcome, pre-sentence detention;
        4. :meth:`draw_decisions`: court delay and decision;
        5. :meth:`draw_pre_sentence`: police-cell days, bail;
        6. :meth:`draw_sentences`: days served, places, transfers;
        7. :meth:`build_episodes`: the episodes of every stay (no draws);
        8. :meth:`draw_escapes_and_deaths`: stays cut short;
        9. what cannot happen (no draws): :meth:`arrests_while_free`,
           :meth:`concurrent_stays`, :meth:`apply_deaths`; then :meth:`select_cases`.
        """
        kids = self.draw_children(rng, m)
        arrests = self.draw_arrests(rng, kids)
        charges = self.draw_charges(rng, arrests)
        decisions = self.draw_decisions(rng, arrests, charges)
        pre = self.draw_pre_sentence(rng, arrests, charges, decisions)
        sentences = self.draw_sentences(rng, arrests)
        eps = self.build_episodes(arrests, charges, decisions, pre, sentences)
        eps = self.draw_escapes_and_deaths(rng, arrests, eps)
        spells = Spells.of(eps)
        arrest_ok = self.arrests_while_free(arrests, spells)
        sp_keep = self.concurrent_stays(arrest_ok, spells)
        arrest_ok, dec_ok, sp_keep = self.apply_deaths(
            m, arrests, decisions, eps, spells, arrest_ok, sp_keep
        )
        # the episodes of the kept spells (each spell's keep repeated over its episodes)
        n_per_spell = np.diff(np.r_[np.flatnonzero(spells.first), eps.spell.size])
        keep_sp_e = np.repeat(sp_keep, n_per_spell)
        eps = eps.subset(keep_sp_e)
        case = self.select_cases(arrests, decisions, spells, sp_keep, arrest_ok, dec_ok)
        return Pathways(
            m=m, boys=kids.boys, dob=kids.dob, child=arrests.child, t=arrests.t, yi=arrests.yi,
            off=charges.off, decision=decisions.decision, dec_t=decisions.dec_t, dec_ok=dec_ok,
            case=case, ep=eps.ep, spell=eps.spell, e_child=eps.child, reason=eps.reason,
        )

    # ------------------------------------------------------------------ 1. children and arrests
    def draw_children(self, rng: np.random.Generator, m: int) -> Children:
        """Draw each candidate child's sex, first arrest, date of birth and number of arrests.

        Draws, in order: a boy with chance ``share_boys``; the age at first arrest from
        ``age_curve`` (the weights of ages under ``minimum_age_criminal_responsibility`` times
        ``under_age_arrests``); the day of first arrest, uniform over the window; the date of
        birth, uniform within the year of age; the number of arrests, 1 + a negative binomial
        (gamma-Poisson, shape 0.6) of mean ``repeat_arrests_mean``, at most 15.
        """
        cur = self.cur
        nwin = self.p1 + 1 - self.w0
        boys = rng.random(m) < float(cur["share_boys"])
        ages = np.array([int(a) for a in cur["age_curve"]])
        aw = np.array([float(w) for w in cur["age_curve"].values()])
        # Arrests under the minimum age of criminal responsibility are rare recording errors.
        macr = int(cur["minimum_age_criminal_responsibility"])
        aw = np.where(ages < macr, aw * float(cur["under_age_arrests"]), aw)
        age1 = ages[pick_by_year(rng, cdf(aw)[None, :], np.zeros(m, dtype=np.int64))]
        t1 = self.w0 + rng.integers(0, nwin, m)
        dob = t1 - np.floor((age1 + rng.random(m)) * 365.25).astype(np.int64)
        rep_mean = float(cur["repeat_arrests_mean"])
        shape = 0.6
        if rep_mean > 0:
            k = 1 + rng.poisson(rng.gamma(shape, rep_mean / shape, m))
        else:
            k = np.ones(m, dtype=np.int64)
        k = np.minimum(k, 15)
        return Children(boys, dob, t1, k)

    def draw_arrests(self, rng: np.random.Generator, kids: Children) -> Arrests:
        """Draw the days of every child's arrests.

        Draws the gaps between a child's arrests, exponential of mean ``repeat_gap_days``.
        Arrests after the end of P or on or after the 18th birthday are dropped (those while
        the child is held or after a death go later, in :meth:`arrests_while_free` and
        :meth:`apply_deaths`).
        """
        k = kids.n_arrests
        child = np.repeat(np.arange(k.size), k)
        first = np.cumsum(k) - k
        order = np.arange(child.size) - first[child]
        gaps = rng.exponential(float(self.cur["repeat_gap_days"]), child.size)
        gaps[order == 0] = 0.0
        cs = np.cumsum(gaps)
        t = kids.first_day[child] + np.floor(cs - cs[first[child]]).astype(np.int64)
        ok = (t <= self.p1) & (age(kids.dob[child], t) < 18)
        child, t = child[ok], t[ok]
        yi = np.searchsorted(self.year_start, t, side="right") - 1
        return Arrests(child, t, yi)

    # ------------------------------------------------------------------ 2. per arrest
    def draw_charges(self, rng: np.random.Generator, arrests: Arrests) -> Charges:
        """Draw each arrest's offence, its outcome and pre-sentence detention.

        Parameters of the arrest's year: the offence from ``offence_mix``; the outcome from
        ``arrest_outcome`` (no further action, diversion, prosecution); for a prosecuted case,
        detention with chance ``pre_sentence.detention`` x ``pre_sentence.offence_factor`` of
        the offence (at most 0.95).
        """
        yp, yi = self.yp, arrests.yi
        off = pick_by_year(rng, cdf(yp.weights(OFFENCE_CATEGORY, "offence_mix")), yi)
        outcome = pick_by_year(
            rng,
            cdf(yp.weights(("no_further_action", "diversion", "prosecution"), "arrest_outcome")),
            yi,
        )
        pros = outcome == 2
        det_factor = yp.weights(OFFENCE_CATEGORY, "pre_sentence", "offence_factor", default=1.0)
        p_det = np.clip(yp.scalar("pre_sentence", "detention")[yi] * det_factor[yi, off], 0, 0.95)
        detained = pros & (rng.random(arrests.n) < p_det)
        return Charges(off, outcome, detained)

    def draw_decisions(
        self, rng: np.random.Generator, arrests: Arrests, charges: Charges
    ) -> Decisions:
        """Draw the court's delay and decision, and the day of a diversion.

        Draws, in order: the court delay (lognormal, ``court.delay_days_median`` and
        ``court.delay_days_sigma``, at least 1 day); the days to a diversion decision
        (geometric, mean 14); the court decision from ``court.decision``, the custodial weight
        times ``court.custodial_offence_factor`` of the offence and, for a detained child,
        ``court.custodial_factor_if_detained``. A prosecuted case gets the court's decision
        after the delay, a diverted one a ``diversion`` within days; no further action has no
        decision.
        """
        yp, yi, t, n = self.yp, arrests.yi, arrests.t, arrests.n
        outcome, off, detained = charges.outcome, charges.off, charges.detained
        pros = outcome == 2
        delay = np.maximum(
            np.rint(
                np.exp(
                    np.log(yp.scalar("court", "delay_days_median")[yi])
                    + yp.scalar("court", "delay_days_sigma")[yi] * rng.standard_normal(n)
                )
            ),
            1,
        ).astype(np.int64)
        div_delay = rng.geometric(1 / 15.0, n) - 1  # diversion decided within days
        w_dec = yp.weights(DECISION, "court", "decision")[yi].copy()
        cust_i = DECISION.index("custodial_sentence")
        c_off = yp.weights(OFFENCE_CATEGORY, "court", "custodial_offence_factor", default=1.0)
        w_dec[:, cust_i] *= c_off[yi, off]
        w_dec[detained, cust_i] *= yp.scalar("court", "custodial_factor_if_detained")[yi][detained]
        dec = pick(rng, cdf(w_dec))
        decision = np.full(n, -1)
        decision[outcome == 1] = DECISION.index("diversion")
        decision[pros] = dec[pros]
        dec_t = np.full(n, BIG, dtype=np.int64)
        dec_t[outcome == 1] = t[outcome == 1] + div_delay[outcome == 1]
        dec_t[pros] = t[pros] + delay[pros]
        custodial = decision == cust_i
        return Decisions(delay, decision, dec_t, custodial)

    def draw_pre_sentence(
        self, rng: np.random.Generator, arrests: Arrests, charges: Charges,
        decisions: Decisions,
    ) -> PreSentence:
        """Draw the police-cell days and the length of pre-sentence detention.

        Draws, in order: days in the police cell from ``pre_sentence.police_days`` (chances of
        0, 1, 2 days); the days to bail (lognormal, ``pre_sentence.days_median`` and
        ``days_sigma``, at least 1; a child not bailed before the decision is held until it);
        for a child not detained, a police-cell-only stay with chance
        ``pre_sentence.police_only``, of 0 or 1 days (even chances).
        """
        yp, yi, n = self.yp, arrests.yi, arrests.n
        detained, delay = charges.detained, decisions.delay
        pol_w = np.asarray([p["pre_sentence"]["police_days"] for p in yp.pars], dtype=float)
        pol_days = pick_by_year(rng, cdf(pol_w), yi)
        bail = np.maximum(
            np.rint(
                np.exp(
                    np.log(yp.scalar("pre_sentence", "days_median")[yi])
                    + yp.scalar("pre_sentence", "days_sigma")[yi] * rng.standard_normal(n)
                )
            ),
            1,
        ).astype(np.int64)
        held = detained & (bail >= delay)
        pre_len = np.where(held, delay, bail)
        pol_days = np.minimum(pol_days, pre_len)
        police_only = (~detained) & (rng.random(n) < yp.scalar("pre_sentence", "police_only")[yi])
        police_only_days = (rng.random(n) < 0.5).astype(np.int64)
        return PreSentence(pol_days, pre_len, held, police_only, police_only_days)

    def draw_sentences(self, rng: np.random.Generator, arrests: Arrests) -> Sentences:
        """Draw, for every arrest, what a custodial sentence would be (used where it is one).

        Draws, in order: the days served (lognormal, ``sentence.days_median`` and
        ``days_sigma``, at least 7); the transfer lag from the pre-trial place, uniform 0 to
        ``sentence.transfer_lag_days`` (less than the sentence); the facility types of the
        pre-trial place (``pre_sentence.placement``), the sentenced place
        (``sentence.placement``) and the place after a mid-stay transfer
        (``sentence.mid_transfer_placement``); a mid-stay transfer of a sentenced stay
        (``sentence.mid_transfer``) and of a pre-trial stay (``pre_sentence.mid_transfer``);
        where each would split its stay, uniform in 0.2-0.8.
        """
        yp, yi, n = self.yp, arrests.yi, arrests.n
        sent_len = np.maximum(
            np.rint(
                np.exp(
                    np.log(yp.scalar("sentence", "days_median")[yi])
                    + yp.scalar("sentence", "days_sigma")[yi] * rng.standard_normal(n)
                )
            ),
            7,
        ).astype(np.int64)
        lag = np.floor(rng.random(n) * (yp.scalar("sentence", "transfer_lag_days")[yi] + 1))
        lag = np.minimum(lag.astype(np.int64), sent_len - 1)

        def place(*path):
            return pick_by_year(rng, cdf(yp.weights(FACILITY_TYPE, *path)), yi)

        pre_place = place("pre_sentence", "placement")
        sent_place = place("sentence", "placement")
        mid_place = place("sentence", "mid_transfer_placement")
        mid_sent = rng.random(n) < yp.scalar("sentence", "mid_transfer")[yi]
        mid_pre = rng.random(n) < yp.scalar("pre_sentence", "mid_transfer")[yi]
        split_u = 0.2 + 0.6 * rng.random(n)
        split_v = 0.2 + 0.6 * rng.random(n)
        return Sentences(
            sent_len, lag, pre_place, sent_place, mid_place, mid_sent, mid_pre, split_u, split_v
        )

    # ------------------------------------------------------------------ 3. stays
    def build_episodes(
        self, arrests: Arrests, charges: Charges, decisions: Decisions,
        pre: PreSentence, sentences: Sentences,
    ) -> Episodes:
        """Lay out the episodes of every arrest's stays (no draws).

        Spell 0 of an arrest starts on the arrest day: the police cell, then the pre-trial
        place (split by a transfer when drawn and the stay is 30 days or more) and, when the
        child is held until a custodial sentence, the sentenced place after the transfer lag.
        Spell 1 is a sentenced stay that starts on the decision day of a child who was not
        held (decided by the end of P). A sentenced stay of 60 days or more may be split by a
        transfer. Every episode but a spell's last ends in a transfer, the last in release.
        """
        t, child = arrests.t, arrests.child
        detained = charges.detained
        dec_t, custodial = decisions.dec_t, decisions.custodial
        held, pol_days = pre.held, pre.police_days
        lag = sentences.lag
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
        spell0_sent = np.where(held_cust, s_day, BIG)
        pre_end = t + pre.length
        # Police cell, then the pre-trial place (possibly split by a transfer midway).
        add(detained, 0, 0, t, t + pol_days, POLICE, spell0_sent)
        add(pre.police_only, 0, 0, t, t + pre.police_only_days, POLICE, BIG)
        pre_start = t + pol_days
        pre_stop = np.where(held_cust, s_day + lag, pre_end)
        has_pre = detained & (pre_stop > pre_start)
        split_pre = has_pre & sentences.mid_pre & (pre_stop - pre_start >= 30)
        cut_pre = pre_start + np.floor((pre_stop - pre_start) * sentences.pre_split_at).astype(
            np.int64
        )
        pre_place = sentences.pre_place
        add(has_pre & ~split_pre, 0, 1, pre_start, pre_stop, pre_place, spell0_sent)
        add(split_pre, 0, 1, pre_start, cut_pre, pre_place, spell0_sent)
        add(split_pre, 0, 2, cut_pre, pre_stop, pre_place, spell0_sent)
        # Sentenced place: after the transfer lag when held, or a new stay from the decision day.
        deferred = custodial & ~held & (dec_t <= self.p1)
        sp_start = np.where(held_cust, s_day + lag, s_day)
        sp_end = s_day + sentences.length
        kind = np.where(held_cust, 0, 1)
        has_sp = held_cust | deferred
        split_sp = has_sp & sentences.mid_sent & (sp_end - sp_start >= 60)
        cut_sp = sp_start + np.floor((sp_end - sp_start) * sentences.split_at).astype(np.int64)
        sent_place, mid_place = sentences.place, sentences.mid_place
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
        reason = np.where(group_end(spell), _RELEASE, _TRANSFER)
        return Episodes(e, spell, child[e["arr"]], reason)

    def draw_escapes_and_deaths(
        self, rng: np.random.Generator, arrests: Arrests, eps: Episodes
    ) -> Episodes:
        """Draw escapes and deaths in the spells; either ends the spell on its day.

        Parameters of the arrest's year. Draws, per spell of 2 days or more, in order: an
        escape with chance ``release.escape``; a death with chance 1 - exp(-rate x years held)
        of rate ``release.deaths_per_1000_child_years`` / 1000; the day of each, uniform after
        the first day. The earlier event ends the episode it falls in (end reason ``escape`` or
        ``death``); the later episodes of the spell are dropped.
        """
        yp, e, reason = self.yp, eps.ep, eps.reason
        sp_first, last = group_start(eps.spell), group_end(eps.spell)
        s_idx = np.flatnonzero(sp_first)
        s_of_e = np.cumsum(sp_first) - 1
        s_start = e["start"][s_idx]
        s_end = e["end"][last]
        s_dur = s_end - s_start
        s_yi = arrests.yi[e["arr"][s_idx]]
        n_s = s_idx.size
        esc = (rng.random(n_s) < yp.scalar("release", "escape")[s_yi]) & (s_dur >= 2)
        p_die = 1 - np.exp(
            -yp.scalar("release", "deaths_per_1000_child_years")[s_yi] / 1000 * s_dur / 365.25
        )
        die = (rng.random(n_s) < p_die) & (s_dur >= 2)
        esc_t = s_start + 1 + np.floor(rng.random(n_s) * (s_dur - 1)).astype(np.int64)
        die_t = s_start + 1 + np.floor(rng.random(n_s) * (s_dur - 1)).astype(np.int64)
        ev_t = np.full(n_s, BIG, dtype=np.int64)
        ev_r = np.zeros(n_s, dtype=np.int64)
        ev_t[esc] = esc_t[esc]
        ev_r[esc] = _ESCAPE
        d_first = die & (~esc | (die_t < esc_t))
        ev_t[d_first] = die_t[d_first]
        ev_r[d_first] = _DEATH
        et = ev_t[s_of_e]
        keep_e = e["start"] <= et
        cont = keep_e & (e["end"] > et)
        e = dict(e, end=np.where(cont, et, e["end"]))
        reason = np.where(cont, ev_r[s_of_e], reason)
        return Episodes(e, eps.spell, eps.child, reason).subset(keep_e)

    # ------------------------------------------------------------------ what cannot happen
    def arrests_while_free(self, arrests: Arrests, spells: Spells) -> np.ndarray:
        """Per arrest, True unless it falls while the child is held in another case's stay
        (no draws).

        Arrests and stays are merged per child in time order; an arrest on or before the last
        day of an earlier stay of the child does not happen.
        """
        a_n = arrests.n
        it_child = np.concatenate([arrests.child, spells.child])
        it_time = np.concatenate([arrests.t, spells.start])
        it_type = np.concatenate([np.zeros(a_n, np.int64), np.ones(spells.ids.size, np.int64)])
        it_end = np.concatenate([np.full(a_n, -1, np.int64), spells.stop])
        o = np.lexsort((it_type, it_time, it_child))
        prev_end = excl_group_cummax(it_child[o], np.maximum(it_end[o], 0) * (it_end[o] >= 0))
        blocked_sorted = (it_type[o] == 0) & (prev_end >= it_time[o])
        blocked = np.zeros(it_child.size, dtype=bool)
        blocked[o] = blocked_sorted
        return ~blocked[:a_n]

    def concurrent_stays(self, arrest_ok: np.ndarray, spells: Spells) -> np.ndarray:
        """Per spell, True when it is kept (no draws).

        Stays of arrests that did not happen go; a stay overlapping an earlier stay of the
        child (a sentence for another case while already held) is served concurrently, so it
        is dropped.
        """
        sp_ok = arrest_ok[spells.arr]
        o = np.lexsort((spells.arr, spells.start, spells.child))
        o = o[sp_ok[o]]
        prev_end = excl_group_cummax(spells.child[o], spells.stop[o])
        ok_sorted = spells.start[o] > prev_end
        sp_keep = np.zeros(spells.ids.size, dtype=bool)
        sp_keep[o[ok_sorted]] = True
        return sp_keep

    def apply_deaths(
        self, m: int, arrests: Arrests, decisions: Decisions, eps: Episodes,
        spells: Spells, arrest_ok: np.ndarray, sp_keep: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nothing of a child after the day of death (no draws).

        Returns
        -------
        arrest_ok, dec_ok, sp_keep : ndarray of bool
            Arrests that happen; decisions that are recorded (of such an arrest, made by the
            end of P and not after the child's death); spells kept.
        """
        sp_reason = eps.reason[spells.last]
        death_day = np.full(m, BIG, dtype=np.int64)
        dmask = sp_keep & (sp_reason == _DEATH)
        np.minimum.at(death_day, spells.child[dmask], spells.stop[dmask])
        sp_keep = sp_keep & (spells.start <= death_day[spells.child])
        arrest_ok = arrest_ok & (arrests.t <= death_day[arrests.child])
        dec_t = decisions.dec_t
        dec_ok = (
            arrest_ok & (decisions.decision >= 0) & (dec_t <= self.p1)
            & (dec_t <= death_day[arrests.child])
        )
        return arrest_ok, dec_ok, sp_keep

    def select_cases(
        self, arrests: Arrests, decisions: Decisions, spells: Spells, sp_keep: np.ndarray,
        arrest_ok: np.ndarray, dec_ok: np.ndarray,
    ) -> np.ndarray:
        """Per arrest, True when the case is kept: it happened and has an event in P (the
        arrest, its decision, or a kept stay overlapping P). No draws."""
        p0, p1, t = self.p0, self.p1, arrests.t
        sp_start, sp_stop = spells.start[sp_keep], spells.stop[sp_keep]
        sp_arr = spells.arr[sp_keep]
        sp_in_p = (sp_start <= p1) & (sp_stop >= p0)
        case = arrest_ok & (((t >= p0) & (t <= p1)) | (dec_ok & (decisions.dec_t >= p0)))
        case[sp_arr[sp_in_p]] = True
        case &= arrest_ok
        return case
