"""The workbooks as LibreOffice Calc shows them: every text in full, not cut off at a row's edge.

LibreOffice does not recompute the height of rows with wrapped text when it opens an
xlsx, and prints only what a cell shows; so its PDF of a workbook holds exactly the
texts a contributor can read without clicking into cells. The PDF's text comes from
``pdftotext -raw`` (content-stream order: LibreOffice draws a cell's text in one piece,
so texts of neighbouring cells do not interleave). Whitespace is removed before
comparing, as LibreOffice breaks lines where it likes.

LibreOffice's PDF maps a few glyphs of the complex scripts to no text or to text in
another order (Khmer's subscript RO, some vowel signs), so a text in such a script is
found by aligning its characters with the PDF's: 90 % of them must be there (all but
4 in a short text), and, in a text of more than two lines' worth, most of its last 20,
which a row one line too short would cut off.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import LONG_ANSWER, WriteWorkbook

from gcmreview.i18n import translator
from gcmreview.survey import Survey, load_reference
from gcmreview.survey.languages import complex_language_in
from gcmreview.workbook import write_blank_workbooks
from gcmreview.workbook.layout import INSTRUCTIONS

SHARE, SLACK, TAIL, TAIL_SHARE = 0.9, 4, 20, 0.8
ANCHOR = 6


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _aligned(expected: str, window: str) -> bool:
    """Whether most characters of ``expected``, and most of its last ones, are in ``window`` in order."""
    blocks = difflib.SequenceMatcher(None, expected, window, autojunk=False).get_matching_blocks()
    matched = sum(b.size for b in blocks)
    tail_start = len(expected) - TAIL
    tail = sum(max(0, b.a + b.size - max(b.a, tail_start)) for b in blocks)
    whole_tail = len(expected) < 2 * TAIL or tail >= TAIL_SHARE * TAIL  # a short text is one or two lines
    return matched >= len(expected) - max((1 - SHARE) * len(expected), SLACK) and whole_tail


def shown(expected: str, pdf: str) -> int:
    """How many times ``expected`` appears whole in ``pdf`` (the PDF's text, squashed)."""
    text = _squash(expected)
    if not complex_language_in(expected):
        return pdf.count(text)
    starts = sorted({max(m.start() - i, 0) for i in range(0, max(len(text) - ANCHOR, 1), 3)
                     for m in re.finditer(re.escape(text[i:i + ANCHOR]), pdf)})
    groups: list[list[int]] = []
    for start in starts:  # anchors of one occurrence lie close together
        if groups and start - groups[-1][-1] < len(text) // 2:
            groups[-1].append(start)
        else:
            groups.append([start])
    return sum(_aligned(text, pdf[max(g[0] - 10, 0): g[-1] + len(text) + 10]) for g in groups)


def missing(expected: list[str], pdf: str) -> list[str]:
    """The texts of ``expected`` (one per cell holding it) that the PDF shows fewer times than needed."""
    return [text for text, times in Counter(expected).items() if shown(text, pdf) < times]


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.skip(f"{name} is not installed (`nox -s tests` installs LibreOffice and poppler-utils)")
    return exe


def libreoffice_pdf(xlsx: Path, tmp_path: Path) -> Path:
    """The PDF LibreOffice Calc prints of ``xlsx`` (a private profile, so tests do not share one)."""
    soffice = shutil.which("soffice") or _tool("libreoffice")
    out = tmp_path / "pdf"
    cmd = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
           "--convert-to", "pdf", "--outdir", str(out), str(xlsx)]
    subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    pdf = out / f"{xlsx.stem}.pdf"
    assert pdf.is_file(), "LibreOffice did not convert the workbook"
    return pdf


def pdf_text(pdf: Path) -> str:
    result = subprocess.run([_tool("pdftotext"), "-raw", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True)
    return _squash(result.stdout)


def words_past_the_edge(pdf: Path) -> list[str]:
    """Words that reach the right edge of their page (a column wider than the page is cut there)."""
    result = subprocess.run([_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True)
    out: list[str] = []
    for width, body in re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', result.stdout, re.S):
        for x_max, word in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', body):
            if float(x_max) > float(width) - 20:
                out.append(word)
    return out


def form_texts(survey: Survey, lang: str) -> dict[str, list[str]]:
    """Every instruction line, question text and principle of the workbook, in English and in ``lang``."""
    national = translator(lang)

    def both(texts: list[str]) -> list[str]:
        return texts + [national(t) for t in texts if national(t) != t]

    questions = [q.text for q in survey.narrative_questions]
    return {
        "instructions": both(list(INSTRUCTIONS)),
        "questions": [t.replace("**", "") for t in both(questions)],
        "principles": both([p.name for p in load_reference().principles]),
    }


@pytest.mark.parametrize("lang", ["km", "lo"])
def test_libreoffice_shows_every_instruction_and_question_of_a_blank_workbook(
    workspace: Path, tmp_path: Path, survey: Survey, lang: str
) -> None:
    toml = workspace / "inputs" / "review.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"km"', f'"{lang}"').replace("km = ", f"{lang} = "), encoding="utf-8")
    (outcome,) = write_blank_workbooks(workspace, "LAB")
    pdf = libreoffice_pdf(outcome.path, tmp_path)
    text = pdf_text(pdf)
    for kind, texts in form_texts(survey, lang).items():
        assert len(texts) > 10, kind
        assert missing(texts, text) == [], f"{kind} cut off in LibreOffice's PDF"
    assert words_past_the_edge(pdf) == []


def test_libreoffice_shows_a_300_word_answer_and_a_khmer_answer_whole(
    write_workbook: WriteWorkbook, tmp_path: Path, contribution_data: dict[str, Any]
) -> None:
    km = translator("km")
    khmer = " ".join(km(line) for line in INSTRUCTIONS[1:5])
    assert len(LONG_ANSWER.split()) == 300 and all(km(line) != line for line in INSTRUCTIONS[1:5])
    contribution_data["answers"][0]["text"] = {"en": LONG_ANSWER, "km": khmer}
    contribution_data["answers"][1]["text"] = {"km": khmer}
    pdf = libreoffice_pdf(write_workbook(contribution_data), tmp_path)
    text = pdf_text(pdf)
    assert _squash(" ".join(LONG_ANSWER.split()[-12:])) in text
    assert missing([LONG_ANSWER, khmer, khmer], text) == []
    assert missing(["Makes regular channels cheaper.", "Complaint desks at the border."], text) == []
