"""The bibliographic services the living review asks, each in its own documented format.

- PubMed, through NCBI's E-utilities: esearch (JSON) for the ids, efetch (PubMed XML) for the
  records with their abstracts;
- Europe PMC's REST search (JSON, resultType=core, cursor paging);
- OpenAlex's works API (JSON, cursor paging; abstracts come as an inverted index);
- Crossref's works API, for one DOI's metadata (`add`).

Every service is asked through one polite client (httpx): it names the tool and a contact
address where the service asks for one (NCBI's tool/email, OpenAlex's and Crossref's mailto),
puts identifiers into a URL path percent-encoded (a DOI with '#', '?' or '<>' is asked for as
itself), and says what is happening as it happens: a line when a request has been waiting for
more than SLOW_NOTICE seconds, and one for every retry (service, attempt, seconds to wait).
(pyalex is not used for OpenAlex: its 0.21 builds every works URL on the fixed host
api.openalex.org. habanero is not used for Crossref: it cannot report a wait, ignores
Retry-After and puts a DOI into the URL unencoded.)

Nothing a service sends is taken on trust. An answer is an error of that service (retried, then
a RegistryError whose message is one line, in the reader's terms) when it is an HTTP error, not
the JSON or XML it must be, without the fields a page must have (Europe PMC's hitCount and
resultList, OpenAlex's meta and results, E-utilities' esearchresult), or when the count a
service states disagrees with the records that arrive: PubMed's records are compared by PMID
(the missing ones are named), Europe PMC's and OpenAlex's with the total they stated. A record
is never silently dropped, and an odd answer is never "zero results".

Every base URL is configurable (data/search.yml, or $LIVINGREVIEW_<SERVICE>_URL), which is how
the tests run this very code against a local server replaying recorded responses. Every text
field of a record is untrusted: it leaves this module as plain, bounded text.
"""

from __future__ import annotations

import email.utils
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import httpx

from ..text.plaintext import plain_text

#: Answers worth asking again: too many requests, and the server's temporary failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: What an HTTP status means, in a reader's words.
STATUS_WORDS = {
    400: "the request was refused as malformed",
    401: "the service asks for credentials",
    403: "the service refused the request",
    405: "the service does not answer this kind of request",
    410: "the record was withdrawn",
    414: "the request was too long",
    429: "too many requests: the service asks us to slow down",
    500: "an error inside the service",
    502: "the service's gateway had no answer from it",
    503: "the service is unavailable for now",
    504: "the service's gateway timed out",
}
#: Records fetched per request (efetch ids per batch; Europe PMC and OpenAlex page sizes).
PUBMED_BATCH = 200
EUROPEPMC_PAGE = 1000
OPENALEX_PAGE = 100
#: Longest wait a Retry-After header may impose, in seconds.
MAX_RETRY_AFTER = 60.0
#: A request still waiting after this many seconds is announced (a person sees every wait
#: within 2 s of its start).
SLOW_NOTICE = 1.5


class RegistryError(Exception):
    """A service could not be reached or answered with an error; str() is one line."""


class NotFound(RegistryError):
    """The service answered that the record does not exist (e.g. an unknown DOI)."""


class TooManyRecords(RegistryError):
    """The query matches more records than the configured limit: nothing is fetched."""


class OddAnswer(Exception):
    """An answer that is not what the service must send; str() says what was wrong, in a
    reader's terms ('answered with an HTML page, not JSON'). Retried like a 503."""


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
    pmcid: str = ""
    openalex: str = ""
    arxiv: str = ""
    europepmc: str = ""  # Europe PMC's source/id of a record not from MED or PMC ('PPR/PPR123')

    def identifiers(self) -> dict[str, str]:
        """{scheme: id} of every identifier the service gave (livingreview.update.matching.SCHEMES)."""
        from .matching import identifiers

        return identifiers(
            doi=self.doi,
            pmid=self.pmid,
            pmcid=self.pmcid,
            openalex=self.openalex,
            arxiv=self.arxiv,
            europepmc=self.europepmc,
        )


