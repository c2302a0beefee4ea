"""The study card: what the book shows of one study, and the one place that renders it.

study_card(record) (study_cards(records) for many) gathers a study's fields as text (links checked by livingreview.data.links, tags
with their vocabulary labels and safe colours, the six descriptive fields with the schema's titles
and their provenance: quoted from Table 1, or a contributor's summary). Two layouts render that
one card:

- table_row_html(card): a row of the static book's table (livingreview.book.studies_page). The row is
  the card: other pages link to studies.html#study-<id> (card_href). The page holds the first
  rows; the others travel in the table's data file as this same HTML (html_table.studies_data_js),
  which assets/studies-table.js turns into rows when they are first shown;
- details_row_html(card): a row of the Binder explorer's table that opens into the card.

Both use the same pieces (citation, source line, tag chips, curator's note) and the same escaping
(livingreview.text.markup): every value is untrusted text; the only links built from data are those of
livingreview.data.links. A new part of the card goes into StudyCard and into both layouts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ..data.links import card_href, card_id, doi_href, is_https
from ..data.provenance import QUOTED_LABEL, Provenance, provenance
from ..data.schema import column_titles
from ..data.studies import ITEM_MARK, TABLE1_COLUMNS, cell_items, cell_text
from ..data.vocabulary import LIST_COLUMNS, SEPARATOR, Facet, load_vocabulary
from ..text.markup import attrs, esc
from ..text.wording import YEAR_SUFFIX, citation_year, one_line

NOTE_LABEL = "Curator’s note"

#: On a row of the source review's Table 1 the six fields are the review's words, not ours: the
#: card shows them as a quotation, attributed to the review. On a study the living review added
#: they are a contributor's summary, labelled as such (livingreview.data.provenance decides which).
SOURCE_REVIEW = "the source review (Frontiers in Digital Health, 2025)"
QUOTE_LABEL = QUOTED_LABEL
#: The source's limitations are the studies' own statements or the reviewers' remarks; the source
#: marks the remarks (†), but our copy of its text lost the marks (datapackage.json says so): the
#: label says it where it is read.
TABLE1_LABELS = {"limitations": "Limitations (the study’s or the reviewers’)"}
QUOTE_CAVEAT = (
    "Its limitations mix what each study reports with the reviewers’ own remarks; the source marks "
    "the remarks with †, but the copy of its text this review was built from lost those marks."
)


def table1_titles(titles: Mapping[str, str]) -> dict[str, str]:
    """The labels Table 1's fields are shown under: the schema's titles, with the caveat on
    limitations (TABLE1_LABELS)."""
    return {column: TABLE1_LABELS.get(column, titles[column]) for column in TABLE1_COLUMNS}


_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}")


@dataclass(frozen=True)
class Tag:
    key: str
    label: str
    colour: str | None  # a hex colour from the vocabulary (model families), else None


@dataclass(frozen=True)
class StudyCard:
    """One study as text, ready to render (nothing here is escaped yet)."""

    id: str
    ref: str  # '' for a study that is not one of the source review's
    added: str  # YYYY-MM-DD
    url: str  # as the table holds it (the CSV download keeps it verbatim)
    first_author: str
    year: str
    year_suffix: str  # 'a', 'b', … where two studies would be cited alike (text.wording.year_suffixes)
    title: str
    venue: str
    doi: str
    doi_href: str | None  # https://doi.org/<DOI>, for a DOI of the expected shape
    page_href: str | None  # the publication's own https page, if it is not a doi.org link
    notes: str
    table1: tuple[tuple[str, str, str], ...]  # (column, title, text) of the six descriptive fields
    provenance: Provenance  # whether those six are Table 1's words or a contributor's summary
    tags: tuple[tuple[str, str, tuple[Tag, ...]], ...]  # (column, facet label, tags), coded columns only

    @property
    def cited_year(self) -> str:
        """'2025', '2026a' where two studies would read alike: the year as citations give it."""
        return citation_year({"year": self.year, YEAR_SUFFIX: self.year_suffix})

    @property
    def short_citation(self) -> str:
        """'Ultsch 2025': how the tables head a study ('Østergård 2026a' where two would read alike)."""
        return f"{self.first_author} {self.cited_year}"

    def tags_of(self, column: str) -> tuple[Tag, ...]:
        return next((tags for name, _label, tags in self.tags if name == column), ())


def study_cards(studies: Iterable[Mapping], vocabulary: Mapping[str, Facet] | None = None) -> Iterator[StudyCard]:
    """The card of each study (records of a frame as load_studies() returns it), in order."""
    vocabulary = load_vocabulary() if vocabulary is None else vocabulary
    titles = column_titles()
    # The caveat on limitations is Table 1's: an added study's are what the study itself reports.
    labels = {True: table1_titles(titles), False: {c: titles[c] for c in TABLE1_COLUMNS}}
    tag_of: dict[tuple[str, str], Tag] = {}  # one Tag per term, shared by every card
    for study in studies:
        tags = []
        for column in LIST_COLUMNS:
            keys = _keys(study.get(column))
            if keys:
                facet = vocabulary.get(column)
                for key in keys:
                    if (column, key) not in tag_of:
                        tag_of[column, key] = _tag(facet, key)
                tags.append((column, facet.label if facet else column, tuple(tag_of[column, key] for key in keys)))
        doi = cell_text(study.get("doi"))
        url = cell_text(study.get("url"))
        page = url.strip()
        where = provenance(study)
        yield StudyCard(
            id=cell_text(study.get("id")),
            ref=cell_text(study.get("ref")),
            added=cell_text(study.get("added")),
            url=url,
            first_author=cell_text(study.get("first_author")),
            year=cell_text(study.get("year")),
            year_suffix=cell_text(study.get(YEAR_SUFFIX)),
            title=cell_text(study.get("title")),
            venue=cell_text(study.get("venue")),
            doi=doi,
            doi_href=doi_href(doi),
            page_href=page if page and is_https(page) and not page.lower().startswith("https://doi.org/") else None,
            notes=cell_text(study.get("notes")),
            table1=tuple((c, labels[where.quoted][c], cell_text(study.get(c))) for c in TABLE1_COLUMNS),
            provenance=where,
            tags=tuple(tags),
        )


def study_card(study: Mapping, vocabulary: Mapping[str, Facet] | None = None) -> StudyCard:
    """The card of one study."""
    return next(study_cards([study], vocabulary))


def _tag(facet: Facet | None, key: str) -> Tag:
    term = facet.terms.get(key) if facet else None
    colour = term.colour if term and term.colour and _COLOUR.fullmatch(term.colour) else None
    return Tag(key, facet.label_of(key) if facet else key, colour)


def _keys(value) -> list[str]:
    """A coded cell as a list of keys: a list as load_studies() gives it, or ';'-separated text."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        return [k.strip() for k in value.split(SEPARATOR) if k.strip()]
    return [str(k) for k in value]


