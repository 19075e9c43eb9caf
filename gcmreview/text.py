"""Plain-text helpers shared by the stages: word counts, citations, bad characters.

Word counts use ICU's dictionary-based word segmentation, so Khmer, Lao, Myanmar
and Thai (written without spaces between words) are counted as words, not as
space-separated phrases.
"""

from __future__ import annotations

import re
from functools import cache

import icu

__all__ = [
    "CELL_LIMIT",
    "CITATION_RE",
    "bad_characters",
    "citations",
    "describe_char",
    "printable",
    "word_count",
]

CELL_LIMIT = 32_767
"""Most characters a spreadsheet cell can hold."""

CITATION_RE = re.compile(r"\[@([A-Za-z0-9][A-Za-z0-9_:.\-]*)\]")
"""An inline citation of a reference key, e.g. ``[@iom2019]``."""

# Characters XML 1.0 cannot hold (C0 controls other than tab, LF, CR; surrogates;
# U+FFFE/U+FFFF) and invisible direction overrides that can disguise text.
_BAD_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


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


def citations(text: str) -> list[str]:
    """Reference keys cited in ``text``, in order of appearance (with repeats)."""
    return CITATION_RE.findall(text)


def bad_characters(text: str) -> list[str]:
    """Characters in ``text`` that a document cannot hold or that hide text direction."""
    return _BAD_RE.findall(text)


def printable(text: str) -> str:
    """``text`` without the characters :func:`bad_characters` finds (already reported as GCM213).

    Only drafts reach the renderers with such text; no document format can hold it.
    """
    return _BAD_RE.sub("", text) if _BAD_RE.search(text) else text


def describe_char(char: str) -> str:
    """A readable name for a character, e.g. 'U+000B'."""
    return f"U+{ord(char):04X}"
