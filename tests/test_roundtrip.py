"""JSON -> workbook -> JSON is lossless, Khmer included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import WriteWorkbook

from gcmreview.config import load_config
from gcmreview.exchange import contribution_json, export_workbook, load_contribution_json
from gcmreview.model import Contribution
from gcmreview.survey import load_survey
from gcmreview.workbook import save_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SOURCES = sorted((ROOT / "inputs" / "sources").glob("*.json"))


def test_inline_contribution_round_trips(write_workbook: WriteWorkbook, read: Any, contribution_data: dict[str, Any]) -> None:
    path = write_workbook(contribution_data)
    result = read(path)
    assert result.diagnostics == []
    expected = Contribution.model_validate(contribution_data)
    assert result.contribution == expected
    assert result.contribution.answers[0].text["km"] == "ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ ដែលប្រាក់ឈ្នួលខ្ពស់ជាង។"


def test_whitespace_and_line_breaks_survive(write_workbook: WriteWorkbook, read: Any, contribution_data: dict[str, Any]) -> None:
    text = "First paragraph.\n\n- a bullet\n- **bold** bullet\n\n  indented line  "
    contribution_data["answers"][1]["text"]["en"] = text
    result = read(write_workbook(contribution_data))
    assert result.contribution.answers[1].text["en"] == text


@pytest.mark.parametrize("source", SAMPLE_SOURCES, ids=[p.stem for p in SAMPLE_SOURCES])
def test_sample_contributions_round_trip(source: Path, tmp_path: Path) -> None:
    review = load_config(ROOT)
    survey = load_survey(review.survey)
    original = load_contribution_json(source, review, survey, source.name)
    target = tmp_path / "roundtrip.xlsx"
    save_workbook(target, review, survey, original.contributor, original)
    back, diagnostics = export_workbook(target, review, survey, target.name)
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert back == original
    assert contribution_json(back) == source.read_text(encoding="utf-8"), "sources are kept in canonical form"


def test_samples_exist_for_every_contributor() -> None:
    review = load_config(ROOT)
    assert {p.stem.upper() for p in SAMPLE_SOURCES} == {c.code for c in review.contributors}


@pytest.mark.parametrize("source", SAMPLE_SOURCES, ids=[p.stem for p in SAMPLE_SOURCES])
def test_sample_workbooks_match_their_sources(source: Path) -> None:
    """inputs/<code>.xlsx is what `nox -s samples` makes from inputs/sources/<code>.json."""
    review = load_config(ROOT)
    survey = load_survey(review.survey)
    workbook = ROOT / "inputs" / f"{source.stem}.xlsx"
    back, _ = export_workbook(workbook, review, survey, workbook.name)
    assert back == load_contribution_json(source, review, survey, source.name)


def test_text_that_looks_like_a_formula_stays_text(write_workbook: WriteWorkbook, read: Any, contribution_data: dict[str, Any]) -> None:
    contribution_data["answers"][1]["text"]["en"] = '=HYPERLINK("http://example.org","click")'
    path = write_workbook(contribution_data)
    result = read(path)
    assert [d.code for d in result.diagnostics] == []
    assert result.contribution.answers[1].text["en"] == '=HYPERLINK("http://example.org","click")'
