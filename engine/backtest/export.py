"""A run's rows as a transactions CSV (docs/file-formats.md; read by
engine/book/importers/transactions_csv.py): a fresh book importing it, with the prices, holds the
run's lots, and `lotwise gains` gives the run's tax of each FY (tests/backtest/test_simulate.py)."""

from __future__ import annotations

from collections.abc import Iterable

from engine.transactions import Transaction

HEADER = "date,investor,account,security,type,units,price,charges"


def transactions_csv(rows: Iterable[Transaction]) -> str:
    """One line per row, in the run's order (the book keeps file order within a day); the numbers
    exactly as recorded."""
    lines = [HEADER]
    for r in rows:
        lines.append(f"{r.date.isoformat()},{r.investor},{r.account},{r.security},{r.type.value},{r.units},"
                     f"{r.price},{r.charges}")
    return "\n".join(lines) + "\n"
