"""Translation hand-off: segments, the store, XLIFF/xlsx export and import, stale translations, safety."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from conftest import LONG_ANSWER, WriteWorkbook, edit_cells, find_cell

from gcmreview.cli import main
from gcmreview.config import ReviewConfig
from gcmreview.errors import GcmReviewError, Location
from gcmreview.inputs import CheckResult, check_workspace
from gcmreview.prepared import prepare
from gcmreview.render.document import Document, Item, layout
from gcmreview.survey import Survey
from gcmreview.survey.languages import language_of
from gcmreview.translations import (
    XLIFF12_NAMESPACE,
    XLSX_HEADERS,
    Segment,
    Translations,
    TranslationStore,
    Unit,
    export_translations,
    export_xliff,
    export_xlsx,
    fingerprint,
    guard_cell,
    import_translations,
    load_store,
    resolve,
    save_store,
    segment_id,
    segments,
    status,
    store_path,
    unguard_cell,
)

KM_ANSWER = "ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ ដែលប្រាក់ឈ្នួលខ្ពស់ជាង។"
KM_TITLE = "គោលនយោបាយចំណាកស្រុកពលកម្ម"
NS = {"x": XLIFF12_NAMESPACE}


@pytest.fixture
def lab(write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> Path:
    """LAB's workbook: answer 1a only in Khmer, answer 6 only in English, a second action titled in Khmer."""
    contribution_data["answers"][0]["text"] = {"km": KM_ANSWER}
    second = dict(contribution_data["actions"][0], title=KM_TITLE, description="", results="")
    contribution_data["actions"].append(second)
    return write_workbook(contribution_data)


def _check(workspace: Path) -> CheckResult:
    return check_workspace(workspace)


def _segments(workspace: Path, review: ReviewConfig) -> dict[str, Segment]:
    return {s.id: s for s in segments(_check(workspace), review)}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill_xliff(path: Path, texts: dict[str, str]) -> None:
    """Act as the translator's tool: add a <target> to the named trans-units."""
    ElementTree.register_namespace("", XLIFF12_NAMESPACE)
    tree = ElementTree.parse(path)
    for unit in tree.getroot().iter(f"{{{XLIFF12_NAMESPACE}}}trans-unit"):
        if unit.get("id") in texts:
            target = unit.find("x:target", NS)
            if target is None:
                target = ElementTree.Element(f"{{{XLIFF12_NAMESPACE}}}target")
                unit.insert(1, target)
            target.text = texts[unit.get("id", "")]
            target.set("state", "translated")
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _fill_xlsx(path: Path, texts: dict[str, str], clear_fingerprints: bool = False) -> None:
    """Act as a translator in Excel: type into the Translation column."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    headers = [c.value for c in ws[4]]
    seg, tra, fp = headers.index("Segment"), headers.index("Translation"), headers.index("Fingerprint")
    for row in ws.iter_rows(min_row=5):
        if row[seg].value in texts:
            row[tra].value = texts[row[seg].value]
        if clear_fingerprints:
            row[fp].value = None
    wb.save(path)


def _xliff_units(path: Path) -> dict[str, ElementTree.Element]:
    root = ElementTree.parse(path).getroot()
    return {u.get("id", ""): u for u in root.iter(f"{{{XLIFF12_NAMESPACE}}}trans-unit")}


# ---------------------------------------------------------------- segments and status


def test_segments_with_source_language_and_cell(lab: Path, workspace: Path, review: ReviewConfig) -> None:
    found = _segments(workspace, review)
    assert set(found) == {
        "LAB/answer/1a", "LAB/answer/6", "LAB/principle/human-rights",
        "LAB/action/1/title", "LAB/action/1/partners", "LAB/action/1/description", "LAB/action/1/results",
        "LAB/action/2/title", "LAB/action/2/partners", "LAB/statistic/1/indicator", "LAB/statistic/1/unit",
        "LAB/statistic/1/nationality",
    }  # the lead names a contributor and needs no translation; "15-24" and a citation alone have no words
    answer = found["LAB/answer/1a"]
    assert (answer.source_lang, answer.source, dict(answer.targets)) == ("km", KM_ANSWER, {})
    assert (answer.contributor, answer.kind, answer.part) == ("LAB", "answer", "1a")
    assert answer.where.file == "inputs/lab.xlsx"
    assert (answer.where.sheet, answer.where.cell) == ("Answers", find_cell(lab, "Answers", "Answer (km)", "1a"))
    assert found["LAB/answer/6"].source_lang == "en"
    assert found["LAB/principle/human-rights"].source_lang == "en"
    assert found["LAB/action/1/title"].source_lang == "en"
    assert (found["LAB/action/2/title"].source_lang, found["LAB/action/2/title"].row) == ("km", 2)
    assert found["LAB/statistic/1/indicator"].where.cell == find_cell(lab, "Statistics", "Indicator")


def test_segment_id_is_the_one_id_format() -> None:
    assert segment_id("LAB", "answer", "1a") == "LAB/answer/1a"
    assert segment_id("LAB", "principle", "human-rights") == "LAB/principle/human-rights"
    assert segment_id("LAB", "action", 2, "title") == segment_id(segment_id("LAB", "action", 2), "title") == "LAB/action/2/title"
    assert segment_id("LAB", "statistic", 1, "indicator") == "LAB/statistic/1/indicator"


def test_submission_uses_the_segment_ids(lab: Path, workspace: Path) -> None:
    prepared = prepare(workspace)
    ids = {s.id for s in prepared.translations.segments}
    sub = prepared.submission
    used = {p.segment for a in sub.answers for p in a.paragraphs}
    used |= {v.segment for r in sub.principles for v in r.votes if v.explanation}
    used |= {segment_id(e.segment, "title") for a in sub.answers for g in a.actions for e in g.actions}
    used |= {segment_id(e.segment, "indicator") for a in sub.answers for e in a.statistics}
    assert {"LAB/answer/1a", "LAB/principle/human-rights", "LAB/action/2/title", "LAB/statistic/1/indicator"} <= used <= ids


def _action_items(document: Document) -> dict[str, Item]:
    """The document's action bullets, by the text of their title."""
    bodies = [q.body for c in document.clusters for q in c.questions]
    return {b.runs[0].text: b for body in bodies for b in body if isinstance(b, Item) and b.style == "action" and b.kind == "bullet"}


