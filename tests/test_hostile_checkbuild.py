"""Hostile inputs, round 2: ``check`` finds whatever ``build`` would refuse, at its cell, unit or setting.

Every command runs in a fresh child process (:func:`run`), through ``python -m gcmreview``,
watched for its exit status, its wall time and its peak memory (the issue's bounds: any one
file read in <= 30 s and <= 1 GB; here a check takes about 3 s and 100 MB), no traceback, and
inputs byte-identical afterwards. The inputs come from :mod:`hostile_checkbuild`.
"""

from __future__ import annotations

import copy
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hostile_checkbuild as H
import pytest
from conftest import WriteWorkbook
from measured import file_hashes, measure

from gcmreview.chars import bad_characters, drawn, not_laid_out
from gcmreview.fonts import installed_coverage
from gcmreview.markup import parse
from gcmreview.text import citations, is_reference_key

ROOT = Path(__file__).resolve().parent.parent
SECONDS, BUILD_SECONDS, KILOBYTES = 30.0, 120.0, 1_000_000
"""The issue's bounds: reading any one file (``check``, ``import``, a refused build) in 30 s, a build of what
``check`` accepts in minutes, each in 1 GB (on two idle cores a check takes 3 s and 130 MB, the build 8 s)."""

@dataclass
class Measured:
    """A command's exit status, its wall time and peak memory, and what it printed."""

    status: int
    seconds: float
    kilobytes: int
    out: str = ""
    err: str = ""

    def lines(self, code: str = "GCM") -> list[str]:
        """The diagnostic lines printed with a code starting so, GCM112 (workbooks not received) left out."""
        return [line for line in (self.out + self.err).splitlines() if f" {code}" in line and "GCM112" not in line]


def run(workspace: Path, *argv: str) -> Measured:
    """``gcmreview ARGV`` in a fresh process, within the issue's time and memory bounds, without a traceback,
    leaving ``inputs/`` byte-identical."""
    before = file_hashes(workspace / "inputs")
    done = measure(workspace.parent / f"{workspace.name}-measured.json", *argv, timeout=600)
    result = Measured(done.status, done.seconds, int(done.peak_mb * 1024), done.out, done.err)
    text = result.out + result.err
    assert "Traceback" not in text, text[-3000:]
    assert result.status in (0, 1), f"exit status {result.status}:\n{text[-3000:]}"
    bound = BUILD_SECONDS if argv[0] == "build" and result.status == 0 else SECONDS
    assert result.seconds < bound and result.kilobytes < KILOBYTES, (result.seconds, result.kilobytes)
    assert file_hashes(workspace / "inputs") == before, "inputs must be byte-identical after the run"
    return result


def check_and_build(workspace: Path) -> tuple[Measured, Measured]:
    """``check`` and ``build`` of the workspace: both refuse, the build before laying anything out,
    with the same errors as the check (none found only on the laid-out page, GCM500-503)."""
    checked = run(workspace, "check", str(workspace))
    built = run(workspace, "build", str(workspace))
    assert (checked.status, built.status) == (1, 1)
    assert sorted(built.lines()) == sorted(checked.lines())
    assert not [line for line in built.lines() if any(f" GCM{n}:" in line for n in range(500, 504))]
    assert "Build refused" in built.err + built.out and not (workspace / "build" / "KHM-escap-2020.en.pdf").exists()
    return checked, built


# ---------------------------------------------------------------- citation keys


@pytest.mark.parametrize("key", [*H.SCRIPT_KEYS, "iom2019", "un:desa.2020-b_1"])
def test_a_reference_key_in_any_script_is_cited_exactly_so(key: str) -> None:
    assert is_reference_key(key)
    assert citations(f"As the yearbook says [@{key}], and again [@{key}].") == [key, key]
    spans = [s for block in parse(f"**Bold** [@{key}] text") for s in block.spans]
    assert [s.cite for s in spans if s.cite] == [key]


@pytest.mark.parametrize("key", ["iom 2019", "-lead", "survey!2016", "[x]", "\u17b6lone", "a\u200bb", ""])
def test_a_key_no_citation_can_name_is_not_a_reference_key(key: str) -> None:
    assert not is_reference_key(key)
    assert citations(f"see [@{key}]") == []


