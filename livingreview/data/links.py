"""The only links ever built from study data: https://doi.org/<DOI>, https:// pages, and a study's
card on the book's studies page.

A contributed row must never produce a javascript:, data: or plain-http link; the explorer and
the static table both ask here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

from .schema import column_pattern

#: The studies chapter (book/studies.md), relative to another page of book/: where the cards are.
STUDIES_PAGE = "studies.html"


@lru_cache(maxsize=1)
def _doi_shape() -> re.Pattern:
    """The schema's own DOI pattern (data/datapackage.json), so link and validator agree."""
    return re.compile(column_pattern("doi"))


def doi_href(doi: str) -> str | None:
    """https://doi.org/<DOI> for a DOI of the expected shape, else None."""
    doi = (doi or "").strip()
    return "https://doi.org/" + quote(doi, safe="/:;()._-") if doi and _doi_shape().match(doi) else None


def is_https(url: str) -> bool:
    """An absolute https:// address with a host and no white space or control characters."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.netloc) and not any(c.isspace() or ord(c) < 32 for c in url)


def card_id(study_id: str) -> str:
    """The card's element id: other pages link to it."""
    return f"study-{study_id}"


def card_href(study_id: str, page: str = STUDIES_PAGE) -> str:
    """A link to a study's card ('' page: on the same page)."""
    return f"{page}#{quote(card_id(study_id), safe='')}"
