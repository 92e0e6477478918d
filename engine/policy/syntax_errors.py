"""Friendly syntax errors: a labelled catalogue of typical mistakes, matched by example.

Each class of mistake has a code, a message, a hint and a few small example files
that make the mistake. The examples are parsed once; the parser state and token
kind at which each fails identify the class (the idea of Lark's `match_examples`).
An error that matches no example falls back to rules on the expected tokens, and
finally to "unexpected X; expected Y". Messages never show Lark's token names.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from collections.abc import Collection
from typing import TYPE_CHECKING, Callable

from engine.diagnostics import Diagnostic, Fix, Span, error
from engine.policy.grammar import BadChar, terminal_names, token_span

if TYPE_CHECKING:
    from lark import Lark, Token
    from lark.parsers.lalr_parser_state import ParserState

    State = ParserState[int]  # an LALR parser's state


@dataclass(frozen=True)
class MistakeClass:
    code: str
    label: str
    examples: tuple[str, ...]


# The catalogue. Examples are whole (tiny) files; each must fail at the mistake.
CATALOGUE: tuple[MistakeClass, ...] = (
    MistakeClass("P110", "missing-percent", (
        'harvest { value future tax at 7 a year over 10 years }',
        'harvest { expect growth of 7 a year }',
        'portfolio { asset "A" 40 }',
        'portfolio { asset "A" 40% band 5 }',
        'portfolio { investor a "A" slab 30 }',
        'sell { start above 10 }',
        'sell { stop at or below 5 }',
        'sell { sell 1 of portfolio per month }',
        'tax { cess 4 }',
        'tax { class e { sold before 2024-07-23: short 15 } }',
        'tax { class e { sold before 2024-07-23: long 10 } }',
        'rebalance { due when drift exceeds 5 }',
        'harvest { harvest when an asset is 10 below its high of the last 12 months }',
    )),
    MistakeClass("P104", "missing-open-brace", (
        'portfolio "p" investor a "A"',
        'portfolio investor a "A"',
        'sell start above 10%',
        'buy monthly only underweight assets, in proportion to drift',
        'harvest at year end realise gains up to the exemption',
        'tax "India" year starts April 1',
        'tax { class equity long-term after 12 months }',
    )),
    MistakeClass("P105", "unquoted-name", (
        'portfolio { asset Nifty 40% }',
        'portfolio { asset N 40% }',
        'portfolio { fund INF789F01XA0 UTI holds "A" }',
        'portfolio { fund INF789F01XA0 "U" holds Nifty }',
        'use india',
        'report { adviser Priya }',
        'report { disclaimer Not advice }',
    )),
    MistakeClass("P106", "missing-colon", (
        'tax { class e { sold before 2024-07-23 short 15% } }',
        'tax { class e { bought from 2023-04-01 always short-term } }',
        'tax { class e { sold from 2024-07-23 long 12.5% } }',
    )),
    MistakeClass("P107", "date-format", (
        'tax { class e { sold before 23-07-2024: short 15% } }',
        'tax { class e { grandfather cost at 31-01-2018 } }',
    )),
    MistakeClass("P108", "fy-format", (
        'tax { class e { exemption Rs 1,25,000 from 2024-25 } }',
        'tax { class e { exemption Rs 1,25,000 for 2024 } }',
    )),
    MistakeClass("P109", "lowercase-security", (
        'portfolio { fund inf789f01xa0 "U" holds "A" }',
        'portfolio { stock reliance "R" holds "A" }',
        'report { adviser "P" registration ina000012345 }',
    )),
    MistakeClass("P120", "investor-id-missing", (
        'portfolio { investor "Asha Sharma" }',
    )),
    MistakeClass("P121", "percent-for-amount", (
        'harvest { harvest losses larger than 5% }',
        'harvest { realise gains up to the exemption, keep 1% margin }',
        'harvest { allow short-term gains up to 2% }',
        'harvest { harvest when unrealised long-term losses exceed 5% }',
    )),
    MistakeClass("P131", "rate-per-year", (
        'harvest { value future tax at 7% over 10 years }',
        'harvest { value future tax at 7% per year over 10 years }',
        'harvest { value future tax at 7% a year for 10 years }',
        'harvest { value future tax at 7% a year over 10 }',
        'harvest { expect growth of 7% }',
        'harvest { expect growth of 7% per year }',
    )),
    MistakeClass("P124", "proceeds-wording", (
        'harvest { reallocate the proceeds by the buying rule }',
        'harvest { reallocate proceeds using the buying rule }',
        'harvest { reallocate proceeds }',
        'harvest { reallocate proceeds by buying rule }',
        'harvest { reallocate proceeds by the buy rule }',
        'harvest { reallocate proceeds by the buying rules }',
        'harvest { rebuy same funds }',
        'harvest { rebuy the funds }',
        'harvest { rebuy the same fund }',
    )),
    MistakeClass("P132", "savings-horizon", (
        'harvest { value expense savings over 5 }',
        'harvest { value expense savings for 5 years }',
        'harvest { value expense savings of 5 years }',
        'harvest { value expense savings over 5 yrs }',
    )),
    MistakeClass("P138", "registration-wording", (
        'report { adviser "P" INA000012345 }',
        'report { adviser "P" registration "INA000012345" }',
        'report { adviser "P" registration: INA000012345 }',
        'report { adviser "P" sebi registration INA000012345 }',
    )),
)
# Words a user may write for reallocating the harvest's money, where a statement starts.
_PROCEEDS_WORDS = {"reinvest", "redeploy", "allocate", "invest", "reinvestment", "reallocation"}

# Human names for the regex terminals (keywords and punctuation are shown as typed).
_TERMINAL_WORDS = {
    "STRING": 'a quoted name like "Nifty 50"',
    "PERCENT": "a percentage like 40%",
    "MONEY": "an amount like Rs 1,25,000",
    "NUMBER": "a number",
    "DATE": "a date like 2024-07-23",
    "FY": "a financial year like FY 2025-26",
    "NAME": "a lower-case name like asha",
    "SECID": "an ISIN or exchange symbol like INF789F01XA0",
    "DURATION_UNIT": "days, months or years",
    "MONTH": "a month like April",
    "$END": "the end of the file",
}
_WORDLIKE = {"NAME", "SECID", "MONTH", "DURATION_UNIT", "WORD"}


def _category(token_type: str, keywords: dict[str, str]) -> str:
    if token_type in {"NUMBER", "MONEY"}:
        return "number"
    if token_type in _WORDLIKE or (token_type in keywords and keywords[token_type][:1].isalpha()):
        return "word"
    return token_type


@lru_cache(maxsize=2)
def _example_index(lark: Lark) -> dict[tuple[int, str], MistakeClass]:
    """(parser state, token category) -> mistake class, from the catalogue's examples."""
    from lark.exceptions import UnexpectedToken

    keywords = terminal_names(lark)
    index: dict[tuple[int, str], MistakeClass] = {}
    for mistake in CATALOGUE:
        for example in mistake.examples:
            try:
                lark.parse(example)
            except UnexpectedToken as e:
                index.setdefault((e.state.position, _category(e.token.type, keywords)), mistake)
            except Exception:  # noqa: BLE001 - an example that fails otherwise teaches nothing
                continue
    return index


