"""The VS Code extension's TextMate grammar (editors/vscode/, issue 18 item 4).

The grammar is made from grammar.lark's words by editors/vscode/make_grammar.py and committed.
These tests check that it knows every keyword of the language, that it is what the script makes,
and, through vscode-textmate and vscode-oniguruma (the engine VS Code uses, run by node on
editors/vscode/test/tokenize.js), that every shipped .rules file is tokenized with every
non-blank character in a scope of its own (none left to the bare `source.lotwise`, none invalid),
each token of the engine's own lexer in the scope of its class: a PERCENT is a percentage, a
MONEY an amount, an ISIN an ISIN and a keyword a keyword.

Node and the npm packages: `npm ci` in editors/vscode (.ci/run does it before pytest); where
node is absent these tests skip saying so; where node is present and the packages are not, the
fixture runs `npm ci` itself.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.policy.grammar import lark_parser
from engine.policy.highlight import ISIN, keywords
from engine.policy.loader import shipped_rules_dir

REPO = Path(__file__).resolve().parents[2]
VSCODE = REPO / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "lotwise.tmLanguage.json"
if not (REPO / "editors").is_dir():  # an sdist carries no editors/ (pyproject.toml's sdist include)
    pytest.skip("editors/ is not in this copy of lotwise", allow_module_level=True)


def shipped_policies() -> list[Path]:
    """The rules shipped in the package and every example policy in the repository."""
    return sorted(shipped_rules_dir().rglob("*.rules")) + sorted((REPO / "examples").rglob("*.rules"))


def test_there_are_shipped_policies_to_tokenize():
    names = {p.name for p in shipped_policies()}
    assert {"india.rules", "perpetual.rules", "textbook-bands.rules", "family.rules", "rohit.rules"} <= names


def keyword_words(grammar: dict[str, object]) -> set[str]:
    """The words of the grammar's keyword patterns: `(?<![\\w-])(?:a|b\\-c)(?![\\w-])` gives a, b-c."""
    repo = grammar["repository"]
    assert isinstance(repo, dict)
    found: set[str] = set()
    for name in ("file-keyword", "block-keyword", "keyword", "unit", "month"):
        pattern = repo[name]["match"]
        body = re.search(r"\(\?:([^()]*)\)", pattern)
        assert body is not None, pattern
        found |= {w.replace("\\-", "-") for w in body.group(1).split("|")}
    return found


def test_the_textmate_grammar_knows_every_keyword_of_the_language():
    """Fails when grammar.lark gains a keyword the committed TextMate grammar lacks: run
    `python editors/vscode/make_grammar.py`."""
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    missing = keywords() - keyword_words(grammar)
    assert missing == set(), f"not in {GRAMMAR.name}: {sorted(missing)}; run editors/vscode/make_grammar.py"


def test_the_committed_grammar_is_the_one_make_grammar_writes():
    sys.path[:0] = [str(VSCODE)]
    try:
        import make_grammar
    finally:
        sys.path.remove(str(VSCODE))
    committed = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(make_grammar.grammar(), ensure_ascii=False))


def test_the_extension_contributes_the_language_grammar_and_command_setting():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    language = package["contributes"]["languages"][0]
    assert language["id"] == "lotwise-policy" and language["extensions"] == [".rules"]
    assert package["contributes"]["grammars"][0]["path"] == "./syntaxes/lotwise.tmLanguage.json"
    assert package["contributes"]["configuration"]["properties"]["lotwise.command"]["default"] == "lotwise"
    assert "lsp" in (VSCODE / "extension.js").read_text(encoding="utf-8")
    config = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in config["brackets"]


