"""`python -m livingreview screen`: decisions saved line by line the moment they are made, undo,
resume, a second screener and a third who settles disagreements, two branches merged by git,
the stopping estimate and an early stop, ASReview and spreadsheet files; and the real command in
a real terminal (pexpect), interrupted and killed mid-run.

The candidates are real records: a Scopus RIS and a PubMed MEDLINE export (tests/fixtures/exports).
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys

import pexpect
import pytest

from livingreview.data.paths import Repository
from livingreview.update.screen import ScreenError, Session, export_for_asreview
from livingreview.update.screening import load_cycle, settled_decisions
from livingreview.update.stopping import estimate

from api_replay import rows, run, snapshot
from conftest import ROOT

EXPORTS = ROOT / "tests" / "fixtures" / "exports"
TODAY = "2026-11-28"
FILES = (EXPORTS / "asreview-scopus.ris", EXPORTS / "biopython-pubmed_result2.nbib")


@pytest.fixture
def month(repo):
    """A repository copy with this month's candidates imported from two real exports."""
    assert run("import", *map(str, FILES), "--root", str(repo), "--date", TODAY)[0] == 0
    return repo


def session(repo, screener="alice", **kw) -> Session:
    import datetime as dt

    return Session(Repository(repo), screener=screener, today=dt.date.fromisoformat(TODAY), **kw)


def screening_text(repo) -> str:
    return (repo / "data" / "screening.csv").read_text(encoding="utf-8")


def test_each_decision_is_one_appended_line_and_undo_removes_only_it(month):
    s = session(month)
    first, second = s.undecided()[:2]
    before = screening_text(month)
    s.decide(first, "exclude", "not-clinical")
    after_one = screening_text(month)
    assert after_one.startswith(before) and after_one.count("\n") == before.count("\n") + 1
    s.decide(second, "include", note="a study of generative models")
    after_two = screening_text(month)
    assert after_two.startswith(after_one)
    assert [
        (r["candidate_id"], r["decision"], r["screener"], r["screened"]) for r in rows(month / "data" / "screening.csv")
    ] == [
        (first, "exclude", "alice", TODAY),
        (second, "include", "alice", TODAY),
    ]
    assert s.undo()["candidate_id"] == second
    assert screening_text(month) == after_one
    assert run("validate", "--root", str(month), "--date", TODAY)[0] == 0


def test_a_new_session_resumes_with_what_is_undecided(month):
    s = session(month)
    done = s.undecided()[:3]
    for cid in done:
        s.decide(cid, "maybe")
    again = session(month)
    left = again.undecided()
    assert not set(done) & set(left)
    assert len(left) == len(load_cycle(Repository(month)).candidates) - len(done)


def test_decisions_are_checked_before_they_are_written(month):
    s = session(month)
    cid = s.undecided()[0]
    before = snapshot(month)
    with pytest.raises(ScreenError, match="needs a reason"):
        s.decide(cid, "exclude")
    with pytest.raises(ScreenError, match="needs a note"):
        s.decide(cid, "exclude", "other")
    with pytest.raises(ScreenError, match="not a decision"):
        s.decide(cid, "perhaps")
    assert snapshot(month) == before
    s.decide(cid, "exclude", "other", note="a protocol without results")
    with pytest.raises(ScreenError, match="already decided"):
        s.decide(cid, "include")


def test_the_ranking_learns_from_the_decisions(month):
    """Records like the ones included move up; ones like the exclusions move down; the record most
    like an included one says so."""
    s = session(month)
    medline = [cid for cid, c in s.candidates.items() if c["sources"] == "pubmed-export"]
    scopus = [cid for cid, c in s.candidates.items() if c["sources"] == "scopus-export"]
    # The two MEDLINE records most alike: include one, and the other's hint names it.
    pairs = [(a, b) for a in medline for b in medline if a != b]
    liked, like = max(pairs, key=lambda p: s.model.nearest(s.position[p[1]], [s.position[p[0]]])[0][1])
    s.decide(liked, "include")
    s.decide(scopus[0], "exclude", "not-generative-ai")
    order = s.undecided()
    # The other bioinformatics software papers of the MEDLINE export rank above the Scopus records.
    assert {order.index(c) for c in medline if c != liked} == set(range(len(medline) - 1))
    assert any(liked in hint and "included" in hint for hint in s.hint(like))


