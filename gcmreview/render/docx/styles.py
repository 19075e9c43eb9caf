"""The Word styles the DOCX renderers use, their complex-script fonts, and the base template.

Stage: render (DOCX). :data:`STYLES` lists the styles of the form (Title, Subtitle, Heading 1/2,
Form Text, Question, Answer, Answer Note, List Bullet/Number, Table Heading/Text, Table
Grid, Footnote Text/Reference, Draft Mark...); a facilitator restyles the submission by
editing them in ``templates/base.docx`` in Word. :func:`ensure_styles` adds any of them a
facilitator's template lacks, so the renderer never meets an unknown style.
:func:`set_script` marks run properties (a run's, a style's) as text in a language, with
the complex-script fonts and language Word needs for Khmer, Lao, Myanmar or Thai;
:func:`script_styles` does it for every style the renderer uses,
:func:`set_document_language` for the document defaults.

At build time only, :func:`make_base_template` makes the base template (python-docx's
default document with these styles), byte-for-byte deterministic (fixed dates and zip
timestamps). Regenerate ``templates/base.docx`` with::

    python -m gcmreview.base_template templates/base.docx
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor, Twips
from docx.styles.style import BaseStyle, CharacterStyle, ParagraphStyle

from ...survey.languages import language
from .wml import clear_body, deterministic_zip

__all__ = [
    "RPR_ORDER", "STYLES", "StyleSpec", "ensure_styles", "make_base_template", "mirror_complex_script", "rpr_child",
    "script_styles", "set_document_language", "set_script",
]

P, C = WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21.0), Cm(29.7), Cm(2.5)
TEXT_WIDTH = Cm(21.0 - 2 * 2.5)
LEFT = WD_TAB_ALIGNMENT.LEFT
EDGE_TABS = [(TEXT_WIDTH.twips // 2, WD_TAB_ALIGNMENT.CENTER), (TEXT_WIDTH.twips, WD_TAB_ALIGNMENT.RIGHT)]
FIXED_DATE = dt.datetime(2020, 8, 1, tzinfo=dt.UTC)
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"

RPR_ORDER = (  # the children of w:rPr in schema order (CT_ParaRPr's revision marks first, CT_RPr's change last)
    "ins", "del", "moveFrom", "moveTo", "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
    "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
    "eastAsianLayout", "specVanish", "oMath", "rPrChange",
)
_COMPLEX_TWINS = (("b", "bCs"), ("i", "iCs"), ("sz", "szCs"))

@dataclass(frozen=True)
class StyleSpec:
    """One style the renderer uses. ``name`` is the name in styles.xml (Word's
    lower-case internal name for built-in styles like "footnote text")."""

    name: str
    kind: WD_STYLE_TYPE = P
    style_id: str = ""
    base: str = "Normal"
    size: float = 0
    bold: bool | None = None
    italic: bool | None = None
    color: str = ""
    superscript: bool = False
    align: WD_ALIGN_PARAGRAPH | None = None
    before: float | None = None
    after: float | None = None
    keep_next: bool = False
    indent: tuple[int, int] | None = None  # (left, hanging) in twips
    no_numbering: bool = False
    tabs: list[tuple[int, WD_TAB_ALIGNMENT]] = field(default_factory=list)  # (position in twips, alignment)
    plain: bool = False  # drop the template's own formatting of the style: it looks like its base


def _numbered(level: int) -> StyleSpec:
    name = "List Number" + (f" {level}" if level > 1 else "")
    return StyleSpec(name, after=3, indent=(425 * level, 425), no_numbering=True, tabs=[(425 * level, LEFT)])


STYLES: list[StyleSpec] = [
    StyleSpec("Title", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=0, after=0, color="000000"),
    StyleSpec("Subtitle", base="Title", plain=True),
    StyleSpec("Heading 1", size=12, bold=True, before=6, after=6, keep_next=True),
    StyleSpec("Heading 2", size=11, bold=True, before=12, after=6, keep_next=True),
    StyleSpec("Form Text", after=6),
    StyleSpec("Question", bold=None, before=12, after=6, keep_next=True, indent=(425, 425), tabs=[(425, LEFT)]),
    StyleSpec("Answer", after=6),
    StyleSpec("Answer Note", base="Answer", italic=True, color="595959"),
    StyleSpec("List Bullet", after=3),
    StyleSpec("List Bullet 2", after=3),
    StyleSpec("List Bullet 3", after=3),
    _numbered(1), _numbered(2), _numbered(3),
    StyleSpec("Table Heading", bold=True, before=2, after=2, keep_next=True),
    StyleSpec("Table Text", before=2, after=2),
    StyleSpec("footnote text", style_id="FootnoteText", size=9, before=0, after=0),
    StyleSpec("footnote reference", C, "FootnoteReference", base="Default Paragraph Font", superscript=True),
    StyleSpec("annotation text", style_id="CommentText", size=10, before=0, after=0),
    StyleSpec("annotation reference", C, "CommentReference", base="Default Paragraph Font", size=8),
    StyleSpec("Header", after=0, tabs=EDGE_TABS),
    StyleSpec("Footer", after=0, align=WD_ALIGN_PARAGRAPH.CENTER, tabs=EDGE_TABS),
    StyleSpec("Draft Mark", base="Header", size=14, bold=True, color="C00000", align=WD_ALIGN_PARAGRAPH.CENTER),
]


def _find(document: DocxDocument, spec: StyleSpec) -> BaseStyle | None:
    style: BaseStyle
    for style in document.styles:
        if style.type == spec.kind and (style.name == spec.name or (spec.style_id and style.style_id == spec.style_id)):
            return style
    return None


def _apply(document: DocxDocument, style: BaseStyle, spec: StyleSpec) -> None:
    """Set a style's properties from its spec (only those the spec names)."""
    assert isinstance(style, CharacterStyle)  # ParagraphStyle is a CharacterStyle too
    for own in style.element.findall(qn("w:pPr")) + style.element.findall(qn("w:rPr")) if spec.plain else ():
        style.element.remove(own)
    base = _find(document, StyleSpec(spec.base, spec.kind))
    if isinstance(base, CharacterStyle) and base.name != style.name and style.name != "Normal":
        style.base_style = base
    font = style.font
    if spec.size:
        font.size = Pt(spec.size)
    if spec.bold is not None:
        font.bold = spec.bold
    if spec.italic is not None:
        font.italic = spec.italic
    if spec.color:
        font.color.rgb = RGBColor.from_string(spec.color)
    if spec.superscript:
        font.superscript = True
    mirror_complex_script(style.element.get_or_add_rPr(), strict=True)
    if isinstance(style, ParagraphStyle):
        _apply_paragraph(style, spec)
    style.quick_style = True
    style.hidden = False
    style.unhide_when_used = False


