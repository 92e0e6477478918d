"""The policy language's Pygments lexer and its words (engine/policy/highlight.py, issue 18 item 4)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from lark.lexer import PatternStr
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Whitespace

from engine.policy.grammar import lark_parser
from engine.policy.highlight import BLOCK_KEYWORDS, FILE_KEYWORDS, PolicyLexer, duration_units, keywords, months
from engine.policy.loader import shipped_rules_dir

REPO = Path(__file__).resolve().parents[2]


def shipped_policies() -> list[Path]:
    return sorted(shipped_rules_dir().rglob("*.rules")) + sorted((REPO / "examples").rglob("*.rules"))


def test_the_keywords_are_the_grammar_s_keyword_terminals():
    """keywords() reads grammar.lark's quoted words; Lark, reading the same file, makes a terminal
    of each (`"long-term"` -> a PatternStr), besides the MONTH and DURATION_UNIT alternatives."""
    lark_words = {t.pattern.value for t in lark_parser().terminals
                  if isinstance(t.pattern, PatternStr) and t.pattern.value[0].isalpha()}
    assert keywords() == lark_words
    assert len(keywords()) == 180  # 194 quoted words in grammar.lark, less 12 months and "days", "months" (units only)
    assert {"long-term", "set-off", "same-day", "exchange-traded", "semi-annually", "TODO"} <= keywords()
    assert months() == ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                        "October", "November", "December")
    assert set(duration_units()) == {"day", "days", "month", "months", "year", "years"}
    assert set(BLOCK_KEYWORDS) | set(FILE_KEYWORDS) <= keywords()


def test_no_token_of_a_shipped_policy_is_an_error():
    lexer = PolicyLexer()
    for path in shipped_policies():
        errors = [(kind, value) for kind, value in lexer.get_tokens(path.read_text(encoding="utf-8")) if kind in Error]
        assert errors == [], path.name


def test_a_policy_s_tokens_and_their_classes():
    text = ('use "india"\n'
            'override sell {  # mine\n'
            '    sell 1% of portfolio per month from "Equity", "Gold"\n'
            '}\n'
            'portfolio "Rao" {\n'
            '    investor asha "Asha" pan ABCDE1234F slab 30% from FY 2024-25\n'
            '    fund INF179K01BB8 "HDFC Nifty 50" minimum purchase Rs 5,000\n'
            '}\n'
            'tax { class equity { sold before 2018-02-01: long-term after 12 months } year starts April 1 }\n')
    got = [(kind, value) for kind, value in PolicyLexer().get_tokens(text) if kind is not Whitespace]
    assert got[:5] == [(Keyword.Namespace, "use"), (String.Double, '"'), (String.Double, "india"),
                       (String.Double, '"'), (Keyword.Namespace, "override")]
    assert (Keyword.Declaration, "sell") in got and (Keyword, "sell") in got  # the block, then the statement
    assert (Comment.Single, "# mine") in got
    assert (Number.Float, "1%") in got and (Number.Float, "30%") in got
    assert (Name.Variable, "asha") in got and (Name.Label, "ABCDE1234F") in got
    assert (Name.Constant, "INF179K01BB8") in got and (Number.Integer, "Rs 5,000") in got
    assert (Number.Other, "FY 2024-25") in got and (Number.Other, "2018-02-01") in got
    assert (Keyword.Declaration, "class") in got and (Name.Variable, "equity") in got
    assert (Number, "12") in got and (Keyword.Type, "months") in got
    assert (Name.Constant, "April") in got and (Number, "1") in got
    assert (Operator, ":") in got and (Punctuation, "{") in got and (Punctuation, ",") in got
    assert not any(kind in Error for kind, _ in got)


def test_typographic_quotes_an_unquoted_name_and_a_rupee_dash_are_errors():
    text = "portfolio \u201cKapoor\u201d {\n    harvest losses larger than \u20b9500/-\n}\n"
    errors = [value for kind, value in PolicyLexer().get_tokens(text) if kind in Error]
    assert errors == ["\u201c", "Kapoor", "\u201d", "/", "-"]


def test_pyproject_registers_the_lexer_for_pygments():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    target = project["entry-points"]["pygments.lexers"]["lotwise"]
    module, _, name = target.partition(":")
    assert getattr(importlib.import_module(module), name) is PolicyLexer
    assert any(d.startswith("pygments>=") for d in project["dependencies"])


def test_pygments_finds_the_lexer_by_alias_and_file_name():
    if not any(e.name == "lotwise" for e in entry_points(group="pygments.lexers")):
        pytest.skip("the installed lotwise predates its Pygments entry point: `pip install -e .` again")
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    assert isinstance(get_lexer_by_name("lotwise"), PolicyLexer)
    assert isinstance(get_lexer_for_filename("family.rules"), PolicyLexer)
    done = subprocess.run([sys.executable, "-m", "pygments", "-l", "lotwise", "-f", "html",
                           str(shipped_rules_dir() / "presets" / "perpetual.rules")],
                          capture_output=True, text=True, check=True)
    assert '<span class="kd">sell</span>' in done.stdout and '<span class="err">' not in done.stdout
