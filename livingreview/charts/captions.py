"""A caption for each of the review's charts: one plain-text sentence or two stating its numbers.

Every caption is computed from the same study table as its chart (any subset of rows, none
included) with livingreview.data.counts, so it always says what the chart shows. Captions are
plain text, never HTML: a page that puts one into HTML escapes it there.
"""

from __future__ import annotations

import pandas as pd

from ..data.counts import cross_counts, most_common, term_counts, terms_per_study
from ..data.vocabulary import load_vocabulary
from ..text.wording import and_list, plural

#: Up to this many tied leaders are named in a caption; more are counted instead.
MAX_NAMED = 5


def n_studies(count: int) -> str:
    """'1 study', '1,200 studies'."""
    return plural(count, "study", "studies")


def none_coded(total: int, noun: str) -> str:
    """'None of the 12 studies has a coded limitation theme.' (or 'The one study has no …')."""
    return f"{'The one study has no' if total == 1 else f'None of the {total:,} studies has a'} coded {noun}."


def _label(column: str, key) -> str:
    return load_vocabulary()[column].label_of(key)


def _of_n(count: int, total: int, several: bool) -> str:
    """'9 of 15 studies', with 'each' when several categories share the count."""
    return f"{count:,} of {n_studies(total)}{' each' if several else ''}"


def _leaders(labels: list[str], noun: tuple[str, str], superlative: str) -> str:
    """'Radiology is the most common clinical domain', 'A and B are the …', '7 … tie as the …'."""
    singular, many = noun
    if len(labels) == 1:
        return f"{labels[0]} is the {superlative} {singular}"
    if len(labels) <= MAX_NAMED:
        return f"{and_list(labels)} are the {superlative} {many}"
    return f"{len(labels)} {many} tie as the {superlative}"


def _term_caption(
    df: pd.DataFrame, column: str, noun: tuple[str, str], note: str, superlative: str = "most common"
) -> str:
    total = len(df)
    if not total:
        return f"No studies match, so no {noun[0]} is shown."
    counts = term_counts(df, column)
    keys, top = most_common(counts)
    if not keys:
        return none_coded(total, noun[0])
    leaders = _leaders([_label(column, key) for key in keys], noun, superlative)
    covered = int((counts > 0).sum())
    if covered == len(counts):
        coverage = f"each of the {len(counts)} {noun[1]} has at least one study."
    else:
        coverage = f"{covered} of the {len(counts)} {noun[1]} {'has' if covered == 1 else 'have'} at least one study."
    sentence = f"{leaders} ({_of_n(top, total, len(keys) > 1)}); {coverage}"
    return f"{sentence} {note}" if note else sentence


def _cell_caption(df: pd.DataFrame, row_column: str, col_column: str, cell_word: str) -> str:
    if not len(df):
        return f"No studies match, so every {cell_word} is empty."
    grid = cross_counts(df, row_column, col_column)
    cells = grid.size
    filled = int((grid > 0).to_numpy().sum())
    keys, top = most_common(grid)
    if not keys:
        return f"All {cells} {cell_word}s are empty: no study is coded with both."
    pairings = [f"{_label(row_column, r)} with {_label(col_column, c)}" for r, c in keys]
    leaders = _leaders(pairings, ("pairing", "pairings"), "most studied")
    return (
        f"{filled} of {cells} {cell_word}s {'holds' if filled == 1 else 'hold'} at least one study "
        f"and {cells - filled} {'is' if cells - filled == 1 else 'are'} empty. "
        f"{leaders[0].upper()}{leaders[1:]} ({n_studies(top)}{' each' if len(keys) > 1 else ''})."
    )


def domain_caption(df: pd.DataFrame) -> str:
    return _term_caption(df, "domain", ("clinical domain", "clinical domains"), "A study may cover several domains.")


def family_caption(df: pd.DataFrame) -> str:
    caption = _term_caption(df, "model_family", ("model family", "model families"), "")
    if not len(df):
        return caption
    several = int((terms_per_study(df, "model_family") > 1).sum())
    if not several:
        return f"{caption} No study uses more than one family."
    verb, counts = ("uses", "counts") if several == 1 else ("use", "count")
    return f"{caption} {_of_n(several, len(df), False)} {verb} more than one family and {counts} once in each."


def gap_map_caption(df: pd.DataFrame) -> str:
    return _cell_caption(df, "domain", "model_family", "domain–family cell")


def modality_contribution_caption(df: pd.DataFrame) -> str:
    return _cell_caption(df, "modality", "contribution", "modality–contribution cell")


def limitations_caption(df: pd.DataFrame) -> str:
    caption = _term_caption(
        df, "limitation_themes", ("limitation theme", "limitation themes"), "", superlative="most often coded"
    )
    without = int((terms_per_study(df, "limitation_themes") == 0).sum())
    if len(df) and without and without < len(df):
        caption += f" {n_studies(without).capitalize()} {'has' if without == 1 else 'have'} no coded limitation theme."
    return caption


def timeline_caption(df: pd.DataFrame) -> str:
    total = len(df)
    if not total:
        return "No studies match, so no year is shown."
    per_year = df["year"].value_counts().sort_index()
    first, last = int(per_year.index.min()), int(per_year.index.max())
    if first == last:
        return f"{'The one study was' if total == 1 else f'All {total:,} studies were'} published in {first}."
    years, top = most_common(per_year)
    leaders = _leaders([str(year) for year in years], ("year", "years"), "busiest")
    return (
        f"The {total:,} studies were published from {first} to {last}; "
        f"{leaders} ({n_studies(top)}{' each' if len(years) > 1 else ''})."
    )
