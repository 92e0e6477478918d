"""Write syntaxes/lotwise.tmLanguage.json, the extension's TextMate grammar, from the policy
grammar's words (engine/policy/highlight.py reads them from engine/policy/grammar.lark).

Run it from the repository's root after a change to the language:

    python editors/vscode/make_grammar.py

tests/editors/test_textmate.py fails while the committed grammar lacks a keyword of grammar.lark,
and tokenizes every shipped .rules file with it (vscode-textmate, the engine VS Code uses).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.policy.highlight import (  # noqa: E402
    BLOCK_KEYWORDS, FILE_KEYWORDS, ISIN, duration_units, keywords, months)

OUT = Path(__file__).parent / "syntaxes" / "lotwise.tmLanguage.json"
BEFORE = r"(?<![\w-])"
AFTER = r"(?![\w-])"
DECIMAL = r"\d[\d,]*(?:\.\d+)?"
SUFFIX = r"(?:[Ll]a(?:kh|c)s?|[Cc]rores?|cr|[LkK])"


def alternation(found: Iterable[str]) -> str:
    ordered = sorted(found, key=lambda w: (-len(w), w))
    return BEFORE + "(?:" + "|".join(w.replace("-", r"\-") for w in ordered) + ")" + AFTER


def grammar() -> dict[str, object]:
    statement_words = sorted(keywords() - set(FILE_KEYWORDS))
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "lotwise policy",
        "scopeName": "source.lotwise",
        "fileTypes": ["rules"],
        "comment": "Made by editors/vscode/make_grammar.py from engine/policy/grammar.lark: do not edit by hand.",
        "patterns": [{"include": f"#{name}"} for name in (
            "comment", "string", "date", "fiscal-year", "percentage", "amount", "duration", "number",
            "month", "file-keyword", "block-keyword", "keyword", "unit", "isin", "symbol", "name",
            "punctuation", "invalid")],
        "repository": {
            "comment": {"match": r"(#).*$", "name": "comment.line.number-sign.lotwise",
                        "captures": {"1": {"name": "punctuation.definition.comment.lotwise"}}},
            "string": {"begin": '"', "end": '"|$', "name": "string.quoted.double.lotwise",
                       "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.lotwise"}},
                       "endCaptures": {"0": {"name": "punctuation.definition.string.end.lotwise"}},
                       "patterns": [{"match": r"\\.", "name": "constant.character.escape.lotwise"}]},
            "date": {"match": r"\b\d{4}-\d{2}-\d{2}" + AFTER, "name": "constant.numeric.date.lotwise"},
            "fiscal-year": {"match": r"\bFY[ \t]*\d{4}-\d{2,4}" + AFTER, "name": "constant.numeric.fiscal-year.lotwise"},
            "percentage": {"match": DECIMAL + "%", "name": "constant.numeric.percentage.lotwise"},
            "amount": {"patterns": [
                {"match": r"(?:Rs\.?|₹)[ \t]*" + DECIMAL + rf"(?:[ \t]*{SUFFIX})?" + AFTER,
                 "name": "constant.numeric.amount.lotwise"},
                {"match": DECIMAL + rf"[ \t]*{SUFFIX}" + AFTER, "name": "constant.numeric.amount.lotwise"}]},
            "duration": {"match": r"(\d+)[ \t]+(" + "|".join(sorted(duration_units(), key=len, reverse=True))
                         + ")" + AFTER, "name": "constant.numeric.duration.lotwise",
                         "captures": {"2": {"name": "keyword.other.unit.lotwise"}}},
            "number": {"match": DECIMAL + AFTER, "name": "constant.numeric.lotwise"},
            "month": {"match": alternation(months()), "name": "constant.language.month.lotwise"},
            "file-keyword": {"match": alternation(FILE_KEYWORDS), "name": "keyword.control.import.lotwise"},
            "block-keyword": {"match": alternation(BLOCK_KEYWORDS) + r"(?=[^{}#\n]*\{)",
                              "name": "storage.type.block.lotwise"},
            "keyword": {"match": alternation(statement_words), "name": "keyword.other.lotwise"},
            "unit": {"match": alternation(duration_units()), "name": "keyword.other.unit.lotwise"},
            "isin": {"match": BEFORE + ISIN + r"(?![\w&.-])", "name": "constant.other.isin.lotwise"},
            "symbol": {"match": BEFORE + r"[A-Z0-9][A-Z0-9&_.\-]*(?![\w&.-])", "name": "constant.other.symbol.lotwise"},
            "name": {"match": BEFORE + r"[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*" + AFTER, "name": "variable.other.name.lotwise"},
            "punctuation": {"patterns": [
                {"match": r"\{", "name": "punctuation.section.block.begin.lotwise"},
                {"match": r"\}", "name": "punctuation.section.block.end.lotwise"},
                {"match": ",", "name": "punctuation.separator.comma.lotwise"},
                {"match": ":", "name": "keyword.operator.colon.lotwise"}]},
            "invalid": {"patterns": [
                {"match": "[“”„‘’]", "name": "invalid.illegal.typographic-quote.lotwise"},
                {"match": BEFORE + r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*" + AFTER,
                 "name": "invalid.illegal.word.lotwise"},  # a word no terminal takes (`Kapoor` unquoted)
                {"match": r"\S", "name": "invalid.illegal.character.lotwise"}]},
        },
    }


def main() -> None:
    OUT.write_text(json.dumps(grammar(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
