"""The app's own static files: its stylesheet and script, and the fonts of the review's languages.

Stage: front end (web). Nothing is loaded from elsewhere (no CDN): ``app.css`` and
``app.js`` ship in ``gcmreview/web/static``; each review language's font (the one
the PDF uses, found by fontconfig) is served as ``/static/fonts/<lang>`` with a
generated ``fonts.css``, so that Khmer, Lao or Myanmar text shows on a computer
that has no such font. Only these names are served: no path from a URL reaches
the file system, and there is no listing.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

import gcmreview

__all__ = ["static_routes"]

_FILES = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
_FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2", ".woff": "font/woff"}
_CACHE = {"Cache-Control": "public, max-age=3600"}


@cache
def _packaged(name: str) -> bytes:
    return resources.files("gcmreview.web").joinpath("static", name).read_bytes()


@cache
def _font(lang: str) -> Path | None:
    path = gcmreview.language_font(lang)
    return path if path is not None and path.suffix.lower() in _FONT_TYPES else None


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _FILES:
        raise HTTPException(404)
    return Response(_packaged(name), media_type=_FILES[name], headers=_CACHE)


def _languages(request: Request) -> tuple[str, ...]:
    languages: tuple[str, ...] = request.app.state.gcm.languages
    return languages


async def fonts_css(request: Request) -> Response:
    """@font-face rules for the review's languages, and ``:lang()`` rules that use them."""
    rules = []
    for lang in _languages(request):
        path = _font(lang)
        if path is None:
            continue
        locale = gcmreview.languages()[lang].locale
        rules.append(f'@font-face {{ font-family: "gcm-{lang}"; src: url("/static/fonts/{lang}"); font-display: swap; }}')
        rules.append(f':lang({locale}) {{ font-family: "gcm-{lang}", "gcm-en", system-ui, sans-serif; }}')
    return Response("\n".join(rules) + "\n", media_type="text/css; charset=utf-8", headers=_CACHE)


async def font(request: Request) -> Response:
    lang = request.path_params["lang"]
    path = _font(lang) if lang in _languages(request) else None
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, media_type=_FONT_TYPES[path.suffix.lower()], headers=_CACHE)


def static_routes() -> list[BaseRoute]:
    return [Route("/fonts.css", fonts_css), Route("/fonts/{lang}", font), Route("/{name}", asset)]
