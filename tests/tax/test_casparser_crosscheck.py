"""Optional cross-check against casparser's own FIFO capital-gains computation.

Skipped unless the `casparser` package (PyPI; not a lotwise dependency) is importable, e.g.
    pip install --target DIR casparser
    PYTHONPATH=DIR python -m pytest -q tests/tax/test_casparser_crosscheck.py

A seeded generator writes equity-fund ledgers (three real equity-fund ISINs, two folios
each, buys and redemptions 2016-2026, lots on both sides of 31-01-2018, sales on 22 and
23 July 2024). The same transactions go to casparser
(`casparser.analysis.gains.CapitalGainsReport` on a `CASData` built in memory; FMV on
31-01-2018 comes from casparser-isin's database) and to lotwise (`replay` + `realise` +
`compute`, policy `use "india"`, funds of class equity, the same FMVs).

The ledgers are exact to the paisa by construction (whole units, NAVs in paise, FMVs
in paise, no charges), so every rounding path agrees and any difference is a rule.
Compared per (FY, scheme, folio), to the paisa:
  - STCG: equal.
  - casparser "LTCG (Realized)" (sale - cost, no grandfathering): equal to lotwise's
    proceeds - expenses - cost on long-term parts.
  - casparser "LTCG (Taxable)" (`GainEntry.coa`): equal to lotwise's gain, except for the
    two differences `_casparser_taxable` applies to each lotwise part, explained there:
      D1  a lot bought ON 31-01-2018 is not grandfathered (casparser tests `<`).
    Long-term sales before 1-4-2018 count as 0 in casparser (s.10(38)); lotwise's rules
    say `long exempt` for them, so its taxable gain is 0 too: they agree.
  - casparser's Schedule 112A / quarterly figures (`_taxable_112a`, `generate_112a`):
    these use `<=`, so they equal lotwise's gain exactly from FY 2018-19; per FY they equal
    compute()'s lt_gains - lt_losses and st_gains - st_losses. D2: they grandfather
    pre-1-4-2018 sales too, which s.55(2)(ac) does not (it computes s.112A gains); lotwise
    reports those exempt gains on the actual cost (`_casparser_112a`). Also per FY,
    and for FY 2024-25 the 112A "BE"/"AE" transfer flag splits the gains exactly as
    lotwise's 10% / 12.5% rates do.
casparser computes no tax, exemption, set-off or carry-forward, so those have nothing to
compare against. Two further differences need fractional units and are shown by their own
tests: D3 (a sale's last < 0.01 unit, or exactly 0.01 unit, is never matched) and D4
(casparser rounds each matched part's cost to the paisa, lotwise conserves cost).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

casparser = pytest.importorskip("casparser")

from casparser.analysis.gains import CapitalGainsReport, FIFOUnits, Fund, GainType  # noqa: E402
from casparser.analysis.utils import nav_search  # noqa: E402
from casparser.types import CASData, TransactionData  # noqa: E402

from engine.ledger.fifo import replay  # noqa: E402
from engine.tax.realised import realise  # noqa: E402
from engine.tax.year import compute  # noqa: E402
from engine.transactions import Transaction, TxType  # noqa: E402

pytestmark = pytest.mark.slow  # a seeded cross-check against casparser (when installed)

D = Decimal
ZERO = D(0)
CUTOFF = date(2018, 1, 31)
FIRST_TAXED_SALE = date(2018, 4, 1)

# Equity growth schemes whose NAV on 31-01-2018 in casparser-isin's database is in whole
# paise (so FMV x whole units is exact): lotwise id -> (ISIN, FMV, start NAV in 2016).
SCHEMES = {
    "HDFCFOC": ("INF179K01574", D("86.19"), D("70.00")),
    "IDBITOP": ("INF397L01869", D("24.80"), D("20.00")),
    "NIPMULTI": ("INF204K01XF9", D("103.05"), D("80.00")),
}
FOLIOS = ("1001", "2002")

POLICY = 'use "india"\nportfolio "x" {\n    investor asha "Asha"\n    asset "Equity" 100% class equity\n' + "".join(
    f'    fund {sid} "{sid}" holds "Equity"\n' for sid in SCHEMES) + "}\n"


# Rows written on fixed dates in folios no random row touches, so that every ledger
# exercises the boundaries: date -> (scheme, folio, BUY/SELL, units (None: all held), NAV).
# Folio 3003: lots bought on 30 and 31 January and 1 February 2018 at 80.00 (below the
# FMV 86.19), all redeemed on 2019-03-01 at 95.00 (D1). Folio 4004: bought 2016-03-01 at
# 18.00, redeemed long-term on 2017-06-01 at 26.00, before 1-4-2018 (s.10(38); D2). Folio 1001 also
# sells on 22 and 23 July 2024 (the rate change).
FIXED = {
    date(2016, 3, 1): ("IDBITOP", "4004", TxType.BUY, 500, D("18.00")),
    date(2017, 6, 1): ("IDBITOP", "4004", TxType.SELL, None, D("26.00")),
    date(2018, 1, 30): ("HDFCFOC", "3003", TxType.BUY, 100, D("80.00")),
    date(2018, 1, 31): ("HDFCFOC", "3003", TxType.BUY, 100, D("80.00")),
    date(2018, 2, 1): ("HDFCFOC", "3003", TxType.BUY, 100, D("80.00")),
    date(2019, 3, 1): ("HDFCFOC", "3003", TxType.SELL, None, D("95.00")),
    date(2024, 7, 22): ("HDFCFOC", "1001", TxType.SELL, "some", None),
    date(2024, 7, 23): ("HDFCFOC", "1001", TxType.SELL, "some", None),
}


def generate(n: int, seed: int = 1, folios: tuple[str, ...] = FOLIOS) -> list[Transaction]:
    """Up to n random transactions (a draw that repeats a (scheme, folio, day) is dropped)
    plus the FIXED rows, at most one per (scheme, folio, day), in date order. Whole units; NAVs in paise, one NAV per scheme per day (a random
    walk with losses too)."""
    rng = random.Random(seed)
    start, end = date(2016, 1, 4), date(2026, 3, 31)
    span = (end - start).days
    days = sorted([start + timedelta(days=rng.randrange(span)) for _ in range(n)] + list(FIXED))
    nav = {sid: start_nav for sid, (_, _, start_nav) in SCHEMES.items()}
    held: dict[tuple[str, str], int] = defaultdict(int)
    out: list[Transaction] = []
    used: set[tuple[date, str, str]] = set()
    today = None

    def add(day, sid, folio, kind, units, price):
        held[(sid, folio)] += units if kind is TxType.BUY else -units
        out.append(Transaction(day, "asha", folio, sid, kind, D(units), price, ZERO, f"gen:{len(out) + 1}",
                               len(out) + 1))

    for day in days:
        if day != today:  # a new day: the day's NAVs
            today = day
            for sid in SCHEMES:
                step = D(rng.randint(-300, 340)) / 10000
                nav[sid] = max(D("5.00"), (nav[sid] * (1 + step)).quantize(D("0.01")))
        if day in FIXED and (day, "fixed", "") not in used:
            used.add((day, "fixed", ""))
            sid, folio, kind, units, price = FIXED[day]
            used.add((day, sid, folio))
            price = price or nav[sid]
            if units is None:
                units = held[(sid, folio)]
            elif units == "some":
                units = rng.randint(1, held[(sid, folio)]) if held[(sid, folio)] else 0
            if units:
                add(day, sid, folio, kind, units, price)
            continue
        sid, folio = rng.choice(list(SCHEMES)), rng.choice(folios)
        if (day, sid, folio) in used:
            continue
        used.add((day, sid, folio))
        held_now = held[(sid, folio)]
        if held_now > 0 and rng.random() < 0.35:
            add(day, sid, folio, TxType.SELL, held_now if rng.random() < 0.15 else rng.randint(1, held_now),
                nav[sid])
        else:
            add(day, sid, folio, TxType.BUY, rng.randint(1, 400), nav[sid])
    return out


def to_cas(transactions: list[Transaction]) -> CASData:
    """The same transactions as a casparser detailed CAS: one folio per folio number, one
    scheme per security, EQUITY type, an STT row with each redemption (what CAMS prints)."""
    per: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for tx in transactions:
        amount = tx.units * tx.price
        if tx.type is TxType.BUY:
            row = {"type": "PURCHASE", "amount": amount, "units": tx.units}
        else:
            row = {"type": "REDEMPTION", "amount": -amount, "units": -tx.units}
        per[(tx.account, tx.security)].append(
            {"date": tx.date, "description": row["type"], "nav": tx.price, "balance": None, **row})
        if tx.type is TxType.SELL:
            per[(tx.account, tx.security)].append(
                {"date": tx.date, "description": "STT", "type": "STT_TAX", "nav": None, "balance": None,
                 "amount": (amount * D("0.00001")).quantize(D("0.01")) or D("0.01"), "units": None})
    folios = []
    for folio in sorted({f for f, _ in per}):
        schemes = [{"scheme": sid, "rta_code": sid, "rta": "CAMS", "type": "EQUITY", "isin": SCHEMES[sid][0],
                    "open": 0, "close": 0, "close_calculated": 0,
                    "valuation": {"date": "2026-03-31", "nav": 0, "value": 0},
                    "transactions": rows} for (f, sid), rows in sorted(per.items()) if f == folio]
        folios.append({"folio": folio, "amc": "AMC", "schemes": schemes})
    return CASData.model_validate({
        "statement_period": {"from": "01-Jan-2016", "to": "31-Mar-2026"}, "folios": folios,
        "investor_info": {"name": "Asha", "email": "", "address": "", "mobile": ""},
        "cas_type": "DETAILED", "file_type": "CAMS"})


def lotwise(policy, transactions):
    fmv = {sid: fmv for sid, (_, fmv, _) in SCHEMES.items()}
    return realise(replay(transactions), policy, fmv)


def fy_label(fy: int) -> str:
    return f"FY{fy}-{(fy + 1) % 100:02d}"


def _casparser_taxable(part) -> Decimal:
    """What casparser's `GainEntry.ltcg_taxable` must be for this lotwise part.

    D1: `GainEntry.coa` grandfathers only `purchase_date < date(2018, 1, 31)`, so a lot
        bought ON 31-01-2018 keeps its actual cost. s.55(2)(ac) says "acquired on or before
        the 31st day of January 2018": lotwise (<=) is right; casparser's own 112A code
        (`_taxable_112a`, `generate_112a`) uses <= too and agrees with lotwise.
    For a pre-cutoff lot sold before 1-4-2018, `coa` returns the sale value, so the taxable
    LTCG is 0 (the old s.10(38) exemption, which casparser hard-codes); lotwise's rate for
    it is "exempt" (india.rules from FY 2014-15), so nothing of it is taxable either.
    Otherwise casparser's formula is lotwise's: max(cost, min(FMV x units, sale)).
    """
    if part.rate == "exempt":
        assert part.acquired < CUTOFF and part.sold < FIRST_TAXED_SALE
        return ZERO
    if part.acquired == CUTOFF:
        return part.proceeds - part.cost  # D1
    return part.gain


def _casparser_112a(part) -> Decimal:
    """casparser's Schedule 112A gain for this lotwise part. D2: casparser grandfathers a
    long-term sale before 1-4-2018 too (max(cost, min(FMV x units, sale))); s.55(2)(ac)
    computes s.112A gains, and that sale's gain was exempt under s.10(38): lotwise reports it
    on the actual cost. Otherwise lotwise's gain."""
    if part.rate != "exempt":
        return part.gain
    fmv = SCHEMES[part.security][1] * part.units
    return part.proceeds - part.expenses - max(part.cost, min(fmv, part.proceeds))


