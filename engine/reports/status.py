"""`lotwise status` rendered: an api.Status (engine/status.py) as JSON data (docs/json.md) or
as text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.status import InvestorStatus, Status

STATUS_ROWS = ("unrealised_st_gains", "unrealised_st_losses", "unrealised_lt_gains", "unrealised_lt_losses",
               "ltcg_realised_this_fy", "exemption_left", "harvestable_ltcg_now")


def status_json(found: Status) -> dict[str, Any]:
    """`status --json` (docs/json.md)."""
    from engine.literals import fy_label
    from engine.plans.drift import as_decimal

    return {
        "as_of": found.as_of, "fy": fy_label(found.fy), "value": found.value, "drift_measure": found.measure,
        "total_drift": as_decimal(found.total_drift),
        "assets": [{"asset": d.asset, "value": d.value, "weight": as_decimal(d.weight), "target": d.target,
                    "drift": as_decimal(d.drift), "band": d.band, "outside_band": d.outside_band}
                   for d in found.drifts],
        "investors": [_investor_status(row) for row in found.investors]}


def _investor_status(row: InvestorStatus) -> dict[str, Any]:
    return {"investor": row.investor, **{k: getattr(row, k) for k in STATUS_ROWS},
            "turning_long_term": [{"lot": t.lot, "security": t.security, "account": t.account, "units": t.units,
                                   "on": t.on, "gain": t.gain} for t in row.turning_long_term]}


def status_text(found: Status) -> str:
    """`status` as text."""
    from tabulate import tabulate

    from engine.literals import format_inr, format_percent, fy_label
    from engine.plans.drift import percent, points

    lines = [f"Portfolio on {found.as_of} ({fy_label(found.fy)}): {format_inr(found.value)}",
             tabulate([[d.asset, format_inr(d.value), percent(d.weight), percent(d.target), points(d.drift),
                        ("outside +/-" + format_percent(d.band)) if d.band is not None and d.outside_band else ""] for d in found.drifts],
                      ["asset", "value", "weight", "target", "drift", ""], disable_numparse=True),
             f"Total drift ({found.measure.replace('-', ' ')}): {points(found.total_drift)}"]
    for row in found.investors:
        lines.append(f"\n{row.investor}")
        lines.append(tabulate([[k.replace("_", " "), format_inr(getattr(row, k))] for k in STATUS_ROWS],
                              tablefmt="plain", disable_numparse=True))
        if row.turning_long_term:
            lines.append(tabulate([[t.lot, t.security, t.account, f"{t.units}", t.on.isoformat(), format_inr(t.gain)]
                                   for t in row.turning_long_term],
                                  ["turning long-term", "security", "account", "units", "on", "gain now"],
                                  disable_numparse=True))
    return "".join(line + "\n" for line in lines)
