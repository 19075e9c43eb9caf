"""Hostile workbooks aimed at the workbook reader, through the real command line in a fresh process.

Each case (files from :mod:`hostile_workbook`) runs ``gcmreview check`` (or ``export``, ``translate
import``, ``build --draft``) in a child process and asserts the exact lines printed with their file,
sheet and cell, the exit status, no traceback, inputs byte-identical afterwards, and the bounds of
any one file read: well within 30 s and 1 GB, measured as the command's wall time and the peak
resident memory of its processes (read from ``getrusage(RUSAGE_CHILDREN)`` in a wrapper process, so
the workers that read workbooks count too).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hostile as H
import hostile_workbook as W
import pytest
from conftest import WriteWorkbook
from measured import file_hashes, measure

MAX_SECONDS = 30.0
MAX_PEAK_KB = 1024 * 1024
"""The issue's bounds for reading one file: 30 s and 1 GB, here for the whole command (start-up included)."""
ROOT = Path(__file__).resolve().parents[1]
@dataclass(frozen=True)
class Measured:
    status: int
    out: str
    """stdout and stderr."""
    stdout: str
    seconds: float
    peak_kb: int

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run_measured(workspace: Path, *argv: str, inputs: Path | None = None) -> Measured:
    """``gcmreview *argv`` in a fresh process: what it printed, how long it took, its peak memory; with the checks
    every hostile case must pass (no traceback, exit 0 or 1, inputs unchanged, within the bounds)."""
    watched = inputs or workspace / "inputs"
    before = file_hashes(watched)
    done = measure(workspace.parent / f"{workspace.name}-measured.json", *argv, timeout=2 * MAX_SECONDS)
    run = Measured(done.status, done.out + done.err, done.out, done.seconds, int(done.peak_mb * 1024))
    assert "Traceback" not in run.out, run.out[-3000:]
    assert run.status in (0, 1), run.out[-3000:]
    assert file_hashes(watched) == before, "inputs must be byte-identical after the run"
    assert run.seconds < MAX_SECONDS, f"{argv[0]} took {run.seconds:.1f} s"
    assert run.peak_kb < MAX_PEAK_KB, f"{argv[0]} peaked at {run.peak_kb // 1024} MB"
    _SLOWEST.append((run.seconds, run.peak_kb, " ".join(argv[:1])))
    return run


_SLOWEST: list[tuple[float, int, str]] = []
"""(seconds, peak kB, command) of every measured run, for the summary printed at the end."""


@pytest.fixture(scope="module", autouse=True)
def _summary() -> Any:
    yield
    if _SLOWEST:
        seconds, peak, command = max(_SLOWEST)
        print(f"\nslowest hostile workbook case: {command}, {seconds:.1f} s, peak {peak // 1024} MB; "
              f"highest peak {max(p for _, p, _ in _SLOWEST) // 1024} MB")


def _lab(run: Measured) -> list[str]:
    return [line for line in run.lines if line.startswith("inputs/lab.xlsx")]


TOO_LARGE = ("inputs/lab.xlsx: error GCM113: The file is too large to read safely: {}. Check that it is the filled workbook; "
             "if it is, delete pictures and pasted objects, save it and send it again.")
KHMER_F5 = "ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ ដែលប្រាក់ឈ្នួលខ្ពស់ជាង។"
"""The text of Answers!F5 (question 1a in Khmer), covered when E5:F5 is merged."""
ENGLISH_E5 = "Most workers leave for Thailand"
"""The start of Answers!E5 (question 1a in English)."""


# ---------------------------------------------------------------- the reader's own scans


def test_merge_and_drawing_start_tags_in_comments_are_scanned_in_linear_time(write_workbook: WriteWorkbook, workspace: Path) -> None:
    """40,000 unclosed ``<mergeCells`` and ``<drawing`` start tags in comments (a regular expression backtracked over
    them for minutes): the workbook reads at once, and the real merge after the trap is still taken out, so the
    text LibreOffice kept under it is read."""
    path = write_workbook()
    W.merge_trap(path, "Answers", merge="E5:F5")
    W.drawing_trap(path, "Actions")
    run = run_measured(workspace, "export", str(path), "-w", str(workspace))
    assert run.status == 0, run.out
    contribution = json.loads(run.stdout)
    assert contribution["answers"][0]["text"] == {"en": contribution["answers"][0]["text"]["en"], "km": KHMER_F5}
    assert contribution["answers"][0]["text"]["en"].startswith(ENGLISH_E5)
    assert run.seconds < 10, f"export took {run.seconds:.1f} s"


