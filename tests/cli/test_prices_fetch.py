"""`lotwise prices fetch` (engine/cli/prices.py, engine/cli/fetch.py, engine/fetched_prices.py)
against a local HTTP server on 127.0.0.1 (never the internet) serving a trimmed NAVAll.txt with
the family's funds, AMFI's NAV history report, a 404, a 500, an HTML page, a slow answer, a body
shorter than its Content-Length, a file cut mid-row and an empty body; every run a new process,
as a user runs it (in process, quick: test_fetch_download.py). The prices land in the book and `status` values the holdings at them."""

import json
import shutil
import socket
import sqlite3
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import REPO, lotwise, write_file

pytestmark = pytest.mark.slow  # every test runs commands as processes (the download in process: test_fetch_download.py)

FAMILY = REPO / "examples" / "family" / "family.rules"
HEADER = "Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;Date"
# A trimmed NAVAll.txt as AMFI writes it (CRLF, blank lines holding a space): four of the family's
# five funds (the Smallcap 250 fund is left out), a scheme the family does not hold and an N.A. row.
NAVALL = "\r\n".join([
    HEADER, "",
    "Open Ended Schemes(Equity Scheme - Large Cap Fund)", " ", "HDFC Mutual Fund", " ",
    "101762;INF179K01BE2;INF179K01BF9;HDFC Large Cap Fund - Growth Option - Regular Plan;1098.432;19-Jun-2026",
    "101763;INF179K01BG7;-;HDFC Large Cap Fund - IDCW Option - Regular Plan;55.10;19-Jun-2026",
    " ", "Open Ended Schemes(Other Scheme - Index Funds)", " ", "ICICI Prudential Mutual Fund", " ",
    "120620;INF109K01Y80;-;ICICI Prudential Nifty Next 50 Index Fund - Direct Plan - Growth;62.1187;19-Jun-2026",
    " ", "Motilal Oswal Mutual Fund", " ",
    "147622;INF247L01916;-;Motilal Oswal Nifty Midcap 150 Index Fund - Direct Plan;35.6021;19-Jun-2026",
    " ", "UTI Mutual Fund", " ",
    "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;172.4310;19-Jun-2026",
    "120717;INF789F01XB8;-;UTI Nifty 50 Index Fund - IDCW Option- Direct;N.A.;19-Jun-2026",
    "",
])
# The next day's file: UTI's NAV corrected for 19-Jun (an update), and a new day for HDFC.
CORRECTED = "\r\n".join([
    HEADER, "",
    "101762;INF179K01BE2;INF179K01BF9;HDFC Large Cap Fund - Growth Option - Regular Plan;1101.000;22-Jun-2026",
    "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;172.5000;19-Jun-2026", ""])
HISTORY = "\r\n".join([
    "Scheme Code;Scheme Name;ISIN Div Payout/ISIN Growth;ISIN Div Reinvestment;Net Asset Value;Repurchase Price;"
    "Sale Price;Date", "", "UTI Mutual Fund", "",
    "120716;UTI Nifty 50 Index Fund - Growth Option- Direct;INF789F01XA0;-;150.1000;;;02-Jan-2026",
    "120716;UTI Nifty 50 Index Fund - Growth Option- Direct;INF789F01XA0;-;151.2500;;;05-Jan-2026",
    "120716;UTI Nifty 50 Index Fund - Growth Option- Direct;INF789F01XA0;-;149.9000;;;06-Jan-2026", "",
    "HDFC Mutual Fund", "",
    "101762;HDFC Large Cap Fund - Growth Option - Regular Plan;INF179K01BE2;INF179K01BF9;1090.0000;;;05-Jan-2026", ""])
# asha bought 100 units of the UTI fund, ravi 10 of the HDFC fund.
TRANSACTIONS = ("date,investor,account,security,type,units,price,charges\n"
                "2026-01-05,asha,A1,INF789F01XA0,BUY,100,150.0000,0\n"
                "2025-12-01,ravi,R1,INF179K01BE2,BUY,10,1000,0\n")

PAGES = {"/NAVAll.txt": NAVALL, "/next/NAVAll.txt": CORRECTED, "/history": HISTORY,
         "/html": "<!DOCTYPE html>\n<html><body><h1>Service Unavailable</h1></body></html>\n",
         "/empty": "", "/prices.csv": "date,security,price\n2026-06-19,INF789F01XA0,172.4310\n",
         "/cut": NAVALL[:NAVALL.index("172.4310") + 4]}  # ends inside UTI's NAV: no date
