"""Charts for the coordinator's report, drawn here as inline SVG (no script, no fonts, no network).

Stage: render (report). :func:`heatmap_svg` draws the coverage heatmap: the GCM
objectives as rows (grouped under their review cluster), the contributors as
columns, each cell counting the answers, actions and statistics of a contributor
that cite the objective, with row and column totals. Objectives nobody covered
are hatched, outlined with a dashed line and labelled in words, so the chart
does not rely on colour; the colours are steps of the colour-blind-safe viridis
scale, light for few and dark for many, which also reads in grey when printed.
:func:`word_bar_svg` draws the small bar of an answer's length against the
word guidance.

Every text is escaped here (the output is :class:`markupsafe.Markup`); the
charts reference nothing outside themselves (no ``url(...)``, ``href`` or ids
shared with other charts), so the same chart may appear once per language on
one page. Elements carry ``data-*`` attributes (``data-objective``,
``data-contributor``, ``data-count``...) for tests and for readers of the HTML.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import icu
from markupsafe import Markup, escape

__all__ = [
    "BUCKETS",
    "Bucket",
    "CellCount",
    "HeatmapColumn",
    "HeatmapData",
    "HeatmapLabels",
    "HeatmapRow",
    "bucket",
    "clip_text",
    "heatmap_svg",
    "text_width",
    "word_bar_svg",
]


@dataclass(frozen=True)
class Bucket:
    """A step of the colour scale: counts ``low`` to ``high`` (None: no upper bound)."""

    low: int
    high: int | None
    fill: str
    ink: str
    """Colour of the number written on the cell (contrast at least 4.5:1)."""

    @property
    def label(self) -> str:
        if self.high is None:
            return f"{self.low}+"
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


BUCKETS: tuple[Bucket, ...] = (
    Bucket(1, 1, "#fde725", "#000000"),
    Bucket(2, 2, "#7ad151", "#000000"),
    Bucket(3, 4, "#22a884", "#000000"),
    Bucket(5, 8, "#2a788e", "#ffffff"),
    Bucket(9, None, "#414487", "#ffffff"),
)
"""Viridis steps, light to dark: perceptually ordered and safe for colour-blind readers."""

ZERO_FILL = "#ffffff"
MISSING_FILL = "#d9d9d9"
GRID = "#9a9a9a"
INK = "#111111"
MUTED = "#555555"
HATCH = "#333333"


def bucket(count: int) -> Bucket | None:
    """The colour step of a count (None for 0)."""
    return next((b for b in BUCKETS if count >= b.low and (b.high is None or count <= b.high)), None)


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class CellCount:
    """What one contributor wrote that cites one objective."""

    answers: int = 0
    actions: int = 0
    statistics: int = 0

    @property
    def total(self) -> int:
        return self.answers + self.actions + self.statistics

    def __add__(self, other: CellCount) -> CellCount:
        return CellCount(self.answers + other.answers, self.actions + other.actions, self.statistics + other.statistics)


@dataclass(frozen=True)
class HeatmapRow:
    objective: int
    title: str
    """The objective's title in the chart's language."""
    cluster: int
    cluster_title: str


@dataclass(frozen=True)
class HeatmapColumn:
    code: str
    name: str
    """The contributor's name in the chart's language (tooltip)."""
    received: bool


@dataclass
class HeatmapData:
    """Rows in display order (grouped by cluster), columns in review order, counts by (objective, code)."""

    rows: list[HeatmapRow]
    columns: list[HeatmapColumn]
    counts: Mapping[tuple[int, str], CellCount] = field(default_factory=dict)

    def cell(self, objective: int, code: str) -> CellCount:
        return self.counts.get((objective, code), CellCount())

    def row_total(self, objective: int) -> CellCount:
        return sum((self.cell(objective, c.code) for c in self.columns), CellCount())

    def column_total(self, code: str) -> CellCount:
        return sum((self.cell(r.objective, code) for r in self.rows), CellCount())

    @property
    def uncovered(self) -> list[HeatmapRow]:
        """The objectives nobody covered, in display order."""
        return [r for r in self.rows if self.row_total(r.objective).total == 0]


@dataclass(frozen=True)
class HeatmapLabels:
    """Every text of the chart, already in the chart's language.

    ``cell`` and ``summary`` are format strings: ``cell`` gets ``objective``,
    ``contributor``, ``answers``, ``actions``, ``statistics``, ``total``;
    ``summary`` gets ``uncovered`` (e.g. "7, 12") and ``count``.
    """

    title: str
    description: str
    summary: str
    summary_all_covered: str
    rows_axis: str
    columns_axis: str
    cluster: str
    total: str
    not_covered: str
    no_workbook: str
    legend: str
    legend_none: str
    cell: str


# ---------------------------------------------------------------- text helpers


def _attrs(values: Mapping[str, object]) -> str:
    return "".join(f' {name}="{escape(str(value))}"' for name, value in values.items() if value is not None)


def _el(tag: str, attrs: Mapping[str, object] | None = None, content: str = "") -> str:
    """One SVG element with an explicit end tag (``content`` is already markup)."""
    return f"<{tag}{_attrs(attrs or {})}>{content}</{tag}>"


def _text(x: float, y: float, text: str, **attrs: object) -> str:
    return _el("text", {"x": _n(x), "y": _n(y), **{k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}}, str(escape(text)))


def _n(value: float) -> str:
    """A coordinate without needless decimals."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _char_width(char: str) -> float:
    """Rough advance of a character in em (enough to decide where to cut a label)."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char.isascii():
        return 0.66 if char.isupper() or char.isdigit() else 0.56 if char != " " else 0.28
    return 0.65  # other scripts' letters (Khmer, Lao, Myanmar, Thai) are wider than Latin ones


_STACKING = frozenset("\u17d2\u1039\u0e3a")
"""Khmer COENG, Myanmar VIRAMA...: the letter after one is written below the previous one."""


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` in pixels at font size ``size``."""
    total, previous = 0.0, ""
    for char in text:
        total += 0.0 if previous in _STACKING else _char_width(char)
        previous = char
    return total * size


