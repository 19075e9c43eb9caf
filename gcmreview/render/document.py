"""The submission laid out for one language: what every renderer (DOCX, HTML/PDF) walks.

Stage: render (shared). :func:`layout` turns a :class:`~gcmreview.submission.Submission`
into a :class:`Document`: the form's fixed texts in order, each question followed by
its answer blocks, the principles table, and the footnotes numbered in order of first
citation through the whole document. Renderers only place what is here; they make no
decisions about content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..chars import printable
from ..config import in_language
from ..i18n import N_, Translator, translator
from ..markup import Span, TextBlock, parse
from ..submission import ActionEntry, PrincipleResult, QuestionAnswers, StatisticEntry, Submission
from ..survey import Question, Survey, load_reference
from ..survey.languages import language, language_of
from ..translations import STATISTIC_FIELDS, needs_translation, segment_id

__all__ = ["Body", "Document", "Footnote", "Item", "QuestionView", "Run", "Table", "layout", "layout_languages"]

LEAD, PARTNERS, OBJECTIVE = N_("Lead"), N_("partners"), N_("Objective")
STAT_HEADERS = (N_("Indicator"), N_("Value"), N_("Unit"), N_("Year"), N_("Breakdown"), N_("Source"))
PENDING = N_("translation pending")
STALE = N_("translation out of date")
NO_ANSWER = N_("No contribution answers this question yet.")


@dataclass(frozen=True)
class Run:
    """Text with formatting, or a footnote reference (``footnote`` set, ``text`` empty), or a line break."""

    text: str = ""
    bold: bool = False
    italic: bool = False
    footnote: int | None = None
    linebreak: bool = False
    lang: str = ""  # set when the text is in another language than the document


@dataclass
class Item:
    """A paragraph of the document: plain, bullet or numbered, with its runs.

    ``contributor`` names who wrote it (shown in review drafts); ``lang`` is the
    language the text is in (it differs from the document's when a translation is
    pending); ``mark`` is a notice to show with it, e.g. "translation pending".
    """

    runs: list[Run]
    kind: Literal["paragraph", "bullet", "numbered"] = "paragraph"
    level: int = 0
    number: str = ""
    contributor: str = ""
    lang: str = ""
    mark: str = ""
    style: Literal["answer", "action", "note"] = "answer"


@dataclass
class Table:
    """A simple table: header cells and rows of cells, each cell a list of runs."""

    header: list[str]
    rows: list[list[list[Run]]]
    contributors: list[str] = field(default_factory=list)


Body = Item | Table


@dataclass
class QuestionView:
    label: str
    text: list[Run]
    answer_prefix: str = ""
    body: list[Body] = field(default_factory=list)
    qid: str = ""


@dataclass
class ClusterView:
    intro: list[Run]
    title: str
    objectives: str
    questions: list[QuestionView]


@dataclass
class PrincipleRow:
    name: str
    integrated: bool | None
    explanation: list[Item]


@dataclass
class Footnote:
    number: int
    text: str
    url: str = ""


@dataclass
class Document:
    """One language version of the submission, in form order."""

    lang: str
    locale: str
    title: list[str]
    subject: str
    author: str
    country: str
    survey_name: str
    mandate: list[list[Run]]
    contact_intro: list[Run]
    contact: list[tuple[str, str]]
    return_line: list[Run]
    sharing_line: list[Run]
    sharing: tuple[str, bool, str, bool]
    instructions_heading: str
    instructions: list[list[Run]]
    clusters: list[ClusterView]
    principles_question: QuestionView
    principles_header: tuple[str, str, str, str, str]
    principles: list[PrincipleRow]
    closing_intro: list[Run]
    closing: list[QuestionView]
    footnotes: list[Footnote] = field(default_factory=list)
    contributors: dict[str, str] = field(default_factory=dict)
    draft: bool = False
    problems: list[str] = field(default_factory=list)
    review: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    untranslated: list[str] = field(default_factory=list)
    """Fixed texts the catalog has no translation for (shown in English)."""


class _Footnotes:
    """Numbers references in order of first citation."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        self.numbers: dict[str, int] = {}
        self.notes: list[Footnote] = []

    def number(self, contributor: str, key: str) -> int | None:
        ref = self.submission.reference(contributor, key)
        if ref is None:
            return None
        if ref.id not in self.numbers:
            self.numbers[ref.id] = len(self.numbers) + 1
            self.notes.append(Footnote(self.numbers[ref.id], ref.citation, ref.url))
        return self.numbers[ref.id]


