"""Text -> Lark tree, reporting every syntax error in a file, never a traceback.

The grammar is LALR(1) (grammar.lark). Lark stops at the first error, so this module
drives Lark's interactive parser itself and recovers in panic mode: after an error
it skips the rest of the offending line (and any block opened on it), then pops the
parser's stack until the next token fits. Two usual mistakes are repaired instead:
a keyword that opens a block, met inside another block, is tried with a `}` before
it; statements after a block header are tried with the missing `{` inserted.
Statements that contain an error are reported once and dropped from the tree's use
(`ParseResult.error_offsets`), so they cause no follow-on errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from engine.diagnostics import Diagnostic, Span, error

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")
_cache_dir: Path | None = None

MAX_SYNTAX_ERRORS = 100  # past this a file is not a rules file gone wrong; stop reading it


class _TooMany(Exception):
    def __init__(self, result: "ParseResult", span: Span):
        self.result, self.span = result, span


# Keywords that open a top-level or nested block: where one appears inside another
# block, a missing `}` is the likely cause.
BLOCK_KEYWORDS = {"portfolio", "buy", "sell", "rebalance", "harvest", "tax", "use",
                  "override", "class", "set-off", "charges", "cost"}


def set_cache_dir(path: Path | None) -> None:
    """Let Lark keep its built tables under `path` (chosen by the CLI)."""
    global _cache_dir
    _cache_dir = path
    lark_parser.cache_clear()


@lru_cache(maxsize=2)
def lark_parser(strict: bool = False):
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
    # by transformer.prune, which is cheaper than Lark's propagate_positions. Strict mode
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


@dataclass
class ParseResult:
    tree: Any | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error_offsets: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _BadChar:
    line: int
    column: int
    pos: int
    char: str


def _span(path: str, tok) -> Span:
    end_line = tok.end_line or tok.line
    end_col = tok.end_column or tok.column + max(1, len(tok.value))
    return Span(path, tok.line, tok.column, end_line, end_col)


@lru_cache(maxsize=4)
def _terminal_names(lark) -> dict[str, str]:
    """Terminal name -> literal text for keyword and punctuation terminals."""
    from lark.lexer import PatternStr

    return {t.name: t.pattern.value for t in lark.terminals if isinstance(t.pattern, PatternStr)}


def _tokens(lexer_thread, parser_state, text: str) -> Iterator[Any]:
    """The lexer's token stream, made total: a character no token starts with becomes
    a _BadChar (reported), and lexing goes on after it."""
    from lark.exceptions import UnexpectedCharacters

    while True:
        try:
            for tok in lexer_thread.lex(parser_state):
                yield tok
            return
        except UnexpectedCharacters as e:
            line_ctr = lexer_thread.state.line_ctr
            pos = line_ctr.char_pos
            yield _BadChar(e.line, e.column, pos, text[pos:pos + 1])
            line_ctr.feed(text[pos:pos + 1])


def _try_feed(parser_state, tokens: list) -> bool:
    """Feed `tokens` into a copy; on success commit to `parser_state` and return True."""
    from lark.exceptions import UnexpectedToken

    trial = parser_state.copy(deepcopy_values=False)
    try:
        for tok in tokens:
            trial.feed_token(tok, tok.type == "$END")
    except UnexpectedToken:
        return False
    parser_state.state_stack[:] = trial.state_stack
    parser_state.value_stack[:] = trial.value_stack
    return True


def _resync(parser_state, tok) -> bool:
    """Pop the parser's stack until `tok` can be fed; feed it. False if nowhere fits."""
    states, values = list(parser_state.state_stack), list(parser_state.value_stack)
    table = parser_state.parse_conf.parse_table.states
    while parser_state.state_stack:
        if tok.type in table[parser_state.position] and tok.type != "$END" and _try_feed(parser_state, [tok]):
            return True
        if len(parser_state.state_stack) == 1:
            break
        parser_state.state_stack.pop()
        parser_state.value_stack.pop()
    parser_state.state_stack[:] = states
    parser_state.value_stack[:] = values
    return False


def _to_block_level(parser_state, rbrace: str) -> None:
    """Pop a partial statement: back to the innermost block's body (or the top level)."""
    table = parser_state.parse_conf.parse_table.states
    while len(parser_state.state_stack) > 1 and rbrace not in table[parser_state.position]:
        parser_state.state_stack.pop()
        parser_state.value_stack.pop()


def _open_blocks(parser_state, names: dict[str, str]) -> list[tuple[str, Any]]:
    """Blocks whose `{` is shifted but not closed: (keyword, keyword token), outermost first."""
    from lark.lexer import Token

    opened: list[tuple[str, Any]] = []
    values = parser_state.value_stack
    for i, value in enumerate(values):
        if not isinstance(value, Token):
            continue
        if names.get(value.type) == "}" and opened:  # shifted, its block not yet reduced
            opened.pop()
        elif names.get(value.type) == "{":
            keyword = None
            for j in range(i - 1, -1, -1):
                prev = values[j]
                if isinstance(prev, Token) and names.get(prev.type) in BLOCK_KEYWORDS:
                    keyword = prev
                    break
            opened.append((names.get(keyword.type) if keyword else "block", keyword or value))
    return opened


