"""From included candidates to coded rows: `add --included` (Crossref where a DOI has a record, the
candidate's own record otherwise, a candidate whose DOI is already a study linked to it), lines
only ever appended to screening.csv (two branches merge), suggested codes that never reach a
release until a person accepts them, and descriptive fields refused when they copy the abstract.
Services are replayed on a local server (tests/api_replay.py)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from pybtex.database import parse_string

from livingreview.data.paths import Repository
from livingreview.data.records import REGISTRY_PROVENANCE
from livingreview.data.studies import TABLE1_COLUMNS
from livingreview.data.validation import SUGGESTED, TODO, is_to_do, suggested_terms
from livingreview.data.vocabulary import LIST_COLUMNS, load_vocabulary
from livingreview.text.overlap import longest_shared_run, shared_runs
from livingreview.update.coding import COPY_RUN, mentioned_terms, term_phrases
from livingreview.update.coding_screen import CodeError, CodingSession
from livingreview.update.screen import Session
from livingreview.update.screening import added_studies
from livingreview.update.versions import load_releases

from api_replay import Paper, rows, run, snapshot
from conftest import ROOT

TODAY = "2026-12-20"
RELEASE_DAY = "2026-12-28"

DIFFUSION = Paper(
    "Latent diffusion models synthesise chest radiographs for radiology training sets",
    2026,
    "10.5555/c.1",
    "39200001",
    authors=(("Okafor", "Ngozi"), ("Lind", "Per")),
    abstract=(
        "We trained a latent diffusion model on forty thousand chest radiographs from two hospitals and used the "
        "synthetic images for data augmentation of a pneumonia classifier, which improved its sensitivity on "
        "an external test set without lowering its specificity."
    ),
)
PREPRINT = Paper(  # its DOI is DataCite's: Crossref answers 404
    "Large language models draft discharge letters in an emergency department",
    2026,
    "10.5555/c.2",
    "39200002",
    authors=(("Brandt", "Ella"),),
    abstract="A large language model wrote discharge letters that clinicians in the emergency department rated.",
)
NO_DOI = Paper(
    "Generative adversarial networks make synthetic dermoscopy images for melanoma screening",
    2026,
    "",
    "39200003",
    authors=(("La Salvia", "Marco"),),
    abstract="A generative adversarial network produced dermoscopy photographs of melanoma for screening.",
)
ALREADY = Paper("Variational autoencoders for synthetic ECG signals in cardiology", 2026, "10.5555/c.4", "39200004")
EXCLUDED = Paper("Protein folding in yeast under heat stress in clinical practice", 2026, "10.5555/c.5", "39200005")
MAYBE = Paper("Synthetic data in healthcare: a generative AI commentary", 2026, "10.5555/c.6", "39200006")


def session(repo, screener="alice") -> Session:
    return Session(Repository(repo), screener=screener, today=dt.date.fromisoformat(TODAY))


def by_title(repo) -> dict[str, str]:
    return {c["title"]: c["candidate_id"] for c in rows(repo / "data" / "candidates.csv")}


@pytest.fixture
def screened(repo, replay):
    """A month searched and screened: three inclusions (one with a Crossref record, one whose DOI
    Crossref does not know, one without a DOI), one inclusion already added by its DOI, an
    exclusion and a maybe."""
    replay.pubmed = [DIFFUSION, PREPRINT, NO_DOI, ALREADY, EXCLUDED, MAYBE]
    replay.crossref = {"10.5555/c.1": DIFFUSION, "10.5555/c.4": ALREADY}
    assert run("search", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    assert run("add", "10.5555/c.4", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    ids = by_title(repo)
    s = session(repo)
    for paper in (DIFFUSION, PREPRINT, NO_DOI, ALREADY):
        s.decide(ids[paper.title], "include")
    s.decide(ids[EXCLUDED.title], "exclude", "not-clinical")
    s.decide(ids[MAYBE.title], "maybe")
    return repo


def add_included(repo, *more) -> tuple[int, str, str]:
    return run("add", "--included", "--root", str(repo), "--date", TODAY, "--screener", "alice", "--quiet", *more)


def test_add_included_adds_every_included_candidate_in_one_run(screened):
    repo = screened
    ids = by_title(repo)
    studies_before = rows(repo / "data" / "studies.csv")
    screening_before = (repo / "data" / "screening.csv").read_text(encoding="utf-8")
    code, out, err = add_included(repo)
    assert code == 0, err
    new = rows(repo / "data" / "studies.csv")[len(studies_before) :]
    assert [r["title"] for r in new] == [DIFFUSION.title, PREPRINT.title, NO_DOI.title]
    diffusion, preprint, no_doi = new
    # Crossref's record where it has one; the candidate's own record where it has none.
    assert diffusion["first_author"] == "Okafor" and "Crossref record" in diffusion["notes"]
    assert preprint["doi"] == "10.5555/c.2" and ids[PREPRINT.title] in preprint["notes"]
    assert "Crossref has no record of 10.5555/c.2" in out
    assert (no_doi["id"], no_doi["first_author"], no_doi["doi"]) == ("la-salvia-2026", "La Salvia", "")
    # The candidate already added by its DOI is linked to that study, not added twice.
    already = next(r for r in studies_before if r["doi"] == "10.5555/c.4")
    assert f"linked {ids[ALREADY.title]} to the study {already['id']}" in out
    # screening.csv only grew: one line per candidate added or linked, naming the study.
    screening_after = (repo / "data" / "screening.csv").read_text(encoding="utf-8")
    assert screening_after.startswith(screening_before)
    appended = rows(repo / "data" / "screening.csv")[-4:]
    assert {(r["candidate_id"], r["decision"], r["screener"], r["final"]) for r in appended} == {
        (ids[p.title], "include", "alice", "") for p in (DIFFUSION, PREPRINT, NO_DOI, ALREADY)
    }
    assert added_studies(rows(repo / "data" / "screening.csv")) == {
        ids[DIFFUSION.title]: diffusion["id"],
        ids[PREPRINT.title]: preprint["id"],
        ids[NO_DOI.title]: no_doi["id"],
        ids[ALREADY.title]: already["id"],
    }
    # Every record in the bibliography, which still parses; names as the record writes them.
    entries = parse_string((repo / "book" / "references.bib").read_text(encoding="utf-8"), "bibtex").entries
    assert (
        entries[no_doi["id"].replace("-", "")].persons["author"][0].last_names == ["{La Salvia M}"]
        or str(entries[no_doi["id"].replace("-", "")].persons["author"][0]) == "{La Salvia M}"
    )
    assert "PMID 39200003" in entries[no_doi["id"].replace("-", "")].fields["note"]
    # Each record says where it came from, as the repository accepts (livingreview.data.records);
    # without a DOI, the row and its record share the record's address at PubMed.
    assert no_doi["url"] == "https://pubmed.ncbi.nlm.nih.gov/39200003/"
    assert entries[no_doi["id"].replace("-", "")].fields["url"] == no_doi["url"]
    provenance = {k: e.fields["provenance"] for k, e in entries.items() if k in {r["id"].replace("-", "") for r in new}}
    assert provenance == {
        diffusion["id"].replace("-", ""): f"Crossref record, fetched on {TODAY} by python -m livingreview add",
        preprint["id"].replace("-", ""): f"PubMed record, fetched on {TODAY} by python -m livingreview search",
        no_doi["id"].replace("-", ""): f"PubMed record, fetched on {TODAY} by python -m livingreview search",
    }
    assert all(REGISTRY_PROVENANCE.fullmatch(value) for value in provenance.values())
    assert "pneumonia classifier" in entries[diffusion["id"].replace("-", "")].fields["abstract"]
    # Suggestions, marked; the six fields left to do.
    assert all(r[c] == TODO for r in new for c in TABLE1_COLUMNS)
    assert all(is_to_do(r[c]) for r in new for c in LIST_COLUMNS)
    assert "diffusion" in suggested_terms(diffusion["model_family"]).split(";")
    assert "radiology" in suggested_terms(diffusion["domain"]).split(";")
    assert "data-augmentation" in suggested_terms(diffusion["contribution"]).split(";")
    assert "llm" in suggested_terms(preprint["model_family"]).split(";")
    assert "emergency-medicine" in suggested_terms(preprint["domain"]).split(";")
    assert "gan" in suggested_terms(no_doi["model_family"]).split(";")
    # The maybe and the exclusion are not added; a second run adds nothing.
    assert run("validate", "--root", str(repo), "--date", TODAY)[0] == 1
    before = snapshot(repo)
    code, out, _err = add_included(repo)
    assert code == 0 and "nothing to add" in out and snapshot(repo) == before


def test_no_suggested_code_reaches_a_release_until_a_person_accepts_it(screened):
    repo = screened
    # Rows not yet released besides this month's (a contributor's pull request has some): the
    # release holds them too, whatever they are.
    released = set(load_releases(Repository(repo).releases)[-1].rows)
    other_rows = {r["id"] for r in rows(repo / "data" / "studies.csv")} - released
    assert add_included(repo)[0] == 0
    coding = CodingSession(Repository(repo))
    assert len(coding.ids) == 4  # the three added and the one added by its DOI
    for study in coding.ids:
        for column in TABLE1_COLUMNS:
            coding.save(study, column, coding.check_text(study, column, f"Our own summary of the {column} of {study}."))
    # Every descriptive field filled in; the suggestions are still only suggestions.
    code, _out, err = run("validate", "--root", str(repo), "--date", TODAY)
    assert code == 1
    suggested = [line for line in err.splitlines() if "only suggested" in line]
    marked = [(r["id"], c) for r in rows(repo / "data" / "studies.csv") for c in LIST_COLUMNS if SUGGESTED in r[c]]
    assert marked and len(suggested) == len(marked)
    for study, column in marked:
        assert any(f"column '{column}'" in line and f"code {study}" in line for line in suggested)
    # A person codes the cells where nothing was suggested (how many depends on the table the
    # suggestions are drawn from), so only suggestions are left: release refuses for them.
    for study in coding.ids:
        for column in coding.to_do(study):
            if SUGGESTED not in coding.row(study)[column]:
                coding.save(study, column, coding.check_terms(column, next(iter(coding.facets[column].terms))))
    before = snapshot(repo)
    code, _out, err = run("release", "--root", str(repo), "--date", RELEASE_DAY)
    assert code == 1 and "only suggested" in err and snapshot(repo) == before
    # A person accepts each suggestion (or chooses where nothing was suggested): now it releases.
    for study in coding.ids:
        for column in coding.to_do(study):
            terms = coding.suggestion(study, column).terms or (next(iter(coding.facets[column].terms)),)
            coding.save(study, column, coding.check_terms(column, ";".join(terms)))
    assert run("validate", "--root", str(repo), "--date", TODAY)[0] == 0
    code, out, err = run("release", "--root", str(repo), "--date", RELEASE_DAY)
    assert code == 0, err
    release = load_releases(Repository(repo).releases)[-1]
    assert set(release.added) == set(coding.ids) | other_rows
    assert release.flow["new_studies"] == len(set(coding.ids) | other_rows)
    assert release.flow["new_studies_from_search"] == len(coding.ids)


def test_terms_are_checked_and_kept_in_the_vocabulary_s_order(screened):
    repo = screened
    assert add_included(repo)[0] == 0
    coding = CodingSession(Repository(repo))
    keys = list(load_vocabulary()["model_family"].terms)
    assert coding.check_terms("model_family", f"vae; gan ;{keys.index('llm') + 1}") == "gan;vae;llm"
    with pytest.raises(CodeError, match="'difusion' is no term of Model family; did you mean 'diffusion'"):
        coding.check_terms("model_family", "difusion")
    with pytest.raises(CodeError, match="needs at least one term"):
        coding.check_terms("domain", "none")
    assert coding.check_terms("limitation_themes", "none") == ""
    with pytest.raises(CodeError, match="to-do mark"):
        coding.check_text(coding.ids[0], "dataset", "TODO")


def test_a_summary_that_copies_the_abstract_is_refused_naming_the_column(screened):
    repo = screened
    assert add_included(repo)[0] == 0
    diffusion = next(r for r in rows(repo / "data" / "studies.csv") if r["title"] == DIFFUSION.title)
    coding = CodingSession(Repository(repo), [diffusion["id"]])
    pasted = "The authors used the synthetic images for data augmentation of a pneumonia classifier, which improved it."
    with pytest.raises(CodeError, match=r"copies 13 consecutive words of the abstract of its candidate c2026-"):
        coding.check_text(diffusion["id"], "method", pasted)
    # Written by hand into the file anyway: the validator names the line and the column.
    path = repo / "data" / "studies.csv"
    text = path.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith(diffusion["id"] + ","))
    coding.save(diffusion["id"], "method", pasted)
    code, _out, err = run("validate", "--root", str(repo), "--date", TODAY)
    assert code == 1
    assert f"studies.csv:{line}: column 'method': copies 13 consecutive words of the abstract of its candidate" in err
    assert "own words" in err
    # Rewrapped and re-punctuated, it is the same run; a short shared phrase is no copy.
    assert longest_shared_run("images for data-augmentation of a\npneumonia CLASSIFIER", DIFFUSION.abstract).length == 8
    assert not [
        r
        for r in shared_runs("a latent diffusion model on chest radiographs", DIFFUSION.abstract)
        if r.length >= COPY_RUN
    ]


def test_a_study_added_by_doi_is_compared_with_its_record_s_abstract(repo, replay):
    replay.crossref["10.5555/bydoi"] = Paper(
        "Diffusion for MRI", 2026, "10.5555/bydoi", abstract=" ".join(f"word{i}" for i in range(30))
    )
    assert run("add", "10.5555/bydoi", "--root", str(repo), "--date", TODAY, "--quiet")[0] == 0
    study = rows(repo / "data" / "studies.csv")[-1]["id"]
    coding = CodingSession(Repository(repo), [study])
    with pytest.raises(CodeError, match="copies 12 consecutive words of the abstract of its record in references.bib"):
        coding.check_text(study, "dataset", " ".join(f"word{i}" for i in range(5, 17)))
    assert coding.check_text(study, "dataset", "word1 word2 word3 and then our own words") == (
        "word1 word2 word3 and then our own words"
    )


def test_vocabulary_words_found_in_a_record():
    facets = load_vocabulary()
    assert ("large", "language", "model") in term_phrases(facets["model_family"].terms["llm"])
    assert set(mentioned_terms("Two LLMs in the ICU and a GAN", facets["model_family"])) == {"llm", "gan"}
    assert "intensive-care" in mentioned_terms("patients in the ICU", facets["domain"])
    assert not mentioned_terms("a ganglion and a vaestibule", facets["model_family"])


def git(repo, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_add_appends_so_a_screener_s_branch_and_an_adder_s_merge(screened):
    """One branch adds the included candidates while another screens the maybe again: both only
    append to screening.csv, and git's union driver (.gitattributes) merges them."""
    repo = screened
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    git(repo, "init", "-q", "-b", "month")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "screened")
    git(repo, "checkout", "-qb", "adder")
    assert add_included(repo)[0] == 0
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "added")
    git(repo, "checkout", "-q", "month")
    git(repo, "checkout", "-qb", "bob")
    bob = Session(Repository(repo), screener="bob", today=dt.date.fromisoformat(TODAY), mode="resolve")
    bob.decide(by_title(repo)[MAYBE.title], "exclude", "not-clinical")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "resolved")
    git(repo, "checkout", "-q", "adder")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "merge", "-q", "--no-edit", "bob")
    merged = rows(repo / "data" / "screening.csv")
    assert len(merged) == 6 + 4 + 1
    assert len(added_studies(merged)) == 4
    code, _out, err = run("validate", "--root", str(repo), "--date", TODAY)
    assert "screening.csv: valid" in _out, err


