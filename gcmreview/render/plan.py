"""The render stage: which files the submission becomes, and making them.

Stage: render. :func:`plan_renders` lays the submission out in every review
language (and once more as review drafts, with each paragraph's contributor) and
lists the files to make: a DOCX and a PDF per language, the English review draft,
and the bilingual draft as DOCX and PDF. :func:`render_all` makes them: a file whose
documents, templates, fonts and renderers did not change since the last build is
taken from the build cache; the others are rendered in worker processes on every
core, the longest first: a DOCX whole, a PDF by sections (:mod:`.sections`: each part
of the form its own WeasyPrint document, taken from the cache when its HTML did not
change), then the sections of each PDF joined, with their page numbers. Nothing is
written here: the pipeline stores what is new in the cache (files and sections) and
writes the files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from ..cache import Cache, code_digest, digest
from ..errors import Code, Diagnostic, GcmReviewError, Location
from ..fonts import font_file
from ..i18n import N_
from ..parallel import in_workers
from ..progress import Clock, Progress
from ..submission import Submission
from ..survey import Survey
from ..survey.languages import languages
from .document import Document, layout_languages
from .docx import render_bilingual_docx, render_docx
from .html import start_bilingual_html, start_html
from .joining import join
from .pdf import setup_render_worker
from .sandbox import Pending, collect
from .sections import Parts, SectionPdf, folio_html, group_parts, render_section, section_html, split_parts
from .templates import find_template, template_dirs

__all__ = ["RENDERERS", "RENDERING", "SECTION", "RenderJob", "RenderPlan", "Rendered", "output_stem", "plan_renders", "render_all"]

SECTION = "pdf-section"
"""The build cache's kind for a PDF's sections."""

RENDERING = N_("Rendering documents")
"""The progress task of the render stage."""

Kind = Literal["docx", "pdf"]


@dataclass(frozen=True)
class RenderJob:
    """One file to make: its name in ``build/``, its kind, and the documents it shows (two side by side)."""

    name: str
    kind: Kind
    documents: tuple[Document, ...]


@dataclass
class RenderPlan:
    """The files to make, and notes for the build log about the layout."""

    jobs: list[RenderJob]
    notes: list[str] = field(default_factory=list)


@dataclass
class Rendered:
    """One file rendered (or taken from the cache), with what the renderer reported."""

    data: bytes
    messages: list[str] = field(default_factory=list)
    pages: int = 0
    glyphs: list[Diagnostic] = field(default_factory=list)
    """Text the PDF shows wrongly (GCM50x)."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """What of the workspace's templates was left out: links in base.docx (GCM133), files refused (GCM255)."""
    cached: bool = False
    key: str = ""
    """The cache key of the file: a digest of everything it depends on."""
    sections: list[tuple[str, dict[str, object], bytes]] = field(default_factory=list)
    """A PDF's sections rendered anew, for the cache: (key, facts, bytes)."""
    folio: SectionPdf | None = None
    """A PDF's folio (its page numbers), when rendered anew: the cache keeps it under :attr:`folio_key`."""
    folio_key: str = ""
    section_count: int = 0
    """How many sections a PDF was rendered in (0: taken whole from the cache)."""

    def facts(self) -> dict[str, object]:
        """What the cache keeps besides the bytes."""
        return {"messages": self.messages, "pages": self.pages, "glyphs": [d.to_json() for d in self.glyphs],
                "warnings": [d.to_json() for d in self.warnings]}

    @classmethod
    def from_cache(cls, facts: dict[str, Any], data: bytes, key: str) -> Rendered:
        """The file the cache kept; KeyError, TypeError or ValueError if its facts are not what :meth:`facts` gave."""
        glyphs = [Diagnostic.from_json(g) for g in facts["glyphs"]]
        messages, pages = facts["messages"], facts["pages"]
        if not (isinstance(messages, list) and all(isinstance(m, str) for m in messages) and type(pages) is int and pages >= 0):
            raise TypeError("not the facts of a rendered file")
        warnings = [Diagnostic.from_json(w) for w in facts["warnings"]]
        return cls(data, messages, pages, glyphs, warnings, cached=True, key=key)


def output_stem(submission: Submission) -> str:
    """Common start of output file names, e.g. ``KHM-escap-2020``."""
    return f"{submission.country.iso}-{submission.survey}"


