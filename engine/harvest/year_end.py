"""The year-end plan as a whole: the harvest (engine/harvest/optimizer.py), what the proceeds buy, the
audit trail (engine/harvest/audit.py), and the plan's JSON (docs/json.md), which is what is saved.

What the proceeds buy (docs/harvesting.md, "What the money buys"): each sale's money, after STT
and exit load, in whole rupees (`net_rupees`). Under `rebuy the same funds` (a policy's default)
it is rebought in the same fund, in the same folio (a harvest keeps the portfolio as it was and
steps the cost up or down); a legacy fund's money goes to its replacement. Under `reallocate
proceeds by the buying rule`, or with new money (`--invest`/`--from`), everything, proceeds and
new money, is allocated by the buying rule (engine/plans/allocator.py), as in a month: the rule
chooses the assets, each asset's money buys its preferred fund (never a legacy one), and each
investor's money buys for that investor (allocator.fill). The plan then shows the drift before
and after (`drift`); rebought in the same funds, the weights stay as they were.

When: the orders are for `as_of` if the Indian exchanges trade that day, else for the next
trading day (month_plan.orders_day, engine/calendar.py: a Saturday, a Sunday or an NSE
holiday moves them; funds too, since NAVs are declared on the exchanges' business days).
Funds are bought on the day of the sales; exchange-traded securities on the next trading day
after it, because a same-day purchase and sale in one demat account is intraday trading
(s.43(5)) and realises no capital gain or loss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any, Callable, Mapping, Sequence

from engine.harvest.audit import Code, Decision, all_decisions
from engine.fmv import FmvTable
from engine.harvest.memory import give_back
from engine.harvest.optimizer import TIME_LIMIT, HarvestPlan, InvestorPlan, Progress, plan_year_end
from engine.harvest.migration import target_of
from engine.harvest.migration_report import migration_json, move_taxes
from engine.harvest.time_value import time_terms
from engine.plans.month_plan import (BuyOrder, Unplaced, buy_order, buy_orders, drifts_of, orders_day, values_after,
                               values_by_asset)
from engine.plans.drift import AssetDrift, as_decimal, total_drift
from engine.plans.positions import accounts_of
from engine.policy.model import Policy
from engine.plans.sell_choice import SellOrder, TaxPosition
from engine.tax.complete import portfolio_of, security_of
from engine.tax.unrealised import Holding
from engine.tax.year import year_json
from engine.transactions import Price
from engine.vocabulary import DriftMeasure, Side

ZERO = Decimal(0)


@dataclass(frozen=True)
class YearEndPlan:
    harvest: HarvestPlan
    buys: tuple[BuyOrder, ...]
    buy_dates: tuple[date, ...]
    orders_on: date  # the sales' day: as_of, or the next trading day after it
    unplaced: tuple[Unplaced, ...]
    decisions: tuple[Decision, ...]
    notes: tuple[str, ...]
    drift: Drift | None = None  # when the buying rule placed the money: the drift before and after


@dataclass(frozen=True)
class Drift:
    """The portfolio's drift (all investors) before the plan and after its sales and purchases, at
    the plan's prices, by the policy's measure."""

    measure: DriftMeasure
    before: tuple[AssetDrift, ...]
    after: tuple[AssetDrift, ...]

    def to_json(self) -> dict[str, object]:  # JSON (docs/json.md)
        return {"measure": self.measure,
                "before": {"total_drift": str(as_decimal(total_drift(self.before, self.measure))),
                           "assets": [d.to_json() for d in self.before]},
                "after": {"total_drift": str(as_decimal(total_drift(self.after, self.measure))),
                          "assets": [d.to_json() for d in self.after]}}


def net_rupees(order: SellOrder) -> int:
    """A sale's money to reinvest: proceeds less STT and exit load, in whole rupees (down)."""
    return int((order.amount - order.stt - order.exit_load).to_integral_value(rounding=ROUND_DOWN))


def _rebuys(policy: Policy, harvest: HarvestPlan, holdings: Sequence[Holding],
            price_of: Callable[[str, date], Price | None]) -> tuple[list[BuyOrder], list[Unplaced]]:
    """Each sale's net proceeds back into the same fund (a legacy fund's into its replacement, a
    consolidated fund's into the fund its asset consolidates into: migration.target_of)."""
    folios = accounts_of(holdings)
    wanted: dict[tuple[str, str, str], int] = {}  # (investor, account, fund) -> rupees, in order of the sales
    for ip in harvest.investors:
        for order in ip.outcome.orders:
            security = security_of(policy, order.security)
            target = target_of(policy, security) or security
            rupees = net_rupees(order)
            if rupees <= 0:
                continue
            account = order.account if target.id == security.id else folios.get((order.investor, target.id),
                                                                                    ("new",))[0]
            key = (order.investor, account, target.id)
            wanted[key] = wanted.get(key, 0) + rupees
    buys: list[BuyOrder] = []
    unplaced: list[Unplaced] = []
    for (investor, account, fund), rupees in wanted.items():
        buy = buy_order(security_of(policy, fund), investor, account, rupees, price_of, harvest.as_of)
        if isinstance(buy, BuyOrder):
            buys.append(buy)
        else:
            unplaced.append(buy)
    return buys, unplaced


