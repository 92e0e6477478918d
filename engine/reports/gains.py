"""`lotwise gains` rendered: an api.Gains (engine/gains.py) as JSON data (docs/json.md) or as
text, one block per investor and FY."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from engine.reports.orders import text

if TYPE_CHECKING:
    from engine.gains import Gains, InvestorGains
    from engine.tax.intraday import Speculative


def _money(value: Any) -> str:
    from engine.literals import format_inr

    return format_inr(value)


def investor_json(found: InvestorGains) -> dict[str, Any]:
    """One investor's FY: the year (engine/tax/year.py, year_json), its sales and intraday trades,
    Schedule CG's items before set-off and Schedule 112A's total balance (None: no row)."""
    from engine.literals import money_text
    from engine.tax.schedule_112a import total_balance
    from engine.tax.year import year_json

    return {
        **year_json(found.year),
        "sales": [{"sold": p.sold.isoformat(), "security": p.security, "account": p.account, "source": p.source,
                   "lot": p.lot_id, "acquired": p.acquired.isoformat(), "units": str(p.units),
                   "cost": str(p.cost), "basis": str(p.basis), "proceeds": str(p.proceeds),
                   "expenses": str(p.expenses), "term": p.term,
                   "rate": None if p.rate is None else str(p.rate), "gain": str(p.gain),
                   "notes": list(p.notes)} for p in found.sales],
        "speculative": found.speculative.to_json(),
        "schedule_cg": [item.to_json() for item in found.schedule_cg],
        "schedule_112a_balance": (money_text(total_balance(found.schedule_112a))
                                  if found.schedule_112a else None),
    }


def gains_json(found: Gains, several: bool) -> dict[str, Any]:
    """`gains --json`: one FY's object, or with `several` (a range, `all`) `{"years": [...]}`."""
    from engine.literals import fy_label

    if not several:
        year = found.years[0]
        return {"fy": fy_label(year.fy), "investors": [investor_json(i) for i in year.investors],
                "diagnostics": [d.to_json() for d in found.problems]}
    return {"years": [{"fy": fy_label(y.fy), "investors": [investor_json(i) for i in y.investors],
                       "diagnostics": [d.to_json() for d in y.problems]} for y in found.years],
            "diagnostics": [d.to_json() for d in found.problems]}


def no_year_text() -> str:
    return "no sales and no losses brought in: the book has no financial year to report\n"


def investor_text(found: InvestorGains) -> str:
    """One investor's block of `gains`: the year, its sales, its intraday trades."""
    from tabulate import tabulate

    from engine.literals import fy_label

    result, sales = found.year, found.sales
    rows = [["short-term gains", _money(result.st_gains)], ["short-term losses", _money(result.st_losses)],
            ["long-term gains", _money(result.lt_gains)], ["long-term losses", _money(result.lt_losses)],
            ["net STCG", _money(result.net_stcg)], ["net LTCG", _money(result.net_ltcg)],
            ["exemption used", f"{_money(result.exemption_used)} of {_money(result.exemption_limit)}"],
            ["taxable LTCG", _money(result.taxable_ltcg)],
            ["tax", f"{_money(result.tax)} + cess {_money(result.cess)} = {_money(result.total_tax)}"]]
    if result.exempt_lt_gains or result.exempt_lt_losses:  # e.g. s.10(38), before 1 April 2018
        rows.append(["exempt long-term gains", _money(result.exempt_lt_gains)])
        rows.append(["exempt long-term losses", f"{_money(result.exempt_lt_losses)} (not set off, not carried)"])
    if result.slab_gains and not result.slab_rate_known:
        rows.append(["slab-rate gains", f"{_money(result.slab_gains)} (not taxed here: no slab rate given "
                     f"for {fy_label(result.fy)}; see the note)"])
    for s in result.set_offs:
        if s.brought_forward:
            rows.append([f"set off, brought forward ({s.loss_term} loss of {fy_label(s.loss_fy)})",
                         f"{_money(s.amount)} against {s.against}"])
    for loss in result.carry_forward:
        rows.append([f"carry forward ({loss.term} loss of {fy_label(loss.fy)})", _money(loss.amount)])
    for loss in result.expired:
        rows.append([f"expired ({loss.term} loss of {fy_label(loss.fy)})", _money(loss.amount)])
    lines = [f"{result.investor}, {fy_label(result.fy)}", tabulate(rows, tablefmt="plain", disable_numparse=True)]
    lines += schedule_cg_lines(found)
    if sales:
        lines.append(tabulate([[p.sold.isoformat(), p.security, p.account, p.lot_id, p.acquired.isoformat(),
                                f"{p.units}", _money(p.cost), _money(p.basis), _money(p.proceeds), p.term,
                                _money(p.gain)] for p in sales],
                              ["sold", "security", "account", "lot", "acquired", "units", "cost", "basis",
                               "proceeds", "term", "gain"], disable_numparse=True))
    lines += speculative_lines(found.speculative)
    lines.append("")
    return text(lines)


