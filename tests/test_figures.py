"""The six figures and the counts behind them.

Expected numbers are recomputed here the slow, obvious way (a loop over studies, a set per cell)
and compared with what the figures draw, on the shipped table and on small made-up tables: every
bar on a "Number of studies" axis is a count of distinct studies, every cell the studies coded
with both of its terms, every hover names its studies as "Author Year", and every bar and cell
links (customdata) to the studies page filtered to exactly its studies.
"""

from __future__ import annotations

import html
import itertools
import re
import time
from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livingreview import LIST_COLUMNS, load_studies, load_vocabulary
from livingreview.charts.figures import (
    DARK,
    FIGURES,
    LIGHT,
    MAX_LISTED,
    MAX_NAMED,
    PHONE_MAX_WIDTH,
    PHONE_SUBTITLE_CHARS,
    PHONE_TITLE_CHARS,
    PLOTLY_CONFIG,
    dark_variant,
    phone_variant,
    wrap_label,
)
from livingreview.data.counts import cross_counts, most_common, term_counts
from livingreview.data.filters import FilterState
from livingreview.data.vocabulary import family_colours

VOCABULARY = load_vocabulary()
KEYS = {column: list(facet.terms) for column, facet in VOCABULARY.items()}
HOSTILE = "<img src=x onerror=alert(1)>"


def label(column: str, key: str) -> str:
    """A display label as it must appear in plotly text (escaped)."""
    return html.escape(VOCABULARY[column].terms[key].label)


def key_of(column: str, shown: str) -> str:
    return {label(column, k): k for k in KEYS[column]}[shown]


# --- Tables -------------------------------------------------------------------------------------


def table(rows: list[dict]) -> pd.DataFrame:
    """A study table with load_studies()' column types, from a few fields per row."""
    defaults = {
        "first_author": "Author",
        "year": 2024,
        "domain": ["radiology"],
        "modality": ["2d-image"],
        "model_family": ["gan"],
        "contribution": ["data-augmentation"],
        "limitation_themes": [],
    }
    records = [{**defaults, "id": f"study-{i}", **row} for i, row in enumerate(rows)]
    frame = pd.DataFrame(records, columns=["id", "first_author", "year", *LIST_COLUMNS])
    frame["year"] = frame["year"].astype(int)
    frame["added"] = pd.to_datetime(["2026-01-01"] * len(frame))
    return frame


#: Multi-valued cells, a term repeated within a cell, a gap year, a study without limitations.
SMALL = table(
    [
        {
            "first_author": "Ames",
            "year": 2021,
            "domain": ["radiology", "neurology"],
            "model_family": ["gan", "diffusion"],
            "modality": ["2d-image", "3d-volume"],
            "contribution": ["data-augmentation", "education"],
            "limitation_themes": ["fidelity-rare-cases", "compute"],
        },
        {
            "first_author": "Berg",
            "year": 2023,
            "domain": ["radiology"],
            "model_family": ["llm"],
            "modality": ["clinical-text"],
            "contribution": ["task-automation"],
            "limitation_themes": ["hallucination"],
        },
        {
            "first_author": "Cruz",
            "year": 2023,
            "domain": ["dermatology", "dermatology"],
            "model_family": ["gan", "gan"],
            "modality": ["photograph"],
            "limitation_themes": ["fidelity-rare-cases", "bias-fairness"],
        },
        {
            "first_author": "Diaz",
            "year": 2024,
            "domain": ["neurology"],
            "model_family": ["diffusion"],
            "modality": ["3d-volume"],
            "contribution": ["knowledge-generation"],
        },
    ]
)


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    """`n` random studies: one to three terms per list column, years 1995-2026."""
    rng = np.random.default_rng(seed)

    def some(column: str, least: int = 1) -> list[list[str]]:
        keys = KEYS[column]
        sizes = rng.integers(least, 4, size=n)
        return [list(rng.choice(keys, size=k, replace=False)) for k in sizes]

    frame = pd.DataFrame(
        {
            "id": [f"study-{i}" for i in range(n)],
            "first_author": [f"Author {i}" for i in range(n)],
            "year": rng.integers(1995, 2027, size=n).astype(int),
            **{column: some(column) for column in LIST_COLUMNS if column != "limitation_themes"},
            "limitation_themes": some("limitation_themes", least=0),
        }
    )
    frame["added"] = pd.to_datetime(["2026-01-01"] * n)
    return frame


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return load_studies()


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return synthetic(10_000)


