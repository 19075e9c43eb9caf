"""Diagnostics: the one error type of gcmreview, with stable codes and locations.

Every problem the tool finds in a user's input is a :class:`Diagnostic`: a stable
code, a severity, a plain message that says how to fix it, and where it is (file,
sheet, cell in A1 style, or a key path in a TOML/JSON file). Message templates live
in :class:`Code`, one place, so the wording is consistent and testable.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .chars import file_name, visible
from .model import FIRST_YEAR, LAST_YEAR

Severity = Literal["error", "warning"]

__all__ = ["Code", "Diagnostic", "GcmReviewError", "Location", "Severity", "SourceMap", "nearest", "of_severity"]


class Code(enum.Enum):
    """Stable diagnostic codes with their severity and message template."""

    # Files and templates (GCM1xx)
    FILE_NOT_FOUND = ("GCM100", "error", "{what} not found. {hint}")
    OLD_XLS = ("GCM101", "error", "This is an old Excel 97-2003 (.xls) file. Open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx).")
    NOT_XLSX = ("GCM102", "error", "This is not an Excel workbook ({kind}). Send the .xlsx workbook made by `gcmreview workbook`.")
    CORRUPT = ("GCM103", "error", "The workbook cannot be read: the file is damaged ({detail}). Ask the contributor to send it again.")
    ENCRYPTED = ("GCM104", "error", "The workbook is protected with a password to open. Save a copy without the password (File > Properties or Save As > Tools > General options) and send that.")
    NOT_TEMPLATE = ("GCM105", "error", "This workbook was not made from the gcmreview template: {detail}. Generate a blank one with `gcmreview workbook --contributor CODE` and copy the answers into it.")
    WRONG_SURVEY = ("GCM106", "error", "This workbook was made for survey '{found}', but this review uses '{expected}'. Generate a new one with `gcmreview workbook --contributor {contributor}` and copy the answers into it.")
    MISSING_SHEET = ("GCM107", "error", "Sheet '{sheet}' is missing{suggestion}. Do not rename or delete the template's sheets.")
    MISSING_TABLE = ("GCM108", "error", "Table '{table}' is missing from this sheet. Do not delete the template's tables; generate a blank workbook to copy it from.")
    MISSING_HEADER = ("GCM109", "error", "Column '{header}' is missing from table '{table}'{suggestion}. Do not rename the template's column headers.")
    DUPLICATE_CONTRIBUTOR = ("GCM110", "error", "Contributor code '{code}' is also used by {other}. Each contributor sends one workbook; remove the older file from inputs/.")
    TOO_LARGE = ("GCM113", "error", "The file is too large to read safely: {detail}. Check that it is the filled workbook; if it is, delete pictures and pasted objects, save it and send it again.")
    UNSAFE_XML = ("GCM114", "error", "The workbook was not opened, to keep this computer safe: {detail}. Open it in Excel or LibreOffice, save it as Excel Workbook (.xlsx) and send that copy.")
    DATA_TOO_LARGE = ("GCM116", "error", "The file is too large to read safely: {detail}. Check that it is the right file.")
    NOT_UTF8 = ("GCM117", "error", "The file is not UTF-8 text: {detail}. Save it as UTF-8 (in Notepad: File > Save as, Encoding: UTF-8) and try again.")
    LINKED_FILE = ("GCM115", "error", "This is a link to a file elsewhere ({kind}), not a workbook; it is not read. Copy the workbook itself into inputs/.")
    TABLE_NAME_TWICE = ("GCM118", "error", "Table '{table}' has the same name as a table on sheet '{other}', but a workbook may use a table name only once, so the workbook cannot be read. Ask the contributor to delete or rename the copy (Table Design > Table Name) and send the workbook again.")
    TABLE_RANGE = ("GCM119", "error", "Table '{table}' covers '{ref}', which is not a range of cells on its own sheet (such as A4:I65), so the workbook cannot be read. Ask the contributor to resize the table (Table Design > Resize Table), or to copy the answers into a blank workbook, and send it again.")
    MISSING_TEXT = ("GCM120", "error", "This cell's text is not in the workbook: the cell refers to shared text number {index}, which the file does not hold, so it is read as empty. The file was damaged or changed by another program; open it in Excel or LibreOffice, check the cell, save and send it again.")
    WRONG_CONTRIBUTOR = ("GCM121", "error", "This is the workbook of {found} ({name}), but it was uploaded for {expected}, so it was not stored. Upload the workbook of {expected} ({file}); the workbook of {found} is uploaded through its own link.")
    UPLOAD_TOO_LARGE = ("GCM122", "error", "The file is larger than {limit} MB, the most an upload may be, so it was not read. A filled workbook is far smaller: check that it is the right file; if it is, delete pictures and pasted objects, save it and upload it again.")
    NO_UPLOAD = ("GCM123", "error", "No file was received, or the file is empty. Choose the file with the Browse button (or drop it on the page), then press Upload.")
    MISSING_WORKBOOK = ("GCM112", "warning", "No workbook received from {code} ({name}). Send them `{file}` (made by `gcmreview workbook`) or remove them from review.toml.")
    TEMPLATE_ERROR = ("GCM130", "error", "The template cannot be filled: {detail}. Correct the template, or delete it from the workspace's templates/ folder to use the packaged one.")
    TEMPLATE_UNSAFE = ("GCM131", "error", "The template was stopped, to keep this computer safe: {detail}. A template may only place the data it is given; remove what calls anything else.")
    TEMPLATE_TOO_LARGE = ("GCM132", "error", "The template was stopped: it {detail}, far more than any submission needs. Look for a loop that does not end or repeats too often.")
    TEMPLATE_LINKS = ("GCM133", "warning", "The Word template links to {count} file(s) outside it ({targets}), which Word would fetch when it opens a document; they are left out of every DOCX. Remove the links from the template (an attached template: Developer > Document Template > Attach; linked pictures: insert them instead).")
    UNKNOWN_CONTRIBUTOR = ("GCM111", "error", "Contributor code '{code}' is not listed in review.toml{suggestion}. Add it to [[contributors]] or correct the code.")
    DISK_FULL = ("GCM126", "error", "The disk is full, so this file could not be written ({reason}); it keeps its previous content, if it had any. Free some space on that disk (a build needs a few megabytes, more for a large review) and run the command again.")
    WRITE_FAILED = ("GCM127", "error", "This file could not be written ({reason}); it keeps its previous content, if it had any. Check that you may write to its folder and that the disk is not read-only, then run the command again.")
    # Contribution content (GCM2xx)
    REQUIRED = ("GCM200", "error", "{field} is empty. Fill it in: the coordinator needs it to credit and contact the contributor.")
    UNKNOWN_OBJECTIVE = ("GCM201", "error", "'{value}' is not a GCM objective number. Use numbers from 1 to 23, separated by commas (e.g. 2, 5, 12).")
    UNDEFINED_REFERENCE = ("GCM202", "error", "The citation [@{key}] has no reference with that key{suggestion}. Add it to the References sheet or correct the key.")
    UNUSED_REFERENCE = ("GCM203", "warning", "Reference '{key}' is never cited. Cite it in an answer as [@{key}] or remove it.")
    BAD_EMAIL = ("GCM204", "error", "'{value}' is not an e-mail address. Write it as name@example.org.")
    BAD_URL = ("GCM205", "error", "'{value}' is not a web address. Write the full address starting with https:// or http://.")
    BAD_YEAR = ("GCM206", "error", f"'{{value}}' is not a year. Write a four-digit year between {FIRST_YEAR} and {LAST_YEAR}.")
    BAD_NUMBER = ("GCM207", "error", "'{value}' is not a number. Write digits only (e.g. 1500 or 12.5) and put the unit in the Unit column.")
    BAD_DATE = ("GCM208", "error", "'{value}' is not a date. Write it as YYYY-MM-DD (e.g. 2020-08-15).")
    BAD_CHOICE = ("GCM209", "error", "'{value}' is not one of the choices for {field}: {choices}. Pick one from the dropdown.")
    OVER_GUIDANCE = ("GCM210", "warning", "The answer has {words} words; the survey asks for about {limit}. Shorten it or move details to an attachment.")
    WRONG_SCRIPT = ("GCM211", "error", "This {column} column holds {found} text. Move it to the column of its language.")
    TOO_LONG = ("GCM212", "error", "The text has {length} characters; a spreadsheet cell holds at most 32,767. Split it across rows or shorten it.")
    BAD_CHARACTER = ("GCM213", "error", "The text contains a character that cannot be stored in a document ({char}). Delete it (it is often pasted in invisibly from other programs).")
    FORMULA = ("GCM214", "error", "The cell holds a formula ({value}). Type the text itself; formulas are not allowed in answers.")
    DUPLICATE_REFERENCE = ("GCM215", "error", "Reference key '{key}' is defined twice (also in {other}). Keep one row per source.")
    DUPLICATE_QUESTION = ("GCM216", "error", "Question {question} appears twice (also in {other}). Keep one row per question.")
    UNKNOWN_QUESTION = ("GCM217", "error", "'{value}' is not a question of this survey. Do not change the Question column.")
    UNKNOWN_PRINCIPLE = ("GCM218", "error", "'{value}' is not one of the ten guiding principles. Do not change the Principle column.")
    MISSING_REQUIRED_CELL = ("GCM219", "error", "{field} is empty but the row has other entries. Fill it in or clear the whole row.")
    TABLE_TOO_LARGE = ("GCM223", "error", "Table '{table}' has {rows} rows; at most {limit} are read. Remove the empty or repeated rows, or split the contribution.")
    CELL_LINK = ("GCM225", "warning", "The cell links to '{target}', but links are not kept in the submission. If readers need the address, write it in the text or add the source to the References sheet.")
    CELL_NOTE = ("GCM226", "warning", "The note (comment) on this cell is not read: '{value}'. Put what it says in the cell or in the answer text.")
    PICTURES = ("GCM227", "warning", "The workbook holds {count} picture(s), chart(s) or drawing(s); they are not read. Describe in an answer what they show, or put the figures in the Statistics sheet.")
    EXTRA_SHEET = ("GCM224", "warning", "Sheet '{sheet}' is not part of the template, so its content is not read. Move what it holds into the template's sheets.")
    INVALID_CELL = ("GCM221", "error", "{detail}")
    REPEATED_COLUMN = ("GCM228", "warning", "Column '{header}' appears twice in table '{table}'; only the first, at {first}, is read. Move what this column holds into the first and delete this one.")
    UNREAD_COLUMN = ("GCM229", "warning", "Column '{header}' is not a column of table '{table}', so the {count} cell(s) it holds are not read. Move the text into the template's columns.")
    OUTSIDE_TABLE = ("GCM222", "warning", "This cell is outside the sheet's table, so it is not read: '{value}'. Move the text into the table.")
    UNKNOWN_LANGUAGE = ("GCM220", "error", "Language '{lang}' is not a language of this review ({languages}).")
    # Consolidation (GCM23x)
    PRINCIPLE_DISAGREEMENT = ("GCM230", "warning", "Contributors disagree on whether '{principle}' is integrated: {votes}. The submission says {decision} ({why}).")
    REFERENCE_CONFLICT = ("GCM231", "error", "Reference key '{key}' means another source in {other}: '{first}' there, '{second}' here. Use different keys for different sources.")
    BAD_REFERENCE_KEY = ("GCM237", "error", "Reference key '{key}' cannot be cited as [@{key}]: a key is letters and digits of any script, with _ : . - between them, starting with a letter or digit. Write it without spaces or other signs (e.g. iom2019) and cite it so.")
    # Translations (GCM24x)
    STALE_TRANSLATION = ("GCM240", "warning", "The translation of this text into {language} was made for an earlier version of it; it is marked stale. Run `gcmreview translate export --to {lang}` and send it to the translator again.")
    UNKNOWN_SEGMENT = ("GCM241", "warning", "Translation unit '{unit}' matches no text in the workbooks{suggestion}; the answer or row it was made for was removed or its id was changed. It was not imported.")
    TRANSLATION_FILE = ("GCM242", "error", "The translation file cannot be read: {detail}. Import the XLIFF or workbook made by `gcmreview translate export`, filled in by the translator.")
    TRANSLATION_TOO_LONG = ("GCM244", "error", "The translation has {length} characters; a translation, like a spreadsheet cell, holds at most 32,767. It was not imported. Shorten it, or ask the contributor to split the source text across rows and translate each part.")
    DUPLICATE_UNIT = ("GCM245", "error", "Translation unit '{unit}' appears {count} times in the file with different translations; none of them was imported. Keep one unit per id, with the translation meant.")
    NOTHING_IMPORTED = ("GCM243", "error", "No translation was stored. Of the file's {units} unit(s), matching no text in the workbooks: {unknown}; without a translation: {empty}; sent back unchanged while still marked for review: {unchanged}. Import the file the translator filled in, made by `gcmreview translate export` of this workspace; review the unchanged ones, or accept them with --confirm-unchanged.")
    TRANSLATION_UPLOAD_TOO_LARGE = ("GCM246", "error", "The file is larger than {limit} MB, the most a translation file may be, so it was not read. A translation file is far smaller: check that it is the XLIFF file or workbook exported for the translator, filled in, and upload that one.")
    UNKNOWN_EXPORT_FORMAT = ("GCM247", "error", "'{format}' is not a format the texts to translate can be exported in. Use one of: {formats} (XLIFF for translation tools, xlsx for translators working in Excel).")
    # Build (GCM25x)
    BUILD_LOCKED = ("GCM250", "error", "Another build of this workspace is running. Wait for it to finish, then build again.")
    INTERRUPTED = ("GCM251", "error", "Stopped by Ctrl+C before `gcmreview {command}` finished. Every file it wrote is complete and the others are as they were; run it again to finish.")
    STYLESHEET_FETCH = ("GCM255", "warning", "The PDF does not use {url}: only files in the templates folder are read, never a web address or a file elsewhere. Copy the file (a font, a picture, a stylesheet) into templates/ and refer to it by its name.")
    # Rendering (GCM5xx)
    GLYPH_NOTDEF = ("GCM500", "error", "No installed font can show {chars}{where}, so the PDF shows an empty box there: '{context}'. Correct the character in the workbook (it is often pasted in from another program) or install a font that has it.")
    GLYPH_MISSING = ("GCM501", "error", "The {language} font {font} cannot show {chars}{where}: '{context}'. Correct the character in the workbook, or install a version of {font} that has it.")
    GLYPH_DOTTED_CIRCLE = ("GCM502", "error", "{language} text{where} cannot be shown as it is written: '{cluster}' is drawn with a dotted circle in {font} (a vowel sign or subscript without its consonant, or signs in the wrong order), in '{context}'. Correct the spelling in the workbook.")
    FONT_NOT_INSTALLED = ("GCM503", "error", 'The font {font} for {language} text is not installed, so the PDF would show that text in whatever font the system picks. Install it (Debian: fonts-noto-core).')
    NO_FONT_PLACEHOLDER = ("GCM504", "warning", "No installed font can show {chars}, so the DOCX and PDF show {placeholder} instead: '{context}'. Correct the text (such characters are often pasted in from another program), or install a font that covers it and build again.")
    TEXT_DOTTED_CIRCLE = ("GCM505", "error", "{language} text cannot be shown as it is written: {clusters} would be drawn with a dotted circle in {font} (a vowel sign or subscript without its consonant, or signs in the wrong order), in '{context}'. Correct the spelling.")
    TEXT_FONT_LACKS = ("GCM506", "error", "The {language} font {font} cannot show {chars}, so the PDF would show it in another font: '{context}'. Correct the character (it is often pasted in from another program), or install a version of {font} that has it.")
    TEXT_NOT_LAID_OUT = ("GCM507", "error", "The text contains {chars}, which the PDF cannot lay out (it would show an empty box): '{context}'. Delete it, or type a line break (Alt+Enter) or a space instead; such characters are often pasted in invisibly from other programs.")
    TRANSLATION_DOTTED_CIRCLE = ("GCM508", "error", "The translation into {language} cannot be shown as it is written: {clusters} would be drawn with a dotted circle in {font} (a vowel sign or subscript without its consonant, or signs in the wrong order), in '{context}'. Correct the translation: edit unit {unit} of this file, or delete the unit and have the text translated again (`gcmreview translate export --to {lang}`).")
    TRANSLATION_NOT_SHOWN = ("GCM509", "error", "The translation into {language} contains {chars}, which the PDF cannot show as written: '{context}'. Correct the translation: edit unit {unit} of this file, or delete the unit and have the text translated again (`gcmreview translate export --to {lang}`).")
    # review.toml (GCM3xx)
    CONFIG_SYNTAX = ("GCM300", "error", "review.toml is not valid TOML: {detail}.")
    CONFIG_VALUE = ("GCM301", "error", "{detail}")
    CONFIG_UNKNOWN_KEY = ("GCM302", "error", "Unknown setting '{key}'{suggestion}. Remove it or correct the spelling.")
    CONFIG_MISSING_KEY = ("GCM303", "error", "Setting '{key}' is required. {hint}")
    CONFIG_TOO_DEEP = ("GCM304", "error", "review.toml nests tables or lists more than {limit} levels deep{where}; no setting needs more than three. Remove the extra levels.")
    CONFIG_NUMBER = ("GCM305", "error", "The number {number}{where} cannot be read: the numbers of review.toml must be finite and within about ±1.8e308. Correct the setting.")
    CONFIG_MORE = ("GCM306", "error", "{count} more problem(s) like these in review.toml are not listed. Correct the ones above and run the command again.")
    # JSON import (GCM4xx)
    JSON_SYNTAX = ("GCM400", "error", "The file is not valid JSON: {detail}.")
    JSON_VALUE = ("GCM401", "error", "{detail}")
    JSON_TOO_DEEP = ("GCM402", "error", "The data is nested more than {limit} levels deep{where}; no file gcmreview reads needs more than six. Use the file as gcmreview wrote it, or remove the extra levels.")
    JSON_DUPLICATE_KEY = ("GCM403", "error", "Key '{key}' is given twice in the same object, so which one holds is unclear. Keep one of them, holding everything it should, and delete the other.")
    JSON_NUMBER = ("GCM404", "error", "{number} is not a number gcmreview can store: a number must be finite, within about ±1.8e308, and not so small that it reads as 0. Write the number itself, e.g. 1500 or 12.5.")
    JSON_MORE = ("GCM405", "error", "{count} more problem(s) like these in this file are not listed. Correct the ones above and try again.")
    TOO_MANY_ENTRIES = ("GCM410", "error", "'{key}' has {count} entries, but a workbook's table '{table}' holds at most {limit} rows, so `check` would refuse the whole table. No workbook was written. Remove repeated entries, or merge similar ones into one row.")

    def __init__(self, code: str, severity: Severity, template: str) -> None:
        self.code = code
        self.severity = severity
        self.template = template


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file, and within it a sheet and cell, or a key path."""

    file: str = ""
    sheet: str = ""
    cell: str = ""
    key: str = ""

    def shown(self) -> dict[str, str]:
        """Each part as messages show it: control, line and direction characters as ``U+XXXX`` (see :func:`visible`)."""
        return {"file": file_name(self.file), "sheet": visible(self.sheet), "cell": visible(self.cell), "key": visible(self.key)}

    def __str__(self) -> str:
        shown = self.shown()
        parts = [shown["file"]] if self.file else []
        if self.sheet:
            parts.append(f"sheet {shown['sheet']}")
        if self.cell:
            parts.append(f"cell {shown['cell']}")
        if self.key:
            parts.append(shown["key"])
        return ", ".join(parts)

    @classmethod
    def from_json(cls, data: object) -> Location:
        """The location of ``asdict(location)``; TypeError if ``data`` is not one (as in a damaged cache entry)."""
        if not isinstance(data, dict) or not set(data) <= {"file", "sheet", "cell", "key"} or not all(isinstance(v, str) for v in data.values()):
            raise TypeError("not a location")
        return cls(**data)


