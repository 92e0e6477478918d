"""Tax paid from the portfolio (Options.tax_from = TaxFrom.PORTFOLIO): when and with what.

**When.** Each FY's tax is paid on the run's first month day after the FY ends (its April
month day): the tax of a year's capital gains is due by then at the latest (advance tax, s.208,
falls due in instalments up to 15 March; what is left is self-assessment tax, s.140A, paid before
the return, due 31 July of the assessment year). Paying it with the first month's money after
the year ends keeps the model simple and needs no date that is not the FY's end, which the rules
file dates (`law.fy_bounds`); the interest of s.234B/234C on tax paid late is not modelled. An FY
whose month day lies after the run's last day is not paid in the run: its tax is owed at the end
(`Run.tax_unpaid`), taken from the value after selling all.

**How much.** The FY's tax per investor, computed by the tax engine exactly as the run's end
computes it (taxes.years: chained from the run's first FY; the FY's sales are all made by then,
so the figure is the final one).

**With what.** The investor's cash first (the month's money has joined it); what the cash does
not cover is raised by selling that investor's units, from the most overweight asset of the
portfolio first (the family's drift, the policy's targets), then the next: each asset's units
chosen by engine/plans/sell_choice.py `choose` (the cheapest queue, lot by lot, at its marginal
tax, exit load and STT) under the strategy's own selling rule: the policy's (`only long-term
lots`, `never pay exit load`) for the policy's strategies, none for the textbook ones; if the
rule leaves the tax short, the rest is sold without it (the tax must be paid). The proceeds are
grossed up so that, after exit load and STT, they cover the shortfall (a rupee over each time
rounding leaves it short). The sale's own tax falls in the next FY, chained like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from engine.backtest.run_book import net_proceeds
from engine.plans.drift import AssetDrift
from engine.plans.sell_choice import SellOrder, TaxPosition, choose
from engine.policy.model import Policy
from engine.tax.complete import law_of
from engine.tax.unrealised import Holding

TRIES = 6  # gross-up rounds: each adds the rupees still short, and one more


def pay_day(policy: Policy, fy: int, days: Sequence[date]) -> date | None:
    """The first of the run's month days after FY `fy` ends (None: none in the run)."""
    after = law_of(policy).fy_bounds(fy)[1] + timedelta(days=1)
    return next((d for d in days if d >= after), None)


def unpaid_on(policy: Policy, fy: int, last: date) -> date:
    """The day given to an FY's tax the run does not pay: the day after the FY ends, or the day after
    the run's last when that is later (a run may end after the FY and before its first month day
    after it, and the tax is still unpaid: Run.tax_paid counts only what is dated within the run)."""
    return max(law_of(policy).fy_bounds(fy)[1], last) + timedelta(days=1)


def net_of(orders: Sequence[SellOrder]) -> Decimal:
    """What the orders put in the seller's cash (run_book.net_proceeds, as RunBook.sell adds it)."""
    return sum((net_proceeds(o) for o in orders), Decimal(0))


def sell_order(drifts: Sequence[AssetDrift]) -> list[str]:
    """The assets, most overweight first (value above its target share, in rupees)."""
    total = sum((d.value for d in drifts), Decimal(0))
    return [d.asset for d in sorted(drifts, key=lambda d: -(d.value - d.target * total))]


def raise_cash(policy: Policy, own: Policy, holdings: Sequence[Holding], drifts: Sequence[AssetDrift],
               position: TaxPosition, investor: str, rupees: Decimal, day: date) -> list[SellOrder]:
    """Sales of `investor`'s units whose net proceeds are at least `rupees` (or all they can sell):
    by `own` (the strategy's selling rule), then by `policy` without a rule for what is left."""
    mine = [h for h in holdings if h.lot.investor == investor]
    ask = rupees
    orders: list[SellOrder] = []
    for _ in range(TRIES):
        orders = sales(own, replace(policy, sell=None), mine, sell_order(drifts), position, ask, day)
        net = net_of(orders)
        if net >= rupees or sum((o.amount for o in orders), Decimal(0)) < ask - 1:
            break  # enough, or everything that can be sold is sold
        ask += rupees - net + 1
    return orders


def sales(own: Policy, free: Policy, holdings: Sequence[Holding], assets: Sequence[str], position: TaxPosition,
          rupees: Decimal, day: date) -> list[SellOrder]:
    """About `rupees` of proceeds, asset by asset in `assets`' order, by `own`'s rule then `free`."""
    trial = replace(position, realised=position.realised, losses=position.losses, planned={})
    orders: list[SellOrder] = []
    left = rupees
    for rule in (own, free) if own.sell is not None else (own,):
        for asset in assets:
            if left <= 0:
                break
            taken = [h for h in holdings if h.asset == asset]
            held = sold_units(orders)
            rest = [h for h in taken if h.lot.id not in held]  # a lot partly sold is not offered again
            if not rest:
                continue
            more, left, _ = choose(asset, left, rest, rule, trial, day)
            orders += more
    return orders


def sold_units(orders: Sequence[SellOrder]) -> set[str]:
    return {s.lot_id for o in orders for s in o.lots}
