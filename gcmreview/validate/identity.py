"""Validation of the Contributor sheet: is this our template, for this survey, and who is contributing.

Stage: validate. :func:`read_identity` refuses a workbook that is not the tool's
template or is for another survey (a fatal diagnostic: nothing else is read), then
reads the contributor code and the identity fields.
"""

from __future__ import annotations

from typing import Any

from ..config import ReviewConfig
from ..errors import Code, Diagnostic, Location, SourceMap, nearest
from ..model import Identity
from ..survey import Survey
from ..workbook.layout import HEADER_ROW, IDENTITY_FIELDS, IDENTITY_SHEET, TEMPLATE_VERSION
from ..workbook.read import RawCell, RawTable, RawWorkbook
from .cells import CellParser, as_text

__all__ = ["read_identity"]

_ABSENT = RawCell(None, f"C{HEADER_ROW + 1}", HEADER_ROW + 1, 3)
"""Stands for a field the sheet lacks: located where the first field's value is."""


def read_identity(
    wb: RawWorkbook, review: ReviewConfig, survey: Survey, parser: CellParser, sources: SourceMap
) -> tuple[tuple[str, Identity] | None, list[Diagnostic]]:
    """The Contributor sheet: template checks first (fatal problems returned), then the contributor code
    and the identity fields, with their problems in ``parser``."""
    table, fatal = _identity_table(wb, parser.file)
    if table is None:
        return None, fatal
    cells = {as_text(r["Field"].value): r["Value"] for r in table.rows if "Field" in r and "Value" in r}
    fatal = _not_for_this_survey(cells, survey, parser)
    if fatal:
        return None, fatal
    parser.report_outside(table)
    code = _text(cells, "contributor").strip()
    sources.add("contributor", parser.where(cells.get("contributor", _ABSENT)))
    if review.contributor(code) is None:
        known = [c.code for c in review.contributors]
        parser.problem(Code.UNKNOWN_CONTRIBUTOR, cells.get("contributor", _ABSENT), code=code, suggestion=nearest(code, known))
    values = _field_values(cells, parser, sources)
    _report_edited_keys(table, parser)
    return (code, _identity(values, parser.file, sources)), []


def _identity_table(wb: RawWorkbook, display: str) -> tuple[RawTable | None, list[Diagnostic]]:
    """The Contributor table, or the fatal diagnostic that the file is not the template."""
    table, problems = wb.table(IDENTITY_SHEET, IDENTITY_SHEET, ["Field", "Value"])
    if table is None or problems:
        detail = "it has no Contributor sheet with the Contributor table"
        return None, [Diagnostic.make(Code.NOT_TEMPLATE, Location(file=display), detail=detail)]
    return table, []


def _text(cells: dict[str, RawCell], key: str) -> str:
    return as_text(cells.get(key, _ABSENT).value or "")


def _not_for_this_survey(cells: dict[str, RawCell], survey: Survey, parser: CellParser) -> list[Diagnostic]:
    """A fatal diagnostic when the sheet does not name the template, or names another survey."""
    template = _text(cells, "template")
    if not template.startswith(TEMPLATE_VERSION.rsplit("-", 1)[0]):
        detail = f"its Contributor sheet does not name the template ({template or 'empty'})"
        return [Diagnostic.make(Code.NOT_TEMPLATE, Location(parser.file, IDENTITY_SHEET), detail=detail)]
    code = _text(cells, "contributor").strip()
    found_survey = _text(cells, "survey").strip()
    if found_survey != survey.id:
        where = parser.where(cells.get("survey", _ABSENT))
        return [Diagnostic.make(Code.WRONG_SURVEY, where, found=found_survey, expected=survey.id, contributor=code or "CODE")]
    return []


def _field_values(cells: dict[str, RawCell], parser: CellParser, sources: SourceMap) -> dict[str, Any]:
    """The identity fields the sheet has, parsed ("" for an empty text field, None for an empty date)."""
    values: dict[str, Any] = {}
    for spec in IDENTITY_FIELDS:
        if spec.kind == "key" or spec.key not in cells:
            continue
        cell = cells[spec.key]
        sources.add(f"identity.{spec.key}", parser.where(cell))
        value = parser.parse(cell, spec.kind)
        values[spec.key] = "" if value is None and spec.kind != "date" else value
    return values


def _report_edited_keys(table: RawTable, parser: CellParser) -> None:
    """A Field key edited (the protection has no password): its value is not read."""
    field_keys = {spec.key for spec in IDENTITY_FIELDS}
    for row in table.rows:
        field_cell = row.get("Field")
        if field_cell is not None and not field_cell.empty and as_text(field_cell.value) not in field_keys:
            detail = f"'{as_text(field_cell.value)}' is not a field of this sheet. Restore the key the template had in column A."
            parser.problem(Code.INVALID_CELL, field_cell, detail=detail)
            parser.drop(row.get("Value", field_cell), "its field key was changed")


def _identity(values: dict[str, Any], display: str, sources: SourceMap) -> Identity:
    """The Identity, with each field the sheet lacks empty (and located on the sheet)."""
    for spec in IDENTITY_FIELDS:
        if spec.kind != "key" and spec.key not in values:
            values[spec.key] = None if spec.kind == "date" else ""
            sources.add(f"identity.{spec.key}", Location(display, IDENTITY_SHEET))
    return Identity.model_validate({k: v for k, v in values.items() if v is not None or k == "date"})