def test_title_language_is_the_layouts(
    write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path, review: ReviewConfig, survey: Survey
) -> None:
    """A title too short to tell (no script) or in a script of no review language: segments() and the layout agree."""
    titles = {"EU": "សហភាពអឺរ៉ុប", "นโยบาย": "គោលនយោបាយ", KM_TITLE: None}
    for title in titles:
        contribution_data["actions"].append(dict(contribution_data["actions"][0], title=title, description="", results="", partners=""))
    write_workbook(contribution_data)
    for translated in (False, True):
        prepared = prepare(workspace)
        translations = prepared.translations
        found = {s.source: s for s in translations.segments if s.kind == "action" and s.part == "title"}
        assert found["EU"].source_lang == found["นโยบาย"].source_lang == "en" == language_of("EU", review.languages, "en")
        assert found[KM_TITLE].source_lang == "km"
        for lang in review.languages:
            document = layout(prepared.submission, survey, lang)
            items = _action_items(document)
            for title, translation in titles.items():
                segment = found[title]
                missing = translations.status(segment, lang) == "missing"
                shown = translation if lang == "km" and translated and translation else title
                item = items[shown]
                assert (item.mark == document.labels["pending"]) == missing
                assert item.runs[0].lang == (segment.source_lang if missing else "")
        assert [translations.status(found[t], "km") for t in titles] == (["translated"] * 2 if translated else ["missing"] * 2) + ["provided"]
        units = {found[t].id: Unit(source_lang=found[t].source_lang, source_fingerprint=found[t].fingerprint, text=k) for t, k in titles.items() if k}
        save_store(workspace, TranslationStore(lang="km", units=units))


def test_missing_per_contributor_in_segment_order(
    lab: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path
) -> None:
    first = dict(contribution_data["actions"][0], title=KM_TITLE)
    contribution_data.update(contributor="HEALTH", answers=[], principles=[], statistics=[], actions=[first])
    write_workbook(contribution_data)
    translations = Translations.load(_check(workspace))
    missing = translations.missing("en")
    by_code = {code: [s.id for s in found] for code, found in missing.items()}
    assert by_code == {"HEALTH": ["HEALTH/action/1/title"], "LAB": ["LAB/answer/1a", "LAB/action/2/title"]}
    assert [s for found in missing.values() for s in found] == translations.pending("en")
    assert list(translations.missing("km")) == ["HEALTH", "LAB"]


