"""What a backtest gives per strategy: the `Run` record, its months, orders and taxes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from engine.backtest.strategies import Strategy, TaxFrom
from engine.diagnostics import Diagnostic
from engine.ledger.fifo import Ledger
from engine.transactions import Transaction
from engine.vocabulary import Side


class Step(StrEnum):
    """Which part of the strategy placed an order."""

    MONTH = "month"  # the month's money (and the policy's controlled selling)
    REBALANCE = "rebalance"
    HARVEST = "harvest"
    TAX = "tax"  # a sale to pay an FY's tax from the portfolio (engine/backtest/paying.py)


@dataclass(frozen=True)
class Order:
    day: date
    step: Step
    side: Side
    investor: str
    security: str
    units: Decimal
    amount: Decimal  # rupees: the proceeds of a sale, the price of the units bought (without charges)


@dataclass(frozen=True)
class Month:
    """The portfolio on a month day, after its orders, at that day's prices: each asset's value,
    the cash not invested, the money put in so far, the total drift (the policy's measure) and
    the assets outside their bands."""

    day: date
    values: Mapping[str, Decimal]
    cash: Decimal
    invested: Decimal
    drift: Fraction
    outside: tuple[str, ...]

    @property
    def value(self) -> Decimal:
        return sum(self.values.values(), Decimal(0)) + self.cash


@dataclass(frozen=True)
class FyTax:
    """One investor's tax of one FY (engine/tax/year.py: after set-off, the exemption and cess) and
    the exemption it used, paid on `paid_on`: from outside the portfolio, the FY's last day (or
    the run's last day for the FY it ends in); from the portfolio, the first month day after the
    FY (engine/backtest/paying.py), or, when the run ends before it, the day after the FY ends or
    after the run's last, whichever is later: after the run, the tax owed at the end (Run.tax_unpaid)."""

    fy: int
    investor: str
    tax: Decimal
    exemption_used: Decimal
    paid_on: date


@dataclass(frozen=True)
class Run:
    """One strategy over the run: the money put in (day, rupees, all investors), the rows it
    recorded (a transactions CSV, engine/backtest/export.py), the final ledger, each month, every
    order, each FY's tax per investor, the STT paid and each investor's cash left at the end, and
    the engine's warnings (once each), where the tax was paid from, the harvest triggers that
    fired (each a harvest that day), and its label (strategies.Contender: `strategy` is a
    compared policy's conduct, Strategy.POLICY)."""

    strategy: Strategy
    first: date
    last: date
    money: tuple[tuple[date, Decimal], ...]
    transactions: tuple[Transaction, ...]
    ledger: Ledger
    months: tuple[Month, ...]
    orders: tuple[Order, ...]
    taxes: tuple[FyTax, ...]
    stt: Decimal
    cash: Mapping[str, Decimal]
    problems: tuple[Diagnostic, ...] = ()
    tax_from: TaxFrom = TaxFrom.OUTSIDE
    fired: tuple[tuple[date, str], ...] = ()  # the harvest triggers that fired (engine/backtest/drawdown.py): day, why
    label: str = ""  # the name shown: the strategy's, or a compared policy's (strategies.Contender); "" = strategy's
    harvests: bool = False  # it harvests (its conduct does, and its policy states a harvest)
    twin_of: str = ""  # run only as this label's twin without harvesting (strategies.twins), not shown

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.strategy.value)

    @property
    def invested(self) -> Decimal:
        return sum((m for _, m in self.money), Decimal(0))

    @property
    def bought(self) -> Decimal:
        return sum((o.amount for o in self.orders if o.side is Side.BUY), Decimal(0))

    @property
    def sold(self) -> Decimal:
        return sum((o.amount for o in self.orders if o.side is Side.SELL), Decimal(0))

    def tax_of(self, fy: int) -> Decimal:
        return sum((t.tax for t in self.taxes if t.fy == fy), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((t.tax for t in self.taxes), Decimal(0))

    @property
    def tax_paid(self) -> Decimal:
        """The tax paid by the run's last day (all of it when paid from outside)."""
        return sum((t.tax for t in self.taxes if t.paid_on <= self.last), Decimal(0))

    @property
    def tax_unpaid(self) -> Decimal:
        """The tax of the FYs the run ends before paying (from the portfolio only): owed at the end."""
        return self.tax - self.tax_paid
