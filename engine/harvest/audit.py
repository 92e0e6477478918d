"""The audit trail of a year-end plan: a decision, with a reason code and its numbers, for every
lot of every holding the plan considered (docs/audit.md lists the codes).

SOLD lots say what they realised and what it counted against; KEPT lots say why not: the
first lot kept in a FIFO queue carries the reason, and every lot behind it is kept because
FIFO (s.45(2A), Circular 768) would sell that lot first.

The reason of the first kept lot is what decided, not a fact of the lot alone: selling it (and
one unit step of it) after what the plan sells is evaluated exactly by the tax engine; if that
would make the plan better, the reason names the constraint it would break (relaxing it would
let the plan be better by selling the lot); if not, the lot was not worth selling, and the
reason says what selling it would save and cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from enum import Enum, StrEnum
from typing import Any, NamedTuple, Sequence

from engine.harvest.evaluation import Outcome, Sales, evaluate
from engine.harvest.migration_audit import kept_move_clause, migration_notes, moved_excess
from engine.harvest.optimizer import InvestorPlan
from engine.harvest.queues import Queue
from engine.harvest.time_value import Valuation
from engine.literals import format_inr, format_percent
from engine.plans.sell_choice import LotSale, TaxPosition
from engine.policy.model import Policy
from engine.tax.complete import portfolio_of, security_of
from engine.tax.realised import exact_decimal, paise
from engine.tax.unrealised import Holding
from engine.vocabulary import Preference, Rate, RateKind, Term

ZERO = Decimal(0)

class Code(StrEnum):
    """The decision codes (docs/audit.md). A KEPT code other than BEHIND names what keeps the
    first kept lot of a queue: a constraint that selling it would break while it would make
    the plan better (Constraint, KEPT_BY), or that selling it would not make the plan better."""

    SOLD_GAIN = "SOLD-GAIN"
    SOLD_LOSS = "SOLD-LOSS"
    KEPT_SHORT_TERM = "KEPT-SHORT-TERM"
    KEPT_EXIT_LOAD = "KEPT-EXIT-LOAD"
    KEPT_BEHIND = "KEPT-BEHIND"
    KEPT_EXEMPTION_FULL = "KEPT-EXEMPTION-FULL"
    KEPT_TAXED = "KEPT-TAXED"
    KEPT_LOSS_BELOW_THRESHOLD = "KEPT-LOSS-BELOW-THRESHOLD"
    KEPT_BELOW_MINIMUM = "KEPT-BELOW-MINIMUM"
    KEPT_LOSS_NO_USE = "KEPT-LOSS-NO-USE"
    KEPT_GAIN_NO_USE = "KEPT-GAIN-NO-USE"
    KEPT_NOT_NEEDED = "KEPT-NOT-NEEDED"
    KEPT_WITHIN_TOLERANCE = "KEPT-WITHIN-TOLERANCE"
    KEPT_STATUS_COST = "KEPT-STATUS-COST"
    SOLD_MOVED = "SOLD-MOVED"


CODES = {
    Code.SOLD_GAIN: "sold: a gain realised within the exemption and the year's losses, without tax",
    Code.SOLD_LOSS: "sold: a loss realised, set off against gains this year",
    Code.KEPT_SHORT_TERM: "kept: selling would be worth it, but it would realise short-term gains the policy forbids",
    Code.KEPT_EXIT_LOAD: "kept: selling would be worth it, but it is in its exit-load period and the policy never "
                         "pays exit load",
    Code.KEPT_BEHIND: "kept: behind a kept lot in the same folio or demat account (FIFO)",
    Code.KEPT_EXEMPTION_FULL: "kept: selling would be worth it, but the exemption (less the margin) is used up",
    Code.KEPT_TAXED: "kept: selling would be worth it, but it would add tax this year",
    Code.KEPT_LOSS_BELOW_THRESHOLD: "kept: selling would be worth it, but the order's net loss would be no larger "
                                    "than the policy's threshold",
    Code.KEPT_BELOW_MINIMUM: "kept: selling would be worth it, but the order would be below the minimum redemption",
    Code.KEPT_LOSS_NO_USE: "kept: a loss whose tax saved this year is no more than the future tax it adds",
    Code.KEPT_GAIN_NO_USE: "kept: a gain whose tax this year is no less than the future tax it avoids",
    Code.KEPT_NOT_NEEDED: "kept: selling would realise no gain or loss",
    Code.KEPT_WITHIN_TOLERANCE: "kept: selling would break nothing and gain less than the optimizer's tolerance",
    Code.KEPT_STATUS_COST: "kept: the rebought units would be taxed at a worse rate (s.50AA), a future cost selling "
                           "would not recover",
    Code.SOLD_MOVED: "sold: a gain moved into a cheaper fund, paying tax the expense saved over the policy's horizon "
                     "recovers (`value expense savings`)",
}


class Action(StrEnum):
    """What the plan does with a lot."""

    SOLD = "SOLD"
    KEPT = "KEPT"


Numbers = tuple[tuple[str, str], ...]  # a decision's numbers: (name, value as text), in order


class Decision(NamedTuple):  # a named tuple: one per lot, 14,400 in a family's plan
    lot: str
    investor: str
    account: str
    security: str
    acquired: date
    units: Decimal  # held before the plan
    action: Action
    code: Code
    units_sold: Decimal
    proceeds: Decimal
    gain: Decimal  # of the units sold; for a kept lot, what selling all of it would realise
    term: Term
    reason: str  # a sentence with the numbers
    numbers: Numbers = ()

    def to_json(self, shared: dict[object, Any] | None = None) -> dict[str, Any]:  # JSON
        """`shared`: values of other decisions: what lots repeat is one object for all (issue 14); not to be changed."""
        made, sold, proceeds, acquired = {} if shared is None else shared, str(self.units_sold), str(self.proceeds), str(self.acquired)
        return {"lot": self.lot, "investor": self.investor, "account": self.account, "security": self.security,
                "acquired": made.setdefault(acquired, acquired), "units": str(self.units), "action": self.action,
                "code": self.code, "units_sold": made.setdefault(sold, sold), "proceeds": made.setdefault(proceeds, proceeds),
                "gain": str(self.gain), "term": self.term, "reason": self.reason,
                "numbers": made.get(self.numbers) or made.setdefault(self.numbers, dict(self.numbers))}


def _rate_text(rate: Rate | None) -> str:
    if rate == RateKind.EXEMPT:
        return "nil: the gain is exempt"
    if rate is None:
        return "no rate in force"
    return format_percent(rate) if isinstance(rate, Decimal) else "slab rate"


def _describe(h: Holding, lot_id: str) -> str:
    return f"Lot {lot_id} ({h.lot.units} units of {h.lot.security} in {h.lot.account}, bought {h.lot.acquired})"


def decisions(policy: Policy, plan: InvestorPlan, as_of: date, position: TaxPosition) -> list[Decision]:
    """One decision per lot of the investor's queues, in queue and FIFO order."""
    sold: dict[tuple[str, str, str], LotSale] = {}  # (account, security, lot)
    for order in plan.outcome.orders:
        for lot_sale in order.lots:
            sold[(order.account, order.security, lot_sale.lot_id)] = lot_sale
    out: list[Decision] = []
    ranks = policy.harvest.selling_order
    overweight = ranks.index(Preference.OVERWEIGHT_ASSETS) if Preference.OVERWEIGHT_ASSETS in ranks else None
    keeps_gain = {q.key: _keeps_gain(q, plan.units.get(q.key, ZERO)) for q in plan.queues}
    moves = migration_notes(policy, plan.outcome)  # `value expense savings`: what a move saves
    sales: Sales = {}  # the kept lots' alternatives differ from the plan in one queue: the others' sales once
    for q in plan.queues:
        front: tuple[str, str, Numbers] | None = None  # the first kept lot's id and code; the numbers of those behind
        preferred = None
        if q.preference == overweight and any(keeps_gain[o.key] for o in plan.queues if o.preference > q.preference):
            preferred = _overweight_note(policy, q)
        for i, h in enumerate(q.holdings):
            lot_id = h.lot.id  # a hash, computed when asked for: once per lot here
            if h.gain != paise(h.gain):  # a cost carried to more places (e.g. before 2021)
                h = h._replace(gain=paise(h.gain))
            sale = sold.get((h.lot.account, h.lot.security, lot_id))
            if front is not None:
                lead, lead_code, behind = front
                out.append(_kept(h, lot_id, Code.KEPT_BEHIND,
                                 f"{_describe(h, lot_id)} kept: behind {lead} in FIFO order, which is kept "
                                 f"({lead_code}); FIFO would sell that lot first", behind))
                continue
            note, extra = _status_note(plan, q, i, sale) if sale is not None else ("", ())
            moved = moves.get((h.lot.account, h.lot.security)) if sale is not None else None
            if moved is not None:
                note, extra = note + moved[0], extra + moved[1]
            taxed = moved is not None and Decimal(dict(moved[1])["move_tax"]) > 0  # SOLD-MOVED, not SOLD-GAIN
            if sale is not None and sale.units == h.lot.units:
                d = _sold(h, lot_id, sale, plan, preferred, taxed)
                out.append(d._replace(reason=d.reason + note, numbers=d.numbers + extra) if note else d)
                continue
            kept_units = h.lot.units - (sale.units if sale is not None else ZERO)
            code, reason, numbers = _why_kept(policy, plan, q, i, h, as_of, kept_units, position, sales)
            if sale is not None:  # partly sold: the rest is kept for this reason
                d = _sold(h, lot_id, sale, plan, preferred, taxed)
                out.append(Decision(d.lot, d.investor, d.account, d.security, d.acquired, d.units, Action.SOLD, d.code,
                                    d.units_sold, d.proceeds, d.gain, d.term,
                                    f"{d.reason}{note}; the other {h.lot.units - sale.units} units kept: {reason}",
                                    d.numbers + extra + (("kept_code", code),) + numbers))
            else:
                out.append(_kept(h, lot_id, code, f"{_describe(h, lot_id)} kept: {reason}", numbers))
            front = (lot_id, code, (("behind", lot_id),))  # one tuple for every lot behind it
    return out


