"""The simulation: each strategy (engine/backtest/strategies.py) replayed month by month over one
price history, with the engine's own planners, on the same days and the same money.

On each month day (history.run_days), for every strategy:
 1. the month's money joins each investor's cash (RunBook), and the open lots are valued at the
    day's prices (engine/tax/unrealised.py `value_lots`) with each investor's tax position of the
    FY so far (taxes.Positions: the chained tax history, as `load_plan_inputs` builds it);
 2. if the strategy rebalances this month (its triggers, its calendar month or a band breached),
    the rebalance plan (engine/plans/rebalance.py `plan_rebalance`) with the cash as new money;
    else the month plan (engine/plans/month_plan.py `plan_month`: controlled selling with its
    hysteresis, then the buying rule) for the policy's strategies, or the cash split at the
    targets (allocator.split_rupees, month_plan.buy_orders) for the textbook ones;
 3. the orders are executed at the day's price (RunBook: exit loads, STT and stamp duty as the
    rules file dates them) and recorded as BUY and SELL rows.
On another month day, a strategy that harvests checks the policy's `harvest when` triggers after
the month plan and, when one fires, runs the harvest plan that day (drawdown.py). On the last
trading day of each FY (and after that day's month plan), a strategy that harvests runs the
year-end plan (engine/harvest/year_end.py `plan`: the optimizer, then what the proceeds
buy; an exchange-traded rebuy on the next trading day). When the run ends, each FY's tax is
computed by the tax engine from the rows (taxes.years), paid from outside the portfolio, or, with
Options.tax_from PORTFOLIO, on the first month day after each FY from the investor's cash and
then by selling (paying.py; before that day's plans, the month's money in the cash).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from engine.backtest.history import PriceHistory, run_days
from engine.backtest.holdings import Valuer
from engine.backtest.run import FyTax, Month, Order, Run, Step
from engine.backtest.run_book import RunBook
from engine.backtest.strategies import BuyBy, Conduct, Contender, Options, RebalanceWhen, TaxFrom, contenders, twins
from engine.backtest.taxes import NO_FMV, Positions, years
from engine.diagnostics import Diagnostic
from engine.backtest.refusal import BacktestRefused
from engine.ledger.fifo import Ledger
from engine.plans.allocator import split_rupees
from engine.plans.drift import AssetDrift, asset_drifts, total_drift
from engine.plans.month_plan import BuyOrder, buy_orders, preferred_fund
from engine.plans.sell_choice import SellOrder
from engine.plans.selling import SellState
from engine.policy.model import Policy
from engine.precision import with_precision
from engine.progress import Progress
from engine.tax.complete import law_of, portfolio_of
from engine.tax.realised import paise
from engine.tax.unrealised import Holding, value_lots
from engine.transactions import Price
from engine.vocabulary import RebalanceMethod, Side


@with_precision
def simulate(policy: Policy, prices: Sequence[Price], options: Options = Options(),
             progress: Progress | None = None) -> tuple[Run, ...]:
    """One Run per strategy of `options.strategies`, then per compared policy of `options.policies`
    (compare.py checks each can run), then, with `options.twins`, each harvesting run's twin without
    harvesting not asked for (strategies.twins: Run.twin_of says whose), on the same days, prices
    and money. `progress` (engine/progress.py) is told each run's months: (months done over all the
    runs, the runs times their months, the run's label)."""
    history = PriceHistory.of(prices)
    first, last = span(policy, history, options)
    money = money_of(policy, options)
    if not any(money.values()):
        raise BacktestRefused("a backtest needs money each month: each investor's `sip` in the policy, or the "
                              "money option", code="C108")
    days = run_days(first, last, options.day)
    if not days:
        raise BacktestRefused(f"no month day between {first} and {last}", code="C103")
    law_covers(policy, days[0])
    runs = contenders(policy, options)
    if options.policies:
        from engine.backtest.compare import comparable

        for contender in runs:
            if contender.compared:
                comparable(policy, contender, history, days[0])
                law_covers(contender.policy, days[0])
    runs += twins(runs) if options.twins else ()
    done = tuple(_Simulation(c, history, options, money).run(days, last, _told(progress, k, len(days), len(runs)))
                 for k, c in enumerate(runs))
    if progress is not None:
        progress(len(days) * len(runs), len(days) * len(runs), "")
    return done


