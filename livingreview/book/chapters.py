"""What the chapters call: numbers glued into prose, figures, the studies table.

Chapters stay thin: a hidden cell runs `glue_facts()` and the prose uses {glue:text}`key`.
The other chapter helpers live with their subject: livingreview.book.changelog ("What's new"),
livingreview.update.selection (Methods), livingreview.book.contributor_docs (Contribute).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.cited import cited_facts
from ..data.counts import coded_with_any, most_common, term_counts, terms_per_study, terms_used
from ..data.links import STUDIES_PAGE, card_href
from ..data.provenance import table1_mask
from ..data.records import read_bibliography, without_record
from ..data.studies import load_studies
from ..data.vocabulary import LIST_COLUMNS, load_vocabulary
from ..text.markup import RawHTML, script_json
from ..text.wording import GlueText, and_list, citation_text, date_label, from_to, growth_sentence, in_sentence, plural
from ..update.selection import search_facts, selection_facts
from . import upstream
from .changelog import first_added, last_updated

#: The modality group whose terms make a study "image-centric" (the review's phrase for its
#: largest group): every image modality of the vocabulary, so a new one counts without a change here.
IMAGE_GROUP = "image"
#: The families the review names when it says "GANs, diffusion models or VLMs" act on images.
IMAGE_FAMILIES = ("gan", "diffusion", "vlm")


#: What each coded column counts, for sentences such as "15 clinical domains".
COLUMN_NOUNS = {
    "domain": ("clinical domain", "clinical domains"),
    "modality": ("data modality", "data modalities"),
    "model_family": ("model family", "model families"),
    "contribution": ("kind of contribution", "kinds of contribution"),
    "limitation_themes": ("limitation theme", "limitation themes"),
}


def studies_text(count: int) -> GlueText:
    """'1 study', '15 studies': a count of studies as the prose glues it."""
    return GlueText(plural(count, "study", "studies"))


#: How many terms a "most often …" sentence names.
LEADING_TERMS = 4


def _leading_terms(column: str, counts: pd.Series) -> str:
    """The most used terms of `column`, most used first (vocabulary order on a tie), as a sentence
    names them: 'radiology, oncology, drug discovery and dermatology'; at most LEADING_TERMS, so
    the sentence stays short at any size ('none yet' for an empty table)."""
    used = counts[counts > 0].sort_values(ascending=False, kind="stable")
    facet = load_vocabulary()[column]
    return and_list(in_sentence(facet.label_of(key)) for key in used.index[:LEADING_TERMS]) or "none yet"


def compute_facts(df: pd.DataFrame) -> dict[str, object]:
    """Every number the prose states, computed from the table. Keys are glue names.

    A count of studies comes twice: `n_x` (the number, for "7 of 15") and `n_x_text` ("7
    studies", "1 study"), so that no chapter types the noun after a glued number."""
    vocabulary = load_vocabulary()
    n = len(df)
    facts: dict[str, object] = {"n_studies": n, "n_studies_text": studies_text(n)}
    facts["year_first"] = int(df["year"].min()) if n else 0
    facts["year_last"] = int(df["year"].max()) if n else 0
    facts["year_range"] = GlueText(f"{facts['year_first']}–{facts['year_last']}" if n else "no years")
    facts["year_span"] = GlueText(from_to(facts["year_first"], facts["year_last"]) if n else "in no year yet")
    last, first = last_updated(df), first_added(df)
    facts["last_updated"] = GlueText(date_label(last) or "never")
    facts["last_updated_iso"] = GlueText(f"{last:%Y-%m-%d}" if last else "")
    facts["first_added"] = GlueText(date_label(first) or "never")
    facts["n_from_source"] = int(table1_mask(df).sum()) if n else 0  # rows of the source review's Table 1
    facts["n_added_later"] = n - facts["n_from_source"]
    facts["growth_text"] = GlueText(
        growth_sentence(date_label(first), facts["n_from_source"], facts["n_added_later"], date_label(last))
    )
    facts["n_with_doi"] = int((df["doi"] != "").sum())
    facts["n_verified"] = int(((df["doi"] != "") | (df["url"] != "")).sum())
    facts["n_unverified"] = n - facts["n_verified"]
    for column in LIST_COLUMNS:
        facts[f"n_{column}_used"] = terms_used(df, column)
        facts[f"n_{column}_used_text"] = GlueText(plural(facts[f"n_{column}_used"], *COLUMN_NOUNS[column]))
        counts = term_counts(df, column)
        for key, count in counts.items():
            facts[f"n_{column}_{key.replace('-', '_')}"] = int(count)
        facts[f"leading_{column}"] = GlueText(_leading_terms(column, counts))
        keys, top = most_common(counts)
        facts[f"top_{column}"] = GlueText(and_list(in_sentence(vocabulary[column].label_of(k)) for k in keys) or "none")
        facts[f"n_top_{column}"] = top
    image = coded_with_any(df, "modality", vocabulary["modality"].in_group(IMAGE_GROUP))
    image_generative = image & coded_with_any(df, "model_family", IMAGE_FAMILIES)
    facts["n_image"] = int(image.sum())
    facts["n_non_image"] = n - facts["n_image"]
    facts["n_image_centric"] = int(image_generative.sum())
    share = image_generative.mean() if n else 0.0
    facts["n_augmentation_image"] = int((image & coded_with_any(df, "contribution", ["data-augmentation"])).sum())
    facts["share_image_centric"] = GlueText(f"{share:.0%}")
    facts["image_claim_check"] = GlueText("agrees with" if share > 2 / 3 else "does not agree with")
    facts["n_multi_family"] = int((terms_per_study(df, "model_family") > 1).sum())
    themes = terms_per_study(df, "limitation_themes")
    facts["n_no_limitation_theme"] = int((themes == 0).sum())
    facts["n_several_limitation_themes"] = int((themes > 1).sum())
    facts.update(_claim_facts(df))
    facts.update(_year_facts(df))
    # The "_text" twin of every count of studies above.
    for key in [k for k, v in facts.items() if k.startswith("n_") and isinstance(v, int)]:
        if not key.endswith("_used"):
            facts[f"{key}_text"] = studies_text(facts[key])
    return facts


def _claim_facts(df: pd.DataFrame) -> dict[str, object]:
    """Checks of the source review's sentences against the coding (the Analysis chapter)."""
    vlm = coded_with_any(df, "model_family", ["vlm"])
    n_vlm = int(vlm.sum())
    n_both = int((vlm & coded_with_any(df, "limitation_themes", ["hallucination"])).sum())
    return {"n_vlm_hallucination": n_both, "vlm_hallucination_check": GlueText(_vlm_sentence(n_both, n_vlm))}


def _vlm_sentence(listing: int, total: int) -> str:
    """'none of the 2 vision-language studies in the table lists hallucination among its limitations'."""
    if not total:
        return "the table has no vision-language study to check it against"
    if total == 1:
        verb = "lists" if listing else "does not list"
        return f"the one vision-language study in the table {verb} hallucination among its limitations"
    studies = plural(total, "vision-language study", "vision-language studies")
    if listing == total:
        who = "both vision-language studies" if total == 2 else f"all {studies}"
        return f"{who} in the table list hallucination among their limitations"
    who = f"none of the {studies}" if listing == 0 else f"{listing:,} of the {studies}"
    verb, their = ("lists", "its") if listing <= 1 else ("list", "their")
    return f"{who} in the table {verb} hallucination among {their} limitations"


def _year_facts(df: pd.DataFrame) -> dict[str, object]:
    """The publication years: the busiest (all of them on a tie), as a count and as a clause."""
    if not len(df):
        return {"n_year_busiest": 0, "busiest_year_text": GlueText("no year has a study yet")}
    years, top = most_common(df["year"].value_counts().sort_index())
    which = and_list(str(year) for year in years)
    clause = (
        f"the busiest year is {which}, with {plural(top, 'study', 'studies')}"
        if len(years) == 1
        else f"the busiest years are {which}, with {plural(top, 'study', 'studies')} each"
    )
    return {"n_year_busiest": top, "busiest_year_text": GlueText(clause)}


def glue_facts(df: pd.DataFrame | None = None) -> dict[str, object]:
    """Compute the facts and glue each one (display=False) for {glue:text} in the prose."""
    df = load_studies() if df is None else df
    facts = compute_facts(df)
    facts.update(selection_facts())  # the literature search, from data/selection.yml
    facts.update(cited_facts(df))  # studies the source cites, in Table 1 or only in its text
    facts.update(search_facts())  # the living review's monthly search, from data/search.yml
    facts.update(version_facts())  # the current version, from data/releases.yml
    for key, value in facts.items():
        upstream.glue(key, value)
    return facts


def version_facts() -> dict[str, object]:
    """The current version for the prose: version_current ('2026.11' or 'none yet'), version_date."""
    from ..update.versions import load_releases

    releases = load_releases()
    current = releases[-1] if releases else None
    return {
        "version_current": GlueText(current.version if current else "none yet"),
        "version_date": GlueText(date_label(current.date) if current else "not yet released"),
        "n_versions": len(releases),
    }


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
