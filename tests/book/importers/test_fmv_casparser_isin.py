"""The FMVs on 31-01-2018 from casparser-isin's table (engine/book/importers/fmv_casparser_isin.py):
with the package, without it, and from its database alone."""

import sqlite3
import sys
from decimal import Decimal

import pytest

from engine.book.importers.fmv_casparser_isin import fmv_from_casparser_isin


def test_fmv_from_casparser_isin():
    pytest.importorskip("casparser_isin")
    got = fmv_from_casparser_isin(["INF179K01BE2", " inf789f01xa0 ", "INF000000000", ""])
    assert got == {"INF179K01BE2": Decimal("481.8880"), "INF789F01XA0": Decimal("71.3422")}


def test_fmv_from_casparser_isin_without_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "casparser_isin", None)  # `import casparser_isin` fails
    monkeypatch.delenv("CASPARSER_ISIN_DB", raising=False)
    assert fmv_from_casparser_isin(["INF179K01BE2"]) == {}
    assert fmv_from_casparser_isin([]) == {}


def test_fmv_from_the_casparser_isin_database_alone(tmp_path, monkeypatch):
    """Installed without its dependency rapidfuzz, the package's database is read directly."""
    db = sqlite3.connect(tmp_path / "isin.db")
    db.executescript("CREATE TABLE nav20180131(isin NOT NULL PRIMARY KEY, nav);"
                     "INSERT INTO nav20180131 VALUES ('INF179K01BE2', '481.8880'), ('INF0', '0'), ('INF1', NULL),"
                     " ('INF3', 'n/a');")
    db.commit()
    db.close()
    monkeypatch.setitem(sys.modules, "casparser_isin", None)
    got = fmv_from_casparser_isin(["inf179k01be2", "INF0", "INF1", "INF2", "INF3"], database=tmp_path / "isin.db")
    assert got == {"INF179K01BE2": Decimal("481.8880")}
    (tmp_path / "junk.db").write_text("not sqlite " * 100)
    assert fmv_from_casparser_isin(["INF179K01BE2"], database=tmp_path / "junk.db") == {}
