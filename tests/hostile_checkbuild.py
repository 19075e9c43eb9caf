"""Generators of hostile inputs that ``check`` must refuse where ``build`` would, for tests/test_hostile_checkbuild.py.

Each generator edits a valid workspace (the ``write_workbook`` fixture's) in a temporary
folder, in well under a second, as a contributor, a translator or a coordinator may:

* citation keys in another script than Latin (Khmer, Lao, Myanmar, Thai letters and
  digits with their vowel signs and subscripts), cited exactly so, and keys that no
  ``[@key]`` can cite (a space, a bracket, a leading sign) (:func:`cite_in_scripts`,
  :func:`uncitable_keys`);
* text a PDF can only show with a dotted circle: a lone vowel sign, a doubled
  subscript sign, in Khmer and Myanmar, in a cell, in a translation and in
  ``review.toml``, and a run of 32,767 lone signs
  (:func:`unshapable_cells`, :func:`translation_store`, :func:`review_names`);
* characters the PDF cannot lay out as written: U+2028 LINE SEPARATOR, C1 controls
  (U+0085), a Hangul filler (U+3164), an interlinear annotation anchor (U+FFF9)
  (:func:`separators`);
* a contribution in JSON holding such text, for ``import`` (:func:`contribution_json`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl

from gcmreview.translations.segments import fingerprint

__all__ = [
    "BROKEN",
    "NOT_LAID_OUT",
    "SCRIPT_KEYS",
    "cell_under",
    "cite_in_scripts",
    "contribution_json",
    "review_names",
    "separators",
    "translation_store",
    "uncitable_keys",
    "unshapable_cells",
]

SCRIPT_KEYS = ("ស្ថិតិ២០២០", "ສະຖິຕິ໒໐໒໐", "စာရင်း၂၀၂၀", "สถิติ๒๕๖๓")
"""Reference keys in Khmer, Lao, Myanmar and Thai: letters, vowel signs, subscripts and the script's digits."""

BROKEN = {
    "km": ("ពលករ\u17d2\u17d2ភាគច្រើន", "\u17b6ការងារ"),  # a doubled coeng; a vowel sign without its consonant
    "my": ("\u102cကမ္ဘာ", "က\u1039\u1039မ"),  # a vowel sign before any consonant; a doubled virama
}
"""Text its script's font can only show with a dotted circle, by language. (HarfBuzz's Thai and Lao shaper
draws no dotted circle: a stray Thai or Lao sign is neither refused by the build nor by check.)"""

NOT_LAID_OUT = ("\u2028", "\x85", "\u3164", "\ufff9")
"""Characters no font is to draw that the PDF would still show as an empty box."""


def cell_under(ws: Any, header: str, row: int = 1) -> str:
    """The coordinate of the cell under ``header`` in the ``row``-th data row of the sheet's table."""
    table = next(iter(ws.tables.values()))
    grid = ws[table.ref]
    column = [c.value for c in grid[0]].index(header)
    return str(grid[row][column].coordinate)


def _edit(path: Path, change: Any) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def cite_in_scripts(path: Path) -> dict[str, str]:
    """Reference keys of :data:`SCRIPT_KEYS` on the References sheet, each cited exactly so in an answer;
    the cells changed, by sheet!cell."""
    changed: dict[str, str] = {}

    def change(wb: openpyxl.Workbook) -> None:
        refs, answers = wb["References"], wb["Answers"]
        first = cell_under(refs, "Key")
        column, row = first[0], int(first[1:])
        cites = " ".join(f"[@{key}]" for key in SCRIPT_KEYS)
        for n, key in enumerate(SCRIPT_KEYS):
            refs[f"{column}{row + 1 + n}"] = key
            refs[f"{chr(ord(column) + 1)}{row + 1 + n}"] = f"Statistics yearbook {n}."
            changed[f"References!{column}{row + 1 + n}"] = key
        answers["E5"] = f"Most workers leave for Thailand {cites} [@survey2016]."
        changed["Answers!E5"] = answers["E5"].value

    _edit(path, change)
    return changed


def uncitable_keys(path: Path, keys: tuple[str, ...]) -> list[str]:
    """Reference keys no ``[@key]`` can cite, each cited as it is written; the key cells, in order."""
    cells: list[str] = []

    def change(wb: openpyxl.Workbook) -> None:
        refs = wb["References"]
        first = cell_under(refs, "Key")
        column, row = first[0], int(first[1:])
        for n, key in enumerate(keys):
            refs[f"{column}{row + 1 + n}"] = key
            refs[f"{chr(ord(column) + 1)}{row + 1 + n}"] = f"Report {n}."
            cells.append(f"{column}{row + 1 + n}")
        wb["Answers"]["E21"] = " ".join(f"[@{key}]" for key in keys)

    _edit(path, change)
    return cells


def unshapable_cells(path: Path) -> dict[str, str]:
    """:data:`BROKEN` text in cells of the workbook (Khmer in its column, Myanmar in an action's description),
    and a run of lone Khmer vowel signs as long as a cell holds; the cells by sheet!cell."""
    changed: dict[str, str] = {}

    def change(wb: openpyxl.Workbook) -> None:
        changed["Answers!F5"] = wb["Answers"]["F5"].value = " ".join(BROKEN["km"])
        changed["Answers!F21"] = wb["Answers"]["F21"].value = "\u17b6" * 32_767
        actions = wb["Actions"]
        cell = cell_under(actions, "Description")
        changed[f"Actions!{cell}"] = actions[cell].value = " / ".join(BROKEN["my"])

    _edit(path, change)
    return changed


def separators(path: Path) -> dict[str, str]:
    """Each of :data:`NOT_LAID_OUT` in a cell of its own (English answers, an action's title and results); the cells."""
    changed: dict[str, str] = {}

    def change(wb: openpyxl.Workbook) -> None:
        actions = wb["Actions"]
        cells = {"Answers": ("E5", "E21"), "Actions": (cell_under(actions, "Title"), cell_under(actions, "Results"))}
        places = [(sheet, cell) for sheet, pair in cells.items() for cell in pair]
        for (sheet, cell), char in zip(places, NOT_LAID_OUT, strict=True):
            changed[f"{sheet}!{cell}"] = wb[sheet][cell].value = f"First line{char}second line of the text."

    _edit(path, change)
    return changed


def translation_store(workspace: Path, lang: str, units: dict[str, tuple[str, str, str]]) -> Path:
    """``inputs/translations/<lang>.json`` with a unit per segment id: (source language, source text, translation)."""
    store = {"lang": lang, "units": {
        segment: {"source_lang": source_lang, "source_fingerprint": fingerprint(source), "text": text, "translator": "T"}
        for segment, (source_lang, source, text) in units.items()
    }}
    path = workspace / "inputs" / "translations" / f"{lang}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(store, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def review_names(workspace: Path, old: str, km: str, en: str) -> None:
    """A contributor's name in review.toml changed: its Khmer and English names."""
    path = workspace / "inputs" / "review.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, f'{{ en = "{en}", km = "{km}" }}'), encoding="utf-8")


def contribution_json(dest: Path, data: dict[str, Any]) -> Path:
    """A contribution as the JSON ``gcmreview import`` reads."""
    dest.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return dest
