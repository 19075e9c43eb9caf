"""The PDF's lines, list markers and outline, checked on WeasyPrint's layout tree and on the PDF.

Line breaks are measured on the layout tree (``lay_out(...).pages[i]._page_box``):
a line may only end early when the next line's first unbreakable piece would not
have fitted in what is left of it. List markers are checked on the layout tree
(each on the page of its item's text) and in the PDF's text, which follows the
order things are drawn in. The outline (bookmarks from the headings) is read back
with pypdf. The workarounds of gcmreview.render.weasyprint_fixes are pinned to
WeasyPrint's version: the minimal reproductions below show each bug still there
without them, so an upgrade that fixes or changes one fails here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pypdf
import pytest
from test_pdf_scripts import PARAGRAPHS, national_workspace

from gcmreview.prepared import prepare
from gcmreview.render.document import layout_languages
from gcmreview.render.html import render_bilingual_html, render_html
from gcmreview.render.pdf import lay_out, render_pdf
from gcmreview.render.scripts import ZWSP
from gcmreview.render.weasyprint_fixes import PATCHED_VERSIONS, fixed_rendering, grid_rows_measured_once, table_widths_by_element

import weasyprint  # isort: skip  (after gcmreview.render.pdf, which quiets its import warning)
from weasyprint.formatting_structure import boxes  # isort: skip
from weasyprint.text.line_break import create_layout, get_next_break_point_from_text, line_size  # isort: skip

ROOT = Path(__file__).resolve().parents[1]
LAO = ROOT / "examples" / "lao-pdr"
BULLET = "•"
TOLERANCE = 1.0  # CSS px: what a line may have left over beyond the next word before it counts as broken early
SHORT_LINE = '<div>an MOU signed in 2018 by three private associations to protect Cambodian workers in Thailand;\n</div>'
SHORT_LINE_STYLE = '<style>@page { size: A4; margin: 0 } body { margin: 0; font: 10pt/1.35 "Noto Sans" } div { width: 600.9px }</style>'


# --- Measuring the layout tree -------------------------------------------------------------------


def text_boxes(box: Any) -> Iterator[Any]:
    """The text boxes under ``box``, in reading order."""
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", None) or []:
        yield from text_boxes(child)


def block_containers(box: Any) -> Iterator[Any]:
    if isinstance(box, boxes.BlockContainerBox):
        yield box
    for child in getattr(box, "children", None) or []:
        yield from block_containers(child)


def width_of(text: str, style: Any) -> float:
    """The width of ``text`` set on one line in ``style``, as Pango measures it for WeasyPrint."""
    layout = create_layout(text, style, None, None, 0)
    width: float = line_size(layout.get_first_line()[0], style)[0]
    layout.deactivate()
    return width


def first_piece(line: Any) -> tuple[str, float]:
    """The text of ``line`` up to its first line-break opportunity, and its width (over its text boxes)."""
    pieces = list(text_boxes(line))
    whole = "".join(box.text for box in pieces)
    cut = get_next_break_point_from_text(whole, pieces[0].style["lang"] if pieces else None)
    end = len(whole) if cut is None else cut + 1
    text, width, start = "", 0.0, 0
    for box in pieces:
        part = box.text[: max(0, end - start)].rstrip(" " + ZWSP)
        start += len(box.text)
        if part:
            text, width = text + part, width + width_of(part, box.style)
        if start >= end:
            break
    return text, width


def forced_break(line: Any) -> bool:
    return any(box.element_tag.startswith("br") or "\n" in box.text for box in text_boxes(line))


def early_breaks(document: Any) -> list[tuple[int, str, str, float, float]]:
    """Lines (not the last of their block, not ended by a forced break) after which the next line's first word would have fitted.

    Each as (page, the line's end, the next word, width left on the line, width the word needed with its space).
    """
    found = []
    for number, page in enumerate(document.pages, 1):
        for block in block_containers(page._page_box):
            lines = [child for child in block.children if isinstance(child, boxes.LineBox)]
            right_edge = block.content_box_x() + block.width
            for line, following in pairwise(lines):
                texts = list(text_boxes(line))
                if not texts or forced_break(line):
                    continue
                left = right_edge - max(child.position_x + child.margin_width() for child in line.children)
                word, width = first_piece(following)
                needed = width_of(" ", texts[-1].style) + width
                if word and left >= needed + TOLERANCE:
                    found.append((number, "".join(box.text for box in texts)[-40:], word, round(left, 1), round(needed, 1)))
    return found


def markers_without_item(document: Any) -> list[tuple[int, str]]:
    """List items whose marker is laid out on a page that has none of the item's own text."""
    found = []
    for number, page in enumerate(document.pages, 1):
        for block in block_containers(page._page_box):
            if block.element_tag != "li":
                continue
            marked = [child for child in block.children if child.element_tag.endswith("::marker")]
            rest = [child for child in block.children if not child.element_tag.endswith("::marker")]
            if marked and not any(box.text.strip() for child in rest for box in text_boxes(child)):
                found.append((number, (block.element.text or "")[:40]))
    return found


def page_lines(pdf: bytes) -> list[list[str]]:
    """The PDF's text, page by page and line by line, in the order it is drawn (pypdf)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [[line.strip() for line in page.extract_text().splitlines() if line.strip()] for page in reader.pages]


def outline_titles(pdf: bytes) -> list[str]:
    def walk(items: list[Any]) -> Iterator[str]:
        for item in items:
            yield from walk(item) if isinstance(item, list) else [item.title]

    return list(walk(pypdf.PdfReader(io.BytesIO(pdf)).outline))


class Headings(HTMLParser):
    """The text of the h1-h6 of a page, in order (footnotes and other floats are not in headings)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.texts.append("")
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.texts[-1] += data


def headings(html: str) -> list[str]:
    parser = Headings()
    parser.feed(html)
    return [" ".join(text.replace(ZWSP, "").split()) for text in parser.texts]


# --- The sample workspace -----------------------------------------------------------------------


@dataclass
class Sample:
    html: dict[str, str]
    laid_out: dict[str, Any]
    pdf: dict[str, bytes]


@pytest.fixture(scope="module")
def sample() -> Sample:
    prepared = prepare(ROOT)
    assert prepared.errors == []
    docs = layout_languages(prepared.submission, prepared.check.survey, ("en", "km"))
    html = {doc.lang: render_html(doc, ROOT) for doc in docs}
    return Sample(html, {lang: lay_out(page, ROOT) for lang, page in html.items()},
                  {lang: render_pdf(page, ROOT) for lang, page in html.items()})


@pytest.mark.parametrize("lang", ["en", "km"])
def test_no_line_ends_before_a_word_that_would_fit(sample: Sample, lang: str) -> None:
    assert early_breaks(sample.laid_out[lang]) == []


def test_no_line_of_the_lao_bilingual_copy_ends_before_a_word_that_would_fit() -> None:
    prepared = prepare(LAO)
    assert prepared.errors == []
    en, lo = layout_languages(prepared.submission, prepared.check.survey, ("en", "lo"), review=True)
    assert early_breaks(lay_out(render_bilingual_html(en, lo, LAO), LAO)) == []


def test_the_mou_item_is_one_line(sample: Sample) -> None:
    pages = page_lines(sample.pdf["en"])
    mou = [line for page in pages for line in page if "MOU signed in 2018" in line]
    assert mou == [f"{BULLET} an MOU signed in 2018 by three private associations to protect Cambodian workers in Thailand;"]


@pytest.mark.parametrize("lang", ["en", "km"])
def test_every_marker_is_laid_out_and_drawn_with_its_item(sample: Sample, lang: str) -> None:
    assert markers_without_item(sample.laid_out[lang]) == []
    pages = page_lines(sample.pdf[lang])
    lonely = [(number, page[i + 1 : i + 2]) for number, page in enumerate(pages, 1) for i, line in enumerate(page) if line == BULLET]
    assert lonely == []
    bullets = sum(line.startswith(BULLET) for page in pages for line in page)
    items = sum(page.count("<li") for page in re.findall(r"<ul\b.*?</ul>", sample.html[lang], re.S))
    assert bullets >= items > 10, "every bullet starts the line of its item's text"


# --- The outline ----------------------------------------------------------------------------------


def test_khmer_outline_is_the_headings_text(sample: Sample) -> None:
    titles = outline_titles(sample.pdf["km"])
    assert ZWSP in sample.html["km"].split("<h1", 1)[1].split("</h1>", 1)[0], "the heading has break opportunities"
    assert [t for t in titles if ZWSP in t] == []
    assert titles == headings(sample.html["km"]) and len(titles) >= 2


@pytest.mark.parametrize("lang", ["lo", "my"])
def test_lao_and_myanmar_outlines_are_the_headings_text(lang: str, tmp_path: Path) -> None:
    ws = national_workspace(tmp_path, lang, PARAGRAPHS[lang])
    html = render_html(ws.doc, ws.path)
    titles = outline_titles(render_pdf(html, ws.path))
    assert [t for t in titles if ZWSP in t] == []
    assert titles == headings(html) and len(titles) >= 2


# --- The WeasyPrint bugs worked around, pinned to its version -------------------------------------


def short_line_lines(fixed: bool) -> list[str]:
    html = f'<html lang="en">{SHORT_LINE_STYLE}<body>{SHORT_LINE}</body></html>'
    if fixed:
        with fixed_rendering():
            document = weasyprint.HTML(string=html).render()
    else:
        document = weasyprint.HTML(string=html).render()
    return ["".join(box.text for box in text_boxes(line)) for line in document.pages[0]._page_box.descendants()
            if isinstance(line, boxes.LineBox)]


def marker_order(fixed: bool) -> list[str]:
    html = '<html lang="en"><body><ul><li>first item</li><li>second item</li></ul></body></html>'
    if fixed:
        with fixed_rendering():
            pdf = weasyprint.HTML(string=html).write_pdf()
    else:
        pdf = weasyprint.HTML(string=html).write_pdf()
    return page_lines(pdf)[0]


def long_grid_row() -> str:
    """Two columns as the bilingual draft lays them out: a row spanning six pages, then a short row and a paragraph."""
    left = " ".join(f"left{i}" for i in range(800))
    right = " ".join(f"right{i}" for i in range(640))
    return ('<html lang="en"><body style="font: 10pt Noto Sans"><p>before</p>'
            '<div style="display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr)">'
            f'<div><p>{left}</p><p>{right}</p></div><div><p>{right}</p><p>{left}</p><p>{right}</p></div>'
            f'<div><p>{right[:3000]}</p></div><div><p>short</p></div></div><p>after</p></body></html>')


def counted_layout(html: str, workaround: Any, owner: Any, name: str) -> tuple[list[tuple[Any, ...]], int]:
    """The boxes of ``html``'s pages (kind, page, position, size, text), laid out under ``workaround`` (a context
    manager, or None for WeasyPrint alone), and how many times ``owner.name`` was called meanwhile."""
    original, calls = getattr(owner, name), 0

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    setattr(owner, name, counted)
    try:
        if workaround is None:
            document = weasyprint.HTML(string=html).render()
        else:
            with workaround():
                document = weasyprint.HTML(string=html).render()
    finally:
        setattr(owner, name, original)
    laid_out = [(type(box).__name__, n, round(box.position_x, 3), round(box.position_y, 3), round(box.width, 3),
                 round(box.height, 3), getattr(box, "text", None))
                for n, page in enumerate(document.pages) for box in page._page_box.descendants()]
    return laid_out, calls


def table_in_grid() -> str:
    """A table of 60 rows in a grid item, as in an answer of the bilingual draft."""
    rows = "".join(f"<tr><td>Action {i}</td><td>{'A description of the action. ' * (i % 5 + 1)}</td></tr>" for i in range(60))
    return ('<html lang="en"><body style="font: 10pt Noto Sans"><div style="display: grid; grid-template-columns: 1fr 1fr">'
            f'<div><table>{rows}</table></div><div><p>short</p></div></div><p>after</p></body></html>')


def test_the_workarounds_are_for_the_installed_weasyprint() -> None:
    assert weasyprint.__version__ in PATCHED_VERSIONS, "check the bugs below on this version and update PATCHED_VERSIONS"


def test_weasyprint_breaks_a_last_line_that_fits_but_for_its_trailing_space() -> None:
    sentence = "an MOU signed in 2018 by three private associations to protect Cambodian workers in Thailand;"
    assert short_line_lines(fixed=False) == ["an", sentence.removeprefix("an ")]
    assert short_line_lines(fixed=True) == [sentence]


def test_weasyprint_draws_markers_after_the_page_text() -> None:
    assert marker_order(fixed=False) == ["first item", "second item", BULLET, BULLET]
    assert marker_order(fixed=True) == [f"{BULLET} first item", f"{BULLET} second item"]


def test_weasyprint_lays_a_grid_row_out_again_on_every_page_it_spans() -> None:
    """The row of six pages: measured once (and what is left of it up to two pages), the pages are the same, box for
    box, and a fraction of the lines are laid out."""
    from weasyprint.layout import inline

    plain, plain_lines = counted_layout(long_grid_row(), None, inline, "split_first_line")
    fixed, fixed_lines = counted_layout(long_grid_row(), grid_rows_measured_once, inline, "split_first_line")
    assert len({page for _, page, *_ in plain}) >= 6
    assert [text for *_, text in plain if text and text.startswith("after")] == ["after"]
    assert fixed == plain
    drawn = sum(1 for kind, *_ in plain if kind == "LineBox")
    assert plain_lines > 3 * fixed_lines, (plain_lines, fixed_lines)
    assert fixed_lines < 6 * drawn, (fixed_lines, drawn)  # a constant number of times over, not once per page


def test_weasyprint_measures_a_table_again_for_each_copy_of_its_grid_item() -> None:
    """A table of 60 rows in a grid item: its 120 cells are measured once, not for each copy of the item, and the
    pages are the same, box for box."""
    from weasyprint.layout import preferred

    plain, plain_cells = counted_layout(table_in_grid(), None, preferred, "table_cell_min_max_content_width")
    fixed, fixed_cells = counted_layout(table_in_grid(), table_widths_by_element, preferred, "table_cell_min_max_content_width")
    assert len({page for _, page, *_ in plain}) >= 2
    assert fixed == plain
    assert fixed_cells == 120
    assert plain_cells >= 3 * fixed_cells, plain_cells
