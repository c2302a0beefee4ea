"""livingreview.book.citations: every study cited in one style, from the data, linked where it can be."""

from __future__ import annotations

from livingreview.book.citations import REFERENCES_DOC, STUDIES_DOC, build_citations, citations, record_keys
from livingreview.data.paths import DATA_ENV, REFERENCES_BIB
from livingreview.data.records import SOURCE_REVIEW_RECORDS, Record, read_bibliography


def record(key: str, doi: str = "", url: str = "", provenance: str = SOURCE_REVIEW_RECORDS) -> Record:
    return Record(key, provenance, {"doi": doi, "url": url})


RECORDS = {
    "aydin2024": record("aydin2024", doi="10.1016/J.Neuroimage.2024.120936"),
    "lang2024": record("lang2024", url="https://research.google/blog/x"),
    "review": record("review", doi="10.3389/fdgth.2025.1653369"),
    # A record that does not say where it came from is not verified: no citation links to it.
    "pawlicka2024": record("pawlicka2024", doi="10.1000/pawlicka", provenance=""),
}
ROWS = [
    {"id": "aydin-2024", "first_author": "Aydin", "year": "2024", "doi": "10.1016/j.neuroimage.2024.120936", "url": ""},
    {"id": "lang-2024", "first_author": "Lang", "year": "2024", "doi": "", "url": "https://research.google/blog/x"},
    {"id": "pawlicka-2024", "first_author": "Pawlicka", "year": "2024", "doi": "10.1000/pawlicka", "url": ""},
]
CITED = [{"id": "phipps-nd", "first_author": "Phipps", "year": "", "doi": "", "url": ""}]


def test_a_record_is_matched_by_doi_in_any_case_or_by_url():
    assert record_keys(RECORDS, ROWS) == {"aydin-2024": "aydin2024", "lang-2024": "lang2024"}


def test_every_study_is_worded_alike_and_linked_to_its_entry():
    found = citations(ROWS, CITED, RECORDS, record_texts={"aydin2024": "Aydin, O. … NeuroImage, 2024."})
    aydin, pawlicka, phipps = found["aydin-2024"], found["pawlicka-2024"], found["phipps-nd"]
    assert (aydin.author, aydin.year, aydin.doc, aydin.anchor) == (
        "Aydin et al.",
        "2024",
        STUDIES_DOC,
        "study-aydin-2024",
    )
    assert aydin.record == "aydin2024" and aydin.record_text.startswith("Aydin, O.")
    assert (pawlicka.author, pawlicka.year, pawlicka.record) == ("Pawlicka et al.", "2024", None)
    assert (phipps.author, phipps.year, phipps.doc, phipps.anchor) == (
        "Phipps et al.",
        "n.d.",
        REFERENCES_DOC,
        "cited-phipps-nd",
    )


def test_a_study_missing_from_the_table_in_use_falls_back_unlinked():
    """Another table (a preview, the benchmarks' synthetic one) may lack a study the chapters cite:
    it is still worded from the shipped table, without a link to a card that does not exist."""
    found = citations(ROWS[:1], CITED, RECORDS, fallback=ROWS)
    assert found["aydin-2024"].doc == STUDIES_DOC
    lang = found["lang-2024"]
    assert (lang.author, lang.year, lang.doc, lang.record) == ("Lang et al.", "2024", None, "lang2024")


def test_the_shipped_data_and_bibliography():
    found = build_citations()
    verified = {c.id: c.record for c in found.values() if c.record}
    records = read_bibliography(REFERENCES_BIB)
    assert set(verified.values()) <= set(records) and "fdgth2025minireview" not in verified.values()
    assert found["han-2020"].year == "2020" and verified["han-2020"] == "han2020"  # the review's year, not the record's
    assert "Circle of Willis" in found["aydin-2024"].record_text
    assert found["phipps-nd"].doc == REFERENCES_DOC


def test_another_table_keeps_the_shipped_studies_citable(tmp_path, monkeypatch):
    from livingreview.data.paths import DEFAULT_STUDIES

    missing = "aydin-2024"
    lines = DEFAULT_STUDIES.read_text(encoding="utf-8").splitlines(keepends=True)
    smaller = tmp_path / "studies.csv"
    smaller.write_text("".join(line for line in lines if not line.startswith(f"{missing},")), encoding="utf-8")
    monkeypatch.setenv(DATA_ENV, str(smaller))
    found = build_citations()
    assert found[missing].doc is None and found[missing].author == "Aydin et al."
    assert found["pawlicka-2024"].doc == STUDIES_DOC


def test_studies_cited_alike_are_lettered_as_the_table_letters_them():
    twins = [
        {"id": "li-2024", "first_author": "Li", "year": "2024", "title": "Speech", "doi": "", "url": ""},
        {"id": "li-2024-b", "first_author": "Li", "year": "2024", "title": "ECG", "doi": "", "url": ""},
    ]
    found = citations([*ROWS, *twins], CITED, RECORDS)
    assert (found["li-2024"].year, found["li-2024-b"].year) == ("2024b", "2024a")  # by title
    assert found["aydin-2024"].year == "2024"
    # The {study} role reads the CSV, the pages load_studies(): both give each study the same year,
    # on the table in use (the grown copy of the checkout has such a pair).
    from livingreview import load_studies
    from livingreview.text.wording import citation_year

    shipped = build_citations()
    assert {row["id"]: citation_year(row) for row in load_studies().to_dict("records")} == {
        study: shipped[study].year for study in load_studies()["id"]
    }
