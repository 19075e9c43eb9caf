"""Plain-text helpers shared by the stages: word counts, and citations and reference keys.

Word counts use ICU's dictionary-based word segmentation, so Khmer, Lao, Myanmar
and Thai (written without spaces between words) are counted as words, not as
space-separated phrases.

A reference key (:func:`is_reference_key`) is letters and digits of any script,
with their combining signs (a Khmer vowel sign or subscript), and ``_ : . -``,
starting with a letter or digit: ``iom2019``, ``ស្ថិតិ២០២០``, ``ສະຖິຕິ2020``. The
References sheet refuses other keys (GCM237); ``[@key]`` in a text is a citation
exactly when ``key`` is one (:func:`citations`, :func:`citation_matches`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import icu

__all__ = [
    "CELL_LIMIT",
    "citation_matches",
    "citations",
    "excerpt",
    "is_reference_key",
    "word_count",
]

CELL_LIMIT = 32_767
"""Most characters a spreadsheet cell can hold."""

_CITATION_RE = re.compile(r"\[@([^\s\[\]]+)\]")
"""What may be an inline citation, e.g. ``[@iom2019]``: it is one if its key is a reference key."""
_KEY_SIGNS = frozenset("_:.-")

@cache
def _word_iterator(lang: str) -> icu.BreakIterator:
    return icu.BreakIterator.createWordInstance(icu.Locale(lang))


def word_count(text: str, lang: str = "en") -> int:
    """Number of words in ``text`` (ICU word boundaries; punctuation is not a word)."""
    if not text.strip():
        return 0
    it = _word_iterator(lang)
    it.setText(text)
    count = 0
    for _boundary in it:
        if it.getRuleStatus() != icu.UWordBreak.NONE:
            count += 1
    return count


def _boundaries(text: str, kind: str, lang: str) -> list[int]:
    """ICU's word or character (grapheme) boundaries of ``text``, as indexes of the Python string."""
    locale = icu.Locale(lang)  # a new iterator each time (cheap): one may not be shared between threads
    it = icu.BreakIterator.createWordInstance(locale) if kind == "word" else icu.BreakIterator.createCharacterInstance(locale)
    it.setText(text)
    index = [i for i, char in enumerate(text) for _unit in range(2 if ord(char) > 0xFFFF else 1)] + [len(text)]
    return [index[b] for b in it]  # ICU counts UTF-16 units


def excerpt(text: str, limit: int = 160, lang: str = "en") -> str:
    """``text`` on one line (white space as single spaces), cut to at most ``limit`` characters with '…'.

    Cut at a word boundary (ICU's, so also in Khmer, Lao, Myanmar and Thai), or
    between two letters if no word ends late enough; never inside a letter (a
    Khmer syllable with its subscript and vowel signs stays whole).
    """
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    room = limit - 1
    for kind, least in (("word", room * 0.6), ("char", 0.0)):
        cut = max((b for b in _boundaries(line, kind, lang) if b <= room), default=0)
        if cut > least:
            return line[:cut].rstrip(" ,;:-") + "…"
    return "…"


def is_reference_key(key: str) -> bool:
    """Whether ``key`` can be cited as ``[@key]``: letters, combining signs and digits of any script and
    ``_ : . -``, the first a letter or digit."""
    return bool(key) and unicodedata.category(key[0])[0] in "LN" and all(
        c in _KEY_SIGNS or unicodedata.category(c)[0] in "LMN" for c in key)


def citation_matches(text: str) -> list[re.Match[str]]:
    """The inline citations of ``text``, in order: ``[@key]`` with a reference key (``group(1)``)."""
    return [m for m in _CITATION_RE.finditer(text) if is_reference_key(m.group(1))]


def citations(text: str) -> list[str]:
    """Reference keys cited in ``text``, in order of appearance (with repeats)."""
    return [m.group(1) for m in citation_matches(text)]
