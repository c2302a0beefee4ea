"""One pull request per month, and merging it is the release: what the monthly workflow does on
each run (.github/scripts/monthly_update.py, with the pull requests GitHub would list), that the
workflow acts only on that plan, and the pull request's check that the branch holds its release
(`release --check`)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
import yaml

from livingreview.data.paths import Repository
from livingreview.update.screen import Session

from api_replay import Paper, rows, run
from conftest import ROOT

SCRIPT = ROOT / ".github" / "scripts" / "monthly_update.py"
WORKFLOW = ROOT / ".github" / "workflows" / "search.yml"


def load_script():
    spec = importlib.util.spec_from_file_location("monthly_update", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def pull(number: int, head: str, state: str = "OPEN") -> dict:
    return {"number": number, "headRefName": head, "state": state, "url": f"https://example.org/pull/{number}"}


@pytest.mark.parametrize(
    "pulls, action, branch, comment_on, says",
    [
        ([], "search", "monthly-update/2026-12", "", "Searching for 2026-12"),
        (
            [pull(3, "fix-typo"), pull(4, "monthly-update/2026-11", "MERGED")],
            "search",
            "monthly-update/2026-12",
            "",
            "",
        ),
        # A second run the same day (or later that month): the first run's pull request is open.
        ([pull(9, "monthly-update/2026-12")], "skip", "", "", "already open: #9"),
        # This month's was merged: the month is released.
        ([pull(9, "monthly-update/2026-12", "MERGED")], "skip", "", "", "was merged (#9)"),
        # Closed without merging: a fresh branch, since the closed one may still exist.
        ([pull(9, "monthly-update/2026-12", "CLOSED")], "search", "monthly-update/2026-12-2", "", ""),
        (
            [pull(9, "monthly-update/2026-12", "CLOSED"), pull(10, "monthly-update/2026-12-2", "CLOSED")],
            "search",
            "monthly-update/2026-12-3",
            "",
            "",
        ),
        ([pull(9, "monthly-update/2026-12", "CLOSED"), pull(10, "monthly-update/2026-12-2")], "skip", "", "", "#10"),
        # Last month's still open: no search, a reminder on it.
        ([pull(5, "monthly-update/2026-11")], "skip", "", "5", "update of 2026-11 (#5) is still open"),
        ([pull(5, "monthly-update/2026-10"), pull(6, "monthly-update/2026-11")], "skip", "", "5", "2026-10"),
    ],
)
def test_what_a_run_does(pulls, action, branch, comment_on, says):
    plan = load_script().plan("2026-12", pulls)
    assert (plan.action, plan.branch, plan.comment_on) == (action, branch, comment_on)
    assert says in plan.message and "\n" not in plan.message


def test_the_script_prints_step_outputs(tmp_path):
    path = tmp_path / "pulls.json"
    path.write_text(json.dumps([pull(5, "monthly-update/2026-11")]), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--month", "2026-12", "--pulls", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    outputs = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert set(outputs) == {"action", "branch", "message", "comment_on"}
    assert outputs["action"] == "skip" and outputs["comment_on"] == "5"
    bad = subprocess.run([sys.executable, str(SCRIPT), "--month", "2026-13", "--pulls", str(path)], capture_output=True)
    assert bad.returncode == 2


def test_the_workflow_acts_only_on_the_plan():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    plan = next(s for s in steps if s.get("id") == "plan")
    assert "monthly_update.py" in plan["run"] and "$GITHUB_OUTPUT" in plan["run"]
    assert "--state all" in plan["run"] and "headRefName,state" in plan["run"]
    after = steps[steps.index(plan) + 1 :]
    writes = [
        s for s in after if any(w in s.get("run", "") for w in ("livingreview search", "git push", "gh pr create"))
    ]
    assert writes and all(s["if"] == "steps.plan.outputs.action == 'search'" for s in writes)
    pushes = [s for s in after if "git push" in s.get("run", "")]
    assert pushes and all("steps.plan.outputs.branch" in str(s["env"]) for s in pushes)
    told = next(s for s in after if "gh pr comment" in s.get("run", ""))
    assert told["if"] == "steps.plan.outputs.action != 'search'" and "COMMENT_ON" in told["env"]
    # The pull request's body is the recipe, and says that merging it is the release.
    body = next(s["run"] for s in pushes)
    for command in ("screen --screener", "add --included", "code", "validate", "release", "git push"):
        assert command in body
    assert "Merging this pull request is the release" in body and "release --check" in body
    # The pull request's checks hold a monthly update to its release.
    checks = yaml.safe_load((ROOT / ".github" / "workflows" / "pr.yml").read_text(encoding="utf-8"))
    step = next(s for j in checks["jobs"].values() for s in j["steps"] if "release --check" in s.get("run", ""))
    assert step["if"] == "startsWith(github.head_ref, 'monthly-update/')"


def test_release_check_holds_a_month_to_its_release(repo, replay):
    import datetime as dt

    from livingreview.update.versions import load_releases

    # A day on which this copy may release (not before its last version).
    day = max(load_releases(Repository(repo).releases)[-1].date, dt.date(2026, 12, 1)).isoformat()
    if run("release", "--check", "--root", str(repo))[0] != 0:  # corrections not yet released
        assert run("release", "--root", str(repo), "--date", day)[0] == 0
    assert run("release", "--check", "--root", str(repo))[0] == 0
    replay.pubmed = [Paper("Diffusion models for synthetic radiographs", 2026, "10.5555/m.1", "39300001")]
    assert run("search", "--root", str(repo), "--date", day, "--quiet")[0] == 0
    code, _out, err = run("release", "--check", "--root", str(repo))
    assert code == 1 and f"the search or import of {day} is in no version yet" in err
    (candidate,) = rows(repo / "data" / "candidates.csv")
    Session(Repository(repo), screener="alice", today=dt.date.fromisoformat(day)).decide(
        candidate["candidate_id"], "exclude", "not-clinical"
    )
    assert run("release", "--root", str(repo), "--date", day)[0] == 0
    code, out, _err = run("release", "--check", "--root", str(repo))
    assert code == 0 and "holds this update" in out and "merging it releases it" in out
    # A row changed after the release: the branch no longer holds its release.
    version = load_releases(Repository(repo).releases)[-1].version
    path = repo / "data" / "studies.csv"
    text = path.read_text(encoding="utf-8")
    first = rows(path)[0]
    path.write_text(text.replace(first["notes"], first["notes"] + " Checked again.", 1), encoding="utf-8")
    code, _out, err = run("release", "--check", "--root", str(repo))
    assert code == 1 and f"differs from version {version} in 1 row (first: {first['id']})" in err
