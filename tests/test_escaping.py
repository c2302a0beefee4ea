"""One rule for putting text into HTML: livingreview.text.markup. No other module escapes by itself
(html.escape, xml.sax.saxutils, markupsafe, or entities written by hand), and the rule gives back
exactly the text it was given to any HTML parser."""

from __future__ import annotations

import ast
import html
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from livingreview.text import markup
from livingreview.text.markup import attrs, esc, plotly_text

from conftest import ROOT

PACKAGE = ROOT / "livingreview"
THE_RULE = Path(markup.__file__).resolve()
#: Escaping functions of the standard library and of packages the book installs.
ESCAPERS = {
    ("html", "escape"),
    ("xml.sax.saxutils", "escape"),
    ("xml.sax.saxutils", "quoteattr"),
    ("markupsafe", "escape"),
    ("markupsafe", "Markup"),
}
#: The character references that escaping the characters markup.esc escapes writes (named, decimal
#: or hexadecimal): a string literal holding one, outside markup.py, is an escaper by hand.
ESCAPED = re.compile(r"&(?:amp|lt|gt|quot|apos|#0*(?:34|38|39|60|62|13)|#[xX]0*(?:22|26|27|3[cC]|3[eE]|[dD]));")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def escaping_by_itself(source: str) -> list[str]:
    """Where Python source escapes HTML without markup.py: a call or import of another escaper,
    or a string (not a docstring) holding an escaped character's reference."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    imported: dict[str, str] = {}  # local name -> module it stands for
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:  # import a.b binds a; import a.b as c binds c to a.b
                top = alias.name.split(".")[0]
                imported[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and not node.level:
            for alias in node.names:
                if (node.module, alias.name) in ESCAPERS:
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Attribute):
            owner = ast.unparse(node.value)
            module = imported.get(owner.split(".")[0], owner.split(".")[0])
            module = ".".join([module, *owner.split(".")[1:]])
            if (module, node.attr) in ESCAPERS:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and ESCAPED.search(node.value)
        ):
            found.append(f"line {node.lineno}: {node.value[:60]!r}")
    return found


def code_cells(chapter: Path) -> str:
    """The Python of a MyST text notebook's {code-cell} blocks."""
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", chapter.read_text(encoding="utf-8"), re.S | re.M)
    return "\n".join(re.sub(r"^:[\w-]+:.*$", "", cell, flags=re.M) for cell in cells)


def test_the_guard_sees_each_way_of_escaping_by_itself():
    samples = {
        "import html\nhtml.escape(x)": 1,
        "import html as h\nh.escape(x, quote=True)": 1,
        "from html import escape\nescape(x)": 1,
        "from xml.sax.saxutils import quoteattr": 1,
        "import xml.sax.saxutils\nxml.sax.saxutils.escape(x)": 1,
        "import markupsafe\nmarkupsafe.escape(x)": 1,
        "x.replace('&', '&amp;')": 1,
        "x.replace('\"', '&#34;')": 1,
        "x.replace('<', '&#x3C;')": 1,
        "TABLE = {ord('>'): '&gt;'}": 1,
        # Not escaping: decoding, another format's rule, a docstring, other references, re.escape.
        "import html\nhtml.unescape(x)": 0,
        "import re\nre.escape(x)": 0,
        'def f():\n    """Writes &amp; for &."""': 0,
        "DASH = '&#8211;'": 0,
        "x.replace('&', r'\\&')": 0,
    }
    for source, problems in samples.items():
        assert len(escaping_by_itself(source)) == problems, source


def test_no_module_but_markup_escapes_html():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.resolve() == THE_RULE:
            continue
        problems += [f"{path.relative_to(ROOT)} {p}" for p in escaping_by_itself(path.read_text(encoding="utf-8"))]
    for chapter in sorted((ROOT / "book").glob("*.md")):
        problems += [f"{chapter.relative_to(ROOT)} (a code cell) {p}" for p in escaping_by_itself(code_cells(chapter))]
    assert not problems, "escape with livingreview.text.markup (esc, attrs, plotly_text), not by hand:\n" + "\n".join(
        problems
    )


def test_the_rule_itself_is_found_by_the_guard():
    """markup.py is the one place: the guard would flag it, so the exemption is not vacuous."""
    assert escaping_by_itself(THE_RULE.read_text(encoding="utf-8"))


class _Reader(HTMLParser):
    """What a browser reads back from an element: its text and its attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.attributes, self.tags = "", {}, []

    def handle_starttag(self, tag, attributes):
        self.tags.append(tag)
        self.attributes.update(attributes)

    def handle_data(self, data):
        self.text += data


text_from_anyone = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@given(text_from_anyone)
def test_escaped_text_reads_back_as_itself_in_content_and_in_attributes(text):
    reader = _Reader()
    reader.feed(f"<p{attrs({'title': text})}>{esc(text)}</p>")
    reader.close()
    assert reader.tags == ["p"]  # nothing in the text became an element
    # The parser turns a literal carriage return in content into a newline; esc writes &#13;.
    assert reader.text == text and reader.attributes == {"title": text}


@given(text_from_anyone)
def test_plotly_text_shows_the_text_itself(text):
    shown = plotly_text(text)
    # plotly.js draws tags (<b>, <a>, <span>) and decodes numeric references, not &quot;.
    assert not set("<>\"'") & set(shown) and "&quot;" not in shown
    assert html.unescape(shown) == text
