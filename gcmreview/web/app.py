"""The web app object: its routes, security headers on every response, error pages.

Stage: front end (web). :func:`create_app` makes the Starlette app of one
workspace, with the routes of :mod:`.views` (each declared with who may use it,
:func:`~gcmreview.web.access.allow`). :class:`SecurityHeaders` adds the same strict
headers to every response (:mod:`.headers`) and refuses a POST from another
origin before anything is read; errors become a page with the message, never a
traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import gcmreview

from .access import who_is_asking
from .auth import COOKIES, NOBODY, Keys
from .builds import Builds
from .headers import harden
from .pages import page
from .state import GcmApp, Live

__all__ = ["create_app"]

log = logging.getLogger("gcmreview.web")


class SecurityHeaders:
    """The same strict headers on every response; a POST from another origin is refused before anything is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                harden(MutableHeaders(scope=message))
            await send(message)

        if scope["method"] == "POST" and not _same_origin(scope):
            refused = HTMLResponse(_plain(403, "Refused: this form was sent from another site."), status_code=403)
            await refused(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _plain(status: int, text: str) -> str:
    """A page of one line, where the templates are not used (the icon declared: else the browser asks for /favicon.ico)."""
    return f'<!DOCTYPE html><title>{status}</title><link rel="icon" href="data:,"><p>{text}</p>'


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
        response: Response = page(request, "error.html.j2", {"status": 500, "reason": "bug", "diagnostics": []}, status=500)
    except Exception:  # the error page itself failed: a plain line, still no traceback
        response = HTMLResponse(_plain(500, "The server could not answer this request."), status_code=500)
    harden(response.headers)  # this answer leaves by the outermost middleware, past SecurityHeaders
    return response


def create_app(workspace: Path, *, coordinator_token: str | None = None, announce: Callable[[str], None] = print) -> Starlette:
    """The web app of ``workspace`` (its review.toml must be readable); ``coordinator_token``: fixed, for tests."""
    from .views import routes

    gcmreview.load_review(workspace)  # a clear GcmReviewError now rather than on every page
    (workspace / "inputs" / gcmreview.HISTORY).mkdir(exist_ok=True)  # from now on builds take the inputs lock
    state = GcmApp(workspace, Keys(workspace, coordinator_token), Builds(workspace), Live(workspace), announce=announce)
    app = Starlette(routes=list[BaseRoute](routes()), exception_handlers={
        HTTPException: _not_found, gcmreview.GcmReviewError: _input_error, Exception: _bug,
    })
    app.state.gcm = state
    app.add_middleware(SecurityHeaders)
    return app


def cookie_names() -> dict[str, str]:
    return dict(COOKIES)
