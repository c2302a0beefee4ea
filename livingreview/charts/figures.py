"""The review's six figures, drawn from a study table, plus a plain-text caption for each.

Every figure function takes a DataFrame as load_studies() returns it, or any subset of its rows
(none, one or ten thousand), and returns a plotly Figure; nothing here reads files. FIGURES lists
them in display order with their titles and caption functions, for the book, explorer and tests.

What the figures promise a reader:

- a bar on an axis "Number of studies" is a count of distinct studies. Where a study can carry
  several model families (limitation themes, years), the bar counts it once and the family
  breakdown sits beside it in a matrix whose cells count the studies coded with both;
- hover text names studies as "Author Year" (never internal ids);
- every bar and every cell that holds studies carries, as its customdata, the query string of the
  studies page filtered to exactly those studies (livingreview.data.filters.FilterState), so a page
  can open them on a click;
- families are told apart by label first, then colour, then hatching (vocabulary.family_patterns),
  so eleven families or more stay distinct for colour-blind readers and in greyscale print.

Text from the data (author names) is HTML-escaped before it reaches a figure: plotly.js
interprets tags such as <b>, <a> and <span> in labels and hover text.

Figures fix their height and leave the width to the page (autosize). Two variants adapt a drawn
figure to where it is shown: phone_variant(fig) for a narrow box (wrapped titles and labels,
the family matrix across the whole width) and dark_variant(fig) for the dark theme. Each is a
patch ({"layout": {...}, "data": [{...} per trace]}) that a page merges into the figure's JSON
(assets/figures.js does, and re-applies it when the reader switches theme or the box narrows).
The modebar and its settings are not part of a figure but of how it is shown: pass PLOTLY_CONFIG,
e.g. ``fig.show(config=PLOTLY_CONFIG)`` or ``plotly.io.to_html(fig, config=PLOTLY_CONFIG)``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..data.counts import (
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
from ..data.filters import FACETS, FilterState
from ..data.vocabulary import family_colours, family_patterns, load_vocabulary
from ..text.wording import and_list, plural

# ---------------------------------------------------------------------------------------------
# Style: one place for the publication look, shared by all six figures, in both themes.

FONT_FAMILY = '"Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif'


@dataclass(frozen=True)
class Palette:
    """The colours of one theme. Model-family colours are the same in both (vocabulary.yml)."""

    ink: str  # text
    muted: str  # axis lines, ticks, subtitles
    grid: str  # value gridlines only: there to read values off, not to be seen
    paper: str  # behind the figure
    empty: str  # a matrix cell without studies
    #: Bars that do not encode a model family: a slate no model family uses.
    neutral: str
    #: Matrix cells with studies, fewest to most: one hue ordered by lightness, safe for
    #: colour-blind readers and in greyscale; more studies stand out more in either theme. Every
    #: cell's count is written in `ink`, so both ends (and the empty cell) keep 4.5:1 with it.
    scale: tuple[str, str]
    hover_bg: str
    hover_border: str
    #: Thin lines between bar segments and around hatching: the colour behind the figure.
    separator: str


LIGHT = Palette(
    ink="#262626",  # near-black reads softer than pure black on screen, prints black
    muted="#595959",
    grid="#e6e6e6",
    paper="white",
    empty="#f0f0f0",
    neutral="#4f6273",
    scale=("#c9dcef", "#7397bb"),
    hover_bg="white",
    hover_border="#999999",
    separator="white",
)
#: The dark theme (pydata-sphinx-theme's dark page is #121212 with #ced6dd text). The paper is
#: transparent so the figure sits on whatever the page's own background is.
DARK = Palette(
    ink="#ced6dd",
    muted="#a3abb5",
    grid="#363c44",
    paper="rgba(0,0,0,0)",
    empty="#1a1d22",
    neutral="#8ea5bb",
    scale=("#233243", "#395c82"),
    hover_bg="#1e2329",
    hover_border="#6b737d",
    separator="#121212",
)

EMPTY_MARK = "\u2014"  # em-dash in empty matrix cells: 'no study' must not rely on colour alone
#: Hover text lists at most this many studies per bar or cell, then "… and N more".
MAX_LISTED = 12
#: How families that share a colour are told apart: hatching over the colour
#: (livingreview.data.vocabulary.PATTERNS, assigned per family in data/vocabulary.yml order).
HATCH = dict(fillmode="overlay", solidity=0.4, size=7)
#: The glyph before a family's name in a matrix's column labels, one per hatching, so a label
#: shows the same colour and pattern as the family's bars.
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

#: How to show a figure (modebar settings are config, not layout): no plotly logo, and of the
#: modebar only the SVG download (the charts have nothing to zoom or pan: categories and counts,
#: and a drag on a phone must scroll the page). Width follows the page.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
    # A second tap on a bar opens its studies (a first one shows its hover text): not a zoom reset.
    "doubleClick": False,
    "modeBarButtons": [["toImage"]],
    "toImageButtonOptions": {"format": "svg", "filename": "generative-ai-clinical-practice"},
}

#: A figure box narrower than this (CSS pixels) is a phone: phone_variant() applies.
PHONE_MAX_WIDTH = 600
#: Characters per line of a title and a subtitle in a phone's box (about 290 px: a 320 px screen).
PHONE_TITLE_CHARS = 34
PHONE_SUBTITLE_CHARS = 50


def _template(palette: Palette) -> go.layout.Template:
    return go.layout.Template(
        layout=dict(
            font=dict(family=FONT_FAMILY, size=13, color=palette.ink),
            paper_bgcolor=palette.paper,
            plot_bgcolor=palette.paper,
            autosize=True,
            dragmode=False,
            margin=dict(l=16, r=16, t=88, b=16),
            title=dict(
                x=0,
                xanchor="left",
                xref="container",
                y=1,
                yanchor="top",
                yref="container",
                pad=dict(l=16, t=14),
                font=dict(size=17),
            ),
            hoverlabel=dict(
                bgcolor=palette.hover_bg,
                bordercolor=palette.hover_border,
                align="left",
                font=dict(family=FONT_FAMILY, size=12, color=palette.ink),
            ),
            xaxis=dict(
                automargin=True, fixedrange=True, title=dict(font=dict(size=13), standoff=10), tickfont=dict(size=12)
            ),
            yaxis=dict(
                automargin=True, fixedrange=True, title=dict(font=dict(size=13), standoff=10), tickfont=dict(size=12)
            ),
            bargap=0.3,
        )
    )


_TEMPLATE = _template(LIGHT)

#: Counts: light gridlines to read values off, no axis line. Categories: a thin line and short
#: ticks, no gridlines. Matrices: the cells are their own grid.
VALUE_AXIS = dict(
    showgrid=True, gridcolor=LIGHT.grid, gridwidth=1, zeroline=False, showline=False, ticks="", rangemode="tozero"
)
CATEGORY_AXIS = dict(
    showgrid=False,
    zeroline=False,
    showline=True,
    linecolor=LIGHT.muted,
    linewidth=1,
    ticks="outside",
    ticklen=4,
    tickcolor=LIGHT.muted,
)
MATRIX_AXIS = dict(showgrid=False, zeroline=False, showline=False, ticks="")

#: Pixels per row: bars, matrix rows.
BAR_ROW = 30
MATRIX_ROW = 34
#: Above the plot: title, subtitle and the gap under them.
TITLE_BLOCK = 88
#: The same above a matrix, whose column labels stand right under the subtitle.
MATRIX_TITLE_BLOCK = 72


def _figure(
    title: str,
    subtitle: str,
    *,
    height: int,
    x_title: str,
    y_title: str,
    x_axis: dict,
    y_axis: dict,
) -> go.Figure:
    """An empty figure with the shared look, titles and axis styles; traces are added after."""
    layout = go.Layout(
        template=_TEMPLATE,
        height=height,
        title=dict(text=_escape(title), subtitle=dict(text=_escape(subtitle), font=dict(size=12, color=LIGHT.muted))),
        xaxis=dict(x_axis, title=dict(text=_escape(x_title))),
        yaxis=dict(y_axis, title=dict(text=_escape(y_title))),
        showlegend=False,
    )
    return go.Figure(layout=layout)


def _bars_figure(title: str, subtitle: str, facet) -> go.Figure:
    """An empty figure for horizontal bars, one per term of `facet`, the first on top."""
    return _figure(
        title,
        subtitle,
        height=110 + BAR_ROW * len(facet.terms),
        x_title="Number of studies",
        y_title=facet.label,
        x_axis=VALUE_AXIS,
        y_axis=dict(CATEGORY_AXIS, autorange="reversed"),
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
        font=dict(size=15, color=LIGHT.muted),
    )
    blank = dict(showticklabels=False, showgrid=False, showline=False, ticks="")
    fig.update_xaxes(blank)
    fig.update_yaxes(blank)
    return fig


def _count_axis_range(largest: int, *, room_for_labels: bool = False) -> dict:
    """Axis from 0 with whole-number ticks (never 0.5 studies); room at the end for bar labels."""
    top = max(largest, 1) * (1.18 if room_for_labels else 1.05)
    axis = dict(range=[0, top], tickformat=",d")
    if largest <= 10:
        axis["dtick"] = 1 if largest <= 6 else 2
    return axis


# ---------------------------------------------------------------------------------------------
# Text: escaping, study lists for hover text, links to the studies, wrapping.


def _escape(text) -> str:
    """Text as plotly.js must receive it to show it literally.

    html.escape turns < > & into entities, so no tag can form. Its &quot; is swapped for the
    numeric &#34; because plotly.js decodes numeric entities but not &quot; (it would show).
    """
    return html.escape(str(text)).replace("&quot;", "&#34;")


def _label(column: str, key) -> str:
    if column == "year":
        return str(key)
    return _escape(load_vocabulary()[column].label_of(key))


def _study_lines(df: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """'Author Year', escaped, for the studies at these row positions: how hover text names a
    study. Only listed studies are formatted (at most MAX_LISTED per group), not the whole table."""
    # Plain arrays, not Series arithmetic: a subset's index may repeat labels and must not align.
    authors = df["first_author"].fillna("").to_numpy()[positions]
    years = df["year"].to_numpy()[positions]
    return np.array([_escape(f"{a} {y}".strip()) for a, y in zip(authors, years)], dtype=object)


def _member_lists(members: pd.DataFrame, by: list[str], df: pd.DataFrame) -> pd.Series:
    """For each group of `members` (rows of a long table of `df`), its studies as hover lines.

    Lists the first MAX_LISTED studies in table order, then how many more there are.
    """
    if members.empty:
        return pd.Series(dtype=object)
    grouped = members.groupby(by, sort=False, observed=True)
    sizes = grouped.size()
    shown = grouped.head(MAX_LISTED)
    shown = shown.assign(_line=_study_lines(df, shown[STUDY].to_numpy()))
    text = shown.groupby(by, sort=False, observed=True)["_line"].agg("<br>".join)
    more = (sizes - MAX_LISTED).clip(lower=0)
    suffix = more.map(lambda n: f"<br>\u2026 and {n:,} more" if n else "")
    return text + suffix.reindex(text.index)


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


def _n_studies(count: int) -> str:
    return plural(count, "study", "studies")


def _hover(heading: str, count: int, listing: str, extra: str = "") -> str:
    text = f"<b>{heading}</b><br>{_n_studies(count)}"
    if extra:
        text += f"<br>{extra}"
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


_TAG = re.compile(r"(<[^>]*>)")


def _visible_chars(text: str) -> int:
    """How many characters of plotly label text a reader sees (tags dropped, entities as one)."""
    return len(html.unescape(_TAG.sub("", text)))


def wrap_label(text: str, width: int) -> str:
    """Plotly label text broken into lines of about `width` visible characters (<br> between),
    at spaces only; tags (<span style=...>) and entities are kept whole."""
    protected = _TAG.sub(lambda m: m.group().replace(" ", "\x00"), text)
    lines: list[str] = []
    widths: list[int] = []
    for word in protected.split(" "):
        if not word:
            continue
        seen = _visible_chars(word)
        if lines and widths[-1] + 1 + seen <= width:
            lines[-1] += " " + word
            widths[-1] += 1 + seen
        else:
            lines.append(word)
            widths.append(seen)
    return "<br>".join(lines).replace("\x00", " ")


def _lines(text: str) -> int:
    return text.count("<br>") + 1 if text else 0


# ---------------------------------------------------------------------------------------------
# Building blocks: a sorted horizontal bar of one column, a matrix of two, and both side by side.


def _ranked(counts: pd.Series) -> pd.Series:
    """Largest first; ties keep vocabulary order (a stable sort)."""
    return counts.sort_values(ascending=False, kind="stable")


def _term_bar(df: pd.DataFrame, column: str, title: str, subtitle: str, coloured: bool) -> go.Figure:
    """Studies per term of `column`, one horizontal bar per vocabulary term, largest on top."""
    facet = load_vocabulary()[column]
    fig = _bars_figure(title, subtitle, facet)
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
        textfont=dict(color=LIGHT.ink, size=12),
        marker=_family_marker(list(counts.index)) if coloured else dict(color=LIGHT.neutral),
        hovertext=[_hover(_label(column, key), n, lists.get(key, "")) for key, n in counts.items()],
        hoverinfo="text",
        customdata=[_query((column, key)) if n else "" for key, n in counts.items()],
        name="Number of studies",
    )
    fig.update_xaxes(_count_axis_range(int(counts.max()), room_for_labels=True))
    return fig


def _column_band(labels: list[str], font_size: int = 12) -> int:
    """Pixels the rotated column labels of a matrix need above it: their longest line, at about
    half an em per character (the sans-serif fonts the figures ask for)."""
    longest = max((_visible_chars(line) for text in labels for line in text.split("<br>")), default=0)
    return int(longest * font_size * 0.5) + 6


def _column_ticks(column: str, keys: list, glyphs: bool) -> list[str]:
    """A matrix's column labels: one line each (rotated, a wrapped label is as many lines wide,
    and in a phone's box the lines of neighbouring columns overlap: issue #25), and for model
    families led by a square of the family's colour and hatching (as its bars), tying the matrix
    to the colours of every other figure."""
    if not glyphs:
        return [_label(column, key) for key in keys]
    colours, patterns = family_colours(), family_patterns()
    return [
        f'<span style="color:{colours[key]}">{PATTERN_GLYPHS.get(patterns[key], PATTERN_GLYPHS[""])}</span> '
        + _label(column, key)
        for key in keys
    ]


def _heatmap(
    df: pd.DataFrame,
    long: pd.DataFrame,
    grid: pd.DataFrame,
    row_column: str,
    col_column: str,
    row_labels: list[str],
    name: str,
    **axes,
) -> go.Heatmap:
    """The cells of `grid` (studies per row term × column term, from `long`): counts written in
    them, an em-dash in empty ones, hover listing the studies, customdata the link to them."""
    col_labels = [_label(col_column, key) for key in grid.columns]
    lists = _member_lists(long, [row_column, col_column], df)
    values = grid.to_numpy()
    hover = [
        [
            _hover(f"{row_labels[i]} \u00d7 {col_labels[j]}", int(values[i, j]), lists.get((r, c), ""))
            for j, c in enumerate(grid.columns)
        ]
        for i, r in enumerate(grid.index)
    ]
    links = [
        [_query((row_column, r), (col_column, c)) if values[i, j] else "" for j, c in enumerate(grid.columns)]
        for i, r in enumerate(grid.index)
    ]
    largest = max(int(values.max()) if values.size else 0, 1)
    # 0 gets its own flat grey; 1..largest runs light to dark. The break sits half a study
    # above 0, so the lowest real count is already on the blue-grey ramp.
    cut = 0.5 / largest
    return go.Heatmap(
        z=values.tolist(),
        x=col_labels,
        y=row_labels,
        zmin=0,
        zmax=largest,
        colorscale=[[0, LIGHT.empty], [cut, LIGHT.empty], [cut, LIGHT.scale[0]], [1, LIGHT.scale[1]]],
        showscale=False,  # the counts are written in the cells; a colour bar would repeat them
        text=[[f"{n:,}" if n else EMPTY_MARK for n in row] for row in values.tolist()],
        texttemplate="%{text}",
        textfont=dict(size=12, color=LIGHT.ink),
        hovertext=hover,
        hoverinfo="text",
        customdata=links,
        xgap=2,
        ygap=2,
        name=name,
        **axes,
    )


def _matrix(df: pd.DataFrame, row_column: str, col_column: str, title: str, subtitle: str) -> go.Figure:
    """Studies per (row term, column term): one cell per vocabulary pair, empty cells grey with a dash.
    Column labels sit on top, where the first rows are read."""
    vocabulary = load_vocabulary()
    rows, cols = vocabulary[row_column], vocabulary[col_column]
    ticks = _column_ticks(col_column, list(cols.terms), glyphs=col_column == "model_family")
    band = _column_band(ticks)
    fig = _figure(
        title,
        subtitle,
        height=MATRIX_TITLE_BLOCK + band + 30 + MATRIX_ROW * len(rows.terms) + 16,
        x_title=cols.label,
        y_title=rows.label,
        x_axis=dict(MATRIX_AXIS, side="top", tickangle=-90),
        y_axis=dict(MATRIX_AXIS, autorange="reversed"),
    )
    fig.update_layout(margin=dict(t=MATRIX_TITLE_BLOCK + band + 30))
    if df.empty:
        return _mark_empty(fig)
    long = pairs(df, row_column, col_column)  # once: both the counts and the hover lists use it
    grid = grid_of_pairs(long, df, row_column, col_column)
    row_labels = [_label(row_column, key) for key in grid.index]
    fig.add_trace(_heatmap(df, long, grid, row_column, col_column, row_labels, f"{rows.label} \u00d7 {cols.label}"))
    fig.update_xaxes(tickmode="array", tickvals=[_label(col_column, key) for key in grid.columns], ticktext=ticks)
    return fig


#: In a bars-and-matrix figure, the share of the width the bars take (the matrix has the rest).
BAR_SHARE = 0.26
PANEL_GAP = 0.04


def _bars_and_matrix(df: pd.DataFrame, column: str, title: str, subtitle: str, *, ranked: bool) -> go.Figure:
    """Per category of `column` (a vocabulary facet, or `year`): a bar of the studies in it, each
    study counted once, and beside it a matrix of those studies by model family (a study with
    two families is in two cells of its row, never twice in its bar)."""
    families = list(load_vocabulary()["model_family"].terms)
    ticks = _column_ticks("model_family", families, glyphs=True)
    band = _column_band(ticks)
    categories = keys_of(column, df) if column == "year" else list(load_vocabulary()[column].terms)
    y_title = "Year of publication" if column == "year" else _facet(column)
    top = MATRIX_TITLE_BLOCK + band + 30
    fig = _figure(
        title,
        subtitle,
        height=top + MATRIX_ROW * max(len(categories), 3) + 64,
        x_title="Number of studies",
        y_title=y_title,
        x_axis=dict(VALUE_AXIS, domain=[0, BAR_SHARE]),
        y_axis=dict(CATEGORY_AXIS, autorange="reversed", type="category"),
    )
    fig.update_layout(
        margin=dict(t=top, b=16),
        xaxis2=dict(
            MATRIX_AXIS,
            domain=[BAR_SHARE + PANEL_GAP, 1],
            anchor="y",
            side="top",
            tickangle=-90,
            title=dict(text=_escape(_facet("model_family"))),
        ),
    )
    if df.empty:
        return _mark_empty(fig)
    long = pairs(df, column, "model_family")
    if long.empty:
        return _mark_empty(fig, _none_coded(len(df), "limitation theme").rstrip("."))
    counts = term_counts(df, column)
    if ranked:
        counts = _ranked(counts)
    keys = list(counts.index)
    labels = [_label(column, key) for key in keys]
    grid = grid_of_pairs(long, df, column, "model_family").reindex(index=keys, fill_value=0)
    lists = _member_lists(long_form(df, column), [column], df)
    family_labels = [_label("model_family", key) for key in grid.columns]

    def breakdown(key) -> str:
        row = grid.loc[key]
        parts = [f"{family_labels[j]} {int(n):,}" for j, n in enumerate(row.to_numpy()) if n]
        # In italics, line by line, so it reads apart from the list of studies under it.
        lines = [" \u00b7 ".join(parts[i : i + 3]) for i in range(0, len(parts), 3)]
        return "<br>".join(f"<i>{line}</i>" for line in ["By model family:", *lines]) if parts else ""

    fig.add_bar(
        orientation="h",
        y=labels,
        x=counts.to_list(),
        text=[f"{n:,}" for n in counts],
        textposition="outside",
        cliponaxis=False,
        textfont=dict(color=LIGHT.ink, size=12),
        marker=dict(color=LIGHT.neutral),
        hovertext=[
            _hover(label, int(n), lists.get(key, ""), breakdown(key)) for key, label, n in zip(keys, labels, counts)
        ],
        hoverinfo="text",
        customdata=[_query((column, key)) if n else "" for key, n in counts.items()],
        name="Number of studies",
    )
    fig.add_trace(
        _heatmap(
            df, long, grid, column, "model_family", labels, f"{y_title} \u00d7 {_facet('model_family')}", xaxis="x2"
        )
    )
    fig.layout.xaxis.update(_count_axis_range(int(counts.max()), room_for_labels=True))
    fig.layout.xaxis2.update(tickmode="array", tickvals=family_labels, ticktext=ticks)
    return fig


def _family_marker(families) -> dict:
    """Bar marker for one family key (a trace) or a list of them (one per bar): its colour, and
    its hatching when it shares that colour with another family."""
    colours, patterns = family_colours(), family_patterns()
    hatch = dict(HATCH, fgcolor="white")
    if isinstance(families, str):
        return dict(color=colours[families], pattern=dict(hatch, shape=patterns[families]))
    # With one colour per bar, plotly.js hatches each bar from its own colour and never draws
    # pattern.bgcolor; left unset, bgcolor defaults to the list of colours, which plotly.js cannot
    # take: it logs "WARN: Invalid color specifier" on every draw. A single colour here changes no
    # pixel and stops the warning.
    return dict(
        color=[colours[f] for f in families],
        pattern=dict(hatch, shape=[patterns[f] for f in families], bgcolor="white"),
    )


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
    return _term_bar(df, "domain", TITLES["domain_bar"], subtitle, coloured=False)


def family_bar(df: pd.DataFrame) -> go.Figure:
    """Studies per model family, largest first, each bar in its family's colour."""
    subtitle = f"{_n_studies(len(df))}; a study using several model families counts once in each"
    return _term_bar(df, "model_family", TITLES["family_bar"], subtitle, coloured=True)


