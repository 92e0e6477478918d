"""Issue 16's whole path, as a new user walks it (docs/tutorial.md), each step a real process:
a generated family CAS (cas_family.py, shipped as examples/statement/cas.json) -> `init --from-cas`
-> the TODO targets filled -> AMFI's NAVAll.txt fetched from a local server on 127.0.0.1
(examples/statement/NAVAll.txt: the NAVs of 3 November 2025) -> `status` -> `plan month` ->
`plan year-end` -> `report --html` -> the year-end sales executed and imported -> `gains
--schedule-112a`.

The figures are worked from the statement itself (cas_family.py's NAV formula and the CAS's
closing units), not read back from lotwise."""

from __future__ import annotations

import csv
import functools
import json
import sys
import threading
from datetime import date
from decimal import ROUND_HALF_UP, Decimal as D
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).parent)]
import cas_family  # noqa: E402

from conftest import lotwise  # noqa: E402

pytestmark = pytest.mark.slow
STATEMENT = Path(__file__).resolve().parents[2] / "examples" / "statement"
AS_OF = "2025-11-03"
TARGETS = {"Equity": "70%", "Debt": "20%", "Gold and overseas": "10%"}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # no request lines on the test's stderr
        pass


@pytest.fixture(scope="module")
def amfi():
    """examples/statement/ served on 127.0.0.1 (never the internet): AMFI's NAVAll.txt of 3 November 2025."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(STATEMENT)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/NAVAll.txt"
    httpd.shutdown()
    httpd.server_close()


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def as_json(result) -> dict:
    return json.loads(ok(result).stdout)


def test_the_shipped_statement_is_the_generated_one():
    """examples/statement/cas.json is cas_family.cas(), so that the tutorial and this test read one statement."""
    assert (STATEMENT / "cas.json").read_text() == cas_family.cas()


def test_from_a_statement_to_a_plan_a_report_and_schedule_112a(tmp_path: Path, amfi: str):
    (tmp_path / "cas.json").write_text(cas_family.cas())
    started = ok(lotwise(tmp_path, "init", "--from-cas", "cas.json"))
    assert "3 asset(s) with target TODO (Equity, Debt, Gold and overseas)" in started.stdout
    # 100 transactions: the 6 schemes' purchases up to 31 October 2025 and one redemption
    # (cas_family.py); 106 prices: the 100 transaction days' NAVs and 6 valuation NAVs.
    assert "100 added, 0 skipped; 106 prices added from its NAVs" in started.stdout

    # The one thing to fill: the targets (check says so, then is satisfied).
    todo = lotwise(tmp_path, "check", "policy.rules")
    assert todo.returncode == 1 and todo.stdout.count("V370") + todo.stderr.count("V370") == 3
    policy = tmp_path / "policy.rules"
    text = policy.read_text()
    for asset, share in TARGETS.items():
        text = text.replace(f'asset "{asset}" TODO', f'asset "{asset}" {share}')
    policy.write_text(text)
    ok(lotwise(tmp_path, "check", "policy.rules"))

    # Prices from AMFI (the local server): each of the 6 funds' NAV of 3 November 2025.
    fetched = ok(lotwise(tmp_path, "prices", "fetch", "--url", amfi, "--as-of", AS_OF))
    assert "6 of 6 funds priced: 6 added, 0 updated, 0 unchanged" in fetched.stdout

    # Status: each lot (a purchase: none of the held schemes was sold) at its fund's November NAV
    # (cas_family.nav), rounded to the paisa half-up as each lot's value is, summed.
    data = json.loads(cas_family.cas())
    navs = {x[0]: cas_family.nav(x[3], x[4], date(2025, 11, 3)) for schemes in cas_family.SCHEMES.values()
            for x in schemes}
    expected = sum(((D(row["units"]) * navs[s["isin"]]).quantize(D("0.01"), ROUND_HALF_UP)
                    for f in data["folios"] for s in f["schemes"] if D(s["close"]) > 0
                    for row in s["transactions"] if row["type"] == "PURCHASE_SIP"), D(0))
    assert expected == D("739824.09")
    status = as_json(lotwise(tmp_path, "status", "--as-of", AS_OF, "--json"))
    assert D(status["value"]) == expected

    # The month plan: Rs 30,000 of new money, all of it placed, in the underweight assets only.
    month = as_json(lotwise(tmp_path, "plan", "month", "--as-of", AS_OF, "--from", "asha=20000,ravi=10000",
                            "--json"))
    buys = [o for o in month["orders"] if o["side"] == "BUY"]
    assert sum(D(o["amount"]) for o in buys) == D(30000)
    assert {o["asset"] for o in buys} <= {"Debt", "Gold and overseas"}  # Equity is 8 points over its 70%

    # The year-end plan, saved; its report names people and funds, never their ids or ISINs.
    plan = as_json(lotwise(tmp_path, "plan", "year-end", "--as-of", AS_OF, "--json"))
    ok(lotwise(tmp_path, "report", plan["plan_id"], "--html", "report.html"))
    page = (tmp_path / "report.html").read_text()
    assert "ASHA SHARMA" in page and "UTI Nifty 50 Index Fund - Direct Plan - Growth" in page
    report = page[:page.index('<details id="policy"')]  # the policy's own text, in the appendix, has them
    assert "INF789F01XA0" not in report and plan["plan_id"] in report
    assert "INF789F01XA0" in page[len(report):]  # the policy this plan applied, as written

    # The plan's sales executed on its day at its prices, and imported as the user would: no
    # charges (the STT is never one: s.48 does not allow it, docs/file-formats.md; no exit load here).
    rows = [(o["date"], o["investor"], o["account"], o["security"], "SELL", o["units"], o["price"], "0")
            for o in plan["orders"] if o["side"] == "SELL"]
    with (tmp_path / "executed.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "investor", "account", "security", "type", "units", "price", "charges"])
        writer.writerows(rows)
    ok(lotwise(tmp_path, "import", "executed.csv"))
    gains = as_json(lotwise(tmp_path, "gains", "--fy", "2025-26", "--json"))
    ok(lotwise(tmp_path, "gains", "--fy", "2025-26", "--schedule-112a", "s112a.csv"))
    check_schedule(tmp_path, plan, gains)


def check_schedule(tmp_path: Path, plan: dict, gains: dict) -> None:
    """Once the plan's sales are in the book, `gains` finds each investor's LTCG as the law has it:
    each sale's full value units x NAV rounded once to the paisa (s.48), less the lots' costs. The
    plan valued each lot's proceeds to the paisa on its own, so its figure may differ by at most a
    paisa a lot (asha: 34 lots, 229,085.08 planned against 1013.081 x 226.1271 = 229,085.0686 ->
    229,085.07 realised). Each investor's Schedule 112A file (one per investor: both sold) holds
    the units bought after 31 January 2018 in one consolidated AE row whose column 14 is columns 6
    and 7, each rounded to the rupee half up, apart: within a rupee of that LTCG."""
    sold = {o["investor"]: D(0) for o in plan["orders"]}
    for order in plan["orders"]:
        if order["side"] == "SELL":
            sold[order["investor"]] += (D(order["units"]) * D(order["price"])).quantize(D("0.01"), ROUND_HALF_UP)
    found = {year["investor"]: year for year in gains_years(gains)}
    for one in plan["investors"]:
        investor, planned = one["investor"], D(one["after"]["net_ltcg"])
        lots = sum(len(o["lots"]) for o in plan["orders"] if o["investor"] == investor and o["side"] == "SELL")
        realised = D(found[investor]["net_ltcg"])
        assert realised == sum(D(s["gain"]) for s in found[investor]["sales"])
        assert sum(D(s["proceeds"]) for s in found[investor]["sales"]) == sold[investor]
        assert abs(realised - planned) <= D("0.01") * lots, (investor, realised, planned)
        with (tmp_path / f"s112a-{investor}.csv").open(newline="") as f:
            header, *table = list(csv.reader(f))
        assert header[-1].startswith("Balance(14)") and [row[:4] for row in table] == [
            ["AE", "AE", "INNOTREQUIRD", "CONSOLIDATED"]]
        consideration, cost, balance = D(table[0][6]), D(table[0][7]), D(table[0][14])
        assert consideration == sold[investor].quantize(D("1"), ROUND_HALF_UP)
        assert balance == consideration - cost and abs(balance - realised) <= 1, (investor, balance, realised)
        assert balance == D(found[investor]["schedule_112a_balance"])


def gains_years(gains: dict) -> list[dict]:
    """Each investor's year in `gains --fy --json` (one FY asked)."""
    years = gains.get("investors") or gains.get("years") or []
    return [y for y in years if isinstance(y, dict) and "investor" in y]
