"""Review configuration: ``inputs/review.toml`` -> :class:`ReviewConfig`.

Stage: config. A review names its country, the survey version, its languages
(English plus one national language), the coordinating office (the survey's
contact block), whether the country agrees to publish, and its contributors.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import Code, Diagnostic, GcmReviewError, Location, nearest
from .survey import available_surveys
from .survey.languages import languages

__all__ = ["CONFIG_NAME", "Contact", "Contributor", "Country", "ReviewConfig", "load_config", "pydantic_diagnostics"]

CONFIG_NAME = "review.toml"
EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}$")
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
        known = available_surveys()
        if value not in known:
            raise ValueError(f"unknown survey '{value}'{nearest(value, known)}; known surveys: {', '.join(known)}")
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = languages()
        for code in value:
            if code not in known:
                raise ValueError(f"unknown language '{code}'{nearest(code, known)}; known: {', '.join(known)}")
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
    def national_language(self) -> str | None:
        return self.languages[1] if len(self.languages) > 1 else None

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


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The (nested) model that a pydantic location points into, for spelling hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None:
            return None
        annotation = field.annotation
        args = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        current = args[0] if args else annotation
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _key_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as a TOML/JSON key path, e.g. contributors[2].code."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _friendly(error: Any, model: type[BaseModel]) -> tuple[Code, dict[str, str]]:
    """Translate one pydantic error into our wording."""
    loc = error["loc"]
    key = _key_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        siblings: list[str] = list(parent.model_fields) if parent else []
        return Code.CONFIG_UNKNOWN_KEY, {"key": key, "suggestion": nearest(str(loc[-1]), siblings)}
    if kind == "missing":
        return Code.CONFIG_MISSING_KEY, {"key": key, "hint": "Add it; see README.md for an example."}
    message = str(error["msg"]).removeprefix("Value error, ")
    if error.get("input") is not None and kind not in ("value_error",) and not isinstance(error["input"], dict):
        message = f"{message} (found {error['input']!r})"
    return Code.CONFIG_VALUE, {"detail": f"{key}: {message}." if key else f"{message}."}


def pydantic_diagnostics(err: ValidationError, model: type[BaseModel], file: str) -> list[Diagnostic]:
    """Every error of a pydantic validation, as diagnostics naming the key path."""
    out = []
    for error in err.errors():
        code, values = _friendly(error, model)
        out.append(Diagnostic.make(code, Location(file=file, key=_key_path(error["loc"])), **values))
    return out


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
