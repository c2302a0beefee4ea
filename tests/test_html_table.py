"""The static book's study table: livingreview/book/studies_page.py and assets/studies-table.{js,css}.

Unit tests read the fragment with the standard library's HTML parser: every study is there
with every Table 1 field, all text is escaped, hostile cells stay text. The browser tests
(marker `browser`) open a page laid out as the book will be (assets under _static/lr/,
relative links) in Debian's chromium, from file:// and from a local http server, with every
non-local request refused, and drive it as a reader would.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import os
import re
import statistics
import threading
import time
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livingreview import load_studies
from livingreview.book.cards import study_cards, table_row_html
from livingreview.book.studies_page import _FALLBACK_SCRIPT as FALLBACK
from livingreview.book.studies_page import (
    TABLE_CSS,
    TABLE_JS,
    TABLE_MARKER,
    _label_style,
    page_spec,
    studies_table_html,
    table_files,
)
from livingreview.data import exports
from livingreview.data.counts import term_counts
from livingreview.data.filters import FilterState, filter_studies
from livingreview.data.paths import ASSETS_DIR
from livingreview.data.paths import VOCABULARY as VOCABULARY_FILE
from livingreview.data.schema import column_titles
from livingreview.data.studies import ITEM_MARK, TABLE1_COLUMNS, cell_items
from livingreview.data.vocabulary import LIST_COLUMNS, load_vocabulary

from conftest import write_site


def data_of(script: str):
    """What a data file hands to the script: the JSON text inside lrStudyTableData(...)."""
    call = script[script.index("lrStudyTableData(") + len("lrStudyTableData(") : script.rindex(");")]
    return json.loads(json.loads(call))


# Markup a correct fragment may contain; anything else came from the data.
ALLOWED_TAGS = {
    "div",
    "form",
    "label",
    "input",
    "span",
    "fieldset",
    "legend",
    "select",
    "option",
    "details",
    "summary",
    "button",
    "p",
    "strong",
    "table",
    "caption",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "dl",
    "dt",
    "dd",
    "nav",
    "br",  # between the items of a Table 1 field (ITEM_MARK)
}

HOSTILE = {
    "title": '<img src="https://evil.example/t.png" onerror=alert(1)>',
    "first_author": "<script>alert('author')</script>",
    "dataset": '=HYPERLINK("https://evil.example","click") images </td></tr></table><script>alert(2)</script>',
    "method": "+SUM(1,2) <svg onload=alert(3)>",
    "model": "-2+3 & friends \" ' <b>bold</b>",
    "application": "@SUM(A1) <iframe src=https://evil.example/f></iframe>",
    "purpose": "\tTabbed <a href=javascript:alert(4)>x</a>",
    "limitations": "Naïve ﬁrst ligature; “quotes”, commas, and\nnew lines",
    "venue": "<style>body{display:none}</style>",
    "doi": '10.1234/x"><img src=x onerror=alert(5)>',
    "url": "javascript:alert(6)",
    "notes": '" onmouseover="alert(7)',
}


def hostile_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The real studies plus two hostile dermatology rows: one says 'images', one does not."""
    first = df.iloc[0].to_dict()
    rows = []
    for n, text in ((1, "images"), (2, "pictures")):
        row = dict(first)
        row.update(HOSTILE)
        row["dataset"] = HOSTILE["dataset"].replace("images", text)
        row.update(
            id=f"zz-hostile-{n}",
            ref=None,
            year=2021,
            domain=["dermatology"],
            modality=["photograph"],
            model_family=["gan"],
            contribution=["education"],
            limitation_themes=[],
        )
        rows.append(row)
    out = pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
    out["ref"] = out["ref"].astype("Int64")
    return out


