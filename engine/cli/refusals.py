"""The API's refusals (engine/inputs.py, Refused) worded in terms of the command line: the API
says "the cash method needs new money" and carries a code and the values it names; the shell
says which option gives them. A code not listed here is said as the API words it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WORDING: Mapping[str, str] = {
    "C101": "say --method full, partial or cash (the policy has no rebalance rule)",
    "C102": "the cash method needs --cash AMOUNT (or --from investor=AMOUNT,...)",
    "C103": "--fy {fy}: no such financial year",
    "C104": "--as-of {as_of} is in {in_fy}, not {fy}",
    "C115": "a backtest needs money each month: give --money ID=AMOUNT,... (or a `sip` per investor in the policy)",
    "C140": "`{path}` already exists and lotwise never writes over a policy: name another file with "
            "--policy FILE, or move that one away",
    "C142": "`{path}` already exists: `init --from-cas` starts a new book and never changes one; name another with "
            "--book PATH, or import the statement into that book with `lotwise import` (its policy unchanged)",
    "C141": "the holders of `{path}` can be told apart only by their PANs: run again with --show-pan "
            "(the policy then states each investor's PAN in full)",
    "C170": "--investor {investor}: not an investor of the policy ({investors})",
    "C171": "--from gives money to {others}, but --investor plans for {investor} only",
}


def worded(code: str | None, values: Mapping[str, Any], message: str) -> str:
    """The refusal `code` as the CLI says it, else `message`."""
    template = WORDING.get(code or "")
    return message if template is None else template.format(**values)
