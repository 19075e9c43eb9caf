"""Review configuration: ``inputs/review.toml`` -> :class:`ReviewConfig`.

Stage: config. A review names its country, the survey version, its languages
(English plus one national language), the coordinating office (the survey's
contact block), whether the country agrees to publish, and its contributors.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .datafiles import pydantic_diagnostics
from .errors import Code, Diagnostic, GcmReviewError, Location
from .survey import Survey, available_surveys, load_survey, unknown_survey
from .survey.languages import languages, unknown_language

__all__ = ["CONFIG_NAME", "Contact", "Contributor", "Country", "ReviewConfig", "load_config", "load_review"]

CONFIG_NAME = "review.toml"
EMAIL_RE = re.compile(r'^[^@\s<>"]+@[^@\s<>"]+\.[A-Za-z]{2,}$')
CODE_RE = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Country(_Config):
    name: str = Field(min_length=1, description="Country name as printed on the form.")
    iso: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code, e.g. KHM; used in file names.")


class Contact(_Config):
    """The coordinating office: the survey's contact block."""

    office: str = Field(min_length=1)
    name: str = Field(min_length=1)
    position: str = ""
    email: str
    telephone: str = ""
    address: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError(f"'{value}' is not an e-mail address; write it as name@example.org")
        return value


class Contributor(_Config):
    """A ministry or office that fills one workbook."""

    code: str = Field(description="Short stable code, capitals, e.g. MOLVT; names the workbook file.")
    name: dict[str, str] = Field(description="Name in each language of the review.")
    order: int | None = Field(default=None, description="Position in the submission; list order if unset.")
    coordinator: bool = Field(default=False, description="The coordinating office: gives lead text and has the last word.")

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError(f"'{value}' is not a contributor code; use 2-16 capital letters, digits or hyphens, e.g. MOLVT")
        return value


class ReviewConfig(_Config):
    """A review workspace's settings (``inputs/review.toml``)."""

    country: Country
    survey: str = Field(description="Survey version id, e.g. escap-2020.")
    languages: tuple[str, ...] = Field(description="English first, then at most one national language.")
    publish: bool = Field(description="Whether the country agrees to share its report on the UN Network on Migration site.")
    contact: Contact
    contributors: tuple[Contributor, ...] = Field(min_length=1)

    @field_validator("survey")
    @classmethod
    def _survey(cls, value: str) -> str:
        if value not in available_surveys():
            raise ValueError(unknown_survey(value))
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if code not in languages():
                raise ValueError(unknown_language(code))
        if not value or value[0] != "en" or len(value) > 2 or len(set(value)) != len(value):
            raise ValueError('list English first, then at most one national language, e.g. ["en", "km"]')
        return value

    @model_validator(mode="after")
    def _contributors(self) -> ReviewConfig:
        codes = [c.code for c in self.contributors]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"contributor code {', '.join(dupes)} is listed twice; codes must be unique")
        if sum(c.coordinator for c in self.contributors) > 1:
            raise ValueError("more than one contributor has coordinator = true; mark only the coordinating office")
        for c in self.contributors:
            missing = [lang for lang in self.languages if not c.name.get(lang)]
            if missing:
                raise ValueError(f"contributor {c.code} has no name in {', '.join(missing)}; add name.{missing[0]}")
        return self

    @property
    def ordered_contributors(self) -> tuple[Contributor, ...]:
        """Contributors in submission order (``order``, then list order)."""
        indexed = list(enumerate(self.contributors))
        indexed.sort(key=lambda pair: (pair[1].order if pair[1].order is not None else pair[0], pair[0]))
        return tuple(c for _, c in indexed)

    @property
    def coordinator(self) -> Contributor | None:
        return next((c for c in self.contributors if c.coordinator), None)

    def contributor(self, code: str) -> Contributor | None:
        return next((c for c in self.contributors if c.code == code), None)


def load_config(workspace: Path, display: str | None = None) -> ReviewConfig:
    """Read and validate ``inputs/review.toml`` of a workspace; GcmReviewError on problems."""
    path = workspace / "inputs" / CONFIG_NAME
    file = display or f"inputs/{CONFIG_NAME}"
    if not path.is_file():
        hint = "Run `gcmreview new DIR` to create a workspace, or name the workspace folder on the command line."
        raise GcmReviewError([Diagnostic.make(Code.FILE_NOT_FOUND, Location(file=file), what="review.toml", hint=hint)])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_SYNTAX, Location(file=file), detail=str(exc))]) from None
    try:
        return ReviewConfig.model_validate(data)
    except ValidationError as exc:
        raise GcmReviewError(pydantic_diagnostics(exc, ReviewConfig, file)) from None


def load_review(workspace: Path) -> tuple[ReviewConfig, Survey]:
    """A workspace's ``review.toml`` and the survey version it names; GcmReviewError on problems."""
    review = load_config(workspace)
    return review, load_survey(review.survey)
