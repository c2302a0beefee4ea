"""`python -m livingreview add DOI|CANDIDATE-ID` against a local Crossref replay: a pre-filled row
whose to-do cells the validator names, and a BibTeX record that parses; nothing written when
anything is wrong."""

from __future__ import annotations

import pytest
from pybtex.database import parse_string

from livingreview.data.paths import Repository
from livingreview.data.studies import load_studies
from livingreview.data.validation import TODO
from livingreview.update.prefill import TODO_COLUMNS, slug

from api_replay import Paper, rows, run, snapshot

TODAY = "2026-11-28"


def test_add_a_doi_prefills_a_row_and_a_bibtex_record(repo, replay):
    paper = Paper(
        "Synthetic <i>histopathology</i> with diffusion &amp; more",
        2026,
        "10.5555/Add.1",
        authors=(("Müller-Løtsch", "Anna"), ("Doe", "John")),
        venue="Journal of {Clinical} AI",
    )
    replay.crossref["10.5555/add.1"] = paper
    before = rows(repo / "data" / "studies.csv")
    code, out, err = run("add", "https://doi.org/10.5555/Add.1", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    after = rows(repo / "data" / "studies.csv")
    assert after[:-1] == before and len(after) == len(before) + 1
    row = after[-1]
    assert row["id"] == "muller-lotsch-2026" and slug("Müller-Løtsch") == "muller-lotsch"
    assert (row["first_author"], row["year"], row["doi"]) == ("Müller-Løtsch", "2026", "10.5555/add.1")
    assert row["title"] == "Synthetic histopathology with diffusion & more"
    assert row["venue"] == "Journal of {Clinical} AI"
    assert row["url"] == "https://publisher.example.org/article/Add.1"
    assert row["added"] == TODAY and row["ref"] == ""
    assert all(row[c] == TODO for c in TODO_COLUMNS)
    # The validator names every to-do cell, on the new row's line, by column.
    code, _out, err = run("validate", "--root", str(repo))
    assert code == 1
    line = len(before) + 2
    named = {m.split("column '")[1].split("'")[0] for m in err.splitlines() if f"studies.csv:{line}: column" in m}
    assert named == set(TODO_COLUMNS)
    assert "to do: fill in from the publication" in err and "to do: choose one or more terms" in err
    # The BibTeX record: registry fields only, escaped, and the whole file still parses.
    bib = (repo / "book" / "references.bib").read_text(encoding="utf-8")
    database = parse_string(bib, "bibtex")
    entry = database.entries["mullerlotsch2026"]
    assert entry.type == "article"
    assert entry.fields["doi"] == "10.5555/add.1" and entry.fields["year"] == "2026"
    assert entry.fields["journal"] == r"Journal of \textbraceleft{}Clinical\textbraceright{} AI"
    assert [str(p) for p in entry.persons["author"]] == ["{Müller-Løtsch}, Anna", "{Doe}, John"]
    assert "mullerlotsch2026" in out and "TODO" in out


def test_a_second_study_of_the_same_author_and_year_gets_b(repo, replay):
    existing = load_studies(Repository(repo).studies).iloc[0]
    replay.crossref["10.5555/same.author"] = Paper(
        "Another study", int(existing["year"]), "10.5555/same.author", authors=((existing["first_author"], "A"),)
    )
    assert run("add", "10.5555/same.author", "--root", str(repo), "--date", TODAY)[0] == 0
    assert rows(repo / "data" / "studies.csv")[-1]["id"] == f"{existing['id']}-b"


@pytest.mark.parametrize(
    "target, code, message",
    [
        ("10.5555/unknown", 1, "Crossref has no record of the DOI 10.5555/unknown"),
        ("not a doi", 1, "neither a DOI"),
        ("c2026-00000000", 1, "is not a candidate"),
    ],
)
def test_nothing_is_written_when_there_is_nothing_to_add(repo, replay, target, code, message):
    before = snapshot(repo)
    result = run("add", target, "--root", str(repo), "--date", TODAY)
    assert result[0] == code and message in result[2]
    assert len(result[2].strip().splitlines()) == 1
    assert snapshot(repo) == before


def test_a_doi_already_in_the_table_is_refused(repo, replay):
    study = next(r for r in load_studies(Repository(repo).studies).to_dict("records") if r["doi"])
    before = snapshot(repo)
    code, _out, err = run("add", study["doi"].upper(), "--root", str(repo), "--date", TODAY)
    assert code == 1 and f"already in the study table, as {study['id']}" in err
    assert snapshot(repo) == before
    assert not replay.requests  # refused before asking Crossref


def test_a_crossref_failure_writes_nothing(repo, replay):
    replay.crossref["10.5555/busy"] = Paper("Busy", 2026, "10.5555/busy")
    replay.failures = {"/crossref": [503] * 10}
    before = snapshot(repo)
    code, _out, err = run("add", "10.5555/busy", "--root", str(repo), "--date", TODAY)
    assert code == 2 and "Crossref" in err and "HTTP 503" in err
    assert snapshot(repo) == before


def test_a_retried_crossref_answer_is_used(repo, replay):
    replay.crossref["10.5555/late"] = Paper("A late answer", 2026, "10.5555/late")
    replay.failures = {"/crossref": [429, 502]}
    assert run("add", "10.5555/late", "--root", str(repo), "--date", TODAY)[0] == 0


def test_add_a_candidate_records_the_inclusion(repo, replay, monkeypatch):
    replay.pubmed = [Paper("Generative models in the emergency department", 2026, "10.5555/cand.1", "39000100")]
    assert run("search", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    (candidate,) = rows(repo / "data" / "candidates.csv")
    replay.crossref["10.5555/cand.1"] = Paper("Generative models in the emergency department", 2026, "10.5555/cand.1")
    code, _out, err = run(
        "add", candidate["candidate_id"], "--root", str(repo), "--date", TODAY, "--screener", "octocat"
    )
    assert code == 0, err
    (decision,) = rows(repo / "data" / "screening.csv")
    study = rows(repo / "data" / "studies.csv")[-1]
    assert decision == {
        "candidate_id": candidate["candidate_id"],
        "decision": "include",
        "reason": "",
        "note": "",
        "screener": "octocat",
        "screened": TODAY,
        "study_id": study["id"],
        "final": "",
    }
    # Adding it twice is refused.
    code, _out, err = run("add", candidate["candidate_id"], "--root", str(repo), "--date", TODAY)
    assert code == 1 and "already added" in err


def test_hostile_crossref_records_become_plain_text(repo, replay):
    paper = Paper(
        '=HYPERLINK("x") <script>alert(1)</script><jats:italic>T</jats:italic> {\\input{/etc/passwd}} $x$ %',
        2026,
        "10.5555/hostile",
        authors=(("<img src=x onerror=alert(1)>Evil", "}"),),
        venue="\u202eJournal\x00 of &lt;b&gt;things&lt;/b&gt;",
    )
    replay.crossref["10.5555/hostile"] = paper
    assert run("add", "10.5555/hostile", "--root", str(repo), "--date", TODAY)[0] == 0
    row = rows(repo / "data" / "studies.csv")[-1]
    for column in ("title", "first_author", "venue"):
        assert "<" not in row[column] and "\x00" not in row[column] and "\u202e" not in row[column], row[column]
    assert row["first_author"] == "Evil" and row["id"] == "evil-2026"
    assert row["venue"] == "Journal of things"
    bib = (repo / "book" / "references.bib").read_text(encoding="utf-8")
    entry = parse_string(bib, "bibtex").entries["evil2026"]
    assert r"\input" not in entry.fields["title"] and r"\textbackslash{}input" in entry.fields["title"]
    assert r"\$x\$" in entry.fields["title"] and r"\%" in entry.fields["title"]
