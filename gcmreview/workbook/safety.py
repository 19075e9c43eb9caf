"""The safety scan of a workbook file, before openpyxl parses it.

Stage: workbook. :func:`refusal` names what a file is when it is not an xlsx workbook
(an old .xls, an encrypted file, a PDF, CSV, a Word document, an OpenDocument
spreadsheet) and refuses one that is damaged or unsafe to parse: a zip bomb, XML that
declares a DTD or entities, more cells, rows, shared texts, styles or other elements than
any filled workbook holds. It reads the archive's parts as bytes only.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections import Counter
from typing import IO

from ..errors import Code, Diagnostic, Location
from .xmlscan import count_elements

__all__ = ["MAX_CELLS", "MAX_ELEMENTS", "MAX_PARTS", "MAX_ROWS", "MAX_UNCOMPRESSED", "refusal"]

MAX_UNCOMPRESSED = 256 * 1024 * 1024
"""Largest total uncompressed size accepted for a workbook (a filled one is a few MB)."""
MAX_RATIO = 200
"""Largest compression ratio accepted for one part (zip bombs compress ~1000:1)."""
MAX_CELLS = 300_000
"""Most cells (``<c>`` elements) a workbook may hold: a filled one has a few thousand, and
openpyxl needs seconds and hundreds of MB per million, so more is refused before parsing.
Also the most shared texts (``<si>``, one per distinct text of a cell)."""
MAX_ROWS = 100_000
"""Most rows (``<row>`` elements) a workbook may hold: openpyxl keeps each one's height (about
2 s and 80 MB per 100,000); a filled workbook has hundreds."""
MAX_ELEMENTS = 150_000
"""Most other elements (styles, fonts, number formats, validation and formatting rules, merged
ranges, tables and their columns, names, ...) in all parts together: a filled workbook has a
few thousand (Excel allows 64,000 cell formats), and openpyxl needs 5 to 7 s and 120 to 170 MB
per 100,000 styles, fonts or rules."""
MAX_PARTS = 10_000
"""Most parts (files inside the archive): a filled workbook has a few dozen."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_UNZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError)
"""What zipfile raises on a damaged archive or part (bad CRC or deflate data, unsupported method, encryption)."""
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
_CONTENT_PARTS = frozenset({b"worksheet", b"sst"})
"""The root elements of the parts that hold the cells and their texts (worksheets, shared strings)."""
_CONTENT = frozenset({b"sheetData", b"row", b"c", b"v", b"f", b"is", b"si", b"t", b"r", b"rPr", b"rPh", b"phoneticPr"} | {
    b"rFont", b"charset", b"family", b"b", b"i", b"strike", b"outline", b"shadow", b"condense", b"extend", b"color",
    b"sz", b"u", b"vertAlign", b"scheme",
})
"""Elements of cells and their texts (rich text runs included), counted as content in those parts."""
_SCAN_CHUNK = 1 << 20


def refusal(data: bytes, display: str) -> Diagnostic | None:
    """Why the file is refused before openpyxl parses it (what it is when not a workbook, or why it is
    unsafe or damaged), or None."""
    where = Location(file=display)
    if data.startswith(_OLE2):
        code = Code.ENCRYPTED if _ENCRYPTION_STREAM in data else Code.OLD_XLS
        return Diagnostic.make(code, where)
    if not data.startswith(b"PK"):
        head = data[:512].lstrip().lower()
        kind = "a PDF file" if head.startswith(b"%pdf") else "an HTML page" if b"<html" in head else "text or CSV" if _is_text(data) else "an unknown format"
        return Diagnostic.make(Code.NOT_XLSX, where, kind=kind)
    return _sniff_zip(data, where)


