"""The interactive study explorer: filters, live count, charts, study table and downloads.

book/explore.ipynb only calls build_explorer(); Voilà serves that notebook as the app and hands
the page's query string to the kernel (upstream.voila_query_string), which becomes the initial
filters. Every control change recomputes the matching studies once and redraws all outputs from
them. The page around the app (no request to another host) is Voilà's configuration: voila.json
and share/jupyter/voila/templates/livingreview at the repository root.

The filters are made for touch: every vocabulary term is a checkbox with a large target, in a
collapsible section per facet, grouped as the vocabulary groups it (a domain's specialty, care
setting or activity), with its number of studies in the whole table beside it (livingreview.data.counts,
as on the static studies page). A term no study is coded with yet is listed with its 0, greyed
and not selectable: an evidence gap worth seeing, not a choice that can only empty the list.

Each matching study is a row that opens into its card (livingreview.book.cards, the same card as the
static book's table). All study text is untrusted: it is escaped wherever it is shown
(livingreview.text.markup), and the only links built from data are those of livingreview.data.links.
"""

from __future__ import annotations

import base64
from contextlib import contextmanager

import ipywidgets as widgets
import pandas as pd
import traitlets

from ..book import upstream
from ..book.cards import details_row_html, study_cards
from ..data import exports
from ..data.counts import term_counts
from ..data.filters import FACETS, FilterState
from ..data.vocabulary import Facet, load_vocabulary
from ..text.markup import esc
from ..text.wording import plural

#: Up to this many matching studies, the download links are built on every change (they embed
#: the files); above it, on request. Building CSV, BibTeX and RIS costs about 8 ms per 100 studies,
#: and a filter change must stay quick at 10,000 studies (benchmarks/run.py measures it).
DOWNLOAD_LINKS_LIMIT = 100

#: The table lists this many studies, and as many more each time the reader asks: a page of
#: 10,000 study cards helps no reader, and every row (its card inside) is sent and drawn anew on
#: each change. The count, charts and downloads always cover all matches.
TABLE_PAGE = 50

DOWNLOADS = (  # (label, file name, media type, exporter)
    ("CSV", exports.CSV_FILENAME, "text/csv", exports.to_csv),
    ("BibTeX", exports.BIBTEX_FILENAME, "application/x-bibtex", exports.to_bibtex),
    ("RIS", exports.RIS_FILENAME, "application/x-research-info-systems", exports.to_ris),
)

#: The charts beside the table, by their livingreview.charts.model.CHARTS name, in display order.
CHARTS = ("family_bar", "gap_map")
#: The charts of this many recent views are kept (a view is a set of matching studies): ticking
#: a box and unticking it again redraws the charts at once. At 10,000 studies a view's charts
#: take a few hundred kB.
CHART_CACHE_SIZE = 16

#: Height of a checkbox row: a target a finger hits (WCAG 2.5.5 asks for 44 CSS px).
TARGET_PX = 44

