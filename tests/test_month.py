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
from pathlib import Path

import pexpect
import pytest

from livingreview.data.paths import Repository
from livingreview.update.imports import read_export
from livingreview.update.versions import load_releases

from api_replay import Paper, rows, run, snapshot
from conftest import ROOT

EXPORTS = ROOT / "tests" / "fixtures" / "exports"
RIS = EXPORTS / "asreview-scopus.ris"
MEDLINE = EXPORTS / "biopython-pubmed_result2.nbib"
DAY = "2026-12-20"


def screen_by_keys(child: pexpect.spawn, choose) -> dict[str, str]:
    """Every candidate `screen` shows decided by keys: choose(candidate id, decided so far) gives
    include, maybe or exclude (with search.yml's first reason). Returns id -> decision."""
    decided: dict[str, str] = {}
    while child.expect([r"(c(?:\d{4}|nd)-[0-9a-f]{8}) · ", "nothing left to screen"]) == 0:
        cid = child.match.group(1)
        child.expect(r"\[q\]uit")
        decided[cid] = choose(cid, decided)
        child.send(decided[cid][0])  # i, m or e
        if decided[cid] == "exclude":
            child.expect("reason")
            child.send("1")
        child.expect("saved: " + cid)
    return decided


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
    decided = screen_by_keys(
        child, lambda cid, so_far: ("include", "include", "maybe")[len(so_far)] if len(so_far) < 3 else "exclude"
    )
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


# ---- The month end to end, as the Contribute chapter's recipe says it (book/monthly-update.json) --

#: The example the Contribute chapter shows: recorded by this test (LIVINGREVIEW_RECORD_RECIPE=1),
#: checked against every run of it.
RECIPE = ROOT / "book" / "monthly-update.json"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")
#: The inclusions of the replayed month: a record with a recorded Crossref answer (found by
#: OpenAlex), a MEDLINE record without a DOI, a Scopus record whose DOI Crossref does not know.
FRET_DOI = "10.1038/srep16696"
NO_DOI_TITLE = "PDB file parser and structure class implemented in Python."
SCOPUS_DOI = "10.1136/gutjnl-2019-318308"
#: What the maintainer types into the six fields (their own words) and, once, the abstract.
SUMMARY = {
    "dataset": "Measurements the authors collected themselves",
    "method": "A laboratory or software study, described in the publication",
    "model": "None named in the abstract",
    "application": "Shown here only to exercise the monthly update",
    "purpose": "An example month for the project's tests",
    "limitations": "Not about generative AI; kept to test the tools",
}


def checkout(tmp_path) -> Path:
    """The repository as a maintainer's checkout (every file git tracks or would track, mtimes
    kept so make sees .venv up to date), its .venv this one's."""
    import shutil
    import subprocess

    target = tmp_path / "checkout"
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")  # never installed into: make runs with -o .venv/.installed
    search = target / "data" / "search.yml"  # retries made fast: the backoff is the tests' time
    search.write_text(search.read_text().replace("backoff_seconds: 2", "backoff_seconds: 0.01"), encoding="utf-8")
    return target


class Maintainer:
    """Runs the recipe's commands in the checkout as a maintainer types them, each timed."""

    def __init__(self, root: Path, day: str):
        self.root, self.day = root, day
        self.env = {**os.environ, "PYTHONPATH": str(root), "PROMPT_TOOLKIT_NO_CPR": "1", "PYTHONUNBUFFERED": "1"}
        self.env.pop("LIVINGREVIEW_DATA", None)
        self.steps: list[dict] = []

    def dated(self, args: list[str]) -> list[str]:
        return [*args, "--date", self.day] if args[:1] != ["make"] else args

    def run(self, *args: str, expect: int = 0, shown: str | None = None) -> str:
        import subprocess
        import time

        command = list(args)
        # make with this checkout's .venv taken as it is (-o): its stamp may be older than the
        # requirements (a merge touches them), and make must not reinstall the shared environment
        # (with its editable install pointing at this temporary copy).
        argv = (
            ["make", "-o", ".venv/.installed", *command[1:]]
            if command[0] == "make"
            else [sys.executable, "-m", "livingreview", *command]
        )
        start = time.perf_counter()
        done = subprocess.run(
            self.dated(argv),
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # as a terminal shows them: in the order they were written
            text=True,
            timeout=1800,
        )
        seconds = time.perf_counter() - start
        output = done.stdout
        assert done.returncode == expect, f"{' '.join(args)} exited {done.returncode}:\n{output[-4000:]}"
        self.record(command, shown if shown is not None else output, seconds)
        return output

    def spawn(self, *args: str) -> pexpect.spawn:
        self.started = __import__("time").perf_counter()
        return pexpect.spawn(
            sys.executable,
            self.dated(["-m", "livingreview", *args]),
            cwd=str(self.root),
            env=self.env,
            dimensions=(50, 80),
            encoding="utf-8",
            timeout=180,
        )

    def record(self, command: list[str], output: str, seconds: float) -> None:
        shown = "python -m livingreview " + " ".join(command) if command[0] != "make" else " ".join(command)
        self.steps.append({"command": shown, "output": output.rstrip("\n"), "seconds": round(seconds, 1)})

    def finish(self, child: pexpect.spawn, command: list[str], last: str, seen: str = "") -> None:
        """Wait for an interactive command's end; record what it printed from `last` on
        (`seen`: what an earlier expect already read of it)."""
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        seconds = __import__("time").perf_counter() - self.started
        text = ANSI.sub("", seen + child.before)
        lines = [line.rstrip() for line in text.splitlines()]
        start = max(i for i, line in enumerate(lines) if last in line)
        self.record(command, "\n".join(line for line in lines[start:] if line), seconds)


