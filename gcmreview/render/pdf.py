"""The HTML submission as a PDF, with WeasyPrint, fetching nothing but template files.

Stage: render (PDF). :func:`render_pdf` lays out the page :func:`~gcmreview.render.html.render_html`
made. Title, author, subject and language come from the page's ``<title>``,
``<meta>`` and ``<html lang>``; PDF/UA-1 tagging is on when the installed
WeasyPrint offers it. :class:`SafeFetcher` is the only way WeasyPrint can read a
resource: it serves files inside the template folders (the stylesheet and
whatever a workspace's stylesheet uses) and refuses everything else, so no
text of a contribution can make the build read a local file or the network.

Text the PDF cannot show properly fails the build: :func:`render_pdf` raises
:class:`~.glyphs.GlyphError` (see :mod:`.glyphs`).

WeasyPrint is faster on long documents with two changes to process-wide state
(:func:`tuned`: the cycle collector's thresholds, and a pydyf lookup remembered).
Only the build's render workers enter it (:func:`setup_render_worker`, their
process initializer), so a program calling the library keeps its own settings.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..errors import Code, Diagnostic, Location
from .glyphs import NOTDEF, GlyphError, glyph_problems
from .scripts import ZWSP
from .templates import template_dirs

with warnings.catch_warnings():
    # Without the system's libharfbuzz-subset, WeasyPrint subsets fonts with fontTools and says
    # so with a DeprecationWarning at import: a note on the installation, not on the document.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
    import pydyf
    from weasyprint import HTML
    from weasyprint.document import Document as LaidOut
    from weasyprint.pdf import VARIANTS
    from weasyprint.urls import URLFetcher, URLFetcherResponse

from .tagging import tagged_structure  # isort: skip  (WeasyPrint is imported when it runs)
from .weasyprint_fixes import applies, fixed_rendering  # isort: skip  (imports WeasyPrint's modules, after the quieted import)

__all__ = ["PDF_VARIANT", "Bookmark", "FetchRefused", "SafeFetcher", "lay_out", "render_pdf", "setup_render_worker", "tuned"]

LOG = logging.getLogger(__name__)
PDF_VARIANT: str | None = "pdf/ua-1" if "pdf/ua-1" in VARIANTS else None
"""The PDF variant written: PDF/UA-1 (tagged, accessible) if WeasyPrint supports it."""


class FetchRefused(PermissionError):
    """A resource outside the template folders was asked for (WeasyPrint skips it)."""


class SafeFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint has no type hints
    """Serves files inside the template folders; refuses every other URL.

    A ``file:`` URL inside one folder that does not exist there is looked up by
    the same relative name in the other folders, so a workspace's partial
    ``templates/`` falls back to the packaged files (as :func:`find_template` does).
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.roots = [Path(root).resolve() for root in roots]
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        try:
            path = self.locate(url)
        except FetchRefused:
            self.refused.append(url)
            raise
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": media_type})

    def refusals(self) -> list[Diagnostic]:
        """GCM255 for each resource refused, at the template file that names it (the first that holds its address)."""
        found: list[Diagnostic] = []
        for url in dict.fromkeys(self.refused):
            where = Location(file=f"templates/{self._naming(url)}")
            found.append(Diagnostic.make(Code.STYLESHEET_FETCH, where, url=url if len(url) <= 200 else url[:200] + "..."))
        return found

    def _naming(self, url: str) -> str:
        """The name of the first template file whose text holds ``url`` (or its file name); else the stylesheet's."""
        needles = [url, urlsplit(url).path.rsplit("/", 1)[-1] or url]
        for needle in needles:
            for root in self.roots:
                for path in sorted(root.glob("*")):
                    if path.suffix in (".css", ".j2", ".html") and path.is_file() and needle in path.read_text("utf-8", "replace"):
                        return path.name
        return "submission.css"

    def locate(self, url: str) -> Path:
        """The template file ``url`` names; FetchRefused for anything else."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"Only template files are read, not {url}")
        path = Path(url2pathname(parts.path))
        if not path.is_absolute() or ".." in path.parts:
            raise FetchRefused(f"Not a plain path inside the template folders: {url}")
        home = next((root for root in self.roots if path.is_relative_to(root)), None)
        if home is None:
            raise FetchRefused(f"Outside the template folders: {url}")
        relative = path.relative_to(home)
        for root in [home, *(r for r in self.roots if r != home)]:
            real = (root / relative).resolve()
            if real.is_file() and any(real.is_relative_to(r) for r in self.roots):
                return real
        raise FetchRefused(f"No such template file: {url}")


@dataclass(frozen=True)
class Bookmark:
    """An outline entry as WeasyPrint lays it out: its heading level, its text, where it points."""

    level: int
    label: str
    page: int
    """The page index in its section."""
    x: float
    y: float
    """Position on the page in CSS pixels from the top left, as WeasyPrint gives it."""


@contextmanager
def _captured_log(messages: list[str] | None) -> Iterator[list[logging.LogRecord]]:
    """WeasyPrint's log records while rendering, kept (and logged at DEBUG) rather than printed."""
    logger = logging.getLogger("weasyprint")
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, propagate = Collect(logging.DEBUG), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        for record in records:
            LOG.debug("weasyprint %s: %s", record.levelname.lower(), record.getMessage())
            if messages is not None and record.levelno >= logging.WARNING:
                messages.append(record.getMessage())


