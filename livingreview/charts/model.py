"""A chart as data: what each of the review's six charts shows, built once from the counts.

A Chart is everything a drawing of it needs and nothing about how it is drawn: its title,
subtitle and caption; its rows, top to bottom (each a Category: a vocabulary key or a year, its
label, and for a model family the Swatch it is drawn with); bars (one Group per row), a matrix
(one Group per row and column), or both side by side; and, when there is nothing to draw, the
message shown instead. A Group is one bar or one cell: how many distinct studies it holds, the
first MAX_LISTED of them by name ("Author Year", as readers cite them, never an internal id) and
the studies page's query string for exactly those studies (livingreview.data.filters.FilterState).

Three renderers draw a Chart: livingreview.charts.plotly_figure (the figure plotly.js draws, with
hover lists and a click to the studies), livingreview.charts.svg (the static drawing a page shows
before plotly.js, that prints and links without a script) and livingreview.charts.table (the data
table under it). Every text here is plain, straight from the vocabulary and the table: a renderer
escapes it as its medium needs, and none of them reads another's output back.

What the charts promise a reader:

- a bar on an axis "Number of studies" is a count of distinct studies. Where a study can carry
  several model families (limitation themes, years), the bar counts it once and the family
  breakdown sits beside it in a matrix whose cells count the studies coded with both;
- a matrix has one cell per pair of vocabulary terms, empty ones included: a gap is shown;
- every bar and cell that holds studies opens exactly them on the studies page;
- families are told apart by label first, then colour, then hatching (vocabulary.family_patterns),
  so eleven families or more stay distinct for colour-blind readers and in greyscale print.

CHARTS lists the six in display order; each builds its Chart from any subset of a study table's
rows (none, one or ten thousand), as load_studies() returns it. Nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd

from ..data.counts import STUDY, grid_of_pairs, keys_of, long_form, pairs, term_counts
from ..data.filters import FACETS, FilterState
from ..data.vocabulary import load_vocabulary
from . import captions
from .captions import n_studies, none_coded

#: A chart names at most this many studies per bar or cell, then counts the rest.
MAX_LISTED = 12
#: The axis every bar is read on.
VALUE_TITLE = "Number of studies"
#: Shown instead of bars and cells when no study is left to count.
NO_MATCH = "No studies match"


@dataclass(frozen=True)
class Swatch:
    """How a model family is drawn, in both themes: its colour and its hatching ('' solid)."""

    colour: str
    pattern: str


@dataclass(frozen=True)
class Category:
    """A row or a column: a vocabulary key (or a year), its label, a model family's swatch."""

    key: object
    label: str
    swatch: Swatch | None = None


@dataclass(frozen=True)
class Group:
    """One bar or one cell: the studies coded with its terms."""

    count: int
    #: 'Author Year' of the first MAX_LISTED of them, in table order.
    names: tuple[str, ...] = ()
    #: The studies page's query string for exactly these studies; '' when there are none.
    query: str = ""

    @property
    def more(self) -> int:
        """How many studies the group holds beyond those it names."""
        return self.count - len(self.names)


@dataclass(frozen=True)
class Matrix:
    """Cells of rows × columns: cells[i][j] holds the studies coded with row i and column j."""

    title: str
    columns: tuple[Category, ...]
    cells: tuple[tuple[Group, ...], ...]


@dataclass(frozen=True)
class Chart:
    """One chart of the review, drawn from one set of studies."""

    name: str
    title: str
    subtitle: str
    #: The chart in words (captions.py): what a page writes under it.
    caption: str
    #: What the rows are ('Clinical domain', 'Year of publication').
    row_title: str
    rows: tuple[Category, ...]
    #: Studies per row, each counted once; None when the chart has no bars.
    bars: tuple[Group, ...] | None = None
    #: Studies per row and column; None when the chart has no matrix.
    matrix: Matrix | None = None
    #: When set, there is nothing to draw: a drawing shows this instead (rows and columns stay
    #: as they would be, so the chart keeps its size).
    message: str = ""

    @property
    def empty(self) -> bool:
        return bool(self.message)


# ---------------------------------------------------------------------------------------------
# From the counts to groups


def _category(column: str, key) -> Category:
    if column == "year":
        return Category(int(key), str(key))
    term = load_vocabulary()[column].terms[key]
    swatch = Swatch(term.colour, term.pattern) if column == "model_family" else None
    return Category(key, term.label, swatch)


