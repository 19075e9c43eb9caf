"""The build: read and check the workspace, consolidate, lay out, render, write ``build/``.

Stage: pipeline, the one place that writes ``build/``. Read top to bottom,
:func:`build` is the whole design: lock -> prepare (read, check, consolidate; under the
inputs lock, so that uploads wait) -> placeholders (for characters no installed font
has) -> report -> refuse -> plan -> render -> write -> log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cache import CACHE_DIR, Cache
from .errors import Diagnostic, GcmReviewError
from .fsutil import atomic_write, uninterrupted
from .prepared import Prepared, prepare
from .progress import NO_PROGRESS, Clock, Progress
from .render.coverage import placeholders, with_placeholders
from .render.log import Output, render_log
from .render.plan import SECTION, Rendered, RenderJob, plan_renders, render_all
from .render.report import render_reports
from .schemas import submission_schema_for
from .submission import Submission
from .uploads import reading_inputs
from .workspace import build_lock

__all__ = ["BuildResult", "build", "write_reports"]

BUILD = "build"
"""The workspace's outputs folder."""


@dataclass
class BuildResult:
    """What a build wrote and found."""

    prepared: Prepared
    diagnostics: list[Diagnostic]
    """Every finding: the prepared workspace's and the renderers' (text a PDF shows wrongly, in drafts)."""
    outputs: list[Output]
    timings: dict[str, float]
    reused: list[str] = field(default_factory=list)
    """Outputs taken from the cache: their documents did not change since the last build."""
    workbooks_reused: int = 0
    """Workbooks not read again: the same bytes were read by the last build."""
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)
    """For each PDF rendered (not taken whole from the cache): its sections rendered anew, and all its sections."""

    @property
    def submission(self) -> Submission:
        return self.prepared.submission


def build(workspace: Path, *, draft: bool = False, progress: Progress = NO_PROGRESS, use_cache: bool = True) -> BuildResult:
    """Build the submission of a workspace into ``build/``.

    Refuses (GcmReviewError) when the inputs have errors, unless ``draft``: a draft
    is marked DRAFT and lists the problems on its last page. One build at a time
    per workspace (a lock in ``build/``); every file is replaced atomically.
    Workbooks and documents that did not change since the last build are taken from
    ``build/.cache`` rather than read or rendered again (``use_cache=False``: all anew).
    Ctrl+C (KeyboardInterrupt) stops it before the documents are written or after all
    of them are; a file that cannot be written (a full disk) is a GcmReviewError naming it.
    """
    clock = Clock()
    with build_lock(workspace / BUILD):
        cache = Cache(workspace / BUILD / CACHE_DIR, enabled=use_cache)
        with reading_inputs(workspace):  # uploads wait until the inputs are read: one consistent set
            prepared = prepare(workspace, progress, cache, clock)
        shown, unshowable = with_placeholders(prepared)  # characters no installed font has: a placeholder, a warning
        prepared = replace(prepared, diagnostics=prepared.diagnostics + unshowable)
        reports = write_reports(prepared, workspace)  # most needed when the build is refused
        clock.lap("report")
        _refuse(prepared.errors, draft)
        problems = [placeholders(str(d)) for d in prepared.errors] if draft else []
        plan = plan_renders(shown, prepared.check.survey, draft=draft, problems=problems)
        clock.lap("layout")
        rendered = render_all(plan.jobs, workspace, cache, progress, clock)  # laps "render" and "join"
        glyphs = _glyphs(rendered)
        _refuse(glyphs, draft)  # text the PDF would show wrongly: nothing is written
        with uninterrupted():  # Ctrl+C now waits until every output and the log are written
            outputs = _write_outputs(workspace, prepared, plan.jobs, rendered) + [
                Output(f"{BUILD}/{path.name}", "coordinator's report") for path in reports
            ] + [Output(f"{BUILD}/build.log")]
            _keep_in_cache(cache, plan.jobs, rendered)
            clock.lap("write")
            result = BuildResult(prepared, prepared.diagnostics + glyphs + _once(r.warnings for r in rendered), outputs, clock.laps,
                                 [job.name for job, r in zip(plan.jobs, rendered, strict=True) if r.cached], cache.hits.get("read", 0),
                                 {job.name: (len(r.sections), r.section_count) for job, r in zip(plan.jobs, rendered, strict=True)
                                  if r.section_count})
            atomic_write(workspace / BUILD / "build.log", _log(result, plan.notes, plan.jobs, rendered))
        return result


