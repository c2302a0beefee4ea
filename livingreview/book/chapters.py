"""What the chapters call besides their facts: figures, the studies table, the update flows.

The numbers in the prose are glued from livingreview.book.facts (a chapter's hidden cell asks for
the topics it uses). The other chapter helpers live with their subject: livingreview.book.changelog
("What's new"), livingreview.update.selection (Methods), livingreview.book.contributor_docs (Contribute).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.links import STUDIES_PAGE, card_href
from ..data.records import read_bibliography, without_record
from ..data.studies import load_studies
from ..text.markup import RawHTML, script_json
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


@dataclass(repr=False)
class FigureHTML:
    """A Plotly figure as HTML that the book's figures.js draws: spec embedded once, no plotly.js.

    The figure with its phone and dark-theme variants (livingreview.charts.figures), and the studies page
    its bars and cells link to; its caption; and under it the figure's numbers as a data table.
    The box reserves the figure's height (the phone variant's in a narrow box), so nothing below
    it moves when the chart is drawn.
    """

    figure: object
    name: str
    caption: str = ""

    def __repr__(self) -> str:  # the text/plain output saved with the page: short and stable
        return f"<figure {self.name}>"

    def _repr_html_(self) -> str:
        from ..charts.figures import PLOTLY_CONFIG, dark_variant, phone_variant
        from ..charts.static_chart import figure_svgs, plain

        phone, dark = phone_variant(self.figure), dark_variant(self.figure)
        figure = json.loads(self.figure.to_json())
        spec = script_json(
            {
                **figure,
                "config": PLOTLY_CONFIG,
                "variants": {"phone": phone, "dark": dark},
                "studies_page": STUDIES_PAGE,
            }
        )
        title = self.figure.layout.title.text or self.name
        name = html.escape(self.name)
        holder = f"lr-fig-{name}"
        height = int(self.figure.layout.height or 440)
        phone_height = int(phone["layout"].get("height", height))
        caption = html.escape(self.caption)
        if figure_links(self.figure):
            caption += f' <span class="lr-figure-hint">{CLICK_HINT}</span>'
        return (
            f'<div class="lr-figure-box" id="figure-{name}">'
            f'<figure class="lr-figure-frame">'
            f'<div class="lr-figure" id="{holder}" data-spec="{holder}-spec" role="group" '
            f'aria-label="{html.escape(plain(title), quote=True)}" '
            f'style="--lr-h:{height}px;--lr-h-phone:{phone_height}px">'
            f"{figure_svgs(figure, phone, dark, STUDIES_PAGE, holder)}</div>"
            f'<script type="application/json" id="{holder}-spec">{spec}</script>'
            f'<figcaption class="lr-caption">{caption}</figcaption></figure>'
            f"{figure_table_html(self.figure)}</div>"
        )


#: Said under a chart whose bars and cells open the studies they count.
CLICK_HINT = (
    "Select a bar or a cell to list its studies (tap twice on a touch screen), or use the links in the data table."
)


def _cell(value) -> str:
    # Labels reach the figure already escaped for plotly.js; normalise, then escape once for HTML.
    return html.escape(html.unescape(str(value)))


def figure_links(figure) -> bool:
    """Whether any bar or cell of the figure links to its studies (customdata query strings)."""
    for trace in figure.data:
        for value in np.ravel(np.asarray(trace.customdata, dtype=object)) if trace.customdata is not None else ():
            if value:
                return True
    return False


def _count_cell(value, link, page: str) -> str:
    count = int(value or 0)
    if count and link:
        return f'<td><a href="{html.escape(page + link)}">{count:,}</a></td>'
    return f"<td>{count:,}</td>"


def figure_table_html(figure, page: str = STUDIES_PAGE) -> str:
    """The figure's numbers as a table a reader can open under it: its text alternative for screen
    readers, keyboard users and print (derived from the traces, so it always matches the chart).
    Each count that holds studies links to the studies page filtered to them, as the chart does."""
    traces = [t for t in figure.data if t.type in ("bar", "heatmap")]
    if not traces:
        return '<details class="lr-figure-data"><summary>Data table</summary><p>No studies match.</p></details>'
    x_title = _cell(figure.layout.xaxis.title.text or "")
    y_title = _cell(figure.layout.yaxis.title.text or "")
    categories: list = []
    columns: list[tuple[str, dict]] = []  # (header, {category: (value, link)})
    for trace in traces:
        links = trace.customdata
        if trace.type == "heatmap":
            for j, column in enumerate(trace.x):
                cells = {}
                for i, category in enumerate(trace.y):
                    cells[category] = (trace.z[i][j], links[i][j] if links is not None else "")
                columns.append((_cell(column), cells))
            rows = list(trace.y)
        else:
            horizontal = trace.orientation == "h"
            rows, values = (list(trace.y), trace.x) if horizontal else (list(trace.x), trace.y)
            header = _cell(trace.name) if trace.name else (x_title if horizontal else y_title)
            cells = {c: (v, links[k] if links is not None else "") for k, (c, v) in enumerate(zip(rows, values))}
            columns.append((header, cells))
        categories += [c for c in rows if c not in categories]
    first = traces[0]
    if first.type == "heatmap" and len(traces) == 1:
        corner = f"{y_title} \\ {x_title}"
    else:
        corner = y_title if first.type == "heatmap" or first.orientation == "h" else x_title
    head = f"<th scope='col'>{corner}</th>" + "".join(f"<th scope='col'>{header}</th>" for header, _ in columns)
    body = "".join(
        f"<tr><th scope='row'>{_cell(c)}</th>"
        + "".join(_count_cell(*cells.get(c, (0, "")), page) for _, cells in columns)
        + "</tr>"
        for c in categories
    )
    return (
        '<details class="lr-figure-data"><summary>Data table</summary>'
        f'<div class="lr-table-scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>'
    )


def figure_html(name: str, df: pd.DataFrame | None = None) -> FigureHTML:
    """One of the registered figures, with its data-driven caption, ready for a page. The figure
    sets its own height (from its rows), so the page reserves exactly the space it takes."""
    from ..charts.figures import FIGURES

    df = load_studies() if df is None else df
    spec = FIGURES[name]
    return FigureHTML(spec.make(df), name, spec.caption(df))


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
