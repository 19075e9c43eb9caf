"""Generators of hostile contributor files, for tests/test_hostile.py.

Every generator builds a small file (or edits a valid workbook written by the
``write_workbook`` fixture) in a temporary folder, in well under a second: broken
and look-alike files (truncated zips, bad CRCs, .xls, .ods, CSV, a renamed .docx,
an encrypted workbook, a 257 MiB file), bombs (a part that inflates to 300 MiB,
millions of empty cells, 400,000 cells that compress only 12:1, tables naming
5,000 x 65 empty cells), XML entities (billion laughs, external entities, hidden
behind a long comment, in UTF-16, in a part not named .xml), and edits a contributor or another program may make (raw ``_xHHHH_``
escapes, text longer than a cell holds, a hidden, copied or merged sheet, a
deleted table, a renamed header, a table stretched to 100,000 rows).

The second round's generators, one module an input path, stand beside this one:
``hostile_data`` (JSON and TOML: nesting, huge numbers, duplicate keys, NaN, a BOM,
floods, a poisoned cache), ``hostile_workbook`` (regular-expression traps, floods of
shared strings, styles and rows, shadowed columns, moved and duplicated tables,
shared-string indexes out of range), ``hostile_scale`` (thousands of actions,
cell-sized texts, huge translations, XLIFF floods and duplicate units),
``hostile_terminal`` (control characters in names, undecodable file names, Ctrl+C,
a full disk, direction overrides from every source), ``hostile_templates``
(templates that run code, loop or write gigabytes, base documents with external
links, stylesheets that fetch) and ``hostile_checkbuild`` (what only the build used
to refuse: invalid clusters, characters the PDF cannot lay out, citation keys in
every script). Each has its tests in ``test_hostile_<path>.py``.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils import get_column_letter

__all__ = [
    "billion_laughs",
    "cell_bomb",
    "cell_flood",
    "corrupt_deflate",
    "crc_error",
    "csv_ansi",
    "csv_khmer",
    "docx_as_xlsx",
    "edit_workbook",
    "encrypted",
    "external_entity",
    "huge_file",
    "late_doctype",
    "merge_keeping_hidden",
    "odd_part_name",
    "ods",
    "old_xls",
    "outside_cells",
    "put_xml_text",
    "rewrite_parts",
    "sheet_part",
    "stretch_table",
    "stretch_tables",
    "table_part",
    "truncated",
    "utf16_entities",
    "xml_text",
    "zip_bomb",
]

Change = Callable[[bytes], bytes]

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)
"""The classic "billion laughs" DTD: &lol9; expands to 10^9 "lol"s (3 GB)."""


# ---------------------------------------------------------------- zip plumbing


def rewrite_parts(path: Path, changes: Mapping[str, Change], *, stored: tuple[str, ...] = (), rename: Mapping[str, str] | None = None) -> None:
    """Rewrite parts of a zip in place: ``changes`` per part name, ``stored`` parts left uncompressed."""
    rename = rename or {}
    src_bytes = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src_bytes)) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in changes:
                data = changes[info.filename](data)
            name = rename.get(info.filename, info.filename)
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            dst.writestr(zipfile.ZipInfo(name, info.date_time), data, compress_type=method)
    path.write_bytes(buffer.getvalue())


def _read_part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def sheet_part(path: Path, title: str) -> str:
    """The zip part holding sheet ``title``, e.g. ``xl/worksheets/sheet3.xml``."""
    workbook = _read_part(path, "xl/workbook.xml").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(\w+)"', workbook)
    assert rid, f"no sheet {title}"
    rels = _read_part(path, "xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target, f"no relationship {rid.group(1)}"
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def table_part(path: Path, table: str) -> str:
    """The zip part holding table ``table``, e.g. ``xl/tables/table3.xml``."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/tables/") and f'displayName="{table}"'.encode() in archive.read(name):
                return name
    raise KeyError(table)


def xml_text(text: str) -> bytes:
    """``text`` as the content of an XML element (surrogates kept as written)."""
    return escape(text).encode("utf-8", "surrogatepass")


