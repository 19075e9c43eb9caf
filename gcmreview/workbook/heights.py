"""Row heights: how many lines a text wraps to in a column, and how tall its row must be.

Stage: workbook. LibreOffice Calc does not recompute the height of rows with wrapped
text when it opens an xlsx (and Excel only when a cell is edited): a row without a
stored height stays one line high and cuts off instructions, questions and answers.
The writer therefore stores every row's height, estimated here from its texts, their
fonts and the widths of their columns (summed over merged cells).

Widths are in Excel's column width unit, the width of the digit 0 in the workbook's
default font (Calibri 11 pt: 7 pixels). The estimate errs on the generous side, since
a cut-off text is worse than some white space: letters are taken wider, and lines of
the complex scripts taller, than common fonts make them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..survey.languages import script_of

__all__ = ["MAX_ROW_HEIGHT", "SCRIPT_METRICS", "ScriptMetrics", "fit_rows", "row_height", "wrapped_lines"]

MAX_ROW_HEIGHT = 409.0
"""Excel's tallest row, in points."""
DEFAULT_SIZE = 11.0
"""The workbook's default font size, in points (openpyxl's default font, Calibri 11)."""
DEFAULT_WIDTH = 8.43
"""Excel's width of a column whose width is not set."""
CELL_PADDING = 0.6
"""The part of a column's width taken by the cell's left and right margins."""
BOLD = 1.1
"""How much wider bold letters are."""


@dataclass(frozen=True)
class ScriptMetrics:
    """How wide a script's letters and how tall its lines are, rounded up from common fonts."""

    advance: float
    """Width of a letter at 11 pt, in widths of the default font's digit 0 (combining marks take none)."""
    line: float
    """Height of a line, in font sizes."""


# Measured with Calibri, Noto Sans, DejaVu Sans and Noto Sans Khmer, Lao, Thai and Myanmar
# (average advance over the survey's texts; ascent + descent + line gap), then rounded up:
# Excel on Windows falls back to other fonts for these scripts (Khmer UI, Leelawadee UI,
# Myanmar Text), most of them wider and taller.
SCRIPT_METRICS: dict[str, ScriptMetrics] = {
    "Latin": ScriptMetrics(1.0, 1.37),
    "Khmer": ScriptMetrics(1.3, 1.9),
    "Lao": ScriptMetrics(1.3, 1.9),
    "Thai": ScriptMetrics(1.2, 1.75),
    "Myanmar": ScriptMetrics(1.5, 2.4),
}
OTHER_SCRIPT = ScriptMetrics(2.0, 2.4)
"""Any other script (Chinese, say): as wide as two digits, lines as tall as Myanmar's."""
UPPER_CASE = 1.3
"""How much wider a capital letter is than the script's average letter."""
SPACE = 0.55
OTHER_CHARACTER = 1.0
"""An ASCII digit, punctuation mark or symbol: as wide as the digit 0 (most are narrower).
Other characters outside the known scripts' letters take :data:`OTHER_SCRIPT`'s width."""
_TOKENS = re.compile(r"\s+|\S+")


def _metrics(script: str) -> ScriptMetrics:
    return SCRIPT_METRICS.get(script, OTHER_SCRIPT)


@lru_cache(maxsize=65536)
def _advance(char: str) -> float:
    """Width of ``char`` at 11 pt, in column width units."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf", "Cc"):  # combining marks, zero-width spaces and joiners
        return 0.0
    if category.startswith("Z"):
        return SPACE
    script = script_of(char)
    if script is None:
        return OTHER_CHARACTER if char.isascii() else _metrics("").advance
    width = _metrics(script).advance
    return width * UPPER_CASE if category == "Lu" else width


def _width(text: str) -> float:
    return sum(_advance(char) for char in text)


def _line_height(line: str, size: float) -> float:
    """Height of one line of text: the tallest script in it (Latin's for a line without letters)."""
    scripts = {script_of(char) for char in line if unicodedata.category(char).startswith("L")}
    return size * max((_metrics(s).line for s in scripts if s), default=_metrics("Latin").line)


def wrapped_lines(text: str, width: float, size: float = DEFAULT_SIZE, bold: bool = False) -> list[str]:
    """The lines ``text`` takes in a column ``width`` wide: its own line breaks, then words wrapped.

    A word that does not fit on the rest of a line goes to the next one; a word longer
    than a whole line (a web address, or a phrase of a script written without spaces)
    is broken where the line is full.
    """
    capacity = max(width - CELL_PADDING, 1.0) * DEFAULT_SIZE / size / (BOLD if bold else 1.0)
    return [line for hard in text.replace("\r\n", "\n").split("\n") for line in _wrap(hard, capacity)]


def _wrap(line: str, capacity: float) -> Iterator[str]:
    current, used = "", 0.0
    for token in _TOKENS.findall(line):
        needed = _width(token)
        if token.isspace() or used + needed <= capacity:  # spaces may hang past the line's end
            current, used = current + token, used + needed
            continue
        if current.strip():
            yield current
        current, used = "", 0.0
        for char in token:  # a token longer than a line is broken where the line is full
            advance = _advance(char)
            if used + advance > capacity and advance and current:
                yield current
                current, used = "", 0.0
            current, used = current + char, used + advance
    yield current


def row_height(text: str, width: float, size: float = DEFAULT_SIZE, bold: bool = False, wrap: bool = True) -> float:
    """Points a row needs to show ``text`` whole in a cell ``width`` wide, at most :data:`MAX_ROW_HEIGHT`.

    Unwrapped text takes one line per line break. A text taller than Excel's tallest
    row gets that height: the rest is seen by scrolling the cell.
    """
    lines = wrapped_lines(text, width, size, bold) if wrap else text.replace("\r\n", "\n").split("\n")
    needed = sum(_line_height(line, size) for line in lines)
    return min(math.ceil(needed * 4) / 4, MAX_ROW_HEIGHT)


def _column_width(ws: Worksheet, column: int) -> float:
    dim = ws.column_dimensions.get(get_column_letter(column))
    return float(dim.width) if dim is not None and dim.customWidth else DEFAULT_WIDTH


def _cell_height(ws: Worksheet, cell: Cell, spans: dict[str, tuple[int, int, int]]) -> tuple[int, float]:
    """(rows the cell covers, the height it needs on each) for a cell holding text."""
    first_col, last_col, rows = spans.get(cell.coordinate, (cell.column, cell.column, 1))
    width = sum(_column_width(ws, column) for column in range(first_col, last_col + 1))
    font, alignment = cell.font, cell.alignment
    size = float(font.sz) if font is not None and font.sz else DEFAULT_SIZE
    bold = bool(font is not None and font.b)
    wrap = bool(alignment is not None and alignment.wrap_text)
    return rows, row_height(str(cell.value), width, size, bold, wrap) / rows


def fit_rows(ws: Worksheet) -> None:
    """Store the height of every row holding text: what its tallest text needs."""
    spans = {str(r.start_cell.coordinate): (r.min_col, r.max_col, r.max_row - r.min_row + 1) for r in ws.merged_cells.ranges}
    heights: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or cell.data_type == "f" or not cell.value.strip():
                continue
            rows, height = _cell_height(ws, cell, spans)
            for r in range(cell.row, cell.row + rows):
                heights[r] = max(heights.get(r, 0.0), height)
    for r, height in heights.items():
        ws.row_dimensions[r].height = height