def screen_month(m: Maintainer, include: set[str]) -> dict[str, str]:
    """Every candidate decided by keys: `include` included, the first other one marked maybe,
    the rest excluded (search.yml's first reason)."""
    child = m.spawn("screen", "--screener", "maintainer")

    def choose(cid: str, so_far: dict[str, str]) -> str:
        if cid in include:
            return "include"
        return "exclude" if "maybe" in so_far.values() else "maybe"

    decided = screen_by_keys(child, choose)
    m.finish(child, ["screen", "--screener", "maintainer"], "decisions saved")
    return decided


def code_month(m: Maintainer, *, paste: str, stop_at_codes: bool = False) -> None:
    """Every cell still to do, typed: the six fields in our own words (the abstract pasted once,
    first, and refused), the suggested terms accepted with Enter, a term chosen where none is
    suggested. With stop_at_codes, Ctrl-C at the first coded cell."""
    child = m.spawn("code")
    pasted = False
    while True:
        found = child.expect([PROMPTS, "cells? saved in studies.csv"])
        if found == 1:
            seen = child.before.rsplit("\n", 1)[-1] + child.after
            break
        column = child.match.group(1)
        if column in SUMMARY:
            if not pasted and paste:
                child.sendline(paste)
                child.expect("not saved: copies")
                pasted = True
                child.expect(f"{column}>")
            child.sendline(SUMMARY[column])
            child.expect(f"saved: \\S+ {column}")
            continue
        if stop_at_codes:
            child.sendcontrol("c")
            child.expect("cells? saved in studies.csv")
            seen = child.before.rsplit("\n", 1)[-1] + child.after
            break
        screen = ANSI.sub("", child.before)
        if "nothing suggested" in screen:
            child.sendline("none" if column == "limitation_themes" else "1")
        else:
            child.sendline("")  # the suggestion, pre-selected: Enter accepts it
        child.expect(f"saved: \\S+ {column}")
    m.finish(child, ["code"], "saved in studies.csv", seen)


#: The `code` screen's prompts: a cell's column, then '> '.
PROMPTS = r"(dataset|method|model_family|model|application|purpose|limitations|domain|modality|contribution|limitation_themes)>"


