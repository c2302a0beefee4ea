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
  writes the Atom feed (feed.xml, livingreview.feed) and the site's root index.html, the redirect
  to the first page, as a valid HTML page.
- the {study} role, and the bibliography's style and entry ids (livingreview.citations).

What it assumes about Sphinx, the theme and docutils lives in livingreview.upstream.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from . import citations, upstream
from .paths import ASSETS_DIR, PACKAGE_DIR, STATIC_SUBDIR, data_files, studies_path

logger = logging.getLogger(__name__)

#: Marker class in a page's HTML -> (scripts, stylesheets) that page needs, relative to _static/lr/.
FIGURE_MARKER = 'class="lr-figure"'  # the drawing holder only, not "lr-figure-box" wrappers


def _page_assets() -> dict[str, tuple[list[str], list[str]]]:
    from . import html_table

    # figures.js fetches plotly.js (assets/vendor/) itself, when the first figure nears the viewport.
    return {
        FIGURE_MARKER: (["figures.js"], []),
        html_table.TABLE_MARKER: (list(html_table.TABLE_JS), list(html_table.TABLE_CSS)),
    }


def build_inputs_fingerprint() -> str:
    """What the pages' outputs depend on besides their own text: data, vocabulary, package code."""
    digest = hashlib.sha256()
    digest.update(str(studies_path().resolve()).encode())
    inputs = data_files() + sorted(PACKAGE_DIR.rglob("*.py"))
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def check_data(app: Sphinx, config) -> None:
    from .cited import load_cited
    from .paths import Repository
    from .protocol import ProtocolError, load_protocol
    from .screening import load_cycle
    from .studies import data_fingerprint, load_studies
    from .validation import DataFileError, InvalidStudiesError
    from .versions import ReleasesError, load_releases

    app.lr_fingerprint = build_inputs_fingerprint()
    # A table already validated by this same code (a no-change rebuild) is not checked again.
    marker = Path(app.doctreedir) / "livingreview-validated"
    if not (marker.is_file() and marker.read_text() == app.lr_fingerprint):
        try:
            frame = load_studies()
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
        marker.write_text(app.lr_fingerprint)
    # The kernels that execute the pages inherit this and skip re-validating the same bytes.
    upstream.mark_validated(data_fingerprint())


def outdate_on_data_change(app: Sphinx, env, added, changed, removed) -> list[str]:
    previous = getattr(env, "lr_fingerprint", None)
    env.lr_fingerprint = app.lr_fingerprint
    if previous is None or previous == app.lr_fingerprint:
        return []
    logger.info("[livingreview] the data or package changed: every page is re-read and re-executed")
    return sorted(set(env.found_docs) - set(added) - set(changed) - set(removed))


def add_page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        defer = upstream.deferred if pagename != upstream.SEARCH_PAGE else (lambda script: script)
        scripts[:] = [defer(script) for script in scripts if upstream.page_needs(script, body)]
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
    from . import html_table
    from .studies import load_studies

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
    from .feed import feed_xml
    from .paths import FEED_NAME
    from .studies import load_studies
    from .versions import load_releases

    (outdir / FEED_NAME).write_bytes(feed_xml(load_studies(), load_releases()))


def write_root_redirect(app: Sphinx) -> None:
    """The root index.html that sends readers to the book's first page: a whole HTML page (doctype,
    language, title, a link for browsers that do not follow the refresh), written over the bare
    <meta> line sphinx-external-toc leaves there (upstream.ROOT_REDIRECT_WRITER)."""
    root = str(app.config.root_doc)
    if root == "index":
        return  # the first page is the root index itself
    target = html.escape(f"{root}.html")
    title = html.escape(str(app.config.html_title or app.config.project or "Home"))
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


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", check_data)
    app.connect("env-get-outdated", outdate_on_data_change)
    app.connect("html-page-context", add_page_assets)
    app.connect("builder-inited", copy_assets)
    # After sphinx-external-toc's own build-finished handler (priority 500), which writes a bare
    # redirect when there is none: ours replaces it on every build.
    app.connect("build-finished", finish_build, priority=upstream.AFTER_DEFAULT_PRIORITY)
    citations.setup(app)
    app.add_css_file(f"{STATIC_SUBDIR}/book.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
