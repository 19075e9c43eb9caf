"""The submission in two languages side by side, as a Word document for workshops.

Stage: render (DOCX). :func:`render_bilingual_docx` takes two documents laid out together
(:func:`~..document.layout_languages`, so their structure and footnote numbering are the
same) and writes them on landscape pages: each section of the form is a borderless
two-column table whose header row, repeated on every page, names the two languages in
their own script ("English | ភាសាខ្មែរ"); each row holds one block of the form, the left
document's in the left cell and the right one's in the right cell (title, mandate
paragraphs, contact, instructions, each cluster's header, each question with its whole
answer). The principles table has the names in both languages, the boxes once and the
explanations in a column per language.

Rows follow the order :func:`~..document.layout_languages` numbered the footnotes in
(question by question, left language first), so reading row by row, left cell then
right, footnote numbers rise. Everything else - runs, pending-translation marks, script
fonts, footnotes, review comments, draft marks - is :class:`~.form.FormWriter`'s.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from docx.enum.section import WD_ORIENT
from docx.shared import Pt
from docx.table import Table as DocxTable

from ...survey.languages import language
from ..document import Document
from .form import PRINCIPLES_TABLE, FormWriter
from .wml import set_widths
from .writer import DocxResult

__all__ = ["render_bilingual_docx"]

PRINCIPLE_WIDTHS = (4.5, 3.5, 8.5, 8.5)  # name (both languages) | boxes | explanation, left | explanation, right


def render_bilingual_docx(left: Document, right: Document, template: Path) -> DocxResult:
    """``left`` and ``right`` side by side in a copy of ``template``; ``cleaned`` as for one language.

    ``left`` must be the first of the languages passed to :func:`~..document.layout_languages`
    (it gives the footnotes, labels and document properties); ValueError if the two were not
    laid out together."""
    if left.footnotes != right.footnotes:
        raise ValueError("the documents were not laid out together: their footnotes differ")
    writer = _BilingualWriter(left, right, template)
    writer.write()
    return writer.result()


class _BilingualWriter(FormWriter):
    """The form in two documents, a row of a two-column table per block (see the module's docstring)."""

    def __init__(self, left: Document, right: Document, template: Path) -> None:
        super().__init__([left, right], template)
        self.left, self.right = left, right
        for section in self.out.sections:
            width, height = section.page_width, section.page_height
            if width is not None and height is not None and width < height:
                section.page_width, section.page_height = height, width
            section.orientation = WD_ORIENT.LANDSCAPE
        self.width = self.text_width()

    def write(self) -> None:
        """Both documents' blocks, paired section by section, then what follows the form."""
        left, right = self.plan(self.left), self.plan(self.right)
        if [section for section, _ in left] != [section for section, _ in right]:
            raise ValueError("the documents are laid out differently")
        for section, group in groupby(zip(left, right, strict=True), key=lambda pair: pair[0][0]):
            pairs = list(group)
            if section == PRINCIPLES_TABLE:
                self.principles_side_by_side()
                continue
            table = self.pair_table(len(pairs))
            for row, ((_, left_step), (_, right_step)) in zip(table.rows[1:], pairs, strict=True):
                for cell, doc, step in zip(row.cells, (self.left, self.right), (left_step, right_step), strict=True):
                    with self.into(cell, doc):
                        step()
                    for p in cell.paragraphs:  # rows are the units: LibreOffice would keep a whole row with the next
                        if p.style is not None and p.style.paragraph_format.keep_with_next:
                            p.paragraph_format.keep_with_next = False
        self.finish()

    def spacer(self) -> None:
        """A paragraph between two tables, or Word joins them into one."""
        last = self.out.element.body[-2] if len(self.out.element.body) > 1 else None
        if last is not None and last.tag.endswith("}tbl"):
            self.paragraph("Form Text").paragraph_format.space_after = Pt(0)

    def pair_table(self, rows: int) -> DocxTable:
        """A borderless two-column table of ``rows`` rows after a header row, repeated on each page, naming the languages."""
        self.spacer()
        table: DocxTable = self.out.add_table(rows=rows + 1, cols=2)
        table.autofit = False
        set_widths(table, (self.width / 2, self.width / 2))
        self.heading_row(table.rows[0], [[(language(d.lang).native, d)] for d in (self.left, self.right)])
        return table

    def principles_side_by_side(self) -> None:
        """Question 5's table: names in both languages, the boxes once, an explanation column per language."""
        self.spacer()
        left, right = self.left, self.right
        table = self.new_table(len(left.principles) + 1, (), PRINCIPLE_WIDTHS, whole_rows=False)
        lh, rh = left.principles_header, right.principles_header
        self.heading_row(table.rows[0], [[(lh[0], left), (rh[0], right)], [(lh[1], left), (rh[1], right)],
                                         [(lh[2], left)], [(rh[2], right)]])
        for row, lp, rp in zip(table.rows[1:], left.principles, right.principles, strict=True):
            self.where = f"principle {lp.name}"
            name, boxes, left_cell, right_cell = row.cells
            for doc, principle in ((left, lp), (right, rp)):
                with self.into(name, doc):
                    self.paragraph("Table Text", principle.name)
            with self.into(boxes, left):
                self.boxes(lp, (left, right))
            with self.into(left_cell, left):
                self.explanation(lp)
            with self.into(right_cell, right):
                self.explanation(rp)
