"""How a chart looks, stated once for both its drawings: plotly.js's and the static SVG.

The fonts and the room their text takes (Helvetica's advance widths), the sizes, the colours of
each theme, and where everything goes in a wide box and in a phone's (Geometry: height, margins,
rows, wrapped labels, panels, the value axis). plotly_figure hands all of it to plotly.js as
explicit values, leaving nothing to plotly's automatic margins or ticks, and svg draws at the
same values, so the drawing a page shows first and plotly.js's that replaces it agree.
tests/test_chart_agreement.py holds this module to the real plotly.js in chromium: the plot
area, every label's box and width, every bar.

A phone is a box narrower than PHONE_MAX_WIDTH: titles and row labels wrap, margins narrow, and
a bars-and-matrix chart gives the matrix the whole width, each row's bar count in its label (the
bars would leave the cells too small to read or tap). A matrix's column labels stand on one line
each, turned to read upwards, in any box: a column then needs only a line's height of width, so
eleven model families fit side by side at 390 px; the data table under a chart has them in full.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .model import Chart

# ---------------------------------------------------------------------------------------------
# Fonts and the room text takes

#: The font of both drawings: Helvetica, or a font with its metrics (Arial, Liberation Sans), so
#: that ADVANCE holds wherever the chart is shown. Not "Helvetica Neue" first: where it is missing,
#: fontconfig answers Firefox with DejaVu Sans (wider: labels would be cut), while "Helvetica" is
#: answered with Liberation Sans, its metric twin.
FONT = 'Helvetica, Arial, "Liberation Sans", sans-serif'

# Advance widths of Helvetica (Arial and Liberation Sans share them), in thousandths of an em,
# from the font's published metrics (AFM), for printable ASCII.
# fmt: off
ADVANCE = dict(zip(
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
#: Outside ASCII: the dashes, the multiplication sign, the ellipsis, and the family glyphs: the
#: solid square is Helvetica's (and its twins'); the hatched squares come from whatever font the
#: system falls back to (DejaVu Sans here, the widest seen: room to spare elsewhere).
OTHER_ADVANCE = {"\u2014": 1000, "\u2013": 556, "\u00d7": 584, "\u2026": 1000, "\u25a0": 604}
GLYPH_ADVANCE = 945
#: A letter the tables do not know: as wide as a digit.
DEFAULT_ADVANCE = 556


def text_width(text: str, size: float) -> float:
    """How wide `text` is, in px, set in FONT at `size` px: never less than a browser draws it
    (kerning, which the advance widths leave out, only narrows a few pairs such as "Ta")."""
    return sum(ADVANCE.get(c) or OTHER_ADVANCE.get(c) or _glyph_or_default(c) for c in text) * size / 1000


def _glyph_or_default(char: str) -> int:
    return GLYPH_ADVANCE if char in PATTERN_GLYPHS.values() else DEFAULT_ADVANCE


# How plotly.js places text (its own constants), and the font's vertical extent as chromium
# rounds it: what puts each line of the static drawing where plotly.js draws it.
#: A top-anchored line's baseline sits this far below its anchor, in font sizes.
CAP_SHIFT = 0.7
#: A line centred on a point has its baseline this far below it, in font sizes.
MID_SHIFT = 0.35
#: From one line's baseline to the next, in font sizes.
LINE = 1.3
#: Between the title's box and the subtitle's anchor, in subtitle sizes.
SUBTITLE_PADDING = 1.6
#: Helvetica's (and its metric twins') ascent and descent, in font sizes; a browser rounds each
#: to whole pixels.
ASCENT = 0.905
DESCENT = 0.212


def ascent(size: float) -> int:
    return math.floor(ASCENT * size + 0.5)


def descent(size: float) -> int:
    return math.floor(DESCENT * size + 0.5)


def wrap(text: str, width: float, size: float) -> tuple[str, ...]:
    """`text` broken at spaces into lines at most `width` px wide (a longer word keeps a line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return tuple(lines)


# ---------------------------------------------------------------------------------------------
# Colours


@dataclass(frozen=True)
class Palette:
    """The colours of one theme. Model-family colours are the same in both (vocabulary.yml)."""

    ink: str  # text
    muted: str  # axis lines, ticks, subtitles
    grid: str  # value gridlines only: there to read values off, not to be seen
    paper: str  # behind the chart
    empty: str  # a matrix cell without studies
    #: Bars that do not encode a model family: a slate no model family uses.
    neutral: str
    #: Matrix cells with studies, fewest to most: one hue ordered by lightness, safe for
    #: colour-blind readers and in greyscale; more studies stand out more in either theme. Every
    #: cell's count is written in `ink`, so both ends (and the empty cell) keep 4.5:1 with it.
    scale: tuple[str, str]
    hover_bg: str
    hover_border: str
    #: Thin lines between bar segments and around hatching: the colour behind the chart.
    separator: str


LIGHT = Palette(
    ink="#262626",  # near-black reads softer than pure black on screen, prints black
    muted="#595959",
    grid="#e6e6e6",
    paper="white",
    empty="#f0f0f0",
    neutral="#4f6273",
    scale=("#c9dcef", "#7397bb"),
    hover_bg="white",
    hover_border="#999999",
    separator="white",
)
#: The dark theme (pydata-sphinx-theme's dark page is #121212 with #ced6dd text). The paper is
#: transparent so the chart sits on whatever the page's own background is.
DARK = Palette(
    ink="#ced6dd",
    muted="#a3abb5",
    grid="#363c44",
    paper="rgba(0,0,0,0)",
    empty="#1a1d22",
    neutral="#8ea5bb",
    scale=("#233243", "#395c82"),
    hover_bg="#1e2329",
    hover_border="#6b737d",
    separator="#121212",
)

#: Written in a cell without studies: 'no study' must not rely on colour alone.
EMPTY_MARK = "\u2014"
#: The glyph before a family's name in a matrix's column labels, one per hatching, so a label
#: shows the same colour and pattern as the family's bars.
PATTERN_GLYPHS = {
    "": "\u25a0",
    "/": "\u25a8",
    "\\": "\u25a7",
    "x": "\u25a9",
    "-": "\u25a4",
    "|": "\u25a5",
    "+": "\u25a6",
    ".": "\u25a3",
}


def cell_colour(palette: Palette, count: int, largest: int) -> str:
    """A matrix cell's colour: `empty` for none, then light to dark from 1 to `largest` studies."""
    if not count:
        return palette.empty
    if largest <= 1:
        return palette.scale[1]
    return mix(palette.scale[0], palette.scale[1], (count - 0.5) / (largest - 0.5))


def mix(a: str, b: str, t: float) -> str:
    """The colour a share `t` of the way from #rrggbb `a` to `b`."""
    pa = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    pb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(pa, pb))