def plan(policy: Policy, holdings: Sequence[Holding], position: TaxPosition, as_of: date,
         money: Mapping[str, int], price_of: Callable[[str, date], Price | None], *,
         solver_log: bool = False, time_limit: float | None = TIME_LIMIT, progress: Progress | None = None,
         explain: bool = True, investor: str | None = None) -> YearEndPlan:
    """The year-end plan. `explain=False` (a caller that reads only the orders, as a backtest does)
    leaves out the per-lot audit (`decisions`, empty) and the notes built from it ("nothing to
    harvest: ..."); the harvest, the purchases and their days are the same. `investor`: the
    plan of that one investor (the others' lots neither sold nor bought; what is overweight and
    what the buying rule buys still judged on the family's holdings, as for the whole family)."""
    from engine.plans.allocator import allocate
    from engine.calendar import calendar_note, closed_between, next_trading_day, why_closed

    values = values_by_asset(holdings)
    targets = {a.name: a.target for a in portfolio_of(policy).assets}
    total = sum(values.values(), ZERO)
    overweight = {a for a, v in values.items() if total > 0 and v > targets.get(a, ZERO) * total}
    harvest = plan_year_end(policy, holdings, position, as_of, overweight, solver_log=solver_log,
                            time_limit=time_limit, progress=progress, only=investor)
    notes: list[str] = [gap_note(ip.investor, ip.gap, time_limit) for ip in harvest.investors if ip.gap is not None]
    drift = None
    if policy.harvest.reallocates or any(money.values()):
        sells = [o for ip in harvest.investors for o in ip.outcome.orders]
        pots = dict(money)
        for o in sells:
            pots[o.investor] = pots.get(o.investor, 0) + net_rupees(o)
        amounts = allocate(values_after(values, sells, []), targets, sum(pots.values()),
                           policy.buy.method)
        buys, unplaced = buy_orders(policy, amounts, pots, accounts_of(holdings), price_of, as_of)
        drift = Drift(policy.drift_measure, tuple(drifts_of(policy, values)),
                      tuple(drifts_of(policy, values_after(values, sells, buys))))
        notes.append(_allocation_note(policy, sells, money))
    else:
        buys, unplaced = _rebuys(policy, harvest, holdings, price_of)
    day, day_notes = orders_day(policy, as_of)
    notes += day_notes
    rebuy = next_trading_day(day)
    dates: list[date] = []
    for b in buys:
        security = portfolio_of(policy).security(b.security)
        dates.append(rebuy if security is not None and security.exchange_traded else day)
    if rebuy in dates:
        closed = "".join(f"; {d} is {why_closed(d)}" for d in closed_between(day, rebuy))
        notes.append(f"exchange-traded securities are rebought on {rebuy}, the next trading day after the sale on "
                     f"{day}{closed}: a purchase on the day of the sale in the same demat account would be "
                     "intraday trading, not a capital gain or loss")
        note = calendar_note(rebuy)
        if note and note not in notes:
            notes.append(note)
    if not explain:
        return YearEndPlan(harvest, tuple(buys), tuple(dates), day, tuple(unplaced), (), tuple(notes), drift)
    decisions = all_decisions(policy, harvest.investors, as_of, position)
    for ip in harvest.investors:
        if not ip.outcome.orders and ip.gap is None:  # stopped short: not "nothing to harvest" (its gap says)
            notes.append(f"{ip.investor}: nothing to harvest: " + _why_nothing(policy, ip, [d for d in decisions
                                                                                 if d.investor == ip.investor]))
    return YearEndPlan(harvest, tuple(buys), tuple(dates), day, tuple(unplaced), tuple(decisions), tuple(notes),
                       drift)


def _allocation_note(policy: Policy, sells: Sequence[SellOrder], money: Mapping[str, int]) -> str:
    """What the buying rule placed: the sales' money and the new money, in whole rupees."""
    from engine.literals import format_inr

    sold, new = sum(net_rupees(o) for o in sells), sum(money.values())
    why = ("the policy reallocates proceeds by the buying rule" if policy.harvest.reallocates
           else "new money was given")
    return (f"the buying rule ({policy.buy.method.replace('-', ' ')}) places {format_inr(Decimal(sold + new))}: "
            f"{format_inr(Decimal(sold))} from the sales (net of STT and exit load, whole rupees) and "
            f"{format_inr(Decimal(new))} of new money, in the underweight assets, each investor's for that investor "
            f"({why})")