def _told(progress: Progress | None, k: int, months: int, runs: int) -> Callable[[int, str], None] | None:
    """Run k's month i told as progress over all the runs' months."""
    if progress is None:
        return None
    return lambda i, label: progress(k * months + i, runs * months, label)


def money_of(policy: Policy, options: Options) -> dict[str, int]:
    """Each investor's money a month: the options', else the policy's `sip` amounts
    (engine/plans/contributions.py, as `plan month` reads them)."""
    from engine.plans.contributions import contributions

    money = contributions(policy, options.money, None, monthly=True)
    if isinstance(money, str):
        raise BacktestRefused(money, code="C108")
    return dict(money.by_investor)


def span(policy: Policy, history: PriceHistory, options: Options) -> tuple[date, date]:
    """The run's first and last days: the options', else from the first day every fund new money
    buys has a price to the last day of the history."""
    if policy.portfolio is None or not policy.portfolio.assets or policy.tax is None:
        raise BacktestRefused("a backtest needs a policy with a portfolio of assets and a tax law", code="C107")
    starts = []
    for asset in portfolio_of(policy).assets:
        fund = preferred_fund(policy, asset.name)
        start = history.first_day(fund.id) if fund is not None else None
        if start is None:
            raise BacktestRefused(f"no price for the fund of {asset.name} ({fund.id if fund else 'none'})", code="T120")
        starts.append(start)
    end = history.last_day()
    assert end is not None  # a price was found above
    return options.first or max(starts), options.last or end


def law_covers(policy: Policy, first: date) -> None:
    """BacktestRefused (T103) when the policy's law has no rate for a sale on the run's first day."""
    law = law_of(policy)
    for tax_class in dict.fromkeys(s.tax_class for s in portfolio_of(policy).securities):
        if law.treatment(tax_class, first, first).short_rate is None:
            raise BacktestRefused(f"the policy's law has no rate for {tax_class} sold on {first}: a backtest runs only "
                                  "where the rules files date the law (the shipped rules/india.rules from FY "
                                  "2014-15); start later, or give the rules for those dates with `override tax`",
                                  code="T103")


def band_drifts(policy: Policy, values: Mapping[str, Decimal], band: Decimal) -> list[AssetDrift]:
    """Drift per asset with the policy's bands, `band` for an asset whose policy states none."""
    assets = portfolio_of(policy).assets
    return asset_drifts(values, {a.name: a.target for a in assets},
                        {a.name: a.band if a.band is not None else band for a in assets})