@cache
def _breaks(kind: str) -> icu.BreakIterator:
    root = icu.Locale("en")
    return icu.BreakIterator.createWordInstance(root) if kind == "word" else icu.BreakIterator.createCharacterInstance(root)


def _boundaries(text: str, kind: str) -> list[int]:
    it = _breaks(kind)
    it.setText(text)
    return list(it)


def clip_text(text: str, width: float, size: float) -> str:
    """``text`` cut to fit ``width`` pixels, at a word boundary if possible (never inside a letter), with '…'."""
    if text_width(text, size) <= width:
        return text
    room = width - text_width("…", size)
    for kind in ("word", "char"):
        cut = 0
        for boundary in _boundaries(text, kind):
            if text_width(text[:boundary], size) > room:
                break
            cut = boundary
        if cut > 0 and (kind == "char" or text_width(text[:cut], size) > room * 0.6):
            return text[:cut].rstrip(" ,;:-") + "…"
    return "…"


def _hatch(x: float, y: float, w: float, h: float, step: float = 6.0) -> str:
    """Diagonal lines filling a rectangle (drawn, not a pattern: no ids, no url())."""
    lines = []
    offset = step
    while offset < w + h:
        # the line x + y' = x0 + offset, clipped to the rectangle
        x1, y1 = x + min(offset, w), y + max(0.0, offset - w)
        x2, y2 = x + max(0.0, offset - h), y + min(offset, h)
        lines.append(f"M{_n(x1)} {_n(y1)}L{_n(x2)} {_n(y2)}")
        offset += step
    return _el("path", {"d": "".join(lines), "stroke": HATCH, "stroke-width": "0.8", "fill": "none", "class": "hm-hatch"})


# ---------------------------------------------------------------- heatmap

FONT = 12.0
ROW_H = 22.0
CLUSTER_H = 26.0
HEADER_H = 58.0
LEGEND_H = 64.0
LABEL_W = 470.0
GAP = 8.0
MARK_W = 104.0
TITLE_X = 40.0


