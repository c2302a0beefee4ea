"""The living part of the review: what changed and when, the coding rules, the literature selection.

Pure functions over a study table (as load_studies() returns it, or any frame with the columns a
function names) and over the data files. The "What's new", "Contribute" and "Methods" chapters call
them, so those pages follow the data and never drift from it:

- changelog(df), last_updated(df), added_since(df, date), changelog_html(df): the `added` dates;
- column_rules(), columns_markdown(), columns_html(): every CSV column and its rule (datapackage.json);
- vocabulary_markdown(), vocabulary_html(), vocabulary_keys_markdown(): the terms (vocabulary.yml);
- load_selection(), selection_facts(), selection_flow_svg(), selection_flow_html(): selection.yml;
- sync_contributing(): the generated blocks of CONTRIBUTING.md (`python -m livingreview.living`).

Everything that comes from data is text, never markup: HTML and SVG output escape it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import html
import io
import json
import re
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .book import Text as GlueText  # one string type for every glued value
from .book import citation_text as citation  # lists name studies as the table does
from .paths import DATAPACKAGE, DEFAULT_STUDIES, ROOT, VOCABULARY
from .vocabulary import LIST_COLUMNS, load_vocabulary

SELECTION = ROOT / "data" / "selection.yml"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
PR_TEMPLATE = ROOT / ".github" / "PULL_REQUEST_TEMPLATE.md"
#: Where each study's card is, relative to a page in book/ (the studies chapter: book/studies.md).
STUDIES_PAGE = "studies.html"


# --------------------------------------------------------------------------------------------
# What's new: the `added` dates
# --------------------------------------------------------------------------------------------


def _added(df: pd.DataFrame) -> pd.Series:
    """The `added` column as timestamps (strings such as '2026-11-26' are accepted too)."""
    return pd.to_datetime(df["added"], errors="coerce")


def _changelog_order(df: pd.DataFrame) -> pd.DataFrame:
    """Dated rows, newest first; ties by first author, year and id, so the order is stable."""
    frame = df.assign(_added=_added(df))
    frame = frame[frame["_added"].notna()]
    keys = ["_added"] + [c for c in ("first_author", "year", "id") if c in frame.columns]
    ascending = [False] + [True] * (len(keys) - 1)
    return frame.sort_values(keys, ascending=ascending, kind="stable")


def changelog(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The rows grouped by the month of `added`, newest month first: [('2026-11', rows), ...].

    Within a month the newest row comes first. Each `rows` is a copy of those rows of `df`
    (original columns, index reset). Rows without a date are left out (the validator requires one).
    """
    ordered = _changelog_order(df)
    months = ordered["_added"].dt.strftime("%Y-%m")
    groups = []
    for month in dict.fromkeys(months):  # first-seen order = newest first
        rows = ordered[months == month].drop(columns="_added").reset_index(drop=True)
        groups.append((month, rows))
    return groups


def month_label(month: str) -> str:
    """'2026-11' -> 'November 2026'."""
    return dt.datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def date_label(day: dt.date | pd.Timestamp | None) -> str:
    """A date as readers see it: '26 November 2026' ('' for none)."""
    if day is None or pd.isna(day):
        return ""
    return f"{day.day} {day:%B %Y}"


def last_updated(df: pd.DataFrame) -> dt.date | None:
    """The date of the latest data change (the newest `added`), or None for an empty table."""
    latest = _added(df).max() if len(df) else pd.NaT
    return None if pd.isna(latest) else latest.date()


def added_since(df: pd.DataFrame, since: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """Rows added on or after `since` (a date or 'YYYY-MM-DD'), newest first, index reset."""
    start = pd.Timestamp(since).normalize()
    ordered = _changelog_order(df)
    return ordered[ordered["_added"] >= start].drop(columns="_added").reset_index(drop=True)


def one_line(text: str, limit: int = 160) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters (with '…')."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-–")
    return cut + "…"


def _labels(column: str, keys) -> str:
    facet = load_vocabulary()[column]
    return ", ".join(facet.label_of(k) for k in (keys or []))


