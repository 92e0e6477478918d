"""A scenario file read and checked: TOML (tomllib, numbers read as Decimal) into a Scenario
(engine/backtest/scenario.py), or diagnostics that say where and how to fix it.

Codes (docs/backtest.md, "Generated scenarios"): S101 the file is not TOML (its line and column),
S102 a key is missing, S103 a value of the wrong kind, S104 an unknown key, S105 a value out of
range, S106 an unknown asset, S107 a correlation matrix not symmetric, S108 one not positive
definite, S109 a regime outside the scenario's months, S110 two regimes of one asset overlap,
S111 an asset of the policy without a path, S112 a fund the policy does not hold, S113 a
correlation matrix of the wrong shape. Each semantic error names its key path
(`assets."Nifty 50".volatility`) and is placed at that key when it is written in the file
(engine/backtest/toml_places.py).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from engine.backtest.scenario import (DEFAULT_START_NAV, AssetModel, Fund, Regime, Scenario, cholesky,
                                      month_start)
from engine.backtest.toml_places import Key, place
from engine.diagnostics import Diagnostic, Span, error, source_lines

TOP = ("name", "start", "months", "day", "start_nav", "seed", "assets", "correlations", "regimes", "funds")
ASSET = ("mean", "volatility", "tracking", "start_nav")
CORRELATIONS = ("assets", "matrix")
REGIME = ("name", "assets", "start", "months", "change", "volatility")
FUND = ("start_nav", "tracking")
MAX_MONTHS = 12000  # a thousand years (a long path for statistics)
PERCENT = re.compile(r"[+-]?\d+(\.\d+)?%")
MONTH = re.compile(r"(\d{4})-(\d{2})")
ONE = Decimal(1)


def key_path(keys: Key) -> str:
    """`assets."Nifty 50".volatility`, `regimes[1].start`: a key path as the messages say it."""
    out = ""
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            bare = re.fullmatch(r"[A-Za-z0-9_-]+", key)
            out += ("." if out else "") + (key if bare else f'"{key}"')
    return out


class Reader:
    """One file's reading: its text for the places of keys, and the diagnostics found so far."""

    def __init__(self, text: str, path: str) -> None:
        self.text, self.path = text, path
        self.diagnostics: list[Diagnostic] = []

    def fail(self, code: str, keys: Key, message: str, hint: str | None = None, at: Key | None = None) -> None:
        """An error about the key `keys`, placed at it (or at `at`) when it is written."""
        span: Span | None = place(self.text, self.path, keys if at is None else at)
        self.diagnostics.append(error(code, f"{key_path(keys)}: {message}", span, hint))

    def table(self, value: object, keys: Key, known: tuple[str, ...]) -> dict[str, Any]:
        """`value` as a table whose keys are all `known` (an unknown one is S104), or {}."""
        if not isinstance(value, dict):
            self.fail("S103", keys, f"expected a table, found {kind(value)}")
            return {}
        for key in value:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"the keys here are: {', '.join(known)}"
                self.fail("S104", (*keys, key), "unknown key", hint)
        return value

    def percent(self, value: object, keys: Key, *, above: Decimal | None = None,
                least: Decimal | None = None) -> Decimal | None:
        """A percentage written "12%" as a fraction (0.12), more than `above` or at least `least`."""
        if not isinstance(value, str) or not PERCENT.fullmatch(value.strip()):
            shown = f"{value}" if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else None
            hint = f'write a percentage in quotes, e.g. "{(Decimal(shown) * 100).normalize():f}%"' if shown else \
                'write a percentage in quotes, e.g. "12%"'
            self.fail("S103", keys, f"expected a percentage, found {kind(value)}", hint)
            return None
        found = Decimal(value.strip()[:-1]) / 100
        if above is not None and found <= above:
            self.fail("S105", keys, f"{value} is out of range: it must be more than {above * 100:f}%",
                      "a fall of 100% or more leaves nothing to grow from")
            return None
        if least is not None and found < least:
            self.fail("S105", keys, f"{value} is negative", "a volatility is a standard deviation: write 0% or more")
            return None
        return found

    def integer(self, value: object, keys: Key, least: int, most: int) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail("S103", keys, f"expected a whole number, found {kind(value)}")
            return None
        if not least <= value <= most:
            self.fail("S105", keys, f"{value} is out of range", f"write a whole number from {least} to {most}")
            return None
        return value

    def positive(self, value: object, keys: Key) -> Decimal | None:
        """A start NAV: a number (whole or decimal) above zero."""
        if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
            self.fail("S103", keys, f"expected a number, found {kind(value)}", "write a NAV such as 100 or 12.3456")
            return None
        if value <= 0:
            self.fail("S105", keys, f"{value} is not above zero", "a NAV is above zero, e.g. 100")
            return None
        return Decimal(value)

    def month(self, value: object, keys: Key) -> date | None:
        found = MONTH.fullmatch(value) if isinstance(value, str) else None
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
            self.fail("S103", keys, f"expected a month, found {kind(value)}", 'write the year and month in quotes, e.g. "2008-01"')
            return None
        return date(int(found[1]), int(found[2]), 1)

    def names(self, value: object, keys: Key, assets: tuple[str, ...]) -> tuple[str, ...] | None:
        """A non-empty list of asset names, each one of `assets` (S106 otherwise), none twice."""
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.fail("S103", keys, f"expected a list of asset names, found {kind(value)}", 'e.g. ["Nifty 50", "Midcap 150"]')
            return None
        good = True
        for i, name in enumerate(value):
            if name not in assets:
                good = False
                self.fail("S106", (*keys, i), f'unknown asset "{name}"', suggest(name, assets))
            elif name in value[:i]:
                good = False
                self.fail("S105", (*keys, i), f'"{name}" is listed twice', "list each asset once")
        return tuple(value) if good else None


