"""A chart as the figure plotly.js draws: hover lists of its studies, a click to open them.

plotly_figure(chart, phone=..., dark=...) is the figure, as plotly.js's JSON (a dict of "data"
and "layout"), for a wide box or a phone's, in the light or the dark theme; everything it places
comes from livingreview.charts.style (explicit margins, ranges and ticks: nothing is left to
plotly.js's automatic margins), so it lands where the static drawing (svg.py) put it. Each bar
and cell that holds studies carries, as its customdata, the studies page's query string for
exactly them: a page opens it on a click (assets/figures.js). Rows and columns are positions
(0, 1, …) whose labels are tick text: no text from the data is a plotly category.

variants(chart) gives a page the other three drawings as patches of the wide light figure
(JSON merge patches, RFC 7396: objects merge key by key, null removes a key, anything else
replaces), computed from the renderer's own output, so a page merges whichever applies
(assets/figures.js) and gets exactly what plotly_figure would draw.

Text reaches plotly.js escaped (text_of): plotly.js interprets tags such as <b>, <a> and <span>
in labels and hover text, and study names come from contributors.
"""

from __future__ import annotations

from ..text.markup import esc
from .captions import n_studies
from .model import VALUE_TITLE, Chart, Group
from .style import (
    AXIS_TITLE_SIZE,
    BAR_GAP,
    DARK,
    EMPTY_MARK,
    FONT,
    LIGHT,
    MESSAGE_SIZE,
    PATTERN_GLYPHS,
    STANDOFF,
    TICK_LENGTH,
    Geometry,
    Palette,
    geometry,
)

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

#: How families that share a colour are told apart: hatching over the colour
#: (livingreview.data.vocabulary.PATTERNS, assigned per family in data/vocabulary.yml order).
HATCH = {"fillmode": "overlay", "solidity": 0.4, "size": 7, "fgcolor": "white"}


def text_of(text) -> str:
    """Text as plotly.js must receive it to show it literally: markup.esc's entities, but the
    numeric &#34; for a quote (plotly.js decodes numeric entities, not &quot;, which would show)."""
    return esc(text).replace("&quot;", "&#34;")


def _joined(lines) -> str:
    """Lines of plotly text, escaped, one under the other."""
    return "<br>".join(text_of(line) for line in lines)


def _hover(heading: str, group: Group, extra: str = "") -> str:
    """The hover text of a bar or cell: its heading, its count, and the studies it holds."""
    text = f"<b>{text_of(heading)}</b><br>{n_studies(group.count)}"
    if extra:
        text += f"<br>{extra}"
    listing = [text_of(name) for name in group.names]
    if group.more > 0:
        listing.append(f"\u2026 and {group.more:,} more")
    return "<br>".join([text, *listing]) if group.count else text


def _breakdown(chart: Chart, i: int) -> str:
    """A bar's studies by model family (its matrix row), in italics, three families a line."""
    parts = [
        f"{text_of(column.label)} {cell.count:,}"
        for column, cell in zip(chart.matrix.columns, chart.matrix.cells[i])
        if cell.count
    ]
    lines = [" \u00b7 ".join(parts[k : k + 3]) for k in range(0, len(parts), 3)]
    return "<br>".join(f"<i>{line}</i>" for line in ["By model family:", *lines]) if parts else ""


def _axis_title(text: str, size: float = AXIS_TITLE_SIZE) -> dict:
    return {"text": text_of(text), "font": {"size": size}, "standoff": STANDOFF}


def _bars(chart: Chart, g: Geometry, palette: Palette) -> dict:
    groups = chart.bars
    swatches = [row.swatch for row in chart.rows]
    if all(swatches):
        # With one colour per bar plotly.js hatches each bar from its own colour and never draws
        # pattern.bgcolor; left unset, bgcolor defaults to the list of colours, which plotly.js
        # cannot take ("WARN: Invalid color specifier" on every draw). One colour changes no pixel.
        marker = {
            "color": [s.colour for s in swatches],
            "pattern": dict(HATCH, shape=[s.pattern for s in swatches], bgcolor="white"),
            "line": {"width": 0},
        }
    else:
        marker = {"color": palette.neutral, "line": {"width": 0}}
    both = chart.matrix is not None
    return {
        "type": "bar",
        "orientation": "h",
        "x": [group.count for group in groups],
        "y": list(range(len(groups))),
        "text": [f"{group.count:,}" for group in groups],
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"color": palette.ink, "size": g.sizes.count},
        "marker": marker,
        "hovertext": [
            _hover(row.label, group, _breakdown(chart, i) if both else "")
            for i, (row, group) in enumerate(zip(chart.rows, groups))
        ],
        "hoverinfo": "text",
        "customdata": [group.query for group in groups],
        "name": VALUE_TITLE,
        "visible": g.bars is not None,
        "xaxis": "x",
        "yaxis": "y",
    }


