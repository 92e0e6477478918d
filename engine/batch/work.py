"""The work on one client: open its book, load its policy, call the API as the single command
does (saving the plan in the client's own book), and say what came of it as an `Outcome`.

Nothing a client's book or policy does stops the batch: a refusal (a bad policy, a missing
price), a book that cannot be opened (not a book, damaged) and any other exception (a bug)
become a failed Outcome carrying the diagnostics the single command would print (a bug as X001,
its type and message). `run_job` is a plain function of module level: engines pickle it to their
workers (engines.py). It never prints, reads no clock and no environment."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.batch.jobs import BatchCommand, Job, Outcome, OutcomeStatus
from engine.book.saved_plans import load, made_again, planned_on
from engine.diagnostics import Diagnostic, error, render_all
from engine.inputs import Refused

if TYPE_CHECKING:
    from engine.api import LoadedPolicy
    from engine.book.store import Book

__all__ = ["run_job", "warm", "outcome_of_plan", "codes_of"]


def warm() -> None:
    """What every job needs, imported once per worker process (an engine's initializer) rather
    than paid by its first client: the API, the optimizer and its solver, the reports."""
    import engine.api  # noqa: F401
    import engine.harvest.year_end  # noqa: F401
    import engine.reports.json  # noqa: F401
    import engine.reports.year_end  # noqa: F401


def run_job(job: Job) -> Outcome:
    """`job.command` on `job.client`'s book: its Outcome, never an exception."""
    from engine.book.store import BookError

    try:
        return _run(job)
    except Refused as e:
        return failed(job, e.as_diagnostics(), e.sources)
    except BookError as e:
        return failed(job, [error(e.code, str(e))])
    except sqlite3.Error as e:
        return failed(job, [error("B131", f"the book could not be used: {e}; nothing was saved")])
    except Exception as e:  # noqa: BLE001 - one client's bug never stops the others
        return failed(job, [error("X001", f"internal error: {type(e).__name__}: {e}")])


def failed(job: Job, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic],
           sources: Mapping[str, str] | None = None) -> Outcome:
    """A failed Outcome: the errors rendered as the single command prints them."""
    errors = [d for d in diagnostics if d.is_error] or list(diagnostics)
    text = render_all(errors, dict(sources or {}))
    return Outcome(job.client.name, OutcomeStatus.FAILED, codes=tuple(d.code for d in errors),
                   errors=(text,) if text else ())


def _run(job: Job) -> Outcome:
    from engine import api

    access = api.Access.OWN if job.command is BatchCommand.YEAR_END else (
        api.Access.WRITES if job.command is BatchCommand.MONTH else api.Access.READS)
    with api.open_book(job.client.book, access=access) as book:
        loaded = _policy(job, book)
        assert loaded.policy is not None
        if job.as_of is None:  # as the single command's default (its day within --fy for a year-end plan)
            fy = job.fy if job.command is BatchCommand.YEAR_END else None
            job = replace(job, as_of=api.year_end_day(loaded.policy, fy=fy, today=job.today))
        day = _day(job)
        if job.command is BatchCommand.YEAR_END:
            made = _year_end(job, book, loaded)
        elif job.command is BatchCommand.MONTH:
            made = _month(job, book, loaded)
        elif job.command is BatchCommand.STATUS:
            status = api.status(book, loaded.policy, day, isin_db=job.isin_db)
            made = Outcome(job.client.name, OutcomeStatus.OK, worth=status.value, warnings=codes_of(status.problems))
        elif job.command is BatchCommand.GAINS:
            made = _gains(job, book, loaded)
        elif job.command is BatchCommand.BACKTEST:  # the policy's own run over the book's prices
            run = api.backtest(book, loaded.policy, strategies=["policy"], money=job.client.given)
            measures = run.results[0].measures
            made = Outcome(job.client.name, OutcomeStatus.OK, tax_after=measures.tax, orders=measures.orders,
                           worth=measures.final_value)
        else:  # REPORT: the plan saved last, reported
            document = api.saved_document(book)[1]
            made = outcome_of_plan(job, document, OutcomeStatus.OK)
        if job.reports is not None and made.plan_id is not None:
            made = _report(job, book, loaded, made)
    return made


def _day(job: Job) -> date:
    """The job's day, once `_run` has settled it."""
    assert job.as_of is not None
    return job.as_of


def _policy(job: Job, book: Book) -> LoadedPolicy:
    """The client's policy (the manifest's, else the one its book remembers), read and checked
    afresh for each client, so that a file edited between two batches in one long-lived worker (a
    Dask cluster's, say) is read as it is now; the files it uses are parsed once per process while
    their text is unchanged (engine/policy/loader.py parsed_file). Refused as `lotwise` refuses it
    (C110, C111, the errors)."""
    from engine.api import load_policy

    name = str(job.client.policy) if job.client.policy is not None else book.get("policy")
    if not name:
        raise Refused("no policy: the book remembers none (`lotwise init --policy FILE` once), and the manifest "
                      "names none", code="C110")
    if not Path(name).is_file():
        raise Refused(f"the policy {name} does not exist", code="C111", values={"policy": name})
    loaded = load_policy(name)
    if not loaded.ok:
        raise Refused(diagnostics=loaded.diagnostics, sources=loaded.sources)
    return loaded


def _saved(book: Book, ident: str | None) -> Mapping[str, Any] | None:
    """The saved plan `ident`'s document, when the book has it."""
    if ident is None:
        return None
    found = load(book, ident)
    return json.loads(found[1]) if found is not None and found[0] == ident else None


