"""What the chapters call: numbers glued into prose, figures, the studies table.

Chapters stay thin: a hidden cell runs `glue_facts()` and the prose uses {glue:text}`key`.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import pandas as pd

from .studies import load_studies
from .vocabulary import LIST_COLUMNS, load_vocabulary

#: The modality group whose terms make a study "image-centric" (the review's phrase for its
#: largest group): every image modality of the vocabulary, so a new one counts without a change here.
IMAGE_GROUP = "image"
#: The families the review names when it says "GANs, diffusion models or VLMs" act on images.
IMAGE_FAMILIES = ("gan", "diffusion", "vlm")


class Text(str):
    """A string whose repr is itself, so {glue:text} shows it without quotes."""

    def __repr__(self) -> str:
        return str(self)


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def has_any(column: pd.Series, terms) -> pd.Series:
    wanted = set(terms)
    return column.map(lambda values: bool(wanted.intersection(values)))


def compute_facts(df: pd.DataFrame) -> dict[str, object]:
    """Every number the prose states, computed from the table. Keys are glue names."""
    n = len(df)
    facts: dict[str, object] = {"n_studies": n, "n_studies_text": Text(plural(n, "study", "studies"))}
    facts["year_first"] = int(df["year"].min()) if n else 0
    facts["year_last"] = int(df["year"].max()) if n else 0
    facts["year_range"] = Text(f"{facts['year_first']}–{facts['year_last']}" if n else "no years")
    last = df["added"].max() if n else None
    facts["last_updated"] = Text(f"{last:%-d %B %Y}" if last is not None else "never")
    facts["last_updated_iso"] = Text(f"{last:%Y-%m-%d}" if last is not None else "")
    first = df["added"].min() if n else None
    facts["first_added"] = Text(f"{first:%-d %B %Y}" if first is not None else "never")
    facts["n_from_source"] = int(df["ref"].notna().sum())  # rows of the source review's Table 1
    facts["n_added_later"] = n - facts["n_from_source"]
    facts["n_added_later_text"] = Text(plural(facts["n_added_later"], "study", "studies"))
    facts["n_with_doi"] = int((df["doi"] != "").sum())
    facts["n_verified"] = int(((df["doi"] != "") | (df["url"] != "")).sum())
    facts["n_unverified"] = n - facts["n_verified"]
    for column in LIST_COLUMNS:
        used = {t for values in df[column] for t in values}
        facts[f"n_{column}_used"] = len(used)
        for key in load_vocabulary()[column].terms:
            facts[f"n_{column}_{key.replace('-', '_')}"] = int(has_any(df[column], [key]).sum())
    image = has_any(df["modality"], load_vocabulary()["modality"].in_group(IMAGE_GROUP))
    image_generative = image & has_any(df["model_family"], IMAGE_FAMILIES)
    facts["n_image"] = int(image.sum())
    facts["n_non_image"] = n - facts["n_image"]
    facts["n_image_centric"] = int(image_generative.sum())
    share = image_generative.mean() if n else 0.0
    facts["share_image_centric"] = Text(f"{share:.0%}")
    facts["image_claim_check"] = Text("agrees with" if share > 2 / 3 else "does not agree with")
    facts["n_multi_family"] = int((df["model_family"].map(len) > 1).sum())
    facts["n_no_limitation_theme"] = int((df["limitation_themes"].map(len) == 0).sum())
    return facts


#: myst-nb's glue format (papermill/scrapbook records): the kernel side of `myst_nb.glue`.
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value: object) -> None:
    """What `myst_nb.glue(name, value, display=False)` does, without importing myst_nb in the
    kernel: that import pulls in nbformat and jsonschema, over a second per page executed.
    The book's tests read the glued numbers back from the built pages."""
    from IPython import get_ipython
    from IPython.display import display

    bundle, metadata = get_ipython().display_formatter.format(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)


def glue_facts(df: pd.DataFrame | None = None) -> dict[str, object]:
    """Compute the facts and glue each one (display=False) for {glue:text} in the prose."""
    from .cited import cited_facts
    from .living import selection_facts

    df = load_studies() if df is None else df
    facts = compute_facts(df)
    facts.update(selection_facts())  # the literature search, from data/selection.yml
    facts.update(cited_facts(df))  # studies the source cites, in Table 1 or only in its text
    for key, value in facts.items():
        glue(key, value)
    return facts


