"""Nothing a contributor wrote is lost: every cell is in the submission or listed as left out."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import WriteWorkbook, edit_cells

from gcmreview.config import load_config
from gcmreview.prepared import prepare
from gcmreview.submission import Provenance, Submission
from gcmreview.survey import load_survey
from gcmreview.workbook.write import build_workbook

ROOT = Path(__file__).resolve().parent.parent


def _written_cells(path: Path, workspace: Path, code: str) -> set[tuple[str, str, str]]:
    """(file, sheet, cell) of every non-empty cell that differs from the blank template."""
    review = load_config(workspace)
    blank = build_workbook(review, load_survey(review.survey), code)
    filled = openpyxl.load_workbook(path)
    file = path.relative_to(workspace).as_posix()
    found = set()
    for ws in filled.worksheets:
        template = blank[ws.title] if ws.title in blank.sheetnames else None
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or str(cell.value).strip() == "":
                    continue
                if template is not None and template[cell.coordinate].value == cell.value:
                    continue
                found.add((file, ws.title, cell.coordinate))
    return found


def _accounted(sub: Submission) -> set[tuple[str, str, str]]:
    sources: list[Provenance] = []
    for answer in sub.answers:
        sources += [p.source for p in answer.paragraphs]
        sources += [a.source for g in answer.actions for a in g.actions]
        sources += [s.source for s in answer.statistics]
    sources += [v.source for p in sub.principles for v in p.votes]
    sources += [s for r in sub.references for s in r.sources]
    sources += [c.source for c in sub.contributors if c.source]
    used = {(s.file, s.sheet, cell) for s in sources for cell in s.cells}
    for entry in sub.left_out:
        used |= {(entry.file, entry.sheet, cell) for cell in entry.cell.split(",") if cell}
    return used


def test_every_cell_of_the_sample_is_accounted_for() -> None:
    sub = prepare(ROOT).submission
    written: set[tuple[str, str, str]] = set()
    for entry in sub.contributors:
        assert entry.file is not None, f"sample workbook of {entry.code} missing"
        written |= _written_cells(ROOT / entry.file, ROOT, entry.code)
    assert len(written) > 500
    missing = sorted(written - _accounted(sub))
    assert missing == []
    assert sub.left_out == []


def test_cells_not_used_are_listed_with_reasons(write_workbook: WriteWorkbook, workspace: Path) -> None:
    path = write_workbook()
    edit_cells(path, "Actions", {"B6": "A second action without type", "J12": "side note"})
    edit_cells(path, "Contributor", {"E9": "typed beside the table"})
    sub = prepare(workspace).submission
    missing = sorted(_written_cells(path, workspace, "LAB") - _accounted(sub))
    assert missing == []
    reasons = {(e.sheet, e.cell): e.reason for e in sub.left_out}
    assert reasons == {
        ("Actions", "B6"): "the row has errors, so it was not used",
        ("Actions", "J12"): "outside the table",
        ("Contributor", "E9"): "outside the table",
    }


@pytest.mark.parametrize("code", ["NCCT", "MOI-GDI"])
def test_sample_khmer_text_reaches_the_submission_unchanged(code: str) -> None:
    sub = prepare(ROOT).submission
    khmer = [p.text["km"] for a in sub.answers for p in a.paragraphs if p.contributor == code and "km" in p.text]
    assert khmer and all(any("\u1780" <= ch <= "\u17ff" for ch in text) for text in khmer)
