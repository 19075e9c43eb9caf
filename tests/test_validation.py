"""One scenario per invalid input: the exact code, message and cell a coordinator sees."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import WriteWorkbook, edit_cells

from gcmreview.validate import ReadResult

Read = Callable[[Path], ReadResult]


def lines(result: ReadResult) -> list[str]:
    return [str(d) for d in result.diagnostics]


def test_valid_workbook_has_no_diagnostics(write_workbook: WriteWorkbook, read: Read) -> None:
    assert lines(read(write_workbook())) == []


def test_unknown_objective_numbers(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Answers", {"D5": "2, 27, x"})
    edit_cells(path, "Actions", {"E5": 24})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Answers, cell D5: error GCM201: 'x' is not a GCM objective number. Use numbers from 1 to 23, separated by commas (e.g. 2, 5, 12).",
        "inputs/lab.xlsx, sheet Answers, cell D5: error GCM201: '27' is not a GCM objective number. Use numbers from 1 to 23, separated by commas (e.g. 2, 5, 12).",
        "inputs/lab.xlsx, sheet Actions, cell E5: error GCM201: '24' is not a GCM objective number. Use numbers from 1 to 23, separated by commas (e.g. 2, 5, 12).",
    ]


def test_undefined_and_unused_references(write_workbook: WriteWorkbook, read: Read, contribution_data: dict[str, Any]) -> None:
    contribution_data["answers"][0]["text"]["en"] = "Wages are higher [@survey2061]."
    contribution_data["statistics"][0]["source"] = "Labour ministry records"
    result = read(write_workbook(contribution_data))
    assert lines(result) == [
        "inputs/lab.xlsx, sheet Answers, cell E5: error GCM202: The citation [@survey2061] has no reference with that key (did you mean 'survey2016'?). Add it to the References sheet or correct the key.",
        "inputs/lab.xlsx, sheet References, cell A5: warning GCM203: Reference 'survey2016' is never cited. Cite it in an answer as [@survey2016] or remove it.",
    ]


def test_malformed_email_url_year_number(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Contributor", {"C12": "officer at labour.example.org"})
    edit_cells(path, "References", {"C5": "www.example.org/report"})
    edit_cells(path, "Actions", {"C5": "20l9"})
    edit_cells(path, "Statistics", {"C5": "1.5 million", "E5": 1850})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Actions, cell C5: error GCM206: '20l9' is not a year. Write a four-digit year between 1945 and 2100.",
        "inputs/lab.xlsx, sheet Statistics, cell C5: error GCM207: '1.5 million' is not a number. Write digits only (e.g. 1500 or 12.5) and put the unit in the Unit column.",
        "inputs/lab.xlsx, sheet Contributor, cell C12: error GCM204: 'officer at labour.example.org' is not an e-mail address. Write it as name@example.org.",
        "inputs/lab.xlsx, sheet References, cell C5: error GCM205: 'www.example.org/report' is not a web address. Write the full address starting with https:// or http://.",
    ]


def test_empty_required_identity_fields(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Contributor", {"C8": None, "C10": "   "})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Contributor, cell C8: error GCM200: Ministry or institution is empty. Fill it in: the coordinator needs it to credit and contact the contributor.",
        "inputs/lab.xlsx, sheet Contributor, cell C10: error GCM200: Contact person is empty. Fill it in: the coordinator needs it to credit and contact the contributor.",
    ]


def test_answer_over_word_guidance_is_a_warning(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Answers", {"E21": " ".join(["migration"] * 501)})
    result = read(path)
    assert lines(result) == [
        "inputs/lab.xlsx, sheet Answers, cell E21: warning GCM210: The answer has 501 words; the survey asks for about 500. Shorten it or move details to an attachment.",
    ]


def test_text_in_the_wrong_language_column(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Answers", {"E5": "ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ (IOM)", "F5": "Most workers leave for Thailand."})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Answers, cell E5: error GCM211: This English (en) column holds Khmer text. Move it to the column of its language.",
        "inputs/lab.xlsx, sheet Answers, cell F5: error GCM211: This Khmer (km) column holds English text. Move it to the column of its language.",
    ]


def test_workbook_for_another_survey_version(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Contributor", {"C5": "escap-2025"})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Contributor, cell C5: error GCM106: This workbook was made for survey 'escap-2025', but this review uses 'escap-2020'. Generate a new one with `gcmreview workbook --contributor LAB` and copy the answers into it.",
    ]


def test_workbook_not_from_our_template(workspace: Path, read: Read) -> None:
    import openpyxl

    path = workspace / "inputs" / "answers.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Answers"
    wb.active["A1"] = "Question 1a: our answer"
    wb.save(path)
    assert lines(read(path)) == [
        "inputs/answers.xlsx: error GCM105: This workbook was not made from the gcmreview template: it has no Contributor sheet with the Contributor table. Generate a blank one with `gcmreview workbook --contributor CODE` and copy the answers into it.",
    ]


def test_renamed_sheet_and_header_suggest_the_nearest_name(write_workbook: WriteWorkbook, read: Read) -> None:
    import openpyxl

    path = write_workbook()
    wb = openpyxl.load_workbook(path)
    wb["Statistics"].title = "Statistic"
    wb["Actions"]["B4"] = "Titel"
    wb.save(path)
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Actions, cell A4: error GCM109: Column 'Title' is missing from table 'Actions' (did you mean 'Titel'?). Do not rename the template's column headers.",
        "inputs/lab.xlsx, sheet Statistics: error GCM107: Sheet 'Statistics' is missing (did you mean 'Statistic'?). Do not rename or delete the template's sheets.",
        "inputs/lab.xlsx, sheet Statistic: warning GCM224: Sheet 'Statistic' is not part of the template, so its content is not read. Move what it holds into the template's sheets.",
    ]


def test_formula_in_an_answer_cell(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Answers", {"E21": '=HYPERLINK("http://example.org","click")'})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Answers, cell E21: error GCM214: The cell holds a formula (=HYPERLINK(\"http://example.org\",\"click\")). Type the text itself; formulas are not allowed in answers.",
    ]


def test_choice_not_in_the_list(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "Actions", {"A5": "Decree"})
    edit_cells(path, "Principles", {"D10": "Maybe"})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet Actions, cell A5: error GCM209: 'Decree' is not one of the choices for Type: Policy, Law, Regulation, Plan, Programme, Agreement, Other. Pick one from the dropdown.",
        "inputs/lab.xlsx, sheet Principles, cell D10: error GCM209: 'Maybe' is not one of the choices for Integrated: Yes, No. Pick one from the dropdown.",
    ]


def _rewrite_part(path: Path, part: str, change: Callable[[str], str]) -> None:
    """Change one XML part of an xlsx, as another program writing the file might."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, change(data.decode("utf-8")).encode("utf-8") if info.filename == part else data)
    path.write_bytes(buffer.getvalue())


