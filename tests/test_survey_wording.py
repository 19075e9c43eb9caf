"""The fixed wording of the ESCAP 2020 survey form.

``tests/golden/escap-2020-form.txt`` holds every fixed text of the form, one per
line, in form order; it was produced once from a completed copy of the form and
checked by eye. The data in ``gcmreview/survey/data/escap-2020.toml`` must
reproduce it line for line.

To accept a deliberate wording change, run the tests with ``GCMREVIEW_REGOLD=1``:
the golden file is rewritten from the data and the change shows up as a git diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gcmreview.errors import GcmReviewError
from gcmreview.survey import GcmReference, Survey, available_surveys, load_reference, load_survey

pytestmark = pytest.mark.filterwarnings("error")

SURVEY_ID = "escap-2020"
GOLDEN_FORM = Path(__file__).parent / "golden" / f"{SURVEY_ID}-form.txt"
ROLES = {"a": "trends", "b": "actions", "c": "gaps", "d": "results"}


@pytest.fixture(scope="module")
def survey() -> Survey:
    return load_survey(SURVEY_ID)


@pytest.fixture(scope="module")
def ref() -> GcmReference:
    return load_reference()


def _front_matter(survey: Survey) -> list[str]:
    return [
        *survey.title,
        *survey.mandate,
        survey.contact_intro,
        *(f.label for f in survey.contact_fields),
        survey.return_line,
        survey.sharing_line,
        survey.instructions_heading,
        *survey.instructions,
    ]


def _cluster_sections(survey: Survey, ref: GcmReference) -> list[str]:
    lines: list[str] = []
    clusters = {c.number: c for c in ref.clusters}
    for section in survey.sections:
        cluster = clusters[section.cluster]
        numbers = ", ".join(str(n) for n in cluster.objectives)
        lines += [section.intro, f"{cluster.number}. {cluster.title}"]
        lines.append(f"{survey.objectives_label} {numbers}")
        lines += [f"{q.label} {q.text}" for q in section.questions]
    return lines


def _principles_table(survey: Survey, ref: GcmReference) -> list[str]:
    table = survey.principles
    return [
        f"{table.question.label} {table.question.text}",
        table.header_principle,
        table.header_integrated,
        table.header_explanation,
        *(p.name for p in ref.principles),
    ]


def _closing(survey: Survey) -> list[str]:
    return [survey.closing_intro, *(f"{q.label} {q.text}" for q in survey.closing_questions)]


def form_lines(survey: Survey, ref: GcmReference) -> list[str]:
    """Every fixed text of the form, one per line, in form order."""
    return [
        *_front_matter(survey),
        *_cluster_sections(survey, ref),
        *_principles_table(survey, ref),
        *_closing(survey),
    ]


def _first_difference(actual: list[str], expected: list[str]) -> str:
    for number, (got, want) in enumerate(zip(actual, expected, strict=False), start=1):
        if got != want:
            return f"line {number} differs:\n  data:   {got!r}\n  golden: {want!r}"
    return f"line counts differ: data has {len(actual)}, golden has {len(expected)}"


def test_wording_matches_golden(survey: Survey, ref: GcmReference) -> None:
    actual = form_lines(survey, ref)
    if os.environ.get("GCMREVIEW_REGOLD") == "1":
        GOLDEN_FORM.write_text("\n".join(actual) + "\n", encoding="utf-8")
    expected = GOLDEN_FORM.read_text(encoding="utf-8").splitlines()
    assert actual == expected, _first_difference(actual, expected)


def test_survey_is_available() -> None:
    assert SURVEY_ID in available_surveys()
    assert "gcm" not in available_surveys()


def test_unknown_survey_is_an_input_error() -> None:
    with pytest.raises(GcmReviewError) as raised:
        load_survey("no-such-survey")
    [problem] = raised.value.diagnostics
    assert (problem.code, problem.location.key) == ("GCM301", "survey")
    assert "unknown survey 'no-such-survey'; known surveys: escap-2020" in problem.message


def test_sixteen_cluster_questions_in_order(survey: Survey) -> None:
    questions = [q for s in survey.sections for q in s.questions]
    assert [q.id for q in questions] == [f"{n}{x}" for n in range(1, 5) for x in "abcd"]
    for q in questions:
        assert q.role == ROLES[q.id[-1]], q.id
        assert q.cluster == int(q.id[0]), q.id
        assert q.label == f"{q.id[-1]}."


def test_sections_follow_reference_clusters(survey: Survey, ref: GcmReference) -> None:
    assert [s.cluster for s in survey.sections] == [c.number for c in ref.clusters]


def test_narrative_questions(survey: Survey) -> None:
    ids = [q.id for q in survey.narrative_questions]
    expected = [f"{n}{x}" for n in range(1, 5) for x in "abcd"] + [str(n) for n in range(6, 11)]
    assert ids == expected
    assert len(ids) == 21


def test_all_questions_and_lookup(survey: Survey) -> None:
    assert len(survey.questions) == 22
    question5 = survey.question("5")
    assert question5 is not None and question5.role == "principles"
    assert survey.question("11") is None


def test_closing_questions_take_an_answer_prefix(survey: Survey) -> None:
    assert [q.id for q in survey.closing_questions] == [str(n) for n in range(6, 11)]
    assert all(q.answer_prefix == "Answer:" and q.role == "open" for q in survey.closing_questions)


def test_word_guidance(survey: Survey) -> None:
    assert all(q.words == 500 for q in survey.narrative_questions)


def test_principles_table_lists_the_ten_principles(survey: Survey, ref: GcmReference) -> None:
    golden = GOLDEN_FORM.read_text(encoding="utf-8").splitlines()
    start = golden.index(survey.principles.header_explanation) + 1
    rows = golden[start : start + len(ref.principles)]
    assert len(ref.principles) == 10
    assert rows == [p.name for p in ref.principles]
    assert golden[start + 10] == survey.closing_intro


def test_contact_fields(survey: Survey) -> None:
    keys = [f.key for f in survey.contact_fields]
    assert keys == ["country", "office", "name", "position", "email", "telephone", "address"]
