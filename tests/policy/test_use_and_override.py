"""`use` resolution (shipped names, relative paths, cycles) and explicit overrides."""

from decimal import Decimal

from conftest import MINI_LAW, error_codes


def test_shipped_rules_by_name(check):
    result = check('use "india"\n')
    assert result.ok
    paths = [s.path for s in result.policy.sources]
    assert paths[0].endswith("policy.rules") and paths[1] == "lotwise:india.rules"
    assert result.policy.tax.name == "India"


def test_relative_path_and_file_used_twice_is_read_once(check):
    result = check('use "./law.rules"\nuse "./law.rules"\nuse "./sub/more.rules"\n',
                   **{"law.rules": MINI_LAW, "sub__more.rules": 'use "../law.rules"\nbuy monthly {\n}\n'})
    assert result.ok, result.diagnostics
    assert result.policy.buy.method == "proportional"


def test_missing_use_target(check):
    result = check('use "indai"\n')
    assert error_codes(result) == ["U201"]
    d = result.diagnostics[0]
    assert (d.span.line, d.span.column) == (1, 5)
    assert '"india"' in d.hint


def test_use_cycle(check):
    result = check('use "./a.rules"\n', **{"a.rules": 'use "./b.rules"\n', "b.rules": 'use "./a.rules"\n'})
    assert error_codes(result) == ["U202"]
    message = result.diagnostics[0].message
    assert message.count("a.rules") == 2 and message.count("b.rules") == 1


def test_self_use_is_a_cycle(check):
    assert error_codes(check('use "./policy.rules"\n')) == ["U202"]


def test_second_block_without_override_is_an_error(check):
    result = check('use "perpetual"\nsell {\n start above 12%\n sell 1% of portfolio per month\n'
                   ' stop at or below 5%\n}\n')
    assert error_codes(result) == ["V314"]
    d = result.diagnostics[0]
    assert "override sell" in d.hint
    assert d.notes[0][1].path == "lotwise:presets/perpetual.rules"


def test_override_replaces_statements_with_the_same_key(check):
    result = check('use "perpetual"\noverride sell {\n start above 12%\n only long-term lots\n}\n')
    assert result.ok
    sell = result.policy.sell
    assert sell.start_above == Decimal("0.12")           # replaced
    assert sell.stop_at_or_below == Decimal("0.05")      # kept from the preset
    assert sell.rate_per_month == Decimal("0.01")        # kept
    assert sell.only_long_term_lots is True              # added


def test_override_ceiling_replaces_fixed_rate(check):
    result = check('use "perpetual"\noverride sell {\n ceiling steps down from 10% to 5% over 6 months\n}\n')
    assert result.ok
    assert result.policy.sell.rate_per_month is None
    assert result.policy.sell.ceiling.months == 6


def test_override_merges_nested_tax_class(check):
    """A policy can amend the shipped law: a new rate from a future date supersedes the
    open-ended 2024-07-23 rule from that date on, and everything else is kept."""
    from datetime import date

    result = check('use "india"\noverride tax {\n anniversary sale is long-term\n'
                   ' class equity {\n  sold from 2027-04-01: short 25%\n }\n}\n')
    assert result.ok, result.diagnostics
    law = result.policy.tax
    assert law.anniversary_is_long_term
    bought = date(2020, 1, 1)
    assert law.treatment("equity", bought, date(2027, 3, 31)).short_rate == Decimal("0.2")
    assert law.treatment("equity", bought, date(2027, 4, 1)).short_rate == Decimal("0.25")
    assert law.treatment("equity", bought, date(2027, 4, 1)).long_rate == Decimal("0.125")
    assert law.exemption("equity", 2025) == Decimal("125000")


def test_override_with_nothing_to_override(check):
    result = check("override sell {\n start above 10%\n}\n")
    assert error_codes(result)[0] == "V315"  # and the lone sell rule is incomplete (V318)


def test_errors_in_used_files_point_into_them(check):
    result = check('use "./law.rules"\n', **{"law.rules": "tax {\n year starts April 1\n lots fifo per acount\n}\n"})
    d = result.diagnostics[0]
    assert d.code == "P111" and d.span.path.endswith("law.rules") and d.span.line == 3


def test_missing_and_binary_files(tmp_path):
    from pathlib import Path

    from engine.policy import check_file

    assert [d.code for d in check_file(tmp_path / "nope.rules").diagnostics] == ["F001"]
    binary = tmp_path / "bin.rules"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert [d.code for d in check_file(binary).diagnostics] == ["F002"]
    latin = tmp_path / "latin.rules"
    latin.write_bytes("portfolio \"Caf\xe9\" {}\n".encode("latin-1"))
    d = check_file(latin).diagnostics[0]
    assert d.code == "F003" and (d.span.line, d.span.column) == (1, 15)
    assert [d.code for d in check_file(tmp_path).diagnostics] == ["F001"]  # a directory
    assert Path(tmp_path).is_dir()