def test_second_screener_disagreements_and_a_third_who_settles_them(month):
    alice = session(month)
    ids = alice.undecided()[:3]
    alice.decide(ids[0], "include")
    alice.decide(ids[1], "exclude", "not-clinical")
    alice.decide(ids[2], "maybe")
    bob = session(month, "bob", mode="second")
    assert set(ids) <= set(bob.undecided())  # blind: Alice's decisions are not in Bob's way
    assert all(not r.others for r in map(bob.record, ids))
    bob.decide(ids[0], "include")
    bob.decide(ids[1], "include")
    bob.decide(ids[2], "maybe")
    settled, disputed = settled_decisions(rows(month / "data" / "screening.csv"))
    assert disputed == {ids[1]} and settled[ids[0]]["decision"] == "include"
    code, out, _err = run("screen", "--disagreements", "--root", str(month), "--date", TODAY, "--screener", "carol")
    assert code == 0 and ids[1] in out and "alice: exclude (not-clinical)" in out and "bob: include" in out
    # A disputed candidate awaits a decision: the release would refuse it.
    assert ids[1] in load_cycle(Repository(month)).pending()
    carol = session(month, "carol", mode="resolve")
    # To settle: the disagreement, and the candidate both left 'maybe'.
    assert set(carol.undecided()) == {ids[1], ids[2]}
    assert {o["screener"] for o in carol.record(ids[1]).others} == {"alice", "bob"}
    carol.decide(ids[1], "exclude", "not-clinical", note="no patients")
    assert load_cycle(Repository(month)).decision(ids[1])["screener"] == "carol"
    # Alice reads the full text of the maybe and settles it herself: a final line beside her first.
    alice = session(month, mode="resolve")
    assert alice.undecided() == [ids[2]]
    alice.decide(ids[2], "include", note="full text: a clinical evaluation")
    assert load_cycle(Repository(month)).decision(ids[2])["decision"] == "include"
    assert session(month, "dave", mode="resolve").undecided() == []
    assert run("validate", "--root", str(month), "--date", TODAY)[0] == 0


def git(cwd, *args):
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org",
        },
    )


def test_two_screeners_branches_merge_without_conflicts(month):
    shutil.copy(ROOT / ".gitattributes", month / ".gitattributes")
    git(month, "init", "-q", "-b", "month")
    git(month, "add", "-A")
    git(month, "commit", "-qm", "the month's candidates")
    ids = session(month).undecided()
    git(month, "checkout", "-qb", "alice")
    alice = session(month)
    for cid in ids[:4]:
        alice.decide(cid, "exclude", "not-clinical")
    git(month, "commit", "-qam", "alice")
    git(month, "checkout", "-q", "month")
    git(month, "checkout", "-qb", "bob")
    bob = session(month, "bob", mode="second")
    for cid in ids[2:6]:  # two of Alice's, two of her untouched ones
        bob.decide(cid, "include" if cid == ids[2] else "exclude", "" if cid == ids[2] else "not-clinical")
    git(month, "commit", "-qam", "bob")
    git(month, "checkout", "-q", "alice")
    git(month, "merge", "-q", "--no-edit", "bob")  # raises on a conflict
    merged = rows(month / "data" / "screening.csv")
    assert len(merged) == 8 and {(r["candidate_id"], r["screener"]) for r in merged} == {
        *((c, "alice") for c in ids[:4]),
        *((c, "bob") for c in ids[2:6]),
    }
    assert run("validate", "--root", str(month), "--date", TODAY)[0] == 0
    assert settled_decisions(merged)[1] == {ids[2]}