def _last_content_line(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    for number in range(len(lines), 0, -1):
        if lines[number - 1].strip():
            return number, len(lines[number - 1])
    return 1, 0


def normalise(text: str) -> str:
    """What the lexer reads, the same length as `text` so that offsets hold: a lone \r
    ends a line (\r\n reads as a space and a \n); no-break spaces and stray byte-order
    marks are spaces."""
    return (text.replace("\r\n", " \n").replace("\r", "\n")
            .replace("\u00a0", " ").replace("\ufeff", " "))


def parse_text(text: str, path: str) -> ParseResult:
    """The tree of `text` (all tokens kept) and every syntax error in it."""
    from lark.exceptions import UnexpectedInput

    text = normalise(text)
    try:  # most files are valid: Lark's own loop is the fast path
        return ParseResult(tree=lark_parser().parse(text))
    except UnexpectedInput:
        return _parse_recovering(text, path)


def _parse_recovering(text: str, path: str) -> ParseResult:
    try:
        return _recover(text, path)
    except _TooMany as stop:
        stop.result.diagnostics.append(error(
            "P199", f"stopped after {MAX_SYNTAX_ERRORS} syntax errors", stop.span,
            "is this a rules file? Fix the first errors and check again"))
        stop.result.tree = None
        return stop.result


def _recover(text: str, path: str) -> ParseResult:
    from lark.lexer import Token

    from engine.policy import syntax_errors

    lark = lark_parser()
    names = _terminal_names(lark)
    by_text = {v: k for k, v in names.items()}
    lbrace, rbrace = by_text["{"], by_text["}"]
    interactive = lark.parse_interactive(text)
    state = interactive.parser_state
    result = ParseResult(tree=None)

    def add(diagnostic: Diagnostic, offset: int) -> None:
        result.diagnostics.append(diagnostic)
        result.error_offsets.append(offset)
        if len(result.diagnostics) >= MAX_SYNTAX_ERRORS:
            raise _TooMany(result, diagnostic.span)

    def report(tok) -> None:
        add(syntax_errors.describe(lark, state, tok, path, text), tok.start_pos)

    skip_line: int | None = None  # while recovering: the line being discarded
    skip_depth = 0  # braces opened on discarded lines
    recovering = False
    for tok in _tokens(interactive.lexer_thread, state, text):
        if isinstance(tok, _BadChar):
            if not (recovering and skip_line == tok.line):
                add(syntax_errors.bad_character(tok, path, text), tok.pos)
            recovering, skip_line = True, tok.line
            continue
        if recovering:
            if skip_depth:
                skip_depth += {lbrace: 1, rbrace: -1}.get(tok.type, 0)
                continue
            if tok.line == skip_line and tok.type != rbrace:
                skip_depth += tok.type == lbrace
                continue
            if tok.value in by_text and tok.type != by_text[tok.value]:
                # Lexed in the error's context, a keyword may have come out as a name.
                tok = Token.new_borrow_pos(by_text[tok.value], tok.value, tok)
            if not _resync(state, tok):
                if tok.line != skip_line:
                    # A mistake of its own on the next line: report it from the enclosing block.
                    _to_block_level(state, rbrace)
                    report(tok)
                skip_line, skip_depth = tok.line, int(tok.type == lbrace)
                continue
            recovering = False
            continue
        if tok.type in state.parse_conf.parse_table.states[state.position]:
            from lark.exceptions import UnexpectedToken

            try:
                state.feed_token(tok)
                continue
            except UnexpectedToken:
                pass
        # A syntax error at `tok`.
        opened = _open_blocks(state, names) if names.get(tok.type) in BLOCK_KEYWORDS else []
        if opened:
            closer = Token.new_borrow_pos(rbrace, "}", tok)
            trial = [closer, tok]
            for _ in opened:
                if _try_feed(state, trial):
                    result.diagnostics.append(syntax_errors.missing_close_brace(tok, opened[-1], path, names))
                    break
                trial.insert(0, closer)
            else:
                report(tok)
                recovering, skip_line, skip_depth = True, tok.line, int(tok.type == lbrace)
            continue
        if lbrace in state.parse_conf.parse_table.states[state.position] and tok.type != lbrace:
            # `portfolio "p"` then statements: the `{` is missing; insert it and go on.
            diagnostic_state = state.copy(deepcopy_values=False)
            if _try_feed(state, [Token.new_borrow_pos(lbrace, "{", tok), tok]):
                result.diagnostics.append(syntax_errors.describe(lark, diagnostic_state, tok, path, text))
                continue
        report(tok)
        if tok.type == rbrace and _resync(state, tok):
            continue
        recovering, skip_line, skip_depth = True, tok.line, int(tok.type == lbrace)

    # End of file: close what is open, reporting it once.
    line, column = _last_content_line(text)
    end_span = Span(path, line, max(1, column), line, max(1, column) + 1)
    eof = Token("$END", "", len(text), line, column + 1, line, column + 1, len(text))
    from lark.exceptions import UnexpectedToken

    reported_eof = False
    for _ in range(64):
        try:
            result.tree = state.feed_token(eof, True)
            break
        except UnexpectedToken:
            opened = _open_blocks(state, names)
            if not reported_eof and (opened or not recovering):
                reported_eof = True
                result.diagnostics.append(syntax_errors.unexpected_eof(lark, state, end_span, opened, names))
                result.error_offsets.append(len(text))
            if opened:
                closer = Token(rbrace, "}", len(text), line, column + 1, line, column + 1, len(text))
                if _resync(state, closer):
                    continue
            # Mid-statement at top level: drop the partial statement.
            while len(state.state_stack) > 1:
                state.state_stack.pop()
                state.value_stack.pop()
                if "$END" in state.parse_conf.parse_table.states[state.position]:
                    break
    return result
