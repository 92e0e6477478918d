"""Echoes (issue 18): an error that follows from one already reported is not reported; the
V315 hint when nothing was `use`d. Through check_file, and once as the user sees it."""

from pathlib import Path

import pytest

from conftest import lotwise, write_file
from engine.policy import check_file
from engine.policy.loader import shipped_rules_dir
from engine.policy.merge import SHIPPED_BLOCKS
from engine.policy.parser import parse_text


def check(tmp_path: Path, text: str) -> list[tuple[str, int]]:
    result = check_file(write_file(tmp_path, "p.rules", text))
    return [(d.code, d.span.line if d.span else 0) for d in result.diagnostics]


PORTFOLIO = '''use "india"

portfolio "Rao" {{
    investor kiran "Kiran Rao"
    asset "Equity" 60% class equity
    asset "Debt" 40% class other-listed
{extra}
    fund INF789F01XA0 "UTI Nifty" holds "{held}"
    fund INF179K01BE2 "HDFC Debt" holds "Debt"
}}
'''


def test_a_duplicated_asset_is_reported_once_not_as_a_wrong_sum_too(tmp_path):
    """60% + 40% + the second "Equity" 60% would be 160% (V301), and the second definition has
    no fund of its own (V324): both follow from V309 and are not reported."""
    text = PORTFOLIO.format(extra='    asset "Equity" 60% class equity', held="Equity")
    assert check(tmp_path, text) == [("V309", 7)]


def test_a_sum_wrong_besides_the_duplicate_is_still_reported(tmp_path):
    """Counted once, "Equity" 60% + "Debt" 40% + "Gold" 10% is 110%: an error of its own."""
    text = PORTFOLIO.format(extra='    asset "Equity" 60% class equity\n    asset "Gold" 10% class equity',
                            held="Equity")
    codes = check(tmp_path, text)
    assert ("V309", 7) in codes and ("V301", 3) in codes


def test_a_misspelt_asset_name_gives_no_no_fund_to_buy_for_the_asset_meant(tmp_path):
    """holds "Equty": V307 says did you mean "Equity"; "Equity" has no other fund, but the
    V324 'no fund to buy for asset "Equity"' would be the same mistake again."""
    result = check_file(write_file(tmp_path, "p.rules", PORTFOLIO.format(extra="", held="Equty")))
    assert [(d.code, d.hint) for d in result.diagnostics] == [("V307", 'did you mean "Equity"?')]


def test_a_name_like_no_asset_still_leaves_the_asset_without_a_fund(tmp_path):
    """holds "Bonds": no declared asset is near it, so "Equity" really has no fund (V324)."""
    assert sorted(check(tmp_path, PORTFOLIO.format(extra="", held="Bonds"))) == [("V307", 8), ("V324", 5)]


def test_override_of_nothing_is_one_error_with_the_use_it_needs(tmp_path):
    """Without `use "india"`, `override tax` overrides nothing (V315); the block read as the
    first tax law lacks `year starts` and `lots fifo` (V340 twice), echoes not reported."""
    result = check_file(write_file(tmp_path, "p.rules", "override tax {\n    cess 4%\n}\n"))
    assert [(d.code, d.hint) for d in result.diagnostics] == [
        ("V315", 'nothing to override: add `use "india"` above (override changes a block of a used file)')]


def test_override_of_a_kind_the_used_files_lack_keeps_its_hint(tmp_path):
    result = check_file(write_file(tmp_path, "p.rules", 'use "india"\noverride sell {\n    only long-term lots\n}\n'))
    assert [(d.code, d.hint) for d in result.diagnostics] == [
        ("V315", "no `sell` block comes before it; remove `override`")]


@pytest.mark.parametrize("kind, name", sorted(SHIPPED_BLOCKS.items()))
def test_the_shipped_file_the_hint_names_defines_that_block(kind, name):
    folder = shipped_rules_dir()
    path = next(p for p in (folder / f"{name}.rules", folder / "presets" / f"{name}.rules") if p.is_file())
    tree = parse_text(path.read_text(encoding="utf-8"), name).tree
    assert tree is not None
    assert f"{kind}_block" in {t.data for t in tree.children if hasattr(t, "data")}


def test_the_issue_s_misspelt_block_as_the_user_sees_it(tmp_path):
    """`lotwise check` on a file whose `portfolo` header hid seven errors: all nine now, one run."""
    write_file(tmp_path, "p.rules", '''portfolo "Kapoor" {
    investor ravi "Ravi Kapoor" slab 30
    asset "Equity" 60 band 5%
    aset "Gold" 10%
}
sell {
    start above 10
}
''')
    done = lotwise(tmp_path, "check", "p.rules")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    out = done.stdout + done.stderr
    assert "p.rules:1:1: error[P111]: unknown word `portfolo` here" in out
    assert "hint: did you mean `portfolio`? (the block is checked as a `portfolio` block)" in out
    for where in ("p.rules:2:38: error[P110]", "p.rules:3:20: error[P110]", "p.rules:4:5: error[P111]",
                  "p.rules:7:17: error[P110]"):
        assert where in out, out
    assert "failed: 1 file(s), 5 error(s), 0 warning(s)" in out


def test_override_of_nothing_offers_the_use_line_as_a_quick_fix(tmp_path):
    from engine.diagnostics import Fix, Span

    [d] = check_file(write_file(tmp_path, "p.rules", "override tax {\n    cess 4%\n}\n")).diagnostics
    assert d.fix == Fix('add `use "india"` at the top', Span(d.span.path, 1, 1, 1, 1), 'use "india"\n')


def test_override_of_nothing_hides_only_its_echoes_not_a_wrong_sum_at_the_same_header(tmp_path):
    """A reviewer's case: `override portfolio` with nothing used is V315 at its header; the targets
    there, 60% + 60% = 120%, are a mistake of their own (V301 at the same header), still reported in
    the same run, or removing `override` as the hint says would only reveal it in a second round."""
    text = ('use "india"\noverride portfolio "K" {\n    investor meera "Meera"\n'
            '    asset "Eq" 60% class equity\n    asset "Debt" 60% class equity\n'
            '    fund INF789F01XA0 "U" holds "Eq"\n    fund INF179K01BE2 "H" holds "Debt"\n}\n')
    found = check_file(write_file(tmp_path, "p.rules", text)).diagnostics
    assert sorted((d.code, d.span.line) for d in found if d.is_error) == [("V301", 2), ("V315", 2)]
    assert next(d for d in found if d.code == "V301").message == "the targets add up to 120%, not 100%"
