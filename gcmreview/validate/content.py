"""Validation of a contribution's content: the checks every contribution must pass, from a workbook or JSON.

Stage: validate. :func:`check_contribution` runs the content checks shared by
workbooks (:func:`gcmreview.validate.read_contribution`) and JSON import
(:mod:`gcmreview.exchange`): known questions and principles, objective numbers and
years, citations and references, e-mail and URL formats, word guidance, text in
the right language column, characters a document cannot hold or the PDF cannot
show as written (:mod:`gcmreview.showable`). Each problem is
located through the contribution's source map: a cell, or a JSON key path.
"""

from __future__ import annotations

import re
from typing import Any

from ..config import EMAIL_RE, ReviewConfig
from ..datafiles import character_diagnostics, model_strings
from ..errors import Code, Diagnostic, SourceMap, nearest
from ..model import YEARS, Contribution, Identity
from ..showable import text_diagnostics
from ..survey import Survey, load_reference
from ..survey.languages import dominant_script, language
from ..text import CELL_LIMIT, citations, is_reference_key, word_count
from ..workbook.layout import IDENTITY_FIELDS

__all__ = ["check_contribution"]

_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$|^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def check_contribution(
    contribution: Contribution, sources: SourceMap, review: ReviewConfig, survey: Survey
) -> list[Diagnostic]:
    """Content checks shared by workbooks and JSON input; locations come from ``sources``."""
    report = _Report(sources)
    _check_identity(contribution.identity, report)
    _check_structure(contribution, review, survey, report)
    _check_numbers(contribution, report)
    _check_references(contribution, report)
    _check_texts(contribution, review, survey, report)
    return report.diagnostics


class _Report:
    """Collects content diagnostics, locating key paths through the source map."""

    def __init__(self, sources: SourceMap) -> None:
        self.sources = sources
        self.diagnostics: list[Diagnostic] = []

    def __call__(self, code: Code, path: str, /, **values: Any) -> None:
        self.diagnostics.append(Diagnostic.make(code, self.sources(path), **values))

    def where(self, path: str) -> str:
        loc = self.sources(path)
        return (loc.cell and f"cell {loc.cell}") or loc.key or str(loc)


def _check_identity(identity: Identity, report: _Report) -> None:
    for spec in IDENTITY_FIELDS:
        if spec.required and not str(getattr(identity, spec.key, "") or "").strip():
            report(Code.REQUIRED, f"identity.{spec.key}", field=spec.label)
    if identity.email.strip() and not EMAIL_RE.match(identity.email.strip()):
        report(Code.BAD_EMAIL, "identity.email", value=identity.email)


def _check_structure(contribution: Contribution, review: ReviewConfig, survey: Survey, report: _Report) -> None:
    known_questions = {q.id for q in survey.narrative_questions}
    seen: dict[str, int] = {}
    for i, answer in enumerate(contribution.answers):
        if answer.question not in known_questions:
            report(Code.UNKNOWN_QUESTION, f"answers[{i}].question", value=answer.question)
        elif answer.question in seen:
            other = report.where(f"answers[{seen[answer.question]}].question")
            report(Code.DUPLICATE_QUESTION, f"answers[{i}].question", question=answer.question, other=other)
        seen.setdefault(answer.question, i)
    principles = {p.key for p in load_reference().principles}
    for i, principle in enumerate(contribution.principles):
        if principle.principle not in principles:
            report(Code.UNKNOWN_PRINCIPLE, f"principles[{i}].principle", value=principle.principle)
    for path, _text in model_strings(contribution.model_dump(include={"answers", "principles"})):
        lang = path.rsplit(".", 1)[-1]
        if (".text." in path or ".explanation." in path) and lang not in review.languages:
            report(Code.UNKNOWN_LANGUAGE, path, lang=lang, languages=", ".join(review.languages))


def _check_numbers(contribution: Contribution, report: _Report) -> None:
    valid = load_reference().objective_numbers
    for section in ("answers", "actions", "statistics"):
        for i, item in enumerate(getattr(contribution, section)):
            for number in item.objectives:
                if number not in valid:
                    report(Code.UNKNOWN_OBJECTIVE, f"{section}[{i}].objectives", value=number)
    for section in ("actions", "statistics", "references"):
        for i, item in enumerate(getattr(contribution, section)):
            if item.year is not None and item.year not in YEARS:
                report(Code.BAD_YEAR, f"{section}[{i}].year", value=item.year)


def _check_references(contribution: Contribution, report: _Report) -> None:
    defined: dict[str, int] = {}
    for i, ref in enumerate(contribution.references):
        if ref.key in defined:
            report(Code.DUPLICATE_REFERENCE, f"references[{i}].key", key=ref.key, other=report.where(f"references[{defined[ref.key]}].key"))
        defined.setdefault(ref.key, i)
        if ref.key and not is_reference_key(ref.key):
            report(Code.BAD_REFERENCE_KEY, f"references[{i}].key", key=ref.key)
        if ref.url and not _URL_RE.match(ref.url.strip()):
            report(Code.BAD_URL, f"references[{i}].url", value=ref.url)
    used: set[str] = set()
    dump = contribution.model_dump(exclude={"references", "identity"})
    for path, text in model_strings(dump):
        for key in citations(text):
            used.add(key)
            if key not in defined:
                report(Code.UNDEFINED_REFERENCE, path, key=key, suggestion=nearest(key, defined))
    for key, i in defined.items():
        if key not in used and is_reference_key(key):  # a key that cannot be cited is reported above
            report(Code.UNUSED_REFERENCE, f"references[{i}].key", key=key)


def _check_texts(contribution: Contribution, review: ReviewConfig, survey: Survey, report: _Report) -> None:
    dump = contribution.model_dump(mode="json")
    for path, text in model_strings(dump):
        if len(text) > CELL_LIMIT:
            report(Code.TOO_LONG, path, length=f"{len(text):,}")
        report.diagnostics += text_diagnostics(text, report.sources(path))  # what the PDF cannot show as written
    report.diagnostics += character_diagnostics(dump, report.sources)
    for section in ("answers", "principles"):
        field = "text" if section == "answers" else "explanation"
        for i, item in enumerate(getattr(contribution, section)):
            for lang, text in getattr(item, field).items():
                _check_script(text, lang, f"{section}[{i}].{field}.{lang}", review, report)
    for i, answer in enumerate(contribution.answers):
        question = survey.question(answer.question)
        for lang, text in answer.text.items():
            words = word_count(text, lang)
            if question is not None and words > question.words:
                report(Code.OVER_GUIDANCE, f"answers[{i}].text.{lang}", words=words, limit=question.words)


def _check_script(text: str, lang: str, path: str, review: ReviewConfig, report: _Report) -> None:
    """Text whose letters are mostly in another review language's script is in the wrong column."""
    if lang not in review.languages:
        return
    found = dominant_script(text)
    expected = language(lang).script
    if found is None or found[0] == expected or found[1] < 0.5:
        return
    others = {language(code).script: language(code) for code in review.languages if code != lang}
    if found[0] in others:
        column = f"{language(lang).name} ({lang})"
        report(Code.WRONG_SCRIPT, path, column=column, found=others[found[0]].name)
