"""What the chapters call: numbers glued into prose, figures, the studies table.

Chapters stay thin: a hidden cell runs `glue_facts()` and the prose uses {glue:text}`key`.
The other chapter helpers live with their subject: livingreview.changelog ("What's new"),
livingreview.selection (Methods), livingreview.contributor_docs (Contribute).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import upstream
from .cards import STUDIES_PAGE, card_href
from .changelog import first_added, last_updated
from .cited import cited_facts
from .counts import coded_with_any, term_counts, terms_per_study, terms_used
from .markup import RawHTML, script_json
from .selection import selection_facts
from .studies import load_studies
from .vocabulary import LIST_COLUMNS, load_vocabulary
from .wording import GlueText, citation_text, date_label, plural

#: The modality group whose terms make a study "image-centric" (the review's phrase for its
#: largest group): every image modality of the vocabulary, so a new one counts without a change here.
IMAGE_GROUP = "image"
#: The families the review names when it says "GANs, diffusion models or VLMs" act on images.
IMAGE_FAMILIES = ("gan", "diffusion", "vlm")


def compute_facts(df: pd.DataFrame) -> dict[str, object]:
    """Every number the prose states, computed from the table. Keys are glue names."""
    n = len(df)
    facts: dict[str, object] = {"n_studies": n, "n_studies_text": GlueText(plural(n, "study", "studies"))}
    facts["year_first"] = int(df["year"].min()) if n else 0
    facts["year_last"] = int(df["year"].max()) if n else 0
    facts["year_range"] = GlueText(f"{facts['year_first']}–{facts['year_last']}" if n else "no years")
    last, first = last_updated(df), first_added(df)
    facts["last_updated"] = GlueText(date_label(last) or "never")
    facts["last_updated_iso"] = GlueText(f"{last:%Y-%m-%d}" if last else "")
    facts["first_added"] = GlueText(date_label(first) or "never")
    facts["n_from_source"] = int(df["ref"].notna().sum())  # rows of the source review's Table 1
    facts["n_added_later"] = n - facts["n_from_source"]
    facts["n_added_later_text"] = GlueText(plural(facts["n_added_later"], "study", "studies"))
    facts["n_with_doi"] = int((df["doi"] != "").sum())
    facts["n_verified"] = int(((df["doi"] != "") | (df["url"] != "")).sum())
    facts["n_unverified"] = n - facts["n_verified"]
    for column in LIST_COLUMNS:
        facts[f"n_{column}_used"] = terms_used(df, column)
        for key, count in term_counts(df, column).items():
            facts[f"n_{column}_{key.replace('-', '_')}"] = int(count)
    image = coded_with_any(df, "modality", load_vocabulary()["modality"].in_group(IMAGE_GROUP))
    image_generative = image & coded_with_any(df, "model_family", IMAGE_FAMILIES)
    facts["n_image"] = int(image.sum())
    facts["n_non_image"] = n - facts["n_image"]
    facts["n_image_centric"] = int(image_generative.sum())
    share = image_generative.mean() if n else 0.0
    facts["share_image_centric"] = GlueText(f"{share:.0%}")
    facts["image_claim_check"] = GlueText("agrees with" if share > 2 / 3 else "does not agree with")
    facts["n_multi_family"] = int((terms_per_study(df, "model_family") > 1).sum())
    facts["n_no_limitation_theme"] = int((terms_per_study(df, "limitation_themes") == 0).sum())
    return facts


def glue_facts(df: pd.DataFrame | None = None) -> dict[str, object]:
    """Compute the facts and glue each one (display=False) for {glue:text} in the prose."""
    df = load_studies() if df is None else df
    facts = compute_facts(df)
    facts.update(selection_facts())  # the literature search, from data/selection.yml
    facts.update(cited_facts(df))  # studies the source cites, in Table 1 or only in its text
    for key, value in facts.items():
        upstream.glue(key, value)
    return facts


@dataclass(repr=False)
class FigureHTML:
    """A Plotly figure as HTML that the book's figures.js draws: spec embedded once, no plotly.js.

    The figure with its phone and dark-theme variants (livingreview.figures), and the studies page
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
        from .figures import PLOTLY_CONFIG, dark_variant, phone_variant

        phone = phone_variant(self.figure)
        spec = script_json(
            {
                **json.loads(self.figure.to_json()),
                "config": PLOTLY_CONFIG,
                "variants": {"phone": phone, "dark": dark_variant(self.figure)},
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
            f'aria-label="{html.escape(strip_tags(title), quote=True)}" '
            f'style="--lr-h:{height}px;--lr-h-phone:{phone_height}px"></div>'
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


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text or "")).strip()


def figure_html(name: str, df: pd.DataFrame | None = None) -> FigureHTML:
    """One of the registered figures, with its data-driven caption, ready for a page. The figure
    sets its own height (from its rows), so the page reserves exactly the space it takes."""
    from .figures import FIGURES

    df = load_studies() if df is None else df
    spec = FIGURES[name]
    return FigureHTML(spec.make(df), name, spec.caption(df))


def studies_table(df: pd.DataFrame | None = None) -> RawHTML:
    """The filterable table of all studies for the static book (works with no kernel)."""
    from .html_table import studies_table_html

    return RawHTML(studies_table_html(load_studies() if df is None else df))


def unverified_studies(df: pd.DataFrame | None = None) -> RawHTML:
    """The studies with no verified record (no DOI, no URL): cited by author, year and ref number."""
    df = load_studies() if df is None else df
    pending = df[(df["doi"] == "") & (df["url"] == "")]
    if pending.empty:
        return RawHTML("<p>None: every study has a verified record.</p>")
    items = "".join(
        f'<li><a href="{html.escape(card_href(r["id"]))}">{html.escape(citation_text(r))}</a>'
        + (f" (reference {int(r['ref'])} of the source review)" if pd.notna(r["ref"]) else "")
        + "</li>"
        for _, r in pending.sort_values(["first_author", "year"]).iterrows()
    )
    return RawHTML(f'<ul class="lr-unverified">{items}</ul>')