def _fixed(text: str) -> list[Run]:
    """A fixed text of the form: its **bold** marks become bold runs."""
    runs: list[Run] = []
    for block in parse(text):
        runs += [Run(s.text, s.bold, s.italic, linebreak=s.linebreak) for s in block.spans]
    return runs


class _Builder:
    def __init__(self, submission: Submission, survey: Survey, lang: str, review: bool, notes: _Footnotes) -> None:
        self.s, self.survey, self.lang, self.review = submission, survey, lang, review
        self.t: Translator = translator(lang)
        self.notes = notes
        self.names = submission.names()

    def runs(self, spans: list[Span], contributor: str, lang: str = "") -> list[Run]:
        out = []
        for span in spans:
            if span.cite is not None:
                number = self.notes.number(contributor, span.cite)
                out.append(Run(footnote=number) if number else Run(f"[@{span.cite}]"))
            else:
                out.append(Run(printable(span.text), span.bold, span.italic, linebreak=span.linebreak, lang=lang))
        return out

    def text_items(self, texts: dict[str, str], contributor: str, style: str = "answer", segment: str = "") -> list[Item]:
        """The blocks of a contributor's text in this language: given, translated, or the source marked pending."""
        text, lang, mark = self._choose(texts, segment)
        return [self._item(b, contributor, lang, mark, style) for b in parse(text)]

    def _choose(self, texts: dict[str, str], segment: str) -> tuple[str, str, str]:
        """(text, its language, mark) for this document's language."""
        if texts.get(self.lang):
            return texts[self.lang], self.lang, ""
        found = self.s.translated(segment, self.lang) if segment else None
        if found is not None:
            return found.text, self.lang, self.t(STALE) if found.status == "stale" else ""
        source = next(iter(texts))
        return texts[source], source, self.t(PENDING)

    def field(self, segment: str, text: str) -> tuple[str, str, str]:
        """A single-language field (action, statistic) in this language, if it is or has been translated.

        A text with no words (a "%", an age group "15-24", a citation alone) is the same in every language.
        """
        if not needs_translation(text):
            return text, self.lang, ""
        source = language_of(text, self.s.languages, self.s.languages[0])
        return self._choose({source: text}, segment)

    def institutions(self, segment: str, text: str) -> tuple[str, str, str]:
        """A lead or partners: known institutions by their names in this language, else a field to translate."""
        known = self.names.in_language(text, self.lang)
        return (known, self.lang, "") if known is not None else self.field(segment, text)

    def _item(self, block: TextBlock, contributor: str, lang: str, mark: str, style: str) -> Item:
        return Item(self.runs(block.spans, contributor), block.kind, block.level, block.number, contributor, lang, mark, style)  # type: ignore[arg-type]

    def question(self, q: Question) -> QuestionView:
        view = QuestionView(q.label, _fixed(self.t(q.text)), self.t(q.answer_prefix) if q.answer_prefix else "", qid=q.id)
        answer = self.s.answer(q.id)
        if answer is not None:
            view.body = self.answer_body(answer)
        if not view.body and self.review:
            view.body = [Item([Run(self.t(NO_ANSWER), italic=True)], style="note")]
        return view

    def answer_body(self, answer: QuestionAnswers) -> list[Body]:
        body: list[Body] = []
        for paragraph in answer.paragraphs:
            body += self.text_items(paragraph.text, paragraph.contributor, segment=paragraph.segment)
        if answer.statistics:
            body.append(self.statistics(answer.statistics))
        for group in answer.actions:
            objective = load_reference().objective(group.objective)
            title = self.t(objective.title) if objective else ""
            heading = f"{self.t(OBJECTIVE)} {group.objective}: {title}"
            body.append(Item([Run(heading, bold=True)], style="action"))
            body += [self.action(entry) for entry in group.actions]
        return body

    def action(self, entry: ActionEntry) -> Item:
        a = entry.action
        facts = [self.t(a.type)] + ([str(a.year)] if a.year else []) + ([self.t(a.status)] if a.status else [])
        title, title_lang, mark = self.field(segment_id(entry.segment, "title"), a.title)
        runs = [Run(title, bold=True, lang=self._other(title_lang)), Run(f" ({', '.join(facts)}). ")]
        marks = {mark} - {""}
        who: list[Run] = []
        for name, label in (("lead", LEAD), ("partners", PARTNERS)):
            value = getattr(a, name)
            if value.strip():
                text, lang, mark = self.institutions(segment_id(entry.segment, name), value)
                marks |= {mark} - {""}
                label = self.t(label)
                who += [Run(f"{label[:1].upper() + label[1:] if not who else label}: "), Run(text, lang=self._other(lang)), Run("; ")]
        if who:
            runs += [*who[:-1], Run(". ")]
        for name, value in (("description", a.description), ("results", a.results)):
            text, lang, mark = self.field(segment_id(entry.segment, name), value)
            marks |= {mark} - {""}
            for block in parse(text):
                runs += [*self.runs(block.spans, entry.contributor, self._other(lang)), Run(" ")]
        return Item(runs, "bullet", contributor=entry.contributor, style="action", mark=", ".join(sorted(marks)))

    def _other(self, lang: str) -> str:
        return "" if lang == self.lang else lang

    def cluster(self, number: int, intro: str, questions: list[QuestionView]) -> ClusterView:
        cluster = next(c for c in load_reference().clusters if c.number == number)
        numbers = ", ".join(str(n) for n in cluster.objectives)
        t = self.t
        return ClusterView(_fixed(t(intro)), f"{cluster.number}. {t(cluster.title)}", f"{t(self.survey.objectives_label)} {numbers}", questions)

    def principle(self, result: PrincipleResult) -> PrincipleRow:
        name = next(x.name for x in load_reference().principles if x.key == result.principle)
        items = [i for v in result.votes if v.explanation for i in self.text_items(v.explanation, v.contributor, segment=v.segment)]
        return PrincipleRow(self.t(name), result.integrated, items)

    def document(self, clusters: list[ClusterView], principles_question: QuestionView, principles: list[PrincipleRow],
                 closing: list[QuestionView], draft: bool, problems: list[str]) -> Document:
        t, survey, sub, lang = self.t, self.survey, self.s, self.lang
        c = sub.contact
        values = {"country": in_language(sub.country.name, lang), "office": in_language(c.office, lang),
                  "name": in_language(c.name, lang), "position": in_language(c.position, lang),
                  "email": c.email, "telephone": c.telephone, "address": in_language(c.address, lang)}
        p = survey.principles
        return Document(
            lang=lang, locale=language(lang).locale, title=[t(x) for x in survey.title],
            subject=t(survey.title[1]) if len(survey.title) > 1 else survey.name,
            author=values["office"], country=values["country"], survey_name=t(survey.title[0]),
            mandate=[_fixed(t(m)) for m in survey.mandate], contact_intro=_fixed(t(survey.contact_intro)),
            contact=[(t(f.label), values.get(f.key, "")) for f in survey.contact_fields],
            return_line=_fixed(t(survey.return_line)), sharing_line=_fixed(t(survey.sharing_line)),
            sharing=(t(survey.sharing_yes), sub.publish, t(survey.sharing_no), not sub.publish),
            instructions_heading=t(survey.instructions_heading), instructions=[_fixed(t(i)) for i in survey.instructions],
            clusters=clusters, principles_question=principles_question,
            principles_header=(t(p.header_principle), t(p.header_integrated), t(p.header_explanation), t(p.yes), t(p.no)),
            principles=principles, closing_intro=_fixed(t(survey.closing_intro)), closing=closing,
            footnotes=self.notes.notes, contributors={e.code: in_language(e.name, lang) for e in sub.contributors},
            draft=draft, problems=problems, review=self.review,
            labels={"draft": t(N_("DRAFT")), "problems": t(N_("Problems to resolve before sending")),
                    "page": t(N_("Page")), "pending": t(PENDING)},
            untranslated=sorted(t.missing),
        )

    def statistics(self, entries: list[StatisticEntry]) -> Table:
        header = [self.t(h) for h in STAT_HEADERS]
        rows = []
        for e in entries:
            s = e.statistic
            texts: dict[str, tuple[str, str]] = {}
            marks: set[str] = set()
            for name in STATISTIC_FIELDS:
                text, lang, mark = self.field(segment_id(e.segment, name), getattr(s, name))
                texts[name] = (text, self._other(lang))
                marks |= {mark} - {""}
            value = f"{s.value:,}" if isinstance(s.value, int) else f"{s.value:,.2f}".rstrip("0").rstrip(".")
            breakdown = [Run(self.t(s.sex))] if s.sex else []
            for name in ("age_group", "nationality"):
                if texts[name][0]:
                    breakdown += [Run(", ")] * bool(breakdown) + [Run(texts[name][0], lang=texts[name][1])]
            text, lang = texts["source"]
            source = [r for b in parse(text) for r in self.runs(b.spans, e.contributor, lang)] if text else []
            indicator = [Run(f"[{', '.join(sorted(marks))}] ", italic=True)] if marks else []
            indicator.append(Run(texts["indicator"][0], lang=texts["indicator"][1]))
            unit = [Run(texts["unit"][0], lang=texts["unit"][1])]
            rows.append([indicator, [Run(value)], unit, [Run(str(s.year or ""))], breakdown, source])
        return Table(header, rows, [e.contributor for e in entries])


