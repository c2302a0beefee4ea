"""One filter, two languages: the studies page (assets/studies-table.js in chromium) and
livingreview.data.filters.filter_studies select exactly the same studies, and the number the page
writes beside each term is livingreview.data.filters.facet_counts (livingreview.data.counts' count
of studies per term, over the studies every other filter leaves).

Hypothesis makes random study tables (text with accents, ligatures, case-folding traps, odd white
space, markup and formula characters) and random filter states; each state reaches the page as a
link (FilterState.to_query, sometimes bent the way strangers' links are), and the ids the page
shows must be the ids FilterState.from_query(the page's own location.search).apply(table) gives.
The page is built from studies_table_html as tests/test_html_table.py builds it, with the files
it loads beside it (its filters' index, its search index, the cards): no book needed.
Bounded (25 tables, a link each: about five seconds) so that it stays in the fast tier
(`make check`); Hypothesis keeps any failing example and tries it first next time.
"""

from __future__ import annotations

import dataclasses
import string

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livingreview.data.counts import term_counts
from livingreview.data.filters import (
    ADDED_KEY,
    FACETS,
    SPACES,
    TEXT_KEY,
    YEAR_KEY,
    FilterState,
    facet_counts,
    filter_studies,
)
from livingreview.data.schema import expected_columns
from livingreview.data.studies import TEXT_COLUMNS
from livingreview.data.vocabulary import LIST_COLUMNS, load_vocabulary

from conftest import write_site

VOCABULARY = load_vocabulary()
KEYS = {column: list(facet.terms) for column, facet in VOCABULARY.items()}

#: Characters where the two languages could part ways: case folding beyond lower-casing (ß, ς,
#: ǰ, Cherokee, Greek with iota), NFKC (ligatures, full-width, circled and compatibility forms),
#: combining marks, astral characters, every kind of white space, markup and CSV specials.
TRAPS = (
    "ßẞςΣσǰΐᾳᾀꭰᏸİıKÅﬁﬀ①２Ａé\u0301ŉµſ😀𝐀"
    "\u00a0\u1680\u2007\u2028\u2029\u202f\u3000\x1c\x1f\x85\ufeff\t\r\n"
    "<>&\"'=+-@%#?;,/–"
)
WORDS = ("melanoma", "GAN", "synthetic", "Straße", "naïve", "ﬁbrosis", "ΣΟΦΙΑ", "x-ray", "CT", "2024")


def text_strategy(max_size: int = 24):
    pieces = st.one_of(
        st.sampled_from(WORDS),
        st.text(st.sampled_from(TRAPS), min_size=1, max_size=3),
        st.text(st.characters(exclude_categories=("Cs", "Cn"), exclude_characters="\x00"), min_size=1, max_size=3),
        st.sampled_from(SPACES),
    )
    return st.lists(pieces, max_size=6).map("".join).map(lambda text: text[:max_size])


@st.composite
def study_tables(draw) -> pd.DataFrame:
    """A table as load_studies() returns it: 0 to 12 studies, coded with vocabulary terms."""
    n = draw(st.integers(0, 12))
    rows = []
    for i in range(n):
        row = {column: "" for column in expected_columns()}
        row["id"] = f"s{i}-" + draw(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=6))
        row["ref"] = draw(st.one_of(st.none(), st.integers(1, 40)))
        row["year"] = draw(st.integers(2015, 2026))
        for column in TEXT_COLUMNS:
            row[column] = draw(text_strategy())
        row["doi"] = draw(st.one_of(st.just(""), st.just("10.1234/abc-" + str(i)), text_strategy(12)))
        for column in LIST_COLUMNS:
            low = 0 if column == "limitation_themes" else 1
            row[column] = draw(st.lists(st.sampled_from(KEYS[column]), min_size=low, max_size=3, unique=True))
        row["added"] = pd.Timestamp(2025, draw(st.integers(1, 3)), 1 + i)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=expected_columns())
    frame["ref"] = frame["ref"].astype("Int64")
    frame["year"] = frame["year"].astype(int)
    return frame


