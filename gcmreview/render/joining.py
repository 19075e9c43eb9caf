"""The sections of a PDF (:mod:`.sections`) joined into one with pikepdf.

Stage: render (PDF). :func:`join` makes one PDF of the sections' PDFs with pikepdf: their pages in
order; one structure tree (one ``Document`` element holding every section's
elements in order, ``ParentTree`` and ``StructParents`` renumbered, role maps
merged); the named destinations (a footnote call's link to its note); one outline
from every section's headings, nested by level as WeasyPrint nests them; page
labels; the first section's catalogue (title, language, XMP metadata, PDF/UA
claim). The sections leave out the page number ("n / N"), which only the whole
document knows; :func:`~.sections.folio_html` is a document of as many empty pages with the
same page rules, whose page numbers the join puts on the pages as artifacts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from .sections import SectionPdf

__all__ = ["join"]


def _array(value: Any) -> list[Any]:
    import pikepdf

    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _nums(tree: Any) -> list[tuple[int, Any]]:
    """The (key, value) pairs of a number tree (a ``/Nums`` array, or ``/Kids`` of them)."""
    pairs: list[tuple[int, Any]] = []
    if "/Nums" in tree:
        nums = tree.Nums
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
    for kid in _array(tree.get("/Kids")):
        pairs += _nums(kid)
    return pairs


def _names(tree: Any) -> list[tuple[str, Any]]:
    """The (name, value) pairs of a name tree."""
    pairs: list[tuple[str, Any]] = []
    if "/Names" in tree:
        names = tree.Names
        pairs += [(bytes(names[i]).decode("latin-1"), names[i + 1]) for i in range(0, len(names) - 1, 2)]
    for kid in _array(tree.get("/Kids")):
        pairs += _names(kid)
    return pairs


def _copy(out: Any, value: Any) -> Any:
    """``value`` of another PDF in ``out``: indirect objects copied once (pikepdf keeps one copy each), direct ones rebuilt."""
    import pikepdf

    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return out.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(out, item) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(out, item) for key, item in value.items()})
    return value


def join(sections: Sequence[SectionPdf], folio: bytes | None = None) -> bytes:
    """One PDF of ``sections`` (in order) as described in the module's docstring; ``folio``'s pages drawn on its pages."""
    import pikepdf

    if not sections:
        raise ValueError("nothing to join")
    joined = _Joined(pikepdf.open(io.BytesIO(sections[0].data)), sections[0])
    for section in sections[1:]:
        joined.append(section)
    out = joined.finish()
    if folio is not None:
        _stamp(out, folio)
    _share_font_programs(out)
    buffer = io.BytesIO()
    out.save(buffer, fix_metadata_version=False, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


class _Joined:
    """The first section's PDF, the others appended to it: pages, structure, destinations, outline entries."""

    def __init__(self, out: Any, first: SectionPdf) -> None:
        self.out = out
        root, tree = out.Root, out.Root.get("/StructTreeRoot")
        self.tree = tree
        kids = _array(tree.get("/K")) if tree is not None else []
        self.document = kids[0] if len(kids) == 1 and kids[0].get("/S") == "/Document" else None
        self.elements = _array(self.document.get("/K")) if self.document is not None else []
        """The ``Document``'s elements, written into it by :meth:`finish` (once: an array rewritten per element is quadratic)."""
        self.nums = _nums(tree.ParentTree) if tree is not None and "/ParentTree" in tree else []
        self.next_key = max((key for key, _ in self.nums), default=-1) + 1
        self.dests = _names(root.Names.Dests) if "/Names" in root and "/Dests" in root.Names else []
        self.ids = _names(tree.IDTree) if tree is not None and "/IDTree" in tree else []
        self.role_map = dict(tree.RoleMap.items()) if tree is not None and "/RoleMap" in tree else {}
        self.bookmarks = [(b.level, b.label, b.page, b.x, b.y) for b in first.bookmarks]

    def append(self, section: SectionPdf) -> None:
        """The section's pages, their ``StructParents`` (and their annotations' ``StructParent``) after the keys so far."""
        import pikepdf

        out = self.out
        src = pikepdf.open(io.BytesIO(section.data))
        offset, start = self.next_key, len(out.pages)
        for page in src.pages:
            out.pages.append(page)
            copied = out.pages[-1].obj
            if "/StructParents" in copied:
                copied.StructParents = int(copied.StructParents) + offset
            for annotation in _array(copied.get("/Annots")):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        src_tree = src.Root.get("/StructTreeRoot")
        if src_tree is not None and self.document is not None:
            self._structure(src_tree, offset)
        if "/Names" in src.Root and "/Dests" in src.Root.Names:
            self.dests += [(name, _copy(out, value)) for name, value in _names(src.Root.Names.Dests)]
        self.bookmarks += [(b.level, b.label, b.page + start, b.x, b.y) for b in section.bookmarks]

    def _structure(self, src_tree: Any, offset: int) -> None:
        """The section's elements into the one ``Document``; its ParentTree (keys + ``offset``), IDs and roles."""
        import pikepdf

        out, document = self.out, self.document
        assert document is not None
        for kid in _array(src_tree.get("/K")):
            for element in _array(kid.get("/K")) if kid.get("/S") == "/Document" else [kid]:
                copied = _copy(out, element)
                if isinstance(copied, pikepdf.Dictionary):
                    copied.P = document
                self.elements.append(copied)
        if "/ParentTree" in src_tree:
            self.nums += [(key + offset, _copy(out, value)) for key, value in _nums(src_tree.ParentTree)]
            self.next_key = max((key for key, _ in self.nums), default=self.next_key - 1) + 1
        if "/IDTree" in src_tree:
            self.ids += [(name, _copy(out, value)) for name, value in _names(src_tree.IDTree)]
        if "/RoleMap" in src_tree:
            self.role_map.update((key, _copy(out, value)) for key, value in src_tree.RoleMap.items())

    def finish(self) -> Any:
        """The joined PDF: its number and name trees written, the outline, decimal page labels."""
        import pikepdf

        out, tree = self.out, self.tree

        def flat(pairs: list[tuple[Any, Any]], key: Any) -> Any:
            return pikepdf.Array([x for k, value in sorted(pairs, key=lambda pair: pair[0]) for x in (key(k), value)])

        if self.document is not None:
            self.document.K = pikepdf.Array(self.elements)
        if tree is not None:
            tree.ParentTree = out.make_indirect(pikepdf.Dictionary(Nums=flat(self.nums, int)))
            tree.ParentTreeNextKey = self.next_key
            if self.ids:
                tree.IDTree = out.make_indirect(pikepdf.Dictionary(Names=flat(self.ids, pikepdf.String)))
            if self.role_map:
                tree.RoleMap = pikepdf.Dictionary(self.role_map)
        if self.dests:
            names = out.Root.get("/Names") or pikepdf.Dictionary()
            names.Dests = out.make_indirect(pikepdf.Dictionary(Names=flat(self.dests, pikepdf.String)))
            out.Root.Names = names
        _outline(out, self.bookmarks)
        out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([0, pikepdf.Dictionary(S=pikepdf.Name.D)]))
        return out


