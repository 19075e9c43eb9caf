"""Shared fixtures: a small review workspace and workbooks built from inline data."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from chromium import launch

from gcmreview.config import ReviewConfig, load_config
from gcmreview.model import Contribution
from gcmreview.survey import Survey, load_survey
from gcmreview.validate import ReadResult, read_contribution
from gcmreview.workbook import save_workbook

REVIEW_TOML = """\
survey = "escap-2020"
languages = ["en", "km"]
publish = true

[country]
name = "Cambodia"
iso = "KHM"

[contact]
office = "Coordinating secretariat"
name = "Test Person"
email = "focal@coord.example.org"

[[contributors]]
code = "COORD"
name = { en = "Coordinating secretariat", km = "លេខាធិការដ្ឋានសម្របសម្រួល" }
coordinator = true

[[contributors]]
code = "LAB"
name = { en = "Ministry of Labour", km = "ក្រសួងការងារ" }

[[contributors]]
code = "HEALTH"
name = { en = "Ministry of Health", km = "ក្រសួងសុខាភិបាល" }
"""

CONTRIBUTION: dict[str, Any] = {
    "survey": "escap-2020",
    "contributor": "LAB",
    "identity": {
        "ministry": "Ministry of Labour",
        "department": "Department of Employment",
        "contact_person": "Test Officer",
        "position": "Deputy Director",
        "email": "officer@labour.example.org",
        "phone": "+855 00 000 000",
        "date": "2020-08-14",
    },
    "answers": [
        {
            "question": "1a",
            "objectives": [2, 6],
            "text": {
                "en": "Most workers leave for Thailand, where wages are far higher [@survey2016].",
                "km": "ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ ដែលប្រាក់ឈ្នួលខ្ពស់ជាង។",
            },
        },
        {"question": "6", "objectives": [23], "text": {"en": "The plan links the compact to target 10.7."}},
    ],
    "actions": [
        {
            "type": "Policy",
            "title": "Labour Migration Policy",
            "year": 2019,
            "status": "In progress",
            "objectives": [5, 6],
            "lead": "Ministry of Labour",
            "partners": "ILO; IOM",
            "description": "Makes regular channels cheaper.",
            "results": "Passports issued free of charge.",
        }
    ],
    "principles": [
        {"principle": "human-rights", "integrated": True, "explanation": {"en": "Complaint desks at the border."}},
    ],
    "statistics": [
        {
            "indicator": "Workers sent abroad through licensed agencies",
            "objectives": [5],
            "value": 1500,
            "unit": "persons",
            "year": 2019,
            "sex": "Female",
            "age_group": "15-24",
            "nationality": "Cambodian",
            "source": "[@survey2016]",
        }
    ],
    "references": [
        {"key": "survey2016", "citation": "Profile of returned migrant workers (2016).", "url": "https://example.org/report.pdf", "year": 2016}
    ],
}

# A 300-word answer, as ministries write them (the survey asks for about 500 words).
_SENTENCES = (
    "Returned workers told the survey teams that recruitment fees, passports and health checks cost them "
    "several months of wages before they could leave, and that most of them borrowed from relatives or "
    "moneylenders to pay. The ministry has since capped the fees licensed agencies may charge, publishes "
    "the list of licensed agencies every quarter, and sends labour inspectors to the provinces where most "
    "workers are recruited. "
)
LONG_ANSWER = " ".join((_SENTENCES.split() * 6)[:295]) + " closing with these final words."


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty review workspace (review.toml, no workbooks yet)."""
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "review.toml").write_text(REVIEW_TOML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def review(workspace: Path) -> ReviewConfig:
    return load_config(workspace)


@pytest.fixture
def survey() -> Survey:
    return load_survey("escap-2020")


@pytest.fixture
def contribution_data() -> dict[str, Any]:
    """A fresh deep copy of a valid contribution, to modify in a test."""
    return copy.deepcopy(CONTRIBUTION)


WriteWorkbook = Callable[..., Path]


@pytest.fixture
def write_workbook(workspace: Path, review: ReviewConfig, survey: Survey) -> WriteWorkbook:
    """Write a filled workbook into inputs/ from contribution data (default: the valid one)."""

    def write(data: dict[str, Any] | None = None, name: str | None = None) -> Path:
        contribution = Contribution.model_validate(data if data is not None else CONTRIBUTION)
        path = workspace / "inputs" / (name or f"{contribution.contributor.lower()}.xlsx")
        return save_workbook(path, review, survey, contribution.contributor, contribution)

    return write


def edit_cells(path: Path, sheet: str, values: dict[str, Any]) -> None:
    """Change cells of a workbook, as a contributor would in Excel."""
    wb = openpyxl.load_workbook(path)
    for coordinate, value in values.items():
        wb[sheet][coordinate].value = value
    wb.save(path)


def find_cell(path: Path, sheet: str, header: str, row_key: str | None = None) -> str:
    """Coordinate of the cell under ``header`` in the row whose first cell is ``row_key`` (or the first data row)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    table = next(iter(ws.tables.values()))
    grid = ws[table.ref]
    headers = [c.value for c in grid[0]]
    col = headers.index(header)
    for row in grid[1:]:
        if row_key is None or row[0].value == row_key:
            return str(row[col].coordinate)
    raise KeyError(row_key)


@pytest.fixture
def read(review: ReviewConfig, survey: Survey, workspace: Path) -> Callable[[Path], ReadResult]:
    def _read(path: Path) -> ReadResult:
        return read_contribution(path, review, survey, path.relative_to(workspace).as_posix())

    return _read


def fontless_letter() -> str:
    """A letter of a script no installed font has (fontconfig's own answer); the test is skipped if every one has a font."""
    for char in ("\U00010570", "\U0001e290", "\U00016a70", "\U00010f70"):  # Vithkuqi, Toto, Tangsa, Old Uyghur
        found = subprocess.run(["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True, check=False)
        if not found.stdout.strip():
            return char
    pytest.skip("every candidate script has an installed font")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (see tests/chromium.py)."""
    with launch() as launched:
        yield launched
