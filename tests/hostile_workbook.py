"""Generators of hostile workbooks aimed at the workbook reader, for tests/test_hostile_workbook.py.

Each edits a valid workbook (written by the ``write_workbook`` fixture, or a copy) in place,
in well under a second. The classes:

* parts crafted for the reader's own scans: thousands of ``mergeCells`` or ``drawing`` start
  tags in a comment, which a backtracking regular expression takes minutes over
  (:func:`merge_trap`, :func:`drawing_trap`);
* counts that openpyxl turns into objects one by one: a shared-string table flooded with
  entries, a styles part with hundreds of thousands of cell formats, a sheet with hundreds of
  thousands of rows (:func:`shared_strings_flood`, :func:`styles_flood`, :func:`rows_flood`);
* a cell whose shared-string index is outside the table (-1 read as the last entry)
  (:func:`shared_string_index`);
* tables read by header: a column whose header repeats an earlier one's, a column the template
  does not have, a table moved below its data with the header copied there
  (:func:`add_column`, :func:`move_table`);
* table declarations openpyxl refuses as "invalid XML": a table name used twice, a table range
  pointing into another sheet (:func:`rename_table`, :func:`point_table_into`);
* the translators' workbook with a lone surrogate written as ``_xD800_`` (use
  :func:`hostile.put_xml_text` on an exported one).
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path
from typing import Any

from hostile import edit_workbook, rewrite_parts, sheet_part, table_part

__all__ = [
    "add_column",
    "drawing_trap",
    "merge_trap",
    "move_table",
    "point_table_into",
    "rename_table",
    "rows_flood",
    "shared_string_index",
    "shared_strings_flood",
    "styles_flood",
]

_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _noise(count: int, seed: int = 12) -> list[str]:
    """``count`` random 8-digit hex words: parts made of them compress about 2:1, so no zip-bomb limit refuses them."""
    rng = random.Random(seed)
    return [f"{rng.getrandbits(32):08x}" for _ in range(count)]


def _after_sheet_data(path: Path, sheet: str, xml: str) -> None:
    part = sheet_part(path, sheet)

    def change(data: bytes) -> bytes:
        at = data.index(b"</sheetData>") + len(b"</sheetData>")
        return data[:at] + xml.encode() + data[at:]

    rewrite_parts(path, {part: change})


def merge_trap(path: Path, sheet: str, count: int = 40_000, merge: str = "") -> None:
    """A comment after the sheet's cells holding ``count`` ``<mergeCells`` start tags that never close (valid XML),
    then, with ``merge``, a real merged range like LibreOffice writes when it keeps the covered cells' text."""
    trap = "<!-- " + " ".join(f"<mergeCells {word}" for word in _noise(count)) + " -->"
    real = f'<mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>' if merge else ""
    _after_sheet_data(path, sheet, trap + real)


def drawing_trap(path: Path, sheet: str, count: int = 40_000) -> None:
    """A comment holding ``count`` ``<drawing`` start tags without an end (valid XML)."""
    _after_sheet_data(path, sheet, "<!-- " + " ".join(f"<drawing {word}" for word in _noise(count, 7)) + " -->")


def _with_shared_strings(path: Path, entries: list[str], changes: dict[str, Any]) -> None:
    """Give the workbook a shared-string table of ``entries`` (our writer uses inline strings only)."""
    table = f'<sst xmlns="{_MAIN}" count="{len(entries)}" uniqueCount="{len(entries)}">'
    table += "".join(f"<si><t>{e}</t></si>" for e in entries) + "</sst>"

    def types(xml: bytes) -> bytes:
        override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_STRINGS_TYPE}"/>'
        return xml.replace(b"</Types>", override.encode() + b"</Types>")

    def rels(xml: bytes) -> bytes:
        rel = f'<Relationship Id="rIdStrings" Type="{_STRINGS_REL}" Target="sharedStrings.xml"/>'
        return xml.replace(b"</Relationships>", rel.encode() + b"</Relationships>")

    rewrite_parts(path, {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels, **changes})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", table)


def shared_strings_flood(path: Path, count: int = 400_000) -> None:
    """A shared-string table of ``count`` distinct entries that no cell uses (~7 MB, compressing about 3:1)."""
    _with_shared_strings(path, _noise(count, 3), {})


