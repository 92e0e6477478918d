"""`lotwise show` (engine/policy/show.py): what the resolved model applies on a day."""

from datetime import date
from decimal import Decimal

from engine.cli.main import main
from engine.policy import check_file


def test_show_lists_the_charges_the_model_applies(check, capsys, tmp_path):
    policy = tmp_path / "p.rules"
    policy.write_text('use "india"\noverride tax {\n    charges {\n'
                      '        stamp duty 0.01% on purchase of funds, stocks from 2024-01-01\n    }\n}\n'
                      'portfolio {\n    investor a "A"\n    asset "E" 100% class equity\n'
                      '    fund INF789F01XA0 "Index" holds "E"\n}\n')
    assert main(["show", str(policy), "--as-of", "2025-01-01"]) == 0
    out = capsys.readouterr().out
    assert "Charges on purchase of equity funds: stamp duty 0.01%\n" in out  # the later rule only
    law = check_file(policy).policy.tax
    fund = check_file(policy).policy.portfolio.security("INF789F01XA0")
    assert [(c.kind, c.rate) for c in law.charges_on(fund, "purchase", date(2025, 1, 1))] == [
        ("stamp-duty", Decimal("0.0001"))]
