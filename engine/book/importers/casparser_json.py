"""casparser's JSON: a CAMS/KFintech CAS as `casparser CAS.pdf -o cas.json` writes it.

folios -> schemes -> transactions. One folio is one account; a scheme is a security, by
its ISIN; the investor is found from the folio's PAN, else the holder's name (the folio's
`name`, else `investor_info.name`) against the investor's `name` and `alias`es. Units that
leave a folio are negative in the CAS; lotwise stores them positive. Stamp duty rows are
added to the cost of the purchase they belong to; STT rows are dropped (STT is never a
cost or a deduction, s.48); a REVERSAL cancels the row it reverses. What lotwise cannot
yet treat exactly (segregated portfolios, gifts) is an error, never a guess.

A scheme's opening units (`open`) are checked against the book when the caller gives what the
book holds (`held`, computed by the book: engine/book/kept_ledger.py `units_held`): the statement
opens at the start of its first day (`statement_period.from`, else the scheme's first row),
before that day's transactions, which is what the book holds at the end of the day before.

The statement's NAVs (each priced row's and each scheme's `valuation`) come with the
transactions (`read_all`): the import adds them as prices where the book has none for that
security and day (docs/file-formats.md, "Prices from the statement").

Diagnostic codes I150-I179 (docs/file-formats.md lists them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Mapping

from engine.diagnostics import Diagnostic, Span, error
from engine.book.importers.casparser_fields import Constant, JsonObject, Positions, Reader, Where, describe, jpath
from engine.book.importers.casparser_investors import Owners, owners_of
from engine.transactions import Price, Transaction, TxType

if TYPE_CHECKING:
    from engine.policy.model import Policy

KIND, STORES = "casparser-json", "transactions"

# casparser's TransactionType -> lotwise. Older casparser wrote DIVIDEND_REINVESTMENT.
ACQUIRES = {"PURCHASE": TxType.BUY, "PURCHASE_SIP": TxType.BUY, "SWITCH_IN": TxType.SWITCH_IN,
            "DIVIDEND_REINVEST": TxType.DIVIDEND_REINVEST, "DIVIDEND_REINVESTMENT": TxType.DIVIDEND_REINVEST,
            "SWITCH_IN_MERGER": TxType.MERGER_IN}
OUTFLOWS = {"REDEMPTION": TxType.SELL, "SWITCH_OUT": TxType.SWITCH_OUT, "SWITCH_OUT_MERGER": TxType.MERGER_OUT}
NO_UNITS = ("STAMP_DUTY_TAX", "STT_TAX", "TDS_TAX", "DIVIDEND_PAYOUT", "MISC")
UNSUPPORTED = ("SEGREGATION", "GIFT_IN", "GIFT_OUT", "UNKNOWN")
KNOWN_TYPES = (*ACQUIRES, *OUTFLOWS, *NO_UNITS, "REVERSAL", *UNSUPPORTED)
# Rows a stamp duty row may belong to: purchases (stamp duty is levied on switch-ins and
# reinvested dividends too, not on merger allotments), reversals (a refunded stamp duty)
# and rows already reported as unsupported (so that their stamp duty is not reported too).
STAMPED = (TxType.BUY, TxType.SWITCH_IN, TxType.DIVIDEND_REINVEST)

_DETECT = re.compile(r'"folios"\s*:')


def detect(text: str) -> bool:
    """A JSON object with a "folios" key (a CAMS/KFintech CAS; demat CAS JSON has none)."""
    return text.lstrip("\ufeff \t\r\n").startswith("{") and _DETECT.search(text) is not None


# --------------------------------------------------------------------- rows
@dataclass
class _Row:
    """One transaction of a scheme, as read (units signed as in the CAS)."""

    where: Where
    line: int
    date: date | None
    kind: str
    units: Decimal | None
    amount: Decimal | None
    nav: Decimal | None
    description: str
    readable: bool = True  # every field read; False: already reported, take no part in matching
    charges: Decimal = Decimal(0)
    cancelled: bool = False

    @property
    def tx_type(self) -> TxType | None:
        return ACQUIRES.get(self.kind) or OUTFLOWS.get(self.kind)



# ---------------------------------------------------------------------- read
# The units a book holds per (investor, account, security) at the end of a day (None: not known).
Held = Callable[[date], Mapping[tuple[str, str, str], Decimal] | None]


def read(text: str, path: str, policy: Policy | None = None, investor: str | None = None,
         held: Held | None = None) -> tuple[list[Transaction], list[Diagnostic]]:
    """casparser JSON -> transactions; every problem a diagnostic, nothing returned on error.
    `investor`: an investor id (or alias) that holds every folio, instead of matching.
    `held`: what the book holds at the end of a day; a scheme's opening units are then
    compared with it (I169), else any opening units are warned about."""
    records, _, problems = read_all(text, path, policy, investor, held)
    return records, problems


def read_all(text: str, path: str, policy: Policy | None = None, investor: str | None = None,
             held: Held | None = None) -> tuple[list[Transaction], list[Price], list[Diagnostic]]:
    """`read`, with the prices the statement carries (`statement_prices`): one per security
    and day, nothing returned on error."""
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=Decimal, parse_constant=Constant)
    except json.JSONDecodeError as e:
        line, column = Positions(body, scan=False).place(e.pos)
        return [], [], [error("I150", f"`{path}` is not valid JSON: {e.msg}", Span(path, line, column, line, column + 1),
                              "is this the file casparser wrote (`casparser CAS.pdf -o cas.json`), unedited?")]
    except (ValueError, RecursionError) as e:  # nested too deeply for Python's parser
        what = "it is nested too deeply" if isinstance(e, RecursionError) else str(e)
        return [], [], [error("I150", f"`{path}` cannot be read as JSON: {what}", Span(path, 1, 1, 1, 2),
                              "is this the file casparser wrote (`casparser CAS.pdf -o cas.json`), unedited?")]
    reader = Reader(path, Positions(body))
    reading = _read(data, reader, policy, investor, held)
    problems = reader.problems
    if reading is None or any(d.is_error for d in problems):
        return [], [], problems
    return reading.records, statement_prices(reading.prices), problems


def _read(data: object, r: Reader, policy: Policy | None, explicit: str | None,
          held: Held | None = None) -> _Folios | None:
    folios = _folios(r, data)
    if folios is None:
        return None
    top, values = folios
    opening = _Opening(_statement_start(r, top), held)
    reading = _Folios(r, owners_of(r, top, policy, explicit), opening)
    for i, value in enumerate(values):
        reading.folio(i, value)
    reading.report()
    return reading


# The rows whose NAV is the scheme's NAV of the day: purchases, redemptions, switches and
# reinvestments (a merger's rows carry a swap ratio's price, a reversal the reversed row's).
PRICED = (TxType.BUY, TxType.SWITCH_IN, TxType.DIVIDEND_REINVEST, TxType.SELL, TxType.SWITCH_OUT)


def statement_prices(found: Mapping[tuple[str, date], tuple[int, Decimal]]) -> list[Price]:
    """The prices a statement carries, one per (security, day), in that order: the valuation's
    NAV where the statement values the scheme on that day, else the first transaction's."""
    return [Price(day, security, nav) for (security, day), (_, nav) in sorted(found.items())]