SEEN: list[dict[str, str]] = []  # each request's headers


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        SEEN.append(dict(self.headers))
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(3)
        if path in PAGES:
            self._send(200, PAGES[path].encode())
        elif path == "/short":  # says 5,000 bytes, sends 100, closes
            self.send_response(200)
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(NAVALL.encode()[:100])
        elif path == "/broken":
            self._send(500, b"Internal Server Error")
        else:
            self._send(404, b"Not Found")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The family's policy and a book with TRANSACTIONS, made once (each test copies it)."""
    where = tmp_path_factory.mktemp("family")
    (where / "family.rules").write_text(FAMILY.read_text(encoding="utf-8"), encoding="utf-8")
    write_file(where, "tx.csv", TRANSACTIONS)
    assert lotwise(where, "init", "--policy", "family.rules").returncode == 0
    assert lotwise(where, "import", "tx.csv").returncode == 0
    return where


@pytest.fixture
def family(made, tmp_path):
    shutil.copytree(made, tmp_path / "family")
    return tmp_path / "family"


def fetch(where: Path, *args: str, env: dict | None = None):
    done = lotwise(where, "prices", "fetch", *args, env=env)
    assert "Traceback" not in done.stdout + done.stderr
    return done


def book_prices(where: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(where / "lotwise.db") as db:
        return {(s, d): p for s, d, p in db.execute("SELECT security, date, price FROM prices")}


def test_fetch_imports_the_policy_funds_and_status_values_them(family, server):
    url = f"{server}/NAVAll.txt"
    done = fetch(family, "--url", url, "--as-of", "2026-06-20")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"{url}: NAVs of 2026-06-19\n"
        "  INF789F01XA0  NAV 172.4310 on 2026-06-19  (1 price: 1 added)  UTI Nifty 50 Index Fund - Direct Growth\n"
        "  INF109K01Y80  NAV 62.1187 on 2026-06-19  (1 price: 1 added)  "
        "ICICI Pru Nifty Next 50 Index Fund - Direct Growth\n"
        "  INF247L01916  NAV 35.6021 on 2026-06-19  (1 price: 1 added)  Motilal Oswal Nifty Midcap 150 Index - Direct\n"
        "  INF179K01BE2  NAV 1098.432 on 2026-06-19  (1 price: 1 added)  HDFC Large Cap Fund - Regular Growth\n"
        "4 of 5 funds priced; no NAV for INF247L01932: 4 added, 0 updated, 0 unchanged\n")
    # The fund the file lacks: a warning, not an error.
    assert done.stderr.startswith("warning[B153]: INF247L01932 (Motilal Oswal Nifty Smallcap 250 Index - Direct): "
                                  "AMFI's NAVAll.txt has no NAV for it\n")
    assert SEEN[-1]["User-Agent"].startswith("lotwise/")
    # Only the policy's funds (not the IDCW scheme, not the N.A. row), as quoted, under the download's URL.
    assert book_prices(family) == {("INF179K01BE2", "2026-06-19"): "1098.432", ("INF109K01Y80", "2026-06-19"): "62.1187",
                                   ("INF247L01916", "2026-06-19"): "35.6021", ("INF789F01XA0", "2026-06-19"): "172.4310"}
    with sqlite3.connect(family / "lotwise.db") as db:
        assert db.execute("SELECT kind, rows_added FROM imports WHERE name = ?", (url,)).fetchall() == [
            ("amfi-navall", 4)]
    # 100 units x 172.4310 + 10 units x 1098.432 = 17,243.10 + 10,984.32 = 28,227.42, all in "Nifty 50".
    status = json.loads(lotwise(family, "status", "--as-of", "2026-06-20", "--json").stdout)
    assert Decimal(status["value"]) == Decimal("28227.42")
    assert [(a["asset"], a["value"]) for a in status["assets"]][0] == ("Nifty 50", "28227.42")