def best_year(*values) -> int | None:
    """The first plausible year among `values` (a year, or a date that starts with one)."""
    for value in values:
        text = str(value or "").strip()
        if len(text) >= 4 and text[:4].isdigit() and (len(text) == 4 or not text[4].isdigit()):
            year = int(text[:4])
            if 1000 <= year <= 9999:
                return year
    return None


def clean_record(
    source: str,
    *,
    title,
    year=None,
    doi="",
    pmid="",
    authors=(),
    venue="",
    abstract="",
    pmcid="",
    openalex="",
    arxiv="",
    europepmc="",
) -> Record:
    """A Record with every text field made plain and bounded (the API's text is untrusted)."""
    from .matching import identifiers

    names = tuple(n for n in (plain_text(a, "author") for a in authors) if n)
    total, kept = 0, []
    for name in names:  # bound the list as a whole too: some records list thousands of authors
        total += len(name) + 2
        if total > 2000:
            break
        kept.append(name)
    ids = identifiers(doi=doi, pmid=pmid, pmcid=pmcid, openalex=openalex, arxiv=arxiv, europepmc=europepmc)
    return Record(
        source=source,
        title=plain_text(title, "title"),
        year=best_year(year),
        doi=ids.get("doi", ""),
        pmid=ids.get("pmid", ""),
        authors=tuple(kept),
        venue=plain_text(venue, "venue"),
        abstract=plain_text(abstract, "abstract"),
        pmcid=ids.get("pmcid", ""),
        openalex=ids.get("openalex", ""),
        arxiv=ids.get("arxiv", ""),
        europepmc=ids.get("europepmc", ""),
    )


def check_base_url(name: str, url: str) -> str:
    """The base URL without a trailing '/', if it is an http(s) URL with a host."""
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistryError(f"{name}: the base URL {url!r} is not an http(s) address; see data/search.yml")
    return str(url).rstrip("/")


def path_segment(identifier: str) -> str:
    """An identifier (a DOI) as it goes into a URL path: every character that means something in
    a URL percent-encoded ('#' would end the path, '?' start a query), its '/' kept, as the
    services route 10.1000/a/b on them."""
    return quote(str(identifier), safe="/")