def _folios(r: Reader, data: object) -> tuple[JsonObject, list[object]] | None:
    """The file's top object and its folios, or None (said) when it has none to read: not an
    object, a summary CAS, no list of folios. casparser's own warnings are passed on (I171)."""
    top = r.mapping(data, (), "the file")
    if top is None:
        return None
    cas_type = top.get("cas_type")
    if isinstance(cas_type, str) and cas_type.upper() == "SUMMARY":
        r.error("I168", ("cas_type",), "this is a summary CAS: it lists holdings, not transactions",
                "request a detailed CAS (with transactions) from CAMS or KFintech and parse that")
        return None
    folios = r.listing(top, "folios", (), "the file")
    if folios is None:
        return None
    warnings_list = top.get("parse_warnings")
    if isinstance(warnings_list, list):
        for n, message in enumerate(warnings_list):
            said = message.strip() if isinstance(message, str) else describe(message)
            r.warning("I171", ("parse_warnings", n), f"casparser warned: {said}",
                      "casparser found that statement could not be read exactly: check that scheme's "
                      "transactions against the PDF")
    return top, folios


def _statement_start(r: Reader, top: JsonObject) -> date | None:
    """`statement_period.from`: the statement's first day; None when the file does not say."""
    period = top.get("statement_period")
    if not isinstance(period, dict) or period.get("from") is None:
        return None
    return r.day(period, ("statement_period",), "from")


