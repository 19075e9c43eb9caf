"""Translation hand-off: contributor text that lacks a language goes to translators and comes back.

Stage: translation hand-off. Ministries write most answers in the national
language; the submission needs every review language. This package never writes
the ministries' workbooks. Instead:

* ``segments``: every translatable unit of contributor text (:func:`segments`),
  with a stable id (:func:`segment_id`: ``LAB/answer/1a``,
  ``LAB/principle/human-rights``, ``LAB/action/2/title``,
  ``LAB/statistic/1/indicator``), the language it is written in and where it is
  (file, sheet, cell). The language of a single-language field (actions,
  statistics) comes from the text's script
  (:func:`~gcmreview.survey.languages.language_of`), as in the documents' layout.
* ``store``: translations live in ``inputs/translations/<lang>.json``
  (:class:`TranslationStore`), one file per target language, each unit tied to a
  :func:`fingerprint` of the source it translates; a changed source makes it
  *stale* (:func:`status`). :func:`resolve` is what consolidation uses to fill a
  missing language; :class:`Translations` reads the segments and stores once per build.
* ``xliff`` and ``xlsx``: XLIFF 1.2 (:func:`export_xliff`) and a protected
  workbook for translators using Excel (:func:`export_xlsx`), written with the
  segments that are missing or stale, and read back. XML that declares entities is
  refused; workbook cells are guarded against spreadsheet injection (:func:`guard_cell`).
* ``handoff``: what a front end calls, :func:`export_translations` and
  :func:`import_translations` (which recognises either format by its content).
* ``tally``: where the translations stand (:func:`tally`): per language and per
  contributor how many texts are provided, translated, stale or missing, and the
  texts still to translate; the report and the web app show it.

Names with a leading underscore are shared among these modules, not the package's API.
"""

from __future__ import annotations

from .handoff import (
    FORMATS,
    MAX_FILE_BYTES,
    Format,
    ImportReport,
    TranslationExport,
    export_name,
    export_translations,
    import_translations,
    translation_format,
)
from .segments import (
    ACTION_FIELDS,
    STATISTIC_FIELDS,
    Segment,
    SegmentKind,
    fingerprint,
    needs_translation,
    segment_id,
    segment_label,
    segments,
)
from .store import (
    STORE_FOLDER,
    Status,
    Translations,
    TranslationStore,
    Unit,
    keep_store,
    load_store,
    load_stores,
    pending,
    resolve,
    save_store,
    status,
    store_path,
)
from .tally import EXCERPT, STATUSES, Pending, TranslationStatus, tally
from .xliff import XLIFF12_NAMESPACE, export_xliff
from .xlsx import XLSX_HEADERS, export_xlsx, guard_cell, unguard_cell

__all__ = [
    "ACTION_FIELDS",
    "EXCERPT",
    "FORMATS",
    "MAX_FILE_BYTES",
    "STATISTIC_FIELDS",
    "STATUSES",
    "STORE_FOLDER",
    "XLIFF12_NAMESPACE",
    "XLSX_HEADERS",
    "Format",
    "ImportReport",
    "Pending",
    "Segment",
    "SegmentKind",
    "Status",
    "TranslationExport",
    "TranslationStatus",
    "TranslationStore",
    "Translations",
    "Unit",
    "export_name",
    "export_translations",
    "export_xliff",
    "export_xlsx",
    "fingerprint",
    "guard_cell",
    "import_translations",
    "keep_store",
    "load_store",
    "load_stores",
    "needs_translation",
    "pending",
    "resolve",
    "save_store",
    "segment_id",
    "segment_label",
    "segments",
    "status",
    "store_path",
    "tally",
    "translation_format",
    "unguard_cell",
]
