"""`python -m livingreview add DOI|CANDIDATE-ID...` and `add --included`: publications as pre-filled
rows of the study table and records of the book's bibliography.

Crossref's record of the DOI (livingreview.update.registry.crossref_work) gives the verified facts: the
first author's family name, the year, the title, the venue, the DOI and the publisher's https
link; they are written as the registry states them (as plain text), never completed by a guess.
A candidate without a DOI, or whose DOI Crossref does not know (one registered with DataCite,
as preprints' are), is added from its own record, as the search's services (PubMed, Europe PMC,
OpenAlex) or a database's export gave it (its authors as that record writes them); its
bibliography record says so (livingreview.data.records.REGISTRY_PROVENANCE) and, without a DOI,
the row and the record share the record's address at its registry (PubMed, PMC, Europe PMC,
arXiv, OpenAlex), by which the record is found.
What only a person can write from the publication (Table 1's six fields) is left as the to-do
marker, which `validate` names by line and column until it is replaced; the coded columns get
suggested terms, marked as suggestions (livingreview.update.coding), or the to-do marker where
nothing is suggested. `python -m livingreview code ID` walks both.
The row's id is the first author and year (-b, -c for a second and third of the same author and
year), every Latin letter transliterated (python-slugify, through text-unidecode: 'Ødegård-
Łukasiewicz' -> odegard-lukasiewicz); an id, once written, is never recomputed, so a released id
stays as it is. `added` is today.

For a candidate, a line is appended to screening.csv recording who added it, the study it became
(study_id) and, when its decision was not yet an inclusion (none, or an open 'maybe'), the
inclusion as the final decision. No line is rewritten: the file only grows, and two branches'
lines merge (git's union driver, .gitattributes). `--included` adds, in one run, every candidate
whose decision is an inclusion and that is not yet a study; one whose DOI is already a study of
the table is linked to it instead.

The DOI is asked for as itself (percent-encoded in the URL: '#', '?' and '<>' of old SICI DOIs
included). Where Crossref's record names another DOI (an alias) or, for a candidate, a title
unlike the candidate's, `add` says so (Addition.warnings); a DOI Crossref does not know is
answered with what to try next.

Nothing is written unless everything is ready (livingreview.data.transaction): an unknown DOI, a
DOI already in the table, or no network leaves every file as it was, for every study of the run.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from rapidfuzz import fuzz

from ..data.exports import FORMULA_TRIGGERS, tex_escape, verbatim_escape
from ..data.links import is_https
from ..data.paths import Repository
from ..data.records import registry_provenance
from ..data.schema import expected_columns
from ..data.studies import TABLE1_COLUMNS
from ..data.validation import TODO, read_rows
from ..data.vocabulary import LIST_COLUMNS
from ..text.plaintext import plain_text
from .coding import Suggester, Suggestion
from .matching import TITLE_THRESHOLD, Index, Known, normal_doi, normal_pmid, normal_title, parse_ids
from .protocol import load_protocol
from .registry import NotFound, crossref_work
from .screening import added_studies, csv_text, read_cycle, settled_decisions

#: Cells `add` leaves for a person: Table 1's six fields and the coded columns.
TODO_COLUMNS = (*TABLE1_COLUMNS, *LIST_COLUMNS)


class AddError(Exception):
    """Nothing can be added (unknown candidate, DOI already a study, ...); str() is one line."""


@dataclass
class Addition:
    row: dict
    bibtex_key: str
    bibtex: str
    candidate: str = ""
    similar: str = ""  # a study whose title and year resemble this one's, if any
    warnings: list[str] = field(default_factory=list)  # what the maintainer should check, one line each
    source: str = "Crossref"  # whose record the row's facts come from
    abstract: str = ""  # the record's abstract: what the suggestions read (and the summary must not copy)
    suggestions: dict[str, Suggestion] = field(default_factory=dict)


@dataclass
class Link:
    """A candidate whose publication is already a study of the table: linked to it, nothing added."""

    candidate: str
    study: str


@dataclass
class Batch:
    """Everything one `add` run writes: the new studies, the links, every file's new text."""

    additions: list[Addition] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    changes: dict = field(default_factory=dict)  # path -> new text


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


