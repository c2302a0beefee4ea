"""`python -m livingreview import FILE...`: exports of real databases and reference managers
(tests/fixtures/exports/, origin and licence in its README.md) become candidates, de-duplicated
against the table, the earlier candidates and each other, one row per file in import-runs.csv.

Expected numbers are read from the fixture files themselves (their record-start lines), never typed.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from livingreview.data.paths import Repository
from livingreview.update.imports import ImportFileError, read_export, source_name
from livingreview.update.screening import load_cycle

from api_replay import Paper, rows, run, snapshot
from conftest import ROOT

EXPORTS = ROOT / "tests" / "fixtures" / "exports"
TODAY = "2026-11-28"


def starts(path, pattern: str) -> int:
    """How many records the file holds, counted from its own record-start lines."""
    text = path.read_text(encoding="utf-8-sig")
    return len(re.findall(pattern, text, re.M))


#: Each fixture, its format, the database it names, and how its records start.
FIXTURES = [
    ("asreview-scopus.ris", "ris", "Scopus", r"^TY  - "),
    ("asreview-embase.ris", "ris", "Embase", r"^\ufeff?TY  - "),
    ("asreview-proquest.ris", "ris", "PTSDpubs", r"^TY  - "),
    ("asreview-pubmed_endnote.txt", "ris", "PubMed", r"^TY  - "),
    ("asreview-web_of_science.txt", "ris", "Web of Science", r"^TY  - "),
    ("rispy-example_wos.txt", "wos", "Web of Science", r"^PT "),
    ("biopython-pubmed_result2.nbib", "medline", "PubMed", r"^PMID- "),
    ("asreview-embase.csv", "csv", "Embase", None),
]


@pytest.mark.parametrize(("name", "kind", "database", "start"), FIXTURES)
def test_every_export_format_reads_every_record(name, kind, database, start):
    path = EXPORTS / name
    export = read_export(path)
    assert (export.format, export.database) == (kind, database)
    if start:
        assert len(export.records) == starts(path, start)
    else:  # CSV: one record per row after the header
        import csv

        with open(path, encoding="utf-8-sig", newline="") as handle:
            assert len(export.records) == sum(1 for _ in csv.DictReader(handle))
    assert all(r.title for r in export.records)
    assert all(r.year for r in export.records)
    # Identifiers as the exporter wrote them (Embase's CSV URL-encodes them in a link), in their normal form.
    text = unquote(path.read_text(encoding="utf-8-sig"))
    for record in export.records:
        if record.doi:
            assert record.doi.lower() in text.lower()
        if record.pmid:
            assert record.pmid in text


def test_identifiers_come_from_each_exporters_own_tags():
    scopus = read_export(EXPORTS / "asreview-scopus.ris")
    # Scopus writes the PubMed id as C2.
    c2 = re.findall(r"^C2  - (\d+)", (EXPORTS / "asreview-scopus.ris").read_text(encoding="utf-8"), re.M)
    assert sorted(r.pmid for r in scopus.records if r.pmid) == sorted(c2)
    medline = read_export(EXPORTS / "biopython-pubmed_result2.nbib")
    text = (EXPORTS / "biopython-pubmed_result2.nbib").read_text(encoding="utf-8")
    assert [r.pmid for r in medline.records] == re.findall(r"^PMID- (\d+)", text, re.M)
    dois = re.findall(r"^AID - (\S+) \[doi\]", text, re.M)
    assert [r.doi for r in medline.records if r.doi] == [d.lower() for d in dois]
    # A MEDLINE title that goes on over an indented line is one title.
    assert any(
        r.title.startswith("GenomeDiagram: a python package") and r.title.endswith("data.") for r in medline.records
    )


def test_a_reference_manager_export_needs_its_database_named():
    path = EXPORTS / "asreview-ovid_zotero.ris"
    with pytest.raises(ImportFileError, match="--database"):
        read_export(path)
    export = read_export(path, database="ovid")
    assert export.database == "Ovid" and export.source == "ovid-export"
    assert source_name("IEEE Xplore") == "ieee-xplore-export"


def test_import_writes_candidates_and_one_run_per_file(repo):
    files = [EXPORTS / "asreview-scopus.ris", EXPORTS / "biopython-pubmed_result2.nbib"]
    code, out, err = run("import", *map(str, files), "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    expected = {f.name: len(read_export(f).records) for f in files}
    imports = rows(repo / "data" / "import-runs.csv")
    assert [r["file"] for r in imports] == [f.name for f in files]
    assert {r["file"]: int(r["identified"]) for r in imports} == expected
    assert [r["database"] for r in imports] == ["Scopus", "PubMed"]
    candidates = rows(repo / "data" / "candidates.csv")
    assert len(candidates) == sum(int(r["new"]) for r in imports) == sum(expected.values())
    assert {c["sources"] for c in candidates} == {"scopus-export", "pubmed-export"}
    assert {c["found"] for c in candidates} == {TODAY}
    for f in files:
        assert f"{f.name}: " in out and f"{expected[f.name]} records" in out
    # Nothing to screen is decided; every file validates.
    assert rows(repo / "data" / "screening.csv") == []
    assert run("validate", "--root", str(repo), "--date", TODAY)[0] == 0


def test_importing_the_same_export_twice_adds_nothing(repo):
    path = str(EXPORTS / "asreview-scopus.ris")
    assert run("import", path, "--root", str(repo), "--date", TODAY)[0] == 0
    before = snapshot(repo)
    code, out, _err = run("import", path, "--root", str(repo), "--date", "2026-12-01")
    assert code == 0 and f"the same file was imported on {TODAY}; nothing added" in out
    assert snapshot(repo) == before


def test_another_export_with_the_same_records_counts_them_as_earlier_candidates(repo, tmp_path):
    """The same records in another file (a re-export, a second database): duplicates, by rule,
    with the earlier import named; the candidate gains the second source."""
    original = EXPORTS / "asreview-embase.ris"
    assert run("import", str(original), "--root", str(repo), "--date", TODAY)[0] == 0
    code, out, err = run("import", str(EXPORTS / "asreview-embase.csv"), "--root", str(repo), "--date", "2026-12-01")
    assert code == 0, err
    total = len(read_export(original).records)
    (second,) = [r for r in rows(repo / "data" / "import-runs.csv") if r["date"] == "2026-12-01"]
    assert (int(second["new"]), int(second["in_candidates"])) == (0, total)
    assert f"{total} the same record as an earlier import of Embase" in out
    assert "by DOI" in out
    assert len(rows(repo / "data" / "candidates.csv")) == total
    assert run("validate", "--root", str(repo), "--date", "2026-12-01")[0] == 0


def test_an_export_of_a_database_the_search_reaches_is_deduplicated_against_it(repo, replay):
    """PubMed's records found by the search are not new again in a MEDLINE export, by PMID."""
    medline = read_export(EXPORTS / "biopython-pubmed_result2.nbib")
    replay.pubmed = [Paper(r.title, r.year, "", r.pmid) for r in medline.records[:2]]
    assert run("search", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    code, out, err = run("import", str(EXPORTS / "biopython-pubmed_result2.nbib"), "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    (imported,) = rows(repo / "data" / "import-runs.csv")
    assert (int(imported["in_candidates"]), int(imported["new"])) == (2, len(medline.records) - 2)
    assert "2 earlier candidates (2 by PMID)" in " ".join(out.split())
    found_twice = [c for c in rows(repo / "data" / "candidates.csv") if c["sources"] == "pubmed;pubmed-export"]
    assert len(found_twice) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "TY  - JOUR\nTI  - A title\nER  - \nTY  - JOUR\nTI  - Never ended\n",
            ":4: the record starting here never ends",
        ),
        ("TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n", ":3: a record starts here, but the one on line 1"),
        ("TY  - JOUR\nTI  - One\nER  - \nTI  - Orphan\nER  - \n", ":4: a tagged line outside any record"),
        ("TY  - JOUR\nAU  - Somebody\nER  - \n", ":1: the RIS record starting here has no title"),
        ("PMID- 1\nTI  - A title\nthis is not medline\n", ":3: not a MEDLINE line"),
        ("Just some notes\nwith no structure\n", ":1: not an export this command reads"),
        ("Name,Comment\nx,y\n", ":1: no title column"),
        ('Title,Year\n"Unclosed,2020\n', "cannot be read as CSV"),
        ("Title,Year\nA,2020,extra\n", ":2: the row has 3 fields but the header has 2"),
    ],
)
def test_a_malformed_export_is_one_line_and_nothing_is_written(repo, tmp_path, text, message):
    bad = tmp_path / "export.ris"
    bad.write_text(text, encoding="utf-8")
    good = EXPORTS / "asreview-scopus.ris"
    before = snapshot(repo)
    code, out, err = run("import", str(good), str(bad), "--root", str(repo), "--database", "Scopus")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and str(bad) in err and message in err
    assert snapshot(repo) == before


