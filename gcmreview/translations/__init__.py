"""Translation hand-off: contributor text that lacks a language goes to translators and comes back.

Stage: translation hand-off. Ministries write most answers in the national
language; the submission needs every review language. This module never writes
the ministries' workbooks. Instead:

* :func:`segments` lists every translatable unit of contributor text, with a
  stable id (``LAB/answer/1a``, ``LAB/principle/human-rights``,
  ``LAB/action/2/title``, ``LAB/statistic/1/indicator``), the language it is
  written in and where it is (file, sheet, cell).
* Translations live in ``inputs/translations/<lang>.json``
  (:class:`TranslationStore`), one file per target language, each unit keyed by
  segment id and tied to a :func:`fingerprint` of the source it translates. When
  the source changes in the workbook, the translation becomes *stale*
  (:func:`status`); :func:`resolve` is what consolidation uses to fill a missing
  language.
* :func:`export_xliff` (XLIFF 1.2) and :func:`export_xlsx` (a protected
  workbook for translators using Excel) write the segments that are missing or
  stale; :func:`import_translations` reads either back (detected by content) into
  the store. A translation keeps the fingerprint its unit was exported with, so a
  source that changed meanwhile is immediately stale.

Safety rules:

* XML is pre-scanned with expat and refused when it declares entities
  (``<!ENTITY ...>``): no external entity is ever resolved or file read.
* Spreadsheet injection: every text cell written to the xlsx that begins with
  ``=``, ``+``, ``-``, ``@``, tab, carriage return or an apostrophe gets one
  leading apostrophe (:func:`guard_cell`); the import strips exactly that guard
  (:func:`unguard_cell`), so texts come back unchanged.
* A stale translation sent back unchanged and still marked for review (XLIFF
  ``state="needs-review-*"``, or a row whose Status says stale) is not taken as
  reviewed unless ``confirm_unchanged=True``.

Segment language for single-language fields (actions, statistics) comes from the
text's script (:func:`~gcmreview.survey.languages.language_of`); text in Latin script,
or whose script is not a review language's, counts as English.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ConfigDict, Field
from translate.storage.xliff import Xliff1File, Xliff1Unit

from ..chars import without_not_xml
from ..config import ReviewConfig
from ..datafiles import load_json
from ..errors import Code, Diagnostic, GcmReviewError, Location, Severity, SourceMap, nearest
from ..fsutil import atomic_write, atomic_write_with
from ..i18n import N_
from ..model import Contribution
from ..submission import TranslatedText
from ..survey import load_reference
from ..survey.languages import language, language_of
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
from ..workspace import display_path

if TYPE_CHECKING:
    from ..inputs import CheckResult

__all__ = [
    "STORE_FOLDER",
    "XLIFF12_NAMESPACE",
    "XLSX_HEADERS",
    "ImportReport",
    "Segment",
    "SegmentKind",
    "Status",
    "TranslationStore",
    "Translations",
    "Unit",
    "export_xliff",
    "export_xlsx",
    "fingerprint",
    "guard_cell",
    "import_translations",
    "load_store",
    "load_stores",
    "pending",
    "resolve",
    "save_store",
    "segment_label",
    "segments",
    "status",
    "store_path",
    "unguard_cell",
]

SegmentKind = Literal["answer", "principle", "action", "statistic"]
Status = Literal["provided", "translated", "stale", "missing"]

STORE_FOLDER = ("inputs", "translations")
"""Where the translation stores live, relative to the workspace."""
XLIFF12_NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
XLSX_SHEET = XLSX_TABLE = "Translations"
XLSX_HEADERS = ("Segment", "Contributor", "Where", "Source language", "Source", "Translation", "Status", "Fingerprint")
XLSX_WIDTHS = (26, 14, 34, 10, 60, 60, 12, 26)
XLSX_HEADER_ROW = 4
TARGET_LABEL = "Target language"
MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest translation file accepted (a whole review's text is a few MB)."""