def kind(value: object) -> str:
    """What a TOML value is, as a message says it."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "a table" if isinstance(value, dict) else "a list"
    return "a date-time" if isinstance(value, datetime) else "a date" if isinstance(value, date) else "a time"


def suggest(name: str, assets: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, assets, n=1, cutoff=0.5)
    known = ", ".join(f'"{a}"' for a in assets)
    return f'did you mean "{close[0]}"?' if close else f"the scenario's assets are {known}; add [assets.\"{name}\"]"


def syntax_place(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int, int, str]:
    """A TOML error's line, column and message: from the error's `lineno` and `colno` (Python
    3.14), or from the "(at line L, column C)" its message ends with (3.11 to 3.13); "at end of
    document" is the last line's end."""
    message = str(exc.args[0]) if exc.args else str(exc)
    found = re.search(r" \(at (?:line (\d+), column (\d+)|end of document)\)$", message)
    if found:
        message = message[:found.start()]
    if message == "Illegal character '\\n'":
        message = "the line ends inside a string (a closing quote missing?)"
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if isinstance(line, int) and isinstance(column, int):
        return line, column, message
    if found and found[1]:
        return int(found[1]), int(found[2]), message
    lines = source_lines(text)
    return len(lines), len(lines[-1]) + 1, message


def read_scenario(text: str, path: str, securities: Mapping[str, str] | None = None
                  ) -> tuple[Scenario | None, list[Diagnostic]]:
    """The scenario of a file's `text` (named `path` in diagnostics), checked against the policy's
    `securities` (id -> its asset's name) when given; None and the errors when it has any."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        line, column, message = syntax_place(exc, text)
        return None, [error("S101", f"not a TOML file: {message}", Span(path, line, column, line, column + 1),
                            "a scenario file is TOML: see docs/backtest.md, \"Generated scenarios\"")]
    reader = Reader(text, path)
    scenario = _scenario(reader, data, securities)
    return (scenario if not reader.diagnostics else None), reader.diagnostics


def _scenario(reader: Reader, data: dict[str, Any], securities: Mapping[str, str] | None) -> Scenario | None:
    reader.table(data, (), TOP)
    for key in ("start", "months", "assets"):
        if key not in data:
            example = {"start": '"2006-04"', "months": "240", "assets": '[assets."Nifty 50"] with mean and volatility'}[key]
            reader.fail("S102", (key,), "missing", f"add `{key}`, e.g. {example}")
    start = reader.month(data["start"], ("start",)) if "start" in data else None
    months = reader.integer(data["months"], ("months",), 1, MAX_MONTHS) if "months" in data else None
    day = reader.integer(data.get("day", 1), ("day",), 1, 28)
    seed = reader.integer(data.get("seed", 0), ("seed",), 0, 2 ** 63 - 1)
    start_nav = reader.positive(data.get("start_nav", DEFAULT_START_NAV), ("start_nav",))
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        reader.fail("S103", ("name",), f"expected a string, found {kind(name)}")
    assets = _assets(reader, data.get("assets", {}))
    names = tuple(data["assets"]) if isinstance(data.get("assets"), dict) else ()  # declared, checked or not
    correlations = _correlations(reader, data.get("correlations"), names)
    regimes = _regimes(reader, data.get("regimes", []), names, start, months)
    funds = _funds(reader, data.get("funds", {}), securities)
    if securities is not None:
        for security, asset in securities.items():
            if asset not in names:
                reader.fail("S111", ("assets",), f'no path for the policy\'s asset "{asset}" (its fund {security})',
                            f'add [assets."{asset}"] with its mean and volatility', at=("assets", *names[:1]))
    if start is not None and months is not None and start.year * 12 + start.month + months > 9999 * 12:
        reader.fail("S105", ("months",), f"{months} months from {start:%Y-%m} end after the year 9998",
                    "start earlier or make the scenario shorter")
    if reader.diagnostics or start is None or months is None or day is None or seed is None or start_nav is None:
        return None
    return Scenario(start=start, months=months, assets=assets, day=day, start_nav=start_nav,
                    correlations=correlations, regimes=regimes, funds=funds, seed=seed,
                    name=name if isinstance(name, str) else None)


def _assets(reader: Reader, value: object) -> tuple[AssetModel, ...]:
    found: list[AssetModel] = []
    for name, spec in reader.table(value, ("assets",), tuple(value) if isinstance(value, dict) else ()).items():
        keys: Key = ("assets", name)
        table = reader.table(spec, keys, ASSET)
        for key in ("mean", "volatility"):
            if key not in table and isinstance(spec, dict):
                reader.fail("S102", (*keys, key), "missing", f'add `{key} = "12%"` (a yearly percentage)')
        mean = reader.percent(table["mean"], (*keys, "mean"), above=-ONE) if "mean" in table else None
        volatility = reader.percent(table["volatility"], (*keys, "volatility"), least=Decimal(0)) \
            if "volatility" in table else None
        tracking = reader.percent(table.get("tracking", "0%"), (*keys, "tracking"), least=Decimal(0))
        nav = reader.positive(table["start_nav"], (*keys, "start_nav")) if "start_nav" in table else None
        if mean is not None and volatility is not None and tracking is not None:
            found.append(AssetModel(name, mean, volatility, tracking, nav))
    if isinstance(value, dict) and not value:
        reader.fail("S102", ("assets",), "no asset", 'add [assets."Nifty 50"] with mean = "12%" and volatility = "18%"')
    return tuple(found)


def _correlations(reader: Reader, value: object, names: tuple[str, ...]) -> tuple[tuple[Decimal, ...], ...]:
    """The full correlation matrix in the order of `names` (identity where the file says nothing),
    or () when the file has no [correlations] (or an error in it)."""
    if value is None:
        return ()
    keys: Key = ("correlations",)
    table = reader.table(value, keys, CORRELATIONS)
    for key in CORRELATIONS:
        if key not in table and isinstance(value, dict):
            reader.fail("S102", (*keys, key), "missing", "[correlations] has `assets` (a list of n names) and `matrix` (n rows of n numbers)")
    listed = reader.names(table["assets"], (*keys, "assets"), names) if "assets" in table else None
    if listed is None or "matrix" not in table:
        return ()
    given = _matrix(reader, table["matrix"], listed)
    if given is None:
        return ()
    size = len(listed)
    for i in range(size):
        for j in range(i):
            if given[i][j] != given[j][i]:
                reader.fail("S107", (*keys, "matrix", i, j), f"not symmetric: row {i + 1} column {j + 1} is {given[i][j]}, "
                            f"row {j + 1} column {i + 1} is {given[j][i]}",
                            f'the correlation of "{listed[j]}" and "{listed[i]}" is one number: write it in both places')
                return ()
    if cholesky([[float(v) for v in row] for row in given]) is None:
        reader.fail("S108", (*keys, "matrix"), "the correlations are not positive definite: no assets can move so",
                    "lower the largest correlations (e.g. 0.95 for 1), or make the pairs consistent "
                    "(if A goes with B and B with C, A cannot go against C)")
        return ()
    position = {name: listed.index(name) if name in listed else None for name in names}
    return tuple(tuple(_entry(given, position[a], position[b], a == b) for b in names) for a in names)


def _entry(given: list[list[Decimal]], i: int | None, j: int | None, same: bool) -> Decimal:
    if i is None or j is None:
        return ONE if same else Decimal(0)
    return given[i][j]


def _matrix(reader: Reader, value: object, listed: tuple[str, ...]) -> list[list[Decimal]] | None:
    """The matrix as written: n rows of n numbers from -1 to 1, 1 on the diagonal (S113, S105)."""
    keys: Key = ("correlations", "matrix")
    size = len(listed)
    if not isinstance(value, list) or len(value) != size or \
            not all(isinstance(row, list) and len(row) == size for row in value):
        reader.fail("S113", keys, f"expected {size} rows of {size} numbers, one per asset listed in `correlations.assets`",
                    "row i, column j is the correlation of the i-th and j-th assets listed")
        return None
    rows: list[list[Decimal]] = []
    for i, row in enumerate(value):
        rows.append([])
        for j, cell in enumerate(row):
            if not isinstance(cell, (int, Decimal)) or isinstance(cell, bool):
                reader.fail("S103", (*keys, i, j), f"row {i + 1} column {j + 1}: expected a number, found {kind(cell)}")
                return None
            if (i == j and cell != 1) or not -1 <= cell <= 1:
                wanted = "1 (an asset moves with itself)" if i == j else "from -1 to 1"
                reader.fail("S105", (*keys, i, j), f"row {i + 1} column {j + 1} is {cell}", f"a correlation here is {wanted}")
                return None
            rows[-1].append(Decimal(cell))
    return rows


def _regimes(reader: Reader, value: object, names: tuple[str, ...], start: date | None,
             months: int | None) -> tuple[Regime, ...]:
    if not isinstance(value, list):
        reader.fail("S103", ("regimes",), f"expected a list of regimes, found {kind(value)}",
                    "write each regime as its own [[regimes]] table")
        return ()
    found: list[Regime] = []
    for n, spec in enumerate(value):
        keys: Key = ("regimes", n)
        table = reader.table(spec, keys, REGIME)
        for key in ("assets", "start", "months", "change"):
            if key not in table and isinstance(spec, dict):
                reader.fail("S102", (*keys, key), "missing",
                            'a regime has assets, start, months and change, e.g. change = "-35%"')
        assets = reader.names(table["assets"], (*keys, "assets"), names) if "assets" in table else None
        first = reader.month(table["start"], (*keys, "start")) if "start" in table else None
        length = reader.integer(table["months"], (*keys, "months"), 1, MAX_MONTHS) if "months" in table else None
        change = reader.percent(table["change"], (*keys, "change"), above=-ONE) if "change" in table else None
        volatility = reader.percent(table["volatility"], (*keys, "volatility"), least=Decimal(0)) \
            if "volatility" in table else None
        label = table.get("name") if isinstance(table.get("name"), str) else None
        if assets is None or first is None or length is None or change is None or \
                ("volatility" in table and volatility is None):
            continue
        regime = Regime(assets, first, length, change, volatility, label)
        if start is not None and months is not None and not _inside(regime, start, months):
            last = month_start(start, months - 1)
            reader.fail("S109", (*keys, "start"), f"the regime runs from {first:%Y-%m} to "
                        f"{month_start(first, length):%Y-%m}, outside the scenario's {start:%Y-%m} to {last:%Y-%m}",
                        f"start it at {start:%Y-%m} or later" if first < start else
                        "start it earlier or make it shorter: its last price month is at most the scenario's last")
            continue
        _overlaps(reader, regime, found, n)
        found.append(regime)
    return tuple(found)


def _inside(regime: Regime, start: date, months: int) -> bool:
    begin = (regime.start.year - start.year) * 12 + regime.start.month - start.month
    return begin >= 0 and begin + regime.months <= months - 1


def _overlaps(reader: Reader, regime: Regime, earlier: list[Regime], n: int) -> None:
    end = month_start(regime.start, regime.months)
    for m, other in enumerate(earlier):
        shared = [a for a in regime.assets if a in other.assets]
        if shared and regime.start < month_start(other.start, other.months) and other.start < end:
            reader.fail("S110", ("regimes", n, "start"), f'overlaps regimes[{m}] for "{shared[0]}" '
                        f"({other.start:%Y-%m}, {other.months} months)",
                        "an asset is in one regime at a time: start this one when the other ends, or merge them")
            return


def _funds(reader: Reader, value: object, securities: Mapping[str, str] | None) -> tuple[Fund, ...]:
    found: list[Fund] = []
    for security, spec in reader.table(value, ("funds",), tuple(value) if isinstance(value, dict) else ()).items():
        keys: Key = ("funds", security)
        table = reader.table(spec, keys, FUND)
        if securities is not None and security not in securities:
            close = difflib.get_close_matches(security, list(securities), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"the policy's funds are {', '.join(securities)}"
            reader.fail("S112", keys, "not a fund of the policy", hint)
        nav = reader.positive(table["start_nav"], (*keys, "start_nav")) if "start_nav" in table else None
        tracking = reader.percent(table["tracking"], (*keys, "tracking"), least=Decimal(0)) if "tracking" in table else None
        found.append(Fund(security, nav, tracking))
    return tuple(found)


def load_scenario(path: str, securities: Mapping[str, str] | None = None) -> tuple[Scenario | None, list[Diagnostic], str]:
    """A scenario file read from `path` (UTF-8): the scenario or None, its diagnostics, its text
    (for rendering them with engine.diagnostics.render_all)."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    scenario, diagnostics = read_scenario(text, path, securities)
    return scenario, diagnostics, text
