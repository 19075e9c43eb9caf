"""The coordinator's report in one language, and the page that holds every language.

Stage: render (report). A :class:`View` is what one ``data-lang-block`` of the
page shows: the gathered :class:`~.facts.ReportFacts` with the labels, names,
messages and the coverage heatmap in one review language. :func:`render_page`
fills ``templates/report.html.j2`` with one view per language, the stylesheet
(``report.css``) and the language switch script inline, under a
Content-Security-Policy that allows only those two (by hash). Labels are English
msgids marked with ``N_`` in :data:`MESSAGES`, extracted into the catalogs and
shown translated. Every value printed shows control and direction characters (a
file or sheet name, a value left out) as ``U+XXXX``, as the terminal and the log do.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ...chars import visible
from ...config import in_language
from ...errors import Code, Diagnostic, Location
from ...i18n import N_, Translator, translator
from ...survey import Question, load_reference
from ...survey.languages import language
from ...translations import Segment, segment_label
from ...workbook import workbook_name
from ..sandbox import Pending
from ..templates import find_template, jinja_environment, limits_for, start_fill
from .charts import HeatmapColumn, HeatmapData, HeatmapLabels, HeatmapRow, heatmap_svg, word_bar_svg
from .facts import ContributorFacts, PrincipleFacts, ReportFacts, objective_title, plain_text
from .svg import clip_text

__all__ = ["MESSAGES", "View", "heatmap_data", "heatmap_labels", "language_view", "render_page", "start_page"]

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"

REPORT_TITLE = N_("Coordinator's report")
REVIEW_TITLE = N_("Voluntary GCM Review")

# Every label the template shows, as English msgids (extracted into the catalogs).
# The template calls _("...") with exactly these strings (tests/test_report.py checks).
MESSAGES: tuple[str, ...] = (
    N_("Coordinator's report"),
    N_("Voluntary GCM Review"),
    N_("Language"),
    N_("Contents"),
    N_("Generated"),
    N_("Survey"),
    N_("Summary"),
    N_("Workbooks received"),
    N_("{received} of {total}"),
    N_("Errors"),
    N_("Warnings"),
    N_("Objectives not covered"),
    N_("{count} of {total}"),
    N_("Principle disagreements"),
    N_("Principles nobody answered"),
    N_("Conflicts"),
    N_("Texts to translate"),
    N_("Left out of the submission"),
    N_("Contributors"),
    N_("Contributor"),
    N_("coordinator"),
    N_("Workbook"),
    N_("received"),
    N_("missing"),
    N_("cannot be read"),
    N_("File saved"),
    N_("Date"),
    N_("Contact person"),
    N_("Untranslated"),
    N_("Problems"),
    N_("No problems found."),
    N_("Severity"),
    N_("error"),
    N_("warning"),
    N_("Code"),
    N_("Message"),
    N_("File"),
    N_("Sheet"),
    N_("Cell"),
    N_("Other files in inputs/"),
    N_("Questions"),
    N_("Question"),
    N_("Answered by"),
    N_("nobody"),
    N_("Words"),
    N_("Words of each contributor's answer, in the languages it was written in; the merged answer's words against the survey's guidance."),
    N_("{words} of {limit} words"),
    N_("over the guidance"),
    N_("{count} not translated"),
    N_("actions: {count}"),
    N_("statistics: {count}"),
    N_("Coverage of the objectives"),
    N_("Each cell counts the answers, actions and statistics of a contributor that cite the objective."),
    N_("Objectives nobody covered"),
    N_("Every objective is covered by at least one contributor."),
    N_("Coverage as a table"),
    N_("Objective"),
    N_("Total"),
    N_("not covered"),
    N_("no workbook"),
    N_("none"),
    N_("Guiding principles"),
    N_("Guiding principle"),
    N_("Yes"),
    N_("No"),
    N_("blank"),
    N_("explained"),
    N_("Submission says"),
    N_("disagreement"),
    N_("nobody answered"),
    N_("Principle disagreements: {count}"),
    N_("No conflicts."),
    N_("Translations"),
    N_("Provided"),
    N_("Translated"),
    N_("Stale"),
    N_("Missing"),
    N_("Nothing to translate."),
    N_("Text"),
    N_("Written in"),
    N_("Status"),
    N_("translation pending"),
    N_("translation out of date"),
    N_("title"),
    N_("Nothing was left out."),
    N_("Value"),
    N_("Reason"),
    N_("{count} labels of this page have no translation in the catalog yet and are shown in English."),
)

SCRIPT = """\
(function () {
  "use strict";
  var blocks = document.querySelectorAll("[data-lang-block]");
  var buttons = document.querySelectorAll("[data-switch-lang]");
  function show(lang) {
    var shown = null;
    blocks.forEach(function (block) {
      var on = block.getAttribute("data-lang-block") === lang;
      block.hidden = !on;
      if (on) { shown = block; }
    });
    if (shown === null) { return; }
    document.documentElement.lang = shown.getAttribute("lang");
    document.title = shown.getAttribute("data-title");
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-switch-lang") === lang));
    });
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var lang = button.getAttribute("data-switch-lang");
      show(lang);
      try { history.replaceState(null, "", "#lang=" + lang); } catch (e) { /* file:// may refuse; the switch still works */ }
    });
  });
  var wanted = /(?:^#|&)lang=([a-z]{2,3})\\b/.exec(location.hash);
  if (wanted) { show(wanted[1]); }
  document.querySelectorAll(".lang-switch").forEach(function (nav) { nav.hidden = false; });
})();
"""
"""The language switch: shows one ``data-lang-block`` and remembers it in the address (``#lang=km``)."""


# ---------------------------------------------------------------- one language's view


_DECIDED_BY = {
    "agreement": N_("all agree"),
    "coordinator": N_("the coordinator's answer"),
    "unanswered": N_("nobody answered"),
}


@dataclass
class View:
    """The report in one language: what one ``data-lang-block`` of the page shows."""

    lang: str
    locale: str
    native: str
    facts: ReportFacts
    t: Translator
    coverage_data: HeatmapData
    heatmap: Markup
    shown: bool

    @property
    def country(self) -> str:
        """The country's name in this view's language."""
        return in_language(self.facts.submission.country.name, self.lang)

    @property
    def title(self) -> str:
        return f"{self.t(REPORT_TITLE)} · {self.t(REVIEW_TITLE)} · {self.country}"

    def decided_by(self, p: PrincipleFacts) -> str:
        if p.decided_by == "explanation":
            return self.t(N_("a contributor explains how") if p.integrated else N_("no contributor explains a yes"))
        return self.t(_DECIDED_BY.get(p.decided_by, p.decided_by))

    def principle_name(self, p: PrincipleFacts) -> str:
        return self.t(p.name)

    def objective_title(self, number: int) -> str:
        return self.t(objective_title(load_reference(), number))

    def message(self, d: Diagnostic) -> str:
        return d.localized(self.t).message

    def missing_hint(self, c: ContributorFacts) -> str:
        """What to do about a workbook that has not arrived (check's GCM112 warning, with the name in this language)."""
        found = next((d for d in c.diagnostics if d.code == Code.MISSING_WORKBOOK.code), None)
        values = dict(found.values) if found is not None else {"code": c.code, "file": f"inputs/{workbook_name(c.code)}"}
        values["name"] = c.name(self.lang)
        return self.message(Diagnostic.make(Code.MISSING_WORKBOOK, found.location if found else Location(), **values))

    def conflict_message(self, message: str) -> str:
        """A conflict's message in this language, through the diagnostic it was reported as."""
        found = next((d for d in self.facts.diagnostics if d.message == message), None)
        return self.message(found) if found is not None else message

    def segment_label(self, segment: Segment) -> str:
        return segment_label(segment, self.t)

    def language_label(self, code: str) -> Markup:
        """A language's own name, tagged with its language, and its code: ``ភាសាខ្មែរ (km)``."""
        known = language(code)
        return Markup('<span lang="{}">{}</span> <span class="code">({})</span>').format(known.locale, known.native, code)

    def question_text(self, q: Question) -> str:
        """The question's wording, cut to about three lines of the table (never inside a letter)."""
        return clip_text(" ".join(plain_text(self.t(q.text)).split()), 900, 13)

    def word_bar(self, words: int, limit: int) -> Markup:
        return word_bar_svg(words, limit, self.t(N_("{words} of {limit} words")).format(words=words, limit=limit))

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return value.isoformat()

    def number(self, value: int) -> str:
        return f"{value:,}"


def heatmap_data(facts: ReportFacts, lang: str, t: Callable[[str], str]) -> HeatmapData:
    """The coverage heatmap's rows (objectives by cluster), columns (contributors) and counts, named in ``lang``."""
    ref = load_reference()
    rows = [
        HeatmapRow(o, t(objective_title(ref, o)), cluster.number, t(cluster.title))
        for cluster in ref.clusters
        for o in cluster.objectives
    ]
    columns = [HeatmapColumn(c.code, c.name(lang), c.state == "received") for c in facts.contributors]
    return HeatmapData(rows, columns, facts.coverage)


def heatmap_labels(t: Translator) -> HeatmapLabels:
    """Every text of the coverage heatmap, translated by ``t``."""
    return HeatmapLabels(
        title=t(N_("Coverage of the GCM objectives by contributor")),
        description=t(N_("Rows: the 23 GCM objectives grouped by review cluster; columns: the contributors and the row total; "
                         "each cell counts the answers, actions and statistics that cite the objective.")),
        summary=t(N_("Objectives nobody covered: {uncovered}.")),
        summary_all_covered=t(N_("Every objective is covered.")),
        rows_axis=t(N_("GCM objective")),
        columns_axis=t(N_("Contributor")),
        cluster=t(N_("Cluster {number}")),
        total=t(N_("Total")),
        not_covered=t(N_("not covered")),
        no_workbook=t(N_("no workbook")),
        legend=t(N_("Number of answers, actions and statistics")),
        legend_none=t(N_("none")),
        cell=t(N_("Objective {objective}, {contributor}: {answers} answers, {actions} actions, {statistics} statistics")),
    )


def language_view(facts: ReportFacts, lang: str, shown: bool) -> View:
    """The report in ``lang``, its heatmap drawn (``shown``: the language the page opens in)."""
    t = translator(lang)
    data = heatmap_data(facts, lang, t)
    chart = heatmap_svg(data, heatmap_labels(t), chart_id=f"heatmap-{lang}", lang=language(lang).locale)
    return View(lang, language(lang).locale, language(lang).native, facts, t, data, chart, shown)


# ---------------------------------------------------------------- page


def _inline(text: str, tag: str) -> Markup:
    """Stylesheet or script text for inline use: it cannot close its element early."""
    return Markup(text.replace(f"</{tag}", f"<\\/{tag}"))


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _shown(value: object) -> object:
    """Every value the page prints: a text's control and direction characters as ``U+XXXX`` (Jinja escapes the rest)."""
    return visible(value, lines=True) if isinstance(value, str) and not isinstance(value, Markup) else value


def render_page(facts: ReportFacts, workspace: Path | None, lang: str) -> str:
    """The page from gathered facts, showing ``lang`` first (one of the review's languages)."""
    return start_page(facts, workspace, lang).result()


def start_page(facts: ReportFacts, workspace: Path | None, lang: str) -> Pending[str]:
    """:func:`render_page` begun (in its own process): the page from :meth:`~..sandbox.Pending.result`."""
    if lang not in facts.languages:
        raise ValueError(f"'{lang}' is not a language of this review ({', '.join(facts.languages)})")
    find_template(TEMPLATE, workspace)  # a clear GcmReviewError if it is missing
    css = find_template(STYLESHEET, workspace).read_text(encoding="utf-8")
    order = (lang, *(x for x in facts.languages if x != lang))
    views = [language_view(facts, x, x == lang) for x in order]
    views.sort(key=lambda v: facts.languages.index(v.lang))
    script = _inline(SCRIPT, "script")
    style = _inline(css, "style")
    csp = f"default-src 'none'; style-src '{_csp_hash(style)}'; script-src '{_csp_hash(script)}'; base-uri 'none'; form-action 'none'"
    first = next(v for v in views if v.shown)
    context = {"facts": facts, "views": views, "first": first, "style": style, "script": script, "csp": csp}
    return start_fill(jinja_environment(workspace).overlay(finalize=_shown), TEMPLATE, limits_for(len(repr(facts))), context, str)
