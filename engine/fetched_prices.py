"""AMFI's NAVs, downloaded, into the book (`lotwise prices fetch`, public as `api.import_navs`).

The CLI downloads (engine/cli/fetch.py: the network is its business, as the clock is); this
takes the bytes. It checks that they are AMFI's file (a web page, an empty body or a download
cut mid-row is refused with a clear error, B150-B152), then imports them as `lotwise import`
imports the same file (engine/importing.py `import_read`, through the NAVAll or the NAV
history importer: only the policy's funds are kept, the same bytes twice add nothing, the
download's URL is recorded as the file's name), and says per fund what came in, which of the
policy's funds the file lacks (a warning each, B153) and the NAV date (a warning when it is
far from `as_of`, B154). Nothing here reads the clock or the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.diagnostics import Diagnostic, Span, error, source_lines, warning
from engine.importing import ImportOutcome, import_read
from engine.precision import with_precision
from engine.transactions import Price
from engine.vocabulary import SecurityKind

if TYPE_CHECKING:
    from engine.book.store import Book
    from engine.policy.model import Policy

NAVALL, HISTORY = "amfi-navall", "amfi-history"  # the importers' KINDs (engine/book/importers)
STALE_DAYS = 7  # a NAVAll.txt whose NAVs are older than this before `as_of` is warned of (B154)
WHAT = {NAVALL: "AMFI's NAVAll.txt", HISTORY: "AMFI's NAV history report"}


@dataclass(frozen=True)
class FundPrices:
    """One policy fund's NAVs in the file: how many, how many were new to the book (`added`)
    or replaced a different NAV of the same day (`updated`), their first and last day, and
    the NAV of the last."""

    security: str
    name: str
    prices: int
    added: int
    updated: int
    first: date
    last: date
    nav: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"security": self.security, "name": self.name, "prices": self.prices, "added": self.added,
                "updated": self.updated, "first": self.first.isoformat(), "last": self.last.isoformat(),
                "nav": str(self.nav)}


@dataclass(frozen=True)
class PricesFetched:
    """What `import_navs` did: the import (`outcome`, as `lotwise import` reports it: all or
    nothing), and when it wrote, each policy fund found (`funds`, in the policy's order), the
    policy's funds the file has no NAV for (`lacking`), the latest NAV date in the file
    (`nav_date`), and the warnings about them (`problems`)."""

    source: str
    as_of: date
    outcome: ImportOutcome
    funds: tuple[FundPrices, ...] = ()
    lacking: tuple[str, ...] = ()
    nav_date: date | None = None
    problems: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "source": self.source, "as_of": self.as_of.isoformat(),
                "nav_date": self.nav_date.isoformat() if self.nav_date else None,
                "files": [r.to_json() for r in self.outcome.reports],
                "funds": [f.to_json() for f in self.funds], "lacking": list(self.lacking),
                "diagnostics": [d.to_json() for d in (*self.outcome.diagnostics, *self.problems)]}


def _not_amfi(data: bytes, source: str, kind: str) -> Diagnostic | None:
    """Why the bytes are not AMFI's file of `kind` (B150 a web page or another file, B151 an
    empty body, B152 cut short mid-row), or None."""
    from engine.book.importers.amfi_rows import DATE, NO_NAV, first_line, is_header, is_history_header

    what = WHAT[kind]
    text = data.decode("utf-8-sig", errors="replace")
    first = first_line(text)
    if not first:
        return error("B151", f"`{source}` is empty, not {what}", hint="download it again; is the URL right?")
    if first.startswith("<") or "<html" in text[:2000].lower():
        return error("B150", f"`{source}` is a web page (HTML), not {what}",
                     hint="the server sent an error or a login page: check the URL, or download it again later")
    if not is_header(first) or is_history_header(first) != (kind == HISTORY):
        shown = first if len(first) <= 60 else first[:57] + "..."
        return error("B150", f"`{source}` is not {what}: it starts `{shown}`",
                     hint="AMFI's NAV files start with the header Scheme Code;ISIN Div Payout/ ISIN Growth;...")
    lines = source_lines(text.lstrip("\ufeff"))
    last = len(lines) - next(i for i, line in enumerate(reversed(lines)) if line.strip())
    if last == 1:  # the header and nothing after it
        return error("B151", f"`{source}` has AMFI's header and no NAVs, not {what}",
                     hint="download it again; is the URL (or the date range) right?")
    width = first.count(";")
    row = lines[last - 1]
    end = row.rsplit(";", 1)[-1].strip()
    if ";" in row and (row.count(";") < width or not (DATE.match(end) or end.lower() in NO_NAV)):
        return error("B152", f"`{source}` ends in the middle of a row (line {last}): the download was cut short",
                     Span(source, last, 1, last, 1 + max(1, len(row))),
                     "download it again; nothing was imported")
    return None


@with_precision
def import_navs(book: Book, policy: Policy, data: bytes, source: str, as_of: date, *,
                history: bool = False) -> PricesFetched:
    """Import the NAVs of the policy's funds from `data`, AMFI's NAVAll.txt (with `history`,
    its NAV history report) as downloaded from `source` (the URL, recorded as the file's name).
    Open the book with Access.OWN: the import makes its own transaction. Refused when the book
    cannot be written."""
    from engine.book.importers import read_bytes

    kind = HISTORY if history else NAVALL
    refused = _not_amfi(data, source, kind)
    if refused is not None:
        shown = {source: data.decode("utf-8-sig", errors="replace")} if refused.span is not None else {}
        return PricesFetched(source, as_of, ImportOutcome(False, diagnostics=(refused,), sources=shown))
    result = read_bytes(data, source, policy)
    if result.ok and result.kind != kind:  # told apart by _not_amfi's header check: never expected
        raise AssertionError(f"{source}: read as {result.kind}, not {kind}")
    prices = [r for r in result.records if isinstance(r, Price)]
    held = _held(book, prices)
    outcome = import_read(book, result, source, policy)
    if not outcome.ok:
        return PricesFetched(source, as_of, outcome)
    already = any(r.already_imported for r in outcome.reports)
    funds, lacking = _per_fund(policy, prices, held, written=not already)
    nav_date = max((p.date for p in prices), default=None)
    problems = [warning("B153", f"{security} ({_names(policy)[security]}): {WHAT[kind]} has no NAV for it",
                        hint="a scheme closed or merged has none; else check the fund's ISIN in the policy")
                for security in lacking]
    problems += [warning("B155", f"{f.security}: this file was imported before the policy named the fund, so its "
                         f"NAV of {f.last} is not in the book", hint="import a later file (fetch again tomorrow)")
                 for f in funds if already and _missing(held, f, prices)]
    if nav_date is not None and not history and not 0 <= (as_of - nav_date).days <= STALE_DAYS:
        how = f"{(as_of - nav_date).days} days before" if nav_date < as_of else "after"
        problems.append(warning("B154", f"the NAVs are of {nav_date}, {how} {as_of}",
                                hint="AMFI's file has the last business day's NAVs: is the URL a stale copy?"))
    return PricesFetched(source, as_of, outcome, tuple(funds), tuple(lacking), nav_date, tuple(problems))


def _held(book: Book, prices: Sequence[Price]) -> dict[tuple[str, date], Decimal]:
    """The book's prices on the securities and days of `prices`, before the import."""
    spans: dict[str, tuple[date, date]] = {}
    for p in prices:
        first, last = spans.get(p.security, (p.date, p.date))
        spans[p.security] = (min(first, p.date), max(last, p.date))
    return {(p.security, p.date): p.price for security, (first, last) in spans.items()
            for p in book.prices_between(security, first, last)}


def _names(policy: Policy) -> dict[str, str]:
    return {s.id: s.name for s in policy.portfolio.securities} if policy.portfolio else {}


def _per_fund(policy: Policy, prices: Sequence[Price], held: Mapping[tuple[str, date], Decimal], *,
              written: bool) -> tuple[list[FundPrices], list[str]]:
    """Each policy security's NAVs in the file (in the policy's order; none added or updated
    unless `written`: a file imported before adds nothing), and the funds with none."""
    found, lacking = [], []
    for security in policy.portfolio.securities if policy.portfolio else ():
        own = sorted((p for p in prices if p.security == security.id), key=lambda p: p.date)
        if not own:
            if security.kind is SecurityKind.FUND:  # ETFs and stocks: not AMFI's to price
                lacking.append(security.id)
            continue
        added = sum((p.security, p.date) not in held for p in own) if written else 0
        updated = sum(held.get((p.security, p.date), p.price) != p.price for p in own) if written else 0
        found.append(FundPrices(security.id, security.name, len(own), added, updated, own[0].date, own[-1].date,
                                own[-1].price))
    return found, lacking


def _missing(held: Mapping[tuple[str, date], Decimal], fund: FundPrices, prices: Sequence[Price]) -> bool:
    """Whether a fund's NAVs in a file imported before are not all in the book."""
    return any((p.security, p.date) not in held for p in prices if p.security == fund.security)
