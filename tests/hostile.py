"""A hostile-but-valid study table: the shipped rows, with attack strings in every free-text cell.

`write_hostile_table(path)` writes it; the validator accepts it (ids, years, dates, DOIs, URLs and
coded terms stay valid), so every reader of the table (book pages, figures, exports, explorer)
has to show the strings as text. Used by tests/test_hardening.py.

    python tests/hostile.py OUT.csv     # write the table, e.g. to build a book from it by hand
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "studies.csv"

#: The free-text columns (livingreview.data.studies.TEXT_COLUMNS), written out so this file stands alone.
TEXT_COLUMNS = (
    "first_author",
    "title",
    "venue",
    "dataset",
    "method",
    "model",
    "application",
    "purpose",
    "limitations",
    "notes",
)

#: HTML/JS injection: each would run script or build a link if it reached a page unescaped.
HTML_PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "'><b onmouseover=alert(1)>",
    "</script><script>alert(1)</script>",
    '<a href="javascript:alert(1)">click</a>',
)
#: Template syntax: Jinja / JS template literals would print 49 if evaluated.
TEMPLATE_PAYLOADS = ("{{7*7}}", "${7*7}", "{% raw %}", "|tag|")
#: MyST / Markdown / reST syntax: must stay literal text, never become markup.
MARKUP_PAYLOADS = (
    "{download}`x`",
    "{glue:text}`n_studies`",
    "[link](javascript:alert(1))",
    "**bold**",
    "`code`",
    "<!-- comment -->",
    "\n```{eval-rst}\n.. raw:: html\n\n   <script>alert(1)</script>\n```\n",
    "\n.. raw:: html\n\n   <img src=x onerror=alert(1)>\n",
)
#: Spreadsheet formulas: a cell starting with one of these would run in Excel or LibreOffice.
FORMULA_PAYLOADS = ('=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "=1+1", "\t=cmd")

#: Text a reader must find on the studies page, literally, once the page has rendered.
VISIBLE_MARKERS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "${7*7}",
    "**bold**",
    '=HYPERLINK("x")',
)

#: Valid under the schema (https:// and no whitespace) but hostile inside an attribute.
HOSTILE_URL = 'https://example.org/"><script>alert(1)</script><img/src=x/onerror=alert(1)>'
#: A DOI the schema accepts (10.NNNN/ then any non-space) whose suffix tries to break out.
HOSTILE_DOI = '10.1234/"><svg/onload=alert(1)>'


#: What a registry or search API may send in a title, an author, a venue or an abstract: the
#: payloads above, as markup and as escaped markup, with JATS, entities, control characters, bidi
#: overrides and zero-width characters (records arriving through `search` and `add`).
API_NOISE = (
    "<jats:title>Abstract</jats:title><jats:p>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "H<sub>2</sub>O <i>in vivo</i> &#8211; &nbsp;",
    "\u202e\u200b\x07\x1b[31m",
    "</jats:p>",
)


def api_text(index: int, *, length: int = 0) -> str:
    """A field as a hostile API might send it: a formula first, every payload and noise after,
    padded to `length` characters (to test the bounds)."""
    formula = FORMULA_PAYLOADS[index % len(FORMULA_PAYLOADS)]
    payloads = " ".join(p for p in HTML_PAYLOADS + TEMPLATE_PAYLOADS + MARKUP_PAYLOADS + API_NOISE)
    text = f"{formula} Study {index} {payloads}"
    return text + " word" * max(0, (length - len(text)) // 5)


def hostile_text(original: str, index: int, *, single_line: bool = False) -> str:
    """`original` with a formula at the start and every other payload after it.

    A different formula leads each cell (chosen by `index`), so every trigger character starts
    some cell; `single_line` drops the multi-line payloads (for short fields such as authors).
    """
    formula = FORMULA_PAYLOADS[index % len(FORMULA_PAYLOADS)]
    payloads = HTML_PAYLOADS + TEMPLATE_PAYLOADS + MARKUP_PAYLOADS
    if single_line:
        payloads = tuple(p for p in payloads if "\n" not in p)
    body = " ".join(payloads)
    return f"{formula} {original} {body}" if original else f"{formula} {body}"


#: The text columns whose cell is one line (the validator refuses a line break in them).
ONE_LINE_COLUMNS = ("first_author", "title", "venue")


def hostile_rows(rows: list[dict]) -> list[dict]:
    """The rows, every text cell hostile yet valid: no white space at either end (so "\t=cmd"
    leads a cell as "=cmd") and no line break where a cell is one line."""
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        for j, column in enumerate(TEXT_COLUMNS):
            text = hostile_text(row.get(column, ""), i + j, single_line=column in ONE_LINE_COLUMNS)
            row[column] = text.strip()
        # Keep a few studies bibliographically "verified" with hostile (but schema-valid) links.
        if i % 3 == 0:
            row["url"] = HOSTILE_URL
        if i % 5 == 1:
            row["doi"] = HOSTILE_DOI
        out.append(row)
    return out


def write_hostile_table(path: str | Path, source: str | Path = SHIPPED) -> Path:
    """Write the hostile table to `path` (UTF-8, '\\n' line ends, minimal quoting); return it."""
    path = Path(path)
    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = hostile_rows(list(reader))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/hostile.py OUT.csv")
    print(write_hostile_table(sys.argv[1]))
