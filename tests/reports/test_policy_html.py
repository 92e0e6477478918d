"""The policy in HTML (engine/reports/policy_html.py): the report's appendix built from the record
a saved plan keeps (engine/book/saved_plans.py `policy_record`), and a policy's text highlighted."""

from __future__ import annotations

from engine.reports.policy_html import AppliedPolicy, PolicyFile, appendix, applied_policy, highlighted, pans_masked

RECORD = {"files": [{"file": "my.rules", "sha256": "a" * 64, "text": 'use "india"\nportfolio "<b>&" {\n}\n'},
                    {"file": "lotwise:india.rules", "sha256": "b" * 64, "text": "tax \"India\" {\n}\n"},
                    {"file": "more/extra.rules", "sha256": "c" * 64, "text": None},
                    {"file": "lotwise:presets/perpetual.rules", "sha256": "d" * 64, "text": "sell {\n}\n"}],
          "resolved": {}}


def test_the_record_splits_into_the_clients_files_and_the_shipped_names():
    assert applied_policy(RECORD) == AppliedPolicy(
        own=(PolicyFile("my.rules", "a" * 64, 'use "india"\nportfolio "<b>&" {\n}\n'),
             PolicyFile("more/extra.rules", "c" * 64, None)),
        shipped=("india.rules", "presets/perpetual.rules"))


def test_the_text_is_highlighted_and_escaped():
    html = highlighted('use "india"\nportfolio "<b>&" {\n}\n')
    assert html.startswith('<div class="policy"><pre>')
    assert '<span class="kn">use</span>' in html and '<span class="kd">portfolio</span>' in html
    assert '<span class="s2">"&lt;b&gt;&amp;"</span>' in html and "<b>" not in html
    assert 'class="err"' not in html
    # typographic quotes are no string: the lexer marks the run an error (joined into one span)
    assert '<span class="err">“Kapoor”</span>' in highlighted("portfolio “Kapoor” {\n}\n")


def test_the_appendix_collapsed_or_open_names_the_shipped_rules_once():
    closed = appendix(applied_policy(RECORD), "0.2.0")
    assert closed[0] == '<details id="policy" class="policy-applied">'
    assert appendix(applied_policy(RECORD), "0.2.0", opened=True)[0] == \
        '<details id="policy" class="policy-applied" open>'
    page = "\n".join(closed)
    assert "<h3>my.rules</h3>" in page and "<h3>more/extra.rules</h3>" in page
    assert "Its text was not kept; only its hash." in page  # more/extra.rules
    assert ("With the rules shipped with lotwise 0.2.0: <code>india.rules</code>, "
            "<code>presets/perpetual.rules</code>") in page
    assert "India" not in page and "sell" not in page  # the shipped files' texts are not shown


def test_pans_are_masked_in_the_appendix_as_init_from_cas_writes_them():
    """The report has never shown a PAN, and travels by mail and on paper: the policy's `pan
    ABCPS1234K` is shown as `pan XXXXX1234X` (the last four digits tell whose it is), with a note that
    the sha256 is of the file as written; a policy without a PAN gets no such note."""
    text = 'portfolio "F" {\n    investor asha "Asha" pan ABCPS1234K\n    investor ravi "Ravi"\n}\n'
    assert pans_masked(text) == text.replace("ABCPS1234K", "XXXXX1234X")
    page = "\n".join(appendix(AppliedPolicy((PolicyFile("f.rules", "ab", text),), ()), "0.2.0"))
    assert "ABCPS1234K" not in page and "XXXXX1234X" in page and "PANs are shown masked" in page
    plain = "\n".join(appendix(AppliedPolicy((PolicyFile("f.rules", "ab", 'use "india"\n'),), ()), "0.2.0"))
    assert "PANs are shown masked" not in plain
