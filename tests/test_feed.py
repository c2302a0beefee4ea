"""The Atom feed of releases and added studies: valid Atom (feedparser, no bozo; the required
elements per RFC 4287), absolute links, newest first, bounded, escaped; written by the build and
named in every page's head."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest

from livingreview.data.provenance import provenance
from livingreview.data.studies import load_studies
from livingreview.text.wording import one_line
from livingreview.update.feed import ENTRIES, SUMMARY_CHARS, feed_xml, study_summary
from livingreview.update.versions import Release, load_citation, load_releases, site_url

from conftest import FIXTURES
from hostile import HTML_PAYLOADS

ATOM = "{http://www.w3.org/2005/Atom}"


def check_atom(xml: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    root = ET.fromstring(xml)
    # RFC 4287: a feed has exactly one id, title and updated, and an author (here at feed level).
    for name in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert entry.find(f"{ATOM}link").get("href").startswith("https://")
    return parsed


def entry_key(entry) -> tuple[str, str]:
    """What an entry announces, read from the feed: ('version', '2026.11') or ('study', its id)."""
    from urllib.parse import unquote

    if entry.title.startswith("Version "):
        return ("version", entry.title.removeprefix("Version ").removesuffix(" released"))
    fragment = unquote(entry.link.rsplit("#", 1)[1])
    assert fragment.startswith("study-"), entry.link
    return ("study", fragment.removeprefix("study-"))


def assert_newest_of_the_data(parsed, studies, releases, limit: int = ENTRIES) -> None:
    """The feed announces the newest `limit` of the data's releases (by release date) and added
    studies (by `added` date), newest first; each study by its first author and year. Which of
    several items of the same day make the cut is left open: only the dates decide here."""
    dated = {("version", r.version): r.date for r in releases}
    rows = {row["id"]: row for row in studies.to_dict("records")}
    dated |= {("study", i): row["added"].date() for i, row in rows.items()}
    shown = [entry_key(e) for e in parsed.entries]
    assert len(shown) == len(set(shown)) == min(limit, len(dated))
    days = [dt.date(*e.updated_parsed[:3]) for e in parsed.entries]
    assert days == [dated[key] for key in shown] and days == sorted(days, reverse=True)
    if shown:
        cut = days[-1]
        assert {key for key, day in dated.items() if day > cut} <= set(shown)
    for entry, (kind, key) in zip(parsed.entries, shown):
        if kind == "study":
            row = rows[key]
            assert row["first_author"] in entry.title and str(row["year"]) in entry.title, entry.title


def test_the_feed_lists_releases_and_added_studies_newest_first():
    studies, releases = load_studies(), load_releases()
    parsed = check_atom(feed_xml(studies, releases))
    assert len(parsed.entries) == min(ENTRIES, len(studies) + len(releases))
    dates = [e.updated_parsed for e in parsed.entries]
    assert dates == sorted(dates, reverse=True)
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == len(ids)
    site = site_url(load_citation())
    assert parsed.feed.id == site and all(i.startswith(site) for i in ids)
    assert any(e.title == f"Version {releases[-1].version} released" for e in parsed.entries)
    self_link = next(link for link in parsed.feed.links if link.rel == "self")
    assert self_link.href == site + "feed.xml"
    assert_newest_of_the_data(parsed, studies, releases)


def test_the_feed_is_bounded_and_reproducible():
    """A large table (the growth fixture's rows, repeated) gives at most ENTRIES entries, and the
    same data gives the same bytes."""
    studies = load_studies()
    many = []
    for i in range(3):
        copy = studies.copy()
        copy["id"] = copy["id"] + f"-x{i}"
        copy["added"] = copy["added"] + dt.timedelta(days=i)
        many.append(copy)
    big = __import__("pandas").concat(many, ignore_index=True)
    releases = load_releases()
    assert_newest_of_the_data(feedparser.parse(feed_xml(big, releases, limit=10)), big, releases, limit=10)
    assert feed_xml(big, releases) == feed_xml(big, releases)


def test_the_feed_escapes_hostile_text(tmp_path):
    from hostile import write_hostile_table

    hostile = load_studies(write_hostile_table(tmp_path / "studies.csv"))
    release = Release(
        version="2026.12", date=dt.date(2026, 12, 1), studies=len(hostile), rows={i: "x" for i in hostile["id"]}
    )
    xml = feed_xml(hostile, [release])
    parsed = check_atom(xml)
    titles = " ".join(e.title for e in parsed.entries)
    summaries = " ".join(e.get("summary", "") for e in parsed.entries)
    # The payloads are text in the feed: escaped in the XML, literal once parsed.
    assert "<script>alert(1)</script>" in titles + summaries
    assert b"<script>" not in xml
    for payload in HTML_PAYLOADS[:2]:
        assert payload in titles + summaries


def test_an_empty_table_still_gives_a_valid_feed():
    empty = load_studies(FIXTURES / "valid.csv").iloc[0:0]
    check_atom(feed_xml(empty, []))


@pytest.mark.book
def test_the_built_book_has_the_feed_and_every_page_names_it(built_book):
    from test_book import built_pages

    xml = (built_book / "feed.xml").read_bytes()
    assert_newest_of_the_data(check_atom(xml), load_studies(), load_releases())
    for page in built_pages(built_book):
        markup = page.read_text(encoding="utf-8")
        if "<head>" not in markup or 'http-equiv="refresh"' in markup:
            continue  # the root redirect
        head = markup.split("</head>", 1)[0]
        assert '<link rel="alternate" type="application/atom+xml"' in head, page
        href = head.split('type="application/atom+xml"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
        assert (page.parent / href).resolve() == (built_book / "feed.xml").resolve(), page


@pytest.mark.book
def test_the_versions_page_and_the_landing_block(built_book):
    from test_book import visible_text

    releases = load_releases()
    current = releases[-1]
    versions = visible_text(built_book / "book" / "versions.html")
    assert f"The current version is {current.version}" in versions
    assert f"(Version {current.version}) [Data set]" in versions
    for release in releases:
        assert release.version in versions
    landing = visible_text(built_book / "book" / "index.html")
    assert f"Version {current.version}, released on" in landing
    assert "Maintained by The living-review contributors" in landing
    markup = (built_book / "book" / "index.html").read_text(encoding="utf-8")
    assert "/issues/new/choose" in markup
    notes = visible_text(built_book / "book" / "changelog.html")
    assert f"Version {current.version}" in notes and f"{current.studies} studies in this version" in notes
    methods = visible_text(built_book / "book" / "methods.html")
    assert "How the living review searches and screens" in methods
    assert "Records identified" in methods and "Studies included" in methods


def test_every_release_entry_points_at_an_anchor_of_the_versions_page():
    """The feed's release entries name versions.html#version-…: the Versions page's table has a
    row with that id (its own anchor, not only What's new's), for every release."""
    from livingreview.update.release import release_notes_html, versions_table_html
    from livingreview.update.versions import VERSIONS_PAGE

    releases = load_releases()
    table = versions_table_html(releases).markup
    notes = release_notes_html(releases, load_studies()).markup
    parsed = feedparser.parse(feed_xml(load_studies(), releases))
    release_links = [e.link for e in parsed.entries if e.title.startswith("Version ")]
    assert len(release_links) == min(len(releases), ENTRIES)
    for link in release_links:
        page, fragment = link.rsplit("#", 1)
        assert page.endswith(VERSIONS_PAGE) and f'id="{fragment}"' in table
        assert f'id="{fragment}"' in notes  # the Versions page's links to the notes land too


def _ids(markup: str) -> set[str]:
    import re

    return set(re.findall(r'\bid="([^"]+)"', markup))


def _resolves(built, target, studies_data: str) -> str:
    """'' when a link into the built book lands (its file exists and has the fragment's id, or
    for a study beyond the studies page's first page, the study is in the page's data file,
    which the page loads for such a link); else what is wrong."""
    from urllib.parse import unquote

    path, _, fragment = target.partition("#")
    page = (built / unquote(path)).resolve()
    if not page.is_file():
        return f"{target}: no file {page}"
    if not fragment:
        return ""
    markup = page.read_text(encoding="utf-8")
    fragment = unquote(fragment)
    if fragment in _ids(markup):
        return ""
    if page.name == "studies.html" and fragment.startswith("study-") and f'"{fragment[6:]}"' in studies_data:
        return ""
    return f"{target}: no element with id {fragment!r} in {page.name}"


@pytest.mark.book
def test_every_link_in_the_feed_and_on_the_versions_page_resolves_in_the_built_book(built_book):
    """Followed in the built HTML, not checked as strings: each feed link (made relative to the
    site's address) and each link of the Versions page to another page of the book."""
    import re
    from urllib.parse import urljoin, urlsplit

    site = site_url(load_citation())
    studies_data = (built_book / "book" / "studies-words.js").read_text(encoding="utf-8")  # every study id
    parsed = check_atom((built_book / "feed.xml").read_bytes())
    problems = []
    for entry in parsed.entries:
        for link in entry.links:
            assert link.href.startswith(site), link.href
            problems.append(_resolves(built_book, link.href[len(site) :], studies_data))
    versions = built_book / "book" / "versions.html"
    base = "https://book.invalid/book/versions.html"
    hrefs = re.findall(r'<a\b[^>]*\bhref="([^"]+)"', versions.read_text(encoding="utf-8"))
    internal = [h for h in hrefs if not urlsplit(h).scheme or h.startswith("#")]
    assert any("changelog.html#version-" in h for h in internal)
    for href in internal:
        absolute = urljoin(base, href.replace("&amp;", "&"))
        target = absolute.removeprefix("https://book.invalid/")
        if target.startswith(("mailto:", "javascript:")):
            continue
        problems.append(_resolves(built_book, target, studies_data))
    assert not [p for p in problems if p], [p for p in problems if p]


def test_a_summary_without_a_title_says_whose_words_it_quotes():
    studies = load_studies()
    table1 = studies[studies["ref"].astype(str).str.strip() != ""].iloc[0].to_dict()
    added = dict(table1, ref="", added=dt.date(2026, 12, 1), application="A contributor's own words.")
    for row in (table1, added):
        row["title"] = ""
        label = provenance(row).label
        summary = study_summary(row)
        assert summary.startswith(f"{label}: ") and len(summary) <= SUMMARY_CHARS
        assert summary.endswith("”") == provenance(row).quoted  # the source's words in quotation marks
        assert one_line(row["application"])[:40] in summary
    # With a title, the title alone: a bibliographic fact, no one's summary.
    assert study_summary(dict(table1, title="A title")) == "A title"