def _outline(out: Any, bookmarks: list[tuple[int, str, int, float, float]]) -> None:
    """The outline of ``bookmarks`` (level, label, page, x, y in CSS px), each entry under the last of a lower level."""
    import pikepdf

    with out.open_outline() as outline:
        outline.root.clear()
        stack: list[tuple[int, Any]] = []
        for level, label, page, x, y in bookmarks:
            height = float(out.pages[page].mediabox[3])
            item = pikepdf.OutlineItem(label, page, "XYZ", left=x * 0.75, top=height - y * 0.75)
            while stack and stack[-1][0] >= level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((level, item))


def _share_font_programs(out: Any) -> None:
    """One font program for each font the sections share: the union of their subsets' glyphs.

    Each section embeds its own subset of each font it uses, and a font program's
    fixed tables weigh more than its few glyphs (the sample's English PDF: 22 programs
    of 3.8 kB for 4). WeasyPrint subsets with the font's own glyph ids (HarfBuzz's
    ``RETAIN_GIDS``) and names each subset by the font, so the subsets of one font,
    a ``FontName`` apart, differ only in which glyphs have outlines: here they become
    one program with every glyph any of them draws, which every section's font
    descriptor then names. Fonts other than TrueType outlines (``FontFile2``), or
    whose subsets disagree on their glyphs, keep their own programs.
    """
    from collections import defaultdict

    import pikepdf
    from fontTools.ttLib import TTFont

    programs: dict[str, dict[tuple[int, int], Any]] = defaultdict(dict)
    descriptors: dict[str, list[Any]] = defaultdict(list)
    for obj in out.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor" and "/FontFile2" in obj:
            name = str(obj.FontName)
            programs[name][obj.FontFile2.objgen] = obj.FontFile2
            descriptors[name].append(obj)
    for name, streams in programs.items():
        if len(streams) < 2:
            continue
        # Glyphs are moved as the subsets hold them, never decoded (nor their bounding boxes computed again).
        fonts = [TTFont(io.BytesIO(stream.read_bytes()), recalcBBoxes=False, recalcTimestamp=False) for stream in streams.values()]
        if any("glyf" not in font for font in fonts):
            continue
        for font in fonts:  # glyphs named by their ids: subsets name them from their own cmap
            font.setGlyphOrder([f"glyph{gid:05d}" for gid in range(font["maxp"].numGlyphs)])
        base = max(fonts, key=lambda font: len(font.getGlyphOrder()))
        glyf, hmtx = base["glyf"], base["hmtx"]
        for font in fonts:
            if font is base:
                continue
            for glyph in font.getGlyphOrder():
                drawn = font["glyf"].glyphs[glyph]
                if _has_outline(drawn) and not _has_outline(glyf.glyphs[glyph]):
                    glyf.glyphs[glyph] = drawn
                    hmtx[glyph] = font["hmtx"][glyph]
        _union_limits(base, fonts)
        buffer = io.BytesIO()
        base.save(buffer)
        data = buffer.getvalue()
        shared = out.make_indirect(pikepdf.Stream(out, data))
        shared.Length1 = len(data)
        for descriptor in descriptors[name]:
            descriptor.FontFile2 = shared


