"""livingreview.text.wording: counts with their nouns, lists, dates, one-line summaries, citations."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from livingreview.text.wording import (
    GlueText,
    and_list,
    citation_text,
    date_label,
    from_to,
    growth_sentence,
    in_sentence,
    month_label,
    one_line,
    plural,
)


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
    for missing in (None, "", pd.NA, float("nan")):  # the source gives no year (Phipps et al.)
        assert citation_text({"first_author": "Phipps", "year": missing}) == "Phipps et al. (n.d.)"
    glued = GlueText("12 studies")
    assert repr(glued) == "12 studies" and glued == "12 studies"


def test_spans_labels_and_growth_read_as_sentences():
    assert from_to(2020, 2025) == "from 2020 to 2025" and from_to(2024, 2024) == "in 2024"
    assert from_to("January 2020", "May 2025") == "from January 2020 to May 2025" and from_to(None, 2025) == ""
    assert in_sentence("Data augmentation") == "data augmentation" and in_sentence("GAN") == "GAN"
    assert in_sentence("LLM") == "LLM" and in_sentence("") == ""
    day = "26 November 2026"
    assert growth_sentence(day, 12, 0, day) == (
        f"The living review began on {day} with the 12 studies of the source review; none has been added yet."
    )
    assert growth_sentence(day, 12, 1, "2 January 2027").endswith(
        "; 1 study has been added since, the latest on 2 January 2027."
    )
    assert "3 studies have been added since" in growth_sentence(day, 15, 3, "2 January 2027")
    assert growth_sentence(day, 1, 0, day).startswith(f"The living review began on {day} with the 1 study of")
    assert growth_sentence(day, 0, 0, day) == f"The living review began on {day}."
    assert growth_sentence("", 0, 0, "") == "No study has been added yet."
    for text in (growth_sentence(day, n, k, day) for n in (0, 1, 15) for k in (0, 1, 2)):
        assert "0 stud" not in text and "1 studies" not in text, text
