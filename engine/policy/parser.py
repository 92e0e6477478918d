"""Text -> Lark tree, reporting every syntax error in a file, never a traceback.

The grammar is LALR(1) (grammar.lark). Lark stops at the first error, so this module
drives Lark's interactive parser itself and recovers in panic mode: after an error
it skips the rest of the offending line and resynchronises at the next statement of
the same block (a line that starts with a keyword may also continue the broken
statement: the parser's stack is popped until it fits). A block opened on the
offending line is not skipped: its header is read as its keyword's (headers.py), so
the errors in its body are found in the same run. Usual mistakes are repaired instead:
a keyword that opens a block, met inside another block, is tried with a `}` before
it; statements after a block header are tried with the missing `{` inserted; a
misspelt block keyword is read as the keyword; curly quotes (typography.py), `/-`
after an amount and `INR` before one are reported and read as if written right.
Statements that contain an error are reported once and dropped from the tree's use
(`ParseResult.error_offsets`), so they cause no follow-on errors.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from engine.diagnostics import Diagnostic, Span, error
from engine.policy.grammar import lark_parser as lark_parser  # re-exported: tests and the CLI's cache
from engine.policy.grammar import set_cache_dir as set_cache_dir
from engine.policy.grammar import BadChar, terminal_names
import engine.policy.headers as headers
from engine.policy.typography import straighten

if TYPE_CHECKING:
    from lark import Tree
    from lark.exceptions import UnexpectedInput
    from lark.lexer import LexerThread, Token
    from lark.parsers.lalr_parser_state import ParserState

    State = ParserState[int]  # an LALR parser's state: its stack of table states and of values

MAX_SYNTAX_ERRORS = 100  # past this a file is not a rules file gone wrong; stop reading it


class _TooMany(Exception):
    def __init__(self, result: "ParseResult", span: Span | None) -> None:
        self.result, self.span = result, span


# Keywords that open a top-level or nested block: where one appears inside another
# block, a missing `}` is the likely cause.
BLOCK_KEYWORDS = {"portfolio", "buy", "sell", "rebalance", "harvest", "tax", "use",
                  "override", "class", "set-off", "charges", "cost"}


@dataclass
class ParseResult:
    tree: Tree[Token] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error_offsets: list[int] = field(default_factory=list)


def _tokens(lexer_thread: LexerThread, parser_state: State, text: str) -> Iterator[Token | BadChar]:
    """The lexer's token stream, made total: a character no token starts with becomes
    a BadChar (reported), and lexing goes on after it."""
    from lark.exceptions import UnexpectedCharacters

    while True:
        try:
            for tok in lexer_thread.lex(parser_state):  # type: ignore[no-untyped-call]  # untyped in Lark
                yield tok
            return
        except UnexpectedCharacters as e:
            assert lexer_thread.state is not None  # an interactive parse's lexer has its state
            line_ctr = lexer_thread.state.line_ctr
            pos = line_ctr.char_pos
            # `₹500/-`: the two characters are one mistake (syntax_errors.bad_character)
            bad = text[pos:pos + 2] if text.startswith("/-", pos) else text[pos:pos + 1]
            yield BadChar(e.line, e.column, pos, bad)
            line_ctr.feed(bad)


def _try_feed(parser_state: State, tokens: list[Token]) -> bool:
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


def _resync(parser_state: State, tok: Token) -> bool:
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


def _to_block_level(parser_state: State, rbrace: str) -> None:
    """Pop a partial statement: back to the innermost block's body (or the top level)."""
    table = parser_state.parse_conf.parse_table.states
    while len(parser_state.state_stack) > 1 and rbrace not in table[parser_state.position] \
            and "$END" not in table[parser_state.position]:
        parser_state.state_stack.pop()
        parser_state.value_stack.pop()


