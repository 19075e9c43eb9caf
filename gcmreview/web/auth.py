"""Who is asking: the coordinator's token, the ministries' secret links, CSRF proof.

Stage: front end (web). Every request is one of: the coordinator (holding the
token ``serve`` printed at start), a ministry (holding the secret of its link), or
nobody. Tokens come from :mod:`secrets`; only their SHA-256 is kept (the
coordinator's in memory, the links' in ``inputs/history/links.json``), and a token
is compared with every stored hash in constant time. A link's secret is shown once,
when it is created (on the coordinator's page and on the terminal of ``serve``);
creating a new link for a contributor revokes the old one.

A browser keeps the token in an HttpOnly, SameSite=Strict cookie; every form
carries a CSRF token, an HMAC of the session's token with a key of this server
run, and a POST must also come from the app's own origin when the browser says
where it comes from (the Origin header).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from gcmreview import HISTORY, atomic_write

__all__ = ["COORDINATOR", "MINISTRY", "Keys", "Who"]

COORDINATOR = "coordinator"
MINISTRY = "ministry"
COOKIES = {COORDINATOR: "gcmreview_coordinator", MINISTRY: "gcmreview_ministry"}
LINKS_NAME = "links.json"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Who:
    """The asker: a role (coordinator, ministry or none) and, for a ministry, its contributor code."""

    role: str = ""
    code: str = ""
    token: str = ""

    @property
    def coordinator(self) -> bool:
        return self.role == COORDINATOR


NOBODY = Who()


class Keys:
    """The coordinator's token (new at every start) and the ministries' links (kept in the workspace)."""

    def __init__(self, workspace: Path, coordinator_token: str | None = None) -> None:
        self.workspace = workspace
        self.coordinator_token = coordinator_token or secrets.token_urlsafe(32)
        self._coordinator_hash = _hash(self.coordinator_token)
        self._csrf_key = secrets.token_bytes(32)
        self._lock = threading.Lock()

    @property
    def links_file(self) -> Path:
        return self.workspace / "inputs" / HISTORY / LINKS_NAME

    def _links(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.links_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("sha256"), str)}

    def links(self) -> dict[str, str]:
        """When each contributor's current link was created, by contributor code."""
        return {code: str(entry.get("created", "")) for code, entry in self._links().items()}

    def create_link(self, code: str) -> str:
        """A new secret for ``code``'s link (any earlier one stops working); only its hash is kept."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            links = self._links()
            links[code] = {"sha256": _hash(token), "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            atomic_write(self.links_file, json.dumps(links, indent=2, sort_keys=True) + "\n")
        return token

    def revoke_link(self, code: str) -> bool:
        with self._lock:
            links = self._links()
            if links.pop(code, None) is None:
                return False
            atomic_write(self.links_file, json.dumps(links, indent=2, sort_keys=True) + "\n")
        return True

    def ministry(self, token: str) -> str | None:
        """The contributor whose link ``token`` is the secret of (every stored hash compared, in constant time)."""
        if not token:
            return None
        given = _hash(token)
        found = None
        for code, entry in self._links().items():
            if hmac.compare_digest(given, entry["sha256"]):
                found = code
        return found

    def who(self, cookies: dict[str, str], role: str) -> Who:
        """The asker, from the cookie of ``role``."""
        token = cookies.get(COOKIES[role], "")
        if not token:
            return NOBODY
        if role == COORDINATOR:
            return Who(COORDINATOR, "", token) if self.is_coordinator(token) else NOBODY
        code = self.ministry(token)
        return Who(MINISTRY, code, token) if code is not None else NOBODY

    def is_coordinator(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(_hash(token), self._coordinator_hash)

    def csrf(self, who: Who) -> str:
        """The CSRF token of a session: forms carry it, POSTs must send it back."""
        return hmac.new(self._csrf_key, f"{who.role}:{who.token}".encode("utf-8", "surrogatepass"), "sha256").hexdigest()

    def csrf_ok(self, who: Who, given: object) -> bool:
        return bool(who.role) and isinstance(given, str) and hmac.compare_digest(self.csrf(who), given)
