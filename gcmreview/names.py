"""Institution names: a lead or partner that names a known institution is shown in each language.

Stage: consolidate and render (shared). An action's lead and partners are free text,
but most of them name one of the review's contributors or an institution listed
in ``review.toml`` (``[[institutions]]``), whose names are given in every language
of the review. :class:`Names` recognises such values, part by part (parts are
separated by ``;`` or line breaks), whichever language or code they are written
in, so they need no translation: the document shows each institution's own name
in its language; a code (``NCCT``, ``IOM``) is a short name that every language
uses as it is. A value with any part it does not know is a text to translate like
any other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["INSTITUTION_FIELDS", "SEPARATOR", "Names", "parts"]

SEPARATOR = ";"
"""What separates several institutions in one cell."""
INSTITUTION_FIELDS = ("lead", "partners")
"""The fields of an action that name institutions."""
_SPLIT = re.compile(r"[;\n]")


def parts(text: str) -> list[str]:
    """The institutions a value names: its parts between ``;`` and line breaks, stripped, empty ones left out."""
    return [p.strip() for p in _SPLIT.split(text) if p.strip()]


def _key(text: str) -> str:
    """What two spellings of one name have in common: NFC, case folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Names:
    """Every name (in any language) of the known institutions, to their names by language; and their codes."""

    by_key: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    codes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, institutions: Iterable[tuple[str, Mapping[str, str]]]) -> Names:
        """From (code, names by language) pairs: the review's contributors and listed institutions.

        The first institution to claim a name or code keeps it.
        """
        by_key: dict[str, Mapping[str, str]] = {}
        codes: set[str] = set()
        for code, names in institutions:
            codes |= {_key(code)} - {""}
            for name in names.values():
                if name.strip():
                    by_key.setdefault(_key(name), names)
        return cls(by_key, frozenset(codes))

    def known(self, text: str) -> bool:
        """Whether every part of ``text`` names a known institution or is its code (and it has at least one part)."""
        found = parts(text)
        return bool(found) and all(_key(p) in self.codes or _key(p) in self.by_key for p in found)

    def choices(self, languages: Iterable[str]) -> list[str]:
        """The names to offer for a lead or partner, each institution's in ``languages`` order, without repeats."""
        out: dict[str, None] = {}
        for names in self.by_key.values():
            for lang in languages:
                if names.get(lang, "").strip():
                    out.setdefault(names[lang].strip(), None)
        return list(out)

    def in_language(self, text: str, lang: str) -> str | None:
        """``text`` with each institution's name in ``lang``, or None when a part is not a known institution."""
        if not self.known(text):
            return None
        out = []
        for part in parts(text):
            names = self.by_key.get(_key(part))
            out.append(part if names is None else names.get(lang) or names.get("en") or part)
        return f"{SEPARATOR} ".join(out)
