"""The docs' policies are fenced ```lotwise (docs/editors.md, Pygments): every such fence is policy
text to the lexer (no Error token), and every plain fence that would be (no Error token, a keyword)
is marked, but for the one CSV header that happens to lex (file-formats.md's losses file)."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from pygments.token import Error, Keyword

from engine.cli.docs import docs_dir
from engine.policy.highlight import PolicyLexer

NOT_POLICY = {"investor,fy,term,amount"}  # a CSV file's header (file-formats.md): words the lexer knows


def fences() -> list[tuple[str, int, str, str]]:
    """(page, line, info, content) of every fence in the docs."""
    found = []
    for page in sorted(docs_dir().glob("*.md")):
        for token in MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8")):
            if token.type == "fence" and token.map is not None:
                found.append((page.name, token.map[0] + 1, token.info.strip(), token.content))
    return found


def test_every_lotwise_fence_is_policy_text_and_every_policy_fence_is_marked():
    lexer = PolicyLexer()
    marked = 0
    for page, line, info, content in fences():
        tokens = list(lexer.get_tokens(content))
        errors = [value for kind, value in tokens if kind in Error]
        if info == "lotwise":
            marked += 1
            assert not errors, f"{page}:{line}: a ```lotwise fence the lexer does not take: {errors[:5]}"
        elif info == "" and not errors and any(kind in Keyword for kind, _ in tokens):
            assert content.splitlines()[0] in NOT_POLICY, f"{page}:{line}: policy text in a plain fence"
    assert marked >= 50  # 51 when the fences were first marked (rules-language.md has 45)