@dataclass
class Client:
    """A polite HTTP client: identifies itself, retries what is worth retrying, says every wait,
    one-line errors."""

    tool: str = "livingreview"
    mailto: str = ""
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[str], None] = field(default=lambda message: None)
    slow_notice: float = SLOW_NOTICE

    def __post_init__(self):
        agent = self.tool + (f" (mailto:{self.mailto})" if self.mailto else "")
        self._http = httpx.Client(timeout=self.timeout, headers={"User-Agent": agent}, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, service: str, method: str, url: str, *, read: Callable | None = None, **kwargs):
        """The response to a request (or what `read(response)` makes of it), after retries.

        Retried, with a line for each wait: timeouts, RETRY_STATUSES and answers `read` finds odd
        (it raises OddAnswer). Raises NotFound on a 404, RegistryError on anything else.
        """
        host = _host(url)
        for attempt in range(1, self.retries + 2):
            retry_after = None
            try:
                response = self._send(service, method, url, **kwargs)
            except httpx.TimeoutException:
                problem = f"{host} gave no answer within {self.timeout:g} s"
            except httpx.HTTPError as exc:
                # Refused, unresolvable or reset: no network (or a wrong base URL), not worth a wait.
                raise RegistryError(f"{service}: cannot reach {host} ({_reason(exc)}); check the network") from None
            else:
                status = response.status_code
                if status == 404:
                    raise NotFound(f"{service}: {host} has no such record (HTTP 404)")
                if status >= 400 and status not in RETRY_STATUSES:
                    raise RegistryError(f"{service}: {host} answered {describe_status(response)}")
                if status in RETRY_STATUSES:
                    problem = f"{host} answered {describe_status(response)}"
                    retry_after = response.headers.get("Retry-After")
                else:
                    if read is None:
                        return response
                    try:
                        return read(response)
                    except OddAnswer as exc:
                        problem = f"{host} {exc}"
            if attempt > self.retries:
                tries = f" (tried {attempt} times)" if attempt > 1 else ""
                raise RegistryError(f"{service}: {problem}{tries}")
            self._wait(service, attempt, problem, retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    def json(self, service: str, url: str, *, check: Callable[[dict], None] | None = None, **kwargs) -> dict:
        """A JSON object from `url`; `check(data)` raises OddAnswer when a field the service must
        send is missing. Odd answers are retried like a 503."""

        def read(response: httpx.Response) -> dict:
            data = read_json(response)
            if check is not None:
                check(data)
            return data

        return self.request(service, "GET", url, read=read, **kwargs)

    def _send(self, service: str, method: str, url: str, **kwargs) -> httpx.Response:
        """One request; a line once it has waited slow_notice seconds, so no wait is silent."""
        started = time.monotonic()
        timer = threading.Timer(
            self.slow_notice,
            lambda: self.progress(
                f"{service}: waiting for {_host(url)} (for {time.monotonic() - started:.0f} s; "
                f"giving up after {self.timeout:g} s)"
            ),
        )
        timer.daemon = True
        timer.start()
        try:
            return self._http.request(method, url, **kwargs)
        finally:
            timer.cancel()

    def _wait(self, service: str, attempt: int, problem: str, retry_after: str | None) -> None:
        delay = self.backoff * 2 ** (attempt - 1)
        asked = retry_after_seconds(retry_after)
        if asked is not None:
            delay = min(asked, MAX_RETRY_AFTER)
        self.progress(
            f"{service}: {problem}; attempt {attempt} of {self.retries + 1} failed, trying again in {delay:g} s"
        )
        self.sleep(delay)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110); None otherwise."""
    text = str(value or "").strip()
    if not text:
        return None
    if text.replace(".", "", 1).isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _looks_like_html(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").lower()
    start = response.content[:200].lstrip().lower()
    return "html" in kind or start.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def describe_status(response: httpx.Response) -> str:
    """'HTTP 503 (the service is unavailable for now)', with the service's own message where it
    sends one in JSON or plain text; an HTML error page is named, not quoted."""
    status = response.status_code
    words = STATUS_WORDS.get(status, "an error of the service" if status >= 500 else "a refusal")
    text = f"HTTP {status} ({words})"
    if _looks_like_html(response):
        return text + " with an HTML error page"
    message = ""
    try:
        data = json.loads(response.text, strict=False)
    except ValueError:
        message = plain_text(response.text, 160)
    else:
        message = _service_message(data)
    return f"{text}: {message}" if message and message.lower() not in words else text


def _service_message(data) -> str:
    """The message a service puts in a JSON error (NCBI's 'error' or 'ERROR', Crossref's
    'message', OpenAlex's 'error' and 'message', Europe PMC's 'errMsg')."""
    if isinstance(data, dict):
        for key in ("error", "ERROR", "message", "errorMessage", "errMsg", "description"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return plain_text(value, 200)
            if isinstance(value, list) and value:
                return plain_text(
                    "; ".join(str(v.get("message", v)) if isinstance(v, dict) else str(v) for v in value), 200
                )
            if isinstance(value, dict) and value:
                return _service_message(value) or plain_text(str(value), 200)
    return ""


def read_json(response: httpx.Response) -> dict:
    """The JSON object an answer holds. Raises OddAnswer saying, in a reader's terms, what it is
    instead. A raw line break inside a string (as NCBI sends its own error messages) is read,
    not refused: the service's message is what the reader needs."""
    if not response.content.strip():
        raise OddAnswer("answered with an empty page, not JSON")
    if _looks_like_html(response):
        raise OddAnswer("answered with an HTML page, not JSON")
    try:
        data = json.loads(response.text, strict=False)
    except ValueError as exc:
        if getattr(exc, "pos", 0) >= len(response.text.rstrip()) - 1:
            raise OddAnswer(f"answered with JSON cut short after {len(response.content):,} bytes") from None
        raise OddAnswer("answered with text that is not JSON") from None
    if not isinstance(data, dict):
        raise OddAnswer(f"answered with unexpected JSON (a {type(data).__name__}, not an object)")
    return data


