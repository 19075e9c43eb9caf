"""``gcmreview serve`` in a real browser: a ministry's link, uploads, the overview and a build, as people use them.

Headless Debian Chromium (through Playwright, as in test_report_browser.py) talks
to the app served by uvicorn on 127.0.0.1 (tests/webserver.py). The coordinator
and the ministry each have a browser context of their own (their own cookies).
Screenshots of every step are saved in the test's temporary folder.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from webserver import running

import gcmreview
from gcmreview.web import create_app

REPO = Path(__file__).resolve().parents[1]
TOKEN = "browser-test-coordinator-token"
CODE = "MOLVT"
BAD_EMAIL = "keo.chanthou.at.molvt"
NEW_SENTENCE = "Kampot opened two job centres for returning workers in 2021."
BUILD_TIMEOUT_MS = 240_000
STEP_TIMEOUT_MS = 60_000


class Workbooks:
    """The sample's MOLVT workbook with a bad e-mail address (GCM204), and corrected with a new answer."""

    def __init__(self, folder: Path, original: Path) -> None:
        folder.mkdir()
        self.bad = folder / "molvt-bad-email.xlsx"
        self.good = folder / "molvt-corrected.xlsx"
        self.email_cell = _value_cell(original, "Contributor", "email")
        self.answer_cell = _answer_cell(original, "1a", "Answer (en)")
        _edit(original, self.bad, "Contributor", {self.email_cell: BAD_EMAIL})
        _edit(original, self.good, "Answers", {self.answer_cell: NEW_SENTENCE})


def _value_cell(path: Path, sheet: str, field: str) -> str:
    """The Value cell of the Contributor sheet's row ``field``."""
    ws = openpyxl.load_workbook(path)[sheet]
    row = next(r for r in ws.iter_rows() if r[0].value == field)
    return str(row[2].coordinate)


def _answer_cell(path: Path, question: str, header: str) -> str:
    """The cell of ``question``'s answer in the Answers table, found by the table's (English) header row."""
    ws = openpyxl.load_workbook(path)["Answers"]
    table = next(iter(ws.tables.values()))
    grid = ws[table.ref]
    column = [c.value for c in grid[0]].index(header)
    return str(next(row[column].coordinate for row in grid[1:] if row[0].value == question))