def _kept(h: Holding, lot_id: str, code: Code, reason: str, numbers: Numbers = ()) -> Decision:
    return Decision(lot_id, h.lot.investor, h.lot.account, h.lot.security, h.lot.acquired, h.lot.units, Action.KEPT,
                    code, ZERO, ZERO, h.gain, h.term, reason, numbers)


def _keeps_gain(q: Queue, sold: Decimal) -> bool:
    """Whether the plan keeps a lot in gain the queue could have sold (within its eligible lots)."""
    for h in q.holdings[:q.eligible]:
        if sold < h.lot.units:
            return h.gain > 0
        sold -= h.lot.units
    return False


def _overweight_note(policy: Policy, q: Queue) -> tuple[str, Numbers]:
    """Why a lot of an overweight asset was sold while a less preferred queue keeps a lot in gain:
    where the tax value is equal, the plan sells overweight assets first, a preference stated
    (`sell ... overweight assets`) or implied by `reallocate proceeds by the buying rule`
    (HarvestRule.selling_order)."""
    asset = security_of(policy, q.key[2]).asset
    stated = Preference.OVERWEIGHT_ASSETS in policy.harvest.preference
    why = ("the policy's `sell ... overweight assets` order" if stated
           else "`reallocate proceeds by the buying rule`: selling an overweight asset is part of the rebalance")
    return (f"; its asset, {asset}, is overweight: where the tax value is equal the plan sells overweight assets "
            f"before the lots in gain it keeps elsewhere ({why})",
            (("preferred", Preference.OVERWEIGHT_ASSETS.value), ("overweight_asset", asset)))


