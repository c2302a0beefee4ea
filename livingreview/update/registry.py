"""The bibliographic services the living review asks, each in its own documented format.

- PubMed, through NCBI's E-utilities: esearch (JSON) for the ids, efetch (PubMed XML) for the
  records with their abstracts;
- Europe PMC's REST search (JSON, resultType=core, cursor paging);
- OpenAlex's works API (JSON, cursor paging; abstracts come as an inverted index);
- Crossref's works API, through habanero, for one DOI's metadata (`add`).

PubMed, Europe PMC and OpenAlex are asked through one polite client (httpx): it names the tool
and a contact address where the service asks for one (NCBI's tool/email, OpenAlex's and
Crossref's mailto), retries 429 and 5xx answers and timeouts with exponential backoff (honouring
Retry-After), and turns every failure into a RegistryError whose message is one line.
(pyalex is not used for OpenAlex: its 0.21 builds every works URL on the fixed host
api.openalex.org, so the base URL could not be configured, and it retries over https only.)

Every base URL is configurable (data/search.yml, or $LIVINGREVIEW_<SERVICE>_URL), which is how
the tests run this very code against a local server replaying recorded-format responses. Every
text field of a record is untrusted: it leaves this module as plain, bounded text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ..text.plaintext import plain_text

#: Answers worth asking again: too many requests, and the server's temporary failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Records fetched per request (efetch ids per batch; Europe PMC and OpenAlex page sizes).
PUBMED_BATCH = 200
EUROPEPMC_PAGE = 1000
OPENALEX_PAGE = 100
#: Longest wait a Retry-After header may impose, in seconds.
MAX_RETRY_AFTER = 60.0


class RegistryError(Exception):
    """A service could not be reached or answered with an error; str() is one line."""


class NotFound(RegistryError):
    """The service answered that the record does not exist (e.g. an unknown DOI)."""


class TooManyRecords(RegistryError):
    """The query matches more records than the configured limit: nothing is fetched."""


@dataclass(frozen=True)
class Record:
    """One publication as a service describes it, reduced to plain text."""

    source: str
    title: str
    year: int | None = None
    doi: str = ""
    pmid: str = ""
    authors: tuple[str, ...] = ()
    venue: str = ""
    abstract: str = ""


def clean_record(source: str, *, title, year=None, doi="", pmid="", authors=(), venue="", abstract="") -> Record:
    """A Record with every text field made plain and bounded (the API's text is untrusted)."""
    from .matching import normal_doi, normal_pmid

    names = tuple(n for n in (plain_text(a, "author") for a in authors) if n)
    total, kept = 0, []
    for name in names:  # bound the list as a whole too: some records list thousands of authors
        total += len(name) + 2
        if total > 2000:
            break
        kept.append(name)
    try:
        year = int(str(year)[:4]) if year not in (None, "") else None
    except ValueError:
        year = None
    return Record(
        source=source,
        title=plain_text(title, "title"),
        year=year if year and 1000 <= year <= 9999 else None,
        doi=normal_doi(doi),
        pmid=normal_pmid(pmid),
        authors=tuple(kept),
        venue=plain_text(venue, "venue"),
        abstract=plain_text(abstract, "abstract"),
    )


def check_base_url(name: str, url: str) -> str:
    """The base URL without a trailing '/', if it is an http(s) URL with a host."""
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistryError(f"{name}: the base URL {url!r} is not an http(s) address; see data/search.yml")
    return str(url).rstrip("/")


@dataclass
class Client:
    """A polite HTTP client: identifies itself, retries what is worth retrying, one-line errors."""

    tool: str = "livingreview"
    mailto: str = ""
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[str], None] = field(default=lambda message: None)

    def __post_init__(self):
        agent = self.tool + (f" (mailto:{self.mailto})" if self.mailto else "")
        self._http = httpx.Client(timeout=self.timeout, headers={"User-Agent": agent}, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, service: str, method: str, url: str, **kwargs) -> httpx.Response:
        """The response to a request, after retries; RegistryError when it cannot be had."""
        for attempt in range(self.retries + 1):
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                if attempt < self.retries:
                    self._wait(service, attempt, "timed out", None)
                    continue
                raise RegistryError(
                    f"{service}: no answer from {_host(url)} after {self.retries + 1} tries (timeout)"
                ) from None
            except httpx.HTTPError as exc:
                # Refused, unresolvable or reset: no network (or a wrong base URL), not worth a wait.
                raise RegistryError(
                    f"{service}: cannot reach {_host(url)} ({_reason(exc)}); check the network"
                ) from None
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                self._wait(service, attempt, f"HTTP {response.status_code}", response.headers.get("Retry-After"))
                continue
            if response.status_code == 404:
                raise NotFound(f"{service}: {_host(url)} has no such record (HTTP 404)")
            if response.status_code >= 400:
                raise RegistryError(f"{service}: {_host(url)} answered HTTP {response.status_code}{_detail(response)}")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def json(self, service: str, url: str, **kwargs) -> dict:
        response = self.request(service, "GET", url, **kwargs)
        try:
            data = response.json()
        except ValueError:
            raise RegistryError(f"{service}: {_host(url)} did not answer with JSON") from None
        if not isinstance(data, dict):
            raise RegistryError(f"{service}: {_host(url)} answered with unexpected JSON")
        return data

    def _wait(self, service: str, attempt: int, why: str, retry_after: str | None) -> None:
        delay = self.backoff * 2**attempt
        if retry_after and retry_after.strip().isdigit():
            delay = min(float(retry_after), MAX_RETRY_AFTER)
        self.progress(f"{service}: {why}; trying again in {delay:g} s")
        self.sleep(delay)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        text = plain_text(response.text, 160)
        return f": {text}" if text else ""
    if isinstance(data, dict):
        for key in ("error", "message", "errorMessage", "ERROR"):
            if data.get(key):
                return ": " + plain_text(data[key] if isinstance(data[key], str) else str(data[key]), 160)
    return ""


