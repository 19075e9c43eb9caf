"""Languages and scripts a review can use (data in ``data/languages.toml``).

Stage: reference data. Used to label workbook columns, to tag documents with a
language, and to notice text written in the wrong language column.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections import Counter
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

__all__ = ["Language", "dominant_script", "language", "languages"]


class Language(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    native: str
    script: str
    locale: str
    font: str
    ranges: tuple[tuple[int, int], ...]

    @property
    def complex_script(self) -> bool:
        """Written in a script Word treats as complex (w:cs fonts): not Latin."""
        return self.script != "Latin"

    def owns(self, char: str) -> bool:
        cp = ord(char)
        return any(lo <= cp <= hi for lo, hi in self.ranges)


def _parse_range(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    return int(lo, 16), int(hi or lo, 16)


@cache
def languages() -> dict[str, Language]:
    """Every known language, by ISO 639-1 code."""
    raw = tomllib.loads(resources.files(__package__).joinpath("data", "languages.toml").read_text("utf-8"))
    return {
        code: Language(code=code, **{**entry, "ranges": tuple(_parse_range(r) for r in entry["ranges"])})
        for code, entry in raw.items()
    }


def language(code: str) -> Language:
    """The language with this code; KeyError if unknown."""
    return languages()[code]


@cache
def _scripts() -> dict[str, Language]:
    """One representative language per script, for naming scripts."""
    out: dict[str, Language] = {}
    for lang in languages().values():
        out.setdefault(lang.script, lang)
    return out


def dominant_script(text: str, min_letters: int = 3) -> tuple[str, float] | None:
    """The script most letters of ``text`` are written in, and its share of letters.

    Only letters and combining marks count (digits, punctuation and spaces do not).
    Returns None when the text has fewer than ``min_letters`` letters.
    """
    counts: Counter[str] = Counter()
    for char in text:
        if not unicodedata.category(char).startswith(("L", "M")):
            continue
        script = next((s for s, lang in _scripts().items() if lang.owns(char)), "Other")
        counts[script] += 1
    total = sum(counts.values())
    if total < min_letters:
        return None
    script, count = counts.most_common(1)[0]
    return script, count / total