def test_keys_in_khmer_lao_myanmar_and_thai_are_cited_and_built_as_footnotes(write_workbook: WriteWorkbook, workspace: Path) -> None:
    path = write_workbook()
    H.cite_in_scripts(path)
    checked = run(workspace, "check", str(workspace))
    assert checked.status == 0 and checked.lines() == [], checked.lines()
    assert "left out of the submission: 0" in checked.out
    built = run(workspace, "build", str(workspace))  # what check accepts builds, in seconds
    assert built.status == 0 and built.lines() == []
    pdf = subprocess.run(["pdftotext", str(workspace / "build" / "KHM-escap-2020.en.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert all(f"Statistics yearbook {n}." in pdf for n in range(len(H.SCRIPT_KEYS))), "every key's reference is a footnote"
    assert not any(f"[@{key}]" in pdf for key in H.SCRIPT_KEYS)


def test_a_key_no_citation_can_name_is_refused_at_its_cell(write_workbook: WriteWorkbook, workspace: Path) -> None:
    keys = ("iom 2019", "-lead", "survey!2016")
    cells = H.uncitable_keys(write_workbook(), keys)
    checked = run(workspace, "check", str(workspace))
    assert checked.status == 1
    advice = ("a key is letters and digits of any script, with _ : . - between them, starting with a letter or digit. "
              "Write it without spaces or other signs (e.g. iom2019) and cite it so.")
    assert checked.lines() == [
        f"inputs/lab.xlsx, sheet References, cell {cell}: error GCM237: Reference key '{key}' cannot be cited as [@{key}]: {advice}"
        for cell, key in zip(cells, keys, strict=True)
    ], "one error at each key cell, and no 'never cited' warning for it"


# ---------------------------------------------------------------- text the PDF cannot show as written

CIRCLE = ("would be drawn with a dotted circle in {font} (a vowel sign or subscript without its consonant, or signs in the "
          "wrong order), in '{context}'. Correct the spelling.")


def test_clusters_a_font_shows_with_a_dotted_circle_are_found_by_check_at_their_cell(
        write_workbook: WriteWorkbook, workspace: Path) -> None:
    H.unshapable_cells(write_workbook())
    checked, _ = check_and_build(workspace)
    lines = sorted(checked.lines("GCM505"), key=lambda line: ("Actions" in line, "F21" in line, line))  # F5, F21, H5
    assert lines[0] == ("inputs/lab.xlsx, sheet Answers, cell F5: error GCM505: Khmer text cannot be shown as it is written: "
                        "'រ្្ភា' (U+179A U+17D2 U+17D2 U+1797 U+17B6), 'ា' (U+17B6) "
                        + CIRCLE.format(font="Noto Sans Khmer", context="ពលករ្្ភាគច្រើន ាការងារ"))
    assert lines[1] == ("inputs/lab.xlsx, sheet Answers, cell F21: error GCM505: Khmer text cannot be shown as it is written: "
                        f"'{'ា' * 8}' ({' '.join(['U+17B6'] * 8)} …) "
                        + CIRCLE.format(font="Noto Sans Khmer", context="ា" * 38)), "32,767 lone signs: one short message"
    assert lines[2] == ("inputs/lab.xlsx, sheet Actions, cell H5: error GCM505: Myanmar text cannot be shown as it is written: "
                        "'ာ' (U+102C), 'က္္မ' (U+1000 U+1039 U+1039 U+1019) "
                        + CIRCLE.format(font="Noto Sans Myanmar", context="ာကမ္ဘာ / က္္မ"))
    assert len(lines) == len(checked.lines()) == 3


def test_characters_the_pdf_cannot_lay_out_are_found_by_check_at_their_cell(write_workbook: WriteWorkbook, workspace: Path) -> None:
    changed = H.separators(write_workbook())
    checked, _ = check_and_build(workspace)
    names = ["U+2028 LINE SEPARATOR", "U+0085", "U+3164 HANGUL FILLER", "U+FFF9 INTERLINEAR ANNOTATION ANCHOR"]
    contexts = ["First line second line of the text.", "First line second line of the text.",
                "First line\u3164second line of the text.", "First line\ufff9second line of the text."]
    advice = ("Delete it, or type a line break (Alt+Enter) or a space instead; such characters are often pasted in invisibly "
              "from other programs.")
    assert sorted(checked.lines()) == sorted([
        f"inputs/lab.xlsx, sheet {where.split('!')[0]}, cell {where.split('!')[1]}: error GCM507: The text contains {name}, "
        f"which the PDF cannot lay out (it would show an empty box): '{context}'. {advice}"
        for where, name, context in zip(changed, names, contexts, strict=True)
    ])


def test_a_translation_the_pdf_cannot_show_names_its_store_and_unit(write_workbook: WriteWorkbook, workspace: Path) -> None:
    write_workbook()
    H.translation_store(workspace, "km", {
        "LAB/answer/6": ("en", "The plan links the compact to target 10.7.", "ផែនការ\u17d2\u17d2នេះ"),
        "LAB/action/1/title": ("en", "Labour Migration Policy", "គោលនយោបាយ\u2028ការងារ"),
    })
    checked, _ = check_and_build(workspace)
    fix = "Correct the translation: edit unit {unit} of this file, or delete the unit and have the text translated again (`gcmreview translate export --to km`)."
    assert sorted(checked.lines(), key=lambda line: "GCM509" in line) == [
        "inputs/translations/km.json, units.LAB/answer/6.text: error GCM508: The translation into Khmer cannot be shown as it is "
        "written: 'រ្្នេះ' (U+179A U+17D2 U+17D2 U+1793 U+17C1 U+17C7) would be drawn with a dotted circle in Noto Sans Khmer (a vowel sign or subscript "
        "without its consonant, or signs in the wrong order), in 'ផែនការ្្នេះ'. " + fix.format(unit="LAB/answer/6"),
        "inputs/translations/km.json, units.LAB/action/1/title.text: error GCM509: The translation into Khmer contains "
        "U+2028 LINE SEPARATOR, which the PDF cannot show as written: 'គោលនយោបាយ ការងារ'. " + fix.format(unit="LAB/action/1/title"),
    ]
    assert "workbook" not in "\n".join(checked.lines())


def test_names_in_review_toml_the_pdf_cannot_show_are_found_by_check(write_workbook: WriteWorkbook, workspace: Path) -> None:
    write_workbook()
    H.review_names(workspace, '{ en = "Ministry of Health", km = "ក្រសួងសុខាភិបាល" }', km="\u17b6ក្រសួង", en="Ministry\u2028of Health")
    checked, _ = check_and_build(workspace)
    assert sorted(line.split(": error ")[0] + " " + line.split(": error ")[1][:6] for line in checked.lines()) == [
        "inputs/review.toml, contributors[2].name.en GCM507", "inputs/review.toml, contributors[2].name.km GCM505"]


def test_import_refuses_text_the_pdf_cannot_show(workspace: Path, contribution_data: dict[str, Any], tmp_path: Path) -> None:
    data = copy.deepcopy(contribution_data)
    data["answers"][0]["text"]["km"] = H.BROKEN["km"][1]
    data["actions"][0]["title"] = "Labour\u2028Migration Policy"
    source = H.contribution_json(tmp_path / "lab.json", data)
    imported = run(workspace, "import", str(source), "-w", str(workspace))
    assert imported.status == 1 and not (workspace / "inputs" / "lab.xlsx").exists()
    assert sorted(line.split(": error ")[0] + " " + line.split(": error ")[1][:6] for line in imported.lines()) == [
        f"{source.name}, actions[0].title GCM507", f"{source.name}, answers[0].text.km GCM505"]


# ---------------------------------------------------------------- the rule is the renderer's


def test_the_characters_not_laid_out_are_those_weasyprint_draws_as_empty_boxes() -> None:
    """Every control, separator, format and default-ignorable character (that no other rule already handles)
    rendered by WeasyPrint: the ones it draws as .notdef are exactly :func:`not_laid_out`'s."""
    from gcmreview.render.html import font_css
    from gcmreview.render.pdf import render_pdf

    coverage = installed_coverage()
    assert coverage is not None
    candidates = [c for c in map(chr, range(0x110000)) if unicodedata.category(c) not in ("Cs", "Cn", "Co")
                  and not bad_characters(c) and (unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or not drawn(c))
                  and not (drawn(c) and c not in coverage)]  # those no font has get the build's placeholder (GCM504)
    body = "".join(f"<p>a{c}b</p>" for c in candidates)
    html = f"<html><head><style>{font_css()} body {{ font-family: 'Noto Sans' }}</style></head><body>{body}</body></html>"
    messages: list[str] = []
    render_pdf(html, None, messages=messages, check_glyphs=False)
    boxes = {chr(int(m.rsplit("(U+", 1)[1].rstrip(")"), 16)) for m in messages if m.startswith(".notdef") and "(U+" in m}
    assert sorted(boxes) == sorted(not_laid_out("".join(candidates)))