def _open_blocks(parser_state: State, names: dict[str, str]) -> list[tuple[str, Token]]:
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
            opened.append((names[keyword.type] if keyword else "block", keyword or value))
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

    text, quotes = straighten(normalise(text), path)  # “Kapoor” is reported, then read as "Kapoor"
    try:  # most files are valid: Lark's own loop is the fast path
        return ParseResult(tree=lark_parser().parse(text), diagnostics=quotes)
    except UnexpectedInput as failure:  # recovery goes on from where it failed: no second parse
        result = _parse_recovering(text, path, failure)
    if quotes:
        result.diagnostics = sorted(quotes + result.diagnostics, key=Diagnostic.sort_key)
    return result


def _parse_recovering(text: str, path: str, failure: UnexpectedInput | None = None) -> ParseResult:
    try:
        return _recover(text, path, failure)
    except _TooMany as stop:
        stop.result.diagnostics.append(error(
            "P199", f"stopped after {MAX_SYNTAX_ERRORS} syntax errors", stop.span,
            "is this a rules file? Fix the first errors and check again"))
        stop.result.tree = None
        return stop.result


def _recover(text: str, path: str, failure: UnexpectedInput | None) -> ParseResult:
    return Recovery(text, path, failure).run()


class Recovery:
    """One parse in panic mode: the parser's state, and whether (and where) it is skipping."""

    def __init__(self, text: str, path: str, failure: UnexpectedInput | None = None) -> None:
        """`failure`: where Lark's own parse of `text` stopped; recovery starts there, in the
        state Lark reached, instead of parsing the text before it again."""
        from lark.exceptions import UnexpectedToken
        from lark.lexer import Token

        import engine.policy.syntax_errors as syntax_errors  # only when a file has errors: start-up

        self.syntax_errors = syntax_errors
        self.text, self.path = text, path
        self.lark = lark_parser()
        self.names = terminal_names(self.lark)
        self.by_text = {v: k for k, v in self.names.items()}
        self.lbrace, self.rbrace = self.by_text["{"], self.by_text["}"]
        resumed = getattr(failure, "interactive_parser", None)
        self.interactive = resumed if resumed is not None else self.lark.parse_interactive(text)
        self.state = self.interactive.parser_state
        # The token Lark could not take (none when it failed at a character, or at the end).
        self.pending: list[Token] = []
        if resumed is not None and isinstance(failure, UnexpectedToken) and failure.token.type != "$END":
            self.pending.append(failure.token)
        self.result = ParseResult(tree=None)
        self.skip_line: int | None = None  # while recovering: the line being discarded
        self.skip_depth = 0  # braces opened on discarded lines
        self.recovering = False
        self.line_tokens: list[Token] = []  # the tokens of the current line so far: a header to reopen
        if resumed is not None:  # those Lark took on the line it failed on, still unreduced
            line = self.pending[0].line if self.pending else getattr(failure, "line", None)
            self.line_tokens = [v for v in self.state.value_stack if isinstance(v, Token) and v.line == line]

    def add(self, diagnostic: Diagnostic, offset: int) -> None:
        self.result.diagnostics.append(diagnostic)
        self.result.error_offsets.append(offset)
        if len(self.result.diagnostics) >= MAX_SYNTAX_ERRORS:
            raise _TooMany(self.result, diagnostic.span)

    def report(self, tok: Token) -> None:
        assert tok.start_pos is not None  # every token of lexer.py has its position
        self.add(self.syntax_errors.describe(self.lark, self.state, tok, self.path, self.text), tok.start_pos)

    def skip_from(self, tok: Token) -> None:
        """Discard the rest of `tok`'s line; a block opened on it is entered as its keyword's."""
        if tok.type == self.lbrace and self.enter_block(tok):
            self.recovering = False
            return
        self.recovering, self.skip_line, self.skip_depth = True, tok.line, int(tok.type == self.lbrace)

    def run(self) -> ParseResult:
        for tok in itertools.chain(self.pending, _tokens(self.interactive.lexer_thread, self.state, self.text)):
            if isinstance(tok, BadChar):
                self.bad_char(tok)
                continue
            if self.line_tokens and self.line_tokens[-1].line != tok.line:
                self.line_tokens.clear()
            self.line_tokens.append(tok)
            if self.recovering:
                self.resume(tok)
            elif not self.fed(tok):
                self.error_at(tok)
        self.close_at_end()
        return self.result

    def bad_char(self, tok: BadChar) -> None:
        rupees = self.syntax_errors.rupee_suffix(tok, self.path, self.text)
        if rupees is not None:  # `₹500/-`: reported; the amount before it stands
            self.result.diagnostics.append(rupees)
            return
        if not (self.recovering and self.skip_line == tok.line):
            self.add(self.syntax_errors.bad_character(tok, self.path, self.text), tok.pos)
        self.recovering, self.skip_line = True, tok.line

    def resume(self, tok: Token) -> None:
        """While recovering: skip the rest of the line, then go on where `tok` fits."""
        from lark.lexer import Token

        if self.skip_depth:
            self.skip_depth += {self.lbrace: 1, self.rbrace: -1}.get(tok.type, 0)
            return
        if tok.line == self.skip_line and tok.type != self.rbrace:
            if tok.type == self.lbrace and self.enter_block(tok):
                self.recovering = False
                return
            self.skip_depth += tok.type == self.lbrace
            return
        if tok.value in self.by_text and tok.type != self.by_text[tok.value]:
            # Lexed in the error's context, a keyword may have come out as a name.
            tok = Token.new_borrow_pos(self.by_text[tok.value], tok.value, tok)
        if tok.type not in self.names and tok.line != self.skip_line:
            # No keyword or punctuation starts this line: it starts no statement and continues
            # none. Take it in the block around the broken statement (`aset` is not an id there).
            _to_block_level(self.state, self.rbrace)
            if self.fed(tok) or self.misspelt_keyword(tok):
                self.recovering = False
                return
            self.report(tok)
            self.skip_line, self.skip_depth = tok.line, 0
            return
        if not _resync(self.state, tok):
            if tok.line != self.skip_line:
                # A mistake of its own on the next line: report it from the enclosing block.
                _to_block_level(self.state, self.rbrace)
                if self.misspelt_keyword(tok):
                    self.recovering = False
                    return
                self.report(tok)
            if tok.type == self.lbrace and self.enter_block(tok):
                self.recovering = False
                return
            self.skip_line, self.skip_depth = tok.line, int(tok.type == self.lbrace)
            return
        self.recovering = False

    def fed(self, tok: Token) -> bool:
        """`tok` fed to the parser; False when it does not fit (a syntax error)."""
        from lark.exceptions import UnexpectedToken

        if tok.type in self.state.parse_conf.parse_table.states[self.state.position]:
            try:
                self.state.feed_token(tok)
                return True
            except UnexpectedToken:
                pass
        return False

    def error_at(self, tok: Token) -> None:
        """A syntax error at `tok`: repaired (a missing `}` or `{`), or reported and skipped."""
        from lark.lexer import Token

        state, names, rbrace, lbrace = self.state, self.names, self.rbrace, self.lbrace
        if self.misspelt_keyword(tok) or self.currency_word(tok):
            return
        opened = _open_blocks(state, names) if names.get(tok.type) in BLOCK_KEYWORDS else []
        if opened:
            closer = Token.new_borrow_pos(rbrace, "}", tok)
            trial = [closer, tok]
            for _ in opened:
                if _try_feed(state, trial):
                    self.result.diagnostics.append(
                        self.syntax_errors.missing_close_brace(tok, opened[-1], self.path, names))
                    break
                trial.insert(0, closer)
            else:
                self.report(tok)
                self.skip_from(tok)
            return
        if lbrace in state.parse_conf.parse_table.states[state.position] and tok.type != lbrace:
            # `portfolio "p"` then statements: the `{` is missing; insert it and go on.
            diagnostic_state = state.copy(deepcopy_values=False)
            if _try_feed(state, [Token.new_borrow_pos(lbrace, "{", tok), tok]):
                self.result.diagnostics.append(
                    self.syntax_errors.describe(self.lark, diagnostic_state, tok, self.path, self.text))
                return
        self.report(tok)
        if tok.type == rbrace and _resync(state, tok):
            return
        self.skip_from(tok)

    def misspelt_keyword(self, tok: Token) -> bool:
        """`portfolo "Kapoor" {`: a word near one block keyword accepted here, on a line that
        opens a block, is reported and read as that keyword."""
        from lark.lexer import Token

        assert tok.start_pos is not None and tok.end_pos is not None  # every token of lexer.py has them
        line_end = self.text.find("\n", tok.end_pos)
        rest = self.text[tok.end_pos:line_end if line_end >= 0 else len(self.text)]
        if not tok.value[:1].isalpha() or "{" not in rest.split("#")[0]:
            return False
        table = self.state.parse_conf.parse_table.states[self.state.position]
        accepted = [self.names[t] for t in table if self.names.get(t) in BLOCK_KEYWORDS]
        keyword = headers.nearest_keyword(tok.value, accepted)
        if keyword is None or not self.fed(Token.new_borrow_pos(self.by_text[keyword], keyword, tok)):
            return False
        self.add(self.syntax_errors.misspelt_keyword(tok, keyword, self.path), tok.start_pos)
        return True

    def currency_word(self, tok: Token) -> bool:
        """`INR 1000` where an amount belongs: reported, and the amount read without it."""
        table = self.state.parse_conf.parse_table.states[self.state.position]
        if tok.value != "INR" or not ("MONEY" in table or "NUMBER" in table):
            return False
        self.result.diagnostics.append(self.syntax_errors.currency_word(tok, self.path, self.text))
        return True

    def enter_block(self, brace: Token) -> bool:
        """At the `{` of a header with a mistake in it: open the block its keyword names, fed
        again where a statement of the enclosing block starts. False when the line names none."""
        from lark.lexer import Token

        words = [t for t in self.line_tokens if t.line == brace.line and t is not brace]
        first = next((i for i, t in enumerate(words) if t.value in BLOCK_KEYWORDS - {"use", "override"}), None)
        if first is None:
            return False
        header = [Token.new_borrow_pos(self.by_text[t.value], t.value, t) for t in words[:first + 1]
                  if t.value in {"override", words[first].value}]  # `override` (if written) and the keyword
        lbrace = Token.new_borrow_pos(self.lbrace, "{", brace)
        state = self.state.copy(deepcopy_values=False)
        while True:
            trial = headers.feed_all(state, header)
            path = headers.header_path(trial, self.lbrace, self.names, brace) if trial is not None else None
            opened = headers.feed_all(trial, path + [lbrace]) if trial is not None and path is not None else None
            if opened is not None:
                self.state.state_stack[:] = opened.state_stack
                self.state.value_stack[:] = opened.value_stack
                return True
            if len(state.state_stack) == 1:
                return False
            state.state_stack.pop()
            state.value_stack.pop()

    def close_at_end(self) -> None:
        """End of file: close what is open, reporting it once."""
        from lark.exceptions import UnexpectedToken
        from lark.lexer import Token

        state, text = self.state, self.text
        line, column = _last_content_line(text)
        end_span = Span(self.path, line, max(1, column), line, max(1, column) + 1)
        eof = Token("$END", "", len(text), line, column + 1, line, column + 1, len(text))
        reported_eof = False
        for _ in range(64):
            try:
                self.result.tree = state.feed_token(eof, True)
                break
            except UnexpectedToken:
                opened = _open_blocks(state, self.names)
                if not reported_eof and (opened or not self.recovering):
                    reported_eof = True
                    self.result.diagnostics.append(
                        self.syntax_errors.unexpected_eof(self.lark, state, end_span, opened, self.names))
                    self.result.error_offsets.append(len(text))
                if opened:
                    closer = Token(self.rbrace, "}", len(text), line, column + 1, line, column + 1, len(text))
                    if _resync(state, closer):
                        continue
                # Mid-statement at top level: drop the partial statement.
                while len(state.state_stack) > 1:
                    state.state_stack.pop()
                    state.value_stack.pop()
                    if "$END" in state.parse_conf.parse_table.states[state.position]:
                        break