def test_both_languages_given_need_nothing(write_workbook: WriteWorkbook, workspace: Path, review: ReviewConfig) -> None:
    write_workbook()  # answer 1a has English and Khmer
    answer = _segments(workspace, review)["LAB/answer/1a"]
    assert answer.source_lang == "km" and set(answer.targets) == {"en"}
    for lang in ("en", "km"):
        assert status(answer, lang, TranslationStore(lang=lang)) == "provided"
        assert resolve(answer, lang, None)[1] == "provided"
    assert resolve(answer, "en", None)[0] == answer.targets["en"]


def test_fingerprint_normalises() -> None:
    assert fingerprint(" e\u0301\n") == fingerprint("\u00e9")
    assert fingerprint("a").startswith("sha256:") and len(fingerprint("a")) == len("sha256:") + 16
    assert fingerprint("a") != fingerprint("b")


def test_status_and_resolve(lab: Path, workspace: Path, review: ReviewConfig) -> None:
    answer = _segments(workspace, review)["LAB/answer/1a"]
    store = TranslationStore(lang="en")
    assert status(answer, "en", store) == "missing"
    assert resolve(answer, "en", store) == (None, "missing")
    store.units[answer.id] = Unit(source_lang="km", source_fingerprint=answer.fingerprint, text="Most workers leave.")
    assert resolve(answer, "en", store) == ("Most workers leave.", "translated")
    store.units[answer.id] = Unit(source_lang="km", source_fingerprint=fingerprint("older text"), text="Old.")
    assert resolve(answer, "en", store) == (None, "stale")
    assert resolve(answer, "en", store, accept_stale=True) == ("Old.", "stale")
    assert status(answer, "km", store=None) == "provided"


# ---------------------------------------------------------------- store


def test_store_round_trip_is_stable_json(workspace: Path) -> None:
    assert load_store(workspace, "en") == TranslationStore(lang="en")
    store = TranslationStore(lang="km", units={
        "LAB/answer/6": Unit(source_lang="en", source_fingerprint=fingerprint("x"), text="ផែនការ", translator="T"),
        "COORD/answer/1a": Unit(source_lang="en", source_fingerprint=fingerprint("y"), text="ក"),
    })
    path = save_store(workspace, store)
    assert path == workspace / "inputs" / "translations" / "km.json" == store_path(workspace, "km")
    text = path.read_text(encoding="utf-8")
    assert "ផែនការ" in text and text.index("COORD/answer/1a") < text.index("LAB/answer/6")
    assert "updated" not in text  # None values are left out
    assert load_store(workspace, "km") == store


def test_store_errors_name_file_and_key(workspace: Path) -> None:
    path = store_path(workspace, "en")
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(GcmReviewError) as err:
        load_store(workspace, "en")
    assert err.value.diagnostics[0].location.file == "inputs/translations/en.json"
    path.write_text(json.dumps({"lang": "en", "units": {"LAB/answer/1a": {"source_lang": "km", "source_fingerprint": "md5:1", "text": "x"}}}))
    with pytest.raises(GcmReviewError) as err:
        load_store(workspace, "en")
    assert err.value.diagnostics[0].location.key == "units.LAB/answer/1a.source_fingerprint"
    path.write_text(json.dumps({"lang": "km", "units": {}}))
    with pytest.raises(GcmReviewError, match=r"named en\.json"):
        load_store(workspace, "en")


# ---------------------------------------------------------------- XLIFF


