"""The Translations page of ``gcmreview serve``: where each language stands, the hand-off files, a translated file back."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import gcmreview
from gcmreview.cli import main
from gcmreview.translations import XLIFF12_NAMESPACE
from gcmreview.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "c" * 43
NS = {"x": XLIFF12_NAMESPACE}
UNIT = "MFAIC/answer/2b"
"""A text of the sample written in English only: pending in Khmer."""
SOURCE_START = "The Ministry works through bilateral and regional channels"
KM_TEXT = "ក្រសួងធ្វើការតាមរយៈបណ្តាញទ្វេភាគី និងតំបន់។"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The repository's sample workspace, copied (its inputs are never written)."""
    workspace = tmp_path / "ws"
    shutil.copytree(ROOT / "inputs", workspace / "inputs")
    shutil.copytree(ROOT / "templates", workspace / "templates")
    return workspace


@pytest.fixture
def app(sample: Path) -> Starlette:
    return create_app(sample, coordinator_token=TOKEN, announce=lambda line: None)


@pytest.fixture
def client(app: Starlette) -> TestClient:
    """Signed in as the coordinator."""
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    assert client.get("/signin?token=" + TOKEN).status_code == 200
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _pending(html: str, lang: str) -> int:
    """The number of texts the page says are still to translate into ``lang``."""
    section = re.search(rf'<section [^>]*id="into-{lang}"[^>]*>(.*?)</section>', html, re.S)
    assert section, f"no section for {lang}"
    found = re.search(r'data-pending="(\d+)"', section.group(1))
    assert found
    return int(found.group(1))


def _standing(html: str, lang: str, status: str) -> int:
    row = re.search(rf'<tr data-lang="{lang}">(.*?)</tr>', html, re.S)
    assert row
    cell = re.search(rf'data-status="{status}">(?:<span[^>]*>)?(\d+)', row.group(1))
    assert cell
    return int(cell.group(1))


def _messages(html: str) -> list[str]:
    return re.findall(r'<td class="message">([^<]*)</td>', html)


def _fill(xliff: bytes, texts: dict[str, str]) -> bytes:
    """Act as the translator's tool: a <target> for each named trans-unit."""
    ElementTree.register_namespace("", XLIFF12_NAMESPACE)
    root = ElementTree.fromstring(xliff)
    for unit in root.iter(f"{{{XLIFF12_NAMESPACE}}}trans-unit"):
        if unit.get("id") in texts:
            target = ElementTree.SubElement(unit, f"{{{XLIFF12_NAMESPACE}}}target")
            target.text = texts[unit.get("id") or ""]
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _upload(client: TestClient, data: bytes, name: str, csrf: str | None, **fields: str) -> tuple[int, str]:
    form = {"csrf": csrf, **fields} if csrf is not None else dict(fields)
    response = client.post("/translations/import", data=form, files={"file": (name, data, "application/octet-stream")})
    return response.status_code, response.text


# ---------------------------------------------------------------- the page


def test_page_lists_the_texts_pending_in_khmer_as_the_export_writes_them(client: TestClient, sample: Path, tmp_path: Path) -> None:
    written = tmp_path / "cli.xlf"
    assert main(["-q", "translate", "export", "--to", "km", "-o", str(written), str(sample)]) == 0
    exported = ElementTree.parse(written).getroot().findall(".//x:trans-unit", NS)
    assert len(exported) > 100  # the sample's English-only texts

    response = client.get("/translations")
    assert response.status_code == 200
    html = response.text
    assert _pending(html, "km") == len(exported)
    assert _standing(html, "km", "missing") == len(exported)
    assert _standing(html, "km", "stale") == 0
    assert _pending(html, "en") == 0
    assert _standing(html, "en", "translated") == 33  # the sample's inputs/translations/en.json
    table = re.search(r'<table class="pending" data-lang="km">.*?</table>', html, re.S)
    assert table
    assert table.group(0).count("<tr data-segment=") == len(exported)
    row = re.search(rf'<tr data-segment="{UNIT}" data-status="missing">(.*?)</tr>', table.group(0), re.S)
    assert row, "the English-only answer is listed"
    assert "answer to question 2b" in row.group(1)
    assert SOURCE_START in row.group(1) and "…" in row.group(1)  # shortened
    assert "inputs/mfaic.xlsx" in row.group(1) and "E10" in row.group(1)
    assert 'action="/translations/export"' in html and 'action="/translations/import"' in html
    assert 'name="confirm_unchanged"' in html and 'name="translator"' in html


