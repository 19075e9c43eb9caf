"""The DOCX renderer: the submission as a Word document laid out like the ESCAP form.

The document is dumped as text (style and text per paragraph, rows per table, the
footnotes and comments) and compared with ``tests/golden/docx-*.txt``; to accept a
deliberate change, run with ``GCMREVIEW_REGOLD=1`` and review the git diff.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import WriteWorkbook
from docx.table import Table as DocxTable
from lxml import etree

from gcmreview.base_template import main as write_base_template
from gcmreview.prepared import Prepared, prepare
from gcmreview.render.document import Document, Item, Run, layout
from gcmreview.render.docx import clean, render_docx
from gcmreview.render.docx.styles import make_base_template
from gcmreview.render.templates import find_template

GOLDEN = Path(__file__).parent / "golden"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
HOSTILE = '<script>alert(1)</script> <img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> http://example.org/x'


# -- building documents ------------------------------------------------------------------


def _health(data: dict[str, Any]) -> dict[str, Any]:
    """A second contribution: lists, bold/italic, a line break and a source cited twice."""
    health = copy.deepcopy(data)
    health["contributor"], health["actions"], health["statistics"] = "HEALTH", [], []
    health["identity"]["ministry"] = "Ministry of Health"
    health["answers"] = [
        {"question": "1a", "objectives": [2], "text": {"en": (
            "Health screening at the border:\n\n1. **fever** checks\n2. *quarantine* places  \n   with line break\n\n"
            "- first point [@clinic2020]\n  - nested point")}},
        {"question": "10", "objectives": [23], "text": {"en": "Clinics stayed open [@clinic2020] [@survey2016]."}},
    ]
    health["principles"] = [{"principle": "gender-responsive", "integrated": False, "explanation": {"en": "Not yet."}}]
    health["references"] = [{"key": "clinic2020", "citation": "Clinic report (2020).", "url": "", "year": 2020}, *data["references"]]
    return health


@pytest.fixture
def prepared(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> Prepared:
    write_workbook(contribution_data)
    write_workbook(_health(contribution_data))
    result = prepare(workspace)
    assert result.errors == []
    return result


def _layout(prepared: Prepared, lang: str = "en", **options: Any) -> Document:
    return layout(prepared.submission, prepared.check.survey, lang, **options)


def _render(prepared: Prepared, lang: str = "en", **options: Any) -> bytes:
    return render_docx(_layout(prepared, lang, **options), find_template("base.docx", None)).data


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(name))


def _has_part(data: bytes, name: str) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return name in z.namelist()


# -- the text dump ---------------------------------------------------------------------------


def _text(element: etree._Element, marks: bool = True) -> str:
    """Visible text of a paragraph or run; with ``marks``: **bold**, _italic_, [^n] notes, ⟦n…⟧n comments.

    A field, simple or complex (begin, instruction, separate, result, end), shows as {instruction}."""
    parts: list[str] = []
    instr: list[str] | None = None  # the instruction of the complex field being read
    for child in element:
        tag = child.tag.removeprefix(W) if isinstance(child.tag, str) else ""
        char = child.find(f"{W}fldChar") if tag == "r" else None
        if char is not None:
            kind = char.get(f"{W}fldCharType")
            if kind == "begin":
                instr = []
            elif kind == "end" and instr is not None:
                parts.append("{" + "".join(instr).strip() + "}")
                instr = None
        elif instr is not None:  # inside a complex field: its instruction, then its result (not shown)
            instr += [t.text or "" for t in child.iter(f"{W}instrText")]
        elif tag == "t":
            parts.append(child.text or "")
        elif tag == "tab":
            parts.append("\t")
        elif tag == "br":
            parts.append("[page]" if child.get(f"{W}type") == "page" else "⏎")
        elif tag == "footnoteReference":
            parts.append(f"[^{child.get(f'{W}id')}]")
        elif tag == "fldSimple":
            parts.append("{" + (child.get(f"{W}instr") or "").strip() + "}")
        elif tag in ("commentRangeStart", "commentRangeEnd") and marks:
            parts.append(("⟦" if tag.endswith("Start") else "⟧") + (child.get(f"{W}id") or ""))
        elif tag == "r":
            text = _text(child, marks)
            bold, italic = child.find(f"{W}rPr/{W}b") is not None, child.find(f"{W}rPr/{W}i") is not None
            if marks and text.strip():
                text = f"**{text}**" if bold else text
                text = f"_{text}_" if italic else text
            parts.append(text)
    return "".join(parts)


def _cell(cell: Any) -> str:
    texts = []
    for p in cell.paragraphs:
        style = p.style.name if p.style is not None else ""
        texts.append(("" if style == "Table Text" else f"<{style}>") + _text(p._p))
    return " ¶ ".join(texts)


def _table_lines(table: DocxTable) -> list[str]:
    lines = [f"TABLE {table.style.name if table.style is not None else ''}"]
    for row in table.rows:
        header = row._tr.find(f"{W}trPr/{W}tblHeader") is not None
        lines.append(("  H| " if header else "  | ") + " | ".join(_cell(c) for c in row.cells))
    return lines


def dump(data: bytes) -> str:
    """The document as text: header/footer, each paragraph (style | text), tables, footnotes, comments."""
    document = docx.Document(io.BytesIO(data))
    lines = furniture_lines(document)
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            lines += _table_lines(block)
        else:
            style = block.style.name if block.style is not None else ""
            page = " [page break before]" if block.paragraph_format.page_break_before else ""
            lines.append(f"{style}{page} | {_text(block._p)}")
    return "\n".join(line.rstrip() for line in lines + notes_lines(data)) + "\n"


def furniture_lines(document: Any) -> list[str]:
    section = document.sections[-1]
    lines = [f"HEADER | {_text(p._p)}" for p in section.header.paragraphs if _text(p._p)]
    return lines + [f"FOOTER | {_text(p._p)}" for p in section.footer.paragraphs if _text(p._p)]


def notes_lines(data: bytes) -> list[str]:
    """The footnotes, then the comments (if any)."""
    lines = ["FOOTNOTES"]
    for note in _part(data, "word/footnotes.xml"):
        text = " ".join(_text(p) for p in note.iter(f"{W}p"))
        lines.append(f"  {note.get(f'{W}id')} {note.get(f'{W}type') or ''} | {text}")
    if _has_part(data, "word/comments.xml"):
        lines.append("COMMENTS")
        for c in _part(data, "word/comments.xml"):
            lines.append(f"  {c.get(f'{W}id')} {c.get(f'{W}author')} ({c.get(f'{W}initials')}) | {_text(c.find(f'{W}p'))}")
    return lines


def _units(data: bytes) -> list[str]:
    """Every line's plain text (of paragraphs, table cells too), in document order, tabs as spaces."""
    body = _part(data, "word/document.xml").find(f"{W}body")
    assert body is not None
    lines = [line for p in body.iter(f"{W}p") for line in _text(p, marks=False).split("⏎")]
    return [" ".join(line.replace("\t", " ").split()) for line in lines]