class Fragment(HTMLParser):
    """Start tags, links and per-row cell texts of a fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[dict] = []
        self._row = None
        self._cell = None
        self._field = []  # stack of (tag, data-f name or None)
        self._in_tbody = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "tbody":
            self._in_tbody = True
        if not self._in_tbody:
            return
        if tag == "tr":
            self._row = {"attrs": attributes, "cells": [], "fields": {}, "links": []}
            self.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row["cells"].append(self._cell)
        if tag == "a" and self._row is not None:
            self._row["links"].append(attributes.get("href"))
        if tag not in ("col", "input"):
            name = attributes.get("data-f")
            self._field.append((tag, name))
            if name and self._row is not None:
                self._row["fields"][name] = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_tbody = False
        if self._field and self._field[-1][0] == tag:
            self._field.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _, name in self._field:
            if name and self._row is not None:
                self._row["fields"][name] += data


def parse(fragment: str) -> Fragment:
    parser = Fragment()
    parser.feed(fragment)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def studies() -> pd.DataFrame:
    return load_studies()


# --------------------------------------------------------------------------------------------
# The module's contract with the Sphinx extension


def test_constants_name_files_that_exist():
    assert TABLE_MARKER == "lr-studies-table"
    assert TABLE_JS and TABLE_CSS
    for name in TABLE_JS + TABLE_CSS:
        assert (ASSETS_DIR / name).is_file(), name


def test_assets_load_nothing_from_elsewhere():
    """No URL to another host, no module import, no eval: the assets run offline as they are."""
    for path in [ASSETS_DIR / name for name in TABLE_JS + TABLE_CSS]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![\w.])(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
        assert "@import" not in text and "url(" not in text.replace("URL.create", ""), path
        if path.suffix == ".js":
            assert not re.search(
                r"\bimport\s*[\s({'\"]|\bexport\s|\beval\(|new Function|innerHTML|insertAdjacentHTML|document\.write",
                text,
            ), path


def test_marker_is_on_the_outer_element(studies):
    fragment = studies_table_html(studies)
    tag, attrs = parse(fragment).tags[0]
    assert tag == "div" and TABLE_MARKER in attrs["class"].split()


# --------------------------------------------------------------------------------------------
# Content: every study, every field


def test_every_study_and_every_table1_field_is_in_the_table(studies):
    parsed = parse(studies_table_html(studies))
    assert [row["attrs"]["data-id"] for row in parsed.rows] == studies["id"].tolist()
    vocabulary = load_vocabulary()
    for row, study in zip(parsed.rows, studies.to_dict("records")):
        texts = ["".join(cell) for cell in row["cells"]]
        assert texts[2:8] == [shown(study[c]) for c in TABLE1_COLUMNS]
        assert texts[1] == str(study["year"])
        assert f"#study-{study['id']}" in row["links"]
        assert row["fields"]["first_author"] == study["first_author"]
        assert texts[0].startswith(f"{study['first_author']} {study['year']}")
        for column in LIST_COLUMNS:
            assert row["attrs"].get(f"data-{column}", "") == ";".join(study[column])
            for key in study[column]:  # every tag shown with its display label
                assert vocabulary[column].label_of(key) in texts[-1]
        if study["doi"]:
            assert f"https://doi.org/{study['doi']}" in row["links"]


def shown(text: str) -> str:
    """What a reader sees of a Table 1 field: its items one per line, each after its mark."""
    items = cell_items(text)
    return text if len(items) < 2 else "".join(f"{ITEM_MARK}\u00a0{item}" for item in items)


def test_items_of_a_field_are_one_per_line(studies):
    """Where Table 1's text lost the breaks between a cell's items, the table marks each join
    (ITEM_MARK) and the card shows the items one per line."""
    marked = studies[studies["application"].str.contains(ITEM_MARK, regex=False)].head(1)
    assert len(marked), "no Table 1 field with several items"
    application = parse(studies_table_html(marked)).rows[0]["cells"][2 + TABLE1_COLUMNS.index("application")]
    assert application == [f"{ITEM_MARK}\u00a0{item}" for item in cell_items(marked["application"].iloc[0])]


def test_headers_and_caption_are_proper(studies):
    parsed = parse(studies_table_html(studies))
    names = [t for t, _ in parsed.tags]
    assert "caption" in names and "thead" in names
    heads = [a for t, a in parsed.tags if t == "th" and a.get("scope") == "col"]
    assert len(heads) == 9
    assert sum(1 for t, a in parsed.tags if t == "th" and a.get("scope") == "row") == len(studies)
    # Every control has a label; the count has a live region.
    ids = {a["id"] for t, a in parsed.tags if "id" in a}
    labelled = {a["for"] for t, a in parsed.tags if t == "label" and "for" in a}
    for tag, attrs in parsed.tags:
        if tag in ("input", "select") and attrs.get("type") != "checkbox":
            assert attrs.get("id") in labelled, attrs
    assert labelled <= ids
    assert any(a.get("role") == "status" and a.get("aria-live") == "polite" for _, a in parsed.tags)


def test_empty_table_is_still_a_table():
    empty = load_studies().iloc[0:0]
    parsed = parse(studies_table_html(empty))
    assert parsed.rows == [] and "0 studies" in studies_table_html(empty)


def test_controls_offer_every_vocabulary_term(studies):
    parsed = parse(studies_table_html(studies))
    boxes = {(a.get("name"), a.get("value")) for t, a in parsed.tags if t == "input" and a.get("type") == "checkbox"}
    keys = {
        "domain": "domain",
        "model_family": "family",
        "modality": "modality",
        "contribution": "contribution",
        "limitation_themes": "limitation",
    }
    for column, facet in load_vocabulary().items():
        for term in facet.terms:
            assert (keys[column], term) in boxes


# --------------------------------------------------------------------------------------------
# Untrusted text


def test_hostile_cells_stay_text(studies):
    frame = hostile_frame(studies)
    fragment = studies_table_html(frame)
    parsed = parse(fragment)
    assert {t for t, _ in parsed.tags} <= ALLOWED_TAGS | {"script"}
    scripts = [a for t, a in parsed.tags if t == "script"]
    assert scripts == [{"type": "application/json", "class": "lr-st-spec"}, {}]
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "a":
            href = attrs["href"]
            assert href.startswith(("https://", "#")), href
            assert "evil" not in href and "javascript" not in href.lower()
        if tag == "div" and TABLE_MARKER in attrs.get("class", ""):
            # The root's labels (from the data package and the module, never the rows).
            assert attrs["style"] == _label_style(column_titles())
            continue
        assert "style" not in attrs or re.fullmatch(r"--lr-c:#[0-9A-Fa-f]{3,8}", attrs["style"])
    hostile_rows = [r for r in parsed.rows if r["attrs"]["data-id"].startswith("zz-hostile")]
    assert len(hostile_rows) == 2
    row = hostile_rows[0]
    for name in ("title", "first_author", "venue", "doi", "notes"):
        assert row["fields"][name] == HOSTILE[name]
    texts = ["".join(cell) for cell in row["cells"]]
    assert texts[2] == HOSTILE["dataset"]
    assert texts[3:8] == [HOSTILE[c] for c in TABLE1_COLUMNS[1:]]
    assert row["attrs"]["data-url"] == HOSTILE["url"]  # kept for the CSV, never linked
    assert "<img" not in fragment and "<svg" not in fragment and "<iframe" not in fragment
    # The one script that runs is the fixed fallback at the end, with no data in it; the other
    # is the filter rules as JSON (no study data), which the table's script reads.
    assert fragment.count("<script") == 2 and fragment.endswith(FALLBACK)
    spec = json.loads(fragment.split('<script type="application/json" class="lr-st-spec">')[1].split("</script>")[0])
    assert spec == page_spec() | {"total": len(frame), "data": spec["data"]}
    # The files beside the page: each study's card, and its fields, BibTeX and RIS for the
    # downloads, as the package writes them.
    files = table_files(frame)
    data = data_of(files["studies-export.js"])
    records = frame.to_dict("records")
    assert data["cites"] == [[exports.bibtex_entry(r), exports.ris_record(r)] for r in records]
    cards = [data_of(files[f"studies-cards/{i}.js"]) for i in range(len(frame))]
    assert cards == [table_row_html(card) for card in study_cards(records)]
    # Its fields are the CSV download's cells (before the formula guard, which the script applies).
    written = list(csv.reader(io.StringIO(exports.to_csv(frame), newline="")))
    assert written[0] == data["columns"]
    assert [[exports.neutralise_formula(v) for v in row] for row in data["rows"]] == written[1:]
    # No <style> element (only valid in the page's head): the labels are the root's style.
    assert "<style" not in fragment


def test_only_https_links_are_built(studies):
    frame = studies.head(3).copy()
    frame["url"] = ["http://example.org/plain", "https://example.org/ok", "https://example.org/has space"]
    frame["doi"] = ["10.1000/ok", "not-a-doi", ""]
    parsed = parse(studies_table_html(frame))
    links = [a["href"] for t, a in parsed.tags if t == "a"]
    assert "https://example.org/ok" in links
    assert not any(link.startswith("http:") for link in links)
    assert "https://example.org/has space" not in links
    assert "https://doi.org/10.1000/ok" in links and not any("not-a-doi" in link for link in links)


def test_carriage_return_survives_the_html_parser(studies):
    frame = studies.head(1).copy()
    frame.loc[0, "dataset"] = "line one\r\nline two\r"
    fragment = studies_table_html(frame)
    assert "\r" not in fragment and "&#13;" in fragment


_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_text, dataset=_text, author=_text, notes=_text)
def test_any_text_round_trips_and_never_adds_markup(studies, title, dataset, author, notes):
    frame = studies.head(1).copy()
    frame.loc[0, ["title", "dataset", "first_author", "notes"]] = [title, dataset, author, notes]
    parsed = parse(studies_table_html(frame))
    plain = parse(studies_table_html(frame.assign(title="t", dataset="d", first_author="a", notes="n")))

    def structure(p):
        return [(t, sorted(k for k in a if k != "data-id")) for t, a in p.tags]

    # The markup depends on which fields are empty (and where a Table 1 field marks its items),
    # never on what the text says.
    if title and notes and ITEM_MARK not in dataset:
        assert structure(parsed) == structure(plain)
    row = parsed.rows[0]
    # What a browser will read back: the parser's view (a CR stays a CR thanks to &#13;).
    assert "".join(row["cells"][2]) == shown(dataset)
    assert row["fields"]["first_author"] == author
    assert row["fields"].get("title", "") == title
    assert row["fields"].get("notes", "") == notes


# --------------------------------------------------------------------------------------------
# Browser: a page laid out as the book will be


def expected_ids(df: pd.DataFrame, *, domains=(), text="", families=(), years=None) -> list[str]:
    """The matching ids, worked out here without the package's filter code."""
    fields = ("id", "first_author", "title", "venue", *TABLE1_COLUMNS, "notes", "doi")

    def fold(s):
        return unicodedata.normalize("NFKC", s).casefold()

    words = fold(text).split()
    out = []
    for study in df.to_dict("records"):
        blob = fold("\n".join([*(str(study[f] or "") for f in fields), tag_words(study)]))
        if domains and not set(domains) & set(study["domain"]):
            continue
        if families and not set(families) & set(study["model_family"]):
            continue
        if years and not years[0] <= study["year"] <= years[1]:
            continue
        if all(w in blob for w in words):
            out.append(study["id"])
    return out