class _Opening:
    """What the book holds of a holding at the end of the day before a scheme's statement starts
    (`statement_period.from`, else the scheme's first row): `held` asked once a day."""

    def __init__(self, start: date | None, held: Held | None):
        self.start, self.held = start, held
        self.books: dict[date, Mapping[tuple[str, str, str], Decimal] | None] = {}  # what the book holds, by day

    def of(self, key: tuple[str, str, str], rows: list[_Row]) -> tuple[date, Decimal] | None:
        """(the day before the scheme's statement starts, what the book holds of `key` at its end)."""
        first = self.start or min((row.date for row in rows if row.date is not None), default=None)
        if self.held is None or first is None:
            return None
        day = first - timedelta(days=1)
        if day not in self.books:
            self.books[day] = self.held(day)
        book = self.books[day]
        return None if book is None else (day, book.get(key, Decimal(0)))


@dataclass
class _Folios:
    """The folios read one by one into the transactions of those whose investor and securities
    are known; the holders and securities that could not be matched are reported once each, at
    the end (`report`)."""

    r: Reader
    owners: Owners
    opening: _Opening
    records: list[Transaction] = field(default_factory=list)
    unmatched: dict[tuple[str, str, str | None, str | None], list[Where]] = field(default_factory=dict)
    unknown: dict[str, list[tuple[Where, str]]] = field(default_factory=dict)  # ISIN -> (scheme, name)s
    rows_seen: int = 0
    # (security, day) -> (0 for a valuation's NAV, 1 for a transaction's; the NAV): statement_prices
    prices: dict[tuple[str, date], tuple[int, Decimal]] = field(default_factory=dict)

    def price(self, security: str, day: date, nav: Decimal, rank: int) -> None:
        """A NAV the statement gives: a valuation's wins over a transaction's, else the first stays."""
        if nav > 0 and ((security, day) not in self.prices or rank < self.prices[security, day][0]):
            self.prices[security, day] = (rank, nav)

    def valuation(self, sw: Where, scheme: JsonObject, security: str) -> None:
        """The scheme's `valuation` {date, nav}, when the statement gives both (a redeemed
        scheme's may be empty or null: nothing)."""
        value = scheme.get("valuation")
        if not isinstance(value, dict) or value.get("date") in (None, "") or value.get("nav") in (None, ""):
            return
        vw = sw + ("valuation",)
        day = self.r.day(value, vw, "date")
        nav, _ = self.r.decimal(value, "nav", vw)
        if day is not None and nav is not None:
            self.price(security, day, nav, 0)

    def folio(self, i: int, value: object) -> None:
        r, owners = self.r, self.owners
        fw: Where = ("folios", i)
        folio = r.mapping(value, fw, "a folio")
        if folio is None:
            return
        account = r.text(folio, "folio", fw, required="every folio has its number in `folio`", numbers=True)
        pan = r.text(folio, "PAN", fw)
        folio_name = r.text(folio, "name", fw)
        owner = owners.forced
        if owners.explicit is None and owners.investors.known:
            found = owners.investors.find(pan, folio_name or owners.holder)
            if isinstance(found, tuple):  # (code, message): reported once per holder
                owner = None
                self.unmatched.setdefault((*found, pan, folio_name or owners.holder), []).append(fw)
            else:
                owner = found
        schemes = r.listing(folio, "schemes", fw, "a folio")
        for j, scheme_value in enumerate(schemes or ()):
            self.scheme(fw + ("schemes", j), scheme_value, f"scheme {j + 1} of folio {account or i + 1}",
                        owner, account)

    def scheme(self, sw: Where, value: object, unnamed: str, owner: str | None, account: str | None) -> None:
        r, securities = self.r, self.owners.securities
        scheme = r.mapping(value, sw, "a scheme")
        if scheme is None:
            return
        name = r.text(scheme, "scheme", sw) or unnamed
        isin = r.text(scheme, "isin", sw)
        security = None
        if isin is None:
            r.error("I156", sw, f"scheme \"{name}\" has no ISIN, so lotwise cannot tell which security it is",
                    "casparser could not find its ISIN: update casparser, or add \"isin\" to the scheme "
                    "in the JSON by hand")
        elif securities is None:
            security = isin.upper()
        elif isin.lower() in securities:
            security = securities[isin.lower()]
        else:
            self.unknown.setdefault(isin.upper(), []).append((sw, name))
        values = r.listing(scheme, "transactions", sw, "a scheme")
        if values is None:
            return
        rows = [row for k, v in enumerate(values) if (row := _row(r, v, sw + ("transactions", k)))]
        self.rows_seen += len(values)
        if owner is None or security is None or account is None:
            _scheme(r, sw, name, scheme, rows, None)
            return
        _scheme(r, sw, name, scheme, rows, self.opening.of((owner, account, security), rows))
        self.valuation(sw, scheme, security)
        for row in rows:
            if row.readable and not row.cancelled and row.tx_type is not None:
                assert row.date is not None and row.units is not None  # a readable row has both (`_row`)
                price = row.nav if row.nav is not None else Decimal(0)
                if row.tx_type in PRICED:
                    self.price(security, row.date, price, 1)
                self.records.append(Transaction(row.date, owner, account, security, row.tx_type, abs(row.units),
                                                price, row.charges, f"{r.text_path}:{row.line}"))

    def report(self) -> None:
        """The holders and securities not matched, and a file without transactions."""
        r = self.r
        for (code, message, pan, name), where in self.unmatched.items():
            _unmatched(r, code, message, pan, name, where)
        for isin, places in self.unknown.items():
            (first, name), others = places[0], places[1:]
            r.error("I156", first, f"scheme \"{name}\" (ISIN {isin}) is not a security in the policy",
                    f"declare it in the policy's portfolio, e.g. `fund {isin} \"{name}\" holds \"ASSET\"`",
                    tuple(("also here", span) for w, _ in others if (span := r.span(w + ("isin",))) is not None),
                    at=first + ("isin",))
        if self.rows_seen == 0 and not any(d.is_error for d in r.problems):
            r.error("I168", (), "the file has no transactions",
                    "a detailed CAS lists transactions under folios[].schemes[].transactions; is the statement "
                    "period right?")