def test_adding_a_maybe_settles_it_and_the_adder_is_recorded(screened, monkeypatch):
    repo = screened
    maybe = by_title(repo)[MAYBE.title]
    before = snapshot(repo)
    # Nobody named (no --screener, no $LIVINGREVIEW_SCREENER, no git user.name): nothing added.
    monkeypatch.delenv("LIVINGREVIEW_SCREENER", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    code, _out, err = run("add", maybe, "--root", str(repo), "--date", TODAY, "--quiet")
    assert code == 1 and "say who adds the candidates" in err and snapshot(repo) == before
    code, out, err = run("add", maybe, "--root", str(repo), "--date", TODAY, "--screener", "carol", "--quiet")
    assert code == 0, err
    line = rows(repo / "data" / "screening.csv")[-1]
    study = rows(repo / "data" / "studies.csv")[-1]
    assert (line["candidate_id"], line["decision"], line["screener"], line["final"], line["study_id"]) == (
        maybe,
        "include",
        "carol",
        "yes",
        study["id"],
    )
    from livingreview.update.screening import settled_decisions

    assert settled_decisions(rows(repo / "data" / "screening.csv"))[0][maybe]["decision"] == "include"


def test_a_disputed_candidate_is_not_added(screened):
    repo = screened
    excluded = by_title(repo)[EXCLUDED.title]
    Session(Repository(repo), screener="bob", today=dt.date.fromisoformat(TODAY), mode="second").decide(
        excluded, "include"
    )
    before = snapshot(repo)
    code, _out, err = run("add", excluded, "--root", str(repo), "--date", TODAY, "--screener", "bob", "--quiet")
    assert code == 1 and "screeners disagree" in err and "screen --resolve" in err
    assert snapshot(repo) == before


def test_the_code_screen_walks_the_cells_asks_again_and_stops(screened):
    """run_coding with typed lines: '?' shows the abstract again, a copied field and an unknown
    term are asked again, an empty line leaves a cell to do, Enter accepts the suggestion, and a
    stop keeps what was saved."""
    from livingreview.update.coding_screen import run_coding

    repo = screened
    assert add_included(repo)[0] == 0
    study = next(r["id"] for r in rows(repo / "data" / "studies.csv") if r["title"] == DIFFUSION.title)
    session = CodingSession(Repository(repo), [study])
    added = next(r for r in rows(repo / "data" / "studies.csv") if r["id"] == study)
    copied = "latent diffusion model on forty thousand chest radiographs from two hospitals and used the synthetic"
    texts = iter(
        ["?", copied, "Chest radiographs of two hospitals", ""]  # dataset asked three times; method left to do
        + [f"Our words on the {c}" for c in TABLE1_COLUMNS[2:]]
    )
    terms = iter(["difusion", "ACCEPT", None])  # the domain: a typo, then Enter; then a stop
    said: list[str] = []
    defaults: list[str] = []

    def terms_line(message, default, keys):
        defaults.append(default)
        answer = next(terms)
        return default if answer == "ACCEPT" else answer

    saved = run_coding(session, say=said.append, text_line=lambda message: next(texts), terms_line=terms_line)
    text = "\n".join(said)
    assert text.count("Abstract (the abstract of its candidate") == 2  # the card, and again on '?'
    assert "not saved: copies 15 consecutive words" in text and "left to do: method" in text
    assert "not saved: 'difusion' is no term of Clinical domain" in text
    row = next(r for r in rows(repo / "data" / "studies.csv") if r["id"] == study)
    assert row["dataset"] == "Chest radiographs of two hospitals" and row["method"] == TODO
    # The domain's suggestion was pre-filled and accepted as it was: now bare terms, no mark.
    assert "radiology" in defaults[0].split(";") and row["domain"] == defaults[0]
    # Stopped there: the cell is as add left it (only suggested, or a bare to-do where the table's
    # nearest studies suggest nothing), never coded.
    assert row["modality"] == added["modality"] and row["modality"].startswith(TODO)
    assert saved == 1 + 4 + 1 and f"still to do: {study}: method, modality" in text
