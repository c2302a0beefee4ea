"""The interactive study explorer: filters, live count, study list, charts and downloads.

book/explore.ipynb only calls build_explorer(); Voilà serves that notebook as the app and hands
the page's query string to the kernel (upstream.voila_query_string), which becomes the initial
filters. Every control change recomputes the matching studies once and redraws the outputs from
them. The page around the app (no request to another host, a clean console, in standalone Voilà
and in Jupyter server's Voilà extension as Binder serves it) is Voilà's configuration: voila.json
and share/jupyter/voila/templates/livingreview at the repository root.

Made for a finger first. The count and a "Show N studies" button stay in view at the top of the
window while the reader filters (the button takes them to the list); the list comes right after
the filters, the charts behind a second tab (drawn only while it is shown, so a click and the
first render do not wait for them). Every control is at least TARGET_PX high and wide. Every
vocabulary term is a checkbox in a collapsible list per facet, grouped as the vocabulary groups
it, with its number of studies beside it: livingreview.data.filters.facet_counts, the same
definition as the static studies page's numbers (tests/test_filter_agreement.py holds the page to
it), i.e. what ticking the term would show given the other filters. A term no study in the whole
table is coded with is listed with its 0, greyed and not selectable: an evidence gap worth seeing,
not a choice that can only empty the list. A list's checkboxes are made when it is first opened.

The view is shared by link: "Link to this view" is the published studies page with the same
filters (livingreview.book.studies_page.studies_page_url: it opens for anyone, no Binder session
needed), and "Open this view in the explorer" starts the explorer on Binder with them
(studies_page.explorer_url, the query carried through Binder's urlpath).

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
from ..book.studies_page import explorer_url, studies_page_url
from ..data import exports
from ..data.counts import term_counts
from ..data.filters import FACETS, FacetCounter, FilterState
from ..data.vocabulary import Facet, load_vocabulary
from ..text.markup import esc
from ..text.wording import month_label, plural

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
#: What the results show: the list of studies, or the charts of them (StudyExplorer.show_results).
RESULT_VIEWS = {"studies": "Studies", "charts": "Charts"}

#: The smallest target a finger hits, in CSS px (WCAG 2.5.5 asks for 44): every control's height,
#: and its width. tests/test_explorer.py measures each control at 390 px with touch.
TARGET_PX = 44

STYLE = f"""
<style>
/* The colours, light, and dark where the reader's system asks for it (prefers-color-scheme):
   the page then takes JupyterLab's dark theme too (share/jupyter/voila/templates/livingreview). */