# ---------------------------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class Sizes:
    """Font sizes and spacing of one kind of box (wide or a phone's), in CSS px."""

    margin: int  # around the plot, left, right and bottom
    title: int
    subtitle: int
    tick: int  # row and column labels, value ticks
    count: int  # the numbers at a bar's end and in a cell
    bar_row: int  # a row of bars, at least
    matrix_row: int  # a row of cells, at least
    cell_gap: int  # between two cells
    row_label_width: int  # row labels beside a matrix wrap at this width (0: no wrapping)
    bar_label_width: int  # row labels beside bars only wrap at this width (0: no wrapping)
    title_width: int  # titles wrap at this width (0: one line)


WIDE_SIZES = Sizes(
    margin=16,
    title=17,
    subtitle=12,
    tick=12,
    count=12,
    bar_row=30,
    matrix_row=34,
    cell_gap=2,
    row_label_width=104,
    bar_label_width=0,
    title_width=0,
)
#: A phone's box is 290 px and more wide (a 320 px screen): titles wrap to fit it.
PHONE_SIZES = Sizes(
    margin=4,
    title=16,
    subtitle=11,
    tick=11,
    count=11,
    bar_row=26,
    matrix_row=28,
    cell_gap=1,
    row_label_width=84,
    bar_label_width=84,
    title_width=282,
)

#: A chart's box narrower than this (CSS px) is a phone's.
PHONE_MAX_WIDTH = 600
#: The width the static drawings are drawn at (they scale to their box from there): the figure
#: box on the book's pages, 729 px on a 1366 px screen, 327 px on a 390 px phone.
WIDE_WIDTH = 730
PHONE_WIDTH = 340

