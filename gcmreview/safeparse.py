"""Data files parsed safely: every JSON and TOML file a user may hand the tool.

Stage: shared by config (``review.toml``), the JSON import, the translation store
and the build cache. :func:`read_text` reads a bounded number of bytes as UTF-8
(a byte order mark, as Windows Notepad writes, is accepted); :func:`parse_json` and
:func:`parse_toml` parse it without ever raising anything but
:class:`~.errors.GcmReviewError`: data nested deeper than :data:`MAX_DEPTH`, numbers
no document or spreadsheet can hold (NaN, infinities, more than about 1.8e308,
thousands of digits, a non-zero number too small to be told from 0) and, in JSON, a
key given twice in one object are refused, each named by its key path (or line).
"""

from __future__ import annotations

import codecs
import json
import math
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chars import visible
from .errors import Code, Diagnostic, GcmReviewError, Location

__all__ = ["MAX_DEPTH", "MAX_JSON_BYTES", "MAX_PROBLEMS", "MAX_TOML_BYTES", "MAX_VALUES", "decode", "key_path", "parse_json", "parse_toml", "read_text"]

MAX_DEPTH = 64
"""Levels of nesting a data file may have; gcmreview's own files have at most six."""
MAX_JSON_BYTES = 16 * 1024 * 1024
"""The largest JSON file read: hundreds of times a real contribution, and read in well under 1 GB."""
MAX_TOML_BYTES = 1024 * 1024
"""The largest review.toml read: a review with hundreds of institutions needs less than a tenth of it."""
MAX_VALUES = 300_000
"""The most values (numbers, texts, lists, objects) a data file may hold, as a workbook holds at most 300,000 cells."""
MAX_PROBLEMS = 50
"""Problems of one kind listed per file; the rest are counted."""
_MAX_DIGITS = len(str(int(sys.float_info.max)))
"""Digits of the largest number a spreadsheet or document holds (about 1.8e308)."""


@dataclass(frozen=True)
class _Codes:
    """The diagnostics of one kind of file."""

    syntax: Code
    deep: Code
    number: Code
    duplicate: Code | None
    more: Code


_JSON = _Codes(Code.JSON_SYNTAX, Code.JSON_TOO_DEEP, Code.JSON_NUMBER, Code.JSON_DUPLICATE_KEY, Code.JSON_MORE)
_TOML = _Codes(Code.CONFIG_SYNTAX, Code.CONFIG_TOO_DEEP, Code.CONFIG_NUMBER, None, Code.CONFIG_MORE)


def read_text(path: Path, display: str, limit: int) -> str:
    """A file's text (UTF-8, with or without a byte order mark); GcmReviewError if larger than ``limit`` bytes or not UTF-8.

    OSError is left to the caller, who knows what the file is for.
    """
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        detail = f"it is more than {limit:,} bytes, far more than a file of this kind needs"
        raise GcmReviewError([Diagnostic.make(Code.DATA_TOO_LARGE, Location(file=display), detail=detail)])
    return decode(data, display)


