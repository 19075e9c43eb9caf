"""The build cache: a rebuild redoes only what changed, and never serves a stale or damaged entry."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import edit_cells, find_cell
from docx import Document
from pypdf import PdfReader

from gcmreview.cli import main
from gcmreview.pipeline import BuildResult, build

ROOT = Path(__file__).resolve().parent.parent
STEM = "KHM-escap-2020"
ALL = [f"{STEM}.{v}" for v in ("en.docx", "en.pdf", "km.docx", "km.pdf", "en.review.docx", "en-km.docx", "en-km.pdf")]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The sample review built once, from nothing."""
    workspace = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "inputs", workspace / "inputs")
    return workspace, build(workspace)


def _copy(sample: tuple[Path, BuildResult], tmp_path: Path) -> Path:
    shutil.copytree(sample[0], tmp_path / "ws")
    return tmp_path / "ws"


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _docx_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)


def test_first_build_renders_everything(sample: tuple[Path, BuildResult]) -> None:
    _, first = sample
    assert first.reused == [] and first.workbooks_reused == 0


def test_unchanged_rebuild_reuses_every_workbook_and_document(sample: tuple[Path, BuildResult], tmp_path: Path) -> None:
    workspace = _copy(sample, tmp_path)
    before = {name: (workspace / "build" / name).read_bytes() for name in ALL}
    again = build(workspace)
    assert again.workbooks_reused == 6
    assert sorted(again.reused) == sorted(ALL)
    assert {name: (workspace / "build" / name).read_bytes() for name in ALL} == before
    assert "not rendered again" in (workspace / "build" / "build.log").read_text(encoding="utf-8")


def test_one_changed_workbook_is_read_and_its_text_rendered(sample: tuple[Path, BuildResult], tmp_path: Path) -> None:
    workspace = _copy(sample, tmp_path)
    book = workspace / "inputs" / "mop.xlsx"
    cell = find_cell(book, "Answers", "Answer (en)", "1a")
    edit_cells(book, "Answers", {cell: "Provincial planning offices now publish quarterly migration tables."})
    stored = {p.name: p.stat().st_mtime_ns for p in (workspace / "build" / ".cache" / "pdf-section").glob("*.bin")}
    again = build(workspace)
    written = [p for p in (workspace / "build" / ".cache" / "pdf-section").glob("*.bin") if stored.get(p.name) != p.stat().st_mtime_ns]
    assert len(written) == 3, "one section of each PDF stored anew; the folios (as many pages as before) reused"
    assert len(stored) == len(list((workspace / "build" / ".cache" / "pdf-section").glob("*.bin")))
    assert again.workbooks_reused == 5, "the five untouched workbooks come from the cache"
    assert f"{STEM}.en.pdf" not in again.reused and f"{STEM}.en.docx" not in again.reused
    assert "quarterly migration tables" in _pdf_text(workspace / "build" / f"{STEM}.en.pdf")
    for pdf in (f"{STEM}.en.pdf", f"{STEM}.en-km.pdf"):  # only the section of question 1a is rendered again
        total = sample[1].sections[pdf][1]
        assert total >= 4 and sample[1].sections[pdf] == (total, total)
        assert again.sections[pdf] == (1, total), again.sections
    assert "1 of them anew" in (workspace / "build" / "build.log").read_text(encoding="utf-8")
    assert "quarterly migration tables" in _docx_text(workspace / "build" / f"{STEM}.en.docx")
    sub = (workspace / "build" / "submission.json").read_text(encoding="utf-8")
    assert "quarterly migration tables" in sub


def test_a_changed_stylesheet_renders_the_pdfs_again(sample: tuple[Path, BuildResult], tmp_path: Path) -> None:
    workspace = _copy(sample, tmp_path)
    (workspace / "templates").mkdir()
    css = (ROOT / "templates" / "submission.css").read_text(encoding="utf-8")
    (workspace / "templates" / "submission.css").write_text(css + "\nh1 { letter-spacing: 0.01em; }\n", encoding="utf-8")
    again = build(workspace)
    assert not [name for name in again.reused if name.endswith(".pdf")], "a PDF made with the old stylesheet was reused"


def test_damaged_cache_entries_are_ignored(sample: tuple[Path, BuildResult], tmp_path: Path) -> None:
    workspace = _copy(sample, tmp_path)
    entries = sorted((workspace / "build" / ".cache").rglob("*.bin"))
    sections = sum(total for _, total in sample[1].sections.values()) + 3  # and each PDF's folio (its page numbers)
    assert sections >= 3 * 5 and len(list((workspace / "build" / ".cache" / "pdf-section").glob("*.bin"))) == sections
    assert len(entries) == 6 + 7 + sections, "one entry per workbook read, per document rendered, per PDF section and folio"
    for entry in entries:
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2])  # as a full disk or a killed copy would leave it
    again = build(workspace)
    assert again.reused == [] and again.workbooks_reused == 0
    assert len(PdfReader(workspace / "build" / f"{STEM}.en.pdf").pages) == len(PdfReader(sample[0] / "build" / f"{STEM}.en.pdf").pages)
    assert _pdf_text(workspace / "build" / f"{STEM}.en.pdf") == _pdf_text(sample[0] / "build" / f"{STEM}.en.pdf")


def test_no_cache_option_redoes_everything(sample: tuple[Path, BuildResult], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = _copy(sample, tmp_path)
    assert main(["build", str(workspace)]) == 0
    assert "6 workbook(s) not read again, 7 document(s) not rendered again" in capsys.readouterr().out
    assert main(["build", "--no-cache", str(workspace)]) == 0
    assert "not read again" not in capsys.readouterr().out