_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_FINGERPRINT_RE = re.compile(r"sha256:[0-9a-f]{16}")
_NOTE_FROM = "gcmreview"
_MARKUP_HINT = "Keep [@key] citations, **bold** markers, '- ' bullets and empty lines between paragraphs as they are."

# Diagnostics this module reports. Until errors.Code has entries of these names, the
# templates live here; once it has them, errors.Code's wording is used.
_CODES: dict[str, tuple[str, Severity, str]] = {
    "STALE_TRANSLATION": (
        "GCM240",
        "warning",
        "The translation of this text into {language} was made for an earlier version of it; it is marked stale. "
        "Run `gcmreview translate export --to {lang}` and send it to the translator again.",
    ),
    "UNKNOWN_SEGMENT": (
        "GCM241",
        "warning",
        "Translation unit '{unit}' matches no text in the workbooks{suggestion}; the answer or row it was made for "
        "was removed or its id was changed. It was not imported.",
    ),
    "TRANSLATION_FILE": (
        "GCM242",
        "error",
        "The translation file cannot be read: {detail}. Import the XLIFF or workbook made by "
        "`gcmreview translate export`, filled in by the translator.",
    ),
}


def _diagnostic(name: str, location: Location, /, **values: Any) -> Diagnostic:
    """A diagnostic from errors.Code when it has ``name``, else from this module's templates."""
    code = Code.__members__.get(name)
    if code is not None:
        return Diagnostic.make(code, location, **values)
    number, severity, template = _CODES[name]
    return Diagnostic(number, severity, template.format(**values), location)


def _file_error(display: str, detail: str) -> GcmReviewError:
    return GcmReviewError([_diagnostic("TRANSLATION_FILE", Location(file=display), detail=detail)])


# ---------------------------------------------------------------- segments


def fingerprint(text: str) -> str:
    """``sha256:`` and the first 16 hex digits of the SHA-256 of the NFC-normalised, stripped text."""
    normal = unicodedata.normalize("NFC", text.strip())
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class Segment:
    """One translatable unit of contributor text."""

    id: str
    contributor: str
    kind: SegmentKind
    part: str
    """Question id (answers), principle key (principles), or field name (actions, statistics)."""
    where: Location
    """The source text's cell."""
    source_lang: str
    source: str
    targets: Mapping[str, str] = field(default_factory=dict)
    """Text the workbook already has in other languages."""
    row: int | None = None
    """1-based position among the contribution's actions or statistics."""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.source)

    @property
    def label(self) -> str:
        """What the text is, in English, for translators and the build log (:func:`segment_label`)."""
        return segment_label(self)

    def text(self, lang: str) -> str | None:
        """The workbook's text in ``lang``, or None."""
        return self.source if lang == self.source_lang else self.targets.get(lang)


_FIELDS = {"title": N_("title"), "description": N_("description"), "results": N_("results"), "indicator": N_("indicator")}


def segment_label(segment: Segment, t: Callable[[str], str] = str) -> str:
    """What a segment's text is, e.g. 'answer to question 1a' or 'action 2: title', through ``t`` (a translator)."""
    if segment.kind == "answer":
        return t(N_("answer to question {question}")).format(question=segment.part)
    if segment.kind == "principle":
        name = next((p.name for p in load_reference().principles if p.key == segment.part), segment.part)
        return t(N_("explanation of principle '{principle}'")).format(principle=t(name))
    what = t(_FIELDS.get(segment.part, segment.part))
    template = N_("action {row}: {field}") if segment.kind == "action" else N_("statistic {row}: {field}")
    return t(template).format(row=segment.row, field=what)