def _edit(source: Path, target: Path, sheet: str, values: dict[str, str]) -> None:
    wb = openpyxl.load_workbook(source)
    for cell, value in values.items():
        wb[sheet][cell].value = value
    wb.save(target)


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, Workbooks]:
    """A copy of the sample workspace without MOLVT's workbook (MOLVT starts as missing), and its two uploads."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    shutil.copytree(REPO / "inputs", workspace / "inputs")
    shutil.copytree(REPO / "templates", workspace / "templates")
    original = workspace / "inputs" / gcmreview.workbook_name(CODE)
    books = Workbooks(tmp_path / "uploads", original)
    original.unlink()
    return workspace, books


_FAILED_LOAD = "Failed to load resource: the server responded with a status of"


class Recorder:
    """Console errors and warnings, page errors and every request of one browser context (all its pages and frames).

    Chromium also logs a page answered with an error status as a console error:
    the refused upload's page (422) is such a page, which the test expects (it
    checks that status itself); ``expected`` lists (url, status) pairs not to count.
    """

    def __init__(self, context: Any, who: str) -> None:
        self.who = who
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.expected: list[tuple[str, int]] = []
        context.on("console", self._console)
        context.on("weberror", lambda e: self.errors.append(f"{who} page error: {e.error}"))
        context.on("request", lambda r: self.requests.append(r.url))

    def _console(self, message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        for url, status in self.expected:
            if message.location.get("url") == url and message.text.startswith(f"{_FAILED_LOAD} {status} "):
                self.expected.remove((url, status))
                return
        self.errors.append(f"{self.who} console {message.type}: {message.text} ({message.location})")

    def expect(self, url: str, status: int) -> None:
        """The page at ``url`` is to answer with the error status ``status``: its console line is not a problem."""
        self.expected.append((url, status))

    def elsewhere(self, base: str) -> list[str]:
        """The requests that did not go to the app."""
        return sorted({u for u in self.requests if not (u == base or u.startswith(base + "/") or u.startswith(("data:", "about:")))})


class Shots:
    """Full-page screenshots, numbered in the order taken."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []

    def __call__(self, page: Any, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        print(f"screenshot: {path}")


def pdf_text(path: Path) -> str:
    """The PDF's text with white space collapsed (lines joined; a word hyphenated at a line end joined again)."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, timeout=120, check=True)
    joined = re.sub(r"(\w)[-\u00ad]\s*\n\s*(\w)", r"\1\2", done.stdout)
    return " ".join(joined.split())


def test_ministry_uploads_and_coordinator_builds_in_a_browser(browser: Any, sample: tuple[Path, Workbooks], tmp_path: Path) -> None:
    workspace, books = sample
    shot = Shots(tmp_path)
    with running(create_app(workspace, coordinator_token=TOKEN, announce=lambda line: None)) as base:
        coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        ministry = browser.new_context(viewport={"width": 1280, "height": 900})
        seen = [Recorder(coordinator, "coordinator"), Recorder(ministry, "ministry")]
        coordinator.set_default_timeout(STEP_TIMEOUT_MS)
        ministry.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            office = coordinator.new_page()
            link = _coordinator_creates_link(office, base, shot)
            desk = ministry.new_page()
            _ministry_uploads(desk, link, books, shot, seen[1])
            _coordinator_sees_received(office, base, shot)
            pdf = _coordinator_builds(office, base, shot, tmp_path)
        finally:
            coordinator.close()
            ministry.close()

    assert NEW_SENTENCE in pdf_text(pdf), "the English PDF does not contain the ministry's new answer"
    for recorder in seen:
        assert recorder.errors == [], f"the {recorder.who}'s browser reported problems"
        assert recorder.requests, f"no request recorded for the {recorder.who}"
        assert recorder.elsewhere(base) == [], f"the {recorder.who}'s pages made requests outside the app"
    assert [p.name for p in shot.taken] == [
        "01-overview.png", "02-link-created.png", "03-ministry-page.png", "04-ministry-error.png", "05-ministry-accepted.png",
        "06-overview-received.png", "07-build-progress.png", "08-build-done.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in shot.taken)


def _coordinator_creates_link(page: Any, base: str, shot: Shots) -> str:
    """The coordinator signs in, sees MOLVT missing on the overview, and creates MOLVT's link."""
    page.goto(f"{base}/signin?token={TOKEN}")
    page.wait_for_url(f"{base}/")
    row = page.locator(f'table.contributors tr[data-code="{CODE}"]')
    assert row.get_attribute("class") == "missing"
    assert "missing" in row.locator("td.state").inner_text()
    assert page.locator("#summary").inner_text().count("Workbooks received: 5 of 6") == 1
    page.frame_locator("iframe.report-frame").locator("body").wait_for()
    shot(page, "overview")

    row.locator("th a").click()
    page.wait_for_url(f"{base}/contributors/{CODE}")
    page.get_by_role("button", name="Create a new link").click()
    field = page.locator("input#new-link")
    field.wait_for()
    link = field.input_value()
    assert re.fullmatch(re.escape(base) + r"/m/[A-Za-z0-9_-]{20,}", link), link
    assert "A link is active since" in page.locator("section.link").inner_text()
    shot(page, "link-created")
    return str(link)


def _ministry_uploads(page: Any, link: str, books: Workbooks, shot: Shots, recorder: Recorder) -> None:
    """The ministry opens its link (in Khmer), uploads a workbook with an error, reads it, uploads the corrected one."""
    km = gcmreview.translator("km")
    page.goto(link)
    page.wait_for_url(re.compile(r".*/ministry$"))
    assert page.locator("html").get_attribute("lang") == "km-KH", "a ministry's page opens in the review's national language"
    assert "ក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ" in page.locator("h1").inner_text()
    shot(page, "ministry-page")

    page.locator("input#workbook").set_input_files(books.bad)
    recorder.expect(link.split("/m/")[0] + "/ministry/upload", 422)
    with page.expect_response(lambda r: r.url.endswith("/ministry/upload")) as answer:
        page.locator("form.upload button[type=submit]").click()
    assert answer.value.status == 422
    error = page.locator('#result table.diagnostics tr[data-code="GCM204"]')
    error.wait_for()
    assert page.locator("#result").get_attribute("class") == "result bad"
    assert error.locator("td.sheet").inner_text() == "Contributor"
    assert error.locator("td.cell").inner_text() == books.email_cell == "C12"
    expected = km(gcmreview.Code.BAD_EMAIL.template).format(value=BAD_EMAIL)
    assert "មិនមែនជាអាសយដ្ឋានអ៊ីមែលទេ" in expected, "the Khmer catalog translates GCM204"
    assert error.locator("td.message").inner_text() == expected
    assert page.locator("section[aria-labelledby=check-h]").inner_text().count(km("No workbook has been received yet.")) == 1
    shot(page, "ministry-error")

    page.locator("input#workbook").set_input_files(books.good)
    with page.expect_response(lambda r: r.url.endswith("/ministry/upload")) as answer:
        page.locator("form.upload button[type=submit]").click()
    assert answer.value.status == 200
    result = page.locator("#result")
    result.wait_for()
    assert result.get_attribute("class") == "result ok"
    assert km("Workbook accepted") in result.inner_text()
    assert books.good.name in result.inner_text()
    assert page.locator("table.history tbody tr").count() == 2  # the refused upload and the stored one, newest first
    assert page.locator("table.history tbody tr").first.get_attribute("class") == "stored"
    shot(page, "ministry-accepted")


def _coordinator_sees_received(page: Any, base: str, shot: Shots) -> None:
    page.goto(f"{base}/")
    row = page.locator(f'table.contributors tr[data-code="{CODE}"]')
    assert row.get_attribute("class") == "received"
    assert "received" in row.locator("td.state").inner_text()
    assert "(stored)" in row.inner_text()
    assert page.locator("#summary").inner_text().count("Workbooks received: 6 of 6") == 1
    page.frame_locator("iframe.report-frame").locator("body").wait_for()
    shot(page, "overview-received")


def _coordinator_builds(page: Any, base: str, shot: Shots, folder: Path) -> Path:
    """The coordinator builds, watches the progress list fill, and downloads the English PDF."""
    page.goto(f"{base}/build")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url == f"{base}/build") as started:
        page.get_by_role("button", name="Build the submission").click()
    assert started.value.status == 303
    page.wait_for_load_state()
    page.locator("ol.tasks li").first.wait_for(timeout=BUILD_TIMEOUT_MS)
    tasks = page.locator("ol.tasks li").count()
    running = page.locator("#progress").get_attribute("data-status")
    shot(page, "build-progress")
    name = "KHM-escap-2020.en.pdf"
    page.locator('#progress[data-status="done"]').wait_for(timeout=BUILD_TIMEOUT_MS)
    download_link = page.locator("table.outputs a[download]", has_text=re.compile("^" + re.escape(name) + "$"))
    download_link.wait_for(timeout=BUILD_TIMEOUT_MS)
    assert tasks >= 1 and running in ("running", "done")
    assert page.locator("ol.tasks li").count() >= tasks
    assert re.search(r"Built in [\d.]+ s", page.locator("#progress p.status").inner_text())
    shot(page, "build-done")
    with page.expect_download(timeout=STEP_TIMEOUT_MS) as download:
        download_link.click()
    assert download.value.suggested_filename == name
    target = folder / name
    download.value.save_as(target)
    assert target.read_bytes()[:5] == b"%PDF-"
    return target


