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
- the environment the notebook runner gives each kernel (livingreview.data.validation.VALIDATED_ENV
  relies on kernels inheriting it; tests/test_upstream.py checks they do);
- Sphinx's site search reading ?q= (why the table's search key is not q);
- Voilà's QUERY_STRING, plotly's mime type and plotly.js bundle, the theme templates we override;
- sphinxcontrib-bibtex's bibliography entry ids and pybtex's formatting styles (the {study} role).
- the page Voilà serves the explorer in: its template's CDN links, the JupyterLab extensions it
  loads, the widget versions its widget manager bundles.
"""

from __future__ import annotations

import os
import re

# --------------------------------------------------------------------------------------------
# Sphinx, the theme and its extensions: which assets a page needs (livingreview.book.sphinxext)

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

#: Sphinx's search page calls doctools' _ready from searchtools.js: _templates/search.html defers
#: searchtools.js, language_data.js and searchindex.js after these, in document order.
SEARCH_SCRIPTS = ("_static/searchtools.js", "_static/language_data.js", "searchindex.js")


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


def inline_script(script, body: str):
    """A script of the same kind and priority as `script`, written into the page with `body` as
    its text instead of loading a file (Sphinx writes an asset with no file name and a body so)."""
    return type(script)(None, body=body, priority=script.priority)


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
# Query strings: Sphinx's site search and Voilà

#: Sphinx's searchtools.js, on every page, runs a site search for ?q=; the study table's own
#: search parameter must be another word (livingreview.data.filters.TEXT_KEY).
SPHINX_SEARCH_PARAM = "q"
#: Voilà hands the page's query string to the kernel in this environment variable.
VOILA_QUERY_ENV = "QUERY_STRING"


def voila_query_string() -> str:
    """The query string of the Voilà page this kernel serves ('' outside Voilà)."""
    return os.environ.get(VOILA_QUERY_ENV, "")


# --------------------------------------------------------------------------------------------
# Voilà: the page the explorer is served in (voila.json, share/jupyter/voila/templates/livingreview)

#: Voilà's lab template, relative to <environment>/share/jupyter; the explorer's template extends it.
VOILA_LAB_TEMPLATE = ("voila", "voila/templates/lab/index.html.j2")
#: The stylesheets Voilà's lab template links from a CDN (Font Awesome), which the explorer's
#: template cuts from the page: Voilà's own voila-style.js, included by the same template block,
#: bundles Font Awesome and Voilà serves its fonts. Each line must match Voilà's template exactly.
VOILA_REMOTE_LINKS = (
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/all.min.css"'
    ' type="text/css" />',
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/v4-shims.min.css"'
    ' type="text/css" />',
)
#: The JupyterLab extensions the explorer's page loads, the only ones voila.json allows
#: (VoilaConfiguration.extension_allowlist): extension -> (distribution, why the page needs it).
#: Any other extension installed beside Voilà stays out of the page: jupytext's (it needs
#: JupyterLab's document manager), jupyterlab_pygments', and the three Binder's base environment
#: adds (jupyter-offlinenotebook, @jupyter-notebook/lab-extension, @jupyter-server/resource-usage),
#: which in Voilà's page log webpack's "Unsatisfied version" warnings, "Failed to create module" and
#: "Shared module @jupyterlab/statusbar doesn't exist" (tests/test_explorer.py, Binder as it runs).
VOILA_EXTENSIONS_LOADED: dict[str, tuple[str, str]] = {
    "@jupyter-widgets/jupyterlab-manager": ("jupyterlab_widgets", "the widgets' views (the app is ipywidgets)"),
    "@voila-dashboards/widgets-manager8": ("voila", "Voilà's widget manager for ipywidgets 8"),
    "jupyterlab-plotly": ("plotly", "draws the charts (the plotly mime type, PLOTLY_MIME)"),
}
#: Options of Voilà's page (its page config) that name the MathJax it loads. Standalone `voila`
#: sets them to null, and the page typesets with the MathJax it bundles; Jupyter server's Voilà
#: extension (as Binder serves the explorer) leaves them unset and the page then loads MathJax 2
#: from cdnjs (VOILA_MATHJAX_CDN). The explorer's template sets both to null in every mode.
VOILA_MATHJAX_OPTIONS = ("fullMathjaxUrl", "mathjaxConfig")
#: How Voilà's lab template links the page's script, in its last lines (block body_footer, macro
#: voila_setup_labextensions). The explorer's template cuts this line there and links the script
#: `async` right after the page config (block body_loop), so the browser loads it while the
#: notebook runs: the count shows about 0.7 s sooner (README, Performance).
VOILA_PAGE_SCRIPT_TAG = """<script src="{{ page_config['fullStaticUrl'] | e }}/{{ main_js }}"></script>"""
#: The lines of Voilà's lab template's body_loop that the explorer's template repeats in its own
#: (with the script above added after the config): start the kernel, write the page config with
#: its id, stream the cells as they run.
VOILA_BODY_LOOP_LINES = (
    "{% set page_config_full = page_config.copy() %}",
    "{%- with kernel_id = kernel_start(nb) -%}",
    "{% set _ = page_config_full.update(baseUrl=resources.base_url, kernelId=kernel_id) %}",
    '<script id="jupyter-config-data" type="application/json">',
    "{{ page_config_full | tojson }}",
    "{% set cell_count = nb.cells|length %}",
    "{%- for cell in cell_generator(nb, kernel_id) -%}",
    "{% set cellloop = loop %}",
    "{%- block any_cell scoped -%}",
)
VOILA_MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"
#: Voilà's own widget manager and the JupyterLab widget manager it bundles, with the version it
#: was built with: requirements.txt pins jupyterlab_widgets (and ipywidgets) to that version, so
#: the page runs the widget code Voilà was built and tested with.
VOILA_WIDGETS = ("voila", "@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager")
#: Voilà's page script (relative to <environment>/share/jupyter): it provides JupyterLab's packages,
#: at the versions it was built with, to the JupyterLab extensions the page loads (webpack module
#: federation). An extension built for newer ones makes webpack log "Unsatisfied version"
#: warnings in the browser console: Voilà 0.5.9 to 0.5.13 ship their own widget manager so
#: (voila-dashboards/voila#1514), which is why requirements.txt pins Voilà 0.5.8.
VOILA_PAGE_SCRIPT = ("voila", "voila/templates/base/static/voila.js")


# --------------------------------------------------------------------------------------------
# plotly: how the explorer's charts reach the page, and the plotly.js the book serves

#: The mime type JupyterLab's and Voilà's plotly renderer draws (plotly.py's "plotly_mimetype").
PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: The class of the element JupyterLab's plotly renderer (jupyterlab-plotly, in plotly) draws a
#: chart into, in Voilà's page too. It has no height of its own, and a responsive chart takes
#: the height of its box, so the explorer gives this box the figure's height.
PLOTLY_RENDERER_CLASS = "jp-RenderedPlotly"
#: plotly.js, relative to livingreview/assets/ (figures.js fetches it from the same place): a
#: partial bundle of the version plotly.py writes figures for, holding only the trace types the
#: book's figures use, built from the plotly.js npm package by plotly-bundle/ (see its README).
PLOTLY_JS = "vendor/plotly-partial.min.js"


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
    # (its block css, which our layout.html replaces: see THEME_PRE_STYLESHEETS below)
    ("pydata-sphinx-theme", "pydata_sphinx_theme/theme/pydata_sphinx_theme/layout.html", "block css"),
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
# sphinxcontrib-bibtex and pybtex: the References page's bibliography, and links into it
# (livingreview.book.citations: the {study} role links a cited study's year to its verified record)

#: sphinxcontrib-bibtex gives each bibliography entry the element id that docutils' make_id makes
#: of this template (its config value `bibtex_cite_id`; fields {key} and {bibliography_count}).
BIBTEX_CITE_ID = ("sphinxcontrib-bibtex", "bibtex_cite_id", "bib-{key}")
#: pybtex's plugin group of formatting styles (sphinxcontrib-bibtex's bibtex_default_style names one).
PYBTEX_STYLES = "pybtex.style.formatting"


def set_bibtex_record_ids(config) -> None:
    """Give the bibliography's entries the ids bibtex_record_id() predicts (at config-inited)."""
    _distribution, name, template = BIBTEX_CITE_ID
    setattr(config, name, template)


