"""WordprocessingML helpers the DOCX renderers share: the bits python-docx has no API for.

Stage: render (DOCX). New elements (:func:`element`, :func:`field` for PAGE and NOTEREF
fields, as Word writes them), the tables' header rows as readers see them
(:func:`mark_header_rows`), the footnotes part (:func:`set_footnotes`, with Word's
separators), the comments part (:func:`comments_root`, :func:`renumber_comments`), column
widths (:func:`set_widths`), emptying a template (:func:`clear_body`, :func:`clear_template`),
its links to files outside it dropped (:func:`drop_external_links`) and a package with fixed zip timestamps (:func:`deterministic_zip`). Nothing here knows
the form, the styles or the languages; nothing is written to disk.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from docx.document import Document as DocxDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm
from docx.table import Table

__all__ = [
    "clear_body", "clear_template", "comments_root", "deterministic_zip", "drop_external_links", "element", "field", "has_page_field",
    "mark_header_rows", "renumber_comments", "set_footnotes", "set_text", "set_widths",
]

_SEPARATOR_P = '<w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:{0}/></w:r></w:p>'
FOOTNOTES_XML = (
    f'<w:footnotes {nsdecls("w", "r")}>'
    f'<w:footnote w:type="separator" w:id="-1">{_SEPARATOR_P.format("separator")}</w:footnote>'
    f'<w:footnote w:type="continuationSeparator" w:id="0">{_SEPARATOR_P.format("continuationSeparator")}</w:footnote>'
    "</w:footnotes>"
)

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
FIRST_ROW = 0x0020  # w:tblLook/@w:val's bit for first-row formatting (the older form of @w:firstRow)

_AFTER_FOOTNOTE_PR = (  # what follows w:footnotePr in w:settings, in schema order
    *(f"w:{t}" for t in ("endnotePr", "compat", "docVars", "rsids")), "m:mathPr", "w:attachedSchema", "w:themeFontLang",
    "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions",
    "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
    "w:decimalSymbol", "w:listSeparator",
)


def element(tag: str, **attrs: str) -> BaseOxmlElement:
    """A new ``tag`` element with these w: attributes."""
    return OxmlElement(tag, {qn(f"w:{k}"): v for k, v in attrs.items()})


def set_text(r: CT_R, text: str) -> None:
    """Put ``text`` into the empty run ``r``, as python-docx's ``Run.text`` would (a tab, line feed or carriage return
    becomes a ``w:tab`` or ``w:br``), but text without them as one ``w:t`` at once rather than character by character."""
    if "\t" in text or "\n" in text or "\r" in text:
        r.text = text
    elif text:
        r.add_t(text)


def field(instr: str, result: str, style: str = "") -> list[BaseOxmlElement]:
    """A field (PAGE, NOTEREF...) as the runs Word writes: begin, the instruction, separate, its
    last computed ``result`` (shown until fields are updated), end; every run in ``style``.

    Not a w:fldSimple: pandoc drops those, and with them every repeated footnote number."""
    runs = []
    for part in ("begin", "instr", "separate", "result", "end"):
        r = OxmlElement("w:r")
        assert isinstance(r, CT_R)
        if style:
            r.style = style
        if part == "instr":
            text = OxmlElement("w:instrText", {XML_SPACE: "preserve"})
            text.text = instr
            r.append(text)
        elif part == "result":
            set_text(r, result)
        else:
            r.append(element("w:fldChar", fldCharType=part))
        runs.append(r)
    return runs


def mark_header_rows(root: BaseOxmlElement) -> None:
    """Each table in ``root`` tells readers its first row is a header (w:tblLook firstRow) only when
    it is one (w:tblHeader, repeated on each page): pandoc takes a "first row" look for a header."""
    for tbl in root.iter(qn("w:tbl")):
        tr = tbl.find(qn("w:tr"))
        header = tr is not None and tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        look = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblLook')}")
        if look is None:  # no look: no first-row formatting, for readers too
            continue
        look.set(qn("w:firstRow"), "1" if header else "0")
        val = int(look.get(qn("w:val")) or "0", 16)
        val = (val | FIRST_ROW) if header else (val & ~FIRST_ROW)
        look.set(qn("w:val"), f"{val:04X}")


def has_page_field(root: BaseOxmlElement) -> bool:
    """Whether ``root`` (a header, a footer) holds a PAGE field, simple or complex."""
    instrs = [e.get(qn("w:instr")) or "" for e in root.iter(qn("w:fldSimple"))]
    instrs += [e.text or "" for e in root.iter(qn("w:instrText"))]
    return any(i.split()[:1] == ["PAGE"] for i in instrs)


def set_widths(table: Table, widths_cm: Sequence[float]) -> None:
    """Each column of ``table`` and each of its cells as wide as given, in cm."""
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def set_footnotes(document: DocxDocument, notes: Sequence[BaseOxmlElement]) -> None:
    """Give ``document`` a footnotes part: Word's separators (ids -1 and 0), then ``notes``
    (``w:footnote`` elements). A footnotes part the template had (Word adds one) is replaced;
    settings.xml names the separators, as Word writes it."""
    root = parse_xml(FOOTNOTES_XML)
    root.extend(notes)
    part = document.part
    for rId, rel in list(part.rels.items()):
        if rel.reltype == RT.FOOTNOTES:
            part.drop_rel(rId)
    part.relate_to(XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, root, part.package), RT.FOOTNOTES)
    settings = document.settings.element
    pr = settings.find(qn("w:footnotePr"))
    if pr is None:
        pr = settings.insert_element_before(OxmlElement("w:footnotePr"), *_AFTER_FOOTNOTE_PR)
    for old in pr.findall(qn("w:footnote")):
        pr.remove(old)
    for separator in ("-1", "0"):
        pr.append(OxmlElement("w:footnote", {qn("w:id"): separator}))


def comments_root(document: DocxDocument) -> BaseOxmlElement | None:
    """The root of the comments part, if there is one."""
    for rel in document.part.rels.values():
        if rel.reltype == RT.COMMENTS and isinstance(rel.target_part, XmlPart):
            root: BaseOxmlElement = rel.target_part.element
            return root
    return None


def renumber_comments(document: DocxDocument, offset: int) -> None:
    """Comment ids from ``offset`` on (after the footnote ids: LibreOffice confuses a comment with the footnote of the same id)."""
    comments = comments_root(document)
    if comments is None:
        return
    marks = (qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:commentReference"))
    for e in [*document.element.body.iter(*marks), *comments.iter(qn("w:comment"))]:
        e.set(qn("w:id"), str(offset + int(e.get(qn("w:id")) or 0)))


def clear_body(document: DocxDocument) -> None:
    """Remove the body's content, all but the section properties."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def clear_template(document: DocxDocument) -> None:
    """Remove the template's text (all but the section properties) and its comments, which go with its text."""
    clear_body(document)
    comments = comments_root(document)
    if comments is not None:
        for comment in list(comments):
            comments.remove(comment)


