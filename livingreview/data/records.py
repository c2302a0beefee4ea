"""The verified bibliographic records (book/references.bib), and the rule that a study's
bibliographic cells come only from one.

Which records count as verified is decided here, inside the repository, never by a file beside
it. A record of book/references.bib is verified when its `provenance` field says where it came
from, in one of two ways:

- SOURCE_REVIEW_RECORDS: the records the project confirmed by hand for the studies the source
  review cites (publisher page, PubMed Central, journal index), the list it started with;
- a registry's record written by `python -m livingreview add`: "Crossref record, fetched on
  YYYY-MM-DD by python -m livingreview add" (registry_provenance writes it, REGISTRY_PROVENANCE
  reads it); for an included candidate without a Crossref record, its own record, as the
  monthly search fetched it from PubMed, Europe PMC or OpenAlex ("PubMed record, fetched on
  YYYY-MM-DD by python -m livingreview search") or as `import` read it from a database's export
  ("Scopus export record, fetched on YYYY-MM-DD by python -m livingreview import").

A study's record is the verified record whose DOI (any case) or URL its row holds. Its
bibliographic cells (title, venue, doi, url) are that record's, or empty: a cell with no verified
record behind it, or one that differs from its record, is a problem by line and column
(bibliography_problems), which `python -m livingreview validate` reports and the tests check.
The book build does not refuse such a row, since previews of other tables ($LIVINGREVIEW_DATA,
the benchmarks' synthetic studies) have no records; the References page lists every study without
a verified record as awaiting one (without_record), so none vanishes.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .exports import tex_escape, verbatim_escape
from .paths import REFERENCES_BIB
from .validation import DataFileError, Problem

#: The provenance of the records the project started with (the source review's studies).
SOURCE_REVIEW_RECORDS = (
    "The source review's records: confirmed by hand from a public record (publisher page, "
    "PubMed Central, journal index)"
)
#: The provenance `add` writes: the registry, the day its record was fetched, and the command of
#: this project that fetched it (add asks Crossref; search the other registries; import reads an export).
REGISTRY_PROVENANCE = re.compile(
    r"(?P<registry>Crossref|PubMed|Europe PMC|OpenAlex|[\w .&()-]+ export) record, fetched on "
    r"(?P<date>\d{4}-\d{2}-\d{2}) by python -m livingreview (?P<command>add|search|import)"
)


def registry_provenance(registry: str, fetched: _dt.date, command: str = "add") -> str:
    """The provenance `add` writes into a registry's record (and REGISTRY_PROVENANCE reads)."""
    return f"{registry} record, fetched on {fetched.isoformat()} by python -m livingreview {command}"


#: The cells that come from a record, and the record's fields each is compared with.
RECORD_CELLS = {
    "title": ("title",),
    "venue": ("journal", "booktitle", "howpublished"),
    "doi": ("doi",),
    "url": ("url",),
}


@dataclass(frozen=True)
class Record:
    """One record of the bibliography, as the study table's cells are compared with it."""

    key: str
    provenance: str
    fields: Mapping[str, str]  # field name (lower case) -> the raw BibTeX value

    @property
    def doi(self) -> str:
        return self.fields.get("doi", "").strip()

    @property
    def url(self) -> str:
        return self.fields.get("url", "").strip()

    @property
    def verified(self) -> bool:
        """Whether the record says where it came from, in a way this repository accepts."""
        return self.provenance == SOURCE_REVIEW_RECORDS or bool(REGISTRY_PROVENANCE.fullmatch(self.provenance))


def read_bibliography(path: str | Path = REFERENCES_BIB) -> dict[str, Record]:
    """Every record of a BibTeX file, by key. Raises DataFileError when it cannot be parsed."""
    from pybtex.database import parse_string
    from pybtex.scanner import PybtexError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read ({exc})") from None
    try:
        entries = parse_string(text, "bibtex").entries
    except PybtexError as exc:
        raise DataFileError(f"{path}: is not valid BibTeX ({' '.join(str(exc).split())})") from None
    return {
        key: Record(
            key,
            " ".join(entry.fields.get("provenance", "").split()),
            {name.lower(): str(value) for name, value in entry.fields.items()},
        )
        for key, entry in entries.items()
    }


def _same_text(cell: str, field: str) -> bool:
    """A table cell (plain text) and a record's field (TeX-escaped, braced) say the same."""

    def bare(text: str) -> str:
        return " ".join(text.replace("{", "").replace("}", "").split()).casefold()

    return bare(tex_escape(cell)) == bare(field)


def record_finder(records: Mapping[str, Record]) -> Callable[[Mapping], Record | None]:
    """A function giving a study's verified record: the one whose DOI (any case) or URL the row
    holds, else None. (Indexed once, for tables of any size.)"""
    by_doi = {r.doi.casefold(): r for r in records.values() if r.verified and r.doi}
    by_url = {r.url: r for r in records.values() if r.verified and r.url}

    def find(row: Mapping) -> Record | None:
        doi = str(row.get("doi") or "").strip().casefold()
        url = str(row.get("url") or "").strip()
        return (by_doi.get(doi) if doi else None) or (by_url.get(verbatim_escape(url)) if url else None)

    return find


def without_record(rows: Iterable[Mapping], records: Mapping[str, Record]) -> list[bool]:
    """For each row, whether no verified record is its own (the References page lists it as awaiting one)."""
    find = record_finder(records)
    return [find(row) is None for row in rows]


def bibliography_problems(
    rows: Iterable[Mapping], lines: Iterable[int], records: Mapping[str, Record], bibfile: str = "book/references.bib"
) -> list[Problem]:
    """Every bibliographic cell without a verified record behind it, or unlike its record."""
    problems = []
    find = record_finder(records)
    for row, line in zip(rows, lines):
        filled = [c for c in ("doi", "url", "title", "venue") if str(row.get(c) or "").strip()]
        if not filled:
            continue
        record = find(row)
        if record is None:
            column = filled[0]
            doi = str(row.get("doi") or "").strip()
            how = (
                f"run `python -m livingreview add {doi}` to fetch its record (add writes the study as a new "
                "row: delete this one and copy its other cells there)"
                if doi
                else "leave the cell empty until a registry record of the study is added"
            )
            problems.append(
                Problem(
                    line,
                    column,
                    f"{bibfile} has no verified record with this row's DOI or URL: title, venue, doi and url "
                    f"come only from a registry's record; {how}",
                )
            )
            continue
        for column in filled:
            cell = str(row.get(column)).strip()
            fields = [record.fields.get(name, "") for name in RECORD_CELLS[column]]
            if column == "doi":
                same = cell.casefold() == record.doi.casefold()
            elif column == "url":
                same = verbatim_escape(cell) == record.url
            else:
                same = any(field and _same_text(cell, field) for field in fields)
            if not same:
                shown = next((f for f in fields if f), "")
                problems.append(
                    Problem(
                        line,
                        column,
                        f"differs from its record {record.key} in {bibfile}"
                        + (f" ({' '.join(shown.split())!r})" if shown else " (which has none)")
                        + ": copy it from there, or leave the cell empty",
                    )
                )
    return problems