def _cells(chart: Chart, g: Geometry, palette: Palette, axis: str) -> dict:
    matrix = chart.matrix
    counts = [[cell.count for cell in row] for row in matrix.cells]
    largest = max((n for row in counts for n in row), default=0)
    top = max(largest, 1)
    # 0 gets its own flat colour; 1..largest runs light to dark. The break sits half a study
    # above 0, so the lowest real count is already on the ramp (style.cell_colour says the same).
    cut = 0.5 / top
    return {
        "type": "heatmap",
        "z": counts,
        "x": list(range(len(matrix.columns))),
        "y": list(range(len(matrix.cells))),
        "zmin": 0,
        "zmax": top,
        "colorscale": [[0, palette.empty], [cut, palette.empty], [cut, palette.scale[0]], [1, palette.scale[1]]],
        "showscale": False,  # the counts are written in the cells; a colour bar would repeat them
        "text": [[f"{n:,}" if n else EMPTY_MARK for n in row] for row in counts],
        "texttemplate": "%{text}",
        "textfont": {"size": g.sizes.count, "color": palette.ink},
        "hovertext": [
            [_hover(f"{r.label} \u00d7 {c.label}", cell) for c, cell in zip(matrix.columns, cells)]
            for r, cells in zip(chart.rows, matrix.cells)
        ],
        "hoverinfo": "text",
        "customdata": [[cell.query for cell in row] for row in matrix.cells],
        "xgap": g.sizes.cell_gap,
        "ygap": g.sizes.cell_gap,
        "name": f"{chart.row_title} \u00d7 {matrix.title}",
        "xaxis": axis,
        "yaxis": "y",
    }


def _column_ticks(chart: Chart, g: Geometry) -> list[str]:
    """A matrix's column labels: a family's glyph in its colour before its name."""
    ticks = []
    for column, label in zip(chart.matrix.columns, g.column_labels):
        if column.swatch is None:
            ticks.append(text_of(label))
        else:
            glyph = PATTERN_GLYPHS.get(column.swatch.pattern, PATTERN_GLYPHS[""])
            name = label.removeprefix(glyph).lstrip()
            ticks.append(f'<span style="color:{text_of(column.swatch.colour)}">{glyph}</span> {text_of(name)}')
    return ticks