def lay_out(html: str, workspace: Path | None, *, fetcher: SafeFetcher | None = None) -> LaidOut:
    """WeasyPrint's layout of ``html`` (pages, their box trees and bookmarks), as :func:`render_pdf` draws it.

    Laid out with :func:`~.weasyprint_fixes.fixed_rendering`; the bookmarks (the PDF
    outline, from the headings) are the headings' text without the break
    opportunities :func:`~.scripts.add_break_opportunities` put into it.
    """
    dirs = template_dirs(workspace)
    fetcher = fetcher if fetcher is not None else SafeFetcher(dirs)
    with fixed_rendering():
        document = HTML(string=html, base_url=dirs[0].as_uri() + "/", url_fetcher=fetcher).render()
    for page in document.pages:
        page.bookmarks = [(level, label.replace(ZWSP, ""), *rest) for level, label, *rest in page.bookmarks]
    return document


def render_pdf(html: str, workspace: Path | None, *, fetcher: SafeFetcher | None = None,
               messages: list[str] | None = None, stats: dict[str, int] | None = None,
               check_glyphs: bool = True, outline: list[Bookmark] | None = None,
               variant: str | None = PDF_VARIANT) -> bytes:
    """The PDF of ``html`` (from :func:`render_html` or :func:`render_bilingual_html`), laid out by :func:`lay_out`.

    WeasyPrint's warnings go to ``messages``, the page count to ``stats["pages"]``, the
    outline entries (the headings, as :class:`~.sections.Bookmark`) to ``outline``;
    ``variant=None`` writes an untagged PDF (a folio of page numbers).
    Raises :class:`GlyphError` (a GcmReviewError, one Diagnostic per problem) when
    a character was drawn as an empty box (WeasyPrint's ``.notdef`` warning) or when
    :func:`glyph_problems` finds text its font cannot show; the PDF made anyway is
    in the error's ``pdf``, for a draft. ``check_glyphs=False`` skips both checks.
    """
    with _captured_log(messages) as records:
        document = lay_out(html, workspace, fetcher=fetcher)
        if stats is not None:
            stats["pages"] = len(document.pages)
        if outline is not None:
            outline += [Bookmark(level, label, n, x, y) for n, page in enumerate(document.pages)
                        for level, label, (x, y), _ in page.bookmarks]
        tagging = tagged_structure(document) if applies() and variant is not None else nullcontext()
        with fixed_rendering(), tagging:
            pdf = document.write_pdf(pdf_variant=variant, pdf_identifier=True, custom_metadata=False)
    assert isinstance(pdf, bytes)
    if check_glyphs:
        missing = sorted({str(r.args[0]) for r in records if r.msg.startswith(NOTDEF) and isinstance(r.args, tuple) and r.args})
        problems = glyph_problems(html, notdef=missing)
        if problems:
            raise GlyphError(problems, pdf)
    return pdf


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """While WeasyPrint works, Python's cycle collector runs less often.

    Laying out a document allocates millions of small objects (boxes, styles, text
    runs) and frees few of them before the end; with the default thresholds the
    collector scans the young ones every 700 allocations. Running it every 50,000
    made the 30-contributor PDFs 13-16 % faster for 10 % more memory.
    """
    saved = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


@contextmanager
def remembered_page_references() -> Iterator[None]:
    """While writing a PDF, pydyf's ``PDF.page_references`` is worked out once per page count.

    pydyf builds the tuple of every page's reference anew on each access, and WeasyPrint's
    PDF/UA tagging reads it once per tagged box: time grows with pages x boxes, the
    square of the document's length (4.6 s of 10 s for a 336-page submission, minutes
    for thousands of pages). The tuple only changes when a page is added, so it is kept
    until the page count changes; the PDF written is the same byte for byte.
    """
    original = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(original, property) or original.fget is None:  # a pydyf that changed: leave it be
        yield
        return
    compute = original.fget

    def page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        count = len(pdf.pages["Kids"])
        known = pdf.__dict__.get("_gcmreview_page_references")
        if known is None or known[0] != count:
            known = (count, compute(pdf))
            pdf.__dict__["_gcmreview_page_references"] = known
        return known[1]  # type: ignore[no-any-return]

    pydyf.PDF.page_references = property(page_references)
    try:
        yield
    finally:
        pydyf.PDF.page_references = original


@contextmanager
def tuned() -> Iterator[None]:
    """WeasyPrint tuned for long documents (:func:`_fewer_collections`, :func:`remembered_page_references`).

    Both change process-wide state, so only a render worker enters this (for its whole life).
    """
    with _fewer_collections(), remembered_page_references():
        yield


_WORKER = ExitStack()


def setup_render_worker() -> None:
    """The process initializer of the build's render workers: :func:`tuned` until the worker ends."""
    _WORKER.enter_context(tuned())
