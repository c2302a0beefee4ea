"""The explorer app: the widget in-process, then the real page served by Voilà, in chromium with the
network cut (every request to another host aborted and counted)."""

from __future__ import annotations

import base64
import csv
import dataclasses
import html
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import ipywidgets as widgets
import pytest

from livingreview import load_studies, load_vocabulary
from livingreview.book import upstream
from livingreview.book.studies_page import EXPLORER_URLPATH, explorer_url, studies_page_url
from livingreview.charts import model as charts
from livingreview.data.counts import term_counts
from livingreview.data.filters import FACETS, FilterState, facet_counts, filter_studies
from livingreview.data.studies import cell_items, data_fingerprint
from livingreview.data.validation import VALIDATED_ENV
from livingreview.explorer.app import CHARTS, TARGET_PX, build_explorer
from livingreview.explorer.server import SERVER_EXTENSION
from livingreview.text.wording import plural

from conftest import ROOT
from hostile import HOSTILE_DOI, HOSTILE_URL, write_hostile_table

STUDIES = load_studies()
DERMATOLOGY = list(filter_studies(STUDIES, domains=["dermatology"])["id"])
NOTEBOOK = ROOT / "book" / "explore.ipynb"


def plain(markup: str) -> str:
    """The text a reader sees in an HTML fragment."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", markup).split()))


def share_links(explorer) -> dict[str, str]:
    """The share links' texts and addresses."""
    return {
        plain(text): html.unescape(href)
        for href, text in re.findall(r'<a[^>]* href="([^"]*)"[^>]*>(.*?)</a>', explorer.link.value)
    }


def table_ids(explorer) -> list[str]:
    return re.findall(r'<tr data-study-id="([^"]*)"', explorer.table.value)


def download(explorer, extension: str) -> str:
    match = re.search(
        rf'download="[^"]*\.{extension}" href="data:[^;]+;charset=utf-8;base64,([^"]+)"', explorer.downloads.value
    )
    assert match, explorer.downloads.value[:300]
    return base64.b64decode(match.group(1)).decode("utf-8")


# --------------------------------------------------------------------------------------------
# (a) The widget, in-process


@pytest.fixture
def explorer():
    return build_explorer(STUDIES)


def test_starts_with_every_study(explorer):
    assert plain(explorer.count.value) == f"{len(STUDIES)} of {len(STUDIES)} studies"
    assert table_ids(explorer) == list(STUDIES["id"])
    assert share_links(explorer) == {
        "Link to this view": studies_page_url(""),
        "Open this view in the explorer": explorer_url(""),
    }
    assert explorer.state == FilterState()
    assert explorer.show_button.description == f"Show {len(STUDIES)} studies"


def test_choosing_a_domain_updates_count_table_link_and_downloads(explorer):
    explorer.facet_controls["domains"].value = ("dermatology",)
    assert plain(explorer.count.value) == f"{len(DERMATOLOGY)} of {len(STUDIES)} studies"
    assert table_ids(explorer) == DERMATOLOGY
    assert share_links(explorer) == {
        "Link to this view": studies_page_url("?domain=dermatology"),
        "Open this view in the explorer": explorer_url("?domain=dermatology"),
    }
    assert explorer.show_button.description == f"Show {len(DERMATOLOGY)} studies"
    assert [row["id"] for row in csv.DictReader(io.StringIO(download(explorer, "csv")))] == DERMATOLOGY
    assert download(explorer, "bib").count("@") == len(DERMATOLOGY)
    assert download(explorer, "ris").count("ER  - ") == len(DERMATOLOGY)


def test_every_term_is_a_checkbox_labelled_with_its_count(explorer):
    vocabulary = load_vocabulary()
    for name, (_key, column) in FACETS.items():
        control = explorer.facet_controls[name]
        facet = vocabulary[column]
        counts = term_counts(STUDIES, column)
        assert control.label == facet.label
        assert list(control.boxes) == list(facet.terms)  # every term, in vocabulary order
        for key, box in control.boxes.items():
            assert isinstance(box, widgets.Checkbox)
            assert box.description == f"{facet.label_of(key)} ({counts[key]:,})"
            # A term no study is coded with is listed with its 0, and cannot be ticked.
            assert box.disabled == (counts[key] == 0)
        assert dict(control.options) == {box.description: key for key, box in control.boxes.items()}
    assert explorer.facet_controls["domains"].boxes["dermatology"].description == f"Dermatology ({len(DERMATOLOGY)})"


def test_the_numbers_beside_the_terms_follow_the_other_filters(explorer):
    """Each term's number is facet_counts (the static page's definition): the studies ticking it
    would show, given the other filters. A term with none in the whole table stays disabled."""
    explorer.show_facet("domains")
    explorer.show_facet("model_families")
    explorer.facet_controls["model_families"].value = ("gan",)
    explorer.search_box.value = "synthetic"
    counts = facet_counts(STUDIES, explorer.state)
    vocabulary = load_vocabulary()
    for name in ("domains", "model_families"):
        column = FACETS[name][1]
        totals = term_counts(STUDIES, column)
        for key, box in explorer.facet_controls[name].boxes.items():
            assert box.description == f"{vocabulary[column].label_of(key)} ({counts[name][key]:,})"
            assert box.disabled == (totals[key] == 0)
    # A list opened later shows the numbers of the filters then.
    contributions = explorer.facet_controls["contributions"]
    explorer.show_facet("contributions")
    assert {key: box.description for key, box in contributions.boxes.items()} == dict(
        (key, label) for label, key in contributions.options
    )
    assert dict((key, label) for label, key in contributions.options)["education"].endswith(
        f"({counts['contributions']['education']:,})"
    )


