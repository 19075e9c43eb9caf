"""Write contributor workbooks: blank ones for ministries, or filled from a Contribution.

Stage: workbook. The workbook explains itself in both languages of the review,
offers dropdowns for closed choices, and is protected (no password) so that only
the answer cells can be edited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..config import ReviewConfig
from ..i18n import translator
from ..model import FIRST_YEAR, LAST_YEAR, Contribution
from ..survey import Survey, load_reference
from .heights import fit_rows
from .layout import (
    HEADER_ROW,
    IDENTITY_FIELDS,
    IDENTITY_SHEET,
    IDENTITY_TITLE,
    INSTRUCTIONS,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    MAX_TABLE_ROWS,
    TABLES,
    TEMPLATE_VERSION,
    Column,
    TableSpec,
)
from .style import (
    HELP_FONT,
    LOCKED_FILL,
    PROMPT_LIMIT,
    TITLE_FONT,
    TITLE_LIMIT,
    UNLOCKED,
    WRAP,
    add_table,
    looks_like_formula,
    print_setup,
    protect,
)

__all__ = ["build_workbook", "format_objectives"]


class _Labels:
    """Bilingual labels: English, then the national language when it has a translation."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.national = translator(languages[1]) if len(languages) > 1 else None

    def both(self, msgid: str, sep: str = "\n") -> str:
        if self.national is None:
            return msgid
        other = self.national(msgid)
        return msgid if other == msgid else f"{msgid}{sep}{other}"

    def title(self, msgid: str) -> str:
        """An input-message title within Excel's 32-character limit, never cut mid-word."""
        for text in (self.both(msgid, " / "), self.national(msgid) if self.national else msgid, msgid):
            if len(text) <= TITLE_LIMIT:
                return text
        return msgid[:TITLE_LIMIT]

    def prompt(self, msgid: str) -> str:
        """An input message within Excel's 255-character limit."""
        text = self.both(msgid, "\n")
        if len(text) <= PROMPT_LIMIT:
            return text
        other = self.national(msgid) if self.national else msgid
        return other if len(other) <= PROMPT_LIMIT else msgid[:PROMPT_LIMIT]


