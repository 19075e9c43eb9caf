"""Generators of hostile data files (JSON and TOML), for tests/test_hostile_data.py.

Every generator writes one file in a temporary folder, in well under a second. The
classes: data nested 100,000 levels deep (JSON arrays; TOML arrays, inline tables and a
table header of 500,000 dotted keys); numbers no document holds (a 5,000-digit integer,
NaN, Infinity, 1e400, 1e-400, an integer beyond 1.8e308); a JSON key given twice in one
object; floods (16 MB of JSON holding millions of empty objects, JSON over 16 MB, a
review.toml over 1 MB, a setting of 100,000 characters); encodings no editor shows (a UTF-8 byte order mark, UTF-16);
and build cache entries rewritten with all of these, their checksums made to match.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "CACHE_POISONS",
    "deep_json",
    "deep_toml",
    "dotted_toml",
    "json_flood",
    "json_members",
    "oversized_json",
    "oversized_toml",
    "poison_cache",
    "raw_json",
    "toml_big_integer",
    "toml_long_text",
    "toml_utf16",
    "toml_with_bom",
]

DIGITS = "9" * 5000
"""An integer of 5,000 digits: more than Python converts (4,300) without being told to."""


# ---------------------------------------------------------------- JSON


def raw_json(path: Path, data: Any, raw: Mapping[str, str]) -> Path:
    """``data`` as JSON with each string value ``"<name>"`` replaced by the raw JSON text ``raw[name]`` (NaN, 1e400...)."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for name, value in raw.items():
        placeholder = json.dumps(f"<{name}>")
        assert placeholder in text, f"no placeholder {placeholder}"
        text = text.replace(placeholder, value)
    path.write_text(text, encoding="utf-8")
    return path


def json_members(members: list[tuple[str, Any]]) -> str:
    """A JSON object of these members in this order, a key given twice if it is listed twice."""
    return "{" + ", ".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in members) + "}"


def deep_json(path: Path, levels: int = 100_000, before: str = "", after: str = "") -> Path:
    """A JSON text nesting ``levels`` arrays (``before`` and ``after`` around them, e.g. an object's start and end)."""
    path.write_text(before + "[" * levels + "]" * levels + after, encoding="utf-8")
    return path


def json_flood(path: Path, size: int = 16 * 1024 * 1024 - 1024) -> Path:
    """A contribution whose answers are millions of empty objects, just under ``size`` bytes."""
    head, unit, tail = '{"answers": [', "{},", "{}]}"
    path.write_text(head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail, encoding="utf-8")
    return path


def oversized_json(path: Path, size: int = 16 * 1024 * 1024 + 1) -> Path:
    """Valid JSON of ``size`` bytes: one long text."""
    path.write_text('{"survey": "' + "x" * (size - 14) + '"}', encoding="utf-8")
    return path


# ---------------------------------------------------------------- review.toml


def deep_toml(path: Path, toml: str, levels: int = 5000, kind: str = "array") -> Path:
    """review.toml with a setting ``x`` nesting ``levels`` arrays (or inline tables) at its end."""
    value = "[" * levels + "]" * levels if kind == "array" else "{a = " * levels + "1" + "}" * levels
    path.write_text(f"{toml}\nx = {value}\n", encoding="utf-8")
    return path


def dotted_toml(path: Path, toml: str, parts: int = 500_000) -> Path:
    """review.toml starting with a table header of ``parts`` dotted keys (``[a.a.a...]``, 1 MB)."""
    path.write_text("[" + ".".join("a" * parts) + "]\n" + toml, encoding="utf-8")
    return path


def toml_big_integer(path: Path, toml: str, digits: str = DIGITS) -> Path:
    """review.toml with ``order`` of its first contributor set to a number of thousands of digits."""
    marker = "[[contributors]]\n"
    assert marker in toml
    path.write_text(toml.replace(marker, f"{marker}order = {digits}\n", 1), encoding="utf-8")
    return path


