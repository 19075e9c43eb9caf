"""A PDF text layer that says what was written: one character code for each use of a glyph.

Stage: render (PDF), a workaround for WeasyPrint 70.0 entered by
:func:`~.weasyprint_fixes.fixed_rendering`. WeasyPrint writes each glyph with its
glyph id as its character code and gives that code, in the font's ToUnicode map,
the text of the first cluster the glyph was drawn in (``draw/text.py``:
``font.to_unicode[glyph_id]`` is set once). In scripts whose clusters are drawn
with shared glyphs (a Khmer vowel sign, a Myanmar medial, a subscript consonant),
the same glyph stands for different texts in different clusters, so search, copy
and extraction get the first cluster's text everywhere: "ដែលធ្វើ" reads "ដែធ្វើ".

The fix gives each distinct (glyph, text) pair its own character code. Before a
line is drawn, :func:`distinct_glyph_codes` replaces in Pango's glyph string each
glyph whose id already stands for another text by a new code (from
``glyph count + 4096`` up), and records the code's text and width; WeasyPrint then
writes that code and its text as for any glyph. When the fonts are written, the
subset keeps the real glyphs, and the descendant font's ``CIDToGIDMap``, which
WeasyPrint writes as ``/Identity``, becomes a map from each code drawn to its glyph. Every
viewer honours that map (unlike ``/ActualText``, which Firefox and Apple Preview
ignore). The glyph ids are put back in Pango's glyph string once the line is drawn.

It leaves bitmap and colour fonts (emoji) alone, and lines WeasyPrint shortens with
an ellipsis (it lays them out again while drawing): those keep WeasyPrint's codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from .patching import replaced

__all__ = ["GlyphCodes", "distinct_glyph_codes"]

CODE_GAP = 4096
"""New codes start this far above a font's glyph count (WeasyPrint's codes for missing glyphs come right after it)."""
LAST_CODE = 0xFFFF
"""Character codes are two bytes."""


@dataclass
class GlyphCodes:
    """The character codes of one font file: the text each stands for, and the glyph of each new code."""

    first_new: int
    texts: dict[tuple[int, str], int] = field(default_factory=dict)
    """(glyph id, text) -> code."""
    first_text: dict[int, str] = field(default_factory=dict)
    """The text a glyph's own id stands for."""
    glyphs: dict[int, int] = field(default_factory=dict)
    """New code -> glyph id."""

    def code(self, glyph: int, text: str) -> int:
        """The code that shows ``glyph`` and stands for ``text`` (the glyph id for its first text)."""
        if self.first_text.setdefault(glyph, text) == text:
            return glyph
        code = self.texts.get((glyph, text))
        if code is None:
            code = self.first_new + len(self.glyphs)
            if code > LAST_CODE:
                return glyph  # out of codes: WeasyPrint's own behaviour
            self.texts[(glyph, text)] = code
            self.glyphs[code] = glyph
        return code

    def glyph(self, code: int) -> int:
        return self.glyphs.get(code, code)

    def cid_to_gid(self, drawn: Iterable[int]) -> bytes:
        """The ``CIDToGIDMap`` stream's data: each code ``drawn`` to its glyph, every other code to glyph 0.

        Codes never drawn map to ``.notdef`` rather than to themselves, so that the map,
        as long as the largest code, is mostly zeros and compresses to little (each
        section of a PDF rendered by parts has its own map of each font).
        """
        last = max(self.glyphs)
        table = bytearray(2 * (last + 1))
        for cid in drawn:
            if 0 <= cid <= last:
                table[2 * cid:2 * cid + 2] = self.glyph(cid).to_bytes(2, "big")
        return bytes(table)


def _cluster_text(glyph_item: Any, index: int, utf8: bytes) -> str:
    """The text of glyph ``index``'s cluster when it is the cluster's last glyph, else '' (as WeasyPrint reckons it)."""
    glyphs = glyph_item.glyphs
    clusters, count = glyphs.log_clusters, glyphs.num_glyphs
    offset, length = glyph_item.item.offset, glyph_item.item.length
    start = clusters[index]
    if glyph_item.item.analysis.level % 2:  # right to left
        end = length if index == 0 else clusters[index - 1]
    else:
        end = length if index == count - 1 else clusters[index + 1]
    return utf8[offset + start:offset + end].decode("utf-8", "replace")


def glyph_texts(glyph_item: Any, utf8: bytes) -> list[str]:
    """The text each glyph of a run stands for: a cluster's whole text on one glyph, '' on its others.

    The glyph that carries it is the cluster's widest glyph drawn where the text flows
    (its base letter, not a mark moved by an offset, as a subscript or a vowel sign
    above is), so that an extractor finds the cluster's text in line with its
    neighbours and the word whole;
    WeasyPrint gives it to the cluster's last glyph, often such a moved mark. A mark
    that Pango puts in a cluster of its own (no advance, moved onto its base) gives its
    text to the glyph before it, after the text of any mark between them (in Lao
    "ສົ່", a vowel sign drawn in place, then a tone mark moved above it: the tone mark
    appended to the base alone would read "ສ່ົ"). Right-to-left runs keep WeasyPrint's
    choice.
    """
    glyphs = glyph_item.glyphs
    count, clusters = glyphs.num_glyphs, glyphs.log_clusters
    texts = [_cluster_text(glyph_item, i, utf8) for i in range(count)]
    if glyph_item.item.analysis.level % 2:
        return texts
    start = 0
    while start < count:
        end = start
        while end + 1 < count and clusters[end + 1] == clusters[start]:
            end += 1
        if end > start:  # a cluster of several glyphs
            text = texts[end]
            placed = [i for i in range(start, end + 1) if not (glyphs.glyphs[i].geometry.x_offset or glyphs.glyphs[i].geometry.y_offset)]
            carrier = max(placed, key=lambda i: glyphs.glyphs[i].geometry.width) if placed else end
            for i in range(start, end + 1):
                texts[i] = text if i == carrier else ""
        start = end + 1
    for i in range(count):  # a mark Pango keeps in a cluster of its own (a subscript, a vowel above): with its base
        moved = glyphs.glyphs[i].geometry
        if texts[i] and moved.width == 0 and (moved.x_offset or moved.y_offset):
            base = next((j for j in range(i - 1, -1, -1) if texts[j] and glyphs.glyphs[j].geometry.width > 0), None)
            if base is not None:  # with the marks between them, which come first in the text (Lao: a vowel, then a tone)
                texts[base] += "".join(texts[base + 1:i + 1])
                texts[base + 1:i + 1] = [""] * (i - base)
    return texts