def _blank_row(today: _dt.date) -> dict:
    row = {name: "" for name in expected_columns()}
    row["added"] = today.isoformat()
    for column in TODO_COLUMNS:
        row[column] = TODO
    return row


def study_row(message: dict, doi: str, today: _dt.date, taken: set[str]) -> dict:
    """The pre-filled row of a Crossref record: registry facts, to-do markers, `added` today."""
    authors = _authors(message)
    first_author = _family(authors[0]) if authors else ""
    year = _year(message)
    link = str(((message.get("resource") or {}).get("primary") or {}).get("URL") or "")
    row = _blank_row(today)
    row.update(
        {
            "id": study_id(first_author, year, taken),
            "first_author": first_author or TODO,
            "year": str(year) if year else TODO,
            "title": plain_text(_first(message.get("title")), "title"),
            "venue": plain_text(_first(message.get("container-title")), "venue"),
            "doi": normal_doi(message.get("DOI") or doi) or doi,
            "url": link if is_https(link) and len(link) <= 500 else "",
            "notes": (
                f"First author, year, title, venue and DOI from the Crossref record of this DOI, fetched on "
                f"{today.isoformat()} by python -m livingreview add."
            ),
        }
    )
    return row


def crossref_abstract(message: dict) -> str:
    """Crossref's abstract (JATS) as plain text, '' where the record has none."""
    return plain_text(message.get("abstract") or "", "abstract")


def bibtex_record(message: dict, key: str, doi: str, today: _dt.date) -> str:
    """The book's bibliography record (book/references.bib), from the registry's fields only.
    Crossref's abstract is kept in it (not shown by the book): what `validate` compares a
    summary with (livingreview.update.coding)."""
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
    abstract = crossref_abstract(message)
    if abstract:
        fields.append(("abstract", tex_escape(abstract)))
    # Where the record came from: what makes it a verified record (livingreview.data.records).
    fields.append(("provenance", registry_provenance("Crossref", today)))
    return _bibtex(kind, key, fields)


def _bibtex(kind: str, key: str, fields: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields if value)
    return f"@{kind}{{{key},\n{body}\n}}\n"


# --------------------------------------------------------------------------------------------
# A candidate's own record (no DOI, or one Crossref does not know)


def candidate_authors(candidate: dict) -> list[str]:
    """The candidate's authors as its record writes them ('Smith J', 'Jane Smith', 'Smith, Jane')."""
    return [a.strip() for a in _as_recorded(candidate.get("authors")).split(";") if a.strip()]


def _as_recorded(cell) -> str:
    """A cell of candidates.csv as the record gave it: without the apostrophe that keeps a
    spreadsheet from running it as a formula (livingreview.data.exports.neutralise_formula)."""
    text = str(cell or "")
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def is_family_first(author: str) -> bool:
    """Whether a name says which part is the family name: 'Smith, Jane' or 'Smith JA'."""
    author = " ".join(author.split())
    return "," in author or bool(re.fullmatch(r".+ [A-Z]{1,4}", author))


def family_name(author: str) -> str:
    """The family name in an author as records write it: 'Smith, Jane' and 'Smith JA' (PubMed,
    Europe PMC) -> Smith; 'Jane Smith' (OpenAlex's display name) -> Smith."""
    author = " ".join(author.split())
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split(" ")
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}", parts[-1]):
        return " ".join(parts[:-1])  # PubMed's 'La Salvia M': the initials last
    return parts[-1]


