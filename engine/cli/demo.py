"""`lotwise demo`: a guided run on the shipped family example, in a new book in a temporary
directory (or `--book PATH`): the book made and filled, the status, a month plan, a year-end
plan and a `why`, each through the API (engine/api.py) and rendered as its command renders it."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TypeVar

from engine.cli.shell import fail, isin_db, say, warn

EXIT_OK, EXIT_INPUT = 0, 1
AS_OF = date(2026, 11, 21)  # the example's prices end on 20 November 2026
T = TypeVar("T")


def family_dir() -> Path:
    """The family example: inside the installed package, or the repository's examples/."""
    package = Path(__file__).resolve().parent.parent  # engine/
    installed = package / "examples" / "family"
    return installed if installed.is_dir() else package.parent / "examples" / "family"


def _step(title: str, text: str) -> None:
    print(f"\n=== {title}\n{text}\n")


def cmd_demo(args: argparse.Namespace) -> int:
    import tempfile

    from engine.inputs import Refused

    family = family_dir()
    if not (family / "family.rules").is_file():
        return fail("C130", f"the family example is not installed (looked in {family})")
    with tempfile.TemporaryDirectory() as tmp:
        book = args.book or str(Path(tmp) / "family.db")
        _step("1. A book", "The Sharma family: Asha and Ravi, ten years of monthly SIPs in four index funds and one "
              f"legacy active fund. The book is one SQLite file ({book}).")
        try:
            if not _fill(Path(book), family):
                return EXIT_INPUT
            _walk(Path(book))
        except Refused as e:
            return say(e)
        print("\nNext: your own policy (`lotwise docs rules-language`) and your own statements "
              "(`lotwise docs file-formats`); `lotwise docs` lists the documentation installed with lotwise.")
    return EXIT_OK


def _fill(book: Path, family: Path) -> bool:
    """The book made with the family's policy and its files imported, as `lotwise init` and
    `lotwise import` would say it; False after saying why an import failed."""
    from engine import api
    from engine.reports.book import imported_text, made_text, rejected_text

    rules = str(family / "family.rules")
    print(f"$ lotwise init --policy {rules} --book {book}")
    print(made_text(api.create_book(book, rules), rules), end="")
    files = [str(family / name) for name in ("transactions.csv", "prices.csv", "fmv.csv")]
    print("$ lotwise import " + " ".join(files) + f" --book {book}")
    loaded = api.load_policy(rules)
    if not loaded.ok or loaded.policy is None:
        raise api.Refused(diagnostics=loaded.diagnostics, sources=loaded.sources)
    with api.open_book(book, access=api.Access.OWN) as opened:
        outcome = api.import_files(opened, files, loaded.policy)
    if not outcome.ok:
        print(rejected_text(outcome), end="", file=sys.stderr)
        return False
    print(imported_text(outcome), end="")
    return True


def _walk(book: Path) -> None:
    """Steps 2 to 5 through the API (engine/api.py), each in the transaction its command takes,
    rendered as the commands render them."""
    from engine import api
    from engine.reports.month import month_text
    from engine.reports.saved import why_text
    from engine.reports.status import status_text
    from engine.reports.year_end import plan_text

    day, isin = AS_OF.isoformat(), isin_db()
    with api.open_book(book) as opened:
        loaded = api.load_policy(opened.get("policy") or "")
        if not loaded.ok or loaded.policy is None:
            raise api.Refused(diagnostics=loaded.diagnostics, sources=loaded.sources)
        policy = loaded.policy
        _step("2. Where the family stands", "Allocation against the targets, unrealised gains, the exemption left, "
              "and the lots about to turn long-term.")
        print(f"$ lotwise status --as-of {day}")
        print(status_text(_warned(api.status(opened, policy, AS_OF, isin_db=isin))), end="")
    _step("3. This month's SIP", "Rs 50,000 (Asha 30,000, Ravi 20,000) goes only to underweight assets, in "
          "proportion to how far each is below target once the money is in.")
    print(f"$ lotwise plan month --from asha=30000,ravi=20000 --as-of {day} --dry-run")
    with api.open_book(book) as opened:
        print(month_text(_warned(api.plan_month(opened, policy, AS_OF, given={"asha": 30000, "ravi": 20000},
                                                remember=False, isin_db=isin))), end="")
    _step("4. The year-end harvest", "Each investor realises long-term gains up to the Rs 1.25 lakh exemption "
          "less a Rs 1,000 margin, without tax, starting with the legacy fund, whose 1.4% higher expense "
          "ratio the policy values over five years; future tax counts at its present value; the money goes to the "
          "underweight assets by the buying rule, so the harvest is also a tax-free rebalance (drift before "
          "and after below). The plan is saved with the hashes of its inputs.")
    print(f"$ lotwise plan year-end --as-of {day}")
    with api.open_book(book, access=api.Access.OWN) as opened:
        made = _warned(api.plan_year_end(opened, policy, AS_OF, policy_texts=loaded.sources, isin_db=isin))
    print(plan_text(made.data), end="")
    if made.save_error is not None:
        raise api.Refused(f"the plan was not saved: {made.save_error}; the book is unchanged", code="B105")
    decisions = made.data["decisions"]
    kept = next((d for d in decisions if d["code"] == "KEPT-SHORT-TERM"),
                next((d for d in decisions if d["action"] == "KEPT" and d["code"] != "KEPT-BEHIND"), None))
    sold = next((d for d in decisions if d["action"] == "SOLD"), None)
    _step("5. Why?", "Every lot has a reason. One sold, one kept:")
    for d in (sold, kept):
        if d is not None:
            print(f"$ lotwise why {made.plan_id} --lot {d['lot']}")
            with api.open_book(book) as opened:
                print(why_text(api.why(opened, made.plan_id, lot=d["lot"])), end="")


def _warned(found: T) -> T:
    """`found`, after printing its warnings on stderr as the command does."""
    warn(getattr(found, "problems", ()))
    return found


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = commands.add_parser("demo", help="a guided run on the shipped family example")
    demo.add_argument("--book", metavar="PATH", help="keep the demo's book here (default: a temporary file)")
    demo.set_defaults(func=cmd_demo)
