"""Generators of hostile inputs about size and scale, for tests/test_hostile_scale.py.

Each builds contribution data or a file in a temporary folder in well under a second:
a contribution with thousands of actions (as workbook or as ``import`` JSON, up to and
past the 5,000 rows a workbook table holds), every text of a contribution at the
32,767 characters a cell holds (with spaces, or one "word" without any), and
translation hand-offs that are too large: an XLIFF with a translation of millions of
characters, with tens of thousands of unit ids no text has, with one unit id twice and
two different targets, and a translation store holding a text no cell could.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "CELL_TEXT",
    "CELL_WORD",
    "contribution_file",
    "many_actions",
    "store_file",
    "texts_at_cell_limit",
    "xliff_file",
]

CELL_TEXT = ("Regular channels are cheaper and faster than irregular ones. " * 600)[:32_767]
"""The most text a spreadsheet cell holds, in words."""
CELL_WORD = ("Migration" * 3700)[:32_767]
"""The most text a cell holds, as one "word" with no space or break opportunity."""


def many_actions(data: dict[str, Any], count: int) -> dict[str, Any]:
    """The contribution with ``count`` actions, copies of its first with their own titles."""
    out = copy.deepcopy(data)
    action = out["actions"][0]
    out["actions"] = [dict(action, title=f"Action {i + 1} of {count}") for i in range(count)]
    return out


def texts_at_cell_limit(data: dict[str, Any], word: str = CELL_TEXT) -> dict[str, Any]:
    """The contribution with ``word`` (32,767 characters) in both answers, its action's title, description and
    results, and its statistic's source."""
    out = copy.deepcopy(data)
    for answer in out["answers"]:
        answer["text"]["en"] = word
    out["actions"][0].update(title=word, description=word, results=word)
    out["statistics"][0]["source"] = word
    return out


def contribution_file(path: Path, data: dict[str, Any]) -> Path:
    """A contribution as ``gcmreview import`` reads it."""
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def xliff_file(path: Path, units: Iterable[tuple[str, str, str]], source_lang: str = "en", target_lang: str = "km") -> Path:
    """An XLIFF 1.2 file with a trans-unit per (id, source, target), as a translation tool writes one."""
    body = "".join(
        f"<trans-unit id={quoteattr(unit_id)}><source>{escape(source)}</source><target>{escape(target)}</target></trans-unit>"
        for unit_id, source, target in units
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        f'<file original="gcmreview/{source_lang}-{target_lang}" source-language="{source_lang}" target-language="{target_lang}" '
        f'datatype="plaintext"><body>{body}</body></file></xliff>',
        encoding="utf-8",
    )
    return path


def store_file(workspace: Path, lang: str, units: dict[str, str], source_lang: str = "en") -> Path:
    """``inputs/translations/<lang>.json`` holding ``units`` (segment id -> translation), as if edited by hand."""
    path = workspace / "inputs" / "translations" / f"{lang}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = {unit_id: {"source_lang": source_lang, "source_fingerprint": "sha256:0123456789abcdef", "text": text}
              for unit_id, text in units.items()}
    path.write_text(json.dumps({"lang": lang, "units": stored}, ensure_ascii=False), encoding="utf-8")
    return path
