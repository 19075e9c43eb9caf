"""The translators' workbook: the texts to translate as a protected xlsx, and reading it back.

Stage: translation hand-off. Sheet and table ``Translations``, columns
:data:`XLSX_HEADERS`, only the Translation column editable. Spreadsheet
injection: every text cell written that begins with ``=``, ``+``, ``-``, ``@``,
tab, carriage return or an apostrophe gets one leading apostrophe
(:func:`guard_cell`); reading strips exactly that guard (:func:`unguard_cell`), so
texts come back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..chars import codepoint, not_xml, without_not_xml
from ..errors import Code, Diagnostic, GcmReviewError, Location
from ..fsutil import atomic_write_with
from ..survey.languages import language
from ..workbook.heights import fit_rows
from ..workbook.read import RawCell, open_workbook
from ..workbook.style import (
    HEADER_FONT,
    LOCKED_FILL,
    PROMPT_LIMIT,
    TITLE_FONT,
    UNLOCKED,
    WRAP,
    add_table,
    looks_like_formula,
    protect,
)
from .formats import _FINGERPRINT_RE, _MARKUP_HINT, _file_error, _Incoming, _lang_code
from .segments import Segment
from .store import TranslationStore, Unit, pending

__all__ = ["XLSX_HEADERS", "export_xlsx", "guard_cell", "unguard_cell"]

XLSX_SHEET = XLSX_TABLE = "Translations"
XLSX_HEADERS = ("Segment", "Contributor", "Where", "Source language", "Source", "Translation", "Status", "Fingerprint")
XLSX_WIDTHS = (26, 14, 34, 10, 60, 60, 12, 26)
XLSX_HEADER_ROW = 4
TARGET_LABEL = "Target language"


def guard_cell(text: str) -> str:
    """Neutralise spreadsheet injection: prefix one apostrophe to text starting with = + - @ tab CR or '."""
    return "'" + text if looks_like_formula(text) or text.startswith("'") else text


def _cell_value(text: str) -> str:
    """Text as it can be written to a cell: guarded, without control characters a workbook cannot hold."""
    return guard_cell(without_not_xml(text)[0])


def unguard_cell(text: str) -> str:
    """Undo :func:`guard_cell` exactly: drop one apostrophe that precedes a guarded character."""
    guarded = text[1:]
    return guarded if text.startswith("'") and (looks_like_formula(guarded) or guarded.startswith("'")) else text


# ---------------------------------------------------------------- export


def export_xlsx(segments: Iterable[Segment], lang: str, store: TranslationStore | None, path: Path) -> list[Segment]:
    """Write the missing and stale segments as a protected workbook for translators; returns them.

    Sheet and table ``Translations``, columns :data:`XLSX_HEADERS`; only the
    Translation column can be edited. Stale rows hold the earlier translation.
    """
    todo = pending(segments, lang, store)
    wb = Workbook()
    ws = wb.active
    ws.title = XLSX_SHEET
    _xlsx_preamble(ws, lang)
    for offset, segment in enumerate(todo, 1):
        earlier = store.units.get(segment.id) if store else None
        _xlsx_row(ws, XLSX_HEADER_ROW + offset, segment, earlier)
    last = XLSX_HEADER_ROW + max(len(todo), 1)  # a table needs at least one data row
    _xlsx_layout(ws, last, lang)
    wb.properties.creator = "gcmreview"
    wb.properties.title = f"Translations into {lang}"
    atomic_write_with(path, wb.save)
    return todo


def _xlsx_preamble(ws: Worksheet, lang: str) -> None:
    name = language(lang).name
    ws["A1"] = f"Translations into {name} ({lang})"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = (
        f"Write the {name} translation of each Source text in the Translation column, the only one you can edit. "
        f"{_MARKUP_HINT} Rows whose Status is 'stale' hold an earlier translation of a text that has changed: correct it."
    )
    ws["A3"] = TARGET_LABEL
    ws["B3"] = lang
    ws["A3"].font = HEADER_FONT
    for col, header in enumerate(XLSX_HEADERS, 1):
        ws.cell(XLSX_HEADER_ROW, col, header).font = HEADER_FONT


def _xlsx_row(ws: Worksheet, row: int, segment: Segment, earlier: Unit | None) -> None:
    values = (
        segment.id,
        segment.contributor,
        f"{segment.label}; {segment.where}",
        segment.source_lang,
        segment.source,
        earlier.text if earlier is not None else None,
        "stale" if earlier is not None else "missing",
        segment.fingerprint,
    )
    for col, value in enumerate(values, 1):
        cell = ws.cell(row, col, _cell_value(value) if value is not None else None)
        cell.alignment = WRAP
        if XLSX_HEADERS[col - 1] == "Translation":
            cell.protection = UNLOCKED
        else:
            cell.fill = LOCKED_FILL


