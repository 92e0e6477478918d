"""The harvest block's statement of what the harvest's money buys: `rebuy the same funds` (the
default) or `reallocate proceeds by the buying rule` (issue 14, item 1): the resolved record,
its JSON and hash, `fmt`, `show`, the near misses, and the `perpetual` preset."""

from __future__ import annotations

from pathlib import Path

from conftest import lotwise
from engine.book.saved_plans import policy_hash
from engine.policy import check_file
from engine.policy.fmt import format_source
from engine.policy.parser import parse_text
from engine.vocabulary import Preference, ProceedsUse

POLICY = '''use "india"
portfolio "P" {{
    investor asha "Asha"
    asset "Equity" 50% class equity
    asset "Other" 50% class equity
    fund EQ "Equity fund" holds "Equity"
    fund OT "Other fund" holds "Other"
}}
harvest at year end {{
    realise gains up to the exemption, keep Rs 1,000 margin
    sell overweight assets first
{more}}}
'''


def resolved(tmp_path: Path, more: str = "", name: str = "p.rules"):
    path = tmp_path / name
    path.write_text(POLICY.format(more=more), encoding="utf-8")
    result = check_file(path)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


def test_unstated_is_rebuy_and_dumps_and_hashes_as_before_the_statement_existed(tmp_path):
    policy = resolved(tmp_path)
    assert policy.harvest.proceeds is None and not policy.harvest.reallocates
    assert "proceeds" not in policy.harvest.to_json()
    # The hash of this very text computed by main before the statement existed (ac74d48): plan
    # ids of policies that state nothing new do not change.
    assert policy_hash(policy) == "1379386e6f5dc8c648c9d6f8f2b75ae966307e17274d939571156e2f7d95d999"


def test_both_statements_resolve_to_the_vocabulary(tmp_path):
    rebuy = resolved(tmp_path, "    rebuy the same funds\n", "a.rules").harvest
    assert (rebuy.proceeds, rebuy.reallocates, rebuy.to_json()["proceeds"]) == (ProceedsUse.REBUY, False, "rebuy")
    assert rebuy.selling_order == (Preference.OVERWEIGHT_ASSETS,)
    moved = resolved(tmp_path, "    reallocate proceeds by the buying rule\n", "b.rules").harvest
    assert (moved.proceeds, moved.reallocates, moved.to_json()["proceeds"]) == (
        ProceedsUse.REALLOCATE, True, "reallocate")


def test_reallocation_puts_overweight_assets_after_the_stated_preferences(tmp_path):
    text = POLICY.format(more="    reallocate proceeds by the buying rule\n").replace(
        "sell overweight assets first", "sell legacy funds first")
    (tmp_path / "p.rules").write_text(text, encoding="utf-8")
    rule = check_file(tmp_path / "p.rules").policy.harvest
    assert rule.preference == (Preference.LEGACY_FUNDS,)
    assert rule.selling_order == (Preference.LEGACY_FUNDS, Preference.OVERWEIGHT_ASSETS)
    # A stated place for overweight assets is kept, not repeated:
    assert resolved(tmp_path, "    reallocate proceeds by the buying rule\n").harvest.selling_order == (
        Preference.OVERWEIGHT_ASSETS,)


def test_stated_twice_is_an_error_pointing_at_both(tmp_path):
    path = tmp_path / "p.rules"
    path.write_text(POLICY.format(more="    rebuy the same funds\n    reallocate proceeds by the buying rule\n"))
    result = check_file(path)
    (d,) = [d for d in result.diagnostics if d.severity == "error"]
    assert d.code == "V311" and d.message == "what the proceeds buy is stated twice in the `harvest` block"
    assert (d.span.line, d.span.column) == (13, 5)


def test_perpetual_reallocates_and_an_override_can_rebuy(tmp_path):
    (tmp_path / "p.rules").write_text(POLICY.format(more="").replace('use "india"', 'use "india"\nuse "perpetual"')
                                      .replace("harvest at year end", "override harvest"), encoding="utf-8")
    assert check_file(tmp_path / "p.rules").policy.harvest.proceeds == ProceedsUse.REALLOCATE
    (tmp_path / "q.rules").write_text('use "india"\nuse "perpetual"\nportfolio {\n    investor asha "Asha"\n'
                                      '    asset "E" 100% class equity\n    fund EQ "E fund" holds "E"\n}\n'
                                      'override harvest {\n    rebuy the same funds\n}\n', encoding="utf-8")
    assert check_file(tmp_path / "q.rules").policy.harvest.proceeds == ProceedsUse.REBUY


def test_fmt_lays_out_both_statements_and_is_idempotent():
    text = "harvest {\n  reallocate   proceeds by the\n buying rule\n}\nharvest {rebuy the same funds}\n"
    out, diagnostics = format_source(text, "x.rules")
    assert not diagnostics
    assert out == ("harvest {\n    reallocate proceeds by the buying rule\n}\n"
                   "harvest {\n    rebuy the same funds\n}\n")
    assert format_source(out, "x.rules")[0] == out


def test_show_says_what_the_proceeds_buy(tmp_path):
    for more, said in (("    reallocate proceeds by the buying rule\n", "; reallocate proceeds by the buying rule\n"),
                       ("    rebuy the same funds\n", "; rebuy the same funds\n")):
        (tmp_path / "p.rules").write_text(POLICY.format(more=more), encoding="utf-8")
        run = lotwise(tmp_path, "show", "p.rules", "--as-of", "2026-03-20")
        assert run.returncode == 0, run.stderr
        (line,) = [l for l in run.stdout.splitlines() if l.startswith("Harvesting: ")]
        assert line == ("Harvesting: realise gains up to the exemption less Rs 1,000; prefer overweight-assets"
                        + said.rstrip("\n"))
    (tmp_path / "p.rules").write_text(POLICY.format(more=""), encoding="utf-8")
    assert "proceeds" not in lotwise(tmp_path, "show", "p.rules", "--as-of", "2026-03-20").stdout


def test_a_near_miss_names_the_two_ways_to_say_it():
    for text, column in (("harvest {\n    reallocate the proceeds by the buying rule\n}\n", 16),
                         ("harvest {\n    reallocate proceeds by buying rule\n}\n", 28),
                         ("harvest {\n    rebuy same funds\n}\n", 11),
                         ("harvest {\n    reinvest proceeds by the buying rule\n}\n", 5)):
        (d,) = parse_text(text, "p.rules").diagnostics
        assert (d.code, d.span.line, d.span.column) == ("P124", 2, column), (text, d)
        assert d.hint == ("write `reallocate proceeds by the buying rule` (the underweight assets, by the buying "
                          "rule) or `rebuy the same funds` (the default)")


def test_a_near_miss_through_check_is_an_error_with_its_place_not_a_traceback(tmp_path):
    (tmp_path / "p.rules").write_text("harvest {\n    reallocate proceeds by the buying rules\n}\n")
    run = lotwise(tmp_path, "check", "p.rules")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "p.rules:2:39: error[P124]: unexpected `rules` in the statement of what the harvest's money buys" in (
        run.stdout + run.stderr)
