"""`lotwise report`: what the client's page says (docs/report.md), built from a plan's JSON document
(as saved, or as `plan month --json` and `rebalance --json` print it) or from `status --json`'s, and
the policy (the names of the investors and funds, the `report` block's adviser and disclaimer).

A `ClientReport` is the page's content in the client's words: names, not ids or ISINs; the
allocation before and after; the orders; the tax before and after and the exemption used; a
plain-language summary of why, from the plan's own reasons; the plan id and its input hashes.
Nothing here is computed anew: every figure is the document's (money as Decimal, from its
strings), so the page says what the plan said. engine/reports/client_build.py builds it from a
document, engine/reports/client_html.py lays it out.

The kind is the document's `kind` (year-end, harvest, month, rebalance, status), else what its
keys say (`plan month --json` has `month`, `rebalance --json` has `method`, `status --json` has
`total_drift`): a document saved by a later lotwise that names its kind is read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.policy.model import Policy

Document = Mapping[str, Any]  # a plan's or a status's JSON, parsed
KINDS = ("year-end", "harvest", "month", "rebalance", "status")


@dataclass(frozen=True)
class Names:
    """The policy's names for investor ids and security ids and ISINs (an id stays when the policy lacks it)."""

    investors: Mapping[str, str]
    securities: Mapping[str, str]

    def investor(self, ident: str) -> str:
        return self.investors.get(ident, ident)

    def security(self, ident: str) -> str:
        return self.securities.get(ident, ident)

    def in_text(self, text: str) -> str:
        """A reason or note with each security's id or ISIN replaced by its name."""
        if not self.securities:
            return text
        pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in sorted(self.securities, key=len, reverse=True))
                             + r")\b")
        return pattern.sub(lambda m: self.securities[m[1]], text)


def names_of(policy: Policy | None) -> Names:
    """The names of the policy's investors and securities (by id and by ISIN)."""
    if policy is None or policy.portfolio is None:
        return Names({}, {})
    securities: dict[str, str] = {}
    for s in policy.portfolio.securities:
        securities.setdefault(s.id, s.name)
        if s.isin is not None:
            securities.setdefault(s.isin, s.name)
    return Names({i.id: i.name for i in policy.portfolio.investors}, securities)


@dataclass(frozen=True)
class Weight:
    """An asset's share of the portfolio: its target, before and after (None: the document has no after)."""

    asset: str
    target: Decimal
    before: Decimal
    after: Decimal | None


@dataclass(frozen=True)
class OrderRow:
    date: str
    investor: str  # the investor's name
    fund: str  # the security's name
    side: str
    amount: Decimal
    units: str  # as the plan gives them ("~" before an estimate of a buy's units)
    tax: Decimal | None  # the tax of a sell, where the document says


@dataclass(frozen=True)
class TaxRow:
    """An investor's tax for the FY before and after the plan (with cess), and the s.112A exemption used;
    None where the document does not say (a month plan or a rebalance gives its orders' tax only)."""

    investor: str
    tax_before: Decimal | None
    tax_after: Decimal | None
    exemption_before: Decimal | None
    exemption_after: Decimal | None
    exemption_limit: Decimal | None


@dataclass(frozen=True)
class ClientReport:
    kind: str
    title: str
    subtitle: str
    portfolio: str | None
    investors: tuple[str, ...]  # names
    weights: tuple[Weight, ...]
    orders: tuple[OrderRow, ...]
    taxes: tuple[TaxRow, ...]
    summary: tuple[str, ...]  # plain-language sentences
    reasons: tuple[str, ...]  # the plan's reasons for what it does (each sale), names in place of ids
    plan_id: str | None
    inputs: tuple[tuple[str, str], ...]  # (input, hash or value)
    adviser: str | None
    registration: str | None
    disclaimer: str | None


def kind_of(document: Document) -> str | None:
    """The document's kind (module docstring); None when it is none lotwise reports (api.report_kind
    refuses it, C183)."""
    kind = document.get("kind")
    if kind is None:
        kind = ("rebalance" if "method" in document else "month" if "month" in document
                else "status" if "total_drift" in document else None)
    return str(kind) if kind in KINDS else None


def order_rows(orders: Sequence[Mapping[str, Any]], names: Names) -> list[OrderRow]:
    return [OrderRow(o["date"], names.investor(o["investor"]), names.security(o["security"]), o["side"],
                     Decimal(o["amount"]), units_of(o), Decimal(o["tax"]) if o.get("tax") is not None else None)
            for o in orders]


def units_of(order: Mapping[str, Any]) -> str:
    if order.get("units") is None:
        return ""
    return str(order["units"]) if order["side"] == "SELL" else f"~{order['units']}"


def weights_of(before: Mapping[str, Any], after: Mapping[str, Any] | None) -> tuple[Weight, ...]:
    """The assets' weights from a drift record's `assets` (before, and after where given)."""
    later = {a["asset"]: a for a in after["assets"]} if after is not None else {}
    return tuple(Weight(a["asset"], Decimal(a["target"]), Decimal(a["weight"]),
                        Decimal(later[a["asset"]]["weight"]) if a["asset"] in later else None)
                 for a in before["assets"])
