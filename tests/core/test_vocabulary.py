"""The domain vocabulary (engine/vocabulary.py) and the complete planning policy (issue 13,
items 2 and 3): the enums are their strings, a rate resolves in one place, and a policy
that states no buy or harvest rule gets the defaults once while dumping as it is written."""

import json
from decimal import Decimal

import pytest

from engine.policy.model import Policy, RebalanceRule, SellRule, SellSource, SetOffRule, Trigger
from engine.vocabulary import (BuyMethod, Combine, DriftMeasure, RateKind, RebalanceMethod, SellSourceKind, Side,
                               Term, TriggerKind, resolve_rate)

D = Decimal
PORTFOLIO = '''use "india"
portfolio "t" {
    investor asha "Asha"
    asset "Equity" 100% class equity
    fund EQ1 "Equity fund" holds "Equity"
}
'''


def test_a_word_is_its_string_in_comparisons_text_and_json():
    assert Term.LONG == "long-term" and Side.SELL == "SELL" and RateKind.SLAB == "slab"
    assert f"{Term.SHORT} gain" == "short-term gain" and str(BuyMethod.EVEN_DRIFT) == "even-drift"
    assert json.dumps({"side": Side.BUY, "term": Term.LONG}) == '{"side": "BUY", "term": "long-term"}'
    assert {"short-term": 1}[Term.SHORT] == 1 and "long-term" in frozenset(Term)


@pytest.mark.parametrize("rate, slab, expected", [
    (D("0.125"), D("0.3"), D("0.125")),  # a fraction is itself
    (RateKind.SLAB, D("0.3"), D("0.3")),  # the slab rate is the investor's
    (RateKind.SLAB, None, None),  # ... unknown when the policy states none
    (RateKind.EXEMPT, D("0.3"), D(0)),  # exempt is nil
    (None, D("0.3"), None),  # no rate in force
])
def test_a_rate_resolves_to_a_number_in_one_place(rate, slab, expected):
    assert resolve_rate(rate, slab) == expected


def test_the_models_hold_members_and_accept_the_words_as_strings():
    rule = SellRule(start_above=D("0.1"), stop_at_or_below=D("0.05"), measure="sum-positive",
                    source=SellSource(kind="named", assets=("Equity",)))
    assert rule.measure is DriftMeasure.SUM_POSITIVE and rule.source.kind is SellSourceKind.NAMED
    rebalance = RebalanceRule(method="partial", triggers=(Trigger(kind="quarterly"),), combine="all")
    assert (rebalance.method, rebalance.triggers[0].kind, rebalance.combine) == (
        RebalanceMethod.PARTIAL, TriggerKind.QUARTERLY, Combine.ALL)
    assert SetOffRule(loss="long-term", against=("long-term",)).loss is Term.LONG
    with pytest.raises(ValueError):
        SellSource(kind="everything")


def test_a_policy_without_buy_or_harvest_rules_gets_the_defaults_and_dumps_as_written(check):
    result = check(PORTFOLIO)
    assert result.ok, result.diagnostics
    policy = result.policy
    assert policy.buy.method is BuyMethod.PROPORTIONAL
    assert policy.harvest.short_term_gains_limit == 0 and not policy.harvest.realise_gains
    assert policy.drift_measure is DriftMeasure.HALF_ABSOLUTE and policy.sell is None
    dumped = policy.to_json()
    assert dumped["buy"] is None and dumped["harvest"] is None and "stated" not in dumped
    assert Policy().to_json()["buy"] is None


def test_stated_rules_dump_and_the_sell_rule_gives_the_measure(check):
    result = check(PORTFOLIO + '''buy monthly {
    only underweight assets, to an even drift
}
sell {
    drift is the largest absolute drift
    start above 10%
    stop at or below 5%
    sell 1% of portfolio per month from overweight assets
}
harvest at year end {
    realise gains up to the exemption
}
''')
    assert result.ok, result.diagnostics
    policy = result.policy
    assert policy.stated == {"buy", "sell", "harvest"}
    dumped = policy.to_json()
    assert dumped["buy"] == {"method": "even-drift"}
    assert dumped["harvest"]["realise_gains"] is True and dumped["harvest"]["short_term_gains_limit"] is None
    assert policy.drift_measure is DriftMeasure.LARGEST_ABSOLUTE


def test_security_and_charge_words():
    from engine.policy.model import Security
    from engine.vocabulary import ChargedOn, ChargeKind, SecurityKind

    etf = Security(id="X", kind="etf", name="X", asset="A", tax_class="equity")
    assert etf.kind is SecurityKind.ETF and etf.exchange_traded
    assert not Security(id="F", kind=SecurityKind.FUND, name="F", asset="A", tax_class="equity").exchange_traded
    assert ChargeKind.STT == "stt" and ChargedOn.PURCHASE_AND_SALE == "purchase-and-sale"


def test_every_kept_code_but_behind_names_where_a_queue_stops():
    from engine.harvest.audit import Code
    from engine.harvest.year_end import STOPS

    assert set(STOPS) == {c for c in Code if c.startswith("KEPT-") and c is not Code.KEPT_BEHIND}
