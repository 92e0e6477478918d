"""`harvest when ...` in the harvest block (issue 14, item 5): parsed, checked, resolved,
formatted, shown; a policy without it resolves to the same JSON as before (plan ids unchanged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import error_codes
from engine.policy.fmt import format_source
from engine.policy.model import Duration, HarvestTrigger
from engine.vocabulary import HarvestTriggerKind

ROOT = Path(__file__).resolve().parents[2]
BLOCK = ("harvest at year end {{\n    realise gains up to the exemption\n{triggers}}}\n")
DRAWDOWN = "    harvest when an asset is 10% below its high of the last 12 months\n"
LOSSES = "    harvest when unrealised long-term losses exceed Rs 25,000\n"


def test_both_triggers_resolve_in_the_order_stated(check):
    result = check(BLOCK.format(triggers=LOSSES + DRAWDOWN))
    assert result.ok
    assert result.policy.harvest.triggers == (
        HarvestTrigger(kind=HarvestTriggerKind.LONG_TERM_LOSSES, amount=Decimal("25000")),
        HarvestTrigger(kind=HarvestTriggerKind.DRAWDOWN, below=Decimal("0.10"), window=Duration(count=12, unit="months")))
    harvest = result.policy.to_json()["harvest"]
    assert harvest["triggers"] == [{"kind": "long-term-losses", "below": None, "window": None, "amount": "25000"},
                                   {"kind": "drawdown", "below": "0.10", "window": {"count": 12, "unit": "months"},
                                    "amount": None}]


def test_a_policy_without_triggers_dumps_as_before(check):
    harvest = check(BLOCK.format(triggers="")).policy.to_json()["harvest"]
    assert list(harvest) == ["realise_gains", "margin", "loss_threshold", "use_losses_within_year",
                             "short_term_gains_limit", "never_pay_exit_load", "preference"]


@pytest.mark.parametrize("trigger, code", [
    ("harvest when an asset is 120% below its high of the last 12 months", "V304"),  # over 100%
    ("harvest when an asset is 0% below its high of the last 12 months", "V304"),  # any day would do
    ("harvest when an asset is 10% below its high of the last 0 months", "V350"),  # an empty window
    ("harvest when an asset is 10% below its high of the last 101 years", "V304"),
])
def test_out_of_range(check, trigger, code):
    assert error_codes(check(BLOCK.format(triggers=f"    {trigger}\n"))) == [code]


def test_the_same_trigger_twice_is_v311_and_two_windows_are_two_triggers(check):
    assert error_codes(check(BLOCK.format(triggers=DRAWDOWN + DRAWDOWN.replace("10%", "20%")))) == ["V311"]
    two = check(BLOCK.format(triggers=DRAWDOWN + DRAWDOWN.replace("12 months", "3 years")))
    assert two.ok and len(two.policy.harvest.triggers) == 2


def test_an_override_replaces_the_trigger_of_the_same_kind_and_window(check):
    text = BLOCK.format(triggers=DRAWDOWN + LOSSES) + "override harvest {\n" + DRAWDOWN.replace("10%", "15%") + "}\n"
    triggers = check(text).policy.harvest.triggers
    assert [(t.kind, t.below) for t in triggers] == [("drawdown", Decimal("0.15")), ("long-term-losses", None)]


def test_fmt_round_trip():
    messy = "harvest{harvest  when an asset is 10% below its high of the last 12 months harvest when unrealized " \
            "long-term losses exceeds 25k}\n"
    out, diagnostics = format_source(messy, "x.rules")
    assert out == ("harvest {\n    harvest when an asset is 10% below its high of the last 12 months\n"
                   "    harvest when unrealized long-term losses exceeds 25k\n}\n"), diagnostics
    assert format_source(out, "x.rules")[0] == out


def lotwise(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, encoding="utf-8")


def test_show_says_the_triggers(tmp_path):
    (tmp_path / "p.rules").write_text(BLOCK.format(triggers=DRAWDOWN + LOSSES), encoding="utf-8")
    shown = lotwise(tmp_path, "show", "p.rules")
    assert ("Harvesting: realise gains up to the exemption less Rs 0; due when an asset is 10% below its high of "
            "the last 12 months; due when unrealised long-term losses exceed Rs 25,000\n") in shown.stdout
    assert json.loads(lotwise(tmp_path, "show", "--json", "p.rules").stdout)["policy"]["harvest"]["triggers"][1] == {
        "kind": "long-term-losses", "below": None, "window": None, "amount": "25000"}


@pytest.mark.parametrize("line, said", [
    ("harvest when an asset is 10 below its high of the last 12 months",
     "p.rules:2:30: error[P110]: the number `10` needs a percent sign here"),
    ("harvest when unrealised long-term losses exceed 5%",
     "p.rules:2:53: error[P121]: expected an amount in rupees or a number, found `5%`"),
    ("harvest when an asset is 10% below its high of the last 0 months",
     "p.rules:2:61: error[V350]: the high of the last 0 months is no high: the window is empty"),
])
def test_near_misses_are_said_with_their_place(tmp_path, line, said):
    (tmp_path / "p.rules").write_text(f"harvest {{\n    {line}\n}}\n", encoding="utf-8")
    done = lotwise(tmp_path, "check", "p.rules")
    assert done.returncode == 1 and said in done.stderr + done.stdout and "Traceback" not in done.stderr
