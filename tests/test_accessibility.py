"""Every reader: axe-core finds no serious or critical problem on any page (at 1366 and 390 px,
in the light and the dark theme, colour contrast included), charts have text alternatives, the study filters work by keyboard alone, a chapter prints to PDF, and two builds
from the same sources are identical.

axe-core comes from npm (tests/js/package.json, pinned by its package-lock.json); the tests run
`npm ci --prefix tests/js` when it is missing, and skip outside CI when that is impossible.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from livingreview import load_studies

from conftest import build_book, require

JS_DIR = Path(__file__).resolve().parent / "js"
AXE = JS_DIR / "node_modules" / "axe-core" / "axe.min.js"
#: Set to keep files a person should look at (the printed chapter, its pages as PNG).
ARTIFACTS_ENV = "LIVINGREVIEW_TEST_ARTIFACTS"


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(
            ["npm", "ci", "--prefix", str(JS_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    require(AXE.exists(), "axe-core is not installed (npm ci --prefix tests/js)")
    return AXE


def is_redirect(path: Path) -> bool:
    return (
        re.search(r'<meta http-equiv="refresh"', path.read_text(encoding="utf-8", errors="replace")[:2000], re.I)
        is not None
    )


def book_pages(html_root: Path) -> list[Path]:
    """Every page a reader reads (not the theme's assets, not the root's redirect stub)."""
    return sorted(
        p
        for p in html_root.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts and not is_redirect(p)
    )


def open_page(context, url: str, *, draw_figures: bool = True):
    """A page, loaded, with every figure drawn (they are drawn when scrolled near)."""
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("load")  # the root index.html redirects
    if draw_figures:
        page.evaluate(
            """async () => {
                 for (let y = 0; y < document.body.scrollHeight; y += 500) {
                   window.scrollTo(0, y); await new Promise(r => setTimeout(r, 40));
                 }
                 window.scrollTo(0, 0);
               }"""
        )
        page.wait_for_function(
            "[...document.querySelectorAll('.lr-figure')].every(f => f.querySelector('.main-svg'))",
            timeout=20000,
        )
    return page


def reader_context(browser, width: int = 1280, theme: str = "light"):
    """A browser context for one reader: a screen width and a theme (the theme's own switch keeps
    the choice in localStorage and applies it before the first paint), no network."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');")
    # Offline, as a reader without network would be: nothing may leave the machine.
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(("file:", "data:", "blob:")) else route.abort(),
    )
    return context


@pytest.fixture
def context(browser):
    context = reader_context(browser)
    yield context
    context.close()


# --------------------------------------------------------------------------------------------
# axe-core


def format_violations(url: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{url}\n  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:400]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


#: Serious findings we accept, as (rule, CSS class on the flagged element): none. The theme's search
#: and colour-mode buttons failed label-in-name; _templates/ overrides both components.
THEME_KNOWN: set[tuple[str, str]] = set()


def _excused(rule: str, node: dict) -> bool:
    return any(
        rule == known and 'class="' in node["html"] and css in node["html"].split(">", 1)[0]
        for known, css in THEME_KNOWN
    )


