"""How gcmreview's workbooks look and what they protect: shared by the contributor workbook
and the translators' workbook (the xlsx hand-off).

Stage: workbook. Locked cells are grey, titles large, input cells white and unlocked;
sheets are protected without a password, so columns and rows can still be resized.
Text that a spreadsheet program would take for a formula is recognised here, once.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FORMULA_STARTS",
    "HEADER_FONT",
    "HELP_FONT",
    "LOCKED_FILL",
    "PROMPT_LIMIT",
    "TITLE_FONT",
    "TITLE_LIMIT",
    "UNLOCKED",
    "WRAP",
    "add_table",
    "looks_like_formula",
    "print_setup",
    "protect",
]

LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HELP_FONT = Font(italic=True, color="444444")
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
PROMPT_LIMIT, TITLE_LIMIT = 255, 32
"""Excel's limits for a data validation's input message and its title."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell whose text starts with one of these is taken for a formula by spreadsheet programs."""


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet program would take ``text``, typed into a cell, for a formula."""
    return text.startswith(FORMULA_STARTS)


def protect(ws: Worksheet, *, filters: bool = True) -> None:
    """Protect the sheet without a password; columns and rows can still be resized
    (and the table filtered, unless ``filters`` is False)."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    if not filters:
        ws.protection.autoFilter = False


def print_setup(ws: Worksheet, *, title_rows: str | None = None, title_columns: str | None = None, fit_width: bool = False) -> None:
    """Landscape A4 pages (every column of the workbooks fits across one), the given rows
    and columns repeated on every page, and the sheet shrunk to one page wide if ``fit_width``."""
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
    if title_rows:
        ws.print_title_rows = title_rows
    if title_columns:
        ws.print_title_cols = title_columns
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def add_table(ws: Worksheet, name: str, ref: str) -> None:
    """A named Excel table over ``ref`` with light banded rows."""
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
