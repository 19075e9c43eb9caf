"""What the coordinator's report shows, before any language: the facts of a prepared workspace.

Stage: render (report). :func:`gather` turns a :class:`~gcmreview.prepared.Prepared`
workspace into :class:`ReportFacts`: per contributor of review.toml whether its
workbook arrived (received, unreadable or missing), the file's save time, its
findings and the translation status of its texts; per narrative question who
answered and how many words; the coverage of the objectives (:func:`coverage`);
the guiding principles by contributor; the texts still to translate; and the
files of inputs/ that belong to no contributor. Nothing here reads a file or
the clock: save times come from the check (``CheckResult.saved``) and the
generation time from the caller.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ...config import in_language
from ...errors import Code, Diagnostic, of_severity
from ...markup import parse
from ...submission import Paragraph, QuestionAnswers, Submission
from ...survey import GcmReference, Question, load_reference
from ...text import word_count
from ...translations import Pending, Status, Translations, tally
from ...workbook import workbook_name
from .charts import CellCount

if TYPE_CHECKING:
    from ...prepared import Prepared
    from ...submission import ContributorEntry, PrincipleResult
    from ...validate import ReadResult

__all__ = [
    "ContributorFacts",
    "OtherFile",
    "Pending",
    "PrincipleFacts",
    "QuestionCell",
    "QuestionFacts",
    "ReportFacts",
    "State",
    "Vote",
    "coverage",
    "gather",
    "objective_title",
    "plain_text",
]

State = Literal["received", "unreadable", "missing"]


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
    translation: dict[str, Counter[Status]] = field(default_factory=dict)
    """Review language -> translation status -> number of texts."""

    def name(self, lang: str) -> str:
        return in_language(self.names, lang) or self.code

    @property
    def errors(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "error")

    @property
    def warnings(self) -> list[Diagnostic]:
        return of_severity(self.diagnostics, "warning")

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

    def count(self, severity: str) -> int:
        return sum(d.severity == severity for d in self.diagnostics)


def objective_title(ref: GcmReference, number: int) -> str:
    """The objective's English title (its number if the reference does not know it)."""
    objective = ref.objective(number)
    return objective.title if objective is not None else str(number)


def plain_text(text: str) -> str:
    """The words of a text in light markup (citations and markers do not count)."""
    return "\n".join(span.text for block in parse(text) for span in block.spans if span.cite is None)


# ---------------------------------------------------------------- coverage


Kind = Literal["answers", "actions", "statistics"]


def _citations(submission: Submission) -> Iterator[tuple[str, Kind, Iterable[int]]]:
    """(contributor, kind, objectives) of every paragraph, action and statistic, each once."""
    seen: set[str] = set()
    for answer in submission.answers:
        found: list[tuple[str, str, Kind, Iterable[int]]] = [
            (p.segment, p.contributor, "answers", p.objectives) for p in answer.paragraphs
        ]
        found += [(e.segment, e.contributor, "actions", e.action.objectives) for group in answer.actions for e in group.actions]
        found += [(s.segment, s.contributor, "statistics", s.statistic.objectives) for s in answer.statistics]
        for segment, contributor, kind, objectives in found:
            if segment not in seen:
                seen.add(segment)
                yield contributor, kind, objectives


def coverage(submission: Submission) -> dict[tuple[int, str], CellCount]:
    """(objective, contributor) -> answers, actions and statistics that cite the objective.

    Each paragraph, action and statistic counts once for every objective it names,
    even where the submission places an action or statistic under several questions.
    """
    known = load_reference().objective_numbers
    counts: Counter[tuple[int, str, str]] = Counter()
    for contributor, kind, objectives in _citations(submission):
        for o in set(objectives) & known:
            counts[o, contributor, kind] += 1
    keys = {(o, code) for o, code, _kind in counts}
    return {
        (o, code): CellCount(counts[o, code, "answers"], counts[o, code, "actions"], counts[o, code, "statistics"])
        for o, code in sorted(keys)
    }


# ---------------------------------------------------------------- gather


def gather(prepared: Prepared, *, generated: dt.datetime) -> ReportFacts:
    """Collect what the report shows from a prepared workspace, generated at ``generated``."""
    check, sub = prepared.check, prepared.submission
    diagnostics = sorted(prepared.diagnostics, key=lambda d: (d.location, d.code))
    by_file = {r.file: r for r in check.results}
    contributors = [_contributor(entry, by_file, check.saved, diagnostics) for entry in sub.contributors]
    return ReportFacts(
        submission=sub,
        languages=tuple(check.review.languages),
        contributors=contributors,
        other_files=_other_files(check.results, contributors, diagnostics),
        questions=[_question(q, sub) for q in check.survey.narrative_questions],
        coverage=coverage(sub),
        principles=_principles(sub, contributors),
        pending=_pending(prepared.translations, contributors),
        diagnostics=diagnostics,
        generated=generated,
    )


