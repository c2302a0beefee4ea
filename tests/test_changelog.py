"""livingreview.book.changelog: "What's new", the studies by the date they were added."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from livingreview import load_studies
from livingreview.book.changelog import changelog, changelog_html, first_added, last_updated


def frame(*rows) -> pd.DataFrame:
    """A made-up study table: (id, first_author, added) plus whatever a test overrides."""
    records = []
    for row in rows:
        study_id, author, added, *rest = row
        extra = rest[0] if rest else {}
        records.append(
            {
                "id": study_id,
                "first_author": author,
                "year": 2024,
                "added": added,
                "ref": None,
                "application": f"Application of {author}",
                "domain": ["radiology"],
                "model_family": ["gan"],
                **extra,
            }
        )
    return pd.DataFrame(records)


def test_changelog_groups_by_month_newest_first():
    df = frame(
        ("a-2024", "Able", "2025-01-15"),
        ("b-2024", "Baker", "2026-03-02"),
        ("c-2024", "Cole", "2026-03-20"),
        ("d-2024", "Dunn", "2025-01-03"),
        ("e-2024", "Eve", "2025-12-31"),
    )
    groups = changelog(df)
    assert [month for month, _ in groups] == ["2026-03", "2025-12", "2025-01"]
    assert [list(rows["id"]) for _, rows in groups] == [["c-2024", "b-2024"], ["e-2024"], ["a-2024", "d-2024"]]
    assert sum(len(rows) for _, rows in groups) == len(df)
    assert "_added" not in groups[0][1].columns
    assert list(groups[0][1].index) == [0, 1]


def test_changelog_ties_are_ordered_by_author_then_id_and_undated_rows_are_left_out():
    df = frame(
        ("zed-2024", "Zed", "2026-02-01"),
        ("abe-2024-b", "Abe", "2026-02-01"),
        ("abe-2024", "Abe", "2026-02-01"),
        ("none-2024", "None", None),
    )
    ((month, rows),) = changelog(df)
    assert month == "2026-02"
    assert list(rows["id"]) == ["abe-2024", "abe-2024-b", "zed-2024"]


def test_changelog_accepts_timestamps_as_load_studies_gives_them():
    df = load_studies()
    groups = changelog(df)
    assert sum(len(rows) for _, rows in groups) == len(df)
    months = [m for m, _ in groups]
    assert months == sorted(months, reverse=True)
    for month, rows in groups:
        assert (pd.to_datetime(rows["added"]).dt.strftime("%Y-%m") == month).all()


def test_empty_table():
    df = pd.DataFrame(columns=["id", "first_author", "year", "added", "application", "domain", "model_family"])
    assert changelog(df) == []
    assert last_updated(df) is None and first_added(df) is None
    assert "No studies" in changelog_html(df)


def test_last_updated_and_first_added():
    df = frame(("a-2024", "Able", "2025-01-15"), ("b-2024", "Baker", "2026-03-02"), ("c-2024", "Cole", "2026-03-20"))
    assert last_updated(df) == dt.date(2026, 3, 20)
    assert first_added(df) == dt.date(2025, 1, 15)
    real = load_studies()
    assert last_updated(real) == real["added"].max().date()
    assert first_added(real) == real["added"].min().date()


def test_changelog_html_links_cards_shows_labels_and_escapes():
    df = frame(
        (
            "x-2024",
            "<script>alert(1)</script>",
            "2026-01-02",
            {
                "application": "Uses <b>bold</b> & more",
                "domain": ["dermatology", "radiology"],
                "model_family": ["diffusion"],
            },
        ),
    )
    out = changelog_html(df)
    assert '<a href="studies.html#study-x-2024">' in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<b>bold</b>" not in out and "&lt;b&gt;bold&lt;/b&gt; &amp; more" in out
    assert "Dermatology, Radiology" in out and "Diffusion" in out
    assert "January 2026" in out and '<time datetime="2026-01-02">2 January 2026</time>' in out
    assert (
        changelog_html(df, studies_page="../book/studies.html").count('href="../book/studies.html#study-x-2024"') == 1
    )


def test_changelog_html_of_the_real_table_has_every_study():
    df = load_studies()
    out = changelog_html(df)
    for study_id in df["id"]:
        assert f'href="studies.html#study-{study_id}"' in out


def test_each_older_month_links_to_its_studies():
    """An older month is one line; its count is a link to the studies page showing exactly the
    studies added that month (the month-added filter, the same rule on the page and in Python)."""
    import html
    import re

    from livingreview.data.filters import FilterState

    months = [f"2026-{m:02d}" for m in range(1, 7)]
    df = frame(
        *[(f"s-{month}-{i}", "Author", f"{month}-1{i}") for month in months for i in range(1 + int(month[-1]) % 3)]
    )
    markup = changelog_html(df, recent_months=2)
    links = dict(re.findall(r'<li id="whats-new-([0-9-]+)">[^<]*<a href="([^"]+)">', markup))
    older = [month for month, _rows in changelog(df)[2:]]
    assert sorted(links) == sorted(older) and older
    for month, href in links.items():
        page, _, query = html.unescape(href).partition("?")
        assert page == "studies.html"
        shown = FilterState.from_query(query).apply(df)["id"].tolist()
        assert sorted(shown) == sorted(df.loc[df["added"].str.startswith(month), "id"])
