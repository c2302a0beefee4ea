"""The Atom feed of the living review (feed.xml at the root of the built site): every release and
every study added, newest first, so a reader can follow the review in a feed reader.

Made with feedgen from the data alone (release dates, `added` dates), so two builds of the same
data give the same file. Links are absolute, to the published site (CITATION.cff `url`): a
release to its row of the Versions page (the row's id is the version's anchor), a study to its
card on the studies page; each page of the book names the feed in its head
(_templates/layout.html). tests/test_feed.py follows every link into the built book.
"""

from __future__ import annotations

import datetime as _dt

from ..data.links import STUDIES_PAGE, card_href
from ..data.provenance import provenance
from ..text.wording import citation_text, one_line, plural
from .versions import VERSIONS_PAGE, Release, load_citation, maintainers, site_url

#: Entries in the feed: enough for a reader who looks monthly, small for a 10,000-study table.
ENTRIES = 50
#: The chapters' folder, from the site's root (_toc.yml): the feed's links are absolute, so each
#: is the site's address, this folder, then the page as another chapter links to it.
BOOK_FOLDER = "book/"


def _moment(day) -> _dt.datetime:
    day = day.date() if isinstance(day, _dt.datetime) else day
    return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC)


def feed_entries(studies, releases: list[Release], site: str) -> list[dict]:
    """Every release and added study as a feed entry (id, title, link, updated, summary), newest first."""
    entries = []
    for r in releases:
        summary = f"Version {r.version}: {plural(r.studies, 'study', 'studies')}; {len(r.added):,} added, {len(r.corrected):,} corrected since the previous version."
        entries.append(
            {
                "id": f"{site}{BOOK_FOLDER}{VERSIONS_PAGE}#{r.anchor}",
                "title": f"Version {r.version} released",
                "link": f"{site}{BOOK_FOLDER}{VERSIONS_PAGE}#{r.anchor}",
                "updated": _moment(r.date),
                "summary": summary,
                "order": (0, r.version),
            }
        )
    for row in studies.to_dict("records"):
        link = site + BOOK_FOLDER + card_href(row["id"], STUDIES_PAGE)
        entries.append(
            {
                "id": link,
                "title": f"Study added: {citation_text(row)}",
                "link": link,
                "updated": _moment(row["added"]),
                "summary": study_summary(row),
                "order": (1, row["id"]),
            }
        )
    entries.sort(key=lambda e: (e["updated"], e["order"]), reverse=True)
    return entries


#: A feed entry's summary at most (characters): a line of a feed reader's list.
SUMMARY_CHARS = 300


def study_summary(row) -> str:
    """A study entry's summary: the publication's title; without one, its application, which is
    the source review's words (quoted, and said so) or a contributor's summary (said so)."""
    if row["title"]:
        return one_line(row["title"], SUMMARY_CHARS)
    origin = provenance(row)
    label = origin.label
    if origin.quoted:
        return f"{label}: “{one_line(row['application'], SUMMARY_CHARS - len(label) - 4)}”"
    return f"{label}: {one_line(row['application'], SUMMARY_CHARS - len(label) - 2)}"


def feed_xml(studies, releases: list[Release], cff: dict | None = None, *, limit: int = ENTRIES) -> bytes:
    """The feed as Atom XML (UTF-8), at most `limit` entries, newest first."""
    from feedgen.feed import FeedGenerator

    cff = cff or load_citation()
    site = site_url(cff)
    entries = feed_entries(studies, releases, site)[:limit]
    feed = FeedGenerator()
    feed.id(site)
    feed.title(str(cff["title"]))
    feed.subtitle("New studies and new versions of the living review")
    feed.author({"name": maintainers(cff)})
    feed.link(href=site, rel="alternate")
    feed.link(href=site + "feed.xml", rel="self")
    feed.language("en")
    feed.rights("Text and data: CC BY 4.0")
    feed.updated(entries[0]["updated"] if entries else _moment(_dt.date(2025, 1, 1)))
    for entry in reversed(entries):  # feedgen prepends: add oldest first, newest ends on top
        item = feed.add_entry()
        item.id(entry["id"])
        item.title(entry["title"])
        item.link(href=entry["link"], rel="alternate")
        item.updated(entry["updated"])
        item.published(entry["updated"])
        if entry["summary"]:
            item.summary(entry["summary"])
    return feed.atom_str(pretty=True)
