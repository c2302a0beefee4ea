"""Sphinx extension that keeps the book in step with the data and fully offline.

- config-inited: validate the study table; invalid data stops the build with the validator's
  own lines (PATH:LINE: column ...), never a notebook traceback.
- env-get-outdated: when the table, the vocabulary or this package changed since the last build,
  every page is re-read (and so re-executed: execute_notebooks is 'force'); with no change,
  nothing is re-read, so a no-change rebuild stays fast.
- html-page-context: scripts and styles are added only to the pages that use them (plotly.js
  only where a figure is drawn), all served from the book's own _static/lr/.
- builder-inited: copies those assets (livingreview/assets/, plotly.js included).
- build-finished: numbers the downloadable notebooks' cell ids, so builds are reproducible, and
  writes the Atom feed (feed.xml, livingreview.update.feed) and the site's root index.html, the redirect
  to the first page, as a valid HTML page.
- the {study} role, and the bibliography's style and entry ids (livingreview.book.citations).
- the page head (livingreview.book.page_head): one stylesheet per page (_static/lr/page.css, combined
  at build-finished), Font Awesome's icons drawn as inline SVG as each page is rendered, Sphinx's
  documentation options inline instead of a parser-blocking script.

What it assumes about Sphinx, the theme and docutils lives in livingreview.book.upstream.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import sys
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util import logging

from ..data.paths import ASSETS_DIR, CITED, PACKAGE_DIR, REFERENCES_BIB, STATIC_SUBDIR, TABLE1, data_files, studies_path
from ..text.markup import esc
from . import citations, upstream

if TYPE_CHECKING:
    from .page_head import Icon

logger = logging.getLogger(__name__)


@dataclass
class BuildState:
    """What the extension keeps between its handlers while one Sphinx application builds."""

    fingerprint: str  # build_inputs_fingerprint() at config-inited
    icons: dict[tuple[str, str], Icon] = field(default_factory=dict)  # Font Awesome, drawn inline
    #: Stylesheets this build's pages link (path under _static/ -> priority); None until an HTML
    #: builder starts (start_page_head), so the page-head handlers do nothing for other builders.
    page_styles: dict[str, int] | None = None
    page_css: str = ""  # page.css?v=<version>, the one stylesheet layout.html links
    documentation_options: str | None = None  # rendered once, on the first page that needs it


#: One state per application (Sphinx declares no attributes for an extension's own).
_BUILD_STATES: weakref.WeakKeyDictionary[Sphinx, BuildState] = weakref.WeakKeyDictionary()


def build_state(app: Sphinx) -> BuildState:
    return _BUILD_STATES[app]


#: Marker class in a page's HTML -> (scripts, stylesheets) that page needs, relative to _static/lr/.
FIGURE_MARKER = 'class="lr-figure"'  # the drawing holder only, not "lr-figure-box" wrappers


def _page_assets() -> dict[str, tuple[list[str], list[str]]]:
    from . import studies_page as html_table

    # figures.js fetches plotly.js (assets/vendor/) itself, when the first figure nears the viewport.
    return {
        FIGURE_MARKER: (["figures.js"], []),
        html_table.TABLE_MARKER: (list(html_table.TABLE_JS), list(html_table.TABLE_CSS)),
    }


def build_inputs_fingerprint() -> str:
    """What the pages' outputs depend on besides their own text: data, vocabulary, package code."""
    digest = hashlib.sha256()
    digest.update(str(studies_path().resolve()).encode())
    # The bibliography too: the References page lists the studies without a verified record.
    inputs = data_files() + [REFERENCES_BIB] + sorted(PACKAGE_DIR.rglob("*.py"))
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def check_data(app: Sphinx, config) -> None:
    from ..data.cited import cited_fingerprint, load_cited
    from ..data.paths import Repository
    from ..data.studies import data_fingerprint, load_studies
    from ..data.table1 import load_table1, table1_fingerprint
    from ..data.validation import DataFileError, InvalidStudiesError, mark_validated
    from ..update.protocol import ProtocolError, load_protocol
    from ..update.screening import load_cycle
    from ..update.versions import ReleasesError, load_releases

    state = _BUILD_STATES[app] = BuildState(build_inputs_fingerprint())
    # A table already validated by this same code (a no-change rebuild) is not checked again.
    marker = Path(app.doctreedir) / "livingreview-validated"
    if not (marker.is_file() and marker.read_text() == state.fingerprint):
        try:
            frame = load_studies()
            load_table1()  # data/table1.csv: what the source cites in its Table 1 (counts, citations)
            load_cited(studies=frame)  # data/cited.csv, the References page's cited-only studies
            # The update cycle's records and versions: Methods draws their flows, Versions lists them.
            load_protocol()
            load_cycle(Repository(), study_ids=set(frame["id"]))
            load_releases()
        except (DataFileError, InvalidStudiesError, ProtocolError, ReleasesError) as exc:
            # The validator's own lines, then a plain exit: Jupyter Book prints a traceback for
            # any Sphinx error (ConfigError included), which would bury them for a contributor.
            print(f"The data is not valid; fix these and build again:\n{exc}", file=sys.stderr)
            raise SystemExit(2) from None
        logger.info(f"[livingreview] {len(frame)} studies from {studies_path()}")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(state.fingerprint)
    # The kernels that execute the pages inherit this and skip re-validating the same bytes.
    studies_digest = data_fingerprint()
    digests = [studies_digest, cited_fingerprint(CITED, studies_digest)]
    mark_validated(*digests, *([table1_fingerprint()] if TABLE1.is_file() else []))


