"""`gains --schedule-112a FILE`: Schedule 112A's rows (engine/tax/schedule_112a.py) as the
income-tax utility's CSV template has them (docs/schedule-112a.md): its header, one line per
row, amounts in whole rupees, units and prices per unit with at most 4 decimals.

The utility imports one taxpayer's rows, so each investor gets a file of their own: FILE
itself for a single investor (one in the policy, or `--investor`), else FILE with `-ID`
before its extension (schedule.csv: schedule-asha.csv, schedule-ravi.csv)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from engine.tax.schedule_112a import Row112A

COLUMNS = (
    "Share/Unit acquired(1a)",
    "Share/Unit Transferred(1b)",
    "ISIN Code(2)",
    "Name of the Share/Unit(3)",
    "No. of Shares/Units(4)",
    "Sale-price per Share/Unit(5)",
    "Full Value of Consideration(Total Sale Value)(6) = 4 * 5",
    "Cost of acquisition without indexation(7)",
    "Cost of acquisition(8)",
    "If the long term capital asset was acquired before 01.02.2018(9)",
    "Fair Market Value per share/unit as on 31st January 2018(10)",
    "Total Fair Market Value of capital asset as per section 55(2)(ac)(11) = 4 * 10",
    "Expenditure wholly and exclusively in connection with transfer(12)",
    "Total deductions(13) = 7 + 12",
    "Balance(14) = 6 - 13",
)
TRANSFERRED = COLUMNS[1]


def number(value: Decimal | None) -> str:
    """A cell: blank for None, else plain digits (no exponent, no grouping, no trailing zeros)."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def schedule_csv(rows: Iterable[Row112A], with_transfer_column: bool) -> str:
    """The CSV text: the template's header (without column 1b before FY 2024-25), then the rows."""
    header = [c for c in COLUMNS if with_transfer_column or c != TRANSFERRED]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        cells = [str(r.acquired), "" if r.transferred is None else str(r.transferred), r.isin, r.name,
                 number(r.units), number(r.sale_price), number(r.full_value), number(r.cost_without_indexation),
                 number(r.cost), number(r.lower_of_sale_and_fmv), number(r.fmv_per_unit), number(r.fmv_total),
                 number(r.expenditure), number(r.deductions), number(r.balance)]
        writer.writerow(cells if with_transfer_column else cells[:1] + cells[2:])
    return out.getvalue()


def investor_paths(path: str, investors: Sequence[str]) -> dict[str, Path]:
    """Each investor's file: `path` for one, else `path` with `-ID` before its extension."""
    target = Path(path)
    if len(investors) == 1:
        return {investors[0]: target}
    return {i: target.with_name(f"{target.stem}-{i}{target.suffix}") for i in investors}


def unwritable(path: Path) -> str | None:
    """Why `path` cannot be written (checked before any work), or None."""
    if path.is_dir():
        return "it is a directory"
    if path.exists():
        return None if os.access(path, os.W_OK) else "the file is read-only"
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f"there is no folder {folder}"
    return None if os.access(folder, os.W_OK | os.X_OK) else f"the folder {folder} is read-only"