def _has_outline(glyph: Any) -> bool:
    """Whether a glyph of a ``glyf`` table draws something (as read: its bytes; once decoded: its contours)."""
    return bool(getattr(glyph, "data", b"")) or getattr(glyph, "numberOfContours", 0) != 0


_MAXP_LIMITS = ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxZones", "maxTwilightPoints",
                "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                "maxComponentElements", "maxComponentDepth")


def _union_limits(base: Any, fonts: list[Any]) -> None:
    """``base``'s ``maxp`` limits and ``head`` bounding box those of all ``fonts`` (whose glyphs it now holds)."""
    maxp = base["maxp"]
    for name in _MAXP_LIMITS:
        if hasattr(maxp, name):
            setattr(maxp, name, max(getattr(font["maxp"], name, 0) for font in fonts))
    head = base["head"]
    head.xMin, head.yMin = min(font["head"].xMin for font in fonts), min(font["head"].yMin for font in fonts)
    head.xMax, head.yMax = max(font["head"].xMax for font in fonts), max(font["head"].yMax for font in fonts)


def _stamp(out: Any, folio: bytes) -> None:
    """Each page of ``folio`` drawn over the same page of ``out``, as a pagination artifact."""
    import pikepdf

    stamps = pikepdf.open(io.BytesIO(folio))
    if len(stamps.pages) != len(out.pages):
        raise ValueError(f"the folio has {len(stamps.pages)} pages for {len(out.pages)}")
    for page, stamp in zip(out.pages, stamps.pages, strict=True):
        form = out.copy_foreign(stamp.as_form_xobject())
        name = page.add_resource(form, pikepdf.Name.XObject, prefix="Folio")
        page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(out, b"\nQ\n/Artifact <</Type /Pagination>> BDC q " + bytes(str(name), "ascii")
                                         + b" Do Q EMC\n"), prepend=False)
