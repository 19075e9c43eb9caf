"""The laid-out submission as HTML, the source WeasyPrint turns into the PDF.

Stage: render (HTML). :func:`render_html` fills ``submission.html.j2`` (the
workspace's own ``templates/`` first, then the packaged one) with a
:class:`~gcmreview.render.document.Document`. Jinja escapes every value, so text
from a spreadsheet can never become markup; the template only places what the
Document holds. Two typesetting helpers live here rather than in the template:
list items are nested into ``<ul>``/``<ol>`` blocks, and citations become CSS
footnotes (the first citation of a reference carries the footnote text, later
ones a superscript number), numbered as WeasyPrint's ``footnote`` counter will
number them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .document import Body, Document, Footnote, Item, Run, Table
from .templates import find_template, template_dirs

__all__ = ["ListBlock", "ListEntry", "render_html"]

TEMPLATE = "submission.html.j2"
LOG = logging.getLogger(__name__)


@dataclass
class ListEntry:
    """One list item, with the lists nested under it."""

    item: Item
    value: int | None = None
    children: list[ListBlock] = field(default_factory=list)


@dataclass
class ListBlock:
    """Consecutive bullet or numbered items of one level: a ``<ul>`` or ``<ol>``."""

    kind: Literal["bullet", "numbered"]
    entries: list[ListEntry] = field(default_factory=list)


Block = Item | Table | ListBlock


def _value(item: Item) -> int | None:
    """The number a numbered item shows ("3." -> 3)."""
    match = re.match(r"\d+", item.number)
    return int(match.group()) if match else None


def _nest(items: list[Item]) -> list[ListBlock]:
    """Consecutive list items as lists, deeper levels nested under the item before them."""
    roots: list[ListBlock] = []
    stack: list[tuple[int, ListBlock]] = []  # open lists, innermost last
    for item in items:
        while stack and (stack[-1][0] > item.level or (stack[-1][0] == item.level and stack[-1][1].kind != item.kind)):
            stack.pop()
        if stack and stack[-1][0] == item.level:
            block = stack[-1][1]
        else:
            block = ListBlock("bullet" if item.kind == "bullet" else "numbered")
            if stack and stack[-1][1].entries:
                stack[-1][1].entries[-1].children.append(block)
            else:
                roots.append(block)
            stack.append((item.level, block))
        block.entries.append(ListEntry(item, _value(item)))
    return roots


def blocks(body: list[Body]) -> list[Block]:
    """An answer body with its runs of list items grouped into (nested) lists."""
    out: list[Block] = []
    pending: list[Item] = []
    for part in body:
        if isinstance(part, Item) and part.kind != "paragraph":
            pending.append(part)
            continue
        out += _nest(pending)
        pending = []
        out.append(part)
    return out + _nest(pending)


def runs(items: list[Run]) -> list[Run]:
    """The runs to typeset: no space before a footnote call ("home [@x]." -> "home¹.")."""
    out: list[Run] = []
    for i, run in enumerate(items):
        following = items[i + 1] if i + 1 < len(items) else None
        if following is not None and following.footnote is not None and run.text and not run.linebreak:
            run = Run(run.text.rstrip(), run.bold, run.italic)
            if not run.text:
                continue
        out.append(run)
    return out


class Citations:
    """Decides, citation by citation in document order, footnote or repeat reference.

    WeasyPrint numbers ``float: footnote`` elements in document order, so the
    n-th footnote emitted is shown as n; :meth:`shown_as` gives that number for
    repeat references. It equals the Document's (numbered by first citation)
    unless a workspace template places answers in another order, which
    :meth:`check` reports.
    """

    def __init__(self, doc: Document) -> None:
        self.notes: dict[int, Footnote] = {n.number: n for n in doc.footnotes}
        self.shown: dict[int, int] = {}  # document number -> number WeasyPrint shows

    def first(self, number: int) -> bool:
        """Whether this citation is the first of its reference (the footnote itself goes here)."""
        if number in self.shown:
            return False
        self.shown[number] = len(self.shown) + 1
        return True

    def shown_as(self, number: int) -> int:
        return self.shown[number]

    def note(self, number: int) -> Footnote:
        return self.notes[number]

    def check(self) -> bool:
        """True if every footnote was placed and shows the Document's number."""
        ok = all(doc_number == shown for doc_number, shown in self.shown.items()) and set(self.shown) == set(self.notes)
        if not ok:
            LOG.warning("Footnote numbers in the HTML differ from the document's: %s", self.shown)
        return ok


def environment(workspace: Path | None) -> Environment:
    """The Jinja environment over the template folders (workspace's first)."""
    env = Environment(
        loader=FileSystemLoader([str(d) for d in template_dirs(workspace)]),
        autoescape=True,  # explicitly: select_autoescape() would not cover .j2 names
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(blocks=blocks, runs=runs)
    env.tests.update(item=lambda x: isinstance(x, Item), table=lambda x: isinstance(x, Table),
                     listblock=lambda x: isinstance(x, ListBlock))
    return env


def render_html(doc: Document, workspace: Path | None) -> str:
    """The submission as an HTML page for WeasyPrint (``submission.html.j2``)."""
    find_template(TEMPLATE, workspace)  # a clear GcmReviewError if it is missing
    citations = Citations(doc)
    html = environment(workspace).get_template(TEMPLATE).render(doc=doc, cite=citations)
    citations.check()
    return html
