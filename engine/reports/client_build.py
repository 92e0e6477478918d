"""The client's report built from a document of each kind (engine/reports/client.py says what it holds):
a year-end or harvest plan, a month plan, a rebalance, a status. Each builder reads only the
document; the summary's sentences are made from the plan's own figures and reasons."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.literals import format_inr
from engine.reports.client import (ClientReport, Document, Names, TaxRow, Weight, kind_of, names_of, order_rows,
                                   weights_of)

if TYPE_CHECKING:
    from engine.policy.model import Policy

# What each decision code of a year-end plan means, for the summary (docs/harvesting.md, "Reasons")
DECISIONS = {
    "SOLD-GAIN": "sold to realise a long-term gain tax-free within the exemption (and bought back, raising its cost)",
    "SOLD-LOSS": "sold to realise a loss that offsets gains",
    "SOLD-MOVED": "sold to move the money into a cheaper fund",
    "KEPT-BEHIND": "kept because an older lot of the same fund is kept (units are sold oldest first)",
    "KEPT-GAIN-NO-USE": "kept: selling would add tax or use no exemption",
    "KEPT-EXEMPTION-FULL": "kept: the exemption is already used",
    "KEPT-EXIT-LOAD": "kept: selling would pay an exit load",
    "KEPT-SHORT-TERM": "kept: selling would realise a short-term gain",
    "KEPT-LOSS-BELOW-THRESHOLD": "kept: its loss is below the policy's threshold",
    "KEPT-LOSS-NO-USE": "kept: its loss has no gain to offset",
    "KEPT-BELOW-MINIMUM": "kept: below the fund's minimum redemption",
    "KEPT-NOT-NEEDED": "kept: not needed",
    "KEPT-STATUS-COST": "kept: a rebuy would worsen its tax status",
    "KEPT-TAXED": "kept: selling would cost tax",
    "KEPT-WITHIN-TOLERANCE": "kept: what it would gain is within the plan's tolerance",
}


@dataclass(frozen=True)
class Built:
    title: str
    subtitle: str
    investors: tuple[str, ...]  # ids
    weights: tuple[Weight, ...]
    taxes: tuple[TaxRow, ...]
    summary: tuple[str, ...]
    reasons: tuple[str, ...]


def client_report(document: Document, policy: Policy | None) -> ClientReport:
    """The page's content for `document` (a plan's or a status's JSON) under `policy`'s names."""
    kind = kind_of(document)
    if kind is None:
        raise ValueError("not a document lotwise reports (api.report_kind says why)")
    names = names_of(policy)
    report = policy.report if policy is not None else None
    portfolio = policy.portfolio.name if policy is not None and policy.portfolio is not None else None
    built = BUILDERS[kind](document, names)
    return ClientReport(
        kind=kind, title=built.title, subtitle=built.subtitle, portfolio=portfolio,
        investors=tuple(names.investor(i) for i in built.investors), weights=built.weights,
        orders=tuple(order_rows(document.get("orders", ()), names)), taxes=built.taxes, summary=built.summary,
        reasons=built.reasons, plan_id=document.get("plan_id"),
        inputs=tuple((str(k), str(v)) for k, v in (document.get("inputs") or {}).items()),
        adviser=report.adviser if report else None, registration=report.registration if report else None,
        disclaimer=report.disclaimer if report else None)


def money(value: str | Decimal | None) -> str:
    return "" if value is None else format_inr(Decimal(value))


def year_end(doc: Document, names: Names) -> Built:
    harvest = doc["kind"] == "harvest"
    drift = doc.get("drift")
    weights = weights_of(drift["before"], drift["after"]) if drift else ()
    taxes, summary = [], []
    for inv in doc["investors"]:
        b, a = inv["before"], inv["after"]
        taxes.append(TaxRow(names.investor(inv["investor"]), Decimal(b["total_tax"]), Decimal(a["total_tax"]),
                            Decimal(b["exemption_used"]), Decimal(a["exemption_used"]), Decimal(inv["exemption"])))
        summary.append(
            f"{names.investor(inv['investor'])}: the plan is worth {money(inv['value'])}: tax saved this year "
            f"{money(inv['tax_saved'])}, future tax avoided {money(inv['step_up'])}, less exit loads "
            f"{money(inv['exit_loads'])} and STT and stamp duty {money(inv['charges'])}. It uses "
            f"{money(a['exemption_used'])} of the {money(inv['exemption'])} exemption on long-term gains "
            f"(s.112A), against {money(b['exemption_used'])} without it; tax for {doc['fy']} "
            f"{money(b['total_tax'])} before, {money(a['total_tax'])} after.")
    decisions = doc["decisions"]
    counts = Counter(d["code"] for d in decisions)
    sold = sum(n for code, n in counts.items() if code.startswith("SOLD"))
    summary.append(f"Every one of the {len(decisions)} lots held was considered; {sold} "
                   f"{'is' if sold == 1 else 'are'} sold. " + "; ".join(
                       f"{n} {DECISIONS.get(code, code)}" for code, n in sorted(counts.items(), key=lambda c: -c[1])
                   ) + ".")
    if harvest:
        summary += [names.in_text(d["reason"]) for d in doc.get("due") or ()]
    summary += [names.in_text(n) for n in doc["notes"]]
    reasons = tuple(names.in_text(d["reason"]) + "." for d in decisions if d["action"] != "KEPT")
    word = "Harvest" if harvest else "Year-end"
    return Built(f"{word} plan for {doc['fy']}", f"Prepared as of {doc['as_of']}",
                 tuple(i["investor"] for i in doc["investors"]), weights, tuple(taxes), tuple(summary), reasons)


def orders_tax(doc: Document, names: Names) -> tuple[TaxRow, ...]:
    """A month plan's or a rebalance's tax: its sells' tax per investor (it gives no FY totals)."""
    by: dict[str, Decimal] = {}
    for o in doc.get("orders", ()):
        if o["side"] == "SELL" and o.get("tax") is not None:
            by[o["investor"]] = by.get(o["investor"], Decimal(0)) + Decimal(o["tax"])
    return tuple(TaxRow(names.investor(i), None, t, None, None, None) for i, t in by.items())


