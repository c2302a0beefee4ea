"""Everything the package assumes about other projects' internals, in one place.

Each entry names the distribution whose behaviour it relies on. None of these is a public,
documented API, so an upgrade can break them without an error: a filtered asset would come back,
a patch would stop matching, a glued number would vanish. tests/test_upstream.py checks every
entry against the installed packages and, when one no longer holds, fails naming the package,
its version and the entry here to revisit.

- the theme's and its extensions' asset file names (pages keep only the assets they use);
- how Sphinx hands assets to templates (script_files / css_files objects);
- docutils' bibliography markup, patched for accessibility;
- myst-nb's glue format (the kernel glues values without importing myst-nb);
- the environment the notebook runner gives each kernel (VALIDATED_ENV);
- Sphinx's site search reading ?q= (why the table's search key is not q);
- Voilà's QUERY_STRING, plotly's mime type and plotly.js bundle, the theme templates we override.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# --------------------------------------------------------------------------------------------
# Sphinx, the theme and its extensions: which assets a page needs (livingreview.sphinxext)

#: Assets Jupyter Book adds to every page, kept only on pages whose body uses them (each is a
#: render-blocking request; on a phone over a slow link every one of them delays the text).
#: name fragment (of a file name or an inline script) -> (distribution that adds it, marker in
#: the page body that needs it; None: never needed in this book).
OPTIONAL_ASSETS: dict[str, tuple[str, str | None]] = {
    # No live code cells (and sphinx-thebe declares its config twice: a console error).
    "thebe": ("sphinx-thebe", None),
    "togglebutton": ("sphinx-togglebutton", 'class="toggle'),
    "toggleHint": ("sphinx-togglebutton", 'class="toggle'),
    "togglebuttonSelector": ("sphinx-togglebutton", 'class="toggle'),
    "toggleOpenOnPrint": ("sphinx-togglebutton", 'class="toggle'),
    "design-tabs": ("sphinx-design", 'class="sd-'),
    "sphinx-design": ("sphinx-design", 'class="sd-'),
    "clipboard.min.js": ("sphinx-copybutton", 'class="highlight'),
    "copybutton": ("sphinx-copybutton", 'class="highlight'),
}

#: Theme scripts with no inline script depending on them at parse time: safe to defer.
#: file name -> distribution that ships it.
DEFERRABLE: dict[str, str] = {
    "doctools.js": "sphinx",
    "sphinx_highlight.js": "sphinx",
    "clipboard.min.js": "sphinx-copybutton",
    "copybutton.js": "sphinx-copybutton",
    "sphinx-book-theme.js": "sphinx-book-theme",
    "togglebutton.js": "sphinx-togglebutton",
    "design-tabs.js": "sphinx-design",
}

#: Sphinx's own search page runs searchtools.js at parse time, which needs doctools' _ready.
SEARCH_PAGE = "search"


def _asset_text(asset) -> str:
    # Sphinx (7.x) gives templates _JavaScript / _CascadingStyleSheet objects with .filename and
    # .attributes (an inline script's text is attributes['body']); older themes pass plain strings.
    name = str(getattr(asset, "filename", asset) or "")
    return name + " " + str(getattr(asset, "attributes", {}).get("body", ""))


def page_needs(asset, body: str) -> bool:
    """Whether a page whose HTML body is `body` needs this script or stylesheet of the theme."""
    text = _asset_text(asset)
    for fragment, (_distribution, marker) in OPTIONAL_ASSETS.items():
        if fragment in text:
            return marker is not None and marker in body
    return True


def deferred(script):
    """The script with `defer`, if it is one of DEFERRABLE and neither deferred nor async yet."""
    name = str(getattr(script, "filename", "") or "")
    if (
        not name.split("?")[0].endswith(tuple(DEFERRABLE))
        or "defer" in script.attributes
        or "async" in script.attributes
    ):
        return script
    # Sphinx's asset objects are immutable: build the same one again, with defer added.
    return type(script)(script.filename, priority=script.priority, **{**script.attributes, "defer": "defer"})


# --------------------------------------------------------------------------------------------
# docutils: HTML markup patched after it is written

#: docutils gives the bibliography role=list but its entries role=doc-biblioentry, which
#: assistive technology reads as a broken list (axe: aria-required-children).
DOCUTILS_CITATION_LIST = '<div role="list" class="citation-list">'
CITATION_LIST_FIXED = '<div class="citation-list">'


def patch_docutils_html(body: str) -> str:
    """The page body with docutils' markup fixed where it fails accessibility checks."""
    return body.replace(DOCUTILS_CITATION_LIST, CITATION_LIST_FIXED)


# --------------------------------------------------------------------------------------------
# myst-nb: the glue format ({glue:text}`name` in the prose reads what a code cell glued)

#: myst-nb's glue records (papermill/scrapbook format): the kernel side of `myst_nb.glue`.
GLUE_PREFIX = "application/papermill.record/"


