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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug import Response

from livingreview.data.paths import Repository
from livingreview.data.studies import load_studies
from livingreview.update.matching import Index, Known, normal_doi, normal_title
from livingreview.update.registry import Client, RegistryError, europepmc_search, pubmed_search
from livingreview.update.screening import load_cycle

from api_replay import (
    RECORDED,
    Paper,
    copy_repository,
    efetch_xml,
    esearch_json,
    europepmc_json,
    json_response,
    recorded,
    rows,
    run,
    snapshot,
)
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
        "new_keys": {"10.5555/new.1", "39000002", "10.5555/new.2", "10.5555/new.3"},
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
    # Each wait is said as it happens: the service, what went wrong, the attempt, the seconds.
    assert "PubMed: localhost:" in err
    assert "answered HTTP 503 (the service is unavailable for now): busy; attempt 1 of 5 failed, trying again in" in err
    assert "answered HTTP 429 (too many requests: the service asks us to slow down): busy; attempt 2 of 5" in err
    assert "OpenAlex: localhost:" in err and "HTTP 502" in err


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
    # Markup gone (an element's text stays as text, a script's is dropped as no reader sees it),
    # the escaped tag removed, the override dropped, a subscript digit kept as one.
    assert first["title"] == "Deep H₂O &"
    assert len(first["abstract"]) <= 6000
    assert candidates[1]["title"].startswith("'=HYPERLINK") and candidates[1]["authors"].startswith("'=cmd")
    assert candidates[2]["title"] == "T Safe bold title"
    assert run("validate", "--root", str(repo))[0] == 0


def test_a_service_that_does_not_answer_json_is_an_api_error(repo, replay, httpserver):
    scenario(repo, replay)
    replay.replace["/pubmed/esearch.fcgi"] = Response("<html>maintenance</html>", content_type="text/html")
    before = snapshot(repo)
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    (line,) = [line for line in err.splitlines() if line.startswith("livingreview:")]
    assert code == 2 and "answered with an HTML page, not JSON (tried 5 times)" in line
    assert line.count("HTML") == 1 and "maintenance" not in line  # said once, in the reader's terms
    assert snapshot(repo) == before


def test_an_html_error_page_is_named_not_quoted(repo, replay):
    """A 500 whose body is the server's HTML error page: the status in words, once, not the page's title."""
    scenario(repo, replay)
    page = "<html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>"
    replay.replace["/openalex/works"] = Response(page, status=500, content_type="text/html")
    before = snapshot(repo)
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    (line,) = [line for line in err.splitlines() if line.startswith("livingreview:")]
    assert code == 2 and snapshot(repo) == before
    assert "OpenAlex: localhost:" in line and "HTTP 500 (an error inside the service) with an HTML error page" in line
    assert "Internal Server Error" not in line


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


# ---- recorded answers of the real services (tests/fixtures/services) -------------------------


