"""Text from outside (registry and search APIs) reduced to plain, bounded, single-line text.

Titles and abstracts arrive with JATS or HTML markup (<jats:p>, <i>, <sub>), character
references (&amp;, &#8211;), odd white space and control characters, and sometimes with a
payload meant for a page or a spreadsheet. Nothing from an API is markup to us: tags are
removed, references decoded once, white space collapsed, control and invisible format
characters dropped, and the length bounded. Whoever later puts the text into a page escapes it
(livingreview.text.markup); a CSV writer neutralises formulas (livingreview.data.exports).
"""

from __future__ import annotations

import html
import re
import unicodedata

#: Bounds per kind of field, in characters (a long abstract is about 3,000).
LIMITS = {"title": 500, "abstract": 6000, "venue": 300, "author": 120, "authors": 2000, "id": 200}

#: A tag: '<' then a name (or '/' and a name, or '!' for comments and CDATA); 'p < 0.05' and
#: 'p<0.05' are text, not tags.
_TAG = re.compile(r"<(?:/?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?|![^<>]*)>")
#: Elements whose content is not text a reader would see (scripts, styles, MathML annotations).
_HIDDEN = re.compile(r"<(script|style|annotation|annotation-xml)\b[^>]*>.*?</\1\s*>", re.I | re.S)
#: JATS/HTML block boundaries: keep a space where a paragraph or title ended.
_BLOCK = re.compile(r"</?(p|div|br|title|sec|li|jats:p|jats:title|jats:sec|AbstractText)\b[^>]*>", re.I)


def plain_text(value, limit: int | str = "title") -> str:
    """`value` as plain text on one line, at most `limit` characters (a number or a LIMITS key).

    Markup is removed and character references decoded until nothing changes, so markup that
    arrived escaped ('&lt;i&gt;', even '&amp;lt;i&amp;gt;') is removed too; comparisons such as
    'p < 0.05' stay (a '<' not followed by a tag name is text). A cut ends at a
    word boundary with '…'.
    """
    bound = LIMITS[limit] if isinstance(limit, str) else int(limit)
    if value is None:
        return ""
    text = str(value)
    # Markup, then markup that was escaped once or twice more (as Crossref sometimes sends it),
    # until decoding changes nothing; then what decoding revealed is stripped once more.
    for _ in range(4):
        text = _HIDDEN.sub(" ", text)
        text = _BLOCK.sub(" ", text)
        text = _TAG.sub("", text)
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = _TAG.sub("", _BLOCK.sub(" ", _HIDDEN.sub(" ", text)))
    text = unicodedata.normalize("NFC", text)
    # Control characters (C0, C1, DEL) and invisible format characters (zero-width, bidi
    # overrides) are dropped; any white space, line and paragraph separators included, is one space.
    text = "".join(" " if c.isspace() else c for c in text if not _invisible(c))
    text = " ".join(text.split())
    if len(text) > bound:
        cut = text[: bound - 1].rsplit(" ", 1)[0] if " " in text[: bound - 1] else text[: bound - 1]
        text = cut.rstrip(" ,;:.-–") + "…"
    return text


def _invisible(char: str) -> bool:
    if char in "\t\n\r\x0b\x0c\u2028\u2029\x85":
        return False  # white space: becomes a space
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Cs", "Co", "Cn")
