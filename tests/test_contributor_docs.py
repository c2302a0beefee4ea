"""livingreview.book.contributor_docs: the column rules, the vocabulary and the checklist, written
once and rendered as Markdown (CONTRIBUTING.md) and HTML (the Contribute chapter)."""

from __future__ import annotations

import html
import re

import yaml

from livingreview.book.contributor_docs import (
    EXAMPLE_ROW,
    Code,
    Strong,
    Subtitle,
    checklist_html,
    column_rules,
    columns_html,
    columns_markdown,
    columns_table,
    describing_html,
    describing_markdown,
    describing_rules,
    example_row_csv,
    example_validation_messages,
    md_escape,
    parse_inline,
    pr_checklist,
    sync_contributing,
    table_html,
    table_markdown,
    to_html,
    to_markdown,
    vocabulary_html,
    vocabulary_keys_markdown,
)
from livingreview.data.schema import expected_columns
from livingreview.data.vocabulary import load_vocabulary

from conftest import ROOT


def escape(text: str) -> str:
    """As the docs escape text (livingreview.text.markup.esc)."""
    return html.escape(text)


def test_vocabulary_docs_contain_every_term_label_and_definition():
    page = vocabulary_html()
    keys = vocabulary_keys_markdown()
    for column, facet in load_vocabulary().items():
        assert f"`{column}`" in keys and f'id="vocabulary-{column}"' in page
        assert escape(facet.label) in page
        for term in facet.terms.values():
            assert f"`{term.key}`" in keys and md_escape(term.label) in keys
            assert f"<code>{escape(term.key)}</code>" in page
            assert f'<th scope="row">{escape(term.label)}</th>' in page
            assert escape(term.definition.strip()) in page


def test_vocabulary_docs_say_each_terms_group():
    page = vocabulary_html()
    for column, facet in load_vocabulary().items():
        table = re.search(rf'<table[^>]*id="vocabulary-{column}".*?</table>', page, re.S).group(0)
        assert ('<th scope="col">Group</th>' in table) == bool(facet.groups)
        for term in facet.terms.values():
            if term.group:
                row = re.search(rf"<tr><td><code>{re.escape(escape(term.key))}</code>.*?</tr>", table, re.S).group(0)
                assert f"<td>{escape(facet.groups[term.group].label)}</td>" in row


def test_vocabulary_docs_read_the_given_file(tmp_path):
    custom = tmp_path / "vocabulary.yml"
    original = yaml.safe_load((ROOT / "data" / "vocabulary.yml").read_text(encoding="utf-8"))
    original["domain"]["terms"]["x-new"] = {"label": "A <new> | term", "definition": "Defined *here*."}
    custom.write_text(yaml.safe_dump(original), encoding="utf-8")
    assert "A &lt;new&gt; | term" in vocabulary_html(custom)
    assert "Defined *here*." in vocabulary_html(custom)
    assert r"`x-new` A \<new\> \| term" in vocabulary_keys_markdown(custom)


def test_column_docs_follow_the_table_schema():
    rules = column_rules()
    assert [r.name for r in rules] == expected_columns()
    md, page = columns_markdown(), columns_html()
    for rule in rules:
        assert f"`{rule.name}`" in md and f"<code>{rule.name}</code>" in page
        assert escape(rule.description.rstrip(".")) in page
        assert f"`{rule.name}` ({md_escape(rule.title)})" in md
    by_name = {r.name: r for r in rules}
    assert by_name["id"].required and "unique in the table" in by_name["id"].formats
    assert by_name["doi"].pattern and not by_name["doi"].required
    assert "a date written YYYY-MM-DD" in by_name["added"].formats
    assert md.count("\n") == len(rules) + 1  # header, rule line, one line per column


def test_md_escape():
    assert md_escape("a|b*c_d`e[f]<g>") == r"a\|b\*c\_d\`e\[f\]\<g\>"
    assert md_escape("two\nlines") == "two lines"


def test_one_model_two_renderings():
    runs = ["A <b> & ", Code("x|`y"), " and ", Strong("bold*"), Subtitle("Sub")]
    assert to_markdown(runs) == r"A \<b\> & `` x\|`y `` and **bold\*** (Sub)"
    assert (
        to_html(runs)
        == 'A &lt;b&gt; &amp; <code>x|`y</code> and <strong>bold*</strong><br><span class="lr-muted">Sub</span>'
    )
    assert parse_inline("The **Data** check: `make validate` and *this*") == [
        "The ",
        Strong("Data"),
        " check: ",
        Code("make validate"),
        " and *this*",
    ]
    table = columns_table()
    markdown, page = table_markdown(table), table_html(table)
    assert markdown == columns_markdown() and page == columns_html()
    assert markdown.count("\n| `") == page.count('<tr><th scope="row">') == len(column_rules())


def test_checklist_html_renders_the_templates_markup():
    page = checklist_html()
    assert page.count("<li>") == len(pr_checklist())
    assert "<strong>Data</strong>" in page and "<code>python -m livingreview validate</code>" in page


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


def test_example_messages_name_the_table_as_typed_at_the_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # a chapter's kernel runs in book/, not at the root
    text, github = example_validation_messages()
    assert text.startswith("data/studies.csv:2: ") and github.startswith("::error file=data/studies.csv,")


def test_the_guide_to_an_added_studys_six_columns():
    """What a contributor writes for a study not in Table 1: their own words, never pasted, what
    each of the six columns holds, an example row, and how the record is added."""
    text = " ".join(to_markdown(runs) for runs in describing_rules())
    for phrase in (
        "**in your own words**",
        "abstract",
        "**Do not paste from the abstract or the paper.**",
        "Summary by the living review’s contributors (added YYYY-MM)",
        "`python -m livingreview add DOI`",
        "`book/references.bib`",
        "`None stated by the study`",
    ):
        assert phrase in text, phrase
    markdown, page = describing_markdown(), describing_html()
    for rule in column_rules():
        if rule.name in ("dataset", "method", "model", "application", "purpose", "limitations"):
            assert f"`{rule.name}`" in markdown and f"<code>{rule.name}</code>" in page
            assert md_escape(EXAMPLE_ROW[rule.name]) in markdown and escape(EXAMPLE_ROW[rule.name]) in page
    assert example_row_csv() in markdown and escape(example_row_csv()) in page
    # CONTRIBUTING.md holds the block; the Contribute chapter renders the same model.
    assert markdown in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "HTML(describing_html())" in (ROOT / "book" / "contribute.md").read_text(encoding="utf-8")


def test_the_example_row_is_a_valid_row_of_the_table(tmp_path):
    """Appended to the table in use, the guide's example validates: the columns it shows are the
    schema's, its terms are the vocabulary's, and it is an added study (no reference number)."""
    import csv

    from livingreview import load_studies
    from livingreview.data.provenance import provenance

    table = (ROOT / "data" / "studies.csv").read_text(encoding="utf-8")
    taken = set(load_studies()["id"])
    assert EXAMPLE_ROW["id"] not in taken, "the example's id is a real row's"
    path = tmp_path / "studies.csv"
    path.write_text(table + example_row_csv().split("\n", 1)[1], encoding="utf-8")
    frame = load_studies(path)
    assert list(csv.DictReader(example_row_csv().splitlines()))[0] == EXAMPLE_ROW
    example = frame.set_index("id").loc[EXAMPLE_ROW["id"]]
    assert not provenance(example).quoted
    assert provenance(example).label == "Summary by the living review’s contributors (added 2026-12)"
