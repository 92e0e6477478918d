"""A plan's value does not depend on names (issue 11, item 3): renaming or reordering the
investors, the folios and the securities of a book changes no investor's tax value (tax saved
+ step-up - exit loads, what the plan maximises first) by more than the Re 1 of
docs/harvesting.md. (The value net of STT and stamp duty is not held to it: between plans of
one tax value the tie-breaks are settled within the solver's gap; docs/harvesting.md.)

The books are of family size (two or three investors, four index funds and a legacy fund,
several years of monthly SIPs in one or two folios each: hundreds of lots per investor, with
loss lots where the market fell), built in process with the engine's own functions, as
tests/harvest/test_optimizer_referee.py builds its small instances. A second naming of the same book has
other investor ids, folio strings and fund ids (so other queue keys, and the program's
columns in another order), the policy's investors and funds declared in another order, and
the lots listed in another order across queues (FIFO within each queue, as the ledger keeps
them). The family example itself is checked with two of ravi's folios renamed, the case the
issue reported (a tax value of Rs 16,119.99 against Rs 16,108.69).

LOTWISE_INVARIANCE_EXAMPLES sets how many books hypothesis draws (default 6, about 20 s on a
quiet machine; a larger run: LOTWISE_INVARIANCE_EXAMPLES=200).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import REPO
from engine.cli.main import main
from engine.harvest.optimizer import plan_year_end
from engine.ledger.fifo import Ledger, Lot
from engine.policy import check_file
from engine.plans.sell_choice import TaxPosition
from engine.tax.realised import RealisedPart
from engine.tax.unrealised import value_lots
from engine.transactions import Price

pytestmark = pytest.mark.slow  # family-size books planned under several namings

AS_OF = date(2026, 3, 20)  # FY 2025-26: LTCG 12.5% above Rs 1,25,000, STCG 20%, cess 4%
FY = 2025
EXAMPLES = int(os.environ.get("LOTWISE_INVARIANCE_EXAMPLES", "6"))
FUNDS = ("n50", "nn50", "mid", "small", "legacy")  # the book's own names for its funds
ASSETS = {"n50": "Nifty 50", "nn50": "Nifty Next 50", "mid": "Midcap 150", "small": "Smallcap 250",
          "legacy": "Nifty 50"}


def _book(seed: int) -> dict:
    """A family-size book in the book's own names: investors i0.., folios f0.., FUNDS."""
    rng = random.Random(seed)
    months = 12 * rng.randint(4, 7)
    start = (2026 * 12 + 2) - months - 1  # the last SIP in February 2026
    paths = {}
    for fund in FUNDS:
        nav, path = rng.uniform(20, 200), []
        for _ in range(months + 1):
            path.append(nav)
            nav *= 1 + rng.gauss(0.01, 0.05)  # a rising market with falls: loss lots too
        paths[fund] = path
    lots = []
    investors = [f"i{k}" for k in range(rng.randint(2, 3))]
    folio = 0
    for investor in investors:
        for fund in rng.sample(FUNDS, rng.randint(3, 5)):
            for _ in range(rng.choice([1, 1, 2])):
                folio += 1
                amount = D(rng.choice([3000, 5000, 10000, 15000]))
                first = rng.randint(0, months // 4)
                for m in range(first, months):
                    year, month = divmod(start + m, 12)
                    nav = D(str(round(paths[fund][m], 4)))
                    units = (amount / nav).quantize(D("0.001"))
                    lots.append((investor, f"f{folio}", fund, date(year, month + 1, 10), units, amount))
    realised = {i: D(rng.choice([0, 0, 20000, 60000, -15000])) for i in investors}
    price = {f: D(str(round(paths[f][-1], 4))) for f in FUNDS}
    return {"investors": investors, "lots": lots, "price": price, "realised": realised,
            "threshold": rng.choice([0, 1000, 5000]), "margin": rng.choice([0, 1000])}


def _naming(book: dict, seed: int) -> dict:
    """Names for the book's investors, folios and funds (seed 0: the book's own), and the orders
    in which the policy declares them and the lots are listed."""
    rng = random.Random(seed)
    folios = sorted({lot[1] for lot in book["lots"]})
    if seed == 0:
        names = {**{i: i for i in book["investors"]}, **{f: f for f in folios},
                 **{f: f"INF{k:06d}01A" for k, f in enumerate(FUNDS)}}
    else:
        letters = "abcdefghijklmnopqrstuvwxyz"
        names = {i: rng.choice(letters) + "".join(rng.choices(letters + "0123456789_", k=rng.randint(0, 6)))
                 for i in book["investors"]}
        while len(set(names.values())) < len(names):
            names = {i: v + rng.choice(letters) for i, v in names.items()}
        numbers = rng.sample(range(10 ** 6, 10 ** 7), len(folios))
        names.update({f: f"{n}/{rng.randint(10, 99)}" for f, n in zip(folios, numbers)})
        names.update({f: f"INF{n:06d}01A" for f, n in zip(FUNDS, rng.sample(range(10 ** 6), len(FUNDS)))})
    return {"names": names, "investor_order": rng.sample(book["investors"], len(book["investors"])) if seed
            else book["investors"], "fund_order": rng.sample(FUNDS, len(FUNDS)) if seed else list(FUNDS),
            "queue_rank": {k: rng.random() for k in {(l[0], l[1], l[2]) for l in book["lots"]}}}


def _plan(book: dict, naming: dict, directory: Path) -> dict[str, tuple[D, D]]:
    """(value, tax value) of each investor's plan, by the book's own investor names."""
    n = naming["names"]
    funds = []
    for fund in naming["fund_order"]:
        line = f'    fund {n[fund]} "Fund {fund}" holds "{ASSETS[fund]}"'
        if fund == "legacy":
            line += f"\n        legacy, replace with {n['n50']}\n        exit load 1% within 365 days"
        funds.append(line)
    harvest = [f"realise gains up to the exemption, keep Rs {book['margin']} margin", "never realise short-term gains",
               "never pay exit load", "sell legacy funds first, then overweight assets"]
    if book["threshold"]:
        harvest.append(f"harvest losses larger than Rs {book['threshold']}")
    text = "\n".join(['use "india"', 'portfolio "P" {',
                      *(f'    investor {n[i]} "Investor {i}"' for i in naming["investor_order"]),
                      '    asset "Nifty 50" 40% class equity', '    asset "Nifty Next 50" 20% class equity',
                      '    asset "Midcap 150" 20% class equity', '    asset "Smallcap 250" 20% class equity',
                      *funds, "}", "harvest at year end {", *("    " + h for h in harvest), "}", ""])
    path = directory / f"policy-{abs(hash(tuple(sorted(n.items()))))}.rules"
    path.write_text(text, encoding="utf-8")
    checked = check_file(path)
    assert checked.ok, [d.message for d in checked.diagnostics]
    policy = checked.policy
    rank = naming["queue_rank"]
    ordered = sorted(book["lots"], key=lambda l: (l[3], rank[(l[0], l[1], l[2])]))  # FIFO within each queue
    lots = tuple(Lot((n[i], n[f], n[s], day, k), n[i], n[f], n[s], day, units, cost, f"t:{k}", "BUY")
                 for k, (i, f, s, day, units, cost) in enumerate(ordered))
    prices = {n[f]: p for f, p in book["price"].items()}
    holdings, problems = value_lots(Ledger(lots, ()), policy, lambda s, d: Price(d, s, prices[s]), {}, AS_OF)
    assert not problems
    realised = {n[i]: [RealisedPart(n[i], "X", n["n50"], "equity", date(2025, 9, 1), "t", "R", date(2023, 1, 1), D(1),
                                    D(0), D(0), D(0), D(0), g, "long-term", D("0.125"), True, FY)] if g else []
                for i, g in book["realised"].items()}
    plan = plan_year_end(policy, holdings, TaxPosition(policy, FY, realised, {}), AS_OF, {"Nifty 50"})
    back = {n[i]: i for i in book["investors"]}
    return {back[ip.investor]: (ip.outcome.value, ip.outcome.tax_value) for ip in plan.investors}


@settings(max_examples=EXAMPLES)
@given(book_seed=st.integers(0, 2 ** 32 - 1), naming_seed=st.integers(1, 2 ** 32 - 1))
def test_renaming_and_reordering_a_family_size_book_changes_no_tax_value_by_more_than_a_rupee(
        tmp_path_factory, book_seed, naming_seed):
    book = _book(book_seed)
    assert len(book["lots"]) >= 200  # family size: hundreds of lots
    directory = tmp_path_factory.mktemp("names")
    base = _plan(book, _naming(book, 0), directory)
    other = _plan(book, _naming(book, naming_seed), directory)
    assert base.keys() == other.keys() == set(book["investors"])
    for investor, (value, tax_value) in base.items():
        assert abs(other[investor][1] - tax_value) <= 1, (investor, tax_value, other[investor])


def _family_plan(directory: Path, renames: dict[str, str]) -> dict[str, tuple[str, str]]:
    """(value, tax value) of each investor's year-end plan of the family example on 21 November
    2026, with ravi's folios renamed by `renames`, built and planned through the CLI."""
    directory.mkdir()
    family = REPO / "examples" / "family"
    for name in ("family.rules", "prices.csv", "fmv.csv"):
        shutil.copy(family / name, directory / name)
    rows = (family / "transactions.csv").read_text(encoding="utf-8").splitlines()
    renamed = [rows[0]] + [",".join(renames.get(c, c) if k == 2 and r.split(",")[1] == "ravi" else c
                                    for k, c in enumerate(r.split(","))) for r in rows[1:]]
    (directory / "transactions.csv").write_text("\n".join(renamed) + "\n", encoding="utf-8")
    book = str(directory / "b.db")
    assert main(["init", "--policy", str(directory / "family.rules"), "--book", book]) == 0
    assert main(["import", *(str(directory / n) for n in ("transactions.csv", "prices.csv", "fmv.csv")),
                 "--book", book]) == 0
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["plan", "year-end", "--as-of", "2026-11-21", "--book", book, "--json", "--no-save"]) == 0
    body = json.loads(text.getvalue())
    return {i["investor"]: (i["value"], i["tax_value"]) for i in body["investors"]}


def test_renaming_two_of_ravis_folios_in_the_family_example_keeps_his_plan(tmp_path):
    # The case: ravi's legacy folio 2109338/89 and his Nifty 50 folio 7095025/93 renamed
    # (their queues then come first and last). His tax value was Rs 16,119.99 and became
    # Rs 16,108.69: the program sold a lot inside a run of his Smallcap folio with nothing in
    # front of it, and the plan, read from the front of the queue, left Rs 86.91 of the
    # exemption unused (net LTCG 1,23,913.03).
    original = _family_plan(tmp_path / "original", {})
    renamed = _family_plan(tmp_path / "renamed", {"2109338/89": "9109338/89", "7095025/93": "1095025/93"})
    # The README's plan (since issue 14 the example also values expense saved and discounts future
    # tax: the tax values are 8,194.57/8,194.59 of step-up now plus 12,364.90/9,804.17 of expense).
    assert original == {"asha": ("20546.55", "20559.47"), "ravi": ("17986.42", "17998.76")}
    assert renamed["asha"] == original["asha"]
    assert renamed["ravi"][1] == original["ravi"][1]