def result_runs(instr: etree._Element) -> list[etree._Element]:
    """The runs of the last computed result of the complex field whose w:instrText this is (between separate and end)."""
    runs, shown = [], False
    for run in instr.getparent().itersiblings(f"{W}r"):
        char = run.find(f"{W}fldChar")
        kind = char.get(f"{W}fldCharType") if char is not None else None
        if kind == "end":
            break
        runs += [run] if shown else []
        shown = shown or kind == "separate"
    return runs


def field_result(instr: etree._Element) -> str:
    """The text a complex field shows (its last computed result), given its w:instrText."""
    return "".join(t.text or "" for run in result_runs(instr) for t in run.iter(f"{W}t"))


def noterefs(root: etree._Element) -> list[tuple[str, str]]:
    """Each NOTEREF field (a footnote cited again) in document order: the bookmark it refers to, the number it shows."""
    found = [(e.text or "", e) for e in root.iter(f"{W}instrText")]
    return [(instr.split()[1], field_result(e)) for instr, e in found if instr.split()[:1] == ["NOTEREF"]]


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GCMREVIEW_REGOLD") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run the tests with GCMREVIEW_REGOLD=1 to write it"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: GCMREVIEW_REGOLD=1 accepts it"


# -- tests ---------------------------------------------------------------------------------------


