"""The year-end plan rendered from its JSON as saved (engine/harvest/year_end.py, to_json): as
text, as the orders' CSV (what to place with the AMC or the broker) and as a Markdown report an
adviser can file. Text from the user's data is escaped for CSV, Markdown and HTML
(engine/reports/escape.py)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.reports.orders import text

if TYPE_CHECKING:
    from engine.reports.client import Names

Body = Mapping[str, Any]  # a plan's JSON, parsed


def inr(value: str | None) -> str:
    """A money string of the plan's JSON as rupees (`Rs 1,25,000.00`); nothing for None."""
    from engine.literals import format_inr

    return "" if value is None else format_inr(Decimal(value))


def _investor_lines(inv: Mapping[str, Any]) -> list[str]:
    from tabulate import tabulate

    b, a = inv["before"], inv["after"]
    return [f"\n{inv['investor']}",
            tabulate([
                ["net STCG", inr(b["net_stcg"]), inr(a["net_stcg"])],
                ["net LTCG", inr(b["net_ltcg"]), inr(a["net_ltcg"])],
                ["exemption used", inr(b["exemption_used"]), inr(a["exemption_used"])],
                ["tax (with cess)", inr(b["total_tax"]), inr(a["total_tax"])],
                ["carried forward", inr(str(sum(Decimal(l["amount"]) for l in b["carry_forward"]))),
                 inr(str(sum(Decimal(l["amount"]) for l in a["carry_forward"])))],
            ], ["", "before", "after"], disable_numparse=True),
            f"value of the plan: {inr(inv['value'])} = tax saved {inr(inv['tax_saved'])} + future tax avoided "
            f"{inr(inv['step_up'])}{_present(inv)}{_status(inv, ' - ')}{_moving(inv)} - exit loads {inr(inv['exit_loads'])} - "
            f"STT and stamp duty {inr(inv['charges'])} (the plan may leave net LTCG up to {inr(inv['allowance'])}"
            f"{_past_allowance(inv)})"] + \
        ([f"not proven the best: the optimizer's time limit bound; no plan is worth more than {inr(inv['gap'])} above "
          "this one"] if "gap" in inv else []) + migration_lines(inv)


def _past_allowance(inv: Mapping[str, Any]) -> str:
    """Where the policy values expense savings, a move out of a costly fund may take net LTCG past
    the allowance (docs/harvesting.md, "Migration and consolidation"): the bound says so."""
    return ", more by the gains of a move whose saving pays their tax" if "migration" in inv else ""


def _present(inv: Mapping[str, Any]) -> str:
    """How future tax was valued, where the plan says (engine/harvest/time_value.py time_terms)."""
    from engine.literals import format_percent

    t = inv.get("time_value")
    if t is None:
        return ""
    if Decimal(t["discount_rate"]) == 0:
        return f" (at face value: no discount, over {_years(t['horizon_years'])})"
    return (f" (at its present value: {format_percent(Decimal(t['discount_rate']))} a year over "
            f"{_years(t['horizon_years'])}, x {t['discount_factor']})")


def _status(inv: Mapping[str, Any], joint: str) -> str:
    """The price of rebuys that worsen the units' tax status, where the plan says."""
    from engine.literals import format_percent

    t = inv.get("time_value")
    if t is None or Decimal(inv["status_cost"]) == 0:
        return ""
    return (f"{joint}tax status lost by rebuys {inr(inv['status_cost'])} (growth of "
            f"{format_percent(Decimal(t['growth_rate']))} a year taxed at the rebought units' rate)")


def _moving(inv: Mapping[str, Any]) -> str:
    """The expense a migration saves, less the step-up of the gains it pays tax on, where the plan says."""
    m = inv.get("migration")
    return "" if not isinstance(m, dict) else f" + expense saved by moving, net {inr(m['value'])}"


def _years(n: int) -> str:
    return f"{n} year{'s' if n != 1 else ''}"


