"""The tax law as resolved: classes and their dated rules, exemptions, cess, set-off, charges,
the cost inflation index; `TaxLaw.treatment` says how one lot's gain is taxed. The methods
only look rules up by date: every rule of law comes from a rules file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Literal

from engine.policy.periods import Duration, FYSpan, Model, later, word, words
from engine.policy.securities import Security
from engine.vocabulary import ChargedOn, ChargeKind, Rate, Term


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
    def order(self) -> tuple[int, date, date]:
        """Which of two matching rules wins: the higher precedence, then the later start.
        A rule `from X` with no end stays in force until a later rule supersedes it,
        as an amendment supersedes the law before it."""
        return (self.precedence, self.sold_from or date.min, self.bought_from or date.min)

    @property
    def has_end(self) -> bool:
        return self.sold_to is not None or self.bought_to is not None

    def matches(self, bought: date, sold: date) -> bool:
        return (within(sold, self.sold_from, self.sold_to)
                and within(bought, self.bought_from, self.bought_to))


def within(day: date, first: date | None, last: date | None) -> bool:
    """`day` is within the inclusive range (None: open on that side)."""
    return (first is None or first <= day) and (last is None or day <= last)


@dataclass(frozen=True, slots=True)
class Treatment:
    """How one lot's gain is taxed, given its purchase and sale dates: a record derived from the
    checked policy for each lot (TaxLaw.treatment), never read from a file, so a plain frozen
    dataclass, not a Model: it is never written as JSON."""

    tax_class: str
    long_term_after: Duration | None
    always_short_term: bool
    short_rate: Rate | None
    long_rate: Rate | None
    indexed: bool
    anniversary_is_long_term: bool
    origins: tuple[str, ...]
    long_rate_unindexed: Decimal | None = None  # the lower-of alternative (s.112(1) proviso)

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
    loss: Term = word(Term)
    against: tuple[Term, ...] = words(Term)


class ChargeTarget(Model):
    tax_class: str | None = None
    kind: Literal["funds", "etfs", "stocks"]

    def covers(self, security: Security) -> bool:
        kind = {"fund": "funds", "etf": "etfs", "stock": "stocks"}[security.kind]
        return kind == self.kind and (self.tax_class is None or self.tax_class == security.tax_class)


class Charge(Model):
    kind: ChargeKind = word(ChargeKind)
    rate: Decimal
    side: ChargedOn = word(ChargedOn)
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


TREATMENTS_KEPT = 1 << 15  # TaxLaw.treatment's remembered answers, at most (a few MB)


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
        With `bought` None, only the sale-date rules (what `show` prints for a date).
        Remembered: the law is frozen and a Treatment too, and a backtest asks the same again
        (the same lots valued on a day for a rebalance, a harvest and its trigger; each lot's
        rate at the same future dates in each harvest)."""
        key = (class_name, bought, sold)
        found = self._treatments.get(key)
        if found is None:
            if len(self._treatments) >= TREATMENTS_KEPT:
                self._treatments.clear()  # bounded memory: a large book asks for many purchase dates
            found = self._treatments[key] = self.resolve(class_name, bought, sold)
        return found

    def resolve(self, class_name: str, bought: date | None, sold: date) -> Treatment:
        """`treatment`, worked out."""
        cls = self.tax_class(class_name)
        if cls is None:
            raise KeyError(class_name)
        long_term_after, always_short_term, indexed = cls.long_term_after, False, False
        short_rate: Rate | None = None
        long_rate: Rate | None = None
        long_rate_unindexed: Decimal | None = None
        origins = [cls.origin]
        if bought is None:
            matching = [r for r in cls.rules if r.precedence == 1 and within(sold, r.sold_from, r.sold_to)]
        else:
            matching = [r for r in cls.rules if r.matches(bought, sold)]
        for rule in sorted(matching, key=lambda r: r.order):
            origins.append(rule.origin)
            if rule.long_rate is not None:  # a long rate comes with its own indexation and cap
                long_rate, long_rate_unindexed = rule.long_rate, rule.long_rate_unindexed
            if rule.long_term_after is not None:
                long_term_after = rule.long_term_after
            if rule.short_rate is not None:
                short_rate = rule.short_rate
            if rule.indexed is not None:
                indexed = rule.indexed
            if rule.always_short_term:
                always_short_term = True
        return Treatment(
            tax_class=class_name,
            long_term_after=long_term_after,
            always_short_term=always_short_term,
            short_rate=short_rate,
            long_rate=long_rate,
            indexed=indexed,
            long_rate_unindexed=long_rate_unindexed,
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
    def _treatments(self) -> dict[tuple[str, date | None, date], Treatment]:
        return {}  # treatment(), remembered

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