@pytest.fixture(params=["shipped", "small"])
def frame(request, shipped):
    return shipped if request.param == "shipped" else SMALL


# --- Independent counts: a loop over studies, a set per cell ------------------------------------


def count_terms(df: pd.DataFrame, column: str) -> Counter:
    counts = Counter()
    for cell in df[column]:
        counts.update(set(cell) & set(KEYS[column]))
    return counts


def count_pairs(df: pd.DataFrame, row_column: str, col_column: str) -> Counter:
    counts = Counter()
    for rows, cols in zip(df[row_column], df[col_column]):
        rows = [rows] if row_column == "year" else set(rows)
        counts.update(itertools.product(rows, set(cols)))
    return counts


def has(study, column: str, key) -> bool:
    return study.year == key if column == "year" else key in getattr(study, column)


def ids_in(df: pd.DataFrame, row_column: str, row_key, col_column: str, col_key) -> list[str]:
    return [
        study.id for study in df.itertuples() if has(study, row_column, row_key) and has(study, col_column, col_key)
    ]


def names_in(df: pd.DataFrame, ids: list[str]) -> list[str]:
    """How hover text names these studies: 'Author Year', escaped, in table order."""
    by_id = {study.id: html.escape(f"{study.first_author} {study.year}") for study in df.itertuples()}
    return [by_id[i] for i in ids]


def distinct(df: pd.DataFrame, column: str, key) -> int:
    """Studies coded with `key` in `column` (or published in year `key`), each counted once."""
    return sum(1 for study in df.itertuples() if has(study, column, key))


def opened(df: pd.DataFrame, query: str) -> list[str]:
    """The ids the studies page (and the explorer) shows for this query string."""
    return list(FilterState.from_query(query).apply(df)["id"])


# --- Reading figures back ----------------------------------------------------------------------


def bar_counts(fig: go.Figure) -> dict[str, int]:
    (bar,) = [trace for trace in fig.data if trace.type == "bar"]
    return dict(zip(bar.y, bar.x))


def listed(hover: str) -> list[str]:
    """The studies a hover text lists (its lines after the heading, the count and any breakdown)."""
    return [line for line in hover.split("<br>")[2:] if not line.startswith(("<i>", "\u2026"))]