def test_the_same_file_twice_adds_nothing_and_a_corrected_nav_updates(family, server):
    url = f"{server}/NAVAll.txt"
    assert fetch(family, "--url", url, "--as-of", "2026-06-20").returncode == 0
    again = fetch(family, "--url", url, "--as-of", "2026-06-20")
    assert again.returncode == 0
    assert again.stdout.endswith("4 of 5 funds priced; no NAV for INF247L01932: 0 added, 0 updated, 4 unchanged "
                                 "(this file was imported before: nothing added)\n")
    assert "(1 price: 0 added, 1 unchanged)" in again.stdout
    # The next file: the UTI fund's NAV of 19-Jun corrected (updated), the HDFC fund's NAV of 22-Jun new.
    env = {"LOTWISE_AMFI_URL": f"{server}/next/NAVAll.txt"}  # the URL from the environment
    done = fetch(family, "--as-of", "2026-06-22", env=env)
    assert done.returncode == 0, done.stderr
    assert "  INF789F01XA0  NAV 172.5000 on 2026-06-19  (1 price: 0 added, 1 updated)" in done.stdout
    assert "  INF179K01BE2  NAV 1101.000 on 2026-06-22  (1 price: 1 added)" in done.stdout
    assert done.stdout.endswith("2 of 5 funds priced; no NAV for INF109K01Y80, INF247L01916, INF247L01932: "
                                "1 added, 1 updated, 0 unchanged\n")
    assert done.stderr.count("warning[B153]") == 3
    prices = book_prices(family)
    assert (prices[("INF789F01XA0", "2026-06-19")], prices[("INF179K01BE2", "2026-06-22")]) == ("172.5000", "1101.000")