def many_candidates(repo, n: int) -> list[str]:
    """`n` more candidates of this update, written as `search` writes them."""
    from livingreview.update.registry import clean_record
    from livingreview.update.screening import csv_text
    from livingreview.update.search import candidate_id, candidate_row

    path = repo / "data" / "candidates.csv"
    taken = {c["candidate_id"] for c in rows(path)}
    new = []
    for i in range(n):
        record = clean_record(
            "pubmed", title=f"Record {i} of a large month on topic {i % 7}", year=2026, pmid=str(41000000 + i)
        )
        cid = candidate_id(record, taken)
        taken.add(cid)
        new.append(candidate_row(record, cid, __import__("datetime").date.fromisoformat(TODAY), "pubmed"))
    path.write_text(csv_text("candidates", new, path.read_text(encoding="utf-8")), encoding="utf-8")
    return [r["candidate_id"] for r in new]


def test_the_stopping_estimate_and_an_early_stop(month):
    many_candidates(month, 290)
    s = session(month)
    total = len(s.batch)
    with pytest.raises(ScreenError, match="cannot stop yet"):
        s.stop()
    assert s.estimate().sentence().startswith("not yet 95% confident")
    ordered = s.undecided()
    relevant = 20
    for cid in ordered[:relevant]:  # the relevant records first, as a good ranking finds them
        s.decide(cid, "include" if cid != ordered[0] else "maybe")
    for cid in ordered[relevant:]:
        if s.estimate().holds:
            break
        s.decide(cid, "exclude", "not-clinical")
    current = s.estimate()
    assert current.holds and current.screened < total and current.relevant == relevant
    assert (
        "with 95% confidence, at least 95% of the relevant records in this batch have been found" in current.sentence()
    )
    # Its p-value is buscarpy's, on the sequence of decisions as they were made.
    from buscarpy import calculate_h0

    assert current.p == pytest.approx(float(calculate_h0([1] * relevant + [0] * (current.screened - relevant), total)))
    code, out, err = run("screen", "--stop", "--root", str(month), "--date", TODAY, "--screener", "alice")
    assert code == 0, err
    (stop,) = rows(month / "data" / "screening-stops.csv")
    assert (int(stop["candidates"]), int(stop["screened"]), int(stop["relevant"])) == (
        total,
        current.screened,
        relevant,
    )
    # The release counts the rest as not screened, and says where and why screening stopped.
    code, out, err = run("release", "--root", str(month), "--date", TODAY)
    assert code == 0, err
    from livingreview.update.versions import load_releases

    flow = load_releases(Repository(month).releases)[-1].flow
    assert flow["records_not_screened"] == total - current.screened
    assert flow["records_screened"] == current.screened
    assert "with 95% confidence, at least 95%" in flow["screening_stopped"]


def test_a_batch_screened_in_random_order_keeps_its_promise():
    """The estimate's own promise, checked by simulation: over many batches screened in a random
    order (no ranking, the criterion's own assumption), stopping when it holds finds at least 95%
    of the relevant records in at least 95% of the batches."""
    import random

    rng = random.Random(7)
    kept = 0
    runs = 200
    for _ in range(runs):
        labels = [1] * 20 + [0] * 380
        rng.shuffle(labels)
        for n in range(1, len(labels) + 1):
            if estimate(labels[:n], len(labels)).holds:
                break
        kept += sum(labels[:n]) >= 0.95 * 20
    assert kept >= 0.95 * runs


