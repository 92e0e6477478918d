"""The year-end commands: `lotwise plan year-end`, `lotwise plans`, `lotwise why`. Thin, like
engine/cli/main.py: read the book and the policy, call engine/harvest/year_end.py, save and print.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from decimal import Decimal

from engine.cli.shell import with_book

EXIT_OK, EXIT_INPUT = 0, 1


def cmd_plan_year_end(args) -> int:
    from engine.api import Access

    today = date.today()  # the CLI is the only place that reads the clock
    return with_book(args, Access.OWN, lambda book, loaded: _plan_year_end(book, loaded, today, args))


def _plan_year_end(book, loaded, today: date, args) -> int:
    from engine import api

    as_of = args.as_of or api.year_end_day(loaded.policy, fy=args.fy, today=today)

    def reports(made: api.YearEnd) -> None:  # warnings, then the files, before the plan is saved
        if made.problems:  # warnings (errors were refused), e.g. T104: a missing FMV
            from engine.diagnostics import render_all

            print(render_all(list(made.problems), {}), file=sys.stderr)
        for name, render in ((args.csv, orders_csv), (args.markdown, markdown)):
            if name:  # a file that cannot be written changes nothing
                write_atomically(name, render(made.data))  # all or nothing (engine/files.py)

    from engine.files import WriteError, write_atomically

    try:
        made = api.plan_year_end(book, loaded.policy, as_of, fy=args.fy, given=args.contributions,
                                 total=args.invest, save=not args.no_save, policy_texts=loaded.sources,
                                 before_save=reports,
                                 solver_log=bool(os.environ.get("LOTWISE_HIGHS_LOG")))  # HiGHS's log on stderr
    except WriteError as e:
        print(f"lotwise: {e}", file=sys.stderr)
        return EXIT_INPUT
    if args.json:
        print(made.body)
    else:
        print_plan(made.data)
    if made.save_error is not None:  # the plan above is complete; only keeping it failed
        print(f"lotwise: the plan was not saved: {made.save_error}; the book is unchanged", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


# ------------------------------------------------------------------ reports from the saved JSON
def _inr(text: str | None) -> str:
    from engine.literals import format_inr

    return "" if text is None else format_inr(Decimal(text))


def print_plan(body: dict) -> None:
    from tabulate import tabulate

    print(f"Year-end plan {body['plan_id']} for {body['fy']}, as of {body['as_of']}")
    for inv in body["investors"]:
        b, a = inv["before"], inv["after"]
        print(f"\n{inv['investor']}")
        print(tabulate([
            ["net STCG", _inr(b["net_stcg"]), _inr(a["net_stcg"])],
            ["net LTCG", _inr(b["net_ltcg"]), _inr(a["net_ltcg"])],
            ["exemption used", _inr(b["exemption_used"]), _inr(a["exemption_used"])],
            ["tax (with cess)", _inr(b["total_tax"]), _inr(a["total_tax"])],
            ["carried forward", _inr(str(sum(Decimal(l["amount"]) for l in b["carry_forward"]))),
             _inr(str(sum(Decimal(l["amount"]) for l in a["carry_forward"])))],
        ], ["", "before", "after"], disable_numparse=True))
        print(f"value of the plan: {_inr(inv['value'])} = tax saved {_inr(inv['tax_saved'])} + future tax avoided "
              f"{_inr(inv['step_up'])} - exit loads {_inr(inv['exit_loads'])} - STT and stamp duty "
              f"{_inr(inv['charges'])} (the plan may leave net LTCG up to {_inr(inv['allowance'])})")
    rows = [[o["date"], o["investor"], o["account"], o["security"], o["side"], _inr(o["amount"]),
             o["units"] if o["side"] == "SELL" else ("" if o["units"] is None else f"~{o['units']}")]
            for o in body["orders"]]
    print()
    if rows:
        print(tabulate(rows, ["date", "investor", "account", "security", "side", "amount", "units"],
                       disable_numparse=True))
    else:
        print("no orders")
    for u in body["unplaced"]:
        print(f"not placed: {u['investor']} {_inr(u['amount'])} for {u['asset']}: {u['reason']}")
    for note in body["notes"]:
        print(note)
    borrowed = [f"{f['security']} {f['fmv']}" for f in body.get("fmv", ()) if f["source"] != "book"]
    if borrowed:
        print(f"FMVs on 31-01-2018 from casparser-isin, not the book (grandfathering, s.55(2)(ac)): "
              f"{', '.join(borrowed)}; `lotwise import` a security,fmv CSV to use your own")
    sold = sum(1 for d in body["decisions"] if d["action"] == "SOLD")
    print(f"\n{len(body['decisions'])} lots considered, {sold} sold; `lotwise why {body['plan_id']}` says why "
          "for each lot")


def orders_csv(body: dict) -> str:
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


def markdown(body: dict) -> str:
    """A report an adviser can file with the client's records. Text from the user's data (names,
    accounts, reasons, notes) is escaped for Markdown and HTML (engine/reports/escape.py)."""
    from engine.reports.escape import md_text as md

    lines = [f"# Year-end plan {body['plan_id']}", "",
             f"Financial year {body['fy']}, prepared as of {body['as_of']} by lotwise {body['inputs']['engine']}.",
             "The plan id is derived from the hashes of its inputs (below): the same book, policy and date give "
             "the same plan.", ""]
    for inv in body["investors"]:
        b, a = inv["before"], inv["after"]
        lines += [f"## {md(inv['investor'])}", "", "| | before the plan | after the plan |", "|---|---:|---:|",
                  f"| net STCG | {_inr(b['net_stcg'])} | {_inr(a['net_stcg'])} |",
                  f"| net LTCG | {_inr(b['net_ltcg'])} | {_inr(a['net_ltcg'])} |",
                  f"| exemption used (s.112A) | {_inr(b['exemption_used'])} | {_inr(a['exemption_used'])} |",
                  f"| tax with cess | {_inr(b['total_tax'])} | {_inr(a['total_tax'])} |", "",
                  f"Value of the plan: {_inr(inv['value'])} (tax saved {_inr(inv['tax_saved'])}, future tax "
                  f"avoided {_inr(inv['step_up'])}, exit loads {_inr(inv['exit_loads'])}, STT and stamp duty "
                  f"{_inr(inv['charges'])}).", ""]
    lines += ["## Orders", "", "| date | investor | account | security | side | amount | units |",
              "|---|---|---|---|---|---:|---:|"]
    for o in body["orders"]:
        lines.append(f"| {o['date']} | {md(o['investor'])} | {md(o['account'])} | {md(o['security'])} | {o['side']} | "
                     f"{_inr(o['amount'])} | {o['units'] or ''} |")
    if not body["orders"]:
        lines.append("| | | | | no orders | | |")
    lines += ["", "## Every lot considered, and why", ""]
    for d in body["decisions"]:
        lines.append(f"- **{d['code']}**: {md(d['reason'])}.")
    if body["notes"]:
        lines += ["", "## Notes", ""] + [f"- {md(n)}" for n in body["notes"]]
    lines += ["", "## Inputs", "", "| input | hash or value |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in body["inputs"].items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ plans, why
def cmd_plans(args) -> int:
    from engine.api import Access

    return with_book(args, Access.READS, lambda book, _: _plans(book, args), policy=False)


def _plans(book, args) -> int:
    from tabulate import tabulate

    from engine import api

    if args.policy_of:
        return _print_saved_policy(book, args.policy_of, args.json)
    rows = [{"plan_id": p.plan_id, "kind": p.kind, "as_of": p.as_of, "fy": p.fy, "sells": p.sells,
             "investors": list(p.investors), "value": str(p.value)} for p in api.plans(book)]
    if args.json:
        print(json.dumps({"plans": rows}, indent=2))
    elif not rows:
        print("no saved plans: `lotwise plan year-end` saves one")
    else:
        print(tabulate([[r["plan_id"], r["kind"], r["as_of"], r["fy"], r["sells"], _inr(r["value"])] for r in rows],
                       ["plan", "kind", "as of", "FY", "sells", "value"], disable_numparse=True))
    return EXIT_OK


def _print_saved_policy(book, ident: str, as_json: bool) -> int:
    """The policy a saved plan applied: each file's name, sha256 and text, as the plan read them."""
    from engine import api

    plan_id, record = api.saved_policy(book, ident)
    if as_json:
        print(json.dumps({"plan_id": plan_id, **record}, indent=2, ensure_ascii=False))
        return EXIT_OK
    for f in record["files"]:
        print(f"# ---- {f['file']} (sha256 {f['sha256']})")
        print((f["text"] or "(text not kept)").rstrip("\n"))
    return EXIT_OK


