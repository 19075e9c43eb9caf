"""Scripts without spaces: line-break opportunities.

Stage: render (HTML/PDF only; Word breaks these scripts by itself, so the DOCX
path never calls this). Khmer, Lao, Myanmar and Thai put no spaces between words,
and WeasyPrint does not find line breaks inside such text, so a paragraph runs off
the page. :func:`add_break_opportunities` inserts U+200B ZERO WIDTH SPACE at ICU's
dictionary-based line-break boundaries, only where ICU's grapheme boundaries
agree and never after a stacking sign (Khmer coeng, Myanmar virama), so no
cluster is ever split. The fonts and HarfBuzz shaping (:func:`font_file`,
:func:`script_runs`, :func:`shaping_problems`) live in :mod:`gcmreview.fonts`,
shared with validation.

A "word" of any script longer than :data:`LONG_WORD` characters (a
web address, a pasted string without spaces) gets U+200B every :data:`WORD_PIECE`
characters (:func:`break_long_words`): WeasyPrint drew a word longer than the line
on one line, off the page, and breaking it at the margin instead (CSS
``overflow-wrap``) takes time growing with the square of its length, since
WeasyPrint lays out the whole rest of a text for each line without a break
opportunity (9 s for 32,767 characters, where a text with spaces takes 1 s).
"""

from __future__ import annotations

import re
from functools import cache

import icu

from ..survey.languages import Language, language, language_for_script

__all__ = [
    "LONG_WORD",
    "WORD_PIECE",
    "ZWSP",
    "add_break_opportunities",
    "break_all",
    "break_long_words",
    "needs_breaks",
]

ZWSP = "\u200b"
LONG_WORD = 64
"""Characters without a break opportunity after which :func:`break_long_words` adds some (no word is as long; a
web address may be, and is broken like one)."""
WORD_PIECE = 32
"""Characters between the break opportunities :func:`break_long_words` adds: less than the narrowest column holds."""
_LONG_WORD_RE = re.compile(rf"[^\s\u200b]{{{LONG_WORD + 1},}}")
# Signs that make the next consonant a subscript (stacked) one: a break after them splits a cluster.
_STACKERS = frozenset("\u17d2\u1039\u1a60")
# Myanmar virama and asat: the consonant before them closes the syllable before it, so no break before that consonant.
_KILLERS = frozenset("\u1039\u103a")
_NO_SPACES = frozenset({"Khmer", "Lao", "Myanmar", "Thai"})


def _as_language(lang: Language | str) -> Language:
    return lang if isinstance(lang, Language) else language(lang)


def needs_breaks(lang: Language | str) -> bool:
    """Whether the language's script is written without spaces between words."""
    return _as_language(lang).script in _NO_SPACES


@cache
def _line_iterator(lang: str) -> icu.BreakIterator:
    return icu.BreakIterator.createLineInstance(icu.Locale(lang))


@cache
def _grapheme_iterator() -> icu.BreakIterator:
    return icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())


def _boundaries(iterator: icu.BreakIterator, text: str) -> set[int]:
    """The boundaries ``iterator`` finds in ``text``, as Python string indexes."""
    iterator.setText(text)
    # ICU reports boundaries as UTF-16 offsets; map them back to Python indexes.
    utf16_to_index = _utf16_offsets(text)
    return {utf16_to_index[b] for b in iterator if b in utf16_to_index}


def add_break_opportunities(text: str, lang: Language | str) -> str:
    """``text`` with U+200B at each line-break boundary between two letters of the language's script.

    A boundary is used only if it is also a grapheme-cluster boundary, does not
    follow a stacking sign (ICU's Myanmar dictionary breaks "ကမ္ဘာ" after the
    virama) and does not come before a Myanmar consonant that a virama or asat
    attaches to the syllable before (ICU breaks "က|မ္ဘာ"). Idempotent: text that
    already has U+200B gets no second one.
    """
    script = _as_language(lang)
    if not needs_breaks(script) or not text or not script.found_in(text):
        return text
    lines = _boundaries(_line_iterator(script.code), text)
    clusters = _boundaries(_grapheme_iterator(), text)
    out, last = [], 0
    for index in sorted(lines & clusters):
        if index <= 0 or index >= len(text):
            continue
        before, after = text[index - 1], text[index]
        killed = index + 1 < len(text) and text[index + 1] in _KILLERS
        if script.owns(before) and script.owns(after) and before not in _STACKERS and not killed:
            out.append(text[last:index])
            out.append(ZWSP)
            last = index
    out.append(text[last:])
    return "".join(out)


def break_all(text: str, lang: Language | str = "") -> str:
    """:func:`add_break_opportunities` for ``lang`` and for every other spaceless script in ``text``.

    Text of unknown language (a citation, a contributor's name) gets break
    opportunities by the script it is written in.
    """
    if lang:
        text = add_break_opportunities(text, lang)
    for script in sorted(_NO_SPACES):
        other = language_for_script(script)
        if other is not None and (not lang or other.code != _as_language(lang).code) and other.found_in(text):
            text = add_break_opportunities(text, other)
    return break_long_words(text)


def break_long_words(text: str) -> str:
    """``text`` with U+200B about every :data:`WORD_PIECE` characters of each run longer than :data:`LONG_WORD`
    without a space or break opportunity, only between grapheme clusters."""
    return _LONG_WORD_RE.sub(lambda match: _pieces(match.group()), text) if len(text) > LONG_WORD else text


def _pieces(word: str) -> str:
    clusters = _boundaries(_grapheme_iterator(), word)
    out, last = [], 0
    for index in sorted(clusters):
        if index - last >= WORD_PIECE and index < len(word):
            out += [word[last:index], ZWSP]
            last = index
    return "".join([*out, word[last:]])


def _utf16_offsets(text: str) -> dict[int, int]:
    offsets, unit = {}, 0
    for index, char in enumerate(text):
        offsets[unit] = index
        unit += 2 if ord(char) > 0xFFFF else 1
    offsets[unit] = len(text)
    return offsets