def test_binary_and_undecodable_files_are_refused(repo, tmp_path):
    latin = tmp_path / "latin1.ris"
    latin.write_bytes("TY  - JOUR\nTI  - Caf\xe9\nER  - \n".encode("latin-1"))
    code, _out, err = run("import", str(latin), "--root", str(repo), "--database", "Scopus")
    assert code == 2 and ":2: is not UTF-8" in err
    binary = tmp_path / "x.ris"
    binary.write_bytes(b"TY  - JOUR\n\x00\x01")
    code, _out, err = run("import", str(binary), "--root", str(repo), "--database", "Scopus")
    assert code == 2 and "NUL byte" in err


def test_the_flow_counts_imported_records_per_database(repo):
    from livingreview.data.studies import load_studies
    from livingreview.update.protocol import load_protocol
    from livingreview.update.selection import update_flow
    from livingreview.update.versions import load_releases

    files = [EXPORTS / "asreview-scopus.ris", EXPORTS / "asreview-embase.ris", EXPORTS / "asreview-embase.csv"]
    assert run("import", *map(str, files), "--root", str(repo), "--date", TODAY)[0] == 0
    r = Repository(repo)
    flow = update_flow(load_studies(r.studies), load_cycle(r), load_releases(r.releases), load_protocol(r.search))
    scopus, embase = len(read_export(files[0]).records), len(read_export(files[1]).records)
    assert flow.identified["Scopus (export)"] == scopus
    assert flow.identified["Embase (export)"] == 2 * embase  # the RIS and the CSV export
    assert sum(flow.duplicates.values()) == embase
    # Every record once: identified = duplicates + candidates, and each candidate screened or not.
    assert sum(flow.identified.values()) - sum(flow.duplicates.values()) == flow.screened + flow.not_screened
