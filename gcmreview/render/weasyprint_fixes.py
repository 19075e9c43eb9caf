"""Workarounds for WeasyPrint 70.0 bugs, in force only while a PDF of ours is made.

Stage: render (PDF). :func:`fixed_rendering` is entered by :func:`~.pdf.lay_out`
and :func:`~.pdf.render_pdf`. Each patch is written against the WeasyPrint versions
in :data:`PATCHED_VERSIONS` and leaves any other version alone, so that an upgrade
shows in the layout tests (tests/test_pdf_layout.py) instead of being patched blind:

* :func:`last_lines_fit`: a text whose last line fits but for its trailing space
  is broken after its first word;
* :func:`markers_in_reading_order`: list bullets are drawn after all the text of
  their page, so the PDF's text (copy, search, extraction) has them at its end;
* :func:`min_content_by_pieces`: the narrowest width of a text without spaces (a
  table cell's) takes time growing with the square of its length;
* :func:`grid_rows_measured_once`: a grid row spanning pages is laid out again,
  whole, on every page it spans (the bilingual draft's two columns are grids);
* :func:`table_widths_by_element`: a table in a grid item is measured again, cell
  by cell, each time the item is laid out;
* :func:`~.glyph_codes.distinct_glyph_codes`: a glyph drawn in several clusters
  stands for the first one's text everywhere in the text layer (Khmer, Lao, Myanmar
  and Thai text copied or extracted from the PDF is garbled).

WeasyPrint is imported by :mod:`.pdf` (which quiets its import warning); the
functions here import its modules when they run, during a render.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .glyph_codes import distinct_glyph_codes
from .patching import replaced
from .scripts import ZWSP

__all__ = ["PATCHED_VERSIONS", "applies", "fixed_rendering", "grid_rows_measured_once", "last_lines_fit", "markers_in_reading_order", "min_content_by_pieces", "table_widths_by_element"]

PATCHED_VERSIONS = frozenset({"70.0"})
"""The WeasyPrint versions whose bugs these patches were checked against."""

_GRID_MODULE = "weasyprint.layout.grid"
"""The module whose measures :func:`grid_rows_measured_once` takes over (its calls only)."""

_CHARS_PER_EM = 8
"""A text with more characters than this per em of width cannot fit on one line (a quick test)."""


def applies() -> bool:
    """Whether the installed WeasyPrint is one these workarounds were written for."""
    import weasyprint

    return weasyprint.__version__ in PATCHED_VERSIONS


@contextmanager
def last_lines_fit() -> Iterator[None]:
    """The last line of a text is kept whole when it fits without its trailing space.

    WeasyPrint 70.0's ``split_first_line`` (text/line_break.py) asks Pango for the
    first line of the rest of a text. When the rest fits on one line *except for a
    trailing collapsible space* (the newline before ``</li>``, a space before a
    nested list or the end of a block), Pango returns it as one line whose width,
    space included, is a little more than the line's. Step 2 ("don't split lines
    when it's not needed") compares that width, space included, and refuses;
    step 3 then takes the branch for a first line that cannot be broken earlier,
    keeps only the first word and sends everything else to a new line. The space
    would have been removed at the end of the line anyway (``remove_last_whitespace``),
    and ``split_inline_box`` already accepts text that overflows by its trailing
    space. Minimal reproduction (Noto Sans; "an" alone on the first line)::

        <style>body { margin: 0; font: 10pt/1.35 "Noto Sans" } div { width: 600.9px }</style>
        <div>an MOU signed in 2018 by three private associations to protect Cambodian workers in Thailand;
        </div>

    Without the newline before ``</div>`` the sentence stays on one line (598.8px).
    Here, when WeasyPrint breaks a normal-white-space text that ends with spaces and
    the text without them fits on one line, the whole text is laid out as one line.
    """
    from weasyprint.layout import inline
    from weasyprint.text.line_break import create_layout, line_size

    original = inline.split_first_line

    def split_first_line(text: str, style: Any, context: Any, max_width: float | None,
                         justification_spacing: float, is_line_start: bool = True, minimum: bool = False) -> Any:
        result = original(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        if result[2] is None or max_width is None or style["white_space"] != "normal" or not text.endswith(" "):
            return result
        kept = text.rstrip(" ")
        if not kept or len(kept) > max_width / max(style["font_size"], 1) * _CHARS_PER_EM:
            return result
        layout = create_layout(kept, style, context, max_width, justification_spacing)
        line, resume = layout.get_first_line()
        fits = resume is None and line_size(line, style)[0] <= max_width
        layout.deactivate()
        if not fits:
            return result
        return original(text, style, context, None, justification_spacing, is_line_start, minimum)

    inline.split_first_line = split_first_line
    try:
        yield
    finally:
        inline.split_first_line = original


@contextmanager
def markers_in_reading_order() -> Iterator[None]:
    """List markers are drawn with their list item, not after everything else on the page.

    WeasyPrint lays out an outside ``::marker`` as an absolutely positioned block
    (formatting_structure/build.py, ``marker_to_box``), and ``stacking._dispatch``
    puts positioned boxes into the page's stacking layer for positioned
    descendants, painted after all in-flow content (CSS 2 appendix E, step 8).
    The layout is right, but the PDF content stream, which text extraction, copy and
    search follow, holds a page's text and then all its bullets: "Other measures
    include: the Code of Conduct ... an MOU ... • • •". Minimal reproduction
    (``pdftotext -raw`` prints "a b" then "• •")::

        <ul><li>a</li><li>b</li></ul>

    Here a marker that would only be a layer for its positioning (z-index auto,
    no opacity, transform or overflow) stays among its list item's children and is
    drawn just before the item's own content, where it is in reading order.
    """
    from weasyprint import draw, stacking
    from weasyprint.layout.absolute import AbsolutePlaceholder

    original_dispatch = stacking._dispatch
    original_draw = draw.draw_block_level

    def dispatch(box: Any, page: Any, child_contexts: Any, blocks: Any, floats: Any, blocks_and_cells: Any) -> Any:
        marker = box._box if isinstance(box, AbsolutePlaceholder) else box
        style = marker.style
        if getattr(marker, "is_outside_marker", False) and style["z_index"] == "auto" and style["opacity"] >= 1 \
                and not style["transform"] and style["overflow"] == "visible":
            return stacking.StackingContext.from_box(marker, page, child_contexts)
        return original_dispatch(box, page, child_contexts, blocks, floats, blocks_and_cells)

    def draw_block_level(page: Any, stream: Any, blocks_and_cells: dict[Any, Any]) -> None:
        for block, nested in blocks_and_cells.items():
            for child in getattr(block, "children", None) or ():
                if isinstance(child, stacking.StackingContext):
                    draw.draw_stacking_context(stream, child)
            original_draw(page, stream, {block: nested})

    stacking._dispatch, draw.draw_block_level = dispatch, draw_block_level
    try:
        yield
    finally:
        stacking._dispatch, draw.draw_block_level = original_dispatch, original_draw


@contextmanager
def min_content_by_pieces() -> Iterator[None]:
    """The min-content width of a text is found from its first piece up to a U+200B, not from all of it.

    To find the narrowest width a table column may take, WeasyPrint 70.0
    (layout/preferred.py, ``inline_line_widths``) breaks a text at every opportunity
    and asks ``split_first_line`` for each piece in turn with ``minimum=True``. That
    lays out only up to the first space plus a letter, but a text with no space is
    laid out whole, for each of its pieces: 8.7 s for a table cell of 32,767
    characters with a break opportunity (U+200B) every 32, 0.2 s for a paragraph.
    Here a text whose first break opportunity is a U+200B before any space is cut
    after it and one more letter, as WeasyPrint cuts at a space; the first line and
    the offset to resume from are the same.
    """
    from weasyprint.layout import preferred

    original = preferred.split_first_line

    def split_first_line(text: str, style: Any, context: Any, max_width: float | None,
                         justification_spacing: float, is_line_start: bool = True, minimum: bool = False) -> Any:
        cut = text.find(ZWSP) if minimum and max_width == 0 else -1
        if cut != -1 and " " not in text[:cut]:
            text = text[:cut + 2]
        return original(text, style, context, max_width, justification_spacing, is_line_start, minimum)

    with replaced(preferred, "split_first_line", split_first_line):
        yield


@contextmanager
def grid_rows_measured_once() -> Iterator[None]:
    """A grid row that spans pages is measured once per render, and what is left of it up to a page.

    To size a grid's rows, WeasyPrint 70.0 (layout/grid.py, ``_resolve_tracks_sizes``
    and ``_distribute_extra_space``) lays each item out whole, from its start and with
    no page bottom (``bottom_space=-inf``); on each page a row continues on, it does
    that again, and also lays out all that is left of each broken item, to correct
    the row's advancement by what the last page could not hold (``grid_layout``,
    "Find resume_at row"). A row spanning *n* pages is so laid out about *n*\u00b2/2
    times: 14 s for the two columns of a bilingual draft holding a word of 32,000
    characters (19 pages), 0.6 s as a table; 55 s for a row of 70 pages.

    Here, while a PDF of ours is made:

    * an item's whole height is measured once for the render (it depends on the
      item and on its containing block's size, not on the page) and given again to
      the same call; anonymous items (text directly in a grid) share their element
      with their siblings and are measured every time, as before;
    * what is left of a broken item is laid out up to a page's height. Taller, the
      row breaks on this page whatever its exact height, and the correction, made
      again on each page from what is left, is exact on the page where the row
      ends. The pages are the same, box for box (tests/test_pdf_layout.py compares
      them with WeasyPrint's own measure): 70 pages in 6.5 s instead of 55 s.
    """
    from weasyprint.css import AnonymousStyle
    from weasyprint.layout import block

    original = block.block_level_layout
    measured: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def block_level_layout(context: Any, box: Any, bottom_space: float, skip_stack: Any, containing_block: Any,
                           *args: Any, **kwargs: Any) -> Any:
        if bottom_space != -math.inf or args or kwargs or sys._getframe(1).f_globals.get("__name__") != _GRID_MODULE:
            return original(context, box, bottom_space, skip_stack, containing_block, *args, **kwargs)
        if skip_stack is not None:  # what is left of a broken item, laid out at y = 0: up to the page's bottom
            return original(context, box, 0, skip_stack, containing_block)
        if box.element is None or isinstance(box.style, AnonymousStyle):
            return original(context, box, bottom_space, skip_stack, containing_block)
        key = (id(context), id(box.element), box.element_tag, type(box), containing_block.width, containing_block.height)
        kept = measured.get(key)
        if kept is None or kept[0] is not box.element:
            kept = measured[key] = (box.element, original(context, box, bottom_space, skip_stack, containing_block))
        return kept[1]

    with replaced(block, "block_level_layout", block_level_layout):
        yield


class _TablesByElement(dict[Any, Any]):
    """WeasyPrint's cache of tables' content widths, keyed by the table's element instead of its box."""

    @staticmethod
    def _key(table: Any) -> Any:
        from weasyprint.css import AnonymousStyle

        if table.element is None or isinstance(table.style, AnonymousStyle):
            return table
        return (id(table.element), table.element_tag, type(table))

    def get(self, table: Any, default: Any = None) -> Any:
        kept = super().get(self._key(table))
        return default if kept is None or kept[0] is not table.element else kept[1]

    def __setitem__(self, table: Any, widths: Any) -> None:
        super().__setitem__(self._key(table), (table.element, widths))


@contextmanager
def table_widths_by_element() -> Iterator[None]:
    """A table's content widths are found once per render, not once for each copy of its box.

    WeasyPrint 70.0 keeps the widths of a table with automatic layout (found from the
    min- and max-content width of every cell, layout/preferred.py,
    ``table_and_columns_preferred_widths``) in ``LayoutContext.tables``, keyed by the
    table's box. A grid lays its items out as deep copies (layout/grid.py), so a table
    in a grid item (a statistics or actions table in an answer of the bilingual draft)
    is a new box each time and measured again, cell by cell: 54 s of a 127-page
    bilingual draft whose answers are as long as a cell holds, against 8 s with no
    grid. The widths depend on the table's content, which a copy shares; here the
    cache is keyed by the table's element (anonymous tables keep their box as key).
    """
    from weasyprint.layout import LayoutContext

    original = LayoutContext.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.tables = _TablesByElement()

    with replaced(LayoutContext, "__init__", init):
        yield


@contextmanager
def fixed_rendering() -> Iterator[None]:
    """Every workaround of this module that applies to the installed WeasyPrint."""
    if not applies():
        yield
        return
    with last_lines_fit(), markers_in_reading_order(), min_content_by_pieces(), grid_rows_measured_once(), \
            table_widths_by_element(), distinct_glyph_codes():
        yield