def test_export_for_asreview_and_read_its_decisions_back(month, tmp_path):
    s = session(month)
    decided = s.undecided()[0]
    s.decide(decided, "exclude", "not-clinical")
    path = tmp_path / "for-asreview.csv"
    undecided, labelled = export_for_asreview(s, path)
    with open(path, encoding="utf-8", newline="") as handle:
        exported = list(csv.DictReader(handle))
    studies = [r for r in exported if r["candidate_id"].startswith("study:")]
    assert len(studies) == len(rows(month / "data" / "studies.csv")) and {r["label_included"] for r in studies} == {"1"}
    assert next(r for r in exported if r["candidate_id"] == decided)["label_included"] == "0"
    waiting = [r for r in exported if r["label_included"] == ""]
    assert len(waiting) == undecided == len(s.candidates) - 1 and labelled == len(studies) + 1
    # ASReview LAB's export: the input columns, then its own (asreview_label, _time, _note, _tags).
    answered = tmp_path / "asreview-export.csv"
    with open(answered, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, [*exported[0], "asreview_label", "asreview_time", "asreview_note", "asreview_tags"]
        )
        writer.writeheader()
        for i, row in enumerate(waiting):
            label = {0: "1", 1: "0", 2: "0"}.get(i, "")
            tags = '["not-generative-ai"]' if i == 1 else ""
            writer.writerow(
                {
                    **row,
                    "asreview_label": label,
                    "asreview_time": "1795132800.5" if label else "",
                    "asreview_note": "from ASReview" if label else "",
                    "asreview_tags": tags,
                }
            )
    code, out, err = run(
        "screen", "--import", str(answered), "--root", str(month), "--date", TODAY, "--screener", "alice"
    )
    assert code == 0, err
    assert "3 decisions imported" in out
    lines = rows(month / "data" / "screening.csv")
    assert [(r["candidate_id"], r["decision"], r["reason"]) for r in lines[1:]] == [
        (waiting[0]["candidate_id"], "include", ""),
        (waiting[1]["candidate_id"], "exclude", "not-generative-ai"),
        (waiting[2]["candidate_id"], "exclude", "other"),
    ]
    # ASReview's time (seconds since 1970) as the date of the decision.
    assert {r["screened"] for r in lines[1:]} == {
        __import__("datetime").datetime.fromtimestamp(1795132800.5, __import__("datetime").UTC).date().isoformat()
    }
    assert run("validate", "--root", str(month), "--date", "2026-12-28")[0] == 0
    # Importing it again adds nothing.
    before = snapshot(month)
    code, out, _err = run(
        "screen", "--import", str(answered), "--root", str(month), "--date", TODAY, "--screener", "alice"
    )
    assert code == 0 and "0 decisions imported" in out and "; 3 already recorded" in out
    assert snapshot(month) == before


def test_a_spreadsheets_decisions_are_checked_by_line_and_column(month, tmp_path):
    ids = session(month).undecided()
    sheet = tmp_path / "team.csv"
    sheet.write_text(
        "candidate_id,decision,reason,note\n"
        f"{ids[0]},include,,\n"
        f"{ids[1]},yes,,\n"
        f"{ids[2]},exclude,Not clinical,\n"
        f"{ids[3]},exclude,too boring,\n"
        "c2026-00000000,maybe,,\n",
        encoding="utf-8",
    )
    before = snapshot(month)
    code, _out, err = run(
        "screen", "--import", str(sheet), "--root", str(month), "--date", TODAY, "--screener", "alice"
    )
    assert code == 1 and snapshot(month) == before
    assert f"{sheet}:3: column 'decision': 'yes' is not include" in err
    assert f"{sheet}:5: column 'reason': 'too boring' is not a reason" in err
    assert f"{sheet}:6: column 'candidate_id': 'c2026-00000000' is not a candidate" in err
    assert "3 problems found; nothing was imported" in err
    fixed = (
        sheet.read_text(encoding="utf-8")
        .replace(",yes,", ",maybe,")
        .replace("too boring", "other")
        .replace("other,\n", "other,a review\n")
    )
    sheet.write_text("\n".join(line for line in fixed.splitlines() if "c2026-00000000" not in line) + "\n")
    code, out, err = run("screen", "--import", str(sheet), "--root", str(month), "--date", TODAY, "--screener", "alice")
    assert code == 0, err
    # The label 'Not clinical' is read as the reason's key.
    assert [r["reason"] for r in rows(month / "data" / "screening.csv")] == ["", "", "not-clinical", "other"]


