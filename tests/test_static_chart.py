"""The charts' static drawings (livingreview.charts.svg): what a page shows before plotly.js.

Each is checked against the chart it draws, on the shipped table and on a synthetic one that
uses every term of the vocabulary: every bar and cell that holds studies links to exactly the
studies the chart's group names, with its count; the drawing has the chart's height; dark
colours are the dark palette's; the markup is well formed with unique ids; text from the data is
text, never markup. (tests/test_chart_agreement.py holds the drawing to plotly.js's in chromium.)
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from livingreview import load_studies
from livingreview.book.chapters import figure_html
from livingreview.charts.model import CHARTS, Category, Chart, Group, Matrix, Swatch
from livingreview.charts.style import DARK, LIGHT, PHONE_WIDTH, WIDE_WIDTH, geometry
from livingreview.charts.svg import chart_svgs
from livingreview.charts.table import chart_table_html
from livingreview.data.links import STUDIES_PAGE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic import write_studies


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    grown = write_studies(tmp_path_factory.mktemp("static") / "studies.csv", 400, seed=1)
    return {"shipped": load_studies(), "grown": load_studies(grown)}


def drawings(chart: Chart) -> list[ET.Element]:
    """The chart's two drawings (wide, phone), parsed."""
    root = ET.fromstring(f"<div>{chart_svgs(chart, href=STUDIES_PAGE, key='lr-fig-test')}</div>")  # well formed
    return list(root)


def expected_links(chart: Chart, phone: bool) -> list[tuple[str, str]]:
    """(href, count text) of every bar and cell that holds studies, in drawing order: the bars
    (none on a phone when a matrix takes the width), then the cells row by row."""
    groups = [] if chart.bars is None or geometry(chart, phone=phone).bars is None else list(chart.bars)
    groups += [cell for row in (chart.matrix.cells if chart.matrix else ()) for cell in row]
    return [(STUDIES_PAGE + g.query, f"{g.count:,}") for g in groups if g.query]


def drawn_links(svg: ET.Element) -> list[tuple[str, str]]:
    return [(a.get("href"), "".join(a.find("text").itertext())) for a in svg.iter("a")]


@pytest.mark.parametrize("table", ["shipped", "grown"])
@pytest.mark.parametrize("name", list(CHARTS))
def test_every_bar_and_cell_with_studies_links_to_them_with_its_count(tables, table, name):
    chart = CHARTS[name].build(tables[table])
    wide, phone = drawings(chart)
    for is_phone, svg in ((False, wide), (True, phone)):
        expected = expected_links(chart, is_phone)
        assert expected, f"{name}: nothing links to studies"
        assert drawn_links(svg) == expected, name
        # Not a tab stop each (the data table under the chart has the same links for keys).
        assert {a.get("tabindex") for a in svg.iter("a")} == {"-1"}
        assert svg.get("aria-hidden") == "true"
        # Each names its heading and count as a tooltip.
        assert all(re.search(r" \u2014 [\d,]+ stud", a.find("title").text) for a in svg.iter("a"))
    # The data table under the chart links to the same studies.
    table_links = re.findall(r'<a href="([^"]+)">([\d,]+)</a>', chart_table_html(chart, STUDIES_PAGE))
    assert sorted((href.replace("&amp;", "&"), n) for href, n in table_links) == sorted(expected_links(chart, False))


@pytest.mark.parametrize("name", list(CHARTS))
def test_a_drawing_is_as_tall_as_its_chart(tables, name):
    chart = CHARTS[name].build(tables["grown"])
    wide, phone = drawings(chart)
    assert wide.get("viewBox") == f"0 0 {WIDE_WIDTH} {geometry(chart).height}"
    assert phone.get("viewBox") == f"0 0 {PHONE_WIDTH} {geometry(chart, phone=True).height}"
    assert "lr-chart-wide" in wide.get("class") and "lr-chart-phone" in phone.get("class")


def test_the_bars_are_as_long_as_their_counts(tables):
    """Bar lengths are proportional to the counts the chart holds."""
    chart = CHARTS["family_bar"].build(tables["grown"])
    svg, _ = drawings(chart)
    bars = [(float(a.find("rect").get("width")), int(a.find("text").text.replace(",", ""))) for a in svg.iter("a")]
    assert [n for _, n in bars] == [g.count for g in chart.bars if g.count]
    largest = max(bars, key=lambda bar: bar[1])
    for width, count in bars:
        assert width == pytest.approx(largest[0] * count / largest[1], abs=0.2), bars


def test_dark_colours_are_the_dark_palettes(tables):
    chart = CHARTS["gap_map"].build(tables["shipped"])
    svg, _ = drawings(chart)
    assert svg.get("fill") == LIGHT.ink and f"--d:{DARK.ink}" in svg.get("style")
    cells = [a.find("rect") for a in svg.iter("a")]
    empty = [r for r in svg.iter("rect") if r.get("fill") == LIGHT.empty]
    assert empty, "no empty cell drawn"
    assert {r.get("style") for r in empty} == {f"--d:{DARK.empty}"}
    assert all("lr-d" in (r.get("class") or "") and (r.get("style") or "").startswith("--d:#") for r in cells)


def test_an_empty_table_draws_the_message_and_no_link(tables):
    chart = CHARTS["domain_bar"].build(tables["shipped"].iloc[:0])
    for svg in drawings(chart):
        assert not list(svg.iter("a"))
        message = next(t for t in svg.iter("text") if "No studies match" in (t.text or ""))
        assert message.get("fill") == LIGHT.muted and message.get("style") == f"--d:{DARK.muted}"
    assert "<p>No studies match.</p>" in chart_table_html(chart, STUDIES_PAGE)


def test_ids_are_unique_on_a_page_of_every_chart(tables):
    page = "".join(figure_html(name, tables["grown"])._repr_html_() for name in CHARTS)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    # Every hatch a bar uses is defined in its own drawing.
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        for ref in re.findall(r"url\(#([^)]+)\)", svg):
            assert f'id="{ref}"' in svg


HOSTILE = "<img src=x onerror=alert(1)> & co"


def hostile_chart() -> Chart:
    """A chart whose every text is hostile, as no vocabulary ships it (labels come from the data
    in principle: the renderers must not trust them)."""
    group = Group(2, (HOSTILE,), '?q="><script>')
    return Chart(
        name="hostile",
        title=HOSTILE,
        subtitle=HOSTILE,
        caption=HOSTILE,
        row_title=HOSTILE,
        rows=(Category("x", HOSTILE),),
        bars=(group,),
        matrix=Matrix(HOSTILE, (Category("y", HOSTILE, Swatch('#000"><script>', "")),), ((group,),)),
    )


def test_text_is_text_never_markup():
    """The drawing shows text from the chart as text, escaped once; the table too."""
    chart = hostile_chart()
    for markup in (chart_svgs(chart, href=STUDIES_PAGE, key="hostile"), chart_table_html(chart, STUDIES_PAGE)):
        root = ET.fromstring(f"<div>{markup}</div>")
        assert not [e.tag for e in root.iter() if e.tag in ("img", "script")]
        assert HOSTILE in " ".join(root.itertext())
        assert {a.get("href") for a in root.iter("a")} == {STUDIES_PAGE + '?q="><script>'}