# --------------------------------------------------------------------------------------------
# PubMed (NCBI E-utilities)


def pubmed_search(client: Client, base_url: str, query: str, since: str, until: str, limit: int) -> list[Record]:
    """Records entered into PubMed (Entrez date) from `since` to `until` (YYYY-MM-DD) matching `query`."""
    base = check_base_url("PubMed", base_url)
    common = {"db": "pubmed", "tool": client.tool, **({"email": client.mailto} if client.mailto else {})}
    found = client.json(
        "PubMed",
        f"{base}/esearch.fcgi",
        params={
            **common,
            "term": query,
            "datetype": "edat",
            "mindate": since.replace("-", "/"),
            "maxdate": until.replace("-", "/"),
            "retmax": limit,
            "retmode": "json",
        },
    )
    result = found.get("esearchresult")
    if not isinstance(result, dict) or "ERROR" in result or "count" not in result:
        detail = plain_text((result or {}).get("ERROR", "") if isinstance(result, dict) else "", 160)
        raise RegistryError(f"PubMed: esearch answered without a result{': ' + detail if detail else ''}")
    count = int(result["count"])
    if count > limit:
        raise TooManyRecords(f"PubMed: the query matches {count:,} records, more than the limit of {limit:,}")
    ids = [str(i) for i in result.get("idlist", [])]
    records = []
    for start in range(0, len(ids), PUBMED_BATCH):
        batch = ids[start : start + PUBMED_BATCH]
        response = client.request(
            "PubMed",
            "POST",
            f"{base}/efetch.fcgi",
            data={**common, "id": ",".join(batch), "retmode": "xml", "rettype": "abstract"},
        )
        records += parse_pubmed_xml(response.content)
        client.progress(f"PubMed: {min(start + PUBMED_BATCH, len(ids)):,} of {len(ids):,} records fetched")
    return records


