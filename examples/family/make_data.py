"""Generate the Sharma family's example data: transactions.csv, prices.csv and fmv.csv.

    python examples/family/make_data.py             # rewrite the CSVs beside this script
    python examples/family/make_data.py --out DIR   # write them to DIR instead

Deterministic: no clock, no float, no unseeded randomness. Running it again gives the same
bytes. The NAVs are made up (a plausible path, not the funds' real history): a linear path
between hand-set anchor NAVs (a 2020 crash, a peak in late September 2024, a dip in early
2025, a sideways 2026) plus a small fixed pseudo-random wiggle per fund and day.

What the data holds (tests/end_to_end/test_examples.py checks it):
- Monthly SIPs from December 2016 to November 2026 (120 months) for asha (on the 5th) and
  ravi (on the 12th; the next Monday when that is a weekend) in the four index funds, each
  investor with their own folio per fund, amounts roughly 40/20/20/20 with step-ups.
- From 2020-07-01 stamp duty of 0.005% of the amount (to the paisa, half-even) is taken
  from the amount invested: units = (amount - stamp) / NAV to 0.001 unit (half-even),
  and the stamp goes in `charges`.
- The legacy HDFC Large Cap fund: asha's lump sums in 2015-2017, ravi's SIPs from October
  2017 to March 2019; partial redemptions in FY 2019-20 (asha), FY 2021-22 (ravi) and
  FY 2025-26 (asha), so realised gains, some grandfathered, exist.
- ravi's lump sum in the Smallcap 250 fund on 2024-09-26, at the market peak, now at a loss.
- prices.csv: each fund's NAV on the last weekday of every month from the month of its
  first purchase, on every transaction date, and on 2026-11-20 (the last price date).
- fmv.csv: the NAV on 2018-01-31 (grandfathering, s.55(2)(ac)) of every fund bought by then.
"""

from __future__ import annotations

import argparse
import calendar
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

SEED = 20161205
LAST_PRICE_DATE = date(2026, 11, 20)
GRANDFATHER_DATE = date(2018, 1, 31)
STAMP_FROM = date(2020, 7, 1)
STAMP_RATE = Decimal("0.00005")  # 0.005%
PAISA, UNIT, NAV_PLACES = Decimal("0.01"), Decimal("0.001"), Decimal("0.0001")

N50, NN50, MID, SMALL, LEGACY = "INF789F01XA0", "INF109K01Y80", "INF247L01916", "INF247L01932", "INF179K01BE2"
INDEX_FUNDS = (N50, NN50, MID, SMALL)
FUNDS = INDEX_FUNDS + (LEGACY,)
INVESTORS = ("asha", "ravi")

# Anchor NAVs: date, then N50, NN50, MID, SMALL, LEGACY. Between anchors the path is linear.
ANCHORS = [
    ("2015-03-31", "52.10", "17.20", "6.90", "8.40", "398.00"),
    ("2015-08-31", "49.30", "17.60", "7.10", "8.60", "372.00"),
    ("2016-02-29", "43.60", "15.40", "6.10", "7.00", "331.00"),
    ("2016-09-30", "54.10", "19.90", "7.90", "8.70", "402.00"),
    ("2016-11-30", "51.90", "19.10", "7.40", "8.20", "385.00"),
    ("2017-06-30", "59.80", "23.70", "8.70", "9.60", "446.00"),
    ("2017-12-29", "67.40", "27.90", "9.90", "10.60", "494.00"),
    ("2018-01-31", "70.80", "27.20", "9.80", "10.10", "512.00"),
    ("2018-03-28", "65.20", "25.60", "9.40", "9.30", "478.00"),
    ("2018-08-31", "75.60", "26.90", "9.80", "9.00", "521.00"),
    ("2018-10-31", "67.90", "23.40", "8.30", "7.60", "466.00"),
    ("2019-05-31", "78.50", "26.30", "9.10", "7.80", "532.00"),
    ("2019-08-30", "72.90", "24.10", "8.20", "6.50", "498.00"),
    ("2019-12-31", "80.90", "27.20", "9.10", "7.10", "545.00"),
    ("2020-01-31", "79.70", "27.80", "9.40", "7.40", "531.00"),
    ("2020-03-23", "51.20", "18.90", "6.10", "4.60", "338.00"),  # the 2020 crash
    ("2020-03-31", "57.60", "20.80", "6.70", "5.00", "371.00"),
    ("2020-06-30", "66.10", "24.00", "7.70", "5.90", "420.00"),
    ("2020-12-31", "95.00", "32.20", "11.00", "8.70", "590.00"),
    ("2021-10-29", "121.40", "43.10", "16.20", "13.90", "712.00"),
    ("2022-06-30", "109.30", "37.20", "13.80", "11.20", "668.00"),
    ("2022-12-30", "126.20", "43.00", "15.90", "12.60", "779.00"),
    ("2023-03-31", "121.50", "39.90", "15.30", "11.70", "758.00"),
    ("2023-12-29", "153.90", "55.10", "22.70", "17.40", "958.00"),
    ("2024-06-28", "171.80", "72.90", "28.40", "20.60", "1092.00"),
    ("2024-09-27", "188.10", "78.60", "31.20", "22.90", "1176.00"),  # the peak
    ("2024-12-31", "170.40", "70.10", "29.70", "22.10", "1085.00"),
    ("2025-02-28", "160.10", "57.90", "24.60", "17.60", "1011.00"),  # the 2025 dip
    ("2025-06-30", "185.30", "68.40", "29.60", "20.90", "1148.00"),
    ("2025-09-30", "179.70", "65.10", "28.90", "19.80", "1124.00"),
    ("2025-12-31", "190.20", "67.30", "29.40", "19.60", "1172.00"),
    ("2026-03-31", "181.40", "62.90", "27.10", "18.30", "1121.00"),
    ("2026-06-30", "189.90", "66.80", "28.60", "19.20", "1163.00"),
    ("2026-11-20", "194.60", "69.20", "29.90", "20.10", "1189.00"),
]
WIGGLE_BP = 120  # the day's NAV is the path's value times 1 +/- up to 1.20%