.lr-app {{ --lr-fg: #1f2328; --lr-muted: #57606a; --lr-faint: #6e7781; --lr-border: #d0d7de;
  --lr-rule: #eaeef2; --lr-subtle: #f6f8fa; --lr-hover: #f3f6f9; --lr-zebra: #fafbfc; --lr-tag: #eef1f4;
  --lr-accent: #0b5cad; --lr-accent-soft: #e8f1fb; --lr-on-accent: #fff; --lr-card: #fff;
  /* Voila's page behind the explorer (#rendered_cells): the sticky count's own background. */
  --lr-page: var(--jp-layout-color1, #fff); }}
@media (prefers-color-scheme: dark) {{
  .lr-app {{ --lr-fg: #ececec; --lr-muted: #b4b4b4; --lr-faint: #9e9e9e; --lr-border: #555;
    --lr-rule: #383838; --lr-subtle: #2c2c2c; --lr-hover: #353535; --lr-zebra: #262626; --lr-tag: #3a3a3a;
    --lr-accent: #7ab8ff; --lr-accent-soft: #243447; --lr-on-accent: #111; --lr-card: #1a1a1a; }}
}}
.lr-app {{ font-size: 15px; line-height: 1.45; color: var(--lr-fg); }}
/* ipywidgets gives HTML widgets the 28px line height of a form control; text wants its own. */
.lr-app .widget-html-content {{ line-height: 1.45; }}
.lr-app .widget-html, .lr-app .widget-html-content {{ width: 100%; }}
.lr-app a {{ color: var(--lr-accent); }}
.lr-panel-title {{ font-weight: 600; font-size: 16px; margin: 0 0 2px 0; }}
.lr-hint {{ color: var(--lr-muted); font-size: 13px; margin: 0 0 8px 0; }}

/* The count and "Show N studies" stay at the top of the window while the reader filters: sticky
   in Voilà's scrolling box (#rendered_cells), so no box between may clip (ipywidgets' boxes and
   JupyterLab's output area would: their overflow is auto or hidden). */
.jp-OutputArea:has(.lr-app), .jp-OutputArea-child:has(.lr-app), .jp-OutputArea-output:has(.lr-app),
  .lr-app {{ overflow: visible !important; }}
.lr-app .lr-head {{ position: sticky; top: 0; z-index: 20; background: var(--lr-page); border-bottom: 1px solid var(--lr-border);
  margin: 0 0 8px 0; padding: 4px 0; flex-flow: row wrap; align-items: center; gap: 4px 12px;
  box-shadow: 0 -16px 0 0 var(--lr-page); /* covers the scrolling box's top padding, where rows would peek out */ }}
.lr-count {{ font-size: 18px; margin: 0; }}
.lr-count strong {{ font-size: 26px; }}
.lr-app .lr-head .widget-html {{ width: auto; flex: 1 1 auto; margin: 0; }}
.lr-app button.lr-show {{ width: auto; flex: 0 0 auto; margin: 0 4px 0 0; }}
/* Where "Show N studies" leads: below the sticky count, not under it. */
#lr-results {{ scroll-margin-top: 96px; }}

/* Buttons and links a finger presses: at least {TARGET_PX} px each way. */
.lr-app .jupyter-button {{ min-height: {TARGET_PX}px; min-width: {TARGET_PX}px; font-size: 15px; }}
.lr-action {{ display: inline-flex; align-items: center; justify-content: center; min-height: {TARGET_PX}px;
  min-width: {TARGET_PX}px; box-sizing: border-box; margin: 2px 6px 2px 0; padding: 0 14px;
  border: 1px solid var(--lr-accent); border-radius: 4px; text-decoration: none; }}
.lr-action:hover, .lr-action:focus {{ background: var(--lr-accent-soft); }}

/* A list's header: a button that shows or hides the list, a touch target too. */
.lr-app .lr-facet {{ border: 1px solid var(--lr-border); border-radius: 6px; margin: 0 0 6px 0; }}
.lr-app button.lr-facet-toggle {{ width: 100%; margin: 0; justify-content: flex-start;
  text-align: left; font-weight: 600; background: var(--lr-subtle); color: var(--lr-fg); border-radius: 6px; }}
.lr-app button.lr-facet-toggle.lr-open {{ border-bottom: 1px solid var(--lr-border); border-radius: 6px 6px 0 0; }}
/* The caret is drawn, not named: '/ ""' keeps it out of the button's accessible name. */
.lr-app button.lr-facet-toggle::before {{ content: "\\25B8" / ""; display: inline-block; width: 1.2em; }}
.lr-app button.lr-facet-toggle.lr-open::before {{ content: "\\25BE" / ""; }}
.lr-app .lr-facet > .widget-vbox:not(.lr-facet-toggle) {{ padding: 0 8px 8px 8px; }}
.lr-group {{ font-weight: 600; font-size: 13px; color: var(--lr-muted); margin: 8px 0 0 0;
  text-transform: uppercase; letter-spacing: 0.03em; }}
/* One checkbox per term; the whole row (box and label) is the target. */
.lr-app .lr-terms .widget-checkbox {{ width: auto; height: auto; min-height: {TARGET_PX}px; margin: 0; }}
.lr-app .lr-terms .widget-checkbox label.widget-label-basic {{ display: flex; align-items: center;
  gap: 10px; width: 100%; min-height: {TARGET_PX}px; padding: 2px 4px; box-sizing: border-box;
  cursor: pointer; line-height: 1.25; white-space: normal; border-radius: 6px; }}
.lr-app .lr-terms .widget-checkbox label.widget-label-basic:hover {{ background: var(--lr-hover); }}
.lr-app .lr-terms .widget-checkbox input[type="checkbox"] {{ width: 22px; height: 22px; flex: 0 0 22px;
  margin: 0; cursor: pointer; }}
.lr-app .lr-terms .widget-checkbox label.widget-label-basic span {{ overflow: visible; white-space: normal;
  text-overflow: clip; }}
/* A term without studies in the whole table: listed with its 0 (a gap), not selectable. */
.lr-app .lr-terms .mod-disabled label.widget-label-basic, .lr-app .lr-terms .widget-checkbox
  input:disabled + span {{ color: var(--lr-faint); cursor: default; }}

/* Search, years, month added: the label above a full-width control, so nothing is cut. */
.lr-app .lr-filters .widget-text, .lr-app .lr-filters .widget-dropdown {{ flex-direction: column;
  align-items: stretch; height: auto; width: 100%; margin: 0 0 8px 0; }}
.lr-app .lr-filters .widget-text .widget-label, .lr-app .lr-filters .widget-dropdown .widget-label {{
  width: auto !important; text-align: left; font-size: 14px; font-weight: 600; margin: 0 0 2px 0; }}
.lr-app .lr-filters .widget-text input, .lr-app .lr-filters select {{ min-height: {TARGET_PX}px; font-size: 15px;
  width: 100%; box-sizing: border-box; flex: 0 0 auto; }}
.lr-app .lr-years {{ gap: 8px; }}
.lr-app .lr-years .widget-dropdown {{ flex: 1 1 0; min-width: 0; }}

/* The results: the list, or the charts, chosen by two buttons. */
.lr-app .lr-views {{ gap: 6px; margin: 0 0 8px 0; }}
.lr-app button.lr-view {{ flex: 1 1 0; max-width: 200px; margin: 0; background: var(--lr-subtle); color: var(--lr-fg);
  border: 1px solid var(--lr-border); border-radius: 6px; }}
.lr-app button.lr-view.lr-on {{ background: var(--lr-accent); color: var(--lr-on-accent); border-color: var(--lr-accent); font-weight: 600; }}

.lr-chart-title {{ font-weight: 600; font-size: 17px; margin: 12px 0 0 0; }}
.lr-chart-sub {{ color: var(--lr-muted); font-size: 13px; margin: 0; }}
.lr-caption {{ color: var(--lr-muted); font-size: 13px; margin: 0 0 8px 0; }}
/* plotly.js's toolbar (download as PNG): a finger's targets, and always shown (no hover on a phone). */
.lr-app .modebar {{ opacity: 1 !important; }}
.lr-app .modebar-btn {{ min-width: {TARGET_PX}px; min-height: {TARGET_PX}px; display: inline-flex !important;
  align-items: center; justify-content: center; box-sizing: border-box; }}

table.lr-studies {{ border-collapse: collapse; width: 100%; }}
table.lr-studies caption {{ text-align: left; font-weight: 600; padding: 4px 0; }}
table.lr-studies th {{ text-align: left; border-bottom: 2px solid var(--lr-border); padding: 6px 8px;
  font-size: 13px; color: var(--lr-muted); }}
table.lr-studies td {{ border-bottom: 1px solid var(--lr-rule); padding: 8px; vertical-align: top; }}
table.lr-studies tr:nth-child(even) td {{ background: var(--lr-zebra); }}
.lr-study summary {{ cursor: pointer; min-height: {TARGET_PX}px; box-sizing: border-box; padding: 4px 0; }}
.lr-study summary:focus-visible {{ outline: 2px solid var(--lr-accent); outline-offset: 2px; }}
.lr-cite {{ font-weight: 600; }}
.lr-title {{ display: block; margin-left: 1.1em; }}
.lr-gist {{ display: block; margin-left: 1.1em; color: var(--lr-muted); font-style: italic; }}
.lr-card {{ margin: 8px 0 4px 1.1em; padding: 8px 12px; border-left: 3px solid var(--lr-border);
  background: var(--lr-card); overflow-wrap: anywhere; }}
/* The quotation's figure and blockquote: the browser's 40 px side margins would leave a phone's
   card a narrow column; the quotation marks and the border say it is quoted. */
.lr-card figure, .lr-card blockquote {{ margin: 0; padding: 0; }}
.lr-card figcaption {{ color: var(--lr-muted); font-size: 13px; margin: 4px 0 0 0; }}
/* Spelled out: the page's theme floats a definition at 80 % width beside its term. */
.lr-card dl {{ display: block; margin: 0; padding: 0; }}
.lr-card dt {{ display: block; float: none; width: auto; font-weight: 600; font-size: 13px;
  color: var(--lr-muted); margin: 8px 0 0 0; padding: 0; text-align: left; }}
.lr-card dd {{ display: block; float: none; width: auto; margin: 0; padding: 0; }}
.lr-tags > span {{ display: inline-block; margin: 1px 4px 1px 0; padding: 0 6px; border-radius: 10px;
  background: var(--lr-tag); font-size: 13px; }}
.lr-t-model_family > span {{ border-left: 4px solid var(--lr-c, #7f7f7f); border-radius: 3px; }}
.lr-empty {{ padding: 16px; color: var(--lr-muted); }}
/* A phone: each study is a block, its tags under it, instead of four squeezed columns; its card
   uses the whole width. */
@media (max-width: 640px) {{
  table.lr-studies thead {{ display: none; }}
  table.lr-studies caption {{ display: block; }}
  table.lr-studies, table.lr-studies tbody, table.lr-studies tr, table.lr-studies td {{ display: block; width: auto; }}
  table.lr-studies td {{ border: none; padding: 2px 4px; }}
  table.lr-studies tr {{ border-bottom: 1px solid var(--lr-rule); padding: 6px 0; }}
  table.lr-studies td.lr-tags {{ padding-left: calc(4px + 1.1em); }}
  table.lr-studies td.lr-tags:empty {{ display: none; }}
  .lr-card {{ margin-left: 0; padding: 8px 4px 8px 10px; }}
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
    `options` gives (label, key) pairs. Terms are grouped under their facet's groups, if any. The
    checkboxes are made the first time the list is shown (build(); `boxes` builds them too): a
    closed list costs the page no widgets. `totals` are the whole table's counts (a term with none
    is a gap, not selectable); show_counts() sets the numbers shown beside the terms.
    """

    value = traitlets.Tuple()

    def __init__(self, facet: Facet, totals: pd.Series, layout: widgets.Layout):
        self.facet = facet
        self.label = facet.label
        self.totals = totals
        self.counts = totals
        self._layout = layout
        self._boxes: dict[str, widgets.Checkbox] | None = None
        self._setting = False
        super().__init__([])

    @property
    def boxes(self) -> dict[str, widgets.Checkbox]:
        self.build()
        assert self._boxes is not None  # build() made them
        return self._boxes

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        return tuple((self._label(key), key) for key in self.facet.terms)

    def _label(self, key: str) -> str:
        return f"{self.facet.label_of(key)} ({int(self.counts.get(key, 0)):,})"

    def build(self) -> None:
        """Make the checkboxes (once)."""
        if self._boxes is not None:
            return
        self._boxes = {}
        sections = []
        for group, keys in term_groups(self.facet):
            boxes = []
            for key in keys:
                box = widgets.Checkbox(
                    value=key in self.value,
                    description=self._label(key),
                    indent=False,
                    disabled=int(self.totals.get(key, 0)) == 0,
                    layout=self._layout,
                )
                box.observe(self._box_changed, names="value")
                self._boxes[key] = box
                boxes.append(box)
            if group is not None:
                sections.append(widgets.HTML(f'<h3 class="lr-group">{esc(group)}</h3>'))
            grid = widgets.GridBox(
                boxes, layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(150px, 1fr))")
            )
            grid.add_class("lr-terms")
            sections.append(grid)
        self.children = sections

    def show_counts(self, counts: pd.Series) -> None:
        """The numbers beside the terms (sent to the page only for boxes that exist and changed)."""
        self.counts = counts
        for key, box in (self._boxes or {}).items():
            label = self._label(key)
            if box.description != label:
                box.description = label

    @traitlets.validate("value")
    def _known_terms(self, proposal):
        chosen = set(proposal["value"])
        return tuple(key for key in self.facet.terms if key in chosen)

    @traitlets.observe("value")
    def _show_value(self, change):
        self._setting = True
        try:
            for key, box in (self._boxes or {}).items():
                box.value = key in change["new"]
        finally:
            self._setting = False

    def _box_changed(self, _change) -> None:
        if not self._setting:
            self.value = tuple(key for key, box in (self._boxes or {}).items() if box.value)


def term_groups(facet: Facet) -> list[tuple[str | None, list[str]]]:
    """(group label, term keys) in vocabulary order; one (None, every key) for an ungrouped facet.
    Terms a grouped facet leaves without a group come last, as 'Other'."""
    if not facet.groups:
        return [(None, list(facet.terms))]
    grouped: list[tuple[str | None, list[str]]] = [
        (group.label, facet.in_group(key)) for key, group in facet.groups.items()
    ]
    loose = [key for key, term in facet.terms.items() if term.group not in facet.groups]
    return [(label, keys) for label, keys in grouped if keys] + ([("Other", loose)] if loose else [])


class StudyExplorer(widgets.VBox):
    """The app widget. Attributes other than children are for tests and notebooks:
    facet_controls (FilterState field -> TermChecklist), facet_toggles (FilterState field -> the Button
    that shows or hides its list), open_facets (the fields whose list is shown),
    year_from / year_to / added (Dropdown), search_box, reset_button, count (HTML), show_button
    (Button: "Show N studies"), link (HTML: the share links), table (HTML), downloads (HTML),
    view_buttons (RESULT_VIEWS name -> Button), results_view (the name shown), charts (name ->
    Output), chart_titles and chart_captions (HTML)."""

    def __init__(self, df: pd.DataFrame, state: FilterState | None = None):
        self.studies = df.reset_index(drop=True)
        self.matches = self.studies
        self._vocabulary = load_vocabulary()
        self._counter = FacetCounter(self.studies)
        self._quiet = False  # True while several controls are set at once: redraw once, after
        self._row_html: dict[int, str] = {}  # a study's table row, by row position: drawn once
        self._chart_cache: dict[bytes, dict] = {}  # recent views' charts, by their rows; oldest first
        self._charts_drawn_for: bytes | None = None  # the rows the charts show now

        # One Layout and one style model for all the widgets that never change theirs: the page makes
        # a model of each, and fewer models render sooner (the first render, issue #25).
        plain, full_width = widgets.Layout(), widgets.Layout(width="100%")
        stylesheet = widgets.HTML(STYLE, layout=plain)
        html_style, button_style = stylesheet.style, widgets.ButtonStyle()

        def html(value: str = "") -> widgets.HTML:
            return widgets.HTML(value, layout=plain, style=html_style)

        def button(**options) -> widgets.Button:
            return widgets.Button(**{"layout": plain, "style": button_style, **options})

        years = self.studies["year"]
        self.year_bounds = (int(years.min()), int(years.max())) if len(years) else (1990, 1990)

        self.search_box = widgets.Text(
            description="Search", placeholder="any word, e.g. melanoma", layout=widgets.Layout(width="100%")
        )
        self.search_box.add_class("lr-search")
        checkbox_layout = widgets.Layout(width="auto")  # one Layout model shared by every checkbox
        self.facet_controls = {
            name: TermChecklist(self._vocabulary[column], term_counts(self.studies, column), checkbox_layout)
            for name, (_key, column) in FACETS.items()
        }
        # Not an ipywidgets Accordion: its headers cannot be reached with the keyboard. A button
        # can, and the page (the Voilà template) tells screen readers whether its list is shown.
        self.facet_toggles = {name: button(layout=full_width) for name in FACETS}
        self.open_facets: set[str] = set()
        facet_sections = []
        for name, toggle in self.facet_toggles.items():
            toggle.add_class("lr-facet-toggle")
            toggle.on_click(lambda _, name=name: self.show_facet(name, name not in self.open_facets))
            section = widgets.VBox([toggle, self.facet_controls[name]], layout=plain)
            section.add_class("lr-facet")
            facet_sections.append(section)
            self.show_facet(name, False)
        year_options = [str(year) for year in range(self.year_bounds[0], self.year_bounds[1] + 1)]
        self.year_from, self.year_to = (
            widgets.Dropdown(description=label, options=year_options, value=str(value))
            for label, value in (("From year", self.year_bounds[0]), ("To year", self.year_bounds[1]))
        )
        years_row = widgets.HBox([self.year_from, self.year_to], layout=widgets.Layout(width="100%"))
        years_row.add_class("lr-years")
        months = pd.to_datetime(self.studies["added"], errors="coerce").dt.strftime("%Y-%m").value_counts()
        self.added = widgets.Dropdown(
            description="Added to the review",
            options=[("Any month", "")]
            + [
                (f"{month_label(str(month))} ({plural(int(n), 'study', 'studies')})", str(month))
                for month, n in sorted(months.items(), reverse=True)
            ],
            value="",
        )
        self.reset_button = button(
            description="Reset filters",
            icon="undo",
            tooltip="Clear every filter and show all studies",
            layout=full_width,
        )
        self.reset_button.on_click(lambda _: self.set_state(FilterState()))

        self.count = html()
        self.show_button = button(description="Show the studies")
        self.show_button.add_class("lr-show")
        self.show_button.on_click(lambda _: self.show_results("studies"))
        self.link = html()
        self.downloads = html()
        self.prepare_downloads_button = widgets.Button(
            description="Prepare download files", icon="download", layout=widgets.Layout(display="none")
        )
        self.prepare_downloads_button.on_click(lambda _: self._show_download_links())
        self.charts = {name: widgets.Output(layout=widgets.Layout(width="100%")) for name in CHARTS}
        for name, output in self.charts.items():
            output.add_class(f"lr-plot-{name}")
        self.chart_titles = {name: html() for name in CHARTS}
        self.chart_captions = {name: html() for name in CHARTS}
        self.table = html()
        self.rows_shown = TABLE_PAGE
        self.more_button = widgets.Button(layout=widgets.Layout(display="none"))
        self.more_button.on_click(lambda _: self._show_more_rows())

        filters_panel = widgets.VBox(
            [
                html(
                    '<h2 class="lr-panel-title">Filter the studies</h2>'
                    '<p class="lr-hint">Open a list and tick any terms: a study needs one of the ticked '
                    "terms of a list, and must match every list you use. The number beside a term counts "
                    "the studies you would see with it, given your other filters; a greyed 0 is a gap, "
                    "no study in the review yet.</p>"
                ),
                self.search_box,
                *facet_sections,
                years_row,
                self.added,
                self.reset_button,
            ],
            layout=widgets.Layout(flex="1 1 320px", max_width="440px", min_width="0", padding="0 16px 16px 0"),
        )
        filters_panel.add_class("lr-filters")
        self.view_buttons = {name: button(description=label) for name, label in RESULT_VIEWS.items()}
        for name, view_button in self.view_buttons.items():
            view_button.add_class("lr-view")
            view_button.on_click(lambda _, name=name: self.show_results(name))
        views = widgets.HBox(list(self.view_buttons.values()), layout=widgets.Layout(width="100%"))
        views.add_class("lr-views")
        self.studies_box = widgets.VBox(
            [
                self.table,
                self.more_button,
                html('<h2 class="lr-panel-title" style="margin-top:12px">Download these studies</h2>'),
                self.downloads,
                self.prepare_downloads_button,
                html('<h2 class="lr-panel-title" style="margin-top:12px">Share this view</h2>'),
                self.link,
            ]
        )
        self.charts_box = widgets.VBox(
            [
                widgets.VBox([self.chart_titles[name], self.charts[name], self.chart_captions[name]], layout=plain)
                for name in CHARTS
            ]
        )
        results_panel = widgets.VBox(
            [
                # The place "Show N studies" takes the reader to (the page scrolls to its id).
                html('<h2 class="lr-panel-title" id="lr-results">The matching studies</h2>'),
                views,
                self.studies_box,
                self.charts_box,
            ],
            layout=widgets.Layout(flex="999 1 560px", min_width="0"),
        )
        head = widgets.HBox([self.count, self.show_button])
        head.add_class("lr-head")
        super().__init__(
            [
                stylesheet,
                head,
                widgets.HBox([filters_panel, results_panel], layout=widgets.Layout(flex_flow="row wrap")),
            ]
        )
        self.add_class("lr-app")
        self.results_view = "studies"
        self.show_results("studies")

        for control in (self.search_box, *self.facet_controls.values(), self.year_from, self.year_to, self.added):
            control.observe(self._on_change, names="value")
        self.set_state(state or FilterState())
        # A shared link opens the lists it chose from, so the reader sees the ticked terms.
        for name, control in self.facet_controls.items():
            self.show_facet(name, bool(control.value))

    # ---------------------------------------------------------------- controls <-> state

    def show_facet(self, name: str, shown: bool = True) -> None:
        """Show (or hide) the list of terms of one facet (its checkboxes made the first time)."""
        toggle, control = self.facet_toggles[name], self.facet_controls[name]
        if shown:
            control.build()
        control.layout.display = None if shown else "none"
        (self.open_facets.add if shown else self.open_facets.discard)(name)
        (toggle.add_class if shown else toggle.remove_class)("lr-open")
        self._title_facet(name)

    def show_results(self, name: str) -> None:
        """Show the list of studies ("studies") or their charts ("charts", drawn now if the
        matching studies changed since they were last drawn)."""
        self.results_view = name
        self.studies_box.layout.display = None if name == "studies" else "none"
        self.charts_box.layout.display = None if name == "charts" else "none"
        for view, button in self.view_buttons.items():
            (button.add_class if view == name else button.remove_class)("lr-on")
        if name == "charts":
            self.draw_charts(self.matches)

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
            added=self.added.value or None,
        )

    def set_state(self, state: FilterState) -> None:
        """Show `state` in the controls (unknown terms are dropped, years clamped, a month no study
        was added in is dropped) and redraw once."""
        with self._redraw_once():
            for name, control in self.facet_controls.items():
                control.value = getattr(state, name)
            low, high = self.year_bounds
            first, last = state.years or self.year_bounds
            self.year_from.value = str(min(max(first, low), high))
            self.year_to.value = str(max(min(last, high), low))
            months = {value for _label, value in self.added.options}
            self.added.value = state.added if state.added in months else ""
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
        """Recompute the matching studies and redraw the outputs from them.

        The list first: share links, table, downloads, the numbers beside the terms, and the
        count last, so the count's live region announces a list that is already complete (tests
        wait on it for the same reason). Then the charts, if they are shown (they take longer to
        draw: plotly figures); a view drawn before (a box ticked, then unticked) is redrawn from
        CHART_CACHE_SIZE recent views at once.
        """
        state = self.state
        matches = state.apply(self.studies)
        total, shown = len(self.studies), len(matches)
        query = state.to_query()
        self.link.value = (
            '<div class="lr-share">'
            f'<a class="lr-action" href="{esc(studies_page_url(query))}" target="_blank" rel="noopener">'
            "Link to this view</a>"
            f'<a class="lr-action" href="{esc(explorer_url(query))}" target="_blank" rel="noopener">'
            "Open this view in the explorer</a></div>"
            '<p class="lr-hint">The link opens the same studies on the book’s studies page, for anyone; '
            "the explorer starts on Binder with them (a minute to start).</p>"
        )
        self.rows_shown = TABLE_PAGE
        table = self.render_table(matches)
        downloads = download_links(matches) if shown <= DOWNLOAD_LINKS_LIMIT else None

        self.matches = matches
        self.table.value = table
        self._offer_more_rows()
        if downloads is None:
            self.downloads.value = (
                f'<p class="lr-hint">{plural(shown, "study", "studies")} match: the files are built when you ask.</p>'
            )
            self.prepare_downloads_button.layout.display = None
        else:
            self._show_download_links(downloads)
        counts = self._counter.counts(state)
        for name, control in self.facet_controls.items():
            control.show_counts(counts[name])
            self._title_facet(name)
        self.show_button.description = f"Show {plural(shown, 'study', 'studies')}" if shown else "No study matches"
        self.show_button.disabled = shown == 0
        self.count.value = (
            f'<p class="lr-count" role="status" aria-live="polite">'
            f"<strong>{shown:,}</strong> of {plural(total, 'study', 'studies')}</p>"
        )
        if self.results_view == "charts":
            self.draw_charts(matches)

    def draw_charts(self, matches: pd.DataFrame) -> None:
        """Draw every chart of `matches` (or take it from the recent views)."""
        key = matches.index.to_numpy().tobytes()  # which rows: the charts depend on nothing else
        if key == self._charts_drawn_for:
            return
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
        self._charts_drawn_for = key

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
            f'<a class="lr-action" download="{filename}" href="data:{media_type};charset=utf-8;base64,{payload}" '
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
        output = _plotly_output(plotly_figure(chart, titled=False), PLOTLY_CONFIG)
        height = output["data"][upstream.PLOTLY_MIME]["layout"]["height"]
        heading = f'<h2 class="lr-chart-title">{esc(chart.title)}</h2><p class="lr-chart-sub">{esc(chart.subtitle)}</p>'
        # The plot's box gets the figure's height: plotly.js sizes a responsive chart to its
        # box, and the mime renderer's box has none of its own (the chart would be 0 px high).
        heading += f"<style>.lr-plot-{name} .{upstream.PLOTLY_RENDERER_CLASS} {{ display: block; height: {height}px; }}</style>"
        return heading, output, chart.caption
    except Exception as exc:
        return "", None, f"This chart could not be drawn ({type(exc).__name__}: {exc})."


#: Room added above a chart for plotly.js's toolbar (a download button of TARGET_PX), which would
#: otherwise cover the top of the plot or of the gap map's column labels.
TOOLBAR_ROOM_PX = TARGET_PX + 8


def _plotly_output(figure: dict, config: dict) -> dict:
    """The display_data output of a figure for the plotly mime renderer that Voilà's page draws
    with (plotly 7's FigureWidget would need anywidget). The chart follows the width of its
    column as the window resizes (responsive); its height is the figure's own, TOOLBAR_ROOM_PX
    taller: the whole drawing moves down under the toolbar (margins and height are explicit)."""
    layout = figure["layout"]
    layout = dict(
        layout,
        height=layout["height"] + TOOLBAR_ROOM_PX,
        margin=dict(layout["margin"], t=layout["margin"]["t"] + TOOLBAR_ROOM_PX),
    )
    spec = dict(figure, layout=layout, config=dict(config, responsive=True))
    return {
        "output_type": "display_data",
        "data": {upstream.PLOTLY_MIME: spec, "text/plain": "Plotly chart"},
        "metadata": {},
    }
