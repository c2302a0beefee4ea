"""livingreview.wording: counts with their nouns, lists, dates, one-line summaries, citations."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from livingreview.wording import GlueText, and_list, citation_text, date_label, month_label, one_line, plural


def test_labels_and_one_line():
    assert month_label("2026-11") == "November 2026"
    assert date_label(dt.date(2026, 11, 6)) == "6 November 2026"
    assert date_label(None) == ""
    assert one_line("short  text\nhere") == "short text here"
    long = "word " * 100
    cut = one_line(long, 40)
    assert len(cut) <= 40 and cut.endswith("…") and "  " not in cut
    assert date_label(pd.NaT) == ""
    assert date_label(pd.Timestamp("2026-01-02")) == "2 January 2026"  # no zero padding, on any platform


def test_plural_and_lists():
    assert plural(1, "study", "studies") == "1 study"
    assert plural(0, "study", "studies") == "0 studies"
    assert plural(1000, "problem") == "1,000 problems"
    assert and_list([]) == "" and and_list(["A"]) == "A"
    assert and_list(["A", "B"]) == "A and B" and and_list(["A", "B", "C"]) == "A, B and C"


def test_citation_and_glue_text():
    assert citation_text({"first_author": "Ultsch", "year": 2025}) == "Ultsch et al. (2025)"
    glued = GlueText("15 studies")
    assert repr(glued) == "15 studies" and glued == "15 studies"
