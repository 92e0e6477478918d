"""The ways of rebalancing a backtest compares, on the same prices and the same money each month.

Each `Strategy` is a `Conduct` (how it buys, whether it sells under the policy's controlled
selling, when it rebalances and how, whether it harvests at year end):

  policy       the policy as written: the month's money by its buying rule, its controlled
               selling with its hysteresis, a rebalance by its own method when its triggers
               say one is due, and its year-end harvest (when it states one);
  no-harvest   the same without the year-end harvest;
  buy-and-hold the month's money split at the targets, never sold;
  calendar     the money split at the targets, and every year in `calendar_month` a full
               rebalance back to the targets, the month's money with it (seed 001's
               calendar schedule);
  band         the money split at the targets, and in any month an asset is outside its band
               a partial rebalance (seed 001's threshold method, engine/plans/rebalance.py:
               the assets outside their bands back to target, the others untouched).

A user's own policy files join the comparison (Options.policies): each is a `Contender` run
with the `policy` conduct and its own policy, on the same prices and money. `contenders` gives
every run of a backtest in order: the built-in strategies asked, then the compared policies.

`Options` are what a run is given besides the policy and the prices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from engine.vocabulary import RebalanceMethod

if TYPE_CHECKING:
    from engine.policy.model import Policy


class Strategy(StrEnum):
    POLICY = "policy"
    NO_HARVEST = "no-harvest"
    BUY_AND_HOLD = "buy-and-hold"
    CALENDAR = "calendar"
    BAND = "band"


class TaxFrom(StrEnum):
    """Where each FY's tax is paid from (engine/backtest/paying.py)."""

    OUTSIDE = "outside"  # on the FY's last day, from money outside the portfolio
    PORTFOLIO = "portfolio"  # on the first month day after the FY, from the investor's cash, then by selling


class BuyBy(StrEnum):
    """How the month's money is placed: by the policy's buying rule, or split at the targets."""

    RULE = "rule"
    TARGETS = "targets"


class RebalanceWhen(StrEnum):
    NEVER = "never"
    POLICY = "policy"  # the policy's triggers (engine/plans/rebalance.py `due`), by its method
    CALENDAR = "calendar"  # once a year, in Options.calendar_month
    BAND = "band"  # in any month an asset is outside its band


@dataclass(frozen=True)
class Conduct:
    buy: BuyBy
    controlled_selling: bool
    rebalance: RebalanceWhen
    method: RebalanceMethod | None  # None: the policy's own method (RebalanceWhen.POLICY)
    harvest: bool


CONDUCT: Mapping[Strategy, Conduct] = {
    Strategy.POLICY: Conduct(BuyBy.RULE, True, RebalanceWhen.POLICY, None, True),
    Strategy.NO_HARVEST: Conduct(BuyBy.RULE, True, RebalanceWhen.POLICY, None, False),
    Strategy.BUY_AND_HOLD: Conduct(BuyBy.TARGETS, False, RebalanceWhen.NEVER, None, False),
    Strategy.CALENDAR: Conduct(BuyBy.TARGETS, False, RebalanceWhen.CALENDAR, RebalanceMethod.FULL, False),
    Strategy.BAND: Conduct(BuyBy.TARGETS, False, RebalanceWhen.BAND, RebalanceMethod.PARTIAL, False),
}


@dataclass(frozen=True)
class Options:
    """A run's settings. `first`/`last`: the days it runs between (None: from the first day every
    fund new money buys has a price, to the last price); `day`: the day of the month it acts on
    (moved to the next trading day); `money`: each investor's money a month (None: the policy's
    `sip` amounts); `calendar_month`: the month of the calendar strategy's rebalance; `band`:
    the band of an asset whose policy states none, for the band strategy and the drift measures;
    `harvest_time_limit`: seconds for each investor's year-end solve (None, the default: none, so
    that a run's numbers never depend on how busy the machine is: a wall-clock limit could stop
    one solve sooner under load, and a path's plan with it); `tax_from`:
    where each FY's tax is paid from (paying.py)."""

    first: date | None = None
    last: date | None = None
    day: int = 1
    money: Mapping[str, int] | None = None
    calendar_month: int = 4
    band: Decimal = Decimal("0.05")
    harvest_time_limit: float | None = None
    strategies: tuple[Strategy, ...] = field(default=tuple(Strategy))
    tax_from: TaxFrom = TaxFrom.OUTSIDE
    policies: tuple[tuple[str, Policy], ...] = ()  # compared policies: (label, policy), run after `strategies`
    twins: bool = False  # also run each harvesting run's twin without harvesting, where none is asked (`twins`)


@dataclass(frozen=True)
class Contender:
    """One run of a backtest: its label (a built-in strategy's name, or a compared policy file's
    stem), the policy it runs with, how it conducts itself, and the built-in strategy it is or
    whose conduct it has (a compared policy: Strategy.POLICY)."""

    label: str
    policy: Policy
    conduct: Conduct
    strategy: Strategy
    compared: bool = False
    twin_of: str = ""  # the label of the run this one is the twin without harvesting of, run only to measure it

    @property
    def harvests(self) -> bool:
        """Whether it harvests: by its conduct, and its policy states a harvest."""
        return self.conduct.harvest and "harvest" in self.policy.stated


def twin_label(label: str, compared: bool) -> str:
    """The label of a harvesting run's twin without harvesting: `no-harvest` for the policy's."""
    return f"{label} (no harvest)" if compared else Strategy.NO_HARVEST.value


def twins(runs: tuple[Contender, ...]) -> tuple[Contender, ...]:
    """The twin without harvesting of each run that harvests (the same policy, the conduct without
    its harvests), where it is not among `runs` already (the policy's is the `no-harvest` strategy)."""
    labels = {c.label for c in runs}
    out = []
    for c in runs:
        label = twin_label(c.label, c.compared)
        if c.harvests and label not in labels:
            strategy = Strategy.POLICY if c.compared else Strategy.NO_HARVEST
            out.append(Contender(label, c.policy, replace(c.conduct, harvest=False), strategy, c.compared, c.label))
            labels.add(label)
    return tuple(out)


def contenders(policy: Policy, options: Options) -> tuple[Contender, ...]:
    """The built-in strategies of `options` with `policy`, then each compared policy as `policy`."""
    built_in = tuple(Contender(s.value, policy, CONDUCT[s], s) for s in options.strategies)
    return built_in + tuple(Contender(label, own, CONDUCT[Strategy.POLICY], Strategy.POLICY, True)
                            for label, own in options.policies)
