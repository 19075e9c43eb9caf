"""The web app's routes through the in-process ASGI client: every page and action, and who may use each.

The workspace is the small one of ``conftest`` (COORD, LAB, HEALTH; LAB's workbook in
inputs/). Every refusal is checked to write nothing: the inputs are hashed before
and after. The hostile corpus of ``test_hostile`` goes through the upload path: each
file gives the same message as ``check`` gives, and nothing is stored.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CONTRIBUTION, WriteWorkbook
from starlette.testclient import TestClient
from test_hostile import REFUSED, Refused, _matches, base_workbook, canary  # noqa: F401  (fixtures)
from test_hostile_workbook import CASES, FLOODS, TOO_LARGE

import gcmreview
from gcmreview.web import create_app

TOKEN = "coordinator-token-for-tests-0123456789abcdef"
BASE = "http://127.0.0.1:8765"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inputs_state(workspace: Path) -> dict[str, str]:
    """Every file under inputs/ (history and links included) by its SHA-256."""
    return {p.relative_to(workspace).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((workspace / "inputs").rglob("*")) if p.is_file()}


class Web:
    """The app of a workspace and clients signed in as its coordinator or a ministry."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.announced: list[str] = []
        self.app = create_app(workspace, coordinator_token=TOKEN, announce=self.announced.append)
        self.clients: list[TestClient] = []

    def client(self, **kwargs: Any) -> TestClient:
        client = TestClient(self.app, base_url=BASE, **kwargs)
        self.clients.append(client)
        return client

    def coordinator(self) -> TestClient:
        client = self.client()
        assert client.get(f"/signin?token={TOKEN}").status_code == 200
        return client

    def ministry(self, code: str, lang: str | None = "en") -> TestClient:
        """A client signed in with ``code``'s link; its pages in ``lang`` (as if chosen with the switch), or by default in the national language."""
        client = self.client()
        token = self.app.state.gcm.keys.create_link(code)
        assert client.get(f"/m/{token}").status_code == 200
        if lang is not None:
            client.cookies.set("gcmreview_lang", lang)
        return client

    @staticmethod
    def csrf(client: TestClient, url: str) -> str:
        found = CSRF.search(client.get(url).text)
        assert found, f"no CSRF token on {url}"
        return found.group(1)


@pytest.fixture
def web(workspace: Path, write_workbook: WriteWorkbook) -> Iterator[Web]:
    write_workbook()  # inputs/lab.xlsx
    web = Web(workspace)
    yield web
    for client in web.clients:
        client.close()


def _upload(client: TestClient, url: str, csrf: str, data: bytes, name: str = "lab.xlsx") -> Any:
    return client.post(url, data={"csrf": csrf}, files={"workbook": (name, data, XLSX)})


def _rows(html: str) -> list[tuple[str, str, str, str]]:
    """The diagnostics table of a page: (code, sheet, cell, message) per row, as text."""
    rows = re.findall(r'<td class="code">(.*?)</td>.*?<td class="sheet">(.*?)</td>\s*<td class="cell">(.*?)</td>\s*'
                      r'<td class="message">(.*?)</td>', html, re.S)
    from html import unescape
    return [tuple(unescape(x) for x in row) for row in rows]  # type: ignore[misc]


def _changed(workbook: Path, text: str) -> bytes:
    """The workbook with its first English answer replaced by ``text``, as bytes."""
    wb = openpyxl.load_workbook(workbook)
    wb["Answers"]["E5"].value = text
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the coordinator's pages and actions

