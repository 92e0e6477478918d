"""The resolved policy: what the engine acts on, as frozen, strict pydantic models.

Built only by validate.py from a checked AST. Money and rates are Decimal (rates as
fractions: 12.5% is Decimal("0.125")). This module holds the portfolio, the rules and the
`Policy`; its parts live in periods.py (the base model, durations, FY spans), securities.py
and law.py (the tax law, which only looks rules up by date: every rule of law comes from a
rules file). Every model is importable from here.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Annotated

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from engine.policy.law import (CessRule, Charge, ChargeTarget, DatedRule, ExemptionRule, IndexPoint, IndexSeries,
                               SetOffRule, TaxClass, TaxLaw, Treatment, within)
from engine.policy.periods import WORD, Duration, FYSpan, Model, Rate, checked, later
from engine.policy.securities import ExitLoadStep, Security
from engine.vocabulary import (BuyMethod, Combine, DriftMeasure, Preference, RebalanceMethod, SellSourceKind,
                               TriggerKind)

__all__ = [  # the resolved policy's every model, from here (its parts live in periods, securities, law)
    "Model", "WORD", "Rate", "checked", "later", "Duration", "FYSpan",
    "SlabRate", "Investor", "Asset", "ExitLoadStep", "Security", "Portfolio",
    "BuyRule", "SellSource", "Ceiling", "DEFAULT_MEASURE", "SellRule", "Trigger", "RebalanceRule", "HarvestRule",
    "ExemptionRule", "CessRule", "DatedRule", "Treatment", "TaxClass", "SetOffRule", "ChargeTarget", "Charge",
    "IndexPoint", "IndexSeries", "TaxLaw", "within",
    "SourceInfo", "default_buy", "default_harvest", "Policy",
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

    @model_serializer(mode="wrap")
    def _without_absent_sip(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """No `sip` key when none is stated: a policy without SIP amounts dumps (and hashes,
        engine/book/saved_plans.py) as it did before they existed."""
        data: dict[str, object] = handler(self)
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
    method: Annotated[BuyMethod, WORD] = BuyMethod.PROPORTIONAL


class SellSource(Model):
    kind: Annotated[SellSourceKind, WORD] = SellSourceKind.OVERWEIGHT
    assets: tuple[str, ...] = ()


class Ceiling(Model):
    """The drift ceiling steps down linearly from `start` to `stop` over `months`."""

    start: Decimal
    stop: Decimal
    months: int


DEFAULT_MEASURE = DriftMeasure.HALF_ABSOLUTE  # a policy's drift measure where it states none


class SellRule(Model):
    measure: Annotated[DriftMeasure, WORD] = DEFAULT_MEASURE
    start_above: Decimal
    stop_at_or_below: Decimal
    rate_per_month: Decimal | None = None
    ceiling: Ceiling | None = None
    source: SellSource = Field(default_factory=checked(SellSource))  # no validator built: start-up
    only_long_term_lots: bool = False
    never_pay_exit_load: bool = False


class Trigger(Model):
    kind: Annotated[TriggerKind, WORD]
    level: Decimal | None = None


class RebalanceRule(Model):
    method: Annotated[RebalanceMethod, WORD]
    triggers: tuple[Trigger, ...] = ()
    combine: Annotated[Combine, WORD] = Combine.ANY
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
    preference: tuple[Annotated[Preference, WORD], ...] = ()



class SourceInfo(Model):
    path: str
    sha256: str


def default_buy() -> BuyRule:
    """The buying rule of a policy that states none: in proportion to the shortfalls."""
    return checked(BuyRule)()


def default_harvest() -> HarvestRule:
    """The harvest rule of a policy that states none. Without a harvest block no short-term
    gain is realised (the plan keeps within the year's long-term exemption); inside one, a
    missing `short-term gains` statement sets no limit. (Functions, not constants, so that
    importing the model builds no model: start-up.)"""
    return checked(HarvestRule)(short_term_gains_limit=Decimal(0))


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
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """The rules not stated dump as null, as they did before defaults were filled in."""
        data: dict[str, object] = handler(self)
        for name in ("buy", "harvest"):
            if name not in self.stated and name in data:
                data[name] = None
        return data

    @property
    def drift_measure(self) -> DriftMeasure:
        """How the portfolio's drift is measured: the sell rule's measure, else the default."""
        return self.sell.measure if self.sell is not None else DEFAULT_MEASURE
