"""The national-language and bilingual DOCX: Khmer as complex-script text, two languages side by side.

The national-language tests read the repository's sample review (6 contributors, en and
km) without writing to it; the golden bilingual dump comes from a small workspace built
here, compared with ``tests/golden/docx-bilingual.txt`` (``GCMREVIEW_REGOLD=1`` accepts a
deliberate change).
"""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import WriteWorkbook
from docx.table import Table as DocxTable
from lxml import etree
from test_docx import W, _check_golden, _health, _part, _text, _units, field_result, furniture_lines, notes_lines, to_pdf

from gcmreview.i18n import translator
from gcmreview.markup import parse
from gcmreview.prepared import Prepared, prepare
from gcmreview.render.document import Document, layout_languages
from gcmreview.render.docx import render_bilingual_docx, render_docx
from gcmreview.render.docx.styles import RPR_ORDER
from gcmreview.render.templates import find_template
from gcmreview.survey.languages import language

ROOT = Path(__file__).resolve().parent.parent
KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")
FONT, LOCALE = language("km").font, language("km").locale
PENDING_EN = "[translation pending] "


# -- documents ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """The repository's sample review without its translations store, so some texts stay pending."""
    workspace = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "inputs", workspace / "inputs", ignore=shutil.ignore_patterns("translations"))
    result = prepare(workspace)
    assert result.errors == []
    return result


def _docs(prepared: Prepared, **options: Any) -> list[Document]:
    return layout_languages(prepared.submission, prepared.check.survey, ("en", "km"), **options)


def _template() -> Path:
    return find_template("base.docx", None)


@pytest.fixture(scope="module")
def sample_docs(sample: Prepared) -> list[Document]:
    return _docs(sample)


@pytest.fixture(scope="module")
def khmer_data(sample_docs: list[Document]) -> bytes:
    return render_docx(sample_docs[1], _template()).data


@pytest.fixture(scope="module")
def bilingual_data(sample_docs: list[Document]) -> bytes:
    return render_bilingual_docx(*sample_docs, _template()).data


def _khmer_health(data: dict[str, Any]) -> dict[str, Any]:
    """The Ministry of Health writing in Khmer only (a citation, bold and a list), one answer in both languages."""
    health = _health(data)
    health["answers"] = [
        {"question": "1c", "objectives": [2], "text": {"km": "ការពិនិត្យសុខភាព **នៅព្រំដែន** [@clinic2020]។\n\n- មណ្ឌលសុខភាព\n- ការធ្វើចត្តាឡីស័ក"}},
        {"question": "10", "objectives": [23], "text": {
            "en": "Clinics stayed open [@survey2016] [@clinic2020].", "km": "មណ្ឌលសុខភាពនៅតែបើក [@survey2016] [@clinic2020]។"}},
    ]
    health["principles"] = [{"principle": "gender-responsive", "integrated": False, "explanation": {"km": "មិនទាន់។"}}]
    return health