def _sold(h: Holding, lot_id: str, sale: LotSale, plan: InvestorPlan,
          preferred: tuple[str, Numbers] | None = None, moved: bool = False) -> Decision:
    after = plan.outcome.after
    if sale.gain >= 0:
        code = Code.SOLD_MOVED if moved else Code.SOLD_GAIN
        reason = (f"{_describe(h, lot_id)} sold: {sale.units} units for {format_inr(sale.proceeds)}, {sale.term} gain "
                  f"{format_inr(sale.gain)}; with the year's other gains and losses, net LTCG "
                  f"{format_inr(after.net_ltcg)} after set-off, {format_inr(after.exemption_used)} of the "
                  f"{format_inr(after.exemption_limit)} exemption used, tax this year {format_inr(after.total_tax)}")
    else:
        code = Code.SOLD_LOSS
        reason = (f"{_describe(h, lot_id)} sold: {sale.units} units for {format_inr(sale.proceeds)}, {sale.term} loss "
                  f"{format_inr(-sale.gain)}, set off against the year's gains (tax this year "
                  f"{format_inr(plan.outcome.before.total_tax)} before the plan, "
                  f"{format_inr(after.total_tax)} after)")
    note, numbers = preferred or ("", ())
    return Decision(lot_id, h.lot.investor, h.lot.account, h.lot.security, h.lot.acquired, h.lot.units, Action.SOLD,
                    code, sale.units, sale.proceeds, sale.gain, sale.term, reason + note,
                    (("net_ltcg_after", str(after.net_ltcg)), ("exemption_used_after", str(after.exemption_used)))
                    + numbers)


