"""The chapters are in our own words: no run of MIN_RUN words copied from the source outside a
marked quotation (tests/source_overlap.py measures it; run it alone to see the longest runs)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import source_overlap
from source_overlap import MIN_RUN, SourceIndex, chapter_runs, prose_segments, words

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
