"""The saved plans rendered (engine/saved.py): `lotwise plans` (the list, a plan's policy) and
`lotwise why` (a reason for every lot), as JSON data or text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.reports.orders import text
from engine.reports.year_end import inr
from engine.vocabulary import PLANS_OF_ORDERS, PlanKind

if TYPE_CHECKING:
    from engine.saved import SavedPlan, Why


def plans_json(found: Iterable[SavedPlan]) -> dict[str, Any]:
    """`plans --json`: a month plan's or a rebalance's value is null (it has none)."""
    return {"plans": [{"plan_id": p.plan_id, "kind": p.kind, "as_of": p.as_of, "fy": p.fy, "sells": p.sells,
                       "investors": list(p.investors), "value": None if p.value is None else str(p.value)}
                      for p in found]}


def plans_text(found: Iterable[SavedPlan]) -> str:
    from tabulate import tabulate

    rows = [[p.plan_id, p.kind, p.as_of, p.fy, p.sells, "" if p.value is None else inr(str(p.value))] for p in found]
    if not rows:
        return "no saved plans: `lotwise plan year-end`, `plan month` and `rebalance` save them\n"
    return tabulate(rows, ["plan", "kind", "as of", "FY", "sells", "value"], disable_numparse=True) + "\n"


def saved_policy_json(plan_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
    return {"plan_id": plan_id, **record}


def saved_policy_text(record: Mapping[str, Any]) -> str:
    """The policy a saved plan applied: each file's name, sha256 and text, as the plan read them."""
    lines = []
    for f in record["files"]:
        lines.append(f"# ---- {f['file']} (sha256 {f['sha256']})")
        lines.append((f["text"] or "(text not kept)").rstrip("\n"))
    return text(lines)


def why_json(found: Why) -> dict[str, Any]:
    """`why --json`: the decisions chosen; of a month plan or a rebalance, the orders chosen,
    each with its reason (`order_reason`)."""
    if found.body.get("kind") in PLANS_OF_ORDERS:
        return {"plan_id": found.plan_id, "kind": found.body["kind"],
                "orders": [{**o, "reason": order_reason(o, found.body)} for o in found.chosen]}
    return {"plan_id": found.plan_id, "decisions": list(found.chosen)}


def why_text(found: Why, every: bool = False) -> str:
    """`why` as text."""
    body = found.body
    if body.get("kind") in PLANS_OF_ORDERS:
        return text(orders_why_lines(found))
    lines = [f"Plan {found.plan_id} ({body['fy']}, as of {body['as_of']})"
             + (": the plan saved last; `lotwise plans` lists the others" if found.latest else "")]
    lines += why_lines(list(found.chosen), body["decisions"], every=every)
    securities = {d["security"] for d in found.chosen}
    for f in body.get("fmv", ()):  # where the grandfathering FMVs came from (plans saved since schema 8)
        if f["security"] in securities:
            lines.append(f"FMV for grandfathering (s.55(2)(ac)) of {f['security']}: {f['fmv']} a unit, from {f['from']}")
    return text(lines)


def why_lines(chosen: Sequence[Mapping[str, Any]], decisions: Sequence[Mapping[str, Any]], every: bool = False) -> list[str]:
    """`lotwise why`'s lines: each SOLD lot and the first kept lot of each queue on its own line;
    the KEPT-BEHIND lots behind one kept lot (two or more) on one line for the queue, unless
    `every` (`--all`): then one line per lot. `decisions`: the plan's, to name the kept lot's code."""
    codes = {d["lot"]: d["numbers"].get("kept_code", d["code"]) for d in decisions}
    lines: list[str] = []
    run: list[Mapping[str, Any]] = []

    def flush() -> None:
        if len(run) == 1 or (run and every):
            lines.extend(f"{d['code']}: {d['reason']}." for d in run)
        elif run:
            lines.append(behind_line(run, codes))
        run.clear()

    for d in chosen:
        if d["code"] == "KEPT-BEHIND":
            key = (d["investor"], d["account"], d["security"], d["numbers"].get("behind"))
            if run and key != (run[0]["investor"], run[0]["account"], run[0]["security"],
                               run[0]["numbers"].get("behind")):
                flush()
            run.append(d)
            continue
        flush()
        lines.append(f"{d['code']}: {d['reason']}.")
    flush()
    return lines


