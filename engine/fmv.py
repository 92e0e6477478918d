"""Fair market values on 31-01-2018 for grandfathering (s.55(2)(ac)), each with where it came
from: the book (an imported `security,fmv` CSV) or, for funds the book lacks, casparser-isin's
offline table when that optional package is installed.

The table is a read-only mapping of security -> value, so the tax engine reads it as it reads
any mapping; a saved plan hashes and reports each value with its source (engine/book/saved_plans.py),
so that the same plan id never names two plans (one with casparser-isin installed, one without).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import Enum


class FmvSource(str, Enum):
    BOOK = "book"  # imported with `lotwise import` (a security,fmv CSV)
    CASPARSER_ISIN = "casparser-isin"  # the optional package's NAVs on 31-01-2018


class FmvTable(Mapping[str, Decimal]):
    """Security -> FMV per unit on 31-01-2018, and where each value came from."""

    __slots__ = ("_values", "_sources", "_files")

    def __init__(self, values: Mapping[str, tuple[Decimal, FmvSource, str]]):
        """`values`: security -> (value, source, detail: the file it was imported from, or the
        package and version)."""
        self._values = {security: value for security, (value, _, _) in values.items()}
        self._sources = {security: source for security, (_, source, _) in values.items()}
        self._files = {security: detail for security, (_, _, detail) in values.items()}

    def __getitem__(self, security: str) -> Decimal:
        return self._values[security]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def source(self, security: str) -> FmvSource:
        return self._sources[security]

    def described(self, security: str) -> str:
        """Where the value came from, for a person: `the book (fmv.csv)`, `casparser-isin 2024.12.5`."""
        source = self._sources[security]
        detail = self._files[security]
        return f"the book ({detail})" if source is FmvSource.BOOK else f"{source.value} {detail}".strip()

    def rows(self) -> list[tuple[str, Decimal, FmvSource]]:
        """(security, value, source), by security: what a plan's id hashes (the source's kind,
        not the file's name, so that the same FMVs imported from another path hash the same)."""
        return [(security, self._values[security], self._sources[security]) for security in sorted(self._values)]
