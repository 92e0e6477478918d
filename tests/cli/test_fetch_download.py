"""`lotwise prices fetch` in process (quick): AMFI's history URL for a range, the download's size
cap and what a name that does not resolve is called (engine/cli/fetch.py, engine/cli/prices.py),
and api.import_navs on bytes: what is refused before the importer reads them (B150-B152). The
command as a process against a local HTTP server: test_prices_fetch.py."""

import argparse
import socket
from datetime import date

import pytest

from conftest import REPO, write_file
from engine import api
from engine.cli.fetch import FetchError, download
from engine.cli.prices import source_url

FAMILY = REPO / "examples" / "family" / "family.rules"
HEADER = "Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;Date"
ROW = "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;172.4310;19-Jun-2026"


def test_the_history_url_for_a_range():
    args = argparse.Namespace(url=None, history=True, first=date(2026, 5, 1), last=None)
    assert source_url(args, date(2026, 6, 19)) == ("https://portal.amfiindia.com/DownloadNAVHistoryReport_Po.aspx?"
                                                   "frmdt=01-May-2026&todt=19-Jun-2026")
    args = argparse.Namespace(url=None, history=True, first=date(2026, 1, 2), last=date(2026, 12, 31))
    assert source_url(args, date(2026, 6, 19)).endswith("frmdt=02-Jan-2026&todt=31-Dec-2026")
    args = argparse.Namespace(url="http://mirror/h.txt", history=True, first=date(2026, 1, 2), last=None)
    assert source_url(args, date(2026, 6, 19)) == "http://mirror/h.txt"


def test_a_body_past_the_cap(tmp_path):
    big = write_file(tmp_path, "big.txt", "x" * 5000)
    with pytest.raises(FetchError, match="larger than 4,096 bytes"):
        download(str(big), timeout=1, max_bytes=4096)
    assert download(str(big), timeout=1, max_bytes=5000) == b"x" * 5000
    assert download(big.as_uri(), timeout=1, max_bytes=5000) == b"x" * 5000


def test_a_name_that_does_not_resolve(monkeypatch):
    def no_name(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_name)
    with pytest.raises(FetchError, match=r"^http://amfi\.invalid/NAVAll\.txt: the server's name does not resolve "
                                         r"\(no network, or a wrong host name\)$"):
        download("http://amfi.invalid/NAVAll.txt", timeout=1)


@pytest.fixture(scope="module")
def family():
    return api.load_policy(FAMILY).policy


@pytest.mark.parametrize("body, code, line", [
    (b"", "B151", None),
    (b" \r\n\r\n", "B151", None),
    (b"<html><body>Bad gateway</body></html>", "B150", None),
    (b"\n\n<!DOCTYPE html>", "B150", None),
    (b"date,security,price\n", "B150", None),
    (f"{HEADER}\n".encode(), "B151", None),                      # the header alone: no NAVs, not a cut
    (f"{HEADER}\r\n \r\n".encode(), "B151", None),
    (f"{HEADER}\n\n{ROW[:40]}".encode(), "B152", 3),            # cut inside the scheme name
    (f"{HEADER}\n\n{ROW[:-4]}".encode(), "B152", 3),            # cut inside the date: 19-Jun-
    (f"{HEADER}\n\n{ROW}\n".encode(), None, None),               # whole
    (f"{HEADER}\n\n{ROW[:-10]};N.A.;N.A.\n".encode(), None, None),  # a last field N.A. is not a cut
])
def test_what_is_refused_before_the_importer_reads(tmp_path, family, body, code, line):
    with api.open_book(tmp_path / "b.db", access=api.Access.OWN, create=True) as book:
        fetched = api.import_navs(book, family, body, "u", date(2026, 6, 20))
    if code is None:
        assert fetched.ok
        return
    assert not fetched.ok and [d.code for d in fetched.outcome.diagnostics] == [code]
    span = fetched.outcome.diagnostics[0].span
    assert (span.line if span else None) == line


def test_only_http_https_and_file_urls_are_fetched():
    """Another scheme (ftp://) is said so, not sent to urllib (whose error would blame the host name)."""
    with pytest.raises(FetchError, match=r"ftp://x/y: lotwise downloads over http, https or file://, not ftp://"):
        download("ftp://x/y", timeout=1)