def _shown(data: dict) -> str:
    """A short view of an answer, for a message about what it lacks: '{"version": "6.9"}'."""
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def _require(data: dict, *names: str) -> None:
    missing = [name for name in names if name not in data]
    if missing:
        raise OddAnswer(f"answered without {' and '.join(missing)} (the answer was only {_shown(data)})")


# --------------------------------------------------------------------------------------------
# PubMed (NCBI E-utilities)


def pubmed_search(client: Client, base_url: str, query: str, since: str, until: str, limit: int) -> list[Record]:
    """Records entered into PubMed (Entrez date) from `since` to `until` (YYYY-MM-DD) matching `query`.

    esearch's count must equal the ids it lists, and efetch must return every id asked for:
    a shortfall is asked again, then reported by PMID.
    """
    base = check_base_url("PubMed", base_url)
    common = {"db": "pubmed", "tool": client.tool, **({"email": client.mailto} if client.mailto else {})}
    found = client.json(
        "PubMed",
        f"{base}/esearch.fcgi",
        check=lambda data: _check_esearch(data, limit),
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
    result = found["esearchresult"]
    count = int(result["count"])
    if count > limit:
        raise TooManyRecords(f"PubMed: the query matches {count:,} records, more than the limit of {limit:,}")
    ids = list(dict.fromkeys(str(i) for i in result["idlist"]))
    client.progress(f"PubMed: esearch found {count:,} records; fetching them")
    records = []
    batches = range(0, len(ids), PUBMED_BATCH)
    for number, start in enumerate(batches, start=1):
        batch = ids[start : start + PUBMED_BATCH]
        records += client.request(
            "PubMed",
            "POST",
            f"{base}/efetch.fcgi",
            read=lambda response, batch=batch: _efetch_records(response, batch),
            data={**common, "id": ",".join(batch), "retmode": "xml", "rettype": "abstract"},
        )
        client.progress(
            f"PubMed: {min(start + PUBMED_BATCH, len(ids)):,} of {len(ids):,} records fetched "
            f"(batch {number} of {len(batches)})"
        )
    return records


def _check_esearch(data: dict, limit: int) -> None:
    result = data.get("esearchresult")
    if not isinstance(result, dict):
        message = _service_message(data)
        if message:
            raise OddAnswer(f"answered with NCBI's error: {message}")
        _require(data, "esearchresult")
        raise OddAnswer(f"answered with an esearchresult that is not an object ({_shown(data)})")
    if result.get("ERROR"):
        raise OddAnswer(f"answered with NCBI's error: {plain_text(str(result['ERROR']), 200)}")
    _require(result, "count", "idlist")
    if not str(result["count"]).isdigit() or not isinstance(result["idlist"], list):
        raise OddAnswer(f"answered with an unreadable count or id list ({_shown(result)})")
    count, listed = int(result["count"]), len(result["idlist"])
    if count <= limit and listed != count:
        raise OddAnswer(f"said {count:,} records match but listed {listed:,} ids")


def _efetch_records(response: httpx.Response, asked: list[str]) -> list[Record]:
    """efetch's records for the PMIDs `asked`; OddAnswer naming every PMID that did not come."""
    records = parse_pubmed_xml(response.content)
    got = {r.pmid for r in records}
    missing = [pmid for pmid in asked if pmid not in got]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10:,} more" if len(missing) > 10 else "")
        raise OddAnswer(
            f"returned {len(asked) - len(missing):,} of the {len(asked):,} records asked for; missing: PMID {shown}"
        )
    return [r for r in records if r.pmid in set(asked)]


