"""The brought-forward losses CSV: investor,fy,term,amount[,into], from the investor's return.

One row per capital loss carried forward (schedule CFL of the return, s.74): the FY in
which the loss arose (`FY 2022-23` or `2022-23`), its term (`short-term`/`long-term`, or
`short`/`long`, `STCL`/`LTCL`), the amount still to be set off, in rupees (zero or more),
and optionally `into`, the FY at whose start that amount was still to be set off (by
default the year after the loss arose). The loss enters the book's chain of years at that
year only (engine/tax/chain.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic
from engine.book.importers.csvrows import AMOUNT, CellError, CellReader, OnePerKey, choose, header_of, read_decimal, result, rows
from engine.book.importers.transactions_csv import known_names
from engine.literals import LiteralError, fy_label, read_fy
from engine.transactions import BroughtForwardLoss
from engine.vocabulary import Term

if TYPE_CHECKING:
    from engine.policy.model import Policy

KIND, STORES = "losses-csv", "losses"
COLUMNS = ("investor", "fy", "term", "amount")
OPTIONAL = ("into",)

_FY = re.compile(r"^(?:FY\s*)?(\d{4})-(\d{2,4})$", re.IGNORECASE)
TERMS = {"short-term": Term.SHORT, "short term": Term.SHORT, "short": Term.SHORT, "stcl": Term.SHORT,
         "long-term": Term.LONG, "long term": Term.LONG, "long": Term.LONG, "ltcl": Term.LONG}


def detect(text: str) -> bool:
    return set(COLUMNS) <= set(header_of(text))


def read(text: str, path: str, policy: Policy | None = None) -> tuple[list[BroughtForwardLoss], list[Diagnostic]]:
    table, problems = rows(text, path, COLUMNS, OPTIONAL)
    investors, _ = known_names(policy)
    kept: OnePerKey[BroughtForwardLoss] = OnePerKey(path, problems)
    for row in table:
        cell = CellReader(row, path, problems)  # reports every bad cell of the row

        investor = cell("investor", lambda v: _investor(v, investors))
        fy = cell("fy", read_fy_cell)
        term = cell("term", read_term)
        amount = cell("amount", lambda v: read_decimal(v, "amount", AMOUNT))
        into = cell("into", lambda v: read_fy_cell(v) if v else None)
        if cell.bad or investor is None or fy is None or term is None or amount is None:
            continue  # (a cell is None only when it is bad; `into` may be empty)
        if into is not None and into <= fy:
            cell("into", lambda v: _not_after(v, fy))
            continue
        loss = BroughtForwardLoss(investor, fy, term, amount, into or 0)
        kept.add((investor, fy, term, loss.into), amount, loss, row, "amount", "I128",
                 f"a second, different {term} loss for {investor} from {fy_label(fy)} brought into "
                 f"{fy_label(loss.into)}", "the return has one amount per year and term")
    return result(kept.records, table, problems, path)


def _investor(value: str, investors: dict[str, str] | None) -> str:
    if not value:
        raise CellError("I108", "the investor is empty", "name the investor, as the policy does")
    if investors is None:
        return value
    return choose(value, investors, "investor", "declare the investor in the policy's portfolio")


def read_fy_cell(value: str) -> int:
    """`FY 2022-23`, `2022-23` (or `FY 2022-2023`) -> 2022; `FY 2025-27` is an error."""
    match = _FY.match(value)
    if not match:
        raise CellError("I126", f"`{value}` is not a financial year", "write FY 2022-23 or 2022-23")
    try:
        return read_fy(f"FY {match[1]}-{match[2]}")
    except LiteralError as e:
        raise CellError("I126", f"`{value}` is not a financial year: a financial year runs one year", e.hint)


def read_term(value: str) -> Term:
    term = TERMS.get(re.sub(r"\s+", " ", value.strip().lower()))
    if term is None:
        raise CellError("I127", f"unknown term `{value}`", "write short-term or long-term (or STCL, LTCL)")
    return term


def _not_after(value: str, origin: int) -> None:
    raise CellError("I129", f"`{value}` is not after the year the loss arose ({fy_label(origin)})",
                    "`into` is the year the loss is brought into: a later year than `fy`")