@dataclass(frozen=True)
class Diagnostic:
    """One problem: stable code, severity, message and location."""

    code: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    values: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def make(cls, code: Code, location: Location, /, **values: Any) -> Diagnostic:
        shown = {k: visible(v) if isinstance(v, str) else v for k, v in values.items()}
        return cls(code.code, code.severity, code.template.format(**shown), location, shown)

    def localized(self, translate: Callable[[str], str]) -> Diagnostic:
        """The same diagnostic with its message in another language (English if untranslated)."""
        template = next((c.template for c in Code if c.code == self.code), None)
        if template is None or not self.values:
            return self
        try:
            message = translate(template).format(**self.values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return self
        return Diagnostic(self.code, self.severity, message, self.location, self.values)

    def __str__(self) -> str:
        """One line, ``file, sheet S, cell C: error GCM200: ...``, that no text from an input can break or disguise."""
        where = str(self.location)
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.severity} {self.code}: {visible(self.message)}"

    def to_json(self) -> dict[str, Any]:
        """Everything about the diagnostic, as JSON data (:meth:`from_json` rebuilds it)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnostic:
        """The diagnostic :meth:`to_json` gave (KeyError or TypeError if ``data`` is not one)."""
        code, severity, message, values = data["code"], data["severity"], data["message"], data["values"]
        if not (isinstance(code, str) and severity in ("error", "warning") and isinstance(message, str) and isinstance(values, dict)):
            raise TypeError("not a diagnostic")
        return cls(code, severity, message, Location.from_json(data["location"]), values)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": visible(self.message), **self.location.shown()}


def of_severity(diagnostics: Iterable[Diagnostic], severity: Severity) -> list[Diagnostic]:
    """The diagnostics of one severity, in their order."""
    return [d for d in diagnostics if d.severity == severity]


class GcmReviewError(Exception):
    """Raised when input problems stop a command; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic], *, draft_would_build: bool = False) -> None:
        self.diagnostics = list(diagnostics)
        self.draft_would_build = draft_would_build
        """Raised by a build refusing inputs with errors, which a draft build would take (not a full disk, say)."""
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self) -> tuple[Any, ...]:
        """Picklable with its diagnostics (builds render in worker processes)."""
        return (_rebuilt, (type(self), self.diagnostics, self.draft_would_build))


