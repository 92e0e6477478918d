"""`asset "X" TODO`: a target still to choose (as `lotwise init --from-cas` writes it) parses,
formats as written, and is one V370 per asset at the TODO, and nothing else about the targets
(no V301 for a sum that cannot be known yet, no V303 for a band); a draft reads it as 0%."""

from decimal import Decimal

from conftest import MINI_LAW, codes, lotwise
from engine.policy import check_file
from engine.policy.fmt import format_source

POLICY = MINI_LAW + """
portfolio "P" {
    investor asha "Asha"
    asset "Equity" TODO class equity
    asset "Debt" TODO band 5% class equity
    fund EQ1 "Equity fund" holds "Equity"
    fund DB1 "Debt fund" holds "Debt"
}
"""


def test_each_todo_target_is_one_v370_at_its_place(check):
    result = check(POLICY)
    assert codes(result) == ["V370", "V370"]
    first, second = result.diagnostics
    line = POLICY.splitlines().index('    asset "Equity" TODO class equity') + 1
    assert (first.span.line, first.span.column, first.span.end_column) == (line, 20, 24)
    assert first.message == ('asset "Equity" has no target yet: replace TODO with a percentage; '
                             "the targets must sum to 100%")
    assert first.hint == 'write the share of the portfolio it should hold, e.g. `asset "Equity" 25%`'
    assert (second.span.line, second.span.column) == (line + 1, 18)
    assert result.policy is None


def test_one_todo_among_stated_targets_is_still_one_diagnostic(check):
    """60% stated and one TODO: the sum (60%) is not V301, the TODO is the one thing said."""
    result = check(POLICY.replace('"Equity" TODO', '"Equity" 60%'))
    assert codes(result) == ["V370"]


def test_a_draft_reads_todo_as_zero(tmp_path):
    path = tmp_path / "draft.rules"
    path.write_text(POLICY)
    result = check_file(path, todo_targets=True)
    assert result.ok and result.policy is not None and result.policy.portfolio is not None
    assert [(a.name, a.target) for a in result.policy.portfolio.assets] == [("Equity", Decimal(0)), ("Debt", Decimal(0))]


def test_filled_targets_check_as_before(check):
    result = check(POLICY.replace('"Equity" TODO', '"Equity" 60%').replace('"Debt" TODO', '"Debt" 40%'))
    assert codes(result) == [] and result.ok


def test_fmt_keeps_todo_and_lower_case_todo_is_a_syntax_error(check):
    text, problems = format_source(POLICY.replace('"Debt" TODO band', '"Debt"   TODO  band'), "p.rules")
    assert problems == [] and text is not None and '    asset "Debt" TODO band 5% class equity\n' in text
    assert any(d.code.startswith("P") for d in check(POLICY.replace('"Equity" TODO', '"Equity" todo')).diagnostics)


def test_every_command_refuses_a_policy_with_todo(tmp_path):
    (tmp_path / "p.rules").write_text(POLICY)
    for args in (["check", "p.rules"], ["show", "p.rules"]):
        done = lotwise(tmp_path, *args)
        assert done.returncode == 1, args
        assert done.stderr.count("error[V370]") == 2, args
        line = POLICY.splitlines().index('    asset "Equity" TODO class equity') + 1
        assert f"p.rules:{line}:20: error[V370]" in done.stderr
    done = lotwise(tmp_path, "init", "--policy", "p.rules", "--book", "b.db")
    assert done.returncode == 1 and done.stderr.count("error[V370]") == 2 and not (tmp_path / "b.db").exists()
