"""The interactive study explorer: filters, live count, charts, study table and downloads.

book/explore.ipynb only calls build_explorer(); Voilà serves that notebook as the app and hands
the page's query string to the kernel (env QUERY_STRING), which becomes the initial filters.
Every control change recomputes the matching studies once and redraws all outputs from them.

Each matching study is a row that opens into its card (livingreview.cards, the same card as the
static book's table). All study text is untrusted: it is escaped wherever it is shown
(livingreview.markup), and the only links built from data are those of livingreview.links.
"""

from __future__ import annotations

import base64
import json
from contextlib import contextmanager

import ipywidgets as widgets
import pandas as pd

from . import exports, upstream
from .cards import details_row_html, study_cards
from .counts import term_counts
from .filters import FACETS, FilterState
from .markup import esc
from .vocabulary import load_vocabulary
from .wording import plural

#: Above this many matching studies, download files are built on request, not on every click
#: (the links embed the files, and 10,000 studies make ~30 MB that would cross the websocket).
DOWNLOAD_LINKS_LIMIT = 1000

#: The table lists at most this many studies: a page of 10,000 study cards helps no reader and
#: would take seconds to send and draw. The count, charts and downloads still cover all matches.
TABLE_ROWS_LIMIT = 200

DOWNLOADS = (  # (label, file name, media type, exporter)
    ("CSV", exports.CSV_FILENAME, "text/csv", exports.to_csv),
    ("BibTeX", exports.BIBTEX_FILENAME, "application/x-bibtex", exports.to_bibtex),
    ("RIS", exports.RIS_FILENAME, "application/x-research-info-systems", exports.to_ris),
)


#: Width of the labels left of the controls: fits "Limitation theme", leaves room for the lists.
LABEL_WIDTH = "120px"


STYLE = """
<style>
.lr-app { font-size: 14px; line-height: 1.45; color: #1f2328; }
/* ipywidgets gives HTML widgets the 28px line height of a form control; text wants its own. */
.lr-app .widget-html-content { line-height: 1.45; }
.lr-app .widget-html, .lr-app .widget-html-content { width: 100%; }
/* The year range readout ('2020 – 2025') must not be squeezed by the slider track. */
.lr-app .widget-hslider .widget-readout { flex: 0 0 auto; min-width: 96px; }
.lr-app a { color: #0b5cad; }
.lr-panel-title { font-weight: 600; font-size: 15px; margin: 0 0 2px 0; }
.lr-hint { color: #57606a; font-size: 12.5px; margin: 0 0 6px 0; }
.lr-count { font-size: 18px; margin: 0; }
.lr-count strong { font-size: 24px; }
.lr-link { color: #57606a; font-size: 13px; word-break: break-all; }
.lr-link code { background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
.lr-downloads a { display: inline-block; margin: 2px 6px 2px 0; padding: 3px 10px;
  border: 1px solid #0b5cad; border-radius: 4px; text-decoration: none; }
.lr-downloads a:hover, .lr-downloads a:focus { background: #e8f1fb; }
.lr-caption { color: #57606a; font-size: 12.5px; margin: 0 0 4px 0; }
table.lr-studies { border-collapse: collapse; width: 100%; }
table.lr-studies caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.lr-studies th { text-align: left; border-bottom: 2px solid #d0d7de; padding: 6px 8px;
  font-size: 13px; color: #57606a; }
table.lr-studies td { border-bottom: 1px solid #eaeef2; padding: 8px; vertical-align: top; }
table.lr-studies tr:nth-child(even) td { background: #fafbfc; }
.lr-study summary { cursor: pointer; }
.lr-study summary:focus-visible { outline: 2px solid #0b5cad; outline-offset: 2px; }
.lr-cite { font-weight: 600; }
.lr-title { display: block; margin-left: 1.1em; }
.lr-gist { display: block; margin-left: 1.1em; color: #57606a; font-style: italic; }
.lr-card { margin: 8px 0 4px 1.1em; padding: 8px 12px; border-left: 3px solid #d0d7de;
  background: #fff; }
/* Spelled out: the page's theme lays out some definition lists as a two-column grid. */
.lr-card dl { display: block; margin: 0; padding: 0; }
.lr-card dt { display: block; float: none; width: auto; font-weight: 600; font-size: 12.5px;
  color: #57606a; margin: 8px 0 0 0; padding: 0; text-align: left; }
.lr-card dd { display: block; float: none; margin: 0; padding: 0; }
.lr-tags > span { display: inline-block; margin: 1px 4px 1px 0; padding: 0 6px; border-radius: 10px;
  background: #eef1f4; font-size: 12.5px; white-space: nowrap; }
.lr-t-model_family > span { border-left: 4px solid var(--lr-c, #7f7f7f); border-radius: 3px; }
.lr-empty { padding: 16px; color: #57606a; }
</style>
"""