def put_xml_text(path: Path, sheet: str, marker: str, raw: str) -> None:
    """Replace the cell text ``marker`` on ``sheet`` by ``raw`` as written in the XML (``_xHHHH_`` escapes
    stay escapes): what another program may write, and openpyxl refuses to."""
    part = sheet_part(path, sheet)

    def change(xml: bytes) -> bytes:
        needle = f">{marker}<".encode()
        assert xml.count(needle) == 1, f"{marker} not found once in {part}"
        return xml.replace(needle, b">" + raw.encode("utf-8") + b"<")

    rewrite_parts(path, {part: change})


def _prepend(prolog: str) -> Change:
    """Put ``prolog`` (a DTD) after the XML declaration of a part."""

    def change(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + prolog.encode() + body

    return change


def _workbook_entity(reference: str) -> Change:
    """Use an entity in the workbook's defined name (a value openpyxl reads)."""

    def change(xml: bytes) -> bytes:
        new = re.sub(rb'(<definedName name="gcmreview_template">)', rb"\1" + reference.encode(), xml, count=1)
        assert new != xml
        return new

    return change


# ---------------------------------------------------------------- damaged files


def truncated(base: Path, dest: Path) -> Path:
    """A workbook cut off half-way (an interrupted download): no central directory."""
    data = base.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    return dest


def crc_error(base: Path, dest: Path, marker: bytes) -> Path:
    """One bit of the Answers sheet (in ``marker``) flipped in transit; the part is stored, so only its CRC notices."""
    dest.write_bytes(base.read_bytes())
    part = sheet_part(dest, "Answers")
    rewrite_parts(dest, {}, stored=(part,))
    data = bytearray(dest.read_bytes())
    at = data.find(marker)
    assert at > 0 and data.count(marker) == 1
    data[at] ^= 0x01
    dest.write_bytes(bytes(data))
    return dest


def corrupt_deflate(base: Path, dest: Path) -> Path:
    """Garbage in the middle of the Answers sheet's compressed data."""
    dest.write_bytes(base.read_bytes())
    part = sheet_part(dest, "Answers")
    data = bytearray(dest.read_bytes())
    with zipfile.ZipFile(dest) as archive:
        info = archive.getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 100, start + 400):
        data[i] ^= 0x55
    dest.write_bytes(bytes(data))
    return dest


def huge_file(dest: Path, mebibytes: int = 257) -> Path:
    """A 257 MiB file named .xlsx (a video sent by mistake), sparse: it costs no disk and no time to make."""
    with dest.open("wb") as out:
        out.write(b"\0\0\0\x20ftypisom")  # an MP4 header
        out.truncate(mebibytes << 20)
    return dest


# ---------------------------------------------------------------- bombs


