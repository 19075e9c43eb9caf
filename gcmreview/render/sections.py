"""A PDF rendered by parts: each part of the form its own WeasyPrint document, joined into one.

Stage: render (PDF). WeasyPrint lays a document out whole, on one core, holding
every page's boxes until the end. The templates mark the parts of the form with
``<!--gcm:part-->`` (the front matter, each cluster, question 5, questions 6-10, a
draft's problems) and the end of the last with ``<!--gcm:end-->``;
:func:`split_parts` cuts the page's HTML there, and a part longer than
:data:`MAX_SECTION_TEXT` again where it has a ``<!--gcm:break-->`` (between the
questions of a cluster) and, where one question alone is longer (a review of a
hundred contributors and more), at its ``<!--gcm:cut-->`` marks (between the
paragraphs of an answer), so that memory stays bounded in a large review. Each part, with the page's head and
its running elements, is a section (:func:`section_html`), rendered on its own by
:func:`render_section` (in worker processes, cached by its content), starting on a
new page; a template without the marks is one section.

The sections' PDFs become one in :mod:`.joining`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..errors import Diagnostic
from .glyphs import GlyphError
from .pdf import PDF_VARIANT, Bookmark, SafeFetcher, render_pdf
from .templates import template_dirs

__all__ = ["BREAK", "CUT", "END", "MAX_SECTION_TEXT", "MIN_SECTION_TEXT", "PART", "Parts", "SectionPdf", "folio_html", "group_parts", "render_section",
           "section_html", "split_parts"]

PART = "<!--gcm:part-->"
"""Starts a part of the form in a template's HTML."""
END = "<!--gcm:end-->"
"""Ends the last part."""
BREAK = "<!--gcm:break-->"
"""Where a part too long for one render may be cut (between the questions of a cluster)."""
CUT = "<!--gcm:cut-->"
"""Where a question too long for one render may be cut (between the paragraphs, or rows, of its answer)."""

NO_PAGE_NUMBER = "<style>@page { @bottom-center { content: none } }</style>\n"
"""Put at the end of a section's head: its pages carry no number, the join gives them theirs."""

MAX_SECTION_TEXT = 60_000
"""Characters of text (some 20 pages) above which a part is cut at its :data:`BREAK` marks, so that no render holds
the pages of a whole cluster of a large review (WeasyPrint keeps about 1 MB a page until a document is written)."""

MIN_SECTION_TEXT = 8000
"""Characters of text a section holds at least, parts being put together until it does: a smaller one costs more
in the joined PDF (its own fonts' character maps, 2-3 kB) than its layout saves."""

