"""The review's six figures, drawn from a study table, plus a plain-text caption for each.

Every figure function takes a DataFrame as load_studies() returns it, or any subset of its rows
(none, one or ten thousand), and returns a plotly Figure; nothing here reads files. FIGURES lists
them in display order with their titles and caption functions, for the book, explorer and tests.

Text from the data (study ids, author names) is HTML-escaped before it reaches a figure: plotly.js
interprets tags such as <b>, <a> and <span> in labels and hover text.

Figures fix their height and leave the width to the page (autosize). The modebar's plotly logo
and its other settings are not part of a figure but of how it is shown: pass PLOTLY_CONFIG, e.g.
``fig.show(config=PLOTLY_CONFIG)`` or ``plotly.io.to_html(fig, config=PLOTLY_CONFIG)``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .counts import (
    STUDY,
    cross_counts,
    grid_of_pairs,
    keys_of,
    long_form,
    most_common,
    pairs,
    term_counts,
    terms_per_study,
)
from .vocabulary import family_colours, family_patterns, load_vocabulary
from .wording import and_list, plural

# ---------------------------------------------------------------------------------------------
# Style: one place for the publication look, shared by all six figures.

FONT_FAMILY = '"Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif'
INK = "#262626"  # text: near-black reads softer than pure black on screen, prints black
MUTED = "#595959"  # axis lines, ticks, subtitles
GRID = "#e6e6e6"  # value gridlines only: there to read values off, not to be seen
EMPTY_CELL = "#f0f0f0"  # a matrix cell without studies
#: Bars that do not encode a model family: a slate no model family uses, so it cannot be misread.
NEUTRAL = "#4f6273"
#: Matrix cells with studies, light to dark: one hue, ordered by lightness, safe for colour-blind
#: readers and in greyscale print; blue-grey so that it is not mistaken for a family colour.
COUNT_SCALE = ("#c9d6e3", "#1b3a5c")
EMPTY_MARK = "\u2014"  # em-dash in empty matrix cells: 'no study' must not rely on colour alone
#: Hover text lists at most this many studies per bar or cell, then "… and N more".
MAX_LISTED = 12
#: How families that share a colour are told apart: white hatching over the colour
#: (livingreview.vocabulary.PATTERNS, assigned per family in data/vocabulary.yml order).
HATCH = dict(fillmode="overlay", fgcolor="white", solidity=0.4, size=7)
#: The glyph before a family's name in the gap map's column labels, one per hatching, so a
#: label shows the same colour and pattern as the family's bars.
PATTERN_GLYPHS = {
    "": "\u25a0",
    "/": "\u25a8",
    "\\": "\u25a7",
    "x": "\u25a9",
    "-": "\u25a4",
    "|": "\u25a5",
    "+": "\u25a6",
    ".": "\u25a3",
}

#: How to show a figure (modebar settings are config, not layout): no plotly logo, SVG download,
#: width following the page.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "svg", "filename": "generative-ai-clinical-practice"},
}

_TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family=FONT_FAMILY, size=13, color=INK),
        paper_bgcolor="white",
        plot_bgcolor="white",
        autosize=True,
        margin=dict(l=16, r=16, t=88, b=16),
        title=dict(x=0, xanchor="left", xref="container", pad=dict(l=16), font=dict(size=17)),
        hoverlabel=dict(
            bgcolor="white", bordercolor="#999999", align="left", font=dict(family=FONT_FAMILY, size=12, color=INK)
        ),
        legend=dict(bgcolor="rgba(0,0,0,0)", font=dict(size=12), title=dict(font=dict(size=12, color=MUTED))),
        xaxis=dict(automargin=True, title=dict(font=dict(size=13)), tickfont=dict(size=12)),
        yaxis=dict(automargin=True, title=dict(font=dict(size=13)), tickfont=dict(size=12)),
        bargap=0.3,
    )
)

#: Counts: light gridlines to read values off, no axis line. Categories: a thin line and short
#: ticks, no gridlines. Matrices: the cells are their own grid.
VALUE_AXIS = dict(
    showgrid=True, gridcolor=GRID, gridwidth=1, zeroline=False, showline=False, ticks="", rangemode="tozero"
)
CATEGORY_AXIS = dict(
    showgrid=False,
    zeroline=False,
    showline=True,
    linecolor=MUTED,
    linewidth=1,
    ticks="outside",
    ticklen=4,
    tickcolor=MUTED,
)
MATRIX_AXIS = dict(showgrid=False, zeroline=False, showline=False, ticks="")


def _figure(
    title: str,
    subtitle: str,
    *,
    height: int,
    x_title: str,
    y_title: str,
    x_axis: dict,
    y_axis: dict,
    legend_title: str | None = None,
) -> go.Figure:
    """An empty figure with the shared look, titles and axis styles; traces are added after."""
    layout = go.Layout(
        template=_TEMPLATE,
        height=height,
        title=dict(text=_escape(title), subtitle=dict(text=_escape(subtitle), font=dict(size=12, color=MUTED))),
        xaxis=dict(x_axis, title=dict(text=_escape(x_title))),
        yaxis=dict(y_axis, title=dict(text=_escape(y_title))),
        showlegend=legend_title is not None,
    )
    if legend_title is not None:
        layout.legend.title.text = _escape(legend_title)
    return go.Figure(layout=layout)


def _bars_figure(title: str, subtitle: str, facet, *, bar_height: int, legend_title: str | None = None) -> go.Figure:
    """An empty figure for horizontal bars, one per term of `facet`, the first on top."""
    return _figure(
        title,
        subtitle,
        height=110 + bar_height * len(facet.terms),
        x_title="Number of studies",
        y_title=facet.label,
        x_axis=VALUE_AXIS,
        y_axis=dict(CATEGORY_AXIS, autorange="reversed"),
        legend_title=legend_title,
    )


def _mark_empty(fig: go.Figure, message: str = "No studies match") -> go.Figure:
    """Draw nothing but the message, centred, keeping title and axis titles."""
    fig.add_annotation(
        text=_escape(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=15, color=MUTED),
    )
    blank = dict(showticklabels=False, showgrid=False, showline=False, ticks="")
    fig.update_xaxes(blank)
    fig.update_yaxes(blank)
    fig.update_layout(showlegend=False)
    return fig


def _count_axis_range(largest: int, *, room_for_labels: bool = False) -> dict:
    """Axis from 0 with whole-number ticks (never 0.5 studies); room at the end for bar labels."""
    top = max(largest, 1) * (1.15 if room_for_labels else 1.05)
    axis = dict(range=[0, top], tickformat=",d")
    if largest <= 10:
        axis["dtick"] = 1
    return axis


# ---------------------------------------------------------------------------------------------
# Text: escaping, study lists for hover text, plain-language numbers for captions.


def _escape(text) -> str:
    """Text as plotly.js must receive it to show it literally.

    html.escape turns < > & into entities, so no tag can form. Its &quot; is swapped for the
    numeric &#34; because plotly.js decodes numeric entities but not &quot; (it would show).
    """
    return html.escape(str(text)).replace("&quot;", "&#34;")


def _label(column: str, key) -> str:
    return _escape(load_vocabulary()[column].label_of(key))


def _study_lines(df: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """'id — First Author', escaped, for the studies at these row positions: how hover text names
    a study. Only listed studies are formatted (at most MAX_LISTED per group), not the whole table."""
    # Plain arrays, not Series arithmetic: a subset's index may repeat labels and must not align.
    ids = df["id"].fillna("").to_numpy()[positions]
    authors = df["first_author"].fillna("").to_numpy()[positions]
    return np.array([f"{_escape(i)} \u2014 {_escape(a)}" for i, a in zip(ids, authors)], dtype=object)


def _member_lists(members: pd.DataFrame, by: list[str], df: pd.DataFrame) -> pd.Series:
    """For each group of `members` (rows of a long table of `df`), its studies as hover lines.

    Lists the first MAX_LISTED studies in table order, then how many more there are.
    """
    if members.empty:
        return pd.Series(dtype=object)
    grouped = members.groupby(by, sort=False)
    sizes = grouped.size()
    shown = grouped.head(MAX_LISTED)
    shown = shown.assign(_line=_study_lines(df, shown[STUDY].to_numpy()))
    text = shown.groupby(by, sort=False)["_line"].agg("<br>".join)
    more = (sizes - MAX_LISTED).clip(lower=0)
    suffix = more.map(lambda n: f"<br>\u2026 and {n:,} more" if n else "")
    return text + suffix.reindex(text.index)


def _n_studies(count: int) -> str:
    return plural(count, "study", "studies")


def _hover(heading: str, count: int, listing: str) -> str:
    text = f"<b>{heading}</b><br>{_n_studies(count)}"
    return f"{text}<br>{listing}" if count else text


def _of_n(count: int, total: int, several: bool) -> str:
    """'9 of 15 studies', with 'each' when several categories share the count."""
    return f"{count:,} of {_n_studies(total)}{' each' if several else ''}"


def _none_coded(total: int, noun: str) -> str:
    return f"{'The one study has no' if total == 1 else f'None of the {total:,} studies has a'} coded {noun}."


def _plain(column: str, key) -> str:
    """A display label for captions: plain text, not escaped (captions are not plotly text)."""
    return load_vocabulary()[column].label_of(key)


def _facet(column: str) -> str:
    return load_vocabulary()[column].label


# ---------------------------------------------------------------------------------------------
# Building blocks: a sorted horizontal bar of one column, a matrix of two.


def _ranked(counts: pd.Series) -> pd.Series:
    """Largest first; ties keep vocabulary order (a stable sort)."""
    return counts.sort_values(ascending=False, kind="stable")


def _term_bar(df: pd.DataFrame, column: str, title: str, subtitle: str, colours: dict | None) -> go.Figure:
    """Studies per term of `column`, one horizontal bar per vocabulary term, largest on top."""
    facet = load_vocabulary()[column]
    fig = _bars_figure(title, subtitle, facet, bar_height=30)
    if df.empty:
        return _mark_empty(fig)
    counts = _ranked(term_counts(df, column))
    lists = _member_lists(long_form(df, column), [column], df)
    fig.add_bar(
        orientation="h",
        y=[_label(column, key) for key in counts.index],
        x=counts.to_list(),
        text=[f"{n:,}" for n in counts],
        textposition="outside",
        cliponaxis=False,
        textfont=dict(color=INK, size=12),
        marker=_family_marker(list(counts.index)) if colours else dict(color=NEUTRAL),
        hovertext=[_hover(_label(column, key), n, lists.get(key, "")) for key, n in counts.items()],
        hoverinfo="text",
        name=facet.label,
    )
    fig.update_xaxes(_count_axis_range(int(counts.max()), room_for_labels=True))
    return fig


def _matrix(
    df: pd.DataFrame, row_column: str, col_column: str, title: str, subtitle: str, col_colours: dict | None = None
) -> go.Figure:
    """Studies per (row term, column term): one cell per vocabulary pair, empty cells grey with a dash."""
    vocabulary = load_vocabulary()
    rows, cols = vocabulary[row_column], vocabulary[col_column]
    fig = _figure(
        title,
        subtitle,
        height=150 + 36 * len(rows.terms),
        x_title=cols.label,
        y_title=rows.label,
        x_axis=MATRIX_AXIS,
        y_axis=dict(MATRIX_AXIS, autorange="reversed"),
    )
    if df.empty:
        return _mark_empty(fig)
    long = pairs(df, row_column, col_column)  # once: both the counts and the hover lists use it
    grid = grid_of_pairs(long, df, row_column, col_column)
    lists = _member_lists(long, [row_column, col_column], df)
    row_labels = [_label(row_column, key) for key in grid.index]
    col_labels = [_label(col_column, key) for key in grid.columns]
    hover = [
        [
            _hover(f"{row_labels[i]} \u00d7 {col_labels[j]}", int(grid.iat[i, j]), lists.get((r, c), ""))
            for j, c in enumerate(grid.columns)
        ]
        for i, r in enumerate(grid.index)
    ]
    largest = max(int(grid.to_numpy().max()), 1)
    # 0 gets its own flat grey; 1..largest runs light to dark. The break sits half a study
    # above 0, so the lowest real count is already on the blue-grey ramp.
    cut = 0.5 / largest
    fig.add_heatmap(
        z=grid.to_numpy().tolist(),
        x=col_labels,
        y=row_labels,
        zmin=0,
        zmax=largest,
        colorscale=[[0, EMPTY_CELL], [cut, EMPTY_CELL], [cut, COUNT_SCALE[0]], [1, COUNT_SCALE[1]]],
        showscale=False,  # the counts are written in the cells; a colour bar would repeat them
        text=[[f"{n:,}" if n else EMPTY_MARK for n in row] for row in grid.to_numpy().tolist()],
        texttemplate="%{text}",
        textfont=dict(size=12),  # colour left to plotly: dark on light cells, white on dark ones
        hovertext=hover,
        hoverinfo="text",
        xgap=2,
        ygap=2,
        name=f"{rows.label} \u00d7 {cols.label}",
    )
    if col_colours:
        # A square of the family's colour (hatched like its bars) before each column label ties
        # the matrix to the colours every other figure uses for model families.
        patterns = family_patterns()
        fig.update_xaxes(
            tickmode="array",
            tickvals=col_labels,
            ticktext=[
                f'<span style="color:{col_colours[key]}">{PATTERN_GLYPHS.get(patterns[key], PATTERN_GLYPHS[""])}</span> {label}'
                for key, label in zip(grid.columns, col_labels)
            ],
        )
    return fig


def _family_marker(families) -> dict:
    """Bar marker for one family key (a trace) or a list of them (one per bar): its colour, and
    its hatching when it shares that colour with another family."""
    colours, patterns = family_colours(), family_patterns()
    if isinstance(families, str):
        return dict(color=colours[families], pattern=dict(HATCH, shape=patterns[families]))
    # With one colour per bar, plotly.js hatches each bar from its own colour (background the
    # colour, lines its contrast) and never draws pattern.bgcolor; left unset, bgcolor defaults to
    # the list of colours, whose contrast plotly.js 4 cannot take: it logs "WARN: Invalid color
    # specifier" on every draw. A single colour here changes no pixel and stops the warning.
    return dict(
        color=[colours[f] for f in families],
        pattern=dict(HATCH, shape=[patterns[f] for f in families], bgcolor="white"),
    )


def _family_traces(
    fig: go.Figure,
    long: pd.DataFrame,
    category: str,
    categories: list,
    category_label: Callable,
    df: pd.DataFrame,
    orientation: str,
) -> pd.DataFrame:
    """One stacked bar trace per model family present, in vocabulary order, in its own colour.

    `long` holds (study, category, family) rows; returns the category × family count grid.
    """
    counts = long.groupby([category, "model_family"], sort=False).size().unstack(fill_value=0)
    families = [key for key in keys_of("model_family") if key in counts.columns and counts[key].sum()]
    counts = counts.reindex(index=categories, columns=families, fill_value=0)
    lists = _member_lists(long, [category, "model_family"], df)
    for family in families:
        family_label = _label("model_family", family)
        values = counts[family].to_list()
        hover = [
            _hover(f"{category_label(c)} \u00b7 {family_label}", n, lists.get((c, family), ""))
            for c, n in zip(categories, values)
        ]
        positions = [category_label(c) for c in categories]
        fig.add_bar(
            x=values if orientation == "h" else positions,
            y=positions if orientation == "h" else values,
            orientation=orientation,
            name=family_label,
            legendgroup=family,
            marker=dict(_family_marker(family), line=dict(color="white", width=0.5)),
            hovertext=hover,
            hoverinfo="text",
        )
    fig.update_layout(barmode="stack", legend=dict(traceorder="normal"))
    return counts


# ---------------------------------------------------------------------------------------------
# The six figures.

TITLES = {
    "domain_bar": "Studies by clinical domain",
    "family_bar": "Studies by model family",
    "gap_map": "Evidence-gap map: clinical domain by model family",
    "modality_contribution": "Data modality by contribution",
    "limitations_by_family": "Limitation themes by model family",
    "timeline": "Studies per year by model family",
}


def domain_bar(df: pd.DataFrame) -> go.Figure:
    """Studies per clinical domain, largest first, counts at the bar ends."""
    subtitle = f"{_n_studies(len(df))}; a study covering several domains counts once in each"
    return _term_bar(df, "domain", TITLES["domain_bar"], subtitle, colours=None)


def family_bar(df: pd.DataFrame) -> go.Figure:
    """Studies per model family, largest first, each bar in its family's colour."""
    subtitle = f"{_n_studies(len(df))}; a study using several model families counts once in each"
    return _term_bar(df, "model_family", TITLES["family_bar"], subtitle, colours=family_colours())


