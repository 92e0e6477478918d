"""What each open lot would realise if sold on `as_of` at the latest price on or before it.

For each lot: value, the basis the law would use (grandfathered as in realised.py),
gain, term and rate for a sale that day, the date it turns long-term, and the exit
load that a redemption that day would pay. A lot of a security with no price on or
before `as_of` is an error, never a silent zero; a grandfathered lot whose FMV is missing
is valued at cost with a warning (T104) naming the security whose FMV is needed; a price
more than STALE_AFTER trading days older than `as_of` is used with a warning (T121), once
per security.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Mapping, NamedTuple

from engine.diagnostics import Diagnostic, error, warning
from engine.ledger.fifo import Ledger, Lot, held_on
from engine.policy.model import Policy, Security
from engine.tax.complete import law_of, portfolio_of
from engine.tax.realised import exact_decimal, missing_fmv, paise
from engine.transactions import Price
from engine.vocabulary import Rate, RateKind, Term


class Holding(NamedTuple):  # a named tuple: built five times faster than a frozen dataclass
    lot: Lot
    asset: str
    tax_class: str
    price: Decimal
    priced_on: date
    value: Decimal
    basis: Decimal
    gain: Decimal
    term: Term
    rate: Rate | None
    exemptable: bool
    long_term_from: date | None
    exit_load: Decimal  # the rate a redemption on as_of would pay
    exit_load_ends: date | None


# What value_lots looks up once: per security (the security, its price, the last purchase date
# grandfathered, exemptable when long-term); per tax class and purchase date (long-term on as_of,
# from when, the rate); per security and purchase date (those, the exit load, its end, grandfathered).
SecurityFacts = tuple[Security, Price, date | None, bool]
TermFacts = tuple[bool, date | None, Rate | None]
DayFacts = tuple[bool, date | None, Rate | None, Decimal, date | None, bool]


def value_lots(ledger: Ledger, policy: Policy, price_of: Callable[[str, date], Price | None],
               fmv: Mapping[str, Decimal], as_of: date) -> tuple[list[Holding], list[Diagnostic]]:
    """Each open lot acquired on or before `as_of`, valued. What depends only on the
    security (price, tax class, exemption) is looked up once per security; the term and the
    long-term date once per tax class and purchase date; the exit load and whether the lot
    is grandfathered once per security and purchase date."""
    law = law_of(policy)
    holdings: list[Holding] = []
    problems: list[Diagnostic] = []
    fy = law.fy_of(as_of)
    per_security: dict[str, SecurityFacts | None] = {}
    per_class_day: dict[tuple[str, date], TermFacts] = {}
    per_day: dict[tuple[str, date], DayFacts] = {}  # by security and purchase date
    missing: set[str] = set()  # securities whose FMV is missing, warned once each (T104)
    for lot in ledger.lots:
        if lot.acquired > as_of:
            continue
        try:
            known = per_security[lot.security]
        except KeyError:  # the security's first lot
            known = per_security[lot.security] = _security_facts(lot, policy, price_of, fy, as_of, problems)
        if known is None:
            continue
        security, price, grandfather_until, exemptable = known
        day = per_day.get((lot.security, lot.acquired))
        if day is None:
            term = per_class_day.get((security.tax_class, lot.acquired))
            if term is None:
                treatment = law.treatment(security.tax_class, lot.acquired, as_of)
                long_term_from = treatment.long_term_from(lot.acquired)
                long_term = long_term_from is not None and as_of >= long_term_from
                term = per_class_day[(security.tax_class, lot.acquired)] = (
                    long_term, long_term_from, treatment.long_rate if long_term else treatment.short_rate)
            day = per_day[(lot.security, lot.acquired)] = (
                *term, security.exit_load_on(lot.acquired, as_of), security.exit_load_ends(lot.acquired),
                # as realise(): s.55(2)(ac) for taxed long-term gains after the FMV's date
                term[0] and grandfather_until is not None and lot.acquired <= grandfather_until
                and as_of > grandfather_until and term[2] not in (None, RateKind.EXEMPT))
        long_term, long_term_from, rate, exit_load, exit_load_ends, grandfathered = day
        value = paise(lot.units * price.price)
        basis = lot.cost
        if grandfathered and grandfather_until is not None:  # (grandfathered says it is not None)
            # s.55(2)(ac): the FMV of what was held on the date (see realised.py)
            held, ratio = held_on(lot.security, lot.history, grandfather_until) if lot.history else (lot.security, 1)
            if held in fmv:
                basis = max(lot.cost, min(paise(exact_decimal(Fraction(fmv[held]) * Fraction(lot.units) * ratio)), value))
            elif held not in missing:
                missing.add(held)
                problems.append(missing_fmv(held, grandfather_until))
        holdings.append(Holding(
            lot, security.asset, security.tax_class, price.price, price.date, value, basis, value - basis,
            Term.LONG if long_term else Term.SHORT, rate, long_term and exemptable, long_term_from,
            exit_load, exit_load_ends))
    return holdings, problems


# How many trading days (engine/calendar.py) a price may be older than `as_of` before a plan or
# `status` warns that it is stale (T121). A product setting, not law: a NAV is published every
# business day, so a week of trading without a price means the prices were not imported.
STALE_AFTER = 5


def stale_price(security: str, priced_on: date, as_of: date) -> Diagnostic | None:
    """T121 when the price used for `security` on `as_of`, of `priced_on`, is more than
    STALE_AFTER trading days old; None otherwise."""
    if (as_of - priced_on).days <= 7:  # seven days hold at most five weekdays: no calendar needed
        return None
    from engine.calendar import trading_days_between

    old = trading_days_between(priced_on, as_of)
    if old <= STALE_AFTER:
        return None
    return warning("T121", f"the price of {security} used on {as_of} is of {priced_on}, {old} trading days "
                   f"earlier (more than {STALE_AFTER}): its values, gains and orders are as of then", None,
                   "import prices up to the date (a prices CSV, or AMFI's NAVAll.txt of that day) with "
                   "`lotwise import`")


def not_in_policy(security: str, origin: str) -> Diagnostic:
    return error("T102", f"{origin}: {security} is not in the policy", None,
                 "declare it in the portfolio with its tax class")


def no_price(security: str, as_of: date) -> Diagnostic:
    return error("T120", f"no price for {security} on or before {as_of}", None,
                 "import a prices CSV or AMFI's NAVAll.txt covering that date (`lotwise prices fetch` "
                 "downloads the latest)")


def _security_facts(lot: Lot, policy: Policy, price_of: Callable[[str, date], Price | None], fy: int,
                    as_of: date, problems: list[Diagnostic]) -> SecurityFacts | None:
    """(security, price, the last purchase date grandfathered (s.55(2)(ac)), exemptable when
    long-term) of a lot's security; None after recording why it cannot be valued."""
    security = portfolio_of(policy).security(lot.security)
    if security is None:
        problems.append(not_in_policy(lot.security, lot.origin))
        return None
    price = price_of(lot.security, as_of)
    if price is None:
        problems.append(no_price(lot.security, as_of))
        return None
    stale = stale_price(lot.security, price.date, as_of)
    if stale is not None:
        problems.append(stale)
    law = law_of(policy)
    cls = law.tax_class(security.tax_class)
    return (security, price, cls.grandfather_on_or_before if cls is not None else None,
            law.exemption(security.tax_class, fy) is not None)


def harvestable_ltcg(holdings: list[Holding]) -> Decimal:
    """The most exemptable long-term gain each FIFO queue can realise before reaching a
    short-term or non-exemptable lot (the best prefix of the queue), summed over queues.
    It says what is reachable; the year-end plan decides what to sell."""
    total = Decimal(0)
    queues: dict[tuple[str, str, str], list[Holding]] = {}
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