def _contributor(
    entry: ContributorEntry, by_file: Mapping[str, ReadResult], saved: Mapping[str, dt.datetime], diagnostics: Sequence[Diagnostic]
) -> ContributorFacts:
    """A contributor of review.toml: its workbook's state, file, save time, findings and identity."""
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
        facts.file = file
        facts.saved = saved.get(file)
        facts.diagnostics = [d for d in diagnostics if d.location.file == file]
    else:
        facts.diagnostics = [d for d in diagnostics if d.code == Code.MISSING_WORKBOOK.code and d.values.get("code") == entry.code]
    if entry.identity is not None:
        facts.completed = entry.identity.date
        facts.contact, facts.email = entry.identity.contact_person, entry.identity.email
    return facts


def _pending(translations: Translations, contributors: list[ContributorFacts]) -> list[Pending]:
    """The texts still to translate, in contributor order; each contributor's texts counted by status on the way."""
    standing = tally(translations, [c.code for c in contributors])
    for c in contributors:
        c.translation = standing.by_contributor.get(c.code, {})
    return standing.pending


def _other_files(results: Iterable[ReadResult], contributors: list[ContributorFacts], diagnostics: Sequence[Diagnostic]) -> list[OtherFile]:
    """Files of inputs/ that are no contributor's workbook, then other files with findings."""
    used = {c.file for c in contributors if c.file is not None}
    others = [OtherFile(r.file, [d for d in diagnostics if d.location.file == r.file]) for r in results if r.file not in used]
    placed = used | {f.file for f in others}
    elsewhere: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.location.file not in placed and d.code != Code.MISSING_WORKBOOK.code:  # missing workbooks: under their contributor
            elsewhere.setdefault(d.location.file, []).append(d)
    return others + [OtherFile(file, found) for file, found in elsewhere.items()]


# ---------------------------------------------------------------- questions and principles


def _paragraph_text(sub: Submission, paragraph: Paragraph, lang: str) -> str | None:
    if paragraph.text.get(lang):
        return paragraph.text[lang]
    found = sub.translated(paragraph.segment, lang)
    return found.text if found is not None else None


def _cells(answer: QuestionAnswers) -> dict[str, QuestionCell]:
    """Each contributor's words, actions and statistics in one question's merged answer."""
    cells: dict[str, QuestionCell] = {}
    for paragraph in answer.paragraphs:
        cell = cells.setdefault(paragraph.contributor, QuestionCell())
        for lang, text in paragraph.text.items():
            cell.words[lang] = word_count(plain_text(text), lang)
    for group in answer.actions:
        for action in group.actions:
            cells.setdefault(action.contributor, QuestionCell()).actions += 1
    for stat in answer.statistics:
        cells.setdefault(stat.contributor, QuestionCell()).statistics += 1
    return cells


def _question(question: Question, sub: Submission) -> QuestionFacts:
    answer = sub.answer(question.id) or QuestionAnswers(question=question.id)
    cells = _cells(answer)
    words: dict[str, int] = {}
    untranslated: dict[str, int] = {}
    for lang in sub.languages:
        texts = [_paragraph_text(sub, p, lang) for p in answer.paragraphs]
        words[lang] = sum(word_count(plain_text(t), lang) for t in texts if t)
        untranslated[lang] = sum(t is None for t in texts)
    answered = [c.code for c in sub.contributors if c.code in cells and not cells[c.code].empty]  # text, actions or statistics
    return QuestionFacts(question, answered, cells, words, untranslated)


def _vote(result: PrincipleResult | None, contributor: ContributorFacts) -> Vote:
    """A contributor's vote on a principle: yes, no, blank, absent (not answered) or no workbook."""
    vote = next((v for v in result.votes if v.contributor == contributor.code), None) if result is not None else None
    if contributor.state != "received":
        return Vote("no-workbook")
    if vote is None:
        return Vote("absent")
    value: Literal["yes", "no", "blank"] = "blank" if vote.integrated is None else "yes" if vote.integrated else "no"
    return Vote(value, any(t.strip() for t in vote.explanation.values()))


def _principles(sub: Submission, contributors: list[ContributorFacts]) -> list[PrincipleFacts]:
    results = {p.principle: p for p in sub.principles}
    out = []
    for principle in load_reference().principles:
        result = results.get(principle.key)
        votes = {c.code: _vote(result, c) for c in contributors}
        if result is None:
            out.append(PrincipleFacts(principle.key, principle.name, None, "unanswered", False, votes))
        else:
            out.append(PrincipleFacts(principle.key, principle.name, result.integrated, result.decided_by, result.disagreement, votes))
    return out