def pmids_of(xml_name: str) -> list[str]:
    """The PMIDs of a recorded efetch answer, as PubMed's esearch would list them."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring((RECORDED / xml_name).read_bytes())
    return [node.findtext("MedlineCitation/PMID") for node in root.iter("PubmedArticle")]


def recorded_month(replay) -> dict:
    """A month answered by recorded files: PubMed's records from Biopython's efetch XML (esearch
    listing their PMIDs), Europe PMC's PMC record and preprint, OpenAlex in its documented shape.
    Returns what the search should find."""
    pmids = pmids_of("biopython/pubmed2.xml") + pmids_of("biopython/pubmed4.xml")
    esearch = {"header": {"type": "esearch", "version": "0.3"}}
    esearch["esearchresult"] = {"count": str(len(pmids)), "retmax": str(len(pmids)), "retstart": "0", "idlist": pmids}
    replay.replace["/pubmed/esearch.fcgi"] = json_response(esearch)
    both = (RECORDED / "biopython/pubmed2.xml").read_bytes().replace(b"</PubmedArticleSet>", b"") + (
        (RECORDED / "biopython/pubmed4.xml").read_bytes().split(b"<PubmedArticleSet>", 1)[1]
    )
    replay.replace["/pubmed/efetch.fcgi"] = Response(both, content_type="text/xml")
    replay.replace["/europepmc/search"] = recorded("handwritten/europepmc-pmc-records.json")
    replay.openalex = [[Paper("Generative AI in radiology reporting: a multicentre study", 2026, "10.5555/oa.1")]]
    return {"pmids": pmids, "europepmc": 2, "openalex": 1}


def test_a_recorded_month_becomes_candidates_and_a_second_run_adds_none(repo, replay):
    expected = recorded_month(replay)
    code, out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    candidates = rows(repo / "data" / "candidates.csv")
    assert len(candidates) == len(expected["pmids"]) + expected["europepmc"] + expected["openalex"]
    by_pmid = {c["pmid"]: c for c in candidates if c["pmid"]}
    assert set(by_pmid) == set(expected["pmids"])
    # Biopython's pubmed4.xml: the PMCID beside the DOI, the structured abstract's labels.
    recorded4 = by_pmid[pmids_of("biopython/pubmed4.xml")[0]]
    assert recorded4["doi"] == "10.1136/gutjnl-2016-312510" and recorded4["ids"] == "pmcid:PMC5442267"
    assert recorded4["abstract"].startswith("OBJECTIVE: Telomere shortening")
    # The PMC record without DOI, PMID or pubYear: its PMCID, the year of firstPublicationDate,
    # the abstract's headings kept apart, MathML readable, the names as they are.
    pmc = next(c for c in candidates if "PMC11900001" in c["ids"])
    assert (pmc["doi"], pmc["pmid"], pmc["year"]) == ("", "", "2026")
    assert pmc["abstract"].startswith("Objective: This trial tests synthetic images. Methods: A model with R² of 0.9")
    assert pmc["authors"] == "Ødegård-Łukasiewicz A; Núñez B"
    preprint = next(c for c in candidates if "PPR900002" in c["ids"])
    assert preprint["ids"] == "europepmc:PPR/PPR900002" and preprint["venue"] == "medRxiv"
    assert run("validate", "--root", str(repo))[0] == 0
    # Progress: a line per page of results and per efetch batch, as they come.
    assert f"PubMed: {len(expected['pmids'])} of {len(expected['pmids'])} records fetched (batch 1 of 1)" in err
    assert "Europe PMC: page 1: 2 of 2 records" in err and "OpenAlex: page 1: 1 of 1 records" in err

    # The same window again (the same day): every record is recognised, none is added.
    before = snapshot(repo / "data")
    code, out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    assert rows(repo / "data" / "candidates.csv") == candidates
    second = [r for r in rows(repo / "data" / "search-runs.csv")][-3:]
    assert sum(int(r["new"]) for r in second) == 0
    assert sum(int(r["in_candidates"]) for r in second) == len(candidates)
    assert "0 new candidates" in out
    after = snapshot(repo / "data")
    assert after["candidates.csv"] == before["candidates.csv"] and after["screening.csv"] == before["screening.csv"]


def test_records_that_come_back_with_other_identifiers_are_recognised(repo, replay):
    """A Europe PMC record first seen with its PMCID only comes back from OpenAlex with a DOI and
    the PMCID, and from Europe PMC with a changed title year: no second candidate."""
    replay.replace["/europepmc/search"] = recorded("handwritten/europepmc-pmc-records.json")
    assert run("search", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    first = rows(repo / "data" / "candidates.csv")
    pmc_title = next(c["title"] for c in first if "PMC11900001" in c["ids"])
    replay.openalex = [
        [
            Paper(
                "A different title for the same work",
                2026,
                "10.5555/now.with.doi",
                extra={"ids": {"pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC11900001"}},
            )
        ],
        [Paper(pmc_title, 2025, "")],  # the same title, a year apart, no identifier in common
    ]
    code, out, err = run("search", "--root", str(repo), "--date", "2026-12-28")
    assert code == 0, err
    assert rows(repo / "data" / "candidates.csv") == first
    assert "0 new candidates" in out and "by PMCID" in " ".join(out.split())


@pytest.mark.parametrize(
    "path, answer, says",
    [
        (
            "/europepmc/search",
            lambda: recorded("handwritten/europepmc-short-answer.json"),
            'Europe PMC: localhost:{port} answered without hitCount and resultList (the answer was only {{"version": "6.9"}}) (tried 5 times)',
        ),
        (
            "/openalex/works",
            lambda: recorded("handwritten/openalex-no-meta.json"),
            "OpenAlex: localhost:{port} answered without meta (the answer was only",
        ),
        (
            "/pubmed/esearch.fcgi",
            lambda: recorded("handwritten/ncbi-esearch-raw-newline-error.json"),
            "PubMed: localhost:{port} answered with NCBI's error: Search Backend failed: Couldn't resolve #exLinkSrv2, the address table is empty. (tried 5 times)",
        ),
    ],
    ids=["europepmc-short-answer", "openalex-without-meta", "ncbi-raw-newline-error"],
)
def test_an_answer_without_the_fields_a_page_must_have_is_an_error(repo, replay, httpserver, path, answer, says):
    """Never 'zero results': retried, then one line, exit 2, no file changed, last_run where it was."""
    scenario(repo, replay)
    replay.replace[path] = answer()
    before = snapshot(repo)
    code, out, err = run("search", "--root", str(repo), "--date", TODAY)
    lines = [line for line in err.splitlines() if line.startswith("livingreview:")]
    assert code == 2 and len(lines) == 1 and out == ""
    assert lines[0].startswith("livingreview: search stopped, nothing was written: ")
    assert says.format(port=httpserver.port) in lines[0]
    assert snapshot(repo) == before
    assert "last_run: null" in (repo / "data" / "search.yml").read_text(encoding="utf-8")
    assert err.count("trying again") == 4  # each retry said as it happened


def test_a_short_answer_that_passes_is_retried_not_taken_as_zero(repo, replay):
    expected = scenario(repo, replay)
    replay.answers["/europepmc/search"] = [recorded("handwritten/europepmc-short-answer.json")]
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    assert "answered without hitCount and resultList" in err and "attempt 1 of 5 failed" in err
    assert len(rows(repo / "data" / "candidates.csv")) == expected["new"]
    runs = {r["service"]: r for r in rows(repo / "data" / "search-runs.csv")}
    assert int(runs["europepmc"]["identified"]) == expected["identified"]["europepmc"]


def test_an_efetch_shortfall_is_retried_then_reported_by_pmid(repo, replay):
    scenario(repo, replay)
    missing = replay.pubmed[1].pmid
    replay.efetch_drop = {missing}
    before = snapshot(repo)
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    (line,) = [line for line in err.splitlines() if line.startswith("livingreview:")]
    assert code == 2 and snapshot(repo) == before
    asked = len(replay.pubmed)
    assert f"returned {asked - 1} of the {asked} records asked for; missing: PMID {missing} (tried 5 times)" in line
    # Once only: the second try has every record, and nothing is lost.
    replay.efetch_drop = set()
    replay.answers["/pubmed/efetch.fcgi"] = [Response(efetch_xml(replay.pubmed[:1]), content_type="text/xml")]
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 0, err
    assert {c["pmid"] for c in rows(repo / "data" / "candidates.csv")} >= {p.pmid for p in replay.pubmed[:2]}


def test_fewer_records_than_a_service_stated_is_an_error(repo, replay):
    scenario(repo, replay)
    replay.europepmc_hits = sum(len(page) for page in replay.europepmc) + 1
    before = snapshot(repo)
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    (line,) = [line for line in err.splitlines() if line.startswith("livingreview:")]
    stated = replay.europepmc_hits
    assert code == 2 and snapshot(repo) == before
    assert f"Europe PMC: the service said {stated} records match, but {stated - 1} arrived (asked 5 times)" in line


def test_esearch_listing_fewer_ids_than_its_count_is_an_error(repo, replay):
    scenario(repo, replay)
    answer = esearch_json(replay.pubmed)
    answer["esearchresult"]["idlist"] = answer["esearchresult"]["idlist"][:-1]
    replay.replace["/pubmed/esearch.fcgi"] = json_response(answer)
    code, _out, err = run("search", "--root", str(repo), "--date", TODAY)
    assert code == 2
    n = len(replay.pubmed)
    assert f"said {n} records match but listed {n - 1} ids" in err


def test_every_wait_is_said_within_two_seconds(replay, httpserver):
    """A slow answer and a Retry-After are both said as they start, not when they end."""
    import threading
    import time as clock

    heard: list[tuple[float, str]] = []
    start = clock.monotonic()
    client = Client(retries=1, backoff=0, progress=lambda m: heard.append((clock.monotonic() - start, m)))
    slow = threading.Event()

    def slow_answer(request):
        slow.wait(3)
        return json_response(europepmc_json([Paper("A slow record", 2026, "10.5555/slow")]))

    httpserver.expect_request("/slow/search").respond_with_handler(slow_answer)
    records = europepmc_search(client, httpserver.url_for("/slow"), "q", "2026-01-01", "2026-02-01", 10)
    assert len(records) == 1
    waiting = [(t, m) for t, m in heard if "waiting for" in m]
    assert waiting and waiting[0][0] < 2.0, heard
    assert "Europe PMC: waiting for localhost:" in waiting[0][1] and "giving up after 30 s" in waiting[0][1]
    # A Retry-After of 3 s: the line comes before the wait, naming the seconds.
    heard.clear()
    replay.failures = {"/pubmed/esearch.fcgi": [429]}
    replay.pubmed = [Paper("A paper", 2026, "", "1")]
    client.sleep = lambda seconds: heard.append((clock.monotonic() - start, f"slept {seconds:g}"))
    pubmed_search(client, httpserver.url_for("/pubmed"), "q", "2026-01-01", "2026-02-01", 10)
    said = next(i for i, (_t, m) in enumerate(heard) if "HTTP 429" in m)
    assert heard[said + 1][1] == "slept 0" and "attempt 1 of 2 failed, trying again in 0 s" in heard[said][1]


def test_retry_after_in_seconds_and_as_a_date():
    import datetime as dt
    from email.utils import format_datetime

    from livingreview.update.registry import retry_after_seconds

    assert retry_after_seconds("7") == 7.0 and retry_after_seconds("") is None and retry_after_seconds("soon") is None
    later = format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 31


@pytest.mark.slow
def test_a_person_sees_each_wait_of_the_real_command_as_it_happens(tmp_path, httpserver):
    """The real process against a service that makes it wait: the wait's line reaches the terminal
    (standard error, unbuffered) within 2 s of the request, before the answer comes."""
    import os
    import threading
    import time as clock

    repo = copy_repository(tmp_path / "repo")
    release = threading.Event()

    def held(request):
        release.wait(4)
        return json_response({"header": {}, "esearchresult": {"count": "0", "retmax": "0", "idlist": []}})

    httpserver.expect_request("/pubmed/esearch.fcgi").respond_with_handler(held)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVINGREVIEW_")}
    env.update(
        {
            f"LIVINGREVIEW_{s.upper()}_URL": httpserver.url_for(f"/{s}")
            for s in ("pubmed", "europepmc", "openalex", "crossref")
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "livingreview", "search", "--root", str(repo), "--date", TODAY],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        while not httpserver.log:  # the request has reached the service
            clock.sleep(0.05)
        asked = clock.monotonic()
        line = process.stderr.readline()
        heard = clock.monotonic() - asked
    finally:
        release.set()
        process.kill()
        process.wait(timeout=30)
    assert line.startswith("PubMed: waiting for 127.0.0.1:") or line.startswith("PubMed: waiting for localhost:"), line
    assert heard < 2.0, heard


# ---- a run either keeps every record or writes nothing -----------------------------------


FAULTS = ("503", "short", "html")


def fault_response(kind: str, path: str) -> Response:
    if kind == "503":
        return Response('{"error": "busy"}', status=503, content_type="application/json")
    if kind == "html":
        return Response("<html><title>Maintenance</title></html>", content_type="text/html")
    if kind == "short":
        return {
            "/europepmc/search": recorded("handwritten/europepmc-short-answer.json"),
            "/openalex/works": recorded("handwritten/openalex-no-meta.json"),
            "/pubmed/esearch.fcgi": recorded("handwritten/ncbi-esearch-raw-newline-error.json"),
        }.get(path, Response("", content_type="text/xml"))
    raise AssertionError(kind)


PATHS = ("/pubmed/esearch.fcgi", "/pubmed/efetch.fcgi", "/europepmc/search", "/openalex/works")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.dictionaries(
        st.sampled_from(PATHS), st.lists(st.sampled_from(FAULTS), max_size=6), min_size=0, max_size=len(PATHS)
    ),
    shortfall=st.booleans(),
)
def test_any_interleaving_of_failures_keeps_every_record_once_or_writes_nothing(
    tmp_path_factory, replay, plan, shortfall
):
    """Whatever fails in a run, and however often: either every record of the window is in
    candidates.csv exactly once (each new publication once, nothing of the table or cited.csv),
    or the run wrote nothing and last_run did not move."""
    repo = copy_repository(tmp_path_factory.mktemp("run") / "repo")
    replay.requests.clear()
    replay.replace.clear()
    expected = scenario(repo, replay)
    replay.answers = {path: [fault_response(kind, path) for kind in kinds] for path, kinds in plan.items()}
    if shortfall:  # the first efetch leaves a record out
        replay.answers.setdefault("/pubmed/efetch.fcgi", []).insert(
            0, Response(efetch_xml(replay.pubmed[:-1]), content_type="text/xml")
        )
    before = snapshot(repo)
    code, out, err = run("search", "--root", str(repo), "--date", TODAY, "--quiet")
    if code == 0:
        candidates = rows(repo / "data" / "candidates.csv")
        keys = [c["doi"] or c["pmid"] for c in candidates]
        assert len(keys) == len(set(keys)) == expected["new"], candidates
        assert set(keys) == expected["new_keys"]
        assert "last_run: 2026-11-28" in (repo / "data" / "search.yml").read_text(encoding="utf-8")
    else:
        assert code == 2 and snapshot(repo) == before, err
        assert len([line for line in err.splitlines() if line.startswith("livingreview:")]) == 1
    # A run that failed is told by too many failures at one request: more than the retries.
    too_many = any(len(kinds) + (shortfall and path == "/pubmed/efetch.fcgi") > 4 for path, kinds in plan.items())
    assert (code == 2) == too_many, (plan, shortfall, err)
