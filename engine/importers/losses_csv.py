"""The brought-forward losses CSV: investor,fy,term,amount, from the investor's return.

One row per capital loss carried forward (schedule CFL of the return, s.74): the FY in
which the loss arose (`FY 2022-23` or `2022-23`), its term (`short-term`/`long-term`, or
`short`/`long`, `STCL`/`LTCL`) and the amount still to be set off, in rupees, more than zero.
"""

from __future__ import annotations

import re

from engine.diagnostics import Diagnostic
from engine.importers.csvrows import CellError, CellReader, OnePerKey, choose, header_of, read_decimal, result, rows
from engine.importers.transactions_csv import known_names
from engine.literals import LiteralError, read_fy
from engine.transactions import BroughtForwardLoss

KIND, STORES = "losses-csv", "losses"
COLUMNS = ("investor", "fy", "term", "amount")

_FY = re.compile(r"^(?:FY\s*)?(\d{4})-(\d{2,4})$", re.IGNORECASE)
TERMS = {"short-term": "short-term", "short term": "short-term", "short": "short-term", "stcl": "short-term",
         "long-term": "long-term", "long term": "long-term", "long": "long-term", "ltcl": "long-term"}


def detect(text: str) -> bool:
    return set(COLUMNS) <= set(header_of(text))


def read(text: str, path: str, policy=None) -> tuple[list[BroughtForwardLoss], list[Diagnostic]]:
    table, problems = rows(text, path, COLUMNS)
    investors, _ = known_names(policy)
    kept = OnePerKey(path, problems)
    for row in table:
        cell = CellReader(row, path, problems)  # reports every bad cell of the row

        investor = cell("investor", lambda v: _investor(v, investors))
        fy = cell("fy", read_fy_cell)
        term = cell("term", read_term)
        amount = cell("amount", lambda v: read_decimal(v, "amount", positive=True))
        if cell.bad:
            continue
        kept.add((investor, fy, term), amount, BroughtForwardLoss(investor, fy, term, amount), row, "amount",
                 "I128", f"a second, different {term} loss for {investor} from FY {fy}-{(fy + 1) % 100:02d}",
                 "the return has one amount per year and term")
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


def read_term(value: str) -> str:
    term = TERMS.get(re.sub(r"\s+", " ", value.strip().lower()))
    if term is None:
        raise CellError("I127", f"unknown term `{value}`", "write short-term or long-term (or STCL, LTCL)")
    return term
