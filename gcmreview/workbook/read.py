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

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import Code, Diagnostic, Location, nearest
from .layout import MAX_TABLE_ROWS
from .safety import MAX_UNCOMPRESSED, refusal
from .tables import table_problems
from .xmlscan import strip_elements

__all__ = ["MAX_TABLE_ROWS", "RawCell", "RawColumn", "RawTable", "RawWorkbook", "open_workbook"]


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
    """Each row's cells by header; a header that repeats is read in its first column only."""
    outside: list[RawCell] = field(default_factory=list)
    """Non-empty cells outside the table, from its header row (or the row asked for, if above) down."""
    header_cells: dict[str, RawCell] = field(default_factory=dict)
    """The header cell of each column read (the first with its header)."""
    repeated: list[RawColumn] = field(default_factory=list)
    """The columns whose header an earlier column has, or that have no header: not read by header."""


@dataclass(frozen=True)
class RawColumn:
    """A column of a table that is not read: its header cell, the column read instead, and its non-empty cells."""

    header: RawCell
    first: RawCell | None
    """The header cell of the earlier column with the same header (None when this one has no header)."""
    cells: list[RawCell]


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

    def table(
        self, sheet: str, name: str, expected_headers: list[str], first_row: int | None = None
    ) -> tuple[RawTable | None, list[Diagnostic]]:
        """The rows of table ``name`` on ``sheet``; diagnostics for a missing sheet, table or header.

        Without a table there is one diagnostic: the sheet or the table is missing, its range is
        not valid, or it is too large to be a contributor's. A table is returned with a diagnostic
        for each of ``expected_headers`` it lacks. Its :attr:`~RawTable.outside` cells start at
        ``first_row`` when the table has moved below it (the template's header row, say).
        """
        where = Location(file=self.display, sheet=sheet)
        if sheet not in self._workbook.sheetnames:  # every sheet's name, chart sheets' too
            suggestion = nearest(sheet, self._workbook.sheetnames)
            return None, [Diagnostic.make(Code.MISSING_SHEET, where, sheet=sheet, suggestion=suggestion)]
        ws = self._workbook[sheet]
        bounds, problems = _table_bounds(ws, name, where)
        if bounds is None:
            return None, problems
        return _read_table(ws, name, bounds, expected_headers, where, first_row)

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
    tables = table_problems(data, display)
    if tables:
        return None, tables
    notes: list[Diagnostic] = []
    try:
        data, drawings = _simplified(data)
        if drawings:
            notes.append(Diagnostic.make(Code.PICTURES, Location(file=display), count=drawings))
        wb = _load(data)
    except Exception as exc:  # openpyxl raises many types on damaged files
        cause = exc.__cause__ or exc  # openpyxl wraps the error in one that blames "invalid XML"
        detail = " ".join(f"{type(cause).__name__}: {cause}".split()).rstrip(":")[:200]  # one line
        return None, [Diagnostic.make(Code.CORRUPT, Location(file=display), detail=detail)]
    return RawWorkbook(wb, display), _missing_texts(wb, display) + notes


class _MissingText(str):
    """The value of a cell whose shared-string index names no entry of the table (a damaged or forged file)."""

    number: int


class _SharedStrings(list[Any]):
    """The shared-string table, refusing indexes outside it: a list would read -1 as the last entry."""

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int) and not 0 <= index < len(self):
            missing = _MissingText("")
            missing.number = index
            return missing
        return super().__getitem__(index)


class _Reader(ExcelReader):  # type: ignore[misc]
    """openpyxl's reader, with a shared-string table that marks what it does not hold."""

    shared_strings: list[Any]

    def read_strings(self) -> None:
        super().read_strings()
        self.shared_strings = _SharedStrings(self.shared_strings)


def _load(data: bytes) -> Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = _Reader(io.BytesIO(data), read_only=False, keep_vba=False, data_only=False, keep_links=False)
        reader.read()
        return reader.wb


def _missing_texts(wb: Workbook, display: str) -> list[Diagnostic]:
    """An error at each cell whose shared text is not in the workbook; the cell is then read as empty."""
    found = []
    for ws in wb.worksheets:
        for (row, col), cell in _stored(ws):
            if isinstance(cell._value, _MissingText):
                where = Location(display, str(ws.title), f"{get_column_letter(col)}{row}")
                found.append(Diagnostic.make(Code.MISSING_TEXT, where, index=cell._value.number))
                cell._value = None
    return found