def test_text_longer_than_a_cell_holds(write_workbook: WriteWorkbook, read: Read, contribution_data: dict[str, Any]) -> None:
    contribution_data["answers"][1]["text"]["en"] = "MARKER"
    path = write_workbook(contribution_data)
    long_text = "word " * 6600  # 33,000 characters: more than Excel allows, as another tool may write
    _rewrite_part(path, "xl/worksheets/sheet3.xml", lambda xml: xml.replace(">MARKER<", f">{long_text}<"))
    result = read(path)
    assert lines(result)[0] == (
        "inputs/lab.xlsx, sheet Answers, cell E21: error GCM212: The text has 33,000 characters; a spreadsheet cell holds at most 32,767. Split it across rows or shorten it."
    )
    assert result.contribution is not None and len(result.contribution.answers[1].text["en"]) == 33_000


def test_characters_a_document_cannot_hold(write_workbook: WriteWorkbook, read: Read, contribution_data: dict[str, Any]) -> None:
    contribution_data["answers"][1]["text"]["en"] = "Line one_x000B_line two_x000D_\nend"
    result = read(write_workbook(contribution_data))
    assert lines(result) == [
        "inputs/lab.xlsx, sheet Answers, cell E21: error GCM213: The text contains a character that cannot be stored in a document (U+000B). Delete it (it is often pasted in invisibly from other programs).",
    ]
    assert result.contribution is not None
    assert result.contribution.answers[1].text["en"] == "Line one\x0bline two\nend"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "error GCM101: This is an old Excel 97-2003 (.xls) file. Open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)."),
        (b"Question,Answer\n1a,Some text\n", "error GCM102: This is not an Excel workbook (text or CSV). Send the .xlsx workbook made by `gcmreview workbook`."),
        (b"PK\x03\x04 this zip ends early", "error GCM103: The workbook cannot be read: the file is damaged (not a valid zip archive: File is not a zip file). Ask the contributor to send it again."),
    ],
    ids=["xls", "csv", "corrupt"],
)
def test_files_that_are_not_workbooks(workspace: Path, read: Read, content: bytes, expected: str) -> None:
    path = workspace / "inputs" / "broken.xlsx"
    path.write_bytes(content)
    assert lines(read(path)) == [f"inputs/broken.xlsx: {expected}"]


