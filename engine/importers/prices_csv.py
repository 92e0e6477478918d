"""The prices CSV: date,security,price (a closing price or NAV per unit, in rupees)."""

from __future__ import annotations

from engine.diagnostics import Diagnostic, error
from engine.importers.csvrows import CellError, choose, header_of, read_date, read_decimal, rows
from engine.importers.transactions_csv import known_names
from engine.transactions import Price

KIND, STORES = "prices-csv", "prices"
COLUMNS = ("date", "security", "price")


def detect(text: str) -> bool:
    return set(COLUMNS) <= set(header_of(text))


def read(text: str, path: str, policy=None) -> tuple[list[Price], list[Diagnostic]]:
    table, problems = rows(text, path, COLUMNS)
    _, securities = known_names(policy)
    records: list[Price] = []
    seen: dict[tuple, tuple[int, int]] = {}  # (security, day) -> (index in records, line)
    for row in table:
        cells = row.cells
        column = "date"
        try:
            day = read_date(cells["date"])
            column = "security"
            security = cells["security"].upper() if securities is None else choose(
                cells["security"], securities, "security", "declare it in the policy's portfolio")
            column = "price"
            price = read_decimal(cells["price"], "price", positive=True)
        except CellError as e:
            problems.append(error(e.code, f"row {row.line}, column `{column}`: {e.message}",
                                  row.span(path, column), e.hint))
            continue
        first = seen.get((security, day))
        if first is not None:
            if records[first[0]].price != price:
                problems.append(error("I111", f"row {row.line}: a second, different price for {security} on {day}",
                                      row.span(path, "price"),
                                      f"keep one price per security per day (the first is on row {first[1]})"))
            continue
        seen[(security, day)] = (len(records), row.line)
        records.append(Price(day, security, price))
    if any(d.is_error for d in problems):
        return [], problems
    return records, problems
