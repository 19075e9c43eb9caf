"""The settings page of gcmreview serve: who may use it, the form, saving, refusing, text shown as text."""

from __future__ import annotations

import shutil
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gcmreview.config import load_config
from gcmreview.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "c" * 43
BASE = "http://127.0.0.1:8765"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


@pytest.fixture
def client(workspace: Path) -> TestClient:
    app = create_app(workspace, coordinator_token=TOKEN, announce=lambda line: None)
    client = TestClient(app, base_url=BASE)
    assert client.get("/signin?token=" + TOKEN).status_code == 200
    return client


class _Form(HTMLParser):
    """The values a browser would send for the page's settings form, and each field's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.fields: dict[str, dict[str, str | None]] = {}
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("class") == "settings"
        if tag != "input" or not self.inside or not a.get("name"):
            return
        self.fields[a.get("id") or str(a["name"])] = a
        if a.get("type") in ("radio", "checkbox") and "checked" not in a:
            return
        self.values[str(a["name"])] = a.get("value") or ""


def _form(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


def _toml(workspace: Path) -> Path:
    return workspace / "inputs" / "review.toml"


def _history(workspace: Path) -> list[Path]:
    folder = workspace / "inputs" / "history" / "settings"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_coordinator_sees_the_current_settings(client: TestClient) -> None:
    response = client.get("/settings")
    assert response.status_code == 200
    form = _form(response.text)
    assert form.values["contact.email"] == "secretariat@ncct.example.org"
    assert form.values["contact.name.km"] == "សុខ ដារ៉ា"
    assert [form.values[f"row-{n}.code"] for n in range(8)] == ["NCCT", "MOLVT", "MOI-GDI", "MFAIC", "MOH", "MOP", "", ""]
    assert form.values["row-5.name.en"] == "Ministry of Planning" and form.values["coordinator"] == "0"
    for name in ("contact.office.km", "row-0.code", "row-7.name.km", "row-3.remove", "row-1.coordinator"):
        assert f'<label for="{name}"' in response.text  # every field has its label
    assert "Its workbook has arrived: inputs/mop.xlsx" in response.text
    assert "the check then reports it as the workbook of a contributor that review.toml does not list" in response.text


def test_a_ministry_may_not_see_or_change_the_settings(client: TestClient, workspace: Path) -> None:
    token = client.app.state.gcm.keys.create_link("MOLVT")  # type: ignore[attr-defined]
    ministry = TestClient(client.app, base_url=BASE)
    assert ministry.get(f"/m/{token}").status_code == 200
    assert ministry.get("/settings").status_code == 403
    before = _toml(workspace).read_bytes()
    assert ministry.post("/settings", data={"contact.email": "x@y.org"}).status_code == 403
    assert _toml(workspace).read_bytes() == before


def test_without_a_token_the_settings_are_refused(client: TestClient, workspace: Path) -> None:
    stranger = TestClient(client.app, base_url=BASE)
    assert stranger.get("/settings").status_code == 403
    form = _form(client.get("/settings").text).values
    before = _toml(workspace).read_bytes()
    assert stranger.post("/settings", data={**form, "contact.email": "x@y.org"}).status_code == 403
    assert _toml(workspace).read_bytes() == before


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, workspace: Path) -> None:
    form = _form(client.get("/settings").text).values
    before = _toml(workspace).read_bytes()
    del form["csrf"]
    assert client.post("/settings", data={**form, "contact.email": "focal@ncct.example.org"}).status_code == 403
    assert client.post("/settings", data={**form, "csrf": "0" * 64, "contact.email": "focal@ncct.example.org"}).status_code == 403
    assert _toml(workspace).read_bytes() == before and _history(workspace) == []


def test_saving_changes_review_toml_and_keeps_the_previous_file(client: TestClient, workspace: Path) -> None:
    before = _toml(workspace).read_bytes()
    form = _form(client.get("/settings").text).values
    form |= {"contact.email": "focal@ncct.example.org", "contact.position.en": "  Head of Secretariat  ",
             "row-6.code": "MOT", "row-6.name.en": "Ministry of Tourism", "row-6.name.km": "ក្រសួងទេសចរណ៍",
             "row-2.remove": "1", "coordinator": "1"}
    response = client.post("/settings", data=form)
    assert response.status_code == 200
    assert "Settings saved; the previous file was kept as inputs/history/settings/" in response.text
    (kept,) = _history(workspace)
    assert kept.read_bytes() == before and f"inputs/history/settings/{kept.name}" in response.text

    text = _toml(workspace).read_text(encoding="utf-8")
    assert text.startswith("# Sample review workspace: Cambodia's Voluntary GCM Review (ESCAP 2020 survey).\n")
    assert "[contact]                     # the survey's contact block: the coordinating office\n" in text
    assert "# Partner institutions that actions name as lead or partner, with their names in\n" in text
    review = load_config(workspace)
    assert review.contact.email == "focal@ncct.example.org"
    assert review.contact.position["en"] == "Head of Secretariat"
    assert [c.code for c in review.contributors] == ["NCCT", "MOLVT", "MFAIC", "MOH", "MOP", "MOT"]
    assert review.coordinator is not None and review.coordinator.code == "MOLVT"
    # The page shows the file as it is now, with two empty rows again.
    shown = _form(response.text).values
    assert shown["contact.email"] == "focal@ncct.example.org" and shown["row-5.code"] == "MOT" and shown["row-7.code"] == ""


def test_bad_settings_come_back_as_typed_with_the_problems_at_their_fields(client: TestClient, workspace: Path) -> None:
    before = _toml(workspace).read_bytes()
    form = _form(client.get("/settings").text).values
    form |= {"contact.email": "secretariat at ncct", "row-0.remove": "1", "row-4.code": "MOLVT", "row-6.code": "MOT",
             "row-6.name.en": "Ministry of Tourism"}
    response = client.post("/settings", data=form)
    assert response.status_code == 400
    assert "Settings not saved" in response.text
    assert "&#39;secretariat at ncct&#39; is not an e-mail address; write it as name@example.org." in response.text
    page = _form(response.text)
    assert page.values["contact.email"] == "secretariat at ncct" and page.values["row-6.code"] == "MOT"
    assert page.values["row-0.remove"] == "1"
    # Row 0 is removed, so contributors[3] is row 4 and contributors[5] is row 6.
    for field in ("contact.email", "row-4.code", "row-6.name.km"):
        assert page.fields[field].get("aria-invalid") == "true", field
        assert f'id="{field}-problem"' in response.text
    assert page.fields["row-3.code"].get("aria-invalid") is None
    assert "contributor code MOLVT is listed twice" in response.text
    assert "contributor MOT has no name in km; add name.km." in response.text
    assert _toml(workspace).read_bytes() == before and _history(workspace) == []


def test_markup_in_a_name_is_shown_and_stored_as_text(client: TestClient, workspace: Path) -> None:
    name = '<script>alert("x")</script> & <b>Labour</b>'
    form = _form(client.get("/settings").text).values
    form |= {"row-1.name.en": name}
    response = client.post("/settings", data=form)
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<b>Labour" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Labour&lt;/b&gt;" in response.text
    assert _form(response.text).values["row-1.name.en"] == name
    data = tomllib.loads(_toml(workspace).read_text(encoding="utf-8"))
    assert data["contributors"][1]["name"]["en"] == name
    # Refused too, the typed text comes back as text.
    form = _form(response.text).values | {"row-1.code": "<img src=x onerror=alert(1)>"}
    refused = client.post("/settings", data=form)
    assert refused.status_code == 400 and "<img src=x" not in refused.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in refused.text
