"""The PDF's structure tree: running heads as artifacts, languages and footnotes tagged.

Stage: render (PDF), workarounds for WeasyPrint 70.0's tagging (``pdf/tags.py``),
entered by :func:`~.pdf.render_pdf` around ``write_pdf`` with the laid-out document:

* **Running heads and page numbers** (the page's margin boxes) are drawn as tagged
  content whose structure elements WeasyPrint then leaves out of the tree, so the
  ParentTree holds entries that no element reaches. Here their text is drawn as
  ``/Artifact`` marked content instead, with no MCID, and no element is made for it.
* **Languages.** No structure element has ``/Lang``, although the HTML marks every
  Khmer span and cell. Here each element whose computed language (CSS ``lang``)
  differs from its parent's, or from the document's, gets ``/Lang``.
* **Footnotes.** A footnote's text (``span.footnote``, floated to the page foot) is a
  ``/Note`` with an ``/ID``, and its call (``::footnote-call``) a ``/Reference``,
  instead of ``NonStruct`` and ``Span``; the call is a link to its note (a Link
  annotation to the footnote's ``id``, in the Reference element).
* **Header cells** carry their HTML ``scope`` as ``/Scope`` (``/Row``, ``/Column``),
  so that readers (and checkers) know which cells each one heads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from .patching import replaced

__all__ = ["tagged_structure"]


def _margin_content(document: Any) -> set[int]:
    """The ids of every box inside a page's margin boxes (running heads, page numbers)."""
    from weasyprint.formatting_structure import boxes

    found: set[int] = set()

    def walk(box: Any) -> None:
        found.add(id(box))
        for child in getattr(box, "children", None) or []:
            walk(child)

    for page in document.pages:
        for child in page._page_box.children:
            if isinstance(child, boxes.MarginBox):
                walk(child)
    return found


def _link_calls(document: Any) -> None:
    """Each footnote call a link to its note: an internal link to the footnote's id, as ``<a href>`` makes one."""
    from weasyprint.formatting_structure import boxes

    def walk(box: Any) -> Iterator[Any]:
        yield box
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    for page in document.pages:
        linked = {id(link[3]) for link in page.links}
        for box in walk(page._page_box):
            target = box.element.get("id") if box.element is not None else None
            call = (box.element_tag or "").endswith("::footnote-call") and not isinstance(box, boxes.TextBox)  # as for <a>
            if call and target and id(box) not in linked:
                x, y, width, height = box.hit_area()
                page.links.append(("internal", target, (x, y, x + width, y + height), box))


def _language(box: Any) -> str:
    lang = box.style["lang"] if box.style is not None else None
    return str(lang) if lang else ""


_SCOPES = {"col": "/Column", "row": "/Row", "colgroup": "/Column", "rowgroup": "/Row"}
"""A header cell's HTML ``scope`` as the table attribute ``/Scope``."""


def _primary(lang: str) -> str:
    return lang.split("-")[0].lower()


class _Tagger:
    def __init__(self, document: Any) -> None:
        self.margin = _margin_content(document)
        self.languages: dict[int, str] = {}
        """id(structure element dictionary) -> its language, to tell where the language changes."""
        self.notes = 0
        self.noted: set[int] = set()
        """The footnote elements already tagged as a Note (a note split over two pages is one Note)."""

    def retag(self, box: Any, element: Any, parent: Any) -> None:
        """Language and footnote tags on an element WeasyPrint made for ``box``."""
        import pydyf

        inherited = self.languages.get(id(parent), self.document_language)
        own = _language(box) or inherited
        if _primary(own) != _primary(inherited):  # km and km-KH are one language
            element["Lang"] = pydyf.String(own)
        self.languages[id(element)] = own
        tag = box.element_tag or ""
        classes = (box.element.get("class") or "").split() if box.element is not None else []
        if tag == "span" and "footnote" in classes and element["S"] in ("/Span", "/NonStruct") and id(box.element) not in self.noted:
            self.noted.add(id(box.element))
            self.notes += 1
            element["S"] = "/Note"
            element["ID"] = pydyf.String(box.element.get("id") or f"note-{self.notes}")  # the call's link names it
        elif tag.endswith("::footnote-call"):
            element["S"] = "/Reference"
        elif element["S"] == "/TH" and "A" in element:
            scope = _SCOPES.get((box.element.get("scope") or "") if box.element is not None else "")
            if scope is not None:
                element["A"]["Scope"] = scope

    document_language = ""


@contextmanager
def tagged_structure(document: Any) -> Iterator[None]:
    """While ``document`` (laid out) is written: the structure tree as the module describes."""
    import weasyprint.pdf as writer
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import stream as streams
    from weasyprint.pdf import tags

    tagger = _Tagger(document)
    _link_calls(document)
    root = document.pages[0]._page_box if document.pages else None
    tagger.document_language = _language(root.children[0]) if root is not None and root.children else ""
    marked = streams.Stream.marked
    build = tags._build_box_tree
    add_tags = writer.add_tags  # generate_pdf calls it by this name

    def tag_all(*args: Any, **kwargs: Any) -> Any:
        tagger.languages.clear()  # each PDF written numbers its notes from 1
        tagger.noted.clear()
        tagger.notes = 0
        return add_tags(*args, **kwargs)

    @contextmanager
    def mark(stream: Any, box: Any, tag: str) -> Iterator[None]:
        if id(box) in tagger.margin:
            with stream.artifact():
                yield
            return
        with marked(stream, box, tag):
            yield

    def tree(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            return  # drawn as an artifact: nothing to put in the tree
        passed_on = isinstance(box, boxes.PageBox) or box.element_tag in ("html", "body")  # yields its children's
        for element in build(box, parent, *args):
            if not passed_on:
                tagger.retag(box, element, parent)
            yield element

    with ExitStack() as stack:
        stack.enter_context(replaced(streams.Stream, "marked", mark))
        stack.enter_context(replaced(tags, "_build_box_tree", tree))
        stack.enter_context(replaced(writer, "add_tags", tag_all))
        yield
