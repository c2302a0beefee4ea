"""The six charts (livingreview.charts.model) and the counts behind them, and the figure
plotly.js draws of each (livingreview.charts.plotly_figure).

Expected numbers are recomputed here the slow, obvious way (a loop over studies, a set per cell)
and compared with what each chart holds, on the shipped table and on small made-up tables: every
bar on a "Number of studies" axis is a count of distinct studies, every cell the studies coded
with both of its terms, every bar and cell names its studies as "Author Year" and opens the
studies page filtered to exactly them. Then the plotly.js figure: text escaped, the look, and its
phone and dark variants exactly what the renderer draws for them.
"""

from __future__ import annotations

import html
import itertools
import json
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
from livingreview.charts.captions import MAX_NAMED
from livingreview.charts.model import CHARTS, MAX_LISTED, NO_MATCH, VALUE_TITLE, Chart
from livingreview.charts.plotly_figure import (
    PLOTLY_CONFIG,
    VARIANTS,
    apply_patch,
    merge,
    merge_patch,
    plotly_figure,
    variants,
)
from livingreview.charts.style import (
    DARK,
    LIGHT,
    PHONE_SIZES,
    cell_colour,
    geometry,
    text_width,
    wrap,
)
from livingreview.data.counts import cross_counts, most_common, term_counts
from livingreview.data.filters import FilterState
from livingreview.data.vocabulary import family_colours

VOCABULARY = load_vocabulary()
KEYS = {column: list(facet.terms) for column, facet in VOCABULARY.items()}
HOSTILE = "<img src=x onerror=alert(1)>"


def label(column: str, key: str) -> str:
    """A term's display label, as a chart holds it (plain text)."""
    return VOCABULARY[column].terms[key].label


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
    """How a chart names these studies: 'Author Year', in table order (at most MAX_LISTED)."""
    by_id = {study.id: f"{study.first_author} {study.year}" for study in df.itertuples()}
    return [by_id[i] for i in ids][:MAX_LISTED]


def distinct(df: pd.DataFrame, column: str, key) -> int:
    """Studies coded with `key` in `column` (or published in year `key`), each counted once."""
    return sum(1 for study in df.itertuples() if has(study, column, key))


def opened(df: pd.DataFrame, query: str) -> list[str]:
    """The ids the studies page (and the explorer) shows for this query string."""
    return list(FilterState.from_query(query).apply(df)["id"])


# --- Reading charts -------------------------------------------------------------------------------


def build(name: str, df: pd.DataFrame) -> Chart:
    return CHARTS[name].build(df)


def bar_counts(chart: Chart) -> dict[str, int]:
    return {row.label: group.count for row, group in zip(chart.rows, chart.bars)}


def groups(chart: Chart):
    """Every bar and cell of a chart."""
    yield from chart.bars or ()
    for row in chart.matrix.cells if chart.matrix else ():
        yield from row


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


def hover_texts(figure: dict) -> list[str]:
    return [text for trace in figure["data"] for text in strings(trace.get("hovertext"))]


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


# --- The charts hold the right numbers ----------------------------------------------------------


def test_registry_lists_six_charts_in_display_order():
    assert list(CHARTS) == [
        "domain_bar",
        "family_bar",
        "gap_map",
        "modality_contribution",
        "limitations_by_family",
        "timeline",
    ]
    for name, spec in CHARTS.items():
        assert spec.name == name and spec.title and callable(spec.build)
        chart = spec.build(load_studies())
        assert (chart.name, chart.title) == (name, spec.title) and chart.caption