def run_axe(page, axe_source: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate(
        """async () => {
             const r = await axe.run(document, {resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
               nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary}))}));
           }"""
    )
    serious = []
    for v in result:
        if v["impact"] not in ("serious", "critical"):
            continue
        v["nodes"] = [n for n in v["nodes"] if not _excused(v["id"], n)]
        if v["nodes"]:
            serious.append(v)
    return serious


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_no_serious_axe_violations_on_any_page(book_html, browser, axe_source, width, theme):
    """In both themes and at both widths: the dark theme's colours must pass colour-contrast too."""
    pages = book_pages(book_html)
    assert len(pages) >= 10, pages
    context = reader_context(browser, width, theme)
    report = []
    for path in pages:
        page = open_page(context, path.as_uri())
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        violations = run_axe(page, axe_source)
        if violations:
            report.append(format_violations(str(path.relative_to(book_html)), violations))
        page.close()
    context.close()
    assert not report, f"serious or critical accessibility problems ({width} px, {theme}):\n\n" + "\n\n".join(report)


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_no_serious_axe_violations_on_the_filtered_table(book_html, browser, axe_source, width, theme):
    """The table's enhanced state too: controls shown (behind "Filters" on a phone), a facet
    open, a filter applied, a card opened."""
    context = reader_context(browser, width, theme)
    page = open_page(
        context, (book_html / "book" / "studies.html").as_uri() + "?domain=dermatology", draw_figures=False
    )
    page.wait_for_selector('.lr-studies-table[data-lr-ready="true"]')
    filters = page.locator("button.lr-st-filters")
    if filters.is_visible():
        filters.click()
    page.locator(".lr-st-facet summary").first.click()
    more = page.locator(".lr-st-more:visible")
    if more.count():
        more.first.click()
    violations = run_axe(page, axe_source)
    context.close()
    assert not violations, format_violations(f"book/studies.html?domain=dermatology ({width} px, {theme})", violations)


# --------------------------------------------------------------------------------------------
# Charts


@pytest.mark.book
@pytest.mark.browser
def test_every_chart_has_a_text_alternative(book_html, context):
    checked = 0
    for path in book_pages(book_html):
        if "lr-figure" not in path.read_text(encoding="utf-8", errors="replace"):
            continue
        page = open_page(context, path.as_uri())
        figures = page.evaluate(
            """() => [...document.querySelectorAll('.lr-figure')].map(f => {
                 const box = f.closest('figure');
                 const caption = box && box.querySelector('figcaption');
                 return {id: f.id, role: f.getAttribute('role'), label: f.getAttribute('aria-label') || '',
                         caption: caption ? caption.innerText.trim() : '',
                         described: box ? box.tagName : null};
               })"""
        )
        for figure in figures:
            where = f"{path.relative_to(book_html)}#{figure['id']}"
            assert figure["described"] == "FIGURE", f"{where}: not inside a <figure>"
            assert len(figure["caption"]) >= 40, f"{where}: the caption is missing or too short: {figure['caption']!r}"
            assert re.search(r"\d", figure["caption"]), f"{where}: the caption states no number: {figure['caption']!r}"
            # A name for the chart itself; not role=img, whose children (plotly's buttons) AT skips.
            assert figure["role"] in ("group", "region", "figure", None) or figure["role"] == "img", figure
            assert len(figure["label"]) >= 5, f"{where}: no accessible name: {figure}"
            checked += 1
        page.close()
    assert checked >= 6, f"only {checked} figures found"


# --------------------------------------------------------------------------------------------
# Keyboard only


def _active(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName.toLowerCase(), id: e.id, type: e.type || '',
                           facet: e.closest('[data-lr-facet]') ? e.closest('[data-lr-facet]').dataset.lrFacet : null,
                           outline: getComputedStyle(e).outlineStyle, shadow: getComputedStyle(e).boxShadow}; }"""
    )


def _tab_to(page, predicate, limit: int = 200) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = _active(page)
        if predicate(active):
            return active
    pytest.fail(f"{limit} presses of Tab did not reach the control (last: {_active(page)})")


def _count(page) -> str:
    return page.locator(".lr-st-status").inner_text().strip()


@pytest.mark.book
@pytest.mark.browser
def test_studies_page_filters_by_keyboard_alone(book_html, context):
    from livingreview.data.filters import filter_studies
    from livingreview.data.paths import DEFAULT_STUDIES

    studies = load_studies(DEFAULT_STUDIES)  # the table the shared book is built from
    n = len(studies)
    melanoma = len(filter_studies(studies, text="melanoma"))
    page = open_page(context, (book_html / "book" / "studies.html").as_uri(), draw_figures=False)
    page.wait_for_selector("form.lr-st-controls:not([hidden])", timeout=10000)
    total = _count(page)
    assert re.search(rf"\b{n}\b", total), total

    # Tab from the top of the page to the search box, and type.
    search = _tab_to(page, lambda a: a["tag"] == "input" and a["type"] == "search" and a["id"].startswith("lr-"))
    assert search["outline"] != "none" or search["shadow"] != "none", "the focused search box shows no focus"
    page.keyboard.type("melanoma")
    page.wait_for_function(f"document.querySelector('.lr-st-status').innerText.trim() !== {total!r}", timeout=5000)
    narrowed = _count(page)
    assert narrowed.startswith(f"{melanoma} of {n}"), narrowed
    for _ in range(len("melanoma")):
        page.keyboard.press("Backspace")
    page.wait_for_function(f"document.querySelector('.lr-st-status').innerText.trim().startsWith('{n} ')", timeout=5000)

    # On to the first facet: open it with Enter, tick its first term with Space.
    summary = _tab_to(page, lambda a: a["tag"] == "summary" and a["facet"] is not None)
    assert summary["outline"] != "none" or summary["shadow"] != "none", "the focused facet shows no focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('details').open"), "Enter did not open the facet"
    checkbox = _tab_to(page, lambda a: a["type"] == "checkbox" and a["facet"] == summary["facet"], limit=5)
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), "Space did not tick the term"
    page.wait_for_function(
        f"!document.querySelector('.lr-st-status').innerText.trim().startsWith('{n} ')", timeout=5000
    )
    filtered = _count(page)
    assert re.match(rf"\d+ of {n}\b", filtered), filtered
    page.wait_for_function(f"location.search.includes({summary['facet'] + '='!r})", timeout=5000)
    # And back: Space again unticks it.
    page.keyboard.press("Space")
    page.wait_for_function(f"document.querySelector('.lr-st-status').innerText.trim().startsWith('{n} ')", timeout=5000)
    assert checkbox["id"] is not None
    page.close()


# --------------------------------------------------------------------------------------------
# Print


@pytest.mark.book
@pytest.mark.browser
def test_a_chapter_prints_to_pdf(book_html, context, tmp_path):
    require(shutil.which("pdftoppm") is not None, "pdftoppm is not installed (apt-get install poppler-utils)")
    page = context.new_page()
    page.goto((book_html / "book" / "analysis.html").as_uri(), wait_until="load")
    # Untouched, the page prints its charts' static drawings (livingreview.charts.svg).
    assert page.evaluate("[...document.querySelectorAll('.lr-figure')].every(f => f.querySelector('svg.lr-chart'))")
    page.emulate_media(media="print")
    page.wait_for_timeout(500)
    pdf = tmp_path / "analysis.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.close()
    assert pdf.stat().st_size > 20_000
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2, info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    # The charts print as drawings with their text (a chart's title is written only in it).
    from livingreview.charts.model import TITLES

    flat = " ".join(text.split())
    assert TITLES["gap_map"] in flat and "Number of studies" in flat, text[:1000]
    artifacts = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    if artifacts != tmp_path:
        shutil.copyfile(pdf, artifacts / "analysis.pdf")
    for number in (1, 2):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(pdf),
                str(artifacts / f"analysis-page{number}"),
            ],
            check=True,
            timeout=120,
        )
        assert (artifacts / f"analysis-page{number}.png").stat().st_size > 10_000


# --------------------------------------------------------------------------------------------
# Reproducible builds


#: Parts of a page that may differ between two builds of the same sources.
VOLATILE = [
    (re.compile(r"Last updated on [^<]*"), "Last updated on <date>"),
    (re.compile(r"(build|built)[ -]?(date|time)[^<]{0,60}\d{4}[^<]*", re.I), "<build time>"),
]


def normalised(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def compare_builds(first: Path, second: Path) -> list[str]:
    names = {p.relative_to(first) for p in first.rglob("*") if p.is_file()}
    others = {p.relative_to(second) for p in second.rglob("*") if p.is_file()}
    problems = [f"only in the first build: {n}" for n in sorted(names - others)]
    problems += [f"only in the second build: {n}" for n in sorted(others - names)]
    for name in sorted(names & others):
        a, b = first / name, second / name
        if a.read_bytes() == b.read_bytes():
            continue
        if a.suffix in (".html", ".js", ".css", ".txt", ".json", ".svg", ".buildinfo", ""):
            ta, tb = normalised(a), normalised(b)
            if ta == tb:
                continue
            diff = difflib.unified_diff(ta.splitlines(), tb.splitlines(), lineterm="", n=0)
            problems.append(f"{name} differs:\n" + "\n".join(line[:300] for line in list(diff)[2:14]))
        else:
            problems.append(f"{name} differs (binary)")
    return problems


@pytest.fixture(scope="module")
def second_build(book_html, tmp_path_factory) -> Path:
    """One more clean, strict build of the same sources, into a fresh folder."""
    output = tmp_path_factory.mktemp("second-build")
    result = build_book(output)
    assert result.returncode == 0, f"the second build failed:\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"
    return output / "_build" / "html"


@pytest.mark.book
def test_two_clean_builds_give_identical_pages(book_html, second_build):
    problems = [p for p in compare_builds(book_html, second_build) if not p.startswith("_sources")]
    assert not problems, "two builds of the same commit differ:\n\n" + "\n\n".join(problems[:20])


@pytest.mark.book
def test_two_clean_builds_give_identical_downloads(book_html, second_build):
    """The .ipynb each page offers for download (_sources/) is byte-identical too.

    jupytext gives every cell of a MyST page a random id when it writes the notebook, so
    without a fix these files differ on every build (the pages themselves do not).
    """
    problems = [p for p in compare_builds(book_html, second_build) if p.startswith("_sources")]
    if problems:
        import json

        same_but_ids = []
        for problem in problems:
            name = problem.split(" differs")[0]
            a, b = (json.loads((root / name).read_text(encoding="utf-8")) for root in (book_html, second_build))
            for notebook in (a, b):
                for cell in notebook.get("cells", []):
                    cell.pop("id", None)
            if a == b:
                same_but_ids.append(name)
        addresses = sorted(
            {
                name
                for name in (p.split(" differs")[0] for p in problems)
                if re.search(r" at 0x[0-9a-f]{6,}", (book_html / name).read_text(encoding="utf-8"))
            }
        )
        detail = f"{len(same_but_ids)} of {len(problems)} differ only in their random cell ids"
        if addresses:
            detail += f"; text/plain outputs with memory addresses ('<... at 0x...>') in {', '.join(addresses)}"
        pytest.fail(f"downloadable notebooks differ between builds ({detail}):\n" + "\n".join(problems[:20]))
