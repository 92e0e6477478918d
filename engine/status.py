"""Where the family stands (`lotwise status`, public as `api.status`): the allocation against
the targets and, per investor, the unrealised gains, the exemption left and the lots turning
long-term soon. Nothing here prints or reads the clock: `as_of` is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from engine.inputs import Refused, load_ledger
from engine.precision import with_precision
from engine.vocabulary import DriftMeasure, Term

if TYPE_CHECKING:
    from pathlib import Path

    from engine.book.store import Book
    from engine.diagnostics import Diagnostic
    from engine.plans.drift import AssetDrift
    from engine.policy.model import Policy

TURNING_LONG_TERM_DAYS = 60  # `status` lists the short-term lots that turn long-term this soon


@dataclass(frozen=True)
class TurningLongTerm:
    lot: str
    security: str
    account: str
    units: Decimal
    on: date  # the first day the lot is long-term
    gain: Decimal  # its gain on as_of


@dataclass(frozen=True)
class InvestorStatus:
    investor: str
    unrealised_st_gains: Decimal
    unrealised_st_losses: Decimal
    unrealised_lt_gains: Decimal
    unrealised_lt_losses: Decimal
    ltcg_realised_this_fy: Decimal
    exemption_left: Decimal
    harvestable_ltcg_now: Decimal
    turning_long_term: tuple[TurningLongTerm, ...]


@dataclass(frozen=True)
class Status:
    """`lotwise status`: the allocation against the targets and, per investor, the unrealised
    gains, the exemption left and the lots turning long-term within TURNING_LONG_TERM_DAYS."""

    as_of: date
    fy: int
    value: Decimal
    measure: DriftMeasure
    drifts: tuple[AssetDrift, ...]
    total_drift: Fraction
    investors: tuple[InvestorStatus, ...]
    problems: tuple[Diagnostic, ...]  # warnings (errors raise Refused)


@with_precision
def status(book: Book, policy: Policy, as_of: date, *, isin_db: Path | None = None) -> Status:
    """Where the family stands on `as_of` (`isin_db`: casparser-isin's database, engine/inputs.py)."""
    from engine.plans.drift import asset_drifts, total_drift
    from engine.tax.complete import law_of, portfolio_of
    from engine.tax.unrealised import harvestable_ltcg, value_lots

    loaded = load_ledger(book, policy, as_of, isin_db=isin_db)
    holdings, more = value_lots(loaded.ledger, policy, book.latest_price, loaded.fmv, as_of)
    problems = tuple(more) + tuple(loaded.history.problems)
    if any(d.is_error for d in problems):
        raise Refused(diagnostics=problems)
    portfolio, law = portfolio_of(policy), law_of(policy)
    values: dict[str, Decimal] = {}
    for h in holdings:
        values[h.asset] = values.get(h.asset, Decimal(0)) + h.value
    drifts = asset_drifts(values, {a.name: a.target for a in portfolio.assets},
                          {a.name: a.band for a in portfolio.assets})
    measure = policy.drift_measure
    soon = as_of + timedelta(days=TURNING_LONG_TERM_DAYS)
    investors = []
    for investor in portfolio.investors:
        mine = [h for h in holdings if h.lot.investor == investor.id]
        year = loaded.history.year(investor.id)
        left = max(Decimal(0), year.exemption_limit - year.exemption_used)

        def gained(term: Term) -> Decimal:
            return sum((h.gain for h in mine if h.term == term and h.gain > 0), Decimal(0))

        def lost(term: Term) -> Decimal:
            return -sum((h.gain for h in mine if h.term == term and h.gain < 0), Decimal(0))

        investors.append(InvestorStatus(
            investor.id, gained(Term.SHORT), lost(Term.SHORT), gained(Term.LONG), lost(Term.LONG),
            year.net_ltcg, left, min(left, harvestable_ltcg(mine)),
            tuple(TurningLongTerm(h.lot.id, h.lot.security, h.lot.account, h.lot.units, h.long_term_from, h.gain)
                  for h in mine if h.term == Term.SHORT and h.long_term_from
                  and as_of < h.long_term_from <= soon)))
    return Status(as_of, law.fy_of(as_of), sum(values.values(), Decimal(0)), measure, tuple(drifts),
                  total_drift(drifts, measure), tuple(investors), problems)
