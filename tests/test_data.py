"""The shipped study table reproduces Table 1 of the source review, and only verified records.

Table 1's rows are checked exactly, by id and reference number; the table may hold more rows
(studies added later), and nothing here assumes it holds only these.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from livingreview import LIST_COLUMNS, TABLE1_COLUMNS, InvalidStudiesError, load_studies, load_vocabulary
from livingreview.data import validation
from livingreview.data.cited import CITED, load_cited, validate_cited
from livingreview.data.records import SOURCE_REVIEW_RECORDS, bibliography_problems, read_bibliography, record_finder
from livingreview.data.studies import ITEM_MARK, cell_items, source_text
from livingreview.data.table1 import load_table1, table1_problems
from livingreview.update.prefill import slug

from conftest import FIXTURES, ROOT, SEED, SOURCES_BIB, require_shared

# (first author, year, reference number) of Table 1's rows, in the table's order.
TABLE1_ROWS = [
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


@pytest.fixture(scope="module")
def table1(studies):
    """The rows of the source review's Table 1: those with a reference number."""
    return studies[studies["ref"].notna()]


def test_table1_file_cites_table1_as_the_source_does():
    """data/table1.csv, the repository's record of Table 1's citations, holds its rows exactly, in
    its order (checked against the seed below)."""
    rows = load_table1()
    assert [(r["first_author"], int(r["year"]), int(r["ref"])) for r in rows] == TABLE1_ROWS
    assert [r["id"] for r in rows] == [f"{slug(a)}-{y}" for a, y, _ in TABLE1_ROWS]


def test_table1_rows_in_table_order(table1):
    """Every row with a reference number is one of Table 1's, exactly (author, year, number, id),
    in the table's order: the rule `validate` applies (livingreview.data.table1). A correction may
    take a row out (the next release records it as removed), so the rows are checked as they
    are, not counted."""
    got = list(zip(table1["first_author"], table1["year"], table1["ref"].astype(int)))
    assert set(got) <= set(TABLE1_ROWS), sorted(set(got) - set(TABLE1_ROWS))
    assert got == [row for row in TABLE1_ROWS if row in got], "out of Table 1's order"
    assert list(table1["id"]) == [f"{slug(a)}-{y}" for a, y, _ in got]
    rows = table1.assign(ref=table1["ref"].astype(str), year=table1["year"].astype(str)).to_dict("records")
    assert not table1_problems(rows, range(len(rows)), load_table1())


def test_ids_are_author_year_slugs(studies):
    """The id is the first author's name as `add` makes it (livingreview.update.prefill.slug:
    'La Salvia' -> la-salvia, 'Østergård' -> ostergard) and the year, -b, -c for the next ones."""
    for row in studies.itertuples():
        assert re.fullmatch(rf"{re.escape(slug(row.first_author))}-{row.year}(-[b-z])?", row.id), row.id


def _skip_if_removed(studies, study_id: str) -> None:
    """A Table 1 row a correction took out has nothing left to check (the rows present are checked
    exactly by test_table1_rows_in_table_order)."""
    if study_id not in set(studies["id"]):
        pytest.skip(f"{study_id} is not in this table: its Table 1 row was removed")


@pytest.mark.parametrize("study_id", sorted(KEY_FACTS))
def test_key_facts(studies, study_id):
    _skip_if_removed(studies, study_id)
    row = studies.set_index("id").loc[study_id]
    for column, fact in KEY_FACTS[study_id].items():
        assert fact.lower() in row[column].lower(), (study_id, column)