def gap_map(df: pd.DataFrame) -> go.Figure:
    """Clinical domain × model family: every pair of the vocabulary, empty ones marked with a dash."""
    subtitle = f"{_n_studies(len(df))}; each cell counts the studies coded with both; \u2014 no study yet"
    return _matrix(df, "domain", "model_family", TITLES["gap_map"], subtitle, col_colours=family_colours())


def modality_contribution(df: pd.DataFrame) -> go.Figure:
    """Data modality × contribution (augmentation, automation, knowledge, education, design)."""
    subtitle = f"{_n_studies(len(df))}; each cell counts the studies coded with both; \u2014 no study yet"
    return _matrix(df, "modality", "contribution", TITLES["modality_contribution"], subtitle)


def limitations_by_family(df: pd.DataFrame) -> go.Figure:
    """Limitation themes (most reported on top), each bar stacked by model family."""
    facet = load_vocabulary()["limitation_themes"]
    subtitle = f"{_n_studies(len(df))}; a study counts once per theme and model family it is coded with"
    fig = _bars_figure(
        TITLES["limitations_by_family"], subtitle, facet, bar_height=32, legend_title=_facet("model_family")
    )
    if df.empty:
        return _mark_empty(fig)
    long = pairs(df, "limitation_themes", "model_family")
    if long.empty:
        return _mark_empty(fig, _none_coded(len(df), "limitation theme").rstrip("."))
    themes = list(_ranked(term_counts(df, "limitation_themes")).index)
    counts = _family_traces(
        fig, long, "limitation_themes", themes, lambda key: _label("limitation_themes", key), df, orientation="h"
    )
    fig.update_xaxes(_count_axis_range(int(counts.sum(axis=1).max())))
    return fig