def _categories(column: str, keys) -> tuple[Category, ...]:
    return tuple(_category(column, key) for key in keys)


def _names(members: pd.DataFrame, by: list[str], df: pd.DataFrame) -> dict:
    """For each group of `members` (rows of a long table of `df`, in table order), its first
    MAX_LISTED studies as 'Author Year'. Only those studies are formatted, not the whole table."""
    if members.empty:
        return {}
    shown = members.groupby(by, sort=False, observed=True).head(MAX_LISTED)
    positions = shown[STUDY].to_numpy()
    # Plain arrays, not Series arithmetic: a subset's index may repeat labels and must not align.
    authors = df["first_author"].fillna("").to_numpy()[positions]
    years = df["year"].to_numpy()[positions]
    shown = shown.assign(_name=[f"{author} {year}".strip() for author, year in zip(authors, years)])
    return shown.groupby(by, sort=False, observed=True)["_name"].agg(tuple).to_dict()


#: studies.csv column -> FilterState field (facets); `year` is the state's years.
_STATE_FIELD = {column: field for field, (_key, column) in FACETS.items()}


@lru_cache(maxsize=4096)
def _query(*criteria: tuple[str, object]) -> str:
    """The studies page's query string for the studies coded with every (column, key) given:
    ('domain', 'radiology'), ('year', 2024). The page and the explorer read it (FilterState)."""
    state = {}
    for column, key in criteria:
        if column == "year":
            state["years"] = (int(key), int(key))
        else:
            state[_STATE_FIELD[column]] = (key,)
    return FilterState(**state).to_query()


def _group(count: int, names: dict, key, *criteria: tuple[str, object]) -> Group:
    count = int(count)
    return Group(count, names.get(key, ()), _query(*criteria) if count else "")


def _ranked(counts: pd.Series) -> pd.Series:
    """Largest first; ties keep vocabulary order (a stable sort)."""
    return counts.sort_values(ascending=False, kind="stable")


def _matrix(
    df: pd.DataFrame, long: pd.DataFrame, row_column: str, row_keys: list, col_column: str
) -> tuple[tuple[Group, ...], ...]:
    """The cells of row_keys × every term of `col_column`, from `long` (pairs of the two)."""
    grid = grid_of_pairs(long, df, row_column, col_column).reindex(index=row_keys, fill_value=0)
    names = _names(long, [row_column, col_column], df)
    values = grid.to_numpy()
    return tuple(
        tuple(_group(values[i, j], names, (r, c), (row_column, r), (col_column, c)) for j, c in enumerate(grid.columns))
        for i, r in enumerate(grid.index)
    )


# ---------------------------------------------------------------------------------------------
# The three kinds of chart


def _term_bars(df: pd.DataFrame, name: str, column: str, subtitle: str, caption: str) -> Chart:
    """Studies per term of `column`, one bar per vocabulary term, largest first."""
    facet = load_vocabulary()[column]
    chart = Chart(name, TITLES[name], subtitle, caption, facet.label, _categories(column, facet.terms))
    if df.empty:
        return replace(chart, message=NO_MATCH)
    counts = _ranked(term_counts(df, column))
    names = _names(long_form(df, column), [column], df)
    bars = tuple(_group(n, names, key, (column, key)) for key, n in counts.items())
    return replace(chart, rows=_categories(column, counts.index), bars=bars)


def _term_matrix(df: pd.DataFrame, name: str, row_column: str, col_column: str, subtitle: str, caption: str) -> Chart:
    """Studies per (row term, column term): one cell per pair of the vocabulary."""
    vocabulary = load_vocabulary()
    rows, cols = vocabulary[row_column], vocabulary[col_column]
    row_keys = list(rows.terms)
    matrix = Matrix(cols.label, _categories(col_column, cols.terms), ())
    chart = Chart(name, TITLES[name], subtitle, caption, rows.label, _categories(row_column, row_keys), matrix=matrix)
    if df.empty:
        return replace(chart, message=NO_MATCH)
    cells = _matrix(df, pairs(df, row_column, col_column), row_column, row_keys, col_column)
    return replace(chart, matrix=replace(matrix, cells=cells))


