"""Intraday trades: business income, not capital gains (s.43(5)).

A share or ETF bought and sold on the same day in the same demat account is settled without
delivery: a speculative transaction under s.43(5), whose profit or loss is speculative
business income (s.28), taxed at the investor's slab rate. A speculative loss is set off
only against speculative profit (s.73), never against capital gains, and capital losses
never against it (s.70, s.71). So lotwise reports it beside the capital gains and keeps it
out of its tax figure (`engine/tax/year.py` sees only disposals).

Which securities: those the policy declares exchange-traded (stocks and ETFs), when the law
says same-day trades are netted (`same-day rebuy of exchange-traded securities is netted`
in rules/india.rules). Mutual fund units are not traded on an exchange intraday: a same-day
redemption and purchase of a fund is two transactions, FIFO as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from engine.ledger.fifo import IntradayTrade
from engine.policy.model import Policy


def intraday_securities(policy: Policy) -> frozenset[str]:
    """The securities whose same-day BUY and SELL rows in one account the ledger nets as an
    intraday trade: the portfolio's exchange-traded ones, when the law nets same-day trades."""
    law, portfolio = policy.tax, policy.portfolio
    if law is None or portfolio is None or not law.same_day_rebuy_netted:
        return frozenset()
    return frozenset(s.id for s in portfolio.securities if s.exchange_traded)


@dataclass(frozen=True, slots=True)
class Speculative:
    """An investor's intraday trades in one FY and their net profit (a loss when negative)."""

    investor: str
    fy: int
    trades: tuple[IntradayTrade, ...]
    profit: Decimal

    def to_json(self) -> dict[str, Any]:  # JSON
        return {"profit": str(self.profit), "section": "43(5)", "in_tax": False,
                "trades": [{"date": t.day.isoformat(), "account": t.account, "security": t.security,
                            "units": str(t.units), "cost": str(t.cost), "proceeds": str(t.proceeds),
                            "expenses": str(t.expenses), "profit": str(t.profit), "rows": list(t.sources)}
                           for t in self.trades]}


def speculative(trades: tuple[IntradayTrade, ...] | list[IntradayTrade], fy_of: Callable[[date], int], investor: str,
                fy: int) -> Speculative:
    """`investor`'s intraday trades made in FY `fy` (`fy_of`: the law's date -> FY) and their
    net profit: exact, each trade's figures being already to the paisa."""
    mine = tuple(t for t in trades if t.investor == investor and fy_of(t.day) == fy)
    return Speculative(investor, fy, mine, sum((t.profit for t in mine), Decimal(0)))
