"""A figure drawn as a static SVG: what a page shows before plotly.js is loaded (issue #17).

A page ships each chart twice over: as this SVG, written into the HTML at build time, and as
the figure's JSON, which assets/figures.js hands to plotly.js once the reader interacts with the
page. The SVG is what a reader sees first, what prints, and what a page that never loads
plotly.js (400 KB) keeps: it costs a few kilobytes, does not grow with the table (one bar per
term, one cell per pair of terms) and needs no script.

It is drawn from the same figure JSON plotly.js draws, with the same geometry rules (margins,
row bands, bar gap, domains of a bars-and-matrix figure), so the swap to plotly.js changes
little on screen. It covers what the review's figures use: horizontal bars, heatmaps, both side
by side on one category axis, and an empty figure's message. Bars and cells that hold studies
link to the studies page filtered to them, as the plotly.js chart does on a click.

Colours: the light figure's colours are written as attributes; where the dark variant differs,
the element also carries the dark colour as a CSS variable (class ``lr-d`` for fill, ``lr-ds``
for stroke) that book.css applies in the dark theme, so a theme switch needs no redraw.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

#: Width of the drawing, in CSS pixels, for the wide box and for a phone's: the figure box's
#: width on the book's pages (a 1366 px screen gives 729 px, a 390 px phone 327 px). The SVG
#: scales to its box from there.
WIDE = 730
PHONE = 340

# plotly.js's own defaults where the figure leaves a value to them.
_TICK_PAD = 3
_LINE = 1.25  # line height, in font sizes, of multi-line labels

_TAG = re.compile(r"<[^>]+>")
_SPAN = re.compile(r'<span style="color:\s*([^";]+);?">(.*?)</span>(.*)', re.S)

# Advance widths of Helvetica (Arial and Liberation Sans share them), in thousandths of an em,
# from the font's published metrics (AFM), for printable ASCII: how much room a label takes.
# plotly.js measures the text in the browser; a build has none, and these put the plot area
# within a pixel or two of where plotly.js will.
# fmt: off
_ADVANCE = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    ],
))
# fmt: on
#: Outside ASCII: the dashes, the squares of the family glyphs, and a letter's width for the rest.
_OTHER = {"\u2014": 1000, "\u2013": 556, "\u00d7": 584, "\u25a0": 800, "\u25a8": 800}


def _width(text: str, size: float) -> float:
    return sum(_ADVANCE.get(char) or _OTHER.get(char, 556) for char in text) * size / 1000


def plain(text) -> str:
    """Plotly text (escaped, with <b>, <i>, <span> and <br>) as the words it shows, a line break
    read as a space."""
    return html.unescape(_TAG.sub(lambda tag: " " if tag.group().lower().startswith("<br") else "", str(text))).strip()


def _lines(text) -> list[str]:
    return str(text).split("<br>")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


# ---------------------------------------------------------------------------------------------
# The figure as plotly.js will see it: the patches merged, the template's defaults filled in.


def merge(base, patch):
    """`patch` merged into `base` as assets/figures.js merges a variant: objects key by key,
    anything else replaced."""
    if patch is None:
        return base
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    out = dict(base)
    for key, value in patch.items():
        out[key] = merge(base.get(key), value)
    return out


def with_variant(figure: dict, variant: dict | None) -> dict:
    """The figure's JSON ({"data", "layout"}) with one variant's patch merged in."""
    if not variant:
        return figure
    data = [merge(trace, change) for trace, change in zip(figure["data"], variant.get("data") or [])]
    data += figure["data"][len(data) :]
    return {"data": data, "layout": merge(figure["layout"], variant.get("layout"))}


def _resolved(figure: dict) -> dict:
    """The layout with the template's layout as its defaults (plotly.js does the same)."""
    layout = dict(figure["layout"])
    template = (layout.pop("template", None) or {}).get("layout", {})
    return merge(template, layout)


def _get(tree: dict, *path, default=None):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return default
        tree = tree[key]
    return default if tree is None else tree


# ---------------------------------------------------------------------------------------------
# Painting: light colour as the attribute, dark colour (where different) as a CSS variable.


class _Painter:
    def __init__(self, light: dict, dark: dict):
        self.light, self.dark = light, dark

    def fill(self, getter) -> str:
        return self._paint("fill", "lr-d", getter)

    def stroke(self, getter) -> str:
        return self._paint("stroke", "lr-ds", getter)

    def _paint(self, attribute: str, cls: str, getter) -> str:
        light, dark = getter(self.light), getter(self.dark)
        if not light or light == dark or not dark:
            return f'{attribute}="{_esc(light or "none")}"'
        return f'{attribute}="{_esc(light)}" class="{cls}" style="--d:{_esc(dark)}"'