def decode(data: bytes, display: str) -> str:
    """UTF-8 bytes as text (one leading byte order mark dropped); GcmReviewError naming what else they are."""
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            raise GcmReviewError([Diagnostic.make(Code.NOT_UTF8, Location(file=display), detail=f"it is saved as {name}")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace")
        detail = f"the byte 0x{data[exc.start]:02X}{_at(before, len(before))} is not UTF-8"
        raise GcmReviewError([Diagnostic.make(Code.NOT_UTF8, Location(file=display), detail=detail)]) from None


def key_path(loc: tuple[int | str, ...]) -> str:
    """A location in parsed data as a TOML/JSON key path, e.g. contributors[2].code.

    Control characters are made visible; a long key, or a path of more than ten levels, is cut short with '…'.
    """
    out = ""
    for part in loc[:10]:
        key = part if len(str(part)) <= 64 else f"{str(part)[:60]}…"
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return visible(out + ("…" if len(loc) > 10 else ""))


def _at(text: str, offset: int) -> str:
    """' at line L, column C' of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return f" at line {line}, column {offset - text.rfind(chr(10), 0, offset)}"


# ---------------------------------------------------------------- JSON


class _Refused(str):
    """A number the parser would not turn into a value (its text), kept in its place to be reported with its key path."""

    __slots__ = ()


class _Twice(dict[str, Any]):
    """An object in which some key is given twice."""

    def __init__(self, pairs: list[tuple[str, Any]], keys: list[str]) -> None:
        super().__init__(pairs)
        self.keys_twice = keys


class _TooMany(Exception):
    """The parser met more than MAX_VALUES numbers, objects and keys: the file is refused without reading on."""


class _Hooks:
    """What the JSON parser calls for each object and number of one text, counting them."""

    def __init__(self) -> None:
        self.count = 0

    def _counted(self, n: int) -> None:
        self.count += n
        if self.count > MAX_VALUES:
            raise _TooMany

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        self._counted(len(pairs) + 1)
        found = dict(pairs)
        if len(found) == len(pairs):
            return found
        return _Twice(pairs, [key for key, count in Counter(key for key, _ in pairs).items() if count > 1])

    def int(self, text: str) -> int | _Refused:
        self._counted(1)
        return _Refused(text) if len(text) > _MAX_DIGITS + 1 else int(text)

    def float(self, text: str) -> float | _Refused:
        self._counted(1)
        value = float(text)
        if not math.isfinite(value) or (value == 0 and re.search(r"[1-9]", text.partition("e")[0].partition("E")[0])):
            return _Refused(text)
        return value

    def constant(self, text: str) -> _Refused:
        self._counted(1)
        return _Refused(text)


def parse_json(text: str, display: str) -> Any:
    """The data of a JSON text; GcmReviewError (GCM400, GCM116, GCM402-GCM405) naming the file and where in it."""
    hooks = _Hooks()
    try:
        data = json.loads(text, object_pairs_hook=hooks.pairs, parse_int=hooks.int, parse_float=hooks.float, parse_constant=hooks.constant)
    except _TooMany:
        raise GcmReviewError([_too_many(display)]) from None
    except RecursionError:
        raise GcmReviewError([_too_deep(_JSON, display, text, _JSON_TOKENS)]) from None
    except json.JSONDecodeError as exc:
        raise GcmReviewError([Diagnostic.make(Code.JSON_SYNTAX, Location(file=display), detail=str(exc))]) from None
    _refuse(_problems(data, display, _JSON))
    return data


# ---------------------------------------------------------------- TOML

_TOML_KEY = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_DOTTED_RE = re.compile(rf"(?:^|[{{,])[ \t]*+\[*+[ \t]*+{_TOML_KEY}(?:[ \t]*+\.[ \t]*+{_TOML_KEY}){{{MAX_DEPTH},}}", re.MULTILINE)
"""A key of more than MAX_DEPTH dotted parts (tomllib takes time quadratic in their number)."""
_LONG_INT_RE = re.compile(r"(?<![\w.])[+-]?[0-9][0-9_]{4000,}")
"""A decimal integer of thousands of digits (tomllib cannot convert more than 4,300)."""


def parse_toml(text: str, display: str) -> dict[str, Any]:
    """The data of review.toml's text; GcmReviewError (GCM300, GCM304-GCM306) naming the file and where in it."""
    dotted = _DOTTED_RE.search(text)
    if dotted:
        offset = dotted.start() + len(dotted.group()) - len(dotted.group().lstrip("{, \t["))
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_TOO_DEEP, Location(file=display), limit=MAX_DEPTH, where=_at(text, offset))])
    try:
        data = tomllib.loads(text, parse_float=_Hooks().float)
    except tomllib.TOMLDecodeError as exc:
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_SYNTAX, Location(file=display), detail=str(exc))]) from None
    except RecursionError:
        raise GcmReviewError([_too_deep(_TOML, display, text, _TOML_TOKENS)]) from None
    except ValueError:  # an integer of more than 4,300 digits
        long = _LONG_INT_RE.search(text)
        number, where = (_shown(long.group()), _at(text, long.start())) if long else ("of more than 4,300 digits", "")
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_NUMBER, Location(file=display), number=number, where=where)]) from None
    _refuse(_problems(data, display, _TOML))
    return data


