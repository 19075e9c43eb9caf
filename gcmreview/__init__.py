"""gcmreview: ministries' spreadsheets in, a country's Voluntary GCM Review out.

The library API, what every front end (the command line, a web app) calls:

* :func:`new_workspace`, :func:`write_blank_workbooks`: a review workspace and its
  contributors' blank workbooks;
* :func:`check`: every workbook read and validated, the contributions consolidated,
  with every problem found (what ``gcmreview check`` prints); :func:`write_reports`
  writes the coordinator's report of it;
* :func:`build`: the submission in ``build/``;
* :func:`export_translations`, :func:`import_translations`: the translators' hand-off;
  :func:`translation_status`: where the translations stand in each language;
* :func:`receive_workbook`: a contributor's uploaded workbook checked, the file it
  replaces kept, stored, logged (:func:`read_uploads`); :func:`check_workbook`: one
  file read as ``check`` reads it; :func:`blank_workbook`: a contributor's blank
  workbook as bytes; :func:`report_page`: the coordinator's report as a page;
* :func:`current_settings`, :func:`update_settings`: review.toml's contact block and
  contributors as a coordinator edits them, written back keeping the file's comments
  and the previous file;
* :func:`import_contribution`, :func:`export_contribution`: a contribution as JSON;
  :func:`contribution_schema`, :func:`submission_schema`: the JSON Schemas of a
  workspace's contributions and submission.

Problems in the inputs raise :class:`GcmReviewError`, carrying :class:`Diagnostic`
objects with their :class:`Location` (file, sheet, cell or key) and :class:`Code`;
:func:`visible` shows a text from an input as it may be printed (control and
direction characters as ``U+XXXX``).
"""

from __future__ import annotations

import io
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import pipeline, translations
from .chars import visible
from .config import CONTACT_TEXTS, load_review
from .errors import Code, Diagnostic, GcmReviewError, Location
from .exchange import contribution_json, export_contribution, import_contribution
from .fonts import font_file
from .fsutil import atomic_write
from .i18n import translator
from .pipeline import BuildResult
from .prepared import Prepared, prepare
from .progress import NO_PROGRESS, Progress
from .render.report import render_report
from .schemas import contribution_schema_for, submission_schema_for
from .settings import SETTINGS_HISTORY, ContactSettings, ContributorSettings, current_settings, update_settings
from .survey.languages import languages
from .text import excerpt
from .translations import (
    ImportReport,
    Pending,
    TranslationExport,
    TranslationStatus,
    export_translations,
    import_translations,
    tally,
    translation_format,
)
from .uploads import HISTORY, MAX_UPLOAD_BYTES, Upload, UploadResult, read_uploads, reading_inputs, receive_workbook, upload_name
from .validate import ReadResult, read_contribution
from .workbook import workbook_name, write_blank_workbooks
from .workbook.write import build_workbook
from .workspace import build_lock, display_path, new_workspace

__all__ = [
    "CONTACT_TEXTS",
    "HISTORY",
    "MAX_TRANSLATION_BYTES",
    "MAX_UPLOAD_BYTES",
    "NO_PROGRESS",
    "SETTINGS_HISTORY",
    "TRANSLATION_FORMATS",
    "BuildResult",
    "Code",
    "ContactSettings",
    "ContributorSettings",
    "Diagnostic",
    "GcmReviewError",
    "ImportReport",
    "Location",
    "Pending",
    "Prepared",
    "Progress",
    "ReadResult",
    "TranslationExport",
    "TranslationStatus",
    "Upload",
    "UploadResult",
    "__version__",
    "atomic_write",
    "blank_workbook",
    "build",
    "check",
    "check_workbook",
    "contribution_json",
    "contribution_schema",
    "current_settings",
    "display_path",
    "excerpt",
    "export_contribution",
    "export_translations",
    "import_contribution",
    "import_translations",
    "language_font",
    "languages",
    "load_review",
    "new_workspace",
    "read_uploads",
    "reading_inputs",
    "receive_workbook",
    "report_page",
    "submission_schema",
    "translation_format",
    "translation_status",
    "translator",
    "update_settings",
    "upload_name",
    "visible",
    "workbook_name",
    "write_blank_workbooks",
    "write_reports",
]

MAX_TRANSLATION_BYTES = translations.MAX_FILE_BYTES
"""The largest translation file :func:`import_translations` reads."""
TRANSLATION_FORMATS = translations.FORMATS
"""The formats :func:`export_translations` writes: ``xliff``, ``xlsx``."""

try:
    __version__ = version("gcmreview")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"


def check(workspace: str | Path = ".", *, progress: Progress = NO_PROGRESS) -> Prepared:
    """Read and validate every workbook of a workspace and consolidate them.

    The result's ``diagnostics`` are every problem ``gcmreview check`` reports: the
    workbooks', consolidation's (conflicts) and the translations' (stale ones).
    GcmReviewError only when review.toml itself is unusable.
    """
    return prepare(Path(workspace), progress)


def build(workspace: str | Path = ".", *, draft: bool = False, progress: Progress = NO_PROGRESS,
          use_cache: bool = True) -> BuildResult:
    """Build the submission of a workspace into its ``build/`` folder (see :func:`gcmreview.pipeline.build`)."""
    return pipeline.build(Path(workspace), draft=draft, progress=progress, use_cache=use_cache)


def write_reports(prepared: Prepared) -> list[Path]:
    """Write the coordinator's report of a checked workspace into its ``build/`` folder (one page per language)."""
    workspace = prepared.check.workspace
    with build_lock(workspace / pipeline.BUILD):
        return pipeline.write_reports(prepared, workspace)


def contribution_schema(workspace: str | Path = ".") -> dict[str, Any]:
    """The JSON Schema of a contribution to a workspace's review, as strict as ``gcmreview import`` (see :mod:`gcmreview.schemas`)."""
    return contribution_schema_for(*load_review(Path(workspace)))


def submission_schema(workspace: str | Path = ".") -> dict[str, Any]:
    """The JSON Schema of a workspace's ``build/submission.json`` (see :mod:`gcmreview.schemas`)."""
    return submission_schema_for(*load_review(Path(workspace)))


def blank_workbook(workspace: str | Path, code: str) -> bytes:
    """Contributor ``code``'s blank workbook (what ``gcmreview workbook`` writes), as the bytes of an xlsx file."""
    review, survey = load_review(Path(workspace))
    if review.contributor(code) is None:
        raise KeyError(code)
    buffer = io.BytesIO()
    build_workbook(review, survey, code).save(buffer)
    return buffer.getvalue()


def check_workbook(workspace: str | Path, path: Path, display: str) -> ReadResult:
    """One workbook read and validated as ``check`` reads it (its problems name it ``display``)."""
    review, survey = load_review(Path(workspace))
    return read_contribution(path, review, survey, display)


def report_page(prepared: Prepared, lang: str) -> str:
    """The coordinator's report of a checked workspace as one HTML page, showing ``lang`` first."""
    return render_report(prepared, prepared.check.workspace, lang)


def translation_status(prepared: Prepared) -> TranslationStatus:
    """Where the translations of a checked workspace stand: per review language, how many texts are provided,
    translated, stale or missing, and the texts still to translate (in contributor order), as the report counts them."""
    return tally(prepared.translations, [c.code for c in prepared.submission.contributors])


def language_font(lang: str) -> Path | None:
    """The font file the documents use for a language's script, if it is installed."""
    info = languages().get(lang)
    return font_file(info.font) if info is not None else None