def tag_words(study: dict) -> str:
    """The labels and synonyms of a study's tags, as data/vocabulary.yml gives them."""
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    return "\n".join(
        word
        for column in LIST_COLUMNS
        for key in study[column]
        for word in (raw[column]["terms"][key]["label"], *raw[column]["terms"][key].get("synonyms", []))
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory, studies):
    root = tmp_path_factory.mktemp("site")
    frame = hostile_frame(studies)
    page = write_site(root, frame)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    yield {
        "root": root,
        "page": page,
        "frame": frame,
        "http": base + "book/studies.html",
        "file": page.as_uri(),
        "origin": base,
    }
    server.shutdown()
    server.server_close()
    thread.join(5)


class Watch:
    """Everything a page must not do: reach another host, log an error, open a dialog."""

    def __init__(self, context, local_prefixes):
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.local = tuple(local_prefixes)
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.local):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def attach(self, page):
        page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        return page

    def check(self):
        assert self.outside == [], f"requests to other hosts: {self.outside}"
        assert self.errors == [], self.errors
        assert self.dialogs == [], f"a hostile row opened a dialog: {self.dialogs}"


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        ".lr-st-table tbody tr", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.id)"
    )


def wait_ready(page):
    page.wait_for_selector('.lr-studies-table[data-lr-ready="true"]')


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["file", "http"])
def test_filter_search_url_and_csv_in_a_real_browser(browser, site, scheme, tmp_path, artifacts):
    frame = site["frame"]
    url = site[scheme]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    watch = Watch(context, ["file://", site["origin"]])
    page = watch.attach(context.new_page())
    page.goto(url)
    wait_ready(page)
    total = len(frame)
    assert visible_ids(page) == frame["id"].tolist()
    status = page.locator(".lr-st-status")
    assert status.inner_text() == f"{total} of {total} studies"
    page.screenshot(path=artifacts / f"table-{scheme}-start.png")

    # Type a term, as a reader would (one key at a time).
    search = page.get_by_label("Search", exact=True)
    search.press_sequentially("images", delay=20)
    want = expected_ids(frame, text="images")
    assert 0 < len(want) < total
    page.wait_for_function(f"document.querySelector('.lr-st-status strong').textContent === '{len(want)}'")
    assert visible_ids(page) == want
    assert status.inner_text() == f"{len(want)} of {total} studies"

    # Choose a facet value with the keyboard: open the panel, tick Dermatology, close it.
    summary = page.locator('details[data-lr-facet="domain"] > summary')
    summary.focus()
    page.keyboard.press("Enter")
    box = page.get_by_role("checkbox", name=re.compile(r"^Dermatology\b"))
    assert box.is_visible()
    box.focus()
    page.keyboard.press("Space")
    page.screenshot(path=artifacts / f"table-{scheme}-facet.png")
    page.keyboard.press("Escape")
    assert not page.locator('details[data-lr-facet="domain"]').evaluate("d => d.open")
    both = expected_ids(frame, text="images", domains=["dermatology"])
    assert 0 < len(both) < len(want)
    page.wait_for_function(f"document.querySelector('.lr-st-status strong').textContent === '{len(both)}'")
    assert visible_ids(page) == both
    # The live region is announced once typing and ticking pause: the same words as the count.
    page.wait_for_function(
        f"document.querySelector('[role=status][aria-live=polite]').textContent === '{len(both)} of {total} studies'"
    )
    # The package's own filter agrees (the same rows whichever way the reader filters).
    assert filter_studies(frame, domains=["dermatology"], text="images")["id"].tolist() == both
    page.screenshot(path=artifacts / f"table-{scheme}-filtered.png", full_page=True)

    # The view is in the URL, in the explorer's parameters.
    page.wait_for_function(
        "location.search.includes('domain=dermatology') && location.search.includes('search=images')"
    )
    link = page.url
    state = FilterState.from_query(urlsplit(link).query)
    assert state == FilterState(domains=("dermatology",), text="images")
    again = watch.attach(context.new_page())
    again.goto(link)
    wait_ready(again)
    assert visible_ids(again) == both
    assert again.get_by_label("Search", exact=True).input_value() == "images"
    assert again.locator('input[name="domain"][value="dermatology"]').is_checked()
    again.close()

    # A link written by the package opens the same view here.
    python_state = FilterState(model_families=("gan", "diffusion"), years=(2020, 2024), text="synthetic")
    linked = watch.attach(context.new_page())
    linked.goto(url + python_state.to_query())
    wait_ready(linked)
    assert (
        visible_ids(linked)
        == python_state.apply(frame)["id"].tolist()
        == expected_ids(frame, families=("gan", "diffusion"), years=(2020, 2024), text="synthetic")
    )
    linked.close()

    # Download the filtered rows: exactly those, in studies.csv's format, formulas defused.
    with page.expect_download() as info:
        page.get_by_role("button", name=f"Download the {len(both)} matching studies as CSV").click()
    download = info.value
    assert download.suggested_filename == "generative-ai-studies.csv"
    path = tmp_path / "download.csv"
    download.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # so spreadsheet programs read it as UTF-8
    text = text[1:]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == both
    expected = frame.set_index("id").loc[both].reset_index()
    assert text == exports.to_csv(expected)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value

    # Reset brings every study back and clears the URL.
    page.get_by_role("button", name="Reset", exact=True).click()
    assert visible_ids(page) == frame["id"].tolist()
    page.wait_for_function("!location.search")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=artifacts / f"table-{scheme}.png")
    watch.check()
    context.close()