def gap_map(df: pd.DataFrame) -> go.Figure:
    """Clinical domain × model family: every pair of the vocabulary, empty ones marked with a dash."""
    subtitle = f"{_n_studies(len(df))}; each cell counts the studies coded with both; \u2014 no study yet"
    return _matrix(df, "domain", "model_family", TITLES["gap_map"], subtitle)


def modality_contribution(df: pd.DataFrame) -> go.Figure:
    """Data modality × contribution (augmentation, automation, knowledge, education, design)."""
    subtitle = f"{_n_studies(len(df))}; each cell counts the studies coded with both; \u2014 no study yet"
    return _matrix(df, "modality", "contribution", TITLES["modality_contribution"], subtitle)


def limitations_by_family(df: pd.DataFrame) -> go.Figure:
    """Limitation themes, most reported on top: the studies reporting each (once per study), and
    beside them the same studies by model family."""
    subtitle = f"{_n_studies(len(df))}; a bar counts each study once; a cell, the studies of that model family"
    return _bars_and_matrix(df, "limitation_themes", TITLES["limitations_by_family"], subtitle, ranked=True)


def timeline(df: pd.DataFrame) -> go.Figure:
    """Studies per publication year (every year in the range, gaps included), once per study, and
    beside them the same studies by model family."""
    subtitle = f"{_n_studies(len(df))}; a bar counts each study once; a cell, the studies of that model family"
    return _bars_and_matrix(df, "year", TITLES["timeline"], subtitle, ranked=False)