def plan_text(body: Body) -> str:
    """`plan year-end` as text."""
    from tabulate import tabulate

    harvest = body["kind"] == "harvest"
    lines = [f"{'Harvest' if harvest else 'Year-end'} plan {body['plan_id']} for {body['fy']}, as of {body['as_of']}"]
    if harvest:
        lines += due_lines(body)
    for inv in body["investors"]:
        lines += _investor_lines(inv)
        if harvest:
            lines.append(losses_used_line(body, inv))
    rows = [[o["date"], o["investor"], o["account"], o["security"], o["side"], inr(o["amount"]),
             o["units"] if o["side"] == "SELL" else ("" if o["units"] is None else f"~{o['units']}")]
            for o in body["orders"]]
    lines.append("")
    lines.append(tabulate(rows, ["date", "investor", "account", "security", "side", "amount", "units"],
                          disable_numparse=True) if rows else "no orders")
    for u in body["unplaced"]:
        lines.append(f"not placed: {u['investor']} {inr(u['amount'])} for {u['asset']}: {u['reason']}")
    lines += list(body["notes"])
    if "drift" in body:
        lines += drift_lines(body["drift"])
    borrowed = [f"{f['security']} {f['fmv']}" for f in body.get("fmv", ()) if f["source"] != "book"]
    if borrowed:
        lines.append(f"FMVs on 31-01-2018 from casparser-isin, not the book (grandfathering, s.55(2)(ac)): "
                     f"{', '.join(borrowed)}; `lotwise import` a security,fmv CSV to use your own")
    sold = sum(1 for d in body["decisions"] if d["action"] == "SOLD")
    lines.append(f"\n{len(body['decisions'])} lots considered, {sold} sold; `lotwise why {body['plan_id']}` says why "
                 "for each lot")
    return text(lines)


def drift_lines(drift: Mapping[str, Any]) -> list[str]:
    """The drift before and after the plan (present when the buying rule placed the money)."""
    from tabulate import tabulate

    from engine.plans.drift import percent, points

    after = {a["asset"]: a for a in drift["after"]["assets"]}
    rows = [[b["asset"], percent(Decimal(b["target"])), percent(Decimal(b["weight"])), points(Decimal(b["drift"])),
             percent(Decimal(after[b["asset"]]["weight"])), points(Decimal(after[b["asset"]]["drift"]))]
            for b in drift["before"]["assets"]]
    return ["\nDrift before and after the plan (all investors, at the plan's prices)",
            tabulate(rows, ["asset", "target", "weight before", "drift before", "weight after", "drift after"],
                     disable_numparse=True),
            f"Total drift ({drift['measure'].replace('-', ' ')}): {points(Decimal(drift['before']['total_drift']))} "
            f"before, {points(Decimal(drift['after']['total_drift']))} after"]


def due_lines(body: Body) -> list[str]:
    """`plan harvest`: the triggers that fired on its day, or that none did."""
    due = body.get("due") or []
    if not due:
        return ["no harvest trigger fired on this day (the plan is made as asked)"]
    return ["a harvest is due:"] + [f"  {d['reason']}" for d in due]


def losses_used_line(body: Body, inv: Mapping[str, Any]) -> str:
    """How much of the losses the plan realises for this investor the FY uses: the losses of
    the lots it sells, less what it adds to the losses carried forward (the objective carries
    none forward needlessly, docs/harvesting.md "The objective")."""
    realised = -sum((Decimal(lot["gain"]) for o in body["orders"] if o["side"] == "SELL"
                     and o["investor"] == inv["investor"] for lot in o["lots"] if Decimal(lot["gain"]) < 0), Decimal(0))
    carried = (sum((Decimal(l["amount"]) for l in inv["after"]["carry_forward"]), Decimal(0))
               - sum((Decimal(l["amount"]) for l in inv["before"]["carry_forward"]), Decimal(0)))
    added = max(carried, Decimal(0))
    if not realised:
        return "losses harvested: none"
    used = realised - added
    return (f"losses harvested: {inr(str(realised))}, of which {inr(str(used))} used this FY (against its "
            f"gains, or gains realised tax-free with them) and {inr(str(added))} carried forward"
            + (" (none needlessly)" if not added else ""))


def orders_csv(body: Body) -> str:
    """The orders, one row each (docs/json.md): what to place with the AMC or the broker."""
    import csv
    import io

    from engine.reports.escape import csv_text  # names from the user's data: no formula runs (OWASP)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["plan_id", "date", "investor", "account", "security", "asset", "side", "amount", "units",
                     "price"])
    for o in body["orders"]:
        writer.writerow([body["plan_id"], o["date"], csv_text(o["investor"]), csv_text(o["account"]),
                         csv_text(o["security"]), csv_text(o["asset"]), o["side"], o["amount"], o["units"] or "",
                         o["price"] or ""])
    return out.getvalue()