def test_final_document_matches_golden(prepared: Prepared) -> None:
    _check_golden("docx-en.txt", dump(_render(prepared)))


def test_review_draft_matches_golden(prepared: Prepared) -> None:
    data = _render(prepared, review=True, draft=True, problems=["Question 1c has no answer."])
    _check_golden("docx-en-review.txt", dump(data))


def test_form_texts_appear_in_order(prepared: Prepared) -> None:
    units = _units(_render(prepared))
    position = 0
    for line in (GOLDEN / "escap-2020-form.txt").read_text(encoding="utf-8").splitlines():
        expected = " ".join(line.replace("**", "").split())
        assert expected in units[position:], f"form text missing or out of order: {expected!r}"
        position = units.index(expected, position) + 1


def test_each_answer_follows_its_question(prepared: Prepared) -> None:
    units = _units(_render(prepared))
    questions = [i for i, u in enumerate(units) if re.match(r"^([a-d]|\d+)\. ", u)]
    answers = {  # answer text -> the question it answers
        "Most workers leave for Thailand": "a. Please highlight the migration levels",
        "Health screening at the border:": "a. Please highlight the migration levels",
        "Labour Migration Policy (Policy, 2019": "b. Please highlight the concrete policy",
        "The plan links the compact to target 10.7.": "6. How is the Global Compact",
        "Clinics stayed open": "10. Given the outbreak of COVID-19",
    }
    for answer, question in answers.items():
        found = [i for i, u in enumerate(units) if u.startswith(answer)]
        assert len(found) == 1, answer
        before = max(q for q in questions if q < found[0])
        assert units[before].startswith(question), (answer, units[before])
    assert units[units.index("6. " + units[questions[-5]][3:]) + 1] == "Answer:"


def test_footnotes_part(prepared: Prepared) -> None:
    doc = _layout(prepared)
    data = render_docx(doc, find_template("base.docx", None)).data
    types = _part(data, "[Content_Types].xml")
    assert any(o.get("PartName") == "/word/footnotes.xml" and o.get("ContentType") == FOOTNOTES_CT for o in types)
    rels = [r for r in _part(data, "word/_rels/document.xml.rels") if r.get("Type") == FOOTNOTES_RT]
    assert [r.get("Target") for r in rels] == ["footnotes.xml"]
    notes = list(_part(data, "word/footnotes.xml"))
    assert [(n.get(f"{W}id"), n.get(f"{W}type")) for n in notes[:2]] == [("-1", "separator"), ("0", "continuationSeparator")]
    assert notes[0].find(f".//{W}separator") is not None and notes[1].find(f".//{W}continuationSeparator") is not None
    expected = [(str(f.number), f" {f.text}" + (f" {f.url}" if f.url else "")) for f in doc.footnotes]
    assert [(n.get(f"{W}id"), _text(n.find(f"{W}p"), marks=False)) for n in notes[2:]] == expected
    for note in notes[2:]:
        assert note.find(f"{W}p/{W}pPr/{W}pStyle").get(f"{W}val") == "FootnoteText"
        assert note.find(f"{W}p/{W}r/{W}rPr/{W}rStyle").get(f"{W}val") == "FootnoteReference"
        assert note.find(f"{W}p/{W}r/{W}footnoteRef") is not None
    document = _part(data, "word/document.xml")
    refs = [r.get(f"{W}id") for r in document.iter(f"{W}footnoteReference")]
    assert refs == [str(n) for n in range(1, len(doc.footnotes) + 1)], "one reference per footnote, in citation order"
    bookmarks = {b.get(f"{W}name"): b.getnext().find(f"{W}footnoteReference").get(f"{W}id") for b in document.iter(f"{W}bookmarkStart")}
    again = noterefs(document)
    assert again and all(bookmarks[name] == shown for name, shown in again), "later citations show the first one's number"
    assert document.find(f".//{W}fldSimple") is None, "fields as Word writes them (pandoc drops simple ones)"
    shown = [r for i in document.iter(f"{W}instrText") for r in result_runs(i)]  # the numbers look like footnote references
    assert len(shown) == len(again) and {r.find(f"{W}rPr/{W}rStyle").get(f"{W}val") for r in shown} == {"FootnoteReference"}
    settings = _part(data, "word/settings.xml")
    assert [f.get(f"{W}id") for f in settings.iterfind(f"{W}footnotePr/{W}footnote")] == ["-1", "0"]


