"""Runs of words two texts share: how a summary is told from a pasted passage.

Words are compared case-folded (NFKC), letters and digits only: punctuation, hyphens,
apostrophes and line breaks separate words and are otherwise ignored, so a passage pasted with
its commas changed or its lines rewrapped is still the same run. A run is maximal: the longest
stretch of consecutive words of `text` that also occurs, consecutively, in `source`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")
#: Runs are found from windows of this many words (a run shorter than it is not looked for).
ANCHOR = 4


def words(text: str) -> list[str]:
    """Case-folded words of `text` (letters and digits; everything else separates)."""
    return _WORD.findall(unicodedata.normalize("NFKC", str(text or "")).casefold())


@dataclass(frozen=True)
class Run:
    """`length` consecutive words of a text that the source holds too; `text` is them, joined."""

    length: int
    text: str


def shared_runs(text: str, source: str, *, shortest: int = ANCHOR) -> list[Run]:
    """The maximal runs of at least `shortest` words (at least ANCHOR) that `text` shares with
    `source`, longest first."""
    mine, theirs = words(text), words(source)
    anchor = max(1, min(ANCHOR, shortest))
    starts: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(theirs) - anchor + 1):
        starts.setdefault(tuple(theirs[i : i + anchor]), []).append(i)
    found: list[Run] = []
    covered_to = 0  # a run inside a longer one already found is not reported again
    for i in range(len(mine) - anchor + 1):
        best = 0
        for start in starts.get(tuple(mine[i : i + anchor]), ()):
            length = anchor
            while (
                i + length < len(mine) and start + length < len(theirs) and mine[i + length] == theirs[start + length]
            ):
                length += 1
            best = max(best, length)
        if best and i + best > covered_to:
            if best >= shortest:
                found.append(Run(best, " ".join(mine[i : i + best])))
            covered_to = i + best
    return sorted(found, key=lambda run: -run.length)


def longest_shared_run(text: str, source: str) -> Run | None:
    """The longest run of words `text` shares with `source` (ANCHOR words or more), or None."""
    runs = shared_runs(text, source)
    return runs[0] if runs else None
