"""`python -m livingreview add DOI|CANDIDATE-ID` against a local Crossref replay: a pre-filled row
whose to-do cells the validator names, and a BibTeX record that parses; nothing written when
anything is wrong."""

from __future__ import annotations

import pytest
from pybtex.database import parse_string
from werkzeug import Response

from livingreview.data.paths import Repository
from livingreview.data.studies import TABLE1_COLUMNS, load_studies
from livingreview.data.validation import TODO, is_to_do, suggested_terms
from livingreview.data.vocabulary import LIST_COLUMNS
from livingreview.update.prefill import TODO_COLUMNS, slug

from api_replay import Paper, cassette, rows, run, snapshot

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
    assert all(row[c] == TODO for c in TABLE1_COLUMNS)
    # The coded columns are suggestions, marked: the title names the model family and modality.
    assert all(is_to_do(row[c]) for c in LIST_COLUMNS)
    assert suggested_terms(row["model_family"]) == "diffusion"
    assert "histopathology" in suggested_terms(row["modality"]).split(";")
    assert "  suggested: " in out and "model_family diffusion" in out
    # The validator names every to-do cell, suggestions included, on the new row's line, by column.
    code, _out, err = run("validate", "--root", str(repo))
    assert code == 1
    line = len(before) + 2
    named = {m.split("column '")[1].split("'")[0] for m in err.splitlines() if f"studies.csv:{line}: column" in m}
    assert named == set(TODO_COLUMNS)
    assert "to do: fill in from the publication" in err
    assert "to do: 'diffusion' only suggested" in err and "python -m livingreview code muller-lotsch-2026" in err
    # The BibTeX record: registry fields only, escaped, and the whole file still parses.
    bib = (repo / "book" / "references.bib").read_text(encoding="utf-8")
    database = parse_string(bib, "bibtex")
    entry = database.entries["mullerlotsch2026"]
    assert entry.type == "article"
    assert entry.fields["doi"] == "10.5555/add.1" and entry.fields["year"] == "2026"
    assert entry.fields["journal"] == r"Journal of \textbraceleft{}Clinical\textbraceright{} AI"
    assert [str(p) for p in entry.persons["author"]] == ["{Müller-Løtsch}, Anna", "{Doe}, John"]
    assert "mullerlotsch2026" in out and "next: python -m livingreview code muller-lotsch-2026" in out


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
    lines = [line for line in err.splitlines() if line.startswith("livingreview:")]
    assert code == 2 and len(lines) == 1 and "Crossref" in lines[0] and "HTTP 503" in lines[0]
    assert err.count("trying again") == 4  # every wait said as it happened
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


# ---- requests as themselves, recorded Crossref answers, what the maintainer is told ----------


