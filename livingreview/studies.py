"""load_studies(): the validated study table as a DataFrame, the one way every page reads data."""
from __future__ import annotations

import hashlib
import os

import pandas as pd

from .paths import studies_path
from .validation import InvalidStudiesError, validate
from .vocabulary import LIST_COLUMNS, split_terms

#: Free-text columns, in reading order (Table 1's six, then the bibliographic ones).
TABLE1_COLUMNS = ("dataset", "method", "model", "application", "purpose", "limitations")
TEXT_COLUMNS = ("first_author", "title", "venue", *TABLE1_COLUMNS, "notes")


def load_studies(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Validated rows of the study table.

    `path` defaults to $LIVINGREVIEW_DATA, else data/studies.csv. Coded columns come as lists of
    vocabulary keys, `ref` as a nullable integer, `year` as int, `added` as datetime64; empty text
    is ''. Raises DataFileError (unreadable) or InvalidStudiesError (every problem, by line).
    """
    path = studies_path(path)
    rows, problems = validate(path)
    if problems:
        raise InvalidStudiesError(path, problems)
    frame = pd.DataFrame(rows, dtype=object)
    if frame.empty:
        frame = pd.DataFrame(columns=list(rows[0]) if rows else _columns())
    frame["ref"] = pd.array([int(v) if str(v).strip() else None for v in frame["ref"]], dtype="Int64")
    frame["year"] = frame["year"].astype(int)
    frame["added"] = pd.to_datetime(frame["added"], format="%Y-%m-%d")
    for column in LIST_COLUMNS:
        frame[column] = [split_terms(cell) for cell in frame[column]]
    frame.attrs["source"] = str(path)
    frame.attrs["sha256"] = data_fingerprint(path)
    return frame.reset_index(drop=True)


def _columns() -> list[str]:
    from .validation import expected_columns

    return expected_columns()


def data_fingerprint(path: str | os.PathLike | None = None) -> str:
    """SHA-256 of the table's bytes: what 'the data changed' means for the build cache."""
    return hashlib.sha256(studies_path(path).read_bytes()).hexdigest()