def test_template_with_a_footnotes_part_is_reused(prepared: Prepared, tmp_path: Path) -> None:
    """A template Word saved has its own footnotes part: the document still has exactly one."""
    template = tmp_path / "saved-by-word.docx"
    template.write_bytes(_render(prepared))
    data = render_docx(_layout(prepared), template).data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert [n for n in z.namelist() if "footnotes" in n] == ["word/footnotes.xml"]
    assert sum(r.get("Type") == FOOTNOTES_RT for r in _part(data, "word/_rels/document.xml.rels")) == 1
    assert dump(data) == dump(_render(prepared))


def test_principles_and_sharing_boxes(prepared: Prepared) -> None:
    cells = [line[4:].split(" | ") for line in dump(_render(prepared)).splitlines() if line.startswith("  | ")]
    rows = {row[0]: row[1].rstrip(" |") for row in cells if len(row) > 1}
    assert rows["Human rights"] == "☒ yes  ☐ no"
    assert rows["Gender-responsive"] == "☐ yes  ☒ no"
    assert rows["People-centred"] == "☐ yes  ☐ no"
    assert "☒ Yes ☐ No" in _units(_render(prepared))


def test_review_comments_name_the_contributor(prepared: Prepared) -> None:
    data = _render(prepared, review=True)
    comments = {c.get(f"{W}id"): (c.get(f"{W}author"), c.get(f"{W}initials")) for c in _part(data, "word/comments.xml")}
    assert set(comments.values()) == {("Ministry of Labour", "LAB"), ("Ministry of Health", "HEALTH")}
    text = dump(data)
    covered = {cid: re.search(f"⟦{cid}(.*?)⟧{cid}", text, re.S) for cid in comments}
    assert all(covered.values()), "every comment is anchored"
    by_author: dict[str, str] = {}
    for cid, match in covered.items():
        assert match is not None
        by_author[comments[cid][0]] = by_author.get(comments[cid][0], "") + match.group(1)
    assert "Health screening at the border" in by_author["Ministry of Health"] and "nested point" in by_author["Ministry of Health"]
    assert "Most workers leave for Thailand" in by_author["Ministry of Labour"]
    assert "Complaint desks at the border." in by_author["Ministry of Labour"]
    assert not _has_part(_render(prepared), "word/comments.xml")


def test_draft_header_and_problems_page(prepared: Prepared) -> None:
    lines = dump(_render(prepared, draft=True, problems=["Fix <this> & that"])).splitlines()
    assert "HEADER | DRAFT" in lines and "FOOTER | Page {PAGE}" in lines
    end = lines.index("FOOTNOTES")
    assert lines[end - 2:end] == ["Heading 1 [page break before] | Problems to resolve before sending", "List Bullet | Fix <this> & that"]
    assert "HEADER | DRAFT" not in dump(_render(prepared))


def test_pending_translation_is_marked_and_tagged(prepared: Prepared) -> None:
    data = _render(prepared, "km")
    paragraph = next(p for p in _part(data, "word/document.xml").iter(f"{W}p") if "The plan links" in _text(p))
    assert re.match(r"_\[.+\] _The plan links", _text(paragraph)), _text(paragraph)
    runs = paragraph.findall(f"{W}r")
    assert runs[0].find(f"{W}rPr/{W}lang").get(f"{W}bidi") == "km-KH", "the mark is Khmer"
    assert {r.find(f"{W}rPr/{W}lang").get(f"{W}val") for r in runs[1:]} == {"en-GB"}, "the pending text is English"


