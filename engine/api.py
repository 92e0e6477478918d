"""The engine as a library: every reading and planning command of `lotwise` as a typed
function over frozen records. Nothing here parses arguments, prints, reads the clock or the
environment: the caller passes `as_of` (and `today` where a default depends on it) and the
options, keyword-only, and gets a record back; a reason to stop is raised as `Refused`
(engine/inputs.py). Each call runs with the engine's Decimal precision (engine/precision.py).

    with api.open_book("family.db") as book:
        policy = api.load_policy("family.rules").policy
        month = api.plan_month(book, policy, date(2026, 11, 21), given={"asha": 30000, "ravi": 20000},
                               remember=False)

The book and its transaction: `open_book` opens the book and runs the whole `with` block in
the transaction the caller's use needs (Access): READS, one read transaction (an import
committing meanwhile is seen entirely or not at all, and neither waits); WRITES, reads and
a save in one snapshot (waits for another writer); OWN, none (the call makes its own, as
`plan_year_end` does: its inputs, hashes and save in one snapshot). docs/api.md is the
reference; docs/reliability.md ("Concurrent commands") says why.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from engine.backtesting import Backtest, StrategyResult, backtest
from engine.backtesting import label_clash, monte_carlo
from engine.diagnostics import Diagnostic
from engine.gains import Gains, GainsYear, InvestorGains, realised_gains
from engine.importing import ImportOutcome, import_files
from engine.inputs import MoneyAsked, PlanInputs, Refused, load_plan_inputs, money_of
from engine.new_book import BookMade, create_book
from engine.opportunity import HarvestDue, due_among, harvest_due
from engine.plan_results import MonthResult, RebalanceResult
from engine.precision import with_precision
from engine.saved import SavedPlan, Why, plans, saved_policy, why
from engine.status import TURNING_LONG_TERM_DAYS, InvestorStatus, Status, TurningLongTerm, status
from engine.vocabulary import PlanKind, RebalanceMethod
from engine.year_end_checks import check_request, gap_warning, year_end_day

if TYPE_CHECKING:
    from engine.book.doctor import Report
    from engine.book.store import Book
    from engine.fmv import FmvTable
    from engine.harvest.year_end import YearEndPlan
    from engine.ledger.fifo import Lot
    from engine.policy.model import Policy
    from engine.tax.unrealised import Holding

__all__ = ["Access", "Refused", "PlanInputs", "LoadedPolicy", "Status", "InvestorStatus", "TurningLongTerm",
           "MonthResult", "SavedPlan", "plans", "saved_policy", "Gains", "GainsYear", "InvestorGains", "gains",
           "lots", "RebalanceResult", "YearEnd", "Why", "open_book", "load_policy", "load_plan_inputs", "status",
           "plan_month", "rebalance", "year_end_day", "plan_year_end", "why",
           "HarvestDue", "harvest_due", "plan_harvest", "PlanKind", "TURNING_LONG_TERM_DAYS",
           "BookMade", "create_book", "ImportOutcome", "import_files", "Doctored", "doctor",
           "Backtest", "StrategyResult", "backtest",
           "label_clash", "monte_carlo", "FundPrices", "PricesFetched", "import_navs",
           "saved_document", "report_kind", "pdf_of",
           "FromStatement", "init_from_cas"]


# ------------------------------------------------------------------ the book and the policy
class Access(str, Enum):
    """The transaction a `with open_book(...)` block runs in (module docstring)."""

    READS = "reads"
    WRITES = "writes"
    OWN = "own"


@contextmanager
def open_book(path: str | Path, *, access: Access = Access.READS, create: bool = False) -> Iterator[Book]:
    """The book at `path`, open for the `with` block, in the transaction `access` names, then
    closed (the last connection folds the -wal file into the .db). Raises BookError (engine/book/store.py)
    when it cannot be opened; `create` makes a missing book."""
    from engine.book.store import Book

    book = Book.open(Path(path), create=create)
    try:
        if access is Access.OWN:
            yield book
        else:
            with book.reading(writes=access is Access.WRITES):
                yield book
    finally:
        book.close()


@dataclass(frozen=True)
class LoadedPolicy:
    """A policy file checked: the resolved `policy` (None when there are errors), every
    diagnostic, and the text of every file read, by the name the diagnostics use."""

    policy: Policy | None
    diagnostics: tuple[Diagnostic, ...]
    sources: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return self.policy is not None and not any(d.is_error for d in self.diagnostics)


@with_precision
def load_policy(path: str | Path) -> LoadedPolicy:
    """Parse, resolve and validate the policy at `path` with every file it uses."""
    from engine.policy import check_file

    result = check_file(Path(path))
    return LoadedPolicy(result.policy if result.ok else None, tuple(result.diagnostics),
                        dict(result.sources))


@dataclass(frozen=True)
class Doctored:
    """`lotwise doctor`: the book's health (engine/book/doctor.py, a Report: the checks after
    the repairs, the repairs done) and what could not be repaired, and why."""

    report: Report
    not_repaired: tuple[str, ...]

    @property
    def healthy(self) -> bool:
        return self.report.healthy


def doctor(book: Book, *, repair: bool = False) -> Doctored:
    """Check the book; with `repair`, rebuild what is derived from the transactions (the kept
    ledger, the guarding triggers) and check again. Open the book with Access.OWN."""
    from engine.book.doctor import Report, examine
    from engine.book.doctor import repair as mend

    checks = examine(book)
    done, refused = mend(book, checks) if repair else ([], [])
    if done:
        checks = examine(book)
    return Doctored(Report(str(book.path), tuple(checks), tuple(done)), tuple(refused))


def _save(book: Book, write: Callable[[], object]) -> sqlite3.Error | None:
    """Run `write` (one save) and commit the block's snapshot with it (Book.reading); the SQLite
    error when the book could not keep it (read-only, a full disk, busy past the timeout)."""
    try:
        write()
        book.commit()
    except sqlite3.Error as e:
        return e
    return None


# ------------------------------------------------------------------ lots and gains
@with_precision
def lots(book: Book, policy: Policy | None = None, *, investor: str | None = None,
         security: str | None = None) -> tuple[Lot, ...]:
    """The open lots, FIFO per investor, account and security, of one investor and one security
    (each None: all; a security id in any case). `policy` says which securities are traded
    intraday (None: those of the book's last replay)."""
    from engine.book.kept_ledger import ledger_of
    from engine.ledger.fifo import LedgerError
    from engine.tax.intraday import intraday_securities

    intraday = intraday_securities(policy) if policy is not None else None
    try:
        ledger = ledger_of(book, sold_from=date.max, intraday=intraday)  # open lots only: none sold that late
    except LedgerError as e:
        raise Refused(e.diagnostic.message, diagnostics=[e.diagnostic], code=e.diagnostic.code) from None
    return tuple(lot for lot in ledger.lots if (not investor or lot.investor == investor)
                 and (not security or lot.security == security.upper()))


@with_precision
def gains(book: Book, policy: Policy, *, first: int | None, last: int | None, investor: str | None = None,
          isin_db: Path | None = None) -> Gains:
    """The realised gains of FYs `first` to `last` (both None: every FY from the first with a
    sale or a loss brought in to the last with a sale), each investor's (or one's) year, sales
    and intraday trades (engine/gains.py)."""
    return realised_gains(book, policy, first=first, last=last, investor=investor, isin_db=isin_db)


def fy_of(policy: Policy, day: date) -> int | None:
    """The FY `day` is in under the policy's law (None: the policy has no law)."""
    return policy.tax.fy_of(day) if policy.tax is not None else None


# ------------------------------------------------------------------ the month plan
@with_precision
def plan_month(book: Book, policy: Policy, as_of: date, *, given: Mapping[str, int] | None = None,
               total: int | None = None, remember: bool = True, isin_db: Path | None = None,
               policy_texts: Mapping[str, str] | None = None) -> MonthResult:
    """This month's SIP and controlled selling. `given`: each investor's money; `total`: the
    month's money split by the policy's SIP amounts; neither: the SIP amounts. `remember`
    saves the plan (an MP- id) with the policy's files (`policy_texts`: LoadedPolicy.sources)
    and the month's selling state, in one commit of the block's snapshot (open the book with
    Access.WRITES); the same plan saved again changes nothing."""
    from engine.plan_results import keep, money_options, month_id
    from engine.plans.drift import as_decimal
    from engine.plans.month_plan import plan_month as make_plan
    from engine.plans.selling import SellState
    from engine.reports.json import dumps
    from engine.reports.month import month_json

    inputs = load_plan_inputs(book, policy, as_of, positions=True, money=MoneyAsked(given, total, monthly=True),
                              isin_db=isin_db)
    assert inputs.money is not None
    money = dict(inputs.money.by_investor)
    month = f"{as_of.year:04d}-{as_of.month:02d}"
    remembered = book.sell_state_before(month)
    previous = SellState(remembered[0], remembered[1]) if remembered else None
    plan, more = make_plan(policy, inputs.holdings, money, as_of, previous, inputs.position, book.latest_price)
    due = harvest_due(book, policy, as_of, isin_db=isin_db) if policy.harvest.triggers else None
    ident, hashes = month_id(book, policy, as_of, money_options(inputs.money), inputs.fmv, remembered)
    made = MonthResult(as_of, month, inputs.money, remembered, plan, inputs.problems + tuple(more), None, due,
                       ident, hashes)
    made = replace(made, body=dumps(month_json(made)))
    if not remember:
        return made

    def write() -> None:  # the plan and the selling state: both or neither (a failure undoes the savepoint)
        with book.transaction():
            keep(book, policy, PlanKind.MONTH, ident, as_of, hashes, made.body, policy_texts)
            if policy.sell is not None:
                book.save_sell_state(month, plan.state.selling, plan.state.started,
                                     str(as_decimal(plan.drift_before)), as_of)

    save_error = _save(book, write)
    return replace(made, save_error=save_error, saved=save_error is None)


# ------------------------------------------------------------------ rebalance
@with_precision
def rebalance(book: Book, policy: Policy, as_of: date, *, method: RebalanceMethod | str | None = None,
              given: Mapping[str, int] | None = None, total: int | None = None, due_only: bool = False,
              record: bool = False, isin_db: Path | None = None, save: bool = False,
              policy_texts: Mapping[str, str] | None = None) -> RebalanceResult:
    """A textbook rebalance: `method` full, partial or cash (default: the policy's), with new
    money (`given` per investor or a `total`); `due_only` stops after the verdict; `record`
    remembers it was done on `as_of`; `save` keeps the plan (an RB- id) with the policy's files
    (`policy_texts`), one commit with `record` (either: open the book with Access.WRITES)."""
    from engine.plan_results import keep, money_options, rebalance_id
    from engine.plans.month_plan import drifts_of, orders_day, values_by_asset
    from engine.plans.rebalance import due, plan_rebalance
    from engine.reports.json import dumps
    from engine.reports.month import rebalance_json

    inputs = load_plan_inputs(book, policy, as_of, isin_db=isin_db)
    measure = policy.drift_measure
    drifts = drifts_of(policy, values_by_asset(inputs.holdings))  # type: ignore[arg-type]
    last = book.last_rebalance(as_of)
    verdict = due(policy, drifts, measure, as_of, last)
    base = RebalanceResult(as_of, measure, tuple(drifts), verdict, problems=inputs.problems)
    if due_only:
        return base
    asked = method or (policy.rebalance.method if policy.rebalance else None)
    if asked is None:
        raise Refused("say the method: full, partial or cash (the policy has no rebalance rule)", code="C101")
    method = RebalanceMethod(asked)
    money = money_of(policy, MoneyAsked(given, total, option="--cash")) if given or total else None  # the words: engine/plans/contributions.py
    cash = dict(money.by_investor) if money else {}
    if method == "cash" and not cash:
        raise Refused("the cash method needs new money: a total, or each investor's", code="C102")
    holdings = cast("Sequence[Holding]", inputs.holdings)  # loaded without `positions`: each lot valued
    plan = plan_rebalance(policy, holdings, drifts, method, cash, inputs.position, book.latest_price, as_of)
    day, day_notes = orders_day(policy, as_of)  # the trading day the orders are for (engine/calendar.py)
    ident, hashes = rebalance_id(book, policy, as_of, {"method": method, **money_options(money)}, inputs.fmv, last)
    made = replace(base, method=method, money=money, plan=plan, day=day, day_notes=tuple(day_notes), plan_id=ident,
                   hashes=hashes)
    made = replace(made, body=dumps(rebalance_json(made)))
    if not (save or record):
        return made

    def write() -> None:  # the plan and the day it was done: both or neither
        with book.transaction():
            if save:
                keep(book, policy, PlanKind.REBALANCE, ident, as_of, hashes, made.body, policy_texts)
            if record:
                book.record_rebalance(as_of, method)

    save_error = _save(book, write)
    return replace(made, save_error=save_error, saved=save and save_error is None)


# ------------------------------------------------------------------ the year-end plan
@dataclass(frozen=True)
class YearEnd:
    """`lotwise plan year-end`: the plan (engine/harvest/year_end.py), its id and input hashes
    (engine/book/saved_plans.py), the FMVs it read, its JSON as saved (`body`, and `data`,
    the value it is the dump of, reading as it parses: the reports are made from the plan as saved), the warnings, whether it was
    saved, and why saving failed, if it did (the plan is complete all the same)."""

    plan_id: str
    hashes: Mapping[str, str]
    options: Mapping[str, Any]
    plan: YearEndPlan
    fmv: FmvTable
    body: str
    data: Mapping[str, Any]
    problems: tuple[Diagnostic, ...]
    saved: bool
    save_error: sqlite3.Error | None = None
    due: HarvestDue | None = None  # `plan harvest`: the triggers checked on as_of


@with_precision
def plan_year_end(book: Book, policy: Policy, as_of: date, *, fy: int | None = None,
                  given: Mapping[str, int] | None = None, total: int | None = None, save: bool = True,
                  policy_texts: Mapping[str, str] | None = None,
                  before_save: Callable[[YearEnd], None] | None = None, solver_log: bool = False,
                  isin_db: Path | None = None, kind: PlanKind = PlanKind.YEAR_END,
                  time_limit: float | None = 60.0, progress: Callable[[int, int, str], None] | None = None,
                  investor: str | None = None) -> YearEnd:
    """Harvest each investor's losses and gains within the exemption, with a reason for every
    lot, and (with `save`) keep the plan in the book with the policy's files (`policy_texts`:
    LoadedPolicy.sources); `solver_log`: HiGHS's log on stderr. Its inputs, hashes and save are one snapshot: open the book with
    Access.OWN. `before_save` is called with the plan before it is saved; an exception it
    raises stops the save and comes out of this call. `time_limit`: seconds for each investor's
    solve (None: none); when it binds the plan says its proven gap (warning H101), or, with no plan
    found, the call is refused (H102). `progress(done, investors, investor)` is called before each
    investor's solve and at the end (the CLI draws it on a terminal). `kind` HARVEST: `plan harvest`
    (plan_harvest). `investor`: the plan of that one investor (the others' lots untouched, their money
    not placed; an option of the plan's id, which without it is the whole family's)."""
    from engine.book.rows import corrupt
    from engine.book.saved_plans import input_hashes, plan_id, policy_record
    from engine.book.saved_plans import save as save_plan
    from engine.harvest.optimizer import SolverStopped
    from engine.harvest.year_end import plan, text_and_body

    check_request(policy, as_of, fy, investor, given)
    made: YearEnd | None = None
    refused: Refused | None = None
    try:
        with book.snapshot():
            try:
                inputs = load_plan_inputs(book, policy, as_of, money=MoneyAsked(given, total), isin_db=isin_db)
            except Refused as e:  # said after the snapshot ends, as it ends when nothing is refused
                refused = e
            else:
                assert inputs.money is not None
                money = {i: m for i, m in inputs.money.by_investor.items() if investor in (None, i)}
                options: dict[str, object] = {"invest": {i: m for i, m in money.items() if m}}
                if investor is not None:  # only then: the whole family's plan keeps its id
                    options["investor"] = investor
                hashes = input_hashes(book, policy, as_of, options, inputs.fmv)
                ident = plan_id(kind, hashes)
                try:
                    result = plan(policy, inputs.holdings, inputs.position, as_of, money,  # type: ignore[arg-type]
                                  book.latest_price, solver_log=solver_log, time_limit=time_limit, progress=progress,
                                  investor=investor)
                except SolverStopped as e:
                    raise Refused(str(e), code="H102", values={"investor": e.investor, "time_limit": time_limit}) \
                        from None
                gaps = [ip for ip in result.harvest.investors if ip.gap is not None]
                if gaps:  # not the exact plan: an id of its own (the limit is one of its inputs)
                    options = {**options, "time_limit": time_limit}
                    hashes = input_hashes(book, policy, as_of, options, inputs.fmv)
                    ident = plan_id(kind, hashes)
                    inputs = replace(inputs, problems=inputs.problems + tuple(gap_warning(ip.investor, ip.gap, time_limit)
                                                                              for ip in gaps if ip.gap is not None))
                due = (due_among(book, policy, as_of, inputs.holdings)  # type: ignore[arg-type]  # valued lots
                       if kind is PlanKind.HARVEST else None)
                text, data = text_and_body(ident, hashes, options, result, inputs.fmv, kind=kind,
                                           due=None if due is None else [f.to_json() for f in due.fired])
                made = YearEnd(ident, hashes, options, result, inputs.fmv, text, data, inputs.problems,
                               save, due=due)  # data: the value dumped, not parsed again (text_and_body)
                if before_save is not None:
                    before_save(made)
                if save:
                    save_plan(book, ident, kind, as_of, result.harvest.fy, hashes, made.body,
                              policy_record(policy, policy_texts or {}))
    except sqlite3.Error as e:
        if made is None and corrupt(e):  # pages overwritten: the caller says so
            raise
        if made is None:  # the inputs could not be read (or the book not locked for the save): no plan
            from engine.book.store import BookBusy

            if isinstance(e, BookBusy):
                raise Refused(f"{e}; nothing was saved", code="B130") from e
            raise Refused(f"the book {book.path} could not be read: {e}", code="B104") from e
        return replace(made, saved=False, save_error=e)
    if refused is not None:
        raise refused
    assert made is not None
    return made


@with_precision
def plan_harvest(book: Book, policy: Policy, as_of: date, *, given: Mapping[str, int] | None = None,
                 total: int | None = None, save: bool = True, policy_texts: Mapping[str, str] | None = None,
                 before_save: Callable[[YearEnd], None] | None = None, solver_log: bool = False,
                 isin_db: Path | None = None, time_limit: float | None = 60.0,
                 progress: Callable[[int, int, str], None] | None = None, investor: str | None = None) -> YearEnd:
    """`lotwise plan harvest`: the year-end optimizer on any day of its FY, with the FY's gains
    realised up to `as_of` (as plan_year_end reads them), saved as an HV- plan whose JSON says
    which harvest triggers fired on `as_of` (`due`; the plan is made when none did). Open the
    book with Access.OWN. `time_limit`, `progress` and `investor` as for plan_year_end."""
    return plan_year_end(book, policy, as_of, given=given, total=total, save=save, policy_texts=policy_texts,
                         before_save=before_save, solver_log=solver_log, isin_db=isin_db, kind=PlanKind.HARVEST,
                         time_limit=time_limit, progress=progress, investor=investor)


# ------------------------------------------------------------------ prices fetched
from engine.fetched_prices import FundPrices, PricesFetched, import_navs  # noqa: E402  (added last: issue 16)
# ------------------------------------------------------------------ the client's report (docs/report.md)
from engine.reporting import pdf_of, report_kind, saved_document  # noqa: E402  (light: its heavy imports are in its functions)
# ------------------------------------------------------------------ starting from a statement
from engine.from_statement import FromStatement, init_from_cas  # noqa: E402  (issue 16: `init --from-cas`)


# ------------------------------------------------------------------ Schedule 112A (issue 16)
def schedule_112a_files(policy: Policy, fy: int | None, path: str, *, investor: str | None = None) -> dict[str, Path]:
    """`gains --schedule-112a FILE`: each investor's file for FY `fy` (one file per investor, the
    utility importing one taxpayer's rows: FILE itself for one, FILE-ID.ext for several), checked
    before any work; Refused C160 (several FYs: `fy` None), C162 (no s.112A in the FY), C161
    (a file that cannot be written)."""
    from engine.gains import schedule_112a_files as files

    return files(policy, fy, path, investor)


def schedule_112a_csv(found: InvestorGains, fy: int) -> str:
    """One investor's Schedule 112A of FY `fy` (`found` from api.gains) as the utility's CSV
    template has it (docs/schedule-112a.md)."""
    from engine.reports.schedule_112a import schedule_csv
    from engine.tax.schedule_112a import transfer_column

    return schedule_csv(found.schedule_112a, transfer_column(fy))


__all__ += ["schedule_112a_files", "schedule_112a_csv"]


# ------------------------------------------------------------------ the batch (issue 17)
@with_precision
def year_end_id(book: Book, policy: Policy, as_of: date, *, fy: int | None = None,
                given: Mapping[str, int] | None = None, total: int | None = None, isin_db: Path | None = None,
                kind: PlanKind = PlanKind.YEAR_END, investor: str | None = None) -> str:
    """The id `plan_year_end` (with the same arguments) gives its plan, found without planning: its
    inputs read and hashed as it reads and hashes them (`lotwise batch` skips a client whose plan
    for these inputs is saved). A plan whose solve hit its time limit has another id (the limit is
    one of its options): it is planned again. Open the book with Access.READS."""
    from engine.book.saved_plans import input_hashes, plan_id

    check_request(policy, as_of, fy, investor, given)
    inputs = load_plan_inputs(book, policy, as_of, money=MoneyAsked(given, total), isin_db=isin_db)
    assert inputs.money is not None
    money = {i: m for i, m in inputs.money.by_investor.items() if investor in (None, i)}
    options: dict[str, object] = {"invest": {i: m for i, m in money.items() if m}}  # as plan_year_end's
    if investor is not None:
        options["investor"] = investor
    return plan_id(kind, input_hashes(book, policy, as_of, options, inputs.fmv))


__all__ += ["year_end_id"]


# ------------------------------------------------------------------ policies highlighted (issue 18)
from engine.reporting import applied_policy_of  # noqa: E402  (light: the book's reader is imported in it)


def docs_html(text: str, folder: Path | None = None) -> str:
    """A page of the docs (its Markdown `text`; `folder`: where its images are) as one self-contained
    HTML page, its ```lotwise fences highlighted (engine/reports/docs_html.py; `lotwise docs TOPIC --html FILE`)."""
    from engine.reports.docs_html import docs_html as page

    return page(text, folder)


__all__ += ["applied_policy_of", "docs_html"]
