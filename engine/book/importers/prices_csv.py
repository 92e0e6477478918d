"""The prices CSV: date,security,price (a closing price or NAV per unit, in rupees)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic, error
from engine.book.importers.csvrows import PRICE, CellError, OnePerKey, header_of, read_date, read_decimal, result, rows
from engine.book.importers.transactions_csv import known_names
from engine.transactions import Price

if TYPE_CHECKING:
    from engine.policy.model import Policy

KIND, STORES = "prices-csv", "prices"
COLUMNS = ("date", "security", "price")


def detect(text: str) -> bool:
    return set(COLUMNS) <= set(header_of(text))


def read(text: str, path: str, policy: Policy | None = None) -> tuple[list[Price], list[Diagnostic]]:
    table, problems = rows(text, path, COLUMNS)
    _, securities = known_names(policy)
    kept: OnePerKey[Price] = OnePerKey(path, problems)
    others: dict[str, int] = {}  # securities the policy does not declare -> first row
    for row in table:
        cells = row.cells
        column = "date"
        try:
            day = read_date(cells["date"])
            column = "security"
            if securities is not None and cells["security"].lower() not in securities:
                # Price files cover more than one policy holds (a broker's or AMFI's list).
                others.setdefault(cells["security"], row.line)
                continue
            security = cells["security"].upper() if securities is None else securities[cells["security"].lower()]
            column = "price"
            price = read_decimal(cells["price"], "price", PRICE, positive=True)
        except CellError as e:
            problems.append(error(e.code, f"row {row.line}, column `{column}`: {e.message}",
                                  row.span(path, column), e.hint))
            continue
        kept.add((security, day), price, Price(day, security, price), row, "price", "I111",
                 f"a second, different price for {security} on {day}", "keep one price per security per day")
    if others:
        from engine.diagnostics import Span, warning

        names = ", ".join(list(others)[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        first = min(others.values())
        problems.append(warning("I112", f"prices for {len(others)} securities not in the policy were skipped: {names}",
                                Span(path, first, 1, first, 2), "declare them in the portfolio to keep their prices"))
    return result(kept.records, table, problems, path)