def test_workbook_text_stays_text(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> None:
    contribution_data["answers"][0]["text"]["en"] = HOSTILE
    write_workbook(contribution_data)
    data = _render(prepare(workspace))
    assert HOSTILE in _units(data)
    xml = _part(data, "word/document.xml")
    assert xml.find(f".//{W}hyperlink") is None and xml.find(f".//{W}drawing") is None
    rels = _part(data, "word/_rels/document.xml.rels")
    assert not [r for r in rels if r.get("TargetMode") == "External"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in z.read("word/document.xml")


def test_characters_xml_cannot_hold_are_removed_and_reported(prepared: Prepared) -> None:
    assert clean("a\x01b\x0bc\ufffed\ud800e\tf") == ("abcde\tf", 4)
    doc = _layout(prepared)
    doc.clusters[0].questions[0].body.append(Item([Run("Bad\x01 chars\x0b here\ufffe.")], contributor="LAB"))
    doc.footnotes[0].text += "\x02"
    doc.contact[1] = (doc.contact[1][0], "Office\x0c")
    result = render_docx(doc, find_template("base.docx", None))
    assert "Bad chars here." in _units(result.data)
    assert len(result.cleaned) == 3
    assert "question 1a: removed 3 character(s) XML cannot hold (U+0001, U+000B, U+FFFE)" in result.cleaned
    assert any(c.startswith("footnote 1: removed 1") for c in result.cleaned)
    assert any(c.startswith("contact: removed 1") for c in result.cleaned)


def test_base_template_is_deterministic_and_committed(tmp_path: Path) -> None:
    first, second = make_base_template(), make_base_template()
    assert first == second
    committed = Path(__file__).resolve().parent.parent / "templates" / "base.docx"
    assert first == committed.read_bytes(), "run: python -m gcmreview.base_template templates/base.docx"
    written = tmp_path / "templates" / "base.docx"
    assert write_base_template([str(written)]) == 0
    assert written.read_bytes() == first
    document = docx.Document(io.BytesIO(first))
    ids = {s.style_id for s in document.styles}
    assert {"Title", "Subtitle", "Heading1", "Heading2", "FormText", "Question", "Answer", "AnswerNote", "ListBullet", "ListNumber",
            "TableGrid", "FootnoteText", "FootnoteReference"} <= ids
    subtitle = document.styles["Subtitle"].element
    assert subtitle.find(f"{W}basedOn").get(f"{W}val") == "Title", "the title's other lines look like the title"
    assert [len(subtitle.find(f"{W}{pr}")) for pr in ("pPr", "rPr")] == [0, 0], "no formatting of the subtitle's own"
    width, height = document.sections[0].page_width, document.sections[0].page_height
    assert width is not None and height is not None
    assert (round(width.cm, 1), round(height.cm, 1)) == (21.0, 29.7)


def test_any_template_gets_the_styles_it_lacks(prepared: Prepared) -> None:
    """python-docx's own default document has none of the form's styles: they are added."""
    plain = Path(docx.__file__).parent / "templates" / "default.docx"
    data = render_docx(_layout(prepared), plain).data
    assert dump(data).count("Question | ") == 22
    numbered = [p for p in _part(data, "word/document.xml").iter(f"{W}p") if "fever" in _text(p)]
    assert [p.find(f"{W}pPr/{W}numPr/{W}numId").get(f"{W}val") for p in numbered] == ["0"], "Word must not number 1. again"


def _soffice(args: list[str], profile: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice (soffice) is not installed; `nox -s tests` installs it")
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", *args]
    subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def to_pdf(data: bytes, tmp_path: Path, stem: str = "submission") -> bytes:
    """The document converted by LibreOffice headless (with its own profile); fails if no PDF appears."""
    source = tmp_path / f"{stem}.docx"
    source.write_bytes(data)
    _soffice(["--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(source)], tmp_path / f"profile-{stem}")
    pdf = tmp_path / "pdf" / f"{stem}.pdf"
    assert pdf.is_file(), "LibreOffice did not convert the document"
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf.read_bytes()


def test_libreoffice_converts_the_document(prepared: Prepared, tmp_path: Path) -> None:
    data = to_pdf(_render(prepared, review=True, draft=True, problems=["A problem"]), tmp_path)
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    for expected in ("Voluntary GCM Review", "Most workers leave for Thailand", "Clinic report (2020).", "A problem"):
        assert expected in " ".join(text.split()), expected
