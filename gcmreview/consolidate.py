"""Consolidation: every contribution -> one national Submission, with provenance.

Stage: consolidate. Per question the coordinator's text leads, then the other
contributors in the order of ``review.toml``. Actions go under question b of each
cluster their objectives belong to, grouped by objective; statistics under
question a. References are merged across contributors (same key or same URL);
principles are merged, disagreements reported and decided. Whatever a contributor
wrote that does not reach the submission is listed in ``left_out`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .config import ReviewConfig
from .errors import Code, Diagnostic, Location, SourceMap
from .model import Contribution
from .submission import (
    ActionEntry,
    Conflict,
    ContributorEntry,
    LeftOutEntry,
    ObjectiveActions,
    Paragraph,
    PrincipleResult,
    PrincipleVote,
    Provenance,
    QuestionAnswers,
    ReferenceEntry,
    StatisticEntry,
    Submission,
    TranslatedText,
)
from .survey import Question, Survey, load_reference
from .text import citations
from .translations import segment_id
from .validate import ReadResult

__all__ = ["consolidate"]


@dataclass
class _Input:
    """A usable contribution with its sources, in submission order."""

    contribution: Contribution
    sources: SourceMap
    file: str
    coordinator: bool

    @property
    def code(self) -> str:
        return self.contribution.contributor

    def provenance(self, path: str) -> Provenance:
        locations = self.sources.under(path) or [self.sources(path)]
        sheet = next((loc.sheet for loc in locations if loc.sheet), "")
        cells = list(dict.fromkeys(loc.cell or loc.key for loc in locations if loc.cell or loc.key))
        return Provenance(contributor=self.code, file=self.file, sheet=sheet, cells=cells)


def consolidate(
    review: ReviewConfig, survey: Survey, results: Iterable[ReadResult],
    translations: dict[str, dict[str, TranslatedText]] | None = None,
) -> tuple[Submission, list[Diagnostic]]:
    """Merge the contributions read from a workspace into the national submission.

    ``translations`` (segment id -> language -> text) come from the workspace's
    translations store and fill languages the workbooks do not have.
    """
    results = list(results)
    inputs, left_out = _select_inputs(review, results)
    diagnostics: list[Diagnostic] = []
    conflicts: list[Conflict] = []
    references, citation_ids = _merge_references(inputs, conflicts, diagnostics, left_out)
    principles = _merge_principles(inputs, conflicts, diagnostics)
    submission = Submission(
        survey=survey.id,
        country=review.country,
        languages=list(review.languages),
        publish=review.publish,
        contact=review.contact,
        contributors=_contributors(review, inputs),
        institutions=list(review.institutions),
        answers=[_answer(q, inputs) for q in survey.narrative_questions],
        principles=principles,
        references=references,
        citation_ids=citation_ids,
        conflicts=conflicts,
        left_out=left_out,
        translations=translations or {},
    )
    return submission, diagnostics


def _select_inputs(review: ReviewConfig, results: list[ReadResult]) -> tuple[list[_Input], list[LeftOutEntry]]:
    """Usable contributions in review order; everything else goes to the left-out list."""
    left_out = [
        x.model_copy(update={"contributor": r.contribution.contributor if r.contribution else ""})
        for r in results for x in r.left_out
    ]
    by_code: dict[str, ReadResult] = {}
    for result in results:
        c = result.contribution
        if c is None:
            reason = next((d.message for d in result.diagnostics if d.severity == "error"), "the file could not be read")
            left_out.append(LeftOutEntry(contributor="", file=result.file, reason=f"whole file not read: {reason}"))
        elif review.contributor(c.contributor) is None:
            left_out.append(LeftOutEntry(contributor=c.contributor, file=result.file, reason="whole file not used: its contributor code is not in review.toml"))
        elif c.contributor in by_code:
            reason = f"whole file not used: {by_code[c.contributor].file} has the same contributor code"
            left_out.append(LeftOutEntry(contributor=c.contributor, file=result.file, reason=reason))
        else:
            by_code[c.contributor] = result
    ordered = sorted(review.ordered_contributors, key=lambda p: not p.coordinator)
    inputs = [
        _Input(by_code[p.code].contribution, by_code[p.code].sources, by_code[p.code].file, p.coordinator)  # type: ignore[arg-type]
        for p in ordered
        if p.code in by_code
    ]
    return inputs, left_out


def _contributors(review: ReviewConfig, inputs: list[_Input]) -> list[ContributorEntry]:
    found = {i.code: i for i in inputs}
    return [
        ContributorEntry(
            code=p.code, name=p.name, coordinator=p.coordinator,
            file=found[p.code].file if p.code in found else None,
            identity=found[p.code].contribution.identity if p.code in found else None,
            source=found[p.code].provenance("identity") if p.code in found else None,
        )
        for p in review.ordered_contributors
    ]


def _answer(question: Question, inputs: list[_Input]) -> QuestionAnswers:
    answer = QuestionAnswers(question=question.id)
    for item in inputs:
        for i, given in enumerate(item.contribution.answers):
            if given.question == question.id and given.text:
                answer.paragraphs.append(
                    Paragraph(segment=segment_id(item.code, "answer", question.id), contributor=item.code, lead=item.coordinator, text=dict(given.text),
                              objectives=list(given.objectives), source=item.provenance(f"answers[{i}]"))
                )
    if question.cluster is not None and question.role == "actions":
        answer.actions = _actions_for(question.cluster, inputs)
    if question.cluster is not None and question.role == "trends":
        answer.statistics = _statistics_for(question.cluster, inputs)
    return answer


def _first_in_cluster(objectives: list[int], cluster: int) -> int | None:
    members = next(c.objectives for c in load_reference().clusters if c.number == cluster)
    return next((o for o in objectives if o in members), None)


def _actions_for(cluster: int, inputs: list[_Input]) -> list[ObjectiveActions]:
    groups: dict[int, list[ActionEntry]] = {}
    for item in inputs:
        for i, action in enumerate(item.contribution.actions):
            objective = _first_in_cluster(action.objectives, cluster)
            if objective is not None:
                entry = ActionEntry(segment=segment_id(item.code, "action", i + 1), contributor=item.code, action=action,
                                    source=item.provenance(f"actions[{i}]"))
                groups.setdefault(objective, []).append(entry)
    members = next(c.objectives for c in load_reference().clusters if c.number == cluster)
    return [ObjectiveActions(objective=o, actions=groups[o]) for o in members if o in groups]


def _statistics_for(cluster: int, inputs: list[_Input]) -> list[StatisticEntry]:
    return [
        StatisticEntry(segment=segment_id(item.code, "statistic", i + 1), contributor=item.code, statistic=stat,
                       source=item.provenance(f"statistics[{i}]"))
        for item in inputs
        for i, stat in enumerate(item.contribution.statistics)
        if _first_in_cluster(stat.objectives, cluster) is not None
    ]


def _cited_keys(contribution: Contribution) -> set[str]:
    texts: list[str] = []
    for answer in contribution.answers:
        texts += answer.text.values()
    for principle in contribution.principles:
        texts += principle.explanation.values()
    for action in contribution.actions:
        texts += [action.title, action.description, action.results]
    texts += [s.source for s in contribution.statistics]
    return {key for text in texts for key in citations(text)}


def _merge_references(
    inputs: list[_Input], conflicts: list[Conflict], diagnostics: list[Diagnostic], left_out: list[LeftOutEntry]
) -> tuple[list[ReferenceEntry], dict[str, str]]:
    entries: dict[str, ReferenceEntry] = {}
    by_url: dict[str, str] = {}
    ids: dict[str, str] = {}
    for item in inputs:
        cited = _cited_keys(item.contribution)
        for i, ref in enumerate(item.contribution.references):
            source = item.provenance(f"references[{i}]")
            if ref.key not in cited:
                left_out.append(LeftOutEntry(contributor=item.code, file=item.file, sheet=source.sheet,
                                             cell=",".join(source.cells), value=ref.citation, reason="reference never cited"))
                continue
            url = ref.url.strip().rstrip("/").lower()
            existing = entries.get(ref.key)
            if existing is not None and _same_source(existing.citation, ref.citation, existing.url, ref.url):
                target = existing
            elif url and url in by_url:
                target = entries[by_url[url]]
            elif existing is not None:
                _reference_conflict(item, i, existing, ref.citation, source, conflicts, diagnostics)
                target = None
            else:
                target = None
            if target is None:
                new_id = ref.key if ref.key not in entries else f"{ref.key}-{item.code.lower()}"
                target = entries[new_id] = ReferenceEntry(id=new_id, citation=ref.citation, url=ref.url, year=ref.year)
                if url:
                    by_url.setdefault(url, new_id)
            target.cited_as.append(f"{item.code}:{ref.key}")
            target.sources.append(source)
            ids[f"{item.code}:{ref.key}"] = target.id
    return list(entries.values()), ids


def _same_source(first: str, second: str, first_url: str, second_url: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(text.split()).casefold()

    return norm(first) == norm(second) or (bool(first_url.strip()) and norm(first_url) == norm(second_url))


def _reference_conflict(
    item: _Input, index: int, existing: ReferenceEntry, citation: str, source: Provenance,
    conflicts: list[Conflict], diagnostics: list[Diagnostic],
) -> None:
    first = existing.sources[0]
    other = f"{first.file}, sheet {first.sheet}, cell {first.cells[0]}" if first.cells else first.file
    where = item.sources(f"references[{index}].key")
    diag = Diagnostic.make(Code.REFERENCE_CONFLICT, where, key=existing.id, other=other, first=existing.citation, second=citation)
    diagnostics.append(diag)
    conflicts.append(Conflict(kind="reference", message=diag.message, sources=[first, source]))


def _merge_principles(inputs: list[_Input], conflicts: list[Conflict], diagnostics: list[Diagnostic]) -> list[PrincipleResult]:
    out = []
    for principle in load_reference().principles:
        votes = [
            (item, PrincipleVote(segment=segment_id(item.code, "principle", p.principle), contributor=item.code, integrated=p.integrated, explanation=dict(p.explanation),
                                 source=item.provenance(f"principles[{i}]")))
            for item in inputs
            for i, p in enumerate(item.contribution.principles)
            if p.principle == principle.key
        ]
        result = _decide(principle.key, votes)
        if result.disagreement:
            _disagreement(principle.name, result, votes, conflicts, diagnostics)
        out.append(result)
    return out


def _decide(key: str, votes: list[tuple[_Input, PrincipleVote]]) -> PrincipleResult:
    answered = [(i, v) for i, v in votes if v.integrated is not None]
    values = {v.integrated for _, v in answered}
    disagreement = len(values) > 1
    plain = [v for _, v in votes]
    if not answered:
        return PrincipleResult(principle=key, integrated=None, decided_by="unanswered", disagreement=False, votes=plain)
    if not disagreement:
        return PrincipleResult(principle=key, integrated=values.pop(), decided_by="agreement", disagreement=False, votes=plain)
    coordinator = next((v for i, v in answered if i.coordinator), None)
    if coordinator is not None:
        return PrincipleResult(principle=key, integrated=coordinator.integrated, decided_by="coordinator", disagreement=True, votes=plain)
    explained = any(v.integrated and v.explanation for _, v in answered)
    return PrincipleResult(principle=key, integrated=explained, decided_by="explanation", disagreement=True, votes=plain)


VOTES_LISTED = 12
"""Up to this many answers, a disagreement lists every contributor's vote; above, it counts them."""


