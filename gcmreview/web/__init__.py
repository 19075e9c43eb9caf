"""``gcmreview serve``: the review as a local web app for the coordinator and the ministries.

Stage: front end (web), a thin layer over the library API of :mod:`gcmreview`,
as the command line is. :func:`create_app` makes the ASGI app (Starlette) of one
workspace; :func:`serve` runs it with uvicorn, printing the coordinator's
sign-in link. The coordinator's pages show the live report, each contributor's
workbook, uploads and link, the build with its progress and outputs, the
translators' hand-off and the settings; a ministry's secret link opens only that
ministry's page.
"""

from __future__ import annotations

from .app import create_app
from .serve import serve

__all__ = ["create_app", "serve"]
