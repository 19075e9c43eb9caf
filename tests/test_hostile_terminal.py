"""Hostile inputs and faults aimed at what reaches the terminal, the build log and the report.

Every command runs as a user runs it, ``python -m gcmreview`` in a fresh process, through a small
wrapper that reports the command's wall time and peak memory (``RUSAGE_CHILDREN`` of the wrapper,
which ran nothing else). Each run asserts: the exit status and the exact lines expected; no
traceback; output that is UTF-8 and holds no control, line separator or direction character; no
line an input forged; inputs byte-identical afterwards; a file read in <= 30 s and a build in
<= 120 s, each in <= 1 GB (generous bounds, not a benchmark). The files come from
:mod:`hostile_terminal`.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hostile_terminal as H
import pytest
from conftest import WriteWorkbook
from measured import Measured, file_hashes, finish, start
from test_faults import _complete

from gcmreview.cli import main

ROOT = Path(__file__).resolve().parents[1]
READ_SECONDS, BUILD_SECONDS, PEAK_MB = 30, 120, 1024
"""The issue's bounds: any one file read in <= 30 s and <= 1 GB; what check accepts builds in minutes."""

SHOWN_RAW_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What no output line may hold: control characters (but tab and line feed), line separators, direction controls."""
DISK_FULL = ("error GCM126: The disk is full, so this file could not be written (No space left on device); it keeps its "
             "previous content, if it had any. Free some space on that disk (a build needs a few megabytes, more for a "
             "large review) and run the command again.")
BAD_CHARACTER = ("error GCM213: The text contains a character that cannot be stored in a document (U+202E). Delete it "
                 "(it is often pasted in invisibly from other programs).")
NOT_XLSX = "error GCM102: This is not an Excel workbook (text or CSV). Send the .xlsx workbook made by `gcmreview workbook`."
INTERRUPTED = ("error GCM251: Stopped by Ctrl+C before `gcmreview build` finished. Every file it wrote is complete and "
               "the others are as they were; run it again to finish.")


def run(tmp_path: Path, workspace: Path, *argv: str, prefix: tuple[str, ...] = (), limit: float = READ_SECONDS) -> Measured:
    """Run a command on ``workspace`` and check what every hostile case must satisfy."""
    before = file_hashes(workspace / "inputs")
    metrics = tmp_path / f"metrics-{time.perf_counter_ns()}.json"
    done = finish(start(metrics, *argv, prefix=prefix), metrics)
    _assert_clean(done, limit)
    assert file_hashes(workspace / "inputs") == before, "inputs must be byte-identical after the run"
    return done


def _assert_clean(done: Measured, limit: float) -> None:
    text = done.out + done.err
    print(f"{done.seconds:.1f} s, {done.peak_mb:.0f} MB")  # shown with pytest -s: the report's measurements
    assert "Traceback" not in text, text[-3000:]
    assert not SHOWN_RAW_RE.findall(text), f"printed raw: {sorted(set(SHOWN_RAW_RE.findall(text)))}"
    assert not [line for line in done.lines() if line.startswith("FORGED")], "an input printed a line of its own"
    assert done.seconds <= limit, f"took {done.seconds:.1f} s"
    assert done.peak_mb <= PEAK_MB, f"peak memory {done.peak_mb:.0f} MB"


# ---------------------------------------------------------------- file and sheet names


def test_undecodable_file_names(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """A name that is not UTF-8 is printed with its stray bytes as \\xFF, not as a UnicodeEncodeError (exit 3)."""
    H.undecodable_name(write_workbook(), workspace / "inputs")
    done = run(tmp_path, workspace, "check", str(workspace))
    assert done.status == 1
    assert f"inputs/notes-\\xff.xlsx: {NOT_XLSX}" in done.lines()
    assert ("inputs/lab.xlsx, sheet Contributor, cell C7: error GCM110: Contributor code 'LAB' is also used by "
            "inputs/copy-\\xff\\xfe.xlsx. Each contributor sends one workbook; remove the older file from inputs/.") in done.lines()


FORGED_NAME = f"inputs/xU+001B[2JU+001B[HU+000A{H.FORGED}U+000D.xlsx"


def test_forged_file_name(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """A name with an escape sequence and a line feed is one line, its controls shown as U+XXXX."""
    write_workbook()
    H.forged_name(workspace / "inputs")
    done = run(tmp_path, workspace, "check", str(workspace), "--format", "json")
    assert done.status == 1
    [found] = [d for d in json.loads(done.out)["diagnostics"] if d["code"] == "GCM102"]
    assert found["file"] == FORGED_NAME
    done = run(tmp_path, workspace, "check", str(workspace))
    assert done.status == 1
    assert f"{FORGED_NAME}: {NOT_XLSX}" in done.lines()


FORGED_SHEET = "NotesU+000AFORGED error GCM999U+009B2JU+202EU+2028"


def test_forged_sheet_name(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """A sheet title with a line feed, CSI, an override and a line separator: one line, each shown as U+XXXX."""
    H.forged_sheet(write_workbook())
    done = run(tmp_path, workspace, "check", str(workspace))
    assert done.status == 0
    assert (f"inputs/lab.xlsx, sheet {FORGED_SHEET}: warning GCM224: Sheet '{FORGED_SHEET}' is not part of the template, "
            "so its content is not read. Move what it holds into the template's sheets.") in done.lines()


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))


def test_draft_build_shows_every_name_safely(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """The names above and an override in the translation store, in one draft: the terminal, build.log, the report
    and the documents show them only made visible."""
    lab = write_workbook()
    H.forged_sheet(lab)
    H.undecodable_name(lab, workspace / "inputs")
    H.forged_name(workspace / "inputs")
    H.bidi_store(workspace, "km", "LAB/answer/6")
    done = run(tmp_path, workspace, "build", str(workspace), "--draft", limit=BUILD_SECONDS)
    assert done.status == 0
    build = workspace / "build"
    log = (build / "build.log").read_text(encoding="utf-8")
    reports = [(build / name).read_text(encoding="utf-8") for name in ("report.html", "report.km.html")]
    for text in (log, *reports):
        assert not SHOWN_RAW_RE.findall(text), sorted(set(SHOWN_RAW_RE.findall(text)))
        for shown in ("inputs/xU+001B[2JU+001B[H", "inputs/notes-\\xff.xlsx", "inputs/copy-\\xff\\xfe.xlsx", "U+009B2JU+202E"):
            assert shown in text, shown
    assert f"  {FORGED_NAME}: {NOT_XLSX}" in log.splitlines()
    assert f"  inputs/translations/km.json, units.LAB/answer/6.text: {BAD_CHARACTER}" in log.splitlines()
    for path in build.glob("*.docx"):
        assert H.RLO not in _docx_text(path) and "\x9b" not in _docx_text(path), path.name


# ---------------------------------------------------------------- U+202E from every source


def test_override_in_review_toml(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """GCM213 at its key, as in a cell; the build is refused, so no document shows it."""
    write_workbook()
    key = H.bidi_review_toml(workspace, "LAB", "Ministry of Labour")
    expected = f"inputs/review.toml, {key}: {BAD_CHARACTER}"
    for argv in (("check", str(workspace)), ("build", str(workspace), "--draft")):
        done = run(tmp_path, workspace, *argv)
        assert (done.status, done.lines()) == (1, [expected]), argv
    assert not list((workspace / "build").glob("*.docx"))


def test_override_in_translation_store(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    write_workbook()
    H.bidi_store(workspace, "km", "LAB/answer/6")
    done = run(tmp_path, workspace, "check", str(workspace))
    assert done.status == 1
    assert f"inputs/translations/km.json, units.LAB/answer/6.text: {BAD_CHARACTER}" in done.lines()


def test_override_in_translators_xliff(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """Refused at import, at its unit, and not stored."""
    write_workbook()
    xliff = H.bidi_xliff(tmp_path / "back.xlf", "LAB/answer/6")
    done = run(tmp_path, workspace, "translate", "import", str(xliff), "-w", str(workspace))
    assert done.status == 1
    assert f"back.xlf, LAB/answer/6: {BAD_CHARACTER}" in done.lines()
    assert not (workspace / "inputs" / "translations" / "km.json").exists()


def test_override_in_contribution_json(tmp_path: Path, workspace: Path, contribution_data: dict[str, Any]) -> None:
    source = H.bidi_contribution_json(contribution_data, tmp_path / "lab.json")
    done = run(tmp_path, workspace, "import", str(source), "-w", str(workspace))
    assert done.status == 1
    assert done.lines() == [f"lab.json, identity.contact_person: {BAD_CHARACTER}", f"lab.json, answers[0].text.en: {BAD_CHARACTER}"]
    assert not (workspace / "inputs" / "lab.xlsx").exists()


# ---------------------------------------------------------------- Ctrl+C


def _group_alive(pgid: int, grace: float = 3.0) -> bool:
    """Whether a process of the group is still there ``grace`` seconds on (a render process ends when its worker does)."""
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.05)


def test_ctrl_c_while_rendering(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """One line and exit 130; no worker left; only complete files; the lock released, no temporary file left."""
    write_workbook()
    metrics = tmp_path / "metrics.json"
    process = start(metrics, "build", str(workspace))
    deadline = time.monotonic() + BUILD_SECONDS
    while not (workspace / "build" / "report.html").exists():  # written just before the documents are rendered
        assert process.poll() is None and time.monotonic() < deadline, "the build ended before rendering"
        time.sleep(0.05)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl+C: every process of the foreground group
    pressed = time.monotonic()
    done = finish(process, metrics, timeout=60)
    assert time.monotonic() - pressed < 15, "stopping took too long"
    _assert_clean(done, BUILD_SECONDS)
    assert (done.status, done.out, done.err) == (130, "", INTERRUPTED + "\n")
    assert not _group_alive(process.pid), "a worker process outlived the build"
    build = workspace / "build"
    for path in build.rglob("*"):
        assert not path.name.endswith(".tmp"), path
        if path.is_file() and not path.name.startswith("."):
            assert _complete(path) is None, path.name
    with (build / ".lock").open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if the build still held it


def test_ctrl_c_while_writing_waits_for_the_files() -> None:
    """While the outputs are written, Ctrl+C is held back until all of them are."""
    from gcmreview.fsutil import uninterrupted

    written = []
    started = signal.signal(signal.SIGINT, signal.default_int_handler)  # as Python starts in a terminal (a shell's
    try:                                                                # background job starts with SIGINT ignored)
        with pytest.raises(KeyboardInterrupt), uninterrupted():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the signal is handled here
            written.append("all")
        assert written == ["all"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, started)


# ---------------------------------------------------------------- a full disk


def _tmpfs_prefix(folder: Path, size: str) -> tuple[str, ...]:
    """A command prefix that runs it with a tmpfs of ``size`` on ``folder`` (a user namespace), or skips the test."""
    unshare = shutil.which("unshare")
    mount = f'mount -t tmpfs -o size={size} tmpfs "{folder}" && exec "$@"'
    prefix = (unshare or "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", mount, "sh")
    if unshare is None or subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no user namespaces here to mount a small file system in")
    return prefix


def test_full_disk_names_the_file(tmp_path: Path, workspace: Path, write_workbook: WriteWorkbook) -> None:
    """A real full disk (a 256 kB tmpfs on build/): one line naming the file, what to do, exit 1."""
    write_workbook()
    (workspace / "build").mkdir()
    done = run(tmp_path, workspace, "build", str(workspace), prefix=_tmpfs_prefix(workspace / "build", "256k"), limit=BUILD_SECONDS)
    assert done.status == 1
    [line] = done.lines()
    assert re.fullmatch(re.escape(f"{workspace}/build/") + r"[\w./-]+: " + re.escape(DISK_FULL), line), line


@pytest.mark.parametrize(("number", "code"), [(errno.ENOSPC, "GCM126"), (errno.EDQUOT, "GCM126"), (errno.EROFS, "GCM127")])
def test_failed_write_through_the_command_line(number: int, code: str, workspace: Path, write_workbook: WriteWorkbook,
                                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The report, the first output written, cannot be: its name and what to do, no traceback, no temporary file."""
    from gcmreview import fsutil

    write_workbook()
    real: Callable[..., None] = fsutil.os.replace

    def refuse(src: str, dst: str | Path) -> None:
        if Path(dst).name == "report.html":
            raise OSError(number, os.strerror(number))
        real(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", refuse)
    status = main(["build", str(workspace)])
    out, err = capsys.readouterr()
    assert (status, out) == (1, "")
    reason = os.strerror(number)
    [line] = err.splitlines()  # no "run gcmreview build --draft": a draft would not help
    assert line.startswith(f"{workspace}/build/report.html: error {code}: ") and f"({reason})" in line, line
    assert not list((workspace / "build").glob(".*.tmp")) and not (workspace / "build" / "report.html").exists()
