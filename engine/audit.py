"""The audit trail of a year-end plan: a decision, with a reason code and its numbers, for every
lot of every holding the plan considered (docs/audit.md lists the codes).

SOLD lots say what they realised and what it counted against; KEPT lots say why not: the
first lot kept in a FIFO queue carries the reason, and every lot behind it is kept because
FIFO (s.45(2A), Circular 768) would sell that lot first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple, Sequence

from engine.harvest import InvestorPlan, Queue
from engine.literals import format_inr, format_percent
from engine.policy.model import Policy
from engine.tax.realised import paise
from engine.tax.unrealised import Holding

ZERO = Decimal(0)

CODES = {
    "SOLD-GAIN": "sold: a gain realised within the exemption and the year's losses, without tax",
    "SOLD-LOSS": "sold: a loss realised, set off against gains this year",
    "KEPT-SHORT-TERM": "kept: short-term, and the policy never realises short-term gains",
    "KEPT-EXIT-LOAD": "kept: in its exit-load period, and the policy never pays exit load",
    "KEPT-BEHIND": "kept: behind a kept lot in the same folio or demat account (FIFO)",
    "KEPT-EXEMPTION-FULL": "kept: the exemption (less the margin) is used up; selling would be taxed",
    "KEPT-TAXED": "kept: selling would realise a taxed gain",
    "KEPT-LOSS-BELOW-THRESHOLD": "kept: a loss no larger than the policy's threshold",
    "KEPT-LOSS-NO-USE": "kept: a loss that would save no tax this year",
    "KEPT-NOT-NEEDED": "kept: selling would change nothing this year",
}


class Decision(NamedTuple):  # a named tuple: one per lot, 14,400 in a family's plan
    lot: str
    investor: str
    account: str
    security: str
    acquired: date
    units: Decimal  # held before the plan
    action: str  # SOLD | KEPT
    code: str
    units_sold: Decimal
    proceeds: Decimal
    gain: Decimal  # of the units sold; for a kept lot, what selling all of it would realise
    term: str
    reason: str  # a sentence with the numbers
    numbers: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict:
        return {"lot": self.lot, "investor": self.investor, "account": self.account, "security": self.security,
                "acquired": self.acquired.isoformat(), "units": str(self.units), "action": self.action,
                "code": self.code, "units_sold": str(self.units_sold), "proceeds": str(self.proceeds),
                "gain": str(self.gain), "term": self.term, "reason": self.reason, "numbers": dict(self.numbers)}


def _rate_text(rate) -> str:
    if rate == "exempt":
        return "nil: the gain is exempt"
    return "slab rate" if rate == "slab" else ("no rate in force" if rate is None else format_percent(rate))


def _describe(h: Holding, lot_id: str) -> str:
    return f"Lot {lot_id} ({h.lot.units} units of {h.lot.security} in {h.lot.account}, bought {h.lot.acquired})"


def decisions(policy: Policy, plan: InvestorPlan, as_of: date, position) -> list[Decision]:
    """One decision per lot of the investor's queues, in queue and FIFO order."""
    sold = {}
    for order in plan.outcome.orders:
        for sale in order.lots:
            sold[(order.account, order.security, sale.lot_id)] = sale
    out: list[Decision] = []
    for q in plan.queues:
        front: tuple[str, str] | None = None  # the first kept lot's id and code
        for i, h in enumerate(q.holdings):
            lot_id = h.lot.id  # a hash, computed when asked for: once per lot here
            if h.gain != paise(h.gain):  # a cost carried to more places (e.g. before 2021)
                h = h._replace(gain=paise(h.gain))
            sale = sold.get((h.lot.account, h.lot.security, lot_id))
            if front is not None:
                lead, lead_code = front
                out.append(_kept(h, lot_id, "KEPT-BEHIND",
                                 f"{_describe(h, lot_id)} kept: behind {lead} in FIFO order, which is kept "
                                 f"({lead_code}); FIFO would sell that lot first", (("behind", lead),)))
                continue
            if sale is not None and sale.units == h.lot.units:
                out.append(_sold(h, lot_id, sale, plan))
                continue
            kept_units = h.lot.units - (sale.units if sale is not None else ZERO)
            code, reason, numbers = _why_kept(policy, plan, q, i, h, as_of, kept_units, position)
            if sale is not None:  # partly sold: the rest is kept for this reason
                d = _sold(h, lot_id, sale, plan)
                out.append(Decision(d.lot, d.investor, d.account, d.security, d.acquired, d.units, "SOLD", d.code,
                                    d.units_sold, d.proceeds, d.gain, d.term,
                                    f"{d.reason}; the other {h.lot.units - sale.units} units kept: {reason}",
                                    d.numbers + (("kept_code", code),) + numbers))
            else:
                out.append(_kept(h, lot_id, code, f"{_describe(h, lot_id)} kept: {reason}", numbers))
            front = (lot_id, code)
    return out


