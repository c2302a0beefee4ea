"""The validator names every problem by line and column, and never shows a traceback."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from livingreview import load_studies
from livingreview.cli import main
from livingreview.data.validation import DataFileError, InvalidStudiesError

from conftest import FIXTURES, ROOT


def run_validate(*args: str) -> subprocess.CompletedProcess:
    """`python -m livingreview validate ARGS` run from the repository root, in this process (the
    same code and output as the command, without a Python start-up per case)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", *args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, code, expected",
    [(["data/studies.csv"], 0, "data/studies.csv: valid: "), (["tests/fixtures/nope.csv"], 2, "no such file")],
)
def test_the_real_command_line(args, code, expected):
    """What a contributor's terminal shows: the exit code, the message, never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "livingreview", "validate", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == code and expected in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_shipped_data_is_valid_with_a_summary():
    result = run_validate("data/studies.csv")
    assert result.returncode == 0, result.stderr
    frame = load_studies()
    families = len({f for fs in frame["model_family"] for f in fs})
    assert result.stdout.strip() == (
        f"data/studies.csv: valid: {len(frame)} studies, "
        f"{len({d for ds in frame['domain'] for d in ds})} clinical domains, "
        f"{families} model families, {frame['year'].min()}–{frame['year'].max()}"
    )


# fixture, exit code, expected text (line, column, reason)
CASES = [
    ("bad-year-type.csv", 1, ":2: column 'year': '20x4' is not a whole number"),
    ("bad-year-range.csv", 1, ":2: column 'year': 1985 is out of range; expected a year from 1990"),
    ("bad-year-future.csv", 1, ":2: column 'year': 2999 is in the future"),
    ("bad-slug.csv", 1, ":2: column 'id': 'Smith 2024' is not a valid id"),
    ("duplicate-id.csv", 1, ":3: column 'id': duplicate id 'smith-2024': already used on line 2"),
    ("bad-doi.csv", 1, ":2: column 'doi': 'doi:10.1/x' is not a DOI"),
    ("unknown-term.csv", 1, ":2: column 'model_family': unknown term 'difusion'; did you mean 'diffusion'?"),
    ("empty-list.csv", 1, ":2: column 'domain': is empty; give at least one term"),
    ("empty-required.csv", 1, ":2: column 'dataset': is empty; this column is required"),
    ("bad-date.csv", 1, ":2: column 'added': '26/11/2026' is not a date; write it as YYYY-MM-DD"),
    ("missing-column.csv", 1, ":1: column 'notes': missing from the header"),
    ("extra-column.csv", 1, ":1: column 'extra': unexpected column"),
    ("row-too-long.csv", 1, ":2: column 'notes': the row has 22 fields but the header has 21"),
    ("unbalanced-quotes.csv", 2, ":3: unbalanced quotes"),
    ("latin1.csv", 2, ":2: is not UTF-8"),
    ("empty.csv", 2, ": the file is empty"),
    ("not-csv.csv", 2, ":1: does not look like the study table"),
]


@pytest.mark.parametrize("name,code,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_named_precisely(name, code, expected):
    path = f"tests/fixtures/{name}"
    result = run_validate(path)
    assert result.returncode == code, result.stderr
    assert f"{path}{expected}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    lines = (FIXTURES / "valid.csv").read_text(encoding="utf-8").splitlines()
    bad = lines[1].replace("smith-2024", "Smith!").replace(",2024,", ",19x,").replace(",diffusion,", ",gann,")
    (tmp_path / "many.csv").write_text("\n".join([lines[0], bad] + lines[2:]) + "\n", encoding="utf-8")
    result = run_validate(str(tmp_path / "many.csv"))
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if ": column '" in line]
    assert {p.split("column '")[1].split("'")[0] for p in problems} == {"id", "year", "model_family"}
    assert "did you mean 'gan'?" in result.stderr


def test_bom_and_crlf_are_accepted():
    result = run_validate("tests/fixtures/bom-crlf.csv")
    assert result.returncode == 0, result.stderr
    assert load_studies(FIXTURES / "bom-crlf.csv")["id"].tolist() == ["smith-2024"]


def test_quoted_fields_spanning_lines_keep_line_numbers(tmp_path):
    text = (FIXTURES / "valid.csv").read_text(encoding="utf-8")
    # valid.csv's second study has a two-line field, so a third study starts on line 5
    third = (
        text.splitlines()[1]
        .replace("smith-2024", "brown-2022")
        .replace(",2024,", ",2022,")
        .replace("radiology", "radiologie")
    )
    (tmp_path / "three.csv").write_text(text + third + "\n", encoding="utf-8")
    result = run_validate(str(tmp_path / "three.csv"))
    assert (
        f"{tmp_path / 'three.csv'}:5: column 'domain': unknown term 'radiologie'; did you mean 'radiology'?"
        in result.stderr
    )


def test_missing_file_and_folder_exit_2(tmp_path):
    for target, reason in ((tmp_path / "nope.csv", "no such file"), (tmp_path, "is a folder")):
        result = run_validate(str(target))
        assert result.returncode == 2 and reason in result.stderr


def test_github_annotations():
    result = run_validate("tests/fixtures/unknown-term.csv", "--format", "github")
    assert result.returncode == 1
    assert result.stdout.startswith(
        "::error file=tests/fixtures/unknown-term.csv,line=2,title=column 'model_family'::unknown term 'difusion'"
    )


def test_load_studies_raises_with_every_problem():
    with pytest.raises(InvalidStudiesError) as info:
        load_studies(FIXTURES / "duplicate-id.csv")
    assert [(p.line, p.column) for p in info.value.problems] == [(3, "id")]
    with pytest.raises(DataFileError):
        load_studies(FIXTURES / "empty.csv")


def test_environment_variable_selects_the_table(monkeypatch):
    monkeypatch.setenv("LIVINGREVIEW_DATA", str(FIXTURES / "valid.csv"))
    assert load_studies()["id"].tolist() == ["smith-2024", "jones-2023"]


def test_list_columns_are_lists_and_types_are_right():
    frame = load_studies(FIXTURES / "valid.csv")
    assert frame.loc[1, "limitation_themes"] == [] and frame.loc[0, "model_family"] == ["diffusion"]
    assert frame["ref"].isna().all() and frame["year"].tolist() == [2024, 2023]
    assert frame.loc[1, "method"] == "A method\nover two lines"