_TAKEN_OUT = frozenset({b"mergeCells", b"drawing"})
_SHEET_PART = re.compile(r"xl/(?:worksheets|chartsheets)/[^/]+\.xml")


def _simplified(data: bytes) -> tuple[bytes, int]:
    """The archive without its sheets' merged ranges and drawings, and how many drawings it had.

    Excel empties the cells it merges, but LibreOffice can keep their contents hidden
    ("keep the contents of the hidden cells"); without the merge that text is read like
    any other. A drawing holds pictures, charts and shapes, none of which are read, and
    a picture can be linked to a file outside the workbook. The archive is unchanged
    (and not copied) when there is nothing to take out. The parts are scanned in linear
    time (:func:`~gcmreview.workbook.xmlscan.strip_elements`), whatever they hold.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        changed: dict[str, bytes] = {}
        drawings = 0
        for info in src.infolist():
            if _SHEET_PART.fullmatch(info.filename):
                part = src.read(info)
                if any(name in part for name in _TAKEN_OUT):
                    stripped, removed = strip_elements(part, _TAKEN_OUT)
                    if removed:
                        changed[info.filename], drawings = stripped, drawings + removed[b"drawing"]
        if not changed:
            return data, 0
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                new = changed.get(info.filename)
                dst.writestr(info, new if new is not None else src.read(info))
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
        return None, [Diagnostic.make(Code.TABLE_RANGE, where, table=name, ref=str(ref)[:60])]
    min_col, min_row, max_col, max_row = bounds
    if (max_row - min_row) > MAX_TABLE_ROWS or (max_col - min_col) > 64:
        at = Location(file=where.file, sheet=where.sheet, cell=ref.split(":")[0])
        return None, [Diagnostic.make(Code.TABLE_TOO_LARGE, at, table=name, rows=f"{max_row - min_row:,}", limit=f"{MAX_TABLE_ROWS:,}")]
    return bounds, []


def _read_table(
    ws: Worksheet, name: str, bounds: Bounds, expected: list[str], where: Location, first_row: int | None
) -> tuple[RawTable, list[Diagnostic]]:
    """The table's rows by header, and a diagnostic for each expected header it lacks."""
    min_col, min_row, max_col, max_row = bounds
    header_cells = [_at(ws, min_row, col) for col in range(min_col, max_col + 1)]
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
    firsts = raw.header_cells
    repeated: dict[int, tuple[RawCell, RawCell | None]] = {}
    for header, cell in zip(headers, header_cells, strict=True):
        if header and header not in firsts:
            firsts[header] = cell
        else:
            repeated[cell.column] = (cell, firsts.get(header))
    below = _stored_cells(ws, (min_col, min_row + 1, max_col, max_row), set(repeated))
    raw.repeated = [RawColumn(head, first, below.get(col, [])) for col, (head, first) in repeated.items()]
    for row in range(min_row + 1, max_row + 1):
        raw.rows.append({h: _at(ws, row, cell.column) for h, cell in firsts.items()})
    raw.outside = _outside(ws, bounds, min(min_row, first_row or min_row))
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


def _stored_cells(ws: Worksheet, bounds: Bounds, columns: set[int]) -> dict[int, list[RawCell]]:
    """The non-empty cells of ``columns`` within ``bounds``, by column, in sheet order (no cell created)."""
    _, min_row, _, max_row = bounds
    found: dict[int, list[RawCell]] = {}
    for (row, col), cell in _stored(ws) if columns else ():
        if col in columns and min_row <= row <= max_row and not (raw := _cell(cell)).empty:
            found.setdefault(col, []).append(raw)
    return found


def _outside(ws: Worksheet, bounds: Bounds, first_row: int) -> list[RawCell]:
    """Cells with content from ``first_row`` down that lie outside the table's range."""
    min_col, min_row, max_col, max_row = bounds
    found = []
    for (row, col), cell in _stored(ws):
        inside = min_col <= col <= max_col and min_row <= row <= max_row
        if row >= first_row and not inside and cell.value is not None and str(cell.value).strip():
            found.append(_cell(cell))
    return found
