"""Review configuration: ``inputs/review.toml`` -> :class:`ReviewConfig`.

Stage: config. A review names its country, the survey version, its languages
(English plus one national language), the coordinating office (the survey's
contact block), whether the country agrees to publish, and its contributors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .datafiles import LOCATED, character_diagnostics, pydantic_diagnostics
from .errors import Code, Diagnostic, GcmReviewError, Location
from .names import Names
from .safeparse import MAX_TOML_BYTES, parse_toml, read_text
from .survey import Survey, available_surveys, load_survey, unknown_survey
from .survey.languages import languages, unknown_language

__all__ = [
    "CONFIG_NAME", "CONTACT_TEXTS", "Contact", "Contributor", "Country", "Institution", "ReviewConfig", "config_text", "in_language",
    "load_config", "load_review", "parse_config",
]

CONFIG_NAME = "review.toml"
EMAIL_RE = re.compile(r'^[^@\s<>"]+@[^@\s<>"]+\.[A-Za-z]{2,}$')
CODE_RE = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")


LocalText = dict[str, str]
"""A text in each language of the review, by language code (``{"en": "Cambodia", "km": "កម្ពុជា"}``)."""

_LOCAL_FIELDS = {"country": (("name", True),), "contact": (("office", True), ("name", True), ("position", False), ("address", False))}
"""The texts of review.toml given per language: (table, ((key, required), ...))."""
CONTACT_TEXTS = _LOCAL_FIELDS["contact"]
"""The texts of the contact block, given per language: ((key, required), ...)."""


def in_language(texts: Mapping[str, str], lang: str) -> str:
    """A per-language text in ``lang``, else in English, else in the first language it has."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


Problems = list[tuple[tuple[str | int, ...], str]]
"""Problems a validator found: (key path below the value it checks, message)."""


def _refuse(problems: Problems) -> None:
    """Raise the problems as one error that :func:`~gcmreview.datafiles.pydantic_diagnostics` reports at their key paths."""
    if problems:
        summary = "; ".join(message for _, message in problems)
        raise PydanticCustomError(LOCATED, "{summary}", {"summary": summary, "problems": problems})


def _text_problems(at: tuple[str | int, ...], what: str, texts: Mapping[str, str], required: bool,
                   langs: tuple[str, ...]) -> Problems:
    """A per-language text names only the review's languages and, when given (or required), every one of them."""
    other = sorted(set(texts) - set(langs))
    if other:
        return [((*at, other[0]), f"{what} has a text in '{other[0]}', which is not a language of this review {list(langs)}")]
    if not required and not any(v.strip() for v in texts.values()):
        return []
    missing = [lang for lang in langs if not texts.get(lang, "").strip()]
    if missing:
        key = at[-1]
        return [((*at, missing[0]), f"{what} has no text in {', '.join(missing)}; add {key}.{missing[0]}, or write one text "
                 f'for every language: {key} = "..."')]
    return []


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Country(_Config):
    name: LocalText = Field(min_length=1, description="Country name as printed on the form, in each language of the review.")
    iso: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code, e.g. KHM; used in file names.")


class Contact(_Config):
    """The coordinating office: the survey's contact block. Its texts are given per language."""

    office: LocalText = Field(min_length=1)
    name: LocalText = Field(min_length=1)
    position: LocalText = Field(default_factory=dict)
    email: str
    telephone: str = ""
    address: LocalText = Field(default_factory=dict)

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


class Institution(_Config):
    """A partner institution that actions name as lead or partner, with its name in each language."""

    name: LocalText = Field(min_length=1, description="Name in each language of the review.")
    code: str = Field(default="", description="Optional short name contributors may write instead, e.g. IOM.")