def _is_text(data: bytes) -> bool:
    """UTF-16 with a byte-order mark, or 8-bit text (UTF-8 or a Windows code page): no control bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return re.search(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]", data[:4096]) is None


def _sniff_zip(data: bytes, where: Location) -> Diagnostic | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except _UNZIP_ERRORS as exc:
        return Diagnostic.make(Code.CORRUPT, where, detail=f"not a valid zip archive: {exc}")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        kind = (
            "a Word document" if "word/document.xml" in names
            else "an OpenDocument spreadsheet (.ods); save it as .xlsx" if "content.xml" in names
            else "a zip archive"
        )
        return Diagnostic.make(Code.NOT_XLSX, where, kind=kind)
    total = sum(i.file_size for i in infos)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos), default=0)
    if total > MAX_UNCOMPRESSED or worst > MAX_RATIO:
        detail = f"it unpacks to {total:,} bytes (ratio {worst:.0f}:1), far more than any workbook"
        return Diagnostic.make(Code.TOO_LARGE, where, detail=detail)
    return _sniff_entities(data, infos, where)


def _sniff_entities(data: bytes, infos: list[zipfile.ZipInfo], where: Location) -> Diagnostic | None:
    """Unpack every part once, before openpyxl does: refuse damaged parts, XML that declares a DTD or
    entities (entity expansion, external entities) anywhere, in UTF-8 or UTF-16, and more elements
    than any filled workbook holds (:class:`_Counts`)."""
    if len(infos) > MAX_PARTS:
        return Diagnostic.make(Code.TOO_LARGE, where, detail=f"it holds {len(infos):,} parts, far more than any workbook")
    counts = _Counts()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in infos:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as part:
                    problem = _scan_part(part, info.filename, counts)
            except _UNZIP_ERRORS as exc:
                return Diagnostic.make(Code.CORRUPT, where, detail=f"its part {info.filename} cannot be unpacked: {exc}")
            if problem is not None:
                return Diagnostic.make(problem[0], where, detail=problem[1])
    return None


def _scan_part(part: IO[bytes], name: str, counts: _Counts) -> tuple[Code, str] | None:
    """Why one part is refused (declarations, or a count over its limit): the code and its detail."""
    tail, wide, root = b"", None, b""
    while chunk := part.read(_SCAN_CHUNK):
        if wide is None:  # UTF-16: drop the zero bytes, markup is ASCII
            wide = chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\0", b"\0<"))
        if wide:
            chunk = chunk.replace(b"\0", b"")
        if any(d in tail + chunk for d in _DECLARATIONS):
            return Code.UNSAFE_XML, f"its part {name} declares XML entities, which no spreadsheet program writes"
        found = count_elements(chunk)
        root = root or next(iter(found), b"")
        problem = counts.add(found, name, root in _CONTENT_PARTS)
        if problem:
            return Code.TOO_LARGE, problem
        tail = chunk[-16:]
    return None


class _Counts:
    """The elements of the parts scanned so far, against the most a filled workbook holds.

    openpyxl makes an object of nearly every element it reads, so the counts bound the time and
    memory it may take: cells, rows and shared texts (the content, which may be large), and
    everything else (styles, fonts, formats, rules, names, merged ranges, tables, ...), each a
    few microseconds and a kilobyte or more.
    """

    def __init__(self) -> None:
        self.cells = self.rows = self.strings = self.other = 0

    def add(self, found: Counter[bytes], part: str, content: bool) -> str:
        """Add one chunk's counts; why the workbook is refused, or ''."""
        self.cells += found[b"c"]
        if self.cells > MAX_CELLS:
            return f"it holds more than {MAX_CELLS:,} cells, far more than any filled workbook"
        if content:
            self.rows += found[b"row"]
            self.strings += found[b"si"]
            self.other += sum(n for tag, n in found.items() if tag not in _CONTENT)
        else:
            self.other += sum(found.values()) - found[b"c"]
        if self.rows > MAX_ROWS:
            return f"its part {part} makes the workbook hold more than {MAX_ROWS:,} rows, far more than any filled workbook"
        if self.strings > MAX_CELLS:
            return f"its part {part} holds more than {MAX_CELLS:,} shared texts, far more than any filled workbook"
        if self.other > MAX_ELEMENTS:
            return (f"it holds more than {MAX_ELEMENTS:,} styles, formats, rules or other settings (the most in its part "
                    f"{part}), far more than any filled workbook")
        return ""