def cmd_why(args) -> int:
    from engine.api import Access

    return with_book(args, Access.READS, lambda book, _: _why(book, args), policy=False)


def _why(book, args) -> int:
    from engine import api

    found = api.why(book, args.plan, lot=args.lot, security=args.security, investor=args.investor)
    if args.json:
        print(json.dumps({"plan_id": found.plan_id, "decisions": list(found.chosen)}, indent=2, ensure_ascii=False))
        return EXIT_OK
    print_why(found, every=args.all)
    return EXIT_OK


def print_why(found, every: bool = False) -> None:
    """`why` as text, of an api.Why."""
    body = found.body
    print(f"Plan {found.plan_id} ({body['fy']}, as of {body['as_of']})"
          + (": the plan saved last; `lotwise plans` lists the others" if found.latest else ""))
    for line in why_lines(list(found.chosen), body["decisions"], every=every):
        print(line)
    securities = {d["security"] for d in found.chosen}
    for f in body.get("fmv", ()):  # where the grandfathering FMVs came from (plans saved since schema 8)
        if f["security"] in securities:
            print(f"FMV for grandfathering (s.55(2)(ac)) of {f['security']}: {f['fmv']} a unit, from {f['from']}")


def why_lines(chosen: list[dict], decisions: list[dict], every: bool = False) -> list[str]:
    """`lotwise why`'s lines: each SOLD lot and the first kept lot of each queue on its own line;
    the KEPT-BEHIND lots behind one kept lot (two or more) on one line for the queue, unless
    `every` (`--all`): then one line per lot. `decisions`: the plan's, to name the kept lot's code."""
    codes = {d["lot"]: d["numbers"].get("kept_code", d["code"]) for d in decisions}
    lines: list[str] = []
    run: list[dict] = []

    def flush() -> None:
        if len(run) == 1 or (run and every):
            lines.extend(f"{d['code']}: {d['reason']}." for d in run)
        elif run:
            lines.append(_behind_line(run, codes))
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


