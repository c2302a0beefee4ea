"""The words the data writes read as a person would write them, and every page cites alike.

Two layers. The chapters' sources (book/*.md, no build needed): studies are cited only with the
{study} role; a glued count is never followed by a typed noun ("{glue:text}`n` studies" reads
"1 studies" the day the count is one); every cited id exists. The built pages (every page of the
strict build, and of the grown table's build in tests/test_growth.py): no "1 studies", no
"0 studies added", every citation "Author et al. (year)" and linked where it should be, and no
number typed into prose that the data could give.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from source_overlap import prose_segments

from livingreview import load_studies
from livingreview.book.chapters import compute_facts
from livingreview.data.cited import cited_facts, load_cited
from livingreview.data.table1 import load_table1

from conftest import ROOT

CHAPTERS = sorted((ROOT / "book").glob("*.md"))
#: Nouns that name studies: a count before one of them must be glued with its noun.
STUDY_NOUNS = r"(?:stud(?:y|ies)|entries|rows|exemplars|examples|papers|articles)"
#: Verbs whose number a glued count would have to agree with.
TYPED_VERBS = r"(?:have|has|are|is|were|was|use|uses|apply|applies|work|works|list|lists|combine|combines)"
#: Number words a count of studies could be typed with.
NUMBER_WORDS = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty)"
)
_ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")


def roles(text: str) -> list[tuple[str, str]]:
    """(role, target) of every role in a chapter, not those shown as code (``{study}`id` ``)."""
    return _ROLE.findall(re.sub(r"``.+?``", " ", text, flags=re.S))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_chapters_cite_studies_only_with_the_study_role(chapter):
    text = chapter.read_text(encoding="utf-8")
    names = {name for name, _ in roles(text)}
    assert not {r for r in names if r.startswith(("cite", "footcite"))}, (
        f"{chapter.name}: cite studies with {{study}}`id`, in the book's one citation style"
    )
    typed = [s for s in prose_segments(text) if re.search(r"\bet al\b", s)]
    assert not typed, f"{chapter.name}: a typed citation; use {{study}}`id`: {typed}"


def test_every_cited_study_exists():
    """In the study table, in data/cited.csv, or in the source's Table 1 (data/table1.csv: a row
    a correction took out of the table is still cited, as the source cites it)."""
    table1 = {row["id"] for row in load_table1()}
    known = set(load_studies(ROOT / "data" / "studies.csv")["id"]) | set(load_cited()["id"]) | table1
    for chapter in CHAPTERS:
        for name, target in roles(chapter.read_text(encoding="utf-8")):
            if name == "study":
                assert target.strip() in known, f"{chapter.name}: {{study}}`{target}`: no such study"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_no_glued_count_is_followed_by_a_typed_noun(chapter):
    """'{glue:text}`n_x` studies' reads '1 studies' the day n_x is one: glue `n_x_text` instead."""
    text = chapter.read_text(encoding="utf-8")
    bare = re.findall(rf"\{{glue:text\}}`(\w+)`\s+{STUDY_NOUNS}\b", text)
    assert not [key for key in bare if not key.endswith("_text")], f"{chapter.name}: {bare}"
    # "{glue:text}`n_x_text` have ..." reads "1 study have" the day n_x is one: put the count
    # after the verb ("more than one theme is coded for 7 studies").
    subject = re.findall(rf"\{{glue:text\}}`(\w+_text)`\**\s+{TYPED_VERBS}\b", text)
    assert not subject, f"{chapter.name}: a glued count is the subject of a typed verb: {subject}"


# --- Built pages ---------------------------------------------------------------------------------


class _Prose(HTMLParser):
    """A page's article text in two versions: everything a reader sees, and only what a person
    typed (glued values, citations, code, generated figures, tables and cards left out)."""

    HIDDEN = {"script", "style", "template", "noscript"}
    #: Elements whose text the data or the code wrote (by tag or class).
    GENERATED_TAGS = {"pre", "code", "table", "figure", "svg", "details"}
    GENERATED_CLASSES = {
        "pasted-text",  # {glue:text}
        "lr-cite",  # {study}
        "cell_output",  # what a code cell printed or displayed
        "headerlink",
        "footnote-reference",  # footnote numbers, and their back-links
        "label",
        "backrefs",
        "lr-bibliography",  # the verified records, as references.bib holds them
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, hidden, generated)
        self.seen, self.typed = [], []
        self.in_article = 0

    VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col"}
    BLOCKS = {"p", "li", "div", "section", "h1", "h2", "h3", "h4", "td", "th", "dt", "dd", "br", "ul", "ol"}

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:  # a block's text does not run on into the next one's
            self.seen.append(" ")
            self.typed.append(" ")
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        hidden = tag in self.HIDDEN or (self.stack and self.stack[-1][1])
        generated = bool(
            tag in self.GENERATED_TAGS or classes & self.GENERATED_CLASSES or (self.stack and self.stack[-1][2])
        )
        if tag == "article":
            self.in_article += 1
        self.stack.append((tag, bool(hidden), generated))

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.seen.append(" ")
            self.typed.append(" ")
        if tag in self.VOID:
            return
        while self.stack:
            opened = self.stack.pop()[0]
            if opened == "article":
                self.in_article -= 1
            if opened == tag:
                break

    def handle_data(self, data):
        if not self.in_article or (self.stack and self.stack[-1][1]):
            return
        self.seen.append(data)
        self.typed.append(" " if self.stack and self.stack[-1][2] else data)


def page_prose(page: Path) -> tuple[str, str]:
    """(what a reader sees in the article, what a person typed into it)."""
    parser = _Prose()
    parser.feed(page.read_text(encoding="utf-8"))
    flat = lambda parts: re.sub(r"\s+", " ", "".join(parts))  # noqa: E731
    return flat(parser.seen), flat(parser.typed)


def unquoted(text: str) -> str:
    """`text` without its quotations: “…”, and '…' as the notes quote the source (an apostrophe
    inside a word or after an s is not a quotation mark)."""
    text = re.sub(r"“[^”]*”", " ", text)
    return re.sub(r"(?<![A-Za-z])'[^']+?'(?![A-Za-z])", " ", text)


#: Where a typed number is the text's own business, not the data's (each with its reason).
ALLOWED_NUMBERS = [
    r"et al\. \(\d{4}\)",  # a year inside a citation
    r"\bTable \d+",  # the source's table, by its number
    r"\breferences? \d+",  # the source's reference list
    r"\bLlama \d+",  # a model's name
    r"\bPRISMA \d{4}",  # a reporting guideline's name (PRISMA 2020)
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}",  # a date
    r"\b\d{4} mini-review|Digital Health\W+(?:in )?\d{4}",  # the source review's own year, in its citation
]
#: A whole number standing alone: not part of a word or name (3D, StyleGAN2, GPT-4, A100, 13B),
#: a decimal (4.0, 3.11), a range or a path.
_NUMBER = re.compile(r"(?<![\w.\-–/])\d[\d,]*(?![\w\-–/]|\.\d)")


def data_numbers(studies, cited) -> set[int]:
    """Every number the data can give a page: each count the book computes and each year."""
    facts = compute_facts(studies) | cited_facts(studies, cited)
    values = {v for v in facts.values() if isinstance(v, int) and not isinstance(v, bool)}
    return values | set(range(len(studies) + 1)) | {int(y) for y in studies["year"]}


def prose_problems(html_dir: Path, studies, cited) -> list[str]:
    """Everything wrong with the words of the built pages under `html_dir` (empty: nothing)."""
    numbers = data_numbers(studies, cited)
    problems = []
    pages = [p for p in sorted(html_dir.rglob("*.html")) if "_static" not in p.parts and p.name != "search.html"]
    assert pages, html_dir
    for page in pages:
        name = page.relative_to(html_dir)
        seen, typed = page_prose(page)
        seen = unquoted(seen)  # a quotation may cite as its source does ('Ultsch et al.')
        for pattern, why in (
            (r"\b1 (?:studies|entries|rows|clinical domains|model families|limitation themes)\b", "a plural after 1"),
            (r"\b0 stud(?:y|ies)(?: \w+)? added\b", "'0 studies added'"),
            (r"\[\d{4}[a-z]?\]|et al\.?,? \d{4}", "a citation in another bracket style"),
            (r"\([^()]*\bet al\. \((?:\d{4}|n\.d\.)\)\)", "a citation inside brackets: write it into the sentence"),
        ):
            for hit in re.finditer(pattern, seen):
                problems.append(f"{name}: {why}: …{seen[max(0, hit.start() - 40) : hit.end() + 20]}…")
        # What a person typed cites in the book's one style (the data's notes name studies freely).
        for hit in re.finditer(r"et al\.(?! \((?:\d{4}|n\.d\.)\))", unquoted(typed)):
            problems.append(
                f"{name}: a citation not in the style 'Author et al. (year)': …{typed[hit.start() - 40 : hit.end() + 20]}…"
            )
        prose = unquoted(typed)  # quotations are the source's words
        for allowed in ALLOWED_NUMBERS:
            prose = re.sub(allowed, " ", prose)
        for hit in _NUMBER.finditer(prose):
            if int(hit.group().replace(",", "")) in numbers:
                context = prose[max(0, hit.start() - 50) : hit.end() + 30]
                problems.append(f"{name}: the number {hit.group()} is typed; glue it from the data: …{context}…")
        for hit in re.finditer(rf"\b{NUMBER_WORDS}\s+{STUDY_NOUNS}\b", prose, flags=re.I):
            problems.append(f"{name}: '{hit.group()}' is typed; glue the count from the data")
    return problems


@pytest.mark.book
def test_the_built_pages_read_as_a_person_writes(built_book):
    studies = load_studies(ROOT / "data" / "studies.csv")
    problems = prose_problems(built_book, studies, load_cited())
    assert not problems, "\n".join(problems)


@pytest.mark.book
def test_every_citation_links_to_a_card_and_a_verified_record(built_book):
    """The {study} role's links land on the card, the cited-only entry or the bibliography entry."""
    cites = 0
    for page in built_book.rglob("*.html"):
        if "_static" in page.parts:
            continue
        markup = page.read_text(encoding="utf-8")
        for span in re.findall(r'<span class="lr-cite">(.*?)</span>', markup):
            cites += 1
            for href in re.findall(r'href="([^"]+)"', span):
                target, _, anchor = href.partition("#")
                target_page = (page.parent / target) if target else page
                assert f'id="{anchor}"' in target_page.read_text(encoding="utf-8"), (page.name, href)
    assert cites, "no {study} citation in the built book"
    verified = (built_book / "book" / "references.html").read_text(encoding="utf-8")
    imaging = (built_book / "book" / "imaging.html").read_text(encoding="utf-8")
    assert 'id="bib-aydin2024"' in verified and "references.html#bib-aydin2024" in imaging
    assert "Circle of Willis" in verified, "record titles keep their capitals"
    assert 'id="bib-fdgth2025minireview"' not in verified, "the source review is cited above the list"


