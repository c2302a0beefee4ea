"""A chart as a static SVG: what a page shows before plotly.js is loaded (issue #17).

A page ships each chart twice over: as this SVG, written into the HTML at build time, and as the
figure plotly.js draws once the reader interacts with the page (plotly_figure). The SVG is what a
reader sees first, what prints, and what a page that never loads plotly.js (400 KB) keeps: a few
kilobytes, the same at any size of the table (one bar per term, one cell per pair of terms), no
script. Bars and cells that hold studies link to the studies page filtered to them, as plotly.js's
chart does on a click; each names its heading and count as a tooltip.

It is drawn at livingreview.charts.style's Geometry, as plotly.js's figure is, so the swap to
plotly.js moves nothing (tests/test_chart_agreement.py compares the two in chromium). One drawing
carries both themes: the light colours as attributes and, where the dark theme differs, the dark
colour as a CSS variable (class ``lr-d`` for fill, ``lr-ds`` for stroke) that book.css applies in
the dark theme, so a theme switch needs no redraw. A wide and a phone drawing are two calls.
"""

from __future__ import annotations

from ..text.markup import esc
from .captions import n_studies
from .model import VALUE_TITLE, Chart, Group
from .style import (
    AXIS_TITLE_SIZE,
    BAR_GAP,
    COUNT_PAD,
    DARK,
    EMPTY_MARK,
    FONT,
    LIGHT,
    LINE,
    MESSAGE_SIZE,
    MID_SHIFT,
    PATTERN_GLYPHS,
    PHONE_WIDTH,
    TICK_LENGTH,
    WIDE_WIDTH,
    Geometry,
    cell_colour,
    geometry,
)


def _paint(attribute: str, role) -> str:
    """`attribute`="light colour", plus the dark one as a CSS variable where it differs.
    `role` picks a colour from a palette."""
    light, dark = role(LIGHT), role(DARK)
    if light == dark:
        return f'{attribute}="{esc(light)}"'
    cls = "lr-d" if attribute == "fill" else "lr-ds"
    return f'{attribute}="{esc(light)}" class="{cls}" style="--d:{esc(dark)}"'


def _fill(role) -> str:
    return _paint("fill", role)


def _stroke(role) -> str:
    return _paint("stroke", role)


def _text(x: float, y: float, size: float, text: str, *, anchor: str = "", extra: str = "") -> str:
    anchor = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{anchor}{extra}>{esc(text)}</text>'


def _block(x: float, first: float, size: float, lines, extra: str = "", *, anchor: str = "") -> str:
    """Lines of text, the first one's baseline at `first`, one under the other."""
    step = LINE * size
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first + k * step:.1f}">{esc(line)}</tspan>' for k, line in enumerate(lines)
    )
    anchor = f' text-anchor="{anchor}"' if anchor else ""
    extra = f" {extra}" if extra else ""
    return f'<text font-size="{size}"{anchor}{extra}>{spans}</text>'


def _centred(x: float, centre: float, size: float, lines, *, anchor: str = "") -> str:
    """Lines of text centred as a block on `centre` (a row's middle)."""
    first = centre - (len(lines) - 1) * LINE * size / 2 + size * MID_SHIFT
    return _block(x, first, size, lines, anchor=anchor)


def _link(href: str, group: Group, heading: str, body: str) -> str:
    if not group.query:
        return body
    tip = "<title>" + esc(f"{heading} \u2014 {n_studies(group.count)}") + "</title>"
    return f'<a href="{esc(href + group.query)}" tabindex="-1">{tip}{body}</a>'


class _Plot:
    """The plot area at a drawing's width: x of a value or a column, y of a row."""

    def __init__(self, g: Geometry, width: float, rows: int):
        m = g.margins
        self.left, self.right = m.left, width - m.right
        self.top, self.bottom = m.top, g.height - m.bottom
        self.band = (self.bottom - self.top) / max(rows, 1)

    def span(self, domain: tuple[float, float]) -> tuple[float, float]:
        width = self.right - self.left
        return self.left + width * domain[0], self.left + width * domain[1]

    def row_top(self, i: int) -> float:
        return self.top + self.band * i