def classify(lark: Lark, parser_state: State, token: Token) -> MistakeClass | None:
    keywords = terminal_names(lark)
    return _example_index(lark).get((parser_state.position, _category(token.type, keywords)))


def describe_token(token: Token, keywords: dict[str, str]) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type in keywords:
        return f"`{keywords[token.type]}`"
    if token.type == "STRING":
        return str(token.value)
    if token.type == "NUMBER":
        return f"the number `{token.value}`"
    return f"`{token.value}`"


def expected_words(lark: Lark, parser_state: State, limit: int = 8) -> list[str]:
    keywords = terminal_names(lark)
    table = parser_state.parse_conf.parse_table.states[parser_state.position]
    terminals = [t for t in table if t.isupper() or t == "$END"]
    words = sorted(f"`{keywords[t]}`" for t in terminals if t in keywords)
    if "MONEY" in terminals and "NUMBER" in terminals:
        terminals = [t for t in terminals if t != "NUMBER"]
    words += sorted(_TERMINAL_WORDS[t] for t in terminals if t in _TERMINAL_WORDS)
    if len(words) > limit:
        words = words[:limit] + ["..."]
    return words


def _did_you_mean(value: str, lark: Lark, parser_state: State) -> str | None:
    keywords = terminal_names(lark)
    table = parser_state.parse_conf.parse_table.states[parser_state.position]
    candidates = [keywords[t] for t in table if t in keywords and keywords[t][:1].isalpha()]
    match = difflib.get_close_matches(value.lower(), candidates, n=1, cutoff=0.6)
    return match[0] if match else None


