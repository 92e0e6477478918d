"""The parts of a policy that the tax, plans and harvest stages need, present.

`Policy.tax` and `Policy.portfolio` are optional in the model (`lotwise check` reads a policy
without them), but nothing below the loader runs without both: `engine/inputs.py` refuses a plan
without them (T101) and `realise` says so itself. These give the stages the law, the portfolio and a
held security typed as present, and fail loudly if a caller broke that rule.
"""

from __future__ import annotations

from engine.policy.model import Policy, Portfolio, Security, TaxLaw


class IncompletePolicy(ValueError):
    """A stage was called with a policy that lacks what it needs (a caller's mistake)."""


def law_of(policy: Policy) -> TaxLaw:
    if policy.tax is None:
        raise IncompletePolicy("the policy has no tax law (T101: `use \"india\"`)")
    return policy.tax


def portfolio_of(policy: Policy) -> Portfolio:
    if policy.portfolio is None:
        raise IncompletePolicy("the policy has no portfolio (T101)")
    return policy.portfolio


def security_of(policy: Policy, ident: str) -> Security:
    """A security the book holds and the policy declares: holdings are valued only for the
    policy's securities (value_lots reports the others, T102), so the planners always find it."""
    security = portfolio_of(policy).security(ident)
    if security is None:
        raise IncompletePolicy(f"{ident} is not in the policy's portfolio (T102)")
    return security
