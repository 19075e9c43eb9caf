"""The consolidated national submission: every contribution merged, with provenance.

Stage: the output of consolidation and the input of every renderer. It is written
as ``build/submission.json`` (schema: ``gcmreview schema --submission``). Texts keep
the contributors' light markup; citations stay ``[@key]`` and are resolved through
:attr:`Submission.citation_ids` to merged references, numbered as footnotes by the
renderers in order of first citation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .config import Contact, Country, Institution
from .model import Action, Identity, Statistic
from .names import Names

__all__ = [
    "ActionEntry",
    "Conflict",
    "ContributorEntry",
    "LeftOutEntry",
    "ObjectiveActions",
    "Paragraph",
    "PrincipleResult",
    "PrincipleVote",
    "Provenance",
    "QuestionAnswers",
    "ReferenceEntry",
    "StatisticEntry",
    "Submission",
    "TranslatedText",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Provenance(_Model):
    """Where something came from: the contributor and the cells (or JSON keys) it was read from."""

    contributor: str
    file: str
    sheet: str = ""
    cells: list[str] = Field(default_factory=list)


class TranslatedText(_Model):
    """A translation from the workspace's translations store (not from a workbook)."""

    text: str
    status: Literal["translated", "stale"] = Field(description="stale: made for an earlier version of the source.")


class Paragraph(_Model):
    """One contributor's answer to one question, in each language it was given in."""

    segment: str = Field(description="Translation segment id, e.g. 'MOLVT/answer/1a'.")
    contributor: str
    lead: bool = Field(description="The coordinator's text, placed first.")
    text: dict[str, str]
    objectives: list[int] = Field(default_factory=list)
    source: Provenance


class ActionEntry(_Model):
    segment: str = Field(description="Translation segment prefix, e.g. 'MOLVT/action/2' (+ '/title').")
    contributor: str
    action: Action
    source: Provenance


class ObjectiveActions(_Model):
    """The actions serving one objective, under question b of its cluster."""

    objective: int
    actions: list[ActionEntry]


class StatisticEntry(_Model):
    segment: str
    contributor: str
    statistic: Statistic
    source: Provenance


class QuestionAnswers(_Model):
    """Everything under one question of the form."""

    # Published in the submission's schema as "Answer", its first name (see gcmreview.schemas).
    model_config = ConfigDict(extra="forbid", title="Answer")

    question: str
    paragraphs: list[Paragraph] = Field(default_factory=list)
    actions: list[ObjectiveActions] = Field(default_factory=list)
    statistics: list[StatisticEntry] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.paragraphs or self.actions or self.statistics)


class PrincipleVote(_Model):
    segment: str
    contributor: str
    integrated: bool | None
    explanation: dict[str, str] = Field(default_factory=dict)
    source: Provenance


class PrincipleResult(_Model):
    """A row of the guiding-principles table, merged from every contributor's answer."""

    principle: str
    integrated: bool | None
    decided_by: Literal["agreement", "coordinator", "explanation", "unanswered"]
    disagreement: bool
    votes: list[PrincipleVote] = Field(default_factory=list)


class ReferenceEntry(_Model):
    """A source cited in the submission, merged across contributors (same key or same URL)."""

    id: str
    citation: str
    url: str = ""
    year: int | None = None
    cited_as: list[str] = Field(default_factory=list, description="'CODE:key' pairs that point here.")
    sources: list[Provenance] = Field(default_factory=list)


class Conflict(_Model):
    kind: Literal["principle", "reference"]
    message: str
    sources: list[Provenance]


class LeftOutEntry(_Model):
    """Input that does not appear in the submission, and why."""

    contributor: str
    file: str
    sheet: str = ""
    cell: str = ""
    value: str = ""
    reason: str


class ContributorEntry(_Model):
    code: str
    name: dict[str, str]
    coordinator: bool
    file: str | None = Field(description="The workbook read, or None when none was received.")
    identity: Identity | None = None
    source: Provenance | None = None


class Submission(_Model):
    """The national submission: what the renderers lay out."""

    survey: str
    country: Country
    languages: list[str]
    publish: bool
    contact: Contact
    contributors: list[ContributorEntry]
    institutions: list[Institution] = Field(default_factory=list, description="Partner institutions listed in review.toml.")
    answers: list[QuestionAnswers]
    principles: list[PrincipleResult]
    references: list[ReferenceEntry]
    citation_ids: dict[str, str] = Field(description="'CODE:key' -> reference id.")
    translations: dict[str, dict[str, TranslatedText]] = Field(
        default_factory=dict, description="Segment id -> language -> translation from the translations store."
    )
    conflicts: list[Conflict] = Field(default_factory=list)
    left_out: list[LeftOutEntry] = Field(default_factory=list)

    def names(self) -> Names:
        """The names of the contributors and listed institutions (see :class:`~gcmreview.names.Names`)."""
        return Names.of([*((c.code, c.name) for c in self.contributors), *((i.code, i.name) for i in self.institutions)])

    def answer(self, question: str) -> QuestionAnswers | None:
        return next((a for a in self.answers if a.question == question), None)

    def translated(self, segment: str, lang: str) -> TranslatedText | None:
        return self.translations.get(segment, {}).get(lang)

    def reference(self, contributor: str, key: str) -> ReferenceEntry | None:
        ref_id = self.citation_ids.get(f"{contributor}:{key}")
        return next((r for r in self.references if r.id == ref_id), None)
