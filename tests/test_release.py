"""A whole monthly cycle on a copy of the repository: search (local replay), screen, add, fill in,
release; the version's record, CITATION.cff, the update's PRISMA flow and the pages that show
them, every number derived from what the test did."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import yaml

from livingreview.data.paths import Repository
from livingreview.data.studies import load_studies
from livingreview.data.validation import is_to_do
from livingreview.update.protocol import load_protocol
from livingreview.update.release import release_notes_html, this_version_html, versions_table_html
from livingreview.update.screening import load_cycle
from livingreview.update.selection import EXTRA_FIELDS, PRISMA_FIELDS, UpdateFlow, prisma_csv, update_flow
from livingreview.update.versions import load_citation, load_releases, next_version, row_digest

from api_replay import Paper, rows, run, snapshot

SVG = "{http://www.w3.org/2000/svg}"


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def fill_in(repo):
    """What the maintainer writes from the publication into every to-do cell (a suggested code too)."""
    path = repo / "data" / "studies.csv"
    table = rows(path)
    for row in table:
        for column, value in row.items():
            if is_to_do(value):
                row[column] = {
                    "domain": "radiology",
                    "modality": "2d-image",
                    "model_family": "diffusion",
                    "contribution": "data-augmentation",
                    "limitation_themes": "",
                }.get(column, "Written by the maintainer from the publication.")
    write(path, table)


def month(repo, replay, date):
    """One month: a search returning five records (one a duplicate of a table row), two excluded
    for different reasons, one maybe, one included and added; returns what was decided."""
    table = load_studies(Repository(repo).studies)
    known = table[table["doi"] != ""].iloc[0]
    tag = date.replace("-", "")
    replay.pubmed = [
        Paper(
            f"Paper {i} of {date} on generative models in clinical care", 2026, f"10.5555/{tag}.{i}", f"4{tag[2:]}{i}"
        )
        for i in range(4)
    ]
    replay.europepmc = [[Paper("Duplicate of the table", int(known["year"]), known["doi"])]]
    replay.openalex = [[]]
    assert run("search", "--root", str(repo), "--date", date, "--quiet")[0] == 0
    fresh = [c for c in rows(repo / "data" / "candidates.csv") if c["found"] == date]
    decisions = rows(repo / "data" / "screening.csv")
    plan = [("exclude", "not-clinical", ""), ("exclude", "other", "A protocol without results"), ("maybe", "", "")]
    for candidate, (decision, reason, note) in zip(fresh, plan):
        decisions.append(
            {
                "candidate_id": candidate["candidate_id"],
                "decision": decision,
                "reason": reason,
                "note": note,
                "screener": "octocat",
                "screened": date,
                "study_id": "",
                "final": "",
            }
        )
    write(repo / "data" / "screening.csv", decisions)
    included = fresh[3]
    replay.crossref[included["doi"]] = Paper(included["title"], 2026, included["doi"], authors=(("Newauthor", "N"),))
    assert run("add", included["candidate_id"], "--root", str(repo), "--date", date, "--screener", "octocat")[0] == 0
    fill_in(repo)
    return {"identified": 5, "duplicates": 1, "screened": 4, "excluded": 2, "awaiting": 1, "new": 1}


def unreleased(repo, release) -> tuple[set[str], set[str]]:
    """(added, corrected): the rows of the table that differ from `release`. A contributor's pull
    request has some, so a test expects them besides its own change, whatever they are."""
    table = load_studies(Repository(repo).studies).to_dict("records")
    digests = {row["id"]: row_digest(row) for row in table}
    added = {i for i in digests if i not in release.rows}
    return added, {i for i in digests if i in release.rows and release.rows[i] != digests[i]}


def test_a_monthly_cycle_ends_in_a_release(repo, replay):
    releases_before = load_releases(Repository(repo).releases)
    previous = releases_before[-1]
    added_before, corrected_before = unreleased(repo, previous)
    ids_before = set(load_studies(Repository(repo).studies)["id"])
    studies_before = len(ids_before)
    # A row taken out since the last version (a correction) is released as removed.
    taken_out = [i for i in previous.rows if i not in ids_before]
    expected = month(repo, replay, "2026-12-20")
    assert run("validate", "--root", str(repo), "--date", "2026-12-28")[0] == 0

    code, out, err = run("release", "--root", str(repo), "--date", "2026-12-28", "--notes", "December's update.")
    assert code == 0, err
    assert "released version 2026.12" in out
    releases = load_releases(Repository(repo).releases)
    assert [r.version for r in releases] == [*(r.version for r in releases_before), "2026.12"]
    release = releases[-1]
    assert release.studies == studies_before + expected["new"]
    new = set(release.added) - added_before
    assert len(new) == expected["new"] and all(i.startswith("newauthor-2026") for i in new)
    assert set(release.added) == added_before | new
    assert set(release.corrected) == corrected_before and list(release.removed) == taken_out
    cff = load_citation(repo / "CITATION.cff")
    assert (cff["version"], cff["date-released"]) == ("2026.12", "2026-12-28")
    # Everything else in CITATION.cff is as it was, comments included.
    assert "do not edit them by hand" in (repo / "CITATION.cff").read_text(encoding="utf-8")

    # The update's flow, in the PRISMA2020 tool's field names where they fit.
    flow = release.flow
    assert flow["previous_studies"] == previous.studies
    assert flow["database_results"] == expected["identified"]
    assert flow["database_specific_results"] == "PubMed, 4; Europe PMC, 1; OpenAlex, 0"
    assert flow["duplicates"] == expected["duplicates"]
    assert flow["records_screened"] == expected["screened"]
    assert flow["records_excluded"] == expected["excluded"]
    assert flow["records_excluded_reasons"] == "Not clinical, 1; Other, 1"
    assert flow["records_awaiting"] == expected["awaiting"] and flow["records_not_screened"] == 0
    assert flow["new_studies"] == len(release.added) and flow["new_studies_from_search"] == expected["new"]
    assert flow["total_studies"] == previous.studies + len(release.added) - len(taken_out)
    assert flow["search_dates"] == "2026-12-20"
    assert list(flow) == [*PRISMA_FIELDS, *EXTRA_FIELDS]
    assert 'database_specific_results,"Records identified, per service' in out  # the CSV, printed

    # The pages: release notes, versions table, the landing page's block; all from the data.
    studies = load_studies(Repository(repo).studies)
    notes = release_notes_html(releases, studies).markup
    assert 'id="version-2026-12"' in notes and "Newauthor et al. (2026)" in notes
    assert (
        f"{release.studies} studies in this version; since version {previous.version}: "
        f"{len(release.added)} added, {len(release.corrected)} corrected, {len(taken_out)} removed" in notes
    )
    assert (
        "5 records identified (PubMed 4, Europe PMC 1, OpenAlex 0), 1 duplicates removed, 4 screened, 2 excluded, 1 awaiting a decision"
        in notes
    )
    table = versions_table_html(releases).markup
    assert table.index("2026.12") < table.index(previous.version)
    block = this_version_html(releases, studies, cff).markup
    assert "Version 2026.12" in block and "(Version 2026.12) [Data set]" in block
    assert "issues/new/choose" in block and "The living-review contributors" in block


def test_the_update_flow_diagram_shows_the_numbers(repo, replay):
    month(repo, replay, "2026-12-20")
    r = Repository(repo)
    studies = load_studies(r.studies)
    cycle = load_cycle(r, today=__import__("datetime").date(2026, 12, 28))
    flow = update_flow(studies, cycle, load_releases(r.releases), load_protocol(r.search))
    assert flow.version == "" and flow.title.startswith("The update in progress")
    root = ET.fromstring(flow.svg("update-flow-test"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for stage in flow.stages():
        assert stage.count_text in texts
    boxes = {g.get("class").split()[-1].removeprefix("lr-flow-") for g in root.iter(f"{SVG}g")}
    assert boxes == {"identified", "duplicates", "screened", "excluded", "included", "awaiting", "total"}
    assert root.get("class").split() == ["lr-selection-flow", "lr-flow-wide"]
    assert all(r.get("class") == "lr-flow-box" for r in root.iter(f"{SVG}rect") if r.get("class") != "lr-flow-bg")
    # The CSV for the PRISMA2020 tool: its `data` and `n` columns, one row per field.
    rows = list(csv.DictReader(io.StringIO(prisma_csv(flow))))
    assert [row["data"] for row in rows] == [*PRISMA_FIELDS, *EXTRA_FIELDS]
    assert {row["data"]: row["n"] for row in rows}["total_studies"] == str(len(studies))
    # A record read back is the same flow.
    again = UpdateFlow.from_record(flow.record(), version="", previous_version=flow.previous_version)
    assert again == flow


def test_no_release_while_a_candidate_awaits_a_decision(repo, replay):
    replay.pubmed = [Paper("An unscreened paper on generative models in clinics", 2026, "10.5555/open.1", "49000001")]
    assert run("search", "--root", str(repo), "--date", "2026-12-20", "--quiet")[0] == 0
    before = snapshot(repo)
    code, _out, err = run("release", "--root", str(repo), "--date", "2026-12-28")
    assert code == 1 and "1 candidate of this update still awaits a decision" in err
    assert snapshot(repo) == before


def test_no_release_while_the_table_has_to_do_cells(repo, replay):
    replay.crossref["10.5555/todo"] = Paper("Unfinished", 2026, "10.5555/todo")
    assert run("add", "10.5555/todo", "--root", str(repo), "--date", "2026-12-20")[0] == 0
    before = snapshot(repo)
    code, _out, err = run("release", "--root", str(repo), "--date", "2026-12-28")
    assert code == 1 and "to do" in err
    assert snapshot(repo) == before


def test_corrections_and_a_second_release_in_a_month(repo):
    _added, corrected_before = unreleased(repo, load_releases(Repository(repo).releases)[-1])
    path = repo / "data" / "studies.csv"
    table = rows(path)
    table[0]["notes"] += " Corrected."
    write(path, table)
    assert run("release", "--root", str(repo), "--date", "2026-12-01")[0] == 0
    assert run("release", "--root", str(repo), "--date", "2026-12-02")[0] == 0
    releases = load_releases(Repository(repo).releases)
    assert [r.version for r in releases[-2:]] == ["2026.12", "2026.12.1"]
    assert set(releases[-2].corrected) == corrected_before | {table[0]["id"]} and releases[-1].corrected == ()
    assert next_version(releases, __import__("datetime").date(2026, 12, 31)) == "2026.12.2"


def test_dry_run_writes_nothing(repo):
    before = snapshot(repo)
    code, out, _err = run("release", "--root", str(repo), "--date", "2026-12-28", "--dry-run")
    assert code == 0 and "nothing written" in out
    assert snapshot(repo) == before


def test_releases_file_is_checked(repo):
    path = repo / "data" / "releases.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["releases"][0]["version"] = "2026.13"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, _out, err = run("release", "--root", str(repo), "--date", "2026-12-28")
    assert code == 1 and "is not YEAR.MONTH" in err


def test_the_shipped_versions_agree_with_the_table():
    """The current version's rows are the table's, unless changes since are the next version's:
    then the landing page says so (this_version_html)."""
    releases = load_releases()
    assert releases, "a version has been released"
    studies = load_studies()
    block = this_version_html(releases, studies).markup
    current = releases[-1]
    same = set(current.rows) == set(studies["id"])
    assert same or "Since then" in block


def test_methods_draws_the_update_in_progress_then_the_released_one(repo, replay):
    from livingreview.book.chapters import update_flows

    r = Repository(repo)
    assert "No monthly search has been run" in update_flows(repo=r).markup
    month(repo, replay, "2026-11-28")
    cycle_today = load_cycle(r)  # dated today: valid without a --date
    assert len(cycle_today.runs) == 3
    html = update_flows(repo=r).markup
    assert 'id="update-flow-current-figure"' in html and "The update in progress" in html
    assert run("release", "--root", str(repo), "--date", "2026-11-28")[0] == 0
    html = update_flows(repo=r).markup
    assert "update-flow-current" not in html and 'id="update-flow-2026-11-1-figure"' in html
    assert "Update to version 2026.11.1" in html
    wide, narrow = re.findall(r"<svg .*?</svg>", html)
    texts = [t.text for t in ET.fromstring(wide).iter(f"{SVG}text")]
    assert " ".join(texts).split() == " ".join(t.text for t in ET.fromstring(narrow).iter(f"{SVG}text")).split()
    assert "5" in texts and str(load_releases(r.releases)[-1].studies) in texts
