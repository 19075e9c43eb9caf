"""What a build has read and merged: the workspace checked, its translations, the submission.

Stage: read + check -> consolidate. :func:`prepare` is the first half of every
build and of ``gcmreview check``: read and validate every workbook, read the
translation stores once, consolidate, and collect every finding (workbook
problems, consolidation conflicts, stale translations, characters in the
translation stores that no document may hold) in one list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache
from .consolidate import consolidate
from .errors import Diagnostic, of_severity
from .inputs import CheckResult, check_workspace
from .model import Contribution
from .progress import NO_PROGRESS, Clock, Progress
from .submission import Submission
from .translations import Translations

__all__ = ["Prepared", "prepare"]


@dataclass
class Prepared:
    """A workspace read, checked and consolidated: everything the report and the renderers need."""

    check: CheckResult
    translations: Translations
    submission: Submission
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Every finding: the workbooks', consolidation's and the translations'."""

    @property
    def errors(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "error")

    @property
    def warnings(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "warning")

    @property
    def files(self) -> list[str]:
        """Every file of ``inputs/`` read, as messages name it."""
        return [r.file for r in self.check.results]

    @property
    def contributions(self) -> list[Contribution]:
        """The contributions that could be read."""
        return self.check.contributions

    @property
    def missing(self) -> list[str]:
        """The contributors of review.toml whose workbook has not arrived (or could not be used)."""
        return [c.code for c in self.submission.contributors if not c.file]

    def ok(self, strict: bool = False) -> bool:
        """No errors (and, if ``strict``, no warnings)."""
        return not self.errors and not (strict and self.warnings)


def prepare(workspace: Path, progress: Progress = NO_PROGRESS, cache: Cache | None = None, clock: Clock | None = None) -> Prepared:
    """Read, check and consolidate a workspace (GcmReviewError only if review.toml is unusable).

    With a ``cache`` (the build's), workbooks that did not change are not read again;
    a ``clock`` times the two stages ("read + check", "consolidate").
    """
    checked = check_workspace(workspace, progress, cache)
    if clock is not None:
        clock.lap("read + check")
    translations = Translations.load(checked)
    submission, found = consolidate(checked.review, checked.survey, checked.results, translations.resolved())
    prepared = Prepared(checked, translations, submission, checked.diagnostics + found + translations.diagnostics())
    if clock is not None:
        clock.lap("consolidate")
    return prepared
