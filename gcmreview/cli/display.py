"""Terminal presentation for the command line: progress bars and end-of-run summaries.

Stage: CLI only. Progress bars (rich) appear only on an interactive terminal and
never with ``--quiet``; summaries are plain lines so they read the same in a log.
Text from workbooks is printed as data (rich markup off), and every line goes
through :func:`say`: control, line and direction characters that came with an
input (a file or sheet name) show as ``U+XXXX``, so no input can clear the screen
or print a line of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from gcmreview import NO_PROGRESS, BuildResult, Diagnostic, ImportReport, Prepared, display_path, visible
from gcmreview import Progress as ProgressHook

__all__ = ["RichProgress", "build_summary", "check_summary", "import_summary", "print_diagnostics", "progress_for", "say"]


class RichProgress:
    """A rich progress bar per task, shown on stderr while the command runs."""

    def __init__(self) -> None:
        console = Console(file=sys.stderr)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[detail]}", markup=False))
        self._bar = Progress(*columns, console=console, transient=True)
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, task: str, total: int) -> None:
        self._tasks[task] = self._bar.add_task(task, total=total, detail="")

    def step(self, task: str, detail: str = "") -> None:
        if task in self._tasks:
            self._bar.update(self._tasks[task], advance=1, detail=detail)


def progress_for(quiet: bool) -> ProgressHook:
    """A progress bar on an interactive terminal, otherwise nothing."""
    return RichProgress() if not quiet and sys.stderr.isatty() else NO_PROGRESS


def say(*lines: str, out: TextIO | None = None) -> None:
    """Print each line, its control, line and direction characters shown as ``U+XXXX`` (on stdout by default)."""
    for line in lines:
        print(visible(line), file=out or sys.stdout)


def print_diagnostics(diagnostics: Sequence[Diagnostic], out: TextIO) -> None:
    say(*(str(d) for d in diagnostics), out=out)


def _counts(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    errors = sum(d.severity == "error" for d in diagnostics)
    return errors, len(diagnostics) - errors


def check_summary(prepared: Prepared, diagnostics: Sequence[Diagnostic]) -> list[str]:
    """The closing lines of `gcmreview check`."""
    sub = prepared.submission
    received = [c.code for c in sub.contributors if c.file]
    missing = [c.code for c in sub.contributors if not c.file]
    errors, warnings = _counts(diagnostics)
    files = len(prepared.files)
    lines = [f"Workbooks: {len(received)} of {len(sub.contributors)} contributors received" + (f" (missing: {', '.join(missing)})" if missing else "")]
    lines.append(f"Conflicts: {len(sub.conflicts)}; left out of the submission: {len(sub.left_out)}")
    lines.append(f"{files} file(s) checked, {len(prepared.contributions)} read: {errors} error(s), {warnings} warning(s).")
    return lines


def build_summary(result: BuildResult, draft: bool) -> list[str]:
    """The closing lines of `gcmreview build`: outputs and counts."""
    lines = [f"{o.path}{f'  ({o.about})' if o.about else ''}" for o in result.outputs]
    sub = result.submission
    total = sum(result.timings.values())
    if result.reused or result.workbooks_reused:
        lines.append(f"Unchanged since the last build: {result.workbooks_reused} workbook(s) not read again, "
                     f"{len(result.reused)} document(s) not rendered again (gcmreview build --no-cache redoes all).")
    lines.append(
        f"Built in {total:.1f} s{' (DRAFT)' if draft else ''}: {len(sub.left_out)} item(s) left out, "
        f"{len(sub.conflicts)} conflict(s); see build/build.log."
    )
    return lines


def import_summary(report: ImportReport, workspace: Path) -> str:
    """The closing line of `gcmreview translate import`: what was stored where, and what was not and why."""
    stores = [display_path(path, workspace) for path in report.stores]  # in the order of report.stored
    stored = [f"{len(ids)} translation(s) ({lang}) in {path}" for (lang, ids), path in zip(report.stored.items(), stores, strict=True)]
    parts = [f"Stored {', '.join(stored)}" if stored else f"Stored no translation from {report.file}"]
    if report.stale:
        parts.append(f"{len(report.stale)} of them stale at once (the source changed since the export)")
    others = [
        (len(report.already), "already stored, unchanged"),
        (len(report.unchanged), "sent back unchanged while marked for review, not stored (--confirm-unchanged accepts them)"),
        (len(report.unknown), "unit(s) matched no text"),
        (report.empty, "unit(s) without a translation"),
    ]
    parts += [f"{count} {what}" for count, what in others if count]
    return "; ".join(parts)
