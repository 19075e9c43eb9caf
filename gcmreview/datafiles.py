"""Data files read into models (review.toml, JSON): pydantic's errors in our words.

Stage: shared by config (review.toml), the JSON import and the translation stores.
A validation error becomes a diagnostic naming the key path (``contributors[2].code``),
with a spelling hint for an unknown key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from .errors import Code, Diagnostic, GcmReviewError, Location, nearest

__all__ = ["load_json", "map_strings", "model_strings", "pydantic_diagnostics"]

M = TypeVar("M", bound=BaseModel)

_SHOWN = 80
"""Most characters of a wrong value a message quotes (a text of millions would flood the terminal)."""


def model_strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in a dumped model with its key path, e.g. ('answers[0].text.km', '...')."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in model_strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list | tuple):
        return [pair for i, v in enumerate(value) for pair in model_strings(v, f"{path}[{i}]")]
    return []


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
        found = repr(error["input"])
        message = f"{message} (found {found if len(found) <= _SHOWN else found[:_SHOWN - 3] + '...'})"
    return Code.CONFIG_VALUE, {"detail": f"{key}: {message}." if key else f"{message}."}


def pydantic_diagnostics(err: ValidationError, model: type[BaseModel], file: str, code: Code | None = None) -> list[Diagnostic]:
    """Every error of a pydantic validation, as diagnostics naming the key path.

    The codes are review.toml's (GCM30x); ``code`` gives them all one code instead
    (GCM401 for JSON files), with the same message.
    """
    out = []
    for error in err.errors():
        found, values = _friendly(error, model)
        diagnostic = Diagnostic.make(found, Location(file=file, key=_key_path(error["loc"])), **values)
        out.append(diagnostic if code is None else Diagnostic(code.code, code.severity, diagnostic.message, diagnostic.location))
    return out


def load_json(path: Path, model: type[M], display: str) -> M:
    """A JSON file validated as ``model``; GcmReviewError (GCM400 syntax, GCM401 values) with every problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GcmReviewError([Diagnostic.make(Code.JSON_SYNTAX, Location(file=display), detail=str(exc))]) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise GcmReviewError(pydantic_diagnostics(exc, model, display, Code.JSON_VALUE)) from None
