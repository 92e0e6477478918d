"""The generic transactions CSV: date,investor,account,security,type,units,price,charges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from engine.diagnostics import Diagnostic
from engine.book.importers.csvrows import (AMOUNT, PRICE, UNITS, CellError, CellReader, Problems, choose, header_of, iter_rows,
                                      read_date, read_decimal, result)
from engine.transactions import TX_TYPES, Transaction, TxType

if TYPE_CHECKING:
    from engine.policy.model import Policy

KIND, STORES = "transactions-csv", "transactions"
COLUMNS = ("date", "investor", "account", "security", "type", "units", "price")
OPTIONAL = ("charges",)


def detect(text: str) -> bool:
    return set(COLUMNS) <= set(header_of(text))


def known_names(policy: Policy | None) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """Lower-cased investor ids and aliases -> id; security ids and ISINs -> id."""
    if policy is None or policy.portfolio is None:
        return None, None
    investors = {}
    for i in policy.portfolio.investors:
        investors[i.id.lower()] = i.id
        for alias in i.aliases:
            investors[alias.lower()] = i.id
    securities = {}
    for s in policy.portfolio.securities:
        securities[s.id.lower()] = s.id
        if s.isin:
            securities[s.isin.lower()] = s.id
    return investors, securities


def read(text: str, path: str, policy: Policy | None = None) -> tuple[list[Transaction], list[Diagnostic]]:
    from engine.diagnostics import source_lines

    lines = source_lines(text.lstrip("\ufeff"))  # lines as diagnostics count them
    if lines and lines[-1] == "":
        lines.pop()
    problems = Problems()
    counted = [0]
    records = list(stream(lines, path, policy, problems, counted))
    return result(records, [None] * min(counted[0], 1), problems, path)


def stream(lines: Iterable[str], path: str, policy: Policy | None, problems: list[Diagnostic],
           counted: list[int] | None = None) -> Iterator[Transaction]:
    """The file's transactions one at a time, as its `lines` are read (`read` without the list:
    a large file is written by the book as it is read, engine/book/importers/__init__.py's
    `Streamed`). Bad cells are appended to `problems`; `counted[0]` counts the rows read."""
    investors, securities = known_names(policy)
    for row in iter_rows(lines, path, COLUMNS, OPTIONAL, problems):
        if counted is not None:
            counted[0] += 1
        cells = row.cells
        fast = _fast(cells, investors, securities, f"{path}:{row.line}")
        if fast is not None:
            yield fast
            continue
        cell = CellReader(row, path, problems)  # reports every bad cell of the row

        day = cell("date", read_date)
        investor = cell("investor", lambda v: _required(v, "the investor", "name the investor, as the policy does")
                        if investors is None else choose(_required(v, "the investor", ""), investors, "investor",
                                                         "declare the investor in the policy's portfolio"))
        account = cell("account", lambda v: _required(v, "the account", "give the folio or demat account number"))
        security = cell("security", lambda v: _required(v, "the security", "give the ISIN or exchange symbol").upper()
                        if securities is None else choose(_required(v, "the security", ""), securities, "security",
                                                          "declare it in the policy's portfolio"))
        kind = cell("type", _type)
        units = cell("units", lambda v: read_decimal(v, "units", UNITS, positive=True))
        needs_price = kind is not None and (kind.acquires or kind.transfers)
        price = cell("price", lambda v: read_decimal(v, "price", PRICE, allow_empty=not needs_price, positive=needs_price))
        charges = cell("charges", lambda v: read_decimal(v, "charges", AMOUNT, allow_empty=True))
        # (a cell is None only when it is bad, and then the row is not a transaction)
        if (day is not None and investor is not None and account is not None and security is not None
                and kind is not None and units is not None and price is not None and charges is not None):
            yield Transaction(day, investor, account, security, kind, units, price, charges, f"{path}:{row.line}")


def _required(value: str, what: str, hint: str) -> str:
    if not value:
        raise CellError("I108", f"{what} is empty", hint or None)
    return value


def _type(value: str) -> TxType:
    try:
        if not value.isascii():  # 'ſell'.upper() is 'SELL'
            raise ValueError
        return TxType(value.upper())
    except ValueError:
        raise CellError("I102", f"unknown type `{value}`", "types are " + ", ".join(t.value for t in TxType))


def _fast(cells: dict[str, str], investors: dict[str, str] | None, securities: dict[str, str] | None,
          source: str) -> Transaction | None:
    """A valid row read straight through (most rows); None sends it to the checking path."""
    try:
        if not cells["type"].isascii():
            return None
        kind = TX_TYPES[cells["type"].upper()]
        needs_price = kind.acquires or kind.transfers
        units = read_decimal(cells["units"], "units", UNITS, positive=True)
        price = read_decimal(cells["price"], "price", PRICE, allow_empty=not needs_price, positive=needs_price)
        charges = read_decimal(cells.get("charges", ""), "charges", AMOUNT, allow_empty=True)
        investor, security, account = cells["investor"], cells["security"], cells["account"]
        if not (investor and security and account):
            return None
        investor = investor if investors is None else investors[investor.lower()]
        security = security.upper() if securities is None else securities[security.lower()]
        return Transaction(read_date(cells["date"]), investor, account, security, kind, units, price,
                           charges, source)
    except (CellError, KeyError, ValueError):
        return None
