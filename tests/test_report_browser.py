"""The coordinator's report in a real browser: headless Chromium opens it from disk, as from a USB stick.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright``
Python package (``pip install playwright``; its own browser download is not
used). Missing either is a failure, not a skip: the report must be checked in a
browser. ``GCMREVIEW_CHROMIUM`` names another Chromium binary.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import WriteWorkbook
from test_report import build_report_workspace

from gcmreview.i18n import translator
from gcmreview.prepared import prepare
from gcmreview.render.report import render_reports


@pytest.fixture
def report_file(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any], tmp_path: Path) -> Path:
    """The report of a small review (COORD and LAB sent workbooks, HEALTH did not), written to a folder of its own."""
    build_report_workspace(workspace, write_workbook, contribution_data)
    folder = tmp_path / "stick"
    folder.mkdir()
    for name, html in render_reports(prepare(workspace), workspace).items():
        (folder / name).write_text(html, encoding="utf-8")
    return folder / "report.html"


class Recorder:
    """Console messages, page errors and every request the page makes."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))


def test_report_opens_offline_and_switches_language(browser: Any, report_file: Path, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = Recorder(page)
    url = report_file.as_uri()
    page.goto(url, wait_until="load")

    en = page.locator('[data-lang-block="en"]')
    assert en.is_visible() and page.locator('[data-lang-block="km"]').is_hidden()
    heatmap = en.locator("svg.heatmap")
    assert heatmap.is_visible() and heatmap.bounding_box()["width"] > 400
    assert page.get_by_role("img", name=re.compile("Coverage of the GCM objectives")).count() == 1  # the visible one
    assert heatmap.locator("g.hm-row").count() == 23
    assert heatmap.locator("g.hm-col").evaluate_all("cols => cols.map(c => c.dataset.contributor)") == ["COORD", "LAB", "HEALTH"]
    twelve = heatmap.locator('g.hm-row[data-objective="12"]')
    assert twelve.get_attribute("data-covered") == "false" and "not covered" in twelve.text_content()
    assert twelve.locator("path.hm-hatch").count() == 1 and twelve.locator("rect.hm-uncovered-outline").count() == 1
    assert heatmap.locator('g.hm-cell[data-objective="6"][data-contributor="LAB"]').get_attribute("data-count") == "2"
    assert en.locator('table.contributors tr[data-contributor="HEALTH"]').inner_text().count("missing") == 1
    page.screenshot(path=tmp_path / "report-en.png", full_page=True)

    switch = page.locator('button[data-switch-lang="km"]')
    assert switch.is_visible(), "the script shows the language switch"
    switch.click()
    km = page.locator('[data-lang-block="km"]')
    assert km.is_visible() and en.is_hidden()
    question = translator("km")("Question")
    assert question != "Question" and km.get_by_text(question, exact=True).first.is_visible()
    assert km.get_by_text("ក្រសួងសុខាភិបាល").first.is_visible()
    assert page.evaluate("document.documentElement.lang") == "km-KH"
    assert switch.get_attribute("aria-pressed") == "true"
    assert page.locator('button[data-switch-lang="en"]').get_attribute("aria-pressed") == "false"
    assert km.locator("svg.heatmap g.hm-row").count() == 23
    page.screenshot(path=tmp_path / "report-km.png", full_page=True)

    page.reload(wait_until="load")  # the choice is kept in the address (#lang=km)
    assert page.locator('[data-lang-block="km"]').is_visible() and en.is_hidden()
    page.locator('button[data-switch-lang="en"]').click()
    assert en.is_visible()

    page.emulate_media(media="print")
    assert page.locator(".lang-switch").is_hidden() and heatmap.is_visible()
    page.screenshot(path=tmp_path / "report-print.png", full_page=True)

    assert seen.errors == []
    assert set(seen.requests) == {url}, f"the page loaded something besides itself: {sorted(set(seen.requests) - {url})}"
    for name in ("report-en.png", "report-km.png", "report-print.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_national_language_file_opens_in_that_language(browser: Any, report_file: Path) -> None:
    page = browser.new_page()
    seen = Recorder(page)
    page.goto((report_file.parent / "report.km.html").as_uri(), wait_until="load")
    assert page.locator('[data-lang-block="km"]').is_visible() and page.locator('[data-lang-block="en"]').is_hidden()
    assert page.evaluate("document.documentElement.lang") == "km-KH"
    assert seen.errors == [] and len(set(seen.requests)) == 1
