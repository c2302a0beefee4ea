"""Where a study's six descriptive fields come from: the one definition every page and export uses.

A row is one of two kinds, told apart by its reference number (`ref`), not by a column of its own:

- one of the source review's Table 1 rows (`ref` holds its number in the source's reference list):
  its six fields (dataset, method, model, application, purpose, limitations) are that table's
  words, shown as a quotation and attributed;
- a study the living review added (`ref` empty): its six fields are a contributor's summary of the
  publication in their own words, dated by the month the row was added (`added`).

The card, the studies table, "What's new", the explorer and the exports ask here; none decides on
its own. A row is a mapping (a record of load_studies()'s frame, or a CSV row of text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .studies import cell_text

#: What a Table 1 row's six fields are: the source review's words.
QUOTED_LABEL = "Quoted from the source review’s Table 1"
#: What an added study's six fields are (followed by "(added YYYY-MM)").
SUMMARY_LABEL = "Summary by the living review’s contributors"


@dataclass(frozen=True)
class Provenance:
    """Where one row's six descriptive fields come from."""

    quoted: bool  # True: Table 1's words; False: a contributor's summary
    ref: str  # the reference number in the source review ('' for an added study)
    added_month: str  # YYYY-MM the row entered the living review ('' if the row has no date)

    @property
    def label(self) -> str:
        """'Quoted from the source review’s Table 1' or 'Summary by the living review’s
        contributors (added 2026-12)'."""
        if self.quoted:
            return QUOTED_LABEL
        return f"{SUMMARY_LABEL} (added {self.added_month})" if self.added_month else SUMMARY_LABEL

    @property
    def record_note(self) -> str:
        """The same, for a BibTeX or RIS record of the study (which carries no descriptive field):
        which kind of row of the living review it is."""
        if self.quoted:
            return f"Living review: a row of the source review’s Table 1 (reference {self.ref}), its descriptive fields quoted from it."
        return f"Living review: {self.label[:1].lower()}{self.label[1:]}, not quoted from a source."


def is_table1(row: Mapping) -> bool:
    """Whether the row is one of the source review's Table 1 rows: it has a reference number."""
    return cell_text(row.get("ref")).strip() != ""


def provenance(row: Mapping) -> Provenance:
    """The provenance of one row (a frame record or a CSV row)."""
    added = row.get("added")
    month = ""
    if cell_text(added).strip():
        stamp = pd.to_datetime(added, errors="coerce")
        month = "" if pd.isna(stamp) else f"{stamp:%Y-%m}"
    return Provenance(is_table1(row), cell_text(row.get("ref")).strip(), month)


def table1_mask(df: pd.DataFrame) -> pd.Series:
    """Which rows of a frame are Table 1's (a boolean Series on the frame's index)."""
    return df["ref"].map(lambda ref: cell_text(ref).strip() != "")
