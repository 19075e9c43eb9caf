"""The build: read and check the workspace, consolidate, lay out, render, write build/.

Stage: pipeline, the one place that writes ``build/``. Read top to bottom,
:func:`build` is the whole design: inputs -> contributions -> submission ->
documents -> files.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import translate
from .consolidate import consolidate
from .errors import Code, Diagnostic, GcmReviewError, Location
from .fsutil import atomic_write
from .inputs import CheckResult, check_workspace
from .progress import NO_PROGRESS, Progress
from .render.document import layout
from .render.docx import build_docx
from .render.html import render_html
from .render.log import Output, render_log
from .render.pdf import render_pdf
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


def prepare(workspace: Path, progress: Progress = NO_PROGRESS) -> Prepared:
    """Read, check and consolidate a workspace (GcmReviewError only if review.toml is unusable)."""
    checked = check_workspace(workspace, progress)
    review = checked.review
    segments = translate.segments(checked, review)
    stores = translate.load_stores(workspace, review)
    translations: dict[str, dict[str, TranslatedText]] = {}
    for segment in segments:
        for lang in review.languages:
            text, status = translate.resolve(segment, lang, stores.get(lang), accept_stale=True)
            if text and status in ("translated", "stale"):
                translations.setdefault(segment.id, {})[lang] = TranslatedText(text=text, status=status)
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
    folder = workspace / "build"
    stem = output_stem(sub)
    files: dict[str, bytes | str] = {
        "submission.json": sub.model_dump_json(indent=2) + "\n",
        "submission.schema.json": json.dumps(Submission.model_json_schema(), indent=2) + "\n",
    }
    clock.lap("consolidate")
    notes: list[str] = []
    template = find_template("base.docx", workspace)
    doc = layout(sub, survey, "en", draft=draft, problems=problems)
    for name, view in ((f"{stem}.en.docx", doc), (f"{stem}.en.review.docx", layout(sub, survey, "en", review=True, draft=draft, problems=problems))):
        result = build_docx(view, template)
        files[name] = result.data
        notes += [f"{name}: {line}" for line in result.cleaned]
    clock.lap("docx")
    messages: list[str] = []
    stats: dict[str, int] = {}
    files[f"{stem}.en.pdf"] = render_pdf(render_html(doc, workspace), workspace, messages=messages, stats=stats)
    notes += [f"{stem}.en.pdf: {m}" for m in messages]
    clock.lap("pdf")
    about = {f"{stem}.en.pdf": f"{stats.get('pages', 0)} pages"}
    outputs = [Output(f"build/{name}", about.get(name, f"{len(data):,} bytes")) for name, data in files.items()]
    outputs += [Output(f"build/{path.name}", "coordinator's report") for path in reports]
    outputs.append(Output("build/build.log"))
    for name, data in files.items():
        atomic_write(folder / name, data)
    clock.lap("write")
    atomic_write(folder / "build.log", render_log(sub, prepared.diagnostics, outputs, clock.laps, notes))
    return BuildResult(prepared, outputs, clock.laps)


class _Clock:
    """Times the build's steps for the log."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = now - self._last
        self._last = now
