"""The Sphinx extension (livingreview.book.sphinxext) and the page head it draws
(livingreview.book.page_head), in process: Sphinx's own test fixtures (sphinx.testing, as MyST-NB
tests its extension) build the small book in tests/roots/test-book, with the real theme,
templates, data and bibliography, in seconds. The book tier (tests/test_book.py, test_page_head.py,
test_feed.py...) checks the same things on the whole book, built as CI builds it."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import nbformat
import pandas as pd
import pytest
from sphinx.testing.util import SphinxTestApp

from livingreview import load_studies
from livingreview.book import chapters, upstream
from livingreview.book.page_head import PAGE_CSS, blocking_requests
from livingreview.book.studies_page import table_files
from livingreview.charts.model import CHARTS
from livingreview.data.cited import cited_only_html, load_cited
from livingreview.data.paths import ASSETS_DIR, DATA_ENV, FEED_NAME, REFERENCES_BIB, STATIC_SUBDIR, studies_path
from livingreview.data.records import read_bibliography, record_finder
from livingreview.data.validation import VALIDATED_ENV, validate
from livingreview.update.feed import ENTRIES
from livingreview.update.versions import load_releases

from conftest import FIXTURES

#: An id no data file has: the {study} role reports it.
UNKNOWN_STUDY = "no-such-study-anywhere"


# --------------------------------------------------------------------------------------------
# The book, and reading what it wrote


class Page(HTMLParser):
    """A built page as a browser reads it: its elements (tag, attributes, in order, and whether in
    the head), the ids, the inline scripts' text and the visible text."""

    def __init__(self, markup: str, path: Path | None = None):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.elements: list[tuple[str, dict, bool]] = []
        self.ids: set[str] = set()
        self.inline_scripts: list[str] = []
        self.text = ""
        self._in_head = False
        self._script: list[str] | None = None
        self.markup = markup
        self.feed(markup)
        self.close()

    @classmethod
    def read(cls, path: Path) -> Page:
        return cls(path.read_text(encoding="utf-8"), path)

    def handle_starttag(self, tag, attributes):
        attributes = {name: value or "" for name, value in attributes}
        self._in_head = self._in_head or tag == "head"
        self.elements.append((tag, attributes, self._in_head))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "script" and "src" not in attributes:
            self._script = []

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        if tag == "script" and self._script is not None:
            self.inline_scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        else:
            self.text += data

    def all(self, tag: str, **wanted) -> list[dict]:
        return [a for t, a, _ in self.elements if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def scripts(self) -> list[dict]:
        return self.all("script")

    def resolve(self, href: str) -> Path:
        return (self.path.parent / unquote(urlsplit(href).path)).resolve()


def write_notebook(path: Path, markdown: str, code: str, html: str) -> None:
    """A chapter as its kernel leaves it: a markdown cell, then a code cell whose output is `html`
    (myst-nb shows a stored output as it shows an executed one; nothing runs here)."""
    cell = nbformat.v4.new_code_cell(code, outputs=[nbformat.v4.new_output("display_data", data={"text/html": html})])
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.with_suffix(".md").unlink(missing_ok=True)  # the test root's placeholder
    nbformat.write(notebook, path.with_suffix(".ipynb"))


def cited_studies() -> dict[str, str]:
    """kind -> a study id of the data, whatever its size: 'with-record' (a verified record of
    references.bib is its own, livingreview.data.records), 'without-record', 'cited-only'
    (data/cited.csv, outside Table 1). A kind the data has none of is absent."""
    find = record_finder(read_bibliography(REFERENCES_BIB))
    chosen = {}
    for row in load_studies().to_dict("records"):
        chosen.setdefault("without-record" if find(row) is None else "with-record", row["id"])
    cited = load_cited()
    if len(cited):
        chosen["cited-only"] = cited["id"].iloc[0]
    return chosen


def write_data_pages(srcdir: Path) -> None:
    """The pages drawn from the data, as the chapters' code cells draw them: a chart, the study
    table, the References page's cited-only list, and citations with the {study} role."""
    studies = load_studies()
    book = srcdir / "book"
    chart = next(iter(CHARTS))
    write_notebook(
        book / "analysis", "# Analysis", f"figure_html({chart!r})", chapters.figure_html(chart, studies)._repr_html_()
    )
    write_notebook(book / "studies", "# Studies", "studies_table()", chapters.studies_table(studies)._repr_html_())
    references = (book / "references.md").read_text(encoding="utf-8")
    write_notebook(
        book / "references",
        references + "\n## Cited in the text only",
        "cited_only_html()",
        cited_only_html()._repr_html_(),
    )
    with open(book / "index.md", "a", encoding="utf-8") as page:
        page.write("\n## Citations\n\n")
        for kind, study in [*cited_studies().items(), ("unknown", UNKNOWN_STUDY)]:
            page.write(f"- {kind}: {{study}}`{study}`\n")


class Built:
    def __init__(self, app: SphinxTestApp, status: str, warnings: str):
        self.outdir = Path(app.outdir)
        self.status, self.warnings = status, warnings
        self.title = app.config.html_title
        self.contexts: dict[str, dict] = getattr(app, "test_contexts", {})

    def page(self, name: str) -> Page:
        return Page.read(self.outdir / name)

    def pages(self) -> list[Page]:
        """Every page Sphinx wrote: the chapters, the search and index pages (not the root
        redirect, nor the theme's templates under _static/)."""
        chapters = sorted((self.outdir / "book").glob("*.html"))
        return [Page.read(path) for path in [*chapters, self.outdir / "search.html", self.outdir / "genindex.html"]]


def build(srcdir: Path, buildername: str = "html", capture: bool = False) -> Built:
    """Build the book in `srcdir` in this process. The extension tells later processes (the pages'
    kernels) that the data it checked is valid (VALIDATED_ENV): undone here, so no other test
    trusts data it did not check itself."""
    status, warnings = StringIO(), StringIO()
    with pytest.MonkeyPatch.context() as env:
        env.delenv(VALIDATED_ENV, raising=False)
        app = SphinxTestApp(buildername, srcdir=srcdir, status=status, warning=warnings)
        try:
            if capture:  # the scripts and stylesheets Sphinx hands each page, before the extension's handlers
                app.test_contexts = {}
                app.connect(
                    "html-page-context",
                    lambda app, name, template, context, doctree: app.test_contexts.__setitem__(
                        name, {k: list(context.get(k) or []) for k in ("script_files", "css_files")}
                    ),
                    priority=1,
                )
            app.build()
        finally:
            app.cleanup()
    return Built(app, status.getvalue(), warnings.getvalue())


@pytest.fixture(scope="module")
def book(rootdir, tmp_path_factory) -> Built:
    """The test book with its data pages, built once for this module's tests."""
    srcdir = tmp_path_factory.mktemp("sphinxext") / "book"
    shutil.copytree(rootdir / "test-book", srcdir)
    write_data_pages(srcdir)
    with pytest.MonkeyPatch.context() as env:
        env.delenv(DATA_ENV, raising=False)
        return build(srcdir, capture=True)


# --------------------------------------------------------------------------------------------
# What each page loads


def test_the_build_warns_only_of_the_unknown_study(book):
    warnings = [line for line in book.warnings.splitlines() if "WARNING" in line or "ERROR" in line]
    assert len(warnings) == 1 and UNKNOWN_STUDY in warnings[0] and "no study with this id" in warnings[0], warnings


def _script_names(page: Page) -> list[str]:
    return [urlsplit(s["src"]).path.rsplit("/", 1)[-1] for s in page.scripts() if "src" in s]


def test_a_page_loads_the_scripts_its_body_needs_and_no_other(book):
    index, analysis, studies = (book.page(f"book/{name}.html") for name in ("index", "analysis", "studies"))
    assert "figures.js" in _script_names(analysis) and "figures.js" not in _script_names(index)
    assert "studies-table.js" in _script_names(studies) and "studies-table.js" not in _script_names(analysis)
    for page in (index, analysis, studies):
        for script in page.scripts():
            if "src" in script:
                assert page.resolve(script["src"]).is_file(), (page.path.name, script["src"])
    # sphinx-copybutton's and sphinx-togglebutton's scripts stay only where code or toggles are.
    notebook = book.page("book/notebook.html")
    assert any("copybutton" in name for name in _script_names(notebook))
    assert not any("copybutton" in name or "togglebutton" in name for name in _script_names(index))
    assert not any("toggleHint" in text or "thebe" in text for text in index.inline_scripts)


def test_sphinx_offered_the_pages_scripts_the_extension_left_out(book):
    """What the extension drops, Sphinx did offer (else the test above would prove nothing)."""
    offered = [str(getattr(s, "filename", "") or "") for s in book.contexts["book/index"]["script_files"]]
    assert any("togglebutton" in name for name in offered) and any("copybutton" in name for name in offered)


def test_the_theme_scripts_are_deferred_and_the_page_css_is_the_one_blocking_request(book):
    for page in book.pages():
        links = [tag for tag in blocking_requests(page.markup)]
        assert len(links) == 1 and f"{PAGE_CSS}?v=" in links[0], (page.path, links)
        for script in page.scripts():
            name = urlsplit(script.get("src", "")).path.rsplit("/", 1)[-1]
            if name in upstream.DEFERRABLE:
                assert "defer" in script, (page.path, name)


def test_the_study_table_page_gets_its_data_files_and_its_styles(book):
    studies = book.page("book/studies.html")
    spec = json.loads(next(text for text in studies.inline_scripts if '"prefix"' in text and '"data"' in text))
    # Every file the page's script may load (the filters' index, the search index and its words,
    # each card, the downloads), named from the spec's prefix, is beside the page, as built.
    expected = table_files(load_studies(), spec["data"]["prefix"])
    assert expected, "the table has no data files"
    for name, text in expected.items():
        assert studies.resolve(name).read_text(encoding="utf-8") == text, name
    page_css = (book.outdir / "_static" / PAGE_CSS).read_text(encoding="utf-8")
    first_rule = re.search(r"^([^@/\s][^{]*)\{", (ASSETS_DIR / "studies-table.css").read_text(encoding="utf-8"), re.M)
    assert first_rule and first_rule[1].strip() in page_css  # the table's stylesheet is in page.css


def test_every_asset_is_copied_under_the_books_static_folder(book):
    static = book.outdir / "_static" / STATIC_SUBDIR
    for path in ASSETS_DIR.rglob("*"):
        if path.is_file():
            assert (static / path.relative_to(ASSETS_DIR)).read_bytes() == path.read_bytes(), path


# --------------------------------------------------------------------------------------------
# The page head: one stylesheet, icons drawn inline, Sphinx's options inline


def test_every_page_links_one_combined_stylesheet_crediting_font_awesome(book):
    licence = upstream.distribution_path(*upstream.FONT_AWESOME_LICENSE).read_text(encoding="utf-8")
    page_css = (book.outdir / "_static" / PAGE_CSS).read_text(encoding="utf-8")
    assert page_css.startswith(f"/*! {upstream.font_awesome_credit(licence)} */")
    assert "@import" not in page_css and not re.search(r"@font-face\s*\{[^}]*Font Awesome", page_css)
    tags = {link["href"].rsplit("/", 1)[-1] for page in book.pages() for link in page.all("link", rel="stylesheet")}
    assert len(tags) == 1 and tags.pop().startswith("page.css?v=")  # one version tag, the same file


def test_font_awesome_leaves_the_site_and_its_icons_are_inline_svg(book):
    for name in upstream.FONT_AWESOME_OUTPUT:
        assert not (book.outdir / "_static" / name).exists(), name
    index = book.page("book/index.html")
    assert not any("fa-" in a.get("class", "") for a in index.all("i"))
    icons = [a for a in index.all("svg") if "lr-icon" in a.get("class", "").split()]
    # The repository button's GitHub mark and the search button's magnifying glass, at least.
    assert any("fa-github" in a["class"] for a in icons) and any("fa-magnifying-glass" in a["class"] for a in icons)
    assert all(a.get("aria-hidden") == "true" for a in icons)


def test_sphinx_documentation_options_are_inline(book):
    for page in book.pages():
        assert "documentation_options.js" not in " ".join(_script_names(page)), page.path
        options = [text for text in page.inline_scripts if "const DOCUMENTATION_OPTIONS" in text]
        assert len(options) == 1, page.path


# --------------------------------------------------------------------------------------------
# What the build writes when it finishes


def test_the_downloadable_notebooks_have_numbered_cell_ids(book):
    notebook = json.loads((book.outdir / "_sources" / "book" / "notebook.ipynb").read_text(encoding="utf-8"))
    assert [cell["id"] for cell in notebook["cells"]] == [f"cell-{i}" for i in range(len(notebook["cells"]))]


def test_the_feed_is_written_and_every_page_names_it(book):
    parsed = feedparser.parse((book.outdir / FEED_NAME).read_bytes())
    assert not parsed.bozo and len(parsed.entries) == min(ENTRIES, len(load_studies()) + len(load_releases()))
    for page in book.pages():
        feeds = page.all("link", rel="alternate", type="application/atom+xml")
        assert len(feeds) == 1 and page.resolve(feeds[0]["href"]) == (book.outdir / FEED_NAME).resolve(), page.path


def test_the_root_page_is_a_whole_page_sending_readers_to_the_first_chapter(book):
    """sphinx-external-toc writes a bare <meta> redirect there (upstream.ROOT_REDIRECT_WRITER); the
    extension's page, written after it, is a whole one."""
    root = book.page("index.html")
    assert root.markup.startswith("<!DOCTYPE html>") and root.all("html", lang="en")
    (refresh,) = root.all("meta", **{"http-equiv": "refresh"})
    target = refresh["content"].split("url=", 1)[1]
    assert root.resolve(target) == (book.outdir / "book" / "index.html").resolve()
    assert root.all("a", href=target) and root.all("link", rel="canonical", href=target)
    # The title, however it is spelt, reads back as itself (escaped: not markup).
    assert root.all("title") and book.title in root.text and not root.all("b")


# --------------------------------------------------------------------------------------------
# The {study} role


def _citation(index: Page, kind: str) -> tuple[list[dict], str]:
    """The links (their attributes) and the text of the citation listed after 'kind:' on the page."""
    start = index.markup.index(f"{kind}: ") + len(f"{kind}: ")
    citation = Page(index.markup[start : index.markup.index("</li>", start)])
    return citation.all("a"), citation.text


@pytest.mark.parametrize("kind", ["with-record", "without-record", "cited-only"])
def test_a_citation_names_the_study_as_the_data_does_and_links_where_it_is(book, kind):
    chosen = cited_studies()
    if kind not in chosen:
        pytest.skip(f"the data has no {kind} study to cite")
    study = chosen[kind]
    rows = load_cited() if kind == "cited-only" else load_studies()
    row = rows[rows["id"] == study].iloc[0]
    index = book.page("book/index.html")
    links, text = _citation(index, kind)
    assert row["first_author"] in text and ("n.d." if pd.isna(row["year"]) else str(int(row["year"]))) in text
    page, _, fragment = links[0]["href"].partition("#")
    if kind == "cited-only":  # to its entry on the References page
        assert page == "references.html" and fragment in book.page("book/references.html").ids
    else:  # to its card on the studies page (in the page's first rows or in its data file)
        assert page == "studies.html" and unquote(fragment) == f"study-{study}"
    if kind == "with-record":  # the year opens the record in the bibliography, named in its tooltip
        year_page, _, record = links[1]["href"].partition("#")
        assert year_page == "references.html" and record in book.page("book/references.html").ids
        assert links[1]["title"].strip()
    elif kind == "without-record":
        assert len(links) == 1  # the year is plain text


# --------------------------------------------------------------------------------------------
# Rebuilds, and data that is not valid


def test_a_rebuild_reads_nothing_unless_the_data_changed(make_app, rootdir, tmp_path, monkeypatch):
    srcdir = tmp_path / "book"
    shutil.copytree(rootdir / "test-book", srcdir)
    monkeypatch.delenv(DATA_ENV, raising=False)

    def read_on_build() -> tuple[list[str], str]:
        read: list[str] = []
        monkeypatch.delenv(VALIDATED_ENV, raising=False)
        app = make_app("html", srcdir=srcdir)
        app.connect("env-before-read-docs", lambda app, env, docnames: read.extend(docnames))
        app.build()
        return sorted(read), app.status.getvalue()

    first, status = read_on_build()
    pages = sorted(f"book/{p.stem}" for p in (srcdir / "book").glob("*.md"))
    assert first == pages and f"{len(load_studies())} studies from" in status
    again, status = read_on_build()
    assert again == [] and "studies from" not in status  # nothing read, the data not checked again
    # The same table from another file: the data the pages are computed from changed.
    copy = tmp_path / "studies.csv"
    shutil.copy(studies_path(), copy)
    monkeypatch.setenv(DATA_ENV, str(copy))
    changed, status = read_on_build()
    assert changed == pages and "every page is re-read" in status


def test_invalid_data_stops_the_build_with_the_validators_lines(make_app, rootdir, tmp_path, monkeypatch, capsys):
    srcdir = tmp_path / "book"
    shutil.copytree(rootdir / "test-book", srcdir)
    bad = FIXTURES / "bad-doi.csv"
    monkeypatch.setenv(DATA_ENV, str(bad))
    monkeypatch.delenv(VALIDATED_ENV, raising=False)
    with pytest.raises(SystemExit) as stopped:
        make_app("html", srcdir=srcdir)
    assert stopped.value.code == 2
    printed = capsys.readouterr().err
    _rows, problems = validate(bad)
    assert problems and all(problem.render(bad) in printed for problem in problems)
    assert "Traceback" not in printed and not (srcdir / "_build" / "html" / "book").exists()


def test_another_builder_gets_no_html_assets(make_app, rootdir, tmp_path, monkeypatch):
    srcdir = tmp_path / "book"
    shutil.copytree(rootdir / "test-book", srcdir)
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.delenv(VALIDATED_ENV, raising=False)
    app = make_app("text", srcdir=srcdir)
    app.build()
    out = Path(app.outdir)
    assert (out / "book" / "index.txt").is_file()
    assert not (out / "_static").exists() and not (out / FEED_NAME).exists()
