"""The copies `make test-growth` runs the tests in (tests/grown_checkout.py): what a contributor's
pull request leaves, made the way a contributor makes it, and valid as it stands."""

from __future__ import annotations

import contextlib
import io

import pytest

from livingreview import LIST_COLUMNS, load_studies, load_vocabulary
from livingreview.cli import main
from livingreview.data.provenance import provenance
from livingreview.data.records import REGISTRY_PROVENANCE, read_bibliography, record_finder
from livingreview.update.prefill import slug

from conftest import ROOT
from grown_checkout import NEW_ROWS, make_copy, read_table

pytestmark = pytest.mark.slow  # copies the checkout and runs `add` in a process


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    checkout, _what = make_copy("grown", tmp_path_factory.mktemp("grown"))
    return checkout


def validate(checkout) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--root", str(checkout)])
    return code, out.getvalue() + err.getvalue()


def test_the_grown_copy_is_valid_as_a_contributor_leaves_it(grown):
    code, output = validate(grown)
    assert code == 0, output


def test_the_new_rows_are_what_contributions_bring(grown):
    shipped = load_studies(ROOT / "data" / "studies.csv")
    table = load_studies(grown / "data" / "studies.csv")
    _header, fixture = read_table(NEW_ROWS)
    new = table[table["id"].isin([row["id"] for row in fixture])]
    assert len(new) == len(fixture) and len(table) == len(shipped) + len(fixture)
    for column in ("domain", "modality"):
        before = {t for cell in shipped[column] for t in cell}
        assert {t for cell in new[column] for t in cell} - before, f"no {column} the table lacked"
    assert (new["doi"] == "").any() and (new["doi"] != "").any(), "studies with and without a DOI"
    assert (new["limitation_themes"].map(len) == 0).any(), "a study with no coded limitation"
    assert any(i.endswith("-b") and i[:-2] in set(new["id"]) for i in new["id"]), "same author and year"
    assert any(not name.isascii() for name in new["first_author"]), "a non-ASCII first author"
    assert all(row["id"].startswith(slug(row["first_author"])) for row in fixture)
    assert not any(provenance(row).quoted for row in new.to_dict("records")), "added studies are summaries"
    vocabulary = load_vocabulary()
    assert all(set(t) <= set(vocabulary[c].terms) for c in LIST_COLUMNS for t in new[c]), "existing terms only"


def test_the_doi_row_and_its_record_are_what_add_wrote(grown):
    """The study with a DOI went through `add` (Crossref's recorded answer, replayed): its record
    says so, and its bibliographic cells are the record's."""
    table = load_studies(grown / "data" / "studies.csv")
    records = read_bibliography(grown / "book" / "references.bib")
    find = record_finder(records)
    with_doi = [row for row in table.to_dict("records") if row["doi"] and not provenance(row).quoted]
    assert with_doi
    for row in with_doi:
        record = find(row)
        assert record is not None and REGISTRY_PROVENANCE.fullmatch(record.provenance), row["id"]
        assert row["title"] and row["venue"] and row["url"], row["id"]
        assert "TODO" not in row.values()
    # The shipped bibliography is unchanged but for that record.
    shipped = read_bibliography(ROOT / "book" / "references.bib")
    assert set(records) - set(shipped) == {find(row).key for row in with_doi}


def test_the_removed_copy_is_valid_and_keeps_table1s_citation(tmp_path):
    checkout, what = make_copy("removed", tmp_path)
    gone = what.removeprefix("removed ")
    code, output = validate(checkout)
    assert code == 0, output
    assert gone not in set(load_studies(checkout / "data" / "studies.csv")["id"])
    # The source still cites it in Table 1: its citation stays (data/table1.csv is unchanged).
    assert gone in {row["id"] for row in read_table(checkout / "data" / "table1.csv")[1]}
