"""`gcmreview build`: the files a coordinator gets, refusal on errors, drafts, atomic output."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from conftest import WriteWorkbook, edit_cells, fontless_letter
from pypdf import PdfReader

import gcmreview
from gcmreview.cli import main
from gcmreview.submission import Submission

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = [
    "submission.json", "submission.schema.json", "build.log", "report.html", "report.km.html",
    "KHM-escap-2020.en.docx", "KHM-escap-2020.en.pdf", "KHM-escap-2020.km.docx", "KHM-escap-2020.km.pdf",
    "KHM-escap-2020.en-km.docx", "KHM-escap-2020.en-km.pdf", "KHM-escap-2020.en.review.docx",
]


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_build_writes_every_output(write_workbook: WriteWorkbook, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_workbook()
    before = _hashes(workspace / "inputs")
    assert main(["build", str(workspace)]) == 0
    out = capsys.readouterr().out
    build = workspace / "build"
    assert sorted(p.name for p in build.iterdir() if not p.name.startswith(".")) == sorted(OUTPUTS)
    assert oct((build / "submission.json").stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert _hashes(workspace / "inputs") == before, "inputs must never be modified"
    sub = Submission.model_validate_json((build / "submission.json").read_text(encoding="utf-8"))
    assert sub.answer("1a").paragraphs[0].source.cells == ["A5", "D5", "E5", "F5"]
    schema = json.loads((build / "submission.schema.json").read_text(encoding="utf-8"))
    assert schema == gcmreview.submission_schema(workspace)
    assert "build/KHM-escap-2020.en.pdf  (" in out and "Built in" in out
    sizes = dict(re.findall(r"^build/(\S+)  \(([\d,]+) bytes\)$", out, re.MULTILINE))
    assert {"submission.json", "submission.schema.json", "KHM-escap-2020.en.docx"} <= set(sizes)
    assert {name: int(size.replace(",", "")) for name, size in sizes.items()} == {name: (build / name).stat().st_size for name in sizes}
    json_text = (build / "submission.json").read_text(encoding="utf-8")
    assert len(json_text) < len(json_text.encode("utf-8")), "the Khmer answer makes characters and bytes differ"
    text = _pdf_text(build / "KHM-escap-2020.en.pdf")
    assert "Most workers leave for Thailand, where wages are far higher" in text
    log = (build / "build.log").read_text(encoding="utf-8")
    assert "Contributors: 1 of 3 workbooks received" in log and "HEALTH     MISSING" in log


def test_build_refuses_errors_and_writes_nothing(write_workbook: WriteWorkbook, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_workbook()
    edit_cells(path, "Actions", {"E5": "31"})
    assert main(["build", str(workspace)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "inputs/lab.xlsx, sheet Actions, cell E5: error GCM201: '31' is not a GCM objective number. Use numbers from 1 to 23, separated by commas (e.g. 2, 5, 12).",
        "Build refused: fix the errors above, or run `gcmreview build --draft` for a draft marked DRAFT.",
    ]
    assert sorted(_hashes(workspace / "build")) == ["report.html", "report.km.html"], "a refused build writes only the report"


def test_draft_is_marked_and_lists_the_problems(write_workbook: WriteWorkbook, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_workbook()
    edit_cells(path, "Actions", {"E5": "31"})
    assert main(["build", str(workspace), "--draft"]) == 0
    reader = PdfReader(workspace / "build" / "KHM-escap-2020.en.pdf")
    assert "DRAFT" in reader.pages[0].extract_text()
    last = reader.pages[-1].extract_text()
    assert "Problems to resolve before sending" in last
    assert "'31' is not a GCM objective number" in last


def test_outputs_replace_old_ones_whole(write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any]) -> None:
    write_workbook()
    assert main(["build", str(workspace)]) == 0
    first = _hashes(workspace / "build")
    contribution_data["answers"][1]["text"]["en"] = "A new answer to question six."
    write_workbook(contribution_data)
    assert main(["build", str(workspace)]) == 0
    second = _hashes(workspace / "build")
    assert sorted(first) == sorted(second) == sorted(OUTPUTS), "no temporary files are left behind"
    assert first["submission.json"] != second["submission.json"]


def test_sample_review_builds(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    assert main(["build", str(tmp_path)]) == 0
    pdf = PdfReader(tmp_path / "build" / "KHM-escap-2020.en.pdf")
    assert len(pdf.pages) >= 15
    assert pdf.metadata.title.startswith("Voluntary GCM Review")
    from docx import Document

    docx = Document(io.BytesIO((tmp_path / "build" / "KHM-escap-2020.en.docx").read_bytes()))
    assert docx.core_properties.title.startswith("Voluntary GCM Review")
    sub = Submission.model_validate_json((tmp_path / "build" / "submission.json").read_text(encoding="utf-8"))
    assert [c.code for c in sub.contributors if c.file] == ["NCCT", "MOLVT", "MOI-GDI", "MFAIC", "MOH", "MOP"]
    assert all(not a.empty for a in sub.answers)


def test_two_builds_at_once_are_refused_clearly(write_workbook: WriteWorkbook, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gcmreview.workspace import build_lock

    write_workbook()
    with build_lock(workspace / "build"):
        assert main(["build", str(workspace)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "build/.lock: error GCM250: Another build of this workspace is running. Wait for it to finish, then build again."
    )
    assert main(["build", str(workspace)]) == 0


# --- Characters no installed font has -----------------------------------------------------------

EMOJI = "Thumbs up 👍🏽, a family 👩\u200d👩\u200d👧, the flag 🇰🇭, keycap 1️⃣, a smile 😀"
"""Emoji of every kind: a skin tone, a ZWJ sequence, a flag, a keycap, a plain one (fonts-noto-color-emoji has them)."""


@pytest.mark.parametrize("draft", [False, True], ids=["final", "draft"])
def test_emoji_are_drawn_and_what_no_font_has_is_a_placeholder_with_a_warning(
        draft: bool, write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any],
        capsys: pytest.CaptureFixture[str]) -> None:
    char = fontless_letter()
    answer = f"{EMOJI} and the letter {char} here."
    contribution_data["answers"][1]["text"]["en"] = answer
    write_workbook(contribution_data)
    review = workspace / "inputs" / "review.toml"
    review.write_text(review.read_text(encoding="utf-8").replace('"Ministry of Labour"', f'"Ministry {char} of Labour"'), encoding="utf-8")
    assert main(["build", str(workspace), *(["--draft"] if draft else [])]) == 0
    out = capsys.readouterr().out
    named = f"'{char}' (U+{ord(char):04X} {unicodedata.name(char)})"
    advice = "Correct the text (such characters are often pasted in from another program), or install a font that covers it and build again."
    assert [line for line in out.splitlines() if "GCM50" in line] == [
        f"inputs/lab.xlsx, sheet Answers, cell E21: warning GCM504: No installed font can show {named}, so the DOCX and PDF "
        f"show '\ufffd' instead: '1\ufe0f\u20e3, a smile 😀 and the letter {char} here.'. {advice}",
        f"inputs/review.toml, contributors[1].name.en: warning GCM504: No installed font can show {named}, so the DOCX and "
        f"PDF show '\ufffd' instead: 'Ministry {char} of Labour'. {advice}",
    ]
    build = workspace / "build"
    shown = f"{EMOJI} and the letter \ufffd here."
    assert shown in _pdf_text(build / "KHM-escap-2020.en.pdf").replace("\n", " ")
    from docx import Document

    paragraphs = [p.text for p in Document(io.BytesIO((build / "KHM-escap-2020.en.docx").read_bytes())).paragraphs]
    assert shown in paragraphs and not any(char in p for p in paragraphs)
    assert "Ministry \ufffd of Labour" in _pdf_text(build / "KHM-escap-2020.en-km.pdf"), "the bilingual draft names the ministry"
    assert answer in (build / "submission.json").read_text(encoding="utf-8"), "the submission keeps the text as written"
    assert "warning GCM504" in (build / "build.log").read_text(encoding="utf-8")


def test_a_draft_lists_problems_quoting_what_no_font_has_with_the_placeholder(
        write_workbook: WriteWorkbook, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    char = fontless_letter()
    edit_cells(write_workbook(), "Actions", {"E5": f"5, 6{char}"})
    assert main(["build", str(workspace), "--draft"]) == 0
    out = capsys.readouterr().out
    assert f"sheet Actions, cell E5: error GCM201: '6{char}' is not a GCM objective number" in out and "GCM500" not in out
    last = PdfReader(workspace / "build" / "KHM-escap-2020.en.pdf").pages[-1].extract_text()
    assert "'6\ufffd' is not a GCM objective number" in last
