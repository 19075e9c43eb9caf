"""``gcmreview serve`` under load: 20 ministries upload at the same moment while a build runs.

The app is served by uvicorn on 127.0.0.1 (tests/webserver.py); each ministry is
an HTTP client of its own holding its link's cookie. Every workbook carries a
marker of its version (``Marker <CODE> v1`` or ``v2``) in its contact block and
its first answer, so that the submission shows which version the build read.
The figures (upload times, build time) are printed: run with ``-s`` to see them.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from webserver import running

import gcmreview
from gcmreview.web import create_app

REPO = Path(__file__).resolve().parents[1]
TOKEN = "load-test-coordinator-token"
SAMPLES = ["MOLVT", "MOI-GDI", "MFAIC", "MOH", "MOP"]
CODES = SAMPLES + [f"M{n:02d}" for n in range(6, 21)]
"""The 20 ministries: the sample's five and fifteen more (the sample's coordinator, NCCT, does not upload)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_REQUEST_SECONDS = 10.0
CLIENT_TIMEOUT = 60.0
BUILD_TIMEOUT = 600.0
START_TIMEOUT = 120.0


@dataclass
class LoadWorkspace:
    path: Path
    old: dict[str, bytes]
    """Each ministry's workbook in inputs/ before the uploads (version 1)."""
    new: dict[str, bytes]
    """The workbook each ministry uploads (version 2)."""


def _review_toml() -> str:
    """The sample's review.toml with fifteen more ministries after its own contributors."""
    sample = (REPO / "inputs" / "review.toml").read_text(encoding="utf-8")
    added = "".join(f'\n[[contributors]]\ncode = "{code}"\nname = {{ en = "Test ministry {code[1:]}", km = "ក្រសួងសាកល្បង {code[1:]}" }}\n'
                    for code in CODES[len(SAMPLES):])
    at = sample.index("[[institutions]]")
    return sample[:at] + added + "\n" + sample[at:]


def _version(source: dict[str, Any], code: str, version: int) -> dict[str, Any]:
    """A sample contribution as ``code``'s, marked with ``version`` in its department and first answer."""
    data: dict[str, Any] = json.loads(json.dumps(source))
    data["contributor"] = code
    data["identity"]["department"] = f"Marker {code} v{version}"
    text = data["answers"][0]["text"]
    lang = "en" if "en" in text else next(iter(text))
    text[lang] += f" Marker {code} v{version}."
    return data


