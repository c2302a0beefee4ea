"""How the studies were selected: the source review's own selection (data/selection.yml) and the
PRISMA 2020 flow of every update of the living review, as flow diagrams.

- load_selection() reads and checks selection.yml; selection_facts() gives the Methods chapter its
  glued texts; SelectionFlow() (a notebook cell's output) draws the source's flow: a targeted,
  narrative search, identified -> included, its selection not itemised.
- update_flow() computes an update's PRISMA 2020 flow for updated reviews from the records of the
  update cycle (search runs, candidates, screening decisions), the study table and the previous
  release; UpdateFlow.record() exchanges it in the PRISMA2020 tool's CSV field names where they
  fit (prisma_csv()), and UpdateFlowFigure() draws it.

One drawing function (flow_svg) draws both, from stages; a change of data changes a number,
never a drawing. Everything that comes from data is text, never markup: the SVG and HTML escape
it. The SVG draws with classes (lr-selection-flow, lr-flow-stage, lr-flow-box, lr-flow-label,
lr-flow-count, lr-flow-note, lr-flow-line, lr-flow-bg) so the book's style sheet can restyle it
(e.g. the dark theme); the attributes are the light theme's colours.
"""

from __future__ import annotations

import csv
import html
import io
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..data.paths import SELECTION
from ..text.wording import GlueText, and_list, date_label, month_label, plural
from .protocol import Protocol
from .screening import Cycle, added_studies, settled_decisions
from .versions import Release

QUALIFIERS = ("more than", "at least", "about")


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    count: int | None
    qualifier: str = ""
    note: str = ""
    branch: bool = False

    @property
    def reported(self) -> bool:
        return self.count is not None

    @property
    def count_text(self) -> str:
        """'more than 65', '15' or 'not reported'."""
        if self.count is None:
            return "not reported"
        return f"{self.qualifier} {self.count:,}".strip()


@dataclass(frozen=True)
class Selection:
    source: str
    databases: tuple[str, ...]
    period_start: str  # 'YYYY-MM'
    period_end: str
    keywords: tuple[str, ...]
    criterion: str
    scope: str
    stages: tuple[Stage, ...] = field(default_factory=tuple)
    #: Stages of a systematic selection the source does not report (for the prose).
    not_itemised: tuple[str, ...] = ()

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)

    @property
    def period_text(self) -> str:
        """'January 2020 to May 2025'."""
        return f"{month_label(self.period_start)} to {month_label(self.period_end)}"


class SelectionError(ValueError):
    """selection.yml breaks one of its rules; the message says which."""