def test_simulate_reports_recall_wss_and_the_stop(tmp_path):
    """A small labelled file in ASReview's layout: the figures are computed from its labels."""
    from livingreview.update.simulation import read_labelled, simulate

    path = tmp_path / "labelled.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "label_included"])
        for i in range(200):
            relevant = i % 20 == 0
            topic = "generative adversarial network synthetic radiographs" if relevant else f"soil chemistry survey {i}"
            writer.writerow([i, f"Study {i} of {topic}", f"We report {topic} results.", int(relevant)])
    data = read_labelled(path)
    result = simulate(data, seed=3)
    assert result.total == 200 and result.relevant == 10
    assert sorted(result.order) == list(range(200))  # every record screened once
    # A separable file: every relevant record comes first, so WSS@95 is its maximum.
    assert result.screened_for(1.0) == 10 + 1  # the random irrelevant prior is screened among them
    assert result.wss(0.95) == pytest.approx((200 - result.screened_for(0.95)) / 200 - 0.05)
    assert result.stop_at is not None and result.recall_at_stop == 1.0
    code, out, err = run("screen", "--simulate", str(path))
    assert code == 0, err
    assert "WSS@95" in out and "the stopping estimate" in out and "recall there 100.0%" in out


# ---- the real command in a real terminal ----------------------------------------------------------


def spawn(repo, *extra):
    return pexpect.spawn(
        sys.executable,
        ["-m", "livingreview", "screen", "--root", str(repo), "--date", TODAY, "--screener", "alice", *extra],
        dimensions=(40, 80),
        encoding="utf-8",
        timeout=90,
        # pexpect answers no cursor-position request; a real terminal does.
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
    )


PROMPT = r"\[q\]uit"


def shown(child) -> str:
    """The candidate id of the card on screen."""
    child.expect(r"(c(?:\d{4}|nd)-[0-9a-f]{8}) · ")
    cid = child.match.group(1)
    child.expect(PROMPT)
    return cid


@pytest.mark.slow
def test_keys_in_a_terminal_decide_and_killing_loses_nothing_decided(month):
    child = spawn(month)
    first = shown(child)
    child.send("e")
    child.expect("reason")
    child.send("3")  # the third reason of search.yml
    child.expect("saved: " + first)
    second = shown(child)
    child.send("n")
    child.expect("note:")
    child.sendline("one cohort, synthetic images")
    assert shown(child) == second
    child.send("m")
    child.expect("saved: " + second)
    third = shown(child)
    child.send("s")  # skip: shown again at the end
    fourth = shown(child)
    assert fourth != third
    # Ctrl-C as a signal: what was decided stays.
    child.kill(signal.SIGINT)
    child.expect(pexpect.EOF)
    lines = rows(month / "data" / "screening.csv")
    reasons = list(
        __import__("livingreview.update.protocol", fromlist=["x"]).load_protocol(month / "data" / "search.yml").reasons
    )
    assert [(r["candidate_id"], r["decision"], r["reason"], r["note"]) for r in lines] == [
        (first, "exclude", reasons[2], ""),
        (second, "maybe", "", "one cohort, synthetic images"),
    ]
    # Running it again resumes; then a kill right after a decision.
    child = spawn(month)
    on_screen = shown(child)
    assert on_screen not in (first, second)
    child.send("i")
    child.expect("saved: " + on_screen)
    child.expect(PROMPT)
    child.kill(signal.SIGKILL)
    child.expect(pexpect.EOF)
    lines = rows(month / "data" / "screening.csv")
    assert [r["candidate_id"] for r in lines] == [first, second, on_screen]
    assert run("validate", "--root", str(month), "--date", TODAY)[0] == 0
    # Undo in a new session removes nothing of an earlier one; quit with q.
    child = spawn(month)
    shown(child)
    child.send("u")
    child.expect("nothing to undo in this session")
    child.expect(PROMPT)
    child.send("q")
    child.expect("stopping estimate")
    child.expect(pexpect.EOF)
    assert len(rows(month / "data" / "screening.csv")) == 3
