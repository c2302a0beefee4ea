"""Sphinx extension that keeps the book in step with the data and fully offline.

- config-inited: validate the study table; invalid data stops the build with the validator's
  own lines (PATH:LINE: column ...), never a notebook traceback.
- env-get-outdated: when the table, the vocabulary or this package changed since the last build,
  every page is re-read (and so re-executed: execute_notebooks is 'force'); with no change,
  nothing is re-read, so a no-change rebuild stays fast.
- html-page-context: scripts and styles are added only to the pages that use them (plotly.js
  only where a figure is drawn), all served from the book's own _static/lr/.
- builder-inited: copies those assets (livingreview/assets/, plotly.js included).
- build-finished: numbers the downloadable notebooks' cell ids, so builds are reproducible.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from .paths import DATA_DIR, studies_path

logger = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR / "assets"
STATIC_SUBDIR = "lr"  # everything of ours lands in _build/html/_static/lr/

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
    table = studies_path()
    digest.update(str(table.resolve()).encode())
    inputs = [table, DATA_DIR / "vocabulary.yml", DATA_DIR / "datapackage.json"]
    inputs += sorted(p for p in [*DATA_DIR.glob("*.yml"), *DATA_DIR.glob("*.csv")] if p not in inputs)
    inputs += sorted(PACKAGE_DIR.rglob("*.py"))
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def check_data(app: Sphinx, config) -> None:
    import os

    from .cited import load_cited
    from .studies import VALIDATED_ENV, data_fingerprint, load_studies
    from .validation import DataFileError, InvalidStudiesError

    app.lr_fingerprint = build_inputs_fingerprint()
    # A table already validated by this same code (a no-change rebuild) is not checked again.
    marker = Path(app.doctreedir) / "livingreview-validated"
    if not (marker.is_file() and marker.read_text() == app.lr_fingerprint):
        try:
            frame = load_studies()
            load_cited(studies=frame)  # data/cited.csv, the References page's cited-only studies
        except (DataFileError, InvalidStudiesError) as exc:
            # The validator's own lines, then a plain exit: Jupyter Book prints a traceback for
            # any Sphinx error (ConfigError included), which would bury them for a contributor.
            print(f"The study table is not valid; fix these and build again:\n{exc}", file=sys.stderr)
            raise SystemExit(2) from None
        logger.info(f"[livingreview] {len(frame)} studies from {studies_path()}")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(app.lr_fingerprint)
    # The kernels that execute the pages inherit this and skip re-validating the same bytes.
    os.environ[VALIDATED_ENV] = data_fingerprint()


def outdate_on_data_change(app: Sphinx, env, added, changed, removed) -> list[str]:
    previous = getattr(env, "lr_fingerprint", None)
    env.lr_fingerprint = app.lr_fingerprint
    if previous is None or previous == app.lr_fingerprint:
        return []
    logger.info("[livingreview] the data or package changed: every page is re-read and re-executed")
    return sorted(set(env.found_docs) - set(added) - set(changed) - set(removed))


#: Assets Jupyter Book adds to every page, kept only on pages whose body uses them (each is a
#: render-blocking request; on a phone over a slow link every one of them delays the text).
#: name fragment -> marker in the page body that needs it (None: never needed here).
OPTIONAL_ASSETS = {
    "thebe": None,  # no live code cells (and sphinx-thebe declares its config twice: a console error)
    "togglebutton": 'class="toggle',
    "toggleHint": 'class="toggle',
    "togglebuttonSelector": 'class="toggle',
    "toggleOpenOnPrint": 'class="toggle',
    "design-tabs": 'class="sd-',
    "sphinx-design": 'class="sd-',
    "clipboard.min.js": 'class="highlight',
    "copybutton": 'class="highlight',
}
#: Theme scripts with no inline script depending on them at parse time: safe to defer.
DEFERRABLE = (
    "doctools.js",
    "sphinx_highlight.js",
    "clipboard.min.js",
    "copybutton.js",
    "sphinx-book-theme.js",
    "togglebutton.js",
    "design-tabs.js",
)


def _asset_text(asset) -> str:
    name = str(getattr(asset, "filename", asset) or "")
    return name + " " + str(getattr(asset, "attributes", {}).get("body", ""))


def _needed(asset, body: str) -> bool:
    text = _asset_text(asset)
    for fragment, marker in OPTIONAL_ASSETS.items():
        if fragment in text:
            return marker is not None and marker in body
    return True


def _deferred(script):
    name = str(getattr(script, "filename", "") or "")
    if not name.split("?")[0].endswith(DEFERRABLE) or "defer" in script.attributes or "async" in script.attributes:
        return script
    return type(script)(script.filename, priority=script.priority, **{**script.attributes, "defer": "defer"})


def add_page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        # search.html runs searchtools.js at parse time, which needs doctools' _ready: no defer there.
        defer = _deferred if pagename != "search" else (lambda script: script)
        scripts[:] = [defer(script) for script in scripts if _needed(script, body)]
    styles = context.get("css_files")
    if isinstance(styles, list):
        styles[:] = [style for style in styles if _needed(style, body)]
    if 'role="list" class="citation-list"' in body:
        # docutils gives the bibliography role=list but its entries role=doc-biblioentry, which
        # assistive technology reads as a broken list (axe: aria-required-children).
        body = context["body"] = body.replace('<div role="list" class="citation-list">', '<div class="citation-list">')
    for marker, (scripts, styles) in _page_assets().items():
        if marker in body:
            for script in scripts:
                app.add_js_file(f"{STATIC_SUBDIR}/{script}", loading_method="defer")
            for style in styles:
                app.add_css_file(f"{STATIC_SUBDIR}/{style}")


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


def finish_build(app: Sphinx, exception) -> None:
    if exception is None and app.builder.format == "html":
        stable_notebook_ids(Path(app.outdir))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", check_data)
    app.connect("env-get-outdated", outdate_on_data_change)
    app.connect("html-page-context", add_page_assets)
    app.connect("builder-inited", copy_assets)
    app.connect("build-finished", finish_build)
    app.add_css_file(f"{STATIC_SUBDIR}/book.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
