"""The policy AST: what the user wrote, as typed frozen nodes carrying source spans.

Nodes compare by content, not position (`span` is excluded from equality), so the
AST of a file and of its formatted version are equal. Values are already read
exactly (Decimal, date, int); what they mean is decided later, in validate.py.

Each statement has a `key`: two statements with the same key in one block say the
same thing twice, and `override` replaces the earlier by the later (merge.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from engine.diagnostics import Span
from engine.policy.record import Record


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Node(Record):
    """A statement or a part of one. Equality, hash and repr are Record's (engine/policy/record.py):
    over the fields that compare, in order, and those that show."""

    span: Span = field(compare=False, repr=False)

    @property
    def key(self) -> tuple[object, ...]:
        """What this statement sets; statements with equal keys conflict."""
        return (type(self).__name__,)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Lit(Node):
    """A literal as typed (`text`) and as read (`value`)."""

    value: Any
    text: str = field(compare=False)


Unit = Literal["days", "months", "years"]


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Duration(Node):
    count: int
    unit: Unit

    def __str__(self) -> str:
        unit = self.unit if self.count != 1 else self.unit.rstrip("s")
        return f"{self.count} {unit}"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class FYRange(Node):
    """Financial years by starting calendar year; `last` None means open-ended, and
    `first` None (only for sales a cost inflation index series covers) since ever."""

    first: int | None
    last: int | None


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Block(Node):
    kind: str  # portfolio | buy | sell | rebalance | harvest | tax | class | set-off | charges | index | report
    name: Lit | None
    override: bool
    items: tuple[Node, ...]
    header: Span = field(compare=False, repr=False)
    years: FYRange | None = None  # a cost inflation index series: the FYs of sale it serves

    @property
    def key(self) -> tuple[object, ...]:
        if self.kind == "class":
            return ("class", self.name.value if self.name else None)
        if self.years is not None:
            return ("block", self.kind, self.years.first, self.years.last)
        return ("block", self.kind)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Use(Node):
    target: Lit

    @property
    def key(self) -> tuple[object, ...]:
        return ("use", self.target.value)


# ------------------------------------------------------------------ portfolio
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class SlabRate(Node):
    """`slab 30%` (every year not otherwise stated) or `slab 20% for FY 2019-20 to FY 2021-22`."""

    rate: Lit
    years: FYRange | None = None


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Investor(Node):
    id: Lit
    name: Lit
    pan: Lit | None = None
    slabs: tuple[SlabRate, ...] = ()
    aliases: tuple[Lit, ...] = ()
    sip: Lit | None = None  # `sip Rs 30,000`: the investor's money each month

    @property
    def key(self) -> tuple[object, ...]:
        return ("investor", self.id.value)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Asset(Node):
    name: Lit
    target: Lit
    band: Lit | None = None
    tax_class: Lit | None = None
    consolidate_into: Lit | None = None  # `consolidate into SECID`

    @property
    def key(self) -> tuple[object, ...]:
        return ("asset", self.name.value)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class LoadStep(Node):
    rate: Lit
    within: Duration


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Security(Node):
    kind: str  # fund | etf | stock
    id: Lit
    name: Lit
    holds: Lit | None = None
    tax_class: Lit | None = None
    legacy: Lit | None = None  # value True; present when the fund is marked legacy
    replacement: Lit | None = None
    exit_load: tuple[LoadStep, ...] = ()
    minimum_purchase: Lit | None = None
    minimum_redemption: Lit | None = None
    minimum_redemption_units: Lit | None = None
    isin: Lit | None = None
    expense_ratio: Lit | None = None

    @property
    def key(self) -> tuple[object, ...]:
        return ("security", self.id.value)


# --------------------------------------------------------------------- buying
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class BuyMethod(Node):
    method: str  # proportional | even-drift


# -------------------------------------------------------------------- selling
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Measure(Node):
    measure: str  # half-absolute | sum-positive | largest-absolute


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Start(Node):
    level: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Stop(Node):
    level: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class SellSource(Node):
    kind: str  # overweight | outside-band | named
    assets: tuple[Lit, ...] = ()


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Pace(Node):
    """`sell 1% of portfolio per month`: the fixed-rate variant."""

    rate: Lit
    source: SellSource | None = None

    @property
    def key(self) -> tuple[object, ...]:
        return ("pace",)  # a rate and a ceiling are alternatives: one replaces the other


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Ceiling(Node):
    """`ceiling steps down from 10% to 5% over 6 months`: the stepped variant."""

    start: Lit
    stop: Lit
    over: Duration
    source: SellSource | None = None

    @property
    def key(self) -> tuple[object, ...]:
        return ("pace",)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class LongTermLotsOnly(Node):
    pass


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class NeverPayExitLoad(Node):
    pass


# ---------------------------------------------------------------- rebalancing
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Method(Node):
    method: str  # full | partial | cash


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Trigger(Node):
    kind: str  # monthly | quarterly | semi-annually | annually | band-breached | drift-exceeds
    level: Lit | None = None


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Due(Node):
    triggers: tuple[Trigger, ...]
    connectives: tuple[Lit, ...]  # each "any" (or) or "all" (and)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class CostWarning(Node):
    percent: Lit | None = None
    amount: Lit | None = None


# ----------------------------------------------------------------- harvesting
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class RealiseGains(Node):
    margin: Lit | None = None


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class LossThreshold(Node):
    amount: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class UseLossesWithinYear(Node):
    pass


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class ShortTermGains(Node):
    """`never realise short-term gains` (limit None) or `allow ... up to AMOUNT`."""

    limit: Lit | None = None


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Prefer(Node):
    items: tuple[Lit, ...]  # legacy-funds | overweight-assets | high-cost-funds


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class FutureTaxValue(Node):
    """`value future tax at RATE a year over YEARS years`."""

    rate: Lit
    years: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class ExpectedGrowth(Node):
    """`expect growth of RATE a year`."""

    rate: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class ExpenseSavings(Node):
    """`value expense savings over YEARS years`."""

    years: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Proceeds(Node):
    """`rebuy the same funds` or `reallocate proceeds by the buying rule`."""

    use: Lit  # rebuy | reallocate (vocabulary.ProceedsUse)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class HarvestWhen(Node):
    """`harvest when an asset is PERCENT below its high of the last DURATION` (kind
    "drawdown": `below`, `window`) or `harvest when unrealised long-term losses exceed AMOUNT`
    (kind "long-term-losses": `amount`). Several may be stated: one per kind and window."""

    kind: str  # drawdown | long-term-losses (vocabulary.HarvestTriggerKind)
    below: Lit | None = None
    window: Duration | None = None
    amount: Lit | None = None

    @property
    def key(self) -> tuple[object, ...]:
        window = (self.window.count, self.window.unit) if self.window is not None else None
        return ("HarvestWhen", self.kind, window)


# -------------------------------------------------------------------- tax law
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class YearStart(Node):
    month: Lit  # value 1..12
    day: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class FifoScope(Node):
    scope: Literal["account", "investor"]


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Anniversary(Node):
    term: str  # short-term | long-term


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Cess(Node):
    rate: Lit
    years: FYRange | None = None

    @property
    def key(self) -> tuple[object, ...]:
        return ("cess", self.years.first if self.years else None, self.years.last if self.years else None)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Rebuy(Node):
    pass


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class LongTermAfter(Node):
    duration: Duration


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Grandfather(Node):
    date: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Exemption(Node):
    amount: Lit
    years: FYRange

    @property
    def key(self) -> tuple[object, ...]:
        return ("exemption", self.years.first, self.years.last)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Condition(Node):
    """`sold before D`, `bought from A to B` (inclusive), `sold on or before D`."""

    on: str  # sold | bought
    first: date | None  # None: since ever
    last: date | None  # None: until further notice (inclusive when given)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Setting(Node):
    kind: str  # short-rate | long-rate | long-term-after | always-short-term
    rate: Lit | None = None  # value Decimal fraction, "slab", or (long only) "exempt"
    duration: Duration | None = None
    indexed: bool = False
    unindexed_rate: Lit | None = None  # `or 10% without, whichever is less`


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Dated(Node):
    conditions: tuple[Condition, ...]
    settings: tuple[Setting, ...]

    @property
    def key(self) -> tuple[object, ...]:
        return ("dated",) + tuple((c.on, c.first, c.last) for c in self.conditions)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class SetOffRule(Node):
    loss: str  # short-term | long-term
    gains: tuple[str, ...]

    @property
    def key(self) -> tuple[object, ...]:
        return ("set-off", self.loss)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class CarryForward(Node):
    years: Lit


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class ChargeTarget(Node):
    tax_class: Lit | None
    kind: Literal["funds", "etfs", "stocks"]


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Charge(Node):
    kind: str  # stt | stamp-duty
    rate: Lit
    side: str  # purchase | sale | purchase-and-sale
    targets: tuple[ChargeTarget, ...]
    start: Lit | None = None

    @property
    def key(self) -> tuple[object, ...]:
        return ("charge", self.kind, self.side,
                tuple((t.tax_class.value if t.tax_class else None, t.kind) for t in self.targets),
                self.start.value if self.start else None)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class IndexEntry(Node):
    year: Lit  # value: FY start year
    value: Lit

    @property
    def key(self) -> tuple[object, ...]:
        return ("index", self.year.value)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class File(Node):
    path: str
    items: tuple[Node, ...]


# ------------------------------------------------------------------ report
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Adviser(Node):
    """`adviser "NAME" registration INA000012345` (the registration may be left out)."""

    name: Lit
    registration: Lit | None = None


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)  # Node's
class Disclaimer(Node):
    """`disclaimer "TEXT"`."""

    text: Lit


Rate = Decimal | str