def _year_end(job: Job, book: Book, loaded: LoadedPolicy) -> Outcome:
    """`plan year-end`, saved; skipped when the plan for the same inputs is saved already."""
    from engine import api

    assert loaded.policy is not None
    client = job.client
    if planned_on(book, api.PlanKind.YEAR_END, _day(job)):
        with book.reading():
            ident = api.year_end_id(book, loaded.policy, _day(job), fy=job.fy, given=client.given,
                                    isin_db=job.isin_db, investor=client.investor)
            document = _saved(book, ident)
        if document is not None:
            made_again(book, ident)  # as the single command does with a plan made again: `report` finds it
            return outcome_of_plan(job, document, OutcomeStatus.SKIPPED)
    made = api.plan_year_end(book, loaded.policy, _day(job), fy=job.fy, given=client.given, save=True,
                             policy_texts=loaded.sources, isin_db=job.isin_db, investor=client.investor)
    if made.save_error is not None:
        raise Refused(f"the plan was not saved: {made.save_error}; the book is unchanged", code="B105")
    return replace(outcome_of_plan(job, made.data, OutcomeStatus.OK), warnings=codes_of(made.problems))


def _month(job: Job, book: Book, loaded: LoadedPolicy) -> Outcome:
    """`plan month`, remembered; skipped when the plan for the same inputs is saved already."""
    from engine import api

    assert loaded.policy is not None
    if planned_on(book, api.PlanKind.MONTH, _day(job)):
        found = api.plan_month(book, loaded.policy, _day(job), given=job.client.given, remember=False,
                               isin_db=job.isin_db)
        document = _saved(book, found.plan_id)
        if document is not None:
            made_again(book, found.plan_id)
            return outcome_of_plan(job, document, OutcomeStatus.SKIPPED)
    made = api.plan_month(book, loaded.policy, _day(job), given=job.client.given, remember=True,
                          isin_db=job.isin_db, policy_texts=loaded.sources)
    if made.save_error is not None:
        raise Refused(f"the plan was not saved: {made.save_error}; the book is unchanged", code="B105")
    return replace(outcome_of_plan(job, json.loads(made.body), OutcomeStatus.OK), warnings=codes_of(made.problems))


def _gains(job: Job, book: Book, loaded: LoadedPolicy) -> Outcome:
    """`gains` of the FY asked (default: that of the day): the tax after set-off and the
    exemption used, summed over the investors."""
    from engine import api

    assert loaded.policy is not None
    fy = job.fy if job.fy is not None else api.fy_of(loaded.policy, _day(job))
    found = api.gains(book, loaded.policy, first=fy, last=fy, isin_db=job.isin_db)
    years = [inv.year for year in found.years for inv in year.investors]
    return Outcome(job.client.name, OutcomeStatus.OK, tax_after=sum((y.total_tax for y in years), Decimal(0)),
                   exemption_used=sum((y.exemption_used for y in years), Decimal(0)), warnings=codes_of(found.problems))


def codes_of(problems: tuple[object, ...]) -> tuple[str, ...]:
    """The warnings' codes, each once, in order."""
    return tuple(dict.fromkeys(str(getattr(p, "code", "")) for p in problems))


def outcome_of_plan(job: Job, document: Mapping[str, Any], status: OutcomeStatus) -> Outcome:
    """A plan's numbers from its JSON document (as saved): for a year-end or harvest plan each
    investor's tax (with cess) before and after, exemption used after and value, summed; the
    orders of any plan."""
    investors = document.get("investors")
    orders = document.get("orders")
    count = len(orders) if isinstance(orders, list) else None
    if document.get("kind") not in ("year-end", "harvest") or not isinstance(investors, list):
        return Outcome(job.client.name, status, str(document.get("plan_id")), orders=count)

    def total(read: Any) -> Decimal:
        return sum((Decimal(read(inv)) for inv in investors), Decimal(0))

    return Outcome(job.client.name, status, str(document["plan_id"]),
                   tax_before=total(lambda inv: inv["before"]["total_tax"]),
                   tax_after=total(lambda inv: inv["after"]["total_tax"]),
                   exemption_used=total(lambda inv: inv["after"]["exemption_used"]),
                   value=total(lambda inv: inv["value"]), orders=count)


def _report(job: Job, book: Book, loaded: LoadedPolicy, made: Outcome) -> Outcome:
    """The client's report of its plan (`made.plan_id`) as HTML in `job.reports`, CLIENT.html
    (docs/report.md: the page `lotwise report --html` writes)."""
    from engine import __version__, api
    from engine.files import WriteError, write_atomically
    from engine.reports.client_build import client_report
    from engine.reports.client_charts import allocation_svg
    from engine.reports.client_html import client_html

    assert job.reports is not None and made.plan_id is not None and loaded.policy is not None
    document = api.saved_document(book, made.plan_id)[1]
    report = client_report(document, loaded.policy)
    target = job.reports / f"{job.client.name}.html"
    try:
        write_atomically(str(target), client_html(report, allocation_svg(report.weights), __version__))
    except WriteError as e:  # the plan is made (and saved): its numbers stay, the report's failure is said
        text = render_all([error("F101", f"the report was not written: {e}")], {})
        return replace(made, status=OutcomeStatus.FAILED, codes=("F101",), errors=(text,))
    return replace(made, report=str(target))
