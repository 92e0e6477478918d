"""What a run achieved (`measure`), each figure from the run's rows by the engine's own rules.

  final value          the open lots at the last day's prices (the last price on or before it),
                       plus the cash not invested;
  after selling all    the final value less what selling every lot on the last day would cost:
                       its exit loads and STT (engine/plans/sell_choice.py `sale_part`, `stt_rate`)
                       and the tax it adds to the last FY, computed by the tax engine with the
                       year's other sales (set-off, the exemption, losses brought in: taxes.years);
                       with the tax paid from the portfolio, also the tax the run owes at its end
                       (the FYs whose pay day is after it: Run.tax_unpaid);
  XIRR                 the yearly rate r at which the money's present value is nil: each month's
                       money out, the final value in; after tax, each FY's tax out on its day
                       (FyTax.paid_on) and the value after selling all in (with the tax paid from the
                       portfolio there is no tax flow: the tax left the portfolio's value). Found by bisection in
                       Decimal (28 digits) between -99.99% and 1,000,000% a year until the bracket
                       is narrower than 10^-10, then rounded half-even to 10^-6 (0.0001%);
                       None when the flows have no sign change (no rate exists);
  drift                the total drift of each month after its orders (the policy's measure):
                       its mean and maximum, and the months with an asset outside its band;
  turnover             the rupees sold, and sold per year as a share of the mean month value;
  orders               how many were executed;
  harvest value        (harvest_value) of a run that harvests, against its twin without harvesting
                       on the same prices and money (the `no-harvest` run for `policy`; a compared
                       policy's own twin, strategies.twins):
                         D (tax lower)  = tax(twin) - tax(run): the tax of the run's FYs, all of them;
                         S (saved)      = (tax + liquidation tax)(twin) - (tax + liquidation tax)(run):
                                          lower for good, selling everything on the last day included;
                         deferred       = min(D, liquidation tax(run) - liquidation tax(twin)) when
                                          both are positive, else 0: the part of D that selling
                                          everything on the last day gives back (owed, not saved;
                                          0 when the run owes no more at the end than its twin,
                                          e.g. the harvests stepped the cost up inside the exemption).
                       Tax only: what the harvests change in the value (their loads, STT, the units
                       their rebuys bring) is in the final values, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from engine.backtest.run import Run
from engine.backtest.run_book import SOURCE
from engine.backtest.strategies import TaxFrom
from engine.backtest.taxes import NO_FMV, years
from engine.ledger.fifo import Ledger, replay
from engine.plans.sell_choice import sale_part, stt_rate
from engine.policy.model import Policy
from engine.precision import with_precision
from engine.tax.complete import law_of
from engine.tax.intraday import intraday_securities
from engine.tax.realised import exact_decimal, paise
from engine.tax.unrealised import value_lots
from engine.transactions import Price, Transaction, TxType

RATE_TOLERANCE = Decimal("1E-10")
RATE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Liquidation:
    """Selling every open lot on `day`: the proceeds, exit loads, STT and the tax it adds."""

    day: date
    proceeds: Decimal
    exit_loads: Decimal
    stt: Decimal
    tax: Decimal


@dataclass(frozen=True)
class HarvestValue:
    """The harvests' value (module docstring): against `twin`, the tax lower in the run, saved for
    good, and deferred past its end."""

    twin: str
    tax_lower: Decimal
    saved: Decimal
    deferred: Decimal


def harvest_value(run: Measures, twin: Measures, twin_label: str) -> HarvestValue:
    lower = twin.tax - run.tax
    saved = (twin.tax + twin.liquidation.tax) - (run.tax + run.liquidation.tax)
    owed_at_end = run.liquidation.tax - twin.liquidation.tax
    return HarvestValue(twin_label, lower, saved, min(lower, owed_at_end) if lower > 0 and owed_at_end > 0
                        else Decimal(0))


@dataclass(frozen=True)
class Measures:
    final_value: Decimal
    liquidation: Liquidation
    xirr: Decimal | None
    xirr_after_tax: Decimal | None
    tax_by_fy: Mapping[int, Decimal]
    exemption_by_fy: Mapping[int, Decimal]
    tax: Decimal
    sold: Decimal
    turnover: Decimal  # sold per year / mean month value, 4 places
    orders: int
    drift_mean: Decimal  # fractions of the portfolio, 6 places
    drift_max: Decimal
    months_outside: int
    tax_unpaid: Decimal = Decimal(0)  # the tax owed at the end (paid from the portfolio, its pay day after the run)
    harvest: HarvestValue | None = None  # a harvesting run's, against its twin (set by with_harvest_values)

    @property
    def after_selling_all(self) -> Decimal:
        liq = self.liquidation
        return self.final_value - liq.exit_loads - liq.stt - liq.tax - self.tax_unpaid


def final_value(run: Run, price_of: Callable[[str, date], Price | None]) -> Decimal:
    total = sum(run.cash.values(), Decimal(0))
    for lot in run.ledger.lots:
        price = price_of(lot.security, run.last)
        assert price is not None  # valued on the run's month days, which are on or before its last
        total += paise(lot.units * price.price)
    return total


def liquidation_rows(run: Run, policy: Policy, price_of: Callable[[str, date], Price | None]
                     ) -> tuple[list[Transaction], Decimal, Decimal]:
    """One SELL row per FIFO queue of all its units on the run's last day (exit loads as its
    charges, lot by lot as sale_part computes them), the loads and the STT."""
    day = run.last
    fy = law_of(policy).fy_of(day)
    holdings, _ = value_lots(run.ledger, policy, price_of, NO_FMV, day)
    queues: dict[tuple[str, str, str], tuple[Decimal, Decimal, Decimal]] = {}
    for h in holdings:
        _, load = sale_part(h, h.lot.units, day, fy, h.exit_load)
        units, loads, price = queues.get(h.lot.key, (Decimal(0), Decimal(0), h.price))
        queues[h.lot.key] = (units + h.lot.units, loads + load, price)
    rows: list[Transaction] = []
    stt = Decimal(0)
    for (investor, account, security), (units, loads, price) in queues.items():
        rows.append(Transaction(day, investor, account, security, TxType.SELL, units, price, loads, SOURCE,
                                len(run.transactions) + len(rows) + 1))
        stt += paise(stt_rate(policy, security, day) * paise(units * price))
    return rows, sum((r.charges for r in rows), Decimal(0)), stt


def liquidate(run: Run, policy: Policy, price_of: Callable[[str, date], Price | None]) -> Liquidation:
    rows, loads, stt = liquidation_rows(run, policy, price_of)
    fy = law_of(policy).fy_of(run.last)
    sold = replay(rows, opening=run.ledger.lots, intraday=intraday_securities(policy))
    after = Ledger((), run.ledger.disposals + sold.disposals, run.ledger.intraday + sold.intraday)
    tax = sum((y.total_tax for y in years(after, policy, [fy])[fy].values()), Decimal(0)) - run.tax_of(fy)
    return Liquidation(run.last, sum((paise(r.units * r.price) for r in rows), Decimal(0)), loads, stt, tax)


def xirr(flows: Sequence[tuple[date, Decimal]]) -> Decimal | None:
    """The yearly rate (module docstring): flows are (day, rupees), money put in negative.

    The bisection's steps are those of the whole bracket [-99.99%, 1,000,000%], but a midpoint
    outside a narrow bracket [a, b] around the root (found by secant steps, each end's sign
    checked by `npv`) takes the side its end is on without computing `npv` there: with money in
    and out changing sign once in date order the root is the only one, so `npv` has a's sign
    below a and b's above b (its rounding, under 10^-12 rupee, changes no such sign). Flows that
    change sign more than once, or no bracket found, are bisected as before."""
    if not flows or min(a for _, a in flows) >= 0 or max(a for _, a in flows) <= 0:
        return None
    start = min(d for d, _ in flows)
    with localcontext() as ctx:
        ctx.prec = 28
        days = [((d - start).days, a) for d, a in flows]

        def npv(rate: Decimal) -> Decimal:  # (1 + r)^(n/365) as ((1 + r)^(1/365))^n: one fractional power
            daily = (1 + rate) ** (Decimal(1) / 365)
            return sum((a / daily ** n for n, a in days), Decimal(0))

        lo, hi = Decimal("-0.9999"), Decimal(10000)
        f_lo = npv(lo)
        if (f_lo > 0) == (npv(hi) > 0):
            return None
        near = bracket(npv, lo, hi, f_lo > 0) if one_sign_change(days) else None
        while hi - lo > RATE_TOLERANCE:
            mid = (lo + hi) / 2
            if near is not None and mid <= near[0]:
                lo = mid  # npv(mid) has f_lo's sign, as at a
            elif near is not None and mid >= near[1]:
                hi = mid
            elif ((f_mid := npv(mid)) > 0) == (f_lo > 0):
                lo, f_lo = mid, f_mid
            else:
                hi = mid
        return ((lo + hi) / 2).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


def one_sign_change(days: Sequence[tuple[int, Decimal]]) -> bool:
    """Do the flows, summed by day in date order, change sign exactly once?"""
    by_day: dict[int, Decimal] = {}
    for n, a in days:
        by_day[n] = by_day.get(n, Decimal(0)) + a
    signs = [a > 0 for _, a in sorted(by_day.items()) if a != 0]
    return sum(1 for x, y in zip(signs, signs[1:]) if x != y) == 1


NEAR = Decimal("1E-9")  # the half-width of the bracket around the secant's rate


def bracket(npv: Callable[[Decimal], Decimal], lo: Decimal, hi: Decimal, low_positive: bool
            ) -> tuple[Decimal, Decimal] | None:
    """[a, b] in (lo, hi) with npv(a) on lo's side (positive when `low_positive`) and npv(b) not,
    around the rate a few secant steps from 0% and 10% find; None when they find none."""
    r0, r1 = Decimal(0), Decimal("0.1")
    f0, f1 = npv(r0), npv(r1)
    for _ in range(12):
        if f1 == f0:
            return None
        r0, r1 = r1, r1 - f1 * (r1 - r0) / (f1 - f0)
        if not lo < r1 < hi:
            return None
        f0, f1 = f1, npv(r1)
        if abs(r1 - r0) < NEAR:
            break
    else:
        return None
    a, b = max(r1 - 2 * NEAR, lo), min(r1 + 2 * NEAR, hi)
    if (npv(a) > 0) == low_positive and (npv(b) > 0) != low_positive:
        return a, b
    return None


def drift_figures(run: Run) -> tuple[Decimal, Decimal, int]:
    drifts = [m.drift for m in run.months]
    if not drifts:
        return Decimal(0), Decimal(0), 0
    mean = sum(drifts, Fraction(0)) / len(drifts)

    def dec(f: Fraction) -> Decimal:
        return exact_decimal(f).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)

    return dec(mean), dec(max(drifts)), sum(1 for m in run.months if m.outside)


@with_precision
def measure(run: Run, policy: Policy, prices: Sequence[Price] | Callable[[str, date], Price | None]) -> Measures:
    """The run's measures (module docstring); `prices`: the run's prices, or its price lookup."""
    from engine.backtest.history import PriceHistory

    price_of = prices if callable(prices) else PriceHistory.of(prices).price_of
    value = final_value(run, price_of)
    liquidation = liquidate(run, policy, price_of)
    money = [(d, -m) for d, m in run.money]
    before = xirr(money + [(run.last, value)])
    after_value = value - liquidation.exit_loads - liquidation.stt - liquidation.tax - run.tax_unpaid
    outside = [(t.paid_on, -t.tax) for t in run.taxes if t.tax] if run.tax_from is TaxFrom.OUTSIDE else []
    after = xirr(money + outside + [(run.last, after_value)])
    tax_by_fy: dict[int, Decimal] = {}
    exemption_by_fy: dict[int, Decimal] = {}
    for t in run.taxes:
        tax_by_fy[t.fy] = tax_by_fy.get(t.fy, Decimal(0)) + t.tax
        exemption_by_fy[t.fy] = exemption_by_fy.get(t.fy, Decimal(0)) + t.exemption_used
    mean_value = (sum((m.value for m in run.months), Decimal(0)) / len(run.months)) if run.months else Decimal(0)
    span_years = Decimal((run.last - run.first).days) / 365 if run.last > run.first else Decimal(1)
    turnover = (run.sold / span_years / mean_value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN) \
        if mean_value else Decimal(0)
    drift_mean, drift_max, months_outside = drift_figures(run)
    return Measures(value, liquidation, before, after, tax_by_fy, exemption_by_fy, run.tax, run.sold, turnover,
                    len(run.orders), drift_mean, drift_max, months_outside, run.tax_unpaid)


def with_harvest_values(measured: Sequence[tuple[Run, Measures]]) -> list[tuple[Run, Measures]]:
    """Each run that harvests with its HarvestValue against its twin (the run labelled
    strategies.twin_label among `measured`), then the twins run only for it left out."""
    from dataclasses import replace

    from engine.backtest.strategies import twin_label

    by_label = {run.label: m for run, m in measured}
    out = []
    for run, m in measured:
        if run.twin_of:
            continue
        label = twin_label(run.label, run.label != run.strategy.value)
        if run.harvests and label in by_label:
            m = replace(m, harvest=harvest_value(m, by_label[label], label))
        out.append((run, m))
    return out