def schedule_cg_lines(found: InvestorGains) -> list[str]:
    """Schedule CG's figures that the block above does not give: the sales per term and rate
    before set-off (s.111A at 15% / 20%, s.112A at 10% / 12.5%, slab-rate gains), the
    current year's set-offs, Schedule 112A's total balance and the tax per rate. None for a
    year without sales."""
    from tabulate import tabulate

    from engine.literals import fy_label
    from engine.tax.schedule_112a import total_balance

    result = found.year
    rows = [[item.label(), _money(item.net)] for item in found.schedule_cg]
    for s in result.set_offs:
        if not s.brought_forward:
            rows.append([f"set off, current year ({s.loss_term} loss of {fy_label(s.loss_fy)})",
                         f"{_money(s.amount)} against {s.against}"])
    if found.schedule_112a:
        rows.append(["Schedule 112A balance (col. 14, whole rupees)", _money(total_balance(found.schedule_112a))])
    rows += [[f"taxed at {label}", f"{_money(tax)} on {_money(taxable)}"]
             for label, taxable, tax in result.tax_by_tranche if taxable]
    if not found.schedule_cg:
        return []
    return ["Schedule CG (the FY's sales per rate, gains less losses, before set-off):",
            tabulate(rows, tablefmt="plain", disable_numparse=True)]


def slab_note(found: InvestorGains) -> str | None:
    """The note (for stderr) when slab-rate gains were not taxed for want of a slab rate."""
    from engine.literals import fy_label

    result = found.year
    if not (result.slab_gains and not result.slab_rate_known):
        return None
    return (f"note: {result.investor}'s slab-rate gains are not taxed here: the policy states no slab rate "
            f"for {fy_label(result.fy)} (investor {result.investor} ... slab 30% for {fy_label(result.fy)}). "
            "The s.87A rebate and the basic-exemption shortfall are out of scope (docs/tax-rules.md).")


def speculative_lines(spec: Speculative) -> list[str]:
    """An investor's intraday trades of the FY, apart from the capital gains (s.43(5))."""
    from tabulate import tabulate

    if not spec.trades:
        return []
    word = "profit" if spec.profit >= 0 else "loss"
    return [f"speculative (intraday) {word}: {_money(abs(spec.profit))}: business income under s.43(5), not a "
            "capital gain; not set off against capital gains, taxed at slab, not included in the tax above",
            tabulate([[t.day.isoformat(), t.security, t.account, f"{t.units}", _money(t.cost), _money(t.proceeds),
                       _money(t.expenses), _money(t.profit)] for t in spec.trades],
                     ["date", "security", "account", "units", "cost", "proceeds", "expenses", "profit"],
                     disable_numparse=True)]


def lots_json(lots: Iterable[Any]) -> dict[str, Any]:
    """`lots --json`."""
    return {"lots": [{
        "lot": lot.id, "investor": lot.investor, "account": lot.account, "security": lot.security,
        "acquired": lot.acquired.isoformat(), "units": str(lot.units), "cost": str(lot.cost),
        "how": lot.how, "origin": lot.origin} for lot in lots]}


def lots_text(lots: tuple[Any, ...]) -> str:
    from tabulate import tabulate

    from engine.literals import format_inr

    rows = [[lot.id, lot.investor, lot.account, lot.security, lot.acquired.isoformat(), f"{lot.units}",
             format_inr(lot.cost), lot.how] for lot in lots]
    return text([tabulate(rows, ["lot", "investor", "account", "security", "acquired", "units", "cost", "how"],
                          disable_numparse=True), f"{len(lots)} lot(s)"])