def load_selection(path: str | Path = SELECTION) -> Selection:
    """Read and check data/selection.yml. Raises SelectionError with the rule that is broken."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    where = Path(path).name
    search = raw.get("search") or {}
    period = search.get("period") or {}
    for name in ("start", "end"):
        value = str(period.get(name, ""))
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise SelectionError(f"{where}: search.period.{name} must be 'YYYY-MM', not {value!r}")
    if str(period["start"]) > str(period["end"]):
        raise SelectionError(f"{where}: search.period starts after it ends")
    stages = []
    seen = set()
    for i, item in enumerate(raw.get("stages") or []):
        key = str(item.get("key", "")).strip()
        if not key or key in seen:
            raise SelectionError(f"{where}: stage {i + 1} needs a unique key")
        seen.add(key)
        count = item.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise SelectionError(f"{where}: stage {key!r}: count must be a whole number or null, not {count!r}")
        qualifier = str(item.get("qualifier") or "").strip()
        if qualifier and qualifier not in QUALIFIERS:
            raise SelectionError(f"{where}: stage {key!r}: qualifier must be one of {', '.join(QUALIFIERS)}")
        if qualifier and count is None:
            raise SelectionError(f"{where}: stage {key!r}: a qualifier needs a count")
        label = str(item.get("label") or "").strip()
        if not label:
            raise SelectionError(f"{where}: stage {key!r} needs a label")
        branch = bool(item.get("branch", False))
        if branch and not stages:
            raise SelectionError(f"{where}: stage {key!r}: the first stage cannot be a branch")
        stages.append(Stage(key, label, count, qualifier, str(item.get("note") or "").strip(), branch))
    if not any(not s.branch for s in stages):
        raise SelectionError(f"{where}: no stages")
    return Selection(
        source=str(raw.get("source", "")),
        databases=tuple(str(d) for d in search.get("databases", [])),
        period_start=str(period["start"]),
        period_end=str(period["end"]),
        keywords=tuple(str(k) for k in search.get("keywords", [])),
        criterion=str(search.get("criterion", "")).strip(),
        scope=str(search.get("scope", "")).strip(),
        stages=tuple(stages),
        not_itemised=tuple(str(x) for x in raw.get("not_itemised") or []),
    )


def selection_facts(selection: Selection | None = None) -> dict[str, GlueText]:
    """Glue-ready texts for the Methods chapter: selection_identified ('more than 65'), ..."""
    selection = selection or load_selection()
    facts = {f"selection_{s.key}": GlueText(s.count_text) for s in selection.stages}
    facts["selection_databases"] = GlueText(and_list(selection.databases))
    facts["selection_period"] = GlueText(selection.period_text)
    facts["selection_keywords"] = GlueText(and_list(f"“{k}”" for k in selection.keywords))
    not_reported = [s.label for s in selection.stages if not s.reported] + list(selection.not_itemised)
    facts["selection_not_reported"] = GlueText(
        and_list(label[0].lower() + label[1:] for label in not_reported) or "none"
    )
    return facts


def search_facts(protocol: Protocol | None = None) -> dict[str, GlueText]:
    """Glue-ready texts about the living review's own search (data/search.yml), for Methods."""
    from .protocol import load_protocol

    protocol = protocol or load_protocol()
    services = []
    for database in protocol.databases:
        for service in database.services:
            if protocol.labels[service] not in services:
                services.append(protocol.labels[service])
    return {
        "search_services": GlueText(and_list(services)),
        "search_start": GlueText(date_label(protocol.start)),
        "search_overlap": GlueText(plural(protocol.overlap_days, "day")),
        "search_last_run": GlueText(date_label(protocol.last_run) if protocol.last_run else "never"),
        "search_last_run_text": GlueText(
            f"The search was last run on {date_label(protocol.last_run)}."
            if protocol.last_run
            else "The search has not been run yet."
        ),
        "search_query": GlueText(protocol.query("openalex")),
        "search_max_records": GlueText(f"{protocol.max_records:,}"),
        "screening_reasons": GlueText(and_list(f"“{label}”" for label in protocol.reasons.values())),
    }


