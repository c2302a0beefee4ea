"""What a contributor reads about the data: every column's rule, the vocabulary, the checklist.

Each document is written once, as a small model (tables of cells made of text, `code` and **bold**
runs), and rendered twice: as Markdown for CONTRIBUTING.md and as HTML for the Contribute chapter.
Nothing is typed by hand: the rules come from data/datapackage.json (livingreview.data.schema), the
terms from data/vocabulary.yml, the checklist from the pull-request template, the example
messages from the validator itself.

- columns_markdown(), columns_html(): every CSV column and its rule;
- vocabulary_keys_markdown(), vocabulary_html(): the terms, compact (Markdown) and with definitions;
- describing_markdown(), describing_html(): what to write in the six descriptive columns of a study
  not in Table 1 (own words, never pasted), with an example row, and how its record is added;
- checklist_html(): the reviewer checklist; example_validation_messages(): a real validator error;
- maintainer_steps_markdown(), maintainer_steps_html(): the monthly update as a recipe, each command's
  output and time on the recorded month (monthly_recipe, book/monthly-update.json);
- sync_contributing(): CONTRIBUTING.md with its generated blocks rebuilt
  (`python -m livingreview contributing [--check]`).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..data.paths import (
    CONTRIBUTING,
    DATAPACKAGE,
    MONTHLY_EXAMPLE,
    PR_TEMPLATE,
    ROOT,
    VOCABULARY,
    display,
    studies_path,
)
from ..data.schema import schema_fields
from ..data.vocabulary import LIST_COLUMNS, Facet, load_vocabulary
from ..text.markup import esc
from ..text.wording import plural

# --------------------------------------------------------------------------------------------
# The model: runs of inline text, rendered as Markdown or HTML


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Subtitle:
    """A second, quieter line of a cell (HTML) or its parenthesis (Markdown)."""

    text: str


Runs = list  # of str | Code | Strong | Subtitle

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<>])")


def md_escape(text: str) -> str:
    """Text for a Markdown table cell: one line, Markdown's special characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text)))


def _md_code(text: str) -> str:
    """Inline code that survives any backticks in `text` (and a '|' inside a table)."""
    text = str(text).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


#: How each kind of run is written, per format.
_MARKDOWN = {
    str: md_escape,
    Code: lambda run: _md_code(run.text),
    Strong: lambda run: f"**{md_escape(run.text)}**",
    Subtitle: lambda run: f" ({md_escape(run.text)})",
}
_HTML = {
    str: esc,
    Code: lambda run: f"<code>{esc(run.text)}</code>",
    Strong: lambda run: f"<strong>{esc(run.text)}</strong>",
    Subtitle: lambda run: f'<br><span class="lr-muted">{esc(run.text)}</span>',
}


def to_markdown(runs: Runs) -> str:
    return "".join(_MARKDOWN[type(run)](run) for run in runs).strip()


def to_html(runs: Runs) -> str:
    return "".join(_HTML[type(run)](run) for run in runs).strip()


def parse_inline(text: str) -> Runs:
    """Markdown's `code` and **bold** in `text` as runs (anything else stays text)."""
    runs: Runs = []
    for part in re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", text):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            runs.append(Code(part[1:-1]))
        elif part.startswith("**") and part.endswith("**") and len(part) > 3:
            runs.append(Strong(part[2:-2]))
        elif part:
            runs.append(part)
    return runs


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Runs, ...], ...]
    css_class: str
    element_id: str = ""
    row_header: int = 0  # which cell of a row names it (th scope=row)