def test_a_closed_list_costs_the_page_no_checkboxes():
    explorer = build_explorer(STUDIES, "?family=gan")
    assert explorer.open_facets == {"model_families"}  # the list the link chose from
    for name, control in explorer.facet_controls.items():
        checkboxes = [
            w for child in control.children for w in getattr(child, "children", ()) if isinstance(w, widgets.Checkbox)
        ]
        assert bool(checkboxes) == (name == "model_families"), name
    explorer.facet_controls["domains"].value = ("dermatology",)  # set while closed: shown once opened
    explorer.show_facet("domains")
    assert explorer.facet_controls["domains"].boxes["dermatology"].value


def test_the_month_a_study_was_added_is_a_filter(explorer):
    months = sorted({stamp.strftime("%Y-%m") for stamp in STUDIES["added"]}, reverse=True)
    assert [value for _label, value in explorer.added.options] == ["", *months]  # newest first
    month = months[-1]
    added = list(STUDIES.loc[STUDIES["added"].dt.strftime("%Y-%m") == month, "id"])
    explorer.added.value = month
    assert table_ids(explorer) == added
    assert explorer.state.to_query() == f"?added={month}"
    assert build_explorer(STUDIES, f"?added={month}").added.value == month
    assert build_explorer(STUDIES, "?added=1999-01").added.value == ""  # no study was added then


def test_the_explorer_link_carries_the_view_through_binders_urlpath():
    query = FilterState(domains=("dermatology",), text="skin lesions").to_query()
    url = urlsplit(explorer_url(query))
    assert url.scheme == "https" and url.netloc == "mybinder.org"
    assert parse_qs(url.query)["urlpath"] == [EXPLORER_URLPATH + query]
    assert FilterState.from_query(parse_qs(url.query)["urlpath"][0].partition("?")[2]) == FilterState.from_query(query)
    assert studies_page_url(query).endswith("/book/studies.html" + query)


def test_grouped_terms_show_under_their_group(explorer):
    facet = load_vocabulary()["domain"]
    assert facet.groups  # the domains are grouped: specialty, care setting, activity
    control = explorer.facet_controls["domains"]
    control.build()
    headings = [plain(child.value) for child in control.children if isinstance(child, widgets.HTML)]
    grids = [child for child in control.children if isinstance(child, widgets.GridBox)]
    assert headings == [group.label for group in facet.groups.values() if facet.in_group(group.key)]
    assert [[box.description for box in grid.children] for grid in grids] == [
        [control.boxes[key].description for key in facet.in_group(group.key)]
        for group in facet.groups.values()
        if facet.in_group(group.key)
    ]
    # An ungrouped facet is one list, without a heading.
    families = explorer.facet_controls["model_families"]
    families.build()
    assert [type(child) for child in families.children] == [widgets.GridBox]


def test_ticking_a_checkbox_filters_and_names_the_choice(explorer):
    domains = explorer.facet_controls["domains"]
    domains.boxes["dermatology"].value = True  # what a click on the checkbox does
    assert domains.value == ("dermatology",)
    assert table_ids(explorer) == DERMATOLOGY
    assert explorer.facet_toggles["domains"].description == "Clinical domain · 1 chosen"
    domains.boxes["radiology"].value = True
    assert domains.value == ("radiology", "dermatology")  # vocabulary order
    assert table_ids(explorer) == list(filter_studies(STUDIES, domains=["radiology", "dermatology"])["id"])
    domains.boxes["dermatology"].value = domains.boxes["radiology"].value = False
    assert explorer.state == FilterState()
    assert explorer.facet_toggles["domains"].description == "Clinical domain"


def test_setting_a_facet_ticks_its_checkboxes(explorer):
    explorer.facet_controls["model_families"].value = ("diffusion", "gan", "not-a-term")
    assert explorer.facet_controls["model_families"].value == ("gan", "diffusion")
    ticked = [key for key, box in explorer.facet_controls["model_families"].boxes.items() if box.value]
    assert ticked == ["gan", "diffusion"]


def test_every_control_is_labelled(explorer):
    assert explorer.search_box.description
    assert explorer.year_from.description and explorer.year_to.description
    assert all(box.description for control in explorer.facet_controls.values() for box in control.boxes.values())
    for name, control in explorer.facet_controls.items():
        assert explorer.facet_toggles[name].description == control.label


def test_a_list_opens_and_closes_with_its_button(explorer):
    domains, toggle = explorer.facet_controls["domains"], explorer.facet_toggles["domains"]
    assert domains.layout.display == "none" and explorer.open_facets == set()
    toggle.click()
    assert domains.layout.display is None and "lr-open" in toggle._dom_classes
    assert explorer.open_facets == {"domains"}
    explorer.facet_toggles["model_families"].click()  # several lists may be open at once
    assert explorer.open_facets == {"domains", "model_families"}
    toggle.click()
    assert domains.layout.display == "none" and "lr-open" not in toggle._dom_classes


def test_facets_years_and_text_combine(explorer):
    explorer.facet_controls["model_families"].value = ("gan", "diffusion")
    explorer.year_from.value, explorer.year_to.value = "2023", "2025"
    explorer.search_box.value = "SYNTHETIC"
    expected = filter_studies(STUDIES, model_families=["gan", "diffusion"], years=(2023, 2025), text="synthetic")
    assert table_ids(explorer) == list(expected["id"])
    assert explorer.state.to_query() == "?family=gan,diffusion&year=2023-2025&search=SYNTHETIC"


def test_reset_clears_every_filter(explorer):
    explorer.facet_controls["domains"].value = ("dermatology",)
    explorer.search_box.value = "melanoma"
    explorer.year_from.value = "2024"
    explorer.reset_button.click()
    assert explorer.state == FilterState()
    assert table_ids(explorer) == list(STUDIES["id"])


