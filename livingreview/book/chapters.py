"""What the chapters call besides their facts: figures, the studies table, the update flows.

The numbers in the prose are glued from livingreview.book.facts (a chapter's hidden cell asks for
the topics it uses). The other chapter helpers live with their subject: livingreview.book.changelog
("What's new"), livingreview.update.selection (Methods), livingreview.book.contributor_docs (Contribute).
"""

from __future__ import annotations

import html

import pandas as pd

from ..data.links import card_href
from ..data.records import read_bibliography, without_record
from ..data.studies import load_studies
from ..text.markup import RawHTML
from ..text.wording import citation_text, date_label, plural


def update_flows(df: pd.DataFrame | None = None, repo=None) -> RawHTML:
    """Methods: the flow of every released update, newest first, and of the update in progress
    (search runs no release has counted yet), each a diagram with its text equivalent."""
    from ..data.paths import Repository
    from ..update.protocol import load_protocol
    from ..update.screening import load_cycle
    from ..update.selection import UpdateFlow, searched_dates, update_flow
    from ..update.versions import load_releases

    repo = repo or Repository()
    df = load_studies(repo.studies) if df is None else df
    releases = load_releases(repo.releases)
    cycle = load_cycle(repo, study_ids=set(df["id"]))
    parts = []
    if set(r["date"] for r in cycle.runs) - searched_dates(releases):
        flow = update_flow(df, cycle, releases, load_protocol(repo.search))
        parts.append(flow.figure_html("update-flow-current", caption=flow.title + "."))
    for i in range(len(releases) - 1, 0, -1):
        release = releases[i]
        if release.flow:
            flow = UpdateFlow.from_record(
                release.flow, version=release.version, previous_version=releases[i - 1].version
            )
            anchor = "update-flow-" + release.version.replace(".", "-")
            parts.append(flow.figure_html(anchor, caption=f"{flow.title}, released {date_label(release.date)}."))
    if not parts:
        first = releases[0] if releases else None
        since = f" since the first version ({first.version}, {date_label(first.date)})" if first else ""
        return RawHTML(
            f'<p class="lr-update-flows-empty">No monthly search has been run{since}: the flow of each update will '
            "appear here, newest first, once it is.</p>"
        )
    return RawHTML("".join(parts))


def figure_html(name: str, df: pd.DataFrame | None = None):
    """One of the review's charts (livingreview.charts.model.CHARTS) drawn from the table, with its
    caption and data table, ready for a page (livingreview.charts.page_figure)."""
    from ..charts.page_figure import figure_html as chart_figure

    return chart_figure(name, load_studies() if df is None else df)


def studies_table(df: pd.DataFrame | None = None) -> RawHTML:
    """The filterable table of all studies for the static book (works with no kernel)."""
    from .studies_page import studies_table_html

    return RawHTML(studies_table_html(load_studies() if df is None else df))


#: How many unverified studies the References page lists by name; it counts the rest, so the
#: page stays the same size however many rows await a record (issue #17).
UNVERIFIED_LISTED = 100


def unverified_studies(df: pd.DataFrame | None = None) -> RawHTML:
    """The studies with no verified record in book/references.bib (livingreview.data.records; a
    study with a DOI but no record included, so none vanishes from the page): cited by author,
    year and ref number, at most UNVERIFIED_LISTED of them, the rest counted."""
    df = load_studies() if df is None else df
    pending = df[without_record(df.to_dict("records"), read_bibliography())]
    if pending.empty:
        return RawHTML("<p>None: every study has a verified record.</p>")
    listed = pending.sort_values(["first_author", "year"]).head(UNVERIFIED_LISTED)
    items = "".join(
        f'<li><a href="{html.escape(card_href(r["id"]))}">{html.escape(citation_text(r))}</a>'
        + (f" (reference {int(r['ref'])} of the source review)" if pd.notna(r["ref"]) else "")
        + (f", DOI {html.escape(r['doi'])}: its record is not yet in the bibliography" if r["doi"] else "")
        + "</li>"
        for _, r in listed.iterrows()
    )
    rest = len(pending) - len(listed)
    more = (
        f"<p>The first {len(listed):,} by author are listed; {plural(rest, 'more study', 'more studies')} "
        f"also {'awaits' if rest == 1 else 'await'} a record (the rows of the study table with no verified record "
        "in the bibliography).</p>"
        if rest
        else ""
    )
    return RawHTML(f'<ul class="lr-unverified">{items}</ul>{more}')
