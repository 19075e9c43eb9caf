"""Segments: every unit of contributor text a translator may have to translate.

Stage: translation hand-off. A segment is one answer, one principle explanation,
or one field of an action or statistic, with the stable id (:func:`segment_id`)
that the translation stores, the exported files and the submission all key by,
the language it is written in and the cell it comes from.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..config import ReviewConfig
from ..errors import Location, SourceMap
from ..i18n import N_
from ..markup import parse
from ..model import Contribution
from ..names import INSTITUTION_FIELDS, Names
from ..survey import load_reference
from ..survey.languages import dominant_script, language_of

if TYPE_CHECKING:
    from ..inputs import CheckResult

__all__ = [
    "ACTION_FIELDS", "STATISTIC_FIELDS", "Segment", "SegmentKind", "fingerprint", "needs_translation", "segment_id",
    "segment_label", "segments",
]

SegmentKind = Literal["answer", "principle", "action", "statistic"]
ACTION_FIELDS = ("title", "lead", "partners", "description", "results")
"""An action's free texts, each a segment (a lead or partners naming only known institutions needs none)."""
STATISTIC_FIELDS = ("indicator", "unit", "age_group", "nationality", "source")
"""A statistic's free texts, each a segment."""


def needs_translation(text: str) -> bool:
    """Whether ``text`` has words to translate: letters, outside its citations (not only "%", "15-24" or "[@key]")."""
    words = "".join(span.text for block in parse(text) for span in block.spans if span.cite is None)
    return dominant_script(words) is not None


def segment_id(*parts: str | int) -> str:
    """The id of a segment (or of an action's or statistic's segments, without the field): its parts joined by '/'.

    The parts are the contributor code, the kind, then the question id
    (``LAB/answer/1a``), the principle key (``LAB/principle/human-rights``), or the
    1-based row and the field (``LAB/action/2/title``, ``LAB/statistic/1/indicator``).
    ``segment_id("LAB/action/2", "title")`` adds a field to a row's prefix.
    """
    return "/".join(str(part) for part in parts)


def fingerprint(text: str) -> str:
    """``sha256:`` and the first 16 hex digits of the SHA-256 of the NFC-normalised, stripped text."""
    normal = unicodedata.normalize("NFC", text.strip())
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class Segment:
    """One translatable unit of contributor text."""

    id: str
    contributor: str
    kind: SegmentKind
    part: str
    """Question id (answers), principle key (principles), or field name (actions, statistics)."""
    where: Location
    """The source text's cell."""
    source_lang: str
    source: str
    targets: Mapping[str, str] = field(default_factory=dict)
    """Text the workbook already has in other languages."""
    row: int | None = None
    """1-based position among the contribution's actions or statistics."""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.source)

    @property
    def label(self) -> str:
        """What the text is, in English, for translators and the build log (:func:`segment_label`)."""
        return segment_label(self)

    def text(self, lang: str) -> str | None:
        """The workbook's text in ``lang``, or None."""
        return self.source if lang == self.source_lang else self.targets.get(lang)


_FIELDS = {
    "title": N_("title"), "lead": N_("lead agency"), "partners": N_("partners"), "description": N_("description"),
    "results": N_("results"), "indicator": N_("indicator"), "unit": N_("unit"), "age_group": N_("age group"),
    "nationality": N_("nationality"), "source": N_("source"),
}


def segment_label(segment: Segment, t: Callable[[str], str] = str) -> str:
    """What a segment's text is, e.g. 'answer to question 1a' or 'action 2: title', through ``t`` (a translator)."""
    if segment.kind == "answer":
        return t(N_("answer to question {question}")).format(question=segment.part)
    if segment.kind == "principle":
        name = next((p.name for p in load_reference().principles if p.key == segment.part), segment.part)
        return t(N_("explanation of principle '{principle}'")).format(principle=t(name))
    what = t(_FIELDS.get(segment.part, segment.part))
    template = N_("action {row}: {field}") if segment.kind == "action" else N_("statistic {row}: {field}")
    return t(template).format(row=segment.row, field=what)


def segments(check: CheckResult, review: ReviewConfig) -> list[Segment]:
    """Every translatable unit of the workspace's contributions, in file order.

    Contributions that consolidation leaves out (unreadable, contributor not in
    review.toml, or a second file of the same contributor) give no segments.
    """
    out: list[Segment] = []
    seen: set[str] = set()
    names = review.names
    for result in check.results:
        contribution = result.contribution
        if contribution is None or review.contributor(contribution.contributor) is None or contribution.contributor in seen:
            continue
        seen.add(contribution.contributor)
        out += _contribution_segments(contribution, result.sources, review, names)
    return out


def _contribution_segments(contribution: Contribution, sources: SourceMap, review: ReviewConfig, names: Names) -> list[Segment]:
    code = contribution.contributor
    found: list[Segment | None] = []
    for i, answer in enumerate(contribution.answers):
        found.append(_bilingual(code, "answer", answer.question, answer.text, sources, f"answers[{i}].text", review))
    for i, principle in enumerate(contribution.principles):
        path = f"principles[{i}].explanation"
        found.append(_bilingual(code, "principle", principle.principle, principle.explanation, sources, path, review))
    for n, action in enumerate(contribution.actions, 1):
        for name in ACTION_FIELDS:
            text = getattr(action, name)
            if name not in INSTITUTION_FIELDS or not names.known(text):
                found.append(_single(code, "action", n, name, text, sources(f"actions[{n - 1}].{name}"), review))
    for n, statistic in enumerate(contribution.statistics, 1):
        for name in STATISTIC_FIELDS:
            where = sources(f"statistics[{n - 1}].{name}")
            found.append(_single(code, "statistic", n, name, getattr(statistic, name), where, review))
    unique: dict[str, Segment] = {}
    for segment in found:
        if segment is not None:
            unique.setdefault(segment.id, segment)  # a duplicated question is an error reported by check
    return list(unique.values())


def _bilingual(
    code: str, kind: SegmentKind, key: str, texts: Mapping[str, str], sources: SourceMap, path: str, review: ReviewConfig
) -> Segment | None:
    """A segment for text with a column per language: the filled column is the source.

    When both are filled (nothing to translate) the national language counts as the source.
    """
    filled = {lang: texts[lang] for lang in reversed(review.languages) if texts.get(lang, "").strip()}
    if not filled:
        return None
    source_lang, source = next(iter(filled.items()))
    targets = {lang: text for lang, text in filled.items() if lang != source_lang}
    return Segment(segment_id(code, kind, key), code, kind, key, sources(f"{path}.{source_lang}"), source_lang, source, targets)


def _single(
    code: str, kind: SegmentKind, n: int, name: str, text: str, where: Location, review: ReviewConfig
) -> Segment | None:
    """A segment for a single-language field: its language is the text's script's (see :func:`language_of`).

    None for a text with no words to translate (:func:`needs_translation`).
    """
    if not needs_translation(text):
        return None
    source_lang = language_of(text, review.languages, review.languages[0])
    return Segment(segment_id(code, kind, n, name), code, kind, name, where, source_lang, text, row=n)
