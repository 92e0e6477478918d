"""The resolved policy: what the engine acts on, as frozen records (periods.py's Model).

Built only by validate.py from a checked AST. Money and rates are Decimal (rates as
fractions: 12.5% is Decimal("0.125")). This module holds the portfolio, the rules and the
`Policy`; its parts live in periods.py (the base model, durations, FY spans), securities.py
and law.py (the tax law, which only looks rules up by date: every rule of law comes from a
rules file). Every model is importable from here.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from dataclasses import field

from engine.policy.law import (CessRule, Charge, ChargeTarget, DatedRule, ExemptionRule, IndexPoint, IndexSeries,
                               SetOffRule, TaxClass, TaxLaw, Treatment, within)
from engine.policy.periods import HIDDEN, JSON, Duration, FYSpan, Model, json_value, later, word, words
from engine.policy.securities import ExitLoadStep, Security
from engine.vocabulary import (BuyMethod, Combine, DriftMeasure, HarvestTriggerKind, Preference, ProceedsUse,
                               RebalanceMethod, SellSourceKind, TriggerKind)

__all__ = [  # the resolved policy's every model, from here (its parts live in periods, securities, law)
    "Model", "JSON", "HIDDEN", "json_value", "word", "words", "later", "Duration", "FYSpan",
    "SlabRate", "Investor", "Asset", "ExitLoadStep", "Security", "Portfolio",
    "BuyRule", "SellSource", "Ceiling", "DEFAULT_MEASURE", "SellRule", "Trigger", "RebalanceRule", "HarvestRule",
    "HarvestTrigger", "DEFAULT_DISCOUNT", "DEFAULT_HORIZON", "DEFAULT_GROWTH",
    "ExemptionRule", "CessRule", "DatedRule", "Treatment", "TaxClass", "SetOffRule", "ChargeTarget", "Charge",
    "IndexPoint", "IndexSeries", "TaxLaw", "within",
    "SourceInfo", "default_buy", "default_harvest", "Policy",
    "Report",
]


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

    def to_json(self, *, exclude: frozenset[str] | set[str] = frozenset()) -> JSON:
        """No `sip` key when none is stated: a policy without SIP amounts dumps (and hashes,
        engine/book/saved_plans.py) as it did before they existed."""
        return super().to_json(exclude=exclude if self.sip is not None else {*exclude, "sip"})

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
    consolidate_into: str | None = None  # `consolidate into SECID`: the asset's other funds move into it (harvest)

    def to_json(self, *, exclude: frozenset[str] | set[str] = frozenset()) -> JSON:
        """No `consolidate_into` key when none is stated: such a policy dumps (and hashes) as before."""
        return super().to_json(exclude=exclude if self.consolidate_into is not None else {*exclude, "consolidate_into"})


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
    method: BuyMethod = word(BuyMethod, default=BuyMethod.PROPORTIONAL)


class SellSource(Model):
    kind: SellSourceKind = word(SellSourceKind, default=SellSourceKind.OVERWEIGHT)
    assets: tuple[str, ...] = ()


class Ceiling(Model):
    """The drift ceiling steps down linearly from `start` to `stop` over `months`."""

    start: Decimal
    stop: Decimal
    months: int


DEFAULT_MEASURE = DriftMeasure.HALF_ABSOLUTE  # a policy's drift measure where it states none


class SellRule(Model):
    measure: DriftMeasure = word(DriftMeasure, default=DEFAULT_MEASURE)
    start_above: Decimal
    stop_at_or_below: Decimal
    rate_per_month: Decimal | None = None
    ceiling: Ceiling | None = None
    source: SellSource = field(default_factory=SellSource)
    only_long_term_lots: bool = False
    never_pay_exit_load: bool = False


class Trigger(Model):
    kind: TriggerKind = word(TriggerKind)
    level: Decimal | None = None


class RebalanceRule(Model):
    method: RebalanceMethod = word(RebalanceMethod)
    triggers: tuple[Trigger, ...] = ()
    combine: Combine = word(Combine, default=Combine.ANY)
    warn_cost_percent: Decimal | None = None
    warn_cost_amount: Decimal | None = None


class HarvestTrigger(Model):
    """`harvest when an asset is {below} below its high of the last {window}` (DRAWDOWN) or
    `harvest when unrealised long-term losses exceed {amount}` (LONG_TERM_LOSSES); the fields
    of the other kind are None. `below` is a fraction (10% is Decimal("0.1"))."""

    kind: HarvestTriggerKind = word(HarvestTriggerKind)
    below: Decimal | None = None
    window: Duration | None = None
    amount: Decimal | None = None


class HarvestRule(Model):
    realise_gains: bool = False
    margin: Decimal = Decimal(0)
    loss_threshold: Decimal | None = None
    use_losses_within_year: bool = False
    # None: no limit stated; Decimal(0): never realise short-term gains.
    short_term_gains_limit: Decimal | None = None
    never_pay_exit_load: bool = False
    preference: tuple[Preference, ...] = words(Preference, default=())
    # Time has a value (docs/harvesting.md, "The objective"): None where the policy does not state
    # them, and then left out of the JSON, so a policy without them dumps (and hashes) as before.
    discount_rate: Decimal | None = None  # `value future tax at R a year over H years`: R
    horizon_years: int | None = None  # ... and H
    growth_rate: Decimal | None = None  # `expect growth of G a year`: G
    # None: not stated, which is `rebuy the same funds` (the behaviour before the statement existed)
    proceeds: ProceedsUse | None = None
    triggers: tuple[HarvestTrigger, ...] = ()  # `harvest when ...`: any one makes a harvest due
    savings_years: int | None = None  # `value expense savings over N years` (docs/harvesting.md, "Migration")

    def to_json(self, *, exclude: frozenset[str] | set[str] = frozenset()) -> JSON:
        """No `discount_rate`, `horizon_years`, `growth_rate`, `proceeds` nor `triggers` key where the
        policy does not state it: such a policy dumps (and hashes, engine/book/saved_plans.py) as it
        did before the statements existed."""
        unstated = {name for name in ("discount_rate", "horizon_years", "growth_rate", "proceeds")
                    if getattr(self, name) is None}
        if not self.triggers:
            unstated.add("triggers")
        if self.savings_years is None:
            unstated.add("savings_years")
        return super().to_json(exclude={*exclude, *unstated})

    @property
    def discount(self) -> Decimal:
        """The yearly rate future tax is discounted at: the policy's, else DEFAULT_DISCOUNT."""
        return DEFAULT_DISCOUNT if self.discount_rate is None else self.discount_rate

    @property
    def horizon(self) -> int:
        """Years until the rebought units are expected to be sold: the policy's, else DEFAULT_HORIZON."""
        return DEFAULT_HORIZON if self.horizon_years is None else self.horizon_years

    @property
    def growth(self) -> Decimal:
        """The yearly growth expected of rebought money: the policy's, else DEFAULT_GROWTH."""
        return DEFAULT_GROWTH if self.growth_rate is None else self.growth_rate

    @property
    def reallocates(self) -> bool:
        """`reallocate proceeds by the buying rule`: the harvest's money buys by the buying rule."""
        return self.proceeds == ProceedsUse.REALLOCATE

    @property
    def selling_order(self) -> tuple[Preference, ...]:
        """The preference order the optimizer breaks ties by (docs/harvesting.md, "Ties and
        preferences"): the policy's `prefer` order; with reallocation, overweight assets after it
        when it does not name them (selling an overweight asset's lots is then itself a rebalance)."""
        if self.reallocates and Preference.OVERWEIGHT_ASSETS not in self.preference:
            return (*self.preference, Preference.OVERWEIGHT_ASSETS)
        return self.preference