def write_reports(prepared: Prepared, workspace: Path) -> list[Path]:
    """The coordinator's report, one page per review language, written into build/."""
    pages = render_reports(prepared, workspace)
    return [atomic_write(workspace / BUILD / name, html) for name, html in pages.items()]


def submission_json(submission: Submission) -> str:
    """The submission as JSON; characters UTF-8 cannot hold (lone surrogates, only in drafts) are escaped."""
    try:
        return submission.model_dump_json(indent=2) + "\n"
    except ValueError:
        return json.dumps(submission.model_dump(mode="json"), indent=2, ensure_ascii=True) + "\n"


def _refuse(errors: list[Diagnostic], draft: bool) -> None:
    if errors and not draft:
        raise GcmReviewError(errors, draft_would_build=True)


def _glyphs(rendered: list[Rendered]) -> list[Diagnostic]:
    """Text the PDFs show wrongly, each problem once."""
    return _once(job.glyphs for job in rendered)


def _once(lists: Iterable[list[Diagnostic]]) -> list[Diagnostic]:
    """The diagnostics of every list, each once, in their order."""
    found: list[Diagnostic] = []
    for diagnostics in lists:
        found += [d for d in diagnostics if d not in found]
    return found


def _write_outputs(workspace: Path, prepared: Prepared, jobs: list[RenderJob], rendered: list[Rendered]) -> list[Output]:
    """The submission's JSON, its schema and the rendered documents, each written atomically into build/."""
    schema = submission_schema_for(prepared.check.review, prepared.check.survey)
    files: dict[str, bytes] = {  # bytes, so that the sizes reported are the files' sizes
        "submission.json": submission_json(prepared.submission).encode("utf-8"),
        "submission.schema.json": (json.dumps(schema, indent=2) + "\n").encode("utf-8"),
    }
    about: dict[str, str] = {}
    for job, done in zip(jobs, rendered, strict=True):
        files[job.name] = done.data
        if job.kind == "pdf":
            about[job.name] = f"{done.pages} pages"
    for name, data in files.items():
        atomic_write(workspace / BUILD / name, data)
    return [Output(f"{BUILD}/{name}", about.get(name, f"{len(data):,} bytes")) for name, data in files.items()]


def _keep_in_cache(cache: Cache, jobs: list[RenderJob], rendered: list[Rendered]) -> None:
    """Store the files rendered anew; drop the entries this build did not use."""
    for job, done in zip(jobs, rendered, strict=True):
        if not done.cached:
            cache.put(job.kind, done.key, done.facts(), done.data)
        for key, facts, data in done.sections:
            cache.put(SECTION, key, facts, data)
        if done.folio is not None:
            cache.put(SECTION, done.folio_key, done.folio.facts(), done.folio.data)
    cache.prune()


def _log(result: BuildResult, layout_notes: list[str], jobs: list[RenderJob], rendered: list[Rendered]) -> str:
    notes = list(layout_notes)
    for job, done in zip(jobs, rendered, strict=True):
        notes += [f"{job.name}: {m}" for m in done.messages]
    if result.reused:
        notes.append(f"Unchanged since the last build, not rendered again: {', '.join(result.reused)}")
    notes += [f"{name}: rendered in {total} section(s), {new} of them anew, the others unchanged since the last build"
              for name, (new, total) in result.sections.items()]
    return render_log(result.submission, result.diagnostics, result.outputs, result.timings, notes, result.prepared.translations)
