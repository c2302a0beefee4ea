"""load_studies(): the validated study table as a DataFrame, the one way every page reads data;
cell_text(): the one way a cell becomes text again (exports, tables, cards); cell_items(): a text
cell's items, where ITEM_MARK marks the joins of Table 1's lost line breaks.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any, cast

import pandas as pd

from ..text.wording import YEAR_SUFFIX, year_suffixes
from .paths import studies_path
from .schema import expected_columns
from .validation import (
    DESCRIPTIVE_COLUMNS,
    MAX_BYTES,
    InvalidStudiesError,
    is_validated,
    read_records,
    trusted_rows,
    validate,
)
from .vocabulary import LIST_COLUMNS, split_terms

#: Free-text columns, in reading order (Table 1's six, then the bibliographic ones). The six are
#: Table 1's words on its rows and a contributor's summary on the others (livingreview.data.provenance).
TABLE1_COLUMNS = DESCRIPTIVE_COLUMNS
TEXT_COLUMNS = ("first_author", "title", "venue", *TABLE1_COLUMNS, "notes")

#: Many of Table 1's cells hold several items (a list of aims, of datasets, of limitations). The
#: text of the source we have lost the breaks between them, so two items run on as one sentence
#: ("… in medical genetic understand how …"). The study table marks each such join with this
#: character, spaces around it; cards show the items one per line. Read with each mark as one
#: space (source_text), a cell is the source's text exactly (tests/test_data.py checks it).
ITEM_MARK = "•"


def load_studies(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Validated rows of the study table.

    `path` defaults to $LIVINGREVIEW_DATA, else data/studies.csv. Coded columns come as lists of
    vocabulary keys, `ref` as a nullable integer, `year` as int, `added` as datetime64; empty text
    is ''. One column is added (text.wording.YEAR_SUFFIX: the letter that tells apart two studies
    cited alike). Raises DataFileError (unreadable) or InvalidStudiesError (every problem, by line).
    """
    path = studies_path(path)
    try:
        # A file over the size limit is not even hashed: validate() refuses it unread.
        digest = data_fingerprint(path) if path.stat().st_size <= MAX_BYTES else None
    except OSError:  # let validate() name the problem (no such file, a folder, no permission)
        digest = None
    rows = _valid_rows(str(path), digest) if digest else _validated_rows(path)
    frame = pd.DataFrame(rows, columns=expected_columns(), dtype=object)
    frame["ref"] = pd.array([int(v) if str(v).strip() else None for v in frame["ref"]], dtype="Int64")
    frame["year"] = frame["year"].astype(int)
    frame["added"] = pd.to_datetime(frame["added"], format="%Y-%m-%d")
    for column in LIST_COLUMNS:
        frame[column] = [split_terms(cell) for cell in frame[column]]
    # Not a column of the file: the letter of a citation two studies would share ('2026a').
    cited = frame[["id", "first_author", "year", "title"]].to_dict("records")
    frame[YEAR_SUFFIX] = year_suffixes(cast("list[dict[str, Any]]", cited))
    frame.attrs["source"] = str(path)
    frame.attrs["sha256"] = digest
    return frame


def _validated_rows(path) -> list[dict]:
    rows, problems = validate(path)
    if problems:
        raise InvalidStudiesError(path, problems)
    return rows


@lru_cache(maxsize=4)
def _valid_rows(path: str, digest: str) -> tuple[dict, ...]:
    """The rows of the table with these exact bytes (cached per process: one parse per kernel)."""
    if not is_validated(digest):
        return tuple(_validated_rows(path))
    return tuple(trusted_rows(read_records(path), expected_columns()))


def data_fingerprint(path: str | os.PathLike | None = None) -> str:
    """SHA-256 of the table's bytes: what 'the data changed' means for the build cache."""
    return hashlib.sha256(studies_path(path).read_bytes()).hexdigest()


def cell_text(value) -> str:
    """A cell as studies.csv holds it: '' for missing values, YYYY-MM-DD for dates, digits for numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def cell_items(text: str) -> list[str]:
    """A text cell's items: the parts between ITEM_MARKs, stripped (one item for an unmarked cell)."""
    items = [item.strip() for item in str(text or "").split(ITEM_MARK)]
    return [item for item in items if item]


def source_text(text: str) -> str:
    """A cell as the source's text has it: its items run on, one space apart."""
    return " ".join(cell_items(text))
