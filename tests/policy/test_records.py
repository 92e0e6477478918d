"""The resolved policy's records (engine/policy/periods.py's Model): frozen dataclasses whose JSON
form is what `show --json` prints and what plan ids hash, so it must stay byte for byte what it
was when the records were pydantic models (the golden files of tests/golden and the README's plan
id pin it on whole policies; these tests pin its rules one by one)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from engine.policy.law import ExemptionRule, TaxClass, TaxLaw
from engine.policy.model import (Duration, FYSpan, HarvestRule, Investor, Policy, SellSource, SlabRate, json_value)
from engine.vocabulary import Preference, SellSourceKind


@pytest.mark.parametrize("value, written", [
    # Decimal as str(): exponent and trailing zeros as the rules file's number gave them
    (D("0.125"), "0.125"), (D("1.50"), "1.50"), (D("125000"), "125000"), (D("1E+5"), "1E+5"),
    (D("-0"), "-0"), (D("0E-7"), "0E-7"),
    (date(2024, 7, 23), "2024-07-23"),  # ISO 8601
    (SellSourceKind.NAMED, "named"),  # a word: its string
    ((D("1"), (2, None)), ["1", [2, None]]),  # tuples as lists, all the way down
    (True, True), (0, 0), ("x", "x"), (None, None),
])
def test_a_value_is_written_as_pydantic_wrote_it(value, written):
    assert json_value(value) == written


def test_a_value_without_a_json_form_is_an_error_not_a_guess():
    with pytest.raises(TypeError, match="float"):
        json_value(0.5)


def test_a_record_is_written_in_field_order_without_hidden_fields():
    slab = SlabRate(rate=D("0.3"), years=FYSpan(first=2019, last=2021))
    assert list(slab.to_json().items()) == [("rate", "0.3"), ("years", {"first": 2019, "last": 2021})]
    # `sip` appears only when stated (a policy from before SIP amounts hashes as it did)
    assert "sip" not in Investor(id="a", name="A").to_json()
    assert Investor(id="a", name="A", sip=D(30000)).to_json()["sip"] == "30000"
    # `stated` is never written; unstated rules are null though filled in
    policy = Policy()
    assert policy.harvest == HarvestRule(short_term_gains_limit=D(0))
    assert policy.to_json() == {"sources": [], "tax": None, "portfolio": None, "buy": None, "sell": None,
                                "rebalance": None, "harvest": None}
    assert "sources" not in policy.to_json(exclude={"sources"})


def test_records_are_frozen_compare_by_value_and_hash():
    a, b = Duration(count=1, unit="years"), Duration(count=1, unit="years")
    assert a == b and hash(a) == hash(b) and a != Duration(count=12, unit="months")
    assert repr(a) == "Duration(count=1, unit='years')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.count = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Duration(1, "years")  # type: ignore[misc]  # keywords only


def test_words_are_held_as_members_in_tuples_too():
    rule = HarvestRule(preference=("legacy-funds",))  # type: ignore[arg-type]  # a word as its string
    assert rule.preference == (Preference.LEGACY_FUNDS,) and type(rule.preference[0]) is Preference
    assert SellSource().kind is SellSourceKind.OVERWEIGHT


def test_a_changed_law_does_not_keep_the_old_laws_remembered_exemptions():
    """TaxLaw.exemption remembers its answers; a law made from another (dataclasses.replace, as
    the year-end optimizer states the tax in its program's terms) starts afresh. pydantic's
    model_copy copied the remembered answers with the fields: harmless where it was used (the
    amount was the same), wrong for any other amount."""
    equity = TaxClass(name="equity", origin="t", exemptions=(
        ExemptionRule(amount=D(125000), years=FYSpan(first=2024), origin="t"),))
    law = TaxLaw(year_start_month=4, year_start_day=1, lot_scope="account", classes=(equity,))
    assert law.exemption("equity", 2025) == D(125000)
    lower = dataclasses.replace(equity, exemptions=(dataclasses.replace(equity.exemptions[0], amount=D(1)),))
    assert dataclasses.replace(law, classes=(lower,)).exemption("equity", 2025) == D(1)
