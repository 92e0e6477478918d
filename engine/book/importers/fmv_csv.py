"""The FMV CSV: security,fmv: the fair market value per unit on 31-01-2018 (s.55(2)(ac)).

For a unit or share bought before 01-02-2018 and sold as a long-term asset, the cost is
the higher of the actual cost and the lower of this FMV and the sale price. `security` is
an id or ISIN the policy declares; `fmv` is in rupees per unit, more than zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic, error
from engine.book.importers.csvrows import PRICE, CellError, OnePerKey, choose, header_of, read_decimal, result, rows
from engine.book.importers.transactions_csv import known_names
from engine.transactions import Fmv

if TYPE_CHECKING:
    from engine.policy.model import Policy

KIND, STORES = "fmv-csv", "fmv"
COLUMNS = ("security", "fmv")


def detect(text: str) -> bool:
    header = set(header_of(text))
    return set(COLUMNS) <= header and "date" not in header


def read(text: str, path: str, policy: Policy | None = None) -> tuple[list[Fmv], list[Diagnostic]]:
    table, problems = rows(text, path, COLUMNS)
    _, securities = known_names(policy)
    kept: OnePerKey[Fmv] = OnePerKey(path, problems)
    for row in table:
        cells = row.cells
        column = "security"
        try:
            if not cells["security"]:
                raise CellError("I108", "the security is empty", "give the fund's ISIN or the policy's id for it")
            security = cells["security"].upper() if securities is None else choose(
                cells["security"], securities, "security", "declare it in the policy's portfolio")
            column = "fmv"
            value = read_decimal(cells["fmv"], "fmv", PRICE, positive=True)
        except CellError as e:
            problems.append(error(e.code, f"row {row.line}, column `{column}`: {e.message}",
                                  row.span(path, column), e.hint))
            continue
        kept.add(security, value, Fmv(security, value), row, "fmv", "I125",
                 f"a second, different FMV for {security}", "keep one FMV per security")
    return result(kept.records, table, problems, path)
