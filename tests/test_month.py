"""A month of the living review as a maintainer does it, with no file edited by hand: a Scopus RIS
export and a PubMed MEDLINE export imported, the saved search run against the services replayed on
a local server (tests/api_replay.py), every candidate screened with keys sent to the real
`screen` command in a terminal (pexpect), and the month released. The update's flow counts every
record once, per database: what each service and each export brought, less the duplicates, is
what was screened.
"""

from __future__ import annotations

import os
import re
import sys

import pexpect
import pytest

from livingreview.data.paths import Repository
from livingreview.update.imports import read_export
from livingreview.update.versions import load_releases

from api_replay import Paper, rows, run
from conftest import ROOT

EXPORTS = ROOT / "tests" / "fixtures" / "exports"
RIS = EXPORTS / "asreview-scopus.ris"
MEDLINE = EXPORTS / "biopython-pubmed_result2.nbib"
DAY = "2026-12-20"


def screen_everything(repo) -> dict[str, str]:
    """Every candidate decided by keys in a terminal: the first two ranked included, the third
    marked maybe, the rest excluded with search.yml's first reason. Returns id -> decision."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "livingreview", "screen", "--root", str(repo), "--date", DAY, "--screener", "maintainer"],
        dimensions=(40, 80),
        encoding="utf-8",
        timeout=120,
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},  # pexpect answers no cursor-position request
    )
    decided = {}
    while True:
        if child.expect([r"(c(?:\d{4}|nd)-[0-9a-f]{8}) · ", "nothing left to screen"]) == 1:
            break
        cid = child.match.group(1)
        child.expect(r"\[q\]uit")
        if len(decided) < 2:
            child.send("i")
            decided[cid] = "include"
        elif len(decided) == 2:
            child.send("m")
            decided[cid] = "maybe"
        else:
            child.send("e")
            child.expect("reason")
            child.send("1")
            decided[cid] = "exclude"
        child.expect("saved: " + cid)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return decided


@pytest.mark.slow
def test_a_month_imported_searched_and_screened_counts_every_record_once(repo, replay):
    scopus, medline = read_export(RIS), read_export(MEDLINE)
    # PubMed's search finds two of the MEDLINE export's records again (same PMIDs) and one new one;
    # Europe PMC one of the Scopus export's (same DOI) and one new one; OpenAlex one new one.
    replay.pubmed = [Paper(r.title, r.year, r.doi, r.pmid) for r in medline.records[:2]] + [
        Paper(
            "Generative adversarial networks for synthetic chest radiographs in clinical practice",
            2026,
            "10.5555/m.1",
            "39100001",
        )
    ]
    again = scopus.records[1]
    replay.europepmc = [
        [
            Paper(again.title, again.year, again.doi.upper()),
            Paper("Large language models draft discharge letters in healthcare", 2026, "10.5555/m.2"),
        ]
    ]
    replay.openalex = [
        [Paper("Diffusion models for synthetic dermoscopy images in clinical practice", 2026, "10.5555/m.3")]
    ]

    code, out, err = run("import", str(RIS), str(MEDLINE), "--root", str(repo), "--date", DAY)
    assert code == 0, err
    code, out, err = run("search", "--root", str(repo), "--date", DAY, "--quiet")
    assert code == 0, err
    runs = {r["service"]: r for r in rows(repo / "data" / "search-runs.csv")}
    assert (int(runs["pubmed"]["in_candidates"]), int(runs["europepmc"]["in_candidates"])) == (2, 1)

    candidates = rows(repo / "data" / "candidates.csv")
    expected_new = len(scopus.records) + len(medline.records) + 3
    assert len(candidates) == expected_new
    decided = screen_everything(repo)
    assert set(decided) == {c["candidate_id"] for c in candidates}
    lines = rows(repo / "data" / "screening.csv")
    assert {(r["candidate_id"], r["decision"]) for r in lines} == set(decided.items())
    assert {r["screener"] for r in lines} == {"maintainer"} and {r["screened"] for r in lines} == {DAY}
    assert run("validate", "--root", str(repo), "--date", DAY)[0] == 0

    code, out, err = run("release", "--root", str(repo), "--date", "2026-12-28")
    assert code == 0, err
    flow = load_releases(Repository(repo).releases)[-1].flow
    per_database = dict(
        (name.strip(), int(n))
        for name, n in (part.rsplit(",", 1) for part in flow["database_specific_results"].split(";"))
    )
    assert per_database == {
        "PubMed": 3,
        "Europe PMC": 2,
        "OpenAlex": 1,
        "Scopus (export)": len(scopus.records),
        "PubMed (export)": len(medline.records),
    }
    # Every record once: identified = duplicates removed + screened, and screened = candidates.
    assert flow["database_results"] == sum(per_database.values())
    assert flow["duplicates"] == 3
    assert flow["database_results"] - flow["duplicates"] == flow["records_screened"] == expected_new
    assert flow["records_not_screened"] == 0 and flow["records_awaiting"] == 1
    assert flow["records_excluded"] == expected_new - 3
    # The release notes' sentence names every database with its count.
    from livingreview.update.release import flow_sentence
    from livingreview.update.selection import UpdateFlow

    sentence = flow_sentence(UpdateFlow.from_record(flow, version="x", previous_version="y"))
    for name, n in per_database.items():
        assert re.search(rf"{re.escape(name)} {n}\b", sentence), name