def segments(check: CheckResult, review: ReviewConfig) -> list[Segment]:
    """Every translatable unit of the workspace's contributions, in file order.

    Contributions that consolidation leaves out (unreadable, contributor not in
    review.toml, or a second file of the same contributor) give no segments.
    """
    out: list[Segment] = []
    seen: set[str] = set()
    for result in check.results:
        contribution = result.contribution
        if contribution is None or review.contributor(contribution.contributor) is None or contribution.contributor in seen:
            continue
        seen.add(contribution.contributor)
        out += _contribution_segments(contribution, result.sources, review)
    return out


def _contribution_segments(contribution: Contribution, sources: SourceMap, review: ReviewConfig) -> list[Segment]:
    code = contribution.contributor
    found: list[Segment | None] = []
    for i, answer in enumerate(contribution.answers):
        found.append(_bilingual(code, "answer", answer.question, answer.text, sources, f"answers[{i}].text", review))
    for i, principle in enumerate(contribution.principles):
        path = f"principles[{i}].explanation"
        found.append(_bilingual(code, "principle", principle.principle, principle.explanation, sources, path, review))
    for n, action in enumerate(contribution.actions, 1):
        for name in ("title", "description", "results"):
            found.append(_single(code, "action", n, name, getattr(action, name), sources(f"actions[{n - 1}].{name}"), review))
    for n, statistic in enumerate(contribution.statistics, 1):
        where = sources(f"statistics[{n - 1}].indicator")
        found.append(_single(code, "statistic", n, "indicator", statistic.indicator, where, review))
    unique: dict[str, Segment] = {}
    for segment in found:
        if segment is not None:
            unique.setdefault(segment.id, segment)  # a duplicated question is an error reported by check
    return list(unique.values())


def _bilingual(
    code: str, kind: SegmentKind, key: str, texts: Mapping[str, str], sources: SourceMap, path: str, review: ReviewConfig
) -> Segment | None:
    """A segment for text with a column per language: the filled column is the source.

    When both are filled (nothing to translate) the national language counts as the source.
    """
    filled = {lang: texts[lang] for lang in reversed(review.languages) if texts.get(lang, "").strip()}
    if not filled:
        return None
    source_lang, source = next(iter(filled.items()))
    targets = {lang: text for lang, text in filled.items() if lang != source_lang}
    return Segment(f"{code}/{kind}/{key}", code, kind, key, sources(f"{path}.{source_lang}"), source_lang, source, targets)


def _single(
    code: str, kind: SegmentKind, n: int, name: str, text: str, where: Location, review: ReviewConfig
) -> Segment | None:
    if not text.strip():
        return None
    return Segment(f"{code}/{kind}/{n}/{name}", code, kind, name, where, language_of(text, review.languages, review.languages[0]), text, row=n)


# ---------------------------------------------------------------- store


class Unit(BaseModel):
    """One stored translation: its text and the source it was made from."""

    model_config = ConfigDict(extra="forbid")

    source_lang: str = Field(description="Language of the source text the translation was made from.")
    source_fingerprint: str = Field(pattern=r"^sha256:[0-9a-f]{16}$", description="fingerprint() of that source text.")
    text: str = Field(min_length=1, description="The translation.")
    translator: str | None = None
    updated: dt.date | None = Field(default=None, description="Date the translation was imported.")


class TranslationStore(BaseModel):
    """``inputs/translations/<lang>.json``: translations into one language, by segment id."""

    model_config = ConfigDict(extra="forbid")

    lang: str
    units: dict[str, Unit] = Field(default_factory=dict)


def store_path(workspace: Path, lang: str) -> Path:
    """``inputs/translations/<lang>.json`` of a workspace."""
    if not _LANG_RE.match(lang):
        raise ValueError(f"'{lang}' is not a language code")
    return workspace.joinpath(*STORE_FOLDER, f"{lang}.json")


def _store_display(lang: str) -> str:
    return "/".join((*STORE_FOLDER, f"{lang}.json"))


