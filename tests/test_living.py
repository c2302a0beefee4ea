"""livingreview.living: the changelog, the generated contributor docs and the selection flow."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import yaml

from livingreview import load_studies
from livingreview.living import (
    Selection,
    SelectionError,
    SelectionFlow,
    Stage,
    added_since,
    changelog,
    changelog_html,
    column_rules,
    columns_html,
    columns_markdown,
    date_label,
    example_validation_messages,
    last_updated,
    load_selection,
    md_escape,
    month_label,
    one_line,
    pr_checklist,
    selection_facts,
    selection_flow_html,
    selection_flow_list_html,
    selection_flow_svg,
    selection_text,
    sync_contributing,
    vocabulary_html,
    vocabulary_keys_markdown,
    vocabulary_markdown,
)
from livingreview.validation import expected_columns
from livingreview.vocabulary import load_vocabulary

from conftest import ROOT, SEED, require_shared

SVG = "{http://www.w3.org/2000/svg}"


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


# ---- changelog ---------------------------------------------------------------------------------


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
    assert last_updated(df) is None
    assert added_since(df, "2020-01-01").empty
    assert "No studies" in changelog_html(df)


def test_last_updated_and_added_since():
    df = frame(("a-2024", "Able", "2025-01-15"), ("b-2024", "Baker", "2026-03-02"), ("c-2024", "Cole", "2026-03-20"))
    assert last_updated(df) == dt.date(2026, 3, 20)
    assert list(added_since(df, "2026-03-02")["id"]) == ["c-2024", "b-2024"]  # on or after, newest first
    assert list(added_since(df, dt.date(2026, 3, 3))["id"]) == ["c-2024"]
    assert list(added_since(df, pd.Timestamp("2026-03-21"))["id"]) == []
    assert len(added_since(df, "1990-01-01")) == 3
    real = load_studies()
    assert last_updated(real) == real["added"].max().date()


def test_labels_and_one_line():
    assert month_label("2026-11") == "November 2026"
    assert date_label(dt.date(2026, 11, 6)) == "6 November 2026"
    assert date_label(None) == ""
    assert one_line("short  text\nhere") == "short text here"
    long = "word " * 100
    cut = one_line(long, 40)
    assert len(cut) <= 40 and cut.endswith("…") and "  " not in cut


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


# ---- generated contributor docs ----------------------------------------------------------------


def test_vocabulary_docs_contain_every_term_label_and_definition():
    md = vocabulary_markdown()
    page = vocabulary_html()
    keys = vocabulary_keys_markdown()
    for column, facet in load_vocabulary().items():
        assert f"`{column}`" in md and f'id="vocabulary-{column}"' in page
        assert html.escape(facet.label) in page
        for term in facet.terms.values():
            assert f"`{term.key}`" in md and f"`{term.key}`" in keys
            assert md_escape(term.label) in md and md_escape(term.label) in keys
            assert md_escape(term.definition) in md
            assert f"<code>{html.escape(term.key)}</code>" in page
            assert html.escape(term.label) in page
            assert html.escape(term.definition) in page


def test_vocabulary_docs_read_the_given_file(tmp_path):
    custom = tmp_path / "vocabulary.yml"
    original = yaml.safe_load((ROOT / "data" / "vocabulary.yml").read_text(encoding="utf-8"))
    original["domain"]["terms"]["x-new"] = {"label": "A <new> | term", "definition": "Defined *here*."}
    custom.write_text(yaml.safe_dump(original), encoding="utf-8")
    assert "A &lt;new&gt; | term" in vocabulary_html(custom)
    assert r"A \<new\> \| term" in vocabulary_markdown(custom)
    assert r"Defined \*here\*." in vocabulary_markdown(custom)


def test_column_docs_follow_the_table_schema():
    rules = column_rules()
    assert [r.name for r in rules] == expected_columns()
    md, page = columns_markdown(), columns_html()
    for rule in rules:
        assert f"`{rule.name}`" in md and f"<code>{rule.name}</code>" in page
        assert html.escape(rule.description.rstrip(".")) in page
    by_name = {r.name: r for r in rules}
    assert by_name["id"].required and "unique in the table" in by_name["id"].formats
    assert by_name["doi"].pattern and not by_name["doi"].required
    assert "a date written YYYY-MM-DD" in by_name["added"].formats
    assert md.count("\n") == len(rules) + 1  # header, rule line, one line per column


def test_md_escape():
    assert md_escape("a|b*c_d`e[f]<g>") == r"a\|b\*c\_d\`e\[f\]\<g\>"
    assert md_escape("two\nlines") == "two lines"


def test_example_validation_messages_come_from_the_real_validator():
    text, github = example_validation_messages()
    assert re.fullmatch(
        r"data/studies\.csv:2: column 'domain': unknown term '[^']+'; did you mean '[^']+'\? allowed: .+", text
    )
    assert github.startswith("::error file=data/studies.csv,line=2,title=column 'domain'::unknown term")


def test_sync_contributing_rebuilds_only_generated_blocks():
    stale = (
        "Intro\n<!-- BEGIN generated: vocabulary (note) -->\nold list\n<!-- END generated: vocabulary -->\n"
        "<!-- BEGIN generated: unknown -->\nkept\n<!-- END generated: unknown -->\nOutro\n"
    )
    fresh = sync_contributing(stale)
    assert "old list" not in fresh and vocabulary_keys_markdown() in fresh
    assert fresh.startswith("Intro\n") and fresh.endswith("Outro\n") and "\nkept\n" in fresh
    assert sync_contributing(fresh) == fresh


def test_pr_checklist_parses_the_template(tmp_path):
    template = tmp_path / "t.md"
    template.write_text("# T\n- [ ] First `code`\n* [x] Second\n- not a box\n", encoding="utf-8")
    assert pr_checklist(template) == ["First `code`", "Second"]


# ---- literature selection ----------------------------------------------------------------------


def test_selection_file_is_honest_about_what_the_review_reports():
    selection = load_selection()
    identified = selection.stage("identified")
    assert (identified.count, identified.qualifier, identified.count_text) == (65, "more than", "more than 65")
    # The review's "Fifteen representative studies" are the rows of its Table 1.
    table1 = load_studies(ROOT / "data" / "studies.csv")["ref"].notna().sum()
    assert selection.stage("included").count == table1
    # The source review reports neither duplicates, nor screening, nor full-text numbers; update
    # these only when a search of the living review does report them.
    for key in ("duplicates_removed", "screened", "full_text_assessed"):
        stage = selection.stage(key)
        assert stage.count is None and not stage.reported and stage.count_text == "not reported"
    assert selection.databases == ("PubMed", "IEEE Xplore", "Scopus")
    assert (selection.period_start, selection.period_end) == ("2020-01", "2025-05")
    assert selection.period_text == "January 2020 to May 2025"


def test_selection_file_matches_the_source_review_text():
    require_shared(SEED)
    text = " ".join(SEED.read_text(encoding="utf-8").split())
    selection = load_selection()
    assert "over 65" in text  # hence count 65 with qualifier 'more than'
    assert "January 2020–May 2025" in text
    for database in selection.databases:
        assert database in text
    for keyword in selection.keywords:
        assert f"“{keyword}”" in text
    assert "Fifteen representative studies" in text


def test_selection_facts():
    facts = selection_facts()
    assert facts["selection_identified"] == "more than 65"
    assert facts["selection_included"] == "15"
    assert facts["selection_databases"] == "PubMed, IEEE Xplore and Scopus"
    assert facts["selection_period"] == "January 2020 to May 2025"
    assert facts["selection_keywords"].startswith("“generative AI”, ")
    assert "duplicates removed" in facts["selection_not_reported"]
    assert repr(facts["selection_identified"]) == "more than 65"


def test_selection_flow_svg_shows_the_numbers_and_is_accessible():
    selection = load_selection()
    svg = selection_flow_svg(selection)
    root = ET.fromstring(svg)  # well-formed, self-contained XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for stage in selection.stages:
        assert stage.label.split()[0] in texts
        assert stage.count_text in texts
        assert stage.count_text in desc.text
    assert "more than 65" in texts and "15" in texts and "not reported" in texts
    for database in selection.databases:
        assert database in desc.text
    # Self-contained: no external fonts, images, scripts or stylesheets.
    assert not re.search(r"@import|@font-face|<image|<script|<foreignObject|xlink:href|\bhref=", svg)
    assert re.findall(r"https?://[^\"' ]+", svg) == ["http://www.w3.org/2000/svg"]
    # Not-reported stages are drawn dashed; reported ones solid.
    dashed = [r for r in root.iter(f"{SVG}rect") if r.get("stroke-dasharray")]
    assert len(dashed) == sum(not s.reported for s in selection.stages)


def test_selection_flow_layout_puts_branches_beside_and_stages_below():
    svg = selection_flow_svg()
    root = ET.fromstring(svg)
    boxes = {g.get("class").split()[-1]: g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g")}
    y = {k.removeprefix("lr-flow-"): float(r.get("y")) for k, r in boxes.items()}
    x = {k.removeprefix("lr-flow-"): float(r.get("x")) for k, r in boxes.items()}
    assert y["identified"] < y["screened"] < y["full_text_assessed"] < y["included"]
    assert x["duplicates_removed"] > x["identified"]
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    for rect in boxes.values():
        assert float(rect.get("x")) + float(rect.get("width")) <= width
        assert float(rect.get("y")) + float(rect.get("height")) <= height


def test_selection_flow_escapes_text_from_the_data():
    evil = Selection(
        source="s",
        databases=("<script>alert('x')</script>", "A & B"),
        period_start="2020-01",
        period_end="2020-02",
        keywords=("k",),
        criterion="",
        scope="",
        stages=(
            Stage("identified", 'Records "<found>"', 10, "about", note="<b>n</b>"),
            Stage("included", "Included & kept", 3),
        ),
    )
    svg = selection_flow_svg(evil, id_prefix="t1")
    ET.fromstring(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &amp; B" in svg
    assert "<b>" not in svg and "&lt;b&gt;n&lt;/b&gt;" in svg
    assert 'id="t1-title"' in svg and "url(#t1-arrow)" in svg
    listing = selection_flow_list_html(evil)
    assert "<found>" not in listing and "&lt;found&gt;" in listing
    assert "about 10" in svg
    with pytest.raises(ValueError):
        selection_flow_svg(evil, id_prefix='x" onload="alert(1)')


def test_selection_flow_html_has_the_text_equivalent():
    out = selection_flow_html(caption="Caption <here>")
    assert out.count("<li>") == len(load_selection().stages)
    for line in selection_text():
        assert html.escape(line) in out
    assert "Caption &lt;here&gt;" in out
    assert SelectionFlow()._repr_html_() == selection_flow_html()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["stages"][0].update(count=-1), "count must be a whole number"),
        (lambda d: d["stages"][0].update(count="over 65"), "count must be a whole number"),
        (lambda d: d["stages"][0].update(count=None), "a qualifier needs a count"),
        (lambda d: d["stages"][0].update(qualifier="over"), "qualifier must be one of"),
        (lambda d: d["stages"][1].update(key="identified"), "unique key"),
        (lambda d: d["stages"][0].update(branch=True), "first stage cannot be a branch"),
        (lambda d: d["search"]["period"].update(start="2020-13"), "search.period.start"),
        (lambda d: d["search"]["period"].update(start="2026-01"), "starts after it ends"),
    ],
)
def test_load_selection_rejects_broken_files(tmp_path, change, message):
    data = yaml.safe_load((ROOT / "data" / "selection.yml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "selection.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(SelectionError, match=message):
        load_selection(path)


def test_a_search_update_changes_a_number_not_a_drawing(tmp_path):
    data = yaml.safe_load((ROOT / "data" / "selection.yml").read_text(encoding="utf-8"))
    data["stages"][2]["count"] = 61
    data["stages"][-1]["count"] = 18
    path = tmp_path / "selection.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    svg = selection_flow_svg(load_selection(path))
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "61" in texts and "18" in texts and "15" not in texts