def _votes_shown(answered: list[PrincipleVote], decision: bool | None) -> str:
    """``NCCT yes, LAB no``; with many contributors ``250 yes, 50 no; no: A, B, ... and 40 more``."""
    if len(answered) <= VOTES_LISTED:
        return ", ".join(f"{v.contributor} {'yes' if v.integrated else 'no'}" for v in answered)
    yes = sum(bool(v.integrated) for v in answered)
    others = [v.contributor for v in answered if v.integrated != decision]
    label = "yes" if not decision else "no"
    more = f" and {len(others) - 10} more" if len(others) > 10 else ""
    return f"{yes} yes, {len(answered) - yes} no; {label}: {', '.join(others[:10])}{more}"


def _disagreement(
    name: str, result: PrincipleResult, votes: list[tuple[_Input, PrincipleVote]],
    conflicts: list[Conflict], diagnostics: list[Diagnostic],
) -> None:
    shown = _votes_shown([v for _, v in votes if v.integrated is not None], result.integrated)
    why = {"coordinator": "the coordinator's answer", "explanation": "yes, as a contributor explains how" if result.integrated else "no contributor explains a yes"}[result.decided_by]
    decision = "yes" if result.integrated else "no"
    dissent = next(v for _, v in votes if v.integrated is not None and v.integrated != result.integrated)
    item = next(i for i, v in votes if v is dissent)
    index = next(n for n, p in enumerate(item.contribution.principles) if p.principle == result.principle)
    where: Location = item.sources(f"principles[{index}].integrated")
    diag = Diagnostic.make(Code.PRINCIPLE_DISAGREEMENT, where, principle=name, votes=shown, decision=decision, why=why)
    diagnostics.append(diag)
    conflicts.append(Conflict(kind="principle", message=diag.message, sources=[v.source for _, v in votes]))