@dataclass(repr=False)
class FigureHTML:
    """A Plotly figure as HTML that the book's figures.js draws: spec embedded once, no plotly.js."""

    figure: object
    name: str
    caption: str = ""
    height: int = 440

    def __repr__(self) -> str:  # the text/plain output saved with the page: short and stable
        return f"<figure {self.name}>"

    def _repr_html_(self) -> str:
        from .figures import PLOTLY_CONFIG

        spec = json.dumps({**json.loads(self.figure.to_json()), "config": PLOTLY_CONFIG}, separators=(",", ":"))
        # '<' only occurs inside JSON strings, so this escape keeps a '</script>' in data inert.
        spec = spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        title = self.figure.layout.title.text or self.name
        holder = f"lr-fig-{html.escape(self.name)}"
        caption = f'<figcaption class="lr-caption">{html.escape(self.caption)}</figcaption>' if self.caption else ""
        return (
            f'<figure class="lr-figure-box" id="figure-{html.escape(self.name)}">'
            f'<div class="lr-figure" id="{holder}" data-spec="{holder}-spec" role="group" '
            f'aria-label="{html.escape(strip_tags(title), quote=True)}" style="min-height:{self.height}px"></div>'
            f'<script type="application/json" id="{holder}-spec">{spec}</script>'
            f"{caption}{figure_table_html(self.figure)}</figure>"
        )


def _cell(value) -> str:
    # Labels reach the figure already escaped for plotly.js; normalise, then escape once for HTML.
    return html.escape(html.unescape(str(value)))


def figure_table_html(figure) -> str:
    """The figure's numbers as a table a reader can open under it: its text alternative for screen
    readers, keyboard users and print (derived from the traces, so it always matches the chart)."""
    traces = [t for t in figure.data if t.type in ("bar", "heatmap")]
    if not traces:
        return '<details class="lr-figure-data"><summary>Data table</summary><p>No studies match.</p></details>'
    x_title = _cell(figure.layout.xaxis.title.text or "")
    y_title = _cell(figure.layout.yaxis.title.text or "")
    if traces[0].type == "heatmap":
        heat = traces[0]
        head = f"<th scope='col'>{y_title} \\ {x_title}</th>" + "".join(
            f"<th scope='col'>{_cell(x)}</th>" for x in heat.x
        )
        body = "".join(
            f"<tr><th scope='row'>{_cell(y)}</th>" + "".join(f"<td>{int(v)}</td>" for v in row) + "</tr>"
            for y, row in zip(heat.y, heat.z)
        )
    else:
        horizontal = traces[0].orientation == "h"
        category_title, value_title = (y_title, x_title) if horizontal else (x_title, y_title)
        categories: list = []
        values: dict = {}
        for trace in traces:
            for category, value in zip(*((trace.y, trace.x) if horizontal else (trace.x, trace.y))):
                if category not in values:
                    categories.append(category)
                    values[category] = {}
                values[category][trace.name] = value
        names = [t.name for t in traces]
        columns = names if len(traces) > 1 else [value_title]
        head = f"<th scope='col'>{category_title}</th>" + "".join(f"<th scope='col'>{_cell(c)}</th>" for c in columns)
        body = "".join(
            f"<tr><th scope='row'>{_cell(c)}</th>"
            + "".join(f"<td>{int(values[c].get(n) or 0)}</td>" for n in names)
            + "</tr>"
            for c in categories
        )
    return (
        '<details class="lr-figure-data"><summary>Data table</summary>'
        f'<div class="lr-table-scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>'
    )


def strip_tags(text: str) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", " ", text or "")).strip()


def citation_text(row) -> str:
    return f"{row['first_author']} et al. ({row['year']})"


class RawHTML:
    """HTML that a page shows as is (already escaped by whoever built it)."""

    def __init__(self, markup: str):
        self.markup = markup

    def __repr__(self) -> str:  # no memory address in the saved page: builds stay reproducible
        return "<HTML output>"

    def _repr_html_(self) -> str:
        return self.markup


def figure_html(name: str, df: pd.DataFrame | None = None, height: int | None = None) -> FigureHTML:
    """One of the registered figures, with its data-driven caption, ready for a page."""
    from .figures import FIGURES

    df = load_studies() if df is None else df
    spec = FIGURES[name]
    figure = spec.make(df)
    return FigureHTML(figure, name, spec.caption(df), height or int(figure.layout.height or 440))


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
        f'<li><a href="studies.html#study-{html.escape(r["id"])}">{html.escape(citation_text(r))}</a>'
        + (f" (reference {int(r['ref'])} of the source review)" if pd.notna(r["ref"]) else "")
        + "</li>"
        for _, r in pending.sort_values(["first_author", "year"]).iterrows()
    )
    return RawHTML(f'<ul class="lr-unverified">{items}</ul>')