def chart_svg(chart: Chart, *, phone: bool = False, href: str, key: str = "chart") -> str:
    """The chart drawn for a wide box (style.WIDE_WIDTH) or a phone's (style.PHONE_WIDTH), in
    both themes. A bar or cell that holds studies links to `href` + its query string; `key` makes
    the drawing's ids unique on its page."""
    g = geometry(chart, phone=phone)
    s = g.sizes
    width = PHONE_WIDTH if phone else WIDE_WIDTH
    out: list[str] = []

    # Title and subtitle, top left, each a block of lines.
    if g.title:
        out.append(_block(s.margin, g.title_baseline, s.title, g.title, _fill(lambda p: p.ink)))
        out.append(_block(s.margin, g.subtitle_baseline, s.subtitle, g.subtitle, _fill(lambda p: p.muted)))

    plot = _Plot(g, width, len(chart.rows))
    if chart.empty:
        centre_x, centre_y = (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2
        out.append(
            _text(
                centre_x,
                centre_y + MESSAGE_SIZE * MID_SHIFT,
                MESSAGE_SIZE,
                chart.message,
                anchor="middle",
                extra=f" {_fill(lambda p: p.muted)}",
            )
        )
        return _svg(out, width, g.height, phone)

    # Row labels at the left, the row title turned beside them.
    for i, label in enumerate(g.row_labels):
        out.append(_centred(plot.left - g.row_label_gap, plot.row_top(i) + plot.band / 2, s.tick, label, anchor="end"))
    if g.ticks:
        line = f"M{plot.left - 0.5:.1f} {plot.top:.1f}V{plot.bottom:.1f}"
        marks = "".join(
            f"M{plot.left - 0.5:.1f} {plot.row_top(i) + plot.band / 2:.1f}h-{TICK_LENGTH}"
            for i in range(len(chart.rows))
        )
        out.append(f'<path d="{line}{marks}" {_stroke(lambda p: p.muted)}/>')
    if g.row_title:
        x, y = plot.left - g.row_title_baseline, (plot.top + plot.bottom) / 2
        out.append(
            f'<text transform="translate({x:.1f} {y:.1f}) rotate(-90)" text-anchor="middle" '
            f'font-size="{AXIS_TITLE_SIZE}">{esc(g.row_title)}</text>'
        )
    if g.bars is not None:
        out += _bars(chart, g, plot, href, key)
    if g.matrix is not None:
        out += _cells(chart, g, plot, href)
    return _svg(out, width, g.height, phone)


def _bars(chart: Chart, g: Geometry, plot: _Plot, href: str, key: str) -> list[str]:
    s = g.sizes
    out: list[str] = []
    left, right = plot.span(g.bars)
    scale = (right - left) / g.value_top
    # Gridlines and numbers of the value axis, its title under them.
    grid, numbers = [], []
    value = 0
    while value <= g.value_top + 1e-9:
        x = left + value * scale
        grid.append(f"M{x:.1f} {plot.top:.1f}V{plot.bottom:.1f}")
        numbers.append(_text(x, plot.bottom + g.value_label_baseline, s.tick, f"{value:,}", anchor="middle"))
        value += g.value_step
    out.append(f'<path d="{"".join(grid)}" {_stroke(lambda p: p.grid)}/>')
    out += numbers
    baseline = plot.bottom + g.value_title_baseline
    out.append(_text((left + right) / 2, baseline, AXIS_TITLE_SIZE, VALUE_TITLE, anchor="middle"))
    thick = plot.band * (1 - BAR_GAP)
    hatched = False
    count_fill = _fill(lambda p: p.ink)
    for i, (row, group) in enumerate(zip(chart.rows, chart.bars)):
        y = plot.row_top(i) + (plot.band - thick) / 2
        w = group.count * scale
        colour = f'fill="{esc(row.swatch.colour)}"' if row.swatch else _fill(lambda p: p.neutral)
        rect = f'<rect x="{left:.1f}" y="{y:.1f}" width="{w:.1f}" height="{thick:.1f}" {colour}/>'
        if row.swatch and row.swatch.pattern:
            hatched = True
            rect += f'<rect x="{left:.1f}" y="{y:.1f}" width="{w:.1f}" height="{thick:.1f}" fill="url(#{key}-hatch)"/>'
        count = _text(
            left + w + COUNT_PAD,
            y + thick / 2 + s.count * MID_SHIFT,
            s.count,
            f"{group.count:,}",
            extra=f" {count_fill}",
        )
        out.append(_link(href, group, row.label, rect + count))
    if hatched:
        out.insert(
            0,
            f'<defs><pattern id="{key}-hatch" width="7" height="7" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="2.5" height="7" fill="#fff" fill-opacity="0.6"/>'
            "</pattern></defs>",
        )
    return out


def _cells(chart: Chart, g: Geometry, plot: _Plot, href: str) -> list[str]:
    s = g.sizes
    out: list[str] = []
    matrix = chart.matrix
    left, right = plot.span(g.matrix)
    width = (right - left) / max(len(matrix.columns), 1)
    gap = s.cell_gap
    largest = max((cell.count for row in matrix.cells for cell in row), default=0)
    count_fill = _fill(lambda p: p.ink)
    for i, (row, cells) in enumerate(zip(chart.rows, matrix.cells)):
        y = plot.row_top(i) + gap / 2
        for j, (column, cell) in enumerate(zip(matrix.columns, cells)):
            x = left + width * j + gap / 2
            fill = _fill(lambda p, n=cell.count: cell_colour(p, n, largest))
            rect = f'<rect x="{x:.1f}" y="{y:.1f}" width="{width - gap:.1f}" height="{plot.band - gap:.1f}" {fill}/>'
            text = _text(
                x + (width - gap) / 2,
                y + (plot.band - gap) / 2 + s.count * MID_SHIFT,
                s.count,
                f"{cell.count:,}" if cell.count else EMPTY_MARK,
                anchor="middle",
                extra=f" {count_fill}",
            )
            out.append(_link(href, cell, f"{row.label} \u00d7 {column.label}", rect + text))
    # Column labels: above the cells, turned to read upwards, a family's glyph in its colour.
    base = plot.top - g.column_label_gap
    for j, (column, label) in enumerate(zip(matrix.columns, g.column_labels)):
        cx = left + width * (j + 0.5) + s.tick * g.column_label_shift
        if column.swatch is not None:
            glyph = PATTERN_GLYPHS.get(column.swatch.pattern, PATTERN_GLYPHS[""])
            body = f'<tspan fill="{esc(column.swatch.colour)}">{glyph}</tspan>{esc(label.removeprefix(glyph))}'
        else:
            body = esc(label)
        out.append(f'<text transform="translate({cx:.1f} {base:.1f}) rotate(-90)" font-size="{s.tick}">{body}</text>')
    if g.column_title:
        y = plot.top - g.column_title_baseline
        out.append(_text((left + right) / 2, y, AXIS_TITLE_SIZE, g.column_title, anchor="middle"))
    return out


def _svg(out: list[str], width: int, height: int, phone: bool) -> str:
    # The drawing's text colour on the root (text inherits it), its dark colour as the variable.
    return (
        f'<svg class="lr-chart lr-d lr-chart-{"phone" if phone else "wide"}" viewBox="0 0 {width} {height}" '
        f'style="--d:{esc(DARK.ink)};--lr-w:{width}px" fill="{esc(LIGHT.ink)}" font-family="{esc(FONT)}" '
        f'aria-hidden="true" focusable="false">' + "".join(out) + "</svg>"
    )


def chart_svgs(chart: Chart, *, href: str, key: str) -> str:
    """The wide and the phone drawing of a chart (book.css shows the one that fits its box)."""
    return chart_svg(chart, href=href, key=f"{key}-wide") + chart_svg(chart, phone=True, href=href, key=f"{key}-phone")