def _scale_colour(colorscale: list, value: float) -> str:
    """The colour of `value` (0..1) on a plotly colorscale; repeated stops make steps."""
    for (lo, lo_colour), (hi, hi_colour) in zip(colorscale, colorscale[1:]):
        if lo <= value <= hi:
            if hi == lo or value == lo:
                return lo_colour if value < hi else hi_colour
            t = (value - lo) / (hi - lo)
            return _mix(lo_colour, hi_colour, t)
    return colorscale[-1][1]


def _mix(a: str, b: str, t: float) -> str:
    if not (a.startswith("#") and b.startswith("#") and len(a) == len(b) == 7):
        return a if t < 0.5 else b
    pa = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    pb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(pa, pb))


def _nice_step(top: float, target: int = 6) -> float:
    raw = top / max(target, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


# ---------------------------------------------------------------------------------------------
# Drawing


@dataclass(frozen=True)
class _Panel:
    """Where one trace is drawn: its x span (its axis's domain of the plot area), the plot
    area's top and bottom, the height of a category row, and whether rows run bottom-up."""

    left: float
    right: float
    top: float
    bottom: float
    band: float
    flip: bool

    def row_top(self, i: int, rows: int) -> float:
        return self.top + self.band * (rows - 1 - i if self.flip else i)


def chart_svg(figure: dict, dark: dict, *, width: int, href: str, cls: str = "", key: str = "chart") -> str:
    """`figure` ({"data", "layout"}, a variant already merged) as an SVG `width` wide, its height
    the figure's. `dark` is the same figure with the dark variant merged in too. A bar or cell
    with customdata links to `href` + customdata. `key` makes the drawing's own ids unique on
    its page."""
    light_layout, dark_layout = _resolved(figure), _resolved(dark)
    paint = _Painter({"layout": light_layout, "data": figure["data"]}, {"layout": dark_layout, "data": dark["data"]})
    layout = light_layout
    height = int(_get(layout, "height", default=440))
    font_size = _get(layout, "font", "size", default=13)
    out: list[str] = []

    # Title and subtitle, top left.
    title = _get(layout, "title", default={})
    x0 = _get(title, "pad", "l", default=0)
    y = _get(title, "pad", "t", default=0)
    size = _get(title, "font", "size", default=17)
    for line in _lines(_get(title, "text", default="")):
        y += size * _LINE
        out.append(
            f'<text x="{x0}" y="{y - size * 0.3:.1f}" font-size="{size}" '
            f"{paint.fill(lambda f: _get(f['layout'], 'title', 'font', 'color') or _get(f['layout'], 'font', 'color'))}>"
            f"{_esc(plain(line))}</text>"
        )
    sub_size = _get(title, "subtitle", "font", "size", default=12)
    subtitle = _get(title, "subtitle", "text", default="")
    if subtitle:
        y += 10 if size > 16 else 4
        for line in _lines(subtitle):
            y += sub_size * _LINE
            out.append(
                f'<text x="{x0}" y="{y - sub_size * 0.3:.1f}" font-size="{sub_size}" '
                f"{paint.fill(lambda f: _get(f['layout'], 'title', 'subtitle', 'font', 'color'))}>"
                f"{_esc(plain(line))}</text>"
            )

    margin = _get(layout, "margin", default={})
    top = margin.get("t", 88)
    bottom_margin = margin.get("b", 16)
    right = width - margin.get("r", 16)
    traces = [t for t in figure["data"] if t.get("visible", True) is not False]
    yaxis = _get(layout, "yaxis", default={})
    annotations = _get(layout, "annotations", default=[])

    if not traces:
        for k, note in enumerate(annotations):
            note_size = _get(note, "font", "size", default=15)
            colour = paint.fill(lambda f, k=k: _get(_get(f["layout"], "annotations", default=[{}])[k], "font", "color"))
            out.append(
                f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" font-size="{note_size}" '
                f"{colour}>{_esc(plain(note.get('text', '')))}</text>"
            )
        return _wrap(out, width, height, paint, cls)

    # The category (y) axis: rows top to bottom (the figures reverse plotly's bottom-up order so
    # that the first category is on top), labels at the left.
    rows = list(traces[0].get("y", []))
    flip = _get(yaxis, "autorange") != "reversed"
    if flip:
        rows.reverse()
    if _get(yaxis, "tickmode") == "array":
        tick_of = dict(zip(_get(yaxis, "tickvals", default=[]), _get(yaxis, "ticktext", default=[])))
    else:
        tick_of = {}
    tick_size = _get(yaxis, "tickfont", "size", default=12)
    labels = [_lines(tick_of.get(r, r)) for r in rows]
    label_width = max((_width(plain(line), tick_size) for label in labels for line in label), default=0)
    ticklen = _get(yaxis, "ticklen", default=5) if _get(yaxis, "ticks") == "outside" else 0
    y_title = plain(_get(yaxis, "title", "text", default=""))
    title_size = _get(yaxis, "title", "font", "size", default=font_size)
    left = margin.get("l", 16) + label_width + ticklen + _TICK_PAD
    if y_title:
        left += title_size * _LINE + _get(yaxis, "title", "standoff", default=10)

    # The value axis under the bars (if any is shown) takes room at the bottom.
    bar_axes = [("xaxis2" if t.get("xaxis") == "x2" else "xaxis") for t in traces if t.get("type") == "bar"]
    bottom = height - bottom_margin
    for name in bar_axes[:1]:
        axis = _get(layout, name, default={})
        if axis.get("visible", True) is not False:
            needed = _get(axis, "tickfont", "size", default=12) * _LINE + _TICK_PAD
            if _get(axis, "title", "text"):
                needed += (
                    _get(axis, "title", "standoff", default=10)
                    + _get(axis, "title", "font", "size", default=font_size) * _LINE
                )
            bottom = height - max(bottom_margin, needed + 4)
    band = (bottom - top) / max(len(rows), 1)

    def row_y(i: int) -> float:
        return top + band * i

    # y labels and the axis line.
    for i, label in enumerate(labels):
        centre = row_y(i) + band / 2
        first = centre - (len(label) - 1) * tick_size * _LINE / 2
        tspans = "".join(
            f'<tspan x="{left - ticklen - _TICK_PAD:.1f}" y="{first + k * tick_size * _LINE + tick_size * 0.35:.1f}">'
            f"{_esc(plain(line))}</tspan>"
            for k, line in enumerate(label)
        )
        out.append(f'<text text-anchor="end" font-size="{tick_size}">{tspans}</text>')
    if _get(yaxis, "showline"):
        stroke = paint.stroke(lambda f: _get(f["layout"], "yaxis", "linecolor"))
        out.append(f'<path d="M{left:.1f} {top:.1f}V{bottom:.1f}" {stroke}/>')
        if ticklen:
            ticks = "".join(f"M{left - ticklen:.1f} {row_y(i) + band / 2:.1f}h{ticklen}" for i in range(len(rows)))
            out.append(f'<path d="{ticks}" {paint.stroke(lambda f: _get(f["layout"], "yaxis", "tickcolor"))}/>')
    if y_title:
        tx = margin.get("l", 16) * 0.5 + title_size * 0.8
        ty = (top + bottom) / 2
        out.append(
            f'<text transform="translate({tx:.1f} {ty:.1f}) rotate(-90)" text-anchor="middle" '
            f'font-size="{title_size}">{_esc(y_title)}</text>'
        )

    for index, trace in enumerate(figure["data"]):
        if trace.get("visible", True) is False:
            continue
        axis_name = "xaxis2" if trace.get("xaxis") == "x2" else "xaxis"
        axis = _get(layout, axis_name, default={})
        lo, hi = axis.get("domain", [0, 1])
        panel = _Panel(left + (right - left) * lo, left + (right - left) * hi, top, bottom, band, flip)
        if trace.get("type") == "bar":
            out += _bars(trace, index, axis_name, layout, paint, panel, href, key)
        elif trace.get("type") == "heatmap":
            out += _cells(trace, index, axis, paint, panel, href)
    return _wrap(out, width, height, paint, cls)


#: The drawing's fonts: those with the widths in _ADVANCE. Not the figures' "Helvetica Neue"
#: first: where it is missing, fontconfig answers Firefox with DejaVu Sans (wider, so labels
#: would be cut), while "Helvetica" is answered with Liberation Sans, its metric twin.
FONT = 'Helvetica, Arial, "Liberation Sans", sans-serif'


def _wrap(out: list[str], width: int, height: int, paint: _Painter, cls: str) -> str:
    family = _esc(FONT)
    # The drawing's text colour on the root (text inherits it), its dark colour as the variable.
    ink = _get(paint.light["layout"], "font", "color", default="#000")
    dark_ink = _get(paint.dark["layout"], "font", "color", default=ink)
    return (
        f'<svg class="lr-chart lr-d {cls}" viewBox="0 0 {width} {height}" '
        f'style="--d:{_esc(dark_ink)};--lr-w:{width}px" fill="{_esc(ink)}" font-family="{family}" '
        f'aria-hidden="true" focusable="false">' + "".join(out) + "</svg>"
    )


def _title(hover) -> str:
    """The tooltip: the hover text's heading and count (its list of studies is plotly.js's)."""
    return " \u2014 ".join(plain(line) for line in _lines(hover)[:2] if plain(line))


def _link(href: str, query, hover, body: str) -> str:
    if not query:
        return body
    tip = f"<title>{_esc(_title(hover))}</title>" if hover else ""
    return f'<a href="{_esc(href + query)}" tabindex="-1">{tip}{body}</a>'


def _bars(trace, index, axis_name, layout, paint, panel: _Panel, href, key) -> list[str]:
    out: list[str] = []
    axis = _get(layout, axis_name, default={})
    x_left, x_right, top, bottom, band = panel.left, panel.right, panel.top, panel.bottom, panel.band
    values = [v or 0 for v in trace.get("x", [])]
    span = axis.get("range") or [0, max(values, default=1) * 1.05 or 1]
    scale = (x_right - x_left) / (span[1] - span[0] or 1)
    # Gridlines and tick labels of the value axis.
    if axis.get("visible", True) is not False:
        step = axis.get("dtick") or _nice_step(span[1] - span[0])
        tick_size = _get(axis, "tickfont", "size", default=12)
        grid, numbers = [], []
        value = 0
        while value <= span[1] + 1e-9:
            x = x_left + (value - span[0]) * scale
            grid.append(f"M{x:.1f} {top:.1f}V{bottom:.1f}")
            numbers.append(
                f'<text x="{x:.1f}" y="{bottom + _TICK_PAD + tick_size:.1f}" text-anchor="middle" '
                f'font-size="{tick_size}">{value:,.0f}</text>'
            )
            value += step
        if axis.get("showgrid"):
            out.append(
                f'<path d="{"".join(grid)}" {paint.stroke(lambda f: _get(f["layout"], axis_name, "gridcolor"))}/>'
            )
        out += numbers
        x_title = plain(_get(axis, "title", "text", default=""))
        if x_title:
            size = _get(axis, "title", "font", "size", default=13)
            y = bottom + _TICK_PAD + tick_size * _LINE + _get(axis, "title", "standoff", default=10) + size
            out.append(
                f'<text x="{(x_left + x_right) / 2:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{size}">'
                f"{_esc(x_title)}</text>"
            )
    gap = _get(layout, "bargap", default=0.2)
    thick = band * (1 - gap)
    colours = _get(trace, "marker", "color", default="#636efa")
    shapes = _get(trace, "marker", "pattern", "shape", default="")
    texts = trace.get("text") or [""] * len(values)
    hovers = trace.get("hovertext") or [""] * len(values)
    links = trace.get("customdata") or [""] * len(values)
    text_size = _get(trace, "textfont", "size", default=12)
    for i, value in enumerate(values):
        y = panel.row_top(i, len(values)) + (band - thick) / 2
        w = max(value - span[0], 0) * scale
        colour = colours[i] if isinstance(colours, list) else colours

        def fill(f, i=i):
            c = _get(f["data"][index], "marker", "color")
            return c[i] if isinstance(c, list) else c

        hatch = (shapes[i] if isinstance(shapes, list) else shapes) if shapes else ""
        rect = f'<rect x="{x_left:.1f}" y="{y:.1f}" width="{w:.1f}" height="{thick:.1f}" {paint.fill(fill)}/>'
        if hatch and colour:
            rect += (
                f'<rect x="{x_left:.1f}" y="{y:.1f}" width="{w:.1f}" height="{thick:.1f}" fill="url(#{key}-hatch)"/>'
            )
        label = (
            f'<text x="{x_left + w + 3:.1f}" y="{y + thick / 2 + text_size * 0.35:.1f}" font-size="{text_size}" '
            f"{paint.fill(lambda f: _get(f['data'][index], 'textfont', 'color'))}>{_esc(plain(texts[i]))}</text>"
        )
        out.append(_link(href, links[i], hovers[i], rect + label))
    if any(shapes) if isinstance(shapes, list) else shapes:
        out.insert(
            0,
            f'<defs><pattern id="{key}-hatch" width="7" height="7" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="2.5" height="7" fill="#fff" fill-opacity="0.6"/>'
            "</pattern></defs>",
        )
    return out


def _cells(trace, index, axis, paint, panel: _Panel, href) -> list[str]:
    out: list[str] = []
    x_left, x_right, top, band = panel.left, panel.right, panel.top, panel.band
    columns = list(trace.get("x", []))
    z = trace.get("z", [])
    zmin, zmax = trace.get("zmin", 0), trace.get("zmax", 1)
    width = (x_right - x_left) / max(len(columns), 1)
    xgap, ygap = trace.get("xgap", 0), trace.get("ygap", 0)
    texts = trace.get("text") or []
    hovers = trace.get("hovertext") or []
    links = trace.get("customdata") or []
    text_size = _get(trace, "textfont", "size", default=12)
    for i, row in enumerate(z):
        for j, value in enumerate(row):
            t = ((value or 0) - zmin) / ((zmax - zmin) or 1)
            x = x_left + width * j + xgap / 2
            y = panel.row_top(i, len(z)) + ygap / 2

            def fill(f, t=t):
                return _scale_colour(f["data"][index]["colorscale"], t)

            rect = f'<rect x="{x:.1f}" y="{y:.1f}" width="{width - xgap:.1f}" height="{band - ygap:.1f}" {paint.fill(fill)}/>'
            text = texts[i][j] if i < len(texts) and j < len(texts[i]) else ""
            label = (
                f'<text x="{x + (width - xgap) / 2:.1f}" y="{y + (band - ygap) / 2 + text_size * 0.35:.1f}" '
                f'text-anchor="middle" font-size="{text_size}" '
                f"{paint.fill(lambda f: _get(f['data'][index], 'textfont', 'color'))}>{_esc(plain(text))}</text>"
            )
            query = links[i][j] if i < len(links) and j < len(links[i]) else ""
            hover = hovers[i][j] if i < len(hovers) and j < len(hovers[i]) else ""
            out.append(_link(href, query, hover, rect + label))
    # Column labels: above the cells, turned to read upwards, as the figures place them.
    if axis.get("visible", True) is not False and axis.get("showticklabels", True) is not False:
        tick_of = (
            dict(zip(axis.get("tickvals", []), axis.get("ticktext", []))) if axis.get("tickmode") == "array" else {}
        )
        size = _get(axis, "tickfont", "size", default=12)
        upright = axis.get("tickangle") != -90
        base = top - _TICK_PAD - 2
        for j, column in enumerate(columns):
            lines = _lines(tick_of.get(column, column))
            cx = x_left + width * (j + 0.5)
            spans = []
            for k, line in enumerate(lines):
                offset = (k - (len(lines) - 1) / 2) * size * _LINE + size * 0.35
                spans.append(f'<tspan x="0" y="{offset:.1f}">{_rich(line)}</tspan>')
            if upright:
                out.append(
                    f'<text transform="translate({cx:.1f} {base:.1f})" text-anchor="middle" font-size="{size}">'
                    f"{''.join(spans)}</text>"
                )
            else:
                out.append(
                    f'<text transform="translate({cx:.1f} {base:.1f}) rotate(-90)" font-size="{size}">'
                    f"{''.join(spans)}</text>"
                )
        x_title = plain(_get(axis, "title", "text", default=""))
        if x_title:
            longest = max((_width(plain(line), size) for c in columns for line in _lines(tick_of.get(c, c))), default=0)
            title_size = _get(axis, "title", "font", "size", default=13)
            y = base - longest - _get(axis, "title", "standoff", default=10) - 2
            out.append(
                f'<text x="{(x_left + x_right) / 2:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{title_size}">'
                f"{_esc(x_title)}</text>"
            )
    return out


def _rich(line: str) -> str:
    """A tick label, keeping a leading coloured glyph (<span style="color:…">■</span>) coloured."""
    match = _SPAN.match(line)
    if not match:
        return _esc(plain(line))
    colour, glyph, rest = match.groups()
    return f'<tspan fill="{_esc(colour)}">{_esc(plain(glyph))}</tspan>{_esc(plain(rest))}'


def figure_svgs(figure: dict, phone: dict, dark: dict, href: str, key: str) -> str:
    """The wide and the phone drawing of a figure (book.css shows the one that fits its box)."""
    wide_light = with_variant(figure, None)
    wide_dark = with_variant(figure, dark)
    phone_light = with_variant(figure, phone)
    phone_dark = with_variant(phone_light, dark)
    return chart_svg(wide_light, wide_dark, width=WIDE, href=href, cls="lr-chart-wide", key=f"{key}-wide") + chart_svg(
        phone_light, phone_dark, width=PHONE, href=href, cls="lr-chart-phone", key=f"{key}-phone"
    )
