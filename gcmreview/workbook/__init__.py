"""Contributor workbooks (xlsx): the layout, the writer and the reader.

Stage: workbook. :func:`write_blank_workbooks` makes one workbook per contributor
of a review, never overwriting a file that exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import ReviewConfig, load_review
from ..errors import Code, Diagnostic, GcmReviewError, Location, nearest
from ..fsutil import atomic_write_with
from ..model import Contribution
from ..survey import Survey
from .write import build_workbook

__all__ = ["WorkbookOutcome", "save_workbook", "workbook_name", "write_blank_workbooks"]


@dataclass(frozen=True)
class WorkbookOutcome:
    contributor: str
    path: Path
    written: bool


def workbook_name(code: str) -> str:
    """File name of a contributor's workbook, e.g. ``molvt.xlsx``."""
    return f"{code.lower()}.xlsx"


def save_workbook(
    path: Path, review: ReviewConfig, survey: Survey, code: str, contribution: Contribution | None = None
) -> Path:
    """Write a workbook (blank, or filled from ``contribution``) atomically to ``path``."""
    wb = build_workbook(review, survey, code, contribution)
    return atomic_write_with(path, wb.save)


def write_blank_workbooks(workspace: Path, contributor: str | None = None) -> list[WorkbookOutcome]:
    """Blank workbooks in ``inputs/`` for every contributor (or one); existing files are kept."""
    review, survey = load_review(workspace)
    codes = [c.code for c in review.ordered_contributors]
    if contributor is not None and contributor not in codes:
        where = Location(file="inputs/review.toml", key="contributors")
        raise GcmReviewError(
            [Diagnostic.make(Code.UNKNOWN_CONTRIBUTOR, where, code=contributor, suggestion=nearest(contributor, codes))]
        )
    outcomes = []
    for code in [contributor] if contributor else codes:
        path = workspace / "inputs" / workbook_name(code)
        if path.exists():
            outcomes.append(WorkbookOutcome(code, path, False))
            continue
        save_workbook(path, review, survey, code)
        outcomes.append(WorkbookOutcome(code, path, True))
    return outcomes