def test_json_and_a_stale_file(family, server):
    done = fetch(family, "--url", f"{server}/NAVAll.txt", "--as-of", "2026-07-20", "--json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert (data["ok"], data["nav_date"], data["lacking"]) == (True, "2026-06-19", ["INF247L01932"])
    assert data["funds"][0] == {"security": "INF789F01XA0", "name": "UTI Nifty 50 Index Fund - Direct Growth",
                                "prices": 1, "added": 1, "updated": 0, "first": "2026-06-19", "last": "2026-06-19",
                                "nav": "172.4310"}
    # 2026-06-19 is 31 days before 2026-07-20 (11 in June, 20 in July): more than 7, a stale copy.
    assert [(d["code"], d["message"]) for d in data["diagnostics"]] == [
        ("B153", "INF247L01932 (Motilal Oswal Nifty Smallcap 250 Index - Direct): AMFI's NAVAll.txt has no NAV for it"),
        ("B154", "the NAVs are of 2026-06-19, 31 days before 2026-07-20")]


@pytest.mark.parametrize("path, said", [
    ("/nothing-here", "the server answered HTTP 404 Not Found (no file at that URL: check it, or the AMFI site has "
                      "moved it)"),
    ("/broken", "the server answered HTTP 500 Internal Server Error (the server's own error: try again later)"),
    ("/short", "the download was cut short after 100 of 5,000 bytes; try again"),
])
def test_http_failures_are_said_and_nothing_is_imported(family, server, path, said):
    done = fetch(family, "--url", server + path, "--as-of", "2026-06-20")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"lotwise: {server}{path}: {said}; nothing imported\n"
    assert book_prices(family) == {}
    data = json.loads(fetch(family, "--url", server + path, "--json").stdout)
    assert (data["ok"], [d["code"] for d in data["diagnostics"]]) == (False, ["C150"])


def test_a_timeout(family, server):
    started = time.monotonic()
    done = fetch(family, "--url", f"{server}/slow", "--timeout", "0.5")
    assert time.monotonic() - started < 3  # the server answers after 3 s: given up before
    assert done.returncode == 1
    assert done.stderr == (f"lotwise: {server}/slow: no answer within 0.5 s (give more time with --timeout SECONDS); "
                           "nothing imported\n")


def test_nothing_listens(family):
    with socket.socket() as s:  # a port nothing listens on: bound, then closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = fetch(family, "--url", f"http://127.0.0.1:{port}/NAVAll.txt")
    assert done.returncode == 1
    assert "the connection was refused (nothing answers at that address); nothing imported" in done.stderr


@pytest.mark.parametrize("path, code, said", [
    ("/html", "B150", "is a web page (HTML), not AMFI's NAVAll.txt"),
    ("/empty", "B151", "is empty, not AMFI's NAVAll.txt"),
    ("/prices.csv", "B150", "is not AMFI's NAVAll.txt: it starts `date,security,price`"),
    ("/history", "B150", "is not AMFI's NAVAll.txt: it starts `Scheme Code;Scheme Name;"),
    ("/cut", "B152", "ends in the middle of a row (line 22): the download was cut short"),  # at line 22, col 1
])
def test_a_body_that_is_not_navall(family, server, path, code, said):
    done = fetch(family, "--url", server + path, "--as-of", "2026-06-20")
    assert (done.returncode, done.stdout) == (1, "")
    assert f"error[{code}]: `{server}{path}` {said}" in done.stderr
    assert done.stderr.endswith("nothing imported: 1 error(s)\n")
    assert book_prices(family) == {}
    data = json.loads(fetch(family, "--url", server + path, "--json").stdout)
    assert (data["ok"], [d["code"] for d in data["diagnostics"]]) == (False, [code])


def test_a_local_path_and_a_file_url(family):
    path = write_file(family, "NAVAll.txt", NAVALL)
    done = fetch(family, "--url", "NAVAll.txt", "--as-of", "2026-06-20")
    assert done.returncode == 0 and done.stdout.startswith("NAVAll.txt: NAVs of 2026-06-19\n")
    again = fetch(family, "--url", path.as_uri(), "--as-of", "2026-06-20")  # the same bytes: already imported
    assert again.returncode == 0 and "(this file was imported before: nothing added)" in again.stdout
    missing = fetch(family, "--url", "no-such.txt")
    assert (missing.returncode, missing.stderr) == (1, "lotwise: cannot find `no-such.txt`; give a URL (http://, "
                                                       "https://, file://) or a file's path; nothing imported\n")


def test_the_nav_history_report(family, server):
    done = fetch(family, "--history", "--from", "2026-01-02", "--to", "2026-01-06", "--url", f"{server}/history",
                 "--as-of", "2026-01-06")
    assert done.returncode == 0, done.stderr
    assert "  INF789F01XA0  NAV 149.9000 2026-01-02 to 2026-01-06  (3 prices: 3 added)" in done.stdout
    assert "  INF179K01BE2  NAV 1090.0000 on 2026-01-05  (1 price: 1 added)" in done.stdout
    assert done.stdout.endswith("2 of 5 funds priced; no NAV for INF109K01Y80, INF247L01916, INF247L01932: "
                                "4 added, 0 updated, 0 unchanged\n")
    assert "AMFI's NAV history report has no NAV for it" in done.stderr and "B154" not in done.stderr
    # asha's 100 units at the UTI NAV of 05-Jan (151.25; 06-Jan's is after the day) and ravi's 10 at
    # HDFC's 1090: 15,125 + 10,900 = Rs 26,025.
    status = json.loads(lotwise(family, "status", "--as-of", "2026-01-05", "--json").stdout)
    assert status["value"] == "26025.00"
    wrong = fetch(family, "--history", "--url", f"{server}/NAVAll.txt")  # with --url, no --from needed
    assert wrong.returncode == 1 and "is not AMFI's NAV history report" in wrong.stderr


def test_usage_errors(family):
    for args, said in [(("--history",), "--history needs --from DATE"),
                       (("--from", "2026-01-02"), "--from and --to are for --history"),
                       (("--history", "--from", "2026-01-09", "--to", "2026-01-02"), "--from 2026-01-09 is after"),
                       (("--timeout", "0"), "a number of seconds above zero")]:
        done = fetch(family, *args)
        assert done.returncode == 2 and said in done.stderr, (args, done.stderr)
    alone = lotwise(family, "prices")
    assert alone.returncode == 2 and "fetch" in alone.stdout


def test_a_fund_named_after_the_file_was_imported(family, server):
    """The same bytes are imported once (by their sha256, as `lotwise import` does): a fund the policy
    names after that gets no NAV from the same file, and B155 says so."""
    text = (family / "family.rules").read_text(encoding="utf-8")
    (family / "narrow.rules").write_text(text.replace("fund INF247L01916", "fund INF247L01999"), encoding="utf-8")
    url = f"{server}/NAVAll.txt"
    first = fetch(family, "--url", url, "--as-of", "2026-06-20", "--policy", "narrow.rules")
    assert first.returncode == 0 and "no NAV for INF247L01999, INF247L01932: 3 added" in first.stdout
    again = fetch(family, "--url", url, "--as-of", "2026-06-20")
    assert again.returncode == 0
    assert ("warning[B155]: INF247L01916: this file was imported before the policy named the fund, so its NAV of "
            "2026-06-19 is not in the book\n") in again.stderr
    assert ("INF247L01916", "2026-06-19") not in book_prices(family)
