"""livingreview.update.selection: the literature selection (data/selection.yml) and its flow diagram."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from livingreview.data.studies import load_studies
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


# ---- an update's flow over months: a 'maybe' is carried until it is decided ------------------


def test_a_maybe_is_carried_over_until_decided_and_counted_once(repo, replay):
    """December: a record is screened 'maybe' and the version leaves it open. January: it is
    screened again with January's records; February: it is included. It is in every flow until
    then, counted once in each, and its inclusion comes from the search, not from other routes."""
    from test_release import fill_in, month, write

    from livingreview.data.paths import Repository
    from livingreview.update.protocol import load_protocol
    from livingreview.update.screening import load_cycle
    from livingreview.update.selection import update_flow
    from livingreview.update.versions import load_releases

    from api_replay import Paper, rows, run

    r = Repository(repo)
    december = month(repo, replay, "2026-12-20")
    code, out, err = run("release", "--root", str(repo), "--date", "2026-12-28")
    assert code == 0, err
    (maybe,) = [d["candidate_id"] for d in rows(r.screening) if d["decision"] == "maybe"]
    assert load_releases(r.releases)[-1].awaiting == (maybe,)
    assert "'maybe': 1 record left open, screened again in the next update" in out
    notes_flow = load_releases(r.releases)[-1].flow
    assert notes_flow["records_awaiting"] == december["awaiting"] == 1

    def flow_now(day):
        import datetime as dt

        studies = load_studies(r.studies)
        cycle = load_cycle(r, today=dt.date.fromisoformat(day))
        return update_flow(studies, cycle, load_releases(r.releases), load_protocol(r.search))

    def counted_once(flow):
        """Every record screened is excluded, included or still awaiting: once."""
        record = flow.record()
        assert (
            record["records_screened"]
            == record["records_excluded"] + record["records_included"] + record["records_awaiting"]
        ), record

    # January: a month of new records; the maybe stays maybe. It is in January's flow.
    topics = ("sepsis prediction from vital signs", "radiology report drafting", "synthetic ECG for arrhythmia")
    replay.pubmed = [
        Paper(f"Generative AI for {t}", 2027, f"10.5555/jan.{i}", f"4700000{i}") for i, t in enumerate(topics)
    ]
    replay.europepmc, replay.openalex = [[]], [[]]
    assert run("search", "--root", str(repo), "--date", "2027-01-20", "--quiet")[0] == 0
    decisions = rows(r.screening)
    fresh = [c["candidate_id"] for c in rows(r.candidates) if c["found"] == "2027-01-20"]
    assert len(fresh) == len(topics)
    plan = dict(zip(fresh, [("exclude", "not-clinical"), ("exclude", "no-primary-data"), ("maybe", "")]))
    for cid, (decision, reason) in plan.items():  # a decision is a line of its own
        decisions.append(
            {**dict.fromkeys(decisions[0], ""), "candidate_id": cid, "decision": decision, "reason": reason}
            | {"screener": "octocat", "screened": "2027-01-25"}
        )
    write(r.screening, decisions)
    flow = flow_now("2027-01-28")
    assert flow.carried == 1 and flow.awaiting == 2 and flow.screened == len(topics) + 1
    counted_once(flow)
    code, out, err = run("release", "--root", str(repo), "--date", "2027-01-28")
    assert code == 0, err
    awaiting = load_releases(r.releases)[-1].awaiting
    assert maybe in awaiting and len(awaiting) == 2
    assert "'maybe': 2 records left open" in out

    # February: no new search; December's maybe is included and added.
    decisions = rows(r.screening)
    for row in decisions:
        if row["candidate_id"] == maybe:
            row.update(decision="include", screener="octocat", screened="2027-02-10")
        elif row["candidate_id"] in awaiting:
            row.update(decision="exclude", reason="not-clinical", screener="octocat", screened="2027-02-10")
    write(r.screening, decisions)
    candidate = next(c for c in rows(r.candidates) if c["candidate_id"] == maybe)
    replay.crossref[candidate["doi"]] = Paper(candidate["title"], 2026, candidate["doi"], authors=(("Carried", "C"),))
    code, _out, err = run("add", maybe, "--root", str(repo), "--date", "2027-02-10", "--screener", "octocat")
    assert code == 0, err
    fill_in(repo)
    flow = flow_now("2027-02-20")
    assert (flow.carried, flow.screened, flow.included, flow.awaiting) == (2, 2, 1, 0)
    assert flow.new_studies == 1 and flow.from_search == 1  # not "other routes"
    assert "1 from the search, 0 from other routes" in " ".join(s.note for s in flow.stages())
    counted_once(flow)
    code, out, err = run("release", "--root", str(repo), "--date", "2027-02-20")
    assert code == 0, err
    assert load_releases(r.releases)[-1].awaiting == () and "'maybe': none left open" in out
    from livingreview.update.release import release_notes_html

    notes = release_notes_html(load_releases(r.releases), load_studies(r.studies)).markup
    assert "2 screened (2 carried over as &#x27;maybe&#x27;)" in notes and "no &#x27;maybe&#x27; left open" in notes