def timeline(df: pd.DataFrame) -> go.Figure:
    """Studies per publication year (every year in the range, gaps included), stacked by model family."""
    subtitle = f"{_n_studies(len(df))}; a study using several model families counts once in each"
    fig = _figure(
        TITLES["timeline"],
        subtitle,
        height=420,
        x_title="Year of publication",
        y_title="Number of studies",
        x_axis=CATEGORY_AXIS,
        y_axis=VALUE_AXIS,
        legend_title=_facet("model_family"),
    )
    if df.empty:
        return _mark_empty(fig)
    years = keys_of("year", df)
    long = pairs(df, "year", "model_family")
    counts = _family_traces(fig, long, "year", years, lambda year: year, df, orientation="v")
    span = len(years)
    fig.update_xaxes(
        type="linear", tickformat="d", dtick=1 if span <= 16 else None, range=[years[0] - 0.6, years[-1] + 0.6]
    )
    fig.update_yaxes(_count_axis_range(int(counts.sum(axis=1).max()) if len(counts) else 0))
    return fig


# ---------------------------------------------------------------------------------------------
# Captions: one plain-text sentence or two per figure, numbers computed from the same table.
# Plain text, not HTML: a page that puts a caption into HTML escapes it there.


def domain_caption(df: pd.DataFrame) -> str:
    return _term_caption(df, "domain", ("clinical domain", "clinical domains"), "A study may cover several domains.")


