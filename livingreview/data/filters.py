"""Filtering the study table, counting what each term would add, and the filter state as a
shareable URL query string.

The rules are defined once, here, for both languages: filter_spec() gives them as data (facets
and their query keys, the year and month-added syntax, how text is normalised and split into
words, the search columns, the bounds on a query), livingreview.book.studies_page writes that into
the studies page, and assets/studies-table.js reads it there instead of restating it.
tests/test_filter_agreement.py checks that the page and filter_studies() select the same studies,
and that the page's counts beside each term are facet_counts(), for random tables and filters.

The number beside a term (facet_counts) is livingreview.data.counts' count of studies per term,
taken over the studies that pass every filter but the term's own list, so with nothing else
ticked in its list, ticking the term shows that many studies.

filter_studies() is what the explorer calls on every click, so it stays vectorised: facets are
matched with set operations over the list cells, and the free-text search runs one substring
scan over a normalised "search blob" that is built once per DataFrame and then reused. A word
also finds the studies whose tags carry it in their label or synonyms (tag_words(), from
data/vocabulary.yml): "LLM", "large language model" and "dermatology diffusion" find the
studies tagged so.

The query string is the explorer's permalink and the studies page's, e.g.
``?domain=dermatology&family=gan,diffusion&year=2020-2024&added=2026-11&search=melanoma``. It arrives from strangers' links, so FilterState.from_query never
raises: unknown keys, unknown terms, malformed years and broken percent-encoding are dropped.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Final
from urllib.parse import parse_qsl, quote, urlencode

import numpy as np
import pandas as pd

from .counts import STUDY, keys_of, long_form
from .paths import Repository
from .studies import TEXT_COLUMNS
from .vocabulary import LIST_COLUMNS, load_vocabulary

#: Columns the free-text search looks in: every text field, plus the id and DOI a reader may paste.
SEARCH_COLUMNS = ("id", *TEXT_COLUMNS, "doi")
#: The search also reads a study's tags: the label of every term it is coded with and the term's
#: synonyms (data/vocabulary.yml), so "LLM", "large language model" and "dermatology diffusion"
#: find the studies tagged so, whatever words their Table 1 text happens to use.
SEARCH_TAG_COLUMNS = LIST_COLUMNS

#: FilterState field -> (query-string key, studies.csv column), in the explorer's display order.
FACETS = {
    "domains": ("domain", "domain"),
    "model_families": ("family", "model_family"),
    "modalities": ("modality", "modality"),
    "contributions": ("contribution", "contribution"),
    "limitation_themes": ("limitation", "limitation_themes"),
}
YEAR_KEY = "year"
#: The month a study was added to the review (its `added` date): ?added=2026-11. "What's new"
#: links each month to its studies with it.
ADDED_KEY = "added"
TEXT_KEY = "search"  # not upstream.SPHINX_SEARCH_PARAM ("q"): Sphinx would run a site search
#: Several terms of one facet in one parameter: ?family=gan,diffusion.
TERM_SEPARATOR = ","

#: Bounds on what a query string may make us parse: long enough for any real link.
MAX_QUERY_CHARS = 4096
MAX_TEXT_CHARS = 200

#: White space, as Python's str.split() and str.strip() know it (JavaScript's \s differs: it
#: lacks U+001C..U+001F and U+0085 and has U+FEFF), so both languages split words alike.
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_CLASS = "".join(f"\\u{ord(c):04x}" for c in SPACES)  # for a [...] class in both languages
#: A year or an inclusive range: '2021', '2020-2024', '2020–2024' (en dash); up to four digits each.
YEAR_PATTERN = (
    f"^[{_SPACE_CLASS}]*([0-9]{{1,4}})[{_SPACE_CLASS}]*(?:[-\\u2013][{_SPACE_CLASS}]*([0-9]{{1,4}})[{_SPACE_CLASS}]*)?$"
)
_YEAR = re.compile(YEAR_PATTERN)
#: A month: 'YYYY-MM' (month 01 to 12).
ADDED_PATTERN = f"^[{_SPACE_CLASS}]*([0-9]{{4}})-(0[1-9]|1[0-2])[{_SPACE_CLASS}]*$"
_ADDED = re.compile(ADDED_PATTERN)
#: How text is compared: Unicode NFKC, then full case folding (str.casefold).
NORMAL_FORM: Final = "NFKC"


def filter_spec() -> dict:
    """The filter rules as data, for the static table's script (JSON-ready).

    The script lower-cases with toLowerCase() and then applies `folds`: the characters whose full
    case folding differs from their lower case (ß -> ss, final ς -> σ, ...), so its words equal
    normalise_text()'s.
    """
    return {
        "facets": [{"key": key, "column": column} for key, column in FACETS.values()],
        "year_key": YEAR_KEY,
        "added_key": ADDED_KEY,
        "text_key": TEXT_KEY,
        "term_separator": TERM_SEPARATOR,
        "max_query_chars": MAX_QUERY_CHARS,
        "max_text_chars": MAX_TEXT_CHARS,
        "year_pattern": YEAR_PATTERN,
        "added_pattern": ADDED_PATTERN,
        "spaces": SPACES,
        "normal_form": NORMAL_FORM,
        "folds": case_folds(),
        "search_columns": list(SEARCH_COLUMNS),
        "tag_words": tag_words(),
    }


def tag_words(repo: Repository | None = None) -> dict[str, dict[str, str]]:
    """What the search finds a tag by: per coded column, per term key, the term's label and
    synonyms (the vocabulary of `repo`, default this checkout's), one per line. The page adds a
    study's tag words to its text as search_blob() does."""
    vocabulary = load_vocabulary((repo or Repository()).vocabulary)
    return {
        column: {key: "\n".join((term.label, *term.synonyms)) for key, term in vocabulary[column].terms.items()}
        for column in SEARCH_TAG_COLUMNS
    }


@lru_cache(maxsize=1)
def case_folds() -> dict[str, str]:
    """Lower-case characters (in NFKC) whose case folding differs: {'ß': 'ss', 'ς': 'σ', ...}."""
    folds = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        folded = char.casefold()
        if folded != char and char.lower() == char and unicodedata.is_normalized(NORMAL_FORM, char):
            folds[char] = folded
    return folds


# --------------------------------------------------------------------------------------------
# Filtering


def filter_studies(
    df: pd.DataFrame,
    *,
    years: tuple[int | None, int | None] | None = None,
    text: str | None = None,
    added: str | None = None,
    repo: Repository | None = None,
    **terms: Iterable[str] | str | None,
) -> pd.DataFrame:
    """The rows of `df` that pass every given constraint, in their original order.

    `terms` are the facets, by their FilterState field (FACETS: domains=, model_families=, ...),
    each vocabulary keys; a study passes a facet when it is coded with any of the given terms (OR
    within a facet), and must pass every facet given (AND across facets). `years` is an inclusive
    (first, last) pair; either end may be None (open). `added` is a month ('2026-11'): the studies
    added to the review then. `text` matches case- and accent-form-insensitively anywhere in the
    text fields, ids and DOIs, and in the labels and synonyms of the study's tags (the vocabulary
    of `repo`, default this checkout's); several words must all occur (in any order). None or
    empty means no constraint.
    """
    unknown = sorted(set(terms) - set(FACETS))
    if unknown:
        raise TypeError(f"filter_studies(): no facet {', '.join(unknown)}; the facets are {', '.join(FACETS)}")
    base, by_facet = _masks(df, terms, years, added, text, repo)
    for mask in by_facet.values():
        base &= mask
    return df[base]


def _masks(
    df: pd.DataFrame, facets: dict, years, added, text, repo: Repository | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Which rows pass the constraints that are not lists of terms (years, month added, text),
    and, per facet given terms, which rows pass that facet."""
    mask = np.ones(len(df), dtype=bool)
    if years:
        first, last = years
        if first is not None and last is not None and first > last:
            first, last = last, first
        year = df["year"].to_numpy()
        if first is not None:
            mask &= year >= int(first)
        if last is not None:
            mask &= year <= int(last)
    month = parse_month(added) if added else None
    if month is not None:
        stamp = pd.to_datetime(df["added"], errors="coerce")
        mask &= ((stamp.dt.year == month[0]) & (stamp.dt.month == month[1])).to_numpy(dtype=bool)
    by_facet = {}
    for name, (_key, column) in FACETS.items():
        wanted = _as_term_set(facets.get(name))
        if wanted:
            by_facet[name] = np.fromiter(
                (not wanted.isdisjoint(_cell_terms(cell)) for cell in df[column]), bool, len(df)
            )
    words = normalise_text(text or "").split()
    if words and mask.any():
        blob = search_blob(df)
        for word in words:
            mask &= blob.str.contains(word, regex=False).to_numpy(dtype=bool) | tagged_with_word(df, word, repo)
    return mask, by_facet


def facet_counts(df: pd.DataFrame, state: FilterState) -> dict[str, pd.Series]:
    """Per facet (FilterState field), the number beside each of its terms: studies per term
    (livingreview.data.counts.term_counts: each study once per term it is coded with, unknown
    terms ignored, every vocabulary term listed, zeros included) among the studies that pass
    every filter of `state` except that facet's own terms. FacetCounter(df).counts(state), for one call."""
    return FacetCounter(df).counts(state)


class FacetCounter:
    """facet_counts() for one table, many times (the explorer, on every click): the (study, term)
    pairs of each facet column are listed once (counts.long_form), then each count is a bincount."""

    def __init__(self, df: pd.DataFrame, repo: Repository | None = None):
        self.df = df
        self.repo = repo
        self._pairs = {}
        for _name, (_key, column) in FACETS.items():
            long = long_form(df, column)
            self._pairs[column] = (long[STUDY].to_numpy(), long[column].cat.codes.to_numpy(), keys_of(column))

    def counts(self, state: FilterState) -> dict[str, pd.Series]:
        facets = {name: getattr(state, name) for name in FACETS}
        base, by_facet = _masks(self.df, facets, state.years, state.added, state.text, self.repo)
        out = {}
        for name, (_key, column) in FACETS.items():
            rows = base.copy()
            for other, mask in by_facet.items():
                if other != name:
                    rows &= mask
            studies, codes, keys = self._pairs[column]
            tally = np.bincount(codes[rows[studies]], minlength=len(keys)) if len(keys) else np.zeros(0, int)
            out[name] = pd.Series(tally.astype("int64"), index=pd.Index(keys, name=column), name=column)
        return out


def _as_term_set(terms: Iterable[str] | str | None) -> frozenset[str]:
    if not terms:
        return frozenset()
    if isinstance(terms, str):  # a lone key is a common slip; treat it as one term, not letters
        terms = [terms]
    return frozenset(str(term) for term in terms)


def normalise_text(text: str) -> str:
    """The form both the search blob and the query are compared in: NFKC, then case-folded."""
    return unicodedata.normalize(NORMAL_FORM, text).casefold()


# One blob per live DataFrame (keyed by id; the entry dies with the frame). A fingerprint of the
# searched cells is checked on every use, so a frame edited in place is re-indexed, not misread.
# The fingerprint is cheap because Python caches each string's hash after the first use.
_blob_cache: dict[int, tuple[int, pd.Series]] = {}


def search_blob(df: pd.DataFrame) -> pd.Series:
    """Per row, the normalised text of SEARCH_COLUMNS joined by newlines (built once, cached)."""
    columns = [c for c in SEARCH_COLUMNS if c in df.columns]
    fingerprint = hash((tuple(df.index), *(tuple(df[c].tolist()) for c in columns)))
    cached = _blob_cache.get(id(df))
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    if columns:
        text = df[columns].fillna("").astype(str)
        joined = text[columns[0]].str.cat(text[columns[1:]], sep="\n")
    else:
        joined = pd.Series([""] * len(df), index=df.index, dtype=object)
    blob = joined.str.normalize(NORMAL_FORM).str.casefold()
    if id(df) not in _blob_cache:
        weakref.finalize(df, _blob_cache.pop, id(df), None)
    _blob_cache[id(df)] = (fingerprint, blob)
    return blob


@lru_cache(maxsize=4)
def _normalised_tag_words(repo: Repository) -> dict[str, dict[str, str]]:
    return {
        column: {key: normalise_text(words) for key, words in terms.items()}
        for column, terms in tag_words(repo).items()
    }


def tagged_with_word(df: pd.DataFrame, word: str, repo: Repository | None = None) -> np.ndarray:
    """Per row, whether one of its tags is found by `word` (a normalised search word): the word
    occurs in the tag's label or a synonym. The same as finding it in the row's text with its tag
    words added, as the page does (a word holds no white space, so it cannot span two of them)."""
    hit = np.zeros(len(df), dtype=bool)
    for column, terms in _normalised_tag_words(repo or Repository()).items():
        keys = frozenset(key for key, words in terms.items() if word in words)
        if keys and column in df.columns:
            hit |= np.fromiter((not keys.isdisjoint(_cell_terms(cell)) for cell in df[column]), bool, len(df))
    return hit


def _cell_terms(cell) -> tuple[str, ...]:
    """A coded cell's term keys (a list), or nothing."""
    return tuple(cell) if isinstance(cell, (list, tuple)) else ()


# --------------------------------------------------------------------------------------------
# Filter state <-> query string


@dataclass(frozen=True)
class FilterState:
    """What the reader has chosen; the explorer's whole state, and its permalink.

    Term tuples hold vocabulary keys (duplicates dropped, order kept); `years` is an inclusive
    (first, last) pair or None; `text` is the search box, stripped.
    """

    domains: tuple[str, ...] = ()
    model_families: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    contributions: tuple[str, ...] = ()
    limitation_themes: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    text: str = ""
    added: str | None = None  # a month, 'YYYY-MM'

    def __post_init__(self):
        # Normalise so equal choices compare equal, whatever sequence type the caller passed.
        for name in FACETS:
            value = getattr(self, name) or ()
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(dict.fromkeys(str(v) for v in value)))
        if self.years is not None:
            first, last = (int(v) for v in self.years)
            object.__setattr__(self, "years", (min(first, last), max(first, last)))
        if self.added is not None:
            month = parse_month(str(self.added))
            object.__setattr__(self, "added", None if month is None else f"{month[0]:04d}-{month[1]:02d}")
        # Lone surrogates (possible in a Python str, never in UTF-8) could not be put in a URL.
        text = (self.text or "").encode("utf-8", "replace").decode("utf-8")
        object.__setattr__(self, "text", text.strip())

    def as_kwargs(self) -> dict:
        """Keyword arguments for filter_studies()."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        return filter_studies(df, **self.as_kwargs())

    def to_query(self) -> str:
        """'?domain=dermatology&family=gan,diffusion&year=2020-2024&added=2026-11&search=melanoma'; '' if empty."""
        pairs = [(FACETS[name][0], TERM_SEPARATOR.join(getattr(self, name))) for name in FACETS if getattr(self, name)]
        if self.years is not None:
            first, last = self.years
            pairs.append((YEAR_KEY, str(first) if first == last else f"{first}-{last}"))
        if self.added:
            pairs.append((ADDED_KEY, self.added))
        if self.text:
            pairs.append((TEXT_KEY, self.text))
        # ',' and '-' stay readable; everything else (spaces, &, #, non-ASCII) is percent-encoded.
        return "?" + urlencode(pairs, safe=TERM_SEPARATOR, quote_via=quote) if pairs else ""

    @classmethod
    def from_query(cls, query: str | bytes | None) -> FilterState:
        """Parse a query string (with or without the leading '?'). Never raises.

        Facet values are comma-separated vocabulary keys (case-insensitive; a key may repeat
        across several parameters); unknown keys and terms are ignored. `year` is 'YYYY' or
        'YYYY-YYYY', `added` 'YYYY-MM'. Only the first MAX_QUERY_CHARS characters are read.
        """
        try:
            return cls._parse(query)
        except Exception:  # a hostile link must still open the explorer, just unfiltered
            return cls()

    @classmethod
    def _parse(cls, query) -> FilterState:
        if query is None:
            return cls()
        if isinstance(query, (bytes, bytearray)):
            query = bytes(query).decode("utf-8", errors="replace")
        query = str(query)[:MAX_QUERY_CHARS].lstrip().removeprefix("?")
        vocabulary = load_vocabulary()
        key_to_field = {key: name for name, (key, _) in FACETS.items()}
        chosen: dict[str, list[str]] = {name: [] for name in FACETS}
        years, text, added = None, "", None
        for key, value in parse_qsl(query, keep_blank_values=False, errors="replace"):
            key = key.strip().lower()
            if key in key_to_field:
                name = key_to_field[key]
                allowed = vocabulary[FACETS[name][1]].terms
                terms = (v.strip().lower() for v in value.split(TERM_SEPARATOR))
                chosen[name] += [t for t in terms if t in allowed]
            elif key == YEAR_KEY:
                years = parse_year_range(value) or years
            elif key == ADDED_KEY:
                added = value if parse_month(value) else added
            elif key == TEXT_KEY:
                text = value[:MAX_TEXT_CHARS]
        return cls(**{name: tuple(terms) for name, terms in chosen.items()}, years=years, text=text, added=added)


def parse_year_range(value: str) -> tuple[int, int] | None:
    """'2020-2024' -> (2020, 2024); '2021' -> (2021, 2021); anything else (YEAR_PATTERN) -> None."""
    match = _YEAR.match(value)
    if not match:
        return None
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    return (min(first, last), max(first, last))


def parse_month(value: str) -> tuple[int, int] | None:
    """'2026-11' -> (2026, 11); anything else (ADDED_PATTERN) -> None."""
    match = _ADDED.match(value)
    return (int(match.group(1)), int(match.group(2))) if match else None
