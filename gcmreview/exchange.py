"""Contributions as JSON: import into a filled workbook, export a workbook back to JSON.

Stage: workbook <-> JSON. The JSON is ``Contribution.model_dump(mode="json")``; the
round trip JSON -> xlsx -> JSON is lossless. Imported JSON is validated with the
same content checks as a workbook, with problems located by key path.
"""

from __future__ import annotations

import json
from pathlib import Path

from .config import ReviewConfig, load_review
from .datafiles import load_json
from .errors import Code, Diagnostic, GcmReviewError, Location, SourceMap, of_severity
from .model import Contribution
from .survey import Survey
from .validate import read_contribution
from .validate.content import check_contribution
from .workbook import save_workbook, workbook_name
from .workbook.layout import MAX_TABLE_ROWS, TABLES
from .workspace import display_path

__all__ = ["contribution_json", "export_contribution", "export_workbook", "import_contribution", "load_contribution_json"]


def contribution_json(contribution: Contribution) -> str:
    """A contribution as pretty JSON text (UTF-8, not ASCII-escaped)."""
    return json.dumps(contribution.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def load_contribution_json(path: Path, review: ReviewConfig, survey: Survey, display: str) -> Contribution:
    """Read and validate a contribution JSON file; GcmReviewError with every problem."""
    contribution = load_json(path, Contribution, display)
    problems = _oversized_tables(contribution, display) + check_contribution(contribution, SourceMap(display), review, survey)
    if contribution.survey != survey.id:
        where = Location(file=display, key="survey")
        problems.insert(0, Diagnostic.make(Code.WRONG_SURVEY, where, found=contribution.survey, expected=survey.id, contributor=contribution.contributor))
    if review.contributor(contribution.contributor) is None:
        where = Location(file=display, key="contributor")
        problems.insert(0, Diagnostic.make(Code.UNKNOWN_CONTRIBUTOR, where, code=contribution.contributor, suggestion=""))
    errors = of_severity(problems, "error")
    if errors:
        raise GcmReviewError(errors)
    return contribution


def _oversized_tables(contribution: Contribution, display: str) -> list[Diagnostic]:
    """An error (GCM410) for each list the workbook's table could not hold: the reader would refuse it (GCM223)."""
    out = []
    for spec in TABLES:
        entries = len(getattr(contribution, spec.section))
        if entries > MAX_TABLE_ROWS:
            where = Location(file=display, key=spec.section)
            out.append(Diagnostic.make(Code.TOO_MANY_ENTRIES, where, key=spec.section, count=f"{entries:,}", table=spec.name,
                                       limit=f"{MAX_TABLE_ROWS:,}"))
    return out


def export_workbook(path: Path, review: ReviewConfig, survey: Survey, display: str) -> tuple[Contribution, list[Diagnostic]]:
    """Read a workbook into a Contribution and its diagnostics; GcmReviewError if unreadable."""
    result = read_contribution(path, review, survey, display)
    if result.contribution is None:
        raise GcmReviewError(result.diagnostics)
    return result.contribution, result.diagnostics


def import_contribution(path: Path, workspace: Path, *, output: Path | None = None, force: bool = False) -> tuple[str, Path]:
    """Write a filled workbook from a contribution JSON file: (contributor code, workbook written).

    The workbook goes to ``inputs/<code>.xlsx`` unless ``output`` names another file; an
    existing file is replaced only with ``force`` (FileExistsError otherwise).
    GcmReviewError with every problem of the JSON.
    """
    review, survey = load_review(workspace)
    contribution = load_contribution_json(path, review, survey, display_path(path, workspace))
    target = output or workspace / "inputs" / workbook_name(contribution.contributor)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; use --force to overwrite it or -o to write elsewhere.")
    return contribution.contributor, save_workbook(target, review, survey, contribution.contributor, contribution)


def export_contribution(path: Path, workspace: Path) -> tuple[Contribution, list[Diagnostic]]:
    """A workbook's contribution and the problems found in it; GcmReviewError if it cannot be read at all."""
    review, survey = load_review(workspace)
    return export_workbook(path, review, survey, display_path(path, workspace))
