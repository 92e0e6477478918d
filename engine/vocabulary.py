"""The domain's closed sets of words, as string enums, and the one resolver of a tax rate.

Each enum is a `StrEnum`: a member *is* its string (`Term.LONG == "long-term"`, it hashes,
formats, and encodes to JSON as that string), so the JSON, the text and the plan ids that
are built from these words are the same as when they were bare strings. This module imports
nothing of the engine, so every stage (policy, ledger, book, tax, plans, harvest, reports,
cli) may import it; the words are defined here once, and the policy model's fields are
typed with them.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Union


class Term(StrEnum):
    """A gain's or loss's period of holding (s.2(42A), s.2(29A))."""

    SHORT = "short-term"
    LONG = "long-term"


class Side(StrEnum):
    """Which way an order goes."""

    BUY = "BUY"
    SELL = "SELL"


class SecurityKind(StrEnum):
    """What a security is: a mutual fund's units are redeemed; ETFs and stocks trade on an exchange."""

    FUND = "fund"
    ETF = "etf"
    STOCK = "stock"


class ChargeKind(StrEnum):
    """A transaction charge of the law: securities transaction tax, stamp duty."""

    STT = "stt"
    STAMP_DUTY = "stamp-duty"


class ChargedOn(StrEnum):
    """Which trades a charge is levied on."""

    PURCHASE = "purchase"
    SALE = "sale"
    PURCHASE_AND_SALE = "purchase-and-sale"


class RateKind(StrEnum):
    """A tax rate that is not a number in the rules file: the investor's slab rate, or
    `exempt` (a long-term gain outside total income, e.g. s.10(38) before 1 April 2018)."""

    SLAB = "slab"
    EXEMPT = "exempt"


# A tax rate: a fraction (12.5% is Decimal("0.125")), the slab rate or exempt.
Rate = Union[Decimal, RateKind]


def resolve_rate(rate: Rate | None, slab: Decimal | None) -> Decimal | None:
    """The number a rate stands for: a fraction as it is, the slab rate as the investor's
    `slab` (None when the policy states none), exempt as nil; None when no rate is in force.
    The one place that tells the kinds of rate apart for a number."""
    if rate is None or isinstance(rate, Decimal):
        return rate
    return slab if rate == RateKind.SLAB else Decimal(0)


class DriftMeasure(StrEnum):
    """How the drifts of the assets add up to the portfolio's drift (engine/plans/drift.py)."""

    HALF_ABSOLUTE = "half-absolute"
    SUM_POSITIVE = "sum-positive"
    LARGEST_ABSOLUTE = "largest-absolute"


class BuyMethod(StrEnum):
    """How new money is split among underweight assets (engine/plans/allocator.py)."""

    PROPORTIONAL = "proportional"
    EVEN_DRIFT = "even-drift"


class RebalanceMethod(StrEnum):
    """How a rebalance restores the targets (engine/plans/rebalance.py)."""

    FULL = "full"
    PARTIAL = "partial"
    CASH = "cash"


class SellSourceKind(StrEnum):
    """Which assets controlled selling sells from (engine/plans/selling.py)."""

    OVERWEIGHT = "overweight"
    OUTSIDE_BAND = "outside-band"
    NAMED = "named"


class TriggerKind(StrEnum):
    """When a rebalance is due."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMI_ANNUALLY = "semi-annually"
    ANNUALLY = "annually"
    BAND_BREACHED = "band-breached"
    DRIFT_EXCEEDS = "drift-exceeds"


class HarvestTriggerKind(StrEnum):
    """When `plan month` says a harvest is due (docs/harvesting.md, "Harvesting in a drawdown")."""

    DRAWDOWN = "drawdown"  # an asset is X% below its high of the last N months
    LONG_TERM_LOSSES = "long-term-losses"  # an investor's unrealised long-term losses exceed an amount


class PlanKind(StrEnum):
    """A plan saved in the book: `plan year-end` (YE-), `plan harvest` (HV-), `plan month` (MP-)
    or `rebalance` (RB-)."""

    YEAR_END = "year-end"
    HARVEST = "harvest"
    MONTH = "month"
    REBALANCE = "rebalance"


PLANS_OF_ORDERS = frozenset((PlanKind.MONTH, PlanKind.REBALANCE))  # saved with orders, no lots decided (docs/json.md)


class Combine(StrEnum):
    """Whether any or all of a rebalance's triggers make it due."""

    ANY = "any"
    ALL = "all"


class Preference(StrEnum):
    """What year-end harvesting sells first, among lots of equal merit."""

    LEGACY_FUNDS = "legacy-funds"
    OVERWEIGHT_ASSETS = "overweight-assets"
    HIGH_COST_FUNDS = "high-cost-funds"


class ProceedsUse(StrEnum):
    """What a year-end harvest's money buys (engine/harvest/year_end.py): the same funds again, or
    the underweight assets by the buying rule (engine/plans/allocator.py)."""

    REBUY = "rebuy"
    REALLOCATE = "reallocate"
