"""The contributor workbook as a ministry officer gets it: sheets, tables, dropdowns, protection."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import WriteWorkbook

from gcmreview.config import ReviewConfig
from gcmreview.model import Contribution
from gcmreview.survey import Survey, load_reference
from gcmreview.workbook import write_blank_workbooks
from gcmreview.workbook.layout import HEADER_ROW, TABLES
from gcmreview.workbook.read import RawCell, open_workbook

SHEETS = ["Instructions", "Contributor", "Answers", "Actions", "Principles", "Statistics", "References"]


@pytest.fixture
def blank(workspace: Path) -> openpyxl.Workbook:
    outcomes = write_blank_workbooks(workspace, "LAB")
    assert [(o.contributor, o.path.name, o.written) for o in outcomes] == [("LAB", "lab.xlsx", True)]
    return openpyxl.load_workbook(outcomes[0].path)


def _table(ws: Any) -> tuple[list[str], list[list[Any]]]:
    (table,) = ws.tables.values()
    grid = ws[table.ref]
    return [c.value for c in grid[0]], [list(r) for r in grid[1:]]


def _validations(ws: Any) -> dict[str, Any]:
    """Data validations by the first cell they cover."""
    return {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}


def test_sheets_and_tables(blank: openpyxl.Workbook) -> None:
    assert blank.sheetnames == [*SHEETS, "Lists"]
    assert [ws.title for ws in blank.worksheets if ws.sheet_state != "visible"] == ["Lists"]
    assert list(blank["Contributor"].tables) == ["Contributor"]
    for spec in TABLES:
        assert list(blank[spec.sheet].tables) == [spec.name]
    headers, _ = _table(blank["Answers"])
    assert headers == [
        "Question", "Question text (en)", "Question text (km)", "Objectives",
        "Answer (en)", "Answer (km)", "Words (en)", "Words (km)", "Guidance",
    ]
    headers, _ = _table(blank["Statistics"])
    assert headers == ["Indicator", "Objectives", "Value", "Unit", "Year", "Sex", "Age group", "Nationality", "Source"]


def test_answers_list_every_narrative_question_locked(blank: openpyxl.Workbook, survey: Survey) -> None:
    ws = blank["Answers"]
    headers, rows = _table(ws)
    ids = [r[0].value for r in rows]
    assert ids == [*(f"{c}{q}" for c in "1234" for q in "abcd"), "6", "7", "8", "9", "10"]
    texts = {r[0].value: r[1].value for r in rows}
    assert texts["1b"].startswith("Please highlight the concrete policy, legal, and programmatic actions")
    assert not any("**" in text for text in texts.values())
    assert texts["7"].endswith("Please name the objectives that the Government has prioritized and explain why.")
    first = rows[0]
    col = {h: i for i, h in enumerate(headers)}
    assert first[col["Question"]].protection.locked and first[col["Question text (en)"]].protection.locked
    assert not first[col["Answer (en)"]].protection.locked and not first[col["Answer (km)"]].protection.locked
    assert not first[col["Objectives"]].protection.locked
    assert first[col["Words (en)"]].value.startswith("=IF(LEN(TRIM(E5))=0,0,")
    assert first[col["Guidance"]].value == 500
    assert ws.freeze_panes == "B5"


def test_every_sheet_is_protected_without_password(blank: openpyxl.Workbook) -> None:
    for ws in blank.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title


def test_dropdowns_and_input_messages(blank: openpyxl.Workbook) -> None:
    actions = _validations(blank["Actions"])
    assert actions["A5"].type == "list"
    assert actions["A5"].formula1 == '"Policy,Law,Regulation,Plan,Programme,Agreement,Other"'
    assert actions["D5"].formula1 == '"Planned,In progress,Completed"'
    assert actions["C5"].type == "whole" and (actions["C5"].formula1, actions["C5"].formula2) == ("1945", "2100")
    principles = _validations(blank["Principles"])
    (integrated,) = [dv for dv in principles.values() if dv.type == "list"]
    assert integrated.formula1 == '"Yes,No"' and str(integrated.sqref) == "D5:D14"
    stats = _validations(blank["Statistics"])
    assert stats["F5"].formula1 == '"Total,Female,Male"' and stats["C5"].type == "decimal"
    for ws in blank.worksheets[1:]:
        for dv in ws.data_validations.dataValidation:
            assert dv.showInputMessage and dv.prompt, (ws.title, dv.sqref)
            assert len(dv.prompt) <= 255 and len(dv.promptTitle or "") <= 32


def test_principles_rows_are_the_ten_principles(blank: openpyxl.Workbook) -> None:
    _, rows = _table(blank["Principles"])
    assert [r[0].value for r in rows] == [p.key for p in load_reference().principles]
    assert [r[1].value for r in rows][:3] == ["People-centred", "International cooperation", "National sovereignty"]


def test_instructions_and_labels_in_both_languages(blank: openpyxl.Workbook) -> None:
    ws = blank["Instructions"]
    assert ws["A1"].value == "How to fill this workbook"
    assert any("\u1780" <= ch <= "\u17ff" for ch in str(ws["B1"].value)), "Khmer translation expected in column B"
    contributor = blank["Contributor"]
    assert contributor["C5"].value == "escap-2020" and contributor["C7"].value == "LAB"
    assert contributor["C5"].protection.locked and not contributor["C8"].protection.locked


def test_existing_workbook_is_never_overwritten(workspace: Path) -> None:
    path = workspace / "inputs" / "lab.xlsx"
    path.write_bytes(b"filled by the ministry")
    outcomes = write_blank_workbooks(workspace)
    assert [(o.contributor, o.written) for o in outcomes] == [("COORD", True), ("LAB", False), ("HEALTH", True)]
    assert path.read_bytes() == b"filled by the ministry"


def _soffice(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice (soffice) is not installed; `nox -s tests` installs it")
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def test_libreoffice_opens_blank_workbook(workspace: Path, tmp_path: Path) -> None:
    (outcome,) = write_blank_workbooks(workspace, "LAB")
    out = tmp_path / "pdf"
    _soffice(["--convert-to", "pdf", "--outdir", str(out), str(outcome.path)], tmp_path / "profile")
    pdf = out / "lab.pdf"
    assert pdf.is_file(), "LibreOffice did not convert the workbook"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") > 3


def test_workbook_saved_by_libreoffice_reads_back(
    write_workbook: WriteWorkbook, read: Any, tmp_path: Path, contribution_data: dict[str, Any], workspace: Path
) -> None:
    """A contributor filling the workbook in LibreOffice: its xlsx must still be read whole."""
    source = write_workbook(contribution_data, name="lab-original.xlsx")
    out = workspace / "inputs" / "saved"
    _soffice(["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)], tmp_path / "profile")
    saved = out / "lab-original.xlsx"
    assert saved.is_file(), "LibreOffice did not save the workbook"
    result = read(saved)
    assert result.diagnostics == []
    assert result.contribution == Contribution.model_validate(contribution_data)
    ws = openpyxl.load_workbook(saved)["Actions"]
    assert any(dv.type == "list" for dv in ws.data_validations.dataValidation), "dropdowns lost in LibreOffice"


def test_every_table_and_column_is_documented(review: ReviewConfig) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "workbook.md").read_text(encoding="utf-8")
    for spec in TABLES:
        assert f"`{spec.name}`" in doc, spec.name
        for col in spec.columns:
            header = col.header.replace("{lang}", "en")
            assert f"`{header}`" in doc, (spec.name, header)


def test_the_reader_gives_sheets_tables_and_the_cells_stored(workspace: Path) -> None:
    path = write_blank_workbooks(workspace, "LAB")[0].path
    wb = openpyxl.load_workbook(path)
    wb["Actions"]["XFD1048576"] = "far away"  # walking the sheet's rectangle would mean 17 billion cells
    wb["Actions"]["K2"] = "above the table"
    wb.save(path)
    raw, problems = open_workbook(path, "lab.xlsx")
    assert raw is not None and problems == []
    assert raw.sheet_names == [*SHEETS, "Lists"]
    assert (raw.find_table("Actions"), raw.find_table("Translations")) == ("Actions", None)
    table, problems = raw.table("Actions", "Actions", ["Type", "Title"])
    assert table is not None and problems == []
    assert (table.header_row, table.headers[:2], len(table.rows)) == (HEADER_ROW, ["Type", "Title"], 60)
    assert table.outside == [RawCell("far away", "XFD1048576", 1_048_576, 16_384)]
    cells = raw.stored_cells("Actions")
    assert [(c.row, c.column) for c in cells] == sorted((c.row, c.column) for c in cells)
    assert (cells[-1], RawCell("above the table", "K2", 2, 11) in cells) == (table.outside[0], True)


def test_lead_and_partners_offer_the_reviews_institutions(workspace: Path) -> None:
    """The lead and partner cells offer every contributor and listed institution, in both languages, and allow others."""
    toml = workspace / "inputs" / "review.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '''
[[institutions]]
code = "IOM"
name = { en = "International Organization for Migration", km = "អង្គការអន្តរជាតិសម្រាប់ចំណាកស្រុក" }
''', encoding="utf-8")
    (outcome,) = write_blank_workbooks(workspace, "LAB")
    wb = openpyxl.load_workbook(outcome.path)
    names = [row[0] for row in wb["Lists"].iter_rows(values_only=True)]
    assert names == [
        "លេខាធិការដ្ឋានសម្របសម្រួល", "Coordinating secretariat", "ក្រសួងការងារ", "Ministry of Labour",
        "ក្រសួងសុខាភិបាល", "Ministry of Health", "អង្គការអន្តរជាតិសម្រាប់ចំណាកស្រុក", "International Organization for Migration",
    ]
    assert wb["Lists"].protection.sheet
    headers, _ = _table(wb["Actions"])
    validations = _validations(wb["Actions"])
    for header in ("Lead agency", "Partners"):
        letter = openpyxl.utils.get_column_letter(headers.index(header) + 1)
        dv = validations[f"{letter}{HEADER_ROW + 1}"]
        assert (dv.type, dv.formula1) == ("list", "Lists!$A$1:$A$8")
        assert not dv.showErrorMessage  # a name not in the list can still be typed
        assert dv.showInputMessage and dv.prompt
    others = [dv for key, dv in validations.items() if dv.formula1 == "Lists!$A$1:$A$8"]
    assert len(others) == 2
