"""The sample workspaces under examples/: the Lao PDR review checks clean and builds.

Nothing in gcmreview is tied to Cambodia or Khmer: a second country with another
national language and script must work from its review.toml alone.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest

import gcmreview
from gcmreview.cli import main
from gcmreview.config import load_config
from gcmreview.exchange import contribution_json, export_workbook, load_contribution_json
from gcmreview.model import Contribution
from gcmreview.prepared import prepare
from gcmreview.submission import Submission
from gcmreview.survey import load_reference, load_survey

ROOT = Path(__file__).resolve().parent.parent
LAO = ROOT / "examples" / "lao-pdr"
SOURCES = sorted((LAO / "inputs" / "sources").glob("*.json"))
STEM = "LAO-escap-2020"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _hashes(folder: Path, skip: str = "build") -> dict[str, str]:
    """SHA-256 of every file under ``folder``, except those in its ``skip`` sub-folder."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != skip
    }


def _sources() -> list[Contribution]:
    review = load_config(LAO)
    survey = load_survey(review.survey)
    return [load_contribution_json(path, review, survey, path.name) for path in SOURCES]


def _lao_texts(contribution: Contribution) -> list[str]:
    """Every Lao text of a contribution's answers and principle explanations."""
    texts = [a.text["lo"] for a in contribution.answers if "lo" in a.text]
    return texts + [p.explanation["lo"] for p in contribution.principles if "lo" in p.explanation]


def test_lao_review_is_configured_for_lao_pdr() -> None:
    review = load_config(LAO)
    assert review.country.name["en"] == "Lao People's Democratic Republic"
    assert review.country.name["lo"].startswith("ສາທາລະນະລັດ")
    assert review.country.iso == "LAO"
    assert review.languages == ("en", "lo")
    assert review.coordinator is not None and review.coordinator.code == "MOLSW"
    assert all(set(c.name) == {"en", "lo"} for c in review.contributors)


def test_lao_sample_checks_clean() -> None:
    result = gcmreview.check(LAO)
    assert [str(d) for d in result.diagnostics] == []
    assert result.ok(strict=True)
    assert {c.contributor for c in result.contributions} == {c.code for c in result.check.review.contributors}


def test_lao_sample_consolidates_without_conflicts() -> None:
    """No disagreement on principles, no clash of reference keys, nothing left out."""
    prepared = prepare(LAO)
    assert [str(d) for d in prepared.diagnostics] == []
    assert prepared.submission.conflicts == [] and prepared.submission.left_out == []


def test_sources_exist_for_every_contributor() -> None:
    review = load_config(LAO)
    assert {p.stem.upper() for p in SOURCES} == {c.code for c in review.contributors}
    assert {p.stem for p in (LAO / "inputs").glob("*.xlsx")} == {p.stem for p in SOURCES}


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_lao_workbooks_match_their_sources(source: Path) -> None:
    """inputs/<code>.xlsx is what `gcmreview import` makes from inputs/sources/<code>.json."""
    review = load_config(LAO)
    survey = load_survey(review.survey)
    workbook = LAO / "inputs" / f"{source.stem}.xlsx"
    back, diagnostics = export_workbook(workbook, review, survey, workbook.name)
    assert diagnostics == []
    original = load_contribution_json(source, review, survey, source.name)
    assert back == original
    text = source.read_text(encoding="utf-8")
    assert contribution_json(back) == text, "sources are kept in canonical form"
    assert text == _nfc(text), "sources are NFC-normalised"


def test_answers_cover_every_cluster_and_the_closing_questions() -> None:
    contributions = _sources()
    answered = {a.question for c in contributions for a in c.answers}
    survey = load_survey("escap-2020")
    for section in survey.sections:
        assert answered & {q.id for q in section.questions}, f"no answer in cluster {section.cluster}"
    assert {"6", "7", "8", "9", "10"} <= answered
    languages = [frozenset(a.text) for c in contributions for a in c.answers]
    assert {frozenset({"lo"}), frozenset({"en"}), frozenset({"en", "lo"})} <= set(languages)
    assert {p.principle for c in contributions for p in c.principles} == {p.key for p in load_reference().principles}


def test_lao_texts_are_in_lao_script() -> None:
    for contribution in _sources():
        for text in _lao_texts(contribution):
            letters = [ch for ch in text if ch.isalpha()]
            lao = [ch for ch in letters if "\u0e80" <= ch <= "\u0eff"]
            assert len(lao) > 0.8 * len(letters), text[:60]


def test_lao_sample_builds(tmp_path: Path) -> None:
    before = _hashes(LAO)
    work = tmp_path / "lao-pdr"
    shutil.copytree(LAO, work, ignore=shutil.ignore_patterns("build"))
    assert main(["build", str(work)]) == 0

    build = work / "build"
    for name in (f"{STEM}.en.docx", f"{STEM}.en.review.docx", f"{STEM}.en.pdf", "submission.json", "build.log"):
        assert (build / name).is_file() and (build / name).stat().st_size > 0, name
    national = build / f"{STEM}.lo.pdf"  # written once national-language outputs exist
    if national.exists():
        assert national.stat().st_size > 0

    sub = Submission.model_validate_json((build / "submission.json").read_text(encoding="utf-8"))
    assert sub.country.iso == "LAO" and sub.languages == ["en", "lo"]
    built: list[str] = [p.text["lo"] for a in sub.answers for p in a.paragraphs if "lo" in p.text]
    built += [v.explanation["lo"] for r in sub.principles for v in r.votes if "lo" in v.explanation]
    built_nfc = {_nfc(text) for text in built}
    for contribution in _sources():
        for text in _lao_texts(contribution):
            assert _nfc(text) in built_nfc, text[:60]

    assert _hashes(work) == before, "the build writes into build/ only"
    assert _hashes(LAO) == before, "examples/ is not modified"


def test_lao_sample_readme_says_how_to_build() -> None:
    readme = (LAO / "README.md").read_text(encoding="utf-8")
    assert "gcmreview build examples/lao-pdr" in readme


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_contact_addresses_are_fictional() -> None:
    """People in the sample are fictional: every e-mail address is on an example.org domain."""
    emails = [load_config(LAO).contact.email]
    for path in SOURCES:
        data = json.loads(path.read_text(encoding="utf-8"))
        emails += [s for s in _strings(data) if "@" in s and " " not in s and not s.startswith("[@")]
    assert emails and all(e.endswith(".example.org") for e in emails), emails
