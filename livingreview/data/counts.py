"""Counting studies by vocabulary term: the one place that counts, for the prose, the figures,
the static table, the explorer and the command line.

Every function takes a study table as load_studies() returns it (or any subset of its rows) and
counts *studies*, not mentions: a study coded with several terms of a column counts once under
each of them, and a term repeated in one cell still counts once. Terms missing from the
vocabulary are ignored (the validator rejects them in the shipped data). Results are indexed by
vocabulary keys in vocabulary order and include zero-count terms, so a gap is a visible 0.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from .vocabulary import LIST_COLUMNS, load_vocabulary

#: Column holding a study's row position in the long tables below. Positions rather than the
#: frame's index, so a subset with a filtered, duplicated or non-integer index still counts right.
STUDY = "_study"


def keys_of(column: str, df: pd.DataFrame | None = None) -> list:
    """The categories `column` is counted under, in display order.

    Vocabulary columns: every vocabulary key. `year`: every year from the earliest to the latest
    in `df` (gap years included). Any other column: its sorted distinct values in `df`.
    """
    if column in LIST_COLUMNS:
        return list(load_vocabulary()[column].terms)
    if df is None or df.empty:
        return []
    values = df[column].dropna()
    if values.empty:
        return []
    if column == "year":
        return list(range(int(values.min()), int(values.max()) + 1))
    return sorted(values.unique())


def long_form(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per (study, category): columns STUDY (row position in `df`) and `column`.

    List columns give a categorical column over the vocabulary (integer codes group far faster
    than strings at 10,000 studies), with unknown terms dropped and repeats within a cell removed;
    other columns (e.g. `year`) give one row per study.
    """
    if column not in LIST_COLUMNS:
        positions = pd.RangeIndex(len(df), name=STUDY)
        return pd.Series(df[column].to_numpy(), index=positions, name=column).dropna().reset_index()
    keys = keys_of(column)
    code_of = {key: code for code, key in enumerate(keys)}
    studies: list[int] = []
    codes: list[int] = []
    for position, cell in enumerate(df[column].to_numpy()):
        if not isinstance(cell, (list, tuple)):
            continue  # a missing cell codes nothing
        seen = set()
        for term in cell:
            code = code_of.get(term)
            if code is not None and code not in seen:
                seen.add(code)
                studies.append(position)
                codes.append(code)
    return pd.DataFrame(
        {
            STUDY: np.asarray(studies, dtype=np.int64),
            column: pd.Categorical.from_codes(codes, categories=pd.Index(keys)),
        }
    )


def pairs(df: pd.DataFrame, row_column: str, col_column: str) -> pd.DataFrame:
    """One row per (study, row category, column category) the study is coded with.

    Columns STUDY, `row_column`, `col_column`, ordered by study (the order of `df`).
    """
    if row_column == col_column:
        raise ValueError(f"cross a column with another one, not with itself ({row_column!r})")
    merged = long_form(df, row_column).merge(long_form(df, col_column), on=STUDY, how="inner")
    return merged.sort_values(STUDY, kind="stable", ignore_index=True)


def term_counts(df: pd.DataFrame, column: str) -> pd.Series:
    """Studies per category of `column`: index keys_of(column, df), zeros included."""
    long = long_form(df, column)
    counts = long[column].value_counts(sort=False)
    index = pd.Index(keys_of(column, df), name=column)
    return counts.reindex(index, fill_value=0).astype("int64").rename(column)


def cross_counts(df: pd.DataFrame, row_column: str, col_column: str) -> pd.DataFrame:
    """Studies per (row category, column category): the full grid, zeros included.

    Rows keys_of(row_column, df), columns keys_of(col_column, df). A study coded with two row
    terms and two column terms counts in all four cells.
    """
    return grid_of_pairs(pairs(df, row_column, col_column), df, row_column, col_column)


def grid_of_pairs(long: pd.DataFrame, df: pd.DataFrame, row_column: str, col_column: str) -> pd.DataFrame:
    """cross_counts() from an already computed pairs(df, row_column, col_column)."""
    grid = long.groupby([row_column, col_column], sort=False).size().unstack(fill_value=0)
    rows = pd.Index(keys_of(row_column, df), name=row_column)
    cols = pd.Index(keys_of(col_column, df), name=col_column)
    return grid.reindex(index=rows, columns=cols, fill_value=0).astype("int64")


def terms_used(df: pd.DataFrame, column: str) -> int:
    """How many terms of `column` at least one study of `df` is coded with."""
    return int((term_counts(df, column) > 0).sum())


def coded_with_any(df: pd.DataFrame, column: str, keys) -> np.ndarray:
    """Per row of `df` (by position), whether the study is coded with any of `keys` in `column`."""
    long = long_form(df, column)
    hit = np.zeros(len(df), dtype=bool)
    hit[long.loc[long[column].isin(list(keys)), STUDY].to_numpy()] = True
    return hit


def terms_per_study(df: pd.DataFrame, column: str) -> pd.Series:
    """How many distinct known terms of `column` each study has (by row position; 0 for none)."""
    long = long_form(df, column)
    return long.groupby(STUDY).size().reindex(pd.RangeIndex(len(df)), fill_value=0).astype("int64")


def most_common(counts: pd.Series | pd.DataFrame) -> tuple[list, int]:
    """The keys holding the largest count (all of them, on a tie, in index order) and that count.

    For a grid the keys are (row key, column key) pairs. Nothing counted gives ([], 0).
    """
    # A grid's stack() is a Series (one level of columns).
    flat = cast(pd.Series, counts.stack()) if isinstance(counts, pd.DataFrame) else counts
    if flat.empty or int(flat.max()) == 0:
        return [], 0
    top = int(flat.max())
    return list(flat.index[flat == top]), top
