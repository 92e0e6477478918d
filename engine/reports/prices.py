"""What `lotwise prices fetch` says: where the NAVs came from and of which day, each policy
fund's NAV with how many prices were added, and the totals; or why nothing was imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.fetched_prices import FundPrices, PricesFetched


def _fund_line(fund: FundPrices, width: int) -> str:
    days = f"on {fund.last}" if fund.first == fund.last else f"{fund.first} to {fund.last}"
    unchanged = fund.prices - fund.added - fund.updated
    counts = f"{fund.prices} price{'s' if fund.prices != 1 else ''}: {fund.added} added" + (
        f", {fund.updated} updated" if fund.updated else "") + (f", {unchanged} unchanged" if unchanged else "")
    return f"  {fund.security:<{width}}  NAV {fund.nav} {days}  ({counts})  {fund.name}\n"


def fetched_text(fetched: PricesFetched) -> str:
    """The download's NAV date, each fund found, and the import's totals (stdout)."""
    report = fetched.outcome.reports[0]
    day = f"NAVs of {fetched.nav_date}" if fetched.nav_date else "no NAV of the policy's funds"
    lines = [f"{fetched.source}: {day}\n"]
    width = max((len(f.security) for f in fetched.funds), default=0)
    lines += [_fund_line(f, width) for f in fetched.funds]
    funds = len(fetched.funds) + len(fetched.lacking)
    note = " (this file was imported before: nothing added)" if report.already_imported else ""
    lacking = f"; no NAV for {', '.join(fetched.lacking)}" if fetched.lacking else ""
    lines.append(f"{len(fetched.funds)} of {funds} funds priced{lacking}: {report.added} added, "
                 f"{report.updated} updated, {report.skipped} unchanged{note}\n")
    return "".join(lines)


def rejected_fetch(fetched: PricesFetched) -> str:
    """Why nothing was imported (stderr): the download's or the file's errors."""
    from engine.reports.book import rejected_text

    return rejected_text(fetched.outcome)
