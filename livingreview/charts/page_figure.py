"""A chart as a book page carries it: drawn at once, plotly.js's once the reader interacts.

One block per chart: the box (its height reserved, the phone's in a narrow box, so nothing below
moves when the chart is drawn) holding the static drawings (svg.py, wide and phone); the figure
plotly.js draws, as inert JSON with its variants (plotly_figure.variants) and the studies page its
bars and cells open, for assets/figures.js; the caption; and the data table (table.py). No
plotly.js is inlined: figures.js fetches it once the reader interacts with the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..data.links import STUDIES_PAGE
from ..text.markup import esc, script_json
from .model import CHARTS, Chart
from .plotly_figure import PLOTLY_CONFIG, plotly_figure, variants
from .style import PHONE_MAX_WIDTH, geometry
from .svg import chart_svgs
from .table import chart_table_html

#: Said under a chart whose bars and cells open the studies they count.
CLICK_HINT = (
    "Select a bar or a cell to list its studies (tap twice on a touch screen), or use the links in the data table."
)


@dataclass(repr=False)
class FigureHTML:
    """A chart as HTML for a page (IPython shows it through _repr_html_)."""

    chart: Chart

    def __repr__(self) -> str:  # the text/plain output saved with the page: short and stable
        return f"<figure {self.chart.name}>"

    def _repr_html_(self) -> str:
        return figure_block(self.chart)


def links_to_studies(chart: Chart) -> bool:
    """Whether any bar or cell of the chart opens studies."""
    groups = list(chart.bars or ()) + [cell for row in (chart.matrix.cells if chart.matrix else ()) for cell in row]
    return any(group.query for group in groups)


def figure_block(chart: Chart, page: str = STUDIES_PAGE) -> str:
    """The chart's block of HTML: box, drawings, plotly.js's figure, caption and data table."""
    figure = plotly_figure(chart)
    spec = script_json(
        {
            **figure,
            "config": PLOTLY_CONFIG,
            "variants": variants(chart, figure),
            "phone_max_width": PHONE_MAX_WIDTH,
            "studies_page": page,
        }
    )
    name = esc(chart.name)
    holder = f"lr-fig-{name}"
    height, phone_height = geometry(chart).height, geometry(chart, phone=True).height
    caption = esc(chart.caption)
    if links_to_studies(chart):
        caption += f' <span class="lr-figure-hint">{CLICK_HINT}</span>'
    return (
        f'<div class="lr-figure-box" id="figure-{name}">'
        f'<figure class="lr-figure-frame">'
        f'<div class="lr-figure" id="{holder}" data-spec="{holder}-spec" role="group" '
        f'aria-label="{esc(chart.title)}" style="--lr-h:{height}px;--lr-h-phone:{phone_height}px">'
        f"{chart_svgs(chart, href=page, key=holder)}</div>"
        f'<script type="application/json" id="{holder}-spec">{spec}</script>'
        f'<figcaption class="lr-caption">{caption}</figcaption></figure>'
        f"{chart_table_html(chart, page)}</div>"
    )


def figure_html(name: str, df) -> FigureHTML:
    """Chart `name` of CHARTS drawn from the study table `df`, ready for a page."""
    return FigureHTML(CHARTS[name].build(df))
