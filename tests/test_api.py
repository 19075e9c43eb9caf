"""The library API a second front end stands on: what it offers and that it agrees with the command line."""

from __future__ import annotations

import gc
import json
import logging
import shutil
from pathlib import Path

import pydyf
import pytest

import gcmreview
from gcmreview.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_the_api_offers_check_build_and_the_translation_hand_off() -> None:
    for name in ("check", "build", "export_translations", "import_translations", "write_reports", "new_workspace",
                 "write_blank_workbooks", "import_contribution", "export_contribution"):
        assert callable(getattr(gcmreview, name)), name
        assert name in gcmreview.__all__


def test_check_reports_what_the_command_line_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """The sample review: the same diagnostics, consolidation's conflicts (GCM230) included."""
    prepared = gcmreview.check(ROOT)
    assert main(["check", str(ROOT), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    listed = [d.as_dict() for d in sorted(prepared.diagnostics, key=lambda d: (d.location, d.code))]
    assert listed == printed["diagnostics"]
    assert "GCM230" in {d["code"] for d in listed}, "consolidation's findings are part of check()"
    assert (len(prepared.errors), len(prepared.warnings)) == (printed["errors"], printed["warnings"])
    assert prepared.files == printed["files"] and prepared.missing == printed["missing"]


def test_check_finds_a_stale_translation_as_the_command_line_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A stored translation whose source changed is a warning of check(), not only of the build."""
    workspace = tmp_path / "review"
    shutil.copytree(ROOT / "inputs", workspace / "inputs")
    store = workspace / "inputs" / "translations" / "en.json"
    data = json.loads(store.read_text(encoding="utf-8")) if store.is_file() else {"lang": "en", "units": {}}
    segment = next(s for s in gcmreview.check(workspace).translations.segments if s.source_lang == "km")
    data["units"][segment.id] = {"source_lang": "km", "source_fingerprint": "sha256:0000000000000000", "text": "An old translation."}
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(data), encoding="utf-8")
    found = [d for d in gcmreview.check(workspace).diagnostics if d.code == "GCM240"]
    assert [d.location for d in found] == [segment.where]
    main(["check", str(workspace), "--format", "json"])
    assert "GCM240" in {d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]}


def test_an_unknown_survey_or_language_is_an_input_error() -> None:
    from gcmreview.survey import load_survey
    from gcmreview.survey.languages import language

    with pytest.raises(gcmreview.GcmReviewError, match="unknown survey 'escap-1999'"):
        load_survey("escap-1999")
    with pytest.raises(gcmreview.GcmReviewError, match="unknown language 'xx'"):
        language("xx")


def test_a_bug_shows_its_traceback_with_exit_status_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Only input problems (GcmReviewError) and file errors (OSError) are the user's; a KeyError is a bug."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("not an input problem")

    monkeypatch.setattr(gcmreview, "check", broken)
    assert main(["check", str(ROOT)]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_a_build_leaves_the_callers_process_as_it_was(tmp_path: Path) -> None:
    """The renderers' tuning (cycle collector, pydyf, WeasyPrint's logger) happens in the render workers only."""
    workspace = tmp_path / "review"
    shutil.copytree(ROOT / "inputs", workspace / "inputs")
    logger = logging.getLogger("weasyprint")
    before = (gc.get_threshold(), pydyf.PDF.__dict__["page_references"], list(logger.handlers), logger.propagate)
    result = gcmreview.build(workspace)
    assert any(o.path.endswith(".pdf") for o in result.outputs)
    assert (gc.get_threshold(), pydyf.PDF.__dict__["page_references"], list(logger.handlers), logger.propagate) == before