def parse_pubmed_xml(content: bytes) -> list[Record]:
    """PubMed's XML (PubmedArticleSet) as records. defusedxml: no entity expansion, no DTD fetch."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(content)
    except Exception as exc:  # ParseError, or defusedxml's refusal of entities
        raise RegistryError(f"PubMed: efetch did not answer with readable XML ({type(exc).__name__})") from None
    records = []
    for article in root.iter("PubmedArticle"):
        citation = article.find("MedlineCitation")
        if citation is None:
            continue
        body = citation.find("Article")
        if body is None:
            continue
        pmid = _text(citation.find("PMID"))
        doi = ""
        for node in article.iterfind("PubmedData/ArticleIdList/ArticleId"):
            if node.get("IdType") == "doi":
                doi = _text(node)
        if not doi:
            for node in body.iterfind("ELocationID"):
                if node.get("EIdType") == "doi":
                    doi = _text(node)
        authors = []
        for author in body.iterfind("AuthorList/Author"):
            collective = _text(author.find("CollectiveName"))
            last = _text(author.find("LastName"))
            initials = _text(author.find("Initials"))
            if last or collective:
                authors.append(f"{last} {initials}".strip() if last else collective)
        date = body.find("Journal/JournalIssue/PubDate")
        year = _text(date.find("Year")) if date is not None else ""
        if not year and date is not None:
            year = _text(date.find("MedlineDate"))[:4]
        abstract = " ".join(
            " ".join(filter(None, [node.get("Label", "") + ":" if node.get("Label") else "", _text(node)]))
            for node in body.iterfind("Abstract/AbstractText")
        )
        records.append(
            clean_record(
                "pubmed",
                title=_text(body.find("ArticleTitle")),
                year=year,
                doi=doi,
                pmid=pmid,
                authors=authors,
                venue=_text(body.find("Journal/Title")),
                abstract=abstract,
            )
        )
    return records


def _text(node) -> str:
    """All the text inside an element, its children's (<i>, <sup>) included."""
    return "".join(node.itertext()) if node is not None else ""


# --------------------------------------------------------------------------------------------
# Europe PMC


def europepmc_search(client: Client, base_url: str, query: str, since: str, until: str, limit: int) -> list[Record]:
    """Records first published from `since` to `until` matching `query` (Europe PMC query syntax)."""
    base = check_base_url("Europe PMC", base_url)
    params = {
        "query": f"({query}) AND FIRST_PDATE:[{since} TO {until}]",
        "format": "json",
        "resultType": "core",
        "pageSize": EUROPEPMC_PAGE,
        "cursorMark": "*",
    }
    if client.mailto:
        params["email"] = client.mailto
    records: list[Record] = []
    for page in _pages(client, "Europe PMC", f"{base}/search", params, limit):
        for item in page:
            records.append(europepmc_record(item))
        client.progress(f"Europe PMC: {len(records):,} records fetched")
    return records


def _pages(client: Client, service: str, url: str, params: dict, limit: int) -> Iterator[list[dict]]:
    """Europe PMC's result pages, following nextCursorMark until it stops changing."""
    first = True
    while True:
        data = client.json(service, url, params=params)
        if first:
            count = int(data.get("hitCount", 0) or 0)
            if count > limit:
                raise TooManyRecords(
                    f"{service}: the query matches {count:,} records, more than the limit of {limit:,}"
                )
            first = False
        items = (data.get("resultList") or {}).get("result") or []
        if not isinstance(items, list):
            raise RegistryError(f"{service}: unexpected answer (resultList.result is not a list)")
        if items:
            yield [item for item in items if isinstance(item, dict)]
        following = data.get("nextCursorMark")
        if not items or not following or following == params["cursorMark"]:
            return
        params = {**params, "cursorMark": following}


def europepmc_record(item: dict) -> Record:
    journal = ((item.get("journalInfo") or {}).get("journal") or {}).get("title", "")
    authors = [
        a.get("fullName")
        or " ".join(filter(None, [a.get("lastName"), a.get("initials")]))
        or a.get("collectiveName", "")
        for a in ((item.get("authorList") or {}).get("author") or [])
        if isinstance(a, dict)
    ]
    if not authors and item.get("authorString"):
        authors = [name for name in str(item["authorString"]).rstrip(".").split(", ")]
    return clean_record(
        "europepmc",
        title=item.get("title", ""),
        year=item.get("pubYear") or (item.get("journalInfo") or {}).get("yearOfPublication"),
        doi=item.get("doi", ""),
        pmid=item.get("pmid", ""),
        authors=authors,
        venue=journal or item.get("journalTitle", ""),
        abstract=item.get("abstractText", ""),
    )


# --------------------------------------------------------------------------------------------
# OpenAlex


