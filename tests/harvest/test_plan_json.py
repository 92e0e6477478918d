"""The year-end plan's JSON value (engine/harvest/year_end.py `json_body`) is kept as `YearEnd.data`
instead of parsing the saved text again (issue 14, item 6: at 100,000 lots the parsed copy of every
lot's decision was the largest single piece of memory). That is sound only if the value reads exactly
as `json.loads` of its dump reads: the same keys in the same order, lists (not tuples), strings (a
StrEnum is a str and dumps as its value), None, and no float or Decimal. Checked on every example's
year-end plan (each with its policy: the family example's legacy funds and preferences) and on a
book of the bench's hard shape (losses behind gains, `perpetual`: the drift before and after)."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine import api

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests" / "end_to_end")]


def _same(kept: Any, parsed: Any, where: str = "$") -> list[str]:
    """Where `kept` differs from `parsed` in value, key order or JSON type (str subclasses read as str)."""
    if isinstance(parsed, dict):
        if type(kept) is not dict or list(kept) != list(parsed):
            return [f"{where}: {type(kept).__name__} with keys {list(kept)[:5]}"]
        return [d for k in parsed for d in _same(kept[k], parsed[k], f"{where}.{k}")]
    if isinstance(parsed, list):
        if type(kept) is not list or len(kept) != len(parsed):
            return [f"{where}: {type(kept).__name__}"]
        return [d for i, (a, b) in enumerate(zip(kept, parsed)) for d in _same(a, b, f"{where}[{i}]")]
    if isinstance(parsed, str):
        return [] if isinstance(kept, str) and str.__str__(kept) == parsed else [f"{where}: {kept!r}"]
    if parsed is None or isinstance(parsed, bool):
        return [] if kept is parsed else [f"{where}: {kept!r}"]
    return [] if type(kept) is type(parsed) and kept == parsed else [f"{where}: {kept!r} ({type(kept).__name__})"]


def _plan(book: Path, policy_path: Path, as_of: date, kind: api.PlanKind = api.PlanKind.YEAR_END) -> api.YearEnd:
    with api.open_book(book, access=api.Access.OWN) as b:
        policy = api.load_policy(policy_path).policy
        assert policy is not None
        if kind is api.PlanKind.HARVEST:
            return api.plan_harvest(b, policy, as_of, save=False)
        return api.plan_year_end(b, policy, as_of, save=False)


def _check(made: api.YearEnd) -> None:
    assert made.body == json.dumps(made.data, ensure_ascii=False, separators=(",", ":"))
    assert _same(made.data, json.loads(made.body)) == []


@pytest.mark.slow
@pytest.mark.parametrize("example", ["family", "five-stocks", "rohit", "multi-year"])
def test_the_kept_value_reads_as_its_parsed_text_on_every_example(tmp_path, example):
    from conftest import lotwise
    from test_command_golden import EXAMPLE_BOOKS

    e = next(e for e in EXAMPLE_BOOKS if e.name == example)
    for file in (ROOT / "examples" / e.name).iterdir():
        if file.is_file():
            shutil.copy(file, tmp_path / file.name)
    assert lotwise(tmp_path, "init", "--policy", e.policy, "--book", "book.db").returncode == 0
    assert lotwise(tmp_path, "import", *e.files, "--book", "book.db").returncode == 0
    made = _plan(tmp_path / "book.db", tmp_path / e.policy, date.fromisoformat(e.as_of))  # as its golden's
    _check(made)
    assert made.data["decisions"]  # a plan with a decision per lot


def test_the_kept_value_reads_as_its_parsed_text_on_a_hard_book(tmp_path):
    import harvest_large

    book, policy = harvest_large.build(tmp_path, "b", 2, 1200)
    made = _plan(book, policy, harvest_large.AS_OF)
    _check(made)
    assert "drift" in made.data and [o for o in made.data["orders"] if o["side"].lower() == "sell"]
    _check(_plan(book, policy, harvest_large.AS_OF, api.PlanKind.HARVEST))


def test_the_text_made_a_block_at_a_time_is_the_whole_dump_whatever_the_block(tmp_path, monkeypatch):
    """year_end.text_and_body encodes the decisions BLOCK at a time and joins the pieces with the
    text before and after them. The book: 2 investors x round(600 / 240) = 2 funds x 240 monthly
    lots = 960 lots, a decision each; one decision a block (960 pieces), 7 (the last block short:
    960 = 137 x 7 + 1) and all in one block give the same characters, each `dumps` of the value."""
    import harvest_large

    from engine.harvest import year_end

    book, policy = harvest_large.build(tmp_path, "b", 2, 1200)
    texts = set()
    for block in (1, 7, 10**6):
        monkeypatch.setattr(year_end, "BLOCK", block)
        made = _plan(book, policy, harvest_large.AS_OF)
        _check(made)
        assert len(made.data["decisions"]) == 960
        texts.add(made.body)
    assert len(texts) == 1


def test_a_plan_without_lots_has_the_same_text_and_value(tmp_path):
    """No lot at all (a book with its policy and no transactions): "decisions" is [] in both."""
    from conftest import lotwise

    rules = tmp_path / "p.rules"
    rules.write_text('use "india"\nuse "perpetual"\nportfolio "P" {\n    investor a "A"\n'
                     '    asset "Equity" 100% band 5% class equity\n}\n', encoding="utf-8")
    assert lotwise(tmp_path, "init", "--policy", "p.rules", "--book", "book.db").returncode == 0
    made = _plan(tmp_path / "book.db", rules, date(2026, 3, 20))
    _check(made)
    assert made.data["decisions"] == [] and '"decisions":[],"notes":' in made.body