def test_coordinator_overview_report_and_contributor_pages(web: Web) -> None:
    c = web.coordinator()
    overview = c.get("/")
    assert overview.status_code == 200
    assert "Workbooks received: 1 of 3" in overview.text
    assert re.search(r'data-code="LAB" class="received"', overview.text)
    assert re.search(r'data-code="HEALTH" class="missing"', overview.text)
    report = c.get("/report")
    assert report.status_code == 200 and "Coordinator&#39;s report" in report.text
    assert report.headers["content-security-policy"].startswith("default-src 'none'; style-src 'sha256-")
    km = c.get("/report?lang=km")
    assert '<html lang="km' in km.text
    page = c.get("/contributors/LAB")
    assert page.status_code == 200 and "Ministry of Labour" in page.text
    assert "The workbook received last has no errors and no warnings." in page.text  # the valid workbook of conftest
    assert c.get("/contributors/NOPE").status_code == 404
    blank = c.get("/contributors/HEALTH/blank.xlsx")
    assert blank.status_code == 200 and blank.headers["content-disposition"] == 'attachment; filename="health.xlsx"'
    wb = openpyxl.load_workbook(io.BytesIO(blank.content))
    assert "Answers" in wb.sheetnames
    stored = c.get("/contributors/LAB/workbook.xlsx")
    assert stored.content == (web.workspace / "inputs" / "lab.xlsx").read_bytes()
    assert c.get("/contributors/HEALTH/workbook.xlsx").status_code == 404  # none received


