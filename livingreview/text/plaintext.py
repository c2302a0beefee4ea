"""Text from outside (registry and search APIs) reduced to plain, bounded, single-line text.

Titles and abstracts arrive with JATS or HTML markup (<jats:p>, <i>, <sub>), character
references (&amp;, &#8211;), odd white space and control characters, and sometimes with a
payload meant for a page or a spreadsheet. Nothing from an API is markup to us: tags are
removed (a block's end, a paragraph or heading, leaves a space, a heading's a colon, so sections
never run together), MathML and sub/superscript digits kept readable (x², H₂O, a/(b+1)),
references decoded once, white space collapsed, control and invisible format characters
dropped, and the length bounded. Whoever later puts the text into a page escapes it
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
#: JATS/HTML block boundaries: keep a space where a paragraph, title, heading, list item or table
#: cell ended, so blocks never run together ("ObjectiveThis ...").
_BLOCK = re.compile(
    r"</?(p|div|br|h[1-6]|title|sec|section|li|ul|ol|dd|dt|tr|td|th|blockquote|abstract|AbstractText"
    r"|jats:(?:p|title|sec|abstract|list|list-item|label))\b[^>]*>",
    re.I,
)
#: A heading's end (Europe PMC writes an abstract's sections as <h4>Objective</h4>This ...): a
#: colon, unless the heading ends in punctuation already.
_HEADING_END = re.compile(r"([^\s.:;!?])\s*</h[1-6]\s*>", re.I)
#: MathML (with or without the mml: prefix, as JATS and Europe PMC write it).
_MATH = re.compile(r"<((?:\w+:)?math)\b[^>]*>.*?</\1\s*>", re.I | re.S)
#: Superscripts and subscripts with a character of their own; others are written x^(n+k), x_(ij).
_SUPER = str.maketrans("0123456789+-−=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ")
_SUB = str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")
#: HTML <sup>/<sub> whose content is only digits and signs (H<sub>2</sub>O, m<sup>2</sup>).
_HTML_SCRIPT = re.compile(r"<(sup|sub)\b[^>]*>\s*([0-9+\-−=()]{1,6})\s*</\1\s*>", re.I)


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
        text = _MATH.sub(lambda match: math_text(match.group(0)), text)
        text = _HTML_SCRIPT.sub(_script, text)
        text = _HEADING_END.sub(r"\1: ", text)
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


def _script(match: re.Match) -> str:
    return match.group(2).translate(_SUPER if match.group(1).lower() == "sup" else _SUB)


def math_text(markup: str) -> str:
    """MathML as readable text: x² for <msup>x 2</msup>, x₁ for <msub>, (a)/(b) for <mfrac>,
    √(x) for <msqrt>; every other element by its text. Unreadable MathML: its text, as before."""
    from defusedxml import ElementTree

    cleaned = re.sub(r"<(/?)\w+:", r"<\1", markup)
    cleaned = re.sub(r"\sxmlns(:\w+)?=\"[^\"]*\"", "", cleaned)
    try:
        root = ElementTree.fromstring(cleaned)
    except Exception:  # not well-formed, or entities defusedxml refuses: the text alone
        return " " + _TAG.sub("", markup) + " "
    return " " + _math_node(root).strip() + " "


def _math_node(node) -> str:
    tag = node.tag.rsplit("}", 1)[-1].lower()
    if tag in ("annotation", "annotation-xml"):
        return ""
    children = [_math_node(child) for child in node]
    if tag in ("msup", "msub", "msubsup") and len(children) >= 2:
        base = children[0]
        if tag == "msubsup" and len(children) >= 3:
            return base + _script_text(children[1], sub=True) + _script_text(children[2], sub=False)
        return base + _script_text(children[1], sub=tag == "msub")
    if tag == "mfrac" and len(children) == 2:
        return f"{_grouped(children[0])}/{_grouped(children[1])}"
    if tag == "msqrt":
        return f"√{_grouped(''.join(children))}"
    if tag == "mroot" and len(children) == 2:
        return f"{_script_text(children[1], sub=False)}√{_grouped(children[0])}"
    text = (node.text or "") + "".join(child + (grand.tail or "") for child, grand in zip(children, node))
    return text.strip() if tag in ("mi", "mn", "mo", "mtext") else text


def _script_text(text: str, *, sub: bool) -> str:
    text = "".join(text.split())
    table = _SUB if sub else _SUPER
    if text and all(ord(c) in table for c in text):
        return text.translate(table)
    return ("_" if sub else "^") + _grouped(text)


def _grouped(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 1 or re.fullmatch(r"\w+", text) else f"({text})"


def _invisible(char: str) -> bool:
    if char in "\t\n\r\x0b\x0c\u2028\u2029\x85":
        return False  # white space: becomes a space
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Cs", "Co", "Cn")
