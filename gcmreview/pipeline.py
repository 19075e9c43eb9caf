"""The build: read and check the workspace, consolidate, lay out, render, write build/.

Stage: pipeline, the one place that writes ``build/``. Read top to bottom,
:func:`build` is the whole design: inputs -> contributions -> submission ->
documents -> files.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import CACHE_DIR, Cache, code_digest, digest
from .errors import Diagnostic, GcmReviewError
from .fsutil import atomic_write
from .prepared import Prepared, prepare
from .progress import NO_PROGRESS, Progress
from .render.document import Document, layout_languages
from .render.docx import build_docx
from .render.docx.bilingual import build_bilingual_docx
from .render.html import render_bilingual_html, render_html
from .render.log import Output, render_log
from .render.pdf import GlyphError, render_pdf
from .render.report import render_reports
from .render.scripts import font_file
from .render.templates import find_template, template_dirs
from .submission import Submission, submission_schema
from .survey.languages import languages
from .workspace import build_lock

__all__ = ["BuildResult", "build", "output_stem", "write_reports"]


@dataclass
class BuildResult:
    """What a build wrote and found."""

    prepared: Prepared
    outputs: list[Output]
    timings: dict[str, float]
    reused: list[str] = field(default_factory=list)
    """Outputs taken from the cache: their documents did not change since the last build."""
    workbooks_reused: int = 0
    """Workbooks not read again: the same bytes were read by the last build."""

    @property
    def submission(self) -> Submission:
        return self.prepared.submission


def output_stem(submission: Submission) -> str:
    """Common start of output file names, e.g. ``KHM-escap-2020``."""
    return f"{submission.country.iso}-{submission.survey}"


def build(workspace: Path, *, draft: bool = False, progress: Progress = NO_PROGRESS, use_cache: bool = True) -> BuildResult:
    """Build the submission of a workspace into ``build/``.

    Refuses (GcmReviewError) when the inputs have errors, unless ``draft``: a draft
    is marked DRAFT and lists the problems on its last page. One build at a time
    per workspace (a lock in ``build/``); every file is replaced atomically.
    Workbooks and documents that did not change since the last build are taken from
    ``build/.cache`` rather than read or rendered again (``use_cache=False``: all anew).
    """
    with build_lock(workspace / "build"):
        return _build(workspace, draft, progress, use_cache)


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


def _build(workspace: Path, draft: bool, progress: Progress, use_cache: bool) -> BuildResult:
    clock = _Clock()
    cache = Cache(workspace / "build" / CACHE_DIR, enabled=use_cache)
    prepared = prepare(workspace, progress, cache)
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
        "submission.schema.json": json.dumps(submission_schema(), indent=2) + "\n",
    }
    docs = layout_languages(sub, survey, tuple(sub.languages), draft=draft, problems=problems)
    review = layout_languages(sub, survey, tuple(sub.languages), review=True, draft=draft, problems=problems)
    clock.lap("consolidate + layout")
    renders = _renders(stem, docs, review)
    progress.start(RENDERING, len(renders))
    notes = [f"{d.lang}: {len(d.untranslated)} fixed text(s) not in the catalog, shown in English" for d in docs if d.untranslated]
    about: dict[str, str] = {}
    glyphs: list[Diagnostic] = []
    rendered = _render_all(renders, workspace, cache, lambda name: progress.step(RENDERING, name))
    for (name, kind, _views), job in zip(renders, rendered, strict=True):
        files[name] = job.data
        if kind == "pdf":
            about[name] = f"{job.pages} pages"
        notes += [f"{name}: {m}" for m in job.messages]
        glyphs += [d for d in job.glyphs if d not in glyphs]
    reused = [name for (name, _, _), job in zip(renders, rendered, strict=True) if job.cached]
    if reused:
        notes.append(f"Unchanged since the last build, not rendered again: {', '.join(reused)}")
    clock.lap("render")
    if glyphs and not draft:  # text the PDF would show wrongly: nothing is written
        raise GcmReviewError(glyphs)
    prepared.diagnostics += glyphs
    outputs = [Output(f"build/{name}", about.get(name, f"{len(data):,} bytes")) for name, data in files.items()]
    outputs += [Output(f"build/{path.name}", "coordinator's report") for path in reports]
    outputs.append(Output("build/build.log"))
    for name, data in files.items():
        atomic_write(workspace / "build" / name, data)
    cache.prune()
    clock.lap("write")
    log = render_log(sub, prepared.diagnostics, outputs, clock.laps, notes + translation_summary(prepared))
    atomic_write(workspace / "build" / "build.log", log)
    return BuildResult(prepared, outputs, clock.laps, reused, cache.hits.get("read", 0))


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
class _Rendered:
    """One output file rendered (or taken from the cache)."""

    data: bytes
    messages: list[str] = field(default_factory=list)
    pages: int = 0
    glyphs: list[Diagnostic] = field(default_factory=list)
    cached: bool = False

    def facts(self) -> dict[str, object]:
        return {"messages": self.messages, "pages": self.pages, "glyphs": [d.to_json() for d in self.glyphs]}

    @classmethod
    def from_cache(cls, facts: dict[str, Any], data: bytes) -> _Rendered:
        glyphs = [Diagnostic.from_json(g) for g in facts["glyphs"]]
        return cls(data, list(facts["messages"]), int(facts["pages"]), glyphs, cached=True)


def _render_all(renders: list[_Render], workspace: Path, cache: Cache, done: Callable[[str], None]) -> list[_Rendered]:
    """Every output of ``renders``: from the cache when its documents did not change, else rendered on every core.

    An output's key is a digest of its documents (their whole content, as ``repr``), of
    the code and templates, and for PDFs of the font files. Longest jobs start first.
    """
    dirs = template_dirs(workspace)
    salt = {"docx": code_digest(dirs), "pdf": code_digest(dirs, _font_files())}
    keys = [digest(salt[kind], kind, repr(views)) for _, kind, views in renders]
    out: dict[int, _Rendered] = {}
    for index, ((name, kind, _), key) in enumerate(zip(renders, keys, strict=True)):
        entry = cache.get(kind, key)
        with suppress(KeyError, TypeError, ValueError):
            if entry is not None:
                out[index] = _Rendered.from_cache(*entry)
                done(name)
    todo = sorted((i for i in range(len(renders)) if i not in out), key=lambda i: _cost(renders[i]), reverse=True)
    template = find_template("base.docx", workspace)
    workers = min(len(todo), os.cpu_count() or 1)
    if workers <= 1:
        for index in todo:
            out[index] = _render(renders[index][1], renders[index][2], workspace, template)
            done(renders[index][0])
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_render, renders[i][1], renders[i][2], workspace, template): i for i in todo}
            for future in as_completed(futures):
                index = futures[future]
                out[index] = future.result()
                done(renders[index][0])
    for index in todo:
        cache.put(renders[index][1], keys[index], out[index].facts(), out[index].data)
    return [out[i] for i in range(len(renders))]


def _cost(render: _Render) -> tuple[int, int]:
    """Roughly how long a render takes, to start the longest first: PDFs, then by how much text."""
    _, kind, views = render
    return (kind == "pdf", len(views) * sum(len(v.clusters) + sum(len(q.body) for c in v.clusters for q in c.questions) for v in views))


def _font_files() -> list[Path | None]:
    return [font_file(lang.font) for lang in languages().values()]


def _render(kind: str, views: tuple[Document, ...], workspace: Path, template: Path) -> _Rendered:
    """One DOCX or PDF (in a worker process, or here)."""
    if kind == "docx":
        result = build_docx(views[0], template) if len(views) == 1 else build_bilingual_docx(views[0], views[1], template)
        return _Rendered(result.data, list(result.cleaned))
    html = render_html(views[0], workspace) if len(views) == 1 else render_bilingual_html(views[0], views[1], workspace)
    messages: list[str] = []
    stats: dict[str, int] = {}
    try:
        data = render_pdf(html, workspace, messages=messages, stats=stats)
    except GlyphError as exc:  # text the PDF would show wrongly: diagnostics, with the PDF made anyway
        return _Rendered(exc.pdf or b"", messages, stats.get("pages", 0), exc.diagnostics)
    return _Rendered(data, messages, stats.get("pages", 0))


def translation_summary(prepared: Prepared) -> list[str]:
    """Per language, per contributor: how many texts still lack a translation (and which questions)."""
    translations = prepared.translations
    lines = []
    for lang in prepared.check.review.languages:
        missing = translations.missing(lang)
        total = sum(len(v) for v in missing.values())
        lines.append(f"Translation into {lang}: {total} text(s) missing or stale")
        lines += [f"  {code}: {len(found)} ({'; '.join(s.label for s in found)})" for code, found in missing.items()]
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