def _unmatched(r: Reader, code: str, message: str, pan: str | None, name: str | None, where: list[Where]) -> None:
    """One error for the folios of one holder that match no investor (or match ambiguously)."""
    ways = ([f"pan {pan}"] if pan else []) + ([f'alias "{name}"'] if name else [])
    if code == "I159":
        hint = "correct the PAN or the aliases in the policy, or give `lotwise import --investor ID` for the whole file"
    elif ways:
        hint = (f"add {' or '.join(f'`{w}`' for w in ways)} to the investor in the policy's portfolio, e.g. "
                f"`investor asha \"Asha Sharma\" {ways[0]}`; or give `lotwise import --investor ID` for the whole file")
    else:
        hint = "the CAS gives no PAN or holder name here: give `lotwise import --investor ID` for the whole file"
    r.problems.append(error(code, f"{', '.join(jpath(w) for w in where)}: cannot tell which investor holds "
                                  f"{'this folio' if len(where) == 1 else 'these folios'}: {message}",
                            r.span(where[0] + (("PAN",) if pan else ())), hint,
                            tuple(("the same holder", span) for w in where[1:] if (span := r.span(w)) is not None)))


def _row(r: Reader, value: object, where: Where) -> _Row | None:
    tx = r.mapping(value, where, "a transaction")
    if tx is None:
        return None
    before = len(r.problems)
    day = r.day(tx, where)
    kind_text = r.text(tx, "type", where, required="casparser gives every transaction a `type`")
    kind = kind_text.upper() if kind_text else ""
    if kind_text is not None and kind not in KNOWN_TYPES:
        r.error("I155", where + ("type",), f"unknown transaction type `{kind_text}`",
                "the types lotwise reads are " + ", ".join(KNOWN_TYPES))
    units, _ = r.decimal(tx, "units", where)
    amount, _ = r.decimal(tx, "amount", where)
    nav, _ = r.decimal(tx, "nav", where)
    given = tx.get("description")
    description = given if isinstance(given, str) else ""
    row = _Row(where, r.line(where), day, kind, units, amount, nav, " ".join(description.split()))
    row.readable = len(r.problems) == before
    if not row.readable:
        return row
    said = f" (\"{row.description[:60]}\")" if row.description else ""
    if row.tx_type is not None:
        outflow = kind in OUTFLOWS
        if units is None or units == 0 or (units < 0) != outflow:
            r.error("I160", where + ("units",),
                    f"a {kind} row needs {'negative' if outflow else 'positive'} units; it has "
                    f"{'none' if units is None else units}",
                    "casparser writes units leaving the folio as negative numbers; check the row against the PDF")
            row.readable = False
        elif (nav is None and row.tx_type not in (TxType.MERGER_IN, TxType.MERGER_OUT)) or (
                nav is not None and nav <= 0):
            r.error("I161", where + ("nav",), f"a {kind} row needs a NAV above zero; it has "
                    f"{'none' if nav is None else nav}", "the NAV is the price per unit: check the row against the PDF")
            row.readable = False
    elif kind == "REVERSAL":
        if units is None or units == 0:
            r.error("I160", where + ("units",), "a REVERSAL row needs the units it takes back; it has none",
                    "check the row against the PDF")
            row.readable = False
    elif kind in NO_UNITS:
        if units:
            r.error("I167", where + ("units",), f"a {kind} row{said} has units ({units}); lotwise cannot tell what "
                    "they are", "check the row against the PDF; casparser gives units only to purchases, "
                    "redemptions, switches, reinvestments and reversals")
            row.readable = False  # its amount joins no purchase
        if kind == "STAMP_DUTY_TAX" and amount is None:
            r.error("I152", where, "a STAMP_DUTY_TAX row has no `amount`", "check the row against the PDF")
            row.readable = False
    elif kind == "SEGREGATION":
        r.error("I165", where, f"units of a segregated portfolio{said}: lotwise cannot yet split the cost "
                "between the main and the segregated portfolio", "the cost is split in the ratio of the NAVs on "
                "the day of segregation; until lotwise does this, leave the segregated scheme out of the JSON and "
                "record its units in a transactions CSV with the cost you work out", at=where + ("type",))
    elif kind in ("GIFT_IN", "GIFT_OUT"):
        r.error("I166", where, f"a gift of units ({kind}){said}: lotwise cannot yet import gifts",
                "units received as a gift keep the donor's cost and date (s.49(1)); a gift is not a transfer "
                "(s.47(iii)). Remove the row and record the donee's units as BUY rows at the donor's cost and "
                "date in a transactions CSV", at=where + ("type",))
    elif kind == "UNKNOWN":
        r.error("I155", where + ("type",), f"casparser could not classify this row{said}",
                "check the row against the PDF and record it in a transactions CSV; remove it from the JSON")
    return row