def family_caption(df: pd.DataFrame) -> str:
    caption = _term_caption(df, "model_family", ("model family", "model families"), "")
    if not len(df):
        return caption
    several = int((terms_per_study(df, "model_family") > 1).sum())
    if not several:
        return f"{caption} No study uses more than one family."
    verb, counts = ("uses", "counts") if several == 1 else ("use", "count")
    return f"{caption} {_of_n(several, len(df), False)} {verb} more than one family and {counts} once in each."


def limitations_caption(df: pd.DataFrame) -> str:
    caption = _term_caption(
        df, "limitation_themes", ("limitation theme", "limitation themes"), "", superlative="most often reported"
    )
    without = int((terms_per_study(df, "limitation_themes") == 0).sum())
    if len(df) and without and without < len(df):
        caption += f" {_n_studies(without).capitalize()} {'has' if without == 1 else 'have'} no coded limitation theme."
    return caption


def gap_map_caption(df: pd.DataFrame) -> str:
    return _cell_caption(df, "domain", "model_family", "domain–family cell")


def modality_contribution_caption(df: pd.DataFrame) -> str:
    return _cell_caption(df, "modality", "contribution", "modality–contribution cell")


def timeline_caption(df: pd.DataFrame) -> str:
    total = len(df)
    if not total:
        return "No studies match, so no year is shown."
    per_year = df["year"].value_counts().sort_index()
    first, last = int(per_year.index.min()), int(per_year.index.max())
    if first == last:
        return f"{'The one study was' if total == 1 else f'All {total:,} studies were'} published in {first}."
    years, top = most_common(per_year)
    leaders = _leaders([str(year) for year in years], ("year", "years"), "busiest")
    return (
        f"The {total:,} studies were published from {first} to {last}; "
        f"{leaders} ({_n_studies(top)}{' each' if len(years) > 1 else ''})."
    )


