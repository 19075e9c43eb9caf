"""The survey form in a Word document: its blocks in order, its tables, its last page and parts.

Stage: render (DOCX). :func:`render_docx` writes one laid-out
:class:`~..document.Document` with a :class:`FormWriter`. Layout: title and subtitle, mandate,
a contact table, instructions; per cluster its intro, a header table (cluster | GCM
objectives) and each question followed by its answer; question 5 as the principles
table with ☒/☐ boxes; questions 6-10 with "Answer:". :meth:`FormWriter.plan` lists these
blocks in order; each writes into the current container (the body, or a table cell of
the bilingual draft). Footnotes are real Word footnotes (a footnotes part python-docx
lacks: :func:`~.wml.set_footnotes`). Review drafts get a comment naming the contributor
over their text; drafts get a DRAFT header and a last page listing the problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from itertools import groupby
from pathlib import Path

from docx.oxml import OxmlElement
from docx.oxml.text.paragraph import CT_P
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from ..document import Body, ClusterView, Document, Item, PrincipleRow, QuestionView, Run, Table
from .styles import set_document_language
from .wml import comments_root, element, field, has_page_field, mark_header_rows, renumber_comments, set_footnotes, set_text
from .writer import DocxResult, Writer, is_empty

__all__ = ["PRINCIPLES_TABLE", "FormWriter", "Step", "render_docx"]

BOX = {True: "☒", False: "☐"}
Step = tuple[str, Callable[[], object]]
PRINCIPLES_TABLE = "principles table"  # the plan's section that is a table of its own


def render_docx(doc: Document, template: Path) -> DocxResult:
    """Render ``doc`` into a copy of ``template``: the .docx bytes, and in ``cleaned`` the removed characters."""
    writer = FormWriter([doc], template)
    writer.write()
    return writer.result()


def _empty_or_new(paragraphs: Sequence[Paragraph], add: Callable[[], Paragraph]) -> Paragraph:
    """The only paragraph while it is still empty (as in a new cell, header or footer), else a new one."""
    if len(paragraphs) == 1 and is_empty(paragraphs[0]):
        return paragraphs[0]
    return add()


class FormWriter(Writer):
    """Writes the form: the blocks of :meth:`plan` in order, then the problems page, the footnotes, the furniture and properties."""

    def write(self) -> None:
        """The whole form, block after block, then :meth:`finish`."""
        for _, step in self.plan(self.doc):
            step()
        self.finish()

    def finish(self) -> None:
        """What follows the form: the problems page of a draft, the footnotes and comments parts, header, footer and properties."""
        if self.doc.draft:
            self.problems()
        self.footnotes()
        if self.comments:
            root = comments_root(self.out)
            assert root is not None, "comments were added, so the part exists"
            root.extend(self.comments)
        renumber_comments(self.out, len(self.doc.footnotes) + 1)
        mark_header_rows(self.out.element.body)
        self.furniture()
        self.properties()

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

    # -- the blocks of the form --------------------------------------------------------

    def titles(self, d: Document) -> None:
        """The first title line as the Title, the others as one Subtitle paragraph (a line each), space after them.

        One paragraph of each style: readers such as pandoc take the document's title and
        subtitle from them and keep only one paragraph of each."""
        self.where = "title"
        if not d.title:
            return
        last = self.paragraph("Title", d.title[0])
        if len(d.title) > 1:
            last = self.paragraph("Subtitle")
            for i, line in enumerate(d.title[1:]):
                if i:
                    last.add_run().add_break()
                self.add_text(last, line)
        last.paragraph_format.space_after = Pt(18)

    def contact(self, d: Document) -> None:
        """The contact details' introduction and their table (label | value)."""
        self.where = "contact"
        self.form(d.contact_intro)
        table = self.new_table(len(d.contact), (), (5.0, 11.0))
        for row, (label, value) in zip(table.rows, d.contact, strict=True):
            for cell, text, bold in ((row.cells[0], label, True), (row.cells[1], value, False)):
                with self.into(cell):
                    self.paragraph("Table Text", text, bold)

    def sharing(self, d: Document) -> None:
        """Where to return the form, and whether it may be shared (☒/☐ yes and no)."""
        self.form(d.return_line, before=12)
        self.form(d.sharing_line)
        yes_label, yes, no_label, no = d.sharing
        self.form([Run(f"{BOX[yes]} {yes_label}\t{BOX[no]} {no_label}")])

    def closing(self, d: Document) -> None:
        """The introduction to the closing questions."""
        self.where = "closing"
        self.form(d.closing_intro, before=12)

    def heading(self, where: str, text: str) -> None:
        """A section heading; ``where`` names the section in what :meth:`text` reports."""
        self.where = where
        self.paragraph("Heading 2", text)

    def cluster(self, cluster: ClusterView) -> None:
        """A cluster's introduction and its header table (cluster | GCM objectives)."""
        self.where = cluster.title
        self.form(cluster.intro, before=12)
        title, objectives = self.new_table(1, (), (11.0, 5.0)).rows[0].cells
        with self.into(title):
            self.paragraph("Heading 1", cluster.title)
        with self.into(objectives):
            self.paragraph("Table Heading", cluster.objectives)

    def question(self, q: QuestionView) -> None:
        """A question, its answer's prefix ("Answer:") if any, and its answer."""
        self.where = f"question {q.qid or q.label}"
        self.runs(self.paragraph("Question", q.label + "\t"), q.text)
        if q.answer_prefix:
            self.paragraph("Form Text", q.answer_prefix, bold=True)
        self.body(q.body)

    def form(self, runs: Sequence[Run], style: str = "Form Text", before: float = 0) -> Paragraph:
        """A paragraph of the form's own text, ``before`` points of space above it."""
        p = self.paragraph(style)
        self.runs(p, runs)
        if before:
            p.paragraph_format.space_before = Pt(before)
        return p

    # -- answers ------------------------------------------------------------------------

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
        """An answer: its paragraphs and tables, each stretch of a contributor's commented in review drafts."""
        attributed: list[tuple[str, Paragraph]] = []
        for block in body:
            if isinstance(block, Table):
                self.attribute(attributed)
                attributed = []
                self.table(block)
            else:
                attributed.append((block.contributor, self.item(block)))
        self.attribute(attributed)

    def table(self, block: Table) -> None:
        """A table of an answer (the statistics), a comment naming the contributor over each run of their rows."""
        table = self.new_table(len(block.rows), block.header)
        for row, cells in zip(table.rows[1:], block.rows, strict=True):
            for cell, runs in zip(row.cells, cells, strict=True):
                with self.into(cell):
                    self.runs(self.paragraph("Table Text"), runs)
        codes = [*block.contributors, *[""] * (len(block.rows) - len(block.contributors))]
        for code, group in groupby(zip(codes, table.rows[1:], strict=False), key=lambda pair: pair[0]):
            first_row = next(group)[1]  # one comment per run of rows, on the first row's first cell
            self.attribute([(code, first_row.cells[0].paragraphs[0])])

    def principles(self, d: Document) -> None:
        """Question 5's table: per principle its name, the ☒/☐ boxes and the explanation."""
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
        """A principle's explanation (an empty paragraph if it has none), with its contributors' comments."""
        if not principle.explanation:
            self.paragraph("Table Text")
        self.attribute([(i.contributor, self.item(i, "Table Text")) for i in principle.explanation])

    # -- the last page, parts and properties -----------------------------------------

    def problems(self) -> None:
        """A draft's last page: the problems found, one bullet each."""
        self.where = "problems"
        heading = self.paragraph("Heading 1")
        self.labels(heading, "problems", "Problems")
        heading.paragraph_format.page_break_before = True
        for problem in self.doc.problems:
            self.paragraph("List Bullet", problem)

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
            set_text(r, self.text(text))
            self.tag(r, text)
            notes.append(element("w:footnote", id=str(note.number)))
            notes[-1].append(p)
        set_footnotes(self.out, notes)

    def furniture(self) -> None:
        """Page numbers in the footer (unless the template has them); DRAFT in the header of drafts."""
        section = self.out.sections[-1]
        footer = section.footer
        if not has_page_field(footer._element):
            p = _empty_or_new(footer.paragraphs, footer.add_paragraph)
            p.style = self.out.styles["Footer"]
            self.labels(p, "page", "Page")
            p.add_run(" ")
            p._p.extend(field(" PAGE ", "1"))
        if self.doc.draft:
            header = section.header
            p = _empty_or_new(header.paragraphs, header.add_paragraph)
            p.style = self.out.styles["Draft Mark"]
            self.labels(p, "draft", "DRAFT")

    def properties(self) -> None:
        """The document properties (title, subject, author, keywords, language, dates) and the default language."""
        d, props = self.doc, self.out.core_properties
        self.where = "document properties"
        props.title = self.prop(" ".join(d.title))
        props.subject, props.author = self.prop(d.subject), self.prop(d.author)
        props.keywords = self.prop(", ".join(x for x in ("GCM", d.survey_name, d.country) if x))
        props.language, props.comments, props.last_modified_by = d.locale, "", "gcmreview"
        props.created = props.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        props.revision = 1
        set_document_language(self.out, d.locale, [x.lang for x in self.docs])
