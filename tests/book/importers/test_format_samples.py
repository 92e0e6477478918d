"""The sample files under examples/formats import into the family's book; numbers by hand."""

from datetime import date
from decimal import Decimal

from engine.book.store import Book
from engine.book.importers import read_file
from engine.ledger.fifo import replay
from engine.policy import check_file

from conftest import REPO

FAMILY = REPO / "examples" / "family"
FORMATS = REPO / "examples" / "formats"


def family_book(tmp_path, *extra):
    policy = check_file(FAMILY / "family.rules").policy
    book = Book.open(tmp_path / "b.db", create=True)
    reports = {}
    for path in (FAMILY / "transactions.csv", FAMILY / "prices.csv", *extra):
        result = read_file(path, path.name, policy)
        assert result.ok and not result.diagnostics, result.diagnostics
        reports[path.name] = (result.kind, book.add(result.stores, result.records, sha256=result.sha256,
                                                    name=path.name, kind=result.kind))
    return book, reports


def test_cas_json_sample(tmp_path):
    """Folio 7654321/01: SIPs of 33.215 and 32.000 units (the third, 31.500, is reversed
    with its stamp duty); 20 units redeemed on 2025-07-10 come from the first SIP:
    33.215 - 20 = 13.215 left of it, and 32.000 of the second. The STT row is dropped."""
    book, reports = family_book(tmp_path, FORMATS / "cas.json")
    assert reports["cas.json"][0] == "casparser-json" and reports["cas.json"][1].added == 3
    lots = [l for l in replay(book.transactions()).lots if l.account == "7654321/01"]
    assert [(l.acquired, l.units) for l in lots] == [(date(2024, 6, 5), Decimal("13.215")),
                                                      (date(2024, 7, 5), Decimal("32.000"))]
    # Cost of the second SIP: 32 x 156.2422 + 0.25 stamp duty = 4,999.7504 + 0.25 = 5,000.0004,
    # to the paisa 5,000.00: the amount the statement says was paid.
    assert lots[1].cost == Decimal("5000.00")


def test_amfi_samples_in_both_layouts(tmp_path):
    book, reports = family_book(tmp_path, FORMATS / "NAVAll.txt", FORMATS / "NAVAll-old-layout.txt")
    # The five family funds from the new layout; the N.A. and unrelated rows skipped.
    assert reports["NAVAll.txt"][1].added == 5
    assert book.latest_price("INF179K01BE2", date(2026, 11, 21)).price == Decimal("1152.4310")
    # The old layout's row for the same fund on 19 Jun 2026 is a different day: one more price.
    assert book.latest_price("INF789F01XA0", date(2026, 6, 19)).price == Decimal("160.1022")


def test_losses_sample(tmp_path):
    book, _ = family_book(tmp_path, FORMATS / "losses.csv")
    assert [(l.investor, l.fy, l.term, l.amount) for l in book.losses()] == [
        ("asha", 2022, "short-term", Decimal(12000)), ("ravi", 2019, "long-term", Decimal(30000))]
