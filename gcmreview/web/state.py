"""The web app's state: the workspace, its keys and builds, and the workspace as checked now.

Stage: front end (web). One :class:`GcmApp` per app (``request.app.state.gcm``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gcmreview

from .auth import Keys
from .builds import Builds

__all__ = ["GcmApp", "Live", "gcm"]


class Live:
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
    live: Live
    announce: Callable[[str], None] = print
    _review: Any = field(default=None, init=False, repr=False)
    _review_key: tuple[int, int] | None = field(default=None, init=False, repr=False)

    def review(self) -> Any:
        """review.toml as it is now: read again only when the file changed (a page asks several times)."""
        path = self.workspace / "inputs" / "review.toml"
        try:
            info = path.stat()
            key: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except OSError:
            key = None
        if key is None or key != self._review_key:
            self._review = gcmreview.load_review(self.workspace)[0]  # GcmReviewError when unusable: nothing kept
            self._review_key = key
        return self._review

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


def gcm(request: Any) -> GcmApp:
    """The state of the app that answers ``request``."""
    app: GcmApp = request.app.state.gcm
    return app
