"""CSV, BibTeX and RIS exports: faithful to the table, and safe with hostile text."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from livingreview import load_studies
from livingreview.data.exports import (
    BIBTEX_FILENAME,
    FORMULA_TRIGGERS,
    RIS_FILENAME,
    bibtex_entry,
    bibtex_key,
    citation_spec,
    ris_record,
    tex_escape,
    to_bibtex,
    to_csv,
    to_ris,
)
from livingreview.data.paths import DEFAULT_STUDIES
from livingreview.data.provenance import provenance
from livingreview.data.schema import expected_columns
from livingreview.data.vocabulary import LIST_COLUMNS

STUDIES = load_studies()

HOSTILE_TEXT = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rCarriage",
    'Quotes " and, commas; and\nnew lines',
    "Braces } { unbalanced }}",
    "TeX \\input{/etc/passwd} $x^2$ 100% #1 a_b ~ & done",
    "@article{evil, title={pwned}}",
    "Line\r\nER  - \r\nTY  - JOUR",
    "Unicode line\u2028separator and \x85 NEL",
    "<script>alert(1)</script>",
    "Lötsch – naïve ≥ 5",
]


def with_text(value: str, study: int = 0, columns=("title", "venue", "notes", "first_author", "limitations")):
    """A copy of the table with `value` in the given text columns of one study."""
    frame = STUDIES.copy()
    for column in columns:
        frame.at[study, column] = value
    return frame


def read_csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --------------------------------------------------------------------------------------------
# CSV


def test_csv_of_the_whole_table_is_the_file_itself():
    assert to_csv(STUDIES) == DEFAULT_STUDIES.read_text(encoding="utf-8")


def test_csv_round_trips_to_the_same_values():
    rows = read_csv_rows(to_csv(STUDIES))
    assert list(rows[0]) == expected_columns()
    assert len(rows) == len(STUDIES)
    for row, study in zip(rows, STUDIES.to_dict("records")):
        for column in LIST_COLUMNS:
            assert row[column].split(";") == study[column] or (row[column] == "" and study[column] == [])
        assert int(row["year"]) == study["year"]
        assert row["ref"] == ("" if pd.isna(study["ref"]) else str(study["ref"]))
        assert row["added"] == study["added"].strftime("%Y-%m-%d")
        for column in ("id", "first_author", "title", "venue", "doi", "url", "dataset", "notes"):
            assert row[column] == study[column]


def test_csv_of_a_subset_and_of_nothing():
    subset = STUDIES[STUDIES["year"] == 2022]
    assert [r["id"] for r in read_csv_rows(to_csv(subset))] == list(subset["id"])
    assert to_csv(STUDIES.iloc[0:0]) == ",".join(expected_columns()) + "\n"


@pytest.mark.parametrize("value", HOSTILE_TEXT)
def test_csv_neutralises_formulas_and_keeps_text(value):
    rows = read_csv_rows(to_csv(with_text(value)))
    for column in ("title", "venue", "notes", "first_author", "limitations"):
        cell = rows[0][column]
        if value.startswith(FORMULA_TRIGGERS):
            assert cell == "'" + value
        else:
            assert cell == value
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_TRIGGERS)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_csv_round_trip_property(value):
    rows = read_csv_rows(to_csv(with_text(value)))
    assert len(rows) == len(STUDIES)
    cell = rows[0]["notes"]
    assert not cell.startswith(FORMULA_TRIGGERS)
    # The only change is the apostrophe in front of a would-be formula.
    assert cell == ("'" + value if value.startswith(FORMULA_TRIGGERS) else value)


# --------------------------------------------------------------------------------------------
# BibTeX


def test_bibtex_parses_with_one_entry_per_study():
    database = parse_string(to_bibtex(STUDIES), "bibtex")
    assert list(database.entries) == list(STUDIES["id"])


def test_bibtex_fields_come_from_the_table_only():
    database = parse_string(to_bibtex(STUDIES), "bibtex")
    for study in STUDIES.to_dict("records"):
        entry = database.entries[study["id"]]
        assert entry.type == ("article" if study["venue"] else "misc")
        # The surname is braced in the file, so that it is parsed as one family name.
        assert [str(p).strip("{}") for p in entry.persons["author"]] == [study["first_author"], "others"]
        assert entry.fields["year"] == str(study["year"])
        for field, column in (
            ("title", "title"),
            ("journal", "venue"),
            ("doi", "doi"),
            ("url", "url"),
        ):
            if study[column]:
                assert field in entry.fields
            else:
                assert field not in entry.fields, f"{study['id']}: {field} invented"
        # The note: which kind of row the study is (Table 1's or added later), then the notes.
        expected = " ".join(filter(None, [provenance(study).record_note, tex_escape(study["notes"])]))
        assert entry.fields["note"] == expected, study["id"]


def test_bibtex_two_word_surname_stays_one_family_name():
    entry = parse_string(to_bibtex(STUDIES[STUDIES["id"] == "la-salvia-2022"]), "bibtex").entries["la-salvia-2022"]
    first = entry.persons["author"][0]
    assert first.last_names == ["{La Salvia}"]
    assert not first.first_names and not first.prelast_names


def test_bibtex_doi_and_title_verbatim_for_plain_values():
    database = parse_string(to_bibtex(STUDIES), "bibtex")
    entry = database.entries["alkhalaf-2024"]
    assert entry.fields["doi"] == "10.1016/j.jbi.2024.104662"
    assert entry.fields["url"] == "https://doi.org/10.1016/j.jbi.2024.104662"


@pytest.mark.parametrize("value", HOSTILE_TEXT)
def test_bibtex_escapes_hostile_text(value):
    frame = with_text(value)
    frame.at[0, "doi"] = "10.1234/a}b{c\\d e"
    frame.at[0, "url"] = "https://example.org/}{"
    text = to_bibtex(frame)
    database = parse_string(text, "bibtex")
    assert list(database.entries) == list(STUDIES["id"])  # nothing injected, nothing lost
    fields = database.entries[STUDIES["id"][0]].fields
    for field in ("title", "journal", "note"):
        # TeX specials arrive escaped, so a TeX run prints them instead of obeying them.
        assert "\\input" not in fields[field]
        assert "$" not in fields[field].replace("\\$", "")
    assert "{" not in fields["doi"] and "}" not in fields["doi"] and " " not in fields["doi"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_bibtex_always_parses(value):
    frame = with_text(value, columns=("title", "notes", "first_author", "venue"))
    database = parse_string(to_bibtex(frame), "bibtex")
    assert len(database.entries) == len(STUDIES)


def test_bibtex_key_is_the_study_id_made_safe():
    frame = STUDIES.iloc[[0]].copy()
    frame.at[frame.index[0], "id"] = "bad id,{}"
    assert list(parse_string(to_bibtex(frame), "bibtex").entries) == ["bad-id"]


# --------------------------------------------------------------------------------------------
# RIS


def ris_records(text: str) -> list[list[tuple[str, str]]]:
    """Records as lists of (tag, value), read the way reference managers read RIS."""
    records, current = [], []
    for line in text.split("\r\n"):
        if not line:
            continue
        assert line[2:6] == "  - ", line
        tag, value = line[:2], line[6:]
        current.append((tag, value))
        if tag == "ER":
            records.append(current)
            current = []
    assert not current, "a record without ER"
    return records


def test_ris_has_one_record_per_study_with_the_right_tags():
    records = ris_records(to_ris(STUDIES))
    assert len(records) == len(STUDIES)
    for record, study in zip(records, STUDIES.to_dict("records")):
        tags = dict(record)
        assert record[0] == ("TY", "JOUR" if study["venue"] else "GEN")
        assert record[-1] == ("ER", "")
        assert tags["ID"] == study["id"]
        assert tags["AU"] == study["first_author"]
        assert tags["PY"] == str(study["year"])
        for tag, column in (
            ("TI", "title"),
            ("T2", "venue"),
            ("JO", "venue"),
            ("DO", "doi"),
            ("UR", "url"),
        ):
            assert tags.get(tag) == (study[column] or None), (study["id"], tag)
        notes = [value for tag, value in record if tag == "N1"]
        assert notes == [provenance(study).record_note, *([study["notes"]] if study["notes"] else [])]
        assert {tag for tag, _ in record} <= {"TY", "ID", "AU", "TI", "T2", "JO", "PY", "DO", "UR", "N1", "ER"}


def test_ris_of_nothing_is_empty():
    assert to_ris(STUDIES.iloc[0:0]) == ""


@pytest.mark.parametrize("value", HOSTILE_TEXT)
def test_ris_keeps_every_value_on_its_line(value):
    text = to_ris(with_text(value))
    records = ris_records(text)
    assert len(records) == len(STUDIES)
    assert all(line.count("\n") == 0 for line in text.split("\r\n"))
    assert [t for t, _ in records[0]].count("ER") == 1
    title = dict(records[0]).get("TI")
    assert title == (" ".join(value.split()) or None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_ris_structure_survives_any_text(value):
    text = to_ris(with_text(value))
    assert len(ris_records(text)) == len(STUDIES)
    assert len(text.splitlines()) == len(text.split("\r\n")) - 1  # no stray line breaks of any kind


# --------------------------------------------------------------------------------------------
# Independent parsers (bibtexparser, rispy) and the studies page's records


@pytest.mark.parametrize("value", ["plain", *HOSTILE_TEXT])
def test_bibtexparser_reads_every_entry_and_its_fields(value):
    import bibtexparser
    from pylatexenc.latex2text import LatexNodes2Text

    frame = with_text(value)
    library = bibtexparser.parse_string(to_bibtex(frame))
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == [bibtex_key(i) for i in frame["id"]]
    decode = LatexNodes2Text().latex_to_text
    for entry, study in zip(library.entries, frame.to_dict("records")):
        fields = entry.fields_dict
        assert entry.entry_type == ("article" if study["venue"].strip() else "misc")
        assert fields["year"].value == str(study["year"])
        if study["title"].strip():
            # The parser finds where each field ends (braces balanced, nothing cut or run on) ...
            assert fields["title"].value == tex_escape(study["title"])
            # ... and a plain title reads back as itself once the TeX is decoded.
            if not set(study["title"]) & set("\\{}$^~%#&_"):
                assert " ".join(decode(fields["title"].value).split()) == " ".join(study["title"].split())
        else:
            assert "title" not in fields
        if study["doi"]:
            assert fields["doi"].value == study["doi"]


@pytest.mark.parametrize("value", ["plain", *HOSTILE_TEXT])
def test_rispy_reads_every_record_and_its_fields(value):
    import rispy

    frame = with_text(value)
    records = rispy.loads(to_ris(frame))
    assert len(records) == len(frame)
    for record, study in zip(records, frame.to_dict("records")):
        assert record["type_of_reference"] == ("JOUR" if " ".join(study["venue"].split()) else "GEN")
        assert record["id"] == study["id"]
        assert record["year"] == str(study["year"])
        assert record.get("title") == (" ".join(study["title"].split()) or None)
        if " ".join(study["first_author"].split()):
            assert record["authors"] == [" ".join(study["first_author"].split())]
        assert record.get("doi") == (study["doi"] or None)


def test_the_pages_records_join_into_the_exported_files():
    """The studies page carries bibtex_entry/ris_record per study and joins the filtered ones with
    citation_spec()'s separators: the same files as to_bibtex/to_ris of those studies."""
    spec = citation_spec()
    rows = STUDIES.iloc[[3, 0, 7]]
    records = [row for row in rows.to_dict("records")]
    assert spec["bibtex"]["separator"].join(bibtex_entry(r) for r in records) == to_bibtex(rows)
    assert spec["ris"]["separator"].join(ris_record(r) for r in records) == to_ris(rows)
    assert (spec["bibtex"]["filename"], spec["ris"]["filename"]) == (BIBTEX_FILENAME, RIS_FILENAME)
