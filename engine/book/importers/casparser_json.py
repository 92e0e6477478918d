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

Diagnostic codes I150-I179 (docs/file-formats.md lists them).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Mapping

from engine.diagnostics import Diagnostic, Span, error, warning
from engine.book.importers.csvrows import AMOUNT, FIRST_DAY, LAST_DAY, PRICE, UNITS, fit, limit_problem
from engine.book.importers.transactions_csv import known_names
from engine.transactions import Transaction, TxType

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
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CAS_DATE = re.compile(r"^\d{2}-[A-Za-z]{3}-\d{4}$")
# The bounds every importer keeps (engine/book/importers/csvrows.py), by the key of the value.
LIMITS = {"units": UNITS, "open": UNITS, "close": UNITS, "nav": PRICE, "amount": AMOUNT}


def detect(text: str) -> bool:
    """A JSON object with a "folios" key (a CAMS/KFintech CAS; demat CAS JSON has none)."""
    return text.lstrip("\ufeff \t\r\n").startswith("{") and _DETECT.search(text) is not None


class _Constant:
    """NaN, Infinity or -Infinity in the JSON: kept, and reported as not a number."""

    def __init__(self, name: str):
        self.name = name


# ---------------------------------------------------------------- positions
class _Positions:
    """Where each value of a (valid) JSON text starts and ends, by its path of keys and
    indexes: ("folios", 0, "schemes", 1) -> (start, end) character offsets."""

    def __init__(self, text: str, scan: bool = True):
        self.at: dict[tuple, list[int]] = {}
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        if scan:
            self._scan(text)

    def _scan(self, text: str) -> None:
        stack: list[list] = []  # [path, is_object, key or index, expecting a key]

        def here() -> tuple:
            if not stack:
                return ()
            path, _, slot, _ = stack[-1]
            return path + (slot,)

        for m in _TOKEN.finditer(text):
            token, start, end = m.group(), m.start(), m.end()
            top = stack[-1] if stack else None
            if token in ("{", "["):
                path = here()
                self.at[path] = [start, end]
                stack.append([path, token == "{", None if token == "{" else 0, token == "{"])
            elif token in ("}", "]"):
                if stack:
                    frame = stack.pop()
                    self.at[frame[0]][1] = end
            elif token == ":":
                if top:
                    top[3] = False
            elif token == ",":
                if top:
                    if top[1]:
                        top[3] = True
                    else:
                        top[2] += 1
            elif top and top[1] and top[3]:
                try:
                    top[2] = json.loads(token)
                except ValueError:
                    top[2] = token
            else:
                self.at[here()] = [start, end]

    def place(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, path: str, where: tuple) -> Span | None:
        """The span of the value at `where`, else of the nearest enclosing value."""
        while where not in self.at and where:
            where = where[:-1]
        if where not in self.at:
            return None
        start, end = self.at[where]
        line, column = self.place(start)
        end_line, end_column = self.place(max(end, start + 1))
        return Span(path, line, column, end_line, end_column)


def _jpath(where: tuple) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


# --------------------------------------------------------------------- rows
@dataclass
class _Row:
    """One transaction of a scheme, as read (units signed as in the CAS)."""

    where: tuple
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