def plotly_figure(chart: Chart, *, phone: bool = False, dark: bool = False, titled: bool = True) -> dict:
    """The chart as plotly.js's figure JSON ({"data", "layout"}): for a box narrower than
    style.PHONE_MAX_WIDTH when `phone`, in the dark theme's colours when `dark`, without its
    title (a page that shows it as a heading) when not `titled`. Its width follows the page."""
    g = geometry(chart, phone=phone, titled=titled)
    palette = DARK if dark else LIGHT
    s = g.sizes
    m = g.margins
    hidden = {"visible": False, "fixedrange": True}
    layout: dict = {
        "font": {"family": FONT, "size": AXIS_TITLE_SIZE, "color": palette.ink},
        "paper_bgcolor": palette.paper,
        "plot_bgcolor": palette.paper,
        "autosize": True,
        "height": g.height,
        "margin": {"l": m.left, "r": m.right, "t": m.top, "b": m.bottom, "pad": 0, "autoexpand": False},
        "dragmode": False,
        "showlegend": False,
        "bargap": BAR_GAP,
        "hoverlabel": {
            "bgcolor": palette.hover_bg,
            "bordercolor": palette.hover_border,
            "align": "left",
            "font": {"family": FONT, "size": 12, "color": palette.ink},
        },
        "xaxis": dict(hidden),
        "yaxis": dict(hidden),
    }
    if g.title:
        layout["title"] = {
            "text": _joined(g.title),
            "font": {"size": s.title, "color": palette.ink},
            "subtitle": {"text": _joined(g.subtitle), "font": {"size": s.subtitle, "color": palette.muted}},
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"l": s.margin, "t": g.title_anchor},
            "automargin": False,
        }
    data: list[dict] = []
    if chart.empty:
        layout["annotations"] = [
            {
                "text": text_of(chart.message),
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": MESSAGE_SIZE, "color": palette.muted},
            }
        ]
        return {"data": data, "layout": layout}

    rows = len(chart.rows)
    layout["yaxis"] = {
        "range": [rows - 0.5, -0.5],
        "tickmode": "array",
        "tickvals": list(range(rows)),
        "ticktext": [_joined(label) for label in g.row_labels],
        "tickfont": {"size": s.tick},
        "ticks": "outside" if g.ticks else "",
        "ticklen": TICK_LENGTH,
        "tickcolor": palette.muted,
        "showline": g.ticks,
        "linecolor": palette.muted,
        "linewidth": 1,
        "showgrid": False,
        "zeroline": False,
        "automargin": False,
        "fixedrange": True,
        "title": _axis_title(g.row_title),
    }
    if chart.bars is not None:
        layout["xaxis"] = {
            "domain": list(g.bars or (0, 1)),
            "visible": g.bars is not None,
            "range": [0, g.value_top],
            "tick0": 0,
            "dtick": g.value_step,
            "tickformat": ",d",
            "tickfont": {"size": s.tick},
            "ticks": "",
            "showgrid": True,
            "gridcolor": palette.grid,
            "gridwidth": 1,
            "zeroline": False,
            "showline": False,
            "automargin": False,
            "fixedrange": True,
            "anchor": "y",
            "title": _axis_title(VALUE_TITLE),
        }
        data.append(_bars(chart, g, palette))
    if chart.matrix is not None:
        name = "xaxis2" if chart.bars is not None else "xaxis"
        columns = len(chart.matrix.columns)
        layout[name] = {
            "domain": list(g.matrix),
            "range": [-0.5, columns - 0.5],
            "side": "top",
            "anchor": "y",
            "tickmode": "array",
            "tickvals": list(range(columns)),
            "ticktext": _column_ticks(chart, g),
            "tickangle": -90,
            "tickfont": {"size": s.tick},
            "ticks": "",
            "showgrid": False,
            "zeroline": False,
            "showline": False,
            "automargin": False,
            "fixedrange": True,
            "title": _axis_title(g.column_title),
        }
        data.append(_cells(chart, g, palette, "x2" if name == "xaxis2" else "x"))
    return {"data": data, "layout": layout}


# ---------------------------------------------------------------------------------------------
# The other drawings of a chart as patches of its wide light figure


def merge(base, patch):
    """`patch` merged into `base` (RFC 7396): objects key by key, null removes, else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def merge_patch(base, target):
    """The patch that merge() turns `base` into `target` with (None when they are equal)."""
    if base == target:
        return None
    if not isinstance(base, dict) or not isinstance(target, dict):
        return target
    patch = {key: None for key in base if key not in target}
    for key, value in target.items():
        change = merge_patch(base.get(key), value) if key in base else value
        if change is not None or key not in base:
            patch[key] = change
    return patch


def figure_patch(base: dict, target: dict) -> dict:
    """What turns figure `base` into figure `target`: {"layout": patch, "data": [patch per trace]}
    (the two have the same traces in the same order, as plotly_figure draws every variant)."""
    assert len(base["data"]) == len(target["data"]), "a variant draws the same traces"
    return {
        "layout": merge_patch(base["layout"], target["layout"]) or {},
        "data": [merge_patch(b, t) or {} for b, t in zip(base["data"], target["data"])],
    }


def apply_patch(figure: dict, patch: dict) -> dict:
    """The figure with a figure_patch() merged in (as assets/figures.js merges it)."""
    return {
        "data": [merge(trace, change) for trace, change in zip(figure["data"], patch["data"])],
        "layout": merge(figure["layout"], patch["layout"]),
    }


#: The variants a page may need, by the names assets/figures.js joins: a phone's box, the dark
#: theme, or both.
VARIANTS = {"phone": {"phone": True}, "dark": {"dark": True}, "phone+dark": {"phone": True, "dark": True}}


def variants(chart: Chart, base: dict | None = None) -> dict[str, dict]:
    """Every other drawing of the chart as a patch of its wide light figure (`base`, if given)."""
    base = base if base is not None else plotly_figure(chart)
    return {name: figure_patch(base, plotly_figure(chart, **options)) for name, options in VARIANTS.items()}