def rpr_child(rPr: BaseOxmlElement, name: str) -> BaseOxmlElement:
    """``rPr``'s ``w:<name>`` child; a missing one is added at its place in schema order."""
    found: BaseOxmlElement | None = rPr.find(qn(f"w:{name}"))
    if found is not None:
        return found
    new: BaseOxmlElement = OxmlElement(f"w:{name}")
    later = {qn(f"w:{n}") for n in RPR_ORDER[RPR_ORDER.index(name) + 1:]}
    successor = next((child for child in rPr if child.tag in later), None)
    if successor is None:
        rPr.append(new)
    else:
        successor.addprevious(new)
    return new


def mirror_complex_script(rPr: BaseOxmlElement, strict: bool = False) -> None:
    """Give complex-script text (Khmer, Lao, Myanmar...) the same bold, italic and size as Latin text:
    w:bCs, w:iCs and w:szCs copy w:b, w:i and w:sz. ``strict`` also drops a twin whose Latin property is unset."""
    for latin_name, cs_name in _COMPLEX_TWINS:
        latin, twin = rPr.find(qn(f"w:{latin_name}")), rPr.find(qn(f"w:{cs_name}"))
        if latin is None:
            if strict and twin is not None:
                rPr.remove(twin)
            continue
        twin = rpr_child(rPr, cs_name)
        twin.attrib.clear()
        twin.attrib.update(latin.attrib)


def set_script(rPr: BaseOxmlElement, lang: str) -> None:
    """Mark run properties (a run's, a style's, the document defaults') as text in ``lang``.

    A complex-script language (Khmer, Lao, Myanmar, Thai) gets its font as w:rFonts/@w:cs
    (with w:hint="cs" and no theme font overriding it), w:bCs/w:iCs/w:szCs mirroring
    w:b/w:i/w:sz, and its locale as w:lang/@w:bidi; others their locale as w:lang/@w:val.
    Children are kept in schema order."""
    spec = language(lang)
    if not spec.complex_script:
        rpr_child(rPr, "lang").set(qn("w:val"), spec.locale)
        return
    fonts = rpr_child(rPr, "rFonts")
    fonts.attrib.pop(qn("w:cstheme"), None)
    fonts.set(qn("w:hint"), "cs")
    fonts.set(qn("w:cs"), spec.font)
    mirror_complex_script(rPr)
    rpr_child(rPr, "lang").set(qn("w:bidi"), spec.locale)


