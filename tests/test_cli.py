"""The command line as a coordinator uses it: exit statuses, messages, JSON output."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import WriteWorkbook, edit_cells
from msoffcrypto.format.ooxml import OOXMLFile

from gcmreview.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_check_clean_workspace_exits_0(write_workbook: WriteWorkbook, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_workbook()
    status, out, _ = run(capsys, "check", str(workspace))
    assert status == 0
    assert out.splitlines() == [
        "inputs/: warning GCM112: No workbook received from COORD (Coordinating secretariat). Send them `coord.xlsx` (made by `gcmreview workbook`) or remove them from review.toml.",
        "inputs/: warning GCM112: No workbook received from HEALTH (Ministry of Health). Send them `health.xlsx` (made by `gcmreview workbook`) or remove them from review.toml.",
        "Workbooks: 1 of 3 contributors received (missing: COORD, HEALTH)",
        "Conflicts: 0; left out of the submission: 0",
        "1 file(s) checked, 1 read: 0 error(s), 2 warning(s).",
    ]
    status, out, _ = run(capsys, "-q", "check", str(workspace))
    assert (status, len(out.splitlines())) == (0, 2), "--quiet prints the problems only"


def test_check_reports_every_file_and_keeps_going(
    write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    write_workbook()
    contribution_data["contributor"] = "HEALTH"
    health = write_workbook(contribution_data)
    edit_cells(health, "Contributor", {"C7": "LAB"})  # a copy of another ministry's workbook
    (workspace / "inputs" / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    encrypted = io.BytesIO()
    with (workspace / "inputs" / "lab.xlsx").open("rb") as handle:
        OOXMLFile(handle).encrypt("secret", encrypted)
    (workspace / "inputs" / "locked.xlsx").write_bytes(encrypted.getvalue())
    (workspace / "inputs" / "~$lab.xlsx").write_bytes(b"Excel lock file")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (workspace / "inputs").iterdir()}
    status, out, _ = run(capsys, "check", str(workspace))
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (workspace / "inputs").iterdir()}
    assert before == after, "check must never modify or add input files"
    assert status == 1
    assert out.splitlines() == [
        "inputs/: warning GCM112: No workbook received from COORD (Coordinating secretariat). Send them `coord.xlsx` (made by `gcmreview workbook`) or remove them from review.toml.",
        "inputs/: warning GCM112: No workbook received from HEALTH (Ministry of Health). Send them `health.xlsx` (made by `gcmreview workbook`) or remove them from review.toml.",
        "inputs/lab.xlsx, sheet Contributor, cell C7: error GCM110: Contributor code 'LAB' is also used by inputs/health.xlsx. Each contributor sends one workbook; remove the older file from inputs/.",
        "inputs/locked.xlsx: error GCM104: The workbook is protected with a password to open. Save a copy without the password (File > Properties or Save As > Tools > General options) and send that.",
        "inputs/old.xls: error GCM101: This is an old Excel 97-2003 (.xls) file. Open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx).",
        "Workbooks: 1 of 3 contributors received (missing: COORD, HEALTH)",
        "Conflicts: 0; left out of the submission: 3",
        "4 file(s) checked, 2 read: 3 error(s), 2 warning(s).",
    ]


def test_check_json_and_strict(
    write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    contribution_data["references"].append({"key": "unused2020", "citation": "Not cited anywhere."})
    write_workbook(contribution_data)
    status, out, _ = run(capsys, "check", str(workspace), "--format", "json")
    report = json.loads(out)
    assert status == 0
    assert (report["errors"], report["warnings"], report["missing"]) == (0, 3, ["COORD", "HEALTH"])
    assert report["diagnostics"][2:] == [
        {
            "code": "GCM203",
            "severity": "warning",
            "message": "Reference 'unused2020' is never cited. Cite it in an answer as [@unused2020] or remove it.",
            "file": "inputs/lab.xlsx",
            "sheet": "References",
            "cell": "A6",
            "key": "",
        }
    ]
    assert run(capsys, "check", str(workspace), "--strict")[0] == 1


def test_bad_review_toml_is_one_clear_message_per_problem(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = workspace / "inputs" / "review.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('survey = "escap-2020"', 'survey = "escap-2002"').replace('iso = "KHM"', 'iso = "KH"\nisocode = 1')
    text = text.replace('email = "focal@coord.example.org"', 'email = "focal.coord.example.org"')
    config.write_text(text, encoding="utf-8")
    status, out, err = run(capsys, "check", str(workspace))
    assert status == 1 and out == ""
    assert err.splitlines() == [
        "inputs/review.toml, country.iso: error GCM301: country.iso: String should match pattern '^[A-Z]{3}$' (found 'KH').",
        "inputs/review.toml, country.isocode: error GCM302: Unknown setting 'country.isocode' (did you mean 'iso'?). Remove it or correct the spelling.",
        "inputs/review.toml, survey: error GCM301: survey: unknown survey 'escap-2002' (did you mean 'escap-2020'?); known surveys: escap-2020.",
        "inputs/review.toml, contact.email: error GCM301: contact.email: 'focal.coord.example.org' is not an e-mail address; write it as name@example.org.",
    ]


def test_toml_syntax_error(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "inputs" / "review.toml").write_text('survey = "escap-2020\n', encoding="utf-8")
    status, _, err = run(capsys, "check", str(workspace))
    assert status == 1
    assert err.startswith("inputs/review.toml: error GCM300: review.toml is not valid TOML: ")
    assert "(at line 1, column 21)" in err


def test_missing_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "check", str(tmp_path))
    assert status == 1
    assert err == (
        "inputs/review.toml: error GCM100: review.toml not found. Run `gcmreview new DIR` to create a workspace,"
        " or name the workspace folder on the command line.\n"
    )


def test_new_workbook_import_export(tmp_path: Path, capsys: pytest.CaptureFixture[str], contribution_data: dict[str, Any]) -> None:
    folder = tmp_path / "lao"
    status, out, _ = run(capsys, "new", str(folder), "--country", "Lao PDR", "--iso", "LAO", "--language", "lo")
    assert status == 0 and (folder / "inputs" / "review.toml").is_file()
    status, out, _ = run(capsys, "workbook", str(folder))
    assert (status, out.splitlines()) == (0, ["COORD: inputs/coord.xlsx written", "LABOUR: inputs/labour.xlsx written"])
    status, out, _ = run(capsys, "workbook", str(folder), "--contributor", "LABOR")
    assert status == 1
    contribution_data["contributor"] = "LABOUR"
    contribution_data["answers"][0]["text"] = {"en": "Workers cross to Thailand [@survey2016].", "lo": "ແຮງງານຂ້າມໄປປະເທດໄທ."}
    source = tmp_path / "labour.json"
    source.write_text(json.dumps(contribution_data, ensure_ascii=False), encoding="utf-8")
    status, _, err = run(capsys, "import", str(source), "-w", str(folder))
    assert status == 1 and "exists; use --force" in err
    status, out, _ = run(capsys, "import", str(source), "-w", str(folder), "--force")
    assert status == 0
    status, out, err = run(capsys, "export", str(folder / "inputs" / "labour.xlsx"), "-w", str(folder))
    assert (status, err) == (0, "")
    assert json.loads(out)["answers"][0]["text"]["lo"] == "ແຮງງານຂ້າມໄປປະເທດໄທ."


def test_import_reports_json_problems_by_key(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], contribution_data: dict[str, Any]) -> None:
    contribution_data["actions"][0]["objectives"] = [5, 30]
    contribution_data["statistics"][0]["value"] = "many"
    contribution_data["answers"][1]["text"]["en"] = "bad \x01 char"
    source = tmp_path / "lab.json"
    source.write_text(json.dumps(contribution_data), encoding="utf-8")
    status, _, err = run(capsys, "import", str(source), "-w", str(workspace))
    assert status == 1
    assert "statistics[0].value" in err and "GCM401" in err
    del contribution_data["statistics"][0]["value"]
    contribution_data["statistics"][0]["value"] = 3
    source.write_text(json.dumps(contribution_data), encoding="utf-8")
    status, _, err = run(capsys, "import", str(source), "-w", str(workspace))
    assert status == 1
    assert err.splitlines() == [
        "lab.json, actions[0].objectives: error GCM201: '30' is not a GCM objective number. Use numbers from 1 to 23, separated by commas (e.g. 2, 5, 12).",
        "lab.json, answers[1].text.en: error GCM213: The text contains a character that cannot be stored in a document (U+0001). Delete it (it is often pasted in invisibly from other programs).",
    ]
    assert not (workspace / "inputs" / "lab.xlsx").exists()


def test_schema_describes_a_contribution(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert status == 0 and schema["title"] == "Contribution"
    assert schema["required"] == ["survey", "contributor", "identity"]
    assert set(schema["$defs"]) >= {"Answer", "Action", "Statistic", "Reference", "PrincipleAnswer", "Identity"}