@pytest.fixture
def load_workspace(tmp_path: Path) -> LoadWorkspace:
    """The sample workspace with 20 ministries, each with its version 1 in inputs/ and its version 2 to upload."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    shutil.copytree(REPO / "inputs", workspace / "inputs")
    shutil.copytree(REPO / "templates", workspace / "templates")
    (workspace / "inputs" / "review.toml").write_text(_review_toml(), encoding="utf-8")
    made = tmp_path / "made"
    made.mkdir()
    old: dict[str, bytes] = {}
    new: dict[str, bytes] = {}
    for n, code in enumerate(CODES):
        source = json.loads((REPO / "inputs" / "sources" / f"{SAMPLES[n % len(SAMPLES)].lower()}.json").read_text(encoding="utf-8"))
        for version, into in ((1, old), (2, new)):
            json_path = made / f"{code}-v{version}.json"
            json_path.write_text(json.dumps(_version(source, code, version)), encoding="utf-8")
            _, written = gcmreview.import_contribution(json_path, workspace, output=made / f"{code}-v{version}.xlsx")
            into[code] = written.read_bytes()
        (workspace / "inputs" / gcmreview.workbook_name(code)).write_bytes(old[code])
    checked = gcmreview.check(workspace)
    assert checked.errors == [], [str(d) for d in checked.errors]
    assert len(checked.check.results) == len(CODES) + 1
    return LoadWorkspace(workspace, old, new)


@dataclass
class Timings:
    """How long each request took (seconds), by what it was for."""

    seen: list[tuple[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, client: httpx2.Client, what: str, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        start = time.perf_counter()
        response = client.request(method, url, **kwargs)
        with self.lock:
            self.seen.append((what, time.perf_counter() - start))
        return response

    def of(self, what: str) -> list[float]:
        return [seconds for name, seconds in self.seen if name == what]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Ministry:
    code: str
    client: httpx2.Client
    csrf: str
    response: httpx2.Response | None = None
    started: float = 0.0
    finished: float = 0.0
    failure: BaseException | None = None


def _links(coordinator: httpx2.Client, timings: Timings) -> dict[str, str]:
    """A new link for every ministry, created on its page as the coordinator does."""
    csrf = _csrf(timings.request(coordinator, "page", "GET", "/").text)
    links = {}
    for code in CODES:
        answer = timings.request(coordinator, "link", "POST", f"/contributors/{code}/link", data={"csrf": csrf})
        assert answer.status_code == 200, answer.text
        field_html = re.search(r'<input[^>]*id="new-link"[^>]*>', answer.text)
        assert field_html, f"no new link shown for {code}"
        value = re.search(r'value="([^"]+)"', field_html.group(0))
        assert value
        links[code] = value.group(1)
    return links


def _ministry(base: str, code: str, link: str, timings: Timings) -> Ministry:
    """A ministry's own client: its link opened (the cookie kept), its page read for the form's CSRF token."""
    client = httpx2.Client(base_url=base, timeout=CLIENT_TIMEOUT, follow_redirects=False)
    assert link.startswith(base + "/m/")
    opened = timings.request(client, "page", "GET", link)
    assert opened.status_code == 200 and client.cookies.get("gcmreview_ministry")
    own = timings.request(client, "page", "GET", "/ministry")
    assert own.status_code == 200 and code in own.text
    return Ministry(code, client, _csrf(own.text))


def _upload(ministry: Ministry, data: bytes, barrier: threading.Barrier, timings: Timings) -> None:
    try:
        barrier.wait()
        ministry.started = time.monotonic()
        ministry.response = timings.request(ministry.client, "upload", "POST", "/ministry/upload", data={"csrf": ministry.csrf},
                                            files={"workbook": (f"{ministry.code.lower()}-v2.xlsx", data, XLSX)})
    except BaseException as exc:  # reported by the test
        ministry.failure = exc
    finally:
        ministry.finished = time.monotonic()


def _build_status(coordinator: httpx2.Client, timings: Timings) -> dict[str, Any]:
    answer = timings.request(coordinator, "status", "GET", "/build/status")
    assert answer.status_code == 200
    state: dict[str, Any] = answer.json()
    return state


def _wait_build(coordinator: httpx2.Client, timings: Timings, until: Any, timeout: float) -> dict[str, Any]:
    """The build's state once ``until(state)`` holds; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        state = _build_status(coordinator, timings)
        if until(state):
            return state
        assert time.monotonic() < deadline, f"the build did not get there within {timeout:.0f} s: {state}"
        time.sleep(0.2)


@pytest.fixture
def clients() -> Iterator[list[httpx2.Client]]:
    made: list[httpx2.Client] = []
    yield made
    for client in made:
        client.close()


