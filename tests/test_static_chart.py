"""The charts' static drawings (livingreview.charts.static_chart): what a page shows before plotly.js.

Each is checked against the figure it draws, on the shipped table and on a synthetic one that
uses every term of the vocabulary: every bar and cell that holds studies links to exactly the
studies the figure's own customdata names, with the count the figure writes; the drawing has the
figure's height; dark colours are the dark variant's; the markup is well formed with unique ids.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from livingreview import load_studies
from livingreview.book.chapters import figure_html
from livingreview.charts.figures import DARK, FIGURES, LIGHT, dark_variant, phone_variant
from livingreview.charts.static_chart import PHONE, WIDE, figure_svgs, plain, with_variant
from livingreview.data.links import STUDIES_PAGE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic import write_studies


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    grown = write_studies(tmp_path_factory.mktemp("static") / "studies.csv", 400, seed=1)
    return {"shipped": load_studies(), "grown": load_studies(grown)}


def drawings(figure) -> tuple[dict, dict, list[ET.Element]]:
    """The figure's JSON, its phone variant merged, and its two drawings (wide, phone) parsed."""
    import json

    base = json.loads(figure.to_json())
    phone, dark = phone_variant(figure), dark_variant(figure)
    markup = figure_svgs(base, phone, dark, STUDIES_PAGE, "lr-fig-test")
    root = ET.fromstring(f"<div>{markup}</div>")  # well formed, or this raises
    return base, with_variant(base, phone), list(root)


def expected_links(figure: dict) -> list[tuple[str, str]]:
    """(href, count text) of every bar and cell that holds studies, in drawing order."""
    out = []
    for trace in figure["data"]:
        if trace.get("visible", True) is False:
            continue
        links, texts = trace.get("customdata") or [], trace.get("text") or []
        if trace["type"] == "heatmap":
            links = [q for row in links for q in row]
            texts = [t for row in texts for t in row]
        out += [(STUDIES_PAGE + q, plain(t)) for q, t in zip(links, texts) if q]
    return out


def drawn_links(svg: ET.Element) -> list[tuple[str, str]]:
    return [(a.get("href"), "".join(a.find("text").itertext())) for a in svg.iter("a")]


@pytest.mark.parametrize("table", ["shipped", "grown"])
@pytest.mark.parametrize("name", list(FIGURES))
def test_every_bar_and_cell_with_studies_links_to_them_with_its_count(tables, table, name):
    figure = FIGURES[name].make(tables[table])
    base, phone, (wide_svg, phone_svg) = drawings(figure)
    for variant, svg in ((base, wide_svg), (phone, phone_svg)):
        expected = expected_links(variant)
        assert expected, f"{name}: nothing links to studies"
        assert drawn_links(svg) == expected, name
        # Not a tab stop each (the data table under the chart has the same links for keys).
        assert {a.get("tabindex") for a in svg.iter("a")} == {"-1"}
        assert svg.get("aria-hidden") == "true"


@pytest.mark.parametrize("name", list(FIGURES))
def test_a_drawing_is_as_tall_as_its_figure(tables, name):
    figure = FIGURES[name].make(tables["grown"])
    base, phone, (wide_svg, phone_svg) = drawings(figure)
    assert wide_svg.get("viewBox") == f"0 0 {WIDE} {base['layout']['height']}"
    assert phone_svg.get("viewBox") == f"0 0 {PHONE} {phone['layout']['height']}"
    assert "lr-chart-wide" in wide_svg.get("class") and "lr-chart-phone" in phone_svg.get("class")


def test_the_bars_are_as_long_as_their_counts(tables):
    """Bar lengths are proportional to the counts the figure states."""
    figure = FIGURES["family_bar"].make(tables["grown"])
    base, _, (svg, _) = drawings(figure)
    bars = [
        (float(a.find("rect").get("width")), int(plain(text).replace(",", "")))
        for a in svg.iter("a")
        for text in [a.find("text").text]
    ]
    largest = max(bars, key=lambda bar: bar[1])
    for width, count in bars:
        assert width == pytest.approx(largest[0] * count / largest[1], abs=0.2), bars


def test_dark_colours_are_the_dark_variants(tables):
    figure = FIGURES["gap_map"].make(tables["shipped"])
    _, _, (svg, _) = drawings(figure)
    assert svg.get("fill") == LIGHT.ink and f"--d:{DARK.ink}" in svg.get("style")
    cells = [a.find("rect") for a in svg.iter("a")]
    empty = [r for r in svg.iter("rect") if r.get("fill") == LIGHT.empty]
    assert empty, "no empty cell drawn"
    assert {r.get("style") for r in empty} == {f"--d:{DARK.empty}"}
    assert all("lr-d" in (r.get("class") or "") and (r.get("style") or "").startswith("--d:#") for r in cells)


def test_an_empty_table_draws_the_message_and_no_link(tables):
    figure = FIGURES["domain_bar"].make(tables["shipped"].iloc[:0])
    _, _, svgs = drawings(figure)
    for svg in svgs:
        assert not list(svg.iter("a"))
        assert "No studies match" in "".join(svg.itertext())
        message = next(t for t in svg.iter("text") if "No studies match" in (t.text or ""))
        assert message.get("fill") == LIGHT.muted and message.get("style") == f"--d:{DARK.muted}"


def test_ids_are_unique_on_a_page_of_every_figure(tables):
    page = "".join(figure_html(name, tables["grown"])._repr_html_() for name in FIGURES)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    # Every hatch a bar uses is defined in its own drawing.
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        for ref in re.findall(r"url\(#([^)]+)\)", svg):
            assert f'id="{ref}"' in svg


def test_text_is_text_never_markup():
    """Labels reach a figure escaped for plotly.js; the drawing shows them as text, escaped once."""
    hostile = "&lt;img src=x onerror=alert(1)&gt; &amp; co"
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [2],
                "y": [hostile],
                "text": ["2"],
                "customdata": ['?q="><script>'],
                "hovertext": [f"<b>{hostile}</b><br>2 studies"],
            }
        ],
        "layout": {"height": 200, "title": {"text": hostile}, "yaxis": {"autorange": "reversed"}},
    }
    markup = figure_svgs(figure, {}, {}, STUDIES_PAGE, "hostile")
    root = ET.fromstring(f"<div>{markup}</div>")
    assert not [e.tag for e in root.iter() if e.tag in ("img", "script")]
    shown = " ".join(root.itertext())
    assert "<img src=x onerror=alert(1)> & co" in shown
    assert {a.get("href") for a in root.iter("a")} == {STUDIES_PAGE + '?q="><script>'}
