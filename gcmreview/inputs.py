"""The review workspace's inputs: find the contributor files and read them all.

Stage: read + validate, for a whole workspace. Every file in ``inputs/`` is
checked, each problem reported with its location; one broken file does not stop
the others from being read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .cache import Cache, code_digest, digest
from .chars import file_name
from .config import ReviewConfig, load_review
from .errors import Code, Diagnostic, GcmReviewError, Location, SourceMap
from .i18n import N_
from .model import Contribution
from .parallel import cores, in_workers
from .progress import NO_PROGRESS, Progress
from .safeparse import parse_json
from .submission import LeftOutEntry
from .survey import Survey
from .validate import ReadResult, read_contribution
from .workbook import workbook_name
from .workspace import input_files

__all__ = ["CheckResult", "check_workspace"]

READING = N_("Reading workbooks")

@dataclass
class CheckResult:
    """What ``check`` found in a workspace."""

    workspace: Path
    review: ReviewConfig
    survey: Survey
    results: list[ReadResult] = field(default_factory=list)

    missing: list[Diagnostic] = field(default_factory=list)
    """GCM112 warnings: contributors whose workbook has not arrived."""
    saved: dict[str, dt.datetime] = field(default_factory=dict)
    """When each file of inputs/ was last saved (its modification time), by its name as shown."""

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.diagnostics] + self.missing

    @property
    def contributions(self) -> list[Contribution]:
        return [r.contribution for r in self.results if r.contribution is not None]

    def count(self, severity: str) -> int:
        return sum(d.severity == severity for d in self.diagnostics)

    def ok(self, strict: bool = False) -> bool:
        return self.count("error") == 0 and (not strict or self.count("warning") == 0)


def check_workspace(workspace: Path, progress: Progress = NO_PROGRESS, cache: Cache | None = None) -> CheckResult:
    """Read and validate every contributor file of a workspace (GcmReviewError if review.toml is bad).

    With a ``cache``, a file read before with the same bytes, name, settings and code is
    not read again; the others are read on every core when there are several.
    """
    review, survey = load_review(workspace)
    result = CheckResult(workspace, review, survey)
    owners: dict[str, str] = {}
    files = input_files(workspace)
    progress.start(READING, len(files))
    for display, read in _read_all(workspace, files, review, survey, cache, progress):
        if read.contribution is not None:
            code = read.contribution.contributor
            if code in owners:
                where = read.sources("contributor")
                read.diagnostics.append(Diagnostic.make(Code.DUPLICATE_CONTRIBUTOR, where, code=code, other=owners[code]))
            owners.setdefault(code, display)
        result.results.append(read)
    result.missing = _missing(review, owners)
    result.saved = {r.file: saved for r, path in zip(result.results, files, strict=True) if (saved := _saved(path)) is not None}
    return result


def _saved(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.lstat().st_mtime).astimezone()
    except OSError:
        return None


_PARALLEL_FROM = 4
"""Read files in worker processes when at least this many are not in the cache."""


def _read_all(
    workspace: Path, files: list[Path], review: ReviewConfig, survey: Survey, cache: Cache | None, progress: Progress
) -> list[tuple[str, ReadResult]]:
    """Every file read (from the cache where it can be), in the order of ``files``."""
    settings = digest(code_digest([]), review.model_dump_json(), survey.id)
    displays = [file_name(path.relative_to(workspace).as_posix()) for path in files]  # not resolved: links are refused
    keys = [digest(settings, display, _file_digest(path)) for path, display in zip(files, displays, strict=True)]
    found: dict[int, ReadResult] = {}
    if cache is not None:
        for index, key in enumerate(keys):
            decoded = cache.get("read", key, _decode)
            if decoded is not None:
                found[index] = decoded
                progress.step(READING, displays[index])
    todo = [i for i in range(len(files)) if i not in found]
    reads = [partial(read_contribution, files[i], review, survey, displays[i]) for i in todo]
    if len(todo) >= _PARALLEL_FROM and cores() > 1:
        done: Iterable[tuple[int, ReadResult]] = in_workers(reads, in_order=True)
    else:
        done = ((n, read()) for n, read in enumerate(reads))
    for n, read in done:
        found[todo[n]] = read
        progress.step(READING, displays[todo[n]])
    if cache is not None:
        for index in todo:
            cache.put("read", keys[index], {"file": displays[index]}, _encode(found[index]))
    return [(displays[i], found[i]) for i in range(len(files))]


def _file_digest(path: Path) -> str:
    if path.is_symlink():
        return "symlink"  # not followed: read_contribution refuses it
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return "unreadable"  # read_contribution reports why


def _encode(read: ReadResult) -> bytes:
    """A read result as JSON (lone surrogates escaped, so any text survives)."""
    data = {
        "file": read.file,
        "contribution": read.contribution.model_dump(mode="json") if read.contribution is not None else None,
        "sources": {"file": read.sources.file, "map": {k: asdict(v) for k, v in read.sources.items()}},
        "diagnostics": [d.to_json() for d in read.diagnostics],
        "left_out": [item.model_dump(mode="json") for item in read.left_out],
    }
    return json.dumps(data, ensure_ascii=True, default=str).encode("ascii")


def _decode(facts: dict[str, Any], data: bytes) -> ReadResult | None:
    """The read result :func:`_encode` stored; None if it cannot be rebuilt (then the file is read again)."""
    try:
        raw: dict[str, Any] = parse_json(data.decode("ascii"), "")
        sources = SourceMap(_text(raw["sources"]["file"]))
        for path, where in raw["sources"]["map"].items():
            sources.add(path, Location.from_json(where))
        diagnostics = [Diagnostic.from_json(d) for d in raw["diagnostics"]]
        left_out = [LeftOutEntry.model_validate(x) for x in raw["left_out"]]
        contribution = Contribution.model_validate(raw["contribution"]) if raw["contribution"] is not None else None
        return ReadResult(_text(raw["file"]), contribution, sources, diagnostics, left_out)
    except (GcmReviewError, ValueError, KeyError, TypeError):
        return None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a text was expected, not {type(value).__name__}")
    return value


def _missing(review: ReviewConfig, owners: dict[str, str]) -> list[Diagnostic]:
    """A warning for each contributor of review.toml whose workbook has not arrived."""
    return [
        Diagnostic.make(Code.MISSING_WORKBOOK, Location(file="inputs/"), code=c.code, name=c.name["en"], file=workbook_name(c.code))
        for c in review.ordered_contributors
        if c.code not in owners
    ]