@pytest.fixture
def policy(check):
    result = check(POLICY)
    assert result.ok, result.diagnostics
    return result.policy


@pytest.fixture(scope="module")
def fmv_in_casparser_db():
    """The FMVs given to lotwise are casparser-isin's own."""
    for isin, fmv, _ in SCHEMES.values():
        assert nav_search(isin) == fmv


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_per_fy_and_scheme_gains_agree_except_the_explained_rules(policy, fmv_in_casparser_db, seed):
    txs = generate(400, seed)
    report = CapitalGainsReport(to_cas(txs))
    assert not report.errors
    parts, problems = lotwise(policy, txs)

    # lotwise: every sale has a rate (india.rules covers sales from FY 2014-15).
    assert problems == []

    ours: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for p in parts:
        row = ours[(fy_label(p.fy), p.security, p.account)]
        if p.term == "short-term":
            row["stcg"] += p.gain
        else:
            row["ltcg"] += p.proceeds - p.expenses - p.cost
            row["ltcg_taxable"] += _casparser_taxable(p)
            row["ltcg_112a"] += _casparser_112a(p)
    theirs = {(fy, name.split(" [")[0], name.split("[")[1].rstrip("]")): {
        "ltcg": ltcg, "ltcg_taxable": taxable, "stcg": stcg}
        for fy, name, _, _, ltcg, taxable, stcg in report.get_summary()}
    assert set(theirs) == set(ours)
    for key, row in theirs.items():
        for column in ("ltcg", "ltcg_taxable", "stcg"):
            assert row[column] == ours[key][column], (key, column)
    # Both explained differences are exercised (the FIXED rows), and change the figures:
    # D1 folio 3003: 100 x (95.00 - 86.19) = 881.00 (lotwise) vs 100 x (95 - 80) = 1,500.
    # Folio 4004, sold 2017-06-01: exempt (s.10(38)) in both; lotwise's gain on the actual cost,
    # 500 x (26.00 - 18.00) = 4,000; D2: casparser's 112A figure grandfathers it,
    # 500 x (26.00 - 24.80) = 600.
    assert [(p.gain, _casparser_taxable(p)) for p in parts if p.acquired == CUTOFF] == [(D(881), D(1500))]
    assert [(p.gain, p.rate, _casparser_taxable(p), _casparser_112a(p)) for p in parts if p.account == "4004"] == [
        (D(4000), "exempt", ZERO, D(600))]

    # casparser's 112A-consistent figures (<=, no pre-FY 2018-19 shortcut) equal lotwise's
    # gains exactly, and per FY they equal compute()'s gains and losses before set-off.
    investor = policy.portfolio.investors[0]
    for fy in sorted({p.fy for p in parts}):
        quarters = report.quarterly_gains(fy_label(fy))
        lt, st = sum(quarters["Equity LTCG"]), sum(quarters["Equity STCG"])
        assert lt == sum((r["ltcg_112a"] for k, r in ours.items() if k[0] == fy_label(fy)), ZERO)
        result, more = compute(parts, policy.tax, investor, fy)
        assert not more
        if fy >= 2018:
            assert (lt, st) == (result.lt_gains - result.lt_losses, result.st_gains - result.st_losses)
        else:  # before 1-4-2018 every long-term gain or loss is exempt (s.10(38))
            assert st == result.st_gains - result.st_losses and result.lt_gains == result.lt_losses == ZERO
            assert result.exempt_lt_gains - result.exempt_lt_losses == sum(
                (p.gain for p in parts if p.fy == fy and p.term == "long-term"), ZERO)

    # FY 2024-25: the 112A transfer flag (BE before 23-7-2024, AE from it) splits the
    # long-term gains exactly as lotwise's rates do (10% before, 12.5% from).
    rows = report.generate_112a("FY2024-25")
    for flag, rate in (("BE", D("0.10")), ("AE", D("0.125"))):
        assert sum((r.balance for r in rows if r.transferred == flag), ZERO) == sum(
            (p.gain for p in parts if p.fy == 2024 and p.term == "long-term" and p.rate == rate), ZERO)