@pytest.fixture(scope="module")
def tokenize() -> Iterator[Callable[[list[Path]], dict[str, list[list[object]]]]]:
    """Tokenize files with the committed grammar by vscode-textmate: {file: [[line, start, end, text, scopes]]}."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the TextMate grammar is tokenized by vscode-textmate under node")
    if not (VSCODE / "node_modules" / "vscode-textmate").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: `npm ci` in editors/vscode installs vscode-textmate")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=VSCODE, check=True, timeout=600)

    def run(files: list[Path]) -> dict[str, list[list[object]]]:
        assert node is not None
        done = subprocess.run([node, "test/tokenize.js", *map(str, files)], cwd=VSCODE, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        found: dict[str, list[list[object]]] = json.loads(done.stdout)
        return found

    yield run


@pytest.fixture(scope="module")
def tokenized(tokenize) -> dict[str, list[list[object]]]:
    found: dict[str, list[list[object]]] = tokenize(shipped_policies())
    return found


def char_scopes(tokens: list[list[object]]) -> dict[tuple[int, int], list[str]]:
    """(line, column from 0) -> the scopes of the token that covers that character."""
    found: dict[tuple[int, int], list[str]] = {}
    for line, start, end, _, scopes in tokens:
        assert isinstance(line, int) and isinstance(start, int) and isinstance(end, int) and isinstance(scopes, list)
        for col in range(start, end):
            found[(line, col)] = scopes
    return found


def test_every_character_of_every_shipped_policy_has_a_scope_and_none_is_invalid(tokenized):
    for path in shipped_policies():
        scopes = char_scopes(tokenized[str(path)])
        bare, invalid = [], []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for col, char in enumerate(line):
                if char.isspace():
                    continue
                at = scopes.get((number, col), ["source.lotwise"])
                if at == ["source.lotwise"]:
                    bare.append(f"{path.name}:{number}:{col + 1} {char!r}")
                if any(s.startswith("invalid") for s in at):
                    invalid.append(f"{path.name}:{number}:{col + 1} {char!r}")
        assert (bare, invalid) == ([], [])


# The scope a token of each class of the engine's lexer (lexer.py) must have, on every character.
SCOPE_OF = {
    "STRING": ("string.quoted.double.lotwise",),
    "DATE": ("constant.numeric.date.lotwise",),
    "FY": ("constant.numeric.fiscal-year.lotwise",),
    "PERCENT": ("constant.numeric.percentage.lotwise",),
    "MONEY": ("constant.numeric.amount.lotwise",),
    "NUMBER": ("constant.numeric.lotwise", "constant.numeric.duration.lotwise"),
    "DURATION_UNIT": ("keyword.other.unit.lotwise",),
    "MONTH": ("constant.language.month.lotwise",),
    "NAME": ("variable.other.name.lotwise",),
    "COMMA": ("punctuation.separator.comma.lotwise",),
    "COLON": ("keyword.operator.colon.lotwise",),
    "LBRACE": ("punctuation.section.block.begin.lotwise",),
    "RBRACE": ("punctuation.section.block.end.lotwise",),
}
KEYWORD_SCOPES = ("keyword.other.lotwise", "storage.type.block.lotwise", "keyword.control.import.lotwise",
                  "keyword.other.unit.lotwise")


def expected_scopes(kind: str, value: str) -> tuple[str, ...]:
    if kind == "SECID":
        return ("constant.other.isin.lotwise",) if re.fullmatch(ISIN, value) else ("constant.other.symbol.lotwise",)
    if value in keywords():
        return KEYWORD_SCOPES
    return SCOPE_OF[kind]


def test_each_token_of_the_engine_s_lexer_has_the_scope_of_its_class(tokenized):
    """india.rules alone has 68 FYs, 41 dates, 31 percentages and 2 amounts (Rs 1,00,000 and
    Rs 1,25,000); each is checked character by character against the scope of its class."""
    wrong, kinds = [], set()
    for path in shipped_policies():
        scopes = char_scopes(tokenized[str(path)])
        text = path.read_text(encoding="utf-8").replace("\u00a0", " ").replace("\ufeff", " ")
        for tok in lark_parser().parse_interactive(text).iter_parse():
            assert tok.line is not None and tok.column is not None
            want = expected_scopes(tok.type, tok.value)
            for col in range(tok.column - 1, tok.column - 1 + len(tok.value)):
                if not any(s in want for s in scopes.get((tok.line, col), [])):
                    wrong.append(f"{path.name}:{tok.line}:{tok.column} {tok.type} {tok.value!r}: "
                                 f"{scopes.get((tok.line, col))}, not {want}")
                    break
            kinds.add(tok.type)
    assert wrong == []
    assert kinds >= set(SCOPE_OF) | {"SECID"}  # every class is met at least once


def test_a_line_is_scoped_token_by_token(tokenize, tmp_path):
    """A line with one token of nearly every class, and the scope each gets."""
    policy = tmp_path / "one.rules"
    policy.write_text('fund INF179K01BB8 "HDFC Index Nifty 50" exit load 1% within 12 months, '
                      'minimum purchase Rs 5,000  # a comment\n'
                      '    exemption 1.25 lakh per investor from FY 2024-25\n'
                      '    sold before 2018-02-01: short 15%\n', encoding="utf-8")
    tokens = tokenize([policy])[str(policy)]
    got = [(str(text).strip(), scopes[-1]) for _, _, _, text, scopes in tokens if str(text).strip()]
    assert got == [
        ("fund", "keyword.other.lotwise"), ("INF179K01BB8", "constant.other.isin.lotwise"),
        ('"', "punctuation.definition.string.begin.lotwise"), ("HDFC Index Nifty 50", "string.quoted.double.lotwise"),
        ('"', "punctuation.definition.string.end.lotwise"), ("exit", "keyword.other.lotwise"),
        ("load", "keyword.other.lotwise"), ("1%", "constant.numeric.percentage.lotwise"),
        ("within", "keyword.other.lotwise"), ("12", "constant.numeric.duration.lotwise"),
        ("months", "keyword.other.unit.lotwise"), (",", "punctuation.separator.comma.lotwise"),
        ("minimum", "keyword.other.lotwise"), ("purchase", "keyword.other.lotwise"),
        ("Rs 5,000", "constant.numeric.amount.lotwise"),
        ("#", "punctuation.definition.comment.lotwise"), ("a comment", "comment.line.number-sign.lotwise"),
        ("exemption", "keyword.other.lotwise"), ("1.25 lakh", "constant.numeric.amount.lotwise"),
        ("per", "keyword.other.lotwise"), ("investor", "keyword.other.lotwise"), ("from", "keyword.other.lotwise"),
        ("FY 2024-25", "constant.numeric.fiscal-year.lotwise"),
        ("sold", "keyword.other.lotwise"), ("before", "keyword.other.lotwise"),
        ("2018-02-01", "constant.numeric.date.lotwise"), (":", "keyword.operator.colon.lotwise"),
        ("short", "keyword.other.lotwise"), ("15%", "constant.numeric.percentage.lotwise"),
    ]


def test_typographic_quotes_and_a_rupee_dash_are_marked_invalid(tokenize, tmp_path):
    """The mistakes issue 18 names are shown where they are: `“Kapoor”` and `₹500/-`."""
    policy = tmp_path / "bad.rules"
    policy.write_text("portfolio “Kapoor” {\n    harvest losses larger than ₹500/-\n}\n", encoding="utf-8")
    tokens = tokenize([policy])[str(policy)]
    invalid = [(line, start, text) for line, start, _, text, scopes in tokens
               if any(str(s).startswith("invalid") for s in scopes)]
    # "portfolio " is 10 characters; "    harvest losses larger than " 31, then ₹500 (an amount) to 34
    assert invalid == [(1, 10, "“"), (1, 11, "Kapoor"), (1, 17, "”"), (2, 35, "/"), (2, 36, "-")]
