"""The hand-off itself: the texts still to translate go out, the translations come back into the stores.

Stage: translation hand-off. The two calls a front end (the CLI, a web app)
makes; each reads review.toml and checks the workspace itself.
:func:`export_translations` writes the missing and stale segments of one
language as XLIFF or as the translators' workbook. :func:`import_translations`
reads either back (recognised by its content) into ``inputs/translations/``;
the ministries' workbooks are never written. A translation keeps the fingerprint
its unit was exported with, so a source that changed meanwhile is stale at once,
and a stale translation sent back unchanged and still marked for review (XLIFF
``state="needs-review-*"``, or a row whose Status says stale) is not taken as
reviewed unless ``confirm_unchanged=True``. With ``keep_previous=True`` (the web
app) each store replaced is first copied into ``inputs/history/translations/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

from ..config import ReviewConfig, load_config
from ..datafiles import character_diagnostics
from ..errors import Code, Diagnostic, GcmReviewError, Location, nearest, of_severity
from ..inputs import check_workspace
from ..text import CELL_LIMIT
from ..workspace import display_path
from .formats import _file_error, _Incoming
from .segments import Segment, fingerprint, segments
from .store import TranslationStore, Unit, keep_store, load_store, save_store, status
from .xliff import _read_xliff, export_xliff
from .xlsx import _read_xlsx, export_xlsx

__all__ = [
    "FORMATS", "MAX_FILE_BYTES", "MAX_SUGGESTIONS", "Format", "ImportReport", "TranslationExport", "export_name",
    "export_translations", "import_translations", "translation_format",
]

Format = Literal["xliff", "xlsx"]
FORMATS: tuple[Format, ...] = ("xliff", "xlsx")
"""The formats of the hand-off: XLIFF 1.2 for translation tools, the translators' workbook for Excel."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest translation file accepted (a whole review's text is a few MB)."""

MAX_SUGGESTIONS = 100
"""Unknown unit ids that get a nearest-id suggestion (each costs a comparison with every known id); the rest none."""

_EXPORTERS = {"xliff": (export_xliff, ".xlf"), "xlsx": (export_xlsx, ".xlsx")}


@dataclass(frozen=True)
class TranslationExport:
    """What :func:`export_translations` wrote."""

    path: Path
    segments: list[Segment]
    """The segments written: those missing or stale in the target language."""


@dataclass
class ImportReport:
    """What :func:`import_translations` did."""

    file: str
    format: Format
    units: int = 0
    """Translation units in the file."""
    stored: dict[str, list[str]] = field(default_factory=dict)
    """Segment ids stored (new or changed translations), per target language."""
    stale: list[str] = field(default_factory=list)
    """Stored, but the source changed after export: stale at once."""
    already: list[str] = field(default_factory=list)
    """Matched, with the very translation of the very source already in the store: left as it was."""
    unchanged: list[str] = field(default_factory=list)
    """Stale translations sent back unchanged and still marked for review: not stored."""
    unknown: list[str] = field(default_factory=list)
    """Units whose id matches no text in the workbooks: not stored (GCM241)."""
    empty: int = 0
    """Units without a translation."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stores: list[Path] = field(default_factory=list)
    """Store files written."""
    kept: list[Path] = field(default_factory=list)
    """Copies of the stores replaced (``keep_previous=True``), in inputs/history/translations/."""

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.stored.values())


def translation_format(name: str) -> Format:
    """The hand-off format called ``name`` (``xliff`` or ``xlsx``); GcmReviewError (GCM247) for any other."""
    for known in FORMATS:
        if name == known:
            return known
    raise GcmReviewError([Diagnostic.make(Code.UNKNOWN_EXPORT_FORMAT, Location(), format=name, formats=", ".join(FORMATS))])


def export_name(iso: str, lang: str, format: Format) -> str:
    """The name of the hand-off file into ``lang``: ``KHM-to-km.xlf`` (or ``.xlsx``)."""
    return f"{iso}-to-{lang}{_EXPORTERS[format][1]}"


def export_translations(
    workspace: Path, lang: str, *, format: Format = "xliff", output: Path | None = None, folder: Path | None = None,
) -> TranslationExport:
    """Write the texts still to translate into ``lang`` (missing or stale) for a translator.

    ``output`` defaults to :func:`export_name` in ``folder``, by default ``build/translations/``.
    GcmReviewError when ``lang`` is not one of the review's languages (GCM220) or
    ``format`` is not one of :data:`FORMATS` (GCM247).
    """
    review = load_config(workspace)
    if lang not in review.languages:
        location = Location(file="inputs/review.toml", key="languages")
        raise GcmReviewError([Diagnostic.make(Code.UNKNOWN_LANGUAGE, location, lang=lang, languages=", ".join(review.languages))])
    chosen = translation_format(format)  # also for callers without type checks
    check = check_workspace(workspace)
    path = output or (folder or workspace / "build" / "translations") / export_name(review.country.iso, lang, chosen)
    written = _EXPORTERS[chosen][0](segments(check, review), lang, load_store(workspace, lang), path)
    return TranslationExport(path, written)


