"""`lotwise status`: the allocation against the targets, the unrealised gains, the exemption
left and the lots turning long-term (engine/api.py, `status`), as text or JSON (docs/json.md)."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal

from engine.cli.shell import with_book

EXIT_OK = 0


def cmd_status(args) -> int:
    from engine.api import Access

    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock
    return with_book(args, Access.READS, lambda book, loaded: show_status(book, loaded.policy, as_of, args.json))


def show_status(book, policy, as_of: date, as_json: bool) -> int:
    from engine import api
    from engine.diagnostics import render_all

    found = api.status(book, policy, as_of)
    if found.problems:  # warnings (T104: a missing FMV), on stderr; an error was refused
        print(render_all(list(found.problems), {}), file=sys.stderr)
    if as_json:
        print(json.dumps(status_json(found), indent=2))
    else:
        print_status(found)
    return EXIT_OK


def status_json(found) -> dict:
    """`status --json` (docs/json.md) of an api.Status."""
    from engine.literals import fy_label
    from engine.plans.drift import as_decimal

    def clean(v):
        return {k: clean(x) for k, x in v.items()} if isinstance(v, dict) else \
            [clean(x) for x in v] if isinstance(v, list) else \
            str(v) if isinstance(v, (Decimal, date)) else v

    return clean({
        "as_of": found.as_of, "fy": fy_label(found.fy), "value": found.value, "drift_measure": found.measure,
        "total_drift": as_decimal(found.total_drift),
        "assets": [{"asset": d.asset, "value": d.value, "weight": as_decimal(d.weight), "target": d.target,
                    "drift": as_decimal(d.drift), "band": d.band, "outside_band": d.outside_band}
                   for d in found.drifts],
        "investors": [_investor_status(row) for row in found.investors]})


_STATUS_ROWS = ("unrealised_st_gains", "unrealised_st_losses", "unrealised_lt_gains", "unrealised_lt_losses",
                "ltcg_realised_this_fy", "exemption_left", "harvestable_ltcg_now")


def _investor_status(row) -> dict:
    return {"investor": row.investor, **{k: getattr(row, k) for k in _STATUS_ROWS},
            "turning_long_term": [{"lot": t.lot, "security": t.security, "account": t.account, "units": t.units,
                                   "on": t.on, "gain": t.gain} for t in row.turning_long_term]}


def print_status(found) -> None:
    """`status` as text, of an api.Status."""
    from tabulate import tabulate

    from engine.literals import format_inr, format_percent, fy_label
    from engine.plans.drift import percent, points

    print(f"Portfolio on {found.as_of} ({fy_label(found.fy)}): {format_inr(found.value)}")
    print(tabulate([[d.asset, format_inr(d.value), percent(d.weight), percent(d.target), points(d.drift),
                     ("outside +/-" + format_percent(d.band)) if d.outside_band else ""] for d in found.drifts],
                   ["asset", "value", "weight", "target", "drift", ""], disable_numparse=True))
    print(f"Total drift ({found.measure.replace('-', ' ')}): {points(found.total_drift)}")
    for row in found.investors:
        print(f"\n{row.investor}")
        print(tabulate([[k.replace("_", " "), format_inr(getattr(row, k))] for k in _STATUS_ROWS], tablefmt="plain",
                       disable_numparse=True))
        if row.turning_long_term:
            print(tabulate([[t.lot, t.security, t.account, f"{t.units}", t.on.isoformat(), format_inr(t.gain)]
                            for t in row.turning_long_term],
                           ["turning long-term", "security", "account", "units", "on", "gain now"],
                           disable_numparse=True))