#: Up to this many tied leaders are named in a caption; more are counted instead.
MAX_NAMED = 5


def _leaders(labels: list[str], noun: tuple[str, str], superlative: str) -> str:
    """'Radiology is the most common clinical domain', 'A and B are the …', '7 … tie as the …'."""
    singular, many = noun
    if len(labels) == 1:
        return f"{labels[0]} is the {superlative} {singular}"
    if len(labels) <= MAX_NAMED:
        return f"{and_list(labels)} are the {superlative} {many}"
    return f"{len(labels)} {many} tie as the {superlative}"


def _term_caption(
    df: pd.DataFrame, column: str, noun: tuple[str, str], note: str, superlative: str = "most common"
) -> str:
    total = len(df)
    if not total:
        return f"No studies match, so no {noun[0]} is shown."
    counts = term_counts(df, column)
    keys, top = most_common(counts)
    if not keys:
        return _none_coded(total, noun[0])
    leaders = _leaders([_plain(column, key) for key in keys], noun, superlative)
    covered = int((counts > 0).sum())
    if covered == len(counts):
        coverage = f"each of the {len(counts)} {noun[1]} has at least one study."
    else:
        coverage = f"{covered} of the {len(counts)} {noun[1]} {'has' if covered == 1 else 'have'} at least one study."
    sentence = f"{leaders} ({_of_n(top, total, len(keys) > 1)}); {coverage}"
    return f"{sentence} {note}" if note else sentence


