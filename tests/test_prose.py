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
from livingreview.book.facts import TOPICS, facts_of
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


def asked_topics(text: str) -> list[str]:
    """The fact topics a chapter's cells glue: the names in its `glue(...)` call."""
    calls = re.findall(r"^glue\(([^)]*)\)", text, flags=re.M)
    return [name.strip() for call in calls for name in call.split(",") if name.strip() and "=" not in name]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_a_chapter_glues_the_facts_it_shows_and_no_others(chapter):
    """Every {glue} name in a chapter is a fact of the topics its cell asks for
    (livingreview.book.facts), and every topic asked for gives the chapter something it shows."""
    from livingreview.book import facts

    text = chapter.read_text(encoding="utf-8")
    shown = {target.split(":")[0] for name, target in roles(text) if name.startswith("glue")}
    if not shown:
        assert "glue(" not in text, f"{chapter.name} glues facts it never shows"
        return
    studies = load_studies(ROOT / "data" / "studies.csv")
    glued = {}
    for topic in asked_topics(text):
        glued[topic] = set(facts.facts_of([getattr(facts, topic)], studies))
    missing = shown - set().union(*glued.values())
    assert not missing, f"{chapter.name} shows {sorted(missing)}, which no topic it asks for glues"
    unused = [topic for topic, names in glued.items() if not names & shown]
    assert not unused, f"{chapter.name} asks for {unused} and shows none of their facts"


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
    facts = facts_of(TOPICS, studies) | cited_facts(studies, cited)
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
            (r"\bthe The\b", "'the The': a page's title after 'the'; write {doc}`the … page <name>`"),
            (r"\b(\d[\d,]*) of the \1\b", "'N of the N'"),
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
        "<p>We found 1 studies; 0 studies added since; see the The studies page; 7 of the 7 studies.</p>"
        f"<p>Since {year} fifteen studies appeared; see Table 1, reference 5, Llama 2 and March {year}.</p>"
        f"<p><span class='pasted-text'>{year}</span> and <span class='lr-cite'>X et al. ({year})</span>.</p>"
        f"<p>Hard to score (<span class='lr-cite'>Y et al. ({year})</span>).</p>"
        f"<p>The source says “{year} words” and 'Ultsch et al.' in a note.</p></article></body></html>",
        encoding="utf-8",
    )
    problems = prose_problems(tmp_path, studies, load_cited())
    text = "\n".join(problems)
    assert "a plural after 1: …" in text and "We found 1 studies" in text
    assert "'0 studies added'" in text and "'the The'" in text and "'N of the N'" in text
    assert f"[{year}]" in text and f"et al., {year}" in text and "another bracket style" in text
    typed = [line for line in problems if f"the number {year} is typed" in line]
    assert any(f"Since {year} fifteen" in line for line in typed), typed
    assert "'fifteen studies' is typed" in text
    assert "a citation inside brackets" in text and f"score (Y et al. ({year}))" in text
    # Exactly these three: "[year]" and "et al., year" (typed citations in the wrong style) and
    # "Since year"; not the year in "Pawlicka et al. (year)", the glued or rendered ones, Table 1,
    # reference 5, Llama 2, a date, or a quotation.
    assert len(typed) == 3, typed


# --- The glued sentences, built from tables of every size ----------------------------------------

#: Slips a sentence built from counts can make at some size, each with what it is.
SLIPS = [
    (r"\b1 (?:studies|entries|clinical domains|model families|limitation themes)\b", "a plural after 1"),
    (r"\b(\d[\d,]*) of (?:the )?\1\b", "'N of the N'"),
    (r"\b(?:1|one) (?:study|of them)(?: that \w+ [\w ]+?)? (?:have|are|work|apply|list)\b", "a plural verb after one"),
    (r"\bnone of the 1\b|\bthe one studies\b", "one counted as many"),
    (r"\bthe [Tt]he\b", "'the The'"),
    (r"\bnot yet:", "'not yet:' as a value"),
    (r"\b([a-z]+) \1\b", "a word twice"),
]


def slips(text: str) -> list[str]:
    return [f"{why}: {text}" for pattern, why in SLIPS if re.search(pattern, text)]


def _added(studies, n: int):
    """`n` studies the living review added (no reference number), coded with terms Table 1's
    rows rarely carry, so that counts of Table 1 and of the whole table part ways."""
    import pandas as pd

    rows = studies.iloc[:n].copy()
    rows["id"] = [f"added-{i}-2026" for i in range(n)]
    rows["first_author"] = [f"Added{i}" for i in range(n)]
    rows["ref"] = pd.array([None] * n, dtype="Int64")
    rows["contribution"] = [["education", "question-answering"]] * n
    rows["limitation_themes"] = [["hallucination"]] * n
    rows["model_family"] = [["vlm"]] * n
    return pd.concat([studies, rows], ignore_index=True)


def _with_domains(studies, domains: list[list[str]]):
    rows = studies.iloc[: len(domains)].copy()
    rows["domain"] = domains
    return rows.reset_index(drop=True)