def _seed_rows() -> list[list[str]]:
    text = SEED.read_text(encoding="utf-8")
    body = text[text.index("Limitations of used G. AI") + 25 : text.index("aLimitations were reported")]
    cells = [line.strip() for line in body.splitlines() if line.strip()]
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def test_table1_rows_reproduce_the_seed_verbatim(table1):
    """Every field copied from Table 1: citation (author, year, reference number) and the six text
    columns, matched to the seed's rows by reference number. A cell is the seed's text with each
    item mark (the join of two items whose break the seed lost) read as one space."""
    require_shared(SEED)
    seed = {}
    for row in _seed_rows():
        citation = re.fullmatch(r"(.+?) \((\d{4})\) \((\d+)\)", row[0])
        assert citation, row[0]
        seed[int(citation.group(3))] = (citation.group(1), int(citation.group(2)), row[1:])
    assert {int(ref) for ref in table1["ref"]} <= set(seed)
    for study in table1.itertuples():
        cited_as, year, text = seed[int(study.ref)]
        assert cited_as.startswith(study.first_author) and year == study.year, study.id
        assert [source_text(getattr(study, c)) for c in TABLE1_COLUMNS] == text, study.id
        for column in TABLE1_COLUMNS:  # a mark stands where the seed has a space, spaced itself
            cell = getattr(study, column)
            assert cell.count(ITEM_MARK) == cell.count(f" {ITEM_MARK} "), (study.id, column)


#: Items the seed runs together, as the table separates them (the issue's example first).
ITEMS = {
    ("patel-2024", "application"): [
        "Enhance diagnostic accuracy in medical genetic",
        "understand how changed expressions could affect clinicians’ ability to diagnose genetic conditions",
        "quicker and more cost-effective diagnoses, especially in underserved communities",
    ],
    ("lang-2024", "dataset"): ["Retinal fundus photographs", "external eye photographs", "chest radiographs"],
    ("alkhalaf-2024", "limitations"): ["Model hallucination, where the AI generates plausible but unverified outputs"],
}


@pytest.mark.parametrize("study_id,column", sorted(ITEMS))
def test_table1_items_are_apart_where_the_seed_ran_them_together(table1, study_id, column):
    assert cell_items(table1.set_index("id").loc[study_id, column]) == ITEMS[study_id, column]


def _quotations(text: str) -> list[str]:
    """Passages in single quotes (an apostrophe inside a word or after an 's' is not a quote)."""
    return re.findall(r"(?<![A-Za-z])'([^']+?)'(?![A-Za-z])", text)


def _seed_words() -> str:
    return " ".join(SEED.read_text(encoding="utf-8").replace("\u2019", "'").split()).lower()


def test_notes_quote_the_source_word_for_word(table1):
    """A coding decision's reason quotes the source review: each quotation must be its words."""
    require_shared(SEED)
    seed = _seed_words()
    quoted = 0
    for study in table1.itertuples():
        for passage in _quotations(study.notes):
            assert " ".join(passage.split()).lower() in seed, (study.id, passage)
            quoted += 1
    assert quoted >= len(CODING_DECISIONS)


#: The coding points raised when Table 1 was read against the source (issues #16 and #21), as
#: decided; the reason for each is in the row's `notes`, in the source's words.
CODING_DECISIONS = {
    "lang-2024": {"limitation_themes": {"confounding-causality"}},
    "khosravi-2024": {"limitation_themes": {"fidelity-rare-cases", "data-quality", "bias-fairness"}},
    "bhatt-2025": {
        "modality": {"2d-image", "3d-volume"},
        "limitation_themes": {"data-quality", "safety"},
        "contribution": {"image-enhancement", "decision-support"},
    },
    "bordukova-2023": {"contribution": {"simulation"}, "domain": {"clinical-trials"}, "model_family": {"diffusion"}},
    "patel-2024": {"limitation_themes": {"confounding-causality"}, "contribution": {"decision-support"}},
    "huang-2023": {"modality": {"multimodal"}, "contribution": {"decision-support"}},
    "liu-2025": {
        "modality": {"multimodal", "medical-knowledge-text"},
        "contribution": {"decision-support", "question-answering"},
        "limitation_themes": {"safety", "knowledge-gaps"},
    },
    "han-2020": {"modality": {"medical-image"}, "contribution": {"decision-support"}},
    "zeng-2022": {"contribution": {"design"}},
    "la-salvia-2022": {"limitation_themes": {"evaluation"}},
    "ultsch-2025": {"domain": {"dermatology", "oncology"}},
    "alkhalaf-2024": {"domain": {"aged-care", "nutrition"}},
}
#: ... and what those decisions ruled out.
RULED_OUT = {
    "lang-2024": {"limitation_themes": {"interpretability", "bias-fairness"}},
    "bordukova-2023": {"contribution": {"data-augmentation"}, "model_family": {"other-ml"}},
    "patel-2024": {"limitation_themes": {"evaluation"}},
    "han-2020": {"modality": {"2d-image", "3d-volume"}},
    "zeng-2022": {"contribution": {"knowledge-generation"}},
    "la-salvia-2022": {"limitation_themes": {"fidelity-rare-cases"}},
}