class Constraint(Enum):
    """The program's constraints (docs/harvesting.md) that can stand between a kept lot and a
    better plan, in the order a reason names them."""

    SHORT_TERM = "short-term gains"
    EXIT_LOAD = "exit load"
    ROOM = "the exemption less the margin"
    NEW_TAX = "no new tax"
    LOSS_THRESHOLD = "the loss threshold"
    MINIMUM = "the minimum redemption"


KEPT_BY = {Constraint.SHORT_TERM: Code.KEPT_SHORT_TERM, Constraint.EXIT_LOAD: Code.KEPT_EXIT_LOAD,
           Constraint.ROOM: Code.KEPT_EXEMPTION_FULL, Constraint.NEW_TAX: Code.KEPT_TAXED,
           Constraint.LOSS_THRESHOLD: Code.KEPT_LOSS_BELOW_THRESHOLD, Constraint.MINIMUM: Code.KEPT_BELOW_MINIMUM}

# Selling a kept lot is "worth it" when it would raise the plan's tax value by more than this: the
# solver's gap (engine/harvest/program.py GAP), so that a paisa of rounding in a 0.001-unit step is not a reason.
MATERIAL = Decimal("0.05")


def violated(policy: Policy, outcome: Outcome, allowance: Decimal) -> tuple[Constraint, ...]:
    """The constraints a plan's exact outcome breaks, in naming order (the same judgement as the
    referee of tests/harvest/test_optimizer_referee.py, on the tax engine's own numbers)."""
    rule = policy.harvest
    out: list[Constraint] = []
    short_gains = sum((p.gain for p in outcome.parts if p.term == Term.SHORT and p.gain > 0), ZERO)
    limit = rule.short_term_gains_limit
    if limit is not None and short_gains > limit:
        out.append(Constraint.SHORT_TERM)
    if rule.never_pay_exit_load and outcome.exit_loads > 0:
        out.append(Constraint.EXIT_LOAD)
    moved = moved_excess(outcome, allowance)  # migration: net LTCG past the allowance by gains moved, taxed
    if outcome.after.net_ltcg > allowance + moved:
        out.append(Constraint.ROOM)
    if outcome.after.total_tax > outcome.before.total_tax and not moved:
        out.append(Constraint.NEW_TAX)
    threshold = rule.loss_threshold
    nets = [sum((s.gain for s in o.lots), ZERO) for o in outcome.orders]
    if threshold and any(net < 0 and -net <= threshold for net in nets):
        out.append(Constraint.LOSS_THRESHOLD)
    for o in outcome.orders:
        security = security_of(policy, o.security)
        if (security.minimum_redemption is not None and o.amount < security.minimum_redemption) or \
                (security.minimum_redemption_units is not None and o.units < security.minimum_redemption_units):
            out.append(Constraint.MINIMUM)
            break
    return tuple(out)


@dataclass(frozen=True)
class Alternative:
    """The plan with `extra` more units sold from one queue (the kept lot's), everything else as
    planned, evaluated exactly: how much better or worse it is, and what it would break."""

    extra: Decimal
    gain: Decimal  # what the extra units realise
    outcome: Outcome
    worth: Decimal  # its tax value less the plan's (docs/harvesting.md: tax saved + step-up - exit loads)
    tax_saved: Decimal  # this year's tax it would save beyond the plan (negative: tax it would add)
    step_up: Decimal  # future tax it would avoid beyond the plan (negative: future tax it would add)
    broken: tuple[Constraint, ...]
    status_cost: Decimal = ZERO  # the price of the rebuy's worse tax status beyond the plan's


def alternative(policy: Policy, plan: InvestorPlan, q: Queue, extra: Decimal, position: TaxPosition, as_of: date,
                sales: Sales | None = None) -> Alternative:
    investor = next(i for i in portfolio_of(policy).investors if i.id == plan.investor)
    units = dict(plan.units)
    units[q.key] = units.get(q.key, ZERO) + extra
    outcome = evaluate(policy, investor, position, plan.queues, units, as_of, position.fy, sales)
    base = plan.outcome
    gain = paise(sum((p.gain for p in outcome.parts), ZERO) - sum((p.gain for p in base.parts), ZERO))
    return Alternative(extra, gain, outcome, outcome.tax_value - base.tax_value, outcome.tax_saved - base.tax_saved,
                       outcome.step_up - base.step_up, violated(policy, outcome, plan.allowance),
                       outcome.status_cost - base.status_cost)


