"""The submission as a Word document, laid out like the ESCAP survey form.

Stage: render (DOCX). :func:`render_docx` writes a laid-out :class:`~.document.Document`
into the base template (``templates/base.docx``, restyled by the facilitator in Word) and
returns the .docx bytes; :func:`build_docx` also reports what it had to clean
(:class:`DocxResult`). Nothing is written to disk here. The bilingual draft
(:mod:`.docx_bilingual`) reuses this module's :class:`Writer`.

Layout: title lines, mandate, a contact table, instructions; per cluster its intro, a
header table (cluster | GCM objectives) and each question followed by its answer;
question 5 as the principles table with ☒/☐ boxes; questions 6-10 with "Answer:".
:meth:`Writer.plan` lists these blocks in order; each writes into the current container
(the body, or a table cell of the bilingual draft). Footnotes are real Word footnotes (a
footnotes part python-docx lacks, built here): a source's first citation carries the
footnote, later ones are NOTEREF cross-references showing the same number. Review drafts
get a comment naming the contributor over their text; drafts get a DRAFT header and a
last page listing the problems. Workbook text only ever becomes run text, never XML, in
Unicode NFC; characters XML cannot hold are removed (:func:`clean`). Every run in a
complex-script language (Khmer, Lao, Myanmar, Thai: the document's, a pending text's, or
a script found in the text) carries its font and language (:func:`~.docx_template.set_script`),
as do the styles and defaults of a complex-script document.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run as DocxRun

from ...chars import codepoint, not_xml, without_not_xml
from ...survey.languages import complex_language_in, language, languages
from ..document import Body, ClusterView, Document, Item, PrincipleRow, QuestionView, Run, Table
from . import template as wml

__all__ = ["DocxResult", "Writer", "build_docx", "clean", "render_docx"]

BOX = {True: "☒", False: "☐"}
TABLE_WIDTH_CM = 16.0  # the base template's text width (A4, 2.5 cm margins), if a template has no page size
CELL_MARGINS_CM = 0.38  # Word's default cell margins, left and right
BOOKMARK_BASE = 100_000  # bookmark ids for first citations: BOOKMARK_BASE + footnote number

Step = tuple[str, Callable[[], object]]
PRINCIPLES_TABLE = "principles table"  # the plan's section that is a table of its own


@dataclass
class DocxResult:
    """The .docx bytes and, for the build log, each text that lost characters XML cannot hold."""

    data: bytes
    cleaned: list[str] = field(default_factory=list)


def clean(text: str) -> tuple[str, int]:
    """``text`` in NFC without the characters XML 1.0 cannot hold (controls, U+FFFE/FFFF, lone surrogates)."""
    result, removed = without_not_xml(text)
    return unicodedata.normalize("NFC", result), removed


def render_docx(doc: Document, template: Path) -> bytes:
    """The submission as .docx bytes (see :func:`build_docx` for what was cleaned)."""
    return build_docx(doc, template).data


def build_docx(doc: Document, template: Path) -> DocxResult:
    """Render ``doc`` into a copy of ``template``; report removed characters in ``cleaned``."""
    writer = Writer([doc], template)
    writer.write()
    return writer.result()


def _empty_or_new(paragraphs: Sequence[Paragraph], add: Callable[[], Paragraph]) -> Paragraph:
    """The only paragraph while it is still empty (as in a new cell, header or footer), else a new one."""
    if len(paragraphs) == 1 and _empty(paragraphs[0]):
        return paragraphs[0]
    return add()


def _empty(p: Paragraph) -> bool:
    return len(p._p) == (p._p.pPr is not None)


class Writer:
    """Writes laid-out documents into a copy of the template: one here, two side by side in a subclass.

    ``docs[0]`` gives the footnotes, labels and properties; ``box`` is where blocks go (the
    body or a table cell), ``d`` and ``lang`` the document and language being written."""

    def __init__(self, docs: Sequence[Document], template: Path) -> None:
        self.docs, self.doc = list(docs), docs[0]
        self.d, self.lang = self.doc, self.doc.lang
        self.out: DocxDocument = docx.Document(str(template))
        self.box: DocxDocument | _Cell = self.out
        self.cleaned: list[str] = []
        self.where = "document"
        self.cited: set[int] = set()
        self._style_ids: dict[str, str | None] = {}
        self.comments: list[BaseOxmlElement] = []
        """Review comments, added to the comments part at the end (see :meth:`comment`)."""
        wml.ensure_styles(self.out)
        wml.script_styles(self.out, [d.lang for d in self.docs])
        wml.clear_template(self.out)
        body = self.out.element.body
        self._body_end: BaseOxmlElement | None = body[-1] if len(body) and body[-1].tag == qn("w:sectPr") else None
        self.width = self.text_width()

    def result(self) -> DocxResult:
        buffer = io.BytesIO()
        self.out.save(buffer)
        return DocxResult(buffer.getvalue(), self.cleaned)

    def text_width(self) -> float:
        """The width between the margins, in cm."""
        s = self.out.sections[-1]
        if s.page_width is None or s.left_margin is None or s.right_margin is None:
            return TABLE_WIDTH_CM
        return float((s.page_width - s.left_margin - s.right_margin) / Cm(1))

    def text(self, text: str) -> str:
        """Text safe for XML; what was removed is recorded with where it was."""
        result, removed = clean(text)
        if removed:
            codes = ", ".join(sorted({codepoint(c) for c in not_xml(text)}))
            where = self.where if len(self.docs) == 1 else f"{self.where} [{self.lang}]"
            self.cleaned.append(f"{where}: removed {removed} character(s) XML cannot hold ({codes})")
        return result

    def prop(self, text: str) -> str:
        """A document property: clean, at most 255 characters (cut at a space, with an ellipsis)."""
        text = self.text(text)
        return text if len(text) <= 255 else text[:254].rsplit(" ", 1)[0] + "…"

    def write(self) -> None:
        for _, step in self.plan(self.doc):
            step()
        self.finish()

    def finish(self) -> None:
        if self.doc.draft:
            self.problems()
        self.footnotes()
        if self.comments:
            root = wml.comments_root(self.out)
            assert root is not None, "comments were added, so the part exists"
            root.extend(self.comments)
        wml.renumber_comments(self.out, len(self.doc.footnotes) + 1)
        self.furniture()
        self.properties()

    @contextmanager
    def into(self, cell: _Cell, d: Document | None = None) -> Iterator[None]:
        """Write into ``cell`` (in ``d``'s language, if given) until the block ends."""
        saved = self.box, self.d, self.lang, self.width
        self.box, self.width = cell, (cell.width / Cm(1) if cell.width else self.width) - CELL_MARGINS_CM
        self.d, self.lang = (d, d.lang) if d is not None else (self.d, self.lang)
        try:
            yield
        finally:
            self.box, self.d, self.lang, self.width = saved

    # -- paragraphs and runs ---------------------------------------------------------

    def paragraph(self, style: str, text: str = "", bold: bool = False, lang: str = "") -> Paragraph:
        """A new paragraph in the current container (a cell's trailing empty one is reused)."""
        box = self.box
        last = box.paragraphs[-1] if isinstance(box, _Cell) and box.paragraphs else None
        p: Paragraph = last if last is not None and _empty(last) and box._element[-1] is last._p else self.new_paragraph()
        p._p.style = self.style_id(style)
        if text:
            self.add_text(p, text, bold=bold, lang=lang)
        return p

    def new_paragraph(self) -> Paragraph:
        """An empty paragraph at the end of the current container.

        In the document's body it goes straight before the section properties: python-docx
        looks for them among all the body's children on every paragraph it adds, which makes
        a long document quadratic.
        """
        if self.box is self.out and self._body_end is not None:
            p = OxmlElement("w:p")
            self._body_end.addprevious(p)
            return Paragraph(p, self.out._body)
        return self.box.add_paragraph()

    def style_id(self, name: str) -> str | None:
        """The id of a paragraph style (None for the default one), looked up once per name."""
        if name not in self._style_ids:
            self._style_ids[name] = self.out.part.get_style_id(self.out.styles[name], WD_STYLE_TYPE.PARAGRAPH)  # type: ignore[no-untyped-call]
        return self._style_ids[name]

    def add_text(self, p: Paragraph, text: str, bold: bool = False, italic: bool = False, lang: str = "") -> None:
        r = p.add_run(self.text(text))
        if bold or italic:
            r.bold, r.italic = bold or None, italic or None
            wml.mirror_complex_script(r._r.get_or_add_rPr())
        self.tag(r._r, text, lang)

    def tag(self, r: CT_R, text: str, lang: str = "") -> None:
        """Mark a run's language: ``lang`` if it is another, the writer's if complex, and any complex script in it."""
        lang = lang if lang in languages() else self.lang
        tags = [lang] if lang != self.lang or language(lang).complex_script else []
        found = complex_language_in(text) if not language(lang).complex_script else ""
        for code in [*tags, *([found] if found else [])]:
            wml.set_script(r.get_or_add_rPr(), code)

    def runs(self, p: Paragraph, runs: Sequence[Run], lang: str = "") -> None:
        for run in runs:
            if run.footnote is not None:
                self.footnote_reference(p, run.footnote)
            elif run.linebreak:
                p.add_run().add_break()
            elif run.text:
                self.add_text(p, run.text, run.bold, run.italic, run.lang or lang)

    def footnote_reference(self, p: Paragraph, number: int) -> None:
        """The first citation carries the footnote; later ones cross-reference it (same number)."""
        name = f"_RefFootnote{number}"
        if number in self.cited:
            p._p.append(wml.simple_field(f" NOTEREF {name} \\f \\h ", str(number), "FootnoteReference"))
            return
        self.cited.add(number)
        p._p.append(wml.element("w:bookmarkStart", id=str(BOOKMARK_BASE + number), name=name))
        r = p.add_run()._r
        r.style = "FootnoteReference"
        r.append(wml.element("w:footnoteReference", id=str(number)))
        p._p.append(wml.element("w:bookmarkEnd", id=str(BOOKMARK_BASE + number)))

    def form(self, runs: Sequence[Run], style: str = "Form Text", before: float = 0) -> Paragraph:
        p = self.paragraph(style)
        self.runs(p, runs)
        if before:
            p.paragraph_format.space_before = Pt(before)
        return p

    def labels(self, p: Paragraph, key: str, default: str) -> None:
        """A label of every document's, in its language, separated by " / "."""
        for i, d in enumerate(self.docs):
            self.add_text(p, (" / " if i else "") + d.labels.get(key, default), lang=d.lang)

    def item(self, item: Item, plain: str = "Answer") -> Paragraph:
        """One answer paragraph: its style from kind and level, mark and number before the text."""
        level = f" {min(item.level, 2) + 1}" if item.level else ""
        styles = {"bullet": f"List Bullet{level}", "numbered": f"List Number{level}"}
        p = self.paragraph("Answer Note" if item.style == "note" else styles.get(item.kind, plain))
        if item.mark:
            self.add_text(p, f"[{item.mark}] ", italic=True)
        if item.kind == "numbered" and item.number:  # the source's own number, so no list numbering of Word's
            p._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = 0
            self.add_text(p, item.number + "\t", lang=item.lang)
        self.runs(p, item.runs, item.lang)
        return p

    def body(self, body: Sequence[Body]) -> None:
        attributed: list[tuple[str, Paragraph]] = []
        for block in body:
            if isinstance(block, Table):
                self.attribute(attributed)
                attributed = []
                self.table(block)
            else:
                attributed.append((block.contributor, self.item(block)))
        self.attribute(attributed)

    def attribute(self, paragraphs: Sequence[tuple[str, Paragraph]]) -> None:
        """In review drafts, a comment naming the contributor over each stretch of their paragraphs."""
        if not self.doc.review:
            return
        for code, group in groupby(paragraphs, key=lambda pair: pair[0]):
            runs = [r for _, p in group for r in p.runs]
            if code and runs:
                name = self.text(self.d.contributors.get(code, code))
                self.comment(runs[0], runs[-1], name, self.text(code))

    def comment(self, first: DocxRun, last: DocxRun, name: str, initials: str) -> None:
        """A Word comment over ``first``..``last``, numbered here.

        python-docx numbers a new comment by reading every comment's id, which makes a review
        draft of thousands of comments quadratic; the comment is kept aside until
        :meth:`finish` (so the part python-docx reads holds at most one), with its own number.
        """
        element = self.out.comments.add_comment(text=name, author=name, initials=initials)._comment_elm
        element.getparent().remove(element)
        element.set(qn("w:id"), str(len(self.comments)))
        self.comments.append(element)
        first.mark_comment_range(last, len(self.comments) - 1)

    # -- tables ------------------------------------------------------------------------

    def new_table(self, rows: int, header: Sequence[str], widths: Sequence[float] = (), whole_rows: bool = True) -> DocxTable:
        """A table in the current container with a repeated header row (when ``header`` is given) and ``rows`` rows.

        ``widths`` are shares of the container's width; by default the first column gets twice
        the share of the others. ``whole_rows`` keeps each row on one page."""
        table: DocxTable = self.box.add_table(rows=rows + bool(header), cols=len(widths) or len(header))
        if "Table Grid" in [s.name for s in self.out.styles]:
            table.style = self.out.styles["Table Grid"]
        weights = widths or [2.0] + [1.0] * (len(header) - 1)
        wml.set_widths(table, [self.width * w / sum(weights) for w in weights])
        for row in table.rows if whole_rows else ():
            row._tr.get_or_add_trPr().append(wml.element("w:cantSplit"))
        if header:
            self.heading_row(table.rows[0], [[(text, self.d)] for text in header])
        return table

    def heading_row(self, row: _Row, cells: Sequence[Sequence[tuple[str, Document]]]) -> None:
        """``row`` as the header row repeated on each page; each cell has its texts, each in its document's language."""
        row._tr.get_or_add_trPr().append(wml.element("w:tblHeader"))
        for cell, texts in zip(row.cells, cells, strict=True):
            for text, d in texts:
                with self.into(cell, d):
                    self.paragraph("Table Heading", text)

    def table(self, block: Table) -> None:
        table = self.new_table(len(block.rows), block.header)
        for row, cells in zip(table.rows[1:], block.rows, strict=True):
            for cell, runs in zip(row.cells, cells, strict=True):
                with self.into(cell):
                    self.runs(self.paragraph("Table Text"), runs)
        codes = [*block.contributors, *[""] * (len(block.rows) - len(block.contributors))]
        for code, group in groupby(zip(codes, table.rows[1:], strict=False), key=lambda pair: pair[0]):
            first_row = next(group)[1]  # one comment per run of rows, on the first row's first cell
            self.attribute([(code, first_row.cells[0].paragraphs[0])])

    # -- the form ------------------------------------------------------------------------

    def plan(self, d: Document) -> list[Step]:
        """The form in ``d`` as (section, step) pairs in order; each step writes one block into the container.

        Documents laid out together have the same plan, so the bilingual writer pairs their steps."""
        steps: list[Step] = [("front", partial(self.titles, d)), *[("front", partial(self.form, m)) for m in d.mandate]]
        steps += [("front", partial(self.contact, d)), ("front", partial(self.sharing, d))]
        steps += [("front", partial(self.heading, "instructions", d.instructions_heading))]
        steps += [("front", partial(self.form, i, "List Bullet")) for i in d.instructions]
        for n, cluster in enumerate(d.clusters, 1):
            steps += [(f"cluster {n}", partial(self.cluster, cluster))]
            steps += [(f"cluster {n}", partial(self.question, q)) for q in cluster.questions]
        steps += [("principles", partial(self.question, d.principles_question)), (PRINCIPLES_TABLE, partial(self.principles, d))]
        steps += [("closing", partial(self.closing, d))]
        return steps + [("closing", partial(self.question, q)) for q in d.closing]

    def titles(self, d: Document) -> None:
        self.where = "title"
        titles = [self.paragraph("Title", line) for line in d.title]
        if titles:
            titles[-1].paragraph_format.space_after = Pt(18)

    def contact(self, d: Document) -> None:
        self.where = "contact"
        self.form(d.contact_intro)
        table = self.new_table(len(d.contact), (), (5.0, 11.0))
        for row, (label, value) in zip(table.rows, d.contact, strict=True):
            for cell, text, bold in ((row.cells[0], label, True), (row.cells[1], value, False)):
                with self.into(cell):
                    self.paragraph("Table Text", text, bold)

    def sharing(self, d: Document) -> None:
        self.form(d.return_line, before=12)
        self.form(d.sharing_line)
        yes_label, yes, no_label, no = d.sharing
        self.form([Run(f"{BOX[yes]} {yes_label}\t{BOX[no]} {no_label}")])

    def closing(self, d: Document) -> None:
        self.where = "closing"
        self.form(d.closing_intro, before=12)

    def heading(self, where: str, text: str) -> None:
        self.where = where
        self.paragraph("Heading 2", text)

    def cluster(self, cluster: ClusterView) -> None:
        self.where = cluster.title
        self.form(cluster.intro, before=12)
        title, objectives = self.new_table(1, (), (11.0, 5.0)).rows[0].cells
        with self.into(title):
            self.paragraph("Heading 1", cluster.title)
        with self.into(objectives):
            self.paragraph("Table Heading", cluster.objectives)

    def question(self, q: QuestionView) -> None:
        self.where = f"question {q.qid or q.label}"
        self.runs(self.paragraph("Question", q.label + "\t"), q.text)
        if q.answer_prefix:
            self.paragraph("Form Text", q.answer_prefix, bold=True)
        self.body(q.body)

    def principles(self, d: Document) -> None:
        header = d.principles_header
        table = self.new_table(len(d.principles), header[:3], (4.0, 3.5, 8.5), whole_rows=False)
        for row, principle in zip(table.rows[1:], d.principles, strict=True):
            self.where = f"principle {principle.name}"
            name, boxes, explanation = row.cells
            with self.into(name):
                self.paragraph("Table Text", principle.name)
            with self.into(boxes):
                self.boxes(principle, [d])
            with self.into(explanation):
                self.explanation(principle)

    def boxes(self, principle: PrincipleRow, docs: Sequence[Document]) -> None:
        """☒/☐ yes and no, the labels in each document's language."""
        p = self.paragraph("Table Text")
        for box, at in ((principle.integrated is True, 3), (principle.integrated is False, 4)):
            self.add_text(p, f"{'  ' if at == 4 else ''}{BOX[box]} ")
            for i, d in enumerate(docs):
                self.add_text(p, (" / " if i else "") + d.principles_header[at], lang=d.lang)

    def explanation(self, principle: PrincipleRow) -> None:
        if not principle.explanation:
            self.paragraph("Table Text")
        self.attribute([(i.contributor, self.item(i, "Table Text")) for i in principle.explanation])

    def problems(self) -> None:
        self.where = "problems"
        heading = self.paragraph("Heading 1")
        self.labels(heading, "problems", "Problems")
        heading.paragraph_format.page_break_before = True
        for problem in self.doc.problems:
            self.paragraph("List Bullet", problem)

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
            text = " " + note.text + (f" {note.url}" if note.url else "")
            r = p.add_r()
            r.text = self.text(text)
            self.tag(r, text)
            notes.append(wml.element("w:footnote", id=str(note.number)))
            notes[-1].append(p)
        wml.set_footnotes(self.out, notes)

    def furniture(self) -> None:
        """Page numbers in the footer (unless the template has them); DRAFT in the header of drafts."""
        section = self.out.sections[-1]
        footer = section.footer
        if not wml.has_page_field(footer._element):
            p = _empty_or_new(footer.paragraphs, footer.add_paragraph)
            p.style = self.out.styles["Footer"]
            self.labels(p, "page", "Page")
            p.add_run(" ")
            p._p.append(wml.simple_field(" PAGE ", "1"))
        if self.doc.draft:
            header = section.header
            p = _empty_or_new(header.paragraphs, header.add_paragraph)
            p.style = self.out.styles["Draft Mark"]
            self.labels(p, "draft", "DRAFT")

    def properties(self) -> None:
        d, props = self.doc, self.out.core_properties
        self.where = "document properties"
        props.title = self.prop(" ".join(d.title))
        props.subject, props.author = self.prop(d.subject), self.prop(d.author)
        props.keywords = self.prop(", ".join(x for x in ("GCM", d.survey_name, d.country) if x))
        props.language, props.comments, props.last_modified_by = d.locale, "", "gcmreview"
        props.created = props.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        props.revision = 1
        wml.set_document_language(self.out, d.locale, [x.lang for x in self.docs])