STRANGERS_LINKS = [
    "?domain=DERMATOLOGY,unknown&family=gan&family=vae",
    "?year=2024&search=synthetic%20data",
    "?year=2025-2020",
    "?year=2021%E2%80%932023&modality=photograph",
    "?year=abc&search=%E0%A4%A",
    "?search=+images+&limitation=generalisation&contribution=data-augmentation",
    "?search=%3Cscript%3E",
    "?highlight=x&domain=radiology&sort=nonsense",
    "?domain=&family=,,&search=",
    "?" + "domain=radiology&" * 400,
]


@pytest.mark.browser
def test_links_from_strangers_open_the_same_view_as_the_package(browser, site):
    """Whatever a link says, the page shows what FilterState.from_query(link) selects."""
    frame = site["frame"]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    watch = Watch(context, ["file://"])
    page = watch.attach(context.new_page())
    for query in STRANGERS_LINKS:
        page.goto(site["file"] + query)
        wait_ready(page)
        expected = FilterState.from_query(query).apply(frame)["id"].tolist()
        assert visible_ids(page) == expected, query
    watch.check()
    context.close()


def wait_drawn(page, query: str) -> None:
    """Wait until the table shows the view a change asked for: its address written (after the
    data it needed arrived and the view was computed), then every card of its rows here and drawn
    (the table no longer aria-busy). A busy machine takes longer for both."""
    page.wait_for_function(f"location.search.includes({json.dumps(query)})")
    page.wait_for_selector('.lr-st-table[aria-busy="false"]')


