"""Runs against the exhaustive referee (issue 14: runs wherever the tax value follows a run's gain).

Instances made to stress runs (a review's generator, issue 14): one investor, one to two queues of two to
five lots each, gains rising or falling along the queue, runs of losses only, mixed, flat; exit loads on
half; prices whose count's proceeds are not whole paise; a loss threshold, short-term gains allowed or
not, `sell legacy funds first` (a preferred queue, whose bonus pays for proceeds, so the program takes a
run's lots out of order), the time statements; the small law of the referee (an exemption of Rs 40).
Every plan must keep every constraint and be within Re 1 of the best FIFO-legal plan by brute force.

Seed 5442: a run of three long-term loss lots of the preferred legacy fund at Rs 20,888.88 a unit (a
count's proceeds 20.88888, not whole paise). The program met the net-LTCG row (allowance Rs 39) with
Rs 28.20 of loss in its own per-count terms; the repacking handed the loss out by the exact gains (each
lot's value rounded to the paisa, in other ratios), 0.00018 of a count short, and rounding the loss part
up to a whole count added nothing back: net LTCG 39.01. Fixed by repacking in the program's terms.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.harvest.optimizer import plan_year_end, queues_of
from engine.harvest.rounding import repack_runs
from engine.ledger.fifo import Ledger, Lot
from engine.plans.sell_choice import TaxPosition
from engine.policy import check_file
from engine.tax.realised import RealisedPart
from engine.tax.unrealised import value_lots
from engine.tax.year import Loss
from engine.transactions import Price

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "harvest")]

import test_optimizer_referee as referee  # noqa: E402

DAYS = [date(2017, 6, 1), date(2022, 5, 10), date(2022, 9, 1), date(2023, 2, 1), date(2023, 5, 10),
        date(2024, 1, 3), date(2024, 3, 1), date(2024, 11, 2), date(2025, 1, 10), date(2025, 6, 1),
        date(2025, 9, 1), date(2025, 12, 15)]
# Shortfalls the base (before runs: c4fd40f) has too, found by the same review: not runs' (left open).
KNOWN = {2144: "short 4.14 of 5.33", 4614: "short 5.45 of 6.94", 8558: "short 0.00 of 2.56",
         9660: "short 3.80 of 5.70", 8661: "a constraint", 18748: "tax up Rs 0.01 on a Rs 0.04 STCG"}


def _policy(tmp_path: Path, rng: random.Random, seed: int):
    harvest = []
    if rng.random() < 0.85:
        harvest.append(f"realise gains up to the exemption, keep Rs {rng.choice([0, 1, 3])} margin")
    if rng.random() < 0.5:
        harvest.append(f"harvest losses larger than Rs {rng.choice([1, 2, 4, 8])}")
    c = rng.random()
    if c < 0.3:
        harvest.append("never realise short-term gains")
    elif c < 0.85:
        harvest.append(f"allow short-term gains up to Rs {rng.choice([2, 5, 9, 20])}")
    if rng.random() < 0.15:
        harvest.append("never pay exit load")
    if rng.random() < 0.4:
        harvest.append("sell legacy funds first")
    harvest += referee._time_statements(seed, growth=True)
    load = f"\n        exit load {rng.choice(['1%', '0.5%', '2%'])} within 730 days" if rng.random() < 0.5 else ""
    slab = rng.choice(["", " slab 30%", " slab 10%"])
    text = f"""{referee.RICH_LAW}
