"""`python -m livingreview search` against a local server replaying the services' documented
responses (tests/api_replay.py): the real clients, no internet.

Every expected number is derived from the records the test serves and the table it runs on.
"""

from __future__ import annotations

import csv
import socket
import subprocess
import sys

import pytest
from werkzeug import Response

from livingreview.data.paths import Repository
from livingreview.data.studies import load_studies
from livingreview.update.matching import Index, Known, normal_doi, normal_title
from livingreview.update.registry import Client, RegistryError, pubmed_search
from livingreview.update.screening import load_cycle

from api_replay import Paper, copy_repository, rows, run, snapshot
from conftest import ROOT

TODAY = "2026-11-28"


def table_rows(repo) -> list[dict]:
    return load_studies(Repository(repo).studies).to_dict("records")


def scenario(repo, replay) -> dict:
    """Records that are new, and records that duplicate the table, the cited-only studies and
    each other, spread over the three services. Returns what the search should make of them."""
    table = table_rows(repo)
    with_doi = next(r for r in table if r["doi"])
    with_title = next(r for r in table if r["title"] and r is not with_doi)
    # A cited-only study with a DOI (in this copy), so that rule is exercised too.
    cited_path = repo / "data" / "cited.csv"
    cited = rows(cited_path)
    cited[0]["doi"] = "10.9999/cited.only.1"
    with open(cited_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(cited[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(cited)

    new_pubmed = [
        Paper(
            "Diffusion models for synthetic chest radiographs in clinical practice", 2026, "10.5555/new.1", "39000001"
        ),
        Paper("Large language models draft discharge summaries", 2026, "", "39000002"),
    ]
    table_by_doi = Paper("A study already in the table", int(with_doi["year"]), with_doi["doi"].upper(), "39000003")
    new_europepmc = Paper("Synthetic electronic health records for rare disease research", 2026, "10.5555/new.2")
    cited_by_doi = Paper("The cited-only study", 2025, "10.9999/CITED.ONLY.1")
    same_pmid = Paper("Large language models draft discharge summaries.", 2026, "", "39000002")
    new_openalex = Paper("Generative AI for dermatology images: a prospective evaluation", 2026, "10.5555/new.3")
    table_by_title = Paper(with_title["title"].upper() + ".", int(with_title["year"]), "10.5555/other.version")
    same_doi = Paper("Synthetic EHRs for rare disease research (preprint)", 2026, "10.5555/NEW.2")
    replay.pubmed = [*new_pubmed, table_by_doi]
    replay.europepmc = [[new_europepmc, cited_by_doi], [same_pmid]]  # two pages
    replay.openalex = [[new_openalex], [table_by_title, same_doi]]  # two pages
    return {
        "new": 4,
        "identified": {"pubmed": 3, "europepmc": 3, "openalex": 3},
        "dropped": {"in_table": 2, "in_cited": 1, "in_candidates": 0, "in_run": 2},
        "table_ids": (with_doi["id"], with_title["id"]),
    }


def test_search_finds_new_records_and_drops_duplicates(repo, replay):
    expected = scenario(repo, replay)
    before_studies = (repo / "data" / "studies.csv").read_bytes()
    code, out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    candidates = rows(repo / "data" / "candidates.csv")
    assert len(candidates) == expected["new"]
    assert {c["found"] for c in candidates} == {TODAY}
    titles = {normal_title(c["title"]) for c in candidates}
    assert normal_title("Large language models draft discharge summaries") in titles
    # One candidate, returned by PubMed (first) and Europe PMC (same PMID): both named as sources.
    twice = next(c for c in candidates if c["pmid"] == "39000002")
    assert twice["sources"] == "pubmed;europepmc"
    by_doi = next(c for c in candidates if c["doi"] == "10.5555/new.2")
    assert by_doi["sources"] == "europepmc;openalex"
    # Every new candidate awaits a decision: the search writes no line to screening.csv (a
    # decision is a line `screen` adds, so screeners' branches merge line by line).
    assert rows(repo / "data" / "screening.csv") == []
    assert load_cycle(Repository(repo)).pending() == [c["candidate_id"] for c in candidates]
    # One run row per service, with the counts and reasons.
    runs = {r["service"]: r for r in rows(repo / "data" / "search-runs.csv")}
    assert set(runs) == {"pubmed", "europepmc", "openalex"}
    for service, count in expected["identified"].items():
        assert int(runs[service]["identified"]) == count
    for column, count in expected["dropped"].items():
        assert sum(int(r[column]) for r in runs.values()) == count, column
    assert sum(int(r["new"]) for r in runs.values()) == expected["new"]
    assert runs["pubmed"]["since"] == "2025-06-01" and runs["pubmed"]["until"] == TODAY
    assert "last_run: 2026-11-28" in (repo / "data" / "search.yml").read_text(encoding="utf-8")
    # The summary says how many were dropped and why.
    assert f"{sum(expected['dropped'].values())} duplicates dropped" in out
    assert "already in the study table (1 by DOI and 1 by title and year)" in " ".join(out.split())
    assert "already a cited-only study (1 by DOI)" in " ".join(out.split())
    assert "found twice in this run" in out
    # The table itself is never touched by a search; every file still validates.
    assert (repo / "data" / "studies.csv").read_bytes() == before_studies
    assert run("validate", "--root", str(repo))[0] == 0


def test_a_second_run_drops_the_earlier_candidates(repo, replay):
    expected = scenario(repo, replay)
    assert run("search", "--root", str(repo), "--date", TODAY)[0] == 0
    first = rows(repo / "data" / "candidates.csv")
    code, out, err = run("search", "--root", str(repo), "--date", "2026-12-28")
    assert code == 0, err
    assert rows(repo / "data" / "candidates.csv") == first  # nothing new, nothing rewritten
    second = [r for r in rows(repo / "data" / "search-runs.csv") if r["date"] == "2026-12-28"]
    # Every record the first run made a candidate of, or found twice, is now an earlier candidate.
    assert sum(int(r["in_candidates"]) for r in second) == expected["new"] + expected["dropped"]["in_run"]
    assert sum(int(r["new"]) for r in second) == 0
    # The window reaches back over the last run by the overlap.
    assert {r["since"] for r in second} == {"2026-10-28"}
    assert "0 new candidates" in out


def test_the_services_are_asked_politely(repo, replay):
    scenario(repo, replay)
    assert run("search", "--root", str(repo), "--date", TODAY)[0] == 0
    by_path = {}
    for request in replay.requests:
        by_path.setdefault(request.path, request)
    esearch = by_path["/pubmed/esearch.fcgi"]
    assert esearch.args["tool"] == "livingreview" and esearch.args["email"] == "maintainer@example.org"
    assert esearch.args["datetype"] == "edat" and esearch.args["mindate"] == "2025/06/01"
    assert '"generative AI"[tiab]' in esearch.args["term"]
    assert by_path["/openalex/works"].args["mailto"] == "maintainer@example.org"
    assert "from_publication_date:2025-06-01" in by_path["/openalex/works"].args["filter"]
    assert "FIRST_PDATE:[2025-06-01 TO 2026-11-28]" in by_path["/europepmc/search"].args["query"]
    assert all("mailto:maintainer@example.org" in r.headers["User-Agent"] for r in replay.requests)


def test_429_and_5xx_are_retried_with_backoff(repo, replay):
    scenario(repo, replay)
    replay.failures = {"/pubmed/esearch.fcgi": [503, 429], "/openalex/works": [502]}
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    assert "HTTP 503; trying again" in err and "HTTP 429; trying again" in err and "HTTP 502" in err


def test_a_client_honours_retry_after_and_gives_up_after_its_retries(replay, httpserver):
    waits = []
    replay.pubmed = [Paper("A paper", 2026, "", "1")]
    replay.failures = {"/pubmed/esearch.fcgi": [429] * 3}
    client = Client(retries=2, backoff=0.5, sleep=waits.append)
    with pytest.raises(RegistryError, match=r"PubMed: .* answered HTTP 429"):
        pubmed_search(client, httpserver.url_for("/pubmed"), "q", "2026-01-01", "2026-02-01", 10)
    assert waits == [0.0, 0.0]  # Retry-After: 0, twice, then the third 429 is final


@pytest.mark.parametrize(
    "failure, message",
    [
        ({"/openalex/works": [500] * 10}, "OpenAlex: localhost:"),
        ({"/europepmc/search": [400]}, "Europe PMC:"),
    ],
)
def test_an_api_error_stops_the_search_and_writes_nothing(repo, replay, failure, message):
    scenario(repo, replay)
    replay.failures = failure
    before = snapshot(repo)
    code, out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("livingreview:")]
    assert len(lines) == 1 and "nothing was written" in lines[0] and message in lines[0]
    assert snapshot(repo) == before


def test_too_many_records_stop_the_search(repo, replay):
    scenario(repo, replay)
    text = (repo / "data" / "search.yml").read_text(encoding="utf-8")
    (repo / "data" / "search.yml").write_text(text.replace("max_records: 2000", "max_records: 2"), encoding="utf-8")
    before = snapshot(repo)
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 2 and "more than the limit of 2" in err
    assert snapshot(repo) == before


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("command", [["search"], ["add", "10.5555/any.doi"]], ids=["search", "add"])
def test_offline_every_network_command_fails_with_one_line_and_exit_2(tmp_path, command):
    """The real process, every service unreachable (a closed local port): one line, exit 2,
    no file changed."""
    repo = copy_repository(tmp_path / "repo")
    port = closed_port()
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("LIVINGREVIEW_")}
    env.update(
        {
            f"LIVINGREVIEW_{s.upper()}_URL": f"http://127.0.0.1:{port}/{s}"
            for s in ("pubmed", "europepmc", "openalex", "crossref")
        }
    )
    before = snapshot(repo)
    result = subprocess.run(
        [sys.executable, "-m", "livingreview", *command, "--root", str(repo)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "check the network" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(repo) == before


def test_records_arrive_as_plain_bounded_text(repo, replay):
    """What the services send is untrusted: markup, entities, control characters, payloads."""
    replay.raw_titles = True
    # In PubMed's XML the markup is elements and entities (control characters cannot occur in XML).
    hostile = "<i>Deep</i> H<sub>2</sub>O &amp; <script>alert(1)</script>\u202e &lt;img src=x onerror=alert(1)&gt;"
    replay.pubmed = [Paper(hostile, 2026, "", "39000010", abstract="x " * 5000)]
    replay.europepmc = [
        [Paper('=HYPERLINK("http://evil")', 2026, "10.5555/formula", authors=(("=cmd|' /C calc'!A0", "X"),))]
    ]
    replay.openalex = [
        [Paper("<jats:title>T</jats:title><jats:p>Safe &lt;b&gt;bold&lt;/b&gt; title</jats:p>", 2026, "10.5555/jats")]
    ]
    assert run("search", "--root", str(repo), "--date", TODAY)[0] == 0
    candidates = rows(repo / "data" / "candidates.csv")
    assert len(candidates) == 3
    for row in candidates:
        for column in ("title", "authors", "venue", "abstract"):
            cell = row[column]
            assert "<" not in cell and ">" not in cell and "&lt;" not in cell and "&amp;" not in cell, (column, cell)
            assert not any(ord(c) < 32 or c in "\u202e" for c in cell), (column, cell)
    first = candidates[0]
    # Markup gone (the element's text stays as text), the escaped tag removed, the override dropped.
    assert first["title"] == "Deep H2O & alert(1)"
    assert len(first["abstract"]) <= 6000
    assert candidates[1]["title"].startswith("'=HYPERLINK") and candidates[1]["authors"].startswith("'=cmd")
    assert candidates[2]["title"] == "T Safe bold title"
    assert run("validate", "--root", str(repo))[0] == 0


def test_a_service_that_does_not_answer_json_is_an_api_error(repo, replay, httpserver):
    scenario(repo, replay)
    replay.replace["/pubmed/esearch.fcgi"] = Response("<html>maintenance</html>", content_type="text/html")
    before = snapshot(repo)
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 2 and "did not answer with JSON" in err
    assert snapshot(repo) == before


# ---- the matching rules themselves ----------------------------------------------------------


def test_matching_rules():
    index = Index([Known("a-2024", "in_table", "10.1000/ABC", "", "Generative models for chest X-ray synthesis", 2024)])
    assert index.find(doi="https://doi.org/10.1000/abc").rule == "DOI"
    assert index.find(title="Generative Models for Chest X-Ray Synthesis.", year=2025).rule == "title and year"
    assert index.find(title="Generative models for chest X-ray synthesis", year=2021) is None
    assert index.find(title="Discriminative models for knee MRI segmentation", year=2024) is None
    assert index.find(title="Short", year=2024) is None
    index.add(Known("c", "in_candidates", "", "https://pubmed.ncbi.nlm.nih.gov/123/", "", None))
    assert index.find(pmid="123").rule == "PMID"
    index.add(Known("p1", "in_run", "", "456", "A series on generative models, part 1", 2026))
    assert index.find(pmid="457", title="A series on generative models, part 2", year=2026) is None
    assert index.find(title="A series on generative models, part 2", year=2026).rule == "title and year"
    assert normal_doi("doi: 10.1/X") == "" and normal_doi("doi:10.1234/X") == "10.1234/x"


def test_the_shipped_cycle_files_are_valid():
    cycle = load_cycle()
    # Every decision is on a candidate, and every candidate is decided or awaits a decision.
    assert {r["candidate_id"] for r in cycle.screening} <= {c["candidate_id"] for c in cycle.candidates}
    assert len(cycle.pending()) + sum(n for d, n in cycle.decisions().items() if d != "pending") == len(
        cycle.candidates
    )
