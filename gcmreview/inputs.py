"""The review workspace's inputs: find the contributor files and read them all.

Stage: read + validate, for a whole workspace. Every file in ``inputs/`` is
checked, each problem reported with its location; one broken file does not stop
the others from being read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import ReviewConfig, load_config
from .errors import Code, Diagnostic, Location
from .model import Contribution
from .progress import NO_PROGRESS, Progress
from .survey import Survey, load_survey
from .validate import ReadResult, read_contribution
from .workbook import workbook_name

__all__ = ["INPUT_SUFFIXES", "CheckResult", "check_workspace", "input_files"]

READING = "Reading workbooks"

INPUT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
"""Files in inputs/ that are taken as contributions (others are ignored)."""


@dataclass
class CheckResult:
    """What ``check`` found in a workspace."""

    workspace: Path
    review: ReviewConfig
    survey: Survey
    results: list[ReadResult] = field(default_factory=list)

    missing: list[Diagnostic] = field(default_factory=list)
    """GCM112 warnings: contributors whose workbook has not arrived."""

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.diagnostics] + self.missing

    @property
    def contributions(self) -> list[Contribution]:
        return [r.contribution for r in self.results if r.contribution is not None]

    def count(self, severity: str) -> int:
        return sum(d.severity == severity for d in self.diagnostics)

    def ok(self, strict: bool = False) -> bool:
        return self.count("error") == 0 and (not strict or self.count("warning") == 0)


def input_files(workspace: Path) -> list[Path]:
    """Contributor files in ``inputs/``, sorted; editor lock files and hidden files skipped."""
    folder = workspace / "inputs"
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith((".", "~$"))
    )


def check_workspace(workspace: Path, progress: Progress = NO_PROGRESS) -> CheckResult:
    """Read and validate every contributor file of a workspace (GcmReviewError if review.toml is bad)."""
    review = load_config(workspace)
    survey = load_survey(review.survey)
    result = CheckResult(workspace, review, survey)
    owners: dict[str, str] = {}
    files = input_files(workspace)
    progress.start(READING, len(files))
    for path in files:
        display = path.relative_to(workspace).as_posix()
        read = read_contribution(path, review, survey, display)
        progress.step(READING, display)
        if read.contribution is not None:
            code = read.contribution.contributor
            if code in owners:
                where = read.sources("contributor")
                read.diagnostics.append(Diagnostic.make(Code.DUPLICATE_CONTRIBUTOR, where, code=code, other=owners[code]))
            owners.setdefault(code, display)
        result.results.append(read)
    result.missing = _missing(review, owners)
    return result


def _missing(review: ReviewConfig, owners: dict[str, str]) -> list[Diagnostic]:
    """A warning for each contributor of review.toml whose workbook has not arrived."""
    return [
        Diagnostic.make(Code.MISSING_WORKBOOK, Location(file="inputs/"), code=c.code, name=c.name["en"], file=workbook_name(c.code))
        for c in review.ordered_contributors
        if c.code not in owners
    ]