@st.composite
def filter_states(draw, frame: pd.DataFrame) -> FilterState:
    """Facet choices (mostly terms the table uses), a year range or none, and search words taken
    from the table's own text (so that some match) with white space and traps between them."""
    facets = {}
    for name, (_key, column) in FACETS.items():
        used = sorted({t for cell in frame[column] for t in cell}) or KEYS[column]
        facets[name] = draw(st.one_of(st.just(()), st.lists(st.sampled_from(used), max_size=2, unique=True)))
    years = draw(st.one_of(st.none(), st.tuples(st.integers(2010, 2030), st.integers(2010, 2030))))
    added = draw(st.one_of(st.none(), st.sampled_from(["2025-01", "2025-02", "2025-03", "2024-12"])))
    words = []
    for _ in range(draw(st.integers(0, 2))):
        if len(frame) and draw(st.integers(0, 4)):  # mostly a word of the table, so that some match
            cell = str(frame.iloc[draw(st.integers(0, len(frame) - 1))][draw(st.sampled_from(TEXT_COLUMNS))])
            tokens = cell.split() or [cell]
            word = draw(st.sampled_from(tokens))
            if draw(st.booleans()):  # or a piece of one
                start = draw(st.integers(0, max(len(word) - 1, 0)))
                word = word[start : start + draw(st.integers(1, 6))]
            words.append(draw(st.sampled_from((word, word.upper(), word.casefold(), word.swapcase()))))
        else:
            words.append(draw(text_strategy(6)))
    text = draw(st.sampled_from(SPACES)).join(words)
    return FilterState(**facets, years=years, text=text, added=added)


@st.composite
def links(draw, state: FilterState) -> str:
    """The state's link, or the same link as strangers write them: keys in capitals, years with an
    en dash, '+' for spaces, a repeated or unknown parameter, junk percent-encoding."""
    query = state.to_query()
    bends = draw(
        st.lists(st.sampled_from(("upper", "dash", "plus", "junk", "repeat", "bad-year", "bad-month")), max_size=3)
    )
    for bend in bends:
        if bend == "upper":
            query = query.replace(f"{YEAR_KEY}=", f"{YEAR_KEY.upper()}=").replace("domain=", "DOMAIN=")
        elif bend == "dash" and state.years:
            query = query.replace(f"{state.years[0]}-{state.years[1]}", f"{state.years[0]}%E2%80%93{state.years[1]}")
        elif bend == "plus":
            query = query.replace("%20", "+")
        elif bend == "junk":
            query += ("&" if query else "?") + "highlight=x&%E0%A4%A=1&" + TEXT_KEY + "2=y"
        elif bend == "repeat" and query:
            query += "&" + query[1:].split("&")[0]
        elif bend == "bad-year":
            query += ("&" if query else "?") + f"{YEAR_KEY}=20x4"
        elif bend == "bad-month":
            query += ("&" if query else "?") + f"{ADDED_KEY}=2025-13"
    return query


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return tmp_path_factory.mktemp("agreement")


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    yield page, errors
    context.close()


