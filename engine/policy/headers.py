"""Block headers during error recovery (parser.Recovery): the block of a header with a mistake in
it is still read as that block, so the errors in its body are found in the same run.

  - a misspelt block keyword (`portfolo "Kapoor" {`), within edit distance 2 of exactly one
    keyword the parser accepts there, is read as that keyword (`nearest_keyword`);
  - any other mistake in a header (`portfolio Kapoor {`, `harvest at yearend {`, `buy {`) is
    reported, and at its `{` the block is opened as the header's keyword would open it: the
    keyword fed again where a statement of the enclosing block starts, then the fewest tokens
    that reach a `{` (`header_path`: none for `portfolio`, `monthly` for `buy`, a name for
    `class`), then the `{`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lark.lexer import Token
    from lark.parsers.lalr_parser_state import ParserState

    State = ParserState[int]

MAX_DISTANCE = 2  # `portfolo`, `portflio`, `protfolio`: a typo, not another word
MAX_PATH = 3  # header tokens between a keyword and its `{`: `cost inflation index`

# Stand-ins for the regex terminals a header may need before its `{` (only ever in a block
# whose header is reported: the policy is not resolved, the stand-in is never read as a value).
STAND_INS = {"STRING": '"?"', "NAME": "x", "SECID": "X", "PERCENT": "0%", "NUMBER": "0", "MONEY": "0",
             "DATE": "2000-01-01", "FY": "FY 2000-01", "MONTH": "April", "DURATION_UNIT": "days"}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def nearest_keyword(word: str, keywords: list[str]) -> str | None:
    """The one keyword among `keywords` within MAX_DISTANCE of `word` and nearer than any other;
    None when none is, or two are as near."""
    word = word.lower()
    if len(word) < 3 or word in keywords:
        return None
    scored = sorted((edit_distance(word, k), k) for k in keywords)
    scored = [(d, k) for d, k in scored if d <= MAX_DISTANCE and d < len(k) // 2 + 1]
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def feed_all(state: State, tokens: list[Token]) -> State | None:
    """A copy of `state` with `tokens` fed, or None when one does not fit."""
    from lark.exceptions import UnexpectedToken

    trial = state.copy(deepcopy_values=False)
    try:
        for tok in tokens:
            trial.feed_token(tok)
    except UnexpectedToken:
        return None
    return trial


def header_path(state: State, target: str, literals: dict[str, str], at: Token) -> list[Token] | None:
    """The fewest tokens (at most MAX_PATH) after which `state` accepts `target`, positioned at
    `at`; None when there are none. Breadth first, terminals in name order: deterministic."""
    from lark.lexer import Token

    queue: deque[tuple[State, list[Token]]] = deque([(state, [])])
    while queue:
        current, path = queue.popleft()
        table = current.parse_conf.parse_table.states[current.position]
        if target in table:
            return path
        if len(path) == MAX_PATH:
            continue
        for terminal in sorted(table):
            value = literals.get(terminal, STAND_INS.get(terminal))
            if value is None or terminal == "$END":
                continue
            tok = Token.new_borrow_pos(terminal, value, at)
            fed = feed_all(current, [tok])
            if fed is not None:
                queue.append((fed, path + [tok]))
    return None