def _kept(h: Holding, lot_id: str, code: str, reason: str, numbers: tuple = ()) -> Decision:
    return Decision(lot_id, h.lot.investor, h.lot.account, h.lot.security, h.lot.acquired, h.lot.units, "KEPT",
                    code, ZERO, ZERO, h.gain, h.term, reason, numbers)


def _sold(h: Holding, lot_id: str, sale, plan: InvestorPlan) -> Decision:
    after = plan.outcome.after
    if sale.gain >= 0:
        code = "SOLD-GAIN"
        reason = (f"{_describe(h, lot_id)} sold: {sale.units} units for {format_inr(sale.proceeds)}, {sale.term} gain "
                  f"{format_inr(sale.gain)}; with the year's other gains and losses, net LTCG "
                  f"{format_inr(after.net_ltcg)} after set-off, {format_inr(after.exemption_used)} of the "
                  f"{format_inr(after.exemption_limit)} exemption used, tax this year {format_inr(after.total_tax)}")
    else:
        code = "SOLD-LOSS"
        reason = (f"{_describe(h, lot_id)} sold: {sale.units} units for {format_inr(sale.proceeds)}, {sale.term} loss "
                  f"{format_inr(-sale.gain)}, set off against the year's gains (tax this year "
                  f"{format_inr(plan.outcome.before.total_tax)} before the plan, "
                  f"{format_inr(after.total_tax)} after)")
    return Decision(lot_id, h.lot.investor, h.lot.account, h.lot.security, h.lot.acquired, h.lot.units, "SOLD",
                    code, sale.units, sale.proceeds, sale.gain, sale.term, reason,
                    (("net_ltcg_after", str(after.net_ltcg)), ("exemption_used_after", str(after.exemption_used))))