def test_page_lists_stale_translations(client: TestClient, sample: Path) -> None:
    store = sample / "inputs" / "translations" / "en.json"
    data = json.loads(store.read_text(encoding="utf-8"))
    unit = sorted(data["units"])[0]
    data["units"][unit]["source_fingerprint"] = "sha256:0000000000000000"  # made for another source text
    store.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    html = client.get("/translations").text
    assert _standing(html, "en", "stale") == 1
    assert _standing(html, "en", "translated") == 32
    assert _pending(html, "en") == 1
    assert re.search(rf'<tr data-segment="{re.escape(unit)}" data-status="stale">.*?translation out of date', html, re.S)


def test_the_page_in_khmer_names_the_contributors_in_khmer(client: TestClient, sample: Path) -> None:
    review = gcmreview.load_review(sample)[0]
    name = review.contributor("MFAIC").name["km"]
    response = client.get("/translations?lang=km")
    assert response.status_code == 200
    assert '<html lang="km' in response.text
    row = re.search(rf'<tr data-segment="{UNIT}" data-status="missing">(.*?)</tr>', response.text, re.S)
    assert row and name in row.group(1)


def test_the_page_counts_as_the_report_does(sample: Path) -> None:
    prepared = gcmreview.check(sample)
    standing = gcmreview.translation_status(prepared)
    report = gcmreview.report_page(prepared, "en")
    listed = re.search(r'<table class="pending" data-lang="km">.*?</table>', report, re.S)
    assert listed
    assert re.findall(r'data-segment="([^"]+)"', listed.group(0)) == [p.segment.id for p in standing.pending_in("km")]
    assert standing.count("km", "missing") == len(standing.pending_in("km"))


# ---------------------------------------------------------------- export


def test_export_xliff_download(client: TestClient, sample: Path) -> None:
    response = client.get("/translations/export?to=km&format=xliff")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="KHM-to-km.xlf"'
    root = ElementTree.fromstring(response.content)
    units = {u.get("id"): u for u in root.iter(f"{{{XLIFF12_NAMESPACE}}}trans-unit")}
    assert UNIT in units
    source = units[UNIT].find("x:source", NS)
    assert source is not None and (source.text or "").startswith(SOURCE_START)
    assert not (sample / "build").exists()  # made elsewhere: only the build writes build/


def test_export_xlsx_download(client: TestClient, sample: Path) -> None:
    response = client.get("/translations/export?to=km&format=xlsx")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="KHM-to-km.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    texts = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any(t.startswith(SOURCE_START) for t in texts)
    assert UNIT in texts
    assert not (sample / "build").exists()


@pytest.mark.parametrize(("query", "expected"), [
    ("to=xx&format=xliff", "Language 'xx' is not a language of this review (en, km)."),
    ("to=km&format=pdf", "'pdf' is not a format the texts to translate can be exported in."),
])
def test_export_of_an_unknown_language_or_format_says_why(client: TestClient, query: str, expected: str) -> None:
    response = client.get("/translations/export?" + query)
    assert response.status_code == 400
    assert "content-disposition" not in response.headers
    assert any(m.replace("&#39;", "'").startswith(expected) for m in _messages(response.text))


# ---------------------------------------------------------------- import


def test_round_trip_stores_one_translation(client: TestClient, sample: Path) -> None:
    before = _pending(client.get("/translations").text, "km")
    exported = client.get("/translations/export?to=km&format=xliff").content
    csrf = _csrf(client.get("/translations").text)

    status, html = _upload(client, _fill(exported, {UNIT: KM_TEXT}), "km-done.xlf", csrf, translator="Sok Dara")
    assert status == 200, _messages(html)
    assert "Translations imported" in html
    assert re.search(r'data-count="stored" data-lang="km">.*?<td class="number">1</td>', html, re.S)
    assert "km-done.xlf" in html
    assert "gcmreview-upload-" not in html
    assert _pending(html, "km") == before - 1
    assert _standing(html, "km", "translated") == 1

    store = json.loads((sample / "inputs" / "translations" / "km.json").read_text(encoding="utf-8"))
    assert store["units"][UNIT]["text"] == KM_TEXT
    assert store["units"][UNIT]["translator"] == "Sok Dara"
    assert _pending(client.get("/translations").text, "km") == before - 1


def test_a_second_import_keeps_the_translations_it_replaces(client: TestClient, sample: Path) -> None:
    exported = client.get("/translations/export?to=km&format=xliff").content
    csrf = _csrf(client.get("/translations").text)
    assert _upload(client, _fill(exported, {UNIT: KM_TEXT}), "first.xlf", csrf)[0] == 200
    first = (sample / "inputs" / "translations" / "km.json").read_bytes()

    status, html = _upload(client, _fill(exported, {UNIT: KM_TEXT + " ២"}), "second.xlf", csrf)
    assert status == 200
    kept = list((sample / "inputs" / "history" / "translations").glob("*-km.json"))
    assert [p.read_bytes() for p in kept] == [first]
    assert kept[0].relative_to(sample).as_posix() in html


