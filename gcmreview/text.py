"""Plain-text helpers shared by the stages: word counts and citations.

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
    "citations",
    "word_count",
]

CELL_LIMIT = 32_767
"""Most characters a spreadsheet cell can hold."""

CITATION_RE = re.compile(r"\[@([A-Za-z0-9][A-Za-z0-9_:.\-]*)\]")
"""An inline citation of a reference key, e.g. ``[@iom2019]``."""

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