@dataclass
class _Reader:
    text_path: str
    positions: _Positions
    problems: list[Diagnostic] = field(default_factory=list)

    def span(self, where: tuple) -> Span | None:
        return self.positions.span(self.text_path, where)

    def line(self, where: tuple) -> int:
        span = self.span(where)
        return span.line if span else 1

    def error(self, code: str, where: tuple, message: str, hint: str | None = None, notes=(),
              at: tuple | None = None) -> None:
        """An error about the value at `where` (named in the message), shown at `at` if given."""
        self.problems.append(error(code, f"{_jpath(where)}: {message}", self.span(at or where), hint, tuple(notes)))

    def warning(self, code: str, where: tuple, message: str, hint: str | None = None) -> None:
        self.problems.append(warning(code, f"{_jpath(where)}: {message}", self.span(where), hint))

    # ------------------------------------------------------------ field readers
    def mapping(self, value, where: tuple, what: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.error("I151", where, f"{what} is {_describe(value)}, not an object",
                   "is this the JSON casparser wrote (`casparser CAS.pdf -o cas.json`)?")
        return None

    def listing(self, owner: dict, key: str, where: tuple, what: str) -> list | None:
        if key not in owner:
            self.error("I152", where, f"{what} has no `{key}`",
                       "is this the JSON casparser wrote (`casparser CAS.pdf -o cas.json`)?")
            return None
        value = owner[key]
        if isinstance(value, list):
            return value
        self.error("I151", where + (key,), f"`{key}` is {_describe(value)}, not a list",
                   "is this the JSON casparser wrote (`casparser CAS.pdf -o cas.json`)?")
        return None

    def text(self, owner: dict, key: str, where: tuple, *, required: str | None = None,
             numbers: bool = False) -> str | None:
        """A text field, stripped; None when absent or null. `required`: the hint when it must
        be there. `numbers`: a whole JSON number is read as its digits (a folio number)."""
        value = owner.get(key)
        if isinstance(value, Decimal) and numbers and value.as_tuple().exponent == 0 and value >= 0:
            value = str(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required is not None:
                self.error("I152", where + ((key,) if key in owner else ()),
                           f"`{key}` is {'missing' if key not in owner else 'empty'}", required)
            return None
        if not isinstance(value, str):
            self.error("I151", where + (key,), f"`{key}` is {_describe(value)}, not text", required)
            return None
        return value.strip()

    def decimal(self, owner: dict, key: str, where: tuple) -> tuple[Decimal | None, bool]:
        """(value or None when absent or null, read without a problem)."""
        value = owner.get(key)
        if value is None:
            return None, True
        problem = _decimal_problem(value, LIMITS.get(key, AMOUNT))
        if problem:
            shown = f" {_show(value)}" if isinstance(value, (str, Decimal, _Constant)) else ""
            self.error("I154", where + (key,), f"`{key}`{shown} {problem}",
                       "casparser writes decimals as strings like \"1234.567\" (or as plain JSON numbers)")
            return None, False
        return fit(_as_decimal(value), LIMITS.get(key, AMOUNT)), True

    def day(self, owner: dict, where: tuple, key: str = "date") -> date | None:
        value = self.text(owner, key, where, required="every transaction has a date (YYYY-MM-DD)"
                          if key == "date" else "the statement's first day, e.g. 01-Apr-2024")
        if value is None:
            return None
        day = None
        try:
            if _ISO_DATE.match(value):
                day = date.fromisoformat(value)
            elif _CAS_DATE.match(value):
                day = datetime.strptime(value, "%d-%b-%Y").date()
        except ValueError:
            pass
        if day is not None:
            if FIRST_DAY <= day <= LAST_DAY:
                return day
            self.error("I153", where + (key,), f"`{value}` is outside the years 1900 to 9998", "check the year")
            return None
        self.error("I153", where + (key,), f"`{value}` is not a date",
                   "casparser writes dates as YYYY-MM-DD, e.g. 2024-01-05, or DD-Mon-YYYY, e.g. 05-Jan-2024")
        return None


def _describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, _Constant)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _show(value) -> str:
    shown = value.name if isinstance(value, _Constant) else str(value)
    return f"`{shown[:40]}{'...' if len(shown) > 40 else ''}`"


def _decimal_problem(value, limit) -> str | None:
    if isinstance(value, _Constant):
        return "is not a number"
    if isinstance(value, str):
        if not _NUMBER.match(value.strip()):
            return "is not a number"
        value = Decimal(value.strip().replace(",", ""))
    elif not isinstance(value, Decimal):
        return f"is {_describe(value)}, not a number"
    return limit_problem(value, limit)


def _as_decimal(value) -> Decimal:
    return Decimal(value.strip().replace(",", "")) if isinstance(value, str) else value


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


# ----------------------------------------------------------------- investors
@dataclass
class _Investors:
    """Folio -> investor: PAN first, then the holder's name against names and aliases."""

    by_pan: dict[str, list[str]]
    by_name: dict[str, list[str]]
    pan_of: dict[str, str | None]
    known: bool  # the policy names investors

    @classmethod
    def of(cls, policy) -> "_Investors":
        investors = policy.portfolio.investors if policy is not None and policy.portfolio is not None else ()
        by_pan: dict[str, list[str]] = {}
        by_name: dict[str, list[str]] = {}
        for i in investors:
            if i.pan:
                by_pan.setdefault(i.pan.upper(), []).append(i.id)
            for name in {_name_key(i.name), *(_name_key(a) for a in i.aliases)}:
                by_name.setdefault(name, []).append(i.id)
        return cls(by_pan, by_name, {i.id: i.pan for i in investors}, bool(investors))

    def find(self, pan: str | None, name: str | None) -> tuple[str | None, str | None, str | None]:
        """(investor id, or None with the error code and message)."""
        if pan and pan.upper() in self.by_pan:
            ids = self.by_pan[pan.upper()]
            if len(ids) == 1:
                return ids[0], None, None
            return None, "I159", f"PAN {pan} is given to {len(ids)} investors in the policy ({', '.join(ids)})"
        ids = self.by_name.get(_name_key(name), []) if name else []
        if len(ids) == 1:
            own = self.pan_of.get(ids[0])
            if pan and own and own.upper() != pan.upper():
                return None, "I159", (f"the holder \"{name}\" matches investor `{ids[0]}`, but the CAS gives "
                                      f"PAN {pan} and the policy gives `{ids[0]}` PAN {own}")
            return ids[0], None, None
        if len(ids) > 1:
            return None, "I159", f"the holder \"{name}\" matches {len(ids)} investors ({', '.join(ids)})"
        holder = " and ".join(x for x in (f"PAN {pan}" if pan else "", f"name \"{name}\"" if name else "") if x)
        return None, "I157", f"no investor in the policy has {holder or 'a PAN or name given here'}"


# ---------------------------------------------------------------------- read
# The units a book holds per (investor, account, security) at the end of a day (None: not known).
Held = Callable[[date], Mapping[tuple[str, str, str], Decimal] | None]


def read(text: str, path: str, policy=None, investor: str | None = None, held: Held | None = None
         ) -> tuple[list[Transaction], list[Diagnostic]]:
    """casparser JSON -> transactions; every problem a diagnostic, nothing returned on error.
    `investor`: an investor id (or alias) that holds every folio, instead of matching.
    `held`: what the book holds at the end of a day; a scheme's opening units are then
    compared with it (I169), else any opening units are warned about."""
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=Decimal, parse_constant=_Constant)
    except json.JSONDecodeError as e:
        line, column = _Positions(body, scan=False).place(e.pos)
        return [], [error("I150", f"`{path}` is not valid JSON: {e.msg}", Span(path, line, column, line, column + 1),
                          "is this the file casparser wrote (`casparser CAS.pdf -o cas.json`), unedited?")]
    except (ValueError, RecursionError) as e:  # nested too deeply for Python's parser
        what = "it is nested too deeply" if isinstance(e, RecursionError) else str(e)
        return [], [error("I150", f"`{path}` cannot be read as JSON: {what}", Span(path, 1, 1, 1, 2),
                          "is this the file casparser wrote (`casparser CAS.pdf -o cas.json`), unedited?")]
    reader = _Reader(path, _Positions(body))
    records = _read(data, reader, policy, investor, held)
    problems = reader.problems
    if any(d.is_error for d in problems):
        return [], problems
    return records, problems


