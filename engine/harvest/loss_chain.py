"""Where losses meet gains, in the tax engine's order, when a long-term gain can be taxed (issue 14).

The tax engine (engine/tax/year.py) carves the exemption (s.112A) out of the exemptable long-term
gains first, highest rate first, and then sets losses off tranche by tranche: long-term losses
against the long-term tranches (the taxed ones by rate, then the exempt ones), short-term losses
against every tranche in `set_off_order` (known rates highest first, then slab gains of a rate the
policy does not state, the exempt tranches last). A taxed long-term tranche (gains above the
exemption, or long-term gains the exemption never covers) therefore meets short-term losses before
a short-term gain taxed at a lower rate (a slab of 10%, or a slab rate not stated).

formulation.add_short_loss_chain makes short-term losses meet every short-term bucket before any
long-term one: the engine's order while no long-term gain is taxed, or while none of the short-term
buckets ranks after a taxed long-term one. Otherwise it is not, and the program's net LTCG was the
higher of the two: on seed 10,255 of the referee's richer instances (LTCG Rs 73 realised, exemption
Rs 40, a brought-forward short-term loss of Rs 11 and a slab gain of Rs 22 at a rate not stated) the
engine sets the loss off against the taxed LTCG (net LTCG 62, the allowance) and the program against
the slab gain (net LTCG 73): no plan fitted, not even selling nothing. There, `add_loss_chain` builds
the engine's order itself: the taxed part of each exemptable bucket, `T_k = C_k - C_(k-1)` with
`C_k = max(0, S_k - X)` (`S_k` the gains of the first k exemptable buckets, `X` the law's exemption)
and one binary per bucket whose `S_k` may fall on either side of `X`; the columns of the losses set
off against that part (`a`, at most the bucket's set-off column); and two chains of binaries (long-
term losses over the long-term tranches, short-term ones over all), each step "every tranche
before it is covered". Every other case gets the program it had before (the same columns and rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.harvest import formulation as fm
from engine.harvest.formulation import Bucket, Formulation
from engine.harvest.program import INF
from engine.tax.year import Tranche, set_off_order
from engine.vocabulary import Term

Affine = tuple[dict[int, float], float]  # columns with their coefficients, and a constant


@dataclass(frozen=True)
class Piece:
    """A tranche losses meet in turn: a bucket's gains whole (short-term; long-term that the
    exemption never covers) or the part of an exemptable long-term bucket the exemption leaves
    taxed. `amount` as columns and a constant, at most `most`; `short`, `long`: the columns of the
    losses of each term set off against it (None: that term cannot meet it)."""

    bucket: Bucket
    amount: Affine
    most: float
    short: int | None
    long: int | None


def add_loss_chain(f: Formulation) -> None:
    """Short-term (and long-term) losses meet the year's tranches in the tax engine's order:
    formulation.add_short_loss_chain where that is its order, else the tranches themselves."""
    exemptable = sorted((b for b in f.ordered if b[0] == Term.LONG and b[2]), key=_carve_order)
    if not _orders_differ(f, exemptable):
        fm.add_short_loss_chain(f)
        return
    pieces = [_whole(f, b) for b in f.ordered if not (b[0] == Term.LONG and b[2])]
    exempt_short, exempt_long = _taxed_parts(f, exemptable, pieces)
    pieces.sort(key=lambda piece: _rank(f, piece.bucket))
    short_most = _losses_most(f, Term.SHORT)
    long_most = _losses_most(f, Term.LONG)
    _chain(f, [p for p in pieces if p.short is not None], Term.SHORT, exempt_short, short_most)
    _chain(f, [p for p in pieces if p.long is not None], Term.LONG, exempt_long, long_most)


def _carve_order(b: Bucket) -> tuple[Decimal, str]:
    """The engine carves the exemption from the exemptable buckets highest rate first."""
    rate = b[1]
    return (-rate if isinstance(rate, Decimal) else Decimal(0), repr(b))


def _rank(f: Formulation, b: Bucket) -> tuple[tuple[int, Decimal], Decimal, str]:
    """Where a bucket's taxed tranche stands in the engine's order: `set_off_order`, ties (a
    long-term rate equal to a stated slab rate) as the engine keeps them, known rates first."""
    rate = b[1]
    known = rate if isinstance(rate, Decimal) else Decimal(0)
    return (set_off_order(Tranche(b[0], rate, False, Decimal(0)), f.rates.slab), -known, repr(b))


def _gains(f: Formulation, b: Bucket) -> tuple[Affine, float]:
    """The bucket's gains (the plan's columns and what the year already has), and their most."""
    cols = dict(f.buckets.get(b, {}))
    base = float(f.baseline.base_gain.get(b, 0))  # solver input
    return (cols, base), sum(v * f.program.upper[c] for c, v in cols.items()) + base


def _losses_most(f: Formulation, term: Term) -> float:
    pool = f.loss_pool[term]
    return sum(v * f.program.upper[c] for c, v in pool.items()) + float(f.baseline.base_loss[term])  # solver input


def _whole(f: Formulation, b: Bucket) -> Piece:
    amount, most = _gains(f, b)
    return Piece(b, amount, most, f.short_loss_to.get(b), f.long_loss_to.get(b))


def _orders_differ(f: Formulation, exemptable: list[Bucket]) -> bool:
    """Whether some short-term bucket ranks after a long-term tranche that can be taxed."""
    limit = float(f.baseline.limit)  # solver input
    taxable = [b for b in f.ordered if b[0] == Term.LONG and not b[2]]
    if sum(_gains(f, b)[1] for b in exemptable) > limit:
        taxable += exemptable
    short = [b for b in f.ordered if b[0] == Term.SHORT and b in f.short_loss_to]
    return any(_rank(f, s) > _rank(f, t) for s in short for t in taxable)


def _taxed_parts(f: Formulation, exemptable: list[Bucket], pieces: list[Piece]) -> tuple[Affine, Affine]:
    """The taxed part of each exemptable bucket as a piece (added to `pieces`), and, per term,
    the losses set off against the exempt parts (the bucket's set-off less its taxed part's)."""
    p = f.program
    limit = float(f.baseline.limit)  # solver input
    exempt: dict[Term, dict[int, float]] = {Term.SHORT: {}, Term.LONG: {}}
    before: Affine = ({}, 0.0)  # C_(k-1)
    total: Affine = ({}, 0.0)  # S_k
    for b in exemptable:
        (cols, base), _ = _gains(f, b)
        total = ({**total[0], **cols}, total[1] + base)
        now = _above(f, total, limit)  # C_k = max(0, S_k - X)
        taxed = (_minus(now[0], before[0]), now[1] - before[1])  # T_k = C_k - C_(k-1)
        before = now
        own = {Term.SHORT: f.short_loss_to.get(b), Term.LONG: f.long_loss_to.get(b)}
        for term, col in own.items():
            if col is not None:
                exempt[term][col] = 1.0
        if not taxed[0] and taxed[1] <= 0:
            continue  # never taxed: every loss set off against the bucket meets its exempt part
        parts: dict[Term, int | None] = {}
        for term, col in own.items():
            parts[term] = None
            if col is not None:  # the part of the bucket's set-off that meets its taxed part
                a = parts[term] = p.var(0, INF)
                p.row({a: 1.0, col: -1.0}, -INF, 0.0)
                exempt[term][a] = -1.0
        p.row({**{a: 1.0 for a in parts.values() if a is not None}, **{c: -v for c, v in taxed[0].items()}},
              -INF, taxed[1])
        most = sum(v * p.upper[c] for c, v in cols.items()) + base
        pieces.append(Piece(b, taxed, most, parts[Term.SHORT], parts[Term.LONG]))
    return (exempt[Term.SHORT], 0.0), (exempt[Term.LONG], 0.0)


def _minus(a: dict[int, float], b: dict[int, float]) -> dict[int, float]:
    out = dict(a)
    for c, v in b.items():
        out[c] = out.get(c, 0.0) - v
    return {c: v for c, v in out.items() if v != 0.0}


def _above(f: Formulation, s: Affine, limit: float) -> Affine:
    """max(0, s - limit) as a column (a binary chooses which), or a constant or `s - limit`
    itself where `s` cannot fall on both sides of `limit`."""
    p = f.program
    cols, base = s
    most = sum(v * p.upper[c] for c, v in cols.items()) + base  # the gains' coefficients are positive
    if most <= limit:
        return {}, 0.0
    if base >= limit:
        return dict(cols), base - limit
    big = max(most, limit) + 1.0
    c, z = p.var(0, INF), p.var(0, 1, integer=True)
    p.row({c: 1.0, **{k: -v for k, v in cols.items()}}, base - limit, INF)  # c >= s - limit
    p.row({c: 1.0, z: -big}, -INF, 0.0)  # z = 0: c = 0
    p.row({c: 1.0, **{k: -v for k, v in cols.items()}, z: big}, -INF, base - limit + big)  # z = 1: c = s - limit
    return {c: 1.0}, 0.0


def _chain(f: Formulation, pieces: list[Piece], term: Term, exempt: Affine, losses_most: float) -> None:
    """Losses of `term` meet `pieces` in order, and the exempt parts (`exempt`: what of them meets
    those) last: a piece only once every piece before it is covered (by the losses of this term
    alone for long-term losses, which the engine sets off first; by both for short-term ones),
    one binary per step."""
    p = f.program
    step: int | None = None
    for piece in pieces:
        own = piece.long if term == Term.LONG else piece.short
        assert own is not None
        if step is not None:  # reaching this piece needs the step before it
            p.row({own: 1.0, step: -(min(piece.most, losses_most) + 1.0)}, -INF, 0.0)
        new = p.var(0, 1, integer=True)
        if step is not None:
            p.row({new: 1.0, step: -1.0}, -INF, 0.0)
        step = new
        cols, base = piece.amount
        covers = {own: -1.0} if term == Term.LONG else \
            {c: -1.0 for c in (piece.short, piece.long) if c is not None}
        big = piece.most + 1.0  # uncovered <= big x (1 - step)
        row = dict(cols)
        for c, v in covers.items():
            row[c] = row.get(c, 0.0) + v
        row[step] = row.get(step, 0.0) + big
        p.row(row, -INF, big - base)
    if step is not None and exempt[0]:
        p.row({**exempt[0], step: -(losses_most + 1.0)}, -INF, 0.0)