def load_store(workspace: Path, lang: str) -> TranslationStore:
    """The translations into ``lang`` (an empty store when there is no file); GcmReviewError if damaged."""
    path = store_path(workspace, lang)
    display = _store_display(lang)
    if not path.is_file():
        return TranslationStore(lang=lang)
    store = load_json(path, TranslationStore, display)
    if store.lang != lang:
        detail = f"lang: this file holds translations into '{store.lang}' but is named {lang}.json. Rename the file or correct 'lang'."
        raise GcmReviewError([Diagnostic.make(Code.JSON_VALUE, Location(file=display, key="lang"), detail=detail)])
    return store


def load_stores(workspace: Path, review: ReviewConfig) -> dict[str, TranslationStore]:
    """The store of every review language."""
    return {lang: load_store(workspace, lang) for lang in review.languages}


def save_store(workspace: Path, store: TranslationStore) -> Path:
    """Write a store atomically as pretty JSON (UTF-8, sorted keys for stable diffs)."""
    data = store.model_dump(mode="json", exclude_none=True)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return atomic_write(store_path(workspace, store.lang), text)


# ---------------------------------------------------------------- status


def status(segment: Segment, lang: str, store: TranslationStore | None) -> Status:
    """Where the text of ``segment`` in ``lang`` stands.

    ``provided``: the workbook has it; ``translated``: the store has a translation of
    the current source; ``stale``: the store's translation was made from another
    source text; ``missing``: nobody has it yet.
    """
    if segment.text(lang):
        return "provided"
    if store is not None and store.lang != lang:
        raise ValueError(f"the store holds '{store.lang}' translations, not '{lang}'")
    unit = store.units.get(segment.id) if store is not None else None
    if unit is None:
        return "missing"
    if unit.source_lang == segment.source_lang and unit.source_fingerprint == segment.fingerprint:
        return "translated"
    return "stale"


def resolve(
    segment: Segment, lang: str, store: TranslationStore | None, *, accept_stale: bool = False
) -> tuple[str | None, Status]:
    """The text of ``segment`` in ``lang`` for the submission, and its status.

    A stale translation is not returned unless ``accept_stale``: it may translate a
    text the contributor has since rewritten, or another row altogether.
    """
    found = status(segment, lang, store)
    if found == "provided":
        return segment.text(lang), found
    if store is not None and (found == "translated" or (found == "stale" and accept_stale)):
        return store.units[segment.id].text, found
    return None, found


def pending(segments: Iterable[Segment], lang: str, store: TranslationStore | None) -> list[Segment]:
    """The segments a translator into ``lang`` has to do: missing or stale."""
    return [s for s in segments if status(s, lang, store) in ("missing", "stale")]


@dataclass
class Translations:
    """A workspace's texts to translate and its translation stores, read once per build."""

    languages: tuple[str, ...]
    segments: list[Segment]
    stores: dict[str, TranslationStore]

    @classmethod
    def load(cls, check: CheckResult) -> Translations:
        """The segments of ``check``'s contributions and the store of every review language."""
        review = check.review
        return cls(tuple(review.languages), segments(check, review), load_stores(check.workspace, review))

    def status(self, segment: Segment, lang: str) -> Status:
        """Where ``segment`` stands in ``lang`` (see :func:`status`)."""
        return status(segment, lang, self.stores.get(lang))

    def pending(self, lang: str) -> list[Segment]:
        """The segments still to translate into ``lang``: missing or stale."""
        return pending(self.segments, lang, self.stores.get(lang))

    def resolved(self) -> dict[str, dict[str, TranslatedText]]:
        """Segment id -> language -> the stored translation the submission uses (stale ones included, marked)."""
        out: dict[str, dict[str, TranslatedText]] = {}
        for segment in self.segments:
            for lang in self.languages:
                text, found = resolve(segment, lang, self.stores.get(lang), accept_stale=True)
                if text and found in ("translated", "stale"):
                    out.setdefault(segment.id, {})[lang] = TranslatedText(text=text, status=found)
        return out

    def stale_diagnostics(self) -> list[Diagnostic]:
        """A warning at the source cell of every stale translation."""
        out = []
        for segment in self.segments:
            for lang in self.languages:
                if self.status(segment, lang) == "stale":
                    name = f"{language(lang).name} ({lang})"
                    out.append(_diagnostic("STALE_TRANSLATION", segment.where, language=name, lang=lang))
        return out