def _statement_start(r: _Reader, top: dict) -> date | None:
    """`statement_period.from`: the statement's first day; None when the file does not say."""
    period = top.get("statement_period")
    if not isinstance(period, dict) or period.get("from") is None:
        return None
    return r.day(period, ("statement_period",), "from")


def _read(data, r: _Reader, policy, explicit: str | None, held: Held | None = None) -> list[Transaction]:
    top = r.mapping(data, (), "the file")
    if top is None:
        return []
    if isinstance(top.get("cas_type"), str) and top["cas_type"].upper() == "SUMMARY":
        r.error("I168", ("cas_type",), "this is a summary CAS: it lists holdings, not transactions",
                "request a detailed CAS (with transactions) from CAMS or KFintech and parse that")
        return []
    folios = r.listing(top, "folios", (), "the file")
    if folios is None:
        return []
    warnings_list = top.get("parse_warnings")
    if isinstance(warnings_list, list):
        for n, message in enumerate(warnings_list):
            said = message.strip() if isinstance(message, str) else _describe(message)
            r.warning("I171", ("parse_warnings", n), f"casparser warned: {said}",
                      "casparser found that statement could not be read exactly: check that scheme's "
                      "transactions against the PDF")

    start = _statement_start(r, top)
    books: dict[date, Mapping[tuple[str, str, str], Decimal] | None] = {}  # what the book holds, by day

    def book_units(key: tuple[str, str, str], rows: list[_Row]) -> tuple[date, Decimal] | None:
        """(the day before the scheme's statement starts, what the book holds of `key` at its end)."""
        first = start or min((row.date for row in rows if row.date is not None), default=None)
        if held is None or first is None:
            return None
        day = first - timedelta(days=1)
        if day not in books:
            books[day] = held(day)
        return None if books[day] is None else (day, books[day].get(key, Decimal(0)))

    holder = None
    info = top.get("investor_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str) and info["name"].strip():
        holder = info["name"].strip()
    investors = _Investors.of(policy)
    names, securities = known_names(policy)
    forced = None
    if explicit is not None:
        forced = explicit if names is None else names.get(explicit.lower())
        if forced is None:
            r.problems.append(error("I158", f"the investor `{explicit}` given for `{r.text_path}` is not in the policy",
                                    None, "name an investor the policy declares: "
                                    + (", ".join(sorted(set(names.values()))) or "none")))
    elif not investors.known:
        r.problems.append(error("I157", f"`{r.text_path}`: no policy names the investors, so the folios cannot "
                                "be matched to one", None, "give the policy, or name the investor for the file"))

    unmatched: dict[tuple, list[tuple]] = {}  # (code, message, PAN, name) -> folio paths: one error each
    unknown: dict[str, list[tuple]] = {}  # ISIN -> scheme paths
    records: list[Transaction] = []
    rows_seen = 0
    for i, folio_value in enumerate(folios):
        fw = ("folios", i)
        folio = r.mapping(folio_value, fw, "a folio")
        if folio is None:
            continue
        account = r.text(folio, "folio", fw, required="every folio has its number in `folio`", numbers=True)
        pan = r.text(folio, "PAN", fw)
        folio_name = r.text(folio, "name", fw)
        owner = forced
        if explicit is None and investors.known:
            owner, code, message = investors.find(pan, folio_name or holder)
            if owner is None:
                unmatched.setdefault((code, message, pan, folio_name or holder), []).append(fw)
        schemes = r.listing(folio, "schemes", fw, "a folio")
        for j, scheme_value in enumerate(schemes or ()):
            sw = fw + ("schemes", j)
            scheme = r.mapping(scheme_value, sw, "a scheme")
            if scheme is None:
                continue
            name = r.text(scheme, "scheme", sw) or f"scheme {j + 1} of folio {account or i + 1}"
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
                unknown.setdefault(isin.upper(), []).append((sw, name))
            values = r.listing(scheme, "transactions", sw, "a scheme")
            if values is None:
                continue
            rows = [row for k, v in enumerate(values) if (row := _row(r, v, sw + ("transactions", k)))]
            rows_seen += len(values)
            if owner is None or security is None or account is None:
                _scheme(r, sw, name, scheme, rows, None)
                continue
            _scheme(r, sw, name, scheme, rows, book_units((owner, account, security), rows))
            for row in rows:
                if row.readable and not row.cancelled and row.tx_type is not None:
                    price = row.nav if row.nav is not None else Decimal(0)
                    records.append(Transaction(row.date, owner, account, security, row.tx_type, abs(row.units),
                                               price, row.charges, f"{r.text_path}:{row.line}"))

    for (code, message, pan, name), where in unmatched.items():
        _unmatched(r, code, message, pan, name, where)
    for isin, where in unknown.items():
        (first, name), others = where[0], where[1:]
        r.error("I156", first, f"scheme \"{name}\" (ISIN {isin}) is not a security in the policy",
                f"declare it in the policy's portfolio, e.g. `fund {isin} \"{name}\" holds \"ASSET\"`",
                tuple(("also here", r.span(w + ("isin",))) for w, _ in others if r.span(w)), at=first + ("isin",))
    if rows_seen == 0 and not any(d.is_error for d in r.problems):
        r.error("I168", (), "the file has no transactions",
                "a detailed CAS lists transactions under folios[].schemes[].transactions; is the statement "
                "period right?")
    return records


def _unmatched(r: _Reader, code: str, message: str, pan: str | None, name: str | None, where: list[tuple]) -> None:
    """One error for the folios of one holder that match no investor (or match ambiguously)."""
    ways = ([f"pan {pan}"] if pan else []) + ([f'alias "{name}"'] if name else [])
    if code == "I159":
        hint = "correct the PAN or the aliases in the policy, or give `lotwise import --investor ID` for the whole file"
    elif ways:
        hint = (f"add {' or '.join(f'`{w}`' for w in ways)} to the investor in the policy's portfolio, e.g. "
                f"`investor asha \"Asha Sharma\" {ways[0]}`; or give `lotwise import --investor ID` for the whole file")
    else:
        hint = "the CAS gives no PAN or holder name here: give `lotwise import --investor ID` for the whole file"
    r.problems.append(error(code, f"{', '.join(_jpath(w) for w in where)}: cannot tell which investor holds "
                                  f"{'this folio' if len(where) == 1 else 'these folios'}: {message}",
                            r.span(where[0] + (("PAN",) if pan else ())), hint,
                            tuple(("the same holder", r.span(w)) for w in where[1:] if r.span(w))))


def _row(r: _Reader, value, where: tuple) -> _Row | None:
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
    description = tx.get("description") if isinstance(tx.get("description"), str) else ""
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


def _scheme(r: _Reader, where: tuple, name: str, scheme: dict, rows: list[_Row],
            book: tuple[date, Decimal] | None) -> None:
    """Within one scheme: reversals cancel what they reverse, stamp duty joins its purchase;
    the opening balance is checked against the book's (`book`: the day before the statement
    and what the book holds at its end; None when not known), the closing against the rows."""
    readable = all(row.readable for row in rows)
    if readable:
        for n, row in enumerate(rows):
            if row.kind != "REVERSAL" or row.cancelled:
                continue
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
    if units and opening.as_tuple().exponent < units.as_tuple().exponent:
        units = units.quantize(Decimal(1).scaleb(opening.as_tuple().exponent))  # 100 -> 100.000, exactly
    if not units:
        return (f"\"{name}\" opens the statement with {opening} units, whose purchases are in neither this "
                f"file nor the book (it holds none on {day})",
                "import a CAS whose period starts before the first purchase (or those purchases as a "
                "transactions CSV), or the lots and gains will be wrong")
    return (f"\"{name}\" opens the statement with {opening} units; the book holds {units} on {day}",
            "the book is missing transactions before this statement (or has some the registrar does not): "
            "import the statements before it (or those transactions as a transactions CSV), or the lots and "
            "gains will be wrong")


def _stamped(rows: list[_Row], n: int) -> _Row | None:
    """The row the stamp duty row `rows[n]` was paid on: a purchase (or reversal) of the same
    day, the nearest listed before it, else the nearest listed after it."""
    day = rows[n].date

    def paid_on(t: _Row) -> bool:
        return t.date == day and (t.tx_type in STAMPED or t.kind in ("REVERSAL", *UNSUPPORTED))

    return next((t for t in reversed(rows[:n]) if paid_on(t)), None) or next(
        (t for t in rows[n + 1:] if paid_on(t)), None)
