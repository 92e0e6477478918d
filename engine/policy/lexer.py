"""A contextual lexer for the policy grammar, plugged into Lark's LALR parser.

Lark's own contextual lexer compiles one combined regex per parser state on first
use: about 140 states, 1 ms each, paid by every command that reads india.rules.
This one compiles each terminal once and decides by the parser's state, which it
is given for every token:

  - a word is read whole (`fundamental` is never `fund` + `amental`); it is the
    keyword it spells if the state accepts that keyword, else a month, a duration
    unit, a name or an ISIN/symbol as the state accepts, and failing all of these
    the keyword or name it spells, for the parser to report;
  - a number-like run is a date, a financial year, a percentage, an amount or a
    plain number, whichever matches first in that order, whatever the state, so
    that `5%` where an amount belongs is reported as `5%`; one running into letters
    (`5 LAKH`, `12months`) is a BADLITERAL, and a word no terminal takes (`Asha`)
    a WORD: the parser rejects both and syntax_errors says why;
  - `{ } , :` are punctuation; `"` starts a quoted name; `#` a comment.
"""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters
from collections.abc import Collection, Iterator
from typing import Any

from lark.common import LexerConf
from lark.lexer import LexerState, LineCounter, Lexer, PatternStr, Token

_SKIP = re.compile(r"(?:[ \t\f\r\n]+|#[^\n]*)+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
_NUMBER_LIKE = ("DATE", "FY", "PERCENT", "MONEY", "NUMBER")
_BAD_LITERAL = re.compile(r"(?:Rs\.?|₹|FY)?[ \t]*[0-9][0-9,.%-]*[ \t]*[A-Za-z0-9_]*")


class PolicyLexer(Lexer):
    __future_interface__ = 2

    def __init__(self, conf: LexerConf) -> None:
        self.strings: dict[str, str] = {}
        self.regex: dict[str, re.Pattern[str]] = {}
        for terminal in conf.terminals:
            if isinstance(terminal.pattern, PatternStr):
                self.strings[terminal.pattern.value] = terminal.name
            else:
                self.regex[terminal.name] = re.compile(terminal.pattern.to_regexp(), conf.g_regex_flags | re.ASCII)
        self.months = {m: "MONTH" for m in ("January", "February", "March", "April", "May", "June", "July",
                                            "August", "September", "October", "November", "December")}
        self.units = {u: "DURATION_UNIT" for u in ("day", "days", "month", "months", "year", "years")}
        self.number_like = [(name, self.regex[name]) for name in _NUMBER_LIKE]

    def _word(self, text: str, pos: int, accepts: Collection[str]) -> tuple[str, str] | None:
        match = _WORD.match(text, pos)
        assert match is not None  # called only where a letter or `_` starts a word
        word = match.group()
        keyword = self.strings.get(word)
        if keyword is not None and keyword in accepts:
            return keyword, word
        if word in self.months and "MONTH" in accepts:
            return "MONTH", word
        if word in self.units and "DURATION_UNIT" in accepts:
            return "DURATION_UNIT", word
        if "NAME" in accepts and self.regex["NAME"].fullmatch(word):
            return "NAME", word
        if "SECID" in accepts:
            secid = self.regex["SECID"].match(text, pos)
            if secid and len(secid.group()) >= len(word):
                return "SECID", secid.group()
        # Nothing here takes this word: hand the parser what it spells, to report.
        if keyword is not None:
            return keyword, word
        if word in self.months:
            return "MONTH", word
        if word in self.units:
            return "DURATION_UNIT", word
        if self.regex["NAME"].fullmatch(word):
            return "NAME", word
        secid = self.regex["SECID"].match(text, pos)
        if secid and len(secid.group()) >= len(word):
            return "SECID", secid.group()
        return "WORD", word  # e.g. `Asha`: no terminal takes it; syntax_errors explains

    def _number(self, text: str, pos: int, accepts: Collection[str]) -> tuple[str, str] | None:
        if "SECID" in accepts and not any(n in accepts for n in _NUMBER_LIKE):
            secid = self.regex["SECID"].match(text, pos)  # a symbol like 3MINDIA
            if secid:
                return "SECID", secid.group()
        for name, regex in self.number_like:
            match = regex.match(text, pos)
            if match:
                after = match.end()
                if after < len(text) and text[after].isascii() and (text[after].isalnum() or text[after] == "_"):
                    # `5 LAKH`, `40percent`, `12months`: not a literal; report it whole.
                    bad = _BAD_LITERAL.match(text, pos)
                    assert bad is not None  # it matches wherever a number-like literal does
                    return "BADLITERAL", bad.group()
                return name, match.group()
        return None

    def lex(self, state: LexerState, parser_state: Any) -> Iterator[Token]:  # Any: Lark's own signature
        line_ctr = state.line_ctr
        slice_ = state.text
        text, end = slice_.text, slice_.end
        table = parser_state.parse_conf.parse_table.states
        while True:
            pos = line_ctr.char_pos
            skipped = _SKIP.match(text, pos)
            if skipped:
                _advance(line_ctr, skipped.group())
                pos = line_ctr.char_pos
            if pos >= end:
                return
            accepts = table[parser_state.position]
            char = text[pos]
            found = None
            if char == '"':
                match = self.regex["STRING"].match(text, pos)
                found = ("STRING", match.group()) if match else None
            elif char in "{},:":
                found = (self.strings[char], char)
            elif char in "0123456789₹" or (char in "RF" and text.startswith(("Rs", "FY"), pos)):
                found = self._number(text, pos, accepts)
                if found is None and char.isalpha():
                    found = self._word(text, pos, accepts)
            elif char.isascii() and (char.isalpha() or char == "_"):
                found = self._word(text, pos, accepts)
            if found is None:
                raise UnexpectedCharacters(  # type: ignore[no-untyped-call]  # lark's exceptions are untyped
                    text, pos, line_ctr.line, line_ctr.column,
                    state=parser_state, token_history=state.last_token and [state.last_token])
            kind, value = found
            token = Token(kind, value, pos, line_ctr.line, line_ctr.column)
            _advance(line_ctr, value)
            token.end_line, token.end_column, token.end_pos = line_ctr.line, line_ctr.column, line_ctr.char_pos
            state.last_token = token
            yield token


def _advance(line_ctr: LineCounter, value: str) -> None:
    """Lark's LineCounter.feed, inlined for the common case of no newline."""
    newlines = value.count("\n")
    if newlines:
        line_ctr.line += newlines
        line_ctr.line_start_pos = line_ctr.char_pos + value.rindex("\n") + 1
    line_ctr.char_pos += len(value)
    line_ctr.column = line_ctr.char_pos - line_ctr.line_start_pos + 1
