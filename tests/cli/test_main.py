"""The command line: exit codes 0 / 1 / 2, JSON output, --strict, fmt --check, show."""

import json
import subprocess
import sys

import pytest

from conftest import REPO
from engine.cli.main import main

FAMILY = str(REPO / "examples" / "family" / "family.rules")
PRESET = str(REPO / "rules" / "presets" / "textbook-bands.rules")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_valid_file(capsys):
    code, out, err = run(capsys, "check", FAMILY)
    assert code == 0 and out == "ok: 1 file(s), 0 error(s), 0 warning(s)\n" and err == ""


def test_check_reports_errors_with_exit_1(capsys, tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text('portfolio {\n    asset "A" 40\n}\n')
    code, out, err = run(capsys, "check", str(bad))
    assert code == 1
    assert f"{bad}:2:15: error[P110]" in err or "bad.rules:2:15: error[P110]" in err
    assert "hint: write 40%" in err
    assert out.startswith("failed: 1 file(s), 1 error(s)")


def test_check_json(capsys, tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text('sell {\n start above 5%\n sell 1% of portfolio per month\n stop at or below 8%\n}\n')
    code, out, _ = run(capsys, "check", "--json", str(bad))
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    (diagnostic,) = data["files"][0]["diagnostics"]
    assert diagnostic["code"] == "V302" and diagnostic["severity"] == "error"
    assert diagnostic["span"]["line"] == 4 and diagnostic["hint"]


def test_strict_turns_warnings_into_errors(capsys):
    assert run(capsys, "check", PRESET)[0] == 0  # warnings only
    code, out, _ = run(capsys, "check", "--strict", PRESET)
    assert code == 1 and "4 error(s)" in out


def test_fmt_check_and_rewrite(capsys, tmp_path):
    messy = tmp_path / "m.rules"
    messy.write_text('sell {  start above 10%\n sell 1% of portfolio per month stop at or below 5% }\n')
    code, out, _ = run(capsys, "fmt", "--check", str(messy))
    assert code == 1 and out == f"would reformat {messy}\n"
    assert run(capsys, "fmt", str(messy))[0] == 0
    assert messy.read_text() == ("sell {\n    start above 10%\n    sell 1% of portfolio per month\n"
                                 "    stop at or below 5%\n}\n")
    assert run(capsys, "fmt", "--check", str(messy)) == (0, "", "")


def test_fmt_leaves_a_broken_file_alone(capsys, tmp_path):
    broken = tmp_path / "b.rules"
    broken.write_text("sell { start above 10 }\n")
    code, _, err = run(capsys, "fmt", str(broken))
    assert code == 1 and "P110" in err
    assert broken.read_text() == "sell { start above 10 }\n"


def test_show_text_and_json(capsys):
    code, out, _ = run(capsys, "show", FAMILY, "--as-of", "2024-07-22")
    assert code == 0
    assert "Tax law in force on 2024-07-22 (FY 2024-25: 2024-04-01 to 2025-03-31)" in out
    equity = next(line for line in out.splitlines() if line.startswith("equity"))
    assert equity.split()[5:9] == ["15%", "10%", "Rs", "1,25,000"]  # the old rates, the new exemption
    code, out, _ = run(capsys, "show", FAMILY, "--as-of", "2024-07-23", "--json")
    data = json.loads(out)
    classes = {c["class"]: c for c in data["in_force"]["classes"]}
    assert (classes["equity"]["short_rate"], classes["equity"]["long_rate"]) == ("20%", "12.5%")
    assert classes["equity"]["exemption"] == "125000"
    assert data["policy"]["portfolio"]["assets"][0]["target"] == "0.40"


def test_show_of_an_invalid_file(capsys, tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text('use "nowhere"\n')
    code, _, err = run(capsys, "show", str(bad), "--as-of", "2025-01-01")
    assert code == 1 and "U201" in err


@pytest.mark.parametrize("argv", [[], ["nonsense"], ["show"], ["show", FAMILY, "--as-of", "31-03-2026"]])
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2


def test_missing_file_is_a_user_error_not_a_traceback(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "missing.rules"))
    assert code == 1 and "F001" in err and "Traceback" not in err


def test_module_entry_point_and_help():
    done = subprocess.run([sys.executable, "-m", "engine", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "check" in done.stdout and "Not tax advice" in done.stdout


def test_show_words(capsys, tmp_path):
    policy = tmp_path / "p.rules"
    policy.write_text('use "india"\noverride tax {\n    anniversary sale is long-term\n}\n'
                      'rebalance {\n    bring every asset back to target\n    due annually or when any band is breached\n}\n')
    code, out, _ = run(capsys, "show", str(policy), "--as-of", "2025-01-01")
    assert code == 0
    assert "Rebalancing: full, due annually or band-breached" in out
    assert "equity          at least 12 months" in out
    assert "other-listed: bought 2023-04-01 to 2025-03-31 and sold on or before 2025-03-31" in out


@pytest.mark.parametrize("argv", [["show", "{f}", "--as-of", "0001-01-01"], ["show", "{f}", "--as-of", "9999-12-31"]])
def test_dates_beyond_the_calendar_are_usage_errors(argv, tmp_path, capsys):
    policy = tmp_path / "p.rules"
    policy.write_text('use "india"\n')
    with pytest.raises(SystemExit) as info:
        main([a.format(f=policy) for a in argv])
    assert info.value.code == 2
