"""The orders and drifts of a month plan or a rebalance (engine/plans), as JSON data
(docs/json.md) and as text tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any


def number(v: Any) -> str:
    """A Decimal as it is, a Fraction rounded for display (engine/plans/drift.py, as_decimal)."""
    from engine.plans.drift import as_decimal

    return str(as_decimal(v) if isinstance(v, Fraction) else v)


def drifts_json(drifts: Iterable[Any]) -> list[dict[str, Any]]:
    return [d.to_json() for d in drifts]  # engine/plans/drift.py AssetDrift.to_json


def sell_json(o: Any, day: date) -> dict[str, Any]:
    return {"date": day.isoformat(), "investor": o.investor, "account": o.account, "security": o.security,
            "asset": o.asset, "side": "SELL", "amount": number(o.amount), "units": number(o.units),
            "price": number(o.price), "tax": number(o.tax), "stt": number(o.stt), "exit_load": number(o.exit_load),
            "net": number(o.net),
            "lots": [{"lot": s.lot_id, "acquired": s.acquired.isoformat(), "units": number(s.units),
                      "proceeds": number(s.proceeds), "basis": number(s.basis), "exit_load": number(s.exit_load),
                      "gain": number(s.gain), "term": s.term, "tax": number(s.tax)} for s in o.lots]}


def buy_json(b: Any, day: date) -> dict[str, Any]:
    return {"date": day.isoformat(), "investor": b.investor, "account": b.account, "security": b.security,
            "asset": b.asset, "side": "BUY", "amount": str(b.amount), "units": None if b.units is None else number(b.units),
            "price": None if b.price is None else number(b.price)}


def orders_json(sells: Iterable[Any], buys: Iterable[Any], day: date) -> list[dict[str, Any]]:
    return [sell_json(o, day) for o in sells] + [buy_json(b, day) for b in buys]


def unplaced_json(unplaced: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"investor": u.investor, "asset": u.asset, "amount": str(u.amount), "reason": u.reason}
            for u in unplaced]


def orders_lines(sells: Sequence[Any], buys: Sequence[Any]) -> list[str]:
    """The orders' table (or `no orders`), then each sale's FIFO lots."""
    from tabulate import tabulate

    from engine.literals import format_inr

    rows = []
    for o in sells:
        rows.append([o.investor, o.account, o.security, o.asset, "SELL", format_inr(o.amount), number(o.units),
                     format_inr(o.tax), format_inr(o.stt + o.exit_load)])
    for b in buys:
        rows.append([b.investor, b.account, b.security, b.asset, "BUY", format_inr(Decimal(b.amount)),
                     "" if b.units is None else f"~{b.units}", "", ""])
    lines = [tabulate(rows, ["investor", "account", "security", "asset", "side", "amount", "units", "tax",
                             "charges"], disable_numparse=True) if rows else "no orders"]
    for o in sells:
        lines.append(f"\nSELL {o.units} {o.security} ({o.investor}, {o.account}): FIFO lots")
        lines.append(tabulate([[s.lot_id, s.acquired.isoformat(), number(s.units), format_inr(s.proceeds),
                                format_inr(s.basis), s.term, format_inr(s.gain), format_inr(s.tax)] for s in o.lots],
                              ["lot", "acquired", "units", "proceeds", "basis", "term", "gain", "tax"],
                              disable_numparse=True))
    return lines


def unplaced_lines(unplaced: Iterable[Any], notes: Iterable[str]) -> list[str]:
    from engine.literals import format_inr

    return [f"not placed: {u.investor} {format_inr(Decimal(u.amount))} for {u.asset}: {u.reason}"
            for u in unplaced] + list(notes)


def drifts_lines(title: str, drifts: Iterable[Any], total: Any, measure: str) -> list[str]:
    from tabulate import tabulate

    from engine.literals import format_inr
    from engine.plans.drift import percent, points

    return [title,
            tabulate([[d.asset, format_inr(d.value), percent(d.weight), percent(d.target), points(d.drift),
                       "outside band" if d.outside_band else ""] for d in drifts],
                     ["asset", "value", "weight", "target", "drift", ""], disable_numparse=True),
            f"Total drift ({measure.replace('-', ' ')}): {points(total)}"]


def text(lines: Iterable[str]) -> str:
    """Lines as `print` writes them, each with its new line."""
    return "".join(line + "\n" for line in lines)
