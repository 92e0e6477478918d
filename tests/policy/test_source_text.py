"""How a policy's text is read (engine/policy/lexer.py, parser.py, loader.py): line ends (CR, form
feed, U+2028) in comments and spans, text that is not UTF-8, files that are not regular files or
loop, and hostile text that stops after a hundred errors. Each test states the input that failed
(found in review or by the fuzzer)."""

import os
from decimal import Decimal

from conftest import codes, error_codes
from engine.diagnostics import render_all
from engine.policy import check_file
from engine.policy.fmt import format_source


def test_a_lone_carriage_return_ends_a_line_and_a_comment(check):
    # Was: the comment ran on past the CR and swallowed the next statement silently.
    text = "harvest {\n    realise gains up to the exemption  # yearly\r    never realise short-term gains\n}\n"
    result = check(text)
    assert result.ok and result.policy.harvest.short_term_gains_limit == Decimal(0)
    formatted, _ = format_source(text, "p.rules")
    assert "never realise short-term gains" in formatted and "# yearly" in formatted


def test_form_feed_in_a_comment_does_not_shift_excerpts(check):
    text = 'portfolio {\n    # note\x0cmore\n    investor a "A"\n    asset "A" 40\n}\n'
    result = check(text)
    (d,) = result.diagnostics
    assert (d.code, d.span.line) == ("P110", 4)
    assert '4 |     asset "A" 40' in render_all(result.diagnostics, result.sources)


def test_unicode_line_separator_stays_inside_its_comment():
    text = "sell {\n    start above 10%  # a\u2028b\n}\n"
    formatted, _ = format_source(text, "p.rules")
    assert "# a\u2028b" in formatted and format_source(formatted, "p.rules") == (formatted, [])


def test_long_use_name_symlink_loop_and_special_files(check, tmp_path):
    assert error_codes(check('use "' + "a" * 300 + '"\n')) == ["U201"]
    loop = tmp_path / "loop.rules"
    os.symlink(loop, loop)
    assert codes(check_file(loop)) == ["F001"]
    if os.path.exists("/dev/zero"):
        assert codes(check_file(__import__("pathlib").Path("/dev/zero"))) == ["F001"]
    fifo = tmp_path / "fifo.rules"
    os.mkfifo(fifo)
    assert codes(check_file(fifo)) == ["F001"]  # not read: it would block


def test_not_utf8_reports_a_character_column(tmp_path):
    path = tmp_path / "p.rules"
    path.write_bytes('portfolio "₹ Caf'.encode() + b"\xe9" + b'" {}\n')
    (d,) = check_file(path).diagnostics
    assert (d.code, d.span.column) == ("F003", 17)  # 16 characters before it, though 18 bytes


def test_hostile_file_stops_after_a_hundred_syntax_errors(check):
    result = check("}\n" * 20000)
    assert len(result.diagnostics) == 101 and result.diagnostics[-1].code == "P199"


def test_a_quoted_name_is_shown_as_written(check):
    result = check('portfolio {\n    asset "A" "B"\n}\n')
    assert result.diagnostics[0].message == 'unexpected "B"'


def test_hostile_characters_also_stop_at_a_hundred(check):
    result = check("@\n" * 500)
    assert len(result.diagnostics) == 101 and result.diagnostics[-1].code == "P199"


def test_carriage_returns_count_as_line_ends_in_spans(check):
    # Found by the fuzzer: text "\r\r0" has its `0` on line 3.
    (d,) = check("\r\r0").diagnostics
    assert (d.code, d.span.line, d.message) == ("P101", 3, "unexpected `0`")