def import_translations(
    workspace: Path,
    path: Path,
    *,
    translator: str | None = None,
    confirm_unchanged: bool = False,
    today: dt.date | None = None,
    display: str | None = None,
    keep_previous: bool = False,
) -> ImportReport:
    """Store the translations of an XLIFF (1.1 or 1.2) or translators' workbook; never touches the workbooks.

    Each unit with a non-empty target is stored under its segment id with the
    fingerprint it was exported with; one identical to the stored translation of
    the same source is counted as already stored and left as it was. Unknown ids are
    reported as warnings (GCM241); a file from which nothing was stored and nothing
    was already stored is an error (GCM243, with the counts of why), unless other
    errors (a unit refused) say why. The report holds every count. GcmReviewError
    when review.toml is unusable or the file cannot be read at all.

    ``display`` is the file's name in messages (an upload's own name rather than its
    temporary path); ``keep_previous`` copies each store into inputs/history/translations/
    before it is replaced.
    """
    check = check_workspace(workspace)
    display = display or display_path(path, workspace)
    if translator is not None and (refused := character_diagnostics(translator, _translator_location)):
        raise GcmReviewError(refused)  # it would be stored with every unit, and the stores refused for it
    kind, incoming, diagnostics = _read_translation_file(path, display, check.review)
    report = ImportReport(display, kind, units=len(incoming), diagnostics=diagnostics)
    known = {s.id: s for s in segments(check, check.review)}
    stores: dict[str, TranslationStore] = {}
    for unit in _usable(incoming, report):
        segment = known.get(unit.id)
        if not unit.target.strip():
            report.empty += 1
        elif characters := character_diagnostics(unit.target, partial(_unit_location, unit)):
            report.diagnostics += characters  # the same rule as for a workbook's cells: not stored
        elif segment is None:
            report.unknown.append(unit.id)
            suggestion = nearest(unit.id, known) if len(report.unknown) <= MAX_SUGGESTIONS else ""
            report.diagnostics.append(Diagnostic.make(Code.UNKNOWN_SEGMENT, unit.where, unit=unit.id, suggestion=suggestion))
        else:
            if unit.target_lang not in stores:
                stores[unit.target_lang] = load_store(workspace, unit.target_lang)
            _store_unit(report, stores[unit.target_lang], segment, unit, translator, confirm_unchanged, today or dt.date.today())
    _save_stores(workspace, report, stores, keep_previous)
    if not report.count and not report.already and not of_severity(report.diagnostics, "error"):  # else those errors say why
        report.diagnostics.append(Diagnostic.make(
            Code.NOTHING_IMPORTED, Location(file=display), units=report.units, unknown=len(report.unknown),
            empty=report.empty, unchanged=len(report.unchanged),
        ))
    return report


def _save_stores(workspace: Path, report: ImportReport, stores: dict[str, TranslationStore], keep_previous: bool) -> None:
    """Write each store that received a translation, after keeping the file it replaces if asked to."""
    replaced = dt.datetime.now(dt.UTC)
    for lang in report.stored:
        kept = keep_store(workspace, lang, replaced) if keep_previous else None
        if kept is not None:
            report.kept.append(kept)
        report.stores.append(save_store(workspace, stores[lang]))


def _translator_location(key: str) -> Location:
    return Location(key="translator")


def _unit_location(unit: _Incoming, key: str) -> Location:
    return unit.where


def _usable(incoming: list[_Incoming], report: ImportReport) -> list[_Incoming]:
    """The units to import, each id once per language; an error for a translation too long (GCM244), and for an
    id given twice with different translations (GCM245: none of them imported)."""
    by_id: dict[tuple[str, str], list[_Incoming]] = {}
    for unit in incoming:
        by_id.setdefault((unit.id, unit.target_lang), []).append(unit)
    out = []
    for (unit_id, _lang), units in by_id.items():
        translated = [u for u in units if u.target.strip()]
        unit = (translated or units)[0]
        if len({u.target for u in translated}) > 1:
            report.diagnostics.append(Diagnostic.make(Code.DUPLICATE_UNIT, unit.where, unit=unit_id, count=len(units)))
        elif len(unit.target) > CELL_LIMIT:
            report.diagnostics.append(Diagnostic.make(Code.TRANSLATION_TOO_LONG, unit.where, length=f"{len(unit.target):,}"))
        else:
            out.append(unit)
    return out


def _store_unit(
    report: ImportReport, store: TranslationStore, segment: Segment, unit: _Incoming,
    translator: str | None, confirm_unchanged: bool, today: dt.date,
) -> None:
    """Put one translation into its store, unless it is a stale one sent back unchanged."""
    earlier = store.units.get(unit.id)
    if unit.needs_review and not confirm_unchanged and earlier is not None and earlier.text == unit.target:
        report.unchanged.append(unit.id)
        return
    source_fingerprint = unit.fingerprint or fingerprint(unit.source)
    if earlier is not None and (earlier.text, earlier.source_fingerprint) == (unit.target, source_fingerprint):
        report.already.append(unit.id)
        return
    store.units[unit.id] = Unit(
        source_lang=unit.source_lang or segment.source_lang,
        source_fingerprint=source_fingerprint,
        text=unit.target,
        translator=translator,
        updated=today,
    )
    report.stored.setdefault(store.lang, []).append(unit.id)
    if status(segment, store.lang, store) == "stale":
        report.stale.append(unit.id)


def _read_translation_file(path: Path, display: str, review: ReviewConfig) -> tuple[Format, list[_Incoming], list[Diagnostic]]:
    """Recognise the file by its content and read its units."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _file_error(display, f"it is larger than {MAX_FILE_BYTES // 2**20} MB, far more than any translation file")
        data = path.read_bytes()
    except OSError as exc:
        raise _file_error(display, exc.strerror or str(exc)) from None
    if data.startswith(b"PK"):
        units, diagnostics = _read_xlsx(path, display)
        kind: Format = "xlsx"
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        units, diagnostics, kind = _read_xliff(data, display), [], "xliff"
    else:
        raise _file_error(display, "it is neither an XLIFF file nor an Excel workbook")
    for unit in units:
        if unit.target_lang not in review.languages:
            detail = f"it holds translations into '{unit.target_lang}', which is not a language of this review ({', '.join(review.languages)})"
            raise _file_error(display, detail)
    return kind, units, diagnostics
