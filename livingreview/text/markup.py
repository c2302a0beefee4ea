"""HTML building blocks every renderer shares: escaping text and attributes, inert JSON.

All study text is untrusted: whatever puts it into a page escapes it with these, so there is one
rule for it (the explorer, the static table, the study cards, the book's figures and lists, the
pages' heads, the flow diagrams, plotly.js's labels). No other module escapes HTML by hand or
calls html.escape: tests/test_escaping.py fails when one does. The other formats' rules live with
their one writer: BibTeX, RIS and CSV (formulas) in livingreview.data.exports, GitHub's workflow
annotations in livingreview.data.validation, Markdown in livingreview.book.contributor_docs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

#: Characters HTML forbids in a page even inside a <script> (C1 controls, noncharacters; the W3C
#: checker reports each one): script_json writes them as JSON escapes, which mean the same.
_FORBIDDEN_IN_HTML = re.compile("[\u0080-\u009f\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0010ffff]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if ord(char) > 0xFFFF and (ord(char) & 0xFFFE) != 0xFFFE:
        return char  # an astral character the class caught but HTML allows: not U+xFFFE/U+xFFFF
    return str(json.dumps(char))[1:-1]  # \uXXXX (a surrogate pair for an astral one)


def esc(value: str) -> str:
    """Text for element content or a quoted attribute value: < > & " ' escaped.

    Quotes are escaped in content too, so no text from the data ever looks like an attribute,
    even to a careless reader of the markup. A carriage return becomes &#13;: the HTML parser
    turns a literal CR into a newline, but a character reference survives, so what a script
    reads back (textContent) is the original text.
    """
    # html.escape(quote=True), spelt out: this runs for every cell of a 10,000-study page.
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        .replace("\r", "&#13;")
    )


def plotly_text(value: str) -> str:
    """Text as plotly.js must receive it to show it literally in a label or hover text: esc()'s
    entities, but the numeric &#34; for a quote (plotly.js reads its own small set of tags, such as
    <b> and <br>, and decodes numeric entities and a few named ones, not &quot;, which would show)."""
    return esc(value).replace("&quot;", "&#34;")


def attrs(values: Mapping[str, str]) -> str:
    """' name="value"' for each attribute, values escaped."""
    return "".join(f' {name}="{esc(value)}"' for name, value in values.items())


def script_json(data: object, *, ascii_only: bool = True) -> str:
    """`data` as JSON for a <script type="application/json"> element: compact, and inert whatever
    the strings hold ('<', '>' and '&' only occur inside JSON strings, so escaping them as \\u003c,
    \\u003e and \\u0026 keeps a '</script>' or '<!--' in data from ending or changing the element).
    ascii_only=False writes other characters as they are (shorter, for a page served as UTF-8),
    except those HTML forbids in a page, which stay escaped."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=ascii_only)
    if not ascii_only:
        text = _FORBIDDEN_IN_HTML.sub(_json_escape, text)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class RawHTML:
    """HTML that a page shows as is (already escaped by whoever built it)."""

    def __init__(self, markup: str):
        self.markup = markup

    def __repr__(self) -> str:  # no memory address in the saved page: builds stay reproducible
        return "<HTML output>"

    def _repr_html_(self) -> str:
        return self.markup