def assert_agreement(page, html, frame: pd.DataFrame, query: str) -> None:
    """The page opened with `query` shows the studies filter_studies selects for the same link,
    and beside each term the number facet_counts gives."""
    page.goto(html.as_uri() + query)
    page.wait_for_selector('.lr-studies-table[data-lr-ready="true"]')
    shown = page.eval_on_selector_all(".lr-st-table tbody tr", "rows => rows.map(r => r.dataset.id)")
    search = page.evaluate("location.search")  # what the script read: the browser may re-encode
    state = FilterState.from_query(search)
    assert shown == state.apply(frame)["id"].tolist(), f"link {query!r} (the page read {search!r})"
    written = page.eval_on_selector_all(
        ".lr-st-facet input[type=checkbox]",
        "boxes => boxes.map(b => [b.name, b.value, b.closest('label').querySelector('.lr-st-c').textContent])",
    )
    counts = facet_counts(frame, state)
    keys = {key: name for name, (key, _column) in FACETS.items()}
    expected = [[key, term, str(n)] for key, name in keys.items() for term, n in counts[name].items()]
    assert written == expected, f"counts beside the terms, link {query!r} (the page read {search!r})"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_page_and_filter_studies_select_the_same_studies(page, site, data):
    page, errors = page
    frame = data.draw(study_tables(), label="table")
    state = data.draw(filter_states(frame), label="state")
    query = data.draw(links(state), label="link")
    html = write_site(site, frame, name=f"studies-{len(list(site.glob('book/*')))}.html", page_size=0)
    assert_agreement(page, html, frame, query)  # page_size=0: every match on one page
    assert errors == []


#: Studies whose text holds the traps, and searches that only match if both languages fold,
#: normalise and split words alike (Hypothesis may take long to draw these by chance).
TRAP_TEXTS = {
    "fold": "Straße ΟΔΟΣ ǰ ᾳ Ꮿ",
    "nfkc": "ﬁbrosis ２０２４ Ａ① e\u0301",
    "space": "alpha\x1fbeta gamma\x85delta epsilon\ufeffzeta",
    "markup": '<b>"quoted"</b> & =SUM(1) 10.1234/x',
}
TRAP_LINKS = [
    "?search=STRASSE",
    "?search=stra%C3%9Fe",
    "?search=%CE%BF%CE%B4%CE%BF%CF%83",  # οδοσ: final sigma folded
    "?search=%C7%B0+%E1%BE%B3",  # ǰ ᾳ
    "?search=%EA%AE%BF",  # Cherokee small letter, folded to its capital
    "?search=FIBROSIS+2024+a1",
    "?search=%C3%A9",  # é composed; the data has e + combining acute
    "?search=gamma%1Falpha",  # U+001F separates words in Python, not in JavaScript's \s
    "?search=zeta%C2%85delta",  # U+0085 does too
    "?search=zeta%EF%BB%BFdelta",  # U+FEFF does not (it does in JavaScript's \s)
    "?search=%3Cb%3E+%22quoted%22",
    "?search=%3Dsum&year=2022%E2%80%932023",
    "?year=+2023+-+2022+&search=10.1234",
    "?search=" + "x" * 250,
]


@pytest.fixture(scope="module")
def traps(site):
    rows = []
    for i, (name, text) in enumerate(TRAP_TEXTS.items()):
        row = {column: "" for column in expected_columns()}
        row.update(id=f"trap-{name}", year=2020 + i, dataset=text, method="m", model="m", application="a")
        row.update({column: KEYS[column][:1] for column in LIST_COLUMNS}, added=pd.Timestamp(2026, 1, 1))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=expected_columns())
    frame["ref"] = pd.array([None] * len(frame), dtype="Int64")
    return frame, write_site(site, frame, name="traps.html", page_size=0)


@pytest.mark.parametrize("query", TRAP_LINKS)
def test_known_traps_agree(page, traps, query):
    page, errors = page
    frame, html = traps
    assert_agreement(page, html, frame, query)
    assert errors == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_facet_counts_are_counts_term_counts_over_the_other_filters(data):
    """facet_counts, which the page is held to above and the explorer shows, is the definition:
    livingreview.data.counts.term_counts over the studies that every filter but the facet's own pass."""
    frame = data.draw(study_tables(), label="table")
    state = data.draw(filter_states(frame), label="state")
    counts = facet_counts(frame, state)
    for name, (_key, column) in FACETS.items():
        others = dataclasses.replace(state, **{name: ()})
        assert counts[name].equals(term_counts(filter_studies(frame, **others.as_kwargs()), column)), name