def _bars_and_matrix(df: pd.DataFrame, name: str, column: str, subtitle: str, caption: str, *, ranked: bool) -> Chart:
    """Per category of `column` (a vocabulary facet, or `year`): a bar of the studies in it, each
    study counted once, and beside it a matrix of those studies by model family (a study with
    two families is in two cells of its row, never twice in its bar)."""
    vocabulary = load_vocabulary()
    families = vocabulary["model_family"]
    keys = keys_of(column, df)
    row_title = "Year of publication" if column == "year" else vocabulary[column].label
    matrix = Matrix(families.label, _categories("model_family", families.terms), ())
    chart = Chart(name, TITLES[name], subtitle, caption, row_title, _categories(column, keys), matrix=matrix)
    if df.empty:
        return replace(chart, message=NO_MATCH)
    long = pairs(df, column, "model_family")
    if long.empty:
        return replace(chart, message=none_coded(len(df), "limitation theme").rstrip("."))
    counts = term_counts(df, column)
    if ranked:
        counts = _ranked(counts)
    keys = list(counts.index)
    names = _names(long_form(df, column), [column], df)
    bars = tuple(_group(n, names, key, (column, key)) for key, n in counts.items())
    cells = _matrix(df, long, column, keys, "model_family")
    return replace(chart, rows=_categories(column, keys), bars=bars, matrix=replace(matrix, cells=cells))


# ---------------------------------------------------------------------------------------------
# The six charts

TITLES = {
    "domain_bar": "Studies by clinical domain",
    "family_bar": "Studies by model family",
    "gap_map": "Evidence-gap map: clinical domain by model family",
    "modality_contribution": "Data modality by contribution",
    "limitations_by_family": "Limitation themes by model family",
    "timeline": "Studies per year by model family",
}

_EACH_CELL = "each cell counts the studies coded with both; \u2014 no study yet"
_ONCE_IN_A_BAR = "a bar counts each study once; a cell, the studies of that model family"


def domain_bar(df: pd.DataFrame) -> Chart:
    """Studies per clinical domain, largest first."""
    subtitle = f"{n_studies(len(df))}; a study covering several domains counts once in each"
    return _term_bars(df, "domain_bar", "domain", subtitle, captions.domain_caption(df))


def family_bar(df: pd.DataFrame) -> Chart:
    """Studies per model family, largest first, each bar in its family's colour."""
    subtitle = f"{n_studies(len(df))}; a study using several model families counts once in each"
    return _term_bars(df, "family_bar", "model_family", subtitle, captions.family_caption(df))


def gap_map(df: pd.DataFrame) -> Chart:
    """Clinical domain × model family: every pair of the vocabulary, empty ones shown as gaps."""
    subtitle = f"{n_studies(len(df))}; {_EACH_CELL}"
    return _term_matrix(df, "gap_map", "domain", "model_family", subtitle, captions.gap_map_caption(df))


def modality_contribution(df: pd.DataFrame) -> Chart:
    """Data modality × contribution (augmentation, automation, knowledge, education, design)."""
    subtitle = f"{n_studies(len(df))}; {_EACH_CELL}"
    caption = captions.modality_contribution_caption(df)
    return _term_matrix(df, "modality_contribution", "modality", "contribution", subtitle, caption)


def limitations_by_family(df: pd.DataFrame) -> Chart:
    """Limitation themes, most coded on top: the studies coded with each (once per study), and
    beside them the same studies by model family."""
    subtitle = f"{n_studies(len(df))}; {_ONCE_IN_A_BAR}"
    caption = captions.limitations_caption(df)
    return _bars_and_matrix(df, "limitations_by_family", "limitation_themes", subtitle, caption, ranked=True)


def timeline(df: pd.DataFrame) -> Chart:
    """Studies per publication year (every year in the range, gaps included), once per study, and
    beside them the same studies by model family."""
    subtitle = f"{n_studies(len(df))}; {_ONCE_IN_A_BAR}"
    return _bars_and_matrix(df, "timeline", "year", subtitle, captions.timeline_caption(df), ranked=False)


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the review: its name, its title and how to build it from a study table."""

    name: str
    title: str
    build: Callable[[pd.DataFrame], Chart]


#: The six charts in display order.
CHARTS: dict[str, ChartSpec] = {
    build.__name__: ChartSpec(build.__name__, TITLES[build.__name__], build)
    for build in (domain_bar, family_bar, gap_map, modality_contribution, limitations_by_family, timeline)
}
