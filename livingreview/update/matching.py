"""When two bibliographic records are the same publication: DOI, PMID, or title and year.

Used by the search (a new record against the study table, the cited-only studies, earlier
candidates and the other services' records of the same run) and by `add` (is this DOI already
a study?). Three rules, tried in order, the first that applies decides:

1. the same DOI, compared in its normal form (no resolver prefix, lower case: DOIs are
   case-insensitive);
2. the same PubMed id;
3. the same year (or one apart: a preprint and its article, an online-first and print date)
   and titles that agree after normalisation (case, accents, punctuation, markup) with a
   rapidfuzz ratio of at least TITLE_THRESHOLD; except two records with different PubMed ids,
   which PubMed itself keeps apart (a series' "part 1" and "part 2").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

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
    """'https://doi.org/10.1000/ABC' -> '10.1000/abc'; '' when it is not a DOI."""
    text = _DOI_PREFIX.sub("", str(doi or "").strip()).strip().lower()
    return text if _DOI_SHAPE.match(text) else ""


def normal_pmid(pmid) -> str:
    """'https://pubmed.ncbi.nlm.nih.gov/123/' or '123' -> '123'; '' when it is not a PMID."""
    text = str(pmid or "").strip().rstrip("/").rsplit("/", 1)[-1]
    return text if re.fullmatch(r"[1-9]\d{0,9}", text) else ""


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


@dataclass(frozen=True)
class Match:
    known: Known
    rule: str  # 'DOI', 'PMID' or 'title and year'


class Index:
    """Every known record, looked up by DOI, PMID, and title within a year."""

    def __init__(self, records: Iterable[Known] = ()):
        self._doi: dict[str, Known] = {}
        self._pmid: dict[str, Known] = {}
        self._by_year: dict[int, list[tuple[str, Known]]] = {}
        for record in records:
            self.add(record)

    def add(self, record: Known) -> None:
        doi, pmid = normal_doi(record.doi), normal_pmid(record.pmid)
        if doi:
            self._doi.setdefault(doi, record)
        if pmid:
            self._pmid.setdefault(pmid, record)
        title = normal_title(record.title)
        year = _year(record.year)
        if year is not None and len(title) >= MIN_TITLE_LENGTH:
            self._by_year.setdefault(year, []).append((title, record))

    def find(self, *, doi="", pmid="", title="", year=None) -> Match | None:
        """The known record this one duplicates, and by which rule; None if it is new."""
        doi, pmid = normal_doi(doi), normal_pmid(pmid)
        if doi and doi in self._doi:
            return Match(self._doi[doi], "DOI")
        if pmid and pmid in self._pmid:
            return Match(self._pmid[pmid], "PMID")
        title, year = normal_title(title), _year(year)
        if year is None or len(title) < MIN_TITLE_LENGTH:
            return None
        for candidate_year in (year, year - 1, year + 1):
            for known_title, record in self._by_year.get(candidate_year, ()):
                if pmid and normal_pmid(record.pmid) and normal_pmid(record.pmid) != pmid:
                    continue
                if fuzz.ratio(title, known_title) >= TITLE_THRESHOLD:
                    return Match(record, "title and year")
        return None
