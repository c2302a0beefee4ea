""" "What's new": the studies by the date they were added (the `added` column).

Pure functions over a study table (as load_studies() returns it, or any frame with the columns a
function names). The "What's new" chapter shows changelog_html(); the prose glues last_updated()
and first_added() (livingreview.book.chapters).

Everything that comes from data is text, never markup: the HTML escapes it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..data.filters import FilterState
from ..data.links import STUDIES_PAGE, card_href
from ..data.provenance import provenance
from ..data.vocabulary import load_vocabulary
from ..text.markup import esc
from ..text.wording import citation_text, date_label, month_label, one_line, plural


def _added(df: pd.DataFrame) -> pd.Series:
    """The `added` column as timestamps (strings such as '2026-11-26' are accepted too)."""
    return pd.to_datetime(df["added"], errors="coerce")


def changelog(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The rows grouped by the month of `added`, newest month first: [('2026-11', rows), ...].

    Within a month the newest row comes first; ties by first author, year and id, so the order is
    stable. Each `rows` is a copy of those rows of `df` (original columns, index reset). Rows
    without a date are left out (the validator requires one).
    """
    frame = df.assign(_added=_added(df))
    frame = frame[frame["_added"].notna()]
    keys = ["_added"] + [c for c in ("first_author", "year", "id") if c in frame.columns]
    ordered = frame.sort_values(keys, ascending=[False] + [True] * (len(keys) - 1), kind="stable")
    months = ordered["_added"].dt.strftime("%Y-%m")
    groups = []
    for month in dict.fromkeys(months):  # first-seen order = newest first
        rows = ordered[months == month].drop(columns="_added").reset_index(drop=True)
        groups.append((month, rows))
    return groups


def last_updated(df: pd.DataFrame) -> dt.date | None:
    """The date of the latest data change (the newest `added`), or None for an empty table."""
    return _day(_added(df).max() if len(df) else pd.NaT)


def first_added(df: pd.DataFrame) -> dt.date | None:
    """The date the living review began (the oldest `added`), or None for an empty table."""
    return _day(_added(df).min() if len(df) else pd.NaT)


def _day(stamp) -> dt.date | None:
    return None if pd.isna(stamp) else stamp.date()


def _labels(column: str, keys) -> str:
    facet = load_vocabulary()[column]
    return ", ".join(facet.label_of(k) for k in (keys or []))


#: "What's new" lists this many of the newest months in full...
RECENT_MONTHS = 3
#: ...and at most this many studies in them, so the page is bounded at any size (issue #17: at
#: 10,000 studies the full list was 4.7 MB). Older months are one line each, with their count.
RECENT_STUDIES = 60


def changelog_html(
    df: pd.DataFrame,
    studies_page: str = STUDIES_PAGE,
    *,
    recent_months: int = RECENT_MONTHS,
    recent_studies: int = RECENT_STUDIES,
) -> str:
    """ "What's new" as HTML, newest first: the `recent_months` newest months one item per study
    (at most `recent_studies` items in all; a month cut short says how many more it has), then
    every older month as one line with its count, linking to its studies on the studies page (the
    month-added filter, ?added=YYYY-MM). Its size does not grow with the table.

    Each item: the citation linking to the study card (`studies_page#study-<id>`), a one-line
    summary of the application, the coded domain and model-family labels and the date added.
    """
    vocabulary = load_vocabulary()
    groups = changelog(df)
    if not groups:
        return '<p class="lr-changelog-empty">No studies have been added yet.</p>'
    parts = ['<div class="lr-changelog">']
    room = recent_studies
    for month, rows in groups[:recent_months]:
        anchor = f"whats-new-{month}"
        parts.append(
            f'<section class="lr-changelog-month" aria-labelledby="{anchor}">'
            f'<h2 id="{anchor}">{esc(month_label(month))} '
            f'<span class="lr-muted">({plural(len(rows), "study", "studies")})</span></h2><ul class="lr-changelog-list">'
        )
        listed = rows.head(max(room, 0))
        room -= len(listed)
        for row in listed.to_dict("records"):
            parts.append(_item_html(row, vocabulary, studies_page))
        parts.append("</ul>")
        if len(listed) < len(rows):
            parts.append(
                f'<p class="lr-changelog-more">And {plural(len(rows) - len(listed), "more study", "more studies")} '
                f'added in {esc(month_label(month))}: every study is on the <a href="{esc(studies_page)}">'
                "studies page</a>.</p>"
            )
        parts.append("</section>")
    older = groups[recent_months:]
    if older:
        total = sum(len(rows) for _month, rows in older)
        parts.append(
            '<section class="lr-changelog-month" aria-labelledby="whats-new-earlier">'
            f'<h2 id="whats-new-earlier">Earlier months <span class="lr-muted">'
            f"({plural(total, 'study', 'studies')})</span></h2>"
            f'<p>Every study is on the <a href="{esc(studies_page)}">studies page</a>; '
            "here, how many entered the review each month, each a link to them.</p>"
            '<ul class="lr-changelog-months">'
        )
        for month, rows in older:
            # The month's studies on the studies page: the month-added filter (filters.ADDED_KEY).
            href = studies_page + FilterState(added=month).to_query()
            parts.append(
                f'<li id="whats-new-{month}">{esc(month_label(month))}: '
                f'<a href="{esc(href)}">{plural(len(rows), "study", "studies")}</a></li>'
            )
        parts.append("</ul></section>")
    parts.append("</div>")
    return "".join(parts)


def _application_html(row: dict) -> str:
    """The study's application: a Table 1 row's is the source review's words, so it is quoted
    (<q>); a later study's is the contributor's summary. The item's last line says which."""
    text = esc(one_line(row.get("application", "")))
    return f"<q>{text}</q>" if provenance(row).quoted else text


def _item_html(row: dict, vocabulary, studies_page: str) -> str:
    added = pd.Timestamp(row["added"])
    href = card_href(row["id"], studies_page)
    coded = " · ".join(
        f"{esc(vocabulary[c].label)}: {esc(_labels(c, row.get(c)))}"
        for c in ("domain", "model_family")
        if (terms := row.get(c)) is not None and len(terms) > 0
    )
    return (
        f'<li class="lr-changelog-item" id="whats-new-{esc(str(row["id"]))}">'
        f'<a href="{esc(href)}"><strong>{esc(citation_text(row))}</strong></a>: '
        f"{_application_html(row)}"
        f'<br><span class="lr-changelog-meta">{coded}'
        f'{" · " if coded else ""}added <time datetime="{added:%Y-%m-%d}">{esc(date_label(added))}</time>'
        f'<br><span class="lr-changelog-prov">{esc(provenance(row).label)}</span>'
        "</span></li>"
    )