def _why_kept(policy: Policy, plan: InvestorPlan, q: Queue, index: int, h: Holding, as_of: date,
              units: Decimal, position) -> tuple[str, str, tuple]:
    """The reason the first kept lot of a queue keeps `units` (all of it, or what a partial
    sale left), with the gain those units would realise."""
    rule = policy.harvest
    held = (as_of - h.lot.acquired).days
    if units != h.lot.units:  # the kept part's value and basis, pro rata, to the paisa
        h = h._replace(value=paise(h.value * units / h.lot.units), gain=paise(h.gain * units / h.lot.units))
    if index >= q.eligible and q.stop_code == "EXIT_LOAD":
        load = paise(h.value * h.exit_load)
        return ("KEPT-EXIT-LOAD", f"in its exit-load period, load-free from {h.exit_load_ends} (load "
                f"{format_percent(h.exit_load)}, {format_inr(load)} if sold now); the policy never pays exit load",
                (("load_free_from", str(h.exit_load_ends)), ("exit_load_rate", str(h.exit_load)),
                 ("exit_load", str(load))))
    if index >= q.eligible and q.stop_code == "SHORT_TERM":
        tax = paise(h.gain * (h.rate if isinstance(h.rate, Decimal) else ZERO))
        when = (f"short-term, long-term from {h.long_term_from}" if h.long_term_from is not None
                else "short-term whatever the holding period (s.50AA)")
        return ("KEPT-SHORT-TERM", f"{when} (held {held} days); selling would "
                f"realise STCG {format_inr(h.gain)} taxed at {_rate_text(h.rate)}"
                + (f" ({format_inr(tax)} before cess)" if tax else ""),
                (("long_term_from", "" if h.long_term_from is None else str(h.long_term_from)),
                 ("held_days", str(held)), ("gain", str(h.gain))))
    if h.gain > 0:
        outcome = plan.outcome
        room = plan.allowance - outcome.after.net_ltcg
        if h.exemptable and h.term == "long-term":
            if rule is None or not rule.realise_gains:
                return ("KEPT-EXEMPTION-FULL", f"selling would realise LTCG {format_inr(h.gain)}; the policy realises "
                        "no long-term gains for the exemption (it has no `realise gains up to the exemption`), only "
                        "gains that harvested losses absorb", (("gain", str(h.gain)), ("room_left", "0")))
            why = ("the exemption less the margin" if plan.allowance == plan.exemption - rule.margin
                   else "the year's own net LTCG, already past the exemption less the margin")
            return ("KEPT-EXEMPTION-FULL", f"selling would realise LTCG {format_inr(h.gain)}; the plan already uses "
                    f"the exemption up to {format_inr(outcome.after.net_ltcg)} of the {format_inr(plan.allowance)} "
                    f"it may ({why}), {format_inr(max(room, ZERO))} left",
                    (("gain", str(h.gain)), ("room_left", str(max(room, ZERO)))))
        return ("KEPT-TAXED", f"selling would realise a {h.term} gain of {format_inr(h.gain)} taxed at "
                f"{_rate_text(h.rate)}", (("gain", str(h.gain)), ("rate", str(h.rate))))
    if h.gain < 0:
        threshold = rule.loss_threshold if rule else None
        if threshold is not None and -h.gain <= threshold:  # the policy harvests only losses larger than it
            return ("KEPT-LOSS-BELOW-THRESHOLD", f"a loss of {format_inr(-h.gain)} is not larger than the policy's "
                    f"threshold of {format_inr(threshold)}", (("loss", str(-h.gain)),))
        saved, later = _loss_worth(policy, plan, q, index, h, units, position, as_of)
        return ("KEPT-LOSS-NO-USE", f"selling would realise a {h.term} loss of {format_inr(-h.gain)}: it would save "
                f"{format_inr(saved)} of tax this year and add {format_inr(later)} of future tax by lowering the "
                "cost of the rebought units, so it is worth nothing or less",
                (("loss", str(-h.gain)), ("tax_saved_now", str(saved)), ("future_tax_added", str(later))))
    return ("KEPT-NOT-NEEDED", "selling would realise no gain or loss", ())


def _loss_worth(policy: Policy, plan: InvestorPlan, q: Queue, index: int, h: Holding, units: Decimal, position,
                as_of: date) -> tuple[Decimal, Decimal]:
    """What selling the kept loss lot as well would save this year, and the future tax it adds."""
    from engine.harvest import evaluate

    investor = next(i for i in policy.portfolio.investors if i.id == plan.investor)
    more = dict(plan.units)
    more[q.key] = more.get(q.key, ZERO) + units
    outcome = evaluate(policy, investor, position, plan.queues, more, as_of, position.fy)
    return plan.outcome.after.total_tax - outcome.after.total_tax, paise(-h.gain * q.future_rates[index])


def all_decisions(policy: Policy, plans: Sequence[InvestorPlan], as_of: date, position) -> list[Decision]:
    """`position`: the year so far (sell_choice.TaxPosition), to say what a kept loss would save."""
    return [d for p in plans for d in decisions(policy, p, as_of, position)]
