"""Read filled workbooks: recognise the file, load it safely, and extract raw table rows.

Stage: workbook. This module knows about files and cells only; turning cells into
a :class:`~gcmreview.model.Contribution` is :mod:`gcmreview.validate`'s job. The
input file is read into memory once and never opened for writing.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import Code, Diagnostic, Location, nearest

__all__ = ["MAX_UNCOMPRESSED", "RawCell", "RawTable", "open_workbook", "read_table"]

MAX_UNCOMPRESSED = 256 * 1024 * 1024
"""Largest total uncompressed size accepted for a workbook (a filled one is a few MB)."""
MAX_RATIO = 200
"""Largest compression ratio accepted for one part (zip bombs compress ~1000:1)."""
MAX_TABLE_ROWS = 5_000
"""Most rows a table may have (a ministry reports tens of actions, not thousands)."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


@dataclass(frozen=True)
class RawCell:
    """A cell's value as stored, with its coordinate and whether it holds a formula."""

    value: Any
    coordinate: str
    formula: bool = False

    @property
    def empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class RawTable:
    """The rows of one named table: header -> cell, in sheet order."""

    sheet: str
    name: str
    headers: list[str]
    rows: list[dict[str, RawCell]] = field(default_factory=list)
    outside: list[RawCell] = field(default_factory=list)
    """Non-empty cells below the title rows but outside the table: not read, so reported."""


def _sniff(data: bytes, display: str) -> Diagnostic | None:
    """Name what the file is when it is not an xlsx workbook."""
    where = Location(file=display)
    if data.startswith(_OLE2):
        code = Code.ENCRYPTED if _ENCRYPTION_STREAM in data else Code.OLD_XLS
        return Diagnostic.make(code, where)
    if not data.startswith(b"PK"):
        head = data[:512].lstrip().lower()
        kind = "a PDF file" if head.startswith(b"%pdf") else "an HTML page" if b"<html" in head else "text or CSV" if _is_text(data) else "an unknown format"
        return Diagnostic.make(Code.NOT_XLSX, where, kind=kind)
    return _sniff_zip(data, where)


def _is_text(data: bytes) -> bool:
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sniff_zip(data: bytes, where: Location) -> Diagnostic | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        return Diagnostic.make(Code.CORRUPT, where, detail=f"not a valid zip archive: {exc}")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        kind = (
            "a Word document" if "word/document.xml" in names
            else "an OpenDocument spreadsheet (.ods); save it as .xlsx" if "content.xml" in names
            else "a zip archive"
        )
        return Diagnostic.make(Code.NOT_XLSX, where, kind=kind)
    total = sum(i.file_size for i in infos)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos), default=0)
    if total > MAX_UNCOMPRESSED or worst > MAX_RATIO:
        detail = f"it unpacks to {total:,} bytes (ratio {worst:.0f}:1), far more than any workbook; it may be a zip bomb"
        return Diagnostic.make(Code.CORRUPT, where, detail=detail)
    return _sniff_entities(data, infos, where)


def _sniff_entities(data: bytes, infos: list[zipfile.ZipInfo], where: Location) -> Diagnostic | None:
    """Refuse XML parts that declare a DTD or entities (entity expansion, external entities)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(info) as part:
                head = part.read(64 * 1024)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                detail = f"its part {info.filename} declares XML entities, which no spreadsheet program writes"
                return Diagnostic.make(Code.CORRUPT, where, detail=detail)
    return None


def open_workbook(path: Path, display: str) -> tuple[Workbook | None, list[Diagnostic]]:
    """Load a workbook read-only from memory, or explain in one diagnostic why not."""
    data = path.read_bytes()
    problem = _sniff(data, display)
    if problem is not None:
        return None, [problem]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl raises many types on damaged files
        detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")[:200]
        return None, [Diagnostic.make(Code.CORRUPT, Location(file=display), detail=detail)]
    return wb, []


def _find_sheet(wb: Workbook, name: str, display: str) -> tuple[Worksheet | None, list[Diagnostic]]:
    if name in wb.sheetnames:
        return wb[name], []
    suggestion = nearest(name, wb.sheetnames)
    return None, [Diagnostic.make(Code.MISSING_SHEET, Location(file=display, sheet=name), sheet=name, suggestion=suggestion)]


_ESCAPED_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` character escapes (Excel writes a line break as ``_x000D_\n``)."""
    if "_x" in text:
        text = _ESCAPED_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("\r\n", "\n")


def _cell(cell: Any) -> RawCell:
    value = _unescape(cell.value) if isinstance(cell.value, str) else cell.value
    return RawCell(value, cell.coordinate, cell.data_type == "f")


def read_table(
    wb: Workbook, sheet: str, table: str, expected: list[str], display: str
) -> tuple[RawTable | None, list[Diagnostic]]:
    """The rows of ``table`` on ``sheet``; diagnostics for a missing sheet, table or header."""
    ws, problems = _find_sheet(wb, sheet, display)
    if ws is None:
        return None, problems
    if table not in ws.tables:
        return None, [Diagnostic.make(Code.MISSING_TABLE, Location(file=display, sheet=sheet), table=table)]
    ref = ws.tables[table].ref
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    if (max_row - min_row) > MAX_TABLE_ROWS or (max_col - min_col) > 64:
        where = Location(file=display, sheet=sheet, cell=ref.split(":")[0])
        return None, [Diagnostic.make(Code.TABLE_TOO_LARGE, where, table=table, rows=f"{max_row - min_row:,}", limit=f"{MAX_TABLE_ROWS:,}")]
    grid = ws[ref]
    header_cells = grid[0]
    headers = [str(c.value) if c.value is not None else "" for c in header_cells]
    diagnostics = [
        Diagnostic.make(
            Code.MISSING_HEADER,
            Location(file=display, sheet=sheet, cell=header_cells[0].coordinate),
            header=name,
            table=table,
            suggestion=nearest(name, [h for h in headers if h not in expected]),
        )
        for name in expected
        if name not in headers
    ]
    raw = RawTable(sheet, table, headers)
    for row in grid[1:]:
        raw.rows.append({h: _cell(c) for h, c in zip(headers, row, strict=True) if h})
    raw.outside = _outside(ws, ws.tables[table].ref, header_cells[0].row)
    return raw, diagnostics


def _outside(ws: Worksheet, ref: str, header_row: int) -> list[RawCell]:
    """Cells with content from the header row down that lie outside the table's range."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    found = []
    for row in ws.iter_rows(min_row=header_row):
        for cell in row:
            inside = min_col <= cell.column <= max_col and min_row <= cell.row <= max_row
            if not inside and cell.value is not None and str(cell.value).strip():
                found.append(_cell(cell))
    return found