def test_d1_bought_on_31_january_2018(policy, fmv_in_casparser_db):
    """D1 alone: 100 units bought on 31-01-2018 at 80.00 (FMV 86.19), sold 2019-03-01 at 95.00.
    Law (s.55(2)(ac), on or before): basis max(8,000, min(8,619, 9,500)) = 8,619; gain 881.
    casparser's summary: no grandfathering, 9,500 - 8,000 = 1,500; its 112A row: 881."""
    txs = [Transaction(date(2018, 1, 31), "asha", "1001", "HDFCFOC", TxType.BUY, D(100), D("80.00"), ZERO, "t:1", 1),
           Transaction(date(2019, 3, 1), "asha", "1001", "HDFCFOC", TxType.SELL, D(100), D("95.00"), ZERO, "t:2", 2)]
    report = CapitalGainsReport(to_cas(txs))
    (part,), _ = lotwise(policy, txs)
    assert part.gain == D(881)
    assert [row[5] for row in report.get_summary()] == [D(1500)]
    assert [r.balance for r in report.generate_112a("FY2018-19")] == [D(881)]


def test_d3_last_hundredth_of_a_unit_is_never_matched(policy):
    """D3: `FIFOUnits.sell` loops `while pending_units >= 1e-2`, a float: whatever remains of a
    sale below 0.01 unit (and exactly 0.01 unit, since Decimal("0.01") < 1e-2 as a float) is
    never matched against a lot; those units stay in casparser's queue and their gain is
    never reported. Lots 10.005 @ 20.00 and 5.000 @ 30.00; sell 10.015 @ 40.00 on 2025-06-02,
    then the 4.990 left @ 50.00 on 2025-09-01 (all short-term).
    lotwise (right: every unit transferred is matched, s.45(2A) FIFO):
        10.005 x 20 + 0.010 x 10 = 200.10 + 0.10 = 200.20; then 4.990 x 20 = 99.80.
    casparser: 200.10 on the first sale (the 0.010 unit from the second lot is dropped) and
    99.80 on the second; total STCG is short by exactly 0.010 x (40 - 30) = 0.10, and 0.010
    unit stays in its queue after a full redemption."""
    txs = [Transaction(date(2025, 1, 2), "asha", "1001", "HDFCFOC", TxType.BUY, D("10.005"), D(20), ZERO, "t:1", 1),
           Transaction(date(2025, 1, 3), "asha", "1001", "HDFCFOC", TxType.BUY, D("5.000"), D(30), ZERO, "t:2", 2),
           Transaction(date(2025, 6, 2), "asha", "1001", "HDFCFOC", TxType.SELL, D("10.015"), D(40), ZERO, "t:3", 3),
           Transaction(date(2025, 9, 1), "asha", "1001", "HDFCFOC", TxType.SELL, D("4.990"), D(50), ZERO, "t:4", 4)]
    parts, _ = lotwise(policy, txs)
    assert [p.gain for p in parts] == [D("200.10"), D("0.10"), D("99.80")]
    cas = to_cas(txs)
    scheme = cas.folios[0].schemes[0]
    fifo = FIFOUnits(Fund(scheme.scheme, "1001", scheme.isin, "EQUITY"), scheme.transactions)
    assert [g.stcg for g in fifo.gains] == [D("200.10"), D("99.80")]
    assert sum(p.gain for p in parts) - sum(g.stcg for g in fifo.gains) == D("0.010") * (40 - 30)
    assert fifo.balance == D("0.010")