STYLE = f"""
<style>
.lr-app {{ font-size: 15px; line-height: 1.45; color: #1f2328; }}
/* ipywidgets gives HTML widgets the 28px line height of a form control; text wants its own. */
.lr-app .widget-html-content {{ line-height: 1.45; }}
.lr-app .widget-html, .lr-app .widget-html-content {{ width: 100%; }}
.lr-app a {{ color: #0b5cad; }}
.lr-app .lr-head {{ margin: 0 0 8px 0; }}
.lr-panel-title {{ font-weight: 600; font-size: 16px; margin: 0 0 2px 0; }}
.lr-hint {{ color: #57606a; font-size: 13px; margin: 0 0 8px 0; }}
.lr-count {{ font-size: 18px; margin: 0; }}
.lr-count strong {{ font-size: 26px; }}
.lr-link {{ color: #57606a; font-size: 13px; margin: 2px 0 0 0; overflow-wrap: anywhere; }}
.lr-link code {{ background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }}

/* A list's header: a button that shows or hides the list, a touch target too. */
.lr-app .lr-facet {{ border: 1px solid #d0d7de; border-radius: 6px; margin: 0 0 6px 0; }}
.lr-app button.lr-facet-toggle {{ width: 100%; min-height: {TARGET_PX}px; margin: 0; justify-content: flex-start;
  text-align: left; font-size: 15px; font-weight: 600; background: #f6f8fa; color: #1f2328; border-radius: 6px; }}
.lr-app button.lr-facet-toggle.lr-open {{ border-bottom: 1px solid #d0d7de; border-radius: 6px 6px 0 0; }}
/* The caret is drawn, not named: '/ ""' keeps it out of the button's accessible name. */
.lr-app button.lr-facet-toggle::before {{ content: "\\25B8" / ""; display: inline-block; width: 1.2em; }}
.lr-app button.lr-facet-toggle.lr-open::before {{ content: "\\25BE" / ""; }}
.lr-app .lr-facet > .widget-vbox:not(.lr-facet-toggle) {{ padding: 0 8px 8px 8px; }}
.lr-group {{ font-weight: 600; font-size: 13px; color: #57606a; margin: 8px 0 0 0;
  text-transform: uppercase; letter-spacing: 0.03em; }}
/* One checkbox per term; the whole row (box and label) is the target. */
.lr-app .lr-terms .widget-checkbox {{ width: auto; height: auto; min-height: {TARGET_PX}px; margin: 0; }}
.lr-app .lr-terms .widget-checkbox label.widget-label-basic {{ display: flex; align-items: center;
  gap: 10px; width: 100%; min-height: {TARGET_PX}px; padding: 2px 4px; box-sizing: border-box;
  cursor: pointer; line-height: 1.25; white-space: normal; border-radius: 6px; }}
.lr-app .lr-terms .widget-checkbox label.widget-label-basic:hover {{ background: #f3f6f9; }}
.lr-app .lr-terms .widget-checkbox input[type="checkbox"] {{ width: 22px; height: 22px; flex: 0 0 22px;
  margin: 0; cursor: pointer; }}
.lr-app .lr-terms .widget-checkbox label.widget-label-basic span {{ overflow: visible; white-space: normal;
  text-overflow: clip; }}
/* A term without studies: listed with its 0 (a gap), not selectable. */
.lr-app .lr-terms .mod-disabled label.widget-label-basic, .lr-app .lr-terms .widget-checkbox
  input:disabled + span {{ color: #6e7781; cursor: default; }}

/* Years, search, buttons: full-width, comfortable controls. */
.lr-app .lr-filters .widget-text input, .lr-app .lr-filters select {{ min-height: 40px; font-size: 15px; }}
.lr-app .lr-filters .widget-dropdown, .lr-app .lr-filters .widget-text {{ height: auto; }}
.lr-app .lr-filters .widget-label {{ font-size: 14px; }}
.lr-app .lr-filters .jupyter-button {{ min-height: {TARGET_PX}px; font-size: 15px; }}

.lr-downloads a {{ display: inline-flex; align-items: center; min-height: 40px; margin: 2px 6px 2px 0;
  padding: 0 14px; border: 1px solid #0b5cad; border-radius: 4px; text-decoration: none; }}
.lr-downloads a:hover, .lr-downloads a:focus {{ background: #e8f1fb; }}

.lr-chart-title {{ font-weight: 600; font-size: 17px; margin: 12px 0 0 0; }}
.lr-chart-sub {{ color: #57606a; font-size: 13px; margin: 0; }}
.lr-caption {{ color: #57606a; font-size: 13px; margin: 0 0 8px 0; }}

table.lr-studies {{ border-collapse: collapse; width: 100%; }}
table.lr-studies caption {{ text-align: left; font-weight: 600; padding: 4px 0; }}
table.lr-studies th {{ text-align: left; border-bottom: 2px solid #d0d7de; padding: 6px 8px;
  font-size: 13px; color: #57606a; }}
table.lr-studies td {{ border-bottom: 1px solid #eaeef2; padding: 8px; vertical-align: top; }}
table.lr-studies tr:nth-child(even) td {{ background: #fafbfc; }}
.lr-study summary {{ cursor: pointer; min-height: 32px; }}
.lr-study summary:focus-visible {{ outline: 2px solid #0b5cad; outline-offset: 2px; }}
.lr-cite {{ font-weight: 600; }}
.lr-title {{ display: block; margin-left: 1.1em; }}
.lr-gist {{ display: block; margin-left: 1.1em; color: #57606a; font-style: italic; }}
.lr-card {{ margin: 8px 0 4px 1.1em; padding: 8px 12px; border-left: 3px solid #d0d7de;
  background: #fff; overflow-wrap: anywhere; }}
/* Spelled out: the page's theme lays out some definition lists as a two-column grid. */
.lr-card dl {{ display: block; margin: 0; padding: 0; }}
.lr-card dt {{ display: block; float: none; width: auto; font-weight: 600; font-size: 13px;
  color: #57606a; margin: 8px 0 0 0; padding: 0; text-align: left; }}
.lr-card dd {{ display: block; float: none; margin: 0; padding: 0; }}
.lr-tags > span {{ display: inline-block; margin: 1px 4px 1px 0; padding: 0 6px; border-radius: 10px;
  background: #eef1f4; font-size: 13px; }}
.lr-t-model_family > span {{ border-left: 4px solid var(--lr-c, #7f7f7f); border-radius: 3px; }}
.lr-empty {{ padding: 16px; color: #57606a; }}
/* A phone: each study is a block, its tags under it, instead of four squeezed columns. */
@media (max-width: 640px) {{
  table.lr-studies thead {{ display: none; }}
  table.lr-studies caption {{ display: block; }}
  table.lr-studies, table.lr-studies tbody, table.lr-studies tr, table.lr-studies td {{ display: block; width: auto; }}
  table.lr-studies td {{ border: none; padding: 2px 8px; }}
  table.lr-studies tr {{ border-bottom: 1px solid #eaeef2; padding: 6px 0; }}
  table.lr-studies td.lr-tags {{ padding-left: calc(8px + 1.1em); }}
  table.lr-studies td.lr-tags:empty {{ display: none; }}
}}
</style>
"""


