"""The Translations page: the hand-off to translators and back, for the coordinator.

Stage: front end (web). ``GET /translations`` shows, per review language, how many
texts are translated, stale and missing (:func:`gcmreview.translation_status` of
the live check) and lists those still to translate; ``GET /translations/export``
gives the hand-off file of one language (XLIFF or xlsx, as ``gcmreview translate
export`` writes it, made in a temporary folder: only the build writes build/);
``POST /translations/import`` stores a translated file under the inputs lock
(:func:`gcmreview.import_translations`, which keeps the stores it replaces) and
shows what it did, naming the file as the translator did.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import gcmreview

from .access import allow, check_csrf
from .auth import COORDINATOR
from .forms import TooLarge, read_upload
from .pages import page
from .state import gcm

__all__ = ["routes"]

MEDIA_TYPES = {
    "xliff": "application/x-xliff+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The media type of each hand-off format."""

TRANSLATOR_FIELD_LIMIT = 200
"""The most characters of a translator's name kept (the form field says so too)."""


async def _translations_page(request: Request, *, report: gcmreview.ImportReport | None = None,
                             refused: list[gcmreview.Diagnostic] | None = None, file: str = "", status: int = 200) -> Response:
    """The page: where each language stands, the texts to translate, the export and upload forms, and what was done."""
    app = gcm(request)
    prepared = await to_thread.run_sync(app.live.prepared)
    review = prepared.check.review
    return page(request, "translations.html.j2", {
        "standing": gcmreview.translation_status(prepared), "languages": review.languages, "info": gcmreview.languages(),
        "contributors": {c.code: c for c in review.contributors}, "formats": gcmreview.TRANSLATION_FORMATS,
        "limit_mb": gcmreview.MAX_TRANSLATION_BYTES // 2**20, "report": report, "refused": refused or [], "file": file,
        "kept": [gcmreview.display_path(p, app.workspace) for p in report.kept] if report is not None else [],
        "stores": [gcmreview.display_path(p, app.workspace) for p in report.stores] if report is not None else [],
    }, status=status)


@allow(COORDINATOR)
async def translations(request: Request) -> Response:
    return await _translations_page(request)


@allow(COORDINATOR)
async def export(request: Request) -> Response:
    """The hand-off file of ``?to=`` (a language) in ``?format=``, as a download; the page with the reason for anything else."""
    workspace = gcm(request).workspace
    lang = request.query_params.get("to", "")  # not ?lang=, which chooses the page language
    given = request.query_params.get("format", "xliff")
    folder = Path(tempfile.mkdtemp(prefix="gcmreview-export-"))
    try:
        try:
            chosen = gcmreview.translation_format(given)
            made = await to_thread.run_sync(lambda: gcmreview.export_translations(workspace, lang, format=chosen, folder=folder))
        except gcmreview.GcmReviewError as exc:
            return await _translations_page(request, refused=exc.diagnostics, status=400)
        data = await to_thread.run_sync(made.path.read_bytes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Response(data, media_type=MEDIA_TYPES[chosen], headers={"Content-Disposition": f'attachment; filename="{made.path.name}"'})


@allow(COORDINATOR, csrf=False)
async def import_file(request: Request) -> Response:
    """A translated file uploaded: stored into inputs/translations/ under the inputs lock; the page says what happened."""
    limit = gcmreview.MAX_TRANSLATION_BYTES
    try:
        form, path, name = await read_upload(request, "file", limit)
    except TooLarge:  # the asker was checked before anything was read
        large = gcmreview.Diagnostic.make(gcmreview.Code.TRANSLATION_UPLOAD_TOO_LARGE, gcmreview.Location(file="upload"),
                                          limit=limit // 2**20)
        return await _translations_page(request, refused=[large], status=413)
    try:
        check_csrf(request, form.get("csrf"))
        if path is None:
            missing = gcmreview.Diagnostic.make(gcmreview.Code.NO_UPLOAD, gcmreview.Location(file="upload"))
            return await _translations_page(request, refused=[missing], status=400)
        shown = gcmreview.upload_name(name)
        try:
            report = await to_thread.run_sync(_import, gcm(request).workspace, path, shown, form)
        except gcmreview.GcmReviewError as exc:
            return await _translations_page(request, refused=exc.diagnostics, file=shown, status=422)
    finally:
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
    failed = any(d.severity == "error" for d in report.diagnostics) and not report.count
    return await _translations_page(request, report=report, file=shown, status=422 if failed else 200)


def _import(workspace: Path, path: Path, shown: str, form: Any) -> gcmreview.ImportReport:
    """The import itself, holding the inputs lock exclusively (a build reads a consistent set of inputs)."""
    given = form.get("translator")
    translator = given.strip()[:TRANSLATOR_FIELD_LIMIT] or None if isinstance(given, str) else None
    with gcmreview.reading_inputs(workspace, exclusive=True):
        return gcmreview.import_translations(workspace, path, translator=translator, display=shown, keep_previous=True,
                                             confirm_unchanged=form.get("confirm_unchanged") == "1")


def routes() -> list[BaseRoute]:
    return [
        Route("/translations", translations),
        Route("/translations/export", export),
        Route("/translations/import", import_file, methods=["POST"]),
    ]
