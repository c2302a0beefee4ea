"""The filterable study table of the static HTML book (no kernel behind the page).

studies_table_html(df) returns an HTML fragment: a real <table> of every study with all of
Table 1's fields, readable as it is without JavaScript. assets/studies-table.js, a small
dependency-free classic script, then enhances it in place: free-text search, facet and year
filters, sorting, paging, a live "N of M studies" count, a reset, a CSV download of the
filtered rows, and the filter state in the URL query string (the same parameters as
livingreview.filters.FilterState, so links to the Binder explorer and to the book are
interchangeable).

Row data is written once, as the table itself: the script reads its index from the cells
(and a few data-* attributes for the columns not shown), so no JSON copy doubles the page.
The stylesheet shows the rows as a table in a wide box and as labelled cards in a narrower
one (the book's text column on a laptop), with or without the script. While a page with
scripting loads, only the first 100 rows are laid out (a 10,000-row table laid out in full
takes many seconds); a small fixed inline script shows them all if the table script never
ran.

Every value is untrusted text. Each one is HTML-escaped (a carriage return is written as
&#13; so the parser cannot fold it into a newline and the CSV download stays faithful), and
the only links built from data are https://doi.org/<DOI> for DOIs of the expected shape and
https:// source URLs.

livingreview.sphinxext copies livingreview/assets/ to _static/lr/ and, on pages whose HTML
contains TABLE_MARKER, adds TABLE_CSS and TABLE_JS (deferred). The script has no dependency.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .filters import FACETS, SEARCH_COLUMNS, TEXT_KEY, YEAR_KEY
from .links import doi_href, is_https
from .studies import TABLE1_COLUMNS
from .validation import column_titles
from .vocabulary import LIST_COLUMNS, SEPARATOR, load_vocabulary

#: A class on the fragment's outer element; the Sphinx extension adds the assets to pages with it.
TABLE_MARKER = "lr-studies-table"
#: Paths relative to _static/lr/, in load order (the extension adds scripts with `defer`).
TABLE_JS: list[str] = ["studies-table.js"]
TABLE_CSS: list[str] = ["studies-table.css"]
#: Where the assets live in the source tree (copied as a whole to _static/lr/).
ASSETS_DIR = Path(__file__).resolve().parent / "assets"

#: The download's name: the same as the Binder explorer's CSV, in the same format.
CSV_FILENAME = "generative-ai-studies.csv"
#: Rows per page before the reader chooses otherwise, and the choices offered.
PAGE_SIZES = (25, 50, 100, 500)
DEFAULT_PAGE_SIZE = 50

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{3,8}$")


# The stylesheet lays out only the first 100 rows while a page with scripting loads; if the
# table script never ran (blocked by a proxy, failed to load), this shows every row once the
# page has loaded. It is fixed code: no data goes into it.
_FALLBACK_SCRIPT = (
    "<script>window.addEventListener('load',function(){var t=document.querySelectorAll("
    f"'.{TABLE_MARKER}:not([data-lr-ready])');for(var i=0;i<t.length;i++)"
    "t[i].classList.add('lr-st-failed');});</script>"
)


def studies_table_html(
    df: pd.DataFrame,
    *,
    table_id: str = "lr-studies",
    caption: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> str:
    """The study table as an HTML fragment (str), for a notebook cell's HTML output.

    `df` is a frame as load_studies() returns it (coded columns as lists of vocabulary keys).
    `table_id` prefixes every element id, so two tables may share a page. `caption` replaces
    the default caption text. Without JavaScript the fragment is a plain, complete table.
    """
    prefix = _slug(table_id)
    page_size = max(0, int(page_size))
    vocabulary = load_vocabulary()
    titles = column_titles()
    total = len(df)
    records = df.to_dict("records")
    years = sorted({int(r["year"]) for r in records if _has_year(r.get("year"))})

    if caption is None:
        caption = (
            f"The {total} {'study' if total == 1 else 'studies'} of the review, with the fields of "
            "Table 1 and the coded tags. Each study's citation is a link you can share to its row."
        )

    facet_terms = {column: _terms_in_order(vocabulary.get(column), records, column) for column in LIST_COLUMNS}
    root_attrs = {
        "class": f"lr-st {TABLE_MARKER}",
        "id": prefix,
        "data-lr-total": str(total),
        "data-lr-csv-columns": ",".join(_csv_columns()),
        "data-lr-search": ",".join(SEARCH_COLUMNS),
        "data-lr-csv-name": CSV_FILENAME,
        "data-lr-page-size": str(int(page_size)),
        "data-lr-year-key": YEAR_KEY,
    }
    parts = [f"<div{_attrs(root_attrs)}>"]
    parts.append(_controls(prefix, vocabulary, facet_terms, years, page_size))
    # The visible count changes on every keystroke; the live region (for screen readers) is
    # updated by the script once typing pauses, so it is announced once, not per letter.
    noun = "study" if total == 1 else "studies"
    parts.append(
        f'<p class="lr-st-status" id="{prefix}-status"><strong>{total}</strong> {noun}</p>'
        f'<div class="lr-sr" id="{prefix}-live" role="status" aria-live="polite" aria-atomic="true"></div>'
    )
    parts.append(_label_style(prefix, titles))
    parts.append(f'<div class="lr-st-scroll" id="{prefix}-scroll">')
    parts.append(f'<table class="lr-st-table" id="{prefix}-table" aria-describedby="{prefix}-status">')
    parts.append(f"<caption>{_esc(caption)}</caption>")
    parts.append(_colgroup())
    parts.append(_thead(titles))
    parts.append("<tbody>")
    parts.extend(_row(record, vocabulary) for record in records)
    parts.append("</tbody></table></div>")
    parts.append(
        f'<p class="lr-st-empty" id="{prefix}-empty" hidden>No study matches these filters. '
        f'<button type="button" class="lr-st-btn" data-lr-action="reset">Reset filters</button></p>'
    )
    parts.append(
        f'<nav class="lr-st-pager" id="{prefix}-pager" aria-label="Pages of the study table" hidden>'
        '<button type="button" class="lr-st-btn" data-lr-action="prev">Previous</button>'
        '<span class="lr-st-page" aria-live="off"></span>'
        '<button type="button" class="lr-st-btn" data-lr-action="next">Next</button></nav>'
    )
    parts.append("</div>")
    parts.append(_FALLBACK_SCRIPT)
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Controls (hidden until the script runs: without it they could do nothing)


def _controls(prefix, vocabulary, facet_terms, years, page_size) -> str:
    out = [f'<form class="lr-st-controls" id="{prefix}-controls" role="search" aria-label="Filter the studies" hidden>']
    out.append('<div class="lr-st-bar">')
    out.append(
        f'<div class="lr-st-field lr-st-search"><label for="{prefix}-q">Search</label>'
        f'<input type="search" id="{prefix}-q" name="{TEXT_KEY}" maxlength="200" autocomplete="off" '
        f'spellcheck="false" placeholder="Author, dataset, method, model…" '
        f'aria-describedby="{prefix}-q-hint">'
        f'<span class="lr-st-hint" id="{prefix}-q-hint">All words must occur, in any order.</span></div>'
    )
    year_options = "".join(f'<option value="{y}">{y}</option>' for y in years)
    out.append(
        f'<fieldset class="lr-st-field lr-st-years"><legend>Year</legend>'
        f'<label for="{prefix}-y0" class="lr-sr">From year</label>'
        f'<select id="{prefix}-y0" data-lr-year="from"><option value="">From</option>{year_options}</select>'
        f'<span aria-hidden="true">–</span>'
        f'<label for="{prefix}-y1" class="lr-sr">To year</label>'
        f'<select id="{prefix}-y1" data-lr-year="to"><option value="">To</option>{year_options}</select>'
        "</fieldset>"
    )
    sort_options = (
        ("", "Review order"),
        ("study-asc", "First author, A–Z"),
        ("study-desc", "First author, Z–A"),
        ("year-desc", "Year, newest first"),
        ("year-asc", "Year, oldest first"),
    )
    out.append(
        f'<div class="lr-st-field lr-st-sort"><label for="{prefix}-sort">Sort by</label>'
        f'<select id="{prefix}-sort" data-lr-sort>'
        + "".join(f'<option value="{v}">{_esc(t)}</option>' for v, t in sort_options)
        + "</select></div>"
    )
    out.append("</div>")

    out.append('<div class="lr-st-facets">')
    for key, column in FACETS.values():
        facet = vocabulary.get(column)
        label = facet.label if facet else column
        terms = facet_terms[column]
        boxes = "".join(
            f'<label class="lr-st-opt"><input type="checkbox" name="{_esc(key)}" value="{_esc(term)}">'
            f'<span class="lr-st-opt-l">{_esc(term_label)}</span> <span class="lr-st-c">{count}</span>'
            f'<span class="lr-sr"> studies</span></label>'
            for term, term_label, count in terms
        )
        out.append(
            f'<details class="lr-st-facet" data-lr-facet="{_esc(key)}" data-lr-column="{_esc(column)}">'
            f'<summary><span class="lr-st-facet-l">{_esc(label)}</span>'
            f'<span class="lr-st-facet-n"></span></summary>'
            f'<fieldset class="lr-st-panel"><legend class="lr-sr">{_esc(label)}</legend>{boxes}</fieldset>'
            "</details>"
        )
    out.append("</div>")

    choices = sorted({*PAGE_SIZES, page_size} - {0})
    sizes = (
        "".join(f'<option value="{n}"{" selected" if n == page_size else ""}>{n}</option>' for n in choices)
        + f'<option value="0"{" selected" if page_size == 0 else ""}>All</option>'
    )
    out.append(
        '<div class="lr-st-actions">'
        '<div class="lr-st-chips" aria-label="Active filters" role="group"></div>'
        '<div class="lr-st-tools">'
        f'<label class="lr-st-check"><input type="checkbox" data-lr-expand-all> Show full text</label>'
        f'<span class="lr-st-size"><label for="{prefix}-size">Rows per page</label> '
        f'<select id="{prefix}-size" data-lr-page-size>{sizes}</select></span>'
        '<button type="button" class="lr-st-btn" data-lr-action="reset">Reset</button>'
        '<button type="button" class="lr-st-btn lr-st-primary" data-lr-action="csv">Download CSV</button>'
        "</div></div>"
    )
    out.append("</form>")
    return "".join(out)


def _terms_in_order(facet, records, column) -> list[tuple[str, str, int]]:
    """(key, label, number of studies) for every vocabulary term, then any unknown key in the data."""
    counts: dict[str, int] = {}
    for record in records:
        for key in dict.fromkeys(_keys(record.get(column))):
            counts[key] = counts.get(key, 0) + 1
    keys = list(facet.terms) if facet else []
    keys += [k for k in counts if k not in keys]
    return [(k, facet.label_of(k) if facet else k, counts.get(k, 0)) for k in keys]


# --------------------------------------------------------------------------------------------
# The table


def _colgroup() -> str:
    names = ["study", "year", *TABLE1_COLUMNS, "tags"]
    return "<colgroup>" + "".join(f'<col class="lr-col-{n}">' for n in names) + "</colgroup>"


def _label_style(prefix: str, titles: dict[str, str]) -> str:
    """Each Table 1 column's title as --lr-label, which the card layout shows above the text
    (in CSS, so the cards need no script and the rows carry no repeated labels)."""
    rules = "".join(
        f"#{prefix} .lr-st-table td:nth-child({n}){{--lr-label:{_css_string(titles[c])}}}"
        for n, c in enumerate(TABLE1_COLUMNS, start=3)
    )
    return f"<style>{rules}</style>"


def _css_string(text: str) -> str:
    """A CSS string literal: anything but plain letters, digits and spaces as an escape."""
    return '"' + "".join(c if c.isalnum() and c.isascii() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def _thead(titles) -> str:
    cells = ['<th scope="col" class="lr-c-study" data-lr-sort-key="study">Study</th>']
    cells.append('<th scope="col" class="lr-c-year" data-f="year" data-lr-sort-key="year">Year</th>')
    cells += [f'<th scope="col" data-f="{c}">{_esc(titles[c])}</th>' for c in TABLE1_COLUMNS]
    cells.append('<th scope="col" class="lr-c-tags">Coded tags</th>')
    return f"<thead><tr>{''.join(cells)}</tr></thead>"


def _row(study: dict, vocabulary) -> str:
    study_id = _text(study.get("id"))
    # The row is the study's card: other pages link to studies.html#study-<id>.
    attrs = {"id": f"study-{study_id}", "data-id": study_id}
    ref = _text(study.get("ref"))
    if ref:
        attrs["data-ref"] = ref
    added = _text(study.get("added"))
    if added:
        attrs["data-added"] = added
    raw_url = _text(study.get("url"))
    if raw_url:
        attrs["data-url"] = raw_url
    url = raw_url.strip()
    for column in LIST_COLUMNS:
        keys = _keys(study.get(column))
        if keys:
            attrs[f"data-{column}"] = SEPARATOR.join(keys)

    year = _text(study.get("year"))
    author = _text(study.get("first_author"))
    cite = f'<a class="lr-st-cite" href="#study-{_esc(quote(study_id, safe=""))}">'
    cite += f'<span data-f="first_author">{_esc_text(author)}</span> {_esc_text(year)}</a>'
    study_cell = [cite]
    title = _text(study.get("title"))
    if title:
        study_cell.append(f'<span class="lr-st-title" data-f="title">{_esc_text(title)}</span>')
    source = []
    venue = _text(study.get("venue"))
    if venue:
        source.append(f'<span class="lr-st-venue" data-f="venue">{_esc_text(venue)}</span>')
    doi = _text(study.get("doi"))
    href = doi_href(doi)
    if href:
        source.append(f'DOI <a data-f="doi" href="{_esc(href)}" rel="noopener noreferrer">{_esc_text(doi)}</a>')
    elif doi:
        source.append(f'DOI <span data-f="doi">{_esc_text(doi)}</span>')
    if url and is_https(url) and not url.lower().startswith("https://doi.org/"):
        source.append(f'<a class="lr-st-link" href="{_esc(url)}" rel="noopener noreferrer">Publication page</a>')
    if source:
        study_cell.append(f'<span class="lr-st-src">{" · ".join(source)}</span>')
    notes = _text(study.get("notes"))
    if notes:
        study_cell.append(
            f'<span class="lr-st-note"><span class="lr-st-note-l">Note:</span> '
            f'<span data-f="notes">{_esc_text(notes)}</span></span>'
        )

    cells = [f'<th scope="row" class="lr-c-study">{"".join(study_cell)}</th>']
    cells.append(f'<td class="lr-c-year">{_esc_text(year)}</td>')
    cells += [f"<td><div>{_esc_text(_text(study.get(c)))}</div></td>" for c in TABLE1_COLUMNS]
    cells.append(f'<td class="lr-c-tags">{_tags(study, vocabulary)}</td>')
    return f"<tr{_attrs(attrs)}>{''.join(cells)}</tr>"


def _tags(study: dict, vocabulary) -> str:
    groups = []
    for column in LIST_COLUMNS:
        keys = _keys(study.get(column))
        if not keys:
            continue
        facet = vocabulary.get(column)
        chips = []
        for key in keys:
            label = facet.label_of(key) if facet else key
            style = ""
            if column == "model_family" and facet and key in facet.terms:
                colour = facet.terms[key].colour
                if colour and _COLOUR.match(colour):
                    style = f' style="--lr-c:{colour}"'
            chips.append(f"<span{style}>{_esc_text(label)}</span>")
        name = facet.label if facet else column
        groups.append(f'<dt>{_esc_text(name)}</dt><dd class="lr-t-{_slug(column)}">{"".join(chips)}</dd>')
    return f'<dl class="lr-st-tags">{"".join(groups)}</dl>' if groups else ""


# --------------------------------------------------------------------------------------------
# Helpers


def _esc(value: str) -> str:
    """HTML-escape text for element content and quoted attributes.

    A carriage return becomes &#13;: the HTML parser turns a literal CR into a newline, but
    a character reference survives, so what the script reads back is the original text.
    """
    return html.escape(value, quote=True).replace("\r", "&#13;")


def _esc_text(value: str) -> str:
    """Escape text for element content (quotes need no escaping there; a CR as in _esc)."""
    return html.escape(value, quote=False).replace("\r", "&#13;")


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {name}="{_esc(value)}"' for name, value in attrs.items())


def _text(value) -> str:
    """A cell as text, as livingreview.exports writes it ('' for missing values)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _keys(value) -> list[str]:
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        return [k.strip() for k in value.split(SEPARATOR) if k.strip()]
    return [str(k) for k in value]


def _has_year(value) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def _slug(text: str) -> str:
    """Letters, digits, '-' and '_', starting with a letter (it is also a CSS #id selector)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-")
    return slug if re.match(r"[A-Za-z]", slug) else f"lr-{slug}".rstrip("-")


@lru_cache(maxsize=1)
def _csv_columns() -> tuple[str, ...]:
    """The download's columns: studies.csv's own, as livingreview.exports.to_csv writes them."""
    try:
        from .validation import expected_columns

        return tuple(expected_columns())
    except Exception:
        return (
            "id",
            "ref",
            "first_author",
            "year",
            "title",
            "venue",
            "doi",
            "url",
            *TABLE1_COLUMNS,
            *LIST_COLUMNS,
            "added",
            "notes",
        )


__all__ = [
    "ASSETS_DIR",
    "TABLE_CSS",
    "TABLE_JS",
    "TABLE_MARKER",
    "studies_table_html",
]
