"""Languages and scripts a review can use (data in ``data/languages.toml``), and the language of a text.

Stage: reference data. Used to label workbook columns, to tag documents with a
language, and to notice text written in the wrong language column. The one
decision of which language a text is written in is :func:`language_of`, used
alike by translation status, the document layout and the typesetting of pages.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from ..errors import Code, Diagnostic, GcmReviewError, Location, nearest

__all__ = [
    "MIN_LETTERS",
    "Language",
    "complex_language_in",
    "dominant_script",
    "language",
    "language_for_script",
    "language_of",
    "languages",
    "script_of",
    "unknown_language",
]


class Language(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    native: str
    script: str
    locale: str
    font: str
    ranges: tuple[tuple[int, int], ...]

    @property
    def complex_script(self) -> bool:
        """Written in a script Word treats as complex (w:cs fonts): not Latin."""
        return self.script != "Latin"

    def owns(self, char: str) -> bool:
        """Whether ``char`` is in the language's script."""
        return ord(char) in _codepoints(self.ranges)

    @property
    def char_class(self) -> str:
        """A regular-expression character class of the script, e.g. ``[\\u1780-\\u17ff]``."""
        return _char_class(self.ranges)

    def found_in(self, text: str) -> bool:
        """Whether ``text`` has any character of the language's script."""
        return _pattern(self.ranges).search(text) is not None


@cache
def _codepoints(ranges: tuple[tuple[int, int], ...]) -> frozenset[int]:
    return frozenset(cp for lo, hi in ranges for cp in range(lo, hi + 1))


@cache
def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges) + "]"


@cache
def _pattern(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    return re.compile(_char_class(ranges))


def _parse_range(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    return int(lo, 16), int(hi or lo, 16)


@cache
def languages() -> dict[str, Language]:
    """Every known language, by ISO 639-1 code."""
    raw = tomllib.loads(resources.files(__package__).joinpath("data", "languages.toml").read_text("utf-8"))
    return {
        code: Language(code=code, **{**entry, "ranges": tuple(_parse_range(r) for r in entry["ranges"])})
        for code, entry in raw.items()
    }


def unknown_language(code: str) -> str:
    """What to say of a language code gcmreview does not know."""
    known = languages()
    return f"unknown language '{code}'{nearest(code, known)}; known: {', '.join(known)}"


def language(code: str) -> Language:
    """The language with this code; GcmReviewError if unknown."""
    found = languages().get(code)
    if found is None:
        detail = f"languages: {unknown_language(code)}."
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_VALUE, Location(key="languages"), detail=detail)])
    return found


@cache
def _scripts() -> dict[str, Language]:
    """One representative language per script, for naming scripts."""
    out: dict[str, Language] = {}
    for lang in languages().values():
        out.setdefault(lang.script, lang)
    return out


MIN_LETTERS = 2
"""Fewer letters than this and a text's script is not decided (a number, an initial)."""


def dominant_script(text: str, min_letters: int = MIN_LETTERS) -> tuple[str, float] | None:
    """The script most letters of ``text`` are written in, and its share of letters.

    Only letters and combining marks count (digits, punctuation and spaces do not).
    Returns None when the text has fewer than ``min_letters`` letters.
    """
    counts: Counter[str] = Counter()
    for char, times in Counter(text).items():  # each distinct character once: long texts have few
        script = script_of(char)
        if script is not None:
            counts[script] += times
    total = sum(counts.values())
    if total < min_letters:
        return None
    script, count = counts.most_common(1)[0]
    return script, count / total


@lru_cache(maxsize=65536)
def script_of(char: str) -> str | None:
    """The script of a letter or combining mark ("Other" if no known language's); None for anything else."""
    if not unicodedata.category(char).startswith(("L", "M")):
        return None
    return next((s for s, lang in _scripts().items() if lang.owns(char)), "Other")


@cache
def language_for_script(script: str, prefer: tuple[str, ...] = ()) -> Language | None:
    """The language that stands for ``script``: the first of ``prefer`` written in it, else the first known."""
    found = [language(code) for code in prefer if code in languages() and language(code).script == script]
    found += [lang for lang in languages().values() if lang.script == script]
    return found[0] if found else None


def language_of(text: str, among: Iterable[str], default: str) -> str:
    """The language ``text`` is written in: the first of ``among`` whose script most of its letters are in.

    ``default`` when the text has fewer than :data:`MIN_LETTERS` letters or is written in
    the script of none of ``among``.
    """
    found = dominant_script(text)
    if found is None:
        return default
    return next((code for code in among if code in languages() and languages()[code].script == found[0]), default)


@cache
def _complex_languages() -> tuple[Language, ...]:
    return tuple(lang for lang in languages().values() if lang.complex_script)


def complex_language_in(text: str) -> str:
    """The first language of a complex (non-Latin) script that has a letter in ``text``, or ""."""
    for char in text:
        if char >= "\u0590":  # below: Latin, Greek, Cyrillic, Armenian
            found = next((lang.code for lang in _complex_languages() if lang.owns(char)), "")
            if found:
                return found
    return ""
