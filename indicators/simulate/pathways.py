"""What the pathway model hands on: its result (:class:`Pathways`) and, between its steps,
the arrays of children, arrests, decisions, sentences, episodes and spells.

Plain containers of numpy arrays (day numbers, code indices, masks); no draws here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .arrays import group_end, group_start

__all__ = [
    "Arrests", "Charges", "Children", "Decisions", "Episodes", "Pathways", "PreSentence",
    "Sentences", "Spells", "concat_runs",
]


@dataclass
class Pathways:
    """The result of one model run: candidate children, their arrests and their stays.

    Indices are positions: ``child`` and ``e_child`` index the candidate children, ``ep["arr"]``
    the arrests. Days are day numbers; ``BIG`` means "none".

    Attributes
    ----------
    m : int
        Number of candidate children.
    boys, dob : ndarray
        Per candidate child: a boy; date of birth.
    child, t, yi, off : ndarray
        Per arrest: the child, the arrest day, the index of its year in the window and the
        offence (index into ``OFFENCE_CATEGORY``).
    decision, dec_t, dec_ok : ndarray
        Per arrest: the decision (index into ``DECISION``, -1 for none), its day, and whether
        it is recorded (decided by the end of P and not after the child's death).
    case : ndarray of bool
        Per arrest: the case is kept (an event in P).
    ep : dict of ndarray
        Per episode, sorted by spell and sequence: ``arr`` (the arrest), ``kind`` (0: the stay
        starting on the arrest day, 1: a sentenced stay starting on the decision day), ``seq``
        (order in the spell), ``start``, ``end``, ``ftype`` (index into ``FACILITY_TYPE``)
        and ``sent`` (sentence day or ``BIG``).
    spell, e_child, reason : ndarray
        Per episode: spell number (``2 * arrest + kind``), child, and end reason (index into
        ``END_REASON``).
    """

    m: int
    boys: np.ndarray
    dob: np.ndarray
    child: np.ndarray
    t: np.ndarray
    yi: np.ndarray
    off: np.ndarray
    decision: np.ndarray
    dec_t: np.ndarray
    dec_ok: np.ndarray
    case: np.ndarray
    ep: dict[str, np.ndarray]
    spell: np.ndarray
    e_child: np.ndarray
    reason: np.ndarray


@dataclass
class Children:
    """Per candidate child: a boy, date of birth, day of first arrest, number of arrests."""

    boys: np.ndarray
    dob: np.ndarray
    first_day: np.ndarray
    n_arrests: np.ndarray


@dataclass
class Arrests:
    """Per arrest: the child, the day, and the index of the day's year in the window."""

    child: np.ndarray
    t: np.ndarray
    yi: np.ndarray

    @property
    def n(self) -> int:
        """Number of arrests."""
        return self.child.size


@dataclass
class Charges:
    """Per arrest: the offence, the outcome (0 no further action, 1 diversion, 2 prosecution)
    and whether the child is held before sentence."""

    off: np.ndarray
    outcome: np.ndarray
    detained: np.ndarray


@dataclass
class Decisions:
    """Per arrest: days from arrest to court decision, the decision (-1: none), its day
    (``BIG``: none) and whether it is a custodial sentence."""

    delay: np.ndarray
    decision: np.ndarray
    dec_t: np.ndarray
    custodial: np.ndarray


@dataclass
class PreSentence:
    """Per arrest: days in the police cell, length of pre-sentence detention, held until the
    decision, and a police-cell-only stay (with its 0 or 1 days) for a child not detained."""

    police_days: np.ndarray
    length: np.ndarray
    held: np.ndarray
    police_only: np.ndarray
    police_only_days: np.ndarray


@dataclass
class Sentences:
    """Per arrest (used where the decision is custodial): days served, transfer lag, places
    (facility type indices), mid-stay transfers and where they split the stay (0.2-0.8)."""

    length: np.ndarray
    lag: np.ndarray
    pre_place: np.ndarray
    place: np.ndarray
    mid_place: np.ndarray
    mid_sent: np.ndarray
    mid_pre: np.ndarray
    pre_split_at: np.ndarray
    split_at: np.ndarray


@dataclass
class Episodes:
    """Episodes sorted by spell then sequence (see :class:`Pathways` for ``ep``)."""

    ep: dict[str, np.ndarray]
    spell: np.ndarray
    child: np.ndarray
    reason: np.ndarray

    def subset(self, keep: np.ndarray) -> Episodes:
        """The episodes where ``keep`` (a mask over the episodes), in the same order."""
        return Episodes(
            {k: v[keep] for k, v in self.ep.items()},
            self.spell[keep], self.child[keep], self.reason[keep],
        )


@dataclass
class Spells:
    """Per spell (a chain of episodes without a gap): its first and last episode (masks over
    the episodes), number, child, arrest, first and last day."""

    first: np.ndarray
    last: np.ndarray
    ids: np.ndarray
    child: np.ndarray
    arr: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    @classmethod
    def of(cls, eps: Episodes) -> Spells:
        """The spells of sorted episodes."""
        first, last = group_start(eps.spell), group_end(eps.spell)
        return cls(
            first, last, eps.spell[first], eps.child[first], eps.ep["arr"][first],
            eps.ep["start"][first], eps.ep["end"][last],
        )


def concat_runs(runs: list[Pathways]) -> Pathways:
    """One result from several runs (chunks): candidate and arrest indices are offset.

    Parameters
    ----------
    runs : list of Pathways
        Runs of the same model, in order.

    Returns
    -------
    Pathways
        As if the candidates of all runs had been simulated at once.
    """
    cand_off = np.cumsum([0] + [r.m for r in runs[:-1]])
    arr_off = np.cumsum([0] + [r.t.size for r in runs[:-1]])

    def cat(key: str, offsets=None, scale: int = 1) -> np.ndarray:
        if offsets is None:
            return np.concatenate([getattr(r, key) for r in runs])
        return np.concatenate(
            [getattr(r, key) + scale * o for r, o in zip(runs, offsets, strict=True)]
        )

    ep = {
        key: np.concatenate(
            [r.ep[key] + (o if key == "arr" else 0) for r, o in zip(runs, arr_off, strict=True)]
        )
        for key in runs[0].ep
    }
    offset = {"child": (cand_off, 1), "e_child": (cand_off, 1), "spell": (arr_off, 2)}
    out = {
        f.name: cat(f.name, *offset.get(f.name, (None,)))
        for f in fields(Pathways)
        if f.name not in ("m", "ep")
    }
    return Pathways(m=sum(r.m for r in runs), ep=ep, **out)