# The defaults of a harvest block that does not state them (docs/harvesting.md, "Time has a value"):
DEFAULT_DISCOUNT = Decimal(0)  # future tax at its face value, as before the statement existed
DEFAULT_HORIZON = 10  # years
DEFAULT_GROWTH = Decimal("0.07")  # a year: what a change of tax status is priced with


class Report(Model):
    """The `report` block: who signs the client's report (`lotwise report`) and what it must say."""

    adviser: str | None = None  # the adviser's name, as the report prints it
    registration: str | None = None  # the adviser's SEBI registration, e.g. INA000012345
    disclaimer: str | None = None


class SourceInfo(Model):
    path: str
    sha256: str


def default_buy() -> BuyRule:
    """The buying rule of a policy that states none: in proportion to the shortfalls."""
    return BuyRule()


def default_harvest() -> HarvestRule:
    """The harvest rule of a policy that states none. Without a harvest block no short-term
    gain is realised (the plan keeps within the year's long-term exemption); inside one, a
    missing `short-term gains` statement sets no limit."""
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
    buy: BuyRule = field(default_factory=default_buy)
    sell: SellRule | None = None
    rebalance: RebalanceRule | None = None
    harvest: HarvestRule = field(default_factory=default_harvest)
    stated: frozenset[str] = field(default=frozenset(), metadata=HIDDEN)
    report: Report | None = None  # the `report` block; None when not stated (and then no `report` key)

    def to_json(self, *, exclude: frozenset[str] | set[str] = frozenset()) -> JSON:
        """The rules not stated dump as null, as they did before defaults were filled in; no
        `report` key without a `report` block (a policy dumps, and hashes, as before it existed)."""
        data = super().to_json(exclude=exclude if self.report is not None else {*exclude, "report"})
        for name in ("buy", "harvest"):
            if name not in self.stated and name in data:
                data[name] = None
        return data

    @property
    def drift_measure(self) -> DriftMeasure:
        """How the portfolio's drift is measured: the sell rule's measure, else the default."""
        return self.sell.measure if self.sell is not None else DEFAULT_MEASURE
