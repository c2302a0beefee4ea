"""The explorer app: the widget in-process, then the real page served by Voilà in chromium."""

from __future__ import annotations

import base64
import csv
import html
import io
import os
import re
import socket
import subprocess
import sys
import time
from urllib.parse import unquote

import pytest

from livingreview import load_studies, load_vocabulary
from livingreview.explorer import build_explorer
from livingreview.filters import FilterState, filter_studies

from conftest import ROOT
from hostile import HOSTILE_DOI, HOSTILE_URL, write_hostile_table

STUDIES = load_studies()
DERMATOLOGY = list(filter_studies(STUDIES, domains=["dermatology"])["id"])
NOTEBOOK = ROOT / "book" / "explore.ipynb"


def plain(markup: str) -> str:
    """The text a reader sees in an HTML fragment."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", markup).split()))


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
    assert "no filters" in plain(explorer.link.value)
    assert explorer.state == FilterState()


def test_choosing_a_domain_updates_count_table_link_and_downloads(explorer):
    explorer.facet_controls["domains"].value = ("dermatology",)
    assert plain(explorer.count.value) == f"{len(DERMATOLOGY)} of {len(STUDIES)} studies"
    assert table_ids(explorer) == DERMATOLOGY
    assert "Link to this view: ?domain=dermatology" in plain(explorer.link.value)
    assert [row["id"] for row in csv.DictReader(io.StringIO(download(explorer, "csv")))] == DERMATOLOGY
    assert download(explorer, "bib").count("@") == len(DERMATOLOGY)
    assert download(explorer, "ris").count("ER  - ") == len(DERMATOLOGY)


def test_controls_show_labels_with_counts_and_carry_keys(explorer):
    control = explorer.facet_controls["domains"]
    assert control.description == "Clinical domain"
    labels = dict((key, label) for label, key in control.options)
    assert labels["dermatology"] == f"Dermatology ({len(DERMATOLOGY)})"
    assert labels["neurology"].startswith("Neurology (")
    for control in explorer.facet_controls.values():  # every control is labelled
        assert control.description
    assert explorer.year_slider.description and explorer.search_box.description


def test_facets_years_and_text_combine(explorer):
    explorer.facet_controls["model_families"].value = ("gan", "diffusion")
    explorer.year_slider.value = (2023, 2025)
    explorer.search_box.value = "SYNTHETIC"
    expected = filter_studies(STUDIES, model_families=["gan", "diffusion"], years=(2023, 2025), text="synthetic")
    assert table_ids(explorer) == list(expected["id"])
    assert explorer.state.to_query() == "?family=gan,diffusion&year=2023-2025&search=SYNTHETIC"


def test_reset_clears_every_filter(explorer):
    explorer.facet_controls["domains"].value = ("dermatology",)
    explorer.search_box.value = "melanoma"
    explorer.year_slider.value = (2024, 2025)
    explorer.reset_button.click()
    assert explorer.state == FilterState()
    assert table_ids(explorer) == list(STUDIES["id"])


def test_initial_state_from_the_query_string():
    explorer = build_explorer(STUDIES, "?domain=dermatology,bogus&family=gan&year=1900-2100&search=&colour=red")
    assert explorer.facet_controls["domains"].value == ("dermatology",)
    assert explorer.facet_controls["model_families"].value == ("gan",)
    assert tuple(explorer.year_slider.value) == explorer.year_bounds  # clamped to the data's years
    assert table_ids(explorer) == list(filter_studies(STUDIES, domains=["dermatology"], model_families=["gan"])["id"])
    assert explorer.state.to_query() == "?domain=dermatology&family=gan"


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
    for name, output in explorer.charts.items():
        assert len(output.outputs) == 1, (name, explorer.chart_captions[name].value)
        spec = output.outputs[0]["data"]["application/vnd.plotly.v1+json"]
        assert spec["data"] and "layout" in spec
        assert f"{len(DERMATOLOGY)} studies" in str(spec["layout"]["title"])
        assert plain(explorer.chart_captions[name].value)  # the chart in words


def test_large_selections_build_downloads_on_request(explorer, monkeypatch):
    import livingreview.explorer as module

    monkeypatch.setattr(module, "DOWNLOAD_LINKS_LIMIT", 3)
    explorer.facet_controls["domains"].value = ("radiology",)
    assert "base64" not in explorer.downloads.value
    assert explorer.prepare_downloads_button.layout.display != "none"
    explorer.prepare_downloads_button.click()
    radiology = list(filter_studies(STUDIES, domains=["radiology"])["id"])
    assert [row["id"] for row in csv.DictReader(io.StringIO(download(explorer, "csv")))] == radiology
    assert explorer.prepare_downloads_button.layout.display == "none"


def test_the_table_lists_a_bounded_number_of_studies(explorer, monkeypatch):
    import livingreview.explorer as module

    monkeypatch.setattr(module, "TABLE_ROWS_LIMIT", 4)
    explorer.facet_controls["domains"].value = ("radiology",)
    radiology = list(filter_studies(STUDIES, domains=["radiology"])["id"])
    assert table_ids(explorer) == radiology[:4]
    assert f"first 4 of the {len(radiology)} matching studies" in plain(explorer.table.value)
    assert plain(explorer.count.value).startswith(f"{len(radiology)} of")


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
        assert html.escape(row[column]) in card
    assert f'href="https://doi.org/{row["doi"]}"' in card
    vocabulary = load_vocabulary()
    for column in ("modality", "limitation_themes"):  # coded tags, shown by their labels
        for key in row[column]:
            assert html.escape(vocabulary[column].label_of(key)) in card


def test_update_is_fast(explorer):
    timings = []
    for domains in [("dermatology",), ("radiology", "neurology"), (), ("general",)] * 3:
        start = time.perf_counter()
        explorer.facet_controls["domains"].value = domains
        timings.append(time.perf_counter() - start)
    # The median, not the worst: a loaded CI machine may stall any single update.
    assert sorted(timings)[len(timings) // 2] < 1.0, timings


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
# (b) The real page: Voilà serving book/explore.ipynb, driven in chromium


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory, request):
    """Base URL of a Voilà server for book/explore.ipynb on a free localhost port; stopped after."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    env = dict(os.environ)
    env.update(
        JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),  # connection files, not in ~/.local
        JUPYTER_DATA_DIR=str(jupyter / "data"),  # the notebook-signing secret
        JUPYTER_CONFIG_DIR=str(jupyter / "config"),  # no personal config leaks into the test
        # The kernel runs in book/ and must import the package even when it is not installed.
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("QUERY_STRING", None)
    port = free_port()
    log = open(jupyter / "voila.log", "w+")  # noqa: SIM115 (closed by the finalizer, after the server)
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def stop():
        server.terminate()  # Voilà shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()

    request.addfinalizer(stop)
    deadline = time.monotonic() + 90
    while True:  # wait for the port to listen (a GET would start a kernel, so only connect)
        if server.poll() is not None:
            log.seek(0)
            pytest.fail(f"voila exited with {server.returncode}:\n{log.read()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"voila did not listen on port {port} within 90 s:\n{log.read()[-4000:]}")
            time.sleep(0.3)
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def page(browser, voila_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def open_explorer(page, url: str) -> None:
    page.goto(url, timeout=120_000)
    # The notebook runs in a fresh kernel before the widgets appear: allow for a slow machine.
    page.wait_for_selector(".lr-count", timeout=120_000)


def shown_ids(page) -> list[str]:
    return page.locator("tr[data-study-id]").evaluate_all("rows => rows.map(r => r.dataset.studyId)")


def assert_shows_dermatology(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".lr-count")).to_have_text(f"{len(DERMATOLOGY)} of {len(STUDIES)} studies", timeout=60_000)
    expect(page.locator("tr[data-study-id]")).to_have_count(len(DERMATOLOGY))
    assert shown_ids(page) == DERMATOLOGY
    expect(page.locator(".lr-link")).to_contain_text("?domain=dermatology")
    href = page.locator('a[download$=".csv"]').get_attribute("href")
    exported = base64.b64decode(href.split("base64,", 1)[1]).decode("utf-8")
    assert [row["id"] for row in csv.DictReader(io.StringIO(exported))] == DERMATOLOGY


@pytest.mark.browser
def test_choosing_dermatology_in_the_browser(page, voila_url):
    from playwright.sync_api import expect

    open_explorer(page, voila_url)
    expect(page.locator(".lr-count")).to_have_text(f"{len(STUDIES)} of {len(STUDIES)} studies")
    assert shown_ids(page) == list(STUDIES["id"])
    # The select is found by its visible label: the label is tied to the control.
    domain = page.get_by_label("Clinical domain")
    domain.select_option(label=f"Dermatology ({len(DERMATOLOGY)})")
    assert_shows_dermatology(page)
    # Both charts are drawn, with a height (a plotly/Voilà sizing bug once left one at 0 px).
    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(2, timeout=60_000)
    assert all(
        box["height"] > 100 for box in plots.evaluate_all("ps => ps.map(p => p.getBoundingClientRect().toJSON())")
    )
    # ... and both show the filtered set (their subtitles count the studies drawn).
    for plot in plots.all():
        expect(plot).to_contain_text(f"{len(DERMATOLOGY)} studies;", timeout=60_000)
    page.locator("details.lr-study summary").first.click()
    expect(page.locator("details.lr-study").first.locator(".lr-card")).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 2000})
    page.screenshot(path="/tmp/explorer.png", full_page=True)


@pytest.mark.browser
def test_opening_a_shared_link_in_the_browser(page, voila_url):
    open_explorer(page, voila_url + "?domain=dermatology")
    assert_shows_dermatology(page)
    selected = page.get_by_label("Clinical domain").evaluate("s => Array.from(s.selectedOptions, o => o.value)")
    assert selected == [f"Dermatology ({len(DERMATOLOGY)})"]
