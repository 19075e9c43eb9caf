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
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import Code, Diagnostic, Location, nearest

__all__ = ["MAX_CELLS", "MAX_UNCOMPRESSED", "RawCell", "RawTable", "open_workbook", "read_table"]

MAX_UNCOMPRESSED = 256 * 1024 * 1024
"""Largest total uncompressed size accepted for a workbook (a filled one is a few MB)."""
MAX_RATIO = 200
"""Largest compression ratio accepted for one part (zip bombs compress ~1000:1)."""
MAX_TABLE_ROWS = 5_000
"""Most rows a table may have (a ministry reports tens of actions, not thousands)."""
MAX_CELLS = 300_000
"""Most cells (``<c>`` elements) a workbook may hold: a filled one has a few thousand, and
openpyxl needs seconds and hundreds of MB per million, so more is refused before parsing."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_UNZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError)
"""What zipfile raises on a damaged archive or part (bad CRC or deflate data, unsupported method, encryption)."""
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
_CELL_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_SCAN_CHUNK = 1 << 20


@dataclass(frozen=True)
class RawCell:
    """A cell's value as stored, with its coordinate and whether it holds a formula."""

    value: Any
    coordinate: str
    formula: bool = False
    link: str = ""
    """Where a hyperlink on the cell (Insert > Link) points, if it has one."""
    note: str = ""
    """The text of a note (comment) on the cell, if it has one."""

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
    """UTF-16 with a byte-order mark, or 8-bit text (UTF-8 or a Windows code page): no control bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return re.search(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]", data[:4096]) is None


def _sniff_zip(data: bytes, where: Location) -> Diagnostic | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except _UNZIP_ERRORS as exc:
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
        detail = f"it unpacks to {total:,} bytes (ratio {worst:.0f}:1), far more than any workbook"
        return Diagnostic.make(Code.TOO_LARGE, where, detail=detail)
    return _sniff_entities(data, infos, where)


def _sniff_entities(data: bytes, infos: list[zipfile.ZipInfo], where: Location) -> Diagnostic | None:
    """Unpack every part once, before openpyxl does: refuse damaged parts, XML that declares a DTD or
    entities (entity expansion, external entities) anywhere, in UTF-8 or UTF-16, and more than
    :data:`MAX_CELLS` cells."""
    cells = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in infos:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as part:
                    tail, wide = b"", None
                    while chunk := part.read(_SCAN_CHUNK):
                        if wide is None:  # UTF-16: drop the zero bytes, markup is ASCII
                            wide = chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\0", b"\0<"))
                        if wide:
                            chunk = chunk.replace(b"\0", b"")
                        if any(d in tail + chunk for d in _DECLARATIONS):
                            detail = f"its part {info.filename} declares XML entities, which no spreadsheet program writes"
                            return Diagnostic.make(Code.UNSAFE_XML, where, detail=detail)
                        cells += len(_CELL_RE.findall(chunk))
                        if cells > MAX_CELLS:
                            detail = f"it holds more than {MAX_CELLS:,} cells, far more than any filled workbook"
                            return Diagnostic.make(Code.TOO_LARGE, where, detail=detail)
                        tail = chunk[-16:]
            except _UNZIP_ERRORS as exc:
                return Diagnostic.make(Code.CORRUPT, where, detail=f"its part {info.filename} cannot be unpacked: {exc}")
    return None


def open_workbook(path: Path, display: str) -> tuple[Workbook | None, list[Diagnostic]]:
    """Load a workbook from memory, or explain in one diagnostic why not.

    A symbolic link is not followed (it could point anywhere on this computer). Merged
    ranges and drawings (pictures, charts, shapes) are taken out before openpyxl reads
    the file: merges hide text openpyxl would drop, and a picture may be linked to a file
    elsewhere, which openpyxl would try to open; a warning says how many drawings were not read.
    """
    if path.is_symlink():
        kind = "a symbolic link"
        return None, [Diagnostic.make(Code.LINKED_FILE, Location(file=display), kind=kind)]
    size = path.stat().st_size
    if size > MAX_UNCOMPRESSED:  # not read at all: a video or disk image renamed .xlsx
        detail = f"it is {size:,} bytes, far more than any workbook"
        return None, [Diagnostic.make(Code.TOO_LARGE, Location(file=display), detail=detail)]
    data = path.read_bytes()
    problem = _sniff(data, display)
    if problem is not None:
        return None, [problem]
    notes: list[Diagnostic] = []
    try:
        data, drawings = _simplified(data)
        if drawings:
            notes.append(Diagnostic.make(Code.PICTURES, Location(file=display), count=drawings))
        wb = _load(data)
    except Exception as exc:  # openpyxl raises many types on damaged files
        detail = " ".join(f"{type(exc).__name__}: {exc}".split()).rstrip(":")[:200]  # one line
        return None, [Diagnostic.make(Code.CORRUPT, Location(file=display), detail=detail)]
    return wb, notes


def _load(data: bytes) -> Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_workbook(io.BytesIO(data), data_only=False, keep_links=False, keep_vba=False)


_MERGES_RE = re.compile(rb"<(?:\w+:)?mergeCells\b(?:[^>]*/>|.*?</(?:\w+:)?mergeCells>)", re.DOTALL)
_DRAWING_RE = re.compile(rb"<(?:\w+:)?drawing\b[^>]*/>")
_SHEET_PART = re.compile(r"xl/(?:worksheets|chartsheets)/[^/]+\.xml")


def _simplified(data: bytes) -> tuple[bytes, int]:
    """The archive without its sheets' merged ranges and drawings, and how many drawings it had.

    Excel empties the cells it merges, but LibreOffice can keep their contents hidden
    ("keep the contents of the hidden cells"); without the merge that text is read like
    any other. A drawing holds pictures, charts and shapes, none of which are read, and
    a picture can be linked to a file outside the workbook. The archive is unchanged
    (and not copied) when there is nothing to take out.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        sheets = {info.filename: src.read(info) for info in src.infolist() if _SHEET_PART.fullmatch(info.filename)}
        changed = {name: part for name, part in sheets.items() if b"mergeCells" in part or _DRAWING_RE.search(part)}
        if not changed:
            return data, 0
        drawings = sum(len(_DRAWING_RE.findall(part)) for part in changed.values())
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                part = changed.get(info.filename)
                dst.writestr(info, _DRAWING_RE.sub(b"", _MERGES_RE.sub(b"", part)) if part is not None else src.read(info))
    return out.getvalue(), drawings