# ---------------------------------------------------------------- XLIFF export


class _Xliff12Unit(Xliff1Unit):
    namespace = XLIFF12_NAMESPACE


class _Xliff12File(Xliff1File[_Xliff12Unit]):
    """translate-toolkit's XLIFF store, writing version 1.2 instead of 1.1."""

    UnitClass = _Xliff12Unit
    namespace = XLIFF12_NAMESPACE
    XMLskeleton = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<xliff version="1.2" xmlns="{XLIFF12_NAMESPACE}">'
        '<file original="NoName" source-language="en" datatype="plaintext"><body></body></file></xliff>'
    )


def export_xliff(segments: Iterable[Segment], lang: str, store: TranslationStore | None, path: Path) -> list[Segment]:
    """Write the missing and stale segments as XLIFF 1.2 for translation into ``lang``; returns them.

    One ``<file>`` per source language; each trans-unit's id is the segment id, a note
    says whose text it is and where, another carries the source fingerprint, and a
    stale unit holds the earlier translation as ``<target state="needs-review-translation">``.
    """
    todo = pending(segments, lang, store)
    doc: Any = _Xliff12File()
    by_source: dict[str, list[Segment]] = {}
    for segment in todo:
        by_source.setdefault(segment.source_lang, []).append(segment)
    if not by_source:
        _xliff_file(doc, "gcmreview", "und", lang)
    for source_lang, items in by_source.items():
        name = f"gcmreview/{source_lang}-{lang}"
        _xliff_file(doc, name, source_lang, lang)
        for segment in items:
            _xliff_unit(doc, name, segment, store.units.get(segment.id) if store else None)
    out = io.BytesIO()
    doc.serialize(out)
    atomic_write(path, out.getvalue())
    return todo


def _xliff_file(doc: Any, name: str, source_lang: str, lang: str) -> None:
    """Add (or take over the skeleton's) ``<file>`` with its languages and a header note for translators."""
    doc.switchfile(name, createifmissing=True)
    node = doc.getfilenode(name)
    node.set("source-language", source_lang)
    node.set("target-language", lang)
    header = node.makeelement(doc.namespaced("header"), {})
    note = header.makeelement(doc.namespaced("note"), {"from": _NOTE_FROM})
    note.text = _MARKUP_HINT
    header.append(note)
    node.insert(0, header)


def _xliff_unit(doc: Any, name: str, segment: Segment, earlier: Unit | None) -> None:
    unit = doc.addsourceunit(segment.source, filename=name)
    unit.setid(segment.id)
    if earlier is not None:
        unit.target = earlier.text
        unit.xmlelement.attrib.pop("approved", None)
        unit.xmlelement.find(doc.namespaced("target")).set("state", "needs-review-translation")
        unit.addnote("The source changed after this translation was made: correct the translation to match it.", origin=_NOTE_FROM)
    unit.addnote(f"{segment.contributor}: {segment.label}. In {segment.where}.", origin=_NOTE_FROM)
    unit.addnote(f"fingerprint: {segment.fingerprint}", origin=_NOTE_FROM)


# ---------------------------------------------------------------- xlsx export



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
    prompt = (
        f"Type the {language(lang).name} translation of the Source text. Keep [@key] citations and **bold** markers. "
        "Leave it empty if you cannot translate it now. Stale rows: correct the earlier translation."
    )
    validation = DataValidation(allow_blank=True, showInputMessage=True, promptTitle="Translation", prompt=prompt[:PROMPT_LIMIT])
    validation.add(f"{column}{XLSX_HEADER_ROW + 1}:{column}{last}")
    ws.add_data_validation(validation)
    protect(ws, filters=False)


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class _Incoming:
    """One unit of a translation file, whichever its format."""

    id: str
    source_lang: str
    target_lang: str
    source: str
    target: str
    fingerprint: str | None
    needs_review: bool
    where: Location


