"""The shipped examples: every CSV imports cleanly, the book replays, and the numbers are
the ones the seeds state (five stocks, Rohit) or that can be counted by hand (the family)."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from conftest import REPO
from engine.book.store import Book
from engine.book.importers import detect, read_file
from engine.ledger.fifo import replay
from engine.policy import check_file

pytestmark = pytest.mark.slow  # every shipped example imported and replayed, its generators run

EXAMPLES = REPO / "examples"
FAMILY, FIVE, ROHIT = EXAMPLES / "family", EXAMPLES / "five-stocks", EXAMPLES / "rohit"
PRICE_DATE = date(2025, 6, 30)  # the five-stocks and Rohit valuation date
AS_OF = date(2026, 11, 21)      # the family's "today"; its last NAVs are of 2026-11-20

N50, NN50, MID, SMALL, LEGACY = "INF789F01XA0", "INF109K01Y80", "INF247L01916", "INF247L01932", "INF179K01BE2"


def policy_of(path: Path):
    result = check_file(path)
    assert result.ok, result.diagnostics
    return result.policy


def load(book: Book, path: Path, policy) -> None:
    """Import one file as `lotwise import` would, insisting on no diagnostics at all."""
    result = read_file(path, path.name, policy)
    assert result.kind is not None and result.diagnostics == [], result.diagnostics
    report = book.add(result.stores, result.records, sha256=result.sha256, name=path.name, kind=result.kind)
    assert report.added == len(result.records) and report.skipped == 0


def book_of(tmp_path: Path, rules: Path, *files: Path) -> Book:
    book = Book.open(tmp_path / "b.db", create=True)
    policy = policy_of(rules)
    for path in files:
        load(book, path, policy)
    return book


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def values_on(book: Book, day: date) -> dict[str, Decimal]:
    """Units held x the latest price on or before `day`, summed per security."""
    ledger = replay(book.transactions())
    out: dict[str, Decimal] = defaultdict(Decimal)
    for lot in ledger.lots:
        price = book.latest_price(lot.security, day)
        assert price is not None and price.date == day, (lot.security, price)
        out[lot.security] += lot.units * price.price
    return dict(out)


# ------------------------------------------------------------------ five stocks
SEED_004 = {"RELIANCE": Decimal(25000), "HDFCBANK": Decimal(24000), "TCS": Decimal(23000),
            "ICICIBANK": Decimal(26000), "GOLDBEES": Decimal(22000)}


def test_five_stocks_are_worth_the_seed_values(tmp_path):
    # with-tatamotors.rules declares the five stocks and TATAMOTORS, so every row of
    # prices.csv (which has a TATAMOTORS price for the second worked example) is known.
    book = book_of(tmp_path, FIVE / "with-tatamotors.rules", FIVE / "transactions.csv", FIVE / "prices.csv")
    values = values_on(book, PRICE_DATE)
    assert values == SEED_004 and sum(values.values()) == 120000
    assert book.latest_price("TATAMOTORS", PRICE_DATE).price == Decimal("688.45")
    ledger = replay(book.transactions())
    assert {lot.key for lot in ledger.lots} == {("self", "1208160012345678", s) for s in SEED_004}
    # RELIANCE: 8 bought, 8 more as a 1:1 bonus at nil cost held from allotment (s.55(2)(aa))
    reliance = [(lot.units, lot.cost, lot.how, lot.acquired) for lot in ledger.lots if lot.security == "RELIANCE"]
    assert reliance == [(8, Decimal("18646.80"), "BUY", date(2023, 3, 15)),
                        (8, Decimal(0), "BONUS", date(2024, 10, 28))]


def test_five_stocks_under_their_own_policy(tmp_path):
    # five-stocks.rules does not declare TATAMOTORS: its price is skipped with a warning
    # (I112), and the five holdings are still worth the seed values.
    policy = policy_of(FIVE / "five-stocks.rules")
    result = read_file(FIVE / "prices.csv", "prices.csv", policy)
    assert [(d.code, d.severity.value) for d in result.diagnostics] == [("I112", "warning")]
    assert "TATAMOTORS" not in {p.security for p in result.records}
    book = Book.open(tmp_path / "b.db", create=True)
    for path in (FIVE / "transactions.csv", FIVE / "prices.csv"):
        found = read_file(path, path.name, policy)
        assert found.ok
        book.add(found.stores, found.records, sha256=found.sha256, name=path.name, kind=found.kind)
    assert values_on(book, PRICE_DATE) == SEED_004


# ------------------------------------------------------------------ Rohit
def test_rohit_is_worth_the_seed_values(tmp_path):
    book = book_of(tmp_path, ROHIT / "rohit.rules", ROHIT / "transactions.csv", ROHIT / "prices.csv")
    values = values_on(book, PRICE_DATE)
    assert values == {"NIFTYBEES": Decimal(330000), "EBBETF0430": Decimal(120000), "GOLDBEES": Decimal(50000)}
    assert sum(values.values()) == 500000
    # 66% / 24% / 10% against 55% / 35% / 10% (band 5%): equity and debt are outside their
    # bands and go back to target, Rs 55,000 each way; gold is on target
    total = sum(values.values())
    assert values["NIFTYBEES"] - Decimal("0.55") * total == 55000
    assert Decimal("0.35") * total - values["EBBETF0430"] == 55000
    assert values["GOLDBEES"] == Decimal("0.10") * total
    assert {lot.investor for lot in replay(book.transactions()).lots} == {"rohit"}


# ------------------------------------------------------------------ the family
@pytest.fixture(scope="module")
def family(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("family")
    book = book_of(tmp, FAMILY / "family.rules", FAMILY / "transactions.csv", FAMILY / "prices.csv")
    yield book, replay(book.transactions())
    book.close()


@pytest.fixture(scope="module")
def rows():
    return csv_rows(FAMILY / "transactions.csv")


def test_family_counts(family, rows):
    book, ledger = family
    # asha: 120 months x 4 index funds + 3 legacy lump sums + 2 redemptions
    # ravi: 120 months x 4 index funds + 18 legacy SIPs (Oct 2017 to Mar 2019) + 1 lump sum + 1 redemption
    assert Counter(r["investor"] for r in rows) == {"asha": 4 * 120 + 3 + 2, "ravi": 4 * 120 + 18 + 1 + 1}
    assert Counter(r["type"] for r in rows) == {"BUY": 982, "SELL": 3}
    # prices: each index fund has 119 month-ends (Dec 2016 to Oct 2026), 2026-11-20 and 240 SIP
    # days; Smallcap also the 2024-09-26 lump sum; the legacy fund 139 month-ends (Apr 2015 to
    # Oct 2026), 2026-11-20 and 24 transaction days
    assert book.counts()["transactions"] == 985 and book.counts()["prices"] == 3 * 360 + 361 + 164
    assert len(ledger.disposals) == 3


def test_family_folios(rows):
    folios = defaultdict(set)
    for r in rows:
        folios[(r["investor"], r["security"])].add(r["account"])
    assert len(folios) == 10 and all(len(f) == 1 for f in folios.values())  # one folio per investor per fund
    accounts = [next(iter(f)) for f in folios.values()]
    assert len(set(accounts)) == 10
    assert all(len(a) == 10 and a[7] == "/" and (a[:7] + a[8:]).isdigit() for a in accounts)


def test_units_held_are_the_sum_of_the_rows(family, rows):
    _, ledger = family
    held = defaultdict(Decimal)
    for r in rows:
        held[(r["investor"], r["account"], r["security"])] += Decimal(r["units"]) * (-1 if r["type"] == "SELL" else 1)
    assert {lot.key for lot in ledger.lots} == set(held)
    for key, units in held.items():
        assert ledger.units_held(key) == units
    # asha's legacy units: the 2015 lump sum of 252.472 units lost 100 in FY 2019-20 and 150 in
    # FY 2025-26 (FIFO), leaving 2.472 units of it ahead of the 2016 and 2017 lump sums
    # (Rs 50,000 at 335.4569 and Rs 75,000 at 402.4323: 149.050 and 186.367 units)
    asha_legacy = [lot for lot in ledger.lots if lot.investor == "asha" and lot.security == LEGACY]
    assert [(lot.acquired, lot.units) for lot in asha_legacy] == [
        (date(2015, 4, 15), Decimal("2.472")), (date(2016, 2, 26), Decimal("149.050")),
        (date(2017, 1, 20), Decimal("186.367"))]


def test_every_transaction_is_at_the_days_nav(family):
    book, _ = family
    for tx in book.transactions():
        price = book.latest_price(tx.security, tx.date)
        assert (price.date, price.price) == (tx.date, tx.price), tx.source
        assert tx.date.weekday() < 5


def test_stamp_duty_is_taken_from_the_amount(rows):
    for r in rows:
        if r["type"] != "BUY":
            assert Decimal(r["charges"]) == 0
            continue
        units, nav, stamp = Decimal(r["units"]), Decimal(r["price"]), Decimal(r["charges"])
        if r["date"] < "2020-07-01":
            assert stamp == 0, r
            continue
        # SIP and lump-sum amounts are multiples of Rs 500
        amount = ((units * nav + stamp) / 500).quantize(Decimal(1)) * 500
        assert stamp == (amount * Decimal("0.00005")).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN), r
        assert units == ((amount - stamp) / nav).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN), r


def test_the_lots_the_examples_need(family):
    book, ledger = family
    nav = {s: book.latest_price(s, AS_OF).price for s in (N50, NN50, MID, SMALL, LEGACY)}
    assert all(book.latest_price(s, AS_OF).date == date(2026, 11, 20) for s in nav)

    def long_term_from(acquired: date) -> date:  # more than 12 months: the day after the anniversary
        return acquired.replace(year=acquired.year + 1) + timedelta(days=1)

    def gain(lot):
        return lot.units * nav[lot.security] - lot.cost

    for investor in ("asha", "ravi"):
        lots = [lot for lot in ledger.lots if lot.investor == investor]
        assert any(long_term_from(lot.acquired) <= AS_OF and gain(lot) > 0 for lot in lots)
        assert any(long_term_from(lot.acquired) > AS_OF for lot in lots)  # short-term
        soon = [lot for lot in lots if AS_OF < long_term_from(lot.acquired) <= AS_OF + timedelta(days=60)]
        assert len(soon) == 8  # the December 2025 and January 2026 SIPs, four funds each
        # bought at the late-2024 peak, now at a loss
        assert any(date(2024, 9, 1) <= lot.acquired <= date(2024, 10, 31) and gain(lot) < 0 for lot in lots)
    peak = [lot for lot in ledger.lots if (lot.investor, lot.security, lot.acquired) == ("ravi", SMALL,
                                                                                      date(2024, 9, 26))]
    assert len(peak) == 1 and gain(peak[0]) < -5000  # Rs 50,000 on 2024-09-26, about 12% down
    # every redemption sold long-term units at a gain, one in each of FY 2019-20, 2021-22, 2025-26
    for disposal, day in zip(ledger.disposals, (date(2019, 11, 18), date(2021, 6, 21), date(2026, 1, 19))):
        assert disposal.tx.date == day and disposal.tx.security == LEGACY
        assert all(long_term_from(m.acquired) <= day for m in disposal.matched)
        assert disposal.tx.units * disposal.tx.price > sum(m.cost for m in disposal.matched)


def test_fmv_is_the_nav_on_31_january_2018(tmp_path, family):
    book, _ = family
    fmv = {r["security"]: Decimal(r["fmv"]) for r in csv_rows(FAMILY / "fmv.csv")}
    assert set(fmv) == {N50, NN50, MID, SMALL, LEGACY}  # all five were bought before 2018-01-31
    for security, value in fmv.items():
        price = book.latest_price(security, date(2018, 1, 31))
        assert (price.date, price.price) == (date(2018, 1, 31), value)
    if detect((FAMILY / "fmv.csv").read_text(encoding="utf-8")) is None:
        pytest.skip("no importer reads the `security,fmv` format yet")
    fresh = Book.open(tmp_path / "fmv.db", create=True)
    load(fresh, FAMILY / "fmv.csv", policy_of(FAMILY / "family.rules"))
    if hasattr(fresh, "fmv"):
        assert fresh.fmv() == fmv


def test_the_generator_is_deterministic(tmp_path):
    for out in (tmp_path / "a", tmp_path / "b"):
        subprocess.run([sys.executable, str(FAMILY / "make_data.py"), "--out", str(out)], check=True,
                       capture_output=True)
    for name in ("transactions.csv", "prices.csv", "fmv.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == (FAMILY / name).read_bytes(), \
            f"examples/family/{name} is stale: run python examples/family/make_data.py"