def _scheme(r: Reader, where: Where, name: str, scheme: JsonObject, rows: list[_Row],
            book: tuple[date, Decimal] | None) -> None:
    """Within one scheme: reversals cancel what they reverse, stamp duty joins its purchase;
    the opening balance is checked against the book's (`book`: the day before the statement
    and what the book holds at its end; None when not known), the closing against the rows."""
    readable = all(row.readable for row in rows)
    if readable:
        for n, row in enumerate(rows):
            if row.kind != "REVERSAL" or row.cancelled:
                continue
            assert row.units is not None  # a readable REVERSAL has units (_row: I160)
            target = next((t for t in reversed(rows[:n]) if not t.cancelled and t.kind != "REVERSAL"
                           and t.units is not None and t.units == -row.units
                           and (t.amount is None or row.amount is None or t.amount == -row.amount)), None)
            if target is None:
                amount = f" and amount {-row.amount}" if row.amount is not None else ""
                r.error("I164", row.where, f"a REVERSAL of {abs(row.units)} units matches no earlier row of "
                        f"\"{name}\"", f"lotwise looks for the last earlier row with units {-row.units}{amount}; "
                        "check the rows against the PDF", at=row.where + ("type",))
                continue
            row.cancelled = target.cancelled = True
        for n, row in enumerate(rows):
            if row.kind != "STAMP_DUTY_TAX":
                continue
            target = _stamped(rows, n)
            if target is None:
                r.error("I162", row.where, f"stamp duty of {row.amount} on {row.date} belongs to no purchase of "
                        f"\"{name}\" on that day", "stamp duty is part of the cost of the purchase it was paid on; "
                        "check the rows against the PDF", at=row.where + ("type",))
                continue
            assert row.amount is not None  # a readable STAMP_DUTY_TAX row has an amount (_row: I152)
            target.charges += row.amount
        for row in rows:
            if row.charges < 0 and not row.cancelled and row.tx_type is not None:
                r.error("I163", row.where, f"the stamp duty on this {row.kind} comes to {row.charges}, below zero",
                        "a negative stamp duty row refunds a cancelled purchase; check the rows against the PDF")
    opening, ok_open = r.decimal(scheme, "open", where)
    closing, ok_close = r.decimal(scheme, "close", where)
    said = _opening_mismatch(name, opening, book) if ok_open and opening is not None else None
    if said:
        r.warning("I169", where + ("open",), *said)
    if readable and ok_open and ok_close and closing is not None:
        total = (opening or Decimal(0)) + sum((row.units for row in rows if row.units is not None), Decimal(0))
        if total != closing:
            r.warning("I170", where + ("close",), f"the units of \"{name}\" add up to {total}, but the CAS closes "
                      f"with {closing}", "a row may be missing or misread: check the scheme against the PDF")


