"""livingreview.text.wording: counts with their nouns, lists, dates, one-line summaries, citations."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from livingreview.text.wording import (
    GlueText,
    and_list,
    citation_text,
    citation_year,
    date_label,
    from_to,
    growth_sentence,
    in_sentence,
    leader_clause,
    month_label,
    one_line,
    plural,
    ranking,
    share_of,
    year_suffixes,
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


def test_studies_cited_alike_get_letters_in_title_order():
    rows = [
        {"id": "ostergard-2026-b", "first_author": "Østergård", "year": 2026, "title": "Wearable ECG"},
        {"id": "ultsch-2025", "first_author": "Ultsch", "year": 2025, "title": ""},
        {"id": "ostergard-2026", "first_author": "Østergård", "year": 2026, "title": "Speech and mood"},
        {"id": "ostergard-2025", "first_author": "Østergård", "year": 2025, "title": "Other year"},
        {"id": "phipps-a", "first_author": "Phipps", "year": None, "title": ""},
        {"id": "phipps-b", "first_author": "phipps", "year": "", "title": ""},  # same name, any case
    ]
    letters = year_suffixes(rows)
    assert letters == ["b", "", "a", "", "a", "b"]
    assert year_suffixes(reversed(rows)) == letters[::-1]  # the rows' order does not matter
    cited = [citation_text({**row, "year_suffix": letter}) for row, letter in zip(rows, letters)]
    assert cited[0] == "Østergård et al. (2026b)" and cited[2] == "Østergård et al. (2026a)"
    assert cited[1] == "Ultsch et al. (2025)" and cited[3] == "Østergård et al. (2025)"
    assert cited[4] == "Phipps et al. (n.d.-a)" and cited[5] == "phipps et al. (n.d.-b)"
    assert len({c.casefold() for c in cited}) == len(cited)  # no two read alike
    assert citation_year({"year": 2026, "year_suffix": None}) == "2026"
    many = year_suffixes([{"id": f"s{i:02}", "first_author": "Li", "year": 2024, "title": ""} for i in range(28)])
    assert many[0] == "a" and many[25] == "z" and many[26] == "aa" and len(set(many)) == 28


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


def test_a_share_never_reads_n_of_the_n():
    assert share_of(5, 7) == "5 of the 7 studies"
    assert share_of(7, 7) == "all 7 studies" and share_of(2, 2) == "both studies" and share_of(1, 1) == "the one study"
    assert share_of(0, 3) == "none of the 3 studies" and share_of(0, 1) == "no study" and share_of(0, 0) == "no study"
    assert share_of(1, 3) == "1 of the 3 studies" and share_of(1200, 1500) == "1,200 of the 1,500 studies"
    assert share_of(3, 3, "cell", "cells") == "all 3 cells"
    for whole in range(0, 12):
        for part in range(0, whole + 1):
            text = share_of(part, whole)
            assert not re.search(r"\b(\d+) of the \1\b", text) and not re.search(r"\b1 studies", text), text


def test_a_leader_agrees_with_its_verb_and_a_tie_is_said():
    assert leader_clause(["radiology"], 8) == "radiology leads, with 8 studies"
    assert leader_clause(["radiology"], 1) == "radiology leads, with 1 study"
    assert (
        leader_clause(["oncology", "drug discovery"], 3)
        == "oncology and drug discovery share the lead, with 3 studies each"
    )
    assert leader_clause([], 0) == "" and leader_clause(["x"], 0) == ""


def test_a_ranking_names_a_tie_whole_or_not_at_all():
    """The landing page's 'most often …': a tie at the cut is never broken silently."""
    assert (
        ranking(
            [
                ("radiology", 8),
                ("oncology", 3),
                ("drug discovery", 3),
                ("dermatology", 2),
                ("general", 2),
                ("emergency care", 2),
                ("neurology", 1),
            ]
        )
        == "radiology (8 studies), then oncology and drug discovery (3 each)"
    )
    assert (
        ranking([("a", 5), ("b", 4), ("c", 3), ("d", 2), ("e", 1)])
        == "a (5 studies), then b (4), then c (3), then d (2)"
    )
    assert ranking([("a", 2), ("b", 2)]) == "a and b (2 studies each)"
    assert ranking([("a", 1)]) == "a (1 study)"
    assert ranking([(k, 1) for k in "abcdef"]) == "6 of them equally (1 study each)"
    assert ranking([("a", 3), ("b", 0)]) == "a (3 studies)" and ranking([]) == "" and ranking([("a", 0)]) == ""
    # Whatever the counts, every label of a count that is named is named.
    for counts in ([3, 2, 2, 2, 1], [4, 4, 4, 4, 4], [5, 1, 1, 1, 1, 1], [2, 2, 1, 1, 1], [9, 8, 7, 7, 7, 7]):
        labelled = [(f"t{i}", c) for i, c in enumerate(counts)]
        text = ranking(labelled)
        named = {label for label, _ in labelled if re.search(rf"\b{label}\b", text)}
        for count in {c for _, c in labelled}:
            group = {label for label, c in labelled if c == count}
            assert group <= named or not group & named, (counts, text)