def _other_site(target: str) -> Any:
    """A page of another origin (another port of 127.0.0.1: the same site, so SameSite cookies go along) with a form to ``target``."""
    html = (f'<!DOCTYPE html><title>elsewhere</title><link rel="icon" href="data:,"><form method="post" action="{target}">'
            '<input type="hidden" name="csrf" value="guessed"><button type="submit">Send</button></form>').encode()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": html})

    return app


def test_a_form_sent_from_another_origin_is_refused(browser: Any, sample: tuple[Path, Workbooks], tmp_path: Path) -> None:
    """The coordinator, signed in, opens another local site whose form posts to the app: refused (403), nothing changed."""
    workspace, _ = sample
    links = workspace / "inputs" / gcmreview.HISTORY / "links.json"
    with running(create_app(workspace, coordinator_token=TOKEN, announce=lambda line: None)) as base:
        target = f"{base}/contributors/{CODE}/link"
        with running(_other_site(target)) as elsewhere:
            context = browser.new_context()
            seen = Recorder(context, "coordinator")
            context.set_default_timeout(STEP_TIMEOUT_MS)
            try:
                page = context.new_page()
                page.goto(f"{base}/signin?token={TOKEN}")
                page.wait_for_url(f"{base}/")
                page.goto(f"{elsewhere}/")
                seen.expect(target, 403)
                with page.expect_response(target) as answer:
                    page.get_by_role("button", name="Send").click()
                assert answer.value.status == 403
                assert answer.value.header_value("content-security-policy") is not None
                assert "Refused: this form was sent from another site." in page.locator("body").inner_text()
                page.screenshot(path=tmp_path / "refused.png", full_page=True)
            finally:
                context.close()
    assert not links.exists() or CODE not in json.loads(links.read_text(encoding="utf-8"))
    assert seen.errors == []