# ---------------------------------------------------------------- what both refuse

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*+"|[\[\]{}]')
_TOML_TOKENS = re.compile(r"""#[^\n]*+|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+'|[\[\]{}]""")


def _too_deep(codes: _Codes, display: str, text: str, tokens: re.Pattern[str]) -> Diagnostic:
    """Nesting too deep for the parser itself, located by counting brackets outside strings."""
    depth, where = 0, ""
    for token in tokens.finditer(text):
        bracket = token.group()
        depth += 1 if bracket in "[{" else -1 if bracket in "]}" else 0
        if depth > MAX_DEPTH:
            where = _at(text, token.start())
            break
    return Diagnostic.make(codes.deep, Location(file=display), limit=MAX_DEPTH, where=where)


def _shown(number: str) -> str:
    """A number as a message shows it: whole if short, else its start and how many digits it has."""
    return number if len(number) <= 24 else f"{number[:12]}…{number[-4:]} ({len(number):,} characters)"


def _children(value: Any) -> Iterator[tuple[int | str, Any]] | None:
    if isinstance(value, dict):
        return iter(value.items())
    return enumerate(value) if isinstance(value, list) else None


def _nodes(data: Any) -> Iterator[tuple[Any, tuple[int | str, ...]]]:
    """Every value of parsed data with its key path, depth first, in document order, iteratively."""
    yield data, ()
    stack: list[tuple[tuple[int | str, ...], Iterator[tuple[int | str, Any]]]] = []
    children = _children(data)
    if children is not None:
        stack.append(((), children))
    while stack:
        path, children = stack[-1]
        step = next(children, None)
        if step is None:
            stack.pop()
            continue
        key, value = step
        yield value, (*path, key)
        grandchildren = _children(value) if len(path) + 1 < MAX_DEPTH else None
        if grandchildren is not None:
            stack.append(((*path, key), grandchildren))


def _problem(value: Any, path: tuple[int | str, ...], codes: _Codes, display: str) -> list[Diagnostic]:
    """What is wrong with one value of parsed data (nothing, mostly)."""
    where = Location(file=display, key=key_path(path))
    if isinstance(value, dict | list):
        if len(path) >= MAX_DEPTH and value:
            return [Diagnostic.make(codes.deep, where, limit=MAX_DEPTH, where="")]
        if isinstance(value, _Twice) and codes.duplicate is not None:
            return [Diagnostic.make(codes.duplicate, Location(file=display, key=key_path((*path, k))), key=k) for k in value.keys_twice]
        return []
    return [Diagnostic.make(codes.number, where, number=_shown(str(value)), where="")]


def _suspect(value: Any, path: tuple[int | str, ...]) -> bool:
    """Whether :func:`_problem` may find something wrong with a value: cheap, as it is asked of every value."""
    if isinstance(value, str):
        return isinstance(value, _Refused)
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, int):
        return not isinstance(value, bool) and abs(value) > sys.float_info.max
    return isinstance(value, _Twice) or (len(path) >= MAX_DEPTH and isinstance(value, dict | list) and bool(value))


def _too_many(display: str) -> Diagnostic:
    detail = f"it holds more than {MAX_VALUES:,} values, far more than a file of this kind needs"
    return Diagnostic.make(Code.DATA_TOO_LARGE, Location(file=display), detail=detail)


def _problems(data: Any, display: str, codes: _Codes) -> list[Diagnostic]:
    """Every problem of parsed data: the first MAX_PROBLEMS, then how many more there are."""
    found: list[Diagnostic] = []
    more = 0
    for count, (value, path) in enumerate(_nodes(data)):
        if count == MAX_VALUES:
            return [_too_many(display)]
        if not _suspect(value, path):
            continue
        if len(found) < MAX_PROBLEMS:
            found += _problem(value, path, codes, display)
        else:
            more += len(value.keys_twice) if isinstance(value, _Twice) else 1
    if len(found) > MAX_PROBLEMS:
        more += len(found) - MAX_PROBLEMS
        del found[MAX_PROBLEMS:]
    if more:
        found.append(Diagnostic.make(codes.more, Location(file=display), count=f"{more:,}"))
    return found


def _refuse(problems: list[Diagnostic]) -> None:
    if problems:
        raise GcmReviewError(problems)