def strings(node) -> list[str]:
    """Every string in a figure's JSON tree."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, (list, tuple)):
        return [s for value in node for s in strings(value)]
    if isinstance(node, np.ndarray):
        return strings(node.tolist())
    return []


def hover_texts(fig: go.Figure) -> list[str]:
    return [text for trace in fig.data for text in strings(trace.hovertext)]


# --- counts.py -----------------------------------------------------------------------------------


@pytest.mark.parametrize("column", LIST_COLUMNS)
def test_term_counts_cover_the_vocabulary_in_order(frame, column):
    counts = term_counts(frame, column)
    assert list(counts.index) == KEYS[column]
    expected = count_terms(frame, column)
    assert counts.to_dict() == {key: expected.get(key, 0) for key in KEYS[column]}


def test_a_term_repeated_in_a_cell_counts_once():
    assert term_counts(SMALL, "domain")["dermatology"] == 1
    assert term_counts(SMALL, "model_family")["gan"] == 2


def test_cross_counts_is_the_full_grid(frame):
    grid = cross_counts(frame, "domain", "model_family")
    assert list(grid.index) == KEYS["domain"] and list(grid.columns) == KEYS["model_family"]
    expected = count_pairs(frame, "domain", "model_family")
    for domain, family in itertools.product(KEYS["domain"], KEYS["model_family"]):
        assert grid.loc[domain, family] == expected.get((domain, family), 0)


def test_counts_ignore_the_frame_index(shipped):
    shuffled = shipped.sample(frac=1, random_state=3).set_index(pd.Index(["x"] * len(shipped)))
    assert term_counts(shuffled, "domain").equals(term_counts(shipped, "domain"))
    assert (
        cross_counts(shuffled, "domain", "model_family").loc["radiology", "gan"]
        == count_pairs(shipped, "domain", "model_family")[("radiology", "gan")]
    )


@pytest.mark.parametrize("name", list(FIGURES))
def test_figures_ignore_the_frame_index(shipped, name):
    # A filtered, reordered subset whose index labels repeat draws the same numbers and names.
    # At most MAX_LISTED studies, so no hover list is cut short and every drawn study is named.
    subset = shipped.iloc[::-2].iloc[:MAX_LISTED]
    relabelled = subset.set_index(pd.Index([0, 0] * (len(subset) // 2) + [1] * (len(subset) % 2)))
    original, repeated = FIGURES[name].make(subset), FIGURES[name].make(relabelled)
    assert repeated.to_plotly_json()["data"] == original.to_plotly_json()["data"]
    # A study appears in a figure when it is coded in every column the figure crosses: the
    # limitation themes are optional, and a study without one has no bar in that chart.
    drawn = subset if name != "limitations_by_family" else subset[subset["limitation_themes"].map(bool)]
    hover = "<br>".join(hover_texts(repeated)).split("<br>")
    names = set(names_in(subset, list(subset["id"])))
    assert set(names_in(subset, list(drawn["id"]))) <= set(hover)
    assert not (names - set(names_in(subset, list(drawn["id"])))) & set(hover)
    # Studies are named as readers cite them, never by internal id.
    assert not any(study_id in line for line in hover for study_id in subset["id"])


def test_year_counts_include_gap_years():
    grid = cross_counts(SMALL, "year", "model_family")
    assert list(grid.index) == [2021, 2022, 2023, 2024]
    assert grid.loc[2022].sum() == 0


def test_most_common_reports_every_tie():
    assert most_common(pd.Series({"a": 2, "b": 3, "c": 3})) == (["b", "c"], 3)
    assert most_common(pd.Series({"a": 0})) == ([], 0)


studies_strategy = st.lists(
    st.fixed_dictionaries(
        {
            column: st.lists(
                st.sampled_from(KEYS[column]), min_size=0 if column == "limitation_themes" else 1, max_size=4
            )
            for column in LIST_COLUMNS
        }
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(studies_strategy)
def test_counts_match_a_plain_loop_on_any_table(rows):
    df = table(rows)
    for column in LIST_COLUMNS:
        expected = count_terms(df, column)
        assert term_counts(df, column).to_dict() == {k: expected.get(k, 0) for k in KEYS[column]}
    grid = cross_counts(df, "modality", "contribution")
    expected = count_pairs(df, "modality", "contribution")
    assert int(grid.to_numpy().sum()) == sum(expected.values())
    assert all(grid.loc[m, c] == n for (m, c), n in expected.items())


# --- The figures draw the right numbers ------------------------------------------------------------


def test_registry_lists_six_figures_in_display_order():
    assert list(FIGURES) == [
        "domain_bar",
        "family_bar",
        "gap_map",
        "modality_contribution",
        "limitations_by_family",
        "timeline",
    ]
    for name, spec in FIGURES.items():
        assert spec.name == name and spec.title and callable(spec.make) and callable(spec.caption)


@pytest.mark.parametrize("column,name", [("domain", "domain_bar"), ("model_family", "family_bar")])
def test_bars_count_studies_per_term(frame, column, name):
    fig = FIGURES[name].make(frame)
    expected = count_terms(frame, column)
    assert bar_counts(fig) == {label(column, k): expected.get(k, 0) for k in KEYS[column]}
    values = list(fig.data[0].x)
    assert values == sorted(values, reverse=True), "bars are sorted, largest first"
    assert list(fig.data[0].text) == [f"{v:,}" for v in values], "each bar is labelled with its count"
    # Each bar names its studies and opens exactly them on the studies page.
    for shown, n, hover, query in zip(fig.data[0].y, values, fig.data[0].hovertext, fig.data[0].customdata):
        key = key_of(column, shown)
        ids = [study.id for study in frame.itertuples() if key in getattr(study, column)]
        assert listed(hover) == names_in(frame, ids)
        assert (opened(frame, query) == ids) if n else query == ""


@pytest.mark.parametrize(
    "name,column,ranked",
    [("limitations_by_family", "limitation_themes", True), ("timeline", "year", False)],
)
def test_bars_of_family_figures_count_each_study_once(frame, name, column, ranked):
    """A study with several model families is one study in its bar (issue #11: the timeline
    showed 7 studies in a year of 3); the family breakdown is the matrix beside the bars."""
    fig = FIGURES[name].make(frame)
    bar, matrix = fig.data
    assert (bar.type, matrix.type) == ("bar", "heatmap")
    assert fig.layout.xaxis.title.text == "Number of studies"
    categories = KEYS[column] if column != "year" else list(range(frame["year"].min(), frame["year"].max() + 1))
    shown = {str(c) if column == "year" else label(column, c): c for c in categories}
    assert sorted(bar.y) == sorted(shown), "one bar per category, gaps (0) included"
    for category, n, hover, query in zip(bar.y, bar.x, bar.hovertext, bar.customdata):
        key = shown[category]
        assert n == distinct(frame, column, key), category
        ids = [study.id for study in frame.itertuples() if has(study, column, key)]
        assert listed(hover) == names_in(frame, ids)
        assert (opened(frame, query) == ids) if n else query == ""
    if column == "year":
        assert sum(bar.x) == len(frame), "every study in exactly one year"
        assert list(bar.y) == [str(c) for c in categories], "years in order"
    if ranked:
        assert list(bar.x) == sorted(bar.x, reverse=True)
    # The matrix: the same rows, one column per model family, cells counting studies with both.
    assert list(matrix.y) == list(bar.y)
    assert list(matrix.x) == [label("model_family", k) for k in KEYS["model_family"]]
    z = np.asarray(matrix.z)
    for i, category in enumerate(matrix.y):
        for j, family in enumerate(KEYS["model_family"]):
            ids = ids_in(frame, column, shown[category], "model_family", family)
            assert z[i, j] == len(ids), (category, family)
            assert (opened(frame, matrix.customdata[i][j]) == ids) if ids else matrix.customdata[i][j] == ""
        # A row's cells may add up to more than its bar (several families), never to less.
        assert z[i].sum() >= list(bar.x)[i]


def test_family_bar_uses_the_family_colours(frame):
    bar = FIGURES["family_bar"].make(frame).data[0]
    colours = family_colours()
    assert list(bar.marker.color) == [colours[key_of("model_family", shown)] for shown in bar.y]


@pytest.mark.parametrize(
    "name,rows,cols", [("gap_map", "domain", "model_family"), ("modality_contribution", "modality", "contribution")]
)
def test_matrices_have_one_cell_per_vocabulary_pair(frame, name, rows, cols):
    (heatmap,) = FIGURES[name].make(frame).data
    assert list(heatmap.y) == [label(rows, k) for k in KEYS[rows]]
    assert list(heatmap.x) == [label(cols, k) for k in KEYS[cols]]
    z = np.asarray(heatmap.z)
    assert z.shape == (len(KEYS[rows]), len(KEYS[cols]))
    expected = count_pairs(frame, rows, cols)
    for (i, r), (j, c) in itertools.product(enumerate(KEYS[rows]), enumerate(KEYS[cols])):
        n = expected.get((r, c), 0)
        assert z[i, j] == n, (r, c)
        # An empty cell shows a dash, not a 0; a filled one shows its count.
        assert heatmap.text[i][j] == (str(n) if n else "\u2014")
        ids = ids_in(frame, rows, r, cols, c)
        assert listed(heatmap.hovertext[i][j]) == names_in(frame, ids)
        query = heatmap.customdata[i][j]
        assert (opened(frame, query) == ids) if n else query == ""


def test_gap_map_empty_cells_are_visibly_empty():
    heatmap = FIGURES["gap_map"].make(SMALL).data[0]
    z = np.asarray(heatmap.z)
    assert (z == 0).any()
    # The colour at 0 must differ from the colour of the lowest real count (1).
    scale = heatmap.colorscale
    at_zero = scale[0][1]
    cut = next(stop for stop, colour in scale if colour != at_zero)
    assert 0 < cut * heatmap.zmax < 1


def test_timeline_shows_every_year_in_range():
    fig = FIGURES["timeline"].make(SMALL)
    assert all(list(trace.y) == ["2021", "2022", "2023", "2024"] for trace in fig.data)
    assert list(fig.data[0].x) == [1, 0, 2, 1]


# --- Any subset draws ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FIGURES))
def test_no_studies_draws_an_empty_chart_with_a_message(shipped, name):
    fig = FIGURES[name].make(shipped.iloc[:0])
    assert not any(len(strings(trace.hovertext)) for trace in fig.data)
    assert [a.text for a in fig.layout.annotations] == ["No studies match"]
    assert (fig.layout.annotations[0].x, fig.layout.annotations[0].y) == (0.5, 0.5)
    assert fig.layout.title.text == FIGURES[name].title
    fig.to_json()
    assert "No studies match" in FIGURES[name].caption(shipped.iloc[:0])


@pytest.mark.parametrize("name", list(FIGURES))
def test_one_study_draws(shipped, name):
    one = shipped[shipped["limitation_themes"].map(bool)].iloc[[0]]
    fig = FIGURES[name].make(one)
    assert fig.to_json()
    assert not fig.layout.annotations, "this study is coded in every column, so every figure has data"
    texts = hover_texts(fig)
    assert any(names_in(one, [one.iloc[0]["id"]])[0] in text.split("<br>") for text in texts)


def test_ten_thousand_studies_draw_quickly(large):
    started = time.perf_counter()
    figures = {name: spec.make(large) for name, spec in FIGURES.items()}
    captions = {name: spec.caption(large) for name, spec in FIGURES.items()}
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"six figures and captions for 10,000 studies took {elapsed:.1f} s"
    for fig in figures.values():
        fig.to_json()
    assert all(captions.values())
    heatmap = figures["gap_map"].data[0]
    expected = count_pairs(large, "domain", "model_family")
    z = np.asarray(heatmap.z)
    assert z.sum() == sum(expected.values())
    assert z[0, 0] == expected[(KEYS["domain"][0], KEYS["model_family"][0])]


def test_long_hover_lists_are_cut_short(large):
    heatmap = FIGURES["gap_map"].make(large).data[0]
    n = int(heatmap.z[0][0])
    assert n > MAX_LISTED
    hover = heatmap.hovertext[0][0]
    assert len(listed(hover)) == MAX_LISTED
    assert hover.endswith(f"\u2026 and {n - MAX_LISTED:,} more")


# --- Text from the data is shown, never interpreted ----------------------------------------------


@pytest.mark.parametrize("name", list(FIGURES))
def test_hostile_text_is_escaped(name):
    df = table(
        [
            {"id": "x-2024", "first_author": HOSTILE, "limitation_themes": ["compute"]},
            {"id": "<b>bold</b>", "first_author": 'O\'Brien & "Sons" <b>bold</b>', "limitation_themes": ["compute"]},
        ]
    )
    fig = FIGURES[name].make(df)
    everything = strings(fig.to_plotly_json())
    assert not any("<img" in s or "<b>bold" in s for s in everything)
    hovers = hover_texts(fig)
    assert any(html.escape(HOSTILE) in text for text in hovers)
    assert any("&lt;b&gt;bold&lt;/b&gt;" in text for text in hovers)
    # plotly.js decodes &amp; &lt; &gt; and numeric entities, but shows &quot; as typed.
    assert not any("&quot;" in s for s in everything)
    assert any("O&#x27;Brien &amp; &#34;Sons&#34;" in text for text in hovers)


# --- Captions state the numbers --------------------------------------------------------------------


def top(counter: Counter, keys) -> tuple[list, int]:
    n = max((counter.get(k, 0) for k in keys), default=0)
    return [k for k in keys if counter.get(k, 0) == n], n


@pytest.mark.parametrize(
    "column,name",
    [("domain", "domain_bar"), ("model_family", "family_bar"), ("limitation_themes", "limitations_by_family")],
)
def test_term_captions_name_the_most_common_term(frame, column, name):
    caption = FIGURES[name].caption(frame)
    keys, n = top(count_terms(frame, column), KEYS[column])
    if len(keys) <= MAX_NAMED:
        assert all(VOCABULARY[column].terms[key].label in caption for key in keys)
    else:
        assert f"{len(keys)} {VOCABULARY[column].label.lower()}" in caption
    assert f"({n} of {len(frame)} stud" in caption


def test_family_caption_counts_multi_family_studies(frame):
    several = sum(len(set(cell)) > 1 for cell in frame["model_family"])
    caption = FIGURES["family_bar"].caption(frame)
    assert f"{several} of {len(frame)} stud" in caption if several else "No study uses more than one" in caption


def test_limitations_caption_counts_studies_without_a_theme(frame):
    without = sum(not cell for cell in frame["limitation_themes"])
    assert 0 < without < len(frame), "the test tables have studies with and without themes"
    noun = "study has" if without == 1 else "studies have"
    assert f"{without} {noun} no coded limitation theme" in FIGURES["limitations_by_family"].caption(frame)


@pytest.mark.parametrize("n", [1, 2])
def test_no_limitation_themes_at_all(n):
    df = table([{"limitation_themes": []}] * n)
    caption = FIGURES["limitations_by_family"].caption(df)
    fig = FIGURES["limitations_by_family"].make(df)
    assert "coded limitation theme" in caption and " no no " not in caption
    assert ("The one study has no" in caption) if n == 1 else (f"None of the {n} studies has a" in caption)
    assert len(fig.data) == 0 and fig.layout.annotations[0].text == caption.rstrip(".")


@pytest.mark.parametrize(
    "name,rows,cols", [("gap_map", "domain", "model_family"), ("modality_contribution", "modality", "contribution")]
)
def test_matrix_captions_count_filled_and_empty_cells(frame, name, rows, cols):
    expected = count_pairs(frame, rows, cols)
    cells = len(KEYS[rows]) * len(KEYS[cols])
    filled = sum(1 for n in expected.values() if n)
    caption = FIGURES[name].caption(frame)
    assert f"{filled} of {cells} " in caption and f"{cells - filled} are empty" in caption
    best = max(expected.values())
    leaders = [pair for pair, n in expected.items() if n == best]
    for (r, c), n in expected.items():
        pairing = f"{VOCABULARY[rows].terms[r].label} with {VOCABULARY[cols].terms[c].label}"
        assert (pairing in caption) == (n == best and len(leaders) <= MAX_NAMED), pairing
    if len(leaders) > MAX_NAMED:
        assert f"{len(leaders)} pairings tie" in caption
    assert f"({best} stud" in caption


def test_timeline_caption_gives_the_range_and_busiest_year(frame):
    per_year = Counter(frame["year"])
    busiest = max(per_year.values())
    caption = FIGURES["timeline"].caption(frame)
    assert f"from {min(per_year)} to {max(per_year)}" in caption
    assert all(str(y) in caption for y, n in per_year.items() if n == busiest)
    assert f"({busiest} stud" in caption


def test_captions_on_the_shipped_table_read_as_expected(shipped):
    # A plain cross-check on the real data, numbers recounted from the study list.
    leaders, n = top(count_terms(shipped, "domain"), KEYS["domain"])
    caption = FIGURES["domain_bar"].caption(shipped)
    if len(leaders) == 1:
        label = VOCABULARY["domain"].terms[leaders[0]].label
        assert caption.startswith(f"{label} is the most common clinical domain ({n} of {len(shipped)} studies)")
    else:
        assert f"({n} of {len(shipped)} studies each)" in caption


def test_more_than_eight_families_stay_apart():
    """Families beyond the eight colours are told apart by hatching, in every family figure."""
    df = table([{"model_family": [family], "limitation_themes": ["compute"]} for family in KEYS["model_family"]])
    assert len(KEYS["model_family"]) > 8
    bar = FIGURES["family_bar"].make(df).data[0]
    styles = set(zip(bar.marker.color, bar.marker.pattern.shape))
    assert len(styles) == len(KEYS["model_family"])
    for name, axis in (("gap_map", "xaxis"), ("limitations_by_family", "xaxis2"), ("timeline", "xaxis2")):
        ticks = FIGURES[name].make(df).layout[axis].ticktext
        assert len(set(ticks)) == len(KEYS["model_family"]), name
        assert len({tick.split("</span>")[0] for tick in ticks}) == len(KEYS["model_family"]), "colour and glyph differ"


# --- Titles, axis titles, look -------------------------------------------------------------------

FACETS_SHOWN = {
    "domain_bar": ["domain"],
    "family_bar": ["model_family"],
    "gap_map": ["domain", "model_family"],
    "modality_contribution": ["modality", "contribution"],
    "limitations_by_family": ["limitation_themes", "model_family"],
    "timeline": ["model_family"],
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_titles_and_axis_titles_are_plain_words(shipped, name):
    fig = FIGURES[name].make(shipped)
    assert fig.layout.title.text == FIGURES[name].title
    axis_titles = [fig.layout.xaxis.title.text, fig.layout.yaxis.title.text]
    if "xaxis2" in fig.layout and fig.layout["xaxis2"].title.text:
        axis_titles.append(fig.layout["xaxis2"].title.text)
    legend_title = fig.layout.legend.title.text if fig.layout.showlegend else None
    names = set(shipped.columns) | {k for keys in KEYS.values() for k in keys}
    for text in axis_titles + [legend_title]:
        if text is None:
            continue
        assert text.strip() and text not in names and "_" not in text
    shown = set(axis_titles) | {legend_title}
    assert {VOCABULARY[column].label for column in FACETS_SHOWN[name]} <= shown


@pytest.mark.parametrize("name", list(FIGURES))
def test_publication_look(shipped, name):
    fig = FIGURES[name].make(shipped)
    style = fig.layout.template.layout
    assert style.plot_bgcolor == style.paper_bgcolor == "white"
    assert "sans-serif" in style.font.family
    # Fixed height, width left to the page.
    assert isinstance(fig.layout.height, int) and fig.layout.width is None
    # Hover shows our (escaped) text only, never plotly's default dump of trace fields.
    assert all(trace.hoverinfo == "text" for trace in fig.data)
    assert PLOTLY_CONFIG["displaylogo"] is False
    # Nothing to zoom or pan (a drag on a phone scrolls the page); the modebar only downloads.
    assert style.dragmode is False and style.xaxis.fixedrange and style.yaxis.fixedrange
    assert PLOTLY_CONFIG["modeBarButtons"] == [["toImage"]]
    fig.to_json()


# --- Variants: a phone's box and the dark theme -----------------------------------------------


def applied(fig: go.Figure, *variants: dict) -> go.Figure:
    """The figure with the variants merged in, through plotly.py's validation (a wrong property
    name or value raises), as assets/figures.js merges them."""
    out = go.Figure(fig)
    for variant in variants:
        out.update_layout(variant["layout"])
        assert len(variant["data"]) == len(out.data)
        for trace, patch in zip(out.data, variant["data"]):
            trace.update(patch)
    return out


@pytest.mark.parametrize("name", list(FIGURES))
@pytest.mark.parametrize("rows", ["shipped", "none", "large"])
def test_variants_are_valid_figures(shipped, large, name, rows):
    df = {"shipped": shipped, "none": shipped.iloc[:0], "large": large}[rows]
    fig = FIGURES[name].make(df)
    phone, dark = phone_variant(fig), dark_variant(fig)
    assert phone["max_width"] == PHONE_MAX_WIDTH
    both = applied(fig, phone, dark)
    both.to_json()
    # The phone's title and subtitle are wrapped to fit a narrow box, the labels kept whole.
    for text, width in (
        (both.layout.title.text, PHONE_TITLE_CHARS),
        (both.layout.title.subtitle.text, PHONE_SUBTITLE_CHARS),
    ):
        assert all(len(html.unescape(line)) <= width for line in text.split("<br>") if " " in line), text
        assert text.replace("<br>", " ") == (
            fig.layout.title.text if width == PHONE_TITLE_CHARS else fig.layout.title.subtitle.text
        )
    if fig.data:
        assert both.layout.height >= 200 and both.layout.margin.l <= 8 and both.layout.margin.r <= 8


def colours_in(node) -> set[str]:
    found = set()
    for text in strings(node):
        found.update(c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b|\bwhite\b", text))
    return found


@pytest.mark.parametrize("name", list(FIGURES))
def test_dark_variant_leaves_no_light_theme_colour(shipped, name):
    fig = FIGURES[name].make(shipped)
    dark = applied(fig, dark_variant(fig))
    light_only = {c.lower() for c in (LIGHT.ink, LIGHT.muted, LIGHT.grid, LIGHT.empty, LIGHT.neutral, *LIGHT.scale)}
    light_only -= {c.lower() for c in family_colours().values()}
    everything = dark.to_plotly_json()
    everything["layout"].pop("template", None)  # the light template stays underneath, overridden
    assert not colours_in(everything) & light_only
    assert dark.layout.paper_bgcolor == DARK.paper and dark.layout.font.color == DARK.ink


def test_bars_and_matrix_on_a_phone_put_the_count_in_each_label(shipped):
    fig = FIGURES["limitations_by_family"].make(shipped)
    phone = applied(fig, phone_variant(fig))
    bar, matrix = phone.data
    assert bar.visible is False and list(phone.layout.xaxis2.domain) == [0, 1]
    for value, text, n in zip(phone.layout.yaxis.tickvals, phone.layout.yaxis.ticktext, fig.data[0].x):
        assert text.replace("<br>", " ") == f"{value} ({n})"


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_every_cell_count_reads_at_four_and_a_half_to_one(palette):
    """A cell's count is written in the theme's ink on a colour between the scale's two ends
    (each channel runs one way, so its luminance lies between theirs) or on the empty colour."""
    for cell in (*palette.scale, palette.empty):
        assert contrast(palette.ink, cell) >= 4.5, (palette.ink, cell)
    # Bars and text on the page: the ink, the muted grey and the bars read on the background.
    page = "#ffffff" if palette is LIGHT else "#121212"
    assert contrast(palette.ink, page) >= 4.5 and contrast(palette.muted, page) >= 4.5
    assert contrast(palette.neutral, page) >= 3  # a graphical object (WCAG 1.4.11)
    # Empty cells stay apart from cells with one study: no count must not look like a low one.
    assert palette.empty != palette.scale[0]


@pytest.mark.parametrize(
    "text,width,expected",
    [
        ("Health-service management", 16, "Health-service<br>management"),
        ("Vision-language / multimodal", 16, "Vision-language<br>/ multimodal"),
        (
            '<span style="color:#0072B2">\u25a0</span> Other ML',
            16,
            '<span style="color:#0072B2">\u25a0</span> Other ML',
        ),
        ("O&#x27;Brien &amp; Sons", 8, "O&#x27;Brien<br>&amp; Sons"),
        ("", 10, ""),
    ],
)
def test_wrap_label(text, width, expected):
    assert wrap_label(text, width) == expected
