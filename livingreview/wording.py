"""How the book words things: counts with their nouns, lists, dates, one-line summaries, citations.

The lowest layer of the package (it imports nothing of ours), so every module may use it and no
phrase is formatted two ways. Everything here returns plain text; whoever puts it into HTML or
SVG escapes it there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping


class GlueText(str):
    """A string whose repr is itself, so {glue:text} shows it without quotes."""

    def __repr__(self) -> str:
        return str(self)


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 study', '15 studies', '1,000 studies' ('many' defaults to one + 's')."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def and_list(items: Iterable[str]) -> str:
    """'A', 'A and B', 'A, B and C' ('' for none)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def date_label(day: dt.date | dt.datetime | None) -> str:
    """A date as readers see it: '26 November 2026' ('' for none, or for pandas' NaT)."""
    if day is None or day != day:  # NaT is not equal to itself
        return ""
    return f"{day.day} {day:%B %Y}"  # day.day, not %-d: that one is glibc-only


def month_label(month: str) -> str:
    """'2026-11' -> 'November 2026'."""
    return dt.datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def one_line(text: str, limit: int = 160) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters (with '…')."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-–")
    return cut + "…"


def citation_text(study: Mapping) -> str:
    """How the book names a study in running text and lists: 'Ultsch et al. (2025)'."""
    return f"{study['first_author']} et al. ({study['year']})"
