"""How the book words things: counts with their nouns, lists, dates, one-line summaries, citations.

The lowest layer of the package (it imports nothing of ours), so every module may use it and no
phrase is formatted two ways. Everything here returns plain text; whoever puts it into HTML or
SVG escapes it there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    #: A study as citations read it: a mapping or a row of the table.
    Record = Mapping[str, Any] | pd.Series


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


def share_of(part: int, whole: int, one: str = "study", many: str = "studies") -> str:
    """Part of a whole as a sentence counts it, never 'the 7 of the 7': '5 of the 7 studies',
    'all 7 studies', 'both studies', 'the one study'; 'none of the 3 studies', and 'no study' out of
    none or one. Its verb is singular for 1 of several and for none ('none of the 3 works')."""
    if part <= 0:
        return f"none of the {whole:,} {many}" if whole > 1 else f"no {one}"
    if part >= whole:
        return f"the one {one}" if whole == 1 else f"both {many}" if whole == 2 else f"all {whole:,} {many}"
    return f"{part:,} of the {whole:,} {many}"


def leader_clause(labels: Sequence[str], count: int, one: str = "study", many: str = "studies") -> str:
    """Who leads, with a verb that agrees and a tie said as one: 'radiology leads, with 8 studies',
    'drug discovery and oncology share the lead, with 3 studies each' ('' when nothing is counted)."""
    if not labels or count <= 0:
        return ""
    studies = plural(count, one, many)
    if len(labels) == 1:
        return f"{labels[0]} leads, with {studies}"
    return f"{and_list(labels)} share the lead, with {studies} each"


def ranking(counted: Iterable[tuple[str, int]], limit: int = 4, one: str = "study", many: str = "studies") -> str:
    """The most counted labels, most first, for 'most often …': 'radiology (8 studies), then drug
    discovery and oncology (3 each)'. Labels with equal counts are named together or not at all,
    so a tie is never broken by leaving some of it out; after the first group, groups are named
    while at most `limit` labels are. When the first group alone holds more than `limit` labels,
    they are counted instead: '6 of them equally (2 studies each)'. ('' when nothing is counted.)"""
    groups: dict[int, list[str]] = {}
    for label, count in counted:
        if count > 0:
            groups.setdefault(count, []).append(label)
    if not groups:
        return ""
    ordered = sorted(groups.items(), key=lambda group: -group[0])
    first_count, first = ordered[0]
    if len(first) > limit:
        return f"{len(first):,} of them equally ({plural(first_count, one, many)} each)"
    parts = [f"{and_list(first)} ({plural(first_count, one, many)}{' each' if len(first) > 1 else ''})"]
    named = len(first)
    for count, labels in ordered[1:]:
        if named + len(labels) > limit:
            break
        parts.append(f"{and_list(labels)} ({count:,}{' each' if len(labels) > 1 else ''})")
        named += len(labels)
    return ", then ".join(parts)


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Data augmentation' -> 'data augmentation'; an acronym or a name
    whose second letter is a capital ('GAN', 'LLM') keeps its capitals."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def from_to(first: object, last: object) -> str:
    """A span as a sentence says it: 'from 2020 to 2025', 'in 2024' when both ends are one ('' for none)."""
    first, last = str(first or "").strip(), str(last or "").strip()
    if not first or not last:
        return ""
    return f"in {first}" if first == last else f"from {first} to {last}"


def growth_sentence(began: str, n_source: int, n_later: int, last_change: str) -> str:
    """Since when the living review runs and what it added, in one sentence for any table:
    'The living review began on 26 November 2026 with the 15 studies of the source review; none
    has been added yet.' / '… 3 studies have been added since, the latest on 2 January 2027.'"""
    if not began:
        return "No study has been added yet."
    opening = f"The living review began on {began}"
    if n_source:
        opening += f" with the {plural(n_source, 'study', 'studies')} of the source review"
    if not n_later:
        return f"{opening}; none has been added yet." if n_source else f"{opening}."
    added = plural(n_later, "study has", "studies have")
    return f"{opening}; {added} been added since, the latest on {last_change}."


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


def citation_author(study: Record) -> str:
    """The author part of a citation: 'Ultsch et al.' (the source cites every study so)."""
    return f"{str(study['first_author']).strip()} et al."


#: The column load_studies() adds to the study table (not a column of studies.csv): the letter
#: that tells apart studies that would otherwise be cited alike (year_suffixes).
YEAR_SUFFIX = "year_suffix"


def _bare_year(study: Record) -> str:
    text = str(study.get("year", "")).strip()
    return text if text.isdigit() else "n.d."  # None, NaN and pandas' NA print as words


def citation_year(study: Record) -> str:
    """The year part of a citation: '2025', or 'n.d.' (no date) where the source gives none; with
    its letter where two studies would read alike ('2026a', 'n.d.-a': year_suffixes)."""
    year, suffix = _bare_year(study), str(study.get(YEAR_SUFFIX) or "")
    return f"{year}-{suffix}" if suffix and year == "n.d." else f"{year}{suffix}"


def year_suffixes(studies: Iterable[Record]) -> list[str]:
    """For each study, in order, the letter that tells it apart from the others cited with the
    same author and year ('a', 'b', … ; '' for a study no other reads like), as APA does:
    'Østergård et al. (2026a)' and 'Østergård et al. (2026b)'. Within a group the letters follow
    the titles' alphabetical order, then the ids, so they depend on the table, not on the order
    its rows were added in; a study added later to a group can move another's letter, as in any
    reference list."""
    rows = list(studies)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, study in enumerate(rows):
        groups.setdefault((citation_author(study).casefold(), _bare_year(study)), []).append(i)
    letters = [""] * len(rows)
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (str(rows[i].get("title") or "").casefold(), str(rows[i].get("id") or "")))
        for n, i in enumerate(members):
            letters[i] = _letters(n)
    return letters


def _letters(n: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa' (a group of more than 26 studies is unlikely, not impossible)."""
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def citation_text(study: Record) -> str:
    """How the book names a study everywhere (chapters, lists, changelog): 'Ultsch et al. (2025)'."""
    return f"{citation_author(study)} ({citation_year(study)})"
