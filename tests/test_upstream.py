"""Other projects' internals the package relies on (livingreview/upstream.py) still hold.

None of them is a public API: an upgrade can change one without an error anywhere, and the book
would quietly get heavier, less accessible, slower or lose a glued number. Each test checks one
entry against the installed package and, when it fails, names the package, its version and the
entry of livingreview/upstream.py to revisit.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from livingreview import upstream
from livingreview.filters import TEXT_KEY
from livingreview.paths import ASSETS_DIR, ROOT

TEXT_SUFFIXES = (".py", ".js", ".css", ".html", ".js_t", ".css_t")


def installed(distribution: str) -> str:
    """'sphinx-design 0.8.0': the distribution named in failure messages."""
    return f"{distribution} {importlib.metadata.version(distribution)}"


@cache
def shipped_texts(distribution: str) -> tuple[tuple[str, str], ...]:
    """(file path, text) of every source, script, style and template file of a distribution."""
    texts = []
    for file in importlib.metadata.files(distribution) or []:
        if file.suffix in TEXT_SUFFIXES or file.name.endswith(TEXT_SUFFIXES):
            path = Path(file.locate())
            if path.is_file():
                texts.append((str(file), path.read_text(encoding="utf-8", errors="replace")))
    return tuple(texts)


def ships(distribution: str, fragment: str) -> bool:
    """Whether a file of the distribution is named with `fragment` or holds it."""
    return any(fragment in name or fragment in text for name, text in shipped_texts(distribution))


def distribution_file(distribution: str, relative: str) -> Path:
    return Path(importlib.metadata.distribution(distribution).locate_file(relative))


# --------------------------------------------------------------------------------------------
# Assets a page keeps only when it needs them, and scripts deferred


@pytest.mark.parametrize("fragment", list(upstream.OPTIONAL_ASSETS))
def test_optional_assets_are_still_what_the_extensions_add(fragment):
    distribution, _marker = upstream.OPTIONAL_ASSETS[fragment]
    assert ships(distribution, fragment), (
        f"{installed(distribution)} no longer adds anything named {fragment!r}: find the asset it adds to "
        "every page now and update OPTIONAL_ASSETS in livingreview/upstream.py"
    )


@pytest.mark.parametrize("name", list(upstream.DEFERRABLE))
def test_deferrable_scripts_still_exist(name):
    distribution = upstream.DEFERRABLE[name]
    assert ships(distribution, name.removesuffix(".js")), (
        f"{installed(distribution)} no longer ships {name}: update DEFERRABLE in livingreview/upstream.py "
        "(and check the script still runs nothing at parse time that an inline script needs)"
    )


def test_sphinx_asset_objects_are_what_page_needs_and_deferred_expect():
    from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

    message = (
        f"{installed('sphinx')} changed its asset objects: update page_needs()/deferred() in livingreview/upstream.py"
    )
    script = _JavaScript("_static/doctools.js?v=1", priority=200)
    later = upstream.deferred(script)
    assert later is not script and later.attributes.get("defer") == "defer", message
    assert (later.filename, later.priority, type(later)) == (script.filename, script.priority, _JavaScript), message
    inline = _JavaScript(None, body="let toggleHint = 'Click';")
    assert not upstream.page_needs(inline, "<p>no toggles</p>"), message
    assert upstream.page_needs(inline, '<div class="toggle">'), message
    style = _CascadingStyleSheet("_static/sphinx-design.min.css")
    assert not upstream.page_needs(style, "<p>plain</p>") and upstream.page_needs(style, '<div class="sd-card">')


# --------------------------------------------------------------------------------------------
# docutils' bibliography markup


def test_docutils_still_writes_the_citation_list_we_patch():
    from docutils.core import publish_parts

    source = "Text [CIT2024]_.\n\n.. [CIT2024] A citation.\n"
    body = publish_parts(source, writer_name="html5", settings_overrides={"report_level": 5})["body"]
    assert upstream.DOCUTILS_CITATION_LIST in body, (
        f"{installed('docutils')} writes citations differently: check whether its markup still fails "
        "axe's aria-required-children and update patch_docutils_html() in livingreview/upstream.py"
    )
    assert upstream.DOCUTILS_CITATION_LIST not in upstream.patch_docutils_html(body)


# --------------------------------------------------------------------------------------------
# myst-nb's glue format


def test_glue_output_is_read_back_by_myst_nb():
    from IPython.core.formatters import DisplayFormatter
    from myst_nb.ext import glue as myst_glue

    from livingreview.wording import GlueText

    message = f"{installed('myst-nb')} reads glued values differently: update glue() in livingreview/upstream.py"
    assert myst_glue.GLUE_PREFIX == upstream.GLUE_PREFIX, message
    data, metadata = upstream.glue_output("n_studies_text", GlueText("15 studies"), DisplayFormatter())
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data=data, metadata=metadata)])
    ((key, output),) = myst_glue.extract_glue_data_cell(cell)
    assert key == "n_studies_text" and output["data"]["text/plain"] == "15 studies", message
    assert cell.outputs == [], message  # glued with display=False: nothing shown where it is glued


@pytest.mark.slow
def test_kernels_inherit_the_validated_marker(monkeypatch):
    """The book build marks the table validated in its environment; the page kernels that
    nbclient starts must see it, or every page validates the table again (slow, not wrong)."""
    from nbclient import NotebookClient

    monkeypatch.setenv(upstream.VALIDATED_ENV, "")  # so that the value before is restored after
    upstream.mark_validated("abc123")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"import os; print(os.environ.get({upstream.VALIDATED_ENV!r}))")]
    )
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == "abc123", (
        f"kernels started by {installed('nbclient')} / {installed('jupyter-client')} no longer inherit the "
        "environment: see VALIDATED_ENV in livingreview/upstream.py"
    )


# --------------------------------------------------------------------------------------------
# Query strings


def test_sphinx_search_reads_q_so_the_table_uses_another_key():
    searchtools = distribution_file("sphinx", "sphinx/themes/basic/static/searchtools.js").read_text()
    assert f'.get("{upstream.SPHINX_SEARCH_PARAM}")' in searchtools, (
        f"{installed('sphinx')}'s site search no longer reads ?{upstream.SPHINX_SEARCH_PARAM}=: "
        "update SPHINX_SEARCH_PARAM in livingreview/upstream.py"
    )
    assert TEXT_KEY != upstream.SPHINX_SEARCH_PARAM


def test_voila_hands_the_query_string_to_the_kernel():
    utils = Path(importlib.util.find_spec("voila.utils").origin).read_text()
    handler = Path(importlib.util.find_spec("voila.handler").origin).read_text()
    message = (
        f"{installed('voila')} passes the page's query differently: update VOILA_QUERY_ENV in livingreview/upstream.py"
    )
    assert f'QUERY_STRING = "{upstream.VOILA_QUERY_ENV}"' in utils, message
    assert "request_info[ENV_VARIABLE.QUERY_STRING] = str(self.request.query)" in handler, message


# --------------------------------------------------------------------------------------------
# plotly


def test_plotly_mime_type_is_what_the_renderer_emits():
    import plotly.graph_objects as go
    import plotly.io as pio

    bundle = pio.renderers["plotly_mimetype"].to_mimebundle(go.Figure())
    assert upstream.PLOTLY_MIME in bundle, f"{installed('plotly')} renders another mime type: update PLOTLY_MIME"


def test_served_plotly_js_is_the_version_plotly_py_targets():
    """The figures' JSON comes from plotly.py; the served bundle must be the plotly.js it targets,
    and hold every trace type the figures use."""
    import plotly

    from livingreview import load_studies
    from livingreview.figures import FIGURES

    bundled = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:400]
    served = (ASSETS_DIR / upstream.PLOTLY_JS).read_text()[:400]
    version = re.search(r"plotly\.js v([\d.]+)", bundled).group(1)
    assert f"(cartesian - minified) v{version}" in served, (
        f"{installed('plotly')} targets plotly.js {version}: vendor the cartesian bundle of that version "
        f"as livingreview/assets/{upstream.PLOTLY_JS}"
    )
    assert upstream.PLOTLY_JS in (ASSETS_DIR / "figures.js").read_text()  # where figures.js fetches it
    types = {trace.type for spec in FIGURES.values() for trace in spec.make(load_studies()).data}
    assert types <= {"bar", "heatmap", "scatter", "histogram", "box", "contour", "histogram2d"}


# --------------------------------------------------------------------------------------------
# Theme templates overridden in _templates/


def test_every_override_is_declared():
    assert sorted(p.name for p in (ROOT / "_templates").glob("*.html")) == sorted(upstream.THEME_TEMPLATES)


@pytest.mark.parametrize("ours", list(upstream.THEME_TEMPLATES))
def test_the_theme_templates_we_copied_are_unchanged(ours):
    distribution, theirs, digest = upstream.THEME_TEMPLATES[ours]
    path = distribution_file(distribution, theirs)
    assert path.is_file(), f"{installed(distribution)} has no {theirs} any more: _templates/{ours} overrides nothing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, (
        f"{installed(distribution)} changed {theirs}, which _templates/{ours} copies: carry the change over, "
        "then record the new SHA-256 in THEME_TEMPLATES (livingreview/upstream.py)"
    )


@pytest.mark.parametrize("needed", upstream.THEME_LAYOUT_NEEDS, ids=lambda n: Path(n[1]).name)
def test_what_our_layout_takes_from_the_theme_is_there(needed):
    distribution, relative, text = needed
    path = distribution_file(distribution, relative)
    assert path.is_file() and text in path.read_text(), (
        f"{installed(distribution)}: _templates/layout.html needs {relative}"
        + (f" with {text!r}" if text else "")
        + " (see THEME_LAYOUT_NEEDS in livingreview/upstream.py)"
    )


# --------------------------------------------------------------------------------------------
# The theme's dark mode and sphinx-external-toc's root redirect


def test_the_themes_dark_output_box_is_the_one_book_css_undoes():
    distribution, selector = upstream.THEME_DARK_OUTPUT_RULE
    assert ships(distribution, selector), (
        f"{installed(distribution)} no longer boxes HTML outputs with {selector!r}: "
        "revisit THEME_DARK_OUTPUT_RULE (livingreview/upstream.py) and assets/book.css"
    )
    ours = (ASSETS_DIR / "book.css").read_text(encoding="utf-8")
    assert selector.replace("=dark]", '="dark"]') in ours


def test_sphinx_external_toc_still_writes_the_root_redirect_we_replace():
    from livingreview import sphinxext

    distribution, relative, text = upstream.ROOT_REDIRECT_WRITER
    path = distribution_file(distribution, relative)
    assert path.is_file() and text in path.read_text(), (
        f"{installed(distribution)}: {relative} no longer has {text!r} (see ROOT_REDIRECT_WRITER)"
    )
    # It runs at the default priority; ours must run after it.
    assert upstream.AFTER_DEFAULT_PRIORITY > 500
    assert "priority=upstream.AFTER_DEFAULT_PRIORITY" in Path(sphinxext.__file__).read_text(encoding="utf-8")
