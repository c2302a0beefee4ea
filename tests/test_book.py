"""The book builds strictly, offline, and always in step with the data."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from livingreview import load_studies, load_vocabulary
from livingreview.book.facts import Images, Size
from livingreview.book.offline import is_remote, page_loads

from conftest import FIXTURES, ROOT, build_book

pytestmark = pytest.mark.book


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_every_chapter_is_built(built_book):
    for name in toc_files():
        assert (built_book / f"{name}.html").is_file(), name


def test_landing_page_counts_match_the_data(built_book):
    size = Size.compute(load_studies())
    text = visible_text(built_book / "book" / "index.html")
    assert f"{size.n_studies.text} coded so far, published {size.year_span}" in text
    assert f"The living review began on {size.first_added}" in text and size.growth_text in text


def built_pages(built_book: Path) -> list[Path]:
    """Every page of the book (not the theme's Jinja templates that Sphinx copies into _static)."""
    return [p for p in built_book.rglob("*.html") if "_static" not in p.relative_to(built_book).parts]


def test_no_page_loads_anything_from_another_host(built_book):
    pages = built_pages(built_book)
    assert len(pages) >= len(toc_files())
    offenders = {}
    for page in pages:
        loads = page_loads(page.read_text(encoding="utf-8"))
        bad = [u for u in loads if is_remote(u)]
        if bad:
            offenders[str(page.relative_to(built_book))] = bad
        for url in loads:  # and everything it loads locally is in the build
            if not is_remote(url) and not url.startswith("data:"):
                target = (page.parent / url.split("?")[0].split("#")[0]).resolve()
                assert target.exists(), f"{page.name} loads missing {url}"
    assert offenders == {}
    for css in built_book.rglob("*.css"):
        for url in re.findall(r"@import\s+(?:url\()?['\"]?([^'\")\s;]+)", css.read_text(errors="ignore")):
            assert not is_remote(url), (css, url)


def test_figure_script_only_on_pages_with_figures(built_book):
    """Pages without charts load neither plotly.js nor the script that would fetch it."""
    for page in built_pages(built_book):
        markup = page.read_text(encoding="utf-8")
        has_figure = 'class="lr-figure"' in markup
        assert ("lr/figures.js" in markup) == has_figure, page.name
        assert not re.search(r"<script[^>]+src=[^>]*plotly", markup), page.name  # fetched by figures.js
    assert 'class="lr-figure"' in (built_book / "book" / "analysis.html").read_text()


def test_source_claim_shown_beside_computed_value(built_book):
    studies = load_studies()
    size, images = Size.compute(studies), Images.compute(studies)
    text = visible_text(built_book / "book" / "analysis.html")
    assert "Source review: “more than two-thirds”" in text  # smart quotes, as rendered
    assert f"{images.n_image_centric} of {size.n_studies} studies ({images.share_image_centric})" in text


def test_cards_for_every_study(built_book):
    markup = (built_book / "book" / "studies.html").read_text(encoding="utf-8")
    for study_id in load_studies()["id"]:
        assert f'id="study-{study_id}"' in markup


class _Text(HTMLParser):
    """The text a reader sees: everything outside script, style and template elements."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.depth -= tag in self.HIDDEN and self.depth > 0

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(page: Path) -> str:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", "".join(parser.parts))


def test_rebuild_follows_the_data(built_book, tmp_path):
    """Drop a row, rebuild incrementally (no --all, nothing cleared): every count follows.

    On a copy of the session's build, so the shared one stays a clean build for other tests."""
    import shutil

    output = tmp_path / "book"
    shutil.copytree(built_book.parent.parent, output, symlinks=True)
    built = output / "_build" / "html"
    fewer = tmp_path / "one-fewer.csv"
    with open(ROOT / "data" / "studies.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with open(fewer, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows[:-1])
    shipped, dropped = Size.compute(load_studies(ROOT / "data" / "studies.csv")), Size.compute(load_studies(fewer))
    assert dropped.n_studies == shipped.n_studies - 1
    result = build_book(output, data=fewer, all_pages=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    text = visible_text(built / "book" / "index.html")
    assert f"{dropped.n_studies.text} coded so far" in text
    analysis = visible_text(built / "book" / "analysis.html")
    assert f"of {dropped.n_studies} studies (" in analysis
    # Nothing changed since: Sphinx reads no page again, so no notebook runs.
    again = build_book(output, data=fewer, all_pages=False)
    assert again.returncode == 0
    assert "Executing" not in again.stdout and "0 changed" in again.stdout
    # And back to the shipped table.
    back = build_book(output, all_pages=False)
    assert back.returncode == 0
    assert f"{shipped.n_studies.text} coded so far" in visible_text(built / "book" / "index.html")


def test_references_page_counts_the_cited_studies(built_book):
    """'N studies cited, M in Table 1': both numbers from the data, and the cited-only studies listed."""
    from livingreview.data.cited import cited_facts, load_cited

    studies = load_studies(ROOT / "data" / "studies.csv")
    facts = cited_facts(studies)
    text = visible_text(built_book / "book" / "references.html")
    assert f"It cites {facts['n_cited_text']}, {facts['n_in_table1']} of them in its Table 1." in text
    assert f"discusses {facts['n_cited_only_text']} in its text" in text
    for row in load_cited().itertuples():
        assert f"{row.first_author} et al." in text and f"reference {row.ref} of the source review" in text


def test_invalid_data_stops_the_build_with_the_validators_lines(tmp_path):
    result = build_book(tmp_path, data=FIXTURES / "unknown-term.csv")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "unknown-term.csv:2: column 'model_family': unknown term 'difusion'; did you mean 'diffusion'?" in output
    assert "Traceback" not in output


def test_each_figure_has_a_data_table_with_its_numbers():
    """The text alternative under each chart holds the chart's counts (checked against the data)."""
    from livingreview.book.chapters import figure_html
    from livingreview.charts.model import CHARTS

    df = load_studies()
    for name in CHARTS:
        assert '<details class="lr-figure-data"><summary>Data table</summary>' in figure_html(name, df)._repr_html_()
    domains = figure_html("domain_bar", df)._repr_html_()
    for key, term in load_vocabulary()["domain"].terms.items():
        count = sum(key in values for values in df["domain"])
        # A count that holds studies links to them, as the chart's bar does.
        cell = f'<a href="studies.html?domain={key}">{count}</a>' if count else str(count)
        assert f"<tr><th scope='row'>{term.label}</th><td>{cell}</td></tr>" in domains
    gap = figure_html("gap_map", df)._repr_html_()
    radiology_gan = sum("radiology" in d and "gan" in f for d, f in zip(df["domain"], df["model_family"]))
    assert (
        f"<tr><th scope='row'>Radiology</th><td><a href=\"studies.html?domain=radiology&amp;family=gan\">{radiology_gan}</a></td>"
        in gap
    )
    assert "No studies match." in figure_html("gap_map", df.iloc[:0])._repr_html_()
    # The figures whose bars count each study once show that count beside the family matrix.
    timeline = figure_html("timeline", df)._repr_html_()
    for year in range(df["year"].min(), df["year"].max() + 1):
        n = int((df["year"] == year).sum())
        cell = f'<a href="studies.html?year={year}">{n}</a>' if n else "0"
        assert f"<tr><th scope='row'>{year}</th><td>{cell}</td>" in timeline


def test_figure_markup_is_valid_and_reserves_the_charts_height():
    """<figure> holds the chart and its caption only (the data table, a <details>, follows it:
    the W3C checker rejects it inside); the box reserves the chart's own height."""
    from livingreview.book.chapters import figure_html
    from livingreview.charts.model import CHARTS
    from livingreview.charts.style import geometry

    df = load_studies()
    for name in CHARTS:
        markup = figure_html(name, df)._repr_html_()
        figure = markup.split("<figure", 1)[1].split("</figure>", 1)[0]
        assert "<details" not in figure and figure.rstrip().endswith("</figcaption>")
        assert "</figure><details" in markup
        chart = CHARTS[name].build(df)
        heights = re.search(r"--lr-h:(\d+)px;--lr-h-phone:(\d+)px", markup).groups()
        assert int(heights[0]) == geometry(chart).height
        assert int(heights[1]) == geometry(chart, phone=True).height