def search_sources_html(protocol: Protocol | None = None) -> str:
    """The source review's databases and the services that stand in for each, with why."""
    from .protocol import load_protocol

    protocol = protocol or load_protocol()
    rows = "".join(
        f'<tr><th scope="row">{html.escape(d.name)}</th>'
        f"<td>{html.escape(and_list(protocol.labels[s] for s in d.services))}</td><td>{html.escape(d.why)}</td></tr>"
        for d in protocol.databases
    )
    return (
        '<div class="lr-table-scroll"><table class="lr-search-sources"><caption>The source review\'s databases '
        "and the open services the living review queries for each</caption><thead><tr>"
        '<th scope="col">Source database</th><th scope="col">Queried through</th><th scope="col">Why</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def selection_text(selection: Selection | None = None) -> list[str]:
    """The flow as sentences, one per stage, in order: the diagram's text equivalent."""
    selection = selection or load_selection()
    return stages_text(selection.stages)


def stages_text(stages) -> list[str]:
    lines = []
    for stage in stages:
        sentence = f"{stage.label}: {stage.count_text}"
        if stage.note:
            sentence += f" ({stage.note})"
        lines.append(sentence + ".")
    return lines


# Layout of the diagram, in SVG user units (px at 100 %).
_WIDTH = 640
_MARGIN = 16
_MAIN_W = 360
_GAP_X = 40
_SIDE_W = _WIDTH - 2 * _MARGIN - _MAIN_W - _GAP_X
#: The narrow drawing (phones): as wide as a 390 px screen's text column; branches indented.
_NARROW = 360
_INDENT = 28
_GAP_Y = 34
_PAD = 12
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# (font size, line height, average character width in em, weight) per kind of line.
_STYLE = {"label": (14, 18, 0.58, "700"), "count": (18, 24, 0.58, "700"), "note": (13, 17, 0.52, "400")}
#: The light theme's colours, as attributes; the classes let a style sheet override them.
_INK, _MUTED, _LINE, _PAPER = "#1a1a1a", "#333333", "#3b3b3b", "#ffffff"


def _wrap(text: str, kind: str, box_width: int) -> list[str]:
    size, _height, em, _weight = _STYLE[kind]
    chars = max(8, int((box_width - 2 * _PAD) / (size * em)))
    return textwrap.wrap(" ".join(text.split()), chars) or [""]


def _box_lines(stage: Stage, width: int) -> list[tuple[str, str]]:
    lines = [(line, "label") for line in _wrap(stage.label, "label", width)]
    lines.append((stage.count_text, "count"))
    if stage.note:
        lines += [(line, "note") for line in _wrap(stage.note, "note", width)]
    return lines


def _box_height(lines) -> int:
    return 2 * _PAD + sum(_STYLE[kind][1] for _text, kind in lines)


def _draw_box(x: int, y: int, width: int, stage: Stage, lines) -> str:
    esc = html.escape
    height = _box_height(lines)
    dashed = "" if stage.reported else ' stroke-dasharray="6 4"'
    stroke = _LINE if stage.reported else "#6b6b6b"
    parts = [
        f'<g class="lr-flow-stage lr-flow-{esc(stage.key)}">'
        f'<rect class="lr-flow-box" x="{x}" y="{y}" width="{width}" height="{height}" rx="6" fill="{_PAPER}" '
        f'stroke="{stroke}" stroke-width="1.5"{dashed}/>'
    ]
    baseline = y + _PAD
    for text, kind in lines:
        size, line_height, _em, weight = _STYLE[kind]
        baseline += line_height
        colour = _INK
        style = ""
        if kind == "count" and not stage.reported:
            colour, style, size, weight = "#4d4d4d", ' font-style="italic"', 15, "400"
        elif kind == "note":
            colour = _MUTED
        parts.append(
            f'<text class="lr-flow-{kind}" x="{x + width / 2:g}" y="{baseline - 5}" text-anchor="middle" '
            f'font-size="{size}" font-weight="{weight}" fill="{colour}"{style}>{esc(text)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def flow_svg(stages, *, title: str, desc: str, id_prefix: str, narrow: bool = False) -> str:
    """A flow diagram of `stages` as a self-contained inline SVG string.

    Main stages run top to bottom with arrows; `branch` stages sit to the right of the stage before
    them, or, `narrow` (for phones, _NARROW wide), indented below it off a spine on the left.
    Stages without a count are drawn dashed and read "not reported". The SVG has role="img", a
    <title> and a <desc> holding the whole flow as text, no external resources (system fonts
    only) and escapes every text from the data.
    """
    if not re.fullmatch(r"[A-Za-z][\w-]*", id_prefix):
        raise ValueError(f"id_prefix must be a valid HTML id, not {id_prefix!r}")
    esc = html.escape
    p = id_prefix
    width = _NARROW if narrow else _WIDTH
    main_w = width - 2 * _MARGIN if narrow else _MAIN_W
    side_w = main_w - _INDENT if narrow else _SIDE_W
    spine = _MARGIN + _INDENT // 2  # narrow: the line the flow runs down, left of the branches
    body = []
    y = _MARGIN
    previous_main = None  # (x, y, height) of the last main box
    bottom = y
    arrow = f'class="lr-flow-line" stroke="{_LINE}" stroke-width="1.5" fill="none" marker-end="url(#{p}-arrow)"'
    for stage in stages:
        if stage.branch and previous_main is not None:
            lines = _box_lines(stage, side_w)
            px, py, ph = previous_main
            sh = _box_height(lines)
            if narrow:
                sx, sy = _MARGIN + _INDENT, bottom + _GAP_Y // 2
                mid = sy + sh // 2
                body.append(f'<polyline points="{spine},{bottom} {spine},{mid} {sx - 2},{mid}" {arrow}/>')
            else:
                sx = _MARGIN + main_w + _GAP_X
                sy = py + (ph - sh) // 2 if sh < ph else py
                body.append(f'<line x1="{px + main_w}" y1="{py + ph // 2}" x2="{sx - 2}" y2="{py + ph // 2}" {arrow}/>')
            body.append(_draw_box(sx, sy, side_w, stage, lines))
            bottom = max(bottom, sy + sh)
            continue
        lines = _box_lines(stage, main_w)
        height = _box_height(lines)
        if previous_main is not None:
            px, py, ph = previous_main
            y = max(py + ph, bottom) + _GAP_Y
            x_line = spine if narrow else _MARGIN + main_w // 2
            body.append(f'<line x1="{x_line}" y1="{py + ph}" x2="{x_line}" y2="{y - 2}" {arrow}/>')
        body.append(_draw_box(_MARGIN, y, main_w, stage, lines))
        previous_main = (_MARGIN, y, height)
        bottom = max(bottom, y + height)
    total_h = bottom + _MARGIN
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lr-selection-flow lr-flow-{"narrow" if narrow else "wide"}" '
        f'role="img" aria-labelledby="{p}-title {p}-desc" viewBox="0 0 {width} {total_h}" '
        f'width="{width}" height="{total_h}" style="max-width:100%;height:auto" '
        f'font-family="{esc(_FONT, quote=True)}">'
        f'<title id="{p}-title">{esc(title)}</title>'
        f'<desc id="{p}-desc">{esc(desc)}</desc>'
        f'<defs><marker id="{p}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path class="lr-flow-arrowhead" d="M0,0 L10,5 L0,10 z" '
        f'fill="{_LINE}"/></marker></defs>'
        f'<rect class="lr-flow-bg" width="{width}" height="{total_h}" fill="{_PAPER}" rx="8"/>'
        + "".join(body)
        + "</svg>"
    )


#: Which of a figure's two drawings shows: the narrow one on a phone-sized screen. Scoped to the
#: figures' own classes, inside the figure (an SVG <style> is valid where an HTML one is not).
_SWITCH = (
    "<style>.lr-flow-narrow{display:none}"
    "@media (max-width:699px){.lr-flow-narrow{display:inline}.lr-flow-wide{display:none}}</style>"
)


def flow_drawings(stages, *, title: str, desc: str, id_prefix: str) -> str:
    """The wide drawing and the narrow one (for phones), the page showing one of them."""
    wide = flow_svg(stages, title=title, desc=desc, id_prefix=id_prefix)
    narrow = flow_svg(stages, title=title, desc=desc, id_prefix=f"{id_prefix}-narrow", narrow=True)
    return wide.replace("</defs>", "</defs>" + _SWITCH, 1) + narrow


def selection_flow_svg(selection: Selection | None = None, *, id_prefix: str = "selection-flow") -> str:
    """The source review's selection as a flow diagram (flow_svg), its databases in the <desc>."""
    selection = selection or load_selection()
    desc = " ".join(selection_text(selection))
    if selection.databases:
        desc = f"Searched {and_list(selection.databases)}, {selection.period_text}. " + desc
    return flow_svg(selection.stages, title="Literature selection of the source review", desc=desc, id_prefix=id_prefix)


def flow_list_html(stages) -> str:
    """The flow as an ordered HTML list (a diagram's visible text equivalent)."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in stages_text(stages))
    return f'<ol class="lr-selection-steps">{items}</ol>'


def selection_flow_list_html(selection: Selection | None = None) -> str:
    return flow_list_html((selection or load_selection()).stages)


def flow_figure_html(svg: str, stages, *, id_prefix: str, caption: str = "") -> str:
    """A <figure> (the drawings and an optional caption, last), then the flow as a list under 'The
    flow as text' (outside the figure: a figcaption must be a figure's first or last child)."""
    caption_html = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="lr-figure-box lr-selection" id="{id_prefix}-figure">{svg}{caption_html}</figure>'
        f'<details class="lr-selection-text"><summary>The flow as text</summary>{flow_list_html(stages)}</details>'
    )


def selection_flow_html(
    selection: Selection | None = None, *, id_prefix: str = "selection-flow", caption: str = ""
) -> str:
    selection = selection or load_selection()
    desc = " ".join(selection_text(selection))
    if selection.databases:
        desc = f"Searched {and_list(selection.databases)}, {selection.period_text}. " + desc
    svg = flow_drawings(
        selection.stages, title="Literature selection of the source review", desc=desc, id_prefix=id_prefix
    )
    return flow_figure_html(svg, selection.stages, id_prefix=id_prefix, caption=caption)


class SelectionFlow:
    """Displays as the selection figure in a notebook cell (for myst-nb pages)."""

    def __init__(self, selection: Selection | None = None, *, id_prefix: str = "selection-flow", caption: str = ""):
        self.selection = selection or load_selection()
        self.id_prefix = id_prefix
        self.caption = caption

    def __repr__(self) -> str:  # the saved text/plain output: no memory address, builds stay identical
        return "<selection flow>"

    def _repr_html_(self) -> str:
        return selection_flow_html(self.selection, id_prefix=self.id_prefix, caption=self.caption)


# --------------------------------------------------------------------------------------------
# The flow of an update (PRISMA 2020, flow diagram for updated reviews)

#: The PRISMA2020 tool's CSV field names this project fills (R package PRISMA2020 / its Shiny app:
#: the `data` column of its template), with what each holds here.
PRISMA_FIELDS = {
    "previous_studies": "Studies included in the previous version",
    "database_results": "Records identified from databases",
    "database_specific_results": "Records identified, per service ('service, n; ...')",
    "duplicates": "Duplicate records removed",
    "records_screened": "Records screened",
    "records_excluded": "Records excluded",
    "new_studies": "New studies included in this version",
    "total_studies": "Total studies included in this version",
}
#: Where the tool has no field: our additions, named in its style. Screening here is one
#: decision per record (on title and abstract, the full text where needed), so exclusion reasons
#: belong to records_excluded, not to the tool's full-text dbr_excluded.
EXTRA_FIELDS = {
    "duplicates_detail": "Duplicates by where the record already was ('where, n; ...')",
    "records_excluded_reasons": "Records excluded, by reason ('reason, n; ...')",
    "records_carried_over": "Records screened 'maybe' in an earlier update, screened again in this one",
    "records_awaiting": "Records screened as 'maybe': awaiting the full text or a second screener (open, carried to the next update)",
    "records_included": "Records screened as 'include'",
    "records_not_screened": "Records found but not yet screened",
    "new_studies_from_search": "New studies that came from this update's search",
    "removed_studies": "Studies of the previous version no longer in the table",
    "search_dates": "Dates of the search runs and imports of this update ('; '-separated)",
    "screening_stopped": "Where screening stopped early on the stopping estimate (Callaghan & Müller-Hansen 2020), if it did",
}
#: What a duplicate already was, as search-runs.csv counts it (livingreview.update.search).
DUPLICATE_WHERE = {
    "in_table": "already studies",
    "in_cited": "already cited-only studies",
    "in_candidates": "earlier candidates",
    "in_run": "found twice in the run",
}


def _pairs(counts: dict[str, int]) -> str:
    """{'PubMed': 3, 'OpenAlex': 9} -> 'PubMed, 3; OpenAlex, 9' (the tool's 'name, n; ...' format)."""
    return "; ".join(f"{name}, {n}" for name, n in counts.items())


def _unpairs(text) -> dict[str, int]:
    out = {}
    for part in str(text or "").split(";"):
        name, _, n = part.strip().rpartition(",")
        if name.strip() and n.strip().isdigit():
            out[name.strip()] = int(n)
    return out


@dataclass(frozen=True)
class UpdateFlow:
    """The numbers of one update, from the previous version to this one."""

    version: str  # '' for the update in progress
    previous_version: str
    previous_studies: int
    identified: dict[str, int]  # service label -> records
    duplicates: dict[str, int]  # DUPLICATE_WHERE label -> records
    screened: int
    excluded: dict[str, int]  # reason label -> records
    awaiting: int
    not_screened: int
    new_studies: int
    from_search: int
    removed: int
    total_studies: int
    search_dates: tuple[str, ...] = ()
    #: Earlier updates' 'maybe' records, open at the previous version: screened again here.
    carried: int = 0
    #: Records screened 'include' (each becomes a study once `add` has written its row).
    included: int = 0
    #: The stopping estimate's sentence when a screener stopped this update early, else ''.
    stopped: str = ""

    def record(self) -> dict:
        """The flow in the PRISMA2020 tool's field names where they fit (PRISMA_FIELDS), then ours."""
        return {
            "previous_studies": self.previous_studies,
            "database_results": sum(self.identified.values()),
            "database_specific_results": _pairs(self.identified),
            "duplicates": sum(self.duplicates.values()),
            "records_screened": self.screened,
            "records_excluded": sum(self.excluded.values()),
            "new_studies": self.new_studies,
            "total_studies": self.total_studies,
            "duplicates_detail": _pairs(self.duplicates),
            "records_excluded_reasons": _pairs(self.excluded),
            "records_carried_over": self.carried,
            "records_awaiting": self.awaiting,
            "records_included": self.included,
            "records_not_screened": self.not_screened,
            "new_studies_from_search": self.from_search,
            "removed_studies": self.removed,
            "search_dates": "; ".join(self.search_dates),
            "screening_stopped": self.stopped,
        }

    @classmethod
    def from_record(cls, record: dict, *, version: str, previous_version: str) -> UpdateFlow:
        return cls(
            version=version,
            previous_version=previous_version,
            previous_studies=int(record.get("previous_studies", 0)),
            identified=_unpairs(record.get("database_specific_results")),
            duplicates=_unpairs(record.get("duplicates_detail")),
            screened=int(record.get("records_screened", 0)),
            excluded=_unpairs(record.get("records_excluded_reasons")),
            awaiting=int(record.get("records_awaiting", 0)),
            not_screened=int(record.get("records_not_screened", 0)),
            new_studies=int(record.get("new_studies", 0)),
            from_search=int(record.get("new_studies_from_search", 0)),
            removed=int(record.get("removed_studies", 0)),
            total_studies=int(record.get("total_studies", 0)),
            search_dates=tuple(d.strip() for d in str(record.get("search_dates") or "").split(";") if d.strip()),
            carried=int(record.get("records_carried_over", 0)),
            included=int(record.get("records_included", record.get("new_studies_from_search", 0))),
            stopped=str(record.get("screening_stopped") or ""),
        )

    @property
    def title(self) -> str:
        return f"Update to version {self.version}" if self.version else "The update in progress (not yet released)"

    def stages(self) -> list[Stage]:
        """The flow as diagram stages: identification, screening, inclusion, the version's total."""
        dates = and_list(date_label(_date(d)) for d in self.search_dates) or "no search run yet"
        per_service = " · ".join(f"{name} {n:,}" for name, n in self.identified.items())
        screened_notes = []
        if self.carried:
            screened_notes.append(f"{self.carried:,} carried over from earlier updates as 'maybe'")
        if self.not_screened and self.stopped:
            screened_notes.append(
                f"{plural(self.not_screened, 'record')} not screened: stopped early on the stopping estimate"
            )
        elif self.not_screened:
            screened_notes.append(f"{plural(self.not_screened, 'record')} not yet screened")
        screened_note = "; ".join(screened_notes)
        in_version = f"version {self.version}" if self.version else "the table now"
        total_note = f"{self.previous_studies:,} in version {self.previous_version} + {self.new_studies:,} new"
        if self.removed:
            total_note += f" − {self.removed:,} removed"
        other = self.new_studies - self.from_search
        return [
            Stage(
                "identified",
                "Records identified",
                sum(self.identified.values()),
                note=f"{per_service}; searched {dates}".strip("; "),
            ),
            _branch("duplicates", "Duplicates removed", self.duplicates),
            Stage("screened", "Records screened", self.screened, note=screened_note),
            _branch("excluded", "Records excluded", self.excluded),
            Stage(
                "included",
                "New studies included",
                self.new_studies,
                note=f"{self.from_search:,} from the search, {other:,} from other routes (readers' proposals)",
            ),
            Stage(
                "awaiting",
                "Awaiting a decision",
                self.awaiting,
                note="screened 'maybe': carried to the next update, where the full text or a second screener decides",
                branch=True,
            ),
            Stage("total", f"Studies in {in_version}", self.total_studies, note=total_note),
        ]

    def svg(self, id_prefix: str) -> str:
        return flow_svg(self.stages(), title=self.title, desc=" ".join(stages_text(self.stages())), id_prefix=id_prefix)

    def figure_html(self, id_prefix: str, caption: str = "") -> str:
        stages = self.stages()
        drawings = flow_drawings(stages, title=self.title, desc=" ".join(stages_text(stages)), id_prefix=id_prefix)
        return flow_figure_html(drawings, stages, id_prefix=id_prefix, caption=caption)


def _branch(key: str, label: str, counts: dict[str, int]) -> Stage:
    """Records leaving the flow: their total, and the non-zero counts by kind as the note."""
    note = " · ".join(f"{kind} {n:,}" for kind, n in counts.items() if n)
    return Stage(key, label, sum(counts.values()), note=note, branch=True)


def _date(text: str):
    import datetime as _dt

    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def prisma_csv(flow: UpdateFlow) -> str:
    """The flow as the PRISMA2020 tool's CSV reads it (its `data` and `n` columns), our extra
    fields after its own, each with a description."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["data", "description", "n"])
    record = flow.record()
    for name, description in {**PRISMA_FIELDS, **EXTRA_FIELDS}.items():
        writer.writerow([name, description, record[name]])
    return out.getvalue()


def carried_over(cycle: Cycle, releases: list[Release], dates: set[str]) -> set[str]:
    """The candidates of earlier updates still open as 'maybe' at the previous version: the ones
    it recorded (Release.awaiting), or, for a version that recorded none, every candidate of an
    earlier update now 'maybe' or screened after that version's date."""
    previous = releases[-1] if releases else None
    if previous is None:
        return set()
    if previous.awaiting is not None:
        return set(previous.awaiting)
    earlier = {c["candidate_id"] for c in cycle.candidates if c["found"] not in dates}
    carried = set()
    for row in settled_decisions(cycle.screening)[0].values():  # each candidate's decision
        if row["candidate_id"] not in earlier:
            continue
        decision, screened = row["decision"].strip(), row["screened"].strip()
        if decision == "maybe" or (decision and screened > previous.date.isoformat()):
            carried.add(row["candidate_id"])
    return carried


def searched_dates(releases: list[Release]) -> set[str]:
    """The search runs already counted in a released version."""
    dates = set()
    for release in releases:
        dates.update(UpdateFlow.from_record(release.flow or {}, version="", previous_version="").search_dates)
    return dates


def update_flow(
    studies,
    cycle: Cycle,
    releases: list[Release],
    protocol: Protocol,
    *,
    version: str = "",
) -> UpdateFlow:
    """The flow of the update after the newest release: the search runs no release has counted,
    the candidates they found, the earlier updates' 'maybe' records carried over to it, and the
    decisions on all of them (each record counted once); the table's rows against the previous
    version's. `version` names the version being cut ('' while in progress)."""
    previous = releases[-1] if releases else None
    done = searched_dates(releases)
    runs = [run for run in cycle.runs if run["date"] not in done]
    imports = [row for row in cycle.imports if row["date"] not in done]
    dates = tuple(sorted({run["date"] for run in [*runs, *imports]}))
    identified: Counter = Counter()
    duplicates: Counter = Counter()
    for run in runs:
        identified[protocol.labels[run["service"]]] += int(run["identified"])
        for column, label in DUPLICATE_WHERE.items():
            duplicates[label] += int(run[column])
    exported: Counter = Counter()  # imports, by database: counted after the services
    for row in imports:
        exported[f"{row['database']} (export)"] += int(row["identified"])
        for column, label in DUPLICATE_WHERE.items():
            duplicates[label] += int(row[column])
    found = {c["candidate_id"] for c in cycle.candidates if c["found"] in dates}
    carried = carried_over(cycle, releases, set(dates)) - found
    considered = found | carried
    settled = settled_decisions(cycle.screening)[0]
    decisions = {cid: row for cid, row in settled.items() if cid in considered}
    verdict = Counter((decisions.get(cid) or {}).get("decision", "").strip() or "pending" for cid in considered)
    excluded: Counter = Counter()
    for row in decisions.values():
        if row["decision"] == "exclude":
            excluded[protocol.reasons.get(row["reason"], row["reason"])] += 1
    current = set(studies["id"])
    before = set(previous.rows) if previous else set()
    new_ids = current - before
    became = added_studies(cycle.screening)
    from_search = sum(
        1 for cid, row in decisions.items() if row["decision"] == "include" and became.get(cid) in new_ids
    )
    return UpdateFlow(
        version=version,
        previous_version=previous.version if previous else "none",
        previous_studies=previous.studies if previous else 0,
        identified={
            **{protocol.labels[s]: identified[protocol.labels[s]] for s in ("pubmed", "europepmc", "openalex")},
            **exported,
        },
        duplicates={label: duplicates[label] for label in DUPLICATE_WHERE.values()},
        screened=len(considered) - verdict["pending"],
        excluded={label: excluded[label] for label in protocol.reasons.values() if excluded[label]},
        awaiting=verdict["maybe"],
        not_screened=verdict["pending"],
        new_studies=len(new_ids),
        from_search=from_search,
        removed=len(before - current),
        total_studies=len(current),
        search_dates=dates,
        carried=len(carried),
        included=verdict["include"],
        stopped=_stopped(cycle, dates, verdict["pending"]),
    )


def open_maybes(cycle: Cycle, releases: list[Release]) -> tuple[str, ...]:
    """The candidates a version cut now leaves open as 'maybe' (this update's and those carried
    over), in file order: the next update screens them again."""
    done = searched_dates(releases)
    dates = {run["date"] for run in [*cycle.runs, *cycle.imports] if run["date"] not in done}
    considered = {c["candidate_id"] for c in cycle.candidates if c["found"] in dates}
    considered |= carried_over(cycle, releases, dates)
    settled = settled_decisions(cycle.screening)[0]
    return tuple(
        cid
        for cid in dict.fromkeys(row["candidate_id"] for row in cycle.screening)
        if cid in considered and cid in settled and settled[cid]["decision"].strip() == "maybe"
    )


def _stopped(cycle: Cycle, dates: tuple[str, ...], not_screened: int) -> str:
    """The sentence of the last early stop of this update (on or after its first search), if any."""
    from .stopping import Estimate

    stops = [row for row in cycle.stops if dates and row["date"] >= dates[0]]
    if not stops or not not_screened:
        return ""
    row = stops[-1]
    estimate = Estimate(
        total=int(row["candidates"]),
        screened=int(row["screened"]),
        relevant=int(row["relevant"]),
        p=float(row["p_value"]),
        recall=float(row["recall_target"]),
        confidence=float(row["confidence"]),
    )
    return f"stopped on {row['date']} by {row['screener']}: {estimate.sentence()}"


class UpdateFlowFigure:
    """Displays as an update's flow figure in a notebook cell."""

    def __init__(self, flow: UpdateFlow, *, id_prefix: str, caption: str = ""):
        self.flow, self.id_prefix, self.caption = flow, id_prefix, caption

    def __repr__(self) -> str:
        return "<update flow>"

    def _repr_html_(self) -> str:
        return self.flow.figure_html(self.id_prefix, self.caption)