def test_initial_state_from_the_query_string():
    explorer = build_explorer(STUDIES, "?domain=dermatology,bogus&family=gan&year=1900-2100&search=&colour=red")
    assert explorer.facet_controls["domains"].value == ("dermatology",)
    assert explorer.facet_controls["model_families"].value == ("gan",)
    assert (int(explorer.year_from.value), int(explorer.year_to.value)) == explorer.year_bounds  # clamped
    assert table_ids(explorer) == list(filter_studies(STUDIES, domains=["dermatology"], model_families=["gan"])["id"])
    assert explorer.state.to_query() == "?domain=dermatology&family=gan"
    # The link opens the lists it chose from, so the ticked terms are in sight.
    assert explorer.open_facets == {"domains", "model_families"}
    assert explorer.facet_controls["domains"].boxes["dermatology"].value
    assert build_explorer(STUDIES, "").open_facets == set()


def test_voila_style_query_without_question_mark():
    assert table_ids(build_explorer(STUDIES, "domain=dermatology")) == DERMATOLOGY


@pytest.mark.parametrize("query", ["%", "year=99999999999", "domain=<script>", "search=" + "x" * 10_000, "\x00"])
def test_hostile_query_strings_open_the_explorer(query):
    explorer = build_explorer(STUDIES, query)
    assert "<script>" not in explorer.table.value + explorer.link.value


def test_no_match_says_so(explorer):
    explorer.search_box.value = "no study mentions this phrase"
    assert plain(explorer.count.value) == f"0 of {len(STUDIES)} studies"
    assert table_ids(explorer) == []
    assert "No study matches" in plain(explorer.table.value)


def test_charts_follow_the_filters(explorer):
    explorer.facet_controls["domains"].value = ("dermatology",)
    assert all(not output.outputs for output in explorer.charts.values())  # the list is shown: no charts drawn
    explorer.show_results("charts")
    assert explorer.studies_box.layout.display == "none" and explorer.charts_box.layout.display is None
    for name, output in explorer.charts.items():
        assert len(output.outputs) == 1, (name, explorer.chart_captions[name].value)
        spec = output.outputs[0]["data"][upstream.PLOTLY_MIME]
        assert spec["data"] and "layout" in spec
        # The title is a heading of the page (it wraps on a phone), with the subtitle under it.
        assert "title" not in spec["layout"]
        heading = explorer.chart_titles[name].value
        assert f'<h2 class="lr-chart-title">{html.escape(charts.CHARTS[name].title)}</h2>' in heading
        assert f"{len(DERMATOLOGY)} studies" in plain(heading)
        assert (
            plain(explorer.chart_captions[name].value)
            == charts.CHARTS[name].build(filter_studies(STUDIES, domains=["dermatology"])).caption
        )  # the chart in words
        # The chart follows its column's width; its box gets the figure's height.
        assert spec["config"]["responsive"] is True
        assert f"height: {spec['layout']['height']}px" in heading


def test_a_recent_view_takes_its_charts_from_memory(explorer, monkeypatch):
    import livingreview.explorer.app as module

    drawn = []
    real = module.draw_chart
    monkeypatch.setattr(
        module, "draw_chart", lambda name, matches: drawn.append(tuple(matches["id"])) or real(name, matches)
    )
    monkeypatch.setattr(module, "CHART_CACHE_SIZE", 2)
    explorer.show_results("charts")
    every_study = drawn[:]
    assert every_study == [tuple(STUDIES["id"])] * len(CHARTS)
    drawn.clear()
    domains = explorer.facet_controls["domains"]
    domains.value = ("dermatology",)
    assert drawn == [tuple(DERMATOLOGY)] * len(CHARTS)
    domains.value = ()  # every study: drawn when the charts were first shown
    domains.value = ("dermatology",)
    assert drawn == [tuple(DERMATOLOGY)] * len(CHARTS)
    spec = explorer.charts["gap_map"].outputs[0]["data"][upstream.PLOTLY_MIME]
    assert f"{len(DERMATOLOGY)} studies" in plain(explorer.chart_titles["gap_map"].value)
    assert spec["layout"]["height"] > 0
    # Only the most recent views are kept: an older one is drawn again.
    domains.value = ("radiology",)
    domains.value = ("neurology",)
    domains.value = ("dermatology",)
    assert drawn.count(tuple(DERMATOLOGY)) == 2 * len(CHARTS)


def test_large_selections_build_downloads_on_request(explorer, monkeypatch):
    import livingreview.explorer.app as module

    monkeypatch.setattr(module, "DOWNLOAD_LINKS_LIMIT", 3)
    explorer.facet_controls["domains"].value = ("radiology",)
    assert "base64" not in explorer.downloads.value
    assert explorer.prepare_downloads_button.layout.display != "none"
    explorer.prepare_downloads_button.click()
    radiology = list(filter_studies(STUDIES, domains=["radiology"])["id"])
    assert [row["id"] for row in csv.DictReader(io.StringIO(download(explorer, "csv")))] == radiology
    assert explorer.prepare_downloads_button.layout.display == "none"