def _opening_mismatch(name: str, opening: Decimal, book: tuple[date, Decimal] | None) -> tuple[str, str] | None:
    """(message, hint) when a scheme's opening units are not what the book holds at the end of
    the day before the statement (`book`); without the book, when they are not zero."""
    if book is None:
        if not opening:
            return None
        return (f"\"{name}\" opens the statement with {opening} units, whose purchases are not in this file",
                "import a CAS whose period starts before the first purchase (or those purchases as a "
                "transactions CSV), or the lots and gains will be wrong")
    day, units = book
    if opening == units:
        return None
    if units and _exponent(opening) < _exponent(units):
        units = units.quantize(Decimal(1).scaleb(_exponent(opening)))  # 100 -> 100.000, exactly
    if not units:
        return (f"\"{name}\" opens the statement with {opening} units, whose purchases are in neither this "
                f"file nor the book (it holds none on {day})",
                "import a CAS whose period starts before the first purchase (or those purchases as a "
                "transactions CSV), or the lots and gains will be wrong")
    return (f"\"{name}\" opens the statement with {opening} units; the book holds {units} on {day}",
            "the book is missing transactions before this statement (or has some the registrar does not): "
            "import the statements before it (or those transactions as a transactions CSV), or the lots and "
            "gains will be wrong")


def _exponent(value: Decimal) -> int:
    """The exponent of a finite number (units read within their limits, or held by the book)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # only an infinity's or a NaN's is a letter
    return exponent


def _stamped(rows: list[_Row], n: int) -> _Row | None:
    """The row the stamp duty row `rows[n]` was paid on: a purchase (or reversal) of the same
    day, the nearest listed before it, else the nearest listed after it."""
    day = rows[n].date

    def paid_on(t: _Row) -> bool:
        return t.date == day and (t.tx_type in STAMPED or t.kind in ("REVERSAL", *UNSUPPORTED))

    return next((t for t in reversed(rows[:n]) if paid_on(t)), None) or next(
        (t for t in rows[n + 1:] if paid_on(t)), None)
