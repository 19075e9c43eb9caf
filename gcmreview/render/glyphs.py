"""Text a PDF cannot show properly: found before anyone opens the PDF.

Stage: render (PDF). WeasyPrint draws a character no installed font has as an empty
box (``.notdef``) and says so in its log; a cluster the language's font can only show
with a dotted circle (a vowel sign without its consonant, signs in the wrong order),
or a character that font lacks, it does not report at all. :func:`glyph_problems`
shapes every Khmer, Lao, Myanmar or Thai stretch of the page with HarfBuzz in the font
the page's ``:lang()`` rules name for its language and locates each problem by question
and contributor; :class:`GlyphError` carries them as diagnostics GCM500-503. It is
the safety net: ``check`` finds all of these first, at their cell, translation unit or
setting (:mod:`gcmreview.showable`, GCM503, GCM505-509), so a build that passed it
should never stop here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from ..chars import around, codepoints
from ..errors import Code, Diagnostic, GcmReviewError, Location
from ..fonts import ShapingProblem, font_file, script_runs, shaping_problems
from ..survey.languages import language, languages
from .scripts import ZWSP

__all__ = ["NOTDEF", "GlyphError", "GlyphProblem", "glyph_problems"]

NOTDEF = ".notdef glyph rendered"
"""The start of WeasyPrint's warning for a character no installed font has (drawn as an empty box)."""

GlyphKind = Literal["missing glyph", "dotted circle", "no font", "notdef"]

GLYPH_CODES: dict[GlyphKind, Code] = {
    "notdef": Code.GLYPH_NOTDEF,
    "missing glyph": Code.GLYPH_MISSING,
    "dotted circle": Code.GLYPH_DOTTED_CIRCLE,
    "no font": Code.FONT_NOT_INSTALLED,
}


@dataclass(frozen=True)
class GlyphProblem:
    """Text the PDF cannot show properly.

    ``kind``: "notdef" (WeasyPrint drew an empty box: no installed font has the
    character), "missing glyph" (the language's font lacks it; another font may
    stand in), "dotted circle" (the cluster is not valid in its script), "no font"
    (the language's font is not installed). ``text`` is the character or cluster;
    ``lang`` the language whose font was used, ``font`` its family; ``question`` and
    ``contributor`` where the text is (from the HTML's ``id="q…"`` and
    ``data-contributor``); ``context`` the text around it.
    """

    kind: GlyphKind
    text: str
    lang: str = ""
    font: str = ""
    question: str = ""
    contributor: str = ""
    context: str = ""

    def diagnostic(self) -> Diagnostic:
        code = GLYPH_CODES[self.kind]
        where = "".join([f" in question {self.question}" if self.question else "",
                         f" (written by {self.contributor})" if self.contributor else ""])
        values = {"chars": f"'{self.text}' ({codepoints(self.text)})", "cluster": f"{self.text} ({codepoints(self.text)})",
                  "where": where, "context": self.context, "font": self.font or "any font",
                  "language": language(self.lang).name if self.lang in languages() else "The"}
        key = ", ".join(x for x in (f"question {self.question}" if self.question else "", self.contributor) if x)
        return Diagnostic.make(code, Location(key=key), **values)


class GlyphError(GcmReviewError):
    """The PDF would show some text wrongly (see :class:`GlyphProblem`); ``pdf`` is the PDF made anyway."""

    def __init__(self, problems: Sequence[GlyphProblem], pdf: bytes | None = None) -> None:
        self.problems = list(problems)
        self.pdf = pdf
        super().__init__(p.diagnostic() for p in self.problems)

    def __reduce__(self) -> tuple[type[GlyphError], tuple[list[GlyphProblem], bytes | None]]:
        """Picklable with its problems (the build renders PDFs in worker processes)."""
        return (GlyphError, (self.problems, self.pdf))


class _Texts(HTMLParser):
    """The text nodes of a page's body, each with the question and contributor around it."""

    SKIP = frozenset({"head", "title", "style", "script"})
    VOID = frozenset({"br", "meta", "link", "img", "col", "hr", "input"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, str]] = []  # (tag, question, contributor)
        self.texts: list[tuple[str, str, str]] = []  # (text, question, contributor)
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        a = {k: v or "" for k, v in attrs}
        question, contributor = self.stack[-1][1:] if self.stack else ("", "")
        if re.fullmatch(r"q\w+", a.get("id", "")):
            question = a["id"][1:]
        self.stack.append((tag, question, a.get("data-contributor", contributor)))
        self.skipping += tag in self.SKIP

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag = self.stack.pop()[0]
            self.skipping -= open_tag in self.SKIP
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            question, contributor = self.stack[-1][1:] if self.stack else ("", "")
            self.texts.append((data, question, contributor))


def glyph_problems(html: str, notdef: Sequence[str] = ()) -> list[GlyphProblem]:
    """What the PDF of ``html`` cannot show properly: every stretch of Khmer, Lao, Myanmar or
    Thai text shaped with HarfBuzz in its language's font (the font the page's ``:lang()``
    rules name for that script), and the characters of ``notdef`` (WeasyPrint's .notdef
    warnings), located in the page. One problem per kind, text and place.
    """
    parser = _Texts()
    parser.feed(html)
    parser.close()
    found: dict[tuple[str, str, str, str, str], GlyphProblem] = {}

    def add(problem: GlyphProblem) -> None:
        found.setdefault((problem.kind, problem.text, problem.lang, problem.question, problem.contributor), problem)

    for char in notdef:
        hit = next(((t, q, c) for t, q, c in parser.texts if char in t), None)
        text, question, contributor = hit if hit is not None else ("", "", "")
        add(GlyphProblem("notdef", char, question=question, contributor=contributor,
                         context=around(text, text.find(char), 1) if text else ""))
    for text, question, contributor in parser.texts:
        offset = 0
        for lang, run in script_runs(text):
            offset = text.find(run, offset)
            font = font_file(lang.font)
            if font is None:
                add(GlyphProblem("no font", "", lang.code, lang.font))
                continue
            for problem in _shaping(run, lang.code, font):
                shown = problem.text.replace(ZWSP, "") or problem.text
                if problem.kind == "missing glyph" and shown in notdef:
                    continue  # reported above: no font at all has it
                add(GlyphProblem(problem.kind, shown, lang.code, lang.font, question, contributor,
                                 around(text, offset + problem.start, len(problem.text))))
            offset += len(run)
    return list(found.values())


@lru_cache(maxsize=4096)
def _shaping(text: str, lang: str, font: Path) -> tuple[ShapingProblem, ...]:
    return tuple(shaping_problems(text, lang, font))