def parse_pubmed_xml(content: bytes) -> list[Record]:
    """PubMed's XML (PubmedArticleSet of PubmedArticle and PubmedBookArticle) as records.
    defusedxml: no entity expansion, no DTD fetch. Raises OddAnswer for anything else (NCBI's
    own <ERROR>, an HTML page, XML cut short)."""
    from defusedxml import ElementTree

    if content[:200].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise OddAnswer("answered with an HTML page, not PubMed XML")
    try:
        root = ElementTree.fromstring(content)
    except Exception as exc:  # ParseError, or defusedxml's refusal of entities
        what = "XML cut short" if b"</PubmedArticleSet>" not in content else f"unreadable XML ({type(exc).__name__})"
        raise OddAnswer(f"answered with {what}") from None
    error = root.find(".//ERROR") if root.tag != "PubmedArticleSet" else None
    if error is not None or root.tag == "ERROR":
        raise OddAnswer(f"answered with NCBI's error: {plain_text(_text(error if error is not None else root), 200)}")
    if root.tag != "PubmedArticleSet":
        raise OddAnswer(f"answered with XML that is not PubMed's (<{plain_text(root.tag, 40)}>)")
    records = []
    for article in root:
        if article.tag == "PubmedArticle":
            record = _pubmed_article(article)
        elif article.tag == "PubmedBookArticle":
            record = _pubmed_book(article)
        else:
            continue
        if record is not None:
            records.append(record)
    return records


def _article_ids(node) -> dict[str, str]:
    ids = {}
    for item in node.iterfind("ArticleIdList/ArticleId") if node is not None else ():
        kind = item.get("IdType", "")
        if kind in ("doi", "pmc", "pubmed") and kind not in ids:
            ids[kind] = _text(item)
    return ids


def _pubmed_article(article) -> Record | None:
    citation = article.find("MedlineCitation")
    body = citation.find("Article") if citation is not None else None
    if body is None:
        return None
    ids = _article_ids(article.find("PubmedData"))
    doi = ids.get("doi", "")
    if not doi:
        for node in body.iterfind("ELocationID"):
            if node.get("EIdType") == "doi":
                doi = _text(node)
    date = body.find("Journal/JournalIssue/PubDate")
    year = best_year(
        _text(date.find("Year")) if date is not None else "",
        _text(date.find("MedlineDate")) if date is not None else "",
        _text(body.find("ArticleDate/Year")),
        _history_year(article),
    )
    return clean_record(
        "pubmed",
        title=_markup(body.find("ArticleTitle")) or _markup(body.find("VernacularTitle")),
        year=year,
        doi=doi,
        pmid=_text(citation.find("PMID")),
        pmcid=ids.get("pmc", ""),
        authors=_authors(body),
        venue=_text(body.find("Journal/Title")),
        abstract=_abstract(body),
    )


def _pubmed_book(article) -> Record | None:
    document = article.find("BookDocument")
    if document is None:
        return None
    ids = _article_ids(document)
    book = document.find("Book")
    return clean_record(
        "pubmed",
        title=_markup(document.find("ArticleTitle")) or _markup(book.find("BookTitle") if book is not None else None),
        year=best_year(
            _text(book.find("PubDate/Year")) if book is not None else "",
            _history_year(article, "PubmedBookData"),
        ),
        doi=ids.get("doi", ""),
        pmid=_text(document.find("PMID")),
        pmcid=ids.get("pmc", ""),
        authors=_authors(document) or (_authors(book) if book is not None else []),
        venue=_text(book.find("BookTitle")) if book is not None else "",
        abstract=_abstract(document),
    )


def _history_year(article, data: str = "PubmedData") -> str:
    for status in ("pubmed", "entrez", "medline"):
        for node in article.iterfind(f"{data}/History/PubMedPubDate"):
            if node.get("PubStatus") == status:
                return _text(node.find("Year"))
    return ""


def _authors(node) -> list[str]:
    authors = []
    for author in node.iterfind("AuthorList/Author"):
        collective = _text(author.find("CollectiveName"))
        last = _text(author.find("LastName"))
        initials = _text(author.find("Initials"))
        if last or collective:
            authors.append(f"{last} {initials}".strip() if last else collective)
    return authors


def _abstract(node) -> str:
    """The abstract's sections, each with its label ('BACKGROUND: ...'), one space apart."""
    return " ".join(
        " ".join(filter(None, [part.get("Label", "") + ":" if part.get("Label") else "", _markup(part)]))
        for part in node.iterfind("Abstract/AbstractText")
    )


