"""Every page's head holds up the first paint by one small stylesheet at most (issue #17): no other
render-blocking stylesheet, no script that blocks parsing, no Font Awesome; the theme's icons are
inline SVG that keep their controls' names, and the colour-mode switch still shows its mode.

The unit tests at the top check livingreview.book.page_head's parts on small inputs; the rest read
every page of the built book (tests/conftest.py's book_html) and open some in chromium.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from livingreview.book import page_head, upstream
from livingreview.book.page_head import Icon, blocking_requests, inline_icons, prune_css

#: The most page.css may weigh, gzip'd: about what a phone on Lighthouse's slow 4G fetches in
#: a fifth of a second. The theme's six stylesheets were about 75 KB.
PAGE_CSS_GZIP_BUDGET = 40_000


# --------------------------------------------------------------------------------------------
# The parts, on small inputs


def test_blocking_requests_counts_what_holds_up_rendering_and_parsing():
    head = (
        "<html><head>"
        '<link rel="stylesheet" href="a.css">'  # blocks
        '<link rel="stylesheet" href="p.css" media="print">'  # does not
        '<link rel="preload" as="style" href="b.css">'  # a hint, not a stylesheet
        '<link rel="stylesheet" href="m.css" media="(max-width: 600px)">'  # blocks (can match)
        '<script src="s.js"></script>'  # blocks
        '<script defer src="d.js"></script><script async src="x.js"></script>'
        '<script type="module" src="m.js"></script><script>inline()</script>'
        '</head><body><script src="late.js"></script></body></html>'
    )
    found = blocking_requests(head)
    assert found == [
        '<link rel="stylesheet" href="a.css">',
        '<link rel="stylesheet" href="m.css" media="(max-width: 600px)">',
        '<script src="s.js">',
    ]


def test_prune_css_keeps_what_may_match_and_drops_what_cannot():
    css = (
        "/*! licence */.used{color:red}.unused{color:blue}.used,.unused .x{margin:0}"
        "a:not(.unused){color:green}@media (max-width:10px){.unused{top:0}}"
        "@media print{.used{top:1px}}@font-face{font-family:x}@keyframes k{from{opacity:0}}"
        'html[data-theme=dark] p{color:#fff}.used::after{content:"{"}'
    )
    pruned = prune_css(css, {"used"})
    assert "/*! licence */" in pruned
    assert ".unused{" not in pruned and ".unused .x" not in pruned
    assert ".used{color:red}" in pruned and ".used{margin:0}" in pruned
    assert "a:not(.unused){color:green}" in pruned  # :not() of an absent class matches more, not less
    assert "@media (max-width:10px)" not in pruned  # left empty
    assert "@media print{.used{top:1px}}" in pruned
    assert "@font-face{font-family:x}" in pruned and "@keyframes k{from{opacity:0}}" in pruned
    assert "html[data-theme=dark] p{color:#fff}" in pruned
    assert '.used::after{content:"{"}' in pruned


def test_inline_icons_keep_classes_and_attributes_and_hide_the_drawing():
    icons = {("fab", "github"): Icon(496, 512, "M1 1z"), ("fas", "sun"): Icon(512, 512, "M2 2z")}
    page = (
        '<a aria-label="Source repository"><i class="fab fa-github"></i></a>'
        '<i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" aria-hidden="true"></i>'
        '<span class="fa-solid fa-unknown"></span>'
    )
    out = inline_icons(page, icons)
    assert '<svg class="fa-github lr-icon" aria-hidden="true"' in out
    assert 'viewBox="0 0 496 512"><path fill="currentColor" d="M1 1z"/></svg></a>' in out
    assert '<svg class="theme-switch fa-sun fa-lg lr-icon" data-mode="light" aria-hidden="true"' in out
    assert out.count("aria-hidden") == 2
    assert '<span class="fa-solid fa-unknown"></span>' in out  # left for the built-book test to report


def test_icons_the_theme_draws_with_the_icon_font_in_css_become_svg_masks():
    bell = Icon(448, 512, "M3 3z", "f0f3")
    css = (
        'html{--pst-icon-bell:"\uf0f3";--pst-icon-admonition-default:var(--pst-icon-bell)}'
        ".admonition-title:after{content:var(--pst-icon-admonition-default);font:var(--fa-font-solid);width:1rem}"
        '.fa-bell:before{content:"\\f0f3"}.x:before{content:"\\f0f3";font-family:"Font Awesome 6 Free"}'
        '@font-face{font-family:"Font Awesome 6 Free";src:url(fa.woff2)}@font-face{font-family:Other;src:url(o.woff2)}'
    )
    out = page_head.font_icons_as_masks(css, {"f0f3": bell})
    assert "--lr-mask-bell:" + bell.css_url() in out
    assert "--lr-mask-admonition-default:var(--lr-mask-bell)" in out
    title = re.search(r"\.admonition-title:after\{([^}]*)\}", out)[1]
    assert title.startswith(page_head.MASK_BOX) and title.endswith("width:1rem")  # the rule's own size wins
    assert 'content:"";-webkit-mask-image:var(--lr-mask-admonition-default)' in title and "font:" not in title
    assert ".fa-bell:before" not in out  # the icons are <svg>: no ::before glyph
    assert ".x:before{" + page_head.MASK_BOX in out and "Font Awesome" not in out.split("@font-face")[0]
    assert "fa.woff2" not in out and "o.woff2" in out


def test_the_theme_icons_are_read_from_the_installed_font_awesome():
    script = upstream.distribution_path(*upstream.FONT_AWESOME_SCRIPT).read_text(encoding="utf-8")
    icons = page_head.theme_icons(script)
    missing = [key for key in upstream.THEME_ICONS if key not in icons]
    assert missing == []
    assert all(icon.width > 0 and icon.path.startswith("M") for icon in icons.values())


# --------------------------------------------------------------------------------------------
# Every page of the built book


def built_pages(book: Path) -> list[Path]:
    return [p for p in book.rglob("*.html") if "_static" not in p.relative_to(book).parts]


def book_pages(book: Path) -> list[Path]:
    """The pages the theme writes (not the root redirect, which has no stylesheet at all)."""
    return [p for p in built_pages(book) if "bd-header-article" in p.read_text(encoding="utf-8")]


@pytest.mark.book
def test_no_page_has_a_render_blocking_request_but_the_page_stylesheet(book_html):
    pages = book_pages(book_html)
    assert len(pages) >= 10
    offenders = {}
    for page in pages:
        found = blocking_requests(page.read_text(encoding="utf-8"))
        allowed = [tag for tag in found if f"/{page_head.PAGE_CSS}?" in tag and "<link" in tag]
        if len(allowed) != 1 or len(found) != 1:  # the page stylesheet, once, and nothing else
            offenders[str(page.relative_to(book_html))] = found
    assert offenders == {}, "only _static/lr/page.css may block rendering (livingreview.book.page_head)"


@pytest.mark.book
def test_no_font_awesome_anywhere(book_html):
    for page in built_pages(book_html):
        markup = page.read_text(encoding="utf-8")
        assert "fontawesome" not in markup.lower(), page
        # every icon the theme wrote was drawn: no <i>/<span> left for a script to replace
        assert not re.search(r'<(i|span) class="[^"]*\bfa-', markup), page
    for name in upstream.FONT_AWESOME_OUTPUT:
        assert not (book_html / "_static" / name).exists(), name
    assert not list((book_html / "_static").rglob("*.woff*")), "no web fonts"
    css = (book_html / "_static" / page_head.PAGE_CSS).read_text(encoding="utf-8")
    assert not re.search(r"font(-family)?:[^;}]*(Font Awesome|--fa-font)", css.split("*/", 1)[1]), "no icon font"
    assert "@font-face" not in css


@pytest.mark.book
def test_the_page_stylesheet_is_small_and_credits_the_icons(book_html):
    css = (book_html / "_static" / page_head.PAGE_CSS).read_bytes()
    assert len(gzip.compress(css)) <= PAGE_CSS_GZIP_BUDGET
    text = css.decode()
    assert "Font Awesome Free" in text and "CC BY 4.0" in text
    assert "@import" not in text  # one request, nothing chained
    for rule in (".bd-header-article", "html[data-theme=dark]", ".lr-icon", ".theme-switch-button"):
        assert rule in text, rule


_CONTROL = re.compile(r"<(a|button|label)\b([^>]*)>(.*?)</\1>", re.S)
_ICON_SVG = re.compile(r'<svg class="[^"]*\blr-icon\b[^"]*"[^>]*>')


@pytest.mark.book
def test_icons_are_hidden_and_their_controls_are_named(book_html):
    for page in book_pages(book_html):
        markup = page.read_text(encoding="utf-8")
        icons = _ICON_SVG.findall(markup)
        assert icons, page
        assert all('aria-hidden="true"' in icon for icon in icons), page
        for control in _CONTROL.finditer(markup):
            if "lr-icon" not in control[3]:
                continue
            text = re.sub(r"<svg.*?</svg>|<[^>]+>", " ", control[3], flags=re.S).strip()
            named = re.search(r'\b(aria-label|title)="[^"]+"', control[2])
            assert named or text, (page.name, control[0][:200])


@pytest.mark.book
def test_documentation_options_are_inline_before_the_scripts_that_use_them(book_html):
    for page in book_pages(book_html):
        markup = page.read_text(encoding="utf-8")
        assert "documentation_options.js" not in markup, page
        head = markup.split("</head>", 1)[0]
        if "DOCUMENTATION_OPTIONS." in head:
            assert head.index("const DOCUMENTATION_OPTIONS") < head.index("DOCUMENTATION_OPTIONS."), page


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_header_icons_show_and_the_mode_switch_shows_each_mode(browser, book_html, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors, remote = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else (remote.append(route.request.url), route.abort())
        ),
    )
    page.goto((book_html / "book" / "introduction.html").as_uri())
    page.wait_for_load_state("load")
    header = page.locator(".bd-header-article")
    for name in ("github", "download", "expand"):
        box = header.locator(f"svg.fa-{name}").first.bounding_box()
        assert box and box["width"] >= 12 and box["height"] >= 12, name
    switch = page.locator(".theme-switch-button")
    shown = []
    for _ in range(3):
        mode = page.evaluate("document.documentElement.dataset.mode")
        visible = [
            icon.get_attribute("data-mode") for icon in switch.locator("svg.theme-switch").all() if icon.is_visible()
        ]
        shown.append((mode, visible))
        switch.click()
    assert [visible for _mode, visible in shown] == [[mode] for mode, _visible in shown]
    assert {mode for mode, _visible in shown} == {"light", "dark", "auto"}
    assert errors == [] and remote == []
    page.close()