def build_explorer(df: pd.DataFrame | None = None, query_string: str | None = None) -> StudyExplorer:
    """The explorer over `df` (default: load_studies()), starting from the filters in
    `query_string` (e.g. '?domain=dermatology&year=2020-2024'; unknown parts are ignored;
    default: the query string of the Voilà page, upstream.voila_query_string())."""
    if df is None:
        from ..data.studies import load_studies

        df = load_studies()
    query = upstream.voila_query_string() if query_string is None else query_string
    return StudyExplorer(df, FilterState.from_query(query))


class TermChecklist(widgets.VBox):
    """The terms of one facet as checkboxes, each labelled with its number of studies.

    `value` is the tuple of chosen keys (vocabulary order) and can be set, like a SelectMultiple's;
    `options` gives (label, key) pairs. Terms are grouped under their facet's groups, if any.
    """

    value = traitlets.Tuple()

    def __init__(self, facet: Facet, counts: pd.Series, layout: widgets.Layout):
        self.facet = facet
        self.label = facet.label
        self.boxes: dict[str, widgets.Checkbox] = {}
        self._labels: dict[str, str] = {}
        sections = []
        for group, keys in term_groups(facet):
            boxes = []
            for key in keys:
                count = int(counts.get(key, 0))
                self._labels[key] = f"{facet.label_of(key)} ({count:,})"
                box = widgets.Checkbox(
                    value=False, description=self._labels[key], indent=False, disabled=count == 0, layout=layout
                )
                box.observe(self._box_changed, names="value")
                self.boxes[key] = box
                boxes.append(box)
            if group is not None:
                sections.append(widgets.HTML(f'<h3 class="lr-group">{esc(group)}</h3>'))
            grid = widgets.GridBox(
                boxes, layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(150px, 1fr))")
            )
            grid.add_class("lr-terms")
            sections.append(grid)
        super().__init__(sections)
        self._setting = False

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        return tuple((label, key) for key, label in self._labels.items())

    @traitlets.validate("value")
    def _known_terms(self, proposal):
        chosen = set(proposal["value"])
        return tuple(key for key in self.boxes if key in chosen)

    @traitlets.observe("value")
    def _show_value(self, change):
        self._setting = True
        try:
            for key, box in self.boxes.items():
                box.value = key in change["new"]
        finally:
            self._setting = False

    def _box_changed(self, _change) -> None:
        if not self._setting:
            self.value = tuple(key for key, box in self.boxes.items() if box.value)


def term_groups(facet: Facet) -> list[tuple[str | None, list[str]]]:
    """(group label, term keys) in vocabulary order; one (None, every key) for an ungrouped facet.
    Terms a grouped facet leaves without a group come last, as 'Other'."""
    if not facet.groups:
        return [(None, list(facet.terms))]
    grouped = [(group.label, facet.in_group(key)) for key, group in facet.groups.items()]
    loose = [key for key, term in facet.terms.items() if term.group not in facet.groups]
    return [(label, keys) for label, keys in grouped if keys] + ([("Other", loose)] if loose else [])


