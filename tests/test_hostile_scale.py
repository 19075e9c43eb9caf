"""Hostile inputs about size and scale, through the real command line in a fresh process each.

What ``check`` and ``import`` accept must build in seconds to minutes, in time linear in its
size; what a build cannot hold is refused before anything is written, with its code and
where. Every command here runs in a child process (:func:`measure`) whose wall time, CPU
time (user + system, its workers included: what a loaded machine does not inflate) and peak
memory (the largest process's resident set) are asserted with a generous margin; every run
exits 0 or 1, prints no traceback, and leaves ``inputs/`` byte-identical unless it is an
import, which writes only its own file. The inputs come from :mod:`hostile_scale`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import hostile_scale as H
import measured
from conftest import WriteWorkbook
from measured import Measured, file_hashes
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
MEMORY_MB = 1024
"""The memory any one command may take (the issue's bound for reading a file, kept for builds too)."""


LONG_TEXTS_CPU = 90.0
"""CPU seconds (every process) for building six texts of 32,767 characters into 300 pages of three PDFs: about 55 on
a 2-core machine, parts and page numbers included; layout growing with the square of a text's length took minutes."""


def measure(workspace: Path, *argv: str, cpu: float, seconds: float = 300.0, writes: str = "") -> Measured:
    """Run ``gcmreview ARGV`` in a fresh process; assert exit 0 or 1, no traceback, ``inputs/`` unchanged
    (but for the file ``writes``), and the bounds: ``cpu`` seconds of CPU, ``seconds`` of wall time, 1 GB."""
    before = {k: v for k, v in file_hashes(workspace / "inputs").items() if k != f"inputs/{writes}"}
    run = measured.measure(workspace / f"metrics-{time.perf_counter_ns()}.json", *argv, timeout=seconds + 60)
    assert "Traceback" not in run.out + run.err, (run.out + run.err)[-3000:]
    assert run.status in (0, 1), f"exit status {run.status}: {(run.out + run.err)[-3000:]}"
    assert {k: v for k, v in file_hashes(workspace / "inputs").items() if k != f"inputs/{writes}"} == before, "inputs must be byte-identical"
    assert run.cpu < cpu, f"{argv[0]} took {run.cpu:.1f} s of CPU"
    assert run.seconds < seconds, f"{argv[0]} took {run.seconds:.1f} s"
    assert run.peak_mb < MEMORY_MB, f"{argv[0]} peaked at {run.peak_mb:.0f} MB"
    return run


def _pdf_page_text(path: Path) -> str:
    """The text poppler finds inside the pages' boxes (text drawn off the page is not in it), without spaces."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[\s\u200b]+", "", text)


# ---------------------------------------------------------------- many actions


def test_thousands_of_actions_are_checked_in_linear_time(write_workbook: WriteWorkbook, contribution_data: dict[str, Any],
                                                         workspace: Path) -> None:
    """2,000 actions: check (read, validate, consolidate) takes about a second of CPU, not 8 (each action's
    provenance was found by a scan of every cell recorded: time grew with the square of the actions)."""
    write_workbook(H.many_actions(contribution_data, 2000))
    run = measure(workspace, "check", str(workspace), cpu=5.0, seconds=120.0)
    assert run.status == 0 and "1 file(s) checked, 1 read: 0 error(s)" in run.out, run.out[-2000:]


def test_hundreds_of_actions_build(write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path) -> None:
    """300 actions: every output is built, each action in the submission and the PDFs, within bounds."""
    write_workbook(H.many_actions(contribution_data, 300))
    run = measure(workspace, "build", str(workspace), cpu=90.0)
    assert run.status == 0 and run.lines("Built in "), run.out[-2000:]
    submission = json.loads((workspace / "build" / "submission.json").read_text(encoding="utf-8"))
    titles = [e["action"]["title"] for q in submission["answers"] for group in q["actions"] for e in group["actions"]]
    assert sorted(titles) == sorted(f"Action {i} of 300" for i in range(1, 301))
    for pdf in ("KHM-escap-2020.en.pdf", "KHM-escap-2020.en-km.pdf"):
        assert "Action300of300" in _pdf_page_text(workspace / "build" / pdf)


# ---------------------------------------------------------------- texts as long as a cell holds


def test_words_as_long_as_a_cell_are_built_on_the_page(write_workbook: WriteWorkbook, contribution_data: dict[str, Any],
                                                       workspace: Path) -> None:
    """Six texts of 32,767 characters without a space (answers, an action's title, description and results, a
    statistic's source): the build shows each on the page, broken at the margin, in seconds (the word ran off
    the page; breaking it at the margin by CSS alone took time growing with the square of its length)."""
    write_workbook(H.texts_at_cell_limit(contribution_data, H.CELL_WORD))
    run = measure(workspace, "build", str(workspace), cpu=LONG_TEXTS_CPU)
    assert run.status == 0, run.out[-2000:]
    for pdf in ("KHM-escap-2020.en.pdf", "KHM-escap-2020.km.pdf", "KHM-escap-2020.en-km.pdf"):
        shown = _pdf_page_text(workspace / "build" / pdf).count("Migration")  # a page break cuts one
        drawn = "".join(page.extract_text() for page in PdfReader(workspace / "build" / pdf).pages).count("Migration")
        assert shown > drawn - 200, f"{pdf}: {drawn - shown} of the words' 'Migration's are drawn off the page"
        if pdf.endswith(".en.pdf"):
            assert shown > 6 * H.CELL_WORD.count("Migration") - 200, "every long word is shown"


def test_texts_as_long_as_a_cell_build(write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path) -> None:
    """The same six texts in words: check warns of the answers' length only, the build shows them all."""
    write_workbook(H.texts_at_cell_limit(contribution_data))
    run = measure(workspace, "build", str(workspace), cpu=LONG_TEXTS_CPU)
    assert run.status == 0, run.out[-2000:]
    assert len(run.lines("inputs/lab.xlsx, sheet Answers, cell ")) == 2
    sentence = "Regular channels are cheaper and faster than irregular ones."
    shown = _pdf_page_text(workspace / "build" / "KHM-escap-2020.en.pdf").count(sentence.replace(" ", ""))  # a page break cuts one
    assert shown > 6 * H.CELL_TEXT.count(sentence) - 100, f"the PDF shows {shown} of the texts' sentences"


# ---------------------------------------------------------------- import up to what a workbook holds


def test_import_writes_up_to_the_rows_a_table_holds(contribution_data: dict[str, Any], workspace: Path) -> None:
    """5,000 actions (the rows a workbook table holds): the workbook written is one check reads whole (it added
    60 blank rows, so check refused the table and every action was left out)."""
    source = H.contribution_file(workspace / "lab.json", H.many_actions(contribution_data, 5000))
    run = measure(workspace, "import", str(source), "-w", str(workspace), cpu=30.0, writes="lab.xlsx")
    assert run.status == 0, run.out + run.err
    run = measure(workspace, "check", str(workspace), cpu=15.0)
    assert run.status == 0 and "1 file(s) checked, 1 read: 0 error(s)" in run.out and "left out of the submission: 0" in run.out
    export = subprocess.run([sys.executable, "-m", "gcmreview", "export", str(workspace / "inputs" / "lab.xlsx"), "-w", str(workspace)],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    assert len(json.loads(export.stdout)["actions"]) == 5000


def test_import_refuses_more_than_a_table_holds(contribution_data: dict[str, Any], workspace: Path) -> None:
    """5,001 actions: refused before anything is written, with the key, the count and the limit."""
    source = H.contribution_file(workspace / "lab.json", H.many_actions(contribution_data, 5001))
    run = measure(workspace, "import", str(source), "-w", str(workspace), cpu=30.0)
    assert run.status == 1
    assert run.lines("lab.json") == [
        "lab.json, actions: error GCM410: 'actions' has 5,001 entries, but a workbook's table 'Actions' holds at most "
        "5,000 rows, so `check` would refuse the whole table. No workbook was written. Remove repeated entries, or "
        "merge similar ones into one row."]
    assert not (workspace / "inputs" / "lab.xlsx").exists()


# ---------------------------------------------------------------- translations


def test_translation_longer_than_a_cell_is_not_imported(write_workbook: WriteWorkbook, workspace: Path) -> None:
    """A translation of 2,000,000 characters: refused (it was stored, and the build ran for minutes)."""
    write_workbook()
    source = H.xliff_file(workspace / "km.xlf", [("LAB/answer/6", "The plan links the compact to target 10.7.", "ក" * 2_000_000)])
    run = measure(workspace, "translate", "import", str(source), "-w", str(workspace), cpu=15.0)
    assert run.status == 1
    assert run.lines("km.xlf") == [
        "km.xlf, LAB/answer/6: error GCM244: The translation has 2,000,000 characters; a translation, like a spreadsheet "
        "cell, holds at most 32,767. It was not imported. Shorten it, or ask the contributor to split the source text "
        "across rows and translate each part."]
    assert not (workspace / "inputs" / "translations").exists()


def test_store_with_a_translation_longer_than_a_cell_is_refused(write_workbook: WriteWorkbook, workspace: Path) -> None:
    """The same text put into the store by hand: check refuses it at its key, quickly."""
    write_workbook()
    H.store_file(workspace, "km", {"LAB/answer/6": "ក" * 2_000_000})
    run = measure(workspace, "check", str(workspace), cpu=15.0)
    assert run.status == 1
    assert run.lines("inputs/translations/km.json") == [
        "inputs/translations/km.json, units.LAB/answer/6.text: error GCM401: units.LAB/answer/6.text: String should have "
        f"at most 32767 characters (found '{'ក' * 37}...{'ក' * 38}')."]  # the value quoted cut short, both ends shown


def test_unit_id_twice_with_two_translations_is_not_imported(write_workbook: WriteWorkbook, workspace: Path) -> None:
    """One unit id twice with different targets: neither is stored, and the error says so (the second won)."""
    write_workbook()
    source_text = "The plan links the compact to target 10.7."
    source = H.xliff_file(workspace / "km.xlf", [("LAB/answer/6", source_text, "ផែនការទីមួយ"), ("LAB/answer/6", source_text, "ផែនការទីពីរ")])
    run = measure(workspace, "translate", "import", str(source), "-w", str(workspace), cpu=15.0)
    assert run.status == 1
    assert run.lines("km.xlf") == [
        "km.xlf, LAB/answer/6: error GCM245: Translation unit 'LAB/answer/6' appears 2 times in the file with different "
        "translations; none of them was imported. Keep one unit per id, with the translation meant."]
    assert not (workspace / "inputs" / "translations").exists()


def test_unit_id_twice_with_the_same_translation_is_imported_once(write_workbook: WriteWorkbook, workspace: Path) -> None:
    write_workbook()
    source_text = "The plan links the compact to target 10.7."
    source = H.xliff_file(workspace / "km.xlf", [("LAB/answer/6", source_text, "ផែនការ")] * 2)
    run = measure(workspace, "translate", "import", str(source), "-w", str(workspace), cpu=15.0, writes="translations/km.json")
    assert run.status == 0, run.out + run.err
    store = json.loads((workspace / "inputs" / "translations" / "km.json").read_text(encoding="utf-8"))
    assert {k: v["text"] for k, v in store["units"].items()} == {"LAB/answer/6": "ផែនការ"}


def test_many_unknown_unit_ids_are_reported_quickly(write_workbook: WriteWorkbook, contribution_data: dict[str, Any],
                                                   workspace: Path) -> None:
    """10,000 unit ids no text has, in a workspace of 1,200 texts: each reported (GCM241), the first ones with
    the nearest id, in seconds (every one was compared with every known id: minutes)."""
    write_workbook(H.many_actions(contribution_data, 300))
    units = [(f"LAB/action/{i}/summary", "A text", "អត្ថបទ") for i in range(1, 10_001)]
    source = H.xliff_file(workspace / "km.xlf", units)
    run = measure(workspace, "translate", "import", str(source), "-w", str(workspace), cpu=20.0)
    assert run.status == 1
    unknown = run.lines("km.xlf, LAB/action/")
    assert len(unknown) == 10_000
    assert unknown[0] == ("km.xlf, LAB/action/1/summary: warning GCM241: Translation unit 'LAB/action/1/summary' matches no "
                          "text in the workbooks (did you mean 'LAB/action/1/results'?); the answer or row it was made for "
                          "was removed or its id was changed. It was not imported.")