def plan_renders(submission: Submission, survey: Survey, *, draft: bool, problems: list[str]) -> RenderPlan:
    """The documents laid out and the files to make of them, for English, the national language and both."""
    langs = tuple(submission.languages)
    docs = layout_languages(submission, survey, langs, draft=draft, problems=problems)
    review = layout_languages(submission, survey, langs, review=True, draft=draft, problems=problems)
    stem = output_stem(submission)
    jobs: list[RenderJob] = []
    for doc in docs:
        jobs += [RenderJob(f"{stem}.{doc.lang}.docx", "docx", (doc,)), RenderJob(f"{stem}.{doc.lang}.pdf", "pdf", (doc,))]
    jobs.append(RenderJob(f"{stem}.en.review.docx", "docx", (review[0],)))
    if len(review) == 2:
        pair = f"{review[0].lang}-{review[1].lang}"
        jobs += [RenderJob(f"{stem}.{pair}.docx", "docx", tuple(review)), RenderJob(f"{stem}.{pair}.pdf", "pdf", tuple(review))]
    notes = [f"{d.lang}: {len(d.untranslated)} fixed text(s) not in the catalog, shown in English" for d in docs if d.untranslated]
    return RenderPlan(jobs, notes)


def render_all(jobs: list[RenderJob], workspace: Path, cache: Cache, progress: Progress, clock: Clock | None = None) -> list[Rendered]:
    """Every file of ``jobs``, in their order: from ``cache`` when nothing it depends on changed, else rendered.

    Renders run in worker processes (even a single one), so that the renderers' tuning
    (:func:`~.pdf.setup_render_worker`) never changes this process: first every DOCX
    and every PDF section not in the cache, the longest first, then each PDF's join
    (``clock`` laps ``render`` and ``join``).
    """
    progress.start(RENDERING, len(jobs))
    salts = _salts(workspace)
    keys = [digest(salts[job.kind], job.kind, _content(job.documents)) for job in jobs]
    out: dict[int, Rendered] = {}
    for index, (job, key) in enumerate(zip(jobs, keys, strict=True)):
        entry = cache.get(job.kind, key, partial(Rendered.from_cache, key=key))
        if entry is not None:
            out[index] = entry
            progress.step(RENDERING, job.name)
    failed: list[Diagnostic] = []
    calls, pdfs = _calls(jobs, [i for i in range(len(jobs)) if i not in out], workspace, cache, salts["pdf"], failed)
    for n, result in in_workers([call for _, call, _ in calls], initializer=setup_render_worker):
        i, section = calls[n][2]
        if isinstance(result, GcmReviewError):
            failed += [d for d in result.diagnostics if d not in failed]
        elif section is None:
            result.key = keys[i]
            out[i] = result
            progress.step(RENDERING, jobs[i].name)
        else:
            pdfs[i].done[section] = result
            pdfs[i].new.append(section)
    if failed:  # a workspace template that cannot be filled: every such problem at once
        raise GcmReviewError(failed)
    if clock is not None:
        clock.lap("render")
    order = list(pdfs)
    folios = [pdfs[i].folio_key(salts["pdf"]) for i in order]
    joins = [partial(finish_pdf, pdfs[i].parts, pdfs[i].sections(), workspace, cache.get(SECTION, key, SectionPdf.from_cache))
             for i, key in zip(order, folios, strict=True)]
    for n, rendered in in_workers(joins, initializer=setup_render_worker):
        i, work = order[n], pdfs[order[n]]
        rendered.key, rendered.folio_key = keys[i], folios[n]
        rendered.sections = [(work.keys[s], work.done[s].facts(), work.done[s].data) for s in work.new]
        out[i] = rendered
        progress.step(RENDERING, jobs[i].name)
    if clock is not None:
        clock.lap("join")
    return [out[i] for i in range(len(jobs))]


def _calls(jobs: list[RenderJob], todo: list[int], workspace: Path, cache: Cache, salt: str, failed: list[Diagnostic],
           ) -> tuple[list[tuple[int, Callable[[], Any], tuple[int, int | None]]], dict[int, _Sectioned]]:
    """What the workers render for the files ``todo``, the longest first: (cost, call, (job, section or None for a
    whole DOCX)); and each PDF's sections, those in ``cache`` already done. A page that cannot be made goes to ``failed``."""
    template = find_template("base.docx", workspace)
    calls: list[tuple[int, Callable[[], Any], tuple[int, int | None]]] = []
    pdfs: dict[int, _Sectioned] = {}
    for i in todo:
        job = jobs[i]
        if job.kind == "docx":
            calls.append((_cost(job)[1], partial(_render, job.kind, job.documents, workspace, template), (i, None)))
    pages = [i for i in todo if jobs[i].kind == "pdf"]
    started: list[Pending[str]] = [_start_page_html(jobs[i].documents, workspace) for i in pages]  # side by side
    for i, page in zip(pages, collect(started), strict=True):
        if isinstance(page, GcmReviewError):
            failed += [d for d in page.diagnostics if d not in failed]
            continue
        work = pdfs[i] = _Sectioned.of(page, salt)
        for n, (html, key) in enumerate(zip(work.htmls, work.keys, strict=True)):
            found = cache.get(SECTION, key, SectionPdf.from_cache)
            if found is not None:
                work.done[n] = found
            else:
                calls.append((len(html), partial(render_section, html, workspace), (i, n)))
    calls.sort(key=lambda call: call[0], reverse=True)
    return calls, pdfs


