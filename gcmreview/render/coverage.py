"""Characters no installed font has: a placeholder in every document, and a warning at their cell.

Stage: render, before layout. WeasyPrint draws a character that no installed font
has as an empty box (and the build would stop with GCM500); Word shows one too on a
machine with the same fonts. :func:`with_placeholders` looks at every text the
documents show (the workbooks' cells, the translation stores, ``review.toml``) with
fontconfig's coverage of every installed font, the fonts WeasyPrint falls back on
(:func:`installed_coverage`), puts :data:`PLACEHOLDER` where such a character was,
in the submission the DOCX and the PDF are laid out from, and warns (GCM504) at each
cell holding one. ``submission.json`` keeps the text as written.

Colour emoji need no placeholder where a colour emoji font is installed (Debian:
fonts-noto-color-emoji): WeasyPrint draws them, with ZWJ sequences, flags, skin tones
and keycaps, from fontconfig's fallback. The page's font stacks leave the emoji font
out on purpose: named there, its glyphs (and its 1.25 em wide space) would also be
taken for text-style symbols such as U+2764 and for the spaces after them.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from ..chars import described, drawn
from ..config import CONFIG_NAME
from ..datafiles import map_strings, model_strings
from ..errors import Code, Diagnostic, Location
from ..prepared import Prepared
from ..submission import Submission
from ..translations.store import STORE_FOLDER
from .glyphs import around

__all__ = ["PLACEHOLDER", "Coverage", "installed_coverage", "placeholders", "unshowable", "with_placeholders"]

PLACEHOLDER = "\ufffd"
"""What the documents show for a character no font has: U+FFFD REPLACEMENT CHARACTER, Unicode's
own sign for a character that cannot be shown, which every text font here has (Noto Sans, DejaVu
Sans). One character, so line breaking and word counts stay as they were; not "[?]", which could be
read as the contributor's own text."""

KEEP = frozenset({"url"})
"""Fields left as written: a link's address must still lead where it led."""

SHOWN_AT_MOST = 5
"""Characters a warning names one by one; it counts the rest."""


@dataclass(frozen=True)
class Coverage:
    """The code points some font has, as sorted, disjoint ranges (``starts[i]`` to ``ends[i]``)."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, char: object) -> bool:
        if not isinstance(char, str) or len(char) != 1:
            return False
        index = bisect.bisect_right(self.starts, ord(char)) - 1
        return index >= 0 and ord(char) <= self.ends[index]

    @classmethod
    def parse(cls, charsets: str) -> Coverage:
        """The union of fontconfig charsets, each a line of hex code points and ranges (``20-7e a0 …``)."""
        ranges = sorted(_ranges(charsets))
        merged: list[list[int]] = []
        for start, end in ranges:
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple(r[0] for r in merged), tuple(r[1] for r in merged))


def _ranges(charsets: str) -> Iterator[tuple[int, int]]:
    for token in charsets.split():
        first, _, last = token.partition("-")
        try:
            yield int(first, 16), int(last or first, 16)
        except ValueError:
            continue


@cache
def installed_coverage() -> Coverage | None:
    """Every character some installed font has, as fontconfig (and so WeasyPrint) knows it; None without fontconfig."""
    if shutil.which("fc-list") is None:
        return None
    result = subprocess.run(["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True, check=False)
    return Coverage.parse(result.stdout) if result.returncode == 0 and result.stdout.strip() else None


@cache
def _unshowable(char: str) -> bool:
    coverage = installed_coverage()
    return coverage is not None and drawn(char) and char not in coverage


def unshowable(text: str) -> list[str]:
    """The characters of ``text`` that need a glyph and that no installed font has, each once, in order."""
    return [c for c in dict.fromkeys(text) if _unshowable(c)]


def placeholders(text: str) -> str:
    """``text`` with :data:`PLACEHOLDER` for each character no installed font has."""
    missing = unshowable(text)
    return "".join(PLACEHOLDER if c in missing else c for c in text) if missing else text


def with_placeholders(prepared: Prepared) -> tuple[Submission, list[Diagnostic]]:
    """The submission as the documents show it (:func:`placeholders` in every text), and a
    warning (GCM504) at every cell, translation or setting that holds such characters."""
    warnings = [_warning(where, text, missing) for where, text in _texts(prepared) if (missing := unshowable(text))]
    if not warnings:
        return prepared.submission, []
    shown = map_strings(prepared.submission.model_dump(), placeholders, KEEP)
    return Submission.model_validate(shown), warnings


def _texts(prepared: Prepared) -> Iterator[tuple[Location, str]]:
    """Every text the documents can show, where it was written: the cells of the workbooks used,
    the translations, and the names and contact of ``review.toml``."""
    used = {c.file for c in prepared.submission.contributors if c.file}
    for result in prepared.check.results:
        if result.contribution is not None and result.file in used:
            for path, text in model_strings(result.contribution.model_dump(exclude={"references": {"__all__": {"url"}}})):
                yield result.sources(path), text
    for segment, by_lang in prepared.submission.translations.items():
        for lang, translation in by_lang.items():
            yield Location(file="/".join((*STORE_FOLDER, f"{lang}.json")), key=f"units.{segment}.text"), translation.text
    for path, text in model_strings(prepared.check.review.model_dump()):
        yield Location(file=f"inputs/{CONFIG_NAME}", key=path), text


def _warning(where: Location, text: str, missing: list[str]) -> Diagnostic:
    names = ", ".join(described(c) for c in missing[:SHOWN_AT_MOST])
    if len(missing) > SHOWN_AT_MOST:
        names += f" and {len(missing) - SHOWN_AT_MOST} more"
    first = text.index(missing[0])
    return Diagnostic.make(Code.NO_FONT_PLACEHOLDER, where, chars=names, placeholder=f"'{PLACEHOLDER}'",
                           context=around(text, first, 1))
