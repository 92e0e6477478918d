"""The one JSON encoder of every `--json` output (docs/json.md); what the book stores as JSON (the
kept ledger's rows, a saved plan's compact body and its hashes) has its own fixed encodings in
engine/book and engine/harvest/year_end.py, because fingerprints and plan ids hash them. Here:
two-space indents; a Decimal as its exact text (money is never a float), a
date as YYYY-MM-DD, an enum as its value (a StrEnum is its string), a dataclass as its fields,
a tuple or a set as a list. `ascii=False` keeps names and texts outside ASCII as they are (the
outputs that carry the user's text: the doctor's report, a saved plan's policy, `why`)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any


def encode(value: Any) -> Any:
    """What json cannot encode itself, as JSON data (json.dumps's `default`)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Fraction):
        from engine.plans.drift import as_decimal

        return str(as_decimal(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_json = getattr(value, "to_json", None)
        return to_json() if callable(to_json) else dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def dumps(data: Any, *, ascii: bool = True) -> str:
    """`data` as lotwise prints JSON (without the final new line)."""
    return json.dumps(data, indent=2, ensure_ascii=ascii, default=encode)
