"""The settings page: the contact block and the contributors of review.toml, edited in a form.

Stage: front end (web). ``GET /settings`` shows the form filled from the current
review.toml; ``POST /settings`` hands what was typed to
:func:`gcmreview.update_settings`, which validates it as review.toml is validated and
writes it back (keeping the file's comments and the previous file). On problems the
form comes back as typed, with each problem listed and marked at its field; nothing
is written. The coordinator's only; works without JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import gcmreview

from .access import allow
from .auth import COORDINATOR
from .pages import page
from .state import GcmApp, gcm

__all__ = ["routes"]

CONTACT_TEXTS = tuple(key for key, _ in gcmreview.CONTACT_TEXTS)
"""The texts of the contact block, one field per language of the review."""
REQUIRED = frozenset(key for key, required in gcmreview.CONTACT_TEXTS if required) | {"email"}
EMPTY_ROWS = 2
"""Empty rows at the end of the contributors' table, to add contributors."""
_ROW = re.compile(r"row-(\d{1,4})\.code")
_CONTRIBUTOR = re.compile(r"contributors\[(\d+)\]")


@dataclass
class Row:
    """One row of the contributors' table, as shown or as typed."""

    index: int
    code: str = ""
    previous: str = ""
    """The code the contributor has in review.toml ('' for a new row)."""
    name: dict[str, str] = field(default_factory=dict)
    coordinator: bool = False
    remove: bool = False
    workbook: str = ""
    """The contributor's workbook in inputs/, if it has arrived."""

    @property
    def blank(self) -> bool:
        return not (self.previous or self.code or any(self.name.values()))


@dataclass
class Filled:
    """The form's values: the contact block and the contributors' rows."""

    contact: dict[str, Any]
    rows: list[Row]


def _with_empty_rows(app: GcmApp, rows: list[Row]) -> list[Row]:
    """The rows, each knowing whether its workbook has arrived, then empty rows up to :data:`EMPTY_ROWS`."""
    try:
        arrived = {p.name for p in (app.workspace / "inputs").iterdir() if p.is_file()}
    except OSError:
        arrived = set()
    for row in rows:
        name = gcmreview.workbook_name(row.previous)
        row.workbook = f"inputs/{name}" if row.previous and name in arrived else ""
    trailing = len(rows) - next((n + 1 for n in range(len(rows) - 1, -1, -1) if not rows[n].blank), 0)
    start = max((r.index for r in rows), default=-1) + 1
    return rows + [Row(start + n) for n in range(max(0, EMPTY_ROWS - trailing))]


def _current(app: GcmApp) -> Filled:
    """The form filled from review.toml as it is now."""
    contact, contributors = gcmreview.current_settings(app.review())
    values: dict[str, Any] = {key: dict(getattr(contact, key)) for key in CONTACT_TEXTS}
    values |= {"email": contact.email, "telephone": contact.telephone}
    rows = [Row(n, c.code, c.code, dict(c.name), c.coordinator) for n, c in enumerate(contributors)]
    return Filled(values, _with_empty_rows(app, rows))


def _typed(app: GcmApp, form: Any) -> Filled:
    """The form as it was sent (values stripped of surrounding spaces)."""
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    langs = app.languages
    values: dict[str, Any] = {key: {lang: text(f"contact.{key}.{lang}") for lang in langs} for key in CONTACT_TEXTS}
    values |= {"email": text("contact.email"), "telephone": text("contact.telephone")}
    coordinator = text("coordinator")
    indexes = sorted({int(m.group(1)) for key in form if (m := _ROW.fullmatch(key))})
    rows = [Row(j, text(f"row-{j}.code"), text(f"row-{j}.previous"), {lang: text(f"row-{j}.name.{lang}") for lang in langs},
                coordinator == str(j), bool(text(f"row-{j}.remove"))) for j in indexes]
    return Filled(values, _with_empty_rows(app, rows))


def _settings(filled: Filled) -> tuple[gcmreview.ContactSettings, list[gcmreview.ContributorSettings], list[int]]:
    """What the form asks for, and for each contributor the row it came from."""
    c = filled.contact
    contact = gcmreview.ContactSettings(c["office"], c["name"], c["email"], c["position"], c["telephone"], c["address"])
    kept = [row for row in filled.rows if not row.remove and not row.blank]
    contributors = [gcmreview.ContributorSettings(r.code, r.name, r.coordinator, r.previous) for r in kept]
    return contact, contributors, [row.index for row in kept]


def _fields(app: GcmApp, rows: list[Row]) -> list[str]:
    """The form's fields in their order on the page."""
    names = [f"contact.{key}.{lang}" for key in CONTACT_TEXTS for lang in app.languages] + ["contact.email", "contact.telephone"]
    for row in rows:
        names += [f"row-{row.index}.code", *(f"row-{row.index}.name.{lang}" for lang in app.languages),
                  f"row-{row.index}.coordinator", f"row-{row.index}.remove"]
    return names


def _marks(problems: list[gcmreview.Diagnostic], fields: list[str], row_of: list[int]) -> dict[str, list[gcmreview.Diagnostic]]:
    """Each problem at the first field of the setting it names (``contributors[2].code`` is the code of that contributor's row)."""
    marks: dict[str, list[gcmreview.Diagnostic]] = {}
    for problem in problems:
        key = problem.location.key
        found = _CONTRIBUTOR.match(key)
        if found:
            n = int(found.group(1))
            key = f"row-{row_of[n]}{key[found.end():]}" if n < len(row_of) else ""
        target = next((f for f in fields if key and (f == key or f.startswith(key + "."))), None)
        if target is not None:
            marks.setdefault(target, []).append(problem)
    return marks


def _page(request: Request, filled: Filled, *, problems: list[gcmreview.Diagnostic] | None = None,
          row_of: list[int] | None = None, status: int = 200, **extra: Any) -> Response:
    app = gcm(request)
    info = gcmreview.languages()
    marks = _marks(problems or [], _fields(app, filled.rows), row_of or [])
    return page(request, "settings.html.j2", {
        "filled": filled, "problems": problems or [], "marks": marks, "contact_texts": CONTACT_TEXTS, "required": REQUIRED,
        "saved": "", "unchanged": False, "languages": [(code, info[code].native, info[code].locale) for code in app.languages], **extra,
    }, status=status)


@allow(COORDINATOR)
async def settings_page(request: Request) -> Response:
    return _page(request, _current(gcm(request)))


@allow(COORDINATOR)
async def save_settings(request: Request) -> Response:
    app = gcm(request)
    filled = _typed(app, await request.form())
    contact, contributors, row_of = _settings(filled)
    try:
        kept = await to_thread.run_sync(lambda: gcmreview.update_settings(app.workspace, contact, contributors))
    except gcmreview.GcmReviewError as exc:
        return _page(request, filled, problems=exc.diagnostics, row_of=row_of, status=400)
    saved = kept.relative_to(app.workspace).as_posix() if kept is not None else ""
    return _page(request, _current(app), saved=saved, unchanged=kept is None)


def routes() -> list[BaseRoute]:
    return [
        Route("/settings", settings_page),
        Route("/settings", save_settings, methods=["POST"]),
    ]
