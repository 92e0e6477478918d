"""A user's own policy file in a backtest's comparison (Options.policies, `--compare FILE`): whether
it can run beside the backtest's policy. It runs on the same prices and the same money a month per
investor, so it must declare the same investors (by id), and every asset's fund that new money buys
(its preferred fund, as the backtest's own policy's) must have a price on or before the run's first
day. Its law must date a rate for the first day as the backtest's does (simulate.law_covers).
"""

from __future__ import annotations

from datetime import date

from engine.backtest.history import PriceHistory
from engine.backtest.refusal import BacktestRefused
from engine.backtest.strategies import Contender
from engine.plans.month_plan import preferred_fund
from engine.policy.model import Policy
from engine.tax.complete import portfolio_of


def comparable(policy: Policy, contender: Contender, history: PriceHistory, first: date) -> None:
    """BacktestRefused (C107, C116, C117) when the compared policy cannot run beside `policy`."""
    own, label = contender.policy, contender.label
    if own.portfolio is None or not own.portfolio.assets or own.tax is None:
        raise BacktestRefused(f"the compared policy `{label}` has no portfolio of assets or no tax law: a backtest "
                              "needs both", code="C107")
    ours = [i.id for i in portfolio_of(policy).investors]
    theirs = [i.id for i in portfolio_of(own).investors]
    if sorted(ours) != sorted(theirs):
        raise BacktestRefused(f"the compared policy `{label}` declares the investors {', '.join(theirs)}, the "
                              f"backtest's policy {', '.join(ours)}: a compared policy runs on the same money per "
                              "investor, so it must declare the same investors", code="C116")
    for asset in portfolio_of(own).assets:
        fund = preferred_fund(own, asset.name)
        start = history.first_day(fund.id) if fund is not None else None
        if fund is None or start is None or start > first:
            said = f"its fund {fund.id}" if fund is not None else "no fund"
            raise BacktestRefused(f"the compared policy `{label}`: {asset.name} ({said}) has no price on or before "
                                  f"{first}, the run's first day: the prices cover the backtest's funds; compare "
                                  "policies whose funds have a price history too", code="C117")
