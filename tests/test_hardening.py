"""Hostile data: a valid study table whose every free-text cell carries attack strings.

Every reader of the table must show those strings as text: the built book (checked in a real
browser, with the network cut off), the Plotly figures, the CSV/BibTeX/RIS exports and the
Binder explorer. And no tool that reads the table may write to it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, build_book
from hostile import (
    FORMULA_PAYLOADS,
    HOSTILE_DOI,
    HOSTILE_URL,
    TEXT_COLUMNS,
    VISIBLE_MARKERS,
    write_hostile_table,
)

#: Substrings that must never reach a page, a figure or a widget as markup.
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror", "<svg onload", "<b onmouseover", '<a href="javascript:')


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def hostile_csv(tmp_path_factory) -> Path:
    return write_hostile_table(tmp_path_factory.mktemp("hostile") / "studies.csv")


@pytest.fixture(scope="session")
def hostile_frame(hostile_csv):
    from livingreview import load_studies

    return load_studies(hostile_csv)


# --------------------------------------------------------------------------------------------
# The table itself


def test_hostile_table_is_valid_and_hostile(hostile_csv, capsys):
    from livingreview.cli import main

    assert main(["validate", str(hostile_csv)]) == 0, capsys.readouterr().err
    with open(hostile_csv, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 10
    for column in TEXT_COLUMNS:
        cells = [row[column] for row in rows]
        assert all("<script>alert(1)</script>" in cell for cell in cells), column
        assert all("{{7*7}}" in cell and "${7*7}" in cell for cell in cells), column
    starts = {row[c][:2] for row in rows for c in TEXT_COLUMNS}
    for formula in FORMULA_PAYLOADS:  # white space at a cell's end is refused: "\t=cmd" leads as "=cmd"
        assert formula.strip()[:2] in starts, f"no cell starts with {formula!r}"
    assert any(row["url"] == HOSTILE_URL for row in rows)
    assert any(row["doi"] == HOSTILE_DOI for row in rows)


def test_hostile_frame_keeps_the_text_verbatim(hostile_csv, hostile_frame):
    with open(hostile_csv, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row, (_, loaded) in zip(rows, hostile_frame.iterrows()):
        for column in TEXT_COLUMNS:
            assert loaded[column] == row[column]


# --------------------------------------------------------------------------------------------
# Figures: plotly.js renders tags in labels and hover text, so data must arrive escaped


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_figures_escape_hostile_text(hostile_frame):
    from livingreview.charts.model import CHARTS
    from livingreview.charts.plotly_figure import plotly_figure

    for name, spec in CHARTS.items():
        chart = spec.build(hostile_frame)
        figure = json.loads(json.dumps(plotly_figure(chart)))
        texts = list(_strings(figure))
        for text in texts:
            for raw in RAW_MARKUP:
                assert raw not in text, f"{name}: unescaped {raw!r} in {text[:200]!r}"
        hover = [t for trace in figure["data"] for t in _strings(trace.get("hovertext", []))]
        assert any("&lt;img src=x onerror=alert(1)&gt;" in t for t in hover), f"{name}: hover text lost the author"
        # A caption is plain text (the page escapes it); it must not be markup either.
        caption = chart.caption
        assert "<script" not in caption


def test_figure_html_embeds_inert_json(hostile_frame):
    from livingreview.book.chapters import figure_html

    markup = figure_html("domain_bar", hostile_frame)._repr_html_()
    spec_block = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', markup, re.S)
    assert spec_block, markup[:500]
    assert "<" not in spec_block.group(1) and ">" not in spec_block.group(1)
    assert markup.count("</script") == 1 and "</script><figcaption" in markup
    json.loads(spec_block.group(1))  # still valid JSON after the escapes


# --------------------------------------------------------------------------------------------
# Exports


def test_csv_export_neutralises_formulas_and_round_trips(hostile_frame):
    from livingreview.data.exports import to_csv

    text = to_csv(hostile_frame)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(hostile_frame)
    for row, (_, original) in zip(rows, hostile_frame.iterrows()):
        for column in TEXT_COLUMNS:
            cell = row[column]
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{column}: formula kept: {cell[:40]!r}"
            expected = original[column]
            if expected.startswith(("=", "+", "-", "@", "\t", "\r")):
                assert cell == "'" + expected
            else:
                assert cell == expected


def test_bibtex_export_is_escaped(hostile_frame):
    from livingreview.data.exports import to_bibtex

    text = to_bibtex(hostile_frame)
    entries = [e for e in text.split("\n@") if e.strip()]
    assert len(entries) == len(hostile_frame)
    for entry in entries:
        # Braces balance in every entry, and within each field value.
        assert entry.count("{") == entry.count("}"), entry[:300]
        for line in entry.splitlines()[1:-1]:
            match = re.fullmatch(r"  (\w+) = \{(.*)\},?", line)
            assert match, f"not one field per line: {line[:200]!r}"
            name, value = match.groups()
            depth = 0
            for char in value:
                depth += {"{": 1, "}": -1}.get(char, 0)
                assert depth >= 0, f"{name} closes early: {value[:200]!r}"
            assert depth == 0
            if name in ("doi", "url"):
                assert not re.search(r"[{}\\\s]", value), value
                continue
            # TeX specials only in escaped form.
            bare = re.sub(
                r"\\(textbraceleft|textbraceright|textbackslash|textasciitilde|textasciicircum)\{\}", "", value
            )
            bare = re.sub(r"\\[#$%&_]", "", bare)
            if name == "author":
                bare = bare.removeprefix("{").removesuffix("} and others")
            assert not re.search(r"[{}#$%&_~^\\]", bare), f"{name}: unescaped TeX special in {bare[:200]!r}"
    assert "\\$\\textbraceleft{}7*7\\textbraceright{}" in text


def test_ris_export_has_no_forged_lines(hostile_frame):
    from livingreview.data.exports import to_ris

    text = to_ris(hostile_frame)
    lines = text.split("\r\n")
    tags = re.compile(r"^(TY|ID|AU|TI|T2|JO|PY|DO|UR|N1|ER)  - ")
    for line in lines:
        assert line == "" or tags.match(line), f"forged or broken RIS line: {line[:120]!r}"
        assert "\n" not in line and "\r" not in line
    assert sum(line.startswith("TY  - ") for line in lines) == len(hostile_frame)
    assert sum(line.startswith("ER  - ") for line in lines) == len(hostile_frame)
    # The text is kept (RIS readers do not interpret HTML), only line structure is protected.
    assert "<script>alert(1)</script>" in text


# --------------------------------------------------------------------------------------------
# The Binder explorer: every widget value that is HTML must carry the text escaped


def _widget_html(explorer) -> list[str]:
    import ipywidgets as widgets

    found, stack = [], [explorer]
    while stack:
        widget = stack.pop()
        if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
            found.append(widget.value)
        stack.extend(getattr(widget, "children", ()))
    return found


def test_explorer_escapes_hostile_text(hostile_frame):
    pytest.importorskip("ipywidgets")
    from livingreview.explorer.app import build_explorer

    query = "?search=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&domain=%3Cscript%3E"
    explorer = build_explorer(hostile_frame, query)
    explorer.set_state(type(explorer.state)())  # all studies, so every row is drawn
    values = _widget_html(explorer)
    assert explorer.table.value in values
    for value in values:
        for raw in RAW_MARKUP:
            assert raw not in value, f"unescaped {raw!r} in a widget: {value[:300]!r}"
        assert not re.search(r"<a\b[^>]*\shref\s*=\s*[\"']?\s*javascript:", value, re.I), value[:300]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in explorer.table.value
    assert "{{7*7}}" in explorer.table.value and "${7*7}" in explorer.table.value
    # The hostile (but valid) URL stays inside its attribute.
    assert (
        'href="' + HOSTILE_URL.replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;") + '"'
        in explorer.table.value
    )
    # The search text from a stranger's link is escaped in the "link to this view" line.
    explorer2 = build_explorer(hostile_frame, query)
    for raw in RAW_MARKUP:
        assert raw not in explorer2.link.value
    # The download links embed the exports: the CSV inside must be the neutralised one.
    import base64

    payload = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', explorer.downloads.value).group(1)
    exported = base64.b64decode(payload).decode("utf-8")
    assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported and ",=HYPERLINK" not in exported


# --------------------------------------------------------------------------------------------
# Glued facts and other book helpers


def test_book_helpers_escape_hostile_text(hostile_frame):
    from livingreview.book.chapters import unverified_studies
    from livingreview.book.facts import TOPICS, GlueMarkdown, facts_of
    from livingreview.book.studies_page import studies_table_html

    cards = studies_table_html(hostile_frame)
    for raw in RAW_MARKUP:
        assert raw not in cards, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cards
    pending = unverified_studies(hostile_frame)._repr_html_()
    for raw in RAW_MARKUP:
        assert raw not in pending, raw
    for key, value in facts_of(TOPICS, hostile_frame).items():
        # A citation list is MyST: {study} roles of ids the validator checked are its only markup.
        text = re.sub(r"\{study\}`[a-z0-9-]+`", "", str(value)) if isinstance(value, GlueMarkdown) else str(value)
        assert "<" not in text and "{" not in text and "`" not in text, (key, value)


def test_static_table_escapes_hostile_text(hostile_frame):
    from livingreview.book.studies_page import studies_table_html

    markup = studies_table_html(hostile_frame)
    for raw in RAW_MARKUP:
        assert raw not in markup, raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert not re.search(r"<a\b[^>]*\shref\s*=\s*[\"']?\s*javascript:", markup, re.I)
    # The one script that runs is the table's own, with no study text in it; study text sits
    # only in inert JSON (the citation records), where no '<' or '>' can end or open an element.
    for attributes, script in re.findall(r"<script\b([^>]*)>(.*?)</script>", markup, re.S):
        if 'type="application/json"' in attributes:
            assert "<" not in script and ">" not in script and "&" not in script, script[:300]
            json.loads(script)
        else:
            assert "alert(1)" not in script and "7*7" not in script, script[:300]


# --------------------------------------------------------------------------------------------
# Readers never write


@pytest.mark.slow
def test_readers_never_rewrite_the_table(hostile_csv, hostile_frame, tmp_path, capsys):
    from livingreview import load_studies
    from livingreview.charts.model import CHARTS
    from livingreview.cli import main
    from livingreview.data import exports

    copy = tmp_path / "studies.csv"
    copy.write_bytes(hostile_csv.read_bytes())
    before, mtime = sha256(copy), copy.stat().st_mtime_ns
    assert main(["validate", str(copy)]) == 0
    assert main(["validate", str(copy), "--format", "github"]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "livingreview", "validate", str(copy)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    frame = load_studies(copy)
    for spec in CHARTS.values():
        spec.build(frame)
    exports.to_csv(frame), exports.to_bibtex(frame), exports.to_ris(frame)
    assert sha256(copy) == before and copy.stat().st_mtime_ns == mtime
    capsys.readouterr()


def test_invalid_table_is_not_rewritten(tmp_path, capsys):
    from livingreview.cli import main

    bad = tmp_path / "studies.csv"
    text = (ROOT / "data" / "studies.csv").read_text(encoding="utf-8").replace(",2025,", ",20x5,", 1)
    bad.write_text(text, encoding="utf-8")
    before = sha256(bad)
    assert main(["validate", str(bad)]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert sha256(bad) == before


# --------------------------------------------------------------------------------------------
# The book built from the hostile table, read in a real browser with the network cut off


@pytest.fixture(scope="session")
def hostile_book(tmp_path_factory, hostile_csv) -> Path:
    """The HTML folder of a strict build from the hostile table.

    LIVINGREVIEW_TEST_HOSTILE_BOOK=DIR reuses a build made by hand (`python tests/hostile.py
    T.csv`, then `LIVINGREVIEW_DATA=T.csv jupyter-book build . --path-output DIR --all`).
    """
    prebuilt = os.environ.get("LIVINGREVIEW_TEST_HOSTILE_BOOK")
    if prebuilt:
        return Path(prebuilt) / "_build" / "html"
    shipped = ROOT / "data" / "studies.csv"
    before = {hostile_csv: sha256(hostile_csv), shipped: sha256(shipped)}
    output = tmp_path_factory.mktemp("hostile-book")
    result = build_book(output, data=hostile_csv)
    after = {path: sha256(path) for path in before}
    assert after == before, "the build rewrote a study table"
    if result.returncode != 0:
        pytest.fail(f"the book did not build from the hostile table:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}")
    return output / "_build" / "html"


def book_pages(html_root: Path) -> list[Path]:
    """Every page a reader can open (not the theme's assets)."""
    return sorted(p for p in html_root.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


#: Run in each page: everything an injection would leave behind.
INJECTION_PROBE = r"""
() => {
  const found = [];
  for (const s of document.querySelectorAll('script')) {
    const type = (s.getAttribute('type') || '').toLowerCase();
    if (type === 'application/json') continue;
    if ((s.textContent || '').includes('alert(1)') || (s.getAttribute('src') || '').includes('alert'))
      found.push('script: ' + s.outerHTML.slice(0, 200));
  }
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      const name = attr.toLowerCase();
      if (name === 'onerror' || name === 'onload' || name === 'onmouseover' ||
          (name.startsWith('on') && (el.getAttribute(attr) || '').includes('alert')))
        found.push('attribute ' + name + ' on <' + el.tagName.toLowerCase() + '>: ' + el.outerHTML.slice(0, 200));
    }
  }
  for (const a of document.querySelectorAll('a[href], area[href], iframe[src], form[action]')) {
    const url = (a.getAttribute('href') || a.getAttribute('src') || a.getAttribute('action') || '').trim().toLowerCase();
    if (url.replace(/[\s\x00-\x1f]/g, '').startsWith('javascript:'))
      found.push('javascript: link: ' + a.outerHTML.slice(0, 200));
  }
  for (const el of document.querySelectorAll('img[src="x"], svg[onload], b[onmouseover]'))
    found.push('injected element: ' + el.outerHTML.slice(0, 200));
  return found;
}
"""


#: Script errors of the theme stack that we accept. None: livingreview.book.sphinxext drops
#: sphinx-thebe's doubled config script, so any console error fails the test.
THIRD_PARTY_ERRORS: tuple[str, ...] = ()


class PageVisit:
    """One browser context with every non-file request aborted and recorded, and dialogs caught."""

    def __init__(self, browser):
        self.context = browser.new_context(java_script_enabled=True, viewport={"width": 1280, "height": 900})
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _error(self, url: str, error) -> None:
        text = f"{error}\n{getattr(error, 'stack', '') or ''}"
        if any(known in text for known in THIRD_PARTY_ERRORS):
            return
        if "search.html" in url and "Failed to fetch" in text:
            return  # Sphinx's search fetches pages for snippets; file:// forbids fetch()
        self.errors.append(f"{url}: {text.strip()}")

    def open(self, url: str):
        page = self.context.new_page()
        page.on(
            "dialog", lambda dialog: (self.dialogs.append(f"{url}: {dialog.type}: {dialog.message}"), dialog.dismiss())
        )
        page.on("pageerror", lambda error: self._error(url, error))
        page.goto(url, wait_until="load")
        for attempt in range(3):  # a page may redirect (the root index.html does, by meta refresh)
            try:
                page.wait_for_load_state("load")
                # Figures are drawn when scrolled near; scroll through so every one is drawn.
                page.evaluate(
                    """async () => {
                         for (let y = 0; y < document.body.scrollHeight; y += 600) {
                           window.scrollTo(0, y); await new Promise(r => setTimeout(r, 30));
                         }
                         window.scrollTo(0, 0);
                       }"""
                )
                break
            except Exception as exc:
                if "context was destroyed" not in str(exc) or attempt == 2:
                    raise
                page.wait_for_timeout(500)
        page.wait_for_timeout(300)
        return page

    def close(self):
        self.context.close()


@pytest.mark.browser
def test_the_probe_sees_an_injection(browser, tmp_path):
    """The checks below would notice: a page with real injections trips every one of them."""
    page_file = tmp_path / "injected.html"
    page_file.write_text(
        "<!doctype html><title>x</title><p>text</p><script>alert(1)</script>"
        "<img src=x onerror=alert(1)><a href='javascript:alert(1)'>a</a>"
        '<script type=\'application/json\'>{"a": "alert(1)"}</script>'
        "<img src='https://example.org/x.png' alt=''>",
        encoding="utf-8",
    )
    visit = PageVisit(browser)
    try:
        page = visit.open(page_file.as_uri())
        findings = page.evaluate(INJECTION_PROBE)
        page.close()
    finally:
        visit.close()
    assert visit.dialogs, "the dialog was not caught"
    assert any(f.startswith("script:") for f in findings), findings
    assert any(f.startswith("attribute onerror") for f in findings), findings
    assert any(f.startswith("javascript: link") for f in findings), findings
    assert not any("application/json" in f for f in findings), findings
    assert visit.blocked == ["https://example.org/x.png"], visit.blocked


@pytest.mark.book
@pytest.mark.browser
def test_every_page_is_inert_in_a_browser(hostile_book, browser):
    pages = book_pages(hostile_book)
    assert len(pages) >= 10, pages
    urls = [p.as_uri() for p in pages]
    studies = hostile_book / "book" / "studies.html"
    urls += [
        studies.as_uri() + "?search=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&domain=%3Cscript%3Ealert(1)%3C/script%3E",
        studies.as_uri() + "#%3Cimg%20src=x%20onerror=alert(1)%3E",
        (hostile_book / "search.html").as_uri() + "?q=alert%281%29+script+onerror",
    ]
    visit = PageVisit(browser)
    problems = []
    try:
        for url in urls:
            page = visit.open(url)
            if "search.html" in url:
                page.wait_for_timeout(1500)  # results are filled in asynchronously
            for finding in page.evaluate(INJECTION_PROBE):
                problems.append(f"{url}: {finding}")
            page.close()
    finally:
        visit.close()
    assert not visit.dialogs, "dialogs opened:\n" + "\n".join(visit.dialogs)
    assert not problems, "injected markup:\n" + "\n".join(problems)
    assert not visit.blocked, "pages asked the network for:\n" + "\n".join(sorted(set(visit.blocked)))
    # (Sphinx's search reacting to the table's ?q= is test_filter_link_does_not_start_site_search.)
    errors = [e for e in visit.errors if "performSearch" not in e]
    assert not errors, "script errors:\n" + "\n\n".join(errors)


@pytest.mark.book
@pytest.mark.browser
def test_filter_link_does_not_start_site_search(hostile_book, hostile_frame, browser):
    """The table's shareable link must not also be a query for the theme's site search.

    Every page loads Sphinx's searchtools.js, whose init() reads `?q=` from the address, writes
    it into every input[name=q] and runs a site search into a results list that only
    search.html has: a TypeError on the studies page whenever a filter link carries a search.
    """
    from livingreview.data.filters import TEXT_KEY, filter_studies

    visit = PageVisit(browser)
    try:
        page = visit.open((hostile_book / "book" / "studies.html").as_uri() + f"?{TEXT_KEY}=melanoma")
        status = page.locator(".lr-st-status").inner_text()
        site_search = page.eval_on_selector_all(
            "input[name=q]:not(.lr-st input)", "els => els.map(e => e.value).filter(v => v)"
        )
        page.close()
    finally:
        visit.close()
    assert not visit.errors, "script errors:\n" + "\n\n".join(visit.errors)
    matching = len(filter_studies(hostile_frame, text="melanoma"))
    assert status.startswith(f"{matching} of {len(hostile_frame)} stud"), status
    assert not site_search, f"the site search box was filled from the filter link: {site_search}"


@pytest.mark.book
@pytest.mark.browser
def test_payloads_are_visible_text_on_the_studies_page(hostile_book, browser):
    visit = PageVisit(browser)
    try:
        page = visit.open((hostile_book / "book" / "studies.html").as_uri())
        cards = page.locator("table.lr-st-table tbody tr")  # each row is the study's card
        assert cards.count() >= 10
        card_text = cards.first.inner_text()
        table = page.locator("table.lr-st-table")
        assert table.count() == 1, "the static study table is missing"
        table_text = table.inner_text()
        author_text = page.locator('table.lr-st-table [data-f="first_author"]').first.inner_text()
        for marker in VISIBLE_MARKERS:
            assert marker in card_text, f"card does not show {marker!r} as text"
            assert marker in table_text, f"table does not show {marker!r} as text"
        assert "<script>alert(1)</script>" in author_text
        # Template and MyST syntax are not evaluated: no 49, no glued count in its place.
        body = page.locator("article, main").first.inner_text()
        assert "{{7*7}}" in body and "${7*7}" in body and "{glue:text}`n_studies`" in body
        assert "{download}`x`" in body and "[link](javascript:alert(1))" in body
        # The hostile URL stays one attribute: the link goes exactly there.
        hrefs = page.eval_on_selector_all("a", "els => els.map(a => a.getAttribute('href'))")
        assert HOSTILE_URL in hrefs, "the (valid) hostile URL did not survive as one href"
        assert not any((h or "").strip().lower().startswith("javascript:") for h in hrefs)
        page.close()
    finally:
        visit.close()
    assert not visit.dialogs and not visit.errors, visit.dialogs + visit.errors


@pytest.mark.book
@pytest.mark.browser
def test_plotly_hover_shows_escaped_text(hostile_book, browser):
    visit = PageVisit(browser)
    try:
        page = visit.open((hostile_book / "book" / "analysis.html").as_uri())
        # figures.js draws a chart when it enters the view, one per task: bring each into view and
        # wait until every chart is drawn, so no draw runs while the labels are shown.
        for index in range(page.locator(".lr-figure").count()):
            page.locator(".lr-figure").nth(index).scroll_into_view_if_needed()
        page.wait_for_function(
            "[...document.querySelectorAll('.lr-figure')].every((gd) => gd.hasAttribute('data-drawn'))",
            timeout=30000,
        )
        # Plotly throttles hover calls on one chart (a call within HOVERMINTIME of the last runs later,
        # from a timer): one label at a time, each given time to be drawn and read.
        drawn = page.evaluate(
            """async () => {
                 const pause = () => new Promise((done) => setTimeout(done, 120));
                 const shown = [];
                 for (const gd of document.querySelectorAll('.lr-figure[data-drawn]')) {
                   for (let i = 0; i < gd.data.length; i++) {
                     try { Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: 0}]); } catch (e) { continue; }
                     await pause();
                     const layer = gd.querySelector('.hoverlayer');
                     if (layer && layer.textContent) shown.push(layer.textContent);
                     Plotly.Fx.unhover(gd);
                     await pause();
                   }
                 }
                 return shown;
               }"""
        )
        assert drawn, "no hover label could be shown"
        assert any("<img src=x onerror=alert(1)>" in text for text in drawn), drawn[:3]
        for finding in page.evaluate(INJECTION_PROBE):
            pytest.fail(f"hover injected markup: {finding}")
        page.close()
    finally:
        visit.close()
    assert not visit.dialogs and not visit.errors, visit.dialogs + visit.errors


@pytest.mark.book
def test_hostile_pages_show_glued_values_literally(hostile_book, hostile_frame):
    from livingreview.book.facts import Size

    facts = Size.compute(hostile_frame).glue_values()
    studies = (hostile_book / "book" / "studies.html").read_text(encoding="utf-8")
    # The glued phrase appears as its value, not as a repr ('N studies' without quotes).
    assert str(facts["n_studies_text"]) in studies
    assert f"'{facts['n_studies_text']}'" not in studies
    # A glue role written in the data stays literal text (escaped braces and backticks survive).
    assert "{glue:text}`n_studies`" in studies
    assert "{{7*7}}" in studies and "${7*7}" in studies


# --------------------------------------------------------------------------------------------
# Records arriving from outside: the monthly search and `add` (tests/api_replay.py serves them)


def _no_markup(cell: str) -> None:
    """Plain text: no tag could start anywhere (a stray '>' of a removed tag is only a character)."""
    assert not re.search(r"<[A-Za-z/!?]", cell), cell[:200]
    assert "&lt;" not in cell and "&amp;" not in cell and "&#" not in cell, cell[:200]
    assert not any(ord(c) < 32 or c in "\u202e\u200b\x7f" for c in cell), cell[:200]


def test_records_through_search_arrive_as_plain_bounded_text(repo, replay, capsys):
    from livingreview.cli import main
    from livingreview.text.plaintext import LIMITS

    from api_replay import Paper
    from hostile import api_text

    def paper(i, **extra):
        # Distinct PubMed ids: the payloads make the titles alike, and PubMed's ids keep records apart.
        return Paper(
            api_text(i, length=700),
            2026,
            authors=((api_text(i + 1), api_text(i + 2)),),
            venue=api_text(i + 3),
            abstract=api_text(i + 4, length=9000),
            pmid=str(39100000 + i),
            **extra,
        )

    replay.europepmc = [[paper(i, doi=f"10.5555/hostile.{i}") for i in range(3)]]
    replay.openalex = [[paper(i, doi=f"10.5555/hostile.oa.{i}") for i in range(3, 6)]]
    assert main(["search", "--root", str(repo), "--date", "2026-11-28", "--quiet"]) == 0, capsys.readouterr().err
    with open(repo / "data" / "candidates.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6
    for row in rows:
        for column in ("title", "authors", "venue", "abstract"):
            _no_markup(row[column])
        assert len(row["title"]) <= LIMITS["title"] + 1 and len(row["abstract"]) <= LIMITS["abstract"] + 1
        assert row["title"].startswith("'") or not row["title"].startswith(FORMULA_PAYLOADS)
    assert main(["validate", "--root", str(repo)]) == 0


def test_records_through_add_arrive_as_plain_text(repo, replay, capsys):
    from pybtex.database import parse_string

    from livingreview.cli import main

    from api_replay import Paper
    from hostile import api_text

    replay.crossref["10.5555/hostile.add"] = Paper(
        api_text(1), 2026, "10.5555/hostile.add", authors=((api_text(2), api_text(3)),), venue=api_text(4)
    )
    assert main(["add", "10.5555/hostile.add", "--root", str(repo), "--date", "2026-11-28"]) == 0, (
        capsys.readouterr().err
    )
    with open(repo / "data" / "studies.csv", encoding="utf-8", newline="") as handle:
        row = list(csv.DictReader(handle))[-1]
    for column in ("title", "first_author", "venue"):
        _no_markup(row[column])
    assert re.fullmatch(r"[a-z0-9-]+", row["id"])
    bib = (repo / "book" / "references.bib").read_text(encoding="utf-8")
    entry = parse_string(bib, "bibtex").entries[row["id"].replace("-", "")]
    assert "<" not in entry.fields["title"] and "\\" not in entry.fields["title"].replace(
        "\\textbackslash{}", ""
    ).replace("\\textbraceleft{}", "").replace("\\textbraceright{}", "").replace("\\#", "").replace("\\$", "").replace(
        "\\%", ""
    ).replace("\\&", "").replace("\\_", "").replace("\\textasciitilde{}", "").replace("\\textasciicircum{}", "")


def test_release_pages_escape_hostile_text(hostile_frame):
    import datetime as dt

    from livingreview.update.feed import feed_xml
    from livingreview.update.release import release_notes_html, this_version_html, versions_table_html
    from livingreview.update.versions import Release, row_digest

    rows = {row["id"]: row_digest(row) for row in hostile_frame.to_dict("records")}
    first = Release("2026.11", dt.date(2026, 11, 28), len(rows), added=tuple(rows), rows=rows, notes="<b>n</b>")
    changed = dict(rows)
    changed[next(iter(rows))] = "changed"
    second = Release(
        "2026.12",
        dt.date(2026, 12, 28),
        len(rows),
        corrected=(next(iter(rows)),),
        rows=changed,
        notes="<script>x</script>",
    )
    for markup in (
        release_notes_html([first, second], hostile_frame).markup,
        versions_table_html([first, second]).markup,
        this_version_html([first, second], hostile_frame).markup,
    ):
        for raw in RAW_MARKUP + ("<b>n</b>", "<script>x"):
            assert raw not in markup, raw
    assert b"<script>" not in feed_xml(hostile_frame, [first, second])
