"""Studies the source review cites in its text but leaves out of Table 1 (data/cited.csv).

Phipps et al. (reference 5) is the first: the review discusses it in its prose, yet Table 1 has no
row for it, so it is not coded and is not a row of the study table. Such studies are recorded
here, checked against their own schema (the `cited` resource of data/datapackage.json) and
against the study table (a reference number belongs to one file only), listed on the References
page, and counted: "16 studies cited, 15 in Table 1".
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from pathlib import Path

import pandas as pd

from ..text.markup import RawHTML, esc
from ..text.wording import GlueText, citation_text, plural
from .links import is_https
from .paths import CITED
from .schema import resource_schema
from .table1 import load_table1
from .validation import InvalidStudiesError, Problem, check_resource, is_validated, trusted_resource_rows

#: The resource of datapackage.json that describes cited.csv, and how messages name the file.
RESOURCE = "cited"
WHAT = "the cited-only studies (cited.csv)"


def cited_schema() -> dict:
    """The Table Schema descriptor of the cited-only studies."""
    return resource_schema(RESOURCE)


def validate_cited(path: str | Path = CITED, studies: pd.DataFrame | None = None) -> tuple[list[dict], list[Problem]]:
    """The rows of `path` and every problem in them, by line and column.

    Checks the schema (frictionless), the year's upper bound, and, given the study table, that no
    reference number is both a row of Table 1 and a cited-only study. Raises DataFileError when
    the file cannot be read as CSV at all.
    """
    rows, lines, problems = check_resource(path, RESOURCE, WHAT, "cited-only file")
    this_year = _dt.date.today().year
    in_table1 = set() if studies is None else {int(ref) for ref in studies["ref"].dropna()}
    for row, line in zip(rows, lines):
        if re.fullmatch(r"\d+", row["year"].strip()) and int(row["year"]) > this_year:
            problems.append(Problem(line, "year", f"{row['year']} is in the future"))
        if re.fullmatch(r"\d+", row["ref"].strip()) and int(row["ref"]) in in_table1:
            problems.append(
                Problem(line, "ref", f"reference {row['ref']} is a row of the study table; a study is in one file only")
            )
    return rows, problems


def cited_fingerprint(path: str | Path, studies_digest: str) -> str:
    """SHA-256 of the file's bytes and of the study table's digest (it is checked against it)."""
    digest = hashlib.sha256(Path(path).read_bytes())
    digest.update(studies_digest.encode())
    return digest.hexdigest()


def load_cited(path: str | Path = CITED, studies: pd.DataFrame | None = None) -> pd.DataFrame:
    """The cited-only studies, validated: `ref` and `year` as nullable integers, empty text ''.

    In a page's kernel, a file the build already validated against this same study table is read
    without checking it again (validation.VALIDATED_ENV).
    Raises DataFileError (unreadable) or InvalidStudiesError (every problem, by line)."""
    studies_digest = studies.attrs.get("sha256") if studies is not None else None
    trusted = bool(studies_digest) and is_validated(cited_fingerprint(path, studies_digest))
    if trusted:
        rows = trusted_resource_rows(path, RESOURCE, WHAT)
    else:
        rows, problems = validate_cited(path, studies)
        if problems:
            raise InvalidStudiesError(path, problems)
    frame = pd.DataFrame(rows, columns=[f["name"] for f in cited_schema()["fields"]], dtype=object)
    for column in ("ref", "year"):
        frame[column] = pd.array([int(v) if str(v).strip() else None for v in frame[column]], dtype="Int64")
    return frame


def cited_facts(
    studies: pd.DataFrame, cited: pd.DataFrame | None = None, table1: list[dict] | None = None
) -> dict[str, object]:
    """How many studies the source review cites, and how many of them are in its Table 1 (glue names).

    Facts about the source, which the study table does not change: Table 1's studies are those
    of data/table1.csv (a row a correction took out of the study table is still one of them), and
    the rows of the study table with a reference number where that file is missing (a table
    built elsewhere). Studies the living review added have none and are not counted as cited.
    """
    cited = load_cited(studies=studies) if cited is None else cited
    table1 = load_table1() if table1 is None else table1
    refs = [row["ref"] for row in table1] if table1 else list(studies["ref"].dropna())
    table1 = {int(ref) for ref in refs}
    only = {int(ref) for ref in cited["ref"].dropna()} - table1
    n_cited = len(table1 | only)
    return {
        "n_cited": n_cited,
        "n_cited_text": GlueText(plural(n_cited, "study", "studies")),
        "n_in_table1": len(table1),
        "n_cited_only": len(only),
        "n_cited_only_text": GlueText(plural(len(only), "study", "studies")),
    }


def cited_anchor(study_id: str) -> str:
    """The element id of a cited-only study's entry on the References page (chapters link to it)."""
    return f"cited-{study_id}"


def cited_only_html(cited: pd.DataFrame | None = None):
    """The References page's list of cited-only studies: author, year, reference number, and
    what the source says about each (every value from the data, escaped)."""
    cited = load_cited() if cited is None else cited
    if cited.empty:
        return RawHTML("<p>None: every study the source review cites is a row of its Table 1.</p>")
    items = []
    for _, row in cited.sort_values("ref").iterrows():
        name = esc(citation_text(row))
        if is_https(row["url"]):
            name = f'<a href="{esc(row["url"])}">{name}</a>'
        items.append(
            f'<li id="{esc(cited_anchor(row["id"]))}"><strong>{name}</strong>, '
            f"reference {int(row['ref'])} of the source review. {esc(row['source_says'])}"
            f'<br><span class="lr-muted">{esc(row["notes"])}</span></li>'
        )
    return RawHTML(f'<ul class="lr-cited-only">{"".join(items)}</ul>')
