"""Shared word runs between the book's chapters and the source review's text.

The chapters are written in our own words: the source gives facts, not sentences. This script
finds, for each chapter (book/*.md), the longest runs of consecutive words it shares with the
source text, and fails when a run of MIN_RUN words or more appears outside a marked quotation.

    python tests/source_overlap.py [--seed PATH] [--min N] [--top K] [CHAPTER.md ...]

prints the longest runs of each chapter and exits with 1 when any run reaches N words (default 8).
tests/test_source_overlap.py runs it where the seed is beside the repository.

What counts as the chapter's own prose (see prose_segments):
- dropped: the YAML header, code cells and code blocks, directive and option lines, HTML tags,
  labels, link targets;
- a break (a run cannot cross it): inline roles ({glue:text}`...`, {study}`...`, {doc}`...`),
  inline code, footnote references, and marked quotations;
- a marked quotation is the source's words shown as such: text in double quotes (“…” or "…",
  within one paragraph) or a Markdown block quote (lines starting with '>'), which the chapter
  attributes to the source where it quotes it.
Words are compared case-folded, with punctuation, hyphens and apostrophes as separators.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_84fef9ad5470382f.txt"
BOOK = ROOT / "book"
#: A run of this many words shared with the source, outside a quotation, is copying.
MIN_RUN = 8

BREAK = "\x00"  # between segments: no run crosses it
_WORD = re.compile(r"[^\W_]+")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})\s*(\{[^}]*\})?(.*)$")
_CODE_DIRECTIVES = ("{code-cell}", "{code}", "{code-block}", "{sourcecode}", "{bibliography}", "{raw}", "{epigraph}")
_ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
_INLINE_CODE = re.compile(r"`[^`]*`")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\](?!:)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_QUOTE = re.compile(r"“[^”]*”|\"[^\"\n]*(?:\n[^\"\n]+)*\"")


def words(text: str) -> list[str]:
    """Case-folded words of `text` (letters and digits; everything else separates)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _without_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4 :]
    return text


def prose_segments(markdown: str) -> list[str]:
    """The chapter's own prose, as a list of segments that no shared run may cross."""
    lines = _without_front_matter(markdown).splitlines()
    kept: list[str] = []
    open_blocks: list[tuple[str, bool]] = []  # (closing marker, skipped whole), innermost last
    for line in lines:
        match = _FENCE.match(line)
        closes = match and not match.group(3) and not match.group(4).strip()
        if open_blocks and closes and match.group(2) == open_blocks[-1][0]:
            open_blocks.pop()
            kept.append(BREAK)
            continue
        if match and not (open_blocks and open_blocks[-1][1]):
            marker, name = match.group(2), (match.group(3) or "")
            # A plain code fence or a code-like directive is skipped whole; other directives
            # (admonitions, notes) hold prose.
            skipped = name in _CODE_DIRECTIVES or (marker[0] != ":" and not name)
            open_blocks.append((marker, skipped))
            kept.append(BREAK)
            continue
        if open_blocks and (open_blocks[-1][1] or re.match(r"^\s*:[\w-]+:", line)):
            continue  # inside code, or a directive's option line
        if re.match(r"^\s*>", line) or re.match(r"^\s*\([\w-]+\)=\s*$", line):
            kept.append(BREAK)  # a block quote (a marked quotation) or a label
            continue
        kept.append(line)
    text = "\n".join(kept)
    text = re.sub(r"^\[\^[^\]]+\]:", BREAK, text, flags=re.M)  # a footnote's definition: its own segment
    for pattern in (_ROLE, _INLINE_CODE, _FOOTNOTE_REF):
        text = pattern.sub(BREAK, text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub(" ", text)
    paragraphs = re.split(r"\n\s*\n", text)
    segments: list[str] = []
    for paragraph in paragraphs:
        paragraph = _QUOTE.sub(BREAK, paragraph)
        segments += paragraph.split(BREAK)
    return [s for s in segments if words(s)]


@dataclass(frozen=True)
class Run:
    """A run of `length` consecutive words the chapter shares with the source."""

    length: int
    text: str


class SourceIndex:
    """The source's words, indexed by their `anchor`-word windows to find shared runs fast."""

    def __init__(self, source_text: str, anchor: int = 4):
        self.words = words(source_text)
        self.anchor = anchor
        self.starts: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(self.words) - anchor + 1):
            self.starts.setdefault(tuple(self.words[i : i + anchor]), []).append(i)

    def runs(self, segment_words: list[str]) -> list[Run]:
        """The maximal runs (at least `anchor` words) the segment shares with the source."""
        found: list[Run] = []
        covered_to = 0  # a run inside a longer one already found is not reported again
        n = len(segment_words)
        for i in range(n - self.anchor + 1):
            best = 0
            for start in self.starts.get(tuple(segment_words[i : i + self.anchor]), ()):
                length = self.anchor
                while (
                    i + length < n
                    and start + length < len(self.words)
                    and segment_words[i + length] == self.words[start + length]
                ):
                    length += 1
                best = max(best, length)
            if best and i + best > covered_to:
                found.append(Run(best, " ".join(segment_words[i : i + best])))
                covered_to = i + best
        return found


