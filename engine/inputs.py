"""What a command reads from the book before it computes anything, built once by one loader
each: the ledger with its FMVs and tax history (`load_ledger`), and for the planners the
valued holdings, the tax position and each investor's money (`load_plan_inputs`, a
`PlanInputs`). The book and the policy are given; nothing here reads the clock, the
environment or the policy's files, and nothing prints: a reason to stop is raised as
`Refused`, carrying the message or the diagnostics a caller shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # the records' types only: the modules load with the first command that needs them
    from pathlib import Path

    from engine.diagnostics import Diagnostic
    from engine.book.store import Book
    from engine.fmv import FmvTable
    from engine.ledger.fifo import Ledger
    from engine.plans.contributions import Contributions
    from engine.plans.positions import Positions
    from engine.plans.sell_choice import TaxPosition
    from engine.policy.model import Policy
    from engine.tax.chain import TaxHistory
    from engine.tax.realised import RealisedPart
    from engine.tax.unrealised import Holding


class Refused(Exception):
    """Why a call cannot give its result: a `message` (a sentence, e.g. "plans need a policy
    with a portfolio of assets and a tax law") with its `code` (docs/diagnostics.md) and the
    `values` it names (so that a caller may word it in its own terms: the CLI names its options),
    or `diagnostics` (coded, with the `sources` they point into). The CLI prints the message
    after `lotwise: `, or renders the diagnostics."""

    def __init__(self, message: str | None = None, diagnostics: Sequence[Diagnostic] = (),
                 sources: Mapping[str, str] | None = None, *, code: str | None = None,
                 values: Mapping[str, Any] | None = None):
        super().__init__(message or "; ".join(d.message for d in diagnostics))
        self.message = message
        self.diagnostics = tuple(diagnostics)
        self.sources = dict(sources or {})
        self.code = code
        self.values = dict(values or {})

    def as_diagnostics(self) -> tuple[Diagnostic, ...]:
        """The refusal as coded diagnostics: its own, or its message as one error."""
        if self.diagnostics:
            return self.diagnostics
        from engine.diagnostics import error

        return (error(self.code or "C100", self.message or ""),)


def fmv_table(book: Book, policy: Policy, *, isin_db: Path | None = None) -> FmvTable:
    """FMVs on 31-01-2018 (s.55(2)(ac)) with their sources (engine/fmv.py): the book's; for
    funds it lacks, casparser-isin's offline table where that optional package is installed
    (`pip install 'lotwise[isin]'`; `isin_db`: its database, when not the package's own). Read
    once per command: the table a plan read is the one its id hashes."""
    from engine.book.importers.fmv_casparser_isin import fmv_from_casparser_isin
    from engine.fmv import FmvSource, FmvTable

    found = {security: (value, FmvSource.BOOK, name) for security, (value, name) in book.fmv_with_sources().items()}
    wanted: dict[str, str] = {}  # ISIN -> security id, for held funds with no FMV in the book
    for security in policy.portfolio.securities if policy.portfolio else ():
        isin = security.isin or security.id
        if security.id not in found and security.kind != "stock" and isin[:2] == "IN":
            wanted[isin] = security.id
    isin_values = fmv_from_casparser_isin(wanted, database=isin_db)  # {} when not installed
    if isin_values:
        from importlib.metadata import PackageNotFoundError, version

        try:
            package = version("casparser-isin")
        except PackageNotFoundError:  # its database read directly (engine/book/importers/fmv_casparser_isin.py)
            package = ""
        for isin, value in isin_values.items():
            found.setdefault(wanted[isin], (value, FmvSource.CASPARSER_ISIN, package))
    return FmvTable(found)


@dataclass(frozen=True)
class LedgerInputs:
    """The ledger of the transactions up to a day, the FMVs it was taxed with, and the tax
    history through that day's FY (engine/tax/chain.py)."""

    ledger: Ledger
    fmv: FmvTable
    history: TaxHistory


def load_ledger(book: Book, policy: Policy, until: date, *, lots: bool = True,
                isin_db: Path | None = None) -> LedgerInputs:
    """The ledger up to `until` (its open lots unless `lots` is False: the plans that value
    positions from the kept ledger), the FMVs, and every investor's years chained from the
    first the book knows through the FY of `until`, with that FY's realised parts. A policy
    without a tax law or a portfolio gives an empty history whose problems say so (T101).
    Raises Refused with the ledger's diagnostic when the history does not replay."""
    from engine.book.kept_ledger import ledger_of
    from engine.ledger.fifo import LedgerError
    from engine.tax.chain import TaxHistory, history
    from engine.tax.intraday import intraday_securities

    law = policy.tax
    fy = law.fy_of(until) if law is not None else None
    try:
        sold_to = law.fy_bounds(fy)[1] if fy is not None and law is not None else None
    except ValueError:  # a FY ending after 9999: every sale is before its end
        sold_to = None
    try:
        ledger = ledger_of(book, until=until, sold_to=sold_to, lots=lots, intraday=intraday_securities(policy))
    except LedgerError as e:
        raise Refused(diagnostics=[e.diagnostic]) from None
    fmv = fmv_table(book, policy, isin_db=isin_db)
    if law is None or policy.portfolio is None or fy is None:
        from engine.tax.realised import realise

        _, problems = realise(ledger, policy, fmv, fy)  # says what the policy lacks (T101)
        return LedgerInputs(ledger, fmv, TaxHistory(fy or 0, {}, (), tuple(problems)))
    return LedgerInputs(ledger, fmv, history(ledger, policy, fmv, fy, book.losses(), until))


Holdings = Union[Sequence["Holding"], "Positions"]


@dataclass(frozen=True)
class PlanInputs:
    """Everything a planner reads, on `as_of`: the valued holdings (or Positions, summed from
    the kept ledger, engine/plans/positions.py), each investor's realised gains and opening
    losses of the FY (TaxPosition), the FMVs and their sources, the warnings found while
    valuing (errors stop the loader), and each investor's money when asked for."""

    policy: Policy
    as_of: date
    ledger: Ledger  # without its lots when the holdings are Positions read from the kept ledger
    fmv: FmvTable
    history: TaxHistory
    holdings: Holdings
    position: TaxPosition
    problems: tuple[Diagnostic, ...]
    money: Contributions | None = field(default=None)


@dataclass(frozen=True)
class MoneyAsked:
    """The money a plan is given: per investor (`--from`), a total (`--invest`, `--cash`), or
    neither; `monthly` fills the gaps from the policy's SIP amounts (engine/plans/contributions.py).
    `option` names the total in messages."""

    given: Mapping[str, int] | None = None
    total: int | None = None
    monthly: bool = False
    option: str = "--invest"


def money_of(policy: Policy, asked: MoneyAsked) -> Contributions:
    """Each investor's money, or Refused saying why it cannot be told."""
    from engine.plans.contributions import contributions

    money = contributions(policy, asked.given, asked.total, monthly=asked.monthly, option=asked.option)
    if isinstance(money, str):
        raise Refused(money, code="C108")
    return money


def load_plan_inputs(book: Book, policy: Policy, as_of: date, *, positions: bool = False,
                     money: MoneyAsked | None = None, isin_db: Path | None = None) -> PlanInputs:
    """The one loader of the planners' inputs (PlanInputs). With `positions`, the holdings are
    Positions from the kept ledger, lots valued only for the assets a plan sells. Raises Refused:
    the ledger does not replay, the policy has no portfolio or law, a lot cannot be valued
    (the diagnostics, warnings with them), or the money cannot be told."""
    from engine.plans.positions import Positions, from_book
    from engine.plans.sell_choice import TaxPosition
    from engine.tax.unrealised import value_lots

    loaded = load_ledger(book, policy, as_of, lots=not positions, isin_db=isin_db)
    ledger, taxed = loaded.ledger, loaded.history
    if policy.portfolio is None or not policy.portfolio.assets or policy.tax is None:
        raise Refused("plans need a policy with a portfolio of assets and a tax law", code="C107")
    found = from_book(book, policy, book.latest_price, loaded.fmv, as_of) if positions else None
    holdings: Holdings
    if found is not None:
        holdings, more = found
    else:
        if positions and not ledger.lots:  # the kept ledger was read without its lots
            from engine.book.kept_ledger import ledger_of
            from engine.tax.intraday import intraday_securities

            ledger = ledger_of(book, until=as_of, intraday=intraday_securities(policy))
        valued, more = value_lots(ledger, policy, book.latest_price, loaded.fmv, as_of)
        holdings = Positions.of(valued) if positions else valued
    problems = tuple(more) + tuple(taxed.problems)
    if any(d.is_error for d in problems):
        raise Refused(diagnostics=problems)
    realised: dict[str, list[RealisedPart]] = {}
    for p in taxed.parts:
        realised.setdefault(p.investor, []).append(p)
    losses = {investor: list(taxed.opening(investor)) for investor in taxed.chains}
    position = TaxPosition(policy, taxed.fy, realised, losses)
    return PlanInputs(policy, as_of, ledger, loaded.fmv, taxed, holdings, position, problems,
                      money_of(policy, money) if money is not None else None)
