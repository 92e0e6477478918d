"""Realised gains per investor and financial year, as `lotwise gains` reports them: for one FY,
a range, or every FY from the first with a sale or a loss brought in to the last with a sale
(engine/tax/chain.py), each investor's year (set-off, exemption, tax), sales and intraday trades.
Public through engine/api.py (`api.gains`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from engine.book.store import Book
    from engine.diagnostics import Diagnostic
    from engine.ledger.fifo import Ledger
    from engine.policy.model import Policy
    from engine.tax.chain import TaxHistory
    from engine.tax.intraday import Speculative
    from engine.tax.realised import RealisedPart
    from engine.tax.schedule_112a import Row112A
    from engine.tax.schedule_cg import CGItem
    from engine.tax.year import YearResult


@dataclass(frozen=True)
class InvestorGains:
    year: YearResult  # the FY's gains, set-off, exemption, tax and losses carried
    sales: tuple[RealisedPart, ...]
    speculative: Speculative  # intraday trades: business income (s.43(5)), apart from the capital gains
    schedule_cg: tuple[CGItem, ...] = ()  # the sales per term and rate before set-off (engine/tax/schedule_cg.py)
    schedule_112a: tuple[Row112A, ...] = ()  # the rows of Schedule 112A (engine/tax/schedule_112a.py)


@dataclass(frozen=True)
class GainsYear:
    fy: int
    investors: tuple[InvestorGains, ...]
    problems: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Gains:
    """One GainsYear per FY asked for (none when `all` finds no sale and no loss brought in);
    `problems`: every year's, once each, in order (errors raise Refused)."""

    years: tuple[GainsYear, ...]
    problems: tuple[Diagnostic, ...]


def histories_of(book: Book, policy: Policy, first: int | None, last: int | None,
                 isin_db: Path | None = None) -> tuple[Ledger, list[TaxHistory]]:
    """The ledger (its sales through FY `last`) and one tax history per FY from `first` to `last`
    (both None: every FY with a sale or a loss brought in), chained once; a policy without a tax
    law or portfolio gives one empty history whose problems say so (T101)."""
    from engine.book.kept_ledger import ledger_of
    from engine.inputs import Refused, fmv_table
    from engine.ledger.fifo import LedgerError
    from engine.tax.chain import TaxHistory, histories, sale_years
    from engine.tax.intraday import intraday_securities

    law = policy.tax
    fy = last  # None for `all`: every sale is read
    try:
        sold_to = law.fy_bounds(fy)[1] if fy is not None and law is not None else None
    except ValueError:  # a FY ending after 9999: every sale is before its end
        sold_to = None
    try:
        ledger = ledger_of(book, sold_to=sold_to, lots=False, intraday=intraday_securities(policy))
    except LedgerError as e:
        raise Refused(diagnostics=[e.diagnostic]) from None
    fmv = fmv_table(book, policy, isin_db=isin_db)
    if law is not None and policy.portfolio is not None:
        losses = book.losses()
        span = (first, last if last is not None else first) if first is not None else sale_years(ledger, law, losses)
        fys = list(range(span[0], span[1] + 1)) if span else []
        return ledger, histories(ledger, policy, fmv, fys, losses) if fys else []
    from engine.tax.realised import realise

    _, problems = realise(ledger, policy, fmv, fy)  # says what the policy lacks (T101)
    return ledger, [TaxHistory(fy or 0, {}, (), tuple(problems))]


def realised_gains(book: Book, policy: Policy, *, first: int | None, last: int | None, investor: str | None = None,
                   isin_db: Path | None = None) -> Gains:
    """The realised gains of FYs `first` to `last` (both None: all), of one investor or all."""
    from engine.inputs import Refused
    from engine.tax.complete import portfolio_of

    ledger, found = histories_of(book, policy, first, last, isin_db)
    problems = tuple(dict.fromkeys(d for h in found for d in h.problems))
    if any(d.is_error for d in problems):
        raise Refused(diagnostics=problems)
    years = []
    for h in found:
        # chains only when the policy has its law and portfolio (histories_of)
        investors = [i for i in portfolio_of(policy).investors if not investor or i.id == investor] if h.chains else []
        years.append(GainsYear(h.fy, tuple(_investor(h, i.id, policy, ledger) for i in investors),
                               tuple(h.problems)))
    return Gains(tuple(years), problems)


def _investor(h: TaxHistory, investor: str, policy: Policy, ledger: Ledger) -> InvestorGains:
    """One investor's FY of a chained history: the year, its sales, intraday trades, Schedule CG's
    items and Schedule 112A's rows."""
    from engine.tax.complete import law_of, portfolio_of
    from engine.tax.intraday import speculative
    from engine.tax.schedule_112a import schedule_rows
    from engine.tax.schedule_cg import schedule_cg

    law = law_of(policy)
    sales = tuple(h.sales(investor))
    return InvestorGains(h.year(investor), sales, speculative(ledger.intraday, law.fy_of, investor, h.fy),
                         schedule_cg(sales, law), schedule_rows(sales, law, portfolio_of(policy), h.fy))


def schedule_112a_files(policy: Policy, fy: int | None, path: str, investor: str | None = None) -> dict[str, Path]:
    """Each investor's Schedule 112A file for FY `fy` (None: several FYs were asked for),
    checked before any work: Refused C160 (not one FY), C162 (the FY has no s.112A), C161 (a
    file that cannot be written)."""
    from engine.inputs import Refused
    from engine.literals import fy_label
    from engine.reports.schedule_112a import investor_paths, unwritable
    from engine.tax.schedule_112a import has_schedule

    law, portfolio = policy.tax, policy.portfolio
    if fy is None:
        raise Refused("--schedule-112a writes one FY's schedule: give --fy with one year, e.g. --fy 2024-25",
                      code="C160")
    if law is None or portfolio is None or not has_schedule(law, fy):
        raise Refused(f"{fy_label(fy)} has no Schedule 112A: the policy's tax law has no s.112A exemption for "
                      "it (s.112A applies to transfers from 1 April 2018, FY 2018-19 on)", code="C162")
    investors = [i.id for i in portfolio.investors if not investor or i.id == investor]
    paths = investor_paths(path, investors or [investor or "investor"])
    for target in paths.values():
        reason = unwritable(target)
        if reason:
            raise Refused(f"cannot write {target}: {reason}; nothing was computed", code="C161")
    return paths