AXIS_TITLE_SIZE = 13
MESSAGE_SIZE = 15
#: From the top of the chart to its title's anchor; the title's left inset is the margin.
TITLE_TOP = 14
#: Under the subtitle, before the column title or the plot.
BELOW_TITLES = 14
#: Where the plot starts when the page shows the title itself (the explorer).
UNTITLED_TOP = 16
#: Between an axis title and its labels.
STANDOFF = 10
TICK_LENGTH = 4
#: Between the outer edge of a chart's text and the edge of the chart.
EDGE_PAD = 4
#: Bars leave this share of a row empty; the value axis runs past the longest bar by this share,
#: room for its count.
BAR_GAP = 0.3
VALUE_HEADROOM = 1.18
#: In a bars-and-matrix chart, the share of the width the bars take and the gap to the matrix.
BAR_SHARE = 0.26
PANEL_GAP = 0.04
#: Between a bar's end and its count (plotly.js's text padding).
COUNT_PAD = 3


@dataclass(frozen=True)
class Margins:
    left: int
    right: int
    top: int
    bottom: int


@dataclass(frozen=True)
class Geometry:
    """Where everything of one chart goes in a wide box or in a phone's. Distances are CSS px;
    "from the plot" means from the plot area's edge outwards."""

    phone: bool
    sizes: Sizes
    height: int
    margins: Margins
    title: tuple[str, ...]  # lines; () when the page shows the title itself
    subtitle: tuple[str, ...]
    title_baseline: float  # the title's first line, from the top
    title_anchor: float  # where plotly.js anchors the title (the first baseline, less CAP_SHIFT for one line)
    subtitle_baseline: float  # the subtitle's first line, from the top
    row_labels: tuple[tuple[str, ...], ...]  # per row, its lines (none for an empty chart)
    row_label_width: float  # the longest line of them
    row_title: str  # '' when not shown
    column_labels: tuple[str, ...]  # per matrix column, one line, led by a family's glyph
    column_label_width: float  # the longest of them
    column_title: str  # '' when not shown
    bars: tuple[float, float] | None  # the bars' share of the plot's width, None: not shown
    matrix: tuple[float, float] | None  # the matrix's share
    value_top: float  # the value axis runs from 0 to this
    value_step: int  # a gridline and a number every this many studies
    ticks: bool  # an axis line and category ticks beside the bars

    def row_height(self, rows: int) -> float:
        return (self.height - self.margins.top - self.margins.bottom) / max(rows, 1)

    # Where plotly.js puts an axis's text, from its rules (axes.js, titles): a label's anchor
    # stands off the axis line by half a line width, plus tick length and a fifth of the font
    # size where there are ticks; an axis title stands off its labels' far edge (the depth).

    @property
    def row_label_gap(self) -> float:
        """From the plot to the row labels' right end."""
        return 1 + ((TICK_LENGTH + 0.2 * self.sizes.tick) if self.ticks else 0)

    @property
    def row_title_baseline(self) -> float:
        """From the plot to the (turned) row title's baseline."""
        return self.row_label_gap + self.row_label_width + STANDOFF + MID_SHIFT * AXIS_TITLE_SIZE

    @property
    def column_label_gap(self) -> float:
        """From the plot to where the (turned) column labels start."""
        return 1

    @property
    def column_label_shift(self) -> float:
        """From a column's centre to its turned label's baseline, in the label's font sizes."""
        return 0.5 - MID_SHIFT / 2

    @property
    def column_title_baseline(self) -> float:
        """From the plot up to the column title's baseline."""
        return self.column_label_gap + self.column_label_width + STANDOFF + MID_SHIFT * AXIS_TITLE_SIZE

    @property
    def value_label_baseline(self) -> float:
        """From the plot down to the value axis's numbers' baseline."""
        return 1 + self.sizes.tick

    @property
    def value_title_baseline(self) -> float:
        """From the plot down to the value axis title's baseline."""
        depth = self.value_label_baseline + descent(self.sizes.tick)
        return depth + STANDOFF + CAP_SHIFT * AXIS_TITLE_SIZE


def value_axis(largest: int) -> tuple[float, int]:
    """(end, step) of a count axis from 0: whole studies only, room after the longest bar for
    its count, a number about every sixth of the way."""
    top = max(largest, 1) * VALUE_HEADROOM
    if largest <= 6:
        return top, 1
    if largest <= 10:
        return top, 2
    raw = top / 6
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if raw <= m * power)
    return top, int(step)


def column_label(category) -> str:
    """A matrix column's label as drawn: a family's glyph (its hatching) before its name."""
    if category.swatch is None:
        return category.label
    return f"{PATTERN_GLYPHS.get(category.swatch.pattern, PATTERN_GLYPHS[''])} {category.label}"


