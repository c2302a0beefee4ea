"""The chapters are in our own words: no run of MIN_RUN words copied from the source outside a
marked quotation (tests/source_overlap.py measures it; run it alone to see the longest runs)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import source_overlap
from source_overlap import MIN_RUN, SourceIndex, chapter_runs, prose_segments, text_runs, words

from conftest import ROOT, SEED, SOURCES_BIB, require_shared

SOURCE = "Generative models synthesise realistic yet privacy preserving data for clinical tasks in radiology."


def test_words_fold_case_and_split_on_punctuation():
    assert words("Vision-Language Models’ “test”, Lötsch") == ["vision", "language", "models", "test", "lötsch"]


def test_code_cells_front_matter_options_and_roles_are_not_prose():
    chapter = (
        "---\nkernelspec:\n  name: python3\n---\n# Title\n\n"
        "```{code-cell} ipython3\n:tags: [remove-cell]\nprint('synthesise realistic yet privacy preserving data')\n```\n\n"
        ":::{admonition} At a glance\n:class: tip\nOur words {glue:text}`n_studies` and {study}`han-2020` here.\n:::\n\n"
        "(a-label)=\nSee [the page](https://example.org/x) and `code here`.\n"
    )
    segments = [" ".join(words(s)) for s in prose_segments(chapter)]
    assert segments == ["title", "our words", "and", "here", "see the page and"]


def test_quotations_are_left_out_but_break_the_run():
    index = SourceIndex(SOURCE)
    quoted = "The source says “generative models synthesise realistic yet privacy preserving data” and so on."
    assert chapter_runs(quoted, index) == []
    straight = 'It says "generative models synthesise realistic yet privacy preserving data" here.'
    assert chapter_runs(straight, index) == []
    block = "> Generative models synthesise realistic yet privacy preserving data for clinical tasks.\n"
    assert chapter_runs(block, index) == []


def test_a_copied_run_is_found_with_its_length_and_a_role_breaks_it():
    index = SourceIndex(SOURCE)
    copied = "Here, generative models synthesise realistic yet privacy-preserving data for clinical work."
    runs = chapter_runs(copied, index)
    assert runs[0].length == 10 and runs[0].text.startswith("generative models synthesise")
    broken = (
        "Here, generative models synthesise realistic {glue:text}`x` yet privacy-preserving data for clinical work."
    )
    assert max(run.length for run in chapter_runs(broken, index)) < MIN_RUN


def test_no_chapter_shares_a_long_run_with_the_source(capsys):
    require_shared(SEED)
    chapters = sorted((ROOT / "book").glob("*.md"))
    assert chapters
    text, longest = source_overlap.report(chapters, SEED)
    copied = {name: length for name, length in longest.items() if length >= MIN_RUN}
    assert not copied, f"chapters copying the source's words (write them in our own, or quote them):\n{text}"


def test_the_data_files_own_words_copy_no_run_of_the_source():
    """Our words in the data files (the notes, the summaries of cited-only studies, and the six
    fields of a study the living review added) quote the source's sentences or leave them."""
    require_shared(SEED)
    from livingreview import TABLE1_COLUMNS, load_studies
    from livingreview.data.cited import load_cited

    index = SourceIndex(SEED.read_text(encoding="utf-8"))
    texts = []
    for row in load_studies(ROOT / "data" / "studies.csv").to_dict("records"):
        own = ["notes"] if row["ref"] is not None and row["ref"] == row["ref"] else ["notes", *TABLE1_COLUMNS]
        texts += [(row["id"], column, row[column]) for column in own]
    for row in load_cited().to_dict("records"):
        texts += [(row["id"], column, row[column]) for column in ("cited_in", "source_says", "notes")]
    assert texts
    copied = []
    for study, column, text in texts:
        runs = text_runs(str(text or ""), index)
        if runs and runs[0].length >= MIN_RUN:
            copied.append(f"{study} {column}: {runs[0].length} words: {runs[0].text}")
    assert not copied, "\n".join(copied)


def test_a_run_in_a_note_is_found_and_a_quotation_is_not():
    index = SourceIndex(SOURCE)
    assert (
        text_runs("We say generative models synthesise realistic yet privacy preserving data here.", index)[0].length
        == 8
    )
    assert text_runs("It says 'generative models synthesise realistic yet privacy preserving data' here.", index) == []
    assert text_runs("The authors' models synthesise realistic yet privacy preserving data", index)[0].length == 7


@pytest.mark.slow
def test_the_script_runs_alone():
    require_shared(SEED)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "source_overlap.py"), "--top", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "longest shared run" in result.stdout


def test_quotations_are_the_sources_words():
    """A passage in “…” is a quotation: word for word the source review's, or a verified record's
    title. (The overlap check leaves quotations out, so this is what keeps them honest.)"""
    require_shared(SEED)
    from pybtex.database import parse_file

    allowed = f" {' '.join(words(SEED.read_text(encoding='utf-8')))} "
    titles = [" ".join(words(e.fields.get("title", ""))) for e in parse_file(str(SOURCES_BIB)).entries.values()]
    checked = 0
    for chapter in sorted((ROOT / "book").glob("*.md")):
        for quoted in re.findall(r"“([^”]+)”", chapter.read_text(encoding="utf-8")):
            passage = " ".join(words(quoted))
            assert f" {passage} " in allowed or passage in titles, (
                f"{chapter.name}: “{quoted}” is not the source's words"
            )
            checked += 1
    assert checked
