"""The web app object: its state, the one permission check, security headers, error pages.

Stage: front end (web). :func:`create_app` makes the Starlette app of one
workspace. Every route is declared with who may use it (:func:`allow`): the
coordinator, a ministry, or anyone (the sign-in links and the static files).
:func:`allow` is the one place that checks it, and for a POST also checks the
CSRF proof; :class:`SecurityHeaders` adds the same strict headers to every
response; errors become a page with the message, never a traceback.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import gcmreview

from .auth import COOKIES, COORDINATOR, MINISTRY, NOBODY, Keys, Who
from .builds import Builds
from .pages import page

__all__ = ["CSP", "GcmApp", "allow", "create_app"]

log = logging.getLogger("gcmreview.web")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
"""Every page's Content-Security-Policy: nothing from elsewhere, no inline script or style, no framing."""

Endpoint = Callable[[Request], Awaitable[Response]]


class _Live:
    """The workspace checked (``gcmreview.check``), again only when a file of inputs/ or templates/ changed."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._prepared: gcmreview.Prepared | None = None

    def _fingerprint(self) -> tuple[Any, ...]:
        found: list[tuple[str, int, int]] = []
        for folder in (self.workspace / "inputs", self.workspace / "inputs" / "translations", self.workspace / "templates"):
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            for path in entries:
                try:
                    info = path.lstat()
                except OSError:
                    continue
                found.append((path.name, info.st_size, info.st_mtime_ns))
        return tuple(found)

    def prepared(self) -> gcmreview.Prepared:
        with self._lock:
            key = self._fingerprint()
            if self._prepared is None or key != self._key:
                self._prepared = gcmreview.check(self.workspace)
                self._key = key
            return self._prepared


@dataclass
class GcmApp:
    """What every view needs: the workspace, its keys and builds, the live check."""

    workspace: Path
    keys: Keys
    builds: Builds
    live: _Live
    printed: list[str] = field(default_factory=list)
    """Lines for the terminal of ``serve`` (links as they are created)."""
    announce: Callable[[str], None] = print

    def review(self) -> Any:
        return gcmreview.load_review(self.workspace)[0]

    @property
    def languages(self) -> tuple[str, ...]:
        try:
            return tuple(self.review().languages)
        except gcmreview.GcmReviewError:
            return ("en",)

    @property
    def national(self) -> str:
        return self.languages[-1]

    def country(self, lang: str) -> str:
        try:
            names = self.review().country.name
        except gcmreview.GcmReviewError:
            return ""
        return str(names.get(lang) or names.get("en") or "")


def who_is_asking(request: Request) -> Who:
    keys: Keys = request.app.state.gcm.keys
    cookies = dict(request.cookies)
    coordinator = keys.who(cookies, COORDINATOR)
    return coordinator if coordinator.role else keys.who(cookies, MINISTRY)


def allow(*roles: str, csrf: bool = True) -> Callable[[Endpoint], Endpoint]:
    """The permission check: the view runs only for an asker in ``roles`` ('' = anyone).

    A POST must carry the session's CSRF token (form field ``csrf``) unless the view
    checks it itself after reading an upload (``csrf=False``; it then calls :func:`check_csrf`).
    """
    def wrap(view: Endpoint) -> Endpoint:
        @functools.wraps(view)
        async def guarded(request: Request) -> Response:
            who = who_is_asking(request)
            request.state.who = who
            if "" not in roles and who.role not in roles:
                return refusal(request, who)
            if request.method == "POST" and csrf:
                form = await request.form(max_files=0, max_fields=200, max_part_size=256 * 1024)
                check_csrf(request, form.get("csrf"))
            return await view(request)

        return guarded

    return wrap


def check_csrf(request: Request, given: object) -> None:
    if not request.app.state.gcm.keys.csrf_ok(request.state.who, given):
        raise HTTPException(403, "csrf")


def refusal(request: Request, who: Who) -> Response:
    """403: the page needs another link than the one the asker holds (or none)."""
    return page(request, "refused.html.j2", {"who": who, "reason": "ministry" if who.role == MINISTRY else "nobody"}, status=403)


class SecurityHeaders:
    """The same strict headers on every response; a POST from another origin is refused before anything is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and not _same_origin(scope):
            response = HTMLResponse(_plain(403, "Refused: this form was sent from another site."), status_code=403)
            await response(scope, receive, _with_headers(send))
            return
        await self.app(scope, receive, _with_headers(send))


def _plain(status: int, text: str) -> str:
    """A page of one line, where the templates are not used (the icon declared: else the browser asks for /favicon.ico)."""
    return f'<!DOCTYPE html><title>{status}</title><link rel="icon" href="data:,"><p>{text}</p>'


def _with_headers(send: Send) -> Send:
    """``send`` adding the strict headers to the response's start."""
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers.setdefault("Content-Security-Policy", CSP)
            headers["X-Content-Type-Options"] = "nosniff"
            headers["X-Frame-Options"] = "DENY"
            # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" with the app's own
            # forms, which _same_origin must refuse; no page's address (a ministry's link) goes to another site either way.
            headers["Referrer-Policy"] = "same-origin"
            headers["Cross-Origin-Opener-Policy"] = "same-origin"
            headers["Cross-Origin-Resource-Policy"] = "same-origin"
            headers.setdefault("Cache-Control", "no-store")
        await send(message)

    return send_with_headers


def _same_origin(scope: Scope) -> bool:
    """False when the browser says the request comes from another origin (Origin, or Sec-Fetch-Site)."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin is None:
        return True
    host = headers.get("host", "")
    scheme = scope.get("scheme", "http")
    return origin in (f"{scheme}://{host}", f"https://{host}" if scheme == "http" else f"http://{host}") and origin != "null"


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    request.state.who = getattr(request.state, "who", None) or who_is_asking(request)
    reason = {403: "csrf", 404: "missing", 405: "method", 413: "large"}.get(status, "other")
    return page(request, "error.html.j2", {"status": status, "reason": reason, "diagnostics": []}, status=status)


async def _input_error(request: Request, exc: Exception) -> Response:
    request.state.who = getattr(request.state, "who", None) or who_is_asking(request)
    diagnostics = exc.diagnostics if isinstance(exc, gcmreview.GcmReviewError) else []
    return page(request, "error.html.j2", {"status": 400, "reason": "input", "diagnostics": diagnostics}, status=400)


async def _bug(request: Request, exc: Exception) -> Response:
    log.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        request.state.who = NOBODY
        return page(request, "error.html.j2", {"status": 500, "reason": "bug", "diagnostics": []}, status=500)
    except Exception:  # the error page itself failed: a plain line, still no traceback
        return HTMLResponse(_plain(500, "The server could not answer this request."), status_code=500)


def create_app(workspace: Path, *, coordinator_token: str | None = None, announce: Callable[[str], None] = print) -> Starlette:
    """The web app of ``workspace`` (its review.toml must be readable); ``coordinator_token``: fixed, for tests."""
    from .views import routes

    gcmreview.load_review(workspace)  # a clear GcmReviewError now rather than on every page
    (workspace / "inputs" / gcmreview.HISTORY).mkdir(exist_ok=True)  # from now on builds take the inputs lock
    state = GcmApp(workspace, Keys(workspace, coordinator_token), Builds(workspace), _Live(workspace), announce=announce)
    app = Starlette(routes=list[BaseRoute](routes()), exception_handlers={
        HTTPException: _not_found, gcmreview.GcmReviewError: _input_error, Exception: _bug,
    })
    app.state.gcm = state
    app.add_middleware(SecurityHeaders)
    return app


def cookie_names() -> dict[str, str]:
    return dict(COOKIES)
