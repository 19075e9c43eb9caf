"""Validation: workbook cells -> Contribution, and the checks every contribution must pass.

Stage: validate. :func:`read_contribution` turns one workbook's tables into a
:class:`~gcmreview.model.Contribution` plus a :class:`~gcmreview.errors.SourceMap`,
reporting cell-level problems (a year that is not a number, a choice not in the
list). :func:`check_contribution` then runs the content checks shared with JSON
import (objective numbers, citations, e-mail and URL formats, word guidance,
language columns, characters a document cannot hold).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..chars import bad_characters, codepoint
from ..config import EMAIL_RE, ReviewConfig
from ..errors import Code, Diagnostic, Location, SourceMap, nearest
from ..model import YEARS, Action, Answer, Contribution, Identity, PrincipleAnswer, Reference, Statistic
from ..survey import Survey, load_reference
from ..survey.languages import dominant_script, language
from ..text import CELL_LIMIT, citations, word_count
from ..workbook.layout import IDENTITY_FIELDS, IDENTITY_SHEET, INSTRUCTIONS_SHEET, TABLES, TEMPLATE_VERSION, Column, TableSpec
from ..workbook.read import RawCell, RawTable, open_workbook, read_table
from ..workbook.write import HEADER_ROW

__all__ = ["ReadResult", "check_contribution", "read_contribution"]

_ROW_MODELS: dict[str, type[BaseModel]] = {
    "answers": Answer,
    "actions": Action,
    "principles": PrincipleAnswer,
    "statistics": Statistic,
    "references": Reference,
}
_SPLIT_RE = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class LeftOut:
    """Something a contributor wrote that does not reach the submission, and why."""

    location: Location
    value: str
    reason: str


@dataclass
class ReadResult:
    """One workbook read: the contribution (None if unreadable), sources and problems."""

    file: str
    contribution: Contribution | None
    sources: SourceMap
    diagnostics: list[Diagnostic]
    left_out: list[LeftOut] = field(default_factory=list)


class _Cells:
    """Parses cells of one file, collecting diagnostics with their locations."""

    def __init__(self, file: str, sheet: str) -> None:
        self.file, self.sheet = file, sheet
        self.diagnostics: list[Diagnostic] = []
        self.left_out: list[LeftOut] = []
        self._dropped: set[Location] = set()

    def where(self, cell: RawCell) -> Location:
        return Location(self.file, self.sheet, cell.coordinate)

    def problem(self, code: Code, cell: RawCell, /, **values: Any) -> None:
        self.diagnostics.append(Diagnostic.make(code, self.where(cell), **values))

    def drop(self, cell: RawCell, reason: str) -> None:
        """Record that a non-empty cell's content does not reach the contribution."""
        where = self.where(cell)
        if not cell.empty and where not in self._dropped:
            self._dropped.add(where)
            self.left_out.append(LeftOut(where, _as_text(cell.value), reason))

    def report_outside(self, table: RawTable) -> None:
        for cell in table.outside:
            self.problem(Code.OUTSIDE_TABLE, cell, value=_as_text(cell.value)[:60])
            self.drop(cell, "outside the table")
            self.attachments(cell)

    def attachments(self, cell: RawCell) -> None:
        """A hyperlink or a note on the cell is not read: each is reported and listed as left out."""
        where = self.where(cell)
        if cell.link and cell.link not in _as_text(cell.value or ""):
            self.problem(Code.CELL_LINK, cell, target=cell.link[:100])
            self.left_out.append(LeftOut(where, cell.link, "a link on the cell; links are not kept"))
        if cell.note:
            self.problem(Code.CELL_NOTE, cell, value=cell.note[:60])
            self.left_out.append(LeftOut(where, cell.note, "a note (comment) on the cell"))

    def parse(self, col: Column | str, kind: str, cell: RawCell) -> Any:
        """The cell's value for the model, or None (with a diagnostic when wrong)."""
        self.attachments(cell)
        if cell.empty:
            return None
        value = cell.value
        if cell.formula:
            self.problem(Code.FORMULA, cell, value=str(value)[:60])
            self.drop(cell, "a formula, not text")
            return None
        parser = getattr(self, f"_{kind}", None)
        before = len(self.diagnostics)
        parsed = parser(col, cell, value) if parser else _as_text(value)
        if len(self.diagnostics) > before:
            self.drop(cell, self.diagnostics[-1].message)
        return parsed

    def _objectives(self, col: Any, cell: RawCell, value: Any) -> list[int]:
        out: list[int] = []
        for token in _SPLIT_RE.split(_as_text(value).strip()):
            if re.fullmatch(r"\d{1,3}(\.0)?", token):
                out.append(int(float(token)))
            elif token:
                self.problem(Code.UNKNOWN_OBJECTIVE, cell, value=token)
        return out

    def _year(self, col: Any, cell: RawCell, value: Any) -> int | None:
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        self.problem(Code.BAD_YEAR, cell, value=_as_text(value))
        return None

    def _number(self, col: Any, cell: RawCell, value: Any) -> int | float | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        text = _as_text(value).strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if re.fullmatch(r"-?\d*\.\d+", text):
            return float(text)
        self.problem(Code.BAD_NUMBER, cell, value=text)
        return None

    def _choice(self, col: Column, cell: RawCell, value: Any) -> str | None:
        text = _as_text(value).strip()
        match = next((c for c in col.choices if c.casefold() == text.casefold()), None)
        if match is None:
            self.problem(Code.BAD_CHOICE, cell, value=text, field=col.header, choices=", ".join(col.choices))
        return match

    def _yesno(self, col: Column, cell: RawCell, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        choice = self._choice(col, cell, value)
        return None if choice is None else choice == "Yes"

    def _date(self, col: Any, cell: RawCell, value: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(_as_text(value).strip())
        except ValueError:
            self.problem(Code.BAD_DATE, cell, value=_as_text(value))
            return None


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return value if isinstance(value, str) else str(value)


def read_contribution(path: Path, review: ReviewConfig, survey: Survey, display: str) -> ReadResult:
    """Read one workbook into a Contribution, reporting every problem found."""
    sources = SourceMap(display)
    wb, problems = open_workbook(path, display)
    if wb is None:
        return ReadResult(display, None, sources, problems)
    about = _Cells(display, IDENTITY_SHEET)
    identity, fatal = _read_identity(wb, review, survey, about, sources)
    if identity is None:
        return ReadResult(display, None, sources, fatal)
    diagnostics = problems + about.diagnostics  # problems: warnings about a readable file (pictures)
    left_out = [LeftOut(d.location, f"{d.values.get('count')} picture(s), chart(s) or drawing(s)", "drawings are not read")
                for d in problems if d.code == Code.PICTURES.code] + about.left_out
    sections: dict[str, list[Any]] = {}
    for spec in TABLES:
        rows, found, dropped = _read_section(wb, spec, review, display, sources)
        sections[spec.section] = rows
        diagnostics += found
        left_out += dropped
    extra = _extra_sheets(wb, display)
    diagnostics += extra.diagnostics
    left_out += extra.left_out
    contribution = Contribution(survey=survey.id, contributor=identity[0], identity=identity[1], **sections)
    diagnostics += check_contribution(contribution, sources, review, survey)
    return ReadResult(display, contribution, sources, diagnostics, left_out)


TEMPLATE_SHEETS = (INSTRUCTIONS_SHEET, IDENTITY_SHEET, *(spec.sheet for spec in TABLES))


def _extra_sheets(wb: Any, display: str) -> _Cells:
    """Sheets a contributor added (or copied): reported, and their cells listed as left out."""
    parser = _Cells(display, "")
    for ws in wb.worksheets:
        if ws.title in TEMPLATE_SHEETS:
            continue
        sheet = _Cells(display, ws.title)
        sheet.diagnostics.append(Diagnostic.make(Code.EXTRA_SHEET, Location(display, ws.title), sheet=ws.title))
        for row in ws.iter_rows():
            for cell in row:
                sheet.drop(RawCell(cell.value, cell.coordinate), f"on sheet '{ws.title}', which is not part of the template")
        parser.diagnostics += sheet.diagnostics
        parser.left_out += sheet.left_out
    return parser


def _read_identity(
    wb: Any, review: ReviewConfig, survey: Survey, parser: _Cells, sources: SourceMap
) -> tuple[tuple[str, Identity] | None, list[Diagnostic]]:
    """The Contributor sheet: template checks first (fatal problems returned), then the identity fields."""
    display = parser.file
    table, problems = read_table(wb, IDENTITY_SHEET, IDENTITY_SHEET, ["Field", "Value"], display)
    if table is None or problems:
        detail = "it has no Contributor sheet with the Contributor table"
        return None, [Diagnostic.make(Code.NOT_TEMPLATE, Location(file=display), detail=detail)]
    cells = {_as_text(r["Field"].value): r["Value"] for r in table.rows if "Field" in r and "Value" in r}
    empty = RawCell(None, "C5")
    template = _as_text(cells.get("template", empty).value or "")
    if not template.startswith(TEMPLATE_VERSION.rsplit("-", 1)[0]):
        detail = f"its Contributor sheet does not name the template ({template or 'empty'})"
        return None, [Diagnostic.make(Code.NOT_TEMPLATE, Location(display, IDENTITY_SHEET), detail=detail)]
    parser.report_outside(table)
    code = _as_text(cells.get("contributor", empty).value or "").strip()
    found_survey = _as_text(cells.get("survey", empty).value or "").strip()
    if found_survey != survey.id:
        where = parser.where(cells.get("survey", empty))
        return None, [Diagnostic.make(Code.WRONG_SURVEY, where, found=found_survey, expected=survey.id, contributor=code or "CODE")]
    sources.add("contributor", parser.where(cells.get("contributor", empty)))
    if review.contributor(code) is None:
        known = [c.code for c in review.contributors]
        parser.problem(Code.UNKNOWN_CONTRIBUTOR, cells.get("contributor", empty), code=code, suggestion=nearest(code, known))
    values: dict[str, Any] = {}
    for spec in IDENTITY_FIELDS:
        if spec.kind == "key" or spec.key not in cells:
            continue
        cell = cells[spec.key]
        sources.add(f"identity.{spec.key}", parser.where(cell))
        value = parser.parse(spec.key, spec.kind, cell)
        values[spec.key] = "" if value is None and spec.kind != "date" else value
    field_keys = {spec.key for spec in IDENTITY_FIELDS}
    for row in table.rows:  # a Field key edited (the protection has no password)
        field_cell = row.get("Field")
        if field_cell is not None and not field_cell.empty and _as_text(field_cell.value) not in field_keys:
            detail = f"'{_as_text(field_cell.value)}' is not a field of this sheet. Restore the key the template had in column A."
            parser.problem(Code.INVALID_CELL, field_cell, detail=detail)
            parser.drop(row.get("Value", field_cell), "its field key was changed")
    for spec in IDENTITY_FIELDS:
        if spec.kind != "key" and spec.key not in values:
            values[spec.key] = None if spec.kind == "date" else ""
            sources.add(f"identity.{spec.key}", Location(display, IDENTITY_SHEET))
    identity = Identity.model_validate({k: v for k, v in values.items() if v is not None or k == "date"})
    return (code, identity), []


def _read_section(
    wb: Any, spec: TableSpec, review: ReviewConfig, display: str, sources: SourceMap
) -> tuple[list[Any], list[Diagnostic], list[LeftOut]]:
    columns = spec.expand(review.languages)
    table, problems = read_table(wb, spec.sheet, spec.name, [c.header for c in columns], display)
    if table is None or problems:  # without all its columns a row cannot be read reliably
        return [], problems, _unread(wb, spec, columns, table, display)
    parser = _Cells(display, spec.sheet)
    parser.report_outside(table)
    items: list[Any] = []
    for row in table.rows:
        data = _row_data(parser, columns, row)
        if data is None:
            continue
        path = f"{spec.section}[{len(items)}]"
        item = _row_model(parser, spec, columns, row, data)
        if item is None:
            for col in columns:
                if not col.locked and col.header in row:
                    parser.drop(row[col.header], "the row has errors, so it was not used")
            continue
        first = next(iter(row.values()))
        sources.add(path, parser.where(first))
        for col in columns:
            if col.field and col.header in row and not row[col.header].empty:
                sources.add(f"{path}.{col.field}", parser.where(row[col.header]))
        items.append(item)
    return items, problems + parser.diagnostics, parser.left_out


def _unread(wb: Any, spec: TableSpec, columns: tuple[Column, ...], table: RawTable | None, display: str) -> list[LeftOut]:
    """What a contributor wrote in a table that could not be read (missing, or a header renamed).

    Cells in the template's own (locked) columns are the template's text, not the contributor's.
    """
    parser = _Cells(display, spec.sheet)
    reason = f"table '{spec.name}' could not be read (see the error on this sheet)"
    locked = {c.header for c in columns if c.locked}
    if table is not None:
        for row in table.rows:
            for header, cell in row.items():
                if header not in locked:
                    parser.drop(cell, reason)
        for cell in table.outside:
            parser.drop(cell, reason)
    elif spec.sheet in wb.sheetnames:
        ws = wb[spec.sheet]
        for (row, col), cell in sorted(ws._cells.items()):
            in_locked_column = col <= len(columns) and columns[col - 1].locked
            if row > HEADER_ROW and not in_locked_column:
                parser.drop(RawCell(cell.value, cell.coordinate), reason)
    return parser.left_out


def _row_data(parser: _Cells, columns: tuple[Column, ...], row: dict[str, RawCell]) -> dict[str, Any] | None:
    """Field values of one row, or None when the contributor wrote nothing in it."""
    editable = [c for c in columns if not c.locked and c.header in row]
    if all(row[c.header].empty for c in editable):
        return None
    data: dict[str, Any] = {}
    for col in columns:
        if not col.field or col.header not in row:
            continue
        value = parser.parse(col, col.kind, row[col.header])
        name, _, lang = col.field.partition(".")
        if lang:
            data.setdefault(name, {})[lang] = value or ""
        elif value is not None:
            data[name] = value
    return data


def _row_model(
    parser: _Cells, spec: TableSpec, columns: tuple[Column, ...], row: dict[str, RawCell], data: dict[str, Any]
) -> Any:
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


def _report_model_errors(parser: _Cells, columns: tuple[Column, ...], row: dict[str, RawCell], exc: ValidationError) -> None:
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


# ---------------------------------------------------------------- content checks

_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$|^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in a dumped model with its key path, e.g. ('answers[0].text.km', '...')."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _strings(v, f"{path}[{i}]")]
    return []


def check_contribution(
    contribution: Contribution, sources: SourceMap, review: ReviewConfig, survey: Survey
) -> list[Diagnostic]:
    """Content checks shared by workbooks and JSON input; locations come from ``sources``."""
    report = _Report(sources)
    _check_identity(contribution.identity, report)
    _check_structure(contribution, review, survey, report)
    _check_numbers(contribution, report)
    _check_references(contribution, report)
    _check_texts(contribution, review, survey, report)
    return report.diagnostics


class _Report:
    """Collects content diagnostics, locating key paths through the source map."""

    def __init__(self, sources: SourceMap) -> None:
        self.sources = sources
        self.diagnostics: list[Diagnostic] = []

    def __call__(self, code: Code, path: str, /, **values: Any) -> None:
        self.diagnostics.append(Diagnostic.make(code, self.sources(path), **values))

    def where(self, path: str) -> str:
        loc = self.sources(path)
        return (loc.cell and f"cell {loc.cell}") or loc.key or str(loc)


def _check_identity(identity: Identity, report: _Report) -> None:
    for spec in IDENTITY_FIELDS:
        if spec.required and not str(getattr(identity, spec.key, "") or "").strip():
            report(Code.REQUIRED, f"identity.{spec.key}", field=spec.label)
    if identity.email.strip() and not EMAIL_RE.match(identity.email.strip()):
        report(Code.BAD_EMAIL, "identity.email", value=identity.email)


def _check_structure(contribution: Contribution, review: ReviewConfig, survey: Survey, report: _Report) -> None:
    known_questions = {q.id for q in survey.narrative_questions}
    seen: dict[str, int] = {}
    for i, answer in enumerate(contribution.answers):
        if answer.question not in known_questions:
            report(Code.UNKNOWN_QUESTION, f"answers[{i}].question", value=answer.question)
        elif answer.question in seen:
            other = report.where(f"answers[{seen[answer.question]}].question")
            report(Code.DUPLICATE_QUESTION, f"answers[{i}].question", question=answer.question, other=other)
        seen.setdefault(answer.question, i)
    principles = {p.key for p in load_reference().principles}
    for i, principle in enumerate(contribution.principles):
        if principle.principle not in principles:
            report(Code.UNKNOWN_PRINCIPLE, f"principles[{i}].principle", value=principle.principle)
    for path, _text in _strings(contribution.model_dump(include={"answers", "principles"})):
        lang = path.rsplit(".", 1)[-1]
        if (".text." in path or ".explanation." in path) and lang not in review.languages:
            report(Code.UNKNOWN_LANGUAGE, path, lang=lang, languages=", ".join(review.languages))


def _check_numbers(contribution: Contribution, report: _Report) -> None:
    valid = load_reference().objective_numbers
    for section in ("answers", "actions", "statistics"):
        for i, item in enumerate(getattr(contribution, section)):
            for number in item.objectives:
                if number not in valid:
                    report(Code.UNKNOWN_OBJECTIVE, f"{section}[{i}].objectives", value=number)
    for section in ("actions", "statistics", "references"):
        for i, item in enumerate(getattr(contribution, section)):
            if item.year is not None and item.year not in YEARS:
                report(Code.BAD_YEAR, f"{section}[{i}].year", value=item.year)


def _check_references(contribution: Contribution, report: _Report) -> None:
    defined: dict[str, int] = {}
    for i, ref in enumerate(contribution.references):
        if ref.key in defined:
            report(Code.DUPLICATE_REFERENCE, f"references[{i}].key", key=ref.key, other=report.where(f"references[{defined[ref.key]}].key"))
        defined.setdefault(ref.key, i)
        if ref.url and not _URL_RE.match(ref.url.strip()):
            report(Code.BAD_URL, f"references[{i}].url", value=ref.url)
    used: set[str] = set()
    dump = contribution.model_dump(exclude={"references", "identity"})
    for path, text in _strings(dump):
        for key in citations(text):
            used.add(key)
            if key not in defined:
                report(Code.UNDEFINED_REFERENCE, path, key=key, suggestion=nearest(key, defined))
    for key, i in defined.items():
        if key not in used:
            report(Code.UNUSED_REFERENCE, f"references[{i}].key", key=key)


def _check_texts(contribution: Contribution, review: ReviewConfig, survey: Survey, report: _Report) -> None:
    for path, text in _strings(contribution.model_dump(mode="json")):
        if len(text) > CELL_LIMIT:
            report(Code.TOO_LONG, path, length=f"{len(text):,}")
        bad = bad_characters(text)
        if bad:
            report(Code.BAD_CHARACTER, path, char=", ".join(sorted({codepoint(c) for c in bad})))
    for section in ("answers", "principles"):
        field = "text" if section == "answers" else "explanation"
        for i, item in enumerate(getattr(contribution, section)):
            for lang, text in getattr(item, field).items():
                _check_script(text, lang, f"{section}[{i}].{field}.{lang}", review, report)
    for i, answer in enumerate(contribution.answers):
        question = survey.question(answer.question)
        for lang, text in answer.text.items():
            words = word_count(text, lang)
            if question is not None and words > question.words:
                report(Code.OVER_GUIDANCE, f"answers[{i}].text.{lang}", words=words, limit=question.words)


def _check_script(text: str, lang: str, path: str, review: ReviewConfig, report: _Report) -> None:
    """Text whose letters are mostly in another review language's script is in the wrong column."""
    if lang not in review.languages:
        return
    found = dominant_script(text)
    expected = language(lang).script
    if found is None or found[0] == expected or found[1] < 0.5:
        return
    others = {language(code).script: language(code) for code in review.languages if code != lang}
    if found[0] in others:
        column = f"{language(lang).name} ({lang})"
        report(Code.WRONG_SCRIPT, path, column=column, found=others[found[0]].name)