def test_the_table_lists_a_page_of_studies_and_more_on_request(explorer, monkeypatch):
    import livingreview.explorer.app as module

    monkeypatch.setattr(module, "TABLE_PAGE", 4)
    explorer.facet_controls["domains"].value = ("radiology",)
    radiology = list(filter_studies(STUDIES, domains=["radiology"])["id"])
    assert len(radiology) > 4  # the shipped table: more radiology studies than a page of 4
    assert table_ids(explorer) == radiology[:4]
    assert f"first 4 of the {len(radiology)} matching studies" in plain(explorer.table.value)
    assert plain(explorer.count.value).startswith(f"{len(radiology)} of")
    assert explorer.more_button.layout.display is None
    assert (
        explorer.more_button.description
        == f"Show {min(4, len(radiology) - 4)} more stud{'y' if len(radiology) == 5 else 'ies'}"
    )
    while explorer.more_button.layout.display is None:
        explorer.more_button.click()
    assert table_ids(explorer) == radiology
    explorer.facet_controls["domains"].value = ()  # a new selection starts from one page again
    assert table_ids(explorer) == list(STUDIES["id"][:4])


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_tables(rows):
    explorer = build_explorer(STUDIES.iloc[:rows])
    assert plain(explorer.count.value) == f"{rows} of {rows} stud{'y' if rows == 1 else 'ies'}"
    assert len(table_ids(explorer)) == rows
    explorer.search_box.value = "x"
    explorer.reset_button.click()
    assert explorer.state == FilterState()


def test_study_card_has_the_details_and_a_doi_link(explorer):
    row = STUDIES[STUDIES["id"] == "la-salvia-2022"].iloc[0]
    card = explorer.table.value.split('data-study-id="la-salvia-2022"', 1)[1].split("</tr>", 1)[0]
    assert "<details" in card and "<summary" in card
    for column in ("dataset", "method", "model", "application", "purpose", "limitations"):
        assert all(html.escape(item) in card for item in cell_items(row[column]))  # one per line
    assert f'href="https://doi.org/{row["doi"]}"' in card
    vocabulary = load_vocabulary()
    for column in ("modality", "limitation_themes"):  # coded tags, shown by their labels
        for key in row[column]:
            assert html.escape(vocabulary[column].label_of(key)) in card


def test_rows_drawn_once_are_those_a_fresh_explorer_draws(explorer):
    for state in (
        FilterState(domains=("radiology",)),
        FilterState(text="skin"),
        FilterState(),
        FilterState(years=(2024, 2025)),
    ):
        explorer.set_state(state)
        assert explorer.table.value == build_explorer(STUDIES, state.to_query()).table.value


def test_hostile_text_is_shown_as_text(tmp_path):
    hostile = load_studies(write_hostile_table(tmp_path / "hostile.csv"))
    markup = build_explorer(hostile).table.value
    assert "<script" not in markup and "<img" not in markup and "<svg" not in markup and "<b " not in markup
    assert html.escape("<script>alert(1)</script>") in markup  # shown, as text
    # Links: only https://doi.org/<DOI> (percent-encoded) and the table's own https URLs.
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', markup)]
    dois = {f"https://doi.org/{d}" for d in hostile["doi"] if d}
    urls = set(hostile["url"])
    assert HOSTILE_URL in hrefs and "https://doi.org/" + HOSTILE_DOI in {unquote(h) for h in hrefs}
    for href in hrefs:
        assert href in urls or (href.startswith("https://doi.org/10.") and unquote(href) in dois), href
        if href.startswith("https://doi.org/"):
            assert not re.search(r'[<>"\s]', href), href


# --------------------------------------------------------------------------------------------
# (b) The real page: Voilà serving book/explore.ipynb, driven in chromium with the network cut

