"""Data files read into models (review.toml, JSON): pydantic's errors in our words.

Stage: shared by config (review.toml), the JSON import and the translation stores.
A validation error becomes a diagnostic naming the key path (``contributors[2].code``),
with a spelling hint for an unknown key.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from .chars import bad_characters, codepoint
from .errors import Code, Diagnostic, GcmReviewError, Location, nearest
from .safeparse import MAX_JSON_BYTES, MAX_PROBLEMS, key_path, parse_json, read_text

__all__ = ["LOCATED", "character_diagnostics", "load_json", "map_strings", "model_strings", "pydantic_diagnostics"]

M = TypeVar("M", bound=BaseModel)

LOCATED = "located"
"""The type of a model validator's error that names its settings: its context's ``problems`` are
(key path below the model, message) pairs, each reported at its own key path."""

_SHORT = reprlib.Repr()
"""The value a message quotes, cut short: a setting may be a text of a million characters."""
_SHORT.maxstring = _SHORT.maxother = 80


def model_strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in a dumped model with its key path, e.g. ('answers[0].text.km', '...')."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in model_strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list | tuple):
        return [pair for i, v in enumerate(value) for pair in model_strings(v, f"{path}[{i}]")]
    return []


def character_diagnostics(value: Any, where: Callable[[str], Location]) -> list[Diagnostic]:
    """GCM213 for every string of ``value`` (a data file or dumped model) that holds a character no document may hold.

    The one rule for text from every source: workbook cells, review.toml, a JSON import,
    the translation stores. ``where`` locates a key path (``contributors[1].name.en``).
    """
    out = []
    for path, text in model_strings(value):
        bad = bad_characters(text)
        if bad:
            out.append(Diagnostic.make(Code.BAD_CHARACTER, where(path), char=", ".join(sorted({codepoint(c) for c in bad}))))
    return out


def map_strings(value: Any, change: Callable[[str], str], keep: frozenset[str] = frozenset()) -> Any:
    """A dumped model with ``change`` applied to every string value (not to keys, nor under the keys in ``keep``)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: v if k in keep else map_strings(v, change, keep) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(map_strings(v, change, keep) for v in value)
    return value


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


def _friendly(error: Any, model: type[BaseModel]) -> tuple[Code, dict[str, str]]:
    """Translate one pydantic error into our wording."""
    loc = error["loc"]
    key = key_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        siblings: list[str] = list(parent.model_fields) if parent else []
        return Code.CONFIG_UNKNOWN_KEY, {"key": key, "suggestion": nearest(str(loc[-1]), siblings)}
    if kind == "missing":
        return Code.CONFIG_MISSING_KEY, {"key": key, "hint": "Add it; see README.md for an example."}
    message = str(error["msg"]).removeprefix("Value error, ")
    if error.get("input") is not None and kind not in ("value_error",) and not isinstance(error["input"], dict):
        message = f"{message} (found {_SHORT.repr(error['input'])})"
    return Code.CONFIG_VALUE, {"detail": f"{key}: {message}." if key else f"{message}."}


def pydantic_diagnostics(err: ValidationError, model: type[BaseModel], file: str, code: Code | None = None) -> list[Diagnostic]:
    """Every error of a pydantic validation, as diagnostics naming the key path.

    The codes are review.toml's (GCM30x); ``code`` gives them all one code instead
    (GCM401 for JSON files), with the same message. The first MAX_PROBLEMS are listed,
    then how many more there are.
    """
    out = []
    errors = [one for error in err.errors(include_url=False) for one in _located(error)]
    for error in errors[:MAX_PROBLEMS]:
        found, values = _friendly(error, model)
        diagnostic = Diagnostic.make(found, Location(file=file, key=key_path(error["loc"])), **values)
        out.append(diagnostic if code is None else Diagnostic(code.code, code.severity, diagnostic.message, diagnostic.location))
    if len(errors) > MAX_PROBLEMS:
        more = Code.CONFIG_MORE if code is None else Code.JSON_MORE
        out.append(Diagnostic.make(more, Location(file=file), count=f"{len(errors) - MAX_PROBLEMS:,}"))
    return out


def _located(error: Any) -> list[Any]:
    """A :data:`LOCATED` error as one value error per problem at its own key path; any other error as it is."""
    if error["type"] != LOCATED:
        return [error]
    return [{"type": "value_error", "loc": (*error["loc"], *where), "msg": message, "input": None}
            for where, message in error["ctx"]["problems"]]


def load_json(path: Path, model: type[M], display: str) -> M:
    """A JSON file validated as ``model``; GcmReviewError (GCM400 syntax, GCM401 values, GCM116/117, GCM402-405) with every problem."""
    try:
        text = read_text(path, display, MAX_JSON_BYTES)
    except OSError as exc:
        raise GcmReviewError([Diagnostic.make(Code.JSON_SYNTAX, Location(file=display), detail=str(exc))]) from None
    data = parse_json(text, display)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise GcmReviewError(pydantic_diagnostics(exc, model, display, Code.JSON_VALUE)) from None