@pytest.mark.parametrize("name", list(CHARTS))
def test_charts_ignore_the_frame_index(shipped, name):
    # A filtered, reordered subset whose index labels repeat draws the same numbers and names.
    # At most MAX_LISTED studies, so every group names all its studies.
    subset = shipped.iloc[::-2].iloc[:MAX_LISTED]
    relabelled = subset.set_index(pd.Index([0, 0] * (len(subset) // 2) + [1] * (len(subset) % 2)))
    original, repeated = build(name, subset), build(name, relabelled)
    assert repeated == original
    # A study appears in a chart when it is coded in every column the chart crosses: the
    # limitation themes are optional, and a study without one has no bar in that chart.
    drawn = subset if name != "limitations_by_family" else subset[subset["limitation_themes"].map(bool)]
    named = {study for group in groups(repeated) for study in group.names}
    assert named == set(names_in(subset, list(drawn["id"])))
    # Studies are named as readers cite them, never by internal id.
    assert not named & set(subset["id"])


@pytest.mark.parametrize("column,name", [("domain", "domain_bar"), ("model_family", "family_bar")])
def test_bars_count_studies_per_term(frame, column, name):
    chart = build(name, frame)
    expected = count_terms(frame, column)
    assert bar_counts(chart) == {label(column, k): expected.get(k, 0) for k in KEYS[column]}
    values = [group.count for group in chart.bars]
    assert values == sorted(values, reverse=True), "bars are sorted, largest first"
    assert chart.matrix is None and chart.row_title == VOCABULARY[column].label
    # Each bar names its studies and opens exactly them on the studies page.
    for row, group in zip(chart.rows, chart.bars):
        assert row.key == key_of(column, row.label)
        ids = [study.id for study in frame.itertuples() if row.key in getattr(study, column)]
        assert list(group.names) == names_in(frame, ids)
        assert (opened(frame, group.query) == ids) if group.count else group.query == ""


@pytest.mark.parametrize(
    "name,column,ranked",
    [("limitations_by_family", "limitation_themes", True), ("timeline", "year", False)],
)
def test_bars_of_family_charts_count_each_study_once(frame, name, column, ranked):
    """A study with several model families is one study in its bar (issue #11: the timeline
    showed 7 studies in a year of 3); the family breakdown is the matrix beside the bars."""
    chart = build(name, frame)
    assert chart.bars is not None and chart.matrix is not None
    categories = KEYS[column] if column != "year" else list(range(frame["year"].min(), frame["year"].max() + 1))
    assert sorted(row.key for row in chart.rows) == sorted(categories), "one bar per category, gaps (0) included"
    for row, group in zip(chart.rows, chart.bars):
        assert group.count == distinct(frame, column, row.key), row
        ids = [study.id for study in frame.itertuples() if has(study, column, row.key)]
        assert list(group.names) == names_in(frame, ids)
        assert (opened(frame, group.query) == ids) if group.count else group.query == ""
    counts = [group.count for group in chart.bars]
    if column == "year":
        assert sum(counts) == len(frame), "every study in exactly one year"
        assert [row.label for row in chart.rows] == [str(c) for c in categories], "years in order"
    if ranked:
        assert counts == sorted(counts, reverse=True)
    # The matrix: the same rows, one column per model family, cells counting studies with both.
    assert [c.key for c in chart.matrix.columns] == KEYS["model_family"]
    for row, group, cells in zip(chart.rows, chart.bars, chart.matrix.cells):
        for column_, cell in zip(chart.matrix.columns, cells):
            ids = ids_in(frame, column, row.key, "model_family", column_.key)
            assert cell.count == len(ids), (row, column_)
            assert (opened(frame, cell.query) == ids) if ids else cell.query == ""
        # A row's cells may add up to more than its bar (several families), never to less.
        assert sum(cell.count for cell in cells) >= group.count


def test_family_bars_and_columns_carry_the_family_swatches(frame):
    colours = family_colours()
    chart = build("family_bar", frame)
    assert [row.swatch.colour for row in chart.rows] == [colours[row.key] for row in chart.rows]
    for name in ("gap_map", "limitations_by_family", "timeline"):
        assert [c.swatch.colour for c in build(name, frame).matrix.columns] == [
            colours[k] for k in KEYS["model_family"]
        ]
    assert all(row.swatch is None for row in build("domain_bar", frame).rows)


@pytest.mark.parametrize(
    "name,rows,cols", [("gap_map", "domain", "model_family"), ("modality_contribution", "modality", "contribution")]
)
def test_matrices_have_one_cell_per_vocabulary_pair(frame, name, rows, cols):
    chart = build(name, frame)
    assert [row.key for row in chart.rows] == KEYS[rows]
    assert [column.key for column in chart.matrix.columns] == KEYS[cols]
    assert [column.label for column in chart.matrix.columns] == [label(cols, k) for k in KEYS[cols]]
    expected = count_pairs(frame, rows, cols)
    for (i, r), (j, c) in itertools.product(enumerate(KEYS[rows]), enumerate(KEYS[cols])):
        cell = chart.matrix.cells[i][j]
        n = expected.get((r, c), 0)
        assert cell.count == n, (r, c)
        ids = ids_in(frame, rows, r, cols, c)
        assert list(cell.names) == names_in(frame, ids)
        assert (opened(frame, cell.query) == ids) if n else cell.query == ""
    # plotly.js's figure: an empty cell shows a dash, not a 0; a filled one shows its count.
    (heatmap,) = plotly_figure(chart)["data"]
    assert heatmap["text"] == [[f"{c.count:,}" if c.count else "\u2014" for c in row] for row in chart.matrix.cells]


def test_gap_map_empty_cells_are_visibly_empty():
    chart = build("gap_map", SMALL)
    assert any(cell.count == 0 for row in chart.matrix.cells for cell in row)
    largest = max(cell.count for row in chart.matrix.cells for cell in row)
    for palette in (LIGHT, DARK):
        # The colour at 0 differs from the colour of the lowest real count (1), in both drawings.
        assert cell_colour(palette, 0, largest) != cell_colour(palette, 1, largest)
    heatmap = plotly_figure(chart)["data"][0]
    at_zero = heatmap["colorscale"][0][1]
    cut = next(stop for stop, colour in heatmap["colorscale"] if colour != at_zero)
    assert 0 < cut * heatmap["zmax"] < 1


def test_timeline_shows_every_year_in_range():
    chart = build("timeline", SMALL)
    assert [row.label for row in chart.rows] == ["2021", "2022", "2023", "2024"]
    assert [group.count for group in chart.bars] == [1, 0, 2, 1]


# --- Any subset draws ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_studies_draws_an_empty_chart_with_a_message(shipped, name):
    chart = build(name, shipped.iloc[:0])
    assert chart.empty and chart.message == NO_MATCH and chart.title == CHARTS[name].title
    assert not any(group.count for group in groups(chart))
    figure = plotly_figure(chart)
    assert not hover_texts(figure)
    assert [(a["text"], a["x"], a["y"]) for a in figure["layout"]["annotations"]] == [(NO_MATCH, 0.5, 0.5)]
    assert "No studies match" in chart.caption


@pytest.mark.parametrize("name", list(CHARTS))
def test_one_study_draws(shipped, name):
    one = shipped[shipped["limitation_themes"].map(bool)].iloc[[0]]
    chart = build(name, one)
    assert not chart.empty, "this study is coded in every column, so every chart has data"
    assert {study for group in groups(chart) for study in group.names} == set(names_in(one, [one.iloc[0]["id"]]))
    go.Figure(plotly_figure(chart))


def test_ten_thousand_studies_draw_quickly(large):
    from livingreview.charts.svg import chart_svgs
    from livingreview.charts.table import chart_table_html

    started = time.perf_counter()
    charts = {name: spec.build(large) for name, spec in CHARTS.items()}
    for chart in charts.values():
        json.dumps(plotly_figure(chart))
        variants(chart)
        chart_svgs(chart, href="studies.html", key=chart.name)
        chart_table_html(chart, "studies.html")
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"six charts, drawn three ways, for 10,000 studies took {elapsed:.1f} s"
    assert all(chart.caption for chart in charts.values())
    cells = charts["gap_map"].matrix.cells
    expected = count_pairs(large, "domain", "model_family")
    assert sum(cell.count for row in cells for cell in row) == sum(expected.values())
    assert cells[0][0].count == expected[(KEYS["domain"][0], KEYS["model_family"][0])]


def test_long_lists_of_studies_are_cut_short(large):
    chart = build("gap_map", large)
    cell = chart.matrix.cells[0][0]
    assert cell.count > MAX_LISTED
    assert len(cell.names) == MAX_LISTED and cell.more == cell.count - MAX_LISTED
    hover = plotly_figure(chart)["data"][0]["hovertext"][0][0]
    assert len(hover.split("<br>")[2:-1]) == MAX_LISTED
    assert hover.endswith(f"\u2026 and {cell.count - MAX_LISTED:,} more")


# --- Text from the data is shown, never interpreted ----------------------------------------------


@pytest.mark.parametrize("name", list(CHARTS))
def test_hostile_text_reaches_plotly_escaped(name):
    df = table(
        [
            {"id": "x-2024", "first_author": HOSTILE, "limitation_themes": ["compute"]},
            {"id": "<b>bold</b>", "first_author": 'O\'Brien & "Sons" <b>bold</b>', "limitation_themes": ["compute"]},
        ]
    )
    chart = build(name, df)
    # The chart holds the text as it is; the plotly renderer escapes it.
    assert any(HOSTILE in group.names[0] for group in groups(chart) if group.names)
    figure = plotly_figure(chart)
    everything = strings(figure)
    assert not any("<img" in s or "<b>bold" in s for s in everything)
    hovers = hover_texts(figure)
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
    caption = build(name, frame).caption
    keys, n = top(count_terms(frame, column), KEYS[column])
    if len(keys) <= MAX_NAMED:
        assert all(VOCABULARY[column].terms[key].label in caption for key in keys)
    else:
        assert f"{len(keys)} {VOCABULARY[column].label.lower()}" in caption
    assert f"({n} of {len(frame)} stud" in caption


def test_family_caption_counts_multi_family_studies(frame):
    several = sum(len(set(cell)) > 1 for cell in frame["model_family"])
    caption = build("family_bar", frame).caption
    assert f"{several} of {len(frame)} stud" in caption if several else "No study uses more than one" in caption


def test_limitations_caption_counts_studies_without_a_theme(frame):
    without = sum(not cell for cell in frame["limitation_themes"])
    assert 0 < without < len(frame), "the test tables have studies with and without themes"
    noun = "study has" if without == 1 else "studies have"
    assert f"{without} {noun} no coded limitation theme" in build("limitations_by_family", frame).caption


@pytest.mark.parametrize("n", [1, 2])
def test_no_limitation_themes_at_all(n):
    chart = build("limitations_by_family", table([{"limitation_themes": []}] * n))
    caption = chart.caption
    assert "coded limitation theme" in caption and " no no " not in caption
    assert ("The one study has no" in caption) if n == 1 else (f"None of the {n} studies has a" in caption)
    assert chart.empty and chart.message == caption.rstrip(".")
    assert plotly_figure(chart)["data"] == []


@pytest.mark.parametrize(
    "name,rows,cols", [("gap_map", "domain", "model_family"), ("modality_contribution", "modality", "contribution")]
)
def test_matrix_captions_count_filled_and_empty_cells(frame, name, rows, cols):
    expected = count_pairs(frame, rows, cols)
    cells = len(KEYS[rows]) * len(KEYS[cols])
    filled = sum(1 for n in expected.values() if n)
    caption = build(name, frame).caption
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
    caption = build("timeline", frame).caption
    assert f"from {min(per_year)} to {max(per_year)}" in caption
    assert all(str(y) in caption for y, n in per_year.items() if n == busiest)
    assert f"({busiest} stud" in caption


def test_captions_on_the_shipped_table_read_as_expected(shipped):
    # A plain cross-check on the real data, numbers recounted from the study list.
    leaders, n = top(count_terms(shipped, "domain"), KEYS["domain"])
    caption = build("domain_bar", shipped).caption
    if len(leaders) == 1:
        label = VOCABULARY["domain"].terms[leaders[0]].label
        assert caption.startswith(f"{label} is the most common clinical domain ({n} of {len(shipped)} studies)")
    else:
        assert f"({n} of {len(shipped)} studies each)" in caption


def test_more_than_eight_families_stay_apart():
    """Families beyond the eight colours are told apart by hatching, in every family chart."""
    df = table([{"model_family": [family], "limitation_themes": ["compute"]} for family in KEYS["model_family"]])
    assert len(KEYS["model_family"]) > 8
    rows = build("family_bar", df).rows
    assert len({(row.swatch.colour, row.swatch.pattern) for row in rows}) == len(KEYS["model_family"])
    bar = plotly_figure(build("family_bar", df))["data"][0]
    assert len(set(zip(bar["marker"]["color"], bar["marker"]["pattern"]["shape"]))) == len(KEYS["model_family"])
    for name, axis in (("gap_map", "xaxis"), ("limitations_by_family", "xaxis2"), ("timeline", "xaxis2")):
        ticks = plotly_figure(build(name, df))["layout"][axis]["ticktext"]
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


@pytest.mark.parametrize("name", list(CHARTS))
def test_titles_and_axis_titles_are_plain_words(shipped, name):
    chart = build(name, shipped)
    layout = plotly_figure(chart)["layout"]
    assert layout["title"]["text"] == chart.title == CHARTS[name].title
    axis_titles = [layout[axis]["title"]["text"] for axis in ("xaxis", "yaxis", "xaxis2") if axis in layout]
    names = set(shipped.columns) | {k for keys in KEYS.values() for k in keys}
    for text in axis_titles:
        assert text.strip() and text not in names and "_" not in text
    assert {VOCABULARY[column].label for column in FACETS_SHOWN[name]} <= set(axis_titles)
    assert (VALUE_TITLE in axis_titles) == (chart.bars is not None)


@pytest.mark.parametrize("name", list(CHARTS))
def test_publication_look(shipped, name):
    figure = plotly_figure(build(name, shipped))
    layout = figure["layout"]
    assert layout["plot_bgcolor"] == layout["paper_bgcolor"] == "white"
    assert "sans-serif" in layout["font"]["family"]
    # Fixed height, width left to the page; every margin stated, none left to plotly.js.
    assert isinstance(layout["height"], int) and "width" not in layout
    assert layout["margin"]["autoexpand"] is False
    assert all(layout[axis]["automargin"] is False for axis in ("xaxis", "yaxis", "xaxis2") if axis in layout)
    # Hover shows our (escaped) text only, never plotly's default dump of trace fields.
    assert all(trace["hoverinfo"] == "text" for trace in figure["data"])
    assert PLOTLY_CONFIG["displaylogo"] is False
    # Nothing to zoom or pan (a drag on a phone scrolls the page); the modebar only downloads.
    assert layout["dragmode"] is False and layout["xaxis"]["fixedrange"] and layout["yaxis"]["fixedrange"]
    assert PLOTLY_CONFIG["modeBarButtons"] == [["toImage"]]
    go.Figure(figure)  # plotly.py's own check of every property name and value


# --- Variants: a phone's box and the dark theme -----------------------------------------------


@pytest.mark.parametrize("name", list(CHARTS))
@pytest.mark.parametrize("rows", ["shipped", "none", "large"])
def test_each_variant_is_exactly_what_the_renderer_draws(shipped, large, name, rows):
    """A page merges one patch into the wide light figure (assets/figures.js): the result is the
    renderer's own figure for that box and theme, a valid plotly figure."""
    df = {"shipped": shipped, "none": shipped.iloc[:0], "large": large}[rows]
    chart = build(name, df)
    base = plotly_figure(chart)
    patches = variants(chart)
    assert set(patches) == set(VARIANTS)
    for variant, options in VARIANTS.items():
        drawn = plotly_figure(chart, **options)
        assert apply_patch(base, patches[variant]) == drawn, variant
        go.Figure(drawn)
    phone = plotly_figure(chart, phone=True)["layout"]
    if chart.empty:
        return
    # The phone's title and subtitle wrap to fit its box; the margins are narrow.
    for key, size in (("title", PHONE_SIZES.title), ("subtitle", PHONE_SIZES.subtitle)):
        lines = geometry(chart, phone=True).title if key == "title" else geometry(chart, phone=True).subtitle
        assert " ".join(lines) == getattr(chart, key)
        assert all(text_width(line, size) <= PHONE_SIZES.title_width for line in lines if " " in line), lines
    assert phone["height"] >= 200 and phone["margin"]["l"] <= 120 and phone["margin"]["r"] <= 8


def test_merge_is_json_merge_patch():
    base = {"a": 1, "b": {"c": 2, "d": [1, 2]}, "e": "x"}
    target = {"a": 1, "b": {"c": 3, "d": [1]}, "f": {"g": None or 0}}
    patch = merge_patch(base, target)
    assert patch == {"b": {"c": 3, "d": [1]}, "e": None, "f": {"g": 0}}
    assert merge(base, patch) == target
    assert merge({"a": 1}, {"a": {"b": None, "c": 1}}) == {"a": {"c": 1}}


def colours_in(node) -> set[str]:
    found = set()
    for text in strings(node):
        found.update(c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b|\bwhite\b", text))
    return found


@pytest.mark.parametrize("name", list(CHARTS))
def test_dark_variant_leaves_no_light_theme_colour(shipped, name):
    dark = plotly_figure(build(name, shipped), dark=True)
    light_only = {c.lower() for c in (LIGHT.ink, LIGHT.muted, LIGHT.grid, LIGHT.empty, LIGHT.neutral, *LIGHT.scale)}
    light_only -= {c.lower() for c in family_colours().values()}
    assert not colours_in(dark) & light_only
    assert dark["layout"]["paper_bgcolor"] == DARK.paper and dark["layout"]["font"]["color"] == DARK.ink


def test_bars_and_matrix_on_a_phone_put_the_count_in_each_label(shipped):
    chart = build("limitations_by_family", shipped)
    phone = plotly_figure(chart, phone=True)
    bar, matrix = phone["data"]
    assert bar["visible"] is False and phone["layout"]["xaxis"]["visible"] is False
    assert phone["layout"]["xaxis2"]["domain"] == [0.0, 1.0]
    for row, group, text in zip(chart.rows, chart.bars, phone["layout"]["yaxis"]["ticktext"]):
        assert text.replace("<br>", " ") == f"{row.label} ({group.count})"


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
    "text,width,size,expected",
    [
        ("Health-service management", 84, 11, ("Health-service", "management")),
        ("Vision-language / multimodal", 84, 11, ("Vision-language", "/ multimodal")),
        ("Obstetrics and gynaecology", 1000, 12, ("Obstetrics and gynaecology",)),
        ("Endocrinology and diabetes", 104, 12, ("Endocrinology and", "diabetes")),
        ("", 10, 12, ()),
    ],
)
def test_wrap_breaks_at_spaces_to_fit_a_width(text, width, size, expected):
    lines = wrap(text, width, size)
    assert lines == expected
    assert all(text_width(line, size) <= width for line in lines if " " in line)