VOILA_TEMPLATE = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "livingreview"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(command: list[str], port: int, workdir: Path, *, env: dict | None = None, cwd: Path = ROOT):
    """A Jupyter process (`voila` or `jupyter server`) started in `cwd` (the repository root, as
    Binder and `voila book/explore.ipynb` start it), stopped after. By default it runs in this
    environment with a Jupyter set-up of its own; `env` replaces the whole environment."""
    if env is None:
        if not VOILA_TEMPLATE.is_dir():
            pytest.fail(f"The explorer's Voilà template is not linked into {sys.prefix}: run `make .venv/.installed`")
        env = dict(os.environ)
        env.update(
            JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),  # connection files, not in ~/.local
            JUPYTER_DATA_DIR=str(workdir / "data"),  # the notebook-signing secret
            JUPYTER_CONFIG_DIR=str(workdir / "config"),  # no personal config leaks into the test
            # The kernel runs in book/ and must import the package even when it is not installed.
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        env.pop("QUERY_STRING", None)
    log = open(workdir / "server.log", "w+")  # noqa: SIM115 (closed below, after the server)
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:  # wait for the port to listen (a GET would start a kernel, so only connect)
            if server.poll() is not None:
                log.seek(0)
                pytest.fail(f"{command[:3]} exited with {server.returncode}:\n{log.read()[-4000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"nothing listens on port {port} after 90 s:\n{log.read()[-4000:]}")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()  # Voilà and Jupyter shut their kernels down on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    """Base URL of a fresh Voilà server for book/explore.ipynb on a free localhost port."""
    port = free_port()
    command = [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    with serving(command, port, tmp_path_factory.mktemp("voila")) as url:
        yield url


#: Console message types a clean page never logs ("trace": plotly.js writes its "WARN:" lines so).
CONSOLE_PROBLEMS = ("error", "warning", "assert", "trace")


@dataclass
class Visit:
    """A browser tab on the explorer with the network cut: every request to a host other than
    127.0.0.1 is recorded and aborted; console messages and page errors are recorded."""

    page: object
    remote: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)  # the page's Jupyter page config, once read
    requested: list[str] = field(default_factory=list)  # every request's address, in order

    def problems(self) -> list[str]:
        """Requests to other hosts, page errors, and every console error or warning: webpack's
        version warnings among them, and plotly.js's, which it logs with console.trace."""
        noisy = [f"console {kind}: {text}" for kind, text in self.console if kind in CONSOLE_PROBLEMS]
        return [f"request to another host: {url}" for url in self.remote] + self.errors + noisy


def cut_network(context) -> Visit:
    """A tab of `context` as a Visit: requests to hosts other than 127.0.0.1 recorded and aborted."""
    visit = Visit(context.new_page())

    def route(route, request):
        visit.requested.append(request.url)
        if request.url.startswith(("data:", "blob:")) or urlsplit(request.url).hostname == "127.0.0.1":
            return route.continue_()
        visit.remote.append(request.url)
        return route.abort()

    context.route("**/*", route)
    visit.page.on("console", lambda message: visit.console.append((message.type, message.text)))
    visit.page.on("pageerror", lambda error: visit.errors.append(f"page error: {error}"))
    return visit


@pytest.fixture
def visit(browser, voila_url):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    yield cut_network(context)
    context.close()


def assert_page_script_loaded_once_while_the_notebook_runs(visit: Visit) -> None:
    """The explorer's template links voila.js `async` right after the page config, so the browser
    loads it while the notebook runs, and cuts Voilà's own link at the page's end (which would
    load and start the app a second time)."""
    scripts = [url for url in visit.requested if urlsplit(url).path.endswith("/voila/static/voila.js")]
    assert len(scripts) == 1, scripts
    tags = visit.page.locator("script[src$='/voila.js']")
    assert tags.count() == 1 and tags.get_attribute("async") is not None
    after_config = visit.page.evaluate(
        "() => document.getElementById('jupyter-config-data').compareDocumentPosition("
        "document.querySelector(\"script[src$='/voila.js']\")) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert after_config


def open_explorer(page, url: str) -> None:
    page.goto(url, timeout=120_000)
    # The notebook runs in a fresh kernel before the widgets appear: allow for a slow machine.
    page.wait_for_selector(".lr-count", timeout=120_000)


def shown_ids(page) -> list[str]:
    return page.locator("tr[data-study-id]").evaluate_all("rows => rows.map(r => r.dataset.studyId)")


def checkbox(page, key: str, column: str = "domain"):
    """A term's checkbox, by its visible label: the term and its number of studies (which follows
    the other filters)."""
    # Playwright writes the pattern into a selector between slashes: a "/" in a label ("Graph /
    # molecular generator") would end it there, so it is escaped too (re.escape leaves it).
    label = re.escape(load_vocabulary()[column].label_of(key)).replace("/", r"\/")
    return page.get_by_role("checkbox", name=re.compile(rf"^{label} \(\d[\d,]*\)$"))


def assert_shows_dermatology(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".lr-count")).to_have_text(f"{len(DERMATOLOGY)} of {len(STUDIES)} studies", timeout=60_000)
    expect(page.locator("tr[data-study-id]")).to_have_count(len(DERMATOLOGY))
    assert shown_ids(page) == DERMATOLOGY
    share = page.get_by_role("link", name="Link to this view")
    expect(share).to_have_attribute("href", studies_page_url("?domain=dermatology"))
    expect(checkbox(page, "dermatology")).to_be_checked()
    href = page.locator('a[download$=".csv"]').get_attribute("href")
    exported = base64.b64decode(href.split("base64,", 1)[1]).decode("utf-8")
    assert [row["id"] for row in csv.DictReader(io.StringIO(exported))] == DERMATOLOGY


def show_charts(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Charts", exact=True).click()
    expect(page.locator(".js-plotly-plot")).to_have_count(len(CHARTS), timeout=60_000)


def assert_charts_fit(page, width: int) -> None:
    """Both charts drawn with a height (a plotly/Voilà sizing bug once left them at 0 px), drawn as
    wide as their box, and nothing wider than the window."""
    from playwright.sync_api import expect

    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(len(CHARTS), timeout=60_000)
    page.wait_for_timeout(500)  # plotly.js redraws on the window's resize event
    for box in plots.evaluate_all(
        "ps => ps.map(p => ({height: p.getBoundingClientRect().height, right: p.getBoundingClientRect().right,"
        " svg: Number(p.querySelector('.main-svg').getAttribute('width')), box: p.getBoundingClientRect().width}))"
    ):
        assert box["height"] > 100, box
        assert box["right"] <= width and abs(box["svg"] - box["box"]) < 2, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.browser
def test_the_explorer_by_touch_with_the_network_cut(visit, voila_url, tmp_path_factory):
    from playwright.sync_api import expect

    page = visit.page
    open_explorer(page, voila_url)
    expect(page.locator(".lr-count")).to_have_text(f"{len(STUDIES)} of {len(STUDIES)} studies")
    assert shown_ids(page) == list(STUDIES["id"])
    assert_page_script_loaded_once_while_the_notebook_runs(visit)

    # Open the clinical domains and tick dermatology: a checkbox, found by its visible label.
    domains = page.get_by_role("button", name="Clinical domain", exact=True)
    expect(domains).to_have_attribute("aria-expanded", "false")
    domains.click()
    expect(domains).to_have_attribute("aria-expanded", "true")
    dermatology = checkbox(page, "dermatology")
    expect(dermatology).to_be_visible()
    # A finger's target: the whole row, box and label, is at least TARGET_PX high.
    row = page.locator("label.widget-label-basic", has=dermatology)
    assert row.bounding_box()["height"] >= TARGET_PX and dermatology.bounding_box()["height"] >= 20
    row.click()
    assert_shows_dermatology(page)
    expect(page.get_by_role("button", name="Clinical domain · 1 chosen")).to_have_attribute("aria-expanded", "true")
    # A term without studies is listed, greyed, and cannot be ticked.
    gaps = [key for key, n in term_counts(STUDIES, "domain").items() if n == 0]
    if gaps:
        expect(checkbox(page, gaps[0])).to_be_disabled()
    # A second list: ticking a model family narrows the selection, unticking widens it again. Its
    # terms count the dermatology studies now.
    family = filter_studies(STUDIES, domains=["dermatology"])["model_family"].iloc[0][0]
    page.get_by_role("button", name="Model family", exact=True).click()
    in_dermatology = facet_counts(STUDIES, FilterState(domains=("dermatology",)))["model_families"][family]
    expect(checkbox(page, family, "model_family")).to_have_accessible_name(
        f"{load_vocabulary()['model_family'].label_of(family)} ({in_dermatology})"
    )
    checkbox(page, family, "model_family").click()
    both = list(filter_studies(STUDIES, domains=["dermatology"], model_families=[family])["id"])
    expect(page.locator(".lr-count")).to_have_text(f"{len(both)} of {len(STUDIES)} studies", timeout=60_000)
    assert shown_ids(page) == both
    checkbox(page, family, "model_family").click()
    assert_shows_dermatology(page)
    # A row opens into its card; the charts, behind their tab, show the same studies.
    page.locator("details.lr-study summary").first.click()
    expect(page.locator("details.lr-study").first.locator(".lr-card")).to_be_visible()
    show_charts(page)
    for subtitle in page.locator(".lr-chart-sub").all():
        expect(subtitle).to_contain_text(f"{len(DERMATOLOGY)} studies;", timeout=60_000)

    shots = tmp_path_factory.mktemp("explorer-screenshots")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_charts_fit(page, width)
        # Voilà's page scrolls inside the window: make the window as tall as the page to see it all.
        height = page.evaluate("() => document.getElementById('rendered_cells').scrollHeight")
        page.set_viewport_size({"width": width, "height": min(height + 40, 12_000)})
        page.screenshot(path=shots / f"explorer-{width}.png", full_page=True)
    assert visit.problems() == []


@pytest.mark.browser
def test_opening_a_shared_link_with_the_network_cut(visit, voila_url):
    from playwright.sync_api import expect

    page = visit.page
    open_explorer(page, voila_url + "?domain=dermatology")
    assert_shows_dermatology(page)
    # The list the link chose from is open, its choice ticked and named in the section's title.
    expect(checkbox(page, "dermatology")).to_be_visible()
    expect(page.get_by_role("button", name="Clinical domain · 1 chosen")).to_have_attribute("aria-expanded", "true")
    assert visit.problems() == []


#: The page's own background (Voilà's #rendered_cells) and the explorer's text colour, as
#: relative luminances (WCAG): which theme the reader sees.
LUMINANCE_JS = """() => {
  const lum = (css) => { const [r, g, b] = css.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((v) => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return {page: lum(getComputedStyle(document.getElementById('rendered_cells')).backgroundColor),
          text: lum(getComputedStyle(document.querySelector('.lr-app')).color)};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_explorer_follows_the_readers_light_or_dark_and_passes_axe(browser, voila_url, scheme):
    """A reader whose system is in the dark gets the explorer in the dark (JupyterLab's dark theme
    and the explorer's own dark colours), and axe-core finds no serious problem in either, colour
    contrast included, with a list and a study card open."""
    from test_accessibility import AXE, run_axe

    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci --prefix tests/js); test_accessibility installs it")
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        visit = cut_network(context)
        page = visit.page
        open_explorer(page, voila_url)
        page.get_by_role("button", name="Clinical domain", exact=True).click()
        page.locator(".lr-study summary").first.click()
        page.wait_for_timeout(500)
        seen = page.evaluate(LUMINANCE_JS)
        if scheme == "dark":
            assert seen["page"] < 0.05 and seen["text"] > 0.6, seen
        else:
            assert seen["page"] > 0.9 and seen["text"] < 0.05, seen
        assert run_axe(page, AXE) == [], f"{scheme} at {width} px"
        assert visit.problems() == []
        context.close()


#: What a finger presses in the explorer: every control, and links that are not inside running
#: text (a study card's links sit in its sentences); a checkbox's target is its whole row, box and label.
TARGETS_JS = """() => [...document.querySelectorAll(
    '.lr-app button, .lr-app select, .lr-app input:not([type=checkbox]), .lr-app summary, ' +
    '.lr-app label.widget-label-basic, .lr-app a:not(.lr-card a), .lr-app .modebar-btn')]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map((e) => { const r = e.getBoundingClientRect();
    return {what: e.tagName.toLowerCase() + ' ' + (e.getAttribute('aria-label') || e.getAttribute('data-title') ||
      e.textContent.trim() || e.getAttribute('placeholder') || e.className).slice(0, 60),
      width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10}; })"""

#: Pairs of chart axis labels (tick texts) whose boxes overlap, per chart.
OVERLAPS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map((plot) => {
  const boxes = [...plot.querySelectorAll('.xtick text, .ytick text')].map((t) => [t.textContent, t.getBoundingClientRect()]);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    if (r.left < s.right - 0.5 && s.left < r.right - 0.5 && r.top < s.bottom - 0.5 && s.top < r.bottom - 0.5) hits.push(a + ' / ' + b);
  }
  return {labels: boxes.length, overlaps: hits};
})"""

#: Whether the placeholder of every text box fits its box (its text width, in the box's font).
PLACEHOLDER_JS = """() => [...document.querySelectorAll('.lr-app input[placeholder]')].map((input) => {
  const style = getComputedStyle(input);
  const context = document.createElement('canvas').getContext('2d');
  context.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {placeholder: input.placeholder, text: context.measureText(input.placeholder).width, room};
})"""


def count_in_view(page) -> dict:
    return page.evaluate(
        "() => { const r = document.querySelector('.lr-count').getBoundingClientRect();"
        " const b = document.querySelector('button.lr-show').getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, show_top: b.top, show_bottom: b.bottom, height: innerHeight}; }"
    )


def assert_in_view(box: dict, what: str) -> None:
    assert box["top"] >= 0 and box["bottom"] <= box["height"], (what, box)
    assert box["show_top"] >= 0 and box["show_bottom"] <= box["height"], (what, box)


@pytest.mark.browser
def test_the_explorer_on_a_phone_by_touch(browser, voila_url, tmp_path):
    """A 390 px phone with touch: the count and "Show N studies" in view after every tap, the list
    where the filters lead, an opened card's text at least 300 px wide, no chart label over
    another, no target under TARGET_PX each way; and the search box's hint whole at 1366 px."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    visit = cut_network(context)
    page = visit.page
    open_explorer(page, voila_url)
    vocabulary = load_vocabulary()
    state = FilterState()
    for name, column, steps in (("domains", "domain", 3), ("model_families", "model_family", 2)):
        page.get_by_role("button", name=vocabulary[column].label, exact=True).tap()
        assert_in_view(count_in_view(page), f"after opening {column}")
        used = [key for key, n in facet_counts(STUDIES, state)[name].items() if n > 0]
        for key in used[-steps:]:  # the last ones: far down the list, the count far above the finger
            checkbox(page, key, column).tap()
            chosen = tuple(k for k in vocabulary[column].terms if k in {*getattr(state, name), key})
            state = dataclasses.replace(state, **{name: chosen})
            shown = len(state.apply(STUDIES))
            expect(page.locator(".lr-count")).to_have_text(f"{shown} of {len(STUDIES)} studies", timeout=60_000)
            assert_in_view(count_in_view(page), f"after ticking {key}")
    # "Show N studies" takes the finger to the list, right after the filters.
    show = page.locator("button.lr-show")
    expect(show).to_have_text(f"Show {plural(len(state.apply(STUDIES)), 'study', 'studies')}")
    page.locator(".lr-app button", has_text="Reset filters").tap()
    expect(page.locator(".lr-count")).to_have_text(f"{len(STUDIES)} of {len(STUDIES)} studies", timeout=60_000)
    show.tap()
    page.wait_for_timeout(300)
    top = page.evaluate("() => document.getElementById('lr-results').getBoundingClientRect().top")
    head = page.evaluate("() => document.querySelector('.lr-head').getBoundingClientRect().bottom")
    assert head <= top <= head + 60, (head, top)
    assert_in_view(count_in_view(page), "after Show N studies")

    # An opened card's text uses the width of the phone.
    page.locator("details.lr-study summary").first.tap()
    widths = page.locator("details.lr-study[open] .lr-card dd").evaluate_all(
        "dds => dds.map((dd) => dd.getBoundingClientRect().width)"
    )
    assert widths and min(widths) >= 300, widths

    # Every target, with a list open, the list of studies and then the charts shown.
    targets = page.evaluate(TARGETS_JS)
    show_charts(page)
    page.wait_for_timeout(1000)  # plotly.js's toolbar is drawn with the chart
    targets += page.evaluate(TARGETS_JS)
    assert any(t["what"].startswith("input") for t in targets) and any("Download" in t["what"] for t in targets)
    for control in ("Link to this view", "Open this view in the explorer", "Download plot", "as CSV", "Charts"):
        assert any(control in t["what"] for t in targets), (control, targets)
    small = [t for t in targets if t["width"] < TARGET_PX or t["height"] < TARGET_PX]
    assert small == [], small
    overlaps = page.evaluate(OVERLAPS_JS)
    assert len(overlaps) == len(CHARTS) and all(chart["labels"] for chart in overlaps)
    assert [chart["overlaps"] for chart in overlaps] == [[]] * len(CHARTS), overlaps
    page.screenshot(path=tmp_path / "explorer-phone.png", full_page=True)

    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        for box in page.evaluate(PLACEHOLDER_JS):
            assert box["text"] <= box["room"], (width, box)
    assert visit.problems() == []
    context.close()


@pytest.mark.browser
def test_a_link_cannot_swap_in_a_template_that_loads_from_a_cdn(visit, voila_url):
    """Voilà lets a link pick another template or theme; the others link Font Awesome from a
    CDN, so voila.json turns that off."""
    open_explorer(visit.page, voila_url + "?voila-template=lab&voila-theme=dark")
    assert visit.problems() == []
    assert visit.page.locator("body").get_attribute("data-jp-theme-light") == "true"


# --------------------------------------------------------------------------------------------
# (c) Binder as it runs: repo2docker's base environment, then the project's, served by `jupyter server`

#: The Python packages of Binder's base environment (pinned from repo2docker's lock file; the file says where from).
BINDER_BASE = ROOT / "tests" / "fixtures" / "repo2docker" / "base-environment-py3.11.txt"
#: JupyterLab extensions Binder's base environment installs that Voilà would put in the page
#: (jupyter-offlinenotebook, notebook, jupyter-resource-usage): voila.json keeps them out.
BINDER_EXTENSIONS = ("jupyter-offlinenotebook", "@jupyter-notebook/lab-extension", "@jupyter-server/resource-usage")


def test_the_server_compiles_the_pages_templates_once(monkeypatch):
    """Voilà makes a new exporter, with a new Jinja environment, for every visit: with the server
    extension, the second exporter loads the page's templates compiled by the first, and renders
    the same page."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter

    from livingreview.explorer import server

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    plain = HTMLExporter(template_name="lab").from_notebook_node(notebook)[0]
    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)
    server.TEMPLATE_CACHE.clear()
    server.cache_compiled_templates()
    server.cache_compiled_templates()  # once per process, however often it is asked
    compiled = 0  # templates Jinja compiled so far
    original = jinja2.Environment.compile

    def counting_compile(env, *args, **kwargs):
        nonlocal compiled
        compiled += 1
        return original(env, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting_compile)
    pages, per_visit = [], []
    for _visit in range(2):
        before = compiled
        exporter = HTMLExporter(template_name="lab")
        assert exporter.environment.bytecode_cache is server.TEMPLATE_CACHE
        pages.append(exporter.from_notebook_node(notebook)[0])
        per_visit.append(compiled - before)
    assert per_visit[0] > 0 and per_visit[1] == 0, per_visit  # compiled on the first visit only
    assert pages[0] == pages[1] == plain


#: What Binder's server would log on every visit if binder/postBuild did not quiet it.
SERVER_NOISE = ("Kernel is running over TCP without encryption", "is not trusted")
TOKEN = "explorer-test-token"


def run(command: list[str], **options) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, **options)
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command[:4])} ... exited with {result.returncode}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


