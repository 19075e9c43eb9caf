"""Validation, cell by cell: a cell's value for the model, and what a contributor wrote that is left out.

Stage: validate. A :class:`CellParser` reads the cells of one sheet of one file:
each column kind has its parser in :data:`PARSERS` (a year, a number, objective
numbers, a choice from a list, Yes/No, a date; any other kind is text). Each
problem becomes a diagnostic located at its cell, and every non-empty cell whose
content does not reach the contribution is recorded as a
:class:`~gcmreview.submission.LeftOutEntry` with the reason (consolidation fills in
the contributor).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..errors import Code, Diagnostic, Location
from ..submission import LeftOutEntry
from ..workbook.layout import Column, ColumnKind
from ..workbook.read import RawCell, RawTable

__all__ = ["PARSERS", "CellParser", "as_text"]

_SPLIT_RE = re.compile(r"[,;\s]+")


def as_text(value: Any) -> str:
    """A cell value as the text a contributor sees: 12 for 12.0, a date without a midnight time."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return value if isinstance(value, str) else str(value)


class CellParser:
    """Parses cells of one sheet of one file, collecting diagnostics and left-out entries."""

    def __init__(self, file: str, sheet: str) -> None:
        self.file, self.sheet = file, sheet
        self.diagnostics: list[Diagnostic] = []
        self.left_out: list[LeftOutEntry] = []
        self._dropped: set[str] = set()

    def where(self, cell: RawCell) -> Location:
        """The cell's location in this file and sheet."""
        return Location(self.file, self.sheet, cell.coordinate)

    def problem(self, code: Code, cell: RawCell, /, **values: Any) -> None:
        """Report a problem at the cell."""
        self.diagnostics.append(Diagnostic.make(code, self.where(cell), **values))

    def drop(self, cell: RawCell, reason: str) -> None:
        """Record that a non-empty cell's content does not reach the contribution (once per cell)."""
        if not cell.empty and cell.coordinate not in self._dropped:
            self._dropped.add(cell.coordinate)
            self._leave_out(cell, as_text(cell.value), reason)

    def report_outside(self, table: RawTable) -> None:
        """Report and list as left out the cells beside or below the table."""
        for cell in table.outside:
            self.problem(Code.OUTSIDE_TABLE, cell, value=as_text(cell.value)[:60])
            self.drop(cell, "outside the table")
            self.attachments(cell)

    def report_unread_columns(self, table: RawTable, known: set[str]) -> None:
        """Report the table's columns that are not read (a header repeated, unknown or missing) and list what they hold as
        left out; a column repeating a header is reported even when empty."""
        unread = [(c.header, c.first, c.cells) for c in table.repeated]
        for header in [h for h in table.headers if h not in known and h]:
            cells = [row[header] for row in table.rows if not row[header].empty]
            unread.append((table.header_cells[header], None, cells))
        for head, first, cells in unread:
            header = as_text(head.value or "")
            if first is not None:
                self.problem(Code.REPEATED_COLUMN, head, header=header, table=table.name, first=first.coordinate)
            elif cells:
                self.problem(Code.UNREAD_COLUMN, head, header=header, table=table.name, count=len(cells))
            for cell in cells:
                self.drop(cell, f"in column '{header[:40]}' ({head.coordinate}), which is not read")
                self.attachments(cell)

    def attachments(self, cell: RawCell) -> None:
        """A hyperlink or a note on the cell is not read: each is reported and listed as left out."""
        if cell.link and cell.link not in as_text(cell.value or ""):
            self.problem(Code.CELL_LINK, cell, target=cell.link[:100])
            self._leave_out(cell, cell.link, "a link on the cell; links are not kept")
        if cell.note:
            self.problem(Code.CELL_NOTE, cell, value=cell.note[:60])
            self._leave_out(cell, cell.note, "a note (comment) on the cell")

    def parse(self, cell: RawCell, kind: ColumnKind, col: Column | None = None) -> Any:
        """The cell's value for the model, or None (with a diagnostic when wrong).

        ``col`` is the table column the cell is in (a choice is one of its choices); None for a
        field of the Contributor sheet.
        """
        self.attachments(cell)
        if cell.empty:
            return None
        value = cell.value
        if cell.formula:
            self.problem(Code.FORMULA, cell, value=str(value)[:60])
            self.drop(cell, "a formula, not text")
            return None
        parser = PARSERS.get(kind)
        before = len(self.diagnostics)
        parsed = parser(self, cell, value, col) if parser else as_text(value)
        if len(self.diagnostics) > before:
            self.drop(cell, self.diagnostics[-1].message)
        return parsed

    def _leave_out(self, cell: RawCell, value: str, reason: str) -> None:
        self.left_out.append(
            LeftOutEntry(contributor="", file=self.file, sheet=self.sheet, cell=cell.coordinate, value=value, reason=reason)
        )


Parser = Callable[[CellParser, RawCell, Any, Column | None], Any]
"""Parses a cell's value (not empty, not a formula), reporting through the CellParser what is wrong."""


def _objectives(cells: CellParser, cell: RawCell, value: Any, col: Column | None) -> list[int]:
    out: list[int] = []
    for token in _SPLIT_RE.split(as_text(value).strip()):
        if re.fullmatch(r"\d{1,3}(\.0)?", token):
            out.append(int(float(token)))
        elif token:
            cells.problem(Code.UNKNOWN_OBJECTIVE, cell, value=token)
    return out


def _year(cells: CellParser, cell: RawCell, value: Any, col: Column | None) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    cells.problem(Code.BAD_YEAR, cell, value=as_text(value))
    return None


def _number(cells: CellParser, cell: RawCell, value: Any, col: Column | None) -> int | float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = as_text(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d*\.\d+", text):
        return float(text)
    cells.problem(Code.BAD_NUMBER, cell, value=text)
    return None


def _choice(cells: CellParser, cell: RawCell, value: Any, col: Column | None) -> str | None:
    text = as_text(value).strip()
    choices = col.choices if col is not None else ()
    match = next((c for c in choices if c.casefold() == text.casefold()), None)
    if match is None:
        header = col.header if col is not None else ""
        cells.problem(Code.BAD_CHOICE, cell, value=text, field=header, choices=", ".join(choices))
    return match


def _yesno(cells: CellParser, cell: RawCell, value: Any, col: Column | None) -> bool | None:
    if isinstance(value, bool):
        return value
    choice = _choice(cells, cell, value, col)
    return None if choice is None else choice == "Yes"


def _date(cells: CellParser, cell: RawCell, value: Any, col: Column | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(as_text(value).strip())
    except ValueError:
        cells.problem(Code.BAD_DATE, cell, value=as_text(value))
        return None


PARSERS: dict[ColumnKind, Parser] = {
    "objectives": _objectives,
    "year": _year,
    "number": _number,
    "choice": _choice,
    "yesno": _yesno,
    "date": _date,
}
"""The parser of each column kind that is not text (text, e-mail and URL cells are taken as text)."""