def script_styles(document: DocxDocument, langs: Sequence[str]) -> None:
    """Mark Normal and every renderer style for the complex-script languages among ``langs``."""
    complex_langs = [code for code in langs if language(code).complex_script]
    styles = [_find(document, spec) for spec in [StyleSpec("Normal"), *STYLES]]
    for style in styles if complex_langs else ():
        if isinstance(style, CharacterStyle):  # ParagraphStyle is a CharacterStyle too
            for code in complex_langs:
                set_script(style.element.get_or_add_rPr(), code)


def set_document_language(document: DocxDocument, locale: str, langs: Sequence[str]) -> None:
    """The document defaults' language is ``locale``; each complex-script language of ``langs``
    gets its font and language there and in the theme font languages (w:themeFontLang)."""
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    complex_langs = [code for code in langs if language(code).complex_script]
    if defaults is not None:
        for old in defaults.findall(qn("w:lang")):
            defaults.remove(old)
        rpr_child(defaults, "lang").attrib.update({qn("w:val"): locale, qn("w:bidi"): locale})
        for code in complex_langs:
            set_script(defaults, code)
    theme = document.settings.element.find(qn("w:themeFontLang"))
    for code in complex_langs if theme is not None else ():
        theme.set(qn("w:bidi"), language(code).locale)


def _apply_paragraph(style: ParagraphStyle, spec: StyleSpec) -> None:
    fmt = style.paragraph_format
    if spec.align is not None:
        fmt.alignment = spec.align
    if spec.before is not None:
        fmt.space_before = Pt(spec.before)
    if spec.after is not None:
        fmt.space_after = Pt(spec.after)
    if spec.keep_next:
        fmt.keep_with_next = True
    if spec.indent is not None:
        fmt.left_indent, fmt.first_line_indent = Twips(spec.indent[0]), Twips(-spec.indent[1])
    pPr = style.element.get_or_add_pPr()
    if spec.no_numbering:
        for numPr in pPr.findall(qn("w:numPr")):
            pPr.remove(numPr)
    for border in pPr.findall(qn("w:pBdr")):  # Title's rule under the text
        pPr.remove(border)
    if spec.tabs:
        fmt.tab_stops.clear_all()
        for pos, align in spec.tabs:
            fmt.tab_stops.add_tab_stop(Twips(pos), align)


def _add(document: DocxDocument, spec: StyleSpec) -> BaseStyle:
    builtin = spec.name[0].islower()  # Word's internal names of built-in styles, e.g. "footnote text"
    style: BaseStyle = document.styles.add_style(spec.name, spec.kind, builtin)
    if spec.style_id:
        style.style_id = spec.style_id
    return style


def ensure_styles(document: DocxDocument) -> list[str]:
    """Add the renderer's styles a template lacks (existing ones are left as the facilitator made them)."""
    added = []
    for spec in STYLES:
        if _find(document, spec) is None:
            _apply(document, _add(document, spec), spec)
            added.append(spec.name)
    return added


def _define_styles(document: DocxDocument) -> None:
    """Create or adjust every renderer style to the base template's look."""
    for spec in STYLES:
        style = _find(document, spec) or _add(document, spec)
        _apply(document, style, spec)
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.08


def _page_setup(document: DocxDocument) -> None:
    for section in document.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
        section.header_distance = section.footer_distance = Cm(1.25)


def _tidy_package(document: DocxDocument) -> None:
    """Drop python-docx's leftovers: the Word 2010 stylesWithEffects copy and the preview picture."""
    part = document.part
    for rId, rel in list(part.rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS:
            part.drop_rel(rId)
    package_rels = part.package.rels
    for rId, rel in list(package_rels.items()):
        if rel.reltype == THUMBNAIL:
            del package_rels[rId]
    props = document.core_properties
    props.author, props.comments, props.last_modified_by, props.title = "gcmreview", "", "", ""
    props.created = props.modified = FIXED_DATE
    props.revision = 1
    settings = document.settings.element
    for rsids in settings.findall(qn("w:rsids")):
        settings.remove(rsids)


def make_base_template() -> bytes:
    """The base template's .docx bytes, the same on every run."""
    document = docx.Document()
    _define_styles(document)
    _page_setup(document)
    _tidy_package(document)
    clear_body(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue())
