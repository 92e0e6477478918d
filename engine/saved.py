"""The plans saved in the book, read back (engine/book/saved_plans.py keeps them): the list,
the policy a plan applied, and why it sold or kept each lot. Public through engine/api.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.inputs import Refused
from engine.precision import with_precision
from engine.vocabulary import PLANS_OF_ORDERS

if TYPE_CHECKING:
    from engine.book.store import Book


# ------------------------------------------------------------------ saved plans
@dataclass(frozen=True)
class SavedPlan:
    """A plan saved in the book, as `lotwise plans` lists it."""

    plan_id: str
    kind: str
    as_of: str  # as saved: YYYY-MM-DD
    fy: str  # its label, e.g. FY 2025-26
    sells: int
    investors: tuple[str, ...]
    value: Decimal | None  # a harvest's value, summed over its investors; None: a month plan or a rebalance



@with_precision
def plans(book: Book) -> tuple[SavedPlan, ...]:
    """The plans saved in the book, by as_of then id (engine/book/saved_plans.py, `saved`)."""
    from engine.book.saved_plans import saved
    from engine.literals import fy_label

    found = []
    for ident, kind, as_of, fy, body in saved(book):
        data = json.loads(body)
        sells = sum(1 for o in data["orders"] if o["side"] == "SELL")
        if kind in PLANS_OF_ORDERS:  # its investors: those with an order
            investors = tuple(dict.fromkeys(o["investor"] for o in data["orders"]))
            found.append(SavedPlan(ident, kind, as_of, fy_label(fy), sells, investors, None))
            continue
        found.append(SavedPlan(ident, kind, as_of, data["fy"], sells,
                               tuple(i["investor"] for i in data["investors"]),
                               sum((Decimal(i["value"]) for i in data["investors"]), Decimal(0))))
    return tuple(found)


@with_precision
def saved_policy(book: Book, plan: str) -> tuple[str, Mapping[str, Any]]:
    """The policy the saved plan `plan` (an id or its first characters) applied: its full id and
    the record of its files (each file's name, sha256 and text, as the plan read them)."""
    from engine.book.saved_plans import load
    from engine.book.saved_plans import saved_policy as policy_saved

    found = load(book, plan)
    if found is None:
        raise Refused(f"no saved plan {plan!r} in this book (or more than one starts so); `lotwise plans` lists them",
                      code="C120", values={"plan": plan})
    record = policy_saved(book, found[0])
    if record is None:
        raise Refused(f"plan {found[0]} was saved before plans kept their policy (lotwise 0.1.0, schema 7 or "
                      "older); only its hash is known: see `inputs` in `lotwise why` --json",
                      code="C121", values={"plan": found[0]})
    return found[0], record


# ------------------------------------------------------------------ why
@dataclass(frozen=True)
class Why:
    """`lotwise why`: a saved plan's id, its JSON (`body`, docs/json.md), the decisions chosen
    (of a month plan or a rebalance: the orders chosen), and whether the plan is the one saved
    last because none was named."""

    plan_id: str
    body: Mapping[str, Any]
    chosen: tuple[Mapping[str, Any], ...]
    latest: bool


def saved_body(book: Book, plan: str | None, *, codes: tuple[str, str] = ("C122", "C120"),
               otherwise: str = "") -> tuple[str, str]:
    """(id, JSON text) of the saved plan `plan` (an id or its first characters; None: the plan saved
    last). Refused codes[0] when the book has no plan (`otherwise`: what else the command can do,
    said after), codes[1] when no plan has that id (or more than one starts so)."""
    from engine.book.saved_plans import latest, load

    found = latest(book) if plan is None else load(book, plan)
    if found is None and plan is None:
        raise Refused("no saved plans in this book: `lotwise plan year-end`, `plan month` or `rebalance` "
                      f"saves one{otherwise}", code=codes[0])
    if found is None:
        raise Refused(f"no saved plan {plan!r} in this book (or more than one starts so); "
                      "`lotwise plans` lists them", code=codes[1], values={"plan": plan})
    return found


@with_precision
def why(book: Book, plan: str | None = None, *, lot: str | None = None, security: str | None = None,
        investor: str | None = None) -> Why:
    """The decisions of the saved plan `plan` (an id or its first characters; None: the plan
    saved last) for a lot, a security or an investor (each None: all)."""
    found = saved_body(book, plan)
    body = json.loads(found[1])
    if body.get("kind") in PLANS_OF_ORDERS:  # a month plan, a rebalance: its orders (docs/json.md)
        return Why(found[0], body, orders_chosen(found[0], body["orders"], lot, security, investor), plan is None)
    chosen = tuple(d for d in body["decisions"]
                   if (lot is None or d["lot"] == lot) and (security is None or d["security"] == security)
                   and (investor is None or d["investor"] == investor))
    if not chosen:
        raise Refused(f"plan {found[0]} has no decision for "
                      + ", ".join(f"{k} {v}" for k, v in (("lot", lot), ("security", security),
                                                           ("investor", investor)) if v),
                      code="C123", values={"plan": found[0]})
    return Why(found[0], body, chosen, plan is None)


def orders_chosen(plan_id: str, orders: list[Mapping[str, Any]], lot: str | None, security: str | None,
                  investor: str | None) -> tuple[Mapping[str, Any], ...]:
    """The orders of a month plan or a rebalance for a lot (the sales that sell it), a security
    or an investor (each None: all, maybe none); Refused (C123) when none is for those asked."""
    chosen = tuple(o for o in orders
                   if (lot is None or any(s["lot"] == lot for s in o.get("lots", ())))
                   and (security is None or o["security"] == security) and (investor is None or o["investor"] == investor))
    if not chosen and (lot or security or investor):
        raise Refused(f"plan {plan_id} has no order for "
                      + ", ".join(f"{k} {v}" for k, v in (("lot", lot), ("security", security),
                                                           ("investor", investor)) if v),
                      code="C123", values={"plan": plan_id})
    return chosen