def binding(options: Sequence[Alternative]) -> Alternative | None:
    """Of the ways to sell more of a kept lot, the one worth it (by more than MATERIAL) that breaks
    the fewest constraints (the first on a tie); None if none is worth it."""
    worth = [a for a in options if a.worth > MATERIAL]
    return min(worth, key=lambda a: len(a.broken)) if worth else None


def _why_kept(policy: Policy, plan: InvestorPlan, q: Queue, index: int, h: Holding, as_of: date,
              units: Decimal, position: TaxPosition, sales: Sales | None = None) -> tuple[Code, str, Numbers]:
    """The reason the first kept lot of a queue keeps `units` (all of it, or what a partial sale
    left): what would have to change for it to be sold. Selling it (the kept units, after what
    the plan sells in front) and selling one unit step more (0.001 unit of a fund, a share) are
    evaluated exactly. Of those that would make the plan better (by more than MATERIAL), the one
    breaking the fewest constraints names the first it breaks (the rest are `also`): relaxing them
    would let the plan sell more of the lot and be better. If none would, the lot is not worth
    selling, and the reason says what selling it would save and cost."""
    whole = alternative(policy, plan, q, units, position, as_of, sales)
    options = [whole]
    if q.quantum < units:
        options.append(alternative(policy, plan, q, q.quantum, position, as_of, sales))
    chosen = binding(options)
    if chosen is None:
        if whole.status_cost > 0 and whole.worth + whole.status_cost > MATERIAL:
            return _status_kept(q, index, whole)
        (clause, more), moving = _status_clause(q, index, whole), kept_move_clause(policy, plan.outcome, whole.outcome)
        return _not_worth(policy, plan, h, as_of, whole, (clause + moving[0], more + moving[1]))
    if not chosen.broken:
        return (Code.KEPT_WITHIN_TOLERANCE, f"selling {_amount(chosen, units)} would break no constraint and make "
                f"the plan {format_inr(chosen.worth)} better, within the optimizer's tolerance of Re 1",
                (("gain", str(whole.gain)), ("worth", str(chosen.worth))) + _step(chosen, units))
    first, also = chosen.broken[0], chosen.broken[1:]
    code = KEPT_BY[first]
    text, numbers = _named(first, policy, plan, h, as_of, whole, chosen)
    tail = (f"; selling {_amount(chosen, units)} would make the plan {format_inr(chosen.worth)} better, "
            f"so {first.value} is what keeps it")
    if also:
        tail += " (with " + ", ".join(c.value for c in also) + ", which it would break too)"
    numbers = numbers + (("worth", str(chosen.worth)),) + _step(chosen, units) + ((("also", ",".join(KEPT_BY[c] for c in also)),)
                                                           if also else ())
    return code, text + tail, numbers


def _amount(a: Alternative, kept: Decimal) -> str:
    if a.extra == kept:
        return f"its {a.extra} units"
    return f"even {a.extra} unit more of it (a {'gain' if a.gain >= 0 else 'loss'} of {format_inr(abs(a.gain))})"


def _step(a: Alternative, kept: Decimal) -> Numbers:
    """The numbers of a one-step alternative (none when the alternative is the whole kept part)."""
    return () if a.extra == kept else (("step_units", str(a.extra)), ("step_gain", str(a.gain)))