portfolio "P" {{
    investor asha "Asha"{slab}
    asset "Equity" 100% class equity
    fund INF000000001 "Index fund" holds "Equity"{load}
    fund INF000000002 "Legacy fund" holds "Equity"
        legacy, replace with INF000000001
    fund INF000000003 "Debt fund" holds "Equity" class specified-fund
}}
harvest at year end {{
{chr(10).join('    ' + h for h in harvest)}
}}
"""
    path = tmp_path / "runs.rules"
    path.write_text(text, encoding="utf-8")
    result = check_file(path)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


def _lots(rng: random.Random, seed: int, prices: dict[str, D], as_of: date) -> list[Lot]:
    lots = []
    queues = rng.choice([1, 1, 2])
    for account, security in rng.sample([("F1", "INF000000001"), ("F2", "INF000000001"), ("F1", "INF000000002"),
                                         ("F1", "INF000000003")], queues):
        budget = 14 if queues == 1 else 9
        mode = rng.choice(["rise", "fall", "loss", "mixed", "flat"])
        days = sorted(d if d <= as_of else date(2024, 1, 5) for d in sorted(rng.sample(DAYS, 5)))
        ratio = rng.choice([0.3, 0.5, 0.8, 1.1, 1.3])  # cost per unit / today's price
        for n in range(rng.randint(2, 5)):
            counts = rng.randint(1, min(5, budget))
            budget -= counts
            units = D(counts) / 1000
            if mode == "rise":
                ratio = max(0.05, ratio - rng.choice([0.05, 0.1, 0.2, 0.0]))
            elif mode == "fall":
                ratio = ratio + rng.choice([0.05, 0.1, 0.2, 0.0])
            elif mode == "loss":
                ratio = rng.choice([1.02, 1.05, 1.1, 1.3, 1.6])
            elif mode == "mixed":
                ratio = rng.choice([0.4, 0.7, 0.95, 0.99, 1.01, 1.05, 1.2])
            per_unit = prices[security] * D(str(round(ratio, 3)))
            lots.append(Lot((seed, account, security, n), "asha", account, security, days[n], units,
                            (units * per_unit).quantize(D("0.01")), f"t:{n}", "BUY"))
            if budget <= 0:
                break
    return sorted(lots, key=lambda lot: (lot.investor, lot.account, lot.security, lot.acquired))


def _instance(tmp_path: Path, seed: int):
    rng = random.Random(f"runs:{seed}")
    policy = _policy(tmp_path, rng, seed)
    as_of = rng.choice([date(2025, 3, 20), date(2026, 3, 20)])
    fy = policy.tax.fy_of(as_of)
    scale = D(rng.choice([1, 3, 8]))
    prices = {"INF000000001": scale * D(rng.choice(["2000", "3517.3", "4800", "1234.5678"])),
              "INF000000002": scale * D(rng.choice(["1500", "2611.11"])),
              "INF000000003": scale * D(rng.choice(["1800", "3000.7"]))}
    lots = _lots(rng, seed, prices, as_of)
    # A lot of 2017 has no FMV for grandfathering (a T104 warning): its cost stands, as the book would do.
    holdings, _ = value_lots(Ledger(tuple(lots), ()), policy, lambda s, d: Price(d, s, prices[s]), {}, as_of)
    parts = []
    for k in range(rng.randint(0, 3)):
        kind = rng.choice(["short", "long", "debt"])
        sold = date(2024, 9, 1) if fy == 2024 else date(2025, 9, 1)
        gain = D(rng.randint(-20, 40))
        if kind == "debt":
            parts.append(RealisedPart("asha", "X", "INF000000003", "specified-fund", sold, "t", f"R{k}",
                                      date(2024, 1, 1), D(1), D(0), D(0), D(0), D(0), gain, "short-term", "slab",
                                      False, fy))
        else:
            term = "short-term" if kind == "short" else "long-term"
            rate = D("0.2") if kind == "short" else D("0.125")
            parts.append(RealisedPart("asha", "X", "INF000000001", "equity", sold, "t", f"R{k}", date(2023, 1, 1),
                                      D(1), D(0), D(0), D(0), D(0), gain, term, rate, term == "long-term", fy))
    losses = [Loss(rng.choice([fy - 3, fy - 1]), rng.choice(["short-term", "long-term"]), D(rng.randint(1, 25)))
              for _ in range(rng.randint(0, 2))]
    return policy, holdings, TaxPosition(policy, fy, {"asha": parts}, {"asha": losses}), as_of, fy


def _judged(tmp_path: Path, seed: int) -> list[str]:
    """What is wrong with the plan of instance `seed` (nothing: [])."""
    policy, holdings, position, as_of, fy = _instance(tmp_path, seed)
    wrong = []
    for ip in plan_year_end(policy, holdings, position, as_of).investors:
        investor = next(i for i in policy.portfolio.investors if i.id == ip.investor)
        queues = queues_of(policy, investor, holdings, as_of, fy, set())
        if not queues:
            continue
        best = referee._exhaustive(policy, investor, position, queues, as_of, fy, referee._minimums_kept)
        if not (referee._feasible(policy, ip.outcome, ip.allowance) and referee._minimums_kept(policy, ip.outcome)):
            wrong.append(f"a constraint broken (net LTCG {ip.outcome.after.net_ltcg}, allowance {ip.allowance})")
        elif ip.outcome.tax_value < best.tax_value - 1:
            wrong.append(f"short: {ip.outcome.tax_value} of {best.tax_value}")
    return wrong


def test_a_run_of_losses_repacked_keeps_the_allowance(tmp_path):
    """Seed 5442 (the module's docstring): the plan keeps net LTCG within the allowance of Rs 39."""
    policy, holdings, position, as_of, _ = _instance(tmp_path, 5442)
    (ip,) = plan_year_end(policy, holdings, position, as_of).investors
    assert ip.allowance == D(39) and ip.outcome.after.net_ltcg <= ip.allowance
    assert _judged(tmp_path, 5442) == []


@pytest.mark.slow
def test_runs_instances_against_the_referee(tmp_path):
    """400 instances (about 10 s): every plan keeps every constraint and is within Re 1 of the best;
    the shortfalls the base had too (KNOWN) are left out, and still fail (so that their fix is seen)."""
    wrong = {}
    for seed in random.Random(14).sample(range(20_000), 400) + list(KNOWN):
        found = _judged(tmp_path, seed)
        if found:
            wrong[seed] = found
    assert set(wrong) == set(KNOWN), {s: w for s, w in wrong.items() if s not in KNOWN}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.5, 50), st.integers(1, 9), st.floats(0, 1)), min_size=2, max_size=6),
       st.booleans())
def test_repacking_keeps_the_programs_sum_and_fifo_order(lots, losses):
    """A run's lots (gain per count g, counts u, the part x/u the program took): after the repacking the
    program's sum of g x is the same (every row reading the run reads the same) and the lots are filled
    in FIFO order: none has units while a lot before it is not whole."""
    from types import SimpleNamespace

    sign = -1.0 if losses else 1.0
    per_count = {c: sign * g for c, (g, _, _) in enumerate(lots)}
    upper = [float(u) for _, u, _ in lots]
    solution = [share * u for (_, u, share) in lots]
    runs = {c: c - 1 for c in range(1, len(lots))}
    queue = SimpleNamespace(key=("asha", "F1", "X"))
    out = repack_runs([queue], {queue.key: list(range(len(lots)))}, solution, runs, upper, per_count)
    before = sum(per_count[c] * x for c, x in enumerate(solution))
    after = sum(per_count[c] * x for c, x in enumerate(out))
    assert after == pytest.approx(before, rel=1e-9, abs=1e-9)
    for c in range(1, len(lots)):
        assert out[c] <= 1e-9 or out[c - 1] >= upper[c - 1] - 1e-9
    assert all(-1e-12 <= x <= u + 1e-12 for x, u in zip(out, upper))