def table_markdown(table: Table) -> str:
    lines = ["| " + " | ".join(table.header) + " |", "| " + " | ".join("---" for _ in table.header) + " |"]
    lines += ["| " + " | ".join(to_markdown(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def table_html(table: Table) -> str:
    head = "".join(f'<th scope="col">{esc(name)}</th>' for name in table.header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{to_html(cell)}</th>' if i == table.row_header else f"<td>{to_html(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    element_id = f' id="{esc(table.element_id)}"' if table.element_id else ""
    return (
        f'<table class="{table.css_class}"{element_id}><caption>{esc(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


# --------------------------------------------------------------------------------------------
# The columns of studies.csv (datapackage.json)


@dataclass(frozen=True)
class ColumnRule:
    name: str
    title: str
    required: bool
    description: str
    formats: tuple[str, ...]  # e.g. 'a whole number', 'unique in the table'
    pattern: str | None  # the regular expression the cell must match, if any

    @property
    def runs(self) -> Runs:
        """The whole rule: the description, then what the constraints say."""
        runs: Runs = [self.description.rstrip(".") + "."]
        extra: list[Runs] = [[f] for f in self.formats] + (
            [["must match ", Code(self.pattern)]] if self.pattern else []
        )
        if extra:
            runs.append(" Format: ")
            for i, part in enumerate(extra):
                runs += (["; "] if i else []) + part
            runs.append(".")
        return runs


def column_rules(path: str | Path = DATAPACKAGE) -> list[ColumnRule]:
    """Every column of studies.csv in file order, with its rule as a contributor reads it.

    The rule is the column's description in datapackage.json plus what its constraints say
    (required, unique, pattern, minimum, type); nothing is written here by hand.
    """
    rules = []
    for spec in schema_fields(path):
        constraints = spec.get("constraints", {})
        formats = []
        if spec.get("type") == "integer":
            formats.append("a whole number")
        if spec.get("type") == "date":
            formats.append("a date written YYYY-MM-DD")
        if "minimum" in constraints:
            formats.append(f"at least {constraints['minimum']}")
        if constraints.get("unique"):
            formats.append("unique in the table")
        if spec["name"] in LIST_COLUMNS:
            formats.append("allowed terms: see the vocabulary")
        rules.append(
            ColumnRule(
                spec["name"],
                spec.get("title", spec["name"]),
                bool(constraints.get("required")),
                spec.get("description", "").strip(),
                tuple(formats),
                constraints.get("pattern"),
            )
        )
    return rules


def columns_table(path: str | Path = DATAPACKAGE) -> Table:
    rows = tuple(
        ([Code(rule.name), Subtitle(rule.title)], ["yes" if rule.required else "no"], rule.runs)
        for rule in column_rules(path)
    )
    caption = "The columns of data/studies.csv, in file order"
    return Table(caption, ("Column", "Required", "Rule"), rows, "table lr-rules")


def columns_markdown(path: str | Path = DATAPACKAGE) -> str:
    """The columns of studies.csv as a Markdown table (column, required, rule)."""
    return table_markdown(columns_table(path))


def columns_html(path: str | Path = DATAPACKAGE) -> str:
    """The columns of studies.csv as an accessible HTML table."""
    return table_html(columns_table(path))


# --------------------------------------------------------------------------------------------
# The vocabulary (vocabulary.yml)


def facet_summary(facet: Facet) -> str:
    """'Clinical domain (column domain): one or more terms, required; separate terms with ';''"""
    need = "one or more terms, required" if facet.required else "zero or more terms, optional"
    return f"{facet.label} (column {facet.column}): {need}; separate terms with ';'"


def vocabulary_tables(vocabulary_path: str | Path = VOCABULARY) -> list[Table]:
    """Every facet as a table: term key, display label, definition; and the group of each term
    where the facet groups its terms (a domain is a specialty, a care setting or an activity)."""
    tables = []
    for facet in load_vocabulary(Path(vocabulary_path)).values():
        head = ("Term key (in the CSV)", "Label (as shown)", "Definition")
        rows = [([Code(term.key)], [term.label], [term.definition.strip()]) for term in facet.terms.values()]
        if facet.groups:
            head += ("Group",)
            rows = [
                (*row, [facet.groups[term.group].label if term.group else ""])
                for row, term in zip(rows, facet.terms.values())
            ]
        tables.append(
            Table(
                facet_summary(facet),
                head,
                tuple(rows),
                "table lr-vocabulary",
                f"vocabulary-{facet.column}",
                row_header=1,
            )
        )
    return tables


def vocabulary_html(vocabulary_path: str | Path = VOCABULARY) -> str:
    """Every facet as an accessible HTML table (term key, label, definition)."""
    return (
        '<div class="lr-vocabularies">' + "".join(table_html(t) for t in vocabulary_tables(vocabulary_path)) + "</div>"
    )


def vocabulary_keys_markdown(vocabulary_path: str | Path = VOCABULARY) -> str:
    """A compact list: one line per facet with its term keys and labels (for CONTRIBUTING.md)."""
    lines = []
    for facet in load_vocabulary(Path(vocabulary_path)).values():
        need = "required" if facet.required else "optional"
        terms: Runs = []
        for i, term in enumerate(facet.terms.values()):
            terms += ([" · "] if i else []) + [Code(term.key), " ", term.label]
        lines.append("- " + to_markdown([Strong(facet.label), " (", Code(facet.column), f", {need}): ", *terms]))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# A study not in Table 1: what to write in its six descriptive columns, and its record

#: An invented study (no such publication), the guide's example of an added row: its six
#: descriptive columns as a contributor writes them. tests/test_contributor_docs.py checks that it
#: is a valid row of the table.
EXAMPLE_ROW = {
    "id": "doe-2026",
    "ref": "",
    "first_author": "Doe",
    "year": "2026",
    "title": "",
    "venue": "",
    "doi": "",
    "url": "",
    "dataset": "Knee MRI scans of 900 patients from two hospitals, each graded for cartilage damage by a radiologist",
    "method": (
        "A diffusion model trained on the scans generated extra scans of the rare severe grade, which were added "
        "to the training data of a grading classifier"
    ),
    "model": "Latent diffusion model conditioned on the damage grade",
    "application": "Synthetic scans of severe cartilage damage for training a classifier",
    "purpose": "Grade cartilage damage of the knee more reliably, the severe cases above all",
    "limitations": "Tested at the two hospitals only; no radiologist rated the synthetic scans",
    "domain": "orthopaedics;radiology",
    "modality": "3d-volume",
    "model_family": "diffusion",
    "contribution": "data-augmentation",
    "limitation_themes": "generalisation;evaluation",
    "added": "2026-12-01",
    "notes": "",
}


def describing_rules() -> list[Runs]:
    """What a contributor writes in the six descriptive columns of a study that is not in Table 1,
    and how its bibliographic record is added, as runs (`code`, **bold**)."""
    from ..data.provenance import QUOTED_LABEL, SUMMARY_LABEL

    rules = [
        "Write the six descriptive columns (`dataset`, `method`, `model`, `application`, `purpose`, "
        "`limitations`) **in your own words**, as a summary of the publication: read its abstract, and its "
        "methods where the abstract is silent. The book shows them labelled "
        f"“{SUMMARY_LABEL} (added YYYY-MM)”; only the rows of the source review's Table 1 are shown as "
        f"“{QUOTED_LABEL}”.",
        "**Do not paste from the abstract or the paper.** A copied sentence would be the authors' words shown "
        "as the review's own. Short plain phrases are enough; where a coding decision rests on the "
        "publication's exact words, quote those few words in single quotes in `notes`.",
        "Describe what this study did (its data, its model, what it reports), not the field. One phrase or "
        "sentence per cell; a line break only to list items; no space at either end of a cell.",
        "`limitations`: what the study itself reports, not your own critique. If it reports none, write "
        "`None stated by the study` and leave `limitation_themes` empty.",
        "**The bibliographic record.** A study with a DOI starts with `python -m livingreview add DOI`: it "
        "fetches Crossref's record, writes the row's `first_author`, `year`, `title`, `venue`, `doi` and `url`, "
        "appends the record to `book/references.bib` (its `provenance` says where it came from) and marks "
        "every cell you write `TODO`. Without a DOI, leave `title`, `venue`, `doi` and `url` empty: `validate` "
        "refuses them when no verified record is behind them.",
        "Leave `ref` empty: a reference number marks a row of the source review's Table 1.",
    ]
    return [parse_inline(rule) for rule in rules]


def describing_table(path: str | Path = DATAPACKAGE) -> Table:
    """The six descriptive columns: what each holds (the first sentence of its rule in
    datapackage.json) and the example row's cell."""
    from ..data.studies import TABLE1_COLUMNS

    rules = {rule.name: rule for rule in column_rules(path)}
    rows = tuple(
        (
            [Code(column), Subtitle(rules[column].title)],
            [rules[column].description.split(". ")[0].rstrip(".") + "."],
            [EXAMPLE_ROW[column]],
        )
        for column in TABLE1_COLUMNS
    )
    caption = "The six descriptive columns of a study you add, with the example row's cells (an invented study)"
    return Table(caption, ("Column", "What to write", "Example"), rows, "table lr-rules")


def example_row_csv() -> str:
    """The example row as the two lines of CSV it is in data/studies.csv (header, row)."""
    from ..data.schema import expected_columns

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=expected_columns(), lineterminator="\n")
    writer.writeheader()
    writer.writerow(EXAMPLE_ROW)
    return out.getvalue()


def describing_markdown() -> str:
    """The rules, the six columns with the example and the whole example row (CONTRIBUTING.md)."""
    rules = "\n".join(f"- {to_markdown(runs)}" for runs in describing_rules())
    row = example_row_csv()
    return (
        f"{rules}\n\n{table_markdown(describing_table())}\n\n"
        f"The example row (an invented study), as it is written in `data/studies.csv`:\n\n```csv\n{row}```"
    )


def describing_html() -> str:
    """The same, for the Contribute chapter."""
    rules = "".join(f"<li>{to_html(runs)}</li>" for runs in describing_rules())
    return (
        f'<ul class="lr-describing">{rules}</ul>{table_html(describing_table())}'
        "<p>The example row (an invented study), as it is written in <code>data/studies.csv</code>:</p>"
        f'<pre class="lr-example-row"><code>{esc(example_row_csv())}</code></pre>'
    )


# --------------------------------------------------------------------------------------------
# The pull-request checklist and an example of the validator's messages


def pr_checklist(path: str | Path = PR_TEMPLATE) -> list[str]:
    """The reviewer checklist of the pull-request template: the text of each '- [ ]' line."""
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*[-*] \[[ xX]\] (.+)", line)
        if match:
            items.append(match.group(1).strip())
    return items


def checklist_html(path: str | Path = PR_TEMPLATE) -> str:
    items = "".join(f"<li>{to_html(parse_inline(item))}</li>" for item in pr_checklist(path))
    return f'<ul class="lr-checklist">{items}</ul>'


def example_validation_messages(studies: str | Path | None = None) -> tuple[str, str]:
    """What the validator reports for a mistyped term: the line in text and in GitHub format.

    A copy of the table in use (studies_path()) gets a typo in the first term of its first row's
    `domain`; the validator checks it and renders its first problem as the command line does, so
    the example on the Contribute page is never out of date.
    """
    from ..data.validation import validate

    with open(studies_path(studies), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, first = rows[0], rows[1]
    column = header.index("domain")
    term = first[column].split(";")[0].strip()
    typo = term[:-2] + term[-1] if len(term) > 2 else term + "x"
    first[column] = ";".join([typo] + first[column].split(";")[1:])
    shown = display(studies_path(), start=ROOT)  # as typed at the repository's root, wherever this runs
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "studies.csv"
        with open(copy, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        _rows, problems = validate(copy)
    problem = min(problems)  # the first line the command prints (it sorts by line and column)
    return problem.render(shown), problem.annotation(shown)


# --------------------------------------------------------------------------------------------
# The monthly update, for maintainers: one recipe, in CONTRIBUTING.md and the chapter, with what
# each command printed and how long it took on the month tests/test_month.py replays and records
# (book/monthly-update.json; the test fails when a command or its output no longer matches).

#: What each command of the recipe is for, by its first words (one sentence each).
RECIPE_STEPS = {
    "python -m livingreview import": "Records you exported from a database the search cannot reach (Scopus, "
    "Embase, Web of Science: RIS, MEDLINE, Web of Science text or CSV), if any, become candidates.",
    "python -m livingreview search": "New records of PubMed, Europe PMC and OpenAlex since the last run. The "
    "**Monthly search** workflow runs it on the first of the month and opens the month's pull request from "
    "`monthly-update/YYYY-MM`; work on that branch (`git switch monthly-update/YYYY-MM`).",
    "python -m livingreview screen": "One key per record, the most likely inclusions first: `i` include, `e` "
    "exclude (then a reason), `m` maybe, `s` skip, `u` undo, `n` note, `q` quit. Each decision is one line of "
    "`data/screening.csv`, saved at once; `screen --stop` once the stopping estimate holds, `--second` and "
    "`--resolve` for two screeners.",
    "python -m livingreview add": "Every included record becomes a row of `data/studies.csv` (from Crossref's "
    "record, or the candidate's own where Crossref has none) with its BibTeX record and suggested codes, marked "
    "as suggestions.",
    "python -m livingreview code": "Each new study's six descriptive fields, in your own words (text copied from "
    "the abstract is refused), and its codes, the suggestions pre-selected: Enter accepts, typing edits.",
    "python -m livingreview validate": "Nothing left to do: every file valid.",
    "python -m livingreview release": "This month's version (`data/releases.yml`, `CITATION.cff`); refused while a "
    "record awaits a decision or a cell, or a suggested code, awaits a person.",
    "make book": "The book as it will be published: the Methods chapter draws this update's flow.",
}
#: The last step, which the recorded month does not run.
PUSH_STEP = (
    "Commit and push to the month's branch. Its checks fail until the branch holds the month's version "
    "(`python -m livingreview release --check`); merging the pull request is the release, and the published "
    "book follows."
)


@dataclass(frozen=True)
class RecipeStep:
    command: str
    what: Runs
    output: str
    seconds: float | None

    @property
    def generic(self) -> str:
        """The command as a maintainer types it in any month: the example's files and name as placeholders."""
        command = re.sub(r"^(python -m livingreview import)( \S+)+", r"\1 FILE...", self.command)
        return re.sub(r"--screener \S+", "--screener NAME", command)


def monthly_recipe(path: Path = MONTHLY_EXAMPLE) -> tuple[list[RecipeStep], dict]:
    """The recipe's steps (the recorded month's commands, in order, what each is for, printed and
    took) and the recording's details (about, recorded, load_average)."""
    import json

    recorded = json.loads(Path(path).read_text(encoding="utf-8"))
    steps = []
    for step in recorded["steps"]:
        what = next((text for start, text in RECIPE_STEPS.items() if step["command"].startswith(start)), "")
        steps.append(RecipeStep(step["command"], parse_inline(what), step["output"], step["seconds"]))
    steps.append(RecipeStep("git push", parse_inline(PUSH_STEP), "", None))
    return steps, {k: v for k, v in recorded.items() if k != "steps"}


#: An output longer than this many lines is shown cut, saying how many lines are left out.
SHOWN_LINES = 8


def _shown_output(output: str) -> str:
    lines = output.splitlines()
    if len(lines) <= SHOWN_LINES:
        return output
    return "\n".join(lines[:SHOWN_LINES] + [f"… ({plural(len(lines) - SHOWN_LINES, 'more line')})"])


def maintainer_steps_markdown() -> str:
    """The recipe for CONTRIBUTING.md: each command and what it is for (what each printed and how
    long it took are in the Contribute chapter, which changes with every recording)."""
    steps, _about = monthly_recipe()
    return "\n".join(f"{i}. `{step.generic}`: {to_markdown(step.what)}" for i, step in enumerate(steps, 1))


def maintainer_steps_html() -> str:
    """The recipe for the Contribute chapter: each command, what it is for, what it printed on the
    recorded month and how long it took."""
    steps, about = monthly_recipe()
    items = []
    for step in steps:
        item = f"<li><p>{to_html(step.what)}</p><pre><code>$ {esc(step.command)}"
        if step.output:
            item += "\n" + esc(_shown_output(step.output))
        item += "</code></pre>"
        if step.seconds is not None:
            item += f'<p class="lr-muted">{step.seconds:.1f} s on the recorded month.</p>'
        items.append(item + "</li>")
    note = (
        f'<p class="lr-muted">Recorded on {esc(str(about.get("recorded", ""))[:10])} by tests/test_month.py (load '
        f"average {about.get('load_average', '?')} on 2 cores): {esc(about.get('about', ''))}</p>"
    )
    return f'<ol class="lr-maintainer-steps">{"".join(items)}</ol>{note}'


# --------------------------------------------------------------------------------------------
# CONTRIBUTING.md: blocks generated from the data files

GENERATED = {
    "columns": columns_markdown,
    "describing": describing_markdown,
    "vocabulary": vocabulary_keys_markdown,
    "maintainers": maintainer_steps_markdown,
}
_BLOCK = re.compile(
    r"(<!-- BEGIN generated: (?P<name>[a-z]+)[^>]*-->\n)(?P<body>.*?)(\n<!-- END generated: (?P=name) -->)",
    re.S,
)


def sync_contributing(text: str | None = None) -> str:
    """CONTRIBUTING.md with each generated block (columns, vocabulary) rebuilt from the data files."""
    text = CONTRIBUTING.read_text(encoding="utf-8") if text is None else text

    def rebuild(match: re.Match) -> str:
        make = GENERATED.get(match.group("name"))
        return match.group(0) if make is None else match.group(1) + make() + match.group(4)

    return _BLOCK.sub(rebuild, text)
