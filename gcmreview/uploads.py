"""A contributor's workbook received (uploaded): checked, kept, stored, logged.

Stage: inputs. What the web app (or any front end) does with a workbook that
arrives: :func:`receive_workbook` reads it with the same hardened reader as
``check`` (:func:`~gcmreview.validate.read_contribution`), refuses it when it has
errors or is another contributor's, and otherwise stores it atomically as
``inputs/<code>.xlsx``. The file it replaces is first copied into
``inputs/history/<CODE>/``, named by the time it was replaced, so that nothing a
contributor sent is lost. Every upload, stored or refused, is one line of JSON in
``inputs/history/uploads.log``, which is only ever appended to.

:func:`reading_inputs` is the lock that makes a build read a consistent set of
inputs while uploads arrive: a build holds it shared while it reads, an upload
exclusively while it replaces a file (a lock file in ``inputs/history/``, taken
only once that folder exists, i.e. once a workspace receives uploads).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO

from .chars import file_name
from .config import load_review
from .errors import Code, Diagnostic, GcmReviewError, Location, nearest, of_severity
from .fsutil import atomic_write_with, write_error
from .safeparse import parse_json
from .validate import ReadResult, read_contribution
from .workbook import workbook_name

__all__ = [
    "HISTORY", "MAX_UPLOAD_BYTES", "Upload", "UploadResult", "read_uploads", "reading_inputs", "receive_workbook", "upload_name",
]

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""The largest upload read: a filled workbook is well under 1 MB; the reader's own limits apply inside."""

HISTORY = "history"
"""``inputs/history/``: the files uploads replaced (one folder per contributor), the upload log, the lock."""

LOG_NAME = "uploads.log"
_LOCK_NAME = ".lock"
_MAX_LOG_LINE = 16_384
"""A log line holds one upload's facts; a longer line is not one of ours and is skipped when read."""


@dataclass(frozen=True)
class Upload:
    """One line of the upload log."""

    time: str
    """When it arrived (UTC, ISO 8601)."""
    contributor: str
    file: str
    """The file's name as the sender's computer called it (shown as messages show names)."""
    size: int
    sha256: str
    client: str
    """The sender's network address, as the server saw it."""
    outcome: str
    """``stored`` or ``refused``."""
    errors: int = 0
    warnings: int = 0
    kept: str = ""
    """The replaced file's copy in inputs/history/, relative to the workspace ('' if none was replaced)."""


@dataclass
class UploadResult:
    """What :func:`receive_workbook` found and did."""

    upload: Upload
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """The workbook's problems, as ``check`` reports them, and why it was refused."""

    @property
    def stored(self) -> bool:
        return self.upload.outcome == "stored"


def upload_name(name: str) -> str:
    """The last part of a file name as a browser sends it (which may carry a Windows or Unix folder), printable."""
    last = PureWindowsPath(PurePosixPath(name or "").name).name
    return file_name(last)[:200] or "upload.xlsx"


def history_folder(workspace: Path) -> Path:
    return workspace / "inputs" / HISTORY


@contextmanager
def reading_inputs(workspace: Path, *, exclusive: bool = False) -> Iterator[None]:
    """Hold the inputs lock: shared while a build reads the inputs, exclusive while an upload replaces one.

    A no-op until the workspace has ``inputs/history/`` (created by the first upload or by ``serve``).
    """
    folder = history_folder(workspace)
    if not folder.is_dir():
        yield
        return
    with (folder / _LOCK_NAME).open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def receive_workbook(workspace: Path, code: str, source: Path, original_name: str, client: str,
                     *, now: dt.datetime | None = None) -> UploadResult:
    """Check the uploaded file ``source`` as contributor ``code``'s workbook; store it if it has no errors.

    ``source`` is left as it is (the caller's temporary file). GcmReviewError when
    review.toml is unusable, ``code`` is not a contributor, or a file cannot be written.
    """
    review, survey = load_review(workspace)
    contributor = review.contributor(code)
    if contributor is None:
        codes = [c.code for c in review.contributors]
        where = Location(file="inputs/review.toml", key="contributors")
        raise GcmReviewError([Diagnostic.make(Code.UNKNOWN_CONTRIBUTOR, where, code=code, suggestion=nearest(code, codes))])
    shown = upload_name(original_name)
    read = read_contribution(source, review, survey, shown)
    diagnostics = read.diagnostics + _not_theirs(read, code, review.contributor)
    errors = of_severity(diagnostics, "error")
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    size, sha = _facts(source)
    upload = Upload(when.isoformat(timespec="microseconds"), code, shown, size, sha, client, "refused" if errors else "stored",
                    len(errors), len(diagnostics) - len(errors))
    if not errors:
        upload = _store(workspace, code, source, upload, when)
    append_log(workspace, upload)
    return UploadResult(upload, diagnostics)


def _not_theirs(read: ReadResult, code: str, contributor: Any) -> list[Diagnostic]:
    """GCM121 when the workbook names another contributor than the one it was uploaded for."""
    if read.contribution is None or read.contribution.contributor == code:
        return []
    found = read.contribution.contributor
    other = contributor(found)
    name = other.name.get("en", found) if other is not None else found
    where = read.sources("contributor")
    return [Diagnostic.make(Code.WRONG_CONTRIBUTOR, where, found=found, name=name, expected=code, file=workbook_name(code))]


def _facts(path: Path) -> tuple[int, str]:
    with path.open("rb") as handle:
        return os.fstat(handle.fileno()).st_size, hashlib.file_digest(handle, "sha256").hexdigest()


def _store(workspace: Path, code: str, source: Path, upload: Upload, when: dt.datetime) -> Upload:
    """Keep the file being replaced, then put the upload in its place; both atomic, under the inputs lock."""
    target = workspace / "inputs" / workbook_name(code)
    folder = history_folder(workspace)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(folder, exc) from None
    kept = ""
    with reading_inputs(workspace, exclusive=True):
        if target.is_file() and not target.is_symlink():
            stamp = when.strftime("%Y%m%dT%H%M%S.%fZ")
            copy = folder / code / f"{stamp}-{target.name}"
            _copy(target, copy)
            kept = copy.relative_to(workspace).as_posix()
        _copy(source, target)
    return Upload(**{**asdict(upload), "kept": kept})


def _copy(source: Path, target: Path) -> None:
    def write(handle: BinaryIO) -> None:
        with source.open("rb") as data:
            shutil.copyfileobj(data, handle)

    atomic_write_with(target, write)


def append_log(workspace: Path, upload: Upload) -> None:
    """One line at the end of inputs/history/uploads.log (opened for appending only, synced)."""
    path = history_folder(workspace) / LOG_NAME
    line = (json.dumps(asdict(upload), ensure_ascii=True) + "\n").encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise write_error(path, exc) from None


def read_uploads(workspace: Path, code: str | None = None) -> list[Upload]:
    """The upload log, oldest first (only ``code``'s uploads if given); lines that are not an upload are skipped."""
    path = history_folder(workspace) / LOG_NAME
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return []
    found: list[Upload] = []
    for raw in lines:
        if not raw.strip() or len(raw) > _MAX_LOG_LINE:
            continue
        upload = _upload(raw)
        if upload is not None and (code is None or upload.contributor == code):
            found.append(upload)
    return found


def _upload(raw: bytes) -> Upload | None:
    try:
        data = parse_json(raw.decode("ascii"), "")
        return Upload(**data) if isinstance(data, dict) else None
    except (GcmReviewError, UnicodeDecodeError, TypeError):
        return None