def changelog_html(df: pd.DataFrame, studies_page: str = STUDIES_PAGE) -> str:
    """ "What's new" as HTML: one section per month, newest first, one item per study.

    Each item: the citation linking to the study card (`studies_page#study-<id>`), a one-line
    summary of the application, the coded domain and model-family labels and the date added.
    """
    esc = html.escape
    vocabulary = load_vocabulary()
    groups = changelog(df)
    if not groups:
        return '<p class="lr-changelog-empty">No studies have been added yet.</p>'
    parts = ['<div class="lr-changelog">']
    for month, rows in groups:
        anchor = f"whats-new-{month}"
        count = f"{len(rows)} {'study' if len(rows) == 1 else 'studies'}"
        parts.append(
            f'<section class="lr-changelog-month" aria-labelledby="{anchor}">'
            f'<h2 id="{anchor}">{esc(month_label(month))} '
            f'<span class="lr-muted">({count})</span></h2><ul class="lr-changelog-list">'
        )
        for row in rows.to_dict("records"):
            added = pd.Timestamp(row["added"])
            href = f"{studies_page}#study-{row['id']}"
            coded = " · ".join(
                f"{esc(vocabulary[c].label)}: {esc(_labels(c, row.get(c)))}"
                for c in ("domain", "model_family")
                if row.get(c) is not None and len(row.get(c)) > 0
            )
            parts.append(
                f'<li class="lr-changelog-item" id="whats-new-{esc(str(row["id"]))}">'
                f'<a href="{esc(href, quote=True)}"><strong>{esc(citation(row))}</strong></a>: '
                f"{esc(one_line(row.get('application', '')))}"
                f'<br><span class="lr-changelog-meta">{coded}'
                f'{" · " if coded else ""}added <time datetime="{added:%Y-%m-%d}">{esc(date_label(added))}</time>'
                "</span></li>"
            )
        parts.append("</ul></section>")
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Contributor guide: columns (datapackage.json) and vocabulary (vocabulary.yml)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnRule:
    name: str
    title: str
    required: bool
    description: str
    formats: tuple[str, ...]  # e.g. 'a whole number', 'unique in the table'
    pattern: str | None  # the regular expression the cell must match, if any

    @property
    def rule(self) -> str:
        """The whole rule as plain text."""
        extra = list(self.formats) + ([f"must match {self.pattern}"] if self.pattern else [])
        text = self.description.rstrip(".") + "."
        return f"{text} Format: {'; '.join(extra)}." if extra else text


@lru_cache(maxsize=2)
def _schema_fields(path: str = str(DATAPACKAGE)) -> tuple[dict, ...]:
    with open(path, encoding="utf-8") as handle:
        package = json.load(handle)
    schema = next(r for r in package["resources"] if r["name"] == "studies")["schema"]
    return tuple(schema["fields"])


def column_rules(path: str | Path = DATAPACKAGE) -> list[ColumnRule]:
    """Every column of studies.csv in file order, with its rule as a contributor reads it.

    The rule is the column's description in datapackage.json plus what its constraints say
    (required, unique, pattern, minimum, type); nothing is written here by hand.
    """
    rules = []
    for spec in _schema_fields(str(path)):
        constraints = spec.get("constraints", {})
        formats = []
        if spec.get("type") == "integer":
            formats.append("a whole number")
        if spec.get("type") == "date":
            formats.append("a date written YYYY-MM-DD")
        if "minimum" in constraints:
            formats.append(f"at least {constraints['minimum']}")
        if constraints.get("unique"):
            formats.append("unique in the table")
        if spec["name"] in LIST_COLUMNS:
            formats.append("allowed terms: see the vocabulary")
        rules.append(
            ColumnRule(
                spec["name"],
                spec.get("title", spec["name"]),
                bool(constraints.get("required")),
                spec.get("description", "").strip(),
                tuple(formats),
                constraints.get("pattern"),
            )
        )
    return rules


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<>])")