def _text(node) -> str:
    """All the text inside an element, its children's (<i>, <sup>) included."""
    return "".join(node.itertext()) if node is not None else ""


def _markup(node) -> str:
    """An element's content as markup (<sup>2</sup>, MathML), for plain_text to read: x² stays
    x², not x2 as its bare text would."""
    from xml.etree import ElementTree

    if node is None:
        return ""
    inner = ElementTree.tostring(node, encoding="unicode", short_empty_elements=False)
    return re.sub(r"^<[^>]*>|</[^>]*>\s*$", "", inner.strip())


# --------------------------------------------------------------------------------------------
# Europe PMC and OpenAlex: cursor paging, the stated total against what arrived


def _complete(client: Client, service: str, fetch: Callable[[], tuple[int, list[Record]]]) -> list[Record]:
    """Every record of a paged search: `fetch()` pages through it and returns the total the
    service stated and the records that arrived. Fewer records than stated is asked again from
    the first page (records are added to an index while paging), then an error."""
    for attempt in range(1, client.retries + 2):
        stated, records = fetch()
        if len(records) >= stated:
            return records
        problem = f"the service said {stated:,} records match, but {len(records):,} arrived"
        if attempt > client.retries:
            raise RegistryError(f"{service}: {problem} (asked {attempt} times); nothing is recorded as searched")
        client._wait(service, attempt, problem, None)
    raise AssertionError("unreachable")  # pragma: no cover


def _check_europepmc(data: dict) -> None:
    _require(data, "hitCount", "resultList")
    if not isinstance(data["hitCount"], int) or isinstance(data["hitCount"], bool):
        raise OddAnswer(f"answered with a hitCount that is not a number ({_shown(data)})")
    results = (data["resultList"] or {}).get("result") if isinstance(data["resultList"], dict) else None
    if not isinstance(results, list):
        raise OddAnswer("answered with a resultList without a list of results")


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

    def fetch() -> tuple[int, list[Record]]:
        stated, records, cursor, page = None, [], "*", 0
        while True:
            data = client.json(
                "Europe PMC", f"{base}/search", check=_check_europepmc, params={**params, "cursorMark": cursor}
            )
            page += 1
            if stated is None:
                stated = data["hitCount"]
                if stated > limit:
                    raise TooManyRecords(
                        f"Europe PMC: the query matches {stated:,} records, more than the limit of {limit:,}"
                    )
            items = data["resultList"]["result"]
            records += [europepmc_record(item) for item in items if isinstance(item, dict)]
            client.progress(f"Europe PMC: page {page}: {len(records):,} of {stated:,} records")
            following = data.get("nextCursorMark")
            if not items or not following or following == cursor or len(records) >= stated:
                return stated, records
            cursor = following

    return _complete(client, "Europe PMC", fetch)


def europepmc_record(item: dict) -> Record:
    journal_info = item.get("journalInfo") or {}
    journal = (journal_info.get("journal") or {}).get("title", "")
    authors = [
        a.get("fullName")
        or " ".join(filter(None, [a.get("lastName"), a.get("initials")]))
        or a.get("collectiveName", "")
        for a in ((item.get("authorList") or {}).get("author") or [])
        if isinstance(a, dict)
    ]
    if not authors and item.get("authorString"):
        authors = [name for name in str(item["authorString"]).rstrip(".").split(", ")]
    source, own_id = str(item.get("source") or ""), str(item.get("id") or "")
    preprint = (item.get("bookOrReportDetails") or {}).get("publisher", "") if source == "PPR" else ""
    return clean_record(
        "europepmc",
        title=item.get("title", ""),
        # The publication year where the record gives one, else the date Europe PMC first published it.
        year=best_year(
            item.get("pubYear"),
            journal_info.get("yearOfPublication"),
            journal_info.get("printPublicationDate"),
            item.get("firstPublicationDate"),
            item.get("electronicPublicationDate"),
        ),
        doi=item.get("doi", ""),
        pmid=item.get("pmid", "") or (own_id if source == "MED" else ""),
        pmcid=item.get("pmcid", "") or (own_id if source == "PMC" else ""),
        europepmc=f"{source}/{own_id}" if source and own_id and source not in ("MED", "PMC") else "",
        authors=authors,
        venue=journal or item.get("journalTitle", "") or preprint,
        abstract=item.get("abstractText", ""),
    )