def describe(lark: Lark, parser_state: State, token: Token, path: str, text: str) -> Diagnostic:
    """The diagnostic for an unexpected `token` in `parser_state`."""
    keywords = terminal_names(lark)
    span = token_span(path, token)
    got = describe_token(token, keywords)
    expected = expected_words(lark, parser_state)
    table = parser_state.parse_conf.parse_table.states[parser_state.position]
    if token.type == "BADLITERAL":
        return error("P116", f"`{token.value}` is not a valid number, amount, percentage or date", span,
                     "amounts are like Rs 1,25,000, 1.25L, 1.25 lakh, 2 crore or 50k; "
                     "percentages like 12.5%; durations like 12 months, with a space")
    if (token.type == "WORD" or (token.type == "SECID" and token.value.isalpha())) and "NAME" in table \
            and "SECID" not in table:
        lower = token.value.lower()
        return error("P123", f"`{token.value}`: ids and class names are written in lower case", span,
                     f"write {lower}" + ("" if "SECID" not in table else
                                         f" (or {token.value.upper()} for an ISIN or symbol)"))
    if token.value.lower() in _PROCEEDS_WORDS and "reallocate" in (keywords.get(t) for t in table):
        return _proceeds_wording(token, span, got, text, lark, parser_state)
    mistake = classify(lark, parser_state, token)
    label = mistake.label if mistake else _fallback_label(token, table, keywords)
    handler = _HANDLERS.get(label) if label is not None else None
    if handler:
        return handler(token, span, got, text, lark, parser_state)
    message = f"unexpected `{token.value}`" if token.type == "NUMBER" else f"unexpected {got}"
    hint = f"expected {_join(expected)}" if expected else None
    if token.type in _WORDLIKE or (token.type in keywords and keywords[token.type][:1].isalpha()):
        suggestion = _did_you_mean(token.value, lark, parser_state)
        if suggestion and suggestion != token.value:
            return error("P111", f"unknown word `{token.value}` here", span,
                         f"did you mean `{suggestion}`? (expected {_join(expected)})")
    return error("P101", message, span, hint)


def _fallback_label(token: Token, table: Collection[str], keywords: dict[str, str]) -> str | None:
    """Rules on the expected set, for states the catalogue has no example of."""
    if token.type == "NUMBER" and "PERCENT" in table:
        return "missing-percent"
    if token.type in _WORDLIKE | {"SECID"} and "STRING" in table and len([t for t in table if t.isupper()]) <= 2:
        return "unquoted-name"
    if token.type == "NAME" and "SECID" in table:
        return "lowercase-security"
    if token.type == "PERCENT" and "PERCENT" not in table and ("MONEY" in table or "NUMBER" in table):
        return "percent-for-amount"
    if token.type in {"NUMBER", "DATE"} and "FY" in table:
        return "fy-format"
    if token.type == "NUMBER" and "DATE" in table:
        return "date-format"
    return None


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


# The words before a percentage that is usually under 1% (an expense ratio, an exit load's step, a
# charge, a cost limit): there `0.2` is far more likely 0.2% than a share written as a fraction.
_SMALL_PERCENT_AFTER = re.compile(r"(ratio|load|,|stt|duty|exceed)\s*$")


