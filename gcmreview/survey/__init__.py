"""Survey definitions and GCM reference data, loaded from the TOML files in ``data/``.

Stage: reference data. Nothing here is Python literals: the 23 objectives, the four
review clusters, the ten guiding principles (``gcm.toml``) and each survey version
(``<survey-id>.toml``) are data files, so a new survey version is a new data file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import Code, Diagnostic, GcmReviewError, Location, nearest

__all__ = [
    "Cluster",
    "ContactField",
    "GcmReference",
    "Objective",
    "Principle",
    "Question",
    "Survey",
    "available_surveys",
    "load_reference",
    "load_survey",
    "unknown_survey",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Objective(_Frozen):
    number: int = Field(ge=1)
    title: str


class Cluster(_Frozen):
    number: int = Field(ge=1)
    title: str
    objectives: tuple[int, ...]


class Principle(_Frozen):
    key: str
    paragraph: str = Field(description="Sub-paragraph of para 15, e.g. '(a)'.")
    name: str


class GcmReference(_Frozen):
    """The Global Compact's objectives, review clusters and guiding principles."""

    objectives: tuple[Objective, ...]
    clusters: tuple[Cluster, ...]
    principles: tuple[Principle, ...]

    def objective(self, number: int) -> Objective | None:
        return next((o for o in self.objectives if o.number == number), None)

    def cluster_of(self, objective: int) -> Cluster | None:
        return next((c for c in self.clusters if objective in c.objectives), None)

    @property
    def objective_numbers(self) -> frozenset[int]:
        return frozenset(o.number for o in self.objectives)


QuestionRole = Literal["trends", "actions", "gaps", "results", "principles", "open"]


class Question(_Frozen):
    """One question of the form, with its exact wording.

    ``role`` tells consolidation what else belongs under the question: statistics go
    to the ``trends`` question of their cluster, actions to the ``actions`` question.
    """

    id: str
    label: str = Field(description="The number or letter printed before the text, e.g. 'a.' or '6.'.")
    text: str = Field(description="The form's wording; **bold** marks the form's own emphasis.")
    role: QuestionRole = "open"
    cluster: int | None = None
    words: int = Field(default=500, description="Word guidance for the answer.")
    answer_prefix: str = Field(default="", description="Printed before the answer, e.g. 'Answer:'.")


class ContactField(_Frozen):
    key: str
    label: str


class ClusterSection(_Frozen):
    cluster: int
    intro: str
    questions: tuple[Question, ...]


class PrinciplesTable(_Frozen):
    question: Question
    header_principle: str
    header_integrated: str
    header_explanation: str
    yes: str
    no: str


class Survey(_Frozen):
    """A survey version: every fixed text of the form, in order."""

    id: str
    name: str
    year: int
    title: tuple[str, ...]
    mandate: tuple[str, ...]
    contact_intro: str
    contact_fields: tuple[ContactField, ...]
    return_line: str
    sharing_line: str
    sharing_yes: str
    sharing_no: str
    instructions_heading: str
    instructions: tuple[str, ...]
    objectives_label: str = Field(description="Printed before a cluster's objective numbers.")
    sections: tuple[ClusterSection, ...]
    principles: PrinciplesTable
    closing_intro: str
    closing_questions: tuple[Question, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question in form order: 1a-4d, 5, 6-10."""
        clusters = tuple(q for s in self.sections for q in s.questions)
        return (*clusters, self.principles.question, *self.closing_questions)

    @property
    def narrative_questions(self) -> tuple[Question, ...]:
        """The questions answered in prose (all but the principles table)."""
        return tuple(q for q in self.questions if q.role != "principles")

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


def _data_file(name: str) -> dict[str, object]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def load_reference() -> GcmReference:
    """The GCM reference data shipped with the package."""
    return GcmReference.model_validate(_data_file("gcm.toml"))


_REFERENCE_FILES = frozenset({"gcm.toml", "languages.toml"})
"""The data files that are not survey versions: the GCM's reference data and the languages."""


def available_surveys() -> tuple[str, ...]:
    """Ids of the survey versions shipped with the package."""
    folder = resources.files(__package__).joinpath("data")
    names = (p.name for p in folder.iterdir() if p.name.endswith(".toml"))
    return tuple(sorted(n.removesuffix(".toml") for n in names if n not in _REFERENCE_FILES))


def unknown_survey(survey_id: str) -> str:
    """What to say of a survey id gcmreview does not know."""
    known = available_surveys()
    return f"unknown survey '{survey_id}'{nearest(survey_id, known)}; known surveys: {', '.join(known)}"


@cache
def load_survey(survey_id: str) -> Survey:
    """Load a survey version by id (e.g. ``escap-2020``); GcmReviewError if unknown."""
    if survey_id not in available_surveys():
        detail = f"survey: {unknown_survey(survey_id)}."
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_VALUE, Location(key="survey"), detail=detail)])
    return Survey.model_validate(_data_file(f"{survey_id}.toml"))
