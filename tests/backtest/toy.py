"""The toy history of tests/backtest: 3 assets, one fund each, 24 monthly prices written by hand.

Year 1 (April 2018 to March 2019): the three prices move together by the factors
1, 1, 1.25, 1.25, 1.25, 1.6, 1.6, 1.6, 2, 2, 2, 2 from LARGE 100, MID 50, SMALL 20, so a
portfolio bought at the targets stays at them; year 2 they part. Each price divides the
month's Rs 5,000 / 3,000 / 2,000 (10,000 at 50/30/20) into units of exactly 0.001, so
buy-and-hold never leaves a paisa of cash. Prices are dated the 1st of each month; the run
acts on the trading day on or after it, at that price (the last on or before). There is no
stamp duty before 1 July 2020 (rules/india.rules), so every purchase costs exactly its rupees.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from engine.policy.model import Policy
from engine.transactions import Price

LARGE = [100, 100, 125, 125, 125, 160, 160, 160, 200, 200, 200, 200,
         250, 250, 200, 200, 250, 250, 250, 200, 200, 250, 250, 250]
MID = ["50", "50", "62.5", "62.5", "62.5", "80", "80", "80", "100", "100", "100", "100",
       "100", "100", "120", "120", "100", "75", "75", "75", "100", "100", "120", "75"]
SMALL = [20, 20, 25, 25, 25, 32, 32, 32, 40, 40, 40, 40,
         40, 40, 50, 50, 40, 40, 50, 50, 40, 40, 50, 50]

POLICY = '''use "india"
portfolio "Toy" {
    investor asha "Asha" sip Rs 10,000
    asset "Large" 50% band 5% class equity
    asset "Mid" 30% band 5% class equity
    asset "Small" 20% band 5% class equity
    fund LARGE "Large fund" holds "Large"
    fund MID "Mid fund" holds "Mid"
    fund SMALL "Small fund" holds "Small"
}
buy monthly {
    only underweight assets, in proportion to drift
}
harvest at year end {
    realise gains up to the exemption, keep Rs 1,000 margin
    never realise short-term gains
}
'''


def month_start(n: int) -> date:
    """The 1st of the n-th month from April 2018 (n = 0)."""
    return date(2018 + (3 + n) // 12, (3 + n) % 12 + 1, 1)


def prices() -> list[Price]:
    out = []
    for n in range(24):
        for security, column in (("LARGE", LARGE), ("MID", MID), ("SMALL", SMALL)):
            out.append(Price(month_start(n), security, D(str(column[n]))))
    return out


def prices_csv() -> str:
    return "date,security,price\n" + "".join(f"{p.date},{p.security},{p.price}\n" for p in prices())


def policy(folder: Path, text: str = POLICY, name: str = "toy") -> Policy:
    """The toy policy (or `text`) written to folder/NAME.rules and checked: its resolved Policy."""
    from engine.policy import check_file

    path = folder / f"{name}.rules"
    path.write_text(text, encoding="utf-8")
    result = check_file(path)
    assert result.ok and result.policy is not None, [d.message for d in result.diagnostics]
    return result.policy


def book(cwd: Path) -> Path:
    """A book in `cwd` made as a user makes it, through real processes: `lotwise init` with the toy
    policy (cwd/toy.rules), then `lotwise import` of the toy's prices (cwd/prices.csv)."""
    from conftest import lotwise

    (cwd / "toy.rules").write_text(POLICY, encoding="utf-8")
    (cwd / "prices.csv").write_text(prices_csv(), encoding="utf-8")
    assert lotwise(cwd, "init", "--policy", "toy.rules").returncode == 0
    done = lotwise(cwd, "import", "prices.csv")
    assert done.returncode == 0, done.stderr
    return cwd