class _Recoder:
    """Codes by font file, for one render."""

    def __init__(self) -> None:
        self.fonts: dict[Any, GlyphCodes] = {}

    def codes(self, font: Any) -> GlyphCodes:
        found = self.fonts.get(font.hash)
        if found is None:
            found = self.fonts[font.hash] = GlyphCodes(font.glyph_count + CODE_GAP)
            for glyph, text in font.to_unicode.items():  # what WeasyPrint wrote before, if anything
                found.first_text.setdefault(glyph, text)
        return found

    def recode(self, stream: Any, textbox: Any) -> list[tuple[Any, int]]:
        """Give the line's glyphs their codes in Pango's glyph string; the (glyph info, glyph id) pairs to put back."""
        from weasyprint.text.ffi import FROM_UNITS, ffi, pango

        # As draw_first_line does first: set after the codes are in, it would lay the line out again.
        pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
        first_line, _ = textbox.pango_layout.get_first_line()
        utf8 = textbox.pango_layout.text.encode()
        changed: list[tuple[Any, int]] = []
        run = first_line.runs[0]
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            pango_font = glyph_item.item.analysis.font
            font, font_size = stream.add_font(pango_font)
            if font.bitmap or font.png or font.svg or font.colr:
                continue
            if pango.pango_version() < 14802:  # as WeasyPrint does (Pango issue 530)
                font_size = textbox.style["font_size"]
            codes = self.codes(font)
            texts = glyph_texts(glyph_item, utf8)
            for index in range(glyph_item.glyphs.num_glyphs):
                info = glyph_item.glyphs.glyphs[index]
                glyph = info.glyph
                if glyph == pango.PANGO_GLYPH_EMPTY or glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                    continue
                text = texts[index]
                code = codes.code(glyph, text)
                if code == glyph:
                    font.to_unicode.setdefault(glyph, text)  # else WeasyPrint would give it its own choice of text
                    continue
                if code not in font.widths:
                    pango.pango_font_get_glyph_extents(pango_font, glyph, stream.ink_rect, stream.logical_rect)
                    font.widths[code] = round(stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
                font.to_unicode[code] = text
                info.glyph = code
                changed.append((info, glyph))
        return changed


@contextmanager
def distinct_glyph_codes() -> Iterator[_Recoder]:
    """While a PDF is made: every (glyph, text) pair its own character code, mapped to its glyph in the font."""
    from weasyprint.draw import text as drawing
    from weasyprint.pdf import fonts as writing

    recoder = _Recoder()
    draw_first_line = drawing.draw_first_line
    clean = writing.Font.clean
    vector_font = writing._build_vector_font_dictionary

    def draw(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, *args: Any, **kwargs: Any) -> Any:
        changed = recoder.recode(stream, textbox) if text_overflow != "ellipsis" and block_ellipsis == "none" else []
        try:
            return draw_first_line(stream, textbox, text_overflow, block_ellipsis, *args, **kwargs)
        finally:
            for info, glyph in changed:
                info.glyph = glyph

    def subset(font: Any, to_unicode: dict[int, str], hinting: Any) -> Any:
        codes = recoder.fonts.get(font.hash)
        if codes is not None and codes.glyphs:
            to_unicode = {codes.glyph(code): text for code, text in to_unicode.items()}  # keep the real glyphs
        return clean(font, to_unicode, hinting)

    def vector(font_dictionary: Any, pdf: Any, font: Any, widths: Any, compress: bool, *args: Any) -> Any:
        import pydyf

        done = vector_font(font_dictionary, pdf, font, widths, compress, *args)
        codes = recoder.fonts.get(font.hash)
        if codes is not None and codes.glyphs:
            stream = pydyf.Stream([codes.cid_to_gid(font.to_unicode)], compress=compress)
            pdf.add_object(stream)
            reference = font_dictionary["DescendantFonts"][0]  # b"12 0 R"
            number = int((reference.decode() if isinstance(reference, bytes) else str(reference)).split()[0])
            pdf.objects[number]["CIDToGIDMap"] = stream.reference
        return done

    with ExitStack() as stack:
        for owner, name, replacement in ((drawing, "draw_first_line", draw), (writing.Font, "clean", subset),
                                         (writing, "_build_vector_font_dictionary", vector)):
            stack.enter_context(replaced(owner, name, replacement))
        yield recoder