def drift_sentence(before: Mapping[str, Any], after: Mapping[str, Any] | None) -> str:
    from engine.plans.drift import percent

    text = f"The portfolio's drift from its targets is {percent(Decimal(before['total_drift']))}"
    return text + (f" before and {percent(Decimal(after['total_drift']))} after." if after else ".")


def month(doc: Document, names: Names) -> Built:
    money_in = ", ".join(f"{names.investor(i)} {money(m)}" for i, m in doc["money"].items())
    summary = [f"This month's money: {money_in or 'none'}; it buys the assets below their targets.",
               drift_sentence(doc["before"], doc["after"]), names.in_text(doc["selling"]["reason"]).capitalize() + "."]
    summary += [names.in_text(r["reason"]) for r in (doc.get("harvest_due") or {}).get("reasons", ())]
    summary += [names.in_text(n) for n in doc["notes"]]
    summary += [f"Not placed: {names.investor(u['investor'])} {money(u['amount'])} for {u['asset']}: {u['reason']}"
                for u in doc["unplaced"]]
    return Built(f"Month plan for {doc['month']}", f"Prepared as of {doc['as_of']}", tuple(doc["money"]),
                 weights_of(doc["before"], doc["after"]), orders_tax(doc, names), tuple(summary), ())


def rebalance(doc: Document, names: Names) -> Built:
    due = doc["due"]
    summary = [f"Method: {doc['method']} ({REBALANCE[doc['method']]}).",
               ("A rebalance is due: " if due["due"] else "A rebalance is not due: ") + "; ".join(due["reasons"]) + ".",
               drift_sentence(doc["before"], doc["after"])]
    summary += [names.in_text(str(w)) for w in doc["warnings"]] + [names.in_text(n) for n in doc["notes"]]
    investors = tuple(dict.fromkeys(o["investor"] for o in doc["orders"]))
    return Built("Rebalance", f"Prepared as of {doc['as_of']}", investors, weights_of(doc["before"], doc["after"]),
                 orders_tax(doc, names), tuple(summary), ())


REBALANCE = {"full": "every asset back to its target", "partial": "the assets outside their band back to target",
             "cash": "new money only, into the assets below target"}


def status(doc: Document, names: Names) -> Built:
    summary = [f"The portfolio is worth {money(doc['value'])}. " + drift_sentence(doc, None)]
    summary += [f"{names.investor(i['investor'])}: long-term gains realised in {doc['fy']} "
                f"{money(i['ltcg_realised_this_fy'])}; {money(i['exemption_left'])} of the exemption is left, and "
                f"{money(i['harvestable_ltcg_now'])} of gains could be realised tax-free now." for i in doc["investors"]]
    return Built(f"Status for {doc['fy']}", f"As of {doc['as_of']}", tuple(i["investor"] for i in doc["investors"]),
                 weights_of(doc, None), (), tuple(summary), ())


BUILDERS: dict[str, Callable[[Document, Names], Built]] = {
    "year-end": year_end, "harvest": year_end, "month": month, "rebalance": rebalance, "status": status}
