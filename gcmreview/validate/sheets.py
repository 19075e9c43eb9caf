"""Validation of the table sheets: rows into model items, and sheets that are not the template's.

Stage: validate. :func:`read_section` reads one table (Answers, Actions, ...) into
its list of model items, recording where each value came from; a row with errors
is not used, and a table that cannot be read has its contributor-written cells
listed as left out. :func:`extra_sheets` reports sheets a contributor added.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from ..config import ReviewConfig
from ..errors import Code, Diagnostic, Location, SourceMap
from ..model import Action, Answer, PrincipleAnswer, Reference, Statistic
from ..submission import LeftOutEntry
from ..workbook.layout import HEADER_ROW, IDENTITY_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, TABLES, Column, TableSpec
from ..workbook.read import RawCell, RawTable, RawWorkbook
from .cells import CellParser

__all__ = ["extra_sheets", "read_section"]

_TEMPLATE_SHEETS = (INSTRUCTIONS_SHEET, IDENTITY_SHEET, *(spec.sheet for spec in TABLES), LISTS_SHEET)
"""The sheets of a contributor workbook, in order (the hidden list of institution names last, when there is one)."""

_ROW_MODELS: dict[str, type[BaseModel]] = {
    "answers": Answer,
    "actions": Action,
    "principles": PrincipleAnswer,
    "statistics": Statistic,
    "references": Reference,
}


def read_section(
    wb: RawWorkbook, spec: TableSpec, review: ReviewConfig, sources: SourceMap
) -> tuple[list[Any], list[Diagnostic], list[LeftOutEntry]]:
    """The model items of one table's rows, the problems found, and what was left out."""
    columns = spec.expand(review.languages)
    table, problems = wb.table(spec.sheet, spec.name, [c.header for c in columns], HEADER_ROW)
    if table is not None:
        table.outside = [cell for cell in table.outside if not _template_text(cell, table, columns)]
    if table is None or problems:  # without all its columns a row cannot be read reliably
        return [], problems, _unread(wb, spec, columns, table)
    parser = CellParser(wb.display, spec.sheet)
    parser.report_outside(table)
    parser.report_unread_columns(table, {c.header for c in columns})
    items: list[Any] = []
    for row in table.rows:
        data = _row_data(parser, columns, row)
        if data is None:
            continue
        item = _row_model(parser, spec, columns, row, data)
        if item is None:
            for col in columns:
                if not col.locked and col.header in row:
                    parser.drop(row[col.header], "the row has errors, so it was not used")
            continue
        _add_sources(sources, parser, f"{spec.section}[{len(items)}]", columns, row)
        items.append(item)
    return items, problems + parser.diagnostics, parser.left_out


def _add_sources(sources: SourceMap, parser: CellParser, path: str, columns: tuple[Column, ...], row: dict[str, RawCell]) -> None:
    """Where the item at ``path`` came from: its row's first cell, and each non-empty field's cell."""
    sources.add(path, parser.where(next(iter(row.values()))))
    for col in columns:
        if col.field and col.header in row and not row[col.header].empty:
            sources.add(f"{path}.{col.field}", parser.where(row[col.header]))


def _template_text(cell: RawCell, table: RawTable, columns: tuple[Column, ...]) -> bool:
    """Whether a cell above a table that moved down holds the template's text: a locked column's, or a header."""
    if cell.row >= table.header_row or cell.column > len(columns):
        return False
    col = columns[cell.column - 1]
    return col.locked or cell.value == col.header


def _unread(wb: RawWorkbook, spec: TableSpec, columns: tuple[Column, ...], table: RawTable | None) -> list[LeftOutEntry]:
    """What a contributor wrote in a table that could not be read (missing, or a header renamed).

    Cells in the template's own (locked) columns are the template's text, not the contributor's.
    """
    parser = CellParser(wb.display, spec.sheet)
    reason = f"table '{spec.name}' could not be read (see the error on this sheet)"
    locked = {c.header for c in columns if c.locked}
    if table is not None:
        for row in table.rows:
            for header, cell in row.items():
                if header not in locked:
                    parser.drop(cell, reason)
        for cell in table.outside + [c for column in table.repeated for c in column.cells]:
            parser.drop(cell, reason)
    elif spec.sheet in wb.sheet_names:
        for cell in wb.stored_cells(spec.sheet):
            in_locked_column = cell.column <= len(columns) and columns[cell.column - 1].locked
            if cell.row > HEADER_ROW and not in_locked_column:
                parser.drop(cell, reason)
    return parser.left_out


def _row_data(parser: CellParser, columns: tuple[Column, ...], row: dict[str, RawCell]) -> dict[str, Any] | None:
    """Field values of one row, or None when the contributor wrote nothing in it."""
    editable = [c for c in columns if not c.locked and c.header in row]
    if all(row[c.header].empty for c in editable):
        return None
    data: dict[str, Any] = {}
    for col in columns:
        if not col.field or col.header not in row:
            continue
        value = parser.parse(row[col.header], col.kind, col)
        name, _, lang = col.field.partition(".")
        if lang:
            data.setdefault(name, {})[lang] = value or ""
        elif value is not None:
            data[name] = value
    return data


def _row_model(
    parser: CellParser, spec: TableSpec, columns: tuple[Column, ...], row: dict[str, RawCell], data: dict[str, Any]
) -> Any:
    """The row's model item, or None (with diagnostics) when a required cell is empty or a value is rejected."""
    missing = [c for c in columns if c.required and c.header in row and row[c.header].empty]
    for col in missing:
        parser.problem(Code.MISSING_REQUIRED_CELL, row[col.header], field=col.header)
    if missing:
        return None
    try:
        return _ROW_MODELS[spec.section].model_validate(data)
    except ValidationError as exc:
        _report_model_errors(parser, columns, row, exc)
        return None


def _report_model_errors(parser: CellParser, columns: tuple[Column, ...], row: dict[str, RawCell], exc: ValidationError) -> None:
    """Report what pydantic rejected, unless the parser already reported that cell."""
    flagged = {d.location.cell for d in parser.diagnostics}
    first = next(iter(row.values()))
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        col = next((c for c in columns if c.field.partition(".")[0] == field and c.header in row), None)
        cell = row[col.header] if col else first
        if cell.coordinate not in flagged:
            detail = f"{col.header if col else field}: {error['msg']}. Correct the value or clear the row."
            parser.problem(Code.INVALID_CELL, cell, detail=detail)


def extra_sheets(wb: RawWorkbook) -> tuple[list[Diagnostic], list[LeftOutEntry]]:
    """Sheets a contributor added (or copied): each reported, and its cells listed as left out."""
    diagnostics: list[Diagnostic] = []
    left_out: list[LeftOutEntry] = []
    for name in wb.sheet_names:
        if name in _TEMPLATE_SHEETS:
            continue
        sheet = CellParser(wb.display, name)
        sheet.diagnostics.append(Diagnostic.make(Code.EXTRA_SHEET, Location(wb.display, name), sheet=name))
        for cell in wb.stored_cells(name):
            sheet.drop(cell, f"on sheet '{name}', which is not part of the template")
        diagnostics += sheet.diagnostics
        left_out += sheet.left_out
    return diagnostics, left_out
