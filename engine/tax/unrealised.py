"""What each open lot would realise if sold on `as_of` at the latest price on or before it.

For each lot: value, the basis the law would use (grandfathered as in realised.py),
gain, term and rate for a sale that day, the date it turns long-term, and the exit
load that a redemption that day would pay. A lot of a security with no price on or
before `as_of` is an error, never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Mapping

from engine.diagnostics import Diagnostic, error
from engine.ledger import Ledger, Lot
from engine.policy.model import Policy, Rate
from engine.tax.realised import _decimal, paise
from engine.transactions import Price


@dataclass(frozen=True, slots=True)
class Holding:
    lot: Lot
    asset: str
    tax_class: str
    price: Decimal
    priced_on: date
    value: Decimal
    basis: Decimal
    gain: Decimal
    term: str
    rate: Rate | None
    exemptable: bool
    long_term_from: date | None
    exit_load: Decimal  # the rate a redemption on as_of would pay
    exit_load_ends: date | None


def value_lots(ledger: Ledger, policy: Policy, price_of: Callable[[str, date], Price | None],
               fmv: Mapping[str, Decimal], as_of: date) -> tuple[list[Holding], list[Diagnostic]]:
    law, portfolio = policy.tax, policy.portfolio
    holdings: list[Holding] = []
    problems: list[Diagnostic] = []
    missing: set[str] = set()
    fy = law.fy_of(as_of)
    for lot in ledger.lots:
        if lot.acquired > as_of:
            continue
        security = portfolio.security(lot.security)
        if security is None:
            problems.append(error("T102", f"{lot.origin}: {lot.security} is not in the policy", None,
                                  "declare it in the portfolio with its tax class"))
            continue
        price = price_of(lot.security, as_of)
        if price is None:
            if lot.security not in missing:
                missing.add(lot.security)
                problems.append(error("T120", f"no price for {lot.security} on or before {as_of}", None,
                                      "import a prices CSV or AMFI's NAVAll.txt covering that date"))
            continue
        treatment = law.treatment(security.tax_class, lot.acquired, as_of)
        long_term = treatment.is_long_term(lot.acquired, as_of)
        value = paise(lot.units * price.price)
        basis = lot.cost
        cls = law.tax_class(security.tax_class)
        if cls and cls.grandfather_on_or_before and lot.acquired <= cls.grandfather_on_or_before and long_term:
            source = lot.fmv_security or lot.security
            if source in fmv:
                basis = max(lot.cost, min(paise(_decimal(Fraction(fmv[source]) * Fraction(lot.units) * lot.fmv_ratio)),
                                          value))
        holdings.append(Holding(
            lot, security.asset, security.tax_class, price.price, price.date, value, basis, value - basis,
            "long-term" if long_term else "short-term",
            treatment.long_rate if long_term else treatment.short_rate,
            long_term and law.exemption(security.tax_class, fy) is not None,
            treatment.long_term_from(lot.acquired),
            security.exit_load_on(lot.acquired, as_of), security.exit_load_ends(lot.acquired)))
    return holdings, problems


def harvestable_ltcg(holdings: list[Holding]) -> Decimal:
    """The most exemptable long-term gain each FIFO queue can realise before reaching a
    short-term or non-exemptable lot (the best prefix of the queue), summed over queues.
    It says what is reachable; the year-end plan decides what to sell."""
    total = Decimal(0)
    queues: dict[tuple, list[Holding]] = {}
    for h in holdings:
        queues.setdefault(h.lot.key, []).append(h)
    for queue in queues.values():
        running = best = Decimal(0)
        for h in queue:  # ledger order is FIFO order
            if not h.exemptable:
                break
            running += h.gain
            best = max(best, running)
        total += best
    return total