@pytest.mark.parametrize("study_id", sorted(CODING_DECISIONS))
def test_coding_decisions(studies, study_id):
    _skip_if_removed(studies, study_id)
    row = studies.set_index("id").loc[study_id]
    for column, terms in CODING_DECISIONS[study_id].items():
        assert terms <= set(row[column]), (study_id, column)
    for column, terms in RULED_OUT.get(study_id, {}).items():
        assert not terms & set(row[column]), (study_id, column)
    assert row["notes"], f"{study_id}: a judgment call needs its reason in notes"


def test_every_used_term_is_defined(studies):
    vocabulary = load_vocabulary()
    for column in LIST_COLUMNS:
        used = {term for terms in studies[column] for term in terms}
        assert used <= set(vocabulary[column].terms), column
        assert all(t.label for t in vocabulary[column].terms.values())


#: The Okabe-Ito colour-blind-safe palette (black swapped for a mid grey), which families choose from.
OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#7F7F7F"}


def test_every_family_looks_different():
    """Families need no colour of their own: colour plus hatching tells every one apart."""
    families = load_vocabulary()["model_family"].terms.values()
    assert {t.colour for t in families} <= OKABE_ITO
    styles = [(t.colour, t.pattern) for t in families]
    assert len(set(styles)) == len(styles)
    # The families of the first vocabulary keep their colours, solid.
    first = {"gan": "#0072B2", "vae": "#E69F00", "diffusion": "#009E73", "llm": "#D55E00", "vlm": "#CC79A7"}
    assert {k: (t.colour, t.pattern) for k, t in load_vocabulary()["model_family"].terms.items() if k in first} == {
        k: (c, "") for k, c in first.items()
    }


def test_domain_and_modality_terms_each_belong_to_a_group():
    vocabulary = load_vocabulary()
    assert set(vocabulary["domain"].groups) == {"specialty", "care-setting", "activity"}
    for column in ("domain", "modality"):
        facet = vocabulary[column]
        for term in facet.terms.values():
            assert term.group in facet.groups, (column, term.key)
        assert all(facet.in_group(group) for group in facet.groups), column


def test_vocabulary_covers_the_studies_to_come():
    """Issue #16: terms a study beyond Table 1 needs, each with a definition a coder can apply."""
    vocabulary = load_vocabulary()
    wanted = {
        "domain": {
            "oncology",
            "pathology",
            "cardiology",
            "surgery",
            "mental-health",
            "primary-care",
            "rare-disease",
            "clinical-trials",
            "medical-education",
        },
        "modality": {
            "structured-ehr",
            "clinical-text",
            "histopathology",
            "omics",
            "video",
            "physiological-signal",
            "audio-speech",
            "ultrasound",
        },
        "model_family": {"transformer", "normalising-flow", "graph-molecular", "rl"},
        "contribution": {"simulation", "image-enhancement", "decision-support"},
        "limitation_themes": {"safety", "data-quality", "confounding-causality"},
    }
    for column, keys in wanted.items():
        assert keys <= set(vocabulary[column].terms), column
    for facet in vocabulary.values():
        for term in facet.terms.values():
            assert len(term.definition.split()) >= 4 and term.definition.endswith("."), (facet.column, term.key)
    assert "not a generative family" in vocabulary["model_family"].terms["rl"].definition.lower()