# --------------------------------------------------------------------------------------------
# Escaping and the pieces both layouts share


def _link(href: str, text: str, *, new_tab: bool, **extra: str) -> str:
    # The explorer opens links in a new tab: leaving the app would lose the reader's filters.
    target = {"target": "_blank"} if new_tab else {}
    return f"<a{attrs({**extra, 'href': href, **target, 'rel': 'noopener noreferrer'})}>{esc(text)}</a>"


def source_parts(card: StudyCard, *, new_tab: bool = False) -> list[str]:
    """Venue, DOI (a link when it has the DOI shape) and the publication page, as HTML pieces."""
    parts = []
    if card.venue:
        parts.append(f'<span class="lr-st-venue" data-f="venue">{esc(card.venue)}</span>')
    if card.doi_href:
        parts.append("DOI " + _link(card.doi_href, card.doi, new_tab=new_tab, **{"data-f": "doi"}))
    elif card.doi:
        parts.append(f'DOI <span data-f="doi">{esc(card.doi)}</span>')
    if card.page_href:
        parts.append(_link(card.page_href, "Publication page", new_tab=new_tab, **{"class": "lr-st-link"}))
    return parts


def items_html(text: str) -> str:
    """A text field with its items one per line, each after the mark (ITEM_MARK) that separated it
    in the table: Table 1's lost line breaks shown again, and seen to be shown by us."""
    items = cell_items(text)
    if len(items) < 2:
        return esc(text)
    return "<br>".join(f"{ITEM_MARK}\u00a0{esc(item)}" for item in items)


def chips_html(column: str, tags: tuple[Tag, ...]) -> str:
    """The tags of one coded column, one <span> each (styled through their container's class
    lr-t-<column>); model families carry their colour (--lr-c) as in the figures."""
    family = column == "model_family"
    return "".join(
        f"<span{attrs({'style': f'--lr-c:{tag.colour}'}) if family and tag.colour else ''}>{esc(tag.label)}</span>"
        for tag in tags
    )


# --------------------------------------------------------------------------------------------
# Layout 1: a row of the static table (its columns: study, year, Table 1's six, coded tags)

#: The static table's columns, left to right (html_table writes the header from the same list).
TABLE_COLUMNS = ("study", "year", *TABLE1_COLUMNS, "tags")


#: The row's class: Table 1's fields in quotation marks, or a contributor's summary.
QUOTED_CLASS = "lr-st-quoted"
SUMMARY_CLASS = "lr-st-summary"


