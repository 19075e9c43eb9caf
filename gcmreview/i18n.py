"""Translations of the tool's fixed texts, from gettext catalogs managed with Babel.

Stage: reference data. ``gcmreview/locale/<lang>.po`` holds one catalog per
language; English is the source language (the msgids), so English needs no
catalog. Untranslated entries fall back to English; fuzzy entries (awaiting a
native speaker's review) are used but counted, so reports can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

__all__ = ["N_", "Translator", "translator"]


def N_(message: str) -> str:
    """Mark a string for extraction into the catalogs without translating it here."""
    return message


@dataclass
class Translator:
    """Looks up translations for one language and counts what fell back to English."""

    lang: str
    catalog: Catalog | None
    missing: set[str] = field(default_factory=set)
    fuzzy: set[str] = field(default_factory=set)

    def __call__(self, message: str) -> str:
        if self.catalog is None or not message:
            return message
        entry = self.catalog.get(message)
        if entry is None or not entry.string:
            self.missing.add(message)
            return message
        if entry.fuzzy:
            self.fuzzy.add(message)
        return str(entry.string)


@cache
def _catalog(lang: str) -> Catalog | None:
    path = resources.files(__package__).joinpath("locale", f"{lang}.po")
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang.replace("-", "_"))


def translator(lang: str) -> Translator:
    """A translator into ``lang``; English and languages without a catalog return the msgid."""
    return Translator(lang, None if lang == "en" else _catalog(lang))