class ReviewConfig(_Config):
    """A review workspace's settings (``inputs/review.toml``)."""

    country: Country
    survey: str = Field(description="Survey version id, e.g. escap-2020.")
    languages: tuple[str, ...] = Field(description="English first, then at most one national language.")
    publish: bool = Field(description="Whether the country agrees to share its report on the UN Network on Migration site.")
    contact: Contact
    contributors: tuple[Contributor, ...] = Field(min_length=1)
    institutions: tuple[Institution, ...] = Field(
        default=(), description="Partner institutions the workbook offers for an action's lead and partners."
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_texts(cls, data: Any) -> Any:
        """A plain string where a text per language is expected is the same text in every language of the review."""
        if not isinstance(data, dict):
            return data
        langs = data.get("languages")
        if not (isinstance(langs, list | tuple) and langs and all(isinstance(x, str) for x in langs)):
            langs = ["en"]
        out = dict(data)
        for table, keys in _LOCAL_FIELDS.items():
            if isinstance(out.get(table), dict):
                section = dict(out[table])
                for key, _ in keys:
                    if isinstance(section.get(key), str):
                        section[key] = {lang: section[key] for lang in langs} if section[key] else {}
                out[table] = section
        return out

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

    # Each check below names the settings it finds wrong by their key paths (see LOCATED). They are field
    # validators, which run as soon as their field (and the languages, declared before them) are valid, so
    # that a wrong e-mail address does not hide a contributor's missing name: every problem is found at once.

    @field_validator("contact")
    @classmethod
    def _contact_texts(cls, value: Contact, info: ValidationInfo) -> Contact:
        langs = info.data.get("languages")
        if langs:
            _refuse([p for key, required in _LOCAL_FIELDS["contact"]
                     for p in _text_problems((key,), f"[contact] {key}", getattr(value, key), required, langs)])
        return value

    @field_validator("contributors")
    @classmethod
    def _contributors(cls, value: tuple[Contributor, ...], info: ValidationInfo) -> tuple[Contributor, ...]:
        problems: Problems = []
        codes: set[str] = set()
        for n, c in enumerate(value):
            if c.code in codes:
                problems.append(((n, "code"), f"contributor code {c.code} is listed twice; codes must be unique"))
            codes.add(c.code)
        coordinators = [n for n, c in enumerate(value) if c.coordinator]
        problems += [((n, "coordinator"), "more than one contributor has coordinator = true; mark only the coordinating office")
                     for n in coordinators[1:]]
        for n, c in enumerate(value):
            missing = [lang for lang in info.data.get("languages", ()) if not c.name.get(lang)]
            if missing:
                problems.append(((n, "name", missing[0]), f"contributor {c.code} has no name in {', '.join(missing)}; add name.{missing[0]}"))
        _refuse(problems)
        return value

    @field_validator("institutions")
    @classmethod
    def _institutions(cls, value: tuple[Institution, ...], info: ValidationInfo) -> tuple[Institution, ...]:
        problems: Problems = []
        codes = {c.code for c in info.data.get("contributors", ())}
        for n, institution in enumerate(value):
            if institution.code and institution.code in codes:
                problems.append(((n, "code"), f"the code {institution.code} is given to two institutions or contributors; codes must be unique"))
            codes.add(institution.code)
        langs = info.data.get("languages", ())
        for n, institution in enumerate(value if langs else ()):
            what = f"institution {n + 1} ({in_language(institution.name, 'en')}): name"
            problems += _text_problems((n, "name"), what, institution.name, True, langs)
        _refuse(problems)
        return value

    @model_validator(mode="after")
    def _country_texts(self) -> ReviewConfig:
        """The country's name (declared before the languages, so checked once all is valid)."""
        _refuse([(("country", *where), message) for key, required in _LOCAL_FIELDS["country"]
                 for where, message in _text_problems((key,), f"[country] {key}", getattr(self.country, key), required, self.languages)])
        return self

    @property
    def ordered_contributors(self) -> tuple[Contributor, ...]:
        """Contributors in submission order (``order``, then list order)."""
        indexed = list(enumerate(self.contributors))
        indexed.sort(key=lambda pair: (pair[1].order if pair[1].order is not None else pair[0], pair[0]))
        return tuple(c for _, c in indexed)

    @property
    def names(self) -> Names:
        """The names of the review's contributors and listed institutions, to recognise them in leads and partners."""
        return Names.of([*((c.code, c.name) for c in self.contributors), *((i.code, i.name) for i in self.institutions)])

    @property
    def coordinator(self) -> Contributor | None:
        return next((c for c in self.contributors if c.coordinator), None)

    def contributor(self, code: str) -> Contributor | None:
        return next((c for c in self.contributors if c.code == code), None)


def load_config(workspace: Path, display: str | None = None) -> ReviewConfig:
    """Read and validate ``inputs/review.toml`` of a workspace; GcmReviewError on problems."""
    file = display or f"inputs/{CONFIG_NAME}"
    return parse_config(config_text(workspace, file), file)


def config_text(workspace: Path, display: str) -> str:
    """The text of a workspace's review.toml, read as :func:`load_config` reads it; GcmReviewError if it cannot be."""
    path = workspace / "inputs" / CONFIG_NAME
    if not path.is_file():
        hint = "Run `gcmreview new DIR` to create a workspace, or name the workspace folder on the command line."
        raise GcmReviewError([Diagnostic.make(Code.FILE_NOT_FOUND, Location(file=display), what="review.toml", hint=hint)])
    try:
        return read_text(path, display, MAX_TOML_BYTES)
    except OSError as exc:
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_SYNTAX, Location(file=display), detail=str(exc))]) from None


def parse_config(text: str, file: str = f"inputs/{CONFIG_NAME}") -> ReviewConfig:
    """The text of a review.toml, parsed and validated; GcmReviewError with every problem, named ``file`` and key path."""
    data = parse_toml(text, file)
    characters = character_diagnostics(data, lambda key: Location(file=file, key=key))  # as in a workbook's cells
    try:
        review = ReviewConfig.model_validate(data)
    except ValidationError as exc:
        raise GcmReviewError(characters + pydantic_diagnostics(exc, ReviewConfig, file)) from None
    if characters:
        raise GcmReviewError(characters)
    return review


def load_review(workspace: Path) -> tuple[ReviewConfig, Survey]:
    """A workspace's ``review.toml`` and the survey version it names; GcmReviewError on problems."""
    review = load_config(workspace)
    return review, load_survey(review.survey)
