"""The build: read and check the workspace, consolidate, lay out, render, write build/.

Stage: pipeline, the one place that writes ``build/``. Read top to bottom,
:func:`build` is the whole design: inputs -> contributions -> submission ->
documents -> files.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import translate
from .consolidate import consolidate
from .errors import Code, Diagnostic, GcmReviewError, Location
from .fsutil import atomic_write
from .inputs import CheckResult, check_workspace
from .progress import NO_PROGRESS, Progress
from .render.document import Document, layout_languages
from .render.docx import build_docx
from .render.docx_bilingual import build_bilingual_docx
from .render.html import render_bilingual_html, render_html
from .render.log import Output, render_log
from .render.pdf import GlyphError, render_pdf
from .render.report import render_reports
from .render.templates import find_template
from .submission import Submission, TranslatedText

__all__ = ["BuildResult", "Prepared", "build", "output_stem", "prepare", "write_reports"]


@dataclass
class Prepared:
    """A workspace read, checked and consolidated: everything rendering needs."""

    check: CheckResult
    submission: Submission
    diagnostics: list[Diagnostic] = field(default_factory=list)
    segments: list[translate.Segment] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def stored_translations(
    checked: CheckResult, workspace: Path
) -> tuple[list[translate.Segment], dict[str, translate.TranslationStore], dict[str, dict[str, TranslatedText]]]:
    """The texts to translate, the translations stores, and what they give per segment and language."""
    segments = translate.segments(checked, checked.review)
    stores = translate.load_stores(workspace, checked.review)
    translations: dict[str, dict[str, TranslatedText]] = {}
    for segment in segments:
        for lang in checked.review.languages:
            text, status = translate.resolve(segment, lang, stores.get(lang), accept_stale=True)
            if text and status in ("translated", "stale"):
                translations.setdefault(segment.id, {})[lang] = TranslatedText(text=text, status=status)
    return segments, stores, translations


def prepare(workspace: Path, progress: Progress = NO_PROGRESS) -> Prepared:
    """Read, check and consolidate a workspace (GcmReviewError only if review.toml is unusable)."""
    checked = check_workspace(workspace, progress)
    review = checked.review
    segments, stores, translations = stored_translations(checked, workspace)
    submission, found = consolidate(review, checked.survey, checked.results, translations)
    stale = translate.stale_diagnostics(segments, review, stores)
    return Prepared(checked, submission, checked.diagnostics + found + stale, segments)


@dataclass
class BuildResult:
    """What a build wrote and found."""

    prepared: Prepared
    outputs: list[Output]
    timings: dict[str, float]

    @property
    def submission(self) -> Submission:
        return self.prepared.submission


def output_stem(submission: Submission) -> str:
    """Common start of output file names, e.g. ``KHM-escap-2020``."""
    return f"{submission.country.iso}-{submission.survey}"


def build(workspace: Path, *, draft: bool = False, progress: Progress = NO_PROGRESS) -> BuildResult:
    """Build the submission of a workspace into ``build/``.

    Refuses (GcmReviewError) when the inputs have errors, unless ``draft``: a draft
    is marked DRAFT and lists the problems on its last page. One build at a time
    per workspace (a lock in ``build/``); every file is replaced atomically.
    """
    with build_lock(workspace / "build"):
        return _build(workspace, draft, progress)


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold ``build/.lock`` for the build; a second build at once gets a clear error.

    The lock is the kernel's (flock), so a killed build leaves no stale lock. Temporary
    files a killed build left behind are removed once the lock is held.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            where = Location(file="build/.lock")
            raise GcmReviewError([Diagnostic.make(Code.BUILD_LOCKED, where)]) from None
        for leftover in folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def submission_json(submission: Submission) -> str:
    """The submission as JSON; characters UTF-8 cannot hold (lone surrogates, only in drafts) are escaped."""
    try:
        return submission.model_dump_json(indent=2) + "\n"
    except ValueError:
        return json.dumps(submission.model_dump(mode="json"), indent=2, ensure_ascii=True) + "\n"


def write_reports(prepared: Prepared, workspace: Path) -> list[Path]:
    """The coordinator's report, one page per review language, written into build/."""
    pages = render_reports(prepared, workspace)
    return [atomic_write(workspace / "build" / name, html) for name, html in pages.items()]


