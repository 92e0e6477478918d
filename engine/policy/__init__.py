"""The policy language: parse, resolve `use`, validate, format, show.

    result = check_file(Path("family.rules"))
    result.policy        # engine.policy.model.Policy, or None when there are errors
    result.diagnostics   # every problem found, as data
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic, has_errors

if TYPE_CHECKING:  # the model loads with the first policy read, not with this package (start-up)
    from engine.policy.loader import SourceFile
    from engine.policy.model import Policy


@dataclass
class CheckResult:
    policy: Policy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    files: list[SourceFile] = field(default_factory=list)  # as read: where each was `use`d (the editor's server)

    @property
    def ok(self) -> bool:
        return self.policy is not None and not has_errors(self.diagnostics)


def check_file(path: Path, *, todo_targets: bool = False, overlay: Mapping[Path, str] | None = None) -> CheckResult:
    """Load `path` with everything it uses, then validate the merged result. `todo_targets`:
    read a draft whose asset targets may be TODO (as 0%, for its investors and securities).
    `overlay`: texts read instead of files (loader.load), e.g. standard input's for `path`."""
    from engine.policy import loader, model, validate

    loaded = loader.load(path, overlay)
    sources = tuple(model.SourceInfo(path=f.display, sha256=f.sha256) for f in loaded.files)
    policy, problems = validate.resolve(loaded.items, sources, semantic=loaded.syntax_ok, todo_targets=todo_targets)
    diagnostics = sorted(loaded.diagnostics + problems, key=Diagnostic.sort_key)
    if has_errors(diagnostics):
        policy = None
    return CheckResult(policy=policy, diagnostics=diagnostics, sources=loaded.sources, files=loaded.files)
