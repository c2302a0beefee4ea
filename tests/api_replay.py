"""Responses in the documented formats of the services the update cycle asks, served by a local
HTTP server (pytest-httpserver), so the real clients run in the tests and nothing leaves the machine.

Each builder writes one service's documented response shape, from the records a test wants:
- NCBI E-utilities: esearch with retmode=json (`esearchresult`: count, retmax, retstart, idlist,
  translationset, querytranslation) and efetch with retmode=xml (a PubmedArticleSet of
  PubmedArticle: MedlineCitation/PMID, Article/Journal/Title, JournalIssue/PubDate/Year,
  ArticleTitle, Abstract/AbstractText with Label, AuthorList/Author/LastName+Initials or
  CollectiveName, ELocationID EIdType="doi"; PubmedData/ArticleIdList/ArticleId IdType);
- Europe PMC REST search with format=json, resultType=core (version, hitCount, nextCursorMark,
  request, resultList.result[]: id, source, pmid, doi, title, authorString, authorList.author[],
  journalInfo.journal.title, journalInfo.yearOfPublication, pubYear, abstractText);
- OpenAlex works list (meta: count, db_response_time_ms, page, per_page, next_cursor;
  results[]: id, doi as https://doi.org/…, title, display_name, publication_year, ids.pmid as a
  pubmed URL, primary_location.source.display_name, authorships[].author.display_name,
  abstract_inverted_index);
- Crossref works/{doi} (status, message-type "work", message-version, message: DOI, title[],
  container-title[], author[] with given/family/sequence, issued.date-parts, type, volume,
  issue, page, resource.primary.URL, abstract in JATS); unknown DOI: 404 "Resource not found.".

Beside them, recorded answers of the real services (tests/fixtures/services, origin and licence
in its README): Biopython's PubMed XML, habanero's Crossref cassettes, and the odd answers no
project publishes, written by hand. `recorded()` and `cassette()` read them; `Replay.answers`
serves any response in turn before a path's normal handler (a short answer, then a good one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import pytest
from werkzeug import Response


@dataclass
class Paper:
    """A publication as a test wants the services to describe it."""

    title: str
    year: int
    doi: str = ""
    pmid: str = ""
    authors: tuple[tuple[str, str], ...] = (("Smith", "Jane"),)  # (family, given)
    venue: str = "Journal of Testing"
    abstract: str = "An abstract."
    extra: dict = field(default_factory=dict)


def digits(text: str, n: int) -> int:
    """A stable number of n digits from a text (an id a replayed service gives a paper)."""
    import hashlib

    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10**n


# ---- NCBI E-utilities ------------------------------------------------------------------------


def esearch_json(papers: list[Paper], query: str = "") -> dict:
    ids = [p.pmid for p in papers]
    return {
        "header": {"type": "esearch", "version": "0.3"},
        "esearchresult": {
            "count": str(len(ids)),
            "retmax": str(len(ids)),
            "retstart": "0",
            "idlist": ids,
            "translationset": [],
            "querytranslation": query,
        },
    }


def efetch_xml(papers: list[Paper], *, raw_titles: bool = False) -> bytes:
    """PubMed XML. With raw_titles the title goes in unescaped (as markup: <i>, <sub>)."""
    articles = []
    for p in papers:
        authors = "".join(
            f'<Author ValidYN="Y"><LastName>{escape(f)}</LastName><ForeName>{escape(g)}</ForeName>'
            f"<Initials>{escape(g[:1])}</Initials></Author>"
            for f, g in p.authors
        )
        title = p.title if raw_titles else escape(p.title)
        doi = f'<ELocationID EIdType="doi" ValidYN="Y">{escape(p.doi)}</ELocationID>' if p.doi else ""
        ids = f'<ArticleId IdType="pubmed">{p.pmid}</ArticleId>' + (
            f'<ArticleId IdType="doi">{escape(p.doi)}</ArticleId>' if p.doi else ""
        )
        articles.append(
            f'<PubmedArticle><MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM">'
            f'<PMID Version="1">{p.pmid}</PMID><Article PubModel="Print-Electronic">'
            f'<Journal><ISSN IssnType="Electronic">1234-5678</ISSN><JournalIssue CitedMedium="Internet">'
            f"<Volume>1</Volume><PubDate><Year>{p.year}</Year><Month>Nov</Month></PubDate></JournalIssue>"
            f"<Title>{escape(p.venue)}</Title><ISOAbbreviation>J Test</ISOAbbreviation></Journal>"
            f"<ArticleTitle>{title}</ArticleTitle>{doi}"
            f'<Abstract><AbstractText Label="BACKGROUND">{escape(p.abstract)}</AbstractText></Abstract>'
            f'<AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language></Article>'
            f"</MedlineCitation><PubmedData><ArticleIdList>{ids}</ArticleIdList></PubmedData></PubmedArticle>"
        )
    return (
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
        f"<PubmedArticleSet>{''.join(articles)}</PubmedArticleSet>"
    ).encode()


# ---- Europe PMC ----------------------------------------------------------------------------


def europepmc_json(
    papers: list[Paper], *, cursor: str = "*", next_cursor: str = "AoE_end", hits: int | None = None
) -> dict:
    results = []
    for p in papers:
        item = {
            "id": p.pmid or f"PPR{digits(p.title, 6)}",
            "source": "MED" if p.pmid else "PPR",
            "title": p.title,
            "authorString": ", ".join(f"{f} {g[:1]}" for f, g in p.authors) + ".",
            "authorList": {
                "author": [
                    {"fullName": f"{f} {g[:1]}", "firstName": g, "lastName": f, "initials": g[:1]} for f, g in p.authors
                ]
            },
            "journalInfo": {"journal": {"title": p.venue}, "yearOfPublication": p.year},
            "pubYear": str(p.year),
            "abstractText": p.abstract,
            "firstPublicationDate": f"{p.year}-11-01",
            **p.extra,
        }
        if p.pmid:
            item["pmid"] = p.pmid
        if p.doi:
            item["doi"] = p.doi
        results.append(item)
    return {
        "version": "6.9",
        "hitCount": len(papers) if hits is None else hits,
        "nextCursorMark": next_cursor,
        "request": {
            "queryString": "",
            "resultType": "core",
            "cursorMark": cursor,
            "pageSize": 1000,
            "sort": "",
            "synonym": False,
        },
        "resultList": {"result": results},
    }


# ---- OpenAlex ------------------------------------------------------------------------------


def inverted(text: str) -> dict:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        index.setdefault(word, []).append(position)
    return index


def openalex_json(papers: list[Paper], *, next_cursor: str | None = None, count: int | None = None) -> dict:
    results = []
    for p in papers:
        work = f"W{4000000000 + digits(p.title + p.doi, 8)}"
        results.append(
            {
                "id": f"https://openalex.org/{work}",
                "doi": f"https://doi.org/{p.doi}" if p.doi else None,
                "title": p.title,
                "display_name": p.title,
                "publication_year": p.year,
                "publication_date": f"{p.year}-11-01",
                "ids": {
                    "openalex": f"https://openalex.org/{work}",
                    **({"doi": f"https://doi.org/{p.doi}"} if p.doi else {}),
                    **({"pmid": f"https://pubmed.ncbi.nlm.nih.gov/{p.pmid}"} if p.pmid else {}),
                },
                "primary_location": {"source": {"display_name": p.venue}},
                "authorships": [
                    {"author_position": "first", "author": {"display_name": f"{g} {f}"}} for f, g in p.authors
                ],
                "abstract_inverted_index": inverted(p.abstract),
                **p.extra,
            }
        )
    return {
        "meta": {
            "count": len(papers) if count is None else count,
            "db_response_time_ms": 12,
            "page": None,
            "per_page": 100,
            "next_cursor": next_cursor,
            "groups_count": None,
        },
        "results": results,
        "group_by": [],
    }


# ---- Crossref ------------------------------------------------------------------------------


def crossref_json(paper: Paper, *, kind: str = "journal-article") -> dict:
    return {
        "status": "ok",
        "message-type": "work",
        "message-version": "1.0.0",
        "message": {
            "DOI": paper.doi,
            "type": kind,
            "title": [paper.title],
            "container-title": [paper.venue] if paper.venue else [],
            "author": [
                {"given": g, "family": f, "sequence": "first" if i == 0 else "additional", "affiliation": []}
                for i, (f, g) in enumerate(paper.authors)
            ],
            "issued": {"date-parts": [[paper.year, 11, 2]]},
            "published": {"date-parts": [[paper.year, 11, 2]]},
            "volume": "12",
            "issue": "3",
            "page": "101-110",
            "URL": f"https://doi.org/{paper.doi}",
            "resource": {"primary": {"URL": f"https://publisher.example.org/article/{paper.doi.rsplit('/', 1)[-1]}"}},
            "abstract": f"<jats:p>{escape(paper.abstract)}</jats:p>",
            **paper.extra,
        },
    }


def json_response(data: dict, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json;charset=UTF-8")


def not_found() -> Response:
    return Response("Resource not found.", status=404, content_type="text/plain")


# ---- recorded answers of the real services (tests/fixtures/services) -----------------------------

RECORDED = __import__("pathlib").Path(__file__).resolve().parent / "fixtures" / "services"


def recorded(name: str, content_type: str = "", status: int = 200) -> Response:
    """A recorded file (e.g. 'biopython/pubmed4.xml') as the service's answer, byte for byte."""
    path = RECORDED / name
    kind = content_type or ("text/xml; charset=UTF-8" if path.suffix == ".xml" else "application/json;charset=UTF-8")
    return Response(path.read_bytes(), status=status, content_type=kind)


