"""Row heights of the workbooks: the estimate of a text's wrapped lines, and the heights stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from conftest import LONG_ANSWER, WriteWorkbook
from openpyxl.styles import Alignment, Font

from gcmreview.i18n import translator
from gcmreview.survey import Survey
from gcmreview.survey.languages import languages
from gcmreview.workbook import write_blank_workbooks
from gcmreview.workbook.heights import MAX_ROW_HEIGHT, SCRIPT_METRICS, fit_rows, row_height, wrapped_lines
from gcmreview.workbook.layout import INSTRUCTIONS

LATIN_LINE = 15.0
"""Excel's and LibreOffice's height of a line of 11 pt Latin text, in points."""
KHMER_TEXT = "ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ ដែលប្រាក់ឈ្នួលខ្ពស់ជាង។"


def test_hard_line_breaks_each_start_a_line() -> None:
    assert wrapped_lines("Objectives\n\n- one\r\n- two", 60) == ["Objectives", "", "- one", "- two"]
    assert row_height("a\nb\nc", 60) >= 3 * LATIN_LINE
    assert row_height("a\nb\nc", 60, wrap=False) == row_height("a\nb\nc", 60)


def test_words_wrap_whole_within_the_column() -> None:
    text = "Please highlight the concrete policy, legal, and programmatic actions taken by your government"
    lines = wrapped_lines(text, 20)
    assert " ".join(line.strip() for line in lines) == text
    assert all(len(line.strip()) <= 20 for line in lines) and len(lines) >= 5
    assert wrapped_lines(text, 200) == [text]


def test_a_word_longer_than_the_line_is_broken_and_nothing_is_lost() -> None:
    url = "https://example.org/" + "report" * 30
    lines = wrapped_lines(url, 30)
    assert "".join(lines) == url and len(lines) >= len(url) // 30


def test_narrower_columns_and_larger_fonts_take_more_lines() -> None:
    text = INSTRUCTIONS[1]
    counts = [len(wrapped_lines(text, width)) for width in (90, 60, 30, 15)]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert len(wrapped_lines(text, 60, size=14)) > len(wrapped_lines(text, 60, size=11))
    assert len(wrapped_lines(text, 60, bold=True)) >= len(wrapped_lines(text, 60))


def test_the_estimate_is_generous_for_latin_text() -> None:
    """Calibri and Noto Sans fit 52 to 57 characters of the survey's prose on a line of a 48-wide column."""
    text = "Please highlight the concrete policy, legal, and programmatic actions taken by your government to advance"
    assert all(len(line) <= 52 for line in wrapped_lines(text, 48))


def test_complex_scripts_take_taller_lines_and_wider_letters() -> None:
    one_line = row_height("Labour", 60)
    assert LATIN_LINE <= one_line < 1.1 * LATIN_LINE
    for lang in ("km", "lo", "th", "my"):
        metrics, latin = SCRIPT_METRICS[languages()[lang].script], SCRIPT_METRICS["Latin"]
        assert metrics.line > latin.line and metrics.advance > latin.advance, lang
    assert row_height(KHMER_TEXT, 60) > 1.3 * one_line  # one line, but a taller one
    assert len(wrapped_lines(KHMER_TEXT, 20)) > len(wrapped_lines("x" * len(KHMER_TEXT), 20))
    mixed = f"Answer / {KHMER_TEXT[:6]}"
    assert row_height(mixed, 60) == row_height(KHMER_TEXT, 60)


def test_marks_and_zero_width_spaces_take_no_room() -> None:
    plain, marked = "e" * 50, "e\u0301" * 50
    assert len(wrapped_lines(marked, 20)) == len(wrapped_lines(plain, 20))
    assert len(wrapped_lines("\u200b".join("x" * 50), 20)) == len(wrapped_lines("x" * 50, 20))


def test_every_script_a_review_can_use_has_metrics() -> None:
    assert {lang.script for lang in languages().values()} <= set(SCRIPT_METRICS)


def test_a_text_taller_than_excel_allows_gets_the_tallest_row() -> None:
    assert row_height("word " * 2000, 70) == MAX_ROW_HEIGHT
    assert row_height(LONG_ANSWER, 70) < MAX_ROW_HEIGHT  # a 300-word answer still shows whole


def test_rows_get_their_tallest_cell_and_merged_cells_their_summed_width() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for letter in "ABC":
        ws.column_dimensions[letter].width = 20
    text = INSTRUCTIONS[2]
    for row in (1, 2):
        ws.cell(row, 1, text).alignment = Alignment(wrap_text=True)
    ws.cell(2, 2, "short")
    ws.cell(2, 3, KHMER_TEXT * 3).alignment = Alignment(wrap_text=True)
    ws.merge_cells("A1:C1")
    ws.cell(3, 1, text)  # not wrapped: one line, overflowing into the next cells
    ws.cell(4, 1, "Title").font = Font(size=14)
    ws.cell(5, 1, 2019)
    fit_rows(ws)
    assert ws.row_dimensions[1].height == row_height(text, 60)
    assert ws.row_dimensions[2].height == max(row_height(text, 20), row_height(KHMER_TEXT * 3, 20))
    assert ws.row_dimensions[1].height < ws.row_dimensions[2].height
    assert ws.row_dimensions[3].height == row_height("x", 20)
    assert ws.row_dimensions[4].height > ws.row_dimensions[3].height
    assert ws.row_dimensions[5].height is None


def _text_rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[int]:
    return sorted({c.row for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.data_type != "f"})


def test_blank_workbook_rows_are_as_tall_as_their_texts(workspace: Path, survey: Survey) -> None:
    wb = openpyxl.load_workbook(write_blank_workbooks(workspace, "LAB")[0].path)
    for ws in wb.worksheets:
        unsized = [r for r in _text_rows(ws) if not ws.row_dimensions[r].height]
        assert unsized == [], (ws.title, unsized)
    answers = wb["Answers"]
    km = translator("km")
    for row, question in enumerate(survey.narrative_questions, start=5):
        assert answers.cell(row, 1).value == question.id
        needed = max(row_height(question.text.replace("**", ""), 48), row_height(km(question.text).replace("**", ""), 48))
        assert answers.row_dimensions[row].height == needed > 2 * LATIN_LINE, question.id
    instructions = wb["Instructions"]
    assert instructions.row_dimensions[2].height >= 3 * LATIN_LINE


def test_a_filled_workbook_row_fits_its_longest_answer(write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> None:
    contribution_data["answers"][0]["text"] = {"en": LONG_ANSWER}
    wb = openpyxl.load_workbook(write_workbook(contribution_data))
    ws = wb["Answers"]
    assert ws.cell(5, 1).value == "1a"
    assert MAX_ROW_HEIGHT > ws.row_dimensions[5].height == row_height(LONG_ANSWER, 70) > 20 * LATIN_LINE


def test_pages_are_landscape_with_headers_repeated(workspace: Path) -> None:
    wb = openpyxl.load_workbook(write_blank_workbooks(workspace, "LAB")[0].path)
    assert [(ws.page_setup.orientation, ws.page_setup.paperSize) for ws in wb.worksheets if ws.sheet_state == "visible"] == [("landscape", 9)] * 7
    instructions = wb["Instructions"]
    assert instructions.sheet_properties.pageSetUpPr.fitToPage and instructions.page_setup.fitToWidth == 1
    assert instructions.page_setup.fitToHeight == 0
    answers = wb["Answers"]
    assert (answers.print_title_rows, answers.print_title_cols) == ("$3:$4", "$A:$A")
    assert [str(r) for r in answers.merged_cells.ranges] == ["A1:C1", "A2:C2"]
