"""`python -m livingreview search`: the saved search (data/search.yml), run for the records that
are new since the last run, de-duplicated, written as candidates for screening.

One run: for each service (PubMed, Europe PMC, OpenAlex) ask for the records of the window
(data/search.yml: from the last run, less an overlap, to today), reduce each to plain text, and
sort it: already a study (the study table), already cited (cited.csv), already a candidate (an
earlier run or import), found twice in this run, or new. A record is recognised by any
identifier it carries (DOI, PMID, PMCID, arXiv, OpenAlex or Europe PMC id: candidates.csv keeps
the others in its `ids` column) or by its title and year (livingreview.update.matching), so a
second run over the same window adds no candidate. New records become rows of candidates.csv,
each awaiting a decision (`screen`); search-runs.csv gets one row per service with the counts;
search.yml's last_run becomes today. All of it is written at the end, at once
(livingreview.data.transaction): a failure at any service, an odd or incomplete answer, or fewer
records than a service said it had (livingreview.update.registry) leaves every file as it was,
last_run included, so that window is searched again.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..data.exports import neutralise_formula
from ..data.paths import Repository
from ..data.validation import read_rows
from ..text.wording import and_list, plural
from . import registry
from .matching import Index, Known, Match, ids_text, normal_title, parse_ids
from .protocol import SEARCH_SERVICES, load_protocol, set_last_run
from .screening import csv_text, read_cycle

SEARCHERS: dict[str, Callable] = {
    "pubmed": registry.pubmed_search,
    "europepmc": registry.europepmc_search,
    "openalex": registry.openalex_search,
}
#: Where a dropped record already was, by the run file's column.
WHERE = {
    "in_table": "already in the study table",
    "in_cited": "already a cited-only study",
    "in_candidates": "earlier candidates",
    "in_run": "found twice in this run",
}


@dataclass
class ServiceResult:
    service: str
    since: _dt.date
    until: _dt.date
    query: str
    identified: int = 0
    new: int = 0
    dropped: Counter = field(default_factory=Counter)  # WHERE key -> count
    rules: Counter = field(default_factory=Counter)  # (WHERE key, rule) -> count

    def run_row(self, today: _dt.date) -> dict:
        return {
            "date": today.isoformat(),
            "service": self.service,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "query": self.query,
            "identified": self.identified,
            "new": self.new,
            **{key: self.dropped[key] for key in WHERE},
        }


@dataclass
class SearchResult:
    today: _dt.date
    services: list[ServiceResult]
    candidates: list[dict]
    changes: dict  # path -> new text

    @property
    def identified(self) -> int:
        return sum(s.identified for s in self.services)

    def dropped(self) -> Counter:
        total: Counter = Counter()
        for s in self.services:
            total.update(s.dropped)
        return total

    def rules(self) -> Counter:
        total: Counter = Counter()
        for s in self.services:
            total.update(s.rules)
        return total

    def summary(self) -> list[str]:
        """What the command prints: the counts, and why records were dropped."""
        dropped, rules = self.dropped(), self.rules()
        lines = [
            f"{plural(self.identified, 'record')} identified; {plural(len(self.candidates), 'new candidate')}; "
            f"{plural(sum(dropped.values()), 'duplicate')} dropped"
        ]
        for key, why in WHERE.items():
            if dropped[key]:
                by = and_list(f"{n} by {rule}" for (k, rule), n in sorted(rules.items()) if k == key)
                lines.append(f"  {dropped[key]:>5} {why} ({by})")
        return lines


def candidate_id(record: registry.Record, taken: set[str]) -> str:
    """A stable id: the year and a digest of the record's best identifier (DOI, PMID, PMCID,
    arXiv, OpenAlex or Europe PMC id, in that order), or of its title and year."""
    ids = record.identifiers()
    if ids:
        scheme, value = next(iter(ids.items()))
        key = f"{scheme}:{value}"
    else:
        key = f"title:{normal_title(record.title)}:{record.year}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    year = record.year or "nd"
    for start in range(0, len(digest) - 8):
        cid = f"c{year}-{digest[start : start + 8]}"
        if cid not in taken:
            return cid
    raise ValueError("no free candidate id")  # pragma: no cover (2**32 ids per year)


def known_records(repo: Repository, cycle) -> list[Known]:
    """Everything a new record may already be: studies, cited-only studies, earlier candidates."""
    # Read as they are, not validated: a row `add` left with to-do cells must not stop the search.
    known = [Known(row["id"], "in_table", row["doi"], "", row["title"], row["year"]) for row in read_rows(repo.studies)]
    cited_columns = ["id", "doi", "title", "year"]
    known += [
        Known(row["id"], "in_cited", row["doi"], "", row["title"], row["year"])
        for row in read_rows(repo.cited, cited_columns, "the cited-only studies (cited.csv)")
    ]
    known += [
        Known(c["candidate_id"], "in_candidates", c["doi"], c["pmid"], c["title"], c["year"], parse_ids(c.get("ids")))
        for c in cycle.candidates
    ]
    return known


def run_search(
    repo: Repository | None = None,
    *,
    today: _dt.date | None = None,
    client: registry.Client | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> SearchResult:
    """Ask every service, sort what they return, and prepare (not write) the files' new texts.

    Raises registry.RegistryError (no network, an API error, too many records),
    protocol.ProtocolError, or the data errors of the files it reads.
    """
    repo = repo or Repository()
    today = today or _dt.date.today()
    protocol = load_protocol(repo.search)
    cycle = read_cycle(repo)
    own_client = client is None
    client = client or registry.Client(
        tool=protocol.tool,
        mailto=protocol.mailto,
        retries=protocol.retries,
        backoff=protocol.backoff,
        timeout=protocol.timeout,
        progress=say,
    )
    since, until = protocol.window(today)
    if since > until:
        raise registry.RegistryError(f"the search window starts after today ({since} > {until}); see data/search.yml")
    try:
        return _run(repo, protocol, cycle, client, today, since, until, say)
    finally:
        if own_client:
            client.close()


def _run(repo, protocol, cycle, client, today, since, until, say) -> SearchResult:
    index = Index(known_records(repo, cycle))
    taken = {c["candidate_id"] for c in cycle.candidates}
    new_rows: list[dict] = []
    by_id: dict[str, dict] = {}
    results = []
    for service in SEARCH_SERVICES:
        label = protocol.labels[service]
        query = protocol.query(service)
        records = SEARCHERS[service](
            client, protocol.base_url(service), query, since.isoformat(), until.isoformat(), protocol.max_records
        )
        result = ServiceResult(service, since, until, query, identified=len(records))
        for record in records:
            match: Match | None = index.find_record(record)
            if match is not None:
                where = match.known.where
                result.dropped[where] += 1
                result.rules[(where, match.rule)] += 1
                if where == "in_run":
                    merge_into(by_id[match.known.label], record, service, index)
                continue
            cid = candidate_id(record, taken)
            taken.add(cid)
            row = candidate_row(record, cid, today, service)
            new_rows.append(row)
            by_id[cid] = row
            index.add(Known(cid, "in_run", record.doi, record.pmid, record.title, record.year, record.identifiers()))
            result.new += 1
        say(f"{label}: {plural(result.identified, 'record')} from {since} to {until}, {result.new} new")
        results.append(result)

    changes = {
        repo.candidates: csv_text("candidates", new_rows, repo.candidates.read_text(encoding="utf-8")),
        repo.runs: csv_text("search-runs", [r.run_row(today) for r in results], repo.runs.read_text(encoding="utf-8")),
        repo.search: set_last_run(repo.search.read_text(encoding="utf-8"), today),
    }
    return SearchResult(today, results, new_rows, changes)


def merge_into(row: dict, record: registry.Record, service: str, index: Index) -> None:
    """A record found again in the same run adds its service and the identifiers the row lacks
    (Europe PMC's PMCID to PubMed's record), so a later run recognises it by any of them."""
    sources = row["sources"].split(";")
    if service not in sources:
        row["sources"] = ";".join([*sources, service])
    ids = {"doi": row["doi"], "pmid": row["pmid"], **parse_ids(row["ids"])}
    added = {s: v for s, v in record.identifiers().items() if not ids.get(s)}
    if added:
        ids.update(added)
        row["doi"], row["pmid"], row["ids"] = ids.get("doi", ""), ids.get("pmid", ""), ids_text(ids)
        index.add(Known(row["candidate_id"], "in_run", row["doi"], row["pmid"], row["title"], row["year"], ids))


def candidate_row(record: registry.Record, cid: str, today: _dt.date, service: str) -> dict:
    """A row of candidates.csv. Text cells a spreadsheet would run as a formula get an apostrophe."""
    return {
        "candidate_id": cid,
        "found": today.isoformat(),
        "sources": service,
        "pmid": record.pmid,
        "doi": record.doi,
        "ids": ids_text(record.identifiers()),
        "title": neutralise_formula(record.title),
        "authors": neutralise_formula("; ".join(record.authors)),
        "year": record.year or "",
        "venue": neutralise_formula(record.venue),
        "abstract": neutralise_formula(record.abstract),
    }
