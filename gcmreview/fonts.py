"""The installed fonts: the file of a family, every character some font has, text shaped in a language's font.

Stage: shared. One home for what fontconfig and HarfBuzz say about the fonts on
this machine, used before layout (validation finds what the PDF cannot show, at its
cell; :mod:`gcmreview.render.coverage` puts a placeholder where no font has a
character) and after it (:mod:`gcmreview.render.glyphs`, the check of the laid-out
page). :func:`font_file` is the file fontconfig picks for a family;
:func:`installed_coverage` every character some installed font has;
:func:`script_runs` the stretches of a text in a complex script, which
:func:`shaping_problems` shapes with HarfBuzz in the font a language uses, reporting
characters the font cannot show (``.notdef``) or sequences it can only show with a
dotted circle (U+25CC), which WeasyPrint does not log.
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import uharfbuzz as hb

from .chars import drawn
from .survey.languages import Language, language, language_for_script, languages

__all__ = [
    "Coverage",
    "ShapingProblem",
    "font_file",
    "installed_coverage",
    "script_runs",
    "shaping_problems",
    "unshowable",
]

DOTTED_CIRCLE = 0x25CC
# Invisible characters that belong to the text around them (joiners, zero-width spaces).
_JOINING = frozenset("\u200b\u200c\u200d\u2060")
# ISO 15924 tags HarfBuzz wants, by the script names of languages.toml.
_ISO15924 = {"Khmer": "Khmr", "Lao": "Laoo", "Myanmar": "Mymr", "Thai": "Thai", "Latin": "Latn"}


def _as_language(lang: Language | str) -> Language:
    return lang if isinstance(lang, Language) else language(lang)


@cache
def _complex_scripts() -> tuple[Language, ...]:
    """One language for each complex script known."""
    found = (language_for_script(script) for script in sorted({x.script for x in languages().values()}))
    return tuple(lang for lang in found if lang is not None and lang.complex_script)


def script_runs(text: str) -> list[tuple[Language, str]]:
    """The stretches of ``text`` written in a complex (non-Latin) script, with the language standing for it.

    Joiners and zero-width spaces stay with the stretch they are in; anything else
    outside the script (spaces, Latin, digits) ends it.
    """
    owners, pattern = _runs_pattern()
    return [(owners[match.lastindex - 1], match.group()) for match in pattern.finditer(text) if match.lastindex]


@cache
def _runs_pattern() -> tuple[tuple[Language, ...], re.Pattern[str]]:
    """One group per complex script: a letter of it, then letters and joiners (the first script listed wins)."""
    owners = _complex_scripts()
    joining = "".join(sorted(_JOINING))
    groups = [f"({lang.char_class}[{lang.char_class[1:-1]}{joining}]*)" for lang in owners]
    return owners, re.compile("|".join(groups) or "(?!)")


@cache
def font_file(family: str) -> Path | None:
    """The file fontconfig picks for a family name (regular style), if it really is that family."""
    if shutil.which("fc-match") is None:
        return None
    result = subprocess.run(["fc-match", "-f", "%{family}\t%{file}", f"{family}:style=Regular"],
                            capture_output=True, text=True, check=False)
    found, _, path = result.stdout.partition("\t")
    if family.casefold() not in (name.strip().casefold() for name in found.split(",")) or not path:
        return None
    return Path(path)


@cache
def _font(path: Path) -> hb.Font:
    blob = hb.Blob.from_file_path(str(path))
    return hb.Font(hb.Face(blob))


@dataclass(frozen=True)
class ShapingProblem:
    """A character or cluster the font cannot show properly.

    ``text`` is the whole cluster as HarfBuzz formed it (e.g. "ក្្" for a doubled
    coeng); ``start`` its index in the text shaped.
    """

    text: str
    kind: Literal["missing glyph", "dotted circle"]
    start: int = 0


def shaping_problems(text: str, lang: Language | str, font: Path) -> list[ShapingProblem]:
    """Clusters of ``text`` that shape to .notdef or to an inserted dotted circle in ``font``.

    Shape one script at a time (see :func:`script_runs`): a Khmer font has no Latin
    letters, and reporting them would be noise. A dotted circle is a problem only
    where HarfBuzz inserted it, not where the text itself has U+25CC. (A font without
    a dotted-circle glyph gets none inserted, so there broken clusters go unnoticed.)
    """
    if not text.strip():
        return []
    lang = _as_language(lang)
    hb_font = _font(font)
    buf = hb.Buffer()
    buf.add_str(text)  # clusters are code point indexes (hb_buffer_add_utf32)
    buf.guess_segment_properties()
    if lang.script in _ISO15924:
        buf.script = _ISO15924[lang.script]
    buf.language = lang.locale
    hb.shape(hb_font, buf, {})
    dotted = hb_font.get_nominal_glyph(DOTTED_CIRCLE)
    starts = sorted({info.cluster for info in buf.glyph_infos})
    ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    problems: dict[tuple[int, str], ShapingProblem] = {}
    for info in buf.glyph_infos:
        cluster = text[info.cluster : ends[info.cluster]]
        if info.codepoint == 0:
            kind: Literal["missing glyph", "dotted circle"] = "missing glyph"
        elif dotted is not None and info.codepoint == dotted and chr(DOTTED_CIRCLE) not in cluster:
            kind = "dotted circle"
        else:
            continue
        problems.setdefault((info.cluster, kind), ShapingProblem(cluster, kind, info.cluster))
    return list(problems.values())


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
