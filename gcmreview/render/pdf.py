"""The HTML submission as a PDF, with WeasyPrint, fetching nothing but template files.

Stage: render (PDF). :func:`render_pdf` lays out the page :func:`~gcmreview.render.html.render_html`
made. Title, author, subject and language come from the page's ``<title>``,
``<meta>`` and ``<html lang>``; PDF/UA-1 tagging is on when the installed
WeasyPrint offers it. :class:`SafeFetcher` is the only way WeasyPrint can read a
resource: it serves files inside the template folders (the stylesheet and
whatever a workspace's stylesheet uses) and refuses everything else, so no
text of a contribution can make the build read a local file or the network.

Text the PDF cannot show properly fails the build: :func:`render_pdf` raises
:class:`GlyphError` (a GcmReviewError whose diagnostics GCM500-503 name the
language, the font, the characters and the question) when WeasyPrint drew a
``.notdef`` box, or when HarfBuzz, shaping each Khmer, Lao, Myanmar or Thai
stretch of the page in its language's font (:func:`glyph_problems`), finds a
character the font lacks or a cluster it can only draw with a dotted circle,
which WeasyPrint does not report.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..chars import codepoints
from ..errors import Code, Diagnostic, GcmReviewError, Location
from ..survey.languages import language, languages
from .scripts import ZWSP, ShapingProblem, font_file, script_runs, shaping_problems
from .templates import template_dirs

with warnings.catch_warnings():
    # Without the system's libharfbuzz-subset, WeasyPrint subsets fonts with fontTools and says
    # so with a DeprecationWarning at import: a note on the installation, not on the document.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
    import pydyf
    from weasyprint import HTML
    from weasyprint.pdf import VARIANTS
    from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["PDF_VARIANT", "FetchRefused", "GlyphError", "GlyphProblem", "SafeFetcher", "glyph_problems", "render_pdf"]

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


def render_pdf(html: str, workspace: Path | None, *, fetcher: SafeFetcher | None = None,
               messages: list[str] | None = None, stats: dict[str, int] | None = None,
               check_glyphs: bool = True) -> bytes:
    """The PDF of ``html`` (from :func:`render_html` or :func:`render_bilingual_html`).

    WeasyPrint's warnings go to ``messages``, the page count to ``stats["pages"]``.
    Raises :class:`GlyphError` (a GcmReviewError, one Diagnostic per problem) when
    a character was drawn as an empty box (WeasyPrint's ``.notdef`` warning) or when
    :func:`glyph_problems` finds text its font cannot show; the PDF made anyway is
    in the error's ``pdf``, for a draft. ``check_glyphs=False`` skips both checks.
    """
    dirs = template_dirs(workspace)
    fetcher = fetcher if fetcher is not None else SafeFetcher(dirs)
    with _captured_log(messages) as records, _fewer_collections():
        document = HTML(string=html, base_url=dirs[0].as_uri() + "/", url_fetcher=fetcher).render()
        if stats is not None:
            stats["pages"] = len(document.pages)
        with remembered_page_references():
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=True, custom_metadata=False)
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


# --- Glyphs -------------------------------------------------------------------------------------

NOTDEF = ".notdef glyph rendered"
"""The start of WeasyPrint's warning for a character no installed font has (drawn as an empty box)."""

GlyphKind = Literal["missing glyph", "dotted circle", "no font", "notdef"]

# Codes and message templates. (To move into errors.Code, as GCM50x "Rendering", so
# that the catalogs pick them up for translation.)
GLYPH_CODES: dict[GlyphKind, Code] = {
    "notdef": Code.GLYPH_NOTDEF,
    "missing glyph": Code.GLYPH_MISSING,
    "dotted circle": Code.GLYPH_DOTTED_CIRCLE,
    "no font": Code.FONT_NOT_INSTALLED,
}


@dataclass(frozen=True)
class GlyphProblem:
    """Text the PDF cannot show properly.

    ``kind``: "notdef" (WeasyPrint drew an empty box: no installed font has the
    character), "missing glyph" (the language's font lacks it; another font may
    stand in), "dotted circle" (the cluster is not valid in its script), "no font"
    (the language's font is not installed). ``text`` is the character or cluster;
    ``lang`` the language whose font was used, ``font`` its family; ``question`` and
    ``contributor`` where the text is (from the HTML's ``id="q…"`` and
    ``data-contributor``); ``context`` the text around it.
    """

    kind: GlyphKind
    text: str
    lang: str = ""
    font: str = ""
    question: str = ""
    contributor: str = ""
    context: str = ""

    def diagnostic(self) -> Diagnostic:
        code = GLYPH_CODES[self.kind]
        where = "".join([f" in question {self.question}" if self.question else "",
                         f" (written by {self.contributor})" if self.contributor else ""])
        values = {"chars": f"'{self.text}' ({codepoints(self.text)})", "cluster": f"{self.text} ({codepoints(self.text)})",
                  "where": where, "context": self.context, "font": self.font or "any font",
                  "language": language(self.lang).name if self.lang in languages() else "The"}
        key = ", ".join(x for x in (f"question {self.question}" if self.question else "", self.contributor) if x)
        return Diagnostic.make(code, Location(key=key), **values)


class GlyphError(GcmReviewError):
    """The PDF would show some text wrongly (see :class:`GlyphProblem`); ``pdf`` is the PDF made anyway."""

    def __init__(self, problems: Sequence[GlyphProblem], pdf: bytes | None = None) -> None:
        self.problems = list(problems)
        self.pdf = pdf
        super().__init__(p.diagnostic() for p in self.problems)

    def __reduce__(self) -> tuple[type[GlyphError], tuple[list[GlyphProblem], bytes | None]]:
        """Picklable with its problems (the build renders PDFs in worker processes)."""
        return (GlyphError, (self.problems, self.pdf))


class _Texts(HTMLParser):
    """The text nodes of a page's body, each with the question and contributor around it."""

    SKIP = frozenset({"head", "title", "style", "script"})
    VOID = frozenset({"br", "meta", "link", "img", "col", "hr", "input"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, str]] = []  # (tag, question, contributor)
        self.texts: list[tuple[str, str, str]] = []  # (text, question, contributor)
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        a = {k: v or "" for k, v in attrs}
        question, contributor = self.stack[-1][1:] if self.stack else ("", "")
        if re.fullmatch(r"q\w+", a.get("id", "")):
            question = a["id"][1:]
        self.stack.append((tag, question, a.get("data-contributor", contributor)))
        self.skipping += tag in self.SKIP

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag = self.stack.pop()[0]
            self.skipping -= open_tag in self.SKIP
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            question, contributor = self.stack[-1][1:] if self.stack else ("", "")
            self.texts.append((data, question, contributor))


def _context(text: str, start: int, length: int) -> str:
    """The words around ``text[start:start + length]``, without break opportunities."""
    return re.sub(r"\s+", " ", text[max(0, start - 30) : start + length + 30]).replace(ZWSP, "").strip()


def glyph_problems(html: str, notdef: Sequence[str] = ()) -> list[GlyphProblem]:
    """What the PDF of ``html`` cannot show properly: every stretch of Khmer, Lao, Myanmar or
    Thai text shaped with HarfBuzz in its language's font (the font the page's ``:lang()``
    rules name for that script), and the characters of ``notdef`` (WeasyPrint's .notdef
    warnings), located in the page. One problem per kind, text and place.
    """
    parser = _Texts()
    parser.feed(html)
    parser.close()
    found: dict[tuple[str, str, str, str, str], GlyphProblem] = {}

    def add(problem: GlyphProblem) -> None:
        found.setdefault((problem.kind, problem.text, problem.lang, problem.question, problem.contributor), problem)

    for char in notdef:
        hit = next(((t, q, c) for t, q, c in parser.texts if char in t), None)
        text, question, contributor = hit if hit is not None else ("", "", "")
        add(GlyphProblem("notdef", char, question=question, contributor=contributor,
                         context=_context(text, text.find(char), 1) if text else ""))
    for text, question, contributor in parser.texts:
        offset = 0
        for lang, run in script_runs(text):
            offset = text.find(run, offset)
            font = font_file(lang.font)
            if font is None:
                add(GlyphProblem("no font", "", lang.code, lang.font))
                continue
            for problem in _shaping(run, lang.code, font):
                shown = problem.text.replace(ZWSP, "") or problem.text
                if problem.kind == "missing glyph" and shown in notdef:
                    continue  # reported above: no font at all has it
                add(GlyphProblem(problem.kind, shown, lang.code, lang.font, question, contributor,
                                 _context(text, offset + problem.start, len(problem.text))))
            offset += len(run)
    return list(found.values())


@lru_cache(maxsize=4096)
def _shaping(text: str, lang: str, font: Path) -> tuple[ShapingProblem, ...]:
    return tuple(shaping_problems(text, lang, font))
