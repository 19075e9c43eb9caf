"""Run the web app with uvicorn and print how to open it (the coordinator's link, as Jupyter does).

Stage: front end (web).
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import uvicorn

from .app import create_app

__all__ = ["serve"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _announce(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def serve(workspace: Path, host: str = "127.0.0.1", port: int = 8765, *, proxied: bool = False) -> None:
    """Serve ``workspace`` on ``host``:``port`` until Ctrl+C; GcmReviewError if its review.toml is unusable."""
    app = create_app(workspace, announce=_announce)
    keys = app.state.gcm.keys
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    _announce(f"gcmreview serve: {workspace.resolve().name}")
    _announce("Coordinator: open this link (keep it private; a new one is made at every start):")
    _announce(f"    {base}/signin?token={keys.coordinator_token}")
    links = keys.links()
    if links:
        _announce("Ministries' links are active for: " + ", ".join(sorted(links))
                  + " (a link is shown when it is created; create a new one on the contributor's page to see it again).")
    if not _loopback(host):
        _announce(f"Warning: {host} can be reached from the network. Serve it behind a reverse proxy with TLS (see the README).")
    _announce("Stop with Ctrl+C.")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=proxied, server_header=False,
                forwarded_allow_ips="127.0.0.1" if proxied else None)
