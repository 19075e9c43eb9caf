"""The translation stores, ``inputs/translations/<lang>.json``, and where each segment stands.

Stage: translation hand-off. One store per target language holds each unit's
translation keyed by segment id and tied to a :func:`~.segments.fingerprint` of
the source it translates; when the workbook's source changes, the translation is
*stale* (:func:`status`). :func:`resolve` is what consolidation uses to fill a
missing language; :class:`Translations` reads the segments and stores once per build.
:func:`keep_store` copies a store into ``inputs/history/translations/`` before an
import replaces it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..config import ReviewConfig
from ..datafiles import character_diagnostics, load_json
from ..errors import Code, Diagnostic, GcmReviewError, Location
from ..fsutil import atomic_write, write_error
from ..submission import TranslatedText
from ..survey.languages import language
from ..text import CELL_LIMIT
from ..uploads import history_folder
from .segments import Segment, segments

if TYPE_CHECKING:
    from ..inputs import CheckResult

__all__ = [
    "STORE_FOLDER",
    "Status",
    "TranslationStore",
    "Translations",
    "Unit",
    "keep_store",
    "load_store",
    "load_stores",
    "pending",
    "resolve",
    "save_store",
    "status",
    "store_path",
    "unit_location",
]

Status = Literal["provided", "translated", "stale", "missing"]

STORE_FOLDER = ("inputs", "translations")
"""Where the translation stores live, relative to the workspace."""

_LANG_RE = re.compile(r"^[a-z]{2,3}$")


class Unit(BaseModel):
    """One stored translation: its text and the source it was made from."""

    model_config = ConfigDict(extra="forbid")

    source_lang: str = Field(description="Language of the source text the translation was made from.")
    source_fingerprint: str = Field(pattern=r"^sha256:[0-9a-f]{16}$", description="fingerprint() of that source text.")
    text: str = Field(min_length=1, max_length=CELL_LIMIT, description="The translation (as long as a cell's text at most).")
    translator: str | None = None
    updated: dt.date | None = Field(default=None, description="Date the translation was imported.")


class TranslationStore(BaseModel):
    """``inputs/translations/<lang>.json``: translations into one language, by segment id."""

    model_config = ConfigDict(extra="forbid")

    lang: str
    units: dict[str, Unit] = Field(default_factory=dict)


def store_path(workspace: Path, lang: str) -> Path:
    """``inputs/translations/<lang>.json`` of a workspace."""
    if not _LANG_RE.match(lang):
        raise ValueError(f"'{lang}' is not a language code")
    return workspace.joinpath(*STORE_FOLDER, f"{lang}.json")


def _store_location(file: str, key: str) -> Location:
    return Location(file=file, key=key)


def _store_display(lang: str) -> str:
    return "/".join((*STORE_FOLDER, f"{lang}.json"))


def unit_location(lang: str, segment: str) -> Location:
    """Where the stored translation of ``segment`` into ``lang`` is, as messages name it."""
    return Location(file=_store_display(lang), key=f"units.{segment}.text")


def load_store(workspace: Path, lang: str) -> TranslationStore:
    """The translations into ``lang`` (an empty store when there is no file); GcmReviewError if damaged."""
    path = store_path(workspace, lang)
    display = _store_display(lang)
    if not path.is_file():
        return TranslationStore(lang=lang)
    store = load_json(path, TranslationStore, display)
    if store.lang != lang:
        detail = f"lang: this file holds translations into '{store.lang}' but is named {lang}.json. Rename the file or correct 'lang'."
        raise GcmReviewError([Diagnostic.make(Code.JSON_VALUE, Location(file=display, key="lang"), detail=detail)])
    return store


def load_stores(workspace: Path, review: ReviewConfig) -> dict[str, TranslationStore]:
    """The store of every review language."""
    return {lang: load_store(workspace, lang) for lang in review.languages}


def save_store(workspace: Path, store: TranslationStore) -> Path:
    """Write a store atomically as pretty JSON (UTF-8, sorted keys for stable diffs)."""
    data = store.model_dump(mode="json", exclude_none=True)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return atomic_write(store_path(workspace, store.lang), text)


def keep_store(workspace: Path, lang: str, when: dt.datetime) -> Path | None:
    """Copy the store of ``lang`` into ``inputs/history/translations/``, named by ``when`` (UTC); None if there is none."""
    path = store_path(workspace, lang)
    if not path.is_file() or path.is_symlink():
        return None
    stamp = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise write_error(path, exc) from None
    return atomic_write(history_folder(workspace) / "translations" / f"{stamp}-{lang}.json", data)


def status(segment: Segment, lang: str, store: TranslationStore | None) -> Status:
    """Where the text of ``segment`` in ``lang`` stands.

    ``provided``: the workbook has it; ``translated``: the store has a translation of
    the current source; ``stale``: the store's translation was made from another
    source text; ``missing``: nobody has it yet.
    """
    if segment.text(lang):
        return "provided"
    if store is not None and store.lang != lang:
        raise ValueError(f"the store holds '{store.lang}' translations, not '{lang}'")
    unit = store.units.get(segment.id) if store is not None else None
    if unit is None:
        return "missing"
    if unit.source_lang == segment.source_lang and unit.source_fingerprint == segment.fingerprint:
        return "translated"
    return "stale"


def resolve(
    segment: Segment, lang: str, store: TranslationStore | None, *, accept_stale: bool = False
) -> tuple[str | None, Status]:
    """The text of ``segment`` in ``lang`` for the submission, and its status.

    A stale translation is not returned unless ``accept_stale``: it may translate a
    text the contributor has since rewritten, or another row altogether.
    """
    found = status(segment, lang, store)
    if found == "provided":
        return segment.text(lang), found
    if store is not None and (found == "translated" or (found == "stale" and accept_stale)):
        return store.units[segment.id].text, found
    return None, found


def pending(segments: Iterable[Segment], lang: str, store: TranslationStore | None) -> list[Segment]:
    """The segments a translator into ``lang`` has to do: missing or stale."""
    return [s for s in segments if status(s, lang, store) in ("missing", "stale")]


@dataclass
class Translations:
    """A workspace's texts to translate and its translation stores, read once per build."""

    languages: tuple[str, ...]
    segments: list[Segment]
    stores: dict[str, TranslationStore]

    @classmethod
    def load(cls, check: CheckResult) -> Translations:
        """The segments of ``check``'s contributions and the store of every review language."""
        review = check.review
        return cls(tuple(review.languages), segments(check, review), load_stores(check.workspace, review))

    def status(self, segment: Segment, lang: str) -> Status:
        """Where ``segment`` stands in ``lang`` (see :func:`status`)."""
        return status(segment, lang, self.stores.get(lang))

    def pending(self, lang: str) -> list[Segment]:
        """The segments still to translate into ``lang``: missing or stale."""
        return pending(self.segments, lang, self.stores.get(lang))

    def missing(self, lang: str) -> dict[str, list[Segment]]:
        """Contributor code -> the segments still to translate into ``lang`` (missing or stale), in segment order."""
        out: dict[str, list[Segment]] = {}
        for segment in self.pending(lang):
            out.setdefault(segment.contributor, []).append(segment)
        return out

    def resolved(self) -> dict[str, dict[str, TranslatedText]]:
        """Segment id -> language -> the stored translation the submission uses (stale ones included, marked)."""
        out: dict[str, dict[str, TranslatedText]] = {}
        for segment in self.segments:
            for lang in self.languages:
                text, found = resolve(segment, lang, self.stores.get(lang), accept_stale=True)
                if text and found in ("translated", "stale"):
                    out.setdefault(segment.id, {})[lang] = TranslatedText(text=text, status=found)
        return out

    def diagnostics(self) -> list[Diagnostic]:
        """Every finding about the stores: a character no document may hold (GCM213, at its key in the store), stale translations."""
        found = []
        for lang, store in self.stores.items():
            display = _store_display(lang)
            data = store.model_dump(mode="json", include={"units"})
            found += character_diagnostics(data, partial(_store_location, display))
        return found + self.stale_diagnostics()

    def stale_diagnostics(self) -> list[Diagnostic]:
        """A warning (GCM240) at the source cell of every stale translation."""
        out = []
        for segment in self.segments:
            for lang in self.languages:
                if self.status(segment, lang) == "stale":
                    name = f"{language(lang).name} ({lang})"
                    out.append(Diagnostic.make(Code.STALE_TRANSLATION, segment.where, language=name, lang=lang))
        return out
