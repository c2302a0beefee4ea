"""The review grows: new rows added to a copy of the table reach every page, figure, table,
export and the explorer, and every number follows them.

The rows (tests/fixtures/growth-rows.csv) are plainly synthetic: placeholder authors, no title,
venue, DOI or URL, placeholder text. They cover what contributions bring: domains of each kind
(a specialty, a care setting, an activity), data beyond images, model families beyond the eight
colours, a study with no coded limitation, and a second study by the same author in the same year
(id suffix -b). They add to any valid table (a placeholder author already in it is lengthened),
and every expected number is computed here from the grown table.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from test_book import visible_text
from test_prose import prose_problems

from livingreview import LIST_COLUMNS, load_studies, load_vocabulary
from livingreview.book.facts import Images, Size
from livingreview.book.studies_page import studies_table_html
from livingreview.charts.model import CHARTS
from livingreview.charts.table import chart_table_html
from livingreview.cli import main as cli
from livingreview.data.cited import cited_facts, load_cited
from livingreview.data.exports import to_bibtex, to_csv, to_ris
from livingreview.data.filters import FACETS, filter_studies
from livingreview.data.links import STUDIES_PAGE
from livingreview.data.vocabulary import family_patterns
from livingreview.explorer.app import build_explorer

from conftest import FIXTURES, ROOT, build_book

SHIPPED = ROOT / "data" / "studies.csv"
NEW_ROWS = FIXTURES / "growth-rows.csv"


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def unused_authors(header: list[str], shipped: list[list[str]], new: list[list[str]]) -> list[list[str]]:
    """The new rows, each placeholder author lengthened ('Testrow' -> 'Testrowx') until no study
    of the table has an id starting with it, so the rows add to any table, whatever it holds."""
    column = {name: i for i, name in enumerate(header)}
    taken = [row[column["id"]] for row in shipped]
    renamed = []
    for row in new:
        row = list(row)
        author = row[column["first_author"]]
        while any(i.startswith(f"{author.lower()}-") for i in taken):
            author += "x"
        row[column["id"]] = author.lower() + row[column["id"]].removeprefix(row[column["first_author"]].lower())
        row[column["first_author"]] = author
        renamed.append(row)
    return renamed


@pytest.fixture(scope="module")
def grown_csv(tmp_path_factory) -> Path:
    """A copy of the shipped table with the new rows appended, as a contributor's PR would."""
    header, rows = read_rows(SHIPPED)
    new_header, new_rows = read_rows(NEW_ROWS)
    assert new_header == header
    path = tmp_path_factory.mktemp("grown") / "studies.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows, *unused_authors(header, rows, new_rows)])
    return path


@pytest.fixture(scope="module")
def grown(grown_csv):
    return load_studies(grown_csv)


@pytest.fixture(scope="module")
def new_ids(grown) -> list[str]:
    shipped = set(load_studies(SHIPPED)["id"])
    return [study_id for study_id in grown["id"] if study_id not in shipped]


def test_the_new_rows_are_what_contributions_bring(grown, new_ids):
    shipped = load_studies(SHIPPED)
    new = grown[grown["id"].isin(new_ids)]
    assert len(grown) == len(shipped) + len(new_ids) and len(new) == len(new_ids)
    terms = {column: {t for cell in new[column] for t in cell} for column in LIST_COLUMNS}
    domains = load_vocabulary()["domain"]
    assert {domains.terms[t].group for t in terms["domain"]} == set(domains.groups), "a domain of each kind"
    assert set(terms["modality"]) - set(load_vocabulary()["modality"].in_group("image")), "data beyond images"
    assert any(family_patterns()[f] for f in terms["model_family"]), "a family beyond the eight colours"
    assert (new["limitation_themes"].map(len) == 0).any(), "a study with no coded limitation"
    assert any(i.endswith("-b") and i[:-2] in new_ids for i in new_ids), "same author and year"
    assert new["ref"].isna().all()
    assert not (new[["title", "venue", "doi", "url"]] != "").any().any(), "no bibliographic fact invented"


def test_validate_accepts_the_grown_table(grown_csv, grown, capsys):
    assert cli(["validate", str(grown_csv)]) == 0
    assert f"valid: {len(grown)} studies" in capsys.readouterr().out


def test_figures_count_the_new_rows(grown, new_ids):
    new = grown[grown["id"].isin(new_ids)]
    for name, spec in CHARTS.items():
        chart = spec.build(grown)
        assert f"{len(grown)} studies" in chart.subtitle, name
        cells = [cell for row in (chart.matrix.cells if chart.matrix else ()) for cell in row]
        named = {study for group in [*(chart.bars or ()), *cells] for study in group.names}
        drawn_names = {
            f"{s.first_author} {s.year}"
            for s in grown.itertuples()
            if name != "limitations_by_family" or bool(s.limitation_themes)
        }
        for study in new.itertuples():
            # A chart names a study as "Author Year" (two new rows share one: Testrow 2026).
            shown = f"{study.first_author} {study.year}"
            assert (shown in named) == (shown in drawn_names), (name, study.id)
    # Every bar is the count of the grown table, new terms included.
    families = CHARTS["family_bar"].build(grown)
    drawn = {row.label: group.count for row, group in zip(families.rows, families.bars)}
    for key, term in load_vocabulary()["model_family"].terms.items():
        assert drawn[term.label] == sum(key in cell for cell in grown["model_family"]), key
    years = CHARTS["timeline"].build(grown)
    assert years.rows[-1].label == str(grown["year"].max()) and sum(g.count for g in years.bars) == len(grown)
    caption = CHARTS["limitations_by_family"].build(grown).caption
    without = int((grown["limitation_themes"].map(len) == 0).sum())
    assert f"{without} studies have no coded limitation theme" in caption


