"""gcmreview: ministries' spreadsheets in, a country's Voluntary GCM Review out.

Public API: :func:`check` reads and validates a review workspace; the error type
is :class:`GcmReviewError`, carrying :class:`Diagnostic` objects with locations.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .errors import Diagnostic, GcmReviewError, Location
from .inputs import CheckResult, check_workspace

__all__ = ["CheckResult", "Diagnostic", "GcmReviewError", "Location", "__version__", "check"]

try:
    __version__ = version("gcmreview")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"


def check(workspace: str | Path = ".") -> CheckResult:
    """Read and validate every contributor workbook of a workspace."""
    return check_workspace(Path(workspace))
