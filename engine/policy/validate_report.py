"""The `report` block checked and resolved (docs/rules-language.md, "The report block"): the adviser's
name and SEBI registration and the disclaimer that `lotwise report` prints on the client's page.

  V385 (warning)  a registration that is not a SEBI investment adviser's: INA and nine digits
                  (SEBI (Investment Advisers) Regulations, 2013; e.g. INA000012345). The report
                  prints it as written; the warning catches a typo or a distributor's ARN.
  V386 (error)    an adviser's name or a disclaimer that is empty: the report would print nothing.
"""

from __future__ import annotations

import re

import engine.policy.ast as ast
from engine.policy.checker import BaseChecker, one
import engine.policy.model as m

SEBI_ADVISER = re.compile(r"INA\d{9}")


class ReportChecker(BaseChecker):
    def report(self, block: ast.Block) -> m.Report:
        adviser, disclaimer = one(block.items, ast.Adviser), one(block.items, ast.Disclaimer)
        for lit, what in ((adviser.name if adviser else None, "the adviser's name"),
                          (disclaimer.text if disclaimer else None, "the disclaimer")):
            if lit is not None and isinstance(lit.value, str) and not lit.value.strip():
                self.err("V386", f"{what} is empty", lit.span, "write the text between the quotes, or leave the "
                         "statement out")
        registration = adviser.registration if adviser else None
        if registration is not None and not SEBI_ADVISER.fullmatch(str(registration.value)):
            self.warn("V385", f"{registration.text} is not a SEBI investment adviser's registration (INA and nine "
                      "digits)", registration.span, "e.g. `registration INA000012345`, as on the SEBI certificate")
        return m.Report(adviser=adviser.name.value if adviser else None,
                        registration=registration.value if registration is not None else None,
                        disclaimer=disclaimer.text.value if disclaimer else None)