def _behind_line(run: list[dict], codes: dict[str, str]) -> str:
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


def add_commands(commands, kinds, book_options, iso_date, fy_arg, rupees, contributions) -> None:
    year_end = kinds.add_parser("year-end", help="harvest losses and gains within each investor's exemption, "
                                "with a reason for every lot")
    year_end.add_argument("--fy", type=fy_arg, metavar="FY", help="the financial year (default: that of --as-of)")
    year_end.add_argument("--as-of", type=iso_date, metavar="DATE", help="plan on this date (default today, "
                          "or within --fy)")
    year_end.add_argument("--invest", type=rupees, metavar="AMOUNT", help="new money to allocate with the proceeds")
    year_end.add_argument("--from", dest="contributions", type=contributions, metavar="ID=AMOUNT,...",
                          help="each investor's new money")
    year_end.add_argument("--csv", metavar="FILE", help="also write the orders as CSV")
    year_end.add_argument("--markdown", metavar="FILE", help="also write a Markdown report")
    year_end.add_argument("--no-save", action="store_true", help="do not save the plan in the book")
    book_options(year_end)
    year_end.add_argument("--json", action="store_true", help="print the plan as JSON (as saved)")
    year_end.set_defaults(func=cmd_plan_year_end)

    plans = commands.add_parser("plans", help="the plans saved in the book")
    plans.add_argument("--policy-of", metavar="PLAN", help="print the policy a saved plan applied: every file's "
                       "name, sha256 and text, as the plan read them")
    book_options(plans, policy=False)
    plans.add_argument("--json", action="store_true", help="print as JSON")
    plans.set_defaults(func=cmd_plans)

    why = commands.add_parser("why", help="why a saved plan sold or kept each lot")
    why.add_argument("plan", metavar="PLAN", nargs="?", help="a plan id (or its first characters) from "
                     "`lotwise plans` (default: the plan saved last)")
    why.add_argument("--lot", metavar="ID")
    why.add_argument("--security", metavar="ID")
    why.add_argument("--investor", metavar="ID")
    why.add_argument("--all", action="store_true", help="one line for every lot (by default the lots kept behind "
                     "a kept lot of the same queue share one line)")
    book_options(why, policy=False)
    why.add_argument("--json", action="store_true", help="print as JSON")
    why.set_defaults(func=cmd_why)
