"""XLIFF 1.2 for translators' tools: writing the texts to translate, reading the translations back.

Stage: translation hand-off. The export writes one ``<file>`` per source
language with a trans-unit per segment. Reading accepts XLIFF 1.x; the XML is
pre-scanned with expat and refused when it declares entities (``<!ENTITY ...>``),
so no external entity is ever resolved and no other file read.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn
from xml.etree import ElementTree
from xml.parsers import expat

from translate.storage.xliff import Xliff1File, Xliff1Unit

from ..errors import Location
from ..fsutil import atomic_write
from .formats import _FINGERPRINT_RE, _MARKUP_HINT, _file_error, _Incoming, _lang_code
from .segments import Segment
from .store import TranslationStore, Unit, pending

__all__ = ["XLIFF12_NAMESPACE", "export_xliff"]

XLIFF12_NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
_NOTE_FROM = "gcmreview"


# ---------------------------------------------------------------- export


class _Xliff12Unit(Xliff1Unit):
    namespace = XLIFF12_NAMESPACE


class _Xliff12File(Xliff1File[_Xliff12Unit]):
    """translate-toolkit's XLIFF store, writing version 1.2 instead of 1.1."""

    UnitClass = _Xliff12Unit
    namespace = XLIFF12_NAMESPACE
    XMLskeleton = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<xliff version="1.2" xmlns="{XLIFF12_NAMESPACE}">'
        '<file original="NoName" source-language="en" datatype="plaintext"><body></body></file></xliff>'
    )


def export_xliff(segments: Iterable[Segment], lang: str, store: TranslationStore | None, path: Path) -> list[Segment]:
    """Write the missing and stale segments as XLIFF 1.2 for translation into ``lang``; returns them.

    One ``<file>`` per source language; each trans-unit's id is the segment id, a note
    says whose text it is and where, another carries the source fingerprint, and a
    stale unit holds the earlier translation as ``<target state="needs-review-translation">``.
    """
    todo = pending(segments, lang, store)
    doc: Any = _Xliff12File()
    by_source: dict[str, list[Segment]] = {}
    for segment in todo:
        by_source.setdefault(segment.source_lang, []).append(segment)
    if not by_source:
        _xliff_file(doc, "gcmreview", "und", lang)
    for source_lang, items in by_source.items():
        name = f"gcmreview/{source_lang}-{lang}"
        _xliff_file(doc, name, source_lang, lang)
        for segment in items:
            _xliff_unit(doc, name, segment, store.units.get(segment.id) if store else None)
    out = io.BytesIO()
    doc.serialize(out)
    atomic_write(path, out.getvalue())
    return todo


def _xliff_file(doc: Any, name: str, source_lang: str, lang: str) -> None:
    """Add (or take over the skeleton's) ``<file>`` with its languages and a header note for translators."""
    doc.switchfile(name, createifmissing=True)
    node = doc.getfilenode(name)
    node.set("source-language", source_lang)
    node.set("target-language", lang)
    header = node.makeelement(doc.namespaced("header"), {})
    note = header.makeelement(doc.namespaced("note"), {"from": _NOTE_FROM})
    note.text = _MARKUP_HINT
    header.append(note)
    node.insert(0, header)


def _xliff_unit(doc: Any, name: str, segment: Segment, earlier: Unit | None) -> None:
    unit = doc.addsourceunit(segment.source, filename=name)
    unit.setid(segment.id)
    if earlier is not None:
        unit.target = earlier.text
        unit.xmlelement.attrib.pop("approved", None)
        unit.xmlelement.find(doc.namespaced("target")).set("state", "needs-review-translation")
        unit.addnote("The source changed after this translation was made: correct the translation to match it.", origin=_NOTE_FROM)
    unit.addnote(f"{segment.contributor}: {segment.label}. In {segment.where}.", origin=_NOTE_FROM)
    unit.addnote(f"fingerprint: {segment.fingerprint}", origin=_NOTE_FROM)


# ---------------------------------------------------------------- import


class _Refused(Exception):
    """An XLIFF file declared a DTD or entities: it is not parsed."""


def _refuse(*_args: object) -> NoReturn:
    raise _Refused


def _check_xml(data: bytes, display: str) -> None:
    """Refuse XML that is not well-formed or declares entities; nothing external is ever loaded."""
    parser = expat.ParserCreate()
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Refused:
        detail = "it declares XML entities (<!ENTITY ...>), which translation files never need and which can make a program read other files; it was not read"
        raise _file_error(display, detail) from None
    except expat.ExpatError as exc:
        detail = f"it is not well-formed XML ({expat.errors.messages[exc.code]}, line {exc.lineno}, column {exc.offset + 1})"
        raise _file_error(display, detail) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_xliff(data: bytes, display: str) -> list[_Incoming]:
    """The units of an XLIFF 1.x file, after :func:`_check_xml` found it safe to parse."""
    _check_xml(data, display)
    root = ElementTree.fromstring(data)  # safe: _check_xml refused any entity declaration
    if _local(root.tag) != "xliff":
        raise _file_error(display, f"it is XML but not XLIFF (its root element is <{_local(root.tag)}>)")
    version = root.get("version", "")
    if not version.startswith("1."):
        raise _file_error(display, f"it is XLIFF version '{version or 'unknown'}'; save it as XLIFF 1.2")
    units: list[_Incoming] = []
    for node in root:
        if _local(node.tag) == "file":
            units += _xliff_file_units(node, display)
    return units


def _xliff_file_units(node: ElementTree.Element, display: str) -> list[_Incoming]:
    source_lang = _lang_code(node.get("source-language"))
    target_lang = _lang_code(node.get("target-language"))
    units = []
    for unit in node.iter():
        if _local(unit.tag) != "trans-unit":
            continue
        unit_id = unit.get("id", "")
        children = {_local(child.tag): child for child in reversed(list(unit))}
        source, target = children.get("source"), children.get("target")
        lang = target_lang or _lang_code(target.get("{http://www.w3.org/XML/1998/namespace}lang") if target is not None else None)
        if not lang:
            raise _file_error(display, f"its <file> '{node.get('original', '')}' names no target-language")
        notes = " ".join("".join(n.itertext()) for n in unit if _local(n.tag) == "note")
        found = _FINGERPRINT_RE.search(notes)
        state = target.get("state", "") if target is not None else ""
        units.append(_Incoming(
            id=unit_id,
            source_lang=source_lang,
            target_lang=lang,
            source="".join(source.itertext()) if source is not None else "",
            target="".join(target.itertext()) if target is not None else "",
            fingerprint=found.group(0) if found else None,
            needs_review=state.startswith("needs-review"),
            where=Location(file=display, key=unit_id),
        ))
    return units