def bibtex_record_id(key: str) -> str:
    """The element id of the verified record `key` in the bibliography: 'bib-aydin2024'."""
    from docutils.nodes import make_id

    return make_id(BIBTEX_CITE_ID[2].format(key=key, bibliography_count=1))


def record_style():
    """pybtex's 'plain' style, except that a title keeps the capitals of its record ('plain'
    lower-cases every word after the first unless the record braces it: 'circle of willis').
    Overrides format_title(e, which_field, as_sentence), a method of pybtex's unsrt style."""
    from pybtex.style.formatting.plain import Style as Plain
    from pybtex.style.template import field, sentence

    class RecordStyle(Plain):
        def format_title(self, e, which_field, as_sentence=True):
            title = field(which_field)
            return sentence[title] if as_sentence else title

    return RecordStyle


def register_record_style(name: str) -> None:
    """Make record_style() available to sphinxcontrib-bibtex as bibtex_default_style `name`."""
    from pybtex.plugin import register_plugin

    register_plugin(PYBTEX_STYLES, name, record_style(), force=True)


def record_texts(bibfile, keys, style: str) -> dict[str, str]:
    """The records `keys` of a BibTeX file as plain text, formatted by the pybtex style `style`
    (registered first with register_record_style), as the bibliography shows them."""
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    entries = parse_file(str(bibfile)).entries
    formatter = find_plugin(PYBTEX_STYLES, style)()
    return {key: formatter.format_entry(key, entries[key]).text.render_as("text") for key in keys}


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
#: livingreview.book.sphinxext writes a valid page there after it, at a later priority.
ROOT_REDIRECT_WRITER = ("sphinx-external-toc", "sphinx_external_toc/events.py", "def ensure_index_file")
#: Sphinx runs event handlers by priority, lowest first; 500 is the default.
AFTER_DEFAULT_PRIORITY = 800


