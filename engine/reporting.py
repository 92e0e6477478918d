"""`lotwise report`: the document a report is made of, and the PDF (docs/report.md). Public through
engine/api.py.

A report renders a plan's JSON document: a saved plan's body (by its id or the first characters
of it; the plan saved last when none is named), or a document a plan command printed with --json
(`plan month --json`, `rebalance --json`; read from a file by the CLI). The page itself is
engine/reports/client_build.py's and client_html.py's; the PDF is WeasyPrint's print of the same
page, where WeasyPrint is installed (the `pdf` extra: `pip install lotwise[pdf]`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.inputs import Refused
from engine.precision import with_precision

if TYPE_CHECKING:
    from engine.book.store import Book


@with_precision
def saved_document(book: Book, plan: str | None = None) -> tuple[str, Mapping[str, Any]]:
    """The saved plan `plan` (an id or its first characters; None: the plan saved last): its id and
    its JSON document, parsed. Refused C180 when the book has no plan, C181 when none has that id."""
    from engine.saved import saved_body

    found = saved_body(book, plan, codes=("C180", "C181"), otherwise=" (or report the status with `--status`)")
    return found[0], json.loads(found[1])


def report_kind(document: Mapping[str, Any]) -> str:
    """The kind of plan (or status) `document` is (engine/reports/client.py kind_of); Refused C183
    when it is none lotwise reports."""
    from engine.reports.client import kind_of

    kind = kind_of(document)
    if kind is None:
        raise Refused(f"cannot report a document of kind {document.get('kind')!r}: a report is of a year-end, "
                      "harvest, month or rebalance plan's JSON, or of a status", code="C183",
                      values={"kind": str(document.get("kind"))})
    return kind


def pdf_of(html: str) -> bytes:
    """The page printed as PDF by WeasyPrint (A4, the page's own `@page` style). Refused C184 when
    WeasyPrint (or a system library it needs, Pango) is missing."""
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its notes on CSS it ignores are not the user's
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        from weasyprint import HTML  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except (ImportError, OSError) as e:  # OSError: Pango or its libraries are missing
        raise Refused(f"--pdf needs WeasyPrint, which is not installed ({type(e).__name__}: {e}); install "
                      "lotwise[pdf] (`pip install 'lotwise[pdf]'`), or write --html and print it from a browser",
                      code="C184") from None
    data: bytes = HTML(string=html).write_pdf()  # no date in it: the page states none, nothing reads the clock
    return data


def applied_policy_of(book: Book, plan_id: str) -> Mapping[str, Any] | None:
    """The policy the saved plan `plan_id` (its whole id) applied, as the book keeps it with the plan
    (engine/book/saved_plans.py `policy_record`: each file's name, sha256 and text); None when the
    book has no plan of that id or the plan was saved before plans kept their policy. The report's
    appendix shows it (engine/reports/policy_html.py)."""
    from engine.book.saved_plans import saved_policy

    return saved_policy(book, plan_id)
