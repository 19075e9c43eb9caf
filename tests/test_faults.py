"""Faults: a build killed at any moment leaves only complete files in build/."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import WriteWorkbook

from gcmreview import GcmReviewError

KILLS = 20


def _complete(path: Path) -> str | None:
    """Why ``path`` is not a complete output file, or None when it is."""
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            json.loads(data)
        except ValueError as exc:
            return f"truncated JSON: {exc}"
    elif path.suffix == ".docx":
        try:
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
        except zipfile.BadZipFile as exc:
            return f"truncated DOCX: {exc}"
        if bad is not None:
            return f"damaged DOCX part {bad}"
    elif path.suffix == ".pdf" and not data.rstrip().endswith(b"%%EOF"):
        return "truncated PDF"
    elif path.suffix == ".html" and not data.rstrip().endswith(b"</html>"):
        return "truncated HTML"
    elif path.name == "build.log" and b"\nTime:\n" not in data:
        return "truncated build log"
    return None


def _build(workspace: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "gcmreview", "-q", "build", str(workspace)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)


def test_killed_builds_leave_only_complete_files(write_workbook: WriteWorkbook, workspace: Path) -> None:
    write_workbook()
    started = time.perf_counter()
    assert _build(workspace).wait(timeout=300) == 0
    duration = time.perf_counter() - started
    outputs = sorted(p.name for p in (workspace / "build").iterdir() if not p.name.startswith("."))
    rng = random.Random(20201118)
    for attempt in range(KILLS):
        process = _build(workspace)
        time.sleep(rng.uniform(0.05, duration))
        os.killpg(process.pid, signal.SIGKILL)  # the build and its PDF workers
        process.wait(timeout=60)
        for path in (workspace / "build").iterdir():
            if path.name.startswith("."):
                continue
            problem = _complete(path)
            assert problem is None, f"kill {attempt + 1}: {path.name}: {problem}"
        present = sorted(p.name for p in (workspace / "build").iterdir() if not p.name.startswith("."))
        assert present == outputs, f"kill {attempt + 1}: an earlier output disappeared"
    assert _build(workspace).wait(timeout=300) == 0, "a build after the kills succeeds (no stale lock)"
    assert not list((workspace / "build").glob(".*.tmp")), "temporary files of killed builds are cleaned up"


@pytest.mark.parametrize("name", ["KHM-escap-2020.en.pdf", "submission.json"])
def test_failed_write_keeps_the_previous_file(write_workbook: WriteWorkbook, workspace: Path, name: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails midway (disk full) leaves the previous output whole, and says which file (GCM126)."""
    from gcmreview import fsutil
    from gcmreview.pipeline import build

    write_workbook()
    build(workspace)
    before = (workspace / "build" / name).read_bytes()
    real = fsutil.os.replace

    def full_disk(src: str, dst: str | Path) -> None:
        if Path(dst).name == name:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", full_disk)
    with pytest.raises(GcmReviewError) as refused:
        build(workspace)
    [problem] = refused.value.diagnostics
    assert (problem.code, problem.location.file) == ("GCM126", str(workspace / "build" / name))
    assert (workspace / "build" / name).read_bytes() == before
    assert not list((workspace / "build").glob(".*.tmp"))
