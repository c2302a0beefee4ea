"""Where each row's six descriptive fields come from, said on every page and export that shows
the row: "Quoted from the source review's Table 1" on Table 1's rows only, "Summary by the living
review's contributors (added YYYY-MM)" on the others (livingreview.data.provenance, one definition)."""

from __future__ import annotations

import csv
import re

import pytest

from livingreview import load_studies
from livingreview.book.cards import details_row_html, study_card, table_row_html
from livingreview.book.changelog import changelog_html
from livingreview.book.chapters import unverified_studies
from livingreview.book.studies_page import studies_table_html
from livingreview.data.exports import to_bibtex, to_ris
from livingreview.data.provenance import QUOTED_LABEL, SUMMARY_LABEL, provenance, table1_mask

from conftest import FIXTURES, ROOT

QUOTED = "Quoted from the source review’s Table 1"


#: A DOI no record of the bibliography has (10.5555 is Crossref's prefix for tests).
NO_RECORD_DOI = "10.5555/awaiting.a.record"


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """The table in use plus the growth fixture's studies it lacks, one of them with a DOI that
    has no record in the bibliography, as a contributor's pull request might leave it."""
    path = tmp_path_factory.mktemp("grown") / "studies.csv"
    with open(ROOT / "data" / "studies.csv", encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    with open(FIXTURES / "growth" / "studies.csv", encoding="utf-8", newline="") as handle:
        _header, *new = list(csv.reader(handle))
    column = {name: i for i, name in enumerate(header)}
    taken = {row[column["id"]] for row in rows}
    for row in new:
        if row[column["id"]] in taken:  # already there (tests run on a grown checkout too)
            row = list(row)
            row[column["id"]] += "-z"
        if row[column["doi"]]:
            row = list(row)
            row[column["doi"]] = NO_RECORD_DOI
        rows.append(row)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return load_studies(path)


@pytest.fixture(scope="module")
def added(grown):
    return grown[~table1_mask(grown)]


def test_one_definition_from_the_reference_number(grown, added):
    assert QUOTED_LABEL == QUOTED
    assert len(added) and len(added) < len(grown)
    for row in grown.to_dict("records"):
        where = provenance(row)
        assert where.quoted == (row["ref"] is not None and str(row["ref"]) not in ("", "<NA>"))
        if where.quoted:
            assert where.label == QUOTED and where.ref == str(row["ref"])
        else:
            assert where.label == f"{SUMMARY_LABEL} (added {row['added']:%Y-%m})"
            assert where.label.startswith("Summary by the living review’s contributors (added ")
    # A CSV row of text gives the same answer as the frame's record.
    assert provenance({"ref": "", "added": "2026-12-03"}).label.endswith("(added 2026-12)")
    assert provenance({"ref": "13", "added": "2026-11-26"}).quoted


def test_the_studies_table_row_says_which(grown):
    for row in grown.to_dict("records"):
        markup = table_row_html(study_card(row))
        if provenance(row).quoted:
            assert 'class="lr-st-quoted"' in markup and "lr-st-prov" not in markup
        else:
            assert 'class="lr-st-summary"' in markup
            assert f'<span class="lr-st-prov">{provenance(row).label}</span>' in markup
            assert "Quoted from" not in markup


def test_the_explorer_card_quotes_only_table1(grown):
    for row in grown.to_dict("records"):
        markup = details_row_html(study_card(row))
        if provenance(row).quoted:
            assert '<figure class="lr-quote">' in markup and QUOTED in markup
        else:
            assert '<figure class="lr-summary">' in markup and provenance(row).label in markup
            assert "Quoted from" not in markup and "<blockquote>" not in markup


@pytest.mark.parametrize("which", ["shipped", "grown", "added only"])
def test_the_caption_and_heading_say_what_the_six_columns_are(grown, added, which):
    frame = {"shipped": grown[table1_mask(grown)], "grown": grown, "added only": added}[which]
    markup = studies_table_html(frame, page_size=0)
    caption = re.search(r"<caption>(.*?)</caption>", markup, re.S).group(1)
    heading = re.search(r'<th scope="colgroup"[^>]*>(.*?)</th>', markup).group(1)
    quoted, summaries = int(table1_mask(frame).sum()), int((~table1_mask(frame)).sum())
    assert (f"For the {quoted} studies of the source review’s Table 1" in caption) == bool(quoted)
    assert (f"For the {summaries} studies added by the living review" in caption) == bool(summaries)
    if summaries:
        assert "not quoted" in caption and SUMMARY_LABEL in caption
    if not summaries:
        assert heading == QUOTED
    elif not quoted:
        assert "Quoted" not in heading and "contributors" in heading
    else:
        assert heading.startswith(QUOTED) and "summary by the living review’s contributors" in heading


def test_whats_new_says_which(grown):
    markup = changelog_html(grown, recent_studies=len(grown))
    for row in grown.to_dict("records"):
        item = re.search(rf'<li class="lr-changelog-item" id="whats-new-{re.escape(row["id"])}">(.*?)</li>', markup)
        assert item, row["id"]
        assert f'<span class="lr-changelog-prov">{provenance(row).label}</span>' in item.group(1)
        assert ("<q>" in item.group(1)) == provenance(row).quoted


def test_bibtex_and_ris_records_say_which(grown):
    bibtex, ris = to_bibtex(grown), to_ris(grown)
    for row in grown.to_dict("records"):
        note = provenance(row).record_note
        assert ("Table 1" in note) == provenance(row).quoted
        entry = bibtex.split(f"{{{row['id']},\n", 1)[1].split("\n}\n", 1)[0]
        assert f"note = {{{note}" in entry
        record = ris.split(f"ID  - {row['id']}\r\n", 1)[1].split("ER  - ", 1)[0]
        assert f"N1  - {note}\r\n" in record


def test_a_study_with_a_doi_but_no_record_is_listed_as_awaiting_one(grown):
    """It does not vanish from the References page (`validate` refuses it in the checkout's own
    table, tests/test_validate.py; a preview built from another table still lists it)."""
    markup = unverified_studies(grown).markup
    assert f"DOI {NO_RECORD_DOI}: its record is not yet in the bibliography" in markup
    # Every other study with a DOI or URL has its verified record (tests/test_data.py): not listed.
    for row in grown.to_dict("records"):
        listed = f'href="studies.html#study-{row["id"]}"' in markup
        assert listed == (not row["doi"] and not row["url"] or row["doi"] == NO_RECORD_DOI), row["id"]