@dataclass
class _Sectioned:
    """A PDF to make by sections: its page's parts, each section's HTML and cache key, the sections rendered so far."""

    parts: Parts
    htmls: list[str]
    keys: list[str]
    done: dict[int, SectionPdf] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)
    """The sections rendered anew (not from the cache)."""

    @classmethod
    def of(cls, html: str, salt: str) -> _Sectioned:
        parts = split_parts(html)
        htmls = [section_html(parts, section) for section in group_parts(parts)]
        return cls(parts, htmls, [digest(salt, SECTION, section) for section in htmls])

    def sections(self) -> list[SectionPdf]:
        return [self.done[n] for n in range(len(self.htmls))]

    def folio_key(self, salt: str) -> str:
        """The cache key of the folio of the sections rendered: of its HTML (as many pages, the same page rules)."""
        return digest(salt, SECTION, "folio", folio_html(self.parts, sum(section.pages for section in self.sections())))


def _salts(workspace: Path) -> dict[str, str]:
    """What every file's cache key holds besides its content: the code and templates, and for PDFs the fonts."""
    dirs = template_dirs(workspace)
    return {"docx": code_digest(dirs), "pdf": code_digest(dirs, [font_file(lang.font) for lang in languages().values()])}


def _content(documents: tuple[Document, ...]) -> str:
    """The documents' whole content as JSON (lone surrogates, only in drafts, escaped)."""
    return json.dumps([asdict(doc) for doc in documents], ensure_ascii=True, default=str)


def _cost(job: RenderJob) -> tuple[int, int]:
    """Roughly how long a render takes, to start the longest first: PDFs, then by how much text."""
    views = job.documents
    return (job.kind == "pdf", len(views) * sum(len(v.clusters) + sum(len(q.body) for c in v.clusters for q in c.questions) for v in views))


def _render(kind: Kind, documents: tuple[Document, ...], workspace: Path, template: Path) -> Rendered | GcmReviewError:
    """One file, by the renderer of its kind (in a worker process); the error if a template cannot be filled."""
    try:
        return RENDERERS[kind](documents, workspace, template)
    except GcmReviewError as exc:
        return exc


def render_docx_file(documents: tuple[Document, ...], workspace: Path, template: Path) -> Rendered:
    """A DOCX of one document, or of two side by side; what XML could not hold is reported."""
    if len(documents) == 1:
        result = render_docx(documents[0], template)
    else:
        result = render_bilingual_docx(documents[0], documents[1], template)
    warnings = [template_links(template, result.links)] if result.links else []
    return Rendered(result.data, list(result.cleaned), warnings=warnings)


def _start_page_html(documents: tuple[Document, ...], workspace: Path) -> Pending[str]:
    """The HTML page of one document, or of two side by side, begun in its own process (the pages side by side)."""
    if len(documents) == 1:
        return start_html(documents[0], workspace)
    return start_bilingual_html(documents[0], documents[1], workspace)


def render_pdf_file(documents: tuple[Document, ...], workspace: Path, template: Path) -> Rendered:
    """A PDF of one document, or of two side by side, its sections rendered one after the other (the build renders
    them in parallel); text it shows wrongly is reported, with the PDF made anyway."""
    work = _Sectioned.of(_start_page_html(documents, workspace).result(), "")
    return finish_pdf(work.parts, [render_section(html, workspace) for html in work.htmls], workspace)


def finish_pdf(parts: Parts, sections: list[SectionPdf], workspace: Path, folio: SectionPdf | None = None) -> Rendered:
    """The PDF of ``sections`` (of ``parts``): joined, with the page numbers of a folio of as many pages (``folio``, when
    the cache has it: :attr:`Rendered.folio` is the one rendered otherwise)."""
    pages = sum(section.pages for section in sections)
    new = None
    if folio is None:
        folio = new = render_section(folio_html(parts, pages), workspace, folio=True)
    data = join(sections, folio.data)
    messages = list(dict.fromkeys(m for section in sections for m in section.messages))
    glyphs = list(dict.fromkeys(d for section in sections for d in section.glyphs))
    refused = list(dict.fromkeys(d for section in (*sections, folio) for d in section.refused))
    return Rendered(data, messages, pages, glyphs, refused, section_count=len(sections), folio=new)


def template_links(template: Path, targets: list[str]) -> Diagnostic:
    """GCM133: the Word template's links to files outside it, which were left out."""
    unique = sorted(set(targets))
    shown = ", ".join(unique[:3]) + (", ..." if len(unique) > 3 else "")
    return Diagnostic.make(Code.TEMPLATE_LINKS, Location(file=f"templates/{template.name}"), count=len(unique), targets=shown)


RENDERERS: dict[Kind, Callable[[tuple[Document, ...], Path, Path], Rendered]] = {"docx": render_docx_file, "pdf": render_pdf_file}
"""The renderer of each kind of file."""