# ---------------------------------------------------------------- counts bounded before openpyxl


@dataclass(frozen=True)
class Flood:
    id: str
    make: Callable[[Path], None]
    detail: str


FLOODS = [
    Flood("shared-strings", W.shared_strings_flood,
          "its part xl/sharedStrings.xml holds more than 300,000 shared texts, far more than any filled workbook"),
    Flood("styles", W.styles_flood,
          "it holds more than 150,000 styles, formats, rules or other settings (the most in its part xl/styles.xml), "
          "far more than any filled workbook"),
    Flood("rows", lambda path: W.rows_flood(path, "Actions"),
          "its part xl/worksheets/sheet4.xml makes the workbook hold more than 100,000 rows, far more than any filled workbook"),
]


@pytest.mark.parametrize("case", FLOODS, ids=[c.id for c in FLOODS])
def test_floods_are_refused_before_openpyxl_parses_them(case: Flood, write_workbook: WriteWorkbook, workspace: Path) -> None:
    """400,000 shared texts (78 s in openpyxl for more), 160,000 cell formats (2.26 GB for more), 120,000 rows: one line, quickly."""
    path = write_workbook()
    case.make(path)
    run = run_measured(workspace, "check", str(workspace))
    assert _lab(run) == [TOO_LARGE.format(case.detail)]
    assert run.status == 1
    assert run.seconds < 10, f"check took {run.seconds:.1f} s"


# ---------------------------------------------------------------- cells and tables


def _repeated_column(path: Path) -> None:
    W.add_column(path, "Answers", "Answer (en)")  # an empty second 'Answer (en)' column at J


