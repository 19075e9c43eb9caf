"""Builds started from the web app: one at a time, in a process of their own, with live progress.

Stage: front end (web). :class:`Builds` runs :func:`gcmreview.build` in a child
process (so that rendering never slows the pages down), reads the progress the
library reports (:class:`gcmreview.Progress`) from a pipe, and keeps what the
pages show: the stage, each task's steps, then the outputs with their sizes, or
the problems that refused the build. A second build while one runs is refused
here; a build started from the command line at the same time is refused by the
library's lock (GCM250), and shown so.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

__all__ = ["BuildState", "Builds"]


@dataclass
class Task:
    name: str
    total: int
    done: int = 0
    detail: str = ""


@dataclass
class BuildState:
    """What the build page shows."""

    number: int = 0
    status: str = "idle"
    """idle, running, done (outputs written) or failed (refused, or stopped by an error)."""
    draft: bool = False
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    tasks: list[Task] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    """Each output: name, about (pages or bytes)."""
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    """Diagnostic.to_json() of every finding (the refusal's errors, or the build's warnings)."""
    refused: bool = False
    message: str = ""
    """An unexpected failure, in one line."""

    @property
    def running(self) -> bool:
        return self.status == "running"

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number, "status": self.status, "draft": self.draft,
            "tasks": [{"name": t.name, "total": t.total, "done": t.done, "detail": t.detail} for t in self.tasks],
            "outputs": [o["name"] for o in self.outputs], "seconds": self.seconds,
        }

    @property
    def seconds(self) -> float | None:
        if self.started is None:
            return None
        end = self.finished or dt.datetime.now(dt.UTC)
        return round((end - self.started).total_seconds(), 1)


class _PipeProgress:
    """A :class:`gcmreview.Progress` that sends what it is told to the app."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> _PipeProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def start(self, task: str, total: int) -> None:
        self.conn.send(("start", task, total))

    def step(self, task: str, detail: str = "") -> None:
        self.conn.send(("step", task, detail))


def _child(workspace: str, draft: bool, conn: Connection) -> None:
    """The build, in the child process: progress as it goes, then ("done", ...) or ("refused"/"failed", ...)."""
    import gcmreview

    try:
        result = gcmreview.build(Path(workspace), draft=draft, progress=_PipeProgress(conn))
    except gcmreview.GcmReviewError as exc:
        conn.send(("refused", [d.to_json() for d in exc.diagnostics], exc.draft_would_build))
    except BaseException as exc:  # reported as one line on the page; the server goes on
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    else:
        outputs = [{"name": Path(o.path).name, "about": o.about} for o in result.outputs]
        conn.send(("done", outputs, [d.to_json() for d in result.diagnostics]))
    finally:
        conn.close()


class Builds:
    """The workspace's builds: start one, follow it, see the last one."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.state = BuildState()
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("spawn")

    def start(self, draft: bool) -> bool:
        """Start a build; False if one is running."""
        with self._lock:
            if self.state.running:
                return False
            self.state = BuildState(self.state.number + 1, "running", draft, dt.datetime.now(dt.UTC))
            state = self.state
        threading.Thread(target=self._follow, args=(state,), daemon=True, name="gcmreview-build").start()
        return True

    def _follow(self, state: BuildState) -> None:
        ours, theirs = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_child, args=(str(self.workspace), state.draft, theirs))
        process.start()
        theirs.close()
        try:
            while True:
                try:
                    message = ours.recv()
                except EOFError:
                    if state.status == "running":
                        state.status, state.message = "failed", f"The build stopped unexpectedly (exit status {process.exitcode})."
                    break
                self._apply(state, message)
        finally:
            ours.close()
            process.join(timeout=30)
            state.finished = dt.datetime.now(dt.UTC)

    @staticmethod
    def _apply(state: BuildState, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "start":
            state.tasks.append(Task(message[1], int(message[2])))
        elif kind == "step":
            task = next((t for t in reversed(state.tasks) if t.name == message[1]), None)
            if task is not None:
                task.done += 1
                task.detail = str(message[2])
        elif kind == "done":
            state.outputs, state.diagnostics, state.status = message[1], message[2], "done"
        elif kind == "refused":
            state.diagnostics, state.refused, state.status = message[1], bool(message[2]), "failed"
        elif kind == "failed":
            state.message, state.status = str(message[1]), "failed"

    def wait(self, timeout: float) -> BuildState:
        """The state once the build is no longer running (or after ``timeout`` seconds): for tests and scripts."""
        deadline = time.monotonic() + timeout
        while self.state.running and time.monotonic() < deadline:
            time.sleep(0.05)
        while self.state.finished is None and self.state.status != "idle" and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.state