def _find_sheet(wb: Workbook, name: str, display: str) -> tuple[Worksheet | None, list[Diagnostic]]:
    if name in wb.sheetnames:
        return wb[name], []
    suggestion = nearest(name, wb.sheetnames)
    return None, [Diagnostic.make(Code.MISSING_SHEET, Location(file=display, sheet=name), sheet=name, suggestion=suggestion)]


_ESCAPED_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` character escapes (Excel writes a line break as ``_x000D_\n``).

    The escapes are UTF-16 code units: an escaped surrogate pair becomes one character; a lone
    surrogate is kept, for validation to report.
    """
    if "_x" in text:
        text = _ESCAPED_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return text.replace("\r\n", "\n")


def _cell(cell: Any) -> RawCell:
    value = _unescape(cell.value) if isinstance(cell.value, str) else cell.value
    link = cell.hyperlink
    target = (link.target or (f"#{link.location}" if link.location else "")) if link is not None else ""
    note = cell.comment.text if cell.comment is not None and cell.comment.text else ""
    return RawCell(value, cell.coordinate, cell.data_type == "f", _unescape(str(target)), _unescape(str(note)).strip())


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
    bounds = _bounds(ref)
    if bounds is None:
        detail = f"table '{table}' covers no valid range of cells ({ref!r})"
        return None, [Diagnostic.make(Code.CORRUPT, Location(file=display, sheet=sheet), detail=detail)]
    min_col, min_row, max_col, max_row = bounds
    if (max_row - min_row) > MAX_TABLE_ROWS or (max_col - min_col) > 64:
        where = Location(file=display, sheet=sheet, cell=ref.split(":")[0])
        return None, [Diagnostic.make(Code.TABLE_TOO_LARGE, where, table=table, rows=f"{max_row - min_row:,}", limit=f"{MAX_TABLE_ROWS:,}")]
    columns = range(min_col, max_col + 1)
    header_cells = [_at(ws, min_row, col) for col in columns]
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
    for row in range(min_row + 1, max_row + 1):
        raw.rows.append({h: _at(ws, row, col) for h, col in zip(headers, columns, strict=True) if h})
    raw.outside = _outside(ws, ref, min_row)
    return raw, diagnostics


def _at(ws: Worksheet, row: int, col: int) -> RawCell:
    """The cell at (row, col) as stored, or an empty one: ``ws[ref]`` and ``iter_rows`` would create every
    missing cell of the range (a 32 kB file whose tables span 5,000 x 65 cells cost 12 s and 500 MB)."""
    cell = ws._cells.get((row, col))
    return _cell(cell) if cell is not None else RawCell(None, f"{get_column_letter(col)}{row}")


def _bounds(ref: Any) -> tuple[int, int, int, int] | None:
    """A table's (min_col, min_row, max_col, max_row), or None if its ref is not a range inside a sheet."""
    try:
        bounds = range_boundaries(ref)
    except (TypeError, ValueError):
        return None
    if any(b is None for b in bounds):
        return None
    min_col, min_row, max_col, max_row = bounds
    if not (1 <= min_col <= max_col <= 16_384 and 1 <= min_row <= max_row <= 1_048_576):
        return None
    return min_col, min_row, max_col, max_row


def _outside(ws: Worksheet, ref: str, header_row: int) -> list[RawCell]:
    """Cells with content from the header row down that lie outside the table's range."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    found = []
    # The cells the file holds, in sheet order: iter_rows() would create every cell of the
    # rectangle up to the farthest one (one cell at XFD1048576 means 17 billion).
    for (row, col), cell in sorted(ws._cells.items()):
        inside = min_col <= col <= max_col and min_row <= row <= max_row
        if row >= header_row and not inside and cell.value is not None and str(cell.value).strip():
            found.append(_cell(cell))
    return found