def shared_string_index(path: Path, sheet: str, marker: str, index: int, entries: tuple[str, ...]) -> None:
    """The cell whose text is ``marker`` made to use entry ``index`` of a shared-string table of ``entries``."""
    part = sheet_part(path, sheet)

    def change(xml: bytes) -> bytes:
        cell = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"([^>]*)><is><t>' + re.escape(marker.encode()) + rb"</t></is></c>")
        new, count = cell.subn(lambda m: b'<c r="%s"%s t="s"%s><v>%d</v></c>' % (m.group(1), m.group(2), m.group(3), index), xml)
        assert count == 1, f"{marker} not found once"
        return new

    _with_shared_strings(path, list(entries), {part: change})


def styles_flood(path: Path, count: int = 160_000) -> None:
    """``count`` cell formats in xl/styles.xml (Excel allows 64,000), with varied number formats and flags so that
    they compress only about 20:1."""
    variants = [
        f'<xf numFmtId="{n}" fontId="{f}" fillId="{i % 3}" borderId="0" xfId="0" applyAlignment="{i % 2}" quotePrefix="{i // 2 % 2}"/>'
        for n in range(50) for f in range(4) for i in range(6)
    ]
    xfs = "".join(random.Random(5).choices(variants, k=count))

    def change(xml: bytes) -> bytes:
        new, n = re.subn(rb'(<cellXfs count=")\d+(">)', lambda m: m.group(1) + b"%d" % count + m.group(2) + xfs.encode(), xml)
        assert n == 1
        return new

    rewrite_parts(path, {"xl/styles.xml": change})


def rows_flood(path: Path, sheet: str, count: int = 120_000, first: int = 2_000) -> None:
    """``count`` empty rows with their own heights below the sheet's table (each row a separate element)."""
    part = sheet_part(path, sheet)
    rows = "".join(f'<row r="{r}" ht="{12 + r % 9}" customHeight="1"/>' for r in range(first, first + count))

    def change(xml: bytes) -> bytes:
        at = xml.index(b"</sheetData>")
        return xml[:at] + rows.encode() + xml[at:]

    rewrite_parts(path, {part: change})


def add_column(path: Path, table: str, header: str, values: dict[int, str] | None = None) -> str:
    """Widen ``table`` by one column headed ``header``, holding ``values`` by table row (1 = first data row);
    returns the new column's letter."""
    from openpyxl.utils import get_column_letter, range_boundaries
    from openpyxl.worksheet.table import TableColumn

    letter = ""

    def change(wb: Any) -> None:
        nonlocal letter
        ws = wb[table]
        found = ws.tables[table]
        min_col, min_row, max_col, max_row = range_boundaries(found.ref)
        letter = get_column_letter(max_col + 1)
        ws[f"{letter}{min_row}"] = header
        for offset, text in (values or {}).items():
            ws[f"{letter}{min_row + offset}"] = text
        found.ref = f"{get_column_letter(min_col)}{min_row}:{letter}{max_row}"
        found.autoFilter.ref = found.ref
        found.tableColumns.append(TableColumn(id=max_col + 2, name=f"{header} {max_col + 1}"))

    edit_workbook(path, change)
    return letter


def move_table(path: Path, table: str, below: int) -> int:
    """Move ``table``'s range ``below`` rows under its data, the headers copied there (the data stays where it was);
    returns the new header row."""
    from openpyxl.utils import get_column_letter, range_boundaries

    moved = 0

    def change(wb: Any) -> None:
        nonlocal moved
        ws = wb[table]
        found = ws.tables[table]
        min_col, min_row, max_col, max_row = range_boundaries(found.ref)
        moved = max_row + below
        for col in range(min_col, max_col + 1):
            ws.cell(moved, col, ws.cell(min_row, col).value)
        found.ref = f"{get_column_letter(min_col)}{moved}:{get_column_letter(max_col)}{moved + max_row - min_row}"
        found.autoFilter.ref = found.ref

    edit_workbook(path, change)
    return moved


def rename_table(path: Path, table: str, name: str) -> None:
    """Give ``table`` the name (and display name) ``name``, e.g. one another table has."""
    part = table_part(path, table)
    old = f'name="{table}" displayName="{table}"'.encode()
    rewrite_parts(path, {part: lambda xml: xml.replace(old, f'name="{name}" displayName="{name}"'.encode())})


def point_table_into(path: Path, table: str, sheet: str) -> str:
    """Prefix ``table``'s range with another sheet's name (``Answers!A4:I65``); returns the new range."""
    part = table_part(path, table)
    ref = ""

    def change(xml: bytes) -> bytes:
        nonlocal ref
        found = re.search(rb'<table [^>]*ref="([^"]+)"', xml)
        assert found
        ref = f"{sheet}!{found.group(1).decode()}"
        return xml[: found.start(1)] + ref.encode() + xml[found.end(1):]

    rewrite_parts(path, {part: change})
    return ref
