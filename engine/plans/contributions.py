"""Each investor's new money for a plan: given per investor (`--from`), a total (`--invest`,
`--cash`), or the SIP amounts the policy states (`investor asha "Asha" sip Rs 30,000`).

    contributions(policy, given, total, monthly=...) -> Contributions, or why it cannot be told

- `--from asha=30000,ravi=20000`: as given (an investor not named puts in nothing).
- `--invest N` with one investor: hers. With several: split in proportion to their SIP
  amounts, to whole rupees by the largest remainder (engine/allocator.split_rupees); an
  investor without one puts in nothing. Without SIP amounts the total cannot be split.
- Nothing given: for a monthly plan, each investor's SIP amount; otherwise nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Mapping

from engine.plans.allocator import split_rupees
from engine.literals import format_inr
from engine.policy.model import Policy


@dataclass(frozen=True)
class Contributions:
    by_investor: Mapping[str, int]  # every investor of the policy, in its order; whole rupees
    source: str | None  # "--from" | "--invest" | "sip" | "--invest split by sip"; None: no money
    note: str | None = None  # where the money came from, when not given per investor


def contributions(policy: Policy, given: Mapping[str, int] | None, total: int | None, *, monthly: bool = False,
                  option: str = "--invest") -> Contributions | str:
    """Each investor's money (module docstring), or a message saying why it cannot be told."""
    investors = policy.portfolio.investors if policy.portfolio else ()
    ids = [i.id for i in investors]
    sips = {i.id: int(i.sip) for i in investors if i.sip is not None}
    if given:
        unknown = sorted(set(given) - set(ids))
        if unknown:
            return f"--from names {', '.join(unknown)}, not an investor of the policy ({', '.join(ids)})"
        if total is not None and total != sum(given.values()):
            return (f"{option} {format_inr(Decimal(total))} differs from the sum of --from, "
                    f"{format_inr(Decimal(sum(given.values())))}")
        return Contributions({i: given.get(i, 0) for i in ids}, "--from")
    if total is None:
        if monthly and sips:
            return Contributions({i: sips.get(i, 0) for i in ids}, "sip",
                                 "the policy's SIP amounts: no --invest or --from given")
        return Contributions({i: 0 for i in ids}, None,
                             f"no money this month: give {option} AMOUNT or --from ID=AMOUNT,..., or write each "
                             "investor's monthly SIP in the policy (sip Rs 30,000)" if monthly else None)
    if len(ids) == 1:
        return Contributions({ids[0]: total}, option)
    if not sips:
        example = ",".join(f"{i}=AMOUNT" for i in ids[:2])
        return (f"whose money is the {format_inr(Decimal(total))}? the policy has {len(ids)} investors: say so with "
                f"--from {example}, or write each investor's monthly SIP in the policy "
                f"(investor {ids[0]} \"...\" sip Rs 30,000) and {option} is split in proportion to them")
    parts = split_rupees(total, [Fraction(sips.get(i, 0)) for i in ids])
    stated = ", ".join(f"{i} {format_inr(Decimal(sips[i]))}" for i in ids if i in sips)
    return Contributions(dict(zip(ids, parts)), f"{option} split by sip",
                         f"{option} {format_inr(Decimal(total))} split in proportion to the policy's SIP amounts: {stated}")