def openalex_search(client: Client, base_url: str, query: str, since: str, until: str, limit: int) -> list[Record]:
    """Works published from `since` to `until` matching `query` (OpenAlex boolean search)."""
    base = check_base_url("OpenAlex", base_url)
    params = {
        "search": query,
        "filter": f"from_publication_date:{since},to_publication_date:{until}",
        "per-page": OPENALEX_PAGE,
        "cursor": "*",
    }
    if client.mailto:
        params["mailto"] = client.mailto
    records: list[Record] = []
    first = True
    while True:
        data = client.json("OpenAlex", f"{base}/works", params=params)
        meta = data.get("meta") or {}
        if first:
            count = int(meta.get("count", 0) or 0)
            if count > limit:
                raise TooManyRecords(f"OpenAlex: the query matches {count:,} records, more than the limit of {limit:,}")
            first = False
        results = data.get("results") or []
        if not isinstance(results, list):
            raise RegistryError("OpenAlex: unexpected answer (results is not a list)")
        records += [openalex_record(work) for work in results if isinstance(work, dict)]
        client.progress(f"OpenAlex: {len(records):,} records fetched")
        following = meta.get("next_cursor")
        if not results or not following or len(records) >= limit:
            return records
        params = {**params, "cursor": following}


def openalex_record(work: dict) -> Record:
    source = ((work.get("primary_location") or {}).get("source") or {}).get("display_name", "")
    authors = [
        ((a.get("author") or {}).get("display_name") or a.get("raw_author_name") or "")
        for a in (work.get("authorships") or [])
        if isinstance(a, dict)
    ]
    return clean_record(
        "openalex",
        title=work.get("title") or work.get("display_name") or "",
        year=work.get("publication_year"),
        doi=work.get("doi") or (work.get("ids") or {}).get("doi", ""),
        pmid=(work.get("ids") or {}).get("pmid", ""),
        authors=authors,
        venue=source,
        abstract=inverted_abstract(work.get("abstract_inverted_index")),
    )


def inverted_abstract(index) -> str:
    """OpenAlex's abstract_inverted_index ({word: [positions]}) as text."""
    if not isinstance(index, dict):
        return ""
    positions = {}
    for word, places in index.items():
        for place in places if isinstance(places, list) else ():
            if isinstance(place, int) and 0 <= place < 20000:
                positions[place] = str(word)
    return " ".join(positions[p] for p in sorted(positions))


# --------------------------------------------------------------------------------------------
# Crossref (habanero)


def crossref_work(
    doi: str,
    *,
    base_url: str,
    mailto: str = "",
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """Crossref's `message` for one DOI (works route), through habanero; retries 429/5xx.

    Raises NotFound for a DOI Crossref does not know, RegistryError when it cannot be asked.
    """
    import httpx2  # habanero's HTTP library: its errors are what habanero raises
    from habanero import Crossref
    from habanero.exceptions import RequestError

    base = check_base_url("Crossref", base_url)
    crossref = Crossref(base_url=base, mailto=mailto or None, timeout=timeout)
    for attempt in range(retries + 1):
        try:
            data = crossref.works(ids=doi)
        except (httpx2.HTTPStatusError, RequestError) as exc:
            status = exc.response.status_code if isinstance(exc, httpx2.HTTPStatusError) else exc.status_code
            if status in RETRY_STATUSES and attempt < retries:
                sleep(backoff * 2**attempt)
                continue
            if status == 404:
                raise NotFound(f"Crossref has no record of the DOI {doi} (HTTP 404)") from None
            raise RegistryError(f"Crossref: {_host(base)} answered HTTP {status}") from None
        except httpx2.TimeoutException:
            if attempt < retries:
                sleep(backoff * 2**attempt)
                continue
            raise RegistryError(f"Crossref: no answer from {_host(base)} after {retries + 1} tries (timeout)") from None
        except (httpx2.HTTPError, RuntimeError) as exc:
            raise RegistryError(f"Crossref: cannot reach {_host(base)} ({_reason(exc)}); check the network") from None
        except ValueError:  # habanero's check_json: not a JSON answer
            raise RegistryError(f"Crossref: {_host(base)} did not answer with JSON") from None
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, dict):
            raise RegistryError(f"Crossref: {_host(base)} answered without a work record")
        return message
    raise AssertionError("unreachable")  # pragma: no cover
