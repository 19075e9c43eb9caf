"""The coordinator's report: one self-contained HTML page on where the review stands.

Stage: render (report). Before the deadline the national coordinator asks: who
has sent a workbook, who answered what, which objectives and principles nobody
covered, where ministries contradict each other, what is still untranslated and
what was left out. :func:`render_report` answers on one page, built from a
:class:`~gcmreview.pipeline.Prepared` workspace:

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
workbook is only ever text. Labels are English msgids marked with ``N_`` in
:data:`MESSAGES`, extracted into the catalogs and shown translated.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from jinja2 import Environment
from markupsafe import Markup

from ... import translations as translate
from ...errors import Code, Diagnostic, Location
from ...i18n import N_, Translator, translator
from ...markup import parse
from ...submission import Paragraph, QuestionAnswers, Submission
from ...survey import GcmReference, Question, load_reference
from ...survey.languages import language
from ...text import word_count
from ...workbook import workbook_name
from ..templates import find_template, jinja_environment
from .charts import CellCount, HeatmapColumn, HeatmapData, HeatmapLabels, HeatmapRow, clip_text, heatmap_svg, word_bar_svg

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

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
REPORT_NAME = "report.html"
"""File name of the report in the review's first language; other languages add theirs (``report.km.html``)."""

REPORT_TITLE = N_("Coordinator's report")
REVIEW_TITLE = N_("Voluntary GCM Review")

State = Literal["received", "unreadable", "missing"]

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


# ---------------------------------------------------------------- facts (language-independent)


@dataclass
class ContributorFacts:
    """One contributor of review.toml and what arrived from them."""

    code: str
    names: dict[str, str]
    coordinator: bool
    state: State
    file: str | None = None
    saved: dt.datetime | None = None
    completed: dt.date | None = None
    contact: str = ""
    email: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    translation: dict[str, Counter[str]] = field(default_factory=dict)
    """Review language -> translation status -> number of texts."""

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.code

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def untranslated(self, lang: str) -> int:
        counts = self.translation.get(lang, Counter())
        return counts["missing"] + counts["stale"]


@dataclass
class QuestionCell:
    """One contributor's part of one question."""

    words: dict[str, int] = field(default_factory=dict)
    """Words per language the workbook gives the answer in."""
    actions: int = 0
    statistics: int = 0

    @property
    def empty(self) -> bool:
        return not (self.words or self.actions or self.statistics)


@dataclass
class QuestionFacts:
    question: Question
    answered: list[str]
    cells: dict[str, QuestionCell]
    words: dict[str, int]
    """The merged answer's words per review language (given or translated texts)."""
    untranslated: dict[str, int]
    """Paragraphs of the merged answer with no text in the language yet."""


@dataclass
class Vote:
    value: Literal["yes", "no", "blank", "absent", "no-workbook"]
    explained: bool = False


@dataclass
class PrincipleFacts:
    key: str
    name: str
    integrated: bool | None
    decided_by: str
    disagreement: bool
    votes: dict[str, Vote]


@dataclass
class Pending:
    """A text still to translate into ``lang`` (missing or stale)."""

    segment: translate.Segment
    lang: str
    status: translate.Status


@dataclass
class OtherFile:
    """A file in inputs/ that does not count as any contributor's workbook."""

    file: str
    diagnostics: list[Diagnostic]