def cassette(name: str) -> dict[str, Response]:
    """A vcrpy cassette (habanero's) as {requested DOI in lower case: the recorded answer}."""
    import gzip

    import yaml

    answers = {}
    for interaction in yaml.safe_load((RECORDED / name).read_text(encoding="utf-8"))["interactions"]:
        uri = interaction["request"]["uri"]
        if "/works/" not in uri:
            continue
        body = interaction["response"]["body"]["string"]
        body = body.encode() if isinstance(body, str) else body
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        kinds = interaction["response"]["headers"].get("content-type") or ["application/json"]
        answers[uri.split("/works/", 1)[1].lower()] = Response(
            body, status=interaction["response"]["status"]["code"], content_type=kinds[0]
        )
    return answers


# ---- a copy of the repository to run the commands on -------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
SERVICES = ("pubmed", "europepmc", "openalex", "crossref")


# ---- what every update-cycle test uses: a repository copy, the replay, the command line -------------


@pytest.fixture
def repo(tmp_path):
    """A copy of the repository's data, bibliography and CITATION.cff to run commands on."""
    return copy_repository(tmp_path / "repo")


@pytest.fixture
def replay(httpserver, monkeypatch):
    """The services on a local server: $LIVINGREVIEW_<SERVICE>_URL point at it; a contact address set."""
    for name, url in base_urls(httpserver).items():
        monkeypatch.setenv(name, url)
    monkeypatch.setenv("LIVINGREVIEW_MAILTO", "maintainer@example.org")
    return Replay(httpserver)