#: Where a registry shows its record of an identifier, best first: a study without a DOI is
#: found by this address (its row's url and its record's), as livingreview.data.records finds one.
RECORD_ADDRESSES = (
    ("pmid", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    ("pmcid", "https://pmc.ncbi.nlm.nih.gov/articles/{}/"),
    ("europepmc", "https://europepmc.org/article/{}"),
    ("arxiv", "https://arxiv.org/abs/{}"),
    ("openalex", "https://openalex.org/{}"),
)


def record_address(candidate: dict) -> str:
    """The https address of the candidate's record at a registry, from its identifiers ('' with none)."""
    ids = {**parse_ids(candidate.get("ids")), "pmid": normal_pmid(candidate.get("pmid"))}
    for scheme, address in RECORD_ADDRESSES:
        if ids.get(scheme):
            return address.format(quote(ids[scheme], safe="/"))
    return ""


def candidate_registry(candidate: dict, labels: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(registry, command) of the candidate's record: the service or export that found it first
    (its fields are that record's), as livingreview.data.records names them."""
    first = next((s for s in str(candidate.get("sources") or "").split(";") if s), "")
    return labels.get(first, (first or "unknown", "search"))


def candidate_row(candidate: dict, today: _dt.date, taken: set[str], registry: str = "") -> dict:
    """The pre-filled row of a candidate's own record. Without a DOI its address at the registry
    is its url; with neither, its title and venue are left empty (a study's bibliographic cells
    come only from a record the repository finds by DOI or address: livingreview.data.records)."""
    authors = candidate_authors(candidate)
    first_author = plain_text(family_name(authors[0]), "author") if authors else ""
    year = candidate.get("year", "").strip()
    doi = normal_doi(candidate.get("doi"))
    address = "" if doi else record_address(candidate)
    findable = bool(doi or address)
    row = _blank_row(today)
    row.update(
        {
            "id": study_id(first_author, year if year.isdigit() else None, taken),
            "first_author": first_author or TODO,
            "year": year if year.isdigit() else TODO,
            "title": plain_text(_as_recorded(candidate.get("title")), "title") if findable else "",
            "venue": plain_text(_as_recorded(candidate.get("venue")), "venue") if findable else "",
            "doi": doi,
            "url": address,
            "notes": (
                f"First author, year{', title and venue' if findable else ''} from the {registry or 'registry'} "
                f"record of the candidate {candidate['candidate_id']} (found on {candidate.get('found', '')}), "
                f"added on {today.isoformat()} by python -m livingreview add."
            ),
        }
    )
    return row


def candidate_bibtex(candidate: dict, row: dict, key: str, registry: str, command: str) -> str:
    """The bibliography record of a candidate's own record: its fields as they are (each author
    as the record writes the name, braced, so no part of it is guessed to be a given name), and
    where it came from (livingreview.data.records.REGISTRY_PROVENANCE)."""
    fields = [("title", tex_escape(plain_text(_as_recorded(candidate.get("title")), "title")))]
    authors = [tex_escape(plain_text(a, "author")) for a in candidate_authors(candidate)[:100]]
    if authors:
        fields.append(("author", " and ".join("{" + a + "}" for a in authors if a)))
    venue = plain_text(_as_recorded(candidate.get("venue")), "venue")
    if venue:
        fields.append(("journal", tex_escape(venue)))
    if candidate.get("year", "").strip().isdigit():
        fields.append(("year", candidate["year"].strip()))
    if row["doi"]:
        fields.append(("doi", verbatim_escape(row["doi"])))
    if row["url"]:
        fields.append(("url", verbatim_escape(row["url"])))
    ids = [f"PMID {candidate['pmid']}"] if candidate.get("pmid") else []
    ids += [part.replace(":", " ", 1) for part in str(candidate.get("ids") or "").split(";") if part]
    if ids:
        fields.append(("note", tex_escape("; ".join(ids))))
    found = _dt.date.fromisoformat(candidate["found"]) if candidate.get("found") else row["added"]
    fields.append(("provenance", registry_provenance(registry, found, command)))
    return _bibtex("article" if venue else "misc", key, fields)


def bibtex_keys(text: str) -> set[str]:
    return {m.lower() for m in re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, re.M)}


def studies_text(path, rows: list[dict]) -> str:
    """studies.csv with `rows` appended, written as the file is (minimal quoting, '\\n')."""
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=expected_columns(), lineterminator="\n").writerows(rows)
    return text + out.getvalue()


# --------------------------------------------------------------------------------------------
# One run of `add`


@dataclass
class _State:
    """What the run has taken so far: ids, keys, DOIs, so two studies of one run never clash; and
    the name of each source of candidates (search.yml's services, import-runs.csv's exports)."""

    index: Index
    taken: set[str]
    keys: set[str]
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # source -> (registry, command)


def prepare_additions(
    targets: list[str] | tuple[str, ...] = (),
    repo: Repository | None = None,
    *,
    included: bool = False,
    today: _dt.date | None = None,
    screener: str = "",
    fetch=crossref_work,
    say=lambda message: None,
) -> Batch:
    """Everything `add` would write for `targets` (DOIs and candidate ids) and, with `included`,
    every included candidate not yet a study; not yet written. Raises AddError or
    registry.RegistryError (then nothing is added). `say` hears every step and wait as it happens
    (Crossref asked, a retry, a slow answer)."""
    repo = repo or Repository()
    today = today or _dt.date.today()
    # Read as they are, not validated: several studies may be added before their to-do cells are filled.
    studies = read_rows(repo.studies)
    cited = read_rows(repo.cited, ["id", "doi", "title", "year"], "the cited-only studies (cited.csv)")
    cycle = read_cycle(repo)
    settled, disputed = settled_decisions(cycle.screening)
    became = added_studies(cycle.screening)
    candidates = {c["candidate_id"]: c for c in cycle.candidates}
    wanted = list(dict.fromkeys(parse_target(t) for t in targets))
    if included:
        wanted += [
            ("candidate", cid)
            for cid in candidates
            if (settled.get(cid) or {}).get("decision") == "include"
            and cid not in became
            and ("candidate", cid) not in wanted
        ]
    bib_text = repo.references.read_text(encoding="utf-8")
    state = _State(
        Index(
            [Known(r["id"], "the study table", r["doi"], "", r["title"], r["year"]) for r in studies]
            + [Known(r["id"], "the cited-only studies (cited.csv)", r["doi"]) for r in cited]
        ),
        {r["id"] for r in studies} | {r["id"] for r in cited},
        bibtex_keys(bib_text),
    )
    protocol = load_protocol(repo.search)
    state.labels = {service: (label, "search") for service, label in protocol.labels.items()} | {
        row["source"]: (f"{row['database']} export", "import") for row in cycle.imports
    }

    def ask_crossref(doi: str) -> dict:
        return fetch(
            doi,
            base_url=protocol.base_url("crossref"),
            mailto=protocol.mailto,
            retries=protocol.retries,
            backoff=protocol.backoff,
            timeout=protocol.timeout,
            progress=say,
            tool=protocol.tool,
        )

    batch = Batch()
    lines: list[dict] = []
    for kind, value in wanted:
        if kind == "doi":
            same = state.index.find(doi=value)
            if same is not None:
                raise AddError(f"{value} is already in {same.known.where}, as {same.known.label}; nothing to add")
            addition = _from_crossref(ask_crossref(value), value, None, state, today)
        else:
            candidate = candidates.get(value)
            if candidate is None:
                raise AddError(f"{value} is not a candidate of {repo.candidates.name}")
            decision = settled.get(value) or {}
            if value in disputed:
                raise AddError(
                    f"{value}: its screeners disagree; settle it first (python -m livingreview screen --resolve)"
                )
            if decision.get("decision") == "exclude":
                raise AddError(f"{value} was excluded ({decision.get('reason')}); change its decision first")
            if value in became:
                raise AddError(f"{value} was already added as the study {became[value]}")
            if not screener:
                raise AddError(
                    "say who adds the candidates: --screener NAME (or set $LIVINGREVIEW_SCREENER, or git's "
                    "user.name); screening.csv records who included each"
                )
            addition = _from_candidate(candidate, state, today, ask_crossref, batch)
            # An open 'maybe' is settled by the inclusion (final); without any decision the line is one.
            final = "yes" if decision.get("decision") not in (None, "include") else ""
            lines.append(
                {
                    "candidate_id": value,
                    "decision": "include",
                    "reason": "",
                    "note": "",
                    "screener": screener,
                    "screened": today.isoformat(),
                    "study_id": addition.row["id"] if addition else batch.links[-1].study,
                    "final": final,
                }
            )
            if addition is None:
                continue
        batch.additions.append(addition)

    if batch.additions:
        suggester = Suggester(studies, [(a.row["title"], a.abstract) for a in batch.additions])
        for i, addition in enumerate(batch.additions):
            addition.suggestions = suggester.suggest(i)
            for column, suggestion in addition.suggestions.items():
                addition.row[column] = suggestion.cell
        batch.changes[repo.studies] = studies_text(repo.studies, [a.row for a in batch.additions])
        records = "".join("\n\n" + a.bibtex for a in batch.additions if a.bibtex)
        if records:
            batch.changes[repo.references] = bib_text.rstrip("\n") + records
    if lines:
        batch.changes[repo.screening] = csv_text("screening", lines, repo.screening.read_text(encoding="utf-8"))
    return batch


def _keyed(row: dict, state: _State) -> str:
    key = row["id"].replace("-", "")
    if key.lower() in state.keys:
        raise AddError(f"book/references.bib already has a record keyed {key}; resolve it by hand")
    return key


def _taken(addition: Addition, state: _State) -> Addition:
    """Record what the addition takes, so a later study of the same run cannot take it again."""
    row = addition.row
    state.taken.add(row["id"])
    if addition.bibtex_key:
        state.keys.add(addition.bibtex_key.lower())
    state.index.add(Known(row["id"], "the study table", row["doi"], "", row["title"], row["year"]))
    return addition


def _from_crossref(message: dict, doi: str, candidate: dict | None, state: _State, today: _dt.date) -> Addition:
    warnings = []
    answered = normal_doi(message.get("DOI"))
    if answered and answered != doi:
        same = state.index.find(doi=answered)
        if same is not None:
            raise AddError(
                f"Crossref's record of {doi} is {answered} (an alias), already in {same.known.where}, "
                f"as {same.known.label}; nothing to add"
            )
        warnings.append(
            f"Crossref answered for {doi} with the record of {answered} (an alias of it, or a DOI it was "
            f"replaced by); the row uses {answered}: check that it is the publication you meant"
        )
    row = study_row(message, doi, today, state.taken)
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
    similar = state.index.find(title=row["title"], year=row["year"] if row["year"] != TODO else None)
    key = _keyed(row, state)
    abstract = crossref_abstract(message) or (candidate or {}).get("abstract", "")
    return _taken(
        Addition(
            row,
            key,
            bibtex_record(message, key, row["doi"], today),
            candidate=candidate["candidate_id"] if candidate else "",
            similar=similar.known.label if similar else "",
            warnings=warnings,
            abstract=abstract,
        ),
        state,
    )


def _from_candidate(candidate: dict, state: _State, today: _dt.date, ask_crossref, batch: Batch) -> Addition | None:
    """The addition of an included candidate: from Crossref's record of its DOI, else from its
    own record; None when its DOI is already a study of the table (then it is linked to it)."""
    doi = normal_doi(candidate.get("doi"))
    warnings = []
    if doi:
        same = state.index.find(doi=doi)
        if same is not None:
            if same.known.where != "the study table":
                raise AddError(
                    f"{candidate['candidate_id']}'s DOI {doi} is already in {same.known.where}, as "
                    f"{same.known.label}; add its row by hand"
                )
            batch.links.append(Link(candidate["candidate_id"], same.known.label))
            return None
        try:
            addition = _from_crossref(ask_crossref(doi), doi, candidate, state, today)
            addition.candidate = candidate["candidate_id"]
            return addition
        except NotFound:
            warnings.append(
                f"Crossref has no record of {doi} (a DOI of another agency, such as DataCite's for preprints): "
                f"the row is made from the candidate's own record"
            )
    registry, command = candidate_registry(candidate, state.labels)
    row = candidate_row(candidate, today, state.taken, registry)
    source = f"its {registry} record"
    findable = bool(row["doi"] or row["url"])
    if not findable:
        warnings.append(
            "the candidate's record has no DOI and no registry identifier: no bibliography record is written and "
            "the title and venue are left empty, as for any study without a record (add its DOI when it has one)"
        )
    authors = candidate_authors(candidate)
    if authors and not is_family_first(authors[0]):
        warnings.append(f"the first author's family name “{row['first_author']}” is read from “{authors[0]}”: check it")
    if row["year"] == TODO:
        warnings.append("the candidate's record gives no year: fill in the year from the publication")
    similar = state.index.find(
        title=_as_recorded(candidate.get("title")), year=row["year"] if row["year"] != TODO else None
    )
    key = _keyed(row, state) if findable else ""
    return _taken(
        Addition(
            row,
            key,
            candidate_bibtex(candidate, row, key, registry, command) if findable else "",
            candidate=candidate["candidate_id"],
            similar=similar.known.label if similar else "",
            warnings=warnings,
            source=source,
            abstract=candidate.get("abstract", ""),
        ),
        state,
    )