def test_a_file_that_is_not_xliff_is_refused_by_its_name(client: TestClient, sample: Path) -> None:
    folder = sample / "inputs" / "translations"
    before = _snapshot(folder)
    csrf = _csrf(client.get("/translations").text)

    status, html = _upload(client, b"Dear translator, here are the texts.", "km-<i>done.txt", csrf)
    assert status == 422
    assert "Translation file not accepted" in html
    messages = _messages(html)
    assert any(m.startswith("The translation file cannot be read: it is neither an XLIFF file nor an Excel workbook") for m in messages)
    assert '<td class="file">km-&lt;i&gt;done.txt</td>' in html  # named as sent, and only as text
    assert "<i>done" not in html
    assert "gcmreview-upload-" not in html and "/tmp/" not in html
    assert _snapshot(folder) == before


def test_a_translator_name_with_a_control_character_is_refused(client: TestClient, sample: Path) -> None:
    exported = client.get("/translations/export?to=km&format=xliff").content
    csrf = _csrf(client.get("/translations").text)
    status, html = _upload(client, _fill(exported, {UNIT: KM_TEXT}), "km.xlf", csrf, translator="Sok\x07Dara")
    assert status == 422
    assert 'data-code="GCM213"' in html
    assert not (sample / "inputs" / "translations" / "km.json").exists()


def test_a_form_without_a_file_says_so(client: TestClient, sample: Path) -> None:
    csrf = _csrf(client.get("/translations").text)
    response = client.post("/translations/import", data={"csrf": csrf}, files={"file": ("", b"", "application/octet-stream")})
    assert response.status_code == 400
    assert 'data-code="GCM123"' in response.text


def test_post_without_csrf_is_refused_and_stores_nothing(client: TestClient, sample: Path) -> None:
    exported = client.get("/translations/export?to=km&format=xliff").content
    filled = _fill(exported, {UNIT: KM_TEXT})
    assert _upload(client, filled, "km.xlf", None)[0] == 403
    assert _upload(client, filled, "km.xlf", "forged")[0] == 403
    assert not (sample / "inputs" / "translations" / "km.json").exists()


def test_an_upload_over_the_limit_is_refused(client: TestClient, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert gcmreview.MAX_TRANSLATION_BYTES == gcmreview.translations.MAX_FILE_BYTES
    monkeypatch.setattr(gcmreview, "MAX_TRANSLATION_BYTES", 2**20)  # sending 64 MB would only make the test slow
    exported = client.get("/translations/export?to=km&format=xliff").content
    csrf = _csrf(client.get("/translations").text)
    padded = _fill(exported, {UNIT: KM_TEXT}) + b"<!--" + b" " * (2**20 + 100_000) + b"-->"

    status, html = _upload(client, padded, "huge.xlf", csrf)
    assert status == 413
    assert 'data-code="GCM246"' in html
    assert any(m.startswith("The file is larger than 1 MB, the most a translation file may be") for m in _messages(html))
    assert not (sample / "inputs" / "translations" / "km.json").exists()


# ---------------------------------------------------------------- who may


ROUTES = [("get", "/translations"), ("get", "/translations/export?to=km&format=xliff"), ("post", "/translations/import")]


def _ask(client: TestClient, method: str, url: str) -> int:
    if method == "get":
        return client.get(url).status_code
    return client.post(url, data={"csrf": "x"}, files={"file": ("km.xlf", b"<xliff/>", "application/xml")}).status_code


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_a_ministry_may_not(app: Starlette, sample: Path, method: str, url: str) -> None:
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    token = app.state.gcm.keys.create_link("MOLVT")
    assert client.get(f"/m/{token}").status_code == 200
    assert _ask(client, method, url) == 403
    assert not (sample / "inputs" / "translations" / "km.json").exists()


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_nobody_signed_in_may_not(app: Starlette, method: str, url: str) -> None:
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    assert _ask(client, method, url) == 403


# ---------------------------------------------------------------- the library's part


def test_import_names_the_file_as_given(sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_bytes(b"not a translation")
    with pytest.raises(gcmreview.GcmReviewError) as raised:
        gcmreview.import_translations(sample, path, display="km-done.xlf")
    assert [d.location.file for d in raised.value.diagnostics] == ["km-done.xlf"]


def test_excerpt_cuts_at_a_boundary_never_inside_a_letter() -> None:
    assert gcmreview.excerpt("one  two\nthree four", 14) == "one two three…"
    khmer = "ក្រសួងការងារនិងបណ្តុះបណ្តាលវិជ្ជាជីវៈ"
    cut = gcmreview.excerpt(khmer, 12, "km")
    assert cut.endswith("…") and len(cut) <= 12 and khmer.startswith(cut[:-1])
    assert not cut[:-1].endswith("\u17d2")  # not between a COENG and its consonant
    assert gcmreview.excerpt("short", 12) == "short"
