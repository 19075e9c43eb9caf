"""Where the translations stand: per review language, how many texts are provided, translated, stale or missing.

Stage: translation hand-off. :func:`tally` counts the status (:func:`~.store.status`)
of every segment in every review language, in all and per contributor, and lists
the texts still to translate (missing or stale) in contributor order. The
coordinator's report and the web app's Translations page both show it, so both
count alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..text import excerpt
from .segments import Segment, segment_label
from .store import Status, Translations

__all__ = ["EXCERPT", "STATUSES", "Pending", "TranslationStatus", "tally"]

STATUSES: tuple[Status, ...] = ("provided", "translated", "stale", "missing")
"""Every status, in the order pages show them."""

EXCERPT = 160
"""Characters of a source text shown in a list of texts to translate."""


@dataclass(frozen=True)
class Pending:
    """A text still to translate into ``lang`` (missing or stale)."""

    segment: Segment
    lang: str
    status: Status

    @property
    def excerpt(self) -> str:
        """The source text on one line, shortened to :data:`EXCERPT` characters."""
        return excerpt(self.segment.source, EXCERPT, self.segment.source_lang)

    def label(self, t: Callable[[str], str] = str) -> str:
        """What the text is ('answer to question 1a', 'action 2: title'), through ``t`` (a translator)."""
        return segment_label(self.segment, t)


@dataclass
class TranslationStatus:
    """Where every text stands in every review language."""

    languages: tuple[str, ...]
    counts: dict[str, Counter[Status]] = field(default_factory=dict)
    """Review language -> status -> number of texts."""
    by_contributor: dict[str, dict[str, Counter[Status]]] = field(default_factory=dict)
    """Contributor code -> review language -> status -> number of its texts."""
    pending: list[Pending] = field(default_factory=list)
    """The texts still to translate, every language's, in contributor order (file order within one)."""

    def count(self, lang: str, status: Status) -> int:
        return self.counts.get(lang, Counter())[status]

    def pending_in(self, lang: str) -> list[Pending]:
        """The texts still to translate into ``lang``."""
        return [p for p in self.pending if p.lang == lang]


def tally(translations: Translations, order: Sequence[str] = ()) -> TranslationStatus:
    """Count where each text of ``translations`` stands; list the texts to translate in contributor ``order``
    (codes of review.toml; others last)."""
    found = TranslationStatus(translations.languages, {lang: Counter() for lang in translations.languages})
    for segment in translations.segments:
        mine = found.by_contributor.setdefault(segment.contributor, {})
        for lang in translations.languages:
            status = translations.status(segment, lang)
            found.counts[lang][status] += 1
            mine.setdefault(lang, Counter())[status] += 1
            if status in ("missing", "stale"):
                found.pending.append(Pending(segment, lang, status))
    rank = {code: i for i, code in enumerate(order)}
    found.pending.sort(key=lambda p: rank.get(p.segment.contributor, len(rank)))  # stable: file order within a contributor
    return found
