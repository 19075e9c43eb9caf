"""The contribution model: what one ministry's workbook says, as data.

Stage: the common language between the workbook reader, validation, the JSON
import/export and consolidation. The models hold only what a contributor wrote;
where each value came from (file, sheet, cell) travels beside them in a
:class:`~gcmreview.workbook.layout.SourceMap`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "ACTION_STATUSES",
    "ACTION_TYPES",
    "FIRST_YEAR",
    "LAST_YEAR",
    "SEXES",
    "YEARS",
    "Action",
    "Answer",
    "Contribution",
    "Identity",
    "PrincipleAnswer",
    "Reference",
    "Statistic",
]

ActionType = Literal["Policy", "Law", "Regulation", "Plan", "Programme", "Agreement", "Other"]
ActionStatus = Literal["Planned", "In progress", "Completed"]
Sex = Literal["Total", "Female", "Male"]

FIRST_YEAR, LAST_YEAR = 1945, 2100
"""The years a contribution may name (actions, statistics, references)."""
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)

ACTION_TYPES: tuple[str, ...] = get_args(ActionType)
ACTION_STATUSES: tuple[str, ...] = get_args(ActionStatus)
SEXES: tuple[str, ...] = get_args(Sex)


def _drop_empty(texts: dict[str, str]) -> dict[str, str]:
    return {lang: text for lang, text in texts.items() if text}


Texts = Annotated[dict[str, str], AfterValidator(_drop_empty)]
"""Text per language code, e.g. ``{"en": "...", "km": "..."}``; empty texts are left out."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Identity(_Model):
    """Who filled the workbook."""

    ministry: str = Field(description="Ministry or institution, as it should be credited.")
    department: str = ""
    contact_person: str
    position: str = ""
    email: str
    phone: str = ""
    date: dt.date | None = Field(default=None, description="Date the workbook was completed.")


class Answer(_Model):
    """A narrative answer to one question (1a-4d, 6-10)."""

    question: str = Field(description="Question id, e.g. '1a' or '7'.")
    objectives: list[int] = Field(default_factory=list, description="GCM objectives the answer touches.")
    text: Texts = Field(default_factory=dict, description="The answer in each language of the review.")


class Action(_Model):
    """A policy, law, programme or agreement the contributor reports."""

    type: ActionType
    title: str
    year: int | None = None
    status: ActionStatus | None = None
    objectives: list[int] = Field(description="GCM objectives the action serves.")
    lead: str = Field(default="", description="Lead agency.")
    partners: str = Field(default="", description="Partner agencies, free text.")
    description: str = ""
    results: str = ""


class PrincipleAnswer(_Model):
    """One row of the guiding-principles table (question 5)."""

    principle: str = Field(description="Principle key, e.g. 'people-centred'.")
    integrated: bool | None = None
    explanation: Texts = Field(default_factory=dict)


class Statistic(_Model):
    """A figure reported under question a of the cluster of its objectives."""

    indicator: str
    objectives: list[int] = Field(default_factory=list)
    value: int | float
    unit: str = ""
    year: int | None = None
    sex: Sex | None = None
    age_group: str = ""
    nationality: str = ""
    source: str = Field(default="", description="Source, may cite a reference as [@key].")


class Reference(_Model):
    """A source that answers cite inline as ``[@key]``."""

    key: str
    citation: str
    url: str = ""
    year: int | None = None


class Contribution(_Model):
    """Everything one contributor (ministry) sends in one workbook."""

    survey: str = Field(description="Survey id the workbook was made for, e.g. 'escap-2020'.")
    contributor: str = Field(description="Contributor code from review.toml, e.g. 'MOLVT'.")
    identity: Identity
    answers: list[Answer] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    principles: list[PrincipleAnswer] = Field(default_factory=list)
    statistics: list[Statistic] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
