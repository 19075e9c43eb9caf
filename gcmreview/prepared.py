"""What a build has read and merged: the workspace checked, its translations, the submission.

Stage: read + check -> consolidate. :func:`prepare` is the first half of every
build and of ``gcmreview check``: read and validate every workbook, read the
translation stores once, consolidate, and collect every finding (workbook
problems, consolidation conflicts, stale translations, characters in the
translation stores that no document may hold, translations and settings the PDF
cannot show as written) in one list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache
from .config import CONFIG_NAME
from .consolidate import consolidate
from .datafiles import model_strings
from .errors import Diagnostic, Location, of_severity
from .inputs import CheckResult, check_workspace
from .model import Contribution
from .progress import NO_PROGRESS, Clock, Progress
from .showable import font_diagnostics, text_diagnostics, translation_diagnostics
from .submission import Submission
from .translations import Translations
from .translations.store import unit_location

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

    def translation_texts(self) -> list[tuple[Location, str, str, str]]:
        """Every stored translation the submission uses: (where in its store, segment id, language, text)."""
        return [(unit_location(lang, segment), segment, lang, translated.text)
                for segment, by_lang in self.submission.translations.items() for lang, translated in by_lang.items()]

    def setting_texts(self) -> list[tuple[Location, str]]:
        """Every text of ``review.toml`` (the country, the contact, the contributors' and institutions' names), where it is."""
        return [(Location(file=f"inputs/{CONFIG_NAME}", key=path), text) for path, text in model_strings(self.check.review.model_dump())]

    def unshown(self) -> list[Diagnostic]:
        """What the PDF cannot show as written in the translations and settings (the workbooks' cells are checked as read),
        and the review languages whose font is not installed."""
        settings = [d for where, text in self.setting_texts() for d in text_diagnostics(text, where)]
        return font_diagnostics(self.check.review.languages) + settings + translation_diagnostics(self.translation_texts())


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
    prepared.diagnostics += prepared.unshown()
    if clock is not None:
        clock.lap("consolidate")
    return prepared
