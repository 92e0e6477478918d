"""Which units to sell for an amount of an asset, at the lowest cost this month.

FIFO within an account is the law (s.45(2A), Circular 768), so the only choice is between
queues: (investor, account or folio, fund) holding the asset. The choice is greedy, lot by
lot: at each step every queue offers its next FIFO lot (the part still needed), priced at
its marginal cost, and the cheapest per rupee is taken:
  cost = the investor's FY tax with this part realised - without it (the full year
         computation: set-off, brought-forward losses, the exemption; engine/tax/year.py)
       + exit load + STT on the sale
Ties go to the earlier investor, account and fund. A queue stops for good at a lot it may
not sell (short-term under `only long-term lots`; in its exit-load period under `never pay
exit load`): FIFO would sell that lot before any behind it. It is greedy, not exhaustive:
the year-end optimizer (issue 5) is the exact method.

Units: fund units to 0.001, exchange-traded securities in whole units, rounded half-even
from amount / price; proceeds, basis shares, loads and STT to the paisa, half-even.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Iterable, Mapping, Sequence

from engine.literals import format_inr
from engine.policy.model import Policy
from engine.tax.complete import law_of, portfolio_of, security_of
from engine.tax.realised import RealisedPart, paise
from engine.tax.unrealised import Holding
from engine.tax.year import Loss, compute, condensed
from engine.vocabulary import ChargedOn, ChargeKind, Term

FUND_UNIT, SHARE = Decimal("0.001"), Decimal(1)


@dataclass(frozen=True)
class LotSale:
    lot_id: str
    acquired: date
    units: Decimal
    proceeds: Decimal
    basis: Decimal
    exit_load: Decimal
    gain: Decimal
    term: Term
    tax: Decimal  # the marginal tax of this part


@dataclass(frozen=True)
class SellOrder:
    investor: str
    account: str
    security: str
    asset: str
    price: Decimal
    units: Decimal
    amount: Decimal  # proceeds, units x price
    lots: tuple[LotSale, ...]
    tax: Decimal
    stt: Decimal
    exit_load: Decimal

    @property
    def net(self) -> Decimal:
        return self.amount - self.tax - self.stt - self.exit_load


@dataclass
class TaxPosition:
    """Each investor's FY so far (realised parts, brought-forward losses) and the parts this
    plan adds; the tax of it all, recomputed exactly when a part is tried (from the parts
    condensed per tranche key, engine/tax/year.py, so a try costs the same however many lots
    were sold)."""

    policy: Policy
    fy: int
    realised: Mapping[str, list[RealisedPart]]
    losses: Mapping[str, list[Loss]]
    planned: dict[str, list[RealisedPart]] = field(default_factory=dict)
    _base: dict[str, tuple[list[RealisedPart], Decimal]] = field(default_factory=dict, init=False, repr=False)

    def tax(self, investor: str, extra: Iterable[RealisedPart] = ()) -> Decimal:
        base = self._base.get(investor)
        if base is None:
            parts = condensed([*self.realised.get(investor, ()), *self.planned.get(investor, ())])
            base = self._base[investor] = (parts, self._compute(investor, parts))
        extra = list(extra)
        return self._compute(investor, [*base[0], *extra]) if extra else base[1]

    def _compute(self, investor: str, parts: list[RealisedPart]) -> Decimal:
        person = next(i for i in portfolio_of(self.policy).investors if i.id == investor)
        result, _ = compute(parts, law_of(self.policy), person, self.fy, self.losses.get(investor, ()))
        return result.total_tax

    def version(self, investor: str) -> int:
        """Changes whenever a part is added for the investor (their marginal taxes change)."""
        return len(self.planned.get(investor, ()))

    def add(self, part: RealisedPart) -> None:
        self.planned.setdefault(part.investor, []).append(part)
        self._base.pop(part.investor, None)


def _stt(policy: Policy, security: str, as_of: date, proceeds: Decimal) -> Decimal:
    """STT on a sale of `proceeds`, to the paisa (the rates in force from the rules file)."""
    return paise(stt_rate(policy, security, as_of) * proceeds)


def stt_rate(policy: Policy, security: str, as_of: date) -> Decimal:
    """STT per rupee of a sale of `security` on `as_of` (0 where none is charged)."""
    charges = law_of(policy).charges_on(security_of(policy, security), ChargedOn.SALE, as_of)
    return sum((c.rate for c in charges if c.kind == ChargeKind.STT), Decimal(0))


def _quantum(holding: Holding, policy: Policy) -> Decimal:
    security = portfolio_of(policy).security(holding.lot.security)
    return SHARE if security is not None and security.exchange_traded else FUND_UNIT


def sale_part(h: Holding, units: Decimal, as_of: date, fy: int, load_rate: Decimal) -> tuple[RealisedPart, Decimal]:
    """What selling `units` of the lot `h` on `as_of` realises (the part, to the paisa) and the exit load it pays
    at `load_rate`: shared with the year-end harvest (engine/harvest/queues.py), which sells the same way."""
    proceeds = paise(units * h.price)
    basis = h.basis if units == h.lot.units else paise(h.basis * units / h.lot.units)
    load = paise(proceeds * load_rate)
    cost = h.lot.cost if units == h.lot.units else paise(h.lot.cost * units / h.lot.units)
    part = RealisedPart(h.lot.investor, h.lot.account, h.lot.security, h.tax_class, as_of, "plan", h.lot.id,
                        h.lot.acquired, units, proceeds, load, cost, basis, proceeds - load - basis, h.term, h.rate,
                        h.exemptable, fy)
    return part, load


QueueKey = tuple[str, str, str]  # (investor, account, security): one FIFO queue
# A queue's last pricing: (lot index, units, the investor's year version), then the score (tax and
# charges per rupee), the part, the exit load and the tax.
Offer = tuple[tuple[int, Decimal, int], Decimal, RealisedPart, Decimal, Decimal]


def choose(asset: str, amount: Decimal, holdings: Sequence[Holding], policy: Policy, position: TaxPosition,
           as_of: date) -> tuple[list[SellOrder], Decimal, list[str]]:
    """Sell about `amount` rupees of `asset`. Returns the orders (one per queue sold from),
    the amount that could not be sold, and why (in words)."""
    rule = policy.sell
    only_long = bool(rule and rule.only_long_term_lots)
    no_load = bool(rule and rule.never_pay_exit_load)
    queues: dict[QueueKey, list[Holding]] = {}
    for h in holdings:
        if h.asset == asset:
            queues.setdefault(h.lot.key, []).append(h)
    keys = sorted(queues)
    position_in = {k: (0, queues[k][0].lot.units) for k in keys}  # lot index, units left in it
    blocked: dict[QueueKey, str] = {}
    taken: dict[QueueKey, list[tuple[LotSale, RealisedPart]]] = {k: [] for k in keys}
    offers: dict[QueueKey, Offer] = {}
    quanta = {k: _quantum(queues[k][0], policy) for k in keys}
    stt_rates = {k: stt_rate(policy, k[2], as_of) for k in keys}
    remaining = amount
    while remaining > 0:
        best: tuple[Decimal, QueueKey, Holding, Decimal, RealisedPart, Decimal, Decimal] | None = None
        for key in keys:
            if key in blocked:
                continue
            index, left = position_in[key]
            if index >= len(queues[key]):
                blocked[key] = "nothing left to sell"
                continue
            h = queues[key][index]
            if only_long and h.term != Term.LONG:
                blocked[key] = (f"{h.lot.id} ({key[2]} in {key[1]}) is short-term until {h.long_term_from}; "
                                "the policy sells only long-term lots")
                continue
            if no_load and h.exit_load > 0:
                blocked[key] = (f"{h.lot.id} ({key[2]} in {key[1]}) is in its exit-load period until "
                                f"{h.exit_load_ends}; the policy never pays exit load")
                continue
            units = min(left, (remaining / h.price).quantize(quanta[key], rounding=ROUND_HALF_EVEN))
            if units <= 0:
                continue
            # A queue's offer changes only when it moves, the units change or its investor's
            # year does: otherwise the last pricing stands (the same numbers, not recomputed).
            state = (index, units, position.version(key[0]))
            offer = offers.get(key)
            if offer is None or offer[0] != state:
                part, load = sale_part(h, units, as_of, position.fy, h.exit_load)
                stt = paise(stt_rates[key] * part.proceeds)
                tax = position.tax(key[0], [part]) - position.tax(key[0])
                offer = offers[key] = (state, (tax + load + stt) / part.proceeds, part, load, tax)
            _, score, part, load, tax = offer
            if best is None or score < best[0]:
                best = (score, key, h, units, part, load, tax)
        if best is None:
            break
        _, key, h, units, part, load, tax = best
        position.add(part)
        taken[key].append((LotSale(h.lot.id, h.lot.acquired, units, part.proceeds, part.basis, load, part.gain,
                                   h.term, tax), part))
        remaining -= part.proceeds
        index, left = position_in[key]
        if units == left:  # the lot is used up: the next one in FIFO order
            index += 1
            left = queues[key][index].lot.units if index < len(queues[key]) else Decimal(0)
        else:
            left -= units
        position_in[key] = (index, left)
    orders = []
    for key in keys:
        if not taken[key]:
            continue
        sales = tuple(s for s, _ in taken[key])
        proceeds = sum((s.proceeds for s in sales), Decimal(0))
        orders.append(SellOrder(key[0], key[1], key[2], asset, queues[key][0].price,
                                sum((s.units for s in sales), Decimal(0)), proceeds, sales,
                                sum((s.tax for s in sales), Decimal(0)), _stt(policy, key[2], as_of, proceeds),
                                sum((s.exit_load for s in sales), Decimal(0))))
    reasons = [blocked[k] for k in keys if k in blocked and blocked[k] != "nothing left to sell"]
    return orders, max(remaining, Decimal(0)), reasons


def sell_assets(to_sell: Mapping[str, int], holdings: Sequence[Holding], policy: Policy, position: TaxPosition,
                as_of: date) -> tuple[list[SellOrder], dict[str, Decimal], list[str]]:
    """`choose` for each asset's rupees in turn (the position carries each sale into the next):
    the orders, the rupees per asset that could not be sold, and why."""
    orders: list[SellOrder] = []
    unsold: dict[str, Decimal] = {}
    notes: list[str] = []
    for asset, rupees in to_sell.items():
        sold, left, why = choose(asset, Decimal(rupees), holdings, policy, position, as_of)
        orders += sold
        if left > 0:
            unsold[asset] = left
            notes += [f"{asset}: {format_inr(left)} not sold: {w}" for w in why] or [
                f"{asset}: {format_inr(left)} not sold: less than one unit at the price (funds sell in 0.001 units, "
                "exchange-traded securities in whole units)" if any(
                    left < h.price * _quantum(h, policy) for h in holdings if h.asset == asset)
                else f"{asset}: {format_inr(left)} not sold: nothing more is held"]
    return orders, unsold, notes