def geometry(chart: Chart, *, phone: bool = False, titled: bool = True) -> Geometry:
    """The chart laid out in a wide box or in a phone's; `titled` False leaves the title out
    (a page that shows it as a heading)."""
    s = PHONE_SIZES if phone else WIDE_SIZES
    title: tuple[str, ...] = ()
    subtitle: tuple[str, ...] = ()
    title_baseline = subtitle_baseline = 0.0
    top = float(UNTITLED_TOP)
    if titled:
        title = wrap(chart.title, s.title_width, s.title) if s.title_width else (chart.title,)
        subtitle = wrap(chart.subtitle, s.title_width, s.subtitle) if s.title_width else (chart.subtitle,)
        # plotly.js anchors the title at its top: one line's baseline a CAP_SHIFT under the
        # anchor, the first of several lines at the anchor itself (the anchor is moved down for
        # them: the first line stays where it is). The subtitle is anchored under the title's box.
        title_baseline = TITLE_TOP + CAP_SHIFT * s.title
        below_title = title_baseline + LINE * s.title * (len(title) - 1) + descent(s.title)
        subtitle_baseline = below_title + (SUBTITLE_PADDING + (CAP_SHIFT if len(subtitle) == 1 else 0)) * s.subtitle
        top = subtitle_baseline + LINE * s.subtitle * (len(subtitle) - 1) + descent(s.subtitle) + BELOW_TITLES
    matrix = chart.matrix is not None
    both = matrix and chart.bars is not None
    empty = chart.empty
    ticks = chart.bars is not None and not (phone and both) and not empty
    rows = max(len(chart.rows), 3 if both else 1)

    row_labels: tuple[tuple[str, ...], ...] = ()
    column_labels: tuple[str, ...] = ()
    row_title = column_title = ""
    row_label_width = column_label_width = 0.0
    left = bottom = float(s.margin)
    row = s.matrix_row if matrix else s.bar_row
    geometry = Geometry(
        phone, s, 0, Margins(0, 0, 0, 0), title, subtitle, title_baseline,
        title_baseline - (CAP_SHIFT * s.title if len(title) == 1 else 0), subtitle_baseline,
        (), 0.0, "", (), 0.0, "", None, None, 0.0, 1, ticks,
    )  # fmt: skip
    if not empty:
        texts = [c.label for c in chart.rows]
        if phone and both:
            texts = [f"{text} ({group.count:,})" for text, group in zip(texts, chart.bars)]
        width = s.row_label_width if matrix else s.bar_label_width
        row_labels = tuple(wrap(text, width, s.tick) if width else (text,) for text in texts)
        lines = max((len(label) for label in row_labels), default=1)
        row = max(row, math.ceil(LINE * s.tick * lines + 6))
        row_label_width = max((text_width(line, s.tick) for label in row_labels for line in label), default=0)
        row_title = "" if phone else chart.row_title
        geometry = replace(geometry, row_label_width=row_label_width, row_title=row_title)
        left = s.margin + geometry.row_label_gap + row_label_width
        if row_title:
            left = s.margin + ascent(AXIS_TITLE_SIZE) + geometry.row_title_baseline
        if matrix:
            column_labels = tuple(column_label(c) for c in chart.matrix.columns)
            column_label_width = max(text_width(label, s.tick) for label in column_labels)
            column_title = "" if phone else chart.matrix.title
            geometry = replace(geometry, column_label_width=column_label_width, column_title=column_title)
            if column_title:
                top += ascent(AXIS_TITLE_SIZE) + geometry.column_title_baseline
            else:
                top += column_label_width + geometry.column_label_gap
        if ticks:
            bottom = geometry.value_title_baseline + descent(AXIS_TITLE_SIZE) + EDGE_PAD
    if both:
        bars, cells = ((0.0, BAR_SHARE), (BAR_SHARE + PANEL_GAP, 1.0)) if ticks else (None, (0.0, 1.0))
    else:
        bars, cells = (None, (0.0, 1.0)) if matrix else ((0.0, 1.0), None)
    largest = max((g.count for g in chart.bars or ()), default=0)
    value_top, value_step = value_axis(largest)
    top = math.ceil(top)
    plot_height = math.ceil(row * rows)
    bottom = math.ceil(bottom)
    return replace(
        geometry,
        height=top + plot_height + bottom,
        margins=Margins(math.ceil(left), s.margin, top, bottom),
        row_labels=row_labels,
        column_labels=column_labels,
        bars=None if empty else bars,
        matrix=None if empty else cells,
        value_top=value_top,
        value_step=value_step,
    )
