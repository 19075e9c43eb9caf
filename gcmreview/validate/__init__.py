"""Validation: workbook cells -> Contribution, and the checks every contribution must pass.

Stage: validate. :func:`read_contribution` turns one workbook's tables into a
:class:`~gcmreview.model.Contribution` plus a :class:`~gcmreview.errors.SourceMap`,
reporting cell-level problems (a year that is not a number, a choice not in the
list) and listing what a contributor wrote that does not reach the contribution.
It then runs :func:`~gcmreview.validate.content.check_contribution`, the content
checks shared with JSON import (objective numbers, citations, e-mail and URL
formats, word guidance, language columns, characters a document cannot hold).

The modules: :mod:`.cells` (one cell's value, and left-out bookkeeping),
:mod:`.identity` (the Contributor sheet), :mod:`.sheets` (the tables, and sheets
that are not the template's), :mod:`.content` (the content checks). The workbook
itself is read by :mod:`gcmreview.workbook.read`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ReviewConfig
from ..errors import Code, Diagnostic, SourceMap
from ..model import Contribution
from ..submission import LeftOutEntry
from ..survey import Survey
from ..workbook.layout import IDENTITY_SHEET, TABLES
from ..workbook.read import open_workbook
from .cells import CellParser
from .content import check_contribution
from .identity import read_identity
from .sheets import extra_sheets, read_section

__all__ = ["ReadResult", "read_contribution"]


@dataclass
class ReadResult:
    """One workbook read: the contribution (None if unreadable), sources and problems.

    ``left_out`` lists what the contributor wrote that does not reach the contribution; its
    entries name no contributor (consolidation fills it in).
    """

    file: str
    contribution: Contribution | None
    sources: SourceMap
    diagnostics: list[Diagnostic]
    left_out: list[LeftOutEntry] = field(default_factory=list)


def read_contribution(path: Path, review: ReviewConfig, survey: Survey, display: str) -> ReadResult:
    """Read one workbook into a Contribution, reporting every problem found."""
    sources = SourceMap(display)
    wb, problems = open_workbook(path, display)
    if wb is None:
        return ReadResult(display, None, sources, problems)
    about = CellParser(display, IDENTITY_SHEET)
    identity, fatal = read_identity(wb, review, survey, about, sources)
    if identity is None:  # the damaged cells the reader found may be why
        return ReadResult(display, None, sources, [d for d in problems if d.severity == "error"] + fatal)
    diagnostics = problems + about.diagnostics  # problems: warnings about a readable file (pictures)
    left_out = _drawings_left_out(problems) + about.left_out
    sections: dict[str, list[Any]] = {}
    for spec in TABLES:
        rows, found, dropped = read_section(wb, spec, review, sources)
        sections[spec.section] = rows
        diagnostics += found
        left_out += dropped
    extra, extra_left_out = extra_sheets(wb)
    diagnostics += extra
    left_out += extra_left_out
    contribution = Contribution(survey=survey.id, contributor=identity[0], identity=identity[1], **sections)
    diagnostics += check_contribution(contribution, sources, review, survey)
    return ReadResult(display, contribution, sources, diagnostics, left_out)


def _drawings_left_out(problems: list[Diagnostic]) -> list[LeftOutEntry]:
    """The pictures, charts and drawings the reader took out, as left out of the contribution."""
    return [
        LeftOutEntry(contributor="", file=d.location.file, sheet=d.location.sheet, cell=d.location.cell,
                     value=f"{d.values.get('count')} picture(s), chart(s) or drawing(s)", reason="drawings are not read")
        for d in problems
        if d.code == Code.PICTURES.code
    ]
