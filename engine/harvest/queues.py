"""The investor's FIFO queues as the year-end harvest sees them, and the parts a sale from their fronts realises.

A queue is one (investor, account, fund): FIFO within an account is the law (s.45(2A), Circular 768),
so a plan sells a queue only from its front, and a plan that wants a lot sells every lot before it.
How far into a queue a plan may go is the policy's: `never pay exit load` stops a queue at its first
lot with a load, and short-term gains not allowed stop it at its first short-term gain.
All amounts are Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from engine.harvest.migration import saving_per_rupee, target_of
from engine.plans.sell_choice import FUND_UNIT, SHARE, QueueKey, sale_part, stt_rate
from engine.policy.model import Investor, Policy, Security
from engine.tax.complete import law_of, security_of
from engine.tax.realised import RealisedPart
from engine.tax.unrealised import Holding
from engine.vocabulary import ChargedOn, Term, resolve_rate

ZERO = Decimal(0)
HIGH_COST = Decimal("0.01")  # an expense ratio from which a fund is one of the policy's "high-cost-funds"


@dataclass(frozen=True)
class Queue:
    """One FIFO queue of an investor: the lots the plan may sell (`lots`, a prefix of the
    queue) and why it may go no further (`stop`: the first lot it may not sell, and why)."""

    key: QueueKey
    holdings: tuple[Holding, ...]  # the whole queue, FIFO order
    eligible: int  # how many lots from the front the plan may sell
    stop_code: str | None  # SHORT_TERM or EXIT_LOAD for holdings[eligible]; None otherwise
    quantum: Decimal
    future_rates: tuple[Decimal, ...]  # per lot of `holdings`: the rate its gain would bear later
    charge_rate: Decimal  # STT on the sale + stamp duty (and STT) on the rebuy, per rupee of proceeds
    preference: int  # 0 is the most preferred (the policy's order); len(order) for none
    minimum_amount: Decimal | None
    minimum_units: Decimal | None
    saving: Fraction = Fraction(0)  # per rupee of proceeds: the expense it saves by moving (migration.py)


@dataclass(frozen=True)
class Taken:
    """What selling `units` of one lot realises: the part (to the paisa) and the exit load paid."""

    holding: Holding
    units: Decimal
    part: RealisedPart
    load: Decimal


def future_rate(policy: Policy, investor: Investor, tax_class: str, bought: date, as_of: date, fy: int) -> Decimal:
    """The rate (with cess) the gain of a lot of `tax_class` bought on `bought` would bear if it
    were kept and realised later: long-term, at today's rates, where the lot can become
    long-term; otherwise (s.50AA) its short-term rate, a slab rate being the investor's."""
    law = law_of(policy)
    treatment = law.treatment(tax_class, bought, as_of)
    long_possible = not treatment.always_short_term and treatment.long_term_after is not None
    rate = resolve_rate(treatment.long_rate if long_possible else treatment.short_rate, investor.slab_rate_for(fy))
    if rate is None:  # no rate in force, or a slab rate the policy does not state
        return ZERO
    return rate * (1 + law.cess_rate(fy))  # exact: a rate and a cess rate of a few decimal places


def stop_of(lots: Sequence[Holding], never_short: bool, no_load: bool) -> tuple[int, str | None]:
    """How many lots from the front a plan may sell, and why no more: `never pay exit load`
    stops at the first lot that would pay a load (EXIT_LOAD); short-term gains not allowed
    (no `realise short-term gains up to`) stop at the first short-term lot with a gain
    (SHORT_TERM). FIFO (s.45(2A)) means no lot behind the stop can be sold either."""
    for i, h in enumerate(lots):
        if no_load and h.exit_load > 0:
            return i, "EXIT_LOAD"
        if never_short and h.term == Term.SHORT and h.gain > 0:
            return i, "SHORT_TERM"
    return len(lots), None


