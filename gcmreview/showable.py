"""Text the PDF cannot show as written, found before anything is laid out, where it was written.

Stage: validate (shared by the workbooks' and the JSON import's checks, the
translation stores and ``review.toml``). The build's last check, on the laid-out
page (:mod:`gcmreview.render.glyphs`, GCM500-503), refuses text that only a dotted
circle or an empty box could show; everything it would refuse is found here first,
so ``check`` reports it at its cell (or translation unit, or setting):

* a cluster not valid in its script (a vowel sign or subscript without its
  consonant, signs in the wrong order), which HarfBuzz shapes with a dotted circle in
  the font of the script's language (GCM505, in a translation GCM508);
* a character of a complex script that its language's font lacks although another
  installed font has it (GCM506, GCM509); one no font has is shown as a placeholder
  with a warning by the build (GCM504, :mod:`gcmreview.render.coverage`);
* a character the PDF cannot lay out as written, such as U+2028 LINE SEPARATOR
  (:func:`gcmreview.chars.not_laid_out`; GCM507, GCM509);
* a review language whose font is not installed (GCM503).

Each text is looked at once per process (:func:`unshown`, cached); one diagnostic per
text and kind names the first clusters or characters and counts the rest.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .chars import around, codepoint, codepoints, described, not_laid_out
from .errors import Code, Diagnostic, Location
from .fonts import font_file, installed_coverage, script_runs, shaping_problems
from .survey.languages import language, languages

__all__ = ["Unshown", "font_diagnostics", "text_diagnostics", "translation_diagnostics", "unshown"]

Kind = Literal["dotted circle", "missing glyph", "not laid out"]

SHOWN_AT_MOST = 3
"""Clusters or characters a message names one by one; it counts the rest."""
CLUSTER_AT_MOST = 8
"""Characters of a cluster a message quotes (a run of lone signs is one cluster, maybe thousands long)."""

_CODES: dict[Kind, tuple[Code, Code]] = {  # (in a text as written, in a translation)
    "dotted circle": (Code.TEXT_DOTTED_CIRCLE, Code.TRANSLATION_DOTTED_CIRCLE),
    "missing glyph": (Code.TEXT_FONT_LACKS, Code.TRANSLATION_NOT_SHOWN),
    "not laid out": (Code.TEXT_NOT_LAID_OUT, Code.TRANSLATION_NOT_SHOWN),
}


@dataclass(frozen=True)
class Unshown:
    """What one text holds of one kind that the PDF cannot show: the distinct clusters or
    characters (``texts``, in order), where the first is, and the language whose font was used."""

    kind: Kind
    texts: tuple[str, ...]
    start: int
    lang: str = ""
    font: str = ""


@lru_cache(maxsize=512)
def unshown(text: str) -> tuple[Unshown, ...]:
    """What the PDF cannot show of ``text`` as written, one entry per kind and language."""
    found: dict[tuple[Kind, str], tuple[dict[str, None], int, str]] = {}

    def add(kind: Kind, what: str, start: int, lang: str = "", font: str = "") -> None:
        found.setdefault((kind, lang), ({}, start, font))[0].setdefault(what)

    for char in not_laid_out(text):
        add("not laid out", char, text.index(char))
    offset = 0
    for lang, run in script_runs(text):
        offset = text.find(run, offset)
        font = font_file(lang.font)
        if font is not None:  # without the font nothing can be checked: font_diagnostics reports it
            for problem in shaping_problems(run, lang, font):
                if problem.kind == "dotted circle" or _elsewhere(problem.text):
                    add(problem.kind, problem.text.replace("\u200b", "") or problem.text, offset + problem.start, lang.code, lang.font)
        offset += len(run)
    return tuple(Unshown(kind, tuple(texts), start, lang, font) for (kind, lang), (texts, start, font) in found.items())


def _elsewhere(chars: str) -> bool:
    """Whether another installed font has every character the language's font lacks (else the build's placeholder stands in)."""
    coverage = installed_coverage()
    return coverage is not None and all(c in coverage for c in chars)


def _named(kind: Kind, texts: tuple[str, ...]) -> str:
    """The clusters or characters for a message; one not laid out (a control, a separator) by its code point and name only."""
    if kind == "dotted circle":
        shown = [f"'{t[:CLUSTER_AT_MOST]}' ({codepoints(t[:CLUSTER_AT_MOST])}{' …' if len(t) > CLUSTER_AT_MOST else ''})"
                 for t in texts[:SHOWN_AT_MOST]]
    else:
        shown = [described(t) if kind == "missing glyph" else f"{codepoint(t)} {unicodedata.name(t, '')}".strip() for t in texts[:SHOWN_AT_MOST]]
    more = f" and {len(texts) - SHOWN_AT_MOST} more" if len(texts) > SHOWN_AT_MOST else ""
    return ", ".join(shown) + more


def text_diagnostics(text: str, where: Location, *, unit: str = "", lang: str = "") -> list[Diagnostic]:
    """A diagnostic at ``where`` for each kind of thing in ``text`` the PDF cannot show as written;
    for a translation, ``unit`` is its segment id in the store of ``lang``."""
    out = []
    for problem in unshown(text):
        named = _named(problem.kind, problem.texts)
        script = lang if unit else problem.lang  # a translation's message names the language translated into
        out.append(Diagnostic.make(
            _CODES[problem.kind][1 if unit else 0], where, clusters=named, chars=named, font=problem.font, unit=unit, lang=lang,
            context=around(text, problem.start, min(len(problem.texts[0]), CLUSTER_AT_MOST)),
            language=language(script).name if script in languages() else script))
    return out


def translation_diagnostics(translations: Iterable[tuple[Location, str, str, str]]) -> list[Diagnostic]:
    """:func:`text_diagnostics` of each (store location, segment id, language, text) of the translations used."""
    return [d for where, unit, lang, text in translations for d in text_diagnostics(text, where, unit=unit, lang=lang)]


def font_diagnostics(review_languages: Iterable[str]) -> list[Diagnostic]:
    """GCM503 for each review language written in a complex script whose font is not installed (the build would refuse it)."""
    missing = [language(code) for code in review_languages if language(code).complex_script and font_file(language(code).font) is None]
    return [Diagnostic.make(Code.FONT_NOT_INSTALLED, Location(), font=lang.font, language=lang.name) for lang in missing]
