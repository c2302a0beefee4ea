"""The shipped study table reproduces Table 1 of the source review, and only verified records."""

from __future__ import annotations

import re

import pytest

from livingreview import LIST_COLUMNS, TABLE1_COLUMNS, load_studies, load_vocabulary

from conftest import ROOT, SEED, SOURCES_BIB, require_shared

# (first author, year, reference number) of Table 1's rows, in the table's order.
TABLE1 = [
    ("Bhatt", 2025, 13),
    ("Ultsch", 2025, 4),
    ("Pawlicka", 2024, 3),
    ("Aydin", 2024, 2),
    ("Khosravi", 2024, 9),
    ("Patel", 2024, 14),
    ("Lang", 2024, 12),
    ("Alkhalaf", 2024, 11),
    ("Pinaya", 2023, 10),
    ("Bordukova", 2023, 8),
    ("Huang", 2023, 6),
    ("La Salvia", 2022, 15),
    ("Zeng", 2022, 7),
    ("Han", 2020, 1),
    ("Liu", 2025, 16),
]

# One key fact per Table 1 field and study, as the seed states it.
KEY_FACTS = {
    "ultsch-2025": {"dataset": "PH2", "model": "Stable Diffusion", "limitations": "overfitting"},
    "pawlicka-2024": {"method": "StyleGAN2", "application": "polyp segmentation"},
    "aydin-2024": {"dataset": "TOF MRA", "model": "3D version of StyleGANv2"},
    "khosravi-2024": {"dataset": "Pelvic radiographs", "application": "race-based disparities"},
    "patel-2024": {"method": "HyperStyle"},
    "lang-2024": {"model": "StylEx", "limitations": "Not designed to infer causality"},
    "alkhalaf-2024": {"method": "Llama 2 13B", "limitations": "hallucination"},
    "pinaya-2023": {"dataset": "Chestx-ray14", "model": "DDPM"},
    "bordukova-2023": {"application": "Digital Twins"},
    "huang-2023": {"application": "emergency department", "limitations": "free-text"},
    "la-salvia-2022": {"method": "DCGAN", "dataset": "hyperspectral"},
    "zeng-2022": {"method": "ProteinGAN", "dataset": "Does not specify"},
    "han-2020": {"model": "Pathology-aware"},
    "liu-2025": {"model": "MetaGP", "limitations": "A100"},
    "bhatt-2025": {"model": "Deep Reinforcement Learning", "purpose": "medical education"},
}


@pytest.fixture(scope="module")
def studies():
    return load_studies(ROOT / "data" / "studies.csv")


def test_fifteen_rows_in_table_order(studies):
    got = list(zip(studies["first_author"], studies["year"], studies["ref"].astype(int)))
    assert got == TABLE1


def test_ids_are_author_year_slugs(studies):
    for row in studies.itertuples():
        assert row.id == f"{row.first_author.lower().replace(' ', '-')}-{row.year}"


@pytest.mark.parametrize("study_id", sorted(KEY_FACTS))
def test_key_facts(studies, study_id):
    row = studies.set_index("id").loc[study_id]
    for column, fact in KEY_FACTS[study_id].items():
        assert fact.lower() in row[column].lower(), (study_id, column)


def _seed_rows() -> list[list[str]]:
    text = SEED.read_text(encoding="utf-8")
    body = text[text.index("Limitations of used G. AI") + 25 : text.index("aLimitations were reported")]
    cells = [line.strip() for line in body.splitlines() if line.strip()]
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def test_text_columns_reproduce_the_seed_verbatim(studies):
    require_shared(SEED)
    rows = _seed_rows()
    assert len(rows) == len(studies) == 15
    for seed_row, study in zip(rows, studies.itertuples()):
        assert seed_row[0].startswith(study.first_author.split()[0][:3])
        assert [getattr(study, c) for c in TABLE1_COLUMNS] == seed_row[1:]


def test_every_used_term_is_defined(studies):
    vocabulary = load_vocabulary()
    for column in LIST_COLUMNS:
        used = {term for terms in studies[column] for term in terms}
        assert used <= set(vocabulary[column].terms), column
        assert all(t.label for t in vocabulary[column].terms.values())


def test_every_family_has_a_distinct_colour():
    colours = [t.colour for t in load_vocabulary()["model_family"].terms.values()]
    assert all(re.fullmatch(r"#[0-9A-Fa-f]{6}", c) for c in colours)
    assert len(set(colours)) == len(colours)


def test_bibliographic_fields_come_only_from_verified_records(studies):
    require_shared(SOURCES_BIB)
    from pybtex.database import parse_file

    records = parse_file(str(SOURCES_BIB)).entries.values()

    def clean(s):
        return re.sub(r"[{}]", "", s).strip().lower()

    titles = {clean(r.fields.get("title", "")) for r in records}
    venues = {clean(r.fields.get(k, "")) for r in records for k in ("journal", "howpublished")}
    dois = {r.fields.get("doi", "").lower() for r in records}
    urls = {r.fields.get("url", "") for r in records}
    for row in studies.itertuples():
        assert not row.title or clean(row.title) in titles, row.id
        assert not row.venue or clean(row.venue) in venues, row.id
        assert not row.doi or row.doi.lower() in dois, row.id
        assert not row.url or row.url in urls, row.id


def test_book_bibliography_is_the_verified_one():
    require_shared(SOURCES_BIB)
    from pybtex.database import parse_file

    book = parse_file(str(ROOT / "book" / "references.bib")).entries
    verified = parse_file(str(SOURCES_BIB)).entries
    for key, entry in book.items():
        assert key in verified, key
        assert dict(entry.fields) == dict(verified[key].fields), key