def test_bibliographic_fields_come_only_from_verified_records(studies):
    """Title, venue, DOI and URL of every study (and cited-only study) are its verified record's
    in book/references.bib, or empty: the rule `validate` applies (livingreview.data.records),
    decided inside the repository, so a contributor's record written by `add` counts."""
    records = read_bibliography()
    rows = [*studies.to_dict("records"), *load_cited().to_dict("records")]
    assert not bibliography_problems(rows, range(len(rows)), records)
    shown = [row for row in rows if row["title"] or row["doi"] or row["url"]]
    assert all(record_finder(records)(row) for row in shown)


def test_every_record_says_where_it_came_from():
    """Each record of the book's bibliography is verified: one of the source review's records, or
    a registry's record written by `python -m livingreview add` (its provenance field)."""
    records = read_bibliography()
    assert records and all(record.verified for record in records.values()), [
        key for key, record in records.items() if not record.verified
    ]


def test_the_source_reviews_records_are_the_shared_verified_list():
    """The records the project started with are, field for field, the verified list beside the
    repository (/work/shared/sources on our machines). Only those: a record `add` wrote is
    checked by where it came from (above), never against a file outside the repository."""
    require_shared(SOURCES_BIB)
    from pybtex.database import parse_file

    verified = parse_file(str(SOURCES_BIB)).entries
    book = read_bibliography()
    started = {key: r for key, r in book.items() if r.provenance == SOURCE_REVIEW_RECORDS}
    assert started and set(started) <= set(verified), sorted(set(started) - set(verified))
    for key, record in started.items():
        fields = {name: value for name, value in record.fields.items() if name != "provenance"}
        assert fields == {name.lower(): str(value) for name, value in verified[key].fields.items()}, key


# --- Studies the source cites but Table 1 leaves out (data/cited.csv) ---------------------------