def gap_note(investor: str, gap: Decimal, time_limit: float | None) -> str:
    """What a plan whose solve stopped at the time limit says: how close to the best it is proven."""
    from engine.literals import format_inr

    return (f"{investor}: the optimizer's time limit of {time_limit or 0:g} s bound before it proved this plan the best: "
            f"no plan is worth more than {format_inr(gap)} above it (--time-limit SECONDS gives it more time)")


def _why_nothing(policy: Policy, ip: InvestorPlan, decisions: Sequence[Decision]) -> str:
    from engine.literals import format_inr

    before = ip.outcome.before
    if not ip.queues:
        return "no holdings"
    if ip.allowance == before.net_ltcg and not policy.harvest.realise_gains:
        return ("the policy realises no gains for the exemption (it has no `realise gains up to the exemption`), "
                "and no loss would save tax")
    if before.net_ltcg >= ip.allowance and before.exemption_limit:
        return (f"the year's net LTCG of {format_inr(before.net_ltcg)} already reaches the {format_inr(ip.allowance)} "
                "the plan may use, and no loss would save tax")
    counts: dict[Code, int] = {}
    for d in decisions:
        if d.code != Code.KEPT_BEHIND:  # the lots at the front of their queues say why each queue stops
            counts[d.code] = counts.get(d.code, 0) + 1
    return "; ".join(f"{n} holding{'s' if n > 1 else ''} (folio or demat account and security) "
                     f"stop{'' if n > 1 else 's'} {STOPS[code]}" for code, n in sorted(counts.items()) if code in STOPS) \
        or "no lot can be sold to any benefit"


STOPS = {  # where a holding's FIFO queue stops, by the code of its first kept lot (engine/harvest/audit.py)
    Code.KEPT_SHORT_TERM: "at a short-term lot in gain (the policy's short-term gains rule)",
    Code.KEPT_EXIT_LOAD: "at a lot in its exit-load period (the policy never pays exit load)",
    Code.KEPT_EXEMPTION_FULL: "at a gain the exemption left cannot cover",
    Code.KEPT_TAXED: "at a gain that would be taxed",
    Code.KEPT_LOSS_BELOW_THRESHOLD: "at an order whose net loss would be no larger than the policy's threshold",
    Code.KEPT_BELOW_MINIMUM: "at an order below the fund's minimum redemption",
    Code.KEPT_LOSS_NO_USE: "at a loss that would save no tax this year",
    Code.KEPT_GAIN_NO_USE: "at a gain whose tax now would be no less than the future tax it avoids",
    Code.KEPT_NOT_NEEDED: "at a lot with no gain or loss",
    Code.KEPT_WITHIN_TOLERANCE: "within the optimizer's tolerance",
    Code.KEPT_STATUS_COST: "at a lot whose rebuy would be taxed at a worse rate (s.50AA) for good",
}


# ------------------------------------------------------------------ JSON (docs/json.md)
def to_json(plan_id: str, hashes: Mapping[str, str], options: Mapping[str, object], p: YearEndPlan,
            fmv: FmvTable | None = None, *, kind: str = "year-end", due: Sequence[object] | None = None) -> str:
    """The plan as saved and printed (`json_body`, dumped)."""
    return dumps(json_body(plan_id, hashes, options, p, fmv, kind=kind, due=due))