def preference_of(security: Security, order: Sequence[str], overweight: set[str], moving: bool = False) -> int:
    """The queue's place in the policy's `prefer` order (0 the most preferred; len(order) for
    none): the best-ranked of legacy-funds, overweight-assets and high-cost-funds it is one of.
    `moving`: a fund its asset consolidates out of counts as a legacy fund."""
    ranks = []
    if (security.legacy or moving) and "legacy-funds" in order:
        ranks.append(order.index("legacy-funds"))
    if security.asset in overweight and "overweight-assets" in order:
        ranks.append(order.index("overweight-assets"))
    if security.expense_ratio is not None and security.expense_ratio >= HIGH_COST and "high-cost-funds" in order:
        ranks.append(order.index("high-cost-funds"))
    return min(ranks) if ranks else len(order)


def charge_rate_of(policy: Policy, ident: str, as_of: date) -> Decimal:
    """Charges per rupee of proceeds of selling the security `ident` and buying back: STT on the
    sale, stamp duty (and any STT) on the rebuy, of the replacement fund for a legacy fund."""
    security = security_of(policy, ident)
    rebuy = target_of(policy, security) or security
    rebuy_charges = sum((c.rate for c in law_of(policy).charges_on(rebuy or security, ChargedOn.PURCHASE, as_of)), ZERO)
    return stt_rate(policy, ident, as_of) + rebuy_charges


def queues_of(policy: Policy, investor: Investor, holdings: Sequence[Holding], as_of: date, fy: int,
              overweight: set[str]) -> list[Queue]:
    """The investor's FIFO queues (in key order) and how far into each the plan may go."""
    rule = policy.harvest
    never_short = rule is None or rule.short_term_gains_limit == 0
    no_load = rule is not None and rule.never_pay_exit_load
    order = list(rule.selling_order) if rule else []  # the stated order; with reallocation, overweight assets
    grouped: dict[QueueKey, list[Holding]] = {}
    for h in holdings:
        if h.lot.investor == investor.id:
            grouped.setdefault(h.lot.key, []).append(h)
    known: dict[tuple[str, date], Decimal] = {}

    def rate(tax_class: str, bought: date) -> Decimal:
        if (tax_class, bought) not in known:
            known[(tax_class, bought)] = future_rate(policy, investor, tax_class, bought, as_of, fy)
        return known[(tax_class, bought)]

    queues = []
    for key in sorted(grouped):
        lots = grouped[key]
        security = security_of(policy, key[2])
        eligible, stop = stop_of(lots, never_short, no_load)
        queues.append(Queue(key, tuple(lots), eligible, stop, SHARE if security.exchange_traded else FUND_UNIT,
                            tuple(rate(security.tax_class, h.lot.acquired) for h in lots),
                            charge_rate_of(policy, key[2], as_of),
                            preference_of(security, order, overweight, target_of(policy, security) is not None),
                            security.minimum_redemption, security.minimum_redemption_units,
                            saving_per_rupee(policy, key[2])))
    return queues


def parts_for(queues: Sequence[Queue], units: Mapping[QueueKey, Decimal], as_of: date, fy: int
              ) -> dict[QueueKey, list[Taken]]:
    """The FIFO parts that selling `units` from the front of each queue realises, per queue sold from."""
    out: dict[QueueKey, list[Taken]] = {}
    for q in queues:
        taken = taken_from(q, units.get(q.key, ZERO), as_of, fy)
        if taken:
            out[q.key] = taken
    return out


def taken_from(q: Queue, units: Decimal, as_of: date, fy: int) -> list[Taken]:
    """The FIFO parts that selling `units` from the front of `q` realises (none for no units)."""
    taken = []
    left = units
    for h in q.holdings:
        if left <= 0:
            break
        take = min(left, h.lot.units)
        part, load = sale_part(h, take, as_of, fy, h.exit_load)
        taken.append(Taken(h, take, part, load))
        left -= take
    return taken