class StudyExplorer(widgets.VBox):
    """The app widget. Attributes other than children are for tests and notebooks:
    facet_controls (FilterState field -> TermChecklist), facet_toggles (FilterState field -> the Button
    that shows or hides its list), open_facets (the fields whose list is shown),
    year_from / year_to (Dropdown), search_box, reset_button, count (HTML), link (HTML),
    table (HTML), downloads (HTML), charts (name -> Output), chart_titles and chart_captions (HTML)."""

    def __init__(self, df: pd.DataFrame, state: FilterState | None = None):
        self.studies = df.reset_index(drop=True)
        self.matches = self.studies
        self._vocabulary = load_vocabulary()
        self._quiet = False  # True while several controls are set at once: redraw once, after
        self._row_html: dict[int, str] = {}  # a study's table row, by row position: drawn once
        self._chart_cache: dict[bytes, dict] = {}  # recent views' charts, by their rows; oldest first

        years = self.studies["year"]
        self.year_bounds = (int(years.min()), int(years.max())) if len(years) else (1990, 1990)

        self.search_box = widgets.Text(
            description="Search",
            placeholder="words in any field, e.g. melanoma",
            layout=widgets.Layout(width="100%"),
            style={"description_width": "64px"},
        )
        checkbox_layout = widgets.Layout(width="auto")  # one Layout model shared by every checkbox
        self.facet_controls = {
            name: TermChecklist(self._vocabulary[column], term_counts(self.studies, column), checkbox_layout)
            for name, (_key, column) in FACETS.items()
        }
        # Not an ipywidgets Accordion: its headers cannot be reached with the keyboard. A button
        # can, and the page (the Voilà template) tells screen readers whether its list is shown.
        self.facet_toggles = {name: widgets.Button(layout=widgets.Layout(width="100%")) for name in FACETS}
        self.open_facets: set[str] = set()
        facet_sections = []
        for name, toggle in self.facet_toggles.items():
            toggle.add_class("lr-facet-toggle")
            toggle.on_click(lambda _, name=name: self.show_facet(name, name not in self.open_facets))
            section = widgets.VBox([toggle, self.facet_controls[name]])
            section.add_class("lr-facet")
            facet_sections.append(section)
            self.show_facet(name, False)
        year_options = [str(year) for year in range(self.year_bounds[0], self.year_bounds[1] + 1)]
        self.year_from, self.year_to = (
            widgets.Dropdown(
                description=label,
                options=year_options,
                value=str(value),
                layout=widgets.Layout(width="50%"),
                style={"description_width": "72px"},
            )
            for label, value in (("From year", self.year_bounds[0]), ("To year", self.year_bounds[1]))
        )
        self.reset_button = widgets.Button(
            description="Reset filters",
            icon="undo",
            tooltip="Clear every filter and show all studies",
            layout=widgets.Layout(width="100%"),
        )
        self.reset_button.on_click(lambda _: self.set_state(FilterState()))

        self.count = widgets.HTML()
        self.link = widgets.HTML()
        self.downloads = widgets.HTML()
        self.prepare_downloads_button = widgets.Button(
            description="Prepare download files", icon="download", layout=widgets.Layout(display="none")
        )
        self.prepare_downloads_button.on_click(lambda _: self._show_download_links())
        self.charts = {name: widgets.Output(layout=widgets.Layout(width="100%")) for name in CHARTS}
        for name, output in self.charts.items():
            output.add_class(f"lr-plot-{name}")
        self.chart_titles = {name: widgets.HTML() for name in CHARTS}
        self.chart_captions = {name: widgets.HTML() for name in CHARTS}
        self.table = widgets.HTML()
        self.rows_shown = TABLE_PAGE
        self.more_button = widgets.Button(layout=widgets.Layout(display="none"))
        self.more_button.on_click(lambda _: self._show_more_rows())

        filters_panel = widgets.VBox(
            [
                widgets.HTML(
                    '<h2 class="lr-panel-title">Filter the studies</h2>'
                    '<p class="lr-hint">Open a list and tick any terms: a study needs one of the ticked '
                    "terms of a list, and must match every list you use. The number beside a term counts "
                    "its studies in the whole review; a greyed 0 is a gap, no study yet.</p>"
                ),
                self.search_box,
                *facet_sections,
                widgets.HBox([self.year_from, self.year_to], layout=widgets.Layout(width="100%")),
                self.reset_button,
                widgets.HTML('<h2 class="lr-panel-title" style="margin-top:12px">Download these studies</h2>'),
                self.downloads,
                self.prepare_downloads_button,
            ],
            layout=widgets.Layout(flex="1 1 320px", max_width="440px", min_width="0", padding="0 16px 16px 0"),
        )
        filters_panel.add_class("lr-filters")
        chart_boxes = [
            widgets.VBox(
                [self.chart_titles[name], self.charts[name], self.chart_captions[name]],
                layout=widgets.Layout(flex="1 1 560px", min_width="0"),
            )
            for name in CHARTS
        ]
        results_panel = widgets.VBox(
            [
                widgets.HBox(chart_boxes, layout=widgets.Layout(flex_flow="row wrap", width="100%")),
                self.table,
                self.more_button,
            ],
            layout=widgets.Layout(flex="999 1 560px", min_width="0"),
        )
        head = widgets.VBox([self.count, self.link])
        head.add_class("lr-head")
        super().__init__(
            [
                widgets.HTML(STYLE),
                head,
                widgets.HBox([filters_panel, results_panel], layout=widgets.Layout(flex_flow="row wrap")),
            ]
        )
        self.add_class("lr-app")

        for control in (self.search_box, *self.facet_controls.values(), self.year_from, self.year_to):
            control.observe(self._on_change, names="value")
        self.set_state(state or FilterState())
        # A shared link opens the lists it chose from, so the reader sees the ticked terms.
        for name, control in self.facet_controls.items():
            self.show_facet(name, bool(control.value))

    # ---------------------------------------------------------------- controls <-> state

    def show_facet(self, name: str, shown: bool = True) -> None:
        """Show (or hide) the list of terms of one facet."""
        toggle = self.facet_toggles[name]
        self.facet_controls[name].layout.display = None if shown else "none"
        (self.open_facets.add if shown else self.open_facets.discard)(name)
        (toggle.add_class if shown else toggle.remove_class)("lr-open")
        self._title_facet(name)

    def _title_facet(self, name: str) -> None:
        control = self.facet_controls[name]
        chosen = len(control.value)
        self.facet_toggles[name].description = f"{control.label} · {chosen} chosen" if chosen else control.label

    @property
    def state(self) -> FilterState:
        """The filters the controls show now."""
        years = (int(self.year_from.value), int(self.year_to.value))
        return FilterState(
            **{name: control.value for name, control in self.facet_controls.items()},
            years=None if years == self.year_bounds else years,
            text=self.search_box.value,
        )

    def set_state(self, state: FilterState) -> None:
        """Show `state` in the controls (unknown terms are dropped, years clamped) and redraw once."""
        with self._redraw_once():
            for name, control in self.facet_controls.items():
                control.value = getattr(state, name)
            low, high = self.year_bounds
            first, last = state.years or self.year_bounds
            self.year_from.value = str(min(max(first, low), high))
            self.year_to.value = str(max(min(last, high), low))
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
        """Recompute the matching studies and redraw every output from them, in two bursts.

        First the list: link, table, downloads, and the count last, so the count's live region
        announces a list that is already complete (tests wait on it for the same reason). Then
        the charts, which take longer to draw (plotly figures): the reader sees the filter's
        result before they follow. A view drawn before (a box ticked, then unticked) is redrawn
        from CHART_CACHE_SIZE recent views at once.
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
        self.rows_shown = TABLE_PAGE
        table = self.render_table(matches)
        downloads = download_links(matches) if shown <= DOWNLOAD_LINKS_LIMIT else None

        self.matches = matches
        self.table.value = table
        self._offer_more_rows()
        self.link.value = link
        if downloads is None:
            self.downloads.value = (
                f'<p class="lr-hint">{plural(shown, "study", "studies")} match: the files are built when you ask.</p>'
            )
            self.prepare_downloads_button.layout.display = None
        else:
            self._show_download_links(downloads)
        for name in self.facet_toggles:
            self._title_facet(name)
        self.count.value = (
            f'<p class="lr-count" role="status" aria-live="polite">'
            f"<strong>{shown:,}</strong> of {plural(total, 'study', 'studies')}</p>"
        )
        self.draw_charts(matches)

    def draw_charts(self, matches: pd.DataFrame) -> None:
        """Draw every chart of `matches` (or take it from the recent views)."""
        key = matches.index.to_numpy().tobytes()  # which rows: the charts depend on nothing else
        charts = self._chart_cache.pop(key, None)
        if charts is None:
            charts = {name: draw_chart(name, matches) for name in self.charts}
        self._chart_cache[key] = charts  # the most recent view last
        while len(self._chart_cache) > CHART_CACHE_SIZE:
            self._chart_cache.pop(next(iter(self._chart_cache)))
        for name, (title, output, caption) in charts.items():
            self.chart_titles[name].value = title
            self.charts[name].outputs = (output,) if output else ()
            # The caption is the chart in words, for screen readers and for a quick read.
            self.chart_captions[name].value = f'<p class="lr-caption">{esc(caption)}</p>'

    def _show_download_links(self, links: str | None = None) -> None:
        self.downloads.value = links if links is not None else download_links(self.matches)
        self.prepare_downloads_button.layout.display = "none"

    def _show_more_rows(self) -> None:
        self.rows_shown += TABLE_PAGE
        self.table.value = self.render_table(self.matches)
        self._offer_more_rows()

    def _offer_more_rows(self) -> None:
        hidden = len(self.matches) - self.rows_shown
        self.more_button.layout.display = None if hidden > 0 else "none"
        self.more_button.description = f"Show {plural(min(hidden, TABLE_PAGE), 'more study', 'more studies')}"

    def render_table(self, matches: pd.DataFrame) -> str:
        """The first `rows_shown` matching studies as an HTML table; each row opens into its card."""
        if matches.empty:
            return '<p class="lr-empty">No study matches these filters. Remove a filter or press “Reset filters”.</p>'
        listed = list(matches.index[: self.rows_shown])  # row positions: self.studies has a range index
        rows = "".join(self._rows(listed))
        more = (
            f'<p class="lr-hint">The table lists the first {len(listed):,} of the {len(matches):,} matching '
            "studies: show more below, narrow the filters, or download them all.</p>"
            if len(listed) < len(matches)
            else ""
        )
        return more + (
            '<table class="lr-studies"><caption>Matching studies (open a row for its details)</caption>'
            '<thead><tr><th scope="col">Study</th><th scope="col">Clinical domain</th>'
            '<th scope="col">Model family</th><th scope="col">Contribution</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )

    def _rows(self, positions: list[int]) -> list[str]:
        """The table rows of the studies at these row positions. A study's row does not change
        with the filters, so each is drawn once and kept."""
        new = [p for p in positions if p not in self._row_html]
        if new:
            records = self.studies.iloc[new].to_dict("records")
            cards = study_cards(records, self._vocabulary)
            self._row_html.update(zip(new, map(details_row_html, cards)))
        return [self._row_html[p] for p in positions]


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


def draw_chart(name: str, matches: pd.DataFrame) -> tuple[str, dict | None, str]:
    """(heading HTML, display_data output, plain-text caption) of chart `name` of livingreview.charts.model."""
    try:
        # Imported here, not at module level: the study list does not need the charts, and a
        # chart that fails must not take the list down with it.
        from ..charts.model import CHARTS
        from ..charts.plotly_figure import PLOTLY_CONFIG, plotly_figure

        chart = CHARTS[name].build(matches)
        # The title is the page's heading, not the chart's: plotly.js draws a title on one line
        # and cuts it at the chart's edge, a phone's width cuts most titles, and a heading in the
        # page wraps and can be reached by a screen reader's heading navigation.
        figure = plotly_figure(chart, titled=False)
        heading = f'<h2 class="lr-chart-title">{esc(chart.title)}</h2><p class="lr-chart-sub">{esc(chart.subtitle)}</p>'
        # The plot's box gets the figure's height: plotly.js sizes a responsive chart to its
        # box, and the mime renderer's box has none of its own (the chart would be 0 px high).
        heading += f"<style>.lr-plot-{name} .{upstream.PLOTLY_RENDERER_CLASS} {{ display: block; height: {figure['layout']['height']}px; }}</style>"
        return heading, _plotly_output(figure, PLOTLY_CONFIG), chart.caption
    except Exception as exc:
        return "", None, f"This chart could not be drawn ({type(exc).__name__}: {exc})."


def _plotly_output(figure: dict, config: dict) -> dict:
    """The display_data output of a figure for the plotly mime renderer that Voilà's page draws
    with (plotly 7's FigureWidget would need anywidget). The chart follows the width of its
    column as the window resizes (responsive); its height is the figure's own."""
    spec = dict(figure, config=dict(config, responsive=True))
    return {
        "output_type": "display_data",
        "data": {upstream.PLOTLY_MIME: spec, "text/plain": "Plotly chart"},
        "metadata": {},
    }