def dumps(body: Mapping[str, Any] | list[Any]) -> str:
    """A plan's JSON text as saved (or a piece of it): compact, by the C encoder (10x faster than indented)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


BLOCK = 1_000  # decisions encoded at a time by text_and_body: about 0.5 MB of text


def text_and_body(plan_id: str, hashes: Mapping[str, str], options: Mapping[str, object], p: YearEndPlan,
                  fmv: FmvTable | None = None, *, kind: str = "year-end",
                  due: Sequence[object] | None = None) -> tuple[str, dict[str, Any]]:
    """`dumps(json_body(...))` and `json_body(...)`, the same text and value, made so that what
    is per lot is not held three times at once (issue 14: 100,000 lots, a text of 46 MB, the
    decisions' dicts 57 MB): the text first, its decisions encoded a BLOCK at a time (compact JSON
    of a list is its items' JSON joined by commas) and joined once, the pieces' memory given back
    (memory.py), and only then the decisions' dicts of the value."""
    body = json_body(plan_id, hashes, options, p, fmv, kind=kind, due=due, lots=False)
    keys = list(body)
    at = keys.index("decisions")  # then "notes" (and "drift"): neither side is empty
    head, tail = dumps({k: body[k] for k in keys[:at]}), dumps({k: body[k] for k in keys[at + 1:]})
    shared: dict[object, Any] = {}
    parts = [head[:-1], ',"decisions":[']
    for start in range(0, len(p.decisions), BLOCK):
        if start:
            parts.append(",")
        parts.append(dumps([d.to_json(shared) for d in p.decisions[start:start + BLOCK]])[1:-1])
    parts += ["],", tail[1:]]
    text = "".join(parts)
    del parts
    give_back()
    body["decisions"] = [d.to_json(shared) for d in p.decisions]
    return text, body


def json_body(plan_id: str, hashes: Mapping[str, str], options: Mapping[str, object], p: YearEndPlan,
              fmv: FmvTable | None = None, *, kind: str = "year-end",
              due: Sequence[object] | None = None, lots: bool = True) -> dict[str, Any]:
    """The plan's JSON value: keys in a fixed order, numbers as exact decimal strings, only JSON's
    own types (dict, list, str and its StrEnums, None), so that it reads as `json.loads` of its dump
    reads (tests/harvest/test_plan_json.py): the reports are made from it without parsing the text
    again (a copy of every lot's decision, issue 14); `fmv`: the grandfathering FMVs the plan read,
    each with its source; `kind` "harvest" for `plan harvest`, with `due`: the triggers that fired
    (JSON values; a year-end plan has no key); `lots` False: "decisions" empty (text_and_body)."""
    from engine.literals import fy_label

    h = p.harvest
    shared: dict[object, Any] = {}  # values the decisions repeat, made once (Decision.to_json)
    orders: list[dict[str, object]] = []  # JSON
    for ip in h.investors:
        taxes = move_taxes(ip.outcome)  # a move's share of the tax it adds; "0.00" otherwise (no new tax)
        for o in ip.outcome.orders:
            orders.append({"date": p.orders_on.isoformat(), "investor": o.investor, "account": o.account,
                           "security": o.security, "asset": o.asset, "side": Side.SELL, "amount": str(o.amount),
                           "units": str(o.units), "price": str(o.price),
                           "tax": taxes.get((o.account, o.security), "0.00"), "stt": str(o.stt),
                           "exit_load": str(o.exit_load),
                           "lots": [{"lot": s.lot_id, "acquired": s.acquired.isoformat(), "units": str(s.units),
                                     "proceeds": str(s.proceeds), "basis": str(s.basis), "gain": str(s.gain),
                                     "term": s.term} for s in o.lots]})
    for b, day in zip(p.buys, p.buy_dates):
        orders.append({"date": day.isoformat(), "investor": b.investor, "account": b.account, "security": b.security,
                       "asset": b.asset, "side": Side.BUY, "amount": str(b.amount),
                       "units": None if b.units is None else str(b.units),
                       "price": None if b.price is None else str(b.price)})
    body: dict[str, Any] = {
        "plan_id": plan_id,
        "kind": kind,
        "as_of": h.as_of.isoformat(),
        "fy": fy_label(h.fy),
        "inputs": dict(hashes),
        "fmv": [{"security": security, "fmv": str(value), "source": source.value, "from": fmv.described(security)}
                for security, value, source in fmv.rows()] if fmv is not None else [],
        "options": dict(options),
        **({"due": list(due)} if due is not None else {}),
        "investors": [{
            "investor": ip.investor,
            "exemption": str(ip.exemption),
            "allowance": str(ip.allowance),
            "value": str(ip.outcome.value),
            "tax_value": str(ip.outcome.tax_value),
            "tax_saved": str(ip.outcome.tax_saved),
            "step_up": str(ip.outcome.step_up),
            **time_terms(ip.outcome.valuation, ip.outcome.status_cost),
            **migration_json(ip.outcome),
            "exit_loads": str(ip.outcome.exit_loads),
            "charges": str(ip.outcome.charges),
            "before": year_json(ip.outcome.before),
            "after": year_json(ip.outcome.after),
            **({} if ip.gap is None else {"gap": str(ip.gap)}),  # only when the time limit bound (docs/json.md)
        } for ip in h.investors],
        "orders": orders,
        "unplaced": [{"investor": u.investor, "asset": u.asset, "amount": str(u.amount), "reason": u.reason}
                     for u in p.unplaced],
        "decisions": [d.to_json(shared) for d in p.decisions] if lots else [],
        "notes": list(p.notes),
    }
    if p.drift is not None:  # only when the buying rule placed the money: a rebuying plan's JSON is as before
        body["drift"] = p.drift.to_json()
    return body