CASES: list[tuple[str, Callable[[Path], Any], list[str]]] = [
    ("shared-string-index", lambda p: W.shared_string_index(p, "Principles", "Complaint desks at the border.", -1, ("first", "last")),
     ["inputs/lab.xlsx, sheet Principles, cell E10: error GCM120: This cell's text is not in the workbook: the cell refers to "
      "shared text number -1, which the file does not hold, so it is read as empty. The file was damaged or changed by "
      "another program; open it in Excel or LibreOffice, check the cell, save and send it again."]),
    ("table-name-twice", lambda p: W.rename_table(p, "Actions", "answers"),
     ["inputs/lab.xlsx, sheet Actions: error GCM118: Table 'answers' has the same name as a table on sheet 'Answers', but a "
      "workbook may use a table name only once, so the workbook cannot be read. Ask the contributor to delete or rename "
      "the copy (Table Design > Table Name) and send the workbook again."]),
    ("table-into-another-sheet", lambda p: W.point_table_into(p, "Actions", "Answers"),
     ["inputs/lab.xlsx, sheet Actions: error GCM119: Table 'Actions' covers 'Answers!A4:I65', which is not a range of cells "
      "on its own sheet (such as A4:I65), so the workbook cannot be read. Ask the contributor to resize the table (Table "
      "Design > Resize Table), or to copy the answers into a blank workbook, and send it again."]),
    ("repeated-column", _repeated_column,
     ["inputs/lab.xlsx, sheet Answers, cell J4: warning GCM228: Column 'Answer (en)' appears twice in table 'Answers'; only "
      "the first, at E4, is read. Move what this column holds into the first and delete this one."]),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cells_and_tables(make: Callable[[Path], Any], expected: list[str], write_workbook: WriteWorkbook, workspace: Path) -> None:
    """The cause named at its sheet and cell, instead of another cell's text, a vanished column, or "invalid XML"."""
    path = write_workbook()
    make(path)
    run = run_measured(workspace, "check", str(workspace))
    assert _lab(run) == expected
    assert run.status == (1 if " error " in expected[0] else 0)


def test_repeated_column_does_not_shadow_the_first(write_workbook: WriteWorkbook, workspace: Path) -> None:
    """An empty second 'Answer (en)' column: the English answers of the first are still read (they vanished)."""
    path = write_workbook()
    _repeated_column(path)
    run = run_measured(workspace, "export", str(path), "-w", str(workspace))
    answers = json.loads(run.stdout)["answers"]
    assert answers[0]["text"]["en"].startswith(ENGLISH_E5) and answers[1]["text"]["en"] == "The plan links the compact to target 10.7."


def test_text_beside_and_above_tables_is_reported_and_left_out_in_a_draft(write_workbook: WriteWorkbook, workspace: Path) -> None:
    """The Answers table moved below its data (the header copied there), a column 'Notes' added to Actions, a
    second 'Explanation (en)' column on Principles holding text: every text is reported at its cell, listed as left
    out in build.log, and the draft builds within the bounds."""
    path = write_workbook()
    W.move_table(path, "Answers", 3)
    W.add_column(path, "Actions", "Notes", {1: "A note written beside the table"})
    W.add_column(path, "Principles", "Explanation (en)", {2: "An explanation in the second column"})
    run = run_measured(workspace, "build", str(workspace), "--draft")
    assert run.status == 0, run.out
    lines = _lab(run)
    outside = "warning GCM222: This cell is outside the sheet's table, so it is not read: '{}'. Move the text into the table."
    for cell, text in (("E5", ENGLISH_E5), ("F5", KHMER_F5[:20]), ("E21", "The plan links the compact to target 10.7."), ("D5", "2, 6")):
        assert any(line.startswith(f"inputs/lab.xlsx, sheet Answers, cell {cell}: " + outside.format(text)[:90]) for line in lines), cell
    assert ("inputs/lab.xlsx, sheet Actions, cell J4: warning GCM229: Column 'Notes' is not a column of table 'Actions', so "
            "the 1 cell(s) it holds are not read. Move the text into the template's columns.") in lines
    assert ("inputs/lab.xlsx, sheet Principles, cell G4: warning GCM228: Column 'Explanation (en)' appears twice in table "
            "'Principles'; only the first, at E4, is read. Move what this column holds into the first and delete this one.") in lines
    assert not [line for line in lines if "Question text" in line or "sheet Answers, cell A" in line], "template text is not reported"
    log = (workspace / "build" / "build.log").read_text(encoding="utf-8")
    for entry in ("sheet Answers, cell E21: outside the table. 'The plan links the compact to target 10.7.'",
                  "sheet Actions, cell J5: in column 'Notes' (J4), which is not read. 'A note written beside the table'",
                  "sheet Principles, cell G6: in column 'Explanation (en)' (G4), which is not read. 'An explanation in the second column'"):
        assert entry in log, entry


# ---------------------------------------------------------------- the translators' workbook


def test_lone_surrogate_in_the_translators_workbook(write_workbook: WriteWorkbook, workspace: Path, tmp_path: Path) -> None:
    """``_xD800_`` in a Translation cell (a pydantic ValidationError escaped): GCM213 at the cell, nothing stored."""
    write_workbook()
    handoff = tmp_path / "handoff"
    handoff.mkdir()
    sheet = handoff / "km.xlsx"
    subprocess.run([sys.executable, "-m", "gcmreview", "translate", "export", str(workspace), "--to", "km", "--format", "xlsx",
                    "-o", str(sheet)], cwd=ROOT, check=True, capture_output=True)
    H.edit_workbook(sheet, lambda wb: wb["Translations"].cell(5, 6, "MARK-T"))
    H.put_xml_text(sheet, "Translations", "MARK-T", "ពលករ _xD800_ ថៃ")
    run = run_measured(workspace, "translate", "import", str(sheet), "-w", str(workspace), inputs=handoff)
    assert [line for line in run.lines if "GCM213" in line] == [
        f"{sheet.relative_to(workspace)}, sheet Translations, cell F5: error GCM213: The text contains a character that cannot be stored in a "
        "document (U+D800). Delete it (it is often pasted in invisibly from other programs)."
    ]
    assert run.status == 1
    assert not (workspace / "inputs" / "translations").exists()


def test_generators_are_quick(write_workbook: WriteWorkbook, tmp_path: Path) -> None:
    """Every generator makes its file in well under a second (the corpus must stay cheap to run)."""
    base = write_workbook()
    makers = [lambda p: W.merge_trap(p, "Answers", merge="E5:F5"), lambda p: W.drawing_trap(p, "Actions"),
              *(f.make for f in FLOODS), *(c[1] for c in CASES)]
    for index, make in enumerate(makers):
        path = shutil.copy(base, tmp_path / f"{index}.xlsx")
        start = time.perf_counter()
        make(Path(path))
        assert time.perf_counter() - start < 1.5, f"generator {index} took {time.perf_counter() - start:.1f} s"
