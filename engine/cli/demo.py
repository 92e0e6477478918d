"""`lotwise demo`: a guided run on the shipped family example, in a new book in a temporary
directory (or `--book PATH`): the status, a month plan, a year-end plan and a `why`."""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from engine.cli.shell import say
from engine.inputs import Refused

EXIT_OK, EXIT_INPUT = 0, 1
AS_OF = date(2026, 11, 21)  # the example's prices end on 20 November 2026


def family_dir() -> Path:
    """The family example: inside the installed package, or the repository's examples/."""
    package = Path(__file__).resolve().parent.parent  # engine/
    installed = package / "examples" / "family"
    return installed if installed.is_dir() else package.parent / "examples" / "family"


def _step(title: str, text: str) -> None:
    print(f"\n=== {title}\n{text}\n")


def cmd_demo(args) -> int:
    from engine.cli.main import main

    family = family_dir()
    if not (family / "family.rules").is_file():
        print(f"lotwise: the family example is not installed (looked in {family})", file=sys.stderr)
        return EXIT_INPUT
    with tempfile.TemporaryDirectory() as tmp:
        book = args.book or str(Path(tmp) / "family.db")
        _step("1. A book", "The Sharma family: Asha and Ravi, ten years of monthly SIPs in four index funds and one "
              f"legacy active fund. The book is one SQLite file ({book}).")
        commands = [  # making the book and importing into it are commands, not calls of the API
            ["init", "--policy", str(family / "family.rules"), "--book", book],
            ["import", str(family / "transactions.csv"), str(family / "prices.csv"), str(family / "fmv.csv"),
             "--book", book],
        ]
        for argv in commands:
            print("$ lotwise " + " ".join(argv))
            if main(argv) != 0:
                return EXIT_INPUT
        try:
            _walk(Path(book))
        except Refused as e:
            return say(e)
        print("\nNext: your own policy (docs/rules-language.md) and your own statements (docs/file-formats.md).")
    return EXIT_OK


def _walk(book: Path) -> None:
    """Steps 2 to 5 through the API (engine/api.py), each in the transaction its command takes,
    rendered as the commands render them."""
    from engine import api
    from engine.cli.harvest import print_plan, print_why
    from engine.cli.plans import print_month
    from engine.cli.status import print_status
    from engine.diagnostics import render_all

    day = AS_OF.isoformat()
    with api.open_book(book) as opened:
        loaded = api.load_policy(opened.get("policy") or "")
        if not loaded.ok:
            raise Refused(diagnostics=loaded.diagnostics, sources=loaded.sources)
        policy = loaded.policy
        _step("2. Where the family stands", "Allocation against the targets, unrealised gains, the exemption left, "
              "and the lots about to turn long-term.")
        print(f"$ lotwise status --as-of {day}")
        print_status(_warned(api.status(opened, policy, AS_OF), render_all))
    _step("3. This month's SIP", "Rs 50,000 (Asha 30,000, Ravi 20,000) goes only to underweight assets, in "
          "proportion to how far each is below target once the money is in.")
    print(f"$ lotwise plan month --from asha=30000,ravi=20000 --as-of {day} --dry-run")
    with api.open_book(book) as opened:
        print_month(_warned(api.plan_month(opened, policy, AS_OF, given={"asha": 30000, "ravi": 20000},
                                           remember=False), render_all))
    _step("4. The year-end harvest", "Each investor realises long-term gains up to the Rs 1.25 lakh exemption "
          "less a Rs 1,000 margin, without tax, starting with the legacy fund; the money is rebought "
          "(the legacy fund's in its replacement). The plan is saved with the hashes of its inputs.")
    print(f"$ lotwise plan year-end --as-of {day}")
    with api.open_book(book, access=api.Access.OWN) as opened:
        made = _warned(api.plan_year_end(opened, policy, AS_OF, policy_texts=loaded.sources), render_all)
    print_plan(made.data)
    if made.save_error is not None:
        raise Refused(f"the plan was not saved: {made.save_error}; the book is unchanged")
    decisions = made.data["decisions"]
    kept = next((d for d in decisions if d["code"] == "KEPT-SHORT-TERM"),
                next((d for d in decisions if d["action"] == "KEPT" and d["code"] != "KEPT-BEHIND"), None))
    sold = next((d for d in decisions if d["action"] == "SOLD"), None)
    _step("5. Why?", "Every lot has a reason. One sold, one kept:")
    for d in (sold, kept):
        if d is not None:
            print(f"$ lotwise why {made.plan_id} --lot {d['lot']}")
            with api.open_book(book) as opened:
                print_why(api.why(opened, made.plan_id, lot=d["lot"]))


def _warned(found, render_all):
    """`found`, after printing its warnings on stderr as the command does."""
    if found.problems:
        print(render_all(list(found.problems), {}), file=sys.stderr)
    return found


def add_command(commands, iso_date) -> None:
    del iso_date
    demo = commands.add_parser("demo", help="a guided run on the shipped family example")
    demo.add_argument("--book", metavar="PATH", help="keep the demo's book here (default: a temporary file)")
    demo.set_defaults(func=cmd_demo)