# ---------------------------------------------------------------------------------------------
# Variants: the same figure on a phone, and in the dark theme (patches for a page to merge).


def _axes(layout: dict) -> list[str]:
    return sorted(name for name in layout if re.fullmatch(r"[xy]axis\d*", name))


def phone_variant(fig: go.Figure) -> dict:
    """What changes when the figure's box is narrower than PHONE_MAX_WIDTH: titles and category
    labels wrapped, margins narrow, a matrix's column labels on one line each, and in a
    bars-and-matrix figure the matrix across the whole width with each row's study count in its
    label (the bars would leave the cells too small to read or tap). Returns
    {"layout": {...}, "data": [{...} per trace], "max_width": PHONE_MAX_WIDTH}."""
    layout = fig.layout.to_plotly_json()
    traces = [trace.to_plotly_json() for trace in fig.data]
    patch: dict = {}
    data: list[dict] = [{} for _ in traces]
    title = wrap_label(layout.get("title", {}).get("text", ""), PHONE_TITLE_CHARS)
    subtitle = wrap_label(layout.get("title", {}).get("subtitle", {}).get("text", ""), PHONE_SUBTITLE_CHARS)
    patch["title"] = dict(
        text=title, font=dict(size=16), pad=dict(l=4), subtitle=dict(text=subtitle, font=dict(size=11))
    )
    title_block = 14 + 21 * _lines(title) + 15 * _lines(subtitle) + 18

    kinds = [t.get("type") for t in traces]
    matrix = kinds.index("heatmap") if "heatmap" in kinds else None
    bars = kinds.index("bar") if "bar" in kinds else None
    rows = list((traces[matrix] if matrix is not None else traces[bars] if bars is not None else {}).get("y", []))
    label_text = rows
    if matrix is not None and bars is not None:
        # Bars and matrix: the matrix takes the width; each row's label carries its bar's count.
        totals = list(traces[bars]["x"])
        label_text = [f"{label} ({n:,})" for label, n in zip(rows, totals)]
        data[bars] = dict(visible=False)
        patch["xaxis"] = dict(visible=False)
        patch["xaxis2"] = dict(domain=[0, 1])
    wrapped = [wrap_label(str(text), 14) for text in label_text]
    lines = max((_lines(text) for text in wrapped), default=1)
    row = max(28 if matrix is not None else 26, 13 * lines + 6)
    y_axis = "yaxis"
    patch[y_axis] = dict(tickmode="array", tickvals=rows, ticktext=wrapped, tickfont=dict(size=11), title=dict(text=""))

    band = 0
    if matrix is not None:
        x_axis = "xaxis2" if traces[matrix].get("xaxis") == "x2" else "xaxis"
        columns = layout.get(x_axis, {}).get("ticktext") or traces[matrix].get("x", [])
        one_line = [text.replace("<br>", " ") for text in columns]
        band = _column_band(one_line, font_size=11)
        patch.setdefault(x_axis, {}).update(ticktext=one_line, tickfont=dict(size=11), title=dict(text=""))
        data[matrix] = dict(textfont=dict(size=11), xgap=1, ygap=1)
    bottom = 8
    if bars is not None and matrix is None:
        bottom = 48  # the count axis and its title
    top = title_block + band
    patch["margin"] = dict(l=4, r=4, t=top, b=bottom)
    if rows and not layout.get("annotations"):
        patch["height"] = top + row * len(rows) + bottom + 8
    return {"layout": patch, "data": data, "max_width": PHONE_MAX_WIDTH}


