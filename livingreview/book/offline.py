"""What a built page loads, read from its HTML: the check behind "no request to another host"
(the book's tests) and the page-weight count (the benchmark)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: <link rel> values that make the browser fetch the target.
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "prefetch"}
EMBEDDING_TAGS = ("script", "img", "iframe", "audio", "video", "source", "embed")


class _Loads(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in EMBEDDING_TAGS and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href") and set((attrs.get("rel") or "").split()) & FETCHING_RELS:
            self.loads.append(attrs["href"])
        if tag == "object" and attrs.get("data"):
            self.loads.append(attrs["data"])


def page_loads(markup: str) -> list[str]:
    """Every URL the page's markup makes the browser fetch (scripts, stylesheets, images, frames)."""
    parser = _Loads()
    parser.feed(markup)
    return parser.loads


def is_remote(url: str) -> bool:
    """An absolute or protocol-relative URL to another host (file: URLs are local)."""
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.I)) and not url.lower().startswith("file:")