def build_explorer(df: pd.DataFrame | None = None, query_string: str | None = None) -> StudyExplorer:
    """The explorer over `df` (default: load_studies()), starting from the filters in
    `query_string` (e.g. '?domain=dermatology&year=2020-2024'; unknown parts are ignored;
    default: the query string of the Voilà page, upstream.voila_query_string())."""
    if df is None:
        from .studies import load_studies

        df = load_studies()
    query = upstream.voila_query_string() if query_string is None else query_string
    return StudyExplorer(df, FilterState.from_query(query))


class StudyExplorer(widgets.VBox):
    """The app widget. Attributes other than children are for tests and notebooks:
    facet_controls (FilterState field -> SelectMultiple), year_slider, search_box, reset_button,
    count (HTML), link (HTML), table (HTML), downloads (HTML), charts (name -> Output)."""

    def __init__(self, df: pd.DataFrame, state: FilterState | None = None):
        self.studies = df.reset_index(drop=True)
        self.matches = self.studies
        self._vocabulary = load_vocabulary()
        self._quiet = False  # True while several controls are set at once: redraw once, after

        years = self.studies["year"]
        self.year_bounds = (int(years.min()), int(years.max())) if len(years) else (1990, 1990)

        self.search_box = widgets.Text(
            description="Search",
            placeholder="words in any field, e.g. melanoma",
            layout=widgets.Layout(width="100%"),
            style={"description_width": LABEL_WIDTH},
        )
        self.facet_controls = {name: self._facet_control(name) for name in FACETS}
        self.year_slider = widgets.IntRangeSlider(
            description="Publication year",
            min=self.year_bounds[0],
            max=self.year_bounds[1],
            value=self.year_bounds,
            step=1,
            continuous_update=False,  # redraw on release, not for every year dragged past
            layout=widgets.Layout(width="100%"),
            style={"description_width": LABEL_WIDTH},
        )
        self.reset_button = widgets.Button(
            description="Reset filters", icon="undo", tooltip="Clear every filter and show all studies"
        )
        self.reset_button.on_click(lambda _: self.set_state(FilterState()))

        self.count = widgets.HTML()
        self.link = widgets.HTML()
        self.downloads = widgets.HTML()
        self.prepare_downloads_button = widgets.Button(
            description="Prepare download files", icon="download", layout=widgets.Layout(display="none")
        )
        self.prepare_downloads_button.on_click(lambda _: self._show_download_links())
        self.charts = {"family_bar": widgets.Output(), "gap_map": widgets.Output()}
        self.chart_captions = {name: widgets.HTML() for name in self.charts}
        self.table = widgets.HTML()

        filters_panel = widgets.VBox(
            [
                widgets.HTML(
                    '<p class="lr-panel-title">Filter the studies</p>'
                    '<p class="lr-hint">Within a list, Ctrl-click (⌘-click on a Mac) to choose '
                    "several: a study needs any one of them. Across lists, a study must match all. "
                    "Choose nothing in a list to leave it open.</p>"
                ),
                self.search_box,
                *self.facet_controls.values(),
                self.year_slider,
                self.reset_button,
                widgets.HTML('<p class="lr-panel-title" style="margin-top:12px">Download these studies</p>'),
                self.downloads,
                self.prepare_downloads_button,
            ],
            layout=widgets.Layout(flex="0 1 380px", min_width="300px", padding="0 16px 0 0"),
        )
        chart_boxes = [
            widgets.VBox(
                [self.charts[name], self.chart_captions[name]],
                layout=widgets.Layout(flex="1 1 420px", min_width="320px"),
            )
            for name in self.charts
        ]
        results_panel = widgets.VBox(
            [
                widgets.VBox([self.count, self.link]),
                widgets.HBox(chart_boxes, layout=widgets.Layout(flex_flow="row wrap", width="100%")),
                self.table,
            ],
            layout=widgets.Layout(flex="1 1 600px", min_width="320px"),
        )
        super().__init__(
            [
                widgets.HTML(STYLE),
                widgets.HBox([filters_panel, results_panel], layout=widgets.Layout(flex_flow="row wrap")),
            ]
        )
        self.add_class("lr-app")

        for control in (self.search_box, *self.facet_controls.values(), self.year_slider):
            control.observe(self._on_change, names="value")
        self.set_state(state or FilterState())

    # ---------------------------------------------------------------- controls <-> state

    def _facet_control(self, name: str) -> widgets.SelectMultiple:
        column = FACETS[name][1]
        facet = self._vocabulary[column]
        # Every vocabulary term is listed, with its count in the whole table: a (0) is an
        # evidence gap worth seeing, not an option to hide.
        options = [
            (f"{facet.label_of(key)} ({count})", key) for key, count in term_counts(self.studies, column).items()
        ]
        return widgets.SelectMultiple(
            description=facet.label,
            options=options,
            rows=min(len(options), 6),
            layout=widgets.Layout(width="100%"),
            style={"description_width": LABEL_WIDTH},
        )

    @property
    def state(self) -> FilterState:
        """The filters the controls show now."""
        years = tuple(self.year_slider.value)
        return FilterState(
            **{name: control.value for name, control in self.facet_controls.items()},
            years=None if years == self.year_bounds else years,
            text=self.search_box.value,
        )

    def set_state(self, state: FilterState) -> None:
        """Show `state` in the controls (terms not offered are dropped) and redraw once."""
        with self._redraw_once():
            for name, control in self.facet_controls.items():
                offered = {key for _, key in control.options}
                control.value = tuple(t for t in getattr(state, name) if t in offered)
            low, high = self.year_bounds
            first, last = state.years or self.year_bounds
            self.year_slider.value = (min(max(first, low), high), max(min(last, high), low))
            self.search_box.value = state.text

    @contextmanager
    def _redraw_once(self):
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False
        self.refresh()

    def _on_change(self, _change) -> None:
        if not self._quiet:
            self.refresh()

    # ---------------------------------------------------------------- outputs

    def refresh(self) -> None:
        """Recompute the matching studies and redraw every output from them.

        Everything is computed first and then assigned in one burst, the count last: the page
        never shows a count with the previous selection's charts, and the count's live region
        announces a view that is already complete (tests wait on it for the same reason).
        """
        state = self.state
        matches = state.apply(self.studies)
        total, shown = len(self.studies), len(matches)
        query = state.to_query()
        if query:
            link = (
                f'<p class="lr-link">Link to this view: <a href="{esc(query)}">'
                f"<code>{esc(query)}</code></a> (copy this link to share this view)</p>"
            )
        else:
            link = '<p class="lr-link">Link to this view: all studies, no filters.</p>'
        table = self.render_table(matches)
        downloads = download_links(matches) if shown <= DOWNLOAD_LINKS_LIMIT else None
        charts = {name: draw_chart(name, matches) for name in self.charts}

        self.matches = matches
        for name, (output, caption) in charts.items():
            self.charts[name].outputs = (output,) if output else ()
            # The caption is the chart in words, for screen readers and for a quick read.
            self.chart_captions[name].value = f'<p class="lr-caption">{esc(caption)}</p>'
        self.table.value = table
        self.link.value = link
        if downloads is None:
            self.downloads.value = (
                f'<p class="lr-hint">{plural(shown, "study", "studies")} match: the files are built when you ask.</p>'
            )
            self.prepare_downloads_button.layout.display = None
        else:
            self._show_download_links(downloads)
        self.count.value = (
            f'<p class="lr-count" role="status" aria-live="polite">'
            f"<strong>{shown:,}</strong> of {plural(total, 'study', 'studies')}</p>"
        )

    def _show_download_links(self, links: str | None = None) -> None:
        self.downloads.value = links if links is not None else download_links(self.matches)
        self.prepare_downloads_button.layout.display = "none"

    def render_table(self, matches: pd.DataFrame) -> str:
        """The matching studies as an HTML table; each row opens into the study's card."""
        if matches.empty:
            return '<p class="lr-empty">No study matches these filters. Remove a filter or press “Reset filters”.</p>'
        listed = matches.head(TABLE_ROWS_LIMIT)
        rows = "".join(details_row_html(card) for card in study_cards(listed.to_dict("records"), self._vocabulary))
        more = (
            f'<p class="lr-hint">The table lists the first {len(listed)} of the {len(matches)} matching '
            "studies; narrow the filters to see the others, or download them all.</p>"
            if len(listed) < len(matches)
            else ""
        )
        return more + (
            '<table class="lr-studies"><caption>Matching studies (open a row for its details)</caption>'
            '<thead><tr><th scope="col">Study</th><th scope="col">Clinical domain</th>'
            '<th scope="col">Model family</th><th scope="col">Contribution</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )


def download_links(matches: pd.DataFrame) -> str:
    """CSV, BibTeX and RIS of `matches` as links that carry the file (base64 data: URIs)."""
    links = []
    for label, filename, media_type, exporter in DOWNLOADS:
        payload = base64.b64encode(exporter(matches).encode("utf-8")).decode("ascii")
        links.append(
            f'<a download="{filename}" href="data:{media_type};charset=utf-8;base64,{payload}" '
            f'aria-label="Download the {len(matches)} matching studies as {label}">{label}</a>'
        )
    return f'<div class="lr-downloads">{"".join(links)}</div>'


def draw_chart(name: str, matches: pd.DataFrame) -> tuple[dict | None, str]:
    """(display_data output, plain-text caption) of figure `name` of livingreview.figures."""
    try:
        # Imported here, not at module level: the study list does not need plotly, and a
        # chart that fails must not take the list down with it.
        from . import figures

        spec = figures.FIGURES[name]
        return _plotly_output(spec.make(matches), getattr(figures, "PLOTLY_CONFIG", {})), spec.caption(matches)
    except Exception as exc:
        return None, f"This chart could not be drawn ({type(exc).__name__}: {exc})."


def _plotly_output(figure, config: dict) -> dict:
    """A display_data output that JupyterLab/Voilà render with the plotly mime renderer
    (plotly 7's FigureWidget would need anywidget, which the app does not depend on)."""
    spec = json.loads(figure.to_json())
    # Not "responsive": in Voilà's output area plotly.js then sometimes gives the first chart a
    # container of height 0 (seen with plotly 7.1 and Voilà 0.5.13). Each redraw still fits the
    # chart to the width of its column at that moment (autosize).
    spec["config"] = dict(config, responsive=False)
    return {
        "output_type": "display_data",
        "data": {upstream.PLOTLY_MIME: spec, "text/plain": "Plotly chart"},
        "metadata": {},
    }