def test_twenty_ministries_upload_at_once_while_a_build_runs(load_workspace: LoadWorkspace, clients: list[httpx2.Client]) -> None:
    workspace = load_workspace.path
    timings = Timings()
    with running(create_app(workspace, coordinator_token=TOKEN, announce=lambda line: None)) as base:
        coordinator = httpx2.Client(base_url=base, timeout=CLIENT_TIMEOUT, follow_redirects=False)
        clients.append(coordinator)
        assert timings.request(coordinator, "page", "GET", f"/signin?token={TOKEN}").status_code == 200
        links = _links(coordinator, timings)
        ministries = [_ministry(base, code, links[code], timings) for code in CODES]
        clients.extend(m.client for m in ministries)

        csrf = _csrf(timings.request(coordinator, "page", "GET", "/build").text)
        started = timings.request(coordinator, "build", "POST", "/build", data={"csrf": csrf})
        assert started.status_code == 303, started.text
        build_start = time.monotonic()
        reading = _wait_build(coordinator, timings, lambda s: s["status"] != "running" or s["tasks"], START_TIMEOUT)
        assert reading["status"] == "running", f"the build ended before the uploads began: {reading}"

        barrier = threading.Barrier(len(ministries), timeout=START_TIMEOUT)
        threads = [threading.Thread(target=_upload, args=(m, load_workspace.new[m.code], barrier, timings), name=f"upload-{m.code}")
                   for m in ministries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(START_TIMEOUT + 2 * CLIENT_TIMEOUT)
        assert not any(t.is_alive() for t in threads), "an upload did not end"
        during = _build_status(coordinator, timings)
        done = _wait_build(coordinator, timings, lambda s: s["status"] != "running", BUILD_TIMEOUT)
        build_end = time.monotonic()

    _print_figures(timings, ministries, build_start, build_end, done, during)
    _assert_uploads(ministries, load_workspace)
    assert done["status"] == "done", done
    assert "KHM-escap-2020.en.pdf" in done["outputs"]
    versions = _assert_consistent(workspace)
    print(f"the build read version 1 of {sum(v == 1 for v in versions.values())} ministries, version 2 of "
          f"{sum(v == 2 for v in versions.values())}")
    slow = [(what, round(seconds, 2)) for what, seconds in timings.seen if seconds > MAX_REQUEST_SECONDS]
    assert slow == [], f"requests took more than {MAX_REQUEST_SECONDS:.0f} s"


def _assert_uploads(ministries: list[Ministry], load: LoadWorkspace) -> None:
    """Every upload answered 200 and stored; the new files in place; the replaced ones in history; the log complete."""
    inputs = load.path / "inputs"
    for m in ministries:
        assert m.failure is None, f"{m.code}: {m.failure!r}"
        assert m.response is not None and m.response.status_code == 200, (m.code, m.response and m.response.text[:2000])
        assert 'class="result ok"' in m.response.text and '<tr class="stored">' in m.response.text, m.code
        assert (inputs / gcmreview.workbook_name(m.code)).read_bytes() == load.new[m.code], m.code
        kept = sorted((inputs / gcmreview.HISTORY / m.code).iterdir())
        assert len(kept) == 1 and kept[0].read_bytes() == load.old[m.code], m.code
    log = [json.loads(line) for line in (inputs / gcmreview.HISTORY / "uploads.log").read_text(encoding="ascii").splitlines()]
    stored = {entry["contributor"]: entry for entry in log if entry["outcome"] == "stored"}
    assert len(log) == len(ministries) and sorted(stored) == sorted(CODES)
    for code, entry in stored.items():
        assert entry["size"] == len(load.new[code]) and entry["sha256"] == hashlib.sha256(load.new[code]).hexdigest(), code
        assert entry["kept"] == next((inputs / gcmreview.HISTORY / code).iterdir()).relative_to(load.path).as_posix()
        assert entry["file"] == f"{code.lower()}-v2.xlsx" and entry["errors"] == 0


def _assert_consistent(workspace: Path) -> dict[str, int]:
    """Each ministry's contribution in build/submission.json is wholly one version of its workbook: the version, by code."""
    submission = json.loads((workspace / "build" / "submission.json").read_text(encoding="utf-8"))
    versions = {}
    for code in CODES:
        contributor = next(c for c in submission["contributors"] if c["code"] == code)
        paragraphs = [p for a in submission["answers"] for p in a["paragraphs"] if p["contributor"] == code]
        found = re.findall(rf"Marker {re.escape(code)} v(\d)", json.dumps([contributor, paragraphs], ensure_ascii=False))
        assert len(found) >= 2 and len(set(found)) == 1, f"{code}: versions {found} in one build"
        versions[code] = int(found[0])
    return versions


def _print_figures(timings: Timings, ministries: list[Ministry], build_start: float, build_end: float,
                   done: dict[str, Any], during: dict[str, Any]) -> None:
    uploads = timings.of("upload")
    first = min(m.started for m in ministries)
    last = max(m.finished for m in ministries)
    print(f"\nuploads: {len(uploads)}, min {min(uploads):.2f} s, median {statistics.median(uploads):.2f} s, max {max(uploads):.2f} s")
    print(f"uploads sent {first - build_start:.2f} s after the build started, all answered {last - build_start:.2f} s after it; "
          f"build status then: {during['status']}")
    print(f"build: {done['status']} in {done['seconds']} s (the app's figure); seen finished {build_end - build_start:.2f} s after start")
    print(f"slowest request of all {len(timings.seen)}: {max(s for _, s in timings.seen):.2f} s")
