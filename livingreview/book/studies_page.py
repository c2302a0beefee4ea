"""The filterable study table of the static HTML book (no kernel behind the page).

studies_table_html(df) returns an HTML fragment: a real <table> of every study with all of
Table 1's fields, readable as it is without JavaScript. assets/studies-table.js, a small
dependency-free classic script, then enhances it in place: free-text search, facet, year and
month-added filters, sorting, paging, a live "N of M studies" count with each term's count beside
it, a reset, CSV, BibTeX and RIS downloads of the filtered rows, and the filter state in the URL
query string (the same parameters as livingreview.data.filters.FilterState), with a link that
opens the same view in the Binder explorer (explorer_url; the explorer links back to this page
with studies_page_url, so a view is shared by one link either way).

Neither the page's first load nor a reader's first action may grow with the table (issue #17:
10,000 studies were 21 MB of HTML; issue #25: the first touch then fetched 6.8 MB). So the
fragment holds only the first page of rows (each row a study card, livingreview.book.cards),
enough to read without JavaScript, with a note and a link to the whole table as CSV when there
are more; and the rest is in files beside the page (table_files(), written by the Sphinx
extension through write_table_data()), each loaded when an action needs it: the filters' index
at the first touch, the search index and the studies of the words a search finds, the card of
each study on the page of results shown, the downloads' text when a download is asked for. Each
is a classic script calling lrStudyTableData(<JSON text>), not a .json file, because browsers
refuse fetch() from file:// and the book works from a folder too. The rules the script follows
(facets and query keys, the year and month syntax, text normalisation, the CSV format) are not
restated in it: page_spec() writes them into the fragment as JSON, from the modules that define
them. The stylesheet shows the rows as a table in a wide box and as labelled cards in a narrower
one (the book's text column on a laptop), with or without the script. While a page with
scripting loads, only the first 100 rows are laid out (with page_size=0 the fragment holds every
row); a small fixed inline script shows them all if the table script never ran.

Every value is untrusted text, escaped by livingreview.text.markup (a carriage return is written as
&#13; so the parser cannot fold it into a newline and the CSV download stays faithful); the only
links built from data are those of livingreview.data.links.

livingreview.book.sphinxext copies livingreview/assets/ to _static/lr/ and, on pages whose HTML
contains TABLE_MARKER, adds TABLE_CSS and TABLE_JS (deferred). The script has no dependency.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from urllib.parse import quote, urlsplit

import numpy as np
import pandas as pd
import yaml

from ..data.counts import term_counts
from ..data.exports import CSV_FILENAME, bibtex_entry, citation_spec, csv_cell, csv_spec, ris_record, to_csv
from ..data.filters import FACETS, MAX_TEXT_CHARS, SEARCH_COLUMNS, TEXT_KEY, filter_spec, normalise_text
from ..data.links import STUDIES_PAGE
from ..data.paths import BOOK_CONFIG
from ..data.provenance import SUMMARY_LABEL, table1_mask
from ..data.schema import column_titles
from ..data.studies import TABLE1_COLUMNS
from ..data.vocabulary import load_vocabulary
from ..text.markup import attrs, esc, script_json
from ..text.wording import plural
from ..update.versions import site_url
from .cards import QUOTE_CAVEAT, QUOTE_LABEL, SOURCE_REVIEW, TABLE_COLUMNS, study_cards, table1_titles, table_row_html

#: A class on the fragment's outer element; the Sphinx extension adds the assets to pages with it.
TABLE_MARKER = "lr-studies-table"
#: Paths relative to _static/lr/, in load order (the extension adds scripts with `defer`).
TABLE_JS: list[str] = ["studies-table.js"]
TABLE_CSS: list[str] = ["studies-table.css"]

#: The files beside the page (table_files) are named {DATA_PREFIX}-...; the page's spec names them.
DATA_PREFIX = "studies"
#: The whole table as CSV, beside the page: the link for readers without JavaScript.
FULL_CSV_FILE = CSV_FILENAME

#: Rows per page before the reader chooses otherwise, and the choices offered.
PAGE_SIZES = (25, 50, 100, 500)
DEFAULT_PAGE_SIZE = 50
#: The table's orders: query value -> (label, sort key, direction); '' is the review's order.
SORTS = {
    "": ("Review order", "", 0),
    "study-asc": ("First author, A–Z", "study", 1),
    "study-desc": ("First author, Z–A", "study", -1),
    "year-desc": ("Year, newest first", "year", -1),
    "year-asc": ("Year, oldest first", "year", 1),
}
SORT_KEY = "sort"


#: Where the caption says Table 1's fields come from. Plain text: the script gives the table
#: role=table (so the cards stay a table to screen readers), which allows no link in its caption.
QUOTE_SOURCE_HTML = f"Table 1 of {esc(SOURCE_REVIEW)}"


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
    data_prefix: str = DATA_PREFIX,
    csv_href: str = FULL_CSV_FILE,
) -> str:
    """The study table as an HTML fragment (str), for a notebook cell's HTML output.

    `df` is a frame as load_studies() returns it (coded columns as lists of vocabulary keys).
    `table_id` prefixes every element id, so two tables may share a page. `caption` replaces
    the default caption text. Without JavaScript the fragment is a plain table of the first
    page of rows (every row with page_size=0). `data_prefix` names the files beside the page
    (table_files(df, data_prefix); the script asks for them versioned by the table's content, so
    a browser never pairs a new page with old data); `csv_href` is the whole table as CSV.
    """
    prefix = _slug(table_id)
    page_size = max(0, int(page_size))
    vocabulary = load_vocabulary()
    titles = column_titles()
    total = len(df)
    years = sorted({int(y) for y in df["year"] if _has_year(y)}) if total else []

    quoted = int(table1_mask(df).sum()) if total else 0
    if caption is None:
        caption_html = f"The {esc(plural(total, 'study', 'studies'))} of the review, with our coded tags. "
        if quoted:
            caption_html += (
                f"For the {esc(plural(quoted, 'study', 'studies'))} of the source review’s Table 1, the six fields "
                f"in quotation marks are {QUOTE_SOURCE_HTML}, in its words. {esc(QUOTE_CAVEAT)} "
            )
        if total - quoted:
            caption_html += (
                f"For the {esc(plural(total - quoted, 'study', 'studies'))} added by the living review, the six "
                f"fields are a summary in its contributors’ own words, not quoted; each says "
                f"“{esc(SUMMARY_LABEL)}” and the month it was added. "
            )
        caption_html += "Each study’s citation is a link you can share to its row."
    else:
        caption_html = esc(caption)

    # The rules the script follows, from the modules that define them (see page_spec()).
    first = total if page_size == 0 else min(total, page_size)
    spec = page_spec(page_size) | {"total": total, "data": {"prefix": data_prefix, "version": table_version(df)}}
    parts = [f"<div{attrs({'class': f'lr-st {TABLE_MARKER}', 'id': prefix, 'style': _label_style(titles)})}>"]
    parts.append(f'<script type="application/json" class="lr-st-spec">{script_json(spec, ascii_only=False)}</script>')
    parts.append(_controls(prefix, vocabulary, df, years, page_size))
    # The visible count changes on every keystroke; the live region (for screen readers) is
    # updated by the script once typing pauses, so it is announced once, not per letter.
    noun = "study" if total == 1 else "studies"
    parts.append(
        f'<p class="lr-st-status" id="{prefix}-status"><strong>{total}</strong> {noun}</p>'
        f'<div class="lr-sr" id="{prefix}-live" role="status" aria-live="polite" aria-atomic="true"></div>'
    )
    if first < total:
        # Shown only without scripting or if the script failed (studies-table.css): with it,
        # every row is a search or a page away.
        parts.append(
            f'<p class="lr-st-partial">This list shows the first {first} of the {total} studies. Searching, '
            "filtering and the other pages need JavaScript; without it, "
            f'<a href="{esc(csv_href)}" download>download every study as CSV</a>.</p>'
        )
    parts.append(f'<div class="lr-st-scroll" id="{prefix}-scroll">')
    parts.append(f'<table class="lr-st-table" id="{prefix}-table" aria-describedby="{prefix}-status">')
    parts.append(f"<caption>{caption_html}</caption>")
    parts.append(_colgroup())
    parts.append(_thead(titles, fields_heading(quoted, total)))
    parts.append("<tbody>")
    parts.extend(table_row_html(card) for card in study_cards(df.head(first).to_dict("records"), vocabulary))
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
# The files beside the page: what each action of the reader needs, and no more


def table_files(df: pd.DataFrame, prefix: str = DATA_PREFIX) -> dict[str, str]:
    """Every file the studies page loads beside it, by path relative to the page ({prefix}-...),
    each a classic script handing JSON text to lrStudyTableData() (a script, not fetch(): browsers
    refuse fetch() from file://, and the book works from a folder too):

    - {prefix}-index.js, at the first touch: per study, what the filters and the orders read (its
      year, month added, first author and coded terms), as index_data() encodes it;
    - {prefix}-words.js, at the first search: the search index (search_index()), the studies of
      its common words and grams in {prefix}-words/<k>.js, each loaded when a search needs it;
    - {prefix}-cards/<position>.js: one study's card (cards.table_row_html, the one renderer),
      loaded when the study is on the page of results shown;
    - {prefix}-export.js, at the first download: per study its CSV fields (exports.csv_spec's
      columns), BibTeX entry and RIS record (livingreview.data.exports, the one place that knows them).
    """
    records = df.to_dict("records")
    files = {f"{prefix}-index.js": _data_script("the filters' index", index_data(df))}
    words, common = search_index(df)
    files[f"{prefix}-words.js"] = _data_script("the search index", words)
    for k, text in enumerate(common):
        files[f"{prefix}-words/{k}.js"] = _data_script("the studies of a word or gram", text)
    for position, card in enumerate(study_cards(records)):
        files[f"{prefix}-cards/{position}.js"] = _data_script("one study's card", table_row_html(card))
    columns = csv_spec()["columns"]
    export = {
        "columns": columns,
        "rows": [[csv_cell(row.get(c), c) for c in columns] for row in records],
        "cites": [[bibtex_entry(row), ris_record(row)] for row in records],
    }
    files[f"{prefix}-export.js"] = _data_script("the downloads", export)
    return files


def _data_script(what: str, data) -> str:
    # JSON text in a JS string: parsed by JSON.parse, faster than a large object literal.
    text = json.dumps(json.dumps(data, ensure_ascii=False, separators=(",", ":")), ensure_ascii=False)
    return f"/* {what}, for studies-table.js */\nlrStudyTableData({text});\n"


#: Characters of the codes in the index (64: each a digit of a base-64 number), safe in JSON.
CODE_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _code_width(size: int) -> int:
    width = 1
    while len(CODE_DIGITS) ** width < size:
        width += 1
    return width


def _codes(numbers, width: int) -> str:
    out = []
    for number in numbers:
        digits = []
        for _ in range(width):
            number, digit = divmod(number, len(CODE_DIGITS))
            digits.append(CODE_DIGITS[digit])
        out.append("".join(reversed(digits)))
    return "".join(out)


def _coded_column(values: list) -> dict:
    """A column with few distinct values: {"values": [...], "width": w, "rows": codes}, each row
    the position of its value in `values`, written in w code digits."""
    distinct: dict = {}
    positions = [distinct.setdefault(value, len(distinct)) for value in values]
    width = _code_width(len(distinct))
    return {"values": list(distinct), "width": width, "rows": _codes(positions, width)}


def index_data(df: pd.DataFrame) -> dict:
    """What the filters and the orders read, per study in table order, compactly: `year`, `added`
    (its month, YYYY-MM) and `author` (first author) as coded columns; per facet column, each
    study's terms as their positions in the vocabulary (code digits, the rows joined by ',')."""
    vocabulary = load_vocabulary()
    years = [int(y) if _has_year(y) else None for y in df["year"]]
    months = pd.to_datetime(df["added"], errors="coerce").dt.strftime("%Y-%m").fillna("").tolist()
    terms = {}
    for _key, column in FACETS.values():
        keys = list(vocabulary[column].terms)
        position = {key: i for i, key in enumerate(keys)}
        width = _code_width(len(keys))
        cells = [
            [position[t] for t in dict.fromkeys(cell) if t in position] if isinstance(cell, list) else []
            for cell in df[column]
        ]
        terms[column] = {"keys": keys, "width": width, "rows": ",".join(_codes(cell, width) for cell in cells)}
    return {
        "total": len(df),
        "year": _coded_column(years),
        "added": _coded_column(months),
        "author": _coded_column([str(a) for a in df["first_author"].fillna("")]),
        "terms": terms,
    }


#: A search word this short is looked up among the grams (every string of up to this many
#: characters that occurs inside a word of the table), a longer one among the words themselves:
#: "e" or "ra" is inside thousands of words, each gram's studies are one short list.
GRAM_LENGTH = 2
#: The studies of a word or a gram go into a file of their own when written inline they would take
#: more characters than this: the search index stays small, and a search loads only its words' files.
INLINE_POSTINGS = 160


def search_index(df: pd.DataFrame) -> tuple[dict, list[str]]:
    """The free-text search as an index: (the index, the files of its common words and grams).

    filters.filter_studies finds a search word anywhere in a study's normalised text (a
    substring: 'melanom' finds 'melanoma'). A search word holds no white space, so it occurs in a
    text exactly when it occurs inside one of the text's words (its white-space-separated pieces).
    So the index lists every distinct normalised word of the searched columns (filters.SEARCH_COLUMNS
    but `id`) with the studies it occurs in, and every gram (a string of up to GRAM_LENGTH
    characters inside a word) with the studies it occurs in: the page takes a short search word's
    studies from its gram, a longer one's from the words that contain it. Ids are listed in table
    order (`ids`; the page also needs them for links to a study) and searched there. A tag's words
    come from the terms in the filters' index and filter_spec's tag_words, as before.

    Each word's and gram's studies are written as postings() encodes them. A gram's go into a file
    of their own (a search reads one gram per short word; its thousands of grams inline would
    double the index), and so do a word's that would take more than INLINE_POSTINGS characters;
    the index holds the file's number instead."""
    total = len(df)
    columns = [c for c in SEARCH_COLUMNS if c != "id" and c in df.columns]
    found: dict[str, list[int]] = {}
    text = df[columns].fillna("").astype(str)
    for position, row in enumerate(text.itertuples(index=False, name=None)):
        for word in set(normalise_text("\n".join(row)).split()):
            found.setdefault(word, []).append(position)
    word_bits = {word: _bitset(positions, total) for word, positions in found.items()}
    gram_bits: dict[str, int] = {}
    for word, bits in word_bits.items():
        grams = {word[s : s + k] for k in range(1, GRAM_LENGTH + 1) for s in range(len(word) - k + 1)}
        for gram in grams:
            gram_bits[gram] = gram_bits.get(gram, 0) | bits
    files: list[str] = []

    def place(bits: int, inline: bool = True):
        encoded = postings(bits, total)
        if inline and len(encoded) <= INLINE_POSTINGS:
            return encoded
        files.append(encoded)
        return len(files) - 1

    words = sorted(word_bits)
    index = {
        "total": total,
        "ids": [str(i) for i in df["id"]],
        "gram_length": GRAM_LENGTH,
        "grams": {gram: place(gram_bits[gram], inline=False) for gram in sorted(gram_bits)},
        "words": words,
        "studies": [place(word_bits[word]) for word in words],
    }
    return index, files


def _bitset(positions: list[int], total: int) -> int:
    """The positions as an integer whose bit i is set for position i."""
    bits = np.zeros(total, dtype=bool)
    bits[positions] = True
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def postings(bits: int, total: int) -> str:
    """The studies whose bits are set (of `total`) as text, whichever is shorter: 'g' and the gaps
    between their positions (the first position, then each difference) in base 36 separated by
    '.', or 'b' and the bitset in base64 (bit i % 8 of byte i // 8 for position i)."""
    raw = bits.to_bytes((total + 7) // 8, "little")
    positions = np.flatnonzero(np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:total])
    as_bits = "b" + base64.b64encode(raw).decode("ascii")
    if len(positions) * 2 > len(as_bits):  # each gap takes two characters at least
        return as_bits
    gaps = np.diff(positions, prepend=0)
    as_gaps = "g" + ".".join(np.base_repr(int(gap), 36).lower() for gap in gaps)
    return as_gaps if len(as_gaps) <= len(as_bits) else as_bits


def write_table_data(df: pd.DataFrame, folder, prefix: str = DATA_PREFIX, csv_name: str = FULL_CSV_FILE) -> None:
    """The files the studies page loads and links to, into `folder` (beside the page):
    table_files() and the whole table as CSV (`csv_name`). The folders of per-study and
    per-word files are emptied first, so a smaller table leaves no stale files."""
    import shutil
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for sub in (f"{prefix}-words", f"{prefix}-cards"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    for name, text in table_files(df, prefix).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / csv_name).write_text(to_csv(df), encoding="utf-8")


def table_version(df: pd.DataFrame) -> str:
    """A short digest of the table's content: the data files' ?v=, as Sphinx versions its assets."""
    return hashlib.sha256(df.to_json(orient="values", date_format="iso").encode()).hexdigest()[:12]


# --------------------------------------------------------------------------------------------
# One view, two addresses: the published studies page and the Binder explorer

#: The explorer in the repository, as Binder's urlpath names it (Voilà's render handler).
EXPLORER_URLPATH = "voila/render/book/explore.ipynb"


def binder_url() -> str:
    """Binder's launch address of the repository (_config.yml: launch_buttons.binderhub_url,
    repository.url and branch), as README's badge and book/explorer.md link it."""
    config = yaml.safe_load(BOOK_CONFIG.read_text(encoding="utf-8"))
    repository = config["repository"]
    hub = config["launch_buttons"]["binderhub_url"].rstrip("/")
    return f"{hub}/v2/gh/{urlsplit(repository['url']).path.strip('/')}/{repository.get('branch', 'main')}"


def explorer_url(query: str = "") -> str:
    """The explorer on Binder, opened on the view of `query` (FilterState.to_query): Binder starts
    a session for whoever follows it and passes the query to the explorer through its urlpath."""
    return f"{binder_url()}?urlpath={quote(EXPLORER_URLPATH + query, safe='')}"


def studies_page_url(query: str = "") -> str:
    """The published studies page (CITATION.cff's address of the book) showing the view of
    `query`: the link a reader shares, which works for anyone, with or without Binder."""
    return f"{site_url()}book/{STUDIES_PAGE}{query}"


def page_spec(page_size: int = DEFAULT_PAGE_SIZE) -> dict:
    """What assets/studies-table.js needs to know, written into the page as JSON: the filter
    rules (livingreview.data.filters), the CSV download's rules (livingreview.data.exports), the orders."""
    return {
        "filter": filter_spec(),
        "csv": csv_spec(),
        "citations": citation_spec(),
        "sort_key": SORT_KEY,
        "sorts": {value: {"key": key, "dir": direction} for value, (_label, key, direction) in SORTS.items() if value},
        "page_size": page_size,
        "code_digits": CODE_DIGITS,  # the index's codes (index_data)
        # The explorer on Binder (explorer_url): the script appends a view's query, encoded, to the
        # urlpath at its end, as explorer_url(query) writes it.
        "explorer": explorer_url(),
    }


# --------------------------------------------------------------------------------------------
# Controls (hidden until the script runs: without it they could do nothing)


def _controls(prefix, vocabulary, df, years, page_size) -> str:
    """The search box and a "Filters" button (shown in a narrow box, where it opens the other
    controls), the year range, the order, a menu per facet, the active filters, the downloads.
    Present in the page from the start and invisible until the script runs (studies-table.css),
    so the table below does not move when they appear."""
    out = [f'<form class="lr-st-controls" id="{prefix}-controls" role="search" aria-label="Filter the studies">']
    out.append('<div class="lr-st-bar">')
    out.append(
        f'<div class="lr-st-field lr-st-search"><label for="{prefix}-q">Search</label>'
        f'<input type="search" id="{prefix}-q" name="{TEXT_KEY}" maxlength="{MAX_TEXT_CHARS}" autocomplete="off" '
        f'spellcheck="false" placeholder="Author, method, model, tag…" '
        f'aria-describedby="{prefix}-q-hint">'
        f'<span class="lr-st-hint" id="{prefix}-q-hint">All words must occur, in any order.</span></div>'
    )
    more = f"{prefix}-years {prefix}-sort {prefix}-facets {prefix}-tools"
    out.append(
        f'<button type="button" class="lr-st-btn lr-st-filters" data-lr-action="filters" aria-expanded="false" '
        f'aria-controls="{more}">Filters<span class="lr-st-filters-n"></span></button>'
    )
    year_options = "".join(f'<option value="{y}">{y}</option>' for y in years)
    out.append(
        f'<fieldset class="lr-st-field lr-st-years lr-st-more-control" id="{prefix}-years"><legend>Year</legend>'
        f'<label for="{prefix}-y0" class="lr-sr">From year</label>'
        f'<select id="{prefix}-y0" data-lr-year="from"><option value="">From</option>{year_options}</select>'
        f'<span aria-hidden="true">–</span>'
        f'<label for="{prefix}-y1" class="lr-sr">To year</label>'
        f'<select id="{prefix}-y1" data-lr-year="to"><option value="">To</option>{year_options}</select>'
        "</fieldset>"
    )
    out.append(
        f'<div class="lr-st-field lr-st-sort lr-st-more-control" id="{prefix}-sort-field">'
        f'<label for="{prefix}-sort">Sort by</label>'
        f'<select id="{prefix}-sort" data-lr-sort>'
        + "".join(f'<option value="{v}">{esc(label)}</option>' for v, (label, _k, _d) in SORTS.items())
        + "</select></div>"
    )
    out.append("</div>")

    out.append(f'<div class="lr-st-facets lr-st-more-control" id="{prefix}-facets">')
    for key, column in FACETS.values():
        facet = vocabulary[column]
        # Every vocabulary term, with its count in the whole table: a 0 is an evidence gap.
        boxes = "".join(
            f'<label class="lr-st-opt"><input type="checkbox" name="{esc(key)}" value="{esc(str(term))}">'
            f'<span class="lr-st-opt-l">{esc(facet.label_of(str(term)))}</span> <span class="lr-st-c">{count}</span>'
            f'<span class="lr-sr"> {"study" if count == 1 else "studies"}</span></label>'
            for term, count in term_counts(df, column).items()
        )
        out.append(
            f'<details class="lr-st-facet" data-lr-facet="{esc(key)}">'
            f'<summary><span class="lr-st-facet-l">{esc(facet.label)}</span>'
            f'<span class="lr-st-facet-n"></span></summary>'
            f'<fieldset class="lr-st-panel"><legend class="lr-sr">{esc(facet.label)}</legend>{boxes}</fieldset>'
            "</details>"
        )
    out.append("</div>")

    choices = sorted({*PAGE_SIZES, page_size} - {0})
    sizes = (
        "".join(f'<option value="{n}"{" selected" if n == page_size else ""}>{n}</option>' for n in choices)
        + f'<option value="0"{" selected" if page_size == 0 else ""}>All</option>'
    )
    total = len(df)
    downloads = "".join(
        f'<button type="button" class="lr-st-btn lr-st-primary" data-lr-action="{action}" '
        f'aria-label="Download the {total} matching {"study" if total == 1 else "studies"} as {label}">{label}</button>'
        for action, label in DOWNLOADS
    )
    out.append(
        '<div class="lr-st-actions">'
        '<div class="lr-st-chips" aria-label="Active filters" role="group"></div>'
        f'<div class="lr-st-tools lr-st-more-control" id="{prefix}-tools">'
        f'<label class="lr-st-check"><input type="checkbox" data-lr-expand-all> Show full text</label>'
        f'<span class="lr-st-size"><label for="{prefix}-size">Rows per page</label> '
        f'<select id="{prefix}-size" data-lr-page-size>{sizes}</select></span>'
        '<button type="button" class="lr-st-btn" data-lr-action="reset">Reset</button>'
        f'<a class="lr-st-btn lr-st-explorer" href="{esc(explorer_url())}" rel="noopener">'
        "Open this view in the explorer</a>"
        f'<span class="lr-st-downloads" role="group" aria-labelledby="{prefix}-dl">'
        f'<span class="lr-st-dl-l" id="{prefix}-dl">Download <span class="lr-st-dl-n">{total}</span>:</span>'
        f"{downloads}</span>"
        "</div></div>"
    )
    out.append("</form>")
    return "".join(out)


#: The downloads beside the table: (action, button label). CSV is written by the script from the
#: rows (exports.csv_spec), BibTeX and RIS joined from the records exports.py wrote per study.
DOWNLOADS = (("csv", "CSV"), ("bibtex", "BibTeX"), ("ris", "RIS"))


# --------------------------------------------------------------------------------------------
# The table


def _colgroup() -> str:
    return "<colgroup>" + "".join(f'<col class="lr-col-{n}">' for n in TABLE_COLUMNS) + "</colgroup>"


def _label_style(titles: dict[str, str]) -> str:
    """The root's style attribute: each Table 1 column's label as --lr-l<position> and the line
    that attributes the quoted fields as --lr-quote, which the card layout shows (in CSS, so the
    rows carry no repeated labels). An attribute, not a <style> element: a <style> is only valid
    in the page's head."""
    labels = table1_titles(titles)
    rules = [f"--lr-l{TABLE_COLUMNS.index(c) + 1}:{_css_string(labels[c])}" for c in TABLE1_COLUMNS]
    # On an added study's card, limitations without Table 1's caveat (the study's own, summarised).
    rules.append(f"--lr-l-summary-limitations:{_css_string(titles['limitations'])}")
    rules.append(f"--lr-quote:{_css_string(QUOTE_LABEL)}")
    return ";".join(rules)


def _css_string(text: str) -> str:
    """A CSS string literal: anything but plain letters, digits and spaces as an escape."""
    return '"' + "".join(c if c.isalnum() and c.isascii() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def fields_heading(quoted: int, total: int) -> str:
    """What heads the six descriptive columns: where their text comes from, true of every row
    (Table 1's quotation, contributors' summaries, or, in a table of both, which is which)."""
    if quoted == total:
        return QUOTE_LABEL
    if not quoted:
        return "Summaries by the living review’s contributors, in their own words"
    return f"{QUOTE_LABEL} (in quotation marks), or a summary by the living review’s contributors (labelled)"


def _thead(titles, heading: str = QUOTE_LABEL) -> str:
    """Two header rows: over the six descriptive columns, where their text comes from; then the
    columns."""
    labels = table1_titles(titles)
    group = (
        '<tr class="lr-st-groups"><td colspan="2"></td>'
        f'<th scope="colgroup" colspan="{len(TABLE1_COLUMNS)}" class="lr-st-quoted-h">{esc(heading)}</th>'
        "<td></td></tr>"
    )
    cells = ['<th scope="col" class="lr-c-study" data-lr-sort-key="study">Study</th>']
    cells.append('<th scope="col" class="lr-c-year" data-f="year" data-lr-sort-key="year">Year</th>')
    cells += [f'<th scope="col" data-f="{c}">{esc(labels[c])}</th>' for c in TABLE1_COLUMNS]
    cells.append('<th scope="col" class="lr-c-tags">Coded tags</th>')
    return f"<thead>{group}<tr>{''.join(cells)}</tr></thead>"


# --------------------------------------------------------------------------------------------
# Helpers


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


__all__ = [
    "TABLE_CSS",
    "TABLE_JS",
    "TABLE_MARKER",
    "index_data",
    "page_spec",
    "search_index",
    "studies_table_html",
    "table_files",
    "table_version",
    "write_table_data",
]
