"""The DOCX writer's core: paragraphs, runs, their languages, footnote references, comments.

Stage: render (DOCX). A :class:`Writer` holds a copy of the template (its text removed,
the renderer's styles added: :func:`~.styles.ensure_styles`) and writes into the current
container, the body or a table cell (:meth:`Writer.into`). What the form is made of is
:class:`~.form.FormWriter`'s, a subclass. Workbook text only ever becomes run text, never
XML, in Unicode NFC; characters XML cannot hold are removed (:func:`clean`) and reported
with where they were (:class:`DocxResult`). Every run in a complex-script language
(Khmer, Lao, Myanmar, Thai: the document's, a pending text's, or a script found in the
text) carries its font and language (:func:`~.styles.set_script`), as do the styles of a
complex-script document. A source's first citation carries the footnote, later ones are
NOTEREF cross-references (complex fields, as Word writes them) showing the same number.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm
from docx.table import Table as DocxTable
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run as DocxRun

from ...chars import codepoint, not_xml, without_not_xml
from ...survey.languages import complex_language_in, language, languages
from ..document import Document, Run
from . import styles, wml

__all__ = ["DocxResult", "Writer", "clean", "is_empty"]

TABLE_WIDTH_CM = 16.0  # the base template's text width (A4, 2.5 cm margins), if a template has no page size
CELL_MARGINS_CM = 0.38  # Word's default cell margins, left and right
BOOKMARK_BASE = 100_000  # bookmark ids for first citations: BOOKMARK_BASE + footnote number


@dataclass
class DocxResult:
    """The .docx bytes and, for the build log, each text that lost characters XML cannot hold."""

    data: bytes
    cleaned: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    """The template's links to files outside it, left out (:func:`~.wml.drop_external_links`)."""


def clean(text: str) -> tuple[str, int]:
    """``text`` in NFC without the characters XML 1.0 cannot hold (controls, U+FFFE/FFFF, lone surrogates)."""
    result, removed = without_not_xml(text)
    return unicodedata.normalize("NFC", result), removed


def is_empty(p: Paragraph) -> bool:
    """Whether ``p`` has nothing but (maybe) its paragraph properties."""
    return len(p._p) == (p._p.pPr is not None)


class Writer:
    """Writes laid-out documents into a copy of the template; :class:`~.form.FormWriter` writes the form with it.

    ``docs[0]`` gives the footnotes, labels and properties; ``box`` is where blocks go (the
    body or a table cell), ``d`` and ``lang`` the document and language being written."""

    def __init__(self, docs: Sequence[Document], template: Path) -> None:
        self.docs, self.doc = list(docs), docs[0]
        self.d, self.lang = self.doc, self.doc.lang
        self.out: DocxDocument = docx.Document(str(template))
        self.links = wml.drop_external_links(self.out)  # Word would fetch them on opening the document
        self.box: DocxDocument | _Cell = self.out
        self.cleaned: list[str] = []
        self.where = "document"
        self.cited: set[int] = set()
        self._style_ids: dict[str, str | None] = {}
        self.comments: list[BaseOxmlElement] = []
        """Review comments, added to the comments part at the end (see :meth:`comment`)."""
        styles.ensure_styles(self.out)
        styles.script_styles(self.out, [d.lang for d in self.docs])
        wml.clear_template(self.out)
        body = self.out.element.body
        self._body_end: BaseOxmlElement | None = body[-1] if len(body) and body[-1].tag == qn("w:sectPr") else None
        self.width = self.text_width()

    def result(self) -> DocxResult:
        """The document written so far as .docx bytes, with what was cleaned."""
        buffer = io.BytesIO()
        self.out.save(buffer)
        return DocxResult(buffer.getvalue(), self.cleaned, self.links)

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
        p: Paragraph = last if last is not None and is_empty(last) and box._element[-1] is last._p else self.new_paragraph()
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
        """A run of clean ``text`` at the end of ``p``, bold or italic as asked, its language marked."""
        r = p.add_run()
        wml.set_text(r._r, self.text(text))
        if bold or italic:
            r.bold, r.italic = bold or None, italic or None
            styles.mirror_complex_script(r._r.get_or_add_rPr())
        self.tag(r._r, text, lang)

    def tag(self, r: CT_R, text: str, lang: str = "") -> None:
        """Mark a run's language: ``lang`` if it is another, the writer's if complex, and any complex script in it."""
        lang = lang if lang in languages() else self.lang
        tags = [lang] if lang != self.lang or language(lang).complex_script else []
        found = complex_language_in(text) if not language(lang).complex_script else ""
        for code in [*tags, *([found] if found else [])]:
            styles.set_script(r.get_or_add_rPr(), code)

    def runs(self, p: Paragraph, runs: Sequence[Run], lang: str = "") -> None:
        """The laid-out ``runs`` at the end of ``p``: text, line breaks and footnote references."""
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
            p._p.extend(wml.field(f" NOTEREF {name} \\f \\h ", str(number), "FootnoteReference"))
            return
        self.cited.add(number)
        p._p.append(wml.element("w:bookmarkStart", id=str(BOOKMARK_BASE + number), name=name))
        r = p.add_run()._r
        r.style = "FootnoteReference"
        r.append(wml.element("w:footnoteReference", id=str(number)))
        p._p.append(wml.element("w:bookmarkEnd", id=str(BOOKMARK_BASE + number)))

    def labels(self, p: Paragraph, key: str, default: str) -> None:
        """A label of every document's, in its language, separated by " / "."""
        for i, d in enumerate(self.docs):
            self.add_text(p, (" / " if i else "") + d.labels.get(key, default), lang=d.lang)

    # -- review comments ---------------------------------------------------------------

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
