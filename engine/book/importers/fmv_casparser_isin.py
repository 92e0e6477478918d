"""Fair market values on 31-01-2018 from the optional `casparser-isin` package.

casparser-isin (PyPI) ships an offline SQLite database whose table `nav20180131` holds
the NAV on 31-01-2018 of about 11,000 mutual fund ISINs; its `MFISINDb.nav_lookup(isin)`
reads it. The package is never required: without it (or with its database missing),
this gives {} and the FMV comes from an FMV CSV instead.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable


def fmv_from_casparser_isin(isins: Iterable[str], database: Path | None = None) -> dict[str, Decimal]:
    """ISIN (upper-cased) -> NAV per unit on 31-01-2018, for those ISINs the package knows.
    `database`: its database at another path (the CLI's $CASPARSER_ISIN_DB), read when the
    package cannot be imported."""
    wanted = list(dict.fromkeys(i.strip().upper() for i in isins if i and i.strip()))
    if not wanted:
        return {}
    try:
        from casparser_isin import MFISINDb
    except ImportError:
        return _from_database(wanted, database)  # not installed, or installed without its dependencies
    out: dict[str, Decimal] = {}
    try:
        with MFISINDb() as db:
            for isin in wanted:
                try:
                    nav = db.nav_lookup(isin)
                except (InvalidOperation, TypeError, ValueError):
                    continue  # a value in its database that is not a number
                if isinstance(nav, Decimal) and nav.is_finite() and nav > 0:
                    out[isin] = nav
    except (sqlite3.Error, OSError):
        return {}  # its database is missing or damaged
    return out


def _database(given: Path | None) -> Path | None:
    """`given`, else the package's database, found without importing the package (which needs rapidfuzz)."""
    if given is not None and given.is_file():
        return given
    try:
        spec = importlib.util.find_spec("casparser_isin")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "isin.db"
        if path.is_file():
            return path
    return None


def _from_database(isins: list[str], given: Path | None) -> dict[str, Decimal]:
    path = _database(given)
    if path is None:
        return {}
    out: dict[str, Decimal] = {}
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            for isin in isins:
                row = db.execute("SELECT nav FROM nav20180131 WHERE isin = ?", (isin,)).fetchone()
                if row is None or row[0] is None:
                    continue
                try:
                    nav = Decimal(str(row[0]).strip())
                except InvalidOperation:
                    continue
                if nav.is_finite() and nav > 0:
                    out[isin] = nav
        finally:
            db.close()
    except (sqlite3.Error, OSError):
        return {}
    return out