def _rebuilt(kind: type[GcmReviewError], diagnostics: list[Diagnostic], draft_would_build: bool) -> GcmReviewError:
    return kind(diagnostics, draft_would_build=draft_would_build)


def nearest(name: str, candidates: Iterable[str]) -> str:
    """A ' (did you mean 'X'?)' hint for a misspelt name, or '' when nothing is close."""
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{found[0]}'?)" if found else ""


class SourceMap:
    """Where each value of a model came from: key path (e.g. ``answers[2].text.km``) -> Location.

    Paths not recorded fall back to a key path inside the file itself, which is right
    for JSON input and good enough for anything else.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self._map: dict[str, Location] = {}
        self._below: dict[str, list[str]] | None = None
        """Each prefix -> the recorded paths at or below it (built on first use, so ``under`` is not a scan)."""

    def add(self, path: str, location: Location) -> None:
        self._map[path] = location
        self._below = None

    def items(self) -> list[tuple[str, Location]]:
        """Every recorded (key path, location), in the order recorded."""
        return list(self._map.items())

    def __call__(self, path: str) -> Location:
        prefix = path
        found = self._map.get(prefix)
        while found is None:
            cut = max(prefix.rfind("."), prefix.rfind("["))
            if cut <= 0:
                break
            prefix = prefix[:cut]
            found = self._map.get(prefix)
        return found or Location(file=self.file, key=path)

    def under(self, prefix: str) -> list[Location]:
        """Every recorded location at ``prefix`` or below it, in the order recorded."""
        if self._below is None:
            self._below = {}
            for path in self._map:
                for cut in [i for i, char in enumerate(path) if char in ".[" and i > 0] + [len(path)]:
                    self._below.setdefault(path[:cut], []).append(path)
        return [self._map[path] for path in self._below.get(prefix, ())]

    def __len__(self) -> int:
        return len(self._map)
