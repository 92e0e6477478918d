"""The policy language's words for editors, and its Pygments lexer (alias `lotwise`, files `*.rules`).

One source for every highlighter: the keywords are the quoted words of the grammar's rules
(grammar.lark), read from the file, so a statement added to the grammar is highlighted without
a change here. The VS Code extension's TextMate grammar (editors/vscode/syntaxes/) lists the
same words; tests/editors/ checks it knows every one of `keywords()`, and that this lexer and that
grammar give every token of every shipped `.rules` file a class and no error.

The classes follow the lexer (lexer.py): a word is a keyword, a month, a duration unit, a
lower-case name (an investor, an asset class) or an upper-case symbol (an ISIN, a PAN, a ticker);
a number-like run is a date, a financial year, a percentage, an amount or a number, in that order.
Pygments is imported only here and where a page is highlighted (engine/reports/policy_html.py,
for `lotwise report`'s appendix and `lotwise docs --html`), and this module only by Pygments (its
entry point in pyproject.toml), by those pages, when made, and by the tests.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Whitespace

from engine.policy.grammar import GRAMMAR_PATH

# The words that open a block: highlighted as declarations where a `{` follows on the line
# (`sell {` opens the selling block, `sell 1% of portfolio per month` is a statement).
BLOCK_KEYWORDS = ("portfolio", "buy", "sell", "rebalance", "harvest", "tax", "report", "class", "set-off",
                  "charges", "cost")
# The words that join files: `use "india"`, `override tax { ... }`.
FILE_KEYWORDS = ("use", "override")

# A terminal's definition in grammar.lark: `NAME.priority: ...` and its indented `| ...` lines.
_TERMINAL = re.compile(r"^[A-Z][A-Z_]*(?:\.\d+)?:.*?(?=^\S|\Z)", re.MULTILINE | re.DOTALL)
_QUOTED_WORD = re.compile(r'"([A-Za-z][A-Za-z-]*)"')
_COMMENT = re.compile(r"//[^\n]*")


def _terminal_words(text: str, name: str) -> tuple[str, ...]:
    for definition in _TERMINAL.finditer(text):
        if definition.group().startswith(f"{name}:"):
            return tuple(_QUOTED_WORD.findall(definition.group()))
    raise ValueError(f"grammar.lark defines no terminal {name}")


@lru_cache(maxsize=1)
def _grammar_text() -> str:
    return _COMMENT.sub("", GRAMMAR_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """Every keyword of the language: each quoted word of a rule in grammar.lark (`"long-term"`),
    not those of the MONTH and DURATION_UNIT terminals (`months()`, `duration_units()`)."""
    rules = _TERMINAL.sub("", _grammar_text())
    return frozenset(_QUOTED_WORD.findall(rules))


@lru_cache(maxsize=1)
def months() -> tuple[str, ...]:
    """The MONTH terminal's words (`year starts April 1`)."""
    return _terminal_words(_grammar_text(), "MONTH")


@lru_cache(maxsize=1)
def duration_units() -> tuple[str, ...]:
    """The DURATION_UNIT terminal's words (`long-term after 12 months`)."""
    return _terminal_words(_grammar_text(), "DURATION_UNIT")


def _longest_first(found: frozenset[str] | tuple[str, ...]) -> list[str]:
    return sorted(found, key=lambda w: (-len(w), w))


# A word ends where neither a word character nor a hyphen follows (`long-term` is one word).
_BEFORE = r"(?<![\w-])"
_AFTER = r"(?![\w-])"
_UNITS = r"(?:days?|months?|years?)"
_AMOUNT_SUFFIX = r"(?:[Ll]a(?:kh|c)s?|[Cc]rores?|cr|[LkK])"
_DECIMAL = r"\d[\d,]*(?:\.\d+)?"
ISIN = r"[A-Z]{2}[A-Z0-9]{9}[0-9]"


class PolicyLexer(RegexLexer):  # type: ignore[misc]  # Pygments has no type information
    """Pygments lexer for lotwise policies (`.rules` files)."""

    name = "lotwise policy"
    aliases = ["lotwise", "lotwise-policy"]
    filenames = ["*.rules"]
    mimetypes = ["text/x-lotwise-policy"]

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (r"\d{4}-\d{2}-\d{2}" + _AFTER, Number.Other),                     # DATE
            (r"FY[ \t]*\d{4}-\d{2,4}" + _AFTER, Number.Other),                 # FY
            (_DECIMAL + "%", Number.Float),                                    # PERCENT
            (r"(?:Rs\.?|₹)[ \t]*" + _DECIMAL + rf"(?:[ \t]*{_AMOUNT_SUFFIX})?" + _AFTER, Number.Integer),  # MONEY
            (_DECIMAL + rf"[ \t]*{_AMOUNT_SUFFIX}" + _AFTER, Number.Integer),
            (rf"(\d+)([ \t]+)({_UNITS})" + _AFTER, bygroups(Number, Whitespace, Keyword.Type)),  # a duration
            (_DECIMAL + _AFTER, Number),                                       # NUMBER
            (words(tuple(_longest_first(tuple(months()))), prefix=_BEFORE, suffix=_AFTER), Name.Constant),
            (words(FILE_KEYWORDS, prefix=_BEFORE, suffix=_AFTER), Keyword.Namespace),
            (words(BLOCK_KEYWORDS, prefix=_BEFORE, suffix=_AFTER + r"(?=[^{}#\n]*\{)"), Keyword.Declaration),
            (words(tuple(_longest_first(keywords())), prefix=_BEFORE, suffix=_AFTER), Keyword),
            (words(duration_units(), prefix=_BEFORE, suffix=_AFTER), Keyword.Type),
            (_BEFORE + ISIN + r"(?![\w&.-])", Name.Constant),                   # an ISIN
            (_BEFORE + r"[A-Z0-9][A-Z0-9&_.\-]*(?![\w&.-])", Name.Label),     # a PAN, a ticker, a registration
            (_BEFORE + r"[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*" + _AFTER, Name.Variable),  # NAME
            (r"[{}]", Punctuation),
            (r",", Punctuation),
            (r":", Operator),
            (_BEFORE + r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*" + _AFTER, Error),  # a word no terminal takes
            (r".", Error),  # a typographic quote, a rupee sign without a number, `/-`
        ],
        "string": [
            (r'\\.', String.Escape),
            (r'"', String.Double, "#pop"),
            (r'[^"\\\n]+', String.Double),
            (r"\n", Error, "#pop"),  # a quoted name must end on its line
        ],
    }
