"""Equality, hash and repr of the policy's frozen dataclasses (the AST's nodes, the resolved
model's records), defined once here as `dataclass` would generate them for each class: over
the fields that compare, in order, and the fields that show. Generating them for every class
(a dataclass execs generated source per method) was a fifth of `lotwise check`'s start-up."""

from __future__ import annotations

from dataclasses import Field, fields
from typing import Any

_FIELDS: dict[type, tuple[Field[Any], ...]] = {}


def fields_of(cls: type) -> tuple[Field[Any], ...]:
    """`dataclasses.fields(cls)`, remembered."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = fields(cls)
    return found


def _compared(record: object) -> tuple[object, ...]:
    return tuple(getattr(record, f.name) for f in fields_of(type(record)) if f.compare)


class Record:
    """A frozen dataclass's `__eq__`, `__hash__` and `__repr__` (the dataclass is declared with
    `eq=False, repr=False`, so it keeps these)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _compared(self) == _compared(other)

    def __hash__(self) -> int:
        return hash(_compared(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields_of(type(self)) if f.repr)
        return f"{type(self).__qualname__}({shown})"