@dataclass
class ImportReport:
    """What :func:`import_translations` did."""

    file: str
    format: Literal["xliff", "xlsx"]
    stored: dict[str, list[str]] = field(default_factory=dict)
    """Segment ids stored, per target language."""
    stale: list[str] = field(default_factory=list)
    """Stored, but the source changed after export: stale at once."""
    unchanged: list[str] = field(default_factory=list)
    """Stale translations sent back unchanged and still marked for review: not stored."""
    unknown: list[str] = field(default_factory=list)
    empty: int = 0
    """Units without a translation."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stores: list[Path] = field(default_factory=list)
    """Store files written."""

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.stored.values())


def import_translations(
    workspace: Path,
    path: Path,
    review: ReviewConfig,
    check: CheckResult,
    *,
    translator: str | None = None,
    confirm_unchanged: bool = False,
    today: dt.date | None = None,
) -> ImportReport:
    """Store the translations of an XLIFF (1.1 or 1.2) or translators' workbook; never touches the workbooks.

    Each unit with a non-empty target is stored under its segment id with the
    fingerprint it was exported with. Unknown ids are reported as warnings.
    GcmReviewError when the file cannot be read at all.
    """
    display = display_path(path, workspace)
    kind, incoming, diagnostics = _read_translation_file(path, display, review)
    report = ImportReport(display, kind, diagnostics=diagnostics)
    known = {s.id: s for s in segments(check, review)}
    stores: dict[str, TranslationStore] = {}
    for unit in incoming:
        segment = known.get(unit.id)
        if not unit.target.strip():
            report.empty += 1
        elif segment is None:
            report.unknown.append(unit.id)
            suggestion = nearest(unit.id, known)
            report.diagnostics.append(_diagnostic("UNKNOWN_SEGMENT", unit.where, unit=unit.id, suggestion=suggestion))
        else:
            if unit.target_lang not in stores:
                stores[unit.target_lang] = load_store(workspace, unit.target_lang)
            _store_unit(report, stores[unit.target_lang], segment, unit, translator, confirm_unchanged, today or dt.date.today())
    for lang in report.stored:
        report.stores.append(save_store(workspace, stores[lang]))
    return report


def _store_unit(
    report: ImportReport, store: TranslationStore, segment: Segment, unit: _Incoming,
    translator: str | None, confirm_unchanged: bool, today: dt.date,
) -> None:
    earlier = store.units.get(unit.id)
    if unit.needs_review and not confirm_unchanged and earlier is not None and earlier.text == unit.target:
        report.unchanged.append(unit.id)
        return
    store.units[unit.id] = Unit(
        source_lang=unit.source_lang or segment.source_lang,
        source_fingerprint=unit.fingerprint or fingerprint(unit.source),
        text=unit.target,
        translator=translator,
        updated=today,
    )
    report.stored.setdefault(store.lang, []).append(unit.id)
    if status(segment, store.lang, store) == "stale":
        report.stale.append(unit.id)


def _read_translation_file(path: Path, display: str, review: ReviewConfig) -> tuple[Literal["xliff", "xlsx"], list[_Incoming], list[Diagnostic]]:
    """Recognise the file by its content and read its units."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _file_error(display, f"it is larger than {MAX_FILE_BYTES // 2**20} MB, far more than any translation file")
        data = path.read_bytes()
    except OSError as exc:
        raise _file_error(display, exc.strerror or str(exc)) from None
    if data.startswith(b"PK"):
        units, diagnostics = _read_xlsx(path, display)
        kind: Literal["xliff", "xlsx"] = "xlsx"
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        units, diagnostics, kind = _read_xliff(data, display), [], "xliff"
    else:
        raise _file_error(display, "it is neither an XLIFF file nor an Excel workbook")
    for unit in units:
        if unit.target_lang not in review.languages:
            detail = f"it holds translations into '{unit.target_lang}', which is not a language of this review ({', '.join(review.languages)})"
            raise _file_error(display, detail)
    return kind, units, diagnostics


def _lang_code(value: str | None) -> str:
    """'km-KH', 'en_US' or 'EN' -> 'km', 'en', 'en'."""
    return re.split(r"[-_]", (value or "").strip(), maxsplit=1)[0].lower()


# ---------------------------------------------------------------- XLIFF import


class _Refused(Exception):
    """An XLIFF file declared a DTD or entities: it is not parsed."""


def _refuse(*_args: object) -> NoReturn:
    raise _Refused


def _check_xml(data: bytes, display: str) -> None:
    """Refuse XML that is not well-formed or declares entities; nothing external is ever loaded."""
    parser = expat.ParserCreate()
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Refused:
        detail = "it declares XML entities (<!ENTITY ...>), which translation files never need and which can make a program read other files; it was not read"
        raise _file_error(display, detail) from None
    except expat.ExpatError as exc:
        detail = f"it is not well-formed XML ({expat.errors.messages[exc.code]}, line {exc.lineno}, column {exc.offset + 1})"
        raise _file_error(display, detail) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_xliff(data: bytes, display: str) -> list[_Incoming]:
    _check_xml(data, display)
    root = ElementTree.fromstring(data)  # safe: _check_xml refused any entity declaration
    if _local(root.tag) != "xliff":
        raise _file_error(display, f"it is XML but not XLIFF (its root element is <{_local(root.tag)}>)")
    version = root.get("version", "")
    if not version.startswith("1."):
        raise _file_error(display, f"it is XLIFF version '{version or 'unknown'}'; save it as XLIFF 1.2")
    units: list[_Incoming] = []
    for node in root:
        if _local(node.tag) == "file":
            units += _xliff_file_units(node, display)
    return units


def _xliff_file_units(node: ElementTree.Element, display: str) -> list[_Incoming]:
    source_lang = _lang_code(node.get("source-language"))
    target_lang = _lang_code(node.get("target-language"))
    units = []
    for unit in node.iter():
        if _local(unit.tag) != "trans-unit":
            continue
        unit_id = unit.get("id", "")
        children = {_local(child.tag): child for child in reversed(list(unit))}
        source, target = children.get("source"), children.get("target")
        lang = target_lang or _lang_code(target.get("{http://www.w3.org/XML/1998/namespace}lang") if target is not None else None)
        if not lang:
            raise _file_error(display, f"its <file> '{node.get('original', '')}' names no target-language")
        notes = " ".join("".join(n.itertext()) for n in unit if _local(n.tag) == "note")
        found = _FINGERPRINT_RE.search(notes)
        state = target.get("state", "") if target is not None else ""
        units.append(_Incoming(
            id=unit_id,
            source_lang=source_lang,
            target_lang=lang,
            source="".join(source.itertext()) if source is not None else "",
            target="".join(target.itertext()) if target is not None else "",
            fingerprint=found.group(0) if found else None,
            needs_review=state.startswith("needs-review"),
            where=Location(file=display, key=unit_id),
        ))
    return units


# ---------------------------------------------------------------- xlsx import


def _read_xlsx(path: Path, display: str) -> tuple[list[_Incoming], list[Diagnostic]]:
    wb, problems = open_workbook(path, display)
    if wb is None:
        raise GcmReviewError(problems)
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
    diagnostics: list[Diagnostic] = []
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


def _xlsx_unit(row: Mapping[str, RawCell], lang: str, sheet: Location, diagnostics: list[Diagnostic]) -> _Incoming | None:
    segment_id = _cell_text(row.get("Segment")).strip()
    translation = row["Translation"]
    if not segment_id:
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