@dataclass
class ReportFacts:
    """Everything the report shows, before translation into a language."""

    submission: Submission
    languages: tuple[str, ...]
    contributors: list[ContributorFacts]
    other_files: list[OtherFile]
    questions: list[QuestionFacts]
    coverage: dict[tuple[int, str], CellCount]
    principles: list[PrincipleFacts]
    pending: list[Pending]
    diagnostics: list[Diagnostic]
    generated: dt.datetime

    @property
    def received(self) -> list[ContributorFacts]:
        return [c for c in self.contributors if c.state == "received"]

    def heatmap(self, lang: str, t: Callable[[str], str]) -> HeatmapData:
        ref = load_reference()
        rows = [
            HeatmapRow(o, t(_objective_title(ref, o)), cluster.number, t(cluster.title))
            for cluster in ref.clusters
            for o in cluster.objectives
        ]
        columns = [HeatmapColumn(c.code, c.name(lang), c.state == "received") for c in self.contributors]
        return HeatmapData(rows, columns, self.coverage)

    @property
    def uncovered(self) -> list[int]:
        ref = load_reference()
        covered = {o for (o, _code), count in self.coverage.items() if count.total}
        return sorted(o.number for o in ref.objectives if o.number not in covered)

    @property
    def disagreements(self) -> list[PrincipleFacts]:
        return [p for p in self.principles if p.disagreement]

    @property
    def unanswered_principles(self) -> list[PrincipleFacts]:
        """Principles no contributor answered yes or no."""
        return [p for p in self.principles if p.integrated is None]

    def pending_in(self, lang: str) -> list[Pending]:
        return [p for p in self.pending if p.lang == lang]

    @property
    def untranslated_answers(self) -> int:
        """Answers (paragraphs) that still lack a review language (missing or stale translation)."""
        return len({p.segment.id for p in self.pending if p.segment.kind == "answer"})

    def count(self, severity: str) -> int:
        return sum(d.severity == severity for d in self.diagnostics)


def _objective_title(ref: GcmReference, number: int) -> str:
    objective = ref.objective(number)
    return objective.title if objective is not None else str(number)


def coverage(submission: Submission) -> dict[tuple[int, str], CellCount]:
    """(objective, contributor) -> answers, actions and statistics that cite the objective.

    Each paragraph, action and statistic counts once for every objective it names,
    even where the submission places an action or statistic under several questions.
    """
    known = load_reference().objective_numbers
    counts: Counter[tuple[int, str, str]] = Counter()
    seen: set[str] = set()
    for answer in submission.answers:
        for paragraph in answer.paragraphs:
            if paragraph.segment not in seen:
                seen.add(paragraph.segment)
                for o in set(paragraph.objectives) & known:
                    counts[o, paragraph.contributor, "answers"] += 1
        for group in answer.actions:
            for entry in group.actions:
                if entry.segment not in seen:
                    seen.add(entry.segment)
                    for o in set(entry.action.objectives) & known:
                        counts[o, entry.contributor, "actions"] += 1
        for stat in answer.statistics:
            if stat.segment not in seen:
                seen.add(stat.segment)
                for o in set(stat.statistic.objectives) & known:
                    counts[o, stat.contributor, "statistics"] += 1
    keys = {(o, code) for o, code, _kind in counts}
    return {
        (o, code): CellCount(counts[o, code, "answers"], counts[o, code, "actions"], counts[o, code, "statistics"])
        for o, code in sorted(keys)
    }


def gather(prepared: Prepared, workspace: Path, *, generated: dt.datetime | None = None) -> ReportFacts:
    """Collect what the report shows from a prepared workspace (reads file dates and the translation stores)."""
    check, sub = prepared.check, prepared.submission
    review = check.review
    translations = prepared.translations
    diagnostics = sorted(prepared.diagnostics, key=lambda d: (d.location, d.code))

    by_file = {r.file: r for r in check.results}
    used: set[str] = set()
    contributors: list[ContributorFacts] = []
    for entry in sub.contributors:
        facts = ContributorFacts(entry.code, dict(entry.name), entry.coordinator, "missing")
        file = entry.file
        if file is None:
            # a workbook of the expected name that could not be read still shows it arrived
            expected = f"inputs/{workbook_name(entry.code)}"
            unread = by_file.get(expected)
            if unread is not None and unread.contribution is None:
                facts.state, file = "unreadable", expected
        else:
            facts.state = "received"
        if file is not None:
            used.add(file)
            facts.file = file
            facts.saved = check.saved.get(file)
            facts.diagnostics = [d for d in diagnostics if d.location.file == file]
        else:
            facts.diagnostics = [d for d in diagnostics if d.code == Code.MISSING_WORKBOOK.code and d.values.get("code") == entry.code]
        if entry.identity is not None:
            facts.completed = entry.identity.date
            facts.contact, facts.email = entry.identity.contact_person, entry.identity.email
        contributors.append(facts)

    pending: list[Pending] = []
    by_code = {c.code: c for c in contributors}
    for segment in translations.segments:
        owner = by_code.get(segment.contributor)
        for lang in review.languages:
            status = translations.status(segment, lang)
            if owner is not None:
                owner.translation.setdefault(lang, Counter())[status] += 1
            if status in ("missing", "stale"):
                pending.append(Pending(segment, lang, status))

    order = {c.code: i for i, c in enumerate(contributors)}
    pending.sort(key=lambda p: order.get(p.segment.contributor, len(order)))  # stable: file order within a contributor
    other_files = [
        OtherFile(r.file, [d for d in diagnostics if d.location.file == r.file]) for r in check.results if r.file not in used
    ]
    placed = used | {f.file for f in other_files}
    elsewhere: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.location.file not in placed and d.code != Code.MISSING_WORKBOOK.code:  # missing workbooks: under their contributor
            elsewhere.setdefault(d.location.file, []).append(d)
    other_files += [OtherFile(file, found) for file, found in elsewhere.items()]
    return ReportFacts(
        submission=sub,
        languages=tuple(review.languages),
        contributors=contributors,
        other_files=other_files,
        questions=[_question(q, sub) for q in check.survey.narrative_questions],
        coverage=coverage(sub),
        principles=_principles(sub, contributors),
        pending=pending,
        diagnostics=diagnostics,
        generated=generated or dt.datetime.now().astimezone(),
    )