@pytest.mark.browser
def test_sorting_paging_and_expanding(browser, site, tmp_path, artifacts):
    from playwright.sync_api import expect

    frame = site["frame"]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    watch = Watch(context, ["file://"])
    page = watch.attach(context.new_page())
    page.goto(site["file"] + "?sort=year-asc")
    wait_ready(page)
    order = frame.assign(i=range(len(frame))).sort_values(
        ["year", "first_author", "i"], key=lambda s: s.str.lower() if s.dtype == object else s
    )
    assert visible_ids(page) == order["id"].tolist()
    page.get_by_label("Sort by", exact=True).select_option("study-desc")
    wait_drawn(page, "sort=study-desc")
    authors = page.eval_on_selector_all(
        ".lr-st-table tbody [data-f=first_author]", "els => els.map(e => e.textContent)"
    )
    assert authors == sorted(authors, key=str.lower, reverse=True)
    study_desc = visible_ids(page)
    # On a wide screen the table keeps its columns and the headers sort.
    page.set_viewport_size({"width": 1600, "height": 900})
    page.add_style_tag(content="main{max-width:none}")
    assert page.locator("thead").is_visible()
    year_sort = page.locator("th.lr-c-year")
    page.get_by_role("button", name="Sort by Year").click()
    wait_drawn(page, "sort=year-desc")
    expect(year_sort).to_have_attribute("aria-sort", "descending")
    years = page.eval_on_selector_all(".lr-st-table tbody td.lr-c-year", "els => els.map(e => +e.textContent)")
    assert years == sorted(years, reverse=True)
    page.get_by_role("button", name="Sort by Year").click()
    wait_drawn(page, "sort=year-asc")
    expect(year_sort).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_label("Sort by", exact=True)).to_have_value("year-asc")
    page.screenshot(path=artifacts / "table-wide.png")
    # Paging: a table of 5 rows a page.
    paged = watch.attach(context.new_page())
    paged.goto(write_site(tmp_path, frame, page_size=5).as_uri() + "?sort=study-desc")
    wait_ready(paged)
    assert visible_ids(paged) == study_desc[:5]
    page.close()
    page = paged
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".lr-st-page")).to_contain_text("Page 2 of")
    assert len(visible_ids(page)) == 5
    # A clamped row opens and closes; the button says so.
    more = page.locator(".lr-st-more:visible").first
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(more).to_have_text("Show less")
    page.get_by_label("Show full text").check()
    page.screenshot(path=artifacts / "table-expanded.png")
    watch.check()
    context.close()


