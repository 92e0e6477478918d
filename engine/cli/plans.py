"""The plan commands, `lotwise plan month` and `lotwise rebalance`: thin, like engine/cli/main.py.

They read the book and the policy, value the lots on `--as-of`, call the pure planners
(engine/plans/month_plan.py, engine/plans/rebalance.py, engine/plans/sell_choice.py) and print a table or JSON
(docs/json.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction

from engine.cli.shell import with_book

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


_AMOUNT_EXAMPLES = "e.g. 50000, 50,000, Rs 50,000, 50k or 1.25L"


def _rupees(text: str, zero: bool = False) -> int:
    """An amount as the policy language writes one (engine/literals.py), in whole rupees."""
    from engine.literals import LiteralError, read_amount

    if text.strip().startswith("-"):
        raise argparse.ArgumentTypeError(f"`{text}`: the money must be whole rupees above zero, {_AMOUNT_EXAMPLES}")
    try:
        value = read_amount(text)
    except LiteralError as e:
        said = e.message if f"`{text}`" in e.message else f"`{text}`: {e.message}"
        raise argparse.ArgumentTypeError(f"{said}; write whole rupees, {_AMOUNT_EXAMPLES}")
    if value != value.to_integral_value():
        raise argparse.ArgumentTypeError(f"`{text}` is not whole rupees; write whole rupees, {_AMOUNT_EXAMPLES}")
    if value == 0 and not zero:
        raise argparse.ArgumentTypeError(f"`{text}`: the money must be whole rupees above zero, {_AMOUNT_EXAMPLES}")
    return int(value)


def _contributions(text: str) -> dict[str, int]:
    """`asha=30000,ravi=20000` (or `asha=30,000,ravi=20k`: a comma or `;` before the next
    `id=` separates, other commas group digits): an investor may put in 0 this month, but not
    everyone."""
    import re

    out: dict[str, int] = {}
    for item in re.split(r"[,;]\s*(?=[A-Za-z][\w-]*\s*=)|;", text):
        name, sep, amount = item.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"`{item}`: write investor=amount, e.g. asha=30000,ravi=20000")
        investor = name.strip().lower()
        if investor in out:  # a typo for another investor: which amount was meant is not ours to guess
            raise argparse.ArgumentTypeError(f"`{text}` names {investor} twice: give each investor's money once")
        out[investor] = _rupees(amount, zero=True)
    if not any(out.values()):
        raise argparse.ArgumentTypeError(f"`{text}`: the money must be whole rupees above zero")
    return out


def _d(v) -> str:
    from engine.plans.drift import as_decimal

    return str(as_decimal(v) if isinstance(v, Fraction) else v)


def _drifts_json(drifts) -> list[dict]:
    return [{"asset": d.asset, "value": _d(d.value), "weight": _d(d.weight), "target": _d(d.target),
             "drift": _d(d.drift), "band": None if d.band is None else _d(d.band), "outside_band": d.outside_band}
            for d in drifts]


def _sell_json(o, day: date) -> dict:
    return {"date": day.isoformat(), "investor": o.investor, "account": o.account, "security": o.security, "asset": o.asset,
            "side": "SELL", "amount": _d(o.amount), "units": _d(o.units), "price": _d(o.price),
            "tax": _d(o.tax), "stt": _d(o.stt), "exit_load": _d(o.exit_load), "net": _d(o.net),
            "lots": [{"lot": s.lot_id, "acquired": s.acquired.isoformat(), "units": _d(s.units),
                      "proceeds": _d(s.proceeds), "basis": _d(s.basis), "exit_load": _d(s.exit_load),
                      "gain": _d(s.gain), "term": s.term, "tax": _d(s.tax)} for s in o.lots]}


def _buy_json(b, day: date) -> dict:
    return {"date": day.isoformat(), "investor": b.investor, "account": b.account, "security": b.security, "asset": b.asset, "side": "BUY",
            "amount": str(b.amount), "units": None if b.units is None else _d(b.units),
            "price": None if b.price is None else _d(b.price)}


def _print_orders(sells, buys) -> None:
    from tabulate import tabulate

    from engine.literals import format_inr

    rows = []
    for o in sells:
        rows.append([o.investor, o.account, o.security, o.asset, "SELL", format_inr(o.amount), _d(o.units),
                     format_inr(o.tax), format_inr(o.stt + o.exit_load)])
    for b in buys:
        rows.append([b.investor, b.account, b.security, b.asset, "BUY", format_inr(Decimal(b.amount)),
                     "" if b.units is None else f"~{b.units}", "", ""])
    if rows:
        print(tabulate(rows, ["investor", "account", "security", "asset", "side", "amount", "units", "tax",
                              "charges"], disable_numparse=True))
    else:
        print("no orders")
    for o in sells:
        print(f"\nSELL {o.units} {o.security} ({o.investor}, {o.account}): FIFO lots")
        print(tabulate([[s.lot_id, s.acquired.isoformat(), _d(s.units), format_inr(s.proceeds), format_inr(s.basis),
                         s.term, format_inr(s.gain), format_inr(s.tax)] for s in o.lots],
                       ["lot", "acquired", "units", "proceeds", "basis", "term", "gain", "tax"], disable_numparse=True))


def _unplaced_json(unplaced) -> list[dict]:
    return [{"investor": u.investor, "asset": u.asset, "amount": str(u.amount), "reason": u.reason}
            for u in unplaced]


def _print_unplaced_and_notes(unplaced, lines) -> None:
    from engine.literals import format_inr

    for u in unplaced:
        print(f"not placed: {u.investor} {format_inr(Decimal(u.amount))} for {u.asset}: {u.reason}")
    for line in lines:
        print(line)


def _print_drifts(title: str, drifts, total, measure: str) -> None:
    from tabulate import tabulate

    from engine.plans.drift import percent as _pct, points as _pp
    from engine.literals import format_inr

    print(title)
    print(tabulate([[d.asset, format_inr(d.value), _pct(d.weight), _pct(d.target), _pp(d.drift),
                     "outside band" if d.outside_band else ""] for d in drifts],
                   ["asset", "value", "weight", "target", "drift", ""], disable_numparse=True))
    print(f"Total drift ({measure.replace('-', ' ')}): {_pp(total)}")


def _not_saved(error, what: str) -> int:
    """The exit code of a plan shown in full: 1, after saying why, when its save failed."""
    if error is None:
        return EXIT_OK
    print(f"lotwise: {what} was not saved: {error}; the book is unchanged", file=sys.stderr)
    return EXIT_INPUT


def cmd_plan_month(args) -> int:
    from engine.api import Access

    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock
    access = Access.READS if args.dry_run else Access.WRITES
    return with_book(args, access, lambda book, loaded: _plan_month(book, loaded.policy, as_of, args))


def _plan_month(book, policy, as_of: date, args) -> int:
    from engine import api
    from engine.diagnostics import render_all

    found = api.plan_month(book, policy, as_of, given=args.contributions, total=args.invest,
                           remember=not args.dry_run)
    if args.json:
        print(json.dumps(month_json(found), indent=2))
        return _not_saved(found.save_error, "the selling state of this month")
    if found.problems:
        print(render_all(list(found.problems), {}), file=sys.stderr)
    print_month(found)
    return _not_saved(found.save_error, "the selling state of this month")


def month_json(found) -> dict:
    """`plan month --json` (docs/json.md) of an api.MonthResult."""
    plan, money = found.plan, found.money.by_investor
    return {
        "as_of": found.as_of.isoformat(), "month": found.month, "money": {i: str(m) for i, m in money.items()},
        "money_source": found.money.source,
        "selling": {**plan.state.to_json(), "previous_month": found.remembered[2] if found.remembered else None,
                    "reason": plan.state_reason},
        "drift_measure": plan.measure,
        "before": {"total_drift": _d(plan.drift_before), "assets": _drifts_json(plan.drifts_before)},
        "after": {"total_drift": _d(plan.drift_after), "assets": _drifts_json(plan.drifts_after)},
        "orders": [_sell_json(o, plan.orders_on) for o in plan.sells]
        + [_buy_json(b, plan.orders_on) for b in plan.buys],
        "unsold": {a: _d(v) for a, v in plan.unsold.items()},
        "unplaced": _unplaced_json(plan.unplaced),
        "cash_left": {i: _d(c) for i, c in plan.cash_left.items()},
        "notes": plan.notes, "diagnostics": [d.to_json() for d in found.problems]}


def print_month(found) -> None:
    """`plan month` as text, of an api.MonthResult."""
    from engine.literals import format_inr

    plan, money = found.plan, found.money.by_investor
    print(f"Month plan for {found.month} (as of {found.as_of}); money: "
          + ", ".join(f"{i} {format_inr(Decimal(m))}" for i, m in money.items()))
    if found.money.note:
        print(f"({found.money.note})")
    _print_drifts("\nBefore", plan.drifts_before, plan.drift_before, plan.measure)
    print(f"Selling: {plan.state_reason}")
    print()
    _print_orders(plan.sells, plan.buys)
    _print_unplaced_and_notes(plan.unplaced, [f"note: {n}" for n in plan.notes])
    for investor, cash in plan.cash_left.items():
        print(f"cash left with {investor}: {format_inr(cash)} (paise of the sale proceeds after tax and charges)")
    _print_drifts("\nAfter", plan.drifts_after, plan.drift_after, plan.measure)


def cmd_rebalance(args) -> int:
    from engine.api import Access

    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock
    access = Access.WRITES if args.record else Access.READS
    return with_book(args, access, lambda book, loaded: _rebalance(book, loaded.policy, as_of, args))


def _rebalance(book, policy, as_of: date, args) -> int:
    from engine import api
    from engine.diagnostics import render_all
    from engine.literals import format_inr
    from engine.plans.drift import total_drift

    found = api.rebalance(book, policy, as_of, method=args.method, given=args.contributions, total=args.invest,
                          due_only=args.due, record=args.record)
    verdict, drifts, measure = found.due, found.drifts, found.measure
    if args.due:
        if args.json:
            print(json.dumps({"as_of": as_of.isoformat(), "due": verdict.due, "reasons": list(verdict.reasons)},
                             indent=2))
        else:
            print(f"rebalance {'due' if verdict.due else 'not due'} on {as_of}")
            for reason in verdict.reasons:
                print(f"  {reason}")
        return EXIT_OK
    plan, day, method, problems = found.plan, found.day, found.method, found.problems
    source, note = (found.money.source, found.money.note) if found.money else (None, None)
    if args.json:
        print(json.dumps({
            "as_of": as_of.isoformat(), "method": method, "cash": str(plan.cash), "money_source": source,
            "due": {"due": verdict.due, "reasons": list(verdict.reasons)},
            "amounts": {a: str(r) for a, r in plan.amounts.items()},
            "before": {"total_drift": _d(total_drift(drifts, measure)), "assets": _drifts_json(drifts)},
            "after": {"total_drift": _d(total_drift(plan.drifts_after, measure)),
                      "assets": _drifts_json(plan.drifts_after)},
            "orders": [_sell_json(o, day) for o in plan.sells] + [_buy_json(b, day) for b in plan.buys],
            "unplaced": _unplaced_json(plan.unplaced),
            "warnings": plan.warnings, "notes": list(found.day_notes) + plan.notes,
            "diagnostics": [d.to_json() for d in problems]}, indent=2))
        return _not_saved(found.save_error, "the rebalance")
    if problems:
        print(render_all(list(problems), {}), file=sys.stderr)
    print(f"Rebalance ({method}) as of {as_of}: {'due' if verdict.due else 'not due'} "
          f"({'; '.join(verdict.reasons)})")
    if note:
        print(f"({note})")
    _print_drifts("\nBefore", drifts, total_drift(drifts, measure), measure)
    print("\nAmounts: " + ", ".join(f"{a} {format_inr(Decimal(r), signed=True)}"
                                    for a, r in plan.amounts.items()))
    print()
    _print_orders(plan.sells, plan.buys)
    _print_unplaced_and_notes(plan.unplaced, [f"note: {n}" for n in found.day_notes] + plan.notes
                              + [f"warning: {w}" for w in plan.warnings])
    _print_drifts("\nAfter", plan.drifts_after, total_drift(plan.drifts_after, measure), measure)
    return _not_saved(found.save_error, "the rebalance")


def add_commands(commands, book_options, iso_date) -> None:
    plan = commands.add_parser("plan", help="plans: `plan month` (the monthly SIP and controlled selling), "
                               "`plan year-end` (harvesting)")
    kinds = plan.add_subparsers(dest="plan_kind", metavar="KIND")

    def plan_alone(args) -> int:  # `lotwise plan` without a kind: a usage error, like `lotwise` alone
        plan.print_help()
        return EXIT_USAGE

    plan.set_defaults(func=plan_alone)
    month = kinds.add_parser("month", help="where this month's money goes; controlled selling when drift is high")
    month.add_argument("--invest", type=_rupees, metavar="AMOUNT", help="this month's money, whole rupees")
    month.add_argument("--from", dest="contributions", type=_contributions, metavar="ID=AMOUNT,...",
                       help="each investor's money, e.g. asha=30000,ravi=20000")
    month.add_argument("--as-of", type=iso_date, metavar="DATE", help="plan on this date (default today)")
    month.add_argument("--dry-run", action="store_true", help="do not remember this month's selling state")
    book_options(month)
    month.add_argument("--json", action="store_true", help="print as JSON")
    month.set_defaults(func=cmd_plan_month)

    reb = commands.add_parser("rebalance", help="textbook rebalancing: full, partial (bands) or cash")
    reb.add_argument("--method", choices=["full", "partial", "cash"], help="default: the policy's")
    reb.add_argument("--cash", dest="invest", type=_rupees, metavar="AMOUNT", help="new money, whole rupees")
    reb.add_argument("--from", dest="contributions", type=_contributions, metavar="ID=AMOUNT,...",
                     help="each investor's new money")
    reb.add_argument("--due", action="store_true", help="only say whether a rebalance is due, and why")
    reb.add_argument("--record", action="store_true", help="remember that this rebalance was done on --as-of "
                     "(calendar triggers count from it)")
    reb.add_argument("--as-of", type=iso_date, metavar="DATE", help="plan on this date (default today)")
    book_options(reb)
    reb.add_argument("--json", action="store_true", help="print as JSON")
    reb.set_defaults(func=cmd_rebalance)

    from engine.cli.main import _fy_arg
    from engine.cli.harvest import add_commands as add_year_end

    add_year_end(commands, kinds, book_options, iso_date, _fy_arg, _rupees, _contributions)
