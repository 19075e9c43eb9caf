"""Hostile data files through the real command line: review.toml, an import JSON, the translation store
and the build cache, each nested too deep, holding numbers no document holds, a key given twice, too
much, or an encoding no editor shows.

Each case runs ``gcmreview`` in a fresh child process (:func:`run`) and checks what every hostile
case must satisfy: the exact diagnostic lines (file, and key path or line), the exit status, no
traceback, inputs byte-identical afterwards, and the bounds of a file read (30 s, 1 GB of memory),
measured in the child. The files come from :mod:`hostile_data`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hostile_data as H
import pytest
from conftest import CONTRIBUTION, REVIEW_TOML, WriteWorkbook
from measured import file_hashes, measure

from gcmreview.cache import Cache

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 30.0
"""The most one file may take to be read (or refused)."""
MEMORY_KB = 1024 * 1024
"""The most memory (peak resident set, kB) reading one file may take: 1 GB."""

@dataclass
class Run:
    status: int
    lines: list[str]
    seconds: float
    peak_kb: int


def run(workspace: Path, *argv: str, also_unchanged: tuple[Path, ...] = (), timeout: float = 120) -> Run:
    """``gcmreview`` in a fresh child process, checked as every hostile case must be."""
    before = file_hashes(workspace / "inputs", *also_unchanged)
    done = measure(workspace.parent / f"{workspace.name}-measured.json", *argv, timeout=timeout)
    text = done.out + done.err
    assert "Traceback" not in text, text[-3000:]
    assert file_hashes(workspace / "inputs", *also_unchanged) == before, "inputs must be byte-identical after the run"
    return Run(done.status, text.splitlines(), done.seconds, int(done.peak_mb * 1024))


def check_bounds(run: Run, seconds: float = SECONDS) -> None:
    assert run.seconds <= seconds, f"took {run.seconds:.1f} s"
    assert run.peak_kb <= MEMORY_KB, f"peak memory {run.peak_kb / 1024:.0f} MB"


def diagnostics(run: Run) -> list[str]:
    return [line for line in run.lines if " error GCM" in line or " warning GCM" in line or line.startswith(("error GCM", "warning GCM"))]


# ---------------------------------------------------------------- messages

DEEP_JSON = ("error GCM402: The data is nested more than 64 levels deep{}; no file gcmreview reads needs more than six. "
             "Use the file as gcmreview wrote it, or remove the extra levels.")
TWICE = ("error GCM403: Key '{}' is given twice in the same object, so which one holds is unclear. Keep one of them, "
         "holding everything it should, and delete the other.")
NUMBER = ("error GCM404: {} is not a number gcmreview can store: a number must be finite, within about ±1.8e308, and not "
          "so small that it reads as 0. Write the number itself, e.g. 1500 or 12.5.")
TOO_LARGE = "error GCM116: The file is too large to read safely: {}. Check that it is the right file."
DEEP_TOML = ("error GCM304: review.toml nests tables or lists more than 64 levels deep{}; no setting needs more than "
             "three. Remove the extra levels.")
TOML_NUMBER = ("error GCM305: The number {} cannot be read: the numbers of review.toml must be finite and within about "
               "±1.8e308. Correct the setting.")
NOT_UTF8 = ("error GCM117: The file is not UTF-8 text: {}. Save it as UTF-8 (in Notepad: File > Save as, Encoding: "
            "UTF-8) and try again.")
LONG_NUMBER = "999999999999…9999 (5,000 characters)"
TOML_LINES = len(REVIEW_TOML.splitlines())


# ---------------------------------------------------------------- import JSON


def _contribution(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(CONTRIBUTION)
    data.update(changes)
    return data


NUMBERS = {"NaN": "NaN", "-Infinity": "-Infinity", "1e400": "1e400", "2.5e-400": "2.5e-400",
           "200000000000…0000 (309 characters)": "2" + "0" * 308, LONG_NUMBER: H.DIGITS}
"""Numbers no document holds, as messages show them: their JSON text."""


def _statistics(values: dict[str, str]) -> dict[str, Any]:
    """The contribution with one statistic per raw JSON number (placeholders ``<0>``, ``<1>``... for :func:`hostile_data.raw_json`)."""
    rows = [{"indicator": f"Workers abroad {n}", "value": f"<{n}>", "unit": "persons", "year": 2019} for n in range(len(values))]
    return _contribution(statistics=rows)


@dataclass(frozen=True)
class Case:
    """A hostile file (written by ``write`` to the path it is given) and the lines the command is expected to print."""

    id: str
    write: Callable[[Path], Any]
    lines: list[str]


IMPORTED = [  # written to the workspace's incoming/lab.json
    Case("nested", lambda p: H.deep_json(p), [f"incoming/lab.json: {DEEP_JSON.format(' at line 1, column 65')}"]),
    Case("nested-in-object", lambda p: H.deep_json(p, 100, '{"identity": ', "}"),
             [f"incoming/lab.json, identity[0][0][0][0][0][0][0][0][0]…: {DEEP_JSON.format('')}"]),
    Case("numbers", lambda p: H.raw_json(p, _statistics(NUMBERS), {str(n): raw for n, raw in enumerate(NUMBERS.values())}),
             [f"incoming/lab.json, statistics[{n}].value: {NUMBER.format(shown)}" for n, shown in enumerate(NUMBERS)]),
    Case("key-twice", lambda p: p.write_text(H.json_members([*CONTRIBUTION.items(), ("answers", [])]), encoding="utf-8"),
             [f"incoming/lab.json, answers: {TWICE.format('answers')}"]),
    Case("flood", lambda p: H.json_flood(p),
             [f"incoming/lab.json: {TOO_LARGE.format('it holds more than 300,000 values, far more than a file of this kind needs')}"]),
    Case("oversized", lambda p: H.oversized_json(p),
             [f"incoming/lab.json: {TOO_LARGE.format('it is more than 16,777,216 bytes, far more than a file of this kind needs')}"]),
]


@pytest.mark.parametrize("case", IMPORTED, ids=[c.id for c in IMPORTED])
def test_hostile_import_json_is_refused_with_its_key_path(case: Case, workspace: Path) -> None:
    (workspace / "incoming").mkdir()
    source = workspace / "incoming" / "lab.json"
    case.write(source)
    done = run(workspace, "import", "-w", str(workspace), str(source), also_unchanged=(source,))
    assert done.status == 1, done.lines
    assert diagnostics(done) == case.lines
    assert not (workspace / "inputs" / "lab.xlsx").exists(), "nothing is written from a refused file"
    check_bounds(done)


# ---------------------------------------------------------------- review.toml


CONFIGS = [  # written to inputs/review.toml, made from the test review's
    Case("nested-arrays", lambda p: H.deep_toml(p, REVIEW_TOML),
           [f"inputs/review.toml: {DEEP_TOML.format(f' at line {TOML_LINES + 2}, column 69')}"]),
    Case("nested-inline-tables", lambda p: H.deep_toml(p, REVIEW_TOML, kind="table"),
           [f"inputs/review.toml: {DEEP_TOML.format(f' at line {TOML_LINES + 2}, column 325')}"]),
    Case("nested-a-little", lambda p: H.deep_toml(p, REVIEW_TOML, 100),
           [f"inputs/review.toml, contributors[2].x[0][0][0][0][0][0][0]…: {DEEP_TOML.format('')}"]),
    Case("dotted-header", lambda p: H.dotted_toml(p, REVIEW_TOML), [f"inputs/review.toml: {DEEP_TOML.format(' at line 1, column 2')}"]),
    Case("long-integer", lambda p: H.toml_big_integer(p, REVIEW_TOML),
           [f"inputs/review.toml: {TOML_NUMBER.format(LONG_NUMBER + ' at line 15, column 9')}"]),
    Case("not-numbers", lambda p: H.toml_big_integer(p, REVIEW_TOML, "2" + "0" * 308 + "\nx = nan\ny = -inf\nz = 1e-999"),
           [f"inputs/review.toml, contributors[0].{key}: {TOML_NUMBER.format(shown)}"
            for key, shown in (("order", "200000000000…0000 (309 characters)"), ("x", "nan"), ("y", "-inf"), ("z", "1e-999"))]),
    Case("long-text", lambda p: H.toml_long_text(p, REVIEW_TOML),
           ["inputs/review.toml, publish: error GCM301: publish: Input should be a valid boolean, unable to interpret input "
            f"(found '{'x' * 37}...{'x' * 38}')."]),
    Case("utf-16", lambda p: H.toml_utf16(p, REVIEW_TOML), [f"inputs/review.toml: {NOT_UTF8.format('it is saved as UTF-16')}"]),
    Case("oversized", lambda p: H.oversized_toml(p, REVIEW_TOML),
           [f"inputs/review.toml: {TOO_LARGE.format('it is more than 1,048,576 bytes, far more than a file of this kind needs')}"]),
]


@pytest.mark.parametrize("case", CONFIGS, ids=[c.id for c in CONFIGS])
def test_hostile_review_toml_is_refused_with_its_line_or_key(case: Case, workspace: Path, write_workbook: WriteWorkbook) -> None:
    write_workbook()
    case.write(workspace / "inputs" / "review.toml")
    done = run(workspace, "check", str(workspace))
    assert done.status == 1, done.lines
    assert diagnostics(done) == case.lines
    check_bounds(done)


def test_a_byte_order_mark_in_review_toml_is_accepted(workspace: Path, write_workbook: WriteWorkbook) -> None:
    """Windows Notepad saves UTF-8 with a byte order mark; no editor shows it, so it is read as if it were not there."""
    write_workbook()
    plain = run(workspace, "check", str(workspace))
    H.toml_with_bom(workspace / "inputs" / "review.toml", REVIEW_TOML)
    assert (workspace / "inputs" / "review.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    marked = run(workspace, "check", str(workspace))
    assert (marked.status, marked.lines) == (plain.status, plain.lines)
    assert marked.status == 0 and any(line.startswith("1 file(s) checked") for line in marked.lines), marked.lines
    check_bounds(marked)


# ---------------------------------------------------------------- the translation store

UNIT = {"source_lang": "en", "source_fingerprint": "sha256:0123456789abcdef", "text": "ពលករ"}


@pytest.mark.parametrize(("id", "text", "lines"), [
    ("nested", '{"lang": "km", "units": ' + "[" * 100_000 + "]" * 100_000 + "}",
     [f"inputs/translations/km.json: {DEEP_JSON.format(' at line 1, column 88')}"]),
    ("key-twice-and-numbers",
     H.json_members([("lang", "km"), ("units", {}), ("units", {"LAB/answer/6": UNIT})])[:-1] + ', "count": NaN, "size": ' + H.DIGITS + "}",
     [f"inputs/translations/km.json, units: {TWICE.format('units')}",
      f"inputs/translations/km.json, count: {NUMBER.format('NaN')}",
      f"inputs/translations/km.json, size: {NUMBER.format(LONG_NUMBER)}"]),
], ids=["nested", "key-twice-and-numbers"])
def test_a_hostile_translation_store_is_refused_with_its_key_path(
    id: str, text: str, lines: list[str], workspace: Path, write_workbook: WriteWorkbook
) -> None:
    write_workbook()
    (workspace / "inputs" / "translations").mkdir()
    (workspace / "inputs" / "translations" / "km.json").write_text(text, encoding="utf-8")
    done = run(workspace, "check", str(workspace))
    assert done.status == 1, done.lines
    assert diagnostics(done) == lines
    check_bounds(done)


# ---------------------------------------------------------------- the build cache


def test_hostile_cache_entries_are_misses_and_written_anew(workspace: Path, write_workbook: WriteWorkbook) -> None:
    write_workbook()
    write_workbook({**copy.deepcopy(CONTRIBUTION), "contributor": "HEALTH"}, "health.xlsx")
    first = run(workspace, "build", "--draft", str(workspace))
    assert first.status == 0, first.lines
    cache = workspace / "build" / ".cache"
    sections = len(list((cache / "pdf-section").glob("*.bin")))
    done = H.poison_cache(cache)
    assert sections >= 3 and len(done) == 2 + 7 + sections, done
    again = run(workspace, "build", "--draft", str(workspace))
    assert again.status == 0, again.lines
    assert not [line for line in again.lines if "not read again" in line or "not rendered again" in line], again.lines
    check_bounds(again, seconds=4 * max(first.seconds, 10))
    reader = Cache(cache)
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == len(done)
    for meta in entries:
        assert reader.get(meta.parent.name, meta.stem, lambda facts, data: facts) is not None, f"{meta.parent.name}/{meta.name} was not written anew"
