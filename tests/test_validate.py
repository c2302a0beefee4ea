"""The validator names every problem by line and column, and never shows a traceback."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import subprocess
import sys
from pathlib import Path

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


def test_a_file_saved_by_a_spreadsheet_is_named_with_its_fix(tmp_path):
    """A byte-order mark and Windows line ends (as Excel saves CSV) would change every line of
    the diff: the validator says so and names the command that writes the file back."""
    result = run_validate("tests/fixtures/bom-crlf.csv")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "tests/fixtures/bom-crlf.csv:1: column 'id': the file was saved with a byte-order mark and Windows line ends"
    )
    assert "run `python -m livingreview normalise`" in result.stderr
    # The command writes it back as the repository keeps it, and then it is valid.
    copy = tmp_path / "studies.csv"
    copy.write_bytes((FIXTURES / "bom-crlf.csv").read_bytes())
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["normalise", str(copy)]) == 0
    assert "normalised" in out.getvalue()
    assert not copy.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r" not in copy.read_bytes()
    assert run_validate(str(copy)).returncode == 0
    assert load_studies(copy)["id"].tolist() == ["smith-2024"]
    # Old Mac line ends (a lone carriage return) are named too, from the line they start on.
    lines = (FIXTURES / "valid.csv").read_text(encoding="utf-8").split("\n")
    (tmp_path / "cr.csv").write_text("\n".join(lines[:2]) + "\r" + "\n".join(lines[2:]), encoding="utf-8")
    assert (
        "cr.csv:2: column 'id': the file was saved with Windows line ends"
        in run_validate(str(tmp_path / "cr.csv")).stderr
    )


def test_normalise_leaves_the_repository_files_as_they_are():
    """The shipped data files are already as `normalise` writes them (nothing to change)."""
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["normalise", "--root", str(ROOT)]) == 0
    lines = out.getvalue().splitlines()
    assert lines and all(line.endswith("unchanged, already as the repository keeps it") for line in lines), lines


def _one_row(tmp_path, **cells) -> Path:
    """valid.csv's first study with `cells` changed, as a file of its own."""
    with open(FIXTURES / "valid.csv", encoding="utf-8", newline="") as handle:
        header, first, *_rest = list(csv.reader(handle))
    for column, value in cells.items():
        first[header.index(column)] = value
    path = tmp_path / "row.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, first])
    return path


def test_terms_separated_by_commas_are_named_with_the_fix(tmp_path):
    """'pathology,oncology' is two terms mistyped, not an unknown term to guess one for."""
    result = run_validate(str(_one_row(tmp_path, domain="pathology,oncology")))
    assert result.returncode == 1
    assert (
        ":2: column 'domain': 'pathology,oncology': separate terms with ';', not ',' (write 'pathology;oncology')"
        in result.stderr
    )
    assert "unknown term" not in result.stderr and "did you mean" not in result.stderr


@pytest.mark.parametrize(
    "column, value, where",
    [
        ("first_author", "Smith ", "ends"),
        ("title", " A title", "starts"),
        ("limitations", " Few ", "starts and ends"),
        ("model_family", "diffusion ", "ends"),
        ("notes", "A note\n", "ends"),
    ],
)
def test_white_space_at_a_cells_ends_is_refused_by_column(tmp_path, column, value, where):
    """The validator refuses what the tests (ids from first authors, Table 1 compared word for
    word) would trip on: the column is named, and the command that removes it."""
    result = run_validate(str(_one_row(tmp_path, **{column: value})))
    assert result.returncode == 1
    assert f":2: column '{column}': {where} with white space" in result.stderr
    assert "`python -m livingreview normalise` removes it" in result.stderr