def _paragraph_text(sub: Submission, paragraph: Paragraph, lang: str) -> str | None:
    if paragraph.text.get(lang):
        return paragraph.text[lang]
    found = sub.translated(paragraph.segment, lang)
    return found.text if found is not None else None


def _plain(text: str) -> str:
    """The words of a text in light markup (citations and markers do not count)."""
    return "\n".join(span.text for block in parse(text) for span in block.spans if span.cite is None)


def _question(question: Question, sub: Submission) -> QuestionFacts:
    answer = sub.answer(question.id) or QuestionAnswers(question=question.id)
    cells: dict[str, QuestionCell] = {}
    for paragraph in answer.paragraphs:
        cell = cells.setdefault(paragraph.contributor, QuestionCell())
        for lang, text in paragraph.text.items():
            cell.words[lang] = word_count(_plain(text), lang)
    for group in answer.actions:
        for action in group.actions:
            cells.setdefault(action.contributor, QuestionCell()).actions += 1
    for stat in answer.statistics:
        cells.setdefault(stat.contributor, QuestionCell()).statistics += 1
    words: dict[str, int] = {}
    untranslated: dict[str, int] = {}
    for lang in sub.languages:
        texts = [_paragraph_text(sub, p, lang) for p in answer.paragraphs]
        words[lang] = sum(word_count(_plain(t), lang) for t in texts if t)
        untranslated[lang] = sum(t is None for t in texts)
    answered = [c.code for c in sub.contributors if c.code in cells and not cells[c.code].empty]  # text, actions or statistics
    return QuestionFacts(question, answered, cells, words, untranslated)