def zip_bomb(base: Path, dest: Path, mebibytes: int = 300) -> int:
    """The Answers sheet padded with ``mebibytes`` MiB of spaces between its rows (valid XML; ~1000:1).

    Streamed into the zip, so it costs about a second and little memory. Returns the
    archive's total uncompressed size.
    """
    part = sheet_part(base, "Answers")
    chunk = b" " * (1 << 20)
    buffer = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != part:
                dst.writestr(info, data)
                continue
            cut = data.index(b"<sheetData>") + len(b"<sheetData>")
            entry = zipfile.ZipInfo(part, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w", force_zip64=True) as out:
                out.write(data[:cut])
                for _ in range(mebibytes):
                    out.write(chunk)
                out.write(data[cut:])
    dest.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(dest) as archive:
        return sum(i.file_size for i in archive.infolist())


def cell_bomb(base: Path, dest: Path, rows: int = 200, columns: int = 16_384) -> int:
    """Millions of empty cells (``<c/>``, no coordinates) on the Actions sheet: 3.3 million cells in 13 MB
    that compress to a few kB. Returns the archive's total uncompressed size."""
    dest.write_bytes(base.read_bytes())
    part = sheet_part(dest, "Actions")
    row = b"<row>" + b"<c/>" * columns + b"</row>"

    def change(xml: bytes) -> bytes:
        at = xml.index(b"</sheetData>")
        return xml[:at] + row * rows + xml[at:]

    rewrite_parts(dest, {part: change})
    with zipfile.ZipFile(dest) as archive:
        return sum(i.file_size for i in archive.infolist())


def cell_flood(base: Path, dest: Path, cells: int = 400_000, columns: int = 26) -> Path:
    """``cells`` numbered cells with values below the Actions table: compresses only ~12:1, so no size or
    ratio limit notices, yet openpyxl would need seconds and hundreds of MB to load it."""
    dest.write_bytes(base.read_bytes())
    part = sheet_part(dest, "Actions")
    letters = [get_column_letter(c + 1) for c in range(columns)]

    def change(xml: bytes) -> bytes:
        at = xml.index(b"</sheetData>")
        first = 1000
        rows = (
            f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>{r % 10}</v></c>' for col in letters) + "</row>"
            for r in range(first, first + cells // columns + 1)
        )
        return xml[:at] + "".join(rows).encode() + xml[at:]

    rewrite_parts(dest, {part: change})
    return dest


# ---------------------------------------------------------------- XML entities


def billion_laughs(base: Path, dest: Path, where: str, marker: str) -> Path:
    """Billion laughs in the Answers sheet (``where="sheet"``, replacing cell text ``marker``) or in xl/workbook.xml."""
    dest.write_bytes(base.read_bytes())
    if where == "sheet":
        part = sheet_part(dest, "Answers")
        use: Change = lambda xml: xml.replace(f">{marker}<".encode(), b">&lol9;<")  # noqa: E731
    else:
        part, use = "xl/workbook.xml", _workbook_entity("&lol9;")
    rewrite_parts(dest, {part: lambda xml: _prepend(LAUGHS)(use(xml))})
    return dest


def external_entity(base: Path, dest: Path, target: Path, marker: str) -> Path:
    """An external entity naming a local file, used in an answer cell of the Answers sheet (XXE)."""
    dest.write_bytes(base.read_bytes())
    part = sheet_part(dest, "Answers")
    dtd = f'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "{target.as_uri()}">]>'
    rewrite_parts(dest, {part: lambda xml: _prepend(dtd)(xml.replace(f">{marker}<".encode(), b">&x;<"))})
    return dest


def late_doctype(base: Path, dest: Path, target: Path) -> Path:
    """An external entity in xl/workbook.xml, its DTD behind a 70 kB comment (past a 64 kB look-ahead)."""
    dest.write_bytes(base.read_bytes())
    prolog = "<!--" + "padding " * 9000 + f'-->\n<!DOCTYPE workbook [<!ENTITY x SYSTEM "{target.as_uri()}">]>'
    rewrite_parts(dest, {"xl/workbook.xml": lambda xml: _prepend(prolog)(_workbook_entity("&x;")(xml))})
    return dest


def utf16_entities(base: Path, dest: Path, target: Path, marker: str) -> Path:
    """The Answers sheet in UTF-16 (which XML allows) with an external entity: invisible to a byte search."""
    dest.write_bytes(base.read_bytes())
    part = sheet_part(dest, "Answers")

    def change(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml).replace(f">{marker}<".encode(), b">&x;<")
        dtd = f'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "{target.as_uri()}">]>'
        return ('<?xml version="1.0" encoding="UTF-16"?>' + dtd + body.decode()).encode("utf-16")

    rewrite_parts(dest, {part: change})
    return dest


def odd_part_name(base: Path, dest: Path, marker: str) -> tuple[Path, str]:
    """The Answers sheet moved to a part not named .xml (relationships and content types follow), with billion laughs."""
    dest.write_bytes(base.read_bytes())
    old = sheet_part(dest, "Answers")
    new = old.removesuffix(".xml") + ".dat"
    short_old, short_new = old.removeprefix("xl/"), new.removeprefix("xl/")
    rels_old = old.replace("worksheets/", "worksheets/_rels/") + ".rels"
    rels_new = new.replace("worksheets/", "worksheets/_rels/") + ".rels"
    changes: dict[str, Change] = {
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(short_old.encode(), short_new.encode()),
        "[Content_Types].xml": lambda xml: xml.replace(f"/{old}".encode(), f"/{new}".encode()),
        old: lambda xml: _prepend(LAUGHS)(xml.replace(f">{marker}<".encode(), b">&lol9;<")),
    }
    rewrite_parts(dest, changes, rename={old: new, rels_old: rels_new})
    return dest, new


# ---------------------------------------------------------------- other formats


def old_xls(dest: Path) -> Path:
    """A real (minimal) Excel 97-2003 file: an OLE2 compound file whose Workbook stream starts with a BIFF8 BOF."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    stream_sectors = 8  # 4096 bytes: at the mini-stream cutoff, so the stream lives in ordinary sectors
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, 1, 1, 0, 4096, end, 0, end, 0, 0,
    )[:-4]  # the last field is DIFAT[0], written below with the rest of the DIFAT
    header += struct.pack("<109I", 0, *([free] * 108))
    assert len(header) == 512
    fat = [fat_sector, end] + [3 + i for i in range(stream_sectors - 1)] + [end]
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded, len(encoded), kind, 1, no_stream, no_stream, child, b"\0" * 16, 0, 0, 0, start, size,
        )

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, no_stream, 2, 4096) + entry("", 0, no_stream, 0, 0) * 2
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x000100C9, 0x00000406)
    eof = struct.pack("<HH", 0x000A, 0)
    stream = (bof + eof).ljust(512 * stream_sectors, b"\0")
    dest.write_bytes(header + fat_bytes + directory + stream)
    return dest


def ods(dest: Path) -> Path:
    """An OpenDocument spreadsheet (LibreOffice's own format), as a contributor may save by mistake."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        '<office:body><office:spreadsheet><table:table table:name="Answers"><table:table-row>'
        "<table:table-cell><text:p>1a</text:p></table:table-cell>"
        "<table:table-cell><text:p>Most workers leave for Thailand.</text:p></table:table-cell>"
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(dest, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return dest


def csv_khmer(dest: Path) -> Path:
    """Answers saved as CSV (UTF-8): Khmer text longer than 4 kB, a character cut by the 4,096th byte."""
    body = "\n".join(f"{n},ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ ដែលប្រាក់ឈ្នួលខ្ពស់ជាង។" for n in range(1, 60))
    for pad in range(8):
        data = ("Question,Answer (km)" + " " * pad + "\n" + body).encode("utf-8")
        try:
            data[:4096].decode("utf-8")
        except UnicodeDecodeError:
            dest.write_bytes(data)
            return dest
    raise AssertionError("no padding puts byte 4,096 inside a character")


def csv_ansi(dest: Path) -> Path:
    """Answers saved by Excel as "CSV (Comma delimited)" on a French Windows: code page 1252, not UTF-8."""
    dest.write_bytes("Question;Réponse\n1a;Le ministère du Travail délivre les passeports gratuitement.\n".encode("cp1252"))
    return dest


def docx_as_xlsx(dest: Path) -> Path:
    """A Word document renamed to .xlsx."""
    from docx import Document

    document = Document()
    document.add_paragraph("Question 1a: most workers leave for Thailand.")
    document.save(str(dest))
    return dest


def encrypted(base: Path, dest: Path, password: str = "secret") -> Path:
    """The workbook protected with a password to open (Excel's agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with base.open("rb") as handle, dest.open("wb") as out:
        OOXMLFile(handle).encrypt(password, out)
    return dest


# ---------------------------------------------------------------- edits inside a valid workbook


def stretch_table(path: Path, table: str, rows: int, every: int = 1) -> None:
    """Make ``table`` span ``rows`` data rows, with a value in every ``every``-th (a pasted column, a fill-down gone wrong)."""
    part = table_part(path, table)
    sheet = sheet_part(path, table)
    xml = _read_part(path, part).decode()
    first = re.search(r'ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', xml)
    assert first
    start_col, start_row, end_col = first.group(1), int(first.group(2)), first.group(3)
    ref = f"{start_col}{start_row}:{end_col}{start_row + rows}"

    def grow_table(data: bytes) -> bytes:
        return re.sub(rb'ref="[A-Z]+\d+:[A-Z]+\d+"', f'ref="{ref}"'.encode(), data)

    def add_rows(data: bytes) -> bytes:
        existing = {int(r) for r in re.findall(rb'<row r="(\d+)"', data)}
        new = "".join(
            f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>Action {r}</t></is></c></row>'
            for r in range(start_row + 1, start_row + rows + 1, every)
            if r not in existing
        ).encode()
        at = data.index(b"</sheetData>")
        return data[:at] + new + data[at:]

    rewrite_parts(path, {part: grow_table, sheet: add_rows})


def stretch_tables(path: Path, rows: int, last_column: str) -> None:
    """Stretch every table to ``rows`` data rows up to ``last_column`` without writing a cell: a tiny file whose
    tables name hundreds of thousands of empty cells."""
    with zipfile.ZipFile(path) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/tables/")]

    def change(xml: bytes) -> bytes:
        def widen(m: re.Match[bytes]) -> bytes:
            return b'ref="%s%s:%s%d"' % (m.group(1), m.group(2), last_column.encode(), int(m.group(2)) + rows)

        return re.sub(rb'ref="([A-Z]+)(\d+):[A-Z]+\d+"', widen, xml)

    rewrite_parts(path, dict.fromkeys(parts, change))


def outside_cells(path: Path, sheet: str, cells: int, first_row: int = 200, columns: int = 20) -> None:
    """``cells`` short texts below the table of ``sheet`` (a block pasted next to the table)."""
    part = sheet_part(path, sheet)
    letters = [get_column_letter(c + 1) for c in range(columns)]

    def change(xml: bytes) -> bytes:
        rows = []
        for i, r in enumerate(range(first_row, first_row + cells // columns)):
            row = "".join(f'<c r="{col}{r}" t="inlineStr"><is><t>n{i}-{col}</t></is></c>' for col in letters)
            rows.append(f'<row r="{r}">{row}</row>')
        at = xml.index(b"</sheetData>")
        return xml[:at] + "".join(rows).encode() + xml[at:]

    rewrite_parts(path, {part: change})


def merge_keeping_hidden(path: Path, sheet: str, ref: str) -> None:
    """Merge ``ref`` the way LibreOffice does with "keep the contents of the hidden cells": covered cells keep their text."""
    part = sheet_part(path, sheet)

    def change(xml: bytes) -> bytes:
        at = xml.index(b"</sheetData>") + len(b"</sheetData>")
        return xml[:at] + f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode() + xml[at:]

    rewrite_parts(path, {part: change})


def edit_workbook(path: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    """Open, change and save a workbook with openpyxl, as a contributor would in Excel."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def linked_picture(path: Path, sheet: str, target: Path) -> None:
    """Put a picture on ``sheet`` that is linked to ``target`` rather than stored in the workbook
    (Excel: Insert > Pictures > Link to File): a program opening the workbook fetches the file."""
    part = sheet_part(path, sheet)
    folder, name = part.rsplit("/", 1)
    rels_name = f"{folder}/_rels/{name}.rels"
    drawing = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<xdr:oneCellAnchor><xdr:from><xdr:col>7</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>2</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
        '<xdr:ext cx="952500" cy="952500"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Picture 1"/><xdr:cNvPicPr/></xdr:nvPicPr>'
        '<xdr:blipFill><a:blip r:link="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
        '<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>'
    )
    drawing_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        f'Target="{escape(target.as_uri())}" TargetMode="External"/></Relationships>'
    )
    rel = ('<Relationship Id="rIdPicture" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing" '
           'Target="../drawings/drawing99.xml"/>')

    def sheet_xml(xml: bytes) -> bytes:
        return re.sub(rb"(<tableParts\b|</worksheet>)", b'<drawing r:id="rIdPicture"/>\\1', xml, count=1)

    def sheet_rels(xml: bytes) -> bytes:
        return xml.replace(b"</Relationships>", rel.encode() + b"</Relationships>")

    def content_types(xml: bytes) -> bytes:
        override = ('<Override PartName="/xl/drawings/drawing99.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>')
        return xml.replace(b"</Types>", override.encode() + b"</Types>")

    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert rels_name in names, f"{part} has no relationships part"
    rewrite_parts(path, {part: sheet_xml, rels_name: sheet_rels, "[Content_Types].xml": content_types})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/drawings/drawing99.xml", drawing)
        archive.writestr("xl/drawings/_rels/drawing99.xml.rels", drawing_rels)