@pytest.fixture(scope="module")
def binder(tmp_path_factory) -> dict:
    """An environment made as repo2docker makes Binder's, in a fresh virtual environment: the base
    environment's packages, then `pip install -r binder/requirements.txt` from the repository,
    then `bash binder/postBuild` with a HOME of its own (the Jupyter user data, as in the image).
    Its server starts through binder/start (binder_server)."""
    root = tmp_path_factory.mktemp("binder")
    venv, home = root / "venv", root / "home"
    home.mkdir()
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, "--no-deps", "-r", str(BINDER_BASE)])
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    env.pop("QUERY_STRING", None)
    env.update(HOME=str(home), PATH=os.pathsep.join([str(venv / "bin"), env.get("PATH", "")]))
    run([*pip, "-r", "binder/requirements.txt"], cwd=ROOT, env=env)
    run(["bash", str(ROOT / "binder" / "postBuild")], cwd=ROOT, env=env)
    return {"venv": venv, "env": env}


def binder_server(binder: dict, workdir: Path, *, cwd: Path = ROOT):
    """Binder's `jupyter server` (its extensions, Voilà's among them) serving the repository,
    started through binder/start as Binder starts it."""
    port = free_port()
    command = ["bash", str(ROOT / "binder" / "start")]
    command += [str(binder["venv"] / "bin" / "jupyter"), "server", "--no-browser", "--allow-root", "--ip=127.0.0.1"]
    command += [f"--port={port}", f"--IdentityProvider.token={TOKEN}", "--ServerApp.port_retries=0"]
    command += [f"--ServerApp.root_dir={ROOT}"]
    return serving(command, port, workdir, env=binder["env"], cwd=cwd)