def _principles(sub: Submission, contributors: list[ContributorFacts]) -> list[PrincipleFacts]:
    ref = load_reference()
    results = {p.principle: p for p in sub.principles}
    out = []
    for principle in ref.principles:
        result = results.get(principle.key)
        votes: dict[str, Vote] = {}
        for c in contributors:
            vote = next((v for v in result.votes if v.contributor == c.code), None) if result is not None else None
            if c.state != "received":
                votes[c.code] = Vote("no-workbook")
            elif vote is None:
                votes[c.code] = Vote("absent")
            else:
                value: Literal["yes", "no", "blank"] = "blank" if vote.integrated is None else "yes" if vote.integrated else "no"
                votes[c.code] = Vote(value, any(t.strip() for t in vote.explanation.values()))
        if result is None:
            out.append(PrincipleFacts(principle.key, principle.name, None, "unanswered", False, votes))
        else:
            out.append(PrincipleFacts(principle.key, principle.name, result.integrated, result.decided_by, result.disagreement, votes))
    return out


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
    def title(self) -> str:
        sub = self.facts.submission
        return f"{self.t(REPORT_TITLE)} · {self.t(REVIEW_TITLE)} · {sub.country.name}"

    def decided_by(self, p: PrincipleFacts) -> str:
        if p.decided_by == "explanation":
            return self.t(N_("a contributor explains how") if p.integrated else N_("no contributor explains a yes"))
        return self.t(_DECIDED_BY.get(p.decided_by, p.decided_by))

    def principle_name(self, p: PrincipleFacts) -> str:
        return self.t(p.name)

    def objective_title(self, number: int) -> str:
        return self.t(_objective_title(load_reference(), number))

    def contributor_name(self, code: str) -> str:
        found = next((c for c in self.facts.contributors if c.code == code), None)
        return found.name(self.lang) if found is not None else code

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

    def segment_label(self, segment: translate.Segment) -> str:
        return translate.segment_label(segment, self.t)

    def language_name(self, code: str) -> str:
        return language(code).native

    def question_text(self, q: Question) -> str:
        """The question's wording, cut to about three lines of the table (never inside a letter)."""
        return clip_text(" ".join(_plain(self.t(q.text)).split()), 900, 13)

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


def _heatmap_labels(t: Translator) -> HeatmapLabels:
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


def _view(facts: ReportFacts, lang: str, shown: bool) -> View:
    t = translator(lang)
    data = facts.heatmap(lang, t)
    chart = heatmap_svg(data, _heatmap_labels(t), chart_id=f"heatmap-{lang}", lang=language(lang).locale)
    return View(lang, language(lang).locale, language(lang).native, facts, t, data, chart, shown)


# ---------------------------------------------------------------- page


def environment(workspace: Path | None) -> Environment:
    """The Jinja environment over the template folders (workspace's first), escaping every value."""
    return jinja_environment(workspace)


def _inline(text: str, tag: str) -> Markup:
    """Stylesheet or script text for inline use: it cannot close its element early."""
    return Markup(text.replace(f"</{tag}", f"<\\/{tag}"))


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def render_page(facts: ReportFacts, workspace: Path | None, lang: str) -> str:
    """The page from gathered facts, showing ``lang`` first (one of the review's languages)."""
    if lang not in facts.languages:
        raise ValueError(f"'{lang}' is not a language of this review ({', '.join(facts.languages)})")
    find_template(TEMPLATE, workspace)  # a clear GcmReviewError if it is missing
    css = find_template(STYLESHEET, workspace).read_text(encoding="utf-8")
    order = (lang, *(x for x in facts.languages if x != lang))
    views = [_view(facts, x, x == lang) for x in order]
    views.sort(key=lambda v: facts.languages.index(v.lang))
    script = _inline(SCRIPT, "script")
    style = _inline(css, "style")
    csp = f"default-src 'none'; style-src '{_csp_hash(style)}'; script-src '{_csp_hash(script)}'; base-uri 'none'; form-action 'none'"
    template = environment(workspace).get_template(TEMPLATE)
    first = next(v for v in views if v.shown)
    return template.render(facts=facts, views=views, first=first, style=style, script=script, csp=csp)


def render_report(prepared: Prepared, workspace: Path, lang: str = "en", *, generated: dt.datetime | None = None) -> str:
    """The coordinator's report as one self-contained HTML page, opening in ``lang``.

    The page holds every language of the review (switch buttons), so ``lang``
    only chooses the one shown first (and without JavaScript, the only one).
    """
    return render_page(gather(prepared, workspace, generated=generated), workspace, lang)


def report_name(lang: str, languages: Iterable[str]) -> str:
    """``report.html`` for the review's first language, ``report.<lang>.html`` for the others."""
    first = next(iter(languages), lang)
    return REPORT_NAME if lang == first else f"report.{lang}.html"


def render_reports(prepared: Prepared, workspace: Path, *, generated: dt.datetime | None = None) -> dict[str, str]:
    """The report once per review language, by file name: ``report.html`` (English first), ``report.km.html``..."""
    facts = gather(prepared, workspace, generated=generated)
    return {report_name(lang, facts.languages): render_page(facts, workspace, lang) for lang in facts.languages}
