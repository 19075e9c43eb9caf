"""The submission as a Word document, laid out like the ESCAP survey form.

Stage: render (DOCX). :func:`render_docx` writes a laid-out :class:`~.document.Document`
into the base template (``templates/base.docx``, restyled by the facilitator in Word) and
returns the .docx bytes; :func:`build_docx` also reports what it had to clean
(:class:`DocxResult`). Nothing is written to disk here.

Layout: title lines, mandate, a contact table, instructions; per cluster its intro, a
header table (cluster | GCM objectives) and each question followed by its answer;
question 5 as the principles table with ☒/☐ boxes; questions 6-10 with "Answer:".
Footnotes are real Word footnotes (a footnotes part python-docx lacks, built here): a
source's first citation carries the footnote, later ones are NOTEREF cross-references
showing the same number. Review drafts get a comment naming the contributor over their
text; drafts get a DRAFT header and a last page listing the problems. Workbook text only
ever becomes run text, never XML; characters XML cannot hold are removed (:func:`clean`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from ..languages import language
from .document import Body, ClusterView, Document, Item, QuestionView, Run, Table
from .docx_template import ensure_styles, set_footnotes

__all__ = ["DocxResult", "build_docx", "clean", "render_docx"]

BOX = {True: "☒", False: "☐"}
TABLE_WIDTH_CM = 16.0  # the base template's text width (A4, 2.5 cm margins)
BOOKMARK_BASE = 100_000  # bookmark ids for first citations: BOOKMARK_BASE + footnote number
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

@dataclass
class DocxResult:
    """The .docx bytes and, for the build log, each text that lost characters XML cannot hold."""

    data: bytes
    cleaned: list[str] = field(default_factory=list)


def clean(text: str) -> tuple[str, int]:
    """``text`` without the characters XML 1.0 cannot hold (controls, U+FFFE/FFFF, lone surrogates)."""
    return _NOT_XML.subn("", text)


def render_docx(doc: Document, template: Path) -> bytes:
    """The submission as .docx bytes (see :func:`build_docx` for what was cleaned)."""
    return build_docx(doc, template).data


def build_docx(doc: Document, template: Path) -> DocxResult:
    """Render ``doc`` into a copy of ``template``; report removed characters in ``cleaned``."""
    writer = _Writer(doc, template)
    writer.write()
    buffer = io.BytesIO()
    writer.out.save(buffer)
    return DocxResult(buffer.getvalue(), writer.cleaned)


def _element(tag: str, **attrs: str) -> BaseOxmlElement:
    return OxmlElement(tag, {qn(f"w:{k}"): v for k, v in attrs.items()})


def _field(instr: str, result: str, style: str = "") -> BaseOxmlElement:
    """A simple field (PAGE, NOTEREF...) with its last computed result."""
    fld = _element("w:fldSimple", instr=instr)
    r = OxmlElement("w:r")
    assert isinstance(r, CT_R)
    if style:
        r.style = style
    r.text = result
    fld.append(r)
    return fld


def _widths(table: DocxTable, widths_cm: Sequence[float]) -> None:
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _empty_or_new(paragraphs: Sequence[Paragraph], add: Callable[[], Paragraph]) -> Paragraph:
    """The only paragraph while it is still empty (as in a new cell, header or footer), else a new one."""
    if len(paragraphs) == 1 and len(paragraphs[0]._p) == (paragraphs[0]._p.pPr is not None):
        return paragraphs[0]
    return add()


def _cell_paragraph(cell: _Cell) -> Paragraph:
    return _empty_or_new(cell.paragraphs, cell.add_paragraph)


def _has_page_field(element: BaseOxmlElement) -> bool:
    instrs = [e.get(qn("w:instr")) or "" for e in element.iter(qn("w:fldSimple"))]
    instrs += [e.text or "" for e in element.iter(qn("w:instrText"))]
    return any(i.split()[:1] == ["PAGE"] for i in instrs)


class _Writer:
    def __init__(self, doc: Document, template: Path) -> None:
        self.doc = doc
        self.out: DocxDocument = docx.Document(str(template))
        self.cleaned: list[str] = []
        self.where = "document"
        self.cited: set[int] = set()
        ensure_styles(self.out)
        self._clear_template()

    def _clear_template(self) -> None:
        body = self.out.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        comments = self._comments()
        if comments is not None:  # a template's own comments go with its text
            for comment in list(comments):
                comments.remove(comment)

    def _comments(self) -> BaseOxmlElement | None:
        """The root of the comments part, if there is one."""
        for rel in self.out.part.rels.values():
            if rel.reltype == RT.COMMENTS and isinstance(rel.target_part, XmlPart):
                root: BaseOxmlElement = rel.target_part.element
                return root
        return None

    def renumber_comments(self) -> None:
        """Comment ids after the footnote ids: LibreOffice confuses a comment with the footnote of the same id."""
        comments = self._comments()
        if comments is None:
            return
        offset = len(self.doc.footnotes) + 1
        marks = (qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:commentReference"))
        for element in [*self.out.element.body.iter(*marks), *comments.iter(qn("w:comment"))]:
            element.set(qn("w:id"), str(offset + int(element.get(qn("w:id")) or 0)))

    def text(self, text: str) -> str:
        """Text safe for XML; what was removed is recorded with where it was."""
        result, removed = clean(text)
        if removed:
            codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in _NOT_XML.findall(text)}))
            self.cleaned.append(f"{self.where}: removed {removed} character(s) XML cannot hold ({codes})")
        return result

    def prop(self, text: str) -> str:
        """A document property: clean, at most 255 characters (cut at a space, with an ellipsis)."""
        text = self.text(text)
        return text if len(text) <= 255 else text[:254].rsplit(" ", 1)[0] + "…"

    def write(self) -> None:
        self.front_matter()
        for cluster in self.doc.clusters:
            self.cluster(cluster)
        self.principles()
        self.where = "closing"
        self.form(self.doc.closing_intro).paragraph_format.space_before = Pt(12)
        for question in self.doc.closing:
            self.question(question)
        if self.doc.draft:
            self.problems()
        self.footnotes()
        self.renumber_comments()
        self.furniture()
        self.properties()

    # -- paragraphs and runs ---------------------------------------------------------

    def runs(self, p: Paragraph, runs: Sequence[Run], lang: str = "") -> None:
        for run in runs:
            if run.footnote is not None:
                self.footnote_reference(p, run.footnote)
            elif run.linebreak:
                p.add_run().add_break()
            elif run.text:
                r = p.add_run(self.text(run.text))
                r.bold, r.italic = run.bold or None, run.italic or None
                if lang:
                    self.tag_language(r._r, lang)

    def tag_language(self, r: CT_R, lang: str) -> None:
        try:
            locale = language(lang).locale
        except KeyError:
            return
        r.get_or_add_rPr().append(_element("w:lang", val=locale, bidi=locale))

    def footnote_reference(self, p: Paragraph, number: int) -> None:
        """The first citation carries the footnote; later ones cross-reference it (same number)."""
        name = f"_RefFootnote{number}"
        if number in self.cited:
            p._p.append(_field(f" NOTEREF {name} \\f \\h ", str(number), "FootnoteReference"))
            return
        self.cited.add(number)
        p._p.append(_element("w:bookmarkStart", id=str(BOOKMARK_BASE + number), name=name))
        r = p.add_run()._r
        r.style = "FootnoteReference"
        r.append(_element("w:footnoteReference", id=str(number)))
        p._p.append(_element("w:bookmarkEnd", id=str(BOOKMARK_BASE + number)))

    def form(self, runs: Sequence[Run], style: str = "Form Text") -> Paragraph:
        p = self.out.add_paragraph(style=style)
        self.runs(p, runs)
        return p

    def item(self, p: Paragraph, item: Item, in_cell: bool = False) -> Paragraph:
        """One answer paragraph: its style from kind and level, mark and number before the text."""
        level = f" {min(item.level, 2) + 1}" if item.level else ""
        styles = {"bullet": f"List Bullet{level}", "numbered": f"List Number{level}"}
        style = "Answer Note" if item.style == "note" else styles.get(item.kind, "Table Text" if in_cell else "Answer")
        p.style = self.out.styles[style]
        if item.mark:
            p.add_run(f"[{self.text(item.mark)}] ").italic = True
        if item.kind == "numbered" and item.number:  # the source's own number, so no list numbering of Word's
            p._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = 0
            p.add_run(self.text(item.number) + "\t")
        self.runs(p, item.runs, item.lang if item.lang and item.lang != self.doc.lang else "")
        return p

    def body(self, body: Sequence[Body]) -> None:
        attributed: list[tuple[str, Paragraph]] = []
        for block in body:
            if isinstance(block, Table):
                self.attribute(attributed)
                attributed = []
                self.table(block)
            else:
                attributed.append((block.contributor, self.item(self.out.add_paragraph(), block)))
        self.attribute(attributed)

    def attribute(self, paragraphs: Sequence[tuple[str, Paragraph]]) -> None:
        """In review drafts, a comment naming the contributor over each stretch of their paragraphs."""
        if not self.doc.review:
            return
        for code, group in groupby(paragraphs, key=lambda pair: pair[0]):
            runs = [r for _, p in group for r in p.runs]
            if code and runs:
                name = self.text(self.doc.contributors.get(code, code))
                self.out.add_comment([runs[0], runs[-1]], text=name, author=name, initials=self.text(code))

    # -- tables ------------------------------------------------------------------------

    def new_table(self, rows: int, header: Sequence[str], widths: Sequence[float] = (), whole_rows: bool = True) -> DocxTable:
        """A table with a repeated header row (when ``header`` is given) and ``rows`` body rows.

        ``widths`` in cm; by default the first column gets twice the share of the others.
        ``whole_rows`` keeps each row on one page."""
        table: DocxTable = self.out.add_table(rows=rows + bool(header), cols=len(widths) or len(header))
        if "Table Grid" in [s.name for s in self.out.styles]:
            table.style = self.out.styles["Table Grid"]
        weights = [2.0] + [1.0] * (len(header) - 1)
        _widths(table, widths or [TABLE_WIDTH_CM * w / sum(weights) for w in weights])
        for row in table.rows if whole_rows else ():
            row._tr.get_or_add_trPr().append(_element("w:cantSplit"))
        if header:
            table.rows[0]._tr.get_or_add_trPr().append(_element("w:tblHeader"))
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                _cell_paragraph(cell).style = self.out.styles["Table Heading"]
                cell.paragraphs[0].add_run(self.text(text))
        return table

    def table(self, block: Table) -> None:
        table = self.new_table(len(block.rows), block.header)
        for row, cells in zip(table.rows[1:], block.rows, strict=True):
            for cell, runs in zip(row.cells, cells, strict=True):
                p = _cell_paragraph(cell)
                p.style = self.out.styles["Table Text"]
                self.runs(p, runs)
        codes = [*block.contributors, *[""] * (len(block.rows) - len(block.contributors))]
        for code, group in groupby(zip(codes, table.rows[1:], strict=False), key=lambda pair: pair[0]):
            first_row = next(group)[1]  # one comment per run of rows, on the first row's first cell
            self.attribute([(code, first_row.cells[0].paragraphs[0])])

    # -- the form ------------------------------------------------------------------------

    def front_matter(self) -> None:
        d = self.doc
        self.where = "title"
        titles = [self.out.add_paragraph(self.text(line), style="Title") for line in d.title]
        if titles:
            titles[-1].paragraph_format.space_after = Pt(18)
        for paragraph in d.mandate:
            self.form(paragraph)
        self.where = "contact"
        self.form(d.contact_intro)
        table = self.new_table(len(d.contact), (), (5.0, 11.0))
        for row, (label, value) in zip(table.rows, d.contact, strict=True):
            row.cells[0].paragraphs[0].style = self.out.styles["Table Text"]
            row.cells[0].paragraphs[0].add_run(self.text(label)).bold = True
            row.cells[1].paragraphs[0].style = self.out.styles["Table Text"]
            row.cells[1].paragraphs[0].add_run(self.text(value))
        self.form(d.return_line).paragraph_format.space_before = Pt(12)
        self.form(d.sharing_line)
        yes_label, yes, no_label, no = d.sharing
        self.form([Run(f"{BOX[yes]} {yes_label}\t{BOX[no]} {no_label}")])
        self.where = "instructions"
        self.out.add_paragraph(self.text(d.instructions_heading), style="Heading 2")
        for paragraph in d.instructions:
            self.form(paragraph, "List Bullet")

    def cluster(self, cluster: ClusterView) -> None:
        self.where = cluster.title
        self.form(cluster.intro).paragraph_format.space_before = Pt(12)
        table = self.new_table(1, (), (11.0, 5.0))
        title, objectives = table.rows[0].cells
        title.paragraphs[0].style = self.out.styles["Heading 1"]
        title.paragraphs[0].add_run(self.text(cluster.title))
        objectives.paragraphs[0].style = self.out.styles["Table Heading"]
        objectives.paragraphs[0].add_run(self.text(cluster.objectives))
        for question in cluster.questions:
            self.question(question)

    def question(self, q: QuestionView) -> None:
        self.where = f"question {q.qid or q.label}"
        p = self.out.add_paragraph(self.text(q.label) + "\t", style="Question")
        self.runs(p, q.text)
        if q.answer_prefix:
            self.out.add_paragraph(style="Form Text").add_run(self.text(q.answer_prefix)).bold = True
        self.body(q.body)

    def principles(self) -> None:
        d, q = self.doc, self.doc.principles_question
        self.question(q)
        header = d.principles_header
        table = self.new_table(len(d.principles), header[:3], (4.0, 3.5, 8.5), whole_rows=False)
        for row, principle in zip(table.rows[1:], d.principles, strict=True):
            self.where = f"principle {principle.name}"
            yes, no = principle.integrated is True, principle.integrated is False
            boxes = f"{BOX[yes]} {header[3]}  {BOX[no]} {header[4]}"
            for cell, text in zip(row.cells, (principle.name, boxes, ""), strict=True):
                cell.paragraphs[0].style = self.out.styles["Table Text"]
                if text:
                    cell.paragraphs[0].add_run(self.text(text))
            explanation = row.cells[2]
            self.attribute([(i.contributor, self.item(_cell_paragraph(explanation), i, True)) for i in principle.explanation])

    def problems(self) -> None:
        self.where = "problems"
        heading = self.out.add_paragraph(self.text(self.doc.labels.get("problems", "Problems")), style="Heading 1")
        heading.paragraph_format.page_break_before = True
        for problem in self.doc.problems:
            self.out.add_paragraph(self.text(problem), style="List Bullet")

    # -- parts and properties ---------------------------------------------------------------

    def footnotes(self) -> None:
        """One footnote per source, in citation order, in the footnotes part."""
        notes = []
        for note in self.doc.footnotes:
            self.where = f"footnote {note.number}"
            p = OxmlElement("w:p")
            assert isinstance(p, CT_P)
            p.style = "FootnoteText"
            mark = p.add_r()
            mark.style = "FootnoteReference"
            mark.append(OxmlElement("w:footnoteRef"))
            p.add_r().text = self.text(" " + note.text + (f" {note.url}" if note.url else ""))
            notes.append(_element("w:footnote", id=str(note.number)))
            notes[-1].append(p)
        set_footnotes(self.out, notes)

    def furniture(self) -> None:
        """Page numbers in the footer (unless the template has them); DRAFT in the header of drafts."""
        section = self.out.sections[-1]
        footer = section.footer
        if not _has_page_field(footer._element):
            p = _empty_or_new(footer.paragraphs, footer.add_paragraph)
            p.style = self.out.styles["Footer"]
            p.add_run(self.text(self.doc.labels.get("page", "Page")) + " ")
            p._p.append(_field(" PAGE ", "1"))
        if self.doc.draft:
            header = section.header
            p = _empty_or_new(header.paragraphs, header.add_paragraph)
            p.style = self.out.styles["Draft Mark"]
            p.add_run(self.text(self.doc.labels.get("draft", "DRAFT")))

    def properties(self) -> None:
        d, props = self.doc, self.out.core_properties
        self.where = "document properties"
        props.title = self.prop(" ".join(d.title))
        props.subject, props.author = self.prop(d.subject), self.prop(d.author)
        props.keywords = self.prop(", ".join(x for x in ("GCM", d.survey_name, d.country) if x))
        props.language, props.comments, props.last_modified_by = d.locale, "", "gcmreview"
        props.created = props.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        props.revision = 1
        defaults = self.out.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if defaults is not None:
            for old in defaults.findall(qn("w:lang")):
                defaults.remove(old)
            defaults.append(_element("w:lang", val=d.locale, bidi=d.locale))