def normalised(text: str) -> str:
    """A recorded output with what changes as the table grows (dates, counts, ids) left out."""
    text = re.sub(r"c(\d{4}|nd)-[0-9a-f]{8}", "CANDIDATE", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return "\n".join(line for line in text.splitlines() if line.strip())


@pytest.mark.slow
@pytest.mark.book
def test_the_monthly_recipe_from_search_to_release_with_no_file_edited_by_hand(tmp_path, replay):
    """The recipe of the Contribute chapter, run: import, search, screen (keys in a terminal),
    add --included, code (keys in a terminal), validate, release and the book build. The release
    holds exactly the studies included this month, and no suggested code reaches it unaccepted."""
    import datetime as dt
    import json

    from livingreview.update.versions import load_releases as releases_of

    root = checkout(tmp_path)
    repo = Repository(root)
    # The first of the month after the last release (as the workflow runs), or today if sooner:
    # never a day after today, which the book build's own validation would call the future.
    last = releases_of(repo.releases)[-1].date
    first = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    day = max(last, min(dt.date.today(), first)).isoformat()
    m = Maintainer(root, day)
    recorded = json.loads(RECIPE.read_text(encoding="utf-8")) if RECIPE.exists() else {"steps": []}

    # The services: PubMed answers with Biopython's recorded efetch XML, Europe PMC with the odd
    # records written in its documented shape (tests/test_search.py's recorded month), and OpenAlex
    # finds a work whose Crossref answer habanero recorded (with its abstract).
    from test_search import recorded_month

    from api_replay import cassette

    recorded_month(replay)
    answers = cassette("habanero/test_works_with_many_ids.yaml")
    fret = json.loads(answers[FRET_DOI].get_data())["message"]
    replay.recorded_crossref = answers
    replay.openalex = [
        [
            Paper(
                fret["title"][0],
                2015,
                FRET_DOI,
                authors=tuple((a["family"], a.get("given", "")) for a in fret["author"][:3]),
                venue=fret["container-title"][0],
                abstract=re.sub(r"<[^>]+>", "", fret["abstract"]),
            )
        ]
    ]

    exports = [str(p.relative_to(ROOT)) for p in (RIS, MEDLINE)]
    m.run("search")  # as the workflow runs it, opening the month's pull request
    m.run("import", *exports)  # on that branch, what the maintainer exported from other databases
    candidates = rows(root / "data" / "candidates.csv")
    include = {
        c["candidate_id"] for c in candidates if c["doi"] in (FRET_DOI, SCOPUS_DOI) or c["title"] == NO_DOI_TITLE
    }
    assert len(include) == 3
    decided = screen_month(m, include)
    assert {c for c, d in decided.items() if d == "include"} == include

    m.run("add", "--included", "--screener", "maintainer")
    studies = rows(root / "data" / "studies.csv")
    became = dict((r["candidate_id"], r["study_id"]) for r in rows(root / "data" / "screening.csv") if r["study_id"])
    new_ids = {became[c] for c in include}
    assert len(new_ids) == 3 and new_ids <= {s["id"] for s in studies}

    # Stopped before any code is accepted: every suggestion is still a to-do; nothing releases.
    # (The first study's abstract, pasted into its first field, is refused.)
    first = next(s["id"] for s in studies if s["id"] in new_ids)
    abstract = next(c["abstract"] for c in candidates if became.get(c["candidate_id"]) == first)
    code_month(m, paste=abstract, stop_at_codes=True)
    m.steps.pop()  # the interrupted session is not part of the recipe
    out = m.run("validate", expect=1, shown="")
    assert "only suggested" in out
    m.steps.pop()
    before = snapshot(root / "data")
    assert "no release" in m.run("release", expect=1, shown="")
    m.steps.pop()
    assert snapshot(root / "data") == before

    code_month(m, paste="")
    m.run("validate")
    m.run("release")
    release = releases_of(repo.releases)[-1]
    assert set(release.added) == new_ids  # exactly the studies included this month
    assert release.flow["new_studies_from_search"] == 3

    built = ANSI.sub("", m.run("make", "book"))
    # What a maintainer reads of the build: the data checks and the build's verdict.
    m.steps[-1]["output"] = "\n".join(
        line.strip()
        for line in built.splitlines()
        if ": valid: " in line or line.startswith(("build succeeded", "Finished generating HTML"))
    )
    assert "build succeeded" in m.steps[-1]["output"]
    html = root / "_build" / "html" / "book"
    notes = (html / "changelog.html").read_text(encoding="utf-8")
    assert f"Version {release.version}" in notes
    for study in new_ids:
        assert f"study-{study}" in (html / "studies.html").read_text(encoding="utf-8") or study in notes
    assert f'id="{release.anchor}"' in (html / "versions.html").read_text(encoding="utf-8")

    if os.environ.get("LIVINGREVIEW_RECORD_RECIPE"):
        RECIPE.write_text(
            json.dumps(
                {
                    "about": "The monthly update of the Contribute chapter, run by tests/test_month.py on a replayed "
                    "month (LIVINGREVIEW_RECORD_RECIPE=1 records it again); each command was run with --date "
                    f"{day} so the example can be replayed.",
                    "recorded": dt.datetime.now().isoformat(timespec="seconds"),
                    "load_average": round(os.getloadavg()[0], 1),
                    "steps": m.steps,
                },
                indent=1,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
    else:
        assert [s["command"] for s in recorded["steps"]] == [s["command"] for s in m.steps], (
            f"{RECIPE.name} is out of date: LIVINGREVIEW_RECORD_RECIPE=1 pytest tests/test_month.py -k recipe"
        )
        for mine, theirs in zip(m.steps, recorded["steps"]):
            assert normalised(mine["output"]) == normalised(theirs["output"]), (
                f"{mine['command']} prints otherwise than {RECIPE.name} says: LIVINGREVIEW_RECORD_RECIPE=1 "
                "pytest tests/test_month.py -k recipe"
            )
