"""One investor's financial year: set-off, brought-forward losses, exemption, tax, carry-forward.

The order is the law's; within it, the taxpayer's best lawful choice:
  1. Gains are grouped into tranches by term and rate. The exemption (s.112A, one limit
     per investor per FY, e.g. Rs 1,25,000 for all of FY 2024-25) is carved out of the
     exemptable long-term gains, highest rate first (the 12.5% tranche before the 10%).
  2. Current-year losses are set off, as the law requires (s.70): short-term losses
     against any gain, long-term losses against long-term gains only (s.70(2), (3)).
     The Act sets no order among gains, so losses go to the highest-taxed tranche first,
     slab-rate gains next (if the investor's slab rate is not given), and to gains the
     exemption would cover last; on a long-term tranche the long-term loss is used before
     the short-term one, which can serve more. Greedy by rate is optimal here: each rupee
     of loss saves the rate of the gain it meets.
  3. Brought-forward losses, oldest first, are then set off, mandatorily, even against
     gains the exemption would cover (s.74); a loss more than `carry forward N years`
     old has expired.
  4. What remains of the exempt tranche is the exemption used; tax is the rest at its
     rate, rounded to the paisa (half-even) per tranche; cess on the tax.
  5. Unused losses carry forward with their year of origin (s.74).
The rules (set-off matrix, carry-forward years, exemption, cess) come from the tax law.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Iterable

from engine.diagnostics import Diagnostic, error
from engine.literals import format_percent
from engine.policy.model import Investor, Rate, TaxLaw
from engine.tax.realised import RealisedPart, paise

ZERO = Decimal(0)


@dataclass
class Tranche:
    term: str
    rate: Rate | None
    exempt: bool  # the part of exemptable gains that the exemption covers
    amount: Decimal  # gain remaining (reduced by set-off)
    original: Decimal = ZERO

    def label(self) -> str:
        rate = "slab" if self.rate == "slab" else ("no rate" if self.rate is None else format_percent(self.rate))
        return f"{self.term} {'exempt' if self.exempt else rate}"


@dataclass(frozen=True)
class Loss:
    fy: int  # year of origin
    term: str
    amount: Decimal


@dataclass(frozen=True)
class SetOff:
    loss_fy: int
    loss_term: str
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
    slab_rate_known: bool = False
    tax: Decimal = ZERO
    cess: Decimal = ZERO
    total_tax: Decimal = ZERO
    tax_by_tranche: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # label, taxable, tax
    set_offs: list[SetOff] = field(default_factory=list)
    carry_forward: list[Loss] = field(default_factory=list)
    expired: list[Loss] = field(default_factory=list)


def _order(tranche: Tranche, slab: Decimal | None) -> tuple:
    """Losses meet tranches in this order: highest known rate first, then slab gains of
    unknown rate, then what the exemption covers."""
    if tranche.exempt:
        return (2, ZERO)
    if tranche.rate == "slab":
        return (0, -slab) if slab is not None else (1, ZERO)
    return (0, -(tranche.rate or ZERO))


def compute(parts: Iterable[RealisedPart], law: TaxLaw, investor: Investor, fy: int,
            brought_forward: Iterable[Loss] = ()) -> tuple[YearResult, list[Diagnostic]]:
    result = YearResult(investor.id, fy, slab_rate_known=investor.slab_rate is not None)
    problems: list[Diagnostic] = []
    mine = [p for p in parts if p.investor == investor.id and p.fy == fy]
    buckets: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    losses = {"short-term": ZERO, "long-term": ZERO}
    # The year's exemption is the law's, whether or not anything was sold yet (s.112A).
    limits = {e for e in (law.exemption(c.name, fy) for c in law.classes) if e is not None}
    for p in mine:
        if p.gain > 0:
            buckets[(p.term, p.rate, p.exemptable)] += p.gain
            if p.term == "short-term":
                result.st_gains += p.gain
            else:
                result.lt_gains += p.gain
        elif p.gain < 0:
            losses[p.term] += -p.gain
            if p.term == "short-term":
                result.st_losses += -p.gain
            else:
                result.lt_losses += -p.gain
    if len(limits) > 1:
        problems.append(error("T110", f"two exemption limits apply to {investor.id} in FY {fy}", None,
                              "give the exemption in one class of the tax law"))
    result.exemption_limit = max(limits) if limits else ZERO

    # 1. Tranches; the exemption carved from exemptable gains, highest rate first.
    tranches: list[Tranche] = []
    room = result.exemption_limit
    for (term, rate, exemptable), amount in sorted(buckets.items(), key=lambda kv: -(kv[0][1] if isinstance(
            kv[0][1], Decimal) else ZERO)):
        if exemptable and room > 0:
            covered = min(room, amount)
            room -= covered
            tranches.append(Tranche(term, rate, True, covered, covered))
            amount -= covered
        if amount > 0:
            tranches.append(Tranche(term, rate, False, amount, amount))
    tranches.sort(key=lambda t: _order(t, investor.slab_rate))

    # 2. Current-year losses (s.70), 3. brought-forward losses, oldest first (s.74).
    allowed = {rule.loss: set(rule.against) for rule in law.set_off}
    pool = [Loss(fy, "long-term", losses["long-term"]), Loss(fy, "short-term", losses["short-term"])]
    carry = law.carry_forward_years
    older = sorted(brought_forward, key=lambda loss: (loss.fy, loss.term != "long-term"))
    for loss in older:
        if carry is not None and loss.fy + carry < fy:
            result.expired.append(loss)
    usable_bf = [loss for loss in older if loss not in result.expired and loss.fy < fy]
    leftover: list[Loss] = []
    for stage, stage_losses in (("current", pool), ("brought", usable_bf)):
        remaining = {id(loss): loss.amount for loss in stage_losses}
        for tranche in tranches:
            # On a long-term tranche, long-term losses first: they can serve nothing else.
            for loss in sorted(stage_losses, key=lambda l: (l.fy, l.term != "long-term")) if stage == "brought" \
                    else stage_losses:
                if tranche.amount <= 0:
                    break
                if tranche.term not in allowed.get(loss.term, set()) or remaining[id(loss)] <= 0:
                    continue
                used = min(remaining[id(loss)], tranche.amount)
                remaining[id(loss)] -= used
                tranche.amount -= used
                result.set_offs.append(SetOff(loss.fy, loss.term, tranche.label(), used, stage == "brought"))
        leftover.extend(Loss(l.fy, l.term, remaining[id(l)]) for l in stage_losses if remaining[id(l)] > 0)
    result.carry_forward = sorted(leftover, key=lambda l: (l.fy, l.term))

    # 4. Exemption, tax, cess.
    for t in tranches:
        if t.term == "short-term":
            result.net_stcg += t.amount
        else:
            result.net_ltcg += t.amount
        if t.exempt:
            result.exemption_used += t.amount
            continue
        if t.rate == "slab":
            result.slab_gains += t.amount
            if investor.slab_rate is None:
                continue
            rate = investor.slab_rate
        elif t.rate is None:
            continue  # reported by realise() (T103)
        else:
            rate = t.rate
        tax = paise(t.amount * rate)
        result.tax_by_tranche.append((t.label(), t.amount, tax))
        result.tax += tax
    result.taxable_ltcg = result.net_ltcg - result.exemption_used
    result.cess = (result.tax * law.cess_rate(fy)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    result.total_tax = result.tax + result.cess
    return result, problems