#: A quotation inside a data file's text (notes, summaries): '…' as the notes quote the source
#: (an apostrophe inside a word or after a letter is not a quotation mark), or “…”.
_DATA_QUOTE = re.compile(r"(?<![A-Za-z])'[^']+?'(?![A-Za-z])|“[^”]*”")


def text_runs(text: str, index: SourceIndex) -> list[Run]:
    """Every maximal run a data file's text (a note, a summary) shares with the source, outside
    its quotations, longest first."""
    segments = _DATA_QUOTE.split(text)
    runs = [run for segment in segments for run in index.runs(words(segment))]
    return sorted(runs, key=lambda run: -run.length)


def chapter_runs(markdown: str, index: SourceIndex) -> list[Run]:
    """Every maximal shared run of a chapter, longest first."""
    runs = [run for segment in prose_segments(markdown) for run in index.runs(words(segment))]
    return sorted(runs, key=lambda run: -run.length)


def report(chapters: list[Path], seed: Path, minimum: int = MIN_RUN, top: int = 3) -> tuple[str, dict[str, int]]:
    """The printed report and each chapter's longest run (in words)."""
    index = SourceIndex(seed.read_text(encoding="utf-8"))
    lines, longest = [], {}
    for path in chapters:
        runs = chapter_runs(path.read_text(encoding="utf-8"), index)
        longest[path.name] = runs[0].length if runs else 0
        flag = "  <-- copied" if longest[path.name] >= minimum else ""
        lines.append(f"{path.name}: longest shared run {longest[path.name]} words{flag}")
        for run in runs[:top]:
            lines.append(f"    {run.length:3d}  {run.text}")
    over = [name for name, length in longest.items() if length >= minimum]
    lines.append(
        f"{len(over)} of {len(chapters)} chapters share a run of {minimum} or more words with the source"
        + (f": {', '.join(over)}" if over else "")
    )
    return "\n".join(lines), longest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapters to check (default: book/*.md)")
    parser.add_argument("--seed", type=Path, default=SEED, help="the source review's text")
    parser.add_argument("--min", type=int, default=MIN_RUN, dest="minimum", help="a run this long fails")
    parser.add_argument("--top", type=int, default=3, help="runs listed per chapter")
    args = parser.parse_args(argv)
    if not args.seed.is_file():
        print(f"no source text at {args.seed}", file=sys.stderr)
        return 2
    chapters = args.chapters or sorted(BOOK.glob("*.md"))
    text, longest = report(chapters, args.seed, args.minimum, args.top)
    print(text)
    return 1 if any(length >= args.minimum for length in longest.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