_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_TOKEN = re.compile(r"<!--.*?-->|<(?P<close>/?)(?P<name>[a-zA-Z][\w-]*)\b[^>]*>", re.DOTALL)
_ID = re.compile(r"""\s+id\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})


@dataclass(frozen=True)
class Parts:
    """A page's HTML cut at its parts: what comes before the first, the parts, and what follows the last."""

    prologue: str
    """The head, the body's start tag and what precedes the first part (running heads, a draft's watermark)."""
    parts: tuple[str, ...]
    epilogue: str

    def __len__(self) -> int:
        return len(self.parts)


def split_parts(html: str, max_text: int = MAX_SECTION_TEXT) -> Parts:
    """``html`` cut at its :data:`PART` marks, and a part of more than ``max_text`` characters of text again
    (:func:`_pieces`); one part (the whole body) when it has none."""
    start, end = html.find(PART), html.rfind(END)
    if start == -1 or end < start:
        body = _BODY.search(html)
        cut = body.end() if body else 0
        closing = html.lower().rfind("</body>")
        stop = closing if closing >= cut else len(html)
        return Parts(html[:cut], (html[cut:stop],), html[stop:])
    parts = html[start + len(PART):end].split(PART)
    return Parts(html[:start], tuple(piece for part in parts for piece in _pieces(part, max_text)), html[end + len(END):])


def _text(html: str) -> int:
    return len(_TAG.sub("", html))


@dataclass(frozen=True)
class _Mark:
    """A place a part may be cut: where its mark is in the part, the mark, and the start tags of the elements open there."""

    start: int
    end: int
    mark: str
    open: tuple[tuple[str, str], ...]
    """(name, start tag) of each element open at the mark, outermost first."""


def _marks(part: str) -> list[_Mark]:
    """The :data:`BREAK` and :data:`CUT` marks of ``part``, each with the elements open where it is."""
    marks: list[_Mark] = []
    stack: list[tuple[str, str]] = []
    for token in _TOKEN.finditer(part):
        name = token.group("name")
        if name is None:
            if token.group(0) in (BREAK, CUT):
                marks.append(_Mark(token.start(), token.end(), token.group(0), tuple(stack)))
            continue
        name = name.lower()
        if token.group("close"):
            names = [n for n, _ in stack]
            if name in names:  # an end tag closes its element and any left open inside it
                del stack[len(names) - 1 - names[::-1].index(name):]
        elif name not in _VOID and not token.group(0).endswith("/>"):
            stack.append((name, _ID.sub("", token.group(0))))  # opened again without its id: an id is once a page
    return marks


def _pieces(part: str, max_text: int = MAX_SECTION_TEXT) -> list[str]:
    """``part`` as it is, or cut into pieces of at most ``max_text`` characters of text: at its :data:`BREAK` marks
    (between questions), and where what lies between two of them is longer still, at its :data:`CUT` marks (between
    the paragraphs of an answer). A piece is never less than what lies between two marks; the elements open at a cut
    are closed there and opened again (without their ids) at the start of the next piece, so each keeps its look."""
    if _text(part) <= max_text:
        return [part]
    marks = _marks(part)
    bounds = [0, *(m.start for m in marks if m.mark == BREAK), len(part)]
    allowed = {m.start for m in marks if m.mark == BREAK}
    for lo, hi in pairwise(bounds):  # between two questions, still too long: its answer's paragraphs too
        if _text(part[lo:hi]) > max_text:
            allowed |= {m.start for m in marks if m.mark == CUT and lo < m.start < hi}
    cuts = [m for m in marks if m.start in allowed]
    chosen: list[_Mark] = []
    size = 0
    for n, (lo, hi) in enumerate(zip([0, *(m.end for m in cuts)], [*(m.start for m in cuts), len(part)], strict=True)):
        length = _text(part[lo:hi])
        if size and size + length > max_text:
            chosen.append(cuts[n - 1])
            size = 0
        size += length
    pieces: list[str] = []
    for n, (lo, hi) in enumerate(zip([0, *(m.end for m in chosen)], [*(m.start for m in chosen), len(part)], strict=True)):
        reopen = "".join(tag for _, tag in chosen[n - 1].open) if n else ""
        close = "".join(f"</{name}>" for name, _ in reversed(chosen[n].open)) if n < len(chosen) else ""
        pieces.append(reopen + part[lo:hi] + close)
    return pieces


def group_parts(parts: Parts, min_text: int = MIN_SECTION_TEXT) -> list[range]:
    """The sections of ``parts``: runs of consecutive parts, each with at least ``min_text`` characters of text
    (but the last), so that a short part (the front matter, questions 6-10 of a small review) joins the next."""
    groups: list[range] = []
    start, text = 0, 0
    for index, part in enumerate(parts.parts):
        text += _text(part)
        if text >= min_text:
            groups.append(range(start, index + 1))
            start, text = index + 1, 0
    if start < len(parts):
        if groups and text < min_text:
            groups[-1] = range(groups[-1].start, len(parts))
        else:
            groups.append(range(start, len(parts)))
    return groups


def section_html(parts: Parts, section: range) -> str:
    """The parts of ``section`` as a page of their own: the prologue (with :data:`NO_PAGE_NUMBER` in its head), the
    parts, the epilogue."""
    head_end = parts.prologue.lower().find("</head>")
    if head_end == -1:
        prologue = NO_PAGE_NUMBER + parts.prologue
    else:
        prologue = parts.prologue[:head_end] + NO_PAGE_NUMBER + parts.prologue[head_end:]
    return prologue + "".join(parts.parts[i] for i in section) + parts.epilogue


def folio_html(parts: Parts, pages: int) -> str:
    """``pages`` empty pages with the page rules and the body's classes of ``parts``: only their margin boxes show,
    the page number among them (the running heads are the sections' own: the folio has no running elements)."""
    body = _BODY.search(parts.prologue)
    start = parts.prologue[:body.end()] if body else parts.prologue
    blank = '<div style="break-before: page"></div>'
    return start + "<div></div>" + blank * (pages - 1) + "</body></html>"


@dataclass
class SectionPdf:
    """A section rendered: its PDF, page count and outline entries, and what the renderer reported."""

    data: bytes
    pages: int
    bookmarks: list[Bookmark] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    glyphs: list[Diagnostic] = field(default_factory=list)
    """Text the PDF shows wrongly (GCM50x)."""
    refused: list[Diagnostic] = field(default_factory=list)
    """Files the page asked for and was refused (GCM255)."""

    def facts(self) -> dict[str, object]:
        """What the cache keeps besides the bytes."""
        return {"pages": self.pages, "bookmarks": [[b.level, b.label, b.page, b.x, b.y] for b in self.bookmarks],
                "messages": self.messages, "glyphs": [d.to_json() for d in self.glyphs],
                "refused": [d.to_json() for d in self.refused]}

    @classmethod
    def from_cache(cls, facts: dict[str, Any], data: bytes) -> SectionPdf:
        """The section the cache kept; KeyError, TypeError or ValueError if its facts are not what :meth:`facts` gave."""
        pages, messages = facts["pages"], facts["messages"]
        if type(pages) is not int or not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
            raise TypeError("not the facts of a section")
        bookmarks = [Bookmark(int(level), str(label), int(page), float(x), float(y)) for level, label, page, x, y in facts["bookmarks"]]
        return cls(data, pages, bookmarks, messages, [Diagnostic.from_json(d) for d in facts["glyphs"]],
                   [Diagnostic.from_json(d) for d in facts["refused"]])


def render_section(html: str, workspace: Path | None, *, folio: bool = False) -> SectionPdf:
    """A section's PDF (:func:`section_html`), or with ``folio`` the folio's (:func:`folio_html`: untagged, its page
    numbers are drawn as artifacts, its text not checked); text it shows wrongly is reported, with the PDF made anyway."""
    messages: list[str] = []
    stats: dict[str, int] = {}
    outline: list[Bookmark] = []
    fetcher = SafeFetcher(template_dirs(workspace))
    try:
        data = render_pdf(html, workspace, fetcher=fetcher, messages=messages, stats=stats, outline=outline,
                          variant=None if folio else PDF_VARIANT, check_glyphs=not folio)
        glyphs: list[Diagnostic] = []
    except GlyphError as exc:
        data, glyphs = exc.pdf or b"", list(exc.diagnostics)
    return SectionPdf(data, stats.get("pages", 0), outline, messages, glyphs, fetcher.refusals())
