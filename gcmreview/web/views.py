"""The web app's views: thin functions from a request to the library and back to a page.

Stage: front end (web). Who may use each route is declared beside it
(:func:`~gcmreview.web.app.allow`); :func:`routes` lists them all, with the
translations and settings pages of :mod:`.handoff` and :mod:`.settings`.
"""

from __future__ import annotations

import re
import shutil
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

import gcmreview

from .access import allow, check_csrf
from .auth import COOKIES, COORDINATOR, MINISTRY
from .forms import TooLarge, read_upload
from .headers import CSP
from .pages import page
from .state import GcmApp, gcm
from .static import static_routes

__all__ = ["routes"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _contributor(request: Request, code: str) -> Any:
    contributor = gcm(request).review().contributor(code)
    if contributor is None:
        raise HTTPException(404)
    return contributor


# ---------------------------------------------------------------- sign-in

def _signed_in(request: Request, role: str, token: str, to: str) -> Response:
    """The cookie set, then on to ``to`` by a page (a redirect after a link from e-mail would lose a SameSite=Strict cookie)."""
    response = page(request, "signed_in.html.j2", {"to": to})
    response.set_cookie(COOKIES[role], token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@allow("", COORDINATOR, MINISTRY)
async def sign_in(request: Request) -> Response:
    token = request.query_params.get("token", "")
    if not gcm(request).keys.is_coordinator(token):
        raise HTTPException(404)
    return _signed_in(request, COORDINATOR, token, "/")


@allow("", COORDINATOR, MINISTRY)
async def ministry_link(request: Request) -> Response:
    token = request.path_params["token"]
    if gcm(request).keys.ministry(token) is None:
        raise HTTPException(404)
    return _signed_in(request, MINISTRY, token, "/ministry")


@allow(COORDINATOR, MINISTRY)
async def sign_out(request: Request) -> Response:
    response = RedirectResponse("/signed-out", status_code=303)
    for name in COOKIES.values():
        response.delete_cookie(name, path="/", httponly=True, samesite="strict")
    return response


@allow("", COORDINATOR, MINISTRY)
async def signed_out(request: Request) -> Response:
    return page(request, "signed_out.html.j2", {})


# ---------------------------------------------------------------- coordinator: overview and report

def _status(app: GcmApp, prepared: gcmreview.Prepared) -> list[dict[str, Any]]:
    """One row per contributor of review.toml: its workbook, problems, last upload and link."""
    by_code = {r.contribution.contributor: r for r in prepared.check.results if r.contribution is not None}
    uploads: dict[str, gcmreview.Upload] = {u.contributor: u for u in gcmreview.read_uploads(app.workspace)}
    links = app.keys.links()
    rows = []
    for c in prepared.check.review.ordered_contributors:
        read = by_code.get(c.code)
        diagnostics = read.diagnostics if read is not None else []
        rows.append({
            "code": c.code, "name": c.name, "file": read.file if read is not None else "",
            "received": read is not None, "saved": prepared.check.saved.get(read.file) if read is not None else None,
            "errors": sum(d.severity == "error" for d in diagnostics), "warnings": sum(d.severity == "warning" for d in diagnostics),
            "upload": uploads.get(c.code), "link": links.get(c.code, ""),
        })
    return rows


@allow(COORDINATOR)
async def overview(request: Request) -> Response:
    app = gcm(request)
    prepared = await to_thread.run_sync(app.live.prepared)
    unreadable = [r for r in prepared.check.results if r.contribution is None]
    return page(request, "overview.html.j2", {
        "rows": _status(app, prepared), "unreadable": unreadable, "prepared": prepared, "build": app.builds.state,
    })


@allow(COORDINATOR)
async def report(request: Request) -> Response:
    """The coordinator's report, live: the page ``gcmreview check --report`` writes, with its own (stricter) policy."""
    app = gcm(request)
    prepared = await to_thread.run_sync(app.live.prepared)
    lang = request.query_params.get("lang", "en")
    if lang not in prepared.check.review.languages:
        lang = "en"
    html = await to_thread.run_sync(gcmreview.report_page, prepared, lang)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    csp = (html_unescape(policy.group(1)) if policy else "default-src 'none'") + "; frame-ancestors 'self'"
    return HTMLResponse(html, headers={"Content-Security-Policy": csp, "X-Frame-Options": "SAMEORIGIN"})


# ---------------------------------------------------------------- a contributor's workbook

def _history(app: GcmApp, code: str) -> list[gcmreview.Upload]:
    return list(reversed(gcmreview.read_uploads(app.workspace, code)))


def _current(app: GcmApp, code: str) -> Path:
    return app.workspace / "inputs" / gcmreview.workbook_name(code)


def _current_check(app: GcmApp, code: str) -> list[gcmreview.Diagnostic]:
    """The problems of the contributor's stored workbook, read on its own (no other contributor's text)."""
    path = _current(app, code)
    if not path.is_file():
        return []
    return gcmreview.check_workbook(app.workspace, path, f"inputs/{path.name}").diagnostics


async def _contributor_page(request: Request, code: str, template: str, result: gcmreview.UploadResult | None = None,
                            refused: list[gcmreview.Diagnostic] | None = None, status: int = 200, **extra: Any) -> Response:
    app = gcm(request)
    contributor = _contributor(request, code)
    current = await to_thread.run_sync(_current_check, app, code)
    return page(request, template, {
        "contributor": contributor, "code": code, "current": current, "has_workbook": _current(app, code).is_file(),
        "history": _history(app, code), "result": result, "refused": refused or [], "limit_mb": gcmreview.MAX_UPLOAD_BYTES // 2**20,
        "link": app.keys.links().get(code, ""), **extra,
    }, status=status)


@allow(COORDINATOR)
async def contributor_page(request: Request) -> Response:
    return await _contributor_page(request, request.path_params["code"], "contributor.html.j2")


@allow(MINISTRY)
async def ministry_page(request: Request) -> Response:
    return await _contributor_page(request, request.state.who.code, "ministry.html.j2")


def _blank(request: Request, code: str) -> Response:
    _contributor(request, code)
    data = gcmreview.blank_workbook(gcm(request).workspace, code)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{gcmreview.workbook_name(code)}"'})


def _stored(request: Request, code: str) -> Response:
    _contributor(request, code)
    path = _current(gcm(request), code)
    if not path.is_file() or path.is_symlink():
        raise HTTPException(404)
    return FileResponse(path, media_type=XLSX, filename=path.name, content_disposition_type="attachment")


def _code(request: Request) -> str:
    """The contributor a route is about: the one in the coordinator's URL, or the ministry whose link it is."""
    code: str = request.path_params.get("code") or request.state.who.code
    return code


async def _blank_view(request: Request) -> Response:
    return _blank(request, _code(request))


async def _stored_view(request: Request) -> Response:
    return _stored(request, _code(request))


blank_for, blank_own = allow(COORDINATOR)(_blank_view), allow(MINISTRY)(_blank_view)
stored_for, stored_own = allow(COORDINATOR)(_stored_view), allow(MINISTRY)(_stored_view)


async def _upload(request: Request, code: str, template: str) -> Response:
    """An upload for ``code``: read as ``check`` reads, stored only if it has no errors; the page says what happened."""
    app = gcm(request)
    _contributor(request, code)
    limit = gcmreview.MAX_UPLOAD_BYTES
    where = gcmreview.Location(file="upload")
    try:
        form, path, name = await read_upload(request, "workbook", limit)
    except TooLarge:
        too_large = gcmreview.Diagnostic.make(gcmreview.Code.UPLOAD_TOO_LARGE, where, limit=limit // 2**20)
        return await _contributor_page(request, code, template, refused=[too_large], status=413)
    try:
        check_csrf(request, form.get("csrf"))
        if path is None:
            missing = gcmreview.Diagnostic.make(gcmreview.Code.NO_UPLOAD, where)
            return await _contributor_page(request, code, template, refused=[missing], status=400)
        client = request.client.host if request.client else ""
        result = await to_thread.run_sync(lambda: gcmreview.receive_workbook(app.workspace, code, path, name, client))
    finally:
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
    return await _contributor_page(request, code, template, result=result, status=200 if result.stored else 422)


@allow(COORDINATOR, csrf=False)
async def upload_for(request: Request) -> Response:
    return await _upload(request, request.path_params["code"], "contributor.html.j2")


@allow(MINISTRY, csrf=False)
async def upload_own(request: Request) -> Response:
    return await _upload(request, request.state.who.code, "ministry.html.j2")


@allow(COORDINATOR)
async def create_link(request: Request) -> Response:
    app = gcm(request)
    code = request.path_params["code"]
    contributor = _contributor(request, code)
    token = app.keys.create_link(code)
    url = f"{str(request.base_url).rstrip('/')}/m/{token}"
    app.announce(f"Link for {code} ({contributor.name.get('en', code)}): {url}")
    return await _contributor_page(request, code, "contributor.html.j2", new_link=url)


@allow(COORDINATOR)
async def revoke_link(request: Request) -> Response:
    app = gcm(request)
    code = request.path_params["code"]
    _contributor(request, code)
    revoked = app.keys.revoke_link(code)
    if revoked:
        app.announce(f"Link for {code} revoked")
    return await _contributor_page(request, code, "contributor.html.j2", revoked=revoked)


# ---------------------------------------------------------------- build

OUTPUT = re.compile(r"(?:[A-Z]{3}-[a-z0-9-]+\.[a-z]{2,3}(?:-[a-z]{2,3})?(?:\.review)?\.(?:pdf|docx)"
                    r"|submission(?:\.schema)?\.json|report(?:\.[a-z]{2,3})?\.html|build\.log)")
"""The names of the files a build writes into build/: the only files the app serves from there."""

_TYPES = {".pdf": "application/pdf", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".json": "application/json", ".html": "text/html; charset=utf-8", ".log": "text/plain; charset=utf-8"}


def outputs(app: GcmApp) -> list[dict[str, Any]]:
    """The outputs in build/: those of the last build started here, else every file a build writes that is there."""
    folder = app.workspace / "build"
    about = {o["name"]: o["about"] for o in app.builds.state.outputs}
    try:
        names = sorted(p.name for p in folder.iterdir() if OUTPUT.fullmatch(p.name) and p.is_file() and not p.is_symlink())
    except OSError:
        names = []
    if about:
        names = [n for n in about if n in names]
    return [{"name": n, "pages": _pages(about.get(n, "")), "size": (folder / n).stat().st_size, "pdf": n.endswith(".pdf")} for n in names]


def _pages(about: str) -> int | None:
    """The page count of a PDF, from what the build said of it ('23 pages')."""
    found = re.fullmatch(r"(\d+) pages", about)
    return int(found.group(1)) if found else None


@allow(COORDINATOR)
async def build_page(request: Request) -> Response:
    app = gcm(request)
    return page(request, "build.html.j2", {"state": app.builds.state, "outputs": outputs(app)})


@allow(COORDINATOR)
async def start_build(request: Request) -> Response:
    app = gcm(request)
    form = await request.form()
    started = app.builds.start(draft=form.get("draft") == "1")
    if not started:
        return page(request, "build.html.j2", {"state": app.builds.state, "outputs": outputs(app), "busy": True}, status=409)
    return RedirectResponse("/build", status_code=303)


@allow(COORDINATOR)
async def build_status(request: Request) -> Response:
    return JSONResponse(gcm(request).builds.state.as_json())


@allow(COORDINATOR)
async def output_file(request: Request) -> Response:
    app = gcm(request)
    name = request.path_params["name"]
    if not any(o["name"] == name for o in outputs(app)):
        raise HTTPException(404)
    path = app.workspace / "build" / name
    inline = request.query_params.get("view") == "1" and name.endswith(".pdf")
    headers = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox" if name.endswith(".html") else CSP}
    return FileResponse(path, media_type=_TYPES[Path(name).suffix], filename=name,
                        content_disposition_type="inline" if inline else "attachment", headers=headers)


def routes() -> list[BaseRoute]:
    from .handoff import routes as translation_routes
    from .settings import routes as settings_routes

    return [
        Route("/", overview),
        Route("/report", report),
        Route("/signin", sign_in),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/signed-out", signed_out),
        Route("/m/{token}", ministry_link),
        Route("/contributors/{code}", contributor_page),
        Route("/contributors/{code}/blank.xlsx", blank_for),
        Route("/contributors/{code}/workbook.xlsx", stored_for),
        Route("/contributors/{code}/upload", upload_for, methods=["POST"]),
        Route("/contributors/{code}/link", create_link, methods=["POST"]),
        Route("/contributors/{code}/link/revoke", revoke_link, methods=["POST"]),
        Route("/ministry", ministry_page),
        Route("/ministry/blank.xlsx", blank_own),
        Route("/ministry/workbook.xlsx", stored_own),
        Route("/ministry/upload", upload_own, methods=["POST"]),
        Route("/build", build_page),
        Route("/build", start_build, methods=["POST"]),
        Route("/build/status", build_status),
        Route("/build/files/{name}", output_file),
        *translation_routes(),
        *settings_routes(),
        Mount("/static", routes=static_routes()),
    ]