def _cell_caption(df: pd.DataFrame, row_column: str, col_column: str, cell_word: str) -> str:
    if not len(df):
        return f"No studies match, so every {cell_word} is empty."
    grid = cross_counts(df, row_column, col_column)
    cells = grid.size
    filled = int((grid > 0).to_numpy().sum())
    keys, top = most_common(grid)
    if not keys:
        return f"All {cells} {cell_word}s are empty: no study is coded with both."
    pairings = [f"{_plain(row_column, r)} with {_plain(col_column, c)}" for r, c in keys]
    leaders = _leaders(pairings, ("pairing", "pairings"), "most studied")
    return (
        f"{filled} of {cells} {cell_word}s {'holds' if filled == 1 else 'hold'} at least one study "
        f"and {cells - filled} {'is' if cells - filled == 1 else 'are'} empty. "
        f"{leaders[0].upper()}{leaders[1:]} ({_n_studies(top)}{' each' if len(keys) > 1 else ''})."
    )


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the review: its title, how to draw it and how to caption it."""

    name: str
    title: str
    make: Callable[[pd.DataFrame], go.Figure]
    caption: Callable[[pd.DataFrame], str]


#: The six figures in display order.
FIGURES: dict[str, FigureSpec] = {
    spec.name: spec
    for spec in (
        FigureSpec("domain_bar", TITLES["domain_bar"], domain_bar, domain_caption),
        FigureSpec("family_bar", TITLES["family_bar"], family_bar, family_caption),
        FigureSpec("gap_map", TITLES["gap_map"], gap_map, gap_map_caption),
        FigureSpec(
            "modality_contribution",
            TITLES["modality_contribution"],
            modality_contribution,
            modality_contribution_caption,
        ),
        FigureSpec(
            "limitations_by_family", TITLES["limitations_by_family"], limitations_by_family, limitations_caption
        ),
        FigureSpec("timeline", TITLES["timeline"], timeline, timeline_caption),
    )
}