@pytest.mark.parametrize(
    "doi",
    [
        "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0",  # an old Wiley SICI DOI
        "10.5555/fragment#part?query=1&x=y",
        "10.5555/angle<brackets>and;semicolon",
    ],
    ids=["sici", "hash-and-question-mark", "angle-brackets"],
)
def test_a_doi_is_asked_for_as_itself(repo, replay, doi):
    """'#' would end the URL's path and '?' start a query: Crossref must be asked for this DOI,
    not a shorter one; the request's path, decoded, is the DOI whole."""
    replay.crossref[doi.lower()] = Paper("A work with an awkward DOI", 1998, doi.lower())
    code, out, err = run("add", doi, "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    (request,) = [r for r in replay.requests if r.path.startswith("/crossref/")]
    assert request.path == "/crossref/works/" + doi.lower()
    assert dict(request.args) == {"mailto": "maintainer@example.org"}  # nothing of the DOI became a query
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or ""
    assert "#" not in raw and "<" not in raw and raw.count("?") <= 1
    assert rows(repo / "data" / "studies.csv")[-1]["doi"] == doi.lower()
    parse_string((repo / "book" / "references.bib").read_text(encoding="utf-8"), "bibtex")


def test_a_recorded_crossref_work_becomes_a_row(repo, replay):
    replay.recorded_crossref = cassette("habanero/test_works_with_one_id.yaml")
    (doi,) = replay.recorded_crossref
    code, out, err = run("add", doi, "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    row = rows(repo / "data" / "studies.csv")[-1]
    message = __import__("json").loads(replay.recorded_crossref[doi].get_data())["message"]
    assert row["doi"] == doi and row["year"] == str(message["issued"]["date-parts"][0][0])
    assert row["title"] == " ".join(message["title"][0].split())
    first = next(a for a in message["author"] if a.get("sequence") == "first")
    assert row["first_author"] == first["family"] and row["id"] == f"{slug(first['family'])}-{row['year']}"
    entry = parse_string((repo / "book" / "references.bib").read_text(encoding="utf-8"), "bibtex").entries[
        row["id"].replace("-", "")
    ]
    assert entry.fields["doi"] == doi and "check:" not in out


def test_a_record_without_a_publication_date_leaves_the_year_to_do(repo, replay):
    """Crossref's `issued` is [[null]] and only `created` (the deposit) has a year: no year is
    guessed; the maintainer is told to fill it in."""
    replay.recorded_crossref = cassette("habanero/test_works_with_many_ids.yaml")
    doi = "10.1109/icdcsw.2003.1203662"
    code, out, err = run("add", doi, "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    row = rows(repo / "data" / "studies.csv")[-1]
    assert row["year"] == TODO and row["id"].endswith("-nd")
    assert "check: Crossref's record gives no publication date: fill in the year" in out


def test_an_unknown_doi_says_what_to_try_next(repo, replay):
    replay.recorded_crossref = cassette("habanero/test_works_bad_id_warn.yaml")
    before = snapshot(repo)
    code, _out, err = run("add", "10.1371/notarealdoi", "--root", str(repo), "--date", TODAY)
    assert code == 1 and snapshot(repo) == before
    (line,) = err.splitlines()
    assert "Crossref has no record of the DOI 10.1371/notarealdoi (HTTP 404)" in line
    assert "check it at https://doi.org/10.1371/notarealdoi" in line and "add that study's row by hand" in line


def test_an_alias_doi_is_added_under_crossref_s_doi_with_a_warning(repo, replay):
    """Crossref answers for an alias with the record of the DOI it is filed under."""
    recorded_work = cassette("habanero/test_works_with_one_id.yaml")
    (primary,) = recorded_work
    replay.recorded_crossref = {"10.5555/an.alias": recorded_work[primary]}
    code, out, err = run("add", "10.5555/an.alias", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    assert rows(repo / "data" / "studies.csv")[-1]["doi"] == primary
    assert f"check: Crossref answered for 10.5555/an.alias with the record of {primary} (an alias" in out
    # The primary DOI is now a study: the alias is refused, naming it.
    before = snapshot(repo)
    replay.recorded_crossref = {"10.5555/another.alias": recorded_work[primary]}
    code, _out, err = run("add", "10.5555/another.alias", "--root", str(repo), "--date", TODAY)
    assert code == 1 and f"is {primary} (an alias), already in the study table" in err
    assert snapshot(repo) == before


def test_a_candidate_whose_crossref_title_differs_is_added_with_a_warning(repo, replay):
    replay.pubmed = [Paper("Generative models in the emergency department", 2026, "10.5555/cand.2", "39000200")]
    assert run("search", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    (candidate,) = rows(repo / "data" / "candidates.csv")
    replay.crossref["10.5555/cand.2"] = Paper("Protein folding in yeast under heat stress", 2026, "10.5555/cand.2")
    code, out, err = run("add", candidate["candidate_id"], "--root", str(repo), "--date", TODAY, "--screener", "o")
    assert code == 0, err
    assert "check: Crossref's title for 10.5555/cand.2 is “Protein folding in yeast under heat stress”" in out
    assert "the candidate's “Generative models in the emergency department”" in out


def test_ids_transliterate_every_latin_letter_and_released_ids_stay(repo, replay):
    assert slug("Ødegård-Łukasiewicz") == "odegard-lukasiewicz"
    assert [slug(n) for n in ("Straße", "Þórsdóttir", "Đorđević", "Çağlar İşık", "Ærø", "La Salvia")] == [
        "strasse",
        "thorsdottir",
        "dordevic",
        "caglar-isik",
        "aero",
        "la-salvia",
    ]
    replay.crossref["10.5555/odegard"] = Paper(
        "Synthetic cardiac MRI", 2026, "10.5555/odegard", authors=(("Ødegård-Łukasiewicz", "Anna"),)
    )
    before = rows(repo / "data" / "studies.csv")
    assert run("add", "10.5555/odegard", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    after = rows(repo / "data" / "studies.csv")
    assert after[-1]["id"] == "odegard-lukasiewicz-2026" and after[:-1] == before  # earlier ids untouched
    # Every id already released comes from its first author by the same rule (so the rule, pinned
    # with its library, is the one the released ids were made with).
    from livingreview.update.versions import load_releases

    released = {i for r in load_releases(Repository(repo).releases) for i in r.rows}
    for row in before:
        if row["id"] in released:
            assert row["id"].startswith(slug(row["first_author"]) + "-"), row["id"]


def test_crossref_retries_honour_retry_after_and_are_said(repo, replay):
    replay.crossref["10.5555/patient"] = Paper("A patient answer", 2026, "10.5555/patient")
    replay.answers["/crossref"] = [
        Response(
            '{"status":"error","message":"Too many requests"}',
            status=429,
            headers={"Retry-After": "1"},
            content_type="application/json",
        ),
        Response("<html><body>Gateway</body></html>", status=502, content_type="text/html"),
    ]
    code, out, err = run("add", "10.5555/patient", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    lines = err.splitlines()
    assert (
        "Crossref: localhost:" in lines[0]
        and "HTTP 429 (too many requests: the service asks us to slow down); attempt 1 of 5 failed, trying again in 1 s"
        in lines[0]
    )
    assert "HTTP 502 (the service's gateway had no answer from it) with an HTML error page; attempt 2 of 5" in lines[1]