@pytest.mark.browser
def test_readable_without_javascript(browser, site, artifacts):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(site["file"])
    assert visible_ids(page) == site["frame"]["id"].tolist()
    assert not page.locator(".lr-st-controls").is_visible()
    # A hostile title shows as the text it is.
    assert page.get_by_text(HOSTILE["title"]).first.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow == 0  # the cards need no script either
    page.screenshot(path=artifacts / "table-nojs.png")
    context.close()


@pytest.mark.browser
def test_every_row_shows_if_the_script_cannot_run(browser, studies, tmp_path):
    """Long pages lay out only 100 rows until the script runs; a blocked script must not hide
    rows. A page holds its first page of rows; without the script it says so and links the CSV."""
    frame = big_frame(studies, 130)
    page_path = write_site(tmp_path, frame, page_size=0)  # every row in the page
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route("**/studies-table.js", lambda route: route.abort())
    page = context.new_page()
    page.goto(page_path.as_uri())
    page.wait_for_function("document.querySelector('.lr-studies-table').classList.contains('lr-st-failed')")
    assert len(visible_ids(page)) == 130
    assert not page.locator(".lr-st-partial").is_visible()  # nothing is missing
    first = write_site(tmp_path, frame, name="first.html")  # the first page of rows only
    page.goto(first.as_uri())
    page.wait_for_function("document.querySelector('.lr-studies-table').classList.contains('lr-st-failed')")
    assert visible_ids(page) == frame["id"].head(page_spec()["page_size"]).tolist()
    note = page.locator(".lr-st-partial")
    assert note.is_visible() and str(len(frame)) in note.inner_text()
    href = note.get_by_role("link").get_attribute("href")
    assert (first.parent / href).read_text(encoding="utf-8") == exports.to_csv(frame)
    context.close()
    nojs = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = nojs.new_page()
    page.goto(first.as_uri())
    assert page.locator(".lr-st-partial").is_visible()
    nojs.close()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(first.as_uri())
    wait_ready(page)
    assert len(visible_ids(page)) == page_spec()["page_size"]  # one page
    assert page.locator(".lr-st-pager").is_visible()
    assert not page.locator(".lr-st-partial").is_visible()  # with the script every row is reachable
    context.close()


