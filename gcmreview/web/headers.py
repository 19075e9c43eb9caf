"""The headers every response carries: a strict Content-Security-Policy and the rest.

Stage: front end (web).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

__all__ = ["CSP", "harden"]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
"""Every page's Content-Security-Policy: nothing from elsewhere, no inline script or style, no framing."""

def harden(headers: MutableHeaders) -> None:
    """The headers every response carries (a route may have set a stricter Content-Security-Policy)."""
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" with the app's own forms,
    # which the origin check must refuse; no page's address (a ministry's link) goes to another site either way.
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
