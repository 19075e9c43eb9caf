"""The build cache: what did not change since the last build is not done again.

Stage: pipeline support. Entries live in ``build/.cache/<kind>/`` and are
addressed by content: the key of an entry is a SHA-256 over everything its
value depends on (the bytes of a workbook, the review's settings, the document
to render) and over the code and templates that made it, so a changed input, a
new template or a new version of gcmreview or of its renderers never meets an
old entry. An entry is two files, ``<key>.json`` (what is known about the value)
and ``<key>.bin`` (the value's bytes, if any), each written atomically; an entry
that cannot be read back whole, or is not what the tool writes, counts as absent (and is written anew). Entries are data only (JSON and
the bytes of an output), never code. After a build, :meth:`Cache.prune` removes
the entries that build did not use, so the cache holds one build's worth.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from .errors import GcmReviewError
from .fsutil import atomic_write
from .safeparse import MAX_JSON_BYTES, parse_json, read_text

__all__ = ["CACHE_DIR", "Cache", "code_digest", "digest"]

T = TypeVar("T")

CACHE_DIR = ".cache"
"""The cache's folder inside ``build/``."""

_CODE_SUFFIXES = frozenset({".py", ".toml", ".j2", ".css", ".mo", ".docx", ".json", ".html", ".txt"})
_LIBRARIES = ("gcmreview", "weasyprint", "pydyf", "python-docx", "openpyxl", "pydantic", "jinja2", "babel", "markdown-it-py")


def digest(*parts: str | bytes) -> str:
    """SHA-256 (hex) of ``parts``, each length-prefixed so that no two sequences collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _files_digest(folders: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _CODE_SUFFIXES):
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@cache
def _package_digest() -> str:
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return digest(_files_digest([Path(__file__).parent]), *versions)


def code_digest(template_dirs: Sequence[Path], fonts: Iterable[Path | None] = ()) -> str:
    """What made a cached value besides its input: gcmreview's files, its renderers' versions,
    the template folders' files and (for PDFs) the font files used."""
    font_parts = []
    for font in fonts:
        if font is not None and font.is_file():
            stat = font.stat()
            font_parts.append(f"{font}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest(_package_digest(), _files_digest(template_dirs), *sorted(font_parts))


class Cache:
    """Content-addressed entries in ``folder`` (``build/.cache``); ``enabled=False`` stores nothing."""

    def __init__(self, folder: Path, *, enabled: bool = True) -> None:
        self.folder = folder
        self.enabled = enabled
        self.used: set[Path] = set()
        self.hits: dict[str, int] = {}
        """Entries found, by kind (``read``, ``docx``, ``pdf``)."""

    def _paths(self, kind: str, key: str) -> tuple[Path, Path]:
        base = self.folder / kind / key
        return base.with_suffix(".json"), base.with_suffix(".bin")

    def get(self, kind: str, key: str, decode: Callable[[dict[str, Any], bytes], T | None]) -> T | None:
        """The entry's value, as ``decode`` makes it of its facts and bytes; None when the entry is absent,
        unreadable, or not what ``decode`` expects (it returns None or raises KeyError, TypeError or ValueError)."""
        if not self.enabled:
            return None
        meta_path, data_path = self._paths(kind, key)
        try:
            meta = parse_json(read_text(meta_path, meta_path.name, MAX_JSON_BYTES), meta_path.name)
            data = data_path.read_bytes()
        except (OSError, GcmReviewError):
            return None
        if not isinstance(meta, dict) or meta.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        try:
            value = decode(meta, data)
        except (KeyError, TypeError, ValueError):
            return None
        if value is None:
            return None
        self.used.update((meta_path, data_path))
        self.hits[kind] = self.hits.get(kind, 0) + 1
        return value

    def put(self, kind: str, key: str, meta: dict[str, Any], data: bytes = b"") -> None:
        """Store an entry (the bytes first, so that facts never describe missing bytes)."""
        if not self.enabled:
            return
        meta_path, data_path = self._paths(kind, key)
        atomic_write(data_path, data)
        atomic_write(meta_path, json.dumps({**meta, "sha256": hashlib.sha256(data).hexdigest()}, ensure_ascii=False))
        self.used.update((meta_path, data_path))

    def prune(self) -> None:
        """Remove every entry this build did not use (and leftovers of killed builds)."""
        if not self.enabled or not self.folder.is_dir():
            return
        for path in self.folder.rglob("*"):
            if path.is_file() and path not in self.used:
                path.unlink(missing_ok=True)
        for folder in sorted((p for p in self.folder.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                os.rmdir(folder)
