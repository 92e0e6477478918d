"""One investor's financial year: set-off, brought-forward losses, exemption, tax, carry-forward.

The order is the law's; within it, the taxpayer's best lawful choice:
  0. Parts whose rate is "exempt" (long-term gains outside total income, s.10(38) before
     1 April 2018) are set aside: reported as exempt gains and losses, never set off
     against, taxed or carried forward. A slab rate is the investor's for this FY.
  1. Gains are grouped into tranches by term and rate. The exemption (s.112A, one limit
     per investor per FY, e.g. Rs 1,25,000 for all of FY 2024-25) is carved out of the
     exemptable long-term gains, highest rate first (the 12.5% tranche before the 10%).
  2. Set-off is mandatory and as large as the law allows: current-year losses first
     (s.70), then brought-forward ones, oldest first (s.74), even against gains the
     exemption would cover; a loss more than `carry forward N years` old has expired.
     Short-term losses may meet any gain, long-term losses only long-term gains (s.70(2),
     (3)). How much of each loss is used is fixed by those rules; WHICH gains it meets is
     the taxpayer's choice, and the least tax comes from: every long-term loss (current,
     then brought forward) on the highest-taxed long-term gains; then every short-term
     loss on the highest-taxed gains left (known rates, then slab gains of unknown rate,
     then exempt gains). Long-term room that the current year's short-term loss needs
     (when short-term gains are too few for it) is kept for it, so that current-year
     losses always go as far as they can. Checked against a brute force over every
     lawful allocation (1,500 random cases).
  3. (Brought-forward losses are placed in the same two passes as step 2.)
  4. What remains of the exempt tranche is the exemption used; tax is the rest at its
     rate, rounded to the paisa (half-even) per tranche; cess on the tax.
  5. Unused losses carry forward with their year of origin (s.74).
The rules (set-off matrix, carry-forward years, exemption, cess) come from the tax law.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Iterable

from engine.diagnostics import Diagnostic, error
from engine.literals import format_percent
from engine.policy.model import Investor, TaxLaw
from engine.tax.realised import RealisedPart, paise
from engine.vocabulary import Rate, RateKind, Term, resolve_rate

ZERO = Decimal(0)


@dataclass
class Tranche:
    term: Term
    rate: Rate | None
    exempt: bool  # the part of exemptable gains that the exemption covers
    amount: Decimal  # gain remaining (reduced by set-off)

    def label(self) -> str:
        rate = ("no rate" if self.rate is None
                else format_percent(self.rate) if isinstance(self.rate, Decimal) else str(self.rate))  # slab
        return f"{self.term} {'exempt' if self.exempt else rate}"


@dataclass(frozen=True)
class Loss:
    fy: int  # year of origin
    term: Term
    amount: Decimal


@dataclass(frozen=True)
class SetOff:
    loss_fy: int
    loss_term: Term
    against: str  # the tranche's label
    amount: Decimal
    brought_forward: bool


@dataclass
class YearResult:
    investor: str
    fy: int
    st_gains: Decimal = ZERO
    st_losses: Decimal = ZERO
    lt_gains: Decimal = ZERO
    lt_losses: Decimal = ZERO
    net_stcg: Decimal = ZERO
    net_ltcg: Decimal = ZERO
    exemption_limit: Decimal = ZERO
    exemption_used: Decimal = ZERO
    taxable_ltcg: Decimal = ZERO
    slab_gains: Decimal = ZERO
    slab_rate_known: bool = False  # the policy states the investor's slab rate for this FY
    # Long-term gains and losses on assets whose long-term gains are exempt (rate
    # "exempt", e.g. s.10(38) before 1 April 2018): outside total income, so no loss is set
    # off against such a gain and such a loss is neither set off nor carried forward.
    exempt_lt_gains: Decimal = ZERO
    exempt_lt_losses: Decimal = ZERO
    tax: Decimal = ZERO
    cess: Decimal = ZERO
    total_tax: Decimal = ZERO
    tax_by_tranche: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # label, taxable, tax
    set_offs: list[SetOff] = field(default_factory=list)
    carry_forward: list[Loss] = field(default_factory=list)
    expired: list[Loss] = field(default_factory=list)


def set_off_order(tranche: Tranche, slab: Decimal | None) -> tuple[int, Decimal]:
    """Losses meet tranches in this order: highest known rate first, then slab gains of
    unknown rate, then what the exemption covers."""
    if tranche.exempt:
        return (2, ZERO)
    if tranche.rate == RateKind.SLAB and slab is None:
        return (1, ZERO)
    return (0, -(resolve_rate(tranche.rate, slab) or ZERO))


def compute(parts: Iterable[RealisedPart], law: TaxLaw, investor: Investor, fy: int,
            brought_forward: Iterable[Loss] = ()) -> tuple[YearResult, list[Diagnostic]]:
    slab = investor.slab_rate_for(fy)
    result = YearResult(investor.id, fy, slab_rate_known=slab is not None)
    problems: list[Diagnostic] = []
    mine = [p for p in parts if p.investor == investor.id and p.fy == fy]
    buckets, losses = _gather(mine, result)
    # The year's exemption is the law's, whether or not anything was sold yet (s.112A).
    limits = {e for e in (law.exemption(c.name, fy) for c in law.classes) if e is not None}
    if len(limits) > 1:
        problems.append(error("T110", f"two exemption limits apply to {investor.id} in FY {fy}", None,
                              "give the exemption in one class of the tax law"))
    result.exemption_limit = max(limits) if limits else ZERO
    tranches = _tranches(buckets, result.exemption_limit, slab)
    _set_off(tranches, losses, law, fy, slab, list(brought_forward), result)
    _tax(tranches, law, fy, slab, result)
    return result, problems


Bucket = tuple[Term, Rate | None, bool]  # (term, rate, exemptable): gains taxed alike


def _gather(mine: list[RealisedPart], result: YearResult) -> tuple[dict[Bucket, Decimal], dict[Term, Decimal]]:
    """Step 0: the year's gains summed per bucket and its losses per term; exempt parts
    (s.10(38)) set aside in `result`, the gross gains and losses counted there."""
    buckets: dict[Bucket, Decimal] = defaultdict(lambda: ZERO)
    losses = {Term.SHORT: ZERO, Term.LONG: ZERO}
    for p in mine:
        if p.rate == RateKind.EXEMPT:  # outside total income: reported, never set off, taxed or carried
            if p.gain > 0:
                result.exempt_lt_gains += p.gain
            else:
                result.exempt_lt_losses -= p.gain
            continue
        if p.gain > 0:
            buckets[(p.term, p.rate, p.exemptable)] += p.gain
            if p.term == Term.SHORT:
                result.st_gains += p.gain
            else:
                result.lt_gains += p.gain
        elif p.gain < 0:
            losses[p.term] += -p.gain
            if p.term == Term.SHORT:
                result.st_losses += -p.gain
            else:
                result.lt_losses += -p.gain
    return buckets, losses


def _tranches(buckets: dict[Bucket, Decimal], limit: Decimal, slab: Decimal | None) -> list[Tranche]:
    """Step 1: the tranches, the exemption carved from exemptable gains, highest rate first;
    in the order losses meet them."""
    tranches: list[Tranche] = []
    room = limit

    def known_rate(bucket: tuple[Bucket, Decimal]) -> Decimal:
        rate = bucket[0][1]
        return rate if isinstance(rate, Decimal) else ZERO  # slab and no-rate buckets last

    for (term, rate, exemptable), amount in sorted(buckets.items(), key=known_rate, reverse=True):
        if exemptable and room > 0:
            covered = min(room, amount)
            room -= covered
            tranches.append(Tranche(term, rate, True, covered))
            amount -= covered
        if amount > 0:
            tranches.append(Tranche(term, rate, False, amount))
    tranches.sort(key=lambda t: set_off_order(t, slab))
    return tranches


Draws = list[tuple[Loss, Decimal]]  # losses and how much of each is set off


def _share(pool: list[Loss], total: Decimal) -> Draws:
    """`total` drawn from the losses of `pool` in order."""
    out = []
    for loss in pool:
        take = min(loss.amount, total)
        total -= take
        out.append((loss, take))
    return out


def _set_off(tranches: list[Tranche], losses: dict[Term, Decimal], law: TaxLaw, fy: int, slab: Decimal | None,
             brought_forward: list[Loss], result: YearResult) -> None:
    """Steps 2-3: set-off. Current-year losses first and as far as they go (s.70), then brought-
    forward ones (s.74), oldest first, as far as they go. Within those rules the taxpayer
    chooses which gains a loss meets; the least tax comes from placing every long-term
    loss (it can meet nothing else) on the highest-taxed long-term gains, and every
    short-term loss on the highest-taxed gains left. Long-term room that current-year
    short-term losses cannot do without (too few short-term gains) is kept for them.
    The tranches are reduced; the set-offs, carry-forward and expired losses go to `result`."""
    allowed = {rule.loss: set(rule.against) for rule in law.set_off}
    carry = law.carry_forward_years
    for loss in sorted(brought_forward, key=lambda l: (l.fy, l.term)):
        if carry is not None and loss.fy + carry < fy:
            result.expired.append(loss)
    usable_bf = sorted((l for l in brought_forward if l not in result.expired and l.fy < fy),
                       key=lambda l: (l.fy, l.term))
    restricted = {term for term, against in allowed.items() if against == {Term.LONG}}
    current = [Loss(fy, term, losses[term]) for term in (Term.LONG, Term.SHORT) if losses[term] > 0]
    restricted_draws, flexible_draws = _draws(tranches, current, usable_bf, restricted)
    order = sorted(tranches, key=lambda t: set_off_order(t, slab))
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for draws, targets in ((restricted_draws, [t for t in order if t.term == Term.LONG]),
                           (flexible_draws, order)):
        for loss, amount in draws:
            for tranche in targets:
                if amount <= 0:
                    break
                if tranche.amount <= 0 or tranche.term not in allowed.get(loss.term, set()):
                    continue
                take = min(amount, tranche.amount)
                tranche.amount -= take
                amount -= take
                used[id(loss)] += take
                result.set_offs.append(SetOff(loss.fy, loss.term, tranche.label(), take, loss.fy != fy))
    result.carry_forward = sorted((Loss(l.fy, l.term, l.amount - used[id(l)]) for l in current + usable_bf
                                   if l.amount - used[id(l)] > 0), key=lambda l: (l.fy, l.term))


def _draws(tranches: list[Tranche], current: list[Loss], usable_bf: list[Loss],
           restricted: set[Term]) -> tuple[Draws, Draws]:
    """How much of each loss is set off, by the law's order: the losses that may meet only
    long-term gains (`restricted`) and the others, current year first, then brought forward."""
    lt_room = sum((t.amount for t in tranches if t.term == Term.LONG), ZERO)
    all_room = sum((t.amount for t in tranches), ZERO)
    cy_restricted = [l for l in current if l.term in restricted]
    cy_flexible = [l for l in current if l.term not in restricted]
    cy_r = min(sum((l.amount for l in cy_restricted), ZERO), lt_room)
    cy_f = min(sum((l.amount for l in cy_flexible), ZERO), all_room - cy_r)
    reserve = max(ZERO, cy_f - (all_room - lt_room))  # current short-term loss that needs long-term room
    long_left, room_left = lt_room - cy_r - reserve, all_room - cy_r - cy_f
    restricted_draws = _share(cy_restricted, cy_r)
    flexible_draws = _share(cy_flexible, cy_f)
    for loss in usable_bf:
        if loss.term in restricted:
            take = min(loss.amount, long_left, room_left)
            long_left -= take
            restricted_draws.append((loss, take))
            room_left -= take
    for loss in usable_bf:
        if loss.term not in restricted:
            take = min(loss.amount, room_left)
            room_left -= take
            flexible_draws.append((loss, take))
    return restricted_draws, flexible_draws


def _tax(tranches: list[Tranche], law: TaxLaw, fy: int, slab: Decimal | None, result: YearResult) -> None:
    """Step 4: what remains of the exempt tranches is the exemption used; tax is the rest at
    its rate, to the paisa per tranche; cess on the tax."""
    for t in tranches:
        if t.term == Term.SHORT:
            result.net_stcg += t.amount
        else:
            result.net_ltcg += t.amount
        if t.exempt:
            result.exemption_used += t.amount
            continue
        if t.rate == RateKind.SLAB:
            result.slab_gains += t.amount
        rate = resolve_rate(t.rate, slab)
        if rate is None:
            continue  # a slab rate the policy does not state, or no rate (reported by realise(), T103)
        tax = paise(t.amount * rate)
        result.tax_by_tranche.append((t.label(), t.amount, tax))
        result.tax += tax
    result.taxable_ltcg = result.net_ltcg - result.exemption_used
    result.cess = (result.tax * law.cess_rate(fy)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    result.total_tax = result.tax + result.cess


# gains: (investor, FY, term, rate, exemptable); losses: (investor, FY, term, exempt)
CondensedKey = tuple[str, int, Term, Rate | None, bool] | tuple[str, int, Term, bool]


def condensed(parts: Iterable[RealisedPart]) -> list[RealisedPart]:
    """The parts summed into one per (investor, FY, term, rate, exemptable) for gains and one
    per (investor, FY, term, exempt or not) for losses. `compute` only ever sums gains by those keys, so it
    gives the same year for the condensed parts, in time that does not grow with the lots
    sold (the plans recompute a year for every lot they try)."""
    first: dict[CondensedKey, RealisedPart] = {}  # the first part of each key: its investor, class, dates
    sums: dict[CondensedKey, Decimal] = {}
    for p in parts:
        if p.gain == 0:
            continue
        exempt = p.rate == RateKind.EXEMPT  # an exempt loss is kept apart: it meets no gain
        key: CondensedKey = ((p.investor, p.fy, p.term, p.rate, p.exemptable) if p.gain > 0
                             else (p.investor, p.fy, p.term, exempt))
        if key in sums:
            sums[key] += p.gain
        else:
            first[key] = p
            sums[key] = p.gain
    return [RealisedPart(p.investor, "", "", p.tax_class, p.sold, "condensed", "", p.acquired, ZERO, ZERO, ZERO,
                         ZERO, ZERO, gain, p.term, p.rate if gain > 0 or p.rate == RateKind.EXEMPT else None,
                         p.exemptable if gain > 0 else False,
                         p.fy) for p, gain in zip(first.values(), sums.values())]


def year_json(result: YearResult) -> dict[str, Any]:  # JSON
    """An investor's FY as JSON (docs/json.md, `gains --json` without its `sales`): money as
    plain decimal strings of at most two decimals (literals.money_text), years as labels."""
    from engine.literals import fy_label, money_text as m

    return {
        "investor": result.investor, "fy": fy_label(result.fy),
        "st_gains": m(result.st_gains), "st_losses": m(result.st_losses),
        "lt_gains": m(result.lt_gains), "lt_losses": m(result.lt_losses),
        "net_stcg": m(result.net_stcg), "net_ltcg": m(result.net_ltcg),
        "exemption_limit": m(result.exemption_limit), "exemption_used": m(result.exemption_used),
        "taxable_ltcg": m(result.taxable_ltcg), "slab_gains": m(result.slab_gains),
        "slab_rate_known": result.slab_rate_known,
        "exempt_lt_gains": m(result.exempt_lt_gains), "exempt_lt_losses": m(result.exempt_lt_losses),
        "tax": m(result.tax), "cess": m(result.cess), "total_tax": m(result.total_tax),
        "tax_by_tranche": [{"tranche": label, "taxable": m(t), "tax": m(x)}
                           for label, t, x in result.tax_by_tranche],
        "set_offs": [{"loss_fy": fy_label(s.loss_fy), "loss_term": s.loss_term, "against": s.against,
                      "amount": m(s.amount), "brought_forward": s.brought_forward} for s in result.set_offs],
        "carry_forward": [{"fy": fy_label(l.fy), "term": l.term, "amount": m(l.amount)}
                          for l in result.carry_forward],
        "expired": [{"fy": fy_label(l.fy), "term": l.term, "amount": m(l.amount)} for l in result.expired],
    }
