"""The settings a coordinator edits (the contact block, the contributors), written back into ``inputs/review.toml``.

Stage: config (writing). :func:`update_settings` replaces the ``[contact]`` values
and the ``[[contributors]]`` tables of review.toml through tomlkit, so that the rest
of the file (its comments, the other tables, the order of keys) stays as it was,
byte for byte; a value that is not changed keeps its text, and a contributor that is
only edited keeps its table (its comments, its ``order``). The new text is validated
exactly as :func:`~gcmreview.config.load_config` validates the file, before anything
is written. The previous file is then kept in ``inputs/history/settings/``, named by
the time it was replaced, and the new one replaces it atomically, under the inputs
lock (:func:`~gcmreview.uploads.reading_inputs`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, Item, Null, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from .config import CONFIG_NAME, CONTACT_TEXTS, ReviewConfig, config_text, parse_config
from .errors import Code, Diagnostic, GcmReviewError, Location
from .fsutil import atomic_write
from .safeparse import MAX_TOML_BYTES, parse_toml
from .uploads import HISTORY, reading_inputs

__all__ = ["SETTINGS_HISTORY", "ContactSettings", "ContributorSettings", "current_settings", "update_settings"]

SETTINGS_HISTORY = "settings"
"""``inputs/history/settings/``: each review.toml that :func:`update_settings` replaced."""

_FILE = f"inputs/{CONFIG_NAME}"


@dataclass(frozen=True)
class ContactSettings:
    """The survey's contact block as the coordinator edits it: texts by language of the review, and two strings."""

    office: Mapping[str, str]
    name: Mapping[str, str]
    email: str
    position: Mapping[str, str] = field(default_factory=dict)
    telephone: str = ""
    address: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ContributorSettings:
    """One contributor as the coordinator edits it."""

    code: str
    name: Mapping[str, str]
    coordinator: bool = False
    previous: str = ""
    """Its code in review.toml now, for a contributor that is edited (its table is kept); '' for a new one."""


def current_settings(review: ReviewConfig) -> tuple[ContactSettings, list[ContributorSettings]]:
    """The contact block and the contributors (in list order) of a review, as :func:`update_settings` takes them."""
    c = review.contact
    contact = ContactSettings(c.office, c.name, c.email, c.position, c.telephone, c.address)
    return contact, [ContributorSettings(x.code, x.name, x.coordinator, x.code) for x in review.contributors]


def update_settings(workspace: Path, contact: ContactSettings, contributors: Sequence[ContributorSettings],
                    *, now: dt.datetime | None = None) -> Path | None:
    """Write ``contact`` and ``contributors`` (in this order) into the workspace's review.toml.

    Returns the copy of the previous file in ``inputs/history/settings/`` (None when
    nothing changed, and nothing was written). GcmReviewError, with every problem
    located by its key path (``contact.email``, ``contributors[3].code``), when the
    new file would not be a valid review.toml, or the file cannot be read or written;
    the file is then as it was.
    """
    path = workspace / "inputs" / CONFIG_NAME
    with reading_inputs(workspace, exclusive=True):
        text = config_text(workspace, _FILE)
        new = _edited(text, contact, contributors)
        if new == text:
            return None
        parse_config(new, _FILE)
        data = new.encode("utf-8")
        if len(data) > MAX_TOML_BYTES:
            detail = f"it would be more than {MAX_TOML_BYTES:,} bytes, far more than a file of this kind needs"
            raise GcmReviewError([Diagnostic.make(Code.DATA_TOO_LARGE, Location(file=_FILE), detail=detail)])
        stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        kept = atomic_write(workspace / "inputs" / HISTORY / SETTINGS_HISTORY / f"{stamp}-{CONFIG_NAME}", path.read_bytes())
        atomic_write(path, data)
    return kept


def _edited(text: str, contact: ContactSettings, contributors: Sequence[ContributorSettings]) -> str:
    """The text of review.toml with the new contact block and contributors."""
    data = parse_toml(text, _FILE)  # the safe parser first: tomlkit is not hardened against hostile files
    langs = data.get("languages")
    order = tuple(x for x in langs if isinstance(x, str)) if isinstance(langs, list) else ()
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_SYNTAX, Location(file=_FILE), detail=str(exc))]) from None
    _edit_contact(doc, contact, order)
    _edit_contributors(doc, contributors, order)
    new = tomlkit.dumps(doc)
    if "\r\n" in text and not re.search(r"(?<!\r)\n", text):  # a file saved with Windows line ends keeps them
        new = re.sub(r"(?<!\r)\n", "\r\n", new)
    return new


# ---------------------------------------------------------------- [contact]

