"""Characters: which ones a document cannot hold, and how one is named in a message.

Stage: shared. One home for these rules, used by validation (GCM213), the
renderers (drafts may still hold such characters), the translators' workbook and
every message that quotes what a contributor typed.

* XML 1.0, and so every DOCX, XLSX and XLIFF file, cannot hold C0 control
  characters other than tab, line feed and carriage return, lone surrogates, or
  U+FFFE and U+FFFF (:func:`not_xml`, :func:`without_not_xml`).
* Direction overrides and isolates (U+202A-U+202E, U+2066-U+2069) are valid XML
  but can disguise text; contributors' text may not hold them either
  (:func:`bad_characters`, :func:`printable`).
* Whatever reaches the terminal, the build log or the report from an input (a
  file or sheet name, a quoted value) shows control, surrogate, line separator and
  direction characters as ``U+XXXX`` (:func:`visible`, :func:`codepoint`), so it
  can never clear the screen, start a forged line or reorder what follows; a
  character is named by its code point and Unicode name (:func:`described`). A
  file name that is not UTF-8 shows its stray bytes as ``\\xFF`` (:func:`file_name`).
* Some characters are never drawn: controls, line and paragraph separators, and
  Unicode's default-ignorable characters (joiners, variation selectors, emoji tag
  characters), which text engines show as nothing. Only the others need a glyph
  from a font (:func:`drawn`).
* A few of these the PDF's layout engine (WeasyPrint, Pango, HarfBuzz) does not lay
  out as meant but draws as an empty box: DEL and the C1 controls, U+2028 LINE
  SEPARATOR, the Hangul fillers, U+180F, the interlinear annotation characters and
  some format characters (:func:`not_laid_out`).
* A message quotes a character with the words around it (:func:`around`).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata

__all__ = ["ALLOWED_TEXT_PATTERN", "around", "bad_characters", "codepoint", "codepoints", "described", "drawn", "file_name",
           "not_laid_out", "not_xml", "printable", "visible", "without_not_xml"]

_NOT_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_DIRECTION = "\u202a-\u202e\u2066-\u2069"
_NOT_XML_RE = re.compile(f"[{_NOT_XML}]")
_BAD_RE = re.compile(f"[{_NOT_XML}{_DIRECTION}]")
_INVISIBLE_RE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029{_DIRECTION}\ufffe\uffff]")
_INVISIBLE_IN_PAGE_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029{_DIRECTION}\ufffe\uffff]")
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), which text engines draw as nothing.
_IGNORABLE_RE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                           "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
                           "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
_NEVER_DRAWN = frozenset({"Cc", "Cs", "Zl", "Zp"})
# What WeasyPrint 70 (Pango 1.50, HarfBuzz 6) draws as an empty box although no font is to draw it, measured by
# rendering every control, separator, format and default-ignorable character (tests/test_hostile_checkbuild.py).
_NOT_LAID_OUT_RE = re.compile("[\x7f-\x9f\u115f\u1160\u180f\u2028\u3164\uffa0\ufff9-\ufffb\U000110bd\U000110cd"
                              "\U0001bca0-\U0001bca3]")


def _escaped(ranges: str) -> str:
    return "".join(c if c == "-" else f"\\u{ord(c):04x}" for c in ranges)


ALLOWED_TEXT_PATTERN = f"^[^{_escaped(_NOT_XML + _DIRECTION)}]*$"
"""A text without the characters :func:`bad_characters` finds, as a regular expression
that JSON Schema (ECMA-262) and Python read alike, written with ``\\uXXXX`` escapes."""


def codepoint(char: str) -> str:
    """A character's code point as ``U+XXXX``, e.g. ``U+000B``."""
    return f"U+{ord(char):04X}"


def codepoints(text: str) -> str:
    """Every character of ``text`` as ``U+XXXX``, separated by spaces."""
    return " ".join(codepoint(c) for c in text)


def described(char: str) -> str:
    """A character for a message: itself, its code point and its Unicode name, e.g. ``'€' (U+20AC EURO SIGN)``."""
    name = unicodedata.name(char, "")
    return f"'{char}' ({codepoint(char)}{f' {name}' if name else ''})"


def drawn(char: str) -> bool:
    """Whether a text engine draws the character with a glyph (so a font must have it)."""
    return unicodedata.category(char) not in _NEVER_DRAWN and not _IGNORABLE_RE.match(char) and not _BAD_RE.match(char)


def not_laid_out(text: str) -> list[str]:
    """The characters of ``text`` the PDF would show as an empty box though they are not meant to be drawn, each once."""
    return list(dict.fromkeys(_NOT_LAID_OUT_RE.findall(text)))


def around(text: str, start: int, length: int) -> str:
    """The words around ``text[start:start + length]``, for a message: spaces squeezed, without break opportunities."""
    return re.sub(r"\s+", " ", text[max(0, start - 30) : start + length + 30]).replace("\u200b", "").strip()


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with control, surrogate, line separator and direction characters (and U+FFFE, U+FFFF) shown as ``U+XXXX``.

    With ``lines``, tab, line feed and carriage return are kept (text in a page, where
    they are only white space).
    """
    return (_INVISIBLE_IN_PAGE_RE if lines else _INVISIBLE_RE).sub(lambda m: codepoint(m.group()), text)


def file_name(name: str) -> str:
    """A file name as messages show it: bytes that are not UTF-8 as ``\\xFF``, then :func:`visible`.

    Python reads such bytes of a name as lone surrogates (U+DC80-U+DCFF); shown as the
    byte they stand for, the name can be told apart and found (``ls -b`` shows ``\\377``).
    """
    with contextlib.suppress(UnicodeEncodeError):  # else a surrogate no byte stands for: shown as U+XXXX
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return visible(name)


def not_xml(text: str) -> list[str]:
    """The characters of ``text`` that XML 1.0 cannot hold."""
    return _NOT_XML_RE.findall(text)


def without_not_xml(text: str) -> tuple[str, int]:
    """``text`` without the characters XML 1.0 cannot hold, and how many were removed."""
    return _NOT_XML_RE.subn("", text)


def bad_characters(text: str) -> list[str]:
    """Characters a contributor's text may not hold: those XML cannot hold and the direction controls."""
    return _BAD_RE.findall(text)


def printable(text: str) -> str:
    """``text`` without the characters :func:`bad_characters` finds (already reported as GCM213).

    Only drafts reach the renderers with such text; no document format can hold it.
    """
    return _BAD_RE.sub("", text) if _BAD_RE.search(text) else text