def _build(workspace: Path, draft: bool, progress: Progress) -> BuildResult:
    clock = _Clock()
    prepared = prepare(workspace, progress)
    clock.lap("read + check")
    reports = write_reports(prepared, workspace)  # most needed when the build is refused
    clock.lap("report")
    if prepared.errors and not draft:
        raise GcmReviewError(prepared.errors)
    sub, survey = prepared.submission, prepared.check.survey
    problems = [str(d) for d in prepared.errors] if draft else []
    stem = output_stem(sub)
    files: dict[str, bytes | str] = {
        "submission.json": submission_json(sub),
        "submission.schema.json": json.dumps(Submission.model_json_schema(), indent=2) + "\n",
    }
    docs = layout_languages(sub, survey, tuple(sub.languages), draft=draft, problems=problems)
    review = layout_languages(sub, survey, tuple(sub.languages), review=True, draft=draft, problems=problems)
    clock.lap("consolidate + layout")
    renders = _renders(stem, docs, review)
    progress.start(RENDERING, len(renders))
    notes = [f"{d.lang}: {len(d.untranslated)} fixed text(s) not in the catalog, shown in English" for d in docs if d.untranslated]
    about: dict[str, str] = {}
    template = find_template("base.docx", workspace)
    for name, kind, views in renders:
        if kind == "docx":
            result = build_docx(views[0], template) if len(views) == 1 else build_bilingual_docx(views[0], views[1], template)
            files[name] = result.data
            notes += [f"{name}: {line}" for line in result.cleaned]
        progress.step(RENDERING, name)
    clock.lap("docx")
    pdfs = [(name, views) for name, kind, views in renders if kind == "pdf"]
    glyphs: list[Diagnostic] = []
    for (name, _views), job in zip(pdfs, _render_pdfs(pdfs, workspace), strict=True):
        files[name] = job.data
        about[name] = f"{job.pages} pages"
        notes += [f"{name}: {m}" for m in job.messages]
        glyphs += [d for d in job.glyphs if d not in glyphs]
        progress.step(RENDERING, name)
    clock.lap("pdf")
    if glyphs and not draft:  # text the PDF would show wrongly: nothing is written
        raise GcmReviewError(glyphs)
    prepared.diagnostics += glyphs
    outputs = [Output(f"build/{name}", about.get(name, f"{len(data):,} bytes")) for name, data in files.items()]
    outputs += [Output(f"build/{path.name}", "coordinator's report") for path in reports]
    outputs.append(Output("build/build.log"))
    for name, data in files.items():
        atomic_write(workspace / "build" / name, data)
    clock.lap("write")
    log = render_log(sub, prepared.diagnostics, outputs, clock.laps, notes + translation_summary(prepared))
    atomic_write(workspace / "build" / "build.log", log)
    return BuildResult(prepared, outputs, clock.laps)


RENDERING = "Rendering documents"
_Render = tuple[str, str, tuple[Document, ...]]


def _renders(stem: str, docs: list[Document], review: list[Document]) -> list[_Render]:
    """What to render: (file name, docx|pdf, documents) for English, the national language, both."""
    out: list[_Render] = []
    for doc in docs:
        out += [(f"{stem}.{doc.lang}.docx", "docx", (doc,)), (f"{stem}.{doc.lang}.pdf", "pdf", (doc,))]
    out.append((f"{stem}.en.review.docx", "docx", (review[0],)))
    if len(review) == 2:
        pair = f"{review[0].lang}-{review[1].lang}"
        out += [(f"{stem}.{pair}.docx", "docx", tuple(review)), (f"{stem}.{pair}.pdf", "pdf", tuple(review))]
    return out


@dataclass
class _PdfJob:
    data: bytes
    messages: list[str]
    pages: int
    glyphs: list[Diagnostic]


def _render_pdfs(jobs: list[tuple[str, tuple[Document, ...]]], workspace: Path) -> list[_PdfJob]:
    """PDFs rendered on every core: HTML here, WeasyPrint in worker processes."""
    pages = [render_html(v[0], workspace) if len(v) == 1 else render_bilingual_html(v[0], v[1], workspace) for _, v in jobs]
    workers = min(len(pages), os.cpu_count() or 1)
    if workers <= 1:
        return [_pdf_job(html, workspace) for html in pages]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_pdf_job, pages, [workspace] * len(pages)))


def _pdf_job(html: str, workspace: Path) -> _PdfJob:
    """One PDF; text it would show wrongly comes back as diagnostics, with the PDF made anyway."""
    messages: list[str] = []
    stats: dict[str, int] = {}
    try:
        data = render_pdf(html, workspace, messages=messages, stats=stats)
    except GlyphError as exc:
        return _PdfJob(exc.pdf or b"", messages, stats.get("pages", 0), exc.diagnostics)
    return _PdfJob(data, messages, stats.get("pages", 0), [])


def translation_summary(prepared: Prepared) -> list[str]:
    """Per language, per contributor: how many texts still lack a translation (and which questions)."""
    stores = translate.load_stores(prepared.check.workspace, prepared.check.review)
    lines = []
    for lang in prepared.check.review.languages:
        missing: dict[str, list[str]] = {}
        for segment in prepared.segments:
            if translate.status(segment, lang, stores.get(lang)) in ("missing", "stale"):
                missing.setdefault(segment.contributor, []).append(segment.label)
        total = sum(len(v) for v in missing.values())
        lines.append(f"Translation into {lang}: {total} text(s) missing or stale")
        lines += [f"  {code}: {len(labels)} ({'; '.join(labels)})" for code, labels in missing.items()]
    return lines


class _Clock:
    """Times the build's steps for the log."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = now - self._last
        self._last = now
