"""The tables an archive declares, checked before openpyxl parses them.

Stage: workbook. openpyxl refuses a workbook whose table names repeat (Excel's names are
unique per workbook, whatever the case) or whose table range is not a range of cells
(``Answers!A4:I65`` points into another sheet), and says only that the XML is invalid.
:func:`table_problems` finds these causes from the relationships, naming the sheet and the
table. It runs after :mod:`gcmreview.workbook.safety` has refused DTDs and entities and bounded
every part's elements, so the parts it reads are small and plain.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator

from ..errors import Code, Diagnostic, Location

__all__ = ["table_problems"]

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RANGE_RE = re.compile(r"\$?[A-Za-z]{1,3}\$?\d{1,7}(?::\$?[A-Za-z]{1,3}\$?\d{1,7})?")
"""A range of cells of the table's own sheet, as openpyxl accepts it."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _targets(archive: zipfile.ZipFile, part: str, kind: str) -> dict[str, str]:
    """Relationship id -> the part it names, of relationships of ``part`` whose type ends with ``/kind``."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in archive.NameToInfo:
        return {}
    out = {}
    for rel in ET.fromstring(archive.read(rels)):
        target, rel_type = rel.get("Target", ""), rel.get("Type", "")
        if rel_type.endswith(f"/{kind}") and rel.get("TargetMode") != "External":
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id", "")] = path
    return out


def _sheet_tables(archive: zipfile.ZipFile) -> Iterator[tuple[str, str]]:
    """(sheet name, table part) for each table related to a worksheet, in workbook order."""
    workbook = "xl/workbook.xml"
    sheets = _targets(archive, workbook, "worksheet")
    for sheet in ET.fromstring(archive.read(workbook)).iter():
        part = sheets.get(sheet.get(_REL, "")) if _local(sheet.tag) == "sheet" else None
        for table in sorted(_targets(archive, part, "table").values()) if part else ():
            if table in archive.NameToInfo:
                yield sheet.get("name", ""), table


def table_problems(data: bytes, display: str) -> list[Diagnostic]:
    """Tables whose name another table of the workbook has (GCM118), or whose range is not one of cells (GCM119).

    Parts that are not well-formed are left to openpyxl, which reports the file as damaged.
    """
    try:
        return _table_problems(data, display)
    except (ET.ParseError, KeyError, zipfile.BadZipFile):
        return []


def _table_problems(data: bytes, display: str) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for sheet, part in _sheet_tables(archive):
            root = ET.fromstring(archive.read(part))
            name, ref = root.get("name") or root.get("displayName") or "", root.get("ref", "")
            where = Location(display, sheet)
            if not _RANGE_RE.fullmatch(ref):
                problems.append(Diagnostic.make(Code.TABLE_RANGE, where, table=name, ref=ref[:60]))
            if name.casefold() in seen:
                problems.append(Diagnostic.make(Code.TABLE_NAME_TWICE, where, table=name, other=seen[name.casefold()]))
            seen.setdefault(name.casefold(), sheet)
    return problems