def _check_openalex(data: dict) -> None:
    _require(data, "meta", "results")
    meta = data["meta"]
    if not isinstance(meta, dict) or not isinstance(meta.get("count"), int) or isinstance(meta.get("count"), bool):
        raise OddAnswer(f"answered with a meta that has no count ({_shown(data)})")
    if not isinstance(data["results"], list):
        raise OddAnswer("answered with results that are not a list")


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

    def fetch() -> tuple[int, list[Record]]:
        stated, records, cursor, page = None, [], "*", 0
        while True:
            data = client.json("OpenAlex", f"{base}/works", check=_check_openalex, params={**params, "cursor": cursor})
            page += 1
            if stated is None:
                stated = data["meta"]["count"]
                if stated > limit:
                    raise TooManyRecords(
                        f"OpenAlex: the query matches {stated:,} records, more than the limit of {limit:,}"
                    )
            results = data["results"]
            records += [openalex_record(work) for work in results if isinstance(work, dict)]
            client.progress(f"OpenAlex: page {page}: {len(records):,} of {stated:,} records")
            following = data["meta"].get("next_cursor")
            if not results or not following or len(records) >= stated:
                return stated, records
            cursor = following

    return _complete(client, "OpenAlex", fetch)


def openalex_record(work: dict) -> Record:
    source = ((work.get("primary_location") or {}).get("source") or {}).get("display_name", "")
    authors = [
        ((a.get("author") or {}).get("display_name") or a.get("raw_author_name") or "")
        for a in (work.get("authorships") or [])
        if isinstance(a, dict)
    ]
    ids = work.get("ids") or {}
    arxiv = ""
    for location in work.get("locations") or []:  # an arXiv copy names its abs/ page
        landing = str((location or {}).get("landing_page_url") or "") if isinstance(location, dict) else ""
        if "arxiv.org/abs/" in landing:
            arxiv = landing
            break
    return clean_record(
        "openalex",
        title=work.get("title") or work.get("display_name") or "",
        year=best_year(work.get("publication_year"), work.get("publication_date")),
        doi=work.get("doi") or ids.get("doi", ""),
        pmid=ids.get("pmid", ""),
        pmcid=ids.get("pmcid", ""),
        openalex=work.get("id") or ids.get("openalex", ""),
        arxiv=arxiv,
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
# Crossref


def _check_crossref(data: dict) -> None:
    _require(data, "message")
    if not isinstance(data["message"], dict) or data.get("message-type", "work") != "work":
        raise OddAnswer(f"answered without a work record ({_shown(data)})")


def crossref_work(
    doi: str,
    *,
    base_url: str,
    mailto: str = "",
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] = lambda message: None,
    tool: str = "livingreview",
) -> dict:
    """Crossref's `message` for one DOI (works route, the DOI percent-encoded as a path segment);
    retries 429/5xx (honouring Retry-After), timeouts and odd answers, saying each wait.

    Raises NotFound for a DOI Crossref does not know (saying what to try next), RegistryError
    when it cannot be asked.
    """
    base = check_base_url("Crossref", base_url)
    with Client(
        tool=tool, mailto=mailto, retries=retries, backoff=backoff, timeout=timeout, sleep=sleep, progress=progress
    ) as client:
        try:
            data = client.json(
                "Crossref",
                f"{base}/works/{path_segment(doi)}",
                check=_check_crossref,
                params={"mailto": mailto} if mailto else None,
            )
        except NotFound:
            raise NotFound(
                f"Crossref has no record of the DOI {doi} (HTTP 404); check it at https://doi.org/{path_segment(doi)}: "
                "a DOI registered with another agency (DataCite, mEDRA, JaLC) has no Crossref record, "
                "so add that study's row by hand"
            ) from None
    return data["message"]