# Monthly SIP amounts (rupees) per investor: (first month, {fund: amount}), in force until the next.
SIP_DAY = {"asha": 5, "ravi": 12}
SIP_PLANS = {
    "asha": [
        ((2016, 12), {N50: 8000, NN50: 4000, MID: 4000, SMALL: 4000}),
        ((2019, 4), {N50: 10000, NN50: 5000, MID: 5000, SMALL: 5000}),
        ((2022, 4), {N50: 12000, NN50: 6000, MID: 6000, SMALL: 5500}),
        ((2025, 4), {N50: 14000, NN50: 7000, MID: 7000, SMALL: 7000}),
    ],
    "ravi": [
        ((2016, 12), {N50: 5000, NN50: 2500, MID: 2500, SMALL: 2000}),
        ((2020, 4), {N50: 6000, NN50: 3000, MID: 3500, SMALL: 2500}),
        ((2023, 4), {N50: 8000, NN50: 4000, MID: 4000, SMALL: 3500}),
    ],
}
SIP_FIRST, SIP_LAST = (2016, 12), (2026, 11)

# One-off purchases (investor, date, fund, amount) and redemptions (investor, date, fund, units).
LUMP_SUMS = [
    ("asha", "2015-04-15", LEGACY, 100000),
    ("asha", "2016-02-26", LEGACY, 50000),
    ("asha", "2017-01-20", LEGACY, 75000),
    ("ravi", "2024-09-26", SMALL, 50000),  # at the peak
]
LEGACY_SIP = ("ravi", 15, (2017, 10), (2019, 3), 5000)  # investor, day, first month, last month, amount
REDEMPTIONS = [
    ("asha", "2019-11-18", LEGACY, "100.000"),  # FY 2019-20, grandfathered 2015 units
    ("ravi", "2021-06-21", LEGACY, "40.000"),   # FY 2021-22
    ("asha", "2026-01-19", LEGACY, "150.000"),  # FY 2025-26
]


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def last_weekday(year: int, month: int) -> date:
    day = date(year, month, calendar.monthrange(year, month)[1])
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def months(first: tuple[int, int], last: tuple[int, int]):
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def folios() -> dict[tuple[str, str], str]:
    """A folio per investor per fund, like `1234567/89`."""
    rng = random.Random(SEED)
    out: dict[tuple[str, str], str] = {}
    for investor in INVESTORS:
        for fund in FUNDS:
            folio = f"{rng.randrange(1000000, 10000000)}/{rng.randrange(10, 100)}"
            assert folio not in out.values()
            out[(investor, fund)] = folio
    return out


