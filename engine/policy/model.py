"""The resolved policy: what the engine acts on, as frozen, strict pydantic models.

Built only by validate.py from a checked AST. Money and rates are Decimal (rates as
fractions: 12.5% is Decimal("0.125")). Every rule of law comes from a rules file;
the methods here only look rules up by date, they hold no law of their own.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property
from decimal import Decimal
from typing import Annotated, Literal, Union

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, Strict, model_serializer

from engine.vocabulary import (BuyMethod, ChargedOn, ChargeKind, Combine, DriftMeasure, Preference, RateKind,
                               RebalanceMethod, SecurityKind, SellSourceKind, Term, TriggerKind)

# The models are strict, but a word of the vocabulary may be given as its string (a caller
# of the library writes `SellSource(kind="named")`): the field holds the member either way.
_WORD = Strict(False)
Rate = Union[Decimal, Annotated[RateKind, _WORD]]  # engine.vocabulary.Rate, as a field's type


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid", defer_build=True)


def later(start: date, delta) -> date:
    """`start` plus `delta`, or date.max when that is past the calendar. Every day lotwise reads
    (a file's dates, --as-of) is at most 9998-12-31, so date.max is after all of them: a lot
    bought on 9998-12-31 becomes long-term, or leaves its exit load, after every such day."""
    try:
        return start + delta
    except (OverflowError, ValueError):  # relativedelta says ValueError: year 10000 is out of range
        return date.max


class Duration(Model):
    count: int
    unit: Literal["days", "months", "years"]

    def after(self, start: date) -> date:
        """`start` plus this duration, by calendar (29 Feb + 12 months = 28 Feb)."""
        if self.unit == "days":
            return later(start, timedelta(days=self.count))
        months = self.count * (12 if self.unit == "years" else 1)
        return later(start, relativedelta(months=months))

    def __str__(self) -> str:
        unit = self.unit if self.count != 1 else self.unit[:-1]
        return f"{self.count} {unit}"


class FYSpan(Model):
    """Financial years by starting calendar year, inclusive; `last` None: open-ended."""

    first: int
    last: int | None = None

    def contains(self, fy: int) -> bool:
        return self.first <= fy and (self.last is None or fy <= self.last)


# ------------------------------------------------------------------ portfolio
class SlabRate(Model):
    """The investor's slab rate for the FYs of `years` (None: every FY not otherwise stated)."""

    rate: Decimal
    years: FYSpan | None = None


class Investor(Model):
    id: str
    name: str
    pan: str | None = None
    slab_rates: tuple[SlabRate, ...] = ()
    aliases: tuple[str, ...] = ()
    sip: Decimal | None = None  # whole rupees a month (`sip Rs 30,000`): `plan month`'s money when none is given

    @model_serializer(mode="wrap")
    def _without_absent_sip(self, handler):
        """No `sip` key when none is stated: a policy without SIP amounts dumps (and hashes,
        engine/book/saved_plans.py) as it did before they existed."""
        data = handler(self)
        if self.sip is None:
            data.pop("sip", None)
        return data

    def slab_rate_for(self, fy: int) -> Decimal | None:
        """The slab rate the policy states for financial year `fy`: the one whose years
        cover it, else the one given without years; None when none is stated. (Spans of
        one investor never overlap: validate.py, V342.)"""
        default = None
        for slab in self.slab_rates:
            if slab.years is None:
                default = slab.rate
            elif slab.years.contains(fy):
                return slab.rate
        return default


class Asset(Model):
    name: str
    target: Decimal
    band: Decimal | None = None
    tax_class: str | None = None


class ExitLoadStep(Model):
    rate: Decimal
    within: Duration


class Security(Model):
    id: str
    kind: Annotated[SecurityKind, _WORD]
    name: str
    asset: str
    tax_class: str
    legacy: bool = False
    replacement: str | None = None
    exit_load: tuple[ExitLoadStep, ...] = ()
    minimum_purchase: Decimal | None = None
    minimum_redemption: Decimal | None = None
    minimum_redemption_units: Decimal | None = None
    isin: str | None = None
    expense_ratio: Decimal | None = None

    @property
    def exchange_traded(self) -> bool:
        return self.kind != SecurityKind.FUND

    def exit_load_on(self, bought: date, sold: date) -> Decimal:
        """The exit load rate for units allotted on `bought` and redeemed on `sold`.
        A step `1% within 365 days` applies up to and including day 365."""
        for step in self.exit_load:
            if sold <= step.within.after(bought):
                return step.rate
        return Decimal(0)

    def exit_load_ends(self, bought: date) -> date | None:
        """The first day on which units allotted on `bought` carry no exit load."""
        if not self.exit_load:
            return None
        return later(self.exit_load[-1].within.after(bought), timedelta(days=1))


class Portfolio(Model):
    name: str | None = None
    investors: tuple[Investor, ...] = ()
    assets: tuple[Asset, ...] = ()
    securities: tuple[Security, ...] = ()

    def security(self, ident: str) -> Security | None:
        """The first security whose id or ISIN is `ident`."""
        return self._by_ident.get(ident)

    @cached_property
    def _by_ident(self) -> dict[str, Security]:
        found: dict[str, Security] = {}
        for s in reversed(self.securities):  # the first declared wins
            if s.isin is not None:
                found[s.isin] = s
            found[s.id] = s
        return found

    def funds_for(self, asset: str) -> tuple[Security, ...]:
        return tuple(s for s in self.securities if s.asset == asset)


# -------------------------------------------------------------------- rules
class BuyRule(Model):
    method: Annotated[BuyMethod, _WORD] = BuyMethod.PROPORTIONAL


class SellSource(Model):
    kind: Annotated[SellSourceKind, _WORD] = SellSourceKind.OVERWEIGHT
    assets: tuple[str, ...] = ()


class Ceiling(Model):
    """The drift ceiling steps down linearly from `start` to `stop` over `months`."""

    start: Decimal
    stop: Decimal
    months: int


DEFAULT_MEASURE = DriftMeasure.HALF_ABSOLUTE  # a policy's drift measure where it states none


class SellRule(Model):
    measure: Annotated[DriftMeasure, _WORD] = DEFAULT_MEASURE
    start_above: Decimal
    stop_at_or_below: Decimal
    rate_per_month: Decimal | None = None
    ceiling: Ceiling | None = None
    source: SellSource = SellSource()
    only_long_term_lots: bool = False
    never_pay_exit_load: bool = False


class Trigger(Model):
    kind: Annotated[TriggerKind, _WORD]
    level: Decimal | None = None


class RebalanceRule(Model):
    method: Annotated[RebalanceMethod, _WORD]
    triggers: tuple[Trigger, ...] = ()
    combine: Annotated[Combine, _WORD] = Combine.ANY
    warn_cost_percent: Decimal | None = None
    warn_cost_amount: Decimal | None = None


class HarvestRule(Model):
    realise_gains: bool = False
    margin: Decimal = Decimal(0)
    loss_threshold: Decimal | None = None
    use_losses_within_year: bool = False
    # None: no limit stated; Decimal(0): never realise short-term gains.
    short_term_gains_limit: Decimal | None = None
    never_pay_exit_load: bool = False
    preference: tuple[Annotated[Preference, _WORD], ...] = ()


# ------------------------------------------------------------------ tax law
class ExemptionRule(Model):
    amount: Decimal
    years: FYSpan
    origin: str


class CessRule(Model):
    rate: Decimal
    years: FYSpan | None = None
    origin: str


class DatedRule(Model):
    """Settings in force for sales (and purchases) within the given dates, inclusive."""

    sold_from: date | None = None
    sold_to: date | None = None
    bought_from: date | None = None
    bought_to: date | None = None
    long_term_after: Duration | None = None
    always_short_term: bool = False
    short_rate: Rate | None = None
    long_rate: Rate | None = None
    indexed: bool | None = None
    # `long 20% with indexation or 10% without, whichever is less` (s.112(1) proviso):
    # the rate on the gain without indexation that caps the tax.
    long_rate_unindexed: Decimal | None = None
    origin: str

    @property
    def precedence(self) -> int:
        """Purchase-date regimes (s.50AA) override sale-date rules, which override defaults."""
        return 2 if (self.bought_from or self.bought_to) else 1

    @property
    def order(self) -> tuple:
        """Which of two matching rules wins: the higher precedence, then the later start.
        A rule `from X` with no end stays in force until a later rule supersedes it,
        as an amendment supersedes the law before it."""
        return (self.precedence, self.sold_from or date.min, self.bought_from or date.min)

    @property
    def has_end(self) -> bool:
        return self.sold_to is not None or self.bought_to is not None

    def matches(self, bought: date, sold: date) -> bool:
        return (_within(sold, self.sold_from, self.sold_to)
                and _within(bought, self.bought_from, self.bought_to))


def _within(day: date, first: date | None, last: date | None) -> bool:
    return (first is None or first <= day) and (last is None or day <= last)


class Treatment(Model):
    """How one lot's gain is taxed, given its purchase and sale dates."""

    tax_class: str
    long_term_after: Duration | None
    always_short_term: bool
    short_rate: Rate | None
    long_rate: Rate | None
    indexed: bool
    long_rate_unindexed: Decimal | None = None  # the lower-of alternative (s.112(1) proviso)
    anniversary_is_long_term: bool
    origins: tuple[str, ...]

    def long_term_from(self, bought: date) -> date | None:
        """The first sale date on which the lot is long-term (None: never). s.2(42A): an
        asset is short-term if held not more than the period; whether the anniversary
        itself counts is the rules file's `anniversary sale is` setting."""
        if self.always_short_term or self.long_term_after is None:
            return None
        anniversary = self.long_term_after.after(bought)
        return anniversary if self.anniversary_is_long_term else later(anniversary, timedelta(days=1))

    def is_long_term(self, bought: date, sold: date) -> bool:
        start = self.long_term_from(bought)
        return start is not None and sold >= start


class TaxClass(Model):
    name: str
    long_term_after: Duration | None = None
    grandfather_on_or_before: date | None = None
    exemptions: tuple[ExemptionRule, ...] = ()
    rules: tuple[DatedRule, ...] = ()
    origin: str


class SetOffRule(Model):
    loss: Annotated[Term, _WORD]
    against: tuple[Annotated[Term, _WORD], ...]


class ChargeTarget(Model):
    tax_class: str | None = None
    kind: Literal["funds", "etfs", "stocks"]

    def covers(self, security: Security) -> bool:
        kind = {"fund": "funds", "etf": "etfs", "stock": "stocks"}[security.kind]
        return kind == self.kind and (self.tax_class is None or self.tax_class == security.tax_class)


class Charge(Model):
    kind: Annotated[ChargeKind, _WORD]
    rate: Decimal
    side: Annotated[ChargedOn, _WORD]
    targets: tuple[ChargeTarget, ...]
    start: date | None = None
    origin: str

    def applies(self, security: Security, side: ChargedOn, on: date) -> bool:
        return ((self.side == side or self.side == ChargedOn.PURCHASE_AND_SALE)
                and (self.start is None or on >= self.start)
                and any(t.covers(security) for t in self.targets))


class IndexPoint(Model):
    fy: int
    index: int


class IndexSeries(Model):
    """A cost inflation index series (s.48, Explanation (v)) used for sales in the FYs
    `sales_first` to `sales_last` (either None: open on that side). The series given
    without years serves every sale no dated series covers."""

    sales_first: int | None = None
    sales_last: int | None = None
    points: tuple[IndexPoint, ...] = ()
    origin: str

    def serves(self, sold_fy: int) -> bool:
        return ((self.sales_first is None or self.sales_first <= sold_fy)
                and (self.sales_last is None or sold_fy <= self.sales_last))


class TaxLaw(Model):
    name: str | None = None
    year_start_month: int
    year_start_day: int
    lot_scope: Literal["account", "investor"]
    anniversary_is_long_term: bool = False
    cess: tuple[CessRule, ...] = ()
    classes: tuple[TaxClass, ...] = ()
    set_off: tuple[SetOffRule, ...] = ()
    carry_forward_years: int | None = None
    charges: tuple[Charge, ...] = ()
    same_day_rebuy_netted: bool = False
    cost_inflation_index: tuple[IndexPoint, ...] = ()  # the series for sales no dated series covers
    dated_indexes: tuple[IndexSeries, ...] = ()  # earlier series, by the FYs of sale they serve

    def fy_of(self, day: date) -> int:
        """The financial year (by its starting calendar year) that `day` falls in (s.3,
        with the start day from the rules file)."""
        start = date(day.year, self.year_start_month, self.year_start_day)
        return day.year if day >= start else day.year - 1

    def fy_bounds(self, fy: int) -> tuple[date, date]:
        first = date(fy, self.year_start_month, self.year_start_day)
        return first, date(fy + 1, self.year_start_month, self.year_start_day) - timedelta(days=1)

    def tax_class(self, name: str) -> TaxClass | None:
        return next((c for c in self.classes if c.name == name), None)

    def treatment(self, class_name: str, bought: date | None, sold: date) -> Treatment:
        """Resolve the class's settings for this purchase and sale date: the class default,
        then sale-date rules, then purchase-date regimes, each overriding the one before.
        With `bought` None, only the sale-date rules (what `show` prints for a date)."""
        cls = self.tax_class(class_name)
        if cls is None:
            raise KeyError(class_name)
        settings: dict[str, object] = {"long_term_after": cls.long_term_after}
        origins = [cls.origin]
        if bought is None:
            matching = [r for r in cls.rules if r.precedence == 1 and _within(sold, r.sold_from, r.sold_to)]
        else:
            matching = [r for r in cls.rules if r.matches(bought, sold)]
        for rule in sorted(matching, key=lambda r: r.order):
            origins.append(rule.origin)
            if rule.long_rate is not None:  # a long rate comes with its own indexation and cap
                settings["long_rate_unindexed"] = rule.long_rate_unindexed
            for name in ("long_term_after", "short_rate", "long_rate", "indexed"):
                value = getattr(rule, name)
                if value is not None:
                    settings[name] = value
            if rule.always_short_term:
                settings["always_short_term"] = True
        return Treatment(
            tax_class=class_name,
            long_term_after=settings.get("long_term_after"),
            always_short_term=bool(settings.get("always_short_term", False)),
            short_rate=settings.get("short_rate"),
            long_rate=settings.get("long_rate"),
            indexed=bool(settings.get("indexed") or False),
            long_rate_unindexed=settings.get("long_rate_unindexed"),
            anniversary_is_long_term=self.anniversary_is_long_term,
            origins=tuple(origins),
        )

    def exemption(self, class_name: str, fy: int) -> Decimal | None:
        """The class's exemption for financial year `fy` (s.112A(1) for equity): one
        amount per investor per year, whatever the sale dates within it."""
        key = (class_name, fy)
        if key not in self._exemptions:
            cls = self.tax_class(class_name)
            covering = [e for e in cls.exemptions if e.years.contains(fy)] if cls is not None else []
            self._exemptions[key] = max(covering, key=lambda e: e.years.first).amount if covering else None
        return self._exemptions[key]

    @cached_property
    def _exemptions(self) -> dict[tuple[str, int], Decimal | None]:
        return {}  # exemption(), remembered: the plans ask for it for every lot they try

    def cess_rate(self, fy: int) -> Decimal:
        """The cess rate for `fy`: of the rules covering it, the one starting latest."""
        covering = [c for c in self.cess if c.years is None or c.years.contains(fy)]
        if not covering:
            return Decimal(0)
        return max(covering, key=lambda c: c.years.first if c.years else -1).rate

    def charges_on(self, security: Security, side: ChargedOn, on: date) -> tuple[Charge, ...]:
        """The charges in force on `on`: of each kind, the one with the latest start."""
        chosen: dict[str, Charge] = {}
        for charge in self.charges:
            if charge.applies(security, side, on):
                current = chosen.get(charge.kind)
                if current is None or (charge.start or date.min) > (current.start or date.min):
                    chosen[charge.kind] = charge
        return tuple(chosen[k] for k in sorted(chosen))

    def cii(self, fy: int, sold_fy: int) -> int | None:
        """Cost inflation index for financial year `fy` (s.48, Explanation (v)) in the series
        in force for a sale in FY `sold_fy`: a dated series where one serves that FY (the
        rules file says when the index was rebased), else the series given without years."""
        series = next((s.points for s in self.dated_indexes if s.serves(sold_fy)), self.cost_inflation_index)
        return next((p.index for p in series if p.fy == fy), None)


class SourceInfo(Model):
    path: str
    sha256: str


def default_buy() -> BuyRule:
    """The buying rule of a policy that states none: in proportion to the shortfalls."""
    return BuyRule()


def default_harvest() -> HarvestRule:
    """The harvest rule of a policy that states none. Without a harvest block no short-term
    gain is realised (the plan keeps within the year's long-term exemption); inside one, a
    missing `short-term gains` statement sets no limit. (Functions, not constants, so that
    importing the model builds no model: start-up.)"""
    return HarvestRule(short_term_gains_limit=Decimal(0))


class Policy(Model):
    """The resolved policy. `buy` and `harvest` are always filled in (default_buy() and
    default_harvest() where the files state none), so a planner never tests them for None nor
    restates a default. `sell` and `rebalance` stay None where not stated: no controlled
    selling, no rebalance triggers. `tax` and `portfolio` are None only in a policy that no
    plan accepts (the commands refuse it first).

    `stated` names the rule blocks the files state; it is not dumped, and a rule filled in by
    default dumps as null, so the resolved JSON (`show --json`) and the policy's hash in plan
    ids are those of the policy as written."""

    sources: tuple[SourceInfo, ...] = ()
    tax: TaxLaw | None = None
    portfolio: Portfolio | None = None
    buy: BuyRule = Field(default_factory=default_buy)
    sell: SellRule | None = None
    rebalance: RebalanceRule | None = None
    harvest: HarvestRule = Field(default_factory=default_harvest)
    stated: frozenset[str] = Field(default=frozenset(), exclude=True)

    @model_serializer(mode="wrap")
    def _as_written(self, handler):
        """The rules not stated dump as null, as they did before defaults were filled in."""
        data = handler(self)
        for name in ("buy", "harvest"):
            if name not in self.stated and name in data:
                data[name] = None
        return data

    @property
    def drift_measure(self) -> DriftMeasure:
        """How the portfolio's drift is measured: the sell rule's measure, else the default."""
        return self.sell.measure if self.sell is not None else DEFAULT_MEASURE
