"""Generators of hostile inputs aimed at what reaches the terminal, the build log and the report, for
tests/test_hostile_terminal.py.

Each generator writes a small file into a workspace (or beside it) in well under a second. The classes:

* file names: bytes that are not UTF-8 (:func:`undecodable_name`); an escape sequence that clears the
  screen and a line feed followed by a forged diagnostic line (:func:`forged_name`);
* sheet names holding what XML lets through: a line feed and a forged line, the C1 control CSI
  (U+009B, an escape on 8-bit terminals), a right-to-left override, a line separator (:func:`forged_sheet`);
* direction overrides (U+202E), refused as GCM213 in a workbook's cells, in every other source of text:
  a contributor's name in ``review.toml`` (:func:`bidi_review_toml`), a translation store
  (:func:`bidi_store`), a contribution in JSON (:func:`bidi_contribution_json`), a translator's XLIFF
  (:func:`bidi_xliff`).

Faults (Ctrl+C, a full disk) are made by the tests themselves: they need a running build.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl

__all__ = [
    "FORGED",
    "RLO",
    "bidi_contribution_json",
    "bidi_review_toml",
    "bidi_store",
    "bidi_xliff",
    "forged_name",
    "forged_sheet",
    "undecodable_name",
]

RLO = "\u202e"
"""RIGHT-TO-LEFT OVERRIDE: what follows it is shown reversed ("exe.txt" looks like "txt.exe")."""
FORGED = "FORGED: error GCM999: this line was written by the file's name"
"""A line an input tries to print on a line of its own, as if it were a diagnostic."""


def undecodable_name(base: Path, inputs: Path) -> Path:
    """A copy of ``base`` whose name holds the bytes 0xFF and 0xFE (Latin-1 "ÿþ", not UTF-8), and a text file as
    well (so that a diagnostic names it)."""
    folder = os.fsencode(inputs)
    shutil.copyfile(base, os.fsdecode(folder + b"/copy-\xff\xfe.xlsx"))
    target = Path(os.fsdecode(folder + b"/notes-\xff.xlsx"))
    target.write_bytes(b"not a workbook\n")
    return target


def forged_name(inputs: Path) -> Path:
    """A text file named with an escape sequence that clears the screen, a line feed and a forged diagnostic."""
    target = inputs / f"x\x1b[2J\x1b[H\n{FORGED}\r.xlsx"
    target.write_bytes(b"not a workbook\n")
    return target


FORGED_SHEET = f"Notes\nFORGED error GCM999\x9b2J{RLO}\u2028"
"""A sheet title with a line feed and a forged line, CSI (U+009B), an override and a line separator (all valid XML,
and at most 31 characters, none of them one Excel refuses in a title, such as ":")."""


def forged_sheet(path: Path) -> str:
    """Add a sheet titled :data:`FORGED_SHEET` with one filled cell to a workbook; its title."""
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Extra")["A1"] = "written in a sheet of its own"
    wb.save(path)
    wb = openpyxl.load_workbook(path)
    wb["Extra"].title = FORGED_SHEET  # openpyxl refuses only : \\ / ? * [ ] in titles
    wb.save(path)
    return FORGED_SHEET


def bidi_review_toml(workspace: Path, code: str, name: str) -> str:
    """Put an override into the English name of contributor ``code`` (written as ``name = { en = "NAME"``); the key path."""
    config = workspace / "inputs" / "review.toml"
    text = config.read_text(encoding="utf-8")
    old = f'code = "{code}"\nname = {{ en = "{name}"'
    assert old in text, old
    index = text[: text.index(old)].count("[[contributors]]") - 1
    config.write_text(text.replace(old, f'code = "{code}"\nname = {{ en = "{name} {RLO}gpj.exe"'), encoding="utf-8")
    return f"contributors[{index}].name.en"


def bidi_store(workspace: Path, lang: str, unit: str) -> Path:
    """A translation store holding one translation with an override (the unit need not match a text)."""
    folder = workspace / "inputs" / "translations"
    folder.mkdir(parents=True, exist_ok=True)
    store = {
        "lang": lang,
        "units": {unit: {"source_lang": "en", "source_fingerprint": "sha256:0123456789abcdef", "text": f"{RLO}txt.exe"}},
    }
    path = folder / f"{lang}.json"
    path.write_text(json.dumps(store, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def bidi_contribution_json(data: dict[str, Any], dest: Path) -> Path:
    """A contribution in JSON with an override in the contact person's name and in the first answer."""
    data["identity"]["contact_person"] = f"Officer {RLO}gnp.exe"
    data["answers"][0]["text"]["en"] += f" {RLO}fdp.exe"
    dest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return dest


def bidi_xliff(dest: Path, unit: str, source_lang: str = "en", target_lang: str = "km") -> Path:
    """An XLIFF 1.2 whose one translation holds an override."""
    dest.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
        f'  <file original="review" source-language="{source_lang}" target-language="{target_lang}" datatype="plaintext">\n'
        f'    <body><trans-unit id="{unit}"><source>Text</source><target>{RLO}txt.exe</target></trans-unit></body>\n'
        "  </file>\n</xliff>\n",
        encoding="utf-8",
    )
    return dest
