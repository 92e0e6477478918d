"""Backtests: a policy replayed over history or generated scenarios against other ways of rebalancing (issue 15)."""
