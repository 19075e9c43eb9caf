"""Who may use each route: the one permission check, and the CSRF proof of a POST.

Stage: front end (web). Every view is declared with :func:`allow`, naming the
roles that may use it: the coordinator, a ministry, or anyone (``""``: the
sign-in links and the static files). :func:`allow` is the one place that checks
it, and for a POST it also checks the form's CSRF token.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .auth import COORDINATOR, MINISTRY, NOBODY, Keys, Who
from .pages import page

__all__ = ["Endpoint", "allow", "check_csrf", "refusal", "who_is_asking"]

Endpoint = Callable[[Request], Awaitable[Response]]


def who_is_asking(request: Request, roles: tuple[str, ...] = (COORDINATOR, MINISTRY)) -> Who:
    """The asker in the first of ``roles`` whose cookie holds a valid token (one browser may hold both)."""
    keys: Keys = request.app.state.gcm.keys
    cookies = dict(request.cookies)
    for role in roles:
        who = keys.who(cookies, role)
        if who.role:
            return who
    return NOBODY


def allow(*roles: str, csrf: bool = True) -> Callable[[Endpoint], Endpoint]:
    """The permission check: the view runs only for an asker in ``roles`` ('' = anyone).

    A POST must carry the session's CSRF token (form field ``csrf``) unless the view
    checks it itself after reading an upload (``csrf=False``; it then calls :func:`check_csrf`).
    """
    def wrap(view: Endpoint) -> Endpoint:
        @functools.wraps(view)
        async def guarded(request: Request) -> Response:
            wanted = tuple(r for r in (COORDINATOR, MINISTRY) if r in roles or "" in roles)
            who = who_is_asking(request, wanted)
            request.state.who = who
            if "" not in roles and not who.role:
                return refusal(request, who_is_asking(request))
            if request.method == "POST" and csrf:
                form = await request.form(max_files=0, max_fields=5000, max_part_size=256 * 1024)  # settings: a row per contributor
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
