"""A security of the portfolio as resolved: its kind, asset, tax class and exit load."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from engine.policy.periods import Duration, Model, later, word
from engine.vocabulary import SecurityKind


class ExitLoadStep(Model):
    rate: Decimal
    within: Duration


class Security(Model):
    id: str
    kind: SecurityKind = word(SecurityKind)
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