def test_the_checker_catches_what_it_should(tmp_path):
    """The scan itself, on a small page: each kind of mistake is found, fine text is not."""
    studies = load_studies(ROOT / "data" / "studies.csv")
    year = int(studies["year"].iloc[0])
    page = tmp_path / "p.html"
    page.write_text(
        "<html><body><article>"
        f"<p>Pawlicka et al. ({year}) and Aydin <em>et al.</em> [{year}] and (Lang et al., {year}).</p>"
        "<p>We found 1 studies; 0 studies added since.</p>"
        f"<p>Since {year} fifteen studies appeared; see Table 1, reference 5, Llama 2 and March {year}.</p>"
        f"<p><span class='pasted-text'>{year}</span> and <span class='lr-cite'>X et al. ({year})</span>.</p>"
        f"<p>Hard to score (<span class='lr-cite'>Y et al. ({year})</span>).</p>"
        f"<p>The source says “{year} words” and 'Ultsch et al.' in a note.</p></article></body></html>",
        encoding="utf-8",
    )
    problems = prose_problems(tmp_path, studies, load_cited())
    text = "\n".join(problems)
    assert "a plural after 1: …" in text and "We found 1 studies" in text
    assert "'0 studies added'" in text
    assert f"[{year}]" in text and f"et al., {year}" in text and "another bracket style" in text
    typed = [line for line in problems if f"the number {year} is typed" in line]
    assert any(f"Since {year} fifteen" in line for line in typed), typed
    assert "'fifteen studies' is typed" in text
    assert "a citation inside brackets" in text and f"score (Y et al. ({year}))" in text
    # Exactly these three: "[year]" and "et al., year" (typed citations in the wrong style) and
    # "Since year"; not the year in "Pawlicka et al. (year)", the glued or rendered ones, Table 1,
    # reference 5, Llama 2, a date, or a quotation.
    assert len(typed) == 3, typed