def test_static_table_lists_and_counts_the_new_rows(grown):
    markup = studies_table_html(grown)
    assert re.findall(r'<tr id="study-([^"]+)"', markup) == list(grown["id"])
    for parameter, column in FACETS.values():
        for key in load_vocabulary()[column].terms:
            count = sum(key in cell for cell in grown[column])
            box = re.search(
                rf'name="{parameter}" value="{re.escape(key)}"><span class="lr-st-opt-l">[^<]*</span> '
                r'<span class="lr-st-c">(\d+)</span>',
                markup,
            )
            assert box and int(box.group(1)) == count, (column, key)


def test_exports_hold_the_new_rows(grown, new_ids):
    rows = list(csv.DictReader(io.StringIO(to_csv(grown), newline="")))
    assert [row["id"] for row in rows] == list(grown["id"])
    bibtex = to_bibtex(grown)
    assert len([entry for entry in bibtex.split("\n@") if entry.strip()]) == len(grown)
    ris = to_ris(grown)
    assert ris.count("TY  - ") == ris.count("ER  - ") == len(grown)
    for study_id in new_ids:
        assert f"{{{study_id},\n" in bibtex and f"ID  - {study_id}\r\n" in ris


def test_explorer_filters_the_new_rows(grown, new_ids):
    explorer = build_explorer(grown)
    assert f"<strong>{len(grown)}</strong> of {len(grown)} studies" in explorer.count.value
    options = dict((key, label) for label, key in explorer.facet_controls["domains"].options)
    for key in ("oncology", "primary-care", "medical-education"):
        assert options[key].endswith(f"({sum(key in cell for cell in grown['domain'])})"), key
    explorer.facet_controls["domains"].value = ("oncology",)
    expected = list(filter_studies(grown, domains=["oncology"])["id"])
    assert re.findall(r'<tr data-study-id="([^"]*)"', explorer.table.value) == expected
    assert set(new_ids) & set(expected)
    assert f"<strong>{len(expected)}</strong> of {len(grown)} studies" in explorer.count.value
    explorer.facet_controls["domains"].value = ()
    explorer.facet_controls["model_families"].value = ("transformer",)
    transformer = list(filter_studies(grown, model_families=["transformer"])["id"])
    assert re.findall(r'<tr data-study-id="([^"]*)"', explorer.table.value) == transformer
    assert set(new_ids) & set(transformer)


# --- The book, built strictly from the grown table (once for this module) --------------------


@pytest.fixture(scope="module")
def grown_book(tmp_path_factory, grown_csv) -> Path:
    output = tmp_path_factory.mktemp("grown-book")
    result = build_book(output, data=grown_csv)
    if result.returncode != 0:
        pytest.fail(f"the book did not build from the grown table:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}")
    return output / "_build" / "html" / "book"


@pytest.mark.book
def test_every_page_counts_the_new_rows(grown_book, grown, new_ids):
    size, images = Size.compute(grown), Images.compute(grown)
    index = visible_text(grown_book / "index.html")
    assert f"{size.n_studies.text} coded so far, published {size.year_span}" in index
    assert f"{size.n_added_later:,} stud" in size.growth_text and "been added since" in size.growth_text
    assert size.growth_text in index
    analysis = visible_text(grown_book / "analysis.html")
    assert f"{images.n_image_centric} of {size.n_studies} studies ({images.share_image_centric})" in analysis
    changelog = visible_text(grown_book / "changelog.html")
    assert f"The living review has {size.n_studies.text} in total" in changelog
    assert size.growth_text in changelog
    # The source's own count does not change: the new rows are not cited by it.
    cited = cited_facts(grown)
    references = visible_text(grown_book / "references.html")
    assert f"It cites {cited['n_cited_text']}, {cited['n_in_table1']} of them in its Table 1." in references
    markup = {page: (grown_book / f"{page}.html").read_text(encoding="utf-8") for page in ("studies", "changelog")}
    for study_id in new_ids:
        assert f'id="study-{study_id}"' in markup["studies"]
        assert f"studies.html#study-{study_id}" in markup["changelog"]


@pytest.mark.book
def test_the_grown_book_reads_as_a_person_writes(grown_book, grown):
    """The prose scan of tests/test_prose.py on the grown table's pages: with studies added since
    the review began, every sentence the data writes still reads right."""
    problems = prose_problems(grown_book.parent, grown, load_cited())
    assert not problems, "\n".join(problems)


@pytest.mark.book
def test_every_figure_on_the_page_counts_the_new_rows(grown_book, grown):
    """Each figure's data table on the built page is the one drawn from the grown table."""
    page = (grown_book / "analysis.html").read_text(encoding="utf-8")
    for name in CHARTS:
        table = chart_table_html(CHARTS[name].build(grown), STUDIES_PAGE)
        assert table in page, name