@pytest.fixture
def small(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> Prepared:
    write_workbook(contribution_data)
    write_workbook(_khmer_health(contribution_data))
    result = prepare(workspace)
    assert result.errors == []
    return result


# -- reading the XML ----------------------------------------------------------------------------


def _runs_with_text(root: etree._Element) -> list[etree._Element]:
    return [r for r in root.iter(f"{W}r") if "".join(t.text or "" for t in r.iter(f"{W}t"))]


def _run_text(r: etree._Element) -> str:
    return "".join(t.text or "" for t in r.iter(f"{W}t"))


def _local(element: etree._Element) -> str:
    return str(element.tag).removeprefix(W)


def _in_schema_order(rPr: etree._Element) -> bool:
    names = [_local(c) for c in rPr]
    return all(n in RPR_ORDER for n in names) and names == sorted(names, key=RPR_ORDER.index)


def _khmer_tagged(rPr: etree._Element | None) -> bool:
    if rPr is None:
        return False
    fonts, lang = rPr.find(f"{W}rFonts"), rPr.find(f"{W}lang")
    return (fonts is not None and fonts.get(f"{W}cs") == FONT and fonts.get(f"{W}hint") == "cs"
            and lang is not None and lang.get(f"{W}bidi") == LOCALE)


def _check_complex_runs(root: etree._Element) -> int:
    """Every run with Khmer text is tagged Khmer; every rPr in schema order with b/i/sz mirrored. Returns the Khmer runs."""
    count = 0
    for rPr in root.iter(f"{W}rPr"):
        assert _in_schema_order(rPr), [_local(c) for c in rPr]
        for latin, twin in (("b", "bCs"), ("i", "iCs"), ("sz", "szCs")):
            if rPr.find(f"{W}{latin}") is not None:
                assert rPr.find(f"{W}{twin}") is not None, f"{latin} without {twin}"
                assert rPr.find(f"{W}{twin}").get(f"{W}val") == rPr.find(f"{W}{latin}").get(f"{W}val")
    for r in _runs_with_text(root):
        if KHMER.search(_run_text(r)):
            assert _khmer_tagged(r.find(f"{W}rPr")), _run_text(r)
            count += 1
    return count


# -- the national-language document ---------------------------------------------------------------


def test_khmer_runs_carry_the_complex_script_font_and_language(khmer_data: bytes) -> None:
    document = _part(khmer_data, "word/document.xml")
    assert _check_complex_runs(document) > 300
    assert _check_complex_runs(_part(khmer_data, "word/footnotes.xml")) >= 0
    english = [r for r in _runs_with_text(document) if _run_text(r).startswith("The plan links") or "Ministry's records" in _run_text(r)]
    assert english, "pending English texts are in the Khmer document"
    for r in english:
        assert r.find(f"{W}rPr/{W}lang").get(f"{W}val") == "en-GB"


def test_khmer_styles_and_defaults(khmer_data: bytes) -> None:
    styles = _part(khmer_data, "word/styles.xml")
    by_id = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style")}
    for style_id in ("Normal", "Title", "Heading1", "Heading2", "FormText", "Question", "Answer", "AnswerNote", "ListBullet",
                     "TableHeading", "TableText", "FootnoteText", "FootnoteReference"):
        rPr = by_id[style_id].find(f"{W}rPr")
        assert _khmer_tagged(rPr), style_id
        assert rPr is not None and rPr.find(f"{W}rFonts").get(f"{W}cstheme") is None, "a theme font would override w:cs"
    _check_complex_runs(styles)
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults is not None and _khmer_tagged(defaults)
    assert defaults.find(f"{W}lang").get(f"{W}val") == LOCALE
    theme = _part(khmer_data, "word/settings.xml").find(f"{W}themeFontLang")
    assert theme is not None and theme.get(f"{W}bidi") == LOCALE
    assert docx.Document(io.BytesIO(khmer_data)).core_properties.language == LOCALE


def test_khmer_answers_are_stored_verbatim_in_nfc(sample: Prepared, khmer_data: bytes) -> None:
    texts = {_run_text(r) for r in _runs_with_text(_part(khmer_data, "word/document.xml"))}
    checked = 0
    for answer in sample.submission.answers:
        for paragraph in answer.paragraphs:
            if "km" not in paragraph.text:
                continue
            source = paragraph.text["km"]
            assert unicodedata.is_normalized("NFC", source)
            for span in (s for block in parse(source) for s in block.spans if s.text and s.cite is None):
                assert span.text in texts, span.text
                checked += 1
    assert checked > 50


def test_khmer_fixed_texts_come_from_the_catalog(sample: Prepared, khmer_data: bytes) -> None:
    question = sample.check.survey.sections[0].questions[0]
    assert question.id == "1a"
    khmer = translator("km")(question.text).replace("**", "")
    assert KHMER.search(khmer) and khmer != question.text
    units = _units(khmer_data)
    assert f"{question.label} {' '.join(khmer.split())}" in units
    assert translator("km")(sample.check.survey.title[0]) in units


def test_english_document_tags_pending_khmer(sample_docs: list[Document]) -> None:
    """Nothing in the English document is Khmer-tagged but the Khmer text shown pending translation."""
    data = render_docx(sample_docs[0], _template()).data
    assert _check_complex_runs(_part(data, "word/document.xml")) > 0
    styles = _part(data, "word/styles.xml")
    assert not [f for f in styles.iter(f"{W}rFonts") if f.get(f"{W}cs")], "English styles have no complex-script font"
    pending = [p for p in _part(data, "word/document.xml").iter(f"{W}p") if _text(p, marks=False).startswith(PENDING_EN)]
    assert any(KHMER.search(_text(p, marks=False)) for p in pending)


# -- the bilingual document ---------------------------------------------------------------------------


def _cell_blocks(container: Any, indent: str) -> list[str]:
    lines = []
    for block in container.iter_inner_content():
        if isinstance(block, DocxTable):
            lines += _table_dump(block, indent)
        else:
            style = block.style.name if block.style is not None else ""
            lines.append(f"{indent}{style} | {_text(block._p)}")
    return lines


def _table_dump(table: DocxTable, indent: str = "") -> list[str]:
    lines = [f"{indent}TABLE {table.style.name if table.style is not None else ''}"]
    for row in table.rows:
        header = row._tr.find(f"{W}trPr/{W}tblHeader") is not None
        lines.append(f"{indent}  ROW{' (header)' if header else ''}")
        for i, cell in enumerate(row.cells):
            lines.append(f"{indent}    [{i}]")
            lines += _cell_blocks(cell, indent + "      ")
    return lines


def dump_bilingual(data: bytes) -> str:
    """Header/footer, the tables (nested ones too) cell by cell, paragraphs between, footnotes and comments."""
    document = docx.Document(io.BytesIO(data))
    section = document.sections[-1]
    assert section.page_width is not None and section.page_height is not None
    lines = [f"PAGE {section.page_width.cm:.1f} x {section.page_height.cm:.1f} cm", *furniture_lines(document)]
    lines += _cell_blocks(document, "")
    return "\n".join(line.rstrip() for line in lines + notes_lines(data)) + "\n"


def _pair_rows(data: bytes) -> list[tuple[etree._Element, etree._Element]]:
    """The (left, right) cells of the rows of the two-column tables."""
    body = _part(data, "word/document.xml").find(f"{W}body")
    assert body is not None
    rows = [row.findall(f"{W}tc") for table in body.findall(f"{W}tbl") for row in table.findall(f"{W}tr")]
    return [(cells[0], cells[1]) for cells in rows if len(cells) == 2]


def _cell_text(cell: etree._Element) -> str:
    return " ¶ ".join(_text(p, marks=False) for p in cell.iter(f"{W}p"))


def _paragraphs(cell: etree._Element, style: str) -> list[str]:
    """The plain text of the cell's own paragraphs of a style (not those of nested tables)."""
    return [" ".join(_text(p, marks=False).split()) for p in cell.findall(f"{W}p")
            if p.find(f"{W}pPr/{W}pStyle") is not None and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == style]


def test_bilingual_matches_golden(small: Prepared) -> None:
    data = render_bilingual_docx(*_docs(small, review=True, draft=True, problems=["Question 1b has no answer."]), _template()).data
    _check_golden("docx-bilingual.txt", dump_bilingual(data))


def test_bilingual_pairs_each_question_in_one_row(sample_docs: list[Document], bilingual_data: bytes) -> None:
    en, km = sample_docs
    rows = [(_paragraphs(left, "Question"), _paragraphs(right, "Question")) for left, right in _pair_rows(bilingual_data)]
    questions = [(q, k) for c, d in zip(en.clusters, km.clusters, strict=True) for q, k in zip(c.questions, d.questions, strict=True)]
    questions += [(en.principles_question, km.principles_question), *zip(en.closing, km.closing, strict=True)]
    assert len(questions) == 22
    for q, k in questions:
        left = " ".join(f"{q.label} {''.join(r.text for r in q.text)}".split())
        right = " ".join(f"{k.label} {''.join(r.text for r in k.text)}".split())
        assert ([left], [right]) in rows, left
    header = _pair_rows(bilingual_data)[0]
    assert [_cell_text(c) for c in header] == ["English", "ភាសាខ្មែរ"]
    document = docx.Document(io.BytesIO(bilingual_data))
    width, height = document.sections[-1].page_width, document.sections[-1].page_height
    assert width is not None and height is not None and width > height, "landscape"


def test_khmer_only_answer_is_pending_in_the_english_column(bilingual_data: bytes) -> None:
    """Question 1c of the sample has a Khmer-only answer (MOLVT): marked and Khmer-tagged on the left."""
    row = next(cells for cells in _pair_rows(bilingual_data) if any(q.startswith("c. ") for q in _paragraphs(cells[0], "Question")))
    left, right = row
    pending = [p for p in left.iter(f"{W}p") if _text(p, marks=False).startswith(PENDING_EN) and KHMER.search(_text(p, marks=False))]
    assert pending, "the English column shows the Khmer text marked as pending"
    runs = _runs_with_text(pending[0])
    assert _run_text(runs[0]) == PENDING_EN and runs[0].find(f"{W}rPr/{W}i") is not None
    assert all(_khmer_tagged(r.find(f"{W}rPr")) for r in runs[1:] if KHMER.search(_run_text(r)))
    assert f" ¶ {_run_text(runs[1])}" in _cell_text(right), "the right column has the same text, unmarked"
    _check_complex_runs(_part(bilingual_data, "word/document.xml"))


@pytest.mark.parametrize("which", ["sample", "small"])
def test_bilingual_footnotes_rise_in_reading_order(which: str, sample_docs: list[Document], small: Prepared) -> None:
    docs = sample_docs if which == "sample" else _docs(small, review=True)
    data = render_bilingual_docx(*docs, _template()).data
    document = _part(data, "word/document.xml")
    seen: list[int] = []
    first: list[int] = []
    for e in document.iter(f"{W}footnoteReference", f"{W}instrText"):
        if _local(e) == "footnoteReference":
            number = int(e.get(f"{W}id") or 0)
            assert number not in seen, "one footnote reference per footnote"
            first.append(number)
        elif "NOTEREF" in (e.text or ""):
            number = int(field_result(e))
            assert number in seen, "a cross-reference follows the footnote it shows"
        else:
            continue
        seen.append(number)
    assert first == list(range(1, len(docs[0].footnotes) + 1)), "first citations in reading order: 1, 2, 3..."
    notes = [n for n in _part(data, "word/footnotes.xml") if n.get(f"{W}type") is None]
    assert len(notes) == len(docs[0].footnotes) == len(docs[1].footnotes)


def test_bilingual_review_comments_in_both_columns(small: Prepared) -> None:
    data = render_bilingual_docx(*_docs(small, review=True, draft=True, problems=["A problem"]), _template()).data
    authors = {c.get(f"{W}author") for c in _part(data, "word/comments.xml")}
    assert {"Ministry of Health", "ក្រសួងសុខាភិបាល", "Ministry of Labour", "ក្រសួងការងារ"} <= authors
    text = dump_bilingual(data)
    assert "HEADER | DRAFT / សេចក្តីព្រាង" in text and "A problem" in text


def test_bilingual_principles_table(small: Prepared) -> None:
    en, km = _docs(small)
    body = _part(render_bilingual_docx(en, km, _template()).data, "word/document.xml").find(f"{W}body")
    assert body is not None
    table = next(t for t in body.findall(f"{W}tbl") if len(t.find(f"{W}tr").findall(f"{W}tc")) == 4)
    header, *rows = [[_cell_text(tc) for tc in tr.findall(f"{W}tc")] for tr in table.findall(f"{W}tr")]
    assert header == [f"{en.principles_header[0]} ¶ {km.principles_header[0]}", f"{en.principles_header[1]} ¶ {km.principles_header[1]}",
                      en.principles_header[2], km.principles_header[2]]
    gender = next(row for row in rows if row[0].startswith("Gender-responsive"))
    assert gender[1] == f"☐ yes / {km.principles_header[3]}  ☒ no / {km.principles_header[4]}", "the boxes once"
    assert gender[2] == f"{PENDING_EN}មិនទាន់។" and gender[3] == "មិនទាន់។"
    assert len(rows) == len(en.principles)


def test_bilingual_refuses_documents_laid_out_apart(small: Prepared) -> None:
    en, km = _docs(small)
    alone = _docs(small, review=True)[1]
    alone.footnotes = alone.footnotes[:1]
    with pytest.raises(ValueError, match="laid out together"):
        render_bilingual_docx(en, alone, _template())
    km.clusters = km.clusters[:-1]
    with pytest.raises(ValueError):
        render_bilingual_docx(en, km, _template())


# -- LibreOffice ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["km", "bilingual"])
def test_libreoffice_converts(which: str, khmer_data: bytes, bilingual_data: bytes, tmp_path: Path) -> None:
    to_pdf(khmer_data if which == "km" else bilingual_data, tmp_path, which)
