"""The review's protocol for updates (data/search.yml): what the search asks which service for,
and which screening decisions and exclusion reasons a screener may record.

load_protocol() reads and checks the file; Protocol.query(service) writes the keywords in each
service's query language; set_last_run() is the one change the search makes to the file (a
single line, so its comments stay). Base URLs can be overridden by $LIVINGREVIEW_<NAME>_URL.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..data.paths import SEARCH

#: The services the search queries, in the order their records are taken (the first service to
#: return a record is credited with it; later ones count it as found twice).
SEARCH_SERVICES = ("pubmed", "europepmc", "openalex")
SERVICES = (*SEARCH_SERVICES, "crossref")
DECISIONS = ("include", "exclude", "maybe")


class ProtocolError(ValueError):
    """search.yml breaks one of its rules; the message says which."""


@dataclass(frozen=True)
class Database:
    name: str
    services: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Protocol:
    databases: tuple[Database, ...]
    topic: tuple[str, ...]
    setting: tuple[str, ...]
    start: _dt.date
    overlap_days: int
    last_run: _dt.date | None
    max_records: int
    tool: str
    mailto_env: str
    labels: dict[str, str]
    base_urls: dict[str, str]
    decisions: dict[str, str]
    reasons: dict[str, str]
    retries: int = 4
    backoff: float = 2.0
    timeout: float = 30.0

    @property
    def mailto(self) -> str:
        return os.environ.get(self.mailto_env, "").strip() if self.mailto_env else ""

    def base_url(self, service: str) -> str:
        return os.environ.get(f"LIVINGREVIEW_{service.upper()}_URL", "").strip() or self.base_urls[service]

    def window(self, today: _dt.date) -> tuple[_dt.date, _dt.date]:
        """The dates the next run asks for: from the start (first run) or the last run less the
        overlap, to today."""
        since = self.start if self.last_run is None else self.last_run - _dt.timedelta(days=self.overlap_days)
        return max(since, self.start), today

    def query(self, service: str) -> str:
        """The keywords as `service` reads a query: (topic OR ...) AND (setting OR ...), in titles
        and abstracts where the service lets a query say so."""

        def phrase(term: str) -> str:
            quoted = '"' + term.replace('"', "") + '"'
            if service == "pubmed":
                return f"{quoted}[tiab]"
            if service == "europepmc":
                return f"TITLE_ABS:{quoted}"
            return quoted  # OpenAlex: its search covers titles, abstracts and full texts it holds

        return " AND ".join("(" + " OR ".join(phrase(t) for t in group) + ")" for group in (self.topic, self.setting))

    def services_for(self, database: str) -> tuple[str, ...]:
        return next(d.services for d in self.databases if d.name == database)


def load_protocol(path: str | Path = SEARCH) -> Protocol:
    """Read and check data/search.yml. Raises ProtocolError naming the rule that is broken."""
    where = Path(path).name
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle) or {}
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise ProtocolError(f"{where}: not valid YAML ({' '.join(str(exc).split())})") from None

    def need(condition, message):
        if not condition:
            raise ProtocolError(f"{where}: {message}")

    services = raw.get("services") or {}
    need(set(services) == set(SERVICES), f"services must be exactly {', '.join(SERVICES)}")
    base_urls, labels = {}, {}
    for name in SERVICES:
        url = str((services[name] or {}).get("base_url", ""))
        need(re.fullmatch(r"https?://[^\s/]+(/\S*)?", url), f"services.{name}.base_url must be an http(s) address")
        base_urls[name] = url.rstrip("/")
        labels[name] = str((services[name] or {}).get("label") or name)
    databases = []
    for item in raw.get("databases") or []:
        named = tuple(str(s) for s in item.get("services") or [])
        need(item.get("name") and named, "each database needs a name and at least one service")
        need(
            set(named) <= set(SEARCH_SERVICES), f"database {item['name']!r}: services are {', '.join(SEARCH_SERVICES)}"
        )
        databases.append(Database(str(item["name"]), named, " ".join(str(item.get("why", "")).split())))
    need(databases, "no databases")
    keywords = raw.get("keywords") or {}
    topic = tuple(str(k) for k in keywords.get("topic") or [])
    setting = tuple(str(k) for k in keywords.get("setting") or [])
    need(topic and setting, "keywords.topic and keywords.setting each need at least one keyword")
    window = raw.get("window") or {}
    start = window.get("start")
    need(isinstance(start, _dt.date), "window.start must be a date (YYYY-MM-DD)")
    assert isinstance(start, _dt.date)  # need() raised otherwise; this tells the type checker
    overlap = window.get("overlap_days", 0)
    need(
        isinstance(overlap, int) and not isinstance(overlap, bool) and 0 <= overlap <= 366,
        "window.overlap_days must be 0 to 366",
    )
    last_run = raw.get("last_run")
    need(last_run is None or isinstance(last_run, _dt.date), "last_run must be a date (YYYY-MM-DD) or null")
    limit = raw.get("max_records")
    need(
        isinstance(limit, int) and not isinstance(limit, bool) and limit > 0,
        "max_records must be a positive whole number",
    )
    assert isinstance(limit, int)  # need() raised otherwise; this tells the type checker
    http = raw.get("http") or {}
    retries, backoff, timeout = http.get("retries", 4), http.get("backoff_seconds", 2), http.get("timeout_seconds", 30)
    need(isinstance(retries, int) and 0 <= retries <= 10, "http.retries must be 0 to 10")
    need(isinstance(backoff, int | float) and 0 <= backoff <= 60, "http.backoff_seconds must be 0 to 60")
    need(isinstance(timeout, int | float) and 0 < timeout <= 300, "http.timeout_seconds must be above 0, at most 300")
    contact = raw.get("contact") or {}
    screening = raw.get("screening") or {}
    decisions = {str(k): " ".join(str(v).split()) for k, v in (screening.get("decisions") or {}).items()}
    need(tuple(decisions) == DECISIONS, f"screening.decisions must be {', '.join(DECISIONS)}")
    reasons = {str(k): str(v) for k, v in (screening.get("exclusion_reasons") or {}).items()}
    need(
        reasons and all(re.fullmatch(r"[a-z0-9-]+", k) for k in reasons),
        "screening.exclusion_reasons needs keys such as not-clinical",
    )
    need("other" in reasons, "screening.exclusion_reasons needs 'other'")
    return Protocol(
        databases=tuple(databases),
        topic=topic,
        setting=setting,
        start=start,
        overlap_days=overlap,
        last_run=last_run,
        max_records=limit,
        tool=str(contact.get("tool") or "livingreview"),
        mailto_env=str(contact.get("mailto_env") or ""),
        labels=labels,
        base_urls=base_urls,
        decisions=decisions,
        reasons=reasons,
        retries=retries,
        backoff=float(backoff),
        timeout=float(timeout),
    )


_LAST_RUN = re.compile(r"^last_run:.*$", re.M)


def set_last_run(text: str, day: _dt.date) -> str:
    """search.yml's text with `last_run:` set to `day`, everything else (comments too) unchanged."""
    if len(_LAST_RUN.findall(text)) != 1:
        raise ProtocolError("search.yml: needs exactly one top-level 'last_run:' line")
    return _LAST_RUN.sub(f"last_run: {day:%Y-%m-%d}", text)