@pytest.mark.browser
def test_narrow_screen_has_no_sideways_scroll(browser, site, artifacts):
    for width in (1366, 1024, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(site["file"])
        wait_ready(page)
        overflow = page.evaluate(
            "() => { const r = document.querySelector('.lr-st'); const s = r.querySelector('.lr-st-scroll');"
            " return [document.documentElement.scrollWidth - innerWidth, s.scrollWidth - s.clientWidth]; }"
        )
        assert overflow == [0, 0], (width, overflow)
        if width == 390:
            page.screenshot(path=artifacts / "table-phone.png")
        context.close()


def big_frame(studies: pd.DataFrame, n: int) -> pd.DataFrame:
    copies = []
    for k in range(-(-n // len(studies))):
        chunk = studies.copy()
        chunk["id"] = [f"{i}-{k}" for i in chunk["id"]]
        chunk["dataset"] = chunk["dataset"] + f" batch{k}"
        copies.append(chunk)
    return pd.concat(copies, ignore_index=True).head(n)


@pytest.mark.browser
def test_ten_thousand_studies_redraw_within_budget(browser, studies, tmp_path):
    frame = big_frame(studies, 10_000)
    page_path = write_site(tmp_path, frame)
    size = page_path.stat().st_size
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    watch = Watch(context, ["file://"])
    page = watch.attach(context.new_page())
    started = time.perf_counter()
    page.goto(page_path.as_uri(), timeout=120_000)
    wait_ready(page)
    ready = time.perf_counter() - started
    # Per key press: from keydown to the frame after the LAST change the table makes (any
    # mutation in it but the screen-reader live region), once the page has been quiet.
    page.evaluate(
        """() => {
            const root = document.querySelector('.lr-studies-table');
            const box = root.querySelector('input[type=search]');
            const live = root.querySelector('[role=status]');
            window.__lr = {t0: null, last: null};
            box.addEventListener('keydown', () => { window.__lr.t0 = performance.now(); window.__lr.last = null; }, true);
            new MutationObserver((records) => {
                if (records.every((r) => live.contains(r.target))) return;
                requestAnimationFrame(() => { const c = new MessageChannel();
                    c.port1.onmessage = () => { window.__lr.last = performance.now(); }; c.port2.postMessage(0); });
            }).observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
        }"""
    )
    box = page.locator(".lr-st-controls input[type=search]")
    query = "batch12 images"
    budget = float(os.environ.get("LR_REDRAW_BUDGET_MS", "200"))
    runs = []
    for _attempt in range(2):  # a shared machine may be busy once; the better of two runs counts
        box.fill("")
        box.click()  # the first touch loads every row
        page.wait_for_selector(".lr-studies-table[data-lr-index=ready]", timeout=60_000)
        timings = []
        for char in query:
            page.keyboard.type(char)
            seen, quiet = None, time.perf_counter()
            deadline = quiet + 15
            while time.perf_counter() < deadline:
                state = page.evaluate("() => [window.__lr.t0, window.__lr.last]")
                if state != seen:
                    seen, quiet = state, time.perf_counter()
                elif time.perf_counter() - quiet > 0.6:
                    break
                time.sleep(0.05)
            if seen[0] is not None and seen[1] is not None:
                timings.append(seen[1] - seen[0])
        assert len(timings) >= 10
        want = expected_ids(frame, text=query)
        assert page.locator(".lr-st-status strong").inner_text() == str(len(want))
        runs.append(timings)
        if statistics.median(timings) <= budget:
            break
    timings = min(runs, key=statistics.median)
    median = statistics.median(timings)
    print(
        f"\n10,000 studies: page {size:,} bytes, ready in {ready:.1f} s, "
        f"keystroke-to-redraw median {median:.0f} ms, max {max(timings):.0f} ms "
        f"(runs: {[round(statistics.median(t)) for t in runs]})"
    )
    assert median <= budget, runs
    watch.check()
    context.close()


@pytest.mark.browser
def test_link_to_a_study_beyond_the_first_page(browser, studies, tmp_path):
    """#study-<id> of a study the page does not hold loads every row, turns to its page and
    scrolls to it; so does a link followed within the page, and one to a filtered view."""
    page_size = page_spec()["page_size"]
    frame = big_frame(studies, 3 * page_size + 7)
    page_path = write_site(tmp_path, frame)
    far, farther = frame["id"].iloc[-1], frame["id"].iloc[2 * page_size + 1]
    context = browser.new_context(viewport={"width": 390, "height": 800})
    watch = Watch(context, ["file://"])
    page = watch.attach(context.new_page())
    page.goto(f"{page_path.as_uri()}#study-{far}")
    page.wait_for_selector(".lr-studies-table[data-lr-index=ready]")
    row = page.locator(f"tr#study-{far}")
    row.wait_for(state="visible")
    assert "lr-st-target" in row.get_attribute("class")
    assert row.is_visible() and row.bounding_box()["y"] < 800  # scrolled to
    pages = -(-len(frame) // page_size)
    assert f"Page {pages} of {pages}" in page.locator(".lr-st-page").inner_text()
    page.evaluate(f"location.hash = '#study-{farther}'")
    page.locator(f"tr#study-{farther}").wait_for(state="visible")
    assert "Page 3 of" in page.locator(".lr-st-page").inner_text()
    # A filtered view that hides the study is cleared to show it.
    for study in (far, frame["id"].iloc[0]):  # beyond the first page, and on it
        page.goto(f"{page_path.as_uri()}?q=zzzz-no-such-word#study-{study}")
        page.wait_for_selector(".lr-studies-table[data-lr-index=ready]")
        page.locator(f"tr#study-{study}").wait_for(state="visible")
    watch.check()
    context.close()


@pytest.mark.browser
def test_the_view_opens_in_the_explorer_and_the_month_added_is_a_filter(browser, site):
    """ "Open this view in the explorer" carries the filters through Binder's urlpath, as
    studies_page.explorer_url writes them; a link with ?added= shows that month's studies, named
    in a chip that removes it."""
    from urllib.parse import parse_qs

    from livingreview.book.studies_page import EXPLORER_URLPATH, explorer_url

    frame = site["frame"]
    month = frame["added"].min().strftime("%Y-%m")
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    watch = Watch(context, ["file://"])
    page = watch.attach(context.new_page())
    page.goto(site["file"] + f"?domain=dermatology&added={month}&search=images")
    wait_ready(page)
    state = FilterState(domains=("dermatology",), added=month, text="images")
    assert visible_ids(page) == state.apply(frame)["id"].tolist()
    href = page.locator("a.lr-st-explorer").get_attribute("href")
    assert href.split("?")[0] == explorer_url().split("?")[0]
    (urlpath,) = parse_qs(urlsplit(href).query)["urlpath"]
    assert urlpath.startswith(EXPLORER_URLPATH + "?")
    assert FilterState.from_query(urlpath.partition("?")[2]) == state
    chip = page.get_by_role("button", name=re.compile(r"^Remove filter Added: "))
    chip.tap()
    page.wait_for_function("!location.search.includes('added=')")
    without = FilterState(domains=("dermatology",), text="images")
    assert visible_ids(page) == without.apply(frame)["id"].tolist()
    (urlpath,) = parse_qs(urlsplit(page.locator("a.lr-st-explorer").get_attribute("href")).query)["urlpath"]
    assert FilterState.from_query(urlpath.partition("?")[2]) == without
    watch.check()
    context.close()


#: Every control of the table a finger may press (buttons, fields, lists, a term's label, the
#: links that are not in a study's text), with its size.
TARGETS_JS = """() => [...document.querySelectorAll(
    '.lr-studies-table button, .lr-studies-table select, .lr-studies-table input:not([type=checkbox]), ' +
    '.lr-studies-table summary, .lr-studies-table label.lr-st-opt, .lr-studies-table a:not(tbody a)')]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map((e) => { const r = e.getBoundingClientRect();
    return {what: e.tagName.toLowerCase() + ' ' + (e.getAttribute('aria-label') || e.textContent.trim() ||
      e.getAttribute('placeholder') || e.className).slice(0, 60),
      width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10}; })"""


@pytest.mark.browser
def test_every_target_is_a_fingers_width_on_a_touch_screen(browser, site):
    """At 390 px with touch, every control of the table is at least 44 x 44 px (WCAG 2.5.5):
    the search box, the Filters button, each list and its terms, a filter's chip, the year and
    order menus, the downloads and the explorer link, a card's "Show more"."""
    frame = site["frame"]
    domain = next(key for key, n in term_counts(frame, "domain").items() if n)
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    watch = Watch(context, ["file://"])
    page = watch.attach(context.new_page())
    page.goto(site["file"] + f"?domain={domain}")
    wait_ready(page)
    page.get_by_role("button", name=re.compile(r"^Filters")).first.tap()
    targets = page.evaluate(TARGETS_JS)
    lists = page.locator(".lr-st-facet > summary")
    for i in range(lists.count()):  # each list open in turn: its terms are targets too
        lists.nth(i).tap()
        targets += page.evaluate(TARGETS_JS)
        lists.nth(i).tap()
    whats = " | ".join(t["what"] for t in targets)
    for control in ("input ", "select ", "summary ", "label ", "Remove filter", "explorer", "CSV", "Show more"):
        assert control in whats, (control, whats)
    small = [t for t in targets if t["width"] < 44 or t["height"] < 44]
    assert small == [], small
    watch.check()
    context.close()
