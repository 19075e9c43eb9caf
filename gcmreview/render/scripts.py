"""Scripts without spaces and their fonts: line-break opportunities and glyph coverage.

Stage: render (shared). Khmer, Lao, Myanmar and Thai put no spaces between words,
and WeasyPrint does not find line breaks inside such text, so a paragraph runs off
the page. :func:`add_break_opportunities` inserts U+200B ZERO WIDTH SPACE at ICU's
dictionary-based line-break boundaries (always between grapheme clusters).
:func:`shaping_problems` shapes text with HarfBuzz in the font a language uses and
reports characters the font cannot show (``.notdef``) or sequences it can only show
with a dotted circle (U+25CC), which WeasyPrint does not log.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import icu
import uharfbuzz as hb

from ..languages import Language, language

__all__ = ["ShapingProblem", "add_break_opportunities", "font_file", "needs_breaks", "shaping_problems"]

ZWSP = "\u200b"
DOTTED_CIRCLE = 0x25CC


def needs_breaks(lang: str) -> bool:
    """Whether the language's script is written without spaces between words."""
    return language(lang).script in {"Khmer", "Lao", "Myanmar", "Thai"}


@cache
def _line_iterator(lang: str) -> icu.BreakIterator:
    return icu.BreakIterator.createLineInstance(icu.Locale(lang))


def add_break_opportunities(text: str, lang: str) -> str:
    """``text`` with U+200B at each line-break boundary between two letters of the language's script."""
    if not needs_breaks(lang) or not text:
        return text
    script = language(lang)
    it = _line_iterator(lang)
    it.setText(text)
    # ICU reports boundaries as UTF-16 offsets; map them back to Python indexes.
    utf16_to_index = _utf16_offsets(text)
    out, last = [], 0
    for boundary in it:
        index = utf16_to_index.get(boundary)
        if index is None or index <= 0 or index >= len(text):
            continue
        if script.owns(text[index - 1]) and script.owns(text[index]):
            out.append(text[last:index])
            out.append(ZWSP)
            last = index
    out.append(text[last:])
    return "".join(out)


def _utf16_offsets(text: str) -> dict[int, int]:
    offsets, unit = {}, 0
    for index, char in enumerate(text):
        offsets[unit] = index
        unit += 2 if ord(char) > 0xFFFF else 1
    offsets[unit] = len(text)
    return offsets


@cache
def font_file(family: str) -> Path | None:
    """The file fontconfig picks for a family name, if it really is that family."""
    if shutil.which("fc-match") is None:
        return None
    result = subprocess.run(["fc-match", "-f", "%{family}\t%{file}", family], capture_output=True, text=True, check=False)
    found, _, path = result.stdout.partition("\t")
    if family.casefold() not in found.casefold() or not path:
        return None
    return Path(path)


@cache
def _font(path: Path) -> hb.Font:
    blob = hb.Blob.from_file_path(str(path))
    return hb.Font(hb.Face(blob))


@dataclass(frozen=True)
class ShapingProblem:
    """A character or cluster the font cannot show properly."""

    text: str
    kind: str  # "missing glyph" or "dotted circle"


def shaping_problems(text: str, lang: Language, font: Path) -> list[ShapingProblem]:
    """Clusters of ``text`` that shape to .notdef or to a dotted circle in ``font``."""
    if not text.strip():
        return []
    hb_font = _font(font)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hb_font, buf, {})
    dotted = hb_font.get_nominal_glyph(DOTTED_CIRCLE)
    problems = []
    encoded = text.encode("utf-32-le")
    for info in buf.glyph_infos:
        cluster = encoded[info.cluster * 4 : info.cluster * 4 + 4].decode("utf-32-le") if buf.cluster_level is not None else ""
        if info.codepoint == 0:
            problems.append(ShapingProblem(cluster, "missing glyph"))
        elif dotted is not None and info.codepoint == dotted and chr(DOTTED_CIRCLE) not in text:
            problems.append(ShapingProblem(cluster, "dotted circle"))
    return problems