def _named(c: Constraint, policy: Policy, plan: InvestorPlan, h: Holding, as_of: date, whole: Alternative,
           chosen: Alternative) -> tuple[str, Numbers]:
    """The sentence and numbers of the constraint that keeps the lot: the gain, load or tax of
    selling all of it (`whole`); the order that would break a threshold or a minimum, and the tax
    that would be added, of the alternative that breaks it (`chosen`)."""
    rule = policy.harvest
    a = whole
    if c is Constraint.SHORT_TERM:
        held = (as_of - h.lot.acquired).days
        limit = rule.short_term_gains_limit
        when = (f"short-term, long-term from {h.long_term_from}" if h.long_term_from is not None
                else "short-term whatever the holding period (s.50AA)")
        allows = "never realises short-term gains" if not limit else f"allows short-term gains up to {format_inr(limit)}"
        return (f"{when} (held {held} days); selling would realise a short-term gain of {format_inr(a.gain)}, "
                f"and the policy {allows}",
                (("long_term_from", "" if h.long_term_from is None else str(h.long_term_from)),
                 ("held_days", str(held)), ("gain", str(a.gain))))
    if c is Constraint.EXIT_LOAD:
        load = a.outcome.exit_loads - plan.outcome.exit_loads
        return (f"in its exit-load period, load-free from {h.exit_load_ends} (load {format_percent(h.exit_load)}, "
                f"{format_inr(load)} if sold now); the policy never pays exit load",
                (("load_free_from", str(h.exit_load_ends)), ("exit_load_rate", str(h.exit_load)),
                 ("exit_load", str(load))))
    if c is Constraint.ROOM:
        room = paise(max(plan.allowance - plan.outcome.after.net_ltcg, ZERO))
        numbers = (("gain", str(a.gain)), ("room_left", str(room)))
        if not rule.realise_gains:
            return (f"selling would realise LTCG {format_inr(a.gain)}; the policy realises no long-term gains for the exemption (it has "
                    "no `realise gains up to the exemption`), only gains that harvested losses absorb", numbers)
        why = ("the exemption less the margin" if plan.allowance == plan.exemption - rule.margin
               else "the year's own net LTCG, already past the exemption less the margin")
        return (f"selling would realise LTCG {format_inr(a.gain)}; the plan already uses the exemption up to {format_inr(plan.outcome.after.net_ltcg)} of the "
                f"{format_inr(plan.allowance)} it may ({why}), {format_inr(room)} left", numbers)
    if c is Constraint.NEW_TAX:
        added = chosen.outcome.after.total_tax - plan.outcome.after.total_tax
        return (f"selling would realise a {h.term} gain of {format_inr(a.gain)} and add {format_inr(added)} of tax "
                f"this year (rate {_rate_text(h.rate)}); the plan adds no tax the year did not already owe",
                (("gain", str(a.gain)), ("rate", str(h.rate)), ("tax_added", str(added))))
    if c is Constraint.LOSS_THRESHOLD:
        order = next(o for o in chosen.outcome.orders if (o.account, o.security) == (h.lot.account, h.lot.security))
        net = sum((s.gain for s in order.lots), ZERO)
        threshold = rule.loss_threshold
        assert threshold is not None  # violated() names this constraint only under a threshold
        return (f"selling would make this holding's order realise a net loss of {format_inr(-net)}, not larger than "
                f"the policy's threshold of {format_inr(threshold)} (it applies to each order)",
                (("order_net_loss", str(-net)), ("threshold", str(threshold))))
    security = security_of(policy, h.lot.security)
    order = next(o for o in chosen.outcome.orders if (o.account, o.security) == (h.lot.account, h.lot.security))
    least = " and ".join(x for x in (security.minimum_redemption is not None
                                     and format_inr(security.minimum_redemption),
                                     security.minimum_redemption_units is not None
                                     and f"{security.minimum_redemption_units} units") if x)
    return (f"selling would make an order of {order.units} units for {format_inr(order.amount)}, below the fund's "
            f"minimum redemption of {least}",
            (("order_units", str(order.units)), ("order_amount", str(order.amount))))


def _worse(worth: Decimal) -> str:
    return (f"{format_inr(-worth)} worse" if worth < 0 else
            "no better" if worth == 0 else f"{format_inr(worth)} better, no more than rounding")


def _status_words(v: Valuation, old: Decimal, new: Decimal) -> str:
    return (f"units bought back on {v.as_of} would bear {format_percent(new)} (with cess) on their future gains, not "
            f"this lot's {format_percent(old)}: the regime of a purchase on that day (s.50AA for a debt fund: "
            f"short-term at slab however long held)")


def _status_note(plan: InvestorPlan, q: Queue, index: int, sale: LotSale) -> tuple[str, Numbers]:
    """For a sold lot whose rebuy worsens its tax status: what the plan counted for it."""
    v = plan.outcome.valuation
    cost = v.status_costs(q)[index] if v is not None else 0
    if not cost:
        return "", ()
    assert v is not None
    price = paise(exact_decimal(Fraction(sale.proceeds) * cost))
    return (f"; {_status_words(v, q.future_rates[index], v.rebuy_rate(q.key[2]))}, priced at {format_inr(price)} "
            f"(growth of {format_percent(v.growth_rate)} a year over {v.horizon} years) and still worth selling",
            (("status_cost", str(price)),))


