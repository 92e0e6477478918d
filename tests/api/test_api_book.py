"""The book through the API (issue 13 item 5): `api.create_book`, `api.import_files` and
`api.doctor` are what `lotwise init`, `import` and `doctor` call; here they are called
in-process, as a script or a batch over many books would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import api

FAMILY = Path(__file__).resolve().parents[2] / "examples" / "family"


@pytest.fixture
def family(tmp_path) -> Path:
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, tmp_path / name)
    return tmp_path


def test_create_book_makes_a_book_once_and_remembers_the_policy(family):
    made = api.create_book(family / "b.db", family / "family.rules")
    assert (made.existed, made.policy) == (False, str((family / "family.rules").resolve()))
    again = api.create_book(family / "b.db")
    assert again.existed and again.policy is None
    with api.open_book(family / "b.db") as book:
        assert book.get("policy") == made.policy
    assert [p.name for p in family.iterdir() if p.name.startswith(".b.db")] == []  # no temporary file left


def test_create_book_refuses_a_policy_with_errors_and_makes_nothing(family):
    (family / "bad.rules").write_text('use "india"\nbogus\n')
    with pytest.raises(api.Refused) as refused:
        api.create_book(family / "b.db", family / "bad.rules")
    assert refused.value.message is None and refused.value.diagnostics[0].code == "P101"
    assert not (family / "b.db").exists()


def test_import_files_all_or_nothing_and_never_twice(family):
    api.create_book(family / "b.db", family / "family.rules")
    policy = api.load_policy(family / "family.rules").policy
    files = [str(family / name) for name in ("transactions.csv", "prices.csv", "fmv.csv")]
    with api.open_book(family / "b.db", access=api.Access.OWN) as book:
        done = api.import_files(book, files, policy)
        assert done.ok and done.ledger is None and done.errors == 0
        assert [(r.kind, r.added > 0, r.already_imported) for r in done.reports] == [
            ("transactions-csv", True, False), ("prices-csv", True, False), ("fmv-csv", True, False)]
        again = api.import_files(book, files, policy)
        assert again.ok and all(r.already_imported for r in again.reports)

        (family / "bad.csv").write_text("date,investor,account,security,type,units,price\n"
                                        "2020-01-01,asha,x,FOO,BUY,1,1\n")
        bad = api.import_files(book, [str(family / "bad.csv")], policy)
        assert not bad.ok and bad.errors == 1 and bad.diagnostics[0].code == "I105"
        assert "FOO" in bad.sources[str(family / "bad.csv")]

        (family / "sell.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                         "2014-01-02,asha,4078405/77,INF179K01BE2,SELL,5,1,0\n")
        sold = api.import_files(book, [str(family / "sell.csv")], policy)
        assert not sold.ok and sold.ledger is not None and sold.ledger.code == "L101"
        assert (sold.ledger.span.path, sold.ledger.span.line) == (str(family / "sell.csv"), 2)
        assert book.counts()["transactions"] == done.reports[0].added  # nothing of the rejected files kept


def test_doctor_of_a_healthy_book(family):
    api.create_book(family / "b.db", family / "family.rules")
    with api.open_book(family / "b.db", access=api.Access.OWN) as book:
        found = api.doctor(book)
    assert found.healthy and found.not_repaired == () and found.report.repaired == ()


def test_an_api_refusal_carries_a_code_and_its_values(family):
    api.create_book(family / "b.db", family / "family.rules")
    with api.open_book(family / "b.db") as book:
        with pytest.raises(api.Refused) as refused:
            api.why(book)
    assert refused.value.code == "C122" and refused.value.as_diagnostics()[0].code == "C122"
