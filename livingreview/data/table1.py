"""The source review's Table 1 as it cites its studies (data/table1.csv): reference number, id,
first author and year, in the table's order.

A fact about the source, like data/selection.yml: it does not change when the study table does.
A row of the study table with a reference number is one of these, with the same id, first author
and year (table1_problems; `python -m livingreview validate` checks the checkout's own table). A
correction may take a Table 1 row out of the study table; the study is still one the source
review cites in its Table 1, so the counts of what the source cites come from here, and the
chapters still cite it (livingreview.book.citations words it from here, without a card).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from .paths import TABLE1
from .validation import InvalidStudiesError, Problem, check_resource, is_validated, trusted_resource_rows

#: The resource of datapackage.json that describes table1.csv, and how messages name the file.
RESOURCE = "table1"
WHAT = "the source review's Table 1 (table1.csv)"


def validate_table1(path: str | Path = TABLE1) -> tuple[list[dict], list[Problem]]:
    """The rows of `path` and every problem in them (its schema), by line and column. Raises
    DataFileError when the file cannot be read as CSV."""
    rows, _lines, problems = check_resource(path, RESOURCE, WHAT, "Table 1 file")
    return rows, problems


def table1_fingerprint(path: str | Path = TABLE1) -> str:
    """SHA-256 of the file's bytes (what the build marks as validated)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_table1(path: str | Path = TABLE1) -> list[dict]:
    """Table 1's citations (ref, id, first_author, year as text), validated; [] without the file.
    In a page's kernel, the file the build validated is read without checking it again
    (validation.VALIDATED_ENV). Raises DataFileError or InvalidStudiesError."""
    if not Path(path).is_file():
        return []
    if is_validated(table1_fingerprint(path)):
        return trusted_resource_rows(path, RESOURCE, WHAT)
    rows, problems = validate_table1(path)
    if problems:
        raise InvalidStudiesError(path, problems)
    return rows


def table1_problems(rows: Iterable[Mapping], lines: Iterable[int], table1: list[dict]) -> list[Problem]:
    """A study-table row with a reference number that is not Table 1's row of that number, or that
    cites it otherwise (id, first author, year)."""
    by_ref = {row["ref"].strip(): row for row in table1}
    problems = []
    for row, line in zip(rows, lines):
        ref = str(row.get("ref") or "").strip()
        if not ref:
            continue
        source = by_ref.get(ref)
        if source is None:
            problems.append(
                Problem(
                    line,
                    "ref",
                    f"reference {ref} is not a study of the source review's Table 1 (data/table1.csv); leave `ref` "
                    "empty for a study the living review adds",
                )
            )
            continue
        for column in ("id", "first_author", "year"):
            if str(row.get(column) or "").strip() != source[column].strip():
                problems.append(
                    Problem(
                        line,
                        column,
                        f"reference {ref} is Table 1's {source['first_author']} ({source['year']}), id "
                        f"{source['id']} (data/table1.csv): write '{source[column]}'",
                    )
                )
    return problems