def markdown(body: Body, names: Names | None = None) -> str:
    """A report an adviser can file with the client's records. Text from the user's data (names,
    accounts, reasons, notes) is escaped for Markdown and HTML (engine/reports/escape.py). With
    `names` (the policy's, engine/reports/client.py names_of) investors and funds are named as the
    policy names them, in the headings, the orders and the reasons; without, by their ids."""
    from engine.plans.drift import percent, points
    from engine.reports.client import Names
    from engine.reports.escape import md_text as md

    named = names if names is not None else Names({}, {})

    harvest = body["kind"] == "harvest"
    lines = [f"# {'Harvest' if harvest else 'Year-end'} plan {body['plan_id']}", "",
             f"Financial year {body['fy']}, prepared as of {body['as_of']} by lotwise {body['inputs']['engine']}.",
             "The plan id is derived from the hashes of its inputs (below): the same book, policy and date give "
             "the same plan.", ""]
    if harvest:
        due = body.get("due") or []
        lines += (["## Why a harvest now", ""] + [f"- {md(d['reason'])}" for d in due] if due else
                  ["No harvest trigger fired on this day: the plan was made as asked."]) + [""]
    for inv in body["investors"]:
        b, a = inv["before"], inv["after"]
        lines += [f"## {md(named.investor(inv['investor']))}", "", "| | before the plan | after the plan |", "|---|---:|---:|",
                  f"| net STCG | {inr(b['net_stcg'])} | {inr(a['net_stcg'])} |",
                  f"| net LTCG | {inr(b['net_ltcg'])} | {inr(a['net_ltcg'])} |",
                  f"| exemption used (s.112A) | {inr(b['exemption_used'])} | {inr(a['exemption_used'])} |",
                  f"| tax with cess | {inr(b['total_tax'])} | {inr(a['total_tax'])} |", "",
                  f"Value of the plan: {inr(inv['value'])} (tax saved {inr(inv['tax_saved'])}, future tax "
                  f"avoided {inr(inv['step_up'])}{md(_present(inv))}{md(_status(inv, ', '))}"
                  f"{md(_moving(inv).replace(' + ', ', '))}, exit loads "
                  f"{inr(inv['exit_loads'])}, STT and stamp duty {inr(inv['charges'])}).", ""] + \
            [f"- {md(named.in_text(line))}" for line in migration_lines(inv)] + ([""] if "migration" in inv else [])
    lines += ["## Orders", "", "| date | investor | account | security | side | amount | units |",
              "|---|---|---|---|---|---:|---:|"]
    for o in body["orders"]:
        lines.append(f"| {o['date']} | {md(named.investor(o['investor']))} | {md(o['account'])} | "
                     f"{md(named.security(o['security']))} | {o['side']} | "
                     f"{inr(o['amount'])} | {o['units'] or ''} |")
    if not body["orders"]:
        lines.append("| | | | | no orders | | |")
    if "drift" in body:
        d = body["drift"]
        after = {a["asset"]: a for a in d["after"]["assets"]}
        lines += ["", "## Drift before and after the plan", "",
                  "| asset | target | weight before | drift before | weight after | drift after |",
                  "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {md(b['asset'])} | {percent(Decimal(b['target']))} | {percent(Decimal(b['weight']))} | "
                  f"{points(Decimal(b['drift']))} | {percent(Decimal(after[b['asset']]['weight']))} | "
                  f"{points(Decimal(after[b['asset']]['drift']))} |" for b in d["before"]["assets"]]
        lines += ["", f"Total drift ({d['measure'].replace('-', ' ')}): {points(Decimal(d['before']['total_drift']))} "
                      f"before, {points(Decimal(d['after']['total_drift']))} after."]
    lines += ["", "## Every lot considered, and why", ""]
    for d in body["decisions"]:
        lines.append(f"- **{d['code']}**: {md(named.in_text(d['reason']))}.")
    if body["notes"]:
        lines += ["", "## Notes", ""] + [f"- {md(named.in_text(n))}" for n in body["notes"]]
    lines += ["", "## Inputs", "", "| input | hash or value |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in body["inputs"].items()]
    return "\n".join(lines) + "\n"


def migration_lines(inv: Mapping[str, Any]) -> list[str]:
    """The text plan's lines: "the tax of Rs X is recovered in N months by the 1.4% lower expense ratio"."""
    from engine.literals import format_inr, format_percent

    m = inv.get("migration")
    if not isinstance(m, dict):
        return []
    lines = []
    for move in m["moves"]:
        gap = format_percent(Decimal(move["expense_ratio_gap"]))
        head = f"moving {format_inr(Decimal(move['amount']))} from {move['security']} into {move['into']} saves " \
               f"{format_inr(Decimal(move['saving_a_year']))} a year"
        if Decimal(move["tax"]) > 0:
            lines.append(f"{head}: the tax of {format_inr(Decimal(move['tax']))} is recovered in "
                         f"{move['break_even_months']} months by the {gap} lower expense ratio")
        else:
            lines.append(f"{head} ({gap} lower expense ratio), without tax")
    lines.append(f"expense saved over {_years(m['years'])} {format_inr(Decimal(m['expense_saved']))}, less the "
                 f"step-up of the gains moved past the allowance {format_inr(Decimal(m['step_up_not_credited']))} "
                 f"(not credited): {format_inr(Decimal(m['value']))}")
    return lines
