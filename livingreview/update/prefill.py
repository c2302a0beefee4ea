"""`python -m livingreview add DOI|CANDIDATE-ID`: a publication's registry record as a pre-filled
row of the study table and a record of the book's bibliography.

Crossref's record of the DOI (livingreview.update.registry.crossref_work) gives the verified facts: the
first author's family name, the year, the title, the venue, the DOI and the publisher's https
link; they are written as the registry states them (as plain text), never completed by a guess.
What only a person can write from the publication (Table 1's six fields and the coded columns)
is left as the to-do marker, which `validate` names by line and column until it is replaced.
The row's id is the first author and year (-b, -c for a second and third of the same author and
year), every Latin letter transliterated (python-slugify, through text-unidecode: 'Ødegård-
Łukasiewicz' -> odegard-lukasiewicz); an id, once written, is never recomputed, so a released id
stays as it is. `added` is today. For a candidate id, the candidate's DOI is added and its
screening row records the inclusion and the study it became.

The DOI is asked for as itself (percent-encoded in the URL: '#', '?' and '<>' of old SICI DOIs
included). Where Crossref's record names another DOI (an alias) or, for a candidate, a title
unlike the candidate's, `add` says so (Addition.warnings); a DOI Crossref does not know is
answered with what to try next.

Nothing is written unless everything is ready (livingreview.data.transaction): an unknown DOI, a
DOI already in the table, or no network leaves every file as it was.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..data.exports import tex_escape, verbatim_escape
from ..data.links import is_https
from ..data.paths import Repository
from ..data.schema import expected_columns
from ..data.studies import TABLE1_COLUMNS
from ..data.validation import TODO, read_rows
from ..data.vocabulary import LIST_COLUMNS
from ..text.plaintext import plain_text
from .matching import TITLE_THRESHOLD, Index, Known, normal_doi, normal_title
from .protocol import load_protocol
from .registry import crossref_work
from .screening import read_cycle, rewrite_text

#: Cells `add` leaves for a person: Table 1's six fields and the coded columns.
TODO_COLUMNS = (*TABLE1_COLUMNS, *LIST_COLUMNS)


class AddError(Exception):
    """Nothing can be added (unknown candidate, DOI already a study, ...); str() is one line."""


@dataclass
class Addition:
    row: dict
    bibtex_key: str
    bibtex: str
    changes: dict  # path -> new text
    candidate: str = ""
    similar: str = ""  # a study whose title and year resemble this one's, if any
    warnings: list[str] = field(default_factory=list)  # what the maintainer should check, one line each


def parse_target(text: str) -> tuple[str, str]:
    """('doi', '10.x/y') or ('candidate', 'c2026-…') from what the maintainer typed."""
    text = text.strip()
    if re.fullmatch(r"c(\d{4}|nd)-[0-9a-f]{8}", text):
        return "candidate", text
    doi = normal_doi(text)
    if not doi:
        raise AddError(f"{text!r} is neither a DOI (10.NNNN/…) nor a candidate id (c2026-1a2b3c4d)")
    return "doi", doi


def slug(name: str) -> str:
    """'La Salvia' -> 'la-salvia'; 'Ødegård-Łukasiewicz' -> 'odegard-lukasiewicz'; 'Straße' ->
    'strasse': every Latin letter transliterated (python-slugify with text-unidecode, both pinned
    in requirements.txt, so the same name gives the same id on every machine)."""
    from slugify import slugify

    return slugify(str(name or ""), separator="-", lowercase=True)


def study_id(first_author: str, year, taken: set[str]) -> str:
    base = f"{slug(first_author) or 'unknown'}-{year or 'nd'}"
    if base not in taken:
        return base
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"{base}-{letter}" not in taken:
            return f"{base}-{letter}"
    raise AddError(f"more than 25 studies with the id {base}: choose an id by hand")


def _first(values) -> str:
    return str(values[0]) if isinstance(values, list) and values else ""


#: Crossref's publication dates, best first: `issued` is the earliest of print and online; a
#: preprint has `posted`. Not `created` or `deposited`: when the record was made, not published.
YEAR_FIELDS = ("issued", "published", "published-print", "published-online", "posted", "approved")


def _year(message: dict):
    for key in YEAR_FIELDS:
        parts = (message.get(key) or {}).get("date-parts") or []
        if parts and isinstance(parts[0], list) and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None


def _authors(message: dict) -> list[dict]:
    authors = [a for a in message.get("author") or [] if isinstance(a, dict)]
    first = [a for a in authors if a.get("sequence") == "first"]
    return first[:1] + [a for a in authors if a not in first[:1]]


def _family(author: dict) -> str:
    return plain_text(author.get("family") or author.get("name") or "", "author")


def study_row(message: dict, doi: str, today: _dt.date, taken: set[str]) -> dict:
    """The pre-filled row: registry facts, to-do markers, `added` today."""
    authors = _authors(message)
    first_author = _family(authors[0]) if authors else ""
    year = _year(message)
    link = str(((message.get("resource") or {}).get("primary") or {}).get("URL") or "")
    row = {name: "" for name in expected_columns()}
    row.update(
        {
            "id": study_id(first_author, year, taken),
            "first_author": first_author or TODO,
            "year": str(year) if year else TODO,
            "title": plain_text(_first(message.get("title")), "title"),
            "venue": plain_text(_first(message.get("container-title")), "venue"),
            "doi": normal_doi(message.get("DOI") or doi) or doi,
            "url": link if is_https(link) and len(link) <= 500 else "",
            "added": today.isoformat(),
            "notes": (
                f"First author, year, title, venue and DOI from the Crossref record of this DOI, fetched on "
                f"{today.isoformat()} by python -m livingreview add. The cells marked {TODO} are to be "
                "filled in from the publication."
            ),
        }
    )
    for column in TODO_COLUMNS:
        row[column] = TODO
    return row


def bibtex_record(message: dict, key: str, doi: str, today: _dt.date) -> str:
    """The book's bibliography record (book/references.bib), from the registry's fields only."""
    kind = {"journal-article": "article", "proceedings-article": "inproceedings"}.get(message.get("type"), "misc")
    venue = plain_text(_first(message.get("container-title")), "venue")
    names = []
    for author in _authors(message)[:100]:
        family, given = _family(author), plain_text(author.get("given") or "", "author")
        if family:
            names.append("{" + tex_escape(family) + "}" + (", " + tex_escape(given) if given else ""))
    fields = [("title", tex_escape(plain_text(_first(message.get("title")), "title")))]
    if names:
        fields.append(("author", " and ".join(names)))
    if venue:
        fields.append(
            ({"article": "journal", "inproceedings": "booktitle"}.get(kind, "howpublished"), tex_escape(venue))
        )
    for name, source in (("volume", "volume"), ("number", "issue"), ("pages", "page")):
        value = plain_text(message.get(source) or "", 40)
        if value:
            fields.append((name, tex_escape(value)))
    year = _year(message)
    if year:
        fields.append(("year", str(year)))
    fields.append(("doi", verbatim_escape(doi)))
    link = str(((message.get("resource") or {}).get("primary") or {}).get("URL") or "")
    if is_https(link) and len(link) <= 500:
        fields.append(("url", verbatim_escape(link)))
    fields.append(("note", f"Record from Crossref, fetched on {today.isoformat()} by python -m livingreview add"))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields if value)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def bibtex_keys(text: str) -> set[str]:
    return {m.lower() for m in re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, re.M)}


def studies_text(path, row: dict) -> str:
    """studies.csv with `row` appended, written as the file is (minimal quoting, '\\n')."""
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=expected_columns(), lineterminator="\n").writerow(row)
    return text + out.getvalue()


def prepare_addition(
    target: str,
    repo: Repository | None = None,
    *,
    today: _dt.date | None = None,
    screener: str = "",
    fetch=crossref_work,
    say=lambda message: None,
) -> Addition:
    """Everything `add` would write, not yet written. Raises AddError or registry.RegistryError.
    `say` hears every step and wait as it happens (Crossref asked, a retry, a slow answer)."""
    repo = repo or Repository()
    today = today or _dt.date.today()
    kind, value = parse_target(target)
    # Read as they are, not validated: several studies may be added before their to-do cells are filled.
    studies = read_rows(repo.studies)
    cited = read_rows(repo.cited, ["id", "doi", "title", "year"], "the cited-only studies (cited.csv)")
    cycle = read_cycle(repo)
    candidate = None
    if kind == "candidate":
        candidate = next((c for c in cycle.candidates if c["candidate_id"] == value), None)
        if candidate is None:
            raise AddError(f"{value} is not a candidate of {repo.candidates.name}")
        decision = cycle.decision(value) or {}
        if decision.get("decision") == "exclude":
            raise AddError(f"{value} was excluded ({decision.get('reason')}); change its decision first")
        if decision.get("study_id"):
            raise AddError(f"{value} was already added as the study {decision['study_id']}")
        if not candidate["doi"]:
            raise AddError(f"{value} has no DOI; add the study's row by hand from its PubMed record")
        doi = candidate["doi"]
    else:
        doi = value
    index = Index(
        [Known(r["id"], "the study table", r["doi"], "", r["title"], r["year"]) for r in studies]
        + [Known(r["id"], "the cited-only studies (cited.csv)", r["doi"]) for r in cited]
    )
    same = index.find(doi=doi)
    if same is not None:
        raise AddError(f"{doi} is already in {same.known.where}, as {same.known.label}; nothing to add")

    protocol = load_protocol(repo.search)
    message = fetch(
        doi,
        base_url=protocol.base_url("crossref"),
        mailto=protocol.mailto,
        retries=protocol.retries,
        backoff=protocol.backoff,
        timeout=protocol.timeout,
        progress=say,
        tool=protocol.tool,
    )
    warnings = []
    answered = normal_doi(message.get("DOI"))
    if answered and answered != doi:
        same = index.find(doi=answered)
        if same is not None:
            raise AddError(
                f"Crossref's record of {doi} is {answered} (an alias), already in {same.known.where}, "
                f"as {same.known.label}; nothing to add"
            )
        warnings.append(
            f"Crossref answered for {doi} with the record of {answered} (an alias of it, or a DOI it was "
            f"replaced by); the row uses {answered}: check that it is the publication you meant"
        )
    taken = {r["id"] for r in studies} | {r["id"] for r in cited}
    row = study_row(message, doi, today, taken)
    if (
        candidate is not None
        and candidate["title"]
        and fuzz.ratio(normal_title(candidate["title"]), normal_title(row["title"])) < TITLE_THRESHOLD
    ):
        warnings.append(
            f"Crossref's title for {row['doi']} is “{row['title'][:120] or '(none)'}”, the candidate's "
            f"“{candidate['title'][:120]}”: check that the DOI belongs to this candidate"
        )
    if row["year"] == TODO:
        warnings.append("Crossref's record gives no publication date: fill in the year from the publication")
    similar = index.find(title=row["title"], year=row["year"] if row["year"] != TODO else None)
    bib_text = repo.references.read_text(encoding="utf-8")
    key = row["id"].replace("-", "")
    if key.lower() in bibtex_keys(bib_text):
        raise AddError(f"book/references.bib already has a record keyed {key}; resolve it by hand")
    record = bibtex_record(message, key, row["doi"], today)
    changes = {
        repo.studies: studies_text(repo.studies, row),
        repo.references: bib_text.rstrip("\n") + "\n\n" + record,
    }
    if candidate is not None:
        rows = [dict(r) for r in cycle.screening]
        mine = next((r for r in rows if r["candidate_id"] == candidate["candidate_id"]), None)
        if mine is None:
            mine = {"candidate_id": candidate["candidate_id"]}
            rows.append(mine)
        if mine.get("decision") != "include":
            mine.update(decision="include", screener=screener or TODO, screened=today.isoformat(), reason="")
        mine["study_id"] = row["id"]
        changes[repo.screening] = rewrite_text("screening", rows)
    return Addition(
        row,
        key,
        record,
        changes,
        candidate=candidate["candidate_id"] if candidate else "",
        similar=similar.known.label if similar else "",
        warnings=warnings,
    )
