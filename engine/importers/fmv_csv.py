"""The FMV CSV: security,fmv: the fair market value per unit on 31-01-2018 (s.55(2)(ac)).

For a unit or share bought before 01-02-2018 and sold as a long-term asset, the cost is
the higher of the actual cost and the lower of this FMV and the sale price. `security` is
an id or ISIN the policy declares; `fmv` is in rupees per unit, more than zero.
"""

from __future__ import annotations

from engine.diagnostics import Diagnostic, Span, error
from engine.importers.csvrows import CellError, choose, header_of, read_decimal, rows
from engine.importers.transactions_csv import known_names
from engine.transactions import Fmv

KIND, STORES = "fmv-csv", "fmv"
COLUMNS = ("security", "fmv")


def detect(text: str) -> bool:
    header = set(header_of(text))
    return set(COLUMNS) <= header and "date" not in header


def read(text: str, path: str, policy=None) -> tuple[list[Fmv], list[Diagnostic]]:
    table, problems = rows(text, path, COLUMNS)
    _, securities = known_names(policy)
    records: list[Fmv] = []
    seen: dict[str, tuple[int, int]] = {}  # security -> (index in records, line)
    for row in table:
        cells = row.cells
        column = "security"
        try:
            if not cells["security"]:
                raise CellError("I108", "the security is empty", "give the fund's ISIN or the policy's id for it")
            security = cells["security"].upper() if securities is None else choose(
                cells["security"], securities, "security", "declare it in the policy's portfolio")
            column = "fmv"
            value = read_decimal(cells["fmv"], "fmv", positive=True)
        except CellError as e:
            problems.append(error(e.code, f"row {row.line}, column `{column}`: {e.message}",
                                  row.span(path, column), e.hint))
            continue
        first = seen.get(security)
        if first is not None:
            if records[first[0]].value != value:
                problems.append(error("I125", f"row {row.line}: a second, different FMV for {security}",
                                      row.span(path, "fmv"),
                                      f"keep one FMV per security (the first is on row {first[1]})"))
            continue
        seen[security] = (len(records), row.line)
        records.append(Fmv(security, value))
    if not table and not problems:
        problems.append(error("I109", f"`{path}` has a header but no rows", Span(path, 1, 1, 1, 2),
                              "is this the right file?"))
    if any(d.is_error for d in problems):
        return [], problems
    return records, problems