class _Simulation:
    """One strategy's run (mutable while it runs; `run` gives the frozen Run)."""

    def __init__(self, contender: Contender, history: PriceHistory, options: Options, money: Mapping[str, int]):
        policy = contender.policy
        self.policy, self.history, self.options, self.strategy = policy, history, options, contender.strategy
        self.label, self.twin_of = contender.label, contender.twin_of
        self.conduct: Conduct = contender.conduct
        self.money = money
        self.book = RunBook(policy, [i.id for i in portfolio_of(policy).investors])
        self.positions = Positions(policy)
        self.valuer = Valuer(policy, history.price_of)
        self.state: SellState | None = None
        self.rebalanced: date | None = None
        self.orders: list[Order] = []
        self.months: list[Month] = []
        self.paid_in: list[tuple[date, Decimal]] = []
        self.problems: dict[Diagnostic, None] = {}
        self.harvests = contender.harvests
        self.month_policy = policy if self.conduct.controlled_selling else replace(policy, sell=None)
        self.paid: dict[int, date] = {}  # FY -> the day its tax was paid from the portfolio
        self.first_fy = 0
        self.fired: list[tuple[date, str]] = []  # each harvest trigger that fired: the day, why

    def run(self, days: Sequence[date], last: date, month_done: Callable[[int, str], None] | None = None) -> Run:
        from engine.calendar import trading_day_on_or_before

        law = law_of(self.policy)
        self.first_fy = law.fy_of(days[0])
        year_ends = {trading_day_on_or_before(law.fy_bounds(fy)[1])
                     for fy in range(law.fy_of(days[0]), law.fy_of(last) + 1)}
        harvest_days = sorted(d for d in year_ends if days[0] <= d <= last) if self.harvests else []
        for day in sorted(set(days) | set(harvest_days)):
            if day in days:
                self.month(day)
            if day in harvest_days:
                self.harvest(day)
            elif day in days and self.harvests and self.policy.harvest.triggers:
                self.harvest_if_due(day)
            if day in days:
                self.record_month(day)
                if month_done is not None:
                    month_done(len(self.months), self.label)
        ledger = self.book.close()
        return Run(self.strategy, days[0], last, tuple(self.paid_in), tuple(self.book.rows), ledger,
                   tuple(self.months), tuple(self.orders), self.taxes(ledger, days[0], last), self.book.stt,
                   dict(self.book.cash), tuple(self.problems), self.options.tax_from, tuple(self.fired), self.label,
                   self.harvests, self.twin_of)

    def valued(self, day: date) -> list[Holding]:
        holdings, problems = value_lots(self.book.ledger(day), self.policy, self.history.price_of, NO_FMV, day)
        if any(d.is_error for d in problems):
            raise BacktestRefused(diagnostics=[d for d in problems if d.is_error])
        self.problems.update(dict.fromkeys(problems))
        return holdings

    def month(self, day: date) -> None:
        from engine.plans.month_plan import plan_month
        from engine.plans.rebalance import plan_rebalance

        self.book.add_cash(self.money)
        self.paid_in.append((day, Decimal(sum(self.money.values()))))
        if self.options.tax_from is TaxFrom.PORTFOLIO:
            self.pay(day)
        ledger = self.book.ledger(day)
        held = self.valuer.positions(ledger, day, self.book.queues_on(day))
        position = self.positions.on(ledger, day)
        pots = self.book.whole_cash()
        method = self.rebalance_due(day, held.values)
        if method is not None:
            holdings = self.valued(day)
            drifts = band_drifts(self.policy, held.values, self.options.band)
            plan = plan_rebalance(self.policy, holdings, drifts, method, pots, position, self.history.price_of, day)
            self.rebalanced = day
            self.place(day, Step.REBALANCE, plan.sells, plan.buys)
        elif self.conduct.buy is BuyBy.RULE:
            month, more = plan_month(self.month_policy, held, pots, day, self.state, position, self.history.price_of)
            self.problems.update(dict.fromkeys(more))
            self.state = SellState(month.state.selling, month.state.started)
            self.place(day, Step.MONTH, month.sells, month.buys)
        else:
            self.place(day, Step.MONTH, [], self.at_targets(held.accounts, pots, day))

    def pay(self, day: date) -> None:
        """The tax of each FY ended before `day` and not yet paid, from each investor's cash, then by
        selling their units (paying.py)."""
        due = [fy for fy in range(self.first_fy, law_of(self.policy).fy_of(day)) if fy not in self.paid]
        if not due:
            return
        found = years(self.book.ledger(day), self.policy, list(range(self.first_fy, max(due) + 1)))
        for fy in due:
            self.paid[fy] = day
            for investor, year in sorted(found[fy].items()):
                short = year.total_tax - max(self.book.cash[investor], Decimal(0))  # cash below zero pays nothing
                if year.total_tax > 0 and short > 0:
                    self.raise_cash(investor, short, day)
                self.book.cash[investor] -= year.total_tax

    def raise_cash(self, investor: str, rupees: Decimal, day: date) -> None:
        from engine.backtest.paying import raise_cash

        ledger = self.book.ledger(day)
        held = self.valuer.positions(ledger, day, self.book.queues_on(day))
        drifts = band_drifts(self.policy, held.values, self.options.band)
        orders = raise_cash(self.policy, self.month_policy, self.valued(day), drifts, self.positions.on(ledger, day),
                            investor, rupees, day)
        self.place(day, Step.TAX, orders, [])

    def rebalance_due(self, day: date, values: Mapping[str, Decimal]) -> RebalanceMethod | None:
        """The method of this month's rebalance, or None when none is due."""
        when = self.conduct.rebalance
        if when is RebalanceWhen.CALENDAR:
            return self.conduct.method if day.month == self.options.calendar_month and values else None
        if when is RebalanceWhen.BAND:
            drifts = band_drifts(self.policy, values, self.options.band)
            return self.conduct.method if values and any(d.outside_band for d in drifts) else None
        rule = self.policy.rebalance
        if when is RebalanceWhen.NEVER or rule is None or not rule.triggers or not values:
            return None  # a rule without triggers allows a rebalance any time: it is not made by itself
        from engine.plans.month_plan import drifts_of
        from engine.plans.rebalance import due

        drifts = drifts_of(self.policy, values)
        return rule.method if due(self.policy, drifts, self.policy.drift_measure, day, self.rebalanced).due else None

    def at_targets(self, accounts: Mapping[tuple[str, str], Sequence[str]], pots: Mapping[str, int],
                   day: date) -> list[BuyOrder]:
        """The cash split at the targets, each asset's share bought in its preferred fund."""
        assets = portfolio_of(self.policy).assets
        total = sum(pots.values())
        if total <= 0:
            return []
        split = split_rupees(total, [Fraction(a.target) for a in assets])
        buys, _ = buy_orders(self.policy, {a.name: r for a, r in zip(assets, split)}, pots, accounts,
                             self.history.price_of, day)
        return buys

    def harvest_if_due(self, day: date) -> None:
        """The harvest plan today when one of the policy's `harvest when` triggers fires (drawdown.py)."""
        from engine.backtest.drawdown import fired, quiet

        said = quiet(self.policy, day, self.book.ledger(day).lots, self.history)
        if said is not None:  # no trigger can fire: the lots need no valuing (what it would say, said)
            self.problems.update(dict.fromkeys(said))
            return
        found = fired(self.policy, day, self.valued(day), self.history)
        if found:
            self.fired += [(day, f.reason) for f in found]
            self.harvest(day)

    def harvest(self, day: date) -> None:
        from engine.harvest.optimizer import SolverStopped
        from engine.harvest.year_end import plan

        holdings = self.valued(day)
        if not holdings:
            return
        position = self.positions.on(self.book.ledger(day), day)
        try:
            made = plan(self.policy, holdings, position, day, {}, self.history.price_of,
                        time_limit=self.options.harvest_time_limit, explain=False)
        except SolverStopped as e:  # only with a time limit: the run cannot go on without its harvest
            raise BacktestRefused(f"the harvest of {day}: {e}", code="C119") from None
        sells = [o for ip in made.harvest.investors for o in ip.outcome.orders]
        self.place(day, Step.HARVEST, sells, list(made.buys), list(made.buy_dates))

    def place(self, day: date, step: Step, sells: Sequence[SellOrder], buys: Sequence[BuyOrder],
              buy_dates: Sequence[date] = ()) -> None:
        """The orders as rows: the sales first (their money is the buys'), then the purchases, each at
        its day's price (`buy_dates`: each purchase's day, when not `day`)."""
        for order in sells:
            sale = self.book.sell(order, day)
            self.orders.append(Order(day, step, Side.SELL, order.investor, order.security, order.units,
                                     paise(sale.units * sale.price)))
        for n, buy in enumerate(buys):
            on = buy_dates[n] if buy_dates else day
            price = self.history.price_of(buy.security, on)
            if price is None:
                raise BacktestRefused(f"no price for {buy.security} on or before {on}", code="T120")
            row = self.book.buy(buy.investor, buy.account, buy.security, buy.amount, price.price, on)
            if row is not None:
                self.orders.append(Order(on, step, Side.BUY, buy.investor, buy.security, row.units,
                                         paise(row.units * row.price)))

    def record_month(self, day: date) -> None:
        values = self.valuer.queue_values(self.book.queues_on(day), day)
        drifts = band_drifts(self.policy, values, self.options.band)
        self.months.append(Month(day, values, sum(self.book.cash.values(), Decimal(0)),
                                 sum((m for _, m in self.paid_in), Decimal(0)),
                                 total_drift(drifts, self.policy.drift_measure),
                                 tuple(d.asset for d in drifts if d.outside_band)))

    def taxes(self, ledger: Ledger, first: date, last: date) -> tuple[FyTax, ...]:
        law = law_of(self.policy)
        fys = list(range(law.fy_of(first), law.fy_of(last) + 1))
        out = []
        for fy, results in years(ledger, self.policy, fys).items():
            paid_on = min(law.fy_bounds(fy)[1], last)
            if self.options.tax_from is TaxFrom.PORTFOLIO:
                from engine.backtest.paying import unpaid_on

                paid_on = self.paid.get(fy) or unpaid_on(self.policy, fy, last)
            for investor, year in sorted(results.items()):
                out.append(FyTax(fy, investor, year.total_tax, year.exemption_used, paid_on))
        return tuple(out)
