"""The command line's own literals, read by argparse: dates (`--as-of`), financial years
(`--fy`, `gains --fy` ranges), money (`--invest`, `--cash`) and each investor's money
(`--from`); and the `--book`/`--policy` options every command that reads a book takes. A bad
value is argparse's usage error (exit 2, with the message). Imported by every command module;
it imports nothing of the CLI, so no command module needs another's private helpers.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date

AMOUNT_EXAMPLES = "e.g. 50000, 50,000, Rs 50,000, 50k or 1.25L"


def iso_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date; write YYYY-MM-DD")
    from engine.book.importers.csvrows import FIRST_DAY, LAST_DAY  # one date range everywhere

    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"`{text}` is outside the years {FIRST_DAY.year} to {LAST_DAY.year}")
    return day


def fy_arg(text: str) -> int:
    from engine.literals import LiteralError, read_fy

    try:
        return read_fy(text if text.upper().startswith("FY") else f"FY {text}")
    except LiteralError as e:
        raise argparse.ArgumentTypeError(f"{e.message}; {e.hint or 'write 2025-26'}")


def short_fy(fy: int) -> str:
    """2025 -> `2025-26`, as `--fy` is written."""
    return f"{fy}-{(fy + 1) % 100:02d}"


@dataclass(frozen=True)
class FYChoice:
    """What `gains --fy` asks for: one FY (`2025-26`), a range (`2018-19..2025-26`), or
    `all`: every FY from the first with a sale or a loss brought in to the last with a sale
    (engine/tax/chain.py, `sale_years`). One FY keeps the report of one FY (its JSON object);
    several give `{"years": [...]}` (docs/json.md)."""

    first: int | None = None  # None: `all`
    last: int | None = None
    several: bool = False  # a range or `all`: the report of several FYs, even when the range is one FY


def fy_choice(text: str) -> FYChoice:
    if text.strip().lower() == "all":
        return FYChoice(None, None, True)
    head, sep, tail = text.partition("..")
    if not sep:
        fy = fy_arg(text)
        return FYChoice(fy, fy)
    first, last = fy_arg(head.strip()), fy_arg(tail.strip())
    if first > last:
        raise argparse.ArgumentTypeError(f"`{text}`: the first FY comes after the last; write "
                                         f"{short_fy(last)}..{short_fy(first)}")
    return FYChoice(first, last, True)


def seconds(text: str) -> float:
    """A time in seconds above zero (`--time-limit 30`, `2.5`): a float, as HiGHS's `time_limit`
    option takes it (a solver setting, never money)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"`{text}`: a number of seconds above zero, e.g. 30 or 2.5")
    return value


def rupees(text: str, zero: bool = False) -> int:
    """An amount as the policy language writes one (engine/literals.py), in whole rupees."""
    from engine.literals import LiteralError, read_amount

    if text.strip().startswith("-"):
        raise argparse.ArgumentTypeError(f"`{text}`: the money must be whole rupees above zero, {AMOUNT_EXAMPLES}")
    try:
        value = read_amount(text)
    except LiteralError as e:
        said = e.message if f"`{text}`" in e.message else f"`{text}`: {e.message}"
        raise argparse.ArgumentTypeError(f"{said}; write whole rupees, {AMOUNT_EXAMPLES}")
    if value != value.to_integral_value():
        raise argparse.ArgumentTypeError(f"`{text}` is not whole rupees; write whole rupees, {AMOUNT_EXAMPLES}")
    if value == 0 and not zero:
        raise argparse.ArgumentTypeError(f"`{text}`: the money must be whole rupees above zero, {AMOUNT_EXAMPLES}")
    return int(value)


def contributions(text: str) -> dict[str, int]:
    """`asha=30000,ravi=20000` (or `asha=30,000,ravi=20k`: a comma or `;` before the next
    `id=` separates, other commas group digits): an investor may put in 0 this month, but not
    everyone."""
    out: dict[str, int] = {}
    for item in re.split(r"[,;]\s*(?=[A-Za-z][\w-]*\s*=)|;", text):
        name, sep, amount = item.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"`{item}`: write investor=amount, e.g. asha=30000,ravi=20000")
        investor = name.strip().lower()
        if investor in out:  # a typo for another investor: which amount was meant is not ours to guess
            raise argparse.ArgumentTypeError(f"`{text}` names {investor} twice: give each investor's money once")
        out[investor] = rupees(amount, zero=True)
    if not any(out.values()):
        raise argparse.ArgumentTypeError(f"`{text}`: the money must be whole rupees above zero")
    return out


POLICY_HELP = "the policy (default: the one the book remembers from `init --policy`)"


def book_options(command: argparse.ArgumentParser, policy: bool = True, policy_help: str = POLICY_HELP) -> None:
    """`--book` (and `--policy`) of a command that reads a book."""
    command.add_argument("--book", metavar="PATH", help="the book (default ./lotwise.db, or $LOTWISE_BOOK)")
    if policy:
        command.add_argument("--policy", metavar="FILE", help=policy_help)


def json_option(command: argparse.ArgumentParser, help: str = "print as JSON") -> None:
    command.add_argument("--json", action="store_true", help=help)