def heatmap_svg(data: HeatmapData, labels: HeatmapLabels, *, chart_id: str = "heatmap", lang: str = "") -> Markup:
    """The coverage heatmap as an ``<svg>`` element (accessible name from its title and summary)."""
    widths = [text_width(c.code, FONT) + 14 for c in data.columns]
    if not all(c.received for c in data.columns):
        widths.append(text_width(labels.no_workbook, 10.0) + 8)
    col_w = max(60.0, *widths)
    grid_x = LABEL_W
    total_x = grid_x + col_w * len(data.columns) + GAP
    width = total_x + col_w + GAP + MARK_W
    parts: list[str] = []

    # column axis and headers
    parts.append(_text(grid_x + col_w * len(data.columns) / 2, 14, labels.columns_axis, text_anchor="middle", class_="hm-axis"))
    parts.append(_text(2, HEADER_H - 8, labels.rows_axis, class_="hm-axis"))
    for i, column in enumerate(data.columns):
        x = grid_x + i * col_w
        total = data.column_total(column.code)
        content = _el("title", None, str(escape(column.name)))
        content += _text(x + col_w / 2, HEADER_H - 22 if not column.received else HEADER_H - 8, column.code,
                         text_anchor="middle", class_="hm-col-label")
        if not column.received:
            content += _text(x + col_w / 2, HEADER_H - 8, labels.no_workbook, text_anchor="middle", class_="hm-missing-label")
        parts.append(_el("g", {"class": "hm-col", "data-contributor": column.code, "data-received": str(column.received).lower(),
                               "data-total": total.total}, content))
    parts.append(_text(total_x + col_w / 2, HEADER_H - 8, labels.total, text_anchor="middle", class_="hm-col-label hm-strong"))

    # rows, grouped by cluster
    y = HEADER_H
    cluster = None
    for row in data.rows:
        if row.cluster != cluster:
            cluster = row.cluster
            heading = f"{labels.cluster.format(number=row.cluster)} · {row.cluster_title}"
            room = total_x + col_w - 6
            parts.append(_el("g", {"class": "hm-cluster", "data-cluster": row.cluster},
                             _el("title", None, str(escape(heading)))
                             + _el("line", {"x1": 0, "y1": _n(y + 3), "x2": _n(total_x + col_w), "y2": _n(y + 3), "stroke": INK, "stroke-width": "1"})
                             + _text(2, y + CLUSTER_H - 7, clip_text(heading, room, FONT), class_="hm-cluster-label")))
            y += CLUSTER_H
        parts.append(_row(data, labels, row, y, col_w, grid_x, total_x))
        y += ROW_H

    # column totals
    parts.append(_el("line", {"x1": 0, "y1": _n(y + 2), "x2": _n(total_x + col_w), "y2": _n(y + 2), "stroke": INK, "stroke-width": "1"}))
    y += 4
    parts.append(_text(TITLE_X, y + ROW_H - 7, labels.total, class_="hm-row-label hm-strong"))
    grand = CellCount()
    for i, column in enumerate(data.columns):
        total = data.column_total(column.code)
        grand += total
        parts.append(_el("g", {"class": "hm-col-total", "data-contributor": column.code, "data-count": total.total},
                         _text(grid_x + i * col_w + col_w / 2, y + ROW_H - 7, str(total.total), text_anchor="middle", class_="hm-strong")))
    parts.append(_el("g", {"class": "hm-grand-total", "data-count": grand.total},
                     _text(total_x + col_w / 2, y + ROW_H - 7, str(grand.total), text_anchor="middle", class_="hm-strong")))
    y += ROW_H + 12

    parts.append(_legend(labels, 0, y))
    height = y + LEGEND_H

    uncovered = data.uncovered
    if uncovered:
        summary = labels.summary.format(uncovered=", ".join(str(n) for n in sorted(r.objective for r in uncovered)), count=len(uncovered))
    else:
        summary = labels.summary_all_covered
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = _el("title", {"id": title_id}, str(escape(labels.title))) + _el("desc", {"id": desc_id}, str(escape(f"{labels.description} {summary}")))
    svg_attrs = {
        "class": "heatmap",
        "id": chart_id,
        "role": "img",
        "aria-labelledby": f"{title_id} {desc_id}",
        "aria-label": f"{labels.title}. {summary}",
        "viewBox": f"0 0 {_n(width)} {_n(height)}",
        "width": _n(width),
        "height": _n(height),
        "font-size": _n(FONT),
        "data-rows": len(data.rows),
        "data-columns": len(data.columns),
        "data-uncovered": ",".join(str(n) for n in sorted(r.objective for r in uncovered)),
        "lang": lang or None,
    }
    return Markup(_el("svg", svg_attrs, head + "".join(parts)))


