"""Progress and timing: the library says what it is doing; a front end decides how to show it.

Stage: shared. The pipeline calls :meth:`Progress.step` as it reads workbooks and
renders outputs; the command line shows a rich progress bar when the terminal is
interactive, and nothing otherwise (or with ``--quiet``). :class:`Clock` times the
build's stages for its log.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["NO_PROGRESS", "Clock", "Progress"]


class Progress(Protocol):
    """Also a context manager: the command line shows the bar only while inside it."""

    def __enter__(self) -> Progress: ...

    def __exit__(self, *exc: object) -> None: ...

    def start(self, task: str, total: int) -> None:
        """A task with ``total`` steps begins (e.g. 'Reading workbooks', 6)."""

    def step(self, task: str, detail: str = "") -> None:
        """One step of ``task`` is done; ``detail`` names it (e.g. a file)."""


class _Silent:
    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def start(self, task: str, total: int) -> None:
        return None

    def step(self, task: str, detail: str = "") -> None:
        return None


NO_PROGRESS: Progress = _Silent()


class Clock:
    """Times a build's stages: :meth:`lap` records the time since the previous lap."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now