def nav(fund: str, day: date) -> Decimal:
    """The fund's NAV on `day`: the anchor path plus the day's wiggle, to 4 places."""
    column = 1 + FUNDS.index(fund)
    points = [(date.fromisoformat(row[0]), Decimal(row[column])) for row in ANCHORS]
    if not points[0][0] <= day <= points[-1][0]:
        raise ValueError(f"no NAV path for {day}")
    for (d0, v0), (d1, v1) in zip(points, points[1:]):
        if d0 <= day <= d1:
            base = v0 + (v1 - v0) * Decimal((day - d0).days) / Decimal((d1 - d0).days)
            break
    # A per-(fund, day) wiggle: seeding with a str is stable across runs and platforms.
    wiggle = Decimal(random.Random(f"{SEED}:{fund}:{day.isoformat()}").randint(-WIGGLE_BP, WIGGLE_BP)) / 10000
    return (base * (1 + wiggle)).quantize(NAV_PLACES, rounding=ROUND_HALF_EVEN)


def buy(investor: str, day: date, fund: str, amount: int, folio: str) -> tuple:
    price = nav(fund, day)
    gross = Decimal(amount)
    stamp = (gross * STAMP_RATE).quantize(PAISA, rounding=ROUND_HALF_EVEN) if day >= STAMP_FROM else Decimal("0.00")
    units = ((gross - stamp) / price).quantize(UNIT, rounding=ROUND_HALF_EVEN)
    return (day, investor, folio, fund, "BUY", units, price, stamp)


def transactions() -> list[tuple]:
    folio = folios()
    rows = []
    for investor in INVESTORS:
        plans = SIP_PLANS[investor]
        for year, month in months(SIP_FIRST, SIP_LAST):
            amounts = [a for start, a in plans if start <= (year, month)][-1]
            day = weekday_on_or_after(date(year, month, SIP_DAY[investor]))
            for fund in INDEX_FUNDS:
                rows.append(buy(investor, day, fund, amounts[fund], folio[(investor, fund)]))
    investor, sip_day, first, last, amount = LEGACY_SIP
    for year, month in months(first, last):
        day = weekday_on_or_after(date(year, month, sip_day))
        rows.append(buy(investor, day, LEGACY, amount, folio[(investor, LEGACY)]))
    for investor, day, fund, amount in LUMP_SUMS:
        rows.append(buy(investor, date.fromisoformat(day), fund, amount, folio[(investor, fund)]))
    for investor, day, fund, units in REDEMPTIONS:
        d = date.fromisoformat(day)
        rows.append((d, investor, folio[(investor, fund)], fund, "SELL", Decimal(units), nav(fund, d), Decimal("0.00")))
    for row in rows:
        assert row[0].weekday() < 5 and row[0] <= LAST_PRICE_DATE, row
    return sorted(rows, key=lambda r: (r[0], INVESTORS.index(r[1]), FUNDS.index(r[3])))


def price_rows(txs: list[tuple]) -> list[tuple]:
    days: dict[str, set[date]] = {fund: set() for fund in FUNDS}
    for day, _, _, fund, *_ in txs:
        days[fund].add(day)
    for fund in FUNDS:
        first = min(days[fund])
        for year, month in months((first.year, first.month), (LAST_PRICE_DATE.year, LAST_PRICE_DATE.month)):
            end = last_weekday(year, month)
            if end <= LAST_PRICE_DATE:
                days[fund].add(end)
        days[fund].add(LAST_PRICE_DATE)
    return sorted(((day, fund, nav(fund, day)) for fund in FUNDS for day in days[fund]),
                  key=lambda r: (r[0], FUNDS.index(r[1])))


def fmv_rows(txs: list[tuple]) -> list[tuple]:
    bought = {fund for day, _, _, fund, kind, *_ in txs if kind == "BUY" and day <= GRANDFATHER_DATE}
    return [(fund, nav(fund, GRANDFATHER_DATE)) for fund in FUNDS if fund in bought]


def write_csv(path: Path, header: str, rows) -> None:
    lines = [header] + [",".join(c.isoformat() if isinstance(c, date) else str(c) for c in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode("ascii"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="the directory to write the CSVs to (default: beside this script)")
    args = parser.parse_args(argv)
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 28, ROUND_HALF_EVEN
        txs = transactions()
        prices = price_rows(txs)
        fmv = fmv_rows(txs)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "transactions.csv", "date,investor,account,security,type,units,price,charges", txs)
    write_csv(args.out / "prices.csv", "date,security,price", prices)
    write_csv(args.out / "fmv.csv", "security,fmv", fmv)
    print(f"{args.out}: transactions.csv {len(txs)} rows, prices.csv {len(prices)} rows, fmv.csv {len(fmv)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