def _row(data: HeatmapData, labels: HeatmapLabels, row: HeatmapRow, y: float, col_w: float, grid_x: float, total_x: float) -> str:
    total = data.row_total(row.objective)
    covered = total.total > 0
    title = clip_text(row.title, LABEL_W - TITLE_X - 16, FONT)
    content = _el("title", None, str(escape(f"{row.objective}. {row.title}")))
    if not covered:
        content += _hatch(grid_x, y, total_x + col_w - grid_x, ROW_H)
    if not covered:
        content += _text(2, y + ROW_H - 7, "✗", class_="hm-uncovered-label hm-strong")
    content += _text(TITLE_X - 6, y + ROW_H - 7, str(row.objective), text_anchor="end",
                     class_="hm-row-number" if covered else "hm-row-number hm-strong")
    content += _text(TITLE_X, y + ROW_H - 7, title, class_="hm-row-label")
    for i, column in enumerate(data.columns):
        content += _cell(data, labels, row, column, grid_x + i * col_w, y, col_w)
    content += _el("g", {"class": "hm-row-total", "data-objective": row.objective, "data-count": total.total},
                   _el("rect", {"x": _n(total_x), "y": _n(y), "width": _n(col_w), "height": _n(ROW_H),
                                "fill": ZERO_FILL if covered else "none", "stroke": GRID, "stroke-width": "0.5"})
                   + _text(total_x + col_w / 2, y + ROW_H - 7, str(total.total), text_anchor="middle", class_="hm-strong"))
    if not covered:
        content += _el("rect", {"x": _n(grid_x - 1), "y": _n(y + 1), "width": _n(total_x + col_w - grid_x + 2), "height": _n(ROW_H - 2),
                                "fill": "none", "stroke": INK, "stroke-width": "1.6", "stroke-dasharray": "5 3", "class": "hm-uncovered-outline"})
        content += _text(total_x + col_w + GAP, y + ROW_H - 7, labels.not_covered, class_="hm-uncovered-mark hm-strong")
    attrs = {"class": "hm-row" if covered else "hm-row hm-uncovered", "data-objective": row.objective, "data-cluster": row.cluster,
             "data-count": total.total, "data-covered": str(covered).lower()}
    return _el("g", attrs, content)


def _cell(data: HeatmapData, labels: HeatmapLabels, row: HeatmapRow, column: HeatmapColumn, x: float, y: float, w: float) -> str:
    count = data.cell(row.objective, column.code)
    step = bucket(count.total)
    covered = data.row_total(row.objective).total > 0
    if not column.received:
        fill, ink, shown = MISSING_FILL, MUTED, "–"
    elif step is None:
        fill, ink, shown = ZERO_FILL if covered else "none", MUTED, ""
    else:
        fill, ink, shown = step.fill, step.ink, str(count.total)
    tip = labels.cell.format(objective=row.objective, contributor=column.code, answers=count.answers, actions=count.actions,
                             statistics=count.statistics, total=count.total)
    content = _el("title", None, str(escape(tip)))
    content += _el("rect", {"x": _n(x), "y": _n(y), "width": _n(w), "height": _n(ROW_H), "fill": fill, "stroke": GRID, "stroke-width": "0.5"})
    if shown:
        content += _text(x + w / 2, y + ROW_H - 7, shown, text_anchor="middle", fill=ink)
    attrs = {"class": "hm-cell", "data-objective": row.objective, "data-contributor": column.code, "data-count": count.total,
             "data-answers": count.answers, "data-actions": count.actions, "data-statistics": count.statistics}
    return _el("g", attrs, content)