def outdate_on_data_change(app: Sphinx, env, added, changed, removed) -> list[str]:
    # Kept on the environment, which Sphinx pickles between builds: the last build's inputs. The
    # {study} role reads it too (citations._citations_for), in every reading process.
    current = build_state(app).fingerprint
    previous = getattr(env, "lr_fingerprint", None)
    env.lr_fingerprint = current
    if previous is None or previous == current:
        return []
    logger.info("[livingreview] the data or package changed: every page is re-read and re-executed")
    return sorted(set(env.found_docs) - set(added) - set(changed) - set(removed))


def add_page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        # The search page too: its search scripts are deferred after these (_templates/search.html).
        scripts[:] = [upstream.deferred(script) for script in scripts if upstream.page_needs(script, body)]
    styles = context.get("css_files")
    if isinstance(styles, list):
        styles[:] = [style for style in styles if upstream.page_needs(style, body)]
    if "body" in context:
        body = context["body"] = upstream.patch_docutils_html(body)
    write_table_data(app, pagename, body)
    for marker, (scripts, styles) in _page_assets().items():
        if marker in body:
            for script in scripts:
                app.add_js_file(f"{STATIC_SUBDIR}/{script}", loading_method="defer")
            for style in styles:
                app.add_css_file(f"{STATIC_SUBDIR}/{style}")


def write_table_data(app: Sphinx, pagename: str, body: str) -> None:
    """Beside a page with the study table, the files it loads and links to: every row as a data
    file and the whole table as CSV (html_table.write_table_data). Written with the page, so a
    no-change rebuild, which writes no page, does not redo them."""
    from ..data.studies import load_studies
    from . import studies_page as html_table

    if html_table.TABLE_MARKER in body and app.builder.format == "html":
        html_table.write_table_data(load_studies(), (Path(app.outdir) / pagename).parent)


