"""The static drawing and plotly.js's agree, in chromium: livingreview.charts.style's assumptions.

A page shows a chart's static SVG (livingreview.charts.svg) first and swaps in plotly.js's
drawing of the same chart (livingreview.charts.plotly_figure) once the reader interacts. Both are
drawn at style's geometry, which states once what the SVG must match in plotly.js's drawing: the
font and its advance widths, plotly.js's text placement, the margins, the bars. Here the real
plotly.js (the bundle the book serves) and the SVG are drawn side by side at the drawing's own
width, for every chart, wide and on a phone, from the shipped table, a grown one and none:

- the plot area is the geometry's (plotly.js adds no automatic margin);
- every text of the one is in the other, its box within a pixel;
- every bar has the same box;
- the font's advance widths (style.ADVANCE) are what chromium measures for style.FONT;
- no label overlaps another or the plot, none is cut at the chart's edge, at the book's widths and
  in the explorer's narrow column (the gap map's eleven family columns at 390 px).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

from livingreview import load_studies
from livingreview.charts.model import CHARTS
from livingreview.charts.plotly_figure import plotly_figure
from livingreview.charts.style import FONT, PHONE_WIDTH, WIDE_WIDTH, geometry, text_width
from livingreview.charts.svg import chart_svg
from livingreview.data.paths import ASSETS_DIR

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic import write_studies

BUNDLE = ASSETS_DIR / "vendor" / "plotly-partial.min.js"
#: How far a text's box may sit from its twin's, in CSS px (sub-pixel rounding of positions).
SLACK = 1.0
#: The explorer's chart column on a 390 px phone (Voilà's page, livingreview.explorer.app).
EXPLORER_PHONE_WIDTH = 360

DRAW = """
async ([figure, svg, width]) => {
  const plot = document.getElementById('plotly'), drawing = document.getElementById('svg');
  for (const box of [plot, drawing]) { box.innerHTML = ''; box.style.width = width + 'px'; }
  drawing.innerHTML = svg;
  if (svg) drawing.querySelector('svg').setAttribute('width', width);
  await Plotly.newPlot(plot, figure.data, figure.layout, {displayModeBar: false});
  const size = plot._fullLayout._size;
  return {l: size.l, r: size.r, t: size.t, b: size.b, height: plot._fullLayout.height};
}
"""

COLLECT = """
(root) => {
  const base = root.getBoundingClientRect();
  const box = (e) => { const r = e.getBoundingClientRect();
    return {l: r.left - base.left, t: r.top - base.top, r: r.right - base.left, b: r.bottom - base.top}; };
  const texts = [...root.querySelectorAll('text')]
    .filter(t => !t.closest('.hoverlayer') && t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .map(t => ({text: t.textContent, ...box(t), tick: !!t.closest('.xtick, .x2tick, .ytick')}));
  const bars = [...root.querySelectorAll('.barlayer .point path, svg.lr-chart a > rect:first-of-type')]
    .map(box).filter(b => b.r - b.l > 0.5 && (root.id === 'plotly' || b.b - b.t > 0));
  return {texts, bars, width: base.width};
}
"""

MEASURE = """
([font, items]) => {
  const context = document.createElement('canvas').getContext('2d');
  return items.map(([text, size]) => { context.font = size + 'px ' + font; return context.measureText(text).width; });
}
"""


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page(viewport={"width": 1000, "height": 2000})
    page.set_content(
        "<!doctype html><html><body style='margin:0'><div id=plotly></div><div id=svg></div></body></html>"
    )
    page.add_script_tag(path=str(BUNDLE))
    yield page
    page.close()


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    grown = load_studies(write_studies(tmp_path_factory.mktemp("agree") / "studies.csv", 400, seed=3))
    shipped = load_studies()
    return {"shipped": shipped, "grown": grown, "none": shipped.iloc[:0]}


def draw(page, figure: dict, svg: str, width: int) -> tuple[dict, dict, dict]:
    size = page.evaluate(DRAW, [figure, svg, width])
    return (
        size,
        page.evaluate(COLLECT, page.query_selector("#plotly")),
        page.evaluate(COLLECT, page.query_selector("#svg")),
    )


def by_text(items: list[dict]) -> dict[str, list[dict]]:
    found = defaultdict(list)
    for item in items:
        found[item["text"]].append(item)
    for boxes in found.values():
        boxes.sort(key=lambda b: (round(b["t"]), round(b["l"])))
    return found


def off(a: dict, b: dict) -> float:
    return max(abs(a[side] - b[side]) for side in "ltrb")


def overlaps(a: dict, b: dict, slack: float = 0.5) -> bool:
    return a["l"] < b["r"] - slack and b["l"] < a["r"] - slack and a["t"] < b["b"] - slack and b["t"] < a["b"] - slack


@pytest.mark.parametrize("table", ["shipped", "grown", "none"])
@pytest.mark.parametrize("phone", [False, True], ids=["wide", "phone"])
@pytest.mark.parametrize("name", list(CHARTS))
def test_the_static_drawing_is_plotly_js_drawing(page, tables, name, phone, table):
    chart = CHARTS[name].build(tables[table])
    width = PHONE_WIDTH if phone else WIDE_WIDTH
    g = geometry(chart, phone=phone)
    size, drawn, static = draw(page, plotly_figure(chart, phone=phone), chart_svg(chart, phone=phone, href="?"), width)
    where = f"{name}, {'phone' if phone else 'wide'}, {table}"
    # The plot area is where the geometry puts it: plotly.js added no margin of its own.
    m = g.margins
    assert (size["l"], size["r"], size["t"], size["b"], size["height"]) == (m.left, m.right, m.top, m.bottom, g.height)
    # Every text in both, at the same place.
    plotly_texts, svg_texts = by_text(drawn["texts"]), by_text(static["texts"])
    assert sorted(plotly_texts) == sorted(svg_texts), where
    for text, boxes in plotly_texts.items():
        assert len(boxes) == len(svg_texts[text]), (where, text)
        for a, b in zip(boxes, svg_texts[text]):
            assert off(a, b) <= SLACK, (where, text, a, b)
    # Every bar with studies: the same box (the static drawing's cells are rects too; plotly.js
    # draws its cells as one image, placed by the same axes as the cell counts compared above).
    shown = [group for group in chart.bars or () if group.count] if g.bars is not None else []
    assert len(drawn["bars"]) == len(shown), where
    for bar in drawn["bars"]:
        assert any(off(bar, twin) <= 0.6 for twin in static["bars"]), (where, bar, static["bars"][:3])


def test_the_fonts_advance_widths_are_chromiums(page, tables):
    """style.text_width, which sets every margin and label position, is what chromium measures
    for style.FONT: every label, title and count of every chart, at every size drawn."""
    items = set()
    for table in ("shipped", "grown"):
        for spec in CHARTS.values():
            chart = spec.build(tables[table])
            for phone in (False, True):
                g = geometry(chart, phone=phone)
                s = g.sizes
                items |= {(line, s.tick) for label in g.row_labels for line in label}
                items |= {(label, s.tick) for label in g.column_labels}
                items |= {(line, s.title) for line in g.title} | {(line, s.subtitle) for line in g.subtitle}
    items = sorted(items)
    measured = page.evaluate(MEASURE, [FONT, [list(item) for item in items]])
    for (text, size), width in zip(items, measured):
        # Never narrower than drawn (a label would be cut or overlap), wider only by kerning.
        assert text_width(text, size) >= width - 0.6, (text, size, width)
    # And as wide as drawn, all told: the advance widths are the font's.
    assert sum(text_width(text, size) for text, size in items) == pytest.approx(sum(measured), rel=0.02)


@pytest.mark.parametrize(
    "name,width,options",
    [
        ("gap_map", WIDE_WIDTH, {}),
        ("gap_map", PHONE_WIDTH, {"phone": True}),
        ("gap_map", EXPLORER_PHONE_WIDTH, {"titled": False}),
        ("family_bar", EXPLORER_PHONE_WIDTH, {"titled": False}),
        ("timeline", WIDE_WIDTH, {}),
        ("limitations_by_family", PHONE_WIDTH, {"phone": True}),
    ],
)
def test_labels_neither_overlap_nor_leave_the_chart(page, tables, name, width, options):
    """plotly.js's drawing at the widths it is shown at: the book's wide and phone boxes, and the
    explorer's column on a 390 px phone, where the explorer shows the wide layout."""
    chart = CHARTS[name].build(tables["grown"])
    _, drawn, _ = draw(page, plotly_figure(chart, **options), "", width)
    g = geometry(chart, **options)
    plot = {"l": g.margins.left, "r": width - g.margins.right, "t": g.margins.top, "b": g.height - g.margins.bottom}
    ticks = [t for t in drawn["texts"] if t["tick"]]
    assert ticks
    for i, a in enumerate(ticks):
        assert a["l"] >= -0.5 and a["t"] >= -0.5 and a["r"] <= width + 0.5 and a["b"] <= g.height + 0.5, a
        assert not any(overlaps(a, b) for b in ticks[i + 1 :]), a
        # Row and column labels stay off the plot (the value axis's numbers sit under it).
        if not a["text"].replace(",", "").isdigit():
            assert not overlaps(a, plot, slack=1), (a, plot)
