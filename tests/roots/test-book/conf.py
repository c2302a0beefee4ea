"""A small book for the Sphinx extension's in-process tests (tests/test_sphinxext.py): the real
book's theme, templates and extensions (_config.yml), its study data and bibliography, and a few
pages; tests/test_sphinxext.py writes the pages drawn from the data. No page is executed."""

from livingreview.data.paths import REFERENCES_BIB, ROOT

project = "Test book"
# Characters HTML must escape, so the root redirect's title shows that it escapes them.
html_title = 'Tests & "quotes" <b>not bold</b>'
extensions = [
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "myst_nb",
    "sphinx_external_toc",
    "sphinx_design",
    "sphinx_book_theme",
    "livingreview.book.sphinxext",
    "sphinxcontrib.bibtex",
]
external_toc_path = "_toc.yml"
exclude_patterns = ["_build"]
html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": "https://github.com/living-reviews/generative-ai-clinical-practice",
    "repository_branch": "main",
    "use_repository_button": True,
    # The download button's notebook (_sources/book/notebook.ipynb) is written for launch buttons.
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
}
templates_path = [str(ROOT / "_templates")]
html_context = {"default_mode": "light"}
html_show_sourcelink = False
nb_execution_mode = "off"
nb_ipywidgets_js = {}
myst_enable_extensions = ["colon_fence"]
bibtex_bibfiles = [str(REFERENCES_BIB)]
bibtex_default_style = "livingreview"
