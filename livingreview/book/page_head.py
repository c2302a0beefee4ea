"""Every page's head: one stylesheet that blocks rendering, icons drawn inline, no script that
blocks parsing (issue #17: on a phone each render-blocking request delays the first text).

- The page stylesheet (`write_page_stylesheet`): the theme's stylesheets, the extensions' and the
  book's own, in the order the theme links them, combined into one file (_static/lr/page.css)
  after every page is written, less the rules whose classes no page and no script of the book
  uses (`prune_css`). Every page links it alone (_templates/layout.html).
- Icons (`inline_icons`): the theme writes Font Awesome's <i class="fa-..."> tags and loads
  Font Awesome's script (about 540 KB) to turn them into SVG; here they are SVG when the page is
  written, with the path data read from the theme's own copy of Font Awesome Free at build time
  (`theme_icons`). Font Awesome Free's icons are CC BY 4.0 (their licence line heads page.css).
- `blocking_requests`: what in a page's <head> blocks rendering or parsing (tests/test_page_head.py).

What it assumes about the theme (file names, Font Awesome's layout) is in livingreview.book.upstream.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..data.paths import STATIC_SUBDIR
from . import upstream

#: The one stylesheet every page links, relative to the site's _static/.
PAGE_CSS = f"{STATIC_SUBDIR}/page.css"
#: Where the book's own stylesheets are, under _static/.
OWN_STYLESHEETS = f"{STATIC_SUBDIR}/"

# --------------------------------------------------------------------------------------------
# Icons


@dataclass(frozen=True)
class Icon:
    width: int
    height: int
    path: str
    code: str = ""  # the icon font's code point, hex ("f09b"): how the theme's CSS names it

    def svg(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}">'
            f'<path d="{self.path}"/></svg>'
        )

    def css_url(self) -> str:
        """The icon as a CSS url() (a data: URL: no request), for a mask-image."""
        return 'url("data:image/svg+xml,' + quote(self.svg(), safe=" =/:,.-") + '")'


def theme_icons(script: str) -> dict[tuple[str, str], Icon]:
    """(style prefix, icon name) -> Icon, for every icon and alias in Font Awesome's
    all-in-one script (the theme's fontawesome.js): ('fas', 'magnifying-glass'), ('fab', 'github')."""
    icons: dict[tuple[str, str], Icon] = {}
    for pack in upstream.FONT_AWESOME_PACK.finditer(script):
        style = pack["style"]
        for entry in upstream.FONT_AWESOME_ICON.finditer(pack["icons"]):
            if not entry["path"].startswith('"'):
                continue  # duotone (two paths): not in Font Awesome Free
            icon = Icon(int(entry["width"]), int(entry["height"]), entry["path"][1:-1], entry["code"])
            name = entry["quoted"] or entry["bare"]
            aliases = re.findall(r'"([^"]+)"', entry["aliases"])
            for alias in [name, *aliases]:
                icons.setdefault((style, alias), icon)
    return icons


_ICON_TAG = re.compile(r'<(i|span) class="(?P<classes>[^"]*\bfa-[^"]*)"(?P<attrs>[^>]*)>\s*</\1>')


def _icon_key(classes: list[str]) -> tuple[str, str] | None:
    style = "fas"
    name = None
    for cls in classes:
        if cls in upstream.FONT_AWESOME_STYLE_CLASSES:
            style = upstream.FONT_AWESOME_STYLE_CLASSES[cls]
        elif cls.startswith("fa-") and cls not in upstream.FONT_AWESOME_SIZE_CLASSES:
            name = cls.removeprefix("fa-")
    return (style, name) if name else None


def inline_icons(page: str, icons: dict[tuple[str, str], Icon]) -> str:
    """The page with each Font Awesome <i>/<span> tag drawn as inline SVG, as Font Awesome's
    script drew it: same attributes and classes but the style class (the theme's CSS and scripts
    find them as before), hidden from assistive
    technology (the buttons and links around them carry the names). An unknown icon is left as
    it was, for tests/test_page_head.py to report."""

    def svg(match: re.Match) -> str:
        classes = match["classes"].split()
        icon = icons.get(_icon_key(classes))
        if icon is None:
            return match[0]
        attrs = re.sub(r'\s*aria-hidden="[^"]*"', "", match["attrs"])
        # Font Awesome's script leaves the style class (fa-solid...) off its <svg>, and the theme's
        # CSS was written against that: `.bd-search .fa-solid.fa-magnifying-glass` is for the <i>.
        kept = [cls for cls in classes if cls not in upstream.FONT_AWESOME_STYLE_CLASSES]
        return (
            f'<svg class="{" ".join([*kept, "lr-icon"])}"{attrs} aria-hidden="true"'
            f' xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {icon.width} {icon.height}">'
            f'<path fill="currentColor" d="{html.escape(icon.path)}"/></svg>'
        )

    return _ICON_TAG.sub(svg, page)


def icons_by_code(icons: dict[tuple[str, str], Icon]) -> dict[str, Icon]:
    """Code point ("f05a") -> icon: solid first, then brands, then regular, as the theme's CSS
    picks its font."""
    by_code: dict[str, Icon] = {}
    for style in ("fas", "fab", "far"):
        for (icon_style, _name), icon in icons.items():
            if icon_style == style:
                by_code.setdefault(icon.code, icon)
    return by_code


_PST_ICON = re.compile(r'--pst-icon-([\w-]+):\s*(?:"([^"]*)"|var\(--pst-icon-([\w-]+)\))')
_CONTENT_VAR = re.compile(r"content:\s*var\(--pst-icon-([\w-]+)\)")
_CONTENT_CHAR = re.compile(r'content:\s*"(\\f[0-9a-fA-F]{3}|[\ue000-\uf8ff])"')
_GLYPH_RULE = re.compile(r"\.fa-[\w-]+::?before$")
_ICON_FONT = re.compile(r"font:\s*var\(--fa-font-[\w-]+\)|font-family:[^;}]*Font Awesome[^;}]*")
#: An icon the theme's CSS drew with the icon font, drawn instead as a box of the text's colour
#: masked by the icon's SVG (the rule's own width, height and size, later in it, still win).
MASK_BOX = (
    "display:inline-block;width:1em;height:1em;vertical-align:-.125em;background-color:currentColor;"
    "-webkit-mask-repeat:no-repeat;mask-repeat:no-repeat;-webkit-mask-position:center;mask-position:center;"
    "-webkit-mask-size:contain;mask-size:contain;"
)


def _code(text: str) -> str:
    return text[1:].lower() if text.startswith("\\") else f"{ord(text):x}"


def font_icons_as_masks(css: str, by_code: dict[str, Icon]) -> str:
    """The theme's icons drawn with Font Awesome's font in CSS (admonition titles, external and
    download links...) drawn as masks of inline SVG instead; Font Awesome's @font-face rules go."""

    def mask_variable(match: re.Match) -> str:
        name, char, alias = match[1], match[2], match[3]
        if alias:
            return f"{match[0]};--lr-mask-{name}:var(--lr-mask-{alias})"
        icon = by_code.get(_code(char)) if char else None
        return f"{match[0]};--lr-mask-{name}:{icon.css_url()}" if icon else match[0]

    def content_char(match: re.Match) -> str:
        icon = by_code.get(_code(match[1]))
        return f'content:"";-webkit-mask-image:{icon.css_url()};mask-image:{icon.css_url()}' if icon else match[0]

    def rules(text: str) -> str:
        out = []
        for prelude, body in _blocks(text):
            if body is None:
                out.append(prelude)
            elif prelude.startswith("@font-face"):
                if "Font Awesome" not in body:
                    out.append(f"{prelude}{{{body}}}")
            elif prelude.startswith("@"):
                grouping = prelude.split(None, 1)[0].split("(")[0] in _GROUPING
                out.append(f"{prelude}{{{rules(body) if grouping else body}}}")
            elif all(_GLYPH_RULE.match(selector.strip()) for selector in _split_selectors(prelude)):
                continue  # `.fa-github:before{content:"\f09b"}`: the icons are <svg>, which has no ::before
            else:
                body = _PST_ICON.sub(mask_variable, body)
                body = _CONTENT_VAR.sub(
                    lambda m: f'content:"";-webkit-mask-image:var(--lr-mask-{m[1]});mask-image:var(--lr-mask-{m[1]})',
                    body,
                )
                body = _CONTENT_CHAR.sub(content_char, body)
                if _ICON_FONT.search(body):
                    # a pseudo-element drew a glyph: now a masked box; any other rule (Font
                    # Awesome's own classes) only named the font, which no page loads any more
                    pseudo = ":before" in prelude or ":after" in prelude
                    body = (MASK_BOX if pseudo else "") + _ICON_FONT.sub("", body).replace(";;", ";").strip(";")
                if body.strip():
                    out.append(f"{prelude}{{{body}}}")
        return "\n".join(out)

    return rules(css)


# --------------------------------------------------------------------------------------------
# The page stylesheet

_IMPORT = re.compile(r'@import\s+(?:url\()?\s*["\']?([^"\')\s]+)["\']?\s*\)?\s*;')
_URL = re.compile(r'url\(\s*(["\']?)(?!data:|https?:|/|#)([^"\')]+)\1\s*\)')
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def read_stylesheet(static: Path, name: str, bundle_dir: str) -> str:
    """The stylesheet _static/`name`, its @imports inlined and its url()s made relative to
    _static/`bundle_dir` (where the combined file lives)."""
    path = static / name
    text = path.read_text(encoding="utf-8")
    here = posixpath.dirname(name)

    def imported(match: re.Match) -> str:
        return read_stylesheet(static, posixpath.normpath(posixpath.join(here, match[1])), bundle_dir)

    def url(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(here, match[2]))
        return f"url({match[1]}{posixpath.relpath(target, bundle_dir)}{match[1]})"

    text = _COMMENT.sub(lambda m: m[0] if m[0].startswith("/*!") else "", text)
    return _URL.sub(url, _IMPORT.sub(imported, text))


def _blocks(css: str) -> Iterable[tuple[str, str | None]]:
    """Top-level (prelude, block body) pairs of a stylesheet; body None for a statement (@import;)."""
    start = index = depth = 0
    body_start = None
    quote = None
    while index < len(css):
        char = css[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "{":
            if depth == 0:
                body_start = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                yield css[start:body_start].strip(), css[body_start + 1 : index]
                start = index + 1
        elif char == ";" and depth == 0:
            yield css[start : index + 1].strip(), None
            start = index + 1
        index += 1
    if css[start:].strip():
        yield css[start:].strip(), None


_FUNCTIONAL_PSEUDO = re.compile(r":[\w-]+\(")
_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


def _required_classes(selector: str) -> set[str]:
    """Classes an element must have somewhere for `selector` to match; what is inside :not(),
    :is(), :where(), :has() is left out, so a selector is only ever kept when in doubt."""
    out, index = [], 0
    for match in _FUNCTIONAL_PSEUDO.finditer(selector):
        if match.start() < index:
            continue
        out.append(selector[index : match.start()])
        depth, index = 1, match.end()
        while index < len(selector) and depth:
            depth += {"(": 1, ")": -1}.get(selector[index], 0)
            index += 1
    out.append(selector[index:])
    return set(_CLASS.findall("".join(out)))


#: At-rules whose blocks hold style rules (pruned inside); any other at-rule is kept whole.
_GROUPING = ("@media", "@supports", "@container", "@layer", "@document")


def prune_css(css: str, used: set[str]) -> str:
    """The stylesheet less the selectors that need a class outside `used`, less the rules left
    with no selector and the grouping at-rules left empty; comments "/*!" (licences) stay."""
    out = []
    for prelude, body in _blocks(css):
        if body is None:
            out.append(prelude)
        elif prelude.startswith("@"):
            if prelude.split(None, 1)[0].split("(")[0] in _GROUPING:
                inner = prune_css(body, used)
                if inner:
                    out.append(f"{prelude}{{{inner}}}")
            else:
                out.append(f"{prelude}{{{body}}}")
        else:
            licence = "".join(re.findall(r"/\*!.*?\*/", prelude, re.S))
            selector_text = _COMMENT.sub("", prelude).strip()
            selectors = [s.strip() for s in _split_selectors(selector_text)]
            kept = [s for s in selectors if _required_classes(s) <= used]
            if kept:
                out.append(f"{licence}{','.join(kept)}{{{body.strip()}}}")
            elif licence:
                out.append(licence)
    return "\n".join(out)


def _split_selectors(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_WORD = re.compile(r"[A-Za-z_][\w-]*")


def used_classes(outdir: Path) -> set[str]:
    """Every class any written page uses, and every word of the book's scripts (a class a script
    adds at run time is a word in it), and the classes scripts build from parts (upstream)."""
    used = set(upstream.CLASSES_BUILT_BY_SCRIPTS)
    for page in outdir.rglob("*.html"):
        for value in _CLASS_ATTR.findall(page.read_text(encoding="utf-8", errors="replace")):
            used.update(value.split())
    for script in (outdir / "_static").rglob("*.js"):
        used.update(_WORD.findall(script.read_text(encoding="utf-8", errors="replace")))
    return used


def write_page_stylesheet(
    outdir: Path, stylesheets: Iterable[str], credit: str, icons: dict[tuple[str, str], Icon]
) -> Path:
    """_static/lr/page.css: the stylesheets (paths under _static/, in cascade order) combined,
    pruned to what the written pages use, with `credit` (Font Awesome's, for the inline icons) first."""
    static = outdir / "_static"
    bundle_dir = posixpath.dirname(PAGE_CSS)
    used = used_classes(outdir)
    by_code = icons_by_code(icons)
    parts = []
    for name in stylesheets:
        css = font_icons_as_masks(read_stylesheet(static, name, bundle_dir), by_code)
        # The book's own stylesheets (_static/lr/) are kept whole: written for these pages, and
        # their scripts may build class names from parts; the others are pruned.
        parts.append(css if name.startswith(OWN_STYLESHEETS) else prune_css(css, used))
    text = f"/*! {credit} */\n" + "\n".join(parts) + "\n"
    target = static / PAGE_CSS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def version_tag(*parts: str) -> str:
    """A short tag for page.css?v=...: changes with what the stylesheet is made from."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------------------------
# What blocks a page's first paint


#: Media a screen never matches: a stylesheet with one of them does not hold up rendering.
NON_BLOCKING_MEDIA = ("print", "not all", "none")

_HEAD = re.compile(r"<head\b.*?</head>", re.S | re.I)
_FETCHING_TAG = re.compile(r"<(link|script)\b([^>]*)>", re.I)
_ATTR = re.compile(r'([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s>]+)))?')


def blocking_requests(page: str) -> list[str]:
    """The tags of a page's <head> that fetch something before the page can render or parse:
    stylesheets (unless their media is one the screen never matches: print, not all) and
    external scripts without defer, async or type=module."""
    head = _HEAD.search(page)
    found = []
    for tag in _FETCHING_TAG.finditer(head[0] if head else ""):
        attrs = {m[1].lower(): (m[2] or m[3] or m[4] or "") for m in _ATTR.finditer(tag[2])}
        if tag[1].lower() == "link":
            if (
                "stylesheet" in attrs.get("rel", "").lower().split()
                and attrs.get("media", "all").strip().lower() not in NON_BLOCKING_MEDIA
            ):
                found.append(tag[0])
        elif "src" in attrs and not ({"defer", "async"} & set(attrs)) and attrs.get("type") != "module":
            found.append(tag[0])
    return found
