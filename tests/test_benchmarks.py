"""The benchmark's table generator (benchmarks/synthetic.py) makes tables the validator accepts."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from livingreview import load_studies
from livingreview.data.schema import expected_columns
from livingreview.data.validation import validate
from livingreview.data.vocabulary import LIST_COLUMNS, load_vocabulary, split_terms

from synthetic import make_studies, write_studies

N = 300


def test_synthetic_rows_are_valid(tmp_path):
    path = write_studies(tmp_path / "studies.csv", N, seed=1)
    rows, problems = validate(path)
    assert problems == []
    assert len(rows) == N
    frame = load_studies(path)
    assert frame["id"].is_unique
    assert frame["year"].between(2015, dt.date.today().year).all()
    assert frame["added"].notna().all()


def test_every_vocabulary_term_is_used_even_in_a_small_table():
    # As few rows as the largest facet has terms: the generator walks each facet's terms in turn.
    rows = make_studies(max(len(facet.terms) for facet in load_vocabulary().values()), seed=0)
    for column in LIST_COLUMNS:
        used = {term for row in rows for term in split_terms(row[column])}
        assert used == set(load_vocabulary()[column].terms), column


def test_cells_hold_several_terms_and_realistic_text():
    rows = make_studies(N, seed=2)
    assert list(rows[0]) == expected_columns()
    for column in LIST_COLUMNS:
        several = sum(len(split_terms(row[column])) > 1 for row in rows)
        assert several >= N // 10, column
    for column, shortest, longest in (("application", 12, 600), ("limitations", 12, 600)):
        lengths = [len(row[column]) for row in rows]
        assert min(lengths) >= shortest and max(lengths) <= longest
        assert 100 <= sum(lengths) / len(lengths) <= 260


def test_same_seed_same_table_other_seed_other_table():
    assert make_studies(50, seed=3) == make_studies(50, seed=3)
    assert make_studies(50, seed=3) != make_studies(50, seed=4)


@pytest.mark.slow
def test_the_explorer_benchmark_runs_and_reports_beside_its_goal():
    """`benchmarks/run.py --only explorer` stays runnable: its in-kernel part on the shipped table,
    then the summary table it prints with the figures beside their goals."""
    import run

    result = run.explorer_timing(ROOT / "data" / "studies.csv", rounds=1)
    for key in ("build_ms", "list_median_ms", "list_cpu_median_ms", "update_median_ms", "revisit_median_ms"):
        assert result[key] > 0, key
    assert result["samples"] == len(run.explorer_states())
    assert result["list_cpu_median_ms"] <= result["update_cpu_median_ms"]  # the list goes out first
    table = run.print_table({"sizes": {"15": {"explorer": result}}})
    assert "explorer filter change → list shown, median CPU (ms)" in table and "≤50 at 10,000" in table


def test_the_readme_performance_tables_are_the_last_runs_output():
    """README's Performance tables are written by `benchmarks/run.py --readme` from the committed
    results of the last full run (benchmarks/last-run.json), never typed."""
    import run

    results = json.loads(run.LAST_RUN.read_text(encoding="utf-8"))
    readme = run.README.read_text(encoding="utf-8")
    begin, end = readme.index(run.README_BEGIN), readme.index(run.README_END) + len(run.README_END)
    assert readme[begin:end] == run.readme_block(results), (
        "README.md's Performance tables differ from benchmarks/last-run.json: "
        "run `.venv/bin/python benchmarks/run.py --table --readme --output benchmarks/last-run.json`"
    )


def test_the_last_run_measured_every_page_at_the_sizes_the_goals_name():
    """The committed run covers every page of the book (as built from this checkout's _toc.yml) with
    Lighthouse at the shipped table (the bench's size 15) and at 10,000 studies, at least three runs per page and preset."""
    import run

    results = json.loads(run.LAST_RUN.read_text(encoding="utf-8"))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    chapters = {"landing" if Path(f).name == "index" else Path(f).name for f in files}
    for size in ("15", "10000"):
        measured = results["sizes"][size]["lighthouse"]
        for page in chapters:
            for preset in ("mobile", "desktop"):
                run_result = measured[f"{page}/{preset}"]
                assert run_result["runs"] >= 3 and not run_result["failed"], (size, page, preset)


def test_lighthouse_medians_and_goals_are_computed_from_the_runs():
    import run

    runs = [
        {"performance": score, "accessibility": a11y, "values": {"first-contentful-paint": fcp}}
        for score, a11y, fcp in ((0.7, 1.0, 900.0), (0.95, 0.98, 500.0), (0.9, 1.0, 700.0))
    ]
    merged = run.median_run(runs)
    assert merged["performance"] == 0.9 and merged["accessibility"] == 0.98
    assert merged["values"]["first-contentful-paint"] == 700.0 and merged["failed"] == 0
    assert run.lighthouse_goal("mobile", 15) == 0.90 and run.lighthouse_goal("mobile", 10000) == 0.85
    assert run.lowest_page(
        {"a/mobile": {"performance": 0.9}, "b/mobile": {"performance": 0.8}}, "mobile", "performance"
    ) == ("b", 0.8)
