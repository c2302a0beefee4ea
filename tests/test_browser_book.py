"""The built book in a real browser (Debian chromium, network off): pages render cleanly."""

from __future__ import annotations

import re

import pytest

from livingreview.charts.model import CHARTS

pytestmark = [pytest.mark.book, pytest.mark.browser]


def open_offline(browser, url: str, width: int = 1366):
    """A page with every request to another host aborted and recorded, and console errors kept."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.lr_errors, page.lr_remote = [], []
    page.on("console", lambda m: page.lr_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.lr_errors.append(str(e)))

    def block(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            return route.continue_()
        page.lr_remote.append(route.request.url)
        return route.abort()

    page.route("**/*", block)
    page.goto(url)
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("name", ["index", "studies", "analysis", "methods", "changelog"])
def test_page_renders_offline_without_errors(browser, built_book, name, tmp_path):
    page = open_offline(browser, (built_book / "book" / f"{name}.html").as_uri())
    assert page.locator("article.bd-article h1").first.is_visible()
    page.screenshot(path=f"/tmp/book-{name}.png", full_page=False)
    assert page.lr_errors == []
    assert page.lr_remote == []
    page.close()


def test_analysis_page_draws_all_six_figures(browser, built_book):
    page = open_offline(browser, (built_book / "book" / "analysis.html").as_uri())
    holders = page.locator(".lr-figure")
    assert holders.count() == len(CHARTS) == 6
    page.mouse.move(5, 5)  # plotly.js is loaded once the reader interacts (figures.js)
    for index in range(holders.count()):
        holder = holders.nth(index)
        holder.scroll_into_view_if_needed()  # figures below the fold are drawn when near the view
        holder.locator(".main-svg").first.wait_for(state="attached", timeout=15000)
    assert page.lr_errors == [] and page.lr_remote == []
    page.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_charts_are_drawn_statically_until_the_reader_interacts(browser, built_book, width):
    """First load: every chart is its static drawing, visible, and no plotly.js is requested
    (issue #17's first-load bound). A pointer moving over the page: plotly.js loads and takes over
    the chart in view, removing its drawing; a theme switch recolours the drawings still shown."""
    from livingreview import load_studies
    from livingreview.charts.plotly_figure import plotly_figure
    from livingreview.charts.style import DARK, LIGHT, PHONE_MAX_WIDTH

    from conftest import css_rgb

    page = open_offline(browser, (built_book / "book" / "analysis.html").as_uri(), width)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.wait_for_timeout(1500)  # anything deferred or observed has run
    assert not [u for u in requested if "plotly" in u], requested
    assert page.evaluate("typeof window.Plotly") == "undefined"
    layout = "phone" if width < 600 else "wide"
    shown = page.evaluate(
        """(layout) => [...document.querySelectorAll('.lr-figure')].map(f => {
             const svg = [...f.querySelectorAll('svg.lr-chart')].filter(s => getComputedStyle(s).display !== 'none');
             return {n: svg.length, layout: svg.length && svg[0].classList.contains('lr-chart-' + layout),
                     h: svg.length && svg[0].getBoundingClientRect().height, box: f.getBoundingClientRect().height};
           })""",
        layout,
    )
    assert len(shown) == len(CHARTS)
    for figure in shown:
        # One drawing shown, the one for this width, within the height the box reserves.
        assert figure["n"] == 1 and figure["layout"], shown
        assert 0.5 * figure["box"] < figure["h"] <= figure["box"] + 0.5, shown
    # A bar of the first chart links to its studies without any script.
    first_link = page.locator(".lr-figure").first.locator("svg.lr-chart a").first
    assert "studies.html?" in first_link.get_attribute("href")
    # The dark theme recolours the drawing through CSS alone.
    ink = lambda: page.evaluate(  # noqa: E731
        "getComputedStyle(document.querySelector('.lr-figure:last-of-type svg.lr-chart text')).fill"
    )
    assert ink() == css_rgb(LIGHT.ink)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    assert ink() == css_rgb(DARK.ink)
    page.evaluate("document.documentElement.dataset.theme = 'light'")

    page.mouse.move(width // 2, 400)
    first = page.locator(".lr-figure").first
    first.scroll_into_view_if_needed()
    first.locator(".main-svg").first.wait_for(state="attached", timeout=20000)
    assert [u for u in requested if "plotly-partial" in u]
    assert first.locator("svg.lr-chart").count() == 0  # the drawing made way for plotly.js's
    # plotly.js draws the renderer's figure for this box, the page's variant merged in
    # (livingreview.charts.plotly_figure), and the dark one once the reader switches theme.
    chart = CHARTS[first.get_attribute("id").removeprefix("lr-fig-")].build(load_studies())
    shown = "h => ({margin: h.layout.margin, height: h.layout.height, rows: h.layout.yaxis.ticktext, ink: h.layout.font.color})"
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        page.wait_for_timeout(300)
        layout = plotly_figure(chart, phone=width < PHONE_MAX_WIDTH, dark=theme == "dark")["layout"]
        expected = {"margin": layout["margin"], "height": layout["height"], "rows": layout["yaxis"]["ticktext"]}
        assert first.evaluate(shown) == {**expected, "ink": layout["font"]["color"]}, theme
    assert page.lr_errors == [] and page.lr_remote == []
    page.close()


def test_studies_page_filters_in_the_built_book(browser, built_book):
    """In the real page: a search term and the Dermatology facet leave exactly the expected rows."""
    from livingreview import load_studies
    from livingreview.data.filters import filter_studies

    frame = load_studies()
    page = open_offline(browser, (built_book / "book" / "studies.html").as_uri())
    status = page.locator(".lr-st-status")
    page.wait_for_function(f"document.querySelector('.lr-st-status strong').textContent === '{len(frame)}'")
    page.locator("#lr-studies-q").press_sequentially("synthetic", delay=10)
    searched = filter_studies(frame, text="synthetic")
    page.wait_for_function(f"document.querySelector('.lr-st-status strong').textContent === '{len(searched)}'")
    page.locator('details[data-lr-facet="domain"] > summary').click()
    page.get_by_role("checkbox", name=re.compile(r"^Dermatology\b")).check()
    both = filter_studies(frame, text="synthetic", domains=["dermatology"])
    assert 0 < len(both) < len(searched) < len(frame)
    page.wait_for_function(f"document.querySelector('.lr-st-status strong').textContent === '{len(both)}'")
    assert status.inner_text() == f"{len(both)} of {len(frame)} studies"
    page.wait_for_function(  # the address keeps the filter (written once typing settles)
        "location.search.includes('domain=dermatology') && location.search.includes('search=synthetic')"
    )
    page.screenshot(path="/tmp/book-studies-filtered.png")
    assert page.lr_errors == [] and page.lr_remote == []
    page.close()


@pytest.fixture(scope="module")
def served_book(built_book):
    """The built book on a plain local static server (as GitHub Pages would serve it)."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_book))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def open_served(browser, origin: str, path: str):
    page = browser.new_page()
    page.lr_errors, page.lr_remote = [], []
    page.on("pageerror", lambda e: page.lr_errors.append(str(e)))
    page.on("console", lambda m: page.lr_errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: page.lr_remote.append(r.url) if not r.url.startswith(origin) else None)
    page.goto(f"{origin}/{path}")
    page.wait_for_load_state("load")
    return page


def test_book_works_over_http(browser, served_book):
    for name in ("index", "analysis", "studies"):
        page = open_served(browser, served_book, f"book/{name}.html")
        if name == "analysis":
            page.mouse.move(5, 5)  # plotly.js is loaded once the reader interacts (figures.js)
            page.locator(".lr-figure").first.locator(".main-svg").first.wait_for(state="attached")
        assert page.lr_errors == [] and page.lr_remote == [], (name, page.lr_errors, page.lr_remote)
        page.close()


def test_site_search_works(browser, served_book):
    """Sphinx's search page (over http: from file:// it cannot fetch page summaries, by design)."""
    page = open_served(browser, served_book, "search.html?q=diffusion")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=20000)
    page.wait_for_timeout(500)
    assert page.lr_errors == [] and page.lr_remote == []
    page.close()


def test_a_link_to_a_study_lands_on_its_card(browser, built_book):
    """#study-<id> shows that study even when the link also carries filters that exclude it."""
    url = (built_book / "book" / "studies.html").as_uri() + "?domain=dermatology#study-aydin-2024"
    page = open_offline(browser, url)
    row = page.locator("#study-aydin-2024")
    row.wait_for(state="visible")
    assert row.is_visible() and "Aydin" in row.inner_text()
    assert page.lr_errors == []
    page.close()