def _recolour(value, mapping: dict):
    return mapping.get(value, value) if isinstance(value, str) else value


def dark_variant(fig: go.Figure) -> dict:
    """What changes in the dark theme: text, lines and cells in DARK's colours on a transparent
    paper (the page's own dark background shows through). Family colours stay as they are.
    Returns {"layout": {...}, "data": [{...} per trace]}."""
    mapping = {
        getattr(LIGHT, name): getattr(DARK, name) for name in ("ink", "muted", "grid", "empty", "neutral", "separator")
    }
    mapping.update({LIGHT.scale[0]: DARK.scale[0], LIGHT.scale[1]: DARK.scale[1]})
    layout = fig.layout.to_plotly_json()
    patch: dict = {
        "paper_bgcolor": DARK.paper,
        "plot_bgcolor": DARK.paper,
        "font": dict(color=DARK.ink),
        "title": dict(font=dict(color=DARK.ink), subtitle=dict(font=dict(color=DARK.muted))),
        "hoverlabel": dict(bgcolor=DARK.hover_bg, bordercolor=DARK.hover_border, font=dict(color=DARK.ink)),
    }
    for axis in _axes(layout):
        patch[axis] = dict(gridcolor=DARK.grid, linecolor=DARK.muted, tickcolor=DARK.muted)
    if layout.get("annotations"):
        patch["annotations"] = [
            dict(annotation, font=dict(annotation.get("font", {}), color=DARK.muted))
            for annotation in layout["annotations"]
        ]
    data = []
    for trace in fig.data:
        spec = trace.to_plotly_json()
        change: dict = {}
        if spec.get("type") == "bar":
            marker = spec.get("marker", {})
            if isinstance(marker.get("color"), str):
                change["marker"] = dict(color=_recolour(marker["color"], mapping))
            change["textfont"] = dict(color=DARK.ink)
        elif spec.get("type") == "heatmap":
            change["colorscale"] = [[stop, _recolour(colour, mapping)] for stop, colour in spec["colorscale"]]
            change["textfont"] = dict(color=DARK.ink)
        data.append(change)
    return {"layout": patch, "data": data}


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
