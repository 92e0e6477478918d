"""The monthly plan (seed 000, sections 1 and 2): controlled selling when the hysteresis says
so, then this month's money plus the sales' proceeds (after tax and charges) bought by the
buying rule.

Steps, on the lots valued at `as_of`:
 1. values per asset, drift per asset and total drift by the policy's measure;
 2. the selling state (engine/plans/selling.py) from the state the book remembers;
 3. the rupees to sell per asset, and the units for them, lot by lot, at the lowest cost
    this month (engine/plans/sell_choice.py);
 4. each investor's money: what they put in plus their sales' proceeds after tax, STT and
    exit load, in whole rupees (the paise are reported as cash left);
 5. the buying rule over all the money (engine/plans/allocator.py), then who pays for what:
    each investor's rupees are used exactly (allocator.fill);
 6. each asset's rupees go to its preferred fund: the first fund of the asset that is not
    legacy; into the investor's folio for it when they have one (the first, by account).
A purchase below the fund's minimum, or for an asset with no fund, is not placed: it is
reported with its reason and its money stays with the investor, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Callable, Mapping, Sequence

from engine.plans.allocator import allocate, fill
from engine.diagnostics import Diagnostic, warning
from engine.plans.drift import AssetDrift, asset_drifts, total_drift
from engine.literals import format_inr
from engine.policy.model import Policy, Security
from engine.plans.positions import Positions
from engine.plans.sell_choice import FUND_UNIT, SHARE, SellOrder, TaxPosition, sell_assets
from engine.plans.selling import SellState, decide, sell_amounts
from engine.tax.complete import portfolio_of
from engine.tax.unrealised import Holding
from engine.transactions import Price
from engine.vocabulary import DriftMeasure


@dataclass(frozen=True)
class BuyOrder:
    investor: str
    account: str  # "new" when the investor has no folio or demat holding of it yet
    security: str
    asset: str
    amount: int  # whole rupees
    price: Decimal | None
    units: Decimal | None  # an estimate at `price`: 0.001 units for funds, whole units otherwise


@dataclass(frozen=True)
class Unplaced:
    investor: str
    asset: str
    amount: int
    reason: str


@dataclass(frozen=True)
class MonthPlan:
    as_of: date
    month: str
    drifts_before: list[AssetDrift]
    drift_before: Fraction
    measure: DriftMeasure
    state: SellState
    state_reason: str
    sells: list[SellOrder]
    unsold: dict[str, Decimal]
    buys: list[BuyOrder]
    unplaced: list[Unplaced]
    cash_left: dict[str, Decimal]
    drifts_after: list[AssetDrift]
    drift_after: Fraction
    orders_on: date  # the trading day the orders are dated (orders_day)
    notes: list[str] = field(default_factory=list)


def preferred_fund(policy: Policy, asset: str) -> Security | None:
    """The fund new money buys for an asset: the fund the asset consolidates into (`consolidate into
    SECID`, never legacy: V363), else its first declared fund that is not legacy."""
    portfolio = portfolio_of(policy)
    into = next((a.consolidate_into for a in portfolio.assets if a.name == asset), None)
    chosen = portfolio.security(into) if into is not None else None
    if chosen is not None and not chosen.legacy:
        return chosen
    return next((s for s in portfolio.funds_for(asset) if not s.legacy), None)


def values_by_asset(holdings: Sequence[Holding]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for h in holdings:
        values[h.asset] = values.get(h.asset, Decimal(0)) + h.value
    return values


def values_after(values: Mapping[str, Decimal], sells: Sequence[SellOrder], buys: Sequence[BuyOrder]
                 ) -> dict[str, Decimal]:
    """Values per asset once the orders are done (at the plan's prices)."""
    after = dict(values)
    for order in sells:
        after[order.asset] = after.get(order.asset, Decimal(0)) - order.amount
    for buy in buys:
        after[buy.asset] = after.get(buy.asset, Decimal(0)) + buy.amount
    return after


def drifts_of(policy: Policy, values: Mapping[str, Decimal]) -> list[AssetDrift]:
    assets = portfolio_of(policy).assets
    return asset_drifts(values, {a.name: a.target for a in assets}, {a.name: a.band for a in assets})


def buy_order(fund: Security, investor: str, account: str, rupees: int,
              price_of: Callable[[str, date], Price | None], as_of: date) -> BuyOrder | Unplaced:
    """A purchase of `rupees` of `fund`, with its units estimated at the latest price (0.001
    units for funds, whole units otherwise, rounded down), or why it cannot be placed."""
    if fund.minimum_purchase is not None and rupees < fund.minimum_purchase:
        return Unplaced(investor, fund.asset, rupees,
                        f"below the minimum purchase of {format_inr(fund.minimum_purchase)} for {fund.id}")
    price = price_of(fund.id, as_of)
    units = None
    if price is not None and price.price > 0:
        units = (Decimal(rupees) / price.price).quantize(SHARE if fund.exchange_traded else FUND_UNIT,
                                                         rounding=ROUND_DOWN)
        if units == 0:
            return Unplaced(investor, fund.asset, rupees, f"less than one unit of {fund.id} at Rs {price.price} a unit")
    return BuyOrder(investor, account, fund.id, fund.asset, rupees, price.price if price else None, units)


def orders_day(policy: Policy, as_of: date) -> tuple[date, list[str]]:
    """The day a plan as of `as_of` dates its orders: `as_of` when the Indian exchanges trade
    that day, else the next trading day (engine/calendar.py), for funds and stocks alike (a fund
    declares NAVs on the exchanges' business days); and the notes that say so, loudly when that
    day is in the next financial year (31 March 2026 was an exchange holiday)."""
    from engine.calendar import calendar_note, trading_day_on_or_after, trading_day_on_or_before, why_closed
    from engine.literals import fy_label

    day = trading_day_on_or_after(as_of)
    notes = []
    if day != as_of:
        notes.append(f"{as_of} is {why_closed(as_of)}, not a trading day: the orders are for {day}, the next "
                     f"trading day of the Indian exchanges (funds too: NAVs are declared on the same days), at "
                     f"the prices of {as_of} or before")
        law = policy.tax
        if law is not None and law.fy_of(day) != law.fy_of(as_of):
            fy = law.fy_of(as_of)
            last = trading_day_on_or_before(law.fy_bounds(fy)[1])
            notes.append(f"{day} is in {fy_label(law.fy_of(day))}: sales on it are taxed in that year, not in "
                         f"{fy_label(fy)} as this plan computes; to sell within {fy_label(fy)}, plan as of "
                         f"{last}, its last trading day")
    note = calendar_note(as_of, day)
    if note:
        notes.append(note)
    return day, notes


def buy_orders(policy: Policy, amounts: Mapping[str, int], pots: Mapping[str, int],
               accounts: Mapping[tuple[str, str], Sequence[str]], price_of: Callable[[str, date], Price | None],
               as_of: date) -> tuple[list[BuyOrder], list[Unplaced]]:
    """Who buys what, where (step 5 and 6 above); `accounts`: (investor, security) -> the accounts
    the investor holds it in (positions.accounts_of)."""
    buys: list[BuyOrder] = []
    unplaced: list[Unplaced] = []
    for investor, asset, rupees in fill({a: r for a, r in amounts.items() if r}, {i: p for i, p in pots.items() if p}):
        fund = preferred_fund(policy, asset)
        if fund is None:
            unplaced.append(Unplaced(investor, asset, rupees, f"asset {asset} has no fund to buy (all are legacy or "
                                                              "none is declared)"))
            continue
        account = sorted(accounts.get((investor, fund.id), ["new"]))[0]
        order = buy_order(fund, investor, account, rupees, price_of, as_of)
        if isinstance(order, BuyOrder):
            buys.append(order)
        else:
            unplaced.append(order)
    return buys, unplaced


def plan_month(policy: Policy, holdings: Sequence[Holding] | Positions, money: Mapping[str, int], as_of: date,
               previous: SellState | None, position: TaxPosition,
               price_of: Callable[[str, date], Price | None]) -> tuple[MonthPlan, list[Diagnostic]]:
    """The month's plan from the valued lots, or from Positions (engine/plans/positions.py: only the
    lots of the assets sold are valued)."""
    positions = holdings if isinstance(holdings, Positions) else Positions.of(holdings)
    problems: list[Diagnostic] = []
    month = f"{as_of.year:04d}-{as_of.month:02d}"
    measure = policy.drift_measure
    values = dict(positions.values)
    assets = portfolio_of(policy).assets
    targets = {a.name for a in assets}
    for asset in sorted(set(values) - targets):
        problems.append(warning("A201", f"{asset} is held but has no target in the policy; it counts at 0% and "
                                "new money never buys it", None, "give it a target in the portfolio"))
    drifts = drifts_of(policy, values)
    drift = total_drift(drifts, measure)
    total = sum(values.values(), Decimal(0))
    if policy.sell is not None:
        state, reason = decide(previous, drift, policy.sell, month)
        to_sell = sell_amounts(drifts, total, drift, policy.sell, state, month)
    else:
        state, reason, to_sell = SellState(False), "the policy has no sell rule: no selling", {}
    sells, unsold, notes = sell_assets(to_sell, positions.lots_of(set(to_sell)) if to_sell else [], policy,
                                       position, as_of)
    pots = dict(money)
    cash_left: dict[str, Decimal] = {}
    for order in sells:
        pots[order.investor] = pots.get(order.investor, 0)
        cash_left[order.investor] = cash_left.get(order.investor, Decimal(0)) + order.net
    for investor, net in list(cash_left.items()):
        whole = int(net.to_integral_value(rounding=ROUND_DOWN)) if net > 0 else 0
        pots[investor] += whole
        cash_left[investor] = net - whole
    after_sales = values_after(values, sells, [])
    amounts = allocate(after_sales, {a.name: a.target for a in assets}, sum(pots.values()),
                       policy.buy.method)
    buys, unplaced = buy_orders(policy, amounts, pots, positions.accounts, price_of, as_of)
    drifts_after = drifts_of(policy, values_after(values, sells, buys))
    day, day_notes = orders_day(policy, as_of)
    return MonthPlan(as_of, month, drifts, drift, measure, state, reason, sells, unsold, buys, unplaced,
                     {i: c for i, c in cash_left.items() if c}, drifts_after, total_drift(drifts_after, measure),
                     day, day_notes + notes), problems