def _edit_contact(doc: TOMLDocument, contact: ContactSettings, langs: tuple[str, ...]) -> None:
    table = doc.get("contact")
    if not isinstance(table, Table) or table.is_super_table():
        if "contact" in doc:
            del doc["contact"]
        table = tomlkit.table()
        doc.add("contact", table)
    for key, required in CONTACT_TEXTS:
        texts: Mapping[str, str] = getattr(contact, key)
        if required or any(texts.values()):
            _put(table, key, _texts(texts, langs), _same_texts(table.get(key), texts, langs))
        elif key in table:
            del table[key]
    _put(table, "email", tomlkit.string(contact.email), table.get("email") == contact.email)
    if contact.telephone:
        _put(table, "telephone", tomlkit.string(contact.telephone), table.get("telephone") == contact.telephone)
    elif "telephone" in table:
        del table["telephone"]


# ---------------------------------------------------------------- [[contributors]]

def _edit_contributors(doc: TOMLDocument, contributors: Sequence[ContributorSettings], langs: tuple[str, ...]) -> None:
    current = doc.get("contributors")
    old = list(current) if isinstance(current, AoT) else []
    after = _split_tail(old[-1]) if old else []  # what follows the last table (the comment before [[institutions]])
    tables = [_table(c, found, langs) for c, found in zip(contributors, _claimed(old, contributors), strict=True)]
    for table in tables[:-1]:
        if not _tail(table):
            table.value.body.append((None, Whitespace("\n")))  # a blank line before the next table
    if tables:
        _split_tail(tables[-1])
        tables[-1].value.body.extend(after)
    if isinstance(current, AoT):
        del current[:]
        for table in tables:
            current.append(table)
    elif tables:
        if "contributors" in doc:
            del doc["contributors"]
        doc.add("contributors", AoT(tables, parsed=True))
    if not tables and "contributors" in doc:
        del doc["contributors"]


def _claimed(old: list[Table], contributors: Sequence[ContributorSettings]) -> list[Table | None]:
    """The existing table each contributor keeps: the one of its previous code, else an unclaimed one of its code."""
    free: dict[str, Table] = {}
    for table in old:
        code = table.get("code")
        if isinstance(code, str):
            free.setdefault(code, table)
    found: list[Table | None] = [free.pop(c.previous, None) if c.previous else None for c in contributors]
    for n, c in enumerate(contributors):
        if found[n] is None:
            found[n] = free.pop(c.code, None)
    return found


def _table(contributor: ContributorSettings, table: Table | None, langs: tuple[str, ...]) -> Table:
    """The contributor's table: its existing one with what changed replaced, or a new one."""
    if table is None:
        table = tomlkit.table()
    _put(table, "code", tomlkit.string(contributor.code), table.get("code") == contributor.code)
    _put(table, "name", _texts(contributor.name, langs), _same_texts(table.get("name"), contributor.name, langs))
    was = table.get("coordinator")
    if contributor.coordinator:
        _put(table, "coordinator", tomlkit.item(True), was is True)
    elif was is not None and was is not False:
        del table["coordinator"]
    return table


# ---------------------------------------------------------------- values, kept where they did not change

def _put(table: Table, key: str, value: Item, same: bool) -> None:
    """``table[key] = value`` unless it holds the same already; a new key goes after the table's last value, not its comments."""
    if key in table:
        if not same:
            table[key] = value  # tomlkit keeps the key's place and its comment
        return
    tail = _split_tail(table)
    table.add(key, value)
    table.value.body.extend(tail)


def _tail(table: Table) -> int:
    """How many blank lines and comments follow a table's last value (tomlkit keeps there what precedes the next table)."""
    body = table.value.body
    n = 0
    while n < len(body) and body[-1 - n][0] is None and isinstance(body[-1 - n][1], Whitespace | Comment | Null):
        n += 1
    return n


def _split_tail(table: Table) -> list[tuple[Any, Item]]:
    """Take the blank lines and comments after a table's last value off its body."""
    body = table.value.body
    n = _tail(table)
    tail = body[len(body) - n:]
    del body[len(body) - n:]
    return tail


def _texts(texts: Mapping[str, str], langs: tuple[str, ...]) -> Item:
    """A text per language as an inline table, ``{ en = "...", km = "..." }``, the review's languages first."""
    keys = [lang for lang in langs if lang in texts] + [k for k in texts if k not in langs]
    inner = ", ".join(f"{tomlkit.key(k).as_string()} = {tomlkit.string(texts[k]).as_string()}" for k in keys)
    return tomlkit.value("{ " + inner + " }") if inner else tomlkit.inline_table()


def _same_texts(old: object, texts: Mapping[str, str], langs: tuple[str, ...]) -> bool:
    """Whether review.toml's value already says ``texts`` (a plain string being the same text in every language)."""
    if isinstance(old, str):
        old = {lang: old for lang in langs} if old else {}
    if not isinstance(old, Mapping):
        return False
    return {k: v for k, v in old.items() if v} == {k: v for k, v in texts.items() if v}
