"""The policy grammar (grammar.lark) loaded into Lark, once per process (its tables cached on
disk where the CLI says), its keyword and punctuation terminals, and a token's span."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.diagnostics import Span

if TYPE_CHECKING:
    from lark import Lark, Token

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")
_cache_dir: Path | None = None


def set_cache_dir(path: Path | None) -> None:
    """Let Lark keep its built tables under `path` (chosen by the CLI)."""
    global _cache_dir
    _cache_dir = path
    lark_parser.cache_clear()


@lru_cache(maxsize=2)
def lark_parser(strict: bool = False) -> Lark:
    from lark import Lark, __version__

    options: dict[str, Any] = {}
    if _cache_dir is not None and not strict:
        try:
            _cache_dir.mkdir(parents=True, exist_ok=True)
            options["cache"] = str(_cache_dir / f"policy-grammar-lark{__version__}.cache")
        except OSError:
            pass  # no cache: slower start, same result
    from engine.policy.lexer import PolicyLexer

    # Every token is kept in the tree (fmt needs them all); spans are taken from tokens
    # by prune.prune, which is cheaper than Lark's propagate_positions. Strict mode
    # checks terminal collisions in Lark's own contextual lexer; in use, PolicyLexer
    # (lexer.py) is the same contextual idea without compiling a regex per state.
    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual" if strict else PolicyLexer,
        propagate_positions=False,
        maybe_placeholders=False,
        keep_all_tokens=True,
        strict=strict,
        **options,
    )


def token_span(path: str, tok: Token) -> Span:
    # The lexer (lexer.py) gives every token its line, column and end; Lark types them optional.
    assert tok.line is not None and tok.column is not None
    end_line = tok.end_line or tok.line
    end_col = tok.end_column or tok.column + max(1, len(tok.value))
    return Span(path, tok.line, tok.column, end_line, end_col)


@lru_cache(maxsize=4)
def terminal_names(lark: Lark) -> dict[str, str]:
    """Terminal name -> literal text for keyword and punctuation terminals."""
    from lark.lexer import PatternStr

    return {t.name: t.pattern.value for t in lark.terminals if isinstance(t.pattern, PatternStr)}


@dataclass(frozen=True)
class BadChar:
    """A character no token starts with, where the lexer met it (reported, then skipped)."""

    line: int
    column: int
    pos: int
    char: str