def format_objectives(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def build_workbook(
    review: ReviewConfig, survey: Survey, contributor: str, contribution: Contribution | None = None
) -> Workbook:
    """A contributor workbook for ``contributor``: blank, or filled from ``contribution``."""
    labels = _Labels(review.languages)
    wb = Workbook()
    _instructions_sheet(wb.active, labels, review)
    _identity_sheet(wb.create_sheet(IDENTITY_SHEET), labels, review, survey, contributor, contribution)
    for spec in TABLES:
        rows = _table_rows(spec, review, survey, contribution)
        _table_sheet(wb.create_sheet(spec.sheet), spec, labels, review.languages, rows)
    _institution_lists(wb, review)
    wb.properties.title = f"{survey.name}: {contributor}"
    wb.properties.creator = "gcmreview"
    wb.properties.subject = TEMPLATE_VERSION
    wb.defined_names["gcmreview_template"] = DefinedName("gcmreview_template", attr_text=f'"{TEMPLATE_VERSION}"')
    for ws in wb.worksheets:
        fit_rows(ws)
    return wb


def _instructions_sheet(ws: Worksheet, labels: _Labels, review: ReviewConfig) -> None:
    ws.title = INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 90
    ws.column_dimensions["B"].width = 90
    for row, msgid in enumerate(INSTRUCTIONS, start=1):
        ws.cell(row, 1, msgid).alignment = WRAP
        if labels.national:
            ws.cell(row, 2, labels.national(msgid)).alignment = WRAP
        if row == 1:
            ws.cell(row, 1).font = TITLE_FONT
            ws.cell(row, 2).font = TITLE_FONT
    print_setup(ws, fit_width=True)
    protect(ws)


def _identity_sheet(
    ws: Worksheet, labels: _Labels, review: ReviewConfig, survey: Survey, code: str, contribution: Contribution | None
) -> None:
    _heading(ws, 1, labels.both(IDENTITY_TITLE, " / "), TITLE_FONT, 3)
    ws.append([])
    ws.append([])
    ws.append(["Field", "Item", "Value"])
    person = review.contributor(code)
    values: dict[str, Any] = {"survey": survey.id, "template": TEMPLATE_VERSION, "contributor": code}
    if contribution is not None:
        values |= contribution.identity.model_dump()
    elif person is not None:
        values["ministry"] = person.name.get(review.languages[-1], person.name["en"])
    for offset, spec in enumerate(IDENTITY_FIELDS):
        row = HEADER_ROW + 1 + offset
        ws.cell(row, 1, spec.key).fill = LOCKED_FILL
        label = ws.cell(row, 2, labels.both(spec.label, " / "))
        label.fill, label.alignment = LOCKED_FILL, WRAP
        cell = ws.cell(row, 3, values.get(spec.key) or None)
        cell.alignment = WRAP
        if spec.kind == "key":
            cell.fill = LOCKED_FILL
        else:
            cell.protection = UNLOCKED
            _validation(ws, Column(spec.key, spec.key, spec.kind, 0, spec.label, spec.help), labels, cell.coordinate)
        if spec.kind == "date":
            cell.number_format = "yyyy-mm-dd"
    last = HEADER_ROW + len(IDENTITY_FIELDS)
    add_table(ws, IDENTITY_SHEET, f"A{HEADER_ROW}:C{last}")
    for letter, width in zip("ABC", (14, 34, 50), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    print_setup(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    protect(ws)


def _table_rows(
    spec: TableSpec, review: ReviewConfig, survey: Survey, contribution: Contribution | None
) -> list[dict[str, Any]]:
    """The rows to write, as {column field or header: value}."""
    ref = load_reference()
    items: list[Any] = list(getattr(contribution, spec.section)) if contribution else []
    if spec.section == "answers":
        by_id = {a.question: a for a in items}
        return [
            {"question": q.id, "guidance": q.words, "qtext": q.text, "item": by_id.get(q.id)}
            for q in survey.narrative_questions
        ]
    if spec.section == "principles":
        by_key = {p.principle: p for p in items}
        return [{"principle": p.key, "qtext": p.name, "item": by_key.get(p.key)} for p in ref.principles]
    blank = max(0, min(spec.blank_rows, MAX_TABLE_ROWS - len(items)))  # a larger table would not be read
    return [{"item": item} for item in items] + [{"item": None}] * blank


def _cell_value(col: Column, row: dict[str, Any], labels: _Labels) -> Any:
    item = row.get("item")
    if col.kind == "key":
        return row[col.field] if col.field in row else getattr(item, col.field, None)
    if col.kind == "fixed":
        text = row["qtext"] if col.lang == "en" else _translated(labels, row["qtext"])
        return text.replace("**", "") if text else None
    if col.kind == "guidance":
        return row["guidance"]
    if item is None or col.kind == "words":
        return None
    return _model_value(item, col)


def _translated(labels: _Labels, msgid: str) -> str | None:
    if labels.national is None:
        return None
    other = labels.national(msgid)
    return other if other != msgid else None


def _model_value(item: Any, col: Column) -> Any:
    name, _, lang = col.field.partition(".")
    value = getattr(item, name)
    if lang:
        return value.get(lang) or None
    if col.kind == "objectives":
        return format_objectives(value) or None
    if col.kind == "yesno":
        return None if value is None else ("Yes" if value else "No")
    if isinstance(value, dt.date):
        return value
    return None if value in ("", None) else value


def _table_sheet(
    ws: Worksheet, spec: TableSpec, labels: _Labels, languages: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    columns = spec.expand(languages)
    span = _heading_span([col.width for col in columns])
    _heading(ws, 1, labels.both(spec.title, " / "), TITLE_FONT, span)
    _heading(ws, 2, labels.both(spec.help, " "), HELP_FONT, span)
    for index, col in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = col.width
        label = ws.cell(3, index, _column_label(col, labels))
        label.alignment, label.font = WRAP, Font(bold=True)
        ws.cell(HEADER_ROW, index, col.header).alignment = WRAP
    first, last = HEADER_ROW + 1, HEADER_ROW + max(len(rows), 1)
    for offset, row in enumerate(rows):
        for index, col in enumerate(columns, start=1):
            _write_cell(ws, first + offset, index, col, columns, row, labels)
    for index, col in enumerate(columns, start=1):
        letter = get_column_letter(index)
        _validation(ws, col, labels, f"{letter}{first}:{letter}{last}")
    _word_rule(ws, columns, first, last)
    add_table(ws, spec.name, f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last}")
    ws.freeze_panes = f"{get_column_letter(2)}{first}"
    print_setup(ws, title_rows=f"3:{HEADER_ROW}", title_columns="A:A")
    protect(ws)


HEADING_WIDTH = 110
"""Most column width units a sheet's title and help span: less than a landscape page holds."""


def _heading_span(widths: Sequence[float]) -> int:
    """How many columns, from the first, a title or help text spans: as many as fit in :data:`HEADING_WIDTH`."""
    total, count = 0.0, 0
    for width in widths:
        total += width
        if total > HEADING_WIDTH:
            break
        count += 1
    return max(count, 1)


def _heading(ws: Worksheet, row: int, text: str, font: Font, columns: int) -> None:
    """A title or help line, wrapped in a cell merged over the first ``columns`` columns."""
    cell = ws.cell(row, 1, text)
    cell.font, cell.alignment = font, WRAP
    if columns > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)


def _column_label(col: Column, labels: _Labels) -> str:
    label = labels.both(col.label, " / ")
    return f"{label} ({col.lang})" if col.lang else label


def _write_cell(
    ws: Worksheet, row: int, index: int, col: Column, columns: Sequence[Column], data: dict[str, Any], labels: _Labels
) -> None:
    value = _cell_value(col, data, labels)
    if col.kind == "words":
        source = next(i for i, c in enumerate(columns, 1) if c.kind == "text" and c.lang == col.lang)
        ref = f"{get_column_letter(source)}{row}"
        value = f'=IF(LEN(TRIM({ref}))=0,0,LEN(TRIM({ref}))-LEN(SUBSTITUTE(TRIM({ref})," ",""))+1)'
    cell = ws.cell(row, index, value)
    if isinstance(value, str) and looks_like_formula(value) and col.kind != "words":
        cell.data_type = "s"  # text that looks like a formula stays text
        cell.quotePrefix = True
    cell.alignment = WRAP
    if col.locked:
        cell.fill = LOCKED_FILL
    else:
        cell.protection = UNLOCKED
    if col.kind in ("objectives", "text", "url", "email"):
        cell.number_format = "@"


_ValidationMaker = Callable[[Column], DataValidation]

_VALIDATIONS: dict[str, _ValidationMaker] = {
    "choice": lambda c: DataValidation("list", formula1='"' + ",".join(c.choices) + '"', allow_blank=True),
    "yesno": lambda c: DataValidation("list", formula1='"' + ",".join(c.choices) + '"', allow_blank=True),
    "year": lambda c: DataValidation("whole", operator="between", formula1=str(FIRST_YEAR), formula2=str(LAST_YEAR), allow_blank=True),
    "number": lambda c: DataValidation("decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True),
    "date": lambda c: DataValidation("date", operator="greaterThan", formula1="1", allow_blank=True),
}


def _validation(ws: Worksheet, col: Column, labels: _Labels, ref: str) -> None:
    """Dropdown or type check plus an input message, for unlocked cells."""
    if col.locked:
        return
    maker = _VALIDATIONS.get(col.kind)
    dv = maker(col) if maker else DataValidation(allow_blank=True)
    dv.showInputMessage = True
    dv.showErrorMessage = maker is not None
    dv.promptTitle = labels.title(col.label)
    dv.prompt = labels.prompt(col.help or col.label)
    if maker is not None:
        dv.errorTitle = "gcmreview"[:TITLE_LIMIT]
        dv.error = labels.prompt(col.help or col.label)
    dv.add(ref)
    ws.add_data_validation(dv)


def _institution_lists(wb: Workbook, review: ReviewConfig) -> None:
    """Dropdowns of the review's contributors and listed institutions on institution columns (typing others is allowed).

    The names are on a hidden, protected sheet, as Excel limits a list written in the
    validation itself to 255 characters.
    """
    names = review.names.choices(tuple(reversed(review.languages)))
    if not names:
        return
    ws = wb.create_sheet(LISTS_SHEET)
    for row, name in enumerate(names, start=1):
        ws.cell(row, 1, name).data_type = "s"
    ws.sheet_state = "hidden"
    protect(ws, filters=False)
    source = f"{LISTS_SHEET}!$A$1:$A${len(names)}"
    for spec in TABLES:
        columns = spec.expand(review.languages)
        wanted = {i for i, col in enumerate(columns, 1) if col.institutions}
        for dv in wb[spec.sheet].data_validations.dataValidation:
            if {range_boundaries(str(r))[0] for r in dv.sqref.ranges} & wanted:
                dv.type, dv.formula1, dv.showDropDown = "list", source, False
                dv.showErrorMessage = False  # a name not in the list is allowed


def _word_rule(ws: Worksheet, columns: Sequence[Column], first: int, last: int) -> None:
    """Shade word counts above the guidance."""
    guidance = next((i for i, c in enumerate(columns, 1) if c.kind == "guidance"), None)
    if guidance is None:
        return
    g = get_column_letter(guidance)
    for index, col in enumerate(columns, 1):
        if col.kind == "words":
            letter = get_column_letter(index)
            rule = CellIsRule(operator="greaterThan", formula=[f"${g}{first}"], fill=PatternFill("solid", fgColor="F4B183"))
            ws.conditional_formatting.add(f"{letter}{first}:{letter}{last}", rule)