def test_d4_each_part_cost_rounded_separately(policy):
    """D4: casparser rounds each matched part's cost, round(units x NAV, 2); lotwise keeps
    the lot's exact cost (units x NAV) and, when part of a lot is sold, rounds that part's
    share to the paisa and leaves the remainder with the lot, so cost is conserved.
    One lot of 3.333 units @ 10.0003 (cost 33.3309999) sold in three sales of 1.111 @ 20.
    lotwise parts cost 11.11 (11.1103333 rounded), 11.11, then the remainder 11.1109999:
    total cost 33.3309999 = the lot's cost. casparser: round(1.111 x 10.0003, 2) = 11.11 three
    times = 33.33. The totals differ by exactly 33.3309999 - 33.33 = 0.0009999 (lotwise's gain
    is the lower). Which is right: the Act takes the actual cost (s.48); neither statement
    rounds the lot's cost for the investor, but the total realised gain over the life of a lot
    must use its whole cost, which only lotwise does (and the ITR rounds to whole rupees)."""
    txs = [Transaction(date(2024, 1, 2), "asha", "1001", "HDFCFOC", TxType.BUY, D("3.333"), D("10.0003"), ZERO,
                       "t:1", 1)] + [
           Transaction(date(2024, 2, d), "asha", "1001", "HDFCFOC", TxType.SELL, D("1.111"), D(20), ZERO,
                       f"t:{d}", d) for d in (2, 3, 4)]
    parts, _ = lotwise(policy, txs)
    assert [p.cost for p in parts] == [D("11.11"), D("11.11"), D("11.1109999")]
    cas = to_cas(txs)
    scheme = cas.folios[0].schemes[0]
    fifo = FIFOUnits(Fund(scheme.scheme, "1001", scheme.isin, "EQUITY"), scheme.transactions)
    assert [g.purchase_value for g in fifo.gains] == [D("11.11")] * 3
    assert sum(g.stcg for g in fifo.gains) - sum(p.gain for p in parts) == D("0.0009999")
    assert GainType.STCG == fifo.gains[0].gain_type
