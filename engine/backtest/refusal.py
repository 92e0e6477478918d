"""Why a backtest cannot run. The backtest sits below the API (docs/architecture.md: after the
harvest, before the reports), so it raises its own exception, as the harvest raises SolverStopped;
the caller above (engine/api.py) gives it as `Refused` with the same message, code and diagnostics."""

from __future__ import annotations

from collections.abc import Sequence

from engine.diagnostics import Diagnostic


class BacktestRefused(Exception):
    """A `message` with its `code` (docs/diagnostics.md), or the engine's `diagnostics` (errors
    the tax engine or the valuation found: a sale no rule of the law covers, a missing price)."""

    def __init__(self, message: str | None = None, diagnostics: Sequence[Diagnostic] = (), *,
                 code: str | None = None):
        super().__init__(message or "; ".join(d.message for d in diagnostics))
        self.message = message
        self.diagnostics = tuple(diagnostics)
        self.code = code

    def __reduce__(self) -> tuple[type[BacktestRefused], tuple[str | None, tuple[Diagnostic, ...]], dict[str, object]]:
        """Pickled whole (a Monte Carlo worker's refusal reaches the caller with its code and diagnostics)."""
        return (BacktestRefused, (self.message, self.diagnostics), {"code": self.code})
