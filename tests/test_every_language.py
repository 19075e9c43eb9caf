"""Every text a document shows is in the document's language, or marked as waiting for its translation.

Covers the free texts of actions and statistics (lead, partners, unit, breakdown,
source...), the institutions listed in review.toml, and review.toml's own texts
(country, contact block) given per language.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REVIEW_TOML, WriteWorkbook

from gcmreview.config import load_config
from gcmreview.errors import GcmReviewError
from gcmreview.i18n import translator
from gcmreview.prepared import prepare
from gcmreview.render.document import LEAD, Document, Item, Run, Table, layout
from gcmreview.render.html import render_html
from gcmreview.survey import Survey, load_survey
from gcmreview.translations import TranslationStore, Unit, export_translations, fingerprint, save_store

ROOT = Path(__file__).resolve().parent.parent
KHMER = re.compile("[\u1780-\u17ff]")
IOM_KM = "អង្គការអន្តរជាតិសម្រាប់ចំណាកស្រុក"
INSTITUTIONS = f"""
[[institutions]]
code = "IOM"
name = {{ en = "International Organization for Migration", km = "{IOM_KM}" }}
"""


def _blocks(document: Document) -> Iterator[tuple[str, list[Run]]]:
    """(mark, runs) of every answer paragraph, action and table row of a document."""
    for cluster in document.clusters:
        for question in cluster.questions:
            for block in question.body:
                if isinstance(block, Item):
                    yield block.mark, block.runs
                else:
                    yield from _rows(block)
    for row in document.principles:
        for item in row.explanation:
            yield item.mark, item.runs


def _rows(table: Table) -> Iterator[tuple[str, list[Run]]]:
    for row in table.rows:
        first = row[0][0] if row[0] else Run()
        mark = first.text if first.italic and first.text.startswith("[") else ""
        yield mark, [run for cell in row for run in cell]


def _sample(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    return tmp_path


def test_the_samples_english_document_has_khmer_only_with_a_pending_mark(tmp_path: Path) -> None:
    """Before, the English PDF showed "Lead: ក្រសួងការងារ…; partners: ក្រសួងការបរទេស…" unmarked."""
    prepared = prepare(_sample(tmp_path))
    survey = load_survey(prepared.submission.survey)
    document = layout(prepared.submission, survey, "en")
    unmarked = ["".join(r.text for r in runs) for mark, runs in _blocks(document) if not mark and any(KHMER.search(r.text) for r in runs)]
    assert unmarked == []
    text = "".join(r.text for _, runs in _blocks(document) for r in runs)
    # Leads and partners written in Khmer name institutions the review lists: shown in English.
    assert "Lead: Ministry of Interior; partners: Ministry of Labour and Vocational Training; Ministry of Foreign Affairs" in text
    assert "Lead: General Department of Immigration; partners: Provincial administrations of the border provinces" in text


def test_the_samples_khmer_document_names_institutions_in_khmer(tmp_path: Path) -> None:
    prepared = prepare(_sample(tmp_path))
    document = layout(prepared.submission, load_survey(prepared.submission.survey), "km")
    text = "".join(r.text for _, runs in _blocks(document) for r in runs)
    lead = translator("km")(LEAD)
    # Written in English as "Ministry of Health" (a contributor) and "IOM" (a code): no translation needed.
    assert f"{lead}: ក្រសួងសុខាភិបាល; " in text and "IOM" in text
    # An English-only "persons" unit is not shown in a Khmer document without its mark.
    rows = [(mark, runs) for mark, runs in _blocks(document) if any(r.text == "persons" for r in runs)]
    assert rows and all(mark for mark, _ in rows)


def _action(data: dict[str, Any], **fields: str) -> dict[str, Any]:
    return dict(data["actions"][0], **fields)


def test_lead_and_partners_go_through_the_store_unless_institutions(
    write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path, survey: Survey
) -> None:
    toml = workspace / "inputs" / "review.toml"
    toml.write_text(REVIEW_TOML + INSTITUTIONS, encoding="utf-8")
    contribution_data["actions"] = [
        _action(contribution_data, lead="ក្រសួងការងារ", partners=f"IOM; {IOM_KM}"),  # all known
        _action(contribution_data, title="Second", lead="Ministry of Labour", partners="អង្គការក្រៅរដ្ឋាភិបាល"),
    ]
    contribution_data["statistics"][0].update(unit="នាក់", nationality="", source="របាយការណ៍ប្រចាំឆ្នាំ [@survey2016]")
    write_workbook(contribution_data)
    export = export_translations(workspace, "en")
    ids = {s.id for s in export.segments}
    assert {"LAB/action/2/partners", "LAB/statistic/1/unit", "LAB/statistic/1/source"} <= ids
    assert not {"LAB/action/1/lead", "LAB/action/1/partners", "LAB/action/2/lead"} & ids
    prepared = prepare(workspace)
    assert {"LAB/action/2/partners", "LAB/statistic/1/unit"} <= {s.id for s in prepared.translations.pending("en")}
    document = layout(prepared.submission, survey, "en")
    blocks = {"".join(r.text for r in runs): mark for mark, runs in _blocks(document)}
    first = next(t for t in blocks if t.startswith("Labour Migration Policy"))
    assert "Lead: Ministry of Labour; partners: IOM; International Organization for Migration" in first and not blocks[first]
    second = next(t for t in blocks if t.startswith("Second"))
    assert "partners: អង្គការក្រៅរដ្ឋាភិបាល" in second and blocks[second] == document.labels["pending"]
    row = next(t for t in blocks if "Workers sent abroad" in t)
    assert blocks[row] == f"[{document.labels['pending']}] "
    segments = {s.id: s for s in export.segments}
    units = {
        sid: Unit(source_lang="km", source_fingerprint=fingerprint(segments[sid].source), text=text)
        for sid, text in (("LAB/action/2/partners", "non-governmental organisations"), ("LAB/statistic/1/unit", "persons"),
                          ("LAB/statistic/1/source", "Annual report [@survey2016]"))
    }
    save_store(workspace, TranslationStore(lang="en", units=units))
    document = layout(prepare(workspace).submission, survey, "en")
    blocks = {"".join(r.text for r in runs): mark for mark, runs in _blocks(document)}
    second = next(t for t in blocks if t.startswith("Second"))
    assert "partners: non-governmental organisations" in second and not blocks[second]
    row = next(t for t in blocks if "Workers sent abroad" in t)
    assert "persons" in row and "Annual report" in row and not blocks[row]


def test_texts_without_words_need_no_translation(
    write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path
) -> None:
    contribution_data["statistics"][0].update(unit="%", age_group="15-24", nationality="", source="[@survey2016]")
    write_workbook(contribution_data)
    ids = {s.id for s in export_translations(workspace, "km").segments}
    assert "LAB/statistic/1/indicator" in ids
    assert not {"LAB/statistic/1/unit", "LAB/statistic/1/age_group", "LAB/statistic/1/source"} & ids


# ---------------------------------------------------------------- review.toml's texts per language


def _review(tmp_path: Path, text: str) -> Path:
    (tmp_path / "inputs").mkdir(exist_ok=True)
    (tmp_path / "inputs" / "review.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_plain_string_is_the_same_in_every_language(tmp_path: Path) -> None:
    review = load_config(_review(tmp_path, REVIEW_TOML))
    assert review.country.name == {"en": "Cambodia", "km": "Cambodia"}
    assert review.contact.office == {"en": "Coordinating secretariat", "km": "Coordinating secretariat"}
    assert review.contact.address == {}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('name = "Cambodia"', 'name = { en = "Cambodia" }', "[country] name has no text in km; add name.km"),
        ('office = "Coordinating secretariat"', 'office = { en = "Office", km = "" }', "[contact] office has no text in km; add office.km"),
        ('name = "Cambodia"', 'name = { en = "Cambodia", km = "កម្ពុជា", th = "กัมพูชา" }',
         "[country] name has a text in 'th', which is not a language of this review"),
    ],
)
def test_texts_per_language_are_checked(tmp_path: Path, old: str, new: str, expected: str) -> None:
    with pytest.raises(GcmReviewError) as caught:
        load_config(_review(tmp_path, REVIEW_TOML.replace(old, new, 1)))
    (diagnostic,) = caught.value.diagnostics
    assert expected in diagnostic.message and diagnostic.location.file == "inputs/review.toml"


def test_the_khmer_documents_use_the_khmer_texts_of_review_toml(tmp_path: Path) -> None:
    """Before, the Khmer documents' running head and contact block said "Cambodia" and the English office."""
    workspace = _sample(tmp_path)
    prepared = prepare(workspace)
    survey = load_survey(prepared.submission.survey)
    document = layout(prepared.submission, survey, "km")
    assert document.country == "កម្ពុជា"
    contact = dict(document.contact)
    assert set(contact.values()) >= {"កម្ពុជា", "សុខ ដារ៉ា", "secretariat@ncct.example.org"}
    assert all(not re.search("[A-Za-z]{3}", v) for k, v in contact.items() if "@" not in v and "+" not in v)
    html = render_html(document, workspace)
    head = re.search(r'<div class="running-header">(.*?)</div>', html, re.S)
    assert head is not None and "Cambodia" not in head.group(1) and "កម្ពុជា" in head.group(1).replace("\u200b", "")
    english = layout(prepared.submission, survey, "en")
    assert english.country == "Cambodia" and dict(english.contact)[english.contact[1][0]].startswith("National Committee")