def _missing_percent(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    start = getattr(token, "start_pos", None) or 0
    before = text[text.rfind("\n", 0, start) + 1: start].lower()
    written = _as_percent(token.value, small=bool(_SMALL_PERCENT_AFTER.search(before)))
    found = error("P110", f"{got} needs a percent sign here", span, f"write {written}")
    first = written.split(" ", 1)[0]  # `60%` of `60% (0.6 as a fraction) or 0.6%`: the editor's quick fix
    return replace(found, fix=Fix(f"write {first}", span, first)) if first != written else found


def _as_percent(number: str, small: bool = False) -> str:
    """`40` -> `40%`; a fraction below 1 may be a share written as a fraction: `0.6` -> `60% (0.6 as
    a fraction) or 0.6%`, the share first; where a percentage is usually under 1% (`small`: an expense
    ratio, a charge), `0.2` -> `0.2% (or 20% if 0.2 is a fraction)`, the small one first."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return f"{number}%"
    if not 0 < value < 1:
        return f"{number}%"
    share = format((value * 100).normalize(), "f")
    if small:
        return f"{number}% (or {share}% if {number} is a fraction)"
    return f"{share}% ({number} as a fraction) or {number}%"


def _missing_open_brace(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P104", f"expected `{{` before {got}", span,
                 "a block's statements go between braces: portfolio \"Name\" { ... }")


def _unquoted_name(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P105", f"expected a name in double quotes, found {got}", span,
                 'names are quoted: asset "Nifty 50" 40%, holds "Nifty 50", use "india"')


def _missing_colon(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P106", f"expected `:` before {got}", span,
                 "a dated rule puts `:` between its dates and its settings: sold from 2024-07-23: short 20%")


def _date_format(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P107", f"expected a date, found {got}", span, "write dates as YYYY-MM-DD, e.g. 2024-07-23")


def _fy_format(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P108", f"expected a financial year, found {got}", span, "write financial years as FY 2024-25")


def _lowercase_security(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P109", f"expected an ISIN or exchange symbol, found {got}", span,
                 f"ISINs and symbols are written in capitals: {token.value.upper()}")


def _investor_id_missing(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    name = token.value.strip('"')
    short = "".join(ch for ch in (name.split() or ["id"])[0].lower() if ch.isalnum()) or "id"
    return error("P120", "an investor needs a short id before the name", span,
                 f'write investor {short} {token.value}')


def _percent_for_amount(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P121", f"expected an amount in rupees or a number, found {got}", span,
                 "write an amount like Rs 5,000 or 1.25 lakh")


def _rate_per_year(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P131", f"unexpected {got}: a yearly rate and a horizon are written `7% a year over 10 years`", span,
                 "write value future tax at 7% a year over 10 years, or expect growth of 7% a year")


def _proceeds_wording(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P124", f"unexpected {got} in the statement of what the harvest's money buys", span,
                 "write `reallocate proceeds by the buying rule` (the underweight assets, by the buying rule) or "
                 "`rebuy the same funds` (the default)")


def _savings_horizon(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P132", f"unexpected {got}: expense savings are valued over a number of years", span,
                 "write value expense savings over 5 years")


def _registration_wording(token: Token, span: Span, got: str, text: str, lark: Lark, state: State) -> Diagnostic:
    return error("P138", f"unexpected {got}: an adviser's SEBI registration is written after the word "
                 "`registration`, unquoted", span, 'write adviser "Priya Mehta" registration INA000012345')


_HANDLERS: dict[str, Callable[..., Diagnostic]] = {
    "missing-percent": _missing_percent,
    "missing-open-brace": _missing_open_brace,
    "unquoted-name": _unquoted_name,
    "missing-colon": _missing_colon,
    "date-format": _date_format,
    "fy-format": _fy_format,
    "lowercase-security": _lowercase_security,
    "investor-id-missing": _investor_id_missing,
    "percent-for-amount": _percent_for_amount,
    "rate-per-year": _rate_per_year,
    "proceeds-wording": _proceeds_wording,
    "savings-horizon": _savings_horizon,
    "registration-wording": _registration_wording,
}


_AMOUNT_BEFORE = re.compile(r"(₹|Rs\.?|INR)?[ \t]*(\d[\d,]*(?:\.\d+)?)[ \t]*$")
_AMOUNT_AFTER = re.compile(r"[ \t]*(\d[\d,]*(?:\.\d+)?)")


def rupee_suffix(bad: BadChar, path: str, text: str) -> Diagnostic | None:
    """`₹500/-`, as rupees are written on cheques: P181 (not a stray `/`), the amount shown plain."""
    if bad.char != "/-":
        return None
    amount = _AMOUNT_BEFORE.search(text, max(0, bad.pos - 40), bad.pos)
    if amount is None:
        return None
    span = Span(path, bad.line, bad.column, bad.line, bad.column + 2)
    return replace(error("P181", "`/-` after an amount", span, f"write amounts without /-: {amount.group(0).strip()}"),
                   fix=Fix("remove /-", span, ""))


def currency_word(token: Token, path: str, text: str) -> Diagnostic:
    """`INR 1000` where an amount belongs: P181, the amount shown plain."""
    assert token.end_pos is not None  # every token of lexer.py has its position
    amount = _AMOUNT_AFTER.match(text, token.end_pos)
    plain = amount.group(1) if amount else "1,000"
    span = token_span(path, token)
    found = error("P181", f"`{token.value}` before an amount", span,
                  f"write amounts without {token.value}: {plain} (or Rs {plain})")
    if amount is None:
        return found
    upto = Span(path, span.line, span.column, span.line, span.end_column + amount.start(1) - token.end_pos)
    return replace(found, fix=Fix(f"remove {token.value}", upto, ""))


def bad_character(bad: BadChar, path: str, text: str) -> Diagnostic:
    span = Span(path, bad.line, bad.column, bad.line, bad.column + len(bad.char))
    if bad.char == "/-":  # not after an amount (rupee_suffix takes those)
        return error("P181", "`/-` where no amount comes before it", span,
                     "amounts are written without /-, as 500 or Rs 500; remove it")
    if bad.char == "₹":
        return error("P181", "`₹` with no amount after it", span, "write the amount right after it, as ₹500 or Rs 500")
    if bad.char == '"':
        return error("P119", "this quoted name is not closed on its line", span, 'end it with `"` on the same line')
    if bad.char == "%":
        return error("P110", "a percent sign must follow its number directly", span, "write 40% (no space)")
    shown = bad.char if bad.char.isprintable() else repr(bad.char)
    return error("P102", f"unexpected character `{shown}`", span,
                 "comments start with #; names go in double quotes")


def misspelt_keyword(token: Token, keyword: str, path: str) -> Diagnostic:
    return error("P111", f"unknown word `{token.value}` here", token_span(path, token),
                 f"did you mean `{keyword}`? (the block is checked as a `{keyword}` block)")


def missing_close_brace(token: Token, opened: tuple[str, Token], path: str, names: dict[str, str]) -> Diagnostic:
    keyword, keyword_token = opened
    span = token_span(path, token)
    return error(
        "P103",
        f"`{names.get(token.type, token.value)}` cannot appear inside the `{keyword}` block",
        span,
        f"is a `}}` missing before it? The `{keyword}` block opened on line {keyword_token.line}",
        notes=(("the block opened here", token_span(path, keyword_token)),),
    )


def unexpected_eof(lark: Lark, state: State, end_span: Span, opened: list[tuple[str, Token]],
                   names: dict[str, str]) -> Diagnostic:
    if opened:
        keyword, keyword_token = opened[-1]
        return error(
            "P103",
            f"unexpected end of file: the `{keyword}` block opened on line {keyword_token.line} is not closed",
            end_span,
            "add `}` where the block ends",
            notes=(("the block opened here", token_span(end_span.path, keyword_token)),),
        )
    expected = expected_words(lark, state)
    return error("P101", "unexpected end of file", end_span,
                 f"expected {_join(expected)}" if expected else None)