def toml_long_text(path: Path, toml: str, length: int = 100_000) -> Path:
    """review.toml whose ``publish`` (true or false) is a text of ``length`` characters instead."""
    assert "publish = true" in toml
    path.write_text(toml.replace("publish = true", f'publish = "{"x" * length}"', 1), encoding="utf-8")
    return path


def toml_with_bom(path: Path, toml: str) -> Path:
    """review.toml as Windows Notepad saves UTF-8: with a byte order mark."""
    path.write_bytes(codecs.BOM_UTF8 + toml.encode("utf-8"))
    return path


def toml_utf16(path: Path, toml: str) -> Path:
    """review.toml as Notepad saves "Unicode": UTF-16 with a byte order mark."""
    path.write_bytes(toml.encode("utf-16"))
    return path


def oversized_toml(path: Path, toml: str, size: int = 1024 * 1024 + 1) -> Path:
    """review.toml grown past ``size`` bytes by a long comment."""
    path.write_text(toml + "#" * (size - len(toml.encode("utf-8"))) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- the build cache


def _deep(entry: dict[str, Any]) -> str:
    return '{"sha256": ' + json.dumps(entry["sha256"]) + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


def _long_number(entry: dict[str, Any]) -> str:
    return json.dumps({**entry, "pages": "@"}).replace('"@"', DIGITS)


def _twice(entry: dict[str, Any]) -> str:
    return json_members([*entry.items(), ("sha256", entry["sha256"])])


def _not_a_number(entry: dict[str, Any]) -> str:
    return json.dumps({**entry, "pages": float("nan")})


def _wrong_types(entry: dict[str, Any]) -> str:
    glyph = {"code": [], "severity": "error", "message": 1, "location": {"file": 2}, "values": {}}
    return json.dumps({**entry, "messages": [1, {"a": 2}], "glyphs": [glyph]})


CACHE_POISONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "nested 100,000 levels": _deep,
    "a 5,000-digit number": _long_number,
    "a key given twice": _twice,
    "NaN": _not_a_number,
    "values of the wrong type": _wrong_types,
}
"""Ways to rewrite the facts (``<key>.json``) of a cache entry, by what they do."""


def _wrong_shape(data: bytes) -> bytes:
    """A workbook's cache entry with values of the wrong type where the tool wrote texts."""
    read = json.loads(data)
    read["file"] = 7
    read["diagnostics"] = [{"code": 1, "severity": "error", "message": [], "location": {"file": 2}, "values": {}}]
    return json.dumps(read).encode()


def poison_cache(folder: Path) -> list[str]:
    """Rewrite every entry of a build cache (``build/.cache``) with a hostile variant, checksums kept valid.

    A workbook's entry (``read/``) gets bytes nested 100,000 levels deep, or values of the
    wrong type, with facts whose checksum matches them; each rendered file's facts get one
    of :data:`CACHE_POISONS` in turn. Returns what was done to each entry.
    """
    done = []
    poisons = list(CACHE_POISONS.items())
    reads = renders = 0
    for meta in sorted(folder.rglob("*.json")):
        entry = json.loads(meta.read_text(encoding="utf-8"))
        where = f"{meta.parent.name}/{meta.name}"
        if meta.parent.name == "read":
            bin_path = meta.with_suffix(".bin")
            deep = reads % 2 == 0
            data = (b"[" * 100_000 + b"]" * 100_000) if deep else _wrong_shape(bin_path.read_bytes())
            bin_path.write_bytes(data)
            meta.write_text(json.dumps({**entry, "sha256": hashlib.sha256(data).hexdigest()}), encoding="utf-8")
            done.append(f"{where}: bytes " + ("nested 100,000 levels" if deep else "with values of the wrong type"))
            reads += 1
        else:
            name, poison = poisons[renders % len(poisons)]
            meta.write_text(poison(entry), encoding="utf-8")
            done.append(f"{where}: {name}")
            renders += 1
    return done
