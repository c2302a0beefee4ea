"""When two bibliographic records are the same publication: any identifier they share, or title
and year.

Used by the search (a new record against the study table, the cited-only studies, earlier
candidates and the other services' records of the same run), by `add` (is this DOI already
a study?) and by every other way records come in. The rules, tried in order, the first that
applies decides:

1. the same identifier of any scheme a service gives (SCHEMES: DOI, PubMed id, PubMed Central
   id, OpenAlex id, arXiv id, Europe PMC's own id of a preprint or another source), each compared in its normal form (DOIs
   without a resolver prefix and in lower case, as DOIs are case-insensitive; `PMC123` and a
   PMC link alike; an arXiv id without its version);
2. the same year (or one apart: a preprint and its article, an online-first and print date)
   and titles that agree after normalisation (case, accents, punctuation, markup) with a
   rapidfuzz ratio of at least TITLE_THRESHOLD; except two records with different PubMed or
   PubMed Central ids, which PubMed itself keeps apart (a series' "part 1" and "part 2");
3. where a record has no year, the same normalised title exactly (a long title, any year).

`identifiers()` turns whatever a record carries into {scheme: normal id}; `Index.find_record()`
matches a record on every identifier it carries, then on its title.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from rapidfuzz import fuzz

from ..text.plaintext import plain_text

#: rapidfuzz's normalised Indel similarity (0–100) above which two titles are one publication.
#: 92 allows a changed article, punctuation or a subtitle dash; not a different study.
TITLE_THRESHOLD = 92
#: Titles shorter than this (after normalisation) are too generic to match on alone.
MIN_TITLE_LENGTH = 20

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def normal_doi(doi) -> str:
    """'https://doi.org/10.1000/ABC' -> '10.1000/abc'; '' when it is not a DOI. A doi.org link
    is percent-decoded ('%28SICI%29' -> '(sici)'): the DOI is what the link names."""
    text = str(doi or "").strip()
    if re.match(r"^https?://", text, re.I):
        text = unquote(text)
    text = _DOI_PREFIX.sub("", text).strip().lower()
    return text if _DOI_SHAPE.match(text) else ""


def normal_pmid(pmid) -> str:
    """'https://pubmed.ncbi.nlm.nih.gov/123/' or '123' -> '123'; '' when it is not a PMID."""
    text = str(pmid or "").strip().rstrip("/").rsplit("/", 1)[-1]
    return text if re.fullmatch(r"[1-9]\d{0,9}", text) else ""


_PMCID = re.compile(r"pmc(\d{1,9})(?!\d)", re.I)
_OPENALEX = re.compile(r"(?:^|/)(w\d{1,12})$", re.I)
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?$")
_ARXIV_OLD = re.compile(r"([a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?$", re.I)
_EUROPEPMC = re.compile(r"^([A-Za-z]{3})/([A-Za-z0-9._-]{1,40})$")


def normal_pmcid(pmcid) -> str:
    """'PMC5442267', 'pmc5442267' or a PMC article link -> 'PMC5442267'; '' when it is not one."""
    found = _PMCID.findall(str(pmcid or ""))
    return f"PMC{int(found[-1])}" if found and int(found[-1]) else ""


def normal_openalex(work) -> str:
    """'https://openalex.org/W4000000000' or 'W4000000000' -> 'W4000000000'; '' otherwise."""
    match = _OPENALEX.search(str(work or "").strip().rstrip("/"))
    return match.group(1).upper() if match else ""


def normal_arxiv(arxiv) -> str:
    """An arXiv id ('2401.01234v2', 'arXiv:2401.01234', an abs/ link or the 10.48550 DOI) without
    its version: '2401.01234' (or 'hep-th/9901001' for the old scheme); '' otherwise."""
    text = str(arxiv or "").strip().rstrip("/")
    text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/)?10\.48550/arxiv\.", "", text, flags=re.I)
    text = re.sub(r"^(?:https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/|arxiv:)", "", text, flags=re.I)
    text = text.removesuffix(".pdf")
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.fullmatch(text)
        if match:
            return match.group(1).lower()
    return ""


def normal_europepmc(record) -> str:
    """Europe PMC's own id of a record, its source and id ('PPR/PPR123456' for a preprint,
    'AGR/IND607445' for Agricola), source in upper case; '' otherwise. (Records of its sources
    MED and PMC are known by their PMID and PMCID.)"""
    match = _EUROPEPMC.match(str(record or "").strip())
    return f"{match.group(1).upper()}/{match.group(2).upper()}" if match else ""


#: Every identifier scheme a record may carry, with its normal form; the order is the order in
#: which a record's best identifier is chosen (livingreview.update.search.candidate_id).
SCHEMES = {
    "doi": normal_doi,
    "pmid": normal_pmid,
    "pmcid": normal_pmcid,
    "arxiv": normal_arxiv,
    "openalex": normal_openalex,
    "europepmc": normal_europepmc,
}
#: Schemes whose ids a registry keeps apart: two different ones are two publications, however
#: alike their titles (a series' parts).
DISTINCT_SCHEMES = ("pmid", "pmcid")


def identifiers(ids: dict | None = None, **more) -> dict[str, str]:
    """{scheme: normal id} of every identifier given (unknown schemes and empty or malformed
    values left out). An arXiv DOI (10.48550/arXiv.…) also gives the arXiv id."""
    given = {**(ids or {}), **more}
    out = {}
    for scheme, normal in SCHEMES.items():
        value = normal(given.get(scheme, ""))
        if value:
            out[scheme] = value
    if "arxiv" not in out and out.get("doi", "").startswith("10.48550/arxiv."):
        arxiv = normal_arxiv(out["doi"])
        if arxiv:
            out["arxiv"] = arxiv
    return out


def ids_text(ids: dict) -> str:
    """{scheme: id} as one cell: 'pmcid:PMC123;openalex:W456;europepmc:PPR/PPR789' (DOI and PMID
    have columns of their own)."""
    return ";".join(f"{scheme}:{value}" for scheme, value in identifiers(ids).items() if scheme not in ("doi", "pmid"))


def parse_ids(text) -> dict[str, str]:
    """The inverse of ids_text: 'pmcid:PMC123;openalex:W456' -> {'pmcid': 'PMC123', 'openalex': 'W456'}."""
    pairs = {}
    for part in str(text or "").split(";"):
        scheme, _, value = part.strip().partition(":")
        if scheme in SCHEMES and value:
            pairs[scheme] = value
    return identifiers(pairs)


def normal_title(title) -> str:
    """Lower case, accents and markup removed, punctuation as spaces, one space between words."""
    text = unicodedata.normalize("NFKD", plain_text(title, 2000))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _year(value) -> int | None:
    match = re.search(r"\d{4}", str(value or ""))
    return int(match.group()) if match else None


@dataclass(frozen=True)
class Known:
    """A record that is already somewhere: what it is called in messages, and where."""

    label: str  # e.g. 'ultsch-2025' or 'cand-…'
    where: str  # e.g. 'the study table'
    doi: str = ""
    pmid: str = ""
    title: str = ""
    year: int | None = None
    #: Identifiers of other schemes ({'pmcid': 'PMC123', 'openalex': 'W456', ...}).
    ids: dict = field(default_factory=dict, hash=False, compare=False)

    def identifiers(self) -> dict[str, str]:
        return identifiers(self.ids, doi=self.doi, pmid=self.pmid)


#: How each scheme is named when it decides a match (search-runs and messages say 'by DOI').
RULE_NAMES = {
    "doi": "DOI",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "arxiv": "arXiv id",
    "openalex": "OpenAlex id",
    "europepmc": "Europe PMC id",
}


@dataclass(frozen=True)
class Match:
    known: Known
    rule: str  # 'DOI', 'PMID', 'PMCID', ..., 'title and year' or 'title'


class Index:
    """Every known record, looked up by each of its identifiers, and by title within a year."""

    def __init__(self, records: Iterable[Known] = ()):
        self._by_id: dict[tuple[str, str], Known] = {}
        self._by_year: dict[int, list[tuple[str, Known]]] = {}
        self._by_title: dict[str, Known] = {}
        for record in records:
            self.add(record)

    def add(self, record: Known) -> None:
        for scheme, value in record.identifiers().items():
            self._by_id.setdefault((scheme, value), record)
        title = normal_title(record.title)
        if len(title) >= MIN_TITLE_LENGTH:
            self._by_title.setdefault(title, record)
            year = _year(record.year)
            if year is not None:
                self._by_year.setdefault(year, []).append((title, record))

    def find(self, *, doi="", pmid="", title="", year=None, ids: dict | None = None) -> Match | None:
        """The known record this one duplicates, and by which rule; None if it is new."""
        mine = identifiers(ids, doi=doi, pmid=pmid)
        for scheme, value in mine.items():
            known = self._by_id.get((scheme, value))
            if known is not None:
                return Match(known, RULE_NAMES[scheme])
        title, year = normal_title(title), _year(year)
        if len(title) < MIN_TITLE_LENGTH:
            return None
        if year is None:
            known = self._by_title.get(title)
            return Match(known, "title") if known is not None and not _kept_apart(mine, known) else None
        for candidate_year in (year, year - 1, year + 1):
            for known_title, record in self._by_year.get(candidate_year, ()):
                if _kept_apart(mine, record):
                    continue
                if fuzz.ratio(title, known_title) >= TITLE_THRESHOLD:
                    return Match(record, "title and year")
        known = self._by_title.get(title)  # the known record has no year: the exact title decides
        if known is not None and _year(known.year) is None and not _kept_apart(mine, known):
            return Match(known, "title")
        return None

    def find_record(self, record) -> Match | None:
        """find() for a record-like object: every identifier it carries (its `identifiers()`, or
        its doi, pmid and ids), then its title and year."""
        ids = record.identifiers() if hasattr(record, "identifiers") else dict(getattr(record, "ids", {}) or {})
        return self.find(
            doi=getattr(record, "doi", ""),
            pmid=getattr(record, "pmid", ""),
            title=getattr(record, "title", ""),
            year=getattr(record, "year", None),
            ids=ids,
        )


def _kept_apart(mine: dict[str, str], known: Known) -> bool:
    """Two records whose PubMed (or PMC) ids differ are two publications, whatever their titles."""
    theirs = known.identifiers()
    return any(mine.get(s) and theirs.get(s) and mine[s] != theirs[s] for s in DISTINCT_SCHEMES)