def stable_notebook_ids(outdir: Path) -> None:
    """The downloadable notebooks get random cell ids from each conversion; number them instead
    so that two builds of the same commit give the same files."""
    import nbformat

    for path in sorted((outdir / "_sources").rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{index}"
        nbformat.write(notebook, path)


def copy_assets(app: Sphinx) -> None:
    """Before any page is written, so that Sphinx's ?v= checksums describe these very files."""
    if app.builder.format != "html":
        return
    shutil.copytree(ASSETS_DIR, Path(app.outdir) / "_static" / STATIC_SUBDIR, dirs_exist_ok=True)


def write_feed(outdir: Path) -> None:
    """feed.xml at the site's root: every page's head names it (_templates/layout.html)."""
    from ..data.paths import FEED_NAME
    from ..data.studies import load_studies
    from ..update.feed import feed_xml
    from ..update.versions import load_releases

    (outdir / FEED_NAME).write_bytes(feed_xml(load_studies(), load_releases()))


def write_root_redirect(app: Sphinx) -> None:
    """The root index.html that sends readers to the book's first page: a whole HTML page (doctype,
    language, title, a link for browsers that do not follow the refresh), written over the bare
    <meta> line sphinx-external-toc leaves there (upstream.ROOT_REDIRECT_WRITER)."""
    root = str(app.config.root_doc)
    if root == "index":
        return  # the first page is the root index itself
    target = esc(f"{root}.html")
    title = esc(str(app.config.html_title or app.config.project or "Home"))
    (Path(app.outdir) / "index.html").write_text(
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f'<link rel="canonical" href="{target}">\n'
        f'</head>\n<body>\n<p><a href="{target}">{title}</a></p>\n</body>\n</html>\n',
        encoding="utf-8",
    )


def finish_build(app: Sphinx, exception) -> None:
    if exception is None and app.builder.format == "html":
        stable_notebook_ids(Path(app.outdir))
        write_feed(Path(app.outdir))
        write_root_redirect(app)


# --- The page head (livingreview.book.page_head) -------------------------------------------------

#: Stylesheets pages linked in earlier builds (an incremental build writes only some pages).
PAGE_STYLES_RECORD = "livingreview-page-styles.json"


def start_page_head(app: Sphinx) -> None:
    """Every page rendered from now on has its Font Awesome tags drawn as inline SVG."""
    from . import page_head

    if app.builder.format != "html":
        return
    state = build_state(app)
    icons = state.icons = page_head.theme_icons(upstream.distribution_path(*upstream.FONT_AWESOME_SCRIPT).read_text())
    render = app.builder.templates.render

    def render_with_icons(template: str, context: dict) -> str:
        return page_head.inline_icons(render(template, context), icons)

    app.builder.templates.render = render_with_icons
    state.page_styles = {}
    versions = [importlib.metadata.version(d) for d in ("pydata-sphinx-theme", "sphinx-book-theme", "myst-nb")]
    assets = [path.read_bytes().decode() for path in sorted(ASSETS_DIR.glob("*.css"))]
    state.page_css = f"{page_head.PAGE_CSS}?v={page_head.version_tag(state.fingerprint, *versions, *assets)}"


def page_head_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Runs after add_page_assets: the page's stylesheets are noted for page.css (layout.html
    links that alone), and documentation_options.js becomes an inline script."""
    state = build_state(app)
    if state.page_styles is None:
        return
    for style in context.get("css_files") or []:
        name = str(getattr(style, "filename", style) or "")
        if name.startswith("_static/") and "://" not in name:
            state.page_styles.setdefault(name.removeprefix("_static/"), getattr(style, "priority", 500))
    context["lr_page_css"] = state.page_css
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        for index, script in enumerate(scripts):
            if str(getattr(script, "filename", "")).split("?")[0].endswith(upstream.DOCUMENTATION_OPTIONS_JS):
                scripts[index] = upstream.inline_script(script, documentation_options(app))


def documentation_options(app: Sphinx) -> str:
    """Sphinx's documentation_options.js, rendered as Sphinx renders it (builder's global context)."""
    state = build_state(app)
    if state.documentation_options is None:
        builder = app.builder
        assert isinstance(builder, StandaloneHTMLBuilder)  # called from html-page-context only
        source = upstream.distribution_path(*upstream.SPHINX_DOCUMENTATION_OPTIONS).read_text(encoding="utf-8")
        state.documentation_options = builder.templates.render_string(source, builder.globalcontext).strip()
    return state.documentation_options


def finish_page_head(app: Sphinx, exception) -> None:
    """page.css from every stylesheet pages link (this build's and earlier builds'), pruned to
    what the site uses; Font Awesome's files, which no page loads, leave the site."""
    import json

    from . import page_head

    state = build_state(app)
    if exception is not None or state.page_styles is None:
        return
    outdir = Path(app.outdir)
    record = Path(app.doctreedir) / PAGE_STYLES_RECORD
    styles = json.loads(record.read_text()) if record.is_file() else {}
    styles.update(state.page_styles)
    styles = {name: priority for name, priority in styles.items() if (outdir / "_static" / name).is_file()}
    record.write_text(json.dumps(styles, indent=1))
    ordered = [*upstream.THEME_PRE_STYLESHEETS, *sorted(styles, key=lambda name: styles[name])]
    credit = upstream.font_awesome_credit(upstream.distribution_path(*upstream.FONT_AWESOME_LICENSE).read_text())
    page_head.write_page_stylesheet(outdir, dict.fromkeys(ordered), credit, state.icons)
    for name in upstream.FONT_AWESOME_OUTPUT:
        path = outdir / "_static" / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        if path.parent.is_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()  # _static/vendor/, left empty


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", check_data)
    app.connect("env-get-outdated", outdate_on_data_change)
    app.connect("html-page-context", add_page_assets)
    app.connect("builder-inited", copy_assets)
    app.connect("builder-inited", start_page_head)
    app.connect("html-page-context", page_head_context, priority=upstream.AFTER_DEFAULT_PRIORITY)
    app.connect("build-finished", finish_page_head, priority=upstream.AFTER_DEFAULT_PRIORITY)
    # After sphinx-external-toc's own build-finished handler (priority 500), which writes a bare
    # redirect when there is none: ours replaces it on every build.
    app.connect("build-finished", finish_build, priority=upstream.AFTER_DEFAULT_PRIORITY)
    citations.setup(app)
    app.add_css_file(f"{STATIC_SUBDIR}/book.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