def _xlsx_layout(ws: Worksheet, last: int, lang: str) -> None:
    """Table, widths, frozen header, input message on Translation, protection."""
    end = get_column_letter(len(XLSX_HEADERS))
    add_table(ws, XLSX_TABLE, f"A{XLSX_HEADER_ROW}:{end}{last}")
    for col, width in enumerate(XLSX_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{XLSX_HEADER_ROW + 1}"
    column = get_column_letter(XLSX_HEADERS.index("Translation") + 1)
    for row in range(XLSX_HEADER_ROW + 1, last + 1):
        ws[f"{column}{row}"].protection = UNLOCKED
    fit_rows(ws)  # LibreOffice shows a wrapped text whole only in a row stored as tall as it
    prompt = (
        f"Type the {language(lang).name} translation of the Source text. Keep [@key] citations and **bold** markers. "
        "Leave it empty if you cannot translate it now. Stale rows: correct the earlier translation."
    )
    validation = DataValidation(allow_blank=True, showInputMessage=True, promptTitle="Translation", prompt=prompt[:PROMPT_LIMIT])
    validation.add(f"{column}{XLSX_HEADER_ROW + 1}:{column}{last}")
    ws.add_data_validation(validation)
    protect(ws, filters=False)


# ---------------------------------------------------------------- import


def _read_xlsx(path: Path, display: str) -> tuple[list[_Incoming], list[Diagnostic]]:
    wb, opened = open_workbook(path, display)  # opened: cells whose text is missing, pictures not read
    if wb is None:
        raise GcmReviewError(opened)
    sheet = wb.find_table(XLSX_TABLE)
    if sheet is None:
        raise _file_error(display, f"it is an Excel workbook without a '{XLSX_TABLE}' table")
    required = ["Segment", "Source language", "Source", "Translation"]
    table, problems = wb.table(sheet, XLSX_TABLE, required)
    if table is None or problems:
        raise GcmReviewError(problems)
    lang = _xlsx_target(wb.stored_cells(sheet), table.header_row)
    if not lang:
        raise _file_error(display, f"its sheet {sheet} has no '{TARGET_LABEL}' cell above the table")
    units: list[_Incoming] = []
    diagnostics: list[Diagnostic] = list(opened)
    for row in table.rows:
        unit = _xlsx_unit(row, lang, Location(display, sheet), diagnostics)
        if unit is not None:
            units.append(unit)
    return units, diagnostics


def _xlsx_target(cells: list[RawCell], header_row: int) -> str:
    """The code in the cell right of 'Target language', above the table (anywhere when the table starts in row 1)."""
    above = {(cell.row, cell.column): cell for cell in cells if cell.row < header_row or header_row == 1}
    for (row, column), cell in above.items():
        if isinstance(cell.value, str) and cell.value.strip() == TARGET_LABEL:
            beside = above.get((row, column + 1))
            return _lang_code(str(beside.value or "")) if beside is not None else ""
    return ""


def _cell_text(cell: RawCell | None) -> str:
    if cell is None or cell.value is None:
        return ""
    return unguard_cell(cell.value if isinstance(cell.value, str) else str(cell.value))


def _not_storable(row: Mapping[str, RawCell], sheet: Location, diagnostics: list[Diagnostic]) -> bool:
    """Whether a text of the row holds a character no store or document can hold (a lone surrogate, a control
    character written as ``_xHHHH_``); each such cell is reported (GCM213)."""
    found = False
    for header in ("Segment", "Source", "Translation"):
        cell = row.get(header)
        bad = not_xml(_cell_text(cell))
        if cell is not None and bad:
            chars = ", ".join(sorted({codepoint(c) for c in bad}))
            diagnostics.append(Diagnostic.make(Code.BAD_CHARACTER, Location(sheet.file, sheet.sheet, cell.coordinate), char=chars))
            found = True
    return found


def _xlsx_unit(row: Mapping[str, RawCell], lang: str, sheet: Location, diagnostics: list[Diagnostic]) -> _Incoming | None:
    segment_id = _cell_text(row.get("Segment")).strip()
    translation = row["Translation"]
    if not segment_id or _not_storable(row, sheet, diagnostics):
        return None
    where = Location(sheet.file, sheet.sheet, translation.coordinate, key=segment_id)
    if translation.formula:
        diagnostics.append(Diagnostic.make(Code.FORMULA, where, value=str(translation.value)[:60]))
        return None
    found = _FINGERPRINT_RE.fullmatch(_cell_text(row.get("Fingerprint")).strip())
    return _Incoming(
        id=segment_id,
        source_lang=_lang_code(_cell_text(row.get("Source language"))),
        target_lang=lang,
        source=_cell_text(row.get("Source")),
        target=_cell_text(translation),
        fingerprint=found.group(0) if found else None,
        needs_review=_cell_text(row.get("Status")).strip().lower() == "stale",
        where=where,
    )