_R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_UNWRAPPED = {qn("w:hyperlink")}
"""Elements kept without their link (a hyperlink's text stays)."""
_UNLINKED = {qn("a:blip"), "{urn:schemas-microsoft-com:vml}imagedata"}
"""Elements kept without their reference (a picture linked to a file shows empty)."""


def drop_external_links(document: DocxDocument) -> list[str]:
    """Remove every relationship to something outside the package (an attached template, a linked picture
    or stylesheet, a hyperlink), in every part, with the elements that refer to it; the targets removed."""
    package = document.part.package
    removed: list[str] = []
    for owner in [package, *package.iter_parts()]:
        gone = {rid for rid, rel in owner.rels.items() if rel.is_external}
        removed += [owner.rels.pop(rid).target_ref for rid in sorted(gone)]
        root = getattr(owner, "_element", None)
        if gone and root is not None:
            _drop_references(root, gone)
    return removed


def _drop_references(root: BaseOxmlElement, rids: set[str]) -> None:
    """Remove what refers to relationships ``rids``: a hyperlink keeps its text, a picture its place."""
    for node in list(root.iter()):
        refs = [name for name, value in node.attrib.items() if name.startswith(_R_NS) and value in rids]
        if not refs:
            continue
        parent = node.getparent()
        if node.tag in _UNLINKED or parent is None:
            for name in refs:
                del node.attrib[name]
        elif node.tag in _UNWRAPPED:
            at = parent.index(node)
            for child in list(node):
                parent.insert(at, child)
                at += 1
            parent.remove(node)
        else:  # an attached template, a linked subdocument or frame: nothing to keep
            parent.remove(node)


def deterministic_zip(data: bytes) -> bytes:
    """The same package with fixed zip timestamps, so regenerating gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