def _status_kept(q: Queue, index: int, a: Alternative) -> tuple[Code, str, Numbers]:
    """A kept lot that selling would make the plan better were the rebought units not to lose
    the lot's tax status: the rebuy's status cost (engine/harvest/time_value.py) outweighs it."""
    v = a.outcome.valuation
    assert v is not None  # evaluate always values the time terms
    old, new = q.future_rates[index], v.rebuy_rate(q.key[2])
    return (Code.KEPT_STATUS_COST,
            f"selling would make the plan {format_inr(a.worth + a.status_cost)} better, but {_status_words(v, old, new)}: "
            f"on growth of {format_percent(v.growth_rate)} a year over {v.horizon} years, {format_inr(a.status_cost)} "
            f"of future tax at today's value, so selling would leave the plan {_worse(a.worth)}",
            (("gain", str(a.gain)), ("status_cost", str(a.status_cost)), ("rate_kept", f"{old.normalize():f}"),
             ("rate_rebought", f"{new.normalize():f}"), ("growth_rate", str(v.growth_rate)), ("horizon_years", str(v.horizon)),
             ("worth", str(a.worth))))


def _status_clause(q: Queue, index: int, a: Alternative) -> tuple[str, Numbers]:
    """What a worse status of the rebought units adds to a lot not worth selling anyway."""
    v = a.outcome.valuation
    if v is None or a.status_cost <= 0:
        return "", ()
    return (f", and {_status_words(v, q.future_rates[index], v.rebuy_rate(q.key[2]))}, "
            f"{format_inr(a.status_cost)} more at today's value", (("status_cost", str(a.status_cost)),))


def _not_worth(policy: Policy, plan: InvestorPlan, h: Holding, as_of: date, a: Alternative,
               status: tuple[str, Numbers] = ("", ())) -> tuple[Code, str, Numbers]:
    """A kept lot no constraint keeps: selling it would not make the plan better (`status`: what
    the rebuy's worse tax status would add, _status_clause)."""
    also = status[1] + ((("also", ",".join(KEPT_BY[c] for c in a.broken)),) if a.broken else ())
    besides = (" (and it would break " + ", ".join(c.value for c in a.broken) + ")") if a.broken else ""
    if a.gain < 0:
        return (Code.KEPT_LOSS_NO_USE, f"selling would realise a {h.term} loss of {format_inr(-a.gain)}: it would "
                f"save {format_inr(a.tax_saved)} of tax this year and add {format_inr(-a.step_up)} of future tax by "
                f"lowering the cost of the rebought units{status[0]}, so selling would leave the plan "
                f"{_worse(a.worth)}{besides}",
                (("loss", str(-a.gain)), ("tax_saved_now", str(a.tax_saved)),
                 ("future_tax_added", str(-a.step_up)), ("worth", str(a.worth))) + also)
    if a.gain > 0:
        held = (as_of - h.lot.acquired).days
        when = ((), "") if h.term != Term.SHORT else (
            (("long_term_from", "" if h.long_term_from is None else str(h.long_term_from)), ("held_days", str(held))),
            (f"short-term, long-term from {h.long_term_from}" if h.long_term_from is not None
             else "short-term whatever the holding period (s.50AA)") + f" (held {held} days); ")
        return (Code.KEPT_GAIN_NO_USE, f"{when[1]}selling would realise a {h.term} gain of {format_inr(a.gain)}: it would add "
                f"{format_inr(-a.tax_saved)} of tax this year (rate {_rate_text(h.rate)}) and avoid "
                f"{format_inr(a.step_up)} of future tax{status[0]}, so selling would leave the plan "
                f"{_worse(a.worth)}{besides}",
                (("gain", str(a.gain)), ("tax_added_now", str(-a.tax_saved)), ("future_tax_avoided", str(a.step_up)),
                 ("worth", str(a.worth))) + when[0] + also)
    return (Code.KEPT_NOT_NEEDED, f"selling would realise no gain or loss{besides}", also)


def all_decisions(policy: Policy, plans: Sequence[InvestorPlan], as_of: date, position: TaxPosition
                  ) -> list[Decision]:
    """`position`: the year so far (sell_choice.TaxPosition), to say what a kept loss would save."""
    return [d for p in plans for d in decisions(policy, p, as_of, position)]
