"""`gcmreview serve` as a user runs it: a process on loopback that prints the coordinator's link and serves the sample."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _copy_sample(tmp_path: Path) -> Path:
    workspace = tmp_path / "sample"
    shutil.copytree(REPO / "inputs", workspace / "inputs", ignore=shutil.ignore_patterns("history"))
    shutil.copytree(REPO / "templates", workspace / "templates")
    return workspace


def _read_link(lines: list[str], process: subprocess.Popen[str], deadline: float) -> str:
    """The sign-in link ``serve`` prints on stderr (read into ``lines`` by a thread), waiting until ``deadline``."""
    while time.monotonic() < deadline:
        found = next((m.group(0) for line in list(lines) if (m := re.search(r"http://127\.0\.0\.1:\d+/signin\?token=\S+", line))), None)
        if found:
            return found
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"serve printed no link: {lines}")


def _collect(process: subprocess.Popen[str], lines: list[str]) -> threading.Thread:
    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def _get(url: str, cookie: str = "") -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8"), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), {k.lower(): v for k, v in error.headers.items()}


def test_serve_prints_the_coordinator_link_and_serves_the_sample_on_loopback(tmp_path: Path) -> None:
    workspace = _copy_sample(tmp_path)
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "gcmreview", "serve", str(workspace), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    reader = _collect(process, lines)
    try:
        link = _read_link(lines, process, time.monotonic() + 60)
        assert link.startswith(f"http://127.0.0.1:{port}/signin?token=")
        assert not any("Traceback" in line for line in lines)
        deadline = time.monotonic() + 30
        status = 0
        while time.monotonic() < deadline:  # uvicorn may print before it listens
            try:
                status, _, _ = _get(f"http://127.0.0.1:{port}/")
                break
            except urllib.error.URLError:  # not listening yet
                time.sleep(0.2)
        assert status == 403  # no token: refused
        status, signed_in, headers = _get(link)
        assert status == 200 and "url=/" in signed_in and "gcmreview_coordinator=" in headers.get("set-cookie", "")
        cookie = headers["set-cookie"].split(";", 1)[0]
        status, overview, headers = _get(f"http://127.0.0.1:{port}/", cookie)
        assert status == 200 and "Workbooks received: 6 of 6" in overview
        for code in ("NCCT", "MOLVT", "MOI-GDI", "MFAIC", "MOH", "MOP"):
            assert f'data-code="{code}" class="received"' in overview
        assert headers["content-security-policy"].startswith("default-src 'self'")
        with socket.socket() as other:  # bound to loopback only: the machine's other addresses do not answer
            other.settimeout(2)
            address = socket.gethostbyname(socket.gethostname())
            if not address.startswith("127."):
                assert other.connect_ex((address, port)) != 0
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    reader.join(timeout=10)
    if process.stderr is not None:
        process.stderr.close()
    assert process.returncode in (0, -signal.SIGINT)
    assert not any("Traceback" in line for line in lines), lines
    assert (workspace / "inputs" / "history").is_dir()
    assert sorted(p.name for p in (workspace / "inputs").glob("*.xlsx")) == sorted(p.name for p in (REPO / "inputs").glob("*.xlsx"))