def test_coordinator_upload_keeps_the_replaced_workbook_and_logs(web: Web) -> None:
    c = web.coordinator()
    old = (web.workspace / "inputs" / "lab.xlsx").read_bytes()
    new = _changed(web.workspace / "inputs" / "lab.xlsx", "Labour attachés now visit the workers' hostels every month.")
    response = _upload(c, "/contributors/LAB/upload", web.csrf(c, "/contributors/LAB"), new, "Labour answers final.xlsx")
    assert response.status_code == 200, response.text
    assert "Workbook accepted" in response.text and "Labour answers final.xlsx was checked and stored." in response.text
    assert (web.workspace / "inputs" / "lab.xlsx").read_bytes() == new
    kept = list((web.workspace / "inputs" / "history" / "LAB").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == old and kept[0].name.endswith("-lab.xlsx")
    [upload] = gcmreview.read_uploads(web.workspace)
    assert (upload.contributor, upload.file, upload.size, upload.outcome) == ("LAB", "Labour answers final.xlsx", len(new), "stored")
    assert upload.sha256 == hashlib.sha256(new).hexdigest() and upload.client == "testclient"
    assert upload.kept == f"inputs/history/LAB/{kept[0].name}"
    page = c.get("/contributors/LAB").text
    assert "Labour answers final.xlsx" in page and "testclient" in page  # the history, with where it came from
    assert re.search(r'data-code="LAB" class="received"', c.get("/").text)


def test_links_are_created_shown_once_and_revoked(web: Web) -> None:
    c = web.coordinator()
    csrf = web.csrf(c, "/contributors/HEALTH")
    created = c.post("/contributors/HEALTH/link", data={"csrf": csrf})
    link = re.search(r'value="(http://127\.0\.0\.1:8765/m/[A-Za-z0-9_-]+)"', created.text)
    assert link, created.text
    assert web.announced == [f"Link for HEALTH (Ministry of Health): {link.group(1)}"]
    token = link.group(1).rsplit("/", 1)[1]
    assert token not in (web.workspace / "inputs" / "history" / "links.json").read_text()  # only its hash is kept
    assert token not in c.get("/contributors/HEALTH").text  # shown once
    m = web.client()
    opened = m.get(f"/m/{token}")
    assert opened.status_code == 200 and 'http-equiv="refresh" content="0; url=/ministry"' in opened.text
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Ministry of Health" in m.get("/ministry").text or "ក្រសួងសុខាភិបាល" in m.get("/ministry").text
    revoked = c.post("/contributors/HEALTH/link/revoke", data={"csrf": csrf})
    assert "The link was revoked" in revoked.text
    assert m.get("/ministry").status_code == 403
    assert web.client().get(f"/m/{token}").status_code == 404


def test_build_with_progress_then_outputs_downloadable(web: Web) -> None:
    c = web.coordinator()
    csrf = web.csrf(c, "/build")
    assert "No build has been started" in c.get("/build").text
    started = c.post("/build", data={"csrf": csrf}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == "/build"
    again = c.post("/build", data={"csrf": csrf}, follow_redirects=False)  # one at a time
    assert again.status_code in (303, 409)
    if again.status_code == 409:
        assert "A build is running already" in again.text
    state = web.app.state.gcm.builds.wait(240)
    assert state.status == "done", (state.message, state.diagnostics)
    status = c.get("/build/status").json()
    assert status["status"] == "done" and [t["name"] for t in status["tasks"]] == ["Reading workbooks", "Rendering documents"]
    assert all(t["done"] == t["total"] for t in status["tasks"])
    page = c.get("/build").text
    assert "KHM-escap-2020.en.pdf" in page and re.search(r"\d+ pages", page)
    pdf = c.get("/build/files/KHM-escap-2020.en.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert c.get("/build/files/KHM-escap-2020.en.pdf?view=1").headers["content-disposition"].startswith("inline")
    report = c.get("/build/files/report.html")
    assert report.status_code == 200 and "sandbox" in report.headers["content-security-policy"]
    for name in ("..%2Finputs%2Freview.toml", "%2E%2E", ".cache", ".lock", "KHM-escap-2020.en.pdf.tmp", "%2Fetc%2Fpasswd",
                 "..%5Cinputs%5Creview.toml"):
        refused = c.get(f"/build/files/{name}")
        assert refused.status_code == 404 and "content-disposition" not in refused.headers, name


def test_ministry_page_opens_in_the_national_language_and_shows_only_its_own(web: Web, write_workbook: WriteWorkbook) -> None:
    health = dict(CONTRIBUTION, contributor="HEALTH", identity=dict(CONTRIBUTION["identity"], ministry="Ministry of Health"))
    write_workbook(health)
    c = web.coordinator()
    _upload(c, "/contributors/HEALTH/upload", web.csrf(c, "/contributors/HEALTH"),
            (web.workspace / "inputs" / "health.xlsx").read_bytes(), "health-secret-name.xlsx")
    m = web.ministry("LAB", lang=None)
    page = m.get("/ministry")
    assert page.status_code == 200 and '<html lang="km-KH">' in page.text
    assert "ក្រសួងការងារ" in page.text
    assert "health-secret-name.xlsx" not in page.text and "HEALTH" not in page.text
    assert m.get("/ministry?lang=en").text.count("Ministry of Labour") >= 1
    assert m.get("/ministry/workbook.xlsx").content == (web.workspace / "inputs" / "lab.xlsx").read_bytes()
    blank = m.get("/ministry/blank.xlsx")
    assert blank.headers["content-disposition"] == 'attachment; filename="lab.xlsx"'
    new = _changed(web.workspace / "inputs" / "lab.xlsx", "Recruitment agencies publish their fees online.")
    stored = _upload(m, "/ministry/upload", web.csrf(m, "/ministry"), new)
    assert stored.status_code == 200 and (web.workspace / "inputs" / "lab.xlsx").read_bytes() == new
    assert "testclient" not in m.get("/ministry").text  # the client address is the coordinator's to see


# ---------------------------------------------------------------- who may do what

COORDINATOR_GETS = ["/", "/report", "/contributors/LAB", "/contributors/HEALTH", "/contributors/LAB/blank.xlsx",
                    "/contributors/LAB/workbook.xlsx", "/build", "/build/status", "/build/files/build.log"]
COORDINATOR_POSTS = ["/contributors/LAB/upload", "/contributors/HEALTH/upload", "/contributors/LAB/link",
                     "/contributors/LAB/link/revoke", "/build"]
MINISTRY_GETS = ["/ministry", "/ministry/blank.xlsx", "/ministry/workbook.xlsx"]


def _as(web: Web, who: str) -> TestClient:
    if who == "nobody":
        return web.client()
    if who == "wrong-token":
        client = web.client()
        client.cookies.set("gcmreview_coordinator", TOKEN + "x")
        client.cookies.set("gcmreview_ministry", "not-a-link")
        return client
    if who == "ministry":
        return web.ministry("HEALTH")
    return web.coordinator()


@pytest.mark.parametrize("who", ["nobody", "wrong-token", "ministry"])
def test_coordinator_pages_refuse_everyone_else(web: Web, who: str) -> None:
    client = _as(web, who)
    before = inputs_state(web.workspace)
    for url in COORDINATOR_GETS:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "This page is not open to you" in response.text and "Traceback" not in response.text
    csrf = CSRF.search(client.get("/ministry").text) if who == "ministry" else None
    for url in COORDINATOR_POSTS:
        data = {"csrf": csrf.group(1)} if csrf else {}
        response = client.post(url, data=data, files={"workbook": ("lab.xlsx", b"PK\x03\x04", XLSX)})
        assert response.status_code == 403, url
    assert inputs_state(web.workspace) == before
    assert web.app.state.gcm.builds.state.status == "idle"
    assert sorted(web.app.state.gcm.keys.links()) == (["HEALTH"] if who == "ministry" else [])


@pytest.mark.parametrize("who", ["nobody", "wrong-token", "coordinator"])
def test_ministry_pages_need_a_ministry_link(web: Web, who: str) -> None:
    client = _as(web, who)
    before = inputs_state(web.workspace)
    for url in MINISTRY_GETS:
        assert client.get(url).status_code == 403, url
    assert client.post("/ministry/upload", files={"workbook": ("lab.xlsx", b"PK", XLSX)}).status_code == 403
    assert inputs_state(web.workspace) == before


def test_a_ministry_cannot_reach_another_ministry(web: Web) -> None:
    m = web.ministry("HEALTH")
    csrf = web.csrf(m, "/ministry")
    before = inputs_state(web.workspace)
    lab = (web.workspace / "inputs" / "lab.xlsx").read_bytes()
    assert m.get("/contributors/LAB").status_code == 403
    assert m.get("/contributors/LAB/workbook.xlsx").status_code == 403
    assert _upload(m, "/contributors/LAB/upload", csrf, lab).status_code == 403
    assert m.get("/m/not-the-link-of-anyone").status_code == 404
    refused = _upload(m, "/ministry/upload", csrf, lab)  # LAB's workbook through HEALTH's link
    assert refused.status_code == 422
    [(_, sheet, cell, message)] = [r for r in _rows(refused.text) if r[0] == "GCM121"]
    assert message.startswith("This is the workbook of LAB (Ministry of Labour), but it was uploaded for HEALTH, so it was not stored.")
    assert sheet == "Contributor" and cell
    after = inputs_state(web.workspace)
    assert {k: v for k, v in after.items() if not k.endswith("uploads.log")} == before
    assert [u.outcome for u in gcmreview.read_uploads(web.workspace)] == ["refused"]


def test_posts_without_csrf_proof_or_from_another_origin_are_refused(web: Web) -> None:
    c = web.coordinator()
    csrf = web.csrf(c, "/contributors/LAB")
    lab = (web.workspace / "inputs" / "lab.xlsx").read_bytes()
    before = inputs_state(web.workspace)
    for data in ({}, {"csrf": "0" * 64}, {"csrf": web.app.state.gcm.keys.csrf(web.app.state.gcm.keys.who({}, "ministry"))}):
        assert c.post("/contributors/LAB/link", data=data).status_code == 403
        assert c.post("/build", data=data).status_code == 403
        assert c.post("/contributors/LAB/upload", data=data, files={"workbook": ("lab.xlsx", lab, XLSX)}).status_code == 403
    foreign = {"origin": "http://evil.example.org"}
    assert c.post("/contributors/LAB/link", data={"csrf": csrf}, headers=foreign).status_code == 403
    assert c.post("/build", data={"csrf": csrf}, headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert inputs_state(web.workspace) == before
    assert web.app.state.gcm.keys.links() == {} and web.app.state.gcm.builds.state.status == "idle"
    assert c.post("/contributors/LAB/link", data={"csrf": csrf}, headers={"origin": BASE}).status_code == 200


# ---------------------------------------------------------------- uploads that are refused

def test_upload_over_the_limit_is_refused_while_it_streams(web: Web) -> None:
    m = web.ministry("LAB")
    csrf = web.csrf(m, "/ministry")
    before = inputs_state(web.workspace)
    big = b"PK\x03\x04" + b"\0" * (gcmreview.MAX_UPLOAD_BYTES + 1)
    response = _upload(m, "/ministry/upload", csrf, big)
    assert response.status_code == 413
    [(code, _, _, message)] = _rows(response.text)
    assert code == "GCM122" and message.startswith("The file is larger than 25 MB, the most an upload may be")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="csrf"\r\n\r\n' + csrf.encode() + b"\r\n"
        yield boundary + b'Content-Disposition: form-data; name="workbook"; filename="big.xlsx"\r\n\r\n'
        for _ in range(27):
            yield b"\0" * 2**20
        yield b"\r\n--xyz--\r\n"

    streamed = m.post("/ministry/upload", content=chunks(), headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert streamed.status_code == 413
    assert inputs_state(web.workspace) == before


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("answers.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "GCM102"),
    ("notes.txt", "ចម្លើយ answers\n".encode(), "GCM102"),
    ("empty.xlsx", b"", "GCM123"),
])
def test_non_workbooks_are_refused_with_a_clear_message(web: Web, name: str, data: bytes, expected: str) -> None:
    m = web.ministry("LAB")
    before = inputs_state(web.workspace)
    response = _upload(m, "/ministry/upload?lang=en", web.csrf(m, "/ministry"), data, name)
    assert response.status_code in (400, 422)
    codes = [r[0] for r in _rows(response.text)]
    assert codes == [expected], response.text
    assert {k: v for k, v in inputs_state(web.workspace).items() if not k.endswith("uploads.log")} == before


def test_a_file_name_from_the_sender_is_only_text(web: Web) -> None:
    m = web.ministry("LAB")
    name = '<img src=x onerror=alert(1)>\u202e.xlsx'
    response = _upload(m, "/ministry/upload?lang=en", web.csrf(m, "/ministry"), b"not a workbook", name)
    assert "<img src=x" not in response.text and "&lt;img src=x onerror=" in response.text
    assert "\u202e" not in response.text and "U+202E" in response.text
    [upload] = gcmreview.read_uploads(web.workspace)
    assert upload.file == '<img src=x onerror=alert(1)>U+202E.xlsx'


@pytest.mark.parametrize("case", [c for c in REFUSED if c.id != "huge-file"], ids=[c.id for c in REFUSED if c.id != "huge-file"])
def test_hostile_files_through_the_upload_path(case: Refused, web: Web, base_workbook: Path, canary: tuple[Path, str],  # noqa: F811
                                               tmp_path: Path) -> None:
    """Each file of the hostile corpus: the same one message as `check` gives, naming the uploaded file; nothing stored."""
    case.make(base_workbook, tmp_path / case.name, canary[0])
    data = (tmp_path / case.name).read_bytes()
    m = web.ministry("LAB")
    before = inputs_state(web.workspace)
    response = _upload(m, "/ministry/upload?lang=en", web.csrf(m, "/ministry"), data, case.name)
    if len(data) > gcmreview.MAX_UPLOAD_BYTES:
        assert response.status_code == 413
        return
    assert response.status_code == 422, response.text
    rows = _rows(response.text)
    assert len(rows) == 1, rows
    code, _, _, message = rows[0]
    assert _matches(f"error {code}: {message}", case.line), (code, message)
    assert f'<td class="file">{case.name}</td>' in response.text
    assert canary[1] not in response.text
    assert {k: v for k, v in inputs_state(web.workspace).items() if not k.endswith("uploads.log")} == before
    [upload] = gcmreview.read_uploads(web.workspace)
    assert (upload.outcome, upload.file, upload.size) == ("refused", case.name, len(data))


# ---------------------------------------------------------------- headers and error pages

def test_every_response_carries_the_security_headers(web: Web) -> None:
    c = web.coordinator()
    for url in ["/", "/contributors/LAB", "/static/app.css", "/static/app.js", "/static/fonts.css", "/nope", "/ministry"]:
        response = c.get(url)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", url
        assert "frame-ancestors" in headers["content-security-policy"], url
        assert headers["x-frame-options"] in ("DENY", "SAMEORIGIN"), url
        assert headers["referrer-policy"] == "same-origin", url
    assert c.get("/").headers["content-security-policy"].startswith("default-src 'self'")
    assert "'unsafe-inline'" not in c.get("/").headers["content-security-policy"]
    assert c.get("/static/").status_code == 404 and c.get("/static/../views.py").status_code == 404
    assert c.get("/static/fonts/km").headers["content-type"].startswith("font/")


def test_errors_are_pages_without_a_traceback(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    c = web.coordinator()
    missing = c.get("/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.text and "Traceback" not in missing.text
    assert c.get("/build/status", params={}).status_code == 200
    assert c.put("/build").status_code == 405

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("an internal detail that must not be shown")

    monkeypatch.setattr(gcmreview, "check", broken)
    quiet = web.client(raise_server_exceptions=False)
    quiet.get(f"/signin?token={TOKEN}")
    bug = quiet.get("/")
    assert bug.status_code == 500 and "Something went wrong" in bug.text
    assert "internal detail" not in bug.text and "Traceback" not in bug.text
    assert bug.headers["x-content-type-options"] == "nosniff"


def test_a_broken_review_toml_is_shown_as_its_problems(web: Web) -> None:
    c = web.coordinator()
    (web.workspace / "inputs" / "review.toml").write_text('survey = "escap-2020"\nlanguages = [\n', encoding="utf-8")
    response = c.get("/")
    assert response.status_code == 400
    assert "GCM300" in response.text and "review.toml" in response.text and "Traceback" not in response.text


# ---------------------------------------------------------------- the second round of hostile workbooks



@pytest.mark.parametrize("case", FLOODS, ids=[c.id for c in FLOODS])
def test_floods_through_the_upload_path(case: Any, web: Web, tmp_path: Path) -> None:
    path = tmp_path / "flooded.xlsx"
    path.write_bytes((web.workspace / "inputs" / "lab.xlsx").read_bytes())
    case.make(path)
    m = web.ministry("LAB")
    before = inputs_state(web.workspace)
    response = _upload(m, "/ministry/upload?lang=en", web.csrf(m, "/ministry"), path.read_bytes(), "flooded.xlsx")
    assert response.status_code == 422
    assert [f"inputs/lab.xlsx: error {r[0]}: {r[3]}" for r in _rows(response.text)] == [TOO_LARGE.format(case.detail)]
    assert {k: v for k, v in inputs_state(web.workspace).items() if not k.endswith("uploads.log")} == before


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cells_and_tables_through_the_upload_path(make: Any, expected: list[str], web: Web, tmp_path: Path) -> None:
    """The same message as `check` gives, at the same sheet and cell; stored only when it is a warning."""
    path = tmp_path / "lab.xlsx"
    path.write_bytes((web.workspace / "inputs" / "lab.xlsx").read_bytes())
    make(path)
    m = web.ministry("LAB")
    response = _upload(m, "/ministry/upload?lang=en", web.csrf(m, "/ministry"), path.read_bytes(), "lab.xlsx")
    [line] = expected
    where, _, said = line.partition(": ")
    severity, code, message = re.fullmatch(r"(error|warning) (GCM\d+): (.*)", said).groups()  # type: ignore[union-attr]
    sheet = re.search(r"sheet (\w+)", where).group(1)  # type: ignore[union-attr]
    cell = (re.search(r"cell (\w+)", where) or re.match("()", "")).group(1)  # type: ignore[union-attr]
    assert (code, sheet, cell, message) in _rows(response.text)
    assert response.status_code == (422 if severity == "error" else 200)
    stored = (web.workspace / "inputs" / "lab.xlsx").read_bytes() == path.read_bytes()
    assert stored == (severity == "warning")


def test_one_browser_may_hold_the_coordinator_and_a_ministry_link(web: Web) -> None:
    """At a workshop the coordinator may open a ministry's link on the same laptop: each page goes by its own cookie."""
    c = web.coordinator()
    token = web.app.state.gcm.keys.create_link("LAB")
    c.get(f"/m/{token}")
    assert c.get("/ministry").status_code == 200 and "LAB" in c.get("/ministry").text
    assert c.get("/").status_code == 200
    lab = (web.workspace / "inputs" / "lab.xlsx").read_bytes()
    assert _upload(c, "/ministry/upload", web.csrf(c, "/ministry"), lab).status_code == 200
    [upload] = gcmreview.read_uploads(web.workspace)
    assert upload.contributor == "LAB" and upload.outcome == "stored"
