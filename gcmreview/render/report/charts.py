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
The drawing primitives and the fitting of labels are in :mod:`.svg`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .svg import HATCH, clip_text, coord, element, hatch, text_at, text_width

__all__ = [
    "BUCKETS",
    "Bucket",
    "CellCount",
    "HeatmapColumn",
    "HeatmapData",
    "HeatmapLabels",
    "HeatmapRow",
    "bucket",
    "heatmap_svg",
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


@dataclass(frozen=True)
class _Grid:
    """Where the heatmap's columns stand: the contributors' from ``grid_x``, then the totals and the marks."""

    columns: int
    col_w: float
    grid_x: float = LABEL_W

    @property
    def total_x(self) -> float:
        return self.grid_x + self.col_w * self.columns + GAP

    @property
    def width(self) -> float:
        return self.total_x + self.col_w + GAP + MARK_W


def _grid(data: HeatmapData, labels: HeatmapLabels) -> _Grid:
    """Columns wide enough for every contributor's code (and the "no workbook" note, if any)."""
    widths = [text_width(c.code, FONT) + 14 for c in data.columns]
    if not all(c.received for c in data.columns):
        widths.append(text_width(labels.no_workbook, 10.0) + 8)
    return _Grid(len(data.columns), max(60.0, *widths))


def heatmap_svg(data: HeatmapData, labels: HeatmapLabels, *, chart_id: str = "heatmap", lang: str = "") -> Markup:
    """The coverage heatmap as an ``<svg>`` element (accessible name from its title and summary)."""
    grid = _grid(data, labels)
    rows, y = _rows(data, labels, grid)
    totals, y = _totals(data, labels, grid, y)
    body = _headers(data, labels, grid) + rows + totals + _legend(labels, 0, y)
    height = y + LEGEND_H
    uncovered = sorted(r.objective for r in data.uncovered)
    if uncovered:
        summary = labels.summary.format(uncovered=", ".join(str(n) for n in uncovered), count=len(uncovered))
    else:
        summary = labels.summary_all_covered
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = element("title", {"id": title_id}, str(escape(labels.title))) + element("desc", {"id": desc_id}, str(escape(f"{labels.description} {summary}")))
    svg_attrs = {
        "class": "heatmap",
        "id": chart_id,
        "role": "img",
        "aria-labelledby": f"{title_id} {desc_id}",
        "aria-label": f"{labels.title}. {summary}",
        "viewBox": f"0 0 {coord(grid.width)} {coord(height)}",
        "width": coord(grid.width),
        "height": coord(height),
        "font-size": coord(FONT),
        "data-rows": len(data.rows),
        "data-columns": len(data.columns),
        "data-uncovered": ",".join(str(n) for n in uncovered),
        "lang": lang or None,
    }
    return Markup(element("svg", svg_attrs, head + body))


def _headers(data: HeatmapData, labels: HeatmapLabels, grid: _Grid) -> str:
    """The axis names and the column headers: each contributor's code (and "no workbook"), then "Total"."""
    col_w, grid_x = grid.col_w, grid.grid_x
    parts = [text_at(grid_x + col_w * len(data.columns) / 2, 14, labels.columns_axis, text_anchor="middle", class_="hm-axis")]
    parts.append(text_at(2, HEADER_H - 8, labels.rows_axis, class_="hm-axis"))
    for i, column in enumerate(data.columns):
        x = grid_x + i * col_w
        total = data.column_total(column.code)
        content = element("title", None, str(escape(column.name)))
        content += text_at(x + col_w / 2, HEADER_H - 22 if not column.received else HEADER_H - 8, column.code,
                         text_anchor="middle", class_="hm-col-label")
        if not column.received:
            content += text_at(x + col_w / 2, HEADER_H - 8, labels.no_workbook, text_anchor="middle", class_="hm-missing-label")
        parts.append(element("g", {"class": "hm-col", "data-contributor": column.code, "data-received": str(column.received).lower(),
                               "data-total": total.total}, content))
    parts.append(text_at(grid.total_x + col_w / 2, HEADER_H - 8, labels.total, text_anchor="middle", class_="hm-col-label hm-strong"))
    return "".join(parts)


def _rows(data: HeatmapData, labels: HeatmapLabels, grid: _Grid) -> tuple[str, float]:
    """The objectives' rows under their cluster headings, and the y below them."""
    parts: list[str] = []
    y = HEADER_H
    cluster = None
    for row in data.rows:
        if row.cluster != cluster:
            cluster = row.cluster
            parts.append(_cluster_heading(labels, row, grid, y))
            y += CLUSTER_H
        parts.append(_row(data, labels, row, y, grid))
        y += ROW_H
    return "".join(parts), y


def _cluster_heading(labels: HeatmapLabels, row: HeatmapRow, grid: _Grid, y: float) -> str:
    """A rule across the chart and the cluster's number and title, above its first objective ``row``."""
    heading = f"{labels.cluster.format(number=row.cluster)} · {row.cluster_title}"
    right = grid.total_x + grid.col_w
    return element("g", {"class": "hm-cluster", "data-cluster": row.cluster},
               element("title", None, str(escape(heading)))
               + element("line", {"x1": 0, "y1": coord(y + 3), "x2": coord(right), "y2": coord(y + 3), "stroke": INK, "stroke-width": "1"})
               + text_at(2, y + CLUSTER_H - 7, clip_text(heading, right - 6, FONT), class_="hm-cluster-label"))


def _totals(data: HeatmapData, labels: HeatmapLabels, grid: _Grid, y: float) -> tuple[str, float]:
    """The row of column totals and the grand total below a rule at ``y``, and the y of the legend."""
    col_w, total_x = grid.col_w, grid.total_x
    parts = [element("line", {"x1": 0, "y1": coord(y + 2), "x2": coord(total_x + col_w), "y2": coord(y + 2), "stroke": INK, "stroke-width": "1"})]
    y += 4
    parts.append(text_at(TITLE_X, y + ROW_H - 7, labels.total, class_="hm-row-label hm-strong"))
    grand = CellCount()
    for i, column in enumerate(data.columns):
        total = data.column_total(column.code)
        grand += total
        parts.append(element("g", {"class": "hm-col-total", "data-contributor": column.code, "data-count": total.total},
                         text_at(grid.grid_x + i * col_w + col_w / 2, y + ROW_H - 7, str(total.total), text_anchor="middle", class_="hm-strong")))
    parts.append(element("g", {"class": "hm-grand-total", "data-count": grand.total},
                     text_at(total_x + col_w / 2, y + ROW_H - 7, str(grand.total), text_anchor="middle", class_="hm-strong")))
    return "".join(parts), y + ROW_H + 12


def _row(data: HeatmapData, labels: HeatmapLabels, row: HeatmapRow, y: float, grid: _Grid) -> str:
    """One objective's row at ``y``: number, title, a cell per contributor and the total; hatched and marked if nobody covered it."""
    col_w, grid_x, total_x = grid.col_w, grid.grid_x, grid.total_x
    total = data.row_total(row.objective)
    covered = total.total > 0
    title = clip_text(row.title, LABEL_W - TITLE_X - 16, FONT)
    content = element("title", None, str(escape(f"{row.objective}. {row.title}")))
    if not covered:
        content += hatch(grid_x, y, total_x + col_w - grid_x, ROW_H)
    if not covered:
        content += text_at(2, y + ROW_H - 7, "✗", class_="hm-uncovered-label hm-strong")
    content += text_at(TITLE_X - 6, y + ROW_H - 7, str(row.objective), text_anchor="end",
                     class_="hm-row-number" if covered else "hm-row-number hm-strong")
    content += text_at(TITLE_X, y + ROW_H - 7, title, class_="hm-row-label")
    for i, column in enumerate(data.columns):
        content += _cell(data, labels, row, column, grid_x + i * col_w, y, col_w)
    content += element("g", {"class": "hm-row-total", "data-objective": row.objective, "data-count": total.total},
                   element("rect", {"x": coord(total_x), "y": coord(y), "width": coord(col_w), "height": coord(ROW_H),
                                "fill": ZERO_FILL if covered else "none", "stroke": GRID, "stroke-width": "0.5"})
                   + text_at(total_x + col_w / 2, y + ROW_H - 7, str(total.total), text_anchor="middle", class_="hm-strong"))
    if not covered:
        content += element("rect", {"x": coord(grid_x - 1), "y": coord(y + 1), "width": coord(total_x + col_w - grid_x + 2), "height": coord(ROW_H - 2),
                                "fill": "none", "stroke": INK, "stroke-width": "1.6", "stroke-dasharray": "5 3", "class": "hm-uncovered-outline"})
        content += text_at(total_x + col_w + GAP, y + ROW_H - 7, labels.not_covered, class_="hm-uncovered-mark hm-strong")
    attrs = {"class": "hm-row" if covered else "hm-row hm-uncovered", "data-objective": row.objective, "data-cluster": row.cluster,
             "data-count": total.total, "data-covered": str(covered).lower()}
    return element("g", attrs, content)


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
    content = element("title", None, str(escape(tip)))
    content += element("rect", {"x": coord(x), "y": coord(y), "width": coord(w), "height": coord(ROW_H), "fill": fill, "stroke": GRID, "stroke-width": "0.5"})
    if shown:
        content += text_at(x + w / 2, y + ROW_H - 7, shown, text_anchor="middle", fill=ink)
    attrs = {"class": "hm-cell", "data-objective": row.objective, "data-contributor": column.code, "data-count": count.total,
             "data-answers": count.answers, "data-actions": count.actions, "data-statistics": count.statistics}
    return element("g", attrs, content)


def _legend(labels: HeatmapLabels, x: float, y: float) -> str:
    parts = [text_at(x, y + 12, labels.legend, class_="hm-strong")]
    size, cx, cy = 16.0, x, y + 22
    swatches: list[tuple[str, str, str, str]] = [(ZERO_FILL, "", labels.legend_none, "0")]
    swatches += [(b.fill, b.ink, b.label, b.label) for b in BUCKETS]
    for fill, _ink, text, key in swatches:
        parts.append(element("g", {"class": "hm-legend-step", "data-step": key},
                         element("rect", {"x": coord(cx), "y": coord(cy), "width": coord(size), "height": coord(size), "fill": fill, "stroke": GRID, "stroke-width": "0.5"})
                         + text_at(cx + size + 4, cy + size - 4, text)))
        cx += size + 12 + text_width(text, FONT)
    cx += 12
    parts.append(element("g", {"class": "hm-legend-step", "data-step": "missing"},
                     element("rect", {"x": coord(cx), "y": coord(cy), "width": coord(size), "height": coord(size), "fill": MISSING_FILL, "stroke": GRID, "stroke-width": "0.5"})
                     + text_at(cx + size / 2, cy + size - 4, "–", text_anchor="middle", fill=MUTED)
                     + text_at(cx + size + 4, cy + size - 4, labels.no_workbook)))
    cx = x
    cy += size + 10
    parts.append(element("g", {"class": "hm-legend-step", "data-step": "uncovered"},
                     hatch(cx, cy, size * 2, size)
                     + element("rect", {"x": coord(cx), "y": coord(cy), "width": coord(size * 2), "height": coord(size), "fill": "none", "stroke": INK,
                                    "stroke-width": "1.6", "stroke-dasharray": "5 3"})
                     + text_at(cx + size * 2 + 6, cy + size - 4, f"✗ {labels.not_covered}", class_="hm-strong")))
    return element("g", {"class": "hm-legend"}, "".join(parts))


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
    parts = [element("rect", {"x": 0, "y": 0, "width": coord(width), "height": coord(height), "fill": "#f2f2f2", "stroke": GRID, "stroke-width": "0.5"})]
    if length > 0:
        parts.append(element("rect", {"x": 0, "y": 0, "width": coord(length), "height": coord(height), "fill": "#2a788e" if not over else "#414487"}))
        if over:
            tick = width * limit / full
            parts.append(hatch(tick, 0, length - tick, height, step=4).replace(HATCH, "#ffffff"))
    tick = width * limit / full
    parts.append(element("line", {"x1": coord(tick), "y1": "-1", "x2": coord(tick), "y2": coord(height + 1), "stroke": INK, "stroke-width": "1.5"}))
    attrs = {"class": "word-bar", "role": "img", "aria-label": label,
             "viewBox": f"0 -1 {coord(width)} {coord(height + 2)}", "width": coord(width), "height": coord(height + 2),
             "data-words": words, "data-limit": limit}
    return Markup(element("svg", attrs, element("title", None, str(escape(label))) + "".join(parts)))

