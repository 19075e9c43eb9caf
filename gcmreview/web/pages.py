"""The web app's pages: its Jinja environment, the page language, and one way to answer with a page.

Stage: front end (web). Pages are Jinja templates in ``gcmreview/web/templates``,
filled server-side with autoescaping (text from a workbook, a form or an upload is
only ever text) and with the same :func:`~gcmreview.chars.visible` finalizer as the
report, so control and direction characters show as their code points (``U+202E``). Labels are English
msgids passed to ``_()``, translated with the package's catalogs (Babel's Jinja
extractor takes them from the templates into the catalogs, see :mod:`gcmreview.catalogs`). The
language is the review's: ``?lang=`` switches it (kept in a cookie), and a
ministry's pages open in the national language, the coordinator's in English.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

import gcmreview

from .auth import Who

__all__ = ["LANG_COOKIE", "page", "page_language"]

LANG_COOKIE = "gcmreview_lang"


def _shown(value: object) -> object:
    return gcmreview.visible(value, lines=True) if isinstance(value, str) and not isinstance(value, Markup) else value


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("gcmreview.web", "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, finalize=_shown, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.filters["size"] = _size
    env.filters["diagnostic"] = gcmreview.Diagnostic.from_json
    return env


def _when(value: str | dt.datetime | None) -> str:
    """A time as the pages show it: local time of the server, to the second."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _size(value: int) -> str:
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):.1f} MB"
    if value >= 1024:
        return f"{value / 1024:.0f} kB"
    return f"{value} B"


def page_language(request: Request, languages: tuple[str, ...], default: str) -> str:
    """The language of the page: ``?lang=``, else the cookie, else ``default`` (each only if a review language)."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), default):
        if candidate in languages:
            return candidate
    return languages[0]


def page(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    """The page ``template`` filled with ``context`` and the app's common values (language, labels, the asker)."""
    app = request.app.state.gcm
    who: Who = context.get("who") or request.state.who
    languages = app.languages
    lang = page_language(request, languages, app.national if who.role == "ministry" else "en")
    t = gcmreview.translator(lang)
    info = gcmreview.languages()
    common = {
        "_": t, "lang": lang, "locale": info[lang].locale, "who": who, "csrf": app.keys.csrf(who) if who.role else "",
        "switch": [(code, info[code].native, info[code].locale) for code in languages], "country": app.country(lang),
        "path": request.url.path, "message": lambda d: d.localized(t).message,
    }
    response = HTMLResponse(environment().get_template(template).render({**common, **context}), status_code=status)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response