def run(*args: str) -> tuple[int, str, str]:
    """`python -m livingreview ARGS` in this process: exit code, stdout, stderr."""
    import contextlib
    import io

    from livingreview.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def rows(path) -> list[dict]:
    """A CSV file's rows as dicts."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def copy_repository(target):
    """The files the update cycle reads and writes, copied to `target` (a fake checkout), with
    retries made fast (the backoff is the tests' time, not the behaviour under test)."""
    import shutil

    target = __import__("pathlib").Path(target)
    shutil.copytree(ROOT / "data", target / "data")
    (target / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", target / "book" / "references.bib")
    shutil.copy(ROOT / "CITATION.cff", target / "CITATION.cff")
    search = target / "data" / "search.yml"
    text = search.read_text(encoding="utf-8")
    search.write_text(text.replace("backoff_seconds: 2", "backoff_seconds: 0.01"), encoding="utf-8")
    return target


def snapshot(root) -> dict:
    """Every file under `root` and its bytes: to show that a failed command changed nothing."""
    root = __import__("pathlib").Path(root)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def base_urls(server) -> dict[str, str]:
    """$LIVINGREVIEW_<SERVICE>_URL for each service, on the local server."""
    return {f"LIVINGREVIEW_{name.upper()}_URL": server.url_for(f"/{name}") for name in SERVICES}


class Replay:
    """Registers the services' handlers on a pytest-httpserver and keeps every request it saw."""

    def __init__(self, server):
        self.server = server
        self.requests = []
        self.pubmed: list[Paper] = []
        self.europepmc: list[list[Paper]] = [[]]
        self.openalex: list[list[Paper]] = [[]]
        self.crossref: dict[str, Paper] = {}
        self.failures: dict[str, list[int]] = {}  # path -> statuses to answer first, in turn
        self.answers: dict[str, list] = {}  # path -> Responses to answer first, in turn
        self.raw_titles = False
        self.replace: dict = {}  # path -> a Response to answer instead (a broken service)
        self.recorded_crossref: dict[str, Response] = {}  # requested DOI -> a recorded answer
        self.efetch_drop: set[str] = set()  # PMIDs efetch leaves out (a shortfall)
        self.europepmc_hits: int | None = None  # the hitCount Europe PMC states, if not its records
        for path, handler in (
            ("/pubmed/esearch.fcgi", self._esearch),
            ("/pubmed/efetch.fcgi", self._efetch),
            ("/europepmc/search", self._europepmc),
            ("/openalex/works", self._openalex),
        ):
            server.expect_request(path).respond_with_handler(self._wrap(path, handler))
        import re

        server.expect_request(re.compile(r"^/crossref/works/.+")).respond_with_handler(
            self._wrap("/crossref", self._crossref)
        )

    def _wrap(self, path, handler):
        def respond(request):
            self.requests.append(request)
            if path in self.replace:
                return self.replace[path]
            if self.answers.get(path):
                return self.answers[path].pop(0)
            pending = self.failures.get(path) or []
            if pending:
                status = pending.pop(0)
                headers = {"Retry-After": "0"} if status == 429 else {}
                return Response(
                    json.dumps({"error": "busy"}), status=status, headers=headers, content_type="application/json"
                )
            return handler(request)

        return respond

    def _esearch(self, request):
        return json_response(esearch_json(self.pubmed, request.args.get("term", "")))

    def _efetch(self, request):
        wanted = (request.form.get("id") or request.args.get("id") or "").split(",")
        papers = [p for p in self.pubmed if p.pmid in wanted and p.pmid not in self.efetch_drop]
        return Response(efetch_xml(papers, raw_titles=self.raw_titles), content_type="text/xml; charset=UTF-8")

    def _europepmc(self, request):
        cursor = request.args.get("cursorMark", "*")
        pages = self.europepmc
        index = 0 if cursor == "*" else int(cursor.removeprefix("page"))
        following = f"page{index + 1}" if index + 1 < len(pages) else cursor
        total = sum(len(p) for p in pages) if self.europepmc_hits is None else self.europepmc_hits
        return json_response(europepmc_json(pages[index], cursor=cursor, next_cursor=following, hits=total))

    def _openalex(self, request):
        cursor = request.args.get("cursor", "*")
        pages = self.openalex
        index = 0 if cursor == "*" else int(cursor.removeprefix("page"))
        following = f"page{index + 1}" if index + 1 < len(pages) else None
        return json_response(openalex_json(pages[index], next_cursor=following, count=sum(len(p) for p in pages)))

    def _crossref(self, request):
        from urllib.parse import unquote

        doi = unquote(request.path.split("/works/", 1)[1]).lower()
        if doi in self.recorded_crossref:
            return self.recorded_crossref[doi]
        paper = self.crossref.get(doi)
        return json_response(crossref_json(paper)) if paper else not_found()
