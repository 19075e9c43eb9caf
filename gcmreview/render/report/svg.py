"""Drawing primitives for the report's inline SVG, and fitting text into it.

Stage: render (report). :func:`element` writes one SVG element with its
attributes escaped, :func:`text_at` a ``<text>``, :func:`coord` a number
without needless decimals, :func:`hatch` diagonal lines filling a rectangle
(drawn, not a pattern: no ids, no ``url()``). :func:`text_width` estimates how
wide a label is and :func:`clip_text` cuts one to fit, at a word boundary if
possible and never inside a letter (ICU's boundaries: Khmer, Lao, Myanmar and
Thai syllables stay whole).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache

import icu
from markupsafe import escape

__all__ = ["HATCH", "clip_text", "coord", "element", "hatch", "text_at", "text_width"]

HATCH = "#333333"
"""Colour of the hatching lines."""


def _attrs(values: Mapping[str, object]) -> str:
    return "".join(f' {name}="{escape(str(value))}"' for name, value in values.items() if value is not None)


def element(tag: str, attrs: Mapping[str, object] | None = None, content: str = "") -> str:
    """One SVG element with an explicit end tag (``content`` is already markup)."""
    return f"<{tag}{_attrs(attrs or {})}>{content}</{tag}>"


def text_at(x: float, y: float, text: str, **attrs: object) -> str:
    return element("text", {"x": coord(x), "y": coord(y), **{k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}}, str(escape(text)))


def coord(value: float) -> str:
    """A coordinate without needless decimals."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _char_width(char: str) -> float:
    """Rough advance of a character in em (enough to decide where to cut a label)."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char.isascii():
        return 0.66 if char.isupper() or char.isdigit() else 0.56 if char != " " else 0.28
    return 0.65  # other scripts' letters (Khmer, Lao, Myanmar, Thai) are wider than Latin ones


_STACKING = frozenset("\u17d2\u1039\u0e3a")
"""Khmer COENG, Myanmar VIRAMA...: the letter after one is written below the previous one."""


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` in pixels at font size ``size``."""
    total, previous = 0.0, ""
    for char in text:
        total += 0.0 if previous in _STACKING else _char_width(char)
        previous = char
    return total * size


@cache
def _breaks(kind: str) -> icu.BreakIterator:
    root = icu.Locale("en")
    return icu.BreakIterator.createWordInstance(root) if kind == "word" else icu.BreakIterator.createCharacterInstance(root)


def _boundaries(text: str, kind: str) -> list[int]:
    it = _breaks(kind)
    it.setText(text)
    return list(it)


def clip_text(text: str, width: float, size: float) -> str:
    """``text`` cut to fit ``width`` pixels, at a word boundary if possible (never inside a letter), with '…'."""
    if text_width(text, size) <= width:
        return text
    room = width - text_width("…", size)
    for kind in ("word", "char"):
        cut = 0
        for boundary in _boundaries(text, kind):
            if text_width(text[:boundary], size) > room:
                break
            cut = boundary
        if cut > 0 and (kind == "char" or text_width(text[:cut], size) > room * 0.6):
            return text[:cut].rstrip(" ,;:-") + "…"
    return "…"


def hatch(x: float, y: float, w: float, h: float, step: float = 6.0) -> str:
    """Diagonal lines filling a rectangle (drawn, not a pattern: no ids, no url())."""
    lines = []
    offset = step
    while offset < w + h:
        # the line x + y' = x0 + offset, clipped to the rectangle
        x1, y1 = x + min(offset, w), y + max(0.0, offset - w)
        x2, y2 = x + max(0.0, offset - h), y + min(offset, h)
        lines.append(f"M{coord(x1)} {coord(y1)}L{coord(x2)} {coord(y2)}")
        offset += step
    return element("path", {"d": "".join(lines), "stroke": HATCH, "stroke-width": "0.8", "fill": "none", "class": "hm-hatch"})

