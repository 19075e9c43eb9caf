"""Characters no installed font has: a placeholder in every document, and a warning at their cell.

Stage: render, before layout. WeasyPrint draws a character that no installed font
has as an empty box (and the build would stop with GCM500); Word shows one too on a
machine with the same fonts. :func:`with_placeholders` looks at every text the
documents show (the workbooks' cells, the translation stores, ``review.toml``) with
fontconfig's coverage of every installed font, the fonts WeasyPrint falls back on
(:func:`gcmreview.fonts.installed_coverage`), puts :data:`PLACEHOLDER` where such a character was,
in the submission the DOCX and the PDF are laid out from, and warns (GCM504) at each
cell holding one. ``submission.json`` keeps the text as written.

Colour emoji need no placeholder where a colour emoji font is installed (Debian:
fonts-noto-color-emoji): WeasyPrint draws them, with ZWJ sequences, flags, skin tones
and keycaps, from fontconfig's fallback. The page's font stacks leave the emoji font
out on purpose: named there, its glyphs (and its 1.25 em wide space) would also be
taken for text-style symbols such as U+2764 and for the spaces after them.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..chars import around, described
from ..datafiles import map_strings, model_strings
from ..errors import Code, Diagnostic, Location
from ..fonts import unshowable
from ..prepared import Prepared
from ..submission import Submission

__all__ = ["PLACEHOLDER", "placeholders", "with_placeholders"]

PLACEHOLDER = "\ufffd"
"""What the documents show for a character no font has: U+FFFD REPLACEMENT CHARACTER, Unicode's
own sign for a character that cannot be shown, which every text font here has (Noto Sans, DejaVu
Sans). One character, so line breaking and word counts stay as they were; not "[?]", which could be
read as the contributor's own text."""

KEEP = frozenset({"url"})
"""Fields left as written: a link's address must still lead where it led."""

SHOWN_AT_MOST = 5
"""Characters a warning names one by one; it counts the rest."""


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
    yield from ((where, text) for where, _, _, text in prepared.translation_texts())
    yield from prepared.setting_texts()


def _warning(where: Location, text: str, missing: list[str]) -> Diagnostic:
    names = ", ".join(described(c) for c in missing[:SHOWN_AT_MOST])
    if len(missing) > SHOWN_AT_MOST:
        names += f" and {len(missing) - SHOWN_AT_MOST} more"
    first = text.index(missing[0])
    return Diagnostic.make(Code.NO_FONT_PLACEHOLDER, where, chars=names, placeholder=f"'{PLACEHOLDER}'",
                           context=around(text, first, 1))