def visit_as_binder(browser, url: str) -> Visit:
    """The explorer at Binder's address for it, opened with the network cut; its charts shown."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    visit = cut_network(context)
    open_explorer(visit.page, f"{url}voila/render/book/explore.ipynb?token={TOKEN}")
    show_charts(visit.page)  # plotly's renderer draws them: every extension the page loads has run
    visit.page.wait_for_timeout(2000)  # anything the page loads late (a typesetter, an extension)
    visit.config = json.loads(visit.page.locator("#jupyter-config-data").text_content())
    return visit


@pytest.mark.slow
@pytest.mark.browser
def test_the_explorer_as_binder_runs_it(binder, browser, tmp_path):
    """Nothing from another host and a clean console, in the environment Binder builds and the
    way Binder serves the explorer: Jupyter server's Voilà extension at voila/render/...; and the
    same check sees both problems come back when the project's Voilà settings are not read."""
    labextensions = binder["venv"] / "share" / "jupyter" / "labextensions"
    for name in BINDER_EXTENSIONS:  # else this test would prove nothing about them
        assert (labextensions / name / "package.json").is_file(), f"Binder's base environment no longer installs {name}"
    with binder_server(binder, tmp_path) as url:
        visit = visit_as_binder(browser, url)
        expect_count = f"{len(STUDIES)} of {len(STUDIES)} studies"
        assert visit.page.locator(".lr-count").inner_text() == expect_count
        problems = visit.problems()
        assert_page_script_loaded_once_while_the_notebook_runs(visit)
        mathjax = [visit.config.get(option) for option in upstream.VOILA_MATHJAX_OPTIONS]
        visit.page.context.close()
    log = (tmp_path / "server.log").read_text()
    assert problems == []
    # binder/start checks the data once a session and tells the kernels (a second saved on every visit).
    marker = subprocess.run(
        ["bash", str(ROOT / "binder" / "start"), "python", "-c", f"import os; print(os.environ['{VALIDATED_ENV}'])"],
        cwd=ROOT,
        env=binder["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert marker.stdout.strip() == data_fingerprint(), marker.stderr
    assert mathjax == [None, None]  # Jupyter server gives none: the template's null, not Voilà's default
    assert [line for line in log.splitlines() if any(noise in line for noise in SERVER_NOISE)] == []
    # binder/postBuild enables the server extension that keeps the page's templates compiled.
    assert f"{SERVER_EXTENSION} | extension was successfully loaded" in log

    # Started where voila.json is not (Voilà's own settings: every extension, its lab template):
    # the page loads from a CDN and the three extensions fill the console, and this test sees it.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with binder_server(binder, elsewhere, cwd=elsewhere) as url:
        visit = visit_as_binder(browser, url)
        remote, noisy = visit.remote, [kind for kind, _ in visit.console if kind in CONSOLE_PROBLEMS]
        visit.page.context.close()
    assert any(upstream.VOILA_MATHJAX_CDN in request for request in remote), remote
    assert "warning" in noisy and "error" in noisy, visit.console
