"""The source review's literature selection (data/selection.yml) and its PRISMA-style flow diagram.

load_selection() reads and checks the file; selection_facts() gives the Methods chapter its glued
texts; SelectionFlow() (a notebook cell's output) draws the flow as an inline SVG with the same
flow as text beside it. A search update changes a number in the file, never a drawing.

Everything that comes from the file is text, never markup: the SVG and HTML escape it.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .paths import SELECTION
from .wording import GlueText, and_list, month_label

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
        return f"{self.qualifier} {self.count}".strip()


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
    )


def selection_facts(selection: Selection | None = None) -> dict[str, GlueText]:
    """Glue-ready texts for the Methods chapter: selection_identified ('more than 65'), ..."""
    selection = selection or load_selection()
    facts = {f"selection_{s.key}": GlueText(s.count_text) for s in selection.stages}
    facts["selection_databases"] = GlueText(and_list(selection.databases))
    facts["selection_period"] = GlueText(selection.period_text)
    facts["selection_keywords"] = GlueText(and_list(f"“{k}”" for k in selection.keywords))
    facts["selection_not_reported"] = GlueText(
        and_list(s.label[0].lower() + s.label[1:] for s in selection.stages if not s.reported) or "none"
    )
    return facts


def selection_text(selection: Selection | None = None) -> list[str]:
    """The flow as sentences, one per stage, in order: the diagram's text equivalent."""
    selection = selection or load_selection()
    lines = []
    for stage in selection.stages:
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
_GAP_Y = 34
_PAD = 12
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# (font size, line height, average character width in em, weight) per kind of line.
_STYLE = {"label": (14, 18, 0.58, "700"), "count": (18, 24, 0.58, "700"), "note": (13, 17, 0.52, "400")}


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
    stroke = "#3b3b3b" if stage.reported else "#6b6b6b"
    parts = [
        f'<g class="lr-flow-stage lr-flow-{esc(stage.key)}">'
        f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="6" fill="#ffffff" '
        f'stroke="{stroke}" stroke-width="1.5"{dashed}/>'
    ]
    baseline = y + _PAD
    for text, kind in lines:
        size, line_height, _em, weight = _STYLE[kind]
        baseline += line_height
        colour = "#1a1a1a"
        style = ""
        if kind == "count" and not stage.reported:
            colour, style, size, weight = "#4d4d4d", ' font-style="italic"', 15, "400"
        elif kind == "note":
            colour = "#333333"
        parts.append(
            f'<text x="{x + width / 2:g}" y="{baseline - 5}" text-anchor="middle" font-size="{size}" '
            f'font-weight="{weight}" fill="{colour}"{style}>{esc(text)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def selection_flow_svg(selection: Selection | None = None, *, id_prefix: str = "selection-flow") -> str:
    """A PRISMA-style flow diagram of `selection` as a self-contained inline SVG string.

    Main stages run top to bottom with arrows; `branch` stages sit to the right of the stage before
    them. Stages the source does not report are drawn dashed and read "not reported". The SVG has
    role="img", a <title> and a <desc> holding the whole flow as text, no external resources
    (system fonts only) and escapes every text from the data.
    """
    if not re.fullmatch(r"[A-Za-z][\w-]*", id_prefix):
        raise ValueError(f"id_prefix must be a valid HTML id, not {id_prefix!r}")
    selection = selection or load_selection()
    esc = html.escape
    p = id_prefix
    body = []
    y = _MARGIN
    previous_main = None  # (x, y, height) of the last main box
    bottom = y
    for stage in selection.stages:
        if stage.branch and previous_main is not None:
            lines = _box_lines(stage, _SIDE_W)
            px, py, ph = previous_main
            sx = _MARGIN + _MAIN_W + _GAP_X
            sh = _box_height(lines)
            sy = py + (ph - sh) // 2 if sh < ph else py
            body.append(
                f'<line x1="{px + _MAIN_W}" y1="{py + ph // 2}" x2="{sx - 2}" y2="{py + ph // 2}" '
                f'stroke="#3b3b3b" stroke-width="1.5" marker-end="url(#{p}-arrow)"/>'
            )
            body.append(_draw_box(sx, sy, _SIDE_W, stage, lines))
            bottom = max(bottom, sy + sh)
            continue
        lines = _box_lines(stage, _MAIN_W)
        height = _box_height(lines)
        if previous_main is not None:
            px, py, ph = previous_main
            y = max(py + ph, bottom) + _GAP_Y
            x_mid = _MARGIN + _MAIN_W // 2
            body.append(
                f'<line x1="{x_mid}" y1="{py + ph}" x2="{x_mid}" y2="{y - 2}" stroke="#3b3b3b" '
                f'stroke-width="1.5" marker-end="url(#{p}-arrow)"/>'
            )
        body.append(_draw_box(_MARGIN, y, _MAIN_W, stage, lines))
        previous_main = (_MARGIN, y, height)
        bottom = max(bottom, y + height)
    total_h = bottom + _MARGIN
    title = "Literature selection of the source review"
    desc = " ".join(selection_text(selection))
    if selection.databases:
        desc = f"Searched {and_list(selection.databases)}, {selection.period_text}. " + desc
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lr-selection-flow" role="img" '
        f'aria-labelledby="{p}-title {p}-desc" viewBox="0 0 {_WIDTH} {total_h}" '
        f'width="{_WIDTH}" height="{total_h}" style="max-width:100%;height:auto" '
        f'font-family="{esc(_FONT, quote=True)}">'
        f'<title id="{p}-title">{esc(title)}</title>'
        f'<desc id="{p}-desc">{esc(desc)}</desc>'
        f'<defs><marker id="{p}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#3b3b3b"/>'
        "</marker></defs>"
        f'<rect width="{_WIDTH}" height="{total_h}" fill="#ffffff" rx="8"/>' + "".join(body) + "</svg>"
    )


def selection_flow_list_html(selection: Selection | None = None) -> str:
    """The flow as an ordered HTML list (the diagram's visible text equivalent)."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in selection_text(selection))
    return f'<ol class="lr-selection-steps">{items}</ol>'


def selection_flow_html(
    selection: Selection | None = None, *, id_prefix: str = "selection-flow", caption: str = ""
) -> str:
    """A <figure>: the SVG, an optional caption and the flow as a list under 'The flow as text'."""
    selection = selection or load_selection()
    caption_html = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="lr-figure-box lr-selection" id="{id_prefix}-figure">'
        f"{selection_flow_svg(selection, id_prefix=id_prefix)}{caption_html}"
        f"<details><summary>The flow as text</summary>{selection_flow_list_html(selection)}</details>"
        "</figure>"
    )


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