# --------------------------------------------------------------------------------------------
# The page head (livingreview.book.page_head): the theme's stylesheets combined into one, Font
# Awesome's icons drawn inline, Sphinx's documentation options inlined

#: The stylesheets pydata-sphinx-theme links before Sphinx's own (its webpack-macros.html,
#: macro head_pre_assets), relative to _static/; theme.css @imports Sphinx's basic.css.
THEME_PRE_STYLESHEETS = ("styles/theme.css", "styles/pydata-sphinx-theme.css")
THEME_WEBPACK_MACROS = (
    "pydata-sphinx-theme",
    "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/webpack-macros.html",
)
#: Font Awesome Free's all-in-one script, as the theme ships it: its icons' path data is read
#: from it at build time (nothing fetched), and it is no longer copied to the site.
FONT_AWESOME_SCRIPT = (
    "pydata-sphinx-theme",
    "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/scripts/fontawesome.js",
)
#: What the theme copies of Font Awesome into _static/ (script, licence, source map, web fonts),
#: removed from the built site: no page loads it any more.
FONT_AWESOME_OUTPUT = (
    "scripts/fontawesome.js",
    "scripts/fontawesome.js.LICENSE.txt",
    "scripts/fontawesome.js.map",
    "vendor/fontawesome",
)
#: In that (minified) script each icon pack is an object literal `var p={name:[width,height,
#: [aliases],"unicode","path data"],...}`, registered a little later by `d("fab",p)`.
FONT_AWESOME_PACK = re.compile(
    r"var (?P<var>[\w$]+)=\{(?P<icons>[^{}]*)\}.{0,800}?\(\"(?P<style>fa[a-z]+)\",(?P=var)\)", re.S
)
FONT_AWESOME_ICON = re.compile(
    r'(?:"(?P<quoted>[^"]+)"|(?P<bare>[\w$]+)):\[(?P<width>\d+),(?P<height>\d+),\[(?P<aliases>[^\]]*)\],'
    r'"(?P<code>[^"]*)",(?P<path>"[^"]*"|\[[^\]]*\])\]'
)
#: Font Awesome's style classes -> the pack they select (no style class: solid).
FONT_AWESOME_STYLE_CLASSES = {
    "fa": "fas",
    "fas": "fas",
    "fa-solid": "fas",
    "far": "far",
    "fa-regular": "far",
    "fab": "fab",
    "fa-brands": "fab",
}
#: Font Awesome's modifier classes (size, width, animation): not icon names.
FONT_AWESOME_SIZE_CLASSES = frozenset(
    ["fa-2xs", "fa-xs", "fa-sm", "fa-lg", "fa-xl", "fa-2xl", "fa-fw", "fa-spin", "fa-pulse", "fa-inverse"]
    + [f"fa-{n}x" for n in range(1, 11)]
)
#: The icons the theme and sphinx-book-theme write into this book's pages (header buttons,
#: search, theme switch, sidebars, previous/next): each must be found in Font Awesome's script.
THEME_ICONS = (
    ("fab", "github"),
    ("fas", "magnifying-glass"),
    ("fas", "sun"),
    ("fas", "moon"),
    ("fas", "circle-half-stroke"),
    ("fas", "angle-left"),
    ("fas", "angle-right"),
    ("fas", "arrow-up"),
    ("fas", "list"),
    ("fas", "bars"),
    ("fas", "outdent"),
    ("fas", "code"),
    ("fas", "download"),
    ("fas", "expand"),
    ("fas", "file"),
    ("fas", "file-pdf"),
    ("fas", "lightbulb"),
    ("fas", "pencil-alt"),
    ("fas", "rocket"),
)
#: Classes Bootstrap (the theme's bootstrap.js) builds from parts at run time, so no script
#: holds them as one word: the stylesheet keeps their rules (tooltips' placement).
CLASSES_BUILT_BY_SCRIPTS = ("bs-tooltip-auto", "bs-popover-auto")
#: Sphinx renders every page through builder.templates.render(template, context) (its
#: StandaloneHTMLBuilder.handle_page); the extension wraps it to draw the icons inline.
SPHINX_PAGE_RENDER = ("sphinx", "sphinx/builders/html/__init__.py", "output = self.templates.render(templatename, ctx)")
#: Sphinx's documentation options script (a template rendered with the builder's global
#: context): every page gets its text inline instead of a parser-blocking request, because the
#: theme's inline scripts (DOCUMENTATION_OPTIONS.pagename = ...) need it defined at parse time.
SPHINX_DOCUMENTATION_OPTIONS = ("sphinx", "sphinx/themes/basic/static/documentation_options.js.jinja")
DOCUMENTATION_OPTIONS_JS = "documentation_options.js"


def distribution_path(distribution: str, relative: str):
    """A file of an installed distribution (Path)."""
    import importlib.metadata
    from pathlib import Path

    return Path(str(importlib.metadata.distribution(distribution).locate_file(relative)))


#: Font Awesome's licence comment, beside the script: its version and "Icons: CC BY 4.0".
FONT_AWESOME_LICENSE = (
    "pydata-sphinx-theme",
    "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/scripts/fontawesome.js.LICENSE.txt",
)


def font_awesome_credit(licence: str) -> str:
    """Font Awesome's own licence comment (FONT_AWESOME_LICENSE's text) as one line."""
    match = re.search(r"/\*!(.*?)\*/", licence, re.S)
    return " ".join(line.strip(" *") for line in (match[1] if match else "").splitlines() if line.strip(" *"))
