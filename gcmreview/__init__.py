"""gcmreview: ministries' spreadsheets in, a country's Voluntary GCM Review out.

The library API, what every front end (the command line, a web app) calls:

* :func:`new_workspace`, :func:`write_blank_workbooks`: a review workspace and its
  contributors' blank workbooks;
* :func:`check`: every workbook read and validated, the contributions consolidated,
  with every problem found (what ``gcmreview check`` prints); :func:`write_reports`
  writes the coordinator's report of it;
* :func:`build`: the submission in ``build/``;
* :func:`export_translations`, :func:`import_translations`: the translators' hand-off;
* :func:`import_contribution`, :func:`export_contribution`: a contribution as JSON;
  :func:`contribution_schema`, :func:`submission_schema`: the JSON Schemas of a
  workspace's contributions and submission.

Problems in the inputs raise :class:`GcmReviewError`, carrying :class:`Diagnostic`
objects with their :class:`Location` (file, sheet, cell or key) and :class:`Code`;
:func:`visible` shows a text from an input as it may be printed (control and
direction characters as ``U+XXXX``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import pipeline
from .chars import visible
from .config import load_review
from .errors import Code, Diagnostic, GcmReviewError, Location
from .exchange import contribution_json, export_contribution, import_contribution
from .i18n import translator
from .pipeline import BuildResult
from .prepared import Prepared, prepare
from .progress import NO_PROGRESS, Progress
from .schemas import contribution_schema_for, submission_schema_for
from .survey.languages import languages
from .translations import ImportReport, export_translations, import_translations
from .workbook import write_blank_workbooks
from .workspace import build_lock, display_path, new_workspace

__all__ = [
    "NO_PROGRESS",
    "BuildResult",
    "Code",
    "Diagnostic",
    "GcmReviewError",
    "ImportReport",
    "Location",
    "Prepared",
    "Progress",
    "__version__",
    "build",
    "check",
    "contribution_json",
    "contribution_schema",
    "display_path",
    "export_contribution",
    "export_translations",
    "import_contribution",
    "import_translations",
    "languages",
    "new_workspace",
    "submission_schema",
    "translator",
    "visible",
    "write_blank_workbooks",
    "write_reports",
]

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
