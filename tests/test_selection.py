"""livingreview.update.selection: the literature selection (data/selection.yml) and its flow diagram."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from livingreview.data.table1 import load_table1
from livingreview.update.selection import (
    Selection,
    SelectionError,
    SelectionFlow,
    Stage,
    flow_svg,
    load_selection,
    selection_facts,
    selection_flow_html,
    selection_flow_list_html,
    selection_flow_svg,
    selection_text,
)

from conftest import ROOT, SEED, require_shared

SVG = "{http://www.w3.org/2000/svg}"


def table1_rows() -> int:
    """The review's "Fifteen representative studies" are the rows of its Table 1
    (data/table1.csv): a fact about the source, which neither an added study nor a Table 1 row
    taken out of the study table changes."""
    return len(load_table1())


def test_selection_file_is_honest_about_what_the_review_reports():
    selection = load_selection()
    identified = selection.stage("identified")
    assert (identified.count, identified.qualifier, identified.count_text) == (65, "more than", "more than 65")
    assert selection.stage("included").count == table1_rows()
    # A targeted, narrative search: identified -> included, and nothing the source does not report
    # drawn as a box ("not reported" PRISMA boxes would suggest a systematic selection).
    assert [s.key for s in selection.stages] == ["identified", "included"]
    assert all(s.reported for s in selection.stages)
    assert "Selection not itemised" in selection.stage("included").note
    assert selection.not_itemised == ("Duplicates removed", "Records screened", "Full texts assessed for eligibility")
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
    assert facts["selection_included"] == str(table1_rows())
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
    assert "more than 65" in texts and str(table1_rows()) in texts and "not reported" not in texts
    for database in selection.databases:
        assert database in desc.text
    # Self-contained: no external fonts, images, scripts or stylesheets.
    assert not re.search(r"@import|@font-face|<image|<script|<foreignObject|xlink:href|\bhref=", svg)
    assert re.findall(r"https?://[^\"' ]+", svg) == ["http://www.w3.org/2000/svg"]
    # Not-reported stages are drawn dashed; reported ones solid.
    dashed = [r for r in root.iter(f"{SVG}rect") if r.get("stroke-dasharray")]
    assert len(dashed) == sum(not s.reported for s in selection.stages)


def test_selection_flow_layout_puts_branches_beside_and_stages_below():
    stages = (
        Stage("identified", "Records identified", 40),
        Stage("duplicates_removed", "Duplicates removed", None, branch=True),
        Stage("screened", "Records screened", 30),
        Stage("full_text_assessed", "Full texts assessed", 10),
        Stage("included", "Studies included", 3),
    )
    svg = flow_svg(stages, title="t", desc="d", id_prefix="layout")
    root = ET.fromstring(svg)
    boxes = {g.get("class").split()[-1]: g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g")}
    y = {k.removeprefix("lr-flow-"): float(r.get("y")) for k, r in boxes.items()}
    x = {k.removeprefix("lr-flow-"): float(r.get("x")) for k, r in boxes.items()}
    assert y["identified"] < y["screened"] < y["full_text_assessed"] < y["included"]
    assert x["duplicates_removed"] > x["identified"]
    # A stage without a count is drawn dashed and reads "not reported".
    dashed = [r for r in root.iter(f"{SVG}rect") if r.get("stroke-dasharray")]
    assert len(dashed) == 1 and "not reported" in svg
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


def test_the_figure_draws_a_narrow_flow_for_phones():
    """Two drawings of one flow: the wide one (branches beside) and, on a phone-sized screen, a
    narrow one (branches indented below), whose boxes all fit its 360-unit width."""
    out = selection_flow_html()
    wide, narrow = re.findall(r"<svg .*?</svg>", out)
    assert "lr-flow-wide" in wide and "lr-flow-narrow" in narrow and "@media (max-width:699px)" in wide
    root = ET.fromstring(narrow)
    width = float(root.get("viewBox").split()[2])
    assert width <= 360
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.get("x", 0)) + float(rect.get("width")) <= width
    words = lambda svg: " ".join(t.text for t in ET.fromstring(svg).iter(f"{SVG}text")).split()  # noqa: E731
    assert words(wide) == words(narrow)  # the same text, wrapped to other widths
    assert 'id="selection-flow-narrow-title"' in narrow  # ids stay unique on the page


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
    data["stages"][0]["count"] = 61
    data["stages"][-1]["count"] = 18
    path = tmp_path / "selection.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    svg = selection_flow_svg(load_selection(path))
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "more than 61" in texts and "18" in texts and str(table1_rows()) not in texts
