"""How the chapters cite a study: the {study} role, one style for every study in the book.

    {study}`aydin-2024`  ->  Aydin et al. (2024)

The words come from the data, never from the chapter: first author and year as the source review
cites them (data/studies.csv, or data/cited.csv for a study it cites only in its text), worded by
livingreview.text.wording like every other citation in the book (the changelog, the cards' lists, the
References page). The author's name links to the study's card on the studies page (a cited-only
study: to its entry on the References page); where a verified record exists in book/references.bib
(matched by DOI or URL), the year links to that record in the References page's bibliography, with
the record as its tooltip. A study without a verified record is cited the same way, its year
unlinked. So "Pawlicka et al. (2024)" and "Aydin et al. (2024)" look alike, and a typo in an id
stops the strict build.

Why not sphinxcontrib-bibtex's {cite:t}: it words a citation from the record, so a study the
source cites as Han et al. (2020) would read "Han [2021]" (the record is the 2021 thesis) beside
"Han et al. (2020)" in the table, cards and charts, and a study without a record could not be cited
at all. sphinxcontrib-bibtex still formats the bibliography (book/references.md).

Building the book from another table ($LIVINGREVIEW_DATA: previews, tests, the benchmarks'
synthetic tables): a study the chapters cite but that table lacks is worded from the shipped table,
without a card link (that table has no card for it). A study of the source review's Table 1 that
the study table no longer holds (a correction took its row out) is worded from data/table1.csv,
as the source cites it, also without a card link. Only an id found nowhere is an error.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..data.cited import cited_anchor
from ..data.links import card_id
from ..data.paths import CITED, DEFAULT_STUDIES, REFERENCES_BIB, TABLE1, studies_path
from ..data.records import Record, read_bibliography, record_finder
from ..text.wording import YEAR_SUFFIX, citation_author, citation_year, year_suffixes
from . import upstream

#: The pages the links point to (Sphinx document names, as in _toc.yml).
STUDIES_DOC = "book/studies"
REFERENCES_DOC = "book/references"
#: The bibliography's pybtex style, registered under this name (_config.yml: bibtex_default_style).
RECORD_STYLE = "livingreview"
#: The class of a citation's <span>.
CITE_CLASS = "lr-cite"


@dataclass(frozen=True)
class Citation:
    """One study as the chapters cite it."""

    id: str
    author: str  # 'Aydin et al.'
    year: str  # '2024', or 'n.d.' when the source gives none
    doc: str | None  # the page holding the study's entry (None: no entry in this build)
    anchor: str  # the entry's element id on that page
    record: str | None  # key of the verified record in references.bib, if any
    record_text: str = ""  # that record as the bibliography shows it (the year link's tooltip)


def _clean(value) -> str:
    return "" if value is None or value != value else str(value).strip()  # value != value: NaN


def record_keys(records: Mapping[str, Record], studies: Iterable[Mapping]) -> dict[str, str]:
    """study id -> key of its verified record (livingreview.data.records.record_finder: the one rule)."""
    find = record_finder(records)
    found = {}
    for row in studies:
        record = find(row)
        if record is not None:
            found[_clean(row["id"])] = record.key
    return found


def citations(
    studies: Iterable[Mapping],
    cited: Iterable[Mapping] = (),
    records: Mapping[str, Record] | None = None,
    fallback: Iterable[Mapping] = (),
    record_texts: Mapping[str, str] | None = None,
) -> dict[str, Citation]:
    """Every citable study by id: the study table's rows (linked to their cards), the cited-only
    studies (linked to the References page) and, for ids in neither, `fallback` rows (unlinked)."""
    studies, cited, fallback = list(studies), list(cited), list(fallback)
    # The table's letters for studies cited alike ('2026a'), as load_studies() gives them.
    studies = [{**row, YEAR_SUFFIX: letter} for row, letter in zip(studies, year_suffixes(studies))]
    records = records or {}
    keys = record_keys(records, [*studies, *cited, *fallback])
    found: dict[str, Citation] = {}
    for rows, doc, anchor in (
        (fallback, None, lambda i: ""),
        (cited, REFERENCES_DOC, cited_anchor),
        (studies, STUDIES_DOC, card_id),
    ):
        for row in rows:  # the table being built wins over cited.csv, which wins over the fallback
            study_id = _clean(row["id"])
            key = keys.get(study_id)
            found[study_id] = Citation(
                study_id,
                citation_author(row),
                citation_year(row),
                doc,
                anchor(study_id),
                key,
                (record_texts or {}).get(key, "") if key else "",
            )
    return found


def _csv_rows(path: Path) -> list[dict]:
    # The build validated these files already (livingreview.book.sphinxext.check_data); reading them
    # again through the validator would import frictionless in the build for nothing.
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def build_citations(bibfile: Path = REFERENCES_BIB) -> dict[str, Citation]:
    """The citations of the book being built: the table in use, cited.csv, the verified records
    (with their text as the bibliography shows it), and the shipped table as the fallback when
    another table is in use."""
    table = studies_path()
    # Table 1's citations first, so the shipped table's row (when another table is in use) wins.
    fallback = _csv_rows(TABLE1)
    fallback += _csv_rows(DEFAULT_STUDIES) if table.resolve() != DEFAULT_STUDIES.resolve() else []
    studies, cited = _csv_rows(table), _csv_rows(CITED)
    records = read_bibliography(bibfile)
    upstream.register_record_style(RECORD_STYLE)
    keys = set(record_keys(records, [*studies, *cited, *fallback]).values())
    texts = upstream.record_texts(bibfile, keys, RECORD_STYLE)
    return citations(studies, cited, records, fallback, texts)


# --------------------------------------------------------------------------------------------
# The Sphinx side: the role, and the links it writes


@functools.lru_cache(maxsize=1)
def _citations_for(fingerprint: str | None) -> dict[str, Citation]:
    """Built once per reading process for a build's inputs, when the first page cites a study;
    again when they change. `fingerprint` is what sphinxext keeps on the environment (the data,
    the bibliography and the package's code: everything build_citations reads)."""
    return build_citations()


def study_role(name, rawtext, text, lineno, inliner, options=None, content=()):
    """{study}`id`: 'Author et al. (year)', author linked to the study's entry, year to its record."""
    from docutils import nodes

    env = inliner.document.settings.env
    study_id = text.strip()
    citation = _citations_for(getattr(env, "lr_fingerprint", None)).get(study_id)
    if citation is None:
        message = inliner.reporter.error(
            f"{{study}}`{study_id}`: no study with this id in the study table or data/cited.csv", line=lineno
        )
        return [inliner.problematic(rawtext, rawtext, message)], [message]

    def link(doc: str, anchor: str, label: str, title: str = "") -> nodes.reference:
        uri = env.app.builder.get_relative_uri(env.docname, doc) + "#" + anchor
        node = nodes.reference("", label, internal=True, refuri=uri)
        if title:
            node["reftitle"] = title
        return node

    author = link(citation.doc, citation.anchor, citation.author) if citation.doc else nodes.Text(citation.author)
    year = (
        link(REFERENCES_DOC, upstream.bibtex_record_id(citation.record), citation.year, citation.record_text)
        if citation.record
        else nodes.Text(citation.year)
    )
    return [nodes.inline(rawtext, "", author, nodes.Text(" ("), year, nodes.Text(")"), classes=[CITE_CLASS])], []


def setup(app) -> None:
    """Called by livingreview.book.sphinxext.setup: the role, the bibliography's style and ids."""
    upstream.register_record_style(RECORD_STYLE)
    app.add_role("study", study_role)
    app.connect("config-inited", lambda app, config: upstream.set_bibtex_record_ids(config))
