"""The web app on a real socket, for tests that need a browser or concurrent clients.

:func:`running` serves an app with uvicorn in a background thread on a free port of
127.0.0.1 (nothing else is listened to or contacted), waits (bounded) until it
listens, yields its base URL and stops it again; every wait has a deadline.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


class ServerFailed(RuntimeError):
    """The server did not start, or stopped with an error."""


@contextmanager
def running(app: Any, *, start_timeout: float = START_TIMEOUT) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) while the block runs; yields ``http://127.0.0.1:<port>``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", ws="none", lifespan="off",
                            server_header=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    failures: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    thread = threading.Thread(target=serve, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        _wait_started(server, thread, failures, start_timeout)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        sock.close()
    if thread.is_alive():
        raise ServerFailed(f"the server on port {port} did not stop within {STOP_TIMEOUT:.0f} s")
    if failures:
        raise ServerFailed(f"the server on port {port} failed: {failures[0]!r}") from failures[0]


def _wait_started(server: uvicorn.Server, thread: threading.Thread, failures: list[BaseException], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if failures or not thread.is_alive():
            raise ServerFailed(f"the server stopped before it listened: {failures[0]!r}" if failures else "the server stopped")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise ServerFailed(f"the server did not listen within {timeout:.0f} s")
        time.sleep(0.02)