def test_text_typed_outside_the_table_is_reported(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    edit_cells(path, "References", {"F7": "See also the 2019 labour survey"})
    assert lines(read(path)) == [
        "inputs/lab.xlsx, sheet References, cell F7: warning GCM222: This cell is outside the sheet's table, so it is not read: 'See also the 2019 labour survey'. Move the text into the table.",
    ]


def test_a_copied_sheet_is_reported_and_its_cells_listed(write_workbook: WriteWorkbook, read: Read) -> None:
    import openpyxl

    path = write_workbook()
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Answers"])
    copy["E5"] = "An answer written on the copied sheet"
    wb.save(path)
    result = read(path)
    assert lines(result)[0] == (
        "inputs/lab.xlsx, sheet Answers Copy: warning GCM224: Sheet 'Answers Copy' is not part of the template, so its content is not read. Move what it holds into the template's sheets."
    )
    dropped = {(x.sheet, x.cell): x.value for x in result.left_out}
    assert dropped[("Answers Copy", "E5")] == "An answer written on the copied sheet"


def test_an_added_sheet_with_a_far_cell_is_listed_without_creating_cells(write_workbook: WriteWorkbook, read: Read) -> None:
    import openpyxl

    path = write_workbook()
    wb = openpyxl.load_workbook(path)
    notes = wb.create_sheet("Notes")
    notes["XFD1048576"] = "far away"  # walking the sheet's rectangle would mean 17 billion cells
    notes["B2"] = "Draft figures"
    wb.save(path)
    result = read(path)
    assert [(x.contributor, x.file, x.sheet, x.cell, x.value) for x in result.left_out] == [
        ("", "inputs/lab.xlsx", "Notes", "B2", "Draft figures"),
        ("", "inputs/lab.xlsx", "Notes", "XFD1048576", "far away"),
    ]


def test_entity_declarations_are_refused_before_parsing(write_workbook: WriteWorkbook, read: Read) -> None:
    path = write_workbook()
    bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    _rewrite_part(path, "xl/workbook.xml", lambda xml: bomb + re.sub(r"^<\?xml[^>]*\?>", "", xml))
    assert lines(read(path)) == [
        "inputs/lab.xlsx: error GCM114: The workbook was not opened, to keep this computer safe: its part xl/workbook.xml "
        "declares XML entities, which no spreadsheet program writes. Open it in Excel or LibreOffice, save it as Excel "
        "Workbook (.xlsx) and send that copy.",
    ]