def sized_tables() -> dict[str, object]:
    """Tables of every size and shape a contributor can make from the shipped one."""
    from livingreview.data.counts import coded_with_any

    shipped = load_studies(ROOT / "data" / "studies.csv")
    table1 = shipped[shipped["ref"].notna()]
    education = table1[coded_with_any(table1, "contribution", ["education"])]["id"]
    return {
        "empty": shipped.iloc[0:0],
        "one study": shipped.iloc[:1],
        "two studies": shipped.iloc[:2],
        "shipped": shipped,
        "a Table 1 row removed": shipped.drop(index=table1.index[-1]).reset_index(drop=True),
        "Table 1's education rows removed": shipped[~shipped["id"].isin(education)].reset_index(drop=True),
        "one added": _added(shipped, 1),
        "three added": _added(shipped, 3),
        "a tie at the cut": _with_domains(
            shipped,
            [["radiology"]] * 3 + [["oncology"]] * 2 + [["dermatology"]] * 2 + [["neurology"]] * 2 + [["surgery"]] * 2,
        ),
        "a tie at the top": _with_domains(
            shipped, [["radiology"], ["radiology"], ["oncology"], ["oncology"], ["surgery"]]
        ),
        "all tied": _with_domains(
            shipped, [[key] for key in ("radiology", "oncology", "surgery", "neurology", "dermatology", "nutrition")]
        ),
    }


SIZED = sized_tables()


@pytest.mark.parametrize("name", list(SIZED))
def test_every_glued_sentence_reads_right_at_any_size(name):
    from livingreview.book.facts import GlueMarkdown

    studies = SIZED[name]
    problems = []
    for key, value in facts_of(TOPICS, studies).items():
        if isinstance(value, str):
            problems += [f"{key}: {slip}" for slip in slips(str(value))]
        if isinstance(value, GlueMarkdown) and "among them" in value:  # names fewer than it counts
            counted = int(re.search(r"(\d+) studies, among them", value).group(1))
            assert len(re.findall(r"\{study\}", value)) < counted, value
    assert not problems, "\n".join(problems)


def test_the_sentences_say_what_each_size_means():
    from livingreview.book.facts import Images, Size, Table1Terms, facts_of

    one, two, shipped = SIZED["one study"], SIZED["two studies"], SIZED["shipped"]
    assert Size.compute(one).n_studies.text == "1 study"
    assert Images.compute(one).images_text.startswith(("Images are among the data of the one study", "No study"))
    images_of_two = Images.compute(two).images_text
    assert images_of_two.startswith(
        ("Images are among the data of both studies", "Images are among the data of 1 of the 2")
    )
    # Every study that augments data is an image study in the shipped table: said as 'all N', not 'N of the N'.
    augmentation = facts_of([Images], shipped)["augmentation_images_text"]
    assert not re.search(r"\b(\d+) of the \1\b", augmentation)
    # Ties: named whole or not at all, and a shared lead said as one.
    cut = facts_of(TOPICS, SIZED["a tie at the cut"])
    assert (
        cut["leading_domain"] == "radiology (3 studies)" and cut["leader_domain"] == "radiology leads, with 3 studies"
    )
    top = facts_of(TOPICS, SIZED["a tie at the top"])
    assert top["leading_domain"] == "radiology and oncology (2 studies each), then surgery (1)"
    assert top["leader_domain"] == "radiology and oncology share the lead, with 2 studies each"
    assert facts_of(TOPICS, SIZED["all tied"])["leading_domain"] == "6 of them equally (1 study each)"
    # What Table 1 says stays Table 1's when studies are added; the whole table's counts grow.
    for added in ("one added", "three added"):
        grown, extra = SIZED[added], len(SIZED[added]) - len(shipped)
        before, after = Table1Terms.compute(shipped), Table1Terms.compute(grown)
        assert (after.n_table1_education, after.n_table1_hallucination) == (
            before.n_table1_education,
            before.n_table1_hallucination,
        )
        assert (
            facts_of(TOPICS, grown)["n_limitation_themes_hallucination"]
            == facts_of(TOPICS, shipped)["n_limitation_themes_hallucination"] + extra
        )
    # Removing Table 1's education rows turns the disagreement with its scope into agreement.
    assert Table1Terms.compute(SIZED["Table 1's education rows removed"]).education_scope_text.startswith(
        "**Scope and table agree"
    )
    assert Table1Terms.compute(shipped).education_scope_text.startswith("**Scope and table disagree")


def test_the_changes_since_a_version_read_right_whatever_changed():
    """'1 study removed; they will be part of the next version' cannot come back."""
    import dataclasses

    from livingreview.update.release import this_version_html
    from livingreview.update.versions import load_releases, row_digest

    shipped = SIZED["shipped"]
    release = dataclasses.replace(
        load_releases()[-1], rows={row["id"]: row_digest(row) for row in shipped.to_dict("records")}
    )

    def since(studies) -> str:
        text = re.sub(r"<[^>]+>", "", this_version_html([release], studies).markup)
        return re.search(r"Since then, [^.]*\.|$", text).group()

    assert since(shipped) == ""
    assert since(SIZED["a Table 1 row removed"]) == (
        "Since then, 1 study has been removed; this change will be part of the next version."
    )
    assert (
        since(SIZED["three added"])
        == "Since then, 3 studies have been added; these changes will be part of the next version."
    )
    both = SIZED["one added"].drop(index=0).reset_index(drop=True)
    assert since(both) == (
        "Since then, 1 study has been added and 1 study has been removed; these changes will be part of the next version."
    )