def md_escape(text: str) -> str:
    """Text for a Markdown table cell: Markdown's special characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_code(text: str) -> str:
    """Inline code that survives any backticks in `text`."""
    text = str(text).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def columns_markdown(path: str | Path = DATAPACKAGE) -> str:
    """The columns of studies.csv as a Markdown table (column, required, rule)."""
    lines = ["| Column | Required | Rule |", "| --- | --- | --- |"]
    for rule in column_rules(path):
        text = md_escape(rule.description.rstrip(".") + ".")
        extra = [md_escape(f) for f in rule.formats] + (
            [f"must match {_md_code(rule.pattern)}"] if rule.pattern else []
        )
        if extra:
            text += f" Format: {'; '.join(extra)}."
        lines.append(f"| {_md_code(rule.name)} | {'yes' if rule.required else 'no'} | {text} |")
    return "\n".join(lines)


def columns_html(path: str | Path = DATAPACKAGE) -> str:
    """The columns of studies.csv as an accessible HTML table."""
    esc = html.escape
    rows = []
    for rule in column_rules(path):
        text = esc(rule.description.rstrip(".") + ".")
        extra = [esc(f) for f in rule.formats] + (
            [f"must match <code>{esc(rule.pattern)}</code>"] if rule.pattern else []
        )
        if extra:
            text += f" Format: {'; '.join(extra)}."
        rows.append(
            f'<tr><th scope="row"><code>{esc(rule.name)}</code><br>'
            f'<span class="lr-muted">{esc(rule.title)}</span></th>'
            f"<td>{'yes' if rule.required else 'no'}</td><td>{text}</td></tr>"
        )
    return (
        '<table class="table lr-rules"><caption>The columns of data/studies.csv, in file order</caption>'
        '<thead><tr><th scope="col">Column</th><th scope="col">Required</th>'
        f'<th scope="col">Rule</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _facet_summary(facet) -> str:
    need = "one or more terms, required" if facet.required else "zero or more terms, optional"
    return f"{facet.label} (column {facet.column}): {need}; separate terms with ';'"


def vocabulary_markdown(vocabulary_path: str | Path = VOCABULARY) -> str:
    """Every facet as a Markdown table: term key, display label, definition."""
    vocabulary = load_vocabulary(Path(vocabulary_path))
    blocks = []
    for facet in vocabulary.values():
        lines = [
            f"**{md_escape(facet.label)}** ({_md_code(facet.column)}): "
            + ("one or more terms, required." if facet.required else "zero or more terms, optional."),
            "",
            "| Term key | Label | Definition |",
            "| --- | --- | --- |",
        ]
        for term in facet.terms.values():
            lines.append(f"| {_md_code(term.key)} | {md_escape(term.label)} | {md_escape(term.definition)} |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def vocabulary_keys_markdown(vocabulary_path: str | Path = VOCABULARY) -> str:
    """A compact list: one line per facet with its term keys and labels (for CONTRIBUTING.md)."""
    vocabulary = load_vocabulary(Path(vocabulary_path))
    lines = []
    for facet in vocabulary.values():
        need = "required" if facet.required else "optional"
        terms = " · ".join(f"{_md_code(t.key)} {md_escape(t.label)}" for t in facet.terms.values())
        lines.append(f"- **{md_escape(facet.label)}** ({_md_code(facet.column)}, {need}): {terms}")
    return "\n".join(lines)


def vocabulary_html(vocabulary_path: str | Path = VOCABULARY) -> str:
    """Every facet as an accessible HTML table (term key, display label, definition)."""
    esc = html.escape
    vocabulary = load_vocabulary(Path(vocabulary_path))
    tables = []
    for facet in vocabulary.values():
        rows = "".join(
            f'<tr><td><code>{esc(t.key)}</code></td><th scope="row">{esc(t.label)}</th>'
            f"<td>{esc(t.definition)}</td></tr>"
            for t in facet.terms.values()
        )
        tables.append(
            f'<table class="table lr-vocabulary" id="vocabulary-{esc(facet.column)}">'
            f"<caption>{esc(_facet_summary(facet))}</caption>"
            '<thead><tr><th scope="col">Term key (in the CSV)</th><th scope="col">Label (as shown)</th>'
            f'<th scope="col">Definition</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    return '<div class="lr-vocabularies">' + "".join(tables) + "</div>"


def pr_checklist(path: str | Path = PR_TEMPLATE) -> list[str]:
    """The reviewer checklist of the pull-request template: the text of each '- [ ]' line."""
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*[-*] \[[ xX]\] (.+)", line)
        if match:
            items.append(match.group(1).strip())
    return items


def markdown_inline_html(text: str) -> str:
    """Escape `text`, then render its `code` spans and **bold** as HTML (nothing else)."""
    out = html.escape(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def checklist_html(path: str | Path = PR_TEMPLATE) -> str:
    items = "".join(f"<li>{markdown_inline_html(item)}</li>" for item in pr_checklist(path))
    return f'<ul class="lr-checklist">{items}</ul>'


def example_validation_messages(studies: str | Path = DEFAULT_STUDIES) -> tuple[str, str]:
    """What the validator prints for a mistyped term, in text and in GitHub format.

    A copy of the table gets a typo in the first term of its first row's `domain`; the real
    command line runs on it, so the example on the Contribute page is never out of date.
    """
    from .cli import main

    with open(studies, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, first = rows[0], rows[1]
    column = header.index("domain")
    term = first[column].split(";")[0].strip()
    typo = term[:-2] + term[-1] if len(term) > 2 else term + "x"
    first[column] = ";".join([typo] + first[column].split(";")[1:])
    shown = "data/studies.csv"
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "studies.csv"
        with open(copy, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        outputs = []
        for fmt in ("text", "github"):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(["validate", str(copy), "--format", fmt])
            text = (out.getvalue() if fmt == "github" else err.getvalue()).splitlines()[0]
            outputs.append(text.replace(str(copy), shown))
    return outputs[0], outputs[1]


# --------------------------------------------------------------------------------------------
# Literature selection (selection.yml) and its PRISMA-style flow diagram
# --------------------------------------------------------------------------------------------

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


def _and_list(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


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
    facts["selection_databases"] = GlueText(_and_list(selection.databases))
    facts["selection_period"] = GlueText(selection.period_text)
    facts["selection_keywords"] = GlueText(_and_list(f"“{k}”" for k in selection.keywords))
    facts["selection_not_reported"] = GlueText(
        _and_list(s.label[0].lower() + s.label[1:] for s in selection.stages if not s.reported) or "none"
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
        desc = f"Searched {_and_list(selection.databases)}, {selection.period_text}. " + desc
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


# --------------------------------------------------------------------------------------------
# CONTRIBUTING.md: blocks generated from the data files
# --------------------------------------------------------------------------------------------

GENERATED = {"columns": columns_markdown, "vocabulary": vocabulary_keys_markdown}
_BLOCK = re.compile(
    r"(<!-- BEGIN generated: (?P<name>[a-z]+)[^>]*-->\n)(?P<body>.*?)(\n<!-- END generated: (?P=name) -->)",
    re.S,
)


def sync_contributing(text: str | None = None) -> str:
    """CONTRIBUTING.md with each generated block (columns, vocabulary) rebuilt from the data files."""
    text = CONTRIBUTING.read_text(encoding="utf-8") if text is None else text

    def rebuild(match: re.Match) -> str:
        make = GENERATED.get(match.group("name"))
        return match.group(0) if make is None else match.group(1) + make() + match.group(4)

    return _BLOCK.sub(rebuild, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m livingreview.living",
        description="Rebuild the generated blocks of CONTRIBUTING.md from datapackage.json and vocabulary.yml.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if CONTRIBUTING.md is out of date; change nothing")
    args = parser.parse_args(argv)
    current = CONTRIBUTING.read_text(encoding="utf-8")
    updated = sync_contributing(current)
    if current == updated:
        print("CONTRIBUTING.md is up to date")
        return 0
    if args.check:
        print("CONTRIBUTING.md is out of date: run python -m livingreview.living", file=sys.stderr)
        return 1
    CONTRIBUTING.write_text(updated, encoding="utf-8")
    print("CONTRIBUTING.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