def table_row_html(card: StudyCard) -> str:
    quoted = card.provenance.quoted
    row = {"id": card_id(card.id), "class": QUOTED_CLASS if quoted else SUMMARY_CLASS, "data-id": card.id}
    for name in ("ref", "added", "url"):
        if getattr(card, name):
            row[f"data-{name}"] = getattr(card, name)
    for column, _label, tags in card.tags:
        row[f"data-{column}"] = SEPARATOR.join(tag.key for tag in tags)

    study = [
        f'<a class="lr-st-cite" href="{esc(card_href(card.id, ""))}">'
        f'<span data-f="first_author">{esc(card.first_author)}</span> {esc(card.cited_year)}</a>'
    ]
    if card.title:
        study.append(f'<span class="lr-st-title" data-f="title">{esc(card.title)}</span>')
    source = source_parts(card)
    if source:
        study.append(f'<span class="lr-st-src">{" · ".join(source)}</span>')
    if not quoted:  # a Table 1 row says it with its quotation marks and the line over the table
        study.append(f'<span class="lr-st-prov">{esc(card.provenance.label)}</span>')
    if card.notes:
        study.append(
            f'<span class="lr-st-note"><span class="lr-st-note-l">{NOTE_LABEL}:</span> '
            f'<span data-f="notes">{esc(card.notes)}</span></span>'
        )

    cells = [f'<th scope="row" class="lr-c-study">{"".join(study)}</th>']
    cells.append(f'<td class="lr-c-year">{esc(card.year)}</td>')
    cells += [f"<td><div>{items_html(text)}</div></td>" for _column, _title, text in card.table1]
    groups = "".join(
        f'<dt>{esc(label)}</dt><dd class="lr-t-{column}">{chips_html(column, tags)}</dd>'
        for column, label, tags in card.tags
    )
    tag_list = f'<dl class="lr-st-tags">{groups}</dl>' if groups else ""
    cells.append(f'<td class="lr-c-tags">{tag_list}</td>')
    return f"<tr{attrs(row)}>{''.join(cells)}</tr>"


# --------------------------------------------------------------------------------------------
# Layout 2: a row of the explorer's table that opens into the card

#: The explorer's table columns beside the study: coded columns shown as tags.
DETAILS_TAG_COLUMNS = ("domain", "model_family", "contribution")
#: Coded columns shown inside the opened card.
DETAILS_CARD_TAGS = ("modality", "limitation_themes")
#: A study without a title is headed by its application, cut to this many characters.
GIST_CHARS = 140


def details_row_html(card: StudyCard) -> str:
    if card.title:
        heading = f'<span class="lr-title">{esc(card.title)}</span>'
    else:
        application = next(text for column, _title, text in card.table1 if column == "application")
        heading = f'<span class="lr-gist">{esc(one_line(application, GIST_CHARS))}</span>'
    fields = "".join(
        f"<dt>{esc(title)}</dt><dd>{items_html(text)}</dd>" for _column, title, text in card.table1 if text
    )
    details = ""
    for column, label, tags in card.tags:
        if column in DETAILS_CARD_TAGS:
            details += f'<dt>{esc(label)}</dt><dd class="lr-tags lr-t-{column}">{chips_html(column, tags)}</dd>'
    source = source_parts(card, new_tab=True)
    if card.ref:
        source.append(f"reference {esc(card.ref)} of the source review")
    if source:
        details += f"<dt>Source</dt><dd>{' · '.join(source)}</dd>"
    if card.notes:
        details += f"<dt>{NOTE_LABEL}</dt><dd>{esc(card.notes)}</dd>"
    columns = "".join(
        f'<td class="lr-tags lr-t-{column}">{chips_html(column, card.tags_of(column))}</td>'
        for column in DETAILS_TAG_COLUMNS
    )
    return (
        f'<tr data-study-id="{esc(card.id)}"><td><details class="lr-study">'
        f'<summary><span class="lr-cite">{esc(card.short_citation)}</span>{heading}</summary>'
        f'<div class="lr-card">{descriptive_html(fields, card.provenance)}<dl>{details}</dl></div></details></td>{columns}</tr>'
    )


def descriptive_html(fields: str, where: Provenance) -> str:
    """The six descriptive fields (a <dl>'s content) as their provenance says: a Table 1 row's as a
    quotation, attributed, with the caveat; an added study's as the contributors' summary it is."""
    if where.quoted:
        return quotation_html(fields)
    return (
        f'<figure class="lr-summary"><dl>{fields}</dl>'
        f"<figcaption>{esc(where.label)}, in their own words from the publication; not the source review’s."
        "</figcaption></figure>"
    )


def quotation_html(quoted: str) -> str:
    """Table 1's fields (a <dl>'s content) as a quotation: quoted, then attributed, with the caveat.
    (The explorer runs apart from the book, so the attribution names the review without a link.)"""
    return (
        f'<figure class="lr-quote"><blockquote><dl>{quoted}</dl></blockquote>'
        f"<figcaption>{esc(QUOTE_LABEL)}: Table 1 of {esc(SOURCE_REVIEW)}. {esc(QUOTE_CAVEAT)}</figcaption></figure>"
    )
