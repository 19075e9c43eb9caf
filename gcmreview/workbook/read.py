"""Read filled workbooks: recognise the file, load it safely, and extract raw table rows and cells.

Stage: workbook. This is the only module that loads workbooks with openpyxl, and
:class:`RawWorkbook` the only way to read one: sheet names, named tables
(:meth:`RawWorkbook.table`) and the cells a sheet holds (:meth:`RawWorkbook.stored_cells`),
as :class:`RawCell` values. It knows about files and cells only; turning cells into
a :class:`~gcmreview.model.Contribution` is :mod:`gcmreview.validate`'s job. The
input file is read into memory once, checked by :mod:`gcmreview.workbook.safety`
before openpyxl parses it, and never opened for writing.
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
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import Code, Diagnostic, Location, nearest
from .layout import MAX_TABLE_ROWS
from .safety import MAX_UNCOMPRESSED, refusal

__all__ = ["MAX_TABLE_ROWS", "RawCell", "RawTable", "RawWorkbook", "open_workbook"]


Bounds = tuple[int, int, int, int]
"""A range's (min_col, min_row, max_col, max_row), 1-based."""


@dataclass(frozen=True)
class RawCell:
    """A cell's value as stored, with its coordinate (also as row and column) and whether it holds a formula."""

    value: Any
    coordinate: str
    row: int
    column: int
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
    header_row: int
    """The sheet row of the table's headers (its first row)."""
    rows: list[dict[str, RawCell]] = field(default_factory=list)
    outside: list[RawCell] = field(default_factory=list)
    """Non-empty cells from the header row down but outside the table: not read, so reported."""


class RawWorkbook:
    """A workbook loaded by :func:`open_workbook`: its worksheets, their named tables and the cells they hold."""

    def __init__(self, workbook: Workbook, display: str) -> None:
        self._workbook = workbook
        self.display = display
        """The file as named in diagnostics."""

    @property
    def sheet_names(self) -> list[str]:
        """The worksheets' names, in workbook order (a chart sheet holds no cells and is not listed)."""
        return [str(ws.title) for ws in self._workbook.worksheets]

    def find_table(self, name: str) -> str | None:
        """The name of the first worksheet that holds a table called ``name``, or None."""
        return next((str(ws.title) for ws in self._workbook.worksheets if name in ws.tables), None)

    def table(self, sheet: str, name: str, expected_headers: list[str]) -> tuple[RawTable | None, list[Diagnostic]]:
        """The rows of table ``name`` on ``sheet``; diagnostics for a missing sheet, table or header.

        Without a table there is one diagnostic: the sheet or the table is missing, its range is
        not valid, or it is too large to be a contributor's. A table is returned with a diagnostic
        for each of ``expected_headers`` it lacks.
        """
        where = Location(file=self.display, sheet=sheet)
        if sheet not in self._workbook.sheetnames:  # every sheet's name, chart sheets' too
            suggestion = nearest(sheet, self._workbook.sheetnames)
            return None, [Diagnostic.make(Code.MISSING_SHEET, where, sheet=sheet, suggestion=suggestion)]
        ws = self._workbook[sheet]
        bounds, problems = _table_bounds(ws, name, where)
        if bounds is None:
            return None, problems
        return _read_table(ws, name, bounds, expected_headers, where)

    def stored_cells(self, sheet: str) -> list[RawCell]:
        """The cells worksheet ``sheet`` (one of :attr:`sheet_names`) holds, in sheet order, row by row.

        No cell is created (``iter_rows()`` would create every one up to the farthest). The values
        are as loaded: unlike a table's cells they keep OOXML's ``_xHHHH_`` escapes, and formulas,
        links and notes are not looked at.
        """
        return [RawCell(cell.value, cell.coordinate, row, col) for (row, col), cell in _stored(self._workbook[sheet])]


def open_workbook(path: Path, display: str) -> tuple[RawWorkbook | None, list[Diagnostic]]:
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
    problem = refusal(data, display)
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
    return RawWorkbook(wb, display), notes


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
    return RawCell(value, cell.coordinate, cell.row, cell.column, cell.data_type == "f", _unescape(str(target)), _unescape(str(note)).strip())


def _stored(ws: Worksheet) -> list[tuple[tuple[int, int], Any]]:
    """((row, column), cell) for each cell the sheet holds, in sheet order. ``iter_rows()`` would create every
    cell of the rectangle up to the farthest one (one cell at XFD1048576 means 17 billion)."""
    return sorted(ws._cells.items())


def _table_bounds(ws: Worksheet, name: str, where: Location) -> tuple[Bounds | None, list[Diagnostic]]:
    """The range of table ``name`` on the sheet, or the diagnostic why it cannot be read."""
    if name not in ws.tables:
        return None, [Diagnostic.make(Code.MISSING_TABLE, where, table=name)]
    ref = ws.tables[name].ref
    bounds = _bounds(ref)
    if bounds is None:
        detail = f"table '{name}' covers no valid range of cells ({ref!r})"
        return None, [Diagnostic.make(Code.CORRUPT, where, detail=detail)]
    min_col, min_row, max_col, max_row = bounds
    if (max_row - min_row) > MAX_TABLE_ROWS or (max_col - min_col) > 64:
        at = Location(file=where.file, sheet=where.sheet, cell=ref.split(":")[0])
        return None, [Diagnostic.make(Code.TABLE_TOO_LARGE, at, table=name, rows=f"{max_row - min_row:,}", limit=f"{MAX_TABLE_ROWS:,}")]
    return bounds, []


def _read_table(
    ws: Worksheet, name: str, bounds: Bounds, expected: list[str], where: Location
) -> tuple[RawTable, list[Diagnostic]]:
    """The table's rows by header, and a diagnostic for each expected header it lacks."""
    min_col, min_row, max_col, max_row = bounds
    columns = range(min_col, max_col + 1)
    header_cells = [_at(ws, min_row, col) for col in columns]
    headers = [str(c.value) if c.value is not None else "" for c in header_cells]
    diagnostics = [
        Diagnostic.make(
            Code.MISSING_HEADER,
            Location(file=where.file, sheet=where.sheet, cell=header_cells[0].coordinate),
            header=header,
            table=name,
            suggestion=nearest(header, [h for h in headers if h not in expected]),
        )
        for header in expected
        if header not in headers
    ]
    raw = RawTable(where.sheet, name, headers, min_row)
    for row in range(min_row + 1, max_row + 1):
        raw.rows.append({h: _at(ws, row, col) for h, col in zip(headers, columns, strict=True) if h})
    raw.outside = _outside(ws, bounds)
    return raw, diagnostics


def _at(ws: Worksheet, row: int, col: int) -> RawCell:
    """The cell at (row, col) as stored, or an empty one: ``ws[ref]`` and ``iter_rows`` would create every
    missing cell of the range (a 32 kB file whose tables span 5,000 x 65 cells cost 12 s and 500 MB)."""
    cell = ws._cells.get((row, col))
    return _cell(cell) if cell is not None else RawCell(None, f"{get_column_letter(col)}{row}", row, col)


def _bounds(ref: Any) -> Bounds | None:
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


def _outside(ws: Worksheet, bounds: Bounds) -> list[RawCell]:
    """Cells with content from the header row (the table's first) down that lie outside the table's range."""
    min_col, min_row, max_col, max_row = bounds
    found = []
    for (row, col), cell in _stored(ws):
        inside = min_col <= col <= max_col and min_row <= row <= max_row
        if row >= min_row and not inside and cell.value is not None and str(cell.value).strip():
            found.append(_cell(cell))
    return found
