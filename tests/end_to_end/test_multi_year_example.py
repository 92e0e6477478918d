"""examples/multi-year: one investor's eleven years, FY 2014-15 to FY 2024-25, through the
command as a user runs it (a real process), every year derived by hand from the law.

The book (examples/multi-year/transactions.csv), with a return's loss of 2,000 (STCL of FY
2013-14, brought into FY 2014-15, losses.csv) and FMVs on 31-01-2018 (EQF 27, ACME 230):
  FY 2014-15  nothing sold; the STCL of FY 2013-14 is carried (s.74(1)(a)).
  FY 2016-17  200 EQF (bought 2014-05-05 at 20) sold at 24: long-term, exempt under s.10(38):
              800 reported apart, no loss set off against it (exempt income is outside total income).
  FY 2017-18  300 EQF bought 2017-05-02 at 25, sold 2017-12-01 at 20: STCL 1,500; carried.
  FY 2018-19  1,000 DEBTF (bought 2015-06-01 at 15) sold 2018-09-03 at 19, held more than 36
              months: 20% with indexation (s.112, s.48): 15,000 x 280 / 254 = 16,535.43 (CII of
              FY 2018-19 and FY 2015-16, new series), LTCG 2,464.57. Brought-forward losses meet it
              oldest first (s.74): 2,000 of FY 2013-14, then 464.57 of FY 2017-18; 1,035.43 carried.
  FY 2020-21  150 ACME sold 2020-07-01 at 260. Bought 2016-03-01 (100 at 400), split 1:2 on
              2017-06-01, before 31-01-2018, so the FMV of 230 is of the split shares held that
              day (s.55(2)(ac)): cost 200 a share, basis max(200, min(230, 260)) = 230, LTCG
              150 x 30 = 4,500. The 1,035.43 carried meets it, even inside the exemption (s.74):
              net LTCG 3,464.57, all exempt (Rs 1,00,000): tax 0, nothing carried.
  FY 2021-22  50 ACME bought and 50 sold on 2021-08-02 in D1: an intraday trade (s.43(5)),
              speculative profit 50 x (310 - 300) = 500, not a capital gain; the 50 shares of
              2016 stay open.
  FY 2024-25  the remaining 800 EQF of 2014-05-05 sold 2024-10-01 at 200 (12.5%, after
              23-07-2024): basis max(20, min(27, 200)) = 27, LTCG 800 x 173 = 1,38,400; exempt
              1,25,000; 13,400 x 12.5% = 1,675 + cess 4% 67 = 1,742.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # eleven years of an example through processes

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi-year"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("multi-year")
    for f in EXAMPLE.iterdir():
        shutil.copy(f, directory)
    assert lotwise(directory, "init", "--policy", "meera.rules").returncode == 0
    done = lotwise(directory, "import", "transactions.csv", "prices.csv", "fmv.csv", "losses.csv")
    assert done.returncode == 0, done.stderr
    return directory


def year(book: Path, fy: str) -> dict:
    done = lotwise(book, "gains", "--fy", fy, "--json")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    data = json.loads(done.stdout)
    assert data["diagnostics"] == []
    (meera,) = data["investors"]
    return meera


def losses(rows) -> list[tuple[str, str, D]]:
    return [(r["fy"] if "fy" in r else r["loss_fy"], r["term"] if "term" in r else r["loss_term"], D(r["amount"]))
            for r in rows]


def test_every_year_of_the_book(book):
    assert losses(year(book, "2014-15")["carry_forward"]) == [("FY 2013-14", "short-term", D(2000))]
    fy16 = year(book, "2016-17")
    assert (D(fy16["exempt_lt_gains"]), fy16["set_offs"], D(fy16["total_tax"])) == (D(800), [], 0)
    fy17 = year(book, "2017-18")
    assert losses(fy17["carry_forward"]) == [("FY 2013-14", "short-term", D(2000)),
                                             ("FY 2017-18", "short-term", D(1500))]
    fy18 = year(book, "2018-19")
    assert D(fy18["lt_gains"]) == D("2464.57")
    assert losses(fy18["set_offs"]) == [("FY 2013-14", "short-term", D(2000)),
                                        ("FY 2017-18", "short-term", D("464.57"))]
    assert losses(fy18["carry_forward"]) == [("FY 2017-18", "short-term", D("1035.43"))]
    fy20 = year(book, "2020-21")
    assert (D(fy20["lt_gains"]), D(fy20["net_ltcg"]), D(fy20["exemption_used"]), D(fy20["total_tax"])) == (
        D(4500), D("3464.57"), D("3464.57"), 0)
    assert (fy20["sales"][0]["basis"], fy20["carry_forward"]) == ("34500.00", [])
    fy21 = year(book, "2021-22")
    assert (fy21["sales"], D(fy21["speculative"]["profit"]), fy21["set_offs"]) == ([], D(500), [])
    fy24 = year(book, "2024-25")
    assert (D(fy24["lt_gains"]), D(fy24["taxable_ltcg"]), D(fy24["tax"]), D(fy24["cess"]),
            D(fy24["total_tax"])) == (D(138400), D(13400), D(1675), D(67), D(1742))


def test_the_readme_shows_the_chained_year_as_the_command_prints_it(book):
    done = lotwise(book, "gains", "--fy", "2018-19")
    assert done.returncode == 0 and done.stderr == ""
    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert done.stdout.strip() in readme