def test_the_data_package_validates_with_frictionless():
    from frictionless import Package

    report = Package(str(ROOT / "data" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # The study table, Table 1's citations, the cited-only studies and the update's record files.
    assert {task.name for task in report.tasks} == {
        "studies",
        "table1",
        "cited",
        "candidates",
        "screening",
        "search-runs",
        "import-runs",
        "screening-stops",
    }


def test_every_study_the_source_cites_is_in_table1_or_cited(table1):
    """The reference numbers the source cites (in Table 1 or its prose) are all accounted for,
    each in exactly one file."""
    require_shared(SEED)
    text = SEED.read_text(encoding="utf-8")
    cited_numbers = {int(n) for group in re.findall(r"\((\d{1,3}(?:, \d{1,3})*)\)", text) for n in group.split(", ")}
    cited = load_cited(studies=table1)
    in_table1 = {int(ref) for ref in table1["ref"]}
    only = {int(ref) for ref in cited["ref"]}
    # A Table 1 row taken out by a correction is no longer coded (test_table1_rows_in_table_order).
    removed = {ref for _author, _year, ref in TABLE1_ROWS} - in_table1
    assert in_table1 | only | removed == cited_numbers
    assert not in_table1 & only


def test_phipps_is_cited_only_and_unverified():
    cited = load_cited().set_index("id")
    phipps = cited.loc["phipps-nd"]
    assert (phipps["ref"], phipps["first_author"]) == (5, "Phipps")
    assert pd.isna(phipps["year"]), "the source gives no year"
    assert not (phipps["title"] or phipps["venue"] or phipps["doi"] or phipps["url"]), "not verified"
    assert "hallucinate" in phipps["source_says"]


def test_cited_source_says_quotes_the_source_word_for_word():
    require_shared(SEED)
    seed = _seed_words()
    for row in load_cited().itertuples():
        for passage in _quotations(row.source_says) + _quotations(row.notes):
            assert " ".join(passage.split()).lower() in seed, (row.id, passage)


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def test_a_bad_cited_file_is_reported_by_line_and_column(tmp_path, studies):
    with open(CITED, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    column = {name: i for i, name in enumerate(header)}
    twice = list(rows[0])
    twice[column["ref"]] = str(int(studies["ref"].dropna().iloc[0]))  # a Table 1 study
    twice[column["id"]] = "Not A Slug"
    twice[column["doi"]] = "doi:10.1/x"
    path = _write(tmp_path / "cited.csv", [header, rows[0], twice])
    _, problems = validate_cited(path, studies)
    assert {(p.line, p.column) for p in problems} == {(3, "ref"), (3, "id"), (3, "doi")}
    with pytest.raises(
        InvalidStudiesError, match=r"cited\.csv:3: column 'ref': reference \d+ is a row of the study table"
    ):
        load_cited(path, studies)
    missing = _write(tmp_path / "missing.csv", [header[:-1], rows[0][:-1]])
    assert [(p.line, p.column) for p in validate_cited(missing)[1]] == [(1, "notes")]


def test_a_cited_only_fixture_loads():
    frame = load_cited(FIXTURES / "cited-valid.csv")
    assert list(frame["id"]) == ["testrow-nd", "testrow-2021"]
    assert frame["year"].isna().tolist() == [True, False]


def test_an_out_of_range_reference_number_is_a_problem_not_a_crash(tmp_path, capsys):
    """A reference number beyond any reference list (here 2**63, which no 64-bit integer holds)
    is reported by line and column: the schema bounds it in both files."""
    from livingreview.cli import main

    with open(ROOT / "data" / "studies.csv", encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows[0][header.index("ref")] = str(2**63)
    path = _write(tmp_path / "studies.csv", [header, *rows])
    assert main(["validate", str(path)]) == 1
    assert "studies.csv:2: column 'ref'" in capsys.readouterr().err
    with open(CITED, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows[0][header.index("ref")] = str(2**63)
    problems = validate_cited(_write(tmp_path / "cited.csv", [header, *rows]))[1]
    assert [(p.line, p.column) for p in problems] == [(2, "ref")]


def test_a_page_kernel_trusts_the_cited_file_only_as_the_build_validated_it(tmp_path, monkeypatch, studies):
    """The build marks data/cited.csv valid against this study table (validation.VALIDATED_ENV); a
    kernel then reads it without the checks, and checks it again when either file differs."""
    from livingreview.data.cited import cited_fingerprint
    from livingreview.data.validation import InvalidStudiesError

    broken = tmp_path / "cited.csv"
    text = CITED.read_text(encoding="utf-8")
    header, first, *rest = text.splitlines(keepends=True)
    # A reference number that is also a row of the study table: the check against it refuses that.
    fields = first.split(",")
    fields[1] = str(int(studies["ref"].dropna().iloc[0]))
    broken.write_text(header + ",".join(fields) + "".join(rest), encoding="utf-8")
    monkeypatch.setenv(validation.VALIDATED_ENV, "")
    with pytest.raises(InvalidStudiesError):
        load_cited(broken, studies=studies)
    # Marked as validated with this study table: read as it is, unchecked (the build checked it).
    validation.mark_validated(studies.attrs["sha256"], cited_fingerprint(broken, studies.attrs["sha256"]))
    assert len(load_cited(broken, studies=studies)) == len(rest) + 1
    # Another study table: checked again.
    validation.mark_validated(cited_fingerprint(broken, "another table"))
    with pytest.raises(InvalidStudiesError):
        load_cited(broken, studies=studies)


def test_no_two_studies_are_cited_alike():
    """Two studies by the same first author in the same year read 'Østergård et al. (2026a)' and
    '(2026b)' everywhere the book names them (load_studies adds the letters; the grown copy of
    the checkout has such a pair)."""
    from livingreview.book.cards import study_cards
    from livingreview.text.wording import citation_text

    rows = load_studies().to_dict("records")
    cited = [citation_text(row).casefold() for row in rows]
    assert len(set(cited)) == len(cited), sorted(c for c in cited if cited.count(c) > 1)
    headings = [card.short_citation.casefold() for card in study_cards(rows)]
    assert len(set(headings)) == len(headings)
