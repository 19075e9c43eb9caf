"""Atomic file output: write to a temporary file beside the target, then rename.

A reader (or a killed build) never sees a half-written file: the target holds
either its previous content or the new content. A write that fails (a full disk,
a folder one may not write to) is a :class:`~gcmreview.errors.GcmReviewError`
naming the file and what to do (GCM126, GCM127). :func:`uninterrupted` holds back
Ctrl+C while a set of files is written, so that they are all written or none.
"""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import BinaryIO

from .chars import file_name
from .errors import Code, Diagnostic, GcmReviewError, Location

__all__ = ["atomic_write", "atomic_write_with", "uninterrupted", "write_error"]

_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def write_error(path: Path | str, exc: OSError) -> GcmReviewError:
    """The error for a file that could not be written: GCM126 when the disk (or quota) is full, else GCM127."""
    reason = exc.strerror or str(exc)
    code = Code.DISK_FULL if exc.errno in _DISK_FULL else Code.WRITE_FAILED
    return GcmReviewError([Diagnostic.make(code, Location(file=file_name(os.fspath(path))), reason=reason)])


def atomic_write_with(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write`` on a temporary file next to ``path``, fsync, then rename it into place.

    GcmReviewError (GCM126, GCM127) when it cannot be written; ``path`` is then as it was.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes | str) -> Path:
    """Write bytes (or UTF-8 text) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data

    def write(handle: BinaryIO) -> None:
        handle.write(payload)

    return atomic_write_with(path, write)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold back Ctrl+C (SIGINT) until the block is done, then raise KeyboardInterrupt if it came.

    Only the main thread receives signals; elsewhere the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        pressed.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt
