"""Other projects' internals the package relies on (livingreview/book/upstream.py) still hold.

None of them is a public API: an upgrade can change one without an error anywhere, and the book
would quietly get heavier, less accessible, slower or lose a glued number. Each test checks one
entry against the installed package and, when it fails, names the package, its version and the
entry of livingreview/book/upstream.py to revisit.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import re
import sys
from functools import cache
from pathlib import Path

import nbformat
import pytest

from livingreview.book import upstream
from livingreview.data import validation
from livingreview.data.filters import TEXT_KEY
from livingreview.data.paths import ASSETS_DIR, ROOT

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
        "every page now and update OPTIONAL_ASSETS in livingreview/book/upstream.py"
    )


@pytest.mark.parametrize("name", list(upstream.DEFERRABLE))
def test_deferrable_scripts_still_exist(name):
    distribution = upstream.DEFERRABLE[name]
    assert ships(distribution, name.removesuffix(".js")), (
        f"{installed(distribution)} no longer ships {name}: update DEFERRABLE in livingreview/book/upstream.py "
        "(and check the script still runs nothing at parse time that an inline script needs)"
    )


@pytest.mark.sphinx("html", testroot="minimal")
def test_sphinx_asset_objects_are_what_page_needs_and_deferred_expect(app):
    """The objects Sphinx itself makes of the scripts and stylesheets an extension adds (an
    in-process Sphinx, sphinx.testing): what page_needs(), deferred() and inline_script() take."""
    message = f"{installed('sphinx')} changed its asset objects: update page_needs()/deferred()/inline_script() in livingreview/book/upstream.py"
    app.add_js_file(None, body="let toggleHint = 'Click';")
    app.add_css_file("sphinx-design.min.css")
    context = {}
    app.connect("html-page-context", lambda app, name, template, page, doctree: context.update(page))
    app.build()
    scripts, styles = context["script_files"], context["css_files"]  # what sphinxext's handlers get
    script = next(s for s in scripts if str(getattr(s, "filename", "")).split("?")[0].endswith("doctools.js"))
    later = upstream.deferred(script)
    assert later is not script and later.attributes.get("defer") == "defer", message
    assert (later.filename, later.priority, type(later)) == (script.filename, script.priority, type(script)), message
    inline = upstream.inline_script(script, "var answer = 42;")
    assert (type(inline), inline.filename, inline.attributes.get("body"), inline.priority) == (
        type(script),
        None,
        "var answer = 42;",
        script.priority,
    ), message
    toggle = next(s for s in scripts if "toggleHint" in str(s.attributes.get("body", "")))
    assert not upstream.page_needs(toggle, "<p>no toggles</p>"), message
    assert upstream.page_needs(toggle, '<div class="toggle">'), message
    style = next(s for s in styles if str(getattr(s, "filename", s)).split("?")[0].endswith("sphinx-design.min.css"))
    assert not upstream.page_needs(style, "<p>plain</p>") and upstream.page_needs(style, '<div class="sd-card">')


# --------------------------------------------------------------------------------------------
# docutils' bibliography markup


def test_docutils_still_writes_the_citation_list_we_patch():
    from docutils.core import publish_parts

    source = "Text [CIT2024]_.\n\n.. [CIT2024] A citation.\n"
    body = publish_parts(source, writer_name="html5", settings_overrides={"report_level": 5})["body"]
    assert upstream.DOCUTILS_CITATION_LIST in body, (
        f"{installed('docutils')} writes citations differently: check whether its markup still fails "
        "axe's aria-required-children and update patch_docutils_html() in livingreview/book/upstream.py"
    )
    assert upstream.DOCUTILS_CITATION_LIST not in upstream.patch_docutils_html(body)


# --------------------------------------------------------------------------------------------
# sphinxcontrib-bibtex and pybtex: the bibliography's entry ids and formatting style


def test_sphinxcontrib_bibtex_still_names_entries_with_bibtex_cite_id():
    """The {study} role links a year to 'bib-<key>': the id sphinxcontrib-bibtex makes of its
    bibtex_cite_id template for each bibliography entry."""
    distribution, name, template = upstream.BIBTEX_CITE_ID
    message = (
        f"{installed(distribution)} no longer names bibliography entries from {name}: find how it gives "
        "an entry its id now and update BIBTEX_CITE_ID / bibtex_record_id() in livingreview/book/upstream.py"
    )
    directives = distribution_file(distribution, "sphinxcontrib/bibtex/directives.py").read_text()
    assert f"env.config.{name}.format(" in directives and "key=keyprefix + entry.key" in directives, message
    assert f'"{name}"' in distribution_file(distribution, "sphinxcontrib/bibtex/__init__.py").read_text(), message
    assert upstream.bibtex_record_id("aydin2024") == template.format(key="aydin2024")


def test_record_style_keeps_titles_as_recorded():
    """The style overrides a method of pybtex's unsrt style; if pybtex renames it, titles would be
    lower-cased again ('circle of willis') without any error."""
    from pybtex.database import Entry, Person
    from pybtex.style.formatting.unsrt import Style as Unsrt

    message = f"{installed('pybtex')} changed its styles: update record_style() in livingreview/book/upstream.py"
    assert "format_title" in vars(Unsrt), message
    upstream.register_record_style("livingreview-test")
    entry = Entry("article", fields={"title": "Modeling the Circle of Willis", "journal": "J", "year": "2024"})
    entry.persons["author"] = [Person("Aydin, Orhun")]
    from pybtex.plugin import find_plugin

    text = find_plugin(upstream.PYBTEX_STYLES, "livingreview-test")().format_entry("k", entry).text.render_as("text")
    assert "Modeling the Circle of Willis." in text, message
    plain = find_plugin(upstream.PYBTEX_STYLES, "plain")().format_entry("k", entry).text.render_as("text")
    assert "circle of willis" in plain, "pybtex's plain style no longer lower-cases titles: record_style() may go"


# --------------------------------------------------------------------------------------------
# myst-nb's glue format


def test_glue_output_is_read_back_by_myst_nb():
    from IPython.core.formatters import DisplayFormatter
    from myst_nb.ext import glue as myst_glue

    from livingreview.text.wording import GlueText

    message = f"{installed('myst-nb')} reads glued values differently: update glue() in livingreview/book/upstream.py"
    assert myst_glue.GLUE_PREFIX == upstream.GLUE_PREFIX, message
    data, metadata = upstream.glue_output("n_studies_text", GlueText("7 studies"), DisplayFormatter())
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data=data, metadata=metadata)])
    ((key, output),) = myst_glue.extract_glue_data_cell(cell)
    assert key == "n_studies_text" and output["data"]["text/plain"] == "7 studies", message
    assert cell.outputs == [], message  # glued with display=False: nothing shown where it is glued


@pytest.mark.slow
def test_kernels_inherit_the_validated_marker(monkeypatch):
    """The book build marks the table validated in its environment; the page kernels that
    nbclient starts must see it, or every page validates the table again (slow, not wrong)."""
    from nbclient import NotebookClient

    monkeypatch.setenv(validation.VALIDATED_ENV, "")  # so that the value before is restored after
    validation.mark_validated("abc123")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"import os; print(os.environ.get({validation.VALIDATED_ENV!r}))")]
    )
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == "abc123", (
        f"kernels started by {installed('nbclient')} / {installed('jupyter-client')} no longer inherit the "
        "environment: see VALIDATED_ENV in livingreview/book/upstream.py"
    )


# --------------------------------------------------------------------------------------------
# Query strings


def test_sphinx_search_reads_q_so_the_table_uses_another_key():
    searchtools = distribution_file("sphinx", "sphinx/themes/basic/static/searchtools.js").read_text()
    assert f'.get("{upstream.SPHINX_SEARCH_PARAM}")' in searchtools, (
        f"{installed('sphinx')}'s site search no longer reads ?{upstream.SPHINX_SEARCH_PARAM}=: "
        "update SPHINX_SEARCH_PARAM in livingreview/book/upstream.py"
    )
    assert TEXT_KEY != upstream.SPHINX_SEARCH_PARAM


def test_voila_hands_the_query_string_to_the_kernel():
    utils = Path(importlib.util.find_spec("voila.utils").origin).read_text()
    handler = Path(importlib.util.find_spec("voila.handler").origin).read_text()
    message = f"{installed('voila')} passes the page's query differently: update VOILA_QUERY_ENV in livingreview/book/upstream.py"
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
    from livingreview.charts.model import CHARTS
    from livingreview.charts.plotly_figure import plotly_figure

    bundled = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:400]
    served = (ASSETS_DIR / upstream.PLOTLY_JS).read_text()[:400]
    version = re.search(r"plotly\.js v([\d.]+)", bundled).group(1)
    assert f"(partial - minified) v{version}" in served, (
        f"{installed('plotly')} targets plotly.js {version}: rebuild the partial bundle with that version "
        "(plotly-bundle/README.md)"
    )
    assert upstream.PLOTLY_JS in (ASSETS_DIR / "figures.js").read_text()  # where figures.js fetches it
    types = {trace["type"] for spec in CHARTS.values() for trace in plotly_figure(spec.build(load_studies()))["data"]}
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
        "then record the new SHA-256 in THEME_TEMPLATES (livingreview/book/upstream.py)"
    )


@pytest.mark.parametrize("needed", upstream.THEME_LAYOUT_NEEDS, ids=lambda n: Path(n[1]).name)
def test_what_our_layout_takes_from_the_theme_is_there(needed):
    distribution, relative, text = needed
    path = distribution_file(distribution, relative)
    assert path.is_file() and text in path.read_text(), (
        f"{installed(distribution)}: _templates/layout.html needs {relative}"
        + (f" with {text!r}" if text else "")
        + " (see THEME_LAYOUT_NEEDS in livingreview/book/upstream.py)"
    )


# --------------------------------------------------------------------------------------------
# Voilà: the page the explorer is served in

VOILA_CONFIG = ROOT / "voila.json"
EXPLORER_TEMPLATE = ROOT / "share" / "jupyter" / "voila" / "templates" / "livingreview"


#: Where pip puts the data files of the environment's packages (templates, JupyterLab extensions).
SHARE = Path(sys.prefix) / "share" / "jupyter"


def labextension(name: str) -> dict:
    """package.json of a JupyterLab extension installed in this environment (or Voilà's own)."""
    for root in (
        SHARE / "labextensions",
        SHARE / "voila" / "labextensions",
    ):
        package = root / name / "package.json"
        if package.is_file():
            return json.loads(package.read_text())
    pytest.fail(f"no JupyterLab extension {name} is installed in this environment")


def test_voila_serves_the_explorer_with_its_template():
    settings = json.loads(VOILA_CONFIG.read_text())["VoilaConfiguration"]
    assert settings["template"] == EXPLORER_TEMPLATE.name
    assert json.loads((EXPLORER_TEMPLATE / "conf.json").read_text())["base_template"] == "lab"
    assert settings["allow_template_override"] == settings["allow_theme_override"] == "NO"


def test_the_cdn_links_the_explorer_template_cuts_are_in_voilas_template():
    distribution, relative = upstream.VOILA_LAB_TEMPLATE
    lab = SHARE / relative
    ours = (EXPLORER_TEMPLATE / "index.html.j2").read_text()
    assert f"extends '{relative}'" in ours
    for link in upstream.VOILA_REMOTE_LINKS:
        assert link in lab.read_text(), (
            f"{installed(distribution)}'s lab template no longer links {link}: see what it loads from other "
            "hosts now, cut that in share/jupyter/voila/templates/livingreview/index.html.j2 and update VOILA_REMOTE_LINKS"
        )
        assert f"replace('{link}' | safe, '')" in ours


def test_the_page_script_the_explorer_template_moves_is_where_voilas_template_links_it():
    """The explorer's template links voila.js right after the page config, not in the page's last
    lines (upstream.VOILA_PAGE_SCRIPT_TAG), and repeats Voilà's body_loop to do so
    (upstream.VOILA_BODY_LOOP_LINES): Voilà's template must still link and run the page so."""
    distribution, relative = upstream.VOILA_LAB_TEMPLATE
    lab = (SHARE / relative).read_text()
    macro = (SHARE / relative).parent.parent / "base" / "voila_setup.macro.html.j2"
    ours = (EXPLORER_TEMPLATE / "index.html.j2").read_text()
    advice = (
        f"{installed(distribution)}'s lab template starts the kernel and links its page script differently: "
        "compare its blocks body_loop and body_footer with share/jupyter/voila/templates/livingreview/index.html.j2"
    )
    assert upstream.VOILA_PAGE_SCRIPT_TAG in macro.read_text(), advice
    footer = lab.split("{%- block body_footer -%}", 1)[1].split("{%- endblock body_footer -%}", 1)[0]
    assert "voila_setup_labextensions(" in footer, advice
    loop = lab.split("{%- block body_loop -%}", 1)[1].split("{%- endblock body_loop -%}", 1)[0]
    ours_loop = ours.split("{%- block body_loop -%}", 1)[1].split("{%- endblock body_loop -%}", 1)[0]
    for line in upstream.VOILA_BODY_LOOP_LINES:
        assert line in loop, advice
        assert line in ours_loop
    script = upstream.VOILA_PAGE_SCRIPT_TAG.replace("<script src=", "<script async src=")
    config = ours_loop.index(upstream.VOILA_BODY_LOOP_LINES[3])
    assert config < ours_loop.index(script) < ours_loop.index("cell_generator(nb, kernel_id)")


def test_the_extensions_the_page_loads_are_installed_and_explained():
    allowed = json.loads(VOILA_CONFIG.read_text())["VoilaConfiguration"]["extension_allowlist"]
    assert allowed == list(upstream.VOILA_EXTENSIONS_LOADED)
    for name, (distribution, reason) in upstream.VOILA_EXTENSIONS_LOADED.items():
        assert labextension(name)["name"] == name, f"{installed(distribution)} no longer installs {name}"
        assert reason


def test_the_page_config_options_the_template_nulls_are_those_voilas_page_reads():
    """Voilà's page loads MathJax 2 from cdnjs unless both options are null (upstream.VOILA_MATHJAX_OPTIONS);
    the explorer's template nulls them."""
    first, second = upstream.VOILA_MATHJAX_OPTIONS
    assert ships("voila", f'["{first}","{second}"]') and ships("voila", upstream.VOILA_MATHJAX_CDN), (
        f"{installed('voila')}'s page chooses its MathJax differently: see what it loads now and update "
        "VOILA_MATHJAX_OPTIONS in livingreview/book/upstream.py and the explorer's template"
    )
    ours = (EXPLORER_TEMPLATE / "index.html.j2").read_text()
    assert f"page_config.update({first}=None, {second}=None)" in ours


def test_the_widget_packages_are_those_voilas_widget_manager_bundles():
    distribution, manager, widgets_manager = upstream.VOILA_WIDGETS
    wanted = labextension(manager)["dependencies"][widgets_manager].lstrip("^~")
    assert labextension(widgets_manager)["version"] == wanted, (
        f"{installed(distribution)}'s {manager} bundles {widgets_manager} {wanted}: pin jupyterlab_widgets "
        "(and the ipywidgets that requires it) in requirements.txt to that version"
    )


# webpack module federation, as built JupyterLab extensions (remoteEntry.*.js) and Voilà's page
# script write it: a package put in the shared scope (name, version, factory), and a package an
# extension takes from it with the versions it accepts, either as a call ("default", name, [eager,]
# range as an array; none when any version will do) or, in newer builds, as an object (shareKey, ...,
# requiredVersion).
PROVIDED = re.compile(r'\b\w+\("((?:@[\w.-]+/)?[\w.-]+)","(\d[^"]*)",\(?\(\)=>')
REQUIRED_CALL = re.compile(r'\("default","((?:@[\w.-]+/)?[\w.-]+)",(?:![01],)?\[([^\[\]]*)\]')
RANGE_CALL = re.compile(r'\("default","[^"]+",(?:![01],)?\[')
REQUIRED_OBJECT = re.compile(r'shareKey:"((?:@[\w.-]+/)?[\w.-]+)"[^{}]*?requiredVersion:"([^"]*)"')


def required_versions(script: str) -> list[tuple[str, list | str]]:
    """(package, accepted versions) for every package a remoteEntry script takes from the shared
    scope: webpack's range array (items, None for the gap before a pre-release) or a semver string."""
    required = [
        (name, [None if item == "" else json.loads(item) for item in items.split(",")])
        for name, items in REQUIRED_CALL.findall(script)
    ] + REQUIRED_OBJECT.findall(script)
    written = len(RANGE_CALL.findall(script)) + script.count('shareKey:"')
    assert len(required) == written, f"{written - len(required)} requirement(s) in a form this test does not read"
    return required


def range_text(required: list | str) -> str:
    """A range array as npm writes it ([1, 4, 5, 10] is ^4.5.10), for failure messages."""
    if isinstance(required, str) or not required or required[0] not in (0, 1, 2):
        return str(required)
    return {0: ">=", 1: "^", 2: "~"}[required[0]] + ".".join(str(part) for part in required[1:] if part is not None)


def accepts(required: list | str, version: str) -> bool | None:
    """Whether webpack takes `version` for a requirement (None: a form this test does not read).
    A range array starts with how many leading parts must match (1 for ^4.2.4, 2 for ~, 0 for >=),
    then the lowest version; a pre-release suffix follows a gap."""
    if isinstance(required, str):
        match = re.fullmatch(r"([\^~]?)(\d+)\.(\d+)\.(\d+)(?:-[\w.]+)?", required)
        if not match:
            return None
        lowest = [int(part) for part in match.groups()[1:]]
        fixed = {"^": next(i for i, n in enumerate(lowest) if n or i == 2) + 1, "~": 2, "": 3}[match[1]]
    else:
        fixed, *parts = required
        lowest = parts[: parts.index(None)] if None in parts else parts
        if not parts:  # "*"
            return True
        if not isinstance(fixed, int) or fixed < 0 or not all(isinstance(n, int) for n in lowest):
            return None
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        return None
    have = [int(part) for part in version.split(".")]
    return have[:fixed] == lowest[:fixed] and have >= lowest


@pytest.mark.parametrize(
    ("script", "expected"),
    [  # one line of each form, as Voilà's widget manager, jupyterlab_widgets 3.0.13 and 3.0.17 write it
        ('518:()=>y("default","@jupyterlab/rendermime",!1,[1,4,5,10]),', [("@jupyterlab/rendermime", [1, 4, 5, 10])]),
        (
            '5256:()=>y("default","@lumino/widgets",[1,2,3,1,,"alpha",0]),',
            [("@lumino/widgets", [1, 2, 3, 1, None, "alpha", 0])],
        ),
        (
            '9303:{shareScope:"default",shareKey:"@jupyterlab/rendermime",import:null,requiredVersion:"^4.6.2",strictVersion:!1}',
            [("@jupyterlab/rendermime", "^4.6.2")],
        ),
    ],
)
def test_the_shared_package_check_reads_each_form_webpack_writes(script, expected):
    assert required_versions(script) == expected


@pytest.mark.parametrize(
    ("required", "version", "expected"),
    [
        ([1, 4, 2, 4], "4.2.5", True),  # ^4.2.4
        ([1, 4, 5, 10], "4.2.5", False),  # ^4.5.10: Voilà 0.5.13's widget manager on its own page
        ([1, 6, 0, 10], "7.0.0", False),
        ([2, 2, 9, 0], "2.10.0", False),  # ~2.9.0
        ([1, 2, 3, 1, None, "alpha", 0], "2.5.0", True),  # ^2.3.1-alpha.0
        ("^4.6.2", "4.2.5", False),
        ("^0.2.0", "0.3.0", False),
        ("~2.9.0", "2.9.4", True),
        ("^2.3.1-alpha.1", "2.5.0", True),
        ([0, 1, 0, 0], "3.0.0", True),  # >=1.0.0
        ([-0.5, [1, 1], [1, 2], 1], "1.0.0", None),  # a union: not read
    ],
)
def test_accepts_reads_webpack_ranges_as_webpack_does(required, version, expected):
    assert accepts(required, version) is expected


def test_every_extension_the_explorer_page_loads_takes_the_jupyterlab_the_page_provides():
    """The extensions Voilà puts in the explorer's page (its own code decides, from voila.json)
    accept the version of every shared package the page provides: else the browser console shows
    webpack's "Unsatisfied version" warnings (tests/test_explorer.py sees them, in a browser)."""
    from jupyterlab_server.config import get_federated_extensions
    from traitlets.config import Config
    from voila.configuration import VoilaConfiguration
    from voila.utils import get_page_config, get_voila_labextensions_path

    configuration = VoilaConfiguration(config=Config(json.loads(VOILA_CONFIG.read_text())))
    page_config = get_page_config("/", {}, logging.getLogger("voila"), configuration)
    installed_extensions = get_federated_extensions(get_voila_labextensions_path())
    scripts = {
        extension["name"]: Path(installed_extensions[extension["name"]]["ext_path"], extension["load"]).read_text()
        for extension in page_config["federated_extensions"]
    }
    distribution, relative = upstream.VOILA_PAGE_SCRIPT
    assert upstream.VOILA_WIDGETS[1] in scripts, f"{installed(distribution)} no longer loads its widget manager"

    provided: dict[str, set[str]] = {}
    for script in [(SHARE / relative).read_text(), *scripts.values()]:
        for name, version in PROVIDED.findall(script):
            provided.setdefault(name, set()).add(version)
    assert "@jupyterlab/rendermime" in provided, f"{installed(distribution)}: {relative} provides packages differently"
    mismatches = [
        f"{extension} takes {name} {range_text(required)}; the page provides {version}"
        + (" (a form this test does not read)" if accepts(required, version) is None else "")
        for extension, script in scripts.items()
        for name, required in required_versions(script)
        for version in sorted(provided.get(name, ()))
        if not accepts(required, version)
    ]
    assert not mismatches, (
        f"With {installed(distribution)} and the extensions installed beside it, the explorer's console "
        "shows version warnings (voila-dashboards/voila#1514): pin versions built for the JupyterLab "
        "packages Voilà's page provides (requirements.txt; VOILA_PAGE_SCRIPT in livingreview/book/upstream.py):\n"
        + "\n".join(mismatches)
    )


def test_plotly_renderer_draws_into_the_class_the_explorer_sizes():
    assert ships("plotly", f'addClass("{upstream.PLOTLY_RENDERER_CLASS}")'), (
        f"{installed('plotly')}'s JupyterLab renderer no longer draws into .{upstream.PLOTLY_RENDERER_CLASS}: "
        "update PLOTLY_RENDERER_CLASS in livingreview/book/upstream.py"
    )


# --------------------------------------------------------------------------------------------
# The theme's dark mode and sphinx-external-toc's root redirect


def test_the_themes_dark_output_box_is_the_one_book_css_undoes():
    distribution, selector = upstream.THEME_DARK_OUTPUT_RULE
    assert ships(distribution, selector), (
        f"{installed(distribution)} no longer boxes HTML outputs with {selector!r}: "
        "revisit THEME_DARK_OUTPUT_RULE (livingreview/book/upstream.py) and assets/book.css"
    )
    ours = (ASSETS_DIR / "book.css").read_text(encoding="utf-8")
    assert selector.replace("=dark]", '="dark"]') in ours


def test_sphinx_external_toc_still_writes_the_root_redirect_we_replace():
    distribution, relative, text = upstream.ROOT_REDIRECT_WRITER
    path = distribution_file(distribution, relative)
    assert path.is_file() and text in path.read_text(), (
        f"{installed(distribution)}: {relative} no longer has {text!r} (see ROOT_REDIRECT_WRITER)"
    )
    # That ours runs after it and replaces its page: tests/test_sphinxext.py builds a book with both.


# --------------------------------------------------------------------------------------------
# The page head (livingreview.book.page_head): one stylesheet, inline icons, nothing blocking


def test_the_theme_still_links_the_stylesheets_page_css_combines():
    distribution, relative = upstream.THEME_WEBPACK_MACROS
    macros = distribution_file(distribution, relative).read_text(encoding="utf-8")
    head = macros.split("macro head_pre_assets()", 1)[1].split("endmacro", 1)[0]
    linked = re.findall(r"pathto\('_static/([^']+\.css)'", head)
    assert linked == list(upstream.THEME_PRE_STYLESHEETS), (
        f"{installed(distribution)} links {linked} before Sphinx's stylesheets: update THEME_PRE_STYLESHEETS "
        "in livingreview/book/upstream.py (page.css combines them; our layout.html no longer links them)"
    )
    static = distribution_file(distribution, "pydata_sphinx_theme/theme/pydata_sphinx_theme/static")
    assert all((static / name).is_file() for name in upstream.THEME_PRE_STYLESHEETS)


def test_font_awesome_still_ships_the_icons_the_theme_writes():
    from livingreview.book.page_head import theme_icons

    distribution, relative = upstream.FONT_AWESOME_SCRIPT
    icons = theme_icons(distribution_file(distribution, relative).read_text(encoding="utf-8"))
    missing = [key for key in upstream.THEME_ICONS if key not in icons]
    assert len(icons) > 1000 and missing == [], (
        f"{installed(distribution)}'s fontawesome.js is laid out differently or lacks {missing}: update "
        "FONT_AWESOME_PACK / FONT_AWESOME_ICON / THEME_ICONS in livingreview/book/upstream.py"
    )
    licence = distribution_file(*upstream.FONT_AWESOME_LICENSE).read_text(encoding="utf-8")
    assert "Font Awesome Free" in upstream.font_awesome_credit(licence)
    assert "Icons: CC BY 4.0" in upstream.font_awesome_credit(licence)


@pytest.mark.parametrize("distribution", ["pydata-sphinx-theme", "sphinx-book-theme"])
def test_every_icon_the_themes_name_is_in_font_awesome(distribution):
    """Icons in the themes' templates and Python (header buttons, launch buttons, switches): each
    one, shown in this book or not, is drawn from Font Awesome's script, never left an empty <i>."""
    from livingreview.book.page_head import theme_icons

    icons = theme_icons(distribution_file(*upstream.FONT_AWESOME_SCRIPT).read_text(encoding="utf-8"))
    named = set()
    for name, text in shipped_texts(distribution):
        if name.endswith((".html", ".py")):
            for style, icon in re.findall(r'[" ](fa-solid|fas|fa-brands|fab|fa-regular|far) fa-([a-z0-9-]+)', text):
                named.add((upstream.FONT_AWESOME_STYLE_CLASSES[style], icon))
    assert named, f"{installed(distribution)} names no Font Awesome icon any more: revisit THEME_ICONS"
    missing = sorted(key for key in named if key not in icons)
    assert missing == [], f"{installed(distribution)} names icons Font Awesome's script lacks: {missing}"


def test_font_awesome_style_and_size_classes_are_what_the_themes_use():
    for distribution in ("pydata-sphinx-theme", "sphinx-book-theme"):
        for name, text in shipped_texts(distribution):
            if name.endswith(".html"):
                for classes in re.findall(r'<i class="([^"{}]*\bfa-[^"{}]*)"', text):
                    styles = [c for c in classes.split() if c in upstream.FONT_AWESOME_STYLE_CLASSES]
                    assert len(styles) <= 1, (installed(distribution), name, classes)


def test_sphinx_renders_pages_through_the_template_bridge_we_wrap():
    distribution, relative, text = upstream.SPHINX_PAGE_RENDER
    assert text in distribution_file(distribution, relative).read_text(encoding="utf-8"), (
        f"{installed(distribution)} renders pages differently: livingreview.book.sphinxext.start_page_head "
        "wraps builder.templates.render to draw the icons (SPHINX_PAGE_RENDER in livingreview/book/upstream.py)"
    )
    options = distribution_file(*upstream.SPHINX_DOCUMENTATION_OPTIONS).read_text(encoding="utf-8")
    assert "const DOCUMENTATION_OPTIONS" in options
    builder = distribution_file(distribution, relative).read_text(encoding="utf-8")
    assert f"add_js_file('{upstream.DOCUMENTATION_OPTIONS_JS}'" in builder


def test_the_themes_search_page_loads_the_scripts_our_search_html_defers():
    distribution = "pydata-sphinx-theme"
    template = distribution_file(distribution, "pydata_sphinx_theme/theme/pydata_sphinx_theme/search.html")
    block = template.read_text(encoding="utf-8").split("{% block scripts -%}", 1)[1].split("endblock", 1)[0]
    assert re.findall(r"pathto\('([^']+)', 1\)", block) == list(upstream.SEARCH_SCRIPTS), (
        f"{installed(distribution)}'s search page loads other scripts: carry them over to "
        "_templates/search.html (deferred) and SEARCH_SCRIPTS in livingreview/book/upstream.py"
    )
    ours = (ROOT / "_templates" / "search.html").read_text(encoding="utf-8")
    for script in upstream.SEARCH_SCRIPTS:
        assert f"<script defer src=\"{{{{ pathto('{script}', 1) }}}}\"></script>" in ours


def test_bootstrap_still_builds_the_placement_classes_page_css_keeps():
    text = distribution_file(
        "pydata-sphinx-theme", "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/scripts/bootstrap.js"
    ).read_text(encoding="utf-8")
    assert "`bs-${this.constructor.NAME}-auto`" in text, "see CLASSES_BUILT_BY_SCRIPTS in livingreview/book/upstream.py"
    css = distribution_file(
        "pydata-sphinx-theme", "pydata_sphinx_theme/theme/pydata_sphinx_theme/static/styles/pydata-sphinx-theme.css"
    ).read_text(encoding="utf-8")
    assert all(f".{name}" in css for name in upstream.CLASSES_BUILT_BY_SCRIPTS)