def _legend(labels: HeatmapLabels, x: float, y: float) -> str:
    parts = [_text(x, y + 12, labels.legend, class_="hm-strong")]
    size, cx, cy = 16.0, x, y + 22
    swatches: list[tuple[str, str, str, str]] = [(ZERO_FILL, "", labels.legend_none, "0")]
    swatches += [(b.fill, b.ink, b.label, b.label) for b in BUCKETS]
    for fill, _ink, text, key in swatches:
        parts.append(_el("g", {"class": "hm-legend-step", "data-step": key},
                         _el("rect", {"x": _n(cx), "y": _n(cy), "width": _n(size), "height": _n(size), "fill": fill, "stroke": GRID, "stroke-width": "0.5"})
                         + _text(cx + size + 4, cy + size - 4, text)))
        cx += size + 12 + text_width(text, FONT)
    cx += 12
    parts.append(_el("g", {"class": "hm-legend-step", "data-step": "missing"},
                     _el("rect", {"x": _n(cx), "y": _n(cy), "width": _n(size), "height": _n(size), "fill": MISSING_FILL, "stroke": GRID, "stroke-width": "0.5"})
                     + _text(cx + size / 2, cy + size - 4, "–", text_anchor="middle", fill=MUTED)
                     + _text(cx + size + 4, cy + size - 4, labels.no_workbook)))
    cx = x
    cy += size + 10
    parts.append(_el("g", {"class": "hm-legend-step", "data-step": "uncovered"},
                     _hatch(cx, cy, size * 2, size)
                     + _el("rect", {"x": _n(cx), "y": _n(cy), "width": _n(size * 2), "height": _n(size), "fill": "none", "stroke": INK,
                                    "stroke-width": "1.6", "stroke-dasharray": "5 3"})
                     + _text(cx + size * 2 + 6, cy + size - 4, f"✗ {labels.not_covered}", class_="hm-strong")))
    return _el("g", {"class": "hm-legend"}, "".join(parts))


# ---------------------------------------------------------------- word bar


def word_bar_svg(words: int, limit: int, label: str, *, scale: float = 2.0) -> Markup:
    """A bar of ``words`` against ``limit`` (a tick marks the guidance; full width is ``scale`` x limit).

    Answers over the guidance are drawn hatched as well as darker, so the bar
    does not rely on colour. ``label`` is the accessible text (e.g. "820 of 500 words").
    """
    width, height = 120.0, 12.0
    full = max(limit * scale, 1)
    length = min(words / full, 1.0) * width
    over = words > limit
    parts = [_el("rect", {"x": 0, "y": 0, "width": _n(width), "height": _n(height), "fill": "#f2f2f2", "stroke": GRID, "stroke-width": "0.5"})]
    if length > 0:
        parts.append(_el("rect", {"x": 0, "y": 0, "width": _n(length), "height": _n(height), "fill": "#2a788e" if not over else "#414487"}))
        if over:
            tick = width * limit / full
            parts.append(_hatch(tick, 0, length - tick, height, step=4).replace(HATCH, "#ffffff"))
    tick = width * limit / full
    parts.append(_el("line", {"x1": _n(tick), "y1": "-1", "x2": _n(tick), "y2": _n(height + 1), "stroke": INK, "stroke-width": "1.5"}))
    attrs = {"class": "word-bar", "role": "img", "aria-label": label,
             "viewBox": f"0 -1 {_n(width)} {_n(height + 2)}", "width": _n(width), "height": _n(height + 2),
             "data-words": words, "data-limit": limit}
    return Markup(_el("svg", attrs, _el("title", None, str(escape(label))) + "".join(parts)))

