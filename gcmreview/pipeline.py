"""The build: read and check the workspace, consolidate, lay out, render, write build/.

Stage: pipeline, the one place that writes ``build/``. Read top to bottom,
:func:`build` is the whole design: inputs -> contributions -> submission ->
documents -> files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .consolidate import consolidate
from .errors import Diagnostic
from .inputs import CheckResult, check_workspace
from .submission import Submission

__all__ = ["Prepared", "prepare"]


@dataclass
class Prepared:
    """A workspace read, checked and consolidated: everything rendering needs."""

    check: CheckResult
    submission: Submission
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def prepare(workspace: Path) -> Prepared:
    """Read, check and consolidate a workspace (GcmReviewError only if review.toml is unusable)."""
    checked = check_workspace(workspace)
    submission, found = consolidate(checked.review, checked.survey, checked.results)
    return Prepared(checked, submission, checked.diagnostics + found)