def test_xliff_export_is_12_with_missing_segments_only(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    out = tmp_path / "to-en.xlf"
    exported = export_xliff(segments(_check(workspace), review), "en", load_store(workspace, "en"), out)
    root = ElementTree.parse(out).getroot()
    assert root.tag == f"{{{XLIFF12_NAMESPACE}}}xliff" and root.get("version") == "1.2"
    assert "1.1" not in out.read_text(encoding="utf-8")
    files = root.findall("x:file", NS)
    assert [(f.get("source-language"), f.get("target-language")) for f in files] == [("km", "en")]
    assert files[0].find("x:header", NS) is not None and files[0][0].tag.endswith("header")
    units = _xliff_units(out)
    assert list(units) == ["LAB/answer/1a", "LAB/action/2/title"] == [s.id for s in exported]
    unit = units["LAB/answer/1a"]
    assert unit.findtext("x:source", namespaces=NS) == KM_ANSWER
    assert unit.find("x:target", NS) is None
    notes = " | ".join(n.text or "" for n in unit.findall("x:note", NS))
    cell = find_cell(lab, "Answers", "Answer (km)", "1a")
    assert "LAB" in notes and "question 1a" in notes and f"inputs/lab.xlsx, sheet Answers, cell {cell}" in notes
    assert f"fingerprint: {fingerprint(KM_ANSWER)}" in notes


def test_xliff_round_trip(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    before = _digest(lab)
    check = _check(workspace)
    out = tmp_path / "to-en.xlf"
    export_xliff(segments(check, review), "en", load_store(workspace, "en"), out)
    _fill_xliff(out, {"LAB/answer/1a": "Most workers leave for Thailand, where wages are higher.", "LAB/action/2/title": "Labour Migration Policy"})
    report = import_translations(workspace, out, translator="Translator A")
    assert report.format == "xliff"
    assert report.stored == {"en": ["LAB/answer/1a", "LAB/action/2/title"]} and report.count == 2
    assert (report.unknown, report.stale, report.diagnostics) == ([], [], [])
    assert report.stores == [store_path(workspace, "en")]
    store = load_store(workspace, "en")
    assert store.units["LAB/answer/1a"].text.startswith("Most workers")
    assert store.units["LAB/answer/1a"].source_fingerprint == fingerprint(KM_ANSWER)
    assert store.units["LAB/answer/1a"].translator == "Translator A"
    assert store.units["LAB/answer/1a"].updated is not None
    found = _segments(workspace, review)
    assert status(found["LAB/answer/1a"], "en", store) == "translated"
    assert status(found["LAB/action/2/title"], "en", store) == "translated"
    assert export_xliff(found.values(), "en", store, tmp_path / "again.xlf") == []
    assert _digest(lab) == before


def test_xliff_11_is_read_too(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    check = _check(workspace)
    out = tmp_path / "to-en.xlf"
    export_xliff(segments(check, review), "en", None, out)
    _fill_xliff(out, {"LAB/answer/1a": "Most workers leave."})
    old = out.read_text(encoding="utf-8").replace(XLIFF12_NAMESPACE, "urn:oasis:names:tc:xliff:document:1.1")
    out.write_text(old.replace('version="1.2"', 'version="1.1"'), encoding="utf-8")
    report = import_translations(workspace, out)
    assert report.stored == {"en": ["LAB/answer/1a"]}


def test_unknown_unit_is_reported_not_dropped_silently(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    check = _check(workspace)
    out = tmp_path / "to-en.xlf"
    export_xliff(segments(check, review), "en", None, out)
    out.write_text(out.read_text(encoding="utf-8").replace('id="LAB/action/2/title"', 'id="LAB/action/9/title"'), encoding="utf-8")
    _fill_xliff(out, {"LAB/action/9/title": "Policy", "LAB/answer/1a": "Workers leave."})
    report = import_translations(workspace, out)
    assert report.unknown == ["LAB/action/9/title"]
    [warning] = report.diagnostics
    assert (warning.code, warning.severity) == ("GCM241", "warning")
    assert (warning.location.file, warning.location.key) == ("to-en.xlf", "LAB/action/9/title")
    assert "LAB/action/9/title" not in load_store(workspace, "en").units
    assert report.stored == {"en": ["LAB/answer/1a"]}


def test_external_entity_is_refused_without_reading(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    evil = tmp_path / "evil.xlf"
    evil.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>\n'
        f'<xliff version="1.2" xmlns="{XLIFF12_NAMESPACE}"><file original="f" source-language="km" target-language="en" datatype="plaintext">'
        f'<body><trans-unit id="LAB/answer/1a"><source>{KM_ANSWER}</source><target>&e;</target></trans-unit></body></file></xliff>',
        encoding="utf-8",
    )
    with pytest.raises(GcmReviewError) as err:
        import_translations(workspace, evil)
    [problem] = err.value.diagnostics
    assert (problem.code, problem.severity, problem.location.file) == ("GCM242", "error", "evil.xlf")
    assert "entities" in problem.message and "TOP-SECRET-MARKER" not in str(err.value)
    assert not store_path(workspace, "en").exists()


def test_entity_expansion_and_broken_xml_are_refused(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlf"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><xliff version="1.2">&b;</xliff>')
    with pytest.raises(GcmReviewError, match="entities"):
        import_translations(workspace, bomb)
    broken = tmp_path / "broken.xlf"
    broken.write_text('<xliff version="1.2"><file>')
    with pytest.raises(GcmReviewError, match="not well-formed XML"):
        import_translations(workspace, broken)
    other = tmp_path / "notes.txt"
    other.write_text("just text")
    with pytest.raises(GcmReviewError, match="neither an XLIFF file nor an Excel workbook"):
        import_translations(workspace, other)


def test_target_language_outside_review_is_refused(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    check = _check(workspace)
    out = tmp_path / "to-en.xlf"
    export_xliff(segments(check, review), "en", None, out)
    _fill_xliff(out, {"LAB/answer/1a": "x"})
    out.write_text(out.read_text(encoding="utf-8").replace('target-language="en"', 'target-language="th-TH"'), encoding="utf-8")
    with pytest.raises(GcmReviewError, match=r"'th', which is not a language of this review"):
        import_translations(workspace, out)


def test_export_translations_checks_the_workspace_itself(lab: Path, workspace: Path) -> None:
    export = export_translations(workspace, "en")
    assert export.path == workspace / "build" / "translations" / "KHM-to-en.xlf"
    assert [s.id for s in export.segments] == list(_xliff_units(export.path)) == ["LAB/answer/1a", "LAB/action/2/title"]
    export = export_translations(workspace, "km", format="xlsx")
    assert export.path == workspace / "build" / "translations" / "KHM-to-km.xlsx" and len(export.segments) == 10
    chosen = workspace / "elsewhere.xlsx"
    assert export_translations(workspace, "km", format="xlsx", output=chosen).path == chosen and chosen.is_file()
    with pytest.raises(GcmReviewError) as err:
        export_translations(workspace, "th")
    [problem] = err.value.diagnostics
    assert (problem.code, problem.severity) == ("GCM220", "error")
    assert (problem.location.file, problem.location.key) == ("inputs/review.toml", "languages")
    assert "'th' is not a language of this review (en, km)" in problem.message


def test_translate_commands(lab: Path, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "export", str(workspace), "--to", "en"]) == 0
    out = workspace / "build" / "translations" / "KHM-to-en.xlf"
    assert capsys.readouterr().out == f"2 text(s) to translate into en: {out}\n"
    _fill_xliff(out, {"LAB/answer/1a": "Most workers leave."})
    assert main(["translate", "import", str(out), "-w", str(workspace), "--translator", "T"]) == 0
    assert capsys.readouterr().out == "Stored 1 translation(s) (en) in inputs/translations/en.json; 1 unit(s) without a translation\n"
    assert load_store(workspace, "en").units["LAB/answer/1a"].translator == "T"
    assert main(["translate", "export", str(workspace), "--to", "th"]) == 1
    assert "GCM220" in capsys.readouterr().err


def _import(workspace: Path, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["translate", "import", str(path), "-w", str(workspace)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_import_says_how_many_were_stored_and_what_was_already(lab: Path, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "export", str(workspace), "--to", "en"]) == 0
    out = workspace / "build" / "translations" / "KHM-to-en.xlf"
    _fill_xliff(out, {"LAB/answer/1a": "Most workers leave.", "LAB/action/2/title": "Labour Migration Policy"})
    status, stdout, err = _import(workspace, out, capsys)
    assert (status, stdout, err) == (0, "Stored 2 translation(s) (en) in inputs/translations/en.json\n", "")
    store = store_path(workspace, "en")
    before = store.read_bytes()
    status, stdout, err = _import(workspace, out, capsys)  # the same file again: nothing new, nothing wrong
    assert (status, stdout, err) == (0, "Stored no translation from build/translations/KHM-to-en.xlf; 2 already stored, unchanged\n", "")
    assert store.read_bytes() == before, "an identical translation is left as it was (its date and translator too)"
    report = import_translations(workspace, out)
    assert (report.units, report.count, report.already, report.diagnostics) == (2, 0, ["LAB/answer/1a", "LAB/action/2/title"], [])


def test_import_of_units_matching_no_text_fails_and_says_why(lab: Path, workspace: Path, review: ReviewConfig,
                                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "to-en.xlf"
    export_xliff(segments(_check(workspace), review), "en", None, out)
    out.write_text(out.read_text(encoding="utf-8").replace('id="LAB/', 'id="OLD/'), encoding="utf-8")
    _fill_xliff(out, {"OLD/answer/1a": "Most workers leave.", "OLD/action/2/title": "Policy"})
    status, stdout, err = _import(workspace, out, capsys)
    assert status == 1 and stdout == f"Stored no translation from {out.name}; 2 unit(s) matched no text\n"
    *warnings, error = err.splitlines()
    assert len(warnings) == 2 and all("warning GCM241: Translation unit 'OLD/" in w for w in warnings)
    assert error == (
        f"{out.name}: error GCM243: No translation was stored. Of the file's 2 unit(s), matching no text in the workbooks: 2; "
        "without a translation: 0; sent back unchanged while still marked for review: 0. Import the file the "
        "translator filled in, made by `gcmreview translate export` of this workspace; review the unchanged ones, "
        "or accept them with --confirm-unchanged."
    )
    assert not store_path(workspace, "en").exists()


def test_import_of_empty_targets_fails_and_says_why(lab: Path, workspace: Path, review: ReviewConfig,
                                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "to-en.xlsx"
    export_xlsx(segments(_check(workspace), review), "en", None, out)  # sent back as it was exported
    status, stdout, err = _import(workspace, out, capsys)
    assert status == 1 and stdout == f"Stored no translation from {out.name}; 2 unit(s) without a translation\n"
    assert err.startswith(f"{out.name}: error GCM243: No translation was stored. Of the file's 2 unit(s), matching no text "
                          "in the workbooks: 0; without a translation: 2; sent back unchanged while still marked for review: 0. ")
    report = import_translations(workspace, out)
    assert (report.units, report.empty, report.count, [d.code for d in report.diagnostics]) == (2, 2, 0, ["GCM243"])


# ---------------------------------------------------------------- stale translations


def test_changed_source_makes_translation_stale(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    check = _check(workspace)
    first = tmp_path / "first.xlf"
    export_xliff(segments(check, review), "en", None, first)
    _fill_xliff(first, {"LAB/answer/1a": "Most workers leave for Thailand."})
    import_translations(workspace, first)
    cell = find_cell(lab, "Answers", "Answer (km)", "1a")
    edit_cells(lab, "Answers", {cell: KM_ANSWER + " ពួកគេផ្ញើប្រាក់ទៅផ្ទះ។"})

    translations = Translations.load(_check(workspace))
    answer = next(s for s in translations.segments if s.id == "LAB/answer/1a")
    assert translations.status(answer, "en") == "stale"
    [warning] = translations.stale_diagnostics()
    assert (warning.code, warning.severity) == ("GCM240", "warning")
    assert (warning.location.file, warning.location.sheet, warning.location.cell) == ("inputs/lab.xlsx", "Answers", cell)
    assert "earlier version" in warning.message and "gcmreview translate export --to en" in warning.message

    second = tmp_path / "second.xlf"
    exported = export_xliff(translations.segments, "en", translations.stores["en"], second)
    assert [s.id for s in exported] == ["LAB/answer/1a", "LAB/action/2/title"]
    target = _xliff_units(second)["LAB/answer/1a"].find("x:target", NS)
    assert target is not None
    assert (target.text, target.get("state")) == ("Most workers leave for Thailand.", "needs-review-translation")
    assert _xliff_units(second)["LAB/answer/1a"].findtext("x:source", namespaces=NS) == answer.source


def test_unchanged_stale_translation_is_not_taken_as_reviewed(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    check = _check(workspace)
    first = tmp_path / "first.xlf"
    export_xliff(segments(check, review), "en", None, first)
    _fill_xliff(first, {"LAB/answer/1a": "Most workers leave."})
    import_translations(workspace, first)
    edit_cells(lab, "Answers", {find_cell(lab, "Answers", "Answer (km)", "1a"): KM_ANSWER + " ថ្មី។"})
    check = _check(workspace)
    second = tmp_path / "second.xlf"
    export_xliff(segments(check, review), "en", load_store(workspace, "en"), second)

    report = import_translations(workspace, second)  # sent back untouched
    assert report.unchanged == ["LAB/answer/1a"] and report.stored == {}
    [error] = report.diagnostics
    assert error.code == "GCM243" and "sent back unchanged while still marked for review: 1." in error.message
    report = import_translations(workspace, second, confirm_unchanged=True)
    assert report.stored == {"en": ["LAB/answer/1a"]}
    answer = next(s for s in segments(check, review) if s.id == "LAB/answer/1a")
    assert status(answer, "en", load_store(workspace, "en")) == "translated"


def test_source_changed_between_export_and_import_is_stale_at_once(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    out = tmp_path / "to-en.xlf"
    export_xliff(segments(_check(workspace), review), "en", None, out)
    edit_cells(lab, "Answers", {find_cell(lab, "Answers", "Answer (km)", "1a"): KM_ANSWER + " ថ្មី។"})
    _fill_xliff(out, {"LAB/answer/1a": "Most workers leave."})
    check = _check(workspace)
    report = import_translations(workspace, out)
    assert report.stale == ["LAB/answer/1a"]
    answer = next(s for s in segments(check, review) if s.id == "LAB/answer/1a")
    assert status(answer, "en", load_store(workspace, "en")) == "stale"


# ---------------------------------------------------------------- xlsx


def test_xlsx_export_layout(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    out = tmp_path / "to-km.xlsx"
    exported = export_xlsx(segments(_check(workspace), review), "km", None, out)
    assert {s.source_lang for s in exported} == {"en"} and len(exported) == 10
    ws = openpyxl.load_workbook(out)["Translations"]
    table = ws.tables["Translations"]
    assert table.ref == f"A4:H{4 + len(exported)}"
    assert tuple(c.value for c in ws[4]) == XLSX_HEADERS
    assert ws.freeze_panes == "A5"
    assert ws.protection.sheet and not ws.protection.password
    assert (ws["A3"].value, ws["B3"].value) == ("Target language", "km")
    for row in ws.iter_rows(min_row=5):
        assert [c.protection.locked for c in row] == [h != "Translation" for h in XLSX_HEADERS]
        assert row[4].alignment.wrap_text
    assert ws.column_dimensions["E"].width == 60
    [validation] = ws.data_validations.dataValidation
    assert validation.showInputMessage and validation.prompt and str(validation.sqref) == f"F5:F{4 + len(exported)}"
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert (rows["LAB/answer/6"][1], rows["LAB/answer/6"][3]) == ("LAB", "en")
    assert "answer to question 6; inputs/lab.xlsx, sheet Answers, cell" in str(rows["LAB/answer/6"][2])
    assert rows["LAB/answer/6"][6:] == ("missing", fingerprint("The plan links the compact to target 10.7."))


def test_xlsx_round_trip(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    before = _digest(lab)
    check = _check(workspace)
    out = tmp_path / "to-km.xlsx"
    export_xlsx(segments(check, review), "km", None, out)
    _fill_xlsx(out, {"LAB/answer/6": "ផែនការភ្ជាប់កតិកាសញ្ញាទៅនឹងគោលដៅ ១០.៧។", "LAB/statistic/1/indicator": "ពលករ"})
    report = import_translations(workspace, out)
    assert report.format == "xlsx"
    assert report.stored == {"km": ["LAB/answer/6", "LAB/statistic/1/indicator"]} and report.empty == 8
    store = load_store(workspace, "km")
    found = _segments(workspace, review)
    assert status(found["LAB/answer/6"], "km", store) == "translated"
    assert resolve(found["LAB/statistic/1/indicator"], "km", store) == ("ពលករ", "translated")
    assert status(found["LAB/action/1/title"], "km", store) == "missing"
    assert _digest(lab) == before


def test_xlsx_formula_translation_is_reported(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    check = _check(workspace)
    out = tmp_path / "to-km.xlsx"
    export_xlsx(segments(check, review), "km", None, out)
    _fill_xlsx(out, {"LAB/answer/6": "=1+1"})
    report = import_translations(workspace, out)
    [problem] = report.diagnostics
    assert problem.code == "GCM214" and problem.location.sheet == "Translations" and problem.location.key == "LAB/answer/6"
    assert report.stored == {}


def test_guard_round_trips_every_text() -> None:
    for text in ("=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "-1+2", "+1", "\tx", "\rx", "'", "''=", "'quoted", "plain", ""):
        assert unguard_cell(guard_cell(text)) == text
    assert guard_cell("=1") == "'=1" and guard_cell("ok") == "ok"
    assert unguard_cell("'ok") == "'ok"  # only the guard is removed


def test_spreadsheet_injection_is_neutralised(
    write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path, review: ReviewConfig, tmp_path: Path
) -> None:
    contribution_data["actions"][0]["title"] = "@SUM(A1:A9)"
    contribution_data["actions"][0]["description"] = "-1+2 more places at the border"
    lab = write_workbook(contribution_data)
    cell = find_cell(lab, "Answers", "Answer (en)", "6")
    wb = openpyxl.load_workbook(lab)  # a ministry typed '=HYPERLINK(...) in Excel: text, not a formula
    hyperlink = '=HYPERLINK("http://evil.example/","Click")'
    wb["Answers"][cell].value = hyperlink
    wb["Answers"][cell].data_type = "s"
    wb.save(lab)
    check = _check(workspace)
    found = {s.id: s for s in segments(check, review)}
    assert found["LAB/answer/6"].source == hyperlink

    out = tmp_path / "to-km.xlsx"
    export_xlsx(found.values(), "km", None, out)
    ws = openpyxl.load_workbook(out)["Translations"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    sources = {r[0].value: r[4].value for r in ws.iter_rows(min_row=5)}
    assert sources["LAB/answer/6"] == "'" + hyperlink
    assert sources["LAB/action/1/title"] == "'@SUM(A1:A9)"
    assert sources["LAB/action/1/description"] == "'-1+2 more places at the border"

    # Without fingerprints the import falls back to the Source column: it must come back exactly.
    texts = {"LAB/answer/6": "'=ផែនការ", "LAB/action/1/title": "@ផលបូក", "LAB/action/1/description": "-១+២"}
    _fill_xlsx(out, texts, clear_fingerprints=True)
    report = import_translations(workspace, out)
    assert report.count == 3 and report.stale == []
    store = load_store(workspace, "km")
    assert store.units["LAB/answer/6"].text == "=ផែនការ"
    assert store.units["LAB/action/1/title"].text == "@ផលបូក"
    assert all(status(found[key], "km", store) == "translated" for key in texts)
    assert store.units["LAB/answer/6"].source_fingerprint == fingerprint(hyperlink)


def test_stale_translation_in_xlsx_is_prefilled_and_guarded(lab: Path, workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    answer = _segments(workspace, review)["LAB/answer/6"]
    store = TranslationStore(lang="km", units={answer.id: Unit(source_lang="en", source_fingerprint=fingerprint("old"), text="- ចាស់")})
    save_store(workspace, store)
    out = tmp_path / "to-km.xlsx"
    export_xlsx(segments(_check(workspace), review), "km", store, out)
    ws = openpyxl.load_workbook(out)["Translations"]
    row = next(r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] == answer.id)
    assert (row[5], row[6]) == ("'- ចាស់", "stale")
    report = import_translations(workspace, out)  # untouched
    assert report.unchanged == [answer.id]
    _fill_xlsx(out, {answer.id: "- ថ្មី"})
    report = import_translations(workspace, out)
    assert report.stored == {"km": [answer.id]}
    assert status(answer, "km", load_store(workspace, "km")) == "translated"


def test_nothing_to_translate_still_writes_valid_files(write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path, review: ReviewConfig, tmp_path: Path) -> None:
    contribution_data.update(answers=[], actions=[], statistics=[], principles=[])
    write_workbook(contribution_data)
    found = segments(_check(workspace), review)
    assert export_xliff(found, "en", None, tmp_path / "e.xlf") == []
    assert ElementTree.parse(tmp_path / "e.xlf").getroot().get("version") == "1.2"
    assert export_xlsx(found, "km", None, tmp_path / "e.xlsx") == []
    assert openpyxl.load_workbook(tmp_path / "e.xlsx")["Translations"].tables["Translations"].ref == "A4:H5"


def test_control_characters_do_not_break_the_xlsx(workspace: Path, tmp_path: Path) -> None:
    segment = Segment("LAB/answer/6", "LAB", "answer", "6", Location("inputs/lab.xlsx", "Answers", "F9"), "en", "=a\x0bb")
    export_xlsx([segment], "km", None, tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")["Translations"]
    assert (ws["E5"].value, ws["H5"].value) == ("'=ab", fingerprint("=a\x0bb"))


def test_xlsx_rows_are_as_tall_as_their_texts(
    write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path, review: ReviewConfig, tmp_path: Path
) -> None:
    """A translator sees each source text whole, as in the contributor workbook (rows used to be one line high)."""
    contribution_data["answers"][1]["text"] = {"en": LONG_ANSWER}
    write_workbook(contribution_data)
    out = tmp_path / "to-km.xlsx"
    export_xlsx(segments(_check(workspace), review), "km", None, out)
    ws = openpyxl.load_workbook(out)["Translations"]
    rows = {row[0].value: row[0].row for row in ws.iter_rows(min_row=5) if row[0].value}
    assert rows and all(ws.row_dimensions[r].height for r in rows.values())
    assert ws.row_dimensions[rows["LAB/answer/6"]].height >= 300  # about 30 lines of 60 characters, or Excel's cap
    assert ws.row_dimensions[rows["LAB/statistic/1/unit"]].height < 100  # "persons", and its three-line location