def layout(submission: Submission, survey: Survey, lang: str = "en", *, review: bool = False,
           draft: bool = False, problems: list[str] | None = None) -> Document:
    """Lay out the submission in ``lang``; ``review`` adds contributor names, ``draft`` the problems."""
    return layout_languages(submission, survey, (lang,), review=review, draft=draft, problems=problems)[0]


def layout_languages(submission: Submission, survey: Survey, langs: tuple[str, ...], *, review: bool = False,
                     draft: bool = False, problems: list[str] | None = None) -> list[Document]:
    """One Document per language, built in step so that footnotes are numbered once for all.

    A bilingual draft places the documents side by side; reading row by row, left
    then right, the footnote numbers then rise in order of first citation.
    """
    notes = _Footnotes(submission)
    builders = [_Builder(submission, survey, lang, review, notes) for lang in langs]
    clusters: list[list[ClusterView]] = [[] for _ in langs]
    for section in survey.sections:
        views = _in_step(builders, section.questions)
        for b, out, qs in zip(builders, clusters, views, strict=True):
            out.append(b.cluster(section.cluster, section.intro, qs))
    principles_question = [b.question(survey.principles.question) for b in builders]
    rows: list[list[PrincipleRow]] = [[] for _ in langs]
    for result in submission.principles:
        for b, row_list in zip(builders, rows, strict=True):
            row_list.append(b.principle(result))
    closing = _in_step(builders, survey.closing_questions)
    return [
        b.document(clusters[i], principles_question[i], rows[i], closing[i], draft, list(problems or []))
        for i, b in enumerate(builders)
    ]


def _in_step(builders: list[_Builder], questions: tuple[Question, ...]) -> list[list[QuestionView]]:
    """Each builder's views of ``questions``, built question by question across languages."""
    views: list[list[QuestionView]] = [[] for _ in builders]
    for q in questions:
        for b, out in zip(builders, views, strict=True):
            out.append(b.question(q))
    return views
