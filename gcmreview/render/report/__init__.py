"""The coordinator's report: one self-contained HTML page on where the review stands.

Stage: render (report). Before the deadline the national coordinator asks: who
has sent a workbook, who answered what, which objectives and principles nobody
covered, where ministries contradict each other, what is still untranslated and
what was left out. :func:`render_report` answers on one page, built from a
:class:`~gcmreview.prepared.Prepared` workspace:

* per contributor: workbook received, unreadable or missing (against review.toml),
  the file's date, its errors and warnings with their cells, the translation
  status of its texts;
* per question: who answered, words per contributor and the merged answer's
  words against the survey's guidance;
* the coverage heatmap (:mod:`.charts`): objectives by contributors;
* the guiding principles by contributor, disagreements marked;
* conflicts, stale or missing translations, and input left out of the submission,
  each with file, sheet and cell.

The page holds every language of the review; ``lang`` is the one shown first
and buttons (a few lines of inline script, no network) switch between them. It
needs nothing else: the stylesheet (``report.css``) and the charts (SVG) are
inline, a Content-Security-Policy forbids loading anything, and it opens from a
USB stick. Jinja escapes every value (``autoescape=True``), so text from a
workbook is only ever text.

The package: :mod:`.facts` gathers what the report shows, in no language and
without reading a file; :mod:`.view` puts it in each language (labels in
:data:`MESSAGES`) and fills the template; :mod:`.charts` draws the SVG. Writing
the pages is the caller's (the build's) business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import GcmReviewError
from ..sandbox import collect
from .facts import ReportFacts, coverage, gather
from .view import MESSAGES, render_page, start_page

if TYPE_CHECKING:
    from ...prepared import Prepared

__all__ = [
    "MESSAGES",
    "REPORT_NAME",
    "ReportFacts",
    "coverage",
    "gather",
    "render_page",
    "render_report",
    "render_reports",
    "report_name",
]

REPORT_NAME = "report.html"
"""File name of the report in the review's first language; other languages add theirs (``report.km.html``)."""


def _facts(prepared: Prepared, generated: dt.datetime | None) -> ReportFacts:
    """The report's facts, generated ``generated`` (now, if not given)."""
    return gather(prepared, generated=generated if generated is not None else dt.datetime.now().astimezone())


def render_report(prepared: Prepared, workspace: Path, lang: str = "en", *, generated: dt.datetime | None = None) -> str:
    """The coordinator's report as one self-contained HTML page, opening in ``lang``.

    The page holds every language of the review (switch buttons), so ``lang``
    only chooses the one shown first (and without JavaScript, the only one).
    The workspace's ``templates/`` may restyle it.
    """
    return render_page(_facts(prepared, generated), workspace, lang)


def report_name(lang: str, languages: Iterable[str]) -> str:
    """``report.html`` for the review's first language, ``report.<lang>.html`` for the others."""
    first = next(iter(languages), lang)
    return REPORT_NAME if lang == first else f"report.{lang}.html"


def render_reports(prepared: Prepared, workspace: Path, *, generated: dt.datetime | None = None) -> dict[str, str]:
    """The report once per review language, by file name: ``report.html`` (English first), ``report.km.html``..."""
    facts = _facts(prepared, generated)
    pages = collect([start_page(facts, workspace, lang) for lang in facts.languages])  # side by side
    for page in pages:
        if isinstance(page, GcmReviewError):
            raise page
    return {report_name(lang, facts.languages): str(page) for lang, page in zip(facts.languages, pages, strict=True)}