def behind_line(run: Sequence[Mapping[str, Any]], codes: dict[str, str]) -> str:
    """One line for the KEPT-BEHIND lots of a queue (in FIFO order), with their totals."""
    from engine.literals import format_inr

    lead = run[0]["numbers"].get("behind", "")
    units = sum((Decimal(d["units"]) for d in run), Decimal(0))
    gain = sum((Decimal(d["gain"]) for d in run), Decimal(0))
    result = f"gain of {format_inr(gain)}" if gain >= 0 else f"loss of {format_inr(-gain)}"
    return (f"KEPT-BEHIND: {len(run)} lots behind {lead} kept ({run[0]['security']} in {run[0]['account']} of "
            f"{run[0]['investor']}, bought {run[0]['acquired']} to {run[-1]['acquired']}, {units} units, a {result} "
            f"if all were sold): FIFO would sell {lead} first, which is kept ({codes.get(lead, '?')}); "
            "`--all` lists each lot.")


# ------------------------------------------------------------------ why: a month plan, a rebalance
def orders_why_lines(found: Why) -> list[str]:
    """`why` of a month plan or a rebalance: what decided (the selling state, whether the
    rebalance was due), then each order chosen with its reason, then what was not placed and
    the plan's notes (why it placed nothing, when it has no order)."""
    body = found.body
    month = body["kind"] == PlanKind.MONTH
    what = f"month plan for {body['month']}" if month else f"{body['method']} rebalance"
    lines = [f"Plan {found.plan_id} ({what}, as of {body['as_of']})"
             + (": the plan saved last; `lotwise plans` lists the others" if found.latest else "")]
    if month:
        lines.append(f"Selling: {body['selling']['reason']}")
    else:
        lines.append(f"Due: {'yes' if body['due']['due'] else 'no'} ({'; '.join(body['due']['reasons'])})")
    for o in found.chosen:  # a sale's FIFO lots each on a line of their own
        lines.append(f"{o['side']} {inr(o['amount'])} of {o['security']} ({o['asset']}) for {o['investor']} in "
                     f"{o['account']} on {o['date']}: {order_reason(o, body, lots=False)}"
                     + (": FIFO lots" if o["side"] == "SELL" else "."))
        lines += [f"  {lot_words(s)}" for s in o.get("lots", ())]
    if not body["orders"]:
        lines.append("no orders")
    if len(found.chosen) == len(body["orders"]):  # the whole plan asked: what it did not do, and its notes
        lines += [f"not placed: {u['investor']} {inr(u['amount'])} for {u['asset']}: {u['reason']}"
                  for u in body["unplaced"]]
        lines += [f"note: {n}" for n in body["notes"]]
    return lines


def lot_words(lot: Mapping[str, Any]) -> str:
    """A lot a sale sells, in words."""
    return f"{lot['lot']} (bought {lot['acquired']}, {lot['term']}, gain {inr(lot['gain'])}, tax {inr(lot['tax'])})"


def order_reason(order: Mapping[str, Any], body: Mapping[str, Any], lots: bool = True) -> str:
    """Why a month plan or a rebalance placed `order`: where its asset stood against its target
    before the plan and where the plan leaves it; a sale's tax and charges, and (`lots`) its
    FIFO lots with their gains and tax."""
    from engine.plans.drift import percent, points

    before = {a["asset"]: a for a in body["before"]["assets"]}
    after = {a["asset"]: a for a in body["after"]["assets"]}
    asset = order["asset"]
    was, now = before.get(asset), after.get(asset)
    if was is None or now is None:  # an asset outside the targets (a plan's buy always has one)
        stand = f"{asset} has no target"
    else:
        stand = (f"{asset} was {percent(Decimal(was['weight']))} of the portfolio against its target "
                 f"{percent(Decimal(was['target']))} ({points(Decimal(was['drift']))}"
                 f"{', outside its band' if was['outside_band'] else ''}), "
                 f"{percent(Decimal(now['weight']))} after the plan")
    if body["kind"] == PlanKind.MONTH:
        why = ("controlled selling: " + body["selling"]["reason"] if order["side"] == "SELL"
               else "the month's money (and any sale's proceeds) buys toward the targets, by the buying rule")
    else:
        change = Decimal(body["amounts"].get(asset, "0"))
        why = f"the {body['method']} rebalance moves {inr(str(abs(change)))} {'into' if change >= 0 else 'out of'} {asset}"
    reason = f"{why}; {stand}"
    if order["side"] == "SELL":
        charges = Decimal(order["stt"]) + Decimal(order["exit_load"])
        reason += f"; tax {inr(order['tax'])}, STT and exit load {inr(str(charges))}"
        if lots:
            reason += "; FIFO lots " + ", ".join(lot_words(s) for s in order["lots"])
    return reason