@pytest.mark.parametrize(
    "column, value, fix",
    [
        ("domain", "oncology;\npathology", "list the terms on one line, separated by ';'"),
        ("limitation_themes", "bias-fairness\n;evaluation", "list the terms on one line, separated by ';'"),
        ("first_author", "Smith\nJones", "write the cell on one line"),
        ("venue", "Journal of\nTesting", "write the cell on one line"),
    ],
)
def test_a_line_break_is_refused_where_a_cell_is_one_line(tmp_path, column, value, fix):
    result = run_validate(str(_one_row(tmp_path, **{column: value})))
    assert result.returncode == 1
    assert f":2: column '{column}': has a line break; {fix}" in result.stderr


@pytest.mark.parametrize("column", ["dataset", "limitations", "notes"])
def test_a_line_break_is_kept_in_the_long_text_columns(tmp_path, column):
    """The six descriptive fields and the notes may hold line breaks (a list, line by line): the
    studies table shows them; they are kept as written."""
    path = _one_row(tmp_path, **{column: "First item\nSecond item"})
    assert run_validate(str(path)).returncode == 0
    assert load_studies(path).loc[0, column] == "First item\nSecond item"


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


# --- The checkout's own table against its other files: the bibliography and Table 1 ---------


def _edit_table(repo, change) -> None:
    path = repo / "data" / "studies.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    change(header, rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def _validate_root(repo) -> subprocess.CompletedProcess:
    return run_validate("--root", str(repo))


def test_a_doi_without_a_verified_record_is_refused_with_the_command_that_adds_it(repo):
    """A bibliographic cell comes only from a verified record of book/references.bib; a DOI typed
    by hand has none, and the message names `add`. A record without a provenance is not verified."""

    def hand_typed(header, rows):
        row = rows[-1]
        row[header.index("doi")] = "10.5555/typed.by.hand"

    _edit_table(repo, hand_typed)
    result = _validate_root(repo)
    line = len(load_studies(repo / "data" / "studies.csv")) + 1
    assert result.returncode == 1
    assert f"studies.csv:{line}: column 'doi': " in result.stderr
    assert "has no verified record with this row's DOI or URL" in result.stderr
    assert "run `python -m livingreview add 10.5555/typed.by.hand`" in result.stderr


def test_a_cell_unlike_its_record_and_an_unverified_record_are_named(repo):
    studies = load_studies(repo / "data" / "studies.csv")
    with_title = studies[studies["title"] != ""].iloc[0]
    line = int(studies.index[studies["id"] == with_title["id"]][0]) + 2

    def retitled(header, rows):
        rows[line - 2][header.index("title")] = with_title["title"] + " (revised)"

    _edit_table(repo, retitled)
    result = _validate_root(repo)
    assert f"studies.csv:{line}: column 'title': differs from its record" in result.stderr
    # Without its provenance the record does not count: every cell of that row is unverified.
    bib = repo / "book" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(re.sub(r",\n\s*provenance\s*=\s*\{[^}]*\}", "", text), encoding="utf-8")
    result = _validate_root(repo)
    assert "has no verified record" in result.stderr and result.returncode == 1


def test_a_row_with_a_reference_number_must_be_table1s(repo):
    def miscited(header, rows):
        rows[0][header.index("year")] = str(int(rows[0][header.index("year")]) - 1)
        rows[1][header.index("ref")] = "99"

    _edit_table(repo, miscited)
    result = _validate_root(repo)
    assert result.returncode == 1
    assert "studies.csv:2: column 'year': reference " in result.stderr and "(data/table1.csv): write '" in result.stderr
    assert "studies.csv:3: column 'ref': reference 99 is not a study of the source review's Table 1" in result.stderr


def test_another_table_is_not_held_to_the_checkouts_bibliography():
    """A preview table ($LIVINGREVIEW_DATA, PATH) has no records in book/references.bib: its DOIs
    are not refused (the References page lists such studies as awaiting a record)."""
    assert load_studies(FIXTURES / "valid.csv")["doi"].any()
    assert run_validate("tests/fixtures/valid.csv").returncode == 0