def glue_output(name: str, value: object, formatter) -> tuple[dict, dict]:
    """(data, metadata) of the display output `myst_nb.glue(name, value, display=False)` makes;
    `formatter` is IPython's display formatter (get_ipython().display_formatter in a kernel)."""
    bundle, metadata = formatter.format(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    return {GLUE_PREFIX + mime: data for mime, data in bundle.items()}, metadata


def glue(name: str, value: object) -> None:
    """What `myst_nb.glue(name, value, display=False)` does, without importing myst_nb in the
    kernel: that import pulls in nbformat and jsonschema, over a second per page executed."""
    from IPython import get_ipython
    from IPython.display import display

    data, metadata = glue_output(name, value, get_ipython().display_formatter)
    display(data, raw=True, metadata=metadata)


# --------------------------------------------------------------------------------------------
# The notebook runner (myst-nb -> nbclient -> jupyter-client): kernels inherit the environment

#: The book build (livingreview.sphinxext) validates the table once and puts its SHA-256 here;
#: every page's kernel inherits the build's environment and parses that same file without
#: validating it again (the checks and their imports cost seconds per kernel, and far more at
#: 10,000 studies). Should kernels stop inheriting it, pages are still right, only slower.
VALIDATED_ENV = "LIVINGREVIEW_VALIDATED_SHA256"


def mark_validated(digest: str, environ: Mapping[str, str] | None = None) -> None:
    """Tell the kernels the build starts from now on that the table with this SHA-256 is valid."""
    (os.environ if environ is None else environ)[VALIDATED_ENV] = digest


def is_validated(digest: str) -> bool:
    """Whether the build that started this kernel validated the table with this SHA-256."""
    return os.environ.get(VALIDATED_ENV) == digest


# --------------------------------------------------------------------------------------------
# Query strings: Sphinx's site search and Voilà

#: Sphinx's searchtools.js, on every page, runs a site search for ?q=; the study table's own
#: search parameter must be another word (livingreview.filters.TEXT_KEY).
SPHINX_SEARCH_PARAM = "q"
#: Voilà hands the page's query string to the kernel in this environment variable.
VOILA_QUERY_ENV = "QUERY_STRING"


def voila_query_string() -> str:
    """The query string of the Voilà page this kernel serves ('' outside Voilà)."""
    return os.environ.get(VOILA_QUERY_ENV, "")


# --------------------------------------------------------------------------------------------
# plotly: how the explorer's charts reach the page, and the plotly.js the book serves

#: The mime type JupyterLab's and Voilà's plotly renderer draws (plotly.py's "plotly_mimetype").
PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: plotly.js, relative to livingreview/assets/ (figures.js fetches it from the same place): the
#: official cartesian bundle of the version plotly.py writes figures for.
PLOTLY_JS = "vendor/plotly-cartesian.min.js"


# --------------------------------------------------------------------------------------------
# Theme templates overridden in _templates/ (each copies part of the theme's own markup)

#: Our template -> (distribution, the theme's template it replaces, SHA-256 of that template when
#: ours was written from it). A changed hash means the theme changed what we copied: compare the
#: two, carry the change over, then record the new hash.
THEME_TEMPLATES: dict[str, tuple[str, str, str]] = {
    "layout.html": (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/layout.html",
        "fe5c35806042db60aacb114cbe8ae2a2601721ff7376f500961b2ce0fc456d3e",
    ),
    "search-button-field.html": (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/components/search-button-field.html",
        "518dda81dd8cd06ab2268f86b25c8257189f237f1b71836afececaa511f40e69",
    ),
    "theme-switcher.html": (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/components/theme-switcher.html",
        "a68d37b2ca353382855a2fb93363dd22d322c32bb9817d431cc41c01ae4929fe",
    ),
    "search-button.html": (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/components/search-button.html",
        "65a5ba03ed2da8e146d40599446340e88fbf353dbfbf5e253508a8836e4afb40",
    ),
    "search-field.html": (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/components/search-field.html",
        "aec4ce15c31302cb730a6c9fe0ab520d23eaa17f1d7f82ec4814564cf0dffda2",
    ),
    "search.html": (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/search.html",
        "098d19aa34f7874cf084d8285df89fb61c15e88b67ea98a43c989c88146ba65b",
    ),
}
#: What our layout.html takes from the theme besides its blocks: (distribution, file, text in it).
THEME_LAYOUT_NEEDS: tuple[tuple[str, str, str], ...] = (
    (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/webpack-macros.html",
        "macro head_pre_assets()",
    ),
    ("pydata-sphinx-theme", "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/scripts/fontawesome.js", ""),
    # The header bar we empty (its only item, a search button, doubled the sidebar's) ...
    ("pydata-sphinx-theme", "pydata_sphinx_theme/theme/pydata_sphinx_theme/layout.html", "block docs_navbar"),
    # ... whose element the theme's scripts measure, so it stays in the page ...
    ("pydata-sphinx-theme", "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/scripts/bootstrap.js", "bd-header"),
    (
        "pydata-sphinx-theme",
        "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/scripts/pydata-sphinx-theme.js",
        "#pst-header",
    ),
    # ... and the search dialog, which we give our own (valid) search field.
    ("pydata-sphinx-theme", "pydata_sphinx_theme/theme/pydata_sphinx_theme/layout.html", "block search_dialog"),
)


# --------------------------------------------------------------------------------------------
# The theme's dark mode and sphinx-external-toc's root redirect

#: pydata-sphinx-theme gives every HTML cell output a light box with inverted text in the dark
#: theme (for outputs written for a white page). The book's outputs follow the theme's colours,
#: so assets/book.css undoes it with this same selector (tests check the theme still has it).
THEME_DARK_OUTPUT_RULE = (
    "pydata-sphinx-theme",
    "html[data-theme=dark] .bd-content div.cell_output .text_html:not(:has(table.dataframe))",
)

#: sphinx-external-toc writes the site's root index.html at build-finished, as a bare <meta>
#: refresh line (no doctype, no title: invalid HTML), and only when there is no index.html yet.
#: livingreview.sphinxext writes a valid page there after it, at a later priority.
ROOT_REDIRECT_WRITER = ("sphinx-external-toc", "sphinx_external_toc/events.py", "def ensure_index_file")
#: Sphinx runs event handlers by priority, lowest first; 500 is the default.
AFTER_DEFAULT_PRIORITY = 800
