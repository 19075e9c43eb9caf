"""One command of gcmreview run in a fresh process, measured: for the hostile corpora's time and memory bounds.

A small wrapper process runs the command and writes its exit status, wall time,
CPU time and peak resident memory to a file: ``getrusage(RUSAGE_CHILDREN)`` of a
fresh process holds only that command and the workers it started. The command's
own output goes to the caller's pipes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ROOT", "WRAPPER", "Measured", "file_hashes", "finish", "measure", "start"]

ROOT = Path(__file__).resolve().parents[1]
WRAPPER = """\
import json, resource, signal, subprocess, sys, time
signal.signal(signal.SIGINT, lambda *_: None)  # Ctrl+C is the command's (a handler, unlike SIG_IGN, is not inherited)
start = time.perf_counter()
status = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"status": status, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kb": usage.ru_maxrss}, out)
"""
"""Runs one command and writes its exit status, wall time, CPU time and peak RSS (kB) to the file named first."""


@dataclass
class Measured:
    """A finished command: exit status, what it printed, its wall time, CPU time and peak memory."""

    status: int
    out: str
    err: str
    seconds: float
    cpu: float
    peak_mb: float

    def lines(self, prefix: str = "") -> list[str]:
        """What it printed (stdout, then stderr), line by line; with ``prefix``, the lines starting with it."""
        return [line for line in (self.out + self.err).splitlines() if line.startswith(prefix)]


def start(metrics: Path, *argv: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    """``gcmreview ARGV`` started under the wrapper, in a session of its own (so Ctrl+C can be sent to its group)."""
    command = [*prefix, sys.executable, "-c", WRAPPER, str(metrics), sys.executable, "-m", "gcmreview", *argv]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)


def finish(process: subprocess.Popen[bytes], metrics: Path, timeout: float = 300) -> Measured:
    """The started command's outcome; it is killed (and the test fails) when it runs past ``timeout``."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.communicate()
        raise AssertionError(f"the command ran past {timeout:.0f} s") from None
    found = json.loads(metrics.read_text(encoding="utf-8"))
    status = found["status"] if found["status"] >= 0 else 128 - found["status"]  # killed by a signal: as a shell says
    return Measured(status, out.decode("utf-8"), err.decode("utf-8"), found["seconds"], found["cpu"], found["peak_kb"] / 1024)


def measure(metrics: Path, *argv: str, timeout: float = 300) -> Measured:
    """Run ``gcmreview ARGV`` in a fresh process and measure it; ``metrics`` is the file the wrapper writes."""
    return finish(start(metrics, *argv), metrics, timeout)


def file_hashes(*paths: Path) -> dict[str, str]:
    """The SHA-256 of every file of ``paths`` (files or folders), to tell that inputs were left byte-identical."""
    out = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            out[f"{path.name}/{file.relative_to(path).as_posix()}"] = hashlib.sha256(file.read_bytes()).hexdigest()
    return out
